//! Customer lookup as the cashier uses it: last 4 digits, full phone numbers
//! however typed, names in Hangul and Latin letters, Hangul initials (초성),
//! card codes, ranking and clear errors for queries that cannot work.

mod common;

use common::*;
use dangol_domain::customer::CustomerInput;
use dangol_domain::ids::SeededIds;
use dangol_store::MatchKind;
use dangol_store::counter::CustomerSummary;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use uuid::Uuid;

/// A shop without discount rules (so checkouts need no decisions) and the
/// given customers, returned by name.
fn shop_with(people: &[(&str, &str)]) -> (Store, SeededIds, Vec<Uuid>) {
    let (mut store, mut ids) = shop(&[]);
    let ids_out = people.iter().map(|(name, phone)| add(&mut store, &mut ids, name, phone, None, None)).collect();
    (store, ids, ids_out)
}

fn names(hits: &[CustomerSummary]) -> Vec<&str> {
    hits.iter().map(|h| h.name.as_str()).collect()
}

fn find(store: &Store, query: &str) -> Vec<CustomerSummary> {
    store.lookup(query, 20, &Viewer::Cashier).unwrap_or_else(|e| panic!("lookup {query:?} should work: {e}")).hits
}

#[test]
fn last4_returns_every_customer_sharing_the_digits_with_masked_phones() {
    let (mut store, mut ids) = shop(&[]);
    let people = [
        ("김민수", "010-1111-1234", Some("gold")),
        ("이지은", "010-2222-1234", None),
        ("Emily Park", "010-3333-1234", Some("vip")),
        ("박정호", "010-4444-5678", None),
    ];
    for (name, phone, tier) in people {
        add(&mut store, &mut ids, name, phone, None, tier);
    }

    let hits = find(&store, "1234");
    let mut got = names(&hits);
    got.sort_unstable();
    assert_eq!(
        got,
        vec!["Emily Park", "김민수", "이지은"],
        "all three customers whose number ends in 1234, and not 박정호 (…5678)"
    );
    for h in &hits {
        assert_eq!(h.matched, MatchKind::Last4, "{}: matched by last 4 digits", h.name);
        assert_eq!(h.phone_masked, "010-****-1234", "{}: a cashier sees the masked number", h.name);
        assert_eq!(h.phone, None, "{}: a cashier never gets the full number", h.name);
    }
    let tiers: Vec<(&str, &str)> = hits.iter().map(|h| (h.name.as_str(), h.tier.as_str())).collect();
    assert!(
        tiers.contains(&("김민수", "gold"))
            && tiers.contains(&("Emily Park", "vip"))
            && tiers.contains(&("이지은", "basic")),
        "each row carries what tells the customers apart: {tiers:?}"
    );
    let json = serde_json::to_string(&hits).unwrap();
    for middle in ["1111", "2222", "3333"] {
        assert!(!json.contains(middle), "the middle block {middle} must not leak into the cashier's JSON: {json}");
    }

    let owner = store.owner_viewer(&mut ids);
    let owner = store.lookup("1234", 20, &owner).unwrap().hits;
    let mut phones: Vec<String> = owner.iter().map(|h| h.phone.clone().expect("the owner sees full numbers")).collect();
    phones.sort_unstable();
    assert_eq!(phones, vec!["010-1111-1234", "010-2222-1234", "010-3333-1234"]);
}

#[test]
fn a_full_phone_number_is_found_however_it_is_typed() {
    let (store, _, who) = shop_with(&[("김민수", "010-1234-5678"), ("이지은", "010-5678-1234")]);
    for query in [
        "01012345678",
        "010-1234-5678",
        "010 1234 5678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        " 010.1234.5678 ",
    ] {
        let hits = find(&store, query);
        assert_eq!(hits.len(), 1, "{query:?} is one full number, so exactly one customer: {:?}", names(&hits));
        assert_eq!(
            hits[0].id, who[0],
            "{query:?} is 김민수's number, not 이지은's (whose digits are a rotation of it)"
        );
        assert_eq!(hits[0].matched, MatchKind::Phone, "{query:?}");
        assert_eq!(hits[0].phone_masked, "010-****-5678");
    }
}

struct NameCase {
    query: &'static str,
    want: &'static [(&'static str, MatchKind)],
    why: &'static str,
}

