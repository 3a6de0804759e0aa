//! How a money line was made, in words a commissioner or a provider can check: the rule,
//! the population, the weights and shares, the figures, and for a contract the SQL that
//! recomputes its spend from the Parquet files in any SQL engine.
//!
//! Lines are named `contract:ID`, `workstream:PLAN/ID` and `capitation:PLAN/UNIT/GROUP`
//! (`accord money explain` lists them).

use std::fmt::Write;

use accord_contracts::{Population, Register, UnitCosts};
use accord_model::Vocabulary;
use accord_snapshot::money::MoneyResults;

/// Every line that can be explained.
pub fn lines(results: &MoneyResults) -> Vec<String> {
    let mut lines: Vec<String> = results
        .contracts
        .iter()
        .map(|c| format!("contract:{}", c.id))
        .collect();
    for plan in &results.plans {
        lines.extend(
            plan.workstreams
                .iter()
                .map(|w| format!("workstream:{}/{}", plan.id, w.id)),
        );
        for table in &plan.capitation.tables {
            lines.extend(
                table
                    .lines
                    .iter()
                    .map(|l| format!("capitation:{}/{}/{}", plan.id, table.unit, l.group)),
            );
        }
    }
    lines.dedup();
    lines
}

/// The explanation of one line, or why there is none.
pub fn explain(
    results: &MoneyResults,
    register: Option<&Register>,
    unit_costs: Option<&UnitCosts>,
    line: &str,
) -> Result<String, String> {
    let unknown = || {
        format!(
            "no money line {line:?}: name one as contract:ID, workstream:PLAN/ID or capitation:PLAN/UNIT/GROUP"
        )
    };
    let (kind, name) = line.split_once(':').ok_or_else(unknown)?;
    let mut out = String::new();
    let year = &results.year;
    match kind {
        "contract" => {
            let c = results
                .contracts
                .iter()
                .find(|c| c.id == name)
                .ok_or_else(unknown)?;
            let _ = writeln!(
                out,
                "Contract {} with {} ({}), commissioned by {}",
                c.id, c.provider_name, c.provider_code, c.commissioner
            );
            let _ = writeln!(
                out,
                "  pays for: {} for {}; {} payment{}",
                c.services.join(", "),
                c.population,
                c.payment_model.replace('_', "-"),
                if c.pooled {
                    "; in a pooled (section 75) budget"
                } else {
                    ""
                }
            );
            let _ = writeln!(
                out,
                "  value in {}: {} (the register's annual value for the days of the year it covers)",
                year.label, c.value
            );
            let _ = writeln!(
                out,
                "  activity it paid for: {} rows costing {} ({} of it from unit costs)",
                c.rows, c.spend, c.from_unit_costs
            );
            let _ = writeln!(out, "  gap (value − costed activity): {}", c.gap);
            let _ = writeln!(
                out,
                "\nRule: a row is this contract's when its provider is {}, its setting one of {}, it starts on a day the contract covers in {} ({}..{}), its person is in the population, and no contract above it in the register ({}) takes it first. A row's cost is its cost_gbp where above zero, else the unit cost of its setting ({}).",
                c.provider_code,
                c.services.join(", "),
                year.label,
                year.start,
                year.end,
                results.register,
                results.unit_costs
            );
            if let Some(contract) = register.and_then(|r| r.contracts.iter().find(|x| x.id == c.id))
            {
                let _ = writeln!(out, "  register line {}", contract.line);
                if contract.population == Population::All {
                    let _ = writeln!(
                        out,
                        "\nSQL (DataFusion or DuckDB, on the dataset's Parquet; the register's order is not in it, so it counts rows another contract above this one would take):\n{}",
                        contract_sql(contract, unit_costs, year.start, year.end)
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "\nThe population ({}) is decided in Rust from each person's age or segment, so there is no SQL for this line.",
                        contract.population.text()
                    );
                }
            }
        }
        "workstream" => {
            let (plan_id, id) = name.split_once('/').ok_or_else(unknown)?;
            let plan = results.plan(plan_id).ok_or_else(unknown)?;
            let w = plan
                .workstreams
                .iter()
                .find(|w| w.id == id)
                .ok_or_else(unknown)?;
            let _ = writeln!(
                out,
                "Workstream {} of {} ({}), {}",
                w.label, plan.name, plan.id, year.label
            );
            let _ = writeln!(
                out,
                "  population: {} people registered in the year whose segment of {} on their first day in it was {}",
                w.people,
                plan.segment_model,
                w.segments.join(" or ")
            );
            let _ = writeln!(
                out,
                "  budget {} = the sum of its shares of the contracts that feed it:",
                w.budget
            );
            for s in &w.sources {
                let _ = writeln!(
                    out,
                    "    {:<16} {:>7.3}% {:<30} {}",
                    s.contract,
                    100.0 * s.share,
                    s.basis,
                    s.amount
                );
            }
            let _ = writeln!(
                out,
                "  actual {}: the population's costed rows on those contracts in the year ({} from unit costs)",
                w.actual, w.from_unit_costs
            );
            let _ = writeln!(out, "  variance (budget − actual): {}", w.variance);
            let _ = writeln!(
                out,
                "\nRule: each contract's value for the year is shared between the workstreams whose feeds name it, by fixed share or by use (the workstream's share of the contract's costed rows in {}), by largest remainder; what no workstream takes ({} in all) stays outside the plan.",
                results.baseline_year.label, plan.outside
            );
        }
        "capitation" => {
            let mut parts = name.splitn(3, '/');
            let (Some(plan_id), Some(unit), Some(group)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(unknown());
            };
            let plan = results.plan(plan_id).ok_or_else(unknown)?;
            let cap = &plan.capitation;
            let table = cap
                .tables
                .iter()
                .find(|t| t.unit == unit)
                .ok_or_else(unknown)?;
            let l = table
                .lines
                .iter()
                .find(|l| l.group == group)
                .ok_or_else(unknown)?;
            let weighted: f64 = table.lines.iter().map(|l| l.weighted_population).sum();
            let _ = writeln!(
                out,
                "Capitated budget of {} {} under {} ({}), {}",
                unit, l.label, plan.name, plan.id, year.label
            );
            let _ = writeln!(
                out,
                "  people registered: {}; weighted population {:.1} of {:.1} in all",
                l.people, l.weighted_population, weighted
            );
            let _ = writeln!(
                out,
                "  envelope {} from {}",
                cap.envelope, cap.envelope_source
            );
            let _ = writeln!(
                out,
                "  target {} = envelope × {:.1} / {:.1}, by largest remainder",
                l.target, l.weighted_population, weighted
            );
            match cap.pace_of_change {
                Some(pace) => {
                    let _ = writeln!(
                        out,
                        "  last year's spend {}; pace of change {:.1}%: budget {} (target held within {:.1}% of last year's spend, shared to the envelope again)",
                        l.baseline,
                        100.0 * pace,
                        l.budget,
                        100.0 * pace
                    );
                }
                None => {
                    let _ = writeln!(out, "  budget {} (no pace of change: the target)", l.budget);
                }
            }
            let _ = writeln!(
                out,
                "  actual {}; variance (budget − actual) {}",
                l.actual, l.variance
            );
            let _ = writeln!(
                out,
                "\nWeights: each person weighs age-sex index × need index ({}) × (1 + top-up of their IMD quintile {:?}) × market forces factor {}.",
                cap.need, cap.inequalities_top_up, cap.market_forces_factor
            );
            let _ = writeln!(
                out,
                "Age-sex indices ({}: mean cost per person of the band over everyone's):",
                results.baseline_year.label
            );
            index_rows(&mut out, &cap.age_sex);
            if !cap.need_index.is_empty() {
                let _ = writeln!(out, "Need indices (cost over what age and sex predict):");
                index_rows(&mut out, &cap.need_index);
            }
        }
        _ => return Err(unknown()),
    }
    Ok(out)
}

