//! The indicator engine: outcomes frameworks compiled to SQL ([`compile`]) and run on
//! Apache DataFusion over a canonical dataset ([`execute`]), then turned into figures with
//! intervals, comparisons, trends and inequality measures by accord-stats ([`figures`]).
//! [`refresh`] does all of it and returns a results [`Snapshot`] with provenance.
//!
//! The engine is the only crate that depends on DataFusion. The SQL it generates is plain
//! enough that DuckDB runs the same text, which the benchmark uses as its peer.

#![warn(missing_docs)]

pub mod compile;
pub mod execute;
pub mod figures;
pub mod periods;
pub mod profile;
pub mod reuse;

use std::collections::BTreeMap;
use std::time::Instant;

use accord_cohort::Histories;
use accord_dataset::artifact::{Artifact, Provenance};
use accord_dataset::{Dataset, DatasetError};
use accord_framework::Framework;
use accord_snapshot::{Areas, FrameworkEntry, IndicatorEntry, ResultRow, Run, Snapshot, Summary};

pub use compile::{DataSpan, Program, Query, SQL_OUTPUT, compile};
pub use execute::Engine;

/// The engine named in provenance.
pub const ENGINE: &str = "Apache DataFusion 55";

/// What can go wrong in a refresh.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The dataset could not be opened or read.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The query engine's runtime could not start.
    #[error("cannot start the query runtime: {0}")]
    Runtime(String),
    /// A query failed.
    #[error("{what}: {source}")]
    Query {
        /// What was being computed.
        what: String,
        /// The underlying error.
        source: Box<datafusion::error::DataFusionError>,
    },
    /// A query's result was not of the shape expected.
    #[error("{what}: unexpected result: {message}")]
    Shape {
        /// What was being computed.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The dataset has no activity.
    #[error("{dir}: the dataset has no activity, so it has no period to report on")]
    NoActivity {
        /// The folder.
        dir: String,
    },
    /// A framework was given twice.
    #[error("framework {0:?} is given twice")]
    DuplicateFramework(String),
    /// The population could not be segmented.
    #[error("segmenting the population: {0}")]
    Cohort(#[from] accord_cohort::CohortError),
}

impl EngineError {
    /// Whether a query failed for want of memory under `RefreshOptions::memory_limit`
    /// (an operator that cannot spill, such as a hash join's build side, hit the limit).
    pub fn is_memory_limit(&self) -> bool {
        matches!(self, EngineError::Query { source, .. }
            if matches!(source.find_root(), datafusion::error::DataFusionError::ResourcesExhausted(_)))
    }
}

/// How a refresh runs.
#[derive(Debug, Clone)]
pub struct RefreshOptions {
    /// Worker threads for the query engine.
    pub threads: usize,
    /// The most memory, in bytes, the query engine's operators may hold; beyond it sorts
    /// and aggregations spill to temporary files, and an operator that cannot spill fails
    /// with an error that says so. None: no limit.
    pub memory_limit: Option<usize>,
}

impl RefreshOptions {
    /// `threads` worker threads and no memory limit.
    pub fn with_threads(threads: usize) -> RefreshOptions {
        RefreshOptions {
            threads,
            ..RefreshOptions::default()
        }
    }
}

impl Default for RefreshOptions {
    fn default() -> Self {
        RefreshOptions {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            memory_limit: None,
        }
    }
}

/// What a refresh produced: the snapshot to write, and the SQL program that made it.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// The snapshot to write.
    pub snapshot: Snapshot,
    /// The SQL program that made it.
    pub program: Program,
}

/// Settings whose first row marks the start of complete data (packages of care may have
/// begun before the extract's window).
const CONTACT_SETTINGS: &str = "'gp', 'ae', 'apc_nel', 'apc_el', 'op', 'community'";

/// Why an indicator has no figure at all, for the reader of its tile and page.
fn why_no_figure(measure: &accord_framework::Measure, span: DataSpan) -> String {
    match measure {
        accord_framework::Measure::SurveyAgreement { survey, items } => format!(
            "The dataset holds no answers to {} of the survey {survey} from {} to {}.",
            items.join(", "),
            span.start,
            span.end
        ),
        _ => format!(
            "No complete period with people in the population from {} to {}.",
            span.start, span.end
        ),
    }
}

/// Registers the opened dataset with the query engine, finds its span and compiles
/// `frameworks` for it, without running any indicator.
pub fn prepare(
    dataset: &Dataset,
    frameworks: &[Framework],
    options: &RefreshOptions,
) -> Result<(Engine, DataSpan, Program), EngineError> {
    for (i, f) in frameworks.iter().enumerate() {
        if frameworks[..i].iter().any(|g| g.id == f.id) {
            return Err(EngineError::DuplicateFramework(f.id.clone()));
        }
    }
    let engine = Engine::open(dataset, options.threads, options.memory_limit)?;
    let start = engine
        .date(
            "finding the first day of data",
            &format!("SELECT MIN(start_date) FROM activity WHERE setting IN ({CONTACT_SETTINGS})"),
        )?
        .ok_or_else(|| EngineError::NoActivity {
            dir: dataset.dir().display().to_string(),
        })?;
    let span = DataSpan {
        start,
        end: dataset.manifest().extract_date,
    };
    let program = compile(frameworks, span);
    Ok((engine, span, program))
}

