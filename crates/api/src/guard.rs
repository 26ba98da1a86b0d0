//! What every request passes before an operation runs (service principle:
//! a local API on a shop PC is reachable by every web page the shop's
//! browser opens, so loopback alone protects nothing):
//! - its `Host` must be this server by a loopback name (`127.0.0.1:PORT`,
//!   `localhost:PORT`, `[::1]:PORT`): a page that rebinds its own domain
//!   name to 127.0.0.1 still sends its own name (DNS rebinding);
//! - it must carry the token (`Authorization: Bearer ...`), the file's as
//!   it is now, compared in constant time (`token::accepts`);
//! - what it sends and what is done with it take at most the time limit.
//! - no CORS headers are ever sent, so a browser page cannot read an
//!   answer even when it guesses everything else.
//!
//! The body limit is set where the router is made, the limits on
//! connections where they are accepted (`lib.rs`).

use crate::problem::Problem;
use crate::{Api, token};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dangol_domain::i18n::Lang;
use std::sync::Arc;
use std::time::Duration;

/// The language a request asked for: English where `Accept-Language`
/// prefers it, else Korean.
pub fn lang(headers: &HeaderMap) -> Lang {
    let asked = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    match asked.trim_start().get(..2) {
        Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
        _ => Lang::Ko,
    }
}

/// Whether `host` names this server on loopback at `port`.
pub fn loopback_host(host: &str, port: u16) -> bool {
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| host.eq_ignore_ascii_case(&format!("{name}:{port}")))
}

/// The token an `Authorization` header carries (the scheme's name in any
/// case, as HTTP allows).
pub fn bearer(headers: &HeaderMap) -> &str {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    }
}

pub async fn guard(State(api): State<Arc<Api>>, req: Request, next: Next) -> Response {
    let lang = lang(req.headers());
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !loopback_host(host, api.listen.port()) {
        return Problem::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_refused",
            lang.pick(
                "이 API는 127.0.0.1 또는 localhost 주소로만 받습니다",
                "this API answers only requests addressed to 127.0.0.1 or localhost",
            ),
        )
        .into_response();
    }
    if !token::accepts(&api.token_file, bearer(req.headers())) {
        return unauthorized(lang.pick(
            "토큰이 없거나 맞지 않습니다 (Authorization: Bearer 와 토큰 파일의 값)",
            "the token is missing or wrong (Authorization: Bearer and the token file's value)",
        ));
    }
    in_time(lang, req, next).await
}

/// A request without the right key: `401` asking for a bearer token.
pub fn unauthorized(detail: &str) -> Response {
    let mut r = Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).into_response();
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// Runs the rest of the request within the time limit. The body is read
/// inside: a client sending it slowly is cut off too.
pub async fn in_time(lang: Lang, req: Request, next: Next) -> Response {
    match tokio::time::timeout(crate::TIME_LIMIT + Duration::from_secs(1), next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problem::timeout(lang).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_at_this_port_are_this_server() {
        assert!(loopback_host("127.0.0.1:8080", 8080));
        assert!(loopback_host("LOCALHOST:8080", 8080));
        assert!(loopback_host("[::1]:8080", 8080));
        for other in ["127.0.0.1:8081", "evil.example:8080", "127.0.0.1", "localhost", "127.0.0.1:8080.evil", ""] {
            assert!(!loopback_host(other, 8080), "{other}");
        }
    }
}
