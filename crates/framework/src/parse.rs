//! Reading a framework file: TOML into raw structs that keep each value's position, then
//! every check that needs no data, collecting all problems (with their lines) rather than
//! stopping at the first.

use std::collections::HashSet;
use std::path::Path;

use accord_model::survey::{SURVEY_ITEMS, items_of};
use accord_model::{Condition, Setting, Sex, Vocabulary};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::definition::{
    Benchmark, Breakdown, Criterion, Domain, Events, FORMAT_VERSION, Framework, Indicator,
    LifeCourse, Measure, NationalCode, NationalFramework, OPTIONAL_PERSON_BREAKDOWNS, Outcome,
    PERSON_BREAKDOWNS, PeriodKind, Polarity, Population, Target,
};
use crate::error::{FrameworkError, Problem};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    format: Spanned<u32>,
    id: Spanned<String>,
    name: String,
    version: String,
    partnership: String,
    source: String,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "domain")]
    domains: Vec<RawDomain>,
    #[serde(default, rename = "outcome")]
    outcomes: Vec<RawOutcome>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    id: Spanned<String>,
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    id: Spanned<String>,
    domain: Spanned<String>,
    statement: String,
    owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Spanned<String>,
    outcome: Spanned<String>,
    name: String,
    description: Option<String>,
    measure: Spanned<String>,
    period: Spanned<String>,
    polarity: Spanned<String>,
    target: Option<Spanned<Finite>>,
    target_range: Option<Spanned<Vec<Finite>>>,
    benchmark: Option<RawBenchmark>,
    national: Option<RawNational>,
    owner: Option<String>,
    breakdowns: Option<Vec<Spanned<String>>>,
    per: Option<Spanned<Finite>>,
    #[serde(default)]
    population: RawPopulation,
    numerator: Option<RawNumerator>,
    survey: Option<Spanned<String>>,
    items: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBenchmark {
    label: String,
    value: Finite,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNational {
    framework: Spanned<String>,
    code: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    min_age: Option<Spanned<i64>>,
    max_age: Option<Spanned<i64>>,
    #[serde(default)]
    sex: Vec<Spanned<String>>,
    #[serde(default)]
    conditions: Vec<Spanned<String>>,
    min_long_term_conditions: Option<Spanned<i64>>,
    max_long_term_conditions: Option<Spanned<i64>>,
    #[serde(default)]
    imd_quintiles: Vec<Spanned<i64>>,
    #[serde(default)]
    life_course: Vec<Spanned<String>>,
    #[serde(default)]
    west_london_tiers: Vec<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumerator {
    settings: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    diagnosis_prefixes: Vec<Spanned<String>>,
    conditions: Option<Vec<Spanned<String>>>,
    observation: Option<Spanned<String>>,
    min: Option<Finite>,
    max: Option<Finite>,
    new_episodes_only: Option<bool>,
}

/// A number in a definition file: TOML allows `nan` and `inf`, which no target, rate
/// multiplier, benchmark or threshold can mean, so they are refused where they stand (the
/// parser's error names the line).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Finite(f64);

impl<'de> Deserialize<'de> for Finite {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Finite, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if value.is_finite() {
            Ok(Finite(value))
        } else {
            Err(serde::de::Error::custom(format!(
                "{value} is not a finite number"
            )))
        }
    }
}

/// Collects problems with the line of the value they concern.
struct Checker<'a> {
    source: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn line<T>(&self, value: &Spanned<T>) -> usize {
        let offset = value.span().start.min(self.source.len());
        self.source[..offset].matches('\n').count() + 1
    }

    fn problem<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        let line = self.line(at);
        self.problems.push(Problem {
            line,
            message: message.into(),
        });
    }

    /// Parses a code of a closed set, or records what is allowed.
    fn code<T>(
        &mut self,
        value: &Spanned<String>,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: impl Fn() -> String,
    ) -> Option<T> {
        let parsed = parse(value.get_ref());
        if parsed.is_none() {
            self.problem(
                value,
                format!(
                    "unknown {what} {:?} (allowed: {})",
                    value.get_ref(),
                    allowed()
                ),
            );
        }
        parsed
    }

    fn codes<T>(
        &mut self,
        values: &[Spanned<String>],
        what: &str,
        parse: impl Fn(&str) -> Option<T> + Copy,
        allowed: impl Fn() -> String + Copy,
    ) -> Vec<T> {
        values
            .iter()
            .filter_map(|v| self.code(v, what, parse, allowed))
            .collect()
    }

    fn vocabulary<V: Vocabulary>(&mut self, values: &[Spanned<String>]) -> Vec<V> {
        self.codes(values, V::NAME, V::from_code, V::allowed_codes)
    }

    fn identifier(&mut self, id: &Spanned<String>, what: &str, seen: &mut HashSet<String>) {
        let text = id.get_ref();
        let well_formed = !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !well_formed {
            self.problem(
                id,
                format!("{what} id {text:?} must be lower-case letters, digits and _"),
            );
        }
        if !seen.insert(text.clone()) {
            self.problem(id, format!("duplicate {what} id {text:?}"));
        }
    }

    fn bounded(&mut self, value: &Option<Spanned<i64>>, what: &str, max: i64) -> Option<u32> {
        let value = value.as_ref()?;
        let n = *value.get_ref();
        if !(0..=max).contains(&n) {
            self.problem(
                value,
                format!("{what} must be between 0 and {max}, got {n}"),
            );
            return None;
        }
        u32::try_from(n).ok()
    }
}

