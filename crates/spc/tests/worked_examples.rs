//! The references' worked examples (NHS England's Making Data Count guidance and the
//! NHSRplotthedots vignettes, limits worked out by hand) and the points where the two rule
//! sets differ (docs/methods.md, "Statistical process control").

use accord_spc::{
    Assurance, Direction, PointType, RuleSet, Signal, SpcOptions, g_chart, t_chart, xmr,
};

fn series(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().copied().map(Some).collect()
}

fn near(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

const DEVIATIONS: [f64; 18] = [
    1., 2., 1., 2., 10., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1.,
];

#[test]
fn deviations_vignette_screened_and_unscreened() {
    let screened = xmr(
        &series(&DEVIATIONS),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap();
    let s = &screened.sections[0];
    assert!(
        near(s.mean, 1.9444, 1e-4) && near(s.moving_range_mean, 1.0, 1e-12),
        "{s:?}"
    );
    assert!(
        near(s.upper_limit, 4.6044, 1e-4) && near(s.lower_limit, -0.7156, 1e-4),
        "{s:?}"
    );
    let unscreened = xmr(
        &series(&DEVIATIONS),
        &SpcOptions::new(RuleSet::Mdc, Direction::Increase),
    )
    .unwrap();
    let s = &unscreened.sections[0];
    assert!(near(s.moving_range_mean, 1.88235, 1e-5), "{s:?}");
    assert!(
        near(s.upper_limit, 6.9515, 1e-4) && near(s.lower_limit, -3.0626, 1e-4),
        "{s:?}"
    );
    for chart in [&screened, &unscreened] {
        assert_eq!(chart.points[4].point_type, Some(PointType::ImprovementHigh));
        assert!(chart.points[4].signals.contains(&Signal::OutsideLimits));
    }
}

const RNORM: [f64; 20] = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
];

#[test]
fn plotthedots_snapshot_on_rnorm_20() {
    let chart = xmr(
        &series(&RNORM),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap();
    let s = &chart.sections[0];
    assert!(
        near(s.mean, 0.1416238, 1e-7)
            && near(s.lower_limit, -3.01138, 1e-5)
            && near(s.upper_limit, 3.294627, 1e-6),
        "{s:?}"
    );
    assert!(
        chart
            .points
            .iter()
            .all(|p| p.point_type == Some(PointType::CommonCause))
    );
    assert_eq!(chart.variation, Some(PointType::CommonCause));

    let mut spiked = RNORM;
    spiked[14] = 10.0; // y[15] in R
    let screened = xmr(
        &series(&spiked),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap();
    let s = &screened.sections[0];
    assert!(
        near(s.mean, 0.6694159, 1e-7)
            && near(s.lower_limit, -2.383666, 1e-6)
            && near(s.upper_limit, 3.722497, 1e-6),
        "{s:?}"
    );
    let mut options = SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase);
    options.screen_moving_ranges = false;
    let s = xmr(&series(&spiked), &options).unwrap().sections[0].clone();
    assert!(
        near(s.lower_limit, -4.596625, 1e-6) && near(s.upper_limit, 5.935457, 1e-6),
        "{s:?}"
    );
}

#[test]
fn runs_of_six_signal_in_mdc_but_not_in_plotthedots() {
    // Thirteen points; six in a row above the mean (positions 7-12).
    let values = [5., 3., 6., 2., 5., 3., 4., 6., 6.5, 6., 7., 6.2, 6.4];
    let mdc = xmr(
        &series(&values),
        &SpcOptions::new(RuleSet::Mdc, Direction::Decrease),
    )
    .unwrap();
    assert!(
        mdc.points[7..13]
            .iter()
            .all(|p| p.signals.contains(&Signal::Shift)),
        "{:?}",
        mdc.points
    );
    assert_eq!(mdc.variation, Some(PointType::ConcernHigh));
    let ptd = xmr(
        &series(&values),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Decrease),
    )
    .unwrap();
    assert!(
        ptd.points
            .iter()
            .all(|p| !p.signals.contains(&Signal::Shift))
    );
}

#[test]
fn mdc_needs_thirteen_points_for_signals() {
    let chart = xmr(
        &series(&DEVIATIONS[..12]),
        &SpcOptions::new(RuleSet::Mdc, Direction::Increase),
    )
    .unwrap();
    assert!(chart.run_chart_only);
    assert!(
        chart
            .points
            .iter()
            .all(|p| p.signals.is_empty() && p.point_type.is_none())
    );
    assert_eq!(chart.variation, None);
    assert!(!chart.warnings.is_empty());
    let ptd = xmr(
        &series(&DEVIATIONS[..12]),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap();
    assert!(!ptd.run_chart_only);
    assert_eq!(ptd.points[4].point_type, Some(PointType::ImprovementHigh));
}

#[test]
fn a_target_on_a_limit_is_pass_or_fail_in_mdc_and_hit_and_miss_in_plotthedots() {
    let upper = xmr(
        &series(&RNORM),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap()
    .sections[0]
        .upper_limit;
    let mut options = SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase);
    options.target = Some(upper);
    assert_eq!(
        xmr(&series(&RNORM), &options).unwrap().assurance,
        Some(Assurance::HitAndMiss)
    );
    options.target = Some(upper + 0.01);
    assert_eq!(
        xmr(&series(&RNORM), &options).unwrap().assurance,
        Some(Assurance::ConsistentlyFail)
    );
    options.target = Some(-10.0);
    assert_eq!(
        xmr(&series(&RNORM), &options).unwrap().assurance,
        Some(Assurance::ConsistentlyPass)
    );
    options.direction = Direction::Decrease;
    assert_eq!(
        xmr(&series(&RNORM), &options).unwrap().assurance,
        Some(Assurance::ConsistentlyFail)
    );

    let mut mdc = SpcOptions::new(RuleSet::Mdc, Direction::Increase);
    mdc.screen_moving_ranges = true; // RNORM has no outlying range: the limits are the same
    let limit = xmr(&series(&RNORM), &mdc).unwrap().sections[0].upper_limit;
    mdc.target = Some(limit);
    assert_eq!(
        xmr(&series(&RNORM), &mdc).unwrap().assurance,
        Some(Assurance::ConsistentlyFail)
    );
    mdc.direction = Direction::Neither;
    assert_eq!(xmr(&series(&RNORM), &mdc).unwrap().assurance, None);
}

#[test]
fn missing_periods_take_no_part() {
    let mut gappy: Vec<Option<f64>> = series(&RNORM);
    gappy.insert(5, None);
    gappy.insert(11, Some(f64::NAN));
    let with_gaps = xmr(&gappy, &SpcOptions::new(RuleSet::Mdc, Direction::Increase)).unwrap();
    let without = xmr(
        &series(&RNORM),
        &SpcOptions::new(RuleSet::Mdc, Direction::Increase),
    )
    .unwrap();
    assert_eq!(
        with_gaps.sections[0].upper_limit,
        without.sections[0].upper_limit
    );
    assert_eq!(with_gaps.points[5].value, None);
    assert_eq!(with_gaps.points[5].point_type, None);
    assert_eq!(with_gaps.points.len(), 22);
}

#[test]
fn rebasing_recomputes_each_section_and_baselines_freeze_limits() {
    let mut values: Vec<f64> = RNORM.to_vec();
    values.extend(RNORM.iter().map(|v| v + 5.0));
    let mut options = SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase);
    options.rebase_at = vec![20];
    let chart = xmr(&series(&values), &options).unwrap();
    assert_eq!(chart.sections.len(), 2);
    assert!(near(
        chart.sections[1].mean - chart.sections[0].mean,
        5.0,
        1e-9
    ));
    assert_eq!((chart.sections[1].first, chart.sections[1].last), (20, 39));
    assert!(
        chart.points[20..]
            .iter()
            .all(|p| p.point_type == Some(PointType::CommonCause))
    );

    // Unrebased, the step up is a long shift above the mean.
    let unbased = xmr(
        &series(&values),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap();
    assert!(
        unbased.points[20..]
            .iter()
            .any(|p| p.signals.contains(&Signal::Shift))
    );

    let mut frozen = SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase);
    frozen.baseline_points = Some(12);
    let chart = xmr(&series(&values), &frozen).unwrap();
    let first_twelve = xmr(
        &series(&values[..12]),
        &SpcOptions::new(RuleSet::PlotTheDots, Direction::Increase),
    )
    .unwrap();
    assert_eq!(
        chart.sections[0].upper_limit,
        first_twelve.sections[0].upper_limit
    );
    frozen.baseline_points = Some(6);
    assert!(xmr(&series(&values), &frozen).is_err());
}

#[test]
fn rare_event_charts() {
    let days = series(&[
        30., 45., 12., 60., 25., 40., 33., 50., 20., 41., 36., 28., 55., 31.,
    ]);
    let t = t_chart(&days, &SpcOptions::new(RuleSet::Mdc, Direction::Increase)).unwrap();
    let (centre, lower, upper) = t.limits_in_days[0];
    let s = &t.transformed.sections[0];
    assert!(near(centre, s.mean.powf(3.6), 1e-9) && near(upper, s.upper_limit.powf(3.6), 1e-9));
    assert_eq!(lower.is_some(), s.lower_limit >= 0.0);
    let g = g_chart(&[10., 20., 30., 200.]).unwrap();
    assert!(
        near(g.mean, 65.0, 1e-12)
            && near(g.upper_limit, 65.0 + 3.0 * (65.0f64 * 66.0).sqrt(), 1e-9)
    );
    assert!(near(g.centre, 0.693 * 65.0, 1e-12));
    assert!(g.above_limit.is_empty());
}
