//! The evaluation on a generated borough with the default planted effect (A&E attendances
//! 15% fewer in the year after a first MDT): matching keeps most of the treated and shrinks
//! every imbalance, the naive before/after shows a larger fall than the planted one (the
//! controls, picked for the same high use, fall too), the matched interval holds the truth,
//! and every diagnostic is there. The same is checked over several seeds and effects in
//! `scripts/evaluation-coverage.sh`.

use accord_cohort::Histories;
use accord_dataset::Dataset;
use accord_evaluation::{ControlFollowUp, EvaluationError, EvaluationOptions, evaluate};
use accord_risk::{RiskModel, TrainOptions, train};
use accord_synth::PlantedEffect;

/// The 60,000-person test borough (seed 11) with a risk model trained on it.
fn test_borough() -> (tempfile::TempDir, Histories, RiskModel) {
    let (dir, data) = accord_testkit::borough(60_000, 11);
    let histories = Histories::load(&Dataset::open(&data).unwrap()).unwrap();
    let risk = train(&histories, TrainOptions::latest(&histories, 42))
        .unwrap()
        .model;
    (dir, histories, risk)
}

#[test]
fn the_matched_estimate_recovers_the_planted_effect_and_the_naive_one_does_not() {
    let (_dir, histories, risk) = test_borough();
    let options = EvaluationOptions {
        bootstrap: 200,
        placebo_months: vec![12, 24],
        ..EvaluationOptions::default()
    };
    let e = evaluate(&histories, &risk, &options).unwrap();

    let a = &e.attrition;
    assert!(a.treated.discussed > 300, "{a:?}");
    assert_eq!(
        a.treated.discussed,
        a.treated.eligible
            + a.treated.index_after_extract
            + a.treated.index_too_early
            + a.treated.not_registered_before_index_month
    );
    assert_eq!(a.matched_treated + a.lost_to_caliper, a.treated.eligible);
    assert!(
        a.matched_treated as f64 > 0.8 * a.treated.eligible as f64,
        "{a:?}"
    );

    // Balance: the propensity score itself ends balanced, and the average imbalance falls
    // several-fold.
    let logit = e
        .balance
        .iter()
        .find(|b| b.name == "propensity_logit")
        .unwrap();
    assert!(logit.after.smd.abs() < 0.1, "{logit:?}");
    let mean_abs = |after: bool| {
        e.balance
            .iter()
            .map(|b| {
                if after {
                    b.after.smd.abs()
                } else {
                    b.before.smd.abs()
                }
            })
            .sum::<f64>()
            / e.balance.len() as f64
    };
    assert!(
        mean_abs(true) < mean_abs(false) / 4.0,
        "{} -> {}",
        mean_abs(false),
        mean_abs(true)
    );

    let ae = e
        .outcomes
        .iter()
        .find(|o| o.name == "ae_attendances")
        .unwrap();
    let effect = ae.effect_ratio.unwrap();
    let (lower, upper) = (effect.lower.unwrap(), effect.upper.unwrap());
    assert!(lower < effect.estimate && effect.estimate < upper);
    // The ratio is averaged over three matchings (the default), its interval a t interval
    // with Rubin's degrees of freedom.
    let over = ae.over_matchings.unwrap();
    assert_eq!(over.matchings, 3);
    assert!(over.between_sd > 0.0, "{over:?}");
    let first = over.first_matching;
    assert!(first.lower.unwrap() < first.estimate && first.estimate < first.upper.unwrap());
    let quantile = over.degrees_of_freedom.map_or(1.959_963_984_540_054, |df| {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975)
    });
    // The smallest detectable fall is 2.8 standard errors of the log ratio below 1.
    let se = (upper.ln() - lower.ln()) / (2.0 * quantile);
    let detectable = ae.minimum_detectable_ratio.unwrap();
    assert!(
        (detectable.ln() + 2.801_585_218_112_968 * se).abs() < 1e-9,
        "{detectable} {se}"
    );
    // The E-value is of this ratio and of its interval's end nearest 1.
    let e_value = ae.e_value.unwrap();
    let rr = effect.estimate.min(1.0 / effect.estimate);
    assert!((e_value.estimate - (1.0 / rr + (1.0 / rr * (1.0 / rr - 1.0)).sqrt())).abs() < 1e-9);
    assert!(1.0 <= e_value.confidence_limit && e_value.confidence_limit < e_value.estimate);
    let bootstrap = ae.effect_ratio_bootstrap.unwrap();
    assert!(bootstrap.0 < effect.estimate && effect.estimate < bootstrap.1);
    // The naive before/after overstates the fall: regression to the mean adds one beyond
    // the planted truth (scripts/evaluation-coverage.sh checks the same on ten boroughs),
    // and the matched interval holds the truth.
    let truth = 1.0 - PlantedEffect::default().ae_reduction;
    assert!(
        ae.naive_ratio.estimate < truth - 0.05,
        "naive {:?} should show a larger fall than the planted {truth}",
        ae.naive_ratio
    );
    assert!(
        lower <= truth && truth <= upper,
        "{effect:?} against {truth}"
    );
    // The controls, picked for the same high use, fall too: regression to the mean.
    assert!(ae.control_ratio.estimate < 0.95, "{:?}", ae.control_ratio);
    let cost = e
        .outcomes
        .iter()
        .find(|o| o.name == "social_care_cost")
        .unwrap();
    assert!(cost.cohort_total.is_some() && cost.absolute.lower.is_some());
    assert_eq!(cost.minimum_detectable_ratio, None);
    assert_eq!(cost.e_value, None);

    // Diagnostics are all there.
    assert_eq!(e.monthly.len(), 2);
    assert_eq!(e.monthly[0].months.len(), 36);
    assert!(e.mortality.treated > 0 && e.mortality.controls > 0.0);
    assert!(!e.networks.is_empty());
    assert_eq!(
        e.networks.iter().map(|n| n.matched).sum::<usize>(),
        a.matched_treated
    );
    // Controls discussed later are followed with censoring weights by default.
    let censoring = e.censoring.as_ref().unwrap();
    assert!(a.controls_discussed_within_year > 0, "{a:?}");
    assert!(censoring.discussed > 0 && censoring.control_months > censoring.discussed);
    assert!(censoring.mean_weight >= 1.0, "{censoring:?}");
    // Three years of history, the last two with MDTs: a year's placebo runs, and one of
    // 24 months (asked for), which needs three years before a first MDT, says why it cannot.
    let [year, two_years] = &e.placebos[..] else {
        panic!("{:?}", e.placebos);
    };
    assert_eq!((year.months_earlier, two_years.months_earlier), (12, 24));
    assert!(
        year.note.is_none() && year.matched_treated >= 20,
        "{year:?}"
    );
    assert!(!year.outcomes.is_empty());
    let note = two_years.note.as_deref().unwrap();
    assert!(
        note.starts_with("with every index 24 months earlier, a first MDT needs 36 months of data before it: none of the"),
        "{note}"
    );
    assert!(e.propensity.auc > 0.6 && e.propensity.auc < 1.0);
    assert!(e.timings.len() >= 6);

    // Same seed, same answer.
    let again = evaluate(&histories, &risk, &options).unwrap();
    assert_eq!(again.outcomes, e.outcomes);

    // One matching is the first of the three, alone.
    let single = EvaluationOptions {
        matchings: 1,
        placebo_months: Vec::new(),
        ..options
    };
    let one = evaluate(&histories, &risk, &single).unwrap();
    let one_ae = one
        .outcomes
        .iter()
        .find(|o| o.name == "ae_attendances")
        .unwrap();
    assert_eq!(one_ae.over_matchings, None);
    assert_eq!(one_ae.effect_ratio, Some(first));
    assert!(
        one.warnings
            .iter()
            .any(|w| w.contains("With one matching (--matchings 1)")),
        "{:?}",
        one.warnings
    );
}

