//! A network's activity in aggregate, for the network page and for analysts: people
//! discussed per month, new and follow-up, meetings held, and actions open and overdue.
//! No person-level data leaves here, so reading it is not audited.

use chrono::NaiveDate;
use serde::Serialize;

use crate::access::{Actor, Permission};
use crate::meetings::{Network, day_text, network};
use crate::{Result, Store};

/// One month of a network's MDT.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthActivity {
    /// `YYYY-MM`.
    pub month: String,
    /// Meetings at which someone was discussed.
    pub meetings: i64,
    /// Different people discussed in the month.
    pub people: i64,
    /// Discussions of people discussed for the first time.
    pub new_people: i64,
    /// Discussions of people discussed before.
    pub follow_ups: i64,
}

/// A network's activity, all time and month by month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// The network.
    pub network: Network,
    /// Oldest first.
    pub months: Vec<MonthActivity>,
    /// Discussions recorded.
    pub discussions: i64,
    /// Different people ever discussed.
    pub people_ever: i64,
    /// Referrals not yet listed for a meeting.
    pub open_referrals: i64,
    /// Actions still open.
    pub actions_open: i64,
    /// Of those, actions past their due date.
    pub actions_overdue: i64,
    /// Actions done.
    pub actions_done: i64,
}

/// The network's activity month by month.
pub async fn network_activity(
    store: &Store,
    actor: &Actor,
    network_code: &str,
    today: NaiveDate,
) -> Result<Activity> {
    let network = network(store, network_code).await?;
    actor.require_in(Permission::ViewActivity, network.id)?;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT d.person_id, m.meeting_date, m.id AS meeting_id FROM discussion d JOIN meeting m ON m.id = d.meeting_id
         WHERE m.network_id = $1 ORDER BY m.meeting_date, d.id",
    )
    .bind(network.id)
    .fetch_all(store.pool())
    .await?;
    let mut seen = std::collections::HashSet::new();
    let mut months: Vec<MonthActivity> = Vec::new();
    let mut month_people = std::collections::HashSet::new();
    let mut month_meetings = std::collections::HashSet::new();
    for (person, date, meeting) in &rows {
        let person = *person;
        let month = date.get(..7).unwrap_or(date).to_string();
        if months.last().is_none_or(|m| m.month != month) {
            month_people.clear();
            month_meetings.clear();
            months.push(MonthActivity {
                month,
                meetings: 0,
                people: 0,
                new_people: 0,
                follow_ups: 0,
            });
        }
        let Some(current) = months.last_mut() else {
            continue;
        };
        if month_meetings.insert(*meeting) {
            current.meetings += 1;
        }
        if month_people.insert(person) {
            current.people += 1;
        }
        if seen.insert(person) {
            current.new_people += 1;
        } else {
            current.follow_ups += 1;
        }
    }
    let today = day_text(today);
    let (open_referrals, actions_open, actions_overdue, actions_done) = sqlx::query_as(
        "SELECT
            (SELECT CAST(COUNT(*) AS BIGINT) FROM referral WHERE network_id = $1 AND status = 'open') AS open_referrals,
            (SELECT CAST(COUNT(*) AS BIGINT) FROM mdt_action a JOIN person p ON p.id = a.person_id WHERE p.network_id = $2 AND a.status = 'open') AS actions_open,
            (SELECT CAST(COUNT(*) AS BIGINT) FROM mdt_action a JOIN person p ON p.id = a.person_id WHERE p.network_id = $3 AND a.status = 'open' AND a.due_on < $4) AS actions_overdue,
            (SELECT CAST(COUNT(*) AS BIGINT) FROM mdt_action a JOIN person p ON p.id = a.person_id WHERE p.network_id = $5 AND a.status = 'done') AS actions_done",
    )
    .bind(network.id)
    .bind(network.id)
    .bind(network.id)
    .bind(today)
    .bind(network.id)
    .fetch_one(store.pool())
    .await?;
    Ok(Activity {
        discussions: rows.len() as i64,
        people_ever: seen.len() as i64,
        open_referrals,
        actions_open,
        actions_overdue,
        actions_done,
        network,
        months,
    })
}
