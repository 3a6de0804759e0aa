//! The HTML pages: maud templates over the [`Site`] functions, with charts from
//! accord-chart. Every chart has its data table behind a toggle; filters are forms that
//! work without JavaScript and, with htmx, replace only the part of the page they change.

use accord_chart::{
    Bar, BarChart, Figure as Chart, FunnelChart, FunnelPoint as Dot, Labels, LineChart, Mark,
    PyramidBand as Band, PyramidChart, Series, SpcFigure, Tone, XyChart, XySeries, number,
};
use accord_risk::ModelCard;
use accord_risk::Performance;
use accord_snapshot::control::IndicatorSpc;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::WebError;
use crate::site::{
    Figure, IndicatorQuery, IndicatorView, PopulationQuery, PopulationView, QualityView, Site, Tile,
};

type Shared = State<crate::State>;

/// An error as a page: the status and a page that says what went wrong.
pub struct PageError(pub(crate) WebError);

impl From<WebError> for PageError {
    fn from(e: WebError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = html! {
            (DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "Error – Accord" } link rel="stylesheet" href="/assets/style.css"; }
                body { main.container #main {
                    h1 { (status.canonical_reason().unwrap_or("Error")) }
                    p { (self.0.to_string()) }
                    p { a href="/" { "Go to the outcomes overview" } }
                } }
            }
        };
        (status, body).into_response()
    }
}

/// Which part of the site a page belongs to, for the navigation.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Section<'a> {
    Framework(&'a str),
    Population,
    Money,
    Risk,
    Evaluation,
    Quality,
    About,
}

pub(crate) fn layout(site: &Site, title: &str, section: Section<'_>, body: Markup) -> Markup {
    let p = &site.snapshot().summary.header.provenance;
    let run = &site.snapshot().summary.run;
    let current = |here: bool| if here { Some("page") } else { None };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Accord" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                script src="/assets/htmx.min.js" defer {}
            }
            body {
                a.skip-link href="#main" { "Skip to main content" }
                header.header {
                    div.container.header-inner {
                        a.brand href="/" { "Accord" }
                        nav aria-label="Main" {
                            ul {
                                @for f in site.frameworks() {
                                    li { a href={ "/frameworks/" (f.id) } aria-current=[current(section == Section::Framework(&f.id))] { (f.name) } }
                                }
                                li { a href="/population" aria-current=[current(section == Section::Population)] { "Population and segments" } }
                                @if site.money().is_some() {
                                    li { a href="/money" aria-current=[current(section == Section::Money)] { "Money" } }
                                }
                                @if site.has_risk() {
                                    li { a href="/risk" aria-current=[current(section == Section::Risk)] { "Risk model" } }
                                }
                                @if site.has_evaluation() {
                                    li { a href="/evaluation" aria-current=[current(section == Section::Evaluation)] { "MDT evaluation" } }
                                }
                                @if site.has_mdt() {
                                    li { a href="/mdt" { "MDT workflow" } }
                                }
                                li { a href="/data-quality" aria-current=[current(section == Section::Quality)] { "Data quality" } }
                                li { a href="/about" aria-current=[current(section == Section::About)] { "About" } }
                            }
                        }
                    }
                }
                @if site.public() {
                    div.banner role="note" { div.container {
                        strong { "Published figures. " }
                        "Counts of 1 to 7 are withheld (*), with a second figure where the first could otherwise be worked out from a total; other counts are rounded to the nearest 5, and rates and percentages are computed from the rounded counts. "
                        a href="/about#disclosure" { "How figures are published" }
                    } }
                }
                main.container #main { (body) }
                footer.footer { div.container {
                    "Data to " (run.data_end) " (extract " (p.extract_date) "), refreshed " (p.created_at)
                    " by Accord " (p.accord_version) " on " (p.engine) ". "
                    a href="/about" { "Provenance" } " · " a href="/api/openapi.json" { "API (OpenAPI)" }
                } }
            }
        }
    }
}

/// A chart with its title as the figure caption and its data table behind a toggle.
pub(crate) fn chart(figure: &Chart, caption: &str) -> Markup {
    html! {
        figure.chart-figure {
            figcaption { (caption) }
            (PreEscaped(&figure.svg))
            details.data-table {
                summary { "Show the data behind this chart" }
                div.table-scroll { table {
                    thead { tr { @for c in &figure.table.columns { th scope="col" { (c) } } } }
                    tbody { @for row in &figure.table.rows { tr {
                        @for (i, cell) in row.iter().enumerate() {
                            @if i == 0 { th scope="row" { (cell) } } @else { td { (cell) } }
                        }
                    } } }
                } }
            }
        }
    }
}

fn value_text(value: Option<f64>) -> String {
    value.map_or_else(|| "*".to_string(), |v| number(v, 0.1))
}

fn count_text(value: Option<f64>) -> String {
    value.map_or_else(|| "*".to_string(), |v| number(v, 1.0))
}

fn interval_text(f: &Figure) -> Option<String> {
    Some(format!(
        "{} to {}",
        value_text(Some(f.lower95?)),
        value_text(Some(f.upper95?))
    ))
}

fn words(code: &str) -> String {
    code.replace('_', " ")
}

