//! `accord mdt`: the MDT workflow's operational database from the command line: load a
//! synthetic borough's MDT history as demo data, and export the recorded discussions into
//! a dataset's `mdt_discussion` table for the evaluation and the frameworks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use accord_cohort::{CaseFinding, Histories, Scope, Top, find_cases};
use accord_dataset::{
    DATASET_OUTPUT, Dataset, Destination, Provenance, TableBatches, WriteOptions, write_dataset,
};
use accord_mdt::Store;
use accord_mdt::demo::{
    DEMO_PASSWORD, DemoBorough, DemoPerson, DemoPractice, DemoSummary, load_demo,
};
use accord_mdt::exchange::{
    CaseFindingRow, discussion_batch, discussion_rows, load_case_finding, read_discussion_batches,
};
use accord_model::Table;
use anyhow::{Context, Result, bail};
use arrow_array::{Array, RecordBatch, StringArray};
use chrono::NaiveDate;
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
    #[arg(long, default_value_t = LISTED)]
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
                return crate::people::print_json(&summary);
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
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the database runtime")
}

/// Connects to `url`, creating an SQLite file's folder first.
pub async fn connect(url: &str) -> Result<Store> {
    Ok(Store::connect(url).await?)
}

fn text_column<'a>(batch: &'a RecordBatch, table: &str, name: &str) -> Result<&'a StringArray> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .with_context(|| format!("{table}.{name} is not a text column"))
}

/// (code, name) of every row of a two-text-column table.
fn names(dataset: &Dataset, table: Table, key: &str) -> Result<HashMap<String, String>> {
    let mut names = HashMap::new();
    for batch in dataset.read_table(table)? {
        let codes = text_column(&batch, table.name(), key)?;
        let labels = text_column(&batch, table.name(), "name")?;
        for i in 0..batch.num_rows() {
            if !codes.is_null(i) {
                names.insert(codes.value(i).to_string(), labels.value(i).to_string());
            }
        }
    }
    Ok(names)
}

/// How many of each network's list are loaded for the meetings' case lists.
const LISTED: usize = 40;

/// Risk scores and their reasons by person.
type Scores = HashMap<u64, (f64, Vec<String>)>;

/// Each network's case-finding list on `day`: the first `listed` people of each, and the
/// scores and reasons of everyone in each network's top 3% (for the register).
fn draw_lists(
    histories: &Histories,
    model: &accord_cohort::RiskModel,
    networks: &[String],
    day: i32,
    listed: usize,
) -> Result<(Vec<CaseFindingRow>, Scores)> {
    let mut scores = HashMap::new();
    let mut rows = Vec::new();
    for code in networks {
        let list = find_cases(
            histories,
            model,
            &CaseFinding {
                scope: Scope::Network(code.clone()),
                top: Top::Fraction(0.03),
                day,
                exclude_discussed_months: 6,
                seed: 42,
            },
        )?;
        for c in &list.candidates {
            scores.insert(c.person_id, (c.score, c.reasons.clone()));
            if c.rank <= listed {
                rows.push(CaseFindingRow {
                    network: code.clone(),
                    rank: c.rank,
                    person_id: c.person_id,
                    score: c.score,
                    reasons: c.reasons.clone(),
                });
            }
        }
    }
    Ok((rows, scores))
}

