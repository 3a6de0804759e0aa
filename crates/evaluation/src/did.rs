//! The difference-in-differences estimators: a Poisson model of counts with a log
//! person-time offset, saturated in arm × period (log μ = β0 + β1·post + β2·treated +
//! β3·post×treated + log(person-time)), whose β3 is the ratio of rate ratios, with a
//! cluster-robust (by matched set) sandwich variance; and the pair bootstrap, which resamples
//! whole matched sets. Costs use the same cells with people in place of person-time, so that
//! their "rate" is the mean per person and the absolute difference is the difference in mean
//! differences.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Cells of the 2 × 2 design, in this order.
pub const CONTROL_PRE: usize = 0;
pub const CONTROL_POST: usize = 1;
pub const TREATED_PRE: usize = 2;
pub const TREATED_POST: usize = 3;

/// Design rows of the cells: intercept, post, treated, post × treated.
const DESIGN: [[f64; 4]; 4] = [
    [1.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 0.0, 0.0],
    [1.0, 0.0, 1.0, 0.0],
    [1.0, 1.0, 1.0, 1.0],
];

/// One person-window: its matched set, cell, count, person-time and matching weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub cluster: usize,
    pub cell: usize,
    pub count: f64,
    pub time: f64,
    pub weight: f64,
}

/// Weighted counts and person-time in each cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cells {
    pub counts: [f64; 4],
    pub times: [f64; 4],
}

impl Cells {
    pub fn add(&mut self, other: &Cells) {
        for c in 0..4 {
            self.counts[c] += other.counts[c];
            self.times[c] += other.times[c];
        }
    }

    pub fn rate(&self, cell: usize) -> f64 {
        self.counts[cell] / self.times[cell]
    }

    /// (treated post / treated pre) / (control post / control pre).
    pub fn ratio_of_rate_ratios(&self) -> f64 {
        self.treated_ratio() / self.control_ratio()
    }

    pub fn treated_ratio(&self) -> f64 {
        self.rate(TREATED_POST) / self.rate(TREATED_PRE)
    }

    pub fn control_ratio(&self) -> f64 {
        self.rate(CONTROL_POST) / self.rate(CONTROL_PRE)
    }

    /// The treated's post rate less what it would have been had it moved as the controls'
    /// did (marginal standardisation to the treated): per unit of time.
    pub fn absolute_change(&self) -> f64 {
        self.rate(TREATED_POST) - self.rate(TREATED_PRE) * self.control_ratio()
    }

    /// The difference in differences of the rates (for costs: of the means per person).
    pub fn difference_in_differences(&self) -> f64 {
        (self.rate(TREATED_POST) - self.rate(TREATED_PRE))
            - (self.rate(CONTROL_POST) - self.rate(CONTROL_PRE))
    }
}

/// β3 with its cluster-robust standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RobustFit {
    /// All four coefficients: intercept, post, treated, post × treated.
    pub coefficients: [f64; 4],
    pub standard_errors: [f64; 4],
    pub clusters: usize,
    pub observations: usize,
}

/// Why the model has no estimate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DidError {
    #[error("no events in the {0} cell: the rate ratio is not defined")]
    EmptyCell(&'static str),
    #[error("fewer than two matched sets")]
    TooFewClusters,
    #[error("the negative binomial model did not converge")]
    NotConverged,
}

fn cell_name(cell: usize) -> &'static str {
    ["control pre", "control post", "treated pre", "treated post"][cell]
}

/// Weighted counts and person-time in each cell; an error names an empty cell.
fn filled_cells(observations: &[Observation]) -> Result<Cells, DidError> {
    let mut cells = Cells::default();
    for o in observations {
        cells.counts[o.cell] += o.weight * o.count;
        cells.times[o.cell] += o.weight * o.time;
    }
    match (0..4).find(|&c| cells.counts[c] <= 0.0 || cells.times[c] <= 0.0) {
        Some(c) => Err(DidError::EmptyCell(cell_name(c))),
        None => Ok(cells),
    }
}

