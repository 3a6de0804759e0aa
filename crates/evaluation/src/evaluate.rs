//! The whole evaluation: candidates, propensity score, matching, balance, outcomes,
//! estimates overall and per network, and the falsification checks beside them (the
//! controls' before/after, monthly rates from -24 to +12 months, mortality by arm, the
//! outcomes named as negative controls and placebo runs with every index moved 12 months
//! earlier, or as many as asked). Every step is timed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use accord_cohort::at::state_at;
use accord_cohort::{Histories, RiskModel, Scorer};
use accord_dataset::artifact::{Artifact, Header, Provenance};
use accord_model::dates;
use accord_risk::auc_delong;
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

/// Fields matched exactly, besides the index month (always exact: risk-set sampling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExactField {
    Sex,
    /// The row's network ([`Networks::of_row`]): for the treated, the network whose MDT
    /// discussed them first; for a control, their practice's on the covariate day.
    Network,
    /// Emergency admissions in the 12 months before: 0, 1, 2, 3 or more.
    EmergencyAdmissions,
    /// Age under 65, 65-74, 75-84, 85 or over.
    AgeBand,
    /// eFI-style deficits: 0-4, 5-8, 9-12, 13 or more (the frailty categories).
    Frailty,
}

impl ExactField {
    /// The field's stratum code for candidate row `r`.
    fn code(self, c: &Candidates, r: usize, networks: &Networks) -> u64 {
        let value = |name: &str| {
            c.covariates
                .iter()
                .position(|k| k.name == name)
                .map_or(0.0, |k| c.value(r, k))
        };
        let row = c.rows[r];
        match self {
            ExactField::Sex => u64::from(row.sex),
            ExactField::Network => u64::from(networks.of_row(&row)),
            ExactField::EmergencyAdmissions => {
                let n = value("emergency_admissions_0_3m") + value("emergency_admissions_3_12m");
                n.min(3.0) as u64
            }
            ExactField::AgeBand => match value("age") as i64 {
                ..65 => 0,
                65..75 => 1,
                75..85 => 2,
                _ => 3,
            },
            ExactField::Frailty => match value("frailty_deficits") as i64 {
                ..5 => 0,
                5..9 => 1,
                9..13 => 2,
                _ => 3,
            },
        }
    }
}

/// How to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationOptions {
    pub matching: MatchOptions,
    pub exact: Vec<ExactField>,
    /// Covariates (by name) on which, among the controls within the caliper, the closest
    /// by Mahalanobis distance is taken; empty: the closest on the propensity score.
    #[serde(default)]
    pub mahalanobis: Vec<String>,
    pub controls: ControlPool,
    /// How controls discussed later are followed.
    #[serde(default)]
    pub follow_up: ControlFollowUp,
    /// Pair-bootstrap resamples.
    pub bootstrap: usize,
    /// Matchings the outcomes' estimates are averaged over (Rubin's rules), each with
    /// the propensity model fitted on its own sample of controls, overall and per network;
    /// the counts' bootstrap intervals, the negative binomial model, the balance and the
    /// placebo runs use the first.
    /// Results saved before there was a choice had one.
    #[serde(default = "one")]
    pub matchings: usize,
    pub seed: u64,
    /// Count the index day in the post window (a sensitivity analysis).
    pub include_index_day: bool,
    /// A placebo run for each: every index moved this many months (at least 1) earlier.
    /// Results saved before there was a choice ran the 12-month one, or none.
    #[serde(default = "twelve")]
    pub placebo_months: Vec<u32>,
    /// Count outcomes the MDT cannot change (negative controls; Lipsitch et al. 2010): with
    /// a comparison that works their ratios hold 1, unlike a placebo's, since they use the
    /// same matched people and years.
    #[serde(default)]
    pub negative_controls: Vec<String>,
    /// The propensity model is fitted on every treated row and at most this many control
    /// rows drawn at random (seeded); every row is then scored and matched.
    pub fit_controls: usize,
    /// The censoring model is fitted on the controls of a 1:this matching on the same
    /// propensity score (without replacement, within the caliper), so that it has more
    /// discussions for its covariates than the matched controls alone give; its weights go
    /// to the matched controls. 1 fits it on the matched controls. Results saved before
    /// there was a choice had 1.
    #[serde(default = "one")]
    pub censoring_fit_ratio: usize,
}

impl Default for EvaluationOptions {
    fn default() -> Self {
        EvaluationOptions {
            matching: MatchOptions::default(),
            exact: vec![ExactField::Sex],
            mahalanobis: Vec::new(),
            controls: ControlPool::NotYetDiscussed,
            follow_up: ControlFollowUp::Weighted,
            bootstrap: 1000,
            matchings: 3,
            seed: 42,
            include_index_day: false,
            placebo_months: vec![12],
            negative_controls: Vec::new(),
            fit_controls: 100_000,
            censoring_fit_ratio: 1,
        }
    }
}

fn one() -> usize {
    1
}

fn twelve() -> Vec<u32> {
    vec![12]
}

/// How the evaluation was designed: the data it could see, the risk model behind the
/// risk-score covariate, and its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub data_start: NaiveDate,
    pub risk_model_development_date: String,
    pub options: EvaluationOptions,
}

/// The format of the evaluation this build writes and reads.
pub const EVALUATION_FORMAT: u32 = 1;

/// What evaluates, in the provenance.
pub const ENGINE: &str = "accord-evaluation (matched difference in differences)";

impl Artifact for Evaluation {
    const KIND: &'static str = "evaluation";
    const FORMAT: u32 = EVALUATION_FORMAT;
}

