//! What can go wrong in a workspace's steps: each library's own error, kept typed so that
//! the binary can word it in terms of its flags.

use std::path::PathBuf;

/// Why a step of a workspace failed: the library's own error where one failed, kept whole.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The dataset could not be opened or read, or an output not written.
    #[error(transparent)]
    Dataset(#[from] accord_dataset::DatasetError),
    /// Person histories or the risk model.
    #[error(transparent)]
    Cohort(#[from] accord_cohort::CohortError),
    /// The risk model: fitted, read, written or used.
    #[error(transparent)]
    RiskModel(#[from] accord_risk::RiskModelError),
    /// A segment model file.
    #[error(transparent)]
    Segment(#[from] accord_cohort::segment::SegmentError),
    /// The refresh.
    #[error(transparent)]
    Engine(#[from] accord_engine::EngineError),
    /// A framework definition.
    #[error(transparent)]
    Framework(#[from] accord_framework::FrameworkError),
    /// A contract register, unit costs or a plan.
    #[error(transparent)]
    Contracts(#[from] accord_contracts::ContractsError),
    /// Spend and budgets.
    #[error(transparent)]
    Money(#[from] accord_money::MoneyError),
    /// The evaluation.
    #[error(transparent)]
    Evaluation(#[from] accord_evaluation::EvaluationError),
    /// The MDT workflow's database.
    #[error(transparent)]
    Mdt(#[from] accord_mdt::MdtError),
    /// The results snapshot.
    #[error(transparent)]
    Snapshot(#[from] accord_snapshot::SnapshotError),
    /// An artifact could not be serialised.
    #[error("{path}: writing JSON: {source}")]
    Json {
        /// Where it was to be written.
        path: PathBuf,
        /// Why not.
        source: serde_json::Error,
    },
    /// The runtime for the database's calls could not start.
    #[error("starting the database runtime: {0}")]
    Runtime(std::io::Error),
    /// A column that should hold text does not.
    #[error("the {table} table's {column} is not a text column")]
    NotText {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// The data do not allow the step (no whole financial year, a day that is no date).
    #[error("{0}")]
    Data(String),
    /// A segment model file reuses a built-in model's id.
    #[error("{file}: a segment model {id:?} is built in already: give yours another id")]
    SegmentModelTwice {
        /// The file.
        file: String,
        /// The id it reuses.
        id: String,
    },
}
