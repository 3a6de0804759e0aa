//! Charts drawn as SVG text on the server: one small module for every chart the views
//! show, so that pages are printable, testable and readable without JavaScript. Each
//! chart is a [`Figure`]: the SVG, with a title and an accessible description, and the
//! [`DataTable`] behind it, which the page shows behind a toggle.
//!
//! Geometry is in a fixed view box (the page scales it); numbers are rounded to 0.1 px so
//! that the output is stable for snapshot tests.

#![warn(missing_docs)]

mod bars;
mod funnel;
mod line;
mod pyramid;
mod spc;
mod xy;

pub use bars::{Bar, BarChart, bars};
pub use funnel::{FunnelChart, FunnelLimit, FunnelPoint, funnel};
pub use line::{LineChart, Series, line, sparkline};
pub use pyramid::{PyramidBand, PyramidChart, pyramid};
pub use spc::{SpcFigure, assurance_text, spc, variation_text};
pub use xy::{Mark, XyChart, XySeries, xy};

use std::fmt::Write;

/// A drawn chart and the figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The SVG element, ready to inline.
    pub svg: String,
    /// The figures drawn.
    pub table: DataTable,
}

/// The data behind a chart, as text cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataTable {
    /// The column headings.
    pub columns: Vec<String>,
    /// The rows, one cell per column.
    pub rows: Vec<Vec<String>>,
}

/// What a chart is about: the id prefix for its title and description elements (unique
/// within the page), the title, the description read to screen-reader users, and the
/// axis labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Labels {
    /// The prefix of the chart's element ids.
    pub id: String,
    /// The title.
    pub title: String,
    /// The description read to screen-reader users.
    pub description: String,
    /// The x axis's label.
    pub x: String,
    /// The y axis's label.
    pub y: String,
}

/// How a mark is coloured: by its comparison with a benchmark, or not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// Better than the benchmark.
    Better,
    /// Similar to the benchmark.
    Similar,
    /// Worse than the benchmark.
    Worse,
    /// Higher or lower where neither is better.
    Different,
    /// Not compared.
    #[default]
    NotCompared,
}

impl Tone {
    /// The NHS colour palette's colours, as Fingertips uses them.
    pub fn colour(self) -> &'static str {
        match self {
            Tone::Better => "#007f3b",
            Tone::Similar => "#ffb81c",
            Tone::Worse => "#d5281b",
            Tone::Different => "#330072",
            Tone::NotCompared => "#005eb8",
        }
    }

    /// From a comparison code of the snapshot (`better`, `similar`, `worse`, `higher`…).
    pub fn from_comparison(code: Option<&str>) -> Tone {
        match code {
            Some("better" | "best") => Tone::Better,
            Some("similar") => Tone::Similar,
            Some("worse" | "worst") => Tone::Worse,
            Some("higher" | "lower") => Tone::Different,
            _ => Tone::NotCompared,
        }
    }
}

pub(crate) const WIDTH: f64 = 720.0;
pub(crate) const TEXT: &str = "#212b32";
pub(crate) const GRID: &str = "#d8dde0";
pub(crate) const MUTED: &str = "#4c6272";

/// Escapes text for SVG and HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number as a chart label: thousands separated, with as many decimals as `step` needs.
pub fn number(value: f64, step: f64) -> String {
    let decimals = if step <= 0.0 || !step.is_finite() || step >= 1.0 {
        0
    } else {
        ((-step.log10()).ceil() as usize).min(4)
    };
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c != '0' && c != '.') {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A linear map from data values to pixels, with "nice" ticks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub min: f64,
    pub max: f64,
    pub from: f64,
    pub to: f64,
    pub step: f64,
}

impl Scale {
    /// A scale covering `values` (and zero, when `zero`), mapped onto [from, to].
    pub fn covering(
        values: impl IntoIterator<Item = f64>,
        zero: bool,
        from: f64,
        to: f64,
    ) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo < 1e-12 {
            hi = lo + if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        }
        let step = nice_step((hi - lo) / 5.0);
        Scale {
            min: (lo / step).floor() * step,
            max: (hi / step).ceil() * step,
            from,
            to,
            step,
        }
    }

    /// The position of a value on the scale.
    pub fn at(&self, value: f64) -> f64 {
        self.from + (value - self.min) / (self.max - self.min) * (self.to - self.from)
    }

    /// The values to draw ticks at, one per step.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.max - self.min) / self.step).round() as usize;
        (0..=n).map(|i| self.min + i as f64 * self.step).collect()
    }
}

