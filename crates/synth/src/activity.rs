//! The second pass: each person's months. Need drifts month by month (a persistent level,
//! conditions, frailty and deprivation, plus a mean-reverting shock), and need drives
//! contacts, attendances and admissions (Poisson counts at docs/calibration.md's rates by age),
//! social care packages, safeguarding alerts, pregnancies, observations and death. People
//! at high risk during the MDT programme become candidates for case finding.

use accord_model::dates::age_in_years;
use accord_model::{Condition, Setting, Sex};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::calibration::{
    CONDITIONS, EVENT_SETTINGS, GOMPERTZ_A, GOMPERTZ_B, HOME_CARE_PER_HOUR, NURSING_PER_WEEK,
    REABLEMENT_PER_WEEK, RESIDENTIAL_PER_WEEK, activity_band,
};
use crate::geography::Geography;
use crate::people::{PersonCore, Window};
use crate::rng::{Stream, normal, poisson, stream};

/// The spread of the need shock (its month-to-month persistence is a parameter).
const SHOCK_SD: f64 = 0.55;

/// Care home residents attend A&E and are admitted more than their recorded need says
/// (docs/calibration.md: about 1.0 admission and 1.4 attendances a year).
const CARE_HOME_ACUTE_MULTIPLIER: f64 = 1.3;

/// Rows of the norms table beyond the event settings.
const DEATH: usize = EVENT_SETTINGS.len();
const HOME_CARE: usize = DEATH + 1;
const CARE_HOME: usize = DEATH + 2;
const NORM_ROWS: usize = DEATH + 3;
const LOADINGS: [f64; 3] = [0.6, 0.8, 1.0];

fn loading(row: usize) -> f64 {
    if row < DEATH {
        EVENT_SETTINGS[row].need_loading
    } else {
        LOADINGS[row - DEATH]
    }
}

const SMI: usize = 12;
const DEPRESSION: usize = 11;
const DEMENTIA: usize = 10;

/// Condition-specific multipliers on top of need (mental health services).
fn specific_multiplier(row: usize, smi: bool, depression: bool) -> f64 {
    match EVENT_SETTINGS.get(row).map(|s| s.setting) {
        Some(Setting::MentalHealth) => {
            1.0 + 30.0 * f64::from(u8::from(smi)) + 3.0 * f64::from(u8::from(depression))
        }
        Some(Setting::MentalHealthReferral) => {
            1.0 + 8.0 * f64::from(u8::from(smi)) + 2.0 * f64::from(u8::from(depression))
        }
        _ => 1.0,
    }
}

/// Mean multiplier of need by row and activity age band, so that rates by age meet the
/// calibration: rate = base(age) × exp(loading × need) / norm.
#[derive(Debug, Clone)]
pub struct Norms([[f64; 7]; NORM_ROWS]);

impl Norms {
    /// Averages over people registered on three days (start, middle and end of the
    /// history), each in the age band and with the conditions of that day, so that
    /// conditions with onset during the history are represented. The first pass does not
    /// know who dies, so people are weighted by their modelled chance of being alive.
    pub fn compute(persons: &[PersonCore], window: Window) -> Norms {
        let at_start = Self::averaged(persons, &[window.start], None);
        Self::averaged(
            persons,
            &[window.start, (window.start + window.end) / 2, window.end],
            Some((&at_start, window.start)),
        )
    }

    fn averaged(persons: &[PersonCore], days: &[i32], survival: Option<(&Norms, i32)>) -> Norms {
        // Persistent need is in `need` already; the shock's spread is averaged in analytically.
        let variance = SHOCK_SD.powi(2);
        let mut sums = [[0.0; 7]; NORM_ROWS];
        let mut counts = [0.0; 7];
        for &day in days {
            for person in persons
                .iter()
                .filter(|p| p.practice_on(day).is_some() && p.birth_day <= day)
            {
                let age = age_in_years(date(person.birth_day), date(day));
                let band = activity_band(age);
                let need = person.static_need(day) + person.persistent_need;
                let weight = survival.map_or(1.0, |(norms, start)| {
                    let yearly = (GOMPERTZ_A + GOMPERTZ_B * f64::from(age)).exp()
                        * (loading(DEATH) * need).exp()
                        / norms.0[DEATH][band]
                        * (loading(DEATH).powi(2) * variance / 2.0).exp();
                    (-yearly * f64::from((day - start).max(0)) / 365.25).exp()
                });
                counts[band] += weight;
                let smi = person.has_condition(SMI, day);
                let depression = person.has_condition(DEPRESSION, day);
                for (row, sum) in sums.iter_mut().enumerate() {
                    sum[band] += weight
                        * (loading(row) * need).exp()
                        * specific_multiplier(row, smi, depression);
                }
            }
        }
        let mut norms = [[1.0; 7]; NORM_ROWS];
        for row in 0..NORM_ROWS {
            for band in 0..7 {
                if counts[band] > 0.0 {
                    norms[row][band] = sums[row][band] / counts[band]
                        * (loading(row).powi(2) * variance / 2.0).exp();
                }
            }
        }
        Norms(norms)
    }
}

