//! A results snapshot: everything one refresh computed, in a folder that is written
//! atomically and read by the views (CLI, dashboard, reports).
//!
//! ```text
//! snapshot/
//!   snapshot.json        provenance, frameworks, indicators (definition, SQL, latest figure,
//!                        SPC chart of a monthly series),
//!                        the population profile (pyramid, segments, flows, data quality)
//!   results.parquet      one row per indicator × period × breakdown × group
//!   inequality.parquet   one row per indicator × period: deprivation gap, SII, RII
//!   funnels.parquet      the practices' funnel of each proportion and rate, per period:
//!                        limit curves and each practice's position ([`control`])
//!   frameworks/*.toml    the definition files exactly as they were used
//!   money.json           spend, contracts and budgets, where the refresh was given a
//!                        contract register ([`money`])
//! ```
//!
//! Figures are exact: the analyst's own view. [`publish`] makes the published copy, with
//! the disclosure rules applied once to every figure ([`publication`]), for anything that
//! leaves the partnership.

#![warn(missing_docs)]

pub mod control;
mod csv;
pub mod money;
mod profile;
pub mod publication;
mod table;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use accord_dataset::artifact::{Header, Provenance};

use accord_dataset::artifact::{Artifact, ArtifactError, is_artifact, parse_artifact, to_json};
use accord_dataset::{Destination, OutputKind, Shape};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use csv::{CSV_OUTPUT, csv_text, write_csv};
pub use profile::{
    Completeness, MonthlyRows, NOT_REGISTERED, PopulationBand, Profile, SegmentFlow, SegmentYear,
};
pub use publication::{WITHHELD, publish, shown};

/// The snapshot folder's format version.
pub const SNAPSHOT_FORMAT: u32 = 6;

impl Artifact for Summary {
    const KIND: &'static str = "results snapshot";
    const FORMAT: u32 = SNAPSHOT_FORMAT;
}
/// The summary's file in the snapshot folder.
pub const SUMMARY_FILE: &str = "snapshot.json";
/// Every figure, one row each.
pub const RESULTS_FILE: &str = "results.parquet";
/// The inequality figures.
pub const INEQUALITY_FILE: &str = "inequality.parquet";
/// The practices' funnels.
pub const FUNNELS_FILE: &str = "funnels.parquet";
/// The folder holding a copy of each framework definition refreshed.
pub const FRAMEWORKS_DIR: &str = "frameworks";
/// The money results, where the refresh had a contract register.
pub const MONEY_FILE: &str = "money.json";

/// What can go wrong reading or writing a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The snapshot folder could not be prepared.
    #[error(transparent)]
    Folder(#[from] accord_dataset::DatasetError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is there but its content is wrong.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The summary's envelope is missing or of an unknown version.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The folder has no summary.
    #[error("{}: not found: the folder is not a results snapshot", path.display())]
    NotASnapshot {
        /// The file or folder.
        path: PathBuf,
    },
}

impl SnapshotError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
        move |source| SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn invalid(path: &Path, message: impl std::fmt::Display) -> SnapshotError {
        SnapshotError::Invalid {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// The snapshot crate's result.
pub type Result<T, E = SnapshotError> = std::result::Result<T, E>;

/// What a refresh covered and how long it took (where the figures came from is in the
/// summary's [`Header`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The first and last days with complete data; periods lie within them.
    pub data_start: NaiveDate,
    /// The last day with complete data.
    pub data_end: NaiveDate,
    /// Wall-clock seconds: the whole refresh, and the part spent in the query engine.
    pub seconds: f64,
    /// The part of `seconds` spent in the query engine.
    pub query_seconds: f64,
    /// What was taken from the earlier snapshot rather than computed again: framework ids,
    /// and `profile` for the population profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reused: Vec<String>,
    /// The population profile's reuse key: the same key, the same profile.
    #[serde(default)]
    pub profile_key: String,
}

/// A framework refreshed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkEntry {
    /// The framework's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its version, as the definition states it.
    pub version: String,
    /// The partnership that agreed it.
    pub partnership: String,
    /// SHA-256 of the definition file.
    pub sha256: String,
    /// The definition file inside the snapshot (`frameworks/<id>.toml`).
    pub file: String,
    /// The reuse key: the same key (dataset, definition, program build and data span), the
    /// same figures, so a later refresh may take them from this snapshot.
    #[serde(default)]
    pub key: String,
}

/// The nesting of the area breakdowns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Areas {
    /// Practice code → (network id or `none`, locality id).
    pub practices: BTreeMap<String, (String, String)>,
    /// Network id → locality id.
    pub networks: BTreeMap<String, String>,
}

/// A table that several indicators' SQL reads, created once per refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedTable {
    /// The table's name in the SQL.
    pub name: String,
    /// The SQL that creates it.
    pub sql: String,
}

