//! Estimates for one set of matched people: per outcome, the rates in each arm and period,
//! the naive before/after of the treated, the controls' before/after, the matched
//! difference in differences (Poisson with cluster-robust CI and p-value, the pair bootstrap
//! and the negative binomial sensitivity model) and the absolute change; for costs and the
//! risk score, the difference in mean differences.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::did::{
    CONTROL_POST, CONTROL_PRE, Cells, Observation, TREATED_POST, TREATED_PRE, bootstrap,
    negative_binomial_did, percentile_interval, poisson_did, two_sided_p,
};
use crate::outcomes::{Kind, OUTCOMES, Windows};

/// The normal distribution's 97.5% quantile.
const Z_975: f64 = 1.959_963_984_540_054;

/// A figure with its 95% interval, where there is one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The figure.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub estimate: f64,
    /// The 95% interval's lower end.
    pub lower: Option<f64>,
    /// The 95% interval's upper end.
    pub upper: Option<f64>,
}

impl Interval {
    fn of(estimate: f64, bounds: Option<(f64, f64)>) -> Interval {
        Interval {
            estimate,
            lower: bounds.map(|b| b.0),
            upper: bounds.map(|b| b.1),
        }
    }

    /// exp(b) with the 95% interval exp(b ± 1.96 se).
    pub fn from_log(b: f64, se: f64) -> Interval {
        Interval {
            estimate: b.exp(),
            lower: Some((b - Z_975 * se).exp()),
            upper: Some((b + Z_975 * se).exp()),
        }
    }

    /// Whether the interval holds `value`.
    pub fn covers(&self, value: f64) -> bool {
        matches!((self.lower, self.upper), (Some(l), Some(u)) if l <= value && value <= u)
    }
}

/// One outcome's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeResult {
    /// The outcome's name.
    pub name: String,
    /// What it is, in words.
    pub label: String,
    /// A count, a cost or a score.
    pub kind: Kind,
    /// Per 1,000 person-years for counts, £ per person for costs, the mean per cent for the
    /// risk score.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub treated_pre: f64,
    /// The treated's year after.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub treated_post: f64,
    /// The controls' year before.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub control_pre: f64,
    /// The controls' year after.
    #[serde(deserialize_with = "crate::f64_or_nan")]
    pub control_post: f64,
    /// The treated's post / pre: what a naive before/after reports.
    pub naive_ratio: Interval,
    /// The controls' post / pre: the regression to the mean the controls absorb.
    pub control_ratio: Interval,
    /// Counts: the ratio of rate ratios exp(β3) with its cluster-robust 95% CI.
    pub effect_ratio: Option<Interval>,
    /// The same ratio's pair-bootstrap percentile interval.
    pub effect_ratio_bootstrap: Option<(f64, f64)>,
    /// Counts: the ratio from the negative binomial sensitivity model, with its
    /// cluster-robust 95% CI, and the model's overdispersion α.
    #[serde(default)]
    pub effect_ratio_negative_binomial: Option<Interval>,
    /// Counts, where controls discussed later are followed with censoring weights: the
    /// same Poisson ratio with those controls followed through their year instead
    /// (intention to treat, no weights), with its cluster-robust 95% CI. With no effect the
    /// two agree in expectation, so a gap between them is the weights at work; with an
    /// effect this one is drawn towards 1 as far as controls are discussed later.
    #[serde(default)]
    pub effect_ratio_intention_to_treat: Option<Interval>,
    /// Counts, where several matchings were made: how the ratio varied between them. The
    /// ratio above is then their average, and its interval carries that variance.
    #[serde(default)]
    pub over_matchings: Option<OverMatchings>,
    /// Counts: the negative binomial model's overdispersion α (0 is Poisson).
    #[serde(default)]
    pub overdispersion: Option<f64>,
    /// Counts: the two-sided p-value of the ratio of rate ratios.
    pub p_value: Option<f64>,
    /// Counts: the smallest fall this evaluation would be likely to detect, as a ratio of
    /// rate ratios: with the estimate's standard error, a true ratio this far below 1 gives
    /// p < 0.05 (two-sided) in 80% of evaluations like this one (Bloom 1995). A smaller
    /// fall can pass unseen, so "no significant change" means little where this is far
    /// from 1.
    #[serde(default)]
    pub minimum_detectable_ratio: Option<f64>,
    /// Counts: how strong a confounder the matching missed would have to be to explain the
    /// estimate away (VanderWeele and Ding 2017), for the ratio and for its interval.
    #[serde(default)]
    pub e_value: Option<EValue>,
    /// Counts: change per 1,000 person-years against the counterfactual; costs: the
    /// difference in mean differences per person (£); the risk score: the difference in
    /// mean differences in percentage points. Bootstrap interval; for costs and the score
    /// averaged over several matchings, a t interval by Rubin's rules (the first matching's
    /// bootstrap interval is then in `over_matchings`).
    pub absolute: Interval,
    /// Costs: the difference per person times the treated people, £ added (+) or avoided
    /// (-) in their first year.
    pub cohort_total: Option<f64>,
    /// Why a figure is missing, or anything else a reader must know.
    pub note: Option<String>,
}

