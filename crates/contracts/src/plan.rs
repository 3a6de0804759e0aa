//! Budget plans: how a partnership turns money into budgets. A plan names the segment model
//! whose segments are its workstreams' populations, how the capitation formula weighs need
//! ([`Capitation`]), and its shadow budgets ([`Workstream`]): each workstream's population
//! (segments) and the contracts that feed it, whole, for some settings only, or as a fixed
//! share; a contract fed to several workstreams is shared between them by use unless the
//! plan fixes the shares.
//!
//! What needs data or other files (a segment the model lacks, a contract the register
//! lacks, fixed shares of one contract above 100%) is checked where they meet, in
//! `accord-money`, with the plan's lines.

use accord_model::{Pence, Setting, Vocabulary};
use serde::{Deserialize, Serialize};

use crate::{ContractsError, Problem, line_of, load_named, pounds};

/// The measure of additional need in the capitation formula, beyond age and sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedIndex {
    /// Age and sex only.
    None,
    /// The number of long-term conditions open at the start of the year (0, 1, 2, 3, 4+):
    /// each group's index is its observed cost over what its age and sex predict.
    LongTermConditions,
}

/// The capitation formula's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capitation {
    /// The sum to share out; by default the register's value for the budget year.
    pub envelope: Option<Pence>,
    /// How need is measured beyond age and sex.
    pub need: NeedIndex,
    /// A top-up for health inequalities by IMD quintile, most deprived first: 0.05 is 5%
    /// more weight.
    pub inequalities_top_up: [f64; 5],
    /// The market forces factor of the whole area (it changes nothing within one area, but
    /// is recorded so that areas can be compared).
    pub market_forces_factor: f64,
    /// The most a unit's budget may move from last year's spend, as a share of it
    /// (pace of change); none means the target budget at once.
    pub pace_of_change: Option<f64>,
}

impl Default for Capitation {
    fn default() -> Capitation {
        Capitation {
            envelope: None,
            need: NeedIndex::LongTermConditions,
            inequalities_top_up: [0.0; 5],
            market_forces_factor: 1.0,
            pace_of_change: None,
        }
    }
}

/// Which contracts feed a workstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// Contract ids; `*` is every contract in the register.
    pub contracts: Vec<String>,
    /// Only these settings of the contracts (all, if empty).
    pub settings: Vec<Setting>,
    /// A fixed share of each contract's value; none shares it by use.
    pub share: Option<f64>,
    /// The line it came from.
    pub line: usize,
    /// The line of `contracts`.
    pub contracts_line: usize,
}

impl Feed {
    /// Does this feed take from the contract, for this setting?
    pub fn takes(&self, contract: &str, setting: Setting) -> bool {
        (self.contracts.iter().any(|c| c == "*" || c == contract))
            && (self.settings.is_empty() || self.settings.contains(&setting))
    }

    /// Does this feed take from the contract, for any setting?
    pub fn names(&self, contract: &str) -> bool {
        self.contracts.iter().any(|c| c == "*" || c == contract)
    }
}

/// One shadow budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workstream {
    /// The workstream's id.
    pub id: String,
    /// Its name, for people.
    pub label: String,
    /// Segments of the plan's segment model.
    pub segments: Vec<String>,
    /// The contracts that feed it.
    pub feeds: Vec<Feed>,
    /// The line it came from.
    pub line: usize,
    /// The line of `segments`.
    pub segments_line: usize,
}

/// A budget plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetPlan {
    /// The plan's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// What it is for.
    pub description: String,
    /// Where it comes from (a board paper, an agreement).
    pub source: String,
    /// The outcomes framework whose figures stand beside the budgets.
    pub framework: Option<String>,
    /// The segment model whose segments are the workstreams' populations.
    pub segment_model: String,
    /// The line of `segment_model`.
    pub segment_model_line: usize,
    /// The capitation formula's settings.
    pub capitation: Capitation,
    /// Its shadow budgets.
    pub workstreams: Vec<Workstream>,
    /// The file it came from.
    pub file: String,
}

/// The built-in plans: (id, text).
pub const BUILTIN_PLANS: [(&str, &str); 2] = [
    (
        "tht_workstreams",
        include_str!("../builtin/tht_workstreams.toml"),
    ),
    (
        "mcmw_over_65s",
        include_str!("../builtin/mcmw_over_65s.toml"),
    ),
];

/// Every built-in plan.
pub fn builtin_plans() -> Result<Vec<BudgetPlan>, ContractsError> {
    BUILTIN_PLANS
        .iter()
        .map(|(id, text)| BudgetPlan::parse(text, &format!("built-in plan {id}")))
        .collect()
}

