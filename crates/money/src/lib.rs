//! Where the money goes, exact to the penny: every activity row costed (its own cost, or a
//! unit cost where it has none), matched to the contract that paid for it, and summed by
//! provider, contract, setting, area, age, deprivation, segment and workstream; capitated
//! budgets by the shape of NHS England's weighted capitation; shadow budgets per
//! workstream with their monthly actuals; and what-if scenarios.
//!
//! One module per step, as the evaluation is cut:
//! - `year`: the budget year and the year before it;
//! - `cost`: a row's cost in pence and where it came from;
//! - `people`: who each person is for a year (practice, age, segments) and which contract
//!   paid for each of their rows;
//! - `spend`: the spend tables, months, concentration, contracts and flows;
//! - `capitation` and `shadow`: the two kinds of budget;
//! - [`whatif`]: what-if scenarios;
//! - [`explain`]: how a line was made;
//! - [`payment`]: an outcome-based contract's payment from a snapshot, with its
//!   uncertainty.
//!
//! Everything is summed in integer pence; the only floats are weights and indices, and
//! every split of an amount goes through [`accord_model::allocate`], so parts add up to the
//! whole. Formulas are in `docs/money.md`.

#![warn(missing_docs)]

mod capitation;
mod cost;
pub mod explain;
pub mod payment;
mod people;
mod shadow;
mod spend;
pub mod whatif;
pub mod workbook;
mod year;

use accord_cohort::{Histories, SegmentModel};
use accord_contracts::{BudgetPlan, ContractsError, Problem, Register, UnitCosts};
use accord_snapshot::money::MoneyResults;

pub use year::budget_year;

/// Why money could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum MoneyError {
    /// A definition (register, unit costs, plan) is wrong.
    #[error(transparent)]
    Definitions(#[from] ContractsError),
    #[error(
        "the data end on {extract} but the budget year {year} runs to {end}: choose an earlier year or a later extract"
    )]
    /// The budget year runs past the data.
    YearNotCovered {
        /// The budget year ("2025/26").
        year: String,
        /// Its last day.
        end: chrono::NaiveDate,
        /// The data's extract date.
        extract: chrono::NaiveDate,
    },
    /// The data do not hold a whole financial year, or a date asked for is not one.
    #[error("{0}")]
    Dates(String),
}

/// What a money computation reads.
pub struct MoneyInputs<'a> {
    /// Every person's history.
    pub histories: &'a Histories,
    /// The contract register.
    pub register: &'a Register,
    /// The unit costs for rows without a recorded cost.
    pub unit_costs: &'a UnitCosts,
    /// The budget plans.
    pub plans: &'a [BudgetPlan],
    /// Every segment model to break spend down by; the plans' and the register's models
    /// must be among them.
    pub segment_models: &'a [SegmentModel],
    /// The budget year's last day (a 31 March); by default the latest whole financial
    /// year in the data.
    pub year_end: Option<chrono::NaiveDate>,
}

/// Checks that every segment the register and the plans name is in the models given, and
/// that every contract the plans feed from is in the register.
pub fn check_definitions(inputs: &MoneyInputs) -> Result<(), MoneyError> {
    let model = |id: &str| inputs.segment_models.iter().find(|m| m.id == id);
    let known = |id: &str| {
        inputs
            .segment_models
            .iter()
            .map(|m| m.id.as_str())
            .filter(|m| *m != id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    inputs.register.check_segments(|m, s| match model(m) {
        None => Err(format!("unknown segment model {m:?} (known: {})", known(m))),
        Some(found) if found.index_of(s).is_none() => Err(format!(
            "segment model {m} has no segment {s:?} (it has {})",
            found
                .segments
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(_) => Ok(()),
    })?;
    for plan in inputs.plans {
        let mut problems = Vec::new();
        match model(&plan.segment_model) {
            None => problems.push(Problem {
                line: plan.segment_model_line,
                field: "segment_model".into(),
                message: format!(
                    "unknown segment model {:?} (known: {})",
                    plan.segment_model,
                    known(&plan.segment_model)
                ),
            }),
            Some(found) => {
                for w in &plan.workstreams {
                    for s in &w.segments {
                        if found.index_of(s).is_none() {
                            problems.push(Problem {
                                line: w.segments_line,
                                field: "segments".into(),
                                message: format!("segment model {} has no segment {s:?}", found.id),
                            });
                        }
                    }
                }
            }
        }
        for w in &plan.workstreams {
            for feed in &w.feeds {
                for id in feed.contracts.iter().filter(|c| *c != "*") {
                    if !inputs.register.contracts.iter().any(|c| &c.id == id) {
                        problems.push(Problem {
                            line: feed.contracts_line,
                            field: "contracts".into(),
                            message: format!(
                                "contract {id:?} is not in the register {}",
                                inputs.register.source
                            ),
                        });
                    }
                }
            }
        }
        for contract in &inputs.register.contracts {
            let fixed: Vec<(f64, usize)> = plan
                .workstreams
                .iter()
                .filter_map(|w| {
                    w.feeds
                        .iter()
                        .find(|f| f.names(&contract.id))
                        .and_then(|f| f.share.map(|s| (s, f.line)))
                })
                .collect();
            let sum: f64 = fixed.iter().map(|(s, _)| s).sum();
            if sum > 1.0 + 1e-9 {
                problems.push(Problem {
                    line: fixed.last().map_or(1, |(_, l)| *l),
                    field: "share".into(),
                    message: format!(
                        "the fixed shares of contract {} add up to {:.1}%, more than all of it",
                        contract.id,
                        100.0 * sum
                    ),
                });
            }
        }
        problems.sort_by_key(|p| p.line);
        problems.dedup();
        if !problems.is_empty() {
            return Err(ContractsError::Invalid {
                file: plan.file.clone(),
                problems,
            }
            .into());
        }
    }
    Ok(())
}

/// Everything money for the budget year.
pub fn compute(inputs: &MoneyInputs) -> Result<MoneyResults, MoneyError> {
    check_definitions(inputs)?;
    let years = year::Years::choose(inputs.histories, inputs.year_end)?;
    let costed = cost::Costed::new(inputs.unit_costs);
    let people = people::Assignments::new(inputs, &years);
    let spend = spend::Spend::new(inputs, &years, &costed, &people);
    let plans = inputs
        .plans
        .iter()
        .map(|plan| {
            let capitation = capitation::capitate(inputs, plan, &years, &spend, &people);
            shadow::plan_result(inputs, plan, &years, &spend, &people, capitation)
        })
        .collect();
    Ok(spend.into_results(inputs, &years, plans, &people))
}
