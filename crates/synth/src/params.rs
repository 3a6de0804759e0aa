//! The generator's parameters: what a user can set, with docs/calibration.md's defaults, and
//! their check. They are recorded in the dataset's manifest with the planted truth.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// Parameters of a synthetic borough.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthParams {
    /// People in the `person` table: everyone registered at some time in the history.
    /// With 20-25% churn a year about N / 1.6 are registered on any one date.
    pub persons: usize,
    /// The seed: the same seed and size give the same borough.
    pub seed: u64,
    /// The last day of the history (the extract date).
    pub end_date: NaiveDate,
    /// Years of history ending on `end_date`.
    pub years: u32,
    /// GP practices.
    pub practices: usize,
    /// Integrated networks.
    pub networks: usize,
    /// Localities.
    pub localities: usize,
    /// Practices that belong to no network (seed 004: 31 of 33 practices in networks).
    pub practices_outside_networks: usize,
    /// Month-to-month correlation of each person's need shock (0 to below 1): how long a
    /// spell of high need lasts.
    pub shock_persistence: f64,
    /// The MDT programme and its planted effect.
    pub mdt: MdtParams,
}

/// The MDT programme and its planted effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MdtParams {
    /// First month of MDT meetings; by default 24 months before the end, so that people
    /// discussed in the first year have 12 months before and 12 after in the data.
    pub start_date: NaiveDate,
    /// New people discussed a month per 100,000 registered (seed 004: 180 of 249,000).
    pub new_per_month_per_100k: f64,
    /// Mean number of follow-up discussions per person (seed 004: 370 a month, 180 new).
    pub follow_ups_per_person: f64,
    /// Share of new people who come by referral rather than case finding.
    pub referral_share: f64,
    /// The effect planted.
    pub effect: PlantedEffect,
}

/// The true effect of a first MDT over the next 12 months, as relative changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlantedEffect {
    /// Relative reduction in A&E attendances (0.15 = 15% fewer).
    pub ae_reduction: f64,
    /// Relative reduction in emergency admissions.
    pub emergency_admission_reduction: f64,
    /// Relative increase in adult social care cost.
    pub social_care_cost_increase: f64,
}

impl Default for PlantedEffect {
    fn default() -> Self {
        PlantedEffect {
            ae_reduction: 0.15,
            emergency_admission_reduction: 0.05,
            social_care_cost_increase: 0.05,
        }
    }
}

