//! Networks and their meetings: the networks a user belongs to, scheduling (one meeting
//! or a series), a meeting's case list drawn from referrals, follow-ups due and the
//! case-finding list, and recording what was discussed and agreed.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::access::{Actor, Permission};
use crate::audit::{Act, record};
use crate::columns::{Flag, Lines, from_row};
use crate::people::{
    ActionInput, Colleague, DISCUSSION_COLUMNS, DiscussionRecord, insert_action, person, team,
};
use crate::validate::{LONG_TEXT, Reader, SHORT_TEXT};
use crate::{FieldErrors, MdtError, Result, Store, now_text};

/// How a meeting is held: each format's code and label.
pub const FORMATS: [(&str, &str); 3] = [
    ("in_person", "In person"),
    ("virtual", "Virtual"),
    ("hybrid", "Hybrid"),
];

/// How often a scheduled series repeats: each choice's code and label.
pub const REPEATS: [(&str, &str); 3] = [
    ("once", "Once"),
    ("weekly", "Weekly"),
    ("fortnightly", "Fortnightly"),
];

/// What the MDT agreed for a person.
pub const OUTCOMES: [(&str, &str); 5] = [
    ("actions_agreed", "Actions agreed"),
    ("care_plan_agreed", "Care plan agreed"),
    ("follow_up", "Bring back to a later meeting"),
    ("signposted", "Signposted to another service"),
    ("no_further_action", "No further MDT input needed"),
];

/// The most meetings one scheduling creates.
pub const MAX_OCCURRENCES: i64 = 26;

/// An integrated network: a group of practices and the services around them, with one
/// MDT.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    /// The network's id.
    pub id: i64,
    /// Its code, as in the dataset.
    pub code: String,
    /// Its name.
    pub name: String,
    /// How often its MDT meets (weekly, fortnightly).
    pub cadence: String,
    /// Where it usually meets.
    pub venue: String,
}

from_row!(Network |row| { id, code, name, cadence, venue });

/// A meeting, with how many people are on its list and how many were discussed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingSummary {
    /// The meeting's id.
    pub id: i64,
    /// The network whose MDT it is.
    pub network_id: i64,
    /// That network's code.
    pub network_code: String,
    /// That network's name.
    pub network_name: String,
    /// The day (ISO 8601).
    pub meeting_date: String,
    /// The start time (HH:MM).
    pub start_time: String,
    /// The format's code (see [`FORMATS`]).
    pub format: String,
    /// Where it is held.
    pub venue: String,
    /// Scheduled, held or cancelled.
    pub status: String,
    /// People on its case list.
    pub cases: i64,
    /// Of those, people discussed.
    pub discussed: i64,
}

from_row!(MeetingSummary |row| {
    id, network_id, network_code = "code", network_name = "name", meeting_date, start_time,
    format, venue, status, cases, discussed,
});

/// A network as the "my networks" page shows it: aggregates only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkCard {
    /// The network.
    pub network: Network,
    /// Its team's size.
    pub members: i64,
    /// Its next scheduled meeting.
    pub next_meeting: Option<MeetingSummary>,
    /// Referrals not yet listed for a meeting.
    pub open_referrals: i64,
    /// Actions still open.
    pub open_actions: i64,
    /// Of those, actions past their due date.
    pub overdue_actions: i64,
}

/// One person on a meeting's case list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    /// The case-list entry's id.
    pub item_id: i64,
    /// The person.
    pub person_id: i64,
    /// How they came onto the list (referral, follow-up, case finding).
    pub source: String,
    /// Whether they were discussed before.
    pub follow_up: bool,
    /// Their practice.
    pub practice_code: String,
    /// Their age this year.
    pub age: i64,
    /// Their sex.
    pub sex: String,
    /// Their case-finding score.
    pub risk_score: Option<f64>,
    /// Why they are on the list: the referral's reasons, else the score's.
    pub reasons: Vec<String>,
    /// What was discussed, once it has been.
    pub discussion: Option<DiscussionRecord>,
}

from_row!(CaseRow |row| {
    item_id, person_id, source, follow_up as Flag, practice_code, age, sex, risk_score,
    reasons as Lines, discussion => None,
});

