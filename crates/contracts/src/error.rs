//! Errors: a file that cannot be read, text that does not parse, or definitions with
//! problems, each problem with its line and field.

use std::fmt;
use std::path::PathBuf;

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the offending row or value.
    pub line: usize,
    /// The column or key the problem is in.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(line: usize, field: &str, message: impl Into<String>) -> Problem {
        Problem {
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

/// What can go wrong reading a contract register, a unit-cost table, a budget plan or an outcome contract.
#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid CSV or TOML of the expected shape.
    #[error("{file}: line {line}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file's content is wrong; every problem is listed.
    #[error("{file}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        /// The file.
        file: String,
        /// Every problem, with its line and field.
        problems: Vec<Problem>,
    },
    /// No built-in definition has that name.
    #[error("unknown {what} {name:?}: give a built-in name ({known}) or a path to a file")]
    Unknown {
        /// What kind of definition (a budget plan, an outcome contract).
        what: &'static str,
        /// The name.
        name: String,
        /// The names known.
        known: String,
    },
}

impl ContractsError {
    /// The problems, where the file parsed but its definitions did not hold.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ContractsError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }

    pub(crate) fn check(file: &str, problems: Vec<Problem>) -> Result<(), ContractsError> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ContractsError::Invalid {
                file: file.to_string(),
                problems,
            })
        }
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
