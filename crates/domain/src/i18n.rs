//! Korean and English text for everything the domain explains: reasons,
//! alternatives and suggestion prompts. Korean is the default; English is
//! chosen explicitly or from a non-Korean system locale.

use crate::eligibility::{Alternative, Reason};
use crate::money::format_won;
use crate::rules::{LimitPeriod, Scope};
use chrono::Datelike;

pub use crate::lang::Lang;

/// A tier's name: 일반/실버/골드/VIP in Korean, its code in English.
pub fn tier_name(tier: crate::customer::Tier, lang: Lang) -> &'static str {
    use crate::customer::Tier;
    match (tier, lang) {
        (Tier::Basic, Lang::Ko) => "일반",
        (Tier::Silver, Lang::Ko) => "실버",
        (Tier::Gold, Lang::Ko) => "골드",
        (Tier::Vip, _) => "VIP",
        (t, Lang::En) => t.as_str(),
    }
}

/// A feedback category's name: the codes the counter offers get words in
/// both languages; a category the shop typed is shown as typed.
pub fn category_name(category: &str, lang: Lang) -> &str {
    let (ko, en) = match category {
        "taste" => ("맛", "taste"),
        "service" => ("서비스", "service"),
        "wait" => ("대기", "waiting"),
        "price" => ("가격", "price"),
        "product" => ("상품", "product"),
        "menu" => ("메뉴", "menu"),
        "facility" => ("시설", "facility"),
        other => return other,
    };
    lang.pick(ko, en)
}

/// Why a sale almost got a discount, in words: a near miss's reason kind
/// (`spend_short`, …) as the owner's report counts it; a kind without words
/// is shown as it is.
pub fn near_miss_kind(kind: &str, lang: Lang) -> &str {
    let (ko, en) = match kind {
        "spend_short" => ("조금 더 사면 받을 수 있었음", "a little more spend"),
        "need_more_items" => ("한두 개 더 사면 받을 수 있었음", "one or two more items"),
        "nothing_in_scope" => ("대상 상품이 장바구니에 없었음", "nothing it covers in the cart"),
        "stamps_short" => ("스탬프가 조금 모자람", "a few stamps short"),
        "birthday_ahead" => ("생일이 곧 다가옴", "birthday coming up"),
        "birthday_passed" => ("생일이 막 지남", "birthday just passed"),
        "age_short" => ("곧 그 나이가 됨", "nearly old enough"),
        "tier_below" => ("한 등급 아래", "one tier below"),
        "coupon_expired" => ("쿠폰이 막 만료됨", "coupon just expired"),
        "opens_in" => ("할인 시간 직전", "just before its hours"),
        "closed_ago" => ("할인 시간 직후", "just after its hours"),
        "not_yet_valid" => ("곧 시작하는 할인", "starts soon"),
        "validity_ended" => ("막 끝난 할인", "just ended"),
        "limit_reached" => ("횟수를 이미 다 씀", "already used up"),
        "birthday_treat_used" => ("생일 혜택을 이미 받음", "birthday treat already given"),
        "points_short" => ("포인트가 조금 모자람", "a few points short"),
        other => return other,
    };
    lang.pick(ko, en)
}

fn scope_text(scope: &Scope, lang: Lang) -> String {
    match scope {
        Scope::Cart => lang.pick("상품", "an item").to_string(),
        Scope::Categories { categories } => match lang {
            Lang::Ko => format!("{} 상품", categories.join("/")),
            Lang::En => format!("an item from {}", categories.join("/")),
        },
        Scope::Products { skus } => match lang {
            Lang::Ko => format!("대상 상품({})", skus.join(", ")),
            Lang::En => format!("an eligible product ({})", skus.join(", ")),
        },
    }
}

fn period_text(per: LimitPeriod, lang: Lang) -> &'static str {
    match per {
        LimitPeriod::Lifetime => lang.pick("", ""),
        LimitPeriod::Year => lang.pick("올해 ", " this year"),
        LimitPeriod::Month => lang.pick("이번 달 ", " this month"),
        LimitPeriod::Day => lang.pick("오늘 ", " today"),
    }
}

