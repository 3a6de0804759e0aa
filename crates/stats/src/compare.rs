//! How a figure is judged, by Fingertips' rules (docs/methods.md, "Comparisons and
//! inequalities"): against a benchmark by its confidence intervals, against a target,
//! by quintile among areas, and its recent trend. Polarity only swaps better and worse.

use crate::{Estimate, StatsError};

/// Which direction is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// Higher values are better.
    HigherIsBetter,
    /// Lower values are better.
    LowerIsBetter,
    /// No direction: comparisons say higher or lower.
    NotApplicable,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Better, and beyond the 99.8% interval (the best quintile, for quintiles).
    Best,
    /// Better: the interval lies wholly on the good side.
    Better,
    /// The interval includes the reference.
    Similar,
    /// Worse: the interval lies wholly on the bad side.
    Worse,
    /// Worse, and beyond the 99.8% interval (the worst quintile, for quintiles).
    Worst,
    /// Higher, where no direction is good.
    Higher,
    /// Lower, where no direction is good.
    Lower,
}

impl Comparison {
    /// `high` is true where the area is above the reference; `strong` where beyond 99.8%.
    fn judged(high: bool, strong: bool, polarity: Polarity) -> Comparison {
        match (polarity, high, strong) {
            (Polarity::NotApplicable, true, _) => Comparison::Higher,
            (Polarity::NotApplicable, false, _) => Comparison::Lower,
            (Polarity::HigherIsBetter, true, false) | (Polarity::LowerIsBetter, false, false) => {
                Comparison::Better
            }
            (Polarity::HigherIsBetter, true, true) | (Polarity::LowerIsBetter, false, true) => {
                Comparison::Best
            }
            (Polarity::HigherIsBetter, false, false) | (Polarity::LowerIsBetter, true, false) => {
                Comparison::Worse
            }
            (Polarity::HigherIsBetter, false, true) | (Polarity::LowerIsBetter, true, true) => {
                Comparison::Worst
            }
        }
    }
}

/// An area against a benchmark value: the benchmark inside the area's 95% interval
/// (inclusive) is similar; beyond it better or worse; with the 99.8% interval given, beyond
/// that too is best or worst.
pub fn compare_to_benchmark(
    area: &Estimate,
    area_998: Option<&Estimate>,
    benchmark: f64,
    polarity: Polarity,
) -> Comparison {
    if area.lower <= benchmark && benchmark <= area.upper {
        return Comparison::Similar;
    }
    let high = area.value > benchmark;
    let strong = area_998.is_some_and(|wide| benchmark < wide.lower || benchmark > wide.upper);
    Comparison::judged(high, strong, polarity)
}

/// A target: one value, or a range with a lower and an upper bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Meet or pass one value.
    Value(f64),
    /// Lie within a range.
    Range {
        /// The least.
        lower: f64,
        /// The most.
        upper: f64,
    },
}

/// A figure against its target. For a single value with an interval: the lower 95% limit
/// at or above the target is better (higher is good), the upper limit below it worse,
/// otherwise similar; without an interval the value alone decides. For a range: below the
/// lower bound worse, at or above the upper bound better, otherwise similar.
pub fn compare_to_target(
    estimate: &Estimate,
    has_interval: bool,
    target: Target,
    polarity: Polarity,
) -> Comparison {
    let above = |high: bool| Comparison::judged(high, false, polarity);
    match target {
        Target::Value(limit) if has_interval => {
            if estimate.lower >= limit {
                above(true)
            } else if estimate.upper < limit {
                above(false)
            } else {
                Comparison::Similar
            }
        }
        Target::Value(limit) => above(estimate.value >= limit),
        Target::Range { lower, upper } => {
            if estimate.value < lower {
                above(false)
            } else if estimate.value >= upper {
                above(true)
            } else {
                Comparison::Similar
            }
        }
    }
}

/// Excel's PERCENTILE.INC: linear interpolation at rank (count − 1)·p + 1.
pub fn percentile_inclusive(sorted: &[f64], p: f64) -> f64 {
    let position = (sorted.len() - 1) as f64 * p;
    let below = position.floor() as usize;
    let fraction = position - below as f64;
    match sorted.get(below + 1) {
        Some(next) => sorted[below] + fraction * (next - sorted[below]),
        None => sorted[below],
    }
}

