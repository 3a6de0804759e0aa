//! The steps that read a workspace's histories and write an output beside the dataset:
//! the refresh of frameworks, the risk model's fit, the evaluation of the MDTs.

use accord_dataset::artifact::{is_artifact, to_json};
use accord_dataset::{Destination, OutputKind, Shape, write_output_file};
use accord_engine::{Refresh, RefreshOptions};
use accord_evaluation::{Evaluation, EvaluationOptions};
use accord_framework::Framework;
use accord_risk::model::{MODEL_OUTPUT, write_model};
use accord_risk::{RiskModel, TrainOptions, Trained, train};
use accord_snapshot::Snapshot;

use crate::{Workspace, WorkspaceError};

/// The evaluation as JSON, recognised by its header.
pub const EVALUATION_JSON: OutputKind = OutputKind {
    name: "evaluation (JSON)",
    shape: Shape::File {
        recognise: is_artifact::<Evaluation>,
    },
};

impl Workspace {
    /// Every indicator of `frameworks` on this dataset, taking from `earlier` (the
    /// snapshot being replaced) what is unchanged; `progress` is told each indicator as it
    /// finishes, with how many there are.
    pub fn refresh(
        &self,
        frameworks: &[Framework],
        options: &RefreshOptions,
        earlier: Option<&Snapshot>,
        progress: &dyn Fn(&str, usize),
    ) -> Result<Refresh, WorkspaceError> {
        Ok(accord_engine::refresh(
            self.dataset(),
            self.histories()?,
            frameworks,
            options,
            earlier,
            progress,
        )?)
    }

    /// Fits, validates and describes the risk model.
    pub fn fit_risk_model(&self, options: TrainOptions) -> Result<Trained, WorkspaceError> {
        Ok(train(self.histories()?, options)?)
    }

    /// Fits the risk model with the options of the latest data and `seed`, and writes its
    /// folder at `out` (replacing only an earlier model).
    pub fn fit_risk_model_into(
        &self,
        seed: u64,
        out: &std::path::Path,
    ) -> Result<Trained, WorkspaceError> {
        let inputs = [self.dir()];
        let destination = Destination::replacing(out, &MODEL_OUTPUT, &inputs);
        destination.check()?;
        let trained = self.fit_risk_model(TrainOptions::latest(self.histories()?, seed))?;
        write_model(&destination, &trained.model, &trained.card)?;
        Ok(trained)
    }

    /// The matched evaluation of the MDT programme, with `risk` as the risk-score
    /// covariate.
    pub fn evaluate(
        &self,
        risk: &RiskModel,
        options: &EvaluationOptions,
    ) -> Result<Evaluation, WorkspaceError> {
        Ok(accord_evaluation::evaluate(
            self.histories()?,
            risk,
            options,
        )?)
    }
}

/// Writes the evaluation as JSON at `destination`.
pub fn write_evaluation(
    destination: &Destination,
    evaluation: &Evaluation,
) -> Result<(), WorkspaceError> {
    let text = to_json(evaluation).map_err(|source| WorkspaceError::Json {
        path: destination.path.to_path_buf(),
        source,
    })?;
    Ok(write_output_file(destination, text.as_bytes())?)
}
