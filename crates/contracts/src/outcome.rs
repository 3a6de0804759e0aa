//! Outcome-based contract definitions: how much of a contract's value is paid on outcomes,
//! on which indicators, scored how, with which gateways, caps and shares. A file is checked
//! here for everything that needs no data (weights summing to 1, threshold and target
//! apart, shares within 0-100%, partners' shares summing to 1); what needs the frameworks
//! (an indicator that does not exist, a target on the wrong side for its polarity) is
//! checked by [`OutcomeContract::check_indicators`], with the same lines.
//!
//! The format and the payment's rules are in `docs/outcome-contracts.md`.

use accord_model::Pence;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::{ContractsError, Problem, line_of, load_named, pounds};

/// How achievement is scored between threshold and target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Linear from 0 at the threshold to 1 at the target, as the GP Quality and Outcomes
    /// Framework pays.
    Linear,
    /// Linear, then rounded down to whole steps of 1/steps.
    Stepped {
        /// How many steps from threshold to target.
        steps: u32,
    },
    /// 1 at or beyond the target, else 0.
    AllOrNothing,
}

/// Where an indicator is scored from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreOn {
    /// The point estimate.
    Point,
    /// The end of the 95% interval that is worse for the alliance: it is paid only for what
    /// is clear of noise.
    CautiousBound,
}

/// One indicator of the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractIndicator {
    /// The framework of the indicator.
    pub framework: String,
    /// The indicator's id.
    pub indicator: String,
    /// Its weight in the outcome payment (the weights add up to 1).
    pub weight: f64,
    /// Its value before the contract began.
    pub baseline: f64,
    /// The value at which payment starts.
    pub threshold: f64,
    /// The value at which payment is whole.
    pub target: f64,
    /// How achievement between threshold and target is scored.
    pub scoring: Scoring,
    /// The line it came from.
    pub line: usize,
}

impl ContractIndicator {
    /// `framework/indicator`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.framework, self.indicator)
    }

    /// Achievement 0-1 of a value: its position from threshold to target (the direction
    /// from one to the other is the polarity), clamped, then scored.
    pub fn achievement(&self, value: f64) -> f64 {
        let linear = ((value - self.threshold) / (self.target - self.threshold)).clamp(0.0, 1.0);
        match self.scoring {
            Scoring::Linear => linear,
            Scoring::Stepped { steps } => {
                (linear * f64::from(steps) + 1e-9).floor() / f64::from(steps)
            }
            Scoring::AllOrNothing => {
                if linear >= 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// A condition that zeroes the outcome payment when it fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Gateway {
    /// An optional field of the dataset filled in at least this share of rows.
    Completeness {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The least share of rows, in per cent.
        min_percent: f64,
        /// The line, from 1.
        line: usize,
    },
    /// An indicator no worse than a floor (on the worse side of it, the gateway fails).
    Floor {
        /// The framework.
        framework: String,
        /// The indicator.
        indicator: String,
        /// The floor.
        floor: f64,
        /// The line, from 1.
        line: usize,
    },
}

/// How the alliance's money is shared between its partners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    /// The partner's name.
    pub name: String,
    /// Its share, 0-1: agreed, or worked out from contract values or equally.
    pub share: f64,
}

/// Gains and losses against the capitated budget, shared between commissioner and alliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskShare {
    /// The capitated budget for the year.
    pub budget: Pence,
    /// Where the actual spend comes from: `contract:ID`, `workstream:PLAN/ID` or `total`
    /// of the snapshot's money results.
    pub actual: String,
    /// The commissioner's share of a gain or a loss, 0-1 (default 0.5).
    pub commissioner: f64,
    /// The alliance's gain or loss is held within this share of the budget (default 0.05).
    pub cap_collar: f64,
}

/// An outcome-based contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeContract {
    /// The contract's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it pays for.
    pub description: String,
    /// The register entry it belongs to, if any.
    pub register_contract: Option<String>,
    /// The contract's value for a year.
    pub annual_value: Pence,
    /// The first contract year's financial year, as its first calendar year (2025 for
    /// 2025/26).
    pub first_year: i32,
    /// The share of the value at risk in contract years 1, 2, …; the last holds after.
    pub share_at_risk: Vec<f64>,
    /// The indicators that decide the outcome payment.
    pub indicators: Vec<ContractIndicator>,
    /// Conditions that zero the outcome payment when they fail.
    pub gateways: Vec<Gateway>,
    /// The outcome payment is held within floor..=cap (default 0..=the pot).
    pub cap: Option<Pence>,
    /// The least outcome payment.
    pub floor: Option<Pence>,
    /// Whether indicators are scored from the point estimate or the cautious bound.
    pub score_on: ScoreOn,
    /// The alliance's partners and their shares.
    pub partners: Vec<Partner>,
    /// Gains and losses against a capitated budget, where shared.
    pub risk_share: Option<RiskShare>,
    /// Values, shares and targets are illustrative, not any partnership's.
    pub illustrative: bool,
    /// The file it came from.
    pub file: String,
}

