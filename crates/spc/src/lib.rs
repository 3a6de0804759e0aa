//! Statistical process control for short-cycle improvement (PDSA), as NHS England's
//! Making Data Count (MDC) tools and NHSRplotthedots compute it (docs/methods.md, "Statistical
//! process control"): XmR charts with either rule set ([`RuleSet::Mdc`], the default, or
//! [`RuleSet::PlotTheDots`]), moving-range screening, rebasing into sections, frozen
//! baselines, gaps that create no false signals, the variation and assurance icons, and
//! rare-event T and G charts.
//!
//! ```
//! use accord_spc::{Direction, RuleSet, SpcOptions, xmr};
//! let values: Vec<Option<f64>> = [1., 2., 1., 2., 10., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1.]
//!     .into_iter().map(Some).collect();
//! let chart = xmr(&values, &SpcOptions::new(RuleSet::Mdc, Direction::Increase)).unwrap();
//! assert!((chart.sections[0].upper_limit - 6.9515).abs() < 1e-4);
//! ```

#![warn(missing_docs)]

mod rare;
mod rules;
mod xmr;

pub use rare::{GChart, TChart, g_chart, t_chart};
pub use xmr::{
    Assurance, Chart, ChartPoint, Direction, MAX_MAGNITUDE, PointType, RuleSet, Section, Signal,
    SpcError, SpcOptions, xmr,
};

/// 3/d₂ for subgroups of two: the limits are the mean ± 2.66 × mean moving range.
pub const LIMIT_FACTOR: f64 = 2.66;
/// D₄ for subgroups of two: the upper limit of the moving range, used for screening.
pub const MOVING_RANGE_FACTOR: f64 = 3.267;
