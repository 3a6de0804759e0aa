//! An outcome-based contract's payment worked out by hand, step by step: achievement at,
//! just below and just above threshold and target for both polarities, a zero weight, a
//! failed gateway, the cap and the floor, gain and loss inside and beyond the cap and
//! collar, and partners' shares that add up to the payment to the penny; and the payment's
//! distribution.

use accord_contracts::OutcomeContract;
use accord_model::Pence;
use accord_money::payment::{PaymentOptions, pay};
use accord_snapshot::{ResultRow, Snapshot};
use chrono::NaiveDate;

fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
}

fn row(indicator: &str, value: f64, half_width: f64) -> ResultRow {
    ResultRow {
        framework: "f".into(),
        indicator: indicator.into(),
        measure: "rate".into(),
        period_start: NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
        period_end: end(),
        breakdown: "all".into(),
        group: "all".into(),
        numerator: 10.0,
        denominator: 100.0,
        value: Some(value),
        lower95: Some(value - half_width),
        upper95: Some(value + half_width),
        lower998: None,
        upper998: None,
        vs_benchmark: None,
        vs_target: None,
        vs_year_earlier: None,
        trend: None,
        note: None,
    }
}

/// A snapshot of indicators `lower` (lower is better), `higher` and `zero` (higher is
/// better), with the given values, and money results whose total spend is `spend` pounds.
fn snapshot(values: [(f64, f64); 3], spend: i64) -> Snapshot {
    let entry = |id: &str, polarity: &str| {
        serde_json::json!({
            "framework": "f", "id": id, "domain": "d", "outcome": "o", "name": id, "measure": "rate",
            "unit": "per 1,000", "period_kind": "year", "polarity": polarity, "sql": format!("SELECT {id}"),
            "reads": [], "scale": null, "latest": null, "rows": 1, "query_seconds": 0.0
        })
    };
    let summary = serde_json::from_value(serde_json::json!({
        "header": {
            "artifact": "results snapshot", "format": accord_snapshot::SNAPSHOT_FORMAT,
            "provenance": {
                "accord_version": "test", "engine": "test", "dataset": "test", "dataset_fingerprint": "fp-123",
                "extract_date": "2026-03-31", "created_at": "2026-12-07T00:00:00Z"
            }
        },
        "run": {"data_start": "2023-04-01", "data_end": "2026-03-31", "seconds": 0.0, "query_seconds": 0.0},
        "frameworks": [], "shared_tables": [],
        "indicators": [entry("lower", "lower_is_better"), entry("higher", "higher_is_better"), entry("zero", "higher_is_better")],
        "area_names": {}, "areas": {"practices": {}, "networks": {}},
        "profile": {"population_date": null, "population": [], "segments": [], "flows": [], "monthly_rows": [],
            "completeness": [{"table": "practice", "column": "network_id", "rows": 10.0, "filled": 9.0}]}
    }))
    .unwrap();
    let money: accord_snapshot::money::MoneyResults = serde_json::from_value(serde_json::json!({
        "register": "r.csv", "unit_costs": "u", "year": {"start": "2025-04-01", "end": "2026-03-31", "label": "2025/26"},
        "baseline_year": {"start": "2024-04-01", "end": "2025-03-31", "label": "2024/25"},
        "total": {"group": "all", "label": "Everyone", "people": 1, "rows": 1, "spend": spend * 100, "from_unit_costs": 0, "per_person": null},
        "spend": [], "monthly": [], "concentration": [], "contracts": [],
        "uncontracted": {"group": "none", "label": "none", "people": 0, "rows": 0, "spend": 0, "from_unit_costs": 0, "per_person": null},
        "flows": [], "plans": []
    }))
    .unwrap();
    Snapshot {
        summary,
        results: vec![
            row("lower", values[0].0, values[0].1),
            row("higher", values[1].0, values[1].1),
            row("zero", values[2].0, values[2].1),
        ],
        inequality: Vec::new(),
        funnels: Vec::new(),
        framework_files: Vec::new(),
        money: Some(money),
    }
}

/// £1,000,000 a year; 10% at risk in its second year (2025/26); lower: threshold 100,
/// target 80, weight 0.6; higher: threshold 50, target 70, weight 0.4; zero: weight 0; a
/// completeness gateway at 85% (90% filled); a budget of £500,000 shared 50:50 within ±5%;
/// partners sharing 1/3 each (equal).
const CONTRACT: &str = r#"id = "worked"
name = "Worked example"
annual_value_gbp = 1000000
first_year = 2024
share_at_risk = [0.0, 0.1]
sharing = "equal"

[[indicator]]
framework = "f"
indicator = "lower"
weight = 0.6
baseline = 105
threshold = 100
target = 80

[[indicator]]
framework = "f"
indicator = "higher"
weight = 0.4
baseline = 45
threshold = 50
target = 70

