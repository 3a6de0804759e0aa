//! From query rows to published figures: each row's value and 95% and 99.8% intervals by
//! the method docs/methods.md gives its measure (accord-stats), then the comparisons (against
//! the whole population or an external benchmark, against the target, against a year
//! earlier), Fingertips' recent trend, and the deprivation gap and slope index.

use std::collections::BTreeMap;

use accord_framework::{Indicator, Measure, PeriodKind, Polarity, Target};
use accord_snapshot::{InequalityRow, ResultRow};
use accord_stats::{
    Comparison, Confidence, ESP2013, Estimate, Trend, compare_to_benchmark, compare_to_target,
    directly_standardised_rate, mean_from_summary, proportion, rate, recent_trend,
};
use chrono::{Months, NaiveDate};

use crate::execute::RawRow;
use crate::periods::Period;

/// A figure before comparisons: the counts, and the value with its intervals.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    numerator: f64,
    denominator: f64,
    p95: Option<Estimate>,
    p998: Option<Estimate>,
    note: Option<String>,
}

/// The ESP 2013 bands an age range covers (band 18 is 90 and over).
fn bands_in_range(min_age: Option<u32>, max_age: Option<u32>) -> std::ops::RangeInclusive<usize> {
    let lo = (min_age.unwrap_or(0) / 5).min(18) as usize;
    let hi = (max_age.unwrap_or(200) / 5).min(18) as usize;
    lo..=hi
}

fn figure(indicator: &Indicator, rows: &[&RawRow]) -> Figure {
    let numerator: f64 = rows.iter().map(|r| r.numerator).sum();
    let denominator: f64 = rows.iter().map(|r| r.denominator).sum();
    let mut fig = Figure {
        numerator,
        denominator,
        p95: None,
        p998: None,
        note: None,
    };
    if denominator <= 0.0 {
        fig.note = Some("no one in the population".into());
        return fig;
    }
    let both = |f: &dyn Fn(Confidence) -> Result<Estimate, accord_stats::StatsError>| {
        (f(Confidence::P95), f(Confidence::P998))
    };
    let (p95, p998) = match &indicator.measure {
        Measure::Proportion(_) | Measure::SurveyAgreement { .. } => both(&|c| {
            proportion(numerator, denominator, c).map(|e| Estimate {
                value: e.value * 100.0,
                lower: e.lower * 100.0,
                upper: e.upper * 100.0,
            })
        }),
        Measure::Rate { per, .. } => both(&|c| rate(numerator, denominator, *per, c)),
        Measure::StandardisedRate { per, .. } => {
            let range = bands_in_range(indicator.population.min_age, indicator.population.max_age);
            let mut counts = [0.0; 19];
            let mut years = [0.0; 19];
            for r in rows {
                if let Some(band) = r.band.filter(|b| *b < 19) {
                    counts[band] += r.numerator;
                    years[band] += r.denominator;
                }
            }
            if numerator < 10.0 {
                fig.note = Some("fewer than 10 events: not published".into());
                return fig;
            }
            if let Some(empty) = range.clone().find(|b| years[*b] <= 0.0) {
                fig.note = Some(format!(
                    "no person-time at ages {}: not standardised",
                    esp_band_label(empty)
                ));
                return fig;
            }
            let weights = &ESP2013[range.clone()];
            let (c, y) = (&counts[range.clone()], &years[range]);
            let dsr = |conf| directly_standardised_rate(c, y, weights, *per, conf);
            match (dsr(Confidence::P95), dsr(Confidence::P998)) {
                (Ok(Some(a)), Ok(Some(b))) => (Ok(a), Ok(b)),
                (Err(e), _) | (_, Err(e)) => (Err(e.clone()), Err(e)),
                _ => {
                    fig.note = Some("fewer than 10 events: not published".into());
                    return fig;
                }
            }
        }
        Measure::MeanObservation { .. } | Measure::MeanCost { .. } => {
            let spread = rows.iter().find_map(|r| r.spread).unwrap_or(0.0);
            let count = denominator.round() as u64;
            both(&|c| mean_from_summary(count, numerator / denominator, spread, c))
        }
    };
    match (p95, p998) {
        (Ok(a), Ok(b)) => {
            fig.p95 = Some(a);
            fig.p998 = Some(b);
        }
        (Err(e), _) | (_, Err(e)) => fig.note = Some(e.to_string()),
    }
    fig
}

