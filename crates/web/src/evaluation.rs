//! The evaluation report: the same body in the dashboard (`/evaluation`) and as a
//! self-contained HTML file (`accord evaluate --html`), with the balance plot, pre/post bars
//! per network (as seed 004 drew them), a forest plot, monthly rates and every diagnostic.

use accord_chart::{Bar, BarChart, Figure as Chart, Labels, LineChart, Series, Tone, number};
use accord_evaluation::estimate::{Interval, OutcomeResult};
use accord_evaluation::outcomes::Kind;
use accord_evaluation::{ControlFollowUp, ControlPool, Evaluation};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::pages::chart;

fn ci(i: &Interval, digits: usize) -> String {
    match (i.lower, i.upper) {
        (Some(l), Some(u)) => format!("{:.digits$} ({l:.digits$} to {u:.digits$})", i.estimate),
        _ => format!("{:.digits$}", i.estimate),
    }
}

/// Ratio of rate ratios with CIs, overall and per network, for one outcome.
fn forest(e: &Evaluation, outcome: &str, id: &str) -> Chart {
    let row = |label: String, o: Option<&OutcomeResult>| {
        let effect = o.and_then(|o| o.effect_ratio);
        Bar {
            label,
            value: effect.map(|r| r.estimate),
            lower: effect.and_then(|r| r.lower),
            upper: effect.and_then(|r| r.upper),
            tone: match effect {
                Some(r) if r.upper.is_some_and(|u| u < 1.0) => Tone::Better,
                Some(r) if r.lower.is_some_and(|l| l > 1.0) => Tone::Worse,
                _ => Tone::Similar,
            },
            note: o
                .and_then(|o| o.p_value)
                .map_or_else(|| "too few people".into(), |p| format!("p = {p:.3}")),
        }
    };
    let label = e
        .outcomes
        .iter()
        .find(|o| o.name == outcome)
        .map_or(outcome.to_string(), |o| o.label.clone());
    let mut bars = vec![row(
        "All networks".into(),
        e.outcomes.iter().find(|o| o.name == outcome),
    )];
    for n in &e.networks {
        bars.push(row(
            format!("{} ({} matched)", n.network, n.matched),
            n.outcomes.iter().find(|o| o.name == outcome),
        ));
    }
    accord_chart::bars(&BarChart {
        labels: Labels {
            id: id.into(),
            title: format!("Matched difference in differences: {label}"),
            description: format!(
                "Ratio of rate ratios of {label} (treated post/pre over controls post/pre) with 95% confidence intervals (cluster-robust; by Rubin's rules where averaged over several matchings), overall and by network; 1 means no effect, below 1 fewer than expected."
            ),
            x: "Ratio of rate ratios".into(),
            y: "Network".into(),
        },
        bars,
        reference: Some(("no effect".into(), 1.0)),
        step: 0.01,
    })
}

/// Rates before and after in each arm, per network (seed 004's chart).
fn pre_post(e: &Evaluation, outcome: &str, id: &str) -> Chart {
    let mut bars = Vec::new();
    let mut add = |name: &str, o: &OutcomeResult| {
        for (arm, pre, post) in [
            ("MDT", o.treated_pre, o.treated_post),
            ("controls", o.control_pre, o.control_post),
        ] {
            for (period, value, tone) in [
                ("before", pre, Tone::NotCompared),
                ("after", post, Tone::Different),
            ] {
                bars.push(Bar {
                    label: format!("{name} {arm} {period}"),
                    value: Some(value),
                    lower: None,
                    upper: None,
                    tone,
                    note: String::new(),
                });
            }
        }
    };
    if let Some(o) = e.outcomes.iter().find(|o| o.name == outcome) {
        add("All", o);
    }
    for n in &e.networks {
        if let Some(o) = n.outcomes.iter().find(|o| o.name == outcome) {
            add(&n.network, o);
        }
    }
    accord_chart::bars(&BarChart {
        labels: Labels {
            id: id.into(),
            title: format!("{outcome}: 12 months before and after, by network"),
            description: "Rates per 1,000 person-years in the 12 months before and after the index date, for people discussed at an MDT and their matched controls.".into(),
            x: "Per 1,000 person-years".into(),
            y: "Network, arm and period".into(),
        },
        bars,
        reference: None,
        step: 1.0,
    })
}

