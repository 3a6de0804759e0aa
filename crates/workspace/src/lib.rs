//! The workspace facade: one `accord-data/` folder ([`Layout`]), its dataset opened and
//! checked once and its person histories loaded once ([`Workspace`]), and the steps that
//! read them: refresh, money, the risk model, the evaluation and the MDT demo bridge. The
//! `accord` binary is flags and printing over this crate, as ripgrep's binary is over its
//! `grep` facade; [`demo`] is the main job end to end.

#![warn(missing_docs)]

pub mod demo;
mod error;
mod layout;
pub mod mdt_bridge;
mod money;
mod register;
mod steps;

use std::path::Path;
use std::sync::OnceLock;

use accord_cohort::Histories;
use accord_dataset::Dataset;

pub use error::WorkspaceError;
pub use layout::Layout;
pub use money::MoneyDefinitions;
pub use register::REGISTER_OUTPUT;
pub use steps::{EVALUATION_JSON, write_evaluation};

/// A dataset opened and verified once, with its person histories loaded on first use and
/// kept: every step of a command reads the same copy.
pub struct Workspace {
    dataset: Dataset,
    histories: OnceLock<Histories>,
}

impl Workspace {
    /// Opens and verifies the dataset at `dir` (manifest, hashes, schemas, every row).
    pub fn open(dir: &Path) -> Result<Workspace, WorkspaceError> {
        Workspace::open_with_progress(dir, &|_| {})
    }

    /// [`Workspace::open`], calling `progress` with the number of rows just checked.
    pub fn open_with_progress(
        dir: &Path,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Workspace, WorkspaceError> {
        Ok(Workspace::of(Dataset::open_with_progress(dir, progress)?))
    }

    /// A workspace over a dataset opened already.
    pub fn of(dataset: Dataset) -> Workspace {
        Workspace {
            dataset,
            histories: OnceLock::new(),
        }
    }

    /// The dataset, opened and verified.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The folder the dataset was opened from.
    pub fn dir(&self) -> &Path {
        self.dataset.dir()
    }

    /// Every person's history, loaded from the dataset the first time it is asked for.
    pub fn histories(&self) -> Result<&Histories, WorkspaceError> {
        if let Some(histories) = self.histories.get() {
            return Ok(histories);
        }
        let loaded = Histories::load(&self.dataset)?;
        Ok(self.histories.get_or_init(|| loaded))
    }
}
