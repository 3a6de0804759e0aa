//! Spend: one parallel pass over every person's rows in the two years, each row costed,
//! matched to its contract and added, in pence, to every breakdown it belongs to. The
//! breakdowns are laid out in one flat array of cells ([`Layout`]) so that threads add
//! into their own copy and the copies are merged once.

use std::collections::BTreeMap;

use accord_cohort::history::starting_in;
use accord_model::{Pence, Setting, Vocabulary};
use accord_snapshot::money::{
    ConcentrationPoint, ContractLine, Flow, MoneyResults, MonthSpend, PlanResult, SpendRow,
    SpendTable,
};
use rayon::prelude::*;

use crate::MoneyInputs;
use crate::cost::{CostSource, Costed};
use crate::people::{AGE_BANDS, Assignments, age_band, age_band_label};
use crate::year::Years;

/// Rows, spend and the part of it from unit costs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub rows: u64,
    pub spend: Pence,
    pub from_unit_costs: Pence,
}

impl Cell {
    fn add(&mut self, cost: Pence, source: CostSource) {
        self.rows += 1;
        self.spend += cost;
        if source == CostSource::UnitCost {
            self.from_unit_costs += cost;
        }
    }

    fn merge(&mut self, other: &Cell) {
        self.rows += other.rows;
        self.spend += other.spend;
        self.from_unit_costs += other.from_unit_costs;
    }
}

/// Offsets of each breakdown in the flat array of cells.
#[derive(Debug, Clone)]
pub struct Layout {
    pub providers: usize,
    /// Rows of the register.
    pub contracts: usize,
    /// Each register row's contract (its id's position among the distinct ids): the
    /// periods of one contract share their use.
    pub contract_ids: Vec<usize>,
    /// Distinct contract ids.
    pub ids: usize,
    pub networks: Vec<String>,
    pub practices: usize,
    /// Segments per model.
    pub segments: Vec<usize>,
    /// Workstreams per plan.
    pub workstreams: Vec<usize>,
    /// The model the contract map's flows are by (the first plan's, else the first).
    pub flow_model: Option<usize>,
    offsets: BTreeMap<&'static str, usize>,
    len: usize,
}

const MONTHS: usize = 24;
const SETTINGS: usize = 14;

impl Layout {
    fn new(inputs: &MoneyInputs) -> Layout {
        let histories = inputs.histories;
        let mut networks: Vec<String> = histories
            .practices
            .iter()
            .filter_map(|p| p.network.clone())
            .collect();
        networks.sort();
        networks.dedup();
        let segments: Vec<usize> = inputs
            .segment_models
            .iter()
            .map(|m| m.segments.len())
            .collect();
        let workstreams: Vec<usize> = inputs.plans.iter().map(|p| p.workstreams.len()).collect();
        let flow_model = inputs
            .plans
            .first()
            .and_then(|p| {
                inputs
                    .segment_models
                    .iter()
                    .position(|m| m.id == p.segment_model)
            })
            .or((!inputs.segment_models.is_empty()).then_some(0));
        let providers = histories.providers.len();
        let contracts = inputs.register.contracts.len();
        let mut distinct: Vec<&str> = Vec::new();
        let contract_ids = inputs
            .register
            .contracts
            .iter()
            .map(|c| match distinct.iter().position(|d| *d == c.id) {
                Some(i) => i,
                None => {
                    distinct.push(&c.id);
                    distinct.len() - 1
                }
            })
            .collect();
        let ids = distinct.len();
        let mut layout = Layout {
            providers,
            contracts,
            contract_ids,
            ids,
            networks,
            practices: histories.practices.len(),
            segments,
            workstreams,
            flow_model,
            offsets: BTreeMap::new(),
            len: 0,
        };
        let flow_segments = flow_model.map_or(1, |m| layout.segments[m] + 1);
        let per_model: usize = layout.segments.iter().map(|s| s + 1).sum();
        let per_plan: usize = layout.workstreams.iter().map(|w| w + 1).sum();
        let plan_months: usize = layout.workstreams.iter().map(|w| w * MONTHS).sum();
        let plan_use: usize = layout.workstreams.iter().map(|w| w * ids).sum();
        for (name, size) in [
            ("provider", providers),
            ("contract", contracts + 1),
            ("setting", SETTINGS),
            ("month", MONTHS),
            ("network", layout.networks.len() + 2),
            ("practice", layout.practices + 1),
            ("age_band", AGE_BANDS + 1),
            ("imd_quintile", 6),
            ("segment", per_model),
            ("workstream", per_plan),
            ("flow", providers * SETTINGS * flow_segments),
            ("workstream_month", plan_months),
            ("workstream_use", plan_use),
            ("contract_baseline", ids),
        ] {
            layout.offsets.insert(name, layout.len);
            layout.len += size;
        }
        layout
    }