#[test]
fn names_are_found_by_prefix_substring_and_initials_in_hangul_and_latin() {
    let (store, _, _) = shop_with(&[
        ("김민수", "010-2000-0001"),
        ("Emily Park", "010-2000-0002"),
        ("박지민", "010-2000-0003"),
        ("이민호", "010-2000-0004"),
        ("Parker Jones", "010-2000-0005"),
    ]);
    use MatchKind::*;
    let cases = [
        NameCase { query: "김민", want: &[("김민수", NamePrefix)], why: "Hangul prefix" },
        NameCase { query: "민수", want: &[("김민수", NameSubstring)], why: "Hangul substring (given name only)" },
        NameCase { query: "김민수", want: &[("김민수", NameExact)], why: "the whole name" },
        NameCase { query: "김 민수", want: &[("김민수", NameExact)], why: "spaces are ignored" },
        NameCase { query: "ㄱㅁㅅ", want: &[("김민수", NameExact)], why: "초성 of the whole name" },
        NameCase { query: "ㄱㅁ", want: &[("김민수", NamePrefix)], why: "초성 prefix" },
        NameCase { query: "ㅁㅅ", want: &[("김민수", NameSubstring)], why: "초성 inside the name" },
        NameCase { query: "emi", want: &[("Emily Park", NamePrefix)], why: "Latin prefix" },
        NameCase { query: "EMI", want: &[("Emily Park", NamePrefix)], why: "case-insensitive prefix" },
        NameCase { query: "emily park", want: &[("Emily Park", NameExact)], why: "whole Latin name" },
        NameCase {
            query: "park",
            want: &[("Parker Jones", NamePrefix), ("Emily Park", NameSubstring)],
            why: "Latin substring; a name starting with it ranks first",
        },
        NameCase {
            query: "Park",
            want: &[("Parker Jones", NamePrefix), ("Emily Park", NameSubstring)],
            why: "case-insensitive substring",
        },
        NameCase {
            query: "민", want: &[], why: "one character only matches name starts, and no name starts with 민"
        },
        NameCase { query: "지민", want: &[("박지민", NameSubstring)], why: "substring at the end" },
    ];
    for c in cases {
        let hits = find(&store, c.query);
        let got: Vec<(&str, MatchKind)> = hits.iter().map(|h| (h.name.as_str(), h.matched)).collect();
        assert_eq!(got, c.want.to_vec(), "{:?}: {}", c.query, c.why);
    }
}

#[test]
fn a_card_code_is_an_exact_key() {
    let (mut store, mut ids) = shop(&[]);
    let who = store
        .add_customer(
            CustomerInput { card_code: Some("QR-7F3A9C".into()), ..input("최지우", "010-7777-8888") },
            &Viewer::Cashier,
            at(),
            &mut ids,
        )
        .unwrap()
        .id;
    add(&mut store, &mut ids, "Qr Kim", "010-7777-9999", None, None);

    let hits = find(&store, "QR-7F3A9C");
    assert_eq!(hits.len(), 1, "a scanned card identifies one customer: {:?}", names(&hits));
    assert_eq!((hits[0].id, hits[0].matched), (who, MatchKind::Card));
    assert_eq!(find(&store, "  QR-7F3A9C ")[0].id, who, "stray spaces from the scanner are ignored");
    assert!(find(&store, "QR-7F3A").is_empty(), "part of a card code is not a card code, and no name contains it");
}

#[test]
fn exact_names_rank_before_prefixes_before_substrings_whatever_the_visits() {
    let (mut store, mut ids) = shop(&[]);
    // Inserted in the reverse of the expected order, and the substring match
    // is the most frequent visitor, so only the match kind can put 김민 first.
    let sub = add(&mut store, &mut ids, "박김민", "010-3000-0001", None, None);
    add(&mut store, &mut ids, "김민수", "010-3000-0002", None, None);
    add(&mut store, &mut ids, "김민", "010-3000-0003", None, None);
    for d in 1..=3 {
        checkout(&mut store, &mut ids, sub, &[("SALT", 1)], &[], at() + days(d));
    }
    let hits = find(&store, "김민");
    let got: Vec<(&str, MatchKind)> = hits.iter().map(|h| (h.name.as_str(), h.matched)).collect();
    assert_eq!(
        got,
        vec![("김민", MatchKind::NameExact), ("김민수", MatchKind::NamePrefix), ("박김민", MatchKind::NameSubstring)]
    );
}

