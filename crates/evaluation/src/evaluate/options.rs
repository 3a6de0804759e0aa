//! The evaluation's options: the control pool, the matching, the follow-up of controls
//! discussed later, the checks, and their defaults.

use super::*;

/// Fields matched exactly, besides the index month (always exact: risk-set sampling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExactField {
    /// Sex.
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
    pub(super) fn code(self, c: &Candidates, r: usize, networks: &Networks) -> u64 {
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
    /// Controls per treated and the caliper.
    pub matching: MatchOptions,
    /// Fields matched exactly.
    pub exact: Vec<ExactField>,
    /// Covariates (by name) on which, among the controls within the caliper, the closest
    /// by Mahalanobis distance is taken; empty: the closest on the propensity score.
    #[serde(default)]
    pub mahalanobis: Vec<String>,
    /// Which people may be controls.
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
    /// The seed of sampling, matching and the bootstrap.
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
