//! The customer's screen as a page for a tablet on the shop's network,
//! served only when the owner allows it, at the address they chose
//! (`Store::customer_screen_lan`: an address of this PC on the shop's own
//! network, never every interface or a public one). It is the same page as
//! the window's second screen (the window's front end, `#tablet`), reading
//! the same `Showing`; nothing else of Dangol is reachable here.
//!
//! What every request passes:
//! - its `Host` must be this server's own address and port as an IP
//!   address: a name (a page that rebinds its domain to this PC) is
//!   refused;
//! - the screen's state and the consent answer need the screen key
//!   (`Authorization: Bearer`, the key file beside the shop's file,
//!   compared in constant time; `dangol rotate-token --token-file` makes a
//!   new one). The page itself and its scripts are public: they hold no
//!   data. The tablet gets the key once, in the address's fragment
//!   (`#tablet:KEY`, never sent to a server), from the owner's QR code;
//! - bodies of at most `MAX_BODY`, the API's time limits, no CORS, a
//!   content security policy that lets the page talk to this server only.

use crate::problem::Problem;
use crate::shop::Shop;
use crate::showing::Showing;
use crate::{Running, guard, on_store, token};
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dangol_domain::i18n::Lang;
use dangol_store::counter::CustomerScreen;
use dangol_store::{StoreError, SystemIds};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest request body (a consent answer is a few bytes).
pub const MAX_BODY: usize = 1024;

/// The page's files, by path (`index.html`, `assets/...`): the window's
/// own front end. `None` for a path it does not have.
pub type Assets = Arc<dyn Fn(&str) -> Option<Asset> + Send + Sync>;

/// A file of the page.
pub struct Asset {
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// What the tablet's requests share.
struct Tablet {
    shop: Arc<dyn Shop>,
    turn: Arc<tokio::sync::Mutex<()>>,
    showing: Arc<Showing>,
    key_file: PathBuf,
    listen: SocketAddr,
    assets: Assets,
}

/// What the page reads: the screen and its version.
#[derive(Debug, Serialize)]
pub struct ScreenState {
    pub version: u64,
    pub screen: CustomerScreen,
}

#[derive(Debug, Deserialize)]
struct Seen {
    /// The version the page shows: unchanged, the answer is `204`.
    seen: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Answer {
    showing: u64,
    given: bool,
}

/// Whether `host` is this server's own IP address and port (`[v6]:port`
/// for IPv6), never a name.
pub fn own_address(host: &str, listen: SocketAddr) -> bool {
    host.parse::<SocketAddr>().is_ok_and(|h| h == listen)
}

async fn check(State(t): State<Arc<Tablet>>, req: Request, next: Next) -> Response {
    let lang = guard::lang(req.headers());
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !own_address(host, t.listen) {
        return Problem::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_refused",
            lang.pick(
                "이 화면은 이 PC의 IP 주소로만 엽니다",
                "this screen answers only requests addressed to this PC's IP address",
            ),
        )
        .into_response();
    }
    if req.uri().path().starts_with("/screen/") && !token::accepts(&t.key_file, guard::bearer(req.headers())) {
        return guard::unauthorized(lang.pick(
            "화면 키가 없거나 맞지 않습니다. 사장님 설정의 QR 코드로 다시 여세요",
            "the screen key is missing or wrong; open the page again from the owner's QR code",
        ));
    }
    let mut r = guard::in_time(lang, req, next).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The screen now, or `204` if the page already shows this version.
async fn state(State(t): State<Arc<Tablet>>, headers: HeaderMap, seen: Query<Seen>) -> Result<Response, Problem> {
    let lang = guard::lang(&headers);
    if seen.seen == Some(t.showing.version()) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Json(read(&t, lang).await?).into_response())
}

async fn read(t: &Arc<Tablet>, lang: Lang) -> Result<ScreenState, Problem> {
    let showing = Arc::clone(&t.showing);
    on_store(&t.shop, &t.turn, lang, move |store| {
        let (version, screen) = showing.screen(store)?;
        Ok(ScreenState { version, screen })
    })
    .await
}

/// The customer's own consent answer, given on a showing; the screen with
/// it, read in the same turn on the store.
async fn consent(
    State(t): State<Arc<Tablet>>,
    headers: HeaderMap,
    body: Result<Json<Answer>, JsonRejection>,
) -> Result<Response, Problem> {
    let lang = guard::lang(&headers);
    let Json(answer) = body.map_err(|e| crate::problem::from_json_rejection(&e, lang))?;
    let showing = Arc::clone(&t.showing);
    let answered = on_store(&t.shop, &t.turn, lang, move |store| {
        if showing.consent(store, answer.showing, answer.given, &mut SystemIds)?.is_none() {
            return Ok(None);
        }
        let (version, screen) = showing.screen(store)?;
        Ok(Some(ScreenState { version, screen }))
    })
    .await?;
    match answered {
        Some(state) => Ok(Json(state).into_response()),
        None => Err(Problem::new(
            StatusCode::CONFLICT,
            "screen_changed",
            lang.pick("화면이 바뀌었습니다. 다시 눌러 주세요", "the screen has changed; please answer again"),
        )),
    }
}

/// Whether `path` (without its leading `/`) may name one of the page's
/// files: the page itself or a file directly in `assets/` with a plain
/// name. Nothing else is asked of the files, whatever they would answer
/// (no `..`, no other folder, no encoded dots).
pub fn page_file(path: &str) -> Option<&str> {
    if path.is_empty() || path == "index.html" {
        return Some("index.html");
    }
    let name = path.strip_prefix("assets/")?;
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    plain.then_some(path)
}

/// The page's files; `/` is the page.
async fn file(State(t): State<Arc<Tablet>>, headers: HeaderMap, uri: Uri) -> Response {
    let found = page_file(uri.path().trim_start_matches('/')).and_then(|path| (t.assets)(path));
    match found {
        Some(a) => {
            let mime = HeaderValue::from_str(&a.mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
            ([(header::CONTENT_TYPE, mime)], a.bytes).into_response()
        }
        None => crate::routes::no_such_path(headers).await.into_response(),
    }
}

fn router(t: Arc<Tablet>) -> Router {
    Router::new()
        .route("/screen/state", get(state))
        .route("/screen/consent", post(consent))
        .fallback(get(file))
        .method_not_allowed_fallback(crate::routes::wrong_method)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&t), check))
        .with_state(t)
}