/// One indicator as refreshed: what it is, how it was computed, and its latest figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorEntry {
    /// The framework's id.
    pub framework: String,
    /// The indicator's id within it.
    pub id: String,
    /// The domain it sits in.
    pub domain: String,
    /// The outcome it measures.
    pub outcome: String,
    /// Its name.
    pub name: String,
    /// Its measure kind (proportion, crude rate, standardised rate, mean, ...).
    pub measure: String,
    /// The unit its values are in.
    pub unit: String,
    /// The kind of period its figures cover (month, quarter, year, rolling year).
    pub period_kind: String,
    /// Whether higher is better, lower is better, or neither.
    pub polarity: String,
    /// The query that produced the indicator's rows.
    pub sql: String,
    /// The shared tables the query reads.
    pub reads: Vec<String>,
    /// value = scale × numerator / denominator: 100 for proportions and survey agreement,
    /// `per` for crude rates; none for standardised rates and means, whose value is not a
    /// ratio of the two counts.
    pub scale: Option<f64>,
    /// The whole-population figure for the latest period.
    pub latest: Option<ResultRow>,
    /// Why there is no figure at all (no answers to a survey, say), where there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_figure: Option<String>,
    /// Result rows written.
    pub rows: usize,
    /// Seconds its query took.
    pub query_seconds: f64,
    /// The XmR chart of a monthly indicator's whole-population series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spc: Option<control::IndicatorSpc>,
}

impl IndicatorEntry {
    /// Its SPC chart drawn again from `results` (the whole-population rows, in period
    /// order), against the same target: publication redraws it from published figures.
    pub fn redraw_spc(&mut self, results: &[ResultRow]) {
        let Some(target) = self.spc.as_ref().map(|s| s.target) else {
            return;
        };
        let mut series: Vec<&ResultRow> = results
            .iter()
            .filter(|r| {
                r.framework == self.framework && r.indicator == self.id && r.breakdown == "all"
            })
            .collect();
        series.sort_by_key(|r| r.period_end);
        self.spc = control::indicator_spc(&self.period_kind, &self.polarity, target, &series);
    }
}

/// Every figure: one indicator, one period, one group of one breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// The framework's id.
    pub framework: String,
    /// The indicator's id.
    pub indicator: String,
    /// The indicator's measure kind.
    pub measure: String,
    /// The period's first day.
    pub period_start: NaiveDate,
    /// The period's last day.
    pub period_end: NaiveDate,
    /// `all`, `sex`, `network`…
    pub breakdown: String,
    /// The group within the breakdown (`all` for the whole population).
    pub group: String,
    /// People, events or answers counted; for a mean, the sum of the values.
    pub numerator: f64,
    /// People, person-years or answers; for a mean, the number of people.
    pub denominator: f64,
    /// The figure; none where it is withheld or cannot be computed.
    pub value: Option<f64>,
    /// The 95% interval's lower end.
    pub lower95: Option<f64>,
    /// The 95% interval's upper end.
    pub upper95: Option<f64>,
    /// The 99.8% interval's lower end.
    pub lower998: Option<f64>,
    /// The 99.8% interval's upper end.
    pub upper998: Option<f64>,
    /// Against the whole population (for a group) or the external benchmark (for `all`).
    pub vs_benchmark: Option<String>,
    /// Against the indicator's target, where it has one.
    pub vs_target: Option<String>,
    /// Against the same group a year earlier.
    pub vs_year_earlier: Option<String>,
    /// Fingertips' recent trend over the last five non-overlapping periods.
    pub trend: Option<String>,
    /// Why a value is missing, or anything else a reader must know.
    pub note: Option<String>,
}

impl ResultRow {
    /// The number that disclosure control applies to: people, events or answers counted.
    pub fn disclosure_count(&self) -> f64 {
        if self.measure.starts_with("mean") {
            self.denominator
        } else {
            self.numerator
        }
    }
}

/// The deprivation gap and slope index of inequality for one indicator and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InequalityRow {
    /// The framework's id.
    pub framework: String,
    /// The indicator's id.
    pub indicator: String,
    /// The period's first day.
    pub period_start: NaiveDate,
    /// The period's last day.
    pub period_end: NaiveDate,
    /// Most deprived quintile minus least deprived, with a 95% interval.
    pub gap: f64,
    /// The gap's 95% interval, lower end.
    pub gap_lower: f64,
    /// The gap's 95% interval, upper end.
    pub gap_upper: f64,
    /// The slope and relative indices, computed for the latest period only (the
    /// simulated interval takes 100,000 draws).
    pub sii: Option<f64>,
    /// The slope index's 95% interval, lower end.
    pub sii_lower: Option<f64>,
    /// The slope index's 95% interval, upper end.
    pub sii_upper: Option<f64>,
    /// The relative index of inequality.
    pub rii: Option<f64>,
}

