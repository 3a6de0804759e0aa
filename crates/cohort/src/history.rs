//! Every person's history, loaded once from the dataset into compact per-person arrays
//! (registrations, condition spells, activity, MDT discussions), so that what holds "at a
//! date" can be worked out for a quarter of a million people in well under a second.
//!
//! Days are `Date32` values (days since 1970-01-01); an open end is `OPEN`.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use accord_dataset::Dataset;
use accord_model::{Condition, EthnicGroup, Setting, Sex, Table, Vocabulary, dates};
use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, Date32Type, Float64Type, UInt8Type, UInt64Type};
use arrow_array::{Array, PrimitiveArray, RecordBatch};
use rayon::prelude::*;

use crate::CohortError;
use crate::frailty::diagnosis_deficits;

/// The end of something that has not ended.
pub const OPEN: i32 = i32::MAX;

/// One person's fixed attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// The pseudonymised id.
    pub id: u64,
    /// Sex.
    pub sex: Sex,
    /// The first day of the month of birth (the dataset holds the month only).
    pub birth_day: i32,
    /// The day of death, if they died.
    pub death_day: Option<i32>,
    /// Ethnic group.
    pub ethnic_group: EthnicGroup,
    /// IMD decile of the area they live in, 1 the most deprived.
    pub imd_decile: u8,
}

/// A registration with a practice (index into `Histories::practices`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Registration {
    /// The practice.
    pub practice: u32,
    /// The first day.
    pub start: i32,
    /// The last day; [`OPEN`] while registered.
    pub end: i32,
}

/// A condition from onset to resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConditionSpell {
    /// The condition.
    pub condition: Condition,
    /// The day of onset.
    pub onset: i32,
    /// The day it resolved; [`OPEN`] while open.
    pub resolved: i32,
}

/// An activity row: a contact, admission, package of care or alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Where it happened.
    pub setting: Setting,
    /// The first day.
    pub start: i32,
    /// The last day (the start day where the row has no end).
    pub end: i32,
    /// Its cost in pounds.
    pub cost: f64,
    /// The ICD-10 diagnosis, if recorded.
    pub diagnosis: Option<Box<str>>,
    /// Index into `Histories::providers`.
    pub provider: u32,
}

/// The events of `events` (in start order, as a history holds them) that started in
/// `from..=to`.
pub fn starting_in(events: &[Event], from: i32, to: i32) -> &[Event] {
    let first = events.partition_point(|e| e.start < from);
    let last = events.partition_point(|e| e.start <= to);
    &events[first..last.max(first)]
}

/// A practice, with its network (if it belongs to one) and locality.
#[derive(Debug, Clone, PartialEq)]
pub struct Practice {
    /// The practice's code.
    pub code: String,
    /// Its network, if it belongs to one.
    pub network: Option<String>,
    /// Its locality.
    pub locality: String,
}

/// Items of one kind for every person, stored person after person.
#[derive(Debug, Clone, PartialEq)]
struct PerPerson<T> {
    offsets: Vec<usize>,
    items: Vec<T>,
}

impl<T> PerPerson<T> {
    /// Groups `(person index, item)` pairs by person, keeping each person's items in the
    /// order `order` gives.
    fn group(
        people: usize,
        mut pairs: Vec<(u32, T)>,
        order: impl Fn(&T, &T) -> std::cmp::Ordering + Sync,
    ) -> PerPerson<T>
    where
        T: Send,
    {
        // Stable: items that tie keep the order they came in.
        pairs.par_sort_by(|a, b| a.0.cmp(&b.0).then_with(|| order(&a.1, &b.1)));
        let mut offsets = vec![0; people + 1];
        for (person, _) in &pairs {
            offsets[*person as usize + 1] += 1;
        }
        for i in 0..people {
            offsets[i + 1] += offsets[i];
        }
        PerPerson {
            offsets,
            items: pairs.into_iter().map(|(_, item)| item).collect(),
        }
    }

