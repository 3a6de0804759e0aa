//! Every built-in framework compiles and refreshes on a generated borough, and no indicator
//! is left empty: each has a whole-population value for its latest period.

use accord_dataset::{Provenance, WriteOptions, write_dataset};
use accord_engine::{RefreshOptions, refresh};
use accord_framework::builtin;
use accord_synth::{SynthParams, generate};
use chrono::NaiveDate;

#[test]
fn every_builtin_indicator_has_a_latest_value_on_a_generated_borough() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("borough");
    let end = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let borough = generate(&SynthParams::new(30_000, 11, end), &|_, _| {}).unwrap();
    let provenance = Provenance {
        extract_date: end,
        source: "test borough".into(),
        generator: None,
    };
    write_dataset(
        &data,
        &borough.tables,
        &provenance,
        &WriteOptions::default(),
        &|_| {},
    )
    .unwrap();
    let frameworks = builtin::all().unwrap();
    let done = refresh(
        &data,
        &frameworks,
        &RefreshOptions { threads: 2 },
        &|_, _| {},
    )
    .unwrap();
    let indicators = &done.snapshot.summary.indicators;
    assert_eq!(indicators.len(), 70);
    let empty: Vec<String> = indicators
        .iter()
        .filter(|i| i.latest.as_ref().and_then(|r| r.value).is_none())
        .map(|i| {
            format!(
                "{}/{}: {:?}",
                i.framework,
                i.id,
                i.latest.as_ref().and_then(|r| r.note.clone())
            )
        })
        .collect();
    assert!(
        empty.is_empty(),
        "indicators without a latest value: {empty:#?}"
    );
    // Every person-level indicator is broken down by network and deprivation.
    let emergency = done
        .snapshot
        .results
        .iter()
        .filter(|r| r.indicator == "emergency_admissions" && r.breakdown == "network")
        .count();
    assert!(
        emergency >= 12 * 9,
        "12 networks over 9 rolling windows, got {emergency}"
    );
    assert!(
        done.snapshot
            .inequality
            .iter()
            .any(|r| r.indicator == "emergency_admissions" && r.sii.is_some())
    );
}
