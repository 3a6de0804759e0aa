//! Nothing lost, nothing wrong in silence: the `accord` binary given outputs that overlap
//! its inputs or a user's files, datasets whose manifest or values no check should pass,
//! and the leftovers of a killed run. Each case is refused with the file, row and column
//! (or the line and field), and nothing of the user's is touched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use accord_dataset::{Dataset, Manifest, hash_file};
use accord_model::Table;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, UInt64Type};
use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray, UInt64Array};
use parquet::arrow::ArrowWriter;

fn accord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .output()
        .expect("accord runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs accord with `args`, which must fail, without a panic, with every one of `words` in
/// its error.
fn refused(args: &[&str], words: &[&str]) {
    let output = accord(args);
    let stderr = stderr(&output);
    assert!(!output.status.success(), "accord {args:?} succeeded");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for word in words {
        assert!(
            stderr.contains(word),
            "accord {args:?}: {word:?} not in {stderr}"
        );
    }
}

/// A small borough at `dir`.
fn borough(dir: &Path) {
    let made = accord(&[
        "synth",
        "--persons",
        "2500",
        "--seed",
        "9",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every file under `dir` with its bytes, to show that nothing changed.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        if next.is_file() {
            out.push((next.clone(), fs::read(&next).unwrap()));
            continue;
        }
        for entry in fs::read_dir(&next).unwrap() {
            stack.push(entry.unwrap().path());
        }
    }
    out.sort();
    out
}

#[test]
fn an_output_over_its_input_or_a_users_files_is_refused_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("b");
    borough(&data);
    let before = contents(&data);
    let over_input = ["would be written over or inside", "nothing was written"];
    refused(
        &["refresh", "--data", s(&data), "--out", s(&data)],
        &over_input,
    );
    refused(
        &["risk", "fit", "--data", s(&data), "--out", s(&data)],
        &over_input,
    );
    refused(
        &[
            "refresh",
            "--data",
            s(&data),
            "--out",
            s(&data.join("snapshot")),
        ],
        &over_input,
    );
    refused(
        &[
            "mdt",
            "export",
            "--database",
            "sqlite://unused.sqlite",
            "--data",
            s(&data),
            "--out",
            s(&data),
        ],
        &over_input,
    );
    assert_eq!(contents(&data), before, "the dataset is untouched");

    // A folder of the user's own files (a document and a dataset) is not an output.
    let mine = tmp.path().join("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("report.docx"), "a user's document").unwrap();
    fs::create_dir_all(mine.join("copy")).unwrap();
    fs::write(mine.join("copy/notes.txt"), "notes").unwrap();
    let mine_before = contents(&mine);
    let not_ours = ["is not an earlier", "nothing was written"];
    refused(
        &["refresh", "--data", s(&data), "--out", s(&mine)],
        &not_ours,
    );
    refused(
        &["risk", "fit", "--data", s(&data), "--out", s(&mine)],
        &not_ours,
    );
    refused(&["synth", "--out", s(&mine), "--force"], &not_ours);
    assert_eq!(contents(&mine), mine_before);

    // A file is never replaced by a folder, nor by a file of another kind.
    let report = tmp.path().join("report.txt");
    fs::write(&report, "my report").unwrap();
    refused(
        &["refresh", "--data", s(&data), "--out", s(&report)],
        &["it is a file, not a folder"],
    );
    let snapshot = tmp.path().join("snapshot");
    let refreshed = accord(&["refresh", "--data", s(&data), "--out", s(&snapshot)]);
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
    refused(
        &["export", "--snapshot", s(&snapshot), "--out", s(&report)],
        &["its content is not Accord's"],
    );
    assert_eq!(fs::read_to_string(&report).unwrap(), "my report");
    let hidden: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(
        hidden.is_empty(),
        "nothing left beside the outputs: {hidden:?}"
    );

    // Accord's own earlier output of the same kind is replaced, as before.
    let again = accord(&["refresh", "--data", s(&data), "--out", s(&snapshot)]);
    assert!(again.status.success(), "{}", stderr(&again));
    let csv = tmp.path().join("published.csv");
    for _ in 0..2 {
        let export = accord(&[
            "export",
            "--snapshot",
            s(&snapshot),
            "--public",
            "--out",
            s(&csv),
        ]);
        assert!(export.status.success(), "{}", stderr(&export));
    }
    // ... but a snapshot holding a file of the user's is not replaced.
    fs::write(snapshot.join("my-notes.txt"), "notes").unwrap();
    refused(
        &["refresh", "--data", s(&data), "--out", s(&snapshot)],
        &["my-notes.txt, which Accord did not write"],
    );
    assert!(snapshot.join("my-notes.txt").exists());
}

/// A copy of the dataset at `data` as `out` with `change` made to one table's first file,
/// and the manifest's size and hash of that file made to match: a dataset whose files and
/// manifest agree, so that only the checks of the values can refuse it.
fn altered(data: &Path, out: &Path, table: Table, change: impl Fn(&RecordBatch) -> RecordBatch) {
    let mut stack = vec![PathBuf::new()];
    while let Some(relative) = stack.pop() {
        let from = data.join(&relative);
        if from.is_dir() {
            fs::create_dir_all(out.join(&relative)).unwrap();
            for entry in fs::read_dir(&from).unwrap() {
                stack.push(relative.join(entry.unwrap().file_name()));
            }
        } else {
            fs::copy(&from, out.join(&relative)).unwrap();
        }
    }
    let dataset = Dataset::open(data).unwrap();
    let batches: Vec<RecordBatch> = dataset.read_table(table).unwrap();
    let mut manifest = Manifest::read(out).unwrap();
    let file = manifest
        .files
        .iter_mut()
        .find(|f| f.table == table.name())
        .unwrap();
    assert_eq!(
        dataset.table_files(table).len(),
        1,
        "one file for the table"
    );
    let path = file.location(out);
    let mut writer =
        ArrowWriter::try_new(fs::File::create(&path).unwrap(), table.schema(), None).unwrap();
    for (i, batch) in batches.iter().enumerate() {
        let batch = if i == 0 { change(batch) } else { batch.clone() };
        writer.write(&batch).unwrap();
    }
    writer.close().unwrap();
    let (bytes, sha256) = hash_file(&path).unwrap();
    (file.bytes, file.sha256) = (bytes, sha256);
    manifest.write(out).unwrap();
}

/// The batch with `column` replaced by `values`.
fn with_column(batch: &RecordBatch, column: &str, values: ArrayRef) -> RecordBatch {
    let index = batch.schema().index_of(column).unwrap();
    let mut columns = batch.columns().to_vec();
    columns[index] = values;
    RecordBatch::try_new(batch.schema(), columns).unwrap()
}

fn with_f64(batch: &RecordBatch, column: &str, row: usize, value: f64) -> RecordBatch {
    let mut values: Vec<Option<f64>> = batch
        .column_by_name(column)
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .collect();
    values[row] = Some(value);
    with_column(batch, column, Arc::new(Float64Array::from(values)))
}

fn with_date(batch: &RecordBatch, column: &str, row: usize, date: &str) -> RecordBatch {
    let mut values: Vec<Option<i32>> = batch
        .column_by_name(column)
        .unwrap()
        .as_primitive::<Date32Type>()
        .iter()
        .collect();
    let date: chrono::NaiveDate = date.parse().unwrap();
    values[row] = Some(accord_model::dates::to_days(date));
    with_column(batch, column, Arc::new(Date32Array::from(values)))
}

fn with_text(batch: &RecordBatch, column: &str, row: usize, text: &str) -> RecordBatch {
    let mut values: Vec<Option<String>> = batch
        .column_by_name(column)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect();
    values[row] = Some(text.to_string());
    with_column(batch, column, Arc::new(StringArray::from(values)))
}

/// A command of each kind that reads a dataset.
fn the_commands_that_read_a_dataset(data: &Path) -> Vec<Vec<String>> {
    let d = s(data).to_string();
    let out = data.with_file_name("out").to_string_lossy().into_owned();
    [
        vec!["refresh", "--data", &d, "--out", &out],
        vec!["risk", "fit", "--data", &d, "--out", &out],
        vec!["evaluate", "--data", &d, "--no-placebo", "--bootstrap", "5"],
        vec!["segment", "--data", &d],
    ]
    .into_iter()
    .map(|args| args.into_iter().map(str::to_string).collect())
    .collect()
}

/// Every command that reads the dataset at `data` refuses it with all of `words`.
fn refused_by_every_reader(data: &Path, words: &[&str]) {
    for args in the_commands_that_read_a_dataset(data) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, words);
    }
}