/// Who was evaluated and who was lost on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attrition {
    pub treated: TreatedAttrition,
    /// Control rows (person × index month) in the pool, and the people behind them.
    pub control_pool_rows: usize,
    pub control_pool_people: usize,
    pub matched_treated: usize,
    /// Treated people with no control within the caliper: the estimand is now the effect
    /// in the treated who could be matched.
    pub lost_to_caliper: usize,
    pub matched_controls: usize,
    /// The people behind the matched controls: a person may be a control in several index
    /// months (each month is its own trial), though once at most in each.
    #[serde(default)]
    pub matched_control_people: usize,
    /// Clusters of matched sets that share a person: the independent units of the
    /// cluster-robust errors and the pair bootstrap.
    #[serde(default)]
    pub clusters: usize,
    /// Matched controls discussed at an MDT within a year of their index date.
    #[serde(alias = "controls_censored_at_own_mdt")]
    pub controls_discussed_within_year: usize,
}

/// One bin of the propensity overlap histogram (logit scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlapBin {
    pub from: f64,
    pub to: f64,
    pub treated_before: usize,
    pub controls_before: usize,
    pub treated_after: usize,
    pub controls_after: f64,
}

/// The propensity model's diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropensityReport {
    pub model: Propensity,
    pub fitted_on_treated: usize,
    pub fitted_on_controls: usize,
    /// AUC of the score on the fitting rows (very high means poor overlap).
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub auc: f64,
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub auc_lower: f64,
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub auc_upper: f64,
    pub caliper_width: Option<f64>,
    /// The Mahalanobis metric used within the caliper, if any.
    #[serde(default)]
    pub mahalanobis: Option<MahalanobisReport>,
    /// Treated rows whose logit lies outside the controls' range in their stratum.
    pub treated_off_support: usize,
    pub overlap: Vec<OverlapBin>,
}

/// Balance in one network's matched sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkResult {
    pub network: String,
    pub treated: usize,
    pub matched: usize,
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub max_abs_smd: f64,
    pub covariates_over_threshold: usize,
    /// The SMD's standard error under perfect balance at this size: bigger than 0.1 means
    /// "every |SMD| < 0.1" fails by chance.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub smd_standard_error: f64,
    pub balance: Vec<BalanceRow>,
    pub outcomes: Vec<OutcomeResult>,
}

/// Deaths in the year after the index, by arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mortality {
    pub treated: usize,
    pub treated_deaths: usize,
    pub controls: f64,
    pub control_deaths: f64,
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub treated_percent: f64,
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub control_percent: f64,
}

/// Monthly rates per 1,000 person-years from -24 to +11 months, by arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlySeries {
    pub outcome: String,
    pub months: Vec<i32>,
    pub treated: Vec<Option<f64>>,
    pub controls: Vec<Option<f64>>,
}

/// A placebo run: the whole evaluation again with every index moved `months_earlier`
/// months before the first MDT, where nothing happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placebo {
    /// Results saved before there was a choice moved it 12 months.
    #[serde(default = "twelve_months")]
    pub months_earlier: u32,
    pub matched_treated: usize,
    pub outcomes: Vec<OutcomeResult>,
    pub note: Option<String>,
}

fn twelve_months() -> u32 {
    12
}

impl Placebo {
    /// Whether its year after ends before the year before the first MDT, in which people
    /// are picked for one. Even then its treated are people whose need was about to rise,
    /// which their controls were not, so it does not test the comparison alone (see
    /// docs/studies/evaluation-recovery.md, "Placebos further back").
    pub fn beyond_selection(&self) -> bool {
        self.months_earlier >= 24
    }
}

/// The placebo runs, read also from results saved when there was one (`placebo`: one run
/// or null).
fn placebos_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Placebo>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Saved {
        Runs(Vec<Placebo>),
        One(Option<Placebo>),
    }
    Ok(match Saved::deserialize(d)? {
        Saved::Runs(runs) => runs,
        Saved::One(one) => one.into_iter().collect(),
    })
}

/// How long a step took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub step: String,
    pub seconds: f64,
}

/// The evaluation's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub header: Header,
    pub design: Design,
    pub attrition: Attrition,
    pub propensity: PropensityReport,
    pub balance: Vec<BalanceRow>,
    pub outcomes: Vec<OutcomeResult>,
    pub networks: Vec<NetworkResult>,
    pub mortality: Mortality,
    pub monthly: Vec<MonthlySeries>,
    #[serde(default, alias = "placebo", deserialize_with = "placebos_of")]
    pub placebos: Vec<Placebo>,
    /// The censoring model, where controls are followed with weights.
    #[serde(default)]
    pub censoring: Option<CensoringReport>,
    pub warnings: Vec<String>,
    pub timings: Vec<Timing>,
}

/// The smallest number of matched treated people worth estimating from.
pub const MINIMUM_MATCHED: usize = 20;

struct Clock {
    started: Instant,
    timings: Vec<Timing>,
}

impl Clock {
    fn lap(&mut self, step: &str) {
        self.timings.push(Timing {
            step: step.into(),
            seconds: self.started.elapsed().as_secs_f64(),
        });
        self.started = Instant::now();
    }
}

/// One run's matched sample with everything measured on it.
struct Run {
    /// Shared by the further matchings of the same candidates.
    candidates: Arc<Candidates>,
    model: Propensity,
    /// The rows the propensity model was fitted on: every treated row, then the sampled
    /// control rows.
    propensity_rows: Vec<usize>,
    fitted_on_treated: usize,
    /// The Mahalanobis metric used within the caliper, if any.
    mahalanobis: Option<MahalanobisReport>,
    logits: Vec<f64>,
    matching: Matching,
    /// Per matched set: its rows (treated first) with their weights.
    sets: Vec<Vec<(usize, f64)>>,
    /// Outcomes of each row in `sets`, in the same order.
    windows: Vec<Vec<Windows>>,
    censoring: Option<CensoringReport>,
}