/// One matched person: their cluster, arm, weight and outcomes.
pub struct Member<'a> {
    /// The cluster of matched sets the person's set belongs to: sets that share a person
    /// (a control in several index months, or a treated person who was a control before
    /// their own MDT) are one cluster, so that clusters are independent.
    pub cluster: usize,
    /// Treated or a control.
    pub treated: bool,
    /// The matching weight.
    pub weight: f64,
    /// Their outcomes before and after.
    pub windows: &'a Windows,
}

/// The E-value of a ratio (VanderWeele and Ding 2017, "Sensitivity analysis in
/// observational research: introducing the E-value"): the smallest risk ratio that a
/// confounder left out of the matching would need with both the MDT and the outcome, beyond
/// the covariates matched on, to move the estimate to 1. The ratio of rate ratios is read as
/// a rate ratio, as the paper reads rate ratios; in a difference in differences such a
/// confounder is one that moves the treated's course after the index, not their level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EValue {
    /// For the ratio itself.
    pub estimate: f64,
    /// For the end of the 95% interval nearest 1: 1 where the interval holds 1.
    pub confidence_limit: f64,
}

impl EValue {
    /// The E-values of `ratio`; None where it has no interval or is not a positive number.
    pub fn of(ratio: &Interval) -> Option<EValue> {
        let (lower, upper) = (ratio.lower?, ratio.upper?);
        let estimate = ratio.estimate;
        if !(estimate > 0.0 && estimate.is_finite() && lower > 0.0 && upper.is_finite()) {
            return None;
        }
        let nearest_one = if estimate >= 1.0 { lower } else { upper };
        let crosses_one = (lower <= 1.0) && (1.0 <= upper);
        Some(EValue {
            estimate: e_value(estimate),
            confidence_limit: if crosses_one {
                1.0
            } else {
                e_value(nearest_one)
            },
        })
    }
}

/// RR + sqrt(RR(RR − 1)) with a ratio below 1 inverted first.
fn e_value(ratio: f64) -> f64 {
    let rr = if ratio < 1.0 { 1.0 / ratio } else { ratio };
    rr + (rr * (rr - 1.0)).sqrt()
}

const PER_THOUSAND_YEARS: f64 = 1000.0 * 365.25;

