//! People at a date: the layer between the dataset and every person-level analysis.
//! `history` loads each person's records once; `at` works out what holds on a date;
//! `frailty` is the eFI-style index; `segment` evaluates declarative segmentation models and
//! `report` summarises them year on year; `features` and `model` build, validate and
//! describe the emergency-admission risk model; `casefind` draws MDT case lists from it;
//! `card` renders the model card for people.

pub mod at;
pub mod card;
pub mod casefind;
pub mod features;
pub mod frailty;
pub mod history;
pub mod model;
pub mod report;
pub mod segment;

pub use at::{PersonAt, Population, population_on};
pub use casefind::{CaseFinding, CaseList, Scope, Top, find_cases};
pub use history::Histories;
pub use model::{ModelCard, RiskModel, Scorer, TrainOptions, TrainTimings, Trained, train};
pub use report::{SegmentReport, segment_report};
pub use segment::{SegmentError, SegmentModel};

/// Why person-level work could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("reading table {table}: {source}")]
    Dataset {
        table: &'static str,
        source: Box<accord_dataset::DatasetError>,
    },
    #[error("column {0} is missing or has the wrong type")]
    Column(&'static str),
    #[error("{table} refers to person {id}, who is not in the person table")]
    UnknownPerson { table: &'static str, id: u64 },
    #[error("registration refers to practice {0}, which is not in the practice table")]
    UnknownPractice(String),
    #[error("activity refers to provider {0}, which is not in the provider table")]
    UnknownProvider(String),
    #[error(transparent)]
    Code(accord_model::UnknownCode),
    #[error("{0}")]
    Dates(String),
    #[error("fitting the risk model: {0}")]
    Risk(#[from] accord_risk::RiskError),
    #[error("{path}: {message}")]
    ModelFile { path: String, message: String },
    #[error("no {0} in the dataset (known: {1})")]
    UnknownScope(String, String),
    #[error(transparent)]
    Write(Box<accord_dataset::DatasetError>),
    #[error(transparent)]
    Artifact(#[from] accord_dataset::artifact::ArtifactError),
}

impl From<accord_dataset::DatasetError> for CohortError {
    fn from(error: accord_dataset::DatasetError) -> CohortError {
        CohortError::Write(Box::new(error))
    }
}