impl Framework {
    /// Reads and checks a framework file.
    pub fn load(path: &Path) -> Result<Framework, FrameworkError> {
        let text = std::fs::read_to_string(path).map_err(|source| FrameworkError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        Framework::parse(&path.display().to_string(), &text)
    }

    /// Parses and checks a framework's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Framework, FrameworkError> {
        let raw: RawFramework = toml::from_str(text).map_err(|e| {
            let message = e.to_string().trim_end().to_string();
            // The parser's error for nesting too deep has no position: give the line where
            // the nesting is deepest.
            let message = if e.span().is_none() && message.contains("recursion") {
                format!("line {}: {message}", deepest_nesting_line(text))
            } else {
                message
            };
            FrameworkError::Syntax {
                file: file.to_string(),
                message,
            }
        })?;
        let mut checker = Checker {
            source: text,
            problems: Vec::new(),
        };
        let framework = build(&mut checker, raw, text);
        if checker.problems.is_empty() {
            Ok(framework)
        } else {
            checker.problems.sort_by_key(|p| p.line);
            Err(FrameworkError::Invalid {
                file: file.to_string(),
                problems: checker.problems,
            })
        }
    }
}

/// The 1-based line where arrays and inline tables are nested deepest (brackets inside
/// strings and comments aside).
fn deepest_nesting_line(text: &str) -> usize {
    let (mut depth, mut deepest, mut line, mut at) = (0usize, 0usize, 1usize, 1usize);
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                if quote == Some('#') {
                    quote = None;
                }
            }
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if q == c && q != '#' => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '#') => quote = Some(c),
            (None, '[' | '{') => {
                depth += 1;
                if depth > deepest {
                    (deepest, at) = (depth, line);
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    at
}

fn build(checker: &mut Checker, raw: RawFramework, text: &str) -> Framework {
    if *raw.format.get_ref() != FORMAT_VERSION {
        checker.problem(
            &raw.format,
            format!(
                "format {} is not supported (this version of Accord reads format {FORMAT_VERSION})",
                raw.format.get_ref()
            ),
        );
    }
    checker.identifier(&raw.id, "framework", &mut HashSet::new());

    let mut domain_seen = HashSet::new();
    let mut domains = Vec::new();
    for d in &raw.domains {
        checker.identifier(&d.id, "domain", &mut domain_seen);
        domains.push(Domain {
            id: d.id.get_ref().clone(),
            name: d.name.clone(),
            description: d.description.clone(),
        });
    }
    let domain_ids: HashSet<&String> = raw.domains.iter().map(|d| d.id.get_ref()).collect();
    let mut outcome_seen = HashSet::new();
    let mut outcomes = Vec::new();
    for o in &raw.outcomes {
        checker.identifier(&o.id, "outcome", &mut outcome_seen);
        if !domain_ids.contains(o.domain.get_ref()) {
            checker.problem(
                &o.domain,
                format!(
                    "outcome {:?} names unknown domain {:?}",
                    o.id.get_ref(),
                    o.domain.get_ref()
                ),
            );
        }
        outcomes.push(Outcome {
            id: o.id.get_ref().clone(),
            domain: o.domain.get_ref().clone(),
            statement: o.statement.clone(),
            owner: o.owner.clone(),
        });
    }
    let outcome_ids: HashSet<&String> = raw.outcomes.iter().map(|o| o.id.get_ref()).collect();
    let mut indicator_seen = HashSet::new();
    let mut indicators = Vec::new();
    for i in &raw.indicators {
        checker.identifier(&i.id, "indicator", &mut indicator_seen);
        if !outcome_ids.contains(i.outcome.get_ref()) {
            checker.problem(
                &i.outcome,
                format!(
                    "indicator {:?} names unknown outcome {:?}",
                    i.id.get_ref(),
                    i.outcome.get_ref()
                ),
            );
        }
        if let Some(indicator) = indicator(checker, i) {
            indicators.push(indicator);
        }
    }
    for d in &raw.domains {
        if !raw
            .outcomes
            .iter()
            .any(|o| o.domain.get_ref() == d.id.get_ref())
        {
            checker.problem(&d.id, format!("domain {:?} has no outcome", d.id.get_ref()));
        }
    }
    for o in &raw.outcomes {
        if !raw
            .indicators
            .iter()
            .any(|i| i.outcome.get_ref() == o.id.get_ref())
        {
            checker.problem(
                &o.id,
                format!("outcome {:?} has no indicator", o.id.get_ref()),
            );
        }
    }
    if raw.domains.is_empty() {
        checker.problem(&raw.id, "the framework has no [[domain]]");
    }
    Framework {
        id: raw.id.into_inner(),
        name: raw.name,
        version: raw.version,
        partnership: raw.partnership,
        source: raw.source,
        description: raw.description,
        domains,
        outcomes,
        indicators,
        sha256: hex::encode(Sha256::digest(text.as_bytes())),
        text: text.to_string(),
    }
}

fn indicator(checker: &mut Checker, raw: &RawIndicator) -> Option<Indicator> {
    let period = checker.code(
        &raw.period,
        "period",
        PeriodKind::from_code,
        PeriodKind::allowed,
    );
    let polarity = checker.code(
        &raw.polarity,
        "polarity",
        Polarity::from_code,
        Polarity::allowed,
    );
    let measure = measure(checker, raw);
    let population = population(checker, &raw.population);
    let survey = matches!(measure, Some(Measure::SurveyAgreement { .. }));
    if survey && !population.is_everyone() {
        checker.problem(
            &raw.measure,
            "a survey_agreement indicator counts answers, not a population: remove [indicator.population]",
        );
    }
    let target = target(checker, raw, polarity);
    let national = raw.national.as_ref().and_then(|n| {
        checker
            .code(
                &n.framework,
                "national framework",
                NationalFramework::from_code,
                NationalFramework::allowed,
            )
            .map(|framework| NationalCode {
                framework,
                code: n.code.clone(),
            })
    });
    let breakdowns = breakdowns(checker, raw, survey);
    Some(Indicator {
        id: raw.id.get_ref().clone(),
        outcome: raw.outcome.get_ref().clone(),
        name: raw.name.clone(),
        description: raw.description.clone(),
        measure: measure?,
        population,
        period: period?,
        polarity: polarity?,
        target,
        benchmark: raw.benchmark.as_ref().map(|b| Benchmark {
            label: b.label.clone(),
            value: b.value.0,
        }),
        national,
        owner: raw.owner.clone(),
        breakdowns,
    })
}

/// The breakdowns an answer to a survey can carry: the person-level ones except life
/// course and West London tier (a respondent may not be linked to a person, and is never
/// followed over a period). They are the first eight, in order.
const SURVEY_BREAKDOWNS: &[Breakdown] = PERSON_BREAKDOWNS.split_at(8).0;

fn breakdowns(checker: &mut Checker, raw: &RawIndicator, survey: bool) -> Vec<Breakdown> {
    let defaults: &[Breakdown] = if survey {
        SURVEY_BREAKDOWNS
    } else {
        &PERSON_BREAKDOWNS
    };
    let Some(named) = &raw.breakdowns else {
        return defaults.to_vec();
    };
    let available: Vec<Breakdown> = if survey {
        defaults.to_vec()
    } else {
        PERSON_BREAKDOWNS
            .iter()
            .chain(&OPTIONAL_PERSON_BREAKDOWNS)
            .copied()
            .collect()
    };
    let mut chosen = vec![Breakdown::All];
    for code in named {
        let Some(b) = checker.code(code, "breakdown", Breakdown::from_code, Breakdown::allowed)
        else {
            continue;
        };
        if !available.contains(&b) {
            checker.problem(
                code,
                format!(
                    "a {} indicator cannot be broken down by {b}",
                    raw.measure.get_ref()
                ),
            );
        } else if !chosen.contains(&b) {
            chosen.push(b);
        }
    }
    chosen
}

fn target(checker: &mut Checker, raw: &RawIndicator, polarity: Option<Polarity>) -> Option<Target> {
    let target = match (&raw.target, &raw.target_range) {
        (Some(_), Some(range)) => {
            checker.problem(range, "give target or target_range, not both");
            None
        }
        (Some(value), None) => Some(Target::Value(value.get_ref().0)),
        (None, Some(range)) => match range.get_ref().as_slice() {
            [Finite(lower), Finite(upper)] if lower <= upper => Some(Target::Range {
                lower: *lower,
                upper: *upper,
            }),
            _ => {
                checker.problem(
                    range,
                    "target_range must be [lower, upper] with lower ≤ upper",
                );
                None
            }
        },
        (None, None) => None,
    };
    if target.is_some() && polarity == Some(Polarity::NoJudgement) {
        checker.problem(
            &raw.polarity,
            "a target needs a polarity (higher_is_better or lower_is_better)",
        );
    }
    target
}

fn events(checker: &mut Checker, numerator: &RawNumerator, at: &Spanned<String>) -> Option<Events> {
    let Some(settings) = &numerator.settings else {
        checker.problem(
            at,
            format!("a {} indicator needs numerator.settings", at.get_ref()),
        );
        return None;
    };
    if settings.is_empty() {
        checker.problem(at, "numerator.settings is empty");
    }
    let mut prefixes = Vec::new();
    for p in &numerator.diagnosis_prefixes {
        let code = p.get_ref();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
            checker.problem(
                p,
                format!("diagnosis prefix {code:?} must be the start of an ICD-10 code (letters, digits, '.')"),
            );
        } else {
            prefixes.push(code.clone());
        }
    }
    Some(Events {
        settings: checker.vocabulary::<Setting>(settings),
        diagnosis_prefixes: prefixes,
        new_episodes_only: numerator.new_episodes_only.unwrap_or(false),
    })
}

