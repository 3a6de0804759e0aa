//! A row's cost in pence. The row's own `cost_gbp`, rounded to the penny once, where it
//! has one; where it has none (zero), the unit cost of its setting (and diagnosis group),
//! for its days if the unit is a week; where the table has no line either, nothing, and the
//! row is counted as uncosted.

use accord_cohort::history::Event;
use accord_contracts::UnitCosts;
use accord_model::Pence;

/// Where a row's cost came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostSource {
    Recorded,
    UnitCost,
    /// No recorded cost and no unit cost for its setting.
    None,
}

/// The costing rule, ready to apply to rows.
pub struct Costed<'a> {
    pub unit_costs: &'a UnitCosts,
}

impl<'a> Costed<'a> {
    pub fn new(unit_costs: &'a UnitCosts) -> Costed<'a> {
        Costed { unit_costs }
    }

    /// The row's cost and where it came from.
    pub fn of(&self, event: &Event) -> (Pence, CostSource) {
        if event.cost > 0.0 {
            // The dataset's checks hold every cost finite and below £10m.
            return (
                Pence::from_pounds(event.cost).unwrap_or(Pence::ZERO),
                CostSource::Recorded,
            );
        }
        let days = i64::from(event.end - event.start) + 1;
        match self
            .unit_costs
            .cost_of(event.setting, event.diagnosis.as_deref(), days)
        {
            Some(cost) => (cost, CostSource::UnitCost),
            None => (Pence::ZERO, CostSource::None),
        }
    }
}
