//! Age standardisation: directly standardised rates with Dobson's interval on the 2013
//! European Standard Population (`calculate_dsr`), and indirectly standardised ratios and
//! rates (`calculate_ISRatio`, `calculate_ISRate`).

use crate::intervals::{byars_lower, byars_upper, count_limits};
use crate::{Confidence, Estimate, StatsError, non_negative, positive};

/// The 2013 European Standard Population in 19 bands: 0-4, 5-9, ..., 85-89, 90+.
pub const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

fn same_length(what: &'static str, expected: usize, got: usize) -> Result<(), StatsError> {
    if expected == got {
        Ok(())
    } else {
        Err(StatsError::Length {
            what,
            expected,
            got,
        })
    }
}

/// DSR = m · Σ wᵢxᵢ/nᵢ / Σwᵢ with Dobson's interval, which always uses Byar's limits for the
/// total count. `None` (not published) when there are fewer than 10 events.
pub fn directly_standardised_rate(
    counts: &[f64],
    populations: &[f64],
    weights: &[f64],
    multiplier: f64,
    confidence: Confidence,
) -> Result<Option<Estimate>, StatsError> {
    same_length("populations, one per band", counts.len(), populations.len())?;
    same_length(
        "standard population weights, one per band",
        counts.len(),
        weights.len(),
    )?;
    let mut weighted = 0.0;
    let mut variance = 0.0;
    let mut observed = 0.0;
    for ((&x, &n), &w) in counts.iter().zip(populations).zip(weights) {
        let x = non_negative("count", x)?;
        let n = positive("population", n)?;
        let w = non_negative("standard population", w)?;
        weighted += x * w / n;
        variance += x * (w / n).powi(2);
        observed += x;
    }
    let total_weight: f64 = weights.iter().sum();
    if observed < 10.0 {
        return Ok(None);
    }
    let value = weighted / total_weight;
    let variance = variance / total_weight.powi(2);
    let scale = (variance / observed).sqrt();
    let lower = byars_lower(observed, confidence).unwrap_or(0.0);
    let upper = byars_upper(observed, confidence);
    Ok(Some(Estimate {
        value: value * multiplier,
        lower: (value + scale * (lower - observed)) * multiplier,
        upper: (value + scale * (upper - observed)) * multiplier,
    }))
}

/// An indirectly standardised ratio (observed / expected, times a reference value) and
/// rate (the ratio times the reference rate), with the expected count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndirectlyStandardised {
    /// The observed count.
    pub observed: f64,
    /// The count expected from the reference rates.
    pub expected: f64,
    /// Observed over expected, with its interval (times the reference value).
    pub ratio: Estimate,
    /// The ratio times the reference rate, with its interval.
    pub rate: Estimate,
}

/// Indirect standardisation against reference counts and populations by band:
/// E = Σ (x_ref/n_ref) · n; limits on O exact below 10, Byar's from 10.
pub fn indirectly_standardised(
    counts: &[f64],
    populations: &[f64],
    reference_counts: &[f64],
    reference_populations: &[f64],
    multiplier: f64,
    confidence: Confidence,
) -> Result<IndirectlyStandardised, StatsError> {
    same_length("populations, one per band", counts.len(), populations.len())?;
    same_length(
        "reference counts, one per band",
        counts.len(),
        reference_counts.len(),
    )?;
    same_length(
        "reference populations, one per band",
        counts.len(),
        reference_populations.len(),
    )?;
    let mut expected = 0.0;
    for ((&n, &x_ref), &n_ref) in populations
        .iter()
        .zip(reference_counts)
        .zip(reference_populations)
    {
        expected += non_negative("reference count", x_ref)?
            / positive("reference population", n_ref)?
            * non_negative("population", n)?;
    }
    let observed = counts
        .iter()
        .map(|&x| non_negative("count", x))
        .sum::<Result<f64, _>>()?;
    let expected = positive("expected count", expected)?;
    let (lower, upper) = count_limits(observed, confidence)?;
    let reference_rate = reference_counts.iter().sum::<f64>()
        / reference_populations.iter().sum::<f64>()
        * multiplier;
    let ratio = Estimate {
        value: observed / expected,
        lower: lower / expected,
        upper: upper / expected,
    };
    let rate = Estimate {
        value: ratio.value * reference_rate,
        lower: ratio.lower * reference_rate,
        upper: ratio.upper * reference_rate,
    };
    Ok(IndirectlyStandardised {
        observed,
        expected,
        ratio,
        rate,
    })
}
