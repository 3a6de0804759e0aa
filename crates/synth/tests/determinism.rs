//! The same seed and size give the same bytes: identical manifests, SHA-256 and all;
//! another seed gives another borough.

mod common;

use accord_dataset::{Dataset, Origin, WriteOptions, check_contents, write_dataset};
use accord_synth::{SynthParams, generate};
use common::end_date;

fn manifest_text(seed: u64, dir: &std::path::Path) -> String {
    // Several blocks of people, so that work is split across threads.
    let params = SynthParams::new(30_000, seed, end_date());
    let borough = generate(&params, &|_, _| {}).unwrap();
    let origin = Origin {
        extract_date: params.end_date,
        source: format!("seed {seed}"),
        generator: Some(toml::Table::try_from(&borough.truth).unwrap()),
    };
    write_dataset(
        dir,
        &borough.tables,
        &origin,
        &WriteOptions::default(),
        &|_| {},
    )
    .unwrap();
    std::fs::read_to_string(dir.join("dataset.toml")).unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let first = manifest_text(42, &tmp.path().join("a"));
    let second = manifest_text(42, &tmp.path().join("b"));
    assert_eq!(first, second, "two runs with one seed differ");
    let other = manifest_text(43, &tmp.path().join("c"))
        .replace("seed 43", "seed 42")
        .replace("seed = 43", "seed = 42");
    let hashes = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("sha256"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_ne!(hashes(&first), hashes(&other));
    assert!(
        first.contains("[generator.params]") && first.contains("ae_reduction = 0.15"),
        "{first}"
    );
}

#[test]
fn the_generated_borough_passes_every_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    manifest_text(9, &dir);
    let dataset = Dataset::open(&dir).unwrap();
    let report = check_contents(&dir, dataset.manifest(), &|_| {}).unwrap();
    assert_eq!(report.people, 30_000);
    assert_eq!(report.practices, 33);
    assert_eq!(report.networks, 12);
    assert_eq!(report.localities, 4);
    assert!(
        report.tables.iter().all(|t| t.present && t.rows > 0),
        "{report}"
    );
}

#[test]
fn parameters_out_of_range_are_refused() {
    let mut params = SynthParams::new(1_000, 1, end_date());
    params.mdt.effect.ae_reduction = 1.5;
    let err = generate(&params, &|_, _| {}).unwrap_err().to_string();
    assert!(err.contains("A&E effect 1.5"), "{err}");
    let err = generate(&SynthParams::new(0, 1, end_date()), &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("persons"), "{err}");
}