/// The fields of `numerator` that a measure does not read, named for the error.
fn unused_fields(numerator: &RawNumerator, used: &[&str]) -> Vec<&'static str> {
    let present = [
        ("settings", numerator.settings.is_some()),
        (
            "diagnosis_prefixes",
            !numerator.diagnosis_prefixes.is_empty(),
        ),
        ("conditions", numerator.conditions.is_some()),
        ("observation", numerator.observation.is_some()),
        ("min", numerator.min.is_some()),
        ("max", numerator.max.is_some()),
        ("new_episodes_only", numerator.new_episodes_only.is_some()),
    ];
    present
        .into_iter()
        .filter(|(name, there)| *there && !used.contains(name))
        .map(|(name, _)| name)
        .collect()
}

fn measure(checker: &mut Checker, raw: &RawIndicator) -> Option<Measure> {
    let at = &raw.measure;
    let name = at.get_ref().as_str();
    const MEASURES: &str =
        "proportion, rate, standardised_rate, mean_observation, mean_cost, survey_agreement";
    let survey = name == "survey_agreement";
    if !survey && (raw.survey.is_some() || raw.items.is_some()) {
        checker.problem(
            at,
            format!("survey and items belong to survey_agreement, not {name}"),
        );
    }
    let rate = matches!(name, "rate" | "standardised_rate");
    if let (false, Some(per)) = (rate, &raw.per) {
        checker.problem(per, format!("per applies to rates, not {name}"));
    }
    if survey {
        if raw.numerator.is_some() {
            checker.problem(
                at,
                "a survey_agreement indicator has no [indicator.numerator]",
            );
        }
        return survey_measure(checker, raw);
    }
    if !MEASURES.split(", ").any(|m| m == name) {
        checker.problem(
            at,
            format!("unknown measure {name:?} (allowed: {MEASURES})"),
        );
        return None;
    }
    let Some(numerator) = &raw.numerator else {
        checker.problem(
            at,
            format!("a {name} indicator needs [indicator.numerator]"),
        );
        return None;
    };
    let used: &[&str] = match name {
        "proportion" => &[
            "settings",
            "diagnosis_prefixes",
            "new_episodes_only",
            "conditions",
            "observation",
            "min",
            "max",
        ],
        "mean_observation" => &["observation"],
        "mean_cost" => &["settings", "diagnosis_prefixes"],
        _ => &["settings", "diagnosis_prefixes", "new_episodes_only"],
    };
    let unused = unused_fields(numerator, used);
    if !unused.is_empty() {
        checker.problem(
            at,
            format!("a {name} numerator does not use {}", unused.join(", ")),
        );
    }
    let per = |default: f64, checker: &mut Checker| match &raw.per {
        Some(p) if p.get_ref().0 <= 0.0 => {
            checker.problem(p, "per must be more than zero");
            None
        }
        Some(p) => Some(p.get_ref().0),
        None => Some(default),
    };
    match name {
        "proportion" => proportion_criterion(checker, numerator, at).map(Measure::Proportion),
        "rate" => {
            let per = per(1_000.0, checker);
            Some(Measure::Rate {
                events: events(checker, numerator, at)?,
                per: per?,
            })
        }
        "standardised_rate" => {
            let per = per(100_000.0, checker);
            Some(Measure::StandardisedRate {
                events: events(checker, numerator, at)?,
                per: per?,
            })
        }
        "mean_observation" => match &numerator.observation {
            Some(code) if !code.get_ref().is_empty() => Some(Measure::MeanObservation {
                code: code.get_ref().clone(),
            }),
            _ => {
                checker.problem(
                    at,
                    "a mean_observation indicator needs numerator.observation",
                );
                None
            }
        },
        _ => Some(Measure::MeanCost {
            events: events(checker, numerator, at)?,
        }),
    }
}

