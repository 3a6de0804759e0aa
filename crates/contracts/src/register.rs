//! The contract register: a partnership's contracts as data. Commissioners keep these in
//! spreadsheets, so the register is read from CSV (one row per contract, or per period of a
//! contract whose terms changed) or from TOML (`[[contract]]` tables with the same keys).
//!
//! Every row is checked and every problem reported with its line and column: a missing or
//! unknown value, an unknown setting, a negative value, an end before the start, and two
//! rows of one contract id whose dates overlap. Segments named in a population are checked
//! against the segment models the caller knows ([`Register::check_segments`]).

use std::collections::BTreeMap;
use std::path::Path;

use accord_model::{Pence, Setting, Vocabulary};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{ContractsError, Problem, line_of, read_text};

/// The columns of a register, in the order Accord writes them.
pub const REGISTER_COLUMNS: [&str; 11] = [
    "contract_id",
    "provider_code",
    "provider_name",
    "commissioner",
    "services",
    "population",
    "annual_value_gbp",
    "start_date",
    "end_date",
    "payment_model",
    "pooled",
];

/// How a contract pays its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentModel {
    /// A fixed sum for a service, whatever its activity.
    Block,
    /// Paid per unit of activity at a tariff.
    Activity,
    /// Care bought case by case (care homes, home care).
    Spot,
    /// A sum per head of a population.
    Capitated,
    /// Part of the value paid on outcomes.
    OutcomeBased,
    /// More than one of these.
    Mixed,
}

impl PaymentModel {
    /// Every payment model.
    pub const ALL: [PaymentModel; 6] = [
        PaymentModel::Block,
        PaymentModel::Activity,
        PaymentModel::Spot,
        PaymentModel::Capitated,
        PaymentModel::OutcomeBased,
        PaymentModel::Mixed,
    ];

    /// The model's code in the register.
    pub fn code(self) -> &'static str {
        match self {
            PaymentModel::Block => "block",
            PaymentModel::Activity => "activity",
            PaymentModel::Spot => "spot",
            PaymentModel::Capitated => "capitated",
            PaymentModel::OutcomeBased => "outcome_based",
            PaymentModel::Mixed => "mixed",
        }
    }

    fn from_code(code: &str) -> Option<PaymentModel> {
        PaymentModel::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// Whom a contract covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// Everyone.
    All,
    /// People aged from `min` to `max` years inclusive, on the activity's date.
    Age {
        /// The youngest age.
        min: u32,
        /// The oldest age, if any.
        max: Option<u32>,
    },
    /// People in a segment of a segment model at the start of the financial year.
    Segment {
        /// The model.
        model: String,
        /// The segment.
        segment: String,
    },
}

impl Population {
    /// Reads `all`, `age 65+`, `age 18-64` or `segment MODEL/SEGMENT`.
    pub fn parse(text: &str) -> Result<Population, String> {
        let text = text.trim();
        let wanted = "`all`, `age 65+`, `age 18-64` or `segment MODEL/SEGMENT`";
        if text == "all" {
            return Ok(Population::All);
        }
        if let Some(range) = text.strip_prefix("age ") {
            let range = range.trim();
            let bad = || format!("{text:?} is not an age range: write `age 65+` or `age 18-64`");
            if let Some(min) = range.strip_suffix('+') {
                let min = min.trim().parse().map_err(|_| bad())?;
                return Ok(Population::Age { min, max: None });
            }
            let (min, max) = range.split_once('-').ok_or_else(bad)?;
            let min: u32 = min.trim().parse().map_err(|_| bad())?;
            let max: u32 = max.trim().parse().map_err(|_| bad())?;
            if min > max {
                return Err(format!(
                    "{text:?}: the age range's first age is above its last"
                ));
            }
            return Ok(Population::Age {
                min,
                max: Some(max),
            });
        }
        if let Some(rest) = text.strip_prefix("segment ") {
            let (model, segment) = rest
                .trim()
                .split_once('/')
                .ok_or_else(|| format!("{text:?}: name the segment as `segment MODEL/SEGMENT`"))?;
            if model.is_empty() || segment.is_empty() {
                return Err(format!(
                    "{text:?}: name the segment as `segment MODEL/SEGMENT`"
                ));
            }
            return Ok(Population::Segment {
                model: model.to_string(),
                segment: segment.to_string(),
            });
        }
        Err(format!("{text:?} is not a population: write {wanted}"))
    }

