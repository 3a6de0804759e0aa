//! The MDT workflow in the web app: sign-in, the networks, meetings and case lists, a
//! person's MDT page, referrals, actions, care plans and the audit log. Handlers here do
//! the web's part (sessions, CSRF, turning results into pages and redirects); what a
//! user may see and do, and the audit log, are enforced by accord-mdt underneath.

mod forms;
mod pages;

use std::sync::Arc;

use accord_mdt::access::Permission;
use accord_mdt::auth::{self, RateLimiter};
use accord_mdt::{Actor, MdtError, Store, activity, audit, meetings, people};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;

use forms::Values;

/// The MDT part of the server.
pub struct Mdt {
    store: Store,
    limiter: RateLimiter,
    /// Whether the outcomes dashboard is served beside it (for the navigation).
    dashboard: bool,
}

impl Mdt {
    /// The workflow over an operational database.
    pub fn new(store: Store) -> Mdt {
        Mdt {
            store,
            limiter: RateLimiter::default(),
            dashboard: false,
        }
    }

    /// Links the navigation to the outcomes dashboard served beside the workflow.
    pub fn beside_dashboard(mut self) -> Mdt {
        self.dashboard = true;
        self
    }

    /// The operational database.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

type Shared = State<Arc<Mdt>>;
type Fields = Form<Vec<(String, String)>>;

const SESSION_COOKIE: &str = "accord_session";
const SIGN_IN_COOKIE: &str = "accord_sign_in";

/// Every route of the MDT workflow.
pub fn router(mdt: Arc<Mdt>) -> Router {
    Router::new()
        .route("/mdt", get(home))
        .route("/mdt/sign-in", get(sign_in_page).post(sign_in))
        .route("/mdt/sign-out", post(sign_out))
        .route("/mdt/networks/{code}", get(network_page))
        .route("/mdt/networks/{code}/meetings/new", get(schedule_page))
        .route("/mdt/networks/{code}/meetings", post(schedule))
        .route("/mdt/meetings/{id}", get(meeting_page))
        .route("/mdt/meetings/{id}/cases", post(add_cases))
        .route("/mdt/cases/{id}/discussion", post(record_discussion))
        .route("/mdt/people/{id}", get(person_page))
        .route("/mdt/people/{id}/actions", post(add_action))
        .route("/mdt/people/{id}/care-plan", post(save_care_plan))
        .route("/mdt/people/{id}/navigator", post(assign_navigator))
        .route("/mdt/actions", get(action_tracker))
        .route("/mdt/actions/{id}", post(update_action))
        .route("/mdt/referrals/new", get(referral_page))
        .route("/mdt/referrals", post(refer))
        .route("/mdt/audit", get(audit_page))
        .with_state(mdt)
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A cookie only this site's MDT pages get, never readable by scripts, never sent by
/// other sites' requests, and only over HTTPS (browsers count http://localhost as secure).
fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}; Secure"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A signed-in user and their session's CSRF token.
struct Signed {
    actor: Actor,
    csrf: String,
    dashboard: bool,
}

/// The signed-in user, or the response to send instead (to the sign-in page).
async fn signed_in(
    mdt: &Mdt,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
) -> Result<Signed, Response> {
    let to_sign_in = || {
        let next = uri.path_and_query().map_or("/mdt", |p| p.as_str());
        Redirect::to(&format!("/mdt/sign-in?next={}", encode(next))).into_response()
    };
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(to_sign_in());
    };
    match auth::session_user(&mdt.store, &token, format!("{method} {}", uri.path())).await {
        Ok(Some((actor, csrf))) => Ok(Signed {
            actor,
            csrf,
            dashboard: mdt.dashboard,
        }),
        Ok(None) => Err(to_sign_in()),
        Err(e) => Err(failure(None, e)),
    }
}

/// Why a request for small numbers is refused.
pub(crate) enum Refusal {
    /// No one is signed in: go to the sign-in page.
    NotSignedIn,
    /// Signed in, with a role that may not.
    Forbidden(Actor, Permission),
    /// The session could not be read.
    Failed(Response),
    /// No sign-in is served beside the dashboard, so no one may.
    Unavailable,
}

/// Why a dashboard without the MDT workflow shows no small numbers.
const UNAVAILABLE: &str = "The MDT evaluation and the risk model card hold small numbers, so they are shown only to coordinators and analysts signed in through the MDT workflow: serve the dashboard with --mdt-database. The reports `accord evaluate` and `accord risk fit` wrote are the analyst's own copies.";

