//! Every page and API route of the dashboard, served in process over a snapshot refreshed
//! from a generated borough: status, content, and figures equal to the snapshot's. Public
//! mode is checked to withhold every small count.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, OnceLock};

use accord_cohort::Histories;
use accord_dataset::Dataset;
use accord_engine::RefreshOptions;
use accord_evaluation::{Evaluation, EvaluationOptions};
use accord_framework::builtin;
use accord_mdt::demo::load_demo;
use accord_risk::{ModelCard, TrainOptions, train};
use accord_snapshot::{ResultRow, Snapshot};
use accord_testkit::mdt::{TestDatabase, small_borough};
use accord_web::mdt::Mdt;
use accord_web::{Site, router};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

mod common;

/// One snapshot for every test: a 4,000-person borough and every built-in framework, with
/// the risk model fitted on the same borough.
fn snapshot() -> &'static Snapshot {
    &refreshed_once().0
}

fn risk_card() -> &'static ModelCard {
    &refreshed_once().1
}

fn refreshed_once() -> &'static (Snapshot, ModelCard) {
    static SNAPSHOT: OnceLock<(Snapshot, ModelCard)> = OnceLock::new();
    // The engine runs its own runtime, so it is built outside the test's.
    SNAPSHOT.get_or_init(|| std::thread::spawn(refreshed).join().unwrap())
}

fn refreshed() -> (Snapshot, ModelCard) {
    {
        let (_dir, data) = accord_testkit::borough(4_000, 5);
        let frameworks = builtin::all().unwrap();
        let workspace = accord_workspace::Workspace::open(&data).unwrap();
        let snapshot = workspace
            .refresh(
                &frameworks,
                &RefreshOptions::with_threads(2),
                None,
                &|_, _| {},
            )
            .unwrap()
            .snapshot;
        let histories = workspace.histories().unwrap();
        let trained = workspace
            .fit_risk_model(TrainOptions::latest(histories, 42))
            .unwrap();
        (snapshot, trained.card)
    }
}

/// An MDT evaluation of a borough big enough to match in (20,000 people).
fn evaluation() -> &'static Evaluation {
    static EVALUATION: OnceLock<Evaluation> = OnceLock::new();
    EVALUATION.get_or_init(|| {
        let (_dir, data) = accord_testkit::borough(20_000, 7);
        let histories = Histories::load(&Dataset::open(&data).unwrap()).unwrap();
        let risk = train(&histories, TrainOptions::latest(&histories, 42))
            .unwrap()
            .model;
        let options = EvaluationOptions {
            bootstrap: 50,
            placebo_months: vec![12, 24],
            negative_controls: vec!["outpatient_attendances".into()],
            ..EvaluationOptions::default()
        };
        accord_evaluation::evaluate(&histories, &risk, &options).unwrap()
    })
}

