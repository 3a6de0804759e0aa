//! The snapshot's Parquet tables: result, inequality and funnel rows to and from Arrow.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray, cast::AsArray,
    types::Float64Type,
};
use arrow_schema::{DataType, Field, Schema};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::control::{FunnelPosition, FunnelRow};
use crate::{InequalityRow, Result, ResultRow, SnapshotError};

use accord_model::dates::{from_days, to_days};

/// Column builders over a slice of rows.
struct Columns<'a, R> {
    rows: &'a [R],
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl<'a, R> Columns<'a, R> {
    fn new(rows: &'a [R]) -> Self {
        Columns {
            rows,
            fields: Vec::new(),
            arrays: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, nullable: bool, array: ArrayRef) -> &mut Self {
        self.fields
            .push(Field::new(name, array.data_type().clone(), nullable));
        self.arrays.push(array);
        self
    }

    fn text(&mut self, name: &str, f: impl Fn(&R) -> &str) -> &mut Self {
        let a = StringArray::from_iter_values(self.rows.iter().map(f));
        self.push(name, false, Arc::new(a))
    }

    fn optional_text(&mut self, name: &str, f: impl Fn(&R) -> Option<&str>) -> &mut Self {
        let a: StringArray = self.rows.iter().map(f).collect();
        self.push(name, true, Arc::new(a))
    }

    fn number(&mut self, name: &str, f: impl Fn(&R) -> f64) -> &mut Self {
        let a = Float64Array::from_iter_values(self.rows.iter().map(f));
        self.push(name, false, Arc::new(a))
    }

    fn optional_number(&mut self, name: &str, f: impl Fn(&R) -> Option<f64>) -> &mut Self {
        let a: Float64Array = self.rows.iter().map(f).collect();
        self.push(name, true, Arc::new(a))
    }

    fn date(&mut self, name: &str, f: impl Fn(&R) -> NaiveDate) -> &mut Self {
        let a = Date32Array::from_iter_values(self.rows.iter().map(|r| to_days(f(r))));
        self.push(name, false, Arc::new(a))
    }

    fn write(&mut self, path: &Path) -> Result<()> {
        let schema = Arc::new(Schema::new(std::mem::take(&mut self.fields)));
        let batch = RecordBatch::try_new(schema.clone(), std::mem::take(&mut self.arrays))
            .map_err(|e| SnapshotError::invalid(path, e))?;
        let file = File::create(path).map_err(SnapshotError::io(path))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(file, schema, Some(properties))
            .map_err(|e| SnapshotError::invalid(path, e))?;
        writer
            .write(&batch)
            .map_err(|e| SnapshotError::invalid(path, e))?;
        let file = writer
            .into_inner()
            .map_err(|e| SnapshotError::invalid(path, e))?;
        file.sync_all().map_err(SnapshotError::io(path))
    }
}

/// Writes the result rows to a Parquet file.
pub fn write_results(path: &Path, rows: &[ResultRow]) -> Result<()> {
    Columns::new(rows)
        .text("framework", |r| &r.framework)
        .text("indicator", |r| &r.indicator)
        .text("measure", |r| &r.measure)
        .date("period_start", |r| r.period_start)
        .date("period_end", |r| r.period_end)
        .text("breakdown", |r| &r.breakdown)
        .text("group", |r| &r.group)
        .number("numerator", |r| r.numerator)
        .number("denominator", |r| r.denominator)
        .optional_number("value", |r| r.value)
        .optional_number("lower95", |r| r.lower95)
        .optional_number("upper95", |r| r.upper95)
        .optional_number("lower998", |r| r.lower998)
        .optional_number("upper998", |r| r.upper998)
        .optional_text("vs_benchmark", |r| r.vs_benchmark.as_deref())
        .optional_text("vs_target", |r| r.vs_target.as_deref())
        .optional_text("vs_year_earlier", |r| r.vs_year_earlier.as_deref())
        .optional_text("trend", |r| r.trend.as_deref())
        .optional_text("note", |r| r.note.as_deref())
        .write(path)
}

/// Writes the inequality rows to a Parquet file.
pub fn write_inequality(path: &Path, rows: &[InequalityRow]) -> Result<()> {
    Columns::new(rows)
        .text("framework", |r| &r.framework)
        .text("indicator", |r| &r.indicator)
        .date("period_start", |r| r.period_start)
        .date("period_end", |r| r.period_end)
        .number("gap", |r| r.gap)
        .number("gap_lower", |r| r.gap_lower)
        .number("gap_upper", |r| r.gap_upper)
        .optional_number("sii", |r| r.sii)
        .optional_number("sii_lower", |r| r.sii_lower)
        .optional_number("sii_upper", |r| r.sii_upper)
        .optional_number("rii", |r| r.rii)
        .write(path)
}

/// Writes the funnel rows to a Parquet file.
pub fn write_funnels(path: &Path, rows: &[FunnelRow]) -> Result<()> {
    Columns::new(rows)
        .text("framework", |r| &r.framework)
        .text("indicator", |r| &r.indicator)
        .date("period_end", |r| r.period_end)
        .number("centre", |r| r.centre)
        .optional_text("practice", |r| r.practice.as_deref())
        .number("denominator", |r| r.denominator)
        .optional_number("value", |r| r.value)
        .number("lower95", |r| r.lower95)
        .number("upper95", |r| r.upper95)
        .number("lower998", |r| r.lower998)
        .number("upper998", |r| r.upper998)
        .optional_text("position", |r| r.position.map(FunnelPosition::code))
        .write(path)
}

/// Typed access to one batch's columns, with errors that name the file and column.
struct Batch<'a> {
    path: &'a Path,
    batch: RecordBatch,
}

