//! Control limits, computed once where the figures are made: each monthly indicator's SPC
//! chart and each proportion's and crude rate's practice funnel, from the exact figures at
//! refresh and again from the published figures at publication. The views draw them and
//! compute nothing, and the JSON API carries the same limits the pages draw.

use std::collections::BTreeMap;

use accord_spc::{Chart, Direction, RuleSet, SpcOptions, xmr};
use accord_stats::{Confidence, count_limits, proportion};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{IndicatorEntry, ResultRow, shown};

/// Points on each funnel's limit curves, from the smallest denominator to a little past the
/// largest practice's.
const FUNNEL_CURVE_POINTS: usize = 60;

/// A monthly indicator's XmR chart of its whole-population series (Making Data Count
/// rules), in the series' period order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorSpc {
    /// The target the assurance icon is judged against (a single-value target only).
    pub target: Option<f64>,
    /// The last day of each period charted, in order.
    pub periods: Vec<NaiveDate>,
    /// The chart: limits, signals, icons and warnings.
    pub chart: Chart,
}

/// The chart of a monthly indicator's whole-population rows (`all`, in period order), or
/// none for other period kinds or a series with no value. `polarity` is the indicator's
/// (`higher_is_better`, `lower_is_better` or anything else for neither).
pub fn indicator_spc(
    period_kind: &str,
    polarity: &str,
    target: Option<f64>,
    series: &[&ResultRow],
) -> Option<IndicatorSpc> {
    if period_kind != "month" {
        return None;
    }
    let direction = match polarity {
        "higher_is_better" => Direction::Increase,
        "lower_is_better" => Direction::Decrease,
        _ => Direction::Neither,
    };
    let mut options = SpcOptions::new(RuleSet::Mdc, direction);
    options.target = target;
    let values: Vec<Option<f64>> = series.iter().map(|r| r.value).collect();
    let chart = xmr(&values, &options).ok()?;
    Some(IndicatorSpc {
        target,
        periods: series.iter().map(|r| r.period_end).collect(),
        chart,
    })
}

/// A spend series' XmR chart, held against a monthly budget: lower spend is improvement.
pub fn spend_spc(monthly_pounds: &[f64], monthly_budget: f64) -> Option<Chart> {
    let mut options = SpcOptions::new(RuleSet::Mdc, Direction::Decrease);
    options.target = Some(monthly_budget);
    let values: Vec<Option<f64>> = monthly_pounds.iter().copied().map(Some).collect();
    xmr(&values, &options).ok()
}

/// Where a practice's figure lies against its funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelPosition {
    /// Within the 95% limits.
    Within,
    /// Outside the 95% limits, within the 99.8%.
    Outside95,
    /// Outside the 99.8% limits.
    Outside998,
}

impl FunnelPosition {
    /// The position's code, as the results and the API write it.
    pub fn code(self) -> &'static str {
        match self {
            FunnelPosition::Within => "within",
            FunnelPosition::Outside95 => "outside_95",
            FunnelPosition::Outside998 => "outside_998",
        }
    }

    /// The position of a code written by [`FunnelPosition::code`].
    pub fn from_code(code: &str) -> Option<FunnelPosition> {
        [
            FunnelPosition::Within,
            FunnelPosition::Outside95,
            FunnelPosition::Outside998,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }
}

/// One row of a funnel: the limits at one denominator, and for a practice its figure and
/// where it lies. A funnel is every row of one indicator and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelRow {
    /// The framework's id.
    pub framework: String,
    /// The indicator's id.
    pub indicator: String,
    /// The period's last day.
    pub period_end: NaiveDate,
    /// The whole population's value: the funnel's centre.
    pub centre: f64,
    /// The practice, or none for a point of the limit curves.
    pub practice: Option<String>,
    /// The denominator the limits are at.
    pub denominator: f64,
    /// The practice's value; none on the limit curves.
    pub value: Option<f64>,
    /// The 95% limit below the centre.
    pub lower95: f64,
    /// The 95% limit above the centre.
    pub upper95: f64,
    /// The 99.8% limit below the centre.
    pub lower998: f64,
    /// The 99.8% limit above the centre.
    pub upper998: f64,
    /// Where the practice lies; none on the limit curves.
    pub position: Option<FunnelPosition>,
}

