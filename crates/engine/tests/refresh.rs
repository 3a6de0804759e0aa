//! A tiny borough whose figures are worked out by hand (below, beside each assertion),
//! refreshed end to end on DataFusion: person-time from registration history, events
//! attributed to the practice where the person was registered on the day, proportions of
//! the people registered on the last day, latest observations, costs, survey answers.

use std::path::Path;
use std::sync::Arc;

use accord_dataset::{Origin, TableBatches, WriteOptions, write_dataset};
use accord_engine::{RefreshOptions, refresh};
use accord_framework::Framework;
use accord_model::Table;
use accord_snapshot::{ResultRow, Snapshot};
use accord_stats::{Confidence, proportion, rate};
use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int8Array, RecordBatch, StringArray, UInt8Array,
    UInt64Array,
};

fn day(text: &str) -> i32 {
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    accord_model::dates::to_days(d)
}

fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn days(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(Date32Array::from(
        values.iter().map(|v| v.map(day)).collect::<Vec<_>>(),
    ))
}

fn ids(values: &[u64]) -> ArrayRef {
    Arc::new(UInt64Array::from(values.to_vec()))
}

fn put(tables: &mut TableBatches, table: Table, columns: Vec<ArrayRef>) {
    let batch = RecordBatch::try_new(table.schema(), columns).unwrap();
    tables.insert(table, vec![batch]);
}

