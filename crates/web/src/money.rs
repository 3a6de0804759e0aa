//! The money pages: where the money goes (`/money`), the contract map
//! (`/money/contracts`) and each budget plan's workstreams and capitation
//! (`/money/budgets/{plan}`), every table downloadable as CSV and all of them as one xlsx
//! workbook. They read the snapshot's money results and compute nothing but the SPC of
//! monthly spend, as the indicator pages do.

use accord_chart::{Bar, BarChart, Labels, LineChart, Series, SpcFigure, Tone};
use accord_model::Pence;
use accord_snapshot::money::{MoneyResults, PlanResult, SpendTable};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use crate::WebError;
use crate::pages::{PageError, Section, chart, layout};
use crate::site::Site;

type Shared = State<crate::State>;

fn money(site: &Site) -> Result<&MoneyResults, WebError> {
    site.money().ok_or_else(|| {
        WebError::NotFound(if site.public() {
            "Money is not published: spend by small groups has no disclosure rules yet.".into()
        } else {
            "This snapshot holds no money results: refresh with a contract register (`accord refresh --contracts FILE`).".into()
        })
    })
}

fn share(part: Pence, whole: Pence) -> String {
    if whole.0 == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part.0 as f64 / whole.0 as f64)
    }
}

fn per_person(p: Option<Pence>) -> String {
    p.map_or_else(|| "–".into(), |p| p.to_string())
}

/// A spend table as HTML, with its CSV.
fn spend_table(table: &SpendTable, total: Pence, people: bool) -> Markup {
    let sheet = format!("spend-{}", table.breakdown.replace(':', "-"));
    html! {
        div.table-scroll { table.compact {
            caption { (table.title) " · " a href={ "/money/download/" (sheet.chars().take(31).collect::<String>()) ".csv" } download { "CSV" } }
            thead { tr {
                th scope="col" { "Group" }
                @if people { th scope="col" { "People" } }
                th scope="col" { "Rows" } th scope="col" { "Spend" } th scope="col" { "Share" }
                @if people { th scope="col" { "Per person" } }
                th scope="col" { "From unit costs" }
            } }
            tbody { @for r in table.rows.iter().filter(|r| r.rows > 0 || r.people > 0) { tr {
                th scope="row" { (r.label) }
                @if people { td { (r.people) } }
                td { (r.rows) } td { (r.spend) } td { (share(r.spend, total)) }
                @if people { td { (per_person(r.per_person)) } }
                td { (share(r.from_unit_costs, r.spend)) }
            } } }
        } }
    }
}

