//! The story Dangol exists for, told by a register through the API: an
//! elderly couple buy their usual bread; the register pushes the cart, the
//! quote puts the senior discount they never asked for first, a sale
//! reported without it is refused, then accepted once it is applied, and a
//! retried report is not recorded twice. Then the refund and the
//! customer's voice, each once per key; and the register hears it all as
//! server-sent events.

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use support::*;

const BREAD: &str = r#"[{"sku":"MILKBREAD","qty":1},{"sku":"SALT","qty":2}]"#;

fn bread() -> Value {
    serde_json::from_str(BREAD).unwrap()
}

fn key(k: &str) -> [(&str, &str); 1] {
    [("Idempotency-Key", k)]
}

fn count(shop: &Shop, table: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(&shop.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

/// Forgets every kept answer, as if the process had stopped between a
/// write and keeping its answer.
fn forget_answers(shop: &Shop) {
    let c = rusqlite::Connection::open(&shop.db).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    c.execute("DELETE FROM api_requests", []).unwrap();
}

/// Listens to `/v1/events` on a raw connection for `seconds`; returns
/// each event's name and data.
fn listen(shop: &Shop, register: &str, seconds: u32) -> std::thread::JoinHandle<Vec<(String, Value)>> {
    let (port, token) = (shop.port(), shop.token());
    let register = register.to_string();
    let (ready, started) = std::sync::mpsc::channel();
    let listener = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /v1/events?register={register}&seconds={seconds} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut lines = BufReader::new(s).lines().map_while(Result::ok);
        let status = lines.next().unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut head = Vec::new();
        for l in lines.by_ref() {
            if l.is_empty() {
                break;
            }
            head.push(l.to_ascii_lowercase());
        }
        assert!(head.iter().any(|h| h.starts_with("content-type: text/event-stream")), "{head:?}");
        ready.send(()).unwrap();
        let (mut events, mut name) = (Vec::new(), String::new());
        for l in lines {
            if let Some(n) = l.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = l.strip_prefix("data: ") {
                events.push((name.clone(), serde_json::from_str(d).unwrap()));
                if name == "cart_closed" {
                    break;
                }
            }
        }
        events
    });
    started.recv().unwrap();
    listener
}

fn customer_named(shop: &Shop, name: &str) -> String {
    let hits = send(shop, "GET", "/v1/customers?q=1004&limit=50", None, &[]);
    assert_eq!(hits.status, 200, "{:?}", hits.body);
    let found = hits.body["hits"].as_array().unwrap().iter().find(|h| h["name"] == name);
    let found = found.unwrap_or_else(|| panic!("{name} shares 1004: {:?}", hits.body));
    assert!(found["phone_masked"].as_str().unwrap().contains("****"), "masked: {found}");
    found["id"].as_str().unwrap().to_string()
}

