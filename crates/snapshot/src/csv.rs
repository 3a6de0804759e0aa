//! The CSV export of a snapshot's rows: exact rows as they are, published rows
//! ([`crate::publication::publish`]) with every withheld count and figure shown as `*`.
//! A CSV export is recognised by its header, so that `accord export` replaces an earlier
//! export and nothing else.

use std::path::Path;

use crate::publication::shown;
use crate::{Result, ResultRow};
use accord_dataset::{Destination, OutputKind, Shape};

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

/// Rows as CSV text. A withheld count (in a published snapshot) is `*`, as are the figures
/// of a withheld row; a figure that could not be computed is empty.
pub fn csv_text<'a>(rows: impl IntoIterator<Item = &'a ResultRow>) -> String {
    let mut out = String::from(CSV_HEADER);
    for row in rows {
        let withheld = shown(row.denominator).is_none();
        let figure = |v: Option<f64>| if withheld { "*".to_string() } else { exact(v) };
        let (numerator, denominator, value, lower, upper) = (
            cell(shown(row.numerator)),
            cell(shown(row.denominator)),
            figure(row.value),
            figure(row.lower95),
            figure(row.upper95),
        );
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
pub fn write_csv(path: &Path, inputs: &[&Path], rows: &[ResultRow]) -> Result<()> {
    let destination = Destination::replacing(path, &CSV_OUTPUT, inputs);
    accord_dataset::write_output_file(&destination, csv_text(rows).as_bytes())?;
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
    fn csv_is_written_whole_and_public_cells_are_starred() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut withheld = row("proportion", 5.0, 100.0);
        (withheld.numerator, withheld.denominator) = (f64::NAN, f64::NAN);
        write_csv(&path, &[], &[withheld]).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.lines().nth(1).unwrap().contains(",*,*,*,*,*,"),
            "{text}"
        );
        write_csv(&path, &[], &[row("proportion", 5.0, 100.0)]).unwrap();
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
        assert!(write_csv(&theirs, &[], &[row("proportion", 5.0, 100.0)]).is_err());
        assert_eq!(fs::read_to_string(&theirs).unwrap(), "a,b\n1,2\n");
    }
}
