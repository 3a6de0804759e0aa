//! The person-level commands: `accord segment` (segment sizes, flows, activity and spend),
//! `accord risk fit|report` (the emergency-admission model and its card) and `accord
//! casefind` (MDT case lists). Case lists and exported matrices are person-level: they are
//! written only where the user names a file, and only to that file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_cohort::at::{day_of, day_text, year_ends};
use accord_cohort::{Histories, SegmentReport, segment, segment_report};
use accord_dataset::{Destination, write_file_atomically, write_folder_atomically};
use accord_model::dates;
use accord_risk::card;
use accord_risk::model::{
    CARD_JSON, CARD_MARKDOWN, MODEL_FILE, MODEL_OUTPUT, read_card, read_model, write_model,
};
use accord_risk::{CaseFinding, CaseList, RiskModel, Scope, Top, TrainOptions};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::open::print_json;
use crate::outputs::{CASE_LIST, CASE_LIST_HEADER, RISK_MATRICES, write_file};
use crate::progress::spinner;

pub const DEFAULT_DATA: &str = "accord-data/borough";
const DEFAULT_MODEL: &str = "accord-data/risk-model";

#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Segmentation models: built-in names or .toml files (default: every built-in).
    #[arg(long = "model", value_name = "NAME|FILE")]
    models: Vec<String>,
    /// The last year end to report (default: the extract date); earlier year ends go back
    /// a year at a time while a whole year of data lies before them.
    #[arg(long)]
    date: Option<NaiveDate>,
    /// List the built-in models and their segments instead.
    #[arg(long)]
    list: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Fit the emergency-admission model, validate it and write it with its model card.
    Fit(FitArgs),
    /// Print a fitted model's card.
    Report {
        #[arg(long, default_value = DEFAULT_MODEL)]
        model: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct FitArgs {
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// The model folder to write (replaced atomically).
    #[arg(long, default_value = DEFAULT_MODEL)]
    out: PathBuf,
    /// The temporal validation date T (default: a year before the extract date); the model
    /// is developed on features 12 months before T.
    #[arg(long)]
    validation_date: Option<NaiveDate>,
    /// Seed of the 75/25 split and of tie-breaking at the case-finding cuts.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write the development and validation matrices (features, outcome, Accord's
    /// prediction) as CSV into this folder, for checking against other software.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct CasefindArgs {
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// A model folder written by `accord risk fit`.
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: PathBuf,
    /// The network whose list to draw.
    #[arg(
        long,
        conflicts_with = "practice",
        required_unless_present = "practice"
    )]
    network: Option<String>,
    /// The practice whose list to draw.
    #[arg(long)]
    practice: Option<String>,
    /// How many: a share of the registered list (2%) or a number of people (40).
    #[arg(long, default_value = "2%")]
    top: Top,
    /// The date to score on (default: the extract date).
    #[arg(long)]
    date: Option<NaiveDate>,
    /// Leave out people discussed at an MDT in this many months before the date (0 keeps them).
    #[arg(long, default_value_t = 6)]
    exclude_discussed_months: u32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the list as CSV to this file (person-level: keep it inside the care team).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// The day of `--date`, or the extract date; a date after the extract is refused.
fn date_or_extract(histories: &Histories, date: Option<NaiveDate>) -> Result<i32> {
    let day = date.map_or(histories.extract_day, day_of);
    if day > histories.extract_day {
        bail!(
            "--date {} is after the extract date {}",
            day_text(day),
            day_text(histories.extract_day)
        );
    }
    Ok(day)
}

pub fn run_segment(args: &SegmentArgs) -> Result<()> {
    if args.list {
        let models = segment::builtin();
        if args.json {
            return print_json(&models);
        }
        for model in models {
            println!("{} (version {}): {}", model.id, model.version, model.name);
            for s in &model.segments {
                println!("  {:<28} {}", s.id, s.label);
            }
        }
        return Ok(());
    }
    let models = if args.models.is_empty() {
        segment::builtin()
    } else {
        args.models
            .iter()
            .map(|m| segment::load(m))
            .collect::<Result<Vec<_>, _>>()?
    };
    let workspace = crate::open::workspace(&args.data, args.json)?;
    let histories = workspace.histories()?;
    let end = date_or_extract(histories, args.date)?;
    let mut days = year_ends(histories.data_start, end);
    if days.is_empty() {
        days.push(end);
    }
    let dates: Vec<NaiveDate> = days.iter().filter_map(|d| dates::from_days(*d)).collect();
    let reports: Vec<SegmentReport> = models
        .iter()
        .map(|m| segment_report(histories, m, &dates))
        .collect();
    if args.json {
        return print_json(&reports);
    }
    for report in &reports {
        print_segment_report(report);
    }
    Ok(())
}

