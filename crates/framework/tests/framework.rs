//! Framework files: the built-ins parse, and every kind of mistake is reported with its line.

use accord_framework::{
    Breakdown, Criterion, Framework, FrameworkError, LifeCourse, Measure, PeriodKind, Polarity,
    Target, builtin,
};

const MINIMAL: &str = r#"format = 1
id = "mini"
name = "Mini"
version = "1"
partnership = "Test"
source = "hand-written"

[[domain]]
id = "d1"
name = "Domain one"

[[outcome]]
id = "o1"
domain = "d1"
statement = "I stay out of hospital"

[[indicator]]
id = "admissions"
outcome = "o1"
name = "Emergency admissions"
measure = "rate"
period = "rolling_12_months"
polarity = "lower_is_better"
target = 90
[indicator.population]
min_age = 65
life_course = ["growing_old"]
[indicator.numerator]
settings = ["apc_nel"]
diagnosis_prefixes = ["S72"]
"#;

fn problems(text: &str) -> Vec<String> {
    match Framework::parse("test.toml", text) {
        Err(FrameworkError::Invalid { problems, .. }) => {
            problems.iter().map(|p| p.to_string()).collect()
        }
        Err(other) => vec![other.to_string()],
        Ok(_) => vec![],
    }
}

#[test]
fn a_minimal_framework_parses_into_its_definition() {
    let f = Framework::parse("test.toml", MINIMAL).unwrap();
    assert_eq!(f.id, "mini");
    assert_eq!(f.sha256.len(), 64);
    let i = f.indicator("admissions").unwrap();
    assert_eq!(i.period, PeriodKind::Rolling12Months);
    assert_eq!(i.polarity, Polarity::LowerIsBetter);
    assert_eq!(i.target, Some(Target::Value(90.0)));
    assert_eq!(i.population.min_age, Some(65));
    assert_eq!(i.population.life_course, vec![LifeCourse::GrowingOld]);
    match &i.measure {
        Measure::Rate { events, per } => {
            assert_eq!(*per, 1_000.0);
            assert_eq!(events.diagnosis_prefixes, vec!["S72".to_string()]);
        }
        other => panic!("unexpected measure {other:?}"),
    }
    assert_eq!(i.breakdowns.first(), Some(&Breakdown::All));
    assert!(i.breakdowns.contains(&Breakdown::WestLondonTier));
}

#[test]
fn every_builtin_framework_parses_and_covers_its_outcomes() {
    let all = builtin::all().unwrap();
    assert_eq!(all.len(), 4);
    for f in &all {
        for o in &f.outcomes {
            assert!(f.indicators_of(&o.id).count() >= 1, "{}: {}", f.id, o.id);
        }
    }
    let tht = builtin::builtin("tht").unwrap();
    assert_eq!(tht.domains.len(), 3);
    assert_eq!(tht.outcomes.len(), 16, "THT has 16 I statements");
    let islington = builtin::builtin("islington").unwrap();
    assert_eq!(
        islington.outcomes.len(),
        8 + 7,
        "8 measurable outcomes and 7 I statements"
    );
    let measures: Vec<&str> = all
        .iter()
        .flat_map(|f| f.indicators.iter().map(|i| i.measure.code()))
        .collect();
    for m in [
        "proportion",
        "rate",
        "standardised_rate",
        "mean_observation",
        "mean_cost",
        "survey_agreement",
    ] {
        assert!(measures.contains(&m), "no built-in indicator uses {m}");
    }
    assert!(all.iter().flat_map(|f| &f.indicators).any(|i| matches!(
        i.measure,
        Measure::Proportion(Criterion::Observation { .. })
    )));
}

#[test]
fn resolve_takes_a_builtin_name_or_a_path() {
    assert_eq!(builtin::resolve("islington").unwrap().id, "islington");
    let err = builtin::resolve("nowhere").unwrap_err().to_string();
    assert!(err.contains("unknown framework \"nowhere\""), "{err}");
    assert!(
        err.contains("tht, islington, richmond, west_london"),
        "{err}"
    );
    let err = builtin::resolve("missing/file.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing/file.toml: cannot read"), "{err}");
}

