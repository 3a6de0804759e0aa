//! The payment of an outcome-based contract for a period, from a results snapshot, step by
//! step so that a provider can check each one:
//!
//! 1. each indicator's value and 95% interval for the period (the whole population), the
//!    value scored (the point, or the interval's end worse for the alliance), its
//!    achievement (0 at the threshold, 1 at the target, by the contract's scoring) and its
//!    weighted score;
//! 2. the pot: the annual value × the share at risk of the contract year;
//! 3. the gateways: any that fails zeroes the outcome payment;
//! 4. the outcome payment: the pot × the weighted score, held within the floor and cap;
//! 5. the risk share: the budget less the actual spend, shared between commissioner and
//!    alliance by the agreed ratio, the alliance's part held within ± the cap and collar;
//! 6. the partners' shares of what the alliance gets, split to the penny by largest
//!    remainder;
//! 7. how much of it is noise: the payment's distribution when each indicator is drawn from
//!    its sampling distribution (normal, with the interval's width; seeded), and the
//!    probability that each threshold and target was truly crossed;
//! 8. the sensitivity of the payment to each indicator.
//!
//! Amounts are pence; a share of an amount is taken in parts per billion and rounded to the
//! penny. The formulas are in `docs/outcome-contracts.md`.

use accord_contracts::{Gateway, OutcomeContract, ScoreOn};
use accord_model::{Pence, allocate};
use accord_snapshot::money::{Sheet, Value};
use accord_snapshot::{IndicatorEntry, ResultRow, Snapshot};
use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution as _, Normal};
use serde::Serialize;

/// The z of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// How a payment is worked out.
#[derive(Debug, Clone)]
pub struct PaymentOptions {
    /// The period's last day (default: the latest period of the contract's indicators).
    pub period_end: Option<NaiveDate>,
    /// Draws of the indicators' values for the payment's distribution.
    pub draws: usize,
    /// The seed of those draws.
    pub seed: u64,
    /// Values put in place of the snapshot's: (framework/indicator, value).
    pub overrides: Vec<(String, f64)>,
}

impl Default for PaymentOptions {
    fn default() -> PaymentOptions {
        PaymentOptions {
            period_end: None,
            draws: 10_000,
            seed: 42,
            overrides: Vec::new(),
        }
    }
}

/// Why a payment could not be worked out.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The contract's definition is wrong.
    #[error(transparent)]
    Definition(#[from] accord_contracts::ContractsError),
    /// The snapshot lacks what the contract needs.
    #[error("{0}")]
    Snapshot(String),
}

/// One indicator's step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    /// The framework of the indicator.
    pub framework: String,
    /// The indicator's id.
    pub indicator: String,
    /// Its name.
    pub name: String,
    /// The unit of its values.
    pub unit: String,
    /// Which direction is good.
    pub polarity: String,
    /// The period's first day.
    pub period_start: Option<NaiveDate>,
    /// The period's last day.
    pub period_end: Option<NaiveDate>,
    /// The figure's numerator.
    pub numerator: Option<f64>,
    /// The figure's denominator.
    pub denominator: Option<f64>,
    /// The figure.
    pub value: Option<f64>,
    /// Its 95% interval's lower end.
    pub lower95: Option<f64>,
    /// Its 95% interval's upper end.
    pub upper95: Option<f64>,
    /// Set by a scenario in place of the snapshot's value.
    pub overridden: bool,
    /// The value scored: the point, or the interval's end worse for the alliance.
    pub scored_value: Option<f64>,
    /// The contract's baseline.
    pub baseline: f64,
    /// The value at which payment starts.
    pub threshold: f64,
    /// The value at which payment is whole.
    pub target: f64,
    /// Its weight in the score.
    pub weight: f64,
    /// Achievement 0-1, as scored.
    pub achievement: f64,
    /// Weight × achievement.
    pub weighted: f64,
    /// The probability, from the interval, that the true value is past the threshold
    /// (on the better side), and at or past the target.
    pub p_past_threshold: Option<f64>,
    /// The probability that the true value is at or past the target.
    pub p_at_target: Option<f64>,
    /// The SQL behind the figure (`accord explain` has the rest).
    pub sql: String,
}