    /// The population as the register writes it.
    pub fn text(&self) -> String {
        match self {
            Population::All => "all".into(),
            Population::Age { min, max: None } => format!("age {min}+"),
            Population::Age {
                min,
                max: Some(max),
            } => format!("age {min}-{max}"),
            Population::Segment { model, segment } => format!("segment {model}/{segment}"),
        }
    }

    /// Does a person of this age (on the activity's date) fall inside? Segments are
    /// decided by the caller, who knows them.
    pub fn admits_age(&self, age: i32) -> bool {
        match self {
            Population::Age { min, max } => {
                u32::try_from(age).is_ok_and(|a| a >= *min && max.is_none_or(|m| a <= m))
            }
            Population::All | Population::Segment { .. } => true,
        }
    }
}

/// One contract, or one period of a contract whose terms changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// The contract's id in the register.
    pub id: String,
    /// ODS-style code, as in the activity table's `provider_code`.
    pub provider_code: String,
    /// The provider's name.
    pub provider_name: String,
    /// Who commissions it.
    pub commissioner: String,
    /// The settings whose activity the contract pays for.
    pub services: Vec<Setting>,
    /// Whom it covers.
    pub population: Population,
    /// The value of a whole year of the contract.
    pub annual_value: Pence,
    /// The first day the contract covers.
    pub start: NaiveDate,
    /// The last day the contract covers.
    pub end: NaiveDate,
    /// How it pays.
    pub payment_model: PaymentModel,
    /// Part of a pooled budget (a section 75 agreement).
    pub pooled: bool,
    /// The line the contract came from.
    pub line: usize,
}

impl Contract {
    /// Days of the contract that fall in `from..=to`.
    pub fn days_within(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let start = self.start.max(from);
        let end = self.end.min(to);
        ((end - start).num_days() + 1).max(0)
    }

    /// The contract's value for the days of `from..=to` it covers: the annual value × the
    /// days covered / the days of that period, to the penny. A contract covering the whole
    /// period is worth its annual value.
    pub fn value_within(&self, from: NaiveDate, to: NaiveDate) -> Pence {
        let period = (to - from).num_days() + 1;
        self.annual_value.scaled(self.days_within(from, to), period)
    }

    /// Does the contract pay for this setting on this day?
    pub fn covers(&self, setting: Setting, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end && self.services.contains(&setting)
    }
}

/// A contract register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Register {
    /// Where the register came from (its file).
    pub source: String,
    /// Every contract, in the register's order.
    pub contracts: Vec<Contract>,
}

/// One row as read: its line and each field's line and text.
struct RawRow {
    line: usize,
    fields: BTreeMap<String, (usize, String)>,
}

impl Register {
    /// Reads a register file: `.toml` as TOML, anything else as CSV.
    pub fn load(path: &Path) -> Result<Register, ContractsError> {
        let text = read_text(path)?;
        let file = path.display().to_string();
        if path.extension().is_some_and(|e| e == "toml") {
            Register::parse_toml(&text, &file)
        } else {
            Register::parse_csv(&text, &file)
        }
    }

