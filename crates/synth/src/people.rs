//! The first pass: who lives in the borough. Each person's age, sex, ethnicity, home
//! (LSOA and its deprivation), practice registrations over the history, long-term
//! conditions with onset dates, frailty, and their persistent level of need. Condition
//! probabilities are scaled so that prevalence among people registered on the end date
//! meets docs/calibration.md.

use accord_model::dates::to_days;
use accord_model::{EthnicGroup, Sex};
use rand::Rng;
use rayon::prelude::*;

use crate::calibration::{
    AGE_BANDS, CONDITIONS, ETHNICITY, GOMPERTZ_A, GOMPERTZ_B, LEAVE_HAZARD, activity_band,
};
use crate::geography::Geography;
use crate::params::SynthParams;
use crate::rng::{Stream, mix, normal, opaque_id, pick, stream};

/// Spread of the persistent part of need (log scale).
pub const PERSISTENT_NEED_SD: f64 = 1.0;
/// How much deprivation raises need: log multiplier from least to most deprived is twice this.
pub const DEPRIVATION_NEED: f64 = 0.22;
/// Need added by recorded frailty: mild, moderate, severe.
pub const FRAILTY_NEED: [f64; 4] = [0.0, 0.25, 0.5, 0.8];

/// A registration with a practice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spell {
    pub practice: u16,
    pub start: i32,
    pub end: Option<i32>,
}

/// One person as the first pass leaves them.
#[derive(Debug, Clone)]
pub struct PersonCore {
    pub id: u64,
    pub sex: Sex,
    pub birth_day: i32,
    pub age_at_end: i32,
    pub ethnic: EthnicGroup,
    pub lsoa: u32,
    pub decile: u8,
    pub locality: u8,
    pub spells: Vec<Spell>,
    /// Long-term conditions: index into `CONDITIONS`, onset day.
    pub conditions: Vec<(u8, i32)>,
    /// 0 none, 1 mild, 2 moderate, 3 severe; and the day it was recorded.
    pub frailty: (u8, i32),
    pub persistent_need: f64,
    /// A clustering factor: people with one condition tend to have others.
    pub health_factor: f64,
    pub smoker: bool,
}

impl PersonCore {
    /// Deprivation's contribution to need: +DEPRIVATION_NEED in decile 1, minus in decile 10.
    pub fn deprivation_need(&self) -> f64 {
        DEPRIVATION_NEED * (5.5 - f64::from(self.decile)) / 4.5
    }

    /// Need from conditions and frailty present on `day`, and deprivation.
    pub fn static_need(&self, day: i32) -> f64 {
        let conditions: f64 = self
            .conditions
            .iter()
            .filter(|(_, onset)| *onset <= day)
            .map(|(c, _)| CONDITIONS[*c as usize].need_weight)
            .sum();
        let frailty = if self.frailty.1 <= day {
            FRAILTY_NEED[self.frailty.0 as usize]
        } else {
            0.0
        };
        conditions + frailty + self.deprivation_need()
    }

    /// Is the person registered on `day`, and where?
    pub fn practice_on(&self, day: i32) -> Option<u16> {
        self.spells
            .iter()
            .find(|s| s.start <= day && s.end.is_none_or(|end| day < end))
            .map(|s| s.practice)
    }

    pub fn has_condition(&self, index: usize, day: i32) -> bool {
        self.conditions
            .iter()
            .any(|(c, onset)| *c as usize == index && *onset <= day)
    }
}

/// The window of the history in days.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: i32,
    /// The end date itself (inclusive).
    pub end: i32,
}

/// The probability that someone in population band `band` is registered on the end date,
/// given the leaving hazard; used to weight sampling so that the end-date population has
/// docs/calibration.md's age structure.
fn registered_at_end(band: usize, years: f64) -> (f64, f64) {
    let yh = LEAVE_HAZARD[band] * years;
    let joiner = yh / (1.0 + yh);
    let stays = (1.0 - joiner) * (-yh).exp() + joiner * (1.0 - (-yh).exp()) / yh;
    (joiner, stays)
}

