//! `accord money` (spend and budgets, `explain`, `whatif`) and `accord contracts`
//! (`check`, `list`, `synth`): the money half, from a dataset, a contract register, unit
//! costs and budget plans.

use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_contracts::{Register, UnitCosts};
use accord_model::Pence;
use accord_money::{explain, whatif};
use accord_snapshot::Snapshot;
use accord_snapshot::money::MoneyResults;
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use crate::outcomes::DEFAULT_SNAPSHOT;

use crate::outputs::write_file;

/// The definitions money is computed from.
#[derive(Debug, Clone, Default, Args)]
pub struct MoneyDefinitions {
    /// The contract register (CSV, or TOML with `[[contract]]` tables).
    #[arg(long, value_name = "FILE")]
    pub contracts: Option<PathBuf>,
    /// Unit costs (TOML; default: the built-in table).
    #[arg(long, value_name = "FILE")]
    pub unit_costs: Option<PathBuf>,
    /// Budget plans: built-in names (tht_workstreams, mcmw_over_65s) or TOML files (default: every built-in).
    #[arg(long = "plan", value_name = "NAME|FILE")]
    pub plans: Vec<String>,
    /// Further segment models to break spend down by, beside the built-in ones (files).
    #[arg(long = "segments", value_name = "FILE")]
    pub segments: Vec<String>,
    /// The last day of the budget year (default: the latest 31 March in the data).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub year_end: Option<NaiveDate>,
}

impl MoneyDefinitions {
    /// Reads every definition file; problems name their file, line and field. Nothing
    /// without a register.
    pub fn load(&self) -> Result<Option<accord_workspace::MoneyDefinitions>> {
        let Some(contracts) = &self.contracts else {
            return Ok(None);
        };
        Ok(Some(accord_workspace::MoneyDefinitions::load(
            contracts,
            self.unit_costs.as_deref(),
            &self.plans,
            &self.segments,
        )?))
    }
}