    fn at(&self, block: &str) -> usize {
        self.offsets.get(block).copied().unwrap_or(0)
    }

    fn model_offset(&self, model: usize) -> usize {
        self.at("segment") + self.segments[..model].iter().map(|s| s + 1).sum::<usize>()
    }

    fn plan_offset(&self, plan: usize) -> usize {
        self.at("workstream")
            + self.workstreams[..plan]
                .iter()
                .map(|w| w + 1)
                .sum::<usize>()
    }

    fn plan_month_offset(&self, plan: usize) -> usize {
        self.at("workstream_month")
            + self.workstreams[..plan]
                .iter()
                .map(|w| w * MONTHS)
                .sum::<usize>()
    }

    fn plan_use_offset(&self, plan: usize) -> usize {
        self.at("workstream_use")
            + self.workstreams[..plan]
                .iter()
                .map(|w| w * self.ids)
                .sum::<usize>()
    }
}

/// The result of the pass.
pub struct Spend {
    pub layout: Layout,
    pub cells: Vec<Cell>,
    /// Each person's spend in `[baseline, budget]`.
    pub per_person: Vec<[Pence; 2]>,
    /// Each plan's workstream of each person in each year (`usize::MAX`: none).
    pub workstream_of: Vec<[Vec<usize>; 2]>,
}

