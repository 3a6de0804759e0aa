//! What `accord segment` reports for a segmentation model, and what the results snapshot's
//! population profile holds for the models the engine has no SQL for: how many people are
//! in each segment on each year end, their spend and activity over the 12 months to it (as
//! totals; divide by the people for per-person figures), and how people moved between
//! segments from one year end to the next (joining, leaving and dying included).

use accord_model::Setting;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::at::{PersonAt, day_of, population_on};
use crate::history::Histories;
use crate::segment::SegmentModel;

/// Where people come from or go to outside the model's segments.
pub const NOT_REGISTERED: &str = "not_registered";
/// Where people go when they die.
pub const DIED: &str = "died";

/// One segment on one year end, with totals over the 12 months to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentYear {
    /// The year end.
    pub date: NaiveDate,
    /// The segment.
    pub segment: String,
    /// People in it on the year end.
    pub people: usize,
    /// Their spend in the 12 months, in pounds.
    pub cost_gbp: f64,
    /// Their emergency admissions in the 12 months.
    pub emergency_admissions: f64,
    /// Their A&E attendances in the 12 months.
    pub ae_attendances: f64,
    /// Their GP appointments in the 12 months.
    pub gp_appointments: f64,
}

impl SegmentYear {
    /// A total per person in the segment (0 for an empty segment).
    pub fn per_person(&self, total: f64) -> f64 {
        if self.people == 0 {
            0.0
        } else {
            total / self.people as f64
        }
    }
}

/// People who were in `from` on one year end and in `to` on the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFlow {
    /// The first year end.
    pub from_date: NaiveDate,
    /// The next year end.
    pub to_date: NaiveDate,
    /// The segment on the first.
    pub from: String,
    /// The segment on the next.
    pub to: String,
    /// People who moved so.
    pub people: usize,
}

/// A model's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    /// The model's id.
    pub model: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// The year ends reported.
    pub dates: Vec<NaiveDate>,
    /// Each segment's id and label, in the model's order.
    pub segments: Vec<(String, String)>,
    /// Each segment on each year end.
    pub years: Vec<SegmentYear>,
    /// Moves between segments from one year end to the next.
    pub flows: Vec<SegmentFlow>,
}

/// Each person's segment on `day` (None where not registered or dead), by person index.
pub fn assign_all(
    histories: &Histories,
    model: &SegmentModel,
    day: i32,
) -> (Vec<Option<usize>>, Vec<PersonAt>) {
    let population = population_on(histories, day);
    let mut segment = vec![None; histories.people.len()];
    for person in &population.people {
        segment[person.person] = Some(model.assign(person, histories));
    }
    (segment, population.people)
}

/// The report on these year ends (ascending).
pub fn segment_report(
    histories: &Histories,
    model: &SegmentModel,
    dates: &[NaiveDate],
) -> SegmentReport {
    let mut years = Vec::new();
    let mut flows = Vec::new();
    let mut previous: Option<(NaiveDate, Vec<Option<usize>>)> = None;
    for &date in dates {
        let day = day_of(date);
        let (assigned, people) = assign_all(histories, model, day);
        for (index, segment) in model.segments.iter().enumerate() {
            let mut year = SegmentYear {
                date,
                segment: segment.id.clone(),
                people: 0,
                cost_gbp: 0.0,
                emergency_admissions: 0.0,
                ae_attendances: 0.0,
                gp_appointments: 0.0,
            };
            for p in people.iter().filter(|p| assigned[p.person] == Some(index)) {
                year.people += 1;
                year.cost_gbp += p.cost_in_year;
                year.emergency_admissions += f64::from(p.in_year(Setting::EmergencyAdmission));
                year.ae_attendances += f64::from(p.in_year(Setting::AeAttendance));
                year.gp_appointments += f64::from(p.in_year(Setting::Gp));
            }
            years.push(year);
        }
        if let Some((from_date, before)) = &previous {
            let name = |s: Option<usize>, person: usize, on: i32| match s {
                Some(i) => model.segments[i].id.clone(),
                None => {
                    let died = histories.people[person].death_day.is_some_and(|d| d <= on);
                    if died { DIED } else { NOT_REGISTERED }.to_string()
                }
            };
            let mut counts: std::collections::BTreeMap<(String, String), usize> =
                Default::default();
            for person in 0..histories.people.len() {
                if before[person].is_none() && assigned[person].is_none() {
                    continue;
                }
                let from = name(before[person], person, day_of(*from_date));
                *counts
                    .entry((from, name(assigned[person], person, day)))
                    .or_default() += 1;
            }
            flows.extend(counts.into_iter().map(|((from, to), people)| SegmentFlow {
                from_date: *from_date,
                to_date: date,
                from,
                to,
                people,
            }));
        }
        previous = Some((date, assigned));
    }
    SegmentReport {
        model: model.id.clone(),
        name: model.name.clone(),
        version: model.version,
        dates: dates.to_vec(),
        segments: model
            .segments
            .iter()
            .map(|s| (s.id.clone(), s.label.clone()))
            .collect(),
        years,
        flows,
    }
}
