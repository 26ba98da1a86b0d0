//! The owner's review against the literature: the CDNOW purchases (the data
//! Fader, Hardie & Lee fitted the BG/NBD model to; tests/data/cdnow) go in
//! through the visit-history import, the shop's model is fitted as of
//! 1997-09-30, the end of the paper's calibration period, and lands within
//! 1–2 % of the paper's parameters. Then the import's refusals, and the
//! review's segments and drifting list on a small shop whose rhythms the
//! test writes itself.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::*;
use dangol_domain::ids::SeededIds;
use dangol_domain::review::rhythm::Segment;
use dangol_store::review::ReviewSort;
use dangol_store::{Store, StoreError};
use std::fmt::Write;

const CDNOW: &str = include_str!("../../../tests/data/cdnow/CDNOW_sample.txt");
const SUMMARY: &str = include_str!("../../../tests/data/cdnow/cdnow_customers_summary.csv");

/// The CDNOW purchases as a visit-history CSV: one phone per customer id
/// (010-10XX-YYYY), the day, and the dollars as won (×1000, whole).
fn cdnow_csv() -> (String, usize) {
    let mut csv = String::from("phone,date,total\n");
    let mut customers = std::collections::BTreeSet::new();
    for line in CDNOW.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let id: u32 = f[0].parse().unwrap();
        let date = f[2];
        let dollars: f64 = f[4].parse().unwrap();
        customers.insert(id);
        writeln!(
            csv,
            "010-{:04}-{:04},{}-{}-{},{}",
            1000 + id / 10_000,
            id % 10_000,
            &date[0..4],
            &date[4..6],
            &date[6..8],
            (dollars * 1000.0).round() as i64
        )
        .unwrap();
    }
    (csv, customers.len())
}

fn fresh(seed: u64) -> (Store, SeededIds, dangol_store::Owner) {
    let mut store = Store::open_in_memory().unwrap();
    let mut ids = SeededIds::new(seed);
    clock(&mut store, at());
    let owner = owner(&mut store, &mut ids);
    (store, ids, owner)
}

#[test]
fn the_cdnow_fit_lands_on_the_papers_parameters() {
    let (mut store, mut ids, owner) = fresh(1);
    let (csv, customers) = cdnow_csv();
    let report = store.import_visits(&owner, csv.as_bytes(), at(), &mut ids, &mut |_, _, _| {}).unwrap();
    assert_eq!((report.visits, report.customers_created), (6_919, 2_357));
    assert_eq!(customers, 2_357);
    // As of the end of 30 September 1997, shop time: later visits ignored.
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let end = seoul.with_ymd_and_hms(1997, 9, 30, 23, 59, 59).unwrap().with_timezone(&Utc);
    let review = store.review(&owner, end, 20, false).unwrap();
    let m = review.model.as_ref().expect("a fit");
    assert_eq!(m.customers, 2_357);
    let paper = [("r", m.r, 0.243), ("alpha (days)", m.alpha_days, 4.414 * 7.0), ("a", m.a, 0.793), ("b", m.b, 2.426)];
    for (name, got, want) in paper {
        let off = (got - want).abs() / want;
        assert!(off <= 0.02, "{name}: {got:.4} vs the paper's {want:.4} ({:.2} % off); {m:?}", off * 100.0);
    }
    // The likelihood too: in days it is the paper's (in weeks) less
    // ln 7 for every repeat purchase day (each one's density is in days),
    // the repeats counted from the published summary at 1997-09-30.
    let repeats: f64 = SUMMARY.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap()).sum();
    let in_weeks = m.log_likelihood + repeats * 7f64.ln();
    assert!(
        (in_weeks - -9582.4).abs() < 0.5,
        "LL {} in days is {in_weeks:.2} in weeks, the paper's −9582.4",
        m.log_likelihood
    );
    eprintln!("CDNOW fit: {m:?}, LL in weeks {in_weeks:.2}");
    assert_eq!(review.segments.values().sum::<u64>(), 2_357, "{:?}", review.segments);
    // The same file again adds nothing.
    let again = store.import_visits(&owner, csv.as_bytes(), at(), &mut ids, &mut |_, _, _| {}).unwrap();
    assert_eq!((again.visits, again.already, again.customers_created), (0, 6_919, 0));
}

