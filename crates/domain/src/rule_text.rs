//! A discount rule in plain words, for the owner who edits it: who
//! qualifies, what they get on what, and when, how often and with what
//! else ("65세 이상 고객: 장바구니 전체 10% 할인" / "Customers 65 or older:
//! 10 % off the whole cart"). Written from the rule's data alone, so the
//! summary the owner reads before saving is the rule that is saved.

use crate::i18n::{category_name, tier_name};
use crate::lang::{Lang, Localized};
use crate::money::format_won;
use crate::rules::{Benefit, BirthdayWindow, Condition, DiscountRule, LimitPeriod, Scope, Stacking};
use crate::time::TimeWindow;
use chrono::Weekday;

/// The rule in one sentence, in both languages.
pub fn summary(rule: &DiscountRule) -> Localized {
    Localized { ko: sentence(rule, Lang::Ko), en: sentence(rule, Lang::En) }
}

/// The rule in one sentence.
pub fn sentence(rule: &DiscountRule, lang: Lang) -> String {
    let mut out = String::new();
    if !rule.active {
        out.push_str(lang.pick("(꺼짐) ", "(off) "));
    }
    out.push_str(&who(&rule.conditions, lang));
    out.push_str(": ");
    out.push_str(&what(&rule.benefit, &rule.scope, lang));
    let mut extras: Vec<String> = Vec::new();
    for c in &rule.conditions {
        match c {
            Condition::MinSpend { amount } => extras.push(match lang {
                Lang::Ko => format!("{} 이상 구매 시", format_won(*amount)),
                Lang::En => format!("on purchases of {} or more", format_won(*amount)),
            }),
            Condition::TimeWindow { window } => extras.push(window_text(window, lang)),
            _ => {}
        }
    }
    match (rule.valid_from, rule.valid_until) {
        (Some(from), Some(until)) => extras.push(format!("{from}–{until}")),
        (Some(from), None) => extras.push(match lang {
            Lang::Ko => format!("{from}부터"),
            Lang::En => format!("from {from}"),
        }),
        (None, Some(until)) => extras.push(match lang {
            Lang::Ko => format!("{until}까지"),
            Lang::En => format!("until {until}"),
        }),
        (None, None) => {}
    }
    if let Some(limit) = &rule.limit {
        extras.push(limit_text(limit.count, limit.per, lang));
    }
    if rule.stacking == Stacking::Exclusive {
        extras.push(lang.pick("다른 할인과 함께 쓸 수 없음", "not combined with other discounts").to_string());
    }
    for e in extras {
        out.push_str(" · ");
        out.push_str(&e);
    }
    out
}

/// Who qualifies: the conditions about the customer.
fn who(conditions: &[Condition], lang: Lang) -> String {
    let phrases: Vec<String> = conditions
        .iter()
        .filter_map(|c| {
            Some(match (c, lang) {
                (Condition::MinTier { tier }, Lang::Ko) => format!("{} 등급 이상", tier_name(*tier, lang)),
                (Condition::MinTier { tier }, Lang::En) => format!("at {} tier or above", tier_name(*tier, lang)),
                (Condition::MinAge { years }, Lang::Ko) => format!("{years}세 이상"),
                (Condition::MinAge { years }, Lang::En) => format!("{years} or older"),
                (Condition::Birthday { window: BirthdayWindow::Month }, _) => {
                    lang.pick("생일이 든 달의", "in their birthday month").to_string()
                }
                (Condition::Birthday { window: BirthdayWindow::Days { days: 0 } }, _) => {
                    lang.pick("생일 당일의", "on their birthday").to_string()
                }
                (Condition::Birthday { window: BirthdayWindow::Days { days } }, Lang::Ko) => {
                    format!("생일 전후 {days}일 이내의")
                }
                (Condition::Birthday { window: BirthdayWindow::Days { days } }, Lang::En) => {
                    format!("within {days} {} of their birthday", plural(*days, "day", "days"))
                }
                (Condition::FirstVisit, _) => lang.pick("처음 방문한", "on their first visit").to_string(),
                (Condition::Stamps { count }, Lang::Ko) => format!("스탬프 {count}개를 모은"),
                (Condition::Stamps { count }, Lang::En) => {
                    format!("with {count} {} (spent on it)", plural(*count, "stamp", "stamps"))
                }
                (Condition::Coupon, _) => {
                    lang.pick("이 할인 쿠폰을 가진", "holding its coupon (used on it)").to_string()
                }
                (Condition::MinSpend { .. } | Condition::TimeWindow { .. }, _) => return None,
            })
        })
        .collect();
    match (phrases.is_empty(), lang) {
        (true, _) => lang.pick("모든 고객", "Everyone").to_string(),
        (false, Lang::Ko) => format!("{} 고객", phrases.join(", ")),
        (false, Lang::En) => format!("Customers {}", phrases.join(" and ")),
    }
}