/// Who is discussed next is who got worse: controls followed only until their own MDT are
/// those whose use fell, which pushes the estimate towards harm; followed through the year
/// (intention to treat) they are not picked on what came after their index. (Counting a
/// control's year before only as far as its year after was followed removes about half of
/// that push, the part that is lasting need; the rest remains.) Every run but
/// an intention-to-treat one reports the intention-to-treat ratio beside its own, and it is
/// that run's estimate: the matching does not depend on how controls are followed, nor on
/// what the censoring model is fitted on.
#[test]
fn censoring_controls_at_their_own_mdt_pushes_the_estimate_towards_harm() {
    let (_dir, histories, risk) = test_borough();
    let ratio = |follow_up: ControlFollowUp, censoring_fit_ratio: usize| {
        let options = EvaluationOptions {
            bootstrap: 50,
            placebo_months: Vec::new(),
            follow_up,
            censoring_fit_ratio,
            ..EvaluationOptions::default()
        };
        let e = evaluate(&histories, &risk, &options).unwrap();
        assert_eq!(
            e.censoring.is_some(),
            follow_up == ControlFollowUp::Weighted
        );
        // The censoring model is fitted on the matched controls, or on those of a wider
        // matching as well.
        if let Some(c) = &e.censoring {
            let matched = e.attrition.matched_controls;
            match censoring_fit_ratio {
                1 => assert_eq!(c.controls, matched, "{c:?}"),
                _ => assert!(c.controls > 3 * matched, "{c:?}, {matched} matched"),
            }
        }
        let cost = e.outcomes.iter().find(|o| o.name == "social_care_cost");
        assert!(cost.unwrap().effect_ratio_intention_to_treat.is_none());
        let emergency = e
            .outcomes
            .into_iter()
            .find(|o| o.name == "emergency_admissions")
            .unwrap();
        (emergency, e.warnings)
    };
    let (censored, warnings) = ratio(ControlFollowUp::Censored, 1);
    let (itt, _) = ratio(ControlFollowUp::IntentionToTreat, 1);
    let (weighted, _) = ratio(ControlFollowUp::Weighted, 1);
    let (wider, _) = ratio(ControlFollowUp::Weighted, 5);
    let (censored_ratio, itt_ratio) = (
        censored.effect_ratio.unwrap().estimate,
        itt.effect_ratio.unwrap().estimate,
    );
    assert!(
        censored_ratio > itt_ratio + 0.04,
        "censored {censored_ratio}, intention to treat {itt_ratio}"
    );
    assert_eq!(itt.effect_ratio_intention_to_treat, None);
    assert_eq!(censored.effect_ratio_intention_to_treat, itt.effect_ratio);
    assert_eq!(weighted.effect_ratio_intention_to_treat, itt.effect_ratio);
    assert_ne!(weighted.effect_ratio, itt.effect_ratio);
    // A wider censoring model changes the weights, not who is matched.
    assert_eq!(wider.effect_ratio_intention_to_treat, itt.effect_ratio);
    assert_ne!(wider.effect_ratio, weighted.effect_ratio);
    assert!(
        warnings.iter().any(|w| w.contains("biased towards harm")),
        "{warnings:?}"
    );
}

