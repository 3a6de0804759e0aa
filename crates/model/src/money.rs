//! Exact money: amounts in whole pence (`Pence`), never summed as floats, and the
//! largest-remainder rule that splits an amount into parts that add up to it to the penny.
//!
//! A row's cost arrives as a float of pounds (`cost_gbp`); it is rounded to the penny once,
//! where it is read, and every total after that is an integer sum.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Serialize};

/// An amount of money in pence. Negative amounts are gaps and losses.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pence(pub i64);

/// Why an amount of pounds could not be held in pence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0} is not an amount of money (a finite number of pounds below £90 trillion)")]
pub struct NotAnAmount(pub String);

impl Pence {
    /// No money.
    pub const ZERO: Pence = Pence(0);

    /// Pounds rounded to the nearest penny (halves away from zero).
    pub fn from_pounds(pounds: f64) -> Result<Pence, NotAnAmount> {
        let pence = (pounds * 100.0).round();
        // 9e16 pence leaves room to add millions of them without overflow.
        if pence.is_finite() && pence.abs() < 9e15 {
            Ok(Pence(pence as i64))
        } else {
            Err(NotAnAmount(pounds.to_string()))
        }
    }

    /// Parses "1234", "1234.5", "1,234.56", "£1,234.56" or "-12.30" exactly: no float on
    /// the way, so a register's values are what the file says.
    pub fn parse(text: &str) -> Result<Pence, NotAnAmount> {
        let bad = || NotAnAmount(text.to_string());
        let trimmed = text.trim();
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let rest = rest.strip_prefix('£').unwrap_or(rest).replace(',', "");
        let (whole, fraction) = rest.split_once('.').unwrap_or((&rest, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 2
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || whole.len() > 13
        {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| bad())? * 10,
            _ => fraction.parse().map_err(|_| bad())?,
        };
        let pence = whole * 100 + fraction;
        Ok(Pence(if negative { -pence } else { pence }))
    }

    /// The amount in pounds, for charts and ratios only (never summed).
    pub fn pounds(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// `self × numerator / denominator`, rounded to the nearest penny (halves away from
    /// zero), exactly, in 128-bit integers. A zero denominator gives zero.
    pub fn scaled(self, numerator: i64, denominator: i64) -> Pence {
        if denominator == 0 {
            return Pence::ZERO;
        }
        let product = i128::from(self.0) * i128::from(numerator);
        let d = i128::from(denominator);
        let quotient = product / d;
        let remainder = product % d;
        let rounded = if 2 * remainder.abs() >= d.abs() {
            quotient + if (product < 0) != (d < 0) { -1 } else { 1 }
        } else {
            quotient
        };
        Pence(rounded as i64)
    }
}

impl fmt::Display for Pence {
    /// `£1,234,567.89`, with a leading minus for negative amounts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
        for (i, digit) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

impl Add for Pence {
    type Output = Pence;
    fn add(self, other: Pence) -> Pence {
        Pence(self.0 + other.0)
    }
}

impl AddAssign for Pence {
    fn add_assign(&mut self, other: Pence) {
        self.0 += other.0;
    }
}

impl Sub for Pence {
    type Output = Pence;
    fn sub(self, other: Pence) -> Pence {
        Pence(self.0 - other.0)
    }
}

impl SubAssign for Pence {
    fn sub_assign(&mut self, other: Pence) {
        self.0 -= other.0;
    }
}

impl Neg for Pence {
    type Output = Pence;
    fn neg(self) -> Pence {
        Pence(-self.0)
    }
}

impl Sum for Pence {
    fn sum<I: Iterator<Item = Pence>>(iter: I) -> Pence {
        iter.fold(Pence::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Pence> for Pence {
    fn sum<I: Iterator<Item = &'a Pence>>(iter: I) -> Pence {
        iter.copied().sum()
    }
}

/// Splits `total` into parts proportional to `weights` that add up to `total` exactly, by
/// the largest-remainder (Hamilton) method: each part first gets the whole pence of its
/// exact share, then the pence left over go one each to the parts with the largest
/// fractional remainders (ties to the earlier part). Weights that are negative, not finite
/// or all zero give every part zero except that, when all are zero, nothing is allocated
/// and the parts are all zero (a population of nobody gets nothing).
///
/// Each part is within one penny of its exact share `total × wᵢ / Σw`.
pub fn allocate(total: Pence, weights: &[f64]) -> Vec<Pence> {
    let clean: Vec<f64> = weights
        .iter()
        .map(|w| if w.is_finite() && *w > 0.0 { *w } else { 0.0 })
        .collect();
    let sum: f64 = clean.iter().sum();
    if clean.is_empty() || sum <= 0.0 || !sum.is_finite() {
        return vec![Pence::ZERO; weights.len()];
    }
    // Shares of the absolute amount, with the sign put back at the end, so that a negative
    // total splits as the mirror image of the positive one.
    let amount = total.0.unsigned_abs() as f64;
    let exact: Vec<f64> = clean.iter().map(|w| amount * (w / sum)).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let given: i64 = parts.iter().sum();
    let left = i64::try_from(total.0.unsigned_abs()).unwrap_or(i64::MAX) - given;
    let mut order: Vec<usize> = (0..parts.len()).filter(|&i| clean[i] > 0.0).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    // Float shares can be off by a penny in total for huge amounts; the loop hands out
    // exactly what is left, in remainder order, wrapping if it must.
    if !order.is_empty() {
        let mut remaining = left;
        let mut i = 0;
        while remaining != 0 {
            let slot = order[i % order.len()];
            if remaining > 0 {
                parts[slot] += 1;
                remaining -= 1;
            } else if parts[slot] > 0 {
                parts[slot] -= 1;
                remaining += 1;
            }
            i += 1;
        }
    }
    let sign = if total.0 < 0 { -1 } else { 1 };
    parts.into_iter().map(|p| Pence(sign * p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pounds_round_to_the_penny() {
        assert_eq!(Pence::from_pounds(42.0).unwrap(), Pence(4200));
        assert_eq!(Pence::from_pounds(0.005).unwrap(), Pence(1));
        assert_eq!(Pence::from_pounds(-1.234).unwrap(), Pence(-123));
        assert!(Pence::from_pounds(f64::NAN).is_err());
        assert!(Pence::from_pounds(1e20).is_err());
    }

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(Pence::parse("£1,234.56").unwrap(), Pence(123_456));
        assert_eq!(Pence::parse("76000000").unwrap(), Pence(7_600_000_000));
        assert_eq!(Pence::parse("0.1").unwrap(), Pence(10));
        assert_eq!(Pence::parse("-12.30").unwrap(), Pence(-1230));
        for bad in ["", "£", "1.234", "12a", "1e6", "--1", ".5", "NaN"] {
            assert!(Pence::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn amounts_display_with_thousands() {
        assert_eq!(Pence(123_456_789).to_string(), "£1,234,567.89");
        assert_eq!(Pence(-5).to_string(), "-£0.05");
        assert_eq!(Pence(100_000).to_string(), "£1,000.00");
    }

    #[test]
    fn scaling_rounds_halves_away_from_zero() {
        assert_eq!(Pence(5).scaled(1, 2), Pence(3));
        assert_eq!(Pence(-5).scaled(1, 2), Pence(-3));
        assert_eq!(Pence(100).scaled(1, 3), Pence(33));
        assert_eq!(Pence(100).scaled(1, 0), Pence(0));
    }

    #[test]
    fn a_worked_split() {
        // £100.00 in thirds: 3333.33… each, the one penny left goes to the first.
        assert_eq!(
            allocate(Pence(10_000), &[1.0, 1.0, 1.0]),
            vec![Pence(3334), Pence(3333), Pence(3333)]
        );
        // Remainders .6, .3, .1 of 10 pence by 0.46/0.23/0.31: 4.6, 2.3, 3.1 → 5, 2, 3.
        assert_eq!(
            allocate(Pence(10), &[0.46, 0.23, 0.31]),
            vec![Pence(5), Pence(2), Pence(3)]
        );
        assert_eq!(allocate(Pence(10), &[0.0, 0.0]), vec![Pence(0), Pence(0)]);
        assert_eq!(
            allocate(Pence(-10), &[1.0, 1.0, 1.0]).iter().sum::<Pence>(),
            Pence(-10)
        );
    }

    proptest! {
        #[test]
        fn parts_add_up_to_the_whole_to_the_penny(
            total in -10_000_000_000i64..10_000_000_000,
            weights in proptest::collection::vec(0.0f64..1e6, 1..40),
        ) {
            let parts = allocate(Pence(total), &weights);
            prop_assert_eq!(parts.len(), weights.len());
            if weights.iter().any(|w| *w > 0.0) {
                prop_assert_eq!(parts.iter().sum::<Pence>(), Pence(total));
            }
            let sum: f64 = weights.iter().sum();
            for (part, w) in parts.iter().zip(&weights) {
                let exact = if sum > 0.0 { total as f64 * w / sum } else { 0.0 };
                prop_assert!((part.0 as f64 - exact).abs() <= 1.0 + 1e-6 * exact.abs(),
                    "part {} vs exact share {}", part.0, exact);
                if *w == 0.0 {
                    prop_assert_eq!(*part, Pence::ZERO);
                }
            }
        }

        #[test]
        fn scaling_the_envelope_scales_every_part(
            total in 0i64..1_000_000_000,
            factor in 1i64..50,
            weights in proptest::collection::vec(0.0f64..1e4, 1..20),
        ) {
            let once = allocate(Pence(total), &weights);
            let scaled = allocate(Pence(total * factor), &weights);
            for (a, b) in once.iter().zip(&scaled) {
                // Each is within a penny of its exact share, so the scaled part is within
                // factor + 1 pence of factor × the part.
                prop_assert!((b.0 - a.0 * factor).abs() <= factor + 1);
            }
        }

        #[test]
        fn formatting_and_parsing_round_trip(pence in -1_000_000_000_000i64..1_000_000_000_000) {
            let text = Pence(pence).to_string();
            prop_assert_eq!(Pence::parse(&text).unwrap(), Pence(pence));
        }
    }
}