    fn of(&self, person: usize) -> &[T] {
        &self.items[self.range(person)]
    }

    /// Where the person's items lie in `items`.
    fn range(&self, person: usize) -> std::ops::Range<usize> {
        self.offsets[person]..self.offsets[person + 1]
    }
}

/// The whole dataset, person by person.
#[derive(Debug, Clone, PartialEq)]
pub struct Histories {
    /// The day the data were extracted: nothing after it is known.
    pub extract_day: i32,
    /// The first day of contact activity: nothing before it is known.
    pub data_start: i32,
    /// A fingerprint of the dataset's manifest.
    pub fingerprint: String,
    /// The dataset folder, as it was named.
    pub dataset: String,
    /// Every person, in id order.
    pub people: Vec<Person>,
    /// Every practice; registrations index them.
    pub practices: Vec<Practice>,
    /// The activity table's provider codes, each once, in the order first seen.
    pub providers: Vec<String>,
    registrations: PerPerson<Registration>,
    conditions: PerPerson<ConditionSpell>,
    events: PerPerson<Event>,
    /// Per event, in `events` order: the frailty deficits its diagnosis shows.
    diagnosed: Vec<u32>,
    mdt: PerPerson<i32>,
    /// Per discussion, in `mdt` order: the network that held it, as its position in
    /// `mdt_network_ids`.
    mdt_network: Vec<u16>,
    /// The networks named in the MDT discussions, sorted.
    pub mdt_network_ids: Vec<String>,
}

/// One person's whole history.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// The person's index in `Histories::people`.
    pub index: usize,
    /// The person.
    pub person: &'a Person,
    /// By start date.
    pub registrations: &'a [Registration],
    /// By onset.
    pub conditions: &'a [ConditionSpell],
    /// By start date.
    pub events: &'a [Event],
    /// Per event, the frailty deficits its diagnosis shows (falls, fragility fractures),
    /// read from the code once when the histories are built rather than in every
    /// person-month that counts them.
    pub diagnosed: &'a [u32],
    /// MDT meeting dates, earliest first (on one day, by network).
    pub mdt_meetings: &'a [i32],
    /// Per meeting of `mdt_meetings`, the network that held it: its position in
    /// [`Histories::mdt_network_ids`].
    pub mdt_networks: &'a [u16],
}

impl<'a> History<'a> {
    /// The practice the person is registered with on `day` (the newer registration on a
    /// move day), if any.
    pub fn practice_on(&self, day: i32) -> Option<u32> {
        self.registrations
            .iter()
            .rev()
            .find(|r| r.start <= day && day <= r.end)
            .map(|r| r.practice)
    }

    /// Alive at the end of `day`?
    pub fn alive_on(&self, day: i32) -> bool {
        self.person.death_day.is_none_or(|d| d > day)
    }

    /// Age in whole years on `day`.
    pub fn age_on(&self, day: i32) -> i32 {
        match (
            dates::from_days(self.person.birth_day),
            dates::from_days(day),
        ) {
            (Some(birth), Some(on)) => dates::age_in_years(birth, on),
            _ => 0,
        }
    }

    /// Conditions open on `day`.
    pub fn conditions_on(&self, day: i32) -> impl Iterator<Item = &'a ConditionSpell> + use<'a> {
        self.conditions
            .iter()
            .filter(move |c| c.onset <= day && day < c.resolved)
    }

    /// Events that started in `from..=to`.
    pub fn events_starting(&self, from: i32, to: i32) -> &'a [Event] {
        starting_in(self.events, from, to)
    }

    /// Events that started on or before `day`, each with the deficits its diagnosis shows.
    pub fn events_to(&self, day: i32) -> impl Iterator<Item = (&'a Event, u32)> + use<'a> {
        let until = self.events.partition_point(|e| e.start <= day);
        self.events[..until]
            .iter()
            .zip(self.diagnosed[..until].iter().copied())
    }
}