fn print_segment_report(report: &SegmentReport) {
    println!(
        "\n{} ({}, version {})",
        report.name, report.model, report.version
    );
    print!("  {:<30}", "segment (people)");
    for date in &report.dates {
        print!(" {:>11}", date.to_string());
    }
    println!();
    for (id, _) in &report.segments {
        print!("  {id:<30}");
        for date in &report.dates {
            let people = report
                .years
                .iter()
                .find(|y| &y.date == date && &y.segment == id)
                .map_or(0, |y| y.people);
            print!(" {people:>11}");
        }
        println!();
    }
    if let Some(last) = report.dates.last() {
        println!(
            "\n  per person, 12 months to {last}: spend £, emergency admissions, A&E attendances, GP appointments"
        );
        for year in report.years.iter().filter(|y| &y.date == last) {
            println!(
                "  {:<30} {:>9.0} {:>8.3} {:>8.3} {:>8.2}",
                year.segment,
                year.per_person(year.cost_gbp),
                year.per_person(year.emergency_admissions),
                year.per_person(year.ae_attendances),
                year.per_person(year.gp_appointments)
            );
        }
    }
    if let Some(first) = report.flows.first() {
        let to_date = report.flows.last().map_or(&first.to_date, |f| &f.to_date);
        println!(
            "\n  moves between segments, year to {to_date} (people who changed segment, joined or left)"
        );
        for flow in report
            .flows
            .iter()
            .filter(|f| &f.to_date == to_date && f.from != f.to)
        {
            println!("  {:<30} → {:<30} {:>8}", flow.from, flow.to, flow.people);
        }
    }
}

/// How long each step of `accord risk fit` took.
#[derive(Debug, Serialize)]
struct FitTimings {
    load_seconds: f64,
    #[serde(flatten)]
    train: accord_risk::TrainTimings,
}

pub fn run_risk(command: &RiskCommand) -> Result<()> {
    match command {
        RiskCommand::Fit(args) => fit(args),
        RiskCommand::Report { model, json } => {
            let card = read_card(model)?;
            if *json {
                print_json(&card)
            } else {
                print!("{}", card::render(&card));
                Ok(())
            }
        }
    }
}

fn fit(args: &FitArgs) -> Result<()> {
    let started = Instant::now();
    let workspace = crate::open::workspace(&args.data, args.json)?;
    let histories = workspace.histories()?;
    let load_seconds = started.elapsed().as_secs_f64();
    let mut options = TrainOptions::latest(histories, args.seed);
    if let Some(date) = args.validation_date {
        options.validation_day = day_of(date);
    }
    let inputs = [args.data.as_path()];
    let model_destination = Destination::replacing(&args.out, &MODEL_OUTPUT, &inputs);
    model_destination.check()?;
    let export_destination = args
        .export
        .as_deref()
        .map(|dir| Destination::replacing(dir, &RISK_MATRICES, &inputs));
    if let Some(export) = &export_destination {
        export.check()?;
    }
    let progress = spinner("fitting and validating", args.json);
    let trained = workspace.fit_risk_model(options)?;
    let (model, model_card) = (trained.model, trained.card);
    progress.finish_and_clear();
    write_model(&model_destination, &model, &model_card)?;
    if let Some(export) = &export_destination {
        export_matrices(histories, &model, options, export)?;
    }
    let timings = FitTimings {
        load_seconds,
        train: trained.timings,
    };
    if args.json {
        return print_json(
            &serde_json::json!({ "out": args.out, "timings": timings, "card": model_card }),
        );
    }
    print!("{}", card::render(&model_card));
    println!(
        "\nwrote {} ({}, {}, {}); read the dataset in {:.2} s; development features {:.2} s, fit {:.2} s, everything (both cohorts, three fits, scoring, every measure) {:.2} s",
        args.out.display(),
        MODEL_FILE,
        CARD_JSON,
        CARD_MARKDOWN,
        timings.load_seconds,
        timings.train.features_seconds,
        timings.train.fit_seconds,
        timings.train.total_seconds
    );
    Ok(())
}

