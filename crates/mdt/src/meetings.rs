//! Networks and their meetings: the networks a user belongs to, scheduling (one meeting
//! or a series), a meeting's case list drawn from referrals, follow-ups due and the
//! case-finding list, and recording what was discussed and agreed.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::access::{Actor, Permission};
use crate::audit::{Act, record};
use crate::people::{
    ActionInput, Colleague, DISCUSSION_COLUMNS, DiscussionRecord, colleague, discussion_record,
    insert_action, person, reasons, team,
};
use crate::validate::{LONG_TEXT, Reader, SHORT_TEXT};
use crate::{FieldErrors, MdtError, Result, Store, now_text};

pub const FORMATS: [(&str, &str); 3] = [
    ("in_person", "In person"),
    ("virtual", "Virtual"),
    ("hybrid", "Hybrid"),
];

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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub cadence: String,
    pub venue: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingSummary {
    pub id: i64,
    pub network_id: i64,
    pub network_code: String,
    pub network_name: String,
    pub meeting_date: String,
    pub start_time: String,
    pub format: String,
    pub venue: String,
    pub status: String,
    pub cases: i64,
    pub discussed: i64,
}

/// A network as the "my networks" page shows it: aggregates only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkCard {
    pub network: Network,
    pub members: i64,
    pub next_meeting: Option<MeetingSummary>,
    pub open_referrals: i64,
    pub open_actions: i64,
    pub overdue_actions: i64,
}

/// One person on a meeting's case list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    pub item_id: i64,
    pub person_id: i64,
    pub source: String,
    pub follow_up: bool,
    pub practice_code: String,
    pub age: i64,
    pub sex: String,
    pub risk_score: Option<f64>,
    pub reasons: Vec<String>,
    pub discussion: Option<DiscussionRecord>,
}

/// Someone who could be added to the case list, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub person_id: i64,
    /// The referral's id, for referrals.
    pub referral_id: Option<i64>,
    pub why: String,
    pub risk_score: Option<f64>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingView {
    pub meeting: MeetingSummary,
    pub attendees: Vec<Colleague>,
    pub team: Vec<Colleague>,
    pub cases: Vec<CaseRow>,
    pub referrals: Vec<Candidate>,
    pub follow_ups: Vec<Candidate>,
    pub case_finding: Vec<Candidate>,
    /// The date of the case-finding list offered.
    pub case_finding_date: Option<String>,
}

pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn network_row(r: &sqlx::any::AnyRow) -> Result<Network> {
    Ok(Network {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        cadence: r.try_get("cadence")?,
        venue: r.try_get("venue")?,
    })
}

/// The network with this code.
pub async fn network(store: &Store, code: &str) -> Result<Network> {
    let row = sqlx::query("SELECT id, code, name, cadence, venue FROM network WHERE code = $1")
        .bind(code.to_string())
        .fetch_optional(store.pool())
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no network {code}")))?;
    network_row(&row)
}

const MEETING_COLUMNS: &str =
    "m.id, m.network_id, n.code, n.name, m.meeting_date, m.start_time, m.format, m.venue, m.status,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM case_item c WHERE c.meeting_id = m.id) AS cases,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM discussion d WHERE d.meeting_id = m.id) AS discussed
    FROM meeting m JOIN network n ON n.id = m.network_id";

fn meeting_row(r: &sqlx::any::AnyRow) -> Result<MeetingSummary> {
    Ok(MeetingSummary {
        id: r.try_get("id")?,
        network_id: r.try_get("network_id")?,
        network_code: r.try_get("code")?,
        network_name: r.try_get("name")?,
        meeting_date: r.try_get("meeting_date")?,
        start_time: r.try_get("start_time")?,
        format: r.try_get("format")?,
        venue: r.try_get("venue")?,
        status: r.try_get("status")?,
        cases: r.try_get("cases")?,
        discussed: r.try_get("discussed")?,
    })
}

