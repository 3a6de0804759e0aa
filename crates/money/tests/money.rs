//! Money on a borough of five people worked out by hand, on a generated borough with its
//! synthetic register (parts add up to wholes), and the workbook read back.

use accord_cohort::Histories;
use accord_cohort::history::{
    ConditionSpell, Event, OPEN, Person, Practice, Records, Registration,
};
use accord_cohort::segment;
use accord_contracts::{BudgetPlan, Register, UnitCosts};
use accord_model::dates::to_days;
use accord_model::{Condition, EthnicGroup, Pence, Setting, Sex};
use accord_money::{MoneyInputs, compute, explain, whatif};
use accord_snapshot::money::MoneyResults;
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> i32 {
    to_days(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn pounds(p: &str) -> Pence {
    Pence::parse(p).unwrap()
}

/// Five people, two practices in two networks, two providers.
fn histories() -> Histories {
    let person = |id, sex, birth: i32, imd_decile| Person {
        id,
        sex,
        birth_day: birth,
        death_day: None,
        ethnic_group: EthnicGroup::White,
        imd_decile,
    };
    let registered = |practice| Registration {
        practice,
        start: day(2020, 1, 1),
        end: OPEN,
    };
    // (person, setting, start, cost in pounds, provider: 0 acute, 1 community)
    let rows: [(u64, Setting, i32, f64, u32); 12] = [
        (1, Setting::Community, day(2024, 6, 1), 55.0, 1),
        (1, Setting::EmergencyAdmission, day(2024, 7, 1), 2000.0, 0),
        (2, Setting::AeAttendance, day(2024, 5, 1), 180.0, 0),
        (4, Setting::Community, day(2024, 8, 1), 0.0, 1),
        (5, Setting::Outpatient, day(2024, 9, 1), 145.0, 0),
        (1, Setting::AeAttendance, day(2025, 5, 10), 200.0, 0),
        (1, Setting::Community, day(2025, 6, 1), 60.0, 1),
        (2, Setting::Community, day(2025, 11, 1), 0.0, 1),
        (2, Setting::Community, day(2025, 5, 1), 40.0, 1),
        (4, Setting::EmergencyAdmission, day(2025, 9, 1), 3000.0, 0),
        (4, Setting::Gp, day(2025, 9, 2), 0.0, 1),
        (3, Setting::AeAttendance, day(2025, 12, 1), 180.0, 0),
    ];
    let records = Records {
        extract_day: day(2026, 3, 31),
        data_start: day(2022, 4, 1),
        people: vec![
            person(1, Sex::Female, day(1951, 6, 1), 1),
            person(2, Sex::Male, day(1990, 6, 1), 10),
            person(3, Sex::Female, day(2012, 6, 1), 5),
            person(4, Sex::Male, day(1941, 6, 1), 3),
            person(5, Sex::Male, day(1941, 6, 1), 6),
        ],
        practices: vec![
            Practice {
                code: "Z1".into(),
                network: Some("N1".into()),
                locality: "L1".into(),
            },
            Practice {
                code: "Z2".into(),
                network: Some("N2".into()),
                locality: "L1".into(),
            },
        ],
        providers: vec!["ZA1".into(), "ZC1".into()],
        registrations: vec![
            (1, registered(0)),
            (2, registered(1)),
            (3, registered(1)),
            (4, registered(0)),
            (5, registered(1)),
        ],
        conditions: [Condition::Diabetes, Condition::Copd]
            .map(|condition| {
                (
                    4,
                    ConditionSpell {
                        condition,
                        onset: day(2019, 1, 1),
                        resolved: OPEN,
                    },
                )
            })
            .to_vec(),
        events: rows
            .iter()
            .map(|(id, setting, start, cost, provider)| {
                (
                    *id,
                    Event {
                        setting: *setting,
                        start: *start,
                        end: *start,
                        cost: *cost,
                        diagnosis: None,
                        provider: *provider,
                    },
                )
            })
            .collect(),
        mdt: Vec::new(),
    };
    Histories::from_records(records).unwrap()
}

const REGISTER: &str = "\
contract_id,provider_code,provider_name,commissioner,services,population,annual_value_gbp,start_date,end_date,payment_model,pooled
A1,ZA1,Acute Trust,ICB,ae;apc_nel,all,10000,2024-04-01,2026-03-31,activity,no
B1,ZC1,Community Health,ICB,community,age 65+,3650,2024-04-01,2027-03-31,block,no
B2,ZC1,Community Health,ICB,community,age 0-64,1000,2025-10-01,2026-03-31,block,yes
";

const PLAN: &str = r#"
id = "test_plan"
name = "Test plan"
version = 1
segment_model = "life_course"

[capitation]
envelope_gbp = 1000
need = "long_term_conditions"
inequalities_top_up = [0.1, 0.0, 0.0, 0.0, 0.0]

[[workstream]]
id = "older"
label = "Older people"
segments = ["growing_old"]
[[workstream.feed]]
contracts = ["*"]

[[workstream]]
id = "younger"
label = "Younger people"
segments = ["pregnancy_and_early_years", "childhood_and_adolescence", "being_an_adult"]
[[workstream.feed]]
contracts = ["A1"]
share = 0.25
[[workstream.feed]]
contracts = ["B2"]
"#;

fn worked() -> MoneyResults {
    let histories = histories();
    let register = Register::parse_csv(REGISTER, "register.csv").unwrap();
    let unit_costs = UnitCosts::builtin().unwrap();
    let plans = [BudgetPlan::parse(PLAN, "plan.toml").unwrap()];
    let models = [segment::load("life_course").unwrap()];
    compute(&MoneyInputs {
        histories: &histories,
        register: &register,
        unit_costs: &unit_costs,
        plans: &plans,
        segment_models: &models,
        year_end: None,
    })
    .unwrap()
}

fn row<'a>(
    results: &'a MoneyResults,
    breakdown: &str,
    group: &str,
) -> &'a accord_snapshot::money::SpendRow {
    results
        .table(breakdown)
        .unwrap()
        .rows
        .iter()
        .find(|r| r.group == group)
        .unwrap()
}

