//! The Mahalanobis distance between two units on a few covariates, scaled by the pooled
//! within-group covariance matrix Σ = ((n_T − 1) S_T + (n_C − 1) S_C) / (n_T + n_C − 2)
//! (Rubin 1980; the convention of MatchIt's `mahvars` and optmatch's `match_on`). Used to
//! pick, among the controls within the propensity caliper, the one closest on the
//! covariates that predict the outcomes most.

use serde::{Deserialize, Serialize};

/// At most this many covariates: the distance works in a fixed buffer.
pub const MAX_COVARIATES: usize = 64;

/// A fitted Mahalanobis metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Mahalanobis {
    /// The covariate indices used, after those that are constant or a linear combination
    /// of the others were dropped.
    pub columns: Vec<usize>,
    /// Lower-triangular Cholesky factor of Σ over `columns`, row by row (k × k).
    factor: Vec<f64>,
}

/// What the metric was built on, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MahalanobisReport {
    /// The covariates of the metric.
    pub covariates: Vec<String>,
    /// Covariates left out, with why.
    pub dropped: Vec<String>,
}

/// Mean and sum of cross-products of deviations of one group.
fn cross_products(
    rows: &[usize],
    columns: &[usize],
    value: &impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let k = columns.len();
    let n = rows.len() as f64;
    let mut mean = vec![0.0; k];
    for &r in rows {
        for (m, &c) in mean.iter_mut().zip(columns) {
            *m += value(r, c) / n;
        }
    }
    let mut sums = vec![0.0; k * k];
    let mut deviation = vec![0.0; k];
    for &r in rows {
        for ((d, &c), m) in deviation.iter_mut().zip(columns).zip(&mean) {
            *d = value(r, c) - m;
        }
        for i in 0..k {
            for j in 0..=i {
                sums[i * k + j] += deviation[i] * deviation[j];
            }
        }
    }
    sums
}

impl Mahalanobis {
    /// Builds the metric on the covariates `columns` (indices into `names`) from the
    /// treated rows and the control rows; `value(row, covariate)` reads the data.
    /// Covariates with no variance, or that are a linear combination of those before them,
    /// are dropped and named.
    pub fn pooled(
        names: &[String],
        columns: &[usize],
        treated: &[usize],
        controls: &[usize],
        value: impl Fn(usize, usize) -> f64,
    ) -> (Mahalanobis, MahalanobisReport) {
        let k = columns.len().min(MAX_COVARIATES);
        let columns = &columns[..k];
        let groups = (treated.len() + controls.len()).saturating_sub(2).max(1) as f64;
        let (t, c) = (
            cross_products(treated, columns, &value),
            cross_products(controls, columns, &value),
        );
        let sigma = |i: usize, j: usize| {
            let (i, j) = if i >= j { (i, j) } else { (j, i) };
            (t[i * k + j] + c[i * k + j]) / groups
        };
        // Cholesky, column by column in the given order, dropping a column whose pivot
        // vanishes (relative to its variance): it adds nothing the earlier ones do not.
        let mut kept: Vec<usize> = Vec::new();
        let mut factor_rows: Vec<Vec<f64>> = Vec::new();
        let mut dropped = Vec::new();
        for j in 0..k {
            let variance = sigma(j, j);
            if variance <= 0.0 {
                dropped.push(format!(
                    "{}: does not vary within either arm",
                    names[columns[j]]
                ));
                continue;
            }
            let mut row = Vec::with_capacity(kept.len() + 1);
            for (a, &i) in kept.iter().enumerate() {
                let dot: f64 = (0..a).map(|b| row[b] * factor_rows[a][b]).sum();
                row.push((sigma(j, i) - dot) / factor_rows[a][a]);
            }
            let pivot = variance - row.iter().map(|v| v * v).sum::<f64>();
            if pivot <= 1e-9 * variance {
                dropped.push(format!(
                    "{}: a linear combination of the others",
                    names[columns[j]]
                ));
                continue;
            }
            row.push(pivot.sqrt());
            kept.push(j);
            factor_rows.push(row);
        }
        let n = kept.len();
        let mut factor = vec![0.0; n * n];
        for (i, row) in factor_rows.iter().enumerate() {
            factor[i * n..i * n + row.len()].copy_from_slice(row);
        }
        let used: Vec<usize> = kept.iter().map(|&j| columns[j]).collect();
        let report = MahalanobisReport {
            covariates: used.iter().map(|&c| names[c].clone()).collect(),
            dropped,
        };
        (
            Mahalanobis {
                columns: used,
                factor,
            },
            report,
        )
    }

