//! The money results of a refresh (`money.json` in the snapshot folder): spend, the
//! contract map, capitated budgets and shadow budgets, every amount in whole pence. They are
//! computed by `accord-money` and read by the views; the types live here, at the boundary,
//! so that views need not depend on the computation.

use accord_model::Pence;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A year of account (the NHS's financial year: 1 April to 31 March).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Year {
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day.
    pub end: NaiveDate,
    /// "2025/26".
    pub label: String,
}

/// Spend of one group in one breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendRow {
    /// The group's code.
    pub group: String,
    /// The group's name, for people.
    pub label: String,
    /// People assigned to the group for the year (registered at some time in it); zero for
    /// breakdowns of activity rather than people (provider, contract, setting).
    pub people: u64,
    /// Activity rows costed.
    pub rows: u64,
    /// Their cost.
    pub spend: Pence,
    /// The part of `spend` costed from unit costs rather than recorded on the rows.
    pub from_unit_costs: Pence,
    /// `spend / people`, to the penny, where there are people.
    pub per_person: Option<Pence>,
}

/// Spend by the groups of one breakdown; its rows add up to the year's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendTable {
    /// `provider`, `contract`, `setting`, `network`, `practice`, `age_band`,
    /// `imd_quintile`, `segment:MODEL` or `workstream:PLAN`.
    pub breakdown: String,
    /// The table's title.
    pub title: String,
    /// One row per group.
    pub rows: Vec<SpendRow>,
}

/// One month's spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthSpend {
    /// The month's first day.
    pub month: NaiveDate,
    /// The month's cost.
    pub spend: Pence,
    /// The part of it costed from unit costs.
    pub from_unit_costs: Pence,
}

/// The share of the year's spend by the costliest people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcentrationPoint {
    /// The top `percent`% of people by spend (1, 2, 5, 10, 20, 50).
    pub percent: f64,
    /// How many people that is.
    pub people: u64,
    /// Their spend.
    pub spend: Pence,
    /// Their share of all spend on people, 0-1.
    pub share: f64,
}

/// A contract in the budget year: its value beside the costed activity it paid for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractLine {
    /// The contract's id in the register.
    pub id: String,
    /// The provider's code.
    pub provider_code: String,
    /// The provider's name.
    pub provider_name: String,
    /// Who commissions it.
    pub commissioner: String,
    /// The services (settings) it pays for.
    pub services: Vec<String>,
    /// The population it covers.
    pub population: String,
    /// How it pays (block, cost and volume, capitated, outcome-based, ...).
    pub payment_model: String,
    /// Whether it is in the partnership's pooled budget.
    pub pooled: bool,
    /// The register's value for the days of the year the contract covers.
    pub value: Pence,
    /// Activity rows the contract paid for, and their cost.
    pub rows: u64,
    /// The cost of that activity.
    pub spend: Pence,
    /// The part of it costed from unit costs.
    pub from_unit_costs: Pence,
    /// `value - spend`: above zero the contract paid for more than the activity cost (as
    /// block contracts may), below zero less.
    pub gap: Pence,
}

/// Who provides what for whom: spend from a provider in a setting on a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// The provider's code.
    pub provider: String,
    /// The setting.
    pub setting: String,
    /// The segment of the people it was for.
    pub segment: String,
    /// Activity rows.
    pub rows: u64,
    /// Their cost.
    pub spend: Pence,
}

/// One row of a capitation index (an age-sex band, or a group of need).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexRow {
    /// The band's or group's code.
    pub group: String,
    /// People in it.
    pub people: u64,
    /// Their spend in the weighting year.
    pub spend: Pence,
    /// The group's cost relative to the whole (age-sex) or to what age and sex predict
    /// (need).
    pub index: f64,
}

/// A budget line of one unit (a network, a practice, a segment or a workstream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// The unit's code.
    pub group: String,
    /// The unit's name, for people.
    pub label: String,
    /// People registered at the start of the budget year.
    pub people: u64,
    /// Σ of their weights: age-sex index × need index × (1 + top-up) × market forces.
    pub weighted_population: f64,
    /// The envelope shared by weighted population.
    pub target: Pence,
    /// Last year's spend of the same people, the starting point of the pace of change.
    pub baseline: Pence,
    /// The target moved no further from the baseline than the pace of change allows, and
    /// shared to the envelope again: what the unit is given.
    pub budget: Pence,
    /// The year's spend of the unit's people.
    pub actual: Pence,
    /// `budget - actual`.
    pub variance: Pence,
}

/// Budgets for one kind of unit; they add up to the envelope to the penny.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetTable {
    /// `network`, `practice`, `segment` or `workstream`.
    pub unit: String,
    /// One line per unit.
    pub lines: Vec<BudgetLine>,
}

