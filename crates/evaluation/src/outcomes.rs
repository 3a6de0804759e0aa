//! Outcomes around an index date: counts and costs in the 365 days before (-365..-1) and
//! after (+1..+365, or 0..+364 with the index day) the index, counted only while the person
//! is registered and alive; the days at risk are the person-time. Follow-up ends at death,
//! de-registration or the extract date. Also events and days at risk by month from -24 to
//! +12, and the change in the risk score from the covariate day to the last day of the year
//! after (set by the caller, which holds the risk model: [`Windows::set_risk_scores`]).

use accord_cohort::history::History;
use accord_model::Setting;

use crate::censoring::FollowUpWeights;
use serde::{Deserialize, Serialize};

/// How an outcome is summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Events per person-time: Poisson difference in differences.
    Count,
    /// £ per person: difference in mean differences.
    Cost,
    /// The risk model's predicted chance of an emergency admission in the next 12 months,
    /// in per cent, on the covariate day and on the last day of the year after: difference
    /// in mean differences, in percentage points, among people scored on both days.
    Score,
}

/// One outcome of the evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The outcome's name.
    pub name: &'static str,
    /// What it is, in words.
    pub label: &'static str,
    /// A count, a cost or a score.
    pub kind: Kind,
    settings: &'static [Setting],
}

const SOCIAL_CARE: &[Setting] = &[
    Setting::HomeCare,
    Setting::Residential,
    Setting::Nursing,
    Setting::Reablement,
];

/// The outcomes the issue lists, in report order.
pub const OUTCOMES: [Outcome; 10] = [
    Outcome {
        name: "ae_attendances",
        label: "A&E attendances",
        kind: Kind::Count,
        settings: &[Setting::AeAttendance],
    },
    Outcome {
        name: "emergency_admissions",
        label: "emergency admissions",
        kind: Kind::Count,
        settings: &[Setting::EmergencyAdmission],
    },
    Outcome {
        name: "elective_admissions",
        label: "elective admissions",
        kind: Kind::Count,
        settings: &[Setting::ElectiveAdmission],
    },
    Outcome {
        name: "outpatient_attendances",
        label: "outpatient attendances",
        kind: Kind::Count,
        settings: &[Setting::Outpatient],
    },
    Outcome {
        name: "mental_health_referrals",
        label: "referrals to secondary mental health",
        kind: Kind::Count,
        settings: &[Setting::MentalHealthReferral],
    },
    Outcome {
        name: "safeguarding_alerts",
        label: "safeguarding alerts",
        kind: Kind::Count,
        settings: &[Setting::SafeguardingAlert],
    },
    Outcome {
        name: "care_home_placements",
        label: "care home placements (residential or nursing starts)",
        kind: Kind::Count,
        settings: &[Setting::Residential, Setting::Nursing],
    },
    Outcome {
        name: "social_care_cost",
        label: "adult social care cost (£ per person)",
        kind: Kind::Cost,
        settings: SOCIAL_CARE,
    },
    Outcome {
        name: "total_cost",
        label: "cost of all recorded activity (£ per person)",
        kind: Kind::Cost,
        settings: &[],
    },
    Outcome {
        name: "risk_score",
        label: "risk score (% chance of an emergency admission in the next 12 months)",
        kind: Kind::Score,
        settings: &[],
    },
];

/// The position of the risk score in [`OUTCOMES`].
pub const RISK_SCORE: usize = OUTCOMES.len() - 1;

impl Outcome {
    fn counts(&self, setting: Setting) -> bool {
        self.kind != Kind::Score && (self.settings.is_empty() || self.settings.contains(&setting))
    }
}

/// The outcomes monthly rates are drawn for.
pub const MONTHLY: [usize; 2] = [0, 1];
/// Months before and after the index in the monthly series.
pub const MONTHS_BEFORE: i32 = 24;
/// Months after the index in the monthly series.
pub const MONTHS_AFTER: i32 = 12;
const MONTH_DAYS: f64 = 365.25 / 12.0;

