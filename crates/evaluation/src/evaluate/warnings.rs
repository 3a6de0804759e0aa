//! The warnings printed beside the figures they undermine: the follow-up of controls,
//! negative controls and placebo runs that fail.

use super::*;

/// What the way controls discussed later are followed does to the estimate, where enough
/// of them are.
pub(super) fn follow_up_warning(
    follow_up: ControlFollowUp,
    matchings: usize,
    attrition: &Attrition,
    censoring: Option<&CensoringReport>,
) -> Option<String> {
    let later = attrition.controls_discussed_within_year;
    let share = 100.0 * later as f64 / attrition.matched_controls.max(1) as f64;
    if share < 5.0 {
        return None;
    }
    let who = format!(
        "{later} of {} matched controls ({share:.0}%) were discussed at an MDT within their year \
         of follow-up",
        attrition.matched_controls
    );
    Some(match follow_up {
        ControlFollowUp::IntentionToTreat => format!(
            "{who}; followed as controls (intention to treat), they share any effect of the MDT, \
             so the estimate is drawn towards no effect (the default, --control-follow-up \
             weighted, estimates the effect of an MDT against none)"
        ),
        ControlFollowUp::Censored => format!(
            "{who}; followed only until then, the controls left are those whose use fell, so \
             the estimate is biased towards harm"
        ),
        ControlFollowUp::Weighted => {
            let c = censoring.cloned().unwrap_or_default();
            format!(
                "{who}; followed until then with inverse probability of censoring weights (mean \
                 {:.2}, largest {:.1}, {} control-months capped at {}): large weights mean \
                 people like them are nearly always discussed, and the estimate leans on few \
                 controls. The intention-to-treat column follows them through their year \
                 without weights: drawn towards no effect where the MDT works, but free of the \
                 weights, so a change seen there too does not rest on them. {}",
                c.mean_weight,
                c.max_weight,
                c.capped,
                crate::censoring::WEIGHT_CAP,
                if matchings > 1 {
                    "Its interval carries the variance between matchings, without which a single \
                     matching's weighted interval is too narrow: on twenty synthetic boroughs with \
                     no effect a single matching's weighted ratio varied from borough to borough \
                     1.4 to 1.7 times as much as its interval allowed, and averaged over three \
                     matchings its interval held 1 in every borough (docs/evaluation.md, \"Is the \
                     weighted interval wide enough?\")"
                } else {
                    "With one matching (--matchings 1) the weighted interval is too narrow: on \
                     twenty synthetic boroughs with no effect the weighted ratio varied from \
                     borough to borough 1.4 to 1.7 times as much as its interval allowed \
                     (docs/studies/evaluation-recovery.md, \"Is the weighted interval wide enough?\")"
                }
            )
        }
    })
}

/// Negative controls must be count outcomes of the evaluation: their ratio is what is read.
pub(super) fn check_negative_controls(names: &[String]) -> Result<(), EvaluationError> {
    let counts = || OUTCOMES.iter().filter(|o| o.kind == Kind::Count);
    match names
        .iter()
        .find(|n| !counts().any(|o| o.name == n.as_str()))
    {
        Some(name) => Err(EvaluationError::NotACountOutcome(
            name.clone(),
            counts().map(|o| o.name).collect::<Vec<_>>().join(", "),
        )),
        None => Ok(()),
    }
}

/// A negative control whose 95% CI leaves out 1: the comparison finds a change the MDT
/// cannot have made, so it is biased for that outcome and may be for the others. Said first.
pub(super) fn negative_control_warnings(
    names: &[String],
    outcomes: &[OutcomeResult],
) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| names.contains(&o.name))
        .filter_map(|o| {
            let r = o.effect_ratio?;
            let (lower, upper) = (r.lower?, r.upper?);
            (!r.covers(1.0)).then(|| {
                format!(
                    "{}: named as an outcome the MDT cannot change (a negative control), yet \
                     its ratio of rate ratios is {:.2} ({lower:.2} to {upper:.2}), not 1. The \
                     comparison is biased for it and may be for the outcomes the MDT is meant \
                     to change: do not quote them without this caveat",
                    o.label, r.estimate
                )
            })
        })
        .collect()
}

