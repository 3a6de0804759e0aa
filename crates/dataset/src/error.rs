//! Everything that can be wrong with a dataset folder, each failure naming the file and,
//! where there is one, the row, the column and the offending value.

use std::path::PathBuf;

/// A dataset failure: what is wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: no dataset.toml here: the folder is not a sealed dataset")]
    ManifestMissing { path: PathBuf },

    #[error("{path}: line {line}: {message}")]
    ManifestInvalid {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error(
        "{path}: changed after Accord wrote it (content_sha256 does not match its content): seal the folder again, or regenerate it"
    )]
    ManifestEdited { path: PathBuf },

    #[error(
        "{path}: no content_sha256 (written by an earlier version of Accord): seal the folder again, or regenerate it"
    )]
    ManifestUnsealed { path: PathBuf },

    #[error(
        "{path}: schema version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedSchemaVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("{dir}: required table `{table}` is missing (no `{table}/` folder with Parquet files)")]
    MissingTable { dir: PathBuf, table: &'static str },

    #[error("{path}: not a table of the canonical dataset (tables: {known})")]
    UnknownTable { path: PathBuf, known: String },

    #[error("{path}: listed in dataset.toml but not found")]
    MissingFile { path: PathBuf },

    #[error("{path}: a Parquet file not listed in dataset.toml (reseal the dataset to include it)")]
    UnlistedFile { path: PathBuf },

    #[error("{path}: {actual} bytes, but dataset.toml says {expected} (truncated or replaced)")]
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    #[error(
        "{path}: SHA-256 {actual} does not match dataset.toml ({expected}): the file was changed after the dataset was written"
    )]
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    #[error("{path}: {actual} rows, but dataset.toml says {expected}")]
    RowCountMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },

    #[error("{path}: not a readable Parquet file: {message}")]
    Parquet { path: PathBuf, message: String },

    #[error("{path}: column `{column}` is missing (table `{table}` needs: {expected})")]
    MissingColumn {
        path: PathBuf,
        table: &'static str,
        column: &'static str,
        expected: String,
    },

    #[error("{path}: column `{column}` is not part of table `{table}` (columns: {expected})")]
    UnexpectedColumn {
        path: PathBuf,
        table: &'static str,
        column: String,
        expected: String,
    },

    #[error("{path}: column `{column}` has type {found}, expected {expected}")]
    WrongType {
        path: PathBuf,
        column: &'static str,
        found: String,
        expected: String,
    },

    #[error("{path}: row {row}, column `{column}`: {problem}")]
    BadValue {
        path: PathBuf,
        row: u64,
        column: &'static str,
        problem: String,
    },

    #[error("{dir}: `{name}` already exists")]
    AlreadyExists { dir: PathBuf, name: String },

    #[error(
        "{path} is not an earlier {kind} of Accord's ({reason}): nothing was written; choose another output, or move it away first"
    )]
    NotOurs {
        path: PathBuf,
        kind: &'static str,
        reason: String,
    },

    #[error(
        "{path}: would be written over or inside {input}, which this command reads: nothing was written; choose another output"
    )]
    OverInput { path: PathBuf, input: PathBuf },

    #[error(
        "{path}: another Accord process (pid {pid}) is writing it: nothing was written; wait for it to finish"
    )]
    Busy { path: PathBuf, pid: u32 },

    #[error("table `{table}`: batch has schema {found}, expected the canonical schema {expected}")]
    NotCanonical {
        table: &'static str,
        found: String,
        expected: String,
    },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DatasetError {
    /// The error with paths under `from` named as under `to` (a staging folder's files as
    /// they were to be).
    pub(crate) fn relocated(mut self, from: &std::path::Path, to: &std::path::Path) -> Self {
        use DatasetError::*;
        let path = match &mut self {
            ManifestMissing { path }
            | ManifestInvalid { path, .. }
            | ManifestEdited { path }
            | ManifestUnsealed { path }
            | UnsupportedSchemaVersion { path, .. }
            | UnknownTable { path, .. }
            | MissingFile { path }
            | UnlistedFile { path }
            | SizeMismatch { path, .. }
            | HashMismatch { path, .. }
            | RowCountMismatch { path, .. }
            | Parquet { path, .. }
            | MissingColumn { path, .. }
            | UnexpectedColumn { path, .. }
            | WrongType { path, .. }
            | BadValue { path, .. }
            | NotOurs { path, .. }
            | OverInput { path, .. }
            | Busy { path, .. }
            | Io { path, .. } => path,
            MissingTable { dir, .. } | AlreadyExists { dir, .. } => dir,
            NotCanonical { .. } => return self,
        };
        if let Ok(rest) = path.strip_prefix(from) {
            *path = to.join(rest);
        }
        self
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DatasetError {
        let path = path.into();
        move |source| DatasetError::Io { path, source }
    }

    pub(crate) fn parquet(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(parquet::errors::ParquetError) -> DatasetError {
        let path = path.into();
        move |err| DatasetError::Parquet {
            path,
            message: err.to_string(),
        }
    }
}

/// The result of every dataset operation.
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;
