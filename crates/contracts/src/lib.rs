//! A partnership's money as definition files, checked before any data is read:
//!
//! - [`Register`]: the contract register (who provides what, for whom, for how much, paid
//!   how), read from the CSV commissioners keep or from TOML;
//! - [`UnitCosts`]: a versioned table of unit costs by setting, applied where an activity
//!   row has no recorded cost;
//! - [`BudgetPlan`]: a partnership's budget plan: its capitation settings and its shadow
//!   budgets (workstreams, the segments that are their populations, and the contracts that
//!   feed them);
//! - [`OutcomeContract`]: an outcome-based contract: its indicators, scoring, gateways,
//!   caps, partners and risk share.
//!
//! Every problem is reported with its file, line and field, all at once, as frameworks
//! are. The formats are documented in `docs/money.md`; the built-in unit costs and budget
//! plans are in `builtin/`.

mod error;
mod outcome;
mod plan;
mod register;
mod unit_costs;

pub use error::{ContractsError, Problem};
pub use outcome::{
    BUILTIN_OUTCOME_CONTRACTS, ContractIndicator, Gateway, OutcomeContract, Partner, RiskShare,
    ScoreOn, Scoring, load_outcome_contract,
};
pub use plan::{BudgetPlan, Capitation, Feed, NeedIndex, Workstream, builtin_plans, load_plan};
pub use register::{Contract, PaymentModel, Population, REGISTER_COLUMNS, Register};
pub use unit_costs::{CostUnit, UnitCost, UnitCosts};

/// The 1-based line of a byte offset in a text.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Reads a definition file, naming it in the error.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, ContractsError> {
    std::fs::read_to_string(path).map_err(|source| ContractsError::Read {
        file: path.to_path_buf(),
        source,
    })
}