#[test]
fn spend_is_worked_out_by_hand() {
    let r = worked();
    assert_eq!(r.year.label, "2025/26");
    // 2025/26: person 1 £200 + £60; person 2 £55 (unit cost, no recorded cost) + £40;
    // person 3 £180; person 4 £3,000 + £42 (a GP appointment at its unit cost).
    assert_eq!(r.total.spend, pounds("3577"));
    assert_eq!(r.total.from_unit_costs, pounds("97"));
    assert_eq!(r.total.people, 5);
    assert_eq!(row(&r, "setting", "ae").spend, pounds("380"));
    assert_eq!(row(&r, "setting", "community").spend, pounds("155"));
    assert_eq!(row(&r, "setting", "gp").from_unit_costs, pounds("42"));
    assert_eq!(row(&r, "provider", "ZA1").spend, pounds("3380"));
    // B2 starts on 1 October: the £40 contact in May is in no contract.
    assert_eq!(row(&r, "contract", "A1@2024-04-01").spend, pounds("3380"));
    assert_eq!(row(&r, "contract", "B1@2024-04-01").spend, pounds("60"));
    assert_eq!(row(&r, "contract", "B2@2025-10-01").spend, pounds("55"));
    assert_eq!(r.uncontracted.spend, pounds("82"));
    assert_eq!(row(&r, "network", "N1").spend, pounds("3302"));
    assert_eq!(row(&r, "network", "N1").people, 2);
    assert_eq!(row(&r, "network", "N2").per_person, Some(pounds("91.67")));
    assert_eq!(row(&r, "imd_quintile", "1").spend, pounds("260"));
    assert_eq!(row(&r, "age_band", "80-84").spend, pounds("3042"));
    assert_eq!(
        row(&r, "segment:life_course", "growing_old").spend,
        pounds("3302")
    );
    assert_eq!(row(&r, "segment:life_course", "growing_old").people, 3);
    // The costliest 1% of five people is one person: £3,042 of £3,577.
    assert_eq!(r.concentration[0].people, 1);
    assert_eq!(r.concentration[0].spend, pounds("3042"));
    // B2 covers 182 of the year's 365 days: £1,000 × 182 / 365 = £498.63.
    let b2 = r.contracts.iter().find(|c| c.id == "B2").unwrap();
    assert_eq!(b2.value, pounds("498.63"));
    assert_eq!(b2.gap, pounds("443.63"));
    assert_eq!(r.monthly.len(), 24);
    // May 2025: person 1's £200 and person 2's £40.
    assert_eq!(r.monthly[12 + 1].spend, pounds("240"));
}

