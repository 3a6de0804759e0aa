//! A person's MDT record: who they are (pseudonymised), their risk score and its reasons,
//! every discussion, actions, care plan, referrals and navigator; and the writes to it.
//! Each function checks the actor's role and networks first and appends the audit entry
//! in the same transaction as its read or write.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::access::{Actor, Permission, Role};
use crate::audit::{Act, record};
use crate::columns::{Flag, Lines, from_row};
use crate::validate::{LONG_TEXT, Reader, SHORT_TEXT};
use crate::{FieldErrors, MdtError, Result, Store, now_text};

/// Who the person is, as far as the MDT needs to know.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonSummary {
    /// The person's pseudonymised id, as in the dataset.
    pub id: i64,
    /// The network the person's practice belongs to.
    pub network_id: i64,
    /// That network's code.
    pub network_code: String,
    /// The practice the person is registered with.
    pub practice_code: String,
    /// The person's sex, as the dataset codes it.
    pub sex: String,
    /// The year of birth (the MDT shows age, never the date of birth).
    pub birth_year: i64,
    /// The case-finding score, where the person was on a list.
    pub risk_score: Option<f64>,
    /// Why the score is high, one reason per entry.
    pub risk_reasons: Vec<String>,
    /// The date of the list that scored the person.
    pub scored_on: Option<String>,
    /// The person's navigator, if one is named.
    pub navigator: Option<Colleague>,
}

from_row!(PersonSummary |row| {
    id, network_id, network_code = "code", practice_code, sex, birth_year, risk_score,
    risk_reasons as Lines, scored_on, navigator => navigator(row)?,
});

/// The navigator of a person's row, whose user columns are left-joined.
fn navigator(row: &sqlx::any::AnyRow) -> Result<Option<Colleague>, sqlx::Error> {
    use sqlx::Row;
    Ok(match row.try_get::<Option<i64>, _>("navigator_id")? {
        Some(id) => Some(Colleague {
            id,
            display_name: row.try_get("display_name")?,
            role: row.try_get("role")?,
        }),
        None => None,
    })
}

impl PersonSummary {
    /// The person's age in whole years at the end of the year `day` falls in, as the
    /// MDT computes it from the year of birth.
    pub fn age_on(&self, day: NaiveDate) -> i64 {
        i64::from(day.year()) - self.birth_year
    }
}

/// A member of a network's team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Colleague {
    /// The user's id.
    pub id: i64,
    /// The name colleagues know them by.
    pub display_name: String,
    /// Their role's code (see [`Role`]).
    pub role: String,
}

from_row!(Colleague |row| { id, display_name, role });

/// One discussion of a person at a meeting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscussionRecord {
    /// The discussion's id.
    pub id: i64,
    /// The meeting it took place at.
    pub meeting_id: i64,
    /// That meeting's date (ISO 8601).
    pub meeting_date: String,
    /// Whether the person was on the list as a follow-up of an earlier discussion.
    pub follow_up: bool,
    /// How the person came onto the case list (referral, follow-up, case finding).
    pub source: String,
    /// The outcome's code (see [`crate::meetings::OUTCOMES`]).
    pub outcome: String,
    /// What was said, in the recorder's words.
    pub notes: String,
    /// When the person is to be discussed again, if they are.
    pub follow_up_on: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: String,
}

from_row!(DiscussionRecord |row| {
    id, meeting_id, meeting_date, follow_up as Flag, source, outcome, notes, follow_up_on,
    recorded_by, recorded_at,
});

/// An action agreed for a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRecord {
    /// The action's id.
    pub id: i64,
    /// The person it is for.
    pub person_id: i64,
    /// The person's network's code.
    pub network_code: String,
    /// What is to be done.
    pub description: String,
    /// The user who owns it.
    pub owner_id: i64,
    /// That user's name.
    pub owner: String,
    /// When it is due (ISO 8601).
    pub due_on: String,
    /// Its status's code (see [`ACTION_STATUSES`]).
    pub status: String,
    /// Its version, for optimistic locking.
    pub version: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// When it was changed last.
    pub updated_at: String,
    /// Open and past its due date on the day it was read.
    pub overdue: bool,
}

from_row!(ActionRecord |row| {
    id, person_id, network_code = "code", description, owner_id, owner, due_on, status,
    version, updated_by, updated_at, overdue => false,
});

