//! The harness the API's black-box tests share: the demo shop served on
//! loopback as `dangol serve` serves it, and a real HTTP client.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use dangol_api::{Running, token};
use dangol_store::Store;
use serde_json::Value;
use std::path::PathBuf;

pub struct Shop {
    pub dir: PathBuf,
    pub db: PathBuf,
    pub token_file: PathBuf,
    pub server: Option<Running>,
    /// A featured customer's id and phone.
    pub featured: (String, String),
}

impl Drop for Shop {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = s.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn as_of() -> DateTime<Utc> {
    "2026-11-22T09:00:00Z".parse().unwrap()
}

/// The demo shop in a folder of its own, as `dangol serve` opens it (the
/// file's one writer, its clock at `as_of`): the folder, the file, the
/// store and a featured customer's id and phone.
pub fn demo_store(name: &str) -> (PathBuf, PathBuf, Store, (String, String)) {
    let dir = std::env::temp_dir().join(format!("dangol-api-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("shop.db");
    let mut store = Store::open(&db).unwrap();
    let report = dangol_demo::generate(
        &mut store,
        &dangol_demo::DemoOptions { customers: 60, seed: 7, as_of: as_of() },
        &mut |_, _| {},
    )
    .unwrap();
    let f = &report.featured[0];
    let featured = (f.id.to_string(), f.phone.clone());
    store.set_clock(dangol_store::Clock::From { start: as_of(), since: std::time::Instant::now() });
    (dir, db, store, featured)
}

pub fn shop(name: &str) -> Shop {
    let (dir, db, store, featured) = demo_store(name);
    let token_file = dir.join("keys").join("api.token");
    let shop = std::sync::Arc::new(dangol_api::shop::Owned::new(store));
    let server = dangol_api::start(shop, Default::default(), "127.0.0.1:0".parse().unwrap(), &token_file).unwrap();
    assert!(server.token_made, "the token file is made at first run");
    Shop { dir, db, token_file, server: Some(server), featured }
}

impl Shop {
    pub fn port(&self) -> u16 {
        self.server.as_ref().unwrap().addr.port()
    }

    pub fn token(&self) -> String {
        token::read(&self.token_file).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port())
    }

    /// Counts rows the API must never write for a quote.
    pub fn written(&self) -> (i64, i64, i64) {
        let c = rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let n = |t: &str| c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap();
        (n("outbox"), n("prompt_log"), n("sales"))
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub www_authenticate: Option<String>,
    pub cors: bool,
    pub body: Value,
    /// The `Idempotent-Replayed` header.
    pub replayed: Option<String>,
}

pub fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.expect("the server answers");
    let header = |r: &ureq::http::Response<ureq::Body>, h: &str| {
        r.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string)
    };
    let content_type = header(&r, "content-type").unwrap_or_default();
    let www_authenticate = header(&r, "www-authenticate");
    let replayed = header(&r, "idempotent-replayed");
    let cors = r.headers().keys().any(|k| k.as_str().starts_with("access-control-"));
    let text = r.body_mut().read_to_string().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status: r.status().as_u16(), content_type, www_authenticate, cors, body, replayed }
}

pub fn get(shop: &Shop, path: &str, token: Option<&str>, host: Option<&str>) -> Answer {
    let mut req = agent().get(shop.url(path)).header("Accept-Language", "en");
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(h) = host {
        req = req.header("Host", h);
    }
    answer(req.call())
}

pub fn post(shop: &Shop, path: &str, content_type: &str, body: &str) -> Answer {
    answer(
        agent()
            .post(shop.url(path))
            .header("Accept-Language", "en")
            .header("Authorization", format!("Bearer {}", shop.token()))
            .header("Content-Type", content_type)
            .send(body),
    )
}

pub fn refused(a: &Answer, status: u16, kind: &str) {
    assert_eq!(a.status, status, "{:?}", a.body);
    assert_eq!(a.content_type, "application/problem+json", "{:?}", a.body);
    assert_eq!(a.body["type"], format!("urn:dangol:problem:{kind}"), "{:?}", a.body);
    assert_eq!(a.body["kind"], kind);
    assert_eq!(a.body["status"], status);
    assert!(a.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{:?}", a.body);
    assert!(!a.cors, "no CORS header, ever");
}

/// Any request, with the token and a JSON body, and extra headers.
pub fn send(shop: &Shop, method: &str, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Answer {
    let mut req = ureq::http::Request::builder()
        .method(method)
        .uri(shop.url(path))
        .header("Accept-Language", "en")
        .header("Authorization", format!("Bearer {}", shop.token()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let agent = agent();
    match body {
        Some(b) => answer(agent.run(req.header("Content-Type", "application/json").body(b.to_string()).unwrap())),
        None => answer(agent.run(req.body(()).unwrap())),
    }
}