/// The quintile of each value among at least five areas, bounds at the 20th, 40th, 60th
/// and 80th percentiles (PERCENTILE.INC); 1 is the best quintile where a direction is set,
/// the lowest otherwise.
pub fn quintiles(values: &[f64], polarity: Polarity) -> Result<Vec<u8>, StatsError> {
    if values.len() < 5 {
        return Err(StatsError::Length {
            what: "areas for quintiles (at least 5)",
            expected: 5,
            got: values.len(),
        });
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let bounds: Vec<f64> = [0.2, 0.4, 0.6, 0.8, 1.0]
        .iter()
        .map(|&p| percentile_inclusive(&sorted, p))
        .collect();
    Ok(values
        .iter()
        .map(|v| {
            let lowest_first = bounds.iter().position(|b| b >= v).unwrap_or(4) as u8 + 1;
            if polarity == Polarity::HigherIsBetter {
                6 - lowest_first
            } else {
                lowest_first
            }
        })
        .collect())
}

/// The recent trend of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// Rising, significantly.
    Increasing,
    /// Falling, significantly.
    Decreasing,
    /// No significant change.
    NoSignificantChange,
    /// Fewer than five recent points with valid intervals.
    CannotBeCalculated,
}

/// χ²₁ at 99.8%: the threshold for a significant trend.
pub const TREND_CHI_SQUARED: f64 = 9.549_535_706_083_24;

fn weighted_slope(points: &[(f64, f64, f64)]) -> (f64, f64) {
    let weights: Vec<f64> = points.iter().map(|(_, _, se)| 1.0 / (se * se)).collect();
    let total: f64 = weights.iter().sum();
    let mean_t = points
        .iter()
        .zip(&weights)
        .map(|((t, _, _), w)| t * w)
        .sum::<f64>()
        / total;
    let mean_y = points
        .iter()
        .zip(&weights)
        .map(|((_, y, _), w)| y * w)
        .sum::<f64>()
        / total;
    let spread: f64 = points
        .iter()
        .zip(&weights)
        .map(|((t, _, _), w)| w * (t - mean_t).powi(2))
        .sum();
    let slope = points
        .iter()
        .zip(&weights)
        .map(|((t, y, _), w)| w * (t - mean_t) * (y - mean_y))
        .sum::<f64>()
        / spread;
    (slope, (1.0 / spread).sqrt())
}

