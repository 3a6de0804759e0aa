//! What an evaluation finds, as it is written and read: the [`Evaluation`] artifact and
//! the parts it holds.

use super::*;

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
