//! Demo data: a synthetic borough's MDT history loaded as if it had been recorded here,
//! with demo users for every role in every network, case-finding lists, upcoming meetings,
//! some actions and care plans. Everything it writes is synthetic, and every demo user
//! has the same published password: it is for trying Accord out, never for real records.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::access::Role;
use crate::auth::{NewUser, insert_user, user_password_hash};
use crate::exchange::{CaseFindingRow, DiscussionRow};
use crate::meetings::day_text;
use crate::store::Backend;
use crate::{MdtError, Result, Store, now_text};

/// The password of every demo user. Published in the README: demo only.
pub const DEMO_PASSWORD: &str = "accord-demo-2026";

/// A practice of the demo borough.
pub struct DemoPractice {
    /// The practice's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The network it belongs to, if any.
    pub network: Option<String>,
}

/// A person of the demo borough, as the MDT register holds them.
pub struct DemoPerson {
    /// The person's pseudonymised id.
    pub id: u64,
    /// The network of their practice.
    pub network: String,
    /// Their practice.
    pub practice: String,
    /// Their sex.
    pub sex: String,
    /// Their year of birth.
    pub birth_year: i32,
    /// The risk score on the scoring date and its reasons.
    pub risk: Option<(f64, Vec<String>)>,
}

/// What the demo loads, drawn from a dataset by the caller.
pub struct DemoBorough {
    /// (code, name)
    pub networks: Vec<(String, String)>,
    /// The practices, with their networks.
    pub practices: Vec<DemoPractice>,
    /// The people registered, by network.
    pub people: Vec<DemoPerson>,
    /// The date the case-finding lists were drawn.
    pub scored_on: NaiveDate,
    /// The case-finding lists, each network's highest risk first.
    pub case_finding: Vec<CaseFindingRow>,
    /// The discussions the dataset records, which the demo recreates as meetings.
    pub discussions: Vec<DiscussionRow>,
}

/// A demo user, for the sign-in page's list.
#[derive(Debug, Clone, Serialize)]
pub struct DemoUser {
    /// The name they sign in with.
    pub username: String,
    /// Their role.
    pub role: Role,
    /// The codes of their networks.
    pub networks: Vec<String>,
}

/// What the demo loaded.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// The users created, each with the demo password.
    pub users: Vec<DemoUser>,
    /// People in the register.
    pub people: usize,
    /// Meetings, held and scheduled.
    pub meetings: usize,
    /// Discussions recorded.
    pub discussions: usize,
    /// Actions agreed.
    pub actions: usize,
    /// Care plans written.
    pub care_plans: usize,
    /// Meetings scheduled after today.
    pub upcoming_meetings: usize,
}

/// A value for a bulk insert.
enum Cell {
    Int(i64),
    OptInt(Option<i64>),
    Real(Option<f64>),
    Text(String),
    OptText(Option<String>),
}

