//! Publication: the one rule set that turns a snapshot's exact figures into the figures
//! the public may see, applied once to a whole snapshot ([`publish`]). Everything Accord
//! publishes (`accord serve --public`, `accord export --public`) is read from the
//! published copy, so no route can forget a rule. `docs/disclosure.md` gives each rule
//! with its reason and its reference (OpenSAFELY's output-checking rules; the ONS and
//! NHS England guidance on small numbers).
//!
//! 1. **Primary**: a count from 1 to 7 is withheld, with every figure of its row; other
//!    counts are rounded to the nearest 5 (0 stays 0). A proportion's complement (the
//!    people not counted) is a count too. Person-years are rounded as counts are.
//! 2. **Derived figures from published counts only**: a proportion, a survey agreement
//!    and a crude rate are recomputed, with their intervals, from the rounded counts, so
//!    a value adds nothing to its counts. Standardised rates and means are not ratios of
//!    two counts (their value comes from age bands, or sums of readings or pounds) and are
//!    kept; a mean's numerator, a sum, is never published.
//! 3. **Secondary**: a withheld row that could be recovered by subtraction (the only
//!    withheld group of a breakdown whose total is published; the only withheld practice
//!    of a network or locality) takes a complementary row with it, the smallest, until no
//!    total has exactly one withheld part.
//! 4. **Nothing derived from a withheld row**: no comparison, RAG, trend, deprivation gap
//!    or slope index (a gap or SII needs all five quintiles published, and is recomputed
//!    from their published figures); funnel and SPC limits are computed again from the
//!    published figures ([`crate::control`]).
//! 5. **The profile under the same rules**: population bands, segment sizes and their
//!    activity (rates then follow from rounded counts), flows between segments, rows per
//!    month and completeness.
//!
//! A withheld count is [`WITHHELD`] (NaN) in the published copy, shown as `*` (CSV) or
//! `null` (JSON); [`shown`] reads a count back as `None` where it is withheld. A published
//! copy says so (`Summary::published`), and `Snapshot::write` refuses it.

use std::collections::{BTreeMap, HashMap};

use accord_stats::{Confidence, Estimate, disclose_count, proportion, rate};
use chrono::NaiveDate;

use crate::profile::Profile;
use crate::{Areas, InequalityRow, ResultRow, Snapshot};

/// A withheld count in a published snapshot.
pub const WITHHELD: f64 = f64::NAN;

/// The note of a withheld row. Primary and secondary suppression read alike, so the note
/// does not say which rows hold more than 7.
pub const WITHHELD_NOTE: &str = "withheld: a small number, or one that would let a small number be worked out (disclosure control)";

/// A count as the public sees it: `None` where it is withheld.
pub fn shown(count: f64) -> Option<f64> {
    count.is_finite().then_some(count)
}

/// Is this a count the rules withhold (more than 0, fewer than 8 once rounded to whole)?
fn small(count: f64) -> bool {
    count > 0.0 && count.round() <= 7.0
}

/// A count published: 0 stays 0, others rounded to the nearest 5 (small counts never
/// reach here).
fn rounded(count: f64) -> f64 {
    disclose_count(count.round().max(0.0) as u64).map_or(WITHHELD, |n| n as f64)
}

/// The published copy of `snapshot`.
pub fn publish(snapshot: &Snapshot) -> Snapshot {
    let summary = &snapshot.summary;
    let scales: HashMap<(&str, &str), Option<f64>> = summary
        .indicators
        .iter()
        .map(|i| ((i.framework.as_str(), i.id.as_str()), i.scale))
        .collect();
    let withheld = withheld_rows(&snapshot.results, &summary.areas);
    let results: Vec<ResultRow> = snapshot
        .results
        .iter()
        .zip(&withheld)
        .map(|(row, &withheld)| {
            let scale = scales
                .get(&(row.framework.as_str(), row.indicator.as_str()))
                .copied()
                .flatten();
            published_row(row, withheld, scale)
        })
        .collect();
    let quintiles: HashMap<(&str, &str, NaiveDate, &str), &ResultRow> = results
        .iter()
        .filter(|r| r.breakdown == "imd_quintile")
        .map(|r| {
            let key = (r.framework.as_str(), r.indicator.as_str(), r.period_end);
            ((key.0, key.1, key.2, r.group.as_str()), r)
        })
        .collect();
    let inequality = snapshot
        .inequality
        .iter()
        .filter_map(|row| published_inequality(row, &quintiles))
        .collect();
    let mut summary = summary.clone();
    for entry in &mut summary.indicators {
        entry.latest = results
            .iter()
            .filter(|r| {
                r.framework == entry.framework && r.indicator == entry.id && r.breakdown == "all"
            })
            .max_by_key(|r| r.period_end)
            .cloned();
        entry.redraw_spc(&results);
    }
    let funnels = crate::control::funnels(&summary.indicators, &results);
    summary.profile = published_profile(&summary.profile);
    summary.published = true;
    Snapshot {
        summary,
        results,
        inequality,
        funnels,
        framework_files: snapshot.framework_files.clone(),
        // Money is not published yet: its spend by small groups has no disclosure rules
        // (docs/money.md, "Not done yet").
        money: None,
    }
}

