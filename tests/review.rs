//! The owner's review through the built `dangol` binary: the demo shop's
//! review names its drifted regular 정우진 with his rhythm, the JSON has
//! the documented shape, a customer's card carries their rhythm, the
//! cashier is refused, a visit-history file with a bad row changes
//! nothing, and the review benchmark reports its figures.

mod common;

use common::*;

fn refusal(out: &std::process::Output) -> (Option<i32>, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("a JSON error: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v["error"].clone())
}

#[test]
fn the_demo_review_names_the_drifted_regular_with_his_rhythm() {
    let dir = temp_dir("review-demo");
    let db = demo_db(&dir, 300);
    let path = db.to_str().unwrap();
    let review = owner_json(&["review", "--db", path, "--limit", "200"]);
    let model = &review["model"];
    for key in ["r", "alpha_days", "a", "b", "log_likelihood"] {
        assert!(model[key].as_f64().is_some_and(f64::is_finite), "model.{key}: {review}");
    }
    assert!(model["customers"].as_u64().unwrap() > 100, "{model}");
    let segments = review["segments"].as_object().unwrap();
    for key in ["regular", "drifting", "pre_regular", "first_visit", "lost", "no_visit"] {
        assert!(segments[key].is_u64(), "segments.{key}: {review}");
    }
    let drifting = review["drifting"].as_array().unwrap();
    let woojin = drifting.iter().find(|d| d["name"] == "정우진").unwrap_or_else(|| panic!("정우진 drifts: {review}"));
    for key in ["id", "visits", "last_visit", "usual_gap_days", "days_since_last", "p_alive", "expected_visits_30d"] {
        assert!(!woojin[key].is_null(), "drifting[].{key}: {woojin}");
    }
    assert_eq!(woojin["segment"], "drifting");
    let gap = woojin["usual_gap_days"].as_f64().unwrap();
    assert!((5.0..=10.0).contains(&gap), "a weekly regular: {woojin}");
    assert!(woojin["days_since_last"].as_i64().unwrap() >= 300, "gone most of a year: {woojin}");
    // In words, in Korean and in English.
    let ko = owner_ok(&["review", "--db", path, "--lang", "ko", "--limit", "200"]);
    assert!(ko.contains("정우진") && ko.contains("보통") && ko.contains("일마다"), "{ko}");
    let en = owner_ok(&["review", "--db", path, "--lang", "en", "--limit", "200"]);
    assert!(en.contains("usually every") && en.contains("days now"), "{en}");

    // His card carries his rhythm; as of a year ago he was a regular.
    let id = woojin["id"].as_str().unwrap();
    let card = json(&["customer", "--db", path, id]);
    let rhythm = &card["rhythm"];
    assert_eq!(rhythm["segment"], "drifting", "{card}");
    for key in ["usual_gap_days", "days_since_last", "p_alive", "expected_visits_30d"] {
        assert!(!rhythm[key].is_null(), "rhythm.{key}: {card}");
    }
    let last = woojin["last_visit"].as_str().unwrap();
    let three_days_on = format!("{}T12:00:00+09:00", chrono_free_add_days(last, 3));
    let then = json(&["customer", "--db", path, id, "--at", &three_days_on]);
    assert_eq!(then["rhythm"]["segment"], "regular", "{then}");

    // The review is the owner's.
    let out = run(&["review", "--db", path, "--json"]);
    let (code, err) = refusal(&out);
    assert_ne!(code, Some(0));
    assert!(err["kind"].as_str().unwrap().contains("owner") || err["kind"] == "owner_pin_invalid", "{err}");
}

#[test]
fn a_visit_history_with_a_bad_row_changes_nothing_and_a_good_one_lands_once() {
    let dir = temp_dir("review-import");
    let db = demo_db(&dir, 50);
    let path = db.to_str().unwrap();
    let before = fingerprint(&db);
    let bad = write(
        &dir,
        "bad.csv",
        "전화번호,날짜,금액,이름\n010-5050-6060,2026-11-01,12000,새손님\n010-5050-6060,2026-13-01,12000,\n".as_bytes(),
    );
    let out = run(&strs(&as_owner(&["import", "--db", path, "visits", bad.to_str().unwrap(), "--json"])));
    let (code, err) = refusal(&out);
    assert_ne!(code, Some(0));
    assert_eq!(err["kind"], "invalid_rows", "{err}");
    let rows = err["rows"].as_array().expect("rows listed");
    assert_eq!(rows.len(), 1, "{err}");
    assert_eq!(rows[0]["line"], 3, "{err}");
    assert_eq!(fingerprint(&db), before, "nothing written");

    let good = write(
        &dir,
        "good.csv",
        "phone,date,total,name\n010-5050-6060,2026-11-01,12000,새손님\n010-5050-6060,2026-11-08,9000,\n".as_bytes(),
    );
    let report = owner_json(&["import", "--db", path, "visits", good.to_str().unwrap()]);
    assert_eq!((report["visits"].as_u64(), report["customers_created"].as_u64()), (Some(2), Some(1)), "{report}");
    let again = owner_json(&["import", "--db", path, "visits", good.to_str().unwrap()]);
    assert_eq!((again["visits"].as_u64(), again["already"].as_u64()), (Some(0), Some(2)), "{again}");
    let found = json(&["lookup", "--db", path, "5050-6060"]);
    assert_eq!(found["hits"][0]["name"], "새손님", "{found}");
}

#[test]
fn the_review_benchmark_reports_both_figures_beside_their_floors() {
    let dir = temp_dir("review-bench");
    let db = demo_db(&dir, 200);
    let report = owner_json(&["bench-review", "--db", db.to_str().unwrap(), "--iterations", "5"]);
    for key in ["open_p50_ms", "open_p99_ms", "floor_p50_ms", "refit_median_s", "refit_floor_s", "peak_rss_mib"] {
        assert!(report[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {report}");
    }
    assert_eq!((report["open_met"].as_bool(), report["refit_met"].as_bool()), (Some(true), Some(true)), "{report}");
}

/// `YYYY-MM-DD` plus `n` days (n small, within the month or the next).
fn chrono_free_add_days(date: &str, n: u32) -> String {
    let (y, m, d): (i32, u32, u32) =
        (date[0..4].parse().unwrap(), date[5..7].parse().unwrap(), date[8..10].parse().unwrap());
    let days_in = |y: i32, m: u32| match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (mut y, mut m, mut d) = (y, m, d + n);
    if d > days_in(y, m) {
        d -= days_in(y, m);
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn the_owners_reports_read_the_demo_shop() {
    let dir = temp_dir("review-reports");
    let db = demo_db(&dir, 300);
    let path = db.to_str().unwrap();
    let missed = owner_json(&["report", "--db", path, "missed", "--weeks", "8"]);
    assert_eq!(missed["weeks"].as_array().unwrap().len(), 8, "{missed}");
    for key in ["from", "to", "month", "this_month", "by_rule", "reasons"] {
        assert!(!missed[key].is_null(), "missed.{key}: {missed}");
    }
    let suggestions = owner_json(&["report", "--db", path, "suggestions"]);
    assert!(suggestions["by_kind"].is_array() && suggestions["weeks"].is_array(), "{suggestions}");
    let voice = owner_json(&["report", "--db", path, "voice", "--weeks", "52"]);
    let open = voice["open"].as_array().unwrap();
    assert!(!open.is_empty(), "the demo has open complaints: {voice}");
    let ages: Vec<i64> = open.iter().map(|o| o["age_days"].as_i64().unwrap()).collect();
    assert!(ages.windows(2).all(|w| w[0] >= w[1]), "oldest first: {ages:?}");
    let trend = owner_json(&["report", "--db", path, "trend", "--weeks", "2"]);
    let days = trend["days"].as_array().unwrap();
    assert!((8..=14).contains(&days.len()), "every day of two weeks: {trend}");
    let sales: u64 = days.iter().map(|d| d["sales"].as_u64().unwrap()).sum();
    let split: u64 = days
        .iter()
        .map(|d| {
            d["new_customers"].as_u64().unwrap() + d["returning"].as_u64().unwrap() + d["walk_ins"].as_u64().unwrap()
        })
        .sum();
    assert!(sales > 0 && sales == split, "every sale is new, returning or a walk-in: {trend}");
    assert!(trend["regulars_revenue"].as_i64().unwrap() <= trend["revenue"].as_i64().unwrap());
    let ko = owner_ok(&["report", "--db", path, "voice", "--lang", "ko"]);
    assert!(ko.contains("미해결 불만") && !ko.contains("service"), "{ko}");
    // The cashier is refused, with nothing shown.
    let out = run(&["report", "--db", path, "missed", "--json"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    // An absurd window is refused before anything is read.
    let out = run(&strs(&as_owner(&["report", "--db", path, "voice", "--weeks", "1000"])));
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}