#[test]
fn a_bad_visit_file_is_refused_row_by_row_and_changes_nothing() {
    let (mut store, mut ids, owner) = shop_with_owner(2);
    let before = store.state_digest().unwrap();
    let csv = "전화번호,날짜,금액,품목\n\
               010-1234-5678,2026-11-01,5000,AMR\n\
               010-12,2026-11-01,5000,\n\
               010-1234-5678,2026/11/01,5000,\n\
               010-1234-5678,2026-11-01,-5,\n\
               010-1234-5678,2099-01-01,5000,\n\
               010-1234-5678,2026-11-01,5000,NOPE*2\n\
               010-1234-5678,2026-11-01,12.5,\n";
    let err = store.import_visits(&owner, csv.as_bytes(), at(), &mut ids, &mut |_, _, _| {}).unwrap_err();
    let StoreError::InvalidRows { errors, .. } = &err else { panic!("{err:?}") };
    let got: Vec<(u64, Option<&str>, &str)> =
        errors.iter().map(|e| (e.line, e.column.as_deref(), e.kind.as_str())).collect();
    assert_eq!(
        got,
        [
            (3, Some("phone"), "invalid_phone"),
            (4, Some("date"), "format"),
            (5, Some("total"), "format"),
            (6, Some("date"), "future"),
            (7, Some("items"), "unknown"),
            (8, Some("total"), "format"),
        ],
        "{err:?}"
    );
    assert_eq!(store.state_digest().unwrap(), before, "nothing written");
    let ko = err.message(dangol_domain::i18n::Lang::Ko);
    assert!(ko.starts_with("방문 기록 파일에 잘못된 줄이 6개") && ko.contains("번째 줄 (날짜)"), "{ko}");
    let missing =
        store.import_visits(&owner, "phone,total\n010-1234-5678,5000\n".as_bytes(), at(), &mut ids, &mut |_, _, _| {});
    assert!(matches!(missing, Err(StoreError::InvalidRows { .. })), "{missing:?}");
    assert_eq!(store.state_digest().unwrap(), before, "nothing written");
}

/// A small shop whose rhythms the test writes: a daily regular gone five
/// days is drifting, a monthly one gone 25 days is not; imported visits
/// earn nothing; the drifting list says their rhythm.
#[test]
fn each_regular_is_judged_against_their_own_rhythm() {
    let (mut store, mut ids, owner) = shop_with_owner(3);
    let today = at();
    let day = |n: i64| (today - chrono::Duration::days(n)).format("%Y-%m-%d").to_string();
    let mut csv = String::from("phone,date,total,name,items\n");
    // Daily for 60 days, until 5 days ago.
    for n in 5..65 {
        writeln!(csv, "010-1111-0001,{},4500,매일손님,AMR", day(n)).unwrap();
    }
    // Monthly for a year, last 25 days ago.
    for n in 0..12 {
        writeln!(csv, "010-2222-0002,{},30000,매달손님,", day(25 + 30 * n)).unwrap();
    }
    // Weekly, last visit two days ago.
    for n in 0..20 {
        writeln!(csv, "010-3333-0003,{},9000,매주손님,", day(2 + 7 * n)).unwrap();
    }
    // Once, last week; and a first visit today, imported before noon.
    writeln!(csv, "010-4444-0004,{},3000,,", day(7)).unwrap();
    writeln!(csv, "010-5555-0005,{},3000,,", day(0)).unwrap();
    let report = store.import_visits(&owner, csv.as_bytes(), today, &mut ids, &mut |_, _, _| {}).unwrap();
    assert_eq!((report.visits, report.customers_created), (60 + 12 + 20 + 2, 5));
    let review = store.review(&owner, today, 10, false).unwrap();
    let daily = review.drifting.iter().find(|d| d.name == "매일손님").expect("the daily regular is drifting");
    assert_eq!((daily.usual_gap_days, daily.days_since_last, daily.visits), (Some(1.0), Some(5), 60));
    // Their last year in 4-week spans, oldest first (the last ends today):
    // came daily from 64 to 5 days ago.
    assert_eq!(daily.visits_by_span, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 28, 23]);
    assert!(review.drifting.iter().all(|d| d.name != "매달손님" && d.name != "매주손님"), "{:?}", review.drifting);
    let seg = |k: Segment| review.segments[k.key()];
    assert_eq!(seg(Segment::Drifting), 1, "{:?}", review.segments);
    assert_eq!(seg(Segment::FirstVisit), 2);
    // Imported visits earn no points.
    for who in ["010-1111-0001", "010-2222-0002"] {
        let id = store.lookup(who, 1, &dangol_store::Viewer::Cashier).unwrap().hits[0].id;
        let card = store.profile(id, today, &dangol_store::Viewer::Cashier).unwrap();
        assert_eq!(card.points, 0, "{who}");
        let r = store.customer_rhythm(id, today).unwrap();
        assert!(r.p_alive.is_some(), "{r:?}");
    }
    let monthly = store.lookup("010-2222-0002", 1, &dangol_store::Viewer::Cashier).unwrap().hits[0].id;
    let r = store.customer_rhythm(monthly, today).unwrap();
    assert_eq!((r.usual_gap_days, r.days_since_last, r.segment), (Some(30.0), Some(25), Segment::Regular));
    // The counter's card says the same "usual" as the review.
    for (phone, gap) in [("010-2222-0002", 30), ("010-3333-0003", 7), ("010-1111-0001", 1)] {
        let id = store.lookup(phone, 1, &dangol_store::Viewer::Cashier).unwrap().hits[0].id;
        let card = store.profile(id, today, &dangol_store::Viewer::Cashier).unwrap();
        let rhythm = store.customer_rhythm(id, today).unwrap();
        assert_eq!(card.usual_interval_days, Some(gap), "{phone}");
        assert_eq!(rhythm.usual_gap_days, Some(gap as f64), "{phone}");
    }
    // A segment's list, sorted as asked; its export holds only those who
    // said yes to marketing, and says who was left out.
    let regulars = store.review_segment(&owner, today, Segment::Regular, ReviewSort::MostVisits, 10).unwrap();
    let names: Vec<&str> = regulars.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!((regulars.total, names), (2, vec!["매주손님", "매달손님"]));
    // Weekly from 135 to 2 days ago: four visits in each of the last five spans.
    assert_eq!(regulars.rows[0].visits_by_span, [0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4]);
    let monthly_spans: u32 = regulars.rows[1].visits_by_span.iter().sum();
    assert_eq!(monthly_spans, 12, "monthly for a year: all twelve within the 364 days");
    for (phone, yes) in [("010-3333-0003", true), ("010-2222-0002", false)] {
        let id = store.lookup(phone, 1, &dangol_store::Viewer::Cashier).unwrap().hits[0].id;
        let patch = dangol_domain::customer::CustomerPatch { marketing_consent: Some(yes), ..Default::default() };
        store.edit_customer(id, patch, &dangol_store::Viewer::Cashier, today, &mut ids).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("dangol-review-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("regulars.csv");
    let export = store.export_segment(&owner, today, Segment::Regular, &file, &mut ids).unwrap();
    assert_eq!((export.exported, export.left_out_refused, export.left_out_not_asked), (1, 1, 0));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("매주손님") && text.contains("010-3333-0003") && !text.contains("매달손님"), "{text}");
    let drifting = store.export_segment(&owner, today, Segment::Drifting, &file, &mut ids).unwrap();
    assert_eq!((drifting.exported, drifting.left_out_not_asked), (0, 1), "never asked: left out");
    let _ = std::fs::remove_dir_all(&dir);
    // As of 30 days earlier, the visits since are ignored.
    let earlier: DateTime<Utc> = today - chrono::Duration::days(30);
    let then = store.customer_rhythm(monthly, earlier).unwrap();
    assert_eq!((then.visit_days, then.days_since_last), (11, Some(25)));
}

