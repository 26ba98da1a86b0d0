//! Black-box tests of the `dangol` binary: the public JSON shapes, the seed
//! story end to end, and bad input that must fail clearly and change nothing.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn find_customer(db: &str, query: &str, name: &str) -> String {
    let hits = json(&["lookup", "--db", db, query, "--limit", "50"]);
    hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("{name} should be found by {query}: {hits}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn json_shapes_are_the_documented_public_interface() {
    let dir = temp_dir("shapes");
    let db = demo_db(&dir, 300);
    let db = db.to_str().unwrap();
    let found = json(&["lookup", "--db", db, "1004"]);
    for key in ["hits", "more", "total", "total_cap"] {
        assert!(found.get(key).is_some(), "lookup says {key}: {found}");
    }
    let first = &found["hits"].as_array().expect("lookup prints its hits")[0];
    for key in ["id", "name", "preferred_name", "phone_masked", "visits", "last_visit"] {
        assert!(first.get(key).is_some(), "lookup rows have {key}: {first}");
    }
    assert!(first["phone_masked"].as_str().unwrap().contains("****"), "cashiers see masked numbers");
    assert!(first.get("phone").is_none(), "and not the full number");
    let refused = run(&["lookup", "--db", db, "1004", "--role", "owner"]);
    assert_eq!(refused.status.code(), Some(7), "full numbers need the owner's PIN");
    let owner = owner_json(&["lookup", "--db", db, "1004", "--role", "owner"]);
    assert!(owner["hits"][0]["phone"].as_str().unwrap().ends_with("1004"), "owners see the full number");
    let id = first["id"].as_str().unwrap();
    let profile = json(&["customer", "--db", db, id, "--at", MORNING]);
    for key in
        ["id", "name", "preferred_name", "phone_masked", "visits", "last_visit", "points", "stamps", "open_complaints"]
    {
        assert!(profile.get(key).is_some(), "customer has {key}");
    }
    let cart = write(&dir, "cart.json", br#"{"lines":[{"sku":"MILKBREAD","qty":1},{"sku":"AMR","qty":1}]}"#);
    let preview = preview_json(db, id, cart.to_str().unwrap(), MORNING);
    for key in ["eligible", "best", "selected", "near_misses", "suggestions"] {
        assert!(preview.get(key).is_some(), "preview has {key}: {preview}");
    }
    for key in ["rule_ids", "saving", "total"] {
        assert!(preview["best"].get(key).is_some(), "best has {key}");
    }
    if let Some(e) = preview["eligible"].as_array().unwrap().first() {
        for key in ["rule_id", "name", "kind", "saving", "applied", "applied_saving", "adds"] {
            assert!(e.get(key).is_some(), "eligible rows have {key}");
        }
    }
    for s in preview["suggestions"].as_array().unwrap() {
        for key in ["kind", "text", "reason"] {
            assert!(s.get(key).is_some(), "suggestions have {key}");
        }
    }
    for n in preview["near_misses"].as_array().unwrap() {
        assert!(n["rule_id"].is_string() && n["reason"].is_string(), "near misses have rule_id and a reason: {n}");
    }
}

#[test]
fn demo_is_deterministic_for_a_seed() {
    let a = temp_dir("det-a");
    let b = temp_dir("det-b");
    let (da, db) = (demo_db(&a, 200), demo_db(&b, 200));
    assert_eq!(fingerprint(&da), fingerprint(&db), "same seed, same shop");
    let qa = ok(&["lookup", "--db", da.to_str().unwrap(), "김", "--json", "--limit", "20"]);
    let qb = ok(&["lookup", "--db", db.to_str().unwrap(), "김", "--json", "--limit", "20"]);
    assert_eq!(qa, qb);
}

/// The demo's featured customers are told in the output's language.
#[test]
fn the_demo_tells_its_stories_in_korean_and_in_english() {
    let dir = temp_dir("demo-lang");
    for (lang, want, not) in [("ko", "경로 우대", "buys bread"), ("en", "buys bread", "경로 우대")] {
        let db = dir.join(format!("{lang}.db"));
        let out = ok(&[
            "demo",
            "--db",
            db.to_str().unwrap(),
            "--customers",
            "50",
            "--seed",
            "3",
            "--as-of",
            AS_OF,
            "--lang",
            lang,
        ]);
        assert!(out.contains(want) && !out.contains(not), "{lang}: {out}");
    }
}

/// The story Dangol exists for, through the command line: an elderly couple
/// buying bread, identified by the last 4 digits they share.
#[test]
fn seed_story_senior_discount_is_offered_and_checkout_is_gated() {
    let dir = temp_dir("story");
    let db = demo_db(&dir, 300);
    let db = db.to_str().unwrap();
    let hits = json(&["lookup", "--db", db, "1004", "--limit", "50"]);
    let names: Vec<&str> = hits["hits"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"김영자") && names.contains(&"박정호"), "both spouses share 1004: {names:?}");
    let cart = write(&dir, "bread.json", br#"{"lines":[{"sku":"MILKBREAD","qty":1},{"sku":"SALT","qty":2}]}"#);
    let cart = cart.to_str().unwrap();
    for name in ["김영자", "박정호"] {
        let id = find_customer(db, "1004", name);
        let before = json(&["customer", "--db", db, &id, "--at", MORNING]);
        let preview = preview_json(db, &id, cart, MORNING);
        let top = &preview["suggestions"][0];
        assert_eq!(top["kind"], "discount", "{name}: a discount is the first suggestion: {preview}");
        assert_eq!(top["rule_id"], "senior-65", "{name}: the senior discount they did not ask for comes first");
        assert!(top["reason"].as_str().unwrap().contains("65+"), "the reason says why: {top}");
        assert_eq!(top["applied"], true, "{name}: it is applied, and the prompt is to tell them: {top}");
        let unticked =
            json(&["preview", "--db", db, "--customer", &id, "--cart", cart, "--at", MORNING, "--applied", "gold-5"]);
        let ask = &unticked["suggestions"][0];
        assert_eq!((ask["rule_id"].as_str(), ask["applied"].as_bool()), (Some("senior-65"), Some(false)), "{ask}");
        let fp = fingerprint(std::path::Path::new(db));
        let refused = run(&["checkout", "--db", db, "--customer", &id, "--cart", cart, "--at", MORNING]);
        assert_eq!(refused.status.code(), Some(4), "{name}: checkout without the discount is refused");
        let msg = String::from_utf8_lossy(&refused.stderr);
        assert!(
            msg.contains("Senior 65+") && msg.contains("apply each one or dismiss it"),
            "the refusal says what to do: {msg}"
        );
        let as_json = run(&["checkout", "--db", db, "--customer", &id, "--cart", cart, "--at", MORNING, "--json"]);
        let body: serde_json::Value = serde_json::from_slice(&as_json.stderr).expect("a JSON error");
        assert_eq!(body["error"]["kind"], "checkout_refused");
        let ids: Vec<&str> = body["error"]["unacknowledged"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule_id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&"senior-65"), "the refusal carries the discounts as data: {body}");
        assert_eq!(fingerprint(std::path::Path::new(db)), fp, "a refused checkout writes nothing");
        let receipt = json(&strs(&checkout_args(db, &id, cart, MORNING, &preview, &[], &[])));
        assert!(receipt["discounts"].as_array().unwrap().iter().any(|d| d["rule_id"] == "senior-65"));
        assert_eq!(receipt["total"].as_i64().unwrap(), preview["best"]["total"].as_i64().unwrap());
        let after = json(&["customer", "--db", db, &id, "--at", MORNING]);
        assert!(after["points"].as_i64().unwrap() > before["points"].as_i64().unwrap(), "{name}: points went up");
        assert_eq!(after["visits"].as_i64().unwrap(), before["visits"].as_i64().unwrap() + 1);
    }
}