    /// Reads a CSV register: a header row naming the columns (any order; extra columns are
    /// refused so that a misspelt one is not ignored), then one contract per row.
    pub fn parse_csv(text: &str, file: &str) -> Result<Register, ContractsError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let syntax = |line: usize, message: String| ContractsError::Syntax {
            file: file.to_string(),
            line,
            message,
        };
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| syntax(1, e.to_string()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line() as usize);
                syntax(line, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let fields = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.clone(), (line, v.trim().to_string())))
                .collect();
            rows.push(RawRow { line, fields });
        }
        let mut problems = Vec::new();
        for header in &headers {
            if !REGISTER_COLUMNS.contains(&header.as_str()) {
                problems.push(Problem::new(
                    1,
                    header,
                    format!(
                        "unknown column (a register has {})",
                        REGISTER_COLUMNS.join(", ")
                    ),
                ));
            }
        }
        Register::from_rows(rows, file, problems)
    }

    /// Reads a TOML register: `[[contract]]` tables with the CSV's columns as keys
    /// (`services` may be an array, `pooled` a boolean, values numbers or strings).
    pub fn parse_toml(text: &str, file: &str) -> Result<Register, ContractsError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            contract: Vec<toml::Spanned<BTreeMap<String, toml::Spanned<toml::Value>>>>,
        }
        let parsed: File = toml::from_str(text).map_err(|e| ContractsError::Syntax {
            file: file.to_string(),
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let mut problems = Vec::new();
        let rows = parsed
            .contract
            .into_iter()
            .map(|table| {
                let line = line_of(text, table.span().start);
                let fields = table
                    .into_inner()
                    .into_iter()
                    .map(|(key, value)| {
                        let line = line_of(text, value.span().start);
                        let text = match value.into_inner() {
                            toml::Value::String(s) => s,
                            toml::Value::Array(items) => items
                                .iter()
                                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                                .collect::<Vec<_>>()
                                .join(";"),
                            toml::Value::Boolean(b) => if b { "yes" } else { "no" }.into(),
                            other => other.to_string(),
                        };
                        if !REGISTER_COLUMNS.contains(&key.as_str()) {
                            problems.push(Problem::new(line, &key, "unknown key"));
                        }
                        (key, (line, text))
                    })
                    .collect();
                RawRow { line, fields }
            })
            .collect();
        Register::from_rows(rows, file, problems)
    }

    fn from_rows(
        rows: Vec<RawRow>,
        file: &str,
        mut problems: Vec<Problem>,
    ) -> Result<Register, ContractsError> {
        let mut contracts = Vec::new();
        for row in &rows {
            if let Some(contract) = contract(row, &mut problems) {
                contracts.push(contract);
            }
        }
        if rows.is_empty() {
            problems.push(Problem::new(
                1,
                "contract_id",
                "the register has no contracts",
            ));
        }
        overlaps(&contracts, &mut problems);
        problems.sort_by(|a, b| a.line.cmp(&b.line).then(a.field.cmp(&b.field)));
        ContractsError::check(file, problems)?;
        Ok(Register {
            source: file.to_string(),
            contracts,
        })
    }

    /// Checks that every segment a population names exists: `known(model, segment)`.
    pub fn check_segments(
        &self,
        known: impl Fn(&str, &str) -> Result<(), String>,
    ) -> Result<(), ContractsError> {
        let problems = self
            .contracts
            .iter()
            .filter_map(|c| match &c.population {
                Population::Segment { model, segment } => known(model, segment)
                    .err()
                    .map(|message| Problem::new(c.line, "population", message)),
                _ => None,
            })
            .collect();
        ContractsError::check(&self.source, problems)
    }

    /// The register as CSV, in the columns' order: what `accord synth` writes, and what
    /// this module reads back unchanged.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Writing to memory cannot fail; a failure would only lose the line.
        let _ = writer.write_record(REGISTER_COLUMNS);
        for c in &self.contracts {
            let value = c.annual_value.to_string().replace(['£', ','], "");
            let services = c
                .services
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>()
                .join(";");
            let _ = writer.write_record([
                c.id.as_str(),
                &c.provider_code,
                &c.provider_name,
                &c.commissioner,
                &services,
                &c.population.text(),
                &value,
                &c.start.to_string(),
                &c.end.to_string(),
                c.payment_model.code(),
                if c.pooled { "yes" } else { "no" },
            ]);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// The total annual value of the contracts in force on some day of `from..=to`,
    /// prorated to the days they cover.
    pub fn value_within(&self, from: NaiveDate, to: NaiveDate) -> Pence {
        self.contracts
            .iter()
            .map(|c| c.value_within(from, to))
            .sum()
    }
}

/// One contract from its row, with every problem of the row pushed to `problems`.
fn contract(row: &RawRow, problems: &mut Vec<Problem>) -> Option<Contract> {
    let before = problems.len();
    let mut text = |field: &str, required: bool| -> String {
        match row.fields.get(field) {
            Some((_, value)) if !value.is_empty() => value.clone(),
            _ => {
                if required {
                    problems.push(Problem::new(row.line, field, "missing value"));
                }
                String::new()
            }
        }
    };
    let id = text("contract_id", true);
    let provider_code = text("provider_code", true);
    let provider_name = text("provider_name", false);
    let commissioner = text("commissioner", true);
    let services_text = text("services", true);
    let population_text = text("population", true);
    let value_text = text("annual_value_gbp", true);
    let start_text = text("start_date", true);
    let end_text = text("end_date", true);
    let model_text = text("payment_model", true);
    let pooled_text = text("pooled", false);
    let line = |field: &str| row.fields.get(field).map_or(row.line, |(l, _)| *l);
    let mut services = Vec::new();
    for code in services_text
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match Setting::from_code(code) {
            Some(s) if !services.contains(&s) => services.push(s),
            Some(_) => problems.push(Problem::new(
                line("services"),
                "services",
                format!("setting {code:?} is listed twice"),
            )),
            None => problems.push(Problem::new(
                line("services"),
                "services",
                format!(
                    "unknown setting {code:?} (known: {})",
                    Setting::allowed_codes()
                ),
            )),
        }
    }
    let population = if population_text.is_empty() {
        None
    } else {
        Population::parse(&population_text)
            .map_err(|m| problems.push(Problem::new(line("population"), "population", m)))
            .ok()
    };
    let annual_value = if value_text.is_empty() {
        None
    } else {
        match Pence::parse(&value_text) {
            Ok(v) if v.0 < 0 => {
                problems.push(Problem::new(
                    line("annual_value_gbp"),
                    "annual_value_gbp",
                    format!("{value_text} is negative: a contract's value is zero or more"),
                ));
                None
            }
            Ok(v) => Some(v),
            Err(_) => {
                problems.push(Problem::new(
                    line("annual_value_gbp"),
                    "annual_value_gbp",
                    format!(
                        "{value_text:?} is not an amount of pounds (e.g. 1250000 or 1,250,000.00)"
                    ),
                ));
                None
            }
        }
    };
    let mut date = |field: &str, value: &str| {
        if value.is_empty() {
            return None;
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| {
                problems.push(Problem::new(
                    line(field),
                    field,
                    format!("{value:?} is not a date (YYYY-MM-DD)"),
                ))
            })
            .ok()
    };
    let start = date("start_date", &start_text);
    let end = date("end_date", &end_text);
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        problems.push(Problem::new(
            line("end_date"),
            "end_date",
            format!("the contract ends ({end}) before it starts ({start})"),
        ));
    }
    let payment_model = if model_text.is_empty() {
        None
    } else {
        let model = PaymentModel::from_code(&model_text);
        if model.is_none() {
            problems.push(Problem::new(
                line("payment_model"),
                "payment_model",
                format!(
                    "unknown payment model {model_text:?} (known: {})",
                    PaymentModel::ALL.map(PaymentModel::code).join(", ")
                ),
            ));
        }
        model
    };
    let pooled = match pooled_text.to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "n" => false,
        "yes" | "true" | "y" => true,
        other => {
            problems.push(Problem::new(
                line("pooled"),
                "pooled",
                format!("{other:?} is not yes or no"),
            ));
            false
        }
    };
    if problems.len() > before {
        return None;
    }
    Some(Contract {
        id,
        provider_code,
        provider_name,
        commissioner,
        services,
        population: population?,
        annual_value: annual_value?,
        start: start?,
        end: end?,
        payment_model: payment_model?,
        pooled,
        line: row.line,
    })
}

