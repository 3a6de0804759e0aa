//! The XmR chart: limits per section from the mean and the mean moving range, the rules of
//! the chosen rule set, each point's type, and the icons.

use serde::{Deserialize, Serialize};

use crate::rules::{shift, trend, two_of_three};
use crate::{LIMIT_FACTOR, MOVING_RANGE_FACTOR};

/// The two trusted references, which differ in detail (docs/methods.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSet {
    /// NHS England's Making Data Count engine (2024): runs of 6, points beyond 3σ count
    /// towards 2 of 3, no screening by default, at least 13 points for signals.
    Mdc,
    /// NHSRplotthedots 0.2.2: runs of 7, 2 of 3 only between 2σ and 3σ, moving ranges
    /// screened by default.
    PlotTheDots,
}

impl RuleSet {
    /// Points in a shift or a trend.
    pub fn run_length(self) -> usize {
        match self {
            RuleSet::Mdc => 6,
            RuleSet::PlotTheDots => 7,
        }
    }

    /// Does the reference screen moving ranges unless told otherwise?
    pub fn screens_by_default(self) -> bool {
        self == RuleSet::PlotTheDots
    }

    /// The rule set with this name (`mdc`, `plotthedots`).
    pub fn from_name(name: &str) -> Option<RuleSet> {
        match name {
            "mdc" => Some(RuleSet::Mdc),
            "plotthedots" => Some(RuleSet::PlotTheDots),
            _ => None,
        }
    }
}

/// Which direction is improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is improvement.
    Increase,
    /// Lower is improvement.
    Decrease,
    /// Neither direction is improvement.
    Neither,
}

/// How to draw a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct SpcOptions {
    /// Which rules mark special cause.
    pub rules: RuleSet,
    /// Which direction is improvement.
    pub direction: Direction,
    /// The target line, if any, for the assurance icon.
    pub target: Option<f64>,
    /// Positions in the series where a new section (recalculated limits) starts.
    pub rebase_at: Vec<usize>,
    /// Freeze each section's limits at those of its first N points (at least 12).
    pub baseline_points: Option<usize>,
    /// Screen out moving ranges of 3.267 × their mean or more before setting the limits.
    pub screen_moving_ranges: bool,
}

impl SpcOptions {
    /// The reference's defaults for a rule set.
    pub fn new(rules: RuleSet, direction: Direction) -> SpcOptions {
        SpcOptions {
            rules,
            direction,
            target: None,
            rebase_at: Vec::new(),
            baseline_points: None,
            screen_moving_ranges: rules.screens_by_default(),
        }
    }
}

/// A rule that marks a point as special cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// A point outside the process limits.
    OutsideLimits,
    /// A run of points on one side of the mean.
    Shift,
    /// A run of points all rising or all falling.
    Trend,
    /// Two of three points beyond a "2σ" line on one side.
    TwoOfThree,
}

/// What a point shows, given the direction of improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointType {
    /// No special cause.
    CommonCause,
    /// Special cause, high, where higher is improvement.
    ImprovementHigh,
    /// Special cause, low, where lower is improvement.
    ImprovementLow,
    /// Special cause, high, where lower is improvement.
    ConcernHigh,
    /// Special cause, low, where higher is improvement.
    ConcernLow,
    /// Special cause, high, where neither direction is improvement.
    NeitherHigh,
    /// Special cause, low, where neither direction is improvement.
    NeitherLow,
}

/// Whether the process will meet its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// The target lies beyond the limits on the side the process will always meet.
    ConsistentlyPass,
    /// The target lies beyond the limits on the side the process will never meet.
    ConsistentlyFail,
    /// The target lies between the limits: sometimes met, sometimes not.
    HitAndMiss,
}

/// The limits of one section of the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Positions in the series of the section's first and last values.
    pub first: usize,
    /// The last value's position.
    pub last: usize,
    /// Values in the section.
    pub points: usize,
    /// The centre line.
    pub mean: f64,
    /// The mean moving range.
    pub moving_range_mean: f64,
    /// The lower process limit.
    pub lower_limit: f64,
    /// The upper process limit.
    pub upper_limit: f64,
    /// The "2σ" lines.
    pub lower_near: f64,
    /// The upper "2σ" line.
    pub upper_near: f64,
    /// False where the section has too few points for signals (MDC).
    pub signals: bool,
}