#[test]
fn dismissing_with_a_reason_records_a_missed_discount_and_refund_restores_balances() {
    let dir = temp_dir("dismiss");
    let db = demo_db(&dir, 100);
    let db = db.to_str().unwrap();
    let id = find_customer(db, "1004", "김영자");
    let cart = write(&dir, "bread.json", br#"{"lines":[{"sku":"MILKBREAD","qty":1}]}"#);
    let cart = cart.to_str().unwrap();
    let before = json(&["customer", "--db", db, &id, "--at", MORNING]);
    let preview = preview_json(db, &id, cart, MORNING);
    let dismiss = ["--dismiss", "senior-65:customer asked not to use it today"];
    let receipt = json(&strs(&checkout_args(db, &id, cart, MORNING, &preview, &["senior-65"], &dismiss)));
    assert_eq!(receipt["missed"][0]["rule_id"], "senior-65");
    assert_eq!(receipt["missed"][0]["reason"], "customer asked not to use it today");
    let sale = receipt["sale_id"].as_str().unwrap().to_string();
    let unauthorised = run(&["refund", "--db", db, &sale, "--reason", "wrong items rung up", "--at", MORNING]);
    assert_eq!(unauthorised.status.code(), Some(7), "a refund is the owner's");
    let refund = owner_json(&["refund", "--db", db, &sale, "--reason", "wrong items rung up", "--at", MORNING]);
    assert_eq!(refund["total"].as_i64().unwrap(), -receipt["total"].as_i64().unwrap());
    let after = json(&["customer", "--db", db, &id, "--at", MORNING]);
    for key in ["points", "stamps", "visits"] {
        assert_eq!(after[key], before[key], "refund restores {key}");
    }
    let again = run(&strs(&as_owner(&["refund", "--db", db, &sale, "--reason", "twice", "--at", MORNING])));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already been reversed"));
}

#[test]
fn import_and_export_round_trip_korean_csv() {
    let dir = temp_dir("csv");
    let db = dir.join("shop.db");
    let db = db.to_str().unwrap();
    let pin = write(&dir, "new-pin", DEMO_PIN.as_bytes());
    ok(&["add-customer", "--db", db, "--name", "첫 손님", "--phone", "010-1111-2222"]);
    let no_pin = run(&strs(&as_owner(&["export", "--db", db, "customers", dir.join("x.csv").to_str().unwrap()])));
    assert_eq!(no_pin.status.code(), Some(7), "a shop without an owner PIN says so");
    assert!(String::from_utf8_lossy(&no_pin.stderr).contains("no owner PIN yet"));
    let weak = write(&dir, "weak-pin", b"1234");
    let out = run(&["set-pin", "--db", db, "--new-pin-file", weak.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a guessable PIN is refused");
    ok(&["set-pin", "--db", db, "--new-pin-file", pin.to_str().unwrap()]);
    let products = write(
        &dir,
        "products.csv",
        "sku,name,category,price\nSALT,소금빵,베이커리,3200\nAMR,아메리카노,음료,4500\n".as_bytes(),
    );
    assert_eq!(owner_json(&["import", "--db", db, "products", products.to_str().unwrap()])["created"], 2);
    let customers = write(
        &dir,
        "customers.csv",
        "name,phone,birth_date,preferred_name,tier,marketing_consent,notes\n김영자,010-3954-1004,1954-03-01,김 여사님,gold,yes,\"호밀빵, 얇게 썰어 드림\"\nEmily Park,+82 10 5555 0415,,,,no,\n".as_bytes(),
    );
    assert_eq!(owner_json(&["import", "--db", db, "customers", customers.to_str().unwrap()])["created"], 2);
    let out = dir.join("out.csv");
    owner_ok(&["export", "--db", db, "customers", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("\u{feff}name,phone,birth_date,preferred_name,tier,marketing_consent,notes"), "{text}");
    assert!(text.contains("김영자,010-3954-1004,1954-03-01,김 여사님,gold,true,\"호밀빵, 얇게 썰어 드림\""), "{text}");
    let db2 = dir.join("copy.db");
    ok(&["set-pin", "--db", db2.to_str().unwrap(), "--new-pin-file", pin.to_str().unwrap()]);
    owner_ok(&["import", "--db", db2.to_str().unwrap(), "customers", out.to_str().unwrap()]);
    let a = owner_json(&["lookup", "--db", db, "김영자", "--role", "owner"]);
    let b = owner_json(&["lookup", "--db", db2.to_str().unwrap(), "김영자", "--role", "owner"]);
    assert_eq!(a["hits"][0]["phone"], b["hits"][0]["phone"]);
    assert_eq!(a["hits"][0]["preferred_name"], b["hits"][0]["preferred_name"]);
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// Each bad input: a clear message, a specific non-zero exit, nothing written.
#[test]
fn bad_input_fails_clearly_and_changes_nothing() {
    let dir = temp_dir("bad");
    let db_path = demo_db(&dir, 120);
    let db = db_path.to_str().unwrap();
    let id = find_customer(db, "1004", "김영자");
    let good_cart = write(&dir, "good.json", br#"{"lines":[{"sku":"AMR","qty":1}]}"#);
    let broken = write(&dir, "broken.json", br#"{"lines":[{"sku":"AMR","qty":1}"#);
    let unknown_sku = write(&dir, "unknown.json", br#"{"lines":[{"sku":"NOPE","qty":1}]}"#);
    let negative = write(&dir, "negative.json", br#"{"lines":[{"sku":"AMR","qty":-2}]}"#);
    let huge_note = write(&dir, "note.txt", &vec![b'a'; 10 * 1024 * 1024]);
    let mut csv = String::from("name,phone,birth_date,preferred_name,tier,marketing_consent,notes\n");
    for i in 0..400 {
        let phone = if i == 249 { "010-12-3456".to_string() } else { format!("010-7{:03}-{:04}", i % 1000, 5000 + i) };
        csv.push_str(&format!("고객{i},{phone},,,,,\n"));
    }
    let bad_csv = write(&dir, "bad.csv", csv.as_bytes());
    let unknown_customer = "01900000-0000-7000-8000-000000000000";
    let (g, b, u, n, h, c) = (
        good_cart.to_str().unwrap(),
        broken.to_str().unwrap(),
        unknown_sku.to_str().unwrap(),
        negative.to_str().unwrap(),
        huge_note.to_str().unwrap(),
        bad_csv.to_str().unwrap(),
    );
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["add-customer", "--db", db, "--name", "김새댁", "--phone", "010-12-345"], 2, "invalid phone number"),
        (vec!["add-customer", "--db", db, "--name", "김새댁", "--phone", "02-123-4567"], 2, "not a mobile number"),
        (vec!["add-customer", "--db", db, "--name", "김새댁", "--phone", "010-3954-1004"], 2, "already registered"),
        (
            vec!["add-customer", "--db", db, "--name", "김새댁", "--phone", "010-8888-1212", "--notes-file", h],
            2,
            "at most 4000 bytes",
        ),
        (
            vec![
                "add-customer",
                "--db",
                db,
                "--name",
                "김새댁",
                "--phone",
                "010-8888-1212",
                "--birth-date",
                "1990-13-01",
            ],
            2,
            "YYYY-MM-DD",
        ),
        (vec!["preview", "--db", db, "--customer", &id, "--cart", b], 2, "invalid cart JSON"),
        (vec!["checkout", "--db", db, "--customer", &id, "--cart", b], 2, "invalid cart JSON"),
        (
            vec!["checkout", "--db", db, "--customer", unknown_customer, "--cart", g],
            3,
            "customer \"01900000-0000-7000-8000-000000000000\" not found",
        ),
        (vec!["customer", "--db", db, "not-a-uuid"], 2, "is not a UUID"),
        (vec!["checkout", "--db", db, "--customer", &id, "--cart", u], 2, "unknown product NOPE"),
        (vec!["checkout", "--db", db, "--customer", &id, "--cart", n], 2, "quantity -2"),
        (vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--at", "yesterday"], 2, "RFC 3339"),
        (vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--dismiss", "senior-65"], 2, "RULE:REASON"),
        (
            vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--apply", "gold-5", "--apply", "nope"],
            4,
            "does not exist or is not active",
        ),
        (strs(&as_owner(&["import", "--db", db, "customers", c])).into_iter().map(leak).collect(), 2, "line 251"),
        (vec!["lookup", "--db", db, "12"], 2, "last 4 digits"),
        (
            vec![
                "feedback",
                "--db",
                db,
                "--customer",
                &id,
                "--kind",
                "praise",
                "--category",
                "taste",
                "--text",
                "good",
            ],
            2,
            "praise",
        ),
        (
            strs(&as_owner(&["refund", "--db", db, unknown_customer, "--reason", "x"])).into_iter().map(leak).collect(),
            3,
            "not found",
        ),
        (vec!["refund", "--db", db, unknown_customer, "--reason", "x"], 7, "owner"),
        (vec!["add-customer", "--db", db, "--name", "김새댁", "--phone", "010-8888-1213", "--tier", "vip"], 7, "owner"),
        (
            vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--at", "2062-01-01T00:00:00+09:00"],
            8,
            "ahead of the clock",
        ),
        (
            vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--at", "9999-01-01T00:00:00+09:00"],
            2,
            "2000-2099",
        ),
        (
            vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--at", "0001-01-01T00:00:00+09:00"],
            2,
            "2000-2099",
        ),
        (
            vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--at", "2026-11-20T10:00:00+09:00"],
            8,
            "only the owner may date a write in the past",
        ),
        (vec!["checkout", "--db", db, "--customer", &id, "--cart", g, "--visit", "not-a-visit"], 2, "not a UUID"),
    ];
    let before = fingerprint(&db_path);
    for (args, code, fragment) in cases {
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?} should exit {code}; stderr: {stderr}");
        assert!(stderr.contains(fragment), "{args:?}: {stderr:?} should mention {fragment:?}");
        assert!(!stderr.contains("panicked"), "{args:?} must not panic");
        assert_eq!(fingerprint(&db_path), before, "{args:?} must change nothing");
    }
    // With --json, errors are typed objects.
    let out = run(&["checkout", "--db", db, "--customer", &id, "--cart", n, "--json"]);
    let err: Value = serde_json::from_slice(&out.stderr).expect("JSON error on stderr");
    assert_eq!(err["error"]["kind"], "invalid_cart");
}

#[test]
fn a_corrupt_or_locked_database_is_refused_clearly() {
    let dir = temp_dir("corrupt");
    let junk = write(&dir, "junk.db", &b"definitely not sqlite ".repeat(500));
    let out = run(&["lookup", "--db", junk.to_str().unwrap(), "1004"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable Dangol database"));
    assert_eq!(std::fs::read(&junk).unwrap(), b"definitely not sqlite ".repeat(500), "the file is untouched");
    let db = demo_db(&dir, 50);
    let lock =
        std::fs::File::options().create(true).truncate(false).write(true).open(dir.join("demo.db.lock")).unwrap();
    lock.try_lock().expect("take the instance lock as another Dangol would");
    // Reading works beside the counter that holds the lock; writing waits.
    ok(&["lookup", "--db", db.to_str().unwrap(), "1004"]);
    let out = run(&["add-customer", "--db", db.to_str().unwrap(), "--name", "새 손님", "--phone", "010-7000-0001"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already open in another Dangol instance"));
    drop(lock);
    ok(&["lookup", "--db", db.to_str().unwrap(), "1004"]);
}

#[test]
fn complaint_prompts_a_follow_up_and_dismissed_prompts_rest_for_a_visit() {
    let dir = temp_dir("voc");
    let db = demo_db(&dir, 60);
    let db = db.to_str().unwrap();
    let id = find_customer(db, "2580", "최지은");
    let cart = write(&dir, "latte.json", br#"{"lines":[{"sku":"LATTE","qty":1}]}"#);
    let cart = cart.to_str().unwrap();
    let preview =
        json(&["preview", "--db", db, "--customer", &id, "--cart", cart, "--at", MORNING, "--suggestions", "10"]);
    let follow = preview["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "follow_up")
        .unwrap_or_else(|| panic!("an open complaint is followed up: {preview}"));
    assert!(follow["text"].as_str().unwrap().contains("라떼가 너무 식어서"));
    let profile = json(&["customer", "--db", db, &id, "--at", MORNING]);
    let complaint = profile["open_complaints"][0]["id"].as_str().unwrap().to_string();
    ok(&["resolve", "--db", db, &complaint, "--resolution", "apologised, remade it hot", "--at", MORNING]);
    let preview =
        json(&["preview", "--db", db, "--customer", &id, "--cart", cart, "--at", MORNING, "--suggestions", "10"]);
    assert!(
        !preview["suggestions"].as_array().unwrap().iter().any(|s| s["kind"] == "follow_up"),
        "resolved complaints are not followed up"
    );
    // Dismiss the usual-item prompt; it rests for the next visit.
    let usual = preview["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] != "discount")
        .expect("a non-discount prompt")["key"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&["prompt", "--db", db, "--customer", &id, "--key", &usual, "--dismiss", "not today", "--at", MORNING]);
    ok(&strs(&checkout_args(db, &id, cart, MORNING, &preview, &[], &[])));
    let next = json(&[
        "preview",
        "--db",
        db,
        "--customer",
        &id,
        "--cart",
        cart,
        "--at",
        "2026-11-30T10:00:00+09:00",
        "--suggestions",
        "10",
    ]);
    assert!(
        !next["suggestions"].as_array().unwrap().iter().any(|s| s["key"] == usual.as_str()),
        "{usual} was dismissed and rests at the next visit: {next}"
    );
}

/// The benchmark runs end to end on a small shop and reports every figure
/// with its floor (the real figures come from a 1,000,000-customer run).
#[test]
fn bench_reports_every_figure_with_its_floor() {
    let dir = temp_dir("bench");
    let db = demo_db(&dir, 400);
    let report = json(&["bench", "--db", db.to_str().unwrap(), "--iterations", "60"]);
    let figures = report["figures"].as_array().expect("figures");
    let names: Vec<&str> = figures.iter().map(|f| f["name"].as_str().unwrap()).collect();
    for want in ["last 4 digits", "name prefix", "초성", "preview", "checkout", "search upkeep"] {
        assert!(names.iter().any(|n| n.contains(want)), "a figure for {want}: {names:?}");
    }
    for f in figures {
        for key in ["p50_us", "p99_us", "floor_p50_us", "floor_p99_us", "ratio_p50", "ratio_p99"] {
            assert!(f[key].as_f64().is_some_and(|v| v > 0.0), "{key} is measured: {f}");
        }
    }
    assert!(report["db_bytes"].as_u64().unwrap() > 0 && report["peak_rss_kib"].as_u64().unwrap() > 0);
}

/// The owner configures the shop as data: rules, the time zone, coupons.
#[test]
fn owner_configures_rules_time_zone_and_coupons() {
    let dir = temp_dir("owner");
    let db = demo_db(&dir, 60);
    let db = db.to_str().unwrap();
    let rules = json(&["rules", "--db", db]);
    for id in ["senior-65", "birthday-month", "stamp-10", "gold-5", "happy-hour", "coupon-3000"] {
        assert!(rules["rules"].as_array().unwrap().iter().any(|r| r["id"] == id), "the demo shop has {id}");
    }
    assert!(rules["rules"].as_array().unwrap().len() >= 30, "the demo shop runs at least 30 rules");
    let rule = write(
        &dir,
        "rule.json",
        r#"{"id":"rainy-day","name":"비 오는 날 500원","benefit":{"type":"amount_off","amount":500}}"#.as_bytes(),
    );
    let refused = run(&["set-rule", "--db", db, rule.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(7), "rules are the owner's");
    // Before saving, what it would do (the owner's too); nothing is written.
    let refused = run(&["set-rule", "--db", db, rule.to_str().unwrap(), "--preview"]);
    assert_eq!(refused.status.code(), Some(7), "a rule's preview is the owner's");
    let before = fingerprint(std::path::Path::new(db));
    let preview = owner_json(&["set-rule", "--db", db, rule.to_str().unwrap(), "--preview"]);
    assert_eq!(preview["summary"]["en"], "Everyone: ₩500 off the whole cart");
    assert_eq!(preview["customers"], preview["customers_total"]);
    let (sales, applied) = (preview["sales"].as_u64().unwrap(), preview["sales_applied"].as_u64().unwrap());
    assert!(sales > 0 && applied == sales, "every sale of the last 30 days saves ₩500: {preview}");
    assert_eq!(preview["saving"].as_u64().unwrap(), 500 * applied);
    let said = owner_ok(&["set-rule", "--db", db, rule.to_str().unwrap(), "--preview"]);
    assert!(said.contains("would have applied to"), "{said}");
    assert_eq!(fingerprint(std::path::Path::new(db)), before, "a preview saves nothing");
    assert!(!json(&["rules", "--db", db])["rules"].as_array().unwrap().iter().any(|r| r["id"] == "rainy-day"));
    owner_ok(&["set-rule", "--db", db, rule.to_str().unwrap()]);
    let bad_rule = write(
        &dir,
        "bad-rule.json",
        r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":0}}"#.as_bytes(),
    );
    let out = run(&strs(&as_owner(&["set-rule", "--db", db, bad_rule.to_str().unwrap()])));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("percent_bp"));
    let id = find_customer(db, "1004", "김영자");
    let cart = write(&dir, "cart.json", br#"{"lines":[{"sku":"AMR","qty":1}]}"#);
    let preview = preview_json(db, &id, cart.to_str().unwrap(), MORNING);
    assert!(offers(&preview, "rainy-day"), "a new rule applies at once");
    // Happy hour follows the shop's clock: 15:30 in Seoul is happy hour, but
    // the same instant is 06:30 in London.
    let happy = "2026-11-23T15:30:00+09:00";
    let seoul = preview_json(db, &id, cart.to_str().unwrap(), happy);
    assert!(offers(&seoul, "happy-hour"));
    owner_ok(&["setting", "--db", db, "time_zone", "Europe/London"]);
    let london = preview_json(db, &id, cart.to_str().unwrap(), happy);
    assert!(!offers(&london, "happy-hour"), "06:30 in London is not happy hour");
    let out = run(&strs(&as_owner(&["setting", "--db", db, "time_zone", "Mars/Olympus"])));
    assert_eq!(out.status.code(), Some(2));
    owner_ok(&["setting", "--db", db, "time_zone", "Asia/Seoul"]);
    let coupon = owner_json(&[
        "issue-coupon",
        "--db",
        db,
        "--customer",
        &id,
        "--rule",
        "coupon-cake",
        "--code",
        "CAKE-1",
        "--expires",
        "2026-12-31T00:00:00+09:00",
        "--at",
        MORNING,
    ]);
    assert_eq!(coupon["code"], "CAKE-1");
    let cake = write(&dir, "cake.json", br#"{"lines":[{"sku":"CAKE-STRAW","qty":1}]}"#);
    let preview = preview_json(db, &id, cake.to_str().unwrap(), MORNING);
    assert!(offers(&preview, "coupon-cake"), "the issued coupon is offered");
    let before = json(&["customer", "--db", db, &id, "--at", MORNING]);
    let adjusted = owner_json(&[
        "adjust",
        "--db",
        db,
        "--customer",
        &id,
        "--points",
        "500",
        "--stamps",
        "-1",
        "--note",
        "apology for the cold latte",
    ]);
    assert_eq!(adjusted["points"], before["points"].as_i64().unwrap() + 500);
    assert_eq!(adjusted["stamps"], before["stamps"].as_i64().unwrap() - 1);
    let out =
        run(&strs(&as_owner(&["adjust", "--db", db, "--customer", &id, "--points", "-99999999", "--note", "oops"])));
    assert_eq!(out.status.code(), Some(2), "an adjustment cannot exceed the limits or make a balance negative");
    let dup = run(&strs(&as_owner(&[
        "issue-coupon",
        "--db",
        db,
        "--customer",
        &id,
        "--rule",
        "coupon-cake",
        "--code",
        "CAKE-1",
        "--expires",
        "2026-12-31T00:00:00+09:00",
    ])));
    assert_eq!(dup.status.code(), Some(2), "coupon codes are unique");
    let audit = owner_json(&["audit", "--db", db]);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for want in ["rule.saved", "setting.changed", "coupon.issued", "balances.adjusted"] {
        assert!(actions.contains(&want), "the owner's {want} is in the audit log: {actions:?}");
    }
    assert_eq!(run(&["audit", "--db", db]).status.code(), Some(7), "the audit log is the owner's to read");
}

/// The same visit completed twice through the command line (a retry after a
/// timeout, a script run again) records one sale and prints it again.
#[test]
fn completing_a_visit_twice_records_one_sale() {
    let dir = temp_dir("once");
    let db = demo_db(&dir, 200);
    let db = db.to_str().unwrap();
    let cart = write(&dir, "bread.json", br#"{"lines":[{"sku":"MILKBREAD","qty":1}]}"#);
    let cart = cart.to_str().unwrap();
    let id = find_customer(db, "1004", "김영자");
    let preview = preview_json(db, &id, cart, MORNING);
    let args = checkout_args(db, &id, cart, MORNING, &preview, &[], &[]);
    let sales = || fingerprint(std::path::Path::new(db)).into_iter().find(|(t, _)| t == "sales").unwrap().1;
    let before = sales();
    let first = json(&strs(&args));
    let after_first = fingerprint(std::path::Path::new(db));
    let second = json(&strs(&args));
    assert_eq!(sales(), before + 1, "one sale for one visit");
    assert_eq!(fingerprint(std::path::Path::new(db)), after_first, "the second completion wrote nothing");
    assert_eq!((first["replayed"].as_bool(), second["replayed"].as_bool()), (Some(false), Some(true)));
    assert_eq!(first["sale_id"], second["sale_id"]);
    assert_eq!(first["points_balance"], second["points_balance"], "points were earned once");
}

/// A shop's own database is never written by the benchmark: it measures a
/// copy (deleted after). Long work shows no progress bar when piped.
#[test]
fn bench_on_a_real_shop_measures_a_copy_and_leaves_the_shop_as_it_was() {
    let dir = temp_dir("bench-real");
    let db = demo_db(&dir, 300);
    // The same data, but no longer labelled a demo: a shop's own.
    rusqlite::Connection::open(&db).unwrap().execute("DELETE FROM settings WHERE key = 'demo'", []).unwrap();
    let before = fingerprint(&db);
    let out = run(&["bench", "--db", db.to_str().unwrap(), "--iterations", "40", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["on_copy"], true, "measured on a copy: {report}");
    assert_eq!(fingerprint(&db), before, "no benchmark customer or sale entered the shop");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().contains("bench")), "the copy and the floor are gone: {left:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains('[') && !stderr.contains("eta"), "no progress bar when piped: {stderr}");
}

/// On a terminal, the demo generation shows a progress bar on standard
/// error (run under `script`, which gives the command a terminal).
#[test]
fn long_work_shows_progress_on_a_terminal() {
    let dir = temp_dir("progress");
    let db = dir.join("demo.db");
    let command = format!("{} demo --db {} --customers 4000 --seed 3 --as-of {AS_OF} --lang en", bin(), db.display());
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("DANGOL_NOW", MORNING)
        .output()
        .expect("run under script");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(seen.contains("customers") && seen.contains("/4000"), "a bar counting customers: {seen:?}");
}

/// The demo never goes into a shop's own file: a file with a customer, or
/// only an owner PIN, is refused and left as it was.
#[test]
fn the_demo_is_never_generated_into_a_shop() {
    let dir = temp_dir("demo-into-shop");
    let with_customer = dir.join("a.db");
    ok(&["add-customer", "--db", with_customer.to_str().unwrap(), "--name", "첫 손님", "--phone", "010-1111-2222"]);
    let with_pin = dir.join("b.db");
    let pin = write(&dir, "pin", b"8531");
    ok(&["set-pin", "--db", with_pin.to_str().unwrap(), "--new-pin-file", pin.to_str().unwrap()]);
    for db in [&with_customer, &with_pin] {
        let before = fingerprint(db);
        let out = run(&["demo", "--db", db.to_str().unwrap(), "--customers", "50", "--seed", "3", "--as-of", AS_OF]);
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a shop"));
        assert_eq!(fingerprint(db), before, "nothing of the demo went in");
    }
}