/// Two rows of one contract id are periods of it: their dates may not overlap.
fn overlaps(contracts: &[Contract], problems: &mut Vec<Problem>) {
    let mut by_id: BTreeMap<&str, Vec<&Contract>> = BTreeMap::new();
    for c in contracts {
        by_id.entry(&c.id).or_default().push(c);
    }
    for rows in by_id.values() {
        for (i, later) in rows.iter().enumerate() {
            if let Some(earlier) = rows[..i]
                .iter()
                .find(|e| e.start <= later.end && later.start <= e.end)
            {
                problems.push(Problem::new(
                    later.line,
                    "start_date",
                    format!(
                        "contract {} runs {}..{} here and {}..{} on line {}: the periods of one contract may not overlap",
                        later.id, later.start, later.end, earlier.start, earlier.end, earlier.line
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "contract_id,provider_code,provider_name,commissioner,services,population,annual_value_gbp,start_date,end_date,payment_model,pooled\n";

    fn parse(rows: &str) -> Result<Register, ContractsError> {
        Register::parse_csv(&format!("{HEADER}{rows}"), "register.csv")
    }

    #[test]
    fn a_good_register_reads_and_round_trips() {
        let register = parse(
            "C1,ZC1,Community Health,Borough ICB,community;vcs,age 65+,\"1,200,000.50\",2025-04-01,2026-03-31,block,yes\n\
             C2,ZA1,Acute Trust,Borough ICB,ae;apc_nel,all,9000000,2025-04-01,2026-03-31,activity,no\n\
             C3,ZS1,Council,Borough Council,asc_residential,segment west_london_tier/tier_3,10,2025-04-01,2025-09-30,spot,\n\
             C3,ZS1,Council,Borough Council,asc_residential,segment west_london_tier/tier_3,10,2025-10-01,2026-03-31,spot,no\n",
        )
        .unwrap();
        assert_eq!(register.contracts.len(), 4);
        let c1 = &register.contracts[0];
        assert_eq!(c1.annual_value, Pence(120_000_050));
        assert_eq!(c1.services, vec![Setting::Community, Setting::Voluntary]);
        assert_eq!(c1.population, Population::Age { min: 65, max: None });
        assert!(c1.pooled);
        assert_eq!(c1.line, 2);
        let again = Register::parse_csv(&register.to_csv(), "register.csv").unwrap();
        assert_eq!(again.contracts, register.contracts);
    }

    #[test]
    fn half_a_year_is_worth_half_the_annual_value_to_the_penny() {
        let register =
            parse("C1,ZC1,X,ICB,community,all,365,2025-04-01,2025-04-10,block,no\n").unwrap();
        let from = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        // £365 a year for 10 of 365 days: £10.
        assert_eq!(register.contracts[0].value_within(from, to), Pence(1000));
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_field() {
        let err = parse(
            "C1,ZC1,X,ICB,community;hospital,all,100,2025-04-01,2026-03-31,block,no\n\
             C2,ZC1,X,ICB,community,age 80-65,100,2025-04-01,2026-03-31,block,no\n\
             C3,ZC1,X,ICB,community,all,-5,2025-04-01,2026-03-31,block,no\n\
             C4,ZC1,X,ICB,community,all,100,2026-04-01,2026-03-31,block,no\n\
             C5,ZC1,X,ICB,community,all,100,2025-04-01,2026-03-31,barter,maybe\n\
             C6,ZC1,X,ICB,community,all,100,2025-04-01,2026-03-31,block,no\n\
             C6,ZC1,X,ICB,community,all,100,2026-03-01,2027-03-31,block,no\n\
             C7,,X,ICB,community,everyone,ten,2025-13-01,2026-03-31,block,no\n",
        )
        .unwrap_err();
        crate::assert_problems(
            &err,
            &[
                "line 2, services: unknown setting \"hospital\"",
                "line 3, population: \"age 80-65\": the age range's first age is above its last",
                "line 4, annual_value_gbp: -5 is negative",
                "line 5, end_date: the contract ends (2026-03-31) before it starts (2026-04-01)",
                "line 6, payment_model: unknown payment model \"barter\"",
                "line 6, pooled: \"maybe\" is not yes or no",
                "line 8, start_date: contract C6 runs 2026-03-01..2027-03-31 here and 2025-04-01..2026-03-31 on line 7",
                "line 9, annual_value_gbp: \"ten\" is not an amount of pounds",
                "line 9, population: \"everyone\" is not a population",
                "line 9, provider_code: missing value",
                "line 9, start_date: \"2025-13-01\" is not a date",
            ],
        );
    }

    #[test]
    fn an_unknown_column_and_a_short_row_are_refused() {
        let text = "contract_id,provider,services\nC1,ZC1,community\n";
        let err = Register::parse_csv(text, "r.csv").unwrap_err().to_string();
        assert!(err.contains("line 1, provider: unknown column"), "{err}");
        let err = parse("C1,ZC1\n").unwrap_err().to_string();
        assert!(err.starts_with("register.csv: line 2:"), "{err}");
    }

    #[test]
    fn unknown_segments_are_named_by_line() {
        let register = parse(
            "C1,ZC1,X,ICB,community,segment life_course/elderly,100,2025-04-01,2026-03-31,block,no\n",
        )
        .unwrap();
        let err = register
            .check_segments(|model, segment| Err(format!("model {model} has no segment {segment}")))
            .unwrap_err();
        assert_eq!(
            err.problems()[0].to_string(),
            "line 2, population: model life_course has no segment elderly"
        );
    }

    #[test]
    fn a_toml_register_reads_like_the_csv() {
        let text = r#"
[[contract]]
contract_id = "C1"
provider_code = "ZC1"
provider_name = "Community Health"
commissioner = "Borough ICB"
services = ["community", "vcs"]
population = "age 65+"
annual_value_gbp = 1200000.5
start_date = "2025-04-01"
end_date = "2026-03-31"
payment_model = "block"
pooled = true

[[contract]]
contract_id = "C2"
provider_code = "ZA1"
commissioner = "Borough ICB"
services = ["ae"]
population = "all"
annual_value_gbp = "-3"
start_date = "2025-04-01"
end_date = "2026-03-31"
payment_model = "activity"
colour = "red"
"#;
        let err = Register::parse_toml(text, "r.toml").unwrap_err();
        let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert!(
            found[0].starts_with("line 21, annual_value_gbp: -3 is negative"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("line 25, colour: unknown key"),
            "{found:?}"
        );
        let good = text
            .replace("\"-3\"", "3")
            .replace("colour = \"red\"\n", "");
        let register = Register::parse_toml(&good, "r.toml").unwrap();
        assert_eq!(register.contracts[0].annual_value, Pence(120_000_050));
        assert_eq!(register.contracts[0].line, 2);
    }
}