/// Money for a dataset: opened, histories loaded, computed. Prints how long each took.
pub fn money_for(
    data: &Path,
    definitions: &MoneyDefinitions,
    quiet: bool,
) -> Result<Option<MoneyResults>> {
    let Some(loaded) = definitions.load()? else {
        return Ok(None);
    };
    let started = Instant::now();
    let workspace = crate::open::workspace(data, true)?;
    let loaded_at = started.elapsed();
    let results = workspace.money(&loaded, definitions.year_end)?;
    if !quiet {
        eprintln!(
            "money for {}: dataset opened and histories loaded in {:.2} s, spend and budgets computed in {:.2} s",
            results.year.label,
            loaded_at.as_secs_f64(),
            (started.elapsed() - loaded_at).as_secs_f64()
        );
    }
    Ok(Some(results))
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct MoneyArgs {
    #[command(subcommand)]
    command: Option<MoneyCommand>,
    /// The dataset folder.
    #[arg(long, default_value = "accord-data/borough")]
    data: PathBuf,
    #[command(flatten)]
    definitions: MoneyDefinitions,
    /// Print everything as JSON.
    #[arg(long)]
    json: bool,
    /// Also write every table as an xlsx workbook here.
    #[arg(long, value_name = "FILE")]
    xlsx: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum MoneyCommand {
    /// How a budget or contract line was made: its population, weights, shares and rule.
    Explain {
        /// contract:ID, workstream:PLAN/ID or capitation:PLAN/UNIT/GROUP.
        line: Option<String>,
        #[arg(long, default_value = DEFAULT_SNAPSHOT)]
        snapshot: PathBuf,
        /// The register, to add its line and the SQL of a contract's spend.
        #[arg(long, value_name = "FILE")]
        contracts: Option<PathBuf>,
        /// List the lines instead.
        #[arg(long)]
        list: bool,
    },
    /// What if the population grows, activity moves to another setting, or a condition grows more common?
    Whatif {
        #[arg(long, default_value = "accord-data/borough")]
        data: PathBuf,
        #[command(flatten)]
        definitions: MoneyDefinitions,
        /// Growth of an age range, e.g. 65+:0.03 (3% more people aged 65 and over). Repeatable.
        #[arg(long, value_name = "AGES:SHARE")]
        growth: Vec<String>,
        /// Move a share of one setting's rows to another at its unit cost, e.g. apc_nel:community:0.05. Repeatable.
        #[arg(long, value_name = "FROM:TO:SHARE")]
        shift: Vec<String>,
        /// A condition grows more common, e.g. diabetes:0.1 (10% more people with it). Repeatable.
        #[arg(long, value_name = "CONDITION:SHARE")]
        prevalence: Vec<String>,
        /// The plan whose workstreams to show (default: its first plan).
        #[arg(long = "for", value_name = "PLAN")]
        for_plan: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContractsCommand {
    /// Check a contract register: every problem with its line and field.
    Check {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List a register's contracts with their value in a year.
    List {
        file: PathBuf,
        /// The last day of the year to value them in (default: the latest 31 March).
        #[arg(long)]
        year_end: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Write the synthetic borough's illustrative register for a dataset.
    Synth {
        #[arg(long, default_value = "accord-data/borough")]
        data: PathBuf,
        #[arg(long, default_value = "accord-data/contracts.csv")]
        out: PathBuf,
    },
}

pub fn run_money(args: &MoneyArgs) -> Result<()> {
    match &args.command {
        Some(MoneyCommand::Explain {
            line,
            snapshot,
            contracts,
            list,
        }) => run_explain(line.as_deref(), snapshot, contracts.as_deref(), *list),
        Some(MoneyCommand::Whatif {
            data,
            definitions,
            growth,
            shift,
            prevalence,
            for_plan,
            json,
        }) => {
            let scenario =
                whatif::Scenario::parse(growth, shift, prevalence).map_err(anyhow::Error::msg)?;
            let loaded = definitions
                .load()?
                .context("give the contract register with --contracts")?;
            let workspace = crate::open::workspace(data, *json)?;
            let plan = for_plan
                .clone()
                .or_else(|| loaded.plans.first().map(|p| p.id.clone()))
                .context("no budget plan")?;
            let effects = whatif::run(
                &loaded.inputs(workspace.histories()?, definitions.year_end),
                &plan,
                &scenario,
            )?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&effects)?);
                return Ok(());
            }
            println!("What if, for the workstreams of {plan}:");
            println!(
                "  {:<40} {:>10} {:>12} {:>16} {:>16} {:>16} {:>16}",
                "workstream",
                "people",
                "people after",
                "budget",
                "budget after",
                "spend",
                "spend after"
            );
            for e in &effects {
                println!(
                    "  {:<40} {:>10} {:>12.0} {:>16} {:>16} {:>16} {:>16}",
                    e.label,
                    e.people,
                    e.people_after,
                    e.budget.to_string(),
                    e.budget_after.to_string(),
                    e.spend.to_string(),
                    e.spend_after.to_string()
                );
            }
            Ok(())
        }
        None => {
            if args.definitions.contracts.is_none() {
                bail!(
                    "give the contract register with --contracts FILE (`accord contracts synth` writes the synthetic borough's)"
                );
            }
            if let Some(xlsx) = &args.xlsx {
                accord_dataset::Destination::replacing(
                    xlsx,
                    &accord_money::workbook::WORKBOOK_OUTPUT,
                    &[args.data.as_path()],
                )
                .check()?;
            }
            let results =
                money_for(&args.data, &args.definitions, args.json)?.context("no register")?;
            if let Some(xlsx) = &args.xlsx {
                write_workbook(&results, xlsx, &args.data)?;
            }
            if args.json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            } else {
                print_money(&results);
                if let Some(xlsx) = &args.xlsx {
                    println!("\nworkbook written to {}", xlsx.display());
                }
            }
            Ok(())
        }
    }
}

fn write_workbook(results: &MoneyResults, path: &Path, data: &Path) -> Result<()> {
    let bytes = accord_money::workbook::workbook(results).context("building the workbook")?;
    accord_dataset::write_output_file(
        &accord_dataset::Destination::replacing(
            path,
            &accord_money::workbook::WORKBOOK_OUTPUT,
            &[data],
        ),
        &bytes,
    )?;
    Ok(())
}

fn share(part: Pence, whole: Pence) -> String {
    if whole.0 == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part.0 as f64 / whole.0 as f64)
    }
}

