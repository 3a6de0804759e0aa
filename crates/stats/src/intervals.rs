//! Intervals for a proportion (Wilson), a count or crude rate (exact Poisson below 10
//! events, Byar's from 10), and a mean (Student's t): PHEindicatormethods' `phe_proportion`,
//! `phe_rate` and `phe_mean`.

use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

use crate::{Confidence, Estimate, StatsError, non_negative, positive};

/// x of n as a proportion with its Wilson score interval; defined for x = 0 and x = n.
pub fn proportion(x: f64, n: f64, confidence: Confidence) -> Result<Estimate, StatsError> {
    let x = non_negative("numerator", x)?;
    let n = positive("denominator", n)?;
    if x > n {
        return Err(StatsError::NumeratorAboveDenominator { x, n });
    }
    let z = confidence.z();
    let centre = 2.0 * x + z * z;
    let spread = z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt();
    let denominator = 2.0 * (n + z * z);
    Ok(Estimate {
        value: x / n,
        lower: (centre - spread) / denominator,
        upper: (centre + spread) / denominator,
    })
}

/// Byar's lower limit for a count; `None` where the approximation goes negative (the
/// reference returns NA there).
pub fn byars_lower(x: f64, confidence: Confidence) -> Option<f64> {
    if x <= 0.0 {
        return None;
    }
    let z = confidence.z();
    let limit = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt())).powi(3);
    (limit >= 0.0).then_some(limit)
}

/// Byar's upper limit for a count.
pub fn byars_upper(x: f64, confidence: Confidence) -> f64 {
    let z = confidence.z();
    let y = x + 1.0;
    y * (1.0 - 1.0 / (9.0 * y) + z / (3.0 * y.sqrt())).powi(3)
}

/// Exact Poisson limits for a count, from the chi-squared distribution:
/// lower = χ²(α/2; 2x)/2 (0 when x = 0), upper = χ²(1 − α/2; 2x + 2)/2.
pub fn poisson_limits(x: f64, confidence: Confidence) -> Result<(f64, f64), StatsError> {
    let x = non_negative("count", x)?;
    let alpha = 1.0 - confidence.level();
    let quantile = |p: f64, freedom: f64| {
        ChiSquared::new(freedom)
            .map(|d| d.inverse_cdf(p))
            .map_err(|_| StatsError::Undefined("chi-squared quantile"))
    };
    let lower = if x == 0.0 {
        0.0
    } else {
        quantile(alpha / 2.0, 2.0 * x)? / 2.0
    };
    let upper = quantile(1.0 - alpha / 2.0, 2.0 * x + 2.0)? / 2.0;
    Ok((lower, upper))
}

/// Limits for a count as PHEindicatormethods gives them for rates and indirect
/// standardisation: exact Poisson below 10 events, Byar's from 10.
pub fn count_limits(x: f64, confidence: Confidence) -> Result<(f64, f64), StatsError> {
    if x < 10.0 {
        poisson_limits(x, confidence)
    } else {
        Ok((
            byars_lower(x, confidence).unwrap_or(0.0),
            byars_upper(x, confidence),
        ))
    }
}

/// x events over a denominator n (person-years or population), per `multiplier`: exact
/// limits below 10 events, Byar's from 10. More events than the denominator is allowed.
pub fn rate(
    x: f64,
    n: f64,
    multiplier: f64,
    confidence: Confidence,
) -> Result<Estimate, StatsError> {
    let x = non_negative("count", x)?;
    let n = positive("denominator", n)?;
    let (lower, upper) = count_limits(x, confidence)?;
    Ok(Estimate {
        value: x / n * multiplier,
        lower: lower / n * multiplier,
        upper: upper / n * multiplier,
    })
}

/// The mean of `values` with mean ± t(1 − α/2; n − 1) · s/√n, s the sample SD.
pub fn mean(values: &[f64], confidence: Confidence) -> Result<Estimate, StatsError> {
    let n = values.len() as f64;
    let value = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - value).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    mean_from_summary(values.len() as u64, value, sd, confidence)
}

/// A mean's interval from its summary (count, mean and sample SD), as a query engine
/// returns them: mean ± t(1 − α/2; n − 1) · sd/√n.
pub fn mean_from_summary(
    count: u64,
    value: f64,
    sd: f64,
    confidence: Confidence,
) -> Result<Estimate, StatsError> {
    if count < 2 {
        return Err(StatsError::Length {
            what: "a mean's interval needs at least two values",
            expected: 2,
            got: count as usize,
        });
    }
    let n = count as f64;
    let sd = non_negative("standard deviation", sd)?;
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .map(|d| d.inverse_cdf(1.0 - (1.0 - confidence.level()) / 2.0))
        .map_err(|_| StatsError::Undefined("Student's t quantile"))?;
    let half = t * sd / n.sqrt();
    Ok(Estimate {
        value,
        lower: value - half,
        upper: value + half,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn wilson_stays_in_the_unit_interval_and_brackets_the_share(n in 1u32..5_000, share in 0.0f64..=1.0) {
            let x = (f64::from(n) * share).floor();
            for confidence in [Confidence::P95, Confidence::P998] {
                let e = proportion(x, f64::from(n), confidence).unwrap();
                prop_assert!(0.0 <= e.lower && e.lower <= e.value + 1e-12);
                prop_assert!(e.value <= e.upper + 1e-12 && e.upper <= 1.0 + 1e-12);
            }
        }

        #[test]
        fn rate_limits_bracket_the_rate_and_widen_with_confidence(x in 0u32..2_000, n in 1u32..100_000) {
            let (x, n) = (f64::from(x), f64::from(n));
            let narrow = rate(x, n, 1e5, Confidence::P95).unwrap();
            let wide = rate(x, n, 1e5, Confidence::P998).unwrap();
            prop_assert!(narrow.lower <= narrow.value && narrow.value <= narrow.upper);
            prop_assert!(wide.lower <= narrow.lower + 1e-9 && narrow.upper <= wide.upper + 1e-9);
        }
    }

    #[test]
    fn bad_inputs_are_named() {
        assert_eq!(
            proportion(5.0, 4.0, Confidence::P95),
            Err(StatsError::NumeratorAboveDenominator { x: 5.0, n: 4.0 })
        );
        assert!(matches!(
            rate(-1.0, 4.0, 1.0, Confidence::P95),
            Err(StatsError::Negative { name: "count", .. })
        ));
        assert!(matches!(
            rate(1.0, 0.0, 1.0, Confidence::P95),
            Err(StatsError::NotPositive {
                name: "denominator",
                ..
            })
        ));
        assert!(byars_lower(1.0, Confidence::P998).is_none());
    }
}
