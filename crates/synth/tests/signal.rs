//! The borough carries real but imperfect signal: prior-year emergency admissions predict
//! next-year ones, high users regress towards the mean, admissions are concentrated, and
//! the planted MDT effect is present in the generated truth.

mod common;

use std::collections::HashMap;

use accord_model::Table;
use accord_synth::{PlantedEffect, SynthParams, generate};
use common::*;

#[test]
fn prior_admissions_predict_next_year_and_high_users_regress() {
    let borough = borough(80_000, 3);
    let people = people(&borough);
    let end = day(end_date());
    let (prior_from, index, next_to) = (end - 2 * 365 + 1, end - 365, end);
    let prior = counts_per_person(&borough, "apc_nel", prior_from, index);
    let prior_ae = counts_per_person(&borough, "ae", prior_from, index);
    let next = counts_per_person(&borough, "apc_nel", index + 1, next_to);
    let mut conditions: HashMap<u64, f64> = HashMap::new();
    for batch in rows(&borough, Table::Condition) {
        use arrow_array::cast::AsArray;
        let ids = batch
            .column(0)
            .as_primitive::<arrow_array::types::UInt64Type>();
        for i in 0..batch.num_rows() {
            *conditions.entry(ids.value(i)).or_default() += 1.0;
        }
    }
    let cohort: Vec<u64> = people
        .iter()
        .filter(|(_, p)| p.registered_on(prior_from) && p.registered_on(index))
        .map(|(id, _)| *id)
        .collect();
    let outcome: Vec<bool> = cohort
        .iter()
        .map(|id| next.get(id).copied().unwrap_or(0) > 0)
        .collect();
    let prior_count = |id: &u64| f64::from(prior.get(id).copied().unwrap_or(0));
    // A hand-made score from what a system sees: the age gradient of admissions, prior
    // use in every setting, and conditions. A fitted model (the risk issue) does better.
    let gp = counts_per_person(&borough, "gp", prior_from, index);
    let outpatients = counts_per_person(&borough, "op", prior_from, index);
    let log_count = |counts: &HashMap<u64, u32>, id: &u64| {
        f64::from(counts.get(id).copied().unwrap_or(0)).ln_1p()
    };
    let age_rate = |id: &u64| {
        let band = band_of(people[id].age_on(index));
        accord_synth::calibration::EVENT_SETTINGS[1].per_year[band].ln()
    };
    let simple: Vec<f64> = cohort
        .iter()
        .map(|id| {
            age_rate(id)
                + 0.8 * log_count(&prior, id)
                + 0.4 * log_count(&prior_ae, id)
                + 0.3 * log_count(&gp, id)
                + 0.3 * log_count(&outpatients, id)
                + 0.25 * conditions.get(id).copied().unwrap_or(0.0)
        })
        .collect();
    let auc_prior = auc(
        &cohort.iter().map(prior_count).collect::<Vec<_>>(),
        &outcome,
    );
    let auc_simple = auc(&simple, &outcome);
    let with_prior: Vec<bool> = cohort
        .iter()
        .zip(&outcome)
        .filter(|(id, _)| prior_count(id) > 0.0)
        .map(|(_, o)| *o)
        .collect();
    let without: Vec<bool> = cohort
        .iter()
        .zip(&outcome)
        .filter(|(id, _)| prior_count(id) == 0.0)
        .map(|(_, o)| *o)
        .collect();
    let rate = |v: &[bool]| v.iter().filter(|&&o| o).count() as f64 / v.len() as f64;
    println!(
        "next-year admission: {:.1}% after a prior admission, {:.1}% without",
        100.0 * rate(&with_prior),
        100.0 * rate(&without)
    );
    println!(
        "AUC of prior admissions {auc_prior:.3}; of a simple score (prior use, conditions, age) {auc_simple:.3}"
    );
    assert!(rate(&with_prior) > 2.0 * rate(&without));
    assert!(
        (0.72..=0.88).contains(&auc_simple),
        "simple score AUC {auc_simple}"
    );

    // Regression to the mean: the top 2% by prior admissions have fewer next year.
    let mut ranked = cohort.clone();
    ranked.sort_by(|a, b| prior_count(b).total_cmp(&prior_count(a)).then(a.cmp(b)));
    let top = &ranked[..cohort.len() / 50];
    let before: f64 = top.iter().map(prior_count).sum::<f64>() / top.len() as f64;
    let after: f64 = top
        .iter()
        .map(|id| f64::from(next.get(id).copied().unwrap_or(0)))
        .sum::<f64>()
        / top.len() as f64;
    println!("top 2%: {before:.2} admissions in the prior year, {after:.2} the next");
    assert!(after < 0.8 * before);

    // Concentration (docs/calibration.md: about 2% of people account for about a quarter of
    // emergency admissions), read prospectively as case finding uses it: the 2% with the
    // highest scores this year account for about a quarter of next year's admissions.
    let next_count = |id: &u64| f64::from(next.get(id).copied().unwrap_or(0));
    let mut by_score: Vec<usize> = (0..cohort.len()).collect();
    by_score.sort_by(|&a, &b| simple[b].total_cmp(&simple[a]).then(a.cmp(&b)));
    let total: f64 = cohort.iter().map(next_count).sum();
    let share = by_score[..cohort.len() / 50]
        .iter()
        .map(|&i| next_count(&cohort[i]))
        .sum::<f64>()
        / total;
    let mut counts: Vec<f64> = cohort.iter().map(next_count).collect();
    counts.sort_by(|a, b| b.total_cmp(a));
    let retrospective = counts[..counts.len() / 50].iter().sum::<f64>() / total;
    println!(
        "top 2% by score account for {:.0}% of next year's emergency admissions ({:.0}% for the top 2% by admissions)",
        100.0 * share,
        100.0 * retrospective
    );
    assert!((0.15..=0.35).contains(&share), "concentration {share}");
}