pub async fn overview(State(site): Shared) -> Result<Markup, PageError> {
    let r = money(&site)?;
    let settings = r.table("setting");
    let bars = BarChart {
        labels: Labels {
            id: "spend-setting".into(),
            title: format!("Spend by setting, {}", r.year.label),
            description: "Costed activity of the year by setting, in pounds.".into(),
            x: "Pounds".into(),
            y: "Setting".into(),
        },
        bars: settings
            .map(|t| {
                t.rows
                    .iter()
                    .filter(|row| row.rows > 0)
                    .map(|row| Bar {
                        label: row.label.clone(),
                        value: Some(row.spend.pounds()),
                        lower: None,
                        upper: None,
                        tone: Tone::NotCompared,
                        note: format!("{} rows; {} from unit costs", row.rows, row.from_unit_costs),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        reference: None,
        step: 1.0,
    };
    let months = LineChart {
        labels: Labels {
            id: "spend-month".into(),
            title: "Spend by month".into(),
            description: format!(
                "Costed activity by the month it started, {} and {}.",
                r.baseline_year.label, r.year.label
            ),
            x: "Month".into(),
            y: "Pounds".into(),
        },
        categories: r
            .monthly
            .iter()
            .map(|m| m.month.format("%b %Y").to_string())
            .collect(),
        series: vec![Series {
            name: "Spend".into(),
            values: r.monthly.iter().map(|m| Some(m.spend.pounds())).collect(),
            band: None,
        }],
        target: None,
        zero: true,
        step: 1.0,
    };
    let body = html! {
        h1 { "Money" }
        p.lead {
            "Where the money went in " (r.year.label) " (" (r.year.start) " to " (r.year.end) "): "
            strong { (r.total.spend) } " of costed activity for " (r.total.people) " registered people, "
            (per_person(r.total.per_person)) " a head. "
            (share(r.total.from_unit_costs, r.total.spend)) " of it (" (r.total.from_unit_costs) ") was costed from unit costs because the rows carried no cost."
        }
        p { "Register: " code { (r.register) } ". Unit costs: " (r.unit_costs) ". Every amount is summed in whole pence; "
            a href="/money/contracts" { "the contract map" } " shows who was paid for what, "
            a href="/money/contracts/outcomes" { "outcome-based contracts" } " what they pay on outcomes, and each budget plan shows its workstreams: "
            @for (i, plan) in r.plans.iter().enumerate() { @if i > 0 { ", " } a href={ "/money/budgets/" (plan.id) } { (plan.name) } } "." }
        p { a href="/money/workbook.xlsx" download { "Download every money table as an xlsx workbook" } " · " a href="/api/money" { "As JSON" } }
        (chart(&accord_chart::bars(&bars), &format!("Spend by setting, {}", r.year.label)))
        (chart(&accord_chart::line(&months), "Spend by month"))
        h2 { "How concentrated spend is" }
        div.table-scroll { table.compact {
            caption { "The costliest people's share of the year's spend on registered people · " a href="/money/download/concentration.csv" download { "CSV" } }
            thead { tr { th scope="col" { "The costliest" } th scope="col" { "People" } th scope="col" { "Spend" } th scope="col" { "Share of all" } } }
            tbody { @for c in &r.concentration { tr {
                th scope="row" { (c.percent) "%" } td { (c.people) } td { (c.spend) } td { (format!("{:.1}%", 100.0 * c.share)) }
            } } }
        } }
        h2 { "Spend per person by segment" }
        p { "Each person counts in the segment they were in on their first day registered in the year. " a href="/population" { "Population and segments" } " shows the segments' outcomes; each budget plan sets them beside its budgets." }
        @for t in r.spend.iter().filter(|t| t.breakdown.starts_with("segment:")) {
            (spend_table(t, r.total.spend, true))
        }
        h2 { "Spend by area, age and deprivation" }
        @for name in ["network", "age_band", "imd_quintile", "provider"] {
            @if let Some(t) = r.table(name) { (spend_table(t, r.total.spend, name != "provider")) }
        }
        details { summary { "Spend by practice" } @if let Some(t) = r.table("practice") { (spend_table(t, r.total.spend, true)) } }
    };
    Ok(layout(&site, "Money", Section::Money, body))
}

pub async fn contracts(State(site): Shared) -> Result<Markup, PageError> {
    let r = money(&site)?;
    let value: Pence = r.contracts.iter().map(|c| c.value).sum();
    let paid: Pence = r.contracts.iter().map(|c| c.spend).sum();
    let body = html! {
        nav.breadcrumb aria-label="Breadcrumb" { a href="/money" { "Money" } " › Contracts" }
        h1 { "Contract map, " (r.year.label) }
        p.lead { (r.contracts.len()) " contracts in force, worth " strong { (value) } " for the year; the activity they paid for cost " (paid)
            ". A further " (r.uncontracted.spend) " (" (share(r.uncontracted.spend, r.total.spend)) " of all spend) was activity no contract in the register covers." }
        p { "A contract's value is the register's annual value for the days of the year it covers. Its costed activity is the rows of its provider, in its settings, for its population, in the year. The gap is the value less that: for a block contract, what was paid beyond (or short of) the activity's cost at unit prices. "
            a href="/money/download/contracts.csv" download { "Contracts (CSV)" } }
        div.table-scroll { table.compact {
            caption { "Contracts in force" }
            thead { tr {
                th scope="col" { "Contract" } th scope="col" { "Provider" } th scope="col" { "Services" } th scope="col" { "Population" }
                th scope="col" { "Payment" } th scope="col" { "Value" } th scope="col" { "Rows" } th scope="col" { "Costed activity" } th scope="col" { "Gap" }
            } }
            tbody { @for c in &r.contracts { tr {
                th scope="row" { (c.id) @if c.pooled { " (pooled)" } }
                td { (c.provider_name) } td { (c.services.join(", ")) } td { (c.population) } td { (c.payment_model.replace('_', "-")) }
                td { (c.value) } td { (c.rows) } td { (c.spend) } td class=[(c.gap.0 < 0).then_some("gap")] { (c.gap) }
            } } }
        } }
        h2 { "Who provides what for whom" }
        p { "Spend from each provider, in each setting, on each segment of " (r.plans.first().map_or("the first segment model", |p| p.segment_model.as_str())) ". "
            a href="/money/download/contract-map.csv" download { "The map (CSV)" } }
        div.table-scroll { table.compact {
            caption { "Provider → setting → segment" }
            thead { tr { th scope="col" { "Provider" } th scope="col" { "Setting" } th scope="col" { "Segment" } th scope="col" { "Rows" } th scope="col" { "Spend" } } }
            tbody { @for f in &r.flows { tr {
                th scope="row" { (f.provider) } td { (f.setting) } td { (f.segment) } td { (f.rows) } td { (f.spend) }
            } } }
        } }
    };
    Ok(layout(&site, "Contract map", Section::Money, body))
}

fn plan_of<'a>(r: &'a MoneyResults, id: &str) -> Result<&'a PlanResult, WebError> {
    r.plan(id)
        .ok_or_else(|| WebError::NotFound(format!("no budget plan {id:?} in this snapshot")))
}

/// The latest figure of each indicator of the plan's framework broken down by the plan's
/// segments, for the segments of each workstream.
fn outcomes_beside(site: &Site, plan: &PlanResult) -> Markup {
    let Some(framework) = &plan.framework else {
        return html! {};
    };
    let results = &site.snapshot().results;
    let segments: Vec<(&str, &str)> = plan
        .workstreams
        .iter()
        .flat_map(|w| {
            w.segments
                .iter()
                .map(move |s| (w.label.as_str(), s.as_str()))
        })
        .collect();
    let indicators: Vec<_> = site
        .snapshot()
        .summary
        .indicators
        .iter()
        .filter(|i| &i.framework == framework)
        .filter_map(|i| {
            let latest = results
                .iter()
                .filter(|r| {
                    r.framework == i.framework
                        && r.indicator == i.id
                        && r.breakdown == plan.segment_model
                })
                .map(|r| r.period_end)
                .max()?;
            let values: Vec<Option<f64>> = segments
                .iter()
                .map(|(_, s)| {
                    results
                        .iter()
                        .find(|r| {
                            r.framework == i.framework
                                && r.indicator == i.id
                                && r.breakdown == plan.segment_model
                                && r.period_end == latest
                                && r.group == *s
                        })
                        .and_then(|r| r.value)
                })
                .collect();
            Some((i, latest, values))
        })
        .collect();
    if indicators.is_empty() {
        return html! {};
    }
    html! {
        h2 { "Outcomes beside the budgets" }
        p { "The latest figure of each indicator of the " (framework) " framework for the segments that make up each workstream." }
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Indicator" } th scope="col" { "Period to" }
                @for (w, s) in &segments { th scope="col" { (w) br; small { (crate::site::segment_label(&plan.segment_model, s)) } } } } }
            tbody { @for (i, latest, values) in &indicators { tr {
                th scope="row" { a href={ "/frameworks/" (i.framework) "/indicators/" (i.id) } { (i.name) } }
                td { (latest) }
                @for v in values { td { (v.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))) } }
            } } }
        } }
    }
}