/// One line explaining a reason, in the given language.
pub fn reason_text(reason: &Reason, lang: Lang) -> String {
    use Reason::*;
    match (reason, lang) {
        (Always, Lang::Ko) => "모든 고객 대상".into(),
        (Always, Lang::En) => "applies to everyone".into(),
        (AgeAtLeast { age, min, birth_year }, Lang::Ko) => format!("{birth_year}년생 만 {age}세: {min}세 이상 대상"),
        (AgeAtLeast { age, min, birth_year }, Lang::En) => format!("born {birth_year}, age {age}: {min}+ qualifies"),
        (AgeShort { age, min, days_until }, Lang::Ko) => format!("만 {age}세: {days_until}일 후 {min}세"),
        (AgeShort { age, min, days_until }, Lang::En) => format!("age {age}: turns {min} in {days_until} days"),
        (NoBirthDate, Lang::Ko) => "생년월일 미등록".into(),
        (NoBirthDate, Lang::En) => "no birth date on file".into(),
        (BirthdayMonth { month }, Lang::Ko) => format!("생일 달({month}월)"),
        (BirthdayMonth { month }, Lang::En) => format!("birthday month ({})", month_name(*month)),
        (BirthdayWithin { days }, _) => birthday_phrase(*days, lang),
        (BirthdayAhead { days }, Lang::Ko) => format!("생일까지 {days}일"),
        (BirthdayAhead { days }, Lang::En) => format!("birthday in {days} days"),
        (BirthdayPassed { days }, Lang::Ko) => format!("생일이 {days}일 지남"),
        (BirthdayPassed { days }, Lang::En) => format!("birthday was {days} days ago"),
        (TierIs { tier }, Lang::Ko) => format!("{} 등급", tier_name(*tier, lang)),
        (TierIs { tier }, Lang::En) => format!("{} tier", tier.as_str()),
        (TierBelow { tier, needed }, Lang::Ko) => {
            format!("{} 등급 필요 (현재 {})", tier_name(*needed, lang), tier_name(*tier, lang))
        }
        (TierBelow { tier, needed }, Lang::En) => {
            format!("needs {} tier (now {})", needed.as_str(), tier.as_str())
        }
        (FirstVisit, Lang::Ko) => "첫 방문".into(),
        (FirstVisit, Lang::En) => "first visit".into(),
        (NotFirstVisit { visits }, Lang::Ko) => format!("이미 {visits}회 방문"),
        (NotFirstVisit { visits }, Lang::En) => format!("already visited {visits} times"),
        (StampsReady { have, need }, Lang::Ko) => format!("스탬프 {have}/{need} 완성"),
        (StampsReady { have, need }, Lang::En) => format!("stamp card complete ({have}/{need})"),
        (StampsShort { have, need, short }, Lang::Ko) => {
            format!("스탬프 {short}개 부족 ({have}/{need})")
        }
        (StampsShort { have, need, short }, Lang::En) => {
            format!("{short} stamp{} short ({have}/{need})", plural(*short))
        }
        (CouponHeld { code, expires_on }, Lang::Ko) => {
            format!("쿠폰 {code} 보유 ({expires_on}까지)")
        }
        (CouponHeld { code, expires_on }, Lang::En) => {
            format!("holds coupon {code} (valid until {expires_on})")
        }
        (CouponExpired { code, days_ago }, Lang::Ko) if *days_ago == 0 => {
            format!("쿠폰 {code} 오늘 만료")
        }
        (CouponExpired { code, days_ago }, Lang::Ko) => format!("쿠폰 {code} {days_ago}일 전 만료"),
        (CouponExpired { code, days_ago }, Lang::En) if *days_ago == 0 => {
            format!("coupon {code} expired today")
        }
        (CouponExpired { code, days_ago }, Lang::En) => {
            format!("coupon {code} expired {days_ago} day{} ago", plural(*days_ago))
        }
        (CouponUsed { code }, Lang::Ko) => format!("쿠폰 {code} 이미 사용"),
        (CouponUsed { code }, Lang::En) => format!("coupon {code} already used"),
        (NoCoupon, Lang::Ko) => "쿠폰 없음".into(),
        (NoCoupon, Lang::En) => "no coupon".into(),
        (InTimeWindow { start, end }, Lang::Ko) => {
            format!("{}~{} 시간대", start.format("%H:%M"), end.format("%H:%M"))
        }
        (InTimeWindow { start, end }, Lang::En) => {
            format!("within {}-{}", start.format("%H:%M"), end.format("%H:%M"))
        }
        (OpensIn { minutes, start }, Lang::Ko) => {
            format!("{}분 후 시작 ({})", minutes, start.format("%H:%M"))
        }
        (OpensIn { minutes, start }, Lang::En) => {
            format!("starts in {minutes} min ({})", start.format("%H:%M"))
        }
        (ClosedAgo { minutes, end }, Lang::Ko) => {
            format!("{}분 전 종료 ({})", minutes, end.format("%H:%M"))
        }
        (ClosedAgo { minutes, end }, Lang::En) => {
            format!("ended {minutes} min ago ({})", end.format("%H:%M"))
        }
        (OutsideTimeWindow { start, end }, Lang::Ko) => {
            format!("{}~{} 시간대 아님", start.format("%H:%M"), end.format("%H:%M"))
        }
        (OutsideTimeWindow { start, end }, Lang::En) => {
            format!("only {}-{}", start.format("%H:%M"), end.format("%H:%M"))
        }
        (SpendAtLeast { min, .. }, Lang::Ko) => format!("{} 이상 구매", format_won(*min)),
        (SpendAtLeast { min, .. }, Lang::En) => format!("spend of {} or more", format_won(*min)),
        (SpendShort { short, min, .. }, Lang::Ko) => {
            format!("{} 더 구매 시 적용 (최소 {})", format_won(*short), format_won(*min))
        }
        (SpendShort { short, min, .. }, Lang::En) => {
            format!("{} short of the {} minimum", format_won(*short), format_won(*min))
        }
        (NotYetValid { days, from }, Lang::Ko) => format!("{days}일 후 시작 ({from})"),
        (NotYetValid { days, from }, Lang::En) => format!("starts in {days} days ({from})"),
        (ValidityEnded { days_ago, until }, Lang::Ko) => format!("{days_ago}일 전 종료 ({until})"),
        (ValidityEnded { days_ago, until }, Lang::En) => {
            format!("ended {days_ago} days ago ({until})")
        }
        (LimitReached { count, per }, Lang::Ko) => {
            format!("{}이미 {count}회 사용 (한도 {count}회)", period_text(*per, lang))
        }
        (LimitReached { count, per }, Lang::En) => {
            format!("already used {count} time{}{} (limit {count})", plural(*count), period_text(*per, lang))
        }
        (BirthdayTreatUsed { birthday }, Lang::Ko) => {
            format!("{}월 {}일 생일 혜택 이미 사용", birthday.month(), birthday.day())
        }
        (BirthdayTreatUsed { birthday }, Lang::En) => {
            format!("already used for the birthday on {}", birthday.format("%-d %B"))
        }
        (PointsAvailable { points }, Lang::Ko) => format!("포인트 {points}P 보유"),
        (PointsAvailable { points }, Lang::En) => format!("{points} points available"),
        (PointsShort { have, min }, Lang::Ko) => format!("포인트 {have}P (최소 {min}P 필요)"),
        (PointsShort { have, min }, Lang::En) => format!("{have} points (needs {min})"),
        (NothingInScope { scope }, Lang::Ko) => {
            format!("장바구니에 {} 없음", scope_text(scope, lang))
        }
        (NothingInScope { scope }, Lang::En) => {
            format!("no {} in the cart", scope_text(scope, lang).trim_start_matches("an ").trim_start_matches("a "))
        }
        (WalkIn, Lang::Ko) => "고객 미확인 (비회원 판매)".into(),
        (WalkIn, Lang::En) => "no customer identified (walk-in sale)".into(),
        (NeedMoreItems { have, need }, Lang::Ko) => format!("대상 상품 {have}개 (필요 {need}개)"),
        (NeedMoreItems { have, need }, Lang::En) => {
            format!("{have} eligible item{} (needs {need})", plural(*have))
        }
    }
}

