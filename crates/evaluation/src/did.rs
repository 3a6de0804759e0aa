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
}

fn cell_name(cell: usize) -> &'static str {
    ["control pre", "control post", "treated pre", "treated post"][cell]
}

/// The saturated Poisson fit with the sandwich variance clustered by matched set, with the
/// small-sample factor G/(G - 1) × (N - 1)/(N - K) of Stata, statsmodels and `sandwich`'s HC1.
pub fn poisson_did(observations: &[Observation]) -> Result<RobustFit, DidError> {
    let mut cells = Cells::default();
    let mut clusters = 0;
    for o in observations {
        cells.counts[o.cell] += o.weight * o.count;
        cells.times[o.cell] += o.weight * o.time;
        clusters = clusters.max(o.cluster + 1);
    }
    for c in 0..4 {
        if cells.counts[c] <= 0.0 || cells.times[c] <= 0.0 {
            return Err(DidError::EmptyCell(cell_name(c)));
        }
    }
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
    let inverse = invert(information).ok_or(DidError::EmptyCell("design"))?;
    // Score residuals summed within each cluster.
    let mut scores = vec![[0.0; 4]; clusters];
    let rates: Vec<f64> = (0..4).map(|c| cells.rate(c)).collect();
    for o in observations {
        let residual = o.weight * (o.count - o.time * rates[o.cell]);
        for (k, x) in DESIGN[o.cell].iter().enumerate() {
            scores[o.cluster][k] += x * residual;
        }
    }
    let used: Vec<&[f64; 4]> = scores
        .iter()
        .filter(|s| s.iter().any(|v| *v != 0.0))
        .collect();
    let groups = {
        let mut seen = vec![false; clusters];
        observations.iter().for_each(|o| seen[o.cluster] = true);
        seen.iter().filter(|s| **s).count()
    };
    if groups < 2 {
        return Err(DidError::TooFewClusters);
    }
    let mut meat = [[0.0; 4]; 4];
    for s in used {
        for i in 0..4 {
            for j in 0..4 {
                meat[i][j] += s[i] * s[j];
            }
        }
    }
    let (g, n, k) = (groups as f64, observations.len() as f64, 4.0);
    let factor = g / (g - 1.0) * (n - 1.0) / (n - k);
    let covariance = multiply(&multiply(&inverse, &meat), &inverse);
    let standard_errors = std::array::from_fn(|i| (factor * covariance[i][i]).max(0.0).sqrt());
    Ok(RobustFit {
        coefficients,
        standard_errors,
        clusters: groups,
        observations: observations.len(),
    })
}

fn multiply(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> [[f64; 4]; 4] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..4).map(|k| a[i][k] * b[k][j]).sum()))
}

/// Gauss-Jordan inverse with partial pivoting; `None` when singular.
fn invert(mut a: [[f64; 4]; 4]) -> Option<[[f64; 4]; 4]> {
    let mut inverse: [[f64; 4]; 4] =
        std::array::from_fn(|i| std::array::from_fn(|j| f64::from(u8::from(i == j))));
    for col in 0..4 {
        let pivot = (col..4).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        inverse.swap(col, pivot);
        let p = a[col][col];
        for j in 0..4 {
            a[col][j] /= p;
            inverse[col][j] /= p;
        }
        for row in 0..4 {
            if row != col {
                let f = a[row][col];
                for j in 0..4 {
                    a[row][j] -= f * a[col][j];
                    inverse[row][j] -= f * inverse[col][j];
                }
            }
        }
    }
    Some(inverse)
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
