//! Everything that can be wrong with a dataset folder, each failure naming the file and,
//! where there is one, the row, the column and the offending value.

use std::path::PathBuf;

/// A dataset failure: what is wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The folder has no `dataset.toml`.
    #[error("{path}: no dataset.toml here: the folder is not a sealed dataset")]
    ManifestMissing {
        /// The file or folder.
        path: PathBuf,
    },

    /// `dataset.toml` cannot be read as a manifest.
    #[error("{path}: line {line}: {message}")]
    ManifestInvalid {
        /// The file or folder.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },

    #[error(
        "{path}: changed after Accord wrote it (content_sha256 does not match its content): seal the folder again, or regenerate it"
    )]
    /// `dataset.toml` was edited after Accord wrote it.
    ManifestEdited {
        /// The file or folder.
        path: PathBuf,
    },

    #[error(
        "{path}: no content_sha256 (written by an earlier version of Accord): seal the folder again, or regenerate it"
    )]
    /// `dataset.toml` was written before manifests were sealed.
    ManifestUnsealed {
        /// The file or folder.
        path: PathBuf,
    },

    #[error(
        "{path}: schema version {found} is not supported (this build reads version {supported})"
    )]
    /// The dataset is of a schema version this build does not read.
    UnsupportedSchemaVersion {
        /// The file or folder.
        path: PathBuf,
        /// What was found.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },

    /// A table the dataset must have is missing.
    #[error("{dir}: required table `{table}` is missing (no `{table}/` folder with Parquet files)")]
    MissingTable {
        /// The folder.
        dir: PathBuf,
        /// The table.
        table: &'static str,
    },

    /// A folder that is not a table of the canonical dataset.
    #[error("{path}: not a table of the canonical dataset (tables: {known})")]
    UnknownTable {
        /// The file or folder.
        path: PathBuf,
        /// The names known.
        known: String,
    },

    /// A file the manifest lists is missing.
    #[error("{path}: listed in dataset.toml but not found")]
    MissingFile {
        /// The file or folder.
        path: PathBuf,
    },

    /// A Parquet file the manifest does not list.
    #[error("{path}: a Parquet file not listed in dataset.toml (reseal the dataset to include it)")]
    UnlistedFile {
        /// The file or folder.
        path: PathBuf,
    },

    /// A file's size differs from the manifest's.
    #[error("{path}: {actual} bytes, but dataset.toml says {expected} (truncated or replaced)")]
    SizeMismatch {
        /// The file or folder.
        path: PathBuf,
        /// What was expected.
        expected: u64,
        /// What was found.
        actual: u64,
    },

    #[error(
        "{path}: SHA-256 {actual} does not match dataset.toml ({expected}): the file was changed after the dataset was written"
    )]
    /// A file's content differs from the manifest's hash.
    HashMismatch {
        /// The file or folder.
        path: PathBuf,
        /// What was expected.
        expected: String,
        /// What was found.
        actual: String,
    },

    /// A file's row count differs from the manifest's.
    #[error("{path}: {actual} rows, but dataset.toml says {expected}")]
    RowCountMismatch {
        /// The file or folder.
        path: PathBuf,
        /// What was expected.
        expected: u64,
        /// What was found.
        actual: u64,
    },

    /// A file is not readable Parquet.
    #[error("{path}: not a readable Parquet file: {message}")]
    Parquet {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// A column the table needs is missing.
    #[error("{path}: column `{column}` is missing (table `{table}` needs: {expected})")]
    MissingColumn {
        /// The file or folder.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What was expected.
        expected: String,
    },

    /// A column the table does not have.
    #[error("{path}: column `{column}` is not part of table `{table}` (columns: {expected})")]
    UnexpectedColumn {
        /// The file or folder.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The column.
        column: String,
        /// What was expected.
        expected: String,
    },

    /// A column of the wrong type.
    #[error("{path}: column `{column}` has type {found}, expected {expected}")]
    WrongType {
        /// The file or folder.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// What was found.
        found: String,
        /// What was expected.
        expected: String,
    },

    /// A value the column's rule refuses.
    #[error("{path}: row {row}, column `{column}`: {problem}")]
    BadValue {
        /// The file or folder.
        path: PathBuf,
        /// The row, from 1.
        row: u64,
        /// The column.
        column: &'static str,
        /// What is wrong with it.
        problem: String,
    },

    /// The output's name is taken.
    #[error("{dir}: `{name}` already exists")]
    AlreadyExists {
        /// The folder.
        dir: PathBuf,
        /// The name.
        name: String,
    },

    #[error(
        "{path} is not an earlier {kind} of Accord's ({reason}): nothing was written; choose another output, or move it away first"
    )]
    /// The output path holds something Accord did not write, so it is left alone.
    NotOurs {
        /// The file or folder.
        path: PathBuf,
        /// What kind of output.
        kind: &'static str,
        /// Why it is not.
        reason: String,
    },

    #[error(
        "{path}: would be written over or inside {input}, which this command reads: nothing was written; choose another output"
    )]
    /// The output would be written over or inside an input.
    OverInput {
        /// The file or folder.
        path: PathBuf,
        /// The input it would write over.
        input: PathBuf,
    },

    #[error(
        "{path}: another Accord process (pid {pid}) is writing it: nothing was written; wait for it to finish"
    )]
    /// Another Accord process is writing the output.
    Busy {
        /// The file or folder.
        path: PathBuf,
        /// The other process's id.
        pid: u32,
    },

    /// A batch does not have its table's canonical schema.
    #[error("table `{table}`: batch has schema {found}, expected the canonical schema {expected}")]
    NotCanonical {
        /// The table.
        table: &'static str,
        /// What was found.
        found: String,
        /// What was expected.
        expected: String,
    },

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
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