/// One person's outcomes in the two windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    /// Days at risk before and after.
    pub days: [f64; 2],
    /// Per outcome: value before and after (events, £, or the risk score in per cent).
    pub values: Vec<[f64; 2]>,
    /// What the risk score's change counts for: 0 where the person has no score on the last
    /// day of the year after (dead, not registered, beyond the data, or a control's
    /// follow-up ended by their own MDT), else the follow-up weight of that day.
    pub score_weight: f64,
    /// Died within 365 days after the index: the weight of the day of death (0 if alive).
    pub death_within_year: f64,
    /// Per month from -24 to +11 (36 months): days at risk and events of the `MONTHLY`
    /// outcomes.
    pub monthly_days: Vec<f64>,
    /// Per month: events of the `MONTHLY` outcomes.
    pub monthly_events: Vec<[f64; 2]>,
}

/// The days in [from, to] on which the person was registered and alive and the data
/// cover (`span`: the data start and the end of follow-up), as intervals.
fn at_risk(history: &History<'_>, from: i32, to: i32, span: (i32, i32)) -> Vec<(i32, i32)> {
    let (data_start, end) = span;
    let last = history
        .person
        .death_day
        .map_or(to, |d| to.min(d - 1))
        .min(end);
    history
        .registrations
        .iter()
        .filter_map(|r| {
            let (a, b) = (r.start.max(from).max(data_start), r.end.min(last));
            (a <= b).then_some((a, b))
        })
        .collect()
}

/// Days in the intervals, each counted at its weight.
fn length(intervals: &[(i32, i32)], weights: &FollowUpWeights) -> f64 {
    intervals
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .map(|day| weights.on(day))
        .sum()
}

/// Days at risk in the window after `index` (as [`windows`] bounds it), each counted once.
pub fn days_after(
    history: &History<'_>,
    index: i32,
    include_index_day: bool,
    span: (i32, i32),
) -> f64 {
    let post_start = if include_index_day { index } else { index + 1 };
    length(
        &at_risk(history, post_start, post_start + 364, span),
        &FollowUpWeights::default(),
    )
}

impl Windows {
    /// The risk score (probabilities) on the covariate day and on the last day of the year
    /// after, where the person was scored then, with that day's follow-up weight.
    pub fn set_risk_scores(&mut self, before: f64, after: Option<(f64, f64)>) {
        match after {
            Some((after, weight)) => {
                self.values[RISK_SCORE] = [100.0 * before, 100.0 * after];
                self.score_weight = weight;
            }
            None => {
                self.values[RISK_SCORE] = [0.0; 2];
                self.score_weight = 0.0;
            }
        }
    }

    /// Counts everything before the index `factor` times: the days, values and monthly
    /// series of the window before.
    pub fn weigh_before(&mut self, factor: f64) {
        self.days[0] *= factor;
        // A score is a level, not a count over the days followed: both of its days count
        // at `score_weight`.
        for (value, outcome) in self.values.iter_mut().zip(&OUTCOMES) {
            if outcome.kind != Kind::Score {
                value[0] *= factor;
            }
        }
        let before = MONTHS_BEFORE as usize;
        for days in &mut self.monthly_days[..before] {
            *days *= factor;
        }
        for events in &mut self.monthly_events[..before] {
            for e in events {
                *e *= factor;
            }
        }
    }
}