impl Histories {
    /// Loads every table a person's history needs.
    pub fn load(dataset: &Dataset) -> Result<Histories, CohortError> {
        let read = |table: Table| {
            dataset
                .read_table(table)
                .map_err(|source| CohortError::Dataset {
                    table: table.name(),
                    source: Box::new(source),
                })
        };
        let people = people(&read(Table::Person)?)?;
        // Looked up for every row of every table: a fast fixed hash, not SipHash, whose
        // defence against chosen keys buys nothing for a dataset's own ids.
        let index: HashMap<u64, u32, FixedState> = people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i as u32))
            .collect();
        let practices = practices(&read(Table::Practice)?)?;
        let practice_index: HashMap<&str, u32, FixedState> = practices
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.as_str(), i as u32))
            .collect();
        let lookup = |table: &'static str, id: u64| {
            index
                .get(&id)
                .copied()
                .ok_or(CohortError::UnknownPerson { table, id })
        };

        let mut registrations = Vec::new();
        for batch in read(Table::Registration)? {
            let ids = column::<UInt64Type>(&batch, "person_id")?;
            let codes = column_text(&batch, "practice_code")?;
            let starts = column::<Date32Type>(&batch, "start_date")?;
            let ends = column::<Date32Type>(&batch, "end_date")?;
            for row in 0..batch.num_rows() {
                let practice = *practice_index
                    .get(codes.value(row))
                    .ok_or_else(|| CohortError::UnknownPractice(codes.value(row).to_string()))?;
                registrations.push((
                    lookup("registration", ids.value(row))?,
                    Registration {
                        practice,
                        start: starts.value(row),
                        end: optional_day(ends, row),
                    },
                ));
            }
        }
        let mut registrations =
            PerPerson::group(people.len(), registrations, |a, b| a.start.cmp(&b.start));
        end_move_days(&mut registrations);

        let mut conditions = Vec::new();
        for batch in read(Table::Condition)? {
            let ids = column::<UInt64Type>(&batch, "person_id")?;
            let codes = column_text(&batch, "condition")?;
            let onsets = column::<Date32Type>(&batch, "onset_date")?;
            let resolved = column::<Date32Type>(&batch, "resolved_date")?;
            for row in 0..batch.num_rows() {
                conditions.push((
                    lookup("condition", ids.value(row))?,
                    ConditionSpell {
                        condition: vocabulary(codes.value(row))?,
                        onset: onsets.value(row),
                        // A condition resolved on a day is no longer open that day.
                        resolved: optional_day(resolved, row),
                    },
                ));
            }
        }
        let conditions = PerPerson::group(people.len(), conditions, |a, b| a.onset.cmp(&b.onset));

        // Activity names its provider by code; the provider table lists them all (the
        // dataset's checks hold activity to it).
        let mut providers = Vec::new();
        for batch in read(Table::Provider)? {
            let codes = column_text(&batch, "provider_code")?;
            providers.extend((0..batch.num_rows()).map(|row| codes.value(row).to_string()));
        }
        let provider_lookup: HashMap<&str, u32, FixedState> = providers
            .iter()
            .enumerate()
            .map(|(i, code)| (code.as_str(), i as u32))
            .collect();
        let provider_index = |code: &str| -> Result<u32, CohortError> {
            provider_lookup
                .get(code)
                .copied()
                .ok_or_else(|| CohortError::UnknownProvider(code.to_string()))
        };

        // The activity table is most of the dataset: its batches are converted side by side,
        // a few at a time so that their rows never sit beside the whole table's, and the first
        // error in file order is the one reported.
        let activity = read(Table::Activity)?;
        let convert = |batch: &RecordBatch| -> Result<(Vec<(u32, Event)>, i32), CohortError> {
            let ids = column::<UInt64Type>(batch, "person_id")?;
            let settings = column_text(batch, "setting")?;
            let starts = column::<Date32Type>(batch, "start_date")?;
            let ends = column::<Date32Type>(batch, "end_date")?;
            let costs = column::<Float64Type>(batch, "cost_gbp")?;
            let diagnoses = column_text(batch, "diagnosis")?;
            let provider_codes = column_text(batch, "provider_code")?;
            // Settings repeat: parse each distinct code once per batch.
            let mut parsed: HashMap<&str, Setting, FixedState> = HashMap::default();
            let mut events = Vec::with_capacity(batch.num_rows());
            let mut data_start = OPEN;
            for row in 0..batch.num_rows() {
                let code = settings.value(row);
                let setting = match parsed.get(code) {
                    Some(s) => *s,
                    None => {
                        let s = vocabulary::<Setting>(code)?;
                        parsed.insert(code, s);
                        s
                    }
                };
                let start = starts.value(row);
                if !setting.is_social_care() && setting != Setting::SafeguardingAlert {
                    data_start = data_start.min(start);
                }
                events.push((
                    lookup("activity", ids.value(row))?,
                    Event {
                        setting,
                        start,
                        end: if ends.is_null(row) {
                            start
                        } else {
                            ends.value(row)
                        },
                        cost: costs.value(row),
                        diagnosis: (!diagnoses.is_null(row)).then(|| diagnoses.value(row).into()),
                        provider: provider_index(provider_codes.value(row))?,
                    },
                ));
            }
            Ok((events, data_start))
        };
        let mut events = Vec::with_capacity(activity.iter().map(RecordBatch::num_rows).sum());
        let mut data_start = OPEN;
        for round in activity.chunks(2 * rayon::current_num_threads()) {
            let converted: Vec<_> = round.par_iter().map(convert).collect();
            for batch in converted {
                let (batch_events, batch_start) = batch?;
                events.extend(batch_events);
                data_start = data_start.min(batch_start);
            }
        }
        drop(activity);
        let events = PerPerson::group(people.len(), events, |a, b| a.start.cmp(&b.start));
        let diagnosed = diagnosed(&events);

        // Kept while the discussions borrow their network ids.
        let discussion_batches = if dataset.has_table(Table::MdtDiscussion) {
            read(Table::MdtDiscussion)?
        } else {
            Vec::new()
        };
        let mut mdt = Vec::new();
        for batch in &discussion_batches {
            let ids = column::<UInt64Type>(batch, "person_id")?;
            let days = column::<Date32Type>(batch, "meeting_date")?;
            let networks = column_text(batch, "network_id")?;
            for row in 0..batch.num_rows() {
                mdt.push((
                    lookup("mdt_discussion", ids.value(row))?,
                    days.value(row),
                    networks.value(row),
                ));
            }
        }
        let (mdt, mdt_network, mdt_network_ids) = discussions(people.len(), mdt);
        let extract_day = dates::to_days(dataset.manifest().extract_date);
        Ok(Histories {
            extract_day,
            data_start: if data_start == OPEN {
                extract_day
            } else {
                data_start
            },
            fingerprint: dataset.manifest().fingerprint(),
            dataset: dataset.dir().display().to_string(),
            people,
            practices,
            providers,
            registrations,
            conditions,
            events,
            diagnosed,
            mdt,
            mdt_network,
            mdt_network_ids,
        })
    }

    /// Builds histories from plain records, for tests and importers that hold them already.
    pub fn from_records(records: Records) -> Result<Histories, CohortError> {
        let index: HashMap<u64, u32> = records
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i as u32))
            .collect();
        let n = records.people.len();
        let keyed = |table: &'static str, id: u64| {
            index
                .get(&id)
                .copied()
                .ok_or(CohortError::UnknownPerson { table, id })
        };
        let registrations = records
            .registrations
            .into_iter()
            .map(|(id, r)| Ok((keyed("registration", id)?, r)))
            .collect::<Result<Vec<_>, CohortError>>()?;
        let mut registrations = PerPerson::group(n, registrations, |a, b| a.start.cmp(&b.start));
        end_move_days(&mut registrations);
        let conditions = records
            .conditions
            .into_iter()
            .map(|(id, c)| Ok((keyed("condition", id)?, c)))
            .collect::<Result<Vec<_>, CohortError>>()?;
        let events = records
            .events
            .into_iter()
            .map(|(id, e)| Ok((keyed("activity", id)?, e)))
            .collect::<Result<Vec<_>, CohortError>>()?;
        let mdt = records
            .mdt
            .iter()
            .map(|(id, d, network)| Ok((keyed("mdt_discussion", *id)?, *d, network.as_str())))
            .collect::<Result<Vec<_>, CohortError>>()?;
        let (mdt, mdt_network, mdt_network_ids) = discussions(n, mdt);
        let events = PerPerson::group(n, events, |a, b| a.start.cmp(&b.start));
        Ok(Histories {
            extract_day: records.extract_day,
            data_start: records.data_start,
            fingerprint: "records".into(),
            dataset: "records".into(),
            people: records.people,
            practices: records.practices,
            providers: records.providers,
            registrations,
            conditions: PerPerson::group(n, conditions, |a, b| a.onset.cmp(&b.onset)),
            diagnosed: diagnosed(&events),
            events,
            mdt,
            mdt_network,
            mdt_network_ids,
        })
    }

    /// One person's history.
    pub fn history(&self, index: usize) -> History<'_> {
        History {
            index,
            person: &self.people[index],
            registrations: self.registrations.of(index),
            conditions: self.conditions.of(index),
            events: self.events.of(index),
            diagnosed: &self.diagnosed[self.events.range(index)],
            mdt_meetings: self.mdt.of(index),
            mdt_networks: &self.mdt_network[self.mdt.range(index)],
        }
    }

    /// The network of a practice, or "none".
    pub fn network_of(&self, practice: u32) -> &str {
        self.practices[practice as usize]
            .network
            .as_deref()
            .unwrap_or("none")
    }
}

