//! How good a risk score is, measured as docs/methods.md lists for the model card:
//! discrimination (AUC with the DeLong 95% interval as pROC computes it; average precision,
//! the step-wise area under the precision-recall curve that scikit-learn reports), overall
//! accuracy (Brier and scaled Brier with the observed prevalence, not PatientLevelPrediction's
//! mean prediction), calibration (intercept with logit p as offset, and slope), observed
//! against expected by decile, and what flagging the top fraction of the list yields.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::logistic::{Design, fit_logistic};
use crate::{Result, RiskError, count_events};

/// The area under the ROC curve with its DeLong standard error and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Auc {
    /// The area under the ROC curve.
    pub auc: f64,
    /// Its DeLong standard error.
    pub standard_error: f64,
    /// The 95% interval's lower end.
    pub lower: f64,
    /// The 95% interval's upper end.
    pub upper: f64,
}

/// Calibration-in-the-large (intercept with logit p as offset) and the calibration slope
/// (of logit p in `y ~ logit p`), each with a Wald 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Calibration-in-the-large (0 is perfect).
    pub intercept: f64,
    /// Its 95% interval's lower end.
    pub intercept_lower: f64,
    /// Its 95% interval's upper end.
    pub intercept_upper: f64,
    /// The calibration slope (1 is perfect).
    pub slope: f64,
    /// Its 95% interval's lower end.
    pub slope_lower: f64,
    /// Its 95% interval's upper end.
    pub slope_upper: f64,
}

/// One tenth of the list, ordered by predicted risk (decile 1 lowest).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    /// The decile, 1 the lowest risk.
    pub decile: u8,
    /// People in it.
    pub n: usize,
    /// Their mean predicted risk.
    pub mean_predicted: f64,
    /// Of them, people who had the outcome.
    pub observed: usize,
    /// The outcomes the model expected (the sum of predicted risks).
    pub expected: f64,
    /// Observed over expected.
    pub observed_over_expected: f64,
}

/// What flagging the top `fraction` of the list yields.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopFraction {
    /// The share flagged, 0-1.
    pub fraction: f64,
    /// People flagged.
    pub flagged: usize,
    /// The lowest score flagged.
    pub cut_off: f64,
    /// Of them, people who had the outcome.
    pub events: usize,
    /// Positive predictive value: events over people flagged.
    pub ppv: f64,
    /// Sensitivity: events flagged over all events.
    pub sensitivity: f64,
    /// PPV over prevalence.
    pub lift: f64,
    /// Observed over expected among the people flagged.
    pub observed_over_expected: f64,
}

/// One point of the ROC curve: flagging everyone scored at or above `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// The score flagged at or above.
    pub threshold: f64,
    /// The share of non-events flagged.
    pub false_positive_rate: f64,
    /// The share of events flagged.
    pub true_positive_rate: f64,
}

/// People whose predicted risk lies in [from, to), with how many had the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreBand {
    /// The band's least risk.
    pub from: f64,
    /// The band's upper bound (not included).
    pub to: f64,
    /// People in the band.
    pub n: usize,
    /// Of them, people who had the outcome.
    pub events: usize,
}

/// The edges of the score distribution's bands: risks of emergency admission are mostly
/// small, so the bands are narrow at the bottom.
pub const SCORE_BANDS: [f64; 10] = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0];

/// Everything the model card reports about one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// People scored.
    pub n: usize,
    /// Of them, people who had the outcome.
    pub events: usize,
    /// Events over people.
    pub prevalence: f64,
    /// The mean predicted risk.
    pub mean_predicted: f64,
    /// Discrimination: the area under the ROC curve.
    pub auc: Auc,
    /// The average precision (area under the precision-recall curve).
    pub average_precision: f64,
    /// The Brier score.
    pub brier: f64,
    /// 1 − Brier / (ȳ(1 − ȳ)) with the observed prevalence ȳ.
    pub scaled_brier: f64,
    /// Calibration-in-the-large and the calibration slope.
    pub calibration: Calibration,
    /// Observed and expected by decile of risk.
    pub deciles: Vec<DecileRow>,
    /// What flagging the top 1%, 2%, 5%, ... would yield.
    pub top: Vec<TopFraction>,
    /// The ROC curve, thinned to about `ROC_POINTS` points.
    pub roc: Vec<RocPoint>,
    /// People and events by band of predicted risk.
    pub distribution: Vec<ScoreBand>,
}

