//! Inverse probability of censoring weights for controls who are discussed later.
//!
//! A control is someone not yet discussed in the index month. Some are discussed in the
//! following year, and from then on they are no longer controls: their follow-up ends at the
//! start of that month. Who is discussed next is not chance: case finding picks the people
//! whose use has just risen, so the controls who stay are those whose use fell, and their
//! plain rate after the index would be too low (the estimate biased towards harm, and deaths
//! missing from the control arm). The weights undo that (Robins and Finkelstein 2000; Hernán
//! and Robins, *Causal Inference: What If*, 12.6 and 17.4): a pooled logistic model of "first
//! discussed this month" on each control's covariates at the start of every month of
//! follow-up gives the probability of having stayed a control so far, and each control's
//! days and events in a month count 1 / that probability. Treated people are never censored.

use accord_cohort::at::person_at;
use accord_cohort::{Histories, PersonAt};
use accord_risk::RiskModel;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::candidates::{Candidates, measure_all, month_start};
use crate::propensity::fit_propensity;

/// Months of follow-up after the index month that weights are modelled for.
const FOLLOW_UP_MONTHS: usize = 13;

/// Weights above this are cut to it, so that no control-month outweighs a small group.
pub const WEIGHT_CAP: f64 = 20.0;

/// A step function of the day: the weight of a control's days and events from each
/// month start on; 1 before the first step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowUpWeights {
    steps: Vec<(i32, f64)>,
}

impl FollowUpWeights {
    /// The weight of `day`.
    pub fn on(&self, day: i32) -> f64 {
        self.steps
            .iter()
            .rev()
            .find(|(from, _)| *from <= day)
            .map_or(1.0, |(_, w)| *w)
    }
}

/// What the censoring model did, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CensoringReport {
    /// Controls the model was fitted on: the matched ones and those of the wider matching.
    #[serde(default)]
    pub controls: usize,
    /// The ratio of the wider matching whose controls joined the fit, when one ran (it runs
    /// only when asked for a ratio above the matching's own).
    #[serde(default)]
    pub wider_ratio: Option<usize>,
    /// Control-months the model was fitted on, and how many ended in a first discussion.
    pub control_months: usize,
    /// Of them, those that ended in a first discussion.
    pub discussed: usize,
    /// Covariates the model left out, with why.
    pub dropped: Vec<String>,
    /// Weights of control-months: mean, largest before the cap, and how many were capped.
    pub mean_weight: f64,
    /// The largest weight before the cap.
    pub max_weight: f64,
    /// Weights capped.
    pub capped: usize,
}

impl CensoringReport {
    /// What the model was fitted on, in words.
    pub fn fitted_on(&self) -> String {
        let controls = match (self.controls, self.wider_ratio) {
            // Saved before the count was kept.
            (0, _) => String::new(),
            (n, None) => format!(" of {n} matched controls"),
            (n, Some(k)) => format!(" of {n} controls (those of a 1:{k} matching)"),
        };
        format!(
            "{} control-months{controls}, {} ending in a first MDT",
            self.control_months, self.discussed
        )
    }
}

/// One control in one month of follow-up.
struct ControlMonth {
    control: usize,
    start: i32,
    discussed: bool,
}

