//! The compiler: framework definitions to SQL. One program per refresh: shared tables
//! (the periods of each kind, and each person's registration spells clipped to each period
//! with what is true of them on its last day and a tally of every event filter the kind's
//! indicators count, from one pass over activity), then one query per indicator that reads
//! one spells table alone and returns every period × breakdown × group in one pass
//! (GROUPING SETS). No indicator query reads activity or joins anything.
//!
//! The SQL is kept to what DataFusion and DuckDB both run unchanged, so the benchmark can
//! hand the same text to both: no dialect functions, no integer division, quoted `date`
//! and `value` columns.

use accord_framework::{
    Breakdown, Criterion, Events, Framework, Indicator, LifeCourse, Measure,
    OPTIONAL_PERSON_BREAKDOWNS, PeriodKind, Population,
};
use accord_model::{Condition, Setting, Vocabulary};
use chrono::Datelike;
use std::collections::BTreeMap;

use accord_dataset::{OutputKind, Shape};
use accord_snapshot::SharedTable;

use crate::periods::{Period, periods};
use crate::profile::{PROFILE_PERIOD, ProfileQuery};

/// The first and last days with complete data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSpan {
    /// The first day.
    pub start: chrono::NaiveDate,
    /// The last day.
    pub end: chrono::NaiveDate,
}

/// One indicator's query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The framework's id.
    pub framework: String,
    /// The indicator's id.
    pub indicator: String,
    /// The query.
    pub sql: String,
    /// Shared tables and dataset tables the query reads.
    pub reads: Vec<String>,
    /// The periods it reports.
    pub periods: Vec<Period>,
}

/// Everything a refresh runs, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The shared tables, created first.
    pub shared: Vec<SharedTable>,
    /// The indicators' queries.
    pub queries: Vec<Query>,
    /// The population profile's queries, run after the indicators.
    pub profile: Vec<ProfileQuery>,
    /// Period ends on which each person's segment of the models evaluated from their files
    /// (`Breakdown::is_segment_model_file`) is needed: the refresh computes them with
    /// accord-cohort into the table `person_segments` before the shared tables.
    pub segment_days: Vec<chrono::NaiveDate>,
}

/// The table of segments evaluated from model files, one row per person registered on a
/// period end: `period_end`, `person_id`, then one column per such model.
pub const PERSON_SEGMENTS: &str = "person_segments";

/// The group, in a breakdown by a model evaluated from its file, of person-time of people
/// who were no longer registered (or alive) on the period's last day.
pub const NOT_REGISTERED_AT_END: &str = "not_registered_at_end";

/// The first line of the SQL script, by which an earlier one is recognised.
const SCRIPT_HEADER: &str =
    "-- Accord refresh: the SQL of every shared table, indicator and profile query\n";

/// The SQL script (`accord refresh --emit-sql`) as an output.
pub const SQL_OUTPUT: OutputKind = OutputKind {
    name: "SQL script of a refresh",
    shape: Shape::File {
        recognise: |bytes| bytes.starts_with(SCRIPT_HEADER.as_bytes()),
    },
};

impl Program {
    /// The whole program as one SQL script (statements separated by `;` and a blank line),
    /// as the benchmark hands it to DuckDB.
    pub fn script(&self) -> String {
        let mut out = String::from(SCRIPT_HEADER);
        out.push('\n');
        if !self.segment_days.is_empty() {
            out.push_str(&format!(
                "-- {PERSON_SEGMENTS} (period_end, person_id, {}) is computed by Accord from the segment model files, not by SQL\n\n",
                OPTIONAL_PERSON_BREAKDOWNS.iter().map(|b| b.code()).collect::<Vec<_>>().join(", ")
            ));
        }
        for t in &self.shared {
            out.push_str(&format!("-- shared table {}\n{};\n\n", t.name, t.sql));
        }
        for q in &self.queries {
            out.push_str(&format!(
                "-- indicator {}/{}\n{};\n\n",
                q.framework, q.indicator, q.sql
            ));
        }
        for q in &self.profile {
            out.push_str(&format!("-- profile: {:?}\n{};\n\n", q.part, q.sql));
        }
        out
    }
}

/// The columns every indicator query returns.
pub const RESULT_COLUMNS: [&str; 7] = [
    "period_end",
    "breakdown",
    "grp",
    "esp_band",
    "numerator",
    "denominator",
    "spread",
];

/// The age bands of the `age_band` breakdown.
pub const AGE_BANDS: [(u32, &str); 8] = [
    (0, "0-4"),
    (5, "5-17"),
    (18, "18-34"),
    (35, "35-49"),
    (50, "50-64"),
    (65, "65-74"),
    (75, "75-84"),
    (85, "85+"),
];

/// What each indicator of a period kind counts of activity, tallied per spell.
#[derive(Debug, Default)]
struct Tallies {
    /// Each distinct event filter once, with the tallies asked of it.
    filters: Vec<(Events, Tally)>,
}