/// Points kept on the ROC curve.
pub const ROC_POINTS: usize = 200;

/// The fractions of the list the model card reports.
pub const TOP_FRACTIONS: [f64; 4] = [0.005, 0.01, 0.02, 0.05];

const Z95: f64 = 1.959_963_984_540_054;

fn check(predicted: &[f64], outcomes: &[f64]) -> Result<usize> {
    if predicted.is_empty() {
        return Err(RiskError::Empty);
    }
    if predicted.len() != outcomes.len() {
        return Err(RiskError::Length {
            what: "outcomes",
            rows: outcomes.len(),
            expected: predicted.len(),
        });
    }
    if let Some(row) = predicted.iter().position(|p| !p.is_finite()) {
        return Err(RiskError::NotFinite { row });
    }
    count_events(outcomes)
}

/// The numbers of events and non-events, checked as `check` does, where there are both.
fn both_classes(scores: &[f64], outcomes: &[f64]) -> Result<(usize, usize)> {
    let events = check(scores, outcomes)?;
    let non_events = scores.len() - events;
    if events == 0 || non_events == 0 {
        return Err(RiskError::OneClass {
            value: u8::from(events > 0),
        });
    }
    Ok((events, non_events))
}

/// Midranks (1-based, ties share their mean rank) of `values`.
fn midranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// AUC of `scores` (higher means more likely an event) with DeLong's variance, computed
/// by midranks (Sun and Xu 2014), and pROC's interval: normal, clipped to [0, 1].
pub fn auc_delong(scores: &[f64], outcomes: &[f64]) -> Result<Auc> {
    let (events, non_events) = both_classes(scores, outcomes)?;
    let (m, n) = (events as f64, non_events as f64);
    let cases: Vec<f64> = scores
        .iter()
        .zip(outcomes)
        .filter(|(_, y)| **y == 1.0)
        .map(|(s, _)| *s)
        .collect();
    let controls: Vec<f64> = scores
        .iter()
        .zip(outcomes)
        .filter(|(_, y)| **y == 0.0)
        .map(|(s, _)| *s)
        .collect();
    let all = midranks(&[cases.as_slice(), controls.as_slice()].concat());
    let within_cases = midranks(&cases);
    let within_controls = midranks(&controls);
    // V10: for each case, the share of controls it outranks; V01: for each control, the
    // share of cases that outrank it.
    let v10: Vec<f64> = (0..events)
        .map(|i| (all[i] - within_cases[i]) / n)
        .collect();
    let v01: Vec<f64> = (0..non_events)
        .map(|j| 1.0 - (all[events + j] - within_controls[j]) / m)
        .collect();
    let auc = v10.iter().sum::<f64>() / m;
    let variance_of = |v: &[f64]| {
        if v.len() < 2 {
            0.0
        } else {
            v.iter().map(|x| (x - auc).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)
        }
    };
    let variance = variance_of(&v10) / m + variance_of(&v01) / n;
    let standard_error = variance.sqrt();
    Ok(Auc {
        auc,
        standard_error,
        lower: (auc - Z95 * standard_error).max(0.0),
        upper: (auc + Z95 * standard_error).min(1.0),
    })
}

/// Each distinct score, highest first, with the events (true positives) and non-events
/// (false positives) scored at or above it. `scores` must not be empty.
fn thresholds(scores: &[f64], outcomes: &[f64]) -> Vec<(f64, usize, usize)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut steps: Vec<(f64, usize, usize)> = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    for &row in &order {
        if outcomes[row] == 1.0 {
            tp += 1;
        } else {
            fp += 1;
        }
        match steps.last_mut() {
            Some(step) if step.0 == scores[row] => *step = (step.0, tp, fp),
            _ => steps.push((scores[row], tp, fp)),
        }
    }
    steps
}

