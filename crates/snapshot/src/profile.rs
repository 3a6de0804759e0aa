//! The population profile a refresh records beside the indicators: who is registered (the
//! population pyramid), how many people are in each segment year by year with their
//! activity and spend, how people move between segments, and the data-quality figures
//! (rows per table per month, completeness of optional fields). The dashboard's
//! population and data-quality pages read only this.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Everything the profile holds; empty parts mean the dataset had nothing to count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The day the population pyramid describes (the last financial year's end).
    pub population_date: Option<NaiveDate>,
    /// The population pyramid.
    pub population: Vec<PopulationBand>,
    /// People, activity and spend by segment and year.
    pub segments: Vec<SegmentYear>,
    /// Moves between segments from one year to the next.
    pub flows: Vec<SegmentFlow>,
    /// Rows per table per month.
    pub monthly_rows: Vec<MonthlyRows>,
    /// How full each optional column is.
    pub completeness: Vec<Completeness>,
}

/// People registered and alive on `population_date`, by sex and five-year age band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationBand {
    /// `F` or `M`.
    pub sex: String,
    /// `0-4`, `5-9` … `90+`.
    pub age_band: String,
    /// People registered and alive.
    pub people: f64,
}

/// One segment of one segment model in one financial year: people registered on its last
/// day, and their activity and spend during the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentYear {
    /// The segment model (`life_course`, `west_london_tier`).
    pub model: String,
    /// The financial year's first day.
    pub period_start: NaiveDate,
    /// The financial year's last day.
    pub period_end: NaiveDate,
    /// The segment.
    pub segment: String,
    /// People in it on the year's last day.
    pub people: f64,
    /// Their spend in the year, in pounds.
    pub cost_gbp: f64,
    /// Their emergency admissions in the year.
    pub emergency_admissions: f64,
    /// Their A&E attendances in the year.
    pub ae_attendances: f64,
    /// Their GP appointments in the year.
    pub gp_appointments: f64,
}

/// People in `from_segment` at the end of one financial year and in `to_segment` at the
/// end of the next; [`NOT_REGISTERED`] stands for people who joined, left or died.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFlow {
    /// The segment model.
    pub model: String,
    /// The first year's last day.
    pub from_date: NaiveDate,
    /// The next year's last day.
    pub to_date: NaiveDate,
    /// The segment on `from_date`.
    pub from_segment: String,
    /// The segment on `to_date`.
    pub to_segment: String,
    /// People who moved so.
    pub people: f64,
}

/// The segment of people not registered on a flow's date.
pub const NOT_REGISTERED: &str = "not_registered";

/// Rows of one table (for activity, one setting) whose event date falls in a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyRows {
    /// The table.
    pub table: String,
    /// The table's name, or for activity the setting.
    pub series: String,
    /// The month's first day.
    pub month: NaiveDate,
    /// Its rows in the month.
    pub rows: f64,
}

/// How many rows of a table fill an optional column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    /// The table.
    pub table: String,
    /// The optional column.
    pub column: String,
    /// The table's rows.
    pub rows: f64,
    /// Rows where the column is filled.
    pub filled: f64,
}