/// The rows of a capitation index, one a line.
fn index_rows(out: &mut String, rows: &[accord_snapshot::money::IndexRow]) {
    for r in rows {
        let _ = writeln!(
            out,
            "    {:<22} {:>8} people {:>18} {:>6.3}",
            r.group,
            r.people,
            r.spend.to_string(),
            r.index
        );
    }
}

/// SQL that recomputes a contract's rows and spend from the activity table alone.
pub fn contract_sql(
    contract: &accord_contracts::Contract,
    unit_costs: Option<&UnitCosts>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> String {
    let settings = contract
        .services
        .iter()
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ");
    let from = from.max(contract.start);
    let to = to.min(contract.end);
    let fallback = unit_costs.map_or_else(
        || "0".to_string(),
        |table| {
            let arms: Vec<String> = table
                .costs
                .iter()
                .filter(|c| c.group.is_none() && contract.services.contains(&c.setting))
                .map(|c| {
                    let pence = c.cost.0;
                    match c.unit {
                        accord_contracts::CostUnit::Row => format!("WHEN '{}' THEN {pence}", c.setting.code()),
                        accord_contracts::CostUnit::Week => format!(
                            "WHEN '{}' THEN ROUND({pence} * (COALESCE(end_date, start_date) - start_date + 1) / 7.0)",
                            c.setting.code()
                        ),
                    }
                })
                .collect();
            if arms.is_empty() {
                "0".into()
            } else {
                format!("CASE setting {} ELSE 0 END", arms.join(" "))
            }
        },
    );
    format!(
        "SELECT COUNT(*) AS rows,\n       SUM(CASE WHEN cost_gbp > 0 THEN ROUND(cost_gbp * 100) ELSE {fallback} END) / 100 AS spend_gbp\nFROM activity\nWHERE provider_code = '{}'\n  AND setting IN ({settings})\n  AND start_date BETWEEN DATE '{from}' AND DATE '{to}';",
        contract.provider_code
    )
}
