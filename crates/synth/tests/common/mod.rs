//! Measures of a generated borough, computed from its tables as an analyst would: rates
//! per 1,000 person-years from registration history, prevalence on the end date.

#![allow(dead_code)] // each test binary uses its own share of these helpers

use std::collections::HashMap;

use accord_model::Table;
use accord_model::dates::{age_in_years, from_days, to_days};
use accord_synth::{Borough, SynthParams, generate};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;

pub fn end_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
}

pub fn borough(persons: usize, seed: u64) -> Borough {
    generate(&SynthParams::new(persons, seed, end_date()), &|_, _| {}).unwrap()
}

pub fn rows(borough: &Borough, table: Table) -> Vec<&RecordBatch> {
    borough.tables[&table].iter().collect()
}

pub struct Person {
    pub birth: i32,
    pub death: Option<i32>,
    pub spells: Vec<(i32, Option<i32>)>,
}

pub fn people(borough: &Borough) -> HashMap<u64, Person> {
    let mut people = HashMap::new();
    for batch in rows(borough, Table::Person) {
        let ids = batch.column(0).as_primitive::<UInt64Type>();
        let births = batch.column(2).as_primitive::<Date32Type>();
        let deaths = batch.column(3).as_primitive::<Date32Type>();
        for i in 0..batch.num_rows() {
            let death = deaths.is_valid(i).then(|| deaths.value(i));
            people.insert(
                ids.value(i),
                Person {
                    birth: births.value(i),
                    death,
                    spells: Vec::new(),
                },
            );
        }
    }
    for batch in rows(borough, Table::Registration) {
        let ids = batch.column(0).as_primitive::<UInt64Type>();
        let starts = batch.column(2).as_primitive::<Date32Type>();
        let ends = batch.column(3).as_primitive::<Date32Type>();
        for i in 0..batch.num_rows() {
            if let Some(person) = people.get_mut(&ids.value(i)) {
                person
                    .spells
                    .push((starts.value(i), ends.is_valid(i).then(|| ends.value(i))));
            }
        }
    }
    people
}

impl Person {
    pub fn registered_on(&self, day: i32) -> bool {
        self.spells
            .iter()
            .any(|(s, e)| *s <= day && e.is_none_or(|e| day < e))
            && self.death.is_none_or(|d| day < d)
    }

    pub fn age_on(&self, day: i32) -> i32 {
        age_in_years(from_days(self.birth).unwrap(), from_days(day).unwrap())
    }
}

pub const ACTIVITY_BANDS: [(&str, i32, i32); 7] = [
    ("0-4", 0, 4),
    ("5-14", 5, 14),
    ("15-44", 15, 44),
    ("45-64", 45, 64),
    ("65-74", 65, 74),
    ("75-84", 75, 84),
    ("85+", 85, 200),
];

pub fn band_of(age: i32) -> usize {
    ACTIVITY_BANDS
        .iter()
        .position(|(_, lo, hi)| (*lo..=*hi).contains(&age))
        .unwrap_or(0)
}

/// Person-years by activity band over the whole history, counted day by day in weeks.
pub fn person_years(people: &HashMap<u64, Person>, start: i32, end: i32) -> [f64; 7] {
    let mut years = [0.0; 7];
    for person in people.values() {
        let mut day = start;
        while day <= end {
            if day >= person.birth && person.registered_on(day) {
                years[band_of(person.age_on(day))] += 7.0 / 365.25;
            }
            day += 7;
        }
    }
    years
}

/// Events of a setting by activity band of age at the event, within [start, end].
pub fn events_by_band(
    borough: &Borough,
    people: &HashMap<u64, Person>,
    setting: &str,
    start: i32,
    end: i32,
) -> [f64; 7] {
    let mut counts = [0.0; 7];
    for batch in rows(borough, Table::Activity) {
        let ids = batch.column(1).as_primitive::<UInt64Type>();
        let settings = batch.column(2).as_string::<i32>();
        let days = batch.column(3).as_primitive::<Date32Type>();
        for i in 0..batch.num_rows() {
            let day = days.value(i);
            if settings.value(i) == setting && (start..=end).contains(&day) {
                counts[band_of(people[&ids.value(i)].age_on(day))] += 1.0;
            }
        }
    }
    counts
}

/// Per person, events of a setting with start in [from, to].
pub fn counts_per_person(
    borough: &Borough,
    setting: &str,
    from: i32,
    to: i32,
) -> HashMap<u64, u32> {
    let mut counts = HashMap::new();
    for batch in rows(borough, Table::Activity) {
        let ids = batch.column(1).as_primitive::<UInt64Type>();
        let settings = batch.column(2).as_string::<i32>();
        let days = batch.column(3).as_primitive::<Date32Type>();
        for i in 0..batch.num_rows() {
            if settings.value(i) == setting && (from..=to).contains(&days.value(i)) {
                *counts.entry(ids.value(i)).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// The area under the ROC curve of `scores` for `outcomes`, by ranks (ties averaged).
pub fn auc(scores: &[f64], outcomes: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut ranks = vec![0.0; scores.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[order[k]] = rank;
        }
        i = j + 1;
    }
    let positives = outcomes.iter().filter(|&&o| o).count() as f64;
    let negatives = outcomes.len() as f64 - positives;
    let rank_sum: f64 = ranks
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| **o)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

pub fn day(date: NaiveDate) -> i32 {
    to_days(date)
}