fn proportion_criterion(
    checker: &mut Checker,
    numerator: &RawNumerator,
    at: &Spanned<String>,
) -> Option<Criterion> {
    let kinds = [
        numerator.settings.is_some(),
        numerator.conditions.is_some(),
        numerator.observation.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        checker.problem(
            at,
            "a proportion's numerator needs exactly one of settings, conditions or observation",
        );
        return None;
    }
    if numerator.observation.is_none() && (numerator.min.is_some() || numerator.max.is_some()) {
        checker.problem(at, "min and max apply to an observation numerator");
    }
    if let Some(conditions) = &numerator.conditions {
        return Some(Criterion::Condition(
            checker.vocabulary::<Condition>(conditions),
        ));
    }
    if let Some(code) = &numerator.observation {
        if numerator.min.is_none() && numerator.max.is_none() {
            checker.problem(code, "an observation numerator needs min, max or both");
        }
        if let (Some(Finite(min)), Some(Finite(max))) = (numerator.min, numerator.max)
            && min > max
        {
            checker.problem(
                code,
                format!("min {min} is above max {max}: no value could count"),
            );
        }
        return Some(Criterion::Observation {
            code: code.get_ref().clone(),
            min: numerator.min.map(|m| m.0),
            max: numerator.max.map(|m| m.0),
        });
    }
    events(checker, numerator, at).map(Criterion::Event)
}

