//! The dataset folder end to end: every table through the writer and reader, and every
//! kind of bad input giving its own clear error without a panic or a half-written dataset.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use accord_dataset::{
    Dataset, DatasetError, Origin, TableBatches, WriteOptions, check_contents, seal, write_dataset,
};
use accord_model::Table;
use arrow_array::{
    ArrayRef, Date32Array, Float64Array, Int8Array, Int64Array, LargeStringArray, RecordBatch,
    StringArray, UInt8Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;

fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn days(values: &[Option<i32>]) -> ArrayRef {
    Arc::new(Date32Array::from(values.to_vec()))
}

fn ids(values: &[u64]) -> ArrayRef {
    Arc::new(UInt64Array::from(values.to_vec()))
}

fn batch(table: Table, columns: Vec<ArrayRef>) -> RecordBatch {
    RecordBatch::try_new(table.schema(), columns).unwrap()
}

const D2025: i32 = 20_089; // 2025-01-01

/// A tiny borough with a row or more in every table, nulls included.
fn fixture() -> TableBatches {
    let mut tables = TableBatches::new();
    tables.insert(
        Table::Person,
        vec![batch(
            Table::Person,
            vec![
                ids(&[11, 12, 13]),
                text(&[Some("F"), Some("M"), Some("U")]),
                days(&[Some(-3_653), Some(5_000), Some(10_000)]),
                days(&[None, Some(D2025 + 40), None]),
                text(&[Some("white"), Some("asian"), Some("unknown")]),
                text(&[Some("E01990001"), Some("E01990002"), Some("E01990001")]),
                Arc::new(UInt8Array::from(vec![1, 5, 10])),
            ],
        )],
    );
    tables.insert(
        Table::Registration,
        vec![batch(
            Table::Registration,
            vec![
                ids(&[11, 12, 13]),
                text(&[Some("Z84001"), Some("Z84001"), Some("Z84002")]),
                days(&[Some(D2025 - 400), Some(D2025 - 10), Some(D2025)]),
                days(&[None, Some(D2025 + 40), None]),
            ],
        )],
    );
    tables.insert(
        Table::Condition,
        vec![batch(
            Table::Condition,
            vec![
                ids(&[11, 12]),
                text(&[Some("diabetes"), Some("pregnancy")]),
                days(&[Some(D2025 - 900), Some(D2025)]),
                days(&[None, Some(D2025 + 20)]),
                text(&[Some("E11"), None]),
            ],
        )],
    );
    tables.insert(
        Table::Activity,
        vec![batch(
            Table::Activity,
            vec![
                ids(&[1, 2, 3]),
                ids(&[11, 11, 12]),
                text(&[Some("ae"), Some("apc_nel"), Some("asc_home_care")]),
                days(&[Some(D2025 + 1), Some(D2025 + 2), Some(D2025 + 3)]),
                days(&[None, Some(D2025 + 6), Some(D2025 + 30)]),
                text(&[Some("ZA1"), Some("ZA1"), Some("ZS1")]),
                Arc::new(Float64Array::from(vec![180.0, 2200.0, 1071.43])),
                text(&[None, Some("J18.9"), None]),
                text(&[None, None, Some("10 hours a week")]),
            ],
        )],
    );
    tables.insert(
        Table::Observation,
        vec![batch(
            Table::Observation,
            vec![
                ids(&[11]),
                text(&[Some("hba1c")]),
                Arc::new(Float64Array::from(vec![61.0])),
                days(&[Some(D2025 + 5)]),
            ],
        )],
    );
    tables.insert(
        Table::SurveyResponse,
        vec![batch(
            Table::SurveyResponse,
            vec![
                Arc::new(UInt64Array::from(vec![Some(900), None])),
                Arc::new(UInt64Array::from(vec![Some(11), None])),
                text(&[Some("tht_i_statements"), Some("staff_survey")]),
                text(&[Some("tht_01"), Some("staff_02")]),
                Arc::new(Int8Array::from(vec![4, 2])),
                days(&[Some(D2025 + 7), Some(D2025 + 8)]),
                text(&[Some("Z84001"), None]),
                text(&[Some("E01990001"), None]),
            ],
        )],
    );
    tables.insert(
        Table::Practice,
        vec![batch(
            Table::Practice,
            vec![
                text(&[Some("Z84001"), Some("Z84002")]),
                text(&[
                    Some("North Medical Practice 1"),
                    Some("North Medical Practice 2"),
                ]),
                text(&[Some("N01"), None]),
                text(&[Some("L01"), Some("L01")]),
            ],
        )],
    );
    tables.insert(
        Table::Network,
        vec![batch(
            Table::Network,
            vec![
                text(&[Some("N01")]),
                text(&[Some("North 1")]),
                text(&[Some("L01")]),
            ],
        )],
    );
    tables.insert(
        Table::Locality,
        vec![batch(
            Table::Locality,
            vec![text(&[Some("L01")]), text(&[Some("North")])],
        )],
    );
    tables.insert(
        Table::Provider,
        vec![batch(
            Table::Provider,
            vec![
                text(&[Some("ZA1"), Some("ZS1")]),
                text(&[Some("Northern Hospitals"), Some("Borough Council")]),
                text(&[Some("acute"), Some("social_care")]),
            ],
        )],
    );
    tables.insert(
        Table::MdtDiscussion,
        vec![batch(
            Table::MdtDiscussion,
            vec![
                ids(&[11]),
                text(&[Some("N01")]),
                days(&[Some(D2025 + 9)]),
                text(&[Some("risk_stratification")]),
            ],
        )],
    );
    tables
}

fn origin() -> Origin {
    Origin {
        extract_date: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
        source: "fixture".into(),
        generator: None,
    }
}

fn written(dir: &Path, tables: &TableBatches) -> accord_dataset::Manifest {
    write_dataset(dir, tables, &origin(), &WriteOptions::default(), &|_| {})
        .unwrap()
        .0
}

#[test]
fn every_table_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let tables = fixture();
    written(&dir, &tables);
    let dataset = Dataset::open(&dir).unwrap();
    for table in Table::ALL {
        let read = dataset.read_table(table).unwrap();
        let expected = &tables[&table];
        assert_eq!(read.len(), expected.len(), "{table}");
        for (a, b) in read.iter().zip(expected) {
            assert_eq!(a, b, "{table} differs after the round trip");
        }
    }
    let report = check_contents(&dir, dataset.manifest(), &|_| {}).unwrap();
    assert_eq!(report.people, 3);
    assert_eq!(report.deaths, 1);
    assert_eq!(report.registered_at_extract, 2);
    assert_eq!(report.practices, 2);
    assert_eq!(report.activity_first, NaiveDate::from_ymd_opt(2025, 1, 2));
}

