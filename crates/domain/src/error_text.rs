//! The domain's errors as sentences, in Korean and English, made from the
//! data each error carries. `Display` is the English sentence (logs, tests);
//! shells call `message(lang)`.

use crate::error::{CartProblem, DomainError, Expected, NotApplicable, PhoneProblem, Problem, Unit};
use crate::lang::Lang;
use crate::money::format_won;
use std::fmt;

/// A field's label: `FIELDS` codes get words; anything else (a rule's JSON
/// path, which the owner typed) is shown as it is.
pub fn field_label(field: &str, lang: Lang) -> String {
    let (ko, en) = match field {
        "name" => ("이름", "name"),
        "preferred_name" => ("호칭", "preferred name"),
        "birth_date" => ("생년월일", "birth date"),
        "tier" => ("등급", "tier"),
        "card_code" => ("카드 번호", "card code"),
        "tag" => ("태그", "tag"),
        "note" => ("메모", "note"),
        "feedback_kind" => ("의견 종류", "feedback kind"),
        "feedback_category" => ("의견 분류", "feedback category"),
        "feedback_text" => ("의견 내용", "feedback text"),
        "sku" => ("상품 코드", "SKU"),
        "product_name" => ("상품명", "product name"),
        "category" => ("분류", "category"),
        "price" => ("가격", "price"),
        "goodwill_amount" => ("서비스 할인 금액", "goodwill amount"),
        "goodwill_reason" => ("서비스 할인 사유", "goodwill reason"),
        "loyalty_settings" => ("적립 설정", "loyalty settings"),
        "tier_bonus_bp" => ("등급별 추가 적립", "tier bonus"),
        "stamp_categories" => ("스탬프 분류", "stamp categories"),
        "stamp_category" => ("스탬프 분류", "stamp category"),
        "time_zone" => ("시간대", "time zone"),
        "shop_name" => ("가게 이름", "shop name"),
        "marketing_consent" => ("마케팅 동의", "marketing consent"),
        "quantity" => ("수량", "quantity"),
        "dismiss_reason" => ("할인을 건너뛰는 사유", "reason for dismissing a discount"),
        // A discount rule's fields, by their path in the rule.
        "id" => ("규칙 코드", "rule code"),
        "name_en" => ("영어 이름", "English name"),
        "benefit" => ("혜택", "benefit"),
        "benefit.percent_bp" => ("할인율", "percent off"),
        "benefit.amount" => ("할인 금액", "amount off"),
        "benefit.count" => ("무료 개수", "items free"),
        "benefit.max_unit_price" => ("개당 최대 가격", "most per item"),
        "benefit.buy" => ("사는 개수", "items bought"),
        "benefit.get" => ("무료 개수", "items free"),
        "benefit.won_per_point" => ("1포인트의 값", "value of a point"),
        "benefit.min_points" => ("최소 사용 포인트", "fewest points"),
        "benefit.max_share_bp" => ("최대 결제 비율", "largest share paid"),
        "scope.categories" => ("적용 분류", "categories"),
        "scope.skus" => ("적용 상품", "products"),
        "conditions" => ("조건", "conditions"),
        "conditions.min_age.years" => ("나이 조건", "age"),
        "conditions.stamps.count" => ("스탬프 개수", "stamps"),
        "conditions.min_spend.amount" => ("최소 구매 금액", "least spend"),
        "conditions.birthday.window.days" => ("생일 전후 일수", "days around the birthday"),
        "conditions.time_window" => ("요일·시간 조건", "days and hours"),
        "conditions.time_window.days" => ("요일", "days"),
        "valid_from" => ("시작일", "first day"),
        "valid_until" => ("종료일", "last day"),
        "limit.count" => ("1인당 횟수", "uses per customer"),
        "stacking" => ("함께 쓰기", "combining"),
        other => return other.to_string(),
    };
    lang.pick(ko, en).to_string()
}

