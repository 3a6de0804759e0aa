//! `accord spc`: an SPC chart of any monthly (or other regular) series from a CSV file of
//! `period,value` rows, with PDSA annotations. The chart itself is `accord-spc`'s.

use std::path::{Path, PathBuf};

use accord_spc::{Chart, Direction, RuleSet, SpcOptions, xmr};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct SpcArgs {
    /// CSV with a header and `period,value` rows in time order (period YYYY-MM or
    /// YYYY-MM-DD; an empty value is a missing period).
    #[arg(long)]
    input: PathBuf,
    /// Rule set: `mdc` (NHS England's Making Data Count, the default) or `plotthedots`.
    #[arg(long, default_value = "mdc")]
    rules: String,
    /// Which direction is improvement: increase, decrease or neither.
    #[arg(long, default_value = "increase")]
    improvement: String,
    /// A target, for the assurance icon.
    #[arg(long)]
    target: Option<f64>,
    /// Periods where the process changed: limits are recalculated from there.
    #[arg(long)]
    rebase: Vec<String>,
    /// Freeze each section's limits at those of its first N points (12 or more).
    #[arg(long)]
    baseline: Option<usize>,
    /// Screen out large moving ranges (`plotthedots` does by default, `mdc` does not).
    #[arg(long)]
    screen: Option<bool>,
    /// A PDSA cycle or other change to mark: `PERIOD=what changed` (repeatable).
    #[arg(long)]
    annotate: Vec<String>,
    #[arg(long)]
    json: bool,
}

/// A series read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub periods: Vec<String>,
    pub values: Vec<Option<f64>>,
}

/// A problem with the series file, naming the line and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: line {line}, field `{field}`: {problem}")]
pub struct SeriesError {
    pub path: String,
    pub line: usize,
    pub field: &'static str,
    pub problem: String,
}

fn valid_period(period: &str) -> bool {
    let date = if period.len() == 7 {
        format!("{period}-01")
    } else {
        period.to_string()
    };
    chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_ok()
}

/// Parses `period,value` rows after a header; periods must be valid and strictly increasing.
pub fn parse_series(text: &str, path: &Path) -> Result<Series, SeriesError> {
    let fail = |line: usize, field: &'static str, problem: String| SeriesError {
        path: path.display().to_string(),
        line,
        field,
        problem,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim().eq_ignore_ascii_case("period,value") => {}
        Some((_, header)) => {
            return Err(fail(
                1,
                "header",
                format!("expected `period,value`, found {header:?}"),
            ));
        }
        None => return Err(fail(1, "header", "the file is empty".into())),
    }
    let mut series = Series {
        periods: Vec::new(),
        values: Vec::new(),
    };
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let period = fields.next().unwrap_or_default().trim().to_string();
        let value = fields
            .next()
            .ok_or_else(|| {
                fail(
                    number,
                    "value",
                    "missing: each row is `period,value`".into(),
                )
            })?
            .trim();
        if fields.next().is_some() {
            return Err(fail(number, "value", "more than two fields".into()));
        }
        if !valid_period(&period) {
            return Err(fail(
                number,
                "period",
                format!("{period:?} is not a YYYY-MM or YYYY-MM-DD date"),
            ));
        }
        if let Some(previous) = series
            .periods
            .last()
            .filter(|p| p.as_str() >= period.as_str())
        {
            return Err(fail(
                number,
                "period",
                format!(
                    "{period} does not come after {previous}: rows must be in time order, once each"
                ),
            ));
        }
        let value = if value.is_empty() {
            None
        } else {
            Some(
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| fail(number, "value", format!("{value:?} is not a number")))
                    .and_then(|v| {
                        if v.abs() <= accord_spc::MAX_MAGNITUDE {
                            Ok(v)
                        } else {
                            Err(fail(
                                number,
                                "value",
                                format!(
                                    "{value} is beyond ±{:e}: limits from it would overflow",
                                    accord_spc::MAX_MAGNITUDE
                                ),
                            ))
                        }
                    })?,
            )
        };
        series.periods.push(period);
        series.values.push(value);
    }
    if series.values.iter().all(Option::is_none) {
        return Err(fail(1, "value", "no values in the file".into()));
    }
    Ok(series)
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    periods: &'a [String],
    annotations: Vec<(String, String)>,
    chart: &'a Chart,
}

