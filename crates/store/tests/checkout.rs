//! Checkout through the store: what a sale writes (and only that), the
//! outbox's dense sequence, the gate refusing silently unapplied discounts
//! without touching anything, dismissals recorded as missed discounts,
//! invalid requests, stamps, coupons, points, and the seed story.

mod common;

use common::*;
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_domain::loyalty::LoyaltySettings;
use dangol_store::counter::PreviewRequest;

use dangol_store::PromptAction;
use dangol_store::{Store, StoreError, Viewer};
use uuid::Uuid;

#[test]
fn a_checkout_writes_the_sale_lines_ledgers_and_exactly_one_event() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    let before = counts(&store);
    let (_, last_seq) = store.outbox_stats().unwrap();

    let receipt = checkout(&mut store, &mut ids, who, &[("AMR", 2), ("SALT", 1)], &[], at());

    assert_eq!(
        (receipt.subtotal, receipt.discount_total, receipt.total),
        (12_200, 0, 12_200),
        "2 × 4,500 + 3,200, no rules configured"
    );
    assert_eq!(receipt.points_earned, 610, "5% of 12,200");
    assert_eq!((receipt.stamps_earned, receipt.stamps_balance), (2, 2), "one stamp per drink (음료), none for bread");
    assert_eq!(
        growth(&before, &counts(&store)),
        expect_growth(&[("sales", 1), ("sale_lines", 2), ("points_ledger", 1), ("stamp_ledger", 1), ("outbox", 1)]),
        "a plain sale writes one sale, its two lines, one entry in each ledger and one event; nothing else"
    );

    let events = store.outbox_after(last_seq, 100).unwrap();
    assert_eq!(events.len(), 1, "exactly one event for one sale");
    assert_eq!(events[0].kind, "sale.completed");
    assert_eq!(events[0].seq, last_seq + 1, "the sequence continues without a gap");
    assert_eq!(events[0].payload["id"], serde_json::json!(receipt.sale_id), "the event names the sale");
    assert_eq!(events[0].payload["total"], 12_200);

    let id = receipt.sale_id.as_bytes().to_vec();
    assert_eq!(scalar(&store, "SELECT total FROM sales WHERE id = ?1", &id), 12_200);
    assert_eq!(
        scalar(&store, "SELECT sum(qty) FROM sale_lines WHERE sale = (SELECT rid FROM sales WHERE id = ?1)", &id),
        3
    );
    let expires =
        scalar(&store, "SELECT expires_at FROM points_ledger WHERE sale = (SELECT rid FROM sales WHERE id = ?1)", &id);
    assert_eq!(expires, (at() + days(365)).timestamp_millis(), "earned points expire after the default 365 days");

    let p = store.profile(who, at(), &Viewer::Cashier).unwrap();
    assert_eq!((p.visits, p.last_visit, p.points, p.stamps, p.total_spent), (1, Some(at()), 610, 2, 12_200));
}