fn trend_arrow(trend: Option<&str>) -> (&'static str, String) {
    match trend {
        Some("increasing") => ("↑", "Increasing".into()),
        Some("decreasing") => ("↓", "Decreasing".into()),
        Some("no_significant_change") => ("→", "No significant change".into()),
        _ => ("–", "Trend cannot be calculated".into()),
    }
}

pub fn breakdown_name(code: &str) -> &str {
    match code {
        "sex" => "Sex",
        "age_band" => "Age band",
        "ethnic_group" => "Ethnic group",
        "imd_quintile" => "Deprivation (IMD quintile)",
        "locality" => "Locality",
        "network" => "Network",
        "practice" => "Practice",
        "life_course" => "Life course segment",
        "west_london_tier" => "West London tier",
        "bridges_to_health" => "Bridges to Health segment",
        "complex_needs" => "Complex needs",
        other => other,
    }
}

pub async fn home(State(site): Shared) -> Response {
    match site.frameworks().first() {
        Some(f) => Redirect::to(&format!("/frameworks/{}", f.id)).into_response(),
        None => Redirect::to("/population").into_response(),
    }
}

pub async fn not_found() -> PageError {
    PageError(WebError::NotFound(
        "There is no page at this address.".into(),
    ))
}

fn tile(t: &Tile) -> Markup {
    let (arrow, trend) = trend_arrow(t.trend.as_deref());
    let href = format!("/frameworks/{}/indicators/{}", t.framework, t.id);
    html! {
        li class={ "tile rag-" (t.rag) } {
            h4 { a href=(href) { (t.name) } }
            @match &t.figure {
                Some(f) => {
                    p.tile-value { span.value { (value_text(f.value)) } " " span.unit { (t.unit) } }
                    @if let Some(ci) = interval_text(f) { p.tile-ci { "95% CI " (ci) } }
                    @if let Some(note) = &f.note { p.tile-note { (note) } }
                }
                None => { p.tile-note { (t.no_figure.as_deref().unwrap_or("No complete period in the data")) } }
            }
            @if let (Some(start), Some(end)) = (t.period_start, t.period_end) {
                p.tile-period { (start) " to " (end) }
            }
            (PreEscaped(accord_chart::sparkline(&t.sparkline)))
            dl.tile-facts {
                dt { "Against target" } dd { (t.vs_target.as_deref().map(words).unwrap_or_else(|| "no target".into())) }
                dt { "Against benchmark" } dd { (t.vs_benchmark.as_deref().map(words).unwrap_or_else(|| "not compared".into())) }
                dt { "Recent trend" } dd { span aria-hidden="true" { (arrow) " " } (trend) }
            }
            @if let Some(owner) = &t.owner { p.tile-owner { "Owner: " (owner) } }
        }
    }
}

pub async fn overview(
    State(site): Shared,
    Path(framework): Path<String>,
) -> Result<Markup, PageError> {
    let o = site.overview(&framework)?;
    let body = html! {
        h1 { (o.framework.name) }
        p.lead { (o.framework.partnership) " · version " (o.framework.version) " · " (o.framework.indicators) " indicators" }
        @if !o.framework.description.is_empty() { p { (o.framework.description) } }
        p.legend-rag {
            "Tiles are coloured by the comparison with the target where there is one, else with the benchmark: "
            span.rag-key.rag-green { "better" } " " span.rag-key.rag-amber { "similar" } " "
            span.rag-key.rag-red { "worse" } " " span.rag-key.rag-grey { "not compared" } "."
        }
        @for d in &o.domains {
            section.domain aria-labelledby={ "domain-" (d.id) } {
                h2 id={ "domain-" (d.id) } { (d.name) }
                @if let Some(text) = &d.description { p { (text) } }
                @for outcome in &d.outcomes {
                    div.outcome {
                        h3 { "“" (outcome.statement) "”" }
                        @if let Some(owner) = &outcome.owner { p.owner { "Owned by " (owner) } }
                        ul.tiles { @for t in &outcome.indicators { (tile(t)) } }
                    }
                }
            }
        }
    };
    Ok(layout(
        &site,
        &o.framework.name,
        Section::Framework(&framework),
        body,
    ))
}

fn trend_chart(v: &IndicatorView) -> Chart {
    let target = v
        .target
        .as_ref()
        .and_then(|t| t.value)
        .map(|t| ("Target".to_string(), t));
    accord_chart::line(&LineChart {
        labels: Labels {
            id: "trend".into(),
            title: format!("{}: trend", v.name),
            description: format!(
                "{} for the whole population, each period from {} to {}, with 95% confidence intervals{}.",
                v.name,
                v.series
                    .first()
                    .map(|p| p.period_end.to_string())
                    .unwrap_or_default(),
                v.series
                    .last()
                    .map(|p| p.period_end.to_string())
                    .unwrap_or_default(),
                if target.is_some() {
                    " and the target"
                } else {
                    ""
                }
            ),
            x: "Period ending".into(),
            y: v.unit.clone(),
        },
        categories: v.series.iter().map(|p| p.period_end.to_string()).collect(),
        series: vec![Series {
            name: v.name.clone(),
            values: v.series.iter().map(|p| p.figure.value).collect(),
            band: Some(
                v.series
                    .iter()
                    .map(|p| Some((p.figure.lower95?, p.figure.upper95?)))
                    .collect(),
            ),
        }],
        target,
        zero: true,
        step: 0.1,
    })
}