/// A parameter out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{parameter}: {problem}")]
pub struct ParamError {
    /// The parameter.
    pub parameter: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl SynthParams {
    /// The default borough: 250,000 people, 33 practices in 12 networks and 4 localities,
    /// three years to `end_date`.
    pub fn new(persons: usize, seed: u64, end_date: NaiveDate) -> SynthParams {
        let start = end_date
            .checked_sub_months(Months::new(23))
            .and_then(|d| d.with_day(1))
            .unwrap_or(end_date);
        SynthParams {
            persons,
            seed,
            end_date,
            years: 3,
            practices: 33,
            networks: 12,
            localities: 4,
            practices_outside_networks: 2,
            shock_persistence: 0.88,
            mdt: MdtParams {
                start_date: start,
                new_per_month_per_100k: 180.0 / 2.49,
                follow_ups_per_person: 1.05,
                referral_share: 0.2,
                effect: PlantedEffect::default(),
            },
        }
    }

    /// The first day of the history.
    pub fn start_date(&self) -> NaiveDate {
        self.end_date
            .checked_sub_months(Months::new(12 * self.years))
            .and_then(|d| d.succ_opt())
            .unwrap_or(self.end_date)
    }

    /// Refuses parameters that cannot make a borough.
    pub fn validate(&self) -> Result<(), ParamError> {
        let fail = |parameter, problem: String| Err(ParamError { parameter, problem });
        if self.persons == 0 || self.persons > u32::MAX as usize {
            return fail(
                "persons",
                format!("{} is not between 1 and {}", self.persons, u32::MAX),
            );
        }
        if !(1..=20).contains(&self.years) {
            return fail("years", format!("{} is not between 1 and 20", self.years));
        }
        // A dataset's dates lie in 1850..=2199 (the oldest people are born about 110 years
        // before the end date).
        let (earliest, latest) = (
            NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or_default(),
        );
        if !(earliest..=latest).contains(&self.end_date) {
            return fail(
                "end date",
                format!("{} is not between {earliest} and {latest}", self.end_date),
            );
        }
        if self.localities == 0 || self.networks < self.localities || self.networks > 250 {
            return fail(
                "networks",
                format!(
                    "{} networks in {} localities: need at least one network per locality and at most 250",
                    self.networks, self.localities
                ),
            );
        }
        if self.practices < self.networks + self.practices_outside_networks
            || self.practices > 9_999
        {
            return fail(
                "practices",
                format!(
                    "{} practices cannot fill {} networks with {} outside networks",
                    self.practices, self.networks, self.practices_outside_networks
                ),
            );
        }
        if !(0.0..1.0).contains(&self.shock_persistence) {
            return fail(
                "shock persistence",
                format!(
                    "{} is not a correlation from 0 to below 1",
                    self.shock_persistence
                ),
            );
        }
        if self.mdt.start_date <= self.start_date() || self.mdt.start_date > self.end_date {
            return fail(
                "mdt start",
                format!(
                    "{} is not inside the history {}..{}",
                    self.mdt.start_date,
                    self.start_date(),
                    self.end_date
                ),
            );
        }
        let effect = self.mdt.effect;
        for (name, value) in [
            ("A&E effect", effect.ae_reduction),
            (
                "emergency admission effect",
                effect.emergency_admission_reduction,
            ),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return fail(
                    "effect",
                    format!("{name} {value} is not a share between 0 and 1"),
                );
            }
        }
        if !(-1.0..=10.0).contains(&effect.social_care_cost_increase) {
            return fail(
                "effect",
                format!(
                    "social care cost change {} is not between -1 and 10",
                    effect.social_care_cost_increase
                ),
            );
        }
        let finite_and_positive = |x: f64| x >= 0.0 && x.is_finite();
        if !(0.0..=1.0).contains(&self.mdt.referral_share)
            || !finite_and_positive(self.mdt.new_per_month_per_100k)
            || !finite_and_positive(self.mdt.follow_ups_per_person)
        {
            return fail(
                "mdt",
                "rates and shares must be zero or more (shares at most 1)".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn borough() -> SynthParams {
        SynthParams::new(1_000, 1, NaiveDate::from_ymd_opt(2026, 3, 31).unwrap())
    }

    #[test]
    fn the_default_borough_is_valid() {
        assert_eq!(borough().validate(), Ok(()));
    }

    #[test]
    fn end_dates_and_rates_outside_what_a_dataset_holds_are_refused() {
        for (end, ok) in [
            ("1959-12-31", false),
            ("1960-01-01", true),
            ("2199-12-31", true),
        ] {
            let mut params = borough();
            params.end_date = end.parse().unwrap();
            params.mdt.start_date = params.end_date - chrono::Days::new(300);
            assert_eq!(params.validate().is_ok(), ok, "{end}");
        }
        for rate in [f64::NAN, f64::INFINITY, -1.0] {
            let mut params = borough();
            params.mdt.new_per_month_per_100k = rate;
            assert_eq!(params.validate().unwrap_err().parameter, "mdt", "{rate}");
        }
    }

    #[test]
    fn a_need_shock_must_fade() {
        for persistence in [0.0, 0.5, 0.99] {
            let mut params = borough();
            params.shock_persistence = persistence;
            assert_eq!(params.validate(), Ok(()), "{persistence}");
        }
        for persistence in [-0.1, 1.0, f64::NAN] {
            let mut params = borough();
            params.shock_persistence = persistence;
            let error = params.validate().unwrap_err();
            assert_eq!(error.parameter, "shock persistence", "{persistence}");
        }
    }
}
