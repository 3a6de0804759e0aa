//! The subcommands: `synth`, `dataset check|seal`, `refresh`, `explain`, `framework`,
//! `export`, `spc`, `serve` and `demo` (the person-level ones are in `people` and `evaluate`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_dataset::{
    DATASET_OUTPUT, Dataset, Destination, Origin, WriteOptions, seal, thousands, write_dataset,
};
use accord_synth::{PlantedEffect, Stage, SynthParams, generate};
use accord_workspace::Layout;
use accord_workspace::demo::{DemoEvent, DemoOptions, Report};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::progress::bar;

#[derive(Debug, Parser)]
#[command(
    name = "accord",
    version,
    about = "Outcomes, risk, MDTs, money and evaluation for integrated care partnerships"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a synthetic borough as a dataset.
    Synth(SynthArgs),
    /// Check or seal a dataset folder.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Run the main job: generate the default borough if it is not there, check it, refresh every built-in framework and serve the dashboard.
    Demo(DemoArgs),
    /// Compute outcomes frameworks on a dataset and write a results snapshot.
    Refresh(crate::outcomes::RefreshArgs),
    /// Show how an indicator's figures were made: definition, SQL, counts, provenance.
    Explain(crate::outcomes::ExplainArgs),
    /// Check or list framework definition files.
    #[command(subcommand)]
    Framework(crate::outcomes::FrameworkCommand),
    /// Write a snapshot's figures as CSV, exact or with disclosure control for publication.
    Export(crate::outcomes::ExportArgs),
    /// Statistical process control chart of a series (Making Data Count rules), with PDSA notes.
    Spc(crate::spc::SpcArgs),
    /// Serve the dashboard and its JSON API over a results snapshot.
    Serve(crate::serve::ServeArgs),
    /// Segment the population by a segmentation model: sizes, moves year on year, activity and spend.
    Segment(crate::people::SegmentArgs),
    /// Fit, validate and describe the emergency-admission risk model.
    #[command(subcommand)]
    Risk(crate::people::RiskCommand),
    /// List the people a network or practice should consider for MDT review.
    Casefind(crate::people::CasefindArgs),
    /// Did the MDTs work? Matched difference in differences with balance, placebo and mortality checks.
    Evaluate(crate::evaluate::EvaluateArgs),
    /// The MDT workflow's database: load demo data, export discussions into a dataset.
    #[command(subcommand)]
    Mdt(crate::mdt::MdtCommand),
    /// Where the money goes: spend, contracts, capitated and shadow budgets, what-if scenarios.
    Money(crate::money::MoneyArgs),
    /// Check, list or generate a contract register.
    #[command(subcommand)]
    Contracts(crate::money::ContractsCommand),
    /// Outcome-based contracts: check one, work out its payment, try a scenario.
    #[command(subcommand)]
    Contract(crate::money::ContractCommand),
    /// Propensity-score matching of any CSV table (as MatchIt's nearest neighbour), with balance and the ATT.
    Match(crate::evaluate::MatchArgs),
}

