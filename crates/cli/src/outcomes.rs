//! The outcomes commands: `refresh` (frameworks → results snapshot), `explain` (how one
//! figure was made), `framework check|list`, and `export` (CSV, exact or published).

use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_dataset::{Destination, write_output_file};
use accord_engine::RefreshOptions;
use accord_framework::{Framework, builtin};
use accord_snapshot::{ResultRow, Snapshot, write_csv};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::progress::bar;

pub const DEFAULT_SNAPSHOT: &str = "accord-data/snapshot";

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// The dataset folder.
    #[arg(long, default_value = "accord-data/borough")]
    pub data: PathBuf,
    /// Frameworks to refresh: built-in names or paths to .toml files (default: every built-in).
    #[arg(long = "framework", value_name = "NAME|FILE")]
    pub frameworks: Vec<String>,
    /// The snapshot folder to write (replaced atomically).
    #[arg(long, default_value = DEFAULT_SNAPSHOT)]
    pub out: PathBuf,
    /// Query engine threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The most memory the query engine's operators may hold (e.g. 1.5GB or 800MB); beyond
    /// it sorts and aggregations spill to temporary files (default: no limit).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<usize>,
    /// Compute every framework again, even those the snapshot at --out already holds for
    /// the same dataset, definition and program.
    #[arg(long)]
    pub no_reuse: bool,
    /// Also write the generated SQL program to this file.
    #[arg(long, value_name = "FILE")]
    pub emit_sql: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// With --contracts, money (spend, contracts, budgets) goes into the snapshot too.
    #[command(flatten)]
    pub money: crate::money::MoneyDefinitions,
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_are_read_with_their_units() {
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("800 mb"), Ok(800_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("-1GB").is_err());
    }
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The indicator: `framework/indicator`, or an id unique in the snapshot.
    pub indicator: Option<String>,
    #[arg(long, default_value = DEFAULT_SNAPSHOT)]
    pub snapshot: PathBuf,
    /// List the snapshot's indicators instead.
    #[arg(long)]
    pub list: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum FrameworkCommand {
    /// Check framework definition files and report every problem with its line.
    Check {
        #[arg(required = true, value_name = "NAME|FILE")]
        frameworks: Vec<String>,
    },
    /// List the built-in frameworks, or print one's definition file.
    List {
        /// Print this built-in framework's definition file.
        #[arg(long)]
        show: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, default_value = DEFAULT_SNAPSHOT)]
    pub snapshot: PathBuf,
    /// The CSV file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Apply the disclosure rule for publication (counts 1-7 redacted, others rounded to 5).
    #[arg(long)]
    pub public: bool,
    /// Only this framework.
    #[arg(long)]
    pub framework: Option<String>,
}

/// A size in bytes from `1.5GB`, `800MB`, `64KB` or a plain number of bytes.
fn parse_size(text: &str) -> Result<usize, String> {
    let upper = text.trim().to_ascii_uppercase();
    let (number, unit) = [("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1.0)]
        .into_iter()
        .find_map(|(suffix, unit)| {
            upper
                .strip_suffix(suffix)
                .map(|n| (n.trim().to_string(), unit))
        })
        .unwrap_or((upper.clone(), 1.0));
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok((n * unit) as usize),
        _ => Err(format!(
            "{text:?} is not a size: write a positive number with GB, MB or KB (e.g. 1.5GB)"
        )),
    }
}

/// The frameworks named on the command line, or every built-in.
pub fn frameworks(names: &[String]) -> Result<Vec<Framework>> {
    if names.is_empty() {
        return Ok(builtin::all()?);
    }
    names
        .iter()
        .map(|n| builtin::resolve(n).map_err(anyhow::Error::from))
        .collect()
}

/// Refreshes and writes the snapshot; returns it.
pub fn run_refresh(args: &RefreshArgs) -> Result<Snapshot> {
    let frameworks = frameworks(&args.frameworks)?;
    let inputs = [args.data.as_path()];
    let destination = Snapshot::destination(&args.out, &inputs);
    // Refused before the work, not after it.
    destination.check()?;
    let sql_destination = args
        .emit_sql
        .as_deref()
        .map(|path| Destination::replacing(path, &accord_engine::SQL_OUTPUT, &inputs));
    if let Some(sql) = &sql_destination {
        sql.check()?;
    }
    // The money definitions are read before the work, so that a bad register is refused
    // before a minute of refresh.
    let money = args.money.load()?;
    let mut options = RefreshOptions::default();
    if let Some(threads) = args.threads {
        options.threads = threads;
    }
    options.memory_limit = args.memory_limit;
    let started = Instant::now();
    let earlier = if args.no_reuse {
        None
    } else {
        earlier_snapshot(&args.out)
    };
    let workspace = crate::open::workspace(&args.data, args.json)?;
    let count: usize = frameworks.iter().map(|f| f.indicators.len()).sum();
    let progress = bar(count as u64, "indicators", args.json);
    let done = workspace
        .refresh(&frameworks, &options, earlier.as_ref(), &|_, _| {
            progress.inc(1)
        })
        .with_context(|| format!("refreshing {}", args.data.display()))?;
    progress.finish_and_clear();
    let mut snapshot = done.snapshot;
    if let Some(money) = money {
        let started = Instant::now();
        snapshot.money = Some(workspace.money(&money, args.money.year_end)?);
        tracing::info!("money in {:.2} s", started.elapsed().as_secs_f64());
    }
    if let Some(sql) = &sql_destination {
        write_output_file(sql, done.program.script().as_bytes())?;
    }
    snapshot.summary.run.seconds = started.elapsed().as_secs_f64();
    snapshot
        .write(&destination)
        .with_context(|| format!("writing the snapshot {}", args.out.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&snapshot.summary)?);
    } else {
        print_refreshed(&snapshot, &args.out);
    }
    Ok(snapshot)
}

