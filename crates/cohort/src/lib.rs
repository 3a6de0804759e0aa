//! People at a date: the layer between the dataset and every person-level analysis.
//! `history` loads each person's records once; `at` works out what holds on a date;
//! `frailty` is the eFI-style index; `segment` evaluates declarative segmentation models and
//! `report` summarises them year on year. The risk model built on them is in accord-risk.

#![warn(missing_docs)]

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
    /// A table could not be read.
    #[error("reading table {table}: {source}")]
    Dataset {
        /// The table.
        table: &'static str,
        /// The underlying error.
        source: Box<accord_dataset::DatasetError>,
    },
    /// A column is missing or of the wrong type.
    #[error("column {0} is missing or has the wrong type")]
    Column(&'static str),
    /// A row names a person the person table does not have.
    #[error("{table} refers to person {id}, who is not in the person table")]
    UnknownPerson {
        /// The table.
        table: &'static str,
        /// The id.
        id: u64,
    },
    /// A registration names a practice the practice table does not have.
    #[error("registration refers to practice {0}, which is not in the practice table")]
    UnknownPractice(String),
    /// An activity row names a provider the provider table does not have.
    #[error("activity refers to provider {0}, which is not in the provider table")]
    UnknownProvider(String),
    /// A code outside its vocabulary.
    #[error(transparent)]
    Code(accord_model::UnknownCode),
}