#[derive(Debug, Args)]
struct SynthArgs {
    /// People in the person table (everyone registered at some time in the history).
    #[arg(long, default_value_t = 250_000)]
    persons: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The dataset folder to write.
    #[arg(long)]
    out: PathBuf,
    /// The last day of the history (YYYY-MM-DD).
    #[arg(long, default_value = "2026-03-31")]
    end_date: NaiveDate,
    /// Years of history.
    #[arg(long, default_value_t = 3)]
    years: u32,
    /// First month of MDT meetings (default: 23 months before the end date).
    #[arg(long)]
    mdt_start: Option<NaiveDate>,
    /// New people discussed at MDTs a month per 100,000 registered (default: seed 004's 180
    /// of 249,000; the case-finding pool can hold fewer).
    #[arg(long)]
    mdt_new_per_100k: Option<f64>,
    /// Month-to-month correlation of each person's need shock, from 0 to below 1 (default
    /// 0.88: a spell of high need fades over months, 0.22 of it left after a year).
    #[arg(long)]
    shock_persistence: Option<f64>,
    /// Planted effect of a first MDT on A&E attendances over 12 months (0.15 = 15% fewer).
    #[arg(long, default_value_t = PlantedEffect::default().ae_reduction)]
    effect_ae: f64,
    /// Planted effect on emergency admissions (0.05 = 5% fewer).
    #[arg(long, default_value_t = PlantedEffect::default().emergency_admission_reduction)]
    effect_emergency: f64,
    /// Planted effect on social care cost (0.05 = 5% more).
    #[arg(long, default_value_t = PlantedEffect::default().social_care_cost_increase)]
    effect_social_care_cost: f64,
    /// Replace the dataset at --out if there is one.
    #[arg(long)]
    force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum DatasetCommand {
    /// Verify a dataset (manifest, hashes, schemas, every value, keys, references) and summarise it.
    Check {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Check a folder of Parquet tables exported elsewhere (a folder per table) and write its dataset.toml.
    Seal {
        dir: PathBuf,
        /// The last date the extract describes (YYYY-MM-DD).
        #[arg(long)]
        extract_date: NaiveDate,
        /// Where the data came from.
        #[arg(long, default_value = "partnership warehouse extract")]
        source: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Where the demo borough lives.
    #[arg(long, default_value = "accord-data/borough")]
    data: PathBuf,
    #[arg(long, default_value_t = 250_000)]
    persons: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Years of history. Five give every rolling indicator the five yearly points that
    /// Fingertips' recent trend needs.
    #[arg(long, default_value_t = 5)]
    years: u32,
    /// The dashboard's port (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Stop after the refresh instead of serving the dashboard.
    #[arg(long)]
    no_serve: bool,
    /// The MDT workflow's database (default: an SQLite file beside the borough); demo data is loaded into it if it is empty.
    #[arg(long, env = "DATABASE_URL")]
    database: Option<String>,
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Synth(args) => {
            let params = synth_params(&args)?;
            let report = synthesise(&params, &args.out, args.force, args.json)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
            Ok(())
        }
        Command::Dataset(DatasetCommand::Check { dir, json }) => {
            let rows: u64 = accord_dataset::Manifest::read(&dir)?
                .files
                .iter()
                .map(|f| f.rows)
                .sum();
            let progress = bar(rows, "checking rows", json);
            let dataset = Dataset::open_with_progress(&dir, &|n| progress.inc(n))?;
            progress.finish_and_clear();
            print_report(dataset.report(), json)
        }
        Command::Dataset(DatasetCommand::Seal {
            dir,
            extract_date,
            source,
            json,
        }) => {
            let origin = Origin {
                extract_date,
                source,
                generator: None,
            };
            let progress = bar(0, "checking rows", json);
            let (manifest, report) = seal(&dir, &origin, &|n| progress.inc(n))?;
            progress.finish_and_clear();
            if !json {
                println!(
                    "sealed {} files into {}",
                    manifest.files.len(),
                    dir.join(accord_dataset::MANIFEST_FILE).display()
                );
            }
            print_report(&report, json)
        }
        Command::Demo(args) => demo(&args),
        Command::Refresh(args) => crate::outcomes::run_refresh(&args).map(|_| ()),
        Command::Explain(args) => crate::outcomes::run_explain(&args),
        Command::Framework(command) => crate::outcomes::run_framework(&command),
        Command::Export(args) => crate::outcomes::run_export(&args),
        Command::Spc(args) => crate::spc::run(&args),
        Command::Serve(args) => crate::serve::run(&args),
        Command::Segment(args) => crate::people::run_segment(&args),
        Command::Risk(command) => crate::people::run_risk(&command),
        Command::Casefind(args) => crate::people::run_casefind(&args),
        Command::Evaluate(args) => crate::evaluate::run_evaluate(&args),
        Command::Match(args) => crate::evaluate::run_match(&args),
        Command::Mdt(command) => crate::mdt::run(&command),
        Command::Money(args) => crate::money::run_money(&args),
        Command::Contracts(command) => crate::money::run_contracts(&command),
        Command::Contract(command) => crate::money::run_contract(&command),
    }
}

fn print_report(report: &accord_dataset::CheckReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}

fn synth_params(args: &SynthArgs) -> Result<SynthParams> {
    let mut params = SynthParams::new(args.persons, args.seed, args.end_date);
    params.years = args.years;
    if let Some(start) = args.mdt_start {
        params.mdt.start_date = start;
    }
    if let Some(rate) = args.mdt_new_per_100k {
        params.mdt.new_per_month_per_100k = rate;
    }
    if let Some(persistence) = args.shock_persistence {
        params.shock_persistence = persistence;
    }
    params.mdt.effect = PlantedEffect {
        ae_reduction: args.effect_ae,
        emergency_admission_reduction: args.effect_emergency,
        social_care_cost_increase: args.effect_social_care_cost,
    };
    params.validate()?;
    Ok(params)
}

/// Generates a borough, writes it atomically and checks what was written.
fn synthesise(
    params: &SynthParams,
    out: &Path,
    force: bool,
    quiet: bool,
) -> Result<accord_dataset::CheckReport> {
    // Refused before the work: a dataset replaces only an earlier dataset, with --force.
    Destination {
        path: out,
        kind: &DATASET_OUTPUT,
        replace: force,
        inputs: &[],
    }
    .check()?;
    let started = Instant::now();
    let persons = params.persons as u64;
    let people = bar(persons, "people", quiet);
    let history = bar(persons, "histories", quiet);
    let tables = bar(persons, "tables", quiet);
    let borough = generate(params, &|stage, n| match stage {
        Stage::People => people.inc(n),
        Stage::History => history.inc(n),
        Stage::Tables => tables.inc(n),
        Stage::Mdt => {}
    })?;
    people.finish_and_clear();
    history.finish_and_clear();
    tables.finish_and_clear();
    let generated = started.elapsed();
    let generator =
        toml::Table::try_from(&borough.truth).context("recording the generator's parameters")?;
    let origin = Origin {
        extract_date: params.end_date,
        source: format!(
            "Accord synthetic borough: {} people, seed {}",
            params.persons, params.seed
        ),
        generator: Some(generator),
    };
    let rows: u64 = borough
        .tables
        .values()
        .flatten()
        .map(|b| b.num_rows() as u64)
        .sum();
    let writing = bar(2 * rows, "writing and checking rows", quiet);
    let options = WriteOptions {
        replace: force,
        ..WriteOptions::default()
    };
    let (_, report) = write_dataset(out, &borough.tables, &origin, &options, &|n| writing.inc(n))?;
    writing.finish_and_clear();
    if !quiet {
        let truth = &borough.truth.planted_effect;
        eprintln!(
            "generated {} people in {:.1} s, wrote and checked {} rows in {:.1} s",
            thousands(persons),
            generated.as_secs_f64(),
            thousands(rows),
            (started.elapsed() - generated).as_secs_f64()
        );
        eprintln!(
            "MDT programme: {} people discussed in {} discussions; planted effect removed {} of {} A&E attendances and {} of {} emergency admissions in the 12 months after a first MDT",
            thousands(truth.people_discussed),
            thousands(truth.discussions),
            thousands(truth.ae_attendances_removed),
            thousands(truth.ae_attendances_without_effect),
            thousands(truth.emergency_admissions_removed),
            thousands(truth.emergency_admissions_without_effect),
        );
    }
    Ok(report)
}

/// The main job: the default borough (generated if it is not there, checked if it is),
/// then the workspace's demo pipeline (register, refresh with money, risk model,
/// evaluation, MDT demo database), then the dashboard.
fn demo(args: &DemoArgs) -> Result<()> {
    let workspace = if args.data.join(accord_dataset::MANIFEST_FILE).exists() {
        eprintln!("using the borough already at {}", args.data.display());
        crate::open::workspace(&args.data, false)?
    } else {
        eprintln!(
            "generating a synthetic borough of {} people into {}",
            thousands(args.persons as u64),
            args.data.display()
        );
        let mut params = SynthParams::new(
            args.persons,
            args.seed,
            NaiveDate::from_ymd_opt(2026, 3, 31).context("end date")?,
        );
        params.years = args.years;
        synthesise(&params, &args.data, false, false)?;
        crate::open::workspace(&args.data, false)?
    };
    println!("{}", workspace.dataset().report());
    let layout = Layout::around(&args.data);
    let options = DemoOptions {
        database: args.database.clone(),
        evaluation_report: Report {
            kind: &crate::outputs::EVALUATION_HTML,
            render: &|e| accord_web::evaluation::standalone(e),
        },
    };
    let working = std::cell::RefCell::new(None);
    let outputs = accord_workspace::demo::run(&workspace, &layout, &options, &|event| {
        tell(event, &layout, &working);
    })?;
    println!();
    println!(
        "`accord explain --snapshot {0} islington/emergency_admissions` shows how a figure was made; `accord export --snapshot {0} --public --out results.csv` writes publishable figures",
        outputs.snapshot.display()
    );
    println!(
        "`accord money --data {0} --contracts {1} --xlsx money.xlsx` prints spend and budgets and writes the workbook; `accord money explain --snapshot {2} workstream:tht_workstreams/living_well` shows how a budget was made; `accord contract pay tht_risk_reward --snapshot {2}` works out an outcome-based contract's payment",
        args.data.display(),
        outputs.register.display(),
        outputs.snapshot.display()
    );
    if args.no_serve {
        return Ok(());
    }
    crate::serve::run(&crate::serve::ServeArgs {
        snapshot: outputs.snapshot,
        port: args.port,
        host: std::net::Ipv4Addr::LOCALHOST.into(),
        public: false,
        risk_model: outputs.risk_model,
        evaluation: outputs.evaluation,
        mdt_database: outputs.mdt_database,
        contracts: Vec::new(),
    })
}

/// Tells the user what a step of the demo did; `working` holds the spinner or bar of the
/// step under way.
fn tell(
    event: DemoEvent,
    layout: &Layout,
    working: &std::cell::RefCell<Option<indicatif::ProgressBar>>,
) {
    let finish = || {
        if let Some(bar) = working.borrow_mut().take() {
            bar.finish_and_clear();
        }
    };
    match event {
        DemoEvent::Started(what) => {
            finish();
            *working.borrow_mut() = Some(crate::progress::spinner(what, false));
        }
        DemoEvent::Finished => finish(),
        DemoEvent::RegisterWritten(path) => eprintln!(
            "illustrative contract register written to {}",
            path.display()
        ),
        DemoEvent::Indicator(total) => working
            .borrow_mut()
            .get_or_insert_with(|| bar(total as u64, "indicators", false))
            .inc(1),
        DemoEvent::Refreshed(snapshot) => {
            finish();
            crate::outcomes::print_refreshed(snapshot, &layout.snapshot());
        }
        DemoEvent::RiskModel(trained) => {
            let p = trained
                .card
                .temporal
                .as_ref()
                .unwrap_or(&trained.card.split);
            println!(
                "risk model of emergency admission written to {0}: validation AUC {1:.3} ({2:.3} to {3:.3}), calibration-in-the-large {4:+.3}; `accord risk report --model {0}` prints its card, `accord casefind --data {5} --model {0} --network N01` lists people for MDT review",
                layout.risk_model().display(),
                p.auc.auc,
                p.auc.lower,
                p.auc.upper,
                p.calibration.intercept,
                layout.data().display()
            );
        }
        DemoEvent::Evaluated(evaluation, options) => println!(
            "MDT evaluation written to {} and {}: {}",
            layout.evaluation().display(),
            layout.evaluation_report().display(),
            crate::evaluate::summary_line(evaluation, options)
        ),
        DemoEvent::MdtLoaded(summary, url) => crate::mdt::print_demo(summary, url),
        DemoEvent::MdtFound(url) => println!(
            "using the MDT database already at {} (demo users' password: {:?}; demo only)",
            accord_mdt::store::redact(url),
            accord_mdt::demo::DEMO_PASSWORD
        ),
        DemoEvent::Skipped(step, err) => {
            finish();
            eprintln!("no {step}: {err}");
        }
    }
}
