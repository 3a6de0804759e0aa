//! Errors: a file that cannot be read, TOML that does not parse (the TOML parser names the
//! line and column), or a definition with problems, each with its line.

use std::fmt;
use std::path::PathBuf;

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the offending value.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What can go wrong reading a framework definition.
#[derive(Debug, thiserror::Error)]
pub enum FrameworkError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the definition's shape.
    #[error("{file}: not a valid framework file: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The definition's content is wrong; every problem is listed.
    #[error("{file}: {} problem{} in the framework:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        /// The file.
        file: String,
        /// Every problem, with its line.
        problems: Vec<Problem>,
    },
    /// No built-in framework has that name.
    #[error("unknown framework {name:?}: give a built-in name ({known}) or a path to a .toml file")]
    Unknown {
        /// The name.
        name: String,
        /// The names known.
        known: String,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
