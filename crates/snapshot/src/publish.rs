//! Published output: the disclosure rule of METHODS.md (counts 1-7 redacted as `*`, other
//! counts rounded to the nearest 5, any figure derived from a redacted count redacted too)
//! applied to result rows, and CSV export of exact or published rows. The snapshot itself
//! always holds exact figures; this is the only place they are altered.

use std::path::Path;

use accord_dataset::{Destination, OutputKind, Shape};
use accord_stats::disclose_count;

use crate::{Result, ResultRow};

/// A row as it may be published: `None` is shown as `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedRow<'a> {
    pub row: &'a ResultRow,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value: Option<f64>,
    pub lower95: Option<f64>,
    pub upper95: Option<f64>,
}

fn rounded(x: f64) -> Option<f64> {
    disclose_count(x.round().max(0.0) as u64).map(|n| n as f64)
}

/// The published form of a row: counts controlled, figures withheld where the count that
/// drives them is redacted. A mean's numerator is a sum of values, not a count, and is
/// withheld; its count of people is controlled.
pub fn publish(row: &ResultRow) -> PublishedRow<'_> {
    let shown = rounded(row.disclosure_count()).is_some();
    let mean = row.measure.starts_with("mean");
    let keep = |v: Option<f64>| if shown { v } else { None };
    PublishedRow {
        row,
        numerator: if mean { None } else { rounded(row.numerator) },
        denominator: if mean {
            rounded(row.denominator)
        } else {
            // Person-years and populations are rounded as counts are.
            keep(Some((row.denominator / 5.0).round() * 5.0))
        },
        value: keep(row.value),
        lower95: keep(row.lower95),
        upper95: keep(row.upper95),
    }
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "*".to_string(), |v| format!("{v}"))
}

fn exact(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v}"))
}

fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The header line of the CSV export.
const CSV_HEADER: &str = "framework,indicator,measure,period_start,period_end,breakdown,group,numerator,denominator,value,lower95,upper95,vs_benchmark,vs_target,vs_year_earlier,trend,note\n";

/// A CSV export as an output: recognised by its header line.
pub const CSV_OUTPUT: OutputKind = OutputKind {
    name: "CSV export of a snapshot",
    shape: Shape::File {
        recognise: |bytes| bytes.starts_with(CSV_HEADER.as_bytes()),
    },
};

/// Rows as CSV text. With `public`, the disclosure rule is applied and redacted cells are
/// `*`.
pub fn csv_text<'a>(rows: impl IntoIterator<Item = &'a ResultRow>, public: bool) -> String {
    let mut out = String::from(CSV_HEADER);
    for row in rows {
        let (numerator, denominator, value, lower, upper) = if public {
            let p = publish(row);
            (
                cell(p.numerator),
                cell(p.denominator),
                cell(p.value),
                cell(p.lower95),
                cell(p.upper95),
            )
        } else {
            (
                format!("{}", row.numerator),
                format!("{}", row.denominator),
                exact(row.value),
                exact(row.lower95),
                exact(row.upper95),
            )
        };
        let texts = [
            row.vs_benchmark.as_deref(),
            row.vs_target.as_deref(),
            row.vs_year_earlier.as_deref(),
            row.trend.as_deref(),
            row.note.as_deref(),
        ]
        .map(|t| quoted(t.unwrap_or("")));
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{numerator},{denominator},{value},{lower},{upper},{}\n",
            quoted(&row.framework),
            quoted(&row.indicator),
            row.measure,
            row.period_start,
            row.period_end,
            quoted(&row.breakdown),
            quoted(&row.group),
            texts.join(",")
        ));
    }
    out
}

/// Writes rows as CSV ([`csv_text`]) to `path` atomically (a temporary file beside it, then
/// a rename), over nothing but an earlier export and never over `inputs`.
pub fn write_csv(path: &Path, inputs: &[&Path], rows: &[ResultRow], public: bool) -> Result<()> {
    let destination = Destination::replacing(path, &CSV_OUTPUT, inputs);
    accord_dataset::write_output_file(&destination, csv_text(rows, public).as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::fs;

    fn row(measure: &str, numerator: f64, denominator: f64) -> ResultRow {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        ResultRow {
            framework: "f".into(),
            indicator: "i".into(),
            measure: measure.into(),
            period_start: day,
            period_end: day,
            breakdown: "practice".into(),
            group: "Z1".into(),
            numerator,
            denominator,
            value: Some(numerator / denominator),
            lower95: Some(0.0),
            upper95: Some(1.0),
            lower998: None,
            upper998: None,
            vs_benchmark: None,
            vs_target: None,
            vs_year_earlier: None,
            trend: None,
            note: None,
        }
    }

    #[test]
    fn small_counts_redact_everything_derived_from_them() {
        let small = row("proportion", 5.0, 112.0);
        let p = publish(&small);
        assert_eq!((p.numerator, p.denominator, p.value), (None, None, None));
        let large = row("proportion", 13.0, 112.0);
        let p = publish(&large);
        assert_eq!(p.numerator, Some(15.0));
        assert_eq!(p.denominator, Some(110.0));
        assert_eq!(
            p.value, large.value,
            "figures from unrounded counts are kept"
        );
        let mean = row("mean_cost", 12_345.0, 6.0);
        let p = publish(&mean);
        assert_eq!((p.numerator, p.denominator, p.value), (None, None, None));
        let zero = row("rate", 0.0, 40.0);
        assert_eq!(publish(&zero).numerator, Some(0.0));
    }

    #[test]
    fn csv_is_written_whole_and_public_cells_are_starred() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_csv(&path, &[], &[row("proportion", 5.0, 100.0)], true).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.lines().nth(1).unwrap().contains(",*,*,*,*,*,"),
            "{text}"
        );
        write_csv(&path, &[], &[row("proportion", 5.0, 100.0)], false).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.lines().nth(1).unwrap().contains(",5,100,0.05,0,1,"),
            "{text}"
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file or lock left"
        );
        let theirs = dir.path().join("theirs.csv");
        fs::write(&theirs, "a,b\n1,2\n").unwrap();
        assert!(write_csv(&theirs, &[], &[row("proportion", 5.0, 100.0)], true).is_err());
        assert_eq!(fs::read_to_string(&theirs).unwrap(), "a,b\n1,2\n");
    }
}
