//! The statistics behind every published figure, exactly as docs/methods.md specifies and as
//! OHID's PHEindicatormethods (the engine of Fingertips) computes them: Wilson intervals
//! for proportions, exact Poisson and Byar's intervals for counts and rates, directly
//! standardised rates with Dobson's interval (European Standard Population 2013), indirect
//! standardisation, means with Student's t, the slope and relative indices of
//! inequality, Fingertips' comparisons (benchmark, target, quintiles, recent trend) and
//! the disclosure control of published counts. Worked examples from the reference's own test data are this crate's tests.
//!
//! Functions take plain numbers and slices: this crate knows nothing of Arrow, SQL or
//! the dataset. Each returns an [`Estimate`] or a [`StatsError`] saying which input is
//! invalid.
//!
//! ```
//! use accord_stats::{Confidence, proportion};
//! let share = proportion(65.0, 100.0, Confidence::P95).unwrap();
//! assert!((share.lower - 0.5525444330).abs() < 1e-9);
//! ```

#![warn(missing_docs)]

mod compare;
mod disclosure;
mod inequality;
mod intervals;
mod standardise;

pub use compare::{
    Comparison, Polarity, TREND_CHI_SQUARED, Target, Trend, compare_to_benchmark,
    compare_to_target, percentile_inclusive, quintiles, recent_trend,
};
pub use disclosure::{REDACT_AT_OR_BELOW, ROUND_TO, disclose_count, disclose_derived};
pub use inequality::{SII_REPETITIONS, SII_SEED, SlopeIndex, slope_index_of_inequality};
pub use intervals::{
    byars_lower, byars_upper, count_limits, mean, mean_from_summary, poisson_limits, proportion,
    rate,
};
pub use standardise::{
    ESP2013, IndirectlyStandardised, directly_standardised_rate, indirectly_standardised,
};

/// A confidence level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Confidence {
    /// 95%, the default.
    P95,
    /// 99.8%, Fingertips' second level.
    P998,
}

impl Confidence {
    /// The two-sided level as a probability.
    pub fn level(self) -> f64 {
        match self {
            Confidence::P95 => 0.95,
            Confidence::P998 => 0.998,
        }
    }

    /// The standard normal quantile for the two-sided level, as R's `qnorm` gives it.
    pub fn z(self) -> f64 {
        match self {
            Confidence::P95 => 1.959_963_984_540_054,
            Confidence::P998 => 3.090_232_306_167_813_5,
        }
    }
}

/// A value with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
}

/// Inputs the methods cannot take, named as the reference names them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// A count or population below zero.
    #[error("{name} must be zero or more, got {value}")]
    Negative {
        /// The input, as the reference names it.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A count or population that must be above zero.
    #[error("{name} must be more than zero, got {value}")]
    NotPositive {
        /// The input, as the reference names it.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// More events than people for a proportion.
    #[error("numerator {x} is more than denominator {n}: a proportion cannot exceed 1")]
    NumeratorAboveDenominator {
        /// The numerator.
        x: f64,
        /// The denominator.
        n: f64,
    },
    /// Two inputs that must be the same length are not.
    #[error("{what}: expected {expected} values, got {got}")]
    Length {
        /// The inputs.
        what: &'static str,
        /// What was expected.
        expected: usize,
        /// How many there were.
        got: usize,
    },
    /// The method is undefined for these inputs (the reason is given).
    #[error("{0}")]
    Undefined(&'static str),
}

pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64, StatsError> {
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(StatsError::Negative { name, value })
    }
}

pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, StatsError> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err(StatsError::NotPositive { name, value })
    }
}
