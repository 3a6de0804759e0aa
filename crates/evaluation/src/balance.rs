//! Covariate balance before and after matching, as docs/methods.md asks: means, the standardised
//! mean difference as MatchIt computes it for the ATT (the denominator is the treated group's
//! SD in the unmatched sample, the same before and after; for a 0/1 covariate sqrt(p(1 - p)),
//! otherwise the sample SD), CohortMethod's pooled SMD (sqrt((s_T² + s_C²) / 2) recomputed in
//! each sample) beside it, and the variance ratio of continuous covariates.

use serde::{Deserialize, Serialize};

/// A weighted sample of one covariate in one arm.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    weight: f64,
    sum: f64,
    squares: f64,
    /// Sum of squared weights, for the weighted variance's small-sample correction.
    weight_squares: f64,
}

impl Moments {
    fn add(&mut self, value: f64, weight: f64) {
        self.weight += weight;
        self.sum += weight * value;
        self.squares += weight * value * value;
        self.weight_squares += weight * weight;
    }

    fn merge(&mut self, other: &Moments) {
        self.weight += other.weight;
        self.sum += other.sum;
        self.squares += other.squares;
        self.weight_squares += other.weight_squares;
    }

    fn mean(&self) -> f64 {
        if self.weight > 0.0 {
            self.sum / self.weight
        } else {
            f64::NAN
        }
    }

    /// The variance; with unit weights the sample variance (n - 1), with other weights the
    /// reliability-weighted estimator MatchIt uses (`col_w_sd`).
    fn variance(&self, binary: bool) -> f64 {
        let mean = self.mean();
        if binary {
            return mean * (1.0 - mean);
        }
        let centred = (self.squares - self.weight * mean * mean).max(0.0);
        let denominator = self.weight - self.weight_squares / self.weight;
        if denominator > 0.0 {
            centred / denominator
        } else {
            0.0
        }
    }
}

/// One covariate's balance in one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleBalance {
    /// The treated's mean.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub mean_treated: f64,
    /// The controls' (weighted) mean.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub mean_control: f64,
    /// MatchIt's ATT standardised mean difference.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub smd: f64,
    /// CohortMethod's pooled standardised mean difference.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub smd_pooled: f64,
    /// Variance of the treated over variance of the controls (continuous covariates only).
    pub variance_ratio: Option<f64>,
}

/// One covariate before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceRow {
    /// The covariate's name.
    pub name: String,
    /// What it means, in words.
    pub label: String,
    /// Whether it is 0/1.
    pub binary: bool,
    /// Before matching.
    pub before: SampleBalance,
    /// After matching.
    pub after: SampleBalance,
    /// Whether it meets docs/methods.md's bar after matching.
    pub balanced: bool,
}

/// Accumulates one covariate's moments for the four arm × sample cells.
#[derive(Debug, Clone, Default)]
pub struct BalanceAccumulator {
    before: [Moments; 2],
    after: [Moments; 2],
    binary: bool,
    seen: bool,
}

impl BalanceAccumulator {
    /// Adds a unit of the unmatched sample.
    pub fn add_before(&mut self, value: f64, treated: bool) {
        if !self.seen {
            self.binary = true;
            self.seen = true;
        }
        self.binary &= value == 0.0 || value == 1.0;
        self.before[usize::from(treated)].add(value, 1.0);
    }

    /// Adds what another accumulator of the same covariate has seen.
    pub fn merge(&mut self, other: &BalanceAccumulator) {
        for arm in 0..2 {
            self.before[arm].merge(&other.before[arm]);
            self.after[arm].merge(&other.after[arm]);
        }
        self.binary = match (self.seen, other.seen) {
            (true, true) => self.binary && other.binary,
            (false, _) => other.binary,
            (true, false) => self.binary,
        };
        self.seen |= other.seen;
    }

    /// Adds a unit of the matched sample with its matching weight.
    pub fn add_after(&mut self, value: f64, treated: bool, weight: f64) {
        self.after[usize::from(treated)].add(value, weight);
    }