/// What is wrong, as the end of a sentence about a field.
pub fn problem_text(p: &Problem, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    match p {
        Problem::Empty => lang.pick("비어 있습니다", "must not be empty").into(),
        Problem::TooLong { max, got, unit } => match (unit, ko) {
            (Unit::Characters, true) => format!("{got}자입니다. 최대 {max}자까지 입력할 수 있습니다"),
            (Unit::Characters, false) => format!("is {got} characters long; at most {max} are allowed"),
            (Unit::Bytes, true) => format!("너무 깁니다 ({got}바이트, 최대 {max}바이트)"),
            (Unit::Bytes, false) => format!("is {got} bytes long; at most {max} bytes are allowed"),
        },
        Problem::TooMany { max, got } => {
            if ko {
                format!("{got}개입니다. 최대 {max}개까지 가능합니다")
            } else {
                format!("has {got} entries; at most {max} are allowed")
            }
        }
        Problem::ControlCharacters => {
            lang.pick("제어 문자가 들어 있습니다", "must not contain control characters").into()
        }
        Problem::NoLetters => lang.pick("글자가 하나도 없습니다", "contains no letters").into(),
        Problem::Format { expected } => {
            let (k, e) = match expected {
                Expected::Date => {
                    ("YYYY-MM-DD 형식(예: 1958-03-02)", "a date in the form YYYY-MM-DD (e.g. 1958-03-02)")
                }
                Expected::TimeZone => ("Asia/Seoul 같은 IANA 시간대 이름", "an IANA time zone name such as Asia/Seoul"),
                Expected::Code => ("영문, 숫자, '-', '_'로 된 코드", "a code of letters, digits, '-' or '_'"),
                Expected::CardCode => {
                    ("공백 없는 5~64자의 영문, 숫자, 기호", "5-64 ASCII letters, digits or symbols without spaces")
                }
                Expected::WholeWon => ("원 단위 정수(예: 4500)", "a whole number of won, such as 4500"),
                Expected::YesNo => ("동의/미동의, yes/no, 1/0 중 하나", "yes/no, true/false, 1/0 or 동의/미동의"),
            };
            if ko { format!("{k}여야 합니다") } else { format!("must be {e}") }
        }
        Problem::Json { line, column } => {
            if ko {
                format!("JSON 형식이 아닙니다 ({line}번째 줄 {column}번째 글자)")
            } else {
                format!("is not valid JSON (line {line}, column {column})")
            }
        }
        Problem::InFuture => lang.pick("미래의 날짜입니다", "is in the future").into(),
        Problem::TooEarly { min } => {
            if ko {
                format!("{min}보다 이전일 수 없습니다")
            } else {
                format!("cannot be before {min}")
            }
        }
        Problem::TooLate { max } => {
            if ko {
                format!("{max}보다 이후일 수 없습니다")
            } else {
                format!("cannot be after {max}")
            }
        }
        Problem::NotOneOf { got, allowed } => {
            if ko {
                format!("\"{got}\"은(는) 쓸 수 없습니다. {} 중 하나여야 합니다", allowed.join(", "))
            } else {
                format!("{got:?} is not accepted; it must be one of {}", allowed.join(", "))
            }
        }
        Problem::Forbidden { character } => {
            if ko {
                format!("'{character}' 문자는 쓸 수 없습니다")
            } else {
                format!("must not contain '{character}'")
            }
        }
        Problem::Repeated { value } if value.is_empty() => {
            lang.pick("같은 값이 두 번 있습니다", "lists a value twice").into()
        }
        Problem::Repeated { value } => {
            if ko {
                format!("{value}이(가) 두 번 있습니다")
            } else {
                format!("lists {value} twice")
            }
        }
        Problem::NotPositive => lang.pick("0보다 커야 합니다", "must be more than zero").into(),
        Problem::Reserved => lang.pick("시스템이 쓰는 값이라 쓸 수 없습니다", "is reserved").into(),
        Problem::AfterOther { other } => {
            if ko {
                format!("{other}보다 늦을 수 없습니다")
            } else {
                format!("cannot be after {other}")
            }
        }
        Problem::OutOfRange { min, max, got } => range_text(*min, *max, got, lang),
        Problem::SameStartAndEnd => {
            lang.pick("시작과 끝 시간이 같습니다", "needs different start and end times").into()
        }
        Problem::ExclusiveRedemption => lang
            .pick(
                "포인트 사용은 단독 할인이 될 수 없습니다 (고객의 돈입니다)",
                "points redemption cannot be exclusive (it is the customer's own money)",
            )
            .into(),
    }
}

fn range_text(min: i64, max: i64, got: &str, lang: Lang) -> String {
    match lang {
        Lang::Ko => format!("{min}~{max} 사이여야 합니다 (입력: {got})"),
        Lang::En => format!("must be between {min} and {max} (got {got})"),
    }
}