/// The snapshot a refresh replaces, to reuse what is unchanged; none where there is none or
/// it cannot be read (an older format, say), which costs only time.
fn earlier_snapshot(out: &Path) -> Option<Snapshot> {
    if !out.join(accord_snapshot::SUMMARY_FILE).is_file() {
        return None;
    }
    match Snapshot::read(out) {
        Ok(snapshot) => Some(snapshot),
        Err(err) => {
            tracing::info!("not reusing {}: {err}", out.display());
            None
        }
    }
}

/// Each framework's latest figures, and what the refresh did.
pub fn print_refreshed(snapshot: &Snapshot, out: &Path) {
    print_overview(snapshot);
    println!(
        "\nrefreshed {} indicators ({} figures) in {:.2} s ({:.2} s in the query engine); snapshot at {}",
        snapshot.summary.indicators.len(),
        snapshot.results.len(),
        snapshot.summary.run.seconds,
        snapshot.summary.run.query_seconds,
        out.display()
    );
    let reused = &snapshot.summary.run.reused;
    if !reused.is_empty() {
        let names: Vec<String> = reused
            .iter()
            .map(|id| match id.as_str() {
                "profile" => "the population profile".to_string(),
                id => format!("framework {id}"),
            })
            .collect();
        println!(
            "reused, unchanged since the snapshot it replaces (same dataset, definition and program): {}; --no-reuse computes everything",
            names.join(", ")
        );
    }
}

/// A value in the indicator's unit, with its interval.
pub fn format_value(row: &ResultRow) -> String {
    match (row.value, row.lower95, row.upper95) {
        (Some(v), Some(l), Some(u)) => format!("{v:.1} ({l:.1}–{u:.1})"),
        _ => row.note.clone().unwrap_or_else(|| "–".into()),
    }
}

fn print_overview(snapshot: &Snapshot) {
    for framework in &snapshot.summary.frameworks {
        println!(
            "\n{} ({} v{})",
            framework.name, framework.id, framework.version
        );
        println!(
            "  {:<36} {:<11} {:>28}  {:<10} {:<10} {:<10}",
            "indicator", "period to", "value (95% CI)", "vs target", "vs borough", "trend"
        );
        for i in snapshot
            .summary
            .indicators
            .iter()
            .filter(|i| i.framework == framework.id)
        {
            let Some(latest) = &i.latest else {
                println!("  {:<36} no complete period in the data", i.id);
                continue;
            };
            println!(
                "  {:<36} {:<11} {:>28}  {:<10} {:<10} {:<10}",
                i.id,
                latest.period_end.to_string(),
                format_value(latest),
                latest.vs_target.as_deref().unwrap_or("–"),
                latest.vs_benchmark.as_deref().unwrap_or("–"),
                latest.trend.as_deref().unwrap_or("–").replace('_', " "),
            );
        }
    }
}

