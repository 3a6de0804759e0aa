//! Every figure `accord demo` writes, compared with what it wrote before the workspace
//! facade and the results envelope (issue 34) were built: restructuring must not move a
//! number. The fixture holds a digest of each part, taken from the figures alone (never
//! provenance, timings or file layout), so that a change of format is not a change of
//! figure, but any changed figure is.
//!
//! A deliberate change of figures (a corrected method) updates the fixture with
//! `ACCORD_UPDATE_DEMO_FIGURES=1 cargo test --release --workspace --test demo_figures`,
//! and says why in its commit.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

const FIXTURE: &str = "tests/fixtures/demo-figures.json";

/// Keys that say when, how long, from which file or by what query, never what was found
/// (the SQL changes when the engine's plan does; its figures must not).
const NOT_FIGURES: [&str; 6] = [
    "query_seconds",
    "seconds",
    "created_at",
    "register",
    "sql",
    "reads",
];

/// Floats rounded to ten significant digits, so that a sum taken in another order by a
/// parallel engine is the same figure; timings and paths left out.
fn rounded(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            let text = format!("{x:.9e}");
            serde_json::Number::from_f64(text.parse().unwrap_or(x))
                .map_or(Value::Null, Value::Number)
        }
        Value::Array(items) => Value::Array(items.iter().map(rounded).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !NOT_FIGURES.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), rounded(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The digest of a part's figures; the demo's folder, named in texts, is left out.
fn digest(value: &Value, root: &Path) -> String {
    let folder = serde_json::to_string(&root.display().to_string()).unwrap();
    let text = serde_json::to_string(&rounded(value))
        .unwrap()
        .replace(folder.trim_matches('"'), "<demo>");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The field `key` of an artifact, wherever the envelope puts its body.
fn part<'a>(artifact: &'a Value, key: &str) -> &'a Value {
    artifact
        .get(key)
        .or_else(|| artifact.get("body").and_then(|b| b.get(key)))
        .unwrap_or_else(|| panic!("the artifact has no {key}"))
}

fn value<T: serde::Serialize>(figures: &T) -> Value {
    serde_json::to_value(figures).unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn figures_of_demo(root: &Path, stdout: &str) -> BTreeMap<String, String> {
    let mut parts = BTreeMap::new();
    let snapshot = accord_snapshot::Snapshot::read(&root.join("snapshot")).unwrap();
    parts.insert(
        "snapshot results".into(),
        digest(&value(&snapshot.results), root),
    );
    parts.insert(
        "snapshot inequality".into(),
        digest(&value(&snapshot.inequality), root),
    );
    parts.insert(
        "snapshot indicators".into(),
        digest(&value(&snapshot.summary.indicators), root),
    );
    parts.insert(
        "snapshot frameworks".into(),
        digest(&value(&snapshot.framework_files), root),
    );
    parts.insert(
        "snapshot money".into(),
        digest(&value(&snapshot.money), root),
    );
    let model = json(&root.join("risk-model/model.json"));
    for key in ["outcome", "fit", "labels"] {
        parts.insert(format!("risk model {key}"), digest(part(&model, key), root));
    }
    let card = json(&root.join("risk-model/model_card.json"));
    for key in [
        "development",
        "temporal",
        "split",
        "split_train",
        "apparent_auc",
        "subgroups",
        "coefficients",
        "dropped",
    ] {
        parts.insert(format!("risk card {key}"), digest(part(&card, key), root));
    }
    let evaluation = json(&root.join("evaluation.json"));
    for key in [
        "attrition",
        "propensity",
        "balance",
        "outcomes",
        "networks",
        "mortality",
        "monthly",
        "placebos",
        "censoring",
        "warnings",
    ] {
        parts.insert(
            format!("evaluation {key}"),
            digest(part(&evaluation, key), root),
        );
    }
    let register = fs::read(root.join("contracts.csv")).unwrap();
    parts.insert(
        "contract register".into(),
        hex::encode(Sha256::digest(&register)),
    );
    // The MDT database's contents, as the demo counts them.
    let loaded = stdout
        .lines()
        .find_map(|l| {
            l.split_once("MDT demo data loaded into ")
                .map(|(_, rest)| rest)
        })
        .and_then(|rest| rest.split_once(": "))
        .map(|(_, counts)| counts.to_string())
        .unwrap_or_else(|| panic!("the demo loads the MDT workflow: {stdout}"));
    parts.insert("mdt demo load".into(), loaded);
    parts
}

#[test]
fn every_figure_of_the_demo_is_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("borough");
    let output = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["demo", "--persons", "6000", "--no-serve", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures = figures_of_demo(tmp.path(), &stdout);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("ACCORD_UPDATE_DEMO_FIGURES").is_some() {
        fs::write(
            &fixture,
            serde_json::to_string_pretty(&figures).unwrap() + "\n",
        )
        .unwrap();
        return;
    }
    let before: BTreeMap<String, String> =
        serde_json::from_slice(&fs::read(&fixture).unwrap()).unwrap();
    let changed: Vec<&String> = before
        .keys()
        .chain(figures.keys())
        .filter(|k| before.get(*k) != figures.get(*k))
        .collect();
    assert!(changed.is_empty(), "figures changed: {changed:?}");
}
