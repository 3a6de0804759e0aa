//! Unit costs: a versioned table of what a unit of activity costs, by setting and,
//! optionally, by a group of diagnoses (an HRG-like grouping by ICD-10 prefix). They cost
//! the activity rows that carry no cost of their own (a `cost_gbp` of zero: primary care
//! and many community extracts carry none), and the activity moved by a what-if scenario.
//!
//! A unit is one row (a contact, attendance or admission) or a week of a package of care,
//! for which the row's days are costed pro rata.

use std::path::Path;

use accord_model::{Pence, Setting, Vocabulary};
use serde::{Deserialize, Serialize};

use crate::{ContractsError, Problem, line_of, pounds, read_text};

/// What one unit cost pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostUnit {
    /// One activity row.
    Row,
    /// A week of a package; a row is costed for its days (end − start + 1) / 7.
    Week,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCost {
    /// The setting the cost applies to.
    pub setting: Setting,
    /// An ICD-10 prefix the row's diagnosis starts with; the longest that matches wins, and
    /// a line without one costs every other row of its setting.
    pub group: Option<String>,
    /// The cost of one unit.
    pub cost: Pence,
    /// What one unit is (a row, a week).
    pub unit: CostUnit,
    /// Where the cost comes from.
    pub source: String,
    /// The line it came from.
    pub line: usize,
}

/// A versioned unit-cost table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCosts {
    /// The table's id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// The financial year the prices are for, e.g. "2025/26".
    pub price_year: String,
    /// Where its costs come from.
    pub source: String,
    /// Its lines.
    pub costs: Vec<UnitCost>,
}

/// The built-in table: the calibration's ballpark unit costs.
pub const BUILTIN_UNIT_COSTS: &str = include_str!("../builtin/unit-costs.toml");

impl UnitCosts {
    /// The built-in table.
    pub fn builtin() -> Result<UnitCosts, ContractsError> {
        UnitCosts::parse(BUILTIN_UNIT_COSTS, "built-in unit costs")
    }

    /// The built-in table, or a file's.
    pub fn load(path: Option<&Path>) -> Result<UnitCosts, ContractsError> {
        match path {
            None => UnitCosts::builtin(),
            Some(path) => UnitCosts::parse(&read_text(path)?, &path.display().to_string()),
        }
    }