/// The ROC curve at every distinct threshold, highest first, thinned so that consecutive
/// kept points are at least 1/`points` apart on either axis (the ends are always kept).
pub fn roc_curve(scores: &[f64], outcomes: &[f64], points: usize) -> Result<Vec<RocPoint>> {
    let (events, non_events) = both_classes(scores, outcomes)?;
    let gap = 1.0 / points.max(1) as f64;
    let steps = thresholds(scores, outcomes);
    let last_step = steps.len() - 1;
    let mut curve = vec![RocPoint {
        threshold: steps[0].0,
        false_positive_rate: 0.0,
        true_positive_rate: 0.0,
    }];
    for (k, &(threshold, tp, fp)) in steps.iter().enumerate() {
        let point = RocPoint {
            threshold,
            false_positive_rate: fp as f64 / non_events as f64,
            true_positive_rate: tp as f64 / events as f64,
        };
        let last = curve[curve.len() - 1];
        if k == last_step
            || point.false_positive_rate - last.false_positive_rate >= gap
            || point.true_positive_rate - last.true_positive_rate >= gap
        {
            curve.push(point);
        }
    }
    Ok(curve)
}

/// People and events in each band of predicted risk (`SCORE_BANDS`).
pub fn score_distribution(predicted: &[f64], outcomes: &[f64]) -> Result<Vec<ScoreBand>> {
    check(predicted, outcomes)?;
    let mut bands: Vec<ScoreBand> = SCORE_BANDS
        .windows(2)
        .map(|w| ScoreBand {
            from: w[0],
            to: w[1],
            n: 0,
            events: 0,
        })
        .collect();
    let last = bands.len() - 1;
    for (p, y) in predicted.iter().zip(outcomes) {
        let band = SCORE_BANDS[1..]
            .partition_point(|edge| *edge <= *p)
            .min(last);
        bands[band].n += 1;
        if *y == 1.0 {
            bands[band].events += 1;
        }
    }
    Ok(bands)
}

/// Average precision: Σ (Rₖ − Rₖ₋₁) Pₖ over distinct thresholds, highest first, as
/// scikit-learn's `average_precision_score` computes it.
pub fn average_precision(scores: &[f64], outcomes: &[f64]) -> Result<f64> {
    let events = check(scores, outcomes)?;
    if events == 0 {
        return Err(RiskError::OneClass { value: 0 });
    }
    let (mut recall_before, mut ap) = (0.0, 0.0);
    for (_, tp, fp) in thresholds(scores, outcomes) {
        let recall = tp as f64 / events as f64;
        ap += (recall - recall_before) * tp as f64 / (tp + fp) as f64;
        recall_before = recall;
    }
    Ok(ap)
}

/// The Brier score and the scaled Brier score (with the observed prevalence).
pub fn brier(predicted: &[f64], outcomes: &[f64]) -> Result<(f64, f64)> {
    let events = check(predicted, outcomes)?;
    let n = predicted.len() as f64;
    let score = predicted
        .iter()
        .zip(outcomes)
        .map(|(p, y)| (p - y).powi(2))
        .sum::<f64>()
        / n;
    let prevalence = events as f64 / n;
    let reference = prevalence * (1.0 - prevalence);
    let scaled = if reference > 0.0 {
        1.0 - score / reference
    } else {
        f64::NAN
    };
    Ok((score, scaled))
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

/// Calibration-in-the-large and slope, each by its own logistic model: `y ~ 1 +
/// offset(logit p)` for the intercept, `y ~ 1 + logit p` for the slope.
pub fn calibration(predicted: &[f64], outcomes: &[f64]) -> Result<Calibration> {
    check(predicted, outcomes)?;
    let logits: Vec<f64> = predicted.iter().map(|p| logit(*p)).collect();
    let ones = Design::from_values(vec!["intercept".into()], vec![1.0; predicted.len()])?;
    let large = fit_logistic(&ones, outcomes, Some(&logits))?;
    let slope_design = Design::from_values(
        vec!["intercept".into(), "logit_p".into()],
        logits.iter().flat_map(|l| [1.0, *l]).collect(),
    )?;
    let weak = fit_logistic(&slope_design, outcomes, None)?;
    let (a, a_se) = (large.coefficients[0], large.standard_errors[0]);
    let (b, b_se) = (weak.coefficients[1], weak.standard_errors[1]);
    Ok(Calibration {
        intercept: a,
        intercept_lower: a - Z95 * a_se,
        intercept_upper: a + Z95 * a_se,
        slope: b,
        slope_lower: b - Z95 * b_se,
        slope_upper: b + Z95 * b_se,
    })
}

/// Observed and expected events in ten equal groups by predicted risk (ties kept in input
/// order), decile 1 the lowest.
pub fn deciles(predicted: &[f64], outcomes: &[f64]) -> Result<Vec<DecileRow>> {
    check(predicted, outcomes)?;
    let mut order: Vec<usize> = (0..predicted.len()).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]));
    let n = order.len();
    Ok((0..10)
        .filter_map(|d| {
            let rows = &order[d * n / 10..(d + 1) * n / 10];
            if rows.is_empty() {
                return None;
            }
            let observed = rows.iter().filter(|&&r| outcomes[r] == 1.0).count();
            let expected: f64 = rows.iter().map(|&r| predicted[r]).sum();
            Some(DecileRow {
                decile: d as u8 + 1,
                n: rows.len(),
                mean_predicted: expected / rows.len() as f64,
                observed,
                expected,
                observed_over_expected: observed as f64 / expected,
            })
        })
        .collect())
}