/// Outcomes of a person around `index`, within `span`: from the data start (days before it
/// are not at risk: their events are not in the data) to the end of follow-up (the extract
/// date, or the end of a control's follow-up). Every day and event counts at its weight (1
/// but for controls' inverse probability of censoring weights after the index month).
pub fn windows(
    history: &History<'_>,
    index: i32,
    include_index_day: bool,
    span: (i32, i32),
    weights: &FollowUpWeights,
) -> Windows {
    let end = span.1;
    let post_start = if include_index_day { index } else { index + 1 };
    let ranges = [(index - 365, index - 1), (post_start, post_start + 364)];
    let mut days = [0.0; 2];
    let mut values = vec![[0.0; 2]; OUTCOMES.len()];
    for (w, &(from, to)) in ranges.iter().enumerate() {
        let intervals = at_risk(history, from, to, span);
        days[w] = length(&intervals, weights);
        for &(a, b) in &intervals {
            for event in history.events_starting(a, b) {
                let weight = weights.on(event.start);
                for (o, outcome) in OUTCOMES.iter().enumerate() {
                    if outcome.counts(event.setting) {
                        values[o][w] += weight
                            * match outcome.kind {
                                Kind::Count => 1.0,
                                Kind::Cost => event.cost,
                                Kind::Score => 0.0,
                            };
                    }
                }
            }
        }
    }
    let months = (MONTHS_BEFORE + MONTHS_AFTER) as usize;
    let mut monthly_days = vec![0.0; months];
    let mut monthly_events = vec![[0.0; 2]; months];
    let month_of = |offset: i32| -> Option<usize> {
        // Offsets -1, -2, ... fall in month -1; +1, +2, ... in month 0 (the index day is
        // left out of both, as in the main windows).
        let m = if offset < 0 {
            -((f64::from(-offset) - 1.0) / MONTH_DAYS).floor() as i32 - 1
        } else if offset > 0 {
            ((f64::from(offset) - 1.0) / MONTH_DAYS).floor() as i32
        } else {
            return None;
        };
        (-MONTHS_BEFORE..MONTHS_AFTER)
            .contains(&m)
            .then(|| (m + MONTHS_BEFORE) as usize)
    };
    let monthly_span = (
        index - (f64::from(MONTHS_BEFORE) * MONTH_DAYS).ceil() as i32,
        index + (f64::from(MONTHS_AFTER) * MONTH_DAYS).ceil() as i32,
    );
    for (a, b) in at_risk(history, monthly_span.0, monthly_span.1, span) {
        for day in a..=b {
            if let Some(m) = month_of(day - index) {
                monthly_days[m] += weights.on(day);
            }
        }
        for event in history.events_starting(a, b) {
            if let Some(m) = month_of(event.start - index) {
                for (slot, &o) in MONTHLY.iter().enumerate() {
                    if OUTCOMES[o].counts(event.setting) {
                        monthly_events[m][slot] += weights.on(event.start);
                    }
                }
            }
        }
    }
    Windows {
        days,
        values,
        score_weight: 0.0,
        death_within_year: history
            .person
            .death_day
            .filter(|&d| d > index && d <= index + 365 && d <= end)
            .map_or(0.0, |d| weights.on(d)),
        monthly_days,
        monthly_events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighing_the_year_before_leaves_the_year_after_alone() {
        let months = (MONTHS_BEFORE + MONTHS_AFTER) as usize;
        let mut w = Windows {
            days: [365.0, 200.0],
            values: vec![[4.0, 2.0]; OUTCOMES.len()],
            score_weight: 1.0,
            death_within_year: 0.0,
            monthly_days: vec![30.0; months],
            monthly_events: vec![[1.0, 2.0]; months],
        };
        w.weigh_before(0.5);
        assert_eq!(w.days, [182.5, 200.0]);
        for (o, value) in w.values.iter().enumerate() {
            // The risk score is a level, not a count over the days: it is not weighed.
            let expected = if o == RISK_SCORE {
                [4.0, 2.0]
            } else {
                [2.0, 2.0]
            };
            assert_eq!(*value, expected, "{}", OUTCOMES[o].name);
        }
        let before = MONTHS_BEFORE as usize;
        assert!(w.monthly_days[..before].iter().all(|&d| d == 15.0));
        assert!(w.monthly_days[before..].iter().all(|&d| d == 30.0));
        assert!(w.monthly_events[..before].iter().all(|e| *e == [0.5, 1.0]));
        assert!(w.monthly_events[before..].iter().all(|e| *e == [1.0, 2.0]));
    }
}