/// A person's care plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarePlan {
    /// The person's goals in their own words, each an I-statement.
    pub goals: Vec<String>,
    /// When the plan is to be reviewed (ISO 8601).
    pub review_on: String,
    /// Its version, for optimistic locking.
    pub version: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// When it was changed last.
    pub updated_at: String,
}

from_row!(CarePlan |row| { goals as Lines, review_on, version, updated_by, updated_at });

/// A referral of a person to their network's MDT.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferralRecord {
    /// The referral's id.
    pub id: i64,
    /// When it was made.
    pub created_at: String,
    /// The referring organisation's name.
    pub organisation: String,
    /// The referrer's name.
    pub referred_by: String,
    /// Why, in the referrer's words.
    pub reason: String,
    /// How soon the person should be discussed.
    pub urgency: String,
    /// The person's case-finding score when referred.
    pub risk_score: Option<f64>,
    /// The score's reasons when referred.
    pub risk_reasons: Vec<String>,
    /// Open, listed for a meeting, or closed.
    pub status: String,
}

from_row!(ReferralRecord |row| {
    id, created_at, organisation, referred_by, reason, urgency, risk_score,
    risk_reasons as Lines, status,
});

/// Everything on a person's MDT page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRecord {
    /// Who the person is.
    pub person: PersonSummary,
    /// Every discussion, newest first.
    pub discussions: Vec<DiscussionRecord>,
    /// Every action, open ones first.
    pub actions: Vec<ActionRecord>,
    /// The care plan, once there is one.
    pub care_plan: Option<CarePlan>,
    /// Every referral, newest first.
    pub referrals: Vec<ReferralRecord>,
    /// The network's team: owners for actions.
    pub team: Vec<Colleague>,
}