/// Builds everyone's demographics and registrations (conditions come in a second step).
pub fn demographics(
    params: &SynthParams,
    geography: &Geography,
    window: Window,
) -> Vec<PersonCore> {
    let years = f64::from(params.years);
    let band_weights: Vec<f64> = AGE_BANDS
        .iter()
        .enumerate()
        .map(|(b, (low, high, share))| {
            // Those who die before the end are in the person table too: sample more of the
            // old so that the living population on the end date has the target shares.
            let middle = f64::from(low + high) / 2.0;
            let survival = (-(GOMPERTZ_A + GOMPERTZ_B * middle).exp() * years * 0.9).exp();
            share / (registered_at_end(b, years).1 * survival)
        })
        .collect();
    let locality_weights: Vec<f64> = geography
        .practices_by_locality
        .iter()
        .map(|ps| ps.iter().map(|&p| geography.practices[p].weight).sum())
        .collect();
    let ethnic_weights: Vec<f64> = ETHNICITY.iter().map(|(_, w)| *w).collect();
    let id_key = mix(params.seed ^ 0xACC0_4D00);
    (0..params.persons)
        .into_par_iter()
        .map(|index| {
            let mut rng = stream(params.seed, Stream::Demographics, index as u64);
            let band = pick(&mut rng, &band_weights);
            let (low, high, _) = AGE_BANDS[band];
            let age_years = f64::from(low) + rng.random::<f64>() * f64::from(high + 1 - low);
            let birth_day = first_of_month_day(window.end - (age_years * 365.25) as i32);
            let female_share = match band {
                5 => 0.55,
                6 => 0.58,
                7 => 0.65,
                _ => 0.5,
            };
            let sex = if rng.random::<f64>() < 0.003 {
                Sex::Unknown
            } else if rng.random::<f64>() < female_share {
                Sex::Female
            } else {
                Sex::Male
            };
            let locality = pick(&mut rng, &locality_weights);
            let lsoas = &geography.lsoas_by_locality[locality];
            let lsoa = lsoas[rng.random_range(0..lsoas.len())];
            let ethnic = ETHNICITY[pick(&mut rng, &ethnic_weights)].0;
            let practices = &geography.practices_by_locality[locality];
            let practice_weights: Vec<f64> = practices
                .iter()
                .map(|&p| geography.practices[p].weight)
                .collect();
            let practice = practices[pick(&mut rng, &practice_weights)] as u16;
            let spells = registrations(
                &mut rng, band, birth_day, practice, practices, window, years,
            );
            let health_factor = normal(&mut rng);
            let persistent_need =
                PERSISTENT_NEED_SD * (0.5 * health_factor + 0.75f64.sqrt() * normal(&mut rng));
            let decile = geography.lsoas[lsoa].decile;
            let smoker = rng.random::<f64>() < 0.10 + 0.02 * (5.5 - f64::from(decile)).max(0.0);
            PersonCore {
                id: opaque_id(id_key, index as u64),
                sex,
                birth_day,
                age_at_end: age_years as i32,
                ethnic,
                lsoa: lsoa as u32,
                decile,
                locality: locality as u8,
                spells,
                conditions: Vec::new(),
                frailty: (0, i32::MAX),
                persistent_need,
                health_factor,
                smoker,
            }
        })
        .collect()
}

fn first_of_month_day(day: i32) -> i32 {
    accord_model::dates::from_days(day)
        .map(accord_model::dates::first_of_month)
        .map_or(day, to_days)
}