/// A change to one table's first batch.
type Change = Box<dyn Fn(&RecordBatch) -> RecordBatch>;

#[test]
fn values_no_check_should_pass_are_refused_by_every_command_with_file_row_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("b");
    borough(&data);
    let duplicate_person: Change = Box::new(|b| {
        let mut ids: Vec<u64> = b
            .column_by_name("person_id")
            .unwrap()
            .as_primitive::<UInt64Type>()
            .values()
            .to_vec();
        ids[1] = ids[0];
        with_column(b, "person_id", Arc::new(UInt64Array::from(ids)))
    });
    // Row 2 of each table's first file is changed: the error names row 2.
    let cases: Vec<(&str, Table, Change, &[&str])> = vec![
        (
            "nan",
            Table::Observation,
            Box::new(|b| with_f64(b, "value", 1, f64::NAN)),
            &[
                "observation/part-00000.parquet",
                "`value`",
                "NaN is not a finite number",
            ],
        ),
        (
            "huge",
            Table::Activity,
            Box::new(|b| with_f64(b, "cost_gbp", 1, 1e300)),
            &[
                "activity/part-00000.parquet",
                "`cost_gbp`",
                "not a finite amount",
            ],
        ),
        (
            "unborn",
            Table::Person,
            Box::new(|b| with_date(b, "birth_month", 1, "2100-01-01")),
            &[
                "person/part-00000.parquet",
                "`birth_month`",
                "after the extract date",
            ],
        ),
        (
            "future",
            Table::Activity,
            Box::new(|b| with_date(b, "start_date", 1, "2199-06-01")),
            &[
                "activity/part-00000.parquet",
                "`start_date`",
                "after the extract date",
            ],
        ),
        (
            "registered_before_birth",
            Table::Registration,
            Box::new(|b| with_date(b, "start_date", 1, "1851-01-01")),
            &[
                "registration/part-00000.parquet",
                "`start_date`",
                "birth month",
            ],
        ),
        (
            "seen_before_birth",
            Table::Activity,
            Box::new(|b| with_date(b, "start_date", 1, "1851-01-01")),
            &[
                "activity/part-00000.parquet",
                "`start_date`",
                "before person",
            ],
        ),
        (
            "unknown_provider",
            Table::Activity,
            Box::new(|b| with_text(b, "provider_code", 1, "NOPE1")),
            &[
                "activity/part-00000.parquet",
                "`provider_code`",
                "not in table `provider`",
            ],
        ),
        (
            "unknown_network",
            Table::Practice,
            Box::new(|b| with_text(b, "network_id", 1, "N99")),
            &[
                "practice/part-00000.parquet",
                "`network_id`",
                "not in table `network`",
            ],
        ),
        (
            "duplicate_person",
            Table::Person,
            duplicate_person,
            &["person/part-00000.parquet", "duplicate person_id"],
        ),
    ];
    for (name, table, change, words) in cases {
        let out = tmp.path().join(name);
        altered(&data, &out, table, change);
        let mut words = words.to_vec();
        words.push("row 2");
        refused_by_every_reader(&out, &words);
    }
}