/// Five people over the financial year 2024/25 (see the module's assertions for the
/// arithmetic):
/// 1. F, born 1950-01 (75), IMD decile 1, at P1 all year, diabetes; emergency admission
///    and A&E in June, GP in April; HbA1c 70 in May and 50 in January.
/// 2. M, born 1990-06 (34), decile 10, at P1 from 1 October only (182 days); an
///    emergency admission in September (before joining), A&E in February.
/// 3. F, born 2022-03 (3), decile 3, at P2 all year; two A&E attendances.
/// 4. M, born 1940-01, at P3 (no network), died 31 December (275 days); an emergency
///    admission in November.
/// 5. F, born 1960-07 (64), at P2 to 30 September (183 days) then P3 (182 days);
///    emergency admissions in August (at P2) and March (at P3).
fn tiny_borough(dir: &Path) {
    let mut t = TableBatches::new();
    put(
        &mut t,
        Table::Locality,
        vec![text(&[Some("L1")]), text(&[Some("Riverside")])],
    );
    put(
        &mut t,
        Table::Network,
        vec![
            text(&[Some("N1")]),
            text(&[Some("North network")]),
            text(&[Some("L1")]),
        ],
    );
    put(
        &mut t,
        Table::Practice,
        vec![
            text(&[Some("P1"), Some("P2"), Some("P3")]),
            text(&[Some("One"), Some("Two"), Some("Three")]),
            text(&[Some("N1"), Some("N1"), None]),
            text(&[Some("L1"), Some("L1"), Some("L1")]),
        ],
    );
    put(
        &mut t,
        Table::Provider,
        vec![
            text(&[Some("R1")]),
            text(&[Some("Hospital")]),
            text(&[Some("acute")]),
        ],
    );
    put(
        &mut t,
        Table::Person,
        vec![
            ids(&[1, 2, 3, 4, 5]),
            text(&[Some("F"), Some("M"), Some("F"), Some("M"), Some("F")]),
            days(&[
                Some("1950-01-01"),
                Some("1990-06-01"),
                Some("2022-03-01"),
                Some("1940-01-01"),
                Some("1960-07-01"),
            ]),
            days(&[None, None, None, Some("2024-12-31"), None]),
            text(&[
                Some("white"),
                Some("asian"),
                Some("black"),
                Some("white"),
                Some("mixed"),
            ]),
            text(&[Some("E1"), Some("E2"), Some("E3"), Some("E1"), Some("E2")]),
            Arc::new(UInt8Array::from(vec![1, 10, 3, 5, 7])),
        ],
    );
    put(
        &mut t,
        Table::Registration,
        vec![
            ids(&[1, 2, 3, 4, 5, 5]),
            text(&[
                Some("P1"),
                Some("P1"),
                Some("P2"),
                Some("P3"),
                Some("P2"),
                Some("P3"),
            ]),
            days(&[
                Some("2020-01-01"),
                Some("2024-10-01"),
                Some("2022-03-01"),
                Some("2000-01-01"),
                Some("2010-01-01"),
                Some("2024-10-01"),
            ]),
            days(&[
                None,
                None,
                None,
                Some("2024-12-31"),
                // Person 5 moves to P3 on 2024-10-01; extracts end the old registration on
                // the day the new one starts, and the day belongs to the new practice.
                Some("2024-10-01"),
                None,
            ]),
        ],
    );
    put(
        &mut t,
        Table::Condition,
        vec![
            ids(&[1, 5, 5]),
            text(&[Some("diabetes"), Some("hypertension"), Some("copd")]),
            days(&[Some("2015-01-01"), Some("2018-01-01"), Some("2019-01-01")]),
            days(&[None, None, None]),
            text(&[None, None, None]),
        ],
    );
    // (person, setting, date, cost)
    let activity = [
        (1, "gp", "2024-04-01", 40.0),
        (1, "apc_nel", "2024-06-10", 2000.0),
        (1, "ae", "2024-06-10", 200.0),
        (2, "apc_nel", "2024-09-15", 2000.0),
        (2, "ae", "2025-02-01", 200.0),
        (3, "ae", "2024-12-01", 200.0),
        (3, "ae", "2025-01-05", 200.0),
        (4, "apc_nel", "2024-11-01", 2000.0),
        (5, "apc_nel", "2024-08-01", 2000.0),
        (5, "apc_nel", "2025-03-01", 2000.0),
    ];
    let n = activity.len();
    put(
        &mut t,
        Table::Activity,
        vec![
            ids(&(1..=n as u64).collect::<Vec<_>>()),
            ids(&activity.iter().map(|a| a.0).collect::<Vec<_>>()),
            text(&activity.iter().map(|a| Some(a.1)).collect::<Vec<_>>()),
            days(&activity.iter().map(|a| Some(a.2)).collect::<Vec<_>>()),
            days(&vec![None; n]),
            text(&vec![Some("R1"); n]),
            Arc::new(Float64Array::from(
                activity.iter().map(|a| a.3).collect::<Vec<_>>(),
            )),
            text(
                &activity
                    .iter()
                    .map(|a| (a.1 == "apc_nel").then_some("E11"))
                    .collect::<Vec<_>>(),
            ),
            text(&vec![None; n]),
        ],
    );
    put(
        &mut t,
        Table::Observation,
        vec![
            ids(&[1, 1]),
            text(&[Some("hba1c"), Some("hba1c")]),
            Arc::new(Float64Array::from(vec![70.0, 50.0])),
            days(&[Some("2024-05-01"), Some("2025-01-10")]),
        ],
    );
    put(
        &mut t,
        Table::SurveyResponse,
        vec![
            ids(&[101, 102, 103, 104, 105]),
            Arc::new(UInt64Array::from(vec![
                Some(1),
                Some(2),
                None,
                Some(3),
                Some(1),
            ])),
            text(&[Some("tht_i_statements"); 5]),
            text(&[Some("tht_01"); 5]),
            Arc::new(Int8Array::from(vec![5, 4, 2, 3, 5])),
            days(&[
                Some("2024-05-01"),
                Some("2024-11-01"),
                Some("2025-01-01"),
                Some("2025-03-01"),
                Some("2023-05-01"),
            ]),
            text(&[Some("P1"), Some("P1"), None, Some("P2"), Some("P1")]),
            text(&[None; 5]),
        ],
    );
    let origin = Origin {
        extract_date: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
        source: "hand-made test borough".into(),
        generator: None,
    };
    write_dataset(dir, &t, &origin, &WriteOptions::default(), &|_| {}).unwrap();
}

const FRAMEWORK: &str = r#"format = 1
id = "tiny"
name = "Tiny"
version = "1"
partnership = "Test"
source = "hand-made"

[[domain]]
id = "d"
name = "D"

[[outcome]]
id = "o"
domain = "d"
statement = "I stay well"