fn spc_chart(v: &IndicatorView) -> Option<Markup> {
    let IndicatorSpc {
        target,
        periods,
        chart: spc,
    } = v.spc.as_ref()?;
    let figure = accord_chart::spc(&SpcFigure {
        labels: Labels {
            id: "spc".into(),
            title: format!("{}: statistical process control chart", v.name),
            description: format!(
                "XmR chart of {} by month with the mean and process limits (Making Data Count rules).",
                v.name
            ),
            x: "Month".into(),
            y: v.unit.clone(),
        },
        categories: periods
            .iter()
            .map(|p| p.format("%b %Y").to_string())
            .collect(),
        chart: spc,
        target: *target,
        step: 0.1,
    });
    Some(html! {
        section aria-labelledby="spc-heading" {
            h2 #spc-heading { "Month by month (SPC)" }
            @if let Some(variation) = spc.variation { p { strong { "Variation: " } (accord_chart::variation_text(variation).2) "." } }
            @if let Some(assurance) = spc.assurance { p { strong { "Assurance: " } (accord_chart::assurance_text(assurance).2) "." } }
            @for w in &spc.warnings { p.note { (w) } }
            (chart(&figure, "Monthly values with process limits"))
        }
    })
}

fn breakdown_section(v: &IndicatorView) -> Markup {
    let name = breakdown_name(&v.breakdown);
    let period = v.period.map(|p| p.to_string()).unwrap_or_default();
    let bars = accord_chart::bars(&BarChart {
        labels: Labels {
            id: "breakdown".into(),
            title: format!("{} by {}", v.name, name.to_lowercase()),
            description: format!(
                "{} in the period ending {period} for each {} with 95% confidence intervals, coloured by comparison with the whole population.",
                v.name,
                name.to_lowercase()
            ),
            x: v.unit.clone(),
            y: name.to_string(),
        },
        bars: v
            .groups
            .iter()
            .map(|g| Bar {
                label: g.label.clone(),
                value: g.figure.value,
                lower: g.figure.lower95,
                upper: g.figure.upper95,
                tone: Tone::from_comparison(g.vs_population.as_deref()),
                note: format!(
                    "{} / {}{}",
                    count_text(g.figure.numerator),
                    count_text(g.figure.denominator),
                    g.figure
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
            })
            .collect(),
        reference: v
            .population
            .as_ref()
            .and_then(|p| p.value)
            .map(|value| ("Everyone".to_string(), value)),
        step: 0.1,
    });
    html! {
        section #breakdown aria-live="polite" {
            h2 { "By " (name.to_lowercase()) ", period ending " (period) }
            (chart(&bars, &format!("{} by {}", v.name, name.to_lowercase())))
            @if let Some(funnel) = &v.funnel {
                h3 { "Practices: funnel plot" }
                p { "Each practice's value against its size; points outside the 99.8% limits differ from the borough by more than chance would explain." }
                (chart(&accord_chart::funnel(&FunnelChart {
                    labels: Labels {
                        id: "funnel".into(),
                        title: format!("{}: practices against their size", v.name),
                        description: format!("Funnel plot of {} for each practice in the period ending {period}, with 95% and 99.8% control limits around the borough value.", v.name),
                        x: "Denominator".into(),
                        y: v.unit.clone(),
                    },
                    points: funnel.points.iter().map(|p| Dot {
                        label: p.label.clone(),
                        denominator: p.denominator,
                        value: p.value,
                        tone: match p.position.as_str() {
                            "outside_998" => Tone::Worse,
                            "outside_95" => Tone::Similar,
                            _ => Tone::NotCompared,
                        },
                    }).collect(),
                    centre: funnel.centre,
                    limits: funnel.limits.clone(),
                    step: 0.1,
                }), "Practices against their size"))
            }
            @if let Some(g) = &v.inequality {
                h3 { "Inequality by deprivation" }
                dl.summary-list {
                    dt { "Most minus least deprived quintile" }
                    dd { (value_text(Some(g.gap))) " (95% CI " (value_text(Some(g.gap_lower))) " to " (value_text(Some(g.gap_upper))) ")" }
                    @if let Some(sii) = g.sii {
                        dt { "Slope index of inequality" }
                        dd { (value_text(Some(sii))) " (95% CI " (value_text(g.sii_lower)) " to " (value_text(g.sii_upper)) ")" }
                    }
                    @if let Some(rii) = g.rii { dt { "Relative index of inequality" } dd { (number(rii, 0.01)) } }
                }
            }
        }
    }
}