fn site(public: bool) -> Arc<Site> {
    static EXACT: OnceLock<Arc<Site>> = OnceLock::new();
    static PUBLIC: OnceLock<Arc<Site>> = OnceLock::new();
    let cell = if public { &PUBLIC } else { &EXACT };
    cell.get_or_init(|| {
        Arc::new(
            Site::new(snapshot().clone(), public)
                .unwrap()
                .with_risk_card(risk_card().clone())
                .with_evaluation(evaluation().clone()),
        )
    })
    .clone()
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

async fn get_from(site: Arc<Site>, uri: &str) -> Reply {
    let response = router(site)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        content_type,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(uri: &str) -> Reply {
    get_from(site(false), uri).await
}

async fn json(uri: &str) -> Value {
    let reply = get(uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
    assert!(reply.content_type.starts_with("application/json"), "{uri}");
    serde_json::from_str(&reply.body).unwrap()
}

async fn page(uri: &str) -> String {
    let reply = get(uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
    assert!(reply.content_type.starts_with("text/html"), "{uri}");
    assert!(reply.body.starts_with("<!DOCTYPE html>"));
    reply.body
}

/// The partnership's dashboard served beside the MDT workflow (the small demo database on
/// SQLite), as `accord demo` serves it: the evaluation and the risk card are shown to a
/// signed-in coordinator or analyst only.
struct BesideMdt {
    app: axum::Router,
    _db: TestDatabase,
}

impl BesideMdt {
    async fn new() -> BesideMdt {
        let db = accord_testkit::mdt::databases().await.remove(0);
        load_demo(&db.store, &small_borough(), chrono::Utc::now().date_naive())
            .await
            .unwrap();
        let mdt = Arc::new(Mdt::new(db.store.clone()).beside_dashboard());
        let site = Site::new(snapshot().clone(), false)
            .unwrap()
            .with_risk_card(risk_card().clone())
            .with_evaluation(evaluation().clone())
            .with_mdt(mdt.clone());
        BesideMdt {
            app: accord_web::app(Arc::new(site), Some(mdt)),
            _db: db,
        }
    }

    /// `uri` as `session` (or no one) sees it.
    async fn get(&self, session: Option<&str>, uri: &str) -> common::Reply {
        let mut request = Request::get(uri);
        if let Some(session) = session {
            request = request.header(header::COOKIE, format!("accord_session={session}"));
        }
        common::send(&self.app, request.body(Body::empty()).unwrap()).await
    }

    /// The body of `uri` as `session` sees it, which must be there.
    async fn body(&self, session: &str, uri: &str) -> String {
        let reply = self.get(Some(session), uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        reply.body
    }

    /// An analyst's session, signed in as a browser would.
    async fn analyst(&self) -> String {
        common::session(&self.app, "analyst", "/evaluation").await
    }
}

#[tokio::test]
async fn the_evaluation_and_the_risk_card_are_for_signed_in_coordinators_and_analysts() {
    let beside = BesideMdt::new().await;
    for page in ["/evaluation", "/risk"] {
        let anonymous = beside.get(None, page).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{page}");
        assert!(
            anonymous.location == format!("/mdt/sign-in?next={page}"),
            "{}",
            anonymous.location
        );
    }
    for api in ["/api/evaluation", "/api/risk"] {
        let anonymous = beside.get(None, api).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{api}");
        assert!(anonymous.body.contains("sign in"), "{}", anonymous.body);
    }
    let gp = common::session(&beside.app, "gp.n01", "/evaluation").await;
    let refused = beside.get(Some(&gp), "/api/evaluation").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        beside.get(Some(&gp), "/risk").await.status,
        StatusCode::FORBIDDEN
    );
    let analyst = beside.analyst().await;
    for uri in ["/evaluation", "/risk", "/api/evaluation", "/api/risk"] {
        assert_eq!(
            beside.get(Some(&analyst), uri).await.status,
            StatusCode::OK,
            "{uri}"
        );
    }
    let coordinator = common::session(&beside.app, "coordinator.n01", "/risk").await;
    assert_eq!(
        beside.get(Some(&coordinator), "/api/risk").await.status,
        StatusCode::OK
    );
    // Without the MDT workflow's sign-in beside it, a partnership dashboard shows them to
    // no one, and does not link to them.
    for uri in ["/evaluation", "/api/evaluation", "/risk", "/api/risk"] {
        let reply = get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(reply.body.contains("--mdt-database"), "{}", reply.body);
    }
    assert!(
        !page("/frameworks/tht")
            .await
            .contains(r#"href="/evaluation""#)
    );
}

fn latest(framework: &str, indicator: &str) -> &'static ResultRow {
    snapshot()
        .summary
        .indicators
        .iter()
        .find(|i| i.framework == framework && i.id == indicator)
        .and_then(|i| i.latest.as_ref())
        .unwrap()
}

/// The number as pages show it: one decimal, thousands separated.
fn shown(v: f64) -> String {
    accord_chart::number(v, 0.1)
}

#[tokio::test]
async fn home_redirects_to_the_first_framework() {
    let reply = get("/").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn overview_pages_show_every_indicator_with_its_latest_value() {
    for f in &snapshot().summary.frameworks {
        let html = page(&format!("/frameworks/{}", f.id)).await;
        assert!(html.contains(&f.name));
        for i in snapshot()
            .summary
            .indicators
            .iter()
            .filter(|i| i.framework == f.id)
        {
            assert!(html.contains(&format!("/frameworks/{}/indicators/{}", f.id, i.id)));
            let latest = i.latest.as_ref().unwrap();
            match latest.value {
                Some(value) => assert!(html.contains(&shown(value)), "{}/{} {value}", f.id, i.id),
                // A small borough has too few events for some rates: the tile says why.
                None => assert!(html.contains(latest.note.as_deref().unwrap())),
            }
        }
        let api = json(&format!("/api/frameworks/{}", f.id)).await;
        let tiles: Vec<&Value> = api["domains"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["outcomes"].as_array().unwrap())
            .flat_map(|o| o["indicators"].as_array().unwrap())
            .collect();
        assert_eq!(
            tiles.len(),
            snapshot()
                .summary
                .indicators
                .iter()
                .filter(|i| i.framework == f.id)
                .count()
        );
        for t in tiles {
            let row = latest(&f.id, t["id"].as_str().unwrap());
            assert_eq!(t["figure"]["value"].as_f64(), row.value);
            assert_eq!(t["figure"]["numerator"].as_f64(), Some(row.numerator));
            assert!(["green", "amber", "red", "grey"].contains(&t["rag"].as_str().unwrap()));
        }
    }
    let list = json("/api/frameworks").await;
    assert_eq!(list.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn every_indicator_page_and_route_answers() {
    for i in &snapshot().summary.indicators {
        let path = format!("/frameworks/{}/indicators/{}", i.framework, i.id);
        let html = page(&path).await;
        assert!(html.contains(r#"class="chart""#), "{path} draws its trend");
        let api = json(&format!("/api{path}")).await;
        let series = api["series"].as_array().unwrap();
        let last = series.last().unwrap();
        assert_eq!(
            last["figure"]["value"].as_f64(),
            i.latest.as_ref().unwrap().value
        );
        assert_eq!(api["sql"].as_str(), Some(i.sql.as_str()));
        let csv = get(&format!("{path}/download.csv")).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type.starts_with("text/csv"));
        assert_eq!(
            csv.body.lines().count(),
            i.rows + 1,
            "{path}: header and every row"
        );
    }
}

#[tokio::test]
async fn the_breakdown_filter_picks_groups_of_the_chosen_period() {
    let i = "emergency_admissions";
    let base = format!("/frameworks/islington/indicators/{i}");
    let api = json(&format!("/api{base}")).await;
    assert_eq!(api["breakdown"], "network");
    let periods: Vec<String> = api["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let earlier = &periods[periods.len() - 3];
    let filtered = json(&format!(
        "/api{base}?breakdown=imd_quintile&period={earlier}"
    ))
    .await;
    let groups = filtered["groups"].as_array().unwrap();
    let expected: Vec<&ResultRow> = snapshot()
        .series("islington", i, "imd_quintile", "1")
        .filter(|r| r.period_end.to_string() == *earlier)
        .collect();
    assert_eq!(expected.len(), 1);
    let one = groups.iter().find(|g| g["group"] == "1").unwrap();
    assert_eq!(one["figure"]["value"].as_f64(), expected[0].value);
    assert_eq!(one["label"], "1 (most deprived)");
    let html = page(&format!("{base}?breakdown=imd_quintile&period={earlier}")).await;
    assert!(html.contains(&format!("period ending {earlier}")));
    assert!(html.contains(&shown(expected[0].value.unwrap())));
    // Practices get a funnel with limits that narrow as practices grow.
    let funnel = &api["funnel"];
    let limits = funnel["limits"].as_array().unwrap();
    let width = |l: &Value| l["upper998"].as_f64().unwrap() - l["lower998"].as_f64().unwrap();
    assert!(width(&limits[5]) > width(limits.last().unwrap()));
    assert!(!funnel["points"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_filters_and_unknown_pages_say_what_is_wrong() {
    let bad =
        get("/api/frameworks/islington/indicators/emergency_admissions?breakdown=shoe_size").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("breakdown") && bad.body.contains("network"),
        "{}",
        bad.body
    );
    let bad = get("/frameworks/islington/indicators/emergency_admissions?period=2019-01-31").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("period"));
    let bad = get("/frameworks/islington/indicators/emergency_admissions?period=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for missing in [
        "/frameworks/nowhere",
        "/api/frameworks/nowhere",
        "/frameworks/tht/indicators/nothing",
        "/no/such/page",
    ] {
        assert_eq!(
            get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    let bad = get("/api/population?model=star_sign").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn monthly_indicators_have_an_spc_chart() {
    let html = page("/frameworks/islington/indicators/emergency_admissions_monthly").await;
    assert!(html.contains("Month by month (SPC)"));
    assert!(html.contains("Variation: "));
    let rolling = page("/frameworks/islington/indicators/emergency_admissions").await;
    assert!(!rolling.contains("Month by month (SPC)"));
    // The API carries the chart the page draws: the snapshot's, computed at refresh.
    let api = json("/api/frameworks/islington/indicators/emergency_admissions_monthly").await;
    let entry = snapshot()
        .find_indicator("islington/emergency_admissions_monthly")
        .unwrap();
    let spc = entry.spc.as_ref().unwrap();
    assert_eq!(api["spc"], serde_json::to_value(spc).unwrap());
    assert_eq!(spc.periods.len(), api["series"].as_array().unwrap().len());
    let limit = accord_chart::number(spc.chart.sections[0].upper_limit, 0.1);
    assert!(
        html.contains(&format!("<td>{limit}</td>")),
        "the page's table shows {limit}"
    );
    assert!(
        json("/api/frameworks/islington/indicators/emergency_admissions").await["spc"].is_null()
    );
    // In public mode the chart is drawn from the published values, not the exact ones.
    let public = get_from(
        site(true),
        "/api/frameworks/islington/indicators/emergency_admissions_monthly",
    )
    .await;
    let public: Value = serde_json::from_str(&public.body).unwrap();
    let charted: Vec<&Value> = public["spc"]["chart"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["value"])
        .collect();
    let published: Vec<&Value> = public["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["figure"]["value"])
        .collect();
    assert_eq!(charted, published);
}

#[tokio::test]
async fn population_page_matches_the_profile() {
    let profile = &snapshot().summary.profile;
    let api = json("/api/population").await;
    let total: f64 = profile.population.iter().map(|b| b.people).sum();
    assert_eq!(api["total"].as_f64(), Some(total));
    let pyramid: f64 = api["pyramid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["female"].as_f64().unwrap() + b["male"].as_f64().unwrap())
        .sum();
    let known: f64 = profile
        .population
        .iter()
        .filter(|b| b.sex != "U")
        .map(|b| b.people)
        .sum();
    assert_eq!(pyramid, known);
    assert_eq!(api["model"], "life_course");
    assert!(!api["flows"].as_array().unwrap().is_empty());
    let html = page("/population").await;
    assert!(html.contains("Population pyramid"));
    assert!(html.contains(&accord_chart::number(total, 1.0)));
    let tiers = json("/api/population?model=west_london_tier").await;
    let labels: Vec<&str> = tiers["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"Tier 3: three or more conditions with needs"),
        "{labels:?}"
    );
    let html = page("/population?model=west_london_tier").await;
    assert!(html.contains("Tier 0: mostly healthy"));
}

#[tokio::test]
async fn data_quality_page_counts_rows_by_month() {
    let profile = &snapshot().summary.profile;
    let api = json("/api/data-quality").await;
    let gp: f64 = profile
        .monthly_rows
        .iter()
        .filter(|m| m.series == "gp")
        .map(|m| m.rows)
        .sum();
    let series = api["series"].as_array().unwrap();
    let api_gp: f64 = series.iter().find(|s| s["series"] == "gp").unwrap()["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rows"].as_f64().unwrap())
        .sum();
    assert_eq!(api_gp, gp);
    assert!(!api["completeness"].as_array().unwrap().is_empty());
    let html = page("/data-quality").await;
    assert!(html.contains("Rows of activity per month"));
    assert!(html.contains("Completeness of optional fields"));
}

#[tokio::test]
async fn about_and_openapi_describe_every_api_route() {
    let about = json("/api/about").await;
    assert_eq!(
        about["provenance"]["dataset_fingerprint"].as_str(),
        Some(
            snapshot()
                .summary
                .header
                .provenance
                .dataset_fingerprint
                .as_str()
        )
    );
    assert!(
        page("/about")
            .await
            .contains(&snapshot().summary.header.provenance.dataset_fingerprint)
    );
    let doc = json("/api/openapi.json").await;
    let paths: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "/api/about",
        "/api/frameworks",
        "/api/frameworks/{framework}",
        "/api/frameworks/{framework}/indicators/{indicator}",
        "/api/population",
        "/api/data-quality",
        "/api/risk",
        "/api/evaluation",
    ]
    .into();
    assert_eq!(paths, expected);
    assert!(doc["components"]["schemas"]["IndicatorView"].is_object());
}

#[tokio::test]
async fn assets_are_served_with_their_types() {
    let css = get("/assets/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
    let js = get("/assets/htmx.min.js").await;
    assert!(js.content_type.starts_with("text/javascript"));
    assert!(js.body.contains("htmx"));
    for icon in ["/favicon.ico", "/assets/favicon.svg"] {
        let reply = get(icon).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.content_type.starts_with("image/svg+xml"));
    }
}

/// Links on the pages, same-site ones only.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|l| l.starts_with('/'))
        .map(|l| l.replace("&amp;", "&"))
        .collect()
}

#[tokio::test]
async fn no_page_links_to_a_missing_page() {
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue = vec![
        "/frameworks/tht".to_string(),
        "/population".into(),
        "/data-quality".into(),
    ];
    while let Some(uri) = queue.pop() {
        if !seen.insert(uri.clone()) {
            continue;
        }
        let reply = get(&uri).await;
        assert!(
            [StatusCode::OK, StatusCode::SEE_OTHER].contains(&reply.status),
            "{uri}: {}",
            reply.status
        );
        if reply.content_type.starts_with("text/html") {
            for tag in reply.body.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or_default();
                assert!(
                    tag.matches(" class=").count() <= 1,
                    "{uri}: two classes in <{tag}>"
                );
            }
            queue.extend(links(&reply.body).into_iter().filter(|l| !seen.contains(l)));
        }
    }
    assert!(seen.len() > 80, "crawled {} pages", seen.len());
}

#[tokio::test]
async fn public_mode_withholds_small_counts() {
    let public = site(true);
    let small = snapshot()
        .results
        .iter()
        .find(|r| {
            r.breakdown == "practice"
                && r.measure == "proportion"
                && r.numerator >= 1.0
                && r.numerator <= 7.0
                && r.value.is_some()
        })
        .expect("a practice with a small count in a 4,000-person borough");
    let uri = format!(
        "/api/frameworks/{}/indicators/{}?breakdown=practice&period={}",
        small.framework, small.indicator, small.period_end
    );
    let reply = get_from(public.clone(), &uri).await;
    assert_eq!(reply.status, StatusCode::OK);
    let api: Value = serde_json::from_str(&reply.body).unwrap();
    let group = api["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == small.group.as_str())
        .unwrap();
    assert!(group["figure"]["value"].is_null());
    assert!(group["figure"]["numerator"].is_null());
    assert!(
        group["figure"]["note"]
            .as_str()
            .unwrap()
            .contains("withheld")
    );
    // Counts that are shown are multiples of 5; the exact API shows them unrounded.
    for g in api["groups"].as_array().unwrap() {
        if let Some(n) = g["figure"]["numerator"].as_f64() {
            assert_eq!(n % 5.0, 0.0);
        }
    }
    let population: Value =
        serde_json::from_str(&get_from(public.clone(), "/api/population").await.body).unwrap();
    for b in population["pyramid"].as_array().unwrap() {
        for side in ["female", "male"] {
            assert!(b[side].is_null() || b[side].as_f64().unwrap() % 5.0 == 0.0);
        }
    }
    let html = get_from(public.clone(), "/frameworks/tht").await.body;
    assert!(html.contains("Published figures."));
    let csv = get_from(
        public,
        &format!(
            "/frameworks/{}/indicators/{}/download.csv",
            small.framework, small.indicator
        ),
    )
    .await;
    assert!(
        csv.body.contains(",*,"),
        "redacted cells in the published CSV"
    );
}

#[tokio::test]
async fn risk_page_shows_the_model_card_with_its_charts() {
    let card = risk_card();
    let beside = BesideMdt::new().await;
    let analyst = beside.analyst().await;
    let signed = |uri: &'static str| beside.body(&analyst, uri);
    let html = signed("/risk").await;
    assert!(html.contains("Risk of emergency admission: model card"));
    let shown = card.temporal.as_ref().expect("temporal validation");
    assert!(html.contains(&format!(
        "{:.3} ({:.3} to {:.3})",
        shown.auc.auc, shown.auc.lower, shown.auc.upper
    )));
    for id in ["roc-title", "calibration-title", "distribution-title"] {
        assert!(html.contains(id), "{id}");
    }
    assert!(html.contains("Flagging the top of the list"));
    assert!(html.contains("Predictors as odds ratios"));
    assert!(signed("/frameworks/tht").await.contains(r#"href="/risk""#));
    let api: Value = serde_json::from_str(&signed("/api/risk").await).unwrap();
    assert_eq!(api["temporal"]["auc"]["auc"].as_f64(), Some(shown.auc.auc));
    assert_eq!(
        api["coefficients"].as_array().unwrap().len(),
        card.coefficients.len()
    );
}

#[tokio::test]
async fn the_risk_model_card_is_not_published() {
    let public = site(true);
    assert_eq!(
        get_from(public.clone(), "/risk").await.status,
        StatusCode::NOT_FOUND
    );
    let api = get_from(public.clone(), "/api/risk").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.contains("not published"));
    assert!(
        !get_from(public, "/frameworks/tht")
            .await
            .body
            .contains(r#"href="/risk""#)
    );
    let without = Arc::new(Site::new(snapshot().clone(), false).unwrap());
    let reply = get_from(without, "/api/risk").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("accord risk fit"));
}

#[tokio::test]
async fn evaluation_page_and_report_show_the_estimates_and_their_checks() {
    let e = evaluation();
    let beside = BesideMdt::new().await;
    let analyst = beside.analyst().await;
    let signed = |uri: &'static str| beside.body(&analyst, uri);
    let html = signed("/evaluation").await;
    assert!(html.contains("Did the integrated network MDTs work?"));
    let ae = e
        .outcomes
        .iter()
        .find(|o| o.name == "ae_attendances")
        .unwrap();
    let ratio = ae.effect_ratio.unwrap();
    assert!(html.contains(&format!(
        "{:.3} ({:.3} to {:.3})",
        ratio.estimate,
        ratio.lower.unwrap(),
        ratio.upper.unwrap()
    )));
    let e_value = ae.e_value.unwrap();
    assert!(html.contains(&format!(
        "{:.2} ({:.2})",
        e_value.estimate, e_value.confidence_limit
    )));
    // The risk score's change a year on, in percentage points.
    let score = e.outcomes.iter().find(|o| o.name == "risk_score").unwrap();
    let change = score.absolute;
    assert!(html.contains(&format!(
        "{:.2} ({:.2} to {:.2}) percentage points",
        change.estimate,
        change.lower.unwrap(),
        change.upper.unwrap()
    )));
    for id in [
        "forest-ae-title",
        "prepost-ae-title",
        "balance-title",
        "overlap-title",
        "monthly-ae_attendances-title",
    ] {
        assert!(html.contains(id), "{id}");
    }
    assert!(html.contains("Falsification checks"));
    // Each placebo run is there: the year's with its table, the one beyond the data with
    // the reason it could not run.
    for p in &e.placebos {
        match &p.note {
            None => assert!(html.contains(&format!(
                "Placebo: every index date moved {} months earlier ({} matched)",
                p.months_earlier, p.matched_treated
            ))),
            Some(note) => assert!(html.contains(&format!(
                "Placebo run with every index {} months earlier not possible: {}",
                p.months_earlier,
                maud::html! { (note) }.into_string()
            ))),
        }
    }
    assert_eq!(e.placebos.len(), 2);
    // The negative control named is there with its ratio and whether it holds 1.
    let outpatient = e
        .outcomes
        .iter()
        .find(|o| o.name == "outpatient_attendances")
        .and_then(|o| o.effect_ratio)
        .unwrap();
    assert!(html.contains("Outcomes the MDT cannot change (negative controls)"));
    let held = if outpatient.covers(1.0) {
        " (holds 1)"
    } else {
        "<strong> (does not hold 1)</strong>"
    };
    assert!(
        html.contains(&format!(
            "<li>outpatient attendances: {:.2} ({:.2} to {:.2}){held}</li>",
            outpatient.estimate,
            outpatient.lower.unwrap(),
            outpatient.upper.unwrap()
        )),
        "{outpatient:?}"
    );
    assert!(
        signed("/frameworks/tht")
            .await
            .contains(r#"href="/evaluation""#)
    );
    let api: Value = serde_json::from_str(&signed("/api/evaluation").await).unwrap();
    assert_eq!(
        api["attrition"]["matched_treated"].as_u64(),
        Some(e.attrition.matched_treated as u64)
    );
    // The file written by `accord evaluate --html` stands alone: its style is inline and
    // it links to nothing on the server.
    let file = accord_web::evaluation::standalone(e);
    assert!(file.starts_with("<!DOCTYPE html>") && file.contains("<style>"));
    assert!(!file.contains("/assets/"));
    // Public mode does not serve it.
    let public = get_from(site(true), "/api/evaluation").await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    assert!(public.body.contains("not published"));
}

#[tokio::test]
async fn population_page_offers_every_built_in_segment_model() {
    let api = json("/api/population?model=bridges_to_health").await;
    let models: Vec<&str> = api["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for model in [
        "life_course",
        "west_london_tier",
        "bridges_to_health",
        "complex_needs",
    ] {
        assert!(models.contains(&model), "{model} in {models:?}");
    }
    assert_eq!(json("/api/population").await["model"], "life_course");
    let html = page("/population?model=bridges_to_health").await;
    assert!(
        html.contains("Chronic conditions with normal function"),
        "segment labels come from the model file"
    );
    assert!(
        page("/population?model=complex_needs")
            .await
            .contains("Complex needs")
    );
}