/// One run: the candidates with index dates moved by `shift_days`, then [`matched_run`].
/// Given the main run (for a placebo run), the covariates it measured are read from it and
/// the propensity fit starts from its coefficients: the same covariates of people much
/// like its own, so fewer iterations reach the same maximum.
fn run(
    histories: &Histories,
    risk: &RiskModel,
    options: &EvaluationOptions,
    shift_days: i32,
    main: Option<&Run>,
    clock: &mut Clock,
    prefix: &str,
) -> Result<Run, EvaluationError> {
    let measured = main.map(|m| m.candidates.as_ref());
    let candidates = candidates(histories, risk, shift_days, options.controls, measured);
    clock.lap(&format!("{prefix}candidates and covariates"));
    let attrition = &candidates.attrition;
    if attrition.discussed == 0 {
        return Err(EvaluationError::NoDiscussions);
    }
    if attrition.eligible == 0 {
        return Err(EvaluationError::NoEligible(attrition.clone()));
    }
    let rows = &candidates.rows;
    let controls = rows.iter().filter(|r| !r.treated).count();
    if controls < attrition.eligible {
        return Err(EvaluationError::TooFewControls {
            treated: attrition.eligible,
            pool: controls,
            matched: 0,
        });
    }
    matched_run(
        histories,
        risk,
        options,
        Arc::new(candidates),
        options.seed,
        main.map(|m| &m.model),
        clock,
        prefix,
    )
}