fn esp_band_label(band: usize) -> String {
    if band >= 18 {
        "90+".into()
    } else {
        format!("{}-{}", band * 5, band * 5 + 4)
    }
}

fn polarity(p: Polarity) -> accord_stats::Polarity {
    match p {
        Polarity::HigherIsBetter => accord_stats::Polarity::HigherIsBetter,
        Polarity::LowerIsBetter => accord_stats::Polarity::LowerIsBetter,
        Polarity::NoJudgement => accord_stats::Polarity::NotApplicable,
    }
}

fn target(t: Target) -> accord_stats::Target {
    match t {
        Target::Value(v) => accord_stats::Target::Value(v),
        Target::Range { lower, upper } => accord_stats::Target::Range { lower, upper },
    }
}

/// A comparison's code in the results.
pub fn comparison_code(c: Comparison) -> &'static str {
    match c {
        Comparison::Best => "best",
        Comparison::Better => "better",
        Comparison::Similar => "similar",
        Comparison::Worse => "worse",
        Comparison::Worst => "worst",
        Comparison::Higher => "higher",
        Comparison::Lower => "lower",
    }
}

/// A trend's code in the results.
pub fn trend_code(t: Trend) -> &'static str {
    match t {
        Trend::Increasing => "increasing",
        Trend::Decreasing => "decreasing",
        Trend::NoSignificantChange => "no_significant_change",
        Trend::CannotBeCalculated => "cannot_be_calculated",
    }
}

/// How far back the previous non-overlapping period ends.
fn step_back(kind: PeriodKind) -> Months {
    Months::new(match kind {
        PeriodKind::Month => 1,
        PeriodKind::Quarter => 3,
        PeriodKind::FinancialYear | PeriodKind::Rolling12Months => 12,
    })
}

/// The last day of the month `months` before the month of `end`.
fn end_before(end: NaiveDate, months: Months) -> Option<NaiveDate> {
    end.succ_opt()?.checked_sub_months(months)?.pred_opt()
}