pub async fn budgets(State(site): Shared, Path(id): Path<String>) -> Result<Markup, PageError> {
    let r = money(&site)?;
    let plan = plan_of(r, &id)?;
    let cap = &plan.capitation;
    let spc_of = |w: &accord_snapshot::money::WorkstreamResult| {
        let spc = w.spc.as_ref()?;
        let figure = accord_chart::spc(&SpcFigure {
            labels: Labels {
                id: format!("spc-{}", w.id),
                title: format!("{}: monthly spend (SPC)", w.label),
                description: format!(
                    "XmR chart of the monthly spend of {} on the contracts that feed it, with the mean and process limits.",
                    w.label
                ),
                x: "Month".into(),
                y: "Pounds".into(),
            },
            categories: w
                .monthly
                .iter()
                .map(|m| m.month.format("%b %Y").to_string())
                .collect(),
            chart: spc,
            target: None,
            step: 1.0,
        });
        Some(chart(
            &figure,
            &format!("{}: monthly spend with process limits", w.label),
        ))
    };
    let sheet = |prefix: &str| {
        format!("{prefix}-{}", plan.id)
            .chars()
            .take(31)
            .collect::<String>()
    };
    let body = html! {
        nav.breadcrumb aria-label="Breadcrumb" { a href="/money" { "Money" } " › " (plan.name) }
        h1 { (plan.name) ", " (r.year.label) }
        p.lead { (plan.description) }
        h2 { "Shadow budgets" }
        p { "Each contract's value for the year is shared between the workstreams that it feeds, by a fixed share or by use (each workstream's share of the contract's costed activity in "
            (r.baseline_year.label) "), to the penny. The actual is what the workstream's people cost on those contracts in the year. "
            (plan.outside) " of the contracts' value falls in no workstream. "
            a href={ "/money/download/" (sheet("budget")) ".csv" } download { "Budgets (CSV)" } }
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Workstream" } th scope="col" { "People" } th scope="col" { "Budget" } th scope="col" { "Actual" }
                th scope="col" { "Variance" } th scope="col" { "Budget per person" } th scope="col" { "Actual from unit costs" } } }
            tbody { @for w in &plan.workstreams { tr {
                th scope="row" { (w.label) }
                td { (w.people) } td { (w.budget) } td { (w.actual) }
                td class=[(w.variance.0 < 0).then_some("gap")] { (w.variance) }
                td { (if w.people > 0 { w.budget.scaled(1, w.people as i64).to_string() } else { "–".into() }) }
                td { (share(w.from_unit_costs, w.actual)) }
            } } }
        } }
        (outcomes_beside(&site, plan))
        @for w in &plan.workstreams {
            section aria-labelledby={ "w-" (w.id) } {
                h2 id={ "w-" (w.id) } { (w.label) }
                p { "Budget " (w.budget) ", actual " (w.actual) ". Its population: segments " (w.segments.join(", ")) " of " (plan.segment_model) ". "
                    code { "accord money explain workstream:" (plan.id) "/" (w.id) } " shows how it was made." }
                @if let Some(c) = spc_of(w) { (c) }
                details { summary { "Where the budget came from" }
                    div.table-scroll { table.compact {
                        thead { tr { th scope="col" { "Contract" } th scope="col" { "Share" } th scope="col" { "Basis" } th scope="col" { "Amount" } } }
                        tbody { @for s in &w.sources { tr { th scope="row" { (s.contract) } td { (format!("{:.2}%", 100.0 * s.share)) } td { (s.basis) } td { (s.amount) } } } }
                    } }
                }
            }
        }
        h2 { "Capitated budgets" }
        p { "The envelope, " strong { (cap.envelope) } " (" (cap.envelope_source) "), shared by weighted population: each person registered in the year weighs their age-sex index × need index (" (cap.need.replace('_', " ")) ") × (1 + the inequalities top-up of their deprivation quintile, "
            (cap.inequalities_top_up.iter().map(|t| format!("{:.1}%", 100.0 * t)).collect::<Vec<_>>().join(", ")) ") × the market forces factor ("
            (cap.market_forces_factor) "). "
            @if let Some(p) = cap.pace_of_change { "Each budget is held within " (format!("{:.1}%", 100.0 * p)) " of the unit's spend the year before (pace of change). " }
            a href={ "/money/download/" (sheet("capitation")) ".csv" } download { "Capitation (CSV)" } }
        @for t in &cap.tables {
            div.table-scroll { table.compact {
                caption { "By " (t.unit) }
                thead { tr { th scope="col" { (t.unit) } th scope="col" { "People" } th scope="col" { "Weighted" } th scope="col" { "Target" }
                    th scope="col" { "Last year's spend" } th scope="col" { "Budget" } th scope="col" { "Actual" } th scope="col" { "Variance" } } }
                tbody { @for l in t.lines.iter().filter(|l| l.people > 0 || l.budget.0 != 0) { tr {
                    th scope="row" { (l.label) } td { (l.people) } td { (format!("{:.1}", l.weighted_population)) } td { (l.target) }
                    td { (l.baseline) } td { (l.budget) } td { (l.actual) } td class=[(l.variance.0 < 0).then_some("gap")] { (l.variance) }
                } } }
            } }
        }
        details { summary { "The indices" }
            div.table-scroll { table.compact {
                caption { "Age-sex index, " (r.baseline_year.label) }
                thead { tr { th scope="col" { "Group" } th scope="col" { "People" } th scope="col" { "Spend" } th scope="col" { "Index" } } }
                tbody { @for i in &cap.age_sex { tr { th scope="row" { (i.group) } td { (i.people) } td { (i.spend) } td { (format!("{:.3}", i.index)) } } } }
            } }
            @if !cap.need_index.is_empty() {
                div.table-scroll { table.compact {
                    caption { "Need index: cost over what age and sex predict" }
                    thead { tr { th scope="col" { "Group" } th scope="col" { "People" } th scope="col" { "Spend" } th scope="col" { "Index" } } }
                    tbody { @for i in &cap.need_index { tr { th scope="row" { (i.group) } td { (i.people) } td { (i.spend) } td { (format!("{:.3}", i.index)) } } } }
                } }
            }
        }
    };
    Ok(layout(&site, &plan.name, Section::Money, body))
}