/// The tallies of one event filter: events while registered in the spell (rates), whether
/// there was any in the period (proportions), and their cost in the period (mean costs).
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    count: bool,
    any: bool,
    cost: bool,
}

/// The event filter an indicator counts of activity, and the tally it reads of it.
fn counted(measure: &Measure) -> Option<(&Events, Tally)> {
    let only = |count, any, cost| Tally { count, any, cost };
    match measure {
        Measure::Rate { events, .. } | Measure::StandardisedRate { events, .. } => {
            Some((events, only(true, false, false)))
        }
        Measure::Proportion(Criterion::Event(events)) => Some((events, only(false, true, false))),
        Measure::MeanCost { events } => Some((events, only(false, false, true))),
        _ => None,
    }
}

impl Tallies {
    /// Adds the filter the indicator counts (once) and the tally it reads of it.
    fn add(&mut self, measure: &Measure) {
        let Some((events, wanted)) = counted(measure) else {
            return;
        };
        let position = match self.filters.iter().position(|(e, _)| e == events) {
            Some(position) => position,
            None => {
                self.filters.push((events.clone(), Tally::default()));
                self.filters.len() - 1
            }
        };
        let tally = &mut self.filters[position].1;
        tally.count |= wanted.count;
        tally.any |= wanted.any;
        tally.cost |= wanted.cost;
    }

    /// The position of the filter an indicator counts, once every indicator was added.
    fn position(&self, measure: &Measure) -> Option<usize> {
        let (events, _) = counted(measure)?;
        self.filters.iter().position(|(e, _)| e == events)
    }

    /// The spells table's tally columns, in order.
    fn columns(&self) -> Vec<String> {
        let mut columns = Vec::new();
        for (n, (_, tally)) in self.filters.iter().enumerate() {
            if tally.count {
                columns.push(format!("count_{n}"));
            }
            if tally.any {
                columns.push(format!("any_{n}"));
            }
            if tally.cost {
                columns.push(format!("cost_{n}"));
            }
        }
        columns
    }
}

/// Compiles every indicator of `frameworks` for the data in `span`.
pub fn compile(frameworks: &[Framework], span: DataSpan) -> Program {
    // Per period kind: whether any indicator needs spells, and whether any needs the
    // condition- and activity-derived attributes (the expensive part of the table).
    let mut kinds: BTreeMap<PeriodKind, (bool, bool, bool)> = BTreeMap::new();
    let mut tallies: BTreeMap<PeriodKind, Tallies> = BTreeMap::new();
    for framework in frameworks {
        for indicator in &framework.indicators {
            tallies
                .entry(indicator.period)
                .or_default()
                .add(&indicator.measure);
        }
    }
    let mut queries = Vec::new();
    for framework in frameworks {
        for indicator in &framework.indicators {
            let needs = kinds.entry(indicator.period).or_default();
            needs.0 |= !matches!(indicator.measure, Measure::SurveyAgreement { .. });
            needs.1 |= needs_attributes(indicator);
            needs.2 |= indicator
                .breakdowns
                .iter()
                .any(|b| b.is_segment_model_file());
            let tally = tallies
                .get(&indicator.period)
                .and_then(|t| t.position(&indicator.measure));
            let (sql, reads) = indicator_sql(indicator, tally);
            queries.push(Query {
                framework: framework.id.clone(),
                indicator: indicator.id.clone(),
                sql,
                reads,
                periods: periods(indicator.period, span.start, span.end),
            });
        }
    }
    // The population profile reads the financial-year spells with their attributes.
    let profile_segments = kinds.get(&PROFILE_PERIOD).is_some_and(|k| k.2);
    kinds.insert(PROFILE_PERIOD, (true, true, profile_segments));
    let mut shared = Vec::new();
    let mut segment_days = Vec::new();
    for (kind, (spells, attributes, segments)) in kinds {
        if segments {
            segment_days.extend(periods(kind, span.start, span.end).iter().map(|p| p.end));
        }
        shared.push(SharedTable {
            name: periods_table(kind),
            sql: periods_sql(kind, &periods(kind, span.start, span.end)),
        });
        if spells {
            let tallies = tallies.get(&kind).filter(|t| !t.filters.is_empty());
            shared.push(SharedTable {
                name: spells_table(kind),
                sql: spells_sql(
                    kind,
                    attributes,
                    segments,
                    tallies.map(|t| (t, periods(kind, span.start, span.end))),
                ),
            });
        }
    }
    Program {
        shared,
        queries,
        profile: crate::profile::queries(span),
        segment_days: {
            segment_days.sort();
            segment_days.dedup();
            segment_days
        },
    }
}

