//! People at a date: the layer between the dataset and every person-level analysis.
//! `history` loads each person's records once; `at` works out what holds on a date;
//! `frailty` is the eFI-style index; `segment` evaluates declarative segmentation models and
//! `report` summarises them year on year. The risk model built on them is in accord-risk.

pub mod at;
pub mod frailty;
pub mod history;
pub mod report;
pub mod segment;

pub use at::{PersonAt, Population, population_on};
pub use history::Histories;
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
}
