//! Dates as the dataset stores them: Arrow `Date32`, days since 1970-01-01.

use chrono::{Datelike, NaiveDate};

/// 1970-01-01, day zero of `Date32`.
pub const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(date) => date,
    None => unreachable!(),
};

/// The `Date32` value of a date.
pub fn to_days(date: NaiveDate) -> i32 {
    // Dates within ±5.8 million years fit an i32 of days; chrono's range is smaller.
    (date - EPOCH).num_days() as i32
}

/// The date of a `Date32` value, if chrono can represent it.
pub fn from_days(days: i32) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::Duration::days(i64::from(days)))
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
