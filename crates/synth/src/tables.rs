//! Turning the generated borough into the canonical tables: Arrow batches in the schemas
//! of `accord-model`, one batch per block of people for the person-level tables.

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_model::{Condition, Table};
use arrow_array::builder::{
    Date32Builder, Float64Builder, Int8Builder, StringBuilder, UInt8Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};

use crate::activity::{Block, OBSERVATION_CODES};
use crate::calibration::CONDITIONS;
use crate::geography::Geography;
use crate::mdt::Discussion;
use crate::people::PersonCore;
use crate::surveys::Answer;

/// The tables of a dataset, each as its batches.
pub type Tables = BTreeMap<Table, Vec<RecordBatch>>;

/// Failure to assemble a batch: a bug in the generator, never a user's input.
#[derive(Debug, thiserror::Error)]
#[error("building table `{table}`: {message}")]
pub struct TableError {
    /// The table.
    pub table: &'static str,
    /// What went wrong.
    pub message: String,
}

fn batch(table: Table, columns: Vec<ArrayRef>) -> Result<RecordBatch, TableError> {
    RecordBatch::try_new(table.schema(), columns).map_err(|err| TableError {
        table: table.name(),
        message: err.to_string(),
    })
}

fn finish_text(builder: &mut StringBuilder) -> ArrayRef {
    Arc::new(builder.finish())
}

