//! Estimates from a run's matched sets: the clusters of sets that share a person, the
//! members of each arm, each matching's log ratios and their average over matchings,
//! and the mortality and monthly series of the falsification checks.

use super::*;

/// The cluster of each of the sets `kept`, numbered from 0 in order of first appearance,
/// and how many clusters there are. A person can be in several sets (a control in several
/// index months, as in a sequence of target trials, or a control before their own MDT), so
/// sets that share a person form one cluster (connected components): the clusters, not
/// the sets, are independent, and the sandwich and the pair bootstrap work on them.
pub(super) fn clusters_of(run: &Run, kept: &[usize]) -> (Vec<usize>, usize) {
    let mut parent: Vec<usize> = (0..kept.len()).collect();
    let mut first_set_of: IntMap<u32, usize> = IntMap::default();
    for (k, &s) in kept.iter().enumerate() {
        for &(r, _) in &run.sets[s] {
            let person = run.candidates.rows[r].person;
            let other = *first_set_of.entry(person).or_insert(k);
            let (a, b) = (
                crate::matching::find(&mut parent, k),
                crate::matching::find(&mut parent, other),
            );
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut label: IntMap<usize, usize> = IntMap::default();
    let clusters = (0..kept.len())
        .map(|k| {
            let next = label.len();
            *label
                .entry(crate::matching::find(&mut parent, k))
                .or_insert(next)
        })
        .collect();
    (clusters, label.len())
}

/// The matched people of the sets `keep` picks, each with its cluster (`clusters_of`); the
/// number of clusters; and the number of sets.
pub(super) fn members<'a>(
    run: &'a Run,
    keep: impl Fn(usize) -> bool,
) -> (Vec<Member<'a>>, usize, usize) {
    members_with(run, &run.windows, keep)
}

/// As [`members`], with each set's windows from `windows` (as `run.windows` is laid out).
pub(super) fn members_with<'a>(
    run: &Run,
    windows: &'a [Vec<Windows>],
    keep: impl Fn(usize) -> bool,
) -> (Vec<Member<'a>>, usize, usize) {
    let kept: Vec<usize> = (0..run.sets.len()).filter(|&s| keep(s)).collect();
    let (cluster_of, clusters) = clusters_of(run, &kept);
    let mut members = Vec::new();
    for (&s, &cluster) in kept.iter().zip(&cluster_of) {
        for (&(r, w), windows) in run.sets[s].iter().zip(&windows[s]) {
            members.push(Member {
                cluster,
                treated: run.candidates.rows[r].treated,
                weight: w,
                windows,
            });
        }
    }
    (members, clusters, kept.len())
}

/// One matching's estimates and standard errors of each outcome ([`matching_estimates`]),
/// with controls discussed later followed as the options say and, where that is not
/// intention to treat, the counts' log ratios with those controls followed through their
/// year (empty otherwise).
pub(super) struct MatchingEstimates {
    pub(super) main: Vec<Option<(f64, f64)>>,
    pub(super) intention_to_treat: Vec<Option<(f64, f64)>>,
}

/// The [`MatchingEstimates`] of one run's matched sets.
pub(super) fn estimates_of_matching(
    histories: &Histories,
    run: &Run,
    options: &EvaluationOptions,
) -> MatchingEstimates {
    let (people, clusters, _) = members(run, |_| true);
    let intention_to_treat = if options.follow_up == ControlFollowUp::IntentionToTreat {
        Vec::new()
    } else {
        // With no effect a weighted estimate agrees with this one in expectation, so the
        // gap shows what the weights (or plain censoring) did.
        let through_the_year = matched_windows(
            histories,
            &run.candidates.rows,
            &run.sets,
            ControlFollowUp::IntentionToTreat,
            options.include_index_day,
            &IntMap::default(),
            None,
        );
        let (people, _, _) = members_with(run, &through_the_year, |_| true);
        poisson_log_ratios(&people)
    };
    MatchingEstimates {
        main: matching_estimates(&people, clusters, options.bootstrap, options.seed),
        intention_to_treat,
    }
}

impl MatchingEstimates {
    /// Outcome `o`'s estimate and standard error, followed as the options say or (counts
    /// only) through the year.
    pub(super) fn of(&self, o: usize, intention_to_treat: bool) -> Option<(f64, f64)> {
        let ratios = if intention_to_treat {
            &self.intention_to_treat
        } else {
            &self.main
        };
        ratios.get(o).copied().flatten()
    }
}

/// Each outcome's estimate averaged over `matchings` matchings, its interval by Rubin's
/// rules, where every matching has one: `main(m, o)` is matching m's estimate and standard
/// error of outcome o ([`matching_estimates`]), followed as the options say, and
/// `intention_to_treat(m, o)` a count's through the year. An outcome some matching could
/// not estimate keeps the first matching's; a cost's total is for `treated_people`.
pub(super) fn average_over_matchings(
    outcomes: &mut [OutcomeResult],
    matchings: usize,
    treated_people: usize,
    main: impl Fn(usize, usize) -> Option<(f64, f64)>,
    intention_to_treat: impl Fn(usize, usize) -> Option<(f64, f64)>,
) {
    for (o, outcome) in outcomes.iter_mut().enumerate() {
        let over = |ratio: &dyn Fn(usize, usize) -> Option<(f64, f64)>| -> Vec<(f64, f64)> {
            (0..matchings).filter_map(|m| ratio(m, o)).collect()
        };
        let main_ratios = over(&main);
        if main_ratios.len() == matchings {
            outcome.average_over_matchings(
                &main_ratios,
                &over(&intention_to_treat),
                treated_people,
            );
        }
    }
}

/// How many different people `people` names.
pub(super) fn distinct(people: impl Iterator<Item = u32>) -> usize {
    let mut people: Vec<u32> = people.collect();
    people.sort_unstable();
    people.dedup();
    people.len()
}

pub(super) fn mortality(members: &[Member<'_>]) -> Mortality {
    let (mut t, mut td, mut c, mut cd) = (0usize, 0usize, 0.0, 0.0);
    for m in members {
        if m.treated {
            t += 1;
            td += usize::from(m.windows.death_within_year > 0.0);
        } else {
            c += m.weight;
            cd += m.weight * m.windows.death_within_year;
        }
    }
    Mortality {
        treated: t,
        treated_deaths: td,
        controls: c,
        control_deaths: cd,
        treated_percent: 100.0 * td as f64 / t.max(1) as f64,
        control_percent: if c > 0.0 { 100.0 * cd / c } else { 0.0 },
    }
}

pub(super) fn monthly(members: &[Member<'_>]) -> Vec<MonthlySeries> {
    let months = members.first().map_or(0, |m| m.windows.monthly_days.len());
    MONTHLY
        .iter()
        .enumerate()
        .map(|(slot, &o)| {
            let mut sums = vec![[0.0f64; 4]; months]; // treated events, days, control events, days
            for m in members {
                let base = if m.treated { 0 } else { 2 };
                for (k, s) in sums.iter_mut().enumerate() {
                    s[base] += m.weight * m.windows.monthly_events[k][slot];
                    s[base + 1] += m.weight * m.windows.monthly_days[k];
                }
            }
            let rate = |e: f64, d: f64| (d > 0.0).then(|| e / d * 365.25 * 1000.0);
            MonthlySeries {
                outcome: OUTCOMES[o].name.to_string(),
                months: (0..months as i32).map(|k| k - MONTHS_BEFORE).collect(),
                treated: sums.iter().map(|s| rate(s[0], s[1])).collect(),
                controls: sums.iter().map(|s| rate(s[2], s[3])).collect(),
            }
        })
        .collect()
}