pub async fn indicator(
    State(site): Shared,
    Path((framework, indicator)): Path<(String, String)>,
    Query(query): Query<IndicatorQuery>,
) -> Result<Markup, PageError> {
    let v = site.indicator(&framework, &indicator, &query)?;
    let href = format!("/frameworks/{}/indicators/{}", v.framework, v.id);
    let latest = v.series.last();
    let body = html! {
        nav.breadcrumb aria-label="Breadcrumb" {
            a href={ "/frameworks/" (v.framework) } { (v.framework_name) } " › " (v.domain)
        }
        h1 { (v.name) }
        p.lead { "“" (v.outcome) "”" }
        @if let Some(d) = &v.description { p { (d) } }
        @if let Some(why) = &v.no_figure { div.panel { p.note { (why) } } }
        @if let Some(p) = latest {
            div.panel {
                p.big { (value_text(p.figure.value)) " " span.unit { (v.unit) } }
                @if let Some(ci) = interval_text(&p.figure) { p { "95% confidence interval " (ci) } }
                p { (p.period_start) " to " (p.period_end) ": " (count_text(p.figure.numerator)) " of " (count_text(p.figure.denominator)) }
                @if let Some(note) = &p.figure.note { p.note { (note) } }
                dl.summary-list {
                    dt { "Against target" } dd { (p.vs_target.as_deref().map(words).unwrap_or_else(|| "no target".into())) }
                    dt { "Against benchmark" } dd { (p.vs_benchmark.as_deref().map(words).unwrap_or_else(|| "not compared".into())) }
                    dt { "Against a year earlier" } dd { (p.vs_year_earlier.as_deref().map(words).unwrap_or_else(|| "not compared".into())) }
                    dt { "Recent trend" } dd { (trend_arrow(p.trend.as_deref()).1) }
                }
            }
        }
        dl.summary-list {
            dt { "Measure" } dd { (words(&v.measure)) ", " (v.unit) }
            dt { "Periods" } dd { (words(&v.period_kind)) }
            dt { "Direction" } dd { (words(&v.polarity)) }
            @if let Some(t) = &v.target {
                dt { "Target" }
                dd { @if let Some(x) = t.value { (value_text(Some(x))) } @else { (value_text(t.lower)) " to " (value_text(t.upper)) } }
            }
            @if let Some(b) = &v.benchmark { dt { "Benchmark" } dd { (b.label) ": " (value_text(Some(b.value))) } }
            @if let Some(n) = &v.national { dt { "National indicator" } dd { (n) } }
            @if let Some(o) = &v.owner { dt { "Owner" } dd { (o) } }
        }
        section aria-labelledby="trend-heading" {
            h2 #trend-heading { "Trend" }
            (chart(&trend_chart(&v), "Whole population, every period"))
        }
        @if let Some(spc) = spc_chart(&v) { (spc) }
        form.filters method="get" action=(href) hx-get=(href) hx-target="#breakdown" hx-select="#breakdown" hx-swap="outerHTML" hx-push-url="true" hx-trigger="change" {
            div.field {
                label for="breakdown-select" { "Break down by" }
                select #breakdown-select name="breakdown" {
                    @for b in &v.breakdowns { option value=(b) selected[*b == v.breakdown] { (breakdown_name(b)) } }
                }
            }
            div.field {
                label for="period-select" { "Period ending" }
                select #period-select name="period" {
                    @for p in v.periods.iter().rev() { option value=(p) selected[Some(*p) == v.period] { (p) } }
                }
            }
            button type="submit" { "Show" }
        }
        (breakdown_section(&v))
        section aria-labelledby="explain-heading" {
            h2 #explain-heading { "How this figure is made" }
            details open { summary { "Definition (" (v.framework) ".toml)" } pre { code { (v.definition) } } }
            @for t in &v.shared_tables {
                details { summary { "Shared table " (t.name) } pre { code { (t.sql) } } }
            }
            details { summary { "The indicator's SQL" } pre { code { (v.sql) } } }
            p { a href={ (href) "/download.csv" } download { "Download every figure of this indicator (CSV)" }
                " · " a href={ "/api" (href) } { "This page as JSON" } }
        }
    };
    Ok(layout(&site, &v.name, Section::Framework(&framework), body))
}

