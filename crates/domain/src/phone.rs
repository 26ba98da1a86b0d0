//! Korean mobile phone numbers, parsed at the edge.
//!
//! Cashiers type numbers every way imaginable: `010-1234-5678`,
//! `01012345678`, `010 1234 5678`, `+82 10-1234-5678`, `+821012345678`.
//! All of them normalise to the eleven national digits `01012345678`.
//! Legacy 01X prefixes (011, 016–019) with a 3- or 4-digit middle block are
//! accepted too; landlines and anything else are rejected with the reason.

use crate::error::{DomainError, PhoneProblem, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A normalised Korean mobile number: national digits only, e.g. `01012345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses any common spelling of a Korean mobile number: with or
    /// without the leading `010` (`1234-5678`, `10-1234-5678`), with dashes,
    /// dots, spaces or brackets, `+82 10 …`, and full-width digits as a
    /// Korean keyboard may type them.
    pub fn parse(input: &str) -> Result<Phone> {
        let err = |problem: PhoneProblem| DomainError::InvalidPhone { input: crate::error::cut(input), problem };
        let ascii = ascii_form(input);
        let trimmed = ascii.trim();
        if trimmed.is_empty() {
            return Err(err(PhoneProblem::Empty));
        }
        let mut digits = String::with_capacity(16);
        for (i, ch) in trimmed.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                '-' | ' ' | '.' | '(' | ')' => {}
                '+' if i == 0 => {}
                _ => return Err(err(PhoneProblem::Character { character: ch.to_string() })),
            }
            if digits.len() > 15 {
                return Err(err(PhoneProblem::TooManyDigits));
            }
        }
        let national = if trimmed.starts_with('+')
            || (digits.starts_with("82") && digits.len() >= 11 && !digits.starts_with("820"))
        {
            match digits.strip_prefix("82") {
                Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
                None => return Err(err(PhoneProblem::NotKorean)),
            }
        } else if digits.len() == 8 && !digits.starts_with('0') {
            // "1234-5678": the subscriber number alone. Every mobile number
            // issued today starts with 010.
            format!("010{digits}")
        } else if digits.len() == 10 && digits.starts_with("10") {
            // "10-1234-5678": the leading 0 left off.
            format!("0{digits}")
        } else {
            digits
        };
        if !national.starts_with("01") {
            return Err(err(PhoneProblem::NotMobile));
        }
        let prefix = &national[..3.min(national.len())];
        let length = |expected: &str| {
            err(PhoneProblem::Length {
                prefix: prefix.to_string(),
                expected: expected.into(),
                got: national.len() as u64,
            })
        };
        match prefix {
            "010" if national.len() != 11 => return Err(length("11")),
            "011" | "016" | "017" | "018" | "019" if national.len() != 10 && national.len() != 11 => {
                return Err(length("10-11"));
            }
            "010" | "011" | "016" | "017" | "018" | "019" => {}
            _ => return Err(err(PhoneProblem::UnknownPrefix { prefix: prefix.to_string() })),
        }
        // Subscriber numbers never start with 0 in the middle block.
        if national.as_bytes()[3] == b'0' {
            return Err(err(PhoneProblem::MiddleBlock));
        }
        Ok(Phone(national))
    }

    /// The normalised digits, e.g. `01012345678`.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The last four digits, used for the counter's quickest lookup.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// Display form with dashes: `010-1234-5678`.
    pub fn formatted(&self) -> String {
        let (head, rest) = self.0.split_at(3);
        let (mid, tail) = rest.split_at(rest.len() - 4);
        format!("{head}-{mid}-{tail}")
    }

    /// Masked display form for roles that may not see contacts: `010-****-5678`.
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }
}

/// Masks already-normalised digits (as stored) without re-parsing.
pub fn mask_digits(digits: &str) -> String {
    if digits.len() < 8 || !digits.is_ascii() {
        return "***".to_string();
    }
    let (head, rest) = digits.split_at(3);
    let (mid, tail) = rest.split_at(rest.len() - 4);
    format!("{head}-{}-{tail}", "*".repeat(mid.len()))
}

/// Full-width digits, dashes and spaces (as a Korean IME may type them)
/// in their ASCII form; everything else as it is.
pub fn ascii_form(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' | '‐' | '‑' | '‒' | '–' | '—' | '−' | 'ー' => '-',
            '\u{3000}' | '\u{00a0}' => ' ',
            '＋' => '+',
            '（' => '(',
            '）' => ')',
            _ => c,
        })
        .collect()
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl TryFrom<String> for Phone {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        let cases = [
            ("010-1234-5678", "01012345678"),
            ("01012345678", "01012345678"),
            ("010 1234 5678", "01012345678"),
            ("+82 10-1234-5678", "01012345678"),
            ("+821012345678", "01012345678"),
            ("+82 010 1234 5678", "01012345678"),
            ("821012345678", "01012345678"),
            (" 010.9999.0001 ", "01099990001"),
            ("011-234-5678", "0112345678"),
            ("016-2345-6789", "01623456789"),
            // As a customer says it: without the 010, or without its 0.
            ("1234-5678", "01012345678"),
            ("1234 5678", "01012345678"),
            ("12345678", "01012345678"),
            ("10-1234-5678", "01012345678"),
            ("+82 10 1234 5678", "01012345678"),
            ("(010) 1234-5678", "01012345678"),
            // As a Korean keyboard in full-width mode types it.
            ("０１０－１２３４－５６７８", "01012345678"),
            ("010\u{3000}1234\u{3000}5678", "01012345678"),
        ];
        for (input, want) in cases {
            let phone = Phone::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
            assert_eq!(phone.digits(), want, "normalising {input:?}");
        }
    }

    #[test]
    fn rejects_malformed_numbers_with_a_reason() {
        let length =
            |expected: &str, got| PhoneProblem::Length { prefix: "010".into(), expected: expected.into(), got };
        let cases = [
            ("", PhoneProblem::Empty),
            ("010-1234-567", length("11", 10)),
            ("010-1234-56789", length("11", 12)),
            ("02-123-4567", PhoneProblem::NotMobile),
            ("0234-5678", PhoneProblem::NotMobile),
            ("012-3456-7890", PhoneProblem::UnknownPrefix { prefix: "012".into() }),
            ("010-0234-5678", PhoneProblem::MiddleBlock),
            ("0234 5678 9", PhoneProblem::NotMobile),
            ("010-12x4-5678", PhoneProblem::Character { character: "x".into() }),
            ("+1 415 555 0100", PhoneProblem::NotKorean),
            ("0101234567812345678", PhoneProblem::TooManyDigits),
        ];
        for (input, want) in cases {
            match Phone::parse(input) {
                Err(DomainError::InvalidPhone { problem, .. }) => assert_eq!(problem, want, "{input:?}"),
                other => panic!("{input:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn formats_and_masks() {
        let p = Phone::parse("01012345678").unwrap();
        assert_eq!(p.formatted(), "010-1234-5678");
        assert_eq!(p.masked(), "010-****-5678");
        assert_eq!(p.last4(), "5678");
        let old = Phone::parse("0112345678").unwrap();
        assert_eq!(old.formatted(), "011-234-5678");
        assert_eq!(old.masked(), "011-***-5678");
    }
}