/// One line describing an alternative.
pub fn alternative_text(alt: &Alternative, lang: Lang) -> String {
    match (alt, lang) {
        (Alternative::Rule { name, saving, .. }, Lang::Ko) => {
            format!("{name} 적용 시 {} 더 할인", format_won(*saving))
        }
        (Alternative::Rule { name, saving, .. }, Lang::En) => {
            format!("{name} would save {} more", format_won(*saving))
        }
        (Alternative::Applied { name, saving, .. }, Lang::Ko) => {
            format!("{name} 적용 중 (−{})", format_won(*saving))
        }
        (Alternative::Applied { name, saving, .. }, Lang::En) => {
            format!("{name} is applied (−{})", format_won(*saving))
        }
        (Alternative::AddSpend { amount }, Lang::Ko) => {
            format!("{} 더 담으면 적용", format_won(*amount))
        }
        (Alternative::AddSpend { amount }, Lang::En) => {
            format!("add {} more to qualify", format_won(*amount))
        }
        (Alternative::AddItem { scope, count }, Lang::Ko) => {
            format!("{} {count}개 추가 시 적용", scope_text(scope, lang))
        }
        (Alternative::AddItem { scope, count }, Lang::En) => {
            let items = if *count == 1 { "item" } else { "items" };
            match scope {
                Scope::Cart => format!("add {count} more {items} to use it"),
                Scope::Categories { categories } => {
                    format!("add {count} more {items} from the “{}” category to use it", categories.join("/"))
                }
                Scope::Products { skus } => {
                    format!("add {count} more eligible {items} ({}) to use it", skus.join(", "))
                }
            }
        }
        (Alternative::Wait { minutes }, Lang::Ko) => format!("{minutes}분 후 적용 가능"),
        (Alternative::Wait { minutes }, Lang::En) => format!("applies in {minutes} min"),
    }
}