/// The propensity score, matching and outcomes of `candidates`, with the propensity model
/// fitted on every treated row and a sample of control rows drawn with `seed` (starting
/// from `near`'s coefficients where given: another matching's model of the same
/// candidates).
#[allow(clippy::too_many_arguments)]
fn matched_run(
    histories: &Histories,
    risk: &RiskModel,
    options: &EvaluationOptions,
    candidates: Arc<Candidates>,
    seed: u64,
    near: Option<&Propensity>,
    clock: &mut Clock,
    prefix: &str,
) -> Result<Run, EvaluationError> {
    let attrition = &candidates.attrition;
    let rows = &candidates.rows;
    let controls: Vec<usize> = (0..rows.len()).filter(|&r| !rows[r].treated).collect();
    // Fit on every treated row and a seeded sample of control rows.
    let mut fit_rows: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].treated).collect();
    let treated_rows = fit_rows.len();
    let mut sample = controls.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    sample.shuffle(&mut rng);
    sample.truncate(options.fit_controls.max(treated_rows));
    sample.sort_unstable();
    fit_rows.extend(&sample);
    let names: Vec<String> = candidates
        .covariates
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let treated_flags: Vec<bool> = fit_rows.iter().map(|&r| rows[r].treated).collect();
    let model = fit_propensity(
        &names,
        fit_rows.len(),
        &treated_flags,
        |r, c| candidates.value(fit_rows[r], c),
        near,
    )?;
    let logits: Vec<f64> = (0..rows.len())
        .into_par_iter()
        .map(|r| {
            let values = candidates.row_values(r);
            model.logit(|c| f64::from(values[c]))
        })
        .collect();
    clock.lap(&format!("{prefix}propensity score"));

    let units = units_of(histories, options, &candidates, &logits);
    let mahalanobis = if options.mahalanobis.is_empty() {
        None
    } else {
        let columns = options
            .mahalanobis
            .iter()
            .map(|name| {
                names.iter().position(|n| n == name).ok_or_else(|| {
                    EvaluationError::UnknownCovariate(name.clone(), names.join(", "))
                })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        let (fit_treated, fit_controls) = fit_rows.split_at(treated_rows);
        Some(Mahalanobis::pooled(
            &names,
            &columns,
            fit_treated,
            fit_controls,
            |r, c| candidates.value(r, c),
        ))
    };
    let values = &candidates;
    let metric = mahalanobis.as_ref().map(|(m, _)| {
        move |a: usize, b: usize| m.squared(|c| values.value(a, c), |c| values.value(b, c))
    });
    let matching = nearest_neighbour_by(
        &units,
        &options.matching,
        metric.as_ref().map(|f| f as &dyn Fn(usize, usize) -> f64),
    );
    clock.lap(&format!("{prefix}matching"));
    if matching.sets.len() < MINIMUM_MATCHED {
        return Err(EvaluationError::TooFewControls {
            treated: attrition.eligible,
            pool: controls.len(),
            matched: matching.sets.len(),
        });
    }
    let sets: Vec<Vec<(usize, f64)>> = matching
        .sets
        .iter()
        .map(|s| {
            let weight = 1.0 / s.controls.len() as f64;
            std::iter::once((s.treated, 1.0))
                .chain(s.controls.iter().map(|&c| (c, weight)))
                .collect()
        })
        .collect();
    // Matched controls with their index day, for the censoring model.
    let followed: Vec<(usize, i32)> = sets
        .iter()
        .flat_map(|set| {
            let index = rows[set[0].0].index_day;
            set[1..].iter().map(move |&(r, _)| (r, index))
        })
        .collect();
    let (weights, censoring) = match options.follow_up {
        ControlFollowUp::Weighted => {
            // The censoring model's rows: the matched controls, then those of a wider
            // matching that are not among them.
            let mut fitted = followed.clone();
            let wider_ratio = (options.censoring_fit_ratio > options.matching.ratio)
                .then_some(options.censoring_fit_ratio);
            if let Some(ratio) = wider_ratio {
                let wider = nearest_neighbour_by(
                    &units,
                    &MatchOptions {
                        ratio,
                        ..options.matching
                    },
                    metric.as_ref().map(|f| f as &dyn Fn(usize, usize) -> f64),
                );
                let matched: IntSet<usize> = followed.iter().map(|&(r, _)| r).collect();
                fitted.extend(wider.sets.iter().flat_map(|s| {
                    let index = rows[s.treated].index_day;
                    s.controls
                        .iter()
                        .filter(|c| !matched.contains(c))
                        .map(move |&c| (c, index))
                }));
            }
            let (weights, report) =
                censoring_weights(histories, risk, &candidates, &fitted, followed.len());
            (
                weights,
                Some(CensoringReport {
                    wider_ratio,
                    ..report
                }),
            )
        }
        _ => (Vec::new(), None),
    };
    let weight_of: IntMap<usize, &FollowUpWeights> = followed
        .iter()
        .zip(&weights)
        .map(|(&(r, _), w)| (r, w))
        .collect();
    let windows = matched_windows(
        histories,
        rows,
        &sets,
        options.follow_up,
        options.include_index_day,
        &weight_of,
        Some(&risk.scorer()),
    );
    clock.lap(&format!("{prefix}outcomes"));
    Ok(Run {
        candidates,
        model,
        propensity_rows: fit_rows,
        fitted_on_treated: treated_rows,
        mahalanobis: mahalanobis.map(|(_, report)| report),
        logits,
        matching,
        sets,
        windows,
        censoring,
    })
}

/// Each matched person's windows (`sets` of candidate rows), with controls discussed
/// later followed as `follow_up` says, their days and events weighted by `weight_of` (by
/// candidate row; 1 where absent), and the year before of a control cut short or weighted
/// counted as much as its year after was followed; with `scorer`, their risk scores on
/// the covariate day and on the last day of the year after, where followed to it.
fn matched_windows(
    histories: &Histories,
    rows: &[Row],
    sets: &[Vec<(usize, f64)>],
    follow_up: ControlFollowUp,
    include_index_day: bool,
    weight_of: &IntMap<usize, &FollowUpWeights>,
    scorer: Option<&Scorer<'_>>,
) -> Vec<Vec<Windows>> {
    let unweighted = FollowUpWeights::default();
    sets.par_iter()
        .map(|set| {
            let index = rows[set[0].0].index_day;
            set.iter()
                .map(|&(r, _)| {
                    let end = match (rows[r].later_mdt, follow_up) {
                        (None, _) | (Some(_), ControlFollowUp::IntentionToTreat) => {
                            histories.extract_day
                        }
                        (Some(d), ControlFollowUp::Weighted) => {
                            (month_start(d) - 1).min(histories.extract_day)
                        }
                        (Some(d), ControlFollowUp::Censored) => (d - 1).min(histories.extract_day),
                    };
                    let history = histories.history(rows[r].person as usize);
                    let span = (histories.data_start, end);
                    let weights = weight_of.get(&r).copied();
                    let mut w = windows(
                        &history,
                        index,
                        include_index_day,
                        span,
                        weights.unwrap_or(&unweighted),
                    );
                    // A control followed for less than its year (cut at a later MDT), or
                    // weighted for those who were, counts its year before as much as its
                    // year after was followed: the difference in differences then compares
                    // the same people before and after. Otherwise the controls kept after
                    // the index are compared against all controls before it, and the
                    // persistent need of those discussed later (more than the rest) passes
                    // for an effect where the censoring model does not see it.
                    if weights.is_some() || end < histories.extract_day {
                        let uncensored = days_after(
                            &history,
                            index,
                            include_index_day,
                            (histories.data_start, histories.extract_day),
                        );
                        if uncensored > 0.0 {
                            w.weigh_before(w.days[1] / uncensored);
                        }
                    }
                    if let Some(scorer) = scorer {
                        let score = |day: i32, practice: u32| {
                            scorer.score(&state_at(&history, day, practice), histories)
                        };
                        let before = score(month_start(index) - 1, rows[r].practice);
                        // The last day of the year after, as the windows bound it.
                        let last = index + if include_index_day { 364 } else { 365 };
                        let after = (last <= end && history.alive_on(last))
                            .then(|| history.practice_on(last))
                            .flatten()
                            .map(|practice| {
                                let weight = weights.map_or(1.0, |w| w.on(last));
                                (score(last, practice), weight)
                            });
                        w.set_risk_scores(before, after);
                    }
                    w
                })
                .collect()
        })
        .collect()
}

/// The networks an evaluation reports on, each as a small code (0 = none): first those of
/// the practices, in practice order, then any other that held an MDT discussion.
struct Networks {
    /// By code; code 0 is "none".
    names: Vec<String>,
    /// Per practice, its network's code.
    practice: Vec<u16>,
    /// Per person, the code of the network whose MDT discussed them first (0 where never
    /// discussed).
    first_discussed_by: Vec<u16>,
}

impl Networks {
    fn of<'h>(histories: &'h Histories) -> Networks {
        let mut codes: HashMap<&'h str, u16> = HashMap::new();
        let mut names = vec!["none".to_string()];
        let mut code = |name: &'h str| -> u16 {
            *codes.entry(name).or_insert_with(|| {
                names.push(name.to_string());
                (names.len() - 1) as u16
            })
        };
        let practice = histories
            .practices
            .iter()
            .map(|p| p.network.as_deref().map_or(0, &mut code))
            .collect();
        let discussed: Vec<u16> = histories.mdt_network_ids.iter().map(|n| code(n)).collect();
        let first_discussed_by = (0..histories.people.len())
            .map(|i| {
                let network = histories.history(i).mdt_networks.first().copied();
                network.map_or(0, |n| discussed[usize::from(n)])
            })
            .collect();
        Networks {
            names,
            practice,
            first_discussed_by,
        }
    }

    /// A candidate row's network: for the treated, the network whose MDT discussed them
    /// first (the one whose work is evaluated); for a control, their practice's on the
    /// covariate day (the one whose MDT would have discussed them).
    fn of_row(&self, row: &Row) -> u16 {
        if row.treated {
            self.first_discussed_by[row.person as usize]
        } else {
            self.practice[row.practice as usize]
        }
    }

    /// The network of matched set `s` of `run`: its treated person's.
    fn of_set(&self, run: &Run, s: usize) -> u16 {
        self.of_row(&run.candidates.rows[run.sets[s][0].0])
    }

    /// Each network's estimates in `run`'s matched sets ([`matching_estimates`], its pair
    /// bootstrap as the options say; empty for a network with too few sets to estimate), by
    /// code.
    fn estimates(&self, run: &Run, options: &EvaluationOptions) -> Vec<Vec<Option<(f64, f64)>>> {
        (0..self.names.len())
            .into_par_iter()
            .map(|n| {
                let (people, clusters, sets) =
                    members(run, |s| usize::from(self.of_set(run, s)) == n);
                if sets >= MINIMUM_MATCHED {
                    matching_estimates(&people, clusters, options.bootstrap, options.seed)
                } else {
                    Vec::new()
                }
            })
            .collect()
    }
}

