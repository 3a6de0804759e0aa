//! The SPC (XmR) chart as NHS England's Making Data Count draws it: the series, each
//! section's mean and process limits, points coloured by special cause (improvement blue,
//! concern orange, neither purple), an optional target, and the variation and assurance
//! icons with their meaning in words.

use std::fmt::Write;

use accord_spc::{Assurance, Chart, PointType};

use crate::line::{path, positions};
use crate::{
    DataTable, Figure, GRID, Labels, MUTED, Scale, TEXT, WIDTH, category_axis, cell, escape, open,
    px, y_axis,
};

/// A statistical process control chart to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct SpcFigure<'a> {
    /// Title, description and axis labels.
    pub labels: Labels,
    /// The x axis's categories (periods), one per point.
    pub categories: Vec<String>,
    /// The computed chart: points, limits, signals and icons.
    pub chart: &'a Chart,
    /// The target line, if any.
    pub target: Option<f64>,
    /// The decimal step of the values in the data table.
    pub step: f64,
}

const HEIGHT: f64 = 360.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = WIDTH - 120.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = HEIGHT - 56.0;
const COMMON: &str = "#768692";
const IMPROVEMENT: &str = "#41b6e6";
const CONCERN: &str = "#ed8b00";
const NEITHER: &str = "#330072";

fn point_colour(point: Option<PointType>) -> &'static str {
    match point {
        Some(PointType::ImprovementHigh | PointType::ImprovementLow) => IMPROVEMENT,
        Some(PointType::ConcernHigh | PointType::ConcernLow) => CONCERN,
        Some(PointType::NeitherHigh | PointType::NeitherLow) => NEITHER,
        _ => COMMON,
    }
}

/// The variation icon's colour, letter and meaning.
pub fn variation_text(point: PointType) -> (&'static str, &'static str, &'static str) {
    match point {
        PointType::CommonCause => (COMMON, "~", "Common cause variation: no significant change"),
        PointType::ImprovementHigh => (IMPROVEMENT, "H", "Special cause: improvement, higher"),
        PointType::ImprovementLow => (IMPROVEMENT, "L", "Special cause: improvement, lower"),
        PointType::ConcernHigh => (CONCERN, "H", "Special cause: concern, higher"),
        PointType::ConcernLow => (CONCERN, "L", "Special cause: concern, lower"),
        PointType::NeitherHigh => (
            NEITHER,
            "H",
            "Special cause: higher, neither better nor worse",
        ),
        PointType::NeitherLow => (
            NEITHER,
            "L",
            "Special cause: lower, neither better nor worse",
        ),
    }
}

/// The assurance icon's colour, letter and meaning.
pub fn assurance_text(assurance: Assurance) -> (&'static str, &'static str, &'static str) {
    match assurance {
        Assurance::ConsistentlyPass => (
            IMPROVEMENT,
            "P",
            "The process will consistently meet the target",
        ),
        Assurance::ConsistentlyFail => (
            CONCERN,
            "F",
            "The process will consistently fail the target",
        ),
        Assurance::HitAndMiss => (COMMON, "?", "The process will hit and miss the target"),
    }
}

fn icon(svg: &mut String, x: f64, y: f64, (colour, letter, meaning): (&str, &str, &str)) {
    let _ = write!(
        svg,
        r#"<g><title>{m}</title><circle cx="{cx}" cy="{cy}" r="22" fill="white" stroke="{colour}" stroke-width="4"/><text x="{cx}" y="{ty}" text-anchor="middle" font-size="20" font-weight="bold" fill="{colour}">{l}</text></g>"#,
        m = escape(meaning),
        cx = px(x),
        cy = px(y),
        ty = px(y + 7.0),
        l = escape(letter)
    );
}

