//! The suggestion engine: a short ranked list of one-line prompts for the
//! cashier, each with its reason ("Born 1954, age 72: 65+ qualifies").
//!
//! Eligible discounts rank first: one that would add to the discounts
//! selected is money the customer is owed ("apply it"), and one that is
//! applied is news the customer should hear ("tell them"), as in the story of
//! the couple who never knew their discount applied. Other prompts (a complaint to follow up, a birthday, a
//! stamp card about to complete, a regular coming back, expiring points, a
//! usual item missing, the preferred form of address, missing consent) rank
//! below, lose weight when shown repeatedly without being accepted, and are
//! not repeated at the next visit once dismissed.

use crate::catalog::PricedCart;
use crate::customer::Customer;
use crate::eligibility::{CustomerFacts, Evaluation};
use crate::feedback::Feedback;
use crate::i18n::{Lang, reason_text};
use crate::money::format_won;
use crate::time::{ShopZone, days_to_nearest_birthday};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Default number of prompts shown.
pub const DEFAULT_LIMIT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// An eligible discount not yet applied.
    Discount,
    /// An open complaint to follow up.
    FollowUp,
    Birthday,
    /// A regular back after a long gap.
    Comeback,
    /// A stamp card one or two stamps from complete.
    StampAlmost,
    PointsExpiring,
    /// Points the customer could use (their choice).
    PointsAvailable,
    /// An item usually bought, missing from the cart.
    UsualItem,
    /// How the customer likes to be addressed.
    PreferredName,
    /// Marketing consent never asked.
    Consent,
}

impl SuggestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionKind::Discount => "discount",
            SuggestionKind::FollowUp => "follow_up",
            SuggestionKind::Birthday => "birthday",
            SuggestionKind::Comeback => "comeback",
            SuggestionKind::StampAlmost => "stamp_almost",
            SuggestionKind::PointsExpiring => "points_expiring",
            SuggestionKind::PointsAvailable => "points_available",
            SuggestionKind::UsualItem => "usual_item",
            SuggestionKind::PreferredName => "preferred_name",
            SuggestionKind::Consent => "consent",
        }
    }
}

/// One prompt for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub kind: SuggestionKind,
    /// Stable key for remembering accept/dismiss per customer, e.g.
    /// `discount:senior-65` or `usual_item:SALT-BREAD`.
    pub key: String,
    pub text: String,
    pub reason: String,
    pub score: i32,
    /// The rule a discount prompt is about.
    pub rule_id: Option<String>,
    /// For a discount: what it takes off (applied) or would add (not yet).
    pub saving: Option<i64>,
    /// For a discount: already applied, so the prompt is to tell the customer.
    pub applied: bool,
}

/// A usual item, from the customer's history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsualItem {
    pub sku: String,
    pub name: String,
    /// Share of recent visits that included it, in percent.
    pub share_pct: u32,
}

/// What the store knows of the customer's past, summarised.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HistorySummary {
    pub visits: u32,
    pub last_visit: Option<DateTime<Utc>>,
    /// Median days between recent visits.
    pub usual_interval_days: Option<i64>,
    pub usual_items: Vec<UsualItem>,
}

/// What the cashier did with a prompt earlier, per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptMemory {
    pub key: String,
    /// Completed visits since it was last dismissed (0 = dismissed during the
    /// current visit), if it ever was.
    pub visits_since_dismissed: Option<u32>,
    /// Times shown at recent visits without being accepted.
    pub ignored: u32,
}

/// Everything the ranking looks at.
pub struct SuggestionInput<'a> {
    /// `None` for a walk-in sale: only discounts are suggested.
    pub customer: Option<&'a Customer>,
    pub facts: &'a CustomerFacts,
    pub eval: &'a Evaluation,
    /// Discounts the cashier already told the customer about (or skipped).
    pub told: &'a [String],
    pub cart: &'a PricedCart,
    pub history: &'a HistorySummary,
    pub open_complaints: &'a [Feedback],
    /// Points about to expire and when.
    pub points_expiring: Option<(i64, DateTime<Utc>)>,
    /// (stamps needed, rule name) of the stamp rewards configured.
    pub stamp_goals: &'a [(i64, String)],
    pub memory: &'a [PromptMemory],
    pub at: DateTime<Utc>,
    pub zone: ShopZone,
    pub lang: Lang,
}

