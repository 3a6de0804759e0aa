//! `accord mdt`: the MDT workflow's operational database from the command line: load a
//! synthetic borough's MDT history as demo data, and export the recorded discussions into
//! a dataset's `mdt_discussion` table for the evaluation and the frameworks.

use std::path::{Path, PathBuf};

use accord_dataset::{
    DATASET_OUTPUT, Dataset, Destination, Origin, TableBatches, WriteOptions, write_dataset,
};
use accord_mdt::Store;
use accord_mdt::demo::{DEMO_PASSWORD, DemoSummary};
use accord_mdt::exchange::{discussion_batch, discussion_rows};
use accord_model::Table;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::progress::spinner;

/// The default operational database: an SQLite file beside the demo dataset.
pub const DEFAULT_DATABASE: &str = "sqlite://accord-data/mdt.sqlite?mode=rwc";

#[derive(Debug, Subcommand)]
pub enum MdtCommand {
    /// Load a synthetic borough's MDT history, case-finding lists and demo users into a new database (demo only).
    DemoLoad(DemoLoadArgs),
    /// Write the discussions recorded in the database as the mdt_discussion table of a dataset.
    Export(ExportArgs),
    /// Serve the MDT workflow on its own, without the outcomes dashboard.
    Serve(MdtServeArgs),
    /// Draw each network's case-finding list from the risk model and load it, for the meetings' case lists.
    Casefind(CasefindLoadArgs),
}

#[derive(Debug, Args)]
pub struct CasefindLoadArgs {
    #[arg(long, default_value = "accord-data/borough")]
    data: PathBuf,
    /// A model folder from `accord risk fit`.
    #[arg(long, default_value = "accord-data/risk-model")]
    model: PathBuf,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
    /// How many of each network's list to load.
    #[arg(long, default_value_t = accord_workspace::mdt_bridge::LISTED)]
    top: usize,
}

#[derive(Debug, Args)]
pub struct MdtServeArgs {
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// The address to listen on; the default serves this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
}

