//! `accord evaluate` (did the network MDTs work? the matched difference in differences with
//! its diagnostics) and `accord match` (propensity-score matching of any CSV table, as
//! MatchIt does it). Exported rows are person-level and go only to the folder the user names.

use std::path::{Path, PathBuf};

use accord_dataset::{
    Destination, write_file_atomically, write_folder_atomically, write_output_file,
};
use accord_evaluation::estimate::{Interval, OutcomeResult};
use accord_evaluation::evaluate::{RowsFile, evaluate_with_rows};
use accord_evaluation::outcomes::Kind;
use accord_evaluation::table::{Table, TableMatch, TableSpec, match_table};
use accord_evaluation::{
    ControlFollowUp, ControlPool, Evaluation, EvaluationOptions, ExactField, MatchOptions,
};
use accord_risk::model::read_model;
use accord_risk::{RiskModel, TrainOptions, train};
use anyhow::{Context, Result, bail};
use clap::Args;

use accord_workspace::{EVALUATION_JSON, write_evaluation};

use crate::open::print_json;
use crate::outputs::{EVALUATION_HTML, EVALUATION_ROWS};
use crate::progress::spinner;

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The dataset folder (with mdt_discussion rows).
    #[arg(long, default_value = crate::people::DEFAULT_DATA)]
    data: PathBuf,
    /// A risk model folder from `accord risk fit` for the risk-score covariate (default: fit
    /// one on the dataset now).
    #[arg(long)]
    risk_model: Option<PathBuf>,
    /// Controls per treated person.
    #[arg(long, default_value_t = 1)]
    ratio: usize,
    /// Caliper in SDs of the logit of the propensity score (0 for none).
    #[arg(long, default_value_t = 0.2)]
    caliper: f64,
    /// Fields matched exactly besides the index month: `sex`, `network` (the network whose
    /// MDT discussed the treated person first; a control's practice's network),
    /// `emergency_admissions` (0, 1, 2, 3+ in the 12 months), `age_band`, `frailty`, or `none`.
    #[arg(long, value_delimiter = ',', default_value = "sex")]
    exact: Vec<String>,
    /// Covariates on which, of the controls within the caliper, the closest by Mahalanobis
    /// distance is matched (MatchIt's `mahvars`), or `none` for the closest on the
    /// propensity score alone. Names as in the balance table.
    #[arg(long, value_delimiter = ',', default_value = "none")]
    mahalanobis: Vec<String>,
    /// Who may be a control: people not discussed by the end of the index month
    /// (`not-yet-discussed`), or only people never discussed (`never-discussed`, which
    /// selects controls on their future; see docs/evaluation.md).
    #[arg(long, default_value = "not-yet-discussed")]
    controls: String,
    /// How a control discussed at an MDT within their year is followed: until the month of
    /// it, with inverse probability of censoring weights (`weighted`: the effect of an MDT
    /// against none), through the year as a control (`intention-to-treat`: drawn towards no
    /// effect), or until their MDT without weights (`censored`: biased towards harm).
    #[arg(long, default_value = "weighted")]
    control_follow_up: String,
    /// Fit the censoring model of `weighted` follow-up on the controls of a 1:N matching on
    /// the same score, its weights still going to the matched controls (a sensitivity
    /// analysis: on synthetic null boroughs every ratio moved towards benefit as N grew;
    /// docs/evaluation.md, "A wider censoring model"). 1: on the matched controls alone.
    #[arg(long, default_value_t = 1)]
    censoring_fit_ratio: usize,
    /// Pair-bootstrap resamples.
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
    /// Matchings the count outcomes' ratios are averaged over, each with the propensity
    /// model fitted on its own sample of controls; their intervals then carry the variance
    /// between matchings (Rubin's rules). 1 for a single matching, whose interval leaves
    /// that variance out.
    #[arg(long, default_value_t = 3)]
    matchings: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Count the index day in the post window (sensitivity analysis).
    #[arg(long)]
    include_index_day: bool,
    /// Placebo runs: the whole evaluation again with every index moved this many months
    /// earlier (comma-separated; 24 or more need three years of data before a first MDT).
    /// Each run's treated are picked for an MDT later, on need that rose after its index, so
    /// none tests the comparison alone (docs/studies/evaluation-recovery.md, "Placebos further back").
    #[arg(long, value_delimiter = ',', default_value = "12", value_parser = clap::value_parser!(u32).range(1..=120))]
    placebo_months: Vec<u32>,
    /// Skip the placebo runs.
    #[arg(long)]
    no_placebo: bool,
    /// Count outcomes the MDT cannot change (negative controls, comma-separated names as in
    /// the outcome table, e.g. `outpatient_attendances`), or `none`: with a comparison that
    /// works their ratios hold 1, and one that does not is warned of first.
    #[arg(long, value_delimiter = ',', default_value = "none")]
    negative_controls: Vec<String>,
    /// Write the report as a self-contained HTML file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the results as JSON to this file (for `accord serve --evaluation`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write person-level rows for checks (propensity fitting rows, DiD person-windows).
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// The names in a comma-separated option, where `none` means none.
fn named(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty() && *n != "none")
        .map(String::from)
        .collect()
}

