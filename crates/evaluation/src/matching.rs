//! Greedy nearest-neighbour matching on a distance (the logit of the propensity score), as
//! MatchIt's `method = "nearest"` does it for the ATT: treated units in order of largest
//! distance first, each taking the closest unused control in its exact-matching stratum,
//! within a caliper of `caliper × SD(distance)` over all units, without replacement, one
//! control per treated unit per round for `ratio` rounds. Optionally, among the controls within the caliper, the one closest on a
//! second metric is taken instead (MatchIt's `mahvars`: Mahalanobis distance matching
//! within propensity score calipers, Rosenbaum and Rubin 1985; Rubin and Thomas 2000), so
//! that key prognostic covariates stay close where the propensity model is misspecified.

use crate::IntMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One unit to match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The distance matched on (for Accord, the logit of the propensity score).
    pub distance: f64,
    /// Treated or a control.
    pub treated: bool,
    /// Units match only within the same stratum (exact matching).
    pub stratum: u64,
}

/// How to match.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchOptions {
    /// Controls per treated unit.
    pub ratio: usize,
    /// Caliper in standard deviations of the distance over all units; `None` for none.
    pub caliper_sd: Option<f64>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            ratio: 1,
            caliper_sd: Some(0.2),
        }
    }
}

/// One treated unit with its controls, closest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedSet {
    /// The treated unit.
    pub treated: usize,
    /// Its controls, closest first.
    pub controls: Vec<usize>,
}

/// The result of matching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matching {
    /// Each treated unit matched, with its controls.
    pub sets: Vec<MatchedSet>,
    /// Treated units with no control within the caliper in their stratum.
    pub unmatched_treated: Vec<usize>,
    /// The caliper's width in distance units, if there was one.
    pub caliper_width: Option<f64>,
}