/// Ranks every applicable prompt and returns the top `limit`.
pub fn suggest(input: &SuggestionInput, limit: usize) -> Vec<Suggestion> {
    let mut all = candidates(input);
    for s in all.iter_mut() {
        if s.kind == SuggestionKind::Discount {
            continue;
        }
        if let Some(m) = input.memory.iter().find(|m| m.key == s.key) {
            s.score -= 15 * m.ignored.min(6) as i32;
            if m.visits_since_dismissed.is_some_and(|v| v <= 1) {
                s.score = i32::MIN;
            }
        }
    }
    all.retain(|s| s.score > 0);
    all.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    all.truncate(limit);
    all
}

fn candidates(input: &SuggestionInput) -> Vec<Suggestion> {
    let lang = input.lang;
    let mut out = Vec::new();
    for st in &input.eval.standings {
        if input.told.contains(&st.rule_id) || !(st.applied || st.adds > 0) {
            continue;
        }
        let Some(e) = input.eval.find(&st.rule_id).filter(|e| !e.optional) else {
            continue;
        };
        let (text, saving, score) = if st.applied {
            let text = match lang {
                Lang::Ko => format!("{} 적용됨 (−{}): 고객님께 알려 드리세요", e.name, format_won(st.applied_saving)),
                Lang::En => format!("{} applied (−{}): tell the customer", e.name, format_won(st.applied_saving)),
            };
            (text, st.applied_saving, 1_000 + (st.applied_saving / 100).min(500) as i32)
        } else {
            let text = match lang {
                Lang::Ko => format!("{} 적용: {} 더 할인", e.name, format_won(st.adds)),
                Lang::En => format!("Apply {}: saves {} more", e.name, format_won(st.adds)),
            };
            (text, st.adds, 1_600 + (st.adds / 100).min(500) as i32)
        };
        let reason = e.reasons.iter().map(|r| reason_text(r, lang)).collect::<Vec<_>>().join(" · ");
        out.push(Suggestion {
            kind: SuggestionKind::Discount,
            key: format!("discount:{}", st.rule_id),
            text,
            reason,
            score,
            rule_id: Some(st.rule_id.clone()),
            saving: Some(saving),
            applied: st.applied,
        });
    }

    let Some(c) = input.customer else {
        return out;
    };
    let mut push = |kind: SuggestionKind, subject: &str, score: i32, text: String, reason: String| {
        out.push(Suggestion {
            kind,
            key: format!("{}:{subject}", kind.as_str()),
            text,
            reason,
            score,
            rule_id: None,
            saving: None,
            applied: false,
        });
    };

    for f in input.open_complaints.iter().take(1) {
        let days = input.zone.days_between(f.at, input.at);
        let text = match lang {
            Lang::Ko => format!("지난 불만 확인: \"{}\"", short(&f.text)),
            Lang::En => format!("Follow up the complaint: \"{}\"", short(&f.text)),
        };
        let reason = match lang {
            Lang::Ko => format!("{}일 전 접수 · {} · 미해결", days, crate::i18n::category_name(&f.category, lang)),
            Lang::En => {
                format!("logged {} days ago · {} · still open", days, crate::i18n::category_name(&f.category, lang))
            }
        };
        push(SuggestionKind::FollowUp, &f.id.to_string(), 900, text, reason);
    }

    if let Some(birth) = c.birth_date {
        let today = input.zone.date(input.at);
        let d = days_to_nearest_birthday(birth, today);
        if (-3..=7).contains(&d) {
            let text = lang.pick("생일 축하 인사를 건네 보세요", "Wish them a happy birthday").to_string();
            push(
                SuggestionKind::Birthday,
                &today.format("%Y").to_string(),
                800 - d.abs() as i32,
                text,
                crate::i18n::birthday_phrase(d, lang),
            );
        }
    }

    if let (Some(last), Some(interval)) = (input.history.last_visit, input.history.usual_interval_days) {
        let gap = input.zone.days_between(last, input.at);
        if input.history.visits >= 5 && gap >= (interval * 3).max(30) {
            let text = match lang {
                Lang::Ko => format!("오랜만의 방문을 반겨 주세요 ({gap}일 만)"),
                Lang::En => format!("Welcome them back ({gap} days since the last visit)"),
            };
            let reason = match lang {
                Lang::Ko => format!("보통 {interval}일마다 방문하던 단골"),
                Lang::En => format!("a regular who usually comes every {interval} days"),
            };
            push(SuggestionKind::Comeback, &last.format("%Y%m%d").to_string(), 700, text, reason);
        }
    }

    let stamps = input.facts.stamps;
    if let Some((need, name)) =
        input.stamp_goals.iter().filter(|(need, _)| *need > stamps).min_by_key(|(need, _)| *need)
    {
        let short = need - stamps;
        if short <= 2 {
            let text = match lang {
                Lang::Ko => format!("스탬프 {short}개만 더 모으면 {name}"),
                Lang::En => format!("{short} more stamp{} for {name}", if short == 1 { "" } else { "s" }),
            };
            let reason = match lang {
                Lang::Ko => format!("현재 스탬프 {stamps}/{need}"),
                Lang::En => format!("stamp card at {stamps}/{need}"),
            };
            push(SuggestionKind::StampAlmost, &format!("{need}-{stamps}"), 600, text, reason);
        }
    }

    if let Some((points, when)) = input.points_expiring {
        let date = input.zone.date(when);
        let text = match lang {
            Lang::Ko => format!("{points}P가 {date}에 소멸 예정"),
            Lang::En => format!("{points} points expire on {date}"),
        };
        let reason = lang.pick("사용하지 않으면 사라지는 포인트", "unused points will be lost").to_string();
        push(SuggestionKind::PointsExpiring, &date.to_string(), 550, text, reason);
    }

    if let Some(e) =
        input.eval.eligible.iter().find(|e| {
            e.optional && !input.told.contains(&e.rule_id) && !input.eval.selected.rule_ids.contains(&e.rule_id)
        })
    {
        let text = match lang {
            Lang::Ko => format!("포인트 사용 여부 여쭤보기 (최대 {})", format_won(e.saving)),
            Lang::En => format!("Ask whether to pay with points (up to {})", format_won(e.saving)),
        };
        let reason = e.reasons.iter().map(|r| reason_text(r, lang)).collect::<Vec<_>>().join(" · ");
        push(SuggestionKind::PointsAvailable, &e.rule_id, 500, text, reason);
    }

    if let Some(item) = input.history.usual_items.iter().find(|i| i.share_pct >= 30 && !input.cart.contains_sku(&i.sku))
    {
        let text = match lang {
            Lang::Ko => format!("늘 사시던 {} 챙기셨나요?", item.name),
            Lang::En => format!("Their usual {}: add it?", item.name),
        };
        let reason = match lang {
            Lang::Ko => format!("최근 방문의 {}%에서 구매", item.share_pct),
            Lang::En => format!("bought at {}% of recent visits", item.share_pct),
        };
        push(SuggestionKind::UsualItem, &item.sku, 400, text, reason);
    }

    if let Some(p) = &c.preferred_name {
        let text = match lang {
            Lang::Ko => format!("\"{p}\"(으)로 불러 주세요"),
            Lang::En => format!("Greet them as \"{p}\""),
        };
        let reason = lang.pick("고객이 좋아하는 호칭", "the form of address they prefer").to_string();
        push(SuggestionKind::PreferredName, "name", 300, text, reason);
    }

    if !c.marketing_consent && c.consent_at.is_none() {
        let text = lang.pick("마케팅 수신 동의를 여쭤보세요", "Ask for marketing consent").to_string();
        let reason = lang.pick("동의 여부 기록 없음", "consent never recorded").to_string();
        push(SuggestionKind::Consent, "marketing", 200, text, reason);
    }
    out
}

fn short(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}