#[test]
fn among_equal_matches_the_frequent_recent_customer_comes_first() {
    let (mut store, mut ids) = shop(&[]);
    // 이서연 registered a month earlier: with no visits she ranks second.
    clock(&mut store, at() - days(30));
    let regular =
        store.add_customer(input("이서연", "010-1212-7777"), &Viewer::Cashier, at() - days(30), &mut ids).unwrap().id;
    clock(&mut store, at());
    let newcomer = store.add_customer(input("이서윤", "010-3434-7777"), &Viewer::Cashier, at(), &mut ids).unwrap().id;
    for query in ["이서", "7777"] {
        let order: Vec<Uuid> = find(&store, query).iter().map(|h| h.id).collect();
        assert_eq!(
            order,
            vec![newcomer, regular],
            "{query:?}: before any visit, the more recently active customer comes first"
        );
    }

    checkout(&mut store, &mut ids, regular, &[("AMR", 1)], &[], at() + days(1));
    checkout(&mut store, &mut ids, regular, &[("AMR", 1)], &[], at() + days(2));

    for query in ["이서", "7777", "ㅇㅅ"] {
        let hits = find(&store, query);
        let order: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        assert_eq!(order, vec![regular, newcomer], "{query:?}: the regular with two recent visits now ranks first");
        assert_eq!(hits[0].visits, 2, "{query:?}: visits are shown to tell them apart");
        assert_eq!(hits[0].last_visit, Some(at() + days(2)));
        assert_eq!((hits[1].visits, hits[1].last_visit), (0, None));
    }
}

#[test]
fn a_summary_by_id_is_the_same_as_the_search_hit_and_masks_for_a_cashier() {
    let (store, _ids, people) = shop_with(&[("김민수", "010-1111-1234"), ("이지은", "010-2222-5678")]);
    let by_search = find(&store, "김민수").remove(0);
    let by_id = store.customer_summary(people[0], &Viewer::Cashier).expect("a known customer");
    assert_eq!(by_id.id, by_search.id);
    assert_eq!(by_id.name, by_search.name);
    assert_eq!(by_id.phone_masked, "010-****-1234");
    assert_eq!(by_id.phone, None, "a cashier never gets the full number");
    assert!(store.customer_summary(Uuid::from_u128(7), &Viewer::Cashier).is_err(), "an unknown id is an error");
}

#[test]
fn queries_that_cannot_work_get_a_typed_error_with_a_clear_message() {
    let (store, _, _) = shop_with(&[("김민수", "010-1234-5678")]);
    let long_hangul = "가".repeat(200);
    let long_digits = "1".repeat(200);
    let cases: [(&str, &str, &str, &str); 9] = [
        ("", "bad_input", "type 4 digits, a phone number, a name or scan a card", "empty"),
        ("   ", "bad_input", "type 4 digits", "only spaces"),
        (&long_hangul, "bad_input", "at most 100 characters", "200 characters of name"),
        (&long_digits, "bad_input", "at most 100 characters", "200 digits"),
        ("12", "bad_input", "type the last 4 digits or the full phone number", "too few digits"),
        ("123", "bad_input", "type the last 4 digits or the full phone number", "three digits"),
        ("010-12", "bad_input", "type the last 4 digits or the full phone number", "half a phone number"),
        ("!!!", "bad_input", "has no letters or digits", "punctuation only"),
        ("010-1234-56789", "invalid_phone", "010 numbers have 11 digits", "a phone number with a digit too many"),
    ];
    for (query, kind, fragment, why) in cases {
        let err = store
            .lookup(query, 10, &Viewer::Cashier)
            .err()
            .unwrap_or_else(|| panic!("{why}: {query:?} must be refused"));
        assert_eq!(err.kind(), kind, "{why}: {err}");
        assert!(err.to_string().contains(fragment), "{why}: {err:?} should say {fragment:?}");
    }
}

#[test]
fn an_unknown_number_or_name_finds_nobody() {
    let (store, _, _) = shop_with(&[("김민수", "010-1234-5678")]);
    for query in ["010-9999-8888", "+82 10 9999 8888", "9876", "홍길동", "ㅎㄱㄷ", "zzz"] {
        assert!(find(&store, query).is_empty(), "{query:?} matches nobody, which is an empty list, not an error");
    }
}