/// True when an indicator reads the spells' condition- or activity-derived columns
/// (condition mask, long-term condition count, life course, West London tier).
fn needs_attributes(indicator: &Indicator) -> bool {
    let p = &indicator.population;
    !p.conditions.is_empty()
        || p.min_long_term_conditions.is_some()
        || p.max_long_term_conditions.is_some()
        || !p.life_course.is_empty()
        || !p.west_london_tiers.is_empty()
        || matches!(
            indicator.measure,
            Measure::Proportion(Criterion::Condition(_))
        )
        || indicator
            .breakdowns
            .iter()
            .any(|b| matches!(b, Breakdown::LifeCourse | Breakdown::WestLondonTier))
}

/// The name of the table of periods of a kind.
pub fn periods_table(kind: PeriodKind) -> String {
    format!("periods_{}", kind.code())
}

/// The name of the table of registration spells clipped to the periods of a kind.
pub fn spells_table(kind: PeriodKind) -> String {
    format!("spells_{}", kind.code())
}

/// The CTEs of each registered spell's tallies (`tallies`) of every event filter of a
/// kind's indicators, in one pass over activity: the rows any filter keeps are tagged with
/// each filter they pass (for a filter of new episodes, a row only where no row of the
/// filter ended in the 45 days before), placed in the periods holding their month by an
/// equality join on the month, and tallied per spell: `count_N` rows starting while
/// registered in the spell, `any_N` 1 where a row started in the period, `cost_N` the cost
/// of rows starting in the period. Spells without a row are absent (read as zeros).
fn tallies_ctes(tallies: &Tallies, periods: &[Period]) -> String {
    let month = |d: chrono::NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month());
    let period_months = if periods.is_empty() {
        "(0, DATE '1970-01-01')".to_string()
    } else {
        list(periods.iter().flat_map(|p| {
            (month(p.start)..=month(p.end)).map(|m| format!("({m}, {})", date(p.end)))
        }))
    };
    let mut marks = Vec::new();
    let mut flags = Vec::new();
    let mut sums = Vec::new();
    for (n, (events, tally)) in tallies.filters.iter().enumerate() {
        let filter = event_filter(events);
        marks.push(format!("CASE WHEN {filter} THEN 1 ELSE 0 END AS m{n}"));
        if events.new_episodes_only {
            marks.push(format!(
                "LAG(COALESCE(a.end_date, a.start_date)) OVER (PARTITION BY a.person_id, CASE WHEN {filter} THEN 1 ELSE 0 END ORDER BY a.start_date, a.activity_id) AS previous_end{n}"
            ));
            flags.push(format!(
                "CASE WHEN m{n} = 1 AND (previous_end{n} IS NULL OR start_date > previous_end{n} + INTERVAL '45 days') THEN 1 ELSE 0 END AS f{n}"
            ));
        } else {
            flags.push(format!("m{n} AS f{n}"));
        }
        if tally.count {
            sums.push(format!(
                "SUM(CASE WHEN t.f{n} = 1 AND t.start_date >= s.from_day AND t.start_date <= s.to_day THEN 1 ELSE 0 END) AS count_{n}"
            ));
        }
        if tally.any {
            sums.push(format!("MAX(t.f{n}) AS any_{n}"));
        }
        if tally.cost {
            sums.push(format!(
                "SUM(CASE WHEN t.f{n} = 1 THEN t.cost_gbp ELSE 0 END) AS cost_{n}"
            ));
        }
    }
    let any_filter = tallies
        .filters
        .iter()
        .map(|(events, _)| format!("({})", event_filter(events)))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        "period_months AS (
  SELECT month_index, period_end FROM (VALUES {period_months}) AS m(month_index, period_end)
),
marked AS (
  SELECT a.person_id, a.start_date, a.cost_gbp,
    CAST(date_part('year', a.start_date) AS INTEGER) * 12 + CAST(date_part('month', a.start_date) AS INTEGER) AS month_index,
    {marks}
  FROM activity a
  WHERE {any_filter}
),
tagged AS (
  SELECT person_id, start_date, cost_gbp, month_index,
    {flags}
  FROM marked
),
tallies AS (
  SELECT s.period_end, s.person_id, s.from_day,
    {sums}
  FROM tagged t
  JOIN period_months pm ON pm.month_index = t.month_index
  JOIN registered s ON s.person_id = t.person_id AND s.period_end = pm.period_end
  GROUP BY s.period_end, s.person_id, s.from_day
),
",
        marks = marks.join(",\n    "),
        flags = flags.join(",\n    "),
        sums = sums.join(",\n    "),
    )
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

fn date(d: chrono::NaiveDate) -> String {
    format!("DATE '{d}'")
}

fn periods_sql(kind: PeriodKind, periods: &[Period]) -> String {
    let rows = if periods.is_empty() {
        // An empty table of the right shape: no complete period in the data.
        "(DATE '1970-01-01', DATE '1970-01-01', DATE '1970-01-01', 0)".to_string()
    } else {
        list(periods.iter().map(|p| {
            format!(
                "({}, {}, {}, 1)",
                date(p.start),
                date(p.end),
                date(p.year_before_end())
            )
        }))
    };
    format!(
        "CREATE TABLE {} AS\nSELECT period_start, period_end, year_start FROM (VALUES {rows}) AS p(period_start, period_end, year_start, present)\nWHERE present = 1",
        periods_table(kind)
    )
}

