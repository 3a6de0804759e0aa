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
/// The controls after.
pub const CONTROL_POST: usize = 1;
/// The treated before.
pub const TREATED_PRE: usize = 2;
/// The treated after.
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
    /// The cluster of matched sets it belongs to.
    pub cluster: usize,
    /// The cell of the 2 × 2 design.
    pub cell: usize,
    /// Events (or £).
    pub count: f64,
    /// Person-time.
    pub time: f64,
    /// The matching weight.
    pub weight: f64,
}

/// Weighted counts and person-time in each cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cells {
    /// Weighted events per cell.
    pub counts: [f64; 4],
    /// Weighted person-time per cell.
    pub times: [f64; 4],
}

impl Cells {
    /// Adds another's counts and times.
    pub fn add(&mut self, other: &Cells) {
        for c in 0..4 {
            self.counts[c] += other.counts[c];
            self.times[c] += other.times[c];
        }
    }

    /// A cell's rate: events over time.
    pub fn rate(&self, cell: usize) -> f64 {
        self.counts[cell] / self.times[cell]
    }

    /// (treated post / treated pre) / (control post / control pre).
    pub fn ratio_of_rate_ratios(&self) -> f64 {
        self.treated_ratio() / self.control_ratio()
    }

    /// The treated's post rate over their pre rate.
    pub fn treated_ratio(&self) -> f64 {
        self.rate(TREATED_POST) / self.rate(TREATED_PRE)
    }

    /// The controls' post rate over their pre rate.
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
    /// Their cluster-robust standard errors.
    pub standard_errors: [f64; 4],
    /// Clusters.
    pub clusters: usize,
    /// Observations.
    pub observations: usize,
}

/// Why the model has no estimate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DidError {
    /// A cell with no events.
    #[error("no events in the {0} cell: the rate ratio is not defined")]
    EmptyCell(&'static str),
    /// Fewer than two matched sets.
    #[error("fewer than two matched sets")]
    TooFewClusters,
    /// The fit did not converge.
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
    let scores = cluster_scores(observations, 4, |i, sum| {
        let o = &observations[i];
        let residual = o.weight * (o.count - o.time * rates[o.cell]);
        for (s, x) in sum.iter_mut().zip(DESIGN[o.cell]) {
            *s += x * residual;
        }
    });
    let groups = scores.len();
    let covariance = cluster_sandwich(information.as_flattened(), &scores, observations.len())?;
    let standard_errors = std::array::from_fn(|i| covariance[i * 4 + i].max(0.0).sqrt());
    Ok(RobustFit {
        coefficients,
        standard_errors,
        clusters: groups,
        observations: observations.len(),
    })
}

