//! The population profile ([`accord_snapshot::Profile`]) as SQL: the pyramid, segment
//! sizes with activity and spend, flows between segments year on year (all from the
//! financial-year spells table, which the compiler always builds with attributes), and the
//! data-quality counts read straight from the canonical tables. Segment models without SQL
//! (Bridges to Health, complex needs) are added by [`add_segment_models`] from their
//! definition files, evaluated by accord-cohort on the same year ends.

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_cohort::at::day_of;
use accord_cohort::report::{self, segment_report};
use accord_cohort::segment::{self, SegmentModel};
use accord_cohort::{Histories, population_on};
use accord_framework::{OPTIONAL_PERSON_BREAKDOWNS, PeriodKind};
use accord_model::{ColumnType, Table};
use accord_snapshot::{
    Completeness, MonthlyRows, NOT_REGISTERED, PopulationBand, Profile, SegmentFlow, SegmentYear,
};
use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Date32Array, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use crate::EngineError;
use crate::compile::{DataSpan, spells_table};
use crate::execute::Engine;
use crate::periods::{Period, periods};

/// The segment models the profile describes: columns of the spells table.
pub const SEGMENT_MODELS: [&str; 2] = ["life_course", "west_london_tier"];

/// The period kind whose spells the profile reads.
pub const PROFILE_PERIOD: PeriodKind = PeriodKind::FinancialYear;

/// What one profile query computes, and so how its rows are read.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// sex, ESP band → people.
    Population {
        /// The date.
        date: NaiveDate,
    },
    /// period end, segment → people, cost, emergency admissions, A&E, GP.
    Segments {
        /// The model.
        model: &'static str,
    },
    /// from segment, to segment → people.
    Flows {
        /// The model.
        model: &'static str,
        /// The first year's last day.
        from: NaiveDate,
        /// The next year's last day.
        to: NaiveDate,
    },
    /// series, year × 100 + month → rows.
    MonthlyRows {
        /// The table.
        table: Table,
    },
    /// one row: rows, then the filled count of each column named.
    Completeness {
        /// The table.
        table: Table,
        /// The optional columns.
        columns: Vec<&'static str>,
    },
}

/// One query of the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileQuery {
    /// Which part of the profile it computes.
    pub part: Part,
    /// The query.
    pub sql: String,
}

fn date(d: NaiveDate) -> String {
    format!("DATE '{d}'")
}

/// The profile's queries for a dataset spanning `span`.
pub fn queries(span: DataSpan) -> Vec<ProfileQuery> {
    let spells = spells_table(PROFILE_PERIOD);
    let years = periods(PROFILE_PERIOD, span.start, span.end);
    let mut out = Vec::new();
    if let Some(last) = years.last() {
        out.push(ProfileQuery {
            part: Part::Population { date: last.end },
            sql: format!(
                "SELECT sex, CAST(esp_band AS VARCHAR) AS band, CAST(COUNT(DISTINCT person_id) AS DOUBLE) AS people
FROM {spells} WHERE at_end = 1 AND period_end = {end}
GROUP BY sex, esp_band",
                end = date(last.end)
            ),
        });
    }
    for model in SEGMENT_MODELS {
        out.push(ProfileQuery {
            part: Part::Segments { model },
            sql: segments_sql(&spells, model),
        });
        for pair in years.windows(2) {
            out.push(ProfileQuery {
                part: Part::Flows {
                    model,
                    from: pair[0].end,
                    to: pair[1].end,
                },
                sql: flows_sql(&spells, model, &pair[0], &pair[1]),
            });
        }
    }
    for table in Table::ALL {
        if let Some(column) = event_date(table) {
            let series = if table == Table::Activity {
                "setting".to_string()
            } else {
                format!("'{}'", table.name())
            };
            out.push(ProfileQuery {
                part: Part::MonthlyRows { table },
                sql: format!(
                    "SELECT {series} AS series,
  CAST(date_part('year', {column}) * 100 + date_part('month', {column}) AS DOUBLE) AS month,
  CAST(COUNT(*) AS DOUBLE) AS rows
FROM {name} WHERE {column} BETWEEN {start} AND {end}
GROUP BY 1, 2",
                    name = table.name(),
                    start = date(span.start),
                    end = date(span.end),
                ),
            });
        }
        let columns: Vec<&'static str> = table
            .columns()
            .iter()
            .filter(|c| c.nullable)
            .map(|c| c.name)
            .collect();
        if !columns.is_empty() {
            let counts: Vec<String> = columns
                .iter()
                .map(|c| format!("CAST(COUNT({c}) AS DOUBLE)"))
                .collect();
            out.push(ProfileQuery {
                sql: format!(
                    "SELECT CAST(COUNT(*) AS DOUBLE), {} FROM {}",
                    counts.join(", "),
                    table.name()
                ),
                part: Part::Completeness { table, columns },
            });
        }
    }
    out
}

