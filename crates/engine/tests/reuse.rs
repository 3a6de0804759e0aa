//! Refreshing only what changed: after one framework's definition is edited, a refresh given
//! the earlier snapshot recomputes that framework only, says what it reused, and gives
//! every figure a full refresh gives.

use accord_engine::{RefreshOptions, refresh};
use accord_framework::{Framework, builtin};
use accord_snapshot::Snapshot;

/// Every figure of a snapshot, with timings and what was reused left out.
fn figures(snapshot: &Snapshot) -> [serde_json::Value; 4] {
    let snapshot = without_timings(snapshot);
    [
        serde_json::to_value(&snapshot.summary).unwrap(),
        serde_json::to_value(&snapshot.results).unwrap(),
        serde_json::to_value(&snapshot.inequality).unwrap(),
        serde_json::to_value(&snapshot.funnels).unwrap(),
    ]
}

/// Fails naming the first figure that differs (beyond the last bits).
fn same_figures(a: &Snapshot, b: &Snapshot) {
    fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
        use serde_json::Value;
        match (a, b) {
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}[{i}]"))),
            (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
                x.iter().find_map(|(k, v)| match y.get(k) {
                    Some(w) => first_difference(v, w, &format!("{at}.{k}")),
                    None => Some(format!("{at}.{k}: only on the left")),
                })
            }
            // A sum the parallel engine takes in another order differs in its last bits,
            // and an exact Poisson limit (an iterative quantile) a little more.
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                ((x - y).abs() > 1e-6 * x.abs().max(y.abs()))
                    .then(|| format!("{at}: {x} against {y}"))
            }
            _ => (a != b).then(|| format!("{at}: {a} against {b}")),
        }
    }
    let parts = ["summary", "results", "inequality", "funnels"];
    for ((name, a), b) in parts.iter().zip(figures(a)).zip(figures(b)) {
        if let Some(difference) = first_difference(&a, &b, name) {
            panic!("figures differ at {difference}");
        }
    }
}

fn without_timings(snapshot: &Snapshot) -> Snapshot {
    let mut snapshot = snapshot.clone();
    let run = &mut snapshot.summary.run;
    (run.seconds, run.query_seconds) = (0.0, 0.0);
    run.reused.clear();
    snapshot.summary.header.provenance.created_at.clear();
    for entry in &mut snapshot.summary.indicators {
        entry.query_seconds = 0.0;
    }
    snapshot
}

#[test]
fn a_refresh_after_editing_one_framework_recomputes_that_framework_only() {
    let (_dir, data) = accord_testkit::borough(12_000, 23);
    let dataset = accord_dataset::Dataset::open(&data).unwrap();
    let histories = accord_cohort::Histories::load(&dataset).unwrap();
    let options = RefreshOptions::with_threads(2);
    let run = |frameworks: &[Framework], earlier: Option<&Snapshot>| {
        refresh(
            &dataset,
            &histories,
            frameworks,
            &options,
            earlier,
            &|_, _| {},
        )
        .unwrap()
        .snapshot
    };
    let mut frameworks = builtin::all().unwrap();
    let first = run(&frameworks, None);
    assert!(first.summary.run.reused.is_empty());

    // Unchanged: everything is taken from the earlier snapshot.
    let again = run(&frameworks, Some(&first));
    let mut everything: Vec<String> = frameworks.iter().map(|f| f.id.clone()).collect();
    everything.push("profile".into());
    assert_eq!(again.summary.run.reused, everything);
    same_figures(&again, &first);

    // One framework edited: only it is computed again.
    let edited = &frameworks[1];
    let text = edited.text.replacen(
        "[[indicator]]",
        "# a note added by the partnership\n[[indicator]]",
        1,
    );
    let edited_id = edited.id.clone();
    frameworks[1] = Framework::parse(&format!("{edited_id}.toml"), &text).unwrap();
    let partly = run(&frameworks, Some(&first));
    assert!(!partly.summary.run.reused.contains(&edited_id));
    assert_eq!(partly.summary.run.reused.len(), everything.len() - 1);
    let full = run(&frameworks, None);
    same_figures(&partly, &full);

    // A snapshot of another dataset gives nothing to reuse.
    let (_other_dir, other) = accord_testkit::borough(3_000, 24);
    let other = accord_dataset::Dataset::open(&other).unwrap();
    let other_histories = accord_cohort::Histories::load(&other).unwrap();
    let elsewhere = refresh(
        &other,
        &other_histories,
        &frameworks,
        &options,
        Some(&first),
        &|_, _| {},
    )
    .unwrap()
    .snapshot;
    assert!(elsewhere.summary.run.reused.is_empty());
}