/// The money results for a terminal.
pub fn print_money(r: &MoneyResults) {
    println!(
        "Money in {} ({} to {})",
        r.year.label, r.year.start, r.year.end
    );
    println!("  register: {}; unit costs: {}", r.register, r.unit_costs);
    println!(
        "  spend {} on {} rows; {} people registered, {} a head; {} ({}) from unit costs",
        r.total.spend,
        r.total.rows,
        r.total.people,
        r.total
            .per_person
            .map_or_else(|| "–".into(), |p| p.to_string()),
        r.total.from_unit_costs,
        share(r.total.from_unit_costs, r.total.spend)
    );
    if let Some(settings) = r.table("setting") {
        println!(
            "\n  {:<28} {:>16} {:>8} {:>12}",
            "setting", "spend", "share", "unit costs"
        );
        for row in settings.rows.iter().filter(|r| r.rows > 0) {
            println!(
                "  {:<28} {:>16} {:>8} {:>12}",
                row.label,
                row.spend.to_string(),
                share(row.spend, r.total.spend),
                share(row.from_unit_costs, row.spend)
            );
        }
    }
    let value: Pence = r.contracts.iter().map(|c| c.value).sum();
    let paid: Pence = r.contracts.iter().map(|c| c.spend).sum();
    println!(
        "\n  {} contracts in force, worth {}; the activity they paid for cost {}; {} of activity ({}) in no contract",
        r.contracts.len(),
        value,
        paid,
        r.uncontracted.spend,
        share(r.uncontracted.spend, r.total.spend)
    );
    let mut models: Vec<&str> = r
        .contracts
        .iter()
        .map(|c| c.payment_model.as_str())
        .collect();
    models.sort_unstable();
    models.dedup();
    println!(
        "  {:<16} {:>10} {:>18} {:>18} {:>18}",
        "payment model", "contracts", "value", "costed activity", "gap"
    );
    for model in models {
        let of: Vec<_> = r
            .contracts
            .iter()
            .filter(|c| c.payment_model == model)
            .collect();
        let v: Pence = of.iter().map(|c| c.value).sum();
        let s: Pence = of.iter().map(|c| c.spend).sum();
        println!(
            "  {:<16} {:>10} {:>18} {:>18} {:>18}",
            model,
            of.len(),
            v.to_string(),
            s.to_string(),
            (v - s).to_string()
        );
    }
    print!("\n  the costliest people's share of spend:");
    for c in &r.concentration {
        print!("  top {}% {:.1}%", c.percent, 100.0 * c.share);
    }
    println!();
    for plan in &r.plans {
        println!("\n{} ({})", plan.name, plan.id);
        println!(
            "  {:<52} {:>9} {:>16} {:>16} {:>16}",
            "workstream", "people", "budget", "actual", "variance"
        );
        for w in &plan.workstreams {
            println!(
                "  {:<52} {:>9} {:>16} {:>16} {:>16}",
                w.label,
                w.people,
                w.budget.to_string(),
                w.actual.to_string(),
                w.variance.to_string()
            );
        }
        println!(
            "  {:<52} {:>9} {:>16}",
            "outside the plan",
            "",
            plan.outside.to_string()
        );
        let cap = &plan.capitation;
        println!(
            "  capitation: envelope {} ({}); need index {}; pace of change {}",
            cap.envelope,
            cap.envelope_source,
            cap.need,
            cap.pace_of_change
                .map_or_else(|| "none".into(), |p| format!("{:.1}%", 100.0 * p))
        );
        if let Some(networks) = cap.tables.iter().find(|t| t.unit == "network") {
            println!(
                "  {:<12} {:>9} {:>12} {:>16} {:>16} {:>16}",
                "network", "people", "weighted", "budget", "actual", "variance"
            );
            for l in networks.lines.iter().filter(|l| l.people > 0) {
                println!(
                    "  {:<12} {:>9} {:>12.0} {:>16} {:>16} {:>16}",
                    l.label,
                    l.people,
                    l.weighted_population,
                    l.budget.to_string(),
                    l.actual.to_string(),
                    l.variance.to_string()
                );
            }
        }
    }
    println!("\n`accord money explain --list` names every line whose making can be shown.");
}

fn run_explain(
    line: Option<&str>,
    snapshot: &Path,
    contracts: Option<&Path>,
    list: bool,
) -> Result<()> {
    let read = Snapshot::read(snapshot)
        .with_context(|| format!("reading the snapshot {}", snapshot.display()))?;
    let results = read.money.with_context(|| {
        format!(
            "{} holds no money results: refresh with --contracts FILE",
            snapshot.display()
        )
    })?;
    if list || line.is_none() {
        for l in explain::lines(&results) {
            println!("{l}");
        }
        return Ok(());
    }
    let register = contracts.map(Register::load).transpose()?;
    let unit_costs = UnitCosts::builtin()?;
    let text = explain::explain(
        &results,
        register.as_ref(),
        Some(&unit_costs),
        line.unwrap_or_default(),
    )
    .map_err(|e| anyhow::anyhow!("{e} (`accord money explain --list` lists them)"))?;
    print!("{text}");
    Ok(())
}

