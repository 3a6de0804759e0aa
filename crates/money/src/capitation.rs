//! Capitated budgets in the shape of NHS England's weighted capitation:
//!
//! 1. **Age-sex index** of each 5-year age band and sex: the band's mean cost per person in
//!    the year before the budget year over the mean of everyone.
//! 2. **Additional-need index** (the plan's choice; by default the number of long-term
//!    conditions, 0-4+): each group's cost over what its people's age-sex indices predict,
//!    so that need adds what age and sex do not already explain.
//! 3. Each person registered in the budget year weighs age-sex index × need index ×
//!    (1 + the inequalities top-up of their IMD quintile) × the market forces factor.
//! 4. The **envelope** (the plan's, or the register's value for the year) is shared by
//!    weighted population, by largest remainder, so that the budgets add up to it to the
//!    penny: the target.
//! 5. **Pace of change**: where the plan sets one, each unit's target is held within that
//!    share of its spend the year before, and the envelope shared again by the held
//!    figures.

use accord_contracts::{BudgetPlan, Capitation, NeedIndex};
use accord_model::{Pence, Sex, allocate};
use accord_snapshot::money::{BudgetLine, BudgetTable, CapitationResult, IndexRow};

use crate::MoneyInputs;
use crate::people::{AGE_BANDS, Assigned, Assignments, age_band, age_band_label};
use crate::spend::Spend;
use crate::year::Years;

const NEED_GROUPS: usize = 5;
const SEXES: [Sex; 3] = [Sex::Female, Sex::Male, Sex::Unknown];

fn age_sex_group(a: &Assigned) -> usize {
    let sex = SEXES.iter().position(|s| *s == a.sex).unwrap_or(2);
    sex * AGE_BANDS + age_band(a.age)
}

fn need_group(a: &Assigned) -> usize {
    (a.long_term_conditions as usize).min(NEED_GROUPS - 1)
}

/// The indices, from the baseline year.
pub struct Indices {
    pub age_sex: Vec<f64>,
    pub need: Vec<f64>,
    pub age_sex_rows: Vec<IndexRow>,
    pub need_rows: Vec<IndexRow>,
}

pub fn indices(people: &Assignments, spend: &Spend, need: NeedIndex) -> Indices {
    let groups = SEXES.len() * AGE_BANDS;
    let mut count = vec![0u64; groups];
    let mut cost = vec![Pence::ZERO; groups];
    let mut total = Pence::ZERO;
    let mut n = 0u64;
    for (p, a) in people.years[0].iter().enumerate() {
        if let Some(a) = a {
            let g = age_sex_group(a);
            count[g] += 1;
            cost[g] += spend.per_person[p][0];
            total += spend.per_person[p][0];
            n += 1;
        }
    }
    let mean = if n > 0 {
        total.0 as f64 / n as f64
    } else {
        0.0
    };
    let age_sex: Vec<f64> = (0..groups)
        .map(|g| {
            if count[g] == 0 || mean <= 0.0 {
                1.0
            } else {
                cost[g].0 as f64 / count[g] as f64 / mean
            }
        })
        .collect();
    let age_sex_rows = (0..groups)
        .filter(|g| count[*g] > 0)
        .map(|g| IndexRow {
            group: format!(
                "{} {}",
                sex_label(SEXES[g / AGE_BANDS]),
                age_band_label(g % AGE_BANDS)
            ),
            people: count[g],
            spend: cost[g],
            index: age_sex[g],
        })
        .collect();
    let mut need_count = [0u64; NEED_GROUPS];
    let mut need_cost = [Pence::ZERO; NEED_GROUPS];
    let mut expected = [0.0f64; NEED_GROUPS];
    for (p, a) in people.years[0].iter().enumerate() {
        if let Some(a) = a {
            let k = need_group(a);
            need_count[k] += 1;
            need_cost[k] += spend.per_person[p][0];
            expected[k] += age_sex[age_sex_group(a)] * mean;
        }
    }
    let need_index: Vec<f64> = (0..NEED_GROUPS)
        .map(|k| match need {
            NeedIndex::LongTermConditions if expected[k] > 0.0 => {
                need_cost[k].0 as f64 / expected[k]
            }
            _ => 1.0,
        })
        .collect();
    let need_rows = match need {
        NeedIndex::None => Vec::new(),
        NeedIndex::LongTermConditions => (0..NEED_GROUPS)
            .map(|k| IndexRow {
                group: if k == NEED_GROUPS - 1 {
                    "4+ long-term conditions".into()
                } else {
                    format!("{k} long-term condition{}", if k == 1 { "" } else { "s" })
                },
                people: need_count[k],
                spend: need_cost[k],
                index: need_index[k],
            })
            .collect(),
    };
    Indices {
        age_sex,
        need: need_index,
        age_sex_rows,
        need_rows,
    }
}

fn sex_label(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "Female",
        Sex::Male => "Male",
        Sex::Unknown => "Unknown sex",
    }
}

/// A person's weight: age-sex index × need index × (1 + top-up) × market forces factor.
pub fn person_weight(indices: &Indices, settings: &Capitation, a: &Assigned) -> f64 {
    indices.age_sex[age_sex_group(a)]
        * indices.need[need_group(a)]
        * (1.0 + settings.inequalities_top_up[usize::from(a.quintile)])
        * settings.market_forces_factor
}

/// Units of one kind: each person's unit in each year (`None`: in none), and the labels.
pub struct Units {
    pub unit: &'static str,
    pub groups: Vec<(String, String)>,
    pub of: [Vec<Option<usize>>; 2],
}