/// What they get, on what.
fn what(benefit: &Benefit, scope: &Scope, lang: Lang) -> String {
    let on = scope_text(scope, lang);
    match (benefit, lang) {
        (Benefit::PercentOff { percent_bp }, Lang::Ko) => format!("{on} {}% 할인", percent(*percent_bp)),
        (Benefit::PercentOff { percent_bp }, Lang::En) => format!("{} % off {on}", percent(*percent_bp)),
        (Benefit::AmountOff { amount }, Lang::Ko) => format!("{on} {} 할인", format_won(*amount)),
        (Benefit::AmountOff { amount }, Lang::En) => format!("{} off {on}", format_won(*amount)),
        (Benefit::FreeItems { count, max_unit_price }, Lang::Ko) => {
            let cap = max_unit_price.map(|m| format!(" (개당 {}까지)", format_won(m))).unwrap_or_default();
            format!("{on} 중 가장 비싼 {count}개 무료{cap}")
        }
        (Benefit::FreeItems { count, max_unit_price }, Lang::En) => {
            let cap = max_unit_price.map(|m| format!(" (up to {} each)", format_won(m))).unwrap_or_default();
            format!("the {count} dearest {} free from {on}{cap}", plural(*count, "item", "items"))
        }
        (Benefit::BuyXGetY { buy, get }, Lang::Ko) => format!("{on} {buy}개를 사면 {get}개 무료"),
        (Benefit::BuyXGetY { buy, get }, Lang::En) => format!("buy {buy}, get {get} free from {on}"),
        (Benefit::RedeemPoints { won_per_point, min_points, max_share_bp }, Lang::Ko) => {
            let mut s = format!("{on} 포인트로 결제 가능 (1포인트 = {}", format_won(*won_per_point));
            if *min_points > 0 {
                s.push_str(&format!(", {min_points}포인트부터"));
            }
            if let Some(share) = max_share_bp {
                s.push_str(&format!(", 최대 {}%", percent(*share)));
            }
            s.push(')');
            s
        }
        (Benefit::RedeemPoints { won_per_point, min_points, max_share_bp }, Lang::En) => {
            let mut s = format!("may pay for {on} with points (1 point = {}", format_won(*won_per_point));
            if *min_points > 0 {
                s.push_str(&format!(", from {min_points} points"));
            }
            if let Some(share) = max_share_bp {
                s.push_str(&format!(", up to {} %", percent(*share)));
            }
            s.push(')');
            s
        }
    }
}

fn scope_text(scope: &Scope, lang: Lang) -> String {
    match (scope, lang) {
        (Scope::Cart, _) => lang.pick("장바구니 전체", "the whole cart").to_string(),
        (Scope::Categories { categories }, Lang::Ko) => {
            format!("{} 상품", categories.iter().map(|c| category_name(c, lang)).collect::<Vec<_>>().join("·"))
        }
        (Scope::Categories { categories }, Lang::En) => {
            format!("{} items", categories.iter().map(|c| category_name(c, lang)).collect::<Vec<_>>().join("/"))
        }
        (Scope::Products { skus }, Lang::Ko) => format!("상품 {}", skus.join(", ")),
        (Scope::Products { skus }, Lang::En) => {
            format!("{} {}", plural(skus.len() as i64, "product", "products"), skus.join(", "))
        }
    }
}

fn window_text(w: &TimeWindow, lang: Lang) -> String {
    let days = if w.days.is_empty() {
        lang.pick("매일", "every day").to_string()
    } else {
        w.days.iter().map(|d| weekday(*d, lang)).collect::<Vec<_>>().join(lang.pick("·", ", "))
    };
    let hm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    format!("{days} {}–{}", hm(w.start), hm(w.end))
}