/// Refreshes `frameworks` on an opened dataset, whose person histories give the segments
/// of segment-model files. Where `earlier` is the snapshot this refresh replaces, every
/// framework (and the population profile) whose reuse key is unchanged is taken from it
/// instead of computed ([`reuse`]). `progress` is told each indicator as it finishes, with
/// how many there are.
pub fn refresh(
    dataset: &Dataset,
    histories: &Histories,
    frameworks: &[Framework],
    options: &RefreshOptions,
    earlier: Option<&Snapshot>,
    progress: &dyn Fn(&str, usize),
) -> Result<Refresh, EngineError> {
    let started = Instant::now();
    let (engine, span, program) = prepare(dataset, frameworks, options)?;
    let manifest = dataset.manifest();
    let fingerprint = manifest.fingerprint();
    let keys = reuse::ReuseKeys::new(&fingerprint, span);
    let earlier = earlier.map(reuse::Earlier::new);
    let framework_keys: BTreeMap<&str, String> = frameworks
        .iter()
        .map(|f| {
            (
                f.id.as_str(),
                keys.as_ref().map(|k| k.framework(f)).unwrap_or_default(),
            )
        })
        .collect();
    // Reused whole or not at all: the same key, and every indicator there to copy.
    let reused_frameworks: Vec<&str> = frameworks
        .iter()
        .filter(|f| {
            let key = &framework_keys[f.id.as_str()];
            earlier.as_ref().is_some_and(|e| {
                !key.is_empty()
                    && e.key(&f.id) == Some(key.as_str())
                    && f.indicators
                        .iter()
                        .all(|i| e.indicator(&f.id, &i.id).is_some())
            })
        })
        .map(|f| f.id.as_str())
        .collect();
    let profile_key = keys.as_ref().map(|k| k.profile()).unwrap_or_default();
    let earlier_profile = earlier
        .as_ref()
        .filter(|_| !profile_key.is_empty())
        .and_then(|e| e.profile(&profile_key));
    // Only what the figures still to compute read: their queries, the profile's unless
    // reused, and the shared tables and segments those read.
    let mut consumers: Vec<&str> = program
        .queries
        .iter()
        .filter(|q| !reused_frameworks.contains(&q.framework.as_str()))
        .map(|q| q.sql.as_str())
        .collect();
    if earlier_profile.is_none() {
        consumers.extend(program.profile.iter().map(|q| q.sql.as_str()));
    }
    let shared = reuse::needed_shared(&program, &consumers);
    let needs_segments = consumers
        .iter()
        .copied()
        .chain(shared.iter().map(|t| t.sql.as_str()))
        .any(|sql| reuse::reads_table(sql, compile::PERSON_SEGMENTS));
    if needs_segments && !program.segment_days.is_empty() {
        let t = Instant::now();
        engine.register_batch(
            compile::PERSON_SEGMENTS,
            profile::person_segments(histories, &program.segment_days)?,
        )?;
        tracing::info!(
            seconds = t.elapsed().as_secs_f64(),
            "segments from model files"
        );
    }
    let mut query_seconds = 0.0;
    for table in shared {
        let t = Instant::now();
        engine.execute(&format!("creating shared table {}", table.name), &table.sql)?;
        query_seconds += t.elapsed().as_secs_f64();
        tracing::info!(table = %table.name, seconds = t.elapsed().as_secs_f64(), "shared table created");
    }
    let mut results = Vec::new();
    let mut inequality = Vec::new();
    let mut indicators = Vec::new();
    let total = program.queries.len();
    for query in &program.queries {
        let framework = frameworks
            .iter()
            .find(|f| f.id == query.framework)
            .ok_or_else(|| EngineError::DuplicateFramework(query.framework.clone()))?;
        let Some(indicator) = framework.indicator(&query.indicator) else {
            continue;
        };
        let what = format!("indicator {}/{}", query.framework, query.indicator);
        let copied = reused_frameworks
            .contains(&framework.id.as_str())
            .then(|| {
                earlier
                    .as_ref()?
                    .indicator(&query.framework, &query.indicator)
            })
            .flatten();
        if let Some((entry, rows, gaps)) = copied {
            // The figures are the earlier ones; the SQL shown is this program's, which
            // computes the same figures (the key holds everything they depend on).
            indicators.push(IndicatorEntry {
                sql: query.sql.clone(),
                reads: query.reads.clone(),
                query_seconds: 0.0,
                ..entry.clone()
            });
            results.extend_from_slice(rows);
            inequality.extend_from_slice(gaps);
            progress(&what, total);
            continue;
        }
        let t = Instant::now();
        let rows = engine.indicator_rows(&what, &query.sql)?;
        let seconds = t.elapsed().as_secs_f64();
        query_seconds += seconds;
        tracing::info!(indicator = %what, seconds, rows = rows.len(), "indicator queried");
        let (rows, gaps) =
            figures::indicator_results(&framework.id, indicator, &query.periods, &rows);
        let mut series: Vec<&ResultRow> = rows.iter().filter(|r| r.breakdown == "all").collect();
        series.sort_by_key(|r| r.period_end);
        let latest = series.last().map(|r| (*r).clone());
        let spc = accord_snapshot::control::indicator_spc(
            indicator.period.code(),
            indicator.polarity.code(),
            match indicator.target {
                Some(accord_framework::Target::Value(value)) => Some(value),
                _ => None,
            },
            &series,
        );
        let no_figure = latest
            .is_none()
            .then(|| why_no_figure(&indicator.measure, span));
        let domain = framework
            .outcomes
            .iter()
            .find(|o| o.id == indicator.outcome)
            .map(|o| o.domain.clone())
            .unwrap_or_default();
        indicators.push(IndicatorEntry {
            framework: framework.id.clone(),
            id: indicator.id.clone(),
            domain,
            outcome: indicator.outcome.clone(),
            name: indicator.name.clone(),
            measure: indicator.measure.code().to_string(),
            unit: indicator.measure.unit(),
            period_kind: indicator.period.code().to_string(),
            polarity: indicator.polarity.code().to_string(),
            sql: query.sql.clone(),
            reads: query.reads.clone(),
            scale: match &indicator.measure {
                accord_framework::Measure::Proportion(_)
                | accord_framework::Measure::SurveyAgreement { .. } => Some(100.0),
                accord_framework::Measure::Rate { per, .. } => Some(*per),
                _ => None,
            },
            latest,
            no_figure,
            rows: rows.len(),
            query_seconds: seconds,
            spc,
        });
        results.extend(rows);
        inequality.extend(gaps);
        progress(&what, total);
    }
    let profile = match earlier_profile {
        Some(profile) => profile.clone(),
        None => {
            let t = Instant::now();
            let mut profile = profile::run(&engine, &program.profile)?;
            query_seconds += t.elapsed().as_secs_f64();
            profile::add_segment_models(histories, &mut profile);
            tracing::info!(
                seconds = t.elapsed().as_secs_f64(),
                "population profile computed"
            );
            profile
        }
    };
    let mut reused: Vec<String> = reused_frameworks.iter().map(|id| id.to_string()).collect();
    if earlier_profile.is_some() {
        reused.push("profile".into());
    }
    let mut area_names: BTreeMap<String, String> = engine
        .labelled_numbers(
            "reading area names",
            "SELECT practice_code, name FROM practice UNION ALL SELECT network_id, name FROM network UNION ALL SELECT locality_id, name FROM locality",
            2,
        )?
        .into_iter()
        .filter_map(|(mut text, _)| Some((text.remove(0), text.pop()?)))
        .collect();
    area_names.insert("none".into(), "Not in a network".into());
    let mut areas = Areas::default();
    for (mut text, _) in engine.labelled_numbers(
        "reading which network and locality each practice is in",
        "SELECT practice_code, COALESCE(network_id, 'none'), locality_id FROM practice",
        3,
    )? {
        if let (Some(locality), Some(network), Some(practice)) =
            (text.pop(), text.pop(), text.pop())
        {
            areas.practices.insert(practice, (network, locality));
        }
    }
    for (mut text, _) in engine.labelled_numbers(
        "reading each network's locality",
        "SELECT network_id, locality_id FROM network",
        2,
    )? {
        if let (Some(locality), Some(network)) = (text.pop(), text.pop()) {
            areas.networks.insert(network, locality);
        }
    }
    let mut provenance = Provenance::now(
        ENGINE,
        &dataset.dir().display().to_string(),
        &fingerprint,
        manifest.extract_date,
    );
    provenance.definitions = frameworks
        .iter()
        .map(|f| (format!("framework {}", f.id), f.sha256.clone()))
        .collect();
    let summary = Summary {
        header: Summary::new_header(provenance),
        run: Run {
            data_start: span.start,
            data_end: span.end,
            seconds: started.elapsed().as_secs_f64(),
            query_seconds,
            reused,
            profile_key,
        },
        frameworks: frameworks
            .iter()
            .map(|f| FrameworkEntry {
                id: f.id.clone(),
                name: f.name.clone(),
                version: f.version.clone(),
                partnership: f.partnership.clone(),
                sha256: f.sha256.clone(),
                file: format!("{}/{}.toml", accord_snapshot::FRAMEWORKS_DIR, f.id),
                key: framework_keys[f.id.as_str()].clone(),
            })
            .collect(),
        shared_tables: program.shared.clone(),
        indicators,
        area_names,
        areas,
        published: false,
        profile,
    };
    let funnels = accord_snapshot::control::funnels(&summary.indicators, &results);
    let snapshot = Snapshot {
        summary,
        results,
        inequality,
        funnels,
        framework_files: frameworks
            .iter()
            .map(|f| (format!("{}.toml", f.id), f.text.clone()))
            .collect(),
        money: None,
    };
    Ok(Refresh { snapshot, program })
}