/// Whole years between a birth month (its first day) and a day.
fn age_sql(birth: &str, on: &str) -> String {
    format!(
        "(CAST(date_part('year', {on}) AS INTEGER) - CAST(date_part('year', {birth}) AS INTEGER) - CASE WHEN CAST(date_part('month', {birth}) AS INTEGER) > CAST(date_part('month', {on}) AS INTEGER) THEN 1 ELSE 0 END)"
    )
}

fn age_band_sql(age: &str) -> String {
    let mut out = String::from("CASE");
    for pair in AGE_BANDS.windows(2) {
        out.push_str(&format!(
            " WHEN {age} < {} THEN {}",
            pair[1].0,
            literal(pair[0].1)
        ));
    }
    format!(
        "{out} ELSE {} END",
        literal(AGE_BANDS[AGE_BANDS.len() - 1].1)
    )
}

fn imd_quintile_sql(decile: &str) -> String {
    format!(
        "CASE WHEN {decile} <= 2 THEN '1' WHEN {decile} <= 4 THEN '2' WHEN {decile} <= 6 THEN '3' WHEN {decile} <= 8 THEN '4' ELSE '5' END"
    )
}

/// The bit of a condition in `condition_mask`.
pub fn condition_bit(condition: Condition) -> i64 {
    1_i64 << condition.index()
}

fn mask(conditions: &[Condition]) -> i64 {
    conditions
        .iter()
        .map(|c| condition_bit(*c))
        .fold(0, |a, b| a | b)
}

fn codes<V: Vocabulary>(values: &[V]) -> String {
    list(values.iter().map(|v| literal(v.code())))
}

/// Settings whose rows, in the twelve months to a day, mean a social care need.
const SOCIAL_CARE: [Setting; 4] = [
    Setting::HomeCare,
    Setting::Residential,
    Setting::Nursing,
    Setting::Reablement,
];
const MENTAL_HEALTH_CONDITIONS: [Condition; 3] = [
    Condition::Dementia,
    Condition::Depression,
    Condition::SeriousMentalIllness,
];

/// `registration_days` and `registered`: registration spells clipped to each period of a
/// kind, with the person's fixed attributes, as CTEs.
fn registered_ctes(kind: PeriodKind) -> String {
    format!(
        "registration_days AS (
  SELECT r.person_id, r.practice_code, r.start_date,
    CASE WHEN m.person_id IS NULL THEN r.end_date
      ELSE CAST(r.end_date - INTERVAL '1 day' AS DATE) END AS end_date
  FROM registration r
  LEFT JOIN (SELECT DISTINCT person_id, start_date FROM registration) m
    ON m.person_id = r.person_id AND m.start_date = r.end_date AND r.start_date < r.end_date
),
registered AS (
  SELECT p.period_start, p.period_end, p.year_start, r.person_id, r.practice_code,
    CASE WHEN r.start_date > p.period_start THEN r.start_date ELSE p.period_start END AS from_day,
    LEAST(COALESCE(r.end_date, p.period_end), p.period_end, COALESCE(pe.death_date, p.period_end)) AS to_day,
    pe.sex, pe.ethnic_group, pe.imd_decile, pe.birth_month, pe.death_date
  FROM registration_days r
  JOIN person pe ON pe.person_id = r.person_id
  CROSS JOIN {periods} p
  WHERE r.start_date <= p.period_end
    AND (r.end_date IS NULL OR r.end_date >= p.period_start)
    AND (pe.death_date IS NULL OR pe.death_date >= p.period_start)
)",
        periods = periods_table(kind)
    )
}

