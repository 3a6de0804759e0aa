//! The `accord` binary as a user runs it: generate, check, seal, demo, and the errors a
//! user sees when something is wrong (named, never a panic).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn accord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .output()
        .expect("accord runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs accord with `args`, which must fail with `message` in its error output.
fn refused(args: &[&str], message: &str) {
    let output = accord(args);
    let stderr = text(&output).1;
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
}

fn synth(dir: &Path, extra: &[&str]) -> Output {
    let out = dir.to_str().unwrap();
    let mut args = vec!["synth", "--persons", "3000", "--seed", "1", "--out", out];
    args.extend_from_slice(extra);
    accord(&args)
}

/// A temporary folder with the default test borough in `borough`, and that folder's path.
fn synthesised() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    assert!(synth(&dir, &[]).status.success());
    let data = dir.to_str().unwrap().to_string();
    (tmp, data)
}

#[test]
fn synth_then_check_then_seal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let output = synth(&dir, &[]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("check           passed"), "{stdout}");
    assert!(
        stdout.contains("practices       33 in 12 networks and 4 localities"),
        "{stdout}"
    );

    let again = synth(&dir, &[]);
    assert!(!again.status.success());
    assert!(
        text(&again)
            .1
            .contains("already exists\nhint: pass --force"),
        "{}",
        text(&again).1
    );

    let check = accord(&["dataset", "check", dir.to_str().unwrap(), "--json"]);
    assert!(check.status.success(), "{}", text(&check).1);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["people"], 3000);
    assert_eq!(report["tables"].as_array().unwrap().len(), 11);

    fs::remove_file(dir.join("dataset.toml")).unwrap();
    let unsealed = accord(&["dataset", "check", dir.to_str().unwrap()]);
    assert!(!unsealed.status.success());
    assert!(text(&unsealed).1.contains("no dataset.toml"));
    let sealed = accord(&[
        "dataset",
        "seal",
        dir.to_str().unwrap(),
        "--extract-date",
        "2026-03-31",
        "--source",
        "test export",
    ]);
    let (stdout, stderr) = text(&sealed);
    assert!(sealed.status.success(), "{stderr}");
    assert!(
        stdout.contains("sealed 11 files") && stdout.contains("source    test export"),
        "{stdout}"
    );
}