/// The counts of a row the rules look at: the numerator where it is a count, the
/// denominator, and a proportion's complement.
fn counts_of(row: &ResultRow) -> Vec<f64> {
    match row.measure.as_str() {
        "proportion" | "survey_agreement" => vec![
            row.numerator,
            row.denominator,
            row.denominator - row.numerator,
        ],
        m if m.starts_with("mean") => vec![row.denominator],
        _ => vec![row.numerator, row.denominator],
    }
}

/// Which rows are withheld: the primary rule, then complementary rows until no total
/// has exactly one withheld part.
fn withheld_rows(rows: &[ResultRow], areas: &Areas) -> Vec<bool> {
    let mut withheld: Vec<bool> = rows
        .iter()
        .map(|r| counts_of(r).into_iter().any(small))
        .collect();
    let families = families(rows, areas);
    let size = |i: usize| rows[i].denominator;
    // The people counted, where whole: a numerator of people, events or answers, and the
    // denominator of people or answers (person-years are not whole, so cannot be pinned).
    let whole_counts = |i: usize| -> Vec<f64> {
        let r = &rows[i];
        match r.measure.as_str() {
            "proportion" | "survey_agreement" => vec![r.numerator, r.denominator],
            m if m.starts_with("mean") => vec![r.denominator],
            _ => vec![r.numerator],
        }
    };
    loop {
        suppress_complements(&mut withheld, &families, size);
        if !withhold_pinning_totals(&mut withheld, &families, &whole_counts) {
            return withheld;
        }
    }
}

/// Withholds each published total from which a reader could pin a withheld part to one
/// value: a reader who takes every withheld part to be 1 to 7 (the rule's range) and every
/// published count to be within 2 of the truth. With many withheld parts under a small
/// total (a survey answered by a handful in each network) every part can be forced to 1.
/// Returns whether anything was withheld.
fn withhold_pinning_totals(
    withheld: &mut [bool],
    families: &[Family],
    counts: &dyn Fn(usize) -> Vec<f64>,
) -> bool {
    let mut changed = false;
    for family in families {
        if withheld[family.total] {
            continue;
        }
        let hidden = family.parts.iter().filter(|&&p| withheld[p]).count();
        if hidden == 0 {
            continue;
        }
        let pinned = counts(family.total).iter().enumerate().any(|(k, &total)| {
            let published: Vec<f64> = family
                .parts
                .iter()
                .filter(|&&p| !withheld[p])
                .map(|&p| rounded(counts(p)[k]))
                .collect();
            let (low, high) = feasible_part(rounded(total), &published, hidden);
            low == high
        });
        if pinned {
            withheld[family.total] = true;
            changed = true;
        }
    }
    changed
}

/// The values one of `hidden` withheld parts can take, to a reader who knows the rounded
/// total and the rounded published parts and takes each withheld part to be 1 to 7.
pub(crate) fn feasible_part(total: f64, published: &[f64], hidden: usize) -> (f64, f64) {
    let margin = |x: f64| if x == 0.0 { 0.0 } else { 2.0 };
    let low_rest: f64 = published.iter().map(|&p| p - margin(p)).sum();
    let high_rest: f64 = published.iter().map(|&p| p + margin(p)).sum();
    let others = (hidden - 1) as f64;
    let low = (total - margin(total)) - high_rest - 7.0 * others;
    let high = (total + margin(total)) - low_rest - others;
    (low.max(1.0), high.min(7.0))
}