#[test]
fn a_manifest_that_lists_a_file_twice_or_was_edited_is_refused_by_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("b");
    borough(&data);
    let mut manifest = Manifest::read(&data).unwrap();
    let original = manifest.clone();
    let activity = manifest
        .files
        .iter()
        .find(|f| f.table == "activity")
        .unwrap()
        .clone();
    manifest.files.push(activity);
    manifest.write(&data).unwrap();
    refused_by_every_reader(&data, &["dataset.toml", "line", "listed twice"]);

    let text = original.to_toml().replace(
        &format!("extract_date = \"{}\"", original.extract_date),
        "extract_date = \"2036-03-31\"",
    );
    fs::write(data.join("dataset.toml"), text).unwrap();
    refused_by_every_reader(&data, &["dataset.toml", "changed after Accord wrote it"]);

    // An extract date long after the data, with the manifest's hash made to match.
    for date in ["2036-03-31", "9999-12-31"] {
        let mut late = original.clone();
        late.extract_date = date.parse().unwrap();
        late.write(&data).unwrap();
        refused_by_every_reader(
            &data,
            &["dataset.toml: line", "days after the latest dated row"],
        );
    }
    original.write(&data).unwrap();
    let check = accord(&["dataset", "check", s(&data)]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn a_killed_writers_leftovers_are_cleared_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("b");
    borough(&data);
    let snapshot = tmp.path().join("snapshot");
    let first = accord(&["refresh", "--data", s(&data), "--out", s(&snapshot)]);
    assert!(first.status.success(), "{}", stderr(&first));
    // What a run killed mid-write leaves: a staging folder, a lock, and (killed between
    // the two renames of a swap) the earlier snapshot moved aside with none in its place.
    let dead = 4_194_304 + 99;
    fs::create_dir_all(tmp.path().join(format!(".snapshot.tmp-{dead}/frameworks"))).unwrap();
    fs::write(tmp.path().join(".snapshot.lock"), dead.to_string()).unwrap();
    fs::rename(&snapshot, tmp.path().join(format!(".snapshot.old-{dead}"))).unwrap();
    let explain = accord(&["explain", "--snapshot", s(&snapshot), "--list"]);
    assert!(!explain.status.success());
    let again = accord(&["refresh", "--data", s(&data), "--out", s(&snapshot)]);
    assert!(again.status.success(), "{}", stderr(&again));
    let left: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A bad end date is refused before anything is written.
    let bad = tmp.path().join("bad");
    refused(
        &[
            "synth",
            "--persons",
            "500",
            "--end-date",
            "1900-01-01",
            "--out",
            s(&bad),
        ],
        &["end date", "1900-01-01"],
    );
    assert!(!bad.exists());
}