impl Batch<'_> {
    fn column(&self, name: &str, kind: DataType) -> Result<&ArrayRef> {
        let column = self.batch.column_by_name(name).ok_or_else(|| {
            SnapshotError::invalid(self.path, format!("column `{name}` is missing"))
        })?;
        if column.data_type() != &kind {
            return Err(SnapshotError::invalid(
                self.path,
                format!("column `{name}` is {}, expected {kind}", column.data_type()),
            ));
        }
        Ok(column)
    }

    fn texts(&self, name: &str) -> Result<Vec<Option<String>>> {
        let a = self.column(name, DataType::Utf8)?.as_string::<i32>();
        Ok(a.iter().map(|v| v.map(str::to_string)).collect())
    }

    fn text(&self, name: &str) -> Result<Vec<String>> {
        self.required(name, self.texts(name)?)
    }

    fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let a = self
            .column(name, DataType::Float64)?
            .as_primitive::<Float64Type>();
        Ok(a.iter().collect())
    }

    fn number(&self, name: &str) -> Result<Vec<f64>> {
        self.required(name, self.numbers(name)?)
    }

    fn date(&self, name: &str) -> Result<Vec<NaiveDate>> {
        let a = self
            .column(name, DataType::Date32)?
            .as_any()
            .downcast_ref::<Date32Array>()
            .ok_or_else(|| SnapshotError::invalid(self.path, format!("column `{name}`")))?;
        a.iter()
            .map(|d| {
                d.and_then(from_days).ok_or_else(|| {
                    SnapshotError::invalid(self.path, format!("column `{name}`: bad date"))
                })
            })
            .collect()
    }

    fn required<T>(&self, name: &str, values: Vec<Option<T>>) -> Result<Vec<T>> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| {
                    SnapshotError::invalid(
                        self.path,
                        format!("row {}: column `{name}` is empty", i + 1),
                    )
                })
            })
            .collect()
    }
}

fn batches(path: &Path) -> Result<Vec<Batch<'_>>> {
    let file = File::open(path).map_err(SnapshotError::io(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| SnapshotError::invalid(path, e))?;
    reader
        .map(|batch| {
            batch
                .map(|batch| Batch { path, batch })
                .map_err(|e| SnapshotError::invalid(path, e))
        })
        .collect()
}

