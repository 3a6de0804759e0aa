//! The whole evaluation: candidates, propensity score, matching, balance, outcomes,
//! estimates overall and per network, and the falsification checks beside them (the
//! controls' before/after, monthly rates from -24 to +12 months, mortality by arm, the
//! outcomes named as negative controls and placebo runs with every index moved 12 months
//! earlier, or as many as asked). Every step is timed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use accord_cohort::Histories;
use accord_cohort::at::state_at;
use accord_dataset::artifact::{Artifact, Header, Provenance};
use accord_model::dates;
use accord_risk::auc_delong;
use accord_risk::{RiskModel, Scorer};
use chrono::NaiveDate;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::balance::{BalanceAccumulator, BalanceRow, smd_standard_error};
use crate::candidates::{
    Candidates, ControlFollowUp, ControlPool, Row, TreatedAttrition, candidates, month_start,
};
use crate::censoring::{CensoringReport, FollowUpWeights, censoring_weights};
use crate::estimate::{
    Interval, Member, OutcomeResult, estimate, matching_estimates, poisson_log_ratios,
};
use crate::mahalanobis::{Mahalanobis, MahalanobisReport};
use crate::matching::{MatchOptions, Matching, Unit, nearest_neighbour_by};
use crate::outcomes::{Kind, MONTHLY, MONTHS_BEFORE, OUTCOMES, Windows, days_after, windows};
use crate::propensity::{Propensity, fit_propensity};
use crate::{EvaluationError, IntMap, IntSet};

mod diagnostics;
mod estimates;
mod options;
mod results;
mod runs;
mod warnings;

use diagnostics::*;
use estimates::*;
pub use options::*;
pub use results::*;
pub use runs::MINIMUM_MATCHED;
use runs::*;
use warnings::*;

/// Evaluates the MDT programme recorded in `histories`' MDT discussions.
pub fn evaluate(
    histories: &Histories,
    risk: &RiskModel,
    options: &EvaluationOptions,
) -> Result<Evaluation, EvaluationError> {
    evaluate_with_rows(histories, risk, options, false).map(|(e, _)| e)
}

/// A file of person-level rows: its name and CSV text.
pub type RowsFile = (String, String);

