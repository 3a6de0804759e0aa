//! The full check of a dataset's contents: every value against its column's rule, keys
//! unique, references resolved (person, practice, network, locality, provider), and a
//! summary of what the dataset holds. `accord dataset check` and `accord dataset seal`
//! both end here.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use accord_model::{ColumnRule, ColumnType, Table};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{DatasetError, Result};
use crate::manifest::Manifest;
use crate::read::for_each_batch;

/// Key tables first, so that references can be resolved as each later table is read.
const CHECK_ORDER: [Table; 11] = [
    Table::Person,
    Table::Locality,
    Table::Network,
    Table::Practice,
    Table::Provider,
    Table::Registration,
    Table::Condition,
    Table::Activity,
    Table::Observation,
    Table::SurveyResponse,
    Table::MdtDiscussion,
];

/// What a checked dataset holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The dataset folder.
    pub dir: PathBuf,
    /// The canonical schema's version.
    pub schema_version: u32,
    /// The day the data were extracted.
    pub extract_date: NaiveDate,
    /// Where the data came from.
    pub source: String,
    /// SHA-256 of `dataset.toml`: one hash that pins every file of the dataset.
    pub fingerprint: String,
    /// Each table's files and rows.
    pub tables: Vec<TableReport>,
    /// People in the person table.
    pub people: u64,
    /// Of those, people with a date of death.
    pub deaths: u64,
    /// Distinct people with a registration open on the extract date.
    pub registered_at_extract: u64,
    /// Practices.
    pub practices: u64,
    /// Networks.
    pub networks: u64,
    /// Localities.
    pub localities: u64,
    /// Providers.
    pub providers: u64,
    /// The first day of any activity.
    pub activity_first: Option<NaiveDate>,
    /// The last day of any activity.
    pub activity_last: Option<NaiveDate>,
    /// The cost of all activity recorded, in pounds.
    pub activity_cost_gbp: f64,
}

/// One table's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    /// The table.
    pub table: &'static str,
    /// Whether the dataset must have it.
    pub required: bool,
    /// False when the table is absent and reads as empty.
    pub present: bool,
    /// Its Parquet files.
    pub files: usize,
    /// Its rows.
    pub rows: u64,
}