fn with_effect(effect: PlantedEffect) -> accord_synth::Borough {
    let mut params = SynthParams::new(40_000, 5, end_date());
    params.mdt.effect = effect;
    generate(&params, &|_, _| {}).unwrap()
}

fn activity_rows(borough: &accord_synth::Borough) -> usize {
    rows(borough, Table::Activity)
        .iter()
        .map(|b| b.num_rows())
        .sum()
}

#[test]
fn planted_effect_is_in_the_truth_and_only_where_planted() {
    let none = with_effect(PlantedEffect {
        ae_reduction: 0.0,
        emergency_admission_reduction: 0.0,
        social_care_cost_increase: 0.0,
    });
    let strong = with_effect(PlantedEffect {
        ae_reduction: 0.25,
        emergency_admission_reduction: 0.12,
        social_care_cost_increase: 0.05,
    });
    let (t0, t1) = (&none.truth.planted_effect, &strong.truth.planted_effect);
    println!("{t0:?}\n{t1:?}");
    assert_eq!(t0.ae_attendances_removed, 0);
    assert_eq!(t0.emergency_admissions_removed, 0);
    assert!(
        t0.people_discussed > 200,
        "{} people discussed",
        t0.people_discussed
    );
    // Same people discussed, same events before the effect: only the effect differs.
    assert_eq!(t0.people_discussed, t1.people_discussed);
    assert_eq!(
        t0.ae_attendances_without_effect,
        t1.ae_attendances_without_effect
    );
    let ae_share = t1.ae_attendances_removed as f64 / t1.ae_attendances_without_effect as f64;
    let emergency_share =
        t1.emergency_admissions_removed as f64 / t1.emergency_admissions_without_effect as f64;
    assert!(
        (ae_share - 0.25).abs() < 0.05,
        "A&E share removed {ae_share}"
    );
    assert!(
        (emergency_share - 0.12).abs() < 0.05,
        "emergency share removed {emergency_share}"
    );
    assert!((t1.social_care_cost_added / t1.social_care_cost_without_effect - 0.05).abs() < 1e-9);
    let removed = (t1.ae_attendances_removed + t1.emergency_admissions_removed) as usize;
    assert_eq!(activity_rows(&none) - activity_rows(&strong), removed);
}