fn exact_fields(names: &[String]) -> Result<Vec<ExactField>> {
    let mut fields = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match name {
            "sex" => fields.push(ExactField::Sex),
            "network" => fields.push(ExactField::Network),
            "emergency_admissions" => fields.push(ExactField::EmergencyAdmissions),
            "age_band" => fields.push(ExactField::AgeBand),
            "frailty" => fields.push(ExactField::Frailty),
            "none" => {}
            other => bail!(
                "--exact {other}: expected sex, network, emergency_admissions, age_band, frailty or none"
            ),
        }
    }
    Ok(fields)
}

fn caliper(value: f64) -> Result<Option<f64>> {
    if !value.is_finite() || value < 0.0 {
        bail!("--caliper {value}: expected a number of SDs, 0 or more (0 for no caliper)");
    }
    Ok((value > 0.0).then_some(value))
}

fn risk_model(args: &EvaluateArgs, histories: &accord_cohort::Histories) -> Result<RiskModel> {
    if let Some(dir) = &args.risk_model {
        return read_model(dir)
            .with_context(|| format!("reading the risk model in {}", dir.display()));
    }
    let progress = spinner(
        "fitting a risk model for the risk-score covariate",
        args.json,
    );
    let trained = train(histories, TrainOptions::latest(histories, args.seed))
        .context("fitting a risk model for the risk-score covariate (or pass --risk-model)")?;
    progress.finish_and_clear();
    Ok(trained.model)
}