#[test]
fn large_tables_are_split_into_files_and_read_back_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("split");
    let mut tables = fixture();
    let person = tables[&Table::Person][0].clone();
    tables.insert(
        Table::Person,
        vec![person.slice(0, 1), person.slice(1, 1), person.slice(2, 1)],
    );
    let options = WriteOptions {
        max_rows_per_file: 1,
        ..WriteOptions::default()
    };
    let (manifest, _) = write_dataset(&dir, &tables, &origin(), &options, &|_| {}).unwrap();
    assert_eq!(manifest.files_of("person").count(), 3);
    let read = Dataset::open(&dir)
        .unwrap()
        .read_table(Table::Person)
        .unwrap();
    let ids: Vec<u64> = read
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<UInt64Array>()
                .unwrap()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(ids, [11, 12, 13]);
}

#[test]
fn absent_optional_tables_read_as_empty_and_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("minimal");
    let mut tables = fixture();
    for table in [
        Table::Observation,
        Table::SurveyResponse,
        Table::MdtDiscussion,
        Table::Condition,
    ] {
        tables.remove(&table);
    }
    written(&dir, &tables);
    let dataset = Dataset::open(&dir).unwrap();
    assert!(dataset.read_table(Table::Observation).unwrap().is_empty());
    let report = check_contents(&dir, dataset.manifest(), &|_| {}).unwrap();
    let observation = report
        .tables
        .iter()
        .find(|t| t.table == "observation")
        .unwrap();
    assert!(!observation.present);
    assert!(
        report.to_string().contains("observation")
            && report.to_string().contains("absent: read as empty")
    );
}

