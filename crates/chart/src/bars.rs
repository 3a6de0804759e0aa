//! Horizontal bars with 95% error bars, one per group of a breakdown, coloured by their
//! comparison with the whole population, which is drawn as a reference line.

use std::fmt::Write;

use crate::{
    DataTable, Figure, Labels, MUTED, Scale, TEXT, Tone, WIDTH, cell, escape, legend, open, px,
    x_axis,
};

/// One bar: a group's value with its interval.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bar {
    /// The group's name.
    pub label: String,
    /// The value; no bar where none.
    pub value: Option<f64>,
    /// The interval's lower end.
    pub lower: Option<f64>,
    /// The interval's upper end.
    pub upper: Option<f64>,
    /// Its colour, by comparison.
    pub tone: Tone,
    /// Shown in the data table (numerator and denominator, or why there is no value).
    pub note: String,
}

/// A horizontal bar chart of groups, with intervals and a reference line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Title, description and axis labels.
    pub labels: Labels,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
    /// A vertical reference line: its label and value.
    pub reference: Option<(String, f64)>,
    /// The decimal step of the values in the data table.
    pub step: f64,
}

const LEFT: f64 = 210.0;
const RIGHT: f64 = WIDTH - 24.0;
const TOP: f64 = 36.0;
const ROW: f64 = 24.0;

/// Draws a bar chart.
pub fn bars(chart: &BarChart) -> Figure {
    let bottom = TOP + ROW * chart.bars.len().max(1) as f64;
    let height = bottom + 48.0;
    let values = chart
        .bars
        .iter()
        .flat_map(|b| [b.value, b.lower, b.upper])
        .flatten()
        .chain(chart.reference.as_ref().map(|r| r.1));
    let scale = Scale::covering(values, true, LEFT, RIGHT);
    let mut svg = open(&chart.labels, height);
    x_axis(&mut svg, &scale, TOP, bottom, &chart.labels.x);
    let mut tones: Vec<Tone> = Vec::new();
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" fill="{TEXT}">{}</text>"#,
            px(LEFT - 8.0),
            px(y + ROW / 2.0 + 4.0),
            escape(&truncate(&bar.label, 30))
        );
        let Some(value) = bar.value else {
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" fill="{MUTED}">no value</text>"#,
                px(LEFT + 4.0),
                px(y + ROW / 2.0 + 4.0)
            );
            continue;
        };
        if !tones.contains(&bar.tone) {
            tones.push(bar.tone);
        }
        let (a, b) = (scale.at(0.0_f64.max(scale.min)), scale.at(value));
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>"#,
            px(a.min(b)),
            px(y + 4.0),
            px((b - a).abs()),
            px(ROW - 8.0),
            bar.tone.colour(),
            escape(&bar.label),
            crate::number(value, chart.step)
        );
        if let (Some(lo), Some(hi)) = (bar.lower, bar.upper) {
            let (x0, x1, mid) = (scale.at(lo), scale.at(hi), y + ROW / 2.0);
            let _ = write!(
                svg,
                r#"<path d="M{x0} {t}V{b}M{x0} {m}H{x1}M{x1} {t}V{b}" stroke="{TEXT}" stroke-width="1.5" fill="none"/>"#,
                x0 = px(x0),
                x1 = px(x1),
                t = px(mid - 5.0),
                b = px(mid + 5.0),
                m = px(mid),
            );
        }
    }
    if let Some((label, value)) = &chart.reference {
        let x = px(scale.at(*value));
        let _ = write!(
            svg,
            r#"<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="{TEXT}" stroke-width="2" stroke-dasharray="5 3"/><text x="{x}" y="{}" text-anchor="middle" fill="{TEXT}">{}</text>"#,
            px(TOP - 4.0),
            px(bottom),
            px(TOP - 10.0),
            escape(label)
        );
    }
    // A legend only where bars are judged; "not compared" alone says nothing.
    if tones == [Tone::NotCompared] {
        tones.clear();
    }
    let mut legend_x = 8.0;
    for tone in tones {
        let text = tone_text(tone);
        legend(&mut svg, legend_x, 16.0, tone.colour(), text);
        legend_x += 26.0 + 7.0 * text.len() as f64;
    }
    svg.push_str("</svg>");
    let table = DataTable {
        columns: vec![
            chart.labels.y.clone(),
            chart.labels.x.clone(),
            "Lower 95%".into(),
            "Upper 95%".into(),
            "Compared with the reference".into(),
            "Counts".into(),
        ],
        rows: chart
            .bars
            .iter()
            .map(|b| {
                vec![
                    b.label.clone(),
                    cell(b.value, chart.step),
                    cell(b.lower, chart.step),
                    cell(b.upper, chart.step),
                    tone_text(b.tone).to_string(),
                    b.note.clone(),
                ]
            })
            .collect(),
    };
    Figure { svg, table }
}

/// The legend's words for a tone.
pub(crate) fn tone_text(tone: Tone) -> &'static str {
    match tone {
        Tone::Better => "Better",
        Tone::Similar => "Similar",
        Tone::Worse => "Worse",
        Tone::Different => "Higher or lower",
        Tone::NotCompared => "Not compared",
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
