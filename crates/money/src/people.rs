//! Who each person is for a year: their practice, age, sex, deprivation quintile,
//! long-term conditions and segment in every model, as they were on the first day of the
//! year they were registered and alive (1 April, or the day they joined); and which
//! contract paid for each of their rows.
//!
//! A person keeps one segment for the whole year, as a budget is set once a year; people
//! registered at no time in the year are "not registered", and their rows count in totals
//! but in no person's group.

use accord_cohort::at::state_at;
use accord_cohort::history::{Event, History};
use accord_model::{Sex, dates};
use rayon::prelude::*;

use crate::MoneyInputs;
use crate::year::Years;

/// A person as assigned for a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assigned {
    /// Index into `Histories::practices`.
    pub practice: u32,
    pub age: i32,
    pub sex: Sex,
    /// 0 (most deprived) to 4.
    pub quintile: u8,
    pub long_term_conditions: u32,
    /// One bit per `Condition::ALL` entry open on the day.
    pub conditions: u32,
}

/// Every person's assignment in the baseline and budget years.
pub struct Assignments {
    /// `[baseline, budget]`, one entry per person.
    pub years: [Vec<Option<Assigned>>; 2],
    /// Segment index per person per model: `segments[year][person * models + model]`,
    /// `u16::MAX` where the person is not assigned.
    segments: [Vec<u16>; 2],
    models: usize,
    /// The register's contracts by the histories' provider index.
    contracts_by_provider: Vec<Vec<usize>>,
    /// For each contract, the model index its segment population refers to, and the
    /// segment index.
    contract_segments: Vec<Option<(usize, u16)>>,
}

/// The age band of an age: 0-4, 5-9, …, 80-84, 85+ (18 bands).
pub fn age_band(age: i32) -> usize {
    (age.max(0) / 5).min(17) as usize
}

pub const AGE_BANDS: usize = 18;

/// The label of an age band.
pub fn age_band_label(band: usize) -> String {
    if band >= 17 {
        "85+".into()
    } else {
        format!("{}-{}", band * 5, band * 5 + 4)
    }
}

/// The first day in the year the person was registered and alive, and the practice then.
fn first_day_in(history: &History<'_>, (start, end): (i32, i32)) -> Option<(i32, u32)> {
    let registration = history
        .registrations
        .iter()
        .find(|r| r.end >= start && r.start <= end)?;
    let day = registration.start.max(start);
    history
        .alive_on(day)
        .then_some((day, registration.practice))
}

impl Assignments {
    pub fn new(inputs: &MoneyInputs, years: &Years) -> Assignments {
        let histories = inputs.histories;
        let models = inputs.segment_models.len();
        let assign_year = |days: (i32, i32)| -> (Vec<Option<Assigned>>, Vec<u16>) {
            let per_person: Vec<(Option<Assigned>, Vec<u16>)> = (0..histories.people.len())
                .into_par_iter()
                .map(|i| {
                    let history = histories.history(i);
                    let Some((day, practice)) = first_day_in(&history, days) else {
                        return (None, vec![u16::MAX; models]);
                    };
                    let at = state_at(&history, day, practice);
                    let segments = inputs
                        .segment_models
                        .iter()
                        .map(|m| m.assign(&at, histories) as u16)
                        .collect();
                    let person = &histories.people[i];
                    (
                        Some(Assigned {
                            practice,
                            age: at.age,
                            sex: person.sex,
                            quintile: (person.imd_decile.clamp(1, 10) - 1) / 2,
                            long_term_conditions: at.long_term_conditions,
                            conditions: at.conditions,
                        }),
                        segments,
                    )
                })
                .collect();
            let mut assigned = Vec::with_capacity(per_person.len());
            let mut segments = Vec::with_capacity(per_person.len() * models);
            for (a, s) in per_person {
                assigned.push(a);
                segments.extend(s);
            }
            (assigned, segments)
        };
        let (baseline, baseline_segments) = assign_year(years.days[0]);
        let (budget, budget_segments) = assign_year(years.days[1]);
        let mut contracts_by_provider = vec![Vec::new(); histories.providers.len()];
        for (c, contract) in inputs.register.contracts.iter().enumerate() {
            for (p, code) in histories.providers.iter().enumerate() {
                if *code == contract.provider_code {
                    contracts_by_provider[p].push(c);
                }
            }
        }
        let contract_segments = inputs
            .register
            .contracts
            .iter()
            .map(|c| match &c.population {
                accord_contracts::Population::Segment { model, segment } => {
                    let m = inputs.segment_models.iter().position(|x| &x.id == model)?;
                    let s = inputs.segment_models[m].index_of(segment)?;
                    Some((m, s as u16))
                }
                _ => None,
            })
            .collect();
        Assignments {
            years: [baseline, budget],
            segments: [baseline_segments, budget_segments],
            models,
            contracts_by_provider,
            contract_segments,
        }
    }

    /// The person's segment in a model for a year, if they were registered in it.
    pub fn segment(&self, year: usize, person: usize, model: usize) -> Option<usize> {
        let s = self.segments[year][person * self.models + model];
        (s != u16::MAX).then_some(usize::from(s))
    }

    /// The contract that paid for a row: the first in the register of the row's provider
    /// that covers its setting on its day and whose population holds the person (age on
    /// the row's day; segment for the row's year).
    pub fn contract_for(
        &self,
        inputs: &MoneyInputs,
        history: &History<'_>,
        event: &Event,
        year: usize,
    ) -> Option<usize> {
        let candidates = self.contracts_by_provider.get(event.provider as usize)?;
        let day = dates::from_days(event.start)?;
        candidates.iter().copied().find(|&c| {
            let contract = &inputs.register.contracts[c];
            contract.covers(event.setting, day)
                && contract.population.admits_age(history.age_on(event.start))
                && match self.contract_segments[c] {
                    Some((model, segment)) => {
                        self.segment(year, history.index, model) == Some(usize::from(segment))
                    }
                    None => true,
                }
        })
    }

    /// People assigned in a year.
    pub fn count(&self, year: usize) -> u64 {
        self.years[year].iter().filter(|a| a.is_some()).count() as u64
    }
}
