//! The propensity score: logistic regression of treatment on the covariates, fitted by
//! accord-risk's IRLS. Columns that are constant or a linear combination of the others are
//! dropped and named, as are those constant within one arm (they separate the arms). The distance matched on is the linear predictor (the logit), as
//! MatchIt's `link = "linear.logit"`.

use accord_risk::{Design, LogisticFit, RiskError, fit_logistic_from};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A fitted propensity model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Propensity {
    /// The fitted logistic regression.
    pub fit: LogisticFit,
    /// Index of each fitted column (after the intercept) in the covariate list.
    #[serde(skip)]
    pub columns: Vec<usize>,
    /// Covariates left out, with why.
    pub dropped: Vec<String>,
}

impl Propensity {
    /// The logit of the propensity score of one unit, given its covariate values.
    pub fn logit(&self, covariate: impl Fn(usize) -> f64) -> f64 {
        self.fit.coefficients[0]
            + self
                .columns
                .iter()
                .zip(&self.fit.coefficients[1..])
                .map(|(&c, b)| b * covariate(c))
                .sum::<f64>()
    }
}

/// Fits treatment ~ covariates on `rows` units; `value(row, covariate)` reads the data.
/// Where `near` is given (a model of nearly the same data: another sample of the same
/// candidates, or the main run's model for a placebo run), the fit starts from its
/// coefficients and needs fewer iterations to reach the same maximum: the likelihood is
/// concave, so where it starts changes only how long it takes.
pub fn fit_propensity(
    names: &[String],
    rows: usize,
    treated: &[bool],
    value: impl Fn(usize, usize) -> f64 + Sync,
    near: Option<&Propensity>,
) -> Result<Propensity, RiskError> {
    // A covariate that does not vary within one arm separates it from the other wherever
    // it differs (a flag no treated person has, say): its coefficient would run off to
    // infinity, so it is left out and named. Each covariate is checked on its own, side by
    // side.
    let why_dropped: Vec<Option<String>> = names
        .par_iter()
        .enumerate()
        .map(|(c, name)| {
            let constant_in = |arm: bool| {
                let mut values = (0..rows)
                    .filter(|&r| treated[r] == arm)
                    .map(|r| value(r, c));
                let first = values.next();
                first.is_none_or(|f| values.all(|v| v == f))
            };
            if constant_in(true) && constant_in(false) {
                Some(format!("{name}: the same for everyone"))
            } else if constant_in(true) {
                Some(format!("{name}: the same for every treated person"))
            } else if constant_in(false) {
                Some(format!("{name}: the same for every control"))
            } else {
                None
            }
        })
        .collect();
    let mut dropped = Vec::new();
    let mut columns: Vec<usize> = Vec::new();
    for (c, why) in why_dropped.into_iter().enumerate() {
        match why {
            Some(why) => dropped.push(why),
            None => columns.push(c),
        }
    }
    let outcomes: Vec<f64> = treated.iter().map(|&t| f64::from(u8::from(t))).collect();
    loop {
        let mut design_names = vec!["intercept".to_string()];
        design_names.extend(columns.iter().map(|&c| names[c].clone()));
        let mut values = vec![0.0; rows * (columns.len() + 1)];
        values
            .par_chunks_mut(columns.len() + 1)
            .enumerate()
            .for_each(|(r, row)| {
                row[0] = 1.0;
                for (slot, &c) in row[1..].iter_mut().zip(&columns) {
                    *slot = value(r, c);
                }
            });
        let design = Design::from_values(design_names, values)?;
        let start = near.map(|n| starting_coefficients(n, &columns));
        match fit_logistic_from(&design, &outcomes, None, start.as_deref()) {
            Ok(fit) => {
                return Ok(Propensity {
                    fit,
                    columns,
                    dropped,
                });
            }
            Err(RiskError::Singular { column, name }) if column > 0 => {
                dropped.push(format!("{name}: a linear combination of the others"));
                columns.remove(column - 1);
            }
            Err(e) => return Err(e),
        }
    }
}

/// `near`'s coefficients for `columns` (after the intercept): its own where it fitted the
/// column, 0 where it left it out.
fn starting_coefficients(near: &Propensity, columns: &[usize]) -> Vec<f64> {
    let mut start = vec![near.fit.coefficients[0]];
    start.extend(columns.iter().map(|c| {
        near.columns
            .iter()
            .position(|n| n == c)
            .map_or(0.0, |k| near.fit.coefficients[k + 1])
    }));
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Three covariates, the third constant among the treated (so it is left out).
    fn data() -> (Vec<[f64; 3]>, Vec<bool>) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut rows = Vec::new();
        let mut treated = Vec::new();
        for _ in 0..4_000 {
            let x = [rng.random::<f64>(), f64::from(rng.random_bool(0.3))];
            let t = rng.random_bool(1.0 / (1.0 + (2.0 - 1.5 * x[0] - x[1]).exp()));
            let third = if t {
                0.0
            } else {
                f64::from(rng.random_bool(0.1))
            };
            rows.push([x[0], x[1], third]);
            treated.push(t);
        }
        (rows, treated)
    }

    #[test]
    fn a_start_from_another_model_reaches_the_same_maximum() {
        let (rows, treated) = data();
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let fit = |near: Option<&Propensity>| {
            fit_propensity(&names, rows.len(), &treated, |r, c| rows[r][c], near).unwrap()
        };
        let cold = fit(None);
        assert_eq!(cold.columns, vec![0, 1]);
        assert_eq!(cold.dropped, vec!["c: the same for every treated person"]);
        // A model that kept another set of columns: its coefficients where they are shared.
        let near = Propensity {
            fit: LogisticFit {
                coefficients: vec![-2.0, 0.5, 9.0],
                ..cold.fit.clone()
            },
            columns: vec![1, 2],
            dropped: Vec::new(),
        };
        assert_eq!(starting_coefficients(&near, &[0, 1]), vec![-2.0, 0.0, 0.5]);
        let warm = fit(Some(&cold));
        let elsewhere = fit(Some(&near));
        for other in [&warm, &elsewhere] {
            for (a, b) in cold.fit.coefficients.iter().zip(&other.fit.coefficients) {
                assert!((a - b).abs() < 1e-9, "{a} {b}");
            }
        }
        assert!(warm.fit.iterations < cold.fit.iterations);
    }
}