/// The capitation formula's inputs and its budgets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapitationResult {
    /// The money shared out.
    pub envelope: Pence,
    /// Where the envelope came from.
    pub envelope_source: String,
    /// How need is measured beyond age and sex.
    pub need: String,
    /// The inequalities top-up of each IMD quintile, most deprived first.
    pub inequalities_top_up: [f64; 5],
    /// The market forces factor applied to every weight.
    pub market_forces_factor: f64,
    /// How far a budget may move from its baseline towards its target in a year, where limited.
    pub pace_of_change: Option<f64>,
    /// Mean annual cost per person of each age band and sex over the overall mean, from
    /// the year before the budget year.
    pub age_sex: Vec<IndexRow>,
    /// The need index of each group.
    pub need_index: Vec<IndexRow>,
    /// The budgets by network, practice, segment and workstream.
    pub tables: Vec<BudgetTable>,
}

/// Where a workstream's budget came from: a share of one contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetSource {
    /// The contract's id.
    pub contract: String,
    /// The share of the contract's value, 0-1.
    pub share: f64,
    /// "by use" (its share of the contract's costed activity the year before) or "fixed".
    pub basis: String,
    /// The amount the workstream receives from it.
    pub amount: Pence,
}

/// One shadow budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkstreamResult {
    /// The workstream's id.
    pub id: String,
    /// Its name, for people.
    pub label: String,
    /// The segments whose people it serves.
    pub segments: Vec<String>,
    /// How many people that is.
    pub people: u64,
    /// Its budget for the year.
    pub budget: Pence,
    /// The year's spend of its people on what feeds it.
    pub actual: Pence,
    /// The part of `actual` costed from unit costs.
    pub from_unit_costs: Pence,
    /// `budget - actual`.
    pub variance: Pence,
    /// Where the budget came from, contract by contract.
    pub sources: Vec<BudgetSource>,
    /// Monthly spend of the workstream's population on what feeds it, over the data.
    pub monthly: Vec<MonthSpend>,
    /// The XmR chart of `monthly`, held against a twelfth of the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spc: Option<accord_spc::Chart>,
}

/// A budget plan's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanResult {
    /// The plan's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The outcomes framework whose figures stand beside the budgets.
    pub framework: Option<String>,
    /// The segment model its workstreams are drawn from.
    pub segment_model: String,
    /// Its shadow budgets.
    pub workstreams: Vec<WorkstreamResult>,
    /// The part of the contracts' value that falls in no workstream (e.g. the under-65s'
    /// share in an over-65s plan). Workstreams and this add up to the register's value.
    pub outside: Pence,
    /// The capitated budgets under the plan's formula.
    pub capitation: CapitationResult,
}

/// Everything money, for one budget year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyResults {
    /// The register's file.
    pub register: String,
    /// The unit costs' id, version and price year.
    pub unit_costs: String,
    /// The budget year.
    pub year: Year,
    /// The year before, which weights capitation and shares contracts by use.
    pub baseline_year: Year,
    /// The year's spend on everyone's activity.
    pub total: SpendRow,
    /// Spend by each breakdown.
    pub spend: Vec<SpendTable>,
    /// Spend month by month, over the data.
    pub monthly: Vec<MonthSpend>,
    /// The share of spend by the costliest people.
    pub concentration: Vec<ConcentrationPoint>,
    /// Each contract beside the activity it paid for.
    pub contracts: Vec<ContractLine>,
    /// Activity that no contract in the register paid for.
    pub uncontracted: SpendRow,
    /// Spend from providers through settings to segments.
    pub flows: Vec<Flow>,
    /// Each budget plan's results.
    pub plans: Vec<PlanResult>,
}

impl MoneyResults {
    /// A spend table by breakdown name.
    pub fn table(&self, breakdown: &str) -> Option<&SpendTable> {
        self.spend.iter().find(|t| t.breakdown == breakdown)
    }

    /// A budget plan's results by id.
    pub fn plan(&self, id: &str) -> Option<&PlanResult> {
        self.plans.iter().find(|p| p.id == id)
    }
}

/// A value in a money table.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// An amount of money.
    Pounds(Pence),
    /// A count.
    Count(u64),
    /// Any other number (an index, a share).
    Number(f64),
}

impl Value {
    /// As a CSV field: pounds with two decimals and no symbol, so a spreadsheet reads a
    /// number.
    pub fn csv(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Pounds(p) => {
                let sign = if p.0 < 0 { "-" } else { "" };
                format!(
                    "{sign}{}.{:02}",
                    p.0.unsigned_abs() / 100,
                    p.0.unsigned_abs() % 100
                )
            }
            Value::Count(n) => n.to_string(),
            Value::Number(x) => format!("{x:.6}"),
        }
    }
}

/// One table of the money results, as the CSV downloads and the workbook's sheets hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// A file and sheet name (at most 31 characters, as spreadsheets allow).
    pub name: String,
    /// The column headings.
    pub columns: Vec<&'static str>,
    /// The rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl Sheet {
    /// The sheet as CSV text.
    pub fn csv(&self) -> String {
        let field = |s: String| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        };
        let mut out = self.columns.join(",");
        out.push('\n');
        for row in &self.rows {
            out.push_str(
                &row.iter()
                    .map(|v| field(v.csv()))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
        out
    }
}

