//! Line charts: one or more series over categories (periods), the first optionally with a
//! confidence band, and a target line; and the sparkline of an indicator tile.

use std::fmt::Write;

use crate::{
    DataTable, Figure, GRID, Labels, Scale, WIDTH, category_axis, cell, escape, legend, open, px,
    y_axis,
};

/// Colours of successive series (NHS palette).
const PALETTE: [&str; 6] = [
    "#005eb8", "#330072", "#007f3b", "#d5281b", "#ed8b00", "#768692",
];

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Its name, for the legend.
    pub name: String,
    /// Its value at each category; gaps where none.
    pub values: Vec<Option<f64>>,
    /// Lower and upper limits at each position, drawn as a shaded band.
    pub band: Option<Vec<Option<(f64, f64)>>>,
}

/// A line chart of series over categories (periods, usually).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Title, description and axis labels.
    pub labels: Labels,
    /// The x axis's categories, in order.
    pub categories: Vec<String>,
    /// The lines.
    pub series: Vec<Series>,
    /// A horizontal reference line: its label and value.
    pub target: Option<(String, f64)>,
    /// Whether the value axis starts at zero.
    pub zero: bool,
    /// The precision of values in the data table.
    pub step: f64,
}

const HEIGHT: f64 = 340.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = WIDTH - 20.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = HEIGHT - 56.0;

/// Evenly spaced x positions for `n` categories across [left, right].
pub(crate) fn positions(n: usize, left: f64, right: f64) -> Vec<f64> {
    let inner = 12.0;
    match n {
        0 => Vec::new(),
        1 => vec![(left + right) / 2.0],
        _ => (0..n)
            .map(|i| left + inner + i as f64 * (right - left - 2.0 * inner) / (n - 1) as f64)
            .collect(),
    }
}

