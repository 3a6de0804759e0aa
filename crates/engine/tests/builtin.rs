//! Every built-in framework compiles and refreshes on a generated borough, and no indicator
//! is left empty: each has a whole-population value for its latest period.

use accord_engine::{RefreshOptions, refresh};
use accord_framework::builtin;

#[test]
fn every_builtin_indicator_has_a_latest_value_on_a_generated_borough() {
    let (_dir, data) = accord_testkit::borough(30_000, 11);
    let frameworks = builtin::all().unwrap();
    let dataset = accord_dataset::Dataset::open(&data).unwrap();
    let histories = accord_cohort::Histories::load(&dataset).unwrap();
    let done = refresh(
        &dataset,
        &histories,
        &frameworks,
        &RefreshOptions::with_threads(2),
        None,
        &|_, _| {},
    )
    .unwrap();
    let indicators = &done.snapshot.summary.indicators;
    assert_eq!(indicators.len(), 70);
    let empty: Vec<String> = indicators
        .iter()
        .filter(|i| i.latest.as_ref().and_then(|r| r.value).is_none())
        .map(|i| {
            format!(
                "{}/{}: {:?}",
                i.framework,
                i.id,
                i.latest.as_ref().and_then(|r| r.note.clone())
            )
        })
        .collect();
    assert!(
        empty.is_empty(),
        "indicators without a latest value: {empty:#?}"
    );
    // Every person-level indicator is broken down by network and deprivation.
    let emergency = done
        .snapshot
        .results
        .iter()
        .filter(|r| r.indicator == "emergency_admissions" && r.breakdown == "network")
        .count();
    assert!(
        emergency >= 12 * 9,
        "12 networks over 9 rolling windows, got {emergency}"
    );
    assert!(
        done.snapshot
            .inequality
            .iter()
            .any(|r| r.indicator == "emergency_admissions" && r.sii.is_some())
    );
    profile_is_consistent(&done.snapshot.summary.profile);
    segment_files_agree_with_the_engine(&data, &done.snapshot.summary.profile);
    indicators_break_down_by_segment_model_files(&data);
}

/// A framework may break an indicator down by the segment models evaluated from their
/// files (Bridges to Health, complex needs): every period's groups add up to everyone, and
/// people who left before the period's end are a group of their own.
fn indicators_break_down_by_segment_model_files(data: &std::path::Path) {
    let text = r#"
format = 1
id = "segments"
name = "Segments"
version = "1"
partnership = "Test"
source = "Test"
description = "Breakdowns by segment model files."
[[domain]]
id = "d"
name = "D"
description = "D"
[[outcome]]
id = "o"
domain = "d"
statement = "Fewer emergency admissions"
owner = "Board"
[[indicator]]
id = "emergency_admissions"
outcome = "o"
name = "Emergency admissions"
measure = "rate"
period = "rolling_12_months"
polarity = "lower_is_better"
breakdowns = ["bridges_to_health", "complex_needs"]
[indicator.numerator]
settings = ["apc_nel"]
"#;
    let framework = accord_framework::Framework::parse("segments.toml", text).unwrap();
    let dataset = accord_dataset::Dataset::open(data).unwrap();
    let histories = accord_cohort::Histories::load(&dataset).unwrap();
    let done = refresh(
        &dataset,
        &histories,
        &[framework],
        &RefreshOptions::with_threads(2),
        None,
        &|_, _| {},
    )
    .unwrap();
    let rows = &done.snapshot.results;
    let latest = rows.iter().map(|r| r.period_end).max().unwrap();
    let all = rows
        .iter()
        .find(|r| r.breakdown == "all" && r.period_end == latest)
        .unwrap();
    for model in ["bridges_to_health", "complex_needs"] {
        let groups: Vec<_> = rows
            .iter()
            .filter(|r| r.breakdown == model && r.period_end == latest)
            .collect();
        let segments = accord_cohort::segment::load(model).unwrap();
        for g in &groups {
            assert!(
                g.group == "not_registered_at_end" || segments.index_of(&g.group).is_some(),
                "{model}: {}",
                g.group
            );
        }
        let numerator: f64 = groups.iter().map(|g| g.numerator).sum();
        let denominator: f64 = groups.iter().map(|g| g.denominator).sum();
        assert_eq!(numerator, all.numerator, "{model}");
        assert!(
            (denominator - all.denominator).abs() < 1e-6 * all.denominator,
            "{model}"
        );
        assert!(groups.iter().any(|g| g.group == "not_registered_at_end"));
    }
    let rate = |group: &str| {
        rows.iter()
            .find(|r| {
                r.breakdown == "bridges_to_health" && r.group == group && r.period_end == latest
            })
            .and_then(|r| r.value)
            .unwrap()
    };
    assert!(rate("organ_failure") > rate("healthy"));
}