#[test]
fn capitation_is_worked_out_by_hand() {
    let r = worked();
    let cap = &r.plans[0].capitation;
    // 2024/25: five people, £2,435 (person 4's £55 at its unit cost), a mean of £487. Each
    // age-sex group holds one person but men aged 80-84, who are two costing £200.
    let mean = 2435.0 / 5.0;
    let f70 = 2055.0 / mean;
    let m30 = 180.0 / mean;
    let m80 = 100.0 / mean;
    let index = |group: &str| cap.age_sex.iter().find(|i| i.group == group).unwrap().index;
    assert!((index("Female 70-74") - f70).abs() < 1e-12);
    assert!((index("Male 80-84") - m80).abs() < 1e-12);
    assert_eq!(index("Female 10-14"), 0.0);
    // Need: no conditions cost £2,380 where age and sex predict £2,335; two conditions
    // (person 4) £55 where £100 is predicted.
    let need0 = 2380.0 / 2335.0;
    let need2 = 55.0 / 100.0;
    assert!((cap.need_index[0].index - need0).abs() < 1e-12);
    assert!((cap.need_index[2].index - need2).abs() < 1e-12);
    // Person 1 lives in the most deprived quintile: a 10% top-up.
    let n1 = f70 * need0 * 1.1 + m80 * need2;
    let n2 = m30 * need0 + m80 * need0;
    let networks = cap.tables.iter().find(|t| t.unit == "network").unwrap();
    let line = |g: &str| networks.lines.iter().find(|l| l.group == g).unwrap();
    assert!((line("N1").weighted_population - n1).abs() < 1e-9);
    assert!((line("N2").weighted_population - n2).abs() < 1e-9);
    // £1,000 shared 4.844066 : 0.586029: 892.078… and 107.921…, whole pence 892.07 and
    // 107.92, the penny left to the larger remainder.
    assert!((n1 / (n1 + n2) * 100_000.0 - 89_207.8).abs() < 0.1);
    assert_eq!(line("N1").budget, pounds("892.08"));
    assert_eq!(line("N2").budget, pounds("107.92"));
    assert_eq!(line("none").budget, Pence::ZERO);
    for table in &cap.tables {
        assert_eq!(
            table.lines.iter().map(|l| l.budget).sum::<Pence>(),
            pounds("1000"),
            "{}",
            table.unit
        );
    }
    assert_eq!(line("N1").actual, pounds("3302"));
    assert_eq!(line("N1").baseline, pounds("2110"));
}

#[test]
fn shadow_budgets_are_worked_out_by_hand() {
    let r = worked();
    let plan = &r.plans[0];
    let older = &plan.workstreams[0];
    let younger = &plan.workstreams[1];
    // A1 (£10,000): the younger take a fixed 25%; the older used 2000/2180 of it last year,
    // cut to the 75% left. B1 (£3,650): only the older name it, and used all of it. B2
    // (£498.63): no use last year, so shared by people registered: 3 of 5 older, 2 of 5
    // younger: £299.178 and £199.452, whole pence £299.17 and £199.45, the penny left to
    // the larger remainder.
    assert_eq!(
        older.budget,
        pounds("7500") + pounds("3650") + pounds("299.18")
    );
    assert_eq!(younger.budget, pounds("2500") + pounds("199.45"));
    assert_eq!(plan.outside, Pence::ZERO);
    let a1 = older.sources.iter().find(|s| s.contract == "A1").unwrap();
    assert_eq!(a1.basis, "by use");
    assert!((a1.share - 0.75).abs() < 1e-12);
    // Actuals: the older £200 + £60 (person 1) and £3,000 (person 4; the GP appointment is
    // in no contract); the younger £55 (person 2, B2) and £180 (person 3, A1).
    assert_eq!(older.actual, pounds("3260"));
    assert_eq!(younger.actual, pounds("235"));
    assert_eq!(younger.from_unit_costs, pounds("55"));
    assert_eq!(older.people, 3);
    let total: Pence = plan.workstreams.iter().map(|w| w.budget).sum::<Pence>() + plan.outside;
    assert_eq!(total, pounds("14148.63"));
}

