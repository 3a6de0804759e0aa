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

#![warn(missing_docs)]

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
    /// The population could not be read.
    #[error(transparent)]
    Cohort(#[from] accord_cohort::CohortError),
    /// The dates asked for do not fit the data.
    #[error("{0}")]
    Dates(String),
    /// The model could not be fitted.
    #[error("fitting the risk model: {0}")]
    Fit(#[from] RiskError),
    /// A model folder or file is wrong.
    #[error("{path}: {message}")]
    ModelFile {
        /// The file or folder.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No network or practice of that code (the kind, and the codes known).
    #[error("no {0} in the dataset (known: {1})")]
    UnknownScope(String, String),
    /// A model folder could not be written.
    #[error(transparent)]
    Write(Box<accord_dataset::DatasetError>),
    /// A model file's envelope is missing or of an unknown version.
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
    /// No rows.
    #[error("no rows to fit or evaluate")]
    Empty,
    /// Inputs of different lengths.
    #[error("{what}: {rows} rows but {expected} expected")]
    Length {
        /// What it is about.
        what: &'static str,
        /// How many rows there were.
        rows: usize,
        /// What was expected.
        expected: usize,
    },
    /// An outcome that is neither 0 nor 1.
    #[error("outcome must be 0 or 1, found {value} in row {row}")]
    Outcome {
        /// The row, from 1.
        row: usize,
        /// The value given.
        value: f64,
    },
    /// Only events or only non-events.
    #[error("the outcome has only one value ({value}): a model needs both events and non-events")]
    OneClass {
        /// The value given.
        value: u8,
    },
    #[error(
        "column {column} ({name}) is a linear combination of the others (the information matrix is singular)"
    )]
    /// A column that the others determine.
    Singular {
        /// The column.
        column: usize,
        /// The name.
        name: String,
    },
    #[error(
        "the fit did not converge in {iterations} iterations (largest coefficient change {change:.3e}); a predictor may separate the outcome perfectly"
    )]
    /// The fit did not converge.
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// The largest change in a coefficient at the last iteration.
        change: f64,
    },
    /// A score that is infinite or not a number.
    #[error("a score is not finite in row {row}")]
    NotFinite {
        /// The row, from 1.
        row: usize,
    },
}

/// The statistics' result.
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