fn weekday(d: Weekday, lang: Lang) -> &'static str {
    let (ko, en) = match d {
        Weekday::Mon => ("월", "Mon"),
        Weekday::Tue => ("화", "Tue"),
        Weekday::Wed => ("수", "Wed"),
        Weekday::Thu => ("목", "Thu"),
        Weekday::Fri => ("금", "Fri"),
        Weekday::Sat => ("토", "Sat"),
        Weekday::Sun => ("일", "Sun"),
    };
    lang.pick(ko, en)
}

fn limit_text(count: i64, per: LimitPeriod, lang: Lang) -> String {
    match (per, lang) {
        (LimitPeriod::Lifetime, Lang::Ko) => format!("1인당 {count}회"),
        (LimitPeriod::Year, Lang::Ko) => format!("1인당 연 {count}회"),
        (LimitPeriod::Month, Lang::Ko) => format!("1인당 월 {count}회"),
        (LimitPeriod::Day, Lang::Ko) => format!("1인당 하루 {count}회"),
        (per, Lang::En) => {
            let times = match count {
                1 => "once".to_string(),
                2 => "twice".to_string(),
                n => format!("{n} times"),
            };
            let per = match per {
                LimitPeriod::Lifetime => "",
                LimitPeriod::Year => " a year",
                LimitPeriod::Month => " a month",
                LimitPeriod::Day => " a day",
            };
            format!("{times} per customer{per}")
        }
    }
}