/// Registration spells clipped to each period, with each person's attributes on the
/// period's last day: one row per person, period and practice spell. A registration that
/// ends on the day the person's next one starts (a move, as extracts record it) ends the day
/// before, so that the day, its events and "registered on the last day" belong to the new
/// practice only. With `attributes`,
/// also the conditions open that day, the long-term condition count, the life-course
/// segment and the West London tier (joins over conditions and a year of activity, built
/// only for period kinds whose indicators read them).
fn spells_sql(
    kind: PeriodKind,
    attributes: bool,
    segments: bool,
    tallies: Option<(&Tallies, Vec<Period>)>,
) -> String {
    let (tally_ctes, tally_columns_in, tally_join, tally_columns_out) = match &tallies {
        Some((tallies, periods)) => (
            tallies_ctes(tallies, periods),
            tallies
                .columns()
                .iter()
                .map(|c| format!(", t.{c}"))
                .collect::<String>(),
            "\n  LEFT JOIN tallies t ON t.period_end = g.period_end AND t.person_id = g.person_id AND t.from_day = g.from_day",
            tallies
                .columns()
                .iter()
                .map(|c| format!(",\n  COALESCE({c}, 0) AS {c}"))
                .collect::<String>(),
        ),
        None => (String::new(), String::new(), "", String::new()),
    };
    let segment_models: Vec<&str> = OPTIONAL_PERSON_BREAKDOWNS
        .iter()
        .map(|b| b.code())
        .collect();
    let (segment_join, segment_columns_in, segment_columns_out) = if segments {
        (
            format!(
                "\n  LEFT JOIN {PERSON_SEGMENTS} ps ON ps.period_end = g.period_end AND ps.person_id = g.person_id"
            ),
            segment_models
                .iter()
                .map(|m| format!(", ps.{m}"))
                .collect::<String>(),
            segment_models
                .iter()
                .map(|m| format!(",\n  COALESCE({m}, '{NOT_REGISTERED_AT_END}') AS {m}"))
                .collect::<String>(),
        )
    } else {
        (String::new(), String::new(), String::new())
    };
    let condition_bits = {
        let mut case = String::from("CASE c.condition");
        for c in Condition::ALL {
            case.push_str(&format!(
                " WHEN {} THEN {}",
                literal(c.code()),
                condition_bit(*c)
            ));
        }
        case + " ELSE 0 END"
    };
    // The long-term conditions open: the long-term bits of the mask, counted (a count of
    // distinct conditions per group would cost the engine a set per person and period).
    let long_term = Condition::LONG_TERM
        .iter()
        .map(|c| {
            format!(
                "CASE WHEN (COALESCE(c.condition_mask, 0) & {}) <> 0 THEN 1 ELSE 0 END",
                condition_bit(*c)
            )
        })
        .collect::<Vec<_>>()
        .join(" + ");
    let social_care = codes(&SOCIAL_CARE);
    let attribute_ctes = format!(
        "conditions_at_end AS (
  SELECT g.period_end, g.person_id,
    bit_or({condition_bits}) AS condition_mask
  FROM registered g JOIN condition c ON c.person_id = g.person_id
  WHERE c.onset_date <= g.period_end AND (c.resolved_date IS NULL OR c.resolved_date > g.period_end)
  GROUP BY g.period_end, g.person_id
),
needs_in_year AS (
  SELECT g.period_end, g.person_id,
    MAX(CASE WHEN a.setting = 'apc_nel' AND a.start_date >= g.year_start THEN 1 ELSE 0 END) AS emergency_admission,
    MAX(CASE WHEN a.setting IN ('mh', 'mh_referral') AND a.start_date >= g.year_start THEN 1 ELSE 0 END) AS mental_health_contact,
    MAX(CASE WHEN a.setting IN ({social_care}) THEN 1 ELSE 0 END) AS social_care
  FROM registered g JOIN activity a ON a.person_id = g.person_id
  WHERE a.setting IN ('apc_nel', 'mh', 'mh_referral', {social_care})
    AND a.start_date <= g.period_end AND COALESCE(a.end_date, a.start_date) >= g.year_start
  GROUP BY g.period_end, g.person_id
),
"
    );
    let attribute_columns = format!(
        ",
    COALESCE(c.condition_mask, 0) AS condition_mask,
    {long_term} AS long_term_conditions,
    COALESCE(n.emergency_admission, 0) AS emergency_admission,
    CASE WHEN COALESCE(n.mental_health_contact, 0) = 1 OR COALESCE(n.social_care, 0) = 1
      OR (COALESCE(c.condition_mask, 0) & {mh_mask}) <> 0 THEN 1 ELSE 0 END AS has_needs",
        mh_mask = mask(&MENTAL_HEALTH_CONDITIONS)
    );
    let attribute_joins = "
  LEFT JOIN conditions_at_end c ON c.period_end = g.period_end AND c.person_id = g.person_id
  LEFT JOIN needs_in_year n ON n.period_end = g.period_end AND n.person_id = g.person_id";
    let segment_columns = format!(
        ",
  CASE WHEN age <= 4 OR (condition_mask & {pregnancy}) <> 0 THEN '{early}'
    WHEN age <= 17 THEN '{child}' WHEN age <= 64 THEN '{adult}' ELSE '{old}' END AS life_course,
  CASE WHEN age < 65 THEN 'under_65'
    WHEN long_term_conditions = 0 THEN 'tier_0'
    WHEN long_term_conditions >= 3 AND has_needs = 1 THEN 'tier_3'
    WHEN long_term_conditions >= 2 OR has_needs = 1 OR emergency_admission = 1 THEN 'tier_2'
    ELSE 'tier_1' END AS west_london_tier,
  condition_mask,
  long_term_conditions",
        pregnancy = condition_bit(Condition::Pregnancy),
        early = LifeCourse::EarlyYears.code(),
        child = LifeCourse::Childhood.code(),
        adult = LifeCourse::Adult.code(),
        old = LifeCourse::GrowingOld.code(),
    );
    let pick = |text: &str| {
        if attributes {
            text.to_string()
        } else {
            String::new()
        }
    };
    format!(
        "CREATE TABLE {spells} AS
WITH {registered},
{tally_ctes}{attribute_ctes}attributes AS (
  SELECT g.period_start, g.period_end, g.person_id, g.from_day, g.to_day, g.death_date,
    g.sex, g.ethnic_group, g.imd_decile, g.practice_code, pr.locality_id, pr.network_id,
    {age} AS age{attribute_columns}{segment_columns_in}{tally_columns_in}
  FROM registered g
  JOIN practice pr ON pr.practice_code = g.practice_code{attribute_joins}{segment_join}{tally_join}
  WHERE g.to_day >= g.from_day
)
SELECT period_start, period_end, person_id, from_day, to_day,
  CAST(date_part('epoch', to_day) - date_part('epoch', from_day) AS DOUBLE) / 86400.0 + 1.0 AS days,
  CASE WHEN to_day = period_end AND (death_date IS NULL OR death_date > period_end) THEN 1 ELSE 0 END AS at_end,
  age,
  CASE WHEN age >= 90 THEN 18 ELSE CAST((age - age % 5) / 5 AS INTEGER) END AS esp_band,
  sex,
  {age_band} AS age_band,
  ethnic_group,
  {imd} AS imd_quintile,
  locality_id AS locality,
  COALESCE(network_id, 'none') AS network,
  practice_code AS practice{segment_columns}{segment_columns_out}{tally_columns_out}
FROM attributes",
        spells = spells_table(kind),
        registered = registered_ctes(kind),
        attribute_ctes = pick(&attribute_ctes),
        attribute_columns = pick(&attribute_columns),
        attribute_joins = pick(attribute_joins),
        segment_columns = pick(&segment_columns),
        age = age_sql("g.birth_month", "g.period_end"),
        age_band = age_band_sql("age"),
        imd = imd_quintile_sql("imd_decile"),
    )
}