/// All figures of one indicator, and its inequality rows.
pub fn indicator_results(
    framework: &str,
    indicator: &Indicator,
    periods: &[Period],
    rows: &[RawRow],
) -> (Vec<ResultRow>, Vec<InequalityRow>) {
    let starts: BTreeMap<NaiveDate, NaiveDate> = periods.iter().map(|p| (p.end, p.start)).collect();
    let mut cells: BTreeMap<(NaiveDate, String, String), Vec<&RawRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| starts.contains_key(&r.period_end)) {
        cells
            .entry((r.period_end, r.breakdown.clone(), r.group.clone()))
            .or_default()
            .push(r);
    }
    let figures: BTreeMap<(NaiveDate, String, String), Figure> = cells
        .iter()
        .map(|(key, rows)| (key.clone(), figure(indicator, rows)))
        .collect();
    let direction = polarity(indicator.polarity);
    let mut results = Vec::with_capacity(figures.len());
    for ((end, breakdown, group), fig) in &figures {
        let all = figures.get(&(*end, "all".to_string(), "all".to_string()));
        let benchmark = if breakdown == "all" {
            indicator.benchmark.as_ref().map(|b| b.value)
        } else {
            all.and_then(|a| a.p95).map(|e| e.value)
        };
        let at = |end: Option<NaiveDate>| {
            end.and_then(|e| figures.get(&(e, breakdown.clone(), group.clone())))
        };
        let year_earlier = at(end_before(*end, Months::new(12))).and_then(|f| f.p95);
        // The last five non-overlapping periods up to this one, oldest first.
        let mut series = Vec::new();
        let mut cursor = Some(*end);
        while let Some(e) = cursor.filter(|_| series.len() < 5) {
            match at(Some(e)).and_then(|f| f.p95) {
                Some(estimate) => series.push(estimate),
                None => break,
            }
            cursor = end_before(e, step_back(indicator.period));
        }
        series.reverse();
        let judged = |reference: f64, f: &Figure| {
            f.p95.map(|e| {
                comparison_code(compare_to_benchmark(
                    &e,
                    f.p998.as_ref(),
                    reference,
                    direction,
                ))
                .to_string()
            })
        };
        results.push(ResultRow {
            framework: framework.to_string(),
            indicator: indicator.id.clone(),
            measure: indicator.measure.code().to_string(),
            period_start: starts[end],
            period_end: *end,
            breakdown: breakdown.clone(),
            group: group.clone(),
            numerator: fig.numerator,
            denominator: fig.denominator,
            value: fig.p95.map(|e| e.value),
            lower95: fig.p95.map(|e| e.lower),
            upper95: fig.p95.map(|e| e.upper),
            lower998: fig.p998.map(|e| e.lower),
            upper998: fig.p998.map(|e| e.upper),
            vs_benchmark: benchmark.and_then(|b| judged(b, fig)),
            vs_target: indicator.target.and_then(|t| {
                fig.p95.map(|e| {
                    comparison_code(compare_to_target(&e, true, target(t), direction)).to_string()
                })
            }),
            vs_year_earlier: year_earlier.and_then(|y| judged(y.value, fig)),
            trend: Some(trend_code(recent_trend(&series)).to_string()),
            note: fig.note.clone(),
        });
    }
    let inequality = inequality_rows(framework, indicator, &starts, &figures);
    (results, inequality)
}

fn inequality_rows(
    framework: &str,
    indicator: &Indicator,
    starts: &BTreeMap<NaiveDate, NaiveDate>,
    figures: &BTreeMap<(NaiveDate, String, String), Figure>,
) -> Vec<InequalityRow> {
    let latest = starts.keys().next_back().copied();
    starts
        .iter()
        .filter_map(|(end, start)| {
            // Quintile 1 is the most deprived.
            let quintiles: Vec<(f64, Estimate)> = (1..=5)
                .map(|q| {
                    figures
                        .get(&(*end, "imd_quintile".to_string(), q.to_string()))
                        .and_then(|f| f.p95.map(|e| (f.denominator, e)))
                })
                .collect::<Option<_>>()?;
            // The slope index only for the latest period (its interval takes 100,000 draws).
            InequalityRow::from_quintiles(
                framework,
                &indicator.id,
                (*start, *end),
                &quintiles,
                latest == Some(*end),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esp_bands_cover_the_age_range() {
        assert_eq!(bands_in_range(None, None), 0..=18);
        assert_eq!(bands_in_range(Some(65), None), 13..=18);
        assert_eq!(bands_in_range(Some(18), Some(64)), 3..=12);
        assert_eq!(bands_in_range(None, Some(4)), 0..=0);
        assert_eq!(esp_band_label(13), "65-69");
        assert_eq!(esp_band_label(18), "90+");
    }

    #[test]
    fn a_year_earlier_ends_on_the_last_day_of_the_month() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            end_before(d(2026, 3, 31), Months::new(12)),
            Some(d(2025, 3, 31))
        );
        assert_eq!(
            end_before(d(2024, 2, 29), Months::new(12)),
            Some(d(2023, 2, 28))
        );
        assert_eq!(
            end_before(d(2025, 6, 30), Months::new(3)),
            Some(d(2025, 3, 31))
        );
    }
}