pub fn run_contracts(command: &ContractsCommand) -> Result<()> {
    match command {
        ContractsCommand::Check { file, json } => {
            let register = Register::load(file)?;
            let models = accord_cohort::segment::builtin();
            register.check_segments(|m, s| match models.iter().find(|x| x.id == m) {
                None => Err(format!(
                    "unknown segment model {m:?} (built in: {})",
                    models
                        .iter()
                        .map(|m| m.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Some(model) if model.index_of(s).is_none() => {
                    Err(format!("segment model {m} has no segment {s:?}"))
                }
                Some(_) => Ok(()),
            })?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&register)?);
            } else {
                let ids: std::collections::BTreeSet<&str> =
                    register.contracts.iter().map(|c| c.id.as_str()).collect();
                println!(
                    "{}: {} contracts in {} rows, all checked",
                    file.display(),
                    ids.len(),
                    register.contracts.len()
                );
            }
            Ok(())
        }
        ContractsCommand::List {
            file,
            year_end,
            json,
        } => {
            let register = Register::load(file)?;
            let end = year_end.unwrap_or_else(|| chrono::Local::now().date_naive());
            let year =
                accord_money::budget_year(end).context("no financial year ends by that date")?;
            let rows: Vec<_> = register
                .contracts
                .iter()
                .filter(|c| c.days_within(year.start, year.end) > 0)
                .collect();
            if *json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            println!("Contracts in force in {} ({})", year.label, file.display());
            println!(
                "  {:<6} {:<8} {:<58} {:<22} {:<12} {:>16}",
                "id", "provider", "service", "services", "model", "value in year"
            );
            for c in &rows {
                println!(
                    "  {:<6} {:<8} {:<58} {:<22} {:<12} {:>16}",
                    c.id,
                    c.provider_code,
                    c.provider_name.chars().take(58).collect::<String>(),
                    c.services
                        .iter()
                        .map(|s| accord_model::Vocabulary::code(*s))
                        .collect::<Vec<_>>()
                        .join(";"),
                    c.payment_model.code(),
                    c.value_within(year.start, year.end).to_string()
                );
            }
            println!("  total {}", register.value_within(year.start, year.end));
            Ok(())
        }
        ContractsCommand::Synth { data, out } => {
            crate::open::workspace(data, false)?.write_synthetic_register(out)?;
            println!(
                "illustrative contract register for {} written to {}",
                data.display(),
                out.display()
            );
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// Check an outcome-based contract file (or a built-in example) against the frameworks.
    Check {
        /// A built-in example (richmond_alliance, tht_risk_reward, mcmw_over_65s_contract) or a TOML file.
        contract: String,
        /// Check its indicators against this snapshot's (default: the built-in frameworks).
        #[arg(long)]
        snapshot: Option<PathBuf>,
    },
    /// The payment for a period: each indicator's value, interval and achievement, the pot, gateways, caps, risk share, partners' shares, and how likely it is to be noise.
    Pay {
        contract: String,
        #[arg(long, default_value = DEFAULT_SNAPSHOT)]
        snapshot: PathBuf,
        /// The period's last day (default: the latest in the snapshot).
        #[arg(long, value_name = "YYYY-MM-DD")]
        period: Option<NaiveDate>,
        /// Draws of the payment's distribution.
        #[arg(long, default_value_t = 10_000)]
        draws: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        json: bool,
        /// Also write the payment's tables as an xlsx workbook here.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Also write each indicator's value, achievement and payment as CSV here.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Also write the outcome metrics, pricings and payments in the INDIGO data standard's shape (JSON) here.
        #[arg(long, value_name = "FILE")]
        indigo: Option<PathBuf>,
    },
    /// What if an indicator had another value? The payment, and its change.
    Scenario {
        contract: String,
        #[arg(long, default_value = DEFAULT_SNAPSHOT)]
        snapshot: PathBuf,
        /// framework/indicator=value, e.g. west_london/emergency_admissions_65_plus=250. Repeatable.
        #[arg(long = "set", value_name = "INDICATOR=VALUE", required = true)]
        sets: Vec<String>,
        #[arg(long)]
        period: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
}

fn polarity_of_builtin(framework: &str, indicator: &str) -> Result<String, String> {
    let known = accord_framework::builtin::all().map_err(|e| e.to_string())?;
    let f = known.iter().find(|f| f.id == framework).ok_or_else(|| {
        format!(
            "unknown framework {framework:?} (built in: {})",
            known
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    f.indicators
        .iter()
        .find(|i| i.id == indicator)
        .map(|i| i.polarity.code().to_string())
        .ok_or_else(|| format!("framework {framework} has no indicator {indicator:?}"))
}

pub fn run_contract(command: &ContractCommand) -> Result<()> {
    use accord_contracts::load_outcome_contract;
    use accord_money::payment::{PaymentOptions, check_against, pay};
    let read = |path: &Path| {
        Snapshot::read(path).with_context(|| format!("reading the snapshot {}", path.display()))
    };
    match command {
        ContractCommand::Check { contract, snapshot } => {
            let c = load_outcome_contract(contract)?;
            match snapshot {
                Some(path) => check_against(&c, &read(path)?)?,
                None => c.check_indicators(polarity_of_builtin)?,
            }
            println!(
                "{}: {} indicators, {} gateways, {} partners, all checked",
                c.file,
                c.indicators.len(),
                c.gateways.len(),
                c.partners.len()
            );
            Ok(())
        }
        ContractCommand::Pay {
            contract,
            snapshot,
            period,
            draws,
            seed,
            json,
            xlsx,
            csv,
            indigo,
        } => {
            let c = load_outcome_contract(contract)?;
            let inputs = [snapshot.as_path()];
            let outputs: Vec<(&PathBuf, &accord_dataset::OutputKind)> = [
                (xlsx.as_ref(), &accord_money::workbook::WORKBOOK_OUTPUT),
                (csv.as_ref(), &crate::outputs::PAYMENT_CSV),
                (indigo.as_ref(), &crate::outputs::INDIGO_JSON),
            ]
            .into_iter()
            .filter_map(|(path, kind)| path.map(|p| (p, kind)))
            .collect();
            // Refused before the work, not after it.
            for (path, kind) in &outputs {
                accord_dataset::Destination::replacing(path, kind, &inputs).check()?;
            }
            let options = PaymentOptions {
                period_end: *period,
                draws: *draws,
                seed: *seed,
                overrides: Vec::new(),
            };
            let payment = pay(&c, &read(snapshot)?, &options)?;
            if let Some(xlsx) = xlsx {
                let bytes = accord_money::workbook::sheets_workbook(
                    &payment.sheets(),
                    &format!("payment of {} for {}", payment.contract, payment.year),
                )
                .context("building the workbook")?;
                accord_dataset::write_output_file(
                    &accord_dataset::Destination::replacing(
                        xlsx,
                        &accord_money::workbook::WORKBOOK_OUTPUT,
                        &[snapshot.as_path()],
                    ),
                    &bytes,
                )?;
            }
            if let Some(csv) = csv {
                let sheet = payment
                    .sheets()
                    .into_iter()
                    .find(|s| s.name == "indicators")
                    .context("the indicators' table")?;
                write_file(
                    csv,
                    &crate::outputs::PAYMENT_CSV,
                    &inputs,
                    sheet.csv().as_bytes(),
                )?;
            }
            if let Some(indigo) = indigo {
                let text = serde_json::to_string_pretty(&payment.indigo(&c))? + "\n";
                write_file(
                    indigo,
                    &crate::outputs::INDIGO_JSON,
                    &inputs,
                    text.as_bytes(),
                )?;
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&payment)?);
            } else {
                print_payment(&payment);
            }
            Ok(())
        }
        ContractCommand::Scenario {
            contract,
            snapshot,
            sets,
            period,
            json,
        } => {
            let c = load_outcome_contract(contract)?;
            let mut overrides = Vec::new();
            for set in sets {
                let (name, value) = set
                    .split_once('=')
                    .with_context(|| format!("--set {set:?}: write framework/indicator=value"))?;
                let value: f64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .with_context(|| format!("--set {set:?}: {value:?} is not a number"))?;
                overrides.push((name.trim().to_string(), value));
            }
            let snapshot = read(snapshot)?;
            let base = PaymentOptions {
                period_end: *period,
                ..PaymentOptions::default()
            };
            let before = pay(&c, &snapshot, &base)?;
            let after = pay(&c, &snapshot, &PaymentOptions { overrides, ..base })?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "before": before, "after": after })
                    )?
                );
                return Ok(());
            }
            println!(
                "Scenario for {} ({}), {}",
                after.name, after.contract, after.year
            );
            println!(
                "  {:<52} {:>12} {:>12} {:>12} {:>12}",
                "indicator", "value", "scenario", "achieved", "scenario"
            );
            for (b, a) in before.indicators.iter().zip(&after.indicators) {
                println!(
                    "  {:<52} {:>12} {:>12} {:>12.3} {:>12.3}",
                    format!("{}/{}", a.framework, a.indicator),
                    b.value.map_or_else(|| "–".into(), |v| format!("{v:.2}")),
                    a.value.map_or_else(|| "–".into(), |v| format!("{v:.2}")),
                    b.achievement,
                    a.achievement
                );
            }
            println!(
                "  outcome payment {} → {} ({}); to the alliance {} → {}",
                before.outcome_payment,
                after.outcome_payment,
                after.outcome_payment - before.outcome_payment,
                before.to_alliance,
                after.to_alliance
            );
            Ok(())
        }
    }
}