/// Activity rows of a block of people, column by column.
#[derive(Debug, Default)]
pub struct Events {
    pub person: Vec<u32>,
    pub setting: Vec<Setting>,
    pub start: Vec<i32>,
    pub end: Vec<Option<i32>>,
    pub provider: Vec<u16>,
    pub cost: Vec<f64>,
    pub diagnosis: Vec<Option<&'static str>>,
    /// Home care hours a week, shown in `detail`.
    pub hours: Vec<Option<u8>>,
}

impl Events {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        person: u32,
        setting: Setting,
        start: i32,
        end: Option<i32>,
        provider: u16,
        cost: f64,
        diagnosis: Option<&'static str>,
        hours: Option<u8>,
    ) {
        self.person.push(person);
        self.setting.push(setting);
        self.start.push(start);
        self.end.push(end);
        self.provider.push(provider);
        self.cost.push(cost);
        self.diagnosis.push(diagnosis);
        self.hours.push(hours);
    }

    pub fn len(&self) -> usize {
        self.person.len()
    }

    /// Drops the events from row `from` on that start after `day`.
    fn drop_starting_after(&mut self, from: usize, day: i32) {
        let keep: Vec<bool> = self.start[from..].iter().map(|&s| s <= day).collect();
        if keep.iter().all(|&k| k) {
            return;
        }
        retain_tail(&mut self.person, from, &keep);
        retain_tail(&mut self.setting, from, &keep);
        retain_tail(&mut self.start, from, &keep);
        retain_tail(&mut self.end, from, &keep);
        retain_tail(&mut self.provider, from, &keep);
        retain_tail(&mut self.cost, from, &keep);
        retain_tail(&mut self.diagnosis, from, &keep);
        retain_tail(&mut self.hours, from, &keep);
    }

    /// Keeps the rows for which `keep` is true, in order.
    pub fn retain(&mut self, keep: &[bool]) {
        fn filter<T: Clone>(values: &mut Vec<T>, keep: &[bool]) {
            let mut index = 0;
            values.retain(|_| {
                index += 1;
                keep[index - 1]
            });
        }
        filter(&mut self.person, keep);
        filter(&mut self.setting, keep);
        filter(&mut self.start, keep);
        filter(&mut self.end, keep);
        filter(&mut self.provider, keep);
        filter(&mut self.cost, keep);
        filter(&mut self.diagnosis, keep);
        filter(&mut self.hours, keep);
    }
}

/// A person at high risk in a month of the MDT programme, for case finding.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub person: u32,
    pub month: u16,
    pub network: u8,
    pub score: f32,
}

/// Keeps the items of `values` from `from` on where `keep` says so.
fn retain_tail<T>(values: &mut Vec<T>, from: usize, keep: &[bool]) {
    let tail = values.split_off(from);
    values.extend(
        tail.into_iter()
            .zip(keep)
            .filter(|(_, keep)| **keep)
            .map(|(value, _)| value),
    );
}

/// A condition flag recorded during the history.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub person: u32,
    pub condition: Condition,
    pub onset: i32,
    pub resolved: Option<i32>,
}

/// An observation: person, code index into `OBSERVATION_CODES`, value, day.
pub type Observation = (u32, u8, f64, i32);

pub const OBSERVATION_CODES: [&str; 4] = ["systolic_bp", "hba1c", "bmi", "smoking"];

/// What the second pass produces for a block of people.
#[derive(Debug, Default)]
pub struct Block {
    pub first_person: u32,
    pub events: Events,
    pub deaths: Vec<Option<i32>>,
    pub flags: Vec<Flag>,
    pub observations: Vec<Observation>,
    pub candidates: Vec<Candidate>,
}

/// The calendar of the history: the first day of each month, and one past the end.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub month_starts: Vec<i32>,
    pub mdt_first_month: usize,
}