/// One gateway and whether it passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayResult {
    /// The gateway, in words.
    pub description: String,
    /// Whether it passed.
    pub passed: bool,
    /// The figure it was judged on.
    pub detail: String,
}

/// One partner's part of what the alliance receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerShare {
    /// The partner's name.
    pub name: String,
    /// Its share, 0-1.
    pub share: f64,
    /// Its amount.
    pub amount: Pence,
}

/// The risk share against a capitated budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskShareResult {
    /// The capitated budget.
    pub budget: Pence,
    /// The actual spend.
    pub actual: Pence,
    /// Where the actual spend came from.
    pub actual_source: String,
    /// `budget - actual`: a saving above zero, an overspend below.
    pub gain: Pence,
    /// The commissioner's share of a gain or a loss, 0-1.
    pub commissioner_ratio: f64,
    /// The alliance's part before the cap and collar, and after.
    pub alliance_before_cap: Pence,
    /// The alliance's part after the cap and collar.
    pub alliance: Pence,
    /// The commissioner's part.
    pub commissioner: Pence,
    /// The cap and collar: the most the alliance gains or loses.
    pub cap_collar: Pence,
}

/// The payment's spread from the indicators' sampling uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentDistribution {
    /// Draws made.
    pub draws: usize,
    /// Their seed.
    pub seed: u64,
    /// The mean payment.
    pub mean: Pence,
    /// Its standard deviation.
    pub sd: Pence,
    /// The 5th percentile.
    pub p5: Pence,
    /// The median.
    pub p50: Pence,
    /// The 95th percentile.
    pub p95: Pence,
    /// The share of draws that pay nothing.
    pub p_zero: f64,
}

/// The payment against one indicator moving 5% either way (relative), others held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// The indicator (`framework/indicator`).
    pub indicator: String,
    /// The payment with the indicator 5% worse.
    pub worse: Pence,
    /// The payment with the indicator 5% better.
    pub better: Pence,
}

/// A contract's payment for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    /// The contract's id.
    pub contract: String,
    /// Its name.
    pub name: String,
    /// Whether its values are illustrative.
    pub illustrative: bool,
    /// The fingerprint of the snapshot's dataset.
    pub snapshot_fingerprint: String,
    /// When the snapshot was made.
    pub snapshot_created_at: String,
    /// The period's last day.
    pub period_end: Option<NaiveDate>,
    /// The financial year of the period's end, and the contract year it is (1 = first).
    pub year: String,
    /// The contract year, 1 the first.
    pub contract_year: i32,
    /// The contract's value for a year.
    pub annual_value: Pence,
    /// The share of the value at risk in this contract year.
    pub share_at_risk: f64,
    /// The money at risk: the value × that share.
    pub pot: Pence,
    /// Each indicator's step.
    pub indicators: Vec<IndicatorScore>,
    /// The weighted score, 0-1.
    pub score: f64,
    /// Each gateway.
    pub gateways: Vec<GatewayResult>,
    /// Whether every gateway passed.
    pub gateways_passed: bool,
    /// The pot × the score (zero if a gateway failed), before the floor and cap.
    pub before_limits: Pence,
    /// The least outcome payment.
    pub floor: Pence,
    /// The most outcome payment.
    pub cap: Pence,
    /// The outcome payment, within floor and cap.
    pub outcome_payment: Pence,
    /// The risk share, where the contract has one.
    pub risk_share: Option<RiskShareResult>,
    /// The outcome payment and the alliance's part of the risk share.
    pub to_alliance: Pence,
    /// Each partner's part.
    pub partners: Vec<PartnerShare>,
    /// The payment's spread from the indicators' uncertainty.
    pub distribution: PaymentDistribution,
    /// The payment against each indicator moving 5% either way.
    pub sensitivity: Vec<Sensitivity>,
    /// What a reader must know.
    pub notes: Vec<String>,
}

fn share_of(amount: Pence, share: f64) -> Pence {
    amount.scaled((share * 1e9).round() as i64, 1_000_000_000)
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26 through erf,
/// accurate to 1.5e-7, enough for a probability shown to one decimal of a percent).
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

fn higher_is_better(polarity: &str) -> bool {
    polarity == "higher_is_better"
}

/// The whole-population row of an indicator for the period.
fn row_for<'a>(
    snapshot: &'a Snapshot,
    framework: &str,
    indicator: &str,
    period_end: Option<NaiveDate>,
) -> Option<&'a ResultRow> {
    snapshot
        .results
        .iter()
        .filter(|r| {
            r.framework == framework
                && r.indicator == indicator
                && r.breakdown == "all"
                && period_end.is_none_or(|end| r.period_end <= end)
        })
        .max_by_key(|r| r.period_end)
}

