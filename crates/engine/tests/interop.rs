//! A dataset exported from another warehouse refreshes to exactly the figures of Accord's
//! own: its Parquet marks every column nullable and stores keys as signed 64-bit integers
//! and text as large strings (as pyarrow, DuckDB and most warehouses may), with values that
//! are canonical. It is sealed, then refreshed with every built-in framework.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use accord_dataset::{Dataset, Origin, seal};
use accord_engine::{RefreshOptions, refresh};
use accord_framework::builtin;
use accord_model::Table;
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;

/// Writes `table` of `dataset` into `out/<table>/export.parquet` as a warehouse would.
fn export_table(dataset: &Dataset, table: Table, out: &Path) {
    let batches = dataset.read_table(table).unwrap();
    let canonical = table.schema();
    let fields: Vec<Field> = canonical
        .fields()
        .iter()
        .map(|f| {
            let data_type = match f.data_type() {
                DataType::UInt64 => DataType::Int64,
                DataType::Utf8 => DataType::LargeUtf8,
                other => other.clone(),
            };
            Field::new(f.name(), data_type, true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let folder = out.join(table.name());
    fs::create_dir_all(&folder).unwrap();
    let file = fs::File::create(folder.join("export.parquet")).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), None).unwrap();
    for batch in &batches {
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(column, field)| cast(column, field.data_type()).unwrap())
            .collect();
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
}

#[test]
fn a_warehouse_export_with_nullable_columns_refreshes_to_the_same_figures() {
    let (dir, data) = accord_testkit::borough(6_000, 21);
    let dataset = Dataset::open(&data).unwrap();
    let export = dir.path().join("export");
    for table in Table::ALL {
        if dataset.has_table(table) {
            export_table(&dataset, table, &export);
        }
    }
    let origin = Origin {
        extract_date: dataset.manifest().extract_date,
        source: "a warehouse export".into(),
        generator: None,
    };
    seal(&export, &origin, &|_| {}).unwrap();
    let frameworks = builtin::all().unwrap();
    let options = RefreshOptions::with_threads(2);
    let refreshed = |dir: &std::path::Path| {
        let dataset = Dataset::open(dir).unwrap();
        let histories = accord_cohort::Histories::load(&dataset).unwrap();
        refresh(
            &dataset,
            &histories,
            &frameworks,
            &options,
            None,
            &|_, _| {},
        )
        .unwrap()
    };
    let (ours, theirs) = (refreshed(&data), refreshed(&export));
    assert!(!ours.snapshot.results.is_empty());
    assert_eq!(ours.snapshot.results.len(), theirs.snapshot.results.len());
    // Sums of person-time are added up in whatever order the engine's threads finish, so
    // the last bit of a figure may differ between any two refreshes; nothing else may.
    for (a, b) in ours.snapshot.results.iter().zip(&theirs.snapshot.results) {
        assert_eq!(rounded(a), rounded(b));
    }
    assert_eq!(
        format!("{:.9?}", ours.snapshot.inequality),
        format!("{:.9?}", theirs.snapshot.inequality)
    );
    assert_eq!(
        format!("{:.6?}", ours.snapshot.summary.profile),
        format!("{:.6?}", theirs.snapshot.summary.profile)
    );
}

/// A figure with every number to nine significant digits.
fn rounded(row: &accord_snapshot::ResultRow) -> String {
    let round = |x: f64| {
        if x == 0.0 || !x.is_finite() {
            x
        } else {
            let digits = 8 - x.abs().log10().floor() as i32;
            let scale = 10f64.powi(digits);
            (x * scale).round() / scale
        }
    };
    let mut row = row.clone();
    row.numerator = round(row.numerator);
    row.denominator = round(row.denominator);
    for value in [
        &mut row.value,
        &mut row.lower95,
        &mut row.upper95,
        &mut row.lower998,
        &mut row.upper998,
    ] {
        *value = value.map(round);
    }
    format!("{row:?}")
}