/// "Birthday today", "birthday in 3 days", … for a day offset.
pub fn birthday_phrase(days: i64, lang: Lang) -> String {
    match (days, lang) {
        (0, Lang::Ko) => "오늘 생일".into(),
        (0, Lang::En) => "birthday today".into(),
        (d, Lang::Ko) if d > 0 => format!("생일 {d}일 전"),
        (d, Lang::En) if d > 0 => format!("birthday in {d} day{}", plural(d)),
        (d, Lang::Ko) => format!("생일 {}일 후", -d),
        (d, Lang::En) => format!("birthday was {} day{} ago", -d, plural(-d)),
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn month_name(m: u32) -> &'static str {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    .get(m.saturating_sub(1) as usize)
    .copied()
    .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_categories_are_named_in_the_cashiers_language() {
        use crate::customer::Tier;
        let below = Reason::TierBelow { tier: Tier::Silver, needed: Tier::Gold };
        assert_eq!(reason_text(&below, Lang::Ko), "골드 등급 필요 (현재 실버)");
        assert_eq!(reason_text(&below, Lang::En), "needs gold tier (now silver)");
        assert_eq!((category_name("taste", Lang::Ko), category_name("주차", Lang::Ko)), ("맛", "주차"));
        let add =
            Alternative::AddItem { scope: Scope::Categories { categories: vec!["베이커리".into()] }, count: 1 };
        assert_eq!(alternative_text(&add, Lang::En), "add 1 more item from the “베이커리” category to use it");
        assert_eq!(alternative_text(&add, Lang::Ko), "베이커리 상품 1개 추가 시 적용");
    }

    #[test]
    fn picks_language_from_locale() {
        assert_eq!(Lang::from_locale(Some("ko_KR.UTF-8")), Lang::Ko);
        assert_eq!(Lang::from_locale(Some("en_US.UTF-8")), Lang::En);
        assert_eq!(Lang::from_locale(None), Lang::Ko);
        assert_eq!(Lang::from_locale(Some("C")), Lang::Ko);
        assert_eq!(Lang::from_locale(Some("C.UTF-8")), Lang::Ko, "C.UTF-8 says nothing about language");
    }

    #[test]
    fn explains_near_misses_in_both_languages() {
        let r = Reason::StampsShort { have: 8, need: 10, short: 2 };
        assert_eq!(reason_text(&r, Lang::En), "2 stamps short (8/10)");
        assert_eq!(reason_text(&r, Lang::Ko), "스탬프 2개 부족 (8/10)");
        let c = Reason::CouponExpired { code: "BDAY-1".into(), days_ago: 3 };
        assert_eq!(reason_text(&c, Lang::En), "coupon BDAY-1 expired 3 days ago");
    }
}