/// The built-in examples: (id, text).
pub const BUILTIN_OUTCOME_CONTRACTS: [(&str, &str); 3] = [
    (
        "richmond_alliance",
        include_str!("../builtin/outcome/richmond_alliance.toml"),
    ),
    (
        "tht_risk_reward",
        include_str!("../builtin/outcome/tht_risk_reward.toml"),
    ),
    (
        "mcmw_over_65s_contract",
        include_str!("../builtin/outcome/mcmw_over_65s_contract.toml"),
    ),
];

/// A built-in example by id, or a file by path.
pub fn load_outcome_contract(name: &str) -> Result<OutcomeContract, ContractsError> {
    load_named(
        name,
        &BUILTIN_OUTCOME_CONTRACTS,
        "contract",
        OutcomeContract::parse,
    )
}

/// A sum as a person would write it: 0.9, not 0.8999999999999999.
fn rounded(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

impl OutcomeContract {
    /// Reads a contract from TOML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<OutcomeContract, ContractsError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawIndicator {
            framework: String,
            indicator: String,
            weight: Spanned<f64>,
            baseline: f64,
            threshold: Spanned<f64>,
            target: Spanned<f64>,
            #[serde(default)]
            scoring: Option<Spanned<String>>,
            #[serde(default)]
            steps: Option<u32>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawGateway {
            kind: Spanned<String>,
            #[serde(default)]
            table: Option<String>,
            #[serde(default)]
            column: Option<String>,
            #[serde(default)]
            min_percent: Option<f64>,
            #[serde(default)]
            framework: Option<String>,
            #[serde(default)]
            indicator: Option<String>,
            #[serde(default)]
            floor: Option<f64>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawPartner {
            name: String,
            #[serde(default)]
            share: Option<f64>,
            #[serde(default)]
            value_gbp: Option<toml::Value>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawRiskShare {
            budget_gbp: Spanned<toml::Value>,
            actual: String,
            #[serde(default)]
            commissioner: Option<Spanned<f64>>,
            #[serde(default)]
            cap_collar: Option<Spanned<f64>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            id: String,
            name: String,
            #[serde(default)]
            description: String,
            #[serde(default)]
            register_contract: Option<String>,
            annual_value_gbp: Spanned<toml::Value>,
            first_year: i32,
            share_at_risk: Spanned<Vec<f64>>,
            #[serde(default)]
            cap_gbp: Option<Spanned<toml::Value>>,
            #[serde(default)]
            floor_gbp: Option<Spanned<toml::Value>>,
            #[serde(default)]
            score_on: Option<Spanned<String>>,
            #[serde(default)]
            sharing: Option<Spanned<String>>,
            #[serde(default)]
            illustrative: bool,
            #[serde(rename = "indicator", default)]
            indicators: Vec<Spanned<RawIndicator>>,
            #[serde(rename = "gateway", default)]
            gateways: Vec<Spanned<RawGateway>>,
            #[serde(rename = "partner", default)]
            partners: Vec<Spanned<RawPartner>>,
            #[serde(default)]
            risk_share: Option<RawRiskShare>,
        }
        let raw: Raw = toml::from_str(text).map_err(|e| ContractsError::Syntax {
            file: file.to_string(),
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);
        let mut problems = Vec::new();
        let money = |value: &Spanned<toml::Value>, field: &str, problems: &mut Vec<Problem>| {
            let found = pounds(value.get_ref()).filter(|p| p.0 >= 0);
            if found.is_none() {
                problems.push(Problem::new(
                    at(value.span()),
                    field,
                    format!(
                        "{} is not an amount of pounds of zero or more",
                        value.get_ref()
                    ),
                ));
            }
            found
        };
        let annual_value = money(&raw.annual_value_gbp, "annual_value_gbp", &mut problems);
        let cap = raw
            .cap_gbp
            .as_ref()
            .and_then(|v| money(v, "cap_gbp", &mut problems));
        let floor = raw
            .floor_gbp
            .as_ref()
            .and_then(|v| money(v, "floor_gbp", &mut problems));
        if let (Some(c), Some(f)) = (cap, floor)
            && f > c
        {
            problems.push(Problem::new(
                at(raw.floor_gbp.as_ref().map_or(0..0, |f| f.span())),
                "floor_gbp",
                "the floor is above the cap",
            ));
        }
        let shares = raw.share_at_risk.get_ref();
        if shares.is_empty()
            || shares
                .iter()
                .any(|s| !s.is_finite() || !(0.0..=1.0).contains(s))
        {
            problems.push(Problem::new(
                at(raw.share_at_risk.span()),
                "share_at_risk",
                "give the share at risk of each contract year, each from 0 to 1 (0.1 is 10%)",
            ));
        }
        let score_on = match raw.score_on.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("point") => ScoreOn::Point,
            Some("cautious_bound") => ScoreOn::CautiousBound,
            Some(other) => {
                problems.push(Problem::new(
                    at(raw.score_on.as_ref().map_or(0..0, |s| s.span())),
                    "score_on",
                    format!("unknown {other:?} (known: point, cautious_bound)"),
                ));
                ScoreOn::Point
            }
        };
        let mut indicators = Vec::new();
        for spanned in &raw.indicators {
            let line = at(spanned.span());
            let i = spanned.get_ref();
            let weight = *i.weight.get_ref();
            if !weight.is_finite() || !(0.0..=1.0).contains(&weight) {
                problems.push(Problem::new(
                    at(i.weight.span()),
                    "weight",
                    "a weight is from 0 to 1",
                ));
            }
            let (threshold, target) = (*i.threshold.get_ref(), *i.target.get_ref());
            if !threshold.is_finite() || !target.is_finite() || !i.baseline.is_finite() {
                problems.push(Problem::new(
                    line,
                    "threshold",
                    "baseline, threshold and target are finite numbers",
                ));
            } else if threshold == target {
                problems.push(Problem::new(
                    at(i.target.span()),
                    "target",
                    format!("the target equals the threshold ({target}): achievement between them has no width"),
                ));
            }
            let scoring = match (i.scoring.as_ref().map(|s| s.get_ref().as_str()), i.steps) {
                (None | Some("linear"), _) => Scoring::Linear,
                (Some("all_or_nothing"), _) => Scoring::AllOrNothing,
                (Some("stepped"), Some(steps)) if steps >= 1 => Scoring::Stepped { steps },
                (Some("stepped"), _) => {
                    problems.push(Problem::new(
                        line,
                        "steps",
                        "stepped scoring needs steps = N (1 or more)",
                    ));
                    Scoring::Linear
                }
                (Some(other), _) => {
                    problems.push(Problem::new(
                        at(i.scoring.as_ref().map_or(0..0, |s| s.span())),
                        "scoring",
                        format!(
                            "unknown scoring {other:?} (known: linear, stepped, all_or_nothing)"
                        ),
                    ));
                    Scoring::Linear
                }
            };
            indicators.push(ContractIndicator {
                framework: i.framework.clone(),
                indicator: i.indicator.clone(),
                weight,
                baseline: i.baseline,
                threshold,
                target,
                scoring,
                line,
            });
        }
        if indicators.is_empty() {
            problems.push(Problem::new(
                1,
                "indicator",
                "a contract needs at least one [[indicator]]",
            ));
        } else {
            let sum: f64 = indicators.iter().map(|i| i.weight).sum();
            if (sum - 1.0).abs() > 1e-9 {
                problems.push(Problem::new(
                    indicators[0].line,
                    "weight",
                    format!("the indicators' weights add up to {}, not 1", rounded(sum)),
                ));
            }
        }
        let mut gateways = Vec::new();
        for spanned in &raw.gateways {
            let line = at(spanned.span());
            let g = spanned.get_ref();
            match g.kind.get_ref().as_str() {
                "completeness" => match (&g.table, &g.column, g.min_percent) {
                    (Some(table), Some(column), Some(min)) if (0.0..=100.0).contains(&min) => {
                        gateways.push(Gateway::Completeness {
                            table: table.clone(),
                            column: column.clone(),
                            min_percent: min,
                            line,
                        })
                    }
                    _ => problems.push(Problem::new(
                        line,
                        "kind",
                        "a completeness gateway needs table, column and min_percent (0-100)",
                    )),
                },
                "floor" => match (&g.framework, &g.indicator, g.floor) {
                    (Some(framework), Some(indicator), Some(floor)) if floor.is_finite() => {
                        gateways.push(Gateway::Floor {
                            framework: framework.clone(),
                            indicator: indicator.clone(),
                            floor,
                            line,
                        })
                    }
                    _ => problems.push(Problem::new(
                        line,
                        "kind",
                        "a floor gateway needs framework, indicator and floor",
                    )),
                },
                other => problems.push(Problem::new(
                    at(g.kind.span()),
                    "kind",
                    format!("unknown gateway {other:?} (known: completeness, floor)"),
                )),
            }
        }
        let sharing = raw
            .sharing
            .as_ref()
            .map_or("value", |s| s.get_ref().as_str());
        let partners_line = raw.partners.first().map_or(1, |p| at(p.span()));
        let raw_partners: Vec<&RawPartner> = raw.partners.iter().map(|p| p.get_ref()).collect();
        let mut partners = Vec::new();
        if raw_partners.is_empty() {
            problems.push(Problem::new(
                1,
                "partner",
                "a contract needs at least one [[partner]] of the alliance",
            ));
        }
        match sharing {
            "equal" => partners.extend(raw_partners.iter().map(|p| Partner {
                name: p.name.clone(),
                share: 1.0 / raw_partners.len() as f64,
            })),
            "agreed" => {
                let shares: Vec<f64> = raw_partners
                    .iter()
                    .map(|p| p.share.unwrap_or(f64::NAN))
                    .collect();
                let sum: f64 = shares.iter().sum();
                if !sum.is_finite() || (sum - 1.0).abs() > 1e-9 {
                    problems.push(Problem::new(
                        partners_line,
                        "share",
                        format!(
                            "the partners' agreed shares add up to {}, not 1 (give each partner a share)",
                            rounded(sum)
                        ),
                    ));
                }
                partners.extend(raw_partners.iter().zip(shares).map(|(p, share)| Partner {
                    name: p.name.clone(),
                    share,
                }));
            }
            "value" => {
                let values: Vec<Option<Pence>> = raw_partners
                    .iter()
                    .map(|p| p.value_gbp.as_ref().and_then(pounds).filter(|p| p.0 >= 0))
                    .collect();
                let total: i64 = values.iter().flatten().map(|v| v.0).sum();
                if values.iter().any(Option::is_none) || total <= 0 {
                    problems.push(Problem::new(
                        partners_line,
                        "value_gbp",
                        "sharing by value needs each partner's value_gbp, above zero in all",
                    ));
                } else {
                    partners.extend(raw_partners.iter().zip(&values).map(|(p, v)| Partner {
                        name: p.name.clone(),
                        share: v.map_or(0.0, |v| v.0 as f64 / total as f64),
                    }));
                }
            }
            other => problems.push(Problem::new(
                at(raw.sharing.as_ref().map_or(0..0, |s| s.span())),
                "sharing",
                format!("unknown sharing {other:?} (known: value, equal, agreed)"),
            )),
        }
        let risk_share = raw.risk_share.as_ref().and_then(|r| {
            let budget = money(&r.budget_gbp, "budget_gbp", &mut problems)?;
            let share = |v: &Option<Spanned<f64>>,
                         field: &str,
                         default: f64,
                         problems: &mut Vec<Problem>| match v {
                Some(s) if !(0.0..=1.0).contains(s.get_ref()) => {
                    problems.push(Problem::new(
                        at(s.span()),
                        field,
                        format!("{} is not a share from 0 to 1", s.get_ref()),
                    ));
                    default
                }
                Some(s) => *s.get_ref(),
                None => default,
            };
            Some(RiskShare {
                budget,
                actual: r.actual.clone(),
                commissioner: share(&r.commissioner, "commissioner", 0.5, &mut problems),
                cap_collar: share(&r.cap_collar, "cap_collar", 0.05, &mut problems),
            })
        });
        problems.sort_by(|a, b| a.line.cmp(&b.line).then(a.field.cmp(&b.field)));
        ContractsError::check(file, problems)?;
        Ok(OutcomeContract {
            id: raw.id,
            name: raw.name,
            description: raw.description,
            register_contract: raw.register_contract,
            annual_value: annual_value.unwrap_or_default(),
            first_year: raw.first_year,
            share_at_risk: raw.share_at_risk.into_inner(),
            indicators,
            gateways,
            cap,
            floor,
            score_on,
            partners,
            risk_share,
            illustrative: raw.illustrative,
            file: file.to_string(),
        })
    }

    /// Checks each indicator (and floor gateway) against the frameworks:
    /// `polarity(framework, indicator)` is `Ok("higher_is_better" | "lower_is_better" | …)`
    /// or why there is no such indicator.
    pub fn check_indicators(
        &self,
        polarity: impl Fn(&str, &str) -> Result<String, String>,
    ) -> Result<(), ContractsError> {
        let mut problems = Vec::new();
        for i in &self.indicators {
            match polarity(&i.framework, &i.indicator) {
                Err(message) => problems.push(Problem::new(i.line, "indicator", message)),
                Ok(p) if p == "higher_is_better" && i.target < i.threshold => problems.push(Problem::new(
                    i.line,
                    "target",
                    format!("{} is higher-is-better, but its target {} is below its threshold {}", i.name(), i.target, i.threshold),
                )),
                Ok(p) if p == "lower_is_better" && i.target > i.threshold => problems.push(Problem::new(
                    i.line,
                    "target",
                    format!("{} is lower-is-better, but its target {} is above its threshold {}", i.name(), i.target, i.threshold),
                )),
                Ok(p) if p != "higher_is_better" && p != "lower_is_better" => problems.push(Problem::new(
                    i.line,
                    "indicator",
                    format!("{} has no polarity ({p}): neither direction is better, so it cannot be paid on", i.name()),
                )),
                Ok(_) => {}
            }
        }
        for g in &self.gateways {
            if let Gateway::Floor {
                framework,
                indicator,
                line,
                ..
            } = g
                && let Err(message) = polarity(framework, indicator)
            {
                problems.push(Problem::new(*line, "indicator", message));
            }
        }
        ContractsError::check(&self.file, problems)
    }

    /// The share at risk in the contract year that starts in `year` (the first calendar year
    /// of a financial year), if the contract has begun.
    pub fn share_in(&self, year: i32) -> Option<f64> {
        let index = usize::try_from(year - self.first_year).ok()?;
        self.share_at_risk
            .get(index)
            .or(self.share_at_risk.last())
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"id = "c"
name = "C"
annual_value_gbp = 1000000
first_year = 2024
share_at_risk = [0.0, 0.1, 0.15]
sharing = "agreed"

[[indicator]]
framework = "f"
indicator = "a"
weight = 0.6
baseline = 100
threshold = 95
target = 85

[[indicator]]
framework = "f"
indicator = "b"
weight = 0.4
baseline = 50
threshold = 52
target = 60
scoring = "stepped"
steps = 4

[[partner]]
name = "P1"
share = 0.7

[[partner]]
name = "P2"
share = 0.3
"#;

    #[test]
    fn achievement_follows_polarity_and_scoring() {
        let c = OutcomeContract::parse(GOOD, "c.toml").unwrap();
        let a = &c.indicators[0];
        // Lower is better: 95 → 0, 90 → 0.5, 85 and below → 1.
        assert_eq!(a.achievement(96.0), 0.0);
        assert_eq!(a.achievement(95.0), 0.0);
        assert!((a.achievement(90.0) - 0.5).abs() < 1e-12);
        assert_eq!(a.achievement(80.0), 1.0);
        let b = &c.indicators[1];
        // Higher is better, in quarters: 55 is 3/8 of the way, scored 1/4.
        assert_eq!(b.achievement(55.0), 0.25);
        assert_eq!(b.achievement(58.0), 0.75);
        assert_eq!(b.achievement(61.0), 1.0);
        assert_eq!(c.share_in(2024), Some(0.0));
        assert_eq!(c.share_in(2026), Some(0.15));
        assert_eq!(c.share_in(2030), Some(0.15));
        assert_eq!(c.share_in(2023), None);
    }

    #[test]
    fn bad_definitions_are_named_by_line_and_field() {
        let bad = GOOD
            .replace("weight = 0.4", "weight = 0.5")
            .replace("target = 60", "target = 52")
            .replace(
                "share_at_risk = [0.0, 0.1, 0.15]",
                "share_at_risk = [0.0, 1.5]",
            )
            .replace("share = 0.3", "share = 0.2");
        let err = OutcomeContract::parse(&bad, "c.toml").unwrap_err();
        crate::assert_problems(
            &err,
            &[
                "line 5, share_at_risk: give the share at risk",
                "line 8, weight: the indicators' weights add up to 1.1, not 1",
                "line 22, target: the target equals the threshold (52)",
                "line 26, share: the partners' agreed shares add up to 0.9",
            ],
        );
        let c = OutcomeContract::parse(GOOD, "c.toml").unwrap();
        let err = c
            .check_indicators(|_, i| match i {
                "a" => Ok("higher_is_better".into()),
                _ => Err(format!("framework f has no indicator {i:?}")),
            })
            .unwrap_err();
        let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            found[0],
            "line 8, target: f/a is higher-is-better, but its target 85 is below its threshold 95"
        );
        assert_eq!(
            found[1],
            "line 16, indicator: framework f has no indicator \"b\""
        );
    }

    #[test]
    fn the_built_in_examples_parse() {
        for (id, _) in BUILTIN_OUTCOME_CONTRACTS {
            let c = load_outcome_contract(id).unwrap();
            assert!(c.illustrative, "{id}");
        }
    }
}
