//! The definitions money is computed from (a contract register, unit costs, budget plans,
//! segment models), read and checked together before any work.

use std::path::Path;

use accord_cohort::{Histories, SegmentModel, segment};
use accord_contracts::{BudgetPlan, Register, UnitCosts, builtin_plans, load_plan};
use accord_money::{MoneyInputs, compute};
use accord_snapshot::money::MoneyResults;
use chrono::NaiveDate;

use crate::{Workspace, WorkspaceError};

/// Money's definitions, read and checked.
pub struct MoneyDefinitions {
    /// The contracts.
    pub register: Register,
    /// What a row costs where its cost is not recorded.
    pub unit_costs: UnitCosts,
    /// The budget plans (capitated and shadow budgets).
    pub plans: Vec<BudgetPlan>,
    /// The segment models spend is broken down by.
    pub models: Vec<SegmentModel>,
}

impl MoneyDefinitions {
    /// Reads the register at `contracts`, the unit costs (default: the built-in table), the
    /// budget plans (built-in names or files; default: every built-in) and segment model
    /// files beside the built-in models; problems name their file, line and field.
    pub fn load(
        contracts: &Path,
        unit_costs: Option<&Path>,
        plans: &[String],
        segments: &[String],
    ) -> Result<MoneyDefinitions, WorkspaceError> {
        let register = Register::load(contracts)?;
        let unit_costs = UnitCosts::load(unit_costs)?;
        let plans = if plans.is_empty() {
            builtin_plans()?
        } else {
            plans
                .iter()
                .map(|p| load_plan(p))
                .collect::<Result<_, _>>()?
        };
        let mut models = segment::builtin();
        for file in segments {
            let model = segment::load(file)?;
            if models.iter().any(|m| m.id == model.id) {
                return Err(WorkspaceError::SegmentModelTwice {
                    file: file.clone(),
                    id: model.id,
                });
            }
            models.push(model);
        }
        Ok(MoneyDefinitions {
            register,
            unit_costs,
            plans,
            models,
        })
    }

    /// What money is computed from, over `histories`.
    pub fn inputs<'a>(
        &'a self,
        histories: &'a Histories,
        year_end: Option<NaiveDate>,
    ) -> MoneyInputs<'a> {
        MoneyInputs {
            histories,
            register: &self.register,
            unit_costs: &self.unit_costs,
            plans: &self.plans,
            segment_models: &self.models,
            year_end,
        }
    }
}

impl Workspace {
    /// Spend, contracts and budgets for the budget year ending `year_end` (default: the
    /// latest 31 March in the data).
    pub fn money(
        &self,
        definitions: &MoneyDefinitions,
        year_end: Option<NaiveDate>,
    ) -> Result<MoneyResults, WorkspaceError> {
        Ok(compute(&definitions.inputs(self.histories()?, year_end))?)
    }
}
