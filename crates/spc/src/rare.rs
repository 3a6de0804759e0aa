//! Rare-event charts from MDC: the T chart of days between events (XmR on t^(1/3.6), limits
//! transformed back, a negative lower limit dropped) and the G chart of cases between events.

use serde::Serialize;

use crate::xmr::{Chart, SpcError, SpcOptions, xmr};

/// The exponent that makes times between events roughly symmetric.
const T_POWER: f64 = 3.6;

/// A T chart: the XmR chart of the transformed times, with limits on the original scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TChart {
    /// The XmR chart of the transformed times.
    pub transformed: Chart,
    /// Per section: centre, lower limit (absent where it would be negative), upper limit, in days.
    pub limits_in_days: Vec<(f64, Option<f64>, f64)>,
}

/// The T chart of days between successive events.
pub fn t_chart(days_between: &[Option<f64>], options: &SpcOptions) -> Result<TChart, SpcError> {
    let transformed: Vec<Option<f64>> = days_between
        .iter()
        .map(|d| d.filter(|&d| d >= 0.0).map(|d| d.powf(1.0 / T_POWER)))
        .collect();
    let chart = xmr(&transformed, options)?;
    let limits_in_days = chart
        .sections
        .iter()
        .map(|s| {
            (
                s.mean.powf(T_POWER),
                (s.lower_limit >= 0.0).then(|| s.lower_limit.powf(T_POWER)),
                s.upper_limit.powf(T_POWER),
            )
        })
        .collect();
    Ok(TChart {
        transformed: chart,
        limits_in_days,
    })
}

/// A G chart: counts of cases (or days) between events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GChart {
    /// The mean count between events.
    pub mean: f64,
    /// The centre line drawn: about the median of a geometric distribution, 0.693 × mean.
    pub centre: f64,
    /// mean + 3·sqrt(mean·(mean + 1)).
    pub upper_limit: f64,
    /// Positions above the upper limit: unusually long gaps between events.
    pub above_limit: Vec<usize>,
}

/// The G chart of counts between events.
pub fn g_chart(counts_between: &[f64]) -> Result<GChart, SpcError> {
    if counts_between.is_empty() {
        return Err(SpcError::NoValues);
    }
    let mean = counts_between.iter().sum::<f64>() / counts_between.len() as f64;
    let upper_limit = mean + 3.0 * (mean * (mean + 1.0)).sqrt();
    let above_limit = counts_between
        .iter()
        .enumerate()
        .filter(|(_, g)| **g > upper_limit)
        .map(|(i, _)| i)
        .collect();
    Ok(GChart {
        mean,
        centre: 0.693 * mean,
        upper_limit,
        above_limit,
    })
}