/// The practices' funnels of every proportion, survey agreement and crude rate, in every
/// period with a whole-population value: the limit curves, then each practice with a
/// published value and denominator. Wilson limits for proportions, exact Poisson or Byar's
/// for counts, around the whole population's value (Spiegelhalter's funnel plots); other
/// measures have no binomial or Poisson model to draw limits from.
pub fn funnels(indicators: &[IndicatorEntry], results: &[ResultRow]) -> Vec<FunnelRow> {
    type Key<'a> = (&'a str, &'a str, NaiveDate);
    let mut centres: BTreeMap<Key, f64> = BTreeMap::new();
    let mut practices: BTreeMap<Key, Vec<&ResultRow>> = BTreeMap::new();
    for r in results {
        let key = (r.framework.as_str(), r.indicator.as_str(), r.period_end);
        match r.breakdown.as_str() {
            "all" => {
                if let Some(value) = r.value {
                    centres.insert(key, value);
                }
            }
            "practice" if r.denominator > 0.0 => practices.entry(key).or_default().push(r),
            _ => {}
        }
    }
    let mut rows = Vec::new();
    for entry in indicators {
        let is_rate = match entry.measure.as_str() {
            "proportion" | "survey_agreement" => false,
            "rate" => true,
            _ => continue,
        };
        // value = scale × numerator / denominator (100 for percentages, 1,000 per person-years…).
        let Some(scale) = entry.scale else { continue };
        for (&(framework, indicator, period_end), &centre) in
            centres.range((entry.framework.as_str(), entry.id.as_str(), NaiveDate::MIN)..)
        {
            if (framework, indicator) != (entry.framework.as_str(), entry.id.as_str()) {
                break;
            }
            let key = (framework, indicator, period_end);
            let members = practices.get(&key).map(Vec::as_slice).unwrap_or_default();
            let largest = members.iter().map(|r| r.denominator).fold(0.0, f64::max);
            if largest <= 0.0 {
                continue;
            }
            let limits = Limits {
                expected: centre / scale,
                scale,
                is_rate,
            };
            let row = |denominator: f64, practice: Option<(&ResultRow, f64)>| {
                let [lower95, upper95, lower998, upper998] = limits.at(denominator)?;
                let position = practice.map(|(_, value)| {
                    if value < lower998 || value > upper998 {
                        FunnelPosition::Outside998
                    } else if value < lower95 || value > upper95 {
                        FunnelPosition::Outside95
                    } else {
                        FunnelPosition::Within
                    }
                });
                Some(FunnelRow {
                    framework: framework.to_string(),
                    indicator: indicator.to_string(),
                    period_end,
                    centre,
                    practice: practice.map(|(r, _)| r.group.clone()),
                    denominator,
                    value: practice.map(|(_, value)| value),
                    lower95,
                    upper95,
                    lower998,
                    upper998,
                    position,
                })
            };
            rows.extend((1..=FUNNEL_CURVE_POINTS).filter_map(|k| {
                let share = k as f64 / FUNNEL_CURVE_POINTS as f64;
                row(largest * 1.05 * share.powi(2), None)
            }));
            rows.extend(members.iter().filter_map(|r| {
                let value = r.value?;
                shown(r.denominator)?;
                row(r.denominator, Some((r, value)))
            }));
        }
    }
    rows
}

/// The funnel's limits around an expected ratio (events per unit of denominator).
struct Limits {
    expected: f64,
    scale: f64,
    is_rate: bool,
}