/// The population filter on the spells table `s`.
fn population_filter(population: &Population) -> Vec<String> {
    let mut filters = Vec::new();
    if let Some(min) = population.min_age {
        filters.push(format!("s.age >= {min}"));
    }
    if let Some(max) = population.max_age {
        filters.push(format!("s.age <= {max}"));
    }
    if !population.sexes.is_empty() {
        filters.push(format!("s.sex IN ({})", codes(&population.sexes)));
    }
    if !population.conditions.is_empty() {
        filters.push(format!(
            "(s.condition_mask & {}) <> 0",
            mask(&population.conditions)
        ));
    }
    if let Some(min) = population.min_long_term_conditions {
        filters.push(format!("s.long_term_conditions >= {min}"));
    }
    if let Some(max) = population.max_long_term_conditions {
        filters.push(format!("s.long_term_conditions <= {max}"));
    }
    if !population.imd_quintiles.is_empty() {
        filters.push(format!(
            "s.imd_quintile IN ({})",
            list(
                population
                    .imd_quintiles
                    .iter()
                    .map(|q| literal(&q.to_string()))
            )
        ));
    }
    if !population.life_course.is_empty() {
        filters.push(format!(
            "s.life_course IN ({})",
            list(population.life_course.iter().map(|l| literal(l.code())))
        ));
    }
    if !population.west_london_tiers.is_empty() {
        filters.push(format!(
            "s.west_london_tier IN ({})",
            list(
                population
                    .west_london_tiers
                    .iter()
                    .map(|t| literal(&format!("tier_{t}")))
            )
        ));
    }
    filters
}

fn event_filter(events: &Events) -> String {
    let mut filter = format!("a.setting IN ({})", codes(&events.settings));
    if !events.diagnosis_prefixes.is_empty() {
        let likes = events
            .diagnosis_prefixes
            .iter()
            .map(|p| format!("a.diagnosis LIKE {}", literal(&format!("{p}%"))));
        filter.push_str(&format!(
            " AND ({})",
            likes.collect::<Vec<_>>().join(" OR ")
        ));
    }
    filter
}

fn dimensions(indicator: &Indicator) -> Vec<&'static str> {
    indicator
        .breakdowns
        .iter()
        .filter(|b| **b != Breakdown::All)
        .map(|b| b.code())
        .collect()
}

/// The population CTE: spells of people in the population, with the columns the
/// contributions read. `at_end` keeps only people registered on the period's last day.
fn population_cte(indicator: &Indicator, at_end: bool, extra: &[&str]) -> String {
    let mut filters = population_filter(&indicator.population);
    if at_end {
        filters.insert(0, "s.at_end = 1".to_string());
    }
    let mut columns = vec!["s.period_start", "s.period_end", "s.person_id"];
    columns.extend(extra);
    let dims: Vec<String> = dimensions(indicator)
        .iter()
        .map(|d| format!("s.{d}"))
        .collect();
    let where_clause = if filters.is_empty() {
        String::new()
    } else {
        format!("\n  WHERE {}", filters.join(" AND "))
    };
    format!(
        "population AS (\n  SELECT {}\n  FROM {} s{where_clause}\n)",
        list(columns.iter().map(|c| c.to_string()).chain(dims)),
        spells_table(indicator.period)
    )
}