#[test]
fn the_check_report_reads_well() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    written(&dir, &fixture());
    let dataset = Dataset::open(&dir).unwrap();
    let report = check_contents(&dir, dataset.manifest(), &|_| {}).unwrap();
    let shown = report
        .to_string()
        .replace(&dir.display().to_string(), "[dir]");
    insta::assert_snapshot!(shown);
}

#[test]
fn writing_refuses_to_overwrite_and_replaces_atomically_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let first = written(&dir, &fixture());
    let err = write_dataset(
        &dir,
        &fixture(),
        &origin(),
        &WriteOptions::default(),
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(err, DatasetError::AlreadyExists { .. }), "{err}");
    let mut changed = fixture();
    changed.remove(&Table::Observation);
    let options = WriteOptions {
        replace: true,
        ..WriteOptions::default()
    };
    let (second, _) = write_dataset(&dir, &changed, &origin(), &options, &|_| {}).unwrap();
    assert_ne!(first, second);
    assert!(!Dataset::open(&dir).unwrap().has_table(Table::Observation));
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["borough"],
        "no staging or retired folders are left behind"
    );
}

#[test]
fn a_non_canonical_batch_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let mut tables = fixture();
    tables.insert(
        Table::Locality,
        vec![
            RecordBatch::try_new(
                Arc::new(Schema::new(vec![Field::new(
                    "locality_id",
                    DataType::Utf8,
                    false,
                )])),
                vec![text(&[Some("L01")])],
            )
            .unwrap(),
        ],
    );
    let err =
        write_dataset(&dir, &tables, &origin(), &WriteOptions::default(), &|_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::NotCanonical {
                table: "locality",
                ..
            }
        ),
        "{err}"
    );
    assert!(!dir.exists());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// Writes the fixture, applies `damage`, and returns the error that opening and then
/// checking the whole dataset gives.
fn error_after(damage: impl FnOnce(&Path)) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    written(&dir, &fixture());
    damage(&dir);
    let outcome =
        Dataset::open(&dir).and_then(|d| check_contents(&dir, d.manifest(), &|_| {}).map(|_| ()));
    outcome.expect_err("the damage went unnoticed").to_string()
}

fn part(dir: &Path, table: &str) -> std::path::PathBuf {
    dir.join(table).join("part-00000.parquet")
}

#[test]
fn a_truncated_file_is_named() {
    let message = error_after(|dir| {
        let path = part(dir, "activity");
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    });
    assert!(
        message.contains("activity/part-00000.parquet") && message.contains("truncated"),
        "{message}"
    );
}

#[test]
fn a_tampered_file_fails_its_hash() {
    let message = error_after(|dir| {
        let path = part(dir, "person");
        let mut bytes = fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xFF;
        fs::write(&path, bytes).unwrap();
    });
    assert!(
        message.contains("person/part-00000.parquet") && message.contains("SHA-256"),
        "{message}"
    );
}

#[test]
fn a_missing_required_table_is_named() {
    let message = error_after(|dir| {
        let mut manifest = accord_dataset::Manifest::read(dir).unwrap();
        manifest.files.retain(|f| f.table != "practice");
        manifest.write(dir).unwrap();
        fs::remove_dir_all(dir.join("practice")).unwrap();
    });
    assert!(
        message.contains("required table `practice` is missing"),
        "{message}"
    );
}

