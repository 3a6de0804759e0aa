//! `accord serve`: the dashboard and its JSON API over one results snapshot.
//!
//! `site` loads the snapshot and computes every figure a page shows; `pages` renders
//! them as HTML with server-drawn SVG charts (accord-chart) and htmx for filters that
//! change a page without a full reload; `api` returns the same values as JSON and serves
//! the OpenAPI document that describes them. With `public`, only aggregates after
//! disclosure control leave the server; the snapshot holds no person-level data in any
//! mode.

#![warn(missing_docs)]

mod api;
pub mod evaluation;
pub mod mdt;
mod money;
mod pages;
mod site;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use site::Site;

/// What can go wrong serving the dashboard.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The snapshot could not be read.
    #[error(transparent)]
    Snapshot(#[from] accord_snapshot::SnapshotError),
    /// A framework definition in the snapshot could not be read.
    #[error("{file}: {message}")]
    Framework {
        /// The definition's file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// No such page or figure.
    #[error("{0}")]
    NotFound(String),
    /// A request the server cannot answer (a bad filter, a page for the partnership only).
    #[error("{0}")]
    BadRequest(String),
    /// The address could not be listened on.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl WebError {
    /// The HTTP status the error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The shared state of every handler.
pub type State = Arc<Site>;

const STYLE: &str = include_str!("../assets/style.css");
const HTMX: &str = include_str!("../assets/htmx.min.js");
const FAVICON: &str = include_str!("../assets/favicon.svg");

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Every route of the dashboard and the API.
pub fn router(site: State) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/frameworks/{framework}", get(pages::overview))
        .route(
            "/frameworks/{framework}/indicators/{indicator}",
            get(pages::indicator),
        )
        .route(
            "/frameworks/{framework}/indicators/{indicator}/download.csv",
            get(pages::download),
        )
        .route("/population", get(pages::population))
        .route("/data-quality", get(pages::quality))
        .route("/about", get(pages::about))
        .route("/risk", get(pages::risk))
        .route("/evaluation", get(pages::evaluation))
        .route("/api/evaluation", get(api::evaluation))
        .route("/api/about", get(api::about))
        .route("/api/frameworks", get(api::frameworks))
        .route("/api/frameworks/{framework}", get(api::overview))
        .route(
            "/api/frameworks/{framework}/indicators/{indicator}",
            get(api::indicator),
        )
        .route("/api/population", get(api::population))
        .route("/api/data-quality", get(api::quality))
        .route("/api/risk", get(api::risk))
        .route("/money", get(money::overview))
        .route("/money/contracts", get(money::contracts))
        .route("/money/contracts/outcomes", get(money::contracts_index))
        .route("/money/contracts/outcomes/{id}", get(money::contract_page))
        .route("/money/budgets/{plan}", get(money::budgets))
        .route("/money/download/{file}", get(money::download))
        .route("/money/workbook.xlsx", get(money::workbook))
        .route("/api/money", get(money::api))
        .route("/api/openapi.json", get(api::openapi))
        .fallback(pages::not_found)
        .with_state(site)
        .merge(assets())
}

/// The stylesheet, script and icon every page uses.
fn assets() -> Router {
    Router::new()
        .route(
            "/assets/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route(
            "/assets/htmx.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", HTMX) }),
        )
        .route(
            "/favicon.ico",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
        .route(
            "/assets/favicon.svg",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
}

/// Binds `address` (port 0 picks a free port) and returns the listener and the address it
/// got, so that the caller can print the URL before serving.
pub async fn bind(address: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), WebError> {
    let failed = |source| WebError::Listen { address, source };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    Ok((listener, bound))
}

/// The dashboard's routes and, where there is an operational database, the MDT workflow's.
pub fn app(site: State, mdt: Option<Arc<mdt::Mdt>>) -> Router {
    match mdt {
        Some(mdt) => router(site).merge(mdt::router(mdt)),
        None => router(site),
    }
}

/// The MDT workflow on its own, for a server that runs it apart from the dashboard.
pub fn mdt_app(mdt: Arc<mdt::Mdt>) -> Router {
    mdt::router(mdt).merge(assets())
}

/// Serves `app` on `listener` until the process is stopped.
pub async fn serve_app(listener: tokio::net::TcpListener, app: Router) -> Result<(), WebError> {
    let address = listener.local_addr().map_err(|source| WebError::Listen {
        address: SocketAddr::from(([127, 0, 0, 1], 0)),
        source,
    })?;
    axum::serve(listener, app)
        .await
        .map_err(|source| WebError::Listen { address, source })
}

/// Serves the site (and the MDT workflow, if given) on `listener` until the process is
/// stopped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    site: State,
    mdt: Option<Arc<mdt::Mdt>>,
) -> Result<(), WebError> {
    serve_app(listener, app(site, mdt)).await
}
