//! Voice of the customer and the prompt log: an open complaint is followed up
//! at the next visit until resolved; a dismissed prompt skips the next visit
//! and then returns; "shown" is logged once per prompt per shop day.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use dangol_domain::customer::CustomerInput;
use dangol_domain::feedback::FeedbackKind;
use dangol_domain::ids::SeededIds;
use dangol_store::PromptAction;
use dangol_store::{Store, Viewer};
use uuid::Uuid;

fn keys(store: &Store, who: Uuid, when: DateTime<Utc>) -> Vec<String> {
    preview(store, who, &[("SALT", 1)], when).suggestions.into_iter().map(|s| s.key).collect()
}

#[test]
fn an_open_complaint_is_followed_up_until_it_is_resolved() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    clock(&mut store, at() - days(2));
    let complaint = store
        .add_feedback(who, FeedbackKind::Complaint, "맛", "  커피가 식어서 나왔어요 ", at() - days(2), &mut ids)
        .unwrap();
    store.add_feedback(who, FeedbackKind::Compliment, "서비스", "친절해요", at() - days(2), &mut ids).unwrap();
    store
        .add_feedback(who, FeedbackKind::Request, "메뉴", "디카페인 원두 들여 주세요", at() - days(2), &mut ids)
        .unwrap();
    assert_eq!((complaint.status.as_str(), complaint.text.as_str()), ("open", "커피가 식어서 나왔어요"));
    clock(&mut store, at());

    let p = store.profile(who, at(), &Viewer::Cashier).unwrap();
    let open: Vec<&str> = p.open_complaints.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(
        open,
        vec!["커피가 식어서 나왔어요"],
        "only the complaint is an open complaint; the compliment is closed and the request is not a complaint"
    );
    assert_eq!(p.recent_feedback.len(), 3, "all three are in the recent feedback");

    let view = preview(&store, who, &[("SALT", 1)], at());
    let top = &view.suggestions[0];
    assert_eq!(
        top.kind, "follow_up",
        "with no discount owed, the complaint is the first thing to mention: {:?}",
        view.suggestions
    );
    assert_eq!(top.key, format!("follow_up:{}", complaint.id));
    assert!(top.text.contains("커피가 식어서 나왔어요"), "the prompt quotes the complaint: {}", top.text);
    assert!(top.reason.contains("2 days ago"), "and says when it was logged: {}", top.reason);

    let (_, seq) = store.outbox_stats().unwrap();
    let resolved = store.resolve_feedback(complaint.id, "새로 내려 드리고 사과함", at(), &mut ids).unwrap();
    assert_eq!(
        (resolved.status.as_str(), resolved.resolution.as_deref()),
        ("resolved", Some("새로 내려 드리고 사과함"))
    );
    let kinds: Vec<String> = store.outbox_after(seq, 10).unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec!["feedback.resolved"]);

    let p = store.profile(who, at(), &Viewer::Cashier).unwrap();
    assert!(p.open_complaints.is_empty(), "a resolved complaint is no longer open");
    assert!(
        p.recent_feedback.iter().any(|f| f.id == complaint.id && f.status == "resolved"),
        "but it stays in the history"
    );
    assert!(
        preview(&store, who, &[("SALT", 1)], at() + minutes(1)).suggestions.iter().all(|s| s.kind != "follow_up"),
        "and is not followed up again"
    );

    let again =
        store.resolve_feedback(complaint.id, "두 번째", at(), &mut ids).expect_err("resolving twice is an error");
    assert_eq!(again.kind(), "bad_input");
    assert!(again.to_string().contains("already resolved"), "{again}");
}