pub fn run_evaluate(args: &EvaluateArgs) -> Result<()> {
    if args.ratio == 0 {
        bail!("--ratio 0: at least one control per treated person");
    }
    if args.censoring_fit_ratio == 0 {
        bail!("--censoring-fit-ratio 0: at least 1 (the matched controls alone)");
    }
    if args.matchings == 0 {
        bail!("--matchings 0: at least one matching");
    }
    let options = EvaluationOptions {
        matching: MatchOptions {
            ratio: args.ratio,
            caliper_sd: caliper(args.caliper)?,
        },
        exact: exact_fields(&args.exact)?,
        mahalanobis: named(&args.mahalanobis),
        negative_controls: named(&args.negative_controls),
        controls: match args.controls.as_str() {
            "not-yet-discussed" => ControlPool::NotYetDiscussed,
            "never-discussed" => ControlPool::NeverDiscussed,
            other => bail!("--controls {other}: expected not-yet-discussed or never-discussed"),
        },
        follow_up: match args.control_follow_up.as_str() {
            "intention-to-treat" => ControlFollowUp::IntentionToTreat,
            "censored" => ControlFollowUp::Censored,
            "weighted" => ControlFollowUp::Weighted,
            other => bail!(
                "--control-follow-up {other}: expected intention-to-treat, censored or weighted"
            ),
        },
        censoring_fit_ratio: args.censoring_fit_ratio,
        bootstrap: args.bootstrap,
        matchings: args.matchings,
        seed: args.seed,
        include_index_day: args.include_index_day,
        placebo_months: if args.no_placebo {
            Vec::new()
        } else {
            let mut months = args.placebo_months.clone();
            months.sort_unstable();
            months.dedup();
            months
        },
        ..EvaluationOptions::default()
    };
    let mut inputs = vec![args.data.as_path()];
    inputs.extend(args.risk_model.as_deref());
    let destinations = [
        args.export
            .as_deref()
            .map(|dir| Destination::replacing(dir, &EVALUATION_ROWS, &inputs)),
        args.out
            .as_deref()
            .map(|file| Destination::replacing(file, &EVALUATION_JSON, &inputs)),
        args.html
            .as_deref()
            .map(|file| Destination::replacing(file, &EVALUATION_HTML, &inputs)),
    ];
    for destination in destinations.iter().flatten() {
        destination.check()?;
    }
    let [export_to, json_to, html_to] = destinations;
    let started = std::time::Instant::now();
    let workspace = crate::open::workspace(&args.data, args.json)?;
    let histories = workspace.histories()?;
    let read_seconds = started.elapsed().as_secs_f64();
    let risk = risk_model(args, histories)?;
    let progress = spinner("matching and estimating", args.json);
    let (mut evaluation, rows) =
        evaluate_with_rows(histories, &risk, &options, args.export.is_some())
            .map_err(crate::hints::worded)?;
    progress.finish_and_clear();
    evaluation.timings.insert(
        0,
        accord_evaluation::evaluate::Timing {
            step: "reading the dataset".into(),
            seconds: read_seconds,
        },
    );
    if let Some(dir) = &export_to {
        export(&rows, dir)?;
    }
    if let Some(file) = &json_to {
        write_evaluation(file, &evaluation)?;
    }
    if let Some(file) = &html_to {
        write_output_file(
            file,
            accord_web::evaluation::standalone(&evaluation).as_bytes(),
        )?;
    }
    if args.json {
        return print_json(&evaluation);
    }
    print_evaluation(&evaluation);
    if let Some(file) = &args.html {
        println!("\nwrote the report to {}", file.display());
    }
    Ok(())
}

/// What the evaluation found, in a line: the matched, the main ratios, and a warning
/// first where a falsification check failed (for `accord demo`).
pub fn summary_line(evaluation: &Evaluation, options: &EvaluationOptions) -> String {
    let ratio = |name: &str| {
        let Some(o) = evaluation.outcomes.iter().find(|o| o.name == name) else {
            return "-".to_string();
        };
        let itt = o
            .effect_ratio_intention_to_treat
            .as_ref()
            .map_or(String::new(), |r| {
                format!("; intention to treat {}", interval(r, 2))
            });
        format!(
            "{} (naive before/after {:.2}{itt})",
            o.effect_ratio
                .as_ref()
                .map_or("-".into(), |r| interval(r, 2)),
            o.naive_ratio.estimate
        )
    };
    // A failed placebo or negative control goes beside the figures it undermines.
    let missed = |r: &Option<Interval>| r.is_some_and(|r| !r.covers(1.0));
    let mut failed: Vec<String> = evaluation
        .outcomes
        .iter()
        .filter(|o| options.negative_controls.contains(&o.name) && missed(&o.effect_ratio))
        .map(|o| format!("the negative control {}", o.label))
        .collect();
    failed.extend(evaluation.placebos.iter().filter_map(|p| {
        let outcomes = p
            .outcomes
            .iter()
            .filter(|o| missed(&o.effect_ratio))
            .count();
        (outcomes > 0).then(|| format!("{outcomes} outcomes {} months earlier", p.months_earlier))
    }));
    let caution = if failed.is_empty() {
        String::new()
    } else {
        format!(
            "; READ FIRST: the falsification checks fail for {}, so these ratios may be biased \
             (see the warnings in the report)",
            failed.join(" and ")
        )
    };
    format!(
        "{} matched; A&E ratio of rate ratios {}, emergency admissions {}{caution}",
        evaluation.attrition.matched_treated,
        ratio("ae_attendances"),
        ratio("emergency_admissions")
    )
}