/// Action statuses.
pub const ACTION_STATUSES: [(&str, &str); 3] = [
    ("open", "Open"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
];

/// The person, or `NotFound`.
pub(crate) async fn person(conn: &mut AnyConnection, id: i64) -> Result<PersonSummary> {
    sqlx::query_as(
        "SELECT p.id, p.network_id, n.code, p.practice_code, p.sex, p.birth_year, p.risk_score,
                p.risk_reasons, p.scored_on, p.navigator_id, u.display_name, u.role
         FROM person p JOIN network n ON n.id = p.network_id
         LEFT JOIN app_user u ON u.id = p.navigator_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| MdtError::NotFound(format!("no person {id} in the MDT register")))
}

/// The care team of a network: its members whose role works with people (owners of
/// actions, attendees, navigators); analysts and administrators are left out.
pub(crate) async fn team(conn: &mut AnyConnection, network_id: i64) -> Result<Vec<Colleague>> {
    let members: Vec<Colleague> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.role FROM network_member m JOIN app_user u ON u.id = m.user_id
         WHERE m.network_id = $1 AND u.active = 1 ORDER BY u.display_name",
    )
    .bind(network_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(members
        .into_iter()
        .filter(|c| Role::parse(&c.role).is_some_and(|r| r.may(Permission::ViewPeople)))
        .collect())
}

const ACTION_COLUMNS: &str =
    "a.id, a.person_id, n.code, a.description, a.owner_id, o.display_name AS owner,
    a.due_on, a.status, a.version, COALESCE(w.display_name, '') AS updated_by, a.updated_at
    FROM mdt_action a JOIN person p ON p.id = a.person_id JOIN network n ON n.id = p.network_id
    JOIN app_user o ON o.id = a.owner_id LEFT JOIN app_user w ON w.id = a.updated_by";

/// An action from a row of `ACTION_COLUMNS`, marked overdue as of `today` (ISO 8601).
pub(crate) fn action_record(r: &sqlx::any::AnyRow, today: &str) -> Result<ActionRecord> {
    let mut action = ActionRecord::from_row(r)?;
    action.overdue = action.status == "open" && action.due_on.as_str() < today;
    Ok(action)
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A person's whole MDT record.
pub async fn person_record(
    store: &Store,
    actor: &Actor,
    person_id: i64,
    today: NaiveDate,
) -> Result<PersonRecord> {
    let mut tx = store.begin().await?;
    let person = person(&mut tx, person_id).await?;
    actor.require_in(Permission::ViewPeople, person.network_id)?;
    let discussions = sqlx::query_as(&format!(
        "SELECT {DISCUSSION_COLUMNS} WHERE d.person_id = $1 ORDER BY m.meeting_date DESC, d.id DESC"
    ))
    .bind(person_id)
    .fetch_all(&mut *tx)
    .await?;
    let today_text = day_text(today);
    let actions = sqlx::query(&format!(
        "SELECT {ACTION_COLUMNS} WHERE a.person_id = $1 ORDER BY CASE WHEN a.status = 'open' THEN 0 ELSE 1 END, a.due_on, a.id"
    ))
    .bind(person_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| action_record(r, &today_text))
    .collect::<Result<Vec<_>>>()?;
    let care_plan = sqlx::query_as(
        "SELECT c.goals, c.review_on, c.version, COALESCE(u.display_name, '') AS updated_by, c.updated_at
         FROM care_plan c LEFT JOIN app_user u ON u.id = c.updated_by WHERE c.person_id = $1",
    )
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    let referrals = sqlx::query_as(
        "SELECT r.id, r.created_at, o.name AS organisation, COALESCE(u.display_name, '') AS referred_by,
                r.reason, r.urgency, r.risk_score, r.risk_reasons, r.status
         FROM referral r JOIN organisation o ON o.id = r.organisation_id
         LEFT JOIN app_user u ON u.id = r.referred_by WHERE r.person_id = $1 ORDER BY r.id DESC",
    )
    .bind(person_id)
    .fetch_all(&mut *tx)
    .await?;
    let team = team(&mut tx, person.network_id).await?;
    record(
        &mut tx,
        actor,
        Act::View,
        "person",
        &person_id.to_string(),
        &[person_id],
    )
    .await?;
    tx.commit().await?;
    Ok(PersonRecord {
        person,
        discussions,
        actions,
        care_plan,
        referrals,
        team,
    })
}

/// The columns a [`DiscussionRecord`] is read from, and the tables they come from.
pub(crate) const DISCUSSION_COLUMNS: &str = "d.id, d.meeting_id, m.meeting_date, c.follow_up, c.source, d.outcome, d.notes,
    d.follow_up_on, COALESCE(u.display_name, '') AS recorded_by, d.recorded_at
    FROM discussion d JOIN meeting m ON m.id = d.meeting_id JOIN case_item c ON c.id = d.case_item_id
    LEFT JOIN app_user u ON u.id = d.recorded_by";

/// A new or changed action, as read from its form.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionInput {
    /// What is to be done.
    pub description: String,
    /// The user who owns it.
    pub owner_id: i64,
    /// When it is due.
    pub due_on: NaiveDate,
    /// Its status's code (see [`ACTION_STATUSES`]).
    pub status: &'static str,
}

impl ActionInput {
    /// Reads the action's fields (`prefix` names them inside a larger form).
    pub(crate) fn read(reader: &mut Reader<'_>, prefix: &str) -> ActionInput {
        let field = |name: &str| format!("{prefix}{name}");
        let description = reader.text(&field("description"), "The action", SHORT_TEXT * 2);
        let owner_id = reader.id(&field("owner_id"), "The owner");
        let due_on = reader.date(&field("due_on"), "The due date");
        let status = if reader.raw(&field("status")).is_empty() {
            Some("open")
        } else {
            reader.choice(
                &field("status"),
                "The status",
                &ACTION_STATUSES.map(|(c, _)| (c, c)),
            )
        };
        ActionInput {
            description,
            owner_id,
            due_on,
            status: status.unwrap_or("open"),
        }
    }
}

/// Refuses an owner who is not in the person's network's team.
async fn check_owner(
    conn: &mut AnyConnection,
    network_id: i64,
    owner_id: i64,
    field: &str,
) -> Result<()> {
    if team(conn, network_id)
        .await?
        .iter()
        .any(|c| c.id == owner_id)
    {
        Ok(())
    } else {
        Err(MdtError::Invalid(FieldErrors::single(
            field,
            format!("user {owner_id} is not a member of this person's network"),
        )))
    }
}

pub(crate) async fn insert_action(
    conn: &mut AnyConnection,
    actor: &Actor,
    person: &PersonSummary,
    discussion_id: Option<i64>,
    input: &ActionInput,
    owner_field: &str,
) -> Result<i64> {
    check_owner(conn, person.network_id, input.owner_id, owner_field).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mdt_action (person_id, discussion_id, description, owner_id, due_on, status, version, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING id",
    )
    .bind(person.id)
    .bind(discussion_id)
    .bind(input.description.clone())
    .bind(input.owner_id)
    .bind(day_text(input.due_on))
    .bind(input.status)
    .bind(actor.user_id)
    .bind(now_text())
    .fetch_one(&mut *conn)
    .await?;
    record(
        conn,
        actor,
        Act::Create,
        "action",
        &id.to_string(),
        &[person.id],
    )
    .await?;
    Ok(id)
}

/// Adds an action to a person's record.
pub async fn add_action(
    store: &Store,
    actor: &Actor,
    person_id: i64,
    fields: &[(String, String)],
) -> Result<i64> {
    let mut reader = Reader::new(fields);
    let input = ActionInput::read(&mut reader, "");
    let mut tx = store.begin().await?;
    let person = person(&mut tx, person_id).await?;
    actor.require_in(Permission::EditCare, person.network_id)?;
    reader.finish()?;
    let id = insert_action(&mut tx, actor, &person, None, &input, "owner_id").await?;
    tx.commit().await?;
    Ok(id)
}

/// The version a form was opened at (a hidden field), for optimistic locking.
fn read_version(reader: &mut Reader<'_>) -> i64 {
    let raw = reader.raw("version");
    match raw.parse::<i64>() {
        Ok(v) if v >= 0 => v,
        _ => {
            reader.fail(
                "version",
                "the form is missing the version it was opened at: reload the page",
            );
            -1
        }
    }
}

/// Changes an action, provided nobody has changed it since the form was opened (the
/// form's `version`); otherwise nothing is saved and the user is told who changed it.
/// Returns the id of the person the action is for.
pub async fn update_action(
    store: &Store,
    actor: &Actor,
    action_id: i64,
    fields: &[(String, String)],
) -> Result<i64> {
    let mut reader = Reader::new(fields);
    let input = ActionInput::read(&mut reader, "");
    let version = read_version(&mut reader);
    let mut tx = store.begin().await?;
    let person_id: i64 = sqlx::query_scalar("SELECT person_id FROM mdt_action WHERE id = $1")
        .bind(action_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no action {action_id}")))?;
    let person = person(&mut tx, person_id).await?;
    actor.require_in(Permission::EditCare, person.network_id)?;
    reader.finish()?;
    check_owner(&mut tx, person.network_id, input.owner_id, "owner_id").await?;
    let changed = sqlx::query(
        "UPDATE mdt_action SET description = $1, owner_id = $2, due_on = $3, status = $4,
                version = version + 1, updated_by = $5, updated_at = $6
         WHERE id = $7 AND version = $8",
    )
    .bind(input.description.clone())
    .bind(input.owner_id)
    .bind(day_text(input.due_on))
    .bind(input.status)
    .bind(actor.user_id)
    .bind(now_text())
    .bind(action_id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let (who, when) = last_change(&mut tx, "mdt_action", "id", action_id).await?;
        return Err(MdtError::Conflict(format!(
            "{who} changed this action at {when}, after you opened it. Your changes were not saved: \
             reload the page to see theirs, then make yours again."
        )));
    }
    record(
        &mut tx,
        actor,
        Act::Update,
        "action",
        &action_id.to_string(),
        &[person.id],
    )
    .await?;
    tx.commit().await?;
    Ok(person.id)
}

async fn last_change(
    conn: &mut AnyConnection,
    table: &str,
    key: &str,
    id: i64,
) -> Result<(String, String)> {
    let change = sqlx::query_as(&format!(
        "SELECT COALESCE(u.display_name, 'someone') AS who, t.updated_at FROM {table} t
         LEFT JOIN app_user u ON u.id = t.updated_by WHERE t.{key} = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(change.unwrap_or_else(|| ("someone".into(), "a moment ago".into())))
}

/// The most goals a care plan holds.
pub const MAX_GOALS: usize = 20;

/// Saves a person's care plan: their goals, each an I-statement in their own words (one
/// per line), and the date to review it. `version` 0 creates the plan; otherwise it must
/// be the version the form was opened at.
pub async fn save_care_plan(
    store: &Store,
    actor: &Actor,
    person_id: i64,
    fields: &[(String, String)],
    today: NaiveDate,
) -> Result<i64> {
    let mut reader = Reader::new(fields);
    let text = reader.text("goals", "At least one goal", LONG_TEXT);
    let goals = Lines::split(&text);
    if goals.len() > MAX_GOALS {
        reader.fail(
            "goals",
            format!("{} goals; the most is {MAX_GOALS}", goals.len()),
        );
    }
    for (i, goal) in goals.iter().enumerate() {
        if !(goal.starts_with("I ") || goal.starts_with("I'") || goal.starts_with("I’")) {
            reader.fail(
                "goals",
                format!(
                    "goal {} ({goal:?}) is not an I-statement: write it in the person's own words, starting with \"I\"",
                    i + 1
                ),
            );
        }
    }
    let review_on = reader.date("review_on", "The review date");
    if review_on != NaiveDate::MIN && review_on < today {
        reader.fail("review_on", "The review date is in the past");
    }
    let version = read_version(&mut reader);
    let mut tx = store.begin().await?;
    let person = person(&mut tx, person_id).await?;
    actor.require_in(Permission::EditCare, person.network_id)?;
    reader.finish()?;
    let goals_text = goals.join("\n");
    let now = now_text();
    let changed = if version == 0 {
        // Inserting where a plan already exists is the same lost update as a stale version.
        let exists = sqlx::query("SELECT person_id FROM care_plan WHERE person_id = $1")
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists {
            0
        } else {
            sqlx::query(
                "INSERT INTO care_plan (person_id, goals, review_on, version, updated_by, updated_at) VALUES ($1, $2, $3, 1, $4, $5)",
            )
            .bind(person_id)
            .bind(goals_text)
            .bind(day_text(review_on))
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
    } else {
        sqlx::query(
            "UPDATE care_plan SET goals = $1, review_on = $2, version = version + 1, updated_by = $3, updated_at = $4
             WHERE person_id = $5 AND version = $6",
        )
        .bind(goals_text)
        .bind(day_text(review_on))
        .bind(actor.user_id)
        .bind(now)
        .bind(person_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    if changed == 0 {
        let (who, when) = last_change(&mut tx, "care_plan", "person_id", person_id).await?;
        return Err(MdtError::Conflict(format!(
            "{who} changed this care plan at {when}, after you opened it. Your changes were not saved: \
             reload the page to see theirs, then make yours again."
        )));
    }
    let act = if version == 0 {
        Act::Create
    } else {
        Act::Update
    };
    record(
        &mut tx,
        actor,
        act,
        "care_plan",
        &person_id.to_string(),
        &[person_id],
    )
    .await?;
    tx.commit().await?;
    Ok(version + 1)
}

/// Makes a navigator of the person's network their navigator.
pub async fn assign_navigator(
    store: &Store,
    actor: &Actor,
    person_id: i64,
    fields: &[(String, String)],
) -> Result<()> {
    let mut reader = Reader::new(fields);
    let navigator = reader.id("navigator_id", "The navigator");
    let mut tx = store.begin().await?;
    let person = person(&mut tx, person_id).await?;
    actor.require_in(Permission::AssignNavigators, person.network_id)?;
    reader.finish()?;
    let team = team(&mut tx, person.network_id).await?;
    if !team
        .iter()
        .any(|c| c.id == navigator && c.role == Role::Navigator.code())
    {
        return Err(MdtError::Invalid(FieldErrors::single(
            "navigator_id",
            format!("user {navigator} is not a navigator of this person's network"),
        )));
    }
    sqlx::query("UPDATE person SET navigator_id = $1 WHERE id = $2")
        .bind(navigator)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        Act::Update,
        "navigator",
        &person_id.to_string(),
        &[person_id],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How soon a referred person should be discussed: each urgency's code and label.
pub const URGENCIES: [(&str, &str); 2] = [("routine", "Routine"), ("urgent", "Urgent")];

/// The referral source recorded for a referring organisation's kind (the vocabulary of
/// `mdt_discussion.referral_source`).
pub fn referral_source(organisation_kind: &str) -> &'static str {
    match organisation_kind {
        "gp_practice" => "gp",
        "community_health" => "community_matron",
        "social_care" => "social_care",
        "mental_health" => "mental_health",
        "acute" => "acute_discharge",
        "voluntary_sector" => "voluntary_sector",
        _ => "network_coordination",
    }
}

/// Refers a person to their network's MDT, from the referrer's organisation, with the
/// person's risk score and its reasons as they are now.
pub async fn refer(store: &Store, actor: &Actor, fields: &[(String, String)]) -> Result<i64> {
    let mut reader = Reader::new(fields);
    let person_id = reader.id("person_id", "The person's id");
    let reason = reader.text("reason", "The reason", LONG_TEXT);
    let urgency = reader.choice("urgency", "The urgency", &URGENCIES.map(|(c, _)| (c, c)));
    actor.require(Permission::Refer)?;
    let mut tx = store.begin().await?;
    let person = if person_id > 0 {
        match person(&mut tx, person_id).await {
            Ok(p) => Some(p),
            Err(MdtError::NotFound(message)) => {
                reader.fail("person_id", message);
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    if let Some(p) = &person {
        actor.require_in(Permission::Refer, p.network_id)?;
    }
    reader.finish()?;
    let (Some(person), Some(urgency)) = (person, urgency) else {
        return Err(MdtError::Invalid(FieldErrors::single(
            "person_id",
            "The person's id is required",
        )));
    };
    let (organisation_id, kind): (i64, String) = sqlx::query_as(
        "SELECT o.id, o.kind FROM app_user u JOIN organisation o ON o.id = u.organisation_id WHERE u.id = $1",
    )
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await?;
    // Not cached: a person without a score binds a missing DOUBLE PRECISION, which sqlx's Any
    // driver declares as a 4-byte float on PostgreSQL (see demo.rs).
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO referral (person_id, network_id, organisation_id, referred_by, source, reason, urgency, risk_score, risk_reasons, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10) RETURNING id",
    )
    .persistent(false)
    .bind(person.id)
    .bind(person.network_id)
    .bind(organisation_id)
    .bind(actor.user_id)
    .bind(referral_source(&kind))
    .bind(reason)
    .bind(urgency)
    .bind(person.risk_score)
    .bind(person.risk_reasons.join("\n"))
    .bind(now_text())
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        actor,
        Act::Create,
        "referral",
        &id.to_string(),
        &[person.id],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Open actions of the people in the actor's networks, overdue first, then by due date.
pub async fn action_tracker(
    store: &Store,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<ActionRecord>> {
    actor.require(Permission::ViewPeople)?;
    let today_text = day_text(today);
    let mut tx = store.begin().await?;
    let mut actions = Vec::new();
    for network in &actor.networks {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} WHERE p.network_id = $1 AND a.status = 'open' ORDER BY a.due_on, a.id"
        ))
        .bind(*network)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            actions.push(action_record(row, &today_text)?);
        }
    }
    actions.sort_by(|a, b| (!a.overdue, &a.due_on, a.id).cmp(&(!b.overdue, &b.due_on, b.id)));
    let mut people: Vec<i64> = actions.iter().map(|a| a.person_id).collect();
    people.sort_unstable();
    people.dedup();
    record(&mut tx, actor, Act::View, "action_tracker", "open", &people).await?;
    tx.commit().await?;
    Ok(actions)
}

/// The team of a person's network, for a form about them, after checking that the actor
/// may use that form. Nothing of the person's record is read, so nothing is audited.
pub async fn person_team(
    store: &Store,
    actor: &Actor,
    person_id: i64,
    permission: Permission,
) -> Result<Vec<Colleague>> {
    let mut conn = store.pool().acquire().await?;
    let network: i64 = sqlx::query_scalar("SELECT network_id FROM person WHERE id = $1")
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no person {person_id} in the MDT register")))?;
    actor.require_in(permission, network)?;
    team(&mut conn, network).await
}

/// The person an action belongs to, and their network's team, for the action's form.
pub async fn action_team(
    store: &Store,
    actor: &Actor,
    action_id: i64,
) -> Result<(i64, Vec<Colleague>)> {
    let person_id: i64 = sqlx::query_scalar("SELECT person_id FROM mdt_action WHERE id = $1")
        .bind(action_id)
        .fetch_optional(store.pool())
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no action {action_id}")))?;
    Ok((
        person_id,
        person_team(store, actor, person_id, Permission::EditCare).await?,
    ))
}
