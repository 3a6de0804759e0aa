//! Segmentation models: declarative, versioned TOML files that put every person registered
//! on a date into exactly one segment. Segments are tried in order and the first whose rule
//! holds is the person's; the last segment has no rule and takes everyone left, so nobody
//! falls outside. Rules read only what holds on the date (`PersonAt`): age, sex, open
//! conditions, the long-term condition count, activity in the 12 months to the date and the
//! eFI-style frailty category, combined with `all`, `any` and `not`.
//!
//! The format is documented in `docs/segments.md`; the built-in models are in `segments/`.

use accord_model::{Condition, Setting, Sex};
use serde::{Deserialize, Serialize};

use crate::at::PersonAt;
use crate::frailty::FrailtyCategory;
use crate::history::Histories;

/// A segmentation model as written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentModel {
    /// The model's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// What it is for.
    pub description: String,
    /// Where the definition comes from.
    pub source: String,
    /// Its segments; a person is in the first whose rule holds.
    #[serde(rename = "segment")]
    pub segments: Vec<Segment>,
}

/// One segment of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// The segment's id.
    pub id: String,
    /// Its name, for people.
    pub label: String,
    /// Who it is for, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Absent only on the last segment, which takes everyone left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Rule>,
}

/// An inclusive range; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// The least, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// The most, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

impl Range {
    fn contains(self, value: u32) -> bool {
        self.min.is_none_or(|m| value >= m) && self.max.is_none_or(|m| value <= m)
    }
}

/// Activity in the 12 months to the date: at least `min` rows (default 1) in any of the
/// settings. Packages of care count if open at any time in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityRule {
    /// The settings counted.
    pub settings: Vec<Setting>,
    /// The least number of rows.
    #[serde(default = "one")]
    pub min: u32,
}

fn one() -> u32 {
    1
}

/// A condition on a person at a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Every rule holds.
    All(Vec<Rule>),
    /// At least one rule holds.
    Any(Vec<Rule>),
    /// The rule does not hold.
    Not(Box<Rule>),
    /// Age in whole years on the date.
    Age(Range),
    /// The person's sex is one of these.
    Sex(Vec<Sex>),
    /// Any of these conditions is open on the date.
    Conditions(Vec<Condition>),
    /// The number of long-term conditions open on the date.
    LongTermConditions(Range),
    /// Activity in the 12 months to the date.
    Activity(ActivityRule),
    /// The eFI-style frailty category on the date is one of these.
    Frailty(Vec<FrailtyCategory>),
}

impl Rule {
    /// Does the rule hold for this person on the date?
    pub fn holds(&self, person: &PersonAt, histories: &Histories) -> bool {
        match self {
            Rule::All(rules) => rules.iter().all(|r| r.holds(person, histories)),
            Rule::Any(rules) => rules.iter().any(|r| r.holds(person, histories)),
            Rule::Not(rule) => !rule.holds(person, histories),
            Rule::Age(range) => u32::try_from(person.age).is_ok_and(|a| range.contains(a)),
            Rule::Sex(sexes) => sexes.contains(&histories.people[person.person].sex),
            Rule::Conditions(conditions) => conditions.iter().any(|c| person.has(*c)),
            Rule::LongTermConditions(range) => range.contains(person.long_term_conditions),
            Rule::Activity(rule) => {
                rule.settings
                    .iter()
                    .map(|s| person.in_year(*s))
                    .sum::<u32>()
                    >= rule.min
            }
            Rule::Frailty(categories) => categories.contains(&person.frailty.category()),
        }
    }

    /// Every problem with the rule, as text, found by walking it.
    fn problems(&self, at: &str, problems: &mut Vec<String>) {
        let empty = |what: &str, problems: &mut Vec<String>| {
            problems.push(format!("{at}: `{what}` needs at least one entry"))
        };
        match self {
            Rule::All(rules) | Rule::Any(rules) => {
                if rules.is_empty() {
                    empty(
                        if matches!(self, Rule::All(_)) {
                            "all"
                        } else {
                            "any"
                        },
                        problems,
                    );
                }
                for r in rules {
                    r.problems(at, problems);
                }
            }
            Rule::Not(rule) => rule.problems(at, problems),
            Rule::Age(range) | Rule::LongTermConditions(range) => {
                if let (Some(min), Some(max)) = (range.min, range.max)
                    && min > max
                {
                    problems.push(format!("{at}: range min {min} is above max {max}"));
                }
                if range.min.is_none() && range.max.is_none() {
                    problems.push(format!("{at}: a range needs min, max or both"));
                }
            }
            Rule::Sex(list) if list.is_empty() => empty("sex", problems),
            Rule::Conditions(list) if list.is_empty() => empty("conditions", problems),
            Rule::Frailty(list) if list.is_empty() => empty("frailty", problems),
            Rule::Activity(rule) => {
                if rule.settings.is_empty() {
                    empty("activity.settings", problems);
                }
                if rule.min == 0 {
                    problems.push(format!("{at}: activity min must be at least 1"));
                }
            }
            Rule::Sex(_) | Rule::Conditions(_) | Rule::Frailty(_) => {}
        }
    }
}

