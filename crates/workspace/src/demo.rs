//! The main job after the borough exists: its dataset opened once, the illustrative
//! contract register beside it, every built-in framework and money refreshed into the
//! snapshot, the risk model fitted, the MDT programme evaluated and the MDT workflow's demo
//! database loaded. A step that cannot be done on a borough (too small to fit a model, say)
//! is reported and the rest go on; what the dashboard can serve is returned.

use std::path::PathBuf;

use accord_dataset::{Destination, OutputKind, write_output_file};
use accord_engine::RefreshOptions;
use accord_evaluation::{Evaluation, EvaluationOptions};
use accord_mdt::demo::DemoSummary;
use accord_risk::RiskModel;
use accord_snapshot::Snapshot;

use crate::{EVALUATION_JSON, Layout, MoneyDefinitions, Workspace, WorkspaceError};

/// The standalone evaluation report, rendered by a view the workspace does not depend on.
pub struct Report<'a> {
    /// The report's kind of output, which it replaces only an earlier one of.
    pub kind: &'a OutputKind,
    /// The report's text.
    pub render: &'a dyn Fn(&Evaluation) -> String,
}

/// What the demo is asked to do.
pub struct DemoOptions<'a> {
    /// The MDT workflow's database URL (default: the SQLite file of the layout).
    pub database: Option<String>,
    /// The evaluation's standalone report, written beside its JSON.
    pub evaluation_report: Report<'a>,
}

