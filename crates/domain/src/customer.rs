//! Customers: who they are, how they like to be addressed, and what they
//! agreed to. Input is validated here once, so the rest of the system only
//! ever sees well-formed customers.

use crate::error::{DomainError, Expected, Problem, Result, Unit};
use crate::phone::Phone;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// Longest free-text note accepted, in bytes (a few pages of text).
pub const MAX_NOTE_BYTES: usize = 4_000;
/// Longest loyalty card / QR code accepted.
pub const MAX_CARD_CHARS: usize = 64;

/// Membership tier, lowest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    Basic,
    Silver,
    Gold,
    Vip,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Basic, Tier::Silver, Tier::Gold, Tier::Vip];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Basic => "basic",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Vip => "vip",
        }
    }

    /// Parses a tier by its code (`gold`) or its Korean name (`골드`), as an
    /// owner's spreadsheet may write it.
    pub fn parse(s: &str) -> Result<Tier> {
        let s = s.trim();
        let korean = match s {
            "일반" | "기본" => Some(Tier::Basic),
            "실버" => Some(Tier::Silver),
            "골드" => Some(Tier::Gold),
            "브이아이피" => Some(Tier::Vip),
            _ => None,
        };
        korean.or_else(|| Tier::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s))).ok_or_else(|| {
            DomainError::field(
                "tier",
                Problem::NotOneOf {
                    got: crate::error::cut(s),
                    allowed: ["basic", "silver", "gold", "vip", "일반", "실버", "골드"].map(String::from).to_vec(),
                },
            )
        })
    }
}

/// A customer as the counter knows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: Uuid,
    pub name: String,
    /// How the customer likes to be addressed ("Teacher Kim", "박 선생님").
    pub preferred_name: Option<String>,
    pub phone: Phone,
    pub birth_date: Option<NaiveDate>,
    pub tier: Tier,
    pub tags: Vec<String>,
    pub notes: String,
    pub marketing_consent: bool,
    /// When consent was given (or withdrawn), if ever recorded.
    pub consent_at: Option<DateTime<Utc>>,
    /// Loyalty card number or QR payload.
    pub card_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    /// The name to greet the customer with: the preferred form if set.
    pub fn greeting_name(&self) -> &str {
        self.preferred_name.as_deref().unwrap_or(&self.name)
    }
}

/// Unvalidated customer input, as typed at the counter or read from CSV.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomerInput {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub marketing_consent: Option<bool>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub card_code: Option<String>,
}

impl CustomerInput {
    /// Validates everything and builds the customer with the given id and time.
    pub fn validate(self, id: Uuid, at: DateTime<Utc>) -> Result<Customer> {
        let name = validate_name(&self.name, "name")?;
        let phone = Phone::parse(&self.phone)?;
        let birth_date = match self.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(parse_birth_date(s, at)?),
        };
        let preferred_name = match self.preferred_name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(validate_name(s, "preferred_name")?),
        };
        let tier = match self.tier.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Tier::Basic,
            Some(s) => Tier::parse(s)?,
        };
        let notes = validate_note(self.notes.as_deref().unwrap_or(""))?;
        let card_code = match self.card_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            // Cards and QR codes are scanned: ASCII without spaces, long
            // enough never to be mistaken for the last 4 digits of a phone.
            Some(s) if !(5..=MAX_CARD_CHARS).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_graphic()) => {
                return Err(DomainError::field("card_code", Problem::Format { expected: Expected::CardCode }));
            }
            Some(s) => Some(s.to_string()),
        };
        let tags = self
            .tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| {
                if t.contains(';') {
                    Err(DomainError::field("tag", Problem::Forbidden { character: ";".into() }))
                } else {
                    validate_name(t, "tag")
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let consent = self.marketing_consent.unwrap_or(false);
        Ok(Customer {
            id,
            name,
            preferred_name,
            phone,
            birth_date,
            tier,
            tags,
            notes,
            marketing_consent: consent,
            consent_at: self.marketing_consent.map(|_| at),
            card_code,
            created_at: at,
            updated_at: at,
        })
    }
}