#[test]
fn explanations_trace_a_line_to_its_rule() {
    let r = worked();
    let register = Register::parse_csv(REGISTER, "register.csv").unwrap();
    let text = explain::explain(&r, Some(&register), None, "contract:A1").unwrap();
    assert!(text.contains("3 rows costing £3,380.00"), "{text}");
    assert!(text.contains("provider_code = 'ZA1'"), "{text}");
    let text = explain::explain(&r, None, None, "workstream:test_plan/younger").unwrap();
    assert!(text.contains("fixed"), "{text}");
    let text = explain::explain(&r, None, None, "capitation:test_plan/network/N1").unwrap();
    assert!(text.contains("budget £892.08"), "{text}");
    assert!(explain::explain(&r, None, None, "capitation:test_plan/network/N9").is_err());
    assert!(explain::lines(&r).contains(&"workstream:test_plan/older".to_string()));
}

#[test]
fn a_what_if_moves_spend_and_budget() {
    let histories = histories();
    let register = Register::parse_csv(REGISTER, "register.csv").unwrap();
    let unit_costs = UnitCosts::builtin().unwrap();
    let plans = [BudgetPlan::parse(PLAN, "plan.toml").unwrap()];
    let models = [segment::load("life_course").unwrap()];
    let inputs = MoneyInputs {
        histories: &histories,
        register: &register,
        unit_costs: &unit_costs,
        plans: &plans,
        segment_models: &models,
        year_end: None,
    };
    let scenario =
        whatif::Scenario::parse(&["65+:0.1".into()], &["apc_nel:community:0.5".into()], &[])
            .unwrap();
    let effects = whatif::run(&inputs, "test_plan", &scenario).unwrap();
    let older = &effects[0];
    assert_eq!(older.spend, pounds("3260"));
    // Half of person 4's £3,000 admission becomes a £55 community contact at half weight:
    // 3260 − 1500 + 27.50 = 1787.50, then 10% more people: 1966.25.
    assert_eq!(older.spend_after, pounds("1966.25"));
    assert_eq!(older.budget_after, older.budget.scaled(11, 10));
    let younger = &effects[1];
    assert_eq!(younger.spend_after, younger.spend);
    assert!(whatif::Scenario::parse(&[], &["apc_nel:hospital:0.1".into()], &[]).is_err());
}

#[test]
fn bad_plans_against_the_register_name_their_lines() {
    let histories = histories();
    let register = Register::parse_csv(REGISTER, "register.csv").unwrap();
    let unit_costs = UnitCosts::builtin().unwrap();
    let plan = PLAN
        .replace("contracts = [\"B2\"]", "contracts = [\"B9\"]")
        .replace("\"being_an_adult\"]", "\"adults\"]");
    let plans = [BudgetPlan::parse(&plan, "plan.toml").unwrap()];
    let models = [segment::load("life_course").unwrap()];
    let err = compute(&MoneyInputs {
        histories: &histories,
        register: &register,
        unit_costs: &unit_costs,
        plans: &plans,
        segment_models: &models,
        year_end: None,
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 22, segments: segment model life_course has no segment \"adults\""),
        "{err}"
    );
    assert!(
        err.contains("line 27, contracts: contract \"B9\" is not in the register"),
        "{err}"
    );
}