/// A fast hasher for 64-bit keys that are already well spread (or sequential).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }
    fn write_u64(&mut self, value: u64) {
        // SplitMix64's finaliser: a full-avalanche mix.
        let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.0 = z ^ (z >> 31);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type U64Set = HashSet<u64, BuildHasherDefault<KeyHasher>>;

/// The most days an extract date may lie after the latest dated row: a year with no data at
/// all is a wrong extract date (it would describe empty years, or years without end).
pub const MAX_DAYS_WITHOUT_DATA: i32 = 366;

/// A person's birth month and death, as day numbers.
#[derive(Debug, Clone, Copy)]
struct Life {
    birth: i32,
    death: Option<i32>,
}

type Lives = HashMap<u64, Life, BuildHasherDefault<KeyHasher>>;

/// The keys of the tables read so far, for resolving references.
#[derive(Default)]
struct Keys {
    persons: Option<Lives>,
    practices: Option<HashSet<String>>,
    networks: Option<HashSet<String>>,
    localities: Option<HashSet<String>>,
    providers: Option<HashSet<String>>,
}

impl Keys {
    fn text_keys(&self, table: Table) -> Option<&HashSet<String>> {
        match table {
            Table::Practice => self.practices.as_ref(),
            Table::Network => self.networks.as_ref(),
            Table::Locality => self.localities.as_ref(),
            Table::Provider => self.providers.as_ref(),
            _ => None,
        }
    }
}

/// What one file contributes: its keys and its share of the summary.
#[derive(Default)]
struct FileTally {
    u64_keys: Vec<u64>,
    lives: Vec<(u64, Life)>,
    /// The latest day of a row's event (an `InLife` date), and its column.
    latest_event: Option<(i32, &'static str)>,
    text_keys: Vec<String>,
    deaths: u64,
    registered: Vec<u64>,
    first: Option<i32>,
    last: Option<i32>,
    cost: f64,
}

/// Checks every row of every file listed in `manifest` (files already verified against
/// it) and summarises the dataset.
pub fn check_contents(
    dir: &Path,
    manifest: &Manifest,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<CheckReport> {
    let extract_day = accord_model::dates::to_days(manifest.extract_date);
    let mut keys = Keys::default();
    let mut latest_event: Option<(i32, &'static str)> = None;
    let mut report = CheckReport {
        dir: dir.to_path_buf(),
        schema_version: manifest.schema_version,
        extract_date: manifest.extract_date,
        source: manifest.source.clone(),
        fingerprint: manifest.fingerprint(),
        tables: Vec::new(),
        people: 0,
        deaths: 0,
        registered_at_extract: 0,
        practices: 0,
        networks: 0,
        localities: 0,
        providers: 0,
        activity_first: None,
        activity_last: None,
        activity_cost_gbp: 0.0,
    };
    for table in CHECK_ORDER {
        let files: Vec<PathBuf> = manifest
            .files_of(table.name())
            .map(|f| f.location(dir))
            .collect();
        let tallies = files
            .par_iter()
            .map(|path| {
                let mut tally = FileTally::default();
                for_each_batch(path, table, &mut |batch, first_row| {
                    check_references(table, &batch, &keys, path, first_row)?;
                    let dates = DatesInBatch {
                        table,
                        batch: &batch,
                        path,
                        first_row,
                    };
                    dates.check(&keys, extract_day, &mut tally)?;
                    tally_batch(table, &batch, extract_day, &mut tally);
                    progress(batch.num_rows() as u64);
                    Ok(())
                })?;
                Ok(tally)
            })
            .collect::<Result<Vec<FileTally>>>()?;
        let rows = manifest.files_of(table.name()).map(|f| f.rows).sum();
        report.tables.push(TableReport {
            table: table.name(),
            required: table.is_required(),
            present: !files.is_empty(),
            files: files.len(),
            rows,
        });
        if files.is_empty() {
            continue;
        }
        for tally in &tallies {
            if let Some((day, column)) = tally.latest_event
                && latest_event.is_none_or(|(l, _)| day > l)
            {
                latest_event = Some((day, column));
            }
        }
        absorb(table, tallies, &files, &mut keys, &mut report)?;
    }
    if let Some((latest, column)) = latest_event
        && extract_day - latest > MAX_DAYS_WITHOUT_DATA
    {
        let text = manifest.to_toml();
        let line = text
            .lines()
            .position(|l| l.starts_with("extract_date"))
            .map_or(1, |i| i + 1);
        return Err(DatasetError::ManifestInvalid {
            path: dir.join(crate::MANIFEST_FILE),
            line,
            message: format!(
                "the extract date {} is {} days after the latest dated row ({}, {column}); an extract date more than {MAX_DAYS_WITHOUT_DATA} days after all its data is refused",
                manifest.extract_date,
                thousands(u64::try_from(extract_day - latest).unwrap_or_default()),
                show_day(latest),
            ),
        });
    }
    report
        .tables
        .sort_by_key(|t| Table::ALL.iter().position(|a| a.name() == t.table));
    Ok(report)
}

fn show_day(day: i32) -> String {
    accord_model::dates::from_days(day).map_or_else(|| format!("day {day}"), |d| d.to_string())
}

/// One batch's dates, checked against the extract date and each person's life.
struct DatesInBatch<'a> {
    table: Table,
    batch: &'a RecordBatch,
    path: &'a Path,
    first_row: u64,
}

impl DatesInBatch<'_> {
    fn check(&self, keys: &Keys, extract_day: i32, tally: &mut FileTally) -> Result<()> {
        let person_ids = self
            .batch
            .column_by_name("person_id")
            .and_then(|c| c.as_primitive_opt::<UInt64Type>());
        for column in self.table.columns() {
            if !column.rule.by_extract_date() {
                continue;
            }
            let Some(days) = self
                .batch
                .column_by_name(column.name)
                .and_then(|c| c.as_primitive_opt::<Date32Type>())
            else {
                continue;
            };
            let lives = keys
                .persons
                .as_ref()
                .filter(|_| column.rule == ColumnRule::InLife)
                .zip(person_ids);
            let fail = |i: usize, problem: String| DatasetError::BadValue {
                path: self.path.to_path_buf(),
                row: self.first_row + i as u64,
                column: column.name,
                problem,
            };
            let mut latest: Option<i32> = None;
            let mut cached: Option<(u64, Life)> = None;
            for (i, day) in days.iter().enumerate() {
                let Some(day) = day else { continue };
                if day > extract_day {
                    return Err(fail(
                        i,
                        format!(
                            "{} is after the extract date {}",
                            show_day(day),
                            show_day(extract_day)
                        ),
                    ));
                }
                latest = Some(latest.map_or(day, |l| l.max(day)));
                let Some((lives, ids)) = lives else { continue };
                if ids.is_null(i) {
                    continue;
                }
                let id = ids.value(i);
                let life = match cached {
                    Some((cached_id, life)) if cached_id == id => life,
                    _ => match lives.get(&id) {
                        Some(&life) => {
                            cached = Some((id, life));
                            life
                        }
                        // A dangling reference: check_references reports it.
                        None => continue,
                    },
                };
                if day < life.birth {
                    return Err(fail(
                        i,
                        format!(
                            "{} is before person {id}'s birth month {}",
                            show_day(day),
                            show_day(life.birth)
                        ),
                    ));
                }
                if let Some(death) = life.death.filter(|&death| day > death) {
                    return Err(fail(
                        i,
                        format!(
                            "{} is after person {id}'s death on {}",
                            show_day(day),
                            show_day(death)
                        ),
                    ));
                }
            }
            if column.rule == ColumnRule::InLife
                && let Some(latest) = latest
                && tally.latest_event.is_none_or(|(l, _)| latest > l)
            {
                tally.latest_event = Some((latest, column.name));
            }
        }
        Ok(())
    }
}

fn tally_batch(table: Table, batch: &RecordBatch, extract_day: i32, tally: &mut FileTally) {
    if let Some(key) = table.key_column() {
        let column = batch.column_by_name(key.name);
        match (key.column_type, column) {
            (ColumnType::UInt64, Some(values)) => {
                tally
                    .u64_keys
                    .extend(values.as_primitive::<UInt64Type>().values().iter().copied());
            }
            (ColumnType::Text, Some(values)) => {
                tally.text_keys.extend(
                    values
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(str::to_string),
                );
            }
            _ => {}
        }
    }
    let dates = |name: &str| {
        batch
            .column_by_name(name)
            .map(|c| c.as_primitive::<Date32Type>().clone())
    };
    match table {
        Table::Person => {
            if let (Some(ids), Some(births), Some(deaths)) = (
                batch.column_by_name("person_id"),
                dates("birth_month"),
                dates("death_date"),
            ) {
                tally.deaths += (deaths.len() - deaths.null_count()) as u64;
                let ids = ids.as_primitive::<UInt64Type>();
                tally.lives.extend((0..ids.len()).map(|i| {
                    let life = Life {
                        birth: births.value(i),
                        death: deaths.is_valid(i).then(|| deaths.value(i)),
                    };
                    (ids.value(i), life)
                }));
            }
        }
        Table::Registration => {
            let (Some(ids), Some(starts), Some(ends)) = (
                batch.column_by_name("person_id"),
                dates("start_date"),
                dates("end_date"),
            ) else {
                return;
            };
            let ids = ids.as_primitive::<UInt64Type>();
            for i in 0..ids.len() {
                let open = starts.value(i) <= extract_day
                    && (ends.is_null(i) || ends.value(i) > extract_day);
                if open {
                    tally.registered.push(ids.value(i));
                }
            }
        }
        Table::Activity => {
            if let Some(starts) = dates("start_date") {
                let (min, max) = (arrow_arith_min(&starts), arrow_arith_max(&starts));
                tally.first = min.map(|m| tally.first.map_or(m, |f| f.min(m)));
                tally.last = max.map(|m| tally.last.map_or(m, |l| l.max(m)));
            }
            if let Some(costs) = batch.column_by_name("cost_gbp") {
                tally.cost += costs
                    .as_primitive::<Float64Type>()
                    .iter()
                    .flatten()
                    .sum::<f64>();
            }
        }
        _ => {}
    }
}

fn arrow_arith_min(values: &arrow_array::Date32Array) -> Option<i32> {
    values.iter().flatten().min()
}

fn arrow_arith_max(values: &arrow_array::Date32Array) -> Option<i32> {
    values.iter().flatten().max()
}

/// Folds the files' tallies into the report and the key sets, failing on duplicate keys.
fn absorb(
    table: Table,
    tallies: Vec<FileTally>,
    files: &[PathBuf],
    keys: &mut Keys,
    report: &mut CheckReport,
) -> Result<()> {
    let mut u64_keys = Vec::new();
    let mut text_keys: HashSet<String> = HashSet::new();
    let mut registered = U64Set::default();
    let mut lives = Lives::default();
    for tally in tallies {
        u64_keys.extend(tally.u64_keys);
        lives.extend(tally.lives);
        for key in tally.text_keys {
            if text_keys.contains(&key) {
                return Err(duplicate_error(table, files, &DuplicateKey::Text(key)));
            }
            text_keys.insert(key);
        }
        report.deaths += tally.deaths;
        registered.extend(tally.registered);
        report.activity_cost_gbp += tally.cost;
        report.activity_first = merge(report.activity_first, tally.first, i32::min);
        report.activity_last = merge(report.activity_last, tally.last, i32::max);
    }
    if !u64_keys.is_empty() {
        u64_keys.sort_unstable();
        if let Some(pair) = u64_keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(duplicate_error(
                table,
                files,
                &DuplicateKey::Number(pair[0]),
            ));
        }
    }
    match table {
        Table::Person => {
            report.people = u64_keys.len() as u64;
            keys.persons = Some(lives);
        }
        Table::Practice => {
            report.practices = text_keys.len() as u64;
            keys.practices = Some(text_keys);
        }
        Table::Network => {
            report.networks = text_keys.len() as u64;
            keys.networks = Some(text_keys);
        }
        Table::Locality => {
            report.localities = text_keys.len() as u64;
            keys.localities = Some(text_keys);
        }
        Table::Provider => {
            report.providers = text_keys.len() as u64;
            keys.providers = Some(text_keys);
        }
        Table::Registration => report.registered_at_extract = registered.len() as u64,
        _ => {}
    }
    Ok(())
}

fn merge(
    current: Option<NaiveDate>,
    day: Option<i32>,
    pick: fn(i32, i32) -> i32,
) -> Option<NaiveDate> {
    let Some(day) = day else { return current };
    let combined = match current {
        Some(date) => pick(accord_model::dates::to_days(date), day),
        None => day,
    };
    accord_model::dates::from_days(combined).or(current)
}

enum DuplicateKey {
    Number(u64),
    Text(String),
}

/// The error for a duplicate key, naming the row of its second occurrence.
fn duplicate_error(table: Table, files: &[PathBuf], duplicate: &DuplicateKey) -> DatasetError {
    let Some(key) = table.key_column() else {
        return DatasetError::Parquet {
            path: PathBuf::new(),
            message: "duplicate key".into(),
        };
    };
    let shown = match duplicate {
        DuplicateKey::Number(n) => n.to_string(),
        DuplicateKey::Text(t) => format!("{t:?}"),
    };
    let mut seen = false;
    for path in files {
        let mut found: Option<u64> = None;
        let scan = for_each_batch(path, table, &mut |batch, first_row| {
            let Some(column) = batch.column_by_name(key.name) else {
                return Ok(());
            };
            for i in 0..column.len() {
                let same = match duplicate {
                    DuplicateKey::Number(n) => column.as_primitive::<UInt64Type>().value(i) == *n,
                    DuplicateKey::Text(t) => column.as_string::<i32>().value(i) == t,
                };
                if same && found.is_none() {
                    if seen {
                        found = Some(first_row + i as u64);
                    }
                    seen = true;
                }
            }
            Ok(())
        });
        if let (Ok(_), Some(row)) = (scan, found) {
            return DatasetError::BadValue {
                path: path.clone(),
                row,
                column: key.name,
                problem: format!("duplicate {} {shown}: keys must be unique", key.name),
            };
        }
    }
    DatasetError::BadValue {
        path: files.first().cloned().unwrap_or_default(),
        row: 0,
        column: key.name,
        problem: format!("duplicate {} {shown}: keys must be unique", key.name),
    }
}

fn check_references(
    table: Table,
    batch: &RecordBatch,
    keys: &Keys,
    path: &Path,
    first_row: u64,
) -> Result<()> {
    for column in table.columns() {
        let ColumnRule::References(target) = column.rule else {
            continue;
        };
        let Some(values) = batch.column_by_name(column.name) else {
            continue;
        };
        let dangling = |i: usize, value: String| DatasetError::BadValue {
            path: path.to_path_buf(),
            row: first_row + i as u64,
            column: column.name,
            problem: format!("{value} is not in table `{target}`"),
        };
        match column.column_type {
            ColumnType::UInt64 => {
                let Some(persons) = keys.persons.as_ref().filter(|_| target == Table::Person)
                else {
                    continue;
                };
                let ids = values.as_primitive::<UInt64Type>();
                let mut last_good = None;
                for (i, id) in ids.iter().enumerate() {
                    let Some(id) = id else { continue };
                    if last_good == Some(id) {
                        continue;
                    }
                    if !persons.contains_key(&id) {
                        return Err(dangling(i, format!("{} {id}", column.name)));
                    }
                    last_good = Some(id);
                }
            }
            ColumnType::Text => {
                let Some(known) = keys.text_keys(target) else {
                    continue;
                };
                let mut last_good: Option<&str> = None;
                for (i, code) in values.as_string::<i32>().iter().enumerate() {
                    let Some(code) = code else { continue };
                    if last_good == Some(code) {
                        continue;
                    }
                    if !known.contains(code) {
                        return Err(dangling(i, format!("{} {code:?}", column.name)));
                    }
                    last_good = Some(code);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "dataset   {}", self.dir.display())?;
        writeln!(f, "source    {}", self.source)?;
        writeln!(
            f,
            "schema    version {}, extract date {}",
            self.schema_version, self.extract_date
        )?;
        writeln!(f, "pinned    dataset.toml SHA-256 {}", self.fingerprint)?;
        writeln!(f)?;
        writeln!(f, "{:<16} {:>6} {:>13}", "table", "files", "rows")?;
        for table in &self.tables {
            if table.present {
                writeln!(
                    f,
                    "{:<16} {:>6} {:>13}",
                    table.table,
                    table.files,
                    thousands(table.rows)
                )?;
            } else {
                writeln!(
                    f,
                    "{:<16} {:>6} {:>13}  absent: read as empty",
                    table.table, "-", "-"
                )?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "people          {} ({} died; {} registered on {})",
            thousands(self.people),
            thousands(self.deaths),
            thousands(self.registered_at_extract),
            self.extract_date
        )?;
        writeln!(
            f,
            "practices       {} in {} networks and {} localities",
            self.practices, self.networks, self.localities
        )?;
        match (self.activity_first, self.activity_last) {
            (Some(first), Some(last)) => writeln!(
                f,
                "activity        {first} to {last}, £{} in all",
                thousands(self.activity_cost_gbp.round() as u64)
            )?,
            _ => writeln!(f, "activity        none")?,
        }
        write!(
            f,
            "check           passed: manifest, hashes, schemas, values, keys and references"
        )
    }
}

/// 1234567 as "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