/// The list in case-finding order: highest score first, ties in a random order drawn from
/// `seed` (so that the cut falls the same way every run).
pub fn ranking(scores: &[f64], seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let keys: Vec<u64> = (0..scores.len()).map(|_| rng.random()).collect();
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then_with(|| keys[a].cmp(&keys[b]))
    });
    order
}

/// How many of `n` people the top `fraction` flags: ⌈fraction × n⌉, at least one.
pub fn flagged_count(n: usize, fraction: f64) -> usize {
    ((fraction * n as f64).ceil() as usize).clamp(1, n.max(1))
}

/// What flagging the top `fraction` of the list yields.
pub fn top_fraction(
    predicted: &[f64],
    outcomes: &[f64],
    order: &[usize],
    fraction: f64,
) -> Result<TopFraction> {
    let events = check(predicted, outcomes)?;
    let flagged = flagged_count(predicted.len(), fraction);
    let rows = &order[..flagged];
    let hits = rows.iter().filter(|&&r| outcomes[r] == 1.0).count();
    let expected: f64 = rows.iter().map(|&r| predicted[r]).sum();
    let prevalence = events as f64 / predicted.len() as f64;
    let ppv = hits as f64 / flagged as f64;
    Ok(TopFraction {
        fraction,
        flagged,
        cut_off: predicted[rows[flagged - 1]],
        events: hits,
        ppv,
        sensitivity: if events > 0 {
            hits as f64 / events as f64
        } else {
            f64::NAN
        },
        lift: ppv / prevalence,
        observed_over_expected: hits as f64 / expected,
    })
}