/// `s.dim, …` for the contributions' select lists (with a trailing comma, or nothing).
fn dims_of(indicator: &Indicator, alias: &str) -> String {
    dimensions(indicator)
        .iter()
        .map(|d| format!("{alias}.{d}, "))
        .collect()
}

/// The SQL of one indicator, and what it reads. `tally` is the position of its event
/// filter among its period kind's tallies, for indicators that count activity.
fn indicator_sql(indicator: &Indicator, tally: Option<usize>) -> (String, Vec<String>) {
    let spells = spells_table(indicator.period);
    let n = tally.unwrap_or_default();
    let dims = dims_of(indicator, "s");
    let mut stratified = false;
    let mut mean = false;
    let (ctes, reads): (Vec<String>, Vec<&str>) = match &indicator.measure {
        Measure::Rate { .. } | Measure::StandardisedRate { .. } => {
            stratified = matches!(indicator.measure, Measure::StandardisedRate { .. });
            (
                vec![
                    population_cte(
                        indicator,
                        false,
                        &[format!("s.count_{n}").as_str(), "s.days", "s.esp_band"],
                    ),
                    format!(
                        "contributions AS (\n  SELECT s.period_end, s.esp_band, {dims}CAST(s.count_{n} AS DOUBLE) AS numerator, s.days / 365.25 AS denominator\n  FROM population s\n)"
                    ),
                ],
                vec![],
            )
        }
        Measure::Proportion(Criterion::Event(_)) => (
            vec![
                population_cte(indicator, true, &[format!("s.any_{n}").as_str()]),
                format!(
                    "contributions AS (\n  SELECT s.period_end, {dims}CAST(s.any_{n} AS DOUBLE) AS numerator, CAST(1 AS DOUBLE) AS denominator\n  FROM population s\n)"
                ),
            ],
            vec![],
        ),
        Measure::Proportion(Criterion::Condition(conditions)) => (
            vec![
                population_cte(indicator, true, &["s.condition_mask"]),
                format!(
                    "contributions AS (\n  SELECT s.period_end, {dims}CAST(CASE WHEN (s.condition_mask & {}) <> 0 THEN 1 ELSE 0 END AS DOUBLE) AS numerator, CAST(1 AS DOUBLE) AS denominator\n  FROM population s\n)",
                    mask(conditions)
                ),
            ],
            vec![],
        ),
        Measure::Proportion(Criterion::Observation { code, min, max }) => {
            let mut bounds = vec!["l.\"value\" IS NOT NULL".to_string()];
            if let Some(min) = min {
                bounds.push(format!("l.\"value\" >= {min:?}"));
            }
            if let Some(max) = max {
                bounds.push(format!("l.\"value\" <= {max:?}"));
            }
            (
                vec![
                    population_cte(indicator, true, &[]),
                    latest_observation_cte(code),
                    format!(
                        "contributions AS (\n  SELECT s.period_end, {dims}CAST(CASE WHEN {} THEN 1 ELSE 0 END AS DOUBLE) AS numerator, CAST(1 AS DOUBLE) AS denominator\n  FROM population s LEFT JOIN latest l ON l.period_end = s.period_end AND l.person_id = s.person_id\n)",
                        bounds.join(" AND ")
                    ),
                ],
                vec!["observation"],
            )
        }
        Measure::MeanObservation { code } => {
            mean = true;
            (
                vec![
                    population_cte(indicator, true, &[]),
                    latest_observation_cte(code),
                    format!(
                        "contributions AS (\n  SELECT s.period_end, {dims}CAST(l.\"value\" AS DOUBLE) AS numerator, CAST(1 AS DOUBLE) AS denominator\n  FROM population s JOIN latest l ON l.period_end = s.period_end AND l.person_id = s.person_id\n)"
                    ),
                ],
                vec!["observation"],
            )
        }
        Measure::MeanCost { .. } => {
            mean = true;
            (
                vec![
                    population_cte(indicator, true, &[format!("s.cost_{n}").as_str()]),
                    format!(
                        "contributions AS (\n  SELECT s.period_end, {dims}CAST(s.cost_{n} AS DOUBLE) AS numerator, CAST(1 AS DOUBLE) AS denominator\n  FROM population s\n)"
                    ),
                ],
                vec![],
            )
        }
        Measure::SurveyAgreement { survey, items } => {
            let person_dims: String = dimensions(indicator)
                .iter()
                .map(|d| format!("{} AS {d}, ", survey_dimension(d)))
                .collect();
            let sql = format!(
                "WITH contributions AS (\n  SELECT p.period_end, {person_dims}CAST(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END AS DOUBLE) AS numerator, CAST(1 AS DOUBLE) AS denominator\n  FROM survey_response r\n  CROSS JOIN {periods} p\n  LEFT JOIN person pe ON pe.person_id = r.person_id\n  LEFT JOIN practice pr ON pr.practice_code = r.practice_code\n  WHERE r.survey = {} AND ({}) AND r.\"date\" >= p.period_start AND r.\"date\" <= p.period_end\n)\n{}",
                literal(survey),
                // An OR chain rather than IN: DuckDB's optimiser fails on this query with
                // an IN list ("conflicting column binding"), and the benchmark runs this text.
                items
                    .iter()
                    .map(|i| format!("r.item = {}", literal(i)))
                    .collect::<Vec<_>>()
                    .join(" OR "),
                aggregate(indicator, false, false),
                periods = periods_table(indicator.period),
            );
            return (
                sql,
                vec![
                    periods_table(indicator.period),
                    "survey_response".into(),
                    "person".into(),
                    "practice".into(),
                ],
            );
        }
    };
    let sql = format!(
        "WITH {}\n{}",
        ctes.join(",\n"),
        aggregate(indicator, stratified, mean)
    );
    let mut all_reads = vec![spells];
    all_reads.extend(reads.iter().map(|r| r.to_string()));
    (sql, all_reads)
}