/// Estimates every outcome for these matched people (`clusters` clusters of matched sets,
/// numbered from 0).
pub fn estimate(
    members: &[Member<'_>],
    clusters: usize,
    treated_people: usize,
    replicates: usize,
    seed: u64,
) -> Vec<OutcomeResult> {
    let (cells, totals) = cells_by_cluster(members, clusters);
    let observations = observations(members);
    let replicates = bootstrap(&cells, replicates, seed);
    // Each outcome's fits (the negative binomial's profile likelihood above all) side by side.
    OUTCOMES
        .par_iter()
        .enumerate()
        .map(|(o, outcome)| {
            let cells = totals[o];
            let scale = match outcome.kind {
                Kind::Count => PER_THOUSAND_YEARS,
                Kind::Cost | Kind::Score => 1.0,
            };
            let interval_of = |statistic: &dyn Fn(&Cells) -> f64| {
                let mut values: Vec<f64> = replicates.iter().map(|r| statistic(&r[o])).collect();
                percentile_interval(&mut values)
            };
            let naive = Interval::of(cells.treated_ratio(), interval_of(&|c| c.treated_ratio()));
            let control = Interval::of(cells.control_ratio(), interval_of(&|c| c.control_ratio()));
            let mut note = None;
            let mut negative_binomial = None;
            let mut minimum_detectable = None;
            let (effect_ratio, effect_ratio_bootstrap, p_value, absolute) = match outcome.kind {
                Kind::Count => {
                    let bootstrap = interval_of(&|c| c.ratio_of_rate_ratios());
                    let absolute = Interval::of(
                        cells.absolute_change() * scale,
                        interval_of(&|c| c.absolute_change() * scale),
                    );
                    match poisson_did(&observations[o]) {
                        Ok(fit) => {
                            // The sensitivity model, where the main one has an estimate.
                            negative_binomial = negative_binomial_did(&observations[o], &fit)
                                .map_err(|e| note = Some(format!("negative binomial: {e}")))
                                .ok();
                            let (b, se) = (fit.coefficients[3], fit.standard_errors[3]);
                            minimum_detectable = Some(minimum_detectable_ratio(se));
                            (
                                Some(Interval::from_log(b, se)),
                                bootstrap,
                                Some(two_sided_p(b / se)),
                                absolute,
                            )
                        }
                        Err(e) => {
                            note = Some(e.to_string());
                            (None, None, None, absolute)
                        }
                    }
                }
                Kind::Cost | Kind::Score => {
                    if outcome.kind == Kind::Score && cells.times[TREATED_POST] == 0.0 {
                        note = Some(
                            "no one discussed was followed to the last day of the year after \
                             (the data end sooner, or they died or left): no score a year on"
                                .into(),
                        );
                    }
                    let statistic = |c: &Cells| c.difference_in_differences();
                    let mut values: Vec<f64> =
                        replicates.iter().map(|r| statistic(&r[o])).collect();
                    let estimate = statistic(&cells);
                    let p = bootstrap_p(estimate, &values);
                    let bounds = percentile_interval(&mut values);
                    (None, None, p, Interval::of(estimate, bounds))
                }
            };
            OutcomeResult {
                name: outcome.name.to_string(),
                label: outcome.label.to_string(),
                kind: outcome.kind,
                treated_pre: cells.rate(TREATED_PRE) * scale,
                treated_post: cells.rate(TREATED_POST) * scale,
                control_pre: cells.rate(CONTROL_PRE) * scale,
                control_post: cells.rate(CONTROL_POST) * scale,
                naive_ratio: naive,
                control_ratio: control,
                effect_ratio,
                effect_ratio_bootstrap,
                effect_ratio_negative_binomial: negative_binomial
                    .map(|fit| Interval::from_log(fit.coefficients[3], fit.standard_errors[3])),
                effect_ratio_intention_to_treat: None,
                over_matchings: None,
                overdispersion: negative_binomial.map(|fit| fit.alpha),
                p_value,
                minimum_detectable_ratio: minimum_detectable,
                e_value: effect_ratio.as_ref().and_then(EValue::of),
                cohort_total: (outcome.kind == Kind::Cost)
                    .then_some(absolute.estimate * treated_people as f64),
                absolute,
                note,
            }
        })
        .collect()
}

/// Cells per cluster per outcome, and their totals per outcome: for counts, events and
/// days; for costs, £ and people; for the risk score, per cent and people scored, each at
/// their score's weight.
fn cells_by_cluster(members: &[Member<'_>], clusters: usize) -> (Vec<Vec<Cells>>, Vec<Cells>) {
    let mut cells = vec![vec![Cells::default(); OUTCOMES.len()]; clusters];
    for m in members {
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            for (w, cell) in cells_of(m).into_iter().enumerate() {
                let (weight, time) = match outcome.kind {
                    Kind::Count => (1.0, m.windows.days[w]),
                    Kind::Cost => (1.0, 1.0),
                    Kind::Score => (m.windows.score_weight, m.windows.score_weight),
                };
                cells[m.cluster][o].counts[cell] += m.weight * weight * m.windows.values[o][w];
                cells[m.cluster][o].times[cell] += m.weight * time;
            }
        }
    }
    let mut totals = vec![Cells::default(); OUTCOMES.len()];
    for cluster in &cells {
        for (t, c) in totals.iter_mut().zip(cluster) {
            t.add(c);
        }
    }
    (cells, totals)
}

/// Each outcome's estimate in one matching, with its standard error, for averaging over
/// matchings: for counts the log of the Poisson ratio of rate ratios with its
/// cluster-robust SE (None where the model cannot be fitted), for costs and the risk score
/// the difference in mean differences with the SD of its pair bootstrap (`replicates`
/// resamples of the `clusters` clusters, seeded; None with fewer than 20 finite).
pub fn matching_estimates(
    members: &[Member<'_>],
    clusters: usize,
    replicates: usize,
    seed: u64,
) -> Vec<Option<(f64, f64)>> {
    let ratios = poisson_log_ratios(members);
    let (cells, totals) = cells_by_cluster(members, clusters);
    let replicates = bootstrap(&cells, replicates, seed);
    OUTCOMES
        .iter()
        .enumerate()
        .map(|(o, outcome)| match outcome.kind {
            Kind::Count => ratios[o],
            Kind::Cost | Kind::Score => {
                let values: Vec<f64> = replicates
                    .iter()
                    .map(|r| r[o].difference_in_differences())
                    .collect();
                let difference = totals[o].difference_in_differences();
                bootstrap_sd(&values)
                    .filter(|_| difference.is_finite())
                    .map(|sd| (difference, sd))
            }
        })
        .collect()
}

/// The ratio below 1 that a two-sided test at 5% detects with 80% power, given the
/// standard error `se` of the log ratio: exp(−(z₀.₉₇₅ + z₀.₈₀)·se) (Bloom 1995, "Minimum
/// detectable effects").
fn minimum_detectable_ratio(se: f64) -> f64 {
    let (z_alpha, z_power) = (Z_975, 0.841_621_233_572_914_3);
    (-(z_alpha + z_power) * se).exp()
}

/// The model cells of a member's pre and post windows.
fn cells_of(m: &Member<'_>) -> [usize; 2] {
    if m.treated {
        [TREATED_PRE, TREATED_POST]
    } else {
        [CONTROL_PRE, CONTROL_POST]
    }
}

/// The Poisson model's observations of each count outcome (none for costs): one per
/// member and window with person-time.
fn observations(members: &[Member<'_>]) -> Vec<Vec<Observation>> {
    let mut observations: Vec<Vec<Observation>> = vec![Vec::new(); OUTCOMES.len()];
    for m in members {
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            if outcome.kind != Kind::Count {
                continue;
            }
            for (w, cell) in cells_of(m).into_iter().enumerate() {
                let time = m.windows.days[w];
                if time > 0.0 {
                    observations[o].push(Observation {
                        cluster: m.cluster,
                        cell,
                        count: m.windows.values[o][w],
                        time,
                        weight: m.weight,
                    });
                }
            }
        }
    }
    observations
}

/// The log of the Poisson ratio of rate ratios and its cluster-robust standard error for
/// each outcome, in `OUTCOMES` order: None for costs and where the model cannot be fitted.
pub fn poisson_log_ratios(members: &[Member<'_>]) -> Vec<Option<(f64, f64)>> {
    observations(members)
        .iter()
        .map(|observations| {
            poisson_did(observations)
                .ok()
                .map(|fit| (fit.coefficients[3], fit.standard_errors[3]))
        })
        .collect()
}

/// How one count's ratio varied between matchings of the same candidates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OverMatchings {
    /// Matchings averaged, each with the propensity model fitted on its own sample of
    /// controls.
    pub matchings: usize,
    /// SD between them of the log ratio (counts) or of the difference (costs, the score).
    pub between_sd: f64,
    /// Rubin's degrees of freedom of the interval; None where the matchings agree exactly
    /// (the normal interval).
    pub degrees_of_freedom: Option<f64>,
    /// The first matching's estimate with its interval, alone: a count's ratio (cluster-
    /// robust interval), or a cost's or the risk score's difference (bootstrap interval).
    pub first_matching: Interval,
}

/// Log ratios with their standard errors, one per matching, combined by Rubin's rules
/// (Rubin 1987, *Multiple Imputation for Nonresponse in Surveys*, 3.1; as for multiply
/// imputed data, each matching is one draw of an arbitrary choice the data do not settle):
/// the mean, the variance W + (1 + 1/M)·B (W the mean within-matching variance, B the
/// variance between matchings) and ν = (M − 1)(1 + W / ((1 + 1/M)·B))² degrees of freedom
/// for a t interval (None where B is 0: the normal one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Combined {
    /// The mean of the estimates: log ratios, or differences.
    pub mean: f64,
    /// Its standard error, within and between matchings.
    pub standard_error: f64,
    /// The t interval's degrees of freedom; none for the normal one.
    pub degrees_of_freedom: Option<f64>,
    /// The standard deviation of the estimates between matchings.
    pub between_sd: f64,
}

impl Combined {
    /// Combines estimates (value, standard error) by Rubin's rules; none for none.
    pub fn of(estimates: &[(f64, f64)]) -> Option<Combined> {
        let m = estimates.len() as f64;
        if estimates.is_empty()
            || estimates
                .iter()
                .any(|(b, se)| !b.is_finite() || !se.is_finite())
        {
            return None;
        }
        let mean = estimates.iter().map(|(b, _)| b).sum::<f64>() / m;
        let within = estimates.iter().map(|(_, se)| se * se).sum::<f64>() / m;
        let between = if estimates.len() > 1 {
            estimates
                .iter()
                .map(|(b, _)| (b - mean).powi(2))
                .sum::<f64>()
                / (m - 1.0)
        } else {
            0.0
        };
        let added = (1.0 + 1.0 / m) * between;
        Some(Combined {
            mean,
            standard_error: (within + added).sqrt(),
            degrees_of_freedom: (added > 0.0).then(|| (m - 1.0) * (1.0 + within / added).powi(2)),
            between_sd: between.sqrt(),
        })
    }

    /// The t distribution of the interval; None for the normal one, which is also used
    /// beyond 100,000 degrees of freedom (matchings that nearly agree): there the t
    /// quantile is within 0.00002 of it, and statrs' inverse can fail to return.
    fn t(&self) -> Option<StudentsT> {
        self.degrees_of_freedom
            .filter(|&df| df < 1e5)
            .and_then(|df| StudentsT::new(0.0, 1.0, df).ok())
    }

    /// The two-sided 97.5% quantile of the interval's distribution. A t quantile is never
    /// below the normal one; at millions of degrees of freedom (matchings that nearly
    /// agree) statrs' inverse can land a little below it, so it is held there.
    fn quantile(&self) -> f64 {
        self.t().map_or(Z_975, |t| t.inverse_cdf(0.975).max(Z_975))
    }

    /// The difference (the estimates averaged were differences) with its 95% interval.
    pub fn difference_interval(&self) -> Interval {
        let (d, half) = (self.mean, self.quantile() * self.standard_error);
        Interval::of(d, Some((d - half, d + half)))
    }

    /// The ratio with its 95% interval.
    pub fn interval(&self) -> Interval {
        let (b, half) = (self.mean, self.quantile() * self.standard_error);
        Interval {
            estimate: b.exp(),
            lower: Some((b - half).exp()),
            upper: Some((b + half).exp()),
        }
    }

    /// The two-sided p-value of a ratio of 1 (of a difference of 0, where the estimates
    /// averaged were differences).
    pub fn p_value(&self) -> f64 {
        let t = self.mean / self.standard_error;
        match self.t() {
            Some(dist) => (2.0 * (1.0 - dist.cdf(t.abs()))).clamp(0.0, 1.0),
            None => two_sided_p(t),
        }
    }
}

impl OutcomeResult {
    /// Replaces the estimate with its average over matchings, `estimates[0]` being this
    /// result's own matching's ([`matching_estimates`]). For a count: its ratio, interval,
    /// p-value, detectable fall and E-value, and its intention-to-treat ratio likewise where
    /// there is one (None where some matching has none, rather than an average over fewer
    /// matchings than the ratio beside it). For a cost or the risk score: the difference in
    /// mean differences, its interval and p-value, and a cost's total for the
    /// `treated_people`.
    pub fn average_over_matchings(
        &mut self,
        estimates: &[(f64, f64)],
        intention_to_treat: &[(f64, f64)],
        treated_people: usize,
    ) {
        if estimates.len() < 2 {
            return;
        }
        let Some(combined) = Combined::of(estimates) else {
            return;
        };
        let first = match self.kind {
            Kind::Count => {
                let Some(first) = self.effect_ratio else {
                    return;
                };
                let ratio = combined.interval();
                self.effect_ratio = Some(ratio);
                self.minimum_detectable_ratio =
                    Some(minimum_detectable_ratio(combined.standard_error));
                self.e_value = EValue::of(&ratio);
                if self.effect_ratio_intention_to_treat.is_some() {
                    self.effect_ratio_intention_to_treat = (intention_to_treat.len()
                        == estimates.len())
                    .then(|| Combined::of(intention_to_treat))
                    .flatten()
                    .map(|c| c.interval());
                }
                first
            }
            Kind::Cost | Kind::Score => {
                let first = self.absolute;
                self.absolute = combined.difference_interval();
                if self.kind == Kind::Cost {
                    self.cohort_total = Some(self.absolute.estimate * treated_people as f64);
                }
                first
            }
        };
        self.p_value = Some(combined.p_value());
        self.over_matchings = Some(OverMatchings {
            matchings: estimates.len(),
            between_sd: combined.between_sd,
            degrees_of_freedom: combined.degrees_of_freedom,
            first_matching: first,
        });
    }
}

/// A two-sided p-value from the bootstrap's standard error (normal approximation).
fn bootstrap_p(estimate: f64, values: &[f64]) -> Option<f64> {
    bootstrap_sd(values).map(|sd| two_sided_p(estimate / sd))
}

/// The SD of the finite bootstrap values: None with fewer than 20 of them, or none apart.
fn bootstrap_sd(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() < 20 {
        return None;
    }
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let sd =
        (finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (finite.len() - 1) as f64).sqrt();
    (sd > 0.0).then_some(sd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ratio(estimate: f64, lower: f64, upper: f64) -> Interval {
        Interval::of(estimate, Some((lower, upper)))
    }

    #[test]
    fn e_values_match_the_worked_examples() {
        // VanderWeele and Ding (2017): breastfeeding and infant death, RR 3.9 (1.8 to 8.7):
        // E-values 7.26 for the estimate and 3.0 for its lower limit.
        let e = EValue::of(&ratio(3.9, 1.8, 8.7)).unwrap();
        assert!((e.estimate - 7.263_034).abs() < 1e-6, "{e:?}");
        assert!((e.confidence_limit - 3.0).abs() < 1e-12, "{e:?}");
        // R's EValue package, evalues.RR(0.80, 0.71, 0.91): 1.809017 and 1.428571.
        let e = EValue::of(&ratio(0.80, 0.71, 0.91)).unwrap();
        assert!((e.estimate - 1.809_017).abs() < 1e-6, "{e:?}");
        assert!((e.confidence_limit - 1.428_571).abs() < 1e-6, "{e:?}");
        // An interval that holds 1 needs no confounding to reach 1.
        assert_eq!(
            EValue::of(&ratio(0.9, 0.7, 1.1)).unwrap().confidence_limit,
            1.0
        );
        assert_eq!(EValue::of(&ratio(1.0, 0.8, 1.2)).unwrap().estimate, 1.0);
        // No interval, or no ratio: no E-value.
        assert_eq!(EValue::of(&Interval::of(0.8, None)), None);
        assert_eq!(EValue::of(&ratio(0.0, 0.0, 0.5)), None);
        assert_eq!(EValue::of(&ratio(f64::NAN, 0.5, 2.0)), None);
    }

    proptest! {
        #[test]
        fn an_e_value_is_symmetric_at_least_the_ratio_and_grows_away_from_1(
            log_ratio in -3.0f64..3.0, step in 0.01f64..1.0,
        ) {
            let (r, further) = (log_ratio.exp(), (log_ratio + step * log_ratio.signum()).exp());
            prop_assert!((e_value(r) - e_value(1.0 / r)).abs() < 1e-9 * e_value(r));
            prop_assert!(e_value(r) >= r.max(1.0 / r));
            prop_assert!(e_value(further) >= e_value(r));
            let e = EValue::of(&ratio(r, r * 0.8, r * 1.25)).unwrap();
            prop_assert!(e.confidence_limit <= e.estimate + 1e-12);
        }
    }

    #[test]
    fn rubins_rules_combine_matchings_into_a_t_interval() {
        // Three matchings, log ratios 0.1, 0.2, 0.3 with SEs 0.1, 0.12, 0.08: W = 0.010267,
        // B = 0.01, T = W + (4/3)B, ν = 2(1 + W/((4/3)B))² = 6.2658; the t quantile, the
        // interval and the p-value as scipy.stats.t gives them (t.ppf(0.975, ν) = 2.421969).
        let c = Combined::of(&[(0.1, 0.1), (0.2, 0.12), (0.3, 0.08)]).unwrap();
        assert!((c.mean - 0.2).abs() < 1e-12);
        assert!((c.standard_error - 0.153_622_914_957_372).abs() < 1e-12);
        assert!((c.degrees_of_freedom.unwrap() - 6.2658).abs() < 1e-9);
        assert!((c.between_sd - 0.1).abs() < 1e-12);
        let i = c.interval();
        assert!(
            (i.lower.unwrap() - 0.841_920_239_128_066_6).abs() < 1e-9,
            "{i:?}"
        );
        assert!(
            (i.upper.unwrap() - 1.771_931_150_136_355_7).abs() < 1e-9,
            "{i:?}"
        );
        assert!((c.p_value() - 0.238_765_976_687_845_35).abs() < 1e-9);
        // One matching, or matchings that agree: the normal interval of one.
        for estimates in [vec![(0.2, 0.1)], vec![(0.2, 0.1), (0.2, 0.1)]] {
            let c = Combined::of(&estimates).unwrap();
            assert_eq!(c.degrees_of_freedom, None);
            assert_eq!(c.interval(), Interval::from_log(0.2, 0.1));
            assert_eq!(c.p_value(), two_sided_p(2.0));
        }
        assert_eq!(Combined::of(&[]), None);
        assert_eq!(Combined::of(&[(f64::NAN, 0.1)]), None);
    }

    proptest! {
        #[test]
        fn matchings_that_disagree_widen_the_interval_of_their_mean(
            b in proptest::collection::vec(-1.0f64..1.0, 2..6), se in 0.01f64..0.5,
        ) {
            let estimates: Vec<(f64, f64)> = b.iter().map(|&b| (b, se)).collect();
            let c = Combined::of(&estimates).unwrap();
            let mean = b.iter().sum::<f64>() / b.len() as f64;
            let alone = Interval::from_log(mean, se);
            let combined = c.interval();
            prop_assert!(combined.lower.unwrap() <= alone.lower.unwrap() + 1e-12);
            prop_assert!(combined.upper.unwrap() >= alone.upper.unwrap() - 1e-12);
            prop_assert!(c.standard_error >= se);
        }
    }

    #[test]
    fn a_cost_difference_is_averaged_over_matchings_on_its_own_scale() {
        // The log-ratio example above times 1,000: differences of £100, £200 and £300 with
        // bootstrap SEs of £100, £120 and £80. The same degrees of freedom and p-value; the
        // interval 200 ± 2.421969 × 153.62, not exponentiated.
        let first = serde_json::json!({"estimate": 100.0, "lower": 80.0, "upper": 120.0});
        let mut cost: OutcomeResult = serde_json::from_value(serde_json::json!({
            "name": "social_care_cost", "label": "adult social care cost", "kind": "cost",
            "treated_pre": 1.0, "treated_post": 1.0, "control_pre": 1.0, "control_post": 1.0,
            "naive_ratio": first, "control_ratio": first, "effect_ratio": null,
            "effect_ratio_bootstrap": null, "p_value": 0.001, "absolute": first,
            "cohort_total": 5000.0, "note": null
        }))
        .unwrap();
        cost.average_over_matchings(&[(100.0, 100.0), (200.0, 120.0), (300.0, 80.0)], &[], 50);
        let a = cost.absolute;
        assert!((a.estimate - 200.0).abs() < 1e-9, "{a:?}");
        let half = 1000.0 * (0.2 - 0.841_920_239_128_066_6_f64.ln());
        assert!((a.lower.unwrap() - (200.0 - half)).abs() < 1e-6, "{a:?}");
        assert!((a.upper.unwrap() - (200.0 + half)).abs() < 1e-6, "{a:?}");
        assert!((cost.p_value.unwrap() - 0.238_765_976_687_845_35).abs() < 1e-9);
        assert_eq!(cost.cohort_total, Some(200.0 * 50.0));
        let over = cost.over_matchings.unwrap();
        assert_eq!((over.matchings, over.first_matching.estimate), (3, 100.0));
        assert!((over.between_sd - 100.0).abs() < 1e-9);
        assert_eq!(cost.effect_ratio, None);
    }

    #[test]
    fn the_minimum_detectable_ratio_is_2_8_standard_errors_below_1_on_the_log_scale() {
        // Bloom (1995): the minimum detectable effect is 2.8 standard errors for a two-sided
        // test at 5% with 80% power.
        assert!((minimum_detectable_ratio(0.1) - (-0.280_158_5_f64).exp()).abs() < 1e-7);
        assert_eq!(minimum_detectable_ratio(0.0), 1.0);
        // Half the standard error (four times the people), a fall half as large on the log
        // scale.
        let (wide, narrow) = (minimum_detectable_ratio(0.2), minimum_detectable_ratio(0.1));
        assert!((wide.ln() - 2.0 * narrow.ln()).abs() < 1e-12);
    }
}