/// The evaluation, and where asked, the person-level rows behind it for checks elsewhere:
/// `propensity.csv` (the rows the propensity model was fitted on, with Accord's logit) and
/// `did_<outcome>.csv` (the matched person-windows of each count outcome).
pub fn evaluate_with_rows(
    histories: &Histories,
    risk: &RiskModel,
    options: &EvaluationOptions,
    with_rows: bool,
) -> Result<(Evaluation, Vec<RowsFile>), EvaluationError> {
    check_negative_controls(&options.negative_controls)?;
    let mut clock = Clock {
        started: Instant::now(),
        timings: Vec::new(),
    };
    let main = run(histories, risk, options, 0, None, &mut clock, "")?;
    let propensity = propensity_report(histories, options, &main)?;
    clock.lap("propensity diagnostics (AUC, overlap)");
    let rows = &main.candidates.rows;
    let networks = Networks::of(histories);
    let (balance_rows, network_balance) = balance(&networks, &main);
    clock.lap("balance");

    let (all, clusters, matched) = members(&main, |_| true);
    let mut outcomes = estimate(&all, clusters, matched, options.bootstrap, options.seed);
    let mut per_matching = vec![estimates_of_matching(histories, &main, options)];
    for (outcome, ratio) in outcomes.iter_mut().zip(&per_matching[0].intention_to_treat) {
        outcome.effect_ratio_intention_to_treat = ratio.map(|(b, se)| Interval::from_log(b, se));
    }
    clock.lap("estimates (with the pair bootstrap)");
    // The same candidates matched again, each time with the propensity model fitted on
    // another sample of controls: nearest-neighbour matching turns small changes in the
    // score into other controls, and one matching's ratio varies with them as much as with
    // the people (docs/evaluation.md, "The matching's own variance"). The estimates (the
    // counts' ratios, the costs' and the risk score's differences) are averaged over the
    // matchings and their intervals carry the variance between them. Each network's
    // estimates in every matching, the first's computed with the per-network step below.
    let mut network_estimates = Vec::new();
    for m in 1..options.matchings {
        let prefix = format!("matching {} of {}: ", m + 1, options.matchings);
        let other = matched_run(
            histories,
            risk,
            options,
            Arc::clone(&main.candidates),
            options.seed.wrapping_add(m as u64),
            Some(&main.model),
            &mut clock,
            &prefix,
        )?;
        per_matching.push(estimates_of_matching(histories, &other, options));
        network_estimates.push(networks.estimates(&other, options));
        clock.lap(&format!("{prefix}estimates"));
    }
    average_over_matchings(
        &mut outcomes,
        per_matching.len(),
        matched,
        |m, o| per_matching[m].of(o, false),
        |m, o| per_matching[m].of(o, true),
    );

    network_estimates.insert(0, networks.estimates(&main, options));
    let mut treated_by_network = vec![0usize; networks.names.len()];
    for row in rows.iter().filter(|r| r.treated) {
        treated_by_network[usize::from(networks.of_row(row))] += 1;
    }
    let network_results: Vec<NetworkResult> = (0..networks.names.len())
        .into_par_iter()
        .filter(|&n| treated_by_network[n] > 0)
        .map(|n| {
            let (people, clusters, sets) =
                members(&main, |s| usize::from(networks.of_set(&main, s)) == n);
            let balance = network_balance[n].clone();
            let over = balance.iter().filter(|b| !b.balanced).count();
            let max_abs_smd = balance
                .iter()
                .map(|b| b.after.smd.abs())
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let mut outcomes = if sets >= MINIMUM_MATCHED {
                estimate(&people, clusters, sets, options.bootstrap, options.seed)
            } else {
                Vec::new()
            };
            let of = |m: usize, o: usize| network_estimates[m][n].get(o).copied().flatten();
            average_over_matchings(&mut outcomes, network_estimates.len(), sets, of, |_, _| {
                None
            });
            NetworkResult {
                network: networks.names[n].clone(),
                treated: treated_by_network[n],
                matched: sets,
                max_abs_smd,
                covariates_over_threshold: over,
                smd_standard_error: smd_standard_error(sets, sets),
                outcomes,
                balance,
            }
        })
        .collect();
    clock.lap("per network");

    let mortality = mortality(&all);
    let monthly = monthly(&all);
    let placebos = options
        .placebo_months
        .iter()
        .map(|&months| {
            // Calendar months would move some indexes by a day more than others.
            let shift_days = -(months as i32 * 365 / 12);
            let prefix = format!("placebo ({months} months): ");
            match run(
                histories,
                risk,
                options,
                shift_days,
                Some(&main),
                &mut clock,
                &prefix,
            ) {
                Ok(p) => {
                    let (people, clusters, sets) = members(&p, |_| true);
                    Placebo {
                        months_earlier: months,
                        matched_treated: sets,
                        outcomes: estimate(
                            &people,
                            clusters,
                            sets,
                            options.bootstrap,
                            options.seed,
                        ),
                        note: None,
                    }
                }
                Err(e) => Placebo {
                    months_earlier: months,
                    matched_treated: 0,
                    outcomes: Vec::new(),
                    note: Some(format!(
                        "with every index {months} months earlier, a first MDT needs {} months \
                         of data before it: {e}",
                        months + 12
                    )),
                },
            }
        })
        .collect::<Vec<_>>();
    clock.lap("falsification (mortality, monthly rates, placebos)");

    let attrition = Attrition {
        treated: main.candidates.attrition.clone(),
        control_pool_rows: rows.iter().filter(|r| !r.treated).count(),
        control_pool_people: distinct(rows.iter().filter(|r| !r.treated).map(|r| r.person)),
        matched_treated: matched,
        lost_to_caliper: main.matching.unmatched_treated.len(),
        matched_controls: main.matching.sets.iter().map(|s| s.controls.len()).sum(),
        matched_control_people: distinct(
            main.matching
                .sets
                .iter()
                .flat_map(|s| s.controls.iter().map(|&c| rows[c].person)),
        ),
        clusters,
        controls_discussed_within_year: main
            .sets
            .iter()
            .flat_map(|set| {
                let index = rows[set[0].0].index_day;
                set[1..]
                    .iter()
                    .filter(move |&&(r, _)| rows[r].later_mdt.is_some_and(|d| d <= index + 365))
            })
            .count(),
    };
    let mut warnings = negative_control_warnings(&options.negative_controls, &outcomes);
    warnings.extend(placebo_warnings(&placebos));
    warnings.extend(warnings_of(
        &attrition,
        &balance_rows,
        &network_results,
        &mortality,
        &outcomes,
    ));
    warnings.extend(follow_up_warning(
        options.follow_up,
        options.matchings,
        &attrition,
        main.censoring.as_ref(),
    ));
    let files = if with_rows {
        rows_files(&main)
    } else {
        Vec::new()
    };
    let evaluation = Evaluation {
        header: Evaluation::new_header(Provenance::now(
            ENGINE,
            &histories.dataset,
            &histories.fingerprint,
            dates::from_days(histories.extract_day).unwrap_or_default(),
        )),
        design: Design {
            data_start: dates::from_days(histories.data_start).unwrap_or_default(),
            risk_model_development_date: risk.development_date.clone(),
            options: options.clone(),
        },
        attrition,
        propensity,
        balance: balance_rows,
        outcomes,
        networks: network_results,
        mortality,
        monthly,
        placebos,
        censoring: main.censoring,
        warnings,
        timings: clock.timings,
    };
    Ok((evaluation, files))
}

