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
    pub population: Vec<PopulationBand>,
    pub segments: Vec<SegmentYear>,
    pub flows: Vec<SegmentFlow>,
    pub monthly_rows: Vec<MonthlyRows>,
    pub completeness: Vec<Completeness>,
}

/// People registered and alive on `population_date`, by sex and five-year age band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationBand {
    pub sex: String,
    /// `0-4`, `5-9` … `90+`.
    pub age_band: String,
    pub people: f64,
}

/// One segment of one segment model in one financial year: people registered on its last
/// day, and their activity and spend during the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentYear {
    /// The segment model (`life_course`, `west_london_tier`).
    pub model: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub segment: String,
    pub people: f64,
    pub cost_gbp: f64,
    pub emergency_admissions: f64,
    pub ae_attendances: f64,
    pub gp_appointments: f64,
}

/// People in `from_segment` at the end of one financial year and in `to_segment` at the
/// end of the next; [`NOT_REGISTERED`] stands for people who joined, left or died.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentFlow {
    pub model: String,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub from_segment: String,
    pub to_segment: String,
    pub people: f64,
}

/// The segment of people not registered on a flow's date.
pub const NOT_REGISTERED: &str = "not_registered";

/// Rows of one table (for activity, one setting) whose event date falls in a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyRows {
    pub table: String,
    /// The table's name, or for activity the setting.
    pub series: String,
    /// The month's first day.
    pub month: NaiveDate,
    pub rows: f64,
}

/// How many rows of a table fill an optional column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    pub table: String,
    pub column: String,
    pub rows: f64,
    pub filled: f64,
}
