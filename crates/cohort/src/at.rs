//! What holds for each person on a date: registered and alive that day, their age,
//! practice, open conditions, activity in the 12 months to the date, and frailty. Segment
//! rules and risk features read only this.

use accord_model::{Condition, Setting, dates};
use chrono::{Months, NaiveDate};
use rayon::prelude::*;

use crate::frailty::{Frailty, condition_deficit, event_deficits};
use crate::history::{Histories, History};

/// One person on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonAt {
    /// Index into `Histories::people`.
    pub person: usize,
    /// Age in whole years on the day.
    pub age: i32,
    /// Index into `Histories::practices`.
    pub practice: u32,
    /// One bit per `Condition::ALL` entry, for conditions open on the day.
    pub conditions: u32,
    /// Long-term conditions open on the day.
    pub long_term_conditions: u32,
    /// Rows in the 12 months to the day, per `Setting::ALL` entry: packages of care open at
    /// any time in the window, everything else starting in it.
    pub in_year: [u16; 14],
    /// Cost of rows starting in the 12 months to the day.
    pub cost_in_year: f64,
    /// A package of adult social care open on the day itself.
    pub social_care_on_day: bool,
    /// eFI deficits present on the day.
    pub frailty: Frailty,
}

impl PersonAt {
    /// Is the condition open on the day?
    pub fn has(&self, condition: Condition) -> bool {
        self.conditions & condition_bit(condition) != 0
    }

    /// Rows of a setting in the 12 months to the day.
    pub fn in_year(&self, setting: Setting) -> u32 {
        u32::from(self.in_year[setting_index(setting)])
    }
}

pub(crate) fn condition_bit(condition: Condition) -> u32 {
    1 << condition.index()
}

pub(crate) fn setting_index(setting: Setting) -> usize {
    setting.index()
}

/// The first day of the 12 months that end on `day`: the day after the same date a year
/// earlier (29 February falls back to the 28th).
pub fn year_from(day: i32) -> i32 {
    months_before(day, 12) + 1
}

/// The same date `months` earlier (the month's last day where it is shorter).
pub fn months_before(day: i32, months: u32) -> i32 {
    dates::from_days(day)
        .and_then(|d| d.checked_sub_months(Months::new(months)))
        .map_or(day - 365, dates::to_days)
}

/// Everyone registered with a practice and alive at the end of `day`.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// The day (days since the epoch).
    pub day: i32,
    /// Each person, in person order.
    pub people: Vec<PersonAt>,
}

/// The person on `day`, if registered and alive then.
pub fn person_at(history: &History<'_>, day: i32) -> Option<PersonAt> {
    if !history.alive_on(day) {
        return None;
    }
    let practice = history.practice_on(day)?;
    Some(state_at(history, day, practice))
}

/// The state of a person known to be registered with `practice` and alive on `day`: one
/// pass over their condition spells and one over their events up to the day, since this
/// runs for every person-month of an evaluation. The frailty deficits are those of
/// [`crate::frailty::deficits_with_evidence`], found by the same rules.
pub fn state_at(history: &History<'_>, day: i32, practice: u32) -> PersonAt {
    let from = year_from(day);
    let mut conditions = 0;
    let mut long_term_conditions = 0;
    let mut deficits = 0;
    for spell in history.conditions_on(day) {
        let bit = condition_bit(spell.condition);
        if conditions & bit == 0 && spell.condition.is_long_term() {
            long_term_conditions += 1;
        }
        conditions |= bit;
        if let Some(deficit) = condition_deficit(spell, day) {
            deficits |= deficit.bit();
        }
    }
    let mut in_year = [0u16; 14];
    let mut cost_in_year = 0.0;
    let mut social_care_on_day = false;
    for (event, diagnosed) in history.events_to(day) {
        deficits |= event_deficits(event, diagnosed, from);
        if event.end < from {
            continue;
        }
        social_care_on_day |= event.end >= day && event.setting.is_social_care();
        let starts_in_year = event.start >= from;
        if starts_in_year {
            cost_in_year += event.cost;
        }
        if starts_in_year || event.setting.is_social_care() {
            let slot = &mut in_year[setting_index(event.setting)];
            *slot = slot.saturating_add(1);
        }
    }
    PersonAt {
        person: history.index,
        age: history.age_on(day),
        practice,
        conditions,
        long_term_conditions,
        in_year,
        cost_in_year,
        social_care_on_day,
        frailty: Frailty { deficits },
    }
}

/// Everyone registered and alive on `day`, in person order.
pub fn population_on(histories: &Histories, day: i32) -> Population {
    let people = (0..histories.people.len())
        .into_par_iter()
        .filter_map(|i| person_at(&histories.history(i), day))
        .collect();
    Population { day, people }
}

/// Did the person have an emergency admission in the 365 days after `day`?
pub fn emergency_admission_within_year(history: &History<'_>, day: i32) -> bool {
    history
        .events_starting(day + 1, day + 365)
        .iter()
        .any(|e| e.setting == Setting::EmergencyAdmission)
}

/// The last day of each year ending on `end`'s month and day, going back while the whole
/// year is within the data (for year-on-year reports).
pub fn year_ends(data_start: i32, end: i32) -> Vec<i32> {
    let mut ends = Vec::new();
    let mut day = end;
    while year_from(day) >= data_start {
        ends.push(day);
        day = months_before(day, 12);
    }
    ends.reverse();
    ends
}

/// Text for a day.
pub fn day_text(day: i32) -> String {
    dates::from_days(day).map_or_else(|| day.to_string(), |d| d.to_string())
}

/// The day of a date.
pub fn day_of(date: NaiveDate) -> i32 {
    dates::to_days(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        dates::to_days(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn year_windows() {
        assert_eq!(year_from(day(2025, 3, 31)), day(2024, 4, 1));
        assert_eq!(year_from(day(2024, 2, 29)), day(2023, 3, 1));
        assert_eq!(
            year_ends(day(2022, 4, 1), day(2025, 3, 31)),
            vec![day(2023, 3, 31), day(2024, 3, 31), day(2025, 3, 31)]
        );
    }
}