/// A path through the defined points, lifting the pen at gaps.
pub(crate) fn path(xs: &[f64], ys: &[Option<f64>]) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for (x, y) in xs.iter().zip(ys) {
        match y {
            Some(y) => {
                let _ = write!(
                    d,
                    "{}{} {}",
                    if pen_down { "L" } else { "M" },
                    px(*x),
                    px(*y)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

/// Draws a line chart.
pub fn line(chart: &LineChart) -> Figure {
    let mut all: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .collect();
    for s in &chart.series {
        for (lo, hi) in s.band.iter().flatten().flatten() {
            all.extend([*lo, *hi]);
        }
    }
    all.extend(chart.target.as_ref().map(|t| t.1));
    let scale = Scale::covering(all, chart.zero, BOTTOM, TOP);
    let xs = positions(chart.categories.len(), LEFT, RIGHT);
    let mut svg = open(&chart.labels, HEIGHT);
    y_axis(&mut svg, &scale, LEFT, RIGHT, &chart.labels.y);
    let _ = write!(
        svg,
        r#"<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="{GRID}"/>"#,
        l = px(LEFT),
        r = px(RIGHT),
        b = px(BOTTOM)
    );
    category_axis(&mut svg, &xs, &chart.categories, BOTTOM + 18.0);
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        px((LEFT + RIGHT) / 2.0),
        px(HEIGHT - 8.0),
        escape(&chart.labels.x)
    );
    let mut legend_x = LEFT;
    for (i, series) in chart.series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        if let Some(band) = &series.band {
            band_polygons(&mut svg, &xs, band, &scale, colour);
            legend(&mut svg, legend_x, 20.0, colour, "95% confidence interval");
            legend_x += 190.0;
        }
        let ys: Vec<Option<f64>> = series
            .values
            .iter()
            .map(|v| v.map(|v| scale.at(v)))
            .collect();
        let _ = write!(
            svg,
            r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
            path(&xs, &ys)
        );
        for (x, y) in xs.iter().zip(&ys) {
            if let Some(y) = y {
                let _ = write!(
                    svg,
                    r#"<circle cx="{}" cy="{}" r="3.5" fill="{colour}"/>"#,
                    px(*x),
                    px(*y)
                );
            }
        }
        if chart.series.len() > 1 {
            legend(&mut svg, legend_x, 20.0, colour, &series.name);
            legend_x += 16.0 + 7.0 * series.name.chars().count() as f64 + 20.0;
        }
    }
    if let Some((label, value)) = &chart.target {
        let y = px(scale.at(*value));
        let _ = write!(
            svg,
            r##"<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="#212b32" stroke-width="2" stroke-dasharray="6 4"/><text x="{r}" y="{y}" dy="-6" text-anchor="end">{t}</text>"##,
            l = px(LEFT),
            r = px(RIGHT),
            t = escape(label)
        );
    }
    svg.push_str("</svg>");
    Figure {
        svg,
        table: table(chart),
    }
}

fn band_polygons(
    svg: &mut String,
    xs: &[f64],
    band: &[Option<(f64, f64)>],
    scale: &Scale,
    colour: &str,
) {
    // One polygon per run of positions that have limits.
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let flush = |svg: &mut String, run: &mut Vec<(f64, f64, f64)>| {
        if run.len() > 1 {
            let upper = run
                .iter()
                .map(|(x, _, hi)| format!("{},{}", px(*x), px(scale.at(*hi))));
            let lower = run
                .iter()
                .rev()
                .map(|(x, lo, _)| format!("{},{}", px(*x), px(scale.at(*lo))));
            let points: Vec<String> = upper.chain(lower).collect();
            let _ = write!(
                svg,
                r#"<polygon points="{}" fill="{colour}" fill-opacity="0.18"/>"#,
                points.join(" ")
            );
        }
        run.clear();
    };
    for (x, limits) in xs.iter().zip(band) {
        match limits {
            Some((lo, hi)) => run.push((*x, *lo, *hi)),
            None => flush(svg, &mut run),
        }
    }
    flush(svg, &mut run);
}

fn table(chart: &LineChart) -> DataTable {
    let mut columns = vec![chart.labels.x.clone()];
    for s in &chart.series {
        columns.push(s.name.clone());
        if s.band.is_some() {
            columns.push(format!("{} lower 95%", s.name));
            columns.push(format!("{} upper 95%", s.name));
        }
    }
    if let Some((label, _)) = &chart.target {
        columns.push(label.clone());
    }
    let rows = chart
        .categories
        .iter()
        .enumerate()
        .map(|(i, category)| {
            let mut row = vec![category.clone()];
            for s in &chart.series {
                row.push(cell(s.values.get(i).copied().flatten(), chart.step));
                if let Some(band) = &s.band {
                    let limits = band.get(i).copied().flatten();
                    row.push(cell(limits.map(|l| l.0), chart.step));
                    row.push(cell(limits.map(|l| l.1), chart.step));
                }
            }
            if let Some((_, value)) = &chart.target {
                row.push(cell(Some(*value), chart.step));
            }
            row
        })
        .collect();
    DataTable { columns, rows }
}

/// A small line without axes for a tile; decorative (`aria-hidden`), since the tile states
/// the figure in words.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let (w, h) = (120.0, 32.0);
    let scale = Scale::covering(values.iter().flatten().copied(), false, h - 3.0, 3.0);
    let xs = positions(values.len(), 0.0, w);
    let ys: Vec<Option<f64>> = values.iter().map(|v| v.map(|v| scale.at(v))).collect();
    let last = xs
        .iter()
        .zip(&ys)
        .rev()
        .find_map(|(x, y)| y.map(|y| (*x, y)));
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="sparkline" aria-hidden="true" focusable="false"><path d="{}" fill="none" stroke="#005eb8" stroke-width="2"/>"##,
        px(w),
        px(h),
        path(&xs, &ys)
    );
    if let Some((x, y)) = last {
        let _ = write!(
            svg,
            r##"<circle cx="{}" cy="{}" r="3" fill="#005eb8"/>"##,
            px(x),
            px(y)
        );
    }
    svg.push_str("</svg>");
    svg
}