/// |SMD| before and after matching, covariate by covariate (a Love plot as bars).
fn balance_plot(e: &Evaluation) -> Chart {
    let mut bars = Vec::new();
    for b in &e.balance {
        for (when, smd, tone) in [
            ("before", b.before.smd, Tone::Worse),
            (
                "after",
                b.after.smd,
                if b.balanced {
                    Tone::Better
                } else {
                    Tone::Worse
                },
            ),
        ] {
            bars.push(Bar {
                label: format!("{} {when}", b.name),
                value: smd.is_finite().then_some(smd.abs()),
                lower: None,
                upper: None,
                tone: if when == "before" {
                    Tone::NotCompared
                } else {
                    tone
                },
                note: format!("SMD {smd:.3}"),
            });
        }
    }
    accord_chart::bars(&BarChart {
        labels: Labels {
            id: "balance".into(),
            title: "Covariate balance before and after matching".into(),
            description: "Absolute standardised mean difference of each covariate before and after matching (MatchIt's ATT definition); under 0.1 is balanced (0.05 for prior emergency admissions and the risk score).".into(),
            x: "|SMD|".into(),
            y: "Covariate".into(),
        },
        bars,
        reference: Some(("0.1".into(), 0.1)),
        step: 0.001,
    })
}

fn monthly_chart(e: &Evaluation, index: usize) -> Option<Chart> {
    let s = e.monthly.get(index)?;
    Some(accord_chart::line(&LineChart {
        labels: Labels {
            id: format!("monthly-{}", s.outcome),
            title: format!("{} by month around the index date", s.outcome),
            description: "Monthly rates per 1,000 person-years from 24 months before to 12 months after the index date (first MDT, or the matched person's date for controls). A spike just before the index that falls back in both arms is regression to the mean.".into(),
            x: "Months from the index date".into(),
            y: "Per 1,000 person-years".into(),
        },
        categories: s.months.iter().map(|m| m.to_string()).collect(),
        series: vec![
            Series {
                name: "MDT".into(),
                values: s.treated.clone(),
                band: None,
            },
            Series {
                name: "matched controls".into(),
                values: s.controls.clone(),
                band: None,
            },
        ],
        target: None,
        zero: true,
        step: 1.0,
    }))
}

fn overlap_chart(e: &Evaluation) -> Chart {
    let bins = &e.propensity.overlap;
    let share = |v: Vec<f64>| {
        let total: f64 = v.iter().sum();
        v.into_iter()
            .map(|x| (total > 0.0).then(|| 100.0 * x / total))
            .collect::<Vec<_>>()
    };
    accord_chart::line(&LineChart {
        labels: Labels {
            id: "overlap".into(),
            title: "Propensity score overlap".into(),
            description: "Share of each group in bands of the logit of the propensity score: the treated, all candidate controls, and the matched controls. Matched controls should follow the treated.".into(),
            x: "Logit of the propensity score (band start)".into(),
            y: "% of the group".into(),
        },
        categories: bins.iter().map(|b| format!("{:.1}", b.from)).collect(),
        series: vec![
            Series {
                name: "MDT".into(),
                values: share(bins.iter().map(|b| b.treated_before as f64).collect()),
                band: None,
            },
            Series {
                name: "all candidate controls".into(),
                values: share(bins.iter().map(|b| b.controls_before as f64).collect()),
                band: None,
            },
            Series {
                name: "matched controls".into(),
                values: share(bins.iter().map(|b| b.controls_after).collect()),
                band: None,
            },
        ],
        target: None,
        zero: true,
        step: 0.1,
    })
}

