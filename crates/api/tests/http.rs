//! The API as a register meets it: a real server on loopback, a real HTTP
//! client, the demo shop. Every refusal is a test: no token, a wrong or
//! rotated token, a foreign Host (DNS rebinding), a body too large or
//! malformed, a path or method that does not exist; and what is answered:
//! a search with phones masked, a customer's card, a quote that records
//! nothing.

mod support;

use dangol_api::token;
use dangol_store::Store;
use serde_json::json;
use std::path::Path;
use support::*;

#[test]
fn every_refusal_is_a_problem_and_changes_nothing() {
    let shop = shop("refusals");
    let before = shop.written();
    let token = shop.token();
    let path = format!("/v1/customers?q={}", &shop.featured.1[shop.featured.1.len() - 4..]);
    // No token, a wrong one.
    let none = get(&shop, &path, None, None);
    refused(&none, 401, "unauthorized");
    assert_eq!(none.www_authenticate.as_deref(), Some("Bearer"));
    refused(&get(&shop, &path, Some(&"0".repeat(64)), None), 401, "unauthorized");
    refused(&get(&shop, &path, Some(&token[..63]), None), 401, "unauthorized");
    // The right token, addressed to another name (a page that rebound its
    // own name to 127.0.0.1), or to another port.
    let port = shop.port();
    for host in [format!("evil.example:{port}"), format!("127.0.0.1:{}", port + 1), "localhost".to_string()] {
        refused(&get(&shop, &path, Some(&token), Some(&host)), 421, "host_refused");
    }
    assert_eq!(get(&shop, &path, Some(&token), Some(&format!("localhost:{port}"))).status, 200);
    let lower = answer(agent().get(shop.url(&path)).header("Authorization", format!("bearer {token}")).call());
    assert_eq!(lower.status, 200, "the scheme's name in any case");
    // Bodies: too large, not JSON, not the shape.
    let big = format!("{{\"lines\": [{}]}}", vec![r#"{"sku":"SALT","qty":1}"#; 4000].join(","));
    assert!(big.len() > dangol_api::MAX_BODY);
    refused(&post(&shop, "/v1/quote", "application/json", &big), 413, "body_too_large");
    refused(&post(&shop, "/v1/quote", "application/json", "{\"lines\": ["), 400, "invalid_body");
    refused(&post(&shop, "/v1/quote", "text/plain", "{}"), 415, "unsupported_media_type");
    refused(&post(&shop, "/v1/quote", "application/json", r#"{"lines": [], "paid": 1}"#), 422, "invalid_body");
    refused(
        &post(&shop, "/v1/quote", "application/json", r#"{"lines": [{"sku": "SALT", "qty": 0}]}"#),
        422,
        "invalid_cart",
    );
    refused(
        &post(&shop, "/v1/quote", "application/json", r#"{"lines": [{"sku": "NOPE", "qty": 1}]}"#),
        422,
        "invalid_cart",
    );
    let stranger = format!(r#"{{"customer": "{}", "lines": [{{"sku": "SALT", "qty": 1}}]}}"#, uuid::Uuid::nil());
    refused(&post(&shop, "/v1/quote", "application/json", &stranger), 404, "not_found");
    for at in ["+262142-12-31T20:00:00Z", "-262143-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"] {
        let body = format!(r#"{{"customer": "{}", "lines": [], "at": "{at}"}}"#, shop.featured.0);
        refused(&post(&shop, "/v1/quote", "application/json", &body), 422, "invalid_time");
    }
    // Queries, paths and methods.
    refused(&get(&shop, "/v1/customers?q=", Some(&token), None), 422, "invalid_query");
    refused(&get(&shop, "/v1/customers?q=1004&limit=0", Some(&token), None), 422, "invalid_query");
    refused(&get(&shop, "/v1/customers?q=1004&limit=x", Some(&token), None), 400, "unreadable_query");
    refused(&get(&shop, "/v1/customers?q=123", Some(&token), None), 422, "invalid_query");
    refused(&get(&shop, "/v1/customers?q=!!!", Some(&token), None), 422, "invalid_query");
    // The end of a number beyond the last 4 digits would unmask it.
    for tail in ["51004", "5551004", "01-5551004", "5551004 김"] {
        refused(
            &get(&shop, &format!("/v1/customers?q={}", tail.replace(' ', "%20")), Some(&token), None),
            422,
            "invalid_query",
        );
    }
    refused(&get(&shop, "/v1/customers/%FF", Some(&token), None), 404, "not_found");
    refused(&get(&shop, "/v1/customers/not-a-uuid", Some(&token), None), 404, "not_found");
    refused(&get(&shop, &format!("/v1/customers/{}", uuid::Uuid::nil()), Some(&token), None), 404, "not_found");
    refused(&get(&shop, "/v1/nothing", Some(&token), None), 404, "no_such_path");
    refused(&get(&shop, "/v1/quote", Some(&token), None), 405, "method_not_allowed");
    assert_eq!(shop.written(), before, "no refusal wrote anything");
}

#[test]
fn a_register_finds_the_customer_reads_the_card_and_quotes_without_recording_anything() {
    let shop = shop("answers");
    let token = shop.token();
    let (id, phone) = shop.featured.clone();
    let last4 = &phone[phone.len() - 4..];
    let found = get(&shop, &format!("/v1/customers?q={last4}&limit=50"), Some(&token), None);
    assert_eq!(found.status, 200, "{:?}", found.body);
    let hits = found.body["hits"].as_array().unwrap();
    let hit =
        hits.iter().find(|h| h["id"] == id.as_str()).expect("the featured customer is found by the last 4 digits");
    assert!(hit["phone_masked"].as_str().unwrap().contains("****"));
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    assert!(!found.body.to_string().contains(&digits), "no full phone number is ever answered");
    let card = get(&shop, &format!("/v1/customers/{id}"), Some(&token), None);
    assert_eq!(card.status, 200, "{:?}", card.body);
    assert_eq!(card.body["id"], id.as_str());
    assert!(card.body.get("phone").is_none() && !card.body.to_string().contains(&digits));
    let before = shop.written();
    let cart = json!({"customer": id, "lines": [{"sku": "SALT", "qty": 2}, {"sku": "AMR", "qty": 1}]});
    let q = post(&shop, "/v1/quote", "application/json", &cart.to_string());
    assert_eq!(q.status, 200, "{:?}", q.body);
    assert_eq!(q.body["customer"]["id"], id.as_str());
    let best = &q.body["best"];
    assert_eq!(
        best["total"].as_i64().unwrap() + best["saving"].as_i64().unwrap(),
        q.body["subtotal"].as_i64().unwrap()
    );
    let again = post(&shop, "/v1/quote", "application/json", &cart.to_string());
    assert_eq!(again.body, q.body, "a quote asked again is the same quote");
    let walk_in = post(&shop, "/v1/quote", "application/json", r#"{"lines": [{"sku": "SALT", "qty": 1}]}"#);
    assert_eq!(walk_in.status, 200, "{:?}", walk_in.body);
    assert!(walk_in.body["customer"].is_null());
    assert_eq!(shop.written(), before, "a quote records nothing");
}

#[test]
fn a_rotated_token_is_refused_at_once_and_the_new_one_accepted() {
    let shop = shop("rotation");
    let old = shop.token();
    assert_eq!(get(&shop, "/openapi.json", Some(&old), None).status, 200);
    let new = token::rotate(&shop.token_file).unwrap();
    refused(&get(&shop, "/openapi.json", Some(&old), None), 401, "unauthorized");
    let doc = get(&shop, "/openapi.json", Some(&new), None);
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
}

#[test]
fn the_api_listens_on_loopback_only() {
    let dir = std::env::temp_dir().join(format!("dangol-api-lan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shop = std::sync::Arc::new(dangol_api::shop::Owned::new(Store::open(&dir.join("shop.db")).unwrap()));
    let refused = dangol_api::start(shop, Default::default(), "0.0.0.0:0".parse().unwrap(), &dir.join("api.token"))
        .err()
        .unwrap();
    assert_eq!(refused.kind(), "bad_input");
    assert!(!dir.join("api.token").exists(), "nothing was made");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `docs/openapi.json` is the document the code generates.
#[test]
fn the_checked_in_openapi_document_is_current() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let document = dangol_api::doc::pretty();
    let page = dangol_api::reference::page(&dangol_api::doc::document());
    for (file, generated) in [("openapi.json", &document), ("api-reference.html", &page)] {
        let path = docs.join(file);
        if std::env::var_os("DANGOL_WRITE_OPENAPI").is_some() {
            std::fs::write(&path, generated).unwrap();
        }
        let held = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            held == *generated,
            "docs/{file} is stale: run `DANGOL_WRITE_OPENAPI=1 cargo test -p dangol-api --test http the_checked_in` and commit it"
        );
    }
}

/// The reference page is served too, as HTML, behind the token.
#[test]
fn the_reference_page_is_served_as_html() {
    let shop = shop("reference");
    let page = get(&shop, "/reference.html", Some(&shop.token()), None);
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(page.body.as_str().unwrap().contains("id=\"op-report\""));
    refused(&get(&shop, "/reference.html", None, None), 401, "unauthorized");
}

/// A client that opens a connection and sends its request a byte at a
/// time (or nothing) is closed once the time for a request's head is up:
/// it cannot hold the server's connections.
#[test]
fn a_client_that_never_finishes_its_request_is_closed() {
    use std::io::{Read as _, Write as _};
    let shop = shop("slow");
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", shop.port())).unwrap();
    slow.set_read_timeout(Some(dangol_api::HEAD_LIMIT * 3)).unwrap();
    slow.write_all(b"GET /v1/customers?q=1004 HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited >= dangol_api::HEAD_LIMIT - std::time::Duration::from_secs(1) && waited < dangol_api::HEAD_LIMIT * 2,
        "closed after {waited:?}"
    );
    // The server still answers everyone else.
    assert_eq!(get(&shop, "/openapi.json", Some(&shop.token()), None).status, 200);
}