/// What the demo did, step by step, for the caller to tell the user.
pub enum DemoEvent<'a> {
    /// A long step began: the caller may show that it is working.
    Started(&'static str),
    /// The long step just begun ended.
    Finished,
    /// The illustrative contract register was written here.
    RegisterWritten(&'a std::path::Path),
    /// One indicator refreshed, of this many.
    Indicator(usize),
    /// The snapshot, written.
    Refreshed(&'a Snapshot),
    /// The risk model, fitted and written.
    RiskModel(&'a accord_risk::Trained),
    /// The evaluation, with the options it ran with, written.
    Evaluated(&'a Evaluation, &'a EvaluationOptions),
    /// The MDT demo loaded into the database at this URL.
    MdtLoaded(&'a DemoSummary, &'a str),
    /// The database at this URL holds networks already, so it was left as it is.
    MdtFound(&'a str),
    /// A step that could not be done, and why; the demo goes on without it.
    Skipped(&'static str, &'a WorkspaceError),
}

/// What the demo made, for the dashboard.
pub struct DemoOutputs {
    /// The results snapshot, with money.
    pub snapshot: PathBuf,
    /// The contract register money was computed from.
    pub register: PathBuf,
    /// The risk model folder, where one could be fitted.
    pub risk_model: Option<PathBuf>,
    /// The evaluation's JSON, where the borough could be evaluated.
    pub evaluation: Option<PathBuf>,
    /// The MDT workflow's database URL, where it could be loaded.
    pub mdt_database: Option<String>,
}

/// The synthetic borough's MDTs change A&E attendances, emergency admissions and social
/// care costs only, so planned care is a negative control there.
pub fn evaluation_options() -> EvaluationOptions {
    EvaluationOptions {
        negative_controls: vec![
            "elective_admissions".into(),
            "outpatient_attendances".into(),
        ],
        ..EvaluationOptions::default()
    }
}

/// Runs the demo on the workspace's borough, writing every output where `layout` says.
pub fn run(
    workspace: &Workspace,
    layout: &Layout,
    options: &DemoOptions,
    tell: &dyn Fn(DemoEvent),
) -> Result<DemoOutputs, WorkspaceError> {
    let register = layout.register();
    // The synthetic borough's register sits beside it; one a user put there is read as it is.
    if !register.exists() {
        workspace.write_synthetic_register(&register)?;
        tell(DemoEvent::RegisterWritten(&register));
    }
    let snapshot = refresh(workspace, layout, &register, tell)?;
    tell(DemoEvent::Refreshed(&snapshot));
    let mut outputs = DemoOutputs {
        snapshot: layout.snapshot(),
        register,
        risk_model: None,
        evaluation: None,
        mdt_database: None,
    };
    // The dashboard is still worth serving without a risk model (a borough too small to
    // fit one, say).
    tell(DemoEvent::Started("fitting the risk model"));
    let fitted = workspace.fit_risk_model_into(42, &layout.risk_model());
    tell(DemoEvent::Finished);
    let risk = match fitted {
        Ok(trained) => {
            tell(DemoEvent::RiskModel(&trained));
            outputs.risk_model = Some(layout.risk_model());
            trained.model
        }
        Err(err) => {
            tell(DemoEvent::Skipped("risk model", &err));
            return Ok(outputs);
        }
    };
    match evaluate(workspace, layout, &risk, options, tell) {
        Ok(()) => outputs.evaluation = Some(layout.evaluation()),
        Err(err) => tell(DemoEvent::Skipped("MDT evaluation", &err)),
    }
    let url = options
        .database
        .clone()
        .unwrap_or_else(|| accord_mdt::store::sqlite_url(&layout.mdt_database()));
    match load_mdt(workspace, &risk, &url, tell) {
        Ok(()) => outputs.mdt_database = Some(url),
        Err(err) => tell(DemoEvent::Skipped("MDT workflow", &err)),
    }
    Ok(outputs)
}

fn refresh(
    workspace: &Workspace,
    layout: &Layout,
    register: &std::path::Path,
    tell: &dyn Fn(DemoEvent),
) -> Result<Snapshot, WorkspaceError> {
    let frameworks = accord_framework::builtin::all()?;
    let out = layout.snapshot();
    let inputs = [workspace.dir()];
    let destination = Snapshot::destination(&out, &inputs);
    destination.check()?;
    let money = MoneyDefinitions::load(register, None, &[], &[])?;
    let started = std::time::Instant::now();
    let done = workspace.refresh(
        &frameworks,
        &RefreshOptions::default(),
        None,
        &|_, total| {
            tell(DemoEvent::Indicator(total));
        },
    )?;
    let mut snapshot = done.snapshot;
    snapshot.money = Some(workspace.money(&money, None)?);
    snapshot.summary.run.seconds = started.elapsed().as_secs_f64();
    snapshot.write(&destination)?;
    Ok(snapshot)
}

fn evaluate(
    workspace: &Workspace,
    layout: &Layout,
    risk: &RiskModel,
    options: &DemoOptions,
    tell: &dyn Fn(DemoEvent),
) -> Result<(), WorkspaceError> {
    let inputs = [workspace.dir(), &layout.risk_model()];
    let (json, html) = (layout.evaluation(), layout.evaluation_report());
    let json_to = Destination::replacing(&json, &EVALUATION_JSON, &inputs);
    let html_to = Destination::replacing(&html, options.evaluation_report.kind, &inputs);
    json_to.check()?;
    html_to.check()?;
    let evaluation_options = evaluation_options();
    tell(DemoEvent::Started("evaluating the MDT programme"));
    let evaluation = workspace.evaluate(risk, &evaluation_options);
    tell(DemoEvent::Finished);
    let evaluation = evaluation?;
    crate::write_evaluation(&json_to, &evaluation)?;
    write_output_file(
        &html_to,
        (options.evaluation_report.render)(&evaluation).as_bytes(),
    )?;
    tell(DemoEvent::Evaluated(&evaluation, &evaluation_options));
    Ok(())
}

/// Loads the MDT demo into the database at `url` unless it holds networks already.
fn load_mdt(
    workspace: &Workspace,
    risk: &RiskModel,
    url: &str,
    tell: &dyn Fn(DemoEvent),
) -> Result<(), WorkspaceError> {
    let runtime = crate::mdt_bridge::runtime()?;
    let store = runtime.block_on(accord_mdt::Store::connect(url))?;
    if runtime.block_on(store.count("network"))? > 0 {
        tell(DemoEvent::MdtFound(url));
        return Ok(());
    }
    tell(DemoEvent::Started("loading the MDT demo data"));
    let today = chrono::Utc::now().date_naive();
    let summary = workspace.load_mdt_demo(risk, &store, &runtime, today);
    tell(DemoEvent::Finished);
    tell(DemoEvent::MdtLoaded(&summary?, url));
    Ok(())
}