/// Shares `envelope` between units by weighted population, held to the pace of change.
pub fn budget_table(
    units: &Units,
    envelope: Pence,
    weights: &[f64],
    spend: &Spend,
    pace: Option<f64>,
) -> BudgetTable {
    let k = units.groups.len();
    let mut people = vec![0u64; k];
    let mut weighted = vec![0.0f64; k];
    let mut baseline = vec![Pence::ZERO; k];
    let mut actual = vec![Pence::ZERO; k];
    for (p, unit) in units.of[1].iter().enumerate() {
        if let Some(u) = unit {
            people[*u] += 1;
            weighted[*u] += weights[p];
            actual[*u] += spend.per_person[p][1];
        }
    }
    for (p, unit) in units.of[0].iter().enumerate() {
        if let Some(u) = unit {
            baseline[*u] += spend.per_person[p][0];
        }
    }
    let target = allocate(envelope, &weighted);
    let budget = match pace {
        Some(pace) => {
            let held: Vec<f64> = target
                .iter()
                .zip(&baseline)
                .map(|(t, b)| {
                    if b.0 > 0 {
                        let b = b.0 as f64;
                        (t.0 as f64).clamp(b * (1.0 - pace), b * (1.0 + pace))
                    } else {
                        t.0 as f64
                    }
                })
                .collect();
            allocate(envelope, &held)
        }
        None => target.clone(),
    };
    BudgetTable {
        unit: units.unit.into(),
        lines: (0..k)
            .map(|u| BudgetLine {
                group: units.groups[u].0.clone(),
                label: units.groups[u].1.clone(),
                people: people[u],
                weighted_population: weighted[u],
                target: target[u],
                baseline: baseline[u],
                budget: budget[u],
                actual: actual[u],
                variance: budget[u] - actual[u],
            })
            .collect(),
    }
}

/// The capitation of one plan.
pub fn capitate(
    inputs: &MoneyInputs,
    plan: &BudgetPlan,
    years: &Years,
    spend: &Spend,
    people: &Assignments,
) -> CapitationResult {
    let settings = &plan.capitation;
    let indices = indices(people, spend, settings.need);
    let weights: Vec<f64> = people.years[1]
        .iter()
        .map(|a| {
            a.as_ref()
                .map_or(0.0, |a| person_weight(&indices, settings, a))
        })
        .collect();
    let (envelope, envelope_source) = match settings.envelope {
        Some(e) => (e, format!("the plan {}", plan.file)),
        None => (
            inputs
                .register
                .value_within(years.budget.start, years.budget.end),
            format!(
                "the value of the register's contracts in {} ({})",
                years.budget.label, inputs.register.source
            ),
        ),
    };
    let plan_index = inputs
        .plans
        .iter()
        .position(|p| p.id == plan.id)
        .unwrap_or(0);
    let tables = units(inputs, plan, plan_index, people, spend)
        .iter()
        .map(|u| budget_table(u, envelope, &weights, spend, settings.pace_of_change))
        .collect();
    CapitationResult {
        envelope,
        envelope_source,
        need: match settings.need {
            NeedIndex::None => "none".into(),
            NeedIndex::LongTermConditions => "long_term_conditions".into(),
        },
        inequalities_top_up: settings.inequalities_top_up,
        market_forces_factor: settings.market_forces_factor,
        pace_of_change: settings.pace_of_change,
        age_sex: indices.age_sex_rows,
        need_index: indices.need_rows,
        tables,
    }
}

/// The units a plan's capitation is shared between: networks, practices, the plan's
/// segments and its workstreams.
fn units(
    inputs: &MoneyInputs,
    plan: &BudgetPlan,
    plan_index: usize,
    people: &Assignments,
    spend: &Spend,
) -> Vec<Units> {
    let histories = inputs.histories;
    let mut networks: Vec<String> = spend.layout.networks.clone();
    networks.push("none".into());
    let network_of = |a: &Option<Assigned>| {
        a.map(|a| {
            let network = histories.practices[a.practice as usize].network.as_deref();
            network
                .and_then(|n| networks.iter().position(|x| x == n))
                .unwrap_or(networks.len() - 1)
        })
    };
    let network_units = Units {
        unit: "network",
        groups: networks
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    if n == "none" {
                        "No network".into()
                    } else {
                        n.clone()
                    },
                )
            })
            .collect(),
        of: [0, 1].map(|y| people.years[y].iter().map(network_of).collect()),
    };
    let practice_units = Units {
        unit: "practice",
        groups: histories
            .practices
            .iter()
            .map(|p| (p.code.clone(), p.code.clone()))
            .collect(),
        of: [0, 1].map(|y| {
            people.years[y]
                .iter()
                .map(|a| a.map(|a| a.practice as usize))
                .collect()
        }),
    };
    let model = inputs
        .segment_models
        .iter()
        .position(|m| m.id == plan.segment_model)
        .unwrap_or(0);
    let segment_units = Units {
        unit: "segment",
        groups: inputs.segment_models[model]
            .segments
            .iter()
            .map(|s| (s.id.clone(), s.label.clone()))
            .collect(),
        of: [0, 1].map(|y| {
            (0..people.years[y].len())
                .map(|p| people.segment(y, p, model))
                .collect()
        }),
    };
    let outside = plan.workstreams.len();
    let mut groups: Vec<(String, String)> = plan
        .workstreams
        .iter()
        .map(|w| (w.id.clone(), w.label.clone()))
        .collect();
    groups.push(("outside".into(), "In no workstream".into()));
    let workstream_units = Units {
        unit: "workstream",
        groups,
        of: [0, 1].map(|y| {
            spend.workstream_of[plan_index][y]
                .iter()
                .zip(&people.years[y])
                .map(|(w, a)| a.map(|_| if *w == usize::MAX { outside } else { *w }))
                .collect()
        }),
    };
    vec![
        network_units,
        practice_units,
        segment_units,
        workstream_units,
    ]
}
