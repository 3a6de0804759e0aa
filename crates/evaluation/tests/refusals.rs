//! Bad input gets a clear message: an index date outside the data, or too few controls.

use accord_cohort::history::{Event, Person, Practice, Records, Registration};
use accord_cohort::{Histories, TrainOptions, train};
use accord_dataset::Dataset;
use accord_evaluation::{EvaluationError, EvaluationOptions, evaluate};
use accord_model::{EthnicGroup, Setting, Sex, dates};
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> i32 {
    dates::to_days(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// `people` people registered throughout, each with an A&E attendance a year before the
/// extract; `discussed` of them discussed at an MDT on `mdt_day`.
fn borough(people: u64, discussed: u64, mdt_day: i32) -> Histories {
    let mut records = Records {
        extract_day: day(2026, 3, 31),
        data_start: day(2023, 4, 1),
        practices: vec![Practice {
            code: "Z1".into(),
            network: Some("N1".into()),
            locality: "L1".into(),
        }],
        ..Records::default()
    };
    for id in 0..people {
        records.people.push(Person {
            id,
            sex: if id % 2 == 0 { Sex::Female } else { Sex::Male },
            birth_day: day(1940 + (id % 30) as i32, 1, 1),
            death_day: None,
            ethnic_group: EthnicGroup::White,
            imd_decile: (id % 10) as u8 + 1,
        });
        records.registrations.push((
            id,
            Registration {
                practice: 0,
                start: day(2020, 1, 1),
                end: accord_cohort::history::OPEN,
            },
        ));
        records.events.push((
            id,
            Event {
                setting: Setting::AeAttendance,
                start: day(2025, 3, 1),
                end: day(2025, 3, 1),
                cost: 150.0,
                diagnosis: None,
            },
        ));
        if id < discussed {
            records.mdt.push((id, mdt_day));
        }
    }
    Histories::from_records(records).unwrap()
}

fn risk_model() -> accord_cohort::RiskModel {
    let (_dir, data) = accord_testkit::borough(3_000, 3);
    let histories = Histories::load(&Dataset::open(&data).unwrap()).unwrap();
    train(&histories, TrainOptions::latest(&histories, 42))
        .unwrap()
        .model
}

#[test]
fn index_dates_outside_the_data_are_counted_and_refused() {
    let risk = risk_model();
    let after = borough(50, 10, day(2026, 6, 1));
    let err = evaluate(&after, &risk, &EvaluationOptions::default()).unwrap_err();
    let EvaluationError::NoEligible(attrition) = &err else {
        panic!("{err}");
    };
    assert_eq!(attrition.index_after_extract, 10);
    assert!(
        err.to_string()
            .contains("10 have an index date after the extract date"),
        "{err}"
    );

    let early = borough(50, 10, day(2023, 9, 1));
    let err = evaluate(&early, &risk, &EvaluationOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("10 have less than 12 months of data before their index date"),
        "{err}"
    );
}

#[test]
fn too_few_controls_are_refused() {
    let risk = risk_model();
    let histories = borough(30, 25, day(2025, 6, 10));
    let err = evaluate(&histories, &risk, &EvaluationOptions::default()).unwrap_err();
    assert!(
        matches!(err, EvaluationError::TooFewControls { treated: 25, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("too few controls"), "{err}");
}