/// A total and the parts that add up to it: the positions of their rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Family {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Withholds complementary parts until no family whose total is published has exactly
/// one withheld part. The complement is the published part of least `size`; a family
/// with no other part gives up its total instead.
pub(crate) fn suppress_complements(
    withheld: &mut [bool],
    families: &[Family],
    size: impl Fn(usize) -> f64,
) {
    loop {
        let mut changed = false;
        for family in families {
            if withheld[family.total] {
                continue;
            }
            let hidden = family.parts.iter().filter(|&&p| withheld[p]).count();
            if hidden != 1 {
                continue;
            }
            let complement = family
                .parts
                .iter()
                .copied()
                .filter(|&p| !withheld[p])
                .min_by(|&a, &b| size(a).total_cmp(&size(b)));
            withheld[complement.unwrap_or(family.total)] = true;
            changed = true;
        }
        if !changed {
            return;
        }
    }
}

/// The rows of one indicator and period by (breakdown, group).
type Cells<'a> = BTreeMap<(&'a str, &'a str), usize>;

/// The totals and their parts among one snapshot's rows: each breakdown's groups under
/// the whole population, and the area breakdowns' nesting (practices under their network
/// and their locality; networks, with the practices outside any network, under their
/// locality), within each indicator and period.
fn families(rows: &[ResultRow], areas: &Areas) -> Vec<Family> {
    let mut cells: BTreeMap<(&str, &str, NaiveDate), Cells> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        cells
            .entry((r.framework.as_str(), r.indicator.as_str(), r.period_end))
            .or_default()
            .insert((r.breakdown.as_str(), r.group.as_str()), i);
    }
    let mut families = Vec::new();
    for cells in cells.values() {
        let mut parts_of: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for (&(breakdown, group), &i) in cells {
            if breakdown == "all" {
                continue;
            }
            parts_of.entry(("all", breakdown)).or_default().push(i);
            if breakdown == "practice"
                && let Some((network, locality)) = areas.practices.get(group)
            {
                parts_of.entry(("network", network)).or_default().push(i);
                parts_of.entry(("locality", locality)).or_default().push(i);
                if network == "none" {
                    parts_of
                        .entry(("locality-networks", locality))
                        .or_default()
                        .push(i);
                }
            }
            if breakdown == "network"
                && let Some(locality) = areas.networks.get(group)
            {
                parts_of
                    .entry(("locality-networks", locality))
                    .or_default()
                    .push(i);
            }
        }
        for ((kind, key), parts) in parts_of {
            let total = match kind {
                "all" => cells.get(&("all", "all")),
                "network" => cells.get(&("network", key)),
                _ => cells.get(&("locality", key)),
            };
            if let (Some(&total), false) = (total, parts.is_empty()) {
                families.push(Family { total, parts });
            }
        }
    }
    families
}

fn estimate_pair(
    f: impl Fn(Confidence) -> Option<Estimate>,
) -> (Option<Estimate>, Option<Estimate>) {
    (f(Confidence::P95), f(Confidence::P998))
}

/// A row as published.
fn published_row(row: &ResultRow, withheld: bool, scale: Option<f64>) -> ResultRow {
    if withheld {
        return ResultRow {
            numerator: WITHHELD,
            denominator: WITHHELD,
            value: None,
            lower95: None,
            upper95: None,
            lower998: None,
            upper998: None,
            vs_benchmark: None,
            vs_target: None,
            vs_year_earlier: None,
            trend: None,
            note: Some(WITHHELD_NOTE.into()),
            ..row.clone()
        };
    }
    let mean = row.measure.starts_with("mean");
    let numerator = if mean {
        WITHHELD
    } else {
        rounded(row.numerator)
    };
    let denominator = rounded(row.denominator);
    let recomputed = match (row.measure.as_str(), scale) {
        ("proportion" | "survey_agreement", Some(scale)) if row.value.is_some() => {
            Some(estimate_pair(|c| {
                proportion(numerator, denominator, c)
                    .ok()
                    .map(|e| scaled(e, scale))
            }))
        }
        ("rate", Some(per)) if row.value.is_some() => {
            Some(estimate_pair(|c| rate(numerator, denominator, per, c).ok()))
        }
        _ => None,
    };
    let mut out = ResultRow {
        numerator,
        denominator,
        ..row.clone()
    };
    if let Some((p95, p998)) = recomputed {
        out.value = p95.map(|e| e.value);
        out.lower95 = p95.map(|e| e.lower);
        out.upper95 = p95.map(|e| e.upper);
        out.lower998 = p998.map(|e| e.lower);
        out.upper998 = p998.map(|e| e.upper);
    }
    out
}

