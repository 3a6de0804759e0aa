//! PHEindicatormethods' own worked examples (its test spreadsheets, recomputed), to the
//! precision given there.

#![allow(clippy::excessive_precision)] // the reference's test data, digit for digit

use accord_stats::{
    Confidence, ESP2013, Estimate, directly_standardised_rate, indirectly_standardised, mean,
    proportion, rate, slope_index_of_inequality,
};

fn close(got: Estimate, expected: (f64, f64, f64), tolerance: f64) {
    let (value, lower, upper) = expected;
    let ok = |a: f64, b: f64| (a - b).abs() <= tolerance * b.abs().max(1.0);
    assert!(
        ok(got.value, value) && ok(got.lower, lower) && ok(got.upper, upper),
        "got {got:?}, expected {expected:?}"
    );
}

use Confidence::{P95, P998};

/// (x, n, confidence, expected value, lower, upper).
type Case = (f64, f64, Confidence, (f64, f64, f64));

#[test]
fn wilson_proportions() {
    let cases: [Case; 8] = [
        (1.0, 100.0, P95, (0.01, 0.0017674321, 0.0544861962)),
        (1.0, 100.0, P998, (0.01, 0.0008730657, 0.1045544528)),
        (65.0, 100.0, P95, (0.65, 0.5525444330, 0.7363575176)),
        (65.0, 100.0, P998, (0.65, 0.4954946574, 0.7783540614)),
        (0.445, 1.0, P95, (0.445, 0.0438174477, 0.9334621277)),
        (0.445, 1.0, P998, (0.445, 0.0193470061, 0.9702259947)),
        (0.0, 100.0, P95, (0.0, 0.0, 0.0369934982)),
        // statsmodels' proportion_confint(10, 50, method="wilson").
        (10.0, 50.0, P95, (0.2, 0.1124375002, 0.3303710593)),
    ];
    for (x, n, confidence, expected) in cases {
        close(proportion(x, n, confidence).unwrap(), expected, 1e-9);
    }
}

#[test]
fn crude_rates_exact_below_ten_and_byars_from_ten() {
    let cases: [Case; 9] = [
        (0.0, 100.0, P95, (0.0, 0.0, 3.6888794541)),
        (1.0, 100.0, P95, (1.0, 0.0253178080, 5.5716433909)),
        (1.0, 100.0, P998, (1.0, 0.0010005003, 9.2334134765)),
        (5.0, 100.0, P95, (5.0, 1.6234863901, 11.6683320793)),
        (5.0, 100.0, P998, (5.0, 0.7393717319, 16.4547452037)),
        (65.0, 100.0, P95, (65.0, 50.1631877105, 82.8491385459)),
        (65.0, 100.0, P998, (65.0, 42.8802614715, 94.0002908443)),
        (999.0, 3456.0, P95, (28.90625, 27.1413049361, 30.7558332374)),
        (
            999.0,
            3456.0,
            P998,
            (28.90625, 26.1621475964, 31.8456048198),
        ),
    ];
    for (x, n, confidence, expected) in cases {
        close(rate(x, n, 100.0, confidence).unwrap(), expected, 1e-9);
    }
    // More events than the denominator is a rate, not an error.
    close(
        rate(250.0, 220.0, 1e5, P95).unwrap(),
        (113636.36363636, 99984.947, 128631.145),
        1e-8,
    );
}

#[test]
fn means_with_students_t() {
    let values = [
        33.09375, 48.38596, 64.83495, 67.98475, 22.93556, 71.23587, 38.78465, 82.37927,
    ];
    close(
        mean(&values, Confidence::P95).unwrap(),
        (53.704345, 36.168325, 71.240365),
        1e-7,
    );
    close(
        mean(&values, Confidence::P998).unwrap(),
        (53.704345, 18.216705, 89.191985),
        1e-7,
    );
}

const COUNTS: [f64; 19] = [
    127., 25., 18., 21., 12., 27., 48., 27., 29., 32., 32., 34., 45., 65., 38., 68., 74., 82., 91.,
];
const POPS: [f64; 19] = [
    636., 558., 609., 543., 384., 594., 669., 843., 660., 576., 606., 522., 426., 273., 300., 288.,
    153., 123., 207.,
];