/// One position of the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    /// The position in the series.
    pub position: usize,
    /// Missing values are shown as gaps and take no part in any calculation.
    pub value: Option<f64>,
    /// The section it belongs to; none for a missing value.
    pub section: Option<usize>,
    /// The rules it breaks.
    pub signals: Vec<Signal>,
    /// What it shows; none for a missing value.
    pub point_type: Option<PointType>,
}

/// A drawn chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// The rules applied.
    pub rules: RuleSet,
    /// The direction of improvement.
    pub direction: Direction,
    /// Every position of the series.
    pub points: Vec<ChartPoint>,
    /// Each section's limits.
    pub sections: Vec<Section>,
    /// Too few points for SPC: a run chart, without limits' signals or icons.
    pub run_chart_only: bool,
    /// The variation icon: the type of the last point.
    pub variation: Option<PointType>,
    /// The assurance icon, where there is a target.
    pub assurance: Option<Assurance>,
    /// What a reader must know (too few points, a baseline cut short, ...).
    pub warnings: Vec<String>,
}

/// A series or options the chart cannot be drawn from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpcError {
    /// No value to chart.
    #[error("the series has no values")]
    NoValues,
    /// A frozen baseline shorter than 12 points.
    #[error("a frozen baseline needs at least 12 points, got {0}")]
    BaselineTooShort(usize),
    /// A new section asked for beyond the series.
    #[error("rebase position {position} is beyond the series of {length} values")]
    RebaseOutOfRange {
        /// Its position in the series.
        position: usize,
        /// The series' length.
        length: usize,
    },
    #[error(
        "value {value} at position {position} is beyond ±{MAX_MAGNITUDE:e}: limits from it would overflow or lose all precision"
    )]
    /// A value too large to compute limits from.
    ValueOutOfRange {
        /// Its position in the series.
        position: usize,
        /// The value given.
        value: f64,
    },
    /// A target that is infinite or not a number.
    #[error("the target {0} is not a finite number")]
    TargetNotFinite(f64),
}

/// The largest magnitude of a value an XmR chart takes: moving ranges and limits of larger
/// values overflow, or keep no digit of the differences between points.
/// (A NaN is a missing value, as `None` is.)
pub const MAX_MAGNITUDE: f64 = 1e15;

const MINIMUM_CHART_POINTS: usize = 13;
const MINIMUM_SECTION_POINTS: usize = 12;