/// A count over one network's rows; `today` binds `$2` where the query has it.
async fn count(
    conn: &mut AnyConnection,
    sql: &str,
    network: i64,
    today: Option<&str>,
) -> Result<i64> {
    let mut query = sqlx::query(sql).bind(network);
    if let Some(today) = today {
        query = query.bind(today.to_string());
    }
    Ok(query.fetch_one(&mut *conn).await?.try_get("n")?)
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
        let row = sqlx::query("SELECT id, code, name, cadence, venue FROM network WHERE id = $1")
            .bind(*id)
            .fetch_one(&mut *conn)
            .await?;
        let network = network_row(&row)?;
        let next_meeting = sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS} WHERE m.network_id = $1 AND m.meeting_date >= $2 AND m.status = 'scheduled'
             ORDER BY m.meeting_date, m.start_time LIMIT 1"
        ))
        .bind(*id)
        .bind(today.clone())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| meeting_row(&r))
        .transpose()?;
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
    sqlx::query(&sql)
        .bind(network_id)
        .bind(day_text(from))
        .bind(limit)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(meeting_row)
        .collect()
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
        let id: i64 = sqlx::query(
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
        .await?
        .try_get("id")?;
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
    let row = sqlx::query(&format!("SELECT {MEETING_COLUMNS} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no meeting {id}")))?;
    meeting_row(&row)
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
    let mut cases = Vec::new();
    let rows = sqlx::query(
        "SELECT c.id AS item_id, c.person_id, c.source, c.follow_up, p.practice_code, p.birth_year, p.sex,
                p.risk_score, p.risk_reasons, r.risk_reasons AS referral_reasons
         FROM case_item c JOIN person p ON p.id = c.person_id LEFT JOIN referral r ON r.id = c.referral_id
         WHERE c.meeting_id = $1 ORDER BY c.list_position, c.id",
    )
    .bind(meeting_id)
    .fetch_all(&mut *tx)
    .await?;
    for r in &rows {
        let item_id: i64 = r.try_get("item_id")?;
        let discussion = sqlx::query(&format!(
            "SELECT {DISCUSSION_COLUMNS} WHERE d.case_item_id = $1"
        ))
        .bind(item_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|d| discussion_record(&d))
        .transpose()?;
        let own: String = r.try_get("risk_reasons")?;
        let referral: Option<String> = r.try_get("referral_reasons")?;
        cases.push(CaseRow {
            item_id,
            person_id: r.try_get("person_id")?,
            source: r.try_get("source")?,
            follow_up: r.try_get::<i64, _>("follow_up")? != 0,
            practice_code: r.try_get("practice_code")?,
            age: year - r.try_get::<i64, _>("birth_year")?,
            sex: r.try_get("sex")?,
            risk_score: r.try_get("risk_score")?,
            reasons: reasons(
                referral
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .unwrap_or(&own),
            ),
            discussion,
        });
    }
    let listed: Vec<i64> = cases.iter().map(|c| c.person_id).collect();
    let referrals = sqlx::query(
        "SELECT r.id, r.person_id, r.reason, r.urgency, r.risk_score, r.risk_reasons, o.name
         FROM referral r JOIN organisation o ON o.id = r.organisation_id
         WHERE r.network_id = $1 AND r.status = 'open'
         ORDER BY CASE WHEN r.urgency = 'urgent' THEN 0 ELSE 1 END, r.id",
    )
    .bind(meeting.network_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Candidate {
            person_id: r.try_get("person_id")?,
            referral_id: Some(r.try_get("id")?),
            why: format!(
                "{} referral from {}: {}",
                r.try_get::<String, _>("urgency")?,
                r.try_get::<String, _>("name")?,
                r.try_get::<String, _>("reason")?
            ),
            risk_score: r.try_get("risk_score")?,
            reasons: reasons(&r.try_get::<String, _>("risk_reasons")?),
        })
    })
    .collect::<Result<Vec<_>>>()?
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
    let attendees = sqlx::query(
        "SELECT u.id, u.display_name, u.role FROM meeting_attendee a JOIN app_user u ON u.id = a.user_id
         WHERE a.meeting_id = $1 ORDER BY u.display_name",
    )
    .bind(meeting_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(colleague)
    .collect::<Result<Vec<_>>>()?;
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
    sqlx::query(
        "SELECT d.person_id, d.follow_up_on, p.risk_score, p.risk_reasons FROM discussion d
         JOIN person p ON p.id = d.person_id JOIN meeting m ON m.id = d.meeting_id
         WHERE m.network_id = $1 AND d.follow_up_on IS NOT NULL AND d.follow_up_on <= $2
           AND NOT EXISTS (SELECT 1 FROM case_item c2 JOIN meeting m2 ON m2.id = c2.meeting_id
                           WHERE c2.person_id = d.person_id AND m2.meeting_date > m.meeting_date)
         ORDER BY d.follow_up_on, d.person_id",
    )
    .bind(network_id)
    .bind(date.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Candidate {
            person_id: r.try_get("person_id")?,
            referral_id: None,
            why: format!("follow-up due {}", r.try_get::<String, _>("follow_up_on")?),
            risk_score: r.try_get("risk_score")?,
            reasons: reasons(&r.try_get::<String, _>("risk_reasons")?),
        })
    })
    .collect()
}