#[test]
fn outbox_sequence_numbers_stay_dense_across_many_writes_and_failed_ones() {
    let (mut store, mut ids) = shop(&["senior-65"]);
    let senior = add(&mut store, &mut ids, "김영자", "010-2222-3333", Some("1954-03-01"), None);
    let other = add(&mut store, &mut ids, "이지은", "010-4444-5555", Some("1990-05-05"), None);
    let o = owner(&mut store, &mut ids);
    store.upsert_rule(&o, &rule("gold-5"), at(), &mut ids).unwrap();
    // A refusal and an error in the middle must not burn sequence numbers.
    assert!(
        try_checkout(&mut store, &mut ids, checkout_req(senior, &[("SALT", 1)], Decision::default(), at())).is_err()
    );
    assert!(
        try_checkout(&mut store, &mut ids, checkout_req(other, &[("NOPE", 1)], Decision::default(), at())).is_err()
    );
    let sale = checkout(&mut store, &mut ids, senior, &[("SALT", 1)], &["senior-65"], at());
    checkout(&mut store, &mut ids, other, &[("AMR", 1)], &[], at() + minutes(5));
    store
        .add_feedback(
            other,
            dangol_domain::feedback::FeedbackKind::Request,
            "메뉴",
            "디카페인 있으면 좋겠어요",
            at(),
            &mut ids,
        )
        .unwrap();
    store
        .record_prompt(other, "usual_item:AMR", PromptAction::Dismissed, Some("오늘은 괜찮대요"), at(), &mut ids)
        .unwrap();
    assert!(
        store.add_customer(input("중복", "010-2222-3333"), &Viewer::Cashier, at(), &mut ids).is_err(),
        "duplicate phone is refused"
    );
    store.owner_refund(sale.sale_id, "잘못 결제", at() + minutes(10), &mut ids).unwrap();

    let events = store.outbox_after(0, 1000).unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let want: Vec<i64> = (1..=events.len() as i64).collect();
    assert_eq!(seqs, want, "seq is 1, 2, 3, … with no gap, whatever failed in between");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "demo.generated",
            "setting.changed",
            "audit.recorded",
            "customer.created",
            "customer.created",
            "rule.upserted",
            "audit.recorded",
            "sale.completed",
            "sale.completed",
            "feedback.logged",
            "prompt.recorded",
            "audit.recorded",
            "sale.reversed"
        ],
        "one event per successful write, in order"
    );
    let mut event_ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    assert_eq!(event_ids.len(), events.len(), "event ids are unique");
    assert_eq!(
        store.outbox_stats().unwrap(),
        (events.len() as i64, events.len() as i64),
        "count and highest seq agree"
    );
    let page: Vec<i64> = store.outbox_after(3, 2).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(page, vec![4, 5], "paging from a seq returns the next ones in order");
}

/// A senior buying bread, with the senior rule configured.
fn senior_shop() -> (Store, dangol_domain::ids::SeededIds, Uuid) {
    let (mut store, mut ids) = shop(&["senior-65"]);
    let who = add(&mut store, &mut ids, "김영자", "010-2222-3333", Some("1954-03-01"), None);
    (store, ids, who)
}