fn average(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// Mean and mean moving range of the values that set a section's limits.
fn centre_and_spread(values: &[f64], rules: RuleSet, screen: bool) -> (f64, f64) {
    let mean = average(values.iter().copied());
    let ranges: Vec<f64> = values.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let range_mean = average(ranges.iter().copied());
    if !screen || ranges.is_empty() {
        return (mean, range_mean);
    }
    let limit = MOVING_RANGE_FACTOR * range_mean;
    match rules {
        // NHSRplotthedots: drop moving ranges at or above the limit, recompute their mean
        // once; the process mean stays.
        RuleSet::PlotTheDots => {
            let kept: Vec<f64> = ranges.iter().copied().filter(|&r| r < limit).collect();
            (
                mean,
                if kept.is_empty() {
                    range_mean
                } else {
                    average(kept.into_iter())
                },
            )
        }
        // MDC: drop moving ranges above the limit, and the points they end at from the mean.
        RuleSet::Mdc => {
            let kept: Vec<f64> = ranges.iter().copied().filter(|&r| r <= limit).collect();
            let points = values
                .iter()
                .enumerate()
                .filter(|(t, _)| *t == 0 || ranges[t - 1] <= limit)
                .map(|(_, v)| *v);
            (
                average(points),
                if kept.is_empty() {
                    range_mean
                } else {
                    average(kept.into_iter())
                },
            )
        }
    }
}

fn side(value: f64, mean: f64) -> i8 {
    if value > mean {
        1
    } else if value < mean {
        -1
    } else {
        0
    }
}

/// Draws the XmR chart of a series in time order (`None` for a missing period).
pub fn xmr(values: &[Option<f64>], options: &SpcOptions) -> Result<Chart, SpcError> {
    let present: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|x| x.is_finite()).map(|x| (i, x)))
        .collect();
    if present.is_empty() {
        return Err(SpcError::NoValues);
    }
    if let Some((position, value)) = values
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.filter(|x| x.abs() > MAX_MAGNITUDE).map(|x| (i, x)))
    {
        return Err(SpcError::ValueOutOfRange { position, value });
    }
    if let Some(target) = options.target.filter(|t| !t.is_finite()) {
        return Err(SpcError::TargetNotFinite(target));
    }
    if let Some(n) = options
        .baseline_points
        .filter(|&n| n < MINIMUM_SECTION_POINTS)
    {
        return Err(SpcError::BaselineTooShort(n));
    }
    let mut starts = vec![0usize];
    for &position in &options.rebase_at {
        if position >= values.len() {
            return Err(SpcError::RebaseOutOfRange {
                position,
                length: values.len(),
            });
        }
        let start = present.partition_point(|(i, _)| *i < position);
        if start > 0 && start < present.len() && !starts.contains(&start) {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    let mut warnings = Vec::new();
    let run_chart_only = options.rules == RuleSet::Mdc && present.len() < MINIMUM_CHART_POINTS;
    if run_chart_only {
        warnings.push(format!("{} points: fewer than {MINIMUM_CHART_POINTS}, shown as a run chart without SPC signals", present.len()));
    }
    let ys: Vec<f64> = present.iter().map(|(_, y)| *y).collect();
    let mut sections = Vec::new();
    let mut section_of = vec![0usize; present.len()];
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(present.len());
        let baseline = match options.baseline_points {
            Some(n) if n <= end - start => &ys[start..start + n],
            Some(n) => {
                warnings.push(format!(
                    "section {}: {} points, fewer than the baseline of {n}; limits use them all",
                    k + 1,
                    end - start
                ));
                &ys[start..end]
            }
            None => &ys[start..end],
        };
        let (mean, spread) =
            centre_and_spread(baseline, options.rules, options.screen_moving_ranges);
        let short = end - start < MINIMUM_SECTION_POINTS;
        if short {
            warnings.push(format!(
                "section {}: {} points, fewer than {MINIMUM_SECTION_POINTS}",
                k + 1,
                end - start
            ));
        }
        section_of[start..end].iter_mut().for_each(|s| *s = k);
        let near = 2.0 / 3.0 * LIMIT_FACTOR * spread;
        sections.push(Section {
            first: present[start].0,
            last: present[end - 1].0,
            points: end - start,
            mean,
            moving_range_mean: spread,
            lower_limit: mean - LIMIT_FACTOR * spread,
            upper_limit: mean + LIMIT_FACTOR * spread,
            lower_near: mean - near,
            upper_near: mean + near,
            signals: !(run_chart_only || (short && options.rules == RuleSet::Mdc)),
        });
    }

    let sides: Vec<i8> = ys
        .iter()
        .zip(&section_of)
        .map(|(&y, &s)| side(y, sections[s].mean))
        .collect();
    let outside: Vec<bool> = ys
        .iter()
        .zip(&section_of)
        .map(|(&y, &s)| y > sections[s].upper_limit || y < sections[s].lower_limit)
        .collect();
    let near: Vec<bool> = ys
        .iter()
        .zip(&section_of)
        .zip(&outside)
        .map(|((&y, &s), &out)| {
            let beyond = y > sections[s].upper_near || y < sections[s].lower_near;
            match options.rules {
                RuleSet::Mdc => beyond,
                RuleSet::PlotTheDots => beyond && !out,
            }
        })
        .collect();
    let length = options.rules.run_length();
    let mut shifted = vec![false; ys.len()];
    let mut paired = vec![false; ys.len()];
    let mut trending = vec![0i8; ys.len()];
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(ys.len());
        shifted[start..end].copy_from_slice(&shift(&sides[start..end], length));
        paired[start..end].copy_from_slice(&two_of_three(&sides[start..end], &near[start..end]));
        if options.rules == RuleSet::PlotTheDots {
            trending[start..end].copy_from_slice(&trend(&ys[start..end], length));
        }
    }
    if options.rules == RuleSet::Mdc {
        // MDC's trend runs across recalculated sections.
        trending = trend(&ys, length);
    }

    let mut points: Vec<ChartPoint> = values
        .iter()
        .enumerate()
        .map(|(position, value)| ChartPoint {
            position,
            value: value.filter(|v| v.is_finite()),
            section: None,
            signals: Vec::new(),
            point_type: None,
        })
        .collect();
    for (p, &(position, _)) in present.iter().enumerate() {
        let section = &sections[section_of[p]];
        let point = &mut points[position];
        point.section = Some(section_of[p]);
        if !section.signals {
            point.point_type = (!run_chart_only).then_some(PointType::CommonCause);
            continue;
        }
        let fired: Vec<(Signal, i8)> = [
            (Signal::OutsideLimits, outside[p], sides[p]),
            (Signal::Trend, trending[p] != 0, trending[p]),
            (Signal::TwoOfThree, paired[p], sides[p]),
            (Signal::Shift, shifted[p], sides[p]),
        ]
        .into_iter()
        .filter(|(_, on, _)| *on)
        .map(|(signal, _, direction)| (signal, direction))
        .collect();
        point.signals = fired.iter().map(|(s, _)| *s).collect();
        // Which signal names the point: NHSRplotthedots ranks a point beyond the limits
        // first; MDC (v2.6a) ranks trend, then shift, then 2 of 3, then a single point.
        let order: [Signal; 4] = match options.rules {
            RuleSet::PlotTheDots => [
                Signal::OutsideLimits,
                Signal::Trend,
                Signal::TwoOfThree,
                Signal::Shift,
            ],
            RuleSet::Mdc => [
                Signal::Trend,
                Signal::Shift,
                Signal::TwoOfThree,
                Signal::OutsideLimits,
            ],
        };
        let leading = order
            .iter()
            .find_map(|s| fired.iter().find(|(f, _)| f == s))
            .map(|(_, d)| *d);
        point.point_type = Some(match leading {
            None => PointType::CommonCause,
            Some(d) => type_of(d, options.direction),
        });
    }
    let variation = present
        .last()
        .and_then(|(position, _)| points[*position].point_type);
    let assurance = match (options.target, sections.last()) {
        (Some(target), Some(last))
            if !run_chart_only && options.direction != Direction::Neither =>
        {
            Some(assurance(target, last, options.rules, options.direction))
        }
        _ => None,
    };
    Ok(Chart {
        rules: options.rules,
        direction: options.direction,
        points,
        sections,
        run_chart_only,
        variation,
        assurance,
        warnings,
    })
}

