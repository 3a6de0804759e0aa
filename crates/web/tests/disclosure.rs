//! A hostile reader of the published dashboard. It walks every public route (each
//! framework's tiles, every indicator in every breakdown and period, its page in every
//! breakdown, the population and data-quality figures and pages, every CSV download) and
//! the public export, as a reader would, and
//! tries to recover a small or an unrounded count:
//! - a count that is not 0 or a multiple of 5 of at least 10;
//! - a value that says more than its counts (value × denominator);
//! - a comparison, trend, RAG, funnel point or inequality figure of a withheld group;
//! - subtraction: a withheld part of a total (a breakdown's groups, a network's or a
//!   locality's practices) worked out from the total and the published parts, to the unit,
//!   allowing the reader every assumption a careful one would make (that a withheld count
//!   is 1 to 7);
//! - funnel limits drawn beyond the largest published denominator.
//!
//! It must recover nothing. The borough has `ACCORD_ATTACK_PERSONS` people (default 8,000;
//! `scripts/attack-disclosure.sh` runs it on larger ones).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use accord_engine::RefreshOptions;
use accord_framework::builtin;
use accord_snapshot::{Snapshot, csv_text, publish};
use accord_web::{Site, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

fn persons() -> usize {
    std::env::var("ACCORD_ATTACK_PERSONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8_000)
}

fn refreshed() -> Snapshot {
    let (_dir, data) = accord_testkit::borough(persons(), 33);
    let frameworks = builtin::all().unwrap();
    accord_workspace::Workspace::open(&data)
        .unwrap()
        .refresh(
            &frameworks,
            &RefreshOptions::with_threads(2),
            None,
            &|_, _| {},
        )
        .unwrap()
        .snapshot
}

async fn get(site: &Arc<Site>, uri: &str) -> (StatusCode, String) {
    let response = router(site.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn json(site: &Arc<Site>, uri: &str) -> Value {
    let (status, body) = get(site, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// What the reader found that they should not have.
#[derive(Default)]
struct Findings {
    checked: usize,
    problems: Vec<String>,
}

impl Findings {
    fn found(&mut self, what: String) {
        self.problems.push(what);
    }

    /// A published count: 0, or a multiple of 5 of at least 10.
    fn count(&mut self, at: &str, n: Option<f64>) {
        self.checked += 1;
        if let Some(n) = n
            && !(n == 0.0 || (n >= 10.0 && n % 5.0 == 0.0))
        {
            self.found(format!(
                "{at}: count {n} is not 0 or a multiple of 5 from 10"
            ));
        }
    }
}

/// A figure of one group, as the API gives it.
#[derive(Debug, Clone)]
struct Seen {
    numerator: Option<f64>,
    denominator: Option<f64>,
    value: Option<f64>,
}

impl Seen {
    fn of(figure: &Value) -> Seen {
        Seen {
            numerator: figure["numerator"].as_f64(),
            denominator: figure["denominator"].as_f64(),
            value: figure["value"].as_f64(),
        }
    }

    fn withheld(&self) -> bool {
        self.denominator.is_none()
    }
}

/// Checks a figure: its counts, and that its value is what its counts give.
fn check_figure(findings: &mut Findings, at: &str, measure: &str, scale: Option<f64>, f: &Seen) {
    findings.count(&format!("{at} numerator"), f.numerator);
    findings.count(&format!("{at} denominator"), f.denominator);
    if f.withheld() && f.value.is_some() {
        findings.found(format!("{at}: a value beside withheld counts"));
    }
    let (Some(n), Some(d), Some(v), Some(scale)) = (f.numerator, f.denominator, f.value, scale)
    else {
        return;
    };
    if matches!(measure, "proportion" | "survey_agreement" | "rate") && d > 0.0 {
        let from_counts = scale * n / d;
        if (v - from_counts).abs() > 1e-9 * from_counts.abs().max(1.0) {
            findings.found(format!(
                "{at}: value {v} is not {scale} × {n} / {d} = {from_counts}: it says more than its counts"
            ));
        }
    }
}

/// The values a withheld part can take, given the total and the other parts as published
/// (each within 2 of its rounded value; each other withheld part 1 to 7): the reader's
/// best case. A single value equal to the truth is a recovered count.
fn feasible(total: f64, published: &[f64], others_withheld: usize) -> (f64, f64) {
    let sum: f64 = published.iter().sum();
    let k = published.len() as f64;
    let low = (total - 2.0) - (sum + 2.0 * k) - 7.0 * others_withheld as f64;
    let high = (total + 2.0) - (sum - 2.0 * k) - others_withheld as f64;
    (low.max(1.0), high.min(7.0))
}

/// A (breakdown, group) of one indicator and period.
type Cell = (String, String);

/// Every total and its parts among one indicator's groups in one period: a breakdown under
/// the whole population; practices under their network and their locality.
fn families(
    groups: &BTreeMap<(String, String), Seen>,
    areas: &accord_snapshot::Areas,
) -> Vec<(Cell, Vec<Cell>)> {
    let mut parts: BTreeMap<Cell, Vec<Cell>> = BTreeMap::new();
    for (breakdown, group) in groups.keys() {
        if breakdown == "all" {
            continue;
        }
        let key = (breakdown.clone(), group.clone());
        parts
            .entry(("all".into(), format!("by {breakdown}")))
            .or_default()
            .push(key.clone());
        if breakdown == "practice"
            && let Some((network, locality)) = areas.practices.get(group)
        {
            parts
                .entry(("network".into(), network.clone()))
                .or_default()
                .push(key.clone());
            parts
                .entry(("locality".into(), locality.clone()))
                .or_default()
                .push(key.clone());
            if network == "none" {
                parts
                    .entry(("locality".into(), format!("{locality} by network")))
                    .or_default()
                    .push(key);
            }
        } else if breakdown == "network"
            && let Some(locality) = areas.networks.get(group)
        {
            parts
                .entry(("locality".into(), format!("{locality} by network")))
                .or_default()
                .push(key);
        }
    }
    parts
        .into_iter()
        .map(|((kind, name), parts)| {
            let total = match (kind.as_str(), name.strip_suffix(" by network")) {
                ("all", _) => ("all".to_string(), "all".to_string()),
                (_, Some(locality)) => (kind, locality.to_string()),
                _ => (kind, name),
            };
            (total, parts)
        })
        .collect()
}

#[test]
fn a_hostile_reader_of_the_published_figures_recovers_nothing() {
    let exact = std::thread::spawn(refreshed).join().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let site = Arc::new(Site::new(exact.clone(), true).unwrap());
    let mut findings = Findings::default();
    let truth: HashMap<(&str, &str, String, &str, &str), f64> = exact
        .results
        .iter()
        .map(|r| {
            let key = (
                r.framework.as_str(),
                r.indicator.as_str(),
                r.period_end.to_string(),
                r.breakdown.as_str(),
                r.group.as_str(),
            );
            (key, r.disclosure_count())
        })
        .collect();
    let scales: HashMap<(&str, &str), Option<f64>> = exact
        .summary
        .indicators
        .iter()
        .map(|i| ((i.framework.as_str(), i.id.as_str()), i.scale))
        .collect();
    let mut requests = 0usize;
    runtime.block_on(async {
        let frameworks = json(&site, "/api/frameworks").await;
        for framework in frameworks.as_array().unwrap() {
            let f = framework["id"].as_str().unwrap();
            let overview = json(&site, &format!("/api/frameworks/{f}")).await;
            requests += 1;
            let mut indicators = Vec::new();
            for domain in overview["domains"].as_array().unwrap() {
                for outcome in domain["outcomes"].as_array().unwrap() {
                    for tile in outcome["indicators"].as_array().unwrap() {
                        let seen = Seen::of(&tile["figure"]);
                        let at = format!("tile {f}/{}", tile["id"]);
                        findings.count(&format!("{at} numerator"), seen.numerator);
                        findings.count(&format!("{at} denominator"), seen.denominator);
                        if seen.withheld()
                            && (tile["rag"] != "grey"
                                || !tile["vs_target"].is_null()
                                || !tile["vs_benchmark"].is_null()
                                || !tile["trend"].is_null())
                        {
                            findings.found(format!("{at}: a withheld figure is compared"));
                        }
                        indicators.push(tile["id"].as_str().unwrap().to_string());
                    }
                }
            }
            for i in indicators {
                let base = format!("/api/frameworks/{f}/indicators/{i}");
                let first = json(&site, &base).await;
                requests += 1;
                let measure = first["measure"].as_str().unwrap().to_string();
                let scale = scales[&(f, i.as_str())];
                for point in first["series"].as_array().unwrap() {
                    let seen = Seen::of(&point["figure"]);
                    let at = format!("{base} series {}", point["period_end"]);
                    check_figure(&mut findings, &at, &measure, scale, &seen);
                    if seen.withheld() && !point["vs_benchmark"].is_null() {
                        findings.found(format!("{at}: a withheld figure is compared"));
                    }
                }
                let breakdowns: Vec<String> = first["breakdowns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b.as_str().unwrap().to_string())
                    .collect();
                for period in first["periods"].as_array().unwrap() {
                    let period = period.as_str().unwrap();
                    let mut groups: BTreeMap<(String, String), Seen> = BTreeMap::new();
                    for breakdown in &breakdowns {
                        let uri = format!("{base}?breakdown={breakdown}&period={period}");
                        let view = json(&site, &uri).await;
                        requests += 1;
                        if let Some(population) = view.get("population").filter(|p| !p.is_null()) {
                            groups.insert(("all".into(), "all".into()), Seen::of(population));
                        }
                        for g in view["groups"].as_array().unwrap() {
                            let seen = Seen::of(&g["figure"]);
                            let at = format!("{uri} group {}", g["group"]);
                            check_figure(&mut findings, &at, &measure, scale, &seen);
                            if seen.withheld() && !g["vs_population"].is_null() {
                                findings.found(format!("{at}: a withheld group is compared"));
                            }
                            groups.insert(
                                (breakdown.clone(), g["group"].as_str().unwrap().to_string()),
                                seen,
                            );
                        }
                        check_funnel(&mut findings, &uri, &view);
                        check_inequality(&mut findings, &uri, &view, &groups, breakdown);
                    }
                    // Subtraction within every total.
                    for (total, parts) in families(&groups, &exact.summary.areas) {
                        let Some(total_seen) = groups.get(&total) else {
                            continue;
                        };
                        let Some(t) = total_seen.numerator.or(total_seen.denominator) else {
                            continue;
                        };
                        let hidden: Vec<&(String, String)> =
                            parts.iter().filter(|p| groups[*p].withheld()).collect();
                        findings.checked += 1;
                        if hidden.len() == 1 {
                            findings.found(format!(
                                "{base} {period}: {:?} is the only withheld part of {:?}",
                                hidden[0], total
                            ));
                        }
                        if hidden.is_empty()
                            || measure.starts_with("mean")
                            || total_seen.numerator.is_none()
                        {
                            continue;
                        }
                        let published: Vec<f64> =
                            parts.iter().filter_map(|p| groups[p].numerator).collect();
                        let (low, high) = feasible(t, &published, hidden.len() - 1);
                        for part in &hidden {
                            let key = (
                                f,
                                i.as_str(),
                                period.to_string(),
                                part.0.as_str(),
                                part.1.as_str(),
                            );
                            let real = truth.get(&key).copied().unwrap_or(f64::NAN);
                            if low == high && low == real {
                                findings.found(format!(
                                    "{base} {period}: {part:?} = {real} worked out from {total:?}"
                                ));
                            }
                        }
                    }
                }
                // The pages show what the API gives; a withheld count must never reach one
                // as a raw number ("NaN").
                for breakdown in &breakdowns {
                    let uri = format!("/frameworks/{f}/indicators/{i}?breakdown={breakdown}");
                    let (status, html) = get(&site, &uri).await;
                    requests += 1;
                    assert_eq!(status, StatusCode::OK, "{uri}");
                    if html.contains("NaN") {
                        findings.found(format!("{uri}: a withheld count shown as NaN"));
                    }
                }
                let (status, csv) = get(
                    &site,
                    &format!("/frameworks/{f}/indicators/{i}/download.csv"),
                )
                .await;
                requests += 1;
                assert_eq!(status, StatusCode::OK);
                check_csv(&mut findings, &format!("download {f}/{i}"), &csv, &scales);
            }
        }
        check_population(&mut findings, &site, &mut requests).await;
        for page in ["/population", "/data-quality", "/about", "/frameworks/tht"] {
            let (status, html) = get(&site, page).await;
            requests += 1;
            assert_eq!(status, StatusCode::OK, "{page}");
            if html.contains("NaN") {
                findings.found(format!("{page}: a withheld count shown as NaN"));
            }
        }
        check_quality(&mut findings, &json(&site, "/api/data-quality").await);
        requests += 1;
        for route in ["/api/evaluation", "/api/risk", "/evaluation", "/risk"] {
            let (status, _) = get(&site, route).await;
            requests += 1;
            if status != StatusCode::NOT_FOUND {
                findings.found(format!("{route} answers {status} in public mode"));
            }
        }
    });
    // The public export is the same published copy, as CSV.
    let export = csv_text(publish(&exact).results.iter());
    check_csv(&mut findings, "accord export --public", &export, &scales);
    println!(
        "{requests} requests, {} figures and totals checked, {} problems",
        findings.checked,
        findings.problems.len()
    );
    assert!(
        findings.problems.is_empty(),
        "{} ways in:\n{}",
        findings.problems.len(),
        findings.problems[..findings.problems.len().min(40)].join("\n")
    );
    assert!(findings.checked > 10_000, "{}", findings.checked);
}

fn check_funnel(findings: &mut Findings, at: &str, view: &Value) {
    let Some(funnel) = view.get("funnel").filter(|f| !f.is_null()) else {
        return;
    };
    let published: Vec<f64> = view["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|_| view["breakdown"] == "practice")
        .filter_map(|g| g["figure"]["denominator"].as_f64())
        .collect();
    let points: Vec<f64> = funnel["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["denominator"].as_f64().unwrap())
        .collect();
    for d in &points {
        findings.count(&format!("{at} funnel point"), Some(*d));
    }
    let widest = funnel["limits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["denominator"].as_f64())
        .fold(0.0, f64::max);
    let largest = published.iter().chain(&points).copied().fold(0.0, f64::max);
    if largest > 0.0 && (widest - largest * 1.05).abs() > 1e-6 * widest {
        findings.found(format!(
            "{at}: funnel limits reach {widest}, not 1.05 × the largest published denominator {largest}"
        ));
    }
}

fn check_inequality(
    findings: &mut Findings,
    at: &str,
    view: &Value,
    groups: &BTreeMap<(String, String), Seen>,
    breakdown: &str,
) {
    let Some(row) = view.get("inequality").filter(|r| !r.is_null()) else {
        return;
    };
    if breakdown != "imd_quintile" {
        return;
    }
    let quintile = |q: &str| groups.get(&("imd_quintile".to_string(), q.to_string()));
    match (quintile("1"), quintile("5")) {
        (Some(most), Some(least))
            if (1..=5).all(|q| quintile(&q.to_string()).is_some_and(|s| !s.withheld())) =>
        {
            let (Some(a), Some(b), Some(gap)) = (most.value, least.value, row["gap"].as_f64())
            else {
                return;
            };
            if (gap - (a - b)).abs() > 1e-9 * gap.abs().max(1.0) {
                findings.found(format!("{at}: the gap {gap} is not {a} − {b} as published"));
            }
        }
        _ => findings.found(format!("{at}: a gap or SII beside a withheld quintile")),
    }
}

fn check_csv(
    findings: &mut Findings,
    at: &str,
    csv: &str,
    scales: &HashMap<(&str, &str), Option<f64>>,
) {
    for line in csv.lines().skip(1) {
        // No field of these files holds a comma inside quotes except the note, which is last.
        let cells: Vec<&str> = line.splitn(17, ',').collect();
        let number = |i: usize| cells.get(i).and_then(|c| c.parse::<f64>().ok());
        let seen = Seen {
            numerator: number(7),
            denominator: number(8),
            value: number(9),
        };
        if cells.get(8) == Some(&"*") && cells.get(9).is_some_and(|v| *v != "*") {
            findings.found(format!("{at}: a figure beside withheld counts: {line}"));
        }
        let scale = scales.get(&(cells[0], cells[1])).copied().flatten();
        check_figure(findings, &format!("{at}: {line}"), cells[2], scale, &seen);
    }
}

async fn check_population(findings: &mut Findings, site: &Arc<Site>, requests: &mut usize) {
    let first = json(site, "/api/population").await;
    *requests += 1;
    for model in first["models"].as_array().unwrap() {
        let model = model.as_str().unwrap();
        let view = json(site, &format!("/api/population?model={model}")).await;
        *requests += 1;
        for band in view["pyramid"].as_array().unwrap() {
            findings.count("pyramid", band["female"].as_f64());
            findings.count("pyramid", band["male"].as_f64());
        }
        for size in view["sizes"].as_array().unwrap() {
            let at = format!("segment {model} {} {}", size["segment"], size["period_end"]);
            let people = size["people"].as_f64();
            findings.count(&at, people);
            let Some(people) = people.filter(|p| *p > 0.0) else {
                continue;
            };
            for (field, per) in [
                ("emergency_admissions_per_1000", 1000.0),
                ("ae_attendances_per_1000", 1000.0),
                ("gp_appointments_per_person", 1.0),
            ] {
                if let Some(rate) = size[field].as_f64() {
                    let events = (rate * people / per * 1e6).round() / 1e6;
                    findings.count(&format!("{at} {field} × people"), Some(events));
                }
            }
        }
        for flow in view["flows"].as_array().unwrap() {
            findings.count(&format!("flow {model}"), flow["people"].as_f64());
        }
    }
}

fn check_quality(findings: &mut Findings, view: &Value) {
    for series in view["series"].as_array().unwrap() {
        for month in series["months"].as_array().unwrap() {
            findings.count("rows per month", month["rows"].as_f64());
        }
    }
    for c in view["completeness"].as_array().unwrap() {
        let rows = c["rows"].as_f64();
        findings.count("completeness rows", rows);
        if let (Some(rows), Some(percent)) = (rows, c["filled_percent"].as_f64()) {
            let filled = (percent * rows / 100.0 * 1e6).round() / 1e6;
            findings.count("completeness filled", Some(filled));
        }
    }
}
