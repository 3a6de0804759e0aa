//! What-if scenarios on a budget plan's workstreams, for the budget year:
//!
//! - **growth**: the population of an age range grows by a share; its people's spend and
//!   their weight in the capitated budget grow with it;
//! - **shift**: a share of one setting's rows (emergency admissions, care-home weeks) is
//!   moved to another setting (community health, home care) and costed there at its unit
//!   cost, for the same days where the unit is a week;
//! - **prevalence**: a share more people have a condition, each costing what people with
//!   it cost in place of what people without it cost (the budget moves with need only when
//!   the next year's indices are made).
//!
//! Effects are computed person by person and summed in pence; a share applies to an amount
//! as parts per million, rounded to the penny.

use accord_cohort::history::starting_in;
use accord_model::{Condition, Pence, Setting, Vocabulary};
use rayon::prelude::*;
use serde::Serialize;

use crate::cost::Costed;
use crate::people::Assignments;
use crate::spend::Spend;
use crate::{MoneyError, MoneyInputs, capitation, year::Years};

/// A scenario: any number of changes at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// (min age, max age, growth): 0.03 is 3% more people.
    pub growth: Vec<(u32, Option<u32>, f64)>,
    /// (from, to, share of `from`'s rows moved).
    pub shifts: Vec<(Setting, Setting, f64)>,
    /// (condition, relative increase in the people with it).
    pub prevalence: Vec<(Condition, f64)>,
}

impl Scenario {
    /// Reads `--growth 65+:0.03`, `--shift apc_nel:community:0.1` and
    /// `--prevalence diabetes:0.1` values.
    pub fn parse(
        growth: &[String],
        shifts: &[String],
        prevalence: &[String],
    ) -> Result<Scenario, String> {
        let share = |text: &str, what: &str| -> Result<f64, String> {
            let value: f64 = text
                .trim()
                .parse()
                .map_err(|_| format!("{what}: {text:?} is not a number (0.1 is 10%)"))?;
            if !value.is_finite() || !(-1.0..=10.0).contains(&value) {
                return Err(format!("{what}: {value} is outside -1 to 10 (0.1 is 10%)"));
            }
            Ok(value)
        };
        let mut scenario = Scenario::default();
        for g in growth {
            let (range, rate) = g.rsplit_once(':').ok_or_else(|| {
                format!("--growth {g:?}: write AGES:SHARE, e.g. 65+:0.03 or 0-17:0.01")
            })?;
            let population = accord_contracts::Population::parse(&format!("age {range}"))
                .map_err(|e| format!("--growth {g:?}: {e}"))?;
            let accord_contracts::Population::Age { min, max } = population else {
                return Err(format!("--growth {g:?}: give an age range"));
            };
            scenario.growth.push((min, max, share(rate, "--growth")?));
        }
        for s in shifts {
            let parts: Vec<&str> = s.split(':').collect();
            let [from, to, rate] = parts[..] else {
                return Err(format!(
                    "--shift {s:?}: write FROM:TO:SHARE, e.g. apc_nel:community:0.1"
                ));
            };
            let setting = |code: &str| {
                Setting::from_code(code).ok_or_else(|| {
                    format!(
                        "--shift {s:?}: unknown setting {code:?} (known: {})",
                        Setting::allowed_codes()
                    )
                })
            };
            let rate = share(rate, "--shift")?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("--shift {s:?}: the share moved is from 0 to 1"));
            }
            scenario.shifts.push((setting(from)?, setting(to)?, rate));
        }
        for p in prevalence {
            let (code, rate) = p.split_once(':').ok_or_else(|| {
                format!("--prevalence {p:?}: write CONDITION:SHARE, e.g. diabetes:0.1")
            })?;
            let condition = Condition::from_code(code).ok_or_else(|| {
                format!(
                    "--prevalence {p:?}: unknown condition {code:?} (known: {})",
                    Condition::allowed_codes()
                )
            })?;
            scenario
                .prevalence
                .push((condition, share(rate, "--prevalence")?));
        }
        Ok(scenario)
    }

    fn growth_of(&self, age: i32) -> f64 {
        self.growth
            .iter()
            .find(|(min, max, _)| {
                u32::try_from(age).is_ok_and(|a| a >= *min && max.is_none_or(|m| a <= m))
            })
            .map_or(0.0, |(_, _, g)| *g)
    }
}

/// A share of an amount, to the penny.
fn share_of(amount: Pence, share: f64) -> Pence {
    amount.scaled((share * 1_000_000.0).round() as i64, 1_000_000)
}

/// One workstream before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The workstream's id.
    pub workstream: String,
    /// Its name.
    pub label: String,
    /// Its people before.
    pub people: u64,
    /// Its people after.
    pub people_after: f64,
    /// Its budget before.
    pub budget: Pence,
    /// Its budget after.
    pub budget_after: Pence,
    /// Its people's spend before.
    pub spend: Pence,
    /// Its people's spend after.
    pub spend_after: Pence,
}