impl Calendar {
    pub fn months(&self) -> usize {
        self.month_starts.len() - 1
    }

    /// The month a day falls in.
    pub fn month_of(&self, day: i32) -> usize {
        self.month_starts
            .partition_point(|&start| start <= day)
            .saturating_sub(1)
    }
}

const GENERIC_EMERGENCY_DIAGNOSES: [&str; 6] = ["J18.9", "N39.0", "R07.4", "R55", "K59.0", "L03.9"];

enum Package {
    None,
    HomeCare { hours: u8 },
    CareHome { nursing: bool },
}

/// Everything the monthly loop reads.
pub struct Context<'a> {
    pub geography: &'a Geography,
    pub norms: &'a Norms,
    pub calendar: &'a Calendar,
    pub window: Window,
    pub seed: u64,
    pub shock_persistence: f64,
}

/// Runs the history of people `first..first + persons.len()`.
pub fn simulate_block(context: &Context, first: u32, persons: &[PersonCore]) -> Block {
    let mut block = Block {
        first_person: first,
        ..Block::default()
    };
    for (offset, person) in persons.iter().enumerate() {
        let index = first + offset as u32;
        let mut rng = stream(context.seed, Stream::Activity, u64::from(index));
        let (events, flags, observations) = (
            block.events.len(),
            block.flags.len(),
            block.observations.len(),
        );
        let death = simulate_person(context, index, person, &mut rng, &mut block);
        if let Some(death) = death {
            // What follows an event drawn before death (reablement after a stay, a
            // package's next month) may fall after it: nothing happens to the dead.
            block.events.drop_starting_after(events, death);
            let tail = block.flags.split_off(flags);
            block
                .flags
                .extend(tail.into_iter().filter(|f| f.onset <= death));
            let tail = block.observations.split_off(observations);
            block
                .observations
                .extend(tail.into_iter().filter(|o| o.3 <= death));
        }
        block.deaths.push(death);
    }
    block
}