/// A built-in plan by id, or a plan file by path.
pub fn load_plan(name: &str) -> Result<BudgetPlan, ContractsError> {
    load_named(name, &BUILTIN_PLANS, "plan", BudgetPlan::parse)
}

impl BudgetPlan {
    /// Reads a plan from TOML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<BudgetPlan, ContractsError> {
        use toml::Spanned;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawFeed {
            contracts: Spanned<Vec<String>>,
            #[serde(default)]
            settings: Option<Spanned<Vec<String>>>,
            #[serde(default)]
            share: Option<Spanned<f64>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawWorkstream {
            id: Spanned<String>,
            label: String,
            segments: Spanned<Vec<String>>,
            #[serde(rename = "feed", default)]
            feeds: Vec<Spanned<RawFeed>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawCapitation {
            #[serde(default)]
            envelope_gbp: Option<Spanned<toml::Value>>,
            #[serde(default)]
            need: Option<Spanned<String>>,
            #[serde(default)]
            inequalities_top_up: Option<Spanned<Vec<f64>>>,
            #[serde(default)]
            market_forces_factor: Option<Spanned<f64>>,
            #[serde(default)]
            pace_of_change: Option<Spanned<f64>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawPlan {
            id: String,
            name: String,
            version: u32,
            #[serde(default)]
            description: String,
            #[serde(default)]
            source: String,
            #[serde(default)]
            framework: Option<String>,
            segment_model: Spanned<String>,
            #[serde(default)]
            capitation: Option<RawCapitation>,
            #[serde(rename = "workstream", default)]
            workstreams: Vec<Spanned<RawWorkstream>>,
        }
        let raw: RawPlan = toml::from_str(text).map_err(|e| ContractsError::Syntax {
            file: file.to_string(),
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);
        let mut problems = Vec::new();
        let mut capitation = Capitation::default();
        if let Some(c) = raw.capitation {
            if let Some(envelope) = c.envelope_gbp {
                match pounds(envelope.get_ref()).filter(|p| p.0 >= 0) {
                    Some(a) => capitation.envelope = Some(a),
                    _ => problems.push(Problem::new(
                        at(envelope.span()),
                        "envelope_gbp",
                        format!(
                            "{} is not an amount of pounds of zero or more",
                            envelope.get_ref()
                        ),
                    )),
                }
            }
            if let Some(need) = c.need {
                capitation.need = match need.get_ref().as_str() {
                    "none" => NeedIndex::None,
                    "long_term_conditions" => NeedIndex::LongTermConditions,
                    other => {
                        problems.push(Problem::new(
                            at(need.span()),
                            "need",
                            format!(
                                "unknown need index {other:?} (known: none, long_term_conditions)"
                            ),
                        ));
                        NeedIndex::None
                    }
                };
            }
            if let Some(top_up) = c.inequalities_top_up {
                let line = at(top_up.span());
                let values = top_up.into_inner();
                if values.len() != 5 {
                    problems.push(Problem::new(
                        line,
                        "inequalities_top_up",
                        format!(
                            "give five top-ups, one per IMD quintile (most deprived first), not {}",
                            values.len()
                        ),
                    ));
                } else if values
                    .iter()
                    .any(|v| !v.is_finite() || *v < 0.0 || *v > 1.0)
                {
                    problems.push(Problem::new(
                        line,
                        "inequalities_top_up",
                        "each top-up is a share from 0 to 1 (0.05 is 5% more weight)",
                    ));
                } else {
                    capitation.inequalities_top_up.copy_from_slice(&values);
                }
            }
            if let Some(mff) = c.market_forces_factor {
                if mff.get_ref().is_finite() && *mff.get_ref() > 0.0 {
                    capitation.market_forces_factor = *mff.get_ref();
                } else {
                    problems.push(Problem::new(
                        at(mff.span()),
                        "market_forces_factor",
                        "the market forces factor is a positive number (1 is the national average)",
                    ));
                }
            }
            if let Some(pace) = c.pace_of_change {
                if pace.get_ref().is_finite() && (0.0..=1.0).contains(pace.get_ref()) {
                    capitation.pace_of_change = Some(*pace.get_ref());
                } else {
                    problems.push(Problem::new(
                        at(pace.span()),
                        "pace_of_change",
                        "the pace of change is a share from 0 to 1 of last year's spend",
                    ));
                }
            }
        }
        let mut workstreams: Vec<Workstream> = Vec::new();
        for spanned in raw.workstreams {
            let line = at(spanned.span());
            let w = spanned.into_inner();
            if workstreams.iter().any(|o| &o.id == w.id.get_ref()) {
                problems.push(Problem::new(
                    at(w.id.span()),
                    "id",
                    format!("a second workstream {:?}", w.id.get_ref()),
                ));
            }
            if w.segments.get_ref().is_empty() {
                problems.push(Problem::new(
                    at(w.segments.span()),
                    "segments",
                    "a workstream needs at least one segment",
                ));
            }
            if w.feeds.is_empty() {
                problems.push(Problem::new(
                    line,
                    "feed",
                    "a workstream needs at least one [[workstream.feed]]",
                ));
            }
            let mut feeds = Vec::new();
            for spanned in w.feeds {
                let feed_line = at(spanned.span());
                let f = spanned.into_inner();
                if f.contracts.get_ref().is_empty() {
                    problems.push(Problem::new(
                        at(f.contracts.span()),
                        "contracts",
                        "name at least one contract, or \"*\" for all",
                    ));
                }
                let mut settings = Vec::new();
                if let Some(list) = &f.settings {
                    for code in list.get_ref() {
                        match Setting::from_code(code) {
                            Some(s) => settings.push(s),
                            None => problems.push(Problem::new(
                                at(list.span()),
                                "settings",
                                format!(
                                    "unknown setting {code:?} (known: {})",
                                    Setting::allowed_codes()
                                ),
                            )),
                        }
                    }
                }
                let share = match f.share {
                    Some(s) if !(s.get_ref().is_finite() && (0.0..=1.0).contains(s.get_ref())) => {
                        problems.push(Problem::new(
                            at(s.span()),
                            "share",
                            format!("{} is not a share from 0 to 1", s.get_ref()),
                        ));
                        None
                    }
                    s => s.map(|s| *s.get_ref()),
                };
                feeds.push(Feed {
                    contracts_line: at(f.contracts.span()),
                    contracts: f.contracts.into_inner(),
                    settings,
                    share,
                    line: feed_line,
                });
            }
            workstreams.push(Workstream {
                segments_line: at(w.segments.span()),
                id: w.id.into_inner(),
                label: w.label,
                segments: w.segments.into_inner(),
                feeds,
                line,
            });
        }
        if workstreams.is_empty() {
            problems.push(Problem::new(
                1,
                "workstream",
                "a plan needs at least one [[workstream]]",
            ));
        }
        for (i, w) in workstreams.iter().enumerate() {
            for segment in &w.segments {
                if let Some(other) = workstreams[..i]
                    .iter()
                    .find(|o| o.segments.contains(segment))
                {
                    problems.push(Problem::new(
                        w.segments_line,
                        "segments",
                        format!("segment {segment:?} is in workstream {:?} already: a person is in one workstream", other.id),
                    ));
                }
            }
        }
        problems.sort_by(|a, b| a.line.cmp(&b.line).then(a.field.cmp(&b.field)));
        ContractsError::check(file, problems)?;
        Ok(BudgetPlan {
            id: raw.id,
            name: raw.name,
            version: raw.version,
            description: raw.description,
            source: raw.source,
            framework: raw.framework,
            segment_model_line: at(raw.segment_model.span()),
            segment_model: raw.segment_model.into_inner(),
            capitation,
            workstreams,
            file: file.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_plans_parse() {
        let plans = builtin_plans().unwrap();
        assert_eq!(plans.len(), 2);
        assert_eq!(plans[0].workstreams.len(), 3);
        assert_eq!(plans[1].segment_model, "west_london_tier");
    }

    #[test]
    fn bad_plans_are_named_by_line_and_field() {
        let text = r#"id = "p"
name = "P"
version = 1
segment_model = "life_course"

[capitation]
need = "wealth"
inequalities_top_up = [0.1, 0.0]
pace_of_change = 2.0

[[workstream]]
id = "a"
label = "A"
segments = ["being_an_adult"]
[[workstream.feed]]
contracts = ["*"]
settings = ["hospital"]
share = 1.5

[[workstream]]
id = "b"
label = "B"
segments = ["being_an_adult"]
"#;
        let err = BudgetPlan::parse(text, "plan.toml").unwrap_err();
        crate::assert_problems(
            &err,
            &[
                "line 7, need: unknown need index \"wealth\"",
                "line 8, inequalities_top_up: give five top-ups",
                "line 9, pace_of_change:",
                "line 17, settings: unknown setting \"hospital\"",
                "line 18, share: 1.5 is not a share from 0 to 1",
                "line 20, feed: a workstream needs at least one",
                "line 23, segments: segment \"being_an_adult\" is in workstream \"a\" already",
            ],
        );
    }
}