fn outcome_table(outcomes: &[OutcomeResult]) -> Markup {
    html! {
        div.table-scroll { table {
            thead { tr {
                th scope="col" { "Outcome" }
                th scope="col" { "MDT before" } th scope="col" { "MDT after" }
                th scope="col" { "Controls before" } th scope="col" { "Controls after" }
                th scope="col" { "Naive before/after (MDT)" } th scope="col" { "Controls' before/after" }
                th scope="col" { "Matched DiD ratio (95% CI)" } th scope="col" { "p" }
                th scope="col" { "First matching alone (95% CI); SD between matchings (of the log ratio; of the difference for costs and the score)" }
                th scope="col" { "Smallest fall detectable (80% power)" }
                th scope="col" { abbr title="How strong a confounder the matching missed would have to be, with both the MDT and the outcome, to explain the ratio away (and, in brackets, to move its interval to hold 1): VanderWeele and Ding 2017" { "E-value" } }
                th scope="col" { "Negative binomial ratio (95% CI)" }
                th scope="col" { "Intention-to-treat ratio (95% CI)" }
                th scope="col" { "Absolute change (95% bootstrap CI)" }
            } }
            tbody { @for o in outcomes { tr {
                th scope="row" { (o.label) }
                td { (number(o.treated_pre, 0.1)) } td { (number(o.treated_post, 0.1)) }
                td { (number(o.control_pre, 0.1)) } td { (number(o.control_post, 0.1)) }
                td { (ci(&o.naive_ratio, 3)) } td { (ci(&o.control_ratio, 3)) }
                td { (o.effect_ratio.as_ref().map_or_else(|| o.note.clone().unwrap_or_else(|| "-".into()), |r| ci(r, 3))) }
                td { (o.p_value.map_or("-".into(), |p| format!("{p:.4}"))) }
                td { (o.over_matchings.map_or("-".into(), |m| {
                    let digits = match o.kind { Kind::Count => 3, Kind::Cost => 0, Kind::Score => 2 };
                    format!("{}; SD {:.digits$}", ci(&m.first_matching, digits), m.between_sd)
                })) }
                td { (o.minimum_detectable_ratio.map_or("-".into(), |r| format!("{:.0}% fewer", 100.0 * (1.0 - r)))) }
                td { (o.e_value.map_or("-".into(), |e| format!("{:.2} ({:.2})", e.estimate, e.confidence_limit))) }
                td { (o.effect_ratio_negative_binomial.as_ref().map_or("-".into(), |r| ci(r, 3))) }
                td { (o.effect_ratio_intention_to_treat.as_ref().map_or("-".into(), |r| ci(r, 3))) }
                td { @match o.kind {
                    Kind::Count => { (ci(&o.absolute, 1)) " per 1,000 person-years" }
                    Kind::Cost => { "£" (ci(&o.absolute, 0)) " per person"
                        @if let Some(t) = o.cohort_total { "; £" (number(t, 1.0)) " for the cohort" } }
                    Kind::Score => { (ci(&o.absolute, 2)) " percentage points" }
                } }
            } } }
        } }
    }
}

/// What the matched ratios are averaged over, or that one matching leaves out its own
/// variance.
fn matchings_text(e: &Evaluation) -> String {
    match e.design.options.matchings {
        0 | 1 => "The ratio is from one matching: its interval, the smallest detectable fall and the E-value of the interval leave out the variance of the matching itself, which on synthetic boroughs is as large as the rest (docs/evaluation.md, \"The matching's own variance\"); --matchings 3 carries it.".into(),
        m => format!("The matched ratios, the costs' and the risk score's differences, their p-values and the intention-to-treat ratios are averaged over {m} matchings, each with the propensity model fitted on its own sample of controls, and their intervals carry the variance between matchings (Rubin's rules: a t interval); the first matching alone is shown beside them. Each network's are averaged the same way over its own matched sets; with a few hundred people a network's matchings can differ a lot, and its interval then widens accordingly. The counts' bootstrap intervals, the negative binomial, balance and placebo figures are the first matching's (docs/evaluation.md, \"The matching's own variance\")."),
    }
}