pub async fn download(
    State(site): Shared,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let r = money(&site)?;
    let name = file.strip_suffix(".csv").unwrap_or(&file);
    let sheet = r
        .sheets()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| WebError::NotFound(format!("no money table {name:?}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"money-{name}.csv\""),
            ),
        ],
        sheet.csv(),
    )
        .into_response())
}

pub async fn workbook(State(site): Shared) -> Result<Response, PageError> {
    let r = money(&site)?;
    let bytes = accord_money::workbook::workbook(r)
        .map_err(|e| WebError::BadRequest(format!("the workbook could not be built: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"accord-money-{}.xlsx\"",
                    r.year.label.replace('/', "-")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn api(State(site): Shared) -> Result<Response, crate::api::ApiError> {
    let r = money(&site)?;
    Ok(axum::Json(r.clone()).into_response())
}

/// The outcome-based contracts served whose indicators the snapshot holds.
fn outcome_contracts(site: &Site) -> Vec<accord_contracts::OutcomeContract> {
    site.outcome_contracts()
        .into_iter()
        .filter(|c| accord_money::payment::check_against(c, site.snapshot()).is_ok())
        .collect()
}

pub async fn contracts_index(State(site): Shared) -> Result<Markup, PageError> {
    let r = money(&site)?;
    let contracts = outcome_contracts(&site);
    let payments: Vec<_> = contracts
        .iter()
        .filter_map(|c| {
            accord_money::payment::pay(
                c,
                site.snapshot(),
                &accord_money::payment::PaymentOptions {
                    draws: 2_000,
                    ..Default::default()
                },
            )
            .ok()
        })
        .collect();
    let body = html! {
        nav.breadcrumb aria-label="Breadcrumb" { a href="/money" { "Money" } " › Outcome-based contracts" }
        h1 { "Outcome-based contracts" }
        p.lead { "What each contract pays its alliance for the outcomes in this snapshot, with every step shown. Without contracts of the partnership's own (" code { "accord serve --contract FILE" } "), the built-in illustrative examples are shown." }
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Contract" } th scope="col" { "Year" } th scope="col" { "Pot" } th scope="col" { "Score" }
                th scope="col" { "Outcome payment" } th scope="col" { "To the alliance" } th scope="col" { "90% of draws" } } }
            tbody { @for p in &payments { tr {
                th scope="row" { a href={ "/money/contracts/outcomes/" (p.contract) } { (p.name) } }
                td { (p.year) " (year " (p.contract_year) ")" } td { (p.pot) } td { (format!("{:.3}", p.score)) }
                td { (p.outcome_payment) } td { (p.to_alliance) } td { (p.distribution.p5) " – " (p.distribution.p95) }
            } } }
        } }
        p { "Money results of " (r.year.label) " supply the actual spend of a contract's risk share." }
    };
    Ok(layout(
        &site,
        "Outcome-based contracts",
        Section::Money,
        body,
    ))
}

