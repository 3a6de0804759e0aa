//! The audit log: who read or changed which person's record, when, and through what
//! request. Entries are appended in the same transaction as the read or write they
//! describe, so that there is never a change without its entry, nor an entry without its
//! change. No route edits the log, and a trigger in the database refuses updates and
//! deletes. Administrators read it; nobody else.

use serde::Serialize;
use sqlx::AnyConnection;

use crate::access::{Actor, Permission};
use crate::{Result, Store, now_text};

/// What was done to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Read it.
    View,
    /// Added to it.
    Create,
    /// Changed it.
    Update,
}

impl Act {
    fn code(self) -> &'static str {
        match self {
            Act::View => "view",
            Act::Create => "create",
            Act::Update => "update",
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// The entry's id, in the order entries were appended.
    pub id: i64,
    /// When (ISO 8601, UTC).
    pub occurred_at: String,
    /// Who.
    pub username: String,
    /// What they did: view, create or update.
    pub action: String,
    /// What kind of record (person, meeting, action, ...).
    pub entity: String,
    /// Which one.
    pub entity_id: String,
    /// The person whose record it touched, where one did.
    pub person_id: Option<i64>,
    /// The request it came through (method and path).
    pub request: String,
}

crate::columns::from_row!(AuditEntry |row| {
    id, occurred_at, username, action, entity, entity_id, person_id, request = "route",
});

/// Appends one entry for each person in `people`, on the caller's transaction.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    act: Act,
    entity: &str,
    entity_id: &str,
    people: &[i64],
) -> Result<()> {
    let at = now_text();
    // A few hundred rows per statement keeps within both backends' parameter limits.
    for chunk in people.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO audit_log (occurred_at, user_id, username, action, entity, entity_id, person_id, route) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        let mut query = sqlx::query(&sql);
        for person in chunk {
            query = query
                .bind(at.clone())
                .bind(actor.user_id)
                .bind(actor.username.clone())
                .bind(act.code())
                .bind(entity.to_string())
                .bind(entity_id.to_string())
                .bind(*person)
                .bind(actor.request.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The newest entries first, optionally for one person; administrators only.
pub async fn read_log(
    store: &Store,
    actor: &Actor,
    person: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    actor.require(Permission::ReadAudit)?;
    Ok(sqlx::query_as(
        "SELECT id, occurred_at, username, action, entity, entity_id, person_id, route FROM audit_log
         WHERE ($1 = 0 OR person_id = $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(i64::from(person.is_some()))
    .bind(person.unwrap_or(0))
    .bind(limit)
    .fetch_all(store.pool())
    .await?)
}