/// A breakdown column for a survey answer: from the linked person where there is one,
/// from the answer's practice for areas; `not known` otherwise.
fn survey_dimension(dimension: &str) -> String {
    match dimension {
        "sex" => "COALESCE(pe.sex, 'not known')".into(),
        "ethnic_group" => "COALESCE(pe.ethnic_group, 'not known')".into(),
        "age_band" => format!(
            "CASE WHEN pe.person_id IS NULL THEN 'not known' ELSE {} END",
            age_band_sql(&age_sql("pe.birth_month", "p.period_end"))
        ),
        "imd_quintile" => format!(
            "CASE WHEN pe.person_id IS NULL THEN 'not known' ELSE {} END",
            imd_quintile_sql("pe.imd_decile")
        ),
        "locality" => "COALESCE(pr.locality_id, 'not known')".into(),
        "network" => {
            "CASE WHEN pr.practice_code IS NULL THEN 'not known' ELSE COALESCE(pr.network_id, 'none') END"
                .into()
        }
        _ => "COALESCE(r.practice_code, 'not known')".into(),
    }
}

/// Each person's latest observation of `code` in the period (ties on a day: the highest).
fn latest_observation_cte(code: &str) -> String {
    format!(
        "readings AS (\n  SELECT s.period_end, s.person_id, o.\"value\",\n    ROW_NUMBER() OVER (PARTITION BY s.period_end, s.person_id ORDER BY o.\"date\" DESC, o.\"value\" DESC) AS n\n  FROM observation o JOIN population s ON o.person_id = s.person_id\n  WHERE o.code = {} AND o.\"date\" >= s.period_start AND o.\"date\" <= s.period_end\n),\nlatest AS (\n  SELECT period_end, person_id, \"value\" FROM readings WHERE n = 1\n)",
        literal(code)
    )
}

/// The final aggregation: one row per period × breakdown × group (× ESP band when
/// standardising), all breakdowns in one pass.
fn aggregate(indicator: &Indicator, stratified: bool, mean: bool) -> String {
    let dims = dimensions(indicator);
    let band = if stratified { ", esp_band" } else { "" };
    let mut sets = vec![format!("(period_end{band})")];
    sets.extend(dims.iter().map(|d| format!("(period_end, {d}{band})")));
    let breakdown = if dims.is_empty() {
        "'all'".to_string()
    } else {
        let whens: String = dims
            .iter()
            .map(|d| format!(" WHEN {d} IS NOT NULL THEN '{d}'"))
            .collect();
        format!("CASE{whens} ELSE 'all' END")
    };
    let group = if dims.is_empty() {
        "'all'".to_string()
    } else {
        format!("COALESCE({}, 'all')", dims.join(", "))
    };
    let band_column = if stratified {
        "CAST(esp_band AS INTEGER)"
    } else {
        "CAST(-1 AS INTEGER)"
    };
    let spread = if mean {
        "CAST(STDDEV_SAMP(numerator) AS DOUBLE)"
    } else {
        "CAST(NULL AS DOUBLE)"
    };
    format!(
        "SELECT period_end, {breakdown} AS breakdown, {group} AS grp, {band_column} AS esp_band,\n  CAST(SUM(numerator) AS DOUBLE) AS numerator, CAST(SUM(denominator) AS DOUBLE) AS denominator, {spread} AS spread\nFROM contributions\nGROUP BY GROUPING SETS ({})",
        sets.join(", ")
    )
}