#[derive(Debug, Args)]
pub struct DemoLoadArgs {
    /// The synthetic dataset whose MDT history to load.
    #[arg(long, default_value = "accord-data/borough")]
    data: PathBuf,
    /// A model folder from `accord risk fit`, for risk scores and case-finding lists.
    #[arg(long, default_value = "accord-data/risk-model")]
    model: PathBuf,
    /// The database: an SQLite file (sqlite://FILE?mode=rwc) or PostgreSQL (postgres://...).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
    /// The dataset to take every other table from.
    #[arg(long)]
    data: PathBuf,
    /// Where to write the dataset with the new mdt_discussion table (a new folder, or an
    /// earlier dataset written there; never --data itself).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(command: &MdtCommand) -> Result<()> {
    match command {
        MdtCommand::DemoLoad(args) => {
            let summary = demo_load(&args.data, &args.model, &args.database)?;
            if args.json {
                return crate::open::print_json(&summary);
            }
            print_demo(&summary, &args.database);
            Ok(())
        }
        MdtCommand::Export(args) => export(args),
        MdtCommand::Serve(args) => serve(args),
        MdtCommand::Casefind(args) => casefind(args),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(accord_workspace::mdt_bridge::runtime()?)
}

/// Connects to `url`, creating an SQLite file's folder first.
pub async fn connect(url: &str) -> Result<Store> {
    Ok(Store::connect(url).await?)
}

/// Loads the demo into the database at `url`, which must be new or empty.
pub fn demo_load(data: &Path, model: &Path, url: &str) -> Result<DemoSummary> {
    let progress = spinner("reading the borough and drawing case-finding lists", false);
    let workspace = crate::open::workspace(data, true)?;
    let model = read_risk_model(model)?;
    let runtime = runtime()?;
    let store = runtime.block_on(connect(url))?;
    progress.set_message("loading the MDT demo data");
    let today = chrono::Utc::now().date_naive();
    let summary = workspace.load_mdt_demo(&model, &store, &runtime, today)?;
    progress.finish_and_clear();
    Ok(summary)
}

/// The risk model the case-finding lists are drawn from.
fn read_risk_model(model: &Path) -> Result<accord_risk::RiskModel> {
    accord_risk::model::read_model(model).with_context(|| {
        format!(
            "reading the risk model {} (run `accord risk fit` first)",
            model.display()
        )
    })
}

/// Prints who can sign in, under the demo-only warning.
pub fn print_demo(summary: &DemoSummary, url: &str) {
    println!(
        "MDT demo data loaded into {}: {} people in the register, {} meetings and {} discussions of the borough's history, {} actions, {} care plans, {} upcoming meetings",
        accord_mdt::store::redact(url),
        summary.people,
        summary.meetings,
        summary.discussions,
        summary.actions,
        summary.care_plans,
        summary.upcoming_meetings
    );
    println!(
        "DEMO ONLY: synthetic people, and every demo user has the password {DEMO_PASSWORD:?}. Never load real records into a demo database."
    );
    let first = summary
        .users
        .iter()
        .find(|u| u.networks.len() == 1)
        .and_then(|u| u.networks.first());
    if let Some(network) = first {
        let n = network.to_lowercase();
        println!(
            "Demo users: coordinator.{n}, gp.{n}, matron.{n}, social.{n}, mh.{n}, navigator.{n} (the same for every network), analyst (all networks, aggregates only), admin (the audit log)"
        );
    }
}

fn casefind(args: &CasefindLoadArgs) -> Result<()> {
    let progress = spinner("drawing each network's case-finding list", false);
    let workspace = crate::open::workspace(&args.data, true)?;
    let model = read_risk_model(&args.model)?;
    let runtime = runtime()?;
    let store = runtime.block_on(connect(&args.database))?;
    let (loaded, left_out, networks, date) =
        workspace.load_case_finding(&model, &store, &runtime, args.top)?;
    progress.finish_and_clear();
    println!(
        "loaded {loaded} people onto the case-finding lists of {networks} networks dated {date}{}",
        if left_out > 0 {
            format!(" ({left_out} not in the MDT register were left out)")
        } else {
            String::new()
        }
    );
    Ok(())
}

fn serve(args: &MdtServeArgs) -> Result<()> {
    runtime()?.block_on(async {
        let store = connect(&args.database).await?;
        let app = accord_web::mdt_app(std::sync::Arc::new(accord_web::mdt::Mdt::new(store)));
        let (listener, address) =
            accord_web::bind(std::net::SocketAddr::new(args.host, args.port)).await?;
        println!("MDT workflow: http://{address}/mdt  (Ctrl-C stops it)");
        accord_web::serve_app(listener, app).await?;
        Ok(())
    })
}

fn export(args: &ExportArgs) -> Result<()> {
    let options = WriteOptions {
        replace: true,
        inputs: vec![args.data.clone()],
        ..WriteOptions::default()
    };
    Destination {
        path: &args.out,
        kind: &DATASET_OUTPUT,
        replace: true,
        inputs: &[&args.data],
    }
    .check()?;
    let dataset =
        Dataset::open(&args.data).with_context(|| format!("opening {}", args.data.display()))?;
    let rows = runtime()?.block_on(async {
        let store = connect(&args.database).await?;
        anyhow::Ok(discussion_rows(&store).await?)
    })?;
    if rows.is_empty() {
        bail!(
            "{} holds no recorded discussions: nothing to export",
            accord_mdt::store::redact(&args.database)
        );
    }
    let progress = spinner("writing the dataset", false);
    let mut tables = TableBatches::new();
    for table in Table::ALL {
        if table == Table::MdtDiscussion || !dataset.has_table(table) {
            continue;
        }
        tables.insert(table, dataset.read_table(table)?);
    }
    tables.insert(Table::MdtDiscussion, vec![discussion_batch(&rows)?]);
    let manifest = dataset.manifest();
    let origin = Origin {
        extract_date: manifest.extract_date,
        source: format!(
            "{}; mdt_discussion exported from the MDT workflow's database",
            manifest.source
        ),
        generator: manifest.generator.clone(),
    };
    let out = &args.out;
    write_dataset(out, &tables, &origin, &options, &|_| {})?;
    progress.finish_and_clear();
    let people: std::collections::HashSet<u64> = rows.iter().map(|r| r.person_id).collect();
    println!(
        "wrote {} discussions of {} people into {}/mdt_discussion; `accord evaluate --data {}` evaluates them",
        rows.len(),
        people.len(),
        out.display(),
        out.display()
    );
    Ok(())
}