[[indicator]]
id = "admission_rate"
outcome = "o"
name = "Emergency admissions per 1,000 person-years"
measure = "rate"
period = "financial_year"
polarity = "lower_is_better"
[indicator.numerator]
settings = ["apc_nel"]

[[indicator]]
id = "admitted"
outcome = "o"
name = "People with an emergency admission"
measure = "proportion"
period = "financial_year"
polarity = "lower_is_better"
target = 50
[indicator.numerator]
settings = ["apc_nel"]

[[indicator]]
id = "hba1c_controlled"
outcome = "o"
name = "Diabetes with HbA1c at most 58"
measure = "proportion"
period = "financial_year"
polarity = "higher_is_better"
[indicator.population]
conditions = ["diabetes"]
[indicator.numerator]
observation = "hba1c"
max = 58

[[indicator]]
id = "cost"
outcome = "o"
name = "Cost per person"
measure = "mean_cost"
period = "financial_year"
polarity = "no_judgement"
[indicator.numerator]
settings = ["gp", "ae", "apc_nel"]

[[indicator]]
id = "safe"
outcome = "o"
name = "Feel safe"
measure = "survey_agreement"
survey = "tht_i_statements"
items = ["tht_01"]
period = "financial_year"
polarity = "higher_is_better"

[[indicator]]
id = "listened_to"
outcome = "o"
name = "Feel listened to (nobody answered)"
measure = "survey_agreement"
survey = "tht_i_statements"
items = ["tht_02"]
period = "financial_year"
polarity = "higher_is_better"

[[indicator]]
id = "admission_dsr"
outcome = "o"
name = "Emergency admissions, age-standardised"
measure = "standardised_rate"
period = "financial_year"
polarity = "lower_is_better"
[indicator.numerator]
settings = ["apc_nel"]

[[indicator]]
id = "older_admission_rate"
outcome = "o"
name = "Emergency admissions aged 65 and over"
measure = "rate"
period = "month"
polarity = "lower_is_better"
[indicator.population]
min_age = 65
[indicator.numerator]
settings = ["apc_nel"]
"#;

fn refreshed() -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("borough");
    tiny_borough(&data);
    let framework = Framework::parse("tiny.toml", FRAMEWORK).unwrap();
    let options = RefreshOptions::with_threads(2);
    let dataset = accord_dataset::Dataset::open(&data).unwrap();
    let histories = accord_cohort::Histories::load(&dataset).unwrap();
    let done = refresh(
        &dataset,
        &histories,
        &[framework],
        &options,
        None,
        &|_, _| {},
    )
    .unwrap();
    // Round trip through the folder, as the views read it.
    let out = dir.path().join("snapshot");
    done.snapshot
        .write(&Snapshot::destination(&out, &[&data]))
        .unwrap();
    let read = Snapshot::read(&out).unwrap();
    assert_eq!(read.summary, done.snapshot.summary);
    assert_eq!(read.inequality, done.snapshot.inequality);
    for (a, b) in read.results.iter().zip(&done.snapshot.results) {
        assert_eq!(a, b);
    }
    assert_eq!(read, done.snapshot);
    read
}