/// The scenario's effect on each workstream of `plan` (and on everyone outside them).
pub fn run(
    inputs: &MoneyInputs,
    plan: &str,
    scenario: &Scenario,
) -> Result<Vec<Effect>, MoneyError> {
    crate::check_definitions(inputs)?;
    let p = inputs
        .plans
        .iter()
        .position(|x| x.id == plan)
        .ok_or_else(|| {
            MoneyError::Dates(format!(
                "no budget plan {plan:?} among those given ({})",
                inputs
                    .plans
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let years = Years::choose(inputs.histories, inputs.year_end)?;
    let costed = Costed::new(inputs.unit_costs);
    let people = Assignments::new(inputs, &years);
    let spend = Spend::new(inputs, &years, &costed, &people);
    let the_plan = &inputs.plans[p];
    let capitation = capitation::capitate(inputs, the_plan, &years, &spend, &people);
    let shadow = crate::shadow::plan_result(inputs, the_plan, &years, &spend, &people, capitation);
    let k = the_plan.workstreams.len();
    let indices = capitation::indices(&people, &spend, the_plan.capitation.need);
    let histories = inputs.histories;
    let (first, last) = years.days[1];
    // Per workstream: people, grown people, weight, grown weight, spend, spend after, and
    // per condition the people and spend with and without it.
    #[derive(Clone, Default)]
    struct Sums {
        people: u64,
        grown: f64,
        weight: f64,
        grown_weight: f64,
        spend: Pence,
        after: Pence,
        with: Vec<(u64, Pence, u64, Pence)>,
    }
    let conditions = scenario.prevalence.len();
    let empty = || {
        vec![
            Sums {
                with: vec![(0, Pence::ZERO, 0, Pence::ZERO); conditions],
                ..Sums::default()
            };
            k
        ]
    };
    let sums = (0..histories.people.len())
        .into_par_iter()
        .fold(empty, |mut sums, person| {
            let w = spend.workstream_of[p][1][person];
            let Some(assigned) = people.years[1][person] else {
                return sums;
            };
            if w >= k {
                return sums;
            }
            let history = histories.history(person);
            let growth = scenario.growth_of(assigned.age);
            let weight = capitation::person_weight(&indices, &the_plan.capitation, &assigned);
            let mut own = Pence::ZERO;
            let mut after = Pence::ZERO;
            for event in starting_in(history.events, first, last) {
                let Some(c) = people.contract_for(inputs, &history, event, 1) else {
                    continue;
                };
                let id = &inputs.register.contracts[c].id;
                if !the_plan.workstreams[w]
                    .feeds
                    .iter()
                    .any(|f| f.takes(id, event.setting))
                {
                    continue;
                }
                let (cost, _) = costed.of(event);
                own += cost;
                let mut moved = cost;
                for (from, to, share) in &scenario.shifts {
                    if event.setting == *from {
                        let days = i64::from(event.end - event.start) + 1;
                        let replacement = inputs
                            .unit_costs
                            .cost_of(*to, None, days)
                            .unwrap_or(Pence::ZERO);
                        moved = moved - share_of(cost, *share) + share_of(replacement, *share);
                    }
                }
                after += moved;
            }
            let s = &mut sums[w];
            s.people += 1;
            s.grown += 1.0 + growth;
            s.weight += weight;
            s.grown_weight += weight * (1.0 + growth);
            s.spend += own;
            s.after += share_of(after, 1.0 + growth);
            for (i, (condition, _)) in scenario.prevalence.iter().enumerate() {
                let has = assigned.conditions & (1 << condition.index()) != 0;
                let entry = &mut s.with[i];
                if has {
                    entry.0 += 1;
                    entry.1 += own;
                } else {
                    entry.2 += 1;
                    entry.3 += own;
                }
            }
            sums
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.people += y.people;
                x.grown += y.grown;
                x.weight += y.weight;
                x.grown_weight += y.grown_weight;
                x.spend += y.spend;
                x.after += y.after;
                for (u, v) in x.with.iter_mut().zip(y.with) {
                    u.0 += v.0;
                    u.1 += v.1;
                    u.2 += v.2;
                    u.3 += v.3;
                }
            }
            a
        });
    Ok(shadow
        .workstreams
        .iter()
        .zip(sums)
        .map(|(w, s)| {
            let mut spend_after = s.after;
            for ((_, rise), (n_with, with, n_without, without)) in
                scenario.prevalence.iter().zip(&s.with)
            {
                if *n_with > 0 && *n_without > 0 {
                    let extra_people = (*n_with as f64 * rise).round() as i64;
                    let mean_with = with.scaled(1, *n_with as i64);
                    let mean_without = without.scaled(1, *n_without as i64);
                    spend_after += Pence((mean_with - mean_without).0 * extra_people);
                }
            }
            let budget_after = if s.weight > 0.0 {
                share_of(w.budget, s.grown_weight / s.weight)
            } else {
                w.budget
            };
            Effect {
                workstream: w.id.clone(),
                label: w.label.clone(),
                people: s.people,
                people_after: s.grown,
                budget: w.budget,
                budget_after,
                spend: s.spend,
                spend_after,
            }
        })
        .collect())
}