/// Someone who could be added to the case list, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The person.
    pub person_id: i64,
    /// The referral's id, for referrals.
    pub referral_id: Option<i64>,
    /// Why they are offered, in a sentence.
    pub why: String,
    /// Their case-finding score.
    pub risk_score: Option<f64>,
    /// The score's reasons.
    pub reasons: Vec<String>,
}

from_row!(Candidate |row| { person_id, referral_id, why, risk_score, reasons as Lines });

/// A meeting's page: the meeting, who attends, its case list and who could join it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingView {
    /// The meeting.
    pub meeting: MeetingSummary,
    /// Who attends.
    pub attendees: Vec<Colleague>,
    /// The network's team.
    pub team: Vec<Colleague>,
    /// The case list, in order.
    pub cases: Vec<CaseRow>,
    /// Open referrals not on the list.
    pub referrals: Vec<Candidate>,
    /// Follow-ups due and not on the list.
    pub follow_ups: Vec<Candidate>,
    /// The top of the case-finding list, less anyone listed.
    pub case_finding: Vec<Candidate>,
    /// The date of the case-finding list offered.
    pub case_finding_date: Option<String>,
}

pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The network with this code.
pub async fn network(store: &Store, code: &str) -> Result<Network> {
    sqlx::query_as("SELECT id, code, name, cadence, venue FROM network WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(store.pool())
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no network {code}")))
}

const MEETING_COLUMNS: &str =
    "m.id, m.network_id, n.code, n.name, m.meeting_date, m.start_time, m.format, m.venue, m.status,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM case_item c WHERE c.meeting_id = m.id) AS cases,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM discussion d WHERE d.meeting_id = m.id) AS discussed
    FROM meeting m JOIN network n ON n.id = m.network_id";

/// A count over one network's rows; `today` binds `$2` where the query has it.
async fn count(
    conn: &mut AnyConnection,
    sql: &str,
    network: i64,
    today: Option<&str>,
) -> Result<i64> {
    let mut query = sqlx::query_scalar(sql).bind(network);
    if let Some(today) = today {
        query = query.bind(today.to_string());
    }
    Ok(query.fetch_one(&mut *conn).await?)
}

/// The actor's networks with their next meeting and open work, in aggregate.
pub async fn my_networks(
    store: &Store,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<NetworkCard>> {
    let today = day_text(today);
    let mut conn = store.pool().acquire().await?;
    let mut cards = Vec::new();
    for id in &actor.networks {
        let network =
            sqlx::query_as("SELECT id, code, name, cadence, venue FROM network WHERE id = $1")
                .bind(*id)
                .fetch_one(&mut *conn)
                .await?;
        let next_meeting = sqlx::query_as(&format!(
            "SELECT {MEETING_COLUMNS} WHERE m.network_id = $1 AND m.meeting_date >= $2 AND m.status = 'scheduled'
             ORDER BY m.meeting_date, m.start_time LIMIT 1"
        ))
        .bind(*id)
        .bind(today.clone())
        .fetch_optional(&mut *conn)
        .await?;
        cards.push(NetworkCard {
            members: count(&mut conn, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM network_member WHERE network_id = $1", *id, None).await?,
            open_referrals: count(&mut conn, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM referral WHERE network_id = $1 AND status = 'open'", *id, None).await?,
            open_actions: count(&mut conn, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM mdt_action a JOIN person p ON p.id = a.person_id WHERE p.network_id = $1 AND a.status = 'open'", *id, None).await?,
            overdue_actions: count(&mut conn, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM mdt_action a JOIN person p ON p.id = a.person_id WHERE p.network_id = $1 AND a.status = 'open' AND a.due_on < $2", *id, Some(&today)).await?,
            network,
            next_meeting,
        });
    }
    Ok(cards)
}

/// A network's meetings from `from` on (upcoming) or before it (past), nearest first.
pub async fn meetings(
    store: &Store,
    actor: &Actor,
    network_id: i64,
    from: NaiveDate,
    upcoming: bool,
    limit: i64,
) -> Result<Vec<MeetingSummary>> {
    actor.require_in(Permission::ViewActivity, network_id)?;
    let sql = if upcoming {
        format!(
            "SELECT {MEETING_COLUMNS} WHERE m.network_id = $1 AND m.meeting_date >= $2 ORDER BY m.meeting_date, m.start_time LIMIT $3"
        )
    } else {
        format!(
            "SELECT {MEETING_COLUMNS} WHERE m.network_id = $1 AND m.meeting_date < $2 ORDER BY m.meeting_date DESC, m.start_time DESC LIMIT $3"
        )
    };
    Ok(sqlx::query_as(&sql)
        .bind(network_id)
        .bind(day_text(from))
        .bind(limit)
        .fetch_all(store.pool())
        .await?)
}

/// Schedules a meeting, or a weekly or fortnightly series of them, with attendees from the
/// network's team. Returns the new meetings' ids.
pub async fn schedule(
    store: &Store,
    actor: &Actor,
    network_code: &str,
    fields: &[(String, String)],
    today: NaiveDate,
) -> Result<Vec<i64>> {
    let network = network(store, network_code).await?;
    actor.require_in(Permission::ManageMeetings, network.id)?;
    let mut reader = Reader::new(fields);
    let date = reader.date("meeting_date", "The date");
    if date != NaiveDate::MIN && date < today {
        reader.fail("meeting_date", "The date is in the past");
    }
    let time = reader.time("start_time", "The start time");
    let format = reader.choice("format", "The format", &FORMATS.map(|(c, _)| (c, c)));
    let venue = reader.text(
        "venue",
        "The venue (or the link for virtual meetings)",
        SHORT_TEXT,
    );
    let repeat = reader.choice("repeat", "How often", &REPEATS.map(|(c, _)| (c, c)));
    let occurrences = match reader.raw("occurrences") {
        "" => 1,
        text => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_OCCURRENCES).contains(&n) => n,
            _ => {
                reader.fail(
                    "occurrences",
                    format!("The number of meetings {text:?} must be a whole number from 1 to {MAX_OCCURRENCES}"),
                );
                1
            }
        },
    };
    let attendees: Vec<i64> = reader
        .all("attendee")
        .iter()
        .filter_map(|a| a.parse::<i64>().ok())
        .collect();
    if reader.all("attendee").len() != attendees.len() {
        reader.fail("attendee", "An attendee is not a valid user id");
    }
    let mut tx = store.begin().await?;
    let team = team(&mut tx, network.id).await?;
    for a in &attendees {
        if !team.iter().any(|c| c.id == *a) {
            reader.fail(
                "attendee",
                format!("user {a} is not a member of network {network_code}"),
            );
        }
    }
    reader.finish()?;
    let step = match repeat {
        Some("weekly") => 7,
        Some("fortnightly") => 14,
        _ => 0,
    };
    let count = if step == 0 { 1 } else { occurrences };
    let mut ids = Vec::new();
    for i in 0..count {
        let day = date + Duration::days(step * i);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO meeting (network_id, meeting_date, start_time, format, venue, status, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7) RETURNING id",
        )
        .bind(network.id)
        .bind(day_text(day))
        .bind(time.format("%H:%M").to_string())
        .bind(format.unwrap_or("in_person"))
        .bind(venue.clone())
        .bind(actor.user_id)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        for a in &attendees {
            sqlx::query("INSERT INTO meeting_attendee (meeting_id, user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*a)
                .execute(&mut *tx)
                .await?;
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

async fn meeting_summary(conn: &mut AnyConnection, id: i64) -> Result<MeetingSummary> {
    sqlx::query_as(&format!("SELECT {MEETING_COLUMNS} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no meeting {id}")))
}

/// How many case-finding candidates a meeting page offers.
pub const CANDIDATES_OFFERED: i64 = 25;

/// A meeting with its case list and the people who could be added to it.
pub async fn meeting_view(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
    today: NaiveDate,
) -> Result<MeetingView> {
    let mut tx = store.begin().await?;
    let meeting = meeting_summary(&mut tx, meeting_id).await?;
    actor.require_in(Permission::ViewPeople, meeting.network_id)?;
    let year = i64::from(chrono::Datelike::year(&today));
    let mut cases: Vec<CaseRow> = sqlx::query_as(
        "SELECT c.id AS item_id, c.person_id, c.source, c.follow_up, p.practice_code,
                $2 - p.birth_year AS age, p.sex, p.risk_score,
                COALESCE(NULLIF(r.risk_reasons, ''), p.risk_reasons) AS reasons
         FROM case_item c JOIN person p ON p.id = c.person_id LEFT JOIN referral r ON r.id = c.referral_id
         WHERE c.meeting_id = $1 ORDER BY c.list_position, c.id",
    )
    .bind(meeting_id)
    .bind(year)
    .fetch_all(&mut *tx)
    .await?;
    for case in &mut cases {
        case.discussion = sqlx::query_as(&format!(
            "SELECT {DISCUSSION_COLUMNS} WHERE d.case_item_id = $1"
        ))
        .bind(case.item_id)
        .fetch_optional(&mut *tx)
        .await?;
    }
    let listed: Vec<i64> = cases.iter().map(|c| c.person_id).collect();
    let referrals = sqlx::query_as::<_, Candidate>(
        "SELECT r.person_id, r.id AS referral_id,
                r.urgency || ' referral from ' || o.name || ': ' || r.reason AS why,
                r.risk_score, r.risk_reasons AS reasons
         FROM referral r JOIN organisation o ON o.id = r.organisation_id
         WHERE r.network_id = $1 AND r.status = 'open'
         ORDER BY CASE WHEN r.urgency = 'urgent' THEN 0 ELSE 1 END, r.id",
    )
    .bind(meeting.network_id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .filter(|c| !listed.contains(&c.person_id))
    .collect::<Vec<_>>();
    let follow_ups = follow_ups_due(&mut tx, meeting.network_id, &meeting.meeting_date)
        .await?
        .into_iter()
        .filter(|c| !listed.contains(&c.person_id))
        .collect::<Vec<_>>();
    let (case_finding_date, case_finding) =
        case_finding(&mut tx, meeting.network_id, &listed).await?;
    let attendees = sqlx::query_as(
        "SELECT u.id, u.display_name, u.role FROM meeting_attendee a JOIN app_user u ON u.id = a.user_id
         WHERE a.meeting_id = $1 ORDER BY u.display_name",
    )
    .bind(meeting_id)
    .fetch_all(&mut *tx)
    .await?;
    let team = team(&mut tx, meeting.network_id).await?;
    let mut shown: Vec<i64> = listed.clone();
    shown.extend(referrals.iter().map(|c| c.person_id));
    shown.extend(follow_ups.iter().map(|c| c.person_id));
    shown.extend(case_finding.iter().map(|c| c.person_id));
    shown.sort_unstable();
    shown.dedup();
    record(
        &mut tx,
        actor,
        Act::View,
        "meeting",
        &meeting_id.to_string(),
        &shown,
    )
    .await?;
    tx.commit().await?;
    Ok(MeetingView {
        meeting,
        attendees,
        team,
        cases,
        referrals,
        follow_ups,
        case_finding,
        case_finding_date,
    })
}

/// People whose last discussion asked to bring them back by `date`, and who have not been
/// listed since.
async fn follow_ups_due(
    conn: &mut AnyConnection,
    network_id: i64,
    date: &str,
) -> Result<Vec<Candidate>> {
    Ok(sqlx::query_as(
        "SELECT d.person_id, CAST(NULL AS BIGINT) AS referral_id, 'follow-up due ' || d.follow_up_on AS why,
                p.risk_score, p.risk_reasons AS reasons FROM discussion d
         JOIN person p ON p.id = d.person_id JOIN meeting m ON m.id = d.meeting_id
         WHERE m.network_id = $1 AND d.follow_up_on IS NOT NULL AND d.follow_up_on <= $2
           AND NOT EXISTS (SELECT 1 FROM case_item c2 JOIN meeting m2 ON m2.id = c2.meeting_id
                           WHERE c2.person_id = d.person_id AND m2.meeting_date > m.meeting_date)
         ORDER BY d.follow_up_on, d.person_id",
    )
    .bind(network_id)
    .bind(date.to_string())
    .fetch_all(&mut *conn)
    .await?)
}

/// The network's latest case-finding list, highest risk first, less anyone listed.
async fn case_finding(
    conn: &mut AnyConnection,
    network_id: i64,
    listed: &[i64],
) -> Result<(Option<String>, Vec<Candidate>)> {
    let date: Option<String> =
        sqlx::query_scalar("SELECT MAX(list_date) AS d FROM case_finding WHERE network_id = $1")
            .bind(network_id)
            .fetch_one(&mut *conn)
            .await?;
    let Some(date) = date else {
        return Ok((None, Vec::new()));
    };
    let mut candidates: Vec<Candidate> = sqlx::query_as::<_, Candidate>(
        "SELECT person_id, CAST(NULL AS BIGINT) AS referral_id,
                'case finding: rank ' || CAST(list_rank AS TEXT) || ' on ' || list_date AS why,
                score AS risk_score, reasons
         FROM case_finding WHERE network_id = $1 AND list_date = $2 ORDER BY list_rank LIMIT $3",
    )
    .bind(network_id)
    .bind(date.clone())
    .bind(CANDIDATES_OFFERED + listed.len() as i64)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .filter(|c| !listed.contains(&c.person_id))
    .collect();
    candidates.truncate(CANDIDATES_OFFERED as usize);
    Ok((Some(date), candidates))
}

/// Adds the ticked people to a meeting's case list: `referral` (referral ids),
/// `follow_up` and `candidate` (person ids, from the follow-ups due and the case-finding
/// list). Returns how many were added.
pub async fn add_cases(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
    fields: &[(String, String)],
) -> Result<usize> {
    let mut tx = store.begin().await?;
    let meeting = meeting_summary(&mut tx, meeting_id).await?;
    actor.require_in(Permission::ManageMeetings, meeting.network_id)?;
    let mut reader = Reader::new(fields);
    if meeting.status != "scheduled" {
        reader.fail(
            "meeting",
            format!("the meeting is {}: its case list is closed", meeting.status),
        );
    }
    let mut additions: Vec<(i64, &'static str, Option<i64>)> = Vec::new();
    for text in reader.all("referral") {
        let Ok(id) = text.parse::<i64>() else {
            reader.fail("referral", format!("{text:?} is not a referral id"));
            continue;
        };
        let referral: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT person_id, network_id, status FROM referral WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match referral {
            Some((person_id, network_id, status))
                if network_id == meeting.network_id && status == "open" =>
            {
                additions.push((person_id, "referral", Some(id)));
            }
            Some(_) => reader.fail(
                "referral",
                format!("referral {id} is not an open referral to this network"),
            ),
            None => reader.fail("referral", format!("no referral {id}")),
        }
    }
    for (field, source) in [("follow_up", "follow_up"), ("candidate", "case_finding")] {
        for text in reader.all(field) {
            let Ok(id) = text.parse::<i64>() else {
                reader.fail(field, format!("{text:?} is not a person id"));
                continue;
            };
            match person(&mut tx, id).await {
                Ok(p) if p.network_id == meeting.network_id => additions.push((id, source, None)),
                Ok(_) => reader.fail(
                    field,
                    format!("person {id} is not in this meeting's network"),
                ),
                Err(MdtError::NotFound(message)) => reader.fail(field, message),
                Err(e) => return Err(e),
            }
        }
    }
    if additions.is_empty()
        && reader.all("referral").is_empty()
        && reader.all("candidate").is_empty()
        && reader.all("follow_up").is_empty()
    {
        reader.fail("candidate", "Tick at least one person to add");
    }
    reader.finish()?;
    let mut position: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(list_position), 0) AS BIGINT) AS n FROM case_item WHERE meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&mut *tx)
        .await?;
    let mut added = Vec::new();
    for (person_id, source, referral) in additions {
        if added.contains(&person_id) {
            continue;
        }
        let already =
            sqlx::query("SELECT id FROM case_item WHERE meeting_id = $1 AND person_id = $2")
                .bind(meeting_id)
                .bind(person_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if already {
            return Err(MdtError::Invalid(FieldErrors::single(
                "candidate",
                format!("person {person_id} is already on this meeting's case list"),
            )));
        }
        let seen_before: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM discussion WHERE person_id = $1",
        )
        .bind(person_id)
        .fetch_one(&mut *tx)
        .await?;
        position += 1;
        let item: i64 = sqlx::query_scalar(
            "INSERT INTO case_item (meeting_id, person_id, source, referral_id, follow_up, list_position)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(meeting_id)
        .bind(person_id)
        .bind(source)
        .bind(referral)
        .bind(i64::from(seen_before > 0))
        .bind(position)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(referral) = referral {
            sqlx::query("UPDATE referral SET status = 'listed' WHERE id = $1")
                .bind(referral)
                .execute(&mut *tx)
                .await?;
        }
        record(
            &mut tx,
            actor,
            Act::Create,
            "case_item",
            &item.to_string(),
            &[person_id],
        )
        .await?;
        added.push(person_id);
    }
    tx.commit().await?;
    Ok(added.len())
}

/// Records what the meeting discussed and agreed for one person on its case list, with
/// an action if one was agreed: all of it, or nothing. Returns the meeting's id.
pub async fn record_discussion(
    store: &Store,
    actor: &Actor,
    item_id: i64,
    fields: &[(String, String)],
) -> Result<i64> {
    let mut tx = store.begin().await?;
    let (meeting_id, person_id) = case_item(&mut tx, item_id).await?;
    let person = person(&mut tx, person_id).await?;
    let meeting = meeting_summary(&mut tx, meeting_id).await?;
    actor.require_in(Permission::RecordDiscussions, meeting.network_id)?;
    let mut reader = Reader::new(fields);
    let notes = reader.text("notes", "The discussion notes", LONG_TEXT);
    let outcome = reader.choice("outcome", "The outcome", &OUTCOMES.map(|(c, _)| (c, c)));
    let follow_up_on = reader.optional_date("follow_up_on", "The follow-up date");
    if outcome == Some("follow_up")
        && follow_up_on.is_none()
        && reader.raw("follow_up_on").is_empty()
    {
        reader.fail("follow_up_on", "Say when to bring the person back");
    }
    if let Some(day) = follow_up_on
        && day_text(day) <= meeting.meeting_date
    {
        reader.fail(
            "follow_up_on",
            "The follow-up date must be after the meeting",
        );
    }
    let action = if reader.raw("action_description").is_empty() {
        None
    } else {
        Some(ActionInput::read(&mut reader, "action_"))
    };
    let recorded_by: Option<String> = sqlx::query_scalar("SELECT COALESCE(u.display_name, 'someone') AS who FROM discussion d LEFT JOIN app_user u ON u.id = d.recorded_by WHERE d.case_item_id = $1")
        .bind(item_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(who) = recorded_by {
        return Err(MdtError::Conflict(format!(
            "{who} has already recorded this discussion; nothing was saved. Add to it with an action on the person's page."
        )));
    }
    reader.finish()?;
    let discussion: i64 = sqlx::query_scalar(
        "INSERT INTO discussion (case_item_id, meeting_id, person_id, notes, outcome, follow_up_on, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(item_id)
    .bind(meeting_id)
    .bind(person.id)
    .bind(notes)
    .bind(outcome.unwrap_or("actions_agreed"))
    .bind(follow_up_on.map(day_text))
    .bind(actor.user_id)
    .bind(now_text())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE meeting SET status = 'held' WHERE id = $1 AND status = 'scheduled'")
        .bind(meeting_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        Act::Create,
        "discussion",
        &discussion.to_string(),
        &[person.id],
    )
    .await?;
    if let Some(action) = &action {
        insert_action(
            &mut tx,
            actor,
            &person,
            Some(discussion),
            action,
            "action_owner_id",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(meeting_id)
}

/// A network and its team, for the scheduling form.
pub async fn scheduling(
    store: &Store,
    actor: &Actor,
    network_code: &str,
) -> Result<(Network, Vec<Colleague>)> {
    let network = network(store, network_code).await?;
    actor.require_in(Permission::ManageMeetings, network.id)?;
    let mut conn = store.pool().acquire().await?;
    let team = team(&mut conn, network.id).await?;
    Ok((network, team))
}

/// The meeting and person of a case, and the network's team, for the discussion form.
pub async fn case_context(
    store: &Store,
    actor: &Actor,
    item_id: i64,
) -> Result<(MeetingSummary, i64, Vec<Colleague>)> {
    let mut conn = store.pool().acquire().await?;
    let (meeting_id, person_id) = case_item(&mut conn, item_id).await?;
    let meeting = meeting_summary(&mut conn, meeting_id).await?;
    actor.require_in(Permission::RecordDiscussions, meeting.network_id)?;
    let team = team(&mut conn, meeting.network_id).await?;
    Ok((meeting, person_id, team))
}

/// The meeting and person of a case-list entry, or `NotFound`.
async fn case_item(conn: &mut AnyConnection, item_id: i64) -> Result<(i64, i64)> {
    sqlx::query_as("SELECT meeting_id, person_id FROM case_item WHERE id = $1")
        .bind(item_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no case {item_id} on any meeting's list")))
}