/// The column that dates a table's rows, for counting rows by month: its first date
/// column, except for people (whose first is a birth month, not an event of the extract).
fn event_date(table: Table) -> Option<&'static str> {
    if table == Table::Person {
        return None;
    }
    table
        .columns()
        .iter()
        .find(|c| c.column_type == ColumnType::Date)
        .map(|c| c.name)
}

fn segments_sql(spells: &str, model: &str) -> String {
    format!(
        "WITH members AS (
  {members}
),
used AS (
  SELECT m.period_end, m.person_id, SUM(a.cost_gbp) AS cost,
    SUM(CASE WHEN a.setting = 'apc_nel' THEN 1 ELSE 0 END) AS emergency,
    SUM(CASE WHEN a.setting = 'ae' THEN 1 ELSE 0 END) AS ae,
    SUM(CASE WHEN a.setting = 'gp' THEN 1 ELSE 0 END) AS gp
  FROM members m JOIN activity a ON a.person_id = m.person_id
  WHERE a.start_date BETWEEN m.period_start AND m.period_end
  GROUP BY m.period_end, m.person_id
)
SELECT CAST(m.period_start AS VARCHAR), CAST(m.period_end AS VARCHAR), m.segment,
  CAST(COUNT(*) AS DOUBLE), CAST(COALESCE(SUM(u.cost), 0) AS DOUBLE),
  CAST(COALESCE(SUM(u.emergency), 0) AS DOUBLE), CAST(COALESCE(SUM(u.ae), 0) AS DOUBLE),
  CAST(COALESCE(SUM(u.gp), 0) AS DOUBLE)
FROM members m LEFT JOIN used u ON u.period_end = m.period_end AND u.person_id = m.person_id
GROUP BY m.period_start, m.period_end, m.segment",
        members = members_sql(spells, model, None)
    )
}

/// One row per person registered on a period's last day, with their segment. An extract
/// with overlapping registrations gives a person two spells ending there; they are one
/// person.
fn members_sql(spells: &str, model: &str, period: Option<&Period>) -> String {
    let only = period.map_or_else(String::new, |p| {
        format!(" AND period_end = {}", date(p.end))
    });
    format!(
        "SELECT period_start, period_end, person_id, MAX({model}) AS segment FROM {spells}
  WHERE at_end = 1{only} GROUP BY period_start, period_end, person_id"
    )
}

fn flows_sql(spells: &str, model: &str, from: &Period, to: &Period) -> String {
    let members = |p: &Period| members_sql(spells, model, Some(p));
    format!(
        "SELECT COALESCE(a.segment, '{NOT_REGISTERED}'), COALESCE(b.segment, '{NOT_REGISTERED}'),
  CAST(COUNT(*) AS DOUBLE)
FROM ({}) a FULL OUTER JOIN ({}) b ON a.person_id = b.person_id
GROUP BY 1, 2",
        members(from),
        members(to)
    )
}