#[test]
fn feedback_input_errors_are_clear() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    let before = counts(&store);
    let long = "가".repeat(700);
    let cases: [(Uuid, &str, &str, &str, &str); 4] = [
        (Uuid::from_u128(1), "맛", "식었어요", "not_found", "an unknown customer"),
        (who, "맛", "   ", "invalid_field", "blank text"),
        (who, "", "식었어요", "invalid_field", "blank category"),
        (who, "맛", &long, "invalid_field", "2,100 bytes of text"),
    ];
    for (customer, category, text, kind, why) in cases {
        let err = store
            .add_feedback(customer, FeedbackKind::Complaint, category, text, at(), &mut ids)
            .err()
            .unwrap_or_else(|| panic!("{why}: must fail"));
        assert_eq!(err.kind(), kind, "{why}: {err}");
        assert_eq!(counts(&store), before, "{why}: nothing is written");
    }
    let err = store.resolve_feedback(Uuid::from_u128(2), "done", at(), &mut ids).unwrap_err();
    assert_eq!(err.kind(), "not_found", "{err}");
}

/// A customer with a preferred form of address and no recorded consent: two
/// low-stakes prompts at every visit.
fn regular(store: &mut Store, ids: &mut SeededIds) -> Uuid {
    clock(store, at() - days(90));
    let id = store
        .add_customer(
            CustomerInput { preferred_name: Some("김 선생님".into()), ..input("김영희", "010-8080-1212") },
            &Viewer::Cashier,
            at() - days(90),
            ids,
        )
        .unwrap()
        .id;
    clock(store, at());
    id
}

#[test]
fn a_dismissed_prompt_skips_the_next_visit_and_comes_back_at_the_one_after() {
    let (mut store, mut ids) = shop(&[]);
    let who = regular(&mut store, &mut ids);
    let name_key = "preferred_name:name".to_string();
    let consent_key = "consent:marketing".to_string();

    // Visit 1: the cashier dismisses the preferred-name prompt.
    let v1 = at();
    assert!(keys(&store, who, v1).contains(&name_key), "offered at first");
    store
        .record_prompt(who, &name_key, PromptAction::Dismissed, Some("손님이 이름으로 불러 달라고 하심"), v1, &mut ids)
        .unwrap();
    let now = keys(&store, who, v1 + minutes(1));
    assert!(!now.contains(&name_key), "not repeated during the visit it was dismissed in: {now:?}");
    assert!(now.contains(&consent_key), "other prompts are unaffected: {now:?}");
    checkout(&mut store, &mut ids, who, &[("SALT", 1)], &[], v1 + minutes(2));

    // Visit 2, a week later: still quiet.
    let v2 = at() + days(7);
    clock(&mut store, v2);
    let next = keys(&store, who, v2);
    assert!(!next.contains(&name_key), "not suggested at the next visit: {next:?}");
    assert!(next.contains(&consent_key), "{next:?}");
    checkout(&mut store, &mut ids, who, &[("SALT", 1)], &[], v2 + minutes(2));

    // Visit 3: it comes back.
    let third = keys(&store, who, at() + days(14));
    assert!(third.contains(&name_key), "back at the visit after next: {third:?}");

    let reason: String = store
        .connection()
        .query_row("SELECT reason FROM prompt_log WHERE key = ?1 AND action = 'dismissed'", [&name_key], |r| r.get(0))
        .unwrap();
    assert_eq!(reason, "손님이 이름으로 불러 달라고 하심", "the reason is kept");
}

struct PromptCase {
    customer: Option<Uuid>,
    key: &'static str,
    action: PromptAction,
    reason: Option<&'static str>,
    kind: &'static str,
    fragment: &'static str,
}