fn interval(i: &Interval, digits: usize) -> String {
    match (i.lower, i.upper) {
        (Some(l), Some(u)) => format!("{:.digits$} ({l:.digits$} to {u:.digits$})", i.estimate),
        _ => format!("{:.digits$}", i.estimate),
    }
}

fn print_outcomes(outcomes: &[OutcomeResult]) {
    println!(
        "  {:<40} {:>9} {:>9} {:>9} {:>9}  {:<22} {:<22} {:<24} {:>8} {:>10} {:>11}  {:<24}  {:<24}  absolute change (95% bootstrap CI)",
        "outcome",
        "T pre",
        "T post",
        "C pre",
        "C post",
        "naive T post/pre",
        "controls post/pre",
        "matched DiD ratio",
        "p",
        "detectable",
        "E-value",
        "negative binomial",
        "intention to treat",
    );
    for o in outcomes {
        let effect = o
            .effect_ratio
            .as_ref()
            .map_or_else(|| "-".to_string(), |e| interval(e, 3));
        let absolute = match o.kind {
            Kind::Count => format!("{} per 1,000 person-years", interval(&o.absolute, 1)),
            Kind::Cost => format!(
                "£{} per person{}",
                interval(&o.absolute, 0),
                o.cohort_total
                    .map_or(String::new(), |t| format!("; £{t:.0} for the cohort"))
            ),
            Kind::Score => format!("{} percentage points", interval(&o.absolute, 2)),
        };
        let sensitivity =
            |ratio: Option<&Interval>| ratio.map_or_else(|| "-".into(), |e| interval(e, 3));
        println!(
            "  {:<40} {:>9.1} {:>9.1} {:>9.1} {:>9.1}  {:<22} {:<22} {:<24} {:>8} {:>10} {:>11}  {:<24}  {:<24}  {}{}",
            o.label,
            o.treated_pre,
            o.treated_post,
            o.control_pre,
            o.control_post,
            interval(&o.naive_ratio, 3),
            interval(&o.control_ratio, 3),
            effect,
            o.p_value.map_or("-".into(), |p| format!("{p:.4}")),
            o.minimum_detectable_ratio
                .map_or("-".into(), |r| format!("{r:.3}")),
            o.e_value.map_or("-".into(), |e| format!(
                "{:.2} ({:.2})",
                e.estimate, e.confidence_limit
            )),
            sensitivity(o.effect_ratio_negative_binomial.as_ref()),
            sensitivity(o.effect_ratio_intention_to_treat.as_ref()),
            absolute,
            o.note.as_ref().map_or(String::new(), |n| format!(" ({n})")),
        );
    }
}

/// What the matched ratios are averaged over, and how much they varied between matchings.
fn matchings_note(outcomes: &[OutcomeResult]) -> String {
    let spread: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.over_matchings.map(|m| (o, m)))
        .take(2)
        .map(|(o, m)| {
            format!(
                "{} {} in the first alone, SD of the log ratio {:.3} between matchings",
                o.label,
                interval(&m.first_matching, 3),
                m.between_sd
            )
        })
        .collect();
    match outcomes.iter().find_map(|o| o.over_matchings) {
        Some(m) => format!(
            "matched DiD ratios, the costs' and the risk score's differences, their p-values and the intention-to-treat ratios: averaged over {} matchings (the propensity model fitted on another sample of controls each time), with the variance between them in the interval (Rubin's rules); {}; each network's are averaged the same way; the counts' bootstrap intervals, the negative binomial, balance and placebo figures are the first matching's",
            m.matchings,
            spread.join("; ")
        ),
        None => "matched DiD ratios: one matching; the interval leaves out the variance between matchings (--matchings)".into(),
    }
}

