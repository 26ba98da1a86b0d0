//! The register and the counter window together, as a shop uses them: the
//! window serves the register's API on its own store; the register pushes
//! the couple's bread and the window shows the customer, the cart and the
//! senior discount with no typing; a newer push replaces it; the cashier
//! unticks a discount in the window and the register reads that choice
//! back; the window does not record the register's sale itself; the
//! register reports the sale and the window closes the cart. A screenshot
//! per step under `target/e2e-screenshots/register/`.
//!
//! Run with `xvfb-run cargo test -p dangol-app --test register -- --ignored`
//! (scripts/test.sh does this).

mod support;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use support::SERIAL;
use support::counter::{count, demo_db, launch_on};

const API_PORT: u16 = 7391;
const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";

/// One request to the window's API; the status and the JSON answer.
fn call(token_file: &Path, method: &str, path: &str, body: Option<&Value>, key: Option<&str>) -> (u16, Value) {
    let token = std::fs::read_to_string(token_file).unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", API_PORT)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let key = key.map(|k| format!("Idempotency-Key: {k}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{API_PORT}\r\nAuthorization: Bearer {}\r\n{key}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        token.trim(),
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let json = answer.split_once("\r\n\r\n").map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::Null));
    (status, json.unwrap_or(Value::Null))
}

fn bread(salt: i64) -> Value {
    json!([{"sku": "MILKBREAD", "qty": 1}, {"sku": "SALT", "qty": salt}])
}

#[test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver: run by scripts/test.sh under xvfb-run"]
fn the_register_s_cart_appears_in_the_window_and_the_cashier_s_choice_goes_back() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let now = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let test = "register";
    let db = demo_db(test, 300);
    let token_file = db.with_file_name("api.token");
    let api = format!("127.0.0.1:{API_PORT}");
    let mut app = launch_on(test, 4530, db, &[("DANGOL_NOW", &now), ("DANGOL_API", &api)]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !token_file.exists() {
        assert!(Instant::now() < deadline, "the window made its API token at start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let s = &mut app.s;
    s.shot("ready");

    // The register identifies the customer and pushes the cart.
    let (status, found) = call(&token_file, "GET", "/v1/customers?q=1004&limit=50", None, None);
    assert_eq!(status, 200, "{found}");
    let hit = found["hits"].as_array().unwrap().iter().find(|h| h["name"] == "김영자").unwrap();
    let id = hit["id"].as_str().unwrap().to_string();
    let (status, pushed) = call(
        &token_file,
        "PUT",
        "/v1/carts/till-1",
        Some(&json!({"revision": 1, "customer": id, "lines": bread(2)})),
        None,
    );
    assert_eq!(status, 200, "{pushed}");

    // The window shows it: who, what, the senior discount applied.
    s.wait("the register's cart in the window", || {
        s.try_find("[data-testid=register-badge][data-register=\"till-1\"][data-revision=\"1\"]")
    });
    s.wait("the customer", || s.try_find("[data-testid=customer-card]").filter(|a| s.text(a).contains("김영자")));
    s.wait("two salt breads", || s.try_find("[data-testid=cart-line][data-sku=\"SALT\"][data-qty=\"2\"]"));
    s.wait("the senior discount applied", || {
        s.try_find("[data-testid=discount][data-rule=\"senior-65\"][data-applied=true]")
    });
    s.shot("pushed");

    // A newer push replaces the cart; a stale one is refused.
    let (status, _) = call(
        &token_file,
        "PUT",
        "/v1/carts/till-1",
        Some(&json!({"revision": 2, "customer": id, "lines": bread(3)})),
        None,
    );
    assert_eq!(status, 200);
    let (status, stale) = call(
        &token_file,
        "PUT",
        "/v1/carts/till-1",
        Some(&json!({"revision": 1, "customer": id, "lines": bread(1)})),
        None,
    );
    assert_eq!((status, stale["kind"].as_str()), (409, Some("stale_revision")));
    s.wait("revision 2", || s.try_find("[data-testid=cart-line][data-sku=\"SALT\"][data-qty=\"3\"]"));
    s.find("[data-testid=register-badge][data-revision=\"2\"]");
    s.shot("revision-2");

    // The register's cart is changed at the register: a tap here says so and
    // changes nothing.
    s.click(&s.find("[data-testid=quick][data-sku=\"MILKBREAD\"]"));
    s.wait("the cart says it is the register's", || {
        s.try_find("[data-testid=cart-error]").filter(|e| s.text(e).contains("till-1"))
    });
    s.find("[data-testid=cart-line][data-sku=\"MILKBREAD\"][data-qty=\"1\"]");

    // The cashier unticks the gold discount; the register reads it back.
    let gold = s.wait("the gold discount applied", || {
        s.try_find("[data-testid=discount][data-rule=\"gold-5\"][data-applied=true] input")
    });
    s.click(&gold);
    s.wait("gold unticked", || s.try_find("[data-testid=discount][data-rule=\"gold-5\"][data-applied=false]"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let choices = loop {
        let (_, cart) = call(&token_file, "GET", "/v1/carts/till-1", None, None);
        let apply = cart["cart"]["choices"]["apply"].clone();
        if apply.as_array().is_some_and(|a| !a.is_empty() && !a.contains(&json!("gold-5"))) {
            break apply;
        }
        assert!(Instant::now() < deadline, "the cashier's choice reached the register: {cart}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(choices.as_array().unwrap().contains(&json!("senior-65")), "{choices}");
    s.shot("cashier-choice");

    // Completing in the window does not record the register's sale.
    let sales = || count(&app.db, "SELECT count(*) FROM sales");
    let before = sales();
    let search = s.find("[data-testid=search]");
    s.type_into(&search, CTRL_ENTER);
    s.wait("the window says the register records it", || {
        s.try_find("[data-testid=notice]").filter(|n| s.text(n).contains("till-1"))
    });
    assert_eq!(sales(), before, "the window recorded nothing");
    s.shot("pays-at-register");

    // The register takes payment and reports the sale with the cashier's
    // choice (gold-5 left off: a reason is owed for it).
    let sale = json!({"customer": id, "lines": bread(3), "apply": choices, "register": "till-1",
        "dismiss": [{"rule": "gold-5", "reason": "손님이 다음에 쓰겠다고 함"}]});
    let (status, receipt) = call(&token_file, "POST", "/v1/sales", Some(&sale), Some("till-1-sale-1"));
    assert_eq!(status, 201, "{receipt}");
    let (status, again) = call(&token_file, "POST", "/v1/sales", Some(&sale), Some("till-1-sale-1"));
    assert_eq!((status, &again["sale_id"]), (201, &receipt["sale_id"]));
    assert_eq!(sales(), before + 1, "one sale");
    s.wait("the cart closed in the window", || {
        s.try_find("[data-testid=register-closed]").filter(|n| s.text(n).contains("till-1"))
    });
    assert!(s.try_find("[data-testid=register-badge]").is_none());
    s.shot("sale-reported");
}
