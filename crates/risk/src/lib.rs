//! The statistics of risk prediction, as docs/methods.md specifies them: unpenalised logistic
//! regression fitted by iteratively reweighted least squares (matching statsmodels' `Logit`
//! and scikit-learn's `LogisticRegression(penalty=None)`), and the measures a model card
//! reports: AUC with a DeLong confidence interval (as pROC computes it), average precision,
//! Brier and scaled Brier scores, calibration-in-the-large and slope, observed against
//! expected by decile, and the yield of flagging the top fraction of a list.
//!
//! Those statistics (`logistic`, `metrics`, `split`) take plain numbers. On them stands the
//! emergency-admission risk model over person histories: `features` and `model` build,
//! validate and describe it, `casefind` draws MDT case lists from it, and `card` renders
//! its card for people.

pub mod card;
pub mod casefind;
pub mod features;
pub mod logistic;
pub mod metrics;
pub mod model;
pub mod split;

pub use casefind::{CaseFinding, CaseList, Scope, Top, find_cases};
pub use model::{ModelCard, RiskModel, Scorer, TrainOptions, TrainTimings, Trained, train};

pub use logistic::{Design, LogisticFit, fit_logistic, fit_logistic_from};
pub use metrics::{
    Auc, Calibration, DecileRow, Performance, TopFraction, auc_delong, average_precision, brier,
    calibration, deciles, evaluate, top_fraction,
};
pub use split::stratified_split;

/// Why the risk model could not be fitted, read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum RiskModelError {
    #[error(transparent)]
    Cohort(#[from] accord_cohort::CohortError),
    #[error("{0}")]
    Dates(String),
    #[error("fitting the risk model: {0}")]
    Fit(#[from] RiskError),
    #[error("{path}: {message}")]
    ModelFile { path: String, message: String },
    #[error("no {0} in the dataset (known: {1})")]
    UnknownScope(String, String),
    #[error(transparent)]
    Write(Box<accord_dataset::DatasetError>),
    #[error(transparent)]
    Artifact(#[from] accord_dataset::artifact::ArtifactError),
}

impl From<accord_dataset::DatasetError> for RiskModelError {
    fn from(error: accord_dataset::DatasetError) -> RiskModelError {
        RiskModelError::Write(Box::new(error))
    }
}

/// Why a statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    #[error("no rows to fit or evaluate")]
    Empty,
    #[error("{what}: {rows} rows but {expected} expected")]
    Length {
        what: &'static str,
        rows: usize,
        expected: usize,
    },
    #[error("outcome must be 0 or 1, found {value} in row {row}")]
    Outcome { row: usize, value: f64 },
    #[error("the outcome has only one value ({value}): a model needs both events and non-events")]
    OneClass { value: u8 },
    #[error(
        "column {column} ({name}) is a linear combination of the others (the information matrix is singular)"
    )]
    Singular { column: usize, name: String },
    #[error(
        "the fit did not converge in {iterations} iterations (largest coefficient change {change:.3e}); a predictor may separate the outcome perfectly"
    )]
    NotConverged { iterations: usize, change: f64 },
    #[error("a score is not finite in row {row}")]
    NotFinite { row: usize },
}

pub type Result<T> = std::result::Result<T, RiskError>;

/// Checks that outcomes are 0/1 and returns the number of events.
pub(crate) fn count_events(outcomes: &[f64]) -> Result<usize> {
    let mut events = 0;
    for (row, &value) in outcomes.iter().enumerate() {
        if value == 1.0 {
            events += 1;
        } else if value != 0.0 {
            return Err(RiskError::Outcome { row, value });
        }
    }
    Ok(events)
}