    /// Reads a table from TOML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<UnitCosts, ContractsError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Line {
            setting: toml::Spanned<String>,
            #[serde(default)]
            group: Option<String>,
            cost_gbp: toml::Spanned<toml::Value>,
            unit: toml::Spanned<String>,
            #[serde(default)]
            source: String,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            id: String,
            version: u32,
            price_year: String,
            source: String,
            #[serde(rename = "cost")]
            costs: Vec<toml::Spanned<Line>>,
        }
        let parsed: File = toml::from_str(text).map_err(|e| ContractsError::Syntax {
            file: file.to_string(),
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let mut problems = Vec::new();
        let mut costs = Vec::new();
        for spanned in parsed.costs {
            let line = line_of(text, spanned.span().start);
            let entry = spanned.into_inner();
            let at = |s: std::ops::Range<usize>| line_of(text, s.start);
            let setting = Setting::from_code(entry.setting.get_ref());
            if setting.is_none() {
                problems.push(Problem::new(
                    at(entry.setting.span()),
                    "setting",
                    format!(
                        "unknown setting {:?} (known: {})",
                        entry.setting.get_ref(),
                        Setting::allowed_codes()
                    ),
                ));
            }
            let cost_line = at(entry.cost_gbp.span());
            let cost = pounds(entry.cost_gbp.get_ref());
            let cost = match cost {
                Some(c) if c.0 >= 0 => Some(c),
                Some(_) => {
                    problems.push(Problem::new(
                        cost_line,
                        "cost_gbp",
                        "a unit cost is zero or more",
                    ));
                    None
                }
                None => {
                    problems.push(Problem::new(
                        cost_line,
                        "cost_gbp",
                        format!("{} is not an amount of pounds", entry.cost_gbp.get_ref()),
                    ));
                    None
                }
            };
            let unit = match entry.unit.get_ref().as_str() {
                "row" => Some(CostUnit::Row),
                "week" => Some(CostUnit::Week),
                other => {
                    problems.push(Problem::new(
                        at(entry.unit.span()),
                        "unit",
                        format!("unknown unit {other:?} (known: row, week)"),
                    ));
                    None
                }
            };
            if let (Some(setting), Some(cost), Some(unit)) = (setting, cost, unit) {
                let group = entry.group.filter(|g| !g.is_empty());
                if costs
                    .iter()
                    .any(|c: &UnitCost| c.setting == setting && c.group == group)
                {
                    problems.push(Problem::new(
                        line,
                        "setting",
                        format!(
                            "a second cost for {}{}",
                            setting.code(),
                            group
                                .as_deref()
                                .map(|g| format!(" group {g}"))
                                .unwrap_or_default()
                        ),
                    ));
                }
                costs.push(UnitCost {
                    setting,
                    group,
                    cost,
                    unit,
                    source: entry.source,
                    line,
                });
            }
        }
        ContractsError::check(file, problems)?;
        Ok(UnitCosts {
            id: parsed.id,
            version: parsed.version,
            price_year: parsed.price_year,
            source: parsed.source,
            costs,
        })
    }

    /// The line that costs a row of this setting and diagnosis: the longest matching group,
    /// else the setting's line without a group.
    pub fn line_for(&self, setting: Setting, diagnosis: Option<&str>) -> Option<&UnitCost> {
        self.costs
            .iter()
            .filter(|c| c.setting == setting)
            .filter(|c| match (&c.group, diagnosis) {
                (None, _) => true,
                (Some(g), Some(d)) => d.starts_with(g.as_str()),
                (Some(_), None) => false,
            })
            .max_by_key(|c| c.group.as_ref().map_or(0, String::len))
    }

    /// The cost of a row of `days` days (1 for a contact), if the table has a line for it.
    pub fn cost_of(&self, setting: Setting, diagnosis: Option<&str>, days: i64) -> Option<Pence> {
        let line = self.line_for(setting, diagnosis)?;
        Some(match line.unit {
            CostUnit::Row => line.cost,
            CostUnit::Week => line.cost.scaled(days.max(1), 7),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_costs_every_costed_setting() {
        let table = UnitCosts::builtin().unwrap();
        assert_eq!(table.cost_of(Setting::Gp, None, 1), Some(Pence(4200)));
        // A fortnight of residential care at £850 a week.
        assert_eq!(
            table.cost_of(Setting::Residential, None, 14),
            Some(Pence(170_000))
        );
        assert_eq!(table.cost_of(Setting::SafeguardingAlert, None, 1), None);
    }

    #[test]
    fn the_longest_group_wins() {
        let table = UnitCosts::parse(
            "id = \"t\"\nversion = 1\nprice_year = \"2025/26\"\nsource = \"test\"\n\
             [[cost]]\nsetting = \"apc_nel\"\ncost_gbp = 2200\nunit = \"row\"\n\
             [[cost]]\nsetting = \"apc_nel\"\ngroup = \"J\"\ncost_gbp = 2600\nunit = \"row\"\n\
             [[cost]]\nsetting = \"apc_nel\"\ngroup = \"J44\"\ncost_gbp = \"3,100.50\"\nunit = \"row\"\n",
            "t.toml",
        )
        .unwrap();
        let cost = |d| table.cost_of(Setting::EmergencyAdmission, d, 3).unwrap();
        assert_eq!(cost(Some("J441")), Pence(310_050));
        assert_eq!(cost(Some("J18")), Pence(260_000));
        assert_eq!(cost(Some("I21")), Pence(220_000));
        assert_eq!(cost(None), Pence(220_000));
    }

    #[test]
    fn bad_lines_are_named() {
        let err = UnitCosts::parse(
            "id = \"t\"\nversion = 1\nprice_year = \"2025/26\"\nsource = \"test\"\n\
             [[cost]]\nsetting = \"hospice\"\ncost_gbp = 10\nunit = \"row\"\n\
             [[cost]]\nsetting = \"gp\"\ncost_gbp = -4\nunit = \"hour\"\n",
            "t.toml",
        )
        .unwrap_err();
        let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert!(
            found[0].starts_with("line 6, setting: unknown setting \"hospice\""),
            "{found:?}"
        );
        assert_eq!(found[1], "line 11, cost_gbp: a unit cost is zero or more");
        assert_eq!(
            found[2],
            "line 12, unit: unknown unit \"hour\" (known: row, week)"
        );
    }
}
