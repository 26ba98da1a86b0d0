//! Korean mobile phone numbers, parsed at the edge.
//!
//! Cashiers type numbers every way imaginable: `010-1234-5678`,
//! `01012345678`, `010 1234 5678`, `+82 10-1234-5678`, `+821012345678`.
//! All of them normalise to the eleven national digits `01012345678`.
//! Legacy 01X prefixes (011, 016–019) with a 3- or 4-digit middle block are
//! accepted too; landlines and anything else are rejected with the reason.

use crate::error::{DomainError, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A normalised Korean mobile number: national digits only, e.g. `01012345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses any common spelling of a Korean mobile number.
    pub fn parse(input: &str) -> Result<Phone> {
        let err = |reason: &str| DomainError::InvalidPhone { input: truncate(input), reason: reason.to_string() };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(err("the number is empty"));
        }
        let mut digits = String::with_capacity(16);
        for (i, ch) in trimmed.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                '-' | ' ' | '.' | '(' | ')' => {}
                '+' if i == 0 => {}
                _ => {
                    return Err(err(&format!("unexpected character {ch:?}; use digits, spaces or dashes")));
                }
            }
            if digits.len() > 15 {
                return Err(err("too many digits"));
            }
        }
        let national = if trimmed.starts_with('+')
            || (digits.starts_with("82") && digits.len() >= 11 && !digits.starts_with("820"))
        {
            match digits.strip_prefix("82") {
                Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
                None => return Err(err("only Korean (+82) numbers are accepted")),
            }
        } else {
            digits
        };
        if !national.starts_with("01") {
            return Err(err("not a mobile number: Korean mobile numbers start with 010 (or 011, 016-019)"));
        }
        let prefix = &national[..3.min(national.len())];
        match prefix {
            "010" => {
                if national.len() != 11 {
                    return Err(err(&format!("010 numbers have 11 digits, this one has {}", national.len())));
                }
            }
            "011" | "016" | "017" | "018" | "019" => {
                if national.len() != 10 && national.len() != 11 {
                    return Err(err(&format!(
                        "{prefix} numbers have 10 or 11 digits, this one has {}",
                        national.len()
                    )));
                }
            }
            _ => {
                return Err(err(&format!("unknown mobile prefix {prefix}; expected 010, 011 or 016-019")));
            }
        }
        // Subscriber numbers never start with 0 or 1 in the middle block.
        if national.as_bytes()[3] == b'0' {
            return Err(err("the middle block cannot start with 0"));
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

fn truncate(input: &str) -> String {
    if input.chars().count() > 40 {
        let cut: String = input.chars().take(40).collect();
        format!("{cut}…")
    } else {
        input.to_string()
    }
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
        ];
        for (input, want) in cases {
            let phone = Phone::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
            assert_eq!(phone.digits(), want, "normalising {input:?}");
        }
    }

    #[test]
    fn rejects_malformed_numbers_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("010-1234-567", "11 digits"),
            ("010-1234-56789", "11 digits"),
            ("02-123-4567", "not a mobile"),
            ("012-3456-7890", "unknown mobile prefix"),
            ("010-0234-5678", "middle block"),
            ("010-12x4-5678", "unexpected character"),
            ("+1 415 555 0100", "Korean"),
            ("0101234567812345678", "too many"),
        ];
        for (input, fragment) in cases {
            let err = Phone::parse(input).expect_err(input).to_string();
            assert!(err.contains(fragment), "{input:?}: error {err:?} should mention {fragment:?}");
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