/// The signed-in user if their role may `permission`, for the dashboard's routes that
/// show small numbers (the evaluation, the risk model card).
pub(crate) async fn permitted(
    mdt: &Mdt,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
    permission: Permission,
) -> Result<Actor, Refusal> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(Refusal::NotSignedIn);
    };
    match auth::session_user(&mdt.store, &token, format!("{method} {}", uri.path())).await {
        Ok(Some((actor, _))) if actor.role.may(permission) => Ok(actor),
        Ok(Some((actor, _))) => Err(Refusal::Forbidden(actor, permission)),
        Ok(None) => Err(Refusal::NotSignedIn),
        Err(e) => Err(Refusal::Failed(failure(None, e))),
    }
}

impl Refusal {
    /// The refusal as a page: the sign-in page (coming back to `uri`), or a refusal.
    pub(crate) fn page(self, uri: &Uri) -> Response {
        match self {
            Refusal::NotSignedIn => {
                let next = uri.path_and_query().map_or("/", |p| p.as_str());
                Redirect::to(&format!("/mdt/sign-in?next={}", encode(next))).into_response()
            }
            Refusal::Forbidden(actor, permission) => pages::message(
                StatusCode::FORBIDDEN,
                Some(&actor),
                "You cannot open this",
                &format!(
                    "Your role ({}) may not {}.",
                    actor.role.label(),
                    permission.describe()
                ),
            ),
            Refusal::Failed(response) => response,
            Refusal::Unavailable => {
                pages::message(StatusCode::NOT_FOUND, None, "Not served here", UNAVAILABLE)
            }
        }
    }

    /// The refusal as an API answer: 401 or 403 with a sentence.
    pub(crate) fn api(self) -> Response {
        let (status, message) = match self {
            Refusal::NotSignedIn => (
                StatusCode::UNAUTHORIZED,
                "sign in at /mdt/sign-in as a coordinator or an analyst".to_string(),
            ),
            Refusal::Forbidden(actor, permission) => (
                StatusCode::FORBIDDEN,
                format!(
                    "your role ({}) may not {}",
                    actor.role.label(),
                    permission.describe()
                ),
            ),
            Refusal::Failed(response) => return response,
            Refusal::Unavailable => (StatusCode::NOT_FOUND, UNAVAILABLE.to_string()),
        };
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The refusal of a form that does not carry the session's CSRF token, if it does not.
fn csrf_refusal(
    fields: &[(String, String)],
    expected: &str,
    actor: Option<&Actor>,
) -> Option<Response> {
    let sent = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if auth::tokens_match(sent, expected) {
        None
    } else {
        Some(pages::message(
            StatusCode::FORBIDDEN,
            actor,
            "This form has expired",
            "The form did not carry this session's security token (it may be from an older session, or from another site). Nothing was saved: reload the page and try again.",
        ))
    }
}

/// An error as a page with its status.
fn failure(actor: Option<&Actor>, error: MdtError) -> Response {
    let (status, title) = match &error {
        MdtError::Forbidden(_) => (StatusCode::FORBIDDEN, "You cannot open this"),
        MdtError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
        MdtError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "There is a problem"),
        MdtError::Conflict(_) => (StatusCode::CONFLICT, "Changed by someone else"),
        MdtError::RateLimited { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "Too many sign-in attempts")
        }
        MdtError::BadCredentials => (StatusCode::UNAUTHORIZED, "Sign-in failed"),
        _ => {
            tracing::error!(%error, "MDT request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
        }
    };
    pages::message(status, actor, title, &error.to_string())
}

/// Where to go after a successful write (303, so that reloading does not resend it).
fn done(to: String) -> Response {
    Redirect::to(&to).into_response()
}

macro_rules! signed {
    ($mdt:expr, $headers:expr, $method:expr, $uri:expr) => {
        match signed_in(&$mdt, &$headers, &$method, &$uri).await {
            Ok(s) => s,
            Err(response) => return response,
        }
    };
}

macro_rules! posted {
    ($mdt:expr, $headers:expr, $uri:expr, $fields:expr) => {{
        let s = signed!($mdt, $headers, Method::POST, $uri);
        if let Some(response) = csrf_refusal(&$fields, &s.csrf, Some(&s.actor)) {
            return response;
        }
        s
    }};
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// Only a path on this site is followed after sign-in (the MDT workflow, or the
/// dashboard page that sent the user to sign in), never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains("://")
                && !n.contains('\\') =>
        {
            n.to_string()
        }
        _ => "/mdt".into(),
    }
}

async fn sign_in_page(Query(next): Query<Next>) -> Response {
    let token = auth::random_token();
    let mut response =
        pages::sign_in(&token, &safe_next(next.next.as_deref()), None, "").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SIGN_IN_COOKIE, &token, 3600));
    response
}