fn print_evaluation(e: &Evaluation) {
    let a = &e.attrition;
    println!("Evaluation of the MDT programme (index = first MDT discussion)");
    println!(
        "data {} to {}; risk model developed on {}; {}:1 nearest neighbour on the logit of the propensity score, caliper {}, exact on index month{}{}",
        e.design.data_start,
        e.header.provenance.extract_date,
        e.design.risk_model_development_date,
        e.design.options.matching.ratio,
        match (
            e.propensity.caliper_width,
            e.design.options.matching.caliper_sd
        ) {
            (Some(w), Some(sd)) => format!("{w:.3} ({sd} SD)"),
            _ => "none".to_string(),
        },
        e.design
            .options
            .exact
            .iter()
            .map(|f| format!(", {f:?}").to_lowercase())
            .collect::<String>(),
        e.propensity
            .mahalanobis
            .as_ref()
            .map_or(String::new(), |m| format!(
                "; within the caliper, the closest by Mahalanobis distance on {}{}",
                m.covariates.join(", "),
                if m.dropped.is_empty() {
                    String::new()
                } else {
                    format!(" (left out: {})", m.dropped.join("; "))
                }
            ))
    );
    println!("\nAttrition");
    println!(
        "  discussed {}; index after the extract {}; less than 12 months of data before the index {}; not registered before the index month {}; eligible {}",
        a.treated.discussed,
        a.treated.index_after_extract,
        a.treated.index_too_early,
        a.treated.not_registered_before_index_month,
        a.treated.eligible
    );
    println!(
        "  control pool {} person-months ({} people); matched {} treated with {} controls ({} people; {} discussed at an MDT within their year) in {} independent clusters; {} treated lost to the caliper",
        a.control_pool_rows,
        a.control_pool_people,
        a.matched_treated,
        a.matched_controls,
        a.matched_control_people,
        a.controls_discussed_within_year,
        a.clusters,
        a.lost_to_caliper
    );
    if let Some(c) = &e.censoring {
        println!(
            "  censoring model: {}; weights mean {:.2}, largest {:.1}, {} capped{}",
            c.fitted_on(),
            c.mean_weight,
            c.max_weight,
            c.capped,
            if c.dropped.is_empty() {
                String::new()
            } else {
                format!("; left out: {}", c.dropped.join("; "))
            }
        );
    }
    let p = &e.propensity;
    println!("\nPropensity score");
    println!(
        "  fitted on {} treated and {} sampled control rows; AUC {:.3} ({:.3} to {:.3}); {} treated off the controls' support",
        p.fitted_on_treated,
        p.fitted_on_controls,
        p.auc,
        p.auc_lower,
        p.auc_upper,
        p.treated_off_support
    );
    if !p.model.dropped.is_empty() {
        println!("  left out: {}", p.model.dropped.join("; "));
    }
    println!("\nBalance (SMD: MatchIt's ATT / CohortMethod's pooled; variance ratio)");
    println!(
        "  {:<48} {:>10} {:>10} {:>16} {:>16} {:>8}  balanced",
        "covariate", "mean T", "mean C", "SMD before", "SMD after", "VR after"
    );
    for b in &e.balance {
        println!(
            "  {:<48} {:>10.3} {:>10.3} {:>7.3}/{:<8.3} {:>7.3}/{:<8.3} {:>8}  {}",
            b.label,
            b.after.mean_treated,
            b.after.mean_control,
            b.before.smd,
            b.before.smd_pooled,
            b.after.smd,
            b.after.smd_pooled,
            b.after
                .variance_ratio
                .map_or("-".to_string(), |v| format!("{v:.2}")),
            if b.balanced { "yes" } else { "NO" }
        );
    }
    println!(
        "\nOutcomes in the 12 months before and after (rates per 1,000 person-years; costs £ per person;\n\
         detectable: the smallest fall, as a ratio, this evaluation finds at p < 0.05 with 80% power)"
    );
    print_outcomes(&e.outcomes);
    println!("  {}", matchings_note(&e.outcomes));
    println!("\nFalsification");
    let m = &e.mortality;
    println!(
        "  deaths in the year after the index: treated {} of {} ({:.1}%), controls {:.0} of {:.0} ({:.1}%)",
        m.treated_deaths,
        m.treated,
        m.treated_percent,
        m.control_deaths,
        m.controls,
        m.control_percent
    );
    let negative = &e.design.options.negative_controls;
    if negative.is_empty() {
        println!("  no negative-control outcomes named (--negative-controls)");
    }
    for o in e.outcomes.iter().filter(|o| negative.contains(&o.name)) {
        let missed = o.effect_ratio.is_some_and(|r| !r.covers(1.0));
        println!(
            "  negative control (the MDT cannot change it; its ratio should hold 1): {}: {}{}",
            o.label,
            o.effect_ratio
                .as_ref()
                .map_or("-".into(), |r| interval(r, 3)),
            if missed { ": DOES NOT HOLD 1" } else { "" }
        );
    }
    if e.placebos.is_empty() {
        println!("  placebo runs skipped (--no-placebo)");
    }
    for pl in &e.placebos {
        let months = pl.months_earlier;
        match &pl.note {
            None => {
                println!(
                    "  placebo run (every index {months} months earlier; {} matched): nothing happened then, but its treated were picked later, on need that rose after it, so it can leave 1 where the comparison holds{}",
                    pl.matched_treated,
                    if pl.beyond_selection() {
                        ""
                    } else {
                        " (its year after is the year people are picked in)"
                    }
                );
                for o in pl.outcomes.iter().filter(|o| o.kind == Kind::Count).take(2) {
                    println!(
                        "    {}: {}",
                        o.label,
                        o.effect_ratio
                            .as_ref()
                            .map_or("-".into(), |r| interval(r, 3))
                    );
                }
            }
            Some(note) => println!("  placebo run ({months} months earlier) not possible: {note}"),
        }
    }
    for series in &e.monthly {
        let show = |v: &[Option<f64>]| {
            v.iter()
                .map(|x| x.map_or("-".to_string(), |x| format!("{x:.0}")))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  monthly {} per 1,000 person-years, months {}..{}:",
            series.outcome,
            series.months.first().unwrap_or(&0),
            series.months.last().unwrap_or(&0)
        );
        println!("    treated  {}", show(&series.treated));
        println!("    controls {}", show(&series.controls));
    }
    println!(
        "\nBy network (the network whose MDT discussed the person first; matched DiD ratio for A&E attendances and emergency admissions)"
    );
    for n in &e.networks {
        let ratio = |name: &str| {
            n.outcomes
                .iter()
                .find(|o| o.name == name)
                .and_then(|o| o.effect_ratio.as_ref())
                .map_or("-".to_string(), |r| interval(r, 2))
        };
        println!(
            "  {:<12} treated {:>5} matched {:>5}  max |SMD| {:.3} ({} over)  A&E {:<22} emergency {}",
            n.network,
            n.treated,
            n.matched,
            n.max_abs_smd,
            n.covariates_over_threshold,
            ratio("ae_attendances"),
            ratio("emergency_admissions")
        );
    }
    if !e.warnings.is_empty() {
        println!("\nWarnings");
        for w in &e.warnings {
            println!("  - {w}");
        }
    }
    println!("\nTimings");
    for t in &e.timings {
        println!("  {:<52} {:>7.2} s", t.step, t.seconds);
    }
}