/// A change to a customer's profile: only the fields given change
/// (`Some("")` clears an optional text). The phone is the customer's
/// identity and is not edited here; a tier is the owner's to give.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomerPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub marketing_consent: Option<bool>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

impl CustomerPatch {
    /// Whether the patch names a tier (the owner's to change).
    pub fn changes_tier(&self) -> bool {
        self.tier.as_deref().is_some_and(|t| !t.trim().is_empty())
    }

    /// The customer after the patch, validated as a registration is; the
    /// consent's moment moves only when the consent changes, or is first
    /// recorded (a "no" from a customer never asked is an answer, not
    /// "still not asked").
    pub fn apply(self, before: &Customer, at: DateTime<Utc>) -> Result<Customer> {
        let consent_changed =
            self.marketing_consent.is_some_and(|c| c != before.marketing_consent || before.consent_at.is_none());
        let input = CustomerInput {
            name: self.name.unwrap_or_else(|| before.name.clone()),
            phone: before.phone.digits().to_string(),
            birth_date: self.birth_date.or_else(|| before.birth_date.map(|d| d.format("%Y-%m-%d").to_string())),
            preferred_name: self.preferred_name.or_else(|| before.preferred_name.clone()),
            tier: Some(self.tier.unwrap_or_else(|| before.tier.as_str().to_string())),
            marketing_consent: Some(self.marketing_consent.unwrap_or(before.marketing_consent)),
            notes: Some(self.notes.unwrap_or_else(|| before.notes.clone())),
            tags: self.tags.unwrap_or_else(|| before.tags.clone()),
            card_code: before.card_code.clone(),
        };
        let mut after = input.validate(before.id, at)?;
        after.created_at = before.created_at;
        after.consent_at = if consent_changed { Some(at) } else { before.consent_at };
        Ok(after)
    }
}

/// Marketing consent as people write it: yes/no, true/false, 1/0, y/n,
/// o/x, 동의/미동의/거부, 예/아니오; empty is "not asked" (`None`).
pub fn parse_consent(s: &str) -> Result<Option<bool>> {
    match s.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "y" | "1" | "o" | "동의" | "예" => Ok(Some(true)),
        "false" | "no" | "n" | "0" | "x" | "미동의" | "거부" | "아니오" => Ok(Some(false)),
        _ => Err(DomainError::field("marketing_consent", Problem::Format { expected: Expected::YesNo })),
    }
}

/// A person's name or a short label: 1–60 printable characters, in NFC
/// (see `hangul::nfc`) with single spaces.
pub fn validate_name(raw: &str, field: &'static str) -> Result<String> {
    if raw.len() > MAX_NAME_CHARS * 16 {
        // Not worth composing: far too long in any form.
        return Err(DomainError::too_long(field, MAX_NAME_CHARS, raw.chars().count(), Unit::Characters));
    }
    let composed = crate::hangul::nfc(raw);
    let s = composed.trim();
    if s.is_empty() {
        return Err(DomainError::field(field, Problem::Empty));
    }
    let count = s.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(DomainError::too_long(field, MAX_NAME_CHARS, count, Unit::Characters));
    }
    if s.chars().any(char::is_control) {
        return Err(DomainError::field(field, Problem::ControlCharacters));
    }
    if !s.chars().any(char::is_alphabetic) {
        return Err(DomainError::field(field, Problem::NoLetters));
    }
    Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A free-text note: at most `MAX_NOTE_BYTES`.
pub fn validate_note(raw: &str) -> Result<String> {
    if raw.len() > MAX_NOTE_BYTES {
        return Err(DomainError::too_long("note", MAX_NOTE_BYTES, raw.len(), Unit::Bytes));
    }
    if raw.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(DomainError::field("note", Problem::ControlCharacters));
    }
    let note = crate::hangul::nfc(raw.trim()).into_owned();
    if note.len() > MAX_NOTE_BYTES {
        return Err(DomainError::too_long("note", MAX_NOTE_BYTES, note.len(), Unit::Bytes));
    }
    Ok(note)
}

