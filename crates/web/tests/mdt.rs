//! The MDT workflow through HTTP, on SQLite and (where reachable) PostgreSQL: the
//! permission matrix of every route, role and network; the audit entries each
//! person-level route leaves; lost updates refused; bad input on every form.

use std::sync::Arc;

use accord_mdt::access::{Permission, Role};
use accord_mdt::auth::{NewUser, create_user};
use accord_mdt::demo::DEMO_PASSWORD;
use accord_mdt::{Store, audit::AuditEntry};
use accord_testkit::mdt::{TestDatabase, demo_databases};
use accord_web::mdt::{Mdt, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sqlx::Row;

mod common;
use common::{Reply, cookie_value, csrf_of, form, send, session};

/// A signed-in browser.
struct Client {
    app: Router,
    session: String,
    csrf: String,
}

async fn sign_in(app: &Router, username: &str) -> Client {
    let session = session(app, username, "/mdt").await;
    let mut client = Client {
        app: app.clone(),
        session,
        csrf: String::new(),
    };
    let home = client.get("/mdt").await;
    assert_eq!(home.status, StatusCode::OK, "{username}");
    client.csrf = csrf_of(&home.body);
    client
}

impl Client {
    async fn get(&self, path: &str) -> Reply {
        send(
            &self.app,
            Request::get(path)
                .header(header::COOKIE, format!("accord_session={}", self.session))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Posts the form with this session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &form(&all)).await
    }

    async fn post_raw(&self, path: &str, body: &str) -> Reply {
        send(
            &self.app,
            Request::post(path)
                .header(header::COOKIE, format!("accord_session={}", self.session))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }
}

/// Ids of records in network N01 that the routes act on.
struct Targets {
    person: i64,
    meeting: i64,
    case_item: i64,
    action: i64,
}

async fn scalar(store: &Store, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn targets(store: &Store) -> Targets {
    let n01 = "(SELECT id FROM network WHERE code = 'N01')";
    let meeting = scalar(
        store,
        &format!("SELECT MIN(id) FROM meeting WHERE status = 'scheduled' AND network_id = {n01}"),
    )
    .await;
    let case_item = sqlx::query("INSERT INTO case_item (meeting_id, person_id, source, follow_up, list_position) VALUES ($1, 5, 'case_finding', 0, 1) RETURNING id")
        .bind(meeting)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    Targets {
        person: 1,
        meeting,
        case_item,
        action: scalar(store, &format!("SELECT MIN(a.id) FROM mdt_action a JOIN person p ON p.id = a.person_id WHERE p.network_id = {n01}")).await,
    }
}

fn app(db: &TestDatabase) -> Router {
    router(Arc::new(Mdt::new(db.store.clone())))
}

/// The demo's username prefix for each role.
fn prefix(role: Role) -> &'static str {
    match role {
        Role::Gp => "gp",
        Role::CommunityMatron => "matron",
        Role::SocialWorker => "social",
        Role::MentalHealth => "mh",
        Role::Navigator => "navigator",
        Role::Coordinator => "coordinator",
        Role::Analyst => "analyst",
        Role::Administrator => "admin",
    }
}

/// A route of the matrix: method, path, form, the permission it needs, whether it is scoped
/// to network N01, and the status when allowed.
type RouteCase<'a> = (
    &'a str,
    String,
    Vec<(&'a str, &'a str)>,
    Option<Permission>,
    bool,
    StatusCode,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_by_every_role_in_its_own_and_another_network() {
    for db in demo_databases().await {
        let t = targets(&db.store).await;
        create_user(
            &db.store,
            &NewUser {
                username: "analyst.n02".into(),
                display_name: "Analyst of N02".into(),
                role: Role::Analyst,
                organisation_code: "COORD".into(),
                password: DEMO_PASSWORD.into(),
                network_codes: vec!["N02".into()],
            },
        )
        .await
        .unwrap();
        let app = app(&db);
        let person = t.person.to_string();
        // (method, path, form, permission, scoped to N01, the status when allowed). Forms are
        // left incomplete, so that an allowed user is told what is missing (422) and nothing
        // changes between cells of the matrix.
        let routes: Vec<RouteCase<'_>> = vec![
            ("GET", "/mdt".into(), vec![], None, false, StatusCode::OK),
            (
                "GET",
                "/mdt/networks/N01".into(),
                vec![],
                Some(Permission::ViewActivity),
                true,
                StatusCode::OK,
            ),
            (
                "GET",
                "/mdt/networks/N01/meetings/new".into(),
                vec![],
                Some(Permission::ManageMeetings),
                true,
                StatusCode::OK,
            ),
            (
                "POST",
                "/mdt/networks/N01/meetings".into(),
                vec![],
                Some(Permission::ManageMeetings),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                format!("/mdt/meetings/{}", t.meeting),
                vec![],
                Some(Permission::ViewPeople),
                true,
                StatusCode::OK,
            ),
            (
                "POST",
                format!("/mdt/meetings/{}/cases", t.meeting),
                vec![],
                Some(Permission::ManageMeetings),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                format!("/mdt/cases/{}/discussion", t.case_item),
                vec![],
                Some(Permission::RecordDiscussions),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                format!("/mdt/people/{}", t.person),
                vec![],
                Some(Permission::ViewPeople),
                true,
                StatusCode::OK,
            ),
            (
                "POST",
                format!("/mdt/people/{}/actions", t.person),
                vec![],
                Some(Permission::EditCare),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                format!("/mdt/actions/{}", t.action),
                vec![],
                Some(Permission::EditCare),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                format!("/mdt/people/{}/care-plan", t.person),
                vec![],
                Some(Permission::EditCare),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "POST",
                format!("/mdt/people/{}/navigator", t.person),
                vec![],
                Some(Permission::AssignNavigators),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                "/mdt/actions".into(),
                vec![],
                Some(Permission::ViewPeople),
                false,
                StatusCode::OK,
            ),
            (
                "GET",
                "/mdt/referrals/new".into(),
                vec![],
                Some(Permission::Refer),
                false,
                StatusCode::OK,
            ),
            (
                "POST",
                "/mdt/referrals".into(),
                vec![("person_id", person.as_str())],
                Some(Permission::Refer),
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                "/mdt/audit".into(),
                vec![],
                Some(Permission::ReadAudit),
                false,
                StatusCode::OK,
            ),
        ];
        let mut cells = 0;
        for role in Role::ALL {
            let (own, other) = match role {
                Role::Analyst => ("analyst".to_string(), "analyst.n02".to_string()),
                Role::Administrator => ("admin".to_string(), "admin".to_string()),
                _ => (
                    format!("{}.n01", prefix(role)),
                    format!("{}.n02", prefix(role)),
                ),
            };
            for (user, in_network) in [(own, true), (other, false)] {
                let client = sign_in(&app, &user).await;
                for (method, path, fields, permission, scoped, allowed) in &routes {
                    let expected = match permission {
                        Some(p) if !role.may(*p) => StatusCode::FORBIDDEN,
                        _ if *scoped && !in_network => StatusCode::FORBIDDEN,
                        _ => *allowed,
                    };
                    let reply = if *method == "GET" {
                        client.get(path).await
                    } else {
                        client.post(path, fields).await
                    };
                    assert_eq!(
                        reply.status, expected,
                        "{}: {user} ({role:?}) {method} {path}: {}",
                        db.backend, reply.body
                    );
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 8 * 2 * routes.len());
        // Nobody signed in: every route sends them to sign in, and nothing is shown.
        for (method, path, ..) in &routes {
            let request = if *method == "GET" {
                Request::get(path.as_str())
            } else {
                Request::post(path.as_str())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            };
            let reply = send(&app, request.body(Body::empty()).unwrap()).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{method} {path}");
            assert!(
                reply.location.starts_with("/mdt/sign-in?next="),
                "{}",
                reply.location
            );
        }
        db.finish().await;
    }
}

async fn audit_since(store: &Store, after: i64) -> Vec<AuditEntry> {
    sqlx::query("SELECT id, occurred_at, username, action, entity, entity_id, person_id, route FROM audit_log WHERE id > $1 ORDER BY id")
        .bind(after)
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| AuditEntry {
            id: r.try_get("id").unwrap(),
            occurred_at: r.try_get("occurred_at").unwrap(),
            username: r.try_get("username").unwrap(),
            action: r.try_get("action").unwrap(),
            entity: r.try_get("entity").unwrap(),
            entity_id: r.try_get("entity_id").unwrap(),
            person_id: r.try_get("person_id").unwrap(),
            request: r.try_get("route").unwrap(),
        })
        .collect()
}

async fn last_audit_id(store: &Store) -> i64 {
    scalar(
        store,
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM audit_log",
    )
    .await
}

/// (username, action, entity, person) of each entry.
fn summary(entries: &[AuditEntry]) -> Vec<(String, String, String, Option<i64>)> {
    entries
        .iter()
        .map(|e| {
            (
                e.username.clone(),
                e.action.clone(),
                e.entity.clone(),
                e.person_id,
            )
        })
        .collect()
}

fn entry(
    user: &str,
    action: &str,
    entity: &str,
    person: i64,
) -> (String, String, String, Option<i64>) {
    (user.into(), action.into(), entity.into(), Some(person))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_person_level_route_leaves_exactly_its_audit_entries() {
    for db in demo_databases().await {
        let b = db.backend;
        let t = targets(&db.store).await;
        let app = app(&db);
        let gp = sign_in(&app, "gp.n01").await;
        let coordinator = sign_in(&app, "coordinator.n01").await;
        let navigator = sign_in(&app, "navigator.n01").await;
        let outsider = sign_in(&app, "gp.n02").await;
        let gp_id = scalar(
            &db.store,
            "SELECT id FROM app_user WHERE username = 'gp.n01'",
        )
        .await;
        let navigator_id = scalar(
            &db.store,
            "SELECT id FROM app_user WHERE username = 'navigator.n01'",
        )
        .await;

        // Reading a person's page: one entry, with the request.
        let before = last_audit_id(&db.store).await;
        assert_eq!(gp.get("/mdt/people/1").await.status, StatusCode::OK);
        let entries = audit_since(&db.store, before).await;
        assert_eq!(
            summary(&entries),
            vec![entry("gp.n01", "view", "person", 1)],
            "{b}"
        );
        assert_eq!(entries[0].request, "GET /mdt/people/1");

        // A refused read (another network) and a refused form leave nothing.
        let before = last_audit_id(&db.store).await;
        assert_eq!(
            outsider.get("/mdt/people/1").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            gp.post("/mdt/people/1/actions", &[("description", "")])
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert!(audit_since(&db.store, before).await.is_empty(), "{b}");

        // A meeting page: one entry for each person it shows (case list and candidates).
        let before = last_audit_id(&db.store).await;
        let page = coordinator
            .get(&format!("/mdt/meetings/{}", t.meeting))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let entries = audit_since(&db.store, before).await;
        let mut shown: Vec<i64> = entries.iter().filter_map(|e| e.person_id).collect();
        shown.sort_unstable();
        // Person 5 is on the list; N01's case-finding list is 29, 27, ..., 11; referrals are of
        // the list's last two, and so already among them.
        let mut expected: Vec<i64> = (11..=29).step_by(2).chain([5]).collect();
        expected.sort_unstable();
        assert_eq!(shown, expected, "{b}");
        assert!(entries.iter().all(|e| e.entity == "meeting"
            && e.action == "view"
            && e.username == "coordinator.n01"));

        // Pulling two people from case finding: one entry each.
        let before = last_audit_id(&db.store).await;
        let reply = coordinator
            .post(
                &format!("/mdt/meetings/{}/cases", t.meeting),
                &[("candidate", "29"), ("candidate", "27")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{b}: {}", reply.body);
        assert_eq!(
            summary(&audit_since(&db.store, before).await),
            vec![
                entry("coordinator.n01", "create", "case_item", 29),
                entry("coordinator.n01", "create", "case_item", 27),
            ]
        );

        // Recording a discussion with an action: the discussion and the action.
        let item = scalar(
            &db.store,
            &format!(
                "SELECT id FROM case_item WHERE meeting_id = {} AND person_id = 29",
                t.meeting
            ),
        )
        .await;
        let before = last_audit_id(&db.store).await;
        let gp_text = gp_id.to_string();
        let reply = coordinator
            .post(
                &format!("/mdt/cases/{item}/discussion"),
                &[
                    ("notes", "Lives alone; two falls."),
                    ("outcome", "actions_agreed"),
                    ("action_description", "Falls assessment at home"),
                    ("action_owner_id", &gp_text),
                    ("action_due_on", "2030-01-31"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{b}: {}", reply.body);
        assert_eq!(
            summary(&audit_since(&db.store, before).await),
            vec![
                entry("coordinator.n01", "create", "discussion", 29),
                entry("coordinator.n01", "create", "action", 29),
            ]
        );

        // Adding and changing an action, a care plan, a navigator, a referral.
        let before = last_audit_id(&db.store).await;
        assert_eq!(
            gp.post(
                "/mdt/people/1/actions",
                &[
                    ("description", "Medication review"),
                    ("owner_id", &gp_text),
                    ("due_on", "2030-02-01")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        let action = scalar(&db.store, "SELECT MAX(id) FROM mdt_action").await;
        assert_eq!(
            gp.post(
                &format!("/mdt/actions/{action}"),
                &[
                    ("description", "Medication review with the pharmacist"),
                    ("owner_id", &gp_text),
                    ("due_on", "2030-02-01"),
                    ("status", "open"),
                    ("version", "1"),
                    ("person_id", "1")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            gp.post(
                "/mdt/people/3/care-plan",
                &[
                    (
                        "goals",
                        "I want to stay at home\nI want to walk to the shops"
                    ),
                    ("review_on", "2030-06-01"),
                    ("version", "0")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            navigator
                .post(
                    "/mdt/people/1/navigator",
                    &[("navigator_id", &navigator_id.to_string())]
                )
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        // A person without a risk score first, then one with: both backends keep both.
        assert_eq!(
            gp.post(
                "/mdt/referrals",
                &[
                    ("person_id", "31"),
                    ("reason", "Struggling at home"),
                    ("urgency", "routine")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            gp.post(
                "/mdt/referrals",
                &[
                    ("person_id", "7"),
                    ("reason", "Carer breakdown"),
                    ("urgency", "urgent")
                ]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            summary(&audit_since(&db.store, before).await),
            vec![
                entry("gp.n01", "create", "action", 1),
                entry("gp.n01", "update", "action", 1),
                entry("gp.n01", "create", "care_plan", 3),
                entry("navigator.n01", "update", "navigator", 1),
                entry("gp.n01", "create", "referral", 31),
                entry("gp.n01", "create", "referral", 7),
            ],
            "{b}"
        );

        // The action tracker: one entry for each person whose open actions it lists.
        let before = last_audit_id(&db.store).await;
        assert_eq!(gp.get("/mdt/actions").await.status, StatusCode::OK);
        let tracked: Vec<i64> = audit_since(&db.store, before)
            .await
            .iter()
            .filter_map(|e| e.person_id)
            .collect();
        let open = scalar(&db.store, "SELECT CAST(COUNT(DISTINCT a.person_id) AS BIGINT) FROM mdt_action a JOIN person p ON p.id = a.person_id JOIN network n ON n.id = p.network_id WHERE n.code = 'N01' AND a.status = 'open'").await;
        assert_eq!(tracked.len() as i64, open, "{b}");

        // Aggregate pages leave nothing.
        let before = last_audit_id(&db.store).await;
        assert_eq!(gp.get("/mdt").await.status, StatusCode::OK);
        assert_eq!(gp.get("/mdt/networks/N01").await.status, StatusCode::OK);
        assert!(audit_since(&db.store, before).await.is_empty());

        // The administrator reads it all, filtered by person.
        let admin = sign_in(&app, "admin").await;
        let log = admin.get("/mdt/audit?person=29").await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(
            log.body.contains("coordinator.n01") && log.body.contains("case_item"),
            "{b}"
        );
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_of_two_concurrent_edits_is_refused_and_told() {
    for db in demo_databases().await {
        let b = db.backend;
        let t = targets(&db.store).await;
        let app = app(&db);
        let gp = sign_in(&app, "gp.n01").await;
        let matron = sign_in(&app, "matron.n01").await;
        let owner = scalar(
            &db.store,
            &format!("SELECT owner_id FROM mdt_action WHERE id = {}", t.action),
        )
        .await
        .to_string();
        let person = scalar(
            &db.store,
            &format!("SELECT person_id FROM mdt_action WHERE id = {}", t.action),
        )
        .await
        .to_string();
        let path = format!("/mdt/actions/{}", t.action);
        // Both opened the action at version 1.
        let first = gp
            .post(
                &path,
                &[
                    ("description", "GP's change"),
                    ("owner_id", &owner),
                    ("due_on", "2030-01-01"),
                    ("status", "open"),
                    ("version", "1"),
                    ("person_id", &person),
                ],
            )
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{b}: {}", first.body);
        let second = matron
            .post(
                &path,
                &[
                    ("description", "Matron's change"),
                    ("owner_id", &owner),
                    ("due_on", "2030-02-02"),
                    ("status", "done"),
                    ("version", "1"),
                    ("person_id", &person),
                ],
            )
            .await;
        assert_eq!(second.status, StatusCode::CONFLICT, "{b}");
        assert!(
            second.body.contains("GP (N01) changed this action"),
            "{b}: {}",
            second.body
        );
        assert!(second.body.contains("Your changes were not saved"));
        // What the matron typed comes back for them to redo.
        assert!(
            second.body.contains("Matron&#39;s change") || second.body.contains("Matron's change")
        );
        let saved: String = sqlx::query(&format!(
            "SELECT description FROM mdt_action WHERE id = {}",
            t.action
        ))
        .fetch_one(db.store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        assert_eq!(saved, "GP's change");

        // Two people writing the first care plan at once: the second is told.
        let plan = [
            ("goals", "I want to stay at home"),
            ("review_on", "2030-01-01"),
            ("version", "0"),
        ];
        assert_eq!(
            gp.post("/mdt/people/5/care-plan", &plan).await.status,
            StatusCode::SEE_OTHER
        );
        let late = matron.post("/mdt/people/5/care-plan", &plan).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{b}");
        assert!(late.body.contains("changed this care plan"));
        // And a stale version of an existing plan.
        let stale = matron
            .post(
                "/mdt/people/5/care-plan",
                &[
                    ("goals", "I want to sleep"),
                    ("review_on", "2030-01-01"),
                    ("version", "7"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        db.finish().await;
    }
}

/// Posts a form, expects it refused with `field`'s error beside it, and nothing saved.
async fn refused(
    db: &TestDatabase,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    field: &str,
    expected: StatusCode,
) -> String {
    let tables = [
        "meeting",
        "case_item",
        "discussion",
        "mdt_action",
        "care_plan",
        "referral",
        "audit_log",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(db.store.count(t).await.unwrap());
    }
    let navigator_before = scalar(
        &db.store,
        "SELECT CAST(COUNT(navigator_id) AS BIGINT) FROM person",
    )
    .await;
    let reply = client.post(path, fields).await;
    assert_eq!(
        reply.status, expected,
        "{}: {path} {fields:?}: {}",
        db.backend, reply.body
    );
    if expected == StatusCode::UNPROCESSABLE_ENTITY {
        assert!(
            reply.body.contains("There is a problem"),
            "{path}: no error summary"
        );
        let beside = format!("id=\"{field}-error\"");
        let fieldset = format!("id=\"{field}\"");
        assert!(
            reply.body.contains(&beside)
                || reply.body.contains(&fieldset) && reply.body.contains("field-error"),
            "{path}: no error beside {field}: {}",
            reply.body
        );
    }
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(
            db.store.count(t).await.unwrap(),
            n,
            "{}: {path} {fields:?} changed {t}",
            db.backend
        );
    }
    assert_eq!(
        scalar(
            &db.store,
            "SELECT CAST(COUNT(navigator_id) AS BIGINT) FROM person"
        )
        .await,
        navigator_before
    );
    reply.body
}

/// `base` with field `k` set to `v`.
fn with<'a>(base: &[(&'a str, &'a str)], k: &'a str, v: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<_> = base.iter().filter(|(n, _)| *n != k).copied().collect();
    fields.push((k, v));
    fields
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_on_every_form_is_refused_field_by_field_and_nothing_is_saved() {
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    for db in demo_databases().await {
        let t = targets(&db.store).await;
        let app = app(&db);
        let coordinator = sign_in(&app, "coordinator.n01").await;
        let gp = sign_in(&app, "gp.n01").await;
        let gp_id = scalar(
            &db.store,
            "SELECT id FROM app_user WHERE username = 'gp.n01'",
        )
        .await
        .to_string();
        let outsider_id = scalar(
            &db.store,
            "SELECT id FROM app_user WHERE username = 'gp.n02'",
        )
        .await
        .to_string();
        let long = "x".repeat(5000);
        let schedule = "/mdt/networks/N01/meetings";
        let good_meeting = [
            ("meeting_date", "2030-01-07"),
            ("start_time", "13:00"),
            ("format", "hybrid"),
            ("venue", "Room 1"),
            ("repeat", "once"),
        ];
        refused(
            &db,
            &coordinator,
            schedule,
            &with(&good_meeting, "meeting_date", ""),
            "meeting_date",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            schedule,
            &with(&good_meeting, "meeting_date", "2030-13-45"),
            "meeting_date",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            schedule,
            &with(&good_meeting, "meeting_date", "2001-01-01"),
            "meeting_date",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            schedule,
            &with(&good_meeting, "start_time", "1pm"),
            "start_time",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            schedule,
            &with(&good_meeting, "format", "carrier pigeon"),
            "format",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            schedule,
            &with(&good_meeting, "occurrences", "500"),
            "occurrences",
            invalid,
        )
        .await;
        let mut oversized = good_meeting.to_vec();
        oversized.retain(|(k, _)| *k != "venue");
        oversized.push(("venue", &long));
        refused(&db, &coordinator, schedule, &oversized, "venue", invalid).await;
        let mut stranger = good_meeting.to_vec();
        stranger.push(("attendee", &outsider_id));
        refused(&db, &coordinator, schedule, &stranger, "attendee", invalid).await;
        refused(
            &db,
            &coordinator,
            "/mdt/networks/N99/meetings",
            &good_meeting,
            "",
            StatusCode::NOT_FOUND,
        )
        .await;

        let cases = format!("/mdt/meetings/{}/cases", t.meeting);
        refused(&db, &coordinator, &cases, &[], "candidate", invalid).await;
        refused(
            &db,
            &coordinator,
            &cases,
            &[("candidate", "999999")],
            "candidate",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            &cases,
            &[("candidate", "2")],
            "candidate",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            &cases,
            &[("referral", "abc")],
            "referral",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            &cases,
            &[("candidate", "5")],
            "candidate",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            "/mdt/meetings/999999/cases",
            &[("candidate", "5")],
            "",
            StatusCode::NOT_FOUND,
        )
        .await;

        let discussion = format!("/mdt/cases/{}/discussion", t.case_item);
        let good = [
            ("notes", "Discussed"),
            ("outcome", "follow_up"),
            ("follow_up_on", "2031-01-01"),
        ];
        refused(
            &db,
            &coordinator,
            &discussion,
            &with(&good, "notes", ""),
            "notes",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            &discussion,
            &with(&good, "outcome", "cured"),
            "outcome",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            &discussion,
            &with(&good, "follow_up_on", "soon"),
            "follow_up_on",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            &discussion,
            &with(&good, "follow_up_on", ""),
            "follow_up_on",
            invalid,
        )
        .await;
        let mut long_notes = good.to_vec();
        long_notes.retain(|(k, _)| *k != "notes");
        long_notes.push(("notes", &long));
        refused(
            &db,
            &coordinator,
            &discussion,
            &long_notes,
            "notes",
            invalid,
        )
        .await;
        let mut bad_action = good.to_vec();
        bad_action.extend([
            ("action_description", "Falls clinic"),
            ("action_owner_id", "999999"),
            ("action_due_on", "2031-01-01"),
        ]);
        refused(
            &db,
            &coordinator,
            &discussion,
            &bad_action,
            "action_owner_id",
            invalid,
        )
        .await;
        let mut undated_action = good.to_vec();
        undated_action.extend([
            ("action_description", "Falls clinic"),
            ("action_owner_id", gp_id.as_str()),
            ("action_due_on", "31/01/2031"),
        ]);
        refused(
            &db,
            &coordinator,
            &discussion,
            &undated_action,
            "action_due_on",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            "/mdt/cases/999999/discussion",
            &good,
            "",
            StatusCode::NOT_FOUND,
        )
        .await;

        let action = [
            ("description", "Medication review"),
            ("owner_id", gp_id.as_str()),
            ("due_on", "2031-01-01"),
        ];
        refused(
            &db,
            &gp,
            "/mdt/people/1/actions",
            &with(&action, "description", ""),
            "description",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/people/1/actions",
            &with(&action, "due_on", "31/12/2026"),
            "due_on",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/people/1/actions",
            &with(&action, "owner_id", "999999"),
            "owner_id",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/people/1/actions",
            &with(&action, "owner_id", "someone"),
            "owner_id",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/people/999999/actions",
            &action,
            "",
            StatusCode::NOT_FOUND,
        )
        .await;
        let update = format!("/mdt/actions/{}", t.action);
        refused(&db, &gp, &update, &action, "version", invalid).await;
        refused(
            &db,
            &gp,
            &update,
            &[action.as_slice(), &[("version", "1"), ("status", "lost")]].concat(),
            "status",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/actions/999999",
            &[action.as_slice(), &[("version", "1")]].concat(),
            "",
            StatusCode::NOT_FOUND,
        )
        .await;

        let plan = [
            ("goals", "I want to stay at home"),
            ("review_on", "2031-01-01"),
            ("version", "0"),
        ];
        refused(
            &db,
            &gp,
            "/mdt/people/5/care-plan",
            &with(&plan, "goals", ""),
            "goals",
            invalid,
        )
        .await;
        let body = refused(
            &db,
            &gp,
            "/mdt/people/5/care-plan",
            &with(&plan, "goals", "I want to stay at home\nWalk more"),
            "goals",
            invalid,
        )
        .await;
        assert!(body.contains("goal 2"), "{body}");
        refused(
            &db,
            &gp,
            "/mdt/people/5/care-plan",
            &with(&plan, "review_on", "2020-01-01"),
            "review_on",
            invalid,
        )
        .await;
        let mut long_goals = plan.to_vec();
        long_goals.retain(|(k, _)| *k != "goals");
        long_goals.push(("goals", &long));
        refused(
            &db,
            &gp,
            "/mdt/people/5/care-plan",
            &long_goals,
            "goals",
            invalid,
        )
        .await;

        refused(
            &db,
            &coordinator,
            "/mdt/people/1/navigator",
            &[("navigator_id", gp_id.as_str())],
            "navigator_id",
            invalid,
        )
        .await;
        refused(
            &db,
            &coordinator,
            "/mdt/people/1/navigator",
            &[("navigator_id", "x")],
            "navigator_id",
            invalid,
        )
        .await;

        let referral = [
            ("person_id", "7"),
            ("reason", "Falls"),
            ("urgency", "routine"),
        ];
        refused(
            &db,
            &gp,
            "/mdt/referrals",
            &with(&referral, "person_id", "999999"),
            "person_id",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/referrals",
            &with(&referral, "person_id", ""),
            "person_id",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/referrals",
            &with(&referral, "reason", ""),
            "reason",
            invalid,
        )
        .await;
        refused(
            &db,
            &gp,
            "/mdt/referrals",
            &with(&referral, "urgency", "yesterday"),
            "urgency",
            invalid,
        )
        .await;

        // A form without this session's CSRF token is refused before anything else.
        let before = db.store.count("referral").await.unwrap();
        let forged = gp
            .post_raw(
                "/mdt/referrals",
                &form(&[
                    ("csrf", "forged"),
                    ("person_id", "7"),
                    ("reason", "x"),
                    ("urgency", "routine"),
                ]),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let missing = gp.post_raw("/mdt/referrals", &form(&referral)).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        assert_eq!(db.store.count("referral").await.unwrap(), before);

        // Unknown records to read.
        assert_eq!(
            gp.get("/mdt/people/999999").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            gp.get("/mdt/meetings/999999").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            gp.get("/mdt/networks/N99").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            gp.get("/mdt/people/not-a-number").await.status,
            StatusCode::BAD_REQUEST
        );
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_and_needs_its_token() {
    for db in demo_databases().await {
        let app = app(&db);
        let page = send(
            &app,
            Request::get("/mdt/sign-in").body(Body::empty()).unwrap(),
        )
        .await;
        let token = cookie_value(&page, "accord_sign_in").unwrap();
        let attempt = |password: &'static str, token: String| {
            let app = app.clone();
            async move {
                send(
                    &app,
                    Request::post("/mdt/sign-in")
                        .header(header::COOKIE, format!("accord_sign_in={token}"))
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from(form(&[
                            ("csrf", &token),
                            ("username", "gp.n01"),
                            ("password", password),
                        ])))
                        .unwrap(),
                )
                .await
            }
        };
        for _ in 0..5 {
            let reply = attempt("wrong password", token.clone()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            assert!(reply.body.contains("username or password is wrong"));
        }
        // Even the right password waits now.
        let blocked = attempt(DEMO_PASSWORD, token.clone()).await;
        assert_eq!(
            blocked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            blocked.body
        );
        // Another user is not blocked; a sign-in without the form's token is refused.
        sign_in(&app, "matron.n01").await;
        let forged = send(
            &app,
            Request::post("/mdt/sign-in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[
                    ("csrf", "x"),
                    ("username", "matron.n01"),
                    ("password", DEMO_PASSWORD),
                ])))
                .unwrap(),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        db.finish().await;
    }
}
