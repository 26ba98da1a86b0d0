//! Crash safety: kill `dangol checkout` at random moments (SIGKILL, no
//! chance to clean up) and check after each kill that every sale is either
//! fully there, with its lines, ledger entries, visit count and outbox event,
//! or not there at all.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn check_consistent(db: &std::path::Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).expect("reopen after the crash");
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let sales: i64 = conn.query_row("SELECT count(*) FROM sales", [], |r| r.get(0)).unwrap();
    let events: i64 =
        conn.query_row("SELECT count(*) FROM outbox WHERE kind = 'sale.completed'", [], |r| r.get(0)).unwrap();
    assert_eq!(sales, events, "every sale has its outbox event and no event lacks its sale");
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM sales s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'sale.completed' AND json_extract(o.payload, '$.id') = lower(substr(hex(s.id),1,8)||'-'||substr(hex(s.id),9,4)||'-'||substr(hex(s.id),13,4)||'-'||substr(hex(s.id),17,4)||'-'||substr(hex(s.id),21)))", [], |r| r.get(0))
        .unwrap();
    assert_eq!(orphans, 0, "each sale's own event is there");
    let lineless: i64 = conn
        .query_row(
            "SELECT count(*) FROM sales s WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale = s.rid)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lineless, 0, "no sale without its lines");
    let unledgered: i64 = conn.query_row("SELECT count(*) FROM sales s WHERE s.points_earned > 0 AND NOT EXISTS (SELECT 1 FROM points_ledger p WHERE p.sale = s.rid AND p.kind = 'earn')", [], |r| r.get(0)).unwrap();
    assert_eq!(unledgered, 0, "no sale without its points");
    let (visits, customer_sales): (i64, i64) = conn.query_row("SELECT visits, (SELECT count(*) FROM sales WHERE customer = c.rid) FROM customers c WHERE phone = '01055550001'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(visits, customer_sales, "the visit counter moved with the sale");
    let (count, max_seq): (i64, i64) = conn
        .query_row("SELECT count(*), coalesce(max(seq), 0) FROM outbox", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(count, max_seq, "outbox sequence numbers stay dense");
    (sales, events)
}

#[test]
fn killing_checkout_never_leaves_half_a_sale() {
    let dir = temp_dir("crash");
    let db = dir.join("crash.db");
    let db_s = db.to_str().unwrap();
    // A shop without discount rules, so every checkout passes the gate.
    let products = write(
        &dir,
        "p.csv",
        "sku,name,category,price\nAMR,아메리카노,음료,4500\nSALT,소금빵,베이커리,3200\n".as_bytes(),
    );
    let pin = write(&dir, "pin", DEMO_PIN.as_bytes());
    let _ = run(&["add-customer", "--db", db_s, "--name", "준비", "--phone", "010-5555-0002"]);
    ok(&["set-pin", "--db", db_s, "--new-pin-file", pin.to_str().unwrap()]);
    owner_ok(&["import", "--db", db_s, "products", products.to_str().unwrap()]);
    let customer = json(&["add-customer", "--db", db_s, "--name", "충돌 테스트", "--phone", "010-5555-0001"]);
    let id = customer["id"].as_str().unwrap().to_string();
    let lines: Vec<String> = (0..150)
        .map(|i| format!("{{\"sku\":\"{}\",\"qty\":{}}}", if i % 2 == 0 { "AMR" } else { "SALT" }, 1 + i % 3))
        .collect();
    let cart = write(&dir, "cart.json", format!("{{\"lines\":[{}]}}", lines.join(",")).as_bytes());
    let args = ["checkout", "--db", db_s, "--customer", &id, "--cart", cart.to_str().unwrap(), "--confirm-large"];
    // How long one checkout takes here, to spread the kills over its lifetime.
    let t = Instant::now();
    ok(&args);
    let span = t.elapsed().as_micros().max(2_000) as u64;
    let (mut killed, mut completed) = (0, 0);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..40 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_micros(seed % (span + span / 2));
        let mut child = Command::new(bin())
            .args(args)
            .env("DANGOL_NOW", MORNING)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            completed += 1;
        } else {
            killed += 1;
        }
        check_consistent(&db);
    }
    let (sales, _) = check_consistent(&db);
    assert!(killed > 0, "some checkouts were killed mid-flight");
    assert!(sales > completed, "completed checkouts are durable: {sales} sales, {completed} completed after the first");
    eprintln!("{killed} checkouts killed, {completed} completed, {sales} sales recorded");
}