/// The units matched on: each candidate row's logit, arm and exact-matching stratum (the
/// index month and the `--exact` fields).
fn units_of(
    histories: &Histories,
    options: &EvaluationOptions,
    candidates: &Candidates,
    logits: &[f64],
) -> Vec<Unit> {
    let networks = Networks::of(histories);
    let rows = &candidates.rows;
    let stratum = |r: usize| {
        let mut key = u64::from(rows[r].month);
        for field in &options.exact {
            key = key * 1024 + field.code(candidates, r, &networks);
        }
        key
    };
    (0..rows.len())
        .map(|r| Unit {
            distance: logits[r],
            treated: rows[r].treated,
            stratum: stratum(r),
        })
        .collect()
}

/// The propensity model's diagnostics, for the run that is reported (the other matchings
/// and the placebo run are not): the AUC on the rows it was fitted on, the treated outside
/// the controls' range and the overlap histogram.
fn propensity_report(
    histories: &Histories,
    options: &EvaluationOptions,
    run: &Run,
) -> Result<PropensityReport, EvaluationError> {
    let rows = &run.candidates.rows;
    let fit_scores: Vec<f64> = run.propensity_rows.iter().map(|&r| run.logits[r]).collect();
    let fit_outcomes: Vec<f64> = run
        .propensity_rows
        .iter()
        .map(|&r| f64::from(u8::from(rows[r].treated)))
        .collect();
    let auc = auc_delong(&fit_scores, &fit_outcomes)?;
    let units = units_of(histories, options, &run.candidates, &run.logits);
    Ok(PropensityReport {
        model: run.model.clone(),
        fitted_on_treated: run.fitted_on_treated,
        fitted_on_controls: run.propensity_rows.len() - run.fitted_on_treated,
        auc: auc.auc,
        auc_lower: auc.lower,
        auc_upper: auc.upper,
        caliper_width: run.matching.caliper_width,
        mahalanobis: run.mahalanobis.clone(),
        treated_off_support: off_support(&units),
        overlap: overlap(&units, &run.sets),
    })
}

fn off_support(units: &[Unit]) -> usize {
    let mut range: IntMap<u64, (f64, f64)> = IntMap::default();
    for u in units.iter().filter(|u| !u.treated) {
        let e = range.entry(u.stratum).or_insert((f64::MAX, f64::MIN));
        e.0 = e.0.min(u.distance);
        e.1 = e.1.max(u.distance);
    }
    units
        .iter()
        .filter(|u| u.treated)
        .filter(|u| {
            range
                .get(&u.stratum)
                .is_none_or(|&(lo, hi)| u.distance < lo || u.distance > hi)
        })
        .count()
}

fn overlap(units: &[Unit], sets: &[Vec<(usize, f64)>]) -> Vec<OverlapBin> {
    const BINS: usize = 24;
    let treated: Vec<f64> = units
        .iter()
        .filter(|u| u.treated)
        .map(|u| u.distance)
        .collect();
    let lo = treated.iter().copied().fold(f64::MAX, f64::min) - 2.0;
    let hi = treated.iter().copied().fold(f64::MIN, f64::max) + 0.5;
    if lo >= hi {
        return Vec::new();
    }
    let width = (hi - lo) / BINS as f64;
    let mut bins: Vec<OverlapBin> = (0..BINS)
        .map(|b| OverlapBin {
            from: lo + width * b as f64,
            to: lo + width * (b + 1) as f64,
            treated_before: 0,
            controls_before: 0,
            treated_after: 0,
            controls_after: 0.0,
        })
        .collect();
    let bin = |d: f64| ((d - lo) / width).floor().clamp(0.0, (BINS - 1) as f64) as usize;
    for u in units {
        let b = &mut bins[bin(u.distance)];
        if u.treated {
            b.treated_before += 1;
        } else {
            b.controls_before += 1;
        }
    }
    for set in sets {
        for &(r, w) in set {
            let b = &mut bins[bin(units[r].distance)];
            if units[r].treated {
                b.treated_after += 1;
            } else {
                b.controls_after += w;
            }
        }
    }
    bins
}

