//! Errors: a file that cannot be read, TOML that does not parse (the TOML parser names the
//! line and column), or a definition with problems, each with its line.

use std::fmt;
use std::path::PathBuf;

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the offending value.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FrameworkError {
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: not a valid framework file: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {} problem{} in the framework:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error("unknown framework {name:?}: give a built-in name ({known}) or a path to a .toml file")]
    Unknown { name: String, known: String },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