#[test]
fn a_dataset_without_mdt_discussions_is_refused_clearly() {
    let (_dir, data) = accord_testkit::borough(3_000, 2);
    let histories = Histories::load(&Dataset::open(&data).unwrap()).unwrap();
    let risk = train(&histories, TrainOptions::latest(&histories, 42))
        .unwrap()
        .model;
    let records = accord_cohort::history::Records {
        extract_day: histories.extract_day,
        data_start: histories.data_start,
        ..Default::default()
    };
    let empty = Histories::from_records(records).unwrap();
    let err = evaluate(&empty, &risk, &EvaluationOptions::default()).unwrap_err();
    assert!(matches!(err, EvaluationError::NoDiscussions), "{err}");
    assert!(err.to_string().contains("no MDT discussions"));
}

#[test]
fn the_placebo_run_reads_the_covariates_it_shares_with_the_main_run_unchanged() {
    use accord_evaluation::ControlPool;
    use accord_evaluation::candidates::candidates;
    let (_dir, histories, risk) = test_borough();
    let pool = ControlPool::NotYetDiscussed;
    let main = candidates(&histories, &risk, 0, pool, None);
    let measured = candidates(&histories, &risk, -365, pool, None);
    let shared = candidates(&histories, &risk, -365, pool, Some(&main));
    assert_eq!(shared.rows, measured.rows);
    assert_eq!(shared.months, measured.months);
    // The placebo's months overlap the main run's, so some rows are the main run's.
    assert!(shared.months.iter().any(|m| main.months.contains(m)));
    for r in 0..measured.rows.len() {
        assert_eq!(shared.row_values(r), measured.row_values(r), "row {r}");
    }
}