fn survey_measure(checker: &mut Checker, raw: &RawIndicator) -> Option<Measure> {
    let (Some(survey), Some(items)) = (&raw.survey, &raw.items) else {
        checker.problem(
            &raw.measure,
            "a survey_agreement indicator needs survey and items",
        );
        return None;
    };
    let name = survey.get_ref();
    if !SURVEY_ITEMS.iter().any(|i| i.survey == name) {
        let mut known: Vec<&str> = SURVEY_ITEMS.iter().map(|i| i.survey).collect();
        known.dedup();
        checker.problem(
            survey,
            format!("unknown survey {name:?} (known: {})", known.join(", ")),
        );
        return None;
    }
    if items.is_empty() {
        checker.problem(survey, "items is empty");
    }
    for item in items {
        if !items_of(name).any(|i| i.id == item.get_ref()) {
            checker.problem(
                item,
                format!("survey {name:?} has no item {:?}", item.get_ref()),
            );
        }
    }
    Some(Measure::SurveyAgreement {
        survey: name.clone(),
        items: items.iter().map(|i| i.get_ref().clone()).collect(),
    })
}

fn population(checker: &mut Checker, raw: &RawPopulation) -> Population {
    let min_age = checker.bounded(&raw.min_age, "min_age", 130);
    let max_age = checker.bounded(&raw.max_age, "max_age", 130);
    if let (Some(lo), Some(hi), Some(at)) = (min_age, max_age, &raw.max_age)
        && lo > hi
    {
        checker.problem(at, format!("max_age {hi} is below min_age {lo}"));
    }
    let min_ltc = checker.bounded(
        &raw.min_long_term_conditions,
        "min_long_term_conditions",
        Condition::LONG_TERM.len() as i64,
    );
    let max_ltc = checker.bounded(
        &raw.max_long_term_conditions,
        "max_long_term_conditions",
        Condition::LONG_TERM.len() as i64,
    );
    let mut small = |values: &[Spanned<i64>], what: &str, range: std::ops::RangeInclusive<i64>| {
        values
            .iter()
            .filter_map(|v| {
                if range.contains(v.get_ref()) {
                    u8::try_from(*v.get_ref()).ok()
                } else {
                    checker.problem(
                        v,
                        format!(
                            "{what} must be {} to {}, got {}",
                            range.start(),
                            range.end(),
                            v.get_ref()
                        ),
                    );
                    None
                }
            })
            .collect::<Vec<u8>>()
    };
    let imd_quintiles = small(&raw.imd_quintiles, "an IMD quintile", 1..=5);
    let west_london_tiers = small(&raw.west_london_tiers, "a West London tier", 0..=3);
    Population {
        min_age,
        max_age,
        sexes: checker.vocabulary::<Sex>(&raw.sex),
        conditions: checker.vocabulary::<Condition>(&raw.conditions),
        min_long_term_conditions: min_ltc,
        max_long_term_conditions: max_ltc,
        imd_quintiles,
        life_course: checker.codes(
            &raw.life_course,
            "life-course segment",
            LifeCourse::from_code,
            LifeCourse::allowed,
        ),
        west_london_tiers,
    }
}
