//! Where everything lives in an `accord-data/` folder: the dataset, and beside it the
//! outputs made from it. Commands find each other's outputs here rather than each inventing
//! a path.

use std::path::{Path, PathBuf};

/// The `accord-data/` folder around a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    data: PathBuf,
    root: PathBuf,
}

impl Layout {
    /// The layout around the dataset folder `data`: its outputs sit in the same parent.
    pub fn around(data: &Path) -> Layout {
        Layout {
            data: data.to_path_buf(),
            root: data
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .to_path_buf(),
        }
    }

    /// The dataset folder.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// The results snapshot of every framework (and money).
    pub fn snapshot(&self) -> PathBuf {
        self.root.join("snapshot")
    }

    /// The contract register money is computed from.
    pub fn register(&self) -> PathBuf {
        self.root.join("contracts.csv")
    }

    /// The risk model folder (model, card).
    pub fn risk_model(&self) -> PathBuf {
        self.root.join("risk-model")
    }

    /// The evaluation of the MDTs as JSON.
    pub fn evaluation(&self) -> PathBuf {
        self.root.join("evaluation.json")
    }

    /// The evaluation's standalone report.
    pub fn evaluation_report(&self) -> PathBuf {
        self.root.join("evaluation.html")
    }

    /// The MDT workflow's SQLite database, where no other database is named.
    pub fn mdt_database(&self) -> PathBuf {
        self.root.join("mdt.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_sit_beside_the_dataset() {
        let layout = Layout::around(Path::new("accord-data/borough"));
        assert_eq!(layout.snapshot(), Path::new("accord-data/snapshot"));
        assert_eq!(
            layout.evaluation(),
            Path::new("accord-data/evaluation.json")
        );
        let bare = Layout::around(Path::new("borough"));
        assert_eq!(bare.register(), Path::new("contracts.csv"));
    }
}