impl Spend {
    pub fn new(
        inputs: &MoneyInputs,
        years: &Years,
        costed: &Costed,
        people: &Assignments,
    ) -> Spend {
        let layout = Layout::new(inputs);
        let histories = inputs.histories;
        let n = histories.people.len();
        // Each plan's workstream index per segment of its model.
        let plan_models: Vec<(usize, Vec<usize>)> = inputs
            .plans
            .iter()
            .map(|plan| {
                let m = inputs
                    .segment_models
                    .iter()
                    .position(|x| x.id == plan.segment_model)
                    .unwrap_or(0);
                let by_segment = inputs.segment_models.get(m).map_or_else(Vec::new, |model| {
                    model
                        .segments
                        .iter()
                        .map(|s| {
                            plan.workstreams
                                .iter()
                                .position(|w| w.segments.contains(&s.id))
                                .unwrap_or(usize::MAX)
                        })
                        .collect()
                });
                (m, by_segment)
            })
            .collect();
        let workstream_of: Vec<[Vec<usize>; 2]> = plan_models
            .iter()
            .map(|(m, by_segment)| {
                [0, 1].map(|y| {
                    (0..n)
                        .map(|p| {
                            people
                                .segment(y, p, *m)
                                .and_then(|s| by_segment.get(s).copied())
                                .unwrap_or(usize::MAX)
                        })
                        .collect()
                })
            })
            .collect();
        let (first, last) = (years.days[0].0, years.days[1].1);
        let not_registered = |block: &str, groups: usize| layout.at(block) + groups;
        let cells = (0..n)
            .into_par_iter()
            .fold(
                || vec![Cell::default(); layout.len],
                |mut cells, person| {
                    let history = histories.history(person);
                    for event in starting_in(history.events, first, last) {
                        let (Some(year), Some(month)) =
                            (years.of(event.start), years.month_of(event.start))
                        else {
                            continue;
                        };
                        let (cost, source) = costed.of(event);
                        let contract = people.contract_for(inputs, &history, event, year);
                        cells[layout.at("month") + month].add(cost, source);
                        for (p, plan) in inputs.plans.iter().enumerate() {
                            let w = workstream_of[p][year][person];
                            if w == usize::MAX {
                                continue;
                            }
                            let Some(c) = contract else { continue };
                            let id = &inputs.register.contracts[c].id;
                            if plan.workstreams[w]
                                .feeds
                                .iter()
                                .any(|f| f.takes(id, event.setting))
                            {
                                cells[layout.plan_month_offset(p) + w * MONTHS + month]
                                    .add(cost, source);
                                if year == 0 {
                                    cells[layout.plan_use_offset(p)
                                        + w * layout.ids
                                        + layout.contract_ids[c]]
                                        .add(cost, source);
                                }
                            }
                        }
                        if year == 0 {
                            if let Some(c) = contract {
                                cells[layout.at("contract_baseline") + layout.contract_ids[c]]
                                    .add(cost, source);
                            }
                            continue;
                        }
                        cells[layout.at("provider") + event.provider as usize].add(cost, source);
                        cells[layout.at("contract") + contract.unwrap_or(layout.contracts)]
                            .add(cost, source);
                        cells[layout.at("setting") + event.setting.index()].add(cost, source);
                        let assigned = people.years[1][person];
                        let group = |block: &str, groups: usize, index: Option<usize>| {
                            index.map_or(not_registered(block, groups), |i| layout.at(block) + i)
                        };
                        let network = assigned.map(|a| {
                            histories.practices[a.practice as usize]
                                .network
                                .as_ref()
                                .and_then(|n| layout.networks.iter().position(|x| x == n))
                                .unwrap_or(layout.networks.len() + 1)
                        });
                        // "No network" sits after the networks, "not registered" after it.
                        let network_cell = match network {
                            Some(i) if i <= layout.networks.len() => layout.at("network") + i,
                            Some(_) => layout.at("network") + layout.networks.len(),
                            None => layout.at("network") + layout.networks.len() + 1,
                        };
                        cells[network_cell].add(cost, source);
                        cells[group(
                            "practice",
                            layout.practices,
                            assigned.map(|a| a.practice as usize),
                        )]
                        .add(cost, source);
                        cells[group("age_band", AGE_BANDS, assigned.map(|a| age_band(a.age)))]
                            .add(cost, source);
                        cells[group("imd_quintile", 5, assigned.map(|a| usize::from(a.quintile)))]
                            .add(cost, source);
                        for (m, segments) in layout.segments.iter().enumerate() {
                            let s = people.segment(1, person, m).unwrap_or(*segments);
                            cells[layout.model_offset(m) + s].add(cost, source);
                        }
                        for (p, workstreams) in layout.workstreams.iter().enumerate() {
                            let w = workstream_of[p][1][person];
                            let w = if w == usize::MAX { *workstreams } else { w };
                            cells[layout.plan_offset(p) + w].add(cost, source);
                        }
                        if let Some(m) = layout.flow_model {
                            let segments = layout.segments[m] + 1;
                            let s = people.segment(1, person, m).unwrap_or(segments - 1);
                            let index = (event.provider as usize * SETTINGS
                                + event.setting.index())
                                * segments
                                + s;
                            cells[layout.at("flow") + index].add(cost, source);
                        }
                    }
                    cells
                },
            )
            .reduce(
                || vec![Cell::default(); layout.len],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        x.merge(y);
                    }
                    a
                },
            );
        let per_person = (0..n)
            .into_par_iter()
            .map(|person| {
                let history = histories.history(person);
                let mut totals = [Pence::ZERO; 2];
                for event in starting_in(history.events, first, last) {
                    if let Some(year) = years.of(event.start) {
                        totals[year] += costed.of(event).0;
                    }
                }
                totals
            })
            .collect();
        Spend {
            layout,
            cells,
            per_person,
            workstream_of,
        }
    }

    pub fn cell(&self, block: &str, index: usize) -> Cell {
        self.cells[self.layout.at(block) + index]
    }

    /// A plan's workstream's spend in month `m` (0-23).
    pub fn workstream_month(&self, plan: usize, workstream: usize, month: usize) -> Cell {
        self.cells[self.layout.plan_month_offset(plan) + workstream * MONTHS + month]
    }

    /// A plan's workstream's fed spend in the baseline year on the contract of a register
    /// row (any of its periods).
    pub fn workstream_use(&self, plan: usize, workstream: usize, row: usize) -> Cell {
        self.cells[self.layout.plan_use_offset(plan)
            + workstream * self.layout.ids
            + self.layout.contract_ids[row]]
    }

    /// The baseline year's spend on the contract of a register row (any of its periods).
    pub fn contract_use(&self, row: usize) -> Cell {
        self.cells[self.layout.at("contract_baseline") + self.layout.contract_ids[row]]
    }

    pub fn segment_cell(&self, model: usize, segment: usize) -> Cell {
        self.cells[self.layout.model_offset(model) + segment]
    }

    pub fn into_results(
        self,
        inputs: &MoneyInputs,
        years: &Years,
        plans: Vec<PlanResult>,
        people: &Assignments,
    ) -> MoneyResults {
        let histories = inputs.histories;
        let layout = &self.layout;
        let register = inputs.register;
        let provider_name = |code: &str| {
            register
                .contracts
                .iter()
                .find(|c| c.provider_code == code && !c.provider_name.is_empty())
                .map_or_else(|| code.to_string(), |c| c.provider_name.clone())
        };
        let row = |group: String, label: String, people: u64, cell: Cell| SpendRow {
            group,
            label,
            people,
            rows: cell.rows,
            spend: cell.spend,
            from_unit_costs: cell.from_unit_costs,
            per_person: (people > 0).then(|| cell.spend.scaled(1, people as i64)),
        };
        let budget_people = &people.years[1];
        let count_where = |f: &dyn Fn(usize) -> bool| -> u64 {
            (0..budget_people.len()).filter(|&p| f(p)).count() as u64
        };
        let total_cell = (0..SETTINGS).fold(Cell::default(), |mut acc, s| {
            acc.merge(&self.cell("setting", s));
            acc
        });
        let registered = people.count(1);
        let mut spend = Vec::new();
        spend.push(SpendTable {
            breakdown: "provider".into(),
            title: "Spend by provider".into(),
            rows: (0..layout.providers)
                .map(|p| {
                    let code = &histories.providers[p];
                    row(
                        code.clone(),
                        provider_name(code),
                        0,
                        self.cell("provider", p),
                    )
                })
                .filter(|r| r.rows > 0)
                .collect(),
        });
        let mut contract_rows: Vec<SpendRow> = register
            .contracts
            .iter()
            .enumerate()
            .map(|(c, contract)| {
                row(
                    format!("{}@{}", contract.id, contract.start),
                    format!(
                        "{} ({})",
                        contract.id,
                        provider_name(&contract.provider_code)
                    ),
                    0,
                    self.cell("contract", c),
                )
            })
            .collect();
        contract_rows.push(row(
            "none".into(),
            "No contract in the register".into(),
            0,
            self.cell("contract", layout.contracts),
        ));
        spend.push(SpendTable {
            breakdown: "contract".into(),
            title: "Spend by contract".into(),
            rows: contract_rows,
        });
        spend.push(SpendTable {
            breakdown: "setting".into(),
            title: "Spend by setting".into(),
            rows: Setting::ALL
                .iter()
                .map(|s| {
                    row(
                        s.code().into(),
                        setting_label(*s).into(),
                        0,
                        self.cell("setting", s.index()),
                    )
                })
                .collect(),
        });
        let not_registered = |block: &str, groups: usize| {
            row(
                "not_registered".into(),
                "Not registered in the year".into(),
                0,
                self.cell(block, groups),
            )
        };
        let network_of = |p: usize| {
            budget_people[p].and_then(|a| histories.practices[a.practice as usize].network.clone())
        };
        let mut networks: Vec<SpendRow> = layout
            .networks
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let count = count_where(&|p| network_of(p).as_ref() == Some(id));
                row(id.clone(), id.clone(), count, self.cell("network", i))
            })
            .collect();
        let no_network = count_where(&|p| budget_people[p].is_some() && network_of(p).is_none());
        if no_network > 0 {
            networks.push(row(
                "none".into(),
                "No network".into(),
                no_network,
                self.cell("network", layout.networks.len()),
            ));
        }
        networks.push(not_registered("network", layout.networks.len() + 1));
        spend.push(SpendTable {
            breakdown: "network".into(),
            title: "Spend by network".into(),
            rows: networks,
        });
        let mut practice_people = vec![0u64; layout.practices];
        let mut band_people = [0u64; AGE_BANDS];
        let mut quintile_people = [0u64; 5];
        for a in budget_people.iter().flatten() {
            practice_people[a.practice as usize] += 1;
            band_people[age_band(a.age)] += 1;
            quintile_people[usize::from(a.quintile)] += 1;
        }
        let mut practices: Vec<SpendRow> = (0..layout.practices)
            .map(|i| {
                let code = histories.practices[i].code.clone();
                row(
                    code.clone(),
                    code,
                    practice_people[i],
                    self.cell("practice", i),
                )
            })
            .collect();
        practices.push(not_registered("practice", layout.practices));
        spend.push(SpendTable {
            breakdown: "practice".into(),
            title: "Spend by practice".into(),
            rows: practices,
        });
        let mut bands: Vec<SpendRow> = (0..AGE_BANDS)
            .map(|b| {
                row(
                    age_band_label(b),
                    age_band_label(b),
                    band_people[b],
                    self.cell("age_band", b),
                )
            })
            .collect();
        bands.push(not_registered("age_band", AGE_BANDS));
        spend.push(SpendTable {
            breakdown: "age_band".into(),
            title: "Spend by age band".into(),
            rows: bands,
        });
        let mut quintiles: Vec<SpendRow> = (0..5)
            .map(|q| {
                let label = match q {
                    0 => "1 (most deprived)".to_string(),
                    4 => "5 (least deprived)".to_string(),
                    q => (q + 1).to_string(),
                };
                row(
                    (q + 1).to_string(),
                    label,
                    quintile_people[q],
                    self.cell("imd_quintile", q),
                )
            })
            .collect();
        quintiles.push(not_registered("imd_quintile", 5));
        spend.push(SpendTable {
            breakdown: "imd_quintile".into(),
            title: "Spend by deprivation quintile (IMD)".into(),
            rows: quintiles,
        });
        for (m, model) in inputs.segment_models.iter().enumerate() {
            let mut counts = vec![0u64; model.segments.len()];
            for p in 0..budget_people.len() {
                if let Some(s) = people.segment(1, p, m) {
                    counts[s] += 1;
                }
            }
            let mut rows: Vec<SpendRow> = model
                .segments
                .iter()
                .enumerate()
                .map(|(s, segment)| {
                    row(
                        segment.id.clone(),
                        segment.label.clone(),
                        counts[s],
                        self.segment_cell(m, s),
                    )
                })
                .collect();
            rows.push(row(
                "not_registered".into(),
                "Not registered in the year".into(),
                0,
                self.segment_cell(m, model.segments.len()),
            ));
            spend.push(SpendTable {
                breakdown: format!("segment:{}", model.id),
                title: format!("Spend by segment: {}", model.name),
                rows,
            });
        }
        for (p, plan) in inputs.plans.iter().enumerate() {
            let mut counts = vec![0u64; plan.workstreams.len() + 1];
            for w in &self.workstream_of[p][1] {
                counts[(*w).min(plan.workstreams.len())] += 1;
            }
            let offset = layout.plan_offset(p);
            let mut rows: Vec<SpendRow> = plan
                .workstreams
                .iter()
                .enumerate()
                .map(|(w, ws)| {
                    row(
                        ws.id.clone(),
                        ws.label.clone(),
                        counts[w],
                        self.cells[offset + w],
                    )
                })
                .collect();
            rows.push(row(
                "outside".into(),
                "In no workstream, or not registered".into(),
                counts[plan.workstreams.len()],
                self.cells[offset + plan.workstreams.len()],
            ));
            spend.push(SpendTable {
                breakdown: format!("workstream:{}", plan.id),
                title: format!("Spend by workstream: {}", plan.name),
                rows,
            });
        }
        let monthly = (0..MONTHS)
            .map(|m| {
                let cell = self.cell("month", m);
                MonthSpend {
                    month: years.month_start(m),
                    spend: cell.spend,
                    from_unit_costs: cell.from_unit_costs,
                }
            })
            .collect();
        let (from, to) = (years.budget.start, years.budget.end);
        let contracts = register
            .contracts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.days_within(from, to) > 0)
            .map(|(i, c)| {
                let cell = self.cell("contract", i);
                let value = c.value_within(from, to);
                ContractLine {
                    id: c.id.clone(),
                    provider_code: c.provider_code.clone(),
                    provider_name: provider_name(&c.provider_code),
                    commissioner: c.commissioner.clone(),
                    services: c.services.iter().map(|s| s.code().to_string()).collect(),
                    population: c.population.text(),
                    payment_model: c.payment_model.code().into(),
                    pooled: c.pooled,
                    value,
                    rows: cell.rows,
                    spend: cell.spend,
                    from_unit_costs: cell.from_unit_costs,
                    gap: value - cell.spend,
                }
            })
            .collect();
        let uncontracted = row(
            "none".into(),
            "No contract in the register".into(),
            0,
            self.cell("contract", layout.contracts),
        );
        let flows = match layout.flow_model {
            Some(m) => {
                let model = &inputs.segment_models[m];
                let segments = layout.segments[m] + 1;
                let mut flows = Vec::new();
                for p in 0..layout.providers {
                    for setting in Setting::ALL {
                        for s in 0..segments {
                            let cell =
                                self.cell("flow", (p * SETTINGS + setting.index()) * segments + s);
                            if cell.rows == 0 {
                                continue;
                            }
                            flows.push(Flow {
                                provider: provider_name(&histories.providers[p]),
                                setting: setting_label(*setting).into(),
                                segment: model
                                    .segments
                                    .get(s)
                                    .map_or_else(|| "Not registered".into(), |x| x.label.clone()),
                                rows: cell.rows,
                                spend: cell.spend,
                            });
                        }
                    }
                }
                flows
            }
            None => Vec::new(),
        };
        MoneyResults {
            register: register.source.clone(),
            unit_costs: format!(
                "{} v{} ({} prices)",
                inputs.unit_costs.id, inputs.unit_costs.version, inputs.unit_costs.price_year
            ),
            year: years.budget.clone(),
            baseline_year: years.baseline.clone(),
            total: row("all".into(), "Everyone".into(), registered, total_cell),
            spend,
            monthly,
            concentration: concentration(&self.per_person, budget_people),
            contracts,
            uncontracted,
            flows,
            plans,
        }
    }
}