/// The report's body.
pub fn report(e: &Evaluation) -> Markup {
    let a = &e.attrition;
    let p = &e.propensity;
    html! {
        h1 { "Did the integrated network MDTs work?" }
        p.lead { "People discussed at a network MDT against matched people who were not, 12 months before and after the first MDT (the matched difference in differences of docs/methods.md). A naive before/after of people picked because they were at high risk falls even with no effect: read the matched estimate." }
        @if !e.warnings.is_empty() {
            div.warning role="note" { h2 { "Read first" } ul { @for w in &e.warnings { li { (w) } } } }
        }
        h2 { "Results" }
        p { "Rates per 1,000 person-years (counts) or £ per person (costs). The ratio of rate ratios is from a Poisson model with a log person-time offset and standard errors clustered by matched set; the absolute change and cost differences have pair-bootstrap intervals (" (e.design.options.bootstrap) " resamples, seed " (e.design.options.seed) "). The smallest detectable fall is the one this evaluation would find significant (p < 0.05) four times in five, from the ratio's standard error: a smaller fall can pass unseen, so read \"no significant change\" beside it. The E-value is how strongly a confounder the matching missed would have to be tied to both the MDT and the outcome (as a risk ratio, each) to explain the ratio away, and in brackets to move its interval to hold 1 (VanderWeele and Ding 2017). " (matchings_text(e)) }
        (outcome_table(&e.outcomes))
        (chart(&forest(e, "ae_attendances", "forest-ae"), "Forest plot: A&E attendances"))
        (chart(&forest(e, "emergency_admissions", "forest-emergency"), "Forest plot: emergency admissions"))
        (chart(&pre_post(e, "ae_attendances", "prepost-ae"), "A&E attendances before and after, by network"))
        h2 { "Who was compared" }
        dl.summary-list {
            dt { "Discussed at an MDT" } dd { (a.treated.discussed) }
            dt { "Left out" } dd { (a.treated.index_after_extract) " index after the extract; " (a.treated.index_too_early) " with less than 12 months of data before the index; " (a.treated.not_registered_before_index_month) " not registered before the index month" }
            dt { "Eligible" } dd { (a.treated.eligible) }
            dt { "Control pool" } dd { (a.control_pool_rows) " person-months, " (a.control_pool_people) " people " (match e.design.options.controls { ControlPool::NotYetDiscussed => "not yet discussed in the index month", ControlPool::NeverDiscussed => "never discussed" }) }
            dt { "Matched" } dd { (a.matched_treated) " treated with " (a.matched_controls) " controls (" (a.matched_control_people) " people) in " (a.clusters) " independent clusters; " (a.lost_to_caliper) " treated lost to the caliper" }
            dt { "Controls discussed later" } dd { (a.controls_discussed_within_year) " within their year; " (match e.design.options.follow_up {
                ControlFollowUp::Weighted => match &e.censoring {
                    Some(c) => format!("followed to the month of their MDT, with inverse probability of censoring weights from {}: mean weight {:.2}, largest {:.1}, {} capped at {}", c.fitted_on(), c.mean_weight, c.max_weight, c.capped, accord_evaluation::censoring::WEIGHT_CAP),
                    None => "followed to the month of their MDT with censoring weights".to_string(),
                },
                ControlFollowUp::IntentionToTreat => "followed through the year as controls (intention to treat: drawn towards no effect)".to_string(),
                ControlFollowUp::Censored => "followed only until their MDT, without weights (biased towards harm)".to_string(),
            }) }
            dt { "Matching" } dd { (e.design.options.matching.ratio) ":1 greedy nearest neighbour on the logit of the propensity score, largest first, without replacement; caliper " (p.caliper_width.map_or("none".into(), |w| format!("{w:.3}"))) "; exact on index month" @for f in &e.design.options.exact { ", " (format!("{f:?}").to_lowercase()) } @if let Some(m) = &p.mahalanobis { "; within the caliper, the closest by Mahalanobis distance on " (m.covariates.join(", ")) } }
            dt { "Propensity model" } dd { "Logistic regression fitted on " (p.fitted_on_treated) " treated and " (p.fitted_on_controls) " sampled control rows; AUC " (format!("{:.3} ({:.3} to {:.3})", p.auc, p.auc_lower, p.auc_upper)) "; " (p.treated_off_support) " treated outside the controls' range" }
        }
        (chart(&overlap_chart(e), "Propensity score overlap"))
        (chart(&balance_plot(e), "Balance plot"))
        div.table-scroll { table {
            thead { tr { th scope="col" { "Covariate" } th scope="col" { "MDT mean" } th scope="col" { "Control mean before" } th scope="col" { "Control mean after" } th scope="col" { "SMD before" } th scope="col" { "SMD after" } th scope="col" { "Pooled SMD after" } th scope="col" { "Variance ratio after" } th scope="col" { "Balanced" } } }
            tbody { @for b in &e.balance { tr {
                th scope="row" { (b.label) }
                td { (format!("{:.3}", b.after.mean_treated)) } td { (format!("{:.3}", b.before.mean_control)) } td { (format!("{:.3}", b.after.mean_control)) }
                td { (format!("{:.3}", b.before.smd)) } td { (format!("{:.3}", b.after.smd)) } td { (format!("{:.3}", b.after.smd_pooled)) }
                td { (b.after.variance_ratio.map_or("-".into(), |v| format!("{v:.2}"))) }
                td { (if b.balanced { "yes" } else { "no" }) }
            } } }
        } }
        h2 { "Falsification checks" }
        @let m = &e.mortality;
        p { "Deaths in the year after the index: MDT " (m.treated_deaths) " of " (m.treated) " (" (format!("{:.1}", m.treated_percent)) "%), matched controls " (format!("{:.0}", m.control_deaths)) " of " (format!("{:.0}", m.controls)) " (" (format!("{:.1}", m.control_percent)) "%). A gap suggests confounding that matching did not remove." }
        @if let Some(c) = monthly_chart(e, 0) { (chart(&c, "Monthly A&E attendances, -24 to +12 months")) }
        @if let Some(c) = monthly_chart(e, 1) { (chart(&c, "Monthly emergency admissions, -24 to +12 months")) }
        h3 { "Outcomes the MDT cannot change (negative controls)" }
        @let negative = &e.design.options.negative_controls;
        @if negative.is_empty() {
            p { "None named (accord evaluate --negative-controls). With the same matched people and years as the estimates above, an outcome the MDT cannot change holds 1 where the comparison works, which a placebo run does not." }
        } @else {
            p { "Named with --negative-controls: the MDT cannot change them, so with a comparison that works their ratios hold 1, since they use the same matched people and years as the estimates above. One that does not is a bias of the comparison the other estimates may share." }
            ul { @for o in e.outcomes.iter().filter(|o| negative.contains(&o.name)) {
                li { (o.label) ": " (o.effect_ratio.as_ref().map_or("-".into(), |r| ci(r, 2)))
                    @match o.effect_ratio { Some(r) if r.covers(1.0) => { " (holds 1)" } Some(_) => { strong { " (does not hold 1)" } } None => {} } }
            } }
        }
        @if e.placebos.is_empty() { p { "Placebo runs skipped." } }
        @for pl in &e.placebos {
            @let months = pl.months_earlier;
            @if pl.note.is_none() {
                h3 { "Placebo: every index date moved " (months) " months earlier (" (pl.matched_treated) " matched)" }
                p { "Nothing happened at the placebo date, but its treated were picked for an MDT later, on need that rose after it, and their controls were not, so its ratios can leave 1 even where the comparison holds. "
                    @if pl.beyond_selection() {
                        "Its year after ends before the year in which people are picked for an MDT; part of a departure is still selection on a slower course (on synthetic boroughs with no effect, placebos 24 to 48 months back miss 1 too), the rest bias the estimates above may share."
                    } @else {
                        "Its year after overlaps the year before the first MDT, when people are picked for one on rising use, so part of a departure can be that selection; the rest is bias the estimates above may share."
                    }
                }
                (outcome_table(&pl.outcomes))
            } @else {
                p { "Placebo run with every index " (months) " months earlier not possible: " (pl.note.clone().unwrap_or_default()) }
            }
        }
        h2 { "By network" }
        p { "A person discussed counts for the network whose MDT discussed them first; their controls come from anywhere unless matched exactly on network (a control's network is their practice's). Each network's estimates are averaged over the matchings." }
        div.table-scroll { table {
            thead { tr { th scope="col" { "Network" } th scope="col" { "Eligible" } th scope="col" { "Matched" } th scope="col" { "Max |SMD| after" } th scope="col" { "Covariates over threshold" } th scope="col" { "SMD SE at this size" } th scope="col" { "A&E ratio" } th scope="col" { "Emergency admissions ratio" } } }
            tbody { @for n in &e.networks { tr {
                th scope="row" { (n.network) }
                td { (n.treated) } td { (n.matched) } td { (format!("{:.3}", n.max_abs_smd)) } td { (n.covariates_over_threshold) } td { (format!("{:.3}", n.smd_standard_error)) }
                @for name in ["ae_attendances", "emergency_admissions"] {
                    td { (n.outcomes.iter().find(|o| o.name == name).and_then(|o| o.effect_ratio.as_ref()).map_or("-".into(), |r| ci(r, 2))) }
                }
            } } }
        } }
        h2 { "Provenance" }
        dl.summary-list {
            dt { "Dataset" } dd { code { (e.header.provenance.dataset_fingerprint) } " (" (e.design.data_start) " to " (e.header.provenance.extract_date) ")" }
            dt { "Risk model" } dd { "developed on features at " (e.design.risk_model_development_date) }
            dt { "Software" } dd { "Accord " (e.header.provenance.accord_version) ", " (e.header.provenance.engine) ", " (e.header.provenance.created_at) }
            dt { "Timings" } dd { @for t in &e.timings { (t.step) " " (format!("{:.2} s", t.seconds)) "; " } }
        }
    }
}

/// The title of the standalone report, by which an earlier one is recognised.
pub const REPORT_TITLE: &str = "MDT evaluation – Accord";

/// The report as one HTML file with its style inline: it opens anywhere, offline.
pub fn standalone(e: &Evaluation) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (REPORT_TITLE) }
                style { (PreEscaped(crate::STYLE)) }
            }
            body { main.container #main { (report(e)) } }
        }
    }
    .into_string()
}