fn phone_text(p: &PhoneProblem, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    match p {
        PhoneProblem::Empty => lang.pick("번호가 비어 있습니다", "the number is empty").into(),
        PhoneProblem::Character { character } => {
            if ko {
                format!("'{character}'는 번호에 쓸 수 없습니다. 숫자, 공백, '-'만 쓰세요")
            } else {
                format!("unexpected character '{character}'; use digits, spaces or dashes")
            }
        }
        PhoneProblem::TooManyDigits => lang.pick("숫자가 너무 많습니다", "too many digits").into(),
        PhoneProblem::NotKorean => {
            lang.pick("한국(+82) 번호만 받습니다", "only Korean (+82) numbers are accepted").into()
        }
        PhoneProblem::NotMobile => lang
            .pick(
                "휴대폰 번호가 아닙니다. 휴대폰 번호는 010(또는 011, 016~019)으로 시작합니다",
                "not a mobile number: Korean mobile numbers start with 010 (or 011, 016-019)",
            )
            .into(),
        PhoneProblem::Length { prefix, expected, got } => {
            if ko {
                format!("{prefix} 번호는 {expected}자리인데 {got}자리입니다")
            } else {
                format!("{prefix} numbers have {expected} digits, this one has {got}")
            }
        }
        PhoneProblem::UnknownPrefix { prefix } => {
            if ko {
                format!("{prefix}은(는) 휴대폰 번호 앞자리가 아닙니다 (010, 011, 016~019)")
            } else {
                format!("unknown mobile prefix {prefix}; expected 010, 011 or 016-019")
            }
        }
        PhoneProblem::MiddleBlock => {
            lang.pick("가운데 자리는 0으로 시작할 수 없습니다", "the middle block cannot start with 0").into()
        }
    }
}

fn cart_text(p: &CartProblem, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    match p {
        CartProblem::Empty => lang.pick("장바구니가 비어 있습니다", "the cart is empty").into(),
        CartProblem::TooManyLines { max, got } => {
            if ko {
                format!("장바구니가 {got}줄입니다. 최대 {max}줄까지 가능합니다")
            } else {
                format!("the cart has {got} lines; at most {max} are allowed")
            }
        }
        CartProblem::Quantity { line, sku, qty, max } => {
            if ko {
                format!("{line}번째 줄({sku})의 수량 {qty}: 수량은 1~{max}개입니다")
            } else {
                format!("line {line} ({sku}) has quantity {qty}; quantities are 1-{max}")
            }
        }
        CartProblem::UnknownProduct { line, sku } => {
            if ko {
                format!("{line}번째 줄: 없는 상품 {sku}")
            } else {
                format!("line {line}: unknown product {sku}")
            }
        }
    }
}

fn not_applicable_text(rule: &str, why: &NotApplicable, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    match why {
        NotApplicable::UnknownRule => {
            if ko {
                format!("'{rule}' 할인은 없거나 꺼져 있습니다")
            } else {
                format!("discount {rule:?} does not exist or is not active")
            }
        }
        NotApplicable::NotEligible { reason } => match (reason, ko) {
            (Some(r), true) => format!("'{rule}' 할인은 적용할 수 없습니다: {}", r.ko),
            (Some(r), false) => format!("discount {rule:?} cannot be applied: {}", r.en),
            (None, true) => format!("'{rule}' 할인은 이 고객과 장바구니에 적용되지 않습니다"),
            (None, false) => format!("discount {rule:?} does not apply to this customer and cart"),
        },
        NotApplicable::AppliedTwice => {
            if ko {
                format!("'{rule}' 할인이 두 번 적용되었습니다")
            } else {
                format!("discount {rule:?} is applied twice")
            }
        }
        NotApplicable::CannotCombine { rules } => {
            if ko {
                format!(
                    "{} 할인은 함께 쓸 수 없습니다 (단독 할인은 혼자만, 스탬프 보상은 스탬프가 충분할 때만)",
                    rules.join(", ")
                )
            } else {
                format!(
                    "discounts {} cannot be combined (an exclusive discount applies alone, and stamp rewards need enough stamps)",
                    rules.join(", ")
                )
            }
        }
        NotApplicable::AppliedAndDismissed => {
            if ko {
                format!("'{rule}' 할인이 적용과 건너뛰기에 모두 있습니다")
            } else {
                format!("discount {rule:?} is both applied and dismissed")
            }
        }
    }
}

