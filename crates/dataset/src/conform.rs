//! Bringing a Parquet file's columns to the canonical schema, and checking every value
//! against its column's rule. Partnerships' warehouses write `int64` keys, large strings
//! and timestamps; anything that converts without loss is accepted and converted, anything
//! else is refused with the file, row, column and value.

use std::path::Path;

use accord_model::table::VocabularyName;
use accord_model::{Column, ColumnRule, ColumnType, Table};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use crate::error::{DatasetError, Result};

/// Dates outside these bounds are taken to be errors of entry or of conversion.
const EARLIEST_DAY: i32 = -43_830; // 1850-01-01
const LATEST_DAY: i32 = 84_005; // 2199-12-31

/// Can values of type `found` be brought to the column's type without loss?
fn convertible(found: &DataType, expected: ColumnType) -> bool {
    let integer = found.is_integer();
    match expected {
        ColumnType::UInt64 | ColumnType::UInt8 | ColumnType::Int8 => integer,
        ColumnType::Float64 => integer || found.is_floating(),
        ColumnType::Date => matches!(
            found,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
        ),
        ColumnType::Text => match found {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
            DataType::Dictionary(_, value) => {
                matches!(
                    **value,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
            }
            _ => false,
        },
    }
}

/// Checks that a file's schema has exactly the table's columns, each of a usable type.
pub(crate) fn check_schema(table: Table, schema: &Schema, path: &Path) -> Result<()> {
    let expected_names = || {
        table
            .columns()
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for field in schema.fields() {
        if table.column(field.name()).is_none() {
            return Err(DatasetError::UnexpectedColumn {
                path: path.to_path_buf(),
                table: table.name(),
                column: field.name().clone(),
                expected: expected_names(),
            });
        }
    }
    for column in table.columns() {
        let field =
            schema
                .field_with_name(column.name)
                .map_err(|_| DatasetError::MissingColumn {
                    path: path.to_path_buf(),
                    table: table.name(),
                    column: column.name,
                    expected: expected_names(),
                })?;
        if !convertible(field.data_type(), column.column_type) {
            return Err(DatasetError::WrongType {
                path: path.to_path_buf(),
                column: column.name,
                found: field.data_type().to_string(),
                expected: column.column_type.data_type().to_string(),
            });
        }
    }
    Ok(())
}

/// A batch read from `path` (its first row is row `first_row`, 1-based), converted to the
/// canonical schema, with every value checked against its column's rule. Keys and
/// references across tables are checked by the caller.
pub(crate) fn conform_batch(
    table: Table,
    batch: &RecordBatch,
    path: &Path,
    first_row: u64,
) -> Result<RecordBatch> {
    check_schema(table, &batch.schema(), path)?;
    let at = |index: usize, column: &'static str, problem: String| DatasetError::BadValue {
        path: path.to_path_buf(),
        row: first_row + index as u64,
        column,
        problem,
    };
    let mut arrays = Vec::with_capacity(table.columns().len());
    for column in table.columns() {
        // check_schema has just found every column.
        let Some(source) = batch.column_by_name(column.name) else {
            return Err(DatasetError::MissingColumn {
                path: path.to_path_buf(),
                table: table.name(),
                column: column.name,
                expected: String::new(),
            });
        };
        let array = convert(source, column, &at)?;
        if !column.nullable && array.null_count() > 0 {
            let index = (0..array.len()).find(|&i| array.is_null(i)).unwrap_or(0);
            return Err(at(
                index,
                column.name,
                "empty, but the column is required".into(),
            ));
        }
        check_values(&array, column, &at)?;
        arrays.push(array);
    }
    // Checks between columns of one row.
    for (index, column) in table.columns().iter().enumerate() {
        if let Some(other) = column.rule.not_before() {
            let Some(other_index) = table.columns().iter().position(|c| c.name == other) else {
                continue;
            };
            let later = arrays[index].as_primitive::<Date32Type>();
            let earlier = arrays[other_index].as_primitive::<Date32Type>();
            for i in 0..later.len() {
                if later.is_valid(i) && earlier.is_valid(i) && later.value(i) < earlier.value(i) {
                    return Err(at(
                        i,
                        column.name,
                        format!(
                            "{} is before {other} {}",
                            show_date(later.value(i)),
                            show_date(earlier.value(i))
                        ),
                    ));
                }
            }
        }
    }
    RecordBatch::try_new(table.schema(), arrays).map_err(|err| DatasetError::Parquet {
        path: path.to_path_buf(),
        message: err.to_string(),
    })
}

fn show_date(days: i32) -> String {
    accord_model::dates::from_days(days).map_or_else(|| format!("day {days}"), |d| d.to_string())
}

/// The column's values in its canonical type.
fn convert(
    source: &ArrayRef,
    column: &Column,
    at: &impl Fn(usize, &'static str, String) -> DatasetError,
) -> Result<ArrayRef> {
    let target = column.column_type.data_type();
    if source.data_type() == &target {
        return Ok(source.clone());
    }
    let (min, max) = match column.column_type {
        ColumnType::UInt64 => (0, i128::from(u64::MAX)),
        ColumnType::UInt8 => (0, i128::from(u8::MAX)),
        ColumnType::Int8 => (i128::from(i8::MIN), i128::from(i8::MAX)),
        _ => (i128::MIN, i128::MAX),
    };
    // The column's own range narrows the type's, so that the first bad row is reported
    // whichever of the two it breaks.
    let (low, high) = match column.rule {
        ColumnRule::Range {
            min: low,
            max: high,
        } => (min.max(i128::from(low)), max.min(i128::from(high))),
        _ => (min, max),
    };
    let bounded = source.data_type().is_integer() && (min, max) != (i128::MIN, i128::MAX);
    if let Some((index, value)) = bounded
        .then(|| first_integer_outside(source, low, high))
        .flatten()
    {
        let problem = if value < min || value > max {
            format!("{value} does not fit {target} (allowed {min} to {max})")
        } else {
            format!("{value} is outside {low}..={high}")
        };
        return Err(at(index, column.name, problem));
    }
    arrow_cast::cast(source, &target).map_err(|err| {
        at(
            0,
            column.name,
            format!("cannot convert {} to {target}: {err}", source.data_type()),
        )
    })
}

/// The first integer outside `min..=max`, with its index.
fn first_integer_outside(array: &ArrayRef, min: i128, max: i128) -> Option<(usize, i128)> {
    let outside = |value: i128| value < min || value > max;
    if let Some(values) = array.as_primitive_opt::<UInt64Type>() {
        return values
            .iter()
            .enumerate()
            .find_map(|(i, v)| v.map(i128::from).filter(|&v| outside(v)).map(|v| (i, v)));
    }
    let widened = arrow_cast::cast(array, &DataType::Int64).ok()?;
    widened
        .as_primitive::<Int64Type>()
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.map(i128::from).filter(|&v| outside(v)).map(|v| (i, v)))
}

/// Checks each non-null value against the column's own rule (keys and references aside).
fn check_values(
    array: &ArrayRef,
    column: &Column,
    at: &impl Fn(usize, &'static str, String) -> DatasetError,
) -> Result<()> {
    match (column.rule, column.column_type) {
        (ColumnRule::Vocabulary(vocabulary), _) => check_vocabulary(array, vocabulary, column, at),
        (ColumnRule::Range { min, max }, _) => {
            let widened = arrow_cast::cast(array, &DataType::Int64)
                .map_err(|err| at(0, column.name, err.to_string()))?;
            let found = widened
                .as_primitive::<Int64Type>()
                .iter()
                .enumerate()
                .find_map(|(i, v)| v.filter(|v| !(min..=max).contains(v)).map(|v| (i, v)));
            range_error(found, min, max, column, at)
        }
        (ColumnRule::Amount { max }, ColumnType::Float64) => {
            let max = max as f64;
            let values = array.as_primitive::<Float64Type>();
            match values
                .iter()
                .enumerate()
                .find(|(_, v)| v.is_some_and(|v| !(0.0..=max).contains(&v)))
            {
                Some((i, v)) => Err(at(
                    i,
                    column.name,
                    format!(
                        "{} is not a finite amount from 0 to {max}",
                        v.unwrap_or_default()
                    ),
                )),
                None => Ok(()),
            }
        }
        (_, ColumnType::Float64) => {
            let values = array.as_primitive::<Float64Type>();
            match values
                .iter()
                .enumerate()
                .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
            {
                Some((i, v)) => Err(at(
                    i,
                    column.name,
                    format!("{} is not a finite number", v.unwrap_or_default()),
                )),
                None => Ok(()),
            }
        }
        (_, ColumnType::Date) => {
            let values = array.as_primitive::<Date32Type>();
            match values
                .iter()
                .enumerate()
                .find(|(_, v)| v.is_some_and(|d| !(EARLIEST_DAY..=LATEST_DAY).contains(&d)))
            {
                Some((i, v)) => Err(at(
                    i,
                    column.name,
                    format!(
                        "{} is outside 1850-01-01..2199-12-31",
                        show_date(v.unwrap_or_default())
                    ),
                )),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn range_error(
    found: Option<(usize, i64)>,
    min: i64,
    max: i64,
    column: &Column,
    at: &impl Fn(usize, &'static str, String) -> DatasetError,
) -> Result<()> {
    match found {
        Some((i, value)) => Err(at(
            i,
            column.name,
            format!("{value} is outside {min}..={max}"),
        )),
        None => Ok(()),
    }
}

fn check_vocabulary(
    array: &ArrayRef,
    vocabulary: VocabularyName,
    column: &Column,
    at: &impl Fn(usize, &'static str, String) -> DatasetError,
) -> Result<()> {
    let values = array.as_string::<i32>();
    // Runs of one code are common (a table sorted by setting): skip repeats cheaply.
    let mut last_good: Option<&str> = None;
    for (i, value) in values.iter().enumerate() {
        let Some(value) = value else { continue };
        if last_good == Some(value) {
            continue;
        }
        if !vocabulary.contains(value) {
            return Err(at(
                i,
                column.name,
                format!(
                    "unknown {} {value:?} (allowed: {})",
                    column.name,
                    vocabulary.allowed_codes()
                ),
            ));
        }
        last_good = Some(value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use arrow_array::types::UInt8Type;
    use arrow_array::{Int64Array, StringArray};
    use proptest::prelude::*;

    fn imd_batch(values: Vec<i64>) -> RecordBatch {
        // A locality-shaped check is too small: use `person` with only imd_decile varying.
        let n = values.len();
        let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v; n])) };
        RecordBatch::try_from_iter(vec![
            (
                "person_id",
                Arc::new(Int64Array::from((1..=n as i64).collect::<Vec<_>>())) as ArrayRef,
            ),
            ("sex", text("F")),
            (
                "birth_month",
                Arc::new(arrow_array::Date32Array::from(vec![0; n])) as ArrayRef,
            ),
            (
                "death_date",
                Arc::new(arrow_array::Date32Array::from(vec![None; n])) as ArrayRef,
            ),
            ("ethnic_group", text("white")),
            ("lsoa", text("E01990001")),
            ("imd_decile", Arc::new(Int64Array::from(values)) as ArrayRef),
        ])
        .unwrap()
    }

    proptest! {
        /// Any int64 deciles either convert exactly (all in 1..=10) or fail naming the
        /// first bad row and its value; nothing panics.
        #[test]
        fn integer_columns_convert_exactly_or_name_the_first_bad_row(values in prop::collection::vec(-300i64..300, 1..40)) {
            let batch = imd_batch(values.clone());
            match conform_batch(Table::Person, &batch, Path::new("person/x.parquet"), 1) {
                Ok(canonical) => {
                    prop_assert!(values.iter().all(|v| (1..=10).contains(v)));
                    let deciles = canonical.column(6).as_primitive::<UInt8Type>();
                    let back: Vec<i64> = deciles.values().iter().map(|&d| i64::from(d)).collect();
                    prop_assert_eq!(back, values);
                }
                Err(DatasetError::BadValue { row, column, problem, .. }) => {
                    let first = values.iter().position(|v| !(1..=10).contains(v)).unwrap();
                    prop_assert_eq!(column, "imd_decile");
                    prop_assert_eq!(row, first as u64 + 1);
                    prop_assert!(problem.contains(&values[first].to_string()), "{}", problem);
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
    }
}
