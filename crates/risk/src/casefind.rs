//! Case finding: the people a network (or practice) should consider for MDT review, by risk
//! score on a date, leaving out people who died or left before it and people discussed at
//! an MDT in the months before it. The list is person-level: callers write it only where
//! the user asks, and never publish it.

use crate::metrics::{flagged_count, ranking};
use serde::{Deserialize, Serialize};

use crate::RiskModelError;
use crate::model::RiskModel;
use accord_cohort::Histories;
use accord_cohort::at::{day_text, months_before, population_on};
use accord_cohort::frailty::deficits_with_evidence;

/// How many to list: a share of the group's registered population, or a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Top {
    /// A share of the registered population, 0-1.
    Fraction(f64),
    /// A number of people.
    Count(usize),
}

impl std::str::FromStr for Top {
    type Err = String;
    /// `2%` or `0.5%` (a share of the registered list) or `40` (people).
    fn from_str(text: &str) -> Result<Top, String> {
        let text = text.trim();
        if let Some(percent) = text.strip_suffix('%') {
            let value: f64 = percent
                .trim()
                .parse()
                .map_err(|_| format!("{text:?} is not a percentage such as 2% or 0.5%"))?;
            if !(value > 0.0 && value <= 100.0) {
                return Err(format!(
                    "{text:?}: the percentage must be above 0 and at most 100"
                ));
            }
            Ok(Top::Fraction(value / 100.0))
        } else {
            let count: usize = text.parse().map_err(|_| {
                format!("{text:?} is neither a percentage (2%) nor a number of people (40)")
            })?;
            if count == 0 {
                return Err("the number of people must be at least 1".into());
            }
            Ok(Top::Count(count))
        }
    }
}

/// Whose list it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A network, by code.
    Network(String),
    /// A practice, by code.
    Practice(String),
}

/// What to list.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFinding {
    /// Whose list it is.
    pub scope: Scope,
    /// How many to list.
    pub top: Top,
    /// The day people are scored on (days since the epoch).
    pub day: i32,
    /// Leave out people discussed at an MDT in this many months before the date (0: none).
    pub exclude_discussed_months: u32,
    /// The seed that breaks ties in score, so that lists are reproducible.
    pub seed: u64,
}

/// One person on the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The person's place on the list, 1 the highest risk.
    pub rank: usize,
    /// The person's pseudonymised id.
    pub person_id: u64,
    /// Their practice.
    pub practice: String,
    /// Their practice's network.
    pub network: String,
    /// Their age on the day.
    pub age: i32,
    /// Their sex.
    pub sex: String,
    /// The predicted risk of an emergency admission in the next 12 months.
    pub score: f64,
    /// Percent of the practice's registered people with a lower score.
    pub practice_percentile: f64,
    /// Percent of the network's registered people with a lower score.
    pub network_percentile: f64,
    /// The day of their last MDT discussion, if any.
    pub last_mdt: Option<String>,
    /// The features that raise their score most, in words.
    pub reasons: Vec<String>,
    /// Their eFI deficits present on the day.
    pub frailty_deficits: Vec<String>,
}

/// The list with how it was drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseList {
    /// Whose list it is, in words.
    pub scope: String,
    /// The day people were scored on.
    pub date: String,
    /// People registered in the scope on the day.
    pub registered: usize,
    /// Of those, people left out for a recent MDT discussion.
    pub excluded_recent_mdt: usize,
    /// People listed.
    pub listed: usize,
    /// The risk model's development date.
    pub model_development_date: String,
    /// The list, highest risk first.
    pub candidates: Vec<Candidate>,
}

/// Percent of `scores` below `value`, over a sorted copy.
fn percent_below(sorted: &[f64], value: f64) -> f64 {
    100.0 * sorted.partition_point(|s| *s < value) as f64 / sorted.len().max(1) as f64
}