    /// The balance row, with the SMD threshold for this covariate.
    pub fn finish(&self, name: &str, label: &str, threshold: f64) -> BalanceRow {
        let binary = self.binary;
        let denominator = self.before[1].variance(binary).sqrt();
        let sample = |m: &[Moments; 2]| {
            let (t, c) = (m[1], m[0]);
            let (vt, vc) = (t.variance(binary), c.variance(binary));
            let difference = t.mean() - c.mean();
            let pooled = ((vt + vc) / 2.0).sqrt();
            SampleBalance {
                mean_treated: t.mean(),
                mean_control: c.mean(),
                smd: standardise(difference, denominator),
                smd_pooled: standardise(difference, pooled),
                variance_ratio: (!binary && vc > 0.0).then(|| vt / vc),
            }
        };
        let before = sample(&self.before);
        let after = sample(&self.after);
        let balanced = after.smd.abs() < threshold
            && after
                .variance_ratio
                .is_none_or(|r| (0.5..=2.0).contains(&r));
        BalanceRow {
            name: name.to_string(),
            label: label.to_string(),
            binary,
            before,
            after,
            balanced,
        }
    }
}

fn standardise(difference: f64, sd: f64) -> f64 {
    if sd > 0.0 {
        difference / sd
    } else if difference == 0.0 {
        0.0
    } else {
        f64::INFINITY.copysign(difference)
    }
}

/// The approximate standard error of an SMD with `n` units per arm under perfect balance:
/// sqrt(2 / n). With 150 per arm it is about 0.115, so "every |SMD| < 0.1" fails by chance.
pub fn smd_standard_error(treated: usize, controls: usize) -> f64 {
    if treated == 0 || controls == 0 {
        return f64::INFINITY;
    }
    (1.0 / treated as f64 + 1.0 / controls as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smd_uses_the_treated_sd_before_matching_for_both_samples() {
        let mut acc = BalanceAccumulator::default();
        for v in [1.0, 2.0, 3.0, 4.0] {
            acc.add_before(v, true);
        }
        for v in [0.0, 0.0, 2.0, 6.0] {
            acc.add_before(v, false);
        }
        acc.add_after(2.5, true, 1.0);
        acc.add_after(2.0, false, 1.0);
        let row = acc.finish("x", "x", 0.1);
        let sd_treated = (5.0f64 / 3.0).sqrt(); // sample SD of 1..4
        assert!((row.before.smd - (2.5 - 2.0) / sd_treated).abs() < 1e-12);
        assert!((row.after.smd - 0.5 / sd_treated).abs() < 1e-12);
        // Pooled: sample variances 5/3 and 8 in the unmatched sample.
        let pooled = ((5.0 / 3.0 + 8.0) / 2.0f64).sqrt();
        assert!((row.before.smd_pooled - 0.5 / pooled).abs() < 1e-12);
        assert!((row.before.variance_ratio.unwrap() - (5.0 / 3.0) / 8.0).abs() < 1e-12);
        assert!(!row.binary);
    }

    #[test]
    fn undefined_figures_survive_a_json_round_trip() {
        let mut acc = BalanceAccumulator::default();
        acc.add_before(0.0, true);
        acc.add_before(0.0, true);
        acc.add_before(1.0, false);
        acc.add_after(1.0, false, 1.0);
        let row = acc.finish("flag", "flag", 0.1);
        assert!(row.after.smd.is_infinite() || row.after.smd.is_nan());
        let text = serde_json::to_string(&row).unwrap();
        let back: BalanceRow = serde_json::from_str(&text).unwrap();
        assert!(back.after.smd.is_nan());
        assert_eq!(back.before.mean_control, row.before.mean_control);
    }

    #[test]
    fn binary_covariates_use_p_one_minus_p() {
        let mut acc = BalanceAccumulator::default();
        for v in [1.0, 1.0, 0.0, 0.0] {
            acc.add_before(v, true);
        }
        for v in [1.0, 0.0, 0.0, 0.0] {
            acc.add_before(v, false);
        }
        let row = acc.finish("b", "b", 0.1);
        assert!(row.binary);
        assert!((row.before.smd - 0.25 / 0.5).abs() < 1e-12);
        assert!(row.before.variance_ratio.is_none());
    }
}