fn scaled(e: Estimate, scale: f64) -> Estimate {
    Estimate {
        value: e.value * scale,
        lower: e.lower * scale,
        upper: e.upper * scale,
    }
}

/// An inequality row recomputed from the published quintiles, or none where any quintile
/// is withheld or has no value.
fn published_inequality(
    row: &InequalityRow,
    quintiles: &HashMap<(&str, &str, NaiveDate, &str), &ResultRow>,
) -> Option<InequalityRow> {
    let quintiles: Vec<&ResultRow> = ["1", "2", "3", "4", "5"]
        .iter()
        .map(|q| {
            quintiles
                .get(&(
                    row.framework.as_str(),
                    row.indicator.as_str(),
                    row.period_end,
                    *q,
                ))
                .copied()
        })
        .collect::<Option<_>>()?;
    let published: Vec<(f64, Estimate)> = quintiles
        .iter()
        .map(|q| {
            let estimate = Estimate {
                value: q.value?,
                lower: q.lower95?,
                upper: q.upper95?,
            };
            Some((shown(q.denominator)?, estimate))
        })
        .collect::<Option<_>>()?;
    InequalityRow::from_quintiles(
        &row.framework,
        &row.indicator,
        (row.period_start, row.period_end),
        &published,
        row.sii.is_some(),
    )
}

/// The profile under the same rules.
fn published_profile(profile: &Profile) -> Profile {
    let mut out = profile.clone();
    for band in &mut out.population {
        band.people = count(band.people);
    }
    // Segments: a segment-year is withheld with all its counts if any is small; the
    // segments of one model and year add up to everyone registered.
    let mut withheld: Vec<bool> = profile
        .segments
        .iter()
        .map(|s| {
            [
                s.people,
                s.emergency_admissions,
                s.ae_attendances,
                s.gp_appointments,
            ]
            .into_iter()
            .any(small)
        })
        .collect();
    let mut groups: BTreeMap<(&str, NaiveDate), Vec<usize>> = BTreeMap::new();
    for (i, s) in profile.segments.iter().enumerate() {
        groups
            .entry((s.model.as_str(), s.period_end))
            .or_default()
            .push(i);
    }
    suppress_among_parts(&mut withheld, groups.into_values(), |i| {
        profile.segments[i].people
    });
    for (segment, withheld) in out.segments.iter_mut().zip(withheld) {
        if withheld {
            segment.people = WITHHELD;
            segment.cost_gbp = WITHHELD;
            segment.emergency_admissions = WITHHELD;
            segment.ae_attendances = WITHHELD;
            segment.gp_appointments = WITHHELD;
        } else {
            segment.people = rounded(segment.people);
            segment.emergency_admissions = rounded(segment.emergency_admissions);
            segment.ae_attendances = rounded(segment.ae_attendances);
            segment.gp_appointments = rounded(segment.gp_appointments);
        }
    }
    // Flows: the flows out of a segment add up to it, as do the flows into one.
    let mut withheld: Vec<bool> = profile.flows.iter().map(|f| small(f.people)).collect();
    let mut groups: BTreeMap<(&str, NaiveDate, &str, bool), Vec<usize>> = BTreeMap::new();
    for (i, f) in profile.flows.iter().enumerate() {
        let key = (f.model.as_str(), f.from_date);
        groups
            .entry((key.0, key.1, f.from_segment.as_str(), true))
            .or_default()
            .push(i);
        groups
            .entry((key.0, key.1, f.to_segment.as_str(), false))
            .or_default()
            .push(i);
    }
    suppress_among_parts(&mut withheld, groups.into_values(), |i| {
        profile.flows[i].people
    });
    for (flow, withheld) in out.flows.iter_mut().zip(withheld) {
        flow.people = if withheld {
            WITHHELD
        } else {
            rounded(flow.people)
        };
    }
    for month in &mut out.monthly_rows {
        month.rows = count(month.rows);
    }
    for c in &mut out.completeness {
        if [c.rows, c.filled, c.rows - c.filled].into_iter().any(small) {
            c.rows = WITHHELD;
            c.filled = WITHHELD;
        } else {
            c.rows = rounded(c.rows);
            c.filled = rounded(c.filled);
        }
    }
    out
}