/// The person, registration, condition, activity and observation batches of one block.
pub fn block_batches(
    block: &Block,
    persons: &[PersonCore],
    geography: &Geography,
    first_activity_id: u64,
    end_day: i32,
) -> Result<Vec<(Table, RecordBatch)>, TableError> {
    let people =
        &persons[block.first_person as usize..block.first_person as usize + block.deaths.len()];
    let mut out = Vec::with_capacity(5);

    let mut id = UInt64Builder::new();
    let mut sex = StringBuilder::new();
    let mut birth = Date32Builder::new();
    let mut death = Date32Builder::new();
    let mut ethnic = StringBuilder::new();
    let mut lsoa = StringBuilder::new();
    let mut decile = UInt8Builder::new();
    for (person, died) in people.iter().zip(&block.deaths) {
        id.append_value(person.id);
        sex.append_value(person.sex.as_str());
        birth.append_value(person.birth_day);
        death.append_option(*died);
        ethnic.append_value(person.ethnic.as_str());
        lsoa.append_value(&geography.lsoas[person.lsoa as usize].code);
        decile.append_value(person.decile);
    }
    out.push((
        Table::Person,
        batch(
            Table::Person,
            vec![
                Arc::new(id.finish()),
                finish_text(&mut sex),
                Arc::new(birth.finish()),
                Arc::new(death.finish()),
                finish_text(&mut ethnic),
                finish_text(&mut lsoa),
                Arc::new(decile.finish()),
            ],
        )?,
    ));

    let mut id = UInt64Builder::new();
    let mut practice = StringBuilder::new();
    let mut start = Date32Builder::new();
    let mut end = Date32Builder::new();
    for (person, died) in people.iter().zip(&block.deaths) {
        for spell in &person.spells {
            let last = match (spell.end, died) {
                (Some(e), Some(d)) => Some(e.min(*d)),
                (e, d) => e.or(*d),
            };
            if last.is_some_and(|l| l < spell.start) {
                continue;
            }
            id.append_value(person.id);
            practice.append_value(&geography.practices[usize::from(spell.practice)].code);
            start.append_value(spell.start);
            end.append_option(last);
        }
    }
    out.push((
        Table::Registration,
        batch(
            Table::Registration,
            vec![
                Arc::new(id.finish()),
                finish_text(&mut practice),
                Arc::new(start.finish()),
                Arc::new(end.finish()),
            ],
        )?,
    ));

    let mut id = UInt64Builder::new();
    let mut condition = StringBuilder::new();
    let mut onset = Date32Builder::new();
    let mut resolved = Date32Builder::new();
    let mut source = StringBuilder::new();
    let mut flags = block.flags.iter().peekable();
    for (offset, (person, died)) in people.iter().zip(&block.deaths).enumerate() {
        let last_day = died.unwrap_or(end_day);
        let index = block.first_person + offset as u32;
        let frailty = match person.frailty.0 {
            1 => Some(Condition::FrailtyMild),
            2 => Some(Condition::FrailtyModerate),
            3 => Some(Condition::FrailtySevere),
            _ => None,
        };
        let long_term = person.conditions.iter().map(|(c, day)| {
            (
                CONDITIONS[*c as usize].condition,
                *day,
                None,
                Some(CONDITIONS[*c as usize].icd10),
            )
        });
        let frail = frailty.map(|f| (f, person.frailty.1, None, Some("R54")));
        let mut recorded: Vec<(Condition, i32, Option<i32>, Option<&str>)> =
            long_term.chain(frail).collect();
        while let Some(flag) = flags.next_if(|f| f.person == index) {
            let code = match flag.condition {
                Condition::Pregnancy => Some("Z33"),
                Condition::EndOfLife => Some("Z51.5"),
                _ => None,
            };
            recorded.push((flag.condition, flag.onset, flag.resolved, code));
        }
        for (c, day, until, code) in recorded {
            if day > last_day {
                continue;
            }
            id.append_value(person.id);
            condition.append_value(c.as_str());
            onset.append_value(day);
            resolved.append_option(until.filter(|&u| u <= last_day));
            source.append_option(code);
        }
    }
    out.push((
        Table::Condition,
        batch(
            Table::Condition,
            vec![
                Arc::new(id.finish()),
                finish_text(&mut condition),
                Arc::new(onset.finish()),
                Arc::new(resolved.finish()),
                finish_text(&mut source),
            ],
        )?,
    ));

    let events = &block.events;
    let rows = events.len();
    let activity_id = arrow_array::UInt64Array::from_iter_values(
        first_activity_id..first_activity_id + rows as u64,
    );
    let person_id = arrow_array::UInt64Array::from_iter_values(
        events.person.iter().map(|&p| persons[p as usize].id),
    );
    let mut setting = StringBuilder::with_capacity(rows, rows * 4);
    let mut provider = StringBuilder::with_capacity(rows, rows * 5);
    let mut diagnosis = StringBuilder::new();
    let mut detail = StringBuilder::new();
    for row in 0..rows {
        setting.append_value(events.setting[row].as_str());
        provider.append_value(&geography.providers[usize::from(events.provider[row])].code);
        diagnosis.append_option(events.diagnosis[row]);
        detail.append_option(events.hours[row].map(|h| format!("{h} hours a week")));
    }
    out.push((
        Table::Activity,
        batch(
            Table::Activity,
            vec![
                Arc::new(activity_id),
                Arc::new(person_id),
                finish_text(&mut setting),
                Arc::new(arrow_array::Date32Array::from(events.start.clone())),
                Arc::new(arrow_array::Date32Array::from(events.end.clone())),
                finish_text(&mut provider),
                Arc::new(arrow_array::Float64Array::from_iter_values(
                    events.cost.iter().map(|c| (c * 100.0).round() / 100.0),
                )),
                finish_text(&mut diagnosis),
                finish_text(&mut detail),
            ],
        )?,
    ));

    let mut id = UInt64Builder::new();
    let mut code = StringBuilder::new();
    let mut value = Float64Builder::new();
    let mut day = Date32Builder::new();
    for (person, code_index, observed, on) in &block.observations {
        id.append_value(persons[*person as usize].id);
        code.append_value(OBSERVATION_CODES[usize::from(*code_index)]);
        value.append_value(*observed);
        day.append_value(*on);
    }
    out.push((
        Table::Observation,
        batch(
            Table::Observation,
            vec![
                Arc::new(id.finish()),
                finish_text(&mut code),
                Arc::new(value.finish()),
                Arc::new(day.finish()),
            ],
        )?,
    ));
    Ok(out)
}