/// The life-course and West London tier definition files (accord-cohort, evaluated in Rust)
/// put exactly as many people in each segment on each year end as the engine's SQL does:
/// one definition, two evaluators, no drift.
fn segment_files_agree_with_the_engine(data: &std::path::Path, profile: &accord_snapshot::Profile) {
    use accord_cohort::{Histories, at::day_of, report::assign_all, segment};
    let histories = Histories::load(&accord_dataset::Dataset::open(data).unwrap()).unwrap();
    for name in ["life_course", "west_london_tier"] {
        let model = segment::load(name).unwrap();
        let mut ends: Vec<_> = profile
            .segments
            .iter()
            .filter(|s| s.model == name)
            .map(|s| s.period_end)
            .collect();
        ends.sort();
        ends.dedup();
        assert!(!ends.is_empty());
        for end in ends {
            let (assigned, _) = assign_all(&histories, &model, day_of(end));
            for s in profile
                .segments
                .iter()
                .filter(|s| s.model == name && s.period_end == end)
            {
                let index = model.index_of(&s.segment).unwrap();
                let ours = assigned.iter().filter(|a| **a == Some(index)).count() as f64;
                assert_eq!(ours, s.people, "{name} {} on {end}", s.segment);
            }
        }
    }
}

/// The population profile adds up: flows out of each segment are the people in it, flows
/// into each segment are the people in it a year later, the pyramid is the segments'
/// total on the last year end, and every activity setting is counted by month.
fn profile_is_consistent(profile: &accord_snapshot::Profile) {
    use accord_snapshot::NOT_REGISTERED;
    let date = profile.population_date.expect("a population date");
    let pyramid: f64 = profile.population.iter().map(|b| b.people).sum();
    assert!(pyramid > 15_000.0, "{pyramid} registered");
    for model in [
        "life_course",
        "west_london_tier",
        "bridges_to_health",
        "complex_needs",
    ] {
        let sizes: Vec<_> = profile
            .segments
            .iter()
            .filter(|s| s.model == model)
            .collect();
        let on = |d| {
            sizes
                .iter()
                .filter(|s| s.period_end == d)
                .map(|s| s.people)
                .sum::<f64>()
        };
        assert_eq!(on(date), pyramid, "{model} covers everyone on {date}");
        let flows: Vec<_> = profile.flows.iter().filter(|f| f.model == model).collect();
        assert!(!flows.is_empty());
        for s in &sizes {
            let out: f64 = flows
                .iter()
                .filter(|f| f.from_date == s.period_end && f.from_segment == s.segment)
                .map(|f| f.people)
                .sum();
            let into: f64 = flows
                .iter()
                .filter(|f| f.to_date == s.period_end && f.to_segment == s.segment)
                .map(|f| f.people)
                .sum();
            if flows.iter().any(|f| f.from_date == s.period_end) {
                assert_eq!(
                    out, s.people,
                    "{model} {} leaving {}",
                    s.segment, s.period_end
                );
            }
            if flows.iter().any(|f| f.to_date == s.period_end) {
                assert_eq!(
                    into, s.people,
                    "{model} {} arriving {}",
                    s.segment, s.period_end
                );
            }
        }
        assert!(flows.iter().any(|f| f.from_segment == NOT_REGISTERED));
        assert!(sizes.iter().all(|s| s.cost_gbp >= 0.0));
    }
    assert!(
        profile
            .segments
            .iter()
            .any(|s| s.segment == "tier_3" && s.emergency_admissions > 0.0)
    );
    let settings: std::collections::BTreeSet<&str> = profile
        .monthly_rows
        .iter()
        .filter(|m| m.table == "activity")
        .map(|m| m.series.as_str())
        .collect();
    assert!(
        settings.contains("gp") && settings.contains("apc_nel"),
        "{settings:?}"
    );
    assert!(
        profile
            .completeness
            .iter()
            .any(|c| c.table == "activity" && c.column == "end_date" && c.filled < c.rows)
    );
}