impl DomainError {
    /// The error as one sentence in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let ko = lang == Lang::Ko;
        match self {
            DomainError::InvalidPhone { input, problem } => {
                if ko {
                    format!("전화번호 \"{input}\"를 쓸 수 없습니다: {}", phone_text(problem, lang))
                } else {
                    format!("invalid phone number {input:?}: {}", phone_text(problem, lang))
                }
            }
            DomainError::InvalidField { field, problem } => {
                let label = field_label(field, lang);
                if ko {
                    format!("{label}: {}", problem_text(problem, lang))
                } else {
                    format!("invalid {label}: {}", problem_text(problem, lang))
                }
            }
            DomainError::InvalidCart { problem } => {
                if ko {
                    format!("장바구니를 계산할 수 없습니다: {}", cart_text(problem, lang))
                } else {
                    format!("invalid cart: {}", cart_text(problem, lang))
                }
            }
            DomainError::OutOfRange { field, min, max, got } => {
                format!("{} {}", field_label(field, lang), range_text(*min, *max, got, lang))
            }
            DomainError::InvalidRule { rule_id, field, problem } => {
                let place = if field.is_empty() { String::new() } else { format!(" {field}") };
                if ko {
                    // The field in words; the English message keeps its path in the rule.
                    let place =
                        if field.is_empty() { String::new() } else { format!("의 {}", field_label(field, lang)) };
                    format!("할인 규칙 '{rule_id}'{place}: {}", problem_text(problem, lang))
                } else {
                    format!("invalid discount rule {rule_id:?}{place}: {}", problem_text(problem, lang))
                }
            }
            DomainError::RuleNotEligible { rule_id, why } => not_applicable_text(rule_id, why, lang),
            DomainError::OwnerApprovalRequired { amount, limit } => {
                if ko {
                    format!(
                        "서비스 할인 {}은(는) 직원 한도 {}를 넘습니다. 사장님 PIN이 필요합니다",
                        format_won(*amount),
                        format_won(*limit)
                    )
                } else {
                    format!(
                        "a goodwill discount of {} is above the cashier limit of {}; the owner's PIN is needed",
                        format_won(*amount),
                        format_won(*limit)
                    )
                }
            }
            DomainError::GateRefused { unacknowledged } => {
                let list = unacknowledged
                    .iter()
                    .map(|d| format!("{} ({})", d.name, format_won(d.saving)))
                    .collect::<Vec<_>>()
                    .join(", ");
                if ko {
                    format!(
                        "적용하지 않은 할인이 있어 결제를 마칠 수 없습니다: {list}. 적용하거나 사유를 남기고 건너뛰세요"
                    )
                } else {
                    format!(
                        "checkout refused: eligible discount(s) not applied or dismissed: {list}; apply each one or dismiss it with a reason"
                    )
                }
            }
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FIELDS;

    #[test]
    fn every_field_has_a_korean_label() {
        for field in FIELDS {
            let ko = field_label(field, Lang::Ko);
            assert!(ko.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)), "{field}: {ko}");
        }
    }

    #[test]
    fn korean_messages_carry_no_english_words() {
        let errors = [
            crate::phone::Phone::parse("02-123-4567").unwrap_err(),
            crate::phone::Phone::parse("010-12x4-5678").unwrap_err(),
            crate::customer::validate_name(&"가".repeat(61), "name").unwrap_err(),
            crate::customer::parse_birth_date("1958/03/02", chrono::Utc::now()).unwrap_err(),
            DomainError::OwnerApprovalRequired { amount: 5000, limit: 3000 },
        ];
        // A rule's field is said in words, not as its path in the rule.
        let rules = [
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":20000}}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"amount_off","amount":0}}"#,
            r#"{"id":"x y","name":"X","benefit":{"type":"amount_off","amount":5}}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"free_items","count":0}}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"redeem_points","won_per_point":0}}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":-3}]}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"birthday","window":{"type":"days","days":400}}]}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"time_window","window":{"start":"10:00:00","end":"10:00:00"}}]}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"limit":{"count":0,"per":"day"}}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"valid_until":"9999-01-01"}"#,
            r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"scope":{"type":"categories","categories":[]}}"#,
        ]
        .map(|json| crate::rules::DiscountRule::from_json(json).unwrap_err());
        for e in errors.into_iter().chain(rules) {
            let ko = e.message(Lang::Ko);
            let english: Vec<&str> = ko
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 2 && !["YYYY", "PIN"].contains(w))
                .collect();
            assert!(english.is_empty(), "{ko}: {english:?}");
            assert_ne!(ko, e.message(Lang::En));
        }
    }
}