/// Plain records to build `Histories` from (`Histories::from_records`), keyed by person id.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// The extract date.
    pub extract_day: i32,
    /// The first day of contact activity.
    pub data_start: i32,
    /// Every person.
    pub people: Vec<Person>,
    /// Every practice; registrations index them.
    pub practices: Vec<Practice>,
    /// Provider codes; each event's `provider` indexes them.
    pub providers: Vec<String>,
    /// Registrations.
    pub registrations: Vec<(u64, Registration)>,
    /// Condition spells.
    pub conditions: Vec<(u64, ConditionSpell)>,
    /// Activity rows.
    pub events: Vec<(u64, Event)>,
    /// Person id, meeting day and network id of each MDT discussion.
    pub mdt: Vec<(u64, i32, String)>,
}

/// MDT discussions (person index, meeting day, network id) grouped by person, earliest
/// first and on one day by network; each one's network as a position in the sorted list of
/// networks named, which is returned last.
fn discussions(
    people: usize,
    rows: Vec<(u32, i32, &str)>,
) -> (PerPerson<i32>, Vec<u16>, Vec<String>) {
    let mut ids: Vec<&str> = rows.iter().map(|&(_, _, network)| network).collect();
    ids.sort_unstable();
    ids.dedup();
    let position = |network: &str| ids.binary_search(&network).map_or(0, |p| p as u16);
    let pairs = rows
        .iter()
        .map(|&(person, day, network)| (person, (day, position(network))))
        .collect();
    let grouped = PerPerson::group(people, pairs, |a, b| a.cmp(b));
    let networks = grouped.items.iter().map(|&(_, network)| network).collect();
    let days = PerPerson {
        offsets: grouped.offsets,
        items: grouped.items.into_iter().map(|(day, _)| day).collect(),
    };
    (
        days,
        networks,
        ids.into_iter().map(str::to_string).collect(),
    )
}