#[test]
fn the_couple_s_bread_gets_the_senior_discount_and_the_sale_is_recorded_once() {
    let shop = shop("story");
    let events = listen(&shop, "till-1", 60);
    let id = customer_named(&shop, "김영자");

    // The register pushes the cart it rang up; the quote comes back with it.
    let push = json!({"revision": 1, "customer": id, "lines": bread()});
    let pushed = send(&shop, "PUT", "/v1/carts/till-1", Some(&push), &[]);
    assert_eq!(pushed.status, 200, "{:?}", pushed.body);
    let quote = &pushed.body["quote"];
    let top = &quote["suggestions"][0];
    assert_eq!(top["rule_id"], "senior-65", "the senior discount they did not ask for comes first: {quote}");
    let best: Vec<String> =
        quote["best"]["rule_ids"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    assert!(best.contains(&"senior-65".to_string()), "{best:?}");

    // A retry of an older push is refused and changes nothing.
    let stale = send(&shop, "PUT", "/v1/carts/till-1", Some(&json!({"revision": 1, "lines": []})), &[]);
    refused(&stale, 409, "stale_revision");
    assert_eq!(stale.body["data"]["current"], 1);
    let read = send(&shop, "GET", "/v1/carts/till-1", None, &[]);
    assert_eq!((read.status, &read.body["cart"]["customer"]), (200, &json!(id)));

    // The cashier (here through the API, as the window does) leaves nothing
    // off; the register reads the choices back.
    let chose = json!({"revision": 1, "apply": best});
    let chosen = send(&shop, "PUT", "/v1/carts/till-1/choices", Some(&chose), &[]);
    assert_eq!(chosen.status, 200, "{:?}", chosen.body);
    assert_eq!(chosen.body["cart"]["choices"]["apply"], json!(best));
    let gone = send(&shop, "PUT", "/v1/carts/till-1/choices", Some(&json!({"revision": 7})), &[]);
    refused(&gone, 409, "stale_revision");

    // Reporting the sale with the senior discount left off, no reason given:
    // refused, with the discounts as data, and nothing recorded.
    let before = (count(&shop, "sales"), count(&shop, "outbox"));
    let without: Vec<&String> = best.iter().filter(|r| *r != "senior-65").collect();
    let unapplied = json!({"customer": id, "lines": bread(), "apply": without, "register": "till-1"});
    let refusal = send(&shop, "POST", "/v1/sales", Some(&unapplied), &key("sale-0001"));
    refused(&refusal, 422, "checkout_refused");
    let text = refusal.body.to_string();
    assert!(text.contains("senior-65"), "the refusal names the discount: {text}");
    assert_eq!((count(&shop, "sales"), count(&shop, "outbox")), before, "a refused sale writes nothing");

    // Applied: accepted, under the same key (a refusal is not kept).
    let applied = json!({"customer": id, "lines": bread(), "apply": best, "register": "till-1"});
    let sold = send(&shop, "POST", "/v1/sales", Some(&applied), &key("sale-0001"));
    assert_eq!(sold.status, 201, "{:?}", sold.body);
    assert_eq!(sold.replayed.as_deref(), Some("false"));
    assert!(sold.body["discounts"].as_array().unwrap().iter().any(|d| d["rule_id"] == "senior-65"));
    assert_eq!(sold.body["total"], quote["best"]["total"]);
    assert!(sold.body["points_earned"].as_i64().unwrap() > 0, "{:?}", sold.body);
    assert_eq!(count(&shop, "sales"), before.0 + 1);
    let card = send(&shop, "GET", &format!("/v1/customers/{id}"), None, &[]);
    assert_eq!(card.body["points"], sold.body["points_balance"], "the card shows the points earned");

    // The answer was lost; the register sends the same report again.
    let retried = send(&shop, "POST", "/v1/sales", Some(&applied), &key("sale-0001"));
    assert_eq!(retried.status, 201, "{:?}", retried.body);
    assert_eq!(retried.replayed.as_deref(), Some("true"));
    assert_eq!(retried.body["sale_id"], sold.body["sale_id"], "the same sale");
    assert_eq!(retried.body["replayed"], true, "the receipt says so too");
    assert_eq!(count(&shop, "sales"), before.0 + 1, "recorded once");
    // The process stopped after the sale and before its answer was kept:
    // the retry still finds the sale, under the visit its key names.
    forget_answers(&shop);
    let recovered = send(&shop, "POST", "/v1/sales", Some(&applied), &key("sale-0001"));
    assert_eq!((recovered.status, recovered.replayed.as_deref()), (201, Some("true")), "{:?}", recovered.body);
    assert_eq!(recovered.body["sale_id"], sold.body["sale_id"]);
    assert_eq!(count(&shop, "sales"), before.0 + 1, "still recorded once");
    let other = json!({"customer": id, "lines": [{"sku":"MILKBREAD","qty":2}], "apply": best});
    refused(&send(&shop, "POST", "/v1/sales", Some(&other), &key("sale-0001")), 422, "idempotency_key_reused");
    refused(&send(&shop, "POST", "/v1/sales", Some(&applied), &[]), 400, "idempotency_key_missing");
    refused(&send(&shop, "POST", "/v1/sales", Some(&applied), &key("two words")), 400, "idempotency_key_invalid");
    assert_eq!(count(&shop, "sales"), before.0 + 1);
    // The sale closed the register's cart; revisions only go up, so a late
    // push made for the closed cart is refused.
    refused(&send(&shop, "GET", "/v1/carts/till-1", None, &[]), 404, "no_cart");
    let late = send(&shop, "PUT", "/v1/carts/till-1", Some(&json!({"revision": 1, "lines": bread()})), &[]);
    refused(&late, 409, "stale_revision");
    // The register is on the next customer when the lost answer's retry
    // comes: the replay does not close the new cart.
    let next = json!({"revision": 10, "lines": bread()});
    assert_eq!(send(&shop, "PUT", "/v1/carts/till-1", Some(&next), &[]).status, 200);
    let late_retry = send(&shop, "POST", "/v1/sales", Some(&applied), &key("sale-0001"));
    assert_eq!(late_retry.replayed.as_deref(), Some("true"));
    assert_eq!(send(&shop, "GET", "/v1/carts/till-1", None, &[]).status, 200, "the next cart is still there");
    assert_eq!(send(&shop, "DELETE", "/v1/carts/till-1", None, &[]).status, 204);
    // Kept answers are forgotten after a while; a register that uses the
    // key again then for another sale gets that sale recorded, never the
    // old receipt (the id is made from the key and the request).
    forget_answers(&shop);
    let walk_in = json!({"lines": [{"sku": "SALT", "qty": 1}], "apply": []});
    let reused = send(&shop, "POST", "/v1/sales", Some(&walk_in), &key("sale-0001"));
    assert_eq!((reused.status, reused.replayed.as_deref()), (201, Some("false")), "{:?}", reused.body);
    assert_ne!(reused.body["sale_id"], sold.body["sale_id"], "a sale of its own");
    assert_eq!(count(&shop, "sales"), before.0 + 2, "the other sale recorded");
    // A register that stamps the moment again when it retries, in the gap
    // before the first answer was kept: the same sale, not a second one.
    forget_answers(&shop);
    let first_at: chrono::DateTime<chrono::Utc> = sold.body["at"].as_str().unwrap().parse().unwrap();
    let mut restamped = applied.clone();
    restamped["at"] = json!((first_at + chrono::Duration::seconds(1)).to_rfc3339());
    let again = send(&shop, "POST", "/v1/sales", Some(&restamped), &key("sale-0001"));
    assert_eq!((again.status, again.replayed.as_deref()), (201, Some("true")), "{:?}", again.body);
    assert_eq!(again.body["sale_id"], sold.body["sale_id"], "the sale recorded before");
    assert_eq!(count(&shop, "sales"), before.0 + 2, "not recorded again");
    let before = (before.0 + 1, before.1);

    // The register heard the customer and the discounts.
    let heard = events.join().unwrap();
    let names: Vec<&str> = heard.iter().map(|(n, _)| n.as_str()).collect();
    assert!(heard.iter().all(|(_, e)| e["register"] == "till-1"), "only till-1's events: {heard:?}");
    assert!(names.len() >= 3, "{heard:?}");
    assert_eq!(&names[..2], ["customer_identified", "discounts_changed"], "{heard:?}");
    assert_eq!(heard[0].1["customer"], json!(id));
    assert!(heard[1].1["applied"].as_array().unwrap().contains(&json!("senior-65")), "{heard:?}");
    assert_eq!(names.last(), Some(&"cart_closed"), "{heard:?}");

    // A refund, with the owner's PIN, once.
    let sale_id = sold.body["sale_id"].as_str().unwrap();
    let wrong = json!({"sale": sale_id, "reason": "손님 변심", "owner_pin": "0000"});
    refused(&send(&shop, "POST", "/v1/refunds", Some(&wrong), &key("refund-1")), 403, "owner_pin_invalid");
    let refund = json!({"sale": sale_id, "reason": "손님 변심", "owner_pin": dangol_demo::DEMO_OWNER_PIN});
    let back = send(&shop, "POST", "/v1/refunds", Some(&refund), &key("refund-1"));
    assert_eq!(back.status, 201, "{:?}", back.body);
    assert_eq!(back.body["original_id"], sale_id);
    let again = send(&shop, "POST", "/v1/refunds", Some(&refund), &key("refund-1"));
    assert_eq!((again.status, again.replayed.as_deref()), (201, Some("true")));
    assert_eq!(again.body, back.body);
    // The key alone shows nothing: a replay needs the PIN too.
    let wrong_replay = json!({"sale": sale_id, "reason": "손님 변심", "owner_pin": "1357"});
    refused(&send(&shop, "POST", "/v1/refunds", Some(&wrong_replay), &key("refund-1")), 403, "owner_pin_invalid");
    refused(&send(&shop, "POST", "/v1/refunds", Some(&refund), &key("refund-2")), 409, "already_reversed");
    assert_eq!(count(&shop, "sales"), before.0 + 2, "the sale and its one reversal");

    // What the customer said, once.
    let said = json!({"kind": "compliment", "category": "빵", "text": "소금빵이 맛있어요"});
    let path = format!("/v1/customers/{id}/feedback");
    let voices = count(&shop, "feedback");
    let logged = send(&shop, "POST", &path, Some(&said), &key("voice-1"));
    assert_eq!(logged.status, 201, "{:?}", logged.body);
    let logged_again = send(&shop, "POST", &path, Some(&said), &key("voice-1"));
    assert_eq!((logged_again.status, &logged_again.body), (201, &logged.body));
    assert_eq!(count(&shop, "feedback"), voices + 1, "logged once");
    // The process stopped between logging it and keeping its answer: the
    // register's retry finds it under the id its key makes.
    forget_answers(&shop);
    let after_crash = send(&shop, "POST", &path, Some(&said), &key("voice-1"));
    assert_eq!((after_crash.status, &after_crash.body["id"]), (201, &logged.body["id"]));
    assert_eq!(count(&shop, "feedback"), voices + 1, "still logged once after the lost answer");
    let other_customer = customer_named(&shop, "박정호");
    let elsewhere = format!("/v1/customers/{other_customer}/feedback");
    refused(&send(&shop, "POST", &elsewhere, Some(&said), &key("voice-1")), 422, "idempotency_key_reused");
    assert_eq!(count(&shop, "feedback"), voices + 1);
    // Once the first answer is forgotten, the key used again for someone
    // else's words logs them, not the first customer's feedback again.
    forget_answers(&shop);
    let theirs = send(&shop, "POST", &elsewhere, Some(&said), &key("voice-1"));
    assert_eq!(theirs.status, 201, "{:?}", theirs.body);
    assert_ne!(theirs.body["id"], logged.body["id"], "feedback of its own");
    assert_eq!(count(&shop, "feedback"), voices + 2);
}

/// The register holds the customer's points while they pay: other sales
/// cannot spend them, the quote with the hold can, the sale that names the
/// hold spends and captures it, and a spent hold cannot be released.
#[test]
fn a_points_hold_is_set_aside_until_the_sale_spends_it() {
    let shop = shop("holds");
    let id = customer_named(&shop, "김영자");
    let card = send(&shop, "GET", &format!("/v1/customers/{id}"), None, &[]);
    let points = card.body["points"].as_i64().unwrap();
    assert!(points >= 1_000, "she has points to spend: {points}");
    let hold = json!({"customer": id, "points": points, "minutes": 5});
    let held = send(&shop, "POST", "/v1/holds", Some(&hold), &key("hold-1"));
    assert_eq!(held.status, 201, "{:?}", held.body);
    assert_eq!(held.body["state"], "held");
    let hold_id = held.body["id"].as_str().unwrap().to_string();
    let again = send(&shop, "POST", "/v1/holds", Some(&hold), &key("hold-1"));
    assert_eq!((again.status, &again.body["id"]), (201, &held.body["id"]), "a retried hold is the same hold");
    refused(&send(&shop, "POST", "/v1/holds", Some(&hold), &key("hold-2")), 422, "bad_input");

    let pays_with_points = |q: &Answer| q.body["eligible"].as_array().unwrap().iter().any(|e| e["rule_id"] == "points");
    let without = send(&shop, "POST", "/v1/quote", Some(&json!({"customer": id, "lines": bread()})), &[]);
    assert!(!pays_with_points(&without), "held points are not another sale's: {:?}", without.body["eligible"]);
    let with = send(&shop, "POST", "/v1/quote", Some(&json!({"customer": id, "lines": bread(), "hold": hold_id})), &[]);
    assert!(pays_with_points(&with), "the hold's own quote may spend them: {:?}", with.body["eligible"]);
    // The register's pushed cart names its hold: its quote may spend it too.
    let push = json!({"revision": 1, "customer": id, "lines": bread(), "hold": hold_id});
    let pushed = send(&shop, "PUT", "/v1/carts/till-9", Some(&push), &[]);
    assert_eq!(pushed.status, 200, "{:?}", pushed.body);
    assert!(
        pays_with_points(&Answer { body: pushed.body["quote"].clone(), ..pushed }),
        "the pushed cart's quote spends the hold"
    );
    let too_big = json!({"revision": 9007199254740992_u64, "lines": bread()});
    refused(&send(&shop, "PUT", "/v1/carts/till-9", Some(&too_big), &[]), 422, "invalid_body");

    let mut apply: Vec<Value> = with.body["best"]["rule_ids"].as_array().unwrap().clone();
    if !apply.contains(&json!("points")) {
        apply.push(json!("points"));
    }
    let sale = json!({"customer": id, "lines": bread(), "apply": apply, "hold": hold_id});
    let sold = send(&shop, "POST", "/v1/sales", Some(&sale), &key("hold-sale-1"));
    assert_eq!(sold.status, 201, "{:?}", sold.body);
    assert!(sold.body["points_redeemed"].as_i64().unwrap() > 0, "{:?}", sold.body);
    let after = send(&shop, "GET", &format!("/v1/holds/{hold_id}"), None, &[]);
    assert_eq!((after.body["state"].as_str(), &after.body["sale"]), (Some("captured"), &sold.body["sale_id"]));
    refused(&send(&shop, "POST", &format!("/v1/holds/{hold_id}/release"), None, &[]), 422, "bad_input");
    let twice = json!({"customer": id, "lines": bread(), "apply": apply, "hold": hold_id});
    refused(&send(&shop, "POST", "/v1/sales", Some(&twice), &key("hold-sale-2")), 422, "bad_input");

    // A hold released frees its points at once; releasing again changes nothing.
    let small = json!({"customer": id, "points": 100});
    let second = send(&shop, "POST", "/v1/holds", Some(&small), &key("hold-3"));
    assert_eq!(second.status, 201, "{:?}", second.body);
    let path = format!("/v1/holds/{}/release", second.body["id"].as_str().unwrap());
    let released = send(&shop, "POST", &path, None, &[]);
    assert_eq!((released.status, released.body["state"].as_str()), (200, Some("released")));
    assert_eq!(send(&shop, "POST", &path, None, &[]).body["state"], "released");
    refused(&send(&shop, "GET", "/v1/holds/not-a-hold", None, &[]), 404, "not_found");
}
