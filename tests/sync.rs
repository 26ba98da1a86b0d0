//! Counters and a hub as separate processes, as a shop runs them: the
//! built `dangol hub` on loopback (a SQLite file, and a throw-away
//! PostgreSQL cluster), counters syncing with `dangol sync`, and a person's
//! commands in between. What one counter records is found at the other;
//! a wrong key, a revoked counter, a copied database file and an
//! unreachable hub are refused with their kinds and exit codes, and change
//! nothing.

mod common;

use common::*;
use dangol_hub::cluster::TempCluster;
use std::path::{Path, PathBuf};

/// The hub on a free port with the shop's key file.
fn start_hub(storage: &[&str], key: &Path) -> HubProcess {
    let mut args = storage.to_vec();
    args.extend(["--key-file", key.to_str().unwrap()]);
    HubProcess::start(&args, "127.0.0.1:0")
}

fn sync(db: &Path, hub: &HubProcess, key: &Path, name: &str) -> std::process::Output {
    run(&[
        "sync",
        "--db",
        db.to_str().unwrap(),
        "--hub",
        &hub.url(),
        "--key-file",
        key.to_str().unwrap(),
        "--name",
        name,
        "--json",
    ])
}

fn synced(db: &Path, hub: &HubProcess, key: &Path, name: &str) -> serde_json::Value {
    let out = sync(db, hub, key, name);
    assert!(out.status.success(), "sync of {} failed: {}", db.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("sync --json")
}

fn refusal(out: &std::process::Output) -> (Option<i32>, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("a JSON error: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v["error"].clone())
}

/// A counter with the owner's PIN, the products and one regular.
fn first_counter(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("a.db");
    let path = db.to_str().unwrap();
    ok(&["set-pin", "--db", path, "--new-pin-file", &pin_file(DEMO_PIN)]);
    let products = write(
        dir,
        "products.csv",
        "sku,name,category,price\nSALT,소금빵,베이커리,3200\nAMR,아메리카노,음료,4500\n".as_bytes(),
    );
    owner_ok(&["import", "--db", path, "products", products.to_str().unwrap()]);
    let added = json(&["add-customer", "--db", path, "--name", "김영자", "--phone", "010-2222-3333", "--at", MORNING]);
    (db, added["id"].as_str().unwrap().to_string())
}

fn buy(dir: &Path, db: &Path, customer: &str, sku: &str) {
    let cart =
        write(dir, &format!("cart-{sku}.json"), format!(r#"{{"lines":[{{"sku":"{sku}","qty":2}}]}}"#).as_bytes());
    let (db, cart) = (db.to_str().unwrap(), cart.to_str().unwrap());
    let preview = preview_json(db, customer, cart, MORNING);
    ok(&strs(&checkout_args(db, customer, cart, MORNING, &preview, &[], &[])));
}

fn card(db: &Path, customer: &str) -> serde_json::Value {
    let v = json(&["customer", "--db", db.to_str().unwrap(), customer]);
    serde_json::json!({
        "name": v["name"], "visits": v["visits"], "points": v["points"], "stamps": v["stamps"],
        "total_spent": v["total_spent"], "open_complaints": v["open_complaints"].as_array().map(|a| a.len()),
    })
}

fn counters_share(storage: &[&str], dir: &Path) {
    let key = dir.join("join.key");
    let hub = start_hub(storage, &key);
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the join key is the owner's alone");
    let (a, who) = first_counter(dir);
    buy(dir, &a, &who, "SALT");
    ok(&[
        "feedback",
        "--db",
        a.to_str().unwrap(),
        "--customer",
        &who,
        "--kind",
        "complaint",
        "--category",
        "맛",
        "--text",
        "너무 짰어요",
        "--at",
        MORNING,
    ]);
    let first = synced(&a, &hub, &key, "계산대 1");
    assert_eq!(first["joined"], true);
    assert!(first["pushed"].as_i64().unwrap() >= 5, "everything A wrote went: {first}");

    // A counter that never existed starts from the hub's snapshot of the
    // shop (every event of A's in it), not by replaying them.
    let b = dir.join("b.db");
    let second = synced(&b, &hub, &key, "계산대 2");
    assert_eq!(
        second["snapshot_at"],
        first["pulled_pos"].as_i64().unwrap().max(first["pushed"].as_i64().unwrap()),
        "{second}"
    );
    assert_eq!(
        (second["pulled"].as_i64(), second["pushed"].as_i64()),
        (Some(0), Some(0)),
        "nothing replayed: {second}"
    );
    assert_eq!(second["quarantined"], 0);
    let found = json(&["lookup", "--db", b.to_str().unwrap(), "3333"]);
    assert_eq!(found["hits"][0]["id"], who.as_str(), "the regular registered at A is found at B");
    assert_eq!(card(&b, &who), card(&a, &who), "the same card at both counters");

    // B sells with the products and rules that came from A, and A sees it.
    buy(dir, &b, &who, "AMR");
    synced(&b, &hub, &key, "계산대 2");
    let back = synced(&a, &hub, &key, "계산대 1");
    assert!(back["pulled"].as_i64().unwrap() >= 1, "{back}");
    let at_a = card(&a, &who);
    assert_eq!(at_a["visits"], 2, "{at_a}");
    assert_eq!(at_a, card(&b, &who));
    // A round with nothing new moves nothing, and says so.
    let idle = synced(&a, &hub, &key, "계산대 1");
    assert_eq!((idle["pushed"].as_i64(), idle["pulled"].as_i64()), (Some(0), Some(0)));
    let status = json(&["sync", "--db", a.to_str().unwrap(), "--status"]);
    assert_eq!((status["waiting"].as_i64(), status["joined"].as_bool()), (Some(0), Some(true)), "{status}");
}

#[test]
fn counters_share_customers_sales_and_the_catalog_through_a_sqlite_hub() {
    let dir = temp_dir("sync-sqlite");
    let hub_db = dir.join("hub.db");
    counters_share(&["--db", hub_db.to_str().unwrap()], &dir);
}

#[test]
fn counters_share_customers_sales_and_the_catalog_through_a_postgres_hub() {
    let cluster = TempCluster::start().expect("a throw-away PostgreSQL cluster");
    let dir = temp_dir("sync-postgres");
    counters_share(&["--postgres", &cluster.url(), "--shop", "gangnam"], &dir);
}

#[test]
fn a_wrong_key_a_revoked_counter_a_copied_file_and_a_silent_hub_are_refused() {
    let dir = temp_dir("sync-refused");
    let key = dir.join("join.key");
    let hub_db = dir.join("hub.db");
    let mut hub = start_hub(&["--db", hub_db.to_str().unwrap()], &key);
    let (a, who) = first_counter(&dir);

    let wrong = write(&dir, "wrong.key", b"not-the-shops-key-at-all");
    let before = fingerprint(&a);
    let out = sync(&a, &hub, &wrong, "계산대 1");
    let (code, e) = refusal(&out);
    assert_eq!(
        (code, e["kind"].as_str(), e["refusal"].as_str()),
        (Some(10), Some("hub_refused"), Some("bad_join_key"))
    );
    let status = json(&["sync", "--db", a.to_str().unwrap(), "--status"]);
    assert_eq!(status["joined"], false, "not joined");
    assert!(fingerprint(&a).iter().zip(&before).filter(|(x, y)| x != y).all(|(x, _)| x.0 == "sync_state"));

    synced(&a, &hub, &key, "계산대 1");
    // A copy of A's file carries on by itself: the hub refuses its history.
    let copy = dir.join("copy.db");
    std::fs::copy(&a, &copy).unwrap();
    ok(&["add-customer", "--db", a.to_str().unwrap(), "--name", "박정호", "--phone", "010-9876-5432", "--at", MORNING]);
    ok(&[
        "add-customer",
        "--db",
        copy.to_str().unwrap(),
        "--name",
        "최지우",
        "--phone",
        "010-4444-5555",
        "--at",
        MORNING,
    ]);
    synced(&a, &hub, &key, "계산대 1");
    let (code, e) = refusal(&sync(&copy, &hub, &key, "계산대 1"));
    assert_eq!((code, e["refusal"].as_str()), (Some(10), Some("rewritten")), "{e}");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("copied") || msg.contains("rewritten"), "{msg}");

    // The owner revokes A at the hub: A is refused from then on.
    let devices = json(&["hub-devices", "--db", hub_db.to_str().unwrap()]);
    let device = devices["devices"][0]["device"].as_str().unwrap().to_string();
    ok(&["hub-revoke", "--db", hub_db.to_str().unwrap(), "--device", &device]);
    let (code, e) = refusal(&sync(&a, &hub, &key, "계산대 1"));
    assert_eq!((code, e["refusal"].as_str()), (Some(10), Some("revoked")), "{e}");
    let out = run(&["hub-revoke", "--db", hub_db.to_str().unwrap(), "--device", "not-a-device"]);
    assert_eq!(out.status.code(), Some(2));

    // A counter whose hub is gone keeps selling; the sale waits, and goes
    // when the hub is back.
    let b = dir.join("b.db");
    synced(&b, &hub, &key, "계산대 2");
    let url = hub.url();
    hub.kill9();
    buy(&dir, &b, &who, "SALT");
    let (code, e) = refusal(&run(&[
        "sync",
        "--db",
        b.to_str().unwrap(),
        "--hub",
        &url,
        "--key-file",
        key.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!((code, e["kind"].as_str()), (Some(9), Some("hub_unreachable")), "{e}");
    assert_eq!(json(&["sync", "--db", b.to_str().unwrap(), "--status"])["sales_waiting"], 1);
    hub.spawn();
    synced(&b, &hub, &key, "계산대 2");
    assert_eq!(json(&["sync", "--db", b.to_str().unwrap(), "--status"])["sales_waiting"], 0);
    // Another hub's address is refused: a counter belongs to one shop.
    let out = run(&[
        "sync",
        "--db",
        b.to_str().unwrap(),
        "--hub",
        "http://127.0.0.1:9",
        "--key-file",
        key.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(refusal(&out).0, Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_unreachable_hub_is_exit_9_and_the_sale_waits_with_the_status_saying_so() {
    let dir = temp_dir("sync-offline");
    let key = write(&dir, "join.key", b"0123456789abcdef0123456789abcdef");
    let (a, who) = first_counter(&dir);
    buy(&dir, &a, &who, "SALT");
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let out = run(&["sync", "--db", a.to_str().unwrap(), "--hub", &url, "--key-file", key.to_str().unwrap(), "--json"]);
    let (code, e) = refusal(&out);
    assert_eq!((code, e["kind"].as_str()), (Some(9), Some("hub_unreachable")), "{e}");
    let status = json(&["sync", "--db", a.to_str().unwrap(), "--status"]);
    assert_eq!(status["sales_waiting"], 1, "{status}");
    let text = ok(&["sync", "--db", a.to_str().unwrap(), "--status", "--lang", "ko"]);
    assert!(text.contains("판매 1건 대기"), "{text}");
    let text = ok(&["sync", "--db", a.to_str().unwrap(), "--status", "--lang", "en"]);
    assert!(text.contains("1 sale waiting"), "{text}");
}

#[test]
fn bench_sync_measures_both_backends_against_their_floors_with_zero_loss() {
    let out = run(&["bench-sync", "--events", "3000", "--counters", "5", "--backend", "both", "--json"]);
    assert!(out.status.success(), "bench-sync failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("bench-sync --json");
    assert_eq!((report["events"].as_u64(), report["counters"].as_u64()), (Some(3000), Some(5)), "{report}");
    let backends = report["backends"].as_array().expect("backends");
    let names: Vec<&str> = backends.iter().filter_map(|b| b["backend"].as_str()).collect();
    assert_eq!(names, ["sqlite", "postgres"]);
    assert!(report["bootstrap"].is_null(), "no bootstrap part unless asked: {}", report["bootstrap"]);
    for b in backends {
        let t = &b["throughput"];
        for figure in [
            "push_ms",
            "pull_ms",
            "floor_insert_ms",
            "floor_read_ms",
            "ratio",
            "push_events_per_s",
            "pull_events_per_s",
            "log_bytes",
            "hub_peak_rss_kib",
        ] {
            assert!(t[figure].as_f64().is_some_and(|v| v > 0.0), "{figure} in {t}");
        }
        let ratio = t["ratio"].as_f64().unwrap();
        let whole = (t["push_ms"].as_f64().unwrap() + t["pull_ms"].as_f64().unwrap())
            / (t["floor_insert_ms"].as_f64().unwrap() + t["floor_read_ms"].as_f64().unwrap());
        assert!((ratio - whole).abs() < 1e-6, "ratio = (push + pull) / (floor insert + floor read): {t}");
        assert_eq!(t["events"], 3000);
        let c = &b["concurrency"];
        assert_eq!((c["events"].as_u64(), c["pushes"].as_u64()), (Some(5 * 40 * 25), Some(5 * 40)), "{c}");
        assert_eq!(
            (c["lost"].as_u64(), c["duplicated"].as_u64(), c["unexpected"].as_u64(), c["acked_mismatch"].as_u64()),
            (Some(0), Some(0), Some(0), Some(0)),
            "{c}"
        );
        assert_eq!(c["zero_loss"], true);
        let (p50, p99, max) =
            (c["p50_ms"].as_f64().unwrap(), c["p99_ms"].as_f64().unwrap(), c["max_ms"].as_f64().unwrap());
        assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{c}");
        assert!(c["hub_peak_rss_kib"].as_u64().is_some_and(|k| k > 1024), "the hub's own memory: {c}");
    }
}

#[test]
fn bench_sync_bootstraps_a_new_counter_from_a_hub_seeded_with_the_demo_shop_on_both_backends() {
    let dir = temp_dir("bench-sync-bootstrap");
    let out = run(&[
        "bench-sync",
        "--events",
        "200",
        "--counters",
        "2",
        "--backend",
        "both",
        "--bootstrap-customers",
        "300",
        "--dir",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "bench-sync failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("bench-sync --json");
    let boot = &report["bootstrap"];
    assert_eq!(boot["customers"], 300, "{boot}");
    assert!(boot["demo_ms"].as_f64().is_some_and(|v| v > 0.0), "{boot}");
    assert!(boot["demo_bytes"].as_u64().is_some_and(|v| v > 0), "{boot}");
    let runs = boot["backends"].as_array().expect("bootstrap.backends");
    let names: Vec<&str> = runs.iter().filter_map(|b| b["backend"].as_str()).collect();
    assert_eq!(names, ["sqlite", "postgres"]);
    for b in runs {
        for figure in [
            "seed_ms",
            "hub_state_bytes",
            "seed_hub_peak_rss_kib",
            "seed_counter_peak_rss_kib",
            "bootstrap_ms",
            "snapshot_bytes",
            "bootstrap_hub_peak_rss_kib",
            "bootstrap_counter_peak_rss_kib",
        ] {
            assert!(b[figure].as_f64().is_some_and(|v| v > 0.0), "{figure} in {b}");
        }
        let (seeded, snapshot) = (b["seeded_at"].as_i64().unwrap(), b["snapshot_at"].as_i64().unwrap());
        assert!(0 < seeded && seeded <= snapshot, "the snapshot holds the seed: {b}");
        assert_eq!(b["counter_customers"], 300, "{b}");
        assert_eq!(b["same_state"], true, "the new counter holds the demo counter's state: {b}");
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    assert!(left.is_empty(), "the scratch files are deleted: {left:?}");
}

fn digest(db: &Path) -> String {
    dangol_store::Store::open_shared(db).expect("open the counter read-only").state_digest().unwrap()
}

fn count(db: &Path, what: &str) -> i64 {
    let store = dangol_store::Store::open_shared(db).unwrap();
    store.reader().query_column(&format!("SELECT count(*) FROM {what}")).unwrap()[0].parse().unwrap()
}

/// The first counter of an empty hub holds years of history no event
/// carries (the demo's bulk load): it seeds the hub with its whole
/// database once; a new counter starts from the hub's snapshot and holds
/// the same customers, visits, balances, rules and settings. A second
/// counter with such history, or an old file joining a seeded hub, is
/// refused before anything of it goes.
fn seeding(storage: &[&str], dir: &Path) {
    let key = dir.join("join.key");
    let hub = start_hub(storage, &key);
    let a = dir.join("a.db");
    ok(&["demo", "--db", a.to_str().unwrap(), "--customers", "300", "--seed", "7"]);
    let first = synced(&a, &hub, &key, "계산대 1");
    assert!(first["seeded_at"].as_i64().is_some(), "A seeded the hub: {first}");
    let again = synced(&a, &hub, &key, "계산대 1");
    assert!(again["seeded_at"].is_null(), "once: {again}");

    let b = dir.join("b.db");
    let second = synced(&b, &hub, &key, "계산대 2");
    assert!(second["snapshot_at"].as_i64().is_some(), "{second}");
    assert_eq!(count(&b, "customers"), 300);
    assert_eq!(count(&b, "sales"), count(&a, "sales"), "every visit of the history");
    assert_eq!(digest(&a), digest(&b), "the same shop at both counters");

    // B sells to one of A's regulars; both converge.
    let who = {
        let store = dangol_store::Store::open_shared(&b).unwrap();
        let hex = store.reader().query_column("SELECT hex(id) FROM customers ORDER BY rid LIMIT 1").unwrap();
        uuid::Uuid::parse_str(&hex[0]).unwrap().to_string()
    };
    buy(dir, &b, &who, "SALT");
    synced(&b, &hub, &key, "계산대 2");
    synced(&a, &hub, &key, "계산대 1");
    synced(&b, &hub, &key, "계산대 2");
    assert_eq!(card(&a, &who), card(&b, &who));
    assert_eq!(digest(&a), digest(&b));

    // The hub's state, seeded, and B, started from its snapshot, take an
    // undone merge as any counter does (a guard the seed put back once
    // refused moving an entry to the registration it came from).
    let (_, _, merged) = merged_couple(dir, &hub, &key, [&a, &b]);
    owner_json(&["unmerge", "--db", a.to_str().unwrap(), "--customer", &merged, "--phone", "010-7777-8888"]);
    undone_everywhere(&hub, &key, [&a, &b], &dir.join("e.db"), &merged);

    // Another counter with its own bulk history cannot join.
    let c = dir.join("c.db");
    ok(&["demo", "--db", c.to_str().unwrap(), "--customers", "20", "--seed", "8"]);
    let (code, error) = refusal(&sync(&c, &hub, &key, "계산대 3"));
    assert_eq!((code, error["refusal"].as_str()), (Some(10), Some("hub_seeded")), "{error}");
    // Nor can an old file without that history.
    let d_dir = dir.join("d");
    std::fs::create_dir_all(&d_dir).unwrap();
    let (d, _) = first_counter(&d_dir);
    let (code, error) = refusal(&sync(&d, &hub, &key, "계산대 4"));
    assert_eq!((code, error["refusal"].as_str()), (Some(10), Some("hub_seeded")), "{error}");
    assert_eq!(digest(&a), digest(&b), "the refused counters changed nothing");
}

#[test]
fn a_counter_with_history_seeds_an_empty_sqlite_hub_and_a_new_counter_starts_from_its_snapshot() {
    let dir = temp_dir("sync-seed-sqlite");
    let hub_db = dir.join("hub.db");
    seeding(&["--db", hub_db.to_str().unwrap()], &dir);
}

#[test]
fn a_counter_with_history_seeds_an_empty_postgres_hub_and_a_new_counter_starts_from_its_snapshot() {
    let cluster = TempCluster::start().expect("a throw-away PostgreSQL cluster");
    let dir = temp_dir("sync-seed-postgres");
    seeding(&["--postgres", &cluster.url(), "--shop", "seeded"], &dir);
}

/// The same phone registered offline at `a` ("이순자") and at `b`
/// ("박철수"), each buying once, then synced until sync has merged the two:
/// (wife, husband, the one merged into the other).
fn merged_couple(dir: &Path, hub: &HubProcess, key: &Path, [a, b]: [&Path; 2]) -> (String, String, String) {
    let add = |db: &Path, name: &str| {
        json(&[
            "add-customer",
            "--db",
            db.to_str().unwrap(),
            "--name",
            name,
            "--phone",
            "010-5555-6666",
            "--at",
            MORNING,
        ])["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (wife, husband) = (add(a, "이순자"), add(b, "박철수"));
    buy(dir, a, &wife, "SALT");
    buy(dir, b, &husband, "AMR");
    for db in [a, b, a] {
        synced(db, hub, key, "계산대");
    }
    let one = json(&["lookup", "--db", a.to_str().unwrap(), "5555-6666"]);
    assert_eq!(one["hits"].as_array().unwrap().len(), 1, "sync merged the two: {one}");
    let survivor = one["hits"][0]["id"].as_str().unwrap().to_string();
    let merged = if survivor == wife { husband.clone() } else { wife.clone() };
    (wife, husband, merged)
}

/// After the owner undid `merged` at `a` under 010-7777-8888: `a` and `b`
/// sync until both hold it, and `new` starts from the hub's snapshot; the
/// registration has its own phone at all three, which hold the same shop.
fn undone_everywhere(hub: &HubProcess, key: &Path, [a, b]: [&Path; 2], new: &Path, merged: &str) {
    for db in [a, b, a, b] {
        synced(db, hub, key, "계산대");
    }
    synced(new, hub, key, "새 계산대");
    for db in [a, b, new] {
        let own = json(&["lookup", "--db", db.to_str().unwrap(), "7777-8888"]);
        assert_eq!(own["hits"][0]["id"], merged, "{}: {own}", db.display());
    }
    assert_eq!(digest(a), digest(b));
    assert_eq!(digest(a), digest(new), "the hub's snapshot holds the undo");
}

/// Two cashiers register a couple who share a phone, each at their own
/// counter, offline; sync merges them. The owner lists what sync found,
/// undoes the merge at A with the husband's own phone, and every counter
/// (and a new one starting from the hub's snapshot) ends with two
/// customers, each with their own sale. An undo the owner cannot do is
/// refused with its kind and changes nothing.
fn merge_undone(storage: &[&str], dir: &Path) {
    let key = dir.join("join.key");
    let hub = start_hub(storage, &key);
    let (a, _) = first_counter(dir);
    synced(&a, &hub, &key, "계산대 1");
    let b = dir.join("b.db");
    synced(&b, &hub, &key, "계산대 2");
    let (wife, husband, merged) = merged_couple(dir, &hub, &key, [&a, &b]);
    let survivor = if merged == wife { husband.clone() } else { wife.clone() };

    let path = a.to_str().unwrap();
    let found = owner_json(&["anomalies", "--db", path]);
    let offered: Vec<&str> = found.as_array().unwrap().iter().filter_map(|x| x["undoable"].as_str()).collect();
    assert_eq!(offered, [merged.as_str()], "{found}");
    let text = owner_ok(&["anomalies", "--db", path, "--lang", "ko"]);
    assert!(text.contains("같은 번호로 두 번 등록된 고객을 합침"), "{text}");
    assert!(text.contains(&format!("dangol unmerge --customer {merged}")), "{text}");

    // Refused: the phone is the first regular's; the id was never merged.
    let before = digest(&a);
    let out =
        run(&strs(&as_owner(&["unmerge", "--db", path, "--customer", &merged, "--phone", "010-2222-3333", "--json"])));
    assert_eq!(refusal(&out).1["kind"], "duplicate", "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&strs(&as_owner(&[
        "unmerge",
        "--db",
        path,
        "--customer",
        &survivor,
        "--phone",
        "010-7777-8888",
        "--lang",
        "ko",
    ])));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("합쳐진 고객 등록"), "{said}");
    assert_eq!(digest(&a), before, "the refusals changed nothing");

    let undone = owner_json(&["unmerge", "--db", path, "--customer", &merged, "--phone", "010-7777-8888"]);
    assert_eq!(
        (undone["now"].as_str(), undone["moved"]["sales"].as_i64()),
        (Some(merged.as_str()), Some(1)),
        "{undone}"
    );
    let c = dir.join("c.db");
    undone_everywhere(&hub, &key, [&a, &b], &c, &merged);
    for db in [&a, &b, &c] {
        for who in [&wife, &husband] {
            assert_eq!(card(db, who)["visits"], 1, "{}: {who} has their own sale", db.display());
        }
    }
    let after = owner_json(&["anomalies", "--db", path]);
    assert!(after.as_array().unwrap().iter().all(|x| x["undoable"].is_null()), "{after}");
    assert!(after.as_array().unwrap().iter().any(|x| x["kind"] == "merge_undone"), "{after}");
}

#[test]
fn the_owner_undoes_a_merge_and_every_counter_and_a_new_one_agree_through_a_postgres_hub() {
    let cluster = TempCluster::start().expect("a throw-away PostgreSQL cluster");
    let dir = temp_dir("sync-unmerge-postgres");
    merge_undone(&["--postgres", &cluster.url(), "--shop", "unmerge"], &dir);
}