fn simulate_person(
    context: &Context,
    index: u32,
    person: &PersonCore,
    rng: &mut ChaCha8Rng,
    block: &mut Block,
) -> Option<i32> {
    let calendar = context.calendar;
    let months = calendar.months();
    let window = context.window;
    let mut emergency_by_month = vec![0u16; months];
    let mut ae_by_month = vec![0u16; months];
    let mut shock = SHOCK_SD * normal(rng);
    let mut care = initial_care(context, person, rng);
    let mut pregnant_until = i32::MIN;
    let observation_month = rng.random_range(0..12usize);
    let smi = person
        .conditions
        .iter()
        .find(|(c, _)| *c as usize == SMI)
        .map(|(_, onset)| *onset);
    let depression = person
        .conditions
        .iter()
        .find(|(c, _)| *c as usize == DEPRESSION)
        .map(|(_, onset)| *onset);
    let dementia = person
        .conditions
        .iter()
        .any(|(c, _)| *c as usize == DEMENTIA);
    let mut rates = [0.0f64; 10];
    for month in 0..months {
        let (month_start, month_end) = (
            calendar.month_starts[month],
            calendar.month_starts[month + 1],
        );
        let persistence = context.shock_persistence;
        shock = persistence * shock + (1.0 - persistence.powi(2)).sqrt() * SHOCK_SD * normal(rng);
        let scored = (month >= calendar.mdt_first_month)
            .then(|| {
                candidate(
                    context,
                    person,
                    index,
                    month,
                    &emergency_by_month,
                    &ae_by_month,
                    &care,
                )
            })
            .flatten();
        block.candidates.extend(scored);
        for spell in &person.spells {
            let from = spell.start.max(month_start).max(person.birth_day);
            let to = spell.end.unwrap_or(i32::MAX).min(month_end);
            if from >= to {
                continue;
            }
            let days = f64::from(to - from);
            let age = age_in_years(date(person.birth_day), date(from));
            let band = activity_band(age);
            let need = person.static_need(from) + person.persistent_need + shock;
            // Death first: the rest of the month happens only before it.
            let death_rate = (GOMPERTZ_A + GOMPERTZ_B * f64::from(age)).exp()
                * (loading(DEATH) * need).exp()
                / context.norms.0[DEATH][band];
            let dies = rng.random::<f64>() < 1.0 - (-death_rate * days / 365.25).exp();
            let to = if dies {
                from + rng.random_range(0..(to - from))
            } else {
                to
            };
            let days = if dies {
                f64::from(to - from).max(0.0)
            } else {
                days
            };
            let practice_provider = context.geography.roles.first_practice + spell.practice;
            let acute = context.geography.acute_for(usize::from(person.locality));
            let has_smi = smi.is_some_and(|onset| onset <= from);
            let has_depression = depression.is_some_and(|onset| onset <= from);
            let care_home = matches!(care, Package::CareHome { .. });
            for (row, setting) in EVENT_SETTINGS.iter().enumerate() {
                let mut rate = setting.per_year[band] * (setting.need_loading * need).exp()
                    / context.norms.0[row][band]
                    * specific_multiplier(row, has_smi, has_depression);
                if care_home
                    && matches!(
                        setting.setting,
                        Setting::AeAttendance | Setting::EmergencyAdmission
                    )
                {
                    rate *= CARE_HOME_ACUTE_MULTIPLIER;
                }
                rates[row] = rate * days / 365.25;
            }
            let total: f64 = rates.iter().sum();
            let count = poisson(rng, total);
            for _ in 0..count {
                let row = crate::rng::pick(rng, &rates);
                let setting = &EVENT_SETTINGS[row];
                let day = from + rng.random_range(0..(to - from).max(1));
                let event_month = calendar.month_of(day);
                match setting.setting {
                    Setting::EmergencyAdmission => {
                        emergency_by_month[event_month] += 1;
                        let stay = length_of_stay(rng, age);
                        let end = (day + stay <= window.end).then_some(day + stay);
                        let diagnosis = emergency_diagnosis(rng, person, day, age);
                        block.events.push(
                            index,
                            setting.setting,
                            day,
                            end,
                            acute,
                            700.0 + 300.0 * f64::from(stay),
                            Some(diagnosis),
                            None,
                        );
                        if age >= 65 && rng.random::<f64>() < 0.12 {
                            let start = day + stay + 1;
                            if start + 42 <= window.end {
                                block.events.push(
                                    index,
                                    Setting::Reablement,
                                    start,
                                    Some(start + 42),
                                    context.geography.roles.social_care,
                                    6.0 * REABLEMENT_PER_WEEK,
                                    None,
                                    None,
                                );
                            }
                        }
                    }
                    Setting::ElectiveAdmission => {
                        let (stay, cost) = if rng.random::<f64>() < 0.8 {
                            (0, 1100.0)
                        } else {
                            (rng.random_range(1..5), 3600.0)
                        };
                        let end = (day + stay <= window.end).then_some(day + stay);
                        block.events.push(
                            index,
                            setting.setting,
                            day,
                            end,
                            acute,
                            cost,
                            None,
                            None,
                        );
                    }
                    other => {
                        if other == Setting::AeAttendance {
                            ae_by_month[event_month] += 1;
                        }
                        let provider = match other {
                            Setting::AeAttendance | Setting::Outpatient => acute,
                            Setting::Gp => practice_provider,
                            Setting::Community => context.geography.roles.community,
                            Setting::MentalHealth | Setting::MentalHealthReferral => {
                                context.geography.roles.mental_health
                            }
                            Setting::Voluntary => context.geography.roles.voluntary,
                            _ => context.geography.roles.social_care,
                        };
                        block.events.push(
                            index,
                            other,
                            day,
                            None,
                            provider,
                            setting.unit_cost,
                            None,
                            None,
                        );
                    }
                }
            }
            social_care(
                context,
                person,
                index,
                rng,
                &mut care,
                (from, to),
                need,
                band,
                age,
                dementia,
                block,
            );
            if person.sex == Sex::Female
                && (15..=44).contains(&age)
                && from > pregnant_until
                && rng.random::<f64>() < 0.06 * days / 365.25
            {
                let onset = from + rng.random_range(0..(to - from).max(1));
                pregnant_until = onset + 266;
                let resolved = (pregnant_until <= window.end).then_some(pregnant_until);
                block.flags.push(Flag {
                    person: index,
                    condition: Condition::Pregnancy,
                    onset,
                    resolved,
                });
            }
            if month % 12 == observation_month {
                observe(person, index, rng, from, age, block);
            }
            if dies {
                if rng.random::<f64>() < 0.5 {
                    let onset = to - rng.random_range(30..180);
                    block.flags.push(Flag {
                        person: index,
                        condition: Condition::EndOfLife,
                        onset: onset.max(person.birth_day),
                        resolved: None,
                    });
                }
                return Some(to);
            }
        }
    }
    None
}