#[test]
fn the_gate_refuses_an_unapplied_eligible_discount_and_changes_nothing() {
    let (mut store, mut ids, who) = senior_shop();
    let before = counts(&store);
    let stats = store.outbox_stats().unwrap();

    let err =
        try_checkout(&mut store, &mut ids, checkout_req(who, &[("BREAD", 1), ("SALT", 1)], Decision::default(), at()))
            .expect_err("a 72-year-old cannot pay full price silently");

    assert_eq!(err.kind(), "checkout_refused", "{err}");
    match &err {
        dangol_store::StoreError::Domain(dangol_domain::DomainError::GateRefused { unacknowledged }) => {
            let data: Vec<(&str, i64)> = unacknowledged.iter().map(|d| (d.rule_id.as_str(), d.saving)).collect();
            assert_eq!(data, [("senior-65", 800)], "the refusal carries the discounts as data");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("Senior 65+ 10%") && msg.contains("₩800"),
        "the refusal names the discount and what it saves: {msg}"
    );
    assert!(msg.contains("apply each one or dismiss it with a reason"), "the refusal says what to do: {msg}");
    assert_eq!(counts(&store), before, "a refused checkout writes no row in any table");
    assert_eq!(store.outbox_stats().unwrap(), stats, "and no event");
    let p = store.profile(who, at(), &Viewer::Cashier).unwrap();
    assert_eq!((p.visits, p.points), (0, 0), "the refused visit does not count");
}

#[test]
fn dismissing_with_a_reason_records_a_missed_discount() {
    let (mut store, mut ids, who) = senior_shop();
    let before = counts(&store);
    let decision =
        Decision { apply: vec![], dismiss: vec![("senior-65".into(), "  손님이 할인을 사양함 ".into())] };

    let receipt = try_checkout(&mut store, &mut ids, checkout_req(who, &[("BREAD", 1), ("SALT", 1)], decision, at()))
        .expect("a dismissal with a reason passes the gate");

    assert_eq!((receipt.discount_total, receipt.total), (0, 8_000), "nothing was discounted");
    assert_eq!(receipt.missed.len(), 1);
    assert_eq!((receipt.missed[0].rule_id.as_str(), receipt.missed[0].saving), ("senior-65", 800));
    let row: (String, String, i64, String) = store
        .connection()
        .query_row("SELECT m.rule_id, m.name, m.saving, m.reason FROM missed_discounts m JOIN sales s ON s.rid = m.sale WHERE s.id = ?1", [receipt.sale_id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("the missed discount is stored with its sale");
    assert_eq!(
        row,
        ("senior-65".into(), "Senior 65+ 10%".into(), 800, "손님이 할인을 사양함".into()),
        "the owner's report sees rule, saving and the trimmed reason"
    );
    let prompt: (String, String) = store
        .connection()
        .query_row("SELECT action, reason FROM prompt_log WHERE key = 'discount:senior-65'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        prompt,
        ("dismissed".into(), "손님이 할인을 사양함".into()),
        "the dismissal is remembered for the prompts"
    );
    assert_eq!(
        growth(&before, &counts(&store)),
        expect_growth(&[
            ("sales", 1),
            ("sale_lines", 2),
            ("missed_discounts", 1),
            ("points_ledger", 1),
            ("prompt_log", 1),
            ("outbox", 1)
        ]),
        "no sale_discounts row for a dismissed discount"
    );
}

struct Bad {
    why: &'static str,
    customer: Option<Uuid>,
    lines: &'static [(&'static str, i64)],
    decision: Decision,
    kind: &'static str,
    fragment: &'static str,
}

#[test]
fn invalid_checkouts_are_errors_and_change_nothing() {
    let (mut store, mut ids) = shop(&["senior-65", "gold-5"]);
    let who = add(&mut store, &mut ids, "이지은", "010-4444-5555", Some("1990-05-05"), None);
    let cases = [
        Bad {
            why: "unknown customer",
            customer: Some(Uuid::from_u128(0xdead_beef)),
            lines: &[("SALT", 1)],
            decision: Decision::default(),
            kind: "not_found",
            fragment: "customer",
        },
        Bad {
            why: "unknown SKU",
            customer: None,
            lines: &[("SALT", 1), ("NOPE", 1)],
            decision: Decision::default(),
            kind: "invalid_cart",
            fragment: "line 2: unknown product NOPE",
        },
        Bad {
            why: "negative quantity",
            customer: None,
            lines: &[("SALT", -1)],
            decision: Decision::default(),
            kind: "invalid_cart",
            fragment: "quantity -1",
        },
        Bad {
            why: "zero quantity",
            customer: None,
            lines: &[("SALT", 0)],
            decision: Decision::default(),
            kind: "invalid_cart",
            fragment: "quantity 0",
        },
        Bad {
            why: "absurd quantity",
            customer: None,
            lines: &[("SALT", 1000)],
            decision: Decision::default(),
            kind: "invalid_cart",
            fragment: "quantities are 1-999",
        },
        Bad {
            why: "empty cart",
            customer: None,
            lines: &[],
            decision: Decision::default(),
            kind: "invalid_cart",
            fragment: "empty",
        },
        Bad {
            why: "applying a rule she is not eligible for",
            customer: None,
            lines: &[("SALT", 1)],
            decision: apply(&["gold-5"]),
            kind: "rule_not_eligible",
            fragment: "needs gold tier",
        },
        Bad {
            why: "applying a rule that does not exist",
            customer: None,
            lines: &[("SALT", 1)],
            decision: apply(&["nope"]),
            kind: "rule_not_eligible",
            fragment: "does not exist or is not active",
        },
        Bad {
            why: "dismissing without a reason",
            customer: None,
            lines: &[("SALT", 1)],
            decision: Decision { apply: vec![], dismiss: vec![("gold-5".into(), "   ".into())] },
            kind: "invalid_field",
            fragment: "reason for dismissing a discount: must not be empty",
        },
    ];
    for c in cases {
        let before = counts(&store);
        let req = checkout_req(c.customer.unwrap_or(who), c.lines, c.decision, at());
        let err = try_checkout(&mut store, &mut ids, req).err().unwrap_or_else(|| panic!("{}: must be refused", c.why));
        assert_eq!(err.kind(), c.kind, "{}: {err}", c.why);
        assert!(err.to_string().contains(c.fragment), "{}: {err:?} should mention {:?}", c.why, c.fragment);
        assert_eq!(counts(&store), before, "{}: nothing is written", c.why);
    }
}

#[test]
fn a_stamp_reward_spends_the_stamps_and_free_drinks_earn_none() {
    let (mut store, mut ids) = shop(&["stamp-10"]);
    let who = add(&mut store, &mut ids, "박정호", "010-9876-5432", None, None);
    let first = checkout(&mut store, &mut ids, who, &[("AMR", 12)], &[], at() - days(1));
    assert_eq!(first.stamps_balance, 12, "twelve drinks, twelve stamps");

    let drinks = [("AMR", 1), ("LATTE", 1)];
    let p = preview(&store, who, &drinks, at());
    let offered = p.eligible.iter().find(|e| e.rule_id == "stamp-10").expect("a full stamp card is offered");
    assert_eq!(offered.saving, 5_000, "the dearest drink, up to the 5,000 cap");
    let refused = try_checkout(&mut store, &mut ids, checkout_req(who, &drinks, Decision::default(), at()))
        .expect_err("a complete stamp card cannot be ignored");
    assert_eq!(refused.kind(), "checkout_refused");

    let receipt = checkout(&mut store, &mut ids, who, &drinks, &["stamp-10"], at());
    assert_eq!((receipt.discount_total, receipt.total), (5_000, 4_500), "the latte is free");
    assert_eq!(receipt.stamps_redeemed, 10, "the reward spends ten stamps");
    assert_eq!(receipt.stamps_earned, 1, "only the paid drink earns a stamp");
    assert_eq!(receipt.stamps_balance, 12 - 10 + 1);
    assert_eq!(store.profile(who, at(), &Viewer::Cashier).unwrap().stamps, 3, "the profile agrees with the receipt");
    let ledger: Vec<(String, i64)> = {
        let mut stmt = store.connection().prepare("SELECT l.kind, l.stamps FROM stamp_ledger l JOIN sales s ON s.rid = l.sale WHERE s.id = ?1 ORDER BY l.rid").unwrap();
        stmt.query_map([receipt.sale_id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(ledger, vec![("redeem".to_string(), -10), ("earn".to_string(), 1)], "the ledger shows both movements");
    let after = preview(&store, who, &drinks, at() + minutes(1));
    assert!(after.eligible.iter().all(|e| e.rule_id != "stamp-10"), "three stamps are not enough for another reward");
}

#[test]
fn a_coupon_is_marked_used_and_cannot_be_used_twice() {
    let (mut store, mut ids) = shop(&["coupon-3000"]);
    let who = add(&mut store, &mut ids, "최지우", "010-7777-8888", None, None);
    let o = owner(&mut store, &mut ids);
    clock(&mut store, at() - days(1));
    store.issue_coupon(&o, who, "coupon-3000", "WELCOME-3000", at() + days(30), at() - days(1), &mut ids).unwrap();
    let dup = store
        .issue_coupon(&o, who, "coupon-3000", "WELCOME-3000", at() + days(30), at() - days(1), &mut ids)
        .expect_err("codes are unique");
    assert_eq!(dup.kind(), "duplicate");
    assert_eq!(store.profile(who, at(), &Viewer::Cashier).unwrap().coupons.len(), 1, "the coupon is held");

    let bread = [("BREAD", 2)];
    let receipt = checkout(&mut store, &mut ids, who, &bread, &["coupon-3000"], at());
    assert_eq!((receipt.discount_total, receipt.total), (3_000, 6_600));
    assert!(receipt.discounts[0].coupon_id.is_some(), "the receipt names the coupon used");
    let used: (i64, i64) = store
        .connection()
        .query_row("SELECT used_sale, used_at FROM coupons WHERE code = 'WELCOME-3000'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the coupon is marked used");
    let sale_rid = scalar(&store, "SELECT rid FROM sales WHERE id = ?1", receipt.sale_id.as_bytes().to_vec());
    assert_eq!(
        used,
        (sale_rid, at().timestamp_millis()),
        "the coupon row points at the sale that used it, and says when"
    );
    assert!(
        store.profile(who, at(), &Viewer::Cashier).unwrap().coupons.is_empty(),
        "a used coupon is no longer listed as held"
    );

    let before = counts(&store);
    let again = try_checkout(&mut store, &mut ids, checkout_req(who, &bread, apply(&["coupon-3000"]), at() + days(1)))
        .expect_err("a coupon is single-use");
    assert_eq!(again.kind(), "rule_not_eligible", "{again}");
    assert!(again.to_string().contains("coupon WELCOME-3000 already used"), "the message says why: {again}");
    assert_eq!(counts(&store), before, "the refused second use writes nothing");
    checkout(&mut store, &mut ids, who, &bread, &[], at() + days(1));
}

struct PointsCase {
    tier: &'static str,
    lines: &'static [(&'static str, i64)],
    total: i64,
    points: i64,
    why: &'static str,
}

#[test]
fn points_earned_follow_the_default_loyalty_settings() {
    let cases = [
        PointsCase {
            tier: "basic",
            lines: &[("AMR", 2), ("SALT", 1)],
            total: 12_200,
            points: 610,
            why: "5% for everyone",
        },
        PointsCase {
            tier: "silver",
            lines: &[("AMR", 2), ("SALT", 1)],
            total: 12_200,
            points: 610,
            why: "silver has no bonus by default",
        },
        PointsCase {
            tier: "gold",
            lines: &[("AMR", 2), ("SALT", 1)],
            total: 12_200,
            points: 854,
            why: "gold earns 5% + 2%",
        },
        PointsCase {
            tier: "vip",
            lines: &[("AMR", 2), ("SALT", 1)],
            total: 12_200,
            points: 1_220,
            why: "vip earns 5% + 5%",
        },
        PointsCase { tier: "basic", lines: &[("SALT", 1)], total: 3_200, points: 160, why: "5% of 3,200" },
        PointsCase { tier: "gold", lines: &[("AMR", 1)], total: 4_500, points: 315, why: "7% of 4,500" },
        PointsCase {
            tier: "gold",
            lines: &[("LATTE", 1), ("CAKE", 1)],
            total: 11_500,
            points: 805,
            why: "7% of 11,500",
        },
    ];
    let defaults = LoyaltySettings::default();
    for c in cases {
        let (mut store, mut ids) = shop(&[]);
        let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, Some(c.tier));
        let r = checkout(&mut store, &mut ids, who, c.lines, &[], at());
        assert_eq!(r.total, c.total, "{}: total", c.why);
        assert_eq!(r.points_earned, c.points, "{}", c.why);
        let tier = dangol_domain::customer::Tier::parse(c.tier).unwrap();
        assert_eq!(
            r.points_earned,
            defaults.points_for(r.total, tier),
            "{}: the store uses the default settings",
            c.why
        );
        assert_eq!(
            (r.points_balance, store.profile(who, at(), &Viewer::Cashier).unwrap().points),
            (c.points, c.points),
            "{}: balance",
            c.why
        );
    }
}

#[test]
fn a_completed_sale_is_still_there_after_reopening_the_file() {
    let dir = temp_dir("reopen");
    let path = dir.join("counter.db");
    let (who, sale, stats) = {
        let mut store = Store::open(&path).unwrap();
        let mut ids = dangol_domain::ids::SeededIds::new(11);
        load(&mut store, &[], &mut ids);
        let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
        let sale = checkout(&mut store, &mut ids, who, &[("AMR", 1)], &[], at());
        (who, sale, store.outbox_stats().unwrap())
    };
    let store = Store::open(&path).unwrap();
    let p = store.profile(who, at(), &Viewer::Cashier).unwrap();
    assert_eq!(
        (p.visits, p.points, p.recent_visits[0].sale_id),
        (1, 225, sale.sale_id),
        "the committed sale survived closing the store"
    );
    assert_eq!(store.outbox_stats().unwrap(), stats, "and so did its event");
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

/// The story Dangol exists for: a 72-year-old regular buying bread used to
/// pay full price because nobody mentioned the senior discount.
#[test]
fn seed_story_the_senior_discount_is_suggested_first_gates_checkout_and_earns_points() {
    let rules: Vec<&str> = all_rule_ids().into_iter().filter(|r| *r != "first-visit" && *r != "bakery-2-1").collect();
    let (mut store, mut ids) = shop(&rules);
    let who = add(&mut store, &mut ids, "김영자", "010-2222-3333", Some("1954-03-01"), None);
    // Last week's visit, with the discount applied.
    let last_week = checkout(&mut store, &mut ids, who, &[("SALT", 1)], &["senior-65"], at() - days(7));
    assert_eq!(last_week.points_earned, 144, "5% of 2,880");
    let points_before = store.profile(who, at(), &Viewer::Cashier).unwrap().points;
    assert_eq!(points_before, 144);

    let bread = [("BREAD", 1), ("SALT", 1)];
    let view = store.preview(&PreviewRequest { lang: Lang::En, ..preview_req(who, &bread, at()) }).unwrap();
    let top = &view.suggestions[0];
    assert_eq!(top.kind, "discount", "money she is owed comes before everything else: {:?}", view.suggestions);
    assert_eq!(top.rule_id.as_deref(), Some("senior-65"));
    assert_eq!(top.saving, Some(800), "10% of 8,000");
    assert!(
        top.reason.contains("born 1954, age 72: 65+ qualifies"),
        "the reason tells the cashier why: {}",
        top.reason
    );
    assert_eq!(view.best.rule_ids, vec!["senior-65"]);
    assert_eq!(view.best.total, 7_200);

    let before = counts(&store);
    let refused = try_checkout(&mut store, &mut ids, checkout_req(who, &bread, Decision::default(), at()))
        .expect_err("no silent full price");
    assert_eq!(refused.kind(), "checkout_refused");
    assert_eq!(counts(&store), before);

    let receipt = checkout(&mut store, &mut ids, who, &bread, &["senior-65"], at());
    assert_eq!((receipt.discount_total, receipt.total), (800, 7_200));
    assert_eq!(receipt.points_earned, 360, "points are earned on what she paid: 5% of 7,200");
    let after = store.profile(who, at(), &Viewer::Cashier).unwrap();
    assert_eq!(after.points, points_before + 360, "her points increase");
    assert_eq!((after.visits, after.age), (2, Some(72)));
    let accepted =
        scalar(&store, "SELECT count(*) FROM prompt_log WHERE key = ?1 AND action = 'accepted'", "discount:senior-65");
    assert_eq!(accepted, 2, "each applied discount is logged as accepted");
    assert!(matches!(refused, StoreError::Domain(_)), "the refusal is the domain's gate error");
}
