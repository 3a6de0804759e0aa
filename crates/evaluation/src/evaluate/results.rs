//! What an evaluation finds, as it is written and read: the [`Evaluation`] artifact and
//! the parts it holds.

use super::*;

/// How the evaluation was designed: the data it could see, the risk model behind the
/// risk-score covariate, and its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// The first day of data.
    pub data_start: NaiveDate,
    /// The development date of the risk model whose score is a covariate.
    pub risk_model_development_date: String,
    /// The options it ran with.
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
    /// Treated people discussed, and why each was or was not eligible.
    pub treated: TreatedAttrition,
    /// Control rows (person × index month) in the pool, and the people behind them.
    pub control_pool_rows: usize,
    /// The people behind the control rows.
    pub control_pool_people: usize,
    /// Treated people matched.
    pub matched_treated: usize,
    /// Treated people with no control within the caliper: the estimand is now the effect
    /// in the treated who could be matched.
    pub lost_to_caliper: usize,
    /// Matched control rows.
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
    /// The bin's lower edge.
    pub from: f64,
    /// The bin's upper edge.
    pub to: f64,
    /// Treated before matching.
    pub treated_before: usize,
    /// Controls before matching.
    pub controls_before: usize,
    /// Treated after matching.
    pub treated_after: usize,
    /// Controls after matching (weighted).
    pub controls_after: f64,
}

/// The propensity model's diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropensityReport {
    /// The fitted model.
    pub model: Propensity,
    /// Treated rows it was fitted on.
    pub fitted_on_treated: usize,
    /// Control rows it was fitted on.
    pub fitted_on_controls: usize,
    /// AUC of the score on the fitting rows (very high means poor overlap).
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub auc: f64,
    /// The AUC's 95% interval, lower end.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub auc_lower: f64,
    /// The AUC's 95% interval, upper end.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub auc_upper: f64,
    /// The caliper on the logit scale, if any.
    pub caliper_width: Option<f64>,
    /// The Mahalanobis metric used within the caliper, if any.
    #[serde(default)]
    pub mahalanobis: Option<MahalanobisReport>,
    /// Treated rows whose logit lies outside the controls' range in their stratum.
    pub treated_off_support: usize,
    /// The overlap histogram.
    pub overlap: Vec<OverlapBin>,
}

/// Balance in one network's matched sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkResult {
    /// The network's code.
    pub network: String,
    /// Treated people it discussed.
    pub treated: usize,
    /// Of them, people matched.
    pub matched: usize,
    /// The largest absolute SMD after matching.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub max_abs_smd: f64,
    /// Covariates over their balance threshold.
    pub covariates_over_threshold: usize,
    /// The SMD's standard error under perfect balance at this size: bigger than 0.1 means
    /// "every |SMD| < 0.1" fails by chance.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub smd_standard_error: f64,
    /// Balance in its matched sets.
    pub balance: Vec<BalanceRow>,
    /// Its outcomes' estimates.
    pub outcomes: Vec<OutcomeResult>,
}

/// Deaths in the year after the index, by arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mortality {
    /// Treated people.
    pub treated: usize,
    /// Of them, people who died.
    pub treated_deaths: usize,
    /// Controls (weighted).
    pub controls: f64,
    /// Of them, deaths (weighted).
    pub control_deaths: f64,
    /// The treated's deaths, in per cent.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub treated_percent: f64,
    /// The controls' deaths, in per cent.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub control_percent: f64,
}

/// Monthly rates per 1,000 person-years from -24 to +11 months, by arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlySeries {
    /// The outcome's name.
    pub outcome: String,
    /// Months from the index, -24 to 11.
    pub months: Vec<i32>,
    /// The treated's rate each month.
    pub treated: Vec<Option<f64>>,
    /// The controls' rate each month.
    pub controls: Vec<Option<f64>>,
}

/// A placebo run: the whole evaluation again with every index moved `months_earlier`
/// months before the first MDT, where nothing happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placebo {
    /// Results saved before there was a choice moved it 12 months.
    #[serde(default = "twelve_months")]
    pub months_earlier: u32,
    /// Treated people matched.
    pub matched_treated: usize,
    /// Its outcomes' estimates.
    pub outcomes: Vec<OutcomeResult>,
    /// Why it has no estimate, or anything else a reader must know.
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
pub(super) fn placebos_of<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<Placebo>, D::Error> {
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
    /// The step.
    pub step: String,
    /// Seconds it took.
    pub seconds: f64,
}

/// The evaluation's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The envelope: format and provenance.
    pub header: Header,
    /// How it was designed.
    pub design: Design,
    /// Who was evaluated and who was lost.
    pub attrition: Attrition,
    /// The propensity model's diagnostics.
    pub propensity: PropensityReport,
    /// Balance before and after matching.
    pub balance: Vec<BalanceRow>,
    /// Each outcome's estimates.
    pub outcomes: Vec<OutcomeResult>,
    /// Each network's balance and estimates.
    pub networks: Vec<NetworkResult>,
    /// Deaths in the year after, by arm.
    pub mortality: Mortality,
    /// Monthly rates around the index, by arm.
    pub monthly: Vec<MonthlySeries>,
    /// The placebo runs.
    #[serde(default, alias = "placebo", deserialize_with = "placebos_of")]
    pub placebos: Vec<Placebo>,
    /// The censoring model, where controls are followed with weights.
    #[serde(default)]
    pub censoring: Option<CensoringReport>,
    /// What makes the results doubtful.
    pub warnings: Vec<String>,
    /// How long each step took.
    pub timings: Vec<Timing>,
}