/// One generated step at the counter for `the_search_ranks_as_if_it_were_settled`.
#[derive(Debug, Clone)]
enum Step {
    /// A sale to customer `who` (modulo how many there are), `day` days
    /// later; the search is settled after it when `settle`.
    Sale { who: usize, day: i64, settle: bool },
    /// The owner refunds that customer's latest sale, if any.
    Refund { who: usize },
    /// A new customer registers.
    Join { name: Name },
}

/// A generated name: Hangul syllables, or Latin letter pairs.
#[derive(Debug, Clone)]
struct Name {
    latin: bool,
    parts: Vec<usize>,
}

const SYLLABLES: [&str; 6] = ["김", "이", "민", "수", "서", "연"];
const LATIN: [&str; 4] = ["an", "na", "ki", "mi"];

impl Name {
    fn text(&self) -> String {
        let pool: &[&str] = if self.latin { &LATIN } else { &SYLLABLES };
        self.parts.iter().map(|i| pool[*i % pool.len()]).collect()
    }
}

fn name() -> impl Strategy<Value = Name> {
    (proptest::bool::weighted(0.25), proptest::collection::vec(0..SYLLABLES.len(), 2..6))
        .prop_map(|(latin, parts)| Name { latin, parts })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0..64usize, 0..4i64, any::<bool>()).prop_map(|(who, day, settle)| Step::Sale { who, day, settle }),
        1 => (0..64usize).prop_map(|who| Step::Refund { who }),
        1 => name().prop_map(|name| Step::Join { name }),
    ]
}