impl InequalityRow {
    /// The gap between the most and least deprived quintiles (95% interval from their
    /// standard errors), and where `with_slope` the slope and relative indices (simulated
    /// interval, seeded): from each quintile's population and 95% estimate, most deprived
    /// first. The refresh computes it from the exact figures, publication from the
    /// published ones.
    pub fn from_quintiles(
        framework: &str,
        indicator: &str,
        period: (NaiveDate, NaiveDate),
        quintiles: &[(f64, accord_stats::Estimate)],
        with_slope: bool,
    ) -> Option<InequalityRow> {
        use accord_stats::{Confidence, SII_REPETITIONS, SII_SEED, slope_index_of_inequality};
        let (most, least) = (quintiles.first()?.1, quintiles.last()?.1);
        let z = Confidence::P95.z();
        let se = |e: &accord_stats::Estimate| (e.upper - e.lower) / (2.0 * z);
        let gap = most.value - least.value;
        let gap_se = (se(&most).powi(2) + se(&least).powi(2)).sqrt();
        let slope = with_slope
            .then(|| {
                let populations: Vec<f64> = quintiles.iter().map(|(n, _)| *n).collect();
                let values: Vec<f64> = quintiles.iter().map(|(_, e)| e.value).collect();
                let errors: Vec<f64> = quintiles.iter().map(|(_, e)| se(e)).collect();
                slope_index_of_inequality(
                    &populations,
                    &values,
                    &errors,
                    Confidence::P95,
                    SII_REPETITIONS,
                    SII_SEED,
                )
                .ok()
            })
            .flatten();
        Some(InequalityRow {
            framework: framework.to_string(),
            indicator: indicator.to_string(),
            period_start: period.0,
            period_end: period.1,
            gap,
            gap_lower: gap - z * gap_se,
            gap_upper: gap + z * gap_se,
            sii: slope.map(|s| s.sii.value),
            sii_lower: slope.map(|s| s.sii.lower),
            sii_upper: slope.map(|s| s.sii.upper),
            rii: slope.map(|s| s.rii),
        })
    }
}

/// The JSON part of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The envelope: format and provenance.
    pub header: Header,
    /// What the refresh covered and how long it took.
    pub run: Run,
    /// The frameworks refreshed.
    pub frameworks: Vec<FrameworkEntry>,
    /// The tables shared by several indicators' SQL.
    pub shared_tables: Vec<SharedTable>,
    /// Every indicator refreshed.
    pub indicators: Vec<IndicatorEntry>,
    /// Names of localities, networks and practices by code, for labels.
    pub area_names: BTreeMap<String, String>,
    /// Which network (or `none`) and locality each practice belongs to, and each network's
    /// locality: the nesting of the area breakdowns, which publication needs so that a
    /// withheld practice cannot be recovered from its network's total.
    pub areas: Areas,
    /// True for a published copy ([`publication::publish`]): its withheld counts are NaN,
    /// and it is served or exported, never written as a snapshot.
    #[serde(default)]
    pub published: bool,
    /// The population, segments and data quality of the dataset refreshed.
    pub profile: Profile,
}

/// A whole snapshot in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The JSON part.
    pub summary: Summary,
    /// Every figure.
    pub results: Vec<ResultRow>,
    /// The inequality figures.
    pub inequality: Vec<InequalityRow>,
    /// The practices' funnels ([`control::funnels`]).
    pub funnels: Vec<control::FunnelRow>,
    /// (file name, text) of each framework definition.
    pub framework_files: Vec<(String, String)>,
    /// Spend, contracts and budgets, where the refresh had a contract register.
    pub money: Option<money::MoneyResults>,
}

/// A snapshot folder as an output: `snapshot.json` marks it; it holds the two Parquet
/// tables and the frameworks as used, nothing else.
pub const SNAPSHOT_OUTPUT: OutputKind = OutputKind {
    name: "results snapshot",
    shape: Shape::Folder {
        marker: SUMMARY_FILE,
        recognise: is_artifact::<Summary>,
        owns: |path| match path.split_once('/') {
            None => [
                SUMMARY_FILE,
                RESULTS_FILE,
                INEQUALITY_FILE,
                FUNNELS_FILE,
                FRAMEWORKS_DIR,
                MONEY_FILE,
            ]
            .contains(&path),
            Some((dir, file)) => {
                dir == FRAMEWORKS_DIR && file.ends_with(".toml") && !file.contains('/')
            }
        },
    },
};