fn entry<'a>(
    snapshot: &'a Snapshot,
    framework: &str,
    indicator: &str,
) -> Option<&'a IndicatorEntry> {
    snapshot
        .summary
        .indicators
        .iter()
        .find(|i| i.framework == framework && i.id == indicator)
}

/// Checks a contract's indicators against a snapshot's: each must exist, be judged, and
/// have its target on the better side of its threshold.
pub fn check_against(contract: &OutcomeContract, snapshot: &Snapshot) -> Result<(), PaymentError> {
    contract.check_indicators(|framework, indicator| {
        entry(snapshot, framework, indicator)
            .map(|e| e.polarity.clone())
            .ok_or_else(|| format!("the snapshot has no indicator {framework}/{indicator}"))
    })?;
    Ok(())
}

/// The outcome payment of a set of achievements, before the risk share.
fn outcome_payment(
    contract: &OutcomeContract,
    pot: Pence,
    score: f64,
    gateways_passed: bool,
) -> (Pence, Pence, Pence, Pence) {
    let before = if gateways_passed {
        share_of(pot, score)
    } else {
        Pence::ZERO
    };
    let floor = contract.floor.unwrap_or(Pence::ZERO);
    let cap = contract.cap.unwrap_or(pot).max(floor);
    (before, floor, cap, before.clamp(floor, cap))
}