/// The deficits each event's diagnosis shows, in the events' order.
fn diagnosed(events: &PerPerson<Event>) -> Vec<u32> {
    events.items.par_iter().map(diagnosis_deficits).collect()
}

/// A registration that ends on the day the person's next one starts (a move, as extracts
/// record it) ends the day before, as the engine's spells do.
fn end_move_days(registrations: &mut PerPerson<Registration>) {
    for person in 0..registrations.offsets.len() - 1 {
        let (from, to) = (
            registrations.offsets[person],
            registrations.offsets[person + 1],
        );
        let starts: Vec<i32> = registrations.items[from..to]
            .iter()
            .map(|r| r.start)
            .collect();
        for r in &mut registrations.items[from..to] {
            if r.end != OPEN && r.start < r.end && starts.contains(&r.end) {
                r.end -= 1;
            }
        }
    }
}

fn vocabulary<V: Vocabulary + std::str::FromStr<Err = accord_model::UnknownCode>>(
    code: &str,
) -> Result<V, CohortError> {
    code.parse().map_err(CohortError::Code)
}

fn optional_day(column: &arrow_array::Date32Array, row: usize) -> i32 {
    if column.is_null(row) {
        OPEN
    } else {
        column.value(row)
    }
}

/// A column of primitive values (ids, dates, costs, deciles), or the error naming it.
fn column<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &'static str,
) -> Result<&'a PrimitiveArray<T>, CohortError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<T>())
        .ok_or(CohortError::Column(name))
}