/// The model is fitted on every control in `controls` (its row in `candidates` and its
/// inherited index day); the weights returned are those of the first `weighted` (the
/// matched controls), in that order, with what the model did.
pub fn censoring_weights(
    histories: &Histories,
    risk: &RiskModel,
    candidates: &Candidates,
    controls: &[(usize, i32)],
    weighted: usize,
) -> (Vec<FollowUpWeights>, CensoringReport) {
    let months: Vec<ControlMonth> = controls
        .iter()
        .enumerate()
        .flat_map(|(i, &(r, index))| {
            let row = candidates.rows[r];
            let first = row.later_mdt;
            let mut start = month_start(index);
            let mut panel = Vec::new();
            for _ in 0..FOLLOW_UP_MONTHS {
                start = month_start(start + 40);
                if start > index + 365 || start > histories.extract_day {
                    break;
                }
                let end = month_start(start + 40) - 1;
                let discussed = first.is_some_and(|d| (start..=end).contains(&d));
                panel.push(ControlMonth {
                    control: i,
                    start,
                    discussed,
                });
                if discussed {
                    break;
                }
            }
            panel
        })
        .collect();
    // Covariates on the day before each month, as the propensity model measures them.
    let measured: Vec<(usize, PersonAt)> = months
        .par_iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let person = candidates.rows[controls[m.control].0].person as usize;
            person_at(&histories.history(person), m.start - 1).map(|p| (i, p))
        })
        .collect();
    let (alive, people): (Vec<usize>, Vec<PersonAt>) = measured.into_iter().unzip();
    let scores = risk.score(&people, histories);
    let columns = candidates.covariates.len();
    let mut values = Vec::with_capacity(alive.len() * columns);
    for ((&i, person), score) in alive.iter().zip(&people).zip(scores) {
        let day = months[i].start - 1;
        let history = histories.history(person.person);
        values.extend(
            measure_all(&candidates.covariates, person, &history, day, score).map(f64::from),
        );
    }
    let outcome: Vec<bool> = alive.iter().map(|&i| months[i].discussed).collect();
    let names: Vec<String> = candidates
        .covariates
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let mut report = CensoringReport {
        controls: controls.len(),
        control_months: alive.len(),
        discussed: outcome.iter().filter(|&&d| d).count(),
        ..CensoringReport::default()
    };
    let hazard: Vec<f64> = if report.discussed == 0 {
        vec![0.0; alive.len()]
    } else {
        match fit_propensity(
            &names,
            alive.len(),
            &outcome,
            |r, c| values[r * columns + c],
            None,
        ) {
            Ok(model) => {
                report.dropped = model.dropped.clone();
                (0..alive.len())
                    .map(|r| {
                        let eta = model.logit(|c| values[r * columns + c]);
                        1.0 / (1.0 + (-eta).exp())
                    })
                    .collect()
            }
            Err(e) => {
                report.dropped = vec![format!("the censoring model could not be fitted: {e}")];
                vec![0.0; alive.len()]
            }
        }
    };
    let weighted = weighted.min(controls.len());
    let mut weights = vec![FollowUpWeights::default(); weighted];
    let mut survival = vec![1.0f64; weighted];
    let (mut sum, mut n) = (0.0, 0usize);
    for (&i, p) in alive.iter().zip(hazard) {
        let m = &months[i];
        if m.control >= weighted {
            continue;
        }
        survival[m.control] *= 1.0 - p;
        if m.discussed {
            continue;
        }
        let raw = 1.0 / survival[m.control].max(f64::MIN_POSITIVE);
        report.max_weight = report.max_weight.max(raw);
        if raw > WEIGHT_CAP {
            report.capped += 1;
        }
        let w = raw.min(WEIGHT_CAP);
        sum += w;
        n += 1;
        weights[m.control].steps.push((m.start, w));
    }
    report.mean_weight = if n > 0 { sum / n as f64 } else { 1.0 };
    (weights, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_model_was_fitted_on_is_said_in_words() {
        let report = CensoringReport {
            controls: 2_400,
            control_months: 26_000,
            discussed: 240,
            ..CensoringReport::default()
        };
        assert_eq!(
            report.fitted_on(),
            "26000 control-months of 2400 matched controls, 240 ending in a first MDT"
        );
        let wider = CensoringReport {
            wider_ratio: Some(5),
            ..report.clone()
        };
        assert_eq!(
            wider.fitted_on(),
            "26000 control-months of 2400 controls (those of a 1:5 matching), 240 ending in a \
             first MDT"
        );
        let saved_before = CensoringReport {
            controls: 0,
            ..report
        };
        assert_eq!(
            saved_before.fitted_on(),
            "26000 control-months, 240 ending in a first MDT"
        );
    }

    #[test]
    fn a_weight_holds_from_its_month_start_until_the_next() {
        let weights = FollowUpWeights {
            steps: vec![(100, 1.5), (131, 2.5)],
        };
        assert_eq!(weights.on(99), 1.0);
        assert_eq!(weights.on(100), 1.5);
        assert_eq!(weights.on(130), 1.5);
        assert_eq!(weights.on(131), 2.5);
        assert_eq!(weights.on(10_000), 2.5);
        assert_eq!(FollowUpWeights::default().on(100), 1.0);
    }
}
