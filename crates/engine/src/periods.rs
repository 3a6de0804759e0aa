//! The periods an indicator is computed for: every complete period of its kind between the
//! first and last days of complete data.

use accord_framework::PeriodKind;
use chrono::{Datelike, Months, NaiveDate};

/// A closed interval of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
}

impl Period {
    /// The first day of the twelve months that end on this period's last day (the window in
    /// which needs such as "an emergency admission in the last 12 months" are looked for).
    pub fn year_before_end(&self) -> NaiveDate {
        self.end
            .succ_opt()
            .and_then(|d| d.checked_sub_months(Months::new(12)))
            .unwrap_or(self.end)
    }
}

fn first_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The last day of the month `months` after the month of `first`.
fn end_after(first: NaiveDate, months: u32) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(months))?.pred_opt()
}

/// Every complete period of `kind` within [data_start, data_end], in order. Rolling
/// twelve-month windows end at each quarter end (March, June, September, December).
pub fn periods(kind: PeriodKind, data_start: NaiveDate, data_end: NaiveDate) -> Vec<Period> {
    let (length, step, aligned): (u32, u32, fn(u32) -> bool) = match kind {
        PeriodKind::Month => (1, 1, |_| true),
        PeriodKind::Quarter => (3, 3, |m| m % 3 == 1),
        PeriodKind::FinancialYear => (12, 12, |m| m == 4),
        PeriodKind::Rolling12Months => (12, 3, |m| m % 3 == 1),
    };
    let mut out = Vec::new();
    let Some(mut first) = first_of_month(data_start.year(), data_start.month()) else {
        return out;
    };
    if first < data_start {
        first = first.checked_add_months(Months::new(1)).unwrap_or(first);
    }
    while !aligned(first.month()) {
        match first.checked_add_months(Months::new(1)) {
            Some(next) => first = next,
            None => return out,
        }
    }
    while let Some(end) = end_after(first, length) {
        if end > data_end {
            break;
        }
        out.push(Period { start: first, end });
        match first.checked_add_months(Months::new(step)) {
            Some(next) => first = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_are_complete_and_aligned() {
        let (start, end) = (day(2023, 4, 1), day(2026, 3, 31));
        let months = periods(PeriodKind::Month, start, end);
        assert_eq!(months.len(), 36);
        assert_eq!(
            months[1],
            Period {
                start: day(2023, 5, 1),
                end: day(2023, 5, 31)
            }
        );
        let quarters = periods(PeriodKind::Quarter, start, end);
        assert_eq!(quarters.len(), 12);
        assert_eq!(quarters[0].end, day(2023, 6, 30));
        let years = periods(PeriodKind::FinancialYear, start, end);
        assert_eq!(years.len(), 3);
        assert_eq!(
            years[2],
            Period {
                start: day(2025, 4, 1),
                end: day(2026, 3, 31)
            }
        );
        let rolling = periods(PeriodKind::Rolling12Months, start, end);
        assert_eq!(rolling.len(), 9);
        assert_eq!(
            rolling[0],
            Period {
                start: day(2023, 4, 1),
                end: day(2024, 3, 31)
            }
        );
        assert_eq!(rolling[1].end, day(2024, 6, 30));
    }

    #[test]
    fn a_partial_first_month_is_skipped_and_a_partial_last_period_is_left_out() {
        let months = periods(PeriodKind::Month, day(2023, 4, 2), day(2023, 7, 30));
        assert_eq!(months.first().unwrap().start, day(2023, 5, 1));
        assert_eq!(months.last().unwrap().end, day(2023, 6, 30));
        assert!(periods(PeriodKind::FinancialYear, day(2023, 4, 2), day(2024, 6, 1)).is_empty());
    }

    #[test]
    fn the_year_before_an_end_starts_the_day_after_a_year_earlier() {
        let p = Period {
            start: day(2025, 4, 1),
            end: day(2026, 3, 31),
        };
        assert_eq!(p.year_before_end(), day(2025, 4, 1));
        let p = Period {
            start: day(2024, 2, 1),
            end: day(2024, 2, 29),
        };
        assert_eq!(p.year_before_end(), day(2023, 3, 1));
    }
}