fn nice_step(rough: f64) -> f64 {
    let power = 10f64.powf(rough.log10().floor());
    let fraction = rough / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// Rounds a coordinate to 0.1 px.
pub(crate) fn px(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The opening of a chart's SVG: view box, role, title and description.
pub(crate) fn open(labels: &Labels, height: f64) -> String {
    let id = escape(&labels.id);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" class="chart" role="img" aria-labelledby="{id}-title {id}-desc" font-family="Arial, sans-serif" font-size="12"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
        w = px(WIDTH),
        h = px(height),
        title = escape(&labels.title),
        desc = escape(&labels.description),
    )
}

/// A vertical value axis with grid lines across [left, right].
pub(crate) fn y_axis(svg: &mut String, scale: &Scale, left: f64, right: f64, label: &str) {
    for tick in scale.ticks() {
        let y = px(scale.at(tick));
        let _ = write!(
            svg,
            r#"<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="{GRID}"/><text x="{tx}" y="{y}" dy="4" text-anchor="end" fill="{MUTED}">{t}</text>"#,
            l = px(left),
            r = px(right),
            tx = px(left - 6.0),
            t = number(tick, scale.step),
        );
    }
    let middle = px((scale.from + scale.to) / 2.0);
    let _ = write!(
        svg,
        r#"<text transform="translate(14 {middle}) rotate(-90)" text-anchor="middle" fill="{TEXT}">{}</text>"#,
        escape(label)
    );
}

/// A horizontal value axis with grid lines across [top, bottom].
pub(crate) fn x_axis(svg: &mut String, scale: &Scale, top: f64, bottom: f64, label: &str) {
    for tick in scale.ticks() {
        let x = px(scale.at(tick));
        let _ = write!(
            svg,
            r#"<line x1="{x}" x2="{x}" y1="{t}" y2="{b}" stroke="{GRID}"/><text x="{x}" y="{ty}" text-anchor="middle" fill="{MUTED}">{v}</text>"#,
            t = px(top),
            b = px(bottom),
            ty = px(bottom + 16.0),
            v = number(tick, scale.step),
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" fill="{TEXT}">{}</text>"#,
        px((scale.from + scale.to) / 2.0),
        px(bottom + 34.0),
        escape(label)
    );
}

/// Category labels under evenly spaced positions, thinned so that they do not overlap.
pub(crate) fn category_axis(svg: &mut String, positions: &[f64], labels: &[String], y: f64) {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64 * 7.0;
    let gap = if positions.len() > 1 {
        (positions[1] - positions[0]).max(1.0)
    } else {
        widest
    };
    let every = ((widest + 8.0) / gap).ceil().max(1.0) as usize;
    let last = labels.len().saturating_sub(1);
    for (i, (x, label)) in positions.iter().zip(labels).enumerate() {
        // Always label the last point (the latest period), and every `every`-th back from it.
        if (last - i).is_multiple_of(every) {
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
                px(*x),
                px(y),
                escape(label)
            );
        }
    }
}

/// A legend entry: a swatch and its text, at (x, y).
pub(crate) fn legend(svg: &mut String, x: f64, y: f64, colour: &str, text: &str) {
    let _ = write!(
        svg,
        r#"<rect x="{}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}" fill="{TEXT}">{}</text>"#,
        px(x),
        px(y - 10.0),
        px(x + 16.0),
        px(y),
        escape(text)
    );
}

/// An optional number as a table cell.
pub(crate) fn cell(value: Option<f64>, step: f64) -> String {
    value.map_or_else(|| "-".to_string(), |v| number(v, step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_rounded_to_the_step() {
        assert_eq!(number(1234567.0, 1.0), "1,234,567");
        assert_eq!(number(-1234.5, 0.1), "-1,234.5");
        assert_eq!(number(0.25, 0.05), "0.25");
        assert_eq!(number(-0.0001, 1.0), "0");
        assert_eq!(number(999.0, 100.0), "999");
    }

    #[test]
    fn scales_have_nice_ticks_that_cover_the_data() {
        let s = Scale::covering([3.2, 47.9], true, 0.0, 100.0);
        assert_eq!((s.min, s.max, s.step), (0.0, 50.0, 10.0));
        assert_eq!(s.ticks().len(), 6);
        assert_eq!(s.at(25.0), 50.0);
        let flat = Scale::covering([5.0, 5.0], false, 0.0, 1.0);
        assert!(flat.max > flat.min);
        let empty = Scale::covering([], false, 0.0, 1.0);
        assert_eq!((empty.min, empty.max), (0.0, 1.0));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
