//! The diagnostics of a run's matching: the propensity score's overlap and support, and
//! the covariates' balance before and after, overall and per network.

use super::*;

/// The propensity model's diagnostics, for the run that is reported (the other matchings
/// and the placebo run are not): the AUC on the rows it was fitted on, the treated outside
/// the controls' range and the overlap histogram.
pub(super) fn propensity_report(
    histories: &Histories,
    options: &EvaluationOptions,
    run: &Run,
) -> Result<PropensityReport, EvaluationError> {
    let rows = &run.candidates.rows;
    let fit_scores: Vec<f64> = run.propensity_rows.iter().map(|&r| run.logits[r]).collect();
    let fit_outcomes: Vec<f64> = run
        .propensity_rows
        .iter()
        .map(|&r| f64::from(u8::from(rows[r].treated)))
        .collect();
    let auc = auc_delong(&fit_scores, &fit_outcomes)?;
    let units = units_of(histories, options, &run.candidates, &run.logits);
    Ok(PropensityReport {
        model: run.model.clone(),
        fitted_on_treated: run.fitted_on_treated,
        fitted_on_controls: run.propensity_rows.len() - run.fitted_on_treated,
        auc: auc.auc,
        auc_lower: auc.lower,
        auc_upper: auc.upper,
        caliper_width: run.matching.caliper_width,
        mahalanobis: run.mahalanobis.clone(),
        treated_off_support: off_support(&units),
        overlap: overlap(&units, &run.sets),
    })
}

pub(super) fn off_support(units: &[Unit]) -> usize {
    let mut range: IntMap<u64, (f64, f64)> = IntMap::default();
    for u in units.iter().filter(|u| !u.treated) {
        let e = range.entry(u.stratum).or_insert((f64::MAX, f64::MIN));
        e.0 = e.0.min(u.distance);
        e.1 = e.1.max(u.distance);
    }
    units
        .iter()
        .filter(|u| u.treated)
        .filter(|u| {
            range
                .get(&u.stratum)
                .is_none_or(|&(lo, hi)| u.distance < lo || u.distance > hi)
        })
        .count()
}

pub(super) fn overlap(units: &[Unit], sets: &[Vec<(usize, f64)>]) -> Vec<OverlapBin> {
    const BINS: usize = 24;
    let treated: Vec<f64> = units
        .iter()
        .filter(|u| u.treated)
        .map(|u| u.distance)
        .collect();
    let lo = treated.iter().copied().fold(f64::MAX, f64::min) - 2.0;
    let hi = treated.iter().copied().fold(f64::MIN, f64::max) + 0.5;
    if lo >= hi {
        return Vec::new();
    }
    let width = (hi - lo) / BINS as f64;
    let mut bins: Vec<OverlapBin> = (0..BINS)
        .map(|b| OverlapBin {
            from: lo + width * b as f64,
            to: lo + width * (b + 1) as f64,
            treated_before: 0,
            controls_before: 0,
            treated_after: 0,
            controls_after: 0.0,
        })
        .collect();
    let bin = |d: f64| ((d - lo) / width).floor().clamp(0.0, (BINS - 1) as f64) as usize;
    for u in units {
        let b = &mut bins[bin(u.distance)];
        if u.treated {
            b.treated_before += 1;
        } else {
            b.controls_before += 1;
        }
    }
    for set in sets {
        for &(r, w) in set {
            let b = &mut bins[bin(units[r].distance)];
            if units[r].treated {
                b.treated_after += 1;
            } else {
                b.controls_after += w;
            }
        }
    }
    bins
}

/// Balance of every covariate and the logit of the propensity score, overall and in each
/// network's matched sets (before matching: the treated its MDT discussed against the
/// controls registered in its practices), by network code.
pub(super) fn balance(networks: &Networks, run: &Run) -> (Vec<BalanceRow>, Vec<Vec<BalanceRow>>) {
    let c = &run.candidates;
    let columns = c.covariates.len() + 1;
    let value = |r: usize, k: usize| {
        if k < c.covariates.len() {
            c.value(r, k)
        } else {
            run.logits[r]
        }
    };
    // accumulators[1 + network code][column]; slot 0 is everyone (code 0, no network, has
    // its own slot 1). The unmatched sample is read row by row (the values are stored so) in
    // chunks on all cores, the chunks then added in order; the matched sample is small.
    const CHUNK: usize = 65_536;
    let empty = || vec![vec![BalanceAccumulator::default(); columns]; networks.names.len() + 1];
    // Everyone's accumulators and those of the row's network, side by side.
    pub(super) fn both(
        acc: &mut [Vec<BalanceAccumulator>],
        code: u16,
    ) -> impl Iterator<Item = (&mut BalanceAccumulator, &mut BalanceAccumulator)> {
        let (everyone, by_network) = acc.split_at_mut(1);
        everyone[0]
            .iter_mut()
            .zip(by_network[usize::from(code)].iter_mut())
    }
    let chunks: Vec<Vec<Vec<BalanceAccumulator>>> = c
        .rows
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(chunk, rows)| {
            let mut acc = empty();
            for (j, row) in rows.iter().enumerate() {
                let r = chunk * CHUNK + j;
                let values = c.row_values(r);
                for (k, (all, network)) in both(&mut acc, networks.of_row(row)).enumerate() {
                    let v = values.get(k).map_or(run.logits[r], |&v| f64::from(v));
                    all.add_before(v, row.treated);
                    network.add_before(v, row.treated);
                }
            }
            acc
        })
        .collect();
    let mut accumulators = empty();
    for chunk in chunks {
        for (sums, part) in accumulators.iter_mut().zip(chunk) {
            for (sum, value) in sums.iter_mut().zip(part) {
                sum.merge(&value);
            }
        }
    }
    for (s, set) in run.sets.iter().enumerate() {
        for &(r, w) in set {
            let treated = c.rows[r].treated;
            for (k, (all, network)) in both(&mut accumulators, networks.of_set(run, s)).enumerate()
            {
                let v = value(r, k);
                all.add_after(v, treated, w);
                network.add_after(v, treated, w);
            }
        }
    }
    let row = |k: usize, slot: usize| {
        let (name, label, threshold) = match c.covariates.get(k) {
            Some(cov) => (cov.name.as_str(), cov.label.as_str(), cov.threshold),
            None => ("propensity_logit", "propensity score (logit)", 0.1),
        };
        accumulators[slot][k].finish(name, label, threshold)
    };
    let overall = (0..columns).map(|k| row(k, 0)).collect();
    let per_network = (0..networks.names.len())
        .map(|code| (0..columns).map(|k| row(k, code + 1)).collect())
        .collect();
    (overall, per_network)
}
