//! The population pyramid: people by age band, one sex to each side of a shared axis.

use std::fmt::Write;

use crate::{
    DataTable, Figure, Labels, MUTED, Scale, TEXT, WIDTH, escape, legend, number, open, px,
};

/// One band of a population pyramid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PyramidBand {
    /// The band's name (an age band).
    pub label: String,
    /// The left side's count.
    pub left: f64,
    /// The right side's count.
    pub right: f64,
}

/// A population pyramid: two sides (female, male) by band.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PyramidChart {
    /// Title, description and axis labels.
    pub labels: Labels,
    /// Youngest first; drawn from the bottom up.
    pub bands: Vec<PyramidBand>,
    /// The left side's name.
    pub left_name: String,
    /// The right side's name.
    pub right_name: String,
}

const LEFT_COLOUR: &str = "#005eb8";
const RIGHT_COLOUR: &str = "#ae2573";
const ROW: f64 = 18.0;
const TOP: f64 = 40.0;

/// Draws a population pyramid.
pub fn pyramid(chart: &PyramidChart) -> Figure {
    let middle = WIDTH / 2.0;
    let gutter = 28.0;
    let bottom = TOP + ROW * chart.bands.len().max(1) as f64;
    let height = bottom + 50.0;
    let most = chart
        .bands
        .iter()
        .map(|b| b.left.max(b.right))
        .fold(0.0, f64::max);
    let right = Scale::covering([0.0, most], true, middle + gutter, WIDTH - 20.0);
    let left = Scale {
        from: middle - gutter,
        to: 20.0,
        ..right
    };
    let mut svg = open(&chart.labels, height);
    for scale in [&left, &right] {
        for tick in scale.ticks() {
            let x = px(scale.at(tick));
            let _ = write!(
                svg,
                r#"<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="{}"/><text x="{x}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
                px(TOP),
                px(bottom),
                crate::GRID,
                px(bottom + 16.0),
                number(tick, scale.step)
            );
        }
    }
    for (i, band) in chart.bands.iter().enumerate() {
        let y = bottom - ROW * (i + 1) as f64;
        let (l, r) = (left.at(band.left), right.at(band.right));
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{LEFT_COLOUR}"><title>{} {}: {}</title></rect>"#,
            px(l),
            px(y + 2.0),
            px(middle - gutter - l),
            px(ROW - 4.0),
            escape(&chart.left_name),
            escape(&band.label),
            number(band.left, 1.0)
        );
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{RIGHT_COLOUR}"><title>{} {}: {}</title></rect>"#,
            px(middle + gutter),
            px(y + 2.0),
            px(r - middle - gutter),
            px(ROW - 4.0),
            escape(&chart.right_name),
            escape(&band.label),
            number(band.right, 1.0)
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="{TEXT}" font-size="11">{}</text>"#,
            px(middle),
            px(y + ROW / 2.0 + 4.0),
            escape(&band.label)
        );
    }
    legend(&mut svg, 20.0, 20.0, LEFT_COLOUR, &chart.left_name);
    legend(
        &mut svg,
        WIDTH - 120.0,
        20.0,
        RIGHT_COLOUR,
        &chart.right_name,
    );
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" fill="{TEXT}">{}</text></svg>"#,
        px(middle),
        px(height - 8.0),
        escape(&chart.labels.x)
    );
    let table = DataTable {
        columns: vec![
            chart.labels.y.clone(),
            chart.left_name.clone(),
            chart.right_name.clone(),
        ],
        rows: chart
            .bands
            .iter()
            .rev()
            .map(|b| vec![b.label.clone(), number(b.left, 1.0), number(b.right, 1.0)])
            .collect(),
    };
    Figure { svg, table }
}
