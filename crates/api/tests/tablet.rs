//! The customer's screen on a tablet, over real HTTP: the page is public
//! and holds no data; the screen's state and the consent answer need the
//! screen key; only this server's own IP address is a Host; the state
//! follows what the counter shows, answers "nothing new" without the store,
//! never carries a phone number; the customer's answer is recorded for the
//! customer shown then, and refused once the counter has moved on.

mod support;

use dangol_api::showing::{Showing, Shown};
use dangol_api::tablet::{self, Asset};
use serde_json::{Value, json};
use std::sync::Arc;
use support::*;

struct Screen {
    dir: std::path::PathBuf,
    db: std::path::PathBuf,
    key: String,
    addr: std::net::SocketAddr,
    showing: Arc<Showing>,
    server: Option<dangol_api::Running>,
    featured: (String, String),
}

impl Drop for Screen {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = s.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const PAGE: &str = "<!doctype html><title>screen</title><script src=/assets/page.js></script>";

fn screen(name: &str) -> Screen {
    let (dir, db, store, featured) = demo_store(name);
    let key_file = dir.join("keys").join("screen.key");
    let showing = Arc::new(Showing::default());
    let assets: tablet::Assets = Arc::new(|path: &str| match path {
        "index.html" => Some(Asset { mime: "text/html".into(), bytes: PAGE.as_bytes().to_vec() }),
        "assets/page.js" => Some(Asset { mime: "text/javascript".into(), bytes: b"1".to_vec() }),
        _ => None,
    });
    let shop = Arc::new(dangol_api::shop::Owned::new(store));
    let server = tablet::start(shop, Arc::clone(&showing), assets, "127.0.0.1:0".parse().unwrap(), &key_file).unwrap();
    assert!(server.token_made, "the screen key is made when the page is first served");
    let key = dangol_api::token::read(&key_file).unwrap();
    let addr = server.addr;
    Screen { dir, db, key, addr, showing, server: Some(server), featured }
}

fn call(s: &Screen, method: &str, path: &str, key: Option<&str>, host: Option<&str>, body: Option<&str>) -> Answer {
    let mut req = ureq::http::Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", s.addr))
        .header("Accept-Language", "en");
    if let Some(k) = key {
        req = req.header("Authorization", format!("Bearer {k}"));
    }
    if let Some(h) = host {
        req = req.header("Host", h);
    }
    let agent = agent();
    match body {
        Some(b) => answer(agent.run(req.header("Content-Type", "application/json").body(b.to_string()).unwrap())),
        None => answer(agent.run(req.body(()).unwrap())),
    }
}

fn consent_in_db(s: &Screen) -> Option<bool> {
    let c = rusqlite::Connection::open_with_flags(&s.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let id = uuid::Uuid::parse_str(&s.featured.0).unwrap();
    c.query_row("SELECT marketing_consent FROM customers WHERE id = ?1", [id.as_bytes()], |r| r.get(0)).unwrap()
}

#[test]
fn the_page_is_public_and_its_data_needs_the_key_at_this_address_only() {
    let s = screen("tablet-guard");
    let page = call(&s, "GET", "/", None, None, None);
    assert_eq!((page.status, page.body.as_str()), (200, Some(PAGE)), "the page itself holds no data");
    let js = call(&s, "GET", "/assets/page.js", None, None, None);
    assert_eq!(js.status, 200);
    refused(&call(&s, "GET", "/assets/nothing.js", None, None, None), 404, "no_such_path");
    refused(&call(&s, "GET", "/v1/customers?q=1004", Some(&s.key), None, None), 404, "no_such_path");
    for beyond in ["/keys/screen.key", "/shop.db", "/assets/..%2f..%2fshop.db", "/assets/.env"] {
        refused(&call(&s, "GET", beyond, None, None, None), 404, "no_such_path");
    }

    let no_key = call(&s, "GET", "/screen/state", None, None, None);
    refused(&no_key, 401, "unauthorized");
    assert_eq!(no_key.www_authenticate.as_deref(), Some("Bearer"));
    refused(&call(&s, "GET", "/screen/state", Some(&"0".repeat(64)), None, None), 401, "unauthorized");

    let port = s.addr.port();
    for host in [
        format!("localhost:{port}"),
        format!("evil.example:{port}"),
        "127.0.0.1".into(),
        format!("127.0.0.1:{}", port + 1),
    ] {
        refused(&call(&s, "GET", "/screen/state", Some(&s.key), Some(&host), None), 421, "host_refused");
        refused(&call(&s, "GET", "/", None, Some(&host), None), 421, "host_refused");
    }
    let ok = call(&s, "GET", "/screen/state", Some(&s.key), None, None);
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert!(!ok.cors, "no CORS header, ever");

    refused(&call(&s, "POST", "/screen/consent", Some(&s.key), None, Some(&"x".repeat(4096))), 413, "body_too_large");
    let broken = call(&s, "POST", "/screen/consent", Some(&s.key), None, Some("{\"showing\": 1,"));
    assert!([400, 422].contains(&broken.status), "{:?}", broken.body);
    assert_eq!(broken.content_type, "application/problem+json");
    refused(&call(&s, "DELETE", "/screen/state", Some(&s.key), None, None), 405, "method_not_allowed");
}

#[test]
fn the_tablet_shows_the_customer_at_the_counter_and_takes_their_own_answer() {
    let s = screen("tablet-story");
    let state = |seen: Option<u64>| {
        let path = match seen {
            Some(v) => format!("/screen/state?seen={v}"),
            None => "/screen/state".into(),
        };
        call(&s, "GET", &path, Some(&s.key), None, None)
    };
    let nobody = state(None);
    assert_eq!(nobody.body["screen"]["address"], Value::Null, "nobody at the counter: a greeting");

    let customer = uuid::Uuid::parse_str(&s.featured.0).unwrap();
    let discounts = vec![dangol_store::counter::ScreenDiscount { name: "경로 우대 10%".into(), saving: 760 }];
    s.showing.show(Shown { customer: Some(customer), discounts, saving: 760, total: 6_840 });
    let shown = state(None);
    assert_eq!(shown.status, 200);
    let screen = &shown.body["screen"];
    assert!(screen["address"].as_str().is_some_and(|a| !a.is_empty()), "{screen}");
    assert_eq!((screen["saving"].as_i64(), screen["total"].as_i64()), (Some(760), Some(6_840)));
    let text = shown.body.to_string();
    let digits: String = s.featured.1.chars().filter(char::is_ascii_digit).collect();
    for part in [&digits[digits.len() - 4..], &digits[3..7], &digits] {
        assert!(!text.contains(part), "no digit of the phone number ({part}): {text}");
    }
    let version = shown.body["version"].as_u64().unwrap();
    let same = state(Some(version));
    assert_eq!(same.status, 204, "nothing new: answered without the store");

    // The customer answers on the tablet for the showing it shows.
    let showing = screen["showing"].as_u64().unwrap();
    let want = consent_in_db(&s) != Some(true);
    let answer = json!({"showing": showing, "given": want}).to_string();
    let answered = call(&s, "POST", "/screen/consent", Some(&s.key), None, Some(&answer));
    assert_eq!(answered.status, 200, "{:?}", answered.body);
    assert_eq!(answered.body["screen"]["marketing_consent"], want);
    assert_eq!(consent_in_db(&s), Some(want), "her answer is in the database");
    assert!(answered.body["version"].as_u64().unwrap() > version, "the answer is a change to show");

    // The counter moves on to the next customer: an answer given on the
    // old showing is not taken for them, and nothing changes.
    s.showing.show(Shown::default());
    let late = json!({"showing": showing, "given": !want}).to_string();
    refused(&call(&s, "POST", "/screen/consent", Some(&s.key), None, Some(&late)), 409, "screen_changed");
    assert_eq!(consent_in_db(&s), Some(want), "nothing recorded for a screen that moved on");
    assert_eq!(state(None).body["screen"]["address"], Value::Null);
}

#[test]
fn the_page_is_never_served_beyond_the_shop_s_network() {
    let (dir, _db, store, _) = demo_store("tablet-public");
    let shop = Arc::new(dangol_api::shop::Owned::new(store));
    let assets: tablet::Assets = Arc::new(|_: &str| None);
    for addr in ["0.0.0.0:0", "8.8.8.8:7301", "[::]:0"] {
        let e = tablet::start(
            Arc::clone(&shop) as Arc<dyn dangol_api::shop::Shop>,
            Arc::default(),
            Arc::clone(&assets),
            addr.parse().unwrap(),
            &dir.join("screen.key"),
        )
        .err()
        .unwrap_or_else(|| panic!("{addr} refused"));
        assert_eq!(e.kind(), "bad_input", "{addr}: {e}");
    }
    assert!(!dir.join("screen.key").exists(), "nothing made for a refused address");

    // An address this PC cannot listen on is named in words an owner can
    // act on, with no English in the Korean sentence.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().map(|a| (a, taken)).unwrap();
    let not_ours: std::net::SocketAddr = "192.168.254.253:7301".parse().unwrap();
    for (addr, why) in [(taken.0, "이미 그 포트"), (not_ours, "이 PC의 주소가 아닙니다")] {
        let e = tablet::start(
            Arc::clone(&shop) as Arc<dyn dangol_api::shop::Shop>,
            Arc::default(),
            Arc::clone(&assets),
            addr,
            &dir.join("screen.key"),
        )
        .err()
        .unwrap_or_else(|| panic!("{addr} cannot be listened on"));
        let ko = e.message(dangol_domain::i18n::Lang::Ko);
        assert!(ko.contains(why), "{addr}: {ko}");
        let english = ko.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 2 && *w != "PC").count();
        assert_eq!(english, 0, "no English in the Korean sentence: {ko}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
