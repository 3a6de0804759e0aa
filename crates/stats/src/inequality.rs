//! The slope index of inequality (SII) and relative index of inequality (RII) across
//! deprivation quantiles, as PHEindicatormethods' `phe_sii` computes them: a
//! population-weighted regression of the indicator on the relative rank of each quantile
//! (the midpoint of its cumulative population share, quantile 1 = most deprived), with the
//! interval found by simulation from each quantile's standard error.

use crate::{Confidence, Estimate, StatsError, positive};

/// SII (slope, with its simulated interval), the fitted value at rank 0 and the RII.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlopeIndex {
    /// The slope index of inequality, with its simulated interval.
    pub sii: Estimate,
    /// The fitted value at rank 0 (the most deprived end).
    pub intercept: f64,
    /// (intercept + SII) / intercept.
    pub rii: f64,
}

/// Weighted least squares of `values` on `ranks` with `weights`: (intercept, slope).
fn weighted_fit(ranks: &[f64], values: &[f64], weights: &[f64]) -> (f64, f64) {
    let total: f64 = weights.iter().sum();
    let mean_rank = ranks.iter().zip(weights).map(|(r, w)| r * w).sum::<f64>() / total;
    let mean_value = values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total;
    let mut covariance = 0.0;
    let mut spread = 0.0;
    for ((r, v), w) in ranks.iter().zip(values).zip(weights) {
        covariance += w * (r - mean_rank) * (v - mean_value);
        spread += w * (r - mean_rank).powi(2);
    }
    let slope = covariance / spread;
    (mean_value - slope * mean_rank, slope)
}

/// A seeded standard normal stream (SplitMix64 and Box-Muller), so that a simulated
/// interval is the same every time.
struct Normals(u64);

impl Normals {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f64 {
        let u = self.uniform().max(f64::MIN_POSITIVE);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Draws for the simulated interval of the slope index (the reference's default).
pub const SII_REPETITIONS: usize = 100_000;
/// The seed of those draws, fixed so that the same figures give the same interval.
pub const SII_SEED: u64 = 20_130_101;

/// SII and RII for quantiles in order from most to least deprived. `standard_errors`
/// drive the simulated interval (`repetitions` draws, seeded; the reference's default is
/// 100,000); positions round(reps·(1−c')) and round(reps·c') with c' = c + (1 − c)/2.
pub fn slope_index_of_inequality(
    populations: &[f64],
    values: &[f64],
    standard_errors: &[f64],
    confidence: Confidence,
    repetitions: usize,
    seed: u64,
) -> Result<SlopeIndex, StatsError> {
    if populations.len() < 5 {
        return Err(StatsError::Length {
            what: "quantiles (at least 5)",
            expected: 5,
            got: populations.len(),
        });
    }
    for (what, got) in [
        ("values, one per quantile", values.len()),
        ("standard errors, one per quantile", standard_errors.len()),
    ] {
        if got != populations.len() {
            return Err(StatsError::Length {
                what,
                expected: populations.len(),
                got,
            });
        }
    }
    let total = populations
        .iter()
        .map(|&p| positive("population", p))
        .sum::<Result<f64, _>>()?;
    let shares: Vec<f64> = populations.iter().map(|p| p / total).collect();
    let mut before = 0.0;
    let ranks: Vec<f64> = shares
        .iter()
        .map(|a| {
            let rank = before + a / 2.0;
            before += a;
            rank
        })
        .collect();
    let (intercept, slope) = weighted_fit(&ranks, values, &shares);
    let repetitions = repetitions.max(1_000);
    let mut normals = Normals(seed);
    let mut slopes: Vec<f64> = (0..repetitions)
        .map(|_| {
            let drawn: Vec<f64> = values
                .iter()
                .zip(standard_errors)
                .map(|(v, se)| v + se * normals.next())
                .collect();
            weighted_fit(&ranks, &drawn, &shares).1
        })
        .collect();
    slopes.sort_by(f64::total_cmp);
    let level = confidence.level() + (1.0 - confidence.level()) / 2.0;
    let at = |p: f64| slopes[((repetitions as f64 * p).round() as usize).clamp(1, repetitions) - 1];
    Ok(SlopeIndex {
        sii: Estimate {
            value: slope,
            lower: at(1.0 - level),
            upper: at(level),
        },
        intercept,
        rii: (intercept + slope) / intercept,
    })
}
