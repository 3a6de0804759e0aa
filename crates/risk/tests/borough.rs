//! The risk model, segments and case finding on a generated borough: plausible
//! discrimination and calibration on the validation year, segments that cover everyone,
//! and case lists that leave out people discussed recently.

use accord_cohort::at::{months_before, population_on, year_from};
use accord_cohort::frailty::deficits_with_evidence;
use accord_cohort::{Histories, segment, segment_report};
use accord_dataset::Dataset;
use accord_risk::features::{design, features_named};
use accord_risk::{CaseFinding, Scope, Top, TrainOptions, find_cases, train};
use chrono::NaiveDate;

fn borough() -> (tempfile::TempDir, Histories) {
    let (dir, data) = accord_testkit::borough(40_000, 5);
    let histories = Histories::load(&Dataset::open(&data).unwrap()).unwrap();
    (dir, histories)
}

#[test]
fn risk_model_segments_and_case_finding_on_a_generated_borough() {
    let (_dir, histories) = borough();
    let trained = train(&histories, TrainOptions::latest(&histories, 42)).unwrap();
    let (model, card) = (trained.model, trained.card);

    let temporal = card
        .temporal
        .as_ref()
        .expect("three years of data allow temporal validation");
    assert!(
        (0.68..0.92).contains(&temporal.auc.auc),
        "AUC {:?} outside the plausible range",
        temporal.auc
    );
    assert!(temporal.auc.lower < temporal.auc.auc && temporal.auc.auc < temporal.auc.upper);
    assert!(
        temporal.calibration.intercept.abs() < 0.15,
        "calibration-in-the-large {:?}",
        temporal.calibration
    );
    assert!(
        (0.75..1.25).contains(&temporal.calibration.slope),
        "{:?}",
        temporal.calibration
    );
    assert!(card.split.auc.auc > 0.65);
    // The top of the list holds more events than its share: lift above 1, falling as the
    // cut widens.
    let lifts: Vec<f64> = temporal.top.iter().map(|t| t.lift).collect();
    assert!(lifts[0] > 2.0 && lifts[3] > 1.5, "{lifts:?}");
    // Prior emergency admissions raise the odds.
    let prior = card
        .coefficients
        .iter()
        .find(|c| c.name == "emergency_admissions_1")
        .expect("a prior-admission coefficient");
    assert!(prior.odds_ratio > 1.0);
    assert_eq!(card.coefficients.len(), model.fit.coefficients.len());
    // Scoring one person at a time gives, to the last bit, the prediction on their row of
    // the design.
    let people = population_on(&histories, histories.extract_day).people;
    let rows = design(&features_named(&model.fit.names), &people, &histories);
    for (i, score) in model.score(&people, &histories).iter().enumerate() {
        assert_eq!(score.to_bits(), model.fit.predict(rows.row(i)).to_bits());
    }
    assert!(card.subgroups.iter().any(|s| s.by == "network"));

    // Segments put everyone registered in exactly one segment of each model.
    let days: Vec<NaiveDate> = [
        months_before(histories.extract_day, 12),
        histories.extract_day,
    ]
    .iter()
    .map(|d| accord_model::dates::from_days(*d).unwrap())
    .collect();
    let registered = population_on(&histories, histories.extract_day)
        .people
        .len();
    // The frailty of each person's state (one pass over their history) is that of the rules
    // with their evidence, as case finding shows it, and some of the deficits found there
    // come from activity rather than conditions.
    let mut from_activity = 0;
    for day in [
        months_before(histories.extract_day, 18),
        histories.extract_day,
    ] {
        for person in population_on(&histories, day).people {
            let evidence =
                deficits_with_evidence(&histories.history(person.person), day, year_from(day));
            let mask = evidence.iter().fold(0, |m, (d, _)| m | 1 << (*d as u32));
            assert_eq!(person.frailty.deficits, mask, "person {}", person.person);
            from_activity += evidence
                .iter()
                .filter(|(_, e)| matches!(e, accord_cohort::frailty::Evidence::Event(_)))
                .count();
        }
    }
    assert!(from_activity > 100, "{from_activity}");
    for model in segment::builtin() {
        let report = segment_report(&histories, &model, &days);
        let last: usize = report
            .years
            .iter()
            .filter(|y| y.date == report.dates[1])
            .map(|y| y.people)
            .sum();
        assert_eq!(last, registered, "{}", model.id);
        assert!(!report.flows.is_empty());
    }

    // Case finding: 2% of the network's list, nobody discussed in the 6 months before.
    let network = histories
        .practices
        .iter()
        .find_map(|p| p.network.clone())
        .unwrap();
    let request = CaseFinding {
        scope: Scope::Network(network.clone()),
        top: Top::Fraction(0.02),
        day: histories.extract_day,
        exclude_discussed_months: 6,
        seed: 1,
    };
    let list = find_cases(&histories, &model, &request).unwrap();
    assert_eq!(list.listed, (list.registered as f64 * 0.02).ceil() as usize);
    let since = months_before(histories.extract_day, 6);
    for c in &list.candidates {
        assert_eq!(c.network, network);
        assert!(
            c.last_mdt
                .as_deref()
                .is_none_or(|d| d <= accord_cohort::at::day_text(since).as_str())
        );
        assert!(!c.reasons.is_empty());
        assert!(c.network_percentile >= 90.0);
    }
    assert!(list.candidates.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(find_cases(&histories, &model, &request).unwrap(), list);
    let unknown = CaseFinding {
        scope: Scope::Network("NOPE".into()),
        ..request
    };
    assert!(
        find_cases(&histories, &model, &unknown)
            .unwrap_err()
            .to_string()
            .contains("NOPE")
    );
}
