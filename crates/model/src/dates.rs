//! Dates as the dataset stores them: Arrow `Date32`, days since 1970-01-01.

use chrono::{Datelike, NaiveDate};

/// 1970-01-01, day zero of `Date32`.
pub const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(date) => date,
    None => unreachable!(),
};

/// [`EPOCH`] counted as chrono counts days from the common era (0001-01-01 is day 1).
const EPOCH_FROM_CE: i32 = 719_163;

/// The `Date32` value of a date.
pub fn to_days(date: NaiveDate) -> i32 {
    // chrono's range (about ±262,000 years) fits an i32 of days from either origin.
    date.num_days_from_ce() - EPOCH_FROM_CE
}

/// The date of a `Date32` value, if chrono can represent it. By day number rather than by
/// adding a duration to the epoch: an evaluation converts millions of days.
pub fn from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_FROM_CE)?)
}

/// Whole years between a birth month (its first day) and a date, as ages are counted.
pub fn age_in_years(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The first day of the month of a date: birth months are stored this way.
pub fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(from_days(to_days(date)), Some(date));
        assert_eq!(to_days(EPOCH), 0);
        assert_eq!(from_days(i32::MAX), None);
        assert_eq!(from_days(i32::MIN), None);
    }

    proptest::proptest! {
        /// Day numbers agree with adding a duration to the epoch, chrono's range included.
        #[test]
        fn days_are_those_of_durations_from_the_epoch(days in -100_000_000i32..100_000_000) {
            let by_duration = EPOCH.checked_add_signed(chrono::Duration::days(i64::from(days)));
            proptest::prop_assert_eq!(from_days(days), by_duration);
            if let Some(date) = by_duration {
                proptest::prop_assert_eq!(to_days(date), (date - EPOCH).num_days() as i32);
            }
        }
    }

    #[test]
    fn ages_change_on_the_birthday() {
        let birth = NaiveDate::from_ymd_opt(1950, 6, 1).unwrap();
        assert_eq!(
            age_in_years(birth, NaiveDate::from_ymd_opt(2020, 5, 31).unwrap()),
            69
        );
        assert_eq!(
            age_in_years(birth, NaiveDate::from_ymd_opt(2020, 6, 1).unwrap()),
            70
        );
    }
}