impl MoneyResults {
    /// Every table, for CSV downloads and the workbook: spend by each breakdown, months,
    /// concentration, contracts, flows, and each plan's workstreams and capitation.
    pub fn sheets(&self) -> Vec<Sheet> {
        use Value::{Count, Number, Pounds, Text};
        let mut sheets = Vec::new();
        let spend_columns = vec![
            "group",
            "label",
            "people",
            "rows",
            "spend_gbp",
            "from_unit_costs_gbp",
            "per_person_gbp",
        ];
        let spend_row = |r: &SpendRow| {
            vec![
                Text(r.group.clone()),
                Text(r.label.clone()),
                Count(r.people),
                Count(r.rows),
                Pounds(r.spend),
                Pounds(r.from_unit_costs),
                r.per_person.map_or(Text(String::new()), Pounds),
            ]
        };
        for table in &self.spend {
            sheets.push(Sheet {
                name: sheet_name(&format!("spend-{}", table.breakdown.replace(':', "-"))),
                columns: spend_columns.clone(),
                rows: table.rows.iter().map(spend_row).collect(),
            });
        }
        sheets.push(Sheet {
            name: "spend-month".into(),
            columns: vec!["month", "spend_gbp", "from_unit_costs_gbp"],
            rows: self
                .monthly
                .iter()
                .map(|m| {
                    vec![
                        Text(m.month.to_string()),
                        Pounds(m.spend),
                        Pounds(m.from_unit_costs),
                    ]
                })
                .collect(),
        });
        sheets.push(Sheet {
            name: "concentration".into(),
            columns: vec!["top_percent", "people", "spend_gbp", "share"],
            rows: self
                .concentration
                .iter()
                .map(|c| {
                    vec![
                        Number(c.percent),
                        Count(c.people),
                        Pounds(c.spend),
                        Number(c.share),
                    ]
                })
                .collect(),
        });
        sheets.push(Sheet {
            name: "contracts".into(),
            columns: vec![
                "contract_id",
                "provider_code",
                "provider_name",
                "commissioner",
                "services",
                "population",
                "payment_model",
                "pooled",
                "value_gbp",
                "rows",
                "spend_gbp",
                "from_unit_costs_gbp",
                "gap_gbp",
            ],
            rows: self
                .contracts
                .iter()
                .map(|c| {
                    vec![
                        Text(c.id.clone()),
                        Text(c.provider_code.clone()),
                        Text(c.provider_name.clone()),
                        Text(c.commissioner.clone()),
                        Text(c.services.join(";")),
                        Text(c.population.clone()),
                        Text(c.payment_model.clone()),
                        Text(if c.pooled { "yes" } else { "no" }.into()),
                        Pounds(c.value),
                        Count(c.rows),
                        Pounds(c.spend),
                        Pounds(c.from_unit_costs),
                        Pounds(c.gap),
                    ]
                })
                .collect(),
        });
        sheets.push(Sheet {
            name: "contract-map".into(),
            columns: vec!["provider", "setting", "segment", "rows", "spend_gbp"],
            rows: self
                .flows
                .iter()
                .map(|f| {
                    vec![
                        Text(f.provider.clone()),
                        Text(f.setting.clone()),
                        Text(f.segment.clone()),
                        Count(f.rows),
                        Pounds(f.spend),
                    ]
                })
                .collect(),
        });
        for plan in &self.plans {
            sheets.push(Sheet {
                name: sheet_name(&format!("budget-{}", plan.id)),
                columns: vec![
                    "workstream",
                    "label",
                    "people",
                    "budget_gbp",
                    "actual_gbp",
                    "from_unit_costs_gbp",
                    "variance_gbp",
                ],
                rows: plan
                    .workstreams
                    .iter()
                    .map(|w| {
                        vec![
                            Text(w.id.clone()),
                            Text(w.label.clone()),
                            Count(w.people),
                            Pounds(w.budget),
                            Pounds(w.actual),
                            Pounds(w.from_unit_costs),
                            Pounds(w.variance),
                        ]
                    })
                    .chain(std::iter::once(vec![
                        Text("outside".into()),
                        Text("Outside the plan".into()),
                        Count(0),
                        Pounds(plan.outside),
                        Text(String::new()),
                        Text(String::new()),
                        Text(String::new()),
                    ]))
                    .collect(),
            });
            let mut capitation = Vec::new();
            for table in &plan.capitation.tables {
                for l in &table.lines {
                    capitation.push(vec![
                        Text(table.unit.clone()),
                        Text(l.group.clone()),
                        Text(l.label.clone()),
                        Count(l.people),
                        Number(l.weighted_population),
                        Pounds(l.target),
                        Pounds(l.baseline),
                        Pounds(l.budget),
                        Pounds(l.actual),
                        Pounds(l.variance),
                    ]);
                }
            }
            sheets.push(Sheet {
                name: sheet_name(&format!("capitation-{}", plan.id)),
                columns: vec![
                    "unit",
                    "group",
                    "label",
                    "people",
                    "weighted_population",
                    "target_gbp",
                    "baseline_gbp",
                    "budget_gbp",
                    "actual_gbp",
                    "variance_gbp",
                ],
                rows: capitation,
            });
        }
        sheets
    }
}

/// A sheet name a spreadsheet accepts: at most 31 characters.
fn sheet_name(name: &str) -> String {
    name.chars().take(31).collect()
}