#[test]
fn framework_numbers_that_mean_nothing_are_refused_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let shown = accord(&["framework", "list", "--show", "islington"]);
    let text = String::from_utf8_lossy(&shown.stdout).into_owned();
    let file = tmp.path().join("mine.toml");
    let first_target = text
        .lines()
        .find(|l| l.starts_with("target = "))
        .expect("a target in the islington framework")
        .to_string();
    for (from, to) in [
        (first_target.as_str(), "target = nan"),
        (first_target.as_str(), "target = inf"),
    ] {
        fs::write(&file, text.replacen(from, to, 1)).unwrap();
        refused(
            &["framework", "check", s(&file)],
            &["line", "is not a finite number"],
        );
    }
    let nested = format!("{}\nx = {}{}\n", text, "[".repeat(600), "]".repeat(600));
    fs::write(&file, nested).unwrap();
    refused(&["framework", "check", s(&file)], &["line"]);
}

#[test]
fn match_and_spc_refuse_numbers_that_overflow_and_warn_of_separation() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("cohort.csv");
    let mut rows = String::from("treat,x,y\n");
    for i in 0..40 {
        rows.push_str(&format!("{},{},{}\n", i % 2, i, i * 2));
    }
    fs::write(&csv, rows.replace(",7,14\n", ",1e300,14\n")).unwrap();
    refused(
        &[
            "match",
            "--csv",
            s(&csv),
            "--treatment",
            "treat",
            "--covariates",
            "x",
            "--outcome",
            "y",
        ],
        &["cohort.csv: line 9, column x", "1e300"],
    );
    // x is 1 for every control and 6 for every treated person: it separates the arms,
    // is left out of the propensity model, and its balance cannot be measured.
    let mut separated = String::from("treat,x,z,y\n");
    for i in 0..40 {
        let treat = i % 2;
        separated.push_str(&format!(
            "{treat},{},{},{}\n",
            1 + 5 * treat,
            (i * 7) % 11,
            i
        ));
    }
    fs::write(&csv, separated).unwrap();
    let matched = accord(&[
        "match",
        "--csv",
        s(&csv),
        "--treatment",
        "treat",
        "--covariates",
        "x,z",
        "--outcome",
        "y",
    ]);
    let stdout = String::from_utf8_lossy(&matched.stdout);
    assert!(
        stdout.contains("warning: x: the standardised mean difference cannot be computed"),
        "{stdout}{}",
        stderr(&matched)
    );
    refused(
        &[
            "match",
            "--csv",
            s(&csv),
            "--treatment",
            "treat",
            "--covariates",
            "x",
            "--ratio",
            "0",
        ],
        &["--ratio 0"],
    );

    let series = tmp.path().join("series.csv");
    let mut text = String::from("period,value\n");
    for month in 1..=12 {
        text.push_str(&format!(
            "2025-{month:02},{}\n",
            if month == 5 { "1.7e308" } else { "3" }
        ));
    }
    fs::write(&series, &text).unwrap();
    refused(
        &["spc", "--input", s(&series)],
        &["series.csv: line 6, field `value`"],
    );
    fs::write(&series, text.replace("1.7e308", "4")).unwrap();
    refused(
        &["spc", "--input", s(&series), "--target", "NaN"],
        &["--target NaN"],
    );
}