fn row<'a>(s: &'a Snapshot, indicator: &str, breakdown: &str, group: &str) -> &'a ResultRow {
    let rows: Vec<&ResultRow> = s
        .results
        .iter()
        .filter(|r| r.indicator == indicator && r.breakdown == breakdown && r.group == group)
        .collect();
    assert_eq!(rows.len(), 1, "{indicator} {breakdown} {group}: {rows:?}");
    rows[0]
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn figures_match_the_hand_arithmetic() {
    let s = refreshed();
    assert_eq!(s.summary.run.data_start.to_string(), "2024-04-01");

    // Rate: person-days 365 + 182 + 365 + 275 + 365 = 1,552; admissions while registered:
    // 1 (person 1) + 0 (person 2 joined after hers) + 1 (person 4) + 2 (person 5) = 4.
    let all = row(&s, "admission_rate", "all", "all");
    assert_eq!(all.numerator, 4.0);
    close(all.denominator, 1552.0 / 365.25);
    let expected = rate(4.0, 1552.0 / 365.25, 1000.0, Confidence::P95).unwrap();
    close(all.value.unwrap(), expected.value);
    close(all.lower95.unwrap(), expected.lower);
    // By practice: P1 547 days and 1 admission, P2 548 and 1, P3 457 and 2.
    for (practice, days, events) in [("P1", 547.0, 1.0), ("P2", 548.0, 1.0), ("P3", 457.0, 2.0)] {
        let r = row(&s, "admission_rate", "practice", practice);
        close(r.denominator, days / 365.25);
        assert_eq!(r.numerator, events, "{practice}");
    }
    let none = row(&s, "admission_rate", "network", "none");
    close(none.denominator, 457.0 / 365.25);
    assert_eq!(row(&s, "admission_rate", "network", "N1").numerator, 2.0);

    // Proportion: registered on 31 March: persons 1, 2, 3, 5 (4 died); with an admission
    // anywhere in the year: 1, 2 (in September, before joining), 5 → 3 of 4.
    let admitted = row(&s, "admitted", "all", "all");
    assert_eq!((admitted.numerator, admitted.denominator), (3.0, 4.0));
    let wilson = proportion(3.0, 4.0, Confidence::P95).unwrap();
    close(admitted.value.unwrap(), 75.0);
    close(admitted.lower95.unwrap(), wilson.lower * 100.0);
    assert_eq!(
        admitted.vs_target.as_deref(),
        Some("similar"),
        "target 50 is inside the CI"
    );
    // Life course on 31 March: person 3 (aged 3) is in the early years segment.
    let early = row(&s, "admitted", "life_course", "pregnancy_and_early_years");
    assert_eq!((early.numerator, early.denominator), (0.0, 1.0));
    // Person 1 (75, one long-term condition, an emergency admission in the year): tier 2.
    let tier2 = row(&s, "admitted", "west_london_tier", "tier_2");
    assert_eq!((tier2.numerator, tier2.denominator), (1.0, 1.0));
    assert_eq!(
        row(&s, "admitted", "west_london_tier", "under_65").denominator,
        3.0
    );
    // IMD quintiles from deciles 1, 10, 3, 7: quintiles 1, 5, 2, 4.
    assert_eq!(row(&s, "admitted", "imd_quintile", "5").numerator, 1.0);

    // Latest HbA1c of the one person with diabetes: 50 (January), not 70 (May).
    let h = row(&s, "hba1c_controlled", "all", "all");
    assert_eq!((h.numerator, h.denominator), (1.0, 1.0));

    // Cost per person registered on 31 March: 2,240 + 2,200 + 400 + 4,000 over 4 = 2,210.
    let cost = row(&s, "cost", "all", "all");
    close(cost.value.unwrap(), 2210.0);
    assert_eq!(cost.denominator, 4.0);

    // Survey: answers in the year 5, 4, 2, 3 → 2 of 4 agree; the 2023 answer is outside.
    let safe = row(&s, "safe", "all", "all");
    assert_eq!((safe.numerator, safe.denominator), (2.0, 4.0));
    assert_eq!(row(&s, "safe", "sex", "not known").denominator, 1.0);
    assert_eq!(row(&s, "safe", "practice", "P1").denominator, 2.0);

    // Four events: a DSR is not published on fewer than 10.
    let dsr = row(&s, "admission_dsr", "all", "all");
    assert_eq!(dsr.value, None);
    assert_eq!(
        dsr.note.as_deref(),
        Some("fewer than 10 events: not published")
    );

    // Monthly, aged 65 and over: person 1's June admission and person 4's November one.
    let june = s
        .results
        .iter()
        .find(|r| {
            r.indicator == "older_admission_rate"
                && r.breakdown == "all"
                && r.period_end.to_string() == "2024-06-30"
        })
        .unwrap();
    assert_eq!(june.numerator, 1.0);
    close(june.denominator, 60.0 / 365.25);
    let monthly = s
        .results
        .iter()
        .filter(|r| r.indicator == "older_admission_rate" && r.breakdown == "all")
        .count();
    assert_eq!(monthly, 12);
}

