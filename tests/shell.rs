//! The command line as a product, tested with the built binary: a closed
//! output is not a failure, readers work beside the writer, an export never
//! lands on the database, argument errors speak JSON and Korean, and
//! `invalid_rows` carries its rows as data.

mod common;

use common::*;
use std::process::{Command, Stdio};

/// Runs `dangol` with its standard output already closed at the other end,
/// as `dangol … | true` does once `true` has exited.
fn run_into_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut all = args.to_vec();
    let pin = pin_file(DEMO_PIN);
    if args.contains(&"export") {
        all.extend(["--pin-file", &pin]);
    }
    Command::new(bin())
        .args(&all)
        .env("LANG", "en_US.UTF-8")
        .env("DANGOL_NOW", MORNING)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("run dangol")
}

fn a_customer(db: &str) -> (String, String) {
    let found = json(&["lookup", "--db", db, "1004"]);
    let hit = &found["hits"][0];
    (hit["id"].as_str().unwrap().to_string(), hit["name"].as_str().unwrap().to_string())
}

#[test]
fn a_closed_output_is_not_a_failure_and_a_sale_is_still_recorded_once() {
    let dir = temp_dir("closed-pipe");
    let db = demo_db(&dir, 60);
    let db = db.to_str().unwrap();
    let (id, _) = a_customer(db);
    let cart = write(&dir, "cart.json", br#"{"lines":[{"sku":"SALT","qty":1}]}"#);
    let cart = cart.to_str().unwrap();
    let preview = preview_json(db, &id, cart, MORNING);
    let args = checkout_args(db, &id, cart, MORNING, &preview, &[], &["--json"]);
    let visit = args[args.iter().position(|a| a == "--visit").unwrap() + 1].clone();
    let before = fingerprint(std::path::Path::new(db));
    let out = run_into_closed_pipe(&strs(&args));
    assert_eq!(out.status.code(), Some(0), "committed, so it says so: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let after = fingerprint(std::path::Path::new(db));
    assert_ne!(before, after, "the sale was recorded");
    let again: serde_json::Value = serde_json::from_str(&ok(&strs(&args))).unwrap();
    assert_eq!((again["replayed"].as_bool(), again["sale_id"].as_str()), (Some(true), Some(visit.as_str())));
    assert_eq!(fingerprint(std::path::Path::new(db)), after, "a retry records nothing more");

    let csv = dir.join("out.csv");
    for args in [
        vec!["lookup", "--db", db, "1004", "--json"],
        vec!["lookup", "--db", db, "1004"],
        vec!["rules", "--db", db],
        vec!["customer", "--db", db, &id],
        vec!["export", "--db", db, "customers", csv.to_str().unwrap()],
    ] {
        let out = run_into_closed_pipe(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(csv.exists(), "the export happened although nobody read its message");
}

#[test]
fn readers_work_beside_the_counter_and_writers_wait() {
    let dir = temp_dir("readers");
    let db = demo_db(&dir, 60);
    let path = db.to_str().unwrap();
    let (id, _) = a_customer(path);
    let cart = write(&dir, "cart.json", br#"{"lines":[{"sku":"SALT","qty":1}]}"#);
    let lock =
        std::fs::File::options().create(true).truncate(false).write(true).open(dir.join("demo.db.lock")).unwrap();
    lock.try_lock().expect("the counter window holds the instance lock");
    let csv = dir.join("customers.csv");
    for args in [
        vec!["lookup", "--db", path, "1004"],
        vec!["customer", "--db", path, &id],
        vec!["preview", "--db", path, "--customer", &id, "--cart", cart.to_str().unwrap()],
        vec!["rules", "--db", path],
    ] {
        ok(&args);
    }
    owner_ok(&["export", "--db", path, "customers", csv.to_str().unwrap()]);
    owner_ok(&["audit", "--db", path]);
    assert!(std::fs::read_to_string(&csv).unwrap().lines().count() > 60, "the owner exported while the counter ran");
    let before = fingerprint(&db);
    for args in [
        vec!["add-customer", "--db", path, "--name", "새 손님", "--phone", "010-7000-0001"],
        vec!["checkout", "--db", path, "--customer", &id, "--cart", cart.to_str().unwrap(), "--apply", "senior-65"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(5), "{args:?}: writers stay exclusive");
    }
    let after = fingerprint(&db);
    let changed: Vec<_> = before.iter().zip(&after).filter(|(a, b)| a != b).collect();
    assert!(
        changed
            .iter()
            .all(|((t, _), _)| t == "audit_log" || t == "outbox" || t == "outbox.max_seq" || t == "prompt_log"),
        "reading left only its records (the export's audit entry, prompts shown): {changed:?}"
    );
    drop(lock);
}

#[test]
fn an_export_never_overwrites_the_database_or_its_files() {
    let dir = temp_dir("export-onto-db");
    let db = demo_db(&dir, 30);
    let path = db.to_str().unwrap();
    let bytes = std::fs::read(&db).unwrap();
    for target in [path.to_string(), format!("{path}-wal"), format!("{path}-shm"), format!("{path}.lock")] {
        let out = run(&strs(&as_owner(&["export", "--db", path, "customers", &target])));
        assert_eq!(out.status.code(), Some(2), "{target}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("database"), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the database is untouched");
    ok(&["lookup", "--db", path, "1004"]);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn argument_errors_follow_json_and_lang() {
    let out = run(&["lookup", "--db", "x.db", "--json", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stderr).expect("a JSON error even for bad arguments");
    assert_eq!(body["error"]["kind"], "usage");
    assert!(body["error"]["message"].as_str().unwrap().contains("--bogus"), "{body}");

    let out = run(&["lookup", "--json", "--lang", "ko", "1004"]);
    let body: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("필요한 인자가 빠졌습니다") && message.contains("--db"), "{message}");

    let out = run(&["lookup", "--db", "x.db", "--lang", "ko", "--bogus"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.starts_with("오류: 알 수 없는 옵션 --bogus"), "{text}");

    // A value never comes back whole, and bytes that are not UTF-8 are not a crash.
    let huge = "x".repeat(100_000);
    let out = run(&["lookup", "--db", "x.db", "--json", &format!("--{huge}")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.len() < 2_000, "{} bytes", out.stderr.len());
    {
        use std::os::unix::ffi::OsStrExt;
        let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe1004");
        let out =
            Command::new(bin()).args(["lookup", "--db", "x.db"]).arg(bad).env("LANG", "en_US.UTF-8").output().unwrap();
        assert_ne!(out.status.code(), Some(101), "no panic: {}", String::from_utf8_lossy(&out.stderr));
    }

    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0), "help is not an error");
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
}

#[test]
fn a_bad_lang_is_refused_before_anything_is_written() {
    let dir = temp_dir("bad-lang");
    let db = demo_db(&dir, 30);
    let before = fingerprint(&db);
    let out = run(&[
        "add-customer",
        "--db",
        db.to_str().unwrap(),
        "--name",
        "새 손님",
        "--phone",
        "010-7000-0002",
        "--lang",
        "fr",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fingerprint(&db), before, "the command did not run");
}

#[test]
fn messages_follow_lang_and_the_korean_ones_are_korean() {
    let dir = temp_dir("lang");
    let db = demo_db(&dir, 30);
    let path = db.to_str().unwrap();
    let ko = run(&["lookup", "--db", path, "--lang", "ko", "02-1234-5678"]);
    let text = String::from_utf8_lossy(&ko.stderr).to_string();
    assert_eq!(ko.status.code(), Some(2));
    assert!(text.contains("휴대폰 번호가 아닙니다"), "{text}");
    let english: Vec<&str> = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 2).collect();
    assert!(english.is_empty(), "no English words in Korean: {english:?} in {text}");
    let en = run(&["lookup", "--db", path, "--lang", "en", "02-1234-5678"]);
    assert!(String::from_utf8_lossy(&en.stderr).contains("not a mobile number"));
    let missing = run(&["customer", "--db", path, "--lang", "ko", "00000000-0000-7000-8000-000000000001"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("찾을 수 없습니다"));
}

#[test]
fn invalid_rows_are_data_with_line_column_and_kind() {
    let dir = temp_dir("rows");
    let db = demo_db(&dir, 30);
    let path = db.to_str().unwrap();
    let csv = write(
        &dir,
        "bad.csv",
        "이름,전화번호,생년월일\r\n김민수,010-1234-5678,1990/01/01\r\n박정호,02-123-4567,\r\n".as_bytes(),
    );
    let out = run(&strs(&as_owner(&["import", "--db", path, "customers", csv.to_str().unwrap(), "--json"])));
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON");
    let rows = body["error"]["rows"].as_array().expect("rows as data");
    let got: Vec<(u64, &str, &str)> = rows
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["column"].as_str().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [(2, "birth_date", "invalid_field"), (3, "phone", "invalid_phone")]);
    assert!(rows[0]["message"]["ko"].as_str().unwrap().contains("YYYY-MM-DD"));

    // A 2 GB file is refused by its size, before a byte is read (sparse: it
    // takes no disk).
    let huge = dir.join("huge.csv");
    std::fs::File::create(&huge).unwrap().set_len(2 * 1024 * 1024 * 1024).unwrap();
    let started = std::time::Instant::now();
    let out = run(&strs(&as_owner(&["import", "--db", path, "customers", huge.to_str().unwrap(), "--json"])));
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON");
    assert_eq!(body["error"]["rows"][0]["kind"], "too_large", "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused without reading it");
}

#[test]
fn a_phone_number_is_found_however_it_is_said() {
    let dir = temp_dir("spoken");
    let db = demo_db(&dir, 60);
    let path = db.to_str().unwrap();
    let (id, _) = a_customer(path);
    let phone = json(&["lookup", "--db", path, "1004", "--role", "owner", "--pin-file", &pin_file(DEMO_PIN)])["hits"]
        [0]["phone"]
        .as_str()
        .unwrap()
        .to_string();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let (mid, last) = (&digits[3..7], &digits[7..]);
    for spoken in
        [format!("{mid}-{last}"), format!("{mid} {last}"), format!("10-{mid}-{last}"), format!("+82 10 {mid} {last}")]
    {
        let hits = json(&["lookup", "--db", path, &spoken]);
        assert_eq!(hits["hits"][0]["id"].as_str(), Some(id.as_str()), "{spoken:?}");
    }
}