/// A payment for a terminal.
fn print_payment(p: &accord_money::payment::Payment) {
    println!(
        "{} ({}): payment for {}, contract year {}",
        p.name, p.contract, p.year, p.contract_year
    );
    if p.illustrative {
        println!(
            "  ILLUSTRATIVE: the value, shares, thresholds and targets are not any partnership's"
        );
    }
    println!(
        "  snapshot: dataset {} refreshed {}",
        p.snapshot_fingerprint, p.snapshot_created_at
    );
    println!(
        "  pot: {} × {:.1}% at risk = {}",
        p.annual_value,
        100.0 * p.share_at_risk,
        p.pot
    );
    println!(
        "\n  {:<48} {:>10} {:>22} {:>10} {:>10} {:>7} {:>7} {:>9} {:>9}",
        "indicator",
        "value",
        "95% interval",
        "threshold",
        "target",
        "weight",
        "score",
        "P(>thr)",
        "P(>tgt)"
    );
    for i in &p.indicators {
        let pct = |x: Option<f64>| x.map_or_else(|| "–".into(), |x| format!("{:.1}%", 100.0 * x));
        println!(
            "  {:<48} {:>10} {:>22} {:>10} {:>10} {:>7.2} {:>7.3} {:>9} {:>9}",
            format!("{}/{}", i.framework, i.indicator),
            i.value.map_or_else(|| "–".into(), |v| format!("{v:.2}")),
            match (i.lower95, i.upper95) {
                (Some(l), Some(u)) => format!("{l:.2}–{u:.2}"),
                _ => "–".into(),
            },
            i.threshold,
            i.target,
            i.weight,
            i.weighted,
            pct(i.p_past_threshold),
            pct(i.p_at_target)
        );
    }
    println!("  weighted score {:.4}", p.score);
    for g in &p.gateways {
        println!(
            "  gateway: {} — {} ({})",
            g.description,
            if g.passed { "passed" } else { "FAILED" },
            g.detail
        );
    }
    println!(
        "  outcome payment: {} (pot × score {}, held within {}..{})",
        p.outcome_payment, p.before_limits, p.floor, p.cap
    );
    if let Some(r) = &p.risk_share {
        println!(
            "  risk share: budget {} less actual {} ({}) = {}; the alliance's {:.0}% is {}, held within ±{}: {}",
            r.budget,
            r.actual,
            r.actual_source,
            r.gain,
            100.0 * (1.0 - r.commissioner_ratio),
            r.alliance_before_cap,
            r.cap_collar,
            r.alliance
        );
    }
    println!("  to the alliance: {}", p.to_alliance);
    for s in &p.partners {
        println!(
            "    {:<56} {:>6.1}% {:>16}",
            s.name,
            100.0 * s.share,
            s.amount.to_string()
        );
    }
    let d = &p.distribution;
    println!(
        "  noise: over {} draws of the indicators from their intervals (seed {}), the outcome payment averages {} (sd {}), 90% of draws between {} and {}; {:.1}% of draws pay nothing",
        d.draws,
        d.seed,
        d.mean,
        d.sd,
        d.p5,
        d.p95,
        100.0 * d.p_zero
    );
    println!("  sensitivity (the outcome payment if one indicator were 5% worse / better):");
    for s in &p.sensitivity {
        println!(
            "    {:<48} {:>16} {:>16}",
            s.indicator,
            s.worse.to_string(),
            s.better.to_string()
        );
    }
    for n in &p.notes {
        println!("  note: {n}");
    }
}