/// A count alone: withheld if small, else rounded.
fn count(n: f64) -> f64 {
    if small(n) { WITHHELD } else { rounded(n) }
}

/// Complementary suppression among groups of parts whose total is not published by
/// itself (segments of a year, flows out of or into a segment): a group with exactly one
/// withheld part gives up its smallest other part too.
fn suppress_among_parts(
    withheld: &mut [bool],
    groups: impl Iterator<Item = Vec<usize>>,
    size: impl Fn(usize) -> f64,
) {
    // The group's total is known to the reader (a segment's size the year before, the
    // registered population): model it as a published total outside the rows.
    let parts: Vec<Vec<usize>> = groups.collect();
    let outside = withheld.len();
    let mut flags: Vec<bool> = withheld.to_vec();
    flags.push(false);
    let families: Vec<Family> = parts
        .into_iter()
        .map(|parts| Family {
            total: outside,
            parts,
        })
        .collect();
    suppress_complements(&mut flags, &families, |i| {
        if i == outside { f64::INFINITY } else { size(i) }
    });
    flags[outside] = false;
    withheld.copy_from_slice(&flags[..outside]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_total_that_pins_its_withheld_parts_is_withheld() {
        // A total published as 10 (8 to 12) over twelve withheld parts and one published 0:
        // twelve parts of at least 1 make at least 12, so every part must be 1.
        assert_eq!(feasible_part(10.0, &[0.0], 12), (1.0, 1.0));
        assert_eq!(feasible_part(10.0, &[0.0], 11), (1.0, 2.0));
        // Over two withheld parts, one of them 1 to 7 and the other anything, it is not.
        let (low, high) = feasible_part(20.0, &[10.0], 2);
        assert!(high > low);
    }

    #[test]
    fn one_withheld_part_takes_the_smallest_other_with_it() {
        // Total 0; parts 1 (withheld), 2 (size 30), 3 (size 12).
        let mut withheld = vec![false, true, false, false];
        let families = [Family {
            total: 0,
            parts: vec![1, 2, 3],
        }];
        let sizes = [100.0, 5.0, 30.0, 12.0];
        suppress_complements(&mut withheld, &families, |i| sizes[i]);
        assert_eq!(withheld, [false, true, false, true]);
        // A family of one part gives up its total.
        let mut withheld = vec![false, true];
        let families = [Family {
            total: 0,
            parts: vec![1],
        }];
        suppress_complements(&mut withheld, &families, |_| 1.0);
        assert_eq!(withheld, [true, true]);
    }

    proptest! {
        /// On random families, no published total ever has exactly one withheld part.
        #[test]
        fn no_published_total_has_exactly_one_withheld_part(
            sizes in prop::collection::vec(0u32..40, 2..30),
            layout in prop::collection::vec(prop::collection::vec(0usize..30, 1..6), 1..8),
        ) {
            let n = sizes.len();
            let families: Vec<Family> = layout
                .iter()
                .filter_map(|parts| {
                    let parts: std::collections::BTreeSet<usize> =
                        parts.iter().map(|p| p % n).filter(|&p| p != 0).collect();
                    (!parts.is_empty()).then(|| Family { total: 0, parts: parts.into_iter().collect() })
                })
                .collect();
            let mut withheld: Vec<bool> = sizes.iter().map(|&s| small(f64::from(s))).collect();
            suppress_complements(&mut withheld, &families, |i| f64::from(sizes[i]));
            for family in &families {
                let hidden = family.parts.iter().filter(|&&p| withheld[p]).count();
                prop_assert!(withheld[family.total] || hidden != 1);
            }
        }

        /// A published count is 0 or a multiple of 5 of at least 10 within 2 of the
        /// truth; 1 to 7 is withheld.
        #[test]
        fn published_counts_are_rounded_or_withheld(n in 0u32..100_000) {
            let c = count(f64::from(n));
            if (1..=7).contains(&n) {
                prop_assert!(c.is_nan());
            } else {
                prop_assert_eq!(c % 5.0, 0.0);
                prop_assert!((c - f64::from(n)).abs() <= 2.0);
                prop_assert!(c == 0.0 || c >= 10.0);
            }
        }
    }
}