/// Inserts `rows` into `table`, many rows per statement.
async fn bulk(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<()> {
    // Under 1,000 parameters a statement suits every SQLite build and PostgreSQL.
    let per_statement = (900 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        // Not a cached statement: sqlx's Any driver declares a missing DOUBLE PRECISION as a
        // 4-byte float on PostgreSQL, so a statement prepared with a missing score in one
        // place would refuse a present one there in the next chunk.
        let mut query = sqlx::query(&sql).persistent(false);
        for row in chunk {
            for cell in row {
                query = match cell {
                    Cell::Int(v) => query.bind(v),
                    Cell::OptInt(v) => query.bind(v),
                    Cell::Real(v) => query.bind(v),
                    Cell::Text(v) => query.bind(v),
                    Cell::OptText(v) => query.bind(v),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn person_id(id: u64) -> Result<i64> {
    i64::try_from(id).map_err(|_| MdtError::Exchange(format!("person id {id} is too large")))
}

/// The care-team roles of every network, with the organisation kind each works for.
const TEAM: [(Role, &str, &str); 6] = [
    (Role::Coordinator, "coordinator", "coordination"),
    (Role::Gp, "gp", "gp_practice"),
    (Role::CommunityMatron, "matron", "community_health"),
    (Role::SocialWorker, "social", "social_care"),
    (Role::MentalHealth, "mh", "mental_health"),
    (Role::Navigator, "navigator", "voluntary_sector"),
];

const ORGANISATIONS: [(&str, &str, &str); 6] = [
    ("COORD", "Integrated Network Coordination", "coordination"),
    ("CHS", "Community Health Services", "community_health"),
    ("ASC", "Borough Council Adult Social Care", "social_care"),
    ("MHT", "Mental Health Trust", "mental_health"),
    ("ACUTE", "Royal Borough Hospital", "acute"),
    ("VCS", "Voluntary Sector Alliance", "voluntary_sector"),
];

const GOALS: [&str; 8] = [
    "I want to stay living in my own home",
    "I want to be able to get to the shops and back on my own",
    "I want to know who to call when my breathing gets worse",
    "I want fewer trips to A&E",
    "I want my daughter to have some time for herself",
    "I want to understand my tablets and when to take them",
    "I want to get back to my Tuesday club",
    "I want to sleep through the night without pain",
];

const ACTIONS: [&str; 6] = [
    "Medication review with the practice pharmacist",
    "Falls assessment at home",
    "Carer's assessment",
    "Refer to social prescribing for befriending",
    "Agree an anticipatory care plan with the person and family",
    "Check benefits entitlement",
];

/// Loads the demo into an empty database. `today` places the upcoming meetings.
pub async fn load_demo(
    store: &Store,
    borough: &DemoBorough,
    today: NaiveDate,
) -> Result<DemoSummary> {
    if store.count("network").await? > 0 {
        return Err(MdtError::Exchange(
            "the database already has networks: demo data goes into a new, empty database".into(),
        ));
    }
    check_register(borough)?;
    let password = user_password_hash(DEMO_PASSWORD)?;
    let mut tx = store.begin().await?;
    let mut organisation_of_kind = HashMap::new();
    for (code, name, kind) in ORGANISATIONS {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisation (code, name, kind) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(kind)
        .fetch_one(&mut *tx)
        .await?;
        organisation_of_kind.insert(kind, (id, code));
    }
    let mut networks: BTreeMap<String, i64> = BTreeMap::new();
    for (i, (code, name)) in borough.networks.iter().enumerate() {
        let cadence = if i % 2 == 0 { "weekly" } else { "fortnightly" };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO network (code, name, cadence, venue) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(code.clone())
        .bind(name.clone())
        .bind(cadence)
        .bind(format!("{name} health centre, meeting room 1"))
        .fetch_one(&mut *tx)
        .await?;
        networks.insert(code.clone(), id);
    }
    let network_id = |code: &str| {
        networks.get(code).copied().ok_or_else(|| {
            MdtError::Exchange(format!("network {code} is not in the network table"))
        })
    };
    let mut first_practice: HashMap<String, String> = HashMap::new();
    for p in &borough.practices {
        let network = p.network.as_deref().map(network_id).transpose()?;
        sqlx::query("INSERT INTO practice (code, name, network_id) VALUES ($1, $2, $3)")
            .bind(p.code.clone())
            .bind(p.name.clone())
            .bind(network)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO organisation (code, name, kind) VALUES ($1, $2, 'gp_practice')")
            .bind(p.code.clone())
            .bind(p.name.clone())
            .execute(&mut *tx)
            .await?;
        if let Some(n) = &p.network {
            first_practice
                .entry(n.clone())
                .or_insert_with(|| p.code.clone());
        }
    }
    // Users: the care team of every network, an analyst of all networks, an administrator.
    let mut users = Vec::new();
    let mut team_ids: HashMap<String, Vec<(Role, i64)>> = HashMap::new();
    for code in networks.keys() {
        for (role, prefix, kind) in TEAM {
            let organisation = if kind == "gp_practice" {
                first_practice
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| "COORD".into())
            } else {
                organisation_of_kind
                    .get(kind)
                    .map_or("COORD", |(_, c)| c)
                    .to_string()
            };
            let user = NewUser {
                username: format!("{prefix}.{}", code.to_lowercase()),
                display_name: format!("{} ({code})", role.label()),
                role,
                organisation_code: organisation,
                password: DEMO_PASSWORD.into(),
                network_codes: vec![code.clone()],
            };
            let id = insert_user(&mut tx, &user, &password).await?;
            team_ids.entry(code.clone()).or_default().push((role, id));
            users.push(DemoUser {
                username: user.username,
                role,
                networks: user.network_codes,
            });
        }
    }
    for (username, role, codes) in [
        (
            "analyst",
            Role::Analyst,
            networks.keys().cloned().collect::<Vec<_>>(),
        ),
        ("admin", Role::Administrator, Vec::new()),
    ] {
        let user = NewUser {
            username: username.into(),
            display_name: role.label().into(),
            role,
            organisation_code: "COORD".into(),
            password: DEMO_PASSWORD.into(),
            network_codes: codes.clone(),
        };
        insert_user(&mut tx, &user, &password).await?;
        users.push(DemoUser {
            username: username.into(),
            role,
            networks: codes,
        });
    }
    // People.
    let mut rows = Vec::with_capacity(borough.people.len());
    for p in &borough.people {
        let (score, reasons) = match &p.risk {
            Some((s, r)) => (Some(*s), r.join("\n")),
            None => (None, String::new()),
        };
        rows.push(vec![
            Cell::Int(person_id(p.id)?),
            Cell::Int(network_id(&p.network)?),
            Cell::Text(p.practice.clone()),
            Cell::Text(p.sex.clone()),
            Cell::Int(i64::from(p.birth_year)),
            Cell::Real(score),
            Cell::Text(reasons),
            Cell::OptText(score.map(|_| day_text(borough.scored_on))),
        ]);
    }
    bulk(
        &mut tx,
        "person",
        &[
            "id",
            "network_id",
            "practice_code",
            "sex",
            "birth_year",
            "risk_score",
            "risk_reasons",
            "scored_on",
        ],
        rows,
    )
    .await?;
    let mut rows = Vec::new();
    for c in &borough.case_finding {
        rows.push(vec![
            Cell::Int(network_id(&c.network)?),
            Cell::Text(day_text(borough.scored_on)),
            Cell::Int(c.rank as i64),
            Cell::Int(person_id(c.person_id)?),
            Cell::Real(Some(c.score)),
            Cell::Text(c.reasons.join("\n")),
        ]);
    }
    bulk(
        &mut tx,
        "case_finding",
        &[
            "network_id",
            "list_date",
            "list_rank",
            "person_id",
            "score",
            "reasons",
        ],
        rows,
    )
    .await?;
    let history = history(borough, &networks, &team_ids)?;
    let summary_counts = (
        history.meetings.len(),
        history.discussions.len(),
        history.actions.len(),
        history.care_plans.len(),
    );
    bulk(
        &mut tx,
        "meeting",
        &[
            "id",
            "network_id",
            "meeting_date",
            "start_time",
            "format",
            "venue",
            "status",
            "created_at",
        ],
        history.meetings,
    )
    .await?;
    bulk(
        &mut tx,
        "case_item",
        &[
            "id",
            "meeting_id",
            "person_id",
            "source",
            "follow_up",
            "list_position",
        ],
        history.case_items,
    )
    .await?;
    bulk(
        &mut tx,
        "discussion",
        &[
            "id",
            "case_item_id",
            "meeting_id",
            "person_id",
            "notes",
            "outcome",
            "follow_up_on",
            "recorded_at",
        ],
        history.discussions,
    )
    .await?;
    bulk(
        &mut tx,
        "mdt_action",
        &[
            "person_id",
            "discussion_id",
            "description",
            "owner_id",
            "due_on",
            "status",
            "version",
            "updated_at",
        ],
        history.actions,
    )
    .await?;
    bulk(
        &mut tx,
        "care_plan",
        &["person_id", "goals", "review_on", "version", "updated_at"],
        history.care_plans,
    )
    .await?;
    if store.backend() == Backend::Postgres {
        for table in ["meeting", "case_item", "discussion"] {
            sqlx::raw_sql(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    // Upcoming meetings on each network's cadence, with the whole team invited.
    let mut upcoming = 0;
    for (i, (code, id)) in networks.iter().enumerate() {
        let step = if i % 2 == 0 { 7 } else { 14 };
        let weekday = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ][i % 5];
        let mut day = today;
        while day.weekday() != weekday {
            day += Duration::days(1);
        }
        for k in 0..6 {
            let meeting: i64 = sqlx::query_scalar(
                "INSERT INTO meeting (network_id, meeting_date, start_time, format, venue, status, created_at)
                 VALUES ($1, $2, '13:00', $3, $4, 'scheduled', $5) RETURNING id",
            )
            .bind(*id)
            .bind(day_text(day + Duration::days(step * k)))
            .bind(if k % 2 == 0 { "in_person" } else { "hybrid" })
            .bind(format!("Network {code} health centre, meeting room 1"))
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await?;
            for (_, user) in team_ids.get(code).into_iter().flatten() {
                sqlx::query("INSERT INTO meeting_attendee (meeting_id, user_id) VALUES ($1, $2)")
                    .bind(meeting)
                    .bind(*user)
                    .execute(&mut *tx)
                    .await?;
            }
            upcoming += 1;
        }
    }
    // Two open referrals per network, from the GP, of people just below the case-finding
    // list, so that the referral route into a case list has something in it.
    for (code, id) in &networks {
        let gp = team_ids
            .get(code)
            .and_then(|t| t.iter().find(|(r, _)| *r == Role::Gp))
            .map(|(_, u)| *u);
        let below: Vec<&CaseFindingRow> = borough
            .case_finding
            .iter()
            .filter(|c| &c.network == code)
            .rev()
            .take(2)
            .collect();
        for c in below {
            let organisation: i64 =
                sqlx::query_scalar("SELECT organisation_id FROM app_user WHERE id = $1")
                    .bind(gp.unwrap_or(0))
                    .fetch_optional(&mut *tx)
                    .await?
                    .unwrap_or(
                        organisation_of_kind
                            .get("coordination")
                            .map_or(1, |(id, _)| *id),
                    );
            sqlx::query(
                "INSERT INTO referral (person_id, network_id, organisation_id, referred_by, source, reason, urgency, risk_score, risk_reasons, status, created_at)
                 VALUES ($1, $2, $3, $4, 'gp', $5, 'routine', $6, $7, 'open', $8)",
            )
            .bind(person_id(c.person_id)?)
            .bind(*id)
            .bind(organisation)
            .bind(gp)
            .bind("Two falls since the summer; lives alone and the family are worried.")
            .bind(c.score)
            .bind(c.reasons.join("\n"))
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(DemoSummary {
        users,
        people: borough.people.len(),
        meetings: summary_counts.0,
        discussions: summary_counts.1,
        actions: summary_counts.2,
        care_plans: summary_counts.3,
        upcoming_meetings: upcoming,
    })
}

/// Refuses a borough whose discussions or case-finding lists name people who are not in
/// its register, or a register that names a network it does not have, before anything is
/// written.
fn check_register(borough: &DemoBorough) -> Result<()> {
    let people: std::collections::HashSet<u64> = borough.people.iter().map(|p| p.id).collect();
    let networks: std::collections::HashSet<&str> =
        borough.networks.iter().map(|(c, _)| c.as_str()).collect();
    if let Some(d) = borough
        .discussions
        .iter()
        .find(|d| !people.contains(&d.person_id))
    {
        return Err(MdtError::Exchange(format!(
            "mdt_discussion: person {} (discussed {}) is not in the person register",
            d.person_id, d.meeting_date
        )));
    }
    if let Some(c) = borough
        .case_finding
        .iter()
        .find(|c| !people.contains(&c.person_id))
    {
        return Err(MdtError::Exchange(format!(
            "case finding of {}: person {} is not in the person register",
            c.network, c.person_id
        )));
    }
    if let Some(p) = borough
        .people
        .iter()
        .find(|p| !networks.contains(p.network.as_str()))
    {
        return Err(MdtError::Exchange(format!(
            "person {} belongs to network {}, which is not in the network table",
            p.id, p.network
        )));
    }
    Ok(())
}

struct History {
    meetings: Vec<Vec<Cell>>,
    case_items: Vec<Vec<Cell>>,
    discussions: Vec<Vec<Cell>>,
    actions: Vec<Vec<Cell>>,
    care_plans: Vec<Vec<Cell>>,
}

/// The dataset's discussions as meetings (one per network and date), case lists and
/// discussions; actions for the last three months; care plans for people seen twice.
fn history(
    borough: &DemoBorough,
    networks: &BTreeMap<String, i64>,
    teams: &HashMap<String, Vec<(Role, i64)>>,
) -> Result<History> {
    let mut rows: Vec<&DiscussionRow> = borough.discussions.iter().collect();
    rows.sort();
    let last_day = rows.last().map(|r| r.meeting_date);
    let mut dates_of: HashMap<u64, Vec<NaiveDate>> = HashMap::new();
    for r in &rows {
        dates_of
            .entry(r.person_id)
            .or_default()
            .push(r.meeting_date);
    }
    let mut history = History {
        meetings: Vec::new(),
        case_items: Vec::new(),
        discussions: Vec::new(),
        actions: Vec::new(),
        care_plans: Vec::new(),
    };
    let mut meeting_of: HashMap<(String, NaiveDate), (i64, i64)> = HashMap::new();
    let created = now_text();
    for (i, r) in rows.iter().enumerate() {
        let network = networks.get(&r.network_code).copied().ok_or_else(|| {
            MdtError::Exchange(format!(
                "mdt_discussion names network {}, which is not in the network table",
                r.network_code
            ))
        })?;
        let key = (r.network_code.clone(), r.meeting_date);
        let next_id = meeting_of.len() as i64 + 1;
        let (meeting, position) = meeting_of.entry(key).or_insert_with(|| {
            history.meetings.push(vec![
                Cell::Int(next_id),
                Cell::Int(network),
                Cell::Text(day_text(r.meeting_date)),
                Cell::Text("13:00".into()),
                Cell::Text("in_person".into()),
                Cell::Text(format!(
                    "Network {} health centre, meeting room 1",
                    r.network_code
                )),
                Cell::Text("held".into()),
                Cell::Text(created.clone()),
            ]);
            (next_id, 0)
        });
        *position += 1;
        let id = i as i64 + 1;
        let person = person_id(r.person_id)?;
        let dates = dates_of.get(&r.person_id).map_or(&[][..], Vec::as_slice);
        let earlier = dates.iter().filter(|d| **d < r.meeting_date).count();
        let next = dates.iter().find(|d| **d > r.meeting_date).copied();
        history.case_items.push(vec![
            Cell::Int(id),
            Cell::Int(*meeting),
            Cell::Int(person),
            Cell::Text(r.referral_source.clone()),
            Cell::Int(i64::from(earlier > 0)),
            Cell::Int(*position),
        ]);
        let outcome = if next.is_some() {
            "follow_up"
        } else if earlier == 0 {
            "actions_agreed"
        } else {
            "no_further_action"
        };
        history.discussions.push(vec![
            Cell::Int(id),
            Cell::Int(id),
            Cell::Int(*meeting),
            Cell::Int(person),
            Cell::Text("Imported from the borough's MDT history (synthetic demo data): no notes were recorded.".into()),
            Cell::Text(outcome.into()),
            Cell::OptText(next.map(day_text)),
            Cell::Text(created.clone()),
        ]);
        let team = teams.get(&r.network_code).map_or(&[][..], Vec::as_slice);
        if let (Some(last), false) = (last_day, team.is_empty())
            && r.meeting_date > last - Duration::days(90)
        {
            let owner = team[(r.person_id as usize + i) % team.len()].1;
            let due = r.meeting_date + Duration::days(28);
            history.actions.push(vec![
                Cell::Int(person),
                Cell::OptInt(Some(id)),
                Cell::Text(ACTIONS[(r.person_id as usize) % ACTIONS.len()].into()),
                Cell::Int(owner),
                Cell::Text(day_text(due)),
                Cell::Text(if due < last { "done" } else { "open" }.into()),
                Cell::Int(1),
                Cell::Text(created.clone()),
            ]);
        }
        if earlier == 1 {
            let first = (r.person_id as usize) % GOALS.len();
            let goals = [GOALS[first], GOALS[(first + 3) % GOALS.len()]].join("\n");
            history.care_plans.push(vec![
                Cell::Int(person),
                Cell::Text(goals),
                Cell::Text(day_text(r.meeting_date + Duration::days(182))),
                Cell::Int(1),
                Cell::Text(created.clone()),
            ]);
        }
    }
    Ok(history)
}