pub async fn contract_page(
    State(site): Shared,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    money(&site)?;
    let contract = outcome_contracts(&site)
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| {
            WebError::NotFound(format!(
                "no outcome-based contract {id:?} for this snapshot"
            ))
        })?;
    let p = accord_money::payment::pay(
        &contract,
        site.snapshot(),
        &accord_money::payment::PaymentOptions::default(),
    )
    .map_err(|e| WebError::BadRequest(e.to_string()))?;
    // The payment at the end of each earlier financial year the snapshot holds.
    let year_ends: std::collections::BTreeSet<chrono::NaiveDate> = site
        .snapshot()
        .results
        .iter()
        .filter(|r| {
            r.breakdown == "all"
                && contract
                    .indicators
                    .iter()
                    .any(|i| i.framework == r.framework && i.indicator == r.indicator)
        })
        .map(|r| r.period_end)
        .filter(|d| chrono::Datelike::month(d) == 3 && chrono::Datelike::day(d) == 31)
        .collect();
    let history: Vec<_> = year_ends
        .iter()
        .filter_map(|end| {
            accord_money::payment::pay(
                &contract,
                site.snapshot(),
                &accord_money::payment::PaymentOptions {
                    period_end: Some(*end),
                    draws: 1_000,
                    ..Default::default()
                },
            )
            .ok()
        })
        .filter(|h| h.contract_year >= 1)
        .collect();
    let evidence = BarChart {
        labels: Labels {
            id: "achievement".into(),
            title: "Achievement of each indicator".into(),
            description: "Each indicator's achievement from 0 (at or short of its threshold) to 1 (at or past its target).".into(),
            x: "Achievement".into(),
            y: "Indicator".into(),
        },
        bars: p
            .indicators
            .iter()
            .map(|i| Bar {
                label: i.name.clone(),
                value: Some(i.achievement),
                lower: None,
                upper: None,
                tone: Tone::NotCompared,
                note: format!("weight {}, weighted {:.3}", i.weight, i.weighted),
            })
            .collect(),
        reference: None,
        step: 0.001,
    };
    let pct = |x: Option<f64>| x.map_or_else(|| "–".into(), |x| format!("{:.1}%", 100.0 * x));
    let num = |x: Option<f64>| x.map_or_else(|| "–".into(), |x| format!("{x:.2}"));
    let body = html! {
        nav.breadcrumb aria-label="Breadcrumb" { a href="/money" { "Money" } " › " a href="/money/contracts/outcomes" { "Outcome-based contracts" } " › " (p.name) }
        h1 { (p.name) ", " (p.year) }
        @if p.illustrative { p.warning { strong { "Illustrative. " } "The contract's value, shares, thresholds and targets are made up for the synthetic borough." } }
        p.lead { (contract.description) }
        p { "Contract year " (p.contract_year) ": " (p.annual_value) " × " (format!("{:.1}%", 100.0 * p.share_at_risk)) " at risk = a pot of " strong { (p.pot) } ". Weighted score " (format!("{:.4}", p.score))
            ", so the pot pays " (p.before_limits) "; held within " (p.floor) " to " (p.cap) ": " strong { (p.outcome_payment) } "." }
        @if let Some(r) = &p.risk_share {
            p { "Risk share: budget " (r.budget) " less actual " (r.actual) " (" (r.actual_source) ") = " (r.gain) ". The alliance's "
                (format!("{:.0}%", 100.0 * (1.0 - r.commissioner_ratio))) " is " (r.alliance_before_cap) ", held within ±" (r.cap_collar) ": " strong { (r.alliance) } "; the commissioner's " (r.commissioner) "." }
        }
        p { "To the alliance: " strong { (p.to_alliance) } ". Every figure is from the snapshot of dataset " code { (p.snapshot_fingerprint) } ", refreshed " (p.snapshot_created_at) "." }
        h2 { "Each partner" }
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Partner" } th scope="col" { "Share" } th scope="col" { "Amount" } } }
            tbody { @for s in &p.partners { tr { th scope="row" { (s.name) } td { (format!("{:.1}%", 100.0 * s.share)) } td { (s.amount) } } } }
        } }
        h2 { "The evidence" }
        (chart(&accord_chart::bars(&evidence), "Achievement of each indicator"))
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Indicator" } th scope="col" { "Period" } th scope="col" { "Value (95% CI)" } th scope="col" { "Scored" }
                th scope="col" { "Threshold" } th scope="col" { "Target" } th scope="col" { "Weight" } th scope="col" { "Achievement" }
                th scope="col" { "P(past threshold)" } th scope="col" { "P(at target)" } } }
            tbody { @for i in &p.indicators { tr {
                th scope="row" { a href={ "/frameworks/" (i.framework) "/indicators/" (i.indicator) } { (i.name) } }
                td { (i.period_start.map_or_else(String::new, |d| d.to_string())) " to " (i.period_end.map_or_else(String::new, |d| d.to_string())) }
                td { (num(i.value)) " (" (num(i.lower95)) "–" (num(i.upper95)) ")" } td { (num(i.scored_value)) }
                td { (i.threshold) } td { (i.target) } td { (i.weight) } td { (format!("{:.3}", i.achievement)) }
                td { (pct(i.p_past_threshold)) } td { (pct(i.p_at_target)) }
            } } }
        } }
        @for g in &p.gateways { p { "Gateway: " (g.description) ": " strong { (if g.passed { "passed" } else { "failed" }) } " (" (g.detail) ")." } }
        h2 { "How much of it is noise" }
        p { "Each indicator is an estimate. Drawing each from its sampling distribution (normal, with its 95% interval's width; "
            (p.distribution.draws) " draws, seed " (p.distribution.seed) "), the outcome payment averages " strong { (p.distribution.mean) }
            " (sd " (p.distribution.sd) "); 90% of draws pay between " (p.distribution.p5) " and " (p.distribution.p95) ", the median " (p.distribution.p50)
            ", and " (format!("{:.1}%", 100.0 * p.distribution.p_zero)) " pay nothing. The P columns above give the chance that each indicator's true value is past its threshold and at its target." }
        h3 { "Sensitivity" }
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Indicator" } th scope="col" { "Payment if 5% worse" } th scope="col" { "Payment if 5% better" } } }
            tbody { @for s in &p.sensitivity { tr { th scope="row" { (s.indicator) } td { (s.worse) } td { (s.better) } } } }
        } }
        h2 { "By year of the contract" }
        div.table-scroll { table.compact {
            thead { tr { th scope="col" { "Year" } th scope="col" { "Contract year" } th scope="col" { "Pot" } th scope="col" { "Score" } th scope="col" { "Outcome payment" } } }
            tbody { @for h in &history { tr { th scope="row" { (h.year) } td { (h.contract_year) } td { (h.pot) } td { (format!("{:.3}", h.score)) } td { (h.outcome_payment) } } } }
        } }
        @for n in &p.notes { p.note { (n) } }
        p { code { "accord contract pay " (contract.id) " --snapshot SNAPSHOT" } " prints the same, with " code { "--json" } " or " code { "--xlsx FILE" } "; " code { "accord contract scenario" } " tries other values." }
    };
    Ok(layout(&site, &p.name, Section::Money, body))
}