/// The network's latest case-finding list, highest risk first, less anyone listed.
async fn case_finding(
    conn: &mut AnyConnection,
    network_id: i64,
    listed: &[i64],
) -> Result<(Option<String>, Vec<Candidate>)> {
    let date: Option<String> =
        sqlx::query("SELECT MAX(list_date) AS d FROM case_finding WHERE network_id = $1")
            .bind(network_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("d")?;
    let Some(date) = date else {
        return Ok((None, Vec::new()));
    };
    let rows = sqlx::query(
        "SELECT person_id, list_rank, score, reasons FROM case_finding
         WHERE network_id = $1 AND list_date = $2 ORDER BY list_rank LIMIT $3",
    )
    .bind(network_id)
    .bind(date.clone())
    .bind(CANDIDATES_OFFERED + listed.len() as i64)
    .fetch_all(&mut *conn)
    .await?;
    let mut candidates = Vec::new();
    for r in &rows {
        let person_id: i64 = r.try_get("person_id")?;
        if listed.contains(&person_id) {
            continue;
        }
        candidates.push(Candidate {
            person_id,
            referral_id: None,
            why: format!(
                "case finding: rank {} on {date}",
                r.try_get::<i64, _>("list_rank")?
            ),
            risk_score: Some(r.try_get("score")?),
            reasons: reasons(&r.try_get::<String, _>("reasons")?),
        });
    }
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
        let row = sqlx::query("SELECT person_id, network_id, status FROM referral WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        match row {
            Some(r)
                if r.try_get::<i64, _>("network_id")? == meeting.network_id
                    && r.try_get::<String, _>("status")? == "open" =>
            {
                additions.push((r.try_get("person_id")?, "referral", Some(id)));
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
    let mut position: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(list_position), 0) AS BIGINT) AS n FROM case_item WHERE meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
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
        let seen_before: i64 = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM discussion WHERE person_id = $1",
        )
        .bind(person_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        position += 1;
        let item: i64 = sqlx::query(
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
        .await?
        .try_get("id")?;
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
    let row = sqlx::query("SELECT meeting_id, person_id FROM case_item WHERE id = $1")
        .bind(item_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no case {item_id} on any meeting's list")))?;
    let meeting_id: i64 = row.try_get("meeting_id")?;
    let person = person(&mut tx, row.try_get("person_id")?).await?;
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
    let exists = sqlx::query("SELECT d.id, COALESCE(u.display_name, 'someone') AS who FROM discussion d LEFT JOIN app_user u ON u.id = d.recorded_by WHERE d.case_item_id = $1")
        .bind(item_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(r) = exists {
        return Err(MdtError::Conflict(format!(
            "{} has already recorded this discussion; nothing was saved. Add to it with an action on the person's page.",
            r.try_get::<String, _>("who")?
        )));
    }
    reader.finish()?;
    let discussion: i64 = sqlx::query(
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
    .await?
    .try_get("id")?;
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
    let row = sqlx::query("SELECT meeting_id, person_id FROM case_item WHERE id = $1")
        .bind(item_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| MdtError::NotFound(format!("no case {item_id} on any meeting's list")))?;
    let meeting = meeting_summary(&mut conn, row.try_get("meeting_id")?).await?;
    actor.require_in(Permission::RecordDiscussions, meeting.network_id)?;
    let team = team(&mut conn, meeting.network_id).await?;
    Ok((meeting, row.try_get("person_id")?, team))
}
