//! Unpenalised logistic regression by maximum likelihood, fitted by Newton-Raphson
//! (iteratively reweighted least squares) with step-halving, as statsmodels' `Logit` and
//! `GLM(Binomial)` and scikit-learn's `LogisticRegression(penalty=None)` fit it. Standard
//! errors come from the inverse of the observed information at the optimum.
//!
//! Design matrices here are mostly indicator columns, so each row's contribution to the
//! information matrix is accumulated over its non-zero entries only: the sums are the same,
//! and a 250,000-row fit takes a fraction of a second.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Result, RiskError, count_events};

/// Newton steps allowed before the fit is declared not to converge.
const MAX_ITERATIONS: usize = 60;
/// Converged when no coefficient moves by more than this (relative to 1 + |β|).
const TOLERANCE: f64 = 1e-11;
/// Rows per parallel chunk.
const CHUNK_ROWS: usize = 8192;

/// A design matrix: named columns, rows stored one after another. The intercept, where
/// wanted, is a column of ones like any other.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    names: Vec<String>,
    values: Vec<f64>,
}

impl Design {
    /// A design with these columns and no rows.
    pub fn new(names: Vec<String>) -> Design {
        Design {
            names,
            values: Vec::new(),
        }
    }

    /// A design from rows already laid out one after another.
    pub fn from_values(names: Vec<String>, values: Vec<f64>) -> Result<Design> {
        if names.is_empty() || !values.len().is_multiple_of(names.len()) {
            return Err(RiskError::Length {
                what: "design values (a whole number of rows of this many columns)",
                rows: values.len(),
                expected: names.len(),
            });
        }
        Ok(Design { names, values })
    }

    /// Appends a row, which must have one value per column.
    pub fn push_row(&mut self, row: &[f64]) -> Result<()> {
        if row.len() != self.names.len() {
            return Err(RiskError::Length {
                what: "design row",
                rows: row.len(),
                expected: self.names.len(),
            });
        }
        self.values.extend_from_slice(row);
        Ok(())
    }

    /// The column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.names.len()
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.names.len().max(1)
    }

    /// One row.
    pub fn row(&self, index: usize) -> &[f64] {
        let p = self.columns();
        &self.values[index * p..(index + 1) * p]
    }

    /// Every row, in order.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f64]> {
        self.values.chunks_exact(self.columns().max(1))
    }

    /// A new design holding the chosen rows, in the order given.
    pub fn select_rows(&self, rows: &[usize]) -> Design {
        let mut values = Vec::with_capacity(rows.len() * self.columns());
        for &r in rows {
            values.extend_from_slice(self.row(r));
        }
        Design {
            names: self.names.clone(),
            values,
        }
    }
}

/// A fitted logistic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticFit {
    /// Column names, as in the design.
    pub names: Vec<String>,
    /// Coefficients on the log-odds scale.
    pub coefficients: Vec<f64>,
    /// Their standard errors (inverse observed information).
    pub standard_errors: Vec<f64>,
    /// Log-likelihood at the optimum.
    pub log_likelihood: f64,
    /// Newton steps taken.
    pub iterations: usize,
}

impl LogisticFit {
    /// The linear predictor (log-odds) of one row.
    pub fn linear_predictor(&self, row: &[f64]) -> f64 {
        row.iter().zip(&self.coefficients).map(|(x, b)| x * b).sum()
    }

    /// The predicted probability of one row.
    pub fn predict(&self, row: &[f64]) -> f64 {
        logistic(self.linear_predictor(row))
    }

    /// Predicted probabilities for every row of a design.
    pub fn predict_all(&self, design: &Design) -> Vec<f64> {
        design.iter_rows().map(|row| self.predict(row)).collect()
    }