/// The saturated Poisson fit with the sandwich variance clustered by matched set, with the
/// small-sample factor G/(G - 1) × (N - 1)/(N - K) of Stata, statsmodels and `sandwich`'s HC1.
pub fn poisson_did(observations: &[Observation]) -> Result<RobustFit, DidError> {
    let cells = filled_cells(observations)?;
    let log_rates: Vec<f64> = (0..4).map(|c| cells.rate(c).ln()).collect();
    let coefficients = [
        log_rates[CONTROL_PRE],
        log_rates[CONTROL_POST] - log_rates[CONTROL_PRE],
        log_rates[TREATED_PRE] - log_rates[CONTROL_PRE],
        log_rates[TREATED_POST] - log_rates[TREATED_PRE] - log_rates[CONTROL_POST]
            + log_rates[CONTROL_PRE],
    ];
    // The information: Σ w μ x x', which for a saturated fit is Σ_cells (fitted count) x x'.
    let mut information = [[0.0; 4]; 4];
    for (c, row) in DESIGN.iter().enumerate() {
        for i in 0..4 {
            for j in 0..4 {
                information[i][j] += cells.counts[c] * row[i] * row[j];
            }
        }
    }
    let rates: Vec<f64> = (0..4).map(|c| cells.rate(c)).collect();
    // Score residuals summed within each cluster.
    let scores = cluster_scores(observations, |o| {
        let residual = o.weight * (o.count - o.time * rates[o.cell]);
        DESIGN[o.cell].map(|x| x * residual)
    });
    let groups = scores.len();
    let covariance = cluster_sandwich(information, &scores, observations.len())?;
    let standard_errors = std::array::from_fn(|i| covariance[i][i].max(0.0).sqrt());
    Ok(RobustFit {
        coefficients,
        standard_errors,
        clusters: groups,
        observations: observations.len(),
    })
}

fn multiply<const N: usize>(a: &[[f64; N]; N], b: &[[f64; N]; N]) -> [[f64; N]; N] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..N).map(|k| a[i][k] * b[k][j]).sum()))
}