pub async fn download(
    State(site): Shared,
    Path((framework, indicator)): Path<(String, String)>,
) -> Result<Response, PageError> {
    // The indicator must exist; the rows come straight from the snapshot.
    site.indicator(&framework, &indicator, &IndicatorQuery::default())?;
    let rows = site
        .snapshot()
        .results
        .iter()
        .filter(|r| r.framework == framework && r.indicator == indicator);
    let csv = accord_snapshot::csv_text(rows);
    let disposition = format!("attachment; filename=\"{framework}-{indicator}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

fn population_charts(v: &PopulationView) -> Markup {
    let years: Vec<chrono::NaiveDate> = {
        let mut y: Vec<_> = v.sizes.iter().map(|s| s.period_end).collect();
        y.sort();
        y.dedup();
        y
    };
    let segments: Vec<_> = v
        .segments
        .iter()
        .filter(|s| v.sizes.iter().any(|z| z.segment == s.code))
        .collect();
    let size = |segment: &str, year| {
        v.sizes
            .iter()
            .find(|s| s.segment == segment && s.period_end == year)
    };
    let sizes = accord_chart::line(&LineChart {
        labels: Labels {
            id: "segment-sizes".into(),
            title: "People in each segment at each year end".into(),
            description:
                "Registered people in each segment on the last day of each financial year.".into(),
            x: "Financial year ending".into(),
            y: "People".into(),
        },
        categories: years.iter().map(|y| y.to_string()).collect(),
        series: segments
            .iter()
            .map(|s| Series {
                name: s.label.clone(),
                values: years
                    .iter()
                    .map(|y| size(&s.code, *y).and_then(|z| z.people))
                    .collect(),
                band: None,
            })
            .collect(),
        target: None,
        zero: true,
        step: 1.0,
    });
    let latest = years.last().copied();
    let spend = accord_chart::bars(&BarChart {
        labels: Labels {
            id: "segment-spend".into(),
            title: "Spend per person by segment, latest year".into(),
            description: "Health and social care spend per registered person in each segment during the latest financial year.".into(),
            x: "£ per person".into(),
            y: "Segment".into(),
        },
        bars: segments
            .iter()
            .filter_map(|s| latest.and_then(|y| size(&s.code, y)))
            .map(|z| Bar {
                label: z.label.clone(),
                value: z.cost_per_person,
                tone: Tone::NotCompared,
                note: format!("{} people", count_text(z.people)),
                ..Bar::default()
            })
            .collect(),
        reference: None,
        step: 1.0,
    });
    let pairs: Vec<(chrono::NaiveDate, chrono::NaiveDate)> = {
        let mut p: Vec<_> = v.flows.iter().map(|f| (f.from_date, f.to_date)).collect();
        p.sort();
        p.dedup();
        p
    };
    html! {
        section #segments aria-live="polite" {
            (chart(&sizes, "Segment sizes over time"))
            h2 { "Activity and spend per segment" }
            (chart(&spend, "Spend per person, latest financial year"))
            div.table-scroll { table {
                caption { "Activity and spend per person in each segment and financial year" }
                thead { tr {
                    th scope="col" { "Segment" } th scope="col" { "Year ending" } th scope="col" { "People" }
                    th scope="col" { "£ per person" } th scope="col" { "Emergency admissions per 1,000" }
                    th scope="col" { "A&E attendances per 1,000" } th scope="col" { "GP appointments per person" }
                } }
                tbody { @for s in &v.sizes { tr {
                    th scope="row" { (s.label) } td { (s.period_end) } td { (count_text(s.people)) }
                    td { (value_text(s.cost_per_person)) } td { (value_text(s.emergency_admissions_per_1000)) }
                    td { (value_text(s.ae_attendances_per_1000)) } td { (value_text(s.gp_appointments_per_person)) }
                } } }
            } }
            h2 { "Flows between segments, year on year" }
            @for (from, to) in pairs.iter().rev() {
                div.table-scroll { table.flows {
                    caption { "People by segment on " (from) " (rows) and on " (to) " (columns)" }
                    thead { tr { th scope="col" { "From \\ to" } @for s in &v.segments { th scope="col" { (s.label) } } } }
                    tbody { @for a in &v.segments { tr {
                        th scope="row" { (a.label) }
                        @for b in &v.segments {
                            @let n = v.flows.iter().find(|f| f.from_date == *from && f.to_date == *to && f.from_segment == a.code && f.to_segment == b.code);
                            td class=[(a.code == b.code).then_some("stay")] { (n.map(|f| count_text(f.people)).unwrap_or_else(|| "0".into())) }
                        }
                    } } }
                } }
            }
        }
    }
}

pub async fn population(
    State(site): Shared,
    Query(query): Query<PopulationQuery>,
) -> Result<Markup, PageError> {
    let v = site.population(&query)?;
    let pyramid = accord_chart::pyramid(&PyramidChart {
        labels: Labels {
            id: "pyramid".into(),
            title: "Registered population by age and sex".into(),
            description: format!(
                "Population pyramid of people registered and alive on {}: males to the left, females to the right, five-year age bands from the youngest at the bottom.",
                v.date.map(|d| d.to_string()).unwrap_or_default()
            ),
            x: "People".into(),
            y: "Age band".into(),
        },
        bands: v
            .pyramid
            .iter()
            .map(|b| Band {
                label: b.age_band.clone(),
                left: b.male.unwrap_or(0.0),
                right: b.female.unwrap_or(0.0),
            })
            .collect(),
        left_name: "Male".into(),
        right_name: "Female".into(),
    });
    let body = html! {
        h1 { "Population and segments" }
        @if let Some(date) = v.date {
            p.lead { (count_text(v.total)) " people registered on " (date) "." }
        }
        (chart(&pyramid, "Population pyramid"))
        h2 { "Segments" }
        form.filters method="get" action="/population" hx-get="/population" hx-target="#segments" hx-select="#segments" hx-swap="outerHTML" hx-push-url="true" hx-trigger="change" {
            div.field {
                label for="model-select" { "Segment model" }
                select #model-select name="model" {
                    @for m in &v.models { option value=(m) selected[*m == v.model] { (breakdown_name(m)) } }
                }
            }
            button type="submit" { "Show" }
        }
        (population_charts(&v))
    };
    Ok(layout(
        &site,
        "Population and segments",
        Section::Population,
        body,
    ))
}