async fn sign_in(State(mdt): Shared, headers: HeaderMap, Form(fields): Fields) -> Response {
    let values = Values(&fields);
    let next = safe_next(Some(values.get("next")));
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || csrf_refusal(&fields, &expected, None).is_some() {
        return pages::message(
            StatusCode::FORBIDDEN,
            None,
            "This form has expired",
            "The sign-in form did not carry its security token: open the sign-in page again.",
        );
    }
    match auth::sign_in(
        &mdt.store,
        &mdt.limiter,
        values.get("username"),
        values.get("password"),
    )
    .await
    {
        Ok(session) => {
            let mut response = done(next);
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session.token, auth::SESSION_HOURS * 3600),
            );
            headers.append(header::SET_COOKIE, set_cookie(SIGN_IN_COOKIE, "", 0));
            response
        }
        Err(e @ (MdtError::BadCredentials | MdtError::RateLimited { .. })) => {
            let status = if matches!(e, MdtError::BadCredentials) {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            (
                status,
                pages::sign_in(
                    &expected,
                    &next,
                    Some(&e.to_string()),
                    values.get("username"),
                ),
            )
                .into_response()
        }
        Err(e) => failure(None, e),
    }
}

async fn sign_out(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Form(fields): Fields,
) -> Response {
    let _signed = posted!(mdt, headers, uri, fields);
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = auth::sign_out(&mdt.store, &token).await
    {
        return failure(None, e);
    }
    let mut response = done("/mdt/sign-in".into());
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    response
}

