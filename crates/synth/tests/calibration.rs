//! The generated borough against docs/calibration.md: prevalence of each long-term condition on
//! the end date, and A&E attendances and emergency admissions per 1,000 person-years by
//! age band, within the stated tolerances (±20% relative; ±30% under 1%).

mod common;

use std::collections::{HashMap, HashSet};

use accord_model::Table;
use accord_synth::calibration::{CONDITIONS, EVENT_SETTINGS};
use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, UInt64Type};
use common::*;

fn tolerance(target: f64) -> f64 {
    if target < 0.01 { 0.30 } else { 0.20 }
}

#[test]
fn prevalence_and_activity_rates_meet_calibration() {
    let borough = borough(120_000, 7);
    let people = people(&borough);
    let end = day(end_date());
    let start = day(borough.truth.params.start_date());
    let registered: HashSet<u64> = people
        .iter()
        .filter(|(_, p)| p.registered_on(end))
        .map(|(id, _)| *id)
        .collect();
    let adults = registered
        .iter()
        .filter(|id| people[id].age_on(end) >= 18)
        .count() as f64;

    let mut with: HashMap<String, HashSet<u64>> = HashMap::new();
    for batch in rows(&borough, Table::Condition) {
        let ids = batch.column(0).as_primitive::<UInt64Type>();
        let conditions = batch.column(1).as_string::<i32>();
        let onsets = batch.column(2).as_primitive::<Date32Type>();
        let resolved = batch.column(3).as_primitive::<Date32Type>();
        for i in 0..batch.num_rows() {
            let open = onsets.value(i) <= end && (resolved.is_null(i) || resolved.value(i) > end);
            if open && registered.contains(&ids.value(i)) {
                with.entry(conditions.value(i).to_string())
                    .or_default()
                    .insert(ids.value(i));
            }
        }
    }
    let mut failures = Vec::new();
    println!("{:<22} {:>8} {:>8}", "condition", "target", "measured");
    for profile in CONDITIONS {
        let denominator = if profile.adults_only {
            adults
        } else {
            registered.len() as f64
        };
        let measured =
            with.get(profile.condition.as_str()).map_or(0, HashSet::len) as f64 / denominator;
        println!(
            "{:<22} {:>7.2}% {:>7.2}%",
            profile.condition.as_str(),
            100.0 * profile.prevalence,
            100.0 * measured
        );
        if (measured / profile.prevalence - 1.0).abs() > tolerance(profile.prevalence) {
            failures.push(format!(
                "{} prevalence {measured:.4} vs {}",
                profile.condition, profile.prevalence
            ));
        }
    }

    let years = person_years(&people, start, end);
    for setting in ["ae", "apc_nel"] {
        let targets = EVENT_SETTINGS
            .iter()
            .find(|s| s.setting.as_str() == setting)
            .unwrap()
            .per_year;
        let events = events_by_band(&borough, &people, setting, start, end);
        println!("{setting} per 1,000 person-years");
        for band in 0..7 {
            let measured = events[band] / years[band];
            println!(
                "  {:<6} target {:>6.0} measured {:>6.0}  ({:.0} person-years)",
                ACTIVITY_BANDS[band].0,
                1000.0 * targets[band],
                1000.0 * measured,
                years[band]
            );
            if (measured / targets[band] - 1.0).abs() > 0.20 {
                failures.push(format!(
                    "{setting} {} rate {measured:.3} vs {}",
                    ACTIVITY_BANDS[band].0, targets[band]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "outside calibration tolerance:\n{}",
        failures.join("\n")
    );
}

#[test]
fn age_structure_and_churn_look_like_inner_london() {
    let borough = borough(60_000, 11);
    let people = people(&borough);
    let end = day(end_date());
    let registered: Vec<&Person> = people.values().filter(|p| p.registered_on(end)).collect();
    let share = |lo: i32, hi: i32| {
        registered
            .iter()
            .filter(|p| (lo..=hi).contains(&p.age_on(end)))
            .count() as f64
            / registered.len() as f64
    };
    for (lo, hi, target) in accord_synth::calibration::AGE_BANDS {
        let measured = share(lo as i32, hi as i32);
        println!(
            "age {lo}-{hi}: target {:.1}% measured {:.1}%",
            100.0 * target,
            100.0 * measured
        );
        assert!(
            (measured / target - 1.0).abs() < 0.2,
            "age {lo}-{hi}: {measured} vs {target}"
        );
    }
    // Churn: people joining or leaving in the last year, per registered person.
    let year_ago = end - 365;
    let joined = people
        .values()
        .filter(|p| {
            p.spells
                .iter()
                .map(|s| s.0)
                .min()
                .is_some_and(|s| s > year_ago)
        })
        .count() as f64;
    let left = people
        .values()
        .filter(|p| {
            let last_end = p.spells.iter().map(|s| s.1).max().flatten();
            last_end.is_some_and(|e| e > year_ago)
                && p.spells.iter().all(|s| s.1.is_some())
                && p.death.is_none()
        })
        .count() as f64;
    let churn = (joined + left) / 2.0 / registered.len() as f64;
    println!(
        "churn: {joined} joined, {left} left, {:.1}% a year",
        100.0 * churn
    );
    assert!((0.15..=0.28).contains(&churn), "churn {churn}");
    let deaths = people
        .values()
        .filter(|p| p.death.is_some_and(|d| d > year_ago))
        .count() as f64;
    let rate = 1000.0 * deaths / registered.len() as f64;
    println!("deaths: {rate:.1} per 1,000 a year (target about 4.5)");
    assert!((3.0..=6.5).contains(&rate), "death rate {rate}");
}