fn quality_body(v: &QualityView) -> Markup {
    let mut tables: Vec<&str> = v.series.iter().map(|s| s.table.as_str()).collect();
    tables.dedup();
    html! {
        h1 { "Data quality" }
        p.lead { "Rows per month for every table of the dataset, with the months that look like gaps (no rows, or fewer than half the series' median), and how complete the optional fields are." }
        @for table in tables {
            @let series: Vec<_> = v.series.iter().filter(|s| s.table == table).collect();
            section aria-labelledby={ "table-" (table) } {
                h2 id={ "table-" (table) } { (table) }
                (chart(&accord_chart::line(&LineChart {
                    labels: Labels {
                        id: format!("rows-{table}"),
                        title: format!("Rows of {table} per month"),
                        description: format!("Number of rows of the {table} table dated in each month of the data span."),
                        x: "Month".into(),
                        y: "Rows".into(),
                    },
                    categories: v.months.iter().map(|m| m.format("%b %Y").to_string()).collect(),
                    series: vec![Series {
                        name: table.to_string(),
                        values: v.months.iter().map(|m| {
                            series.iter().map(|s| s.months.iter().find(|c| c.month == *m).and_then(|c| c.rows)).sum::<Option<f64>>()
                        }).collect(),
                        band: None,
                    }],
                    target: None,
                    zero: true,
                    step: 1.0,
                }), &format!("Rows of {table} per month")))
                @for s in &series {
                    @if !s.gaps.is_empty() {
                        p.warning { strong { (s.series) ": " } "possible gaps in " (s.gaps.iter().map(|g| g.format("%b %Y").to_string()).collect::<Vec<_>>().join(", ")) "." }
                    }
                }
                @if series.len() > 1 {
                    details { summary { "Rows per month by " (if table == "activity" { "setting" } else { "series" }) }
                        div.table-scroll { table.compact {
                            thead { tr { th scope="col" { "Series" } @for m in &v.months { th scope="col" { (m.format("%b %y")) } } } }
                            tbody { @for s in &series { tr {
                                th scope="row" { (s.series) }
                                @for c in &s.months { td class=[s.gaps.contains(&c.month).then_some("gap")] { (count_text(c.rows)) } }
                            } } }
                        } }
                    }
                }
            }
        }
        h2 { "Completeness of optional fields" }
        div.table-scroll { table {
            thead { tr { th scope="col" { "Table" } th scope="col" { "Field" } th scope="col" { "Rows" } th scope="col" { "Filled" } } }
            tbody { @for c in &v.completeness { tr {
                th scope="row" { (c.table) } td { (c.column) } td { (count_text(c.rows)) }
                td { @if let Some(p) = c.filled_percent {
                    span.meter style={ "--filled:" (format!("{p:.1}")) "%" } aria-hidden="true" {}
                    (format!("{p:.1}%"))
                } @else { "*" } }
            } } }
        } }
    }
}

pub async fn quality(State(site): Shared) -> Markup {
    let v = site.quality();
    layout(&site, "Data quality", Section::Quality, quality_body(&v))
}

pub async fn about(State(site): Shared) -> Markup {
    let a = site.about();
    let (p, run) = (&a.provenance, &a.run);
    let body = html! {
        h1 { "About these figures" }
        dl.summary-list {
            dt { "Mode" } dd { @if a.public { "Public: disclosure control applied" } @else { "Partnership: exact figures" } }
            dt { "Dataset" } dd { (p.dataset) }
            dt { "Dataset fingerprint" } dd { code { (p.dataset_fingerprint) } }
            dt { "Extract date" } dd { (p.extract_date) }
            dt { "Complete data" } dd { (run.data_start) " to " (run.data_end) }
            dt { "Refreshed" } dd { (p.created_at) " in " (format!("{:.1}", run.seconds)) " s (" (format!("{:.1}", run.query_seconds)) " s in the query engine)" }
            dt { "Software" } dd { "Accord " (p.accord_version) ", " (p.engine) }
        }
        h2 { "Frameworks" }
        div.table-scroll { table {
            thead { tr { th scope="col" { "Framework" } th scope="col" { "Version" } th scope="col" { "Partnership" } th scope="col" { "Indicators" } th scope="col" { "SHA-256 of the definition" } } }
            tbody { @for f in &a.frameworks { tr {
                @let sha = site.snapshot().summary.frameworks.iter().find(|e| e.id == f.id).map(|e| e.sha256.as_str()).unwrap_or_default();
                th scope="row" { a href={ "/frameworks/" (f.id) } { (f.name) } }
                td { (f.version) } td { (f.partnership) } td { (f.indicators) } td { code { (sha) } }
            } } }
        } }
        h2 { "API" }
        p { "Every figure on these pages is available as JSON; " a href="/api/openapi.json" { "the OpenAPI document" } " describes the routes." }
        h2 #disclosure { "How figures are published" }
        @if a.public {
            p { "These are published figures, made from the exact ones by one set of rules applied to the whole snapshot before any page or API answer is built:" }
            ul {
                li { "A count from 1 to 7 is withheld (*), with every figure of its row; other counts are rounded to the nearest 5 (0 stays 0). For a percentage, the people not counted are a count too; person-years are rounded as counts are." }
                li { "Percentages, survey agreement and rates, and their intervals, are computed from the rounded counts, so a value says no more than its counts. Standardised rates (from age-specific counts, shown from 10 events) and means keep their exact value." }
                li { "Where a withheld count could be worked out from a total and the other published parts (a breakdown's groups, a network's or a locality's practices), a second part is withheld too; a total that would still give a withheld part away is withheld itself." }
                li { "A withheld row has no comparison, colour, trend or funnel point; the deprivation gap and slope index need all five quintiles published and are computed from them; funnel and control limits come from published figures only." }
                li { "Population, segment, flow and data-quality figures follow the same rules." }
            }
        } @else {
            p { "These are exact figures for the partnership. The published dashboard (" code { "accord serve --public" } ") and export (" code { "accord export --public" } ") withhold counts of 1 to 7 and anything that would reveal them, and round other counts to the nearest 5." }
        }
    };
    layout(&site, "About", Section::About, body)
}

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The ROC curves of the validations, with chance as the diagonal.
fn roc_chart(card: &ModelCard) -> Chart {
    let curve = |name: &str, colour: &str, p: &Performance| XySeries {
        name: format!("{name} (AUC {:.3})", p.auc.auc),
        colour: colour.into(),
        mark: Mark::Line,
        points: p
            .roc
            .iter()
            .map(|r| (r.false_positive_rate, r.true_positive_rate))
            .collect(),
    };
    let mut series = Vec::new();
    if let Some(t) = &card.temporal {
        series.push(curve("Temporal validation", Tone::NotCompared.colour(), t));
    }
    series.push(curve(
        "25% test split",
        Tone::Different.colour(),
        &card.split,
    ));
    accord_chart::xy(&XyChart {
        labels: Labels {
            id: "roc".into(),
            title: "ROC curve".into(),
            description: "True positive rate (sensitivity) against false positive rate (1 - specificity) as the risk threshold falls; the diagonal is a score no better than chance.".into(),
            x: "False positive rate".into(),
            y: "True positive rate".into(),
        },
        series,
        diagonal: Some("Chance".into()),
        step: 0.001,
    })
}