#[test]
fn a_deleted_file_and_an_unlisted_file_are_named() {
    let message = error_after(|dir| fs::remove_file(part(dir, "observation")).unwrap());
    assert!(
        message.contains("observation/part-00000.parquet: listed in dataset.toml but not found"),
        "{message}"
    );
    let message = error_after(|dir| {
        fs::copy(
            part(dir, "observation"),
            dir.join("observation/part-00001.parquet"),
        )
        .map(|_| ())
        .unwrap()
    });
    assert!(
        message.contains("observation/part-00001.parquet: a Parquet file not listed"),
        "{message}"
    );
}

#[test]
fn a_missing_manifest_says_what_to_do() {
    let message = error_after(|dir| fs::remove_file(dir.join("dataset.toml")).unwrap());
    assert!(
        message.contains("no dataset.toml") && message.contains("not a sealed dataset"),
        "{message}"
    );
}

/// Writes one Parquet file with any schema, as another system would.
fn write_foreign(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut writer =
        ArrowWriter::try_new(fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// The fixture written as a warehouse export: a folder per table, no manifest.
fn export(dir: &Path) {
    written(dir, &fixture());
    fs::remove_file(dir.join("dataset.toml")).unwrap();
}

fn seal_error(damage: impl FnOnce(&Path)) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    export(&dir);
    damage(&dir);
    let err = seal(&dir, &origin(), &|_| {})
        .expect_err("the damage went unnoticed")
        .to_string();
    assert!(
        !dir.join("dataset.toml").exists(),
        "nothing is sealed when a check fails"
    );
    err
}

#[test]
fn a_wrong_column_type_is_named_with_both_types() {
    let message = seal_error(|dir| {
        write_foreign(
            &part(dir, "locality"),
            vec![
                ("locality_id", text(&[Some("L01")])),
                ("name", Arc::new(Float64Array::from(vec![1.5])) as ArrayRef),
            ],
        );
    });
    // A float is no name; the check names the file, column and both types.
    assert!(
        message
            .contains("locality/part-00000.parquet: column `name` has type Float64, expected Utf8"),
        "{message}"
    );
}

#[test]
fn an_unknown_setting_is_named_with_its_row() {
    let message = seal_error(|dir| {
        let tables = fixture();
        let activity = &tables[&Table::Activity][0];
        let mut columns: Vec<(&str, ArrayRef)> = Table::Activity
            .columns()
            .iter()
            .zip(activity.columns())
            .map(|(c, a)| (c.name, a.clone()))
            .collect();
        columns[2].1 = text(&[Some("ae"), Some("ae"), Some("A&E")]);
        write_foreign(&part(dir, "activity"), columns);
    });
    assert!(
        message.contains(
            "activity/part-00000.parquet: row 3, column `setting`: unknown setting \"A&E\""
        ),
        "{message}"
    );
    assert!(message.contains("allowed: ae, apc_nel"), "{message}");
}

#[test]
fn dangling_references_and_duplicate_keys_are_named_with_their_rows() {
    let message = seal_error(|dir| {
        write_foreign(
            &part(dir, "mdt_discussion"),
            vec![
                ("person_id", ids(&[11, 99])),
                ("network_id", text(&[Some("N01"), Some("N01")])),
                ("meeting_date", days(&[Some(D2025), Some(D2025)])),
                ("referral_source", text(&[Some("gp"), Some("gp")])),
            ],
        );
    });
    assert!(message.contains("mdt_discussion/part-00000.parquet: row 2, column `person_id`: person_id 99 is not in table `person`"), "{message}");
    let message = seal_error(|dir| {
        write_foreign(
            &dir.join("locality/part-00001.parquet"),
            vec![
                ("locality_id", text(&[Some("L02"), Some("L01")])),
                ("name", text(&[Some("South"), Some("North again")])),
            ],
        );
    });
    assert!(message.contains("locality/part-00001.parquet: row 2, column `locality_id`: duplicate locality_id \"L01\""), "{message}");
}

#[test]
fn bad_values_are_named_with_their_rows() {
    let message = seal_error(|dir| {
        write_foreign(
            &part(dir, "observation"),
            vec![
                ("person_id", ids(&[11, 12])),
                ("code", text(&[Some("bmi"), None])),
                (
                    "value",
                    Arc::new(Float64Array::from(vec![25.0, 30.0])) as ArrayRef,
                ),
                ("date", days(&[Some(D2025), Some(D2025)])),
            ],
        );
    });
    assert!(
        message.contains("row 2, column `code`: empty, but the column is required"),
        "{message}"
    );
    let message = seal_error(|dir| {
        write_foreign(
            &part(dir, "registration"),
            vec![
                ("person_id", ids(&[11])),
                ("practice_code", text(&[Some("Z84001")])),
                ("start_date", days(&[Some(D2025)])),
                ("end_date", days(&[Some(D2025 - 1)])),
            ],
        );
    });
    assert!(
        message.contains("row 1, column `end_date`: 2024-12-31 is before start_date 2025-01-01"),
        "{message}"
    );
}

#[test]
fn seal_accepts_lossless_variants_and_reads_them_canonically() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    export(&dir);
    // A warehouse's int64 keys, int64 deciles and large strings.
    write_foreign(
        &part(&dir, "person"),
        vec![
            (
                "person_id",
                Arc::new(Int64Array::from(vec![11, 12, 13])) as ArrayRef,
            ),
            (
                "sex",
                Arc::new(LargeStringArray::from(vec!["F", "M", "U"])) as ArrayRef,
            ),
            (
                "birth_month",
                days(&[Some(-3_653), Some(5_000), Some(10_000)]),
            ),
            ("death_date", days(&[None, Some(D2025 + 40), None])),
            (
                "ethnic_group",
                text(&[Some("white"), Some("asian"), Some("unknown")]),
            ),
            (
                "lsoa",
                text(&[Some("E01990001"), Some("E01990002"), Some("E01990001")]),
            ),
            (
                "imd_decile",
                Arc::new(Int64Array::from(vec![1, 5, 10])) as ArrayRef,
            ),
        ],
    );
    let (manifest, report) = seal(&dir, &origin(), &|_| {}).unwrap();
    assert_eq!(manifest.files.len(), 11);
    assert_eq!(report.people, 3);
    let dataset = Dataset::open(&dir).unwrap();
    let people = dataset.read_table(Table::Person).unwrap();
    assert_eq!(people[0], fixture()[&Table::Person][0]);
}

#[test]
fn seal_refuses_negative_keys_and_unknown_folders() {
    let message = seal_error(|dir| {
        write_foreign(
            &part(dir, "person"),
            vec![
                (
                    "person_id",
                    Arc::new(Int64Array::from(vec![11, -12, 13])) as ArrayRef,
                ),
                ("sex", text(&[Some("F"), Some("M"), Some("U")])),
                ("birth_month", days(&[Some(0), Some(0), Some(0)])),
                ("death_date", days(&[None, None, None])),
                (
                    "ethnic_group",
                    text(&[Some("white"), Some("white"), Some("white")]),
                ),
                (
                    "lsoa",
                    text(&[Some("E01990001"), Some("E01990001"), Some("E01990001")]),
                ),
                (
                    "imd_decile",
                    Arc::new(UInt8Array::from(vec![1, 1, 1])) as ArrayRef,
                ),
            ],
        );
    });
    assert!(
        message.contains("row 2, column `person_id`: -12 does not fit UInt64"),
        "{message}"
    );
    let message = seal_error(|dir| fs::create_dir(dir.join("activities")).unwrap());
    assert!(
        message.contains("activities: not a table of the canonical dataset"),
        "{message}"
    );
}