#[test]
fn directly_standardised_rate_with_dobson() {
    let dsr = directly_standardised_rate(&COUNTS, &POPS, &ESP2013, 1e5, Confidence::P95)
        .unwrap()
        .unwrap();
    close(
        dsr,
        (10430.2479914694, 9717.7090679857, 11178.9409154793),
        1e-11,
    );
    let dsr = directly_standardised_rate(&COUNTS, &POPS, &ESP2013, 1e5, Confidence::P998)
        .unwrap()
        .unwrap();
    close(
        dsr,
        (10430.2479914694, 9323.2878802199, 11620.5959995221),
        1e-11,
    );
    // Fewer than 10 events: not published.
    let mut tiny = [0.0; 19];
    tiny[3] = 9.0;
    assert_eq!(
        directly_standardised_rate(&tiny, &POPS, &ESP2013, 1e5, Confidence::P95).unwrap(),
        None
    );
    assert_eq!(ESP2013.iter().sum::<f64>(), 100_000.0);
}

#[test]
fn indirectly_standardised_ratio_and_rate() {
    let reference_counts = [
        10303., 2824., 0., 3615., 3641., 3490., 3789., 3213., 3031., 2771., 3089., 3490., 3595.,
        4745., 5514., 7125., 5694., 6210., 5757.,
    ];
    let reference_pops = [
        50520., 57173., 60213., 54659., 44345., 50128., 62163., 67423., 62899., 55463., 60479.,
        49974., 44140., 40888., 37239., 30819., 18136., 15325., 13918.,
    ];
    let isr = indirectly_standardised(
        &COUNTS,
        &POPS,
        &reference_counts,
        &reference_pops,
        1e5,
        Confidence::P95,
    )
    .unwrap();
    assert!(
        (isr.expected - 835.883561231).abs() < 1e-8,
        "{}",
        isr.expected
    );
    close(isr.ratio, (1.0707232939, 1.0017147713, 1.1432332872), 1e-9);
    close(
        isr.rate,
        (10011.1376220911, 9365.9160029789, 10689.0975829106),
        1e-11,
    );
    // Nine events: exact limits.
    let mut nine = [0.0; 19];
    nine[0] = 9.0;
    let small = indirectly_standardised(
        &nine,
        &POPS,
        &reference_counts,
        &reference_pops,
        1e5,
        Confidence::P95,
    )
    .unwrap();
    close(
        small.ratio,
        (0.0107670499, 0.0049233808, 0.0204392146),
        1e-8,
    );
}

#[test]
fn slope_and_relative_index_of_inequality() {
    let pops = [
        7291., 7997., 6105., 7666., 5790., 6934., 5918., 5974., 7147., 7534.,
    ];
    let values = [
        75.933459010308098,
        78.344238272784295,
        83.836063104165405,
        83.637539966493094,
        80.465503152955904,
        81.115675985702197,
        81.693083571856207,
        84.190006206098701,
        80.595564108147201,
        86.289434957862397,
    ];
    let se = [1.0; 10];
    let sii = slope_index_of_inequality(&pops, &values, &se, Confidence::P95, 10_000, 1).unwrap();
    assert!((sii.sii.value - 6.9346164737).abs() < 1e-9, "{sii:?}");
    assert!((sii.rii - 1.0888180804).abs() < 1e-9, "{sii:?}");
    assert!((sii.intercept - 78.0766).abs() < 1e-4, "{sii:?}");
    // The simulated interval matches the analytic one of a linear estimator: the slope is
    // Σ cᵢyᵢ, so with se 1 per quantile its SD is sqrt(Σ cᵢ²).
    let total: f64 = pops.iter().sum();
    let shares: Vec<f64> = pops.iter().map(|p| p / total).collect();
    let mut before = 0.0;
    let ranks: Vec<f64> = shares
        .iter()
        .map(|a| {
            let r = before + a / 2.0;
            before += a;
            r
        })
        .collect();
    let mean_rank: f64 = ranks.iter().zip(&shares).map(|(r, a)| r * a).sum();
    let spread: f64 = ranks
        .iter()
        .zip(&shares)
        .map(|(r, a)| a * (r - mean_rank).powi(2))
        .sum();
    let sd = ranks
        .iter()
        .zip(&shares)
        .map(|(r, a)| (a * (r - mean_rank) / spread).powi(2))
        .sum::<f64>()
        .sqrt();
    let half = 1.959963985 * sd;
    assert!(
        (sii.sii.lower - (sii.sii.value - half)).abs() < 0.05 * half,
        "{sii:?} vs ±{half}"
    );
    assert!(
        (sii.sii.upper - (sii.sii.value + half)).abs() < 0.05 * half,
        "{sii:?} vs ±{half}"
    );
    assert_eq!(
        sii,
        slope_index_of_inequality(&pops, &values, &se, Confidence::P95, 10_000, 1).unwrap(),
        "seeded"
    );
}