/// Balance of every covariate and the logit of the propensity score, overall and in each
/// network's matched sets (before matching: the treated its MDT discussed against the
/// controls registered in its practices), by network code.
fn balance(networks: &Networks, run: &Run) -> (Vec<BalanceRow>, Vec<Vec<BalanceRow>>) {
    let c = &run.candidates;
    let columns = c.covariates.len() + 1;
    let value = |r: usize, k: usize| {
        if k < c.covariates.len() {
            c.value(r, k)
        } else {
            run.logits[r]
        }
    };
    // accumulators[1 + network code][column]; slot 0 is everyone (code 0, no network, has
    // its own slot 1). The unmatched sample is read row by row (the values are stored so) in
    // chunks on all cores, the chunks then added in order; the matched sample is small.
    const CHUNK: usize = 65_536;
    let empty = || vec![vec![BalanceAccumulator::default(); columns]; networks.names.len() + 1];
    // Everyone's accumulators and those of the row's network, side by side.
    fn both(
        acc: &mut [Vec<BalanceAccumulator>],
        code: u16,
    ) -> impl Iterator<Item = (&mut BalanceAccumulator, &mut BalanceAccumulator)> {
        let (everyone, by_network) = acc.split_at_mut(1);
        everyone[0]
            .iter_mut()
            .zip(by_network[usize::from(code)].iter_mut())
    }
    let chunks: Vec<Vec<Vec<BalanceAccumulator>>> = c
        .rows
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(chunk, rows)| {
            let mut acc = empty();
            for (j, row) in rows.iter().enumerate() {
                let r = chunk * CHUNK + j;
                let values = c.row_values(r);
                for (k, (all, network)) in both(&mut acc, networks.of_row(row)).enumerate() {
                    let v = values.get(k).map_or(run.logits[r], |&v| f64::from(v));
                    all.add_before(v, row.treated);
                    network.add_before(v, row.treated);
                }
            }
            acc
        })
        .collect();
    let mut accumulators = empty();
    for chunk in chunks {
        for (sums, part) in accumulators.iter_mut().zip(chunk) {
            for (sum, value) in sums.iter_mut().zip(part) {
                sum.merge(&value);
            }
        }
    }
    for (s, set) in run.sets.iter().enumerate() {
        for &(r, w) in set {
            let treated = c.rows[r].treated;
            for (k, (all, network)) in both(&mut accumulators, networks.of_set(run, s)).enumerate()
            {
                let v = value(r, k);
                all.add_after(v, treated, w);
                network.add_after(v, treated, w);
            }
        }
    }
    let row = |k: usize, slot: usize| {
        let (name, label, threshold) = match c.covariates.get(k) {
            Some(cov) => (cov.name.as_str(), cov.label.as_str(), cov.threshold),
            None => ("propensity_logit", "propensity score (logit)", 0.1),
        };
        accumulators[slot][k].finish(name, label, threshold)
    };
    let overall = (0..columns).map(|k| row(k, 0)).collect();
    let per_network = (0..networks.names.len())
        .map(|code| (0..columns).map(|k| row(k, code + 1)).collect())
        .collect();
    (overall, per_network)
}

/// The cluster of each of the sets `kept`, numbered from 0 in order of first appearance,
/// and how many clusters there are. A person can be in several sets (a control in several
/// index months, as in a sequence of target trials, or a control before their own MDT), so
/// sets that share a person form one cluster (connected components): the clusters, not
/// the sets, are independent, and the sandwich and the pair bootstrap work on them.
fn clusters_of(run: &Run, kept: &[usize]) -> (Vec<usize>, usize) {
    let mut parent: Vec<usize> = (0..kept.len()).collect();
    let mut first_set_of: IntMap<u32, usize> = IntMap::default();
    for (k, &s) in kept.iter().enumerate() {
        for &(r, _) in &run.sets[s] {
            let person = run.candidates.rows[r].person;
            let other = *first_set_of.entry(person).or_insert(k);
            let (a, b) = (
                crate::matching::find(&mut parent, k),
                crate::matching::find(&mut parent, other),
            );
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut label: IntMap<usize, usize> = IntMap::default();
    let clusters = (0..kept.len())
        .map(|k| {
            let next = label.len();
            *label
                .entry(crate::matching::find(&mut parent, k))
                .or_insert(next)
        })
        .collect();
    (clusters, label.len())
}

/// The matched people of the sets `keep` picks, each with its cluster (`clusters_of`); the
/// number of clusters; and the number of sets.
fn members<'a>(run: &'a Run, keep: impl Fn(usize) -> bool) -> (Vec<Member<'a>>, usize, usize) {
    members_with(run, &run.windows, keep)
}

/// As [`members`], with each set's windows from `windows` (as `run.windows` is laid out).
fn members_with<'a>(
    run: &Run,
    windows: &'a [Vec<Windows>],
    keep: impl Fn(usize) -> bool,
) -> (Vec<Member<'a>>, usize, usize) {
    let kept: Vec<usize> = (0..run.sets.len()).filter(|&s| keep(s)).collect();
    let (cluster_of, clusters) = clusters_of(run, &kept);
    let mut members = Vec::new();
    for (&s, &cluster) in kept.iter().zip(&cluster_of) {
        for (&(r, w), windows) in run.sets[s].iter().zip(&windows[s]) {
            members.push(Member {
                cluster,
                treated: run.candidates.rows[r].treated,
                weight: w,
                windows,
            });
        }
    }
    (members, clusters, kept.len())
}

/// One matching's estimates and standard errors of each outcome ([`matching_estimates`]),
/// with controls discussed later followed as the options say and, where that is not
/// intention to treat, the counts' log ratios with those controls followed through their
/// year (empty otherwise).
struct MatchingEstimates {
    main: Vec<Option<(f64, f64)>>,
    intention_to_treat: Vec<Option<(f64, f64)>>,
}

/// The [`MatchingEstimates`] of one run's matched sets.
fn estimates_of_matching(
    histories: &Histories,
    run: &Run,
    options: &EvaluationOptions,
) -> MatchingEstimates {
    let (people, clusters, _) = members(run, |_| true);
    let intention_to_treat = if options.follow_up == ControlFollowUp::IntentionToTreat {
        Vec::new()
    } else {
        // With no effect a weighted estimate agrees with this one in expectation, so the
        // gap shows what the weights (or plain censoring) did.
        let through_the_year = matched_windows(
            histories,
            &run.candidates.rows,
            &run.sets,
            ControlFollowUp::IntentionToTreat,
            options.include_index_day,
            &IntMap::default(),
            None,
        );
        let (people, _, _) = members_with(run, &through_the_year, |_| true);
        poisson_log_ratios(&people)
    };
    MatchingEstimates {
        main: matching_estimates(&people, clusters, options.bootstrap, options.seed),
        intention_to_treat,
    }
}