#[test]
fn an_indicator_without_a_figure_says_why() {
    let s = refreshed();
    let entry = |id: &str| {
        s.summary
            .indicators
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .clone()
    };
    let unanswered = entry("listened_to");
    assert!(unanswered.latest.is_none());
    assert_eq!(
        unanswered.no_figure.as_deref(),
        Some(
            "The dataset holds no answers to tht_02 of the survey tht_i_statements from 2024-04-01 to 2025-03-31."
        )
    );
    assert_eq!(entry("safe").no_figure, None);
}

#[test]
fn provenance_and_explanations_are_recorded() {
    let s = refreshed();
    let p = &s.summary.header.provenance;
    assert_eq!(
        p.definitions.len(),
        1,
        "the framework's hash: {:?}",
        p.definitions
    );
    assert_eq!(p.dataset_fingerprint.len(), 64);
    assert_eq!(p.extract_date.to_string(), "2025-03-31");
    let entry = s.find_indicator("tiny/admission_rate").unwrap();
    assert!(entry.sql.contains("GROUPING SETS"), "{}", entry.sql);
    assert_eq!(entry.reads, vec!["spells_financial_year"]);
    let spells = s
        .summary
        .shared_tables
        .iter()
        .find(|t| t.name == "spells_financial_year")
        .unwrap();
    assert!(spells.sql.contains("FROM activity a"), "{}", spells.sql);
    assert_eq!(s.summary.area_names["N1"], "North network");
    assert_eq!(s.framework_files[0].0, "tiny.toml");
    assert!(s.find_indicator("nothing").is_err());
}

#[test]
fn the_population_profile_matches_the_hand_count() {
    let s = refreshed();
    let p = &s.summary.profile;
    // One complete financial year (2024-04-01 to 2025-03-31). On its last day person 4 has
    // died; the others are registered, person 5 at her second practice.
    assert_eq!(p.population_date.unwrap().to_string(), "2025-03-31");
    let pyramid: Vec<(&str, &str, f64)> = p
        .population
        .iter()
        .map(|b| (b.sex.as_str(), b.age_band.as_str(), b.people))
        .collect();
    assert_eq!(
        pyramid,
        [
            ("F", "0-4", 1.0),
            ("F", "60-64", 1.0),
            ("F", "75-79", 1.0),
            ("M", "30-34", 1.0)
        ]
    );
    let segment = |model: &str, name: &str| {
        p.segments
            .iter()
            .find(|s| s.model == model && s.segment == name)
            .unwrap_or_else(|| panic!("no {model} {name}"))
    };
    // Growing old: person 1 (GP 40, admission 2,000, A&E 200).
    let old = segment("life_course", "growing_old");
    assert_eq!((old.people, old.cost_gbp), (1.0, 2240.0));
    assert_eq!(
        (
            old.emergency_admissions,
            old.ae_attendances,
            old.gp_appointments
        ),
        (1.0, 1.0, 1.0)
    );
    // Adults: persons 2 (admission, A&E) and 5 (two admissions).
    let adults = segment("life_course", "being_an_adult");
    assert_eq!(
        (adults.people, adults.cost_gbp, adults.emergency_admissions),
        (2.0, 6200.0, 3.0)
    );
    let early = segment("life_course", "pregnancy_and_early_years");
    assert_eq!((early.people, early.ae_attendances), (1.0, 2.0));
    // Person 1 has one long-term condition and an emergency admission in the year: tier 2.
    assert_eq!(segment("west_london_tier", "tier_2").people, 1.0);
    assert_eq!(segment("west_london_tier", "under_65").people, 3.0);
    // One year: nothing to flow between.
    assert!(p.flows.is_empty());
    let ae: Vec<(String, f64)> = p
        .monthly_rows
        .iter()
        .filter(|m| m.series == "ae")
        .map(|m| (m.month.format("%Y-%m").to_string(), m.rows))
        .collect();
    assert_eq!(
        ae,
        [
            ("2024-06".to_string(), 1.0),
            ("2024-12".to_string(), 1.0),
            ("2025-01".to_string(), 1.0),
            ("2025-02".to_string(), 1.0)
        ]
    );
    let deaths = p
        .completeness
        .iter()
        .find(|c| c.table == "person" && c.column == "death_date")
        .unwrap();
    assert_eq!((deaths.rows, deaths.filled), (5.0, 1.0));
}
