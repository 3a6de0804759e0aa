//! The funnel plot: each unit's value against its denominator, with the 95% and 99.8%
//! control limits around the whole population's value narrowing as the denominator grows.

use std::fmt::Write;

use crate::{
    DataTable, Figure, GRID, Labels, Scale, TEXT, Tone, WIDTH, cell, escape, legend, number, open,
    px, x_axis, y_axis,
};

/// One unit on a funnel plot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunnelPoint {
    /// The unit's name.
    pub label: String,
    /// Its denominator (the x axis).
    pub denominator: f64,
    /// Its value (the y axis).
    pub value: f64,
    /// Its colour, by where it lies against the limits.
    pub tone: Tone,
}

/// The limits at one denominator (serialisable, so that an API can return the limits it
/// draws).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct FunnelLimit {
    /// The denominator.
    pub denominator: f64,
    /// The 95% limit below the centre.
    pub lower95: f64,
    /// The 95% limit above the centre.
    pub upper95: f64,
    /// The 99.8% limit below the centre.
    pub lower998: f64,
    /// The 99.8% limit above the centre.
    pub upper998: f64,
}

/// A funnel plot: units' values against their denominators, with control limits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunnelChart {
    /// Title, description and axis labels.
    pub labels: Labels,
    /// The units.
    pub points: Vec<FunnelPoint>,
    /// The centre line (the whole population's value).
    pub centre: f64,
    /// Limits in increasing order of denominator.
    pub limits: Vec<FunnelLimit>,
    /// The decimal step of the values in the data table.
    pub step: f64,
}

const HEIGHT: f64 = 360.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = WIDTH - 20.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = HEIGHT - 56.0;

/// Draws a funnel plot.
pub fn funnel(chart: &FunnelChart) -> Figure {
    // Headroom to the right so that the largest unit's point is not cut by the frame.
    let largest = chart
        .points
        .iter()
        .map(|p| p.denominator)
        .fold(0.0, f64::max);
    let xs = Scale::covering([largest * 1.05], true, LEFT, RIGHT);
    // The value axis covers the points and the limits at the smallest unit, not the limits'
    // blow-up near zero, which is clipped.
    let smallest = chart
        .points
        .iter()
        .map(|p| p.denominator)
        .fold(f64::INFINITY, f64::min);
    let near: Vec<f64> = chart
        .limits
        .iter()
        .filter(|l| l.denominator >= smallest)
        .take(1)
        .flat_map(|l| [l.lower998, l.upper998])
        .collect();
    let ys = Scale::covering(
        chart
            .points
            .iter()
            .map(|p| p.value)
            .chain(near)
            .chain([chart.centre]),
        false,
        BOTTOM,
        TOP,
    );
    let mut svg = open(&chart.labels, HEIGHT);
    let clip = format!("{}-clip", escape(&chart.labels.id));
    let _ = write!(
        svg,
        r#"<defs><clipPath id="{clip}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>"#,
        px(LEFT),
        px(TOP),
        px(RIGHT - LEFT),
        px(BOTTOM - TOP)
    );
    y_axis(&mut svg, &ys, LEFT, RIGHT, &chart.labels.y);
    x_axis(&mut svg, &xs, TOP, BOTTOM, &chart.labels.x);
    let _ = write!(svg, r#"<g clip-path="url(#{clip})">"#);
    let line = |svg: &mut String, pick: fn(&FunnelLimit) -> f64, dash: &str| {
        let d: Vec<String> = chart
            .limits
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let y = pick(l).clamp(ys.min - ys.step * 10.0, ys.max + ys.step * 10.0);
                format!(
                    "{}{} {}",
                    if i == 0 { "M" } else { "L" },
                    px(xs.at(l.denominator)),
                    px(ys.at(y))
                )
            })
            .collect();
        let _ = write!(
            svg,
            r#"<path d="{}" fill="none" stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="{dash}"/>"#,
            d.join("")
        );
    };
    line(&mut svg, |l| l.lower95, "6 3");
    line(&mut svg, |l| l.upper95, "6 3");
    line(&mut svg, |l| l.lower998, "2 2");
    line(&mut svg, |l| l.upper998, "2 2");
    let _ = write!(
        svg,
        r#"<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{TEXT}" stroke-width="2"/>"#,
        px(LEFT),
        px(RIGHT),
        y = px(ys.at(chart.centre))
    );
    for p in &chart.points {
        let _ = write!(
            svg,
            r#"<circle cx="{}" cy="{}" r="5" fill="{}" stroke="white"><title>{}: {} (denominator {})</title></circle>"#,
            px(xs.at(p.denominator)),
            px(ys.at(p.value)),
            p.tone.colour(),
            escape(&p.label),
            number(p.value, chart.step),
            number(p.denominator, 1.0)
        );
    }
    svg.push_str("</g>");
    let _ = write!(
        svg,
        r#"<line x1="{0}" x2="{1}" y1="14" y2="14" stroke="{TEXT}" stroke-dasharray="6 3"/><text x="{2}" y="18">95% limits</text><line x1="{3}" x2="{4}" y1="14" y2="14" stroke="{TEXT}" stroke-dasharray="2 2"/><text x="{5}" y="18">99.8% limits</text><line x1="{6}" x2="{7}" y1="14" y2="14" stroke="{GRID}"/>"#,
        px(LEFT),
        px(LEFT + 24.0),
        px(LEFT + 30.0),
        px(LEFT + 120.0),
        px(LEFT + 144.0),
        px(LEFT + 150.0),
        px(RIGHT),
        px(RIGHT),
    );
    legend(
        &mut svg,
        LEFT + 260.0,
        18.0,
        Tone::Worse.colour(),
        "Outside 99.8%",
    );
    legend(
        &mut svg,
        LEFT + 390.0,
        18.0,
        Tone::Similar.colour(),
        "Outside 95%",
    );
    legend(
        &mut svg,
        LEFT + 510.0,
        18.0,
        Tone::NotCompared.colour(),
        "Within",
    );
    svg.push_str("</svg>");
    let table = DataTable {
        columns: vec![
            "Unit".into(),
            chart.labels.x.clone(),
            chart.labels.y.clone(),
            "Lower 99.8%".into(),
            "Upper 99.8%".into(),
        ],
        rows: chart
            .points
            .iter()
            .map(|p| {
                let at = chart.limits.iter().min_by(|a, b| {
                    (a.denominator - p.denominator)
                        .abs()
                        .total_cmp(&(b.denominator - p.denominator).abs())
                });
                vec![
                    p.label.clone(),
                    number(p.denominator, 1.0),
                    number(p.value, chart.step),
                    cell(at.map(|l| l.lower998), chart.step),
                    cell(at.map(|l| l.upper998), chart.step),
                ]
            })
            .collect(),
    };
    Figure { svg, table }
}