/// The development matrix (features, outcome, Accord's prediction) and the validation
/// scores, as CSV, for the oracle script.
fn export_matrices(
    histories: &Histories,
    model: &RiskModel,
    options: TrainOptions,
    out: &Destination,
) -> Result<()> {
    write_folder_atomically(out, |dir| -> Result<()> {
        write_matrices(histories, model, options, dir)
    })
}

fn write_matrices(
    histories: &Histories,
    model: &RiskModel,
    options: TrainOptions,
    dir: &Path,
) -> Result<()> {
    let development_day = accord_cohort::at::months_before(options.validation_day, 12);
    for (file, day) in [
        ("development.csv", development_day),
        ("validation.csv", options.validation_day),
    ] {
        let (design, outcomes) = accord_risk::model::design_on(histories, model, day);
        let predicted = model.fit.predict_all(&design);
        let mut text = design.names().join(",") + ",outcome,accord_predicted\n";
        for ((row, y), p) in design.iter_rows().zip(&outcomes).zip(&predicted) {
            for x in row {
                text.push_str(if *x == 0.0 { "0," } else { "1," });
            }
            text.push_str(&format!("{y},{p:.17e}\n"));
        }
        write_file_atomically(&dir.join(file), text.as_bytes())?;
    }
    Ok(())
}

pub fn run_casefind(args: &CasefindArgs) -> Result<()> {
    let model = read_model(&args.model)?;
    let workspace = crate::open::workspace(&args.data, args.json)?;
    let histories = workspace.histories()?;
    let day = date_or_extract(histories, args.date)?;
    let scope = match (&args.network, &args.practice) {
        (Some(n), _) => Scope::Network(n.clone()),
        (None, Some(p)) => Scope::Practice(p.clone()),
        (None, None) => bail!("name a --network or a --practice"),
    };
    let list = accord_risk::find_cases(
        histories,
        &model,
        &CaseFinding {
            scope,
            top: args.top,
            day,
            exclude_discussed_months: args.exclude_discussed_months,
            seed: args.seed,
        },
    )?;
    if let Some(file) = &args.csv {
        write_file(
            file,
            &CASE_LIST,
            &[&args.data, &args.model],
            case_list_csv(&list).as_bytes(),
        )?;
    }
    if args.json {
        return print_json(&list);
    }
    print_case_list(&list, args.exclude_discussed_months);
    if let Some(file) = &args.csv {
        println!(
            "\nwrote {} (person-level: keep it inside the care team)",
            file.display()
        );
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn case_list_csv(list: &CaseList) -> String {
    let mut out = String::from(CASE_LIST_HEADER);
    for c in &list.candidates {
        out.push_str(&format!(
            "{},{},{},{},{},{},{:.6},{:.1},{:.1},{},{},{}\n",
            c.rank,
            c.person_id,
            csv_field(&c.practice),
            csv_field(&c.network),
            c.age,
            c.sex,
            c.score,
            c.practice_percentile,
            c.network_percentile,
            c.last_mdt.as_deref().unwrap_or(""),
            csv_field(&c.reasons.join("; ")),
            csv_field(&c.frailty_deficits.join("; "))
        ));
    }
    out
}

fn print_case_list(list: &CaseList, months: u32) {
    println!(
        "Case finding for {} on {}: {} listed of {} registered ({} left out: discussed at an MDT in the {} months before); model developed on {}.",
        list.scope,
        list.date,
        list.listed,
        list.registered,
        list.excluded_recent_mdt,
        months,
        list.model_development_date
    );
    println!(
        "\n{:>4} {:>20} {:<8} {:>4} {:>3} {:>7} {:>6} {:>6}  reasons",
        "rank", "person", "practice", "age", "sex", "risk", "pr.%", "nw.%"
    );
    for c in &list.candidates {
        println!(
            "{:>4} {:>20} {:<8} {:>4} {:>3} {:>6.1}% {:>6.1} {:>6.1}  {}",
            c.rank,
            c.person_id,
            c.practice,
            c.age,
            c.sex,
            100.0 * c.score,
            c.practice_percentile,
            c.network_percentile,
            c.reasons.join("; ")
        );
    }
}