/// Segment models that the engine has no SQL for (Bridges to Health, complex needs: the
/// built-in definition files other than life course and West London tiers), evaluated by
/// accord-cohort on the same year ends as the SQL ones, into the same rows: people, spend
/// and activity in the year to each year end, and flows year on year (joining, leaving and
/// dying all count as not registered, as in the SQL).
pub fn add_segment_models(histories: &Histories, profile: &mut Profile) {
    let mut years: Vec<(NaiveDate, NaiveDate)> = profile
        .segments
        .iter()
        .map(|s| (s.period_start, s.period_end))
        .collect();
    years.sort();
    years.dedup();
    let ends: Vec<NaiveDate> = years.iter().map(|(_, end)| *end).collect();
    let in_sql: Vec<String> = profile.segments.iter().map(|s| s.model.clone()).collect();
    for model in segment::builtin()
        .iter()
        .filter(|m| !ends.is_empty() && !in_sql.contains(&m.id))
    {
        let report = segment_report(histories, model, &ends);
        for year in report.years.iter().filter(|y| y.people > 0) {
            profile.segments.push(SegmentYear {
                model: model.id.clone(),
                period_start: years
                    .iter()
                    .find(|(_, end)| *end == year.date)
                    .map_or(year.date, |(start, _)| *start),
                period_end: year.date,
                segment: year.segment.clone(),
                people: year.people as f64,
                cost_gbp: year.cost_gbp,
                emergency_admissions: year.emergency_admissions,
                ae_attendances: year.ae_attendances,
                gp_appointments: year.gp_appointments,
            });
        }
        // The profile does not tell leaving from dying: both are "not registered".
        let mut flows: BTreeMap<(NaiveDate, String, String), f64> = BTreeMap::new();
        for flow in &report.flows {
            let outside = |segment: &str| {
                if segment == report::DIED {
                    NOT_REGISTERED.to_string()
                } else {
                    segment.to_string()
                }
            };
            *flows
                .entry((flow.from_date, outside(&flow.from), outside(&flow.to)))
                .or_default() += flow.people as f64;
        }
        let step: BTreeMap<NaiveDate, NaiveDate> = ends.windows(2).map(|w| (w[0], w[1])).collect();
        profile
            .flows
            .extend(
                flows
                    .into_iter()
                    .map(|((from_date, from, to), people)| SegmentFlow {
                        model: model.id.clone(),
                        from_date,
                        to_date: step.get(&from_date).copied().unwrap_or(from_date),
                        from_segment: from,
                        to_segment: to,
                        people,
                    }),
            );
    }
    sort(profile);
}

/// The `person_segments` table: for each day, everyone registered and alive then, with
/// their segment of each model that the engine evaluates from its file.
pub fn person_segments(
    histories: &Histories,
    days: &[NaiveDate],
) -> Result<RecordBatch, EngineError> {
    let models: Vec<SegmentModel> = OPTIONAL_PERSON_BREAKDOWNS
        .iter()
        .map(|b| segment::load(b.code()))
        .collect::<Result<_, _>>()
        .map_err(|e| EngineError::Shape {
            what: "loading the built-in segment models".into(),
            message: e.to_string(),
        })?;
    let mut period_end = Vec::new();
    let mut person_id = Vec::new();
    let mut segments: Vec<Vec<String>> = vec![Vec::new(); models.len()];
    for day in days {
        let population = population_on(histories, day_of(*day));
        for p in &population.people {
            period_end.push(day_of(*day));
            person_id.push(histories.people[p.person].id);
            for (column, model) in segments.iter_mut().zip(&models) {
                column.push(model.segments[model.assign(p, histories)].id.clone());
            }
        }
    }
    let mut fields = vec![
        Field::new("period_end", DataType::Date32, false),
        Field::new("person_id", DataType::UInt64, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from(period_end)),
        Arc::new(UInt64Array::from(person_id)),
    ];
    for (b, column) in OPTIONAL_PERSON_BREAKDOWNS.iter().zip(segments) {
        fields.push(Field::new(b.code(), DataType::Utf8, false));
        columns.push(Arc::new(StringArray::from(column)));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| EngineError::Shape {
        what: "building the person_segments table".into(),
        message: e.to_string(),
    })
}

/// The label of an ESP 2013 band index (0 → `0-4`, 18 → `90+`).
pub fn band_label(band: usize) -> String {
    if band >= 18 {
        "90+".to_string()
    } else {
        format!("{}-{}", band * 5, band * 5 + 4)
    }
}

