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
/// Where `near` (a model of nearly the same data: another sample of the same candidates)
/// keeps the same columns, the fit starts from its coefficients and needs fewer
/// iterations to reach the same maximum.
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
        let start = near
            .filter(|n| n.columns == columns)
            .map(|n| n.fit.coefficients.as_slice());
        match fit_logistic_from(&design, &outcomes, None, start) {
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