/// The borough-level tables: places, organisations, surveys and MDT discussions.
#[allow(clippy::vec_init_then_push)] // one push per table reads better than one long vec!
pub fn borough_batches(
    geography: &Geography,
    persons: &[PersonCore],
    answers: &[Answer],
    discussions: &[Discussion],
) -> Result<Vec<(Table, RecordBatch)>, TableError> {
    let text = |values: Vec<Option<&str>>| -> ArrayRef {
        Arc::new(arrow_array::StringArray::from(values))
    };
    let mut out = Vec::new();
    out.push((
        Table::Locality,
        batch(
            Table::Locality,
            vec![
                text(
                    geography
                        .localities
                        .iter()
                        .map(|(id, _)| Some(id.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .localities
                        .iter()
                        .map(|(_, name)| Some(name.as_str()))
                        .collect(),
                ),
            ],
        )?,
    ));
    out.push((
        Table::Network,
        batch(
            Table::Network,
            vec![
                text(
                    geography
                        .networks
                        .iter()
                        .map(|n| Some(n.id.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .networks
                        .iter()
                        .map(|n| Some(n.name.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .networks
                        .iter()
                        .map(|n| Some(geography.localities[n.locality].0.as_str()))
                        .collect(),
                ),
            ],
        )?,
    ));
    out.push((
        Table::Practice,
        batch(
            Table::Practice,
            vec![
                text(
                    geography
                        .practices
                        .iter()
                        .map(|p| Some(p.code.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .practices
                        .iter()
                        .map(|p| Some(p.name.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .practices
                        .iter()
                        .map(|p| p.network.map(|n| geography.networks[n].id.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .practices
                        .iter()
                        .map(|p| Some(geography.localities[p.locality].0.as_str()))
                        .collect(),
                ),
            ],
        )?,
    ));
    out.push((
        Table::Provider,
        batch(
            Table::Provider,
            vec![
                text(
                    geography
                        .providers
                        .iter()
                        .map(|p| Some(p.code.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .providers
                        .iter()
                        .map(|p| Some(p.name.as_str()))
                        .collect(),
                ),
                text(
                    geography
                        .providers
                        .iter()
                        .map(|p| Some(p.kind.as_str()))
                        .collect(),
                ),
            ],
        )?,
    ));

    let mut respondent = UInt64Builder::new();
    let mut person = UInt64Builder::new();
    let mut survey = StringBuilder::new();
    let mut item = StringBuilder::new();
    let mut score = Int8Builder::new();
    let mut day = Date32Builder::new();
    let mut practice = StringBuilder::new();
    let mut lsoa = StringBuilder::new();
    for answer in answers {
        respondent.append_value(answer.respondent);
        person.append_option(answer.person.map(|p| persons[p as usize].id));
        survey.append_value(answer.survey);
        item.append_value(answer.item);
        score.append_value(answer.score);
        day.append_value(answer.day);
        practice.append_option(
            answer
                .practice
                .map(|p| geography.practices[usize::from(p)].code.as_str()),
        );
        lsoa.append_option(
            answer
                .lsoa
                .map(|l| geography.lsoas[l as usize].code.as_str()),
        );
    }
    out.push((
        Table::SurveyResponse,
        batch(
            Table::SurveyResponse,
            vec![
                Arc::new(respondent.finish()),
                Arc::new(person.finish()),
                finish_text(&mut survey),
                finish_text(&mut item),
                Arc::new(score.finish()),
                Arc::new(day.finish()),
                finish_text(&mut practice),
                finish_text(&mut lsoa),
            ],
        )?,
    ));

    let mut person = UInt64Builder::new();
    let mut network = StringBuilder::new();
    let mut day = Date32Builder::new();
    let mut source = StringBuilder::new();
    for discussion in discussions {
        person.append_value(persons[discussion.person as usize].id);
        network.append_value(&geography.networks[usize::from(discussion.network)].id);
        day.append_value(discussion.day);
        source.append_value(discussion.source);
    }
    out.push((
        Table::MdtDiscussion,
        batch(
            Table::MdtDiscussion,
            vec![
                Arc::new(person.finish()),
                finish_text(&mut network),
                Arc::new(day.finish()),
                finish_text(&mut source),
            ],
        )?,
    ));
    Ok(out)
}
