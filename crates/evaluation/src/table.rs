//! Matching a plain table, as MatchIt's `matchit(treat ~ x1 + ..., method = "nearest",
//! link = "linear.logit", caliper = c, exact = ~ e, ratio = k)` does, followed by the ATT of
//! an outcome column as MatchIt's estimating-effects vignette computes it: a weighted
//! `lm(y ~ treat)` on the matched units with standard errors clustered by matched set
//! (`sandwich::vcovCL`, HC1). For analysts' own cohorts, and for checks against MatchIt.

use serde::{Deserialize, Serialize};

use crate::EvaluationError;
use crate::balance::{BalanceAccumulator, BalanceRow};
use crate::did::two_sided_p;
use crate::matching::{MatchOptions, Matching, Unit, nearest_neighbour};
use crate::propensity::{Propensity, fit_propensity};

/// A table of numbers: named columns, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The column names.
    pub columns: Vec<String>,
    /// The rows, one number per column.
    pub rows: Vec<Vec<f64>>,
}

/// What to match on.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// The 0/1 treatment column.
    pub treatment: usize,
    /// The covariate columns.
    pub covariates: Vec<usize>,
    /// Columns matched exactly.
    pub exact: Vec<usize>,
    /// The outcome column, for the effect in the treated.
    pub outcome: Option<usize>,
    /// How to match.
    pub options: MatchOptions,
}

/// The average effect in the treated with its cluster-robust interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Att {
    /// The effect.
    pub estimate: f64,
    /// Its cluster-robust standard error.
    pub standard_error: f64,
    /// The 95% interval's lower end.
    pub lower: f64,
    /// The 95% interval's upper end.
    pub upper: f64,
    /// The two-sided p-value.
    pub p_value: f64,
}

/// The matched table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableMatch {
    /// The fitted propensity model.
    pub propensity: Propensity,
    /// The logit of the propensity score of every row.
    pub distance: Vec<f64>,
    /// The matched sets.
    pub matching: Matching,
    /// MatchIt's weights: 1 for matched treated, (1 / controls in the set) scaled so that the
    /// control weights sum to the number of matched controls; 0 if unmatched.
    pub weights: Vec<f64>,
    /// Balance before and after.
    pub balance: Vec<BalanceRow>,
    /// The effect in the treated, where an outcome was given.
    pub att: Option<Att>,
    /// What makes the result doubtful: separation, covariates whose balance cannot be
    /// measured. Empty when there is nothing to say.
    pub warnings: Vec<String>,
}

/// A fitted propensity closer than this to 0 or 1 counts as separated (R's `glm` warns of
/// "fitted probabilities numerically 0 or 1" at about the same place).
const SEPARATED_LOGIT: f64 = 23.0;

/// Matches the table.
pub fn match_table(table: &Table, spec: &TableSpec) -> Result<TableMatch, EvaluationError> {
    let n = table.rows.len();
    let treated: Vec<bool> = table
        .rows
        .iter()
        .map(|r| r[spec.treatment] == 1.0)
        .collect();
    let names: Vec<String> = spec
        .covariates
        .iter()
        .map(|&c| table.columns[c].clone())
        .collect();
    let propensity = fit_propensity(
        &names,
        n,
        &treated,
        |r, c| table.rows[r][spec.covariates[c]],
        None,
    )?;
    let distance: Vec<f64> = (0..n)
        .map(|r| propensity.logit(|c| table.rows[r][spec.covariates[c]]))
        .collect();
    let mut strata: Vec<Vec<u64>> = Vec::new();
    let units: Vec<Unit> = (0..n)
        .map(|r| {
            let key: Vec<u64> = spec
                .exact
                .iter()
                .map(|&e| table.rows[r][e].to_bits())
                .collect();
            let stratum = match strata.iter().position(|k| *k == key) {
                Some(p) => p,
                None => {
                    strata.push(key);
                    strata.len() - 1
                }
            };
            Unit {
                distance: distance[r],
                treated: treated[r],
                stratum: stratum as u64,
            }
        })
        .collect();
    let matching = nearest_neighbour(&units, &spec.options);
    let mut weights = vec![0.0; n];
    let controls: usize = matching.sets.iter().map(|s| s.controls.len()).sum();
    let scale = controls as f64 / matching.sets.len().max(1) as f64;
    for set in &matching.sets {
        weights[set.treated] = 1.0;
        for &c in &set.controls {
            weights[c] += scale / set.controls.len() as f64;
        }
    }
    let mut balance = Vec::new();
    for (k, &column) in spec.covariates.iter().enumerate() {
        let mut acc = BalanceAccumulator::default();
        for r in 0..n {
            acc.add_before(table.rows[r][column], treated[r]);
            if weights[r] > 0.0 {
                acc.add_after(table.rows[r][column], treated[r], weights[r]);
            }
        }
        balance.push(acc.finish(&names[k], &names[k], 0.1));
    }
    let att = spec
        .outcome
        .and_then(|o| att(table, o, &treated, &weights, &matching));
    let mut warnings = Vec::new();
    let separated = distance
        .iter()
        .filter(|d| d.is_nan() || d.abs() >= SEPARATED_LOGIT)
        .count();
    if separated > 0 {
        warnings.push(format!(
            "{separated} rows have a propensity score of 0 or 1 to ten decimal places: the covariates (nearly) separate treated from controls, so matched pairs are not comparable and the ATT cannot be trusted"
        ));
    }
    for b in &balance {
        if !b.before.smd.is_finite() || !b.after.smd.is_finite() {
            warnings.push(format!(
                "{}: the standardised mean difference cannot be computed (the covariate does not vary)",
                b.name
            ));
        }
    }
    Ok(TableMatch {
        propensity,
        distance,
        matching,
        weights,
        balance,
        att,
        warnings,
    })
}

