//! Computes the cases that `scripts/oracle-stats.sh` sends on standard input (a JSON array
//! of {"kind", inputs...}) and prints the results as a JSON array, so that a Python script
//! can compare them with PHStatsMethods and scipy. A tool for the oracle test, not a product.

use std::io::Read;

use accord_stats::{
    Confidence, ESP2013, Estimate, directly_standardised_rate, mean, proportion, rate,
};
use serde_json::{Value, json};

fn confidence(case: &Value) -> Confidence {
    if case["confidence"].as_f64() == Some(0.998) {
        Confidence::P998
    } else {
        Confidence::P95
    }
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn shown(result: Result<Option<Estimate>, accord_stats::StatsError>) -> Value {
    match result {
        Ok(Some(e)) => json!({"value": e.value, "lower": e.lower, "upper": e.upper}),
        Ok(None) => json!(null),
        Err(err) => json!({"error": err.to_string()}),
    }
}

fn main() {
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        eprintln!("error: could not read standard input");
        std::process::exit(2);
    }
    let cases: Vec<Value> = match serde_json::from_str(&input) {
        Ok(cases) => cases,
        Err(err) => {
            eprintln!("error: standard input is not a JSON array of cases: {err}");
            std::process::exit(2);
        }
    };
    let results: Vec<Value> = cases
        .iter()
        .map(|case| {
            let x = case["x"].as_f64().unwrap_or(f64::NAN);
            let n = case["n"].as_f64().unwrap_or(f64::NAN);
            match case["kind"].as_str() {
                Some("proportion") => shown(proportion(x, n, confidence(case)).map(Some)),
                Some("rate") => shown(rate(x, n, 100_000.0, confidence(case)).map(Some)),
                Some("mean") => shown(mean(&numbers(&case["values"]), confidence(case)).map(Some)),
                Some("dsr") => shown(directly_standardised_rate(
                    &numbers(&case["counts"]),
                    &numbers(&case["pops"]),
                    &ESP2013,
                    100_000.0,
                    confidence(case),
                )),
                other => json!({"error": format!("unknown kind {other:?}")}),
            }
        })
        .collect();
    println!("{}", Value::Array(results));
}