fn column_text<'a>(
    batch: &'a RecordBatch,
    name: &'static str,
) -> Result<&'a arrow_array::StringArray, CohortError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or(CohortError::Column(name))
}

fn people(batches: &[RecordBatch]) -> Result<Vec<Person>, CohortError> {
    let mut people = Vec::new();
    for batch in batches {
        let ids = column::<UInt64Type>(batch, "person_id")?;
        let sexes = column_text(batch, "sex")?;
        let births = column::<Date32Type>(batch, "birth_month")?;
        let deaths = column::<Date32Type>(batch, "death_date")?;
        let ethnic = column_text(batch, "ethnic_group")?;
        let imd = column::<UInt8Type>(batch, "imd_decile")?;
        for row in 0..batch.num_rows() {
            people.push(Person {
                id: ids.value(row),
                sex: vocabulary(sexes.value(row))?,
                birth_day: births.value(row),
                death_day: (!deaths.is_null(row)).then(|| deaths.value(row)),
                ethnic_group: vocabulary(ethnic.value(row))?,
                imd_decile: imd.value(row),
            });
        }
    }
    Ok(people)
}

fn practices(batches: &[RecordBatch]) -> Result<Vec<Practice>, CohortError> {
    let mut practices = Vec::new();
    for batch in batches {
        let codes = column_text(batch, "practice_code")?;
        let networks = column_text(batch, "network_id")?;
        let localities = column_text(batch, "locality_id")?;
        for row in 0..batch.num_rows() {
            practices.push(Practice {
                code: codes.value(row).to_string(),
                network: (!networks.is_null(row)).then(|| networks.value(row).to_string()),
                locality: localities.value(row).to_string(),
            });
        }
    }
    Ok(practices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_discussion_keeps_the_network_that_held_it() {
        let person = |id| Person {
            id,
            sex: Sex::Female,
            birth_day: 0,
            death_day: None,
            ethnic_group: EthnicGroup::White,
            imd_decile: 5,
        };
        let records = Records {
            people: vec![person(7), person(8)],
            mdt: vec![
                (7, 300, "N3".into()),
                (8, 250, "N1".into()),
                (7, 200, "N2".into()),
                (7, 200, "N1".into()),
            ],
            ..Records::default()
        };
        let histories = Histories::from_records(records).unwrap();
        assert_eq!(histories.mdt_network_ids, ["N1", "N2", "N3"]);
        let first = histories.history(0);
        // Earliest first; on one day, by network.
        assert_eq!(first.mdt_meetings, [200, 200, 300]);
        assert_eq!(first.mdt_networks, [0, 1, 2]);
        let second = histories.history(1);
        assert_eq!(second.mdt_meetings, [250]);
        assert_eq!(second.mdt_networks, [0]);
    }
}