/// Serves the tablet page at `listen` (an address of the shop's network:
/// `dangol_store::counter::screen_lan`; port 0 picks one) with the key in
/// `key_file` (made if missing), until stopped.
pub fn start(
    shop: Arc<dyn Shop>,
    showing: Arc<Showing>,
    assets: Assets,
    listen: SocketAddr,
    key_file: &Path,
) -> Result<Running, StoreError> {
    if !dangol_store::counter::screen_lan::shop_network(listen.ip()) {
        return Err(StoreError::bad_input(
            "tablet screen address",
            format!("{listen}: 가게 안 네트워크의 이 PC 주소여야 합니다"),
            format!("{listen}: must be this PC's address on the shop's own network"),
        ));
    }
    let (_, made) = token::load_or_create(key_file)?;
    let std_listener = crate::bind(listen)?;
    let addr = crate::local_addr(&std_listener, key_file)?;
    let t = Arc::new(Tablet {
        shop,
        turn: Arc::new(tokio::sync::Mutex::new(())),
        showing,
        key_file: key_file.to_path_buf(),
        listen: addr,
        assets,
    });
    crate::serve(std_listener, addr, router(t), false, key_file, made)
}

/// The address a tablet opens: the page with the key in its fragment.
pub fn page_address(addr: SocketAddr, key: &str) -> String {
    format!("http://{addr}/#tablet:{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_page_and_its_assets_are_files() {
        assert_eq!(page_file(""), Some("index.html"));
        assert_eq!(page_file("index.html"), Some("index.html"));
        assert_eq!(page_file("assets/index-DjS8e5za.js"), Some("assets/index-DjS8e5za.js"));
        for refused in [
            "../screen.key",
            "assets/../../screen.key",
            "assets/%2e%2e/screen.key",
            "assets/.hidden",
            "assets/",
            "assets/a/b.js",
            "shop.db",
            "screen.key",
            "assets\\..\\x",
        ] {
            assert_eq!(page_file(refused), None, "{refused}");
        }
    }

    #[test]
    fn only_this_server_s_own_address_is_its_host() {
        let v4: SocketAddr = "192.168.0.10:7301".parse().unwrap();
        assert!(own_address("192.168.0.10:7301", v4));
        for other in ["192.168.0.10:7302", "192.168.0.11:7301", "pc.local:7301", "localhost:7301", "192.168.0.10", ""] {
            assert!(!own_address(other, v4), "{other}");
        }
        let v6: SocketAddr = "[fd00::5]:7301".parse().unwrap();
        assert!(own_address("[fd00::5]:7301", v6));
        assert!(!own_address("fd00::5:7301", v6));
    }
}