    /// Odds ratio of column `i` with its Wald 95% interval.
    pub fn odds_ratio(&self, i: usize) -> (f64, f64, f64) {
        let b = self.coefficients[i];
        let se = self.standard_errors[i];
        let z = 1.959_963_984_540_054;
        (b.exp(), (b - z * se).exp(), (b + z * se).exp())
    }
}

/// The logistic function, written to stay finite for large |x|.
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^x) without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Gradient, information (upper triangle, row-major p×p) and log-likelihood at `beta`.
struct Pass {
    gradient: Vec<f64>,
    information: Vec<f64>,
    log_likelihood: f64,
}

fn pass(design: &Design, outcomes: &[f64], offset: Option<&[f64]>, beta: &[f64]) -> Pass {
    let p = design.columns();
    let empty = || Pass {
        gradient: vec![0.0; p],
        information: vec![0.0; p * p],
        log_likelihood: 0.0,
    };
    let rows = design.rows();
    let starts: Vec<usize> = (0..rows).step_by(CHUNK_ROWS).collect();
    starts
        .par_iter()
        .map(|&start| {
            let mut acc = empty();
            let mut nonzero: Vec<(usize, f64)> = Vec::with_capacity(p);
            for r in start..(start + CHUNK_ROWS).min(rows) {
                let row = design.row(r);
                nonzero.clear();
                let mut eta = offset.map_or(0.0, |o| o[r]);
                for (j, &x) in row.iter().enumerate() {
                    if x != 0.0 {
                        nonzero.push((j, x));
                        eta += x * beta[j];
                    }
                }
                let mu = logistic(eta);
                let y = outcomes[r];
                acc.log_likelihood += y * eta - softplus(eta);
                let residual = y - mu;
                let weight = mu * (1.0 - mu);
                for (a, &(j, xj)) in nonzero.iter().enumerate() {
                    acc.gradient[j] += xj * residual;
                    let wx = weight * xj;
                    for &(k, xk) in &nonzero[a..] {
                        acc.information[j * p + k] += wx * xk;
                    }
                }
            }
            acc
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.gradient.iter_mut().zip(&b.gradient) {
                *x += y;
            }
            for (x, y) in a.information.iter_mut().zip(&b.information) {
                *x += y;
            }
            a.log_likelihood += b.log_likelihood;
            a
        })
}

/// The lower Cholesky factor of a symmetric matrix given by its upper triangle, or the
/// first column that makes it singular.
fn cholesky(upper: &[f64], p: usize) -> std::result::Result<Vec<f64>, usize> {
    let mut l = vec![0.0; p * p];
    for j in 0..p {
        let mut diagonal = upper[j * p + j];
        for k in 0..j {
            diagonal -= l[j * p + k] * l[j * p + k];
        }
        // Relative to the column's own information, so that scale does not matter.
        if diagonal <= 1e-10 * upper[j * p + j].abs().max(f64::MIN_POSITIVE) {
            return Err(j);
        }
        let root = diagonal.sqrt();
        l[j * p + j] = root;
        for i in j + 1..p {
            let mut value = upper[j * p + i];
            for k in 0..j {
                value -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = value / root;
        }
    }
    Ok(l)
}

/// Solves L Lᵀ x = b.
fn cholesky_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            y[i] -= l[i * p + k] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            y[i] -= l[k * p + i] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    y
}

/// Fits `outcome ~ design (+ offset)` by maximum likelihood.
pub fn fit_logistic(
    design: &Design,
    outcomes: &[f64],
    offset: Option<&[f64]>,
) -> Result<LogisticFit> {
    fit_logistic_from(design, outcomes, offset, None)
}

