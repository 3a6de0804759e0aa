//! Snapshot tests of every chart on fixed data: the SVG text is the output users see, so
//! any change to it is reviewed (`cargo insta review`). Each chart is also checked for
//! what accessibility needs: a title, a description and a data table that holds the data.

use accord_chart::{
    Bar, BarChart, Figure, FunnelChart, FunnelLimit, FunnelPoint, Labels, LineChart, PyramidBand,
    PyramidChart, Series, SpcFigure, Tone, bars, funnel, line, pyramid, sparkline, spc,
};
use accord_chart::{Mark, XyChart, XySeries, xy};
use accord_spc::{Direction, RuleSet, SpcOptions, xmr};

fn labels(id: &str) -> Labels {
    Labels {
        id: id.into(),
        title: format!("{id} <title> & more"),
        description: format!("A test chart called {id}."),
        x: "Period".into(),
        y: "Per 1,000".into(),
    }
}

/// Tags open and close in order (the charts write no comments or CDATA).
fn well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "in {svg}");
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(name.to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn accessible(figure: &Figure, id: &str) {
    well_formed(&figure.svg);
    assert!(figure.svg.starts_with("<svg"));
    assert!(
        figure
            .svg
            .contains(&format!(r#"aria-labelledby="{id}-title {id}-desc""#))
    );
    assert!(
        figure.svg.contains("&lt;title&gt; &amp; more"),
        "titles are escaped"
    );
    assert!(!figure.table.rows.is_empty());
    for row in &figure.table.rows {
        assert_eq!(row.len(), figure.table.columns.len());
    }
}

#[test]
fn line_with_band_gap_and_target() {
    let chart = LineChart {
        labels: labels("trend"),
        categories: [
            "2024-03-31",
            "2024-06-30",
            "2024-09-30",
            "2024-12-31",
            "2025-03-31",
        ]
        .map(String::from)
        .to_vec(),
        series: vec![Series {
            name: "Admissions".into(),
            values: vec![Some(81.2), Some(79.4), None, Some(74.9), Some(72.3)],
            band: Some(vec![
                Some((78.0, 84.5)),
                Some((76.1, 82.8)),
                None,
                Some((71.7, 78.2)),
                Some((69.0, 75.7)),
            ]),
        }],
        target: Some(("Target".into(), 75.0)),
        zero: true,
        step: 0.1,
    };
    let figure = line(&chart);
    accessible(&figure, "trend");
    assert_eq!(figure.table.rows[2], ["2024-09-30", "-", "-", "-", "75.0"]);
    insta::assert_snapshot!(figure.svg);
}

#[test]
fn several_series_have_a_legend() {
    let chart = LineChart {
        labels: labels("segments"),
        categories: vec!["2024".into(), "2025".into(), "2026".into()],
        series: vec![
            Series {
                name: "Growing old".into(),
                values: vec![Some(20000.0), Some(21000.0), Some(22500.0)],
                band: None,
            },
            Series {
                name: "Being an adult".into(),
                values: vec![Some(90000.0), Some(91000.0), Some(90500.0)],
                band: None,
            },
        ],
        target: None,
        zero: true,
        step: 1.0,
    };
    let figure = line(&chart);
    accessible(&figure, "segments");
    assert!(figure.svg.contains(">Growing old</text>"));
    assert_eq!(figure.table.rows[2], ["2026", "22,500", "90,500"]);
    insta::assert_snapshot!(figure.svg);
}

#[test]
fn bars_with_error_bars_and_reference() {
    let chart = BarChart {
        labels: labels("bars"),
        bars: vec![
            Bar {
                label: "North network".into(),
                value: Some(12.5),
                lower: Some(10.1),
                upper: Some(15.2),
                tone: Tone::Worse,
                note: "50 / 400".into(),
            },
            Bar {
                label: "South network".into(),
                value: Some(8.0),
                lower: Some(6.2),
                upper: Some(10.3),
                tone: Tone::Similar,
                note: "40 / 500".into(),
            },
            Bar {
                label: "A practice with a very long name indeed".into(),
                value: None,
                note: "withheld".into(),
                ..Bar::default()
            },
        ],
        reference: Some(("Everyone".into(), 9.5)),
        step: 0.1,
    };
    let figure = bars(&chart);
    accessible(&figure, "bars");
    assert!(figure.svg.contains("no value"));
    assert!(figure.svg.contains("A practice with a very long n…"));
    assert_eq!(figure.table.rows[0][4], "Worse");
    insta::assert_snapshot!(figure.svg);
}

#[test]
fn funnel_with_limits() {
    let limits: Vec<FunnelLimit> = [100.0, 400.0, 1600.0, 3600.0]
        .iter()
        .map(|n| {
            let se = (0.1f64 * 0.9 / n).sqrt() * 100.0;
            FunnelLimit {
                denominator: *n,
                lower95: 10.0 - 1.96 * se,
                upper95: 10.0 + 1.96 * se,
                lower998: 10.0 - 3.09 * se,
                upper998: 10.0 + 3.09 * se,
            }
        })
        .collect();
    let chart = FunnelChart {
        labels: labels("funnel"),
        points: vec![
            FunnelPoint {
                label: "P1".into(),
                denominator: 150.0,
                value: 12.0,
                tone: Tone::NotCompared,
            },
            FunnelPoint {
                label: "P2".into(),
                denominator: 3000.0,
                value: 13.0,
                tone: Tone::Worse,
            },
        ],
        centre: 10.0,
        limits,
        step: 0.1,
    };
    let figure = funnel(&chart);
    accessible(&figure, "funnel");
    // The table gives each point the limits at the nearest denominator drawn.
    assert_eq!(figure.table.rows[1][0], "P2");
    assert_eq!(figure.table.rows[1][4], "11.5");
    insta::assert_snapshot!(figure.svg);
}

#[test]
fn pyramid_of_two_sexes() {
    let chart = PyramidChart {
        labels: labels("pyramid"),
        bands: vec![
            PyramidBand {
                label: "0-4".into(),
                left: 1200.0,
                right: 1150.0,
            },
            PyramidBand {
                label: "5-9".into(),
                left: 1100.0,
                right: 1080.0,
            },
            PyramidBand {
                label: "90+".into(),
                left: 40.0,
                right: 95.0,
            },
        ],
        left_name: "Male".into(),
        right_name: "Female".into(),
    };
    let figure = pyramid(&chart);
    accessible(&figure, "pyramid");
    // The table lists the oldest first, as the chart reads from the top.
    assert_eq!(figure.table.rows[0], ["90+", "40", "95"]);
    insta::assert_snapshot!(figure.svg);
}

#[test]
fn spc_with_a_shift_and_icons() {
    let values: Vec<Option<f64>> = [
        50.0, 52.0, 49.0, 51.0, 50.0, 53.0, 48.0, 50.0, 51.0, 49.0, 52.0, 50.0, 44.0, 43.0, 45.0,
        42.0, 44.0, 43.0, 41.0, 44.0,
    ]
    .iter()
    .map(|v| Some(*v))
    .collect();
    let mut options = SpcOptions::new(RuleSet::Mdc, Direction::Decrease);
    options.target = Some(40.0);
    let chart = xmr(&values, &options).expect("a valid series");
    let figure = spc(&SpcFigure {
        labels: labels("spc"),
        categories: (1..=20).map(|m| format!("M{m}")).collect(),
        chart: &chart,
        target: options.target,
        step: 0.1,
    });
    accessible(&figure, "spc");
    assert!(
        figure.svg.contains("#41b6e6"),
        "improvement points are blue"
    );
    assert!(figure.table.rows[19][5].contains("improvement"));
    insta::assert_snapshot!(figure.svg);
}

#[test]
fn sparkline_is_decorative() {
    let svg = sparkline(&[Some(1.0), Some(3.0), None, Some(2.0)]);
    well_formed(&svg);
    assert!(svg.contains(r#"aria-hidden="true""#));
    insta::assert_snapshot!(svg);
}

#[test]
fn roc_curve_and_calibration_plot_with_the_line_of_equality() {
    let roc = XyChart {
        labels: labels("roc"),
        series: vec![XySeries {
            name: "Validation year".into(),
            colour: "#005eb8".into(),
            mark: Mark::Line,
            points: vec![(0.0, 0.0), (0.1, 0.45), (0.3, 0.72), (0.6, 0.9), (1.0, 1.0)],
        }],
        diagonal: Some("Chance".into()),
        step: 0.01,
    };
    let figure = xy(&roc);
    accessible(&figure, "roc");
    assert_eq!(figure.table.rows.len(), 5);
    insta::assert_snapshot!(figure.svg);
    let calibration = XyChart {
        labels: labels("calibration"),
        series: vec![XySeries {
            name: "Deciles".into(),
            colour: "#330072".into(),
            mark: Mark::Points,
            points: vec![(0.01, 0.012), (0.05, 0.046), (0.2, 0.23)],
        }],
        diagonal: Some("Perfect calibration".into()),
        step: 0.001,
    };
    let figure = xy(&calibration);
    accessible(&figure, "calibration");
    assert_eq!(figure.svg.matches("<circle").count(), 3);
}