impl MatchingEstimates {
    /// Outcome `o`'s estimate and standard error, followed as the options say or (counts
    /// only) through the year.
    fn of(&self, o: usize, intention_to_treat: bool) -> Option<(f64, f64)> {
        let ratios = if intention_to_treat {
            &self.intention_to_treat
        } else {
            &self.main
        };
        ratios.get(o).copied().flatten()
    }
}

/// Each outcome's estimate averaged over `matchings` matchings, its interval by Rubin's
/// rules, where every matching has one: `main(m, o)` is matching m's estimate and standard
/// error of outcome o ([`matching_estimates`]), followed as the options say, and
/// `intention_to_treat(m, o)` a count's through the year. An outcome some matching could
/// not estimate keeps the first matching's; a cost's total is for `treated_people`.
fn average_over_matchings(
    outcomes: &mut [OutcomeResult],
    matchings: usize,
    treated_people: usize,
    main: impl Fn(usize, usize) -> Option<(f64, f64)>,
    intention_to_treat: impl Fn(usize, usize) -> Option<(f64, f64)>,
) {
    for (o, outcome) in outcomes.iter_mut().enumerate() {
        let over = |ratio: &dyn Fn(usize, usize) -> Option<(f64, f64)>| -> Vec<(f64, f64)> {
            (0..matchings).filter_map(|m| ratio(m, o)).collect()
        };
        let main_ratios = over(&main);
        if main_ratios.len() == matchings {
            outcome.average_over_matchings(
                &main_ratios,
                &over(&intention_to_treat),
                treated_people,
            );
        }
    }
}

/// How many different people `people` names.
fn distinct(people: impl Iterator<Item = u32>) -> usize {
    let mut people: Vec<u32> = people.collect();
    people.sort_unstable();
    people.dedup();
    people.len()
}

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

