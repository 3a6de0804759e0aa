//! Shadow budgets: each workstream's budget is built from the contracts that feed it.
//! For each contract in force in the budget year, its value for the year is shared between
//! the workstreams whose feeds name it:
//!
//! - a **fixed** share where the plan gives one;
//! - otherwise **by use**: the share of the contract's costed activity in the year before
//!   that the workstream's population used (in the feed's settings); a contract with no
//!   activity that year is shared by the workstreams' registered people instead;
//! - what no workstream claims stays **outside** the plan.
//!
//! The shares of each contract are split by largest remainder, so a plan's workstreams and
//! its outside add up to the register's value to the penny. The actual is the workstream's
//! population's spend on the rows of the contracts (and settings) that feed it.

use accord_contracts::BudgetPlan;
use accord_model::{Pence, allocate};
use accord_snapshot::money::{
    BudgetSource, CapitationResult, MonthSpend, PlanResult, WorkstreamResult,
};

use crate::MoneyInputs;
use crate::people::Assignments;
use crate::spend::Spend;
use crate::year::Years;

pub fn plan_result(
    inputs: &MoneyInputs,
    plan: &BudgetPlan,
    years: &Years,
    spend: &Spend,
    people: &Assignments,
    capitation: CapitationResult,
) -> PlanResult {
    let p = inputs
        .plans
        .iter()
        .position(|x| x.id == plan.id)
        .unwrap_or(0);
    let k = plan.workstreams.len();
    let mut members = vec![0u64; k];
    for w in &spend.workstream_of[p][1] {
        if *w < k {
            members[*w] += 1;
        }
    }
    let registered = people.count(1).max(1);
    let (from, to) = (years.budget.start, years.budget.end);
    let mut sources: Vec<Vec<BudgetSource>> = vec![Vec::new(); k];
    let mut outside = Pence::ZERO;
    for (c, contract) in inputs.register.contracts.iter().enumerate() {
        if contract.days_within(from, to) == 0 {
            continue;
        }
        let value = contract.value_within(from, to);
        let used = spend.contract_use(c).spend;
        let mut claims = vec![0.0f64; k];
        let mut basis = vec![""; k];
        for (w, workstream) in plan.workstreams.iter().enumerate() {
            let Some(feed) = workstream.feeds.iter().find(|f| f.names(&contract.id)) else {
                continue;
            };
            (claims[w], basis[w]) = match feed.share {
                Some(share) => (share, "fixed"),
                None if used.0 > 0 => (
                    spend.workstream_use(p, w, c).spend.0 as f64 / used.0 as f64,
                    "by use",
                ),
                None => (
                    members[w] as f64 / registered as f64,
                    "by people (no use last year)",
                ),
            };
        }
        // Fixed shares are checked to add up to no more than the whole; by-use shares give
        // way to them where the two together would.
        let fixed: f64 = (0..k)
            .filter(|w| basis[*w] == "fixed")
            .map(|w| claims[w])
            .sum();
        let by_use: f64 = (0..k)
            .filter(|w| basis[*w] != "fixed")
            .map(|w| claims[w])
            .sum();
        if fixed + by_use > 1.0 && by_use > 0.0 {
            let room = (1.0 - fixed).max(0.0) / by_use;
            for w in (0..k).filter(|w| basis[*w] != "fixed") {
                claims[w] *= room;
            }
        }
        let claimed: f64 = claims.iter().sum();
        let mut weights = claims.clone();
        weights.push((1.0 - claimed).max(0.0));
        let parts = allocate(value, &weights);
        for w in 0..k {
            if !basis[w].is_empty() {
                sources[w].push(BudgetSource {
                    contract: contract.id.clone(),
                    share: claims[w],
                    basis: basis[w].into(),
                    amount: parts[w],
                });
            }
        }
        outside += parts[k];
    }
    let workstreams = plan
        .workstreams
        .iter()
        .enumerate()
        .map(|(w, workstream)| {
            let monthly: Vec<MonthSpend> = (0..24)
                .map(|m| {
                    let cell = spend.workstream_month(p, w, m);
                    MonthSpend {
                        month: years.month_start(m),
                        spend: cell.spend,
                        from_unit_costs: cell.from_unit_costs,
                    }
                })
                .collect();
            let actual: Pence = monthly[12..].iter().map(|m| m.spend).sum();
            let from_unit_costs: Pence = monthly[12..].iter().map(|m| m.from_unit_costs).sum();
            let budget: Pence = sources[w].iter().map(|s| s.amount).sum();
            let pounds: Vec<f64> = monthly.iter().map(|m| m.spend.pounds()).collect();
            let spc = accord_snapshot::control::spend_spc(&pounds, budget.pounds() / 12.0);
            WorkstreamResult {
                id: workstream.id.clone(),
                label: workstream.label.clone(),
                segments: workstream.segments.clone(),
                people: members[w],
                budget,
                actual,
                from_unit_costs,
                variance: budget - actual,
                sources: std::mem::take(&mut sources[w]),
                monthly,
                spc,
            }
        })
        .collect();
    PlanResult {
        id: plan.id.clone(),
        name: plan.name.clone(),
        description: plan.description.clone(),
        framework: plan.framework.clone(),
        segment_model: plan.segment_model.clone(),
        workstreams,
        outside,
        capitation,
    }
}