/// Person-level rows for the oracle checks, written atomically as one folder.
fn export(files: &[RowsFile], dir: &Destination) -> Result<()> {
    write_folder_atomically(dir, |staging| -> Result<()> {
        for (name, text) in files {
            write_file_atomically(&staging.join(name), text.as_bytes())?;
        }
        Ok(())
    })
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// A CSV file with a header row and numbers in every other cell.
    #[arg(long)]
    csv: PathBuf,
    /// The 0/1 treatment column.
    #[arg(long)]
    treatment: String,
    /// Columns of the propensity model.
    #[arg(long, value_delimiter = ',', required = true)]
    covariates: Vec<String>,
    /// Columns matched exactly.
    #[arg(long, value_delimiter = ',')]
    exact: Vec<String>,
    /// A column whose average effect in the treated to estimate.
    #[arg(long)]
    outcome: Option<String>,
    #[arg(long, default_value_t = 1)]
    ratio: usize,
    /// Caliper in SDs of the logit of the propensity score (0 for none).
    #[arg(long, default_value_t = 0.2)]
    caliper: f64,
    #[arg(long)]
    json: bool,
}

/// The largest magnitude of a cell of a numeric CSV.
const MAX_CELL: f64 = 1e15;

/// Reads a numeric CSV; errors name the file, line and column.
pub fn read_numeric_csv(path: &Path) -> Result<Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        bail!("{}: empty file, expected a header row", path.display());
    };
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let mut rows = Vec::new();
    for (number, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != columns.len() {
            bail!(
                "{}: line {}: {} fields, but the header has {}",
                path.display(),
                number + 1,
                cells.len(),
                columns.len()
            );
        }
        let mut row = Vec::with_capacity(cells.len());
        for (cell, column) in cells.iter().zip(&columns) {
            let cell = cell.trim().trim_matches('"');
            let value: f64 = match cell {
                "TRUE" | "true" => 1.0,
                "FALSE" | "false" => 0.0,
                _ => cell.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "{}: line {}, column {column}: {cell:?} is not a number",
                        path.display(),
                        number + 1
                    )
                })?,
            };
            if value.is_nan() || value.abs() > MAX_CELL {
                bail!(
                    "{}: line {}, column {column}: {cell} is not a finite number within ±{MAX_CELL:e} (sums of squares of larger values overflow)",
                    path.display(),
                    number + 1
                );
            }
            row.push(value);
        }
        rows.push(row);
    }
    Ok(Table { columns, rows })
}

