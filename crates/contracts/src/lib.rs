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

#![warn(missing_docs)]

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

/// A built-in definition by id (named `built-in {what} {id}` in errors), or a file by
/// path: the one way every kind of definition is found.
pub(crate) fn load_named<T>(
    name: &str,
    builtins: &[(&str, &str)],
    what: &'static str,
    parse: impl Fn(&str, &str) -> Result<T, ContractsError>,
) -> Result<T, ContractsError> {
    if let Some((id, text)) = builtins.iter().find(|(id, _)| *id == name) {
        return parse(text, &format!("built-in {what} {id}"));
    }
    let path = std::path::Path::new(name);
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        return parse(&read_text(path)?, name);
    }
    Err(ContractsError::Unknown {
        what,
        name: name.to_string(),
        known: builtins
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// An amount of pounds as a definition file writes it: a whole number, a decimal, or a
/// string such as "1,250,000.00"; none if it is not one.
pub(crate) fn pounds(value: &toml::Value) -> Option<accord_model::Pence> {
    use accord_model::Pence;
    match value {
        toml::Value::Integer(i) => Some(Pence(i.checked_mul(100)?)),
        toml::Value::Float(f) => Pence::from_pounds(*f).ok(),
        toml::Value::String(s) => Pence::parse(s).ok(),
        _ => None,
    }
}

/// Reads a definition file, naming it in the error.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, ContractsError> {
    std::fs::read_to_string(path).map_err(|source| ContractsError::Read {
        file: path.to_path_buf(),
        source,
    })
}

/// Asserts that an error holds exactly these problems, in order, each starting with the
/// text given (the rest of a message may say more).
#[cfg(test)]
pub(crate) fn assert_problems(err: &ContractsError, expect: &[&str]) {
    let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for (found, expect) in found.iter().zip(expect) {
        assert!(
            found.starts_with(expect),
            "{found} does not start with {expect}"
        );
    }
}
