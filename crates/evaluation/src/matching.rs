//! Greedy nearest-neighbour matching on a distance (the logit of the propensity score), as
//! MatchIt's `method = "nearest"` does it for the ATT: treated units in order of largest
//! distance first, each taking the closest unused control in its exact-matching stratum,
//! within a caliper of `caliper × SD(distance)` over all units, without replacement, one
//! control per treated unit per round for `ratio` rounds. A control unit belongs to a group
//! (a person who is a candidate in several months): once one of its units is used, the
//! whole group is.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One unit to match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The distance matched on (for Accord, the logit of the propensity score).
    pub distance: f64,
    pub treated: bool,
    /// Units match only within the same stratum (exact matching).
    pub stratum: u64,
    /// Units sharing a group are used at most once between them.
    pub group: u64,
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
    pub treated: usize,
    pub controls: Vec<usize>,
}

/// The result of matching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matching {
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

fn find(parent: &mut [usize], mut i: usize) -> usize {
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

    /// Marks the control at sorted position `p` used.
    fn remove(&mut self, p: usize) {
        self.left[p + 1] = p;
        self.right[p + 1] = p + 2;
    }

    /// The closest unused control to treated unit `t`, as a sorted position, found as
    /// MatchIt's `nn_matchC_vec` finds it: in the order of (distance, index), the nearest
    /// unused control on each side of the treated unit, the left one winning a tie. A
    /// control whose group is in `used` is removed when met, as if it had been removed when
    /// its group was used.
    fn nearest(&mut self, t: usize, all: &[Unit], used: &HashSet<u64>) -> Option<usize> {
        let n = self.units.len();
        let distance = all[t].distance;
        let split = self
            .units
            .partition_point(|&u| all[u].distance.total_cmp(&distance).then(u.cmp(&t)).is_lt());
        let is_used = |s: &Stratum, p: usize| used.contains(&all[s.units[p]].group);
        // Positions are shifted by one in the links: 0 and n + 1 stand for "none".
        let left = loop {
            match find(&mut self.left, split).checked_sub(1) {
                Some(p) if is_used(self, p) => self.remove(p),
                other => break other,
            }
        };
        let right = loop {
            match Some(find(&mut self.right, split + 1))
                .filter(|&p| p <= n)
                .map(|p| p - 1)
            {
                Some(p) if is_used(self, p) => self.remove(p),
                other => break other,
            }
        };
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

/// Matches treated units to controls.
pub fn nearest_neighbour(units: &[Unit], options: &MatchOptions) -> Matching {
    let caliper_width = options
        .caliper_sd
        .map(|c| c * sample_sd(units.iter().map(|u| u.distance)));
    let mut members: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, unit) in units.iter().enumerate().filter(|(_, u)| !u.treated) {
        members.entry(unit.stratum).or_default().push(i);
    }
    let mut strata: HashMap<u64, Stratum> = members
        .into_par_iter()
        .map(|(key, list)| (key, Stratum::new(list, units)))
        .collect();
    // Groups with a unit taken: their other units are skipped when met.
    let mut used: HashSet<u64> = HashSet::new();
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
            let chosen = strata
                .get_mut(&unit.stratum)
                .and_then(|s| s.nearest(t, units, &used).map(|p| (p, s.units[p])))
                .filter(|&(_, c)| {
                    caliper_width.is_none_or(|w| (units[c].distance - unit.distance).abs() <= w)
                });
            let Some((_, control)) = chosen else {
                live[slot] = false;
                continue;
            };
            controls[slot].push(control);
            used.insert(units[control].group);
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
            group: distance.to_bits(),
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
    fn strata_and_groups_are_respected() {
        let mut units = vec![
            Unit {
                distance: 1.0,
                treated: true,
                stratum: 1,
                group: 100,
            },
            Unit {
                distance: 1.0,
                treated: true,
                stratum: 2,
                group: 101,
            },
            // The same person (group 7) is a candidate in both strata: used once only.
            Unit {
                distance: 1.0,
                treated: false,
                stratum: 1,
                group: 7,
            },
            Unit {
                distance: 1.0,
                treated: false,
                stratum: 2,
                group: 7,
            },
        ];
        let none = MatchOptions {
            ratio: 1,
            caliper_sd: None,
        };
        let m = nearest_neighbour(&units, &none);
        assert_eq!(m.sets.len(), 1);
        assert_eq!(m.unmatched_treated.len(), 1);
        units.push(Unit {
            distance: 3.0,
            treated: false,
            stratum: 2,
            group: 8,
        });
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

    /// The brute-force definition: every treated unit in order scans all unused controls.
    fn brute_force(units: &[Unit], width: Option<f64>) -> Vec<(usize, usize)> {
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
            let best = (0..units.len())
                .filter(|&c| !units[c].treated && !used[c])
                .filter(|&c| {
                    width.is_none_or(|w| (units[c].distance - units[t].distance).abs() <= w)
                })
                .min_by(|&a, &b| {
                    let da = (units[a].distance - units[t].distance).abs();
                    let db = (units[b].distance - units[t].distance).abs();
                    // On a tie the unit to the left in (distance, index) order wins, and of
                    // two on the same side the nearer in that order.
                    let key = |c: usize| (units[c].distance, c);
                    let left = |c: usize| key(c) < key(t);
                    da.total_cmp(&db).then(match (left(a), left(b)) {
                        (true, false) => std::cmp::Ordering::Less,
                        (false, true) => std::cmp::Ordering::Greater,
                        (true, true) => key(b)
                            .partial_cmp(&key(a))
                            .unwrap_or(std::cmp::Ordering::Equal),
                        (false, false) => key(a)
                            .partial_cmp(&key(b))
                            .unwrap_or(std::cmp::Ordering::Equal),
                    })
                });
            if let Some(c) = best {
                used[c] = true;
                pairs.push((t, c));
            }
        }
        pairs
    }

    proptest! {
        #[test]
        fn equals_the_brute_force_search(
            values in proptest::collection::vec((0u8..40, any::<bool>()), 1..60),
            caliper in proptest::option::of(0.05f64..1.0),
        ) {
            let units: Vec<Unit> = values
                .iter()
                .enumerate()
                .map(|(i, &(d, treated))| Unit {
                    distance: f64::from(d) / 10.0,
                    treated,
                    stratum: 0,
                    group: i as u64,
                })
                .collect();
            let m = nearest_neighbour(&units, &MatchOptions { ratio: 1, caliper_sd: caliper });
            let got: Vec<(usize, usize)> = m.sets.iter().map(|s| (s.treated, s.controls[0])).collect();
            prop_assert_eq!(got, brute_force(&units, m.caliper_width));
        }
    }
}