impl Limits {
    /// The 95% and 99.8% limits at denominator `n`: [lower95, upper95, lower998, upper998].
    fn at(&self, n: f64) -> Option<[f64; 4]> {
        let limit = |conf| -> Option<(f64, f64)> {
            if self.is_rate {
                let (lo, hi) = count_limits(self.expected * n, conf).ok()?;
                Some((lo / n * self.scale, hi / n * self.scale))
            } else {
                let e = proportion((self.expected * n).min(n), n, conf).ok()?;
                Some((e.lower * self.scale, e.upper * self.scale))
            }
        };
        let (lower95, upper95) = limit(Confidence::P95)?;
        let (lower998, upper998) = limit(Confidence::P998)?;
        Some([lower95, upper95, lower998, upper998])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(breakdown: &str, group: &str, numerator: f64, denominator: f64) -> ResultRow {
        ResultRow {
            framework: "f".into(),
            indicator: "i".into(),
            measure: "proportion".into(),
            period_start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
            breakdown: breakdown.into(),
            group: group.into(),
            numerator,
            denominator,
            value: Some(100.0 * numerator / denominator),
            lower95: None,
            upper95: None,
            lower998: None,
            upper998: None,
            vs_benchmark: None,
            vs_target: None,
            vs_year_earlier: None,
            trend: None,
            note: None,
        }
    }

    fn entry(measure: &str, scale: Option<f64>) -> IndicatorEntry {
        IndicatorEntry {
            framework: "f".into(),
            id: "i".into(),
            domain: String::new(),
            outcome: String::new(),
            name: String::new(),
            measure: measure.into(),
            unit: String::new(),
            period_kind: "year".into(),
            polarity: "higher_is_better".into(),
            sql: String::new(),
            reads: Vec::new(),
            scale,
            latest: None,
            no_figure: None,
            rows: 0,
            query_seconds: 0.0,
            spc: None,
        }
    }

    #[test]
    fn practices_are_placed_against_wilson_limits_around_the_whole_population() {
        let results = vec![
            row("all", "all", 500.0, 1000.0),
            row("practice", "A", 52.0, 100.0),
            row("practice", "B", 80.0, 100.0),
            row("practice", "C", 62.0, 100.0),
        ];
        let funnel = funnels(&[entry("proportion", Some(100.0))], &results);
        assert_eq!(funnel.len(), FUNNEL_CURVE_POINTS + 3);
        let at = |p: &str| funnel.iter().find(|r| r.practice.as_deref() == Some(p));
        let a = at("A").unwrap();
        // Wilson's 95% interval for 50 of 100 is 40.38-59.62 (Newcombe 1998, method 3).
        assert!((a.lower95 - 40.383).abs() < 1e-3 && (a.upper95 - 59.617).abs() < 1e-3);
        assert_eq!(a.position, Some(FunnelPosition::Within));
        assert_eq!(at("B").unwrap().position, Some(FunnelPosition::Outside998));
        assert_eq!(at("C").unwrap().position, Some(FunnelPosition::Outside95));
        assert!(funnel.iter().all(|r| r.centre == 50.0));
        let curve: Vec<f64> = funnel
            .iter()
            .filter(|r| r.practice.is_none())
            .map(|r| r.upper95 - r.lower95)
            .collect();
        assert!(curve.windows(2).all(|w| w[1] < w[0]), "the funnel narrows");
    }

    #[test]
    fn means_and_withheld_practices_have_no_funnel() {
        let results = vec![row("all", "all", 500.0, 1000.0), {
            let mut r = row("practice", "A", 52.0, 100.0);
            r.denominator = crate::WITHHELD;
            r
        }];
        assert!(funnels(&[entry("mean", None)], &results).is_empty());
        let funnel = funnels(&[entry("proportion", Some(100.0))], &results);
        assert!(funnel.iter().all(|r| r.practice.is_none()));
    }

    #[test]
    fn only_monthly_indicators_have_an_spc_chart() {
        let rows: Vec<ResultRow> = (0..20)
            .map(|m| {
                let mut r = row("all", "all", 50.0 + f64::from(m % 3), 100.0);
                r.period_end =
                    NaiveDate::from_ymd_opt(2023, 1, 31).unwrap() + chrono::Months::new(m);
                r
            })
            .collect();
        let series: Vec<&ResultRow> = rows.iter().collect();
        let spc = indicator_spc("month", "lower_is_better", Some(40.0), &series).unwrap();
        assert_eq!(spc.periods.len(), 20);
        assert_eq!(spc.chart.direction, Direction::Decrease);
        assert!(spc.chart.assurance.is_some());
        assert!(indicator_spc("year", "lower_is_better", None, &series).is_none());
    }
}
