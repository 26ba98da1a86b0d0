//! The owner's reports, checked against what the test itself did at the
//! counter: a senior who paid full price (the seed story) shows as this
//! month's missed saving with the cashier's reason; suggestions accepted
//! and dismissed are counted by kind with the reasons; the voice of customer
//! lists the open complaint oldest first with its age, and the resolved one
//! with its time to resolve; the day-by-day trend counts the two sales as
//! first visits. Only the owner reads them (an `Owner` is
//! required by type).

mod common;

use common::*;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::gate::Decision;
use dangol_store::{PromptAction, Store};

#[test]
fn the_reports_count_what_happened_at_the_counter() {
    let (mut store, mut ids) = shop(&["senior-65"]);
    let owner = owner(&mut store, &mut ids);
    let senior = add(&mut store, &mut ids, "김영자", "010-2222-3333", Some("1954-03-01"), None);
    let other = add(&mut store, &mut ids, "박정호", "010-4444-5555", Some("1952-06-01"), None);
    // Two seniors paid full price this month, each with the cashier's reason.
    for (who, at) in [(senior, at() - days(2)), (other, at())] {
        clock(&mut store, at);
        let decision = Decision { apply: vec![], dismiss: vec![("senior-65".into(), "손님이 사양함".into())] };
        store.checkout(&checkout_req(who, &[("BREAD", 1), ("SALT", 1)], decision, at), None, &mut ids).unwrap();
    }
    clock(&mut store, at());
    let missed = store.missed_report(&owner, at(), 4).unwrap();
    assert_eq!(missed.this_month.len(), 1, "{missed:?}");
    let m = &missed.this_month[0];
    assert_eq!((m.rule_id.as_str(), m.count, m.customers, m.saving), ("senior-65", 2, 2, 1_600));
    assert_eq!((m.name_ko.as_str(), m.name_en.as_str()), ("경로 우대 10%", "Senior 65+ 10%"));
    assert_eq!(missed.weeks.len(), 4, "every week of the window, none left out");
    assert_eq!(missed.weeks.iter().map(|w| w.saving).sum::<i64>(), 1_600);
    assert_eq!(missed.reasons[0].reason, "손님이 사양함");
    assert!(missed.near_misses.is_empty(), "{:?}", missed.near_misses);

    // Visits and sales by day: today's sale is a first visit, the earlier
    // one too (neither had come before), no walk-ins, no regulars yet.
    let t = store.trend_report(&owner, at(), 2).unwrap();
    assert_eq!(t.days.len() as i64, (t.to - t.from).num_days() + 1, "every day of the window");
    let sales: u64 = t.days.iter().map(|d| d.sales).sum();
    let new: u64 = t.days.iter().map(|d| d.new_customers).sum();
    assert_eq!((sales, new, t.regulars_revenue), (2, 2, 0), "{t:?}");
    assert_eq!(t.revenue, 2 * 8_000);

    // Suggestions: one accepted, one dismissed with a reason (plus the
    // two discount dismissals the checkouts recorded).
    store.record_prompt(senior, "usual_item:SALT", PromptAction::Accepted, None, at(), &mut ids).unwrap();
    store
        .record_prompt(other, "usual_item:BREAD", PromptAction::Dismissed, Some("오늘은 됐어요"), at(), &mut ids)
        .unwrap();
    let s = store.suggestion_report(&owner, at(), 4).unwrap();
    let kind = |k: &str| s.by_kind.iter().find(|x| x.kind == k).cloned();
    let usual = kind("usual_item").expect("usual items counted");
    assert_eq!((usual.accepted, usual.dismissed), (1, 1), "{s:?}");
    assert_eq!(kind("discount").map(|d| d.dismissed), Some(2), "{s:?}");
    assert!(s.reasons.iter().any(|r| r.reason == "오늘은 됐어요"), "{s:?}");

    // Voice: an old complaint still open, one resolved in two days, a compliment.
    let old = at() - days(10);
    clock(&mut store, old);
    store.add_feedback(senior, FeedbackKind::Complaint, "맛", "빵이 딱딱했어요", old, &mut ids).unwrap();
    let fixed = store.add_feedback(other, FeedbackKind::Complaint, "서비스", "계산이 늦었어요", old, &mut ids).unwrap();
    clock(&mut store, old + days(2));
    store.resolve_feedback(fixed.id, "사과드리고 쿠폰 드림", old + days(2), &mut ids).unwrap();
    clock(&mut store, at());
    store.add_feedback(other, FeedbackKind::Compliment, "맛", "소금빵 최고", at(), &mut ids).unwrap();
    let v = store.voice_report(&owner, at(), 4).unwrap();
    assert_eq!(v.open.len(), 1, "{v:?}");
    assert_eq!((v.open[0].name.as_str(), v.open[0].age_days), ("김영자", 10));
    assert_eq!((v.resolved, v.median_days_to_resolve), (1, Some(2.0)));
    assert_eq!((v.complaints, v.compliments), (2, 1));
    assert!(v.by_month.iter().any(|m| m.category == "맛" && m.complaints == 1 && m.compliments == 1), "{v:?}");
}

