//! Evaluations of small boroughs built from plain records: bad input (an index date
//! outside the data, too few controls) is refused with a clear message, and each treated
//! person is reported under the network whose MDT discussed them.

use accord_cohort::Histories;
use accord_cohort::history::{Event, Person, Practice, Records, Registration};
use accord_dataset::Dataset;
use accord_evaluation::{EvaluationError, EvaluationOptions, ExactField, evaluate};
use accord_model::{EthnicGroup, Setting, Sex, dates};
use accord_risk::{RiskModel, TrainOptions, train};
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> i32 {
    dates::to_days(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// `people` people registered throughout at practice Z1 (network N1), each with an A&E
/// attendance a year before the extract; `discussed` of them discussed at N1's MDT on
/// `mdt_day`.
fn records(people: u64, discussed: u64, mdt_day: i32) -> Records {
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
                provider: 0,
            },
        ));
        if id < discussed {
            records.mdt.push((id, mdt_day, "N1".into()));
        }
    }
    records
}

/// [`records`] as histories.
fn borough(people: u64, discussed: u64, mdt_day: i32) -> Histories {
    Histories::from_records(records(people, discussed, mdt_day)).unwrap()
}

/// A risk model fitted on a small synthetic borough.
fn risk_model() -> RiskModel {
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

/// Half the people registered at Z1 (network N1), half at Z2 (network N2); the first
/// `discussed` of them (all at Z1) discussed by N2's MDT.
fn discussed_by_another_network(people: u64, discussed: u64) -> Histories {
    let mut records = records(people, discussed, day(2025, 6, 10));
    records.practices.push(Practice {
        code: "Z2".into(),
        network: Some("N2".into()),
        locality: "L1".into(),
    });
    for (id, registration) in &mut records.registrations {
        if *id >= people / 2 {
            registration.practice = 1;
        }
    }
    for (_, _, network) in &mut records.mdt {
        *network = "N2".into();
    }
    Histories::from_records(records).unwrap()
}

#[test]
fn the_treated_are_reported_under_the_network_whose_mdt_discussed_them() {
    let risk = risk_model();
    let histories = discussed_by_another_network(400, 40);
    let e = evaluate(&histories, &risk, &EvaluationOptions::default()).unwrap();
    let networks: Vec<(&str, usize)> = e
        .networks
        .iter()
        .map(|n| (n.network.as_str(), n.treated))
        .collect();
    // Registered in N1's practice, discussed by N2's MDT: N2's work is what is evaluated.
    assert_eq!(networks, [("N2", 40)]);
    assert_eq!(e.networks[0].matched, e.attrition.matched_treated);

    // Matched exactly on network, N2's treated find their controls among the people
    // registered in N2's practice: as many as without it.
    let exact = EvaluationOptions {
        exact: vec![ExactField::Network],
        ..EvaluationOptions::default()
    };
    let e = evaluate(&histories, &risk, &exact).unwrap();
    assert_eq!(e.networks.len(), 1);
    assert_eq!(e.networks[0].network, "N2");
    assert_eq!(e.attrition.matched_treated, 40);
}

#[test]
fn the_risk_score_change_follows_use_after_the_index() {
    let risk = risk_model();
    // The treated are admitted as an emergency in the year after their MDT; no one else
    // is. Their risk score a year on rises against their controls' (the model's column
    // "1 emergency admission in the 12 months").
    let mut records = records(400, 40, day(2025, 3, 10));
    for id in 0..40 {
        let admitted = day(2025, 9, 1);
        records.events.push((
            id,
            Event {
                setting: Setting::EmergencyAdmission,
                start: admitted,
                end: admitted + 3,
                cost: 2_000.0,
                diagnosis: None,
                provider: 0,
            },
        ));
    }
    let histories = Histories::from_records(records).unwrap();
    let e = evaluate(&histories, &risk, &EvaluationOptions::default()).unwrap();
    let score = e.outcomes.iter().find(|o| o.name == "risk_score").unwrap();
    assert!(score.treated_post > score.treated_pre + 1.0, "{score:?}");
    assert!(
        (score.control_post - score.control_pre).abs() < 1.0,
        "{score:?}"
    );
    assert!(score.absolute.estimate > 1.0, "{score:?}");
    assert!(score.absolute.lower.unwrap() > 0.0, "{score:?}");
    assert!(score.effect_ratio.is_none() && score.cohort_total.is_none());

    // Scored only where followed to the last day of the year after: with the index less
    // than a year before the extract, no one is.
    let late = borough(400, 40, day(2025, 6, 10));
    let e = evaluate(&late, &risk, &EvaluationOptions::default()).unwrap();
    let score = e.outcomes.iter().find(|o| o.name == "risk_score").unwrap();
    assert!(
        score.treated_pre.is_nan() && score.absolute.estimate.is_nan(),
        "{score:?}"
    );
}