/// A birth date `YYYY-MM-DD`, not in the future and not absurdly old.
pub fn parse_birth_date(s: &str, at: DateTime<Utc>) -> Result<NaiveDate> {
    let date = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::field("birth_date", Problem::Format { expected: Expected::Date }))?;
    if date > at.date_naive() + chrono::Duration::days(1) {
        return Err(DomainError::field("birth_date", Problem::InFuture));
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") {
        return Err(DomainError::field("birth_date", Problem::TooEarly { min: "1900-01-01".into() }));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn input(name: &str, phone: &str) -> CustomerInput {
        CustomerInput { name: name.into(), phone: phone.into(), ..Default::default() }
    }

    /// Consent has three states: never asked, yes, no. A first "no" is
    /// recorded (with its moment), so an export can tell the two apart; a
    /// repeated answer keeps the first moment.
    #[test]
    fn a_first_no_to_marketing_is_recorded() {
        let never = input("김민지", "010-1234-5678").validate(uuid::Uuid::nil(), at()).unwrap();
        assert_eq!((never.marketing_consent, never.consent_at), (false, None));
        let later = at() + chrono::Duration::days(1);
        let no = CustomerPatch { marketing_consent: Some(false), ..Default::default() }.apply(&never, later).unwrap();
        assert_eq!((no.marketing_consent, no.consent_at), (false, Some(later)));
        let again = CustomerPatch { marketing_consent: Some(false), ..Default::default() }
            .apply(&no, later + chrono::Duration::days(1))
            .unwrap();
        assert_eq!(again.consent_at, Some(later), "the same answer keeps its moment");
        let untouched = CustomerPatch::default().apply(&never, later).unwrap();
        assert_eq!(untouched.consent_at, None, "not asked stays not asked");
    }

    #[test]
    fn validates_a_full_customer() {
        let c = CustomerInput {
            birth_date: Some("1954-03-01".into()),
            preferred_name: Some("  Teacher   Kim ".into()),
            tier: Some("Gold".into()),
            marketing_consent: Some(true),
            notes: Some("likes rye".into()),
            ..input("김영자", "010-2222-3333")
        }
        .validate(Uuid::nil(), at())
        .unwrap();
        assert_eq!(c.preferred_name.as_deref(), Some("Teacher Kim"));
        assert_eq!(c.greeting_name(), "Teacher Kim");
        assert_eq!(c.tier, Tier::Gold);
        assert_eq!(c.consent_at, Some(at()));
        assert_eq!(c.phone.digits(), "01022223333");
    }

    #[test]
    fn rejects_bad_fields_with_specific_messages() {
        let cases: Vec<(CustomerInput, &str)> = vec![
            (input("", "01012345678"), "name: must not be empty"),
            (input("1234", "01012345678"), "contains no letters"),
            (input(&"가".repeat(61), "01012345678"), "at most 60"),
            (input("김민수", "02-123-4567"), "not a mobile number"),
            (CustomerInput { birth_date: Some("1990-02-30".into()), ..input("김민수", "01012345678") }, "YYYY-MM-DD"),
            (CustomerInput { birth_date: Some("2030-01-01".into()), ..input("김민수", "01012345678") }, "future"),
            (
                CustomerInput { tier: Some("platinum".into()), ..input("김민수", "01012345678") },
                "one of basic, silver, gold, vip, 일반, 실버, 골드",
            ),
            (
                CustomerInput { notes: Some("x".repeat(10 * 1024 * 1024)), ..input("김민수", "01012345678") },
                "at most 4000 bytes",
            ),
        ];
        for (inp, fragment) in cases {
            let err = inp.validate(Uuid::nil(), at()).expect_err(fragment).to_string();
            assert!(err.contains(fragment), "error {err:?} should mention {fragment:?}");
        }
    }
}