/// A sale just short of a least spend is a near miss of that rule, with the
/// won it was short, at this counter and, through the sale's event, at
/// another.
#[test]
fn near_misses_are_kept_with_the_sale_and_counted_by_rule() {
    let rule: dangol_domain::rules::DiscountRule = serde_json::from_value(serde_json::json!({
        "id": "spend-10000", "name": "만 원 이상 1,000원 할인", "name_en": "₩1,000 off ₩10,000",
        "benefit": {"type": "amount_off", "amount": 1000},
        "conditions": [{"type": "min_spend", "amount": 10000}]
    }))
    .unwrap();
    let (mut store, mut ids) = shop(&[]);
    let owner = owner(&mut store, &mut ids);
    store.upsert_rule(&owner, &rule, at(), &mut ids).unwrap();
    let a = add(&mut store, &mut ids, "김영자", "010-2222-3333", None, None);
    let b = add(&mut store, &mut ids, "박정호", "010-4444-5555", None, None);
    // ₩9,600 and ₩8,000: ₩400 and ₩2,000 short; then ₩12,800 gets it.
    checkout(&mut store, &mut ids, a, &[("BREAD", 2)], &[], at() - days(3));
    checkout(&mut store, &mut ids, b, &[("BREAD", 1), ("SALT", 1)], &[], at() - days(2));
    checkout(&mut store, &mut ids, b, &[("SALT", 4)], &["spend-10000"], at() - days(1));
    clock(&mut store, at());
    let missed = store.missed_report(&owner, at(), 4).unwrap();
    assert_eq!(missed.near_misses.len(), 1, "{:?}", missed.near_misses);
    let n = &missed.near_misses[0];
    assert_eq!((n.rule_id.as_str(), n.count, n.customers), ("spend-10000", 2, 2));
    assert_eq!((n.name_ko.as_str(), n.name_en.as_str()), ("만 원 이상 1,000원 할인", "₩1,000 off ₩10,000"));
    assert_eq!(n.reasons.iter().map(|r| (r.reason.as_str(), r.count)).collect::<Vec<_>>(), [("spend_short", 2)]);
    assert_eq!(n.median_short, Some(400), "the lower median of ₩400 and ₩2,000");
    assert!(missed.by_rule.is_empty(), "a near miss is not a missed discount");
    // Another counter learns them from the sales' events.
    let mut other = Store::open_in_memory().unwrap();
    other.sync_identity("http://hub.test", || "t".repeat(40)).unwrap();
    other.sync_joined(0).unwrap();
    let events: Vec<dangol_store::sync::IncomingEvent> = store
        .sync_outgoing(10_000)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, e)| dangol_store::sync::IncomingEvent {
            pos: i as i64 + 1,
            device: uuid::Uuid::from_u128(7),
            seq: e.seq,
            event_id: e.event_id,
            at_ms: e.at_ms,
            kind: e.kind,
            schema_version: e.schema_version,
            payload: e.payload,
        })
        .collect();
    other.sync_apply(&events).unwrap();
    let mut ids2 = dangol_domain::ids::SeededIds::new(99);
    let owner2 = other.authenticate_owner(PIN, &mut ids2).unwrap();
    let theirs = other.missed_report(&owner2, at(), 4).unwrap();
    assert_eq!(theirs.near_misses, missed.near_misses);
}