pub fn run_match(args: &MatchArgs) -> Result<()> {
    if args.ratio == 0 {
        bail!("--ratio 0: at least one control per treated person");
    }
    let table = read_numeric_csv(&args.csv)?;
    let column = |name: &str| -> Result<usize> {
        table
            .columns
            .iter()
            .position(|c| c == name)
            .with_context(|| {
                format!(
                    "{}: no column {name} (columns: {})",
                    args.csv.display(),
                    table.columns.join(", ")
                )
            })
    };
    let treatment = column(&args.treatment)?;
    if let Some((line, value)) = table
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r[treatment] != 0.0 && r[treatment] != 1.0)
        .map(|(i, r)| (i + 2, r[treatment]))
    {
        bail!(
            "{}: line {line}, column {}: {value} is not 0 or 1",
            args.csv.display(),
            args.treatment
        );
    }
    let spec = TableSpec {
        treatment,
        covariates: args
            .covariates
            .iter()
            .map(|c| column(c))
            .collect::<Result<_>>()?,
        exact: args
            .exact
            .iter()
            .map(|c| column(c))
            .collect::<Result<_>>()?,
        outcome: args.outcome.as_deref().map(column).transpose()?,
        options: MatchOptions {
            ratio: args.ratio,
            caliper_sd: caliper(args.caliper)?,
        },
    };
    let matched = match_table(&table, &spec)?;
    if args.json {
        return print_json(&matched);
    }
    print_table_match(&matched);
    Ok(())
}

fn print_table_match(m: &TableMatch) {
    println!(
        "matched {} treated ({} unmatched); caliper {}",
        m.matching.sets.len(),
        m.matching.unmatched_treated.len(),
        m.matching
            .caliper_width
            .map_or("none".into(), |w| format!("{w:.4}"))
    );
    println!(
        "{:<24} {:>12} {:>12} {:>10} {:>10}",
        "covariate", "mean T", "mean C", "SMD before", "SMD after"
    );
    for b in &m.balance {
        println!(
            "{:<24} {:>12.4} {:>12.4} {:>10.4} {:>10.4}",
            b.name, b.after.mean_treated, b.after.mean_control, b.before.smd, b.after.smd
        );
    }
    if let Some(att) = &m.att {
        println!(
            "ATT {:.3} (SE {:.3}, 95% CI {:.3} to {:.3}, p {:.4})",
            att.estimate, att.standard_error, att.lower, att.upper, att.p_value
        );
    }
    for warning in &m.warnings {
        println!("warning: {warning}");
    }
}