/// Every measure of the model card for one set of predictions. `seed` breaks ties at the
/// case-finding cuts.
pub fn evaluate(predicted: &[f64], outcomes: &[f64], seed: u64) -> Result<Performance> {
    let events = check(predicted, outcomes)?;
    let n = predicted.len();
    let (brier_score, scaled_brier) = brier(predicted, outcomes)?;
    let order = ranking(predicted, seed);
    let mean_predicted = predicted.iter().sum::<f64>() / n as f64;
    Ok(Performance {
        n,
        events,
        prevalence: events as f64 / n as f64,
        mean_predicted,
        auc: auc_delong(predicted, outcomes)?,
        average_precision: average_precision(predicted, outcomes)?,
        brier: brier_score,
        scaled_brier,
        calibration: calibration(predicted, outcomes)?,
        deciles: deciles(predicted, outcomes)?,
        top: TOP_FRACTIONS
            .iter()
            .map(|f| top_fraction(predicted, outcomes, &order, *f))
            .collect::<Result<_>>()?,
        roc: roc_curve(predicted, outcomes, ROC_POINTS)?,
        distribution: score_distribution(predicted, outcomes)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The AUC by its definition: the share of (case, control) pairs ordered correctly,
    /// ties counting half.
    fn pairwise_auc(scores: &[f64], outcomes: &[f64]) -> f64 {
        let (mut sum, mut pairs) = (0.0, 0.0);
        for (i, yi) in outcomes.iter().enumerate() {
            for (j, yj) in outcomes.iter().enumerate() {
                if *yi == 1.0 && *yj == 0.0 {
                    pairs += 1.0;
                    sum += if scores[i] > scores[j] {
                        1.0
                    } else if scores[i] == scores[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        sum / pairs
    }

    /// DeLong's variance by its definition (structural components from pairs).
    fn pairwise_delong_variance(scores: &[f64], outcomes: &[f64]) -> f64 {
        let psi = |x: f64, y: f64| {
            if x > y {
                1.0
            } else if x == y {
                0.5
            } else {
                0.0
            }
        };
        let cases: Vec<f64> = (0..scores.len())
            .filter(|&i| outcomes[i] == 1.0)
            .map(|i| scores[i])
            .collect();
        let controls: Vec<f64> = (0..scores.len())
            .filter(|&i| outcomes[i] == 0.0)
            .map(|i| scores[i])
            .collect();
        let (m, n) = (cases.len() as f64, controls.len() as f64);
        let v10: Vec<f64> = cases
            .iter()
            .map(|x| controls.iter().map(|y| psi(*x, *y)).sum::<f64>() / n)
            .collect();
        let v01: Vec<f64> = controls
            .iter()
            .map(|y| cases.iter().map(|x| psi(*x, *y)).sum::<f64>() / m)
            .collect();
        let auc = v10.iter().sum::<f64>() / m;
        let s10 = v10.iter().map(|v| (v - auc).powi(2)).sum::<f64>() / (m - 1.0);
        let s01 = v01.iter().map(|v| (v - auc).powi(2)).sum::<f64>() / (n - 1.0);
        s10 / m + s01 / n
    }

    #[test]
    fn hanley_mcneil_example_auc() {
        // Hanley and McNeil (1982), table 1: ratings 1-5 of 58 normal and 51 abnormal CT
        // images; the trapezoidal area is 0.893.
        let normal = [33, 6, 6, 11, 2];
        let abnormal = [3, 2, 2, 11, 33];
        let mut scores = Vec::new();
        let mut outcomes = Vec::new();
        for rating in 0..5 {
            for _ in 0..normal[rating] {
                scores.push(rating as f64 + 1.0);
                outcomes.push(0.0);
            }
            for _ in 0..abnormal[rating] {
                scores.push(rating as f64 + 1.0);
                outcomes.push(1.0);
            }
        }
        let auc = auc_delong(&scores, &outcomes).unwrap();
        assert!((auc.auc - 0.893).abs() < 5e-4, "{}", auc.auc);
        assert!(auc.lower < auc.auc && auc.auc < auc.upper);
    }

    #[test]
    fn perfect_and_useless_scores() {
        let y = [0.0, 0.0, 1.0, 1.0];
        assert_eq!(auc_delong(&[0.1, 0.2, 0.8, 0.9], &y).unwrap().auc, 1.0);
        assert_eq!(auc_delong(&[0.5; 4], &y).unwrap().auc, 0.5);
        assert_eq!(average_precision(&[0.1, 0.2, 0.8, 0.9], &y).unwrap(), 1.0);
        // All tied: one threshold, precision = prevalence.
        assert_eq!(average_precision(&[0.5; 4], &y).unwrap(), 0.5);
    }

    #[test]
    fn average_precision_matches_scikit_learns_docstring_example() {
        // sklearn.metrics.average_precision_score: y = [0, 0, 1, 1],
        // scores = [0.1, 0.4, 0.35, 0.8] → 0.8333…
        let ap = average_precision(&[0.1, 0.4, 0.35, 0.8], &[0.0, 0.0, 1.0, 1.0]).unwrap();
        assert!((ap - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn brier_and_scaled_brier() {
        let (b, scaled) = brier(&[0.5, 0.5, 0.5, 0.5], &[1.0, 0.0, 1.0, 0.0]).unwrap();
        assert_eq!(b, 0.25);
        assert!(scaled.abs() < 1e-15);
        let (b, scaled) = brier(&[1.0, 0.0], &[1.0, 0.0]).unwrap();
        assert_eq!((b, scaled), (0.0, 1.0));
    }

    #[test]
    fn well_calibrated_predictions_have_intercept_zero_and_slope_one() {
        // Groups of 100 at p = 0.1, 0.3, 0.5, 0.7, 0.9 with exactly that many events.
        let mut p = Vec::new();
        let mut y = Vec::new();
        for k in [1, 3, 5, 7, 9] {
            for i in 0..100 {
                p.push(k as f64 / 10.0);
                y.push(f64::from(u8::from(i < k * 10)));
            }
        }
        let c = calibration(&p, &y).unwrap();
        assert!(c.intercept.abs() < 1e-9, "{c:?}");
        assert!((c.slope - 1.0).abs() < 1e-9, "{c:?}");
        let rows = deciles(&p, &y).unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows.iter().map(|r| r.n).sum::<usize>(), 500);
        assert_eq!(rows.iter().map(|r| r.observed).sum::<usize>(), 250);
    }

    #[test]
    fn top_fraction_counts_flagged_people_and_breaks_ties_reproducibly() {
        let p = [0.9, 0.8, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1];
        let y = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let order = ranking(&p, 7);
        assert_eq!(&order[..2], &[0, 1]);
        assert_eq!(order, ranking(&p, 7));
        let top = top_fraction(&p, &y, &order, 0.2).unwrap();
        assert_eq!((top.flagged, top.events, top.cut_off), (2, 1, 0.8));
        assert!((top.ppv - 0.5).abs() < 1e-12);
        assert!((top.sensitivity - 1.0 / 3.0).abs() < 1e-12);
        assert!((top.lift - 0.5 / 0.3).abs() < 1e-12);
        assert_eq!(flagged_count(250_000, 0.005), 1250);
        assert_eq!(flagged_count(10, 0.001), 1);
    }

    #[test]
    fn roc_curve_runs_from_corner_to_corner_and_bands_hold_everyone() {
        let p = [0.9, 0.8, 0.5, 0.5, 0.3, 0.005];
        let y = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let roc = roc_curve(&p, &y, 1000).unwrap();
        assert_eq!(
            (roc[0].false_positive_rate, roc[0].true_positive_rate),
            (0.0, 0.0)
        );
        let end = roc[roc.len() - 1];
        assert_eq!(
            (end.false_positive_rate, end.true_positive_rate),
            (1.0, 1.0)
        );
        // The trapezoids under the full curve are the AUC.
        let area: f64 = roc
            .windows(2)
            .map(|w| {
                (w[1].false_positive_rate - w[0].false_positive_rate)
                    * (w[1].true_positive_rate + w[0].true_positive_rate)
                    / 2.0
            })
            .sum();
        assert!((area - auc_delong(&p, &y).unwrap().auc).abs() < 1e-12);
        let bands = score_distribution(&p, &y).unwrap();
        assert_eq!(bands.iter().map(|b| b.n).sum::<usize>(), 6);
        assert_eq!(bands[0].n, 1);
        assert_eq!(bands.last().unwrap().n, 2);
        assert_eq!(bands.iter().map(|b| b.events).sum::<usize>(), 3);
    }

    proptest! {
        #[test]
        fn midrank_auc_and_variance_equal_the_pairwise_definitions(
            rows in proptest::collection::vec((0u8..6, proptest::bool::ANY), 4..60)
        ) {
            let scores: Vec<f64> = rows.iter().map(|(s, _)| f64::from(*s)).collect();
            let outcomes: Vec<f64> = rows.iter().map(|(_, y)| f64::from(u8::from(*y))).collect();
            let events = outcomes.iter().filter(|y| **y == 1.0).count();
            prop_assume!(events >= 2 && events + 2 <= outcomes.len());
            let auc = auc_delong(&scores, &outcomes).unwrap();
            prop_assert!((auc.auc - pairwise_auc(&scores, &outcomes)).abs() < 1e-12);
            let variance = pairwise_delong_variance(&scores, &outcomes);
            prop_assert!((auc.standard_error.powi(2) - variance).abs() < 1e-12);
        }
    }
}
