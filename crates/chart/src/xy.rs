//! A chart of points or lines on two value axes, with an optional line of equality: the
//! ROC curve (a line, with chance as the diagonal) and the calibration plot (observed
//! against expected by decile, perfect calibration as the diagonal).

use std::fmt::Write;

use crate::{
    DataTable, Figure, GRID, Labels, MUTED, Scale, WIDTH, escape, legend, number, open, px, x_axis,
    y_axis,
};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mark {
    /// Joined by a line.
    #[default]
    Line,
    /// Points only.
    Points,
}

/// One series of an x-y chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XySeries {
    /// Its name, for the legend.
    pub name: String,
    /// Its colour (CSS).
    pub colour: String,
    /// How it is drawn.
    pub mark: Mark,
    /// Its points, as (x, y).
    pub points: Vec<(f64, f64)>,
}

/// An x-y chart (calibration plots, ROC curves).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XyChart {
    /// Title, description and axis labels.
    pub labels: Labels,
    /// The series.
    pub series: Vec<XySeries>,
    /// Draw y = x, labelled with this text.
    pub diagonal: Option<String>,
    /// Decimal step of the values in the data table.
    pub step: f64,
}

const HEIGHT: f64 = 400.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = WIDTH - 20.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = HEIGHT - 56.0;

/// Draws an x-y chart.
pub fn xy(chart: &XyChart) -> Figure {
    let values = || chart.series.iter().flat_map(|s| s.points.iter());
    // With a line of equality both axes cover the same range, so that it runs corner to corner.
    let (xs, ys) = if chart.diagonal.is_some() {
        let all: Vec<f64> = values().flat_map(|(x, y)| [*x, *y]).collect();
        (
            Scale::covering(all.iter().copied(), true, LEFT, RIGHT),
            Scale::covering(all.iter().copied(), true, BOTTOM, TOP),
        )
    } else {
        (
            Scale::covering(values().map(|(x, _)| *x), true, LEFT, RIGHT),
            Scale::covering(values().map(|(_, y)| *y), true, BOTTOM, TOP),
        )
    };
    let mut svg = open(&chart.labels, HEIGHT);
    y_axis(&mut svg, &ys, LEFT, RIGHT, &chart.labels.y);
    x_axis(&mut svg, &xs, TOP, BOTTOM, &chart.labels.x);
    let mut legend_x = LEFT;
    if let Some(text) = &chart.diagonal {
        let end = xs.max.min(ys.max);
        let _ = write!(
            svg,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-dasharray="4 4"/>"#,
            px(xs.at(xs.min.max(ys.min))),
            px(ys.at(xs.min.max(ys.min))),
            px(xs.at(end)),
            px(ys.at(end)),
        );
        let _ = write!(
            svg,
            r#"<line x1="{}" x2="{}" y1="14" y2="14" stroke="{MUTED}" stroke-dasharray="4 4"/><text x="{}" y="18">{}</text>"#,
            px(legend_x),
            px(legend_x + 24.0),
            px(legend_x + 30.0),
            escape(text)
        );
        legend_x += 40.0 + 7.0 * text.chars().count() as f64;
    }
    for series in &chart.series {
        match series.mark {
            Mark::Line => {
                let d: String = series
                    .points
                    .iter()
                    .enumerate()
                    .map(|(i, (x, y))| {
                        format!(
                            "{}{} {}",
                            if i == 0 { "M" } else { "L" },
                            px(xs.at(*x)),
                            px(ys.at(*y))
                        )
                    })
                    .collect();
                let _ = write!(
                    svg,
                    r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2.5"/>"#,
                    escape(&series.colour)
                );
            }
            Mark::Points => {
                for (x, y) in &series.points {
                    let _ = write!(
                        svg,
                        r#"<circle cx="{}" cy="{}" r="5" fill="{}" stroke="white"><title>{}: {}, {}</title></circle>"#,
                        px(xs.at(*x)),
                        px(ys.at(*y)),
                        escape(&series.colour),
                        escape(&series.name),
                        number(*x, chart.step),
                        number(*y, chart.step)
                    );
                }
            }
        }
        legend(&mut svg, legend_x, 18.0, &series.colour, &series.name);
        legend_x += 40.0 + 7.0 * series.name.chars().count() as f64;
    }
    let _ = write!(
        svg,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{GRID}"/></svg>"#,
        px(LEFT),
        px(TOP),
        px(RIGHT - LEFT),
        px(BOTTOM - TOP)
    );
    let table = DataTable {
        columns: vec![
            "Series".into(),
            chart.labels.x.clone(),
            chart.labels.y.clone(),
        ],
        rows: chart
            .series
            .iter()
            .flat_map(|s| {
                s.points.iter().map(|(x, y)| {
                    vec![
                        s.name.clone(),
                        number(*x, chart.step),
                        number(*y, chart.step),
                    ]
                })
            })
            .collect(),
    };
    Figure { svg, table }
}
