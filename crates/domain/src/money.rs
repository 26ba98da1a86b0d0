//! Money is Korean won as a plain integer (KRW has no minor unit). Never floats.

/// An amount in Korean won.
pub type Won = i64;

/// Formats an amount the way a Korean receipt does: `₩12,300`.
pub fn format_won(amount: Won) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    if amount < 0 {
        out.push('-');
    }
    out.push('₩');
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `amount * basis_points / 10_000`, rounded down, without overflow for any
/// realistic cart.
pub fn percent_of(amount: Won, basis_points: u32) -> Won {
    ((amount as i128 * basis_points as i128) / 10_000) as Won
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_thousands_separators() {
        for (amount, want) in [
            (0, "₩0"),
            (900, "₩900"),
            (1_000, "₩1,000"),
            (12_300, "₩12,300"),
            (1_234_567, "₩1,234,567"),
            (-4_500, "-₩4,500"),
        ] {
            assert_eq!(format_won(amount), want, "formatting {amount}");
        }
    }

    #[test]
    fn percent_rounds_down() {
        assert_eq!(percent_of(12_345, 1_000), 1_234);
        assert_eq!(percent_of(100, 3_333), 33);
        assert_eq!(percent_of(0, 1_000), 0);
    }
}