/// A × B for square matrices of order n, row by row.
fn multiply(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut product = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            for j in 0..n {
                product[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    product
}

/// Gauss-Jordan inverse of a square matrix (row by row) with partial pivoting; `None` when
/// singular.
fn invert(matrix: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut a = matrix.to_vec();
    let mut inverse = vec![0.0; n * n];
    for i in 0..n {
        inverse[i * n + i] = 1.0;
    }
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        for j in 0..n {
            a.swap(col * n + j, pivot * n + j);
            inverse.swap(col * n + j, pivot * n + j);
        }
        let p = a[col * n + col];
        for j in 0..n {
            a[col * n + j] /= p;
            inverse[col * n + j] /= p;
        }
        for row in 0..n {
            if row != col {
                let f = a[row * n + col];
                if f != 0.0 {
                    for j in 0..n {
                        a[row * n + j] -= f * a[col * n + j];
                        inverse[row * n + j] -= f * inverse[col * n + j];
                    }
                }
            }
        }
    }
    Some(inverse)
}

/// The cluster-robust sandwich H⁻¹ (Σ_g S_g S_g') H⁻¹ with the small-sample factor
/// G/(G - 1) × (N - 1)/(N - K), from the Hessian (or information: the sign cancels; row by
/// row) and the per-cluster score sums; K is the number of parameters.
fn cluster_sandwich(
    hessian: &[f64],
    scores: &[Vec<f64>],
    observations: usize,
) -> Result<Vec<f64>, DidError> {
    let groups = scores.len();
    if groups < 2 {
        return Err(DidError::TooFewClusters);
    }
    let n = hessian.len().isqrt();
    let inverse = invert(hessian, n).ok_or(DidError::EmptyCell("design"))?;
    let mut meat = vec![0.0; n * n];
    for s in scores {
        for i in 0..n {
            for j in 0..n {
                meat[i * n + j] += s[i] * s[j];
            }
        }
    }
    let (g, m, k) = (groups as f64, observations as f64, n as f64);
    let factor = g / (g - 1.0) * (m - 1.0) / (m - k);
    let covariance = multiply(&multiply(&inverse, &meat, n), &inverse, n);
    Ok(covariance.into_iter().map(|v| factor * v).collect())
}

/// Score sums per cluster (of length n), for the clusters that have observations;
/// `add_score(i, sum)` adds observation i's score to its cluster's sum.
fn cluster_scores(
    observations: &[Observation],
    n: usize,
    add_score: impl Fn(usize, &mut [f64]),
) -> Vec<Vec<f64>> {
    let clusters = observations
        .iter()
        .map(|o| o.cluster + 1)
        .max()
        .unwrap_or(0);
    let mut sums: Vec<Option<Vec<f64>>> = vec![None; clusters];
    for (i, o) in observations.iter().enumerate() {
        add_score(i, sums[o.cluster].get_or_insert_with(|| vec![0.0; n]));
    }
    sums.into_iter().flatten().collect()
}

/// The negative binomial (NB2) sensitivity model: the same design with variance
/// μ + α μ², fitted by maximum likelihood for β and α together (see
/// [`negative_binomial_did`]), and the cluster-robust sandwich over all five parameters, as
/// statsmodels' `NegativeBinomial(...).fit(cov_type="cluster")` computes it. Counts may be
/// weighted (non-integer): the log-likelihood uses the gamma function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NegativeBinomialFit {
    /// Intercept, post, treated, post × treated.
    pub coefficients: [f64; 4],
    /// Their cluster-robust standard errors.
    pub standard_errors: [f64; 4],
    /// The overdispersion α (0 is Poisson).
    pub alpha: f64,
}

/// Log-likelihood, score and Hessian in (β, α) of the NB2 model: of one observation (times
/// its weight), or summed.
type NbTotals = (f64, [f64; 5], [[f64; 5]; 5]);

/// The smallest α searched. With α μ under 1e-4 the variance is the Poisson's for every
/// purpose (and lnΓ(y + 1/α) − lnΓ(1/α) loses its digits beyond): a maximum there is
/// reported as the Poisson fit.
const ALPHA_FLOOR: f64 = 1e-4;

