//! What to do next, in the command line's words, for the library errors that have an
//! answer here: the libraries say what is wrong, the binary says which command or flag
//! helps.

use std::error::Error;

use accord_dataset::DatasetError;
use accord_dataset::artifact::ArtifactError;
use accord_evaluation::EvaluationError;
use accord_risk::RiskModelError;
use accord_snapshot::SnapshotError;
use accord_workspace::WorkspaceError;

/// The first hint any cause of `err` has.
pub fn hint(err: &anyhow::Error) -> Option<&'static str> {
    err.chain().find_map(hint_of)
}

fn hint_of(cause: &(dyn Error + 'static)) -> Option<&'static str> {
    if let Some(e) = cause.downcast_ref::<WorkspaceError>() {
        return match e {
            WorkspaceError::Dataset(e) => dataset(e),
            WorkspaceError::RiskModel(e) => risk_model(e),
            WorkspaceError::Evaluation(e) => evaluation(e),
            WorkspaceError::Snapshot(e) => snapshot(e),
            WorkspaceError::Engine(e) if e.is_memory_limit() => Some(
                "the query engine reached --memory-limit where it cannot spill: raise the limit, or leave it out",
            ),
            _ => None,
        };
    }
    None.or_else(|| cause.downcast_ref().and_then(dataset))
        .or_else(|| cause.downcast_ref().and_then(artifact))
        .or_else(|| cause.downcast_ref().and_then(risk_model))
        .or_else(|| cause.downcast_ref().and_then(evaluation))
        .or_else(|| cause.downcast_ref().and_then(snapshot))
}

fn dataset(e: &DatasetError) -> Option<&'static str> {
    match e {
        DatasetError::ManifestMissing { .. } => Some(
            "`accord dataset seal DIR --extract-date YYYY-MM-DD` checks a folder of tables and seals it; `accord synth` generates a borough",
        ),
        DatasetError::ManifestEdited { .. } | DatasetError::ManifestUnsealed { .. } => {
            Some("`accord dataset seal` checks the folder and seals it again")
        }
        DatasetError::AlreadyExists { .. } => Some("pass --force to replace it"),
        _ => None,
    }
}

fn risk_model(e: &RiskModelError) -> Option<&'static str> {
    match e {
        RiskModelError::Artifact(e) => artifact(e),
        RiskModelError::Write(e) => dataset(e),
        _ => None,
    }
}

/// How each kind of artifact is made.
fn artifact(e: &ArtifactError) -> Option<&'static str> {
    match e.kind() {
        "risk model" | "risk model card" => Some("run `accord risk fit` first"),
        "evaluation" => Some("`accord evaluate --out FILE` writes one"),
        "results snapshot" => Some("`accord refresh` (or `accord demo`) writes one"),
        _ => None,
    }
}

fn evaluation(e: &EvaluationError) -> Option<&'static str> {
    match e {
        EvaluationError::NoDiscussions => Some(
            "`accord mdt export` writes the MDT workflow's discussions into a dataset; `accord synth` generates a borough with them",
        ),
        EvaluationError::TooFewControls { .. } => {
            Some("--caliper (0 for none) widens it; fewer --exact fields loosen it")
        }
        _ => None,
    }
}

fn snapshot(e: &SnapshotError) -> Option<&'static str> {
    match e {
        SnapshotError::NotASnapshot { .. } => {
            Some("`accord refresh` (or `accord demo`) writes one")
        }
        SnapshotError::Artifact(e) => artifact(e),
        _ => None,
    }
}

/// An evaluation error worded with the flag it came from.
pub fn worded(e: EvaluationError) -> anyhow::Error {
    match e {
        EvaluationError::UnknownCovariate(..) => anyhow::anyhow!("--mahalanobis {e}"),
        EvaluationError::NotACountOutcome(..) => anyhow::anyhow!("--negative-controls {e}"),
        e => e.into(),
    }
}