fn date(day: i32) -> chrono::NaiveDate {
    accord_model::dates::from_days(day).unwrap_or(accord_model::dates::EPOCH)
}

fn length_of_stay(rng: &mut ChaCha8Rng, age: i32) -> i32 {
    let mean = 2.0 + 0.1 * f64::from((age - 45).max(0));
    let draw = -mean * (1.0 - rng.random::<f64>()).ln();
    (draw.round() as i32).clamp(0, 120)
}

fn emergency_diagnosis(
    rng: &mut ChaCha8Rng,
    person: &PersonCore,
    day: i32,
    age: i32,
) -> &'static str {
    let present: Vec<usize> = person
        .conditions
        .iter()
        .filter(|(_, onset)| *onset <= day)
        .map(|(c, _)| *c as usize)
        .collect();
    if !present.is_empty() && rng.random::<f64>() < 0.5 {
        return CONDITIONS[present[rng.random_range(0..present.len())]].icd10;
    }
    if age >= 75 && rng.random::<f64>() < 0.15 {
        return "S72.0"; // fractured neck of femur: a fall
    }
    GENERIC_EMERGENCY_DIAGNOSES[rng.random_range(0..GENERIC_EMERGENCY_DIAGNOSES.len())]
}

/// Care at the start of the history for people registered then.
fn initial_care(context: &Context, person: &PersonCore, rng: &mut ChaCha8Rng) -> Package {
    let start = context.window.start;
    if person.practice_on(start).is_none() {
        return Package::None;
    }
    let age = age_in_years(date(person.birth_day), date(start));
    if age < 18 {
        return Package::None;
    }
    let band = activity_band(age);
    let need = person.static_need(start) + person.persistent_need;
    let dementia = person
        .conditions
        .iter()
        .any(|(c, onset)| *c as usize == DEMENTIA && *onset <= start);
    let care_home_share = if age >= 65 {
        0.02 * (1.0 + 2.0 * f64::from(u8::from(dementia)))
    } else {
        0.0
    };
    let home_care_share = if age >= 65 { 0.055 } else { 0.012 };
    let draw = rng.random::<f64>();
    let care_home = (care_home_share * (loading(CARE_HOME) * need).exp()
        / context.norms.0[CARE_HOME][band])
        .min(0.9);
    let home_care = (home_care_share * (loading(HOME_CARE) * need).exp()
        / context.norms.0[HOME_CARE][band])
        .min(0.9);
    if draw < care_home {
        Package::CareHome {
            nursing: rng.random::<f64>() < 0.4,
        }
    } else if draw < care_home + home_care {
        start_home_care(rng)
    } else {
        Package::None
    }
}

/// A new home care package: 4 to 20 hours a week.
fn start_home_care(rng: &mut ChaCha8Rng) -> Package {
    Package::HomeCare {
        hours: rng.random_range(4..=20),
    }
}

/// A permanent move into a residential or nursing home, recorded as a condition flag.
fn enter_care_home(rng: &mut ChaCha8Rng, person: u32, day: i32, block: &mut Block) -> Package {
    block.flags.push(Flag {
        person,
        condition: Condition::CareHomeResident,
        onset: day,
        resolved: None,
    });
    Package::CareHome {
        nursing: rng.random::<f64>() < 0.4,
    }
}