/// Draws everything the demo loads from the dataset and the risk model.
fn demo_borough(data: &Path, model: &Path) -> Result<DemoBorough> {
    let progress = spinner("reading the borough and drawing case-finding lists", false);
    let dataset = Dataset::open(data).with_context(|| format!("opening {}", data.display()))?;
    let histories = Histories::load(&dataset)?;
    let model = accord_cohort::model::read_model(model).with_context(|| {
        format!(
            "reading the risk model {} (run `accord risk fit` first)",
            model.display()
        )
    })?;
    let discussions = read_discussion_batches(&dataset.read_table(Table::MdtDiscussion)?)?;
    let network_names = names(&dataset, Table::Network, "network_id")?;
    let practice_names = names(&dataset, Table::Practice, "practice_code")?;
    let mut network_codes: Vec<String> = histories
        .practices
        .iter()
        .filter_map(|p| p.network.clone())
        .collect();
    network_codes.sort();
    network_codes.dedup();
    let day = histories.extract_day;
    let (case_finding, mut scores) = draw_lists(&histories, &model, &network_codes, day, LISTED)?;
    let last_discussion: HashMap<u64, (&str, NaiveDate)> = discussions
        .iter()
        .map(|d| (d.person_id, (d.network_code.as_str(), d.meeting_date)))
        .collect();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).context("epoch")?;
    let mut people = Vec::new();
    for index in 0..histories.people.len() {
        let history = histories.history(index);
        let person = history.person;
        let discussed = last_discussion.get(&person.id);
        // Everyone registered with a network's practice now, and everyone ever discussed
        // (with the practice they were with then, or their last one).
        let now = history
            .alive_on(day)
            .then(|| history.practice_on(day))
            .flatten();
        let practice = match (now, discussed) {
            (Some(p), _) => Some(p),
            (None, Some((_, date))) => history
                .practice_on(i32::try_from((*date - epoch).num_days())?)
                .or_else(|| history.registrations.last().map(|r| r.practice)),
            (None, None) => None,
        };
        let Some(practice) = practice else { continue };
        let practice = &histories.practices[practice as usize];
        let network = match (discussed, &practice.network) {
            (Some((network, _)), _) => network.to_string(),
            (None, Some(network)) => network.clone(),
            (None, None) => continue,
        };
        let born = epoch + chrono::Duration::days(i64::from(person.birth_day));
        people.push(DemoPerson {
            id: person.id,
            network,
            practice: practice.code.clone(),
            sex: person.sex.as_str().to_string(),
            birth_year: chrono::Datelike::year(&born),
            risk: scores.remove(&person.id),
        });
    }
    let mut practices: Vec<DemoPractice> = histories
        .practices
        .iter()
        .map(|p| DemoPractice {
            code: p.code.clone(),
            name: practice_names
                .get(&p.code)
                .cloned()
                .unwrap_or_else(|| p.code.clone()),
            network: p.network.clone(),
        })
        .collect();
    practices.sort_by(|a, b| a.code.cmp(&b.code));
    progress.finish_and_clear();
    Ok(DemoBorough {
        networks: network_codes
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    network_names
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| format!("Network {c}")),
                )
            })
            .collect(),
        practices,
        people,
        scored_on: epoch + chrono::Duration::days(i64::from(day)),
        case_finding,
        discussions,
    })
}

/// Loads the demo into the database at `url`, which must be new or empty.
pub fn demo_load(data: &Path, model: &Path, url: &str) -> Result<DemoSummary> {
    let borough = demo_borough(data, model)?;
    let progress = spinner("loading the MDT demo data", false);
    let summary = runtime()?.block_on(async {
        let store = connect(url).await?;
        let today = chrono::Utc::now().date_naive();
        anyhow::Ok(load_demo(&store, &borough, today).await?)
    })?;
    progress.finish_and_clear();
    Ok(summary)
}

/// Loads the demo into the database at `url` unless it already holds networks.
pub fn prepare_demo(data: &Path, model: &Path, url: &str) -> Result<()> {
    let loaded = runtime()?.block_on(async {
        let store = connect(url).await?;
        anyhow::Ok(store.count("network").await? > 0)
    })?;
    if loaded {
        println!(
            "using the MDT database already at {} (demo users' password: {DEMO_PASSWORD:?}; demo only)",
            accord_mdt::store::redact(url)
        );
        return Ok(());
    }
    let summary = demo_load(data, model, url)?;
    print_demo(&summary, url);
    Ok(())
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
    let dataset =
        Dataset::open(&args.data).with_context(|| format!("opening {}", args.data.display()))?;
    let histories = Histories::load(&dataset)?;
    let model = accord_cohort::model::read_model(&args.model).with_context(|| {
        format!(
            "reading the risk model {} (run `accord risk fit` first)",
            args.model.display()
        )
    })?;
    let mut networks: Vec<String> = histories
        .practices
        .iter()
        .filter_map(|p| p.network.clone())
        .collect();
    networks.sort();
    networks.dedup();
    let day = histories.extract_day;
    let (rows, _) = draw_lists(&histories, &model, &networks, day, args.top)?;
    let date = NaiveDate::from_ymd_opt(1970, 1, 1).context("epoch")?
        + chrono::Duration::days(i64::from(day));
    let (loaded, left_out) = runtime()?.block_on(async {
        let store = connect(&args.database).await?;
        anyhow::Ok(load_case_finding(&store, date, &rows).await?)
    })?;
    progress.finish_and_clear();
    println!(
        "loaded {loaded} people onto the case-finding lists of {} networks dated {date}{}",
        networks.len(),
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
    let provenance = Provenance {
        extract_date: manifest.extract_date,
        source: format!(
            "{}; mdt_discussion exported from the MDT workflow's database",
            manifest.source
        ),
        generator: manifest.generator.clone(),
    };
    let out = &args.out;
    write_dataset(out, &tables, &provenance, &options, &|_| {})?;
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