/// A placebo ratio whose 95% CI leaves out 1: with every index moved before the person's
/// first MDT, the comparison still finds a change. Part of it is by design: the placebo's
/// treated are picked for an MDT later, on need that rose after its index (within the year
/// before the first MDT, rising use; further back, slower change), and part can be bias the
/// main estimate shares; a placebo cannot tell the two apart. Said first, so that nobody
/// quotes the estimate without it.
pub(super) fn placebo_warnings(placebos: &[Placebo]) -> Vec<String> {
    placebos
        .iter()
        .flat_map(|p| p.outcomes.iter().map(move |o| (p, o)))
        .filter_map(|(p, o)| {
            let r = o.effect_ratio?;
            let (lower, upper) = (r.lower?, r.upper?);
            let why = if p.beyond_selection() {
                "Its year after ends before the year in which people are picked for an MDT, \
                 but its treated are still people whose need was about to rise and their \
                 controls people who were not picked, so part of this is selection on a \
                 slower course (on synthetic boroughs with no effect, where the matched \
                 comparison holds, placebos 24 to 48 months back miss 1 too); the rest is \
                 bias the matched estimate may share: do not quote it without this caveat"
            } else {
                "Its year after overlaps the year before a first MDT, when people are picked \
                 for one, so part of this is selection on rising use; the rest is bias the \
                 matched estimate may share: do not quote it without this caveat"
            };
            (!r.covers(1.0)).then(|| {
                format!(
                    "{}: the placebo run (every index {} months before the first MDT) gives \
                     {:.2} ({lower:.2} to {upper:.2}), not 1. {why}",
                    o.label, p.months_earlier, r.estimate
                )
            })
        })
        .collect()
}

pub(super) fn warnings_of(
    attrition: &Attrition,
    balance: &[BalanceRow],
    networks: &[NetworkResult],
    mortality: &Mortality,
    outcomes: &[OutcomeResult],
) -> Vec<String> {
    let mut warnings = Vec::new();
    if attrition.lost_to_caliper > 0 {
        warnings.push(format!(
            "{} of {} treated people had no control within the caliper and are left out: the \
             estimate is for the treated who could be matched",
            attrition.lost_to_caliper, attrition.treated.eligible
        ));
    }
    let unbalanced: Vec<&str> = balance
        .iter()
        .filter(|b| !b.balanced)
        .map(|b| b.name.as_str())
        .collect();
    if !unbalanced.is_empty() {
        warnings.push(format!(
            "not balanced after matching (|SMD| over its threshold or variance ratio outside 0.5-2): {}",
            unbalanced.join(", ")
        ));
    }
    for n in networks.iter().filter(|n| n.smd_standard_error > 0.1) {
        warnings.push(format!(
            "network {}: {} matched sets, so an SMD's standard error under perfect balance is {:.2}; \
             |SMD| over 0.1 there can be chance",
            n.network, n.matched, n.smd_standard_error
        ));
    }
    if (mortality.treated_percent - mortality.control_percent).abs() > 2.0 {
        warnings.push(format!(
            "deaths in the year after the index differ by arm ({:.1}% treated, {:.1}% controls): \
             a gap suggests confounding the matching did not remove",
            mortality.treated_percent, mortality.control_percent
        ));
    }
    for o in outcomes {
        if let (Some(effect), Some(naive)) = (o.effect_ratio, Some(o.naive_ratio.estimate))
            && naive < effect.estimate * 0.9
        {
            warnings.push(format!(
                "{}: the naive before/after ({:.2}) shows a much larger fall than the matched \
                 estimate ({:.2}); quote the matched estimate",
                o.label, naive, effect.estimate
            ));
        }
    }
    warnings
}