/// As [`fit_logistic`], with Newton's method started from `start` (one coefficient per
/// column) instead of zero: a fit of nearly the same data (another sample of the same
/// rows, say) then takes a few iterations instead of many. The maximum is the same.
pub fn fit_logistic_from(
    design: &Design,
    outcomes: &[f64],
    offset: Option<&[f64]>,
    start: Option<&[f64]>,
) -> Result<LogisticFit> {
    let rows = design.rows();
    let p = design.columns();
    if rows == 0 || p == 0 {
        return Err(RiskError::Empty);
    }
    let length = |what: &'static str, got: usize, expected: usize| {
        if got == expected {
            Ok(())
        } else {
            Err(RiskError::Length {
                what,
                rows: got,
                expected,
            })
        }
    };
    length("outcomes", outcomes.len(), rows)?;
    if let Some(o) = offset {
        length("offset", o.len(), rows)?;
    }
    if let Some(start) = start {
        length("starting coefficients", start.len(), p)?;
    }
    let events = count_events(outcomes)?;
    if events == 0 || events == rows {
        return Err(RiskError::OneClass {
            value: u8::from(events == rows),
        });
    }
    let singular = |column: usize| RiskError::Singular {
        column,
        name: design.names()[column].clone(),
    };
    let mut beta = start.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
    let mut current = pass(design, outcomes, offset, &beta);
    let mut change = f64::INFINITY;
    for iteration in 1..=MAX_ITERATIONS {
        let l = cholesky(&current.information, p).map_err(singular)?;
        let step = cholesky_solve(&l, p, &current.gradient);
        // Step-halving keeps each step uphill; Newton's step is almost always taken whole.
        let mut scale = 1.0;
        let (candidate, next) = loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let next = pass(design, outcomes, offset, &candidate);
            if next.log_likelihood >= current.log_likelihood - 1e-9 * current.log_likelihood.abs()
                || scale < 1e-6
            {
                break (candidate, next);
            }
            scale /= 2.0;
        };
        change = candidate
            .iter()
            .zip(&beta)
            .map(|(new, old)| (new - old).abs() / (1.0 + old.abs()))
            .fold(0.0, f64::max);
        beta = candidate;
        current = next;
        if change < TOLERANCE {
            let l = cholesky(&current.information, p).map_err(singular)?;
            let standard_errors = (0..p)
                .map(|j| {
                    let mut unit = vec![0.0; p];
                    unit[j] = 1.0;
                    cholesky_solve(&l, p, &unit)[j].sqrt()
                })
                .collect();
            return Ok(LogisticFit {
                names: design.names().to_vec(),
                coefficients: beta,
                standard_errors,
                log_likelihood: current.log_likelihood,
                iterations: iteration,
            });
        }
    }
    Err(RiskError::NotConverged {
        iterations: MAX_ITERATIONS,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(names: &[&str], rows: &[&[f64]]) -> Design {
        let mut d = Design::new(names.iter().map(|s| s.to_string()).collect());
        for row in rows {
            d.push_row(row).unwrap();
        }
        d
    }

    #[test]
    fn two_by_two_table_gives_the_log_odds_ratio() {
        // Exposed: 30 events of 100; unexposed: 10 of 100. The MLE is the table's own odds:
        // intercept log(10/90), slope log((30/70)/(10/90)), SE sqrt(1/30+1/70+1/10+1/90).
        let mut rows: Vec<Vec<f64>> = Vec::new();
        let mut y = Vec::new();
        for (exposed, events) in [(1.0, 30), (0.0, 10)] {
            for i in 0..100 {
                rows.push(vec![1.0, exposed]);
                y.push(if i < events { 1.0 } else { 0.0 });
            }
        }
        let refs: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
        let fit = fit_logistic(&design(&["intercept", "exposed"], &refs), &y, None).unwrap();
        assert!((fit.coefficients[0] - (10.0f64 / 90.0).ln()).abs() < 1e-10);
        let log_or = ((30.0f64 / 70.0) / (10.0 / 90.0)).ln();
        assert!((fit.coefficients[1] - log_or).abs() < 1e-10);
        let se = (1.0 / 30.0 + 1.0 / 70.0 + 1.0 / 10.0 + 1.0 / 90.0f64).sqrt();
        assert!((fit.standard_errors[1] - se).abs() < 1e-9);
        let (or, low, high) = fit.odds_ratio(1);
        assert!((or - log_or.exp()).abs() < 1e-9 && low < or && or < high);
    }

    #[test]
    fn a_fit_started_near_the_maximum_reaches_the_same_one_sooner() {
        // Rows i = 0..400 with x = i / 40 and an event where a fixed hash of i falls below
        // logistic(-2 + 0.5 x): a smooth, unseparated fit.
        let mut rows: Vec<Vec<f64>> = Vec::new();
        let mut y = Vec::new();
        for i in 0..400u64 {
            let x = i as f64 / 40.0;
            let u = (i.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0;
            rows.push(vec![1.0, x]);
            y.push(if u < logistic(-2.0 + 0.5 * x) {
                1.0
            } else {
                0.0
            });
        }
        let refs: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
        let d = design(&["intercept", "x"], &refs);
        let cold = fit_logistic(&d, &y, None).unwrap();
        let near: Vec<f64> = cold.coefficients.iter().map(|b| b * 1.05).collect();
        let warm = fit_logistic_from(&d, &y, None, Some(&near)).unwrap();
        for (a, b) in cold.coefficients.iter().zip(&warm.coefficients) {
            assert!((a - b).abs() < 1e-9, "{a} against {b}");
        }
        assert!(warm.iterations < cold.iterations);
        assert!(matches!(
            fit_logistic_from(&d, &y, None, Some(&[0.0])),
            Err(RiskError::Length { .. })
        ));
    }

    #[test]
    fn offset_only_model_estimates_calibration_in_the_large() {
        // With logit(p) = 0 as offset and 25 events of 100, the intercept is logit(0.25).
        let rows: Vec<&[f64]> = vec![&[1.0]; 100];
        let y: Vec<f64> = (0..100).map(|i| f64::from(u8::from(i < 25))).collect();
        let offset = vec![0.0; 100];
        let fit = fit_logistic(&design(&["intercept"], &rows), &y, Some(&offset)).unwrap();
        assert!((fit.coefficients[0] - (0.25f64 / 0.75).ln()).abs() < 1e-10);
    }

    #[test]
    fn collinear_columns_are_named() {
        let rows: Vec<&[f64]> = vec![
            &[1.0, 1.0, 0.0],
            &[1.0, 0.0, 1.0],
            &[1.0, 1.0, 0.0],
            &[1.0, 0.0, 1.0],
        ];
        let err = fit_logistic(
            &design(&["intercept", "a", "b"], &rows),
            &[1.0, 0.0, 0.0, 1.0],
            None,
        )
        .unwrap_err();
        assert_eq!(
            err,
            RiskError::Singular {
                column: 2,
                name: "b".into()
            }
        );
    }

    #[test]
    fn perfect_separation_is_reported_not_looped_on() {
        let rows: Vec<&[f64]> = vec![&[1.0, 0.0], &[1.0, 0.0], &[1.0, 1.0], &[1.0, 1.0]];
        let err = fit_logistic(
            &design(&["intercept", "x"], &rows),
            &[0.0, 0.0, 1.0, 1.0],
            None,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                RiskError::NotConverged { .. } | RiskError::Singular { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn bad_outcomes_and_one_class_are_refused() {
        let rows: Vec<&[f64]> = vec![&[1.0], &[1.0]];
        let d = design(&["intercept"], &rows);
        assert_eq!(
            fit_logistic(&d, &[0.0, 2.0], None).unwrap_err(),
            RiskError::Outcome { row: 1, value: 2.0 }
        );
        assert_eq!(
            fit_logistic(&d, &[1.0, 1.0], None).unwrap_err(),
            RiskError::OneClass { value: 1 }
        );
        assert!(matches!(
            fit_logistic(&d, &[1.0], None).unwrap_err(),
            RiskError::Length { .. }
        ));
    }
}