/// Log-likelihood, score and Hessian of one NB2 observation in (β, α), times its weight.
fn nb_terms(o: &Observation, beta: &[f64; 4], alpha: f64) -> NbTotals {
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

/// The sums of [`nb_terms`] over the observations.
fn nb_totals(observations: &[Observation], beta: &[f64; 4], alpha: f64) -> NbTotals {
    let mut total = (0.0, [0.0; 5], [[0.0; 5]; 5]);
    for (l, s, h) in observations.iter().map(|o| nb_terms(o, beta, alpha)) {
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

/// Newton's method with step halving, maximising a function of N parameters given by
/// `totals` (value, gradient, Hessian) from `start`, where `feasible`. Returns the maximum
/// with its value and Hessian; `None` where a step cannot be found (the Hessian is singular or not
/// negative definite) or 100 steps do not converge.
fn newton<const N: usize>(
    start: [f64; N],
    totals: impl Fn(&[f64; N]) -> (f64, [f64; N], [[f64; N]; N]),
    feasible: impl Fn(&[f64; N]) -> bool,
) -> Option<([f64; N], f64, [[f64; N]; N])> {
    let mut theta = start;
    let (mut value, mut gradient, mut hessian) = totals(&theta);
    for _ in 0..100 {
        let inverse = invert(hessian.as_flattened(), N)?;
        let step: [f64; N] = std::array::from_fn(|i| {
            -(0..N)
                .map(|j| inverse[i * N + j] * gradient[j])
                .sum::<f64>()
        });
        // The Newton decrement: twice how far the value would still rise, were it quadratic.
        let decrement = (0..N).map(|i| step[i] * gradient[i]).sum::<f64>();
        let scale_of_value = value.abs().max(1.0);
        if decrement.abs() < 1e-18 * scale_of_value {
            return Some((theta, value, hessian));
        }
        if decrement < 0.0 || !decrement.is_finite() {
            return None;
        }
        let mut scale = 1.0;
        let mut improved = None;
        while scale > 1e-10 && improved.is_none() {
            let trial: [f64; N] = std::array::from_fn(|i| theta[i] + scale * step[i]);
            if feasible(&trial) {
                let t = totals(&trial);
                if t.0.is_finite() && t.0 > value {
                    improved = Some((trial, t));
                }
            }
            scale /= 2.0;
        }
        match improved {
            Some((trial, t)) => (theta, (value, gradient, hessian)) = (trial, t),
            // No step raises the value in floating point: at the maximum where the decrement
            // is within rounding of it.
            None if decrement < 1e-9 * scale_of_value => return Some((theta, value, hessian)),
            None => return None,
        }
    }
    None
}

/// The NB2 log-likelihood's part that varies with β for a fixed α, with its gradient and
/// Hessian in β: Σ w (y x'β − (y + 1/α) log(1 + α μ)), μ = t exp(x'β). Concave in β (the
/// Hessian is −Σ w μ (1 + α y)/(1 + α μ)² x x'), so Newton's method cannot fail on it;
/// free of the gamma functions, with one logarithm per observation (the cells' rates are
/// computed once).
fn nb_beta_part(
    observations: &[Observation],
    beta: &[f64; 4],
    alpha: f64,
) -> (f64, [f64; 4], [[f64; 4]; 4]) {
    let linear: [f64; 4] = std::array::from_fn(|c| (0..4).map(|k| DESIGN[c][k] * beta[k]).sum());
    let rates = linear.map(f64::exp);
    let mut total = (0.0, [0.0; 4], [[0.0; 4]; 4]);
    for o in observations {
        let x = DESIGN[o.cell];
        let (mu, y, w) = (o.time * rates[o.cell], o.count, o.weight);
        let am = 1.0 + alpha * mu;
        total.0 += w * (y * linear[o.cell] - (y + 1.0 / alpha) * (alpha * mu).ln_1p());
        let d_eta = w * (y - mu) / am;
        let h_eta = -w * mu * (1.0 + alpha * y) / (am * am);
        for i in 0..4 {
            total.1[i] += x[i] * d_eta;
            for j in 0..4 {
                total.2[i][j] += x[i] * x[j] * h_eta;
            }
        }
    }
    total
}

/// The rest of the NB2 log-likelihood but the terms that vary with neither β nor α
/// (Σ w (y log t − lnΓ(y + 1))): Σ w (lnΓ(y + 1/α) − lnΓ(1/α) + y log α), which is 0 for
/// a count of 0.
fn nb_alpha_part(observations: &[Observation], alpha: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let r = 1.0 / alpha;
    let ln_gamma_r = ln_gamma(r);
    observations
        .iter()
        .filter(|o| o.count != 0.0)
        .map(|o| o.weight * (ln_gamma(o.count + r) - ln_gamma_r + o.count * alpha.ln()))
        .sum()
}

/// The profile log-likelihood's maximum over α (β refitted for each α, warm-started): a
/// grid over log α from [`ALPHA_FLOOR`] to 1e4, then golden-section search between the best
/// point's neighbours to 1e-3 in log α. Newton's method over all five parameters at once
/// can wander where the likelihood is flat in α (few matched sets, many zero counts); the
/// profile cannot, and Newton's method finishes from its maximum.
fn nb_profile_maximum(observations: &[Observation], start: [f64; 4]) -> Option<([f64; 4], f64)> {
    const STEPS: usize = 8;
    let mut beta = start;
    let mut profile = |log_alpha: f64| -> Option<(f64, [f64; 4])> {
        let alpha = log_alpha.exp();
        let (fitted, beta_part, _) =
            newton(beta, |b| nb_beta_part(observations, b, alpha), |_| true)?;
        beta = fitted;
        let value = beta_part + nb_alpha_part(observations, alpha);
        Some((value, fitted))
    };
    let (low, high) = (ALPHA_FLOOR.ln(), 1e4_f64.ln());
    let grid: Vec<f64> = (0..=STEPS)
        .map(|k| low + (high - low) * k as f64 / STEPS as f64)
        .collect();
    let mut best = (f64::NEG_INFINITY, 0, start);
    for (k, &t) in grid.iter().enumerate() {
        let (l, b) = profile(t)?;
        if l > best.0 {
            best = (l, k, b);
        }
    }
    let (mut a, mut d) = (
        grid[best.1.saturating_sub(1)],
        grid[(best.1 + 1).min(STEPS)],
    );
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut b, mut c) = (d - ratio * (d - a), a + ratio * (d - a));
    let (mut fb, mut fc) = (profile(b)?, profile(c)?);
    while d - a > 1e-3 {
        if fb.0 >= fc.0 {
            (d, c, fc) = (c, b, fb);
            b = d - ratio * (d - a);
            fb = profile(b)?;
        } else {
            (a, b, fb) = (b, c, fc);
            c = a + ratio * (d - a);
            fc = profile(c)?;
        }
    }
    let (t, (_, fitted)) = if fb.0 >= fc.0 { (b, fb) } else { (c, fc) };
    Some((fitted, t.exp()))
}

/// The observations with the same cell, count and person-time as one, their weights added.
/// The likelihood is a weighted sum over observations, so a fit to these is a fit to all,
/// and much faster: most people are followed a whole year and have few events. (The
/// sandwich's scores are still summed by matched set over the observations themselves.)
fn pooled(observations: &[Observation]) -> Vec<Observation> {
    let mut sorted: Vec<Observation> = observations.to_vec();
    sorted.sort_by(|a, b| {
        (a.cell.cmp(&b.cell))
            .then(a.count.total_cmp(&b.count))
            .then(a.time.total_cmp(&b.time))
    });
    let mut pooled: Vec<Observation> = Vec::new();
    for o in sorted {
        match pooled.last_mut() {
            Some(last) if (last.cell, last.count, last.time) == (o.cell, o.count, o.time) => {
                last.weight += o.weight;
            }
            _ => pooled.push(Observation { cluster: 0, ..o }),
        }
    }
    pooled
}

/// Fits the NB2 model to the observations `poisson` ([`poisson_did`]) was fitted to; see
/// [`NegativeBinomialFit`]. The maximum is found on the profile likelihood from the Poisson
/// coefficients and polished by Newton's method over all five parameters; where α's maximum
/// is at 0 (no overdispersion) the fit is the Poisson model's, with α = 0.
pub fn negative_binomial_did(
    observations: &[Observation],
    poisson: &RobustFit,
) -> Result<NegativeBinomialFit, DidError> {
    let pooled = pooled(observations);
    let (beta, alpha) =
        nb_profile_maximum(&pooled, poisson.coefficients).ok_or(DidError::NotConverged)?;
    if alpha < ALPHA_FLOOR * 1.01 {
        return Ok(NegativeBinomialFit {
            coefficients: poisson.coefficients,
            standard_errors: poisson.standard_errors,
            alpha: 0.0,
        });
    }
    let start: [f64; 5] = std::array::from_fn(|i| if i < 4 { beta[i] } else { alpha });
    let (theta, _, hessian) = newton(
        start,
        |t| nb_totals(&pooled, &[t[0], t[1], t[2], t[3]], t[4]),
        |t| t[4] > 0.0,
    )
    .ok_or(DidError::NotConverged)?;
    let (beta, alpha) = ([theta[0], theta[1], theta[2], theta[3]], theta[4]);
    let scores = cluster_scores(observations, 5, |i, sum| {
        for (s, v) in sum
            .iter_mut()
            .zip(nb_terms(&observations[i], &beta, alpha).1)
        {
            *s += v;
        }
    });
    let covariance = cluster_sandwich(hessian.as_flattened(), &scores, observations.len())?;
    Ok(NegativeBinomialFit {
        coefficients: beta,
        standard_errors: std::array::from_fn(|i| covariance[i * 5 + i].max(0.0).sqrt()),
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

    /// 48 rows of 12 matched pairs (control pre and post, treated pre and post).
    fn forty_eight_rows() -> Vec<Observation> {
        let counts = [
            0, 3, 1, 7, 2, 0, 5, 1, 9, 4, 0, 2, 6, 1, 3, 0, 8, 2, 1, 5, 0, 4, 2, 11, 3, 1, 0, 6, 2,
            7, 1, 0, 4, 3, 10, 2, 0, 1, 5, 2, 3, 8, 1, 0, 6, 2, 4, 1,
        ];
        let days = [
            365, 365, 300, 365, 365, 200, 365, 365, 365, 365, 365, 120, 365, 365, 365, 365,
        ];
        (0..48)
            .map(|i| Observation {
                cluster: i / 4,
                cell: i % 4,
                count: f64::from(counts[i]),
                time: f64::from(days[i % 16]),
                weight: 1.0,
            })
            .collect()
    }

    /// statsmodels 0.14: `NegativeBinomial(count, X, offset=log(days), loglike_method="nb2")
    /// .fit(method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": cluster})`
    /// on these 48 rows gives these parameters (β then α) and standard errors.
    #[test]
    fn the_negative_binomial_fit_matches_statsmodels() {
        let observations = forty_eight_rows();
        let poisson = poisson_did(&observations).unwrap();
        let fit = negative_binomial_did(&observations, &poisson).unwrap();
        let params = [-4.62360389, -0.06435187, -0.20012213, 0.39580788];
        let errors = [0.26011343, 0.39016278, 0.45078298, 0.67431429];
        for k in 0..4 {
            assert!((fit.coefficients[k] - params[k]).abs() < 1e-6, "{fit:?}");
            assert!((fit.standard_errors[k] - errors[k]).abs() < 1e-6, "{fit:?}");
        }
        assert!((fit.alpha - 0.65919235).abs() < 1e-6, "{fit:?}");
    }

    #[test]
    fn without_overdispersion_the_negative_binomial_fit_is_the_poisson_fit() {
        // Counts closer together than a Poisson's: α's maximum is at 0.
        let observations: Vec<Observation> = (0..40)
            .map(|i| Observation {
                cluster: i / 4,
                cell: i % 4,
                count: f64::from(2 + (i % 3 == 0) as u8),
                time: 365.0,
                weight: 1.0,
            })
            .collect();
        let poisson = poisson_did(&observations).unwrap();
        let fit = negative_binomial_did(&observations, &poisson).unwrap();
        assert_eq!(fit.alpha, 0.0);
        assert_eq!(fit.coefficients, poisson.coefficients);
        assert_eq!(fit.standard_errors, poisson.standard_errors);
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