/// Gauss-Jordan inverse with partial pivoting; `None` when singular.
fn invert<const N: usize>(mut a: [[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut inverse: [[f64; N]; N] =
        std::array::from_fn(|i| std::array::from_fn(|j| f64::from(u8::from(i == j))));
    for col in 0..N {
        let pivot = (col..N).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        inverse.swap(col, pivot);
        let p = a[col][col];
        for j in 0..N {
            a[col][j] /= p;
            inverse[col][j] /= p;
        }
        for row in 0..N {
            if row != col {
                let f = a[row][col];
                for j in 0..N {
                    a[row][j] -= f * a[col][j];
                    inverse[row][j] -= f * inverse[col][j];
                }
            }
        }
    }
    Some(inverse)
}

/// The cluster-robust sandwich H⁻¹ (Σ_g S_g S_g') H⁻¹ with the small-sample factor
/// G/(G - 1) × (N - 1)/(N - K), from the Hessian (or information: the sign cancels) and the
/// per-cluster score sums; K is the number of parameters.
fn cluster_sandwich<const N: usize>(
    hessian: [[f64; N]; N],
    scores: &[[f64; N]],
    observations: usize,
) -> Result<[[f64; N]; N], DidError> {
    let groups = scores.len();
    if groups < 2 {
        return Err(DidError::TooFewClusters);
    }
    let inverse = invert(hessian).ok_or(DidError::EmptyCell("design"))?;
    let mut meat = [[0.0; N]; N];
    for s in scores {
        for i in 0..N {
            for j in 0..N {
                meat[i][j] += s[i] * s[j];
            }
        }
    }
    let (g, n, k) = (groups as f64, observations as f64, N as f64);
    let factor = g / (g - 1.0) * (n - 1.0) / (n - k);
    let covariance = multiply(&multiply(&inverse, &meat), &inverse);
    Ok(std::array::from_fn(|i| {
        std::array::from_fn(|j| factor * covariance[i][j])
    }))
}

/// Score sums per cluster, for the clusters that have observations.
fn cluster_scores<const N: usize>(
    observations: &[Observation],
    score: impl Fn(&Observation) -> [f64; N],
) -> Vec<[f64; N]> {
    let clusters = observations
        .iter()
        .map(|o| o.cluster + 1)
        .max()
        .unwrap_or(0);
    let mut sums: Vec<Option<[f64; N]>> = vec![None; clusters];
    for o in observations {
        let s = score(o);
        let sum = sums[o.cluster].get_or_insert([0.0; N]);
        for k in 0..N {
            sum[k] += s[k];
        }
    }
    sums.into_iter().flatten().collect()
}

/// The negative binomial (NB2) sensitivity model: the same design with variance
/// μ + α μ², fitted by maximum likelihood for β and α together (Newton's method with the
/// observed Hessian, from the Poisson fit), and the cluster-robust sandwich over all five
/// parameters, as statsmodels' `NegativeBinomial(...).fit(cov_type="cluster")` computes it.
/// Counts may be weighted (non-integer): the log-likelihood uses the gamma function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NegativeBinomialFit {
    pub coefficients: [f64; 4],
    pub standard_errors: [f64; 4],
    /// The overdispersion α (0 is Poisson).
    pub alpha: f64,
}

/// Log-likelihood, score and Hessian of one NB2 observation in (β, α), times its weight.
fn nb_terms(o: &Observation, beta: &[f64; 4], alpha: f64) -> (f64, [f64; 5], [[f64; 5]; 5]) {
    use statrs::function::gamma::{digamma, ln_gamma};
    let x = DESIGN[o.cell];
    let eta: f64 = (0..4).map(|k| x[k] * beta[k]).sum::<f64>() + o.time.ln();
    let (mu, y, a, w) = (eta.exp(), o.count, alpha, o.weight);
    let r = 1.0 / a;
    let am = 1.0 + a * mu;
    let log_likelihood =
        ln_gamma(y + r) - ln_gamma(r) - ln_gamma(y + 1.0) + y * (a * mu).ln() - (y + r) * am.ln();
    let d_eta = (y - mu) / am;
    let big_a = am.ln() - digamma(y + r) + digamma(r);
    let d_alpha = big_a / (a * a) + (y - mu) / (a * am);
    let h_eta = -mu * (1.0 + a * y) / (am * am);
    let h_eta_alpha = -(y - mu) * mu / (am * am);
    let h_alpha = (mu / am + (trigamma(y + r) - trigamma(r)) / (a * a)) / (a * a)
        - 2.0 * big_a / (a * a * a)
        - (y - mu) * (1.0 + 2.0 * a * mu) / (a * a * am * am);
    let mut score = [0.0; 5];
    let mut hessian = [[0.0; 5]; 5];
    for i in 0..4 {
        score[i] = w * x[i] * d_eta;
        for j in 0..4 {
            hessian[i][j] = w * x[i] * x[j] * h_eta;
        }
        hessian[i][4] = w * x[i] * h_eta_alpha;
        hessian[4][i] = hessian[i][4];
    }
    score[4] = w * d_alpha;
    hessian[4][4] = w * h_alpha;
    (w * log_likelihood, score, hessian)
}

/// ψ'(x), by the recurrence up to 10 and the asymptotic series beyond (its next term is
/// under 1e-12 there).
fn trigamma(mut x: f64) -> f64 {
    let mut sum = 0.0;
    while x < 10.0 {
        sum += 1.0 / (x * x);
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    sum + 1.0 / x + z / 2.0 + z / x * (1.0 / 6.0 - z * (1.0 / 30.0 - z * (1.0 / 42.0 - z / 30.0)))
}

/// The sums of [`nb_terms`] over the observations, added in order (the same answer for the
/// same data, whatever the threads).
fn nb_totals(
    observations: &[Observation],
    beta: &[f64; 4],
    alpha: f64,
) -> (f64, [f64; 5], [[f64; 5]; 5]) {
    let terms: Vec<(f64, [f64; 5], [[f64; 5]; 5])> = observations
        .par_iter()
        .map(|o| nb_terms(o, beta, alpha))
        .collect();
    let mut total = (0.0, [0.0; 5], [[0.0; 5]; 5]);
    for (l, s, h) in terms {
        total.0 += l;
        for (sum, value) in total.1.iter_mut().zip(s) {
            *sum += value;
        }
        for (sums, row) in total.2.iter_mut().zip(h) {
            for (sum, value) in sums.iter_mut().zip(row) {
                *sum += value;
            }
        }
    }
    total
}

/// Fits the NB2 model; see [`NegativeBinomialFit`].
pub fn negative_binomial_did(
    observations: &[Observation],
) -> Result<NegativeBinomialFit, DidError> {
    let start = poisson_did(observations)?;
    let mut beta = start.coefficients;
    // α from the moments of the Poisson fit: Σ ((y - μ)² - y) / Σ μ², floored.
    let (mut num, mut den) = (0.0, 0.0);
    for o in observations {
        let eta: f64 = (0..4).map(|k| DESIGN[o.cell][k] * beta[k]).sum::<f64>();
        let mu = o.time * eta.exp();
        num += o.weight * ((o.count - mu).powi(2) - o.count);
        den += o.weight * mu * mu;
    }
    let mut alpha = (num / den).max(0.01);
    let (mut log_likelihood, mut score, mut hessian) = nb_totals(observations, &beta, alpha);
    let mut converged = false;
    for _ in 0..200 {
        let inverse = invert(hessian).ok_or(DidError::NotConverged)?;
        let mut step: [f64; 5] =
            std::array::from_fn(|i| -(0..5).map(|j| inverse[i][j] * score[j]).sum::<f64>());
        // The Newton decrement: how much the log-likelihood would still rise.
        let mut decrement = (0..5).map(|i| step[i] * score[i]).sum::<f64>();
        if decrement <= 0.0 || !decrement.is_finite() {
            // Far from the maximum the Hessian need not be negative definite, and Newton's
            // step can point downhill: climb the gradient, scaled by the Hessian's diagonal.
            step = std::array::from_fn(|i| score[i] / hessian[i][i].abs().max(1e-12));
            decrement = (0..5).map(|i| step[i] * score[i]).sum::<f64>();
        }
        let scale_of_likelihood = log_likelihood.abs().max(1.0);
        if decrement.abs() < 1e-20 * scale_of_likelihood {
            converged = true;
            break;
        }
        // Halve the step until the likelihood rises and α stays positive.
        let mut scale = 1.0;
        let mut accepted = false;
        while scale > 1e-10 && !accepted {
            let trial_beta: [f64; 4] = std::array::from_fn(|i| beta[i] + scale * step[i]);
            let trial_alpha = alpha + scale * step[4];
            if trial_alpha > 0.0 {
                let trial = nb_totals(observations, &trial_beta, trial_alpha);
                if trial.0.is_finite() && trial.0 >= log_likelihood {
                    (beta, alpha) = (trial_beta, trial_alpha);
                    (log_likelihood, score, hessian) = trial;
                    accepted = true;
                }
            }
            scale /= 2.0;
        }
        if !accepted {
            // No step raises the likelihood in floating point: at the maximum if the
            // decrement is tiny, stuck if not.
            converged = decrement.abs() < 1e-9 * scale_of_likelihood;
            break;
        }
    }
    if !converged {
        return Err(DidError::NotConverged);
    }
    let scores = cluster_scores(observations, |o| nb_terms(o, &beta, alpha).1);
    let covariance = cluster_sandwich(hessian, &scores, observations.len())?;
    Ok(NegativeBinomialFit {
        coefficients: beta,
        standard_errors: std::array::from_fn(|i| covariance[i][i].max(0.0).sqrt()),
        alpha,
    })
}

/// Pair (matched-set) bootstrap: `replicates` resamples of the clusters with replacement,
/// seeded; each replicate's cell sums for every outcome. `clusters[g][o]` holds cluster g's
/// cells for outcome o.
pub fn bootstrap(clusters: &[Vec<Cells>], replicates: usize, seed: u64) -> Vec<Vec<Cells>> {
    let outcomes = clusters.first().map_or(0, Vec::len);
    (0..replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(r as u64);
            let mut sums = vec![Cells::default(); outcomes];
            for _ in 0..clusters.len() {
                let g = rng.random_range(0..clusters.len());
                for (sum, cells) in sums.iter_mut().zip(&clusters[g]) {
                    sum.add(cells);
                }
            }
            sums
        })
        .collect()
}

/// The 2.5th and 97.5th percentiles (R's type 7) of the finite values; `None` if fewer than
/// 20 are finite.
pub fn percentile_interval(values: &mut Vec<f64>) -> Option<(f64, f64)> {
    values.retain(|v| v.is_finite());
    if values.len() < 20 {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let h = (values.len() - 1) as f64 * p;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        values[lo] + (h - lo as f64) * (values[hi] - values[lo])
    };
    Some((at(0.025), at(0.975)))
}

/// The two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saturated_fit_reproduces_the_ratio_of_rate_ratios() {
        // Two clusters, each a treated and a control person, with pre and post windows.
        let obs = |cluster, cell, count, time| Observation {
            cluster,
            cell,
            count,
            time,
            weight: 1.0,
        };
        let observations = [
            obs(0, TREATED_PRE, 4.0, 1.0),
            obs(0, TREATED_POST, 2.0, 1.0),
            obs(0, CONTROL_PRE, 3.0, 1.0),
            obs(0, CONTROL_POST, 2.0, 0.5),
            obs(1, TREATED_PRE, 6.0, 1.0),
            obs(1, TREATED_POST, 3.0, 1.0),
            obs(1, CONTROL_PRE, 1.0, 1.0),
            obs(1, CONTROL_POST, 1.0, 1.0),
        ];
        let fit = poisson_did(&observations).unwrap();
        let expected = ((5.0f64 / 2.0) / (10.0 / 2.0)) / ((3.0 / 1.5) / (4.0 / 2.0));
        assert!((fit.coefficients[3].exp() - expected).abs() < 1e-12);
        assert!(
            fit.standard_errors
                .iter()
                .all(|s| s.is_finite() && *s >= 0.0)
        );
        assert_eq!(fit.clusters, 2);
    }

    /// statsmodels 0.14: `NegativeBinomial(count, X, offset=log(days), loglike_method="nb2")
    /// .fit(method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": cluster})`
    /// on these 48 rows gives these parameters (β then α) and standard errors.
    #[test]
    fn the_negative_binomial_fit_matches_statsmodels() {
        let counts = [
            0, 3, 1, 7, 2, 0, 5, 1, 9, 4, 0, 2, 6, 1, 3, 0, 8, 2, 1, 5, 0, 4, 2, 11, 3, 1, 0, 6, 2,
            7, 1, 0, 4, 3, 10, 2, 0, 1, 5, 2, 3, 8, 1, 0, 6, 2, 4, 1,
        ];
        let days = [
            365, 365, 300, 365, 365, 200, 365, 365, 365, 365, 365, 120, 365, 365, 365, 365,
        ];
        let observations: Vec<Observation> = (0..48)
            .map(|i| Observation {
                cluster: i / 4,
                cell: i % 4,
                count: f64::from(counts[i]),
                time: f64::from(days[i % 16]),
                weight: 1.0,
            })
            .collect();
        let fit = negative_binomial_did(&observations).unwrap();
        let params = [-4.62360389, -0.06435187, -0.20012213, 0.39580788];
        let errors = [0.26011343, 0.39016278, 0.45078298, 0.67431429];
        for k in 0..4 {
            assert!((fit.coefficients[k] - params[k]).abs() < 1e-6, "{fit:?}");
            assert!((fit.standard_errors[k] - errors[k]).abs() < 1e-6, "{fit:?}");
        }
        assert!((fit.alpha - 0.65919235).abs() < 1e-6, "{fit:?}");
    }

    #[test]
    fn trigamma_matches_known_values() {
        // ψ'(1) = π²/6, ψ'(1/2) = π²/2.
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-12);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-12);
    }

    #[test]
    fn an_empty_cell_is_named() {
        let observations = [Observation {
            cluster: 0,
            cell: TREATED_PRE,
            count: 1.0,
            time: 1.0,
            weight: 1.0,
        }];
        assert_eq!(
            poisson_did(&observations),
            Err(DidError::EmptyCell("control pre"))
        );
    }

    #[test]
    fn bootstrap_is_seeded_and_resamples_whole_clusters() {
        let cluster = |t: f64| {
            vec![Cells {
                counts: [1.0, 1.0, t, 1.0],
                times: [1.0; 4],
            }]
        };
        let clusters = vec![cluster(1.0), cluster(2.0), cluster(3.0)];
        let a = bootstrap(&clusters, 50, 7);
        let b = bootstrap(&clusters, 50, 7);
        assert_eq!(a, b);
        for replicate in &a {
            assert_eq!(replicate[0].times, [3.0; 4]);
            assert!((3.0..=9.0).contains(&replicate[0].counts[TREATED_PRE]));
        }
    }

    #[test]
    fn percentiles_follow_r_type_7() {
        let mut values: Vec<f64> = (1..=101).map(f64::from).collect();
        let (lo, hi) = percentile_interval(&mut values).unwrap();
        assert!((lo - 3.5).abs() < 1e-12 && (hi - 98.5).abs() < 1e-12);
    }

    #[test]
    fn p_values_match_the_normal_distribution() {
        let p = two_sided_p(1.959_963_984_540_054);
        assert!((p - 0.05).abs() < 1e-9, "{p}");
        assert!((two_sided_p(0.0) - 1.0).abs() < 1e-15);
        assert!((two_sided_p(3.290_526_731_491_926) - 0.001).abs() < 1e-12);
    }
}