/// Draws an SPC chart: the series, its limits by section, its signals and any target.
pub fn spc(figure: &SpcFigure<'_>) -> Figure {
    let chart = figure.chart;
    let values: Vec<Option<f64>> = chart.points.iter().map(|p| p.value).collect();
    let mut range: Vec<f64> = values.iter().flatten().copied().collect();
    if !chart.run_chart_only {
        for s in &chart.sections {
            range.extend([s.lower_limit, s.upper_limit]);
        }
    }
    range.extend(figure.target);
    let scale = Scale::covering(range, false, BOTTOM, TOP);
    let xs = positions(values.len(), LEFT, RIGHT);
    let mut svg = open(&figure.labels, HEIGHT);
    y_axis(&mut svg, &scale, LEFT, RIGHT, &figure.labels.y);
    category_axis(&mut svg, &xs, &figure.categories, BOTTOM + 18.0);
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        px((LEFT + RIGHT) / 2.0),
        px(HEIGHT - 8.0),
        escape(&figure.labels.x)
    );
    for s in &chart.sections {
        let (Some(x0), Some(x1)) = (xs.get(s.first), xs.get(s.last)) else {
            continue;
        };
        let horizontal = |svg: &mut String, value: f64, style: &str| {
            let y = px(scale.at(value));
            let _ = write!(
                svg,
                r#"<line x1="{}" x2="{}" y1="{y}" y2="{y}" {style}/>"#,
                px(*x0),
                px(*x1)
            );
        };
        horizontal(
            &mut svg,
            s.mean,
            &format!(r#"stroke="{TEXT}" stroke-width="1.5""#),
        );
        if !chart.run_chart_only {
            let dashed = format!(r#"stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="6 3""#);
            horizontal(&mut svg, s.lower_limit, &dashed);
            horizontal(&mut svg, s.upper_limit, &dashed);
        }
    }
    if let Some(target) = figure.target {
        let y = px(scale.at(target));
        let _ = write!(
            svg,
            r##"<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#d5281b" stroke-width="2" stroke-dasharray="2 3"/>"##,
            px(LEFT),
            px(RIGHT)
        );
    }
    let ys: Vec<Option<f64>> = values.iter().map(|v| v.map(|v| scale.at(v))).collect();
    let _ = write!(
        svg,
        r#"<path d="{}" fill="none" stroke="{GRID}" stroke-width="2"/>"#,
        path(&xs, &ys)
    );
    for ((x, y), point) in xs.iter().zip(&ys).zip(&chart.points) {
        if let Some(y) = y {
            let _ = write!(
                svg,
                r#"<circle cx="{}" cy="{}" r="4" fill="{}"/>"#,
                px(*x),
                px(*y),
                point_colour(point.point_type)
            );
        }
    }
    if let Some(variation) = chart.variation {
        icon(
            &mut svg,
            RIGHT + 60.0,
            TOP + 30.0,
            variation_text(variation),
        );
    }
    if let Some(assurance) = chart.assurance {
        icon(
            &mut svg,
            RIGHT + 60.0,
            TOP + 90.0,
            assurance_text(assurance),
        );
    }
    svg.push_str("</svg>");
    let section_of = |i: usize| chart.points[i].section.and_then(|s| chart.sections.get(s));
    let table = DataTable {
        columns: vec![
            figure.labels.x.clone(),
            figure.labels.y.clone(),
            "Mean".into(),
            "Lower process limit".into(),
            "Upper process limit".into(),
            "Special cause".into(),
        ],
        rows: chart
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let s = section_of(i);
                vec![
                    figure.categories.get(i).cloned().unwrap_or_default(),
                    cell(p.value, figure.step),
                    cell(s.map(|s| s.mean), figure.step),
                    cell(s.map(|s| s.lower_limit), figure.step),
                    cell(s.map(|s| s.upper_limit), figure.step),
                    p.point_type
                        .filter(|t| *t != PointType::CommonCause)
                        .map(|t| variation_text(t).2.to_string())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    };
    Figure { svg, table }
}