/// The payment of `contract` from `snapshot`.
pub fn pay(
    contract: &OutcomeContract,
    snapshot: &Snapshot,
    options: &PaymentOptions,
) -> Result<Payment, PaymentError> {
    check_against(contract, snapshot)?;
    let mut notes = Vec::new();
    let period_end = options.period_end.or_else(|| {
        contract
            .indicators
            .iter()
            .filter_map(|i| {
                row_for(snapshot, &i.framework, &i.indicator, None).map(|r| r.period_end)
            })
            .max()
    });
    let Some(end) = period_end else {
        return Err(PaymentError::Snapshot(
            "the snapshot has no figure for any of the contract's indicators".into(),
        ));
    };
    let fy_start = if end.month() >= 4 {
        end.year()
    } else {
        end.year() - 1
    };
    let year = format!("{}/{:02}", fy_start, (fy_start + 1).rem_euclid(100));
    let share_at_risk = contract.share_in(fy_start).unwrap_or_else(|| {
        notes.push(format!(
            "the period ends before the contract's first year ({}): nothing is at risk",
            contract.first_year
        ));
        0.0
    });
    let pot = share_of(contract.annual_value, share_at_risk);
    for (name, _) in &options.overrides {
        if !contract.indicators.iter().any(|i| &i.name() == name) {
            return Err(PaymentError::Snapshot(format!(
                "the contract has no indicator {name} to set (it has {})",
                contract
                    .indicators
                    .iter()
                    .map(|i| i.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut indicators = Vec::new();
    // Each indicator's centre and sampling sd, for the distribution.
    let mut spread: Vec<Option<(f64, f64)>> = Vec::new();
    for i in &contract.indicators {
        let e = entry(snapshot, &i.framework, &i.indicator);
        let polarity = e.map_or_else(String::new, |e| e.polarity.clone());
        let row = row_for(snapshot, &i.framework, &i.indicator, Some(end))
            .filter(|r| r.period_end == end);
        let mut value = row.and_then(|r| r.value);
        let (mut lower, mut upper) = (row.and_then(|r| r.lower95), row.and_then(|r| r.upper95));
        let overridden = options
            .overrides
            .iter()
            .find(|(n, _)| *n == i.name())
            .map(|(_, v)| *v);
        if let Some(new) = overridden {
            // The interval moves with the value: the scenario changes the truth, not the
            // noise.
            let shift = value.map_or(0.0, |v| new - v);
            lower = lower.map(|l| l + shift);
            upper = upper.map(|u| u + shift);
            value = Some(new);
        }
        if value.is_none() {
            notes.push(format!(
                "{} has no figure for the period to {end}: scored 0",
                i.name()
            ));
        }
        let better_high = higher_is_better(&polarity);
        let scored_value = match contract.score_on {
            ScoreOn::Point => value,
            ScoreOn::CautiousBound => if better_high { lower } else { upper }.or(value),
        };
        let achievement = scored_value.map_or(0.0, |v| i.achievement(v));
        let sd = match (lower, upper) {
            (Some(l), Some(u)) if u > l => Some((u - l) / (2.0 * Z95)),
            _ => None,
        };
        let beyond = |line: f64| -> Option<f64> {
            let (v, sd) = (value?, sd?);
            Some(if better_high {
                phi((v - line) / sd)
            } else {
                phi((line - v) / sd)
            })
        };
        spread.push(value.map(|v| (v, sd.unwrap_or(0.0))));
        indicators.push(IndicatorScore {
            framework: i.framework.clone(),
            indicator: i.indicator.clone(),
            name: e.map_or_else(|| i.name(), |e| e.name.clone()),
            unit: e.map_or_else(String::new, |e| e.unit.clone()),
            polarity,
            period_start: row.map(|r| r.period_start),
            period_end: row.map(|r| r.period_end),
            numerator: row.map(|r| r.numerator),
            denominator: row.map(|r| r.denominator),
            value,
            lower95: lower,
            upper95: upper,
            overridden: overridden.is_some(),
            scored_value,
            baseline: i.baseline,
            threshold: i.threshold,
            target: i.target,
            weight: i.weight,
            achievement,
            weighted: i.weight * achievement,
            p_past_threshold: beyond(i.threshold),
            p_at_target: beyond(i.target),
            sql: e.map_or_else(String::new, |e| e.sql.clone()),
        });
    }
    let score: f64 = indicators.iter().map(|i| i.weighted).sum();
    let gateways: Vec<GatewayResult> = contract
        .gateways
        .iter()
        .map(|g| gateway(g, snapshot, end))
        .collect();
    let gateways_passed = gateways.iter().all(|g| g.passed);
    let (before_limits, floor, cap, outcome) =
        outcome_payment(contract, pot, score, gateways_passed);
    let risk_share = match &contract.risk_share {
        None => None,
        Some(r) => {
            let money = snapshot.money.as_ref().ok_or_else(|| {
                PaymentError::Snapshot("the contract shares risk against a budget, but the snapshot holds no money results: refresh it with a contract register".into())
            })?;
            let actual = actual_spend(money, &r.actual).ok_or_else(|| {
                PaymentError::Snapshot(format!(
                    "no money line {:?} in the snapshot (total, contract:ID or workstream:PLAN/ID)",
                    r.actual
                ))
            })?;
            let gain = r.budget - actual;
            let alliance_before_cap = share_of(gain, 1.0 - r.commissioner);
            let collar = share_of(r.budget, r.cap_collar);
            let alliance = alliance_before_cap.clamp(-collar, collar);
            Some(RiskShareResult {
                budget: r.budget,
                actual,
                actual_source: format!(
                    "{} of the snapshot's money results ({})",
                    r.actual, money.year.label
                ),
                gain,
                commissioner_ratio: r.commissioner,
                alliance_before_cap,
                alliance,
                commissioner: gain - alliance,
                cap_collar: collar,
            })
        }
    };
    let to_alliance = outcome + risk_share.as_ref().map_or(Pence::ZERO, |r| r.alliance);
    let weights: Vec<f64> = contract.partners.iter().map(|p| p.share).collect();
    let partners = contract
        .partners
        .iter()
        .zip(allocate(to_alliance, &weights))
        .map(|(p, amount)| PartnerShare {
            name: p.name.clone(),
            share: p.share,
            amount,
        })
        .collect();
    // The payment of given values, gateways as observed.
    let pay_of = |values: &[Option<f64>]| -> Pence {
        let score: f64 = contract
            .indicators
            .iter()
            .zip(values)
            .map(|(i, v)| i.weight * v.map_or(0.0, |v| i.achievement(v)))
            .sum();
        outcome_payment(contract, pot, score, gateways_passed).3
    };
    let distribution = simulate(contract, &indicators, &spread, options, &pay_of);
    let centre: Vec<Option<f64>> = indicators.iter().map(|i| i.scored_value).collect();
    let sensitivity = indicators
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let moved = |better: bool| {
                let mut values = centre.clone();
                if let Some(v) = values[k] {
                    let up = better == higher_is_better(&i.polarity);
                    values[k] = Some(if up { v * 1.05 } else { v * 0.95 });
                }
                pay_of(&values)
            };
            Sensitivity {
                indicator: format!("{}/{}", i.framework, i.indicator),
                worse: moved(false),
                better: moved(true),
            }
        })
        .collect();
    if contract.illustrative {
        notes.push("the contract's value, shares, thresholds and targets are illustrative".into());
    }
    Ok(Payment {
        contract: contract.id.clone(),
        name: contract.name.clone(),
        illustrative: contract.illustrative,
        snapshot_fingerprint: snapshot
            .summary
            .header
            .provenance
            .dataset_fingerprint
            .clone(),
        snapshot_created_at: snapshot.summary.header.provenance.created_at.clone(),
        period_end,
        year,
        contract_year: fy_start - contract.first_year + 1,
        annual_value: contract.annual_value,
        share_at_risk,
        pot,
        indicators,
        score,
        gateways,
        gateways_passed,
        before_limits,
        floor,
        cap,
        outcome_payment: outcome,
        risk_share,
        to_alliance,
        partners,
        distribution,
        sensitivity,
        notes,
    })
}

fn actual_spend(money: &accord_snapshot::money::MoneyResults, line: &str) -> Option<Pence> {
    if line == "total" {
        return Some(money.total.spend);
    }
    if let Some(id) = line.strip_prefix("contract:") {
        let lines: Vec<_> = money.contracts.iter().filter(|c| c.id == id).collect();
        return (!lines.is_empty()).then(|| lines.iter().map(|c| c.spend).sum());
    }
    let (plan, id) = line.strip_prefix("workstream:")?.split_once('/')?;
    money
        .plan(plan)?
        .workstreams
        .iter()
        .find(|w| w.id == id)
        .map(|w| w.actual)
}

fn gateway(g: &Gateway, snapshot: &Snapshot, end: NaiveDate) -> GatewayResult {
    match g {
        Gateway::Completeness {
            table,
            column,
            min_percent,
            ..
        } => {
            let found = snapshot
                .summary
                .profile
                .completeness
                .iter()
                .find(|c| &c.table == table && &c.column == column);
            let percent = found
                .filter(|c| c.rows > 0.0)
                .map(|c| 100.0 * c.filled / c.rows);
            GatewayResult {
                description: format!("{table}.{column} filled in at least {min_percent}% of rows"),
                passed: percent.is_some_and(|p| p >= *min_percent),
                detail: percent.map_or_else(
                    || "not in the snapshot's data quality profile".into(),
                    |p| format!("{p:.1}% filled"),
                ),
            }
        }
        Gateway::Floor {
            framework,
            indicator,
            floor,
            ..
        } => {
            let polarity =
                entry(snapshot, framework, indicator).map_or("", |e| e.polarity.as_str());
            let value = row_for(snapshot, framework, indicator, Some(end)).and_then(|r| r.value);
            let passed = value.is_some_and(|v| {
                if higher_is_better(polarity) {
                    v >= *floor
                } else {
                    v <= *floor
                }
            });
            GatewayResult {
                description: format!(
                    "{framework}/{indicator} {} {floor}",
                    if higher_is_better(polarity) {
                        "at least"
                    } else {
                        "at most"
                    }
                ),
                passed,
                detail: value
                    .map_or_else(|| "no figure for the period".into(), |v| format!("{v:.2}")),
            }
        }
    }
}

/// The payment's distribution: each indicator drawn from a normal with its interval's sd,
/// scored as the contract scores (on a drawn point, or the drawn point's cautious bound).
fn simulate(
    contract: &OutcomeContract,
    indicators: &[IndicatorScore],
    spread: &[Option<(f64, f64)>],
    options: &PaymentOptions,
    pay_of: &dyn Fn(&[Option<f64>]) -> Pence,
) -> PaymentDistribution {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let standard = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!("a unit normal"));
    let draws = options.draws.max(1);
    let mut payments: Vec<i64> = Vec::with_capacity(draws);
    let mut values = vec![None; indicators.len()];
    for _ in 0..draws {
        for (k, s) in spread.iter().enumerate() {
            values[k] = s.map(|(centre, sd)| {
                let drawn = centre + sd * standard.sample(&mut rng);
                match contract.score_on {
                    ScoreOn::Point => drawn,
                    ScoreOn::CautiousBound => {
                        let half = Z95 * sd;
                        if higher_is_better(&indicators[k].polarity) {
                            drawn - half
                        } else {
                            drawn + half
                        }
                    }
                }
            });
        }
        payments.push(pay_of(&values).0);
    }
    payments.sort_unstable();
    let n = payments.len();
    let mean = payments.iter().map(|p| *p as f64).sum::<f64>() / n as f64;
    let variance = payments
        .iter()
        .map(|p| (*p as f64 - mean).powi(2))
        .sum::<f64>()
        / (n.max(2) - 1) as f64;
    let quantile = |q: f64| Pence(payments[((q * (n - 1) as f64).round() as usize).min(n - 1)]);
    PaymentDistribution {
        draws,
        seed: options.seed,
        mean: Pence(mean.round() as i64),
        sd: Pence(variance.sqrt().round() as i64),
        p5: quantile(0.05),
        p50: quantile(0.5),
        p95: quantile(0.95),
        p_zero: payments.iter().filter(|p| **p == 0).count() as f64 / n as f64,
    }
}

impl Payment {
    /// The payment's tables, for CSV and the workbook.
    pub fn sheets(&self) -> Vec<Sheet> {
        use Value::{Count, Number, Pounds, Text};
        let opt = |x: Option<f64>| x.map_or(Text(String::new()), Number);
        let mut summary = vec![
            vec![Text("contract".into()), Text(self.contract.clone())],
            vec![
                Text("snapshot fingerprint".into()),
                Text(self.snapshot_fingerprint.clone()),
            ],
            vec![Text("year".into()), Text(self.year.clone())],
            vec![
                Text("contract year".into()),
                Count(self.contract_year.max(0) as u64),
            ],
            vec![Text("annual value".into()), Pounds(self.annual_value)],
            vec![Text("share at risk".into()), Number(self.share_at_risk)],
            vec![Text("pot".into()), Pounds(self.pot)],
            vec![Text("weighted score".into()), Number(self.score)],
            vec![
                Text("gateways passed".into()),
                Text(if self.gateways_passed { "yes" } else { "no" }.into()),
            ],
            vec![
                Text("before floor and cap".into()),
                Pounds(self.before_limits),
            ],
            vec![Text("outcome payment".into()), Pounds(self.outcome_payment)],
        ];
        if let Some(r) = &self.risk_share {
            summary.push(vec![Text("risk share: budget".into()), Pounds(r.budget)]);
            summary.push(vec![Text("risk share: actual".into()), Pounds(r.actual)]);
            summary.push(vec![
                Text("risk share: alliance".into()),
                Pounds(r.alliance),
            ]);
        }
        summary.push(vec![
            Text("to the alliance".into()),
            Pounds(self.to_alliance),
        ]);
        vec![
            Sheet {
                name: "payment".into(),
                columns: vec!["item", "value"],
                rows: summary,
            },
            Sheet {
                name: "indicators".into(),
                columns: vec![
                    "framework",
                    "indicator",
                    "period_end",
                    "value",
                    "lower95",
                    "upper95",
                    "scored_value",
                    "threshold",
                    "target",
                    "weight",
                    "achievement",
                    "weighted",
                    "p_past_threshold",
                    "p_at_target",
                ],
                rows: self
                    .indicators
                    .iter()
                    .map(|i| {
                        vec![
                            Text(i.framework.clone()),
                            Text(i.indicator.clone()),
                            Text(i.period_end.map_or_else(String::new, |d| d.to_string())),
                            opt(i.value),
                            opt(i.lower95),
                            opt(i.upper95),
                            opt(i.scored_value),
                            Number(i.threshold),
                            Number(i.target),
                            Number(i.weight),
                            Number(i.achievement),
                            Number(i.weighted),
                            opt(i.p_past_threshold),
                            opt(i.p_at_target),
                        ]
                    })
                    .collect(),
            },
            Sheet {
                name: "partners".into(),
                columns: vec!["partner", "share", "amount_gbp"],
                rows: self
                    .partners
                    .iter()
                    .map(|p| vec![Text(p.name.clone()), Number(p.share), Pounds(p.amount)])
                    .collect(),
            },
            Sheet {
                name: "sensitivity".into(),
                columns: vec![
                    "indicator",
                    "payment_if_5pc_worse_gbp",
                    "payment_if_5pc_better_gbp",
                ],
                rows: self
                    .sensitivity
                    .iter()
                    .map(|s| vec![Text(s.indicator.clone()), Pounds(s.worse), Pounds(s.better)])
                    .collect(),
            },
        ]
    }
}

impl Payment {
    /// The contract's outcome metrics, pricings and this period's payments in the shape of
    /// the INDIGO data standard (the Government Outcomes Lab's, version 3: a project's
    /// `outcome_metrics`, `outcome_pricings` and `outcome_payments`, each field an object
    /// with a `value`). One outcome metric per indicator; its payment is its weighted share
    /// of the outcome payment, split to the penny.
    pub fn indigo(&self, contract: &OutcomeContract) -> serde_json::Value {
        use serde_json::json;
        let value = |v: serde_json::Value| json!({ "value": v });
        let pounds = |p: Pence| p.pounds();
        let metric_id = |i: &IndicatorScore| format!("{}-{}", self.contract, i.indicator);
        let weights: Vec<f64> = self.indicators.iter().map(|i| i.weighted).collect();
        let parts = allocate(self.outcome_payment, &weights);
        let (start, end) = self
            .indicators
            .iter()
            .find_map(|i| Some((i.period_start?, i.period_end?)))
            .map_or((String::new(), String::new()), |(s, e)| {
                (s.to_string(), e.to_string())
            });
        json!({
            "id": self.contract,
            "name": value(json!(self.name)),
            "outcome_metrics": self.indicators.iter().zip(&contract.indicators).map(|(i, c)| json!({
                "id": metric_id(i),
                "definition": value(json!(format!("{} ({}), {}", i.name, i.unit, i.polarity.replace('_', " ")))),
                "target_population": value(json!("the partnership's registered population (the indicator's denominator)")),
                "outcome_metric_target": value(json!(format!(
                    "threshold {}, target {} (baseline {}); achievement {} between them, weight {}",
                    i.threshold, i.target, i.baseline,
                    match c.scoring {
                        accord_contracts::Scoring::Linear => "linear".to_string(),
                        accord_contracts::Scoring::Stepped { steps } => format!("in {steps} steps"),
                        accord_contracts::Scoring::AllOrNothing => "all or nothing".to_string(),
                    },
                    i.weight
                ))),
                "outcome_validation_method": value(json!("computed by Accord from the partnership's pseudonymised dataset; the SQL is in the results snapshot")),
                "data_source_for_outcome_validation": value(json!(format!("Accord results snapshot of dataset {}", self.snapshot_fingerprint))),
                "notes": if self.illustrative { "illustrative" } else { "" },
            })).collect::<Vec<_>>(),
            "outcome_pricings": self.indicators.iter().map(|i| json!({
                "outcome_metric_id": value(json!(metric_id(i))),
                "currency": value(json!("GBP")),
                "maximum_price_if_all_targets_achieved": { "amount": value(json!(format!("{:.2}", pounds(self.pot) * i.weight))) },
                "price_description": value(json!(format!(
                    "{:.1}% of the pot ({} × {:.1}% at risk in contract year {}), paid by achievement",
                    100.0 * i.weight, self.annual_value, 100.0 * self.share_at_risk, self.contract_year
                ))),
            })).collect::<Vec<_>>(),
            "outcome_payments": self.indicators.iter().zip(&parts).map(|(i, part)| json!({
                "outcome_payment_plan_id": value(json!(self.contract)),
                "outcome_metric_id": value(json!(metric_id(i))),
                "period": { "start_date": value(json!(start)), "end_date": value(json!(end)) },
                "type": value(json!("Planned")),
                "money": { "currency": value(json!("GBP")), "amount": value(json!(pounds(*part))) },
                "notes": format!("achievement {:.4}; the gateways {}; computed, not yet paid", i.achievement, if self.gateways_passed { "passed" } else { "failed" }),
            })).collect::<Vec<_>>(),
        })
    }
}
