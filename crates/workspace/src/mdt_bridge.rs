//! The bridge from the dataset to the MDT workflow's database: each network's
//! case-finding list drawn from the risk model, and the demo borough (networks,
//! practices, people with their scores, the history of discussions) for a demo database.

use std::collections::HashMap;

use accord_cohort::Histories;
use accord_mdt::Store;
use accord_mdt::demo::{DemoBorough, DemoPerson, DemoPractice, DemoSummary, load_demo};
use accord_mdt::exchange::{CaseFindingRow, load_case_finding, read_discussion_batches};
use accord_model::{Table, dates};
use accord_risk::{CaseFinding, RiskModel, Scope, Top, find_cases};
use arrow_array::{Array, RecordBatch, StringArray};
use chrono::NaiveDate;

use crate::{Workspace, WorkspaceError};

/// How many of each network's list are loaded for the meetings' case lists.
pub const LISTED: usize = 40;

/// Risk scores and their reasons by person.
type Scores = HashMap<u64, (f64, Vec<String>)>;

/// A runtime for the database's calls from synchronous code.
pub fn runtime() -> Result<tokio::runtime::Runtime, WorkspaceError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(WorkspaceError::Runtime)
}

fn text_column<'a>(
    batch: &'a RecordBatch,
    table: &'static str,
    column: &'static str,
) -> Result<&'a StringArray, WorkspaceError> {
    batch
        .column_by_name(column)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or(WorkspaceError::NotText { table, column })
}

/// (code, name) of every row of a table with a text key and a `name`.
fn names(
    workspace: &Workspace,
    table: Table,
    key: &'static str,
) -> Result<HashMap<String, String>, WorkspaceError> {
    let mut names = HashMap::new();
    for batch in workspace.dataset().read_table(table)? {
        let codes = text_column(&batch, table.name(), key)?;
        let labels = text_column(&batch, table.name(), "name")?;
        for i in (0..batch.num_rows()).filter(|&i| !codes.is_null(i)) {
            names.insert(codes.value(i).to_string(), labels.value(i).to_string());
        }
    }
    Ok(names)
}

/// The networks of the borough's practices, in order.
pub fn networks(histories: &Histories) -> Vec<String> {
    let mut codes: Vec<String> = histories
        .practices
        .iter()
        .filter_map(|p| p.network.clone())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Each network's case-finding list on `day`: the first `listed` people of each, and the
/// scores and reasons of everyone in each network's top 3% (for the register).
pub fn draw_lists(
    histories: &Histories,
    model: &RiskModel,
    networks: &[String],
    day: i32,
    listed: usize,
) -> Result<(Vec<CaseFindingRow>, Scores), WorkspaceError> {
    let mut scores = HashMap::new();
    let mut rows = Vec::new();
    for code in networks {
        let list = find_cases(
            histories,
            model,
            &CaseFinding {
                scope: Scope::Network(code.clone()),
                top: Top::Fraction(0.03),
                day,
                exclude_discussed_months: 6,
                seed: 42,
            },
        )?;
        for c in &list.candidates {
            scores.insert(c.person_id, (c.score, c.reasons.clone()));
            if c.rank <= listed {
                rows.push(CaseFindingRow {
                    network: code.clone(),
                    rank: c.rank,
                    person_id: c.person_id,
                    score: c.score,
                    reasons: c.reasons.clone(),
                });
            }
        }
    }
    Ok((rows, scores))
}

fn date_of(day: i32) -> Result<NaiveDate, WorkspaceError> {
    dates::from_days(day).ok_or_else(|| WorkspaceError::Data(format!("day {day} is no date")))
}

impl Workspace {
    /// Everything a demo database is loaded with, drawn from the dataset and `model`.
    pub fn demo_borough(&self, model: &RiskModel) -> Result<DemoBorough, WorkspaceError> {
        let histories = self.histories()?;
        let discussions =
            read_discussion_batches(&self.dataset().read_table(Table::MdtDiscussion)?)?;
        let network_names = names(self, Table::Network, "network_id")?;
        let practice_names = names(self, Table::Practice, "practice_code")?;
        let network_codes = networks(histories);
        let day = histories.extract_day;
        let (case_finding, mut scores) = draw_lists(histories, model, &network_codes, day, LISTED)?;
        let last_discussion: HashMap<u64, (&str, NaiveDate)> = discussions
            .iter()
            .map(|d| (d.person_id, (d.network_code.as_str(), d.meeting_date)))
            .collect();
        let mut people = Vec::new();
        for index in 0..histories.people.len() {
            let history = histories.history(index);
            let person = history.person;
            let discussed = last_discussion.get(&person.id);
            // Everyone registered with a network's practice now, and everyone ever discussed
            // (with the practice they were with then, or their last one).
            let now = history
                .alive_on(day)
                .then(|| history.practice_on(day))
                .flatten();
            let practice = match (now, discussed) {
                (Some(p), _) => Some(p),
                (None, Some((_, date))) => history
                    .practice_on(dates::to_days(*date))
                    .or_else(|| history.registrations.last().map(|r| r.practice)),
                (None, None) => None,
            };
            let Some(practice) = practice else { continue };
            let practice = &histories.practices[practice as usize];
            let network = match (discussed, &practice.network) {
                (Some((network, _)), _) => network.to_string(),
                (None, Some(network)) => network.clone(),
                (None, None) => continue,
            };
            people.push(DemoPerson {
                id: person.id,
                network,
                practice: practice.code.clone(),
                sex: person.sex.as_str().to_string(),
                birth_year: chrono::Datelike::year(&date_of(person.birth_day)?),
                risk: scores.remove(&person.id),
            });
        }
        let mut practices: Vec<DemoPractice> = histories
            .practices
            .iter()
            .map(|p| DemoPractice {
                code: p.code.clone(),
                name: practice_names
                    .get(&p.code)
                    .cloned()
                    .unwrap_or_else(|| p.code.clone()),
                network: p.network.clone(),
            })
            .collect();
        practices.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(DemoBorough {
            networks: network_codes
                .iter()
                .map(|c| {
                    let name = network_names.get(c).cloned();
                    (c.clone(), name.unwrap_or_else(|| format!("Network {c}")))
                })
                .collect(),
            practices,
            people,
            scored_on: date_of(day)?,
            case_finding,
            discussions,
        })
    }

    /// Loads the demo borough into `store`, which must be new or empty; `today` dates the
    /// upcoming meetings.
    pub fn load_mdt_demo(
        &self,
        model: &RiskModel,
        store: &Store,
        runtime: &tokio::runtime::Runtime,
        today: NaiveDate,
    ) -> Result<DemoSummary, WorkspaceError> {
        let borough = self.demo_borough(model)?;
        Ok(runtime.block_on(load_demo(store, &borough, today))?)
    }

    /// Draws each network's case-finding list (the first `top` of each) on the extract date
    /// and loads them into `store`: (people loaded, people left out as not in the register,
    /// networks, the date).
    pub fn load_case_finding(
        &self,
        model: &RiskModel,
        store: &Store,
        runtime: &tokio::runtime::Runtime,
        top: usize,
    ) -> Result<(usize, usize, usize, NaiveDate), WorkspaceError> {
        let histories = self.histories()?;
        let networks = networks(histories);
        let day = histories.extract_day;
        let (rows, _) = draw_lists(histories, model, &networks, day, top)?;
        let date = date_of(day)?;
        let (loaded, left_out) = runtime.block_on(load_case_finding(store, date, &rows))?;
        Ok((loaded, left_out, networks.len(), date))
    }
}
