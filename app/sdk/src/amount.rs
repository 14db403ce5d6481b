//! Token amounts as people write and read them: in tokens, with the mint's decimals (`1.5` of a
//! 6-decimal mint is 1 500 000 base units), or in base units only when said so explicitly
//! (`1500000base`). The chain stores base units; this is the one conversion every client uses.

use std::fmt;
use std::str::FromStr;

/// The suffix that marks an amount written in base units.
pub const BASE_SUFFIX: &str = "base";

/// An amount as written: tokens (a decimal number) or base units (`<N>base`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    /// `digits / 10^scale` tokens, e.g. `1.50` is 150 / 10^2.
    Tokens { digits: u128, scale: u32 },
    /// Base units, written with the `base` suffix.
    Base(u64),
}

/// Why an amount does not fit a mint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountError(pub String);

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AmountError {}

impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim().replace('_', "");
        if let Some(base) = t.strip_suffix(BASE_SUFFIX) {
            let base = base.trim();
            return base.parse::<u64>().map(Amount::Base).map_err(|_| {
                AmountError(format!(
                    "{text:?}: base units are a whole number with the `{BASE_SUFFIX}` suffix, at most {} (e.g. 1500000{BASE_SUFFIX})",
                    u64::MAX
                ))
            });
        }
        let bad = || {
            AmountError(format!(
                "{text:?} is not an amount: write tokens as a decimal number (e.g. 1.5), or base units with the `{BASE_SUFFIX}` suffix (e.g. 1500000{BASE_SUFFIX})"
            ))
        };
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t.as_str(), ""),
        };
        if (whole.is_empty() && frac.is_empty())
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let scale = u32::try_from(frac.len()).map_err(|_| bad())?;
        let digits = format!("{whole}{frac}");
        let digits = if digits.is_empty() {
            0
        } else {
            digits
                .parse::<u128>()
                .map_err(|_| AmountError(format!("{text:?} is too large")))?
        };
        Ok(Amount::Tokens { digits, scale })
    }
}

impl Amount {
    /// The amount in base units of a mint with `decimals` decimals. Refuses more fraction
    /// digits than the mint has and amounts above `u64::MAX` base units.
    pub fn to_base(self, decimals: u8) -> Result<u64, AmountError> {
        match self {
            Amount::Base(n) => Ok(n),
            Amount::Tokens { digits, scale } => {
                let decimals32 = u32::from(decimals);
                if scale > decimals32 {
                    // Trailing zeros beyond the mint's precision are harmless.
                    let extra = scale - decimals32;
                    let div = 10u128.checked_pow(extra).unwrap_or(u128::MAX);
                    if digits % div != 0 {
                        return Err(AmountError(format!(
                            "{} has {scale} decimal places, the mint has {decimals}: the smallest amount is {}",
                            self,
                            format_base(1, decimals)
                        )));
                    }
                    return u64::try_from(digits / div).map_err(|_| self.too_large(decimals));
                }
                let mul = 10u128
                    .checked_pow(decimals32 - scale)
                    .ok_or_else(|| self.too_large(decimals))?;
                digits
                    .checked_mul(mul)
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or_else(|| self.too_large(decimals))
            }
        }
    }

    fn too_large(self, decimals: u8) -> AmountError {
        AmountError(format!(
            "{self} is more than the largest amount of a {decimals}-decimal mint, {}",
            format_base(u64::MAX, decimals)
        ))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Base(n) => write!(f, "{n}{BASE_SUFFIX}"),
            Amount::Tokens { digits, scale } => f.write_str(&format_scaled(*digits, *scale)),
        }
    }
}

/// `digits / 10^scale` as a decimal number without trailing zeros.
fn format_scaled(digits: u128, scale: u32) -> String {
    let text = digits.to_string();
    let scale = scale as usize;
    if scale == 0 {
        return text;
    }
    let padded = format!("{text:0>width$}", width = scale + 1);
    let (whole, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

/// Base units of a mint with `decimals` decimals, as tokens: `1500000` at 6 decimals is
/// `1.5`, `1` is `0.000001`, `2000000` is `2`.
pub fn format_base(amount: u64, decimals: u8) -> String {
    format_scaled(u128::from(amount), u32::from(decimals))
}

/// Like [`format_base`], for the 128-bit tallies (epoch totals).
pub fn format_base_u128(amount: u128, decimals: u8) -> String {
    format_scaled(amount, u32::from(decimals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(text: &str, decimals: u8) -> Result<u64, AmountError> {
        text.parse::<Amount>()?.to_base(decimals)
    }

    #[test]
    fn tokens_become_base_units_with_the_mints_decimals() {
        assert_eq!(base("1.5", 6), Ok(1_500_000));
        assert_eq!(base("1", 6), Ok(1_000_000));
        assert_eq!(base("0.000001", 6), Ok(1));
        assert_eq!(base(".5", 2), Ok(50));
        assert_eq!(base("5.", 2), Ok(500));
        assert_eq!(base("1_000", 0), Ok(1_000));
        assert_eq!(
            base("2.50", 1),
            Ok(25),
            "trailing zeros beyond the mint are fine"
        );
        assert_eq!(base("0", 9), Ok(0));
        assert_eq!(base("18446744073709551615", 0), Ok(u64::MAX));
    }

    #[test]
    fn base_units_need_the_suffix() {
        assert_eq!(base("1500000base", 6), Ok(1_500_000));
        assert_eq!(base("7 base", 9), Ok(7));
        assert!(base("1.5base", 6).is_err());
        assert!(base("-1base", 6).is_err());
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let e = base("1.0000001", 6).expect_err("too precise");
        assert!(
            e.0.contains("7 decimal places") && e.0.contains("0.000001"),
            "{e}"
        );
        let e = base("18446744073709551616", 0).expect_err("too large");
        assert!(e.0.contains("largest"), "{e}");
        let e = base("20000000000000", 6).expect_err("too large");
        assert!(e.0.contains("18446744073709.551615"), "{e}");
        for bad in ["", ".", "1.2.3", "-1", "1e6", "abc", "1,5"] {
            let e = bad.parse::<Amount>().expect_err(bad);
            assert!(e.0.contains("not an amount"), "{bad}: {e}");
        }
    }

    #[test]
    fn base_units_read_as_tokens() {
        assert_eq!(format_base(1_500_000, 6), "1.5");
        assert_eq!(format_base(1, 6), "0.000001");
        assert_eq!(format_base(2_000_000, 6), "2");
        assert_eq!(format_base(0, 6), "0");
        assert_eq!(format_base(123, 0), "123");
        assert_eq!(format_base(u64::MAX, 9), "18446744073.709551615");
        assert_eq!(
            format_base_u128(u128::from(u64::MAX) * 10, 1),
            "18446744073709551615"
        );
        // What is printed parses back to the same base units.
        for (n, d) in [(1_500_000u64, 6u8), (1, 9), (987_654_321, 3), (u64::MAX, 0)] {
            assert_eq!(base(&format_base(n, d), d), Ok(n));
        }
    }
}