#[test]
fn a_damaged_dataset_is_reported_by_file_without_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    assert!(synth(&dir, &[]).status.success());
    let path = dir.join("activity/part-00000.parquet");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let output = accord(&["dataset", "check", dir.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("activity/part-00000.parquet")
            && stderr.contains("truncated"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_parameters_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let output = synth(&dir, &["--effect-ae", "2"]);
    assert!(!output.status.success());
    assert!(
        text(&output).1.contains("A&E effect 2"),
        "{}",
        text(&output).1
    );
    assert!(!dir.exists());
    let output = accord(&["synth", "--persons", "ten", "--out", dir.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(text(&output).1.contains("--persons"), "{}", text(&output).1);
}

#[test]
fn demo_generates_once_then_reuses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let data = dir.to_str().unwrap();
    let first = accord(&["demo", "--data", data, "--persons", "2000", "--no-serve"]);
    let (stdout, stderr) = text(&first);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("generating a synthetic borough of 2,000 people"),
        "{stderr}"
    );
    assert!(stdout.contains("people          2,000"), "{stdout}");
    let second = accord(&["demo", "--data", data, "--persons", "2000", "--no-serve"]);
    assert!(second.status.success());
    assert!(text(&second).1.contains("using the borough already at"));
    // The first run loads the MDT demo; the second finds it loaded.
    assert!(stdout.contains("MDT demo data loaded into"), "{stdout}");
    assert!(stdout.contains("DEMO ONLY"), "{stdout}");
    assert!(
        text(&second)
            .0
            .contains("using the MDT database already at")
    );
    let untimed = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.starts_with("refreshed "))
            .filter(|l| {
                !l.contains("MDT d") && !l.starts_with("DEMO ONLY") && !l.starts_with("Demo users")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(stdout.contains("refreshed 70 indicators"), "{stdout}");
    assert_eq!(untimed(&text(&second).0), untimed(&stdout));
    assert!(tmp.path().join("snapshot/snapshot.json").exists());
    assert!(
        tmp.path().join("risk-model/model_card.json").exists(),
        "demo fits the risk model: {stdout} {stderr}"
    );
    assert!(tmp.path().join("mdt.sqlite").exists());
    // Money: the register written beside the borough, and the results in the snapshot.
    assert!(tmp.path().join("contracts.csv").exists());
    assert!(tmp.path().join("snapshot/money.json").exists());
}

#[test]
fn money_and_contracts_as_a_user_runs_them() {
    let (tmp, data) = synthesised();
    let register = tmp.path().join("contracts.csv");
    let register_path = register.to_str().unwrap();
    let made = accord(&[
        "contracts",
        "synth",
        "--data",
        &data,
        "--out",
        register_path,
    ]);
    assert!(made.status.success(), "{}", text(&made).1);
    let checked = accord(&["contracts", "check", register_path]);
    assert!(
        text(&checked).0.contains("59 contracts in"),
        "{}",
        text(&checked).0
    );
    let listed = accord(&[
        "contracts",
        "list",
        register_path,
        "--year-end",
        "2026-03-31",
    ]);
    assert!(text(&listed).0.contains("Contracts in force in 2025/26"));

    let xlsx = tmp.path().join("money.xlsx");
    let money = accord(&[
        "money",
        "--data",
        &data,
        "--contracts",
        register_path,
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&money);
    assert!(money.status.success(), "{stderr}");
    for words in [
        "Money in 2025/26",
        "Living well",
        "Tier 3",
        "capitation: envelope",
        "block",
    ] {
        assert!(stdout.contains(words), "{words} not in {stdout}");
    }
    assert!(fs::read(&xlsx).unwrap().starts_with(b"PK"));
    // Again: it replaces its own workbook; never a user's spreadsheet.
    let again = accord(&[
        "money",
        "--data",
        &data,
        "--contracts",
        register_path,
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", text(&again).1);
    let theirs = tmp.path().join("theirs.xlsx");
    fs::write(&theirs, b"PK\x03\x04 a spreadsheet of the user's").unwrap();
    refused(
        &[
            "money",
            "--data",
            &data,
            "--contracts",
            register_path,
            "--xlsx",
            theirs.to_str().unwrap(),
        ],
        "theirs.xlsx",
    );
    assert_eq!(
        fs::read(&theirs).unwrap(),
        b"PK\x03\x04 a spreadsheet of the user's"
    );

    let json = accord(&[
        "money",
        "--data",
        &data,
        "--contracts",
        register_path,
        "--json",
    ]);
    let results: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(results["year"]["label"], "2025/26");

    // Into the snapshot, then explained from it.
    let snapshot = tmp.path().join("snapshot");
    let snapshot_path = snapshot.to_str().unwrap();
    let refreshed = accord(&[
        "refresh",
        "--data",
        &data,
        "--out",
        snapshot_path,
        "--framework",
        "tht",
        "--contracts",
        register_path,
    ]);
    assert!(refreshed.status.success(), "{}", text(&refreshed).1);
    let lines = text(&accord(&[
        "money",
        "explain",
        "--snapshot",
        snapshot_path,
        "--list",
    ]))
    .0;
    assert!(
        lines.contains("workstream:tht_workstreams/living_well"),
        "{lines}"
    );
    let explained = accord(&[
        "money",
        "explain",
        "--snapshot",
        snapshot_path,
        "capitation:mcmw_over_65s/network/N01",
    ]);
    assert!(
        text(&explained).0.contains("Age-sex indices"),
        "{}",
        text(&explained).0
    );
    let whatif = accord(&[
        "money",
        "whatif",
        "--data",
        &data,
        "--contracts",
        register_path,
        "--growth",
        "65+:0.1",
        "--shift",
        "apc_nel:community:0.05",
    ]);
    assert!(
        text(&whatif).0.contains("budget after"),
        "{}",
        text(&whatif).1
    );

    // Bad definitions are named by file, line and field, before any work.
    let bad = tmp.path().join("bad.csv");
    let text_of = fs::read_to_string(&register).unwrap();
    let mut lines: Vec<String> = text_of.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen(",activity,", ",barter,", 1);
    fs::write(&bad, lines.join("\n")).unwrap();
    refused(
        &[
            "money",
            "--data",
            &data,
            "--contracts",
            bad.to_str().unwrap(),
        ],
        "line 4, payment_model: unknown payment model \"barter\"",
    );
    refused(
        &[
            "refresh",
            "--data",
            &data,
            "--out",
            snapshot_path,
            "--contracts",
            bad.to_str().unwrap(),
        ],
        "bad.csv: 1 problem",
    );
    refused(
        &[
            "money",
            "whatif",
            "--data",
            &data,
            "--contracts",
            register_path,
            "--shift",
            "apc_nel:hospital:0.1",
        ],
        "unknown setting \"hospital\"",
    );
    refused(&["money", "--data", &data], "--contracts");

    // Outcome-based contracts on the same snapshot (its THT framework).
    let checked = accord(&[
        "contract",
        "check",
        "tht_risk_reward",
        "--snapshot",
        snapshot_path,
    ]);
    assert!(
        text(&checked).0.contains("all checked"),
        "{}",
        text(&checked).1
    );
    let indigo = tmp.path().join("indigo.json");
    let payment_csv = tmp.path().join("payment.csv");
    let paid = accord(&[
        "contract",
        "pay",
        "tht_risk_reward",
        "--snapshot",
        snapshot_path,
        "--draws",
        "500",
        "--indigo",
        indigo.to_str().unwrap(),
        "--csv",
        payment_csv.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&paid);
    assert!(paid.status.success(), "{stderr}");
    for words in [
        "pot: £60,000,000.00 × 5.0% at risk",
        "weighted score",
        "to the alliance",
        "noise: over 500 draws",
    ] {
        assert!(stdout.contains(words), "{words} not in {stdout}");
    }
    let indigo: serde_json::Value = serde_json::from_slice(&fs::read(&indigo).unwrap()).unwrap();
    assert_eq!(indigo["outcome_metrics"].as_array().unwrap().len(), 4);
    assert!(
        fs::read_to_string(&payment_csv)
            .unwrap()
            .starts_with("framework,indicator,period_end,value,")
    );
    let scenario = accord(&[
        "contract",
        "scenario",
        "tht_risk_reward",
        "--snapshot",
        snapshot_path,
        "--set",
        "tht/smoking_prevalence=5.0",
    ]);
    assert!(
        text(&scenario).0.contains("outcome payment"),
        "{}",
        text(&scenario).1
    );
    let bad_contract = tmp.path().join("contract.toml");
    fs::write(
        &bad_contract,
        "id = \"x\"\nname = \"X\"\nannual_value_gbp = 100\nfirst_year = 2025\nshare_at_risk = [0.1]\nsharing = \"equal\"\n\n[[indicator]]\nframework = \"tht\"\nindicator = \"smoking_prevalence\"\nweight = 1.0\nbaseline = 6\nthreshold = 6\ntarget = 7\n\n[[partner]]\nname = \"A\"\n",
    )
    .unwrap();
    refused(
        &["contract", "check", bad_contract.to_str().unwrap()],
        "line 8, target: tht/smoking_prevalence is lower-is-better, but its target 7 is above its threshold 6",
    );
}

/// Rows of `table` as `accord dataset check --json` reports them.
fn table_rows(data: &str, table: &str) -> u64 {
    let output = accord(&["dataset", "check", data, "--json"]);
    assert!(output.status.success(), "{}", text(&output).1);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["tables"]
        .as_array()
        .and_then(|tables| tables.iter().find(|t| t["table"] == table))
        .and_then(|t| t["rows"].as_u64())
        .unwrap_or_else(|| panic!("no {table} in {report}"))
}

#[test]
fn the_mdt_demo_loads_and_its_discussions_export_back() {
    let (tmp, data) = synthesised();
    let data = data.as_str();
    let model = tmp.path().join("model");
    let model = model.to_str().unwrap();
    assert!(
        accord(&["risk", "fit", "--data", data, "--out", model, "--json"])
            .status
            .success()
    );
    let url = format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("mdt.sqlite").display()
    );
    let demo_load = [
        "mdt",
        "demo-load",
        "--data",
        data,
        "--model",
        model,
        "--database",
        &url,
    ];
    let load = accord(&demo_load);
    let (stdout, stderr) = text(&load);
    assert!(load.status.success(), "{stderr}");
    assert!(
        stdout.contains("DEMO ONLY") && stdout.contains("coordinator.n01"),
        "{stdout}"
    );
    // A new case-finding list replaces the one of the same date: the same list twice.
    let mut said = Vec::new();
    for _ in 0..2 {
        let lists = accord(&[
            "mdt",
            "casefind",
            "--data",
            data,
            "--model",
            model,
            "--database",
            &url,
            "--top",
            "5",
        ]);
        let (stdout, stderr) = text(&lists);
        assert!(lists.status.success(), "{stderr}");
        assert!(
            stdout.starts_with("loaded ") && !stdout.starts_with("loaded 0 "),
            "{stdout}"
        );
        assert!(
            stdout.contains("onto the case-finding lists of 12 networks dated 2026-03-31"),
            "{stdout}"
        );
        said.push(stdout);
    }
    assert_eq!(said[0], said[1]);
    // A second load into the same database is refused, and says why.
    refused(&demo_load, "already has networks");

    let out = tmp.path().join("with-mdt");
    let out = out.to_str().unwrap();
    let export = accord(&[
        "mdt",
        "export",
        "--database",
        &url,
        "--data",
        data,
        "--out",
        out,
    ]);
    let (stdout, stderr) = text(&export);
    assert!(export.status.success(), "{stderr}");
    let rows = table_rows(data, "mdt_discussion");
    assert!(rows > 0);
    assert!(
        stdout.contains(&format!("wrote {rows} discussions")),
        "{stdout}"
    );
    assert_eq!(table_rows(out, "mdt_discussion"), rows);
    assert_eq!(table_rows(out, "activity"), table_rows(data, "activity"));

    // Bad input: a database that is not a URL, an empty database, a dataset that is not one.
    let bad = accord(&[
        "mdt",
        "export",
        "--database",
        "mdt.sqlite",
        "--data",
        data,
        "--out",
        out,
    ]);
    assert!(
        text(&bad).1.contains("not a database URL"),
        "{}",
        text(&bad).1
    );
    let empty = format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("empty.sqlite").display()
    );
    let nothing = accord(&[
        "mdt",
        "export",
        "--database",
        &empty,
        "--data",
        data,
        "--out",
        out,
    ]);
    assert!(
        text(&nothing).1.contains("no recorded discussions"),
        "{}",
        text(&nothing).1
    );
    refused(
        &[
            "mdt",
            "export",
            "--database",
            &url,
            "--data",
            "/nonexistent/borough",
            "--out",
            out,
        ],
        "/nonexistent/borough",
    );
}

#[test]
fn segment_risk_and_casefind_as_a_user_runs_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let data = dir.to_str().unwrap();
    let made = accord(&["synth", "--persons", "12000", "--seed", "4", "--out", data]);
    assert!(made.status.success(), "{}", text(&made).1);

    let segments = accord(&["segment", "--data", data, "--json"]);
    assert!(segments.status.success(), "{}", text(&segments).1);
    let reports: serde_json::Value = serde_json::from_slice(&segments.stdout).unwrap();
    let models: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        [
            "life_course",
            "west_london_tier",
            "bridges_to_health",
            "complex_needs"
        ]
    );
    let table = text(&accord(&[
        "segment",
        "--data",
        data,
        "--model",
        "west_london_tier",
    ]))
    .0;
    assert!(
        table.contains("tier_3") && table.contains("moves between segments"),
        "{table}"
    );

    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "id = \"x\"\nname = \"X\"\nversion = 1\ndescription = \"\"\nsource = \"\"\n[[segment]]\nid = \"a\"\nlabel = \"A\"\nwhen = { age = { mn = 3 } }\n").unwrap();
    let bad_model = accord(&["segment", "--data", data, "--model", bad.to_str().unwrap()]);
    assert!(!bad_model.status.success());
    let message = text(&bad_model).1;
    assert!(
        message.contains("bad.toml") && message.contains("line 9") && message.contains("mn"),
        "{message}"
    );

    let model = tmp.path().join("model");
    let model_dir = model.to_str().unwrap();
    let fit = accord(&["risk", "fit", "--data", data, "--out", model_dir, "--json"]);
    assert!(fit.status.success(), "{}", text(&fit).1);
    let fitted: serde_json::Value = serde_json::from_slice(&fit.stdout).unwrap();
    let auc = fitted["card"]["temporal"]["auc"]["auc"].as_f64().unwrap();
    assert!(auc > 0.6 && auc < 0.95, "{auc}");
    let report = text(&accord(&["risk", "report", "--model", model_dir])).0;
    assert!(report.contains(&format!("AUC {auc:.3}")), "{report}");
    assert!(report.contains("| 2.0% |"), "{report}");

    let csv = tmp.path().join("n01.csv");
    let list = accord(&[
        "casefind",
        "--data",
        data,
        "--model",
        model_dir,
        "--network",
        "N01",
        "--top",
        "25",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&list);
    assert!(list.status.success(), "{stderr}");
    assert!(stdout.contains("Case finding for network N01"), "{stdout}");
    let written = fs::read_to_string(&csv).unwrap();
    assert_eq!(written.lines().count(), 26, "a header and 25 people");
    assert!(written.starts_with("rank,person_id,practice,network,age,sex,score"));

    refused(
        &[
            "casefind",
            "--data",
            data,
            "--model",
            model_dir,
            "--network",
            "N99",
        ],
        "no network N99 in the dataset (known: N01",
    );
    refused(
        &[
            "casefind",
            "--data",
            data,
            "--model",
            model_dir,
            "--network",
            "N01",
            "--top",
            "2x",
        ],
        "neither a percentage",
    );
    let no_model = accord(&[
        "casefind",
        "--data",
        data,
        "--model",
        data,
        "--network",
        "N01",
    ]);
    assert!(
        text(&no_model).1.contains("run `accord risk fit` first"),
        "{}",
        text(&no_model).1
    );
}

#[test]
fn refresh_explain_and_export_a_borough() {
    let (tmp, data) = synthesised();
    let data = data.as_str();
    let snapshot = tmp.path().join("snapshot");
    let snap = snapshot.to_str().unwrap();
    let sql = tmp.path().join("program.sql");
    let refresh = accord(&[
        "refresh",
        "--data",
        data,
        "--framework",
        "islington",
        "--out",
        snap,
        "--emit-sql",
        sql.to_str().unwrap(),
        "--json",
    ]);
    assert!(refresh.status.success(), "{}", text(&refresh).1);
    let summary: serde_json::Value = serde_json::from_slice(&refresh.stdout).unwrap();
    assert_eq!(summary["frameworks"][0]["id"], "islington");
    assert_eq!(
        summary["header"]["provenance"]["extract_date"],
        "2026-03-31"
    );
    let program = fs::read_to_string(&sql).unwrap();
    assert!(program.contains("CREATE TABLE spells_rolling_12_months AS"));

    // Again over the same data: everything comes from the snapshot it replaces, and says so.
    let again = accord(&[
        "refresh",
        "--data",
        data,
        "--framework",
        "islington",
        "--out",
        snap,
    ]);
    let (stdout, stderr) = text(&again);
    assert!(again.status.success(), "{stderr}");
    assert!(
        stdout.contains("reused, unchanged since the snapshot it replaces")
            && stdout.contains("framework islington, the population profile"),
        "{stdout}"
    );
    // A memory limit too small for a join fails, says what helps, and loses nothing.
    let before = fs::read(snapshot.join("results.parquet")).unwrap();
    let starved = accord(&[
        "refresh",
        "--data",
        data,
        "--framework",
        "islington",
        "--out",
        snap,
        "--no-reuse",
        "--memory-limit",
        "64KB",
    ]);
    let (_, stderr) = text(&starved);
    assert!(!starved.status.success());
    assert!(
        stderr.contains("Resources exhausted") && stderr.contains("raise the limit"),
        "{stderr}"
    );
    assert_eq!(fs::read(snapshot.join("results.parquet")).unwrap(), before);
    let unreadable = accord(&[
        "refresh",
        "--data",
        data,
        "--out",
        snap,
        "--memory-limit",
        "lots",
    ]);
    assert!(text(&unreadable).1.contains("is not a size"));

    let explain = accord(&["explain", "--snapshot", snap, "emergency_admissions"]);
    let (stdout, stderr) = text(&explain);
    assert!(explain.status.success(), "{stderr}");
    for part in [
        "measure rate",
        "[[indicator]]",
        "numerator",
        "GROUPING SETS",
        "fingerprint",
    ] {
        assert!(stdout.contains(part), "{part} missing from:\n{stdout}");
    }
    let unknown = accord(&["explain", "--snapshot", snap, "no_such_indicator"]);
    assert!(
        text(&unknown)
            .1
            .contains("no indicator \"no_such_indicator\"")
    );

    let csv = tmp.path().join("published.csv");
    let export = accord(&[
        "export",
        "--snapshot",
        snap,
        "--public",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(export.status.success(), "{}", text(&export).1);
    let published = fs::read_to_string(&csv).unwrap();
    assert!(published.starts_with("framework,indicator,measure,period_start"));
    assert!(
        published.contains(",*,"),
        "small counts are redacted in a 3,000-person borough"
    );
}

#[test]
fn framework_files_are_checked_with_their_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let list = accord(&["framework", "list", "--show", "west_london"]);
    let text_of_framework = String::from_utf8_lossy(&list.stdout).into_owned();
    let file = tmp.path().join("mine.toml");
    fs::write(
        &file,
        text_of_framework.replace("period = \"financial_year\"", "period = \"fortnightly\""),
    )
    .unwrap();
    let check = accord(&["framework", "check", "tht", file.to_str().unwrap()]);
    let (stdout, stderr) = text(&check);
    assert!(!check.status.success());
    assert!(
        stdout.contains("tht: ok: 3 domains, 16 outcomes"),
        "{stdout}"
    );
    assert!(
        stderr.contains("unknown period \"fortnightly\""),
        "{stderr}"
    );
    assert!(stderr.contains("line "), "{stderr}");
}

#[test]
fn spc_charts_a_csv_series_and_names_bad_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ae.csv");
    // The deviations vignette of NHSRplotthedots, as months.
    let values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];
    let mut csv = String::from("period,value\n");
    for (i, v) in values.iter().enumerate() {
        csv.push_str(
            &format!("2024-{:02},{v}\n", i % 12 + 1)
                .replace("2024-", if i < 12 { "2024-" } else { "2025-" }),
        );
    }
    fs::write(&path, &csv).unwrap();
    let input = path.to_str().unwrap();
    let output = accord(&[
        "spc",
        "--input",
        input,
        "--json",
        "--annotate",
        "2024-06=new triage",
    ]);
    assert!(output.status.success(), "{}", text(&output).1);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let upper = report["chart"]["sections"][0]["upper_limit"]
        .as_f64()
        .unwrap();
    assert!((upper - 6.9515).abs() < 1e-4, "{upper}");
    assert_eq!(
        report["chart"]["points"][4]["point_type"],
        "improvement_high"
    );
    assert_eq!(report["annotations"][0][1], "new triage");
    let ptd = accord(&["spc", "--input", input, "--rules", "plotthedots", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&ptd.stdout).unwrap();
    assert!(
        (report["chart"]["sections"][0]["upper_limit"]
            .as_f64()
            .unwrap()
            - 4.6044)
            .abs()
            < 1e-4
    );

    fs::write(&path, "period,value\n2024-01,1\n2024-02,x\n").unwrap();
    refused(
        &["spc", "--input", input],
        "ae.csv: line 3, field `value`: \"x\" is not a number",
    );
}

#[test]
fn evaluate_and_match_as_a_user_runs_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("borough");
    let data = dir.to_str().unwrap();
    let made = accord(&["synth", "--persons", "12000", "--seed", "6", "--out", data]);
    assert!(made.status.success(), "{}", text(&made).1);
    let html = tmp.path().join("evaluation.html");
    let json = tmp.path().join("evaluation.json");
    let run = accord(&[
        "evaluate",
        "--data",
        data,
        "--bootstrap",
        "20",
        "--no-placebo",
        "--negative-controls",
        "outpatient_attendances",
        "--html",
        html.to_str().unwrap(),
        "--out",
        json.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&run);
    assert!(run.status.success(), "{stderr}");
    for part in [
        "Attrition",
        "Balance",
        "risk score (% chance of an emergency admission in the next 12 months)",
        "percentage points",
        "Falsification",
        "By network",
        "Timings",
    ] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    assert!(
        stdout.contains(
            "negative control (the MDT cannot change it; its ratio should hold 1): outpatient attendances: "
        ),
        "{stdout}"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert!(saved["attrition"]["matched_treated"].as_u64().unwrap() >= 20);
    assert!(
        fs::read_to_string(&html)
            .unwrap()
            .contains("Did the integrated network MDTs work?")
    );

    let bad = accord(&["evaluate", "--data", data, "--placebo-months", "12,0"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad).1.contains("--placebo-months") && text(&bad).1.contains("1..=120"),
        "{}",
        text(&bad).1
    );

    refused(
        &[
            "evaluate",
            "--data",
            data,
            "--negative-controls",
            "total_cost",
        ],
        "--negative-controls total_cost: not a count outcome of the evaluation; they are: ae_attendances,",
    );

    refused(
        &["evaluate", "--data", data, "--exact", "shoe_size"],
        "--exact shoe_size",
    );

    let csv = tmp.path().join("cohort.csv");
    let mut rows = String::from("treat,x,y\n");
    for i in 0..40 {
        let x = f64::from(i) / 4.0;
        rows.push_str(&format!(
            "{},{x},{}\n",
            i % 3 == 0,
            10.0 + x + f64::from(i % 3 == 0) * 2.0
        ));
    }
    fs::write(&csv, rows.replace("true", "1").replace("false", "0")).unwrap();
    let path = csv.to_str().unwrap();
    let matched = accord(&[
        "match",
        "--csv",
        path,
        "--treatment",
        "treat",
        "--covariates",
        "x",
        "--outcome",
        "y",
        "--caliper",
        "0",
        "--json",
    ]);
    assert!(matched.status.success(), "{}", text(&matched).1);
    let m: serde_json::Value = serde_json::from_slice(&matched.stdout).unwrap();
    assert_eq!(m["matching"]["sets"].as_array().unwrap().len(), 14);
    assert!(m["att"]["estimate"].as_f64().is_some());

    fs::write(&csv, "treat,x\n1,2\n0,oops\n").unwrap();
    let broken = accord(&[
        "match",
        "--csv",
        path,
        "--treatment",
        "treat",
        "--covariates",
        "x",
    ]);
    assert!(!broken.status.success());
    let stderr = text(&broken).1;
    assert!(
        stderr.contains("line 3, column x") && stderr.contains("oops"),
        "{stderr}"
    );
}