fn parse_date(what: &str, text: &str) -> Result<NaiveDate, EngineError> {
    text.parse().map_err(|_| EngineError::Shape {
        what: what.to_string(),
        message: format!("{text:?} is not a date"),
    })
}

/// Runs the profile's queries.
pub fn run(engine: &Engine, queries: &[ProfileQuery]) -> Result<Profile, EngineError> {
    let mut profile = Profile::default();
    for query in queries {
        match &query.part {
            Part::Population { date } => {
                let what = "profile: population pyramid";
                profile.population_date = Some(*date);
                for (text, numbers) in engine.labelled_numbers(what, &query.sql, 2)? {
                    let band: usize = text[1].parse().unwrap_or(18);
                    profile.population.push(PopulationBand {
                        sex: text[0].clone(),
                        age_band: band_label(band),
                        people: numbers[0],
                    });
                }
            }
            Part::Segments { model } => {
                let what = format!("profile: segments of {model}");
                for (text, n) in engine.labelled_numbers(&what, &query.sql, 3)? {
                    profile.segments.push(SegmentYear {
                        model: model.to_string(),
                        period_start: parse_date(&what, &text[0])?,
                        period_end: parse_date(&what, &text[1])?,
                        segment: text[2].clone(),
                        people: n[0],
                        cost_gbp: n[1],
                        emergency_admissions: n[2],
                        ae_attendances: n[3],
                        gp_appointments: n[4],
                    });
                }
            }
            Part::Flows { model, from, to } => {
                let what = format!("profile: flows between segments of {model}");
                for (text, n) in engine.labelled_numbers(&what, &query.sql, 2)? {
                    profile.flows.push(SegmentFlow {
                        model: model.to_string(),
                        from_date: *from,
                        to_date: *to,
                        from_segment: text[0].clone(),
                        to_segment: text[1].clone(),
                        people: n[0],
                    });
                }
            }
            Part::MonthlyRows { table } => {
                let what = format!("profile: rows per month of {}", table.name());
                for (text, n) in engine.labelled_numbers(&what, &query.sql, 1)? {
                    let yyyymm = n[0] as i64;
                    let month =
                        NaiveDate::from_ymd_opt((yyyymm / 100) as i32, (yyyymm % 100) as u32, 1)
                            .ok_or_else(|| EngineError::Shape {
                                what: what.clone(),
                                message: format!("{yyyymm} is not a year and month"),
                            })?;
                    profile.monthly_rows.push(MonthlyRows {
                        table: table.name().to_string(),
                        series: text[0].clone(),
                        month,
                        rows: n[1],
                    });
                }
            }
            Part::Completeness { table, columns } => {
                let what = format!("profile: completeness of {}", table.name());
                for (_, n) in engine.labelled_numbers(&what, &query.sql, 0)? {
                    for (column, filled) in columns.iter().zip(&n[1..]) {
                        profile.completeness.push(Completeness {
                            table: table.name().to_string(),
                            column: column.to_string(),
                            rows: n[0],
                            filled: *filled,
                        });
                    }
                }
            }
        }
    }
    sort(&mut profile);
    Ok(profile)
}

/// A stable order, so that snapshots of the same data are identical.
fn sort(profile: &mut Profile) {
    let band = |label: &str| {
        label
            .split(['-', '+'])
            .next()
            .and_then(|a| a.parse::<u32>().ok())
    };
    profile
        .population
        .sort_by(|a, b| (&a.sex, band(&a.age_band)).cmp(&(&b.sex, band(&b.age_band))));
    profile.segments.sort_by(|a, b| {
        (&a.model, a.period_end, &a.segment).cmp(&(&b.model, b.period_end, &b.segment))
    });
    profile.flows.sort_by(|a, b| {
        (&a.model, a.from_date, &a.from_segment, &a.to_segment).cmp(&(
            &b.model,
            b.from_date,
            &b.from_segment,
            &b.to_segment,
        ))
    });
    profile
        .monthly_rows
        .sort_by(|a, b| (&a.table, &a.series, a.month).cmp(&(&b.table, &b.series, b.month)));
}