fn rows_files(run: &Run) -> Vec<RowsFile> {
    let c = &run.candidates;
    let names: Vec<&str> = c.covariates.iter().map(|k| k.name.as_str()).collect();
    let mut text = format!("treat,month,sex,{},accord_logit\n", names.join(","));
    for &r in &run.propensity_rows {
        let row = c.rows[r];
        text.push_str(&format!(
            "{},{},{}",
            u8::from(row.treated),
            row.month,
            row.sex
        ));
        for k in 0..names.len() {
            text.push_str(&format!(",{}", c.value(r, k)));
        }
        text.push_str(&format!(",{:.17e}\n", run.logits[r]));
    }
    let mut files = vec![("propensity.csv".to_string(), text)];
    // The cluster column is the one the errors use: sets joined where they share a person.
    let all: Vec<usize> = (0..run.sets.len()).collect();
    let (cluster_of, _) = clusters_of(run, &all);
    for (o, outcome) in OUTCOMES.iter().enumerate() {
        if outcome.kind != Kind::Count {
            continue;
        }
        // With each row's covariates, for models that adjust for them.
        let mut text = format!(
            "cluster,treated,post,count,days,weight,{}\n",
            names.join(",")
        );
        for ((s, set), cluster) in run.sets.iter().enumerate().zip(&cluster_of) {
            for (&(r, w), windows) in set.iter().zip(&run.windows[s]) {
                for period in 0..2 {
                    if windows.days[period] > 0.0 {
                        text.push_str(&format!(
                            "{cluster},{},{period},{},{},{w}",
                            u8::from(c.rows[r].treated),
                            windows.values[o][period],
                            windows.days[period]
                        ));
                        for k in 0..names.len() {
                            text.push_str(&format!(",{}", c.value(r, k)));
                        }
                        text.push('\n');
                    }
                }
            }
        }
        files.push((format!("did_{}.csv", outcome.name), text));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placebo_with(months_earlier: u32, lower: f64, upper: f64) -> Placebo {
        let interval =
            serde_json::json!({"estimate": (lower + upper) / 2.0, "lower": lower, "upper": upper});
        let outcome: OutcomeResult = serde_json::from_value(serde_json::json!({
            "name": "ae_attendances", "label": "A&E attendances", "kind": "count",
            "treated_pre": 1.0, "treated_post": 1.0, "control_pre": 1.0, "control_post": 1.0,
            "naive_ratio": interval, "control_ratio": interval, "effect_ratio": interval,
            "effect_ratio_bootstrap": null, "p_value": null, "absolute": interval,
            "cohort_total": null, "note": null
        }))
        .unwrap();
        Placebo {
            months_earlier,
            matched_treated: 100,
            outcomes: vec![outcome],
            note: None,
        }
    }

    #[test]
    fn a_placebo_ratio_away_from_one_is_a_warning() {
        let warnings = placebo_warnings(&[placebo_with(12, 1.26, 1.66)]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("A&E attendances: the placebo run (every index 12 months"));
        assert!(warnings[0].contains("1.46 (1.26 to 1.66)"));
        assert!(warnings[0].contains("part of this is selection on rising use"));
        assert!(placebo_warnings(&[placebo_with(12, 0.9, 1.1)]).is_empty());
        assert!(placebo_warnings(&[]).is_empty());
        // Beyond the year people are picked in, selection on a slower course remains.
        let both = placebo_warnings(&[placebo_with(12, 0.9, 1.1), placebo_with(24, 1.1, 1.3)]);
        assert_eq!(both.len(), 1);
        assert!(both[0].contains("every index 24 months"), "{}", both[0]);
        assert!(
            both[0].contains("selection on a slower course"),
            "{}",
            both[0]
        );
    }

    #[test]
    fn a_negative_control_away_from_one_is_a_warning() {
        let outcomes = placebo_with(12, 1.05, 1.25).outcomes;
        let named = vec!["ae_attendances".to_string()];
        let warnings = negative_control_warnings(&named, &outcomes);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(
                "A&E attendances: named as an outcome the MDT cannot change (a negative control), yet its ratio of rate ratios is 1.15 (1.05 to 1.25), not 1."
            ),
            "{}",
            warnings[0]
        );
        // Not named, or holding 1: nothing to say.
        assert!(negative_control_warnings(&[], &outcomes).is_empty());
        let holding = placebo_with(12, 0.9, 1.1).outcomes;
        assert!(negative_control_warnings(&named, &holding).is_empty());
    }

    #[test]
    fn a_negative_control_must_be_a_count_outcome() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_negative_controls(&names(&["outpatient_attendances"])).is_ok());
        for bad in ["social_care_cost", "outpatients"] {
            let error = check_negative_controls(&names(&["elective_admissions", bad]))
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(&format!("{bad}: not a count outcome")),
                "{error}"
            );
            assert!(
                error.contains("ae_attendances, emergency_admissions"),
                "{error}"
            );
        }
    }

    #[test]
    fn results_saved_with_one_placebo_run_or_none_still_read() {
        let placebo = serde_json::to_value(placebo_with(12, 0.9, 1.1)).unwrap();
        let mut old = placebo.clone();
        old.as_object_mut().unwrap().remove("months_earlier");
        let read = |v: serde_json::Value| placebos_of(v).unwrap();
        assert_eq!(read(old), vec![placebo_with(12, 0.9, 1.1)]);
        assert_eq!(read(serde_json::Value::Null), Vec::new());
        assert_eq!(
            read(serde_json::json!([placebo, placebo_with(24, 0.8, 1.2)])),
            vec![placebo_with(12, 0.9, 1.1), placebo_with(24, 0.8, 1.2)]
        );
        let options: EvaluationOptions = serde_json::from_value(serde_json::json!({
            "matching": MatchOptions::default(), "exact": ["sex"], "controls": "not_yet_discussed",
            "bootstrap": 10, "seed": 1, "include_index_day": false, "placebo": true,
            "fit_controls": 10
        }))
        .unwrap();
        assert_eq!(options.placebo_months, vec![12]);
    }
}