/// Sample standard deviation (n - 1), as R's `sd`.
pub fn sample_sd(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0.0, 0.0), |(n, s), v| (n + 1.0, s + v));
    if n < 2.0 {
        return 0.0;
    }
    let mean = sum / n;
    (values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Controls of one stratum sorted by distance, with "next unused" links both ways so that
/// each search skips used controls in near-constant time.
struct Stratum {
    /// Unit indices sorted by (distance, index), as MatchIt sorts all units (a stable sort).
    units: Vec<usize>,
    /// Union-find parents: `left[i]` leads to the nearest unused position at or left of `i`
    /// (position 0 stands for "none": positions are shifted by one).
    left: Vec<usize>,
    right: Vec<usize>,
}

/// Union-find root, with the path to it compressed.
pub(crate) fn find(parent: &mut [usize], mut i: usize) -> usize {
    let mut root = i;
    while parent[root] != root {
        root = parent[root];
    }
    while parent[i] != root {
        let next = parent[i];
        parent[i] = root;
        i = next;
    }
    root
}

impl Stratum {
    fn new(mut units: Vec<usize>, all: &[Unit]) -> Stratum {
        units.sort_by(|&a, &b| all[a].distance.total_cmp(&all[b].distance).then(a.cmp(&b)));
        let n = units.len();
        Stratum {
            units,
            left: (0..n + 2).collect(),
            right: (0..n + 2).collect(),
        }
    }

    /// How many controls come before treated unit `t` in (distance, index) order.
    fn split(&self, t: usize, all: &[Unit]) -> usize {
        let distance = all[t].distance;
        self.units
            .partition_point(|&u| all[u].distance.total_cmp(&distance).then(u.cmp(&t)).is_lt())
    }

    /// Of the unused controls within `width` of treated unit `t` on the distance, the one
    /// closest on `metric(t, control)`, as a sorted position; ties go to the nearer on the
    /// distance, then to the left.
    fn closest_within(
        &mut self,
        t: usize,
        all: &[Unit],
        width: f64,
        metric: &dyn Fn(usize, usize) -> f64,
    ) -> Option<usize> {
        let n = self.units.len();
        let distance = all[t].distance;
        let split = self.split(t, all);
        let mut best: Option<(f64, f64, usize)> = None;
        let mut consider = |p: usize, gap: f64, unit: usize| {
            let m = metric(t, unit);
            if best.is_none_or(|(bm, bg, _)| m < bm || (m == bm && gap < bg)) {
                best = Some((m, gap, p));
            }
        };
        // Leftwards from the split, then rightwards, each stopping at the caliper. Positions
        // are shifted by one in the links.
        let mut cursor = split;
        while let Some(p) = find(&mut self.left, cursor).checked_sub(1) {
            let unit = self.units[p];
            let gap = distance - all[unit].distance;
            if gap > width {
                break;
            }
            consider(p, gap, unit);
            cursor = p;
        }
        let mut cursor = split + 1;
        loop {
            let shifted = find(&mut self.right, cursor);
            if shifted > n {
                break;
            }
            let p = shifted - 1;
            let unit = self.units[p];
            let gap = all[unit].distance - distance;
            if gap > width {
                break;
            }
            consider(p, gap, unit);
            cursor = p + 2;
        }
        best.map(|(_, _, p)| p)
    }

    /// Marks the control at sorted position `p` used.
    fn remove(&mut self, p: usize) {
        self.left[p + 1] = p;
        self.right[p + 1] = p + 2;
    }

    /// The closest unused control to treated unit `t`, as a sorted position, found as
    /// MatchIt's `nn_matchC_vec` finds it: in the order of (distance, index), the nearest
    /// unused control on each side of the treated unit, the left one winning a tie.
    fn nearest(&mut self, t: usize, all: &[Unit]) -> Option<usize> {
        let n = self.units.len();
        let distance = all[t].distance;
        let split = self.split(t, all);
        // Positions are shifted by one in the links: 0 and n + 1 stand for "none".
        let left = find(&mut self.left, split).checked_sub(1);
        let right = Some(find(&mut self.right, split + 1))
            .filter(|&p| p <= n)
            .map(|p| p - 1);
        match (left, right) {
            (None, None) => None,
            (Some(l), None) => Some(l),
            (None, Some(r)) => Some(r),
            (Some(l), Some(r)) => {
                let dl = (distance - all[self.units[l]].distance).abs();
                let dr = (all[self.units[r]].distance - distance).abs();
                Some(if dl <= dr { l } else { r })
            }
        }
    }
}

/// Matches treated units to controls on the distance alone.
pub fn nearest_neighbour(units: &[Unit], options: &MatchOptions) -> Matching {
    nearest_neighbour_by(units, options, None)
}

/// Matches treated units to controls; with `metric` (of a treated and a control unit),
/// each treated unit takes, of the unused controls within the caliper, the closest on it.
pub fn nearest_neighbour_by(
    units: &[Unit],
    options: &MatchOptions,
    metric: Option<&dyn Fn(usize, usize) -> f64>,
) -> Matching {
    let caliper_width = options
        .caliper_sd
        .map(|c| c * sample_sd(units.iter().map(|u| u.distance)));
    // A control further than twice the caliper from every treated unit of its stratum can
    // never be taken, nor can it change which control is taken (a nearest control beyond
    // the caliper leaves the treated unit unmatched whichever side it is on), so it is not
    // sorted at all: most controls are far below the treated on the logit.
    let mut treated_range: IntMap<u64, (f64, f64)> = IntMap::default();
    for unit in units.iter().filter(|u| u.treated) {
        let range = treated_range
            .entry(unit.stratum)
            .or_insert((f64::INFINITY, f64::NEG_INFINITY));
        range.0 = range.0.min(unit.distance);
        range.1 = range.1.max(unit.distance);
    }
    let reach = caliper_width.map_or(f64::INFINITY, |w| 2.0 * w);
    let mut members: IntMap<u64, Vec<usize>> = IntMap::default();
    for (i, unit) in units.iter().enumerate().filter(|(_, u)| !u.treated) {
        let Some(&(lowest, highest)) = treated_range.get(&unit.stratum) else {
            continue;
        };
        if unit.distance >= lowest - reach && unit.distance <= highest + reach {
            members.entry(unit.stratum).or_default().push(i);
        }
    }
    let mut strata: IntMap<u64, Stratum> = members
        .into_par_iter()
        .map(|(key, list)| (key, Stratum::new(list, units)))
        .collect();
    let mut order: Vec<usize> = (0..units.len()).filter(|&i| units[i].treated).collect();
    order.sort_by(|&a, &b| {
        units[b]
            .distance
            .total_cmp(&units[a].distance)
            .then(a.cmp(&b))
    });
    let mut controls: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
    let mut live = vec![true; order.len()];
    for _round in 0..options.ratio.max(1) {
        for (slot, &t) in order.iter().enumerate() {
            if !live[slot] {
                continue;
            }
            let unit = units[t];
            let Some(stratum) = strata.get_mut(&unit.stratum) else {
                live[slot] = false;
                continue;
            };
            let chosen = match metric {
                None => stratum.nearest(t, units).filter(|&p| {
                    let gap = (units[stratum.units[p]].distance - unit.distance).abs();
                    caliper_width.is_none_or(|w| gap <= w)
                }),
                Some(metric) => {
                    stratum.closest_within(t, units, caliper_width.unwrap_or(f64::INFINITY), metric)
                }
            };
            let Some(p) = chosen else {
                live[slot] = false;
                continue;
            };
            controls[slot].push(stratum.units[p]);
            stratum.remove(p);
        }
    }
    let mut sets = Vec::new();
    let mut unmatched_treated = Vec::new();
    for (slot, &t) in order.iter().enumerate() {
        if controls[slot].is_empty() {
            unmatched_treated.push(t);
        } else {
            sets.push(MatchedSet {
                treated: t,
                controls: std::mem::take(&mut controls[slot]),
            });
        }
    }
    Matching {
        sets,
        unmatched_treated,
        caliper_width,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(distance: f64, treated: bool) -> Unit {
        Unit {
            distance,
            treated,
            stratum: 0,
        }
    }

    #[test]
    fn largest_distance_first_takes_the_closest_control() {
        // Treated at 1.0 goes first and takes 0.9; treated at 0.8 then gets 0.5, not 0.9.
        let units = [
            unit(1.0, true),
            unit(0.8, true),
            unit(0.9, false),
            unit(0.5, false),
        ];
        let m = nearest_neighbour(
            &units,
            &MatchOptions {
                ratio: 1,
                caliper_sd: None,
            },
        );
        assert_eq!(
            m.sets,
            vec![
                MatchedSet {
                    treated: 0,
                    controls: vec![2]
                },
                MatchedSet {
                    treated: 1,
                    controls: vec![3]
                }
            ]
        );
    }

    #[test]
    fn the_caliper_leaves_far_treated_unmatched() {
        let units = [unit(5.0, true), unit(0.0, false), unit(0.1, false)];
        let m = nearest_neighbour(
            &units,
            &MatchOptions {
                ratio: 1,
                caliper_sd: Some(0.2),
            },
        );
        assert!(m.sets.is_empty());
        assert_eq!(m.unmatched_treated, vec![0]);
        let width = m.caliper_width.unwrap();
        assert!((width - 0.2 * sample_sd([5.0, 0.0, 0.1].into_iter())).abs() < 1e-12);
    }

    #[test]
    fn strata_are_respected_and_each_control_is_used_once() {
        let unit = |distance: f64, treated: bool, stratum: u64| Unit {
            distance,
            treated,
            stratum,
        };
        // Two treated in stratum 1 and one control there: one treated goes unmatched, even
        // though stratum 2 has a control at the same distance.
        let mut units = vec![
            unit(1.0, true, 1),
            unit(1.0, true, 1),
            unit(1.0, false, 1),
            unit(1.0, false, 2),
        ];
        let none = MatchOptions {
            ratio: 1,
            caliper_sd: None,
        };
        let m = nearest_neighbour(&units, &none);
        assert_eq!(m.sets.len(), 1);
        assert_eq!(m.unmatched_treated.len(), 1);
        units.push(unit(3.0, false, 1));
        let m = nearest_neighbour(&units, &none);
        assert_eq!(m.sets.len(), 2);
        assert!(
            m.sets
                .iter()
                .all(|s| units[s.controls[0]].stratum == units[s.treated].stratum)
        );
    }

    #[test]
    fn ratio_rounds_give_each_treated_one_control_per_round() {
        let units = [
            unit(1.0, true),
            unit(0.0, true),
            unit(0.9, false),
            unit(0.1, false),
            unit(0.5, false),
            unit(-0.2, false),
        ];
        let m = nearest_neighbour(
            &units,
            &MatchOptions {
                ratio: 2,
                caliper_sd: None,
            },
        );
        // Round 1: 1.0 takes 0.9, 0.0 takes 0.1. Round 2: 1.0 takes 0.5, 0.0 takes -0.2.
        assert_eq!(m.sets[0].controls, vec![2, 4]);
        assert_eq!(m.sets[1].controls, vec![3, 5]);
    }

    /// The brute-force definition with a metric: every treated unit in order takes, of the
    /// unused controls within the caliper, the closest on the metric (then on the distance,
    /// then the leftmost in (distance, index) order).
    fn brute_force_by(
        units: &[Unit],
        width: f64,
        metric: &dyn Fn(usize, usize) -> f64,
    ) -> Vec<(usize, usize)> {
        let mut order: Vec<usize> = (0..units.len()).filter(|&i| units[i].treated).collect();
        order.sort_by(|&a, &b| {
            units[b]
                .distance
                .total_cmp(&units[a].distance)
                .then(a.cmp(&b))
        });
        let mut used = vec![false; units.len()];
        let mut pairs = Vec::new();
        for t in order {
            let key = |c: usize| (units[c].distance, c);
            let left = |c: usize| key(c) < key(t);
            let best = (0..units.len())
                .filter(|&c| !units[c].treated && !used[c] && units[c].stratum == units[t].stratum)
                .filter(|&c| (units[c].distance - units[t].distance).abs() <= width)
                .min_by(|&a, &b| {
                    let gap = |c: usize| (units[c].distance - units[t].distance).abs();
                    metric(t, a)
                        .total_cmp(&metric(t, b))
                        .then(gap(a).total_cmp(&gap(b)))
                        .then(right_after_left(left(a), left(b), key(a), key(b)))
                });
            if let Some(c) = best {
                used[c] = true;
                pairs.push((t, c));
            }
        }
        pairs
    }

    /// Of two units at the same gap, the left one first, and of two on one side the nearer.
    fn right_after_left(
        a_left: bool,
        b_left: bool,
        a: (f64, usize),
        b: (f64, usize),
    ) -> std::cmp::Ordering {
        match (a_left, b_left) {
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            (true, true) => b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal),
            (false, false) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
        }
    }

    proptest! {
        #[test]
        fn with_a_metric_equals_the_brute_force_search(
            values in proptest::collection::vec((0u8..40, any::<bool>(), 0u8..5), 1..60),
            caliper in 0.05f64..1.0,
        ) {
            let units: Vec<Unit> = values
                .iter()
                .map(|&(d, treated, _)| Unit {
                    distance: f64::from(d) / 10.0,
                    treated,
                    stratum: 0,
                })
                .collect();
            let covariate = |u: usize| f64::from(values[u].2);
            let metric = |t: usize, c: usize| (covariate(t) - covariate(c)).powi(2);
            let m = nearest_neighbour_by(
                &units,
                &MatchOptions { ratio: 1, caliper_sd: Some(caliper) },
                Some(&metric),
            );
            let width = m.caliper_width.unwrap_or(f64::INFINITY);
            let got: Vec<(usize, usize)> = m.sets.iter().map(|s| (s.treated, s.controls[0])).collect();
            prop_assert_eq!(got, brute_force_by(&units, width, &metric));
        }

        #[test]
        fn equals_the_brute_force_search(
            values in proptest::collection::vec((0u8..40, any::<bool>(), 0u64..3), 1..80),
            caliper in proptest::option::of(0.02f64..1.0),
        ) {
            // Several strata, and calipers narrow enough that most controls are beyond
            // every treated unit's reach (those are never sorted).
            let units: Vec<Unit> = values
                .iter()
                .map(|&(d, treated, stratum)| Unit {
                    distance: f64::from(d) / 10.0,
                    treated,
                    stratum,
                })
                .collect();
            let m = nearest_neighbour(&units, &MatchOptions { ratio: 1, caliper_sd: caliper });
            let got: Vec<(usize, usize)> = m.sets.iter().map(|s| (s.treated, s.controls[0])).collect();
            // Without a metric every control is equally close on it: the distance decides.
            let width = m.caliper_width.unwrap_or(f64::INFINITY);
            prop_assert_eq!(got, brute_force_by(&units, width, &|_, _| 0.0));
        }
    }
}