impl Snapshot {
    /// Where a snapshot made from `inputs` may be written: over an earlier snapshot, never
    /// over anything else or the inputs.
    pub fn destination<'a>(out: &'a Path, inputs: &'a [&'a Path]) -> Destination<'a> {
        Destination::replacing(out, &SNAPSHOT_OUTPUT, inputs)
    }

    /// Writes the snapshot folder atomically (staging folder, then one rename) at
    /// `destination` ([`Snapshot::destination`]).
    pub fn write(&self, destination: &Destination) -> Result<()> {
        if self.summary.published {
            return Err(SnapshotError::invalid(
                destination.path,
                "a published copy holds rounded counts, not the figures: write the snapshot it was published from",
            ));
        }
        accord_dataset::write_folder_atomically(destination, |staging| {
            table::write_results(&staging.join(RESULTS_FILE), &self.results)?;
            table::write_inequality(&staging.join(INEQUALITY_FILE), &self.inequality)?;
            table::write_funnels(&staging.join(FUNNELS_FILE), &self.funnels)?;
            let frameworks = staging.join(FRAMEWORKS_DIR);
            fs::create_dir_all(&frameworks).map_err(SnapshotError::io(&frameworks))?;
            for (name, text) in &self.framework_files {
                let path = frameworks.join(name);
                fs::write(&path, text).map_err(SnapshotError::io(&path))?;
            }
            if let Some(money) = &self.money {
                let path = staging.join(MONEY_FILE);
                let json = serde_json::to_string_pretty(money)
                    .map_err(|e| SnapshotError::invalid(&path, e))?;
                fs::write(&path, json + "\n").map_err(SnapshotError::io(&path))?;
            }
            let path = staging.join(SUMMARY_FILE);
            let json = to_json(&self.summary).map_err(|e| SnapshotError::invalid(&path, e))?;
            fs::write(&path, json + "\n").map_err(SnapshotError::io(&path))?;
            Ok(())
        })
    }

    /// Reads a snapshot folder.
    pub fn read(dir: &Path) -> Result<Snapshot> {
        let summary = Snapshot::read_summary(dir)?;
        let results = table::read_results(&dir.join(RESULTS_FILE))?;
        let inequality = table::read_inequality(&dir.join(INEQUALITY_FILE))?;
        let funnels = table::read_funnels(&dir.join(FUNNELS_FILE))?;
        let mut framework_files = Vec::new();
        for f in &summary.frameworks {
            let path = dir.join(&f.file);
            let text = fs::read_to_string(&path).map_err(SnapshotError::io(&path))?;
            let name = Path::new(&f.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| f.file.clone());
            framework_files.push((name, text));
        }
        let path = dir.join(MONEY_FILE);
        let money = match fs::read_to_string(&path) {
            Ok(text) => {
                Some(serde_json::from_str(&text).map_err(|e| SnapshotError::invalid(&path, e))?)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(SnapshotError::Io { path, source }),
        };
        Ok(Snapshot {
            summary,
            results,
            inequality,
            funnels,
            framework_files,
            money,
        })
    }

    /// Reads only `snapshot.json`.
    pub fn read_summary(dir: &Path) -> Result<Summary> {
        let path = dir.join(SUMMARY_FILE);
        let text = fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                SnapshotError::NotASnapshot { path: path.clone() }
            } else {
                SnapshotError::Io {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        Ok(parse_artifact(&path, &text)?)
    }

    /// The indicator entry with this id: `framework/indicator`, or an indicator id that is
    /// unique across the snapshot's frameworks.
    pub fn find_indicator(&self, name: &str) -> std::result::Result<&IndicatorEntry, String> {
        let matches: Vec<&IndicatorEntry> = self
            .summary
            .indicators
            .iter()
            .filter(|i| match name.split_once('/') {
                Some((framework, id)) => i.framework == framework && i.id == id,
                None => i.id == name,
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(format!("no indicator {name:?} in this snapshot")),
            many => Err(format!(
                "{name:?} is in several frameworks; say which: {}",
                many.iter()
                    .map(|i| format!("{}/{}", i.framework, i.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The indicator's block of its framework file, as used for the snapshot.
    pub fn definition_text(&self, entry: &IndicatorEntry) -> String {
        let file = format!("{}.toml", entry.framework);
        let Some((_, text)) = self.framework_files.iter().find(|(f, _)| *f == file) else {
            return String::new();
        };
        let marker = format!("id = \"{}\"", entry.id);
        text.split("[[")
            .find(|b| b.starts_with("indicator]]") && b.lines().any(|l| l.trim() == marker))
            .map(|b| format!("[[{}", b.trim_end()))
            .unwrap_or_default()
    }

    /// The rows of one indicator, breakdown and group, in period order.
    pub fn series<'a>(
        &'a self,
        framework: &'a str,
        indicator: &'a str,
        breakdown: &'a str,
        group: &'a str,
    ) -> impl Iterator<Item = &'a ResultRow> {
        self.results.iter().filter(move |r| {
            r.framework == framework
                && r.indicator == indicator
                && r.breakdown == breakdown
                && r.group == group
        })
    }
}