#[test]
fn recording_a_prompt_needs_a_known_key_and_a_reason_to_dismiss() {
    let (mut store, mut ids) = shop(&[]);
    let who = regular(&mut store, &mut ids);
    let before = counts(&store);
    let cases = [
        PromptCase {
            customer: None,
            key: "hello",
            action: PromptAction::Accepted,
            reason: None,
            kind: "bad_input",
            fragment: "is not a suggestion key",
        },
        PromptCase {
            customer: None,
            key: "teleport:now",
            action: PromptAction::Accepted,
            reason: None,
            kind: "bad_input",
            fragment: "is not a suggestion key",
        },
        PromptCase {
            customer: None,
            key: "consent:marketing",
            action: PromptAction::Dismissed,
            reason: None,
            kind: "bad_input",
            fragment: "needs a reason",
        },
        PromptCase {
            customer: None,
            key: "consent:marketing",
            action: PromptAction::Dismissed,
            reason: Some("   "),
            kind: "bad_input",
            fragment: "needs a reason",
        },
        PromptCase {
            customer: Some(Uuid::from_u128(3)),
            key: "consent:marketing",
            action: PromptAction::Accepted,
            reason: None,
            kind: "not_found",
            fragment: "customer",
        },
    ];
    for c in cases {
        let (key, action, reason) = (c.key, c.action, c.reason);
        let err = store
            .record_prompt(c.customer.unwrap_or(who), key, action, reason, at(), &mut ids)
            .err()
            .unwrap_or_else(|| panic!("{key:?} {action:?} {reason:?} must fail"));
        assert_eq!(err.kind(), c.kind, "{key:?}: {err}");
        assert!(err.to_string().contains(c.fragment), "{key:?}: {err:?} should mention {:?}", c.fragment);
        assert_eq!(counts(&store), before, "{key:?}: nothing is written");
    }
    store
        .record_prompt(who, "consent:marketing", PromptAction::Accepted, None, at(), &mut ids)
        .expect("accepting needs no reason");
}

fn prompt_rows(store: &Store) -> i64 {
    scalar(store, "SELECT count(*) FROM prompt_log WHERE action = ?1", "shown")
}

#[test]
fn shown_prompts_are_logged_once_per_key_per_shop_day() {
    let (mut store, mut ids) = shop(&[]);
    let who = regular(&mut store, &mut ids);
    let shown = preview(&store, who, &[("SALT", 1)], at()).suggestions;
    let shown_keys: Vec<&str> = shown.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(shown_keys, vec!["preferred_name:name", "consent:marketing"], "the two prompts of this customer");

    struct Step {
        when: DateTime<Utc>,
        new_rows: i64,
        new_events: i64,
        why: &'static str,
    }
    let steps = [
        Step { when: at(), new_rows: 2, new_events: 1, why: "first time today: one row per key, one event" },
        Step { when: at(), new_rows: 0, new_events: 0, why: "the same call again adds nothing" },
        Step {
            when: seoul("2026-11-23", "23:59"),
            new_rows: 0,
            new_events: 0,
            why: "later the same Seoul day adds nothing",
        },
        Step {
            when: seoul("2026-11-24", "00:30"),
            new_rows: 2,
            new_events: 1,
            why: "00:30 in Seoul is a new shop day, though still 23 November in UTC",
        },
        Step { when: seoul("2026-11-24", "18:00"), new_rows: 0, new_events: 0, why: "once on the 24th is enough" },
    ];
    for s in steps {
        let (rows, (events, _)) = (prompt_rows(&store), store.outbox_stats().unwrap());
        clock(&mut store, s.when);
        store.record_shown(who, &shown, s.when, &mut ids).unwrap();
        assert_eq!(prompt_rows(&store) - rows, s.new_rows, "{}", s.why);
        assert_eq!(store.outbox_stats().unwrap().0 - events, s.new_events, "{}", s.why);
    }
    let per_key: i64 = scalar(&store, "SELECT count(*) FROM prompt_log WHERE key = ?1", "consent:marketing");
    assert_eq!(per_key, 2, "one row per key per day over two days");
    let last = store.outbox_after(0, 1000).unwrap().pop().unwrap();
    assert_eq!(last.kind, "prompts.shown");
    assert_eq!(last.payload["keys"], serde_json::json!(["preferred_name:name", "consent:marketing"]));
}
