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

#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: line {line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error("unknown {what} {name:?}: give a built-in name ({known}) or a path to a file")]
    Unknown {
        what: &'static str,
        name: String,
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
