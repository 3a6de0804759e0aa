//! The model card as Markdown: what `accord risk report` prints and `model_card.md` holds.

use std::fmt::Write;

use crate::Performance;

use crate::model::ModelCard;

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn performance(out: &mut String, title: &str, p: &Performance) {
    let _ = writeln!(out, "\n## {title}\n");
    let _ = writeln!(
        out,
        "- N {}, events {}, prevalence {}, mean predicted {}",
        p.n,
        p.events,
        percent(p.prevalence),
        percent(p.mean_predicted)
    );
    let _ = writeln!(
        out,
        "- AUC {:.3} (DeLong 95% CI {:.3} to {:.3})",
        p.auc.auc, p.auc.lower, p.auc.upper
    );
    let _ = writeln!(
        out,
        "- Area under the precision-recall curve (average precision) {:.3}",
        p.average_precision
    );
    let _ = writeln!(
        out,
        "- Brier {:.4}, scaled Brier {:.3}",
        p.brier, p.scaled_brier
    );
    let c = &p.calibration;
    let _ = writeln!(
        out,
        "- Calibration-in-the-large {:+.3} (95% CI {:+.3} to {:+.3}); calibration slope {:.3} ({:.3} to {:.3})",
        c.intercept, c.intercept_lower, c.intercept_upper, c.slope, c.slope_lower, c.slope_upper
    );
    let _ = writeln!(out, "\nCase finding (top of the list):\n");
    let _ = writeln!(
        out,
        "| top | flagged | cut-off | events | PPV | sensitivity | lift | O/E |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for t in &p.top {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {} | {} | {} | {:.1} | {:.2} |",
            percent(t.fraction),
            t.flagged,
            t.cut_off,
            t.events,
            percent(t.ppv),
            percent(t.sensitivity),
            t.lift,
            t.observed_over_expected
        );
    }
    let _ = writeln!(
        out,
        "\nObserved and expected by decile of predicted risk:\n"
    );
    let _ = writeln!(
        out,
        "| decile | n | mean predicted | observed | expected | O/E |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|");
    for d in &p.deciles {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} | {:.2} |",
            d.decile,
            d.n,
            percent(d.mean_predicted),
            d.observed,
            d.expected,
            d.observed_over_expected
        );
    }
}

/// The whole card.
pub fn render(card: &ModelCard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Model card: risk of emergency admission in the next 12 months\n"
    );
    let _ = writeln!(out, "- Outcome: {}", card.outcome);
    let _ = writeln!(out, "- Population: {}", card.population);
    let _ = writeln!(out, "- Method: {}", card.method);
    let _ = writeln!(
        out,
        "- Data: {} to {} (dataset {})",
        card.data_start,
        card.header.provenance.extract_date,
        &card.header.provenance.dataset_fingerprint
            [..card.header.provenance.dataset_fingerprint.len().min(16)]
    );
    let _ = writeln!(
        out,
        "- Development: features on {}, outcome in the year after; N {}, events {}, prevalence {}; apparent AUC {:.3}",
        card.development_date,
        card.development.n,
        card.development.events,
        percent(card.development.prevalence),
        card.apparent_auc
    );
    let _ = writeln!(out, "- Seed: {}", card.seed);
    match (&card.validation_date, &card.temporal) {
        (Some(date), Some(p)) => performance(
            &mut out,
            &format!("Temporal validation: features on {date}, outcome in the year after"),
            p,
        ),
        _ => {
            let _ = writeln!(
                out,
                "\n## Temporal validation\n\nNot possible on these data (see notes)."
            );
        }
    }
    performance(
        &mut out,
        &format!(
            "Second check: stratified 75/25 split of the development cohort (trained on {}, tested on {})",
            card.split_train.n, card.split.n
        ),
        &card.split,
    );
    if !card.subgroups.is_empty() {
        let _ = writeln!(out, "\n## Subgroups (temporal validation)\n");
        let _ = writeln!(out, "| by | group | n | events | AUC | O/E |");
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
        for s in &card.subgroups {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.2} |",
                s.by,
                s.group,
                s.n,
                s.events,
                s.auc.map_or("n/a".to_string(), |a| format!("{a:.3}")),
                s.observed_over_expected
            );
        }
    }
    let _ = writeln!(out, "\n## Coefficients as odds ratios\n");
    let _ = writeln!(out, "References: {}.\n", card.references);
    let _ = writeln!(
        out,
        "| predictor | odds ratio | 95% CI | coefficient | SE |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---:|");
    for c in &card.coefficients {
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.3} to {:.3} | {:.4} | {:.4} |",
            c.label, c.odds_ratio, c.lower, c.upper, c.coefficient, c.standard_error
        );
    }
    if !card.dropped.is_empty() {
        let _ = writeln!(
            out,
            "\nLeft out (too few people with and without the outcome to estimate): {}.",
            card.dropped.join("; ")
        );
    }
    let _ = writeln!(out, "\n## Frailty index (eFI-style)\n");
    let _ = writeln!(
        out,
        "Deficits counted (over the eFI's 36; 0-4 fit, 5-8 mild, 9-12 moderate, 13+ severe):\n"
    );
    for d in &card.frailty_deficits {
        let _ = writeln!(out, "- {d}");
    }
    let _ = writeln!(
        out,
        "\nNot expressible from the dataset, never counted: {}.",
        card.frailty_not_expressible.join(", ")
    );
    let _ = writeln!(out, "\n## Notes\n");
    for n in &card.notes {
        let _ = writeln!(out, "- {n}");
    }
    out
}