/// The cells of every sheet of an xlsx workbook, read from its XML parts (a reader apart
/// from the writer: it knows the file format, not rust_xlsxwriter).
fn read_xlsx(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut text).unwrap();
        }
        text
    };
    let unescape = |t: &str| {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    // The text of each `<tag ...>text</tag>` in order.
    fn texts<'a>(xml: &'a str, open: &str, close: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut rest = xml;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len()..];
            let Some(body) = after.find('>').map(|gt| &after[gt + 1..]) else {
                break;
            };
            let Some(end) = body.find(close) else { break };
            out.push(&body[..end]);
            rest = &body[end..];
        }
        out
    }
    let shared: Vec<String> = texts(&part("xl/sharedStrings.xml"), "<si", "</si>")
        .iter()
        .map(|si| texts(si, "<t", "</t>").concat())
        .map(|t| unescape(&t))
        .collect();
    let workbook = part("xl/workbook.xml");
    let names: Vec<String> = workbook
        .split("<sheet ")
        .skip(1)
        .map(|s| {
            let name = s.split("name=\"").nth(1).unwrap();
            unescape(&name[..name.find('"').unwrap()])
        })
        .collect();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let xml = part(&format!("xl/worksheets/sheet{}.xml", i + 1));
            let mut rows: Vec<Vec<String>> = Vec::new();
            for cell in xml.split("<c ").skip(1) {
                let head = &cell[..cell.find('>').unwrap()];
                let reference = head.split("r=\"").nth(1).unwrap();
                let reference = &reference[..reference.find('"').unwrap()];
                let column = reference
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase())
                    .fold(0, |n, c| n * 26 + (c as usize - 'A' as usize + 1))
                    - 1;
                let row: usize = reference
                    .trim_start_matches(|c: char| c.is_ascii_uppercase())
                    .parse::<usize>()
                    .unwrap()
                    - 1;
                let value = texts(cell, "<v", "</v>")
                    .first()
                    .map(|v| unescape(v))
                    .unwrap_or_default();
                let text = if head.contains("t=\"s\"") {
                    shared[value.parse::<usize>().unwrap()].clone()
                } else if head.contains("t=\"inlineStr\"") {
                    unescape(&texts(cell, "<t", "</t>").concat())
                } else {
                    value
                };
                if rows.len() <= row {
                    rows.resize(row + 1, Vec::new());
                }
                if rows[row].len() <= column {
                    rows[row].resize(column + 1, String::new());
                }
                rows[row][column] = text;
            }
            (name, rows)
        })
        .collect()
}

#[test]
fn the_workbook_reads_back_as_the_csv() {
    use accord_snapshot::money::Value;
    let r = worked();
    let bytes = accord_money::workbook::workbook(&r).unwrap();
    // Accord knows its own workbook from its first 64 KB, and nobody else's.
    assert!(accord_money::workbook::is_money_workbook(
        &bytes[..bytes.len().min(64 * 1024)]
    ));
    let mut other = rust_xlsxwriter::Workbook::new();
    other.add_worksheet().write_string(0, 0, "mine").unwrap();
    assert!(!accord_money::workbook::is_money_workbook(
        &other.save_to_buffer().unwrap()
    ));
    let read = read_xlsx(&bytes);
    let sheets = r.sheets();
    assert_eq!(read.len(), sheets.len());
    for ((name, rows), sheet) in read.iter().zip(&sheets) {
        assert_eq!(name, &sheet.name);
        assert_eq!(
            rows[0],
            sheet
                .columns
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
        );
        assert_eq!(rows.len(), sheet.rows.len() + 1, "sheet {name}");
        for ((cells, values), line) in rows[1..]
            .iter()
            .zip(&sheet.rows)
            .zip(sheet.csv().lines().skip(1))
        {
            let fields: Vec<&str> = line.split(',').collect();
            for (c, value) in values.iter().enumerate() {
                let cell = cells.get(c).map_or("", String::as_str);
                match value {
                    Value::Text(t) => assert_eq!(cell, t, "sheet {name}"),
                    // Amounts are numbers in the workbook, pounds to the penny in the CSV:
                    // the same pence both ways.
                    Value::Pounds(p) => {
                        let number: f64 = cell.parse().unwrap();
                        assert_eq!(Pence::from_pounds(number).unwrap(), *p, "sheet {name}");
                        if !line.contains('"') {
                            assert_eq!(Pence::parse(fields[c]).unwrap(), *p, "sheet {name}");
                        }
                    }
                    Value::Count(n) => assert_eq!(cell.parse::<f64>().unwrap(), *n as f64),
                    Value::Number(x) => {
                        assert!((cell.parse::<f64>().unwrap() - x).abs() <= 1e-9 * x.abs().max(1.0))
                    }
                }
            }
        }
    }
}
