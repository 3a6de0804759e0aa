//! What `accord segment` reports for a segmentation model: how many people are in each
//! segment on each year end, how people moved between segments from one year end to the
//! next (joining, leaving and dying included), and activity and spend per person in each
//! segment over the 12 months to each year end.

use accord_model::Setting;
use serde::{Deserialize, Serialize};

use crate::at::{PersonAt, day_text, population_on};
use crate::history::Histories;
use crate::segment::SegmentModel;

/// Where people come from or go to outside the model's segments.
pub const NOT_REGISTERED: &str = "not_registered";
pub const DIED: &str = "died";

/// One segment on one year end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentYear {
    pub date: String,
    pub segment: String,
    pub people: usize,
    /// Per person, over the 12 months to the date.
    pub cost_per_person: f64,
    pub emergency_admissions_per_person: f64,
    pub ae_attendances_per_person: f64,
    pub gp_appointments_per_person: f64,
}

/// People who were in `from` on one year end and in `to` on the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFlow {
    pub from_date: String,
    pub to_date: String,
    pub from: String,
    pub to: String,
    pub people: usize,
}

/// A model's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    pub model: String,
    pub name: String,
    pub version: u32,
    pub dates: Vec<String>,
    pub segments: Vec<(String, String)>,
    pub years: Vec<SegmentYear>,
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
pub fn segment_report(histories: &Histories, model: &SegmentModel, days: &[i32]) -> SegmentReport {
    let mut years = Vec::new();
    let mut flows = Vec::new();
    let mut previous: Option<(i32, Vec<Option<usize>>)> = None;
    for &day in days {
        let (assigned, people) = assign_all(histories, model, day);
        for (index, segment) in model.segments.iter().enumerate() {
            let members: Vec<&PersonAt> = people
                .iter()
                .filter(|p| assigned[p.person] == Some(index))
                .collect();
            let n = members.len();
            let per_person = |value: f64| if n == 0 { 0.0 } else { value / n as f64 };
            let count = |setting: Setting| {
                per_person(members.iter().map(|p| f64::from(p.in_year(setting))).sum())
            };
            years.push(SegmentYear {
                date: day_text(day),
                segment: segment.id.clone(),
                people: n,
                cost_per_person: per_person(members.iter().map(|p| p.cost_in_year).sum()),
                emergency_admissions_per_person: count(Setting::EmergencyAdmission),
                ae_attendances_per_person: count(Setting::AeAttendance),
                gp_appointments_per_person: count(Setting::Gp),
            });
        }
        if let Some((from_day, before)) = &previous {
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
                let from = name(before[person], person, *from_day);
                if from == DIED {
                    continue;
                }
                *counts
                    .entry((from, name(assigned[person], person, day)))
                    .or_default() += 1;
            }
            flows.extend(counts.into_iter().map(|((from, to), people)| SegmentFlow {
                from_date: day_text(*from_day),
                to_date: day_text(day),
                from,
                to,
                people,
            }));
        }
        previous = Some((day, assigned));
    }
    SegmentReport {
        model: model.id.clone(),
        name: model.name.clone(),
        version: model.version,
        dates: days.iter().map(|d| day_text(*d)).collect(),
        segments: model
            .segments
            .iter()
            .map(|s| (s.id.clone(), s.label.clone()))
            .collect(),
        years,
        flows,
    }
}
