//! The JSON API: one route per page, returning the values the page is drawn from (the
//! same [`Site`] functions), and the OpenAPI document that describes every route.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::WebError;
use crate::site::{
    About, FrameworkSummary, IndicatorQuery, IndicatorView, Overview, PopulationQuery,
    PopulationView, QualityView,
};

/// An error as the API returns it: the status and `{"error": "..."}`.
pub struct ApiError(WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0.status(),
            Json(serde_json::json!({ "error": self.0.to_string() })),
        )
            .into_response()
    }
}

/// The handlers' state: the loaded site.
type Shared = State<crate::State>;

#[utoipa::path(get, path = "/api/about", tag = "snapshot",
    responses((status = 200, description = "Provenance of the snapshot served, and its frameworks", body = About)))]
pub async fn about(State(site): Shared) -> Json<About> {
    Json(site.about())
}

#[utoipa::path(get, path = "/api/frameworks", tag = "outcomes",
    responses((status = 200, description = "The frameworks in the snapshot", body = [FrameworkSummary])))]
pub async fn frameworks(State(site): Shared) -> Json<Vec<FrameworkSummary>> {
    Json(site.frameworks())
}

#[utoipa::path(get, path = "/api/frameworks/{framework}", tag = "outcomes",
    params(("framework" = String, Path, description = "Framework id, e.g. `tht`")),
    responses(
        (status = 200, description = "Domains, outcomes and every indicator's latest figure", body = Overview),
        (status = 404, description = "No such framework")))]
pub async fn overview(
    State(site): Shared,
    Path(framework): Path<String>,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(site.overview(&framework)?))
}

#[utoipa::path(get, path = "/api/frameworks/{framework}/indicators/{indicator}", tag = "outcomes",
    params(
        ("framework" = String, Path, description = "Framework id"),
        ("indicator" = String, Path, description = "Indicator id"),
        IndicatorQuery),
    responses(
        (status = 200, description = "The indicator's series, breakdown, funnel, definition and SQL", body = IndicatorView),
        (status = 400, description = "A filter names no period or breakdown of the indicator"),
        (status = 404, description = "No such framework or indicator")))]
pub async fn indicator(
    State(site): Shared,
    Path((framework, indicator)): Path<(String, String)>,
    Query(query): Query<IndicatorQuery>,
) -> Result<Json<IndicatorView>, ApiError> {
    Ok(Json(site.indicator(&framework, &indicator, &query)?))
}

#[utoipa::path(get, path = "/api/population", tag = "population",
    params(PopulationQuery),
    responses(
        (status = 200, description = "Population pyramid, segment sizes, activity and spend per segment, flows between segments", body = PopulationView),
        (status = 400, description = "Unknown segment model")))]
pub async fn population(
    State(site): Shared,
    Query(query): Query<PopulationQuery>,
) -> Result<Json<PopulationView>, ApiError> {
    Ok(Json(site.population(&query)?))
}

#[utoipa::path(get, path = "/api/data-quality", tag = "data quality",
    responses((status = 200, description = "Rows per table per month with gaps, and completeness of optional fields", body = QualityView)))]
pub async fn quality(State(site): Shared) -> Json<QualityView> {
    Json(site.quality())
}

#[utoipa::path(get, path = "/api/risk", tag = "risk",
    responses(
        (status = 200, description = "The emergency-admission risk model's card: cohorts, discrimination, calibration, case-finding yield, subgroups, odds ratios", body = serde_json::Value),
        (status = 401, description = "Not signed in: the card is shown to coordinators and analysts signed in through /mdt/sign-in"),
        (status = 403, description = "Signed in with a role that may not read it"),
        (status = 404, description = "No risk model was given, the dashboard is public, or it is served without the MDT workflow's sign-in")
    ))]
pub async fn risk(
    State(site): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
) -> Result<Response, ApiError> {
    let card = site.risk()?;
    if let Err(refusal) = site.small_numbers(&headers, &method, &uri).await {
        return Ok(refusal.api());
    }
    Ok(Json(card).into_response())
}

/// The MDT evaluation's results (not in public mode).
#[utoipa::path(get, path = "/api/evaluation", tag = "evaluation",
    responses(
        (status = 200, description = "The matched difference-in-differences evaluation of the MDT programme: attrition, propensity model, balance, estimates per outcome and network, falsification checks", body = serde_json::Value),
        (status = 401, description = "Not signed in: the evaluation is shown to coordinators and analysts signed in through /mdt/sign-in"),
        (status = 403, description = "Signed in with a role that may not read it"),
        (status = 404, description = "No evaluation was given, the dashboard is public, or it is served without the MDT workflow's sign-in")
    ))]
pub async fn evaluation(
    State(site): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
) -> Result<Response, ApiError> {
    let evaluation = site.evaluation()?;
    if let Err(refusal) = site.small_numbers(&headers, &method, &uri).await {
        return Ok(refusal.api());
    }
    Ok(Json(evaluation).into_response())
}

/// The OpenAPI description of this API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord",
        description = "Outcomes, population and data-quality figures of one results snapshot. In public mode every count has passed disclosure control (1-7 withheld, others rounded to 5)."
    ),
    paths(
        about, frameworks, overview, indicator, population, quality, risk, evaluation
    )
)]
pub struct ApiDoc;

pub async fn openapi(State(_): Shared) -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