/// Every query the property below asks: each syllable and Latin pair, each
/// two of them, 초성, and every customer's whole name and its first four
/// characters (longer than a gram, so checked against the name).
fn queries(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pool in [&SYLLABLES[..], &LATIN[..]] {
        for a in pool {
            out.push(a.to_string());
            for b in pool {
                out.push(format!("{a}{b}"));
            }
        }
    }
    out.extend(["ㄱㅁ", "ㅇㅅ", "ㅁㅅ", "ㅅㅇ", "ㄱ", "ㅇ", "ㄱㅁㅅㅇ"].map(String::from));
    for n in names {
        out.push(n.clone());
        out.push(n.chars().take(4).collect());
    }
    out.sort();
    out.dedup();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// A checkout moves a customer's rank but leaves the name grams behind
    /// (the customer is listed as stale until the search is settled). The
    /// claim: whatever was settled or not, every lookup returns exactly what
    /// it returns on a twin shop settled after every sale, and finds every
    /// customer whose name holds the query.
    #[test]
    fn the_search_ranks_as_if_it_were_settled(
        first in proptest::collection::vec(name(), 2..8),
        steps in proptest::collection::vec(step(), 1..24),
    ) {
        let mut names: Vec<String> = first.iter().map(Name::text).collect();
        let people: Vec<(String, String)> =
            names.iter().enumerate().map(|(i, n)| (n.clone(), format!("010-1000-{:04}", i + 1))).collect();
        let refs: Vec<(&str, &str)> = people.iter().map(|(n, p)| (n.as_str(), p.as_str())).collect();
        let (mut settled, mut settled_ids, mut who) = shop_with(&refs);
        let (mut lagging, mut lagging_ids, _) = shop_with(&refs);
        let mut latest: Vec<Option<(Uuid, Uuid)>> = vec![None; who.len()];
        let mut when = at();
        for step in &steps {
            match step {
                Step::Sale { who: i, day, settle } => {
                    let i = i % who.len();
                    when += days(*day) + minutes(7);
                    let a = checkout(&mut settled, &mut settled_ids, who[i], &[("AMR", 1)], &[], when);
                    let b = checkout(&mut lagging, &mut lagging_ids, who[i], &[("AMR", 1)], &[], when);
                    settled.settle_search().expect("settling works");
                    if *settle {
                        lagging.settle_search().expect("settling works");
                    }
                    latest[i] = Some((a.sale_id, b.sale_id));
                }
                Step::Refund { who: i } => {
                    let i = i % who.len();
                    let Some((a, b)) = latest[i] else { continue };
                    when += minutes(3);
                    settled.owner_refund(a, "changed their mind", when, &mut settled_ids).expect("refund");
                    lagging.owner_refund(b, "changed their mind", when, &mut lagging_ids).expect("refund");
                    latest[i] = None;
                }
                Step::Join { name } => {
                    when += minutes(1);
                    let phone = format!("010-2000-{:04}", who.len() + 1);
                    let join = |store: &mut Store, ids: &mut dangol_domain::ids::SeededIds| {
                        clock(store, when);
                        store.add_customer(input(&name.text(), &phone), &Viewer::Cashier, when, ids).expect("registers").id
                    };
                    let id = join(&mut settled, &mut settled_ids);
                    prop_assert_eq!(join(&mut lagging, &mut lagging_ids), id, "the twins stay twins");
                    who.push(id);
                    names.push(name.text());
                    latest.push(None);
                }
            }
        }
        prop_assert_eq!(settled.stale_count().unwrap(), 0);
        for q in &queries(&names) {
            for limit in [2, 20] {
                let want = settled.lookup(q, limit, &Viewer::Cashier).unwrap();
                let got = lagging.lookup(q, limit, &Viewer::Cashier).unwrap();
                let order = |r: &dangol_store::counter::LookupResult| -> Vec<(Uuid, i64)> {
                    r.hits.iter().map(|h| (h.id, h.visits)).collect()
                };
                prop_assert_eq!(order(&got), order(&want), "{:?} with limit {}", q, limit);
                prop_assert_eq!(got.more, want.more, "{:?} with limit {}", q, limit);
            }
            // Independently of the index: one or two syllables (or Latin
            // pairs) find every name that starts with, or holds, them.
            let pieces = if q.is_ascii() { q.len() / 2 } else { q.chars().count() };
            if !q.starts_with(|c: char| ('ㄱ'..='ㅎ').contains(&c)) && pieces <= 2 && who.len() <= 20 {
                let expect: std::collections::BTreeSet<Uuid> = names
                    .iter()
                    .zip(&who)
                    .filter(|(n, _)| if pieces == 1 && !q.is_ascii() { n.starts_with(q.as_str()) } else { n.contains(q.as_str()) })
                    .map(|(_, id)| *id)
                    .collect();
                let found: std::collections::BTreeSet<Uuid> =
                    lagging.lookup(q, 20, &Viewer::Cashier).unwrap().hits.iter().map(|h| h.id).collect();
                prop_assert_eq!(found, expect, "{:?}", q);
            }
        }
    }
}

#[test]
fn a_checkout_lists_the_customer_as_stale_and_settling_or_a_refund_clears_it() {
    let (mut store, mut ids, who) = shop_with(&[("김민수", "010-1234-5678"), ("김민지", "010-2345-6789")]);
    let stale = |s: &Store| s.stale_count().unwrap();
    let grams_at_score = |s: &Store| {
        scalar(
            s,
            "SELECT count(*) FROM search_grams g JOIN customers c ON c.rid = g.customer WHERE g.score <> c.score AND c.id = ?1",
            who[0].as_bytes(),
        )
    };
    assert_eq!(stale(&store), 0, "a new shop has nothing to settle");
    let sale = checkout(&mut store, &mut ids, who[0], &[("AMR", 1)], &[], at());
    assert_eq!(stale(&store), 1, "the checkout listed the customer instead of moving the grams");
    assert!(grams_at_score(&store) > 0, "the grams still carry the old rank");
    assert_eq!(names(&find(&store, "김민")), ["김민수", "김민지"], "yet she already ranks first");
    assert_eq!(store.settle_search().unwrap(), 1);
    assert_eq!((stale(&store), grams_at_score(&store)), (0, 0), "settled: grams at the current rank");
    assert_eq!(store.settle_search().unwrap(), 0, "settling again has nothing to do");

    checkout(&mut store, &mut ids, who[0], &[("AMR", 1)], &[], at() + days(1));
    assert_eq!(stale(&store), 1);
    store.owner_refund(sale.sale_id, "wrong item", at() + days(1) + minutes(1), &mut ids).unwrap();
    assert_eq!((stale(&store), grams_at_score(&store)), (0, 0), "a refund moves the grams itself");
}