pub fn run_explain(args: &ExplainArgs) -> Result<()> {
    let snapshot = Snapshot::read(&args.snapshot)
        .with_context(|| format!("reading the snapshot {}", args.snapshot.display()))?;
    if args.list || args.indicator.is_none() {
        for i in &snapshot.summary.indicators {
            println!("{}/{:<40} {}", i.framework, i.id, i.name);
        }
        return Ok(());
    }
    let name = args.indicator.as_deref().unwrap_or_default();
    let entry = snapshot
        .find_indicator(name)
        .map_err(|e| anyhow::anyhow!("{e} (`accord explain --list` lists them)"))?
        .clone();
    let definition = snapshot.definition_text(&entry);
    if args.json {
        let value = serde_json::json!({
            "indicator": entry,
            "definition": definition,
            "shared_tables": snapshot.summary.shared_tables.iter().filter(|t| entry.reads.contains(&t.name)).collect::<Vec<_>>(),
            "provenance": snapshot.summary.header.provenance,
            "run": snapshot.summary.run,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let (p, run) = (&snapshot.summary.header.provenance, &snapshot.summary.run);
    println!("{}/{}: {}", entry.framework, entry.id, entry.name);
    println!(
        "measure {} ({}), {} periods, {}",
        entry.measure,
        entry.unit,
        entry.period_kind.replace('_', " "),
        entry.polarity.replace('_', " ")
    );
    println!(
        "\n-- definition (frameworks/{}.toml)\n{definition}",
        entry.framework
    );
    if let Some(latest) = &entry.latest {
        println!(
            "\n-- latest figure, whole population, {} to {}",
            latest.period_start, latest.period_end
        );
        println!("numerator   {}", latest.numerator);
        println!("denominator {}", latest.denominator);
        println!("value       {}", format_value(latest));
        for (what, v) in [
            ("vs target", &latest.vs_target),
            ("vs benchmark", &latest.vs_benchmark),
            ("vs a year earlier", &latest.vs_year_earlier),
            ("recent trend", &latest.trend),
        ] {
            println!("{what:<18}{}", v.as_deref().unwrap_or("–"));
        }
    }
    for table in snapshot
        .summary
        .shared_tables
        .iter()
        .filter(|t| entry.reads.contains(&t.name))
    {
        println!("\n-- shared table {}\n{};", table.name, table.sql);
    }
    println!(
        "\n-- the indicator's query ({} rows, {:.3} s)\n{};",
        entry.rows, entry.query_seconds, entry.sql
    );
    println!(
        "\n-- snapshot {}: dataset {} (fingerprint {}), extract {}, data {} to {}, {}, Accord {}, refreshed {} in {:.2} s",
        args.snapshot.display(),
        p.dataset,
        p.dataset_fingerprint,
        p.extract_date,
        run.data_start,
        run.data_end,
        p.engine,
        p.accord_version,
        p.created_at,
        run.seconds
    );
    Ok(())
}

pub fn run_framework(command: &FrameworkCommand) -> Result<()> {
    match command {
        FrameworkCommand::Check { frameworks } => {
            let mut failed = 0;
            for name in frameworks {
                match builtin::resolve(name) {
                    Ok(f) => println!(
                        "{name}: ok: {} domains, {} outcomes, {} indicators",
                        f.domains.len(),
                        f.outcomes.len(),
                        f.indicators.len()
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{e}");
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!(
                    "{failed} of {} framework files have problems",
                    frameworks.len()
                );
            }
            Ok(())
        }
        FrameworkCommand::List { show: Some(name) } => {
            let (_, _, text) = builtin::BUILTIN
                .iter()
                .find(|(n, _, _)| n == name)
                .with_context(|| {
                    format!("no built-in framework {name:?} ({})", builtin::names())
                })?;
            print!("{text}");
            Ok(())
        }
        FrameworkCommand::List { show: None } => {
            for f in builtin::all()? {
                println!(
                    "{:<12} {} ({} outcomes, {} indicators): {}",
                    f.id,
                    f.name,
                    f.outcomes.len(),
                    f.indicators.len(),
                    f.source
                );
            }
            Ok(())
        }
    }
}

pub fn run_export(args: &ExportArgs) -> Result<()> {
    let snapshot = Snapshot::read(&args.snapshot)
        .with_context(|| format!("reading the snapshot {}", args.snapshot.display()))?;
    let snapshot = if args.public {
        accord_snapshot::publish(&snapshot)
    } else {
        snapshot
    };
    let rows: Vec<ResultRow> = snapshot
        .results
        .into_iter()
        .filter(|r| args.framework.as_ref().is_none_or(|f| &r.framework == f))
        .collect();
    write_csv(&args.out, &[&args.snapshot], &rows)?;
    eprintln!(
        "wrote {} rows to {}{}",
        rows.len(),
        args.out.display(),
        if args.public {
            " with disclosure control (docs/disclosure.md: counts 1-7 and what would reveal them shown as *, others rounded to 5, rates from the rounded counts)"
        } else {
            " (exact figures: not for publication)"
        }
    );
    Ok(())
}