    /// The squared distance between two units whose covariate `c` is `a(c)` and `b(c)`.
    pub fn squared(&self, a: impl Fn(usize) -> f64, b: impl Fn(usize) -> f64) -> f64 {
        let n = self.columns.len();
        // Solve L y = a − b by forward substitution; the distance is |y|².
        let mut y = [0.0; MAX_COVARIATES];
        let mut total = 0.0;
        for (i, &c) in self.columns.iter().enumerate() {
            let row = &self.factor[i * n..i * n + i + 1];
            let dot: f64 = row[..i].iter().zip(&y[..i]).map(|(l, v)| l * v).sum();
            y[i] = (a(c) - b(c) - dot) / row[i];
            total += y[i] * y[i];
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("x{i}")).collect()
    }

    #[test]
    fn equals_the_quadratic_form_with_the_pooled_covariance() {
        // Two covariates; treated rows 0-3, control rows 4-9.
        let data = [
            [1.0, 2.0],
            [2.0, 1.0],
            [3.0, 5.0],
            [4.0, 3.0],
            [0.0, 0.0],
            [1.0, 3.0],
            [2.0, 2.0],
            [0.5, 1.0],
            [3.0, 1.0],
            [1.5, 4.0],
        ];
        let value = |r: usize, c: usize| data[r][c];
        let treated: Vec<usize> = (0..4).collect();
        let controls: Vec<usize> = (4..10).collect();
        let (metric, report) = Mahalanobis::pooled(&names(2), &[0, 1], &treated, &controls, value);
        assert!(report.dropped.is_empty());
        // Σ by hand: the within-group sums of squares and products over n − 2.
        let within = |rows: &[usize], i: usize, j: usize| {
            let mean = |c: usize| rows.iter().map(|&r| data[r][c]).sum::<f64>() / rows.len() as f64;
            let (mi, mj) = (mean(i), mean(j));
            rows.iter()
                .map(|&r| (data[r][i] - mi) * (data[r][j] - mj))
                .sum::<f64>()
        };
        let s = |i, j| (within(&treated, i, j) + within(&controls, i, j)) / 8.0;
        let det = s(0, 0) * s(1, 1) - s(0, 1) * s(0, 1);
        let inverse = [
            [s(1, 1) / det, -s(0, 1) / det],
            [-s(0, 1) / det, s(0, 0) / det],
        ];
        let d = [data[2][0] - data[7][0], data[2][1] - data[7][1]];
        let expected = d[0] * (inverse[0][0] * d[0] + inverse[0][1] * d[1])
            + d[1] * (inverse[1][0] * d[0] + inverse[1][1] * d[1]);
        let got = metric.squared(|c| value(2, c), |c| value(7, c));
        assert!((got - expected).abs() < 1e-12, "{got} against {expected}");
    }

    #[test]
    fn constant_and_collinear_covariates_are_dropped_and_named() {
        // x1 is constant, x2 = 2 × x0.
        let data: Vec<[f64; 3]> = (0..8)
            .map(|i| {
                let x = f64::from(i * i % 5);
                [x, 1.0, 2.0 * x]
            })
            .collect();
        let value = |r: usize, c: usize| data[r][c];
        let (metric, report) =
            Mahalanobis::pooled(&names(3), &[0, 1, 2], &[0, 1, 2, 3], &[4, 5, 6, 7], value);
        assert_eq!(metric.columns, vec![0]);
        assert_eq!(
            report.dropped,
            vec![
                "x1: does not vary within either arm".to_string(),
                "x2: a linear combination of the others".to_string()
            ]
        );
        assert!(metric.squared(|c| value(1, c), |c| value(1, c)).abs() < 1e-15);
    }
}