/// Observed against predicted risk by decile, with perfect calibration as the diagonal.
fn calibration_chart(p: &Performance) -> Chart {
    accord_chart::xy(&XyChart {
        labels: Labels {
            id: "calibration".into(),
            title: "Calibration by decile of predicted risk".into(),
            description: "For each tenth of the population by predicted risk, the share who had an emergency admission against the mean predicted risk; points on the diagonal are perfectly calibrated.".into(),
            x: "Mean predicted risk".into(),
            y: "Observed share with an emergency admission".into(),
        },
        series: vec![XySeries {
            name: "Deciles".into(),
            colour: Tone::NotCompared.colour().into(),
            mark: Mark::Points,
            points: p
                .deciles
                .iter()
                .map(|d| (d.mean_predicted, d.observed as f64 / d.n.max(1) as f64))
                .collect(),
        }],
        diagonal: Some("Perfect calibration".into()),
        step: 0.001,
    })
}

/// People in each band of predicted risk.
fn distribution_chart(p: &Performance) -> Chart {
    accord_chart::bars(&BarChart {
        labels: Labels {
            id: "distribution".into(),
            title: "Distribution of predicted risk".into(),
            description: "Number of people in each band of predicted risk of emergency admission, with how many had one.".into(),
            x: "People".into(),
            y: "Predicted risk".into(),
        },
        bars: p
            .distribution
            .iter()
            .map(|b| Bar {
                label: format!("{} to {}", percent(b.from), percent(b.to)),
                value: Some(b.n as f64),
                lower: None,
                upper: None,
                tone: Tone::NotCompared,
                note: format!("{} with an emergency admission", b.events),
            })
            .collect(),
        reference: None,
        step: 1.0,
    })
}

fn performance_list(p: &Performance) -> Markup {
    let c = &p.calibration;
    html! {
        dl.summary-list {
            dt { "People, events" } dd { (number(p.n as f64, 1.0)) ", " (number(p.events as f64, 1.0)) " (" (percent(p.prevalence)) ")" }
            dt { "AUC (DeLong 95% CI)" } dd { (format!("{:.3} ({:.3} to {:.3})", p.auc.auc, p.auc.lower, p.auc.upper)) }
            dt { "Average precision" } dd { (format!("{:.3}", p.average_precision)) }
            dt { "Brier, scaled Brier" } dd { (format!("{:.4}, {:.3}", p.brier, p.scaled_brier)) }
            dt { "Calibration-in-the-large" } dd { (format!("{:+.3} ({:+.3} to {:+.3})", c.intercept, c.intercept_lower, c.intercept_upper)) }
            dt { "Calibration slope" } dd { (format!("{:.3} ({:.3} to {:.3})", c.slope, c.slope_lower, c.slope_upper)) }
        }
    }
}