pub fn run(args: &SpcArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let series = parse_series(&text, &args.input)?;
    let rules = RuleSet::from_name(&args.rules)
        .with_context(|| format!("--rules {:?}: use mdc or plotthedots", args.rules))?;
    let direction = match args.improvement.as_str() {
        "increase" => Direction::Increase,
        "decrease" => Direction::Decrease,
        "neither" => Direction::Neither,
        other => bail!("--improvement {other:?}: use increase, decrease or neither"),
    };
    let position = |flag: &str, period: &str| {
        series
            .periods
            .iter()
            .position(|p| p == period)
            .with_context(|| {
                format!(
                    "{flag} {period}: no such period in {}",
                    args.input.display()
                )
            })
    };
    if let Some(target) = args.target.filter(|t| !t.is_finite()) {
        bail!("--target {target}: not a finite number");
    }
    let mut options = SpcOptions::new(rules, direction);
    options.target = args.target;
    options.baseline_points = args.baseline;
    options.screen_moving_ranges = args.screen.unwrap_or(rules.screens_by_default());
    options.rebase_at = args
        .rebase
        .iter()
        .map(|p| position("--rebase", p))
        .collect::<Result<_>>()?;
    let mut annotations = Vec::new();
    for note in &args.annotate {
        let (period, what) = note
            .split_once('=')
            .with_context(|| format!("--annotate {note:?}: write PERIOD=what changed"))?;
        position("--annotate", period)?;
        annotations.push((period.to_string(), what.to_string()));
    }
    let chart = xmr(&series.values, &options)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Report {
                periods: &series.periods,
                annotations,
                chart: &chart
            })?
        );
        return Ok(());
    }
    println!(
        "{:<10} {:>12} {:>12} {:>12} {:>12}  {:<22} signals",
        "period", "value", "mean", "lower", "upper", "point"
    );
    for (point, period) in chart.points.iter().zip(&series.periods) {
        let section = point.section.map(|s| &chart.sections[s]);
        let show = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
        let kind = point
            .point_type
            .map_or_else(|| "-".to_string(), |t| format!("{t:?}"));
        let signals: Vec<String> = point.signals.iter().map(|s| format!("{s:?}")).collect();
        let note = annotations
            .iter()
            .filter(|(p, _)| p == period)
            .map(|(_, w)| format!("  PDSA: {w}"))
            .collect::<String>();
        println!(
            "{period:<10} {:>12} {:>12} {:>12} {:>12}  {kind:<22} {}{note}",
            show(point.value),
            show(section.map(|s| s.mean)),
            show(
                section
                    .filter(|_| !chart.run_chart_only)
                    .map(|s| s.lower_limit)
            ),
            show(
                section
                    .filter(|_| !chart.run_chart_only)
                    .map(|s| s.upper_limit)
            ),
            signals.join(" ")
        );
    }
    println!();
    println!(
        "rules      {:?} (screening {})",
        chart.rules,
        if options.screen_moving_ranges {
            "on"
        } else {
            "off"
        }
    );
    println!(
        "variation  {}",
        chart
            .variation
            .map_or_else(|| "none (run chart)".to_string(), |v| format!("{v:?}"))
    );
    println!(
        "assurance  {}",
        chart.assurance.map_or_else(
            || "none (no target or no direction)".to_string(),
            |a| format!("{a:?}")
        )
    );
    for warning in &chart.warnings {
        println!("warning    {warning}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Series, SeriesError> {
        parse_series(text, Path::new("series.csv"))
    }

    #[test]
    fn reads_values_and_gaps() {
        let series = parse("period,value\n2025-01,3.5\n2025-02,\n2025-03,4\n").unwrap();
        assert_eq!(series.values, [Some(3.5), None, Some(4.0)]);
    }

    #[test]
    fn errors_name_line_and_field() {
        let err = parse("period,value\n2025-01,3\n2025-02,three\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "series.csv: line 3, field `value`: \"three\" is not a number"
        );
        let err = parse("period,value\n2025-02,3\n2025-01,4\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("line 3, field `period`: 2025-01 does not come after 2025-02"),
            "{err}"
        );
        let err = parse("period,value\n2025-01,3\n2025-02,-1.7e308\n").unwrap_err();
        assert_eq!((err.line, err.field), (3, "value"), "{err}");
        let err = parse("month,count\n").unwrap_err();
        assert_eq!(err.field, "header");
        let err = parse("period,value\n2025-13,4\n").unwrap_err();
        assert!(err.to_string().contains("not a YYYY-MM"), "{err}");
    }

    proptest! {
        #[test]
        fn any_text_parses_or_fails_cleanly(text in "period,value\n(\\PC{0,12}\n){0,6}") {
            let _ = parse(&text);
        }

        #[test]
        fn written_series_read_back(values in prop::collection::vec(prop::option::of(-1e6f64..1e6), 1..30)) {
            prop_assume!(values.iter().any(Option::is_some));
            let mut text = String::from("period,value\n");
            for (i, v) in values.iter().enumerate() {
                let period = format!("{:04}-{:02}", 2000 + i / 12, i % 12 + 1);
                text.push_str(&format!("{period},{}\n", v.map(|v| v.to_string()).unwrap_or_default()));
            }
            prop_assert_eq!(parse(&text).unwrap().values, values);
        }
    }
}
