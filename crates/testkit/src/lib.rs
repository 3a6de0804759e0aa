//! Fixtures shared by the integration tests of several crates, so that each does not carry
//! its own copy: a synthetic borough generated and written as a dataset in a temporary
//! folder. Only ever a dev-dependency.

#![warn(missing_docs)]

pub mod mdt;

use std::path::PathBuf;

use accord_dataset::{Origin, WriteOptions, write_dataset};
use accord_synth::{SynthParams, generate};
use chrono::NaiveDate;

/// The extract date of every test borough.
pub fn end_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default()
}

/// A borough of `persons` people from `seed` (three years to 2026-03-31), written as the
/// dataset `borough` in a new temporary folder, which lives as long as the returned guard.
///
/// # Panics
/// If generating or writing fails: a test fixture has no one to report to.
pub fn borough(persons: usize, seed: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("borough");
    let borough =
        generate(&SynthParams::new(persons, seed, end_date()), &|_, _| {}).expect("a borough");
    let origin = Origin {
        extract_date: end_date(),
        source: "test borough".into(),
        generator: None,
    };
    write_dataset(
        &data,
        &borough.tables,
        &origin,
        &WriteOptions::default(),
        &|_| {},
    )
    .expect("the borough written");
    (dir, data)
}