/// Draws the list.
pub fn find_cases(
    histories: &Histories,
    model: &RiskModel,
    request: &CaseFinding,
) -> Result<CaseList, RiskModelError> {
    let scope_text = match &request.scope {
        Scope::Network(n) => format!("network {n}"),
        Scope::Practice(p) => format!("practice {p}"),
    };
    let in_scope = |practice: u32| {
        let p = &histories.practices[practice as usize];
        match &request.scope {
            Scope::Network(n) => p.network.as_deref() == Some(n.as_str()),
            Scope::Practice(code) => &p.code == code,
        }
    };
    if !histories
        .practices
        .iter()
        .enumerate()
        .any(|(i, _)| in_scope(i as u32))
    {
        let known: Vec<String> = match &request.scope {
            Scope::Network(_) => {
                let mut n: Vec<String> = histories
                    .practices
                    .iter()
                    .filter_map(|p| p.network.clone())
                    .collect();
                n.sort();
                n.dedup();
                n
            }
            Scope::Practice(_) => histories.practices.iter().map(|p| p.code.clone()).collect(),
        };
        return Err(RiskModelError::UnknownScope(scope_text, known.join(", ")));
    }
    let population = population_on(histories, request.day);
    let scores = model.score(&population.people, histories);
    let sorted_by = |keep: &dyn Fn(u32) -> bool| {
        let mut s: Vec<f64> = population
            .people
            .iter()
            .zip(&scores)
            .filter(|(p, _)| keep(p.practice))
            .map(|(_, s)| *s)
            .collect();
        s.sort_by(f64::total_cmp);
        s
    };
    let members: Vec<usize> = (0..population.people.len())
        .filter(|&i| in_scope(population.people[i].practice))
        .collect();
    let since = months_before(request.day, request.exclude_discussed_months);
    let recently_discussed = |i: usize| {
        request.exclude_discussed_months > 0
            && histories
                .history(population.people[i].person)
                .mdt_meetings
                .iter()
                .any(|d| *d > since && *d <= request.day)
    };
    let eligible: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| !recently_discussed(i))
        .collect();
    let wanted = match request.top {
        Top::Fraction(f) => flagged_count(members.len(), f),
        Top::Count(c) => c,
    }
    .min(eligible.len());
    let eligible_scores: Vec<f64> = eligible.iter().map(|&i| scores[i]).collect();
    let order = ranking(&eligible_scores, request.seed);
    let mut network_sorted: std::collections::HashMap<String, Vec<f64>> = Default::default();
    let mut practice_sorted: std::collections::HashMap<u32, Vec<f64>> = Default::default();
    let candidates = order[..wanted]
        .iter()
        .enumerate()
        .map(|(rank, &k)| {
            let i = eligible[k];
            let person = &population.people[i];
            let history = histories.history(person.person);
            let network = histories.network_of(person.practice).to_string();
            let in_network = network_sorted
                .entry(network.clone())
                .or_insert_with(|| sorted_by(&|p| histories.network_of(p) == network));
            let network_percentile = percent_below(in_network, scores[i]);
            let in_practice = practice_sorted
                .entry(person.practice)
                .or_insert_with(|| sorted_by(&|p| p == person.practice));
            let practice_percentile = percent_below(in_practice, scores[i]);
            Candidate {
                rank: rank + 1,
                person_id: history.person.id,
                practice: histories.practices[person.practice as usize].code.clone(),
                network,
                age: person.age,
                sex: history.person.sex.as_str().to_string(),
                score: scores[i],
                practice_percentile,
                network_percentile,
                last_mdt: history
                    .mdt_meetings
                    .iter()
                    .rev()
                    .find(|d| **d <= request.day)
                    .map(|d| day_text(*d)),
                reasons: model.reasons(person, histories, 3),
                frailty_deficits: deficits_with_evidence(
                    &history,
                    request.day,
                    accord_cohort::at::year_from(request.day),
                )
                .iter()
                .map(|(d, _)| d.name().to_string())
                .collect(),
            }
        })
        .collect::<Vec<_>>();
    Ok(CaseList {
        scope: scope_text,
        date: day_text(request.day),
        registered: members.len(),
        excluded_recent_mdt: members.len() - eligible.len(),
        listed: candidates.len(),
        model_development_date: model.development_date.clone(),
        candidates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_parses_percentages_and_counts() {
        assert_eq!("2%".parse::<Top>(), Ok(Top::Fraction(0.02)));
        assert_eq!(" 0.5 % ".parse::<Top>(), Ok(Top::Fraction(0.005)));
        assert_eq!("40".parse::<Top>(), Ok(Top::Count(40)));
        assert!("0%".parse::<Top>().is_err());
        assert!("150%".parse::<Top>().is_err());
        assert!("0".parse::<Top>().is_err());
        assert!("two".parse::<Top>().unwrap_err().contains("\"two\""));
    }
}