/// One month of adult social care: package rows billed for the days in care, and changes
/// of package.
#[allow(clippy::too_many_arguments)]
fn social_care(
    context: &Context,
    person: &PersonCore,
    index: u32,
    rng: &mut ChaCha8Rng,
    care: &mut Package,
    (from, to): (i32, i32),
    need: f64,
    band: usize,
    age: i32,
    dementia: bool,
    block: &mut Block,
) {
    if age < 18 || to <= from {
        return;
    }
    let provider = context.geography.roles.social_care;
    let days = f64::from(to - from);
    let month_fraction = days / 30.44;
    let care_home_rate = if age >= 65 {
        0.005 / 12.0 * (loading(CARE_HOME) * need).exp() / context.norms.0[CARE_HOME][band]
            * (1.0 + 2.0 * f64::from(u8::from(dementia)))
    } else {
        0.0
    };
    match *care {
        Package::None => {
            let base = if age >= 65 {
                0.055 / 30.0
            } else {
                0.012 / 30.0
            };
            let home_care_rate =
                base * (loading(HOME_CARE) * need).exp() / context.norms.0[HOME_CARE][band];
            let draw = rng.random::<f64>();
            if draw < care_home_rate * month_fraction {
                *care = enter_care_home(rng, index, from, block);
            } else if draw < (care_home_rate + home_care_rate) * month_fraction {
                *care = start_home_care(rng);
            }
        }
        Package::HomeCare { hours } => {
            block.events.push(
                index,
                Setting::HomeCare,
                from,
                Some(to - 1),
                provider,
                f64::from(hours) * HOME_CARE_PER_HOUR * days / 7.0,
                None,
                Some(hours),
            );
            let draw = rng.random::<f64>();
            if draw < 3.0 * care_home_rate * month_fraction {
                *care = enter_care_home(rng, index, to, block);
            } else if draw < (3.0 * care_home_rate + 1.0 / 30.0) * month_fraction {
                *care = Package::None;
            }
        }
        Package::CareHome { nursing } => {
            let (setting, weekly) = if nursing {
                (Setting::Nursing, NURSING_PER_WEEK)
            } else {
                (Setting::Residential, RESIDENTIAL_PER_WEEK)
            };
            if from == context.window.start
                && !block
                    .flags
                    .iter()
                    .any(|f| f.person == index && f.condition == Condition::CareHomeResident)
            {
                let onset = from - rng.random_range(30..1100);
                block.flags.push(Flag {
                    person: index,
                    condition: Condition::CareHomeResident,
                    onset: onset.max(person.birth_day),
                    resolved: None,
                });
            }
            block.events.push(
                index,
                setting,
                from,
                Some(to - 1),
                provider,
                weekly * days / 7.0,
                None,
                None,
            );
        }
    }
}

/// The case-finding score a system would compute at the start of a month: prior-year
/// emergency admissions and A&E attendances, conditions, age, frailty and social care.
#[allow(clippy::too_many_arguments)]
fn candidate(
    context: &Context,
    person: &PersonCore,
    index: u32,
    month: usize,
    emergency: &[u16],
    ae: &[u16],
    care: &Package,
) -> Option<Candidate> {
    let day = context.calendar.month_starts[month];
    let practice = person.practice_on(day)?;
    let network = context.geography.practices[usize::from(practice)].network?;
    let from = month.saturating_sub(12);
    let emergency_12: f64 = emergency[from..month].iter().map(|&n| f64::from(n)).sum();
    let ae_12: f64 = ae[from..month].iter().map(|&n| f64::from(n)).sum();
    let conditions = person
        .conditions
        .iter()
        .filter(|(_, onset)| *onset <= day)
        .count() as f64;
    let age = age_in_years(date(person.birth_day), date(day));
    let frail = person.frailty.0 >= 2 && person.frailty.1 <= day;
    let in_care = !matches!(care, Package::None);
    let score = 0.9 * emergency_12
        + 0.25 * ae_12
        + 0.3 * conditions
        + 0.6 * f64::from(u8::from(age >= 75))
        + 0.8 * f64::from(u8::from(frail))
        + 0.3 * f64::from(u8::from(in_care));
    (score >= 2.0).then_some(Candidate {
        person: index,
        month: month as u16,
        network: network as u8,
        score: score as f32,
    })
}

fn observe(
    person: &PersonCore,
    index: u32,
    rng: &mut ChaCha8Rng,
    day: i32,
    age: i32,
    block: &mut Block,
) {
    if age < 18 {
        return;
    }
    let hypertension = person.has_condition(0, day);
    let diabetes = person.has_condition(1, day);
    if (hypertension || diabetes || age >= 40) && rng.random::<f64>() < 0.7 {
        let value = 124.0
            + 0.25 * f64::from(age - 40)
            + 10.0 * f64::from(u8::from(hypertension))
            + 14.0 * normal(rng);
        block
            .observations
            .push((index, 0, value.round().clamp(70.0, 240.0), day));
    }
    if diabetes && rng.random::<f64>() < 0.85 {
        block.observations.push((
            index,
            1,
            (58.0 + 12.0 * normal(rng)).round().clamp(30.0, 150.0),
            day,
        ));
    }
    if rng.random::<f64>() < 0.3 {
        let bmi = 26.5 + 0.6 * (5.5 - f64::from(person.decile)) / 4.5 + 4.5 * normal(rng);
        block.observations.push((
            index,
            2,
            (bmi * 10.0).round().clamp(140.0, 600.0) / 10.0,
            day,
        ));
    }
    if rng.random::<f64>() < 0.4 {
        block
            .observations
            .push((index, 3, f64::from(u8::from(person.smoker)), day));
    }
}