fn type_of(direction: i8, improvement: Direction) -> PointType {
    match (improvement, direction > 0) {
        (Direction::Increase, true) => PointType::ImprovementHigh,
        (Direction::Increase, false) => PointType::ConcernLow,
        (Direction::Decrease, true) => PointType::ConcernHigh,
        (Direction::Decrease, false) => PointType::ImprovementLow,
        (Direction::Neither, true) => PointType::NeitherHigh,
        (Direction::Neither, false) => PointType::NeitherLow,
    }
}

/// MDC counts a target exactly on a limit as pass or fail; NHSRplotthedots as hit and miss.
fn assurance(target: f64, section: &Section, rules: RuleSet, direction: Direction) -> Assurance {
    let (below_all, above_all) = match rules {
        RuleSet::Mdc => (target <= section.lower_limit, target >= section.upper_limit),
        RuleSet::PlotTheDots => (target < section.lower_limit, target > section.upper_limit),
    };
    match (direction, below_all, above_all) {
        (Direction::Increase, true, _) | (Direction::Decrease, _, true) => {
            Assurance::ConsistentlyPass
        }
        (Direction::Increase, _, true) | (Direction::Decrease, true, _) => {
            Assurance::ConsistentlyFail
        }
        _ => Assurance::HitAndMiss,
    }
}