#[test]
fn unknown_codes_name_their_line_and_what_is_allowed() {
    let text = MINIMAL
        .replace(r#"settings = ["apc_nel"]"#, r#"settings = ["apc_nell"]"#)
        .replace(r#"period = "rolling_12_months""#, r#"period = "fortnight""#);
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("line 22: unknown period \"fortnight\" (allowed: rolling_12_months, financial_year, quarter, month)"), "{found:?}");
    assert!(
        found[1].starts_with("line 29: unknown setting \"apc_nell\""),
        "{found:?}"
    );
}

#[test]
fn references_and_duplicates_are_checked() {
    let text = MINIMAL.replace(r#"outcome = "o1""#, r#"outcome = "o2""#)
        + "\n[[domain]]\nid = \"d1\"\nname = \"again\"\n";
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p == "line 19: indicator \"admissions\" names unknown outcome \"o2\""),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p == "line 13: outcome \"o1\" has no indicator"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p == "line 33: duplicate domain id \"d1\""),
        "{found:?}"
    );
}

#[test]
fn a_measure_gets_only_the_fields_it_reads() {
    let text = MINIMAL.replace(r#"measure = "rate""#, r#"measure = "mean_observation""#);
    let found = problems(&text);
    assert!(
        found.iter().any(|p| p.contains(
            "line 21: a mean_observation numerator does not use settings, diagnosis_prefixes"
        )),
        "{found:?}"
    );
    let text = MINIMAL.replace(r#"measure = "rate""#, r#"measure = "median""#);
    assert!(problems(&text)[0].contains("unknown measure \"median\""));
    let text = MINIMAL
        .replace(r#"measure = "rate""#, r#"measure = "proportion""#)
        .replace("diagnosis_prefixes = [\"S72\"]", "conditions = [\"copd\"]");
    assert!(problems(&text)[0].contains("exactly one of settings, conditions or observation"));
}

#[test]
fn ranges_and_targets_are_checked() {
    let text = MINIMAL
        .replace(
            "min_age = 65",
            "min_age = 65\nmax_age = 18\nimd_quintiles = [6]",
        )
        .replace("target = 90", "target = 90\ntarget_range = [1, 2]");
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.contains("give target or target_range, not both")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("max_age 18 is below min_age 65")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("an IMD quintile must be 1 to 5, got 6")),
        "{found:?}"
    );
    let text = MINIMAL.replace(
        r#"polarity = "lower_is_better""#,
        r#"polarity = "no_judgement""#,
    );
    assert!(problems(&text)[0].contains("a target needs a polarity"));
}

/// The 1-based line of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn numbers_that_mean_nothing_are_refused_with_their_line() {
    let observation = MINIMAL
        .replace(r#"measure = "rate""#, r#"measure = "proportion""#)
        .replace(
            "settings = [\"apc_nel\"]\ndiagnosis_prefixes = [\"S72\"]",
            "observation = \"hba1c\"\nmin = 10\nmax = 5",
        );
    let found = problems(&observation);
    assert!(
        found.iter().any(|p| p
            .contains(&format!("line {}", line_of(&observation, "observation = ")))
            && p.contains("min 10 is above max 5")),
        "{found:?}"
    );
    let cases = [
        MINIMAL.replace("target = 90", "target = nan"),
        MINIMAL.replace("target = 90", "target = inf"),
        MINIMAL.replace("target = 90", "per = nan"),
        MINIMAL.replace("target = 90", "target_range = [1, nan]"),
        MINIMAL.replace(
            "target = 90",
            "[indicator.benchmark]\nlabel = \"England\"\nvalue = -inf",
        ),
        observation.replace("min = 10", "min = nan"),
    ];
    for text in cases {
        let err = Framework::parse("bad.toml", &text).unwrap_err().to_string();
        assert!(
            err.contains("is not a finite number") && err.contains("line "),
            "{err}"
        );
    }
}

#[test]
fn nesting_too_deep_is_refused_with_its_line() {
    let text = format!("{MINIMAL}x = {}{}\n", "[".repeat(600), "]".repeat(600));
    let err = Framework::parse("deep.toml", &text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("line {}", text.lines().count())),
        "{err}"
    );
}

#[test]
fn syntax_errors_and_unknown_fields_come_from_the_toml_parser_with_their_line() {
    let err = Framework::parse(
        "bad.toml",
        &MINIMAL.replace("min_age = 65", "min_agee = 65"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("bad.toml: not a valid framework file: TOML parse error at line 26"),
        "{err}"
    );
    assert!(err.contains("min_agee"), "{err}");
    let err = Framework::parse("bad.toml", "format = 1\nid = \"x\"\nname = [").unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn survey_indicators_name_known_items_and_take_no_population() {
    let text = MINIMAL.replace(
        "measure = \"rate\"",
        "measure = \"survey_agreement\"\nsurvey = \"tht_i_statements\"\nitems = [\"tht_99\"]",
    );
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.contains("survey \"tht_i_statements\" has no item \"tht_99\"")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("counts answers, not a population")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("has no [indicator.numerator]")),
        "{found:?}"
    );
}