[[indicator]]
framework = "f"
indicator = "zero"
weight = 0.0
baseline = 1
threshold = 1
target = 2

[[gateway]]
kind = "completeness"
table = "practice"
column = "network_id"
min_percent = 85

[[partner]]
name = "A"
[[partner]]
name = "B"
[[partner]]
name = "C"

[risk_share]
budget_gbp = 500000
actual = "total"
"#;

fn contract(edit: impl Fn(String) -> String) -> OutcomeContract {
    OutcomeContract::parse(&edit(CONTRACT.to_string()), "worked.toml").unwrap()
}

fn options() -> PaymentOptions {
    PaymentOptions {
        draws: 2_000,
        ..PaymentOptions::default()
    }
}

#[test]
fn a_payment_worked_by_hand() {
    let c = contract(|t| t);
    // lower 90 is half way from 100 to 80; higher 65 is 3/4 of the way from 50 to 70.
    let p = pay(
        &c,
        &snapshot([(90.0, 5.0), (65.0, 4.0), (5.0, 1.0)], 490_000),
        &options(),
    )
    .unwrap();
    assert_eq!(p.year, "2025/26");
    assert_eq!(p.contract_year, 2);
    assert_eq!(p.pot, Pence::parse("100000").unwrap());
    assert!((p.indicators[0].achievement - 0.5).abs() < 1e-12);
    assert!((p.indicators[1].achievement - 0.75).abs() < 1e-12);
    assert_eq!(p.indicators[2].weighted, 0.0);
    // 0.6 × 0.5 + 0.4 × 0.75 = 0.6 of the £100,000 pot.
    assert!((p.score - 0.6).abs() < 1e-12);
    assert!(p.gateways_passed);
    assert_eq!(p.outcome_payment, Pence::parse("60000").unwrap());
    // £500,000 budget, £490,000 spent: a £10,000 gain, half to the alliance.
    let r = p.risk_share.as_ref().unwrap();
    assert_eq!(r.gain, Pence::parse("10000").unwrap());
    assert_eq!(r.alliance, Pence::parse("5000").unwrap());
    assert_eq!(r.commissioner, Pence::parse("5000").unwrap());
    assert_eq!(p.to_alliance, Pence::parse("65000").unwrap());
    // £65,000 in thirds: £21,666.67, £21,666.67, £21,666.66 — to the penny.
    let amounts: Vec<Pence> = p.partners.iter().map(|s| s.amount).collect();
    assert_eq!(
        amounts,
        vec![Pence(2_166_667), Pence(2_166_667), Pence(2_166_666)]
    );
    assert_eq!(amounts.iter().sum::<Pence>(), p.to_alliance);
    assert_eq!(p.snapshot_fingerprint, "fp-123");
    // In INDIGO's shape: one outcome metric, pricing and payment per indicator; the
    // payments add up to the outcome payment.
    let indigo = p.indigo(&c);
    assert_eq!(indigo["outcome_metrics"].as_array().unwrap().len(), 3);
    assert_eq!(indigo["outcome_pricings"][0]["currency"]["value"], "GBP");
    let paid: f64 = indigo["outcome_payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["money"]["amount"]["value"].as_f64().unwrap())
        .sum();
    assert!((paid - 60_000.0).abs() < 1e-6, "{paid}");
    assert_eq!(
        indigo["outcome_payments"][0]["money"]["amount"]["value"],
        30_000.0
    );
    assert_eq!(p.indicators[0].sql, "SELECT lower");
}

#[test]
fn achievement_at_and_around_threshold_and_target() {
    let c = contract(|t| t);
    let achievement = |lower: f64, higher: f64| {
        let p = pay(
            &c,
            &snapshot([(lower, 1.0), (higher, 1.0), (5.0, 1.0)], 500_000),
            &options(),
        )
        .unwrap();
        (p.indicators[0].achievement, p.indicators[1].achievement)
    };
    assert_eq!(achievement(100.0, 50.0), (0.0, 0.0)); // at the threshold
    assert_eq!(achievement(100.5, 49.5), (0.0, 0.0)); // just short of it
    let (a, b) = achievement(99.5, 50.5); // just past it
    assert!((a - 0.025).abs() < 1e-12 && (b - 0.025).abs() < 1e-12);
    let (a, b) = achievement(80.5, 69.5); // just short of the target
    assert!((a - 0.975).abs() < 1e-12 && (b - 0.975).abs() < 1e-12);
    assert_eq!(achievement(80.0, 70.0), (1.0, 1.0)); // at the target
    assert_eq!(achievement(60.0, 90.0), (1.0, 1.0)); // beyond it
}

#[test]
fn a_failed_gateway_the_cap_and_the_floor() {
    let fails = contract(|t| t.replace("min_percent = 85", "min_percent = 95"));
    let p = pay(
        &fails,
        &snapshot([(80.0, 1.0), (70.0, 1.0), (5.0, 1.0)], 500_000),
        &options(),
    )
    .unwrap();
    assert!(!p.gateways_passed);
    assert_eq!(p.gateways[0].detail, "90.0% filled");
    assert_eq!(p.outcome_payment, Pence::ZERO);
    let capped = contract(|t| {
        t.replace(
            "sharing = \"equal\"",
            "sharing = \"equal\"\ncap_gbp = 75000\nfloor_gbp = 20000",
        )
    });
    let full = pay(
        &capped,
        &snapshot([(80.0, 1.0), (70.0, 1.0), (5.0, 1.0)], 500_000),
        &options(),
    )
    .unwrap();
    assert_eq!(full.before_limits, Pence::parse("100000").unwrap());
    assert_eq!(full.outcome_payment, Pence::parse("75000").unwrap());
    let none = pay(
        &capped,
        &snapshot([(100.0, 1.0), (50.0, 1.0), (5.0, 1.0)], 500_000),
        &options(),
    )
    .unwrap();
    assert_eq!(none.outcome_payment, Pence::parse("20000").unwrap());
}

#[test]
fn gains_and_losses_inside_and_beyond_the_cap_and_collar() {
    let c = contract(|t| t);
    let share = |spend: i64| {
        let p = pay(
            &c,
            &snapshot([(100.0, 1.0), (50.0, 1.0), (5.0, 1.0)], spend),
            &options(),
        )
        .unwrap();
        let r = p.risk_share.unwrap();
        (r.alliance, r.commissioner)
    };
    let pounds = |p: &str| Pence::parse(p).unwrap();
    // A £20,000 overspend: the alliance bears half.
    assert_eq!(share(520_000), (pounds("-10000"), pounds("-10000")));
    // A £100,000 saving: half is £50,000, beyond the collar of 5% of £500,000 (£25,000).
    assert_eq!(share(400_000), (pounds("25000"), pounds("75000")));
    // A £100,000 overspend: the alliance's loss stops at £25,000 too.
    assert_eq!(share(600_000), (pounds("-25000"), pounds("-75000")));
}

#[test]
fn the_distribution_centres_on_the_point_and_is_reproducible() {
    let c = contract(|t| t);
    // Far from threshold and target, with narrow intervals: the payment barely moves.
    let s = snapshot([(90.0, 1.0), (60.0, 1.0), (5.0, 1.0)], 500_000);
    let p = pay(&c, &s, &options()).unwrap();
    let point = p.outcome_payment.0 as f64;
    assert!(
        (p.distribution.mean.0 as f64 - point).abs() < 0.01 * point,
        "{:?} vs {point}",
        p.distribution
    );
    assert_eq!(
        pay(&c, &s, &options()).unwrap().distribution,
        p.distribution
    );
    assert!(p.indicators[0].p_past_threshold.unwrap() > 0.999);
    // Near the threshold with a wide interval: a real chance of nothing being true.
    let near = pay(
        &c,
        &snapshot([(99.0, 10.0), (51.0, 10.0), (5.0, 1.0)], 500_000),
        &options(),
    )
    .unwrap();
    let p_lower = near.indicators[0].p_past_threshold.unwrap();
    assert!((0.5..0.7).contains(&p_lower), "{p_lower}");
    assert!(near.distribution.p_zero > 0.1, "{:?}", near.distribution);
    // Scored on the cautious bound, the same figures pay less.
    let cautious = contract(|t| {
        t.replace(
            "sharing = \"equal\"",
            "sharing = \"equal\"\nscore_on = \"cautious_bound\"",
        )
    });
    let q = pay(&cautious, &s, &options()).unwrap();
    assert!(q.outcome_payment < p.outcome_payment);
}

#[test]
fn a_scenario_moves_the_payment_and_bad_contracts_are_named() {
    let c = contract(|t| t);
    let s = snapshot([(90.0, 5.0), (65.0, 4.0), (5.0, 1.0)], 490_000);
    let mut o = options();
    o.overrides = vec![("f/lower".into(), 85.0)];
    let p = pay(&c, &s, &o).unwrap();
    // lower 85 is 3/4 of the way: 0.6 × 0.75 + 0.4 × 0.75 = 0.75.
    assert_eq!(p.outcome_payment, Pence::parse("75000").unwrap());
    assert!(p.indicators[0].overridden);
    let wrong_side = contract(|t| t.replace("target = 80", "target = 120"));
    let err = pay(&wrong_side, &s, &options()).unwrap_err().to_string();
    assert!(err.contains("line 8, target: f/lower is lower-is-better, but its target 120 is above its threshold 100"), "{err}");
    let unknown = contract(|t| t.replace("indicator = \"zero\"", "indicator = \"nothing\""));
    let err = pay(&unknown, &s, &options()).unwrap_err().to_string();
    assert!(
        err.contains("line 24, indicator: the snapshot has no indicator f/nothing"),
        "{err}"
    );
}