async fn home(State(mdt): Shared, headers: HeaderMap, method: Method, uri: Uri) -> Response {
    let s = signed!(mdt, headers, method, uri);
    match meetings::my_networks(&mdt.store, &s.actor, today()).await {
        Ok(cards) => pages::home(&s, &cards).into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn network_page(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    Path(code): Path<String>,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    let day = today();
    let result = async {
        let activity = activity::network_activity(&mdt.store, &s.actor, &code, day).await?;
        let id = activity.network.id;
        let upcoming = meetings::meetings(&mdt.store, &s.actor, id, day, true, 8).await?;
        let past = meetings::meetings(&mdt.store, &s.actor, id, day, false, 8).await?;
        Ok::<_, MdtError>((activity, upcoming, past))
    }
    .await;
    match result {
        Ok((activity, upcoming, past)) => {
            pages::network(&s, &activity, &upcoming, &past).into_response()
        }
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn schedule_page(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    Path(code): Path<String>,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    match meetings::scheduling(&mdt.store, &s.actor, &code).await {
        Ok((network, team)) => {
            let defaults = vec![
                ("venue".to_string(), network.venue.clone()),
                ("start_time".to_string(), "13:00".to_string()),
                ("repeat".to_string(), network.cadence.clone()),
                ("occurrences".to_string(), "6".to_string()),
            ];
            pages::schedule(&s, &network, &team, Values(&defaults), &Default::default())
                .into_response()
        }
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn schedule(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(code): Path<String>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match meetings::schedule(&mdt.store, &s.actor, &code, &fields, today()).await {
        Ok(ids) => match ids.first() {
            Some(first) => done(format!("/mdt/meetings/{first}")),
            None => done(format!("/mdt/networks/{code}")),
        },
        Err(MdtError::Invalid(errors)) => {
            match meetings::scheduling(&mdt.store, &s.actor, &code).await {
                Ok((network, team)) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pages::schedule(&s, &network, &team, Values(&fields), &errors),
                )
                    .into_response(),
                Err(e) => failure(Some(&s.actor), e),
            }
        }
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn meeting_page(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    match meetings::meeting_view(&mdt.store, &s.actor, id, today()).await {
        Ok(view) => pages::meeting(&s, &view).into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn add_cases(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match meetings::add_cases(&mdt.store, &s.actor, id, &fields).await {
        Ok(_) => done(format!("/mdt/meetings/{id}#case-list")),
        Err(MdtError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::refused(
                &s,
                "The case list was not changed",
                &errors,
                &format!("/mdt/meetings/{id}"),
            ),
        )
            .into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn record_discussion(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(item): Path<i64>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match meetings::record_discussion(&mdt.store, &s.actor, item, &fields).await {
        Ok(meeting) => done(format!("/mdt/meetings/{meeting}#case-{item}")),
        Err(MdtError::Invalid(errors)) => match meetings::case_context(&mdt.store, &s.actor, item)
            .await
        {
            Ok((meeting, person, team)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::discussion_page(&s, &meeting, item, person, &team, Values(&fields), &errors),
            )
                .into_response(),
            Err(e) => failure(Some(&s.actor), e),
        },
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn person_page(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    match people::person_record(&mdt.store, &s.actor, id, today()).await {
        Ok(record) => pages::person(&s, &record).into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

/// A refused person-level form, shown again on its own with what was sent.
async fn refused_person_form(
    mdt: &Mdt,
    s: &Signed,
    person: i64,
    form: pages::PersonForm,
    fields: &[(String, String)],
    error: MdtError,
) -> Response {
    let (status, errors, conflict) = match error {
        MdtError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        MdtError::Conflict(message) => (StatusCode::CONFLICT, Default::default(), Some(message)),
        e => return failure(Some(&s.actor), e),
    };
    let permission = match form {
        pages::PersonForm::Navigator => accord_mdt::Permission::AssignNavigators,
        _ => accord_mdt::Permission::EditCare,
    };
    match people::person_team(&mdt.store, &s.actor, person, permission).await {
        Ok(team) => (
            status,
            pages::person_form(
                s,
                person,
                form,
                &team,
                Values(fields),
                &errors,
                conflict.as_deref(),
            ),
        )
            .into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn add_action(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match people::add_action(&mdt.store, &s.actor, id, &fields).await {
        Ok(_) => done(format!("/mdt/people/{id}#actions")),
        Err(e) => refused_person_form(&mdt, &s, id, pages::PersonForm::NewAction, &fields, e).await,
    }
}

async fn update_action(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match people::update_action(&mdt.store, &s.actor, id, &fields).await {
        Ok(person) => done(format!("/mdt/people/{person}#actions")),
        Err(e @ (MdtError::Invalid(_) | MdtError::Conflict(_))) => {
            match people::action_team(&mdt.store, &s.actor, id).await {
                Ok((person, _)) => {
                    refused_person_form(&mdt, &s, person, pages::PersonForm::Action(id), &fields, e)
                        .await
                }
                Err(e) => failure(Some(&s.actor), e),
            }
        }
        Err(e) => failure(Some(&s.actor), e),
    }
}

async fn save_care_plan(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match people::save_care_plan(&mdt.store, &s.actor, id, &fields, today()).await {
        Ok(_) => done(format!("/mdt/people/{id}#care-plan")),
        Err(e) => refused_person_form(&mdt, &s, id, pages::PersonForm::CarePlan, &fields, e).await,
    }
}

async fn assign_navigator(
    State(mdt): Shared,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Form(fields): Fields,
) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match people::assign_navigator(&mdt.store, &s.actor, id, &fields).await {
        Ok(()) => done(format!("/mdt/people/{id}")),
        Err(e) => refused_person_form(&mdt, &s, id, pages::PersonForm::Navigator, &fields, e).await,
    }
}

async fn action_tracker(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    let day = today();
    match people::action_tracker(&mdt.store, &s.actor, day).await {
        Ok(actions) => pages::tracker(&s, &actions).into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

#[derive(Deserialize)]
struct ReferralQuery {
    person: Option<String>,
}

async fn referral_page(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    Query(q): Query<ReferralQuery>,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    if let Err(e) = s.actor.require(accord_mdt::Permission::Refer) {
        return failure(Some(&s.actor), e);
    }
    let defaults = vec![
        ("person_id".to_string(), q.person.unwrap_or_default()),
        ("urgency".to_string(), "routine".to_string()),
    ];
    pages::referral(&s, Values(&defaults), &Default::default()).into_response()
}

async fn refer(State(mdt): Shared, headers: HeaderMap, uri: Uri, Form(fields): Fields) -> Response {
    let s = posted!(mdt, headers, uri, fields);
    match people::refer(&mdt.store, &s.actor, &fields).await {
        Ok(_) => done(format!(
            "/mdt/people/{}#referrals",
            Values(&fields).get("person_id")
        )),
        Err(MdtError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::referral(&s, Values(&fields), &errors),
        )
            .into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}

#[derive(Deserialize)]
struct AuditQuery {
    person: Option<String>,
}

async fn audit_page(
    State(mdt): Shared,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    Query(q): Query<AuditQuery>,
) -> Response {
    let s = signed!(mdt, headers, method, uri);
    let person = q.person.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let person = match person.map(str::parse::<i64>) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return failure(
                Some(&s.actor),
                MdtError::Invalid(accord_mdt::FieldErrors::single(
                    "person",
                    "The person's id must be a number",
                )),
            );
        }
        None => None,
    };
    match audit::read_log(&mdt.store, &s.actor, person, 500).await {
        Ok(entries) => pages::audit(&s, person, &entries).into_response(),
        Err(e) => failure(Some(&s.actor), e),
    }
}