/// Basis points as a percentage: 1000 → "10", 1250 → "12.5", 5 → "0.05".
fn percent(bp: i64) -> String {
    let (whole, frac) = (bp / 100, (bp % 100).abs());
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

fn plural(n: i64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(json: &str) -> DiscountRule {
        DiscountRule::from_json(json).unwrap()
    }

    #[test]
    fn reads_as_the_owner_would_say_it() {
        for (json, ko, en) in [
            (
                r#"{"id":"senior-65","name":"경로","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":65}]}"#,
                "65세 이상 고객: 장바구니 전체 10% 할인",
                "Customers 65 or older: 10 % off the whole cart",
            ),
            (
                r#"{"id":"b","name":"빵","benefit":{"type":"amount_off","amount":1500},"scope":{"type":"categories","categories":["bakery"]},"conditions":[{"type":"first_visit"},{"type":"min_spend","amount":10000}],"limit":{"count":1,"per":"month"},"stacking":"exclusive"}"#,
                "처음 방문한 고객: bakery 상품 ₩1,500 할인 · ₩10,000 이상 구매 시 · 1인당 월 1회 · 다른 할인과 함께 쓸 수 없음",
                "Customers on their first visit: ₩1,500 off bakery items · on purchases of ₩10,000 or more · once per customer a month · not combined with other discounts",
            ),
            (
                r#"{"id":"h","name":"해피","benefit":{"type":"percent_off","percent_bp":1250},"conditions":[{"type":"time_window","window":{"days":["Mon","Tue"],"start":"14:00:00","end":"17:00:00"}}],"valid_from":"2026-01-01","valid_until":"2026-12-31"}"#,
                "모든 고객: 장바구니 전체 12.5% 할인 · 월·화 14:00–17:00 · 2026-01-01–2026-12-31",
                "Everyone: 12.5 % off the whole cart · Mon, Tue 14:00–17:00 · 2026-01-01–2026-12-31",
            ),
            (
                r#"{"id":"s","name":"스탬프","benefit":{"type":"free_items","count":1,"max_unit_price":5000},"conditions":[{"type":"stamps","count":10},{"type":"min_tier","tier":"gold"}],"active":false}"#,
                "(꺼짐) 스탬프 10개를 모은, 골드 등급 이상 고객: 장바구니 전체 중 가장 비싼 1개 무료 (개당 ₩5,000까지)",
                "(off) Customers with 10 stamps (spent on it) and at gold tier or above: the 1 dearest item free from the whole cart (up to ₩5,000 each)",
            ),
            (
                r#"{"id":"p","name":"포인트","benefit":{"type":"redeem_points","won_per_point":1,"min_points":1000,"max_share_bp":5000}}"#,
                "모든 고객: 장바구니 전체 포인트로 결제 가능 (1포인트 = ₩1, 1000포인트부터, 최대 50%)",
                "Everyone: may pay for the whole cart with points (1 point = ₩1, from 1000 points, up to 50 %)",
            ),
            (
                r#"{"id":"d","name":"생일","benefit":{"type":"buy_x_get_y","buy":2,"get":1},"scope":{"type":"products","skus":["A1"]},"conditions":[{"type":"birthday","window":{"type":"days","days":3}},{"type":"coupon"}]}"#,
                "생일 전후 3일 이내의, 이 할인 쿠폰을 가진 고객: 상품 A1 2개를 사면 1개 무료",
                "Customers within 3 days of their birthday and holding its coupon (used on it): buy 2, get 1 free from product A1",
            ),
        ] {
            let r = rule(json);
            assert_eq!(sentence(&r, Lang::Ko), ko, "{json}");
            assert_eq!(sentence(&r, Lang::En), en, "{json}");
        }
    }

    #[test]
    fn percentages_keep_their_fraction() {
        for (bp, text) in [(1000, "10"), (1250, "12.5"), (5, "0.05"), (10_000, "100"), (1, "0.01"), (1010, "10.1")] {
            assert_eq!(percent(bp), text);
        }
    }

    fn any_rule() -> impl Strategy<Value = DiscountRule> {
        let benefit = prop_oneof![
            (1i64..=10_000).prop_map(|percent_bp| Benefit::PercentOff { percent_bp }),
            (1i64..=1_000_000).prop_map(|amount| Benefit::AmountOff { amount }),
            (1i64..=100, proptest::option::of(1i64..=100_000))
                .prop_map(|(count, max_unit_price)| Benefit::FreeItems { count, max_unit_price }),
            (1i64..=100, 1i64..=100).prop_map(|(buy, get)| Benefit::BuyXGetY { buy, get }),
        ];
        let condition = prop_oneof![
            (1i64..=150).prop_map(|years| Condition::MinAge { years }),
            Just(Condition::FirstVisit),
            Just(Condition::Coupon),
            (1i64..=1000).prop_map(|count| Condition::Stamps { count }),
            (1i64..=1_000_000).prop_map(|amount| Condition::MinSpend { amount }),
            (0i64..=31).prop_map(|days| Condition::Birthday { window: BirthdayWindow::Days { days } }),
        ];
        (benefit, proptest::collection::vec(condition, 0..4), any::<bool>(), any::<bool>()).prop_map(
            |(benefit, conditions, exclusive, active)| DiscountRule {
                id: "r".into(),
                name: "할인".into(),
                name_en: None,
                benefit,
                scope: Scope::Cart,
                conditions,
                valid_from: None,
                valid_until: None,
                limit: None,
                stacking: if exclusive { Stacking::Exclusive } else { Stacking::Stackable },
                active,
            },
        )
    }

    proptest! {
        /// Every condition and the benefit are said, and the Korean
        /// sentence has no English word in it.
        #[test]
        fn every_part_is_said_and_korean_stays_korean(r in any_rule()) {
            let (ko, en) = (sentence(&r, Lang::Ko), sentence(&r, Lang::En));
            prop_assert!(!ko.chars().any(|c| c.is_ascii_alphabetic()), "{ko}");
            for c in &r.conditions {
                let figure = match c {
                    Condition::MinAge { years } => Some(years.to_string()),
                    Condition::Stamps { count } => Some(count.to_string()),
                    Condition::MinSpend { amount } => Some(format_won(*amount)),
                    _ => None,
                };
                if let Some(f) = figure {
                    prop_assert!(ko.contains(&f) && en.contains(&f), "{f} in {ko} / {en}");
                }
            }
            let shown = match &r.benefit {
                Benefit::PercentOff { percent_bp } => percent(*percent_bp),
                Benefit::AmountOff { amount } => format_won(*amount),
                Benefit::FreeItems { count, .. } => count.to_string(),
                Benefit::BuyXGetY { get, .. } => get.to_string(),
                Benefit::RedeemPoints { .. } => String::new(),
            };
            prop_assert!(ko.contains(&shown) && en.contains(&shown));
            prop_assert_eq!(ko.contains("함께 쓸 수 없음"), r.stacking == Stacking::Exclusive);
            prop_assert_eq!(en.starts_with("(off)"), !r.active);
        }
    }
}