/// Fingertips' recent trend: the last five points with valid 95% intervals, weights 1/se²
/// with se = (U95 − L95)/3.92, a weighted slope, significant when (slope/SE)² exceeds χ²₁
/// at 99.8% and the slope keeps its sign when each point is dropped in turn.
pub fn recent_trend(series: &[Estimate]) -> Trend {
    let valid: Vec<(f64, f64, f64)> = series
        .iter()
        .enumerate()
        .filter(|(_, e)| e.value.is_finite() && e.upper > e.lower)
        .map(|(t, e)| (t as f64, e.value, (e.upper - e.lower) / 3.92))
        .collect();
    if valid.len() < 5 {
        return Trend::CannotBeCalculated;
    }
    let recent = &valid[valid.len() - 5..];
    let (slope, se) = weighted_slope(recent);
    let stable = (0..recent.len()).all(|drop| {
        let rest: Vec<_> = recent
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, p)| *p)
            .collect();
        weighted_slope(&rest).0.signum() == slope.signum()
    });
    if (slope / se).powi(2) > TREND_CHI_SQUARED && stable {
        if slope > 0.0 {
            Trend::Increasing
        } else {
            Trend::Decreasing
        }
    } else {
        Trend::NoSignificantChange
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(value: f64, lower: f64, upper: f64) -> Estimate {
        Estimate {
            value,
            lower,
            upper,
        }
    }

    #[test]
    fn benchmark_inside_the_interval_is_similar_inclusive() {
        assert_eq!(
            compare_to_benchmark(&e(10.0, 8.0, 12.0), None, 12.0, Polarity::HigherIsBetter),
            Comparison::Similar
        );
        assert_eq!(
            compare_to_benchmark(&e(10.0, 8.0, 12.0), None, 7.9, Polarity::HigherIsBetter),
            Comparison::Better
        );
        assert_eq!(
            compare_to_benchmark(&e(10.0, 8.0, 12.0), None, 7.9, Polarity::LowerIsBetter),
            Comparison::Worse
        );
        assert_eq!(
            compare_to_benchmark(&e(10.0, 8.0, 12.0), None, 7.9, Polarity::NotApplicable),
            Comparison::Higher
        );
        let wide = e(10.0, 7.0, 13.0);
        assert_eq!(
            compare_to_benchmark(
                &e(10.0, 8.0, 12.0),
                Some(&wide),
                7.5,
                Polarity::HigherIsBetter
            ),
            Comparison::Better
        );
        assert_eq!(
            compare_to_benchmark(
                &e(10.0, 8.0, 12.0),
                Some(&wide),
                6.5,
                Polarity::HigherIsBetter
            ),
            Comparison::Best
        );
        assert_eq!(
            compare_to_benchmark(
                &e(10.0, 8.0, 12.0),
                Some(&wide),
                13.5,
                Polarity::HigherIsBetter
            ),
            Comparison::Worst
        );
    }

    #[test]
    fn targets_follow_the_reference_boundaries() {
        let t = Target::Value(8.0);
        assert_eq!(
            compare_to_target(&e(10.0, 8.0, 12.0), true, t, Polarity::HigherIsBetter),
            Comparison::Better
        );
        assert_eq!(
            compare_to_target(&e(10.0, 7.9, 12.0), true, t, Polarity::HigherIsBetter),
            Comparison::Similar
        );
        assert_eq!(
            compare_to_target(&e(7.0, 6.0, 7.99), true, t, Polarity::HigherIsBetter),
            Comparison::Worse
        );
        assert_eq!(
            compare_to_target(&e(7.0, 6.0, 7.99), true, t, Polarity::LowerIsBetter),
            Comparison::Better
        );
        assert_eq!(
            compare_to_target(&e(8.0, 0.0, 0.0), false, t, Polarity::HigherIsBetter),
            Comparison::Better
        );
        let range = Target::Range {
            lower: 5.0,
            upper: 9.0,
        };
        assert_eq!(
            compare_to_target(&e(4.9, 0.0, 0.0), false, range, Polarity::HigherIsBetter),
            Comparison::Worse
        );
        assert_eq!(
            compare_to_target(&e(5.0, 0.0, 0.0), false, range, Polarity::HigherIsBetter),
            Comparison::Similar
        );
        assert_eq!(
            compare_to_target(&e(9.0, 0.0, 0.0), false, range, Polarity::HigherIsBetter),
            Comparison::Better
        );
    }

    #[test]
    fn percentile_inclusive_matches_excel() {
        // Excel: PERCENTILE.INC({1,2,3,4,10}, 0.2) = 1.8, 0.4 = 2.6, 0.8 = 5.2.
        let sorted = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((percentile_inclusive(&sorted, 0.2) - 1.8).abs() < 1e-12);
        assert!((percentile_inclusive(&sorted, 0.4) - 2.6).abs() < 1e-12);
        assert!((percentile_inclusive(&sorted, 0.8) - 5.2).abs() < 1e-12);
        assert_eq!(percentile_inclusive(&sorted, 1.0), 10.0);
    }

    #[test]
    fn quintiles_put_one_area_in_each_and_respect_polarity() {
        let values = [3.0, 1.0, 10.0, 2.0, 4.0];
        assert_eq!(
            quintiles(&values, Polarity::LowerIsBetter).unwrap(),
            [3, 1, 5, 2, 4]
        );
        assert_eq!(
            quintiles(&values, Polarity::HigherIsBetter).unwrap(),
            [3, 5, 1, 4, 2]
        );
        assert!(quintiles(&values[..4], Polarity::HigherIsBetter).is_err());
    }

    #[test]
    fn trends_need_five_points_a_strong_slope_and_a_stable_sign() {
        let rising: Vec<Estimate> = (0..6)
            .map(|t| {
                e(
                    10.0 + 2.0 * f64::from(t),
                    9.0 + 2.0 * f64::from(t),
                    11.0 + 2.0 * f64::from(t),
                )
            })
            .collect();
        assert_eq!(recent_trend(&rising), Trend::Increasing);
        let falling: Vec<Estimate> = rising.iter().rev().copied().collect();
        assert_eq!(recent_trend(&falling), Trend::Decreasing);
        let flat: Vec<Estimate> = (0..6)
            .map(|t| e(10.0 + 0.01 * f64::from(t % 2), 8.0, 12.0))
            .collect();
        assert_eq!(recent_trend(&flat), Trend::NoSignificantChange);
        assert_eq!(recent_trend(&rising[..4]), Trend::CannotBeCalculated);
        // One outlier carries the whole slope: dropping it flips the sign, so no trend.
        let mut spike: Vec<Estimate> = (0..5).map(|_| e(10.0, 9.9, 10.1)).collect();
        spike[4] = e(20.0, 19.9, 20.1);
        spike[3] = e(9.0, 8.9, 9.1);
        spike[0] = e(10.5, 10.4, 10.6);
        assert_eq!(recent_trend(&spike), Trend::NoSignificantChange);
    }
}
