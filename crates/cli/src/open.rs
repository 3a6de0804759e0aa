//! What every command that reads the dataset starts with: the dataset opened once, with
//! its person histories loaded, for every step of the command to share; and how results
//! go to standard output as JSON.

use std::path::Path;

use accord_workspace::Workspace;
use anyhow::{Context, Result};
use serde::Serialize;

use crate::progress::spinner;

/// Opens the dataset at `data` once and loads its person histories.
pub fn workspace(data: &Path, quiet: bool) -> Result<Workspace> {
    let progress = spinner("reading the dataset", quiet);
    let workspace = Workspace::open(data).with_context(|| format!("opening {}", data.display()))?;
    workspace.histories()?;
    progress.finish_and_clear();
    Ok(workspace)
}

/// Prints `value` as pretty JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