/// Reads the result rows from Parquet.
pub fn read_results(path: &Path) -> Result<Vec<ResultRow>> {
    let mut rows = Vec::new();
    for b in batches(path)? {
        let framework = b.text("framework")?;
        let indicator = b.text("indicator")?;
        let measure = b.text("measure")?;
        let period_start = b.date("period_start")?;
        let period_end = b.date("period_end")?;
        let breakdown = b.text("breakdown")?;
        let group = b.text("group")?;
        let numerator = b.number("numerator")?;
        let denominator = b.number("denominator")?;
        let value = b.numbers("value")?;
        let lower95 = b.numbers("lower95")?;
        let upper95 = b.numbers("upper95")?;
        let lower998 = b.numbers("lower998")?;
        let upper998 = b.numbers("upper998")?;
        let vs_benchmark = b.texts("vs_benchmark")?;
        let vs_target = b.texts("vs_target")?;
        let vs_year_earlier = b.texts("vs_year_earlier")?;
        let trend = b.texts("trend")?;
        let note = b.texts("note")?;
        for i in 0..framework.len() {
            rows.push(ResultRow {
                framework: framework[i].clone(),
                indicator: indicator[i].clone(),
                measure: measure[i].clone(),
                period_start: period_start[i],
                period_end: period_end[i],
                breakdown: breakdown[i].clone(),
                group: group[i].clone(),
                numerator: numerator[i],
                denominator: denominator[i],
                value: value[i],
                lower95: lower95[i],
                upper95: upper95[i],
                lower998: lower998[i],
                upper998: upper998[i],
                vs_benchmark: vs_benchmark[i].clone(),
                vs_target: vs_target[i].clone(),
                vs_year_earlier: vs_year_earlier[i].clone(),
                trend: trend[i].clone(),
                note: note[i].clone(),
            });
        }
    }
    Ok(rows)
}

/// Reads the inequality rows from Parquet.
pub fn read_inequality(path: &Path) -> Result<Vec<InequalityRow>> {
    let mut rows = Vec::new();
    for b in batches(path)? {
        let framework = b.text("framework")?;
        let indicator = b.text("indicator")?;
        let period_start = b.date("period_start")?;
        let period_end = b.date("period_end")?;
        let gaps: Vec<Vec<f64>> = ["gap", "gap_lower", "gap_upper"]
            .iter()
            .map(|name| b.number(name))
            .collect::<Result<_>>()?;
        let slopes: Vec<Vec<Option<f64>>> = ["sii", "sii_lower", "sii_upper", "rii"]
            .iter()
            .map(|name| b.numbers(name))
            .collect::<Result<_>>()?;
        for i in 0..framework.len() {
            rows.push(InequalityRow {
                framework: framework[i].clone(),
                indicator: indicator[i].clone(),
                period_start: period_start[i],
                period_end: period_end[i],
                gap: gaps[0][i],
                gap_lower: gaps[1][i],
                gap_upper: gaps[2][i],
                sii: slopes[0][i],
                sii_lower: slopes[1][i],
                sii_upper: slopes[2][i],
                rii: slopes[3][i],
            });
        }
    }
    Ok(rows)
}

/// Reads the funnel rows from Parquet.
pub fn read_funnels(path: &Path) -> Result<Vec<FunnelRow>> {
    let mut rows = Vec::new();
    for b in batches(path)? {
        let framework = b.text("framework")?;
        let indicator = b.text("indicator")?;
        let period_end = b.date("period_end")?;
        let practice = b.texts("practice")?;
        let value = b.numbers("value")?;
        let numbers: Vec<Vec<f64>> = [
            "centre",
            "denominator",
            "lower95",
            "upper95",
            "lower998",
            "upper998",
        ]
        .iter()
        .map(|name| b.number(name))
        .collect::<Result<_>>()?;
        let position = b
            .texts("position")?
            .into_iter()
            .map(|code| {
                code.map(|code| {
                    FunnelPosition::from_code(&code).ok_or_else(|| {
                        SnapshotError::invalid(
                            path,
                            format!("column position: unknown position {code:?}"),
                        )
                    })
                })
                .transpose()
            })
            .collect::<Result<Vec<_>>>()?;
        for i in 0..framework.len() {
            rows.push(FunnelRow {
                framework: framework[i].clone(),
                indicator: indicator[i].clone(),
                period_end: period_end[i],
                centre: numbers[0][i],
                practice: practice[i].clone(),
                denominator: numbers[1][i],
                value: value[i],
                lower95: numbers[2][i],
                upper95: numbers[3][i],
                lower998: numbers[4][i],
                upper998: numbers[5][i],
                position: position[i],
            });
        }
    }
    Ok(rows)
}