fn shop_with_owner(seed: u64) -> (Store, SeededIds, dangol_store::Owner) {
    let (mut store, mut ids) = shop_seeded(&[], seed);
    let owner = owner(&mut store, &mut ids);
    (store, ids, owner)
}

/// Imported visits travel like sales: a second counter holds the same
/// customers, visits and rhythms, and importing the file there too adds
/// nothing.
#[test]
fn imported_visits_reach_the_other_counters_once() {
    use dangol_hub::{EventLog, SqliteLog};
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut cs: Vec<Counter> = (0..2).map(|i| counter(40 + i)).collect();
    let sync = |c: &mut Counter, hub: &mut SqliteLog| {
        let device = c.store.device();
        let out: Vec<_> = c.store.sync_outgoing(10_000).unwrap().into_iter().map(to_hub).collect();
        if !out.is_empty() {
            let ack = hub.push(device, &out).unwrap();
            c.store.sync_acked(ack.acked_seq).unwrap();
        }
        let after = c.store.sync_status().unwrap().pulled_pos;
        let page: Vec<_> = hub.pull(after, 10_000, Some(device)).unwrap().into_iter().map(from_hub).collect();
        c.store.sync_apply(&page).unwrap();
    };
    let csv = "phone,date,total,name,items\n\
               010-7000-0001,2026-10-01,4500,김단골,AMR*2\n\
               010-7000-0001,2026-10-08,4500,,AMR\n\
               010-7000-0002,2026-11-20T08:30:00+09:00,12000,,\n";
    let a = &mut cs[0];
    let owner = a.owner.clone();
    let r = a.store.import_visits(&owner, csv.as_bytes(), at(), &mut a.ids, &mut |_, _, _| {}).unwrap();
    assert_eq!((r.visits, r.customers_created), (3, 2));
    for k in [0, 1, 0] {
        sync(&mut cs[k], &mut hub);
    }
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
    let b = &mut cs[1];
    let owner = b.owner.clone();
    let again = b.store.import_visits(&owner, csv.as_bytes(), at(), &mut b.ids, &mut |_, _, _| {}).unwrap();
    assert_eq!((again.visits, again.already, again.customers_created), (0, 3, 0));
    let id = b.store.lookup("010-7000-0001", 1, &dangol_store::Viewer::Cashier).unwrap().hits[0].id;
    let rhythm = b.store.customer_rhythm(id, at()).unwrap();
    assert_eq!((rhythm.visit_days, rhythm.usual_gap_days), (2, Some(7.0)));
    let card = b.store.profile(id, at(), &dangol_store::Viewer::Cashier).unwrap();
    assert_eq!((card.name.as_str(), card.points), ("김단골", 0));
}