/// Why a segmentation model file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    /// The file is not valid TOML of a model's shape.
    #[error("{file}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The model's content is wrong; every problem is listed.
    #[error("{file}: {}", problems.join("; "))]
    Invalid {
        /// The file.
        file: String,
        /// Every problem.
        problems: Vec<String>,
    },
    /// No built-in model has that name (the name, and the names built in).
    #[error("unknown segmentation model {0:?} (built in: {1})")]
    Unknown(String, String),
}

impl SegmentModel {
    /// Parses and checks a model file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<SegmentModel, SegmentError> {
        let model: SegmentModel = toml::from_str(text).map_err(|err| SegmentError::Syntax {
            file: file.to_string(),
            message: err.to_string().trim_end().replace('\n', " "),
        })?;
        let problems = model.problems();
        if problems.is_empty() {
            Ok(model)
        } else {
            Err(SegmentError::Invalid {
                file: file.to_string(),
                problems,
            })
        }
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.segments.is_empty() {
            problems.push("a model needs at least one [[segment]]".to_string());
        }
        for (i, segment) in self.segments.iter().enumerate() {
            let at = format!("segment {:?}", segment.id);
            if self.segments[..i].iter().any(|s| s.id == segment.id) {
                problems.push(format!("{at}: duplicate id"));
            }
            let last = i + 1 == self.segments.len();
            match (&segment.when, last) {
                (Some(rule), false) => rule.problems(&at, &mut problems),
                (None, false) => problems.push(format!(
                    "{at}: only the last segment may leave out `when` (it takes everyone left)"
                )),
                (Some(_), true) => problems.push(format!(
                    "{at}: the last segment must leave out `when`, so that it takes everyone left and nobody falls outside the model"
                )),
                (None, true) => {}
            }
        }
        problems
    }

    /// The index of the person's segment: the first whose rule holds.
    pub fn assign(&self, person: &PersonAt, histories: &Histories) -> usize {
        self.segments
            .iter()
            .position(|s| s.when.as_ref().is_none_or(|r| r.holds(person, histories)))
            .unwrap_or(self.segments.len() - 1)
    }

    /// The segment's index by id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.segments.iter().position(|s| s.id == id)
    }
}

/// The built-in models: (id, file text).
pub const BUILTIN: [(&str, &str); 4] = [
    ("life_course", include_str!("../segments/life_course.toml")),
    (
        "west_london_tier",
        include_str!("../segments/west_london_tier.toml"),
    ),
    (
        "bridges_to_health",
        include_str!("../segments/bridges_to_health.toml"),
    ),
    (
        "complex_needs",
        include_str!("../segments/complex_needs.toml"),
    ),
];

/// A built-in model by id, or a model file by path.
pub fn load(name: &str) -> Result<SegmentModel, SegmentError> {
    if let Some((id, text)) = BUILTIN.iter().find(|(id, _)| *id == name) {
        return SegmentModel::parse(text, &format!("built-in model {id}"));
    }
    let path = std::path::Path::new(name);
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        let text = std::fs::read_to_string(path).map_err(|err| SegmentError::Syntax {
            file: name.to_string(),
            message: err.to_string(),
        })?;
        return SegmentModel::parse(&text, name);
    }
    Err(SegmentError::Unknown(
        name.to_string(),
        BUILTIN
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
            .join(", "),
    ))
}

/// Every built-in model.
pub fn builtin() -> Vec<SegmentModel> {
    BUILTIN
        .iter()
        .filter_map(|(id, text)| SegmentModel::parse(text, id).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frailty::Frailty;
    use crate::history::Records;
    use proptest::prelude::*;

    fn person(age: i32, long_term_conditions: u32) -> PersonAt {
        PersonAt {
            person: 0,
            age,
            practice: 0,
            conditions: 0,
            long_term_conditions,
            in_year: [0; 14],
            cost_in_year: 0.0,
            social_care_on_day: false,
            frailty: Frailty::default(),
        }
    }

    #[test]
    fn built_in_models_round_trip_through_toml() {
        for model in builtin() {
            let text = toml::to_string(&model).unwrap();
            assert_eq!(SegmentModel::parse(&text, &model.id).unwrap(), model);
        }
    }

    proptest! {
        #[test]
        fn a_range_rule_holds_exactly_inside_its_bounds(
            min in 0u32..110, width in 0u32..40, age in 0i32..120, count in 0u32..8, at_least in 0u32..6,
        ) {
            let max = min + width;
            let text = format!(
                "id = \"m\"\nname = \"M\"\nversion = 1\ndescription = \"\"\nsource = \"\"\n\
                 [[segment]]\nid = \"in\"\nlabel = \"In\"\nwhen = {{ all = [{{ age = {{ min = {min}, max = {max} }} }}, {{ long_term_conditions = {{ min = {at_least} }} }}] }}\n\
                 [[segment]]\nid = \"out\"\nlabel = \"Out\"\n"
            );
            let model = SegmentModel::parse(&text, "generated.toml").unwrap();
            let histories = Histories::from_records(Records::default()).unwrap();
            let inside = (min as i32..=max as i32).contains(&age) && count >= at_least;
            prop_assert_eq!(model.assign(&person(age, count), &histories), usize::from(!inside));
        }
    }
}