/// A person's registrations: joined before or during the history, perhaps moved practice
/// within the borough, perhaps left.
fn registrations(
    rng: &mut impl Rng,
    band: usize,
    birth_day: i32,
    practice: u16,
    locality_practices: &[usize],
    window: Window,
    years: f64,
) -> Vec<Spell> {
    let (joiner_share, _) = registered_at_end(band, years);
    let span = f64::from(window.end - window.start);
    let mut start = if rng.random::<f64>() < joiner_share {
        window.start + (rng.random::<f64>() * span) as i32
    } else {
        let years_before = -6.0 * (1.0 - rng.random::<f64>()).ln();
        window.start - (years_before * 365.25) as i32
    };
    if start < birth_day {
        start = birth_day + rng.random_range(0..60);
    }
    start = start.min(window.end);
    let hazard_per_day = LEAVE_HAZARD[band] / 365.25;
    let stay = -(1.0 - rng.random::<f64>()).ln() / hazard_per_day;
    let leave = start.max(window.start) + stay as i32;
    let end = (leave <= window.end).then_some(leave);
    let last = end.unwrap_or(window.end);
    if rng.random::<f64>() < 0.04 * years
        && locality_practices.len() > 1
        && last - start.max(window.start) > 60
    {
        let moved =
            start.max(window.start) + rng.random_range(30..(last - start.max(window.start) - 29));
        let mut other = locality_practices[rng.random_range(0..locality_practices.len())] as u16;
        if other == practice {
            other = locality_practices[(locality_practices
                .iter()
                .position(|&p| p as u16 == practice)
                .unwrap_or(0)
                + 1)
                % locality_practices.len()] as u16;
        }
        return vec![
            Spell {
                practice,
                start,
                end: Some(moved),
            },
            Spell {
                practice: other,
                start: moved,
                end,
            },
        ];
    }
    vec![Spell {
        practice,
        start,
        end,
    }]
}

/// Relative chance of condition `c` for a person, before scaling to the target prevalence.
fn condition_weight(person: &PersonCore, c: usize) -> f64 {
    let profile = &CONDITIONS[c];
    let age = profile.by_age[activity_band(person.age_at_end)];
    let deprivation = profile
        .deprivation_ratio
        .powf((10.0 - f64::from(person.decile)) / 9.0 - 0.5);
    let ethnicity = if person.ethnic == EthnicGroup::Asian {
        profile.asian_ratio
    } else {
        1.0
    };
    age * deprivation * ethnicity * (0.6 * person.health_factor).exp()
}

/// Scales per condition so that prevalence among people registered on the end date
/// (adults, for depression) meets its target, allowing for the 0.95 cap.
pub fn condition_scales(persons: &[PersonCore], window: Window) -> Vec<f64> {
    (0..CONDITIONS.len())
        .map(|c| {
            let weights: Vec<f64> = persons
                .iter()
                .filter(|p| p.practice_on(window.end).is_some())
                .filter(|p| !CONDITIONS[c].adults_only || p.age_at_end >= 18)
                .map(|p| condition_weight(p, c))
                .collect();
            let target = CONDITIONS[c].prevalence;
            let mean = weights.iter().sum::<f64>() / weights.len().max(1) as f64;
            let mut scale = if mean > 0.0 { target / mean } else { 0.0 };
            for _ in 0..4 {
                let achieved = weights.iter().map(|w| (scale * w).min(0.95)).sum::<f64>()
                    / weights.len().max(1) as f64;
                if achieved <= 0.0 {
                    break;
                }
                scale *= target / achieved;
            }
            scale
        })
        .collect()
}

/// Draws each person's long-term conditions (present on the end date, with onset dates
/// that may fall inside the history) and their recorded frailty.
pub fn assign_conditions(persons: &mut [PersonCore], scales: &[f64], seed: u64, window: Window) {
    persons
        .par_iter_mut()
        .enumerate()
        .for_each(|(index, person)| {
            let mut rng = stream(seed, Stream::Conditions, index as u64);
            for (c, scale) in scales.iter().enumerate() {
                let p = (scale * condition_weight(person, c)).min(0.95);
                if rng.random::<f64>() < p {
                    let max_years = f64::from(person.age_at_end).clamp(0.5, 15.0);
                    let onset = (window.end - (rng.random::<f64>() * max_years * 365.25) as i32)
                        .max(person.birth_day);
                    person.conditions.push((c as u8, onset));
                }
            }
            if person.age_at_end >= 65 {
                let score = person.conditions.len() as f64
                    + f64::from(person.age_at_end - 65) / 8.0
                    + 0.8 * person.health_factor;
                let level = match score {
                    s if s >= 6.0 => 3,
                    s if s >= 4.5 => 2,
                    s if s >= 3.0 => 1,
                    _ => 0,
                };
                if level > 0 {
                    let sixty_fifth = person.birth_day + (65.0 * 365.25) as i32;
                    let onset =
                        (window.end - (rng.random::<f64>() * 4.0 * 365.25) as i32).max(sixty_fifth);
                    person.frailty = (level, onset);
                }
            }
        });
}
