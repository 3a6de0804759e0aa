//! The link to analytics: the `mdt_discussion` table of the canonical dataset, written
//! from the discussions recorded here (so that evaluation and the frameworks see them)
//! and read from a dataset (to load a borough's MDT history); and the case-finding lists
//! drawn from the risk model, loaded for the meetings' case lists.

use std::sync::Arc;

use accord_model::Table;
use arrow_array::{Array, Date32Array, RecordBatch, StringArray, UInt64Array};
use chrono::NaiveDate;

use crate::{MdtError, Result, Store};

/// One person on a network's case-finding list.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFindingRow {
    /// The network whose list it is.
    pub network: String,
    /// The person's rank on the list, 1 the highest risk.
    pub rank: usize,
    /// The person's pseudonymised id.
    pub person_id: u64,
    /// The risk model's score.
    pub score: f64,
    /// The reasons for the score, most telling first.
    pub reasons: Vec<String>,
}

/// Loads case-finding lists drawn on `list_date`, replacing any list of that date for the
/// same networks, and records each listed person's score and reasons in the register.
/// People not in the register are left out. Returns (loaded, left out).
pub async fn load_case_finding(
    store: &Store,
    list_date: NaiveDate,
    rows: &[CaseFindingRow],
) -> Result<(usize, usize)> {
    let date = list_date.format("%Y-%m-%d").to_string();
    let mut tx = store.begin().await?;
    let networks: std::collections::HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM network")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let mut cleared = std::collections::HashSet::new();
    let (mut loaded, mut left_out) = (0, 0);
    for row in rows {
        let network = *networks.get(&row.network).ok_or_else(|| {
            MdtError::Exchange(format!(
                "network {} is not in the MDT database",
                row.network
            ))
        })?;
        if cleared.insert(network) {
            sqlx::query("DELETE FROM case_finding WHERE network_id = $1 AND list_date = $2")
                .bind(network)
                .bind(date.clone())
                .execute(&mut *tx)
                .await?;
        }
        let person = i64::try_from(row.person_id)
            .map_err(|_| MdtError::Exchange(format!("person id {} is too large", row.person_id)))?;
        let known = sqlx::query("SELECT id FROM person WHERE id = $1")
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !known {
            left_out += 1;
            continue;
        }
        let reasons = row.reasons.join("\n");
        sqlx::query(
            "INSERT INTO case_finding (network_id, list_date, list_rank, person_id, score, reasons) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(network)
        .bind(date.clone())
        .bind(row.rank as i64)
        .bind(person)
        .bind(row.score)
        .bind(reasons.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE person SET risk_score = $1, risk_reasons = $2, scored_on = $3 WHERE id = $4",
        )
        .bind(row.score)
        .bind(reasons)
        .bind(date.clone())
        .bind(person)
        .execute(&mut *tx)
        .await?;
        loaded += 1;
    }
    tx.commit().await?;
    Ok((loaded, left_out))
}

/// One row of `mdt_discussion`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscussionRow {
    /// The day of the meeting.
    pub meeting_date: NaiveDate,
    /// The network whose MDT it was.
    pub network_code: String,
    /// The person's pseudonymised id.
    pub person_id: u64,
    /// Who referred them: the referring organisation's source code, or `case_finding` or `follow_up`.
    pub referral_source: String,
}

/// Every recorded discussion, by date, network and person. The referral source is the
/// referring organisation's for referrals, and `case_finding` or `follow_up` otherwise.
pub async fn discussion_rows(store: &Store) -> Result<Vec<DiscussionRow>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT d.person_id, n.code, m.meeting_date, COALESCE(r.source, c.source) AS source
         FROM discussion d JOIN case_item c ON c.id = d.case_item_id JOIN meeting m ON m.id = d.meeting_id
         JOIN network n ON n.id = m.network_id LEFT JOIN referral r ON r.id = c.referral_id
         ORDER BY m.meeting_date, n.code, d.person_id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_iter()
        .map(|(person, network_code, date, referral_source)| {
            Ok(DiscussionRow {
                meeting_date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
                    MdtError::Exchange(format!(
                        "a meeting has the date {date:?}, which is not YYYY-MM-DD"
                    ))
                })?,
                network_code,
                person_id: u64::try_from(person)
                    .map_err(|_| MdtError::Exchange(format!("person id {person} is negative")))?,
                referral_source,
            })
        })
        .collect()
}

/// The rows as one batch in the canonical schema of `mdt_discussion`.
pub fn discussion_batch(rows: &[DiscussionRow]) -> Result<RecordBatch> {
    let days: Vec<i32> = rows
        .iter()
        .map(|r| accord_model::dates::to_days(r.meeting_date))
        .collect();
    RecordBatch::try_new(
        Table::MdtDiscussion.schema(),
        vec![
            Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.person_id),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.network_code.as_str()),
            )),
            Arc::new(Date32Array::from(days)),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.referral_source.as_str()),
            )),
        ],
    )
    .map_err(|e| MdtError::Exchange(e.to_string()))
}

/// The rows of `mdt_discussion` batches read from a dataset.
pub fn read_discussion_batches(batches: &[RecordBatch]) -> Result<Vec<DiscussionRow>> {
    let mut rows = Vec::new();
    for batch in batches {
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| MdtError::Exchange(format!("mdt_discussion has no column {name}")))
        };
        let wrong =
            |name: &str| MdtError::Exchange(format!("mdt_discussion.{name} has the wrong type"));
        let person = column("person_id")?
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(|| wrong("person_id"))?;
        let network = column("network_id")?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| wrong("network_id"))?;
        let date = column("meeting_date")?
            .as_any()
            .downcast_ref::<Date32Array>()
            .ok_or_else(|| wrong("meeting_date"))?;
        let source = column("referral_source")?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| wrong("referral_source"))?;
        for i in 0..batch.num_rows() {
            if person.is_null(i) || network.is_null(i) || date.is_null(i) || source.is_null(i) {
                return Err(MdtError::Exchange(format!(
                    "mdt_discussion row {i} has an empty required field"
                )));
            }
            rows.push(DiscussionRow {
                meeting_date: accord_model::dates::from_days(date.value(i)).ok_or_else(|| {
                    MdtError::Exchange(format!("day {} is not a date", date.value(i)))
                })?,
                network_code: network.value(i).to_string(),
                person_id: person.value(i),
                referral_source: source.value(i).to_string(),
            });
        }
    }
    rows.sort();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_the_canonical_schema() {
        let rows = vec![
            DiscussionRow {
                meeting_date: NaiveDate::from_ymd_opt(2025, 4, 3).unwrap(),
                network_code: "N01".into(),
                person_id: 17,
                referral_source: "gp".into(),
            },
            DiscussionRow {
                meeting_date: NaiveDate::from_ymd_opt(2026, 1, 8).unwrap(),
                network_code: "N02".into(),
                person_id: 4,
                referral_source: "case_finding".into(),
            },
        ];
        let batch = discussion_batch(&rows).unwrap();
        assert_eq!(
            batch.schema().fields(),
            Table::MdtDiscussion.schema().fields()
        );
        assert_eq!(read_discussion_batches(&[batch]).unwrap(), rows);
    }
}
