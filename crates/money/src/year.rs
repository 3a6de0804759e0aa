//! The budget year (an NHS financial year, 1 April to 31 March) and the year before it,
//! whose spend weights capitation and shares contracts by use.

use accord_cohort::Histories;
use accord_model::dates;
use accord_snapshot::money::Year;
use chrono::{Datelike, NaiveDate};

use crate::MoneyError;

/// The financial year that ends on `end` (a 31 March).
pub fn financial_year(end_year: i32) -> Option<Year> {
    let start = NaiveDate::from_ymd_opt(end_year - 1, 4, 1)?;
    let end = NaiveDate::from_ymd_opt(end_year, 3, 31)?;
    Some(Year {
        start,
        end,
        label: format!("{}/{:02}", end_year - 1, end_year.rem_euclid(100)),
    })
}

/// The latest financial year that ends on or before `day`.
pub fn budget_year(day: NaiveDate) -> Option<Year> {
    let end_year = if (day.month(), day.day()) >= (3, 31) {
        day.year()
    } else {
        day.year() - 1
    };
    financial_year(end_year)
}

/// The two years a computation reads, and the months of both.
#[derive(Debug, Clone)]
pub struct Years {
    pub budget: Year,
    pub baseline: Year,
    /// Day numbers of the two years: `(start, end)`, baseline first.
    pub days: [(i32, i32); 2],
}

impl Years {
    pub fn choose(histories: &Histories, year_end: Option<NaiveDate>) -> Result<Years, MoneyError> {
        let extract = dates::from_days(histories.extract_day)
            .ok_or_else(|| MoneyError::Dates("the extract date is out of range".into()))?;
        let budget = match year_end {
            Some(end) => budget_year(end),
            None => budget_year(extract),
        }
        .ok_or_else(|| MoneyError::Dates("no financial year ends in the data".into()))?;
        if budget.end > extract {
            return Err(MoneyError::YearNotCovered {
                year: budget.label,
                end: budget.end,
                extract,
            });
        }
        let baseline = financial_year(budget.end.year() - 1)
            .ok_or_else(|| MoneyError::Dates("the year before the budget year".into()))?;
        let day = dates::to_days;
        Ok(Years {
            days: [
                (day(baseline.start), day(baseline.end)),
                (day(budget.start), day(budget.end)),
            ],
            budget,
            baseline,
        })
    }

    /// Which of the two years a day falls in: 0 baseline, 1 budget.
    pub fn of(&self, day: i32) -> Option<usize> {
        self.days
            .iter()
            .position(|(start, end)| (*start..=*end).contains(&day))
    }

    /// The month (0-23 over the two years) a day falls in.
    pub fn month_of(&self, day: i32) -> Option<usize> {
        let year = self.of(day)?;
        let date = dates::from_days(day)?;
        // April is month 0 of a financial year.
        let month = (date.month0() + 9) % 12;
        Some(year * 12 + month as usize)
    }

    /// The first day of month `index` (0-23).
    pub fn month_start(&self, index: usize) -> NaiveDate {
        let start = self.baseline.start;
        start
            .checked_add_months(chrono::Months::new(index as u32))
            .unwrap_or(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_year_is_the_latest_whole_one() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(budget_year(d(2026, 3, 31)).unwrap().label, "2025/26");
        assert_eq!(budget_year(d(2026, 3, 30)).unwrap().label, "2024/25");
        assert_eq!(budget_year(d(2026, 12, 7)).unwrap().start, d(2025, 4, 1));
        assert_eq!(budget_year(d(2000, 4, 1)).unwrap().label, "1999/00");
    }
}