fn mortality(members: &[Member<'_>]) -> Mortality {
    let (mut t, mut td, mut c, mut cd) = (0usize, 0usize, 0.0, 0.0);
    for m in members {
        if m.treated {
            t += 1;
            td += usize::from(m.windows.death_within_year > 0.0);
        } else {
            c += m.weight;
            cd += m.weight * m.windows.death_within_year;
        }
    }
    Mortality {
        treated: t,
        treated_deaths: td,
        controls: c,
        control_deaths: cd,
        treated_percent: 100.0 * td as f64 / t.max(1) as f64,
        control_percent: if c > 0.0 { 100.0 * cd / c } else { 0.0 },
    }
}

fn monthly(members: &[Member<'_>]) -> Vec<MonthlySeries> {
    let months = members.first().map_or(0, |m| m.windows.monthly_days.len());
    MONTHLY
        .iter()
        .enumerate()
        .map(|(slot, &o)| {
            let mut sums = vec![[0.0f64; 4]; months]; // treated events, days, control events, days
            for m in members {
                let base = if m.treated { 0 } else { 2 };
                for (k, s) in sums.iter_mut().enumerate() {
                    s[base] += m.weight * m.windows.monthly_events[k][slot];
                    s[base + 1] += m.weight * m.windows.monthly_days[k];
                }
            }
            let rate = |e: f64, d: f64| (d > 0.0).then(|| e / d * 365.25 * 1000.0);
            MonthlySeries {
                outcome: OUTCOMES[o].name.to_string(),
                months: (0..months as i32).map(|k| k - MONTHS_BEFORE).collect(),
                treated: sums.iter().map(|s| rate(s[0], s[1])).collect(),
                controls: sums.iter().map(|s| rate(s[2], s[3])).collect(),
            }
        })
        .collect()
}

/// What the way controls discussed later are followed does to the estimate, where enough
/// of them are.
fn follow_up_warning(
    follow_up: ControlFollowUp,
    matchings: usize,
    attrition: &Attrition,
    censoring: Option<&CensoringReport>,
) -> Option<String> {
    let later = attrition.controls_discussed_within_year;
    let share = 100.0 * later as f64 / attrition.matched_controls.max(1) as f64;
    if share < 5.0 {
        return None;
    }
    let who = format!(
        "{later} of {} matched controls ({share:.0}%) were discussed at an MDT within their year \
         of follow-up",
        attrition.matched_controls
    );
    Some(match follow_up {
        ControlFollowUp::IntentionToTreat => format!(
            "{who}; followed as controls (intention to treat), they share any effect of the MDT, \
             so the estimate is drawn towards no effect (the default, --control-follow-up \
             weighted, estimates the effect of an MDT against none)"
        ),
        ControlFollowUp::Censored => format!(
            "{who}; followed only until then, the controls left are those whose use fell, so \
             the estimate is biased towards harm"
        ),
        ControlFollowUp::Weighted => {
            let c = censoring.cloned().unwrap_or_default();
            format!(
                "{who}; followed until then with inverse probability of censoring weights (mean \
                 {:.2}, largest {:.1}, {} control-months capped at {}): large weights mean \
                 people like them are nearly always discussed, and the estimate leans on few \
                 controls. The intention-to-treat column follows them through their year \
                 without weights: drawn towards no effect where the MDT works, but free of the \
                 weights, so a change seen there too does not rest on them. {}",
                c.mean_weight,
                c.max_weight,
                c.capped,
                crate::censoring::WEIGHT_CAP,
                if matchings > 1 {
                    "Its interval carries the variance between matchings, without which a single \
                     matching's weighted interval is too narrow: on twenty synthetic boroughs with \
                     no effect a single matching's weighted ratio varied from borough to borough \
                     1.4 to 1.7 times as much as its interval allowed, and averaged over three \
                     matchings its interval held 1 in every borough (docs/evaluation.md, \"Is the \
                     weighted interval wide enough?\")"
                } else {
                    "With one matching (--matchings 1) the weighted interval is too narrow: on \
                     twenty synthetic boroughs with no effect the weighted ratio varied from \
                     borough to borough 1.4 to 1.7 times as much as its interval allowed \
                     (docs/studies/evaluation-recovery.md, \"Is the weighted interval wide enough?\")"
                }
            )
        }
    })
}

/// Negative controls must be count outcomes of the evaluation: their ratio is what is read.
fn check_negative_controls(names: &[String]) -> Result<(), EvaluationError> {
    let counts = || OUTCOMES.iter().filter(|o| o.kind == Kind::Count);
    match names
        .iter()
        .find(|n| !counts().any(|o| o.name == n.as_str()))
    {
        Some(name) => Err(EvaluationError::NotACountOutcome(
            name.clone(),
            counts().map(|o| o.name).collect::<Vec<_>>().join(", "),
        )),
        None => Ok(()),
    }
}

/// A negative control whose 95% CI leaves out 1: the comparison finds a change the MDT
/// cannot have made, so it is biased for that outcome and may be for the others. Said first.
fn negative_control_warnings(names: &[String], outcomes: &[OutcomeResult]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| names.contains(&o.name))
        .filter_map(|o| {
            let r = o.effect_ratio?;
            let (lower, upper) = (r.lower?, r.upper?);
            (!r.covers(1.0)).then(|| {
                format!(
                    "{}: named as an outcome the MDT cannot change (a negative control), yet \
                     its ratio of rate ratios is {:.2} ({lower:.2} to {upper:.2}), not 1. The \
                     comparison is biased for it and may be for the outcomes the MDT is meant \
                     to change: do not quote them without this caveat",
                    o.label, r.estimate
                )
            })
        })
        .collect()
}

/// A placebo ratio whose 95% CI leaves out 1: with every index moved before the person's
/// first MDT, the comparison still finds a change. Part of it is by design: the placebo's
/// treated are picked for an MDT later, on need that rose after its index (within the year
/// before the first MDT, rising use; further back, slower change), and part can be bias the
/// main estimate shares; a placebo cannot tell the two apart. Said first, so that nobody
/// quotes the estimate without it.
fn placebo_warnings(placebos: &[Placebo]) -> Vec<String> {
    placebos
        .iter()
        .flat_map(|p| p.outcomes.iter().map(move |o| (p, o)))
        .filter_map(|(p, o)| {
            let r = o.effect_ratio?;
            let (lower, upper) = (r.lower?, r.upper?);
            let why = if p.beyond_selection() {
                "Its year after ends before the year in which people are picked for an MDT, \
                 but its treated are still people whose need was about to rise and their \
                 controls people who were not picked, so part of this is selection on a \
                 slower course (on synthetic boroughs with no effect, where the matched \
                 comparison holds, placebos 24 to 48 months back miss 1 too); the rest is \
                 bias the matched estimate may share: do not quote it without this caveat"
            } else {
                "Its year after overlaps the year before a first MDT, when people are picked \
                 for one, so part of this is selection on rising use; the rest is bias the \
                 matched estimate may share: do not quote it without this caveat"
            };
            (!r.covers(1.0)).then(|| {
                format!(
                    "{}: the placebo run (every index {} months before the first MDT) gives \
                     {:.2} ({lower:.2} to {upper:.2}), not 1. {why}",
                    o.label, p.months_earlier, r.estimate
                )
            })
        })
        .collect()
}

fn warnings_of(
    attrition: &Attrition,
    balance: &[BalanceRow],
    networks: &[NetworkResult],
    mortality: &Mortality,
    outcomes: &[OutcomeResult],
) -> Vec<String> {
    let mut warnings = Vec::new();
    if attrition.lost_to_caliper > 0 {
        warnings.push(format!(
            "{} of {} treated people had no control within the caliper and are left out: the \
             estimate is for the treated who could be matched",
            attrition.lost_to_caliper, attrition.treated.eligible
        ));
    }
    let unbalanced: Vec<&str> = balance
        .iter()
        .filter(|b| !b.balanced)
        .map(|b| b.name.as_str())
        .collect();
    if !unbalanced.is_empty() {
        warnings.push(format!(
            "not balanced after matching (|SMD| over its threshold or variance ratio outside 0.5-2): {}",
            unbalanced.join(", ")
        ));
    }
    for n in networks.iter().filter(|n| n.smd_standard_error > 0.1) {
        warnings.push(format!(
            "network {}: {} matched sets, so an SMD's standard error under perfect balance is {:.2}; \
             |SMD| over 0.1 there can be chance",
            n.network, n.matched, n.smd_standard_error
        ));
    }
    if (mortality.treated_percent - mortality.control_percent).abs() > 2.0 {
        warnings.push(format!(
            "deaths in the year after the index differ by arm ({:.1}% treated, {:.1}% controls): \
             a gap suggests confounding the matching did not remove",
            mortality.treated_percent, mortality.control_percent
        ));
    }
    for o in outcomes {
        if let (Some(effect), Some(naive)) = (o.effect_ratio, Some(o.naive_ratio.estimate))
            && naive < effect.estimate * 0.9
        {
            warnings.push(format!(
                "{}: the naive before/after ({:.2}) shows a much larger fall than the matched \
                 estimate ({:.2}); quote the matched estimate",
                o.label, naive, effect.estimate
            ));
        }
    }
    warnings
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