fn case_finding_table(p: &Performance) -> Markup {
    html! {
        div.table-scroll { table {
            caption { "Flagging the top of the list" }
            thead { tr {
                th scope="col" { "Top" } th scope="col" { "People flagged" } th scope="col" { "Risk cut-off" }
                th scope="col" { "With an admission" } th scope="col" { "PPV" } th scope="col" { "Sensitivity" }
                th scope="col" { "Lift" } th scope="col" { "Observed / expected" }
            } }
            tbody { @for t in &p.top { tr {
                th scope="row" { (percent(t.fraction)) }
                td { (number(t.flagged as f64, 1.0)) } td { (percent(t.cut_off)) } td { (number(t.events as f64, 1.0)) }
                td { (percent(t.ppv)) } td { (percent(t.sensitivity)) } td { (format!("{:.1}", t.lift)) }
                td { (format!("{:.2}", t.observed_over_expected)) }
            } } }
        } }
    }
}

pub async fn risk(
    State(site): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
) -> Result<Response, PageError> {
    let card = site.risk()?;
    if let Err(refusal) = site.small_numbers(&headers, &method, &uri).await {
        return Ok(refusal.page(&uri));
    }
    let main = card.temporal.as_ref().unwrap_or(&card.split);
    let body = html! {
        h1 { "Risk of emergency admission: model card" }
        p.lead { "Who is most likely to have an emergency admission in the next 12 months, identified by systems, not professionals: the list integrated networks draw their MDT case finding from (" code { "accord casefind" } ")." }
        dl.summary-list {
            dt { "Outcome" } dd { (card.outcome) }
            dt { "Population" } dd { (card.population) }
            dt { "Method" } dd { (card.method) }
            dt { "Development" } dd { "Features on " (card.development_date) "; " (number(card.development.n as f64, 1.0)) " people, " (number(card.development.events as f64, 1.0)) " with an admission in the year after (" (percent(card.development.prevalence)) "); apparent AUC " (format!("{:.3}", card.apparent_auc)) }
            dt { "Data" } dd { (card.data_start) " to " (card.header.provenance.extract_date) }
        }
        @match (&card.validation_date, &card.temporal) {
            (Some(date), Some(t)) => {
                h2 { "Temporal validation: features on " (date) ", outcome in the year after" }
                (performance_list(t))
            }
            _ => { h2 { "Temporal validation" } p.warning { "Not possible on these data: they end less than a year after the validation date." } }
        }
        h2 { "Second check: a stratified 25% of the development cohort" }
        (performance_list(&card.split))
        (chart(&roc_chart(card), "ROC curve"))
        (chart(&calibration_chart(main), "Calibration: observed against predicted by decile"))
        (case_finding_table(main))
        (chart(&distribution_chart(main), "How predicted risk is distributed"))
        h2 { "Subgroups" }
        @if card.subgroups.is_empty() { p { "Subgroups are reported on the temporal validation cohort, which these data do not allow." } }
        @else {
            div.table-scroll { table {
                thead { tr { th scope="col" { "Group" } th scope="col" { "People" } th scope="col" { "Events" } th scope="col" { "AUC" } th scope="col" { "Observed / expected" } } }
                tbody { @for s in &card.subgroups { tr {
                    th scope="row" { (words(&s.by)) ": " (s.group) }
                    td { (number(s.n as f64, 1.0)) } td { (number(s.events as f64, 1.0)) }
                    td { (s.auc.map_or("n/a".to_string(), |a| format!("{a:.3}"))) }
                    td { (format!("{:.2}", s.observed_over_expected)) }
                } } }
            } }
        }
        h2 { "Predictors as odds ratios" }
        p { "Compared with: " (card.references) "." }
        div.table-scroll { table {
            thead { tr { th scope="col" { "Predictor" } th scope="col" { "Odds ratio" } th scope="col" { "95% CI" } } }
            tbody { @for c in card.coefficients.iter().skip(1) { tr {
                th scope="row" { (c.label) }
                td { (format!("{:.2}", c.odds_ratio)) } td { (format!("{:.2} to {:.2}", c.lower, c.upper)) }
            } } }
        } }
        @if !card.dropped.is_empty() {
            p { "Left out (too few people with and without an admission to estimate): " (card.dropped.join("; ")) "." }
        }
        h2 { "Frailty index (eFI-style)" }
        p { "Deficits counted over the eFI's 36 (0-4 fit, 5-8 mild, 9-12 moderate, 13 or more severe):" }
        ul { @for d in &card.frailty_deficits { li { (d) } } }
        p { "Not expressible from the dataset and never counted: " (card.frailty_not_expressible.join(", ")) "." }
        h2 { "Notes" }
        ul { @for n in &card.notes { li { (n) } } }
        p { "The same card as JSON: " a href="/api/risk" { "/api/risk" } "." }
    };
    Ok(layout(&site, "Risk model", Section::Risk, body).into_response())
}

pub async fn evaluation(
    State(site): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
) -> Result<Response, PageError> {
    let evaluation = site.evaluation()?;
    if let Err(refusal) = site.small_numbers(&headers, &method, &uri).await {
        return Ok(refusal.page(&uri));
    }
    let body = html! {
        (crate::evaluation::report(evaluation))
        p { "The same results as JSON: " a href="/api/evaluation" { "/api/evaluation" } "." }
    };
    Ok(layout(&site, "MDT evaluation", Section::Evaluation, body).into_response())
}