/// The share of the budget year's spend on registered people by the costliest 1, 2, 5,
/// 10, 20 and 50% of them.
fn concentration(
    per_person: &[[Pence; 2]],
    assigned: &[Option<crate::people::Assigned>],
) -> Vec<ConcentrationPoint> {
    let mut spends: Vec<Pence> = per_person
        .iter()
        .zip(assigned)
        .filter(|(_, a)| a.is_some())
        .map(|(s, _)| s[1])
        .collect();
    spends.sort_unstable_by(|a, b| b.cmp(a));
    let total: Pence = spends.iter().sum();
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
        .iter()
        .map(|&percent| {
            let people = ((spends.len() as f64) * percent / 100.0).ceil() as usize;
            let spend: Pence = spends[..people.min(spends.len())].iter().sum();
            ConcentrationPoint {
                percent,
                people: people as u64,
                spend,
                share: if total.0 > 0 {
                    spend.0 as f64 / total.0 as f64
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// A setting's name for people.
pub fn setting_label(setting: Setting) -> &'static str {
    match setting {
        Setting::AeAttendance => "A&E attendances",
        Setting::EmergencyAdmission => "Emergency admissions",
        Setting::ElectiveAdmission => "Elective admissions",
        Setting::Outpatient => "Outpatient attendances",
        Setting::Gp => "GP appointments",
        Setting::Community => "Community health",
        Setting::MentalHealth => "Mental health contacts",
        Setting::MentalHealthReferral => "Mental health referrals",
        Setting::HomeCare => "Home care",
        Setting::Residential => "Residential care",
        Setting::Nursing => "Nursing care",
        Setting::Reablement => "Reablement",
        Setting::SafeguardingAlert => "Safeguarding alerts",
        Setting::Voluntary => "Voluntary sector",
    }
}
