//! What can go wrong in a workspace's steps: each library's own error, kept typed so that
//! the binary can word it in terms of its flags.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Dataset(#[from] accord_dataset::DatasetError),
    #[error(transparent)]
    Cohort(#[from] accord_cohort::CohortError),
    #[error(transparent)]
    Segment(#[from] accord_cohort::segment::SegmentError),
    #[error(transparent)]
    Engine(#[from] accord_engine::EngineError),
    #[error(transparent)]
    Framework(#[from] accord_framework::FrameworkError),
    #[error(transparent)]
    Contracts(#[from] accord_contracts::ContractsError),
    #[error(transparent)]
    Money(#[from] accord_money::MoneyError),
    #[error(transparent)]
    Evaluation(#[from] accord_evaluation::EvaluationError),
    #[error(transparent)]
    Mdt(#[from] accord_mdt::MdtError),
    #[error(transparent)]
    Snapshot(#[from] accord_snapshot::SnapshotError),
    #[error("{path}: writing JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("starting the database runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the {table} table's {column} is not a text column")]
    NotText {
        table: &'static str,
        column: &'static str,
    },
    #[error("{0}")]
    Data(String),
    #[error("{file}: a segment model {id:?} is built in already: give yours another id")]
    SegmentModelTwice { file: String, id: String },
}