/// Weighted least squares of y on (1, treat) over matched rows, clustered by matched set.
fn att(
    table: &Table,
    outcome: usize,
    treated: &[bool],
    weights: &[f64],
    matching: &Matching,
) -> Option<Att> {
    let mut cluster = vec![usize::MAX; table.rows.len()];
    for (s, set) in matching.sets.iter().enumerate() {
        cluster[set.treated] = s;
        for &c in &set.controls {
            cluster[c] = s;
        }
    }
    let (mut sw, mut swt, mut swy, mut swty) = (0.0, 0.0, 0.0, 0.0);
    let mut n = 0.0;
    for (r, row) in table
        .rows
        .iter()
        .enumerate()
        .filter(|(r, _)| weights[*r] > 0.0)
    {
        let (w, t, y) = (weights[r], f64::from(u8::from(treated[r])), row[outcome]);
        sw += w;
        swt += w * t;
        swy += w * y;
        swty += w * t * y;
        n += 1.0;
    }
    let control_mean = (swy - swty) / (sw - swt);
    let effect = swty / swt - control_mean;
    // Bread: the inverse of X'WX = [[sw, swt], [swt, swt]].
    let det = sw * swt - swt * swt;
    if det <= 0.0 {
        return None;
    }
    let bread = [[swt / det, -swt / det], [-swt / det, sw / det]];
    let groups = matching.sets.len();
    let mut scores = vec![[0.0f64; 2]; groups];
    for (r, row) in table
        .rows
        .iter()
        .enumerate()
        .filter(|(r, _)| weights[*r] > 0.0)
    {
        let t = f64::from(u8::from(treated[r]));
        let residual = row[outcome] - control_mean - effect * t;
        let s = &mut scores[cluster[r]];
        s[0] += weights[r] * residual;
        s[1] += weights[r] * t * residual;
    }
    let mut meat = [[0.0; 2]; 2];
    for s in &scores {
        for i in 0..2 {
            for j in 0..2 {
                meat[i][j] += s[i] * s[j];
            }
        }
    }
    let g = groups as f64;
    let factor = g / (g - 1.0) * (n - 1.0) / (n - 2.0);
    // Element [1][1] of bread · meat · bread.
    let b = bread[1];
    let variance = factor
        * (b[0] * (meat[0][0] * b[0] + meat[0][1] * b[1])
            + b[1] * (meat[1][0] * b[0] + meat[1][1] * b[1]));
    let se = variance.max(0.0).sqrt();
    let z = 1.959_963_984_540_054;
    Some(Att {
        estimate: effect,
        standard_error: se,
        lower: effect - z * se,
        upper: effect + z * se,
        p_value: two_sided_p(effect / se),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn att_is_the_matched_mean_difference() {
        // Treated x = 1, 2, 3 with y = 10, 12, 14; controls at x = 1.1, 2.1, 3.1, 9 with
        // y = 9, 10, 11, 0. Matching pairs each treated with the control just above it.
        let rows = vec![
            vec![1.0, 1.0, 10.0],
            vec![1.0, 2.0, 12.0],
            vec![1.0, 3.0, 14.0],
            vec![0.0, 1.1, 9.0],
            vec![0.0, 2.1, 10.0],
            vec![0.0, 3.1, 11.0],
            vec![0.0, 9.0, 0.0],
            vec![0.0, 0.5, 3.0],
            vec![1.0, 8.0, 5.0],
        ];
        let table = Table {
            columns: vec!["treat".into(), "x".into(), "y".into()],
            rows,
        };
        let spec = TableSpec {
            treatment: 0,
            covariates: vec![1],
            exact: Vec::new(),
            outcome: Some(2),
            options: MatchOptions {
                ratio: 1,
                caliper_sd: None,
            },
        };
        let m = match_table(&table, &spec).unwrap();
        assert_eq!(m.matching.sets.len(), 4);
        let att = m.att.unwrap();
        let treated_mean = (10.0 + 12.0 + 14.0 + 5.0) / 4.0;
        let matched_controls: f64 = m
            .matching
            .sets
            .iter()
            .map(|s| table.rows[s.controls[0]][2])
            .sum();
        assert!((att.estimate - (treated_mean - matched_controls / 4.0)).abs() < 1e-9);
        assert!(att.standard_error > 0.0 && att.lower < att.estimate);
    }
}
