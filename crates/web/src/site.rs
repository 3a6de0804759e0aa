//! The dashboard's figures: a results snapshot loaded once and indexed, and one function
//! per page that returns everything the page shows as a plain serialisable value. The HTML
//! pages and the JSON API both call these functions, so a figure on a page is the figure
//! the API returns. The figures, limits included, are the snapshot's: in public mode its
//! published copy, with the disclosure rules applied before any view sees it. Nothing here
//! computes a statistic.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use accord_chart::FunnelLimit;
use accord_framework::{Framework, Indicator, Target};
use accord_snapshot::control::{FunnelRow, IndicatorSpc};
use accord_snapshot::{
    IndicatorEntry, InequalityRow, NOT_REGISTERED, Provenance, ResultRow, Run, Snapshot, shown,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use accord_evaluation::Evaluation;
use accord_risk::ModelCard;

use crate::WebError;
use crate::mdt::{Mdt, Refusal, permitted};
use accord_mdt::Permission;
use axum::http::{HeaderMap, Method, Uri};
use std::sync::Arc;

/// A loaded snapshot, ready to serve.
pub struct Site {
    snapshot: Snapshot,
    frameworks: Vec<Framework>,
    public: bool,
    /// Row positions by (framework, indicator, breakdown), in period then group order.
    index: HashMap<(String, String, String), Vec<usize>>,
    /// Funnel row positions by (framework, indicator, period end).
    funnels: HashMap<(String, String, NaiveDate), Vec<usize>>,
    /// The risk model's card, where the dashboard was given a model folder.
    risk: Option<ModelCard>,
    /// An evaluation's results, where the dashboard was given them.
    evaluation: Option<Evaluation>,
    /// The MDT workflow served beside the dashboard: for the navigation, and for its
    /// sign-in, which the pages of small numbers need.
    mdt: Option<Arc<Mdt>>,
    /// A partnership's own outcome-based contracts; without any, the built-in examples.
    outcome_contracts: Vec<accord_contracts::OutcomeContract>,
}

/// A figure as shown: exact, or in public mode with the disclosure rule applied (`None`
/// where a figure is withheld).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figure {
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub value: Option<f64>,
    pub lower95: Option<f64>,
    pub upper95: Option<f64>,
    pub lower998: Option<f64>,
    pub upper998: Option<f64>,
    /// Why a value is missing or withheld.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FrameworkSummary {
    pub id: String,
    pub name: String,
    pub version: String,
    pub partnership: String,
    pub description: String,
    pub indicators: usize,
}

/// An indicator's tile on the overview: its latest whole-population figure.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Tile {
    pub framework: String,
    pub id: String,
    pub name: String,
    pub unit: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub figure: Option<Figure>,
    /// Why there is no figure, where there is none.
    pub no_figure: Option<String>,
    /// `green`, `amber`, `red` or `grey`: against the target where there is one, else
    /// against the benchmark.
    pub rag: String,
    pub vs_target: Option<String>,
    pub vs_benchmark: Option<String>,
    pub trend: Option<String>,
    /// The board or workstream that owns it.
    pub owner: Option<String>,
    /// The whole-population values of every period, oldest first.
    pub sparkline: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OutcomeView {
    pub id: String,
    pub statement: String,
    pub owner: Option<String>,
    pub indicators: Vec<Tile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DomainView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub outcomes: Vec<OutcomeView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Overview {
    pub framework: FrameworkSummary,
    pub domains: Vec<DomainView>,
}

/// The filters of the indicator page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// The last day of the period to break down (default: the latest).
    pub period: Option<NaiveDate>,
    /// The breakdown to show (default: network).
    pub breakdown: Option<String>,
}

/// One period of the whole-population series.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub figure: Figure,
    pub vs_target: Option<String>,
    pub vs_benchmark: Option<String>,
    pub vs_year_earlier: Option<String>,
    pub trend: Option<String>,
}

/// One group of the chosen breakdown in the chosen period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupFigure {
    pub group: String,
    pub label: String,
    pub figure: Figure,
    /// Against the whole population.
    pub vs_population: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FunnelPoint {
    pub practice: String,
    pub label: String,
    pub denominator: f64,
    pub value: f64,
    /// `within`, `outside_95` or `outside_998`.
    pub position: String,
}

/// Practices' values against their denominators, with control limits around the
/// borough's value (Wilson for proportions, exact Poisson or Byar's for rates).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Funnel {
    pub centre: f64,
    pub points: Vec<FunnelPoint>,
    /// Denominator with the 95% and 99.8% limits at it, in increasing order.
    #[schema(value_type = Vec<Object>)]
    pub limits: Vec<FunnelLimit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TargetView {
    pub value: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BenchmarkView {
    pub label: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SqlView {
    pub name: String,
    pub sql: String,
}

/// Everything the indicator page shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IndicatorView {
    pub framework: String,
    pub framework_name: String,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub domain: String,
    pub outcome: String,
    pub owner: Option<String>,
    pub measure: String,
    pub unit: String,
    pub period_kind: String,
    pub polarity: String,
    pub target: Option<TargetView>,
    pub benchmark: Option<BenchmarkView>,
    pub national: Option<String>,
    pub series: Vec<SeriesPoint>,
    /// Why the series is empty, where it is.
    pub no_figure: Option<String>,
    pub periods: Vec<NaiveDate>,
    pub period: Option<NaiveDate>,
    pub breakdowns: Vec<String>,
    pub breakdown: String,
    pub groups: Vec<GroupFigure>,
    /// Whole-population figure of the chosen period (the breakdown's reference line).
    pub population: Option<Figure>,
    pub funnel: Option<Funnel>,
    /// The XmR chart of a monthly indicator's series (Making Data Count rules).
    #[schema(value_type = Option<Object>)]
    pub spc: Option<IndicatorSpc>,
    /// The deprivation gap and, for the latest period, the SII and RII.
    #[schema(value_type = Option<Object>)]
    pub inequality: Option<InequalityRow>,
    /// The indicator's block of its framework file.
    pub definition: String,
    pub sql: String,
    pub shared_tables: Vec<SqlView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PyramidBand {
    pub age_band: String,
    pub female: Option<f64>,
    pub male: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SegmentSize {
    pub segment: String,
    pub label: String,
    pub period_end: NaiveDate,
    pub people: Option<f64>,
    /// Spend and activity per person in the year.
    pub cost_per_person: Option<f64>,
    pub emergency_admissions_per_1000: Option<f64>,
    pub ae_attendances_per_1000: Option<f64>,
    pub gp_appointments_per_person: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Flow {
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub from_segment: String,
    pub to_segment: String,
    pub people: Option<f64>,
}

/// The filter of the population page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopulationQuery {
    /// The segment model (`life_course`, `west_london_tier`, `bridges_to_health`,
    /// `complex_needs`; default life course).
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SegmentLabel {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PopulationView {
    pub date: Option<NaiveDate>,
    pub total: Option<f64>,
    pub pyramid: Vec<PyramidBand>,
    pub models: Vec<String>,
    pub model: String,
    /// Segments in display order, with their labels.
    pub segments: Vec<SegmentLabel>,
    pub sizes: Vec<SegmentSize>,
    pub flows: Vec<Flow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthCount {
    pub month: NaiveDate,
    pub rows: Option<f64>,
}

/// Rows of one table (or activity setting) month by month, with the months that look
/// like gaps: no rows, or under half the series' median.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthlySeries {
    pub table: String,
    pub series: String,
    pub months: Vec<MonthCount>,
    pub gaps: Vec<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ColumnCompleteness {
    pub table: String,
    pub column: String,
    pub rows: Option<f64>,
    pub filled_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QualityView {
    pub months: Vec<NaiveDate>,
    pub series: Vec<MonthlySeries>,
    pub completeness: Vec<ColumnCompleteness>,
}

/// What the snapshot is and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct About {
    pub public: bool,
    #[schema(value_type = Object)]
    pub provenance: Provenance,
    /// What the refresh covered and how long it took.
    #[schema(value_type = Object)]
    pub run: Run,
    pub frameworks: Vec<FrameworkSummary>,
}

/// Breakdowns the indicator page offers before the others, in this order.
const DEFAULT_BREAKDOWN: &str = "network";

impl Site {
    /// Loads the snapshot folder at `dir`.
    pub fn load(dir: &Path, public: bool) -> Result<Site, WebError> {
        let snapshot = Snapshot::read(dir)?;
        Site::new(snapshot, public)
    }

    /// A site over `snapshot`; in public mode over its published copy, so that every page
    /// and API answer reads published figures only.
    pub fn new(snapshot: Snapshot, public: bool) -> Result<Site, WebError> {
        let snapshot = if public {
            accord_snapshot::publish(&snapshot)
        } else {
            snapshot
        };
        let mut frameworks = Vec::new();
        for (file, text) in &snapshot.framework_files {
            frameworks.push(
                Framework::parse(file, text).map_err(|e| WebError::Framework {
                    file: file.clone(),
                    message: e.to_string(),
                })?,
            );
        }
        let mut index: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        for (i, r) in snapshot.results.iter().enumerate() {
            index
                .entry((
                    r.framework.clone(),
                    r.indicator.clone(),
                    r.breakdown.clone(),
                ))
                .or_default()
                .push(i);
        }
        for rows in index.values_mut() {
            rows.sort_by(|a, b| {
                let (a, b) = (&snapshot.results[*a], &snapshot.results[*b]);
                (a.period_end, &a.group).cmp(&(b.period_end, &b.group))
            });
        }
        let mut funnels: HashMap<(String, String, NaiveDate), Vec<usize>> = HashMap::new();
        for (i, r) in snapshot.funnels.iter().enumerate() {
            funnels
                .entry((r.framework.clone(), r.indicator.clone(), r.period_end))
                .or_default()
                .push(i);
        }
        Ok(Site {
            snapshot,
            frameworks,
            public,
            index,
            funnels,
            risk: None,
            evaluation: None,
            outcome_contracts: Vec::new(),
            mdt: None,
        })
    }

    /// Shows this risk model's card on the risk page.
    pub fn with_risk_card(mut self, card: ModelCard) -> Site {
        self.risk = Some(card);
        self
    }

    /// The risk model's card. It describes one partnership's model and holds small
    /// subgroup counts, so it is for the partnership only: public mode does not serve it.
    pub(crate) fn risk(&self) -> Result<&ModelCard, WebError> {
        if self.public {
            return Err(WebError::NotFound(
                "the risk model card is for the partnership and is not published".into(),
            ));
        }
        self.risk.as_ref().ok_or_else(|| {
            WebError::NotFound(
                "no risk model: run `accord risk fit`, then serve with --risk-model".into(),
            )
        })
    }

    /// Shows these evaluation results on the evaluation page.
    pub fn with_evaluation(mut self, evaluation: Evaluation) -> Site {
        self.evaluation = Some(evaluation);
        self
    }

    /// The evaluation's results. Per-network results rest on small numbers, so, like the
    /// risk card, they are for the partnership: public mode does not serve them.
    pub(crate) fn evaluation(&self) -> Result<&Evaluation, WebError> {
        if self.public {
            return Err(WebError::NotFound(
                "the MDT evaluation is for the partnership and is not published".into(),
            ));
        }
        self.evaluation.as_ref().ok_or_else(|| {
            WebError::NotFound(
                "no evaluation: run `accord evaluate --out FILE`, then serve with --evaluation FILE"
                    .into(),
            )
        })
    }

    /// Links the navigation to the MDT workflow, served beside the dashboard, and signs
    /// in through it those who may read the evaluation and the risk model card.
    pub fn with_mdt(mut self, mdt: Arc<Mdt>) -> Site {
        if !self.public {
            self.mdt = Some(mdt);
        }
        self
    }

    /// Is the MDT workflow there to link to?
    pub(crate) fn has_mdt(&self) -> bool {
        self.mdt.is_some()
    }

    /// May this request see the small numbers of the evaluation and the risk model card?
    /// Only a signed-in coordinator or analyst, through the MDT workflow's sign-in; a
    /// dashboard served without it shows them to no one (the analyst has the files
    /// `accord evaluate` and `accord risk fit` wrote). Public mode never shows them.
    pub(crate) async fn small_numbers(
        &self,
        headers: &HeaderMap,
        method: &Method,
        uri: &Uri,
    ) -> Result<(), Refusal> {
        match &self.mdt {
            Some(mdt) => permitted(mdt, headers, method, uri, Permission::ReadSmallNumbers)
                .await
                .map(|_| ()),
            None => Err(Refusal::Unavailable),
        }
    }

    /// Is there an evaluation page to link to (to sign in for)?
    pub(crate) fn has_evaluation(&self) -> bool {
        self.evaluation().is_ok() && self.mdt.is_some()
    }

    /// Is there a risk page to link to (to sign in for)?
    pub(crate) fn has_risk(&self) -> bool {
        self.risk().is_ok() && self.mdt.is_some()
    }

    pub(crate) fn public(&self) -> bool {
        self.public
    }

    /// Serves these outcome-based contracts in place of the built-in examples.
    pub fn with_outcome_contracts(
        mut self,
        contracts: Vec<accord_contracts::OutcomeContract>,
    ) -> Site {
        self.outcome_contracts = contracts;
        self
    }

    /// The outcome-based contracts to serve: the partnership's own, else the built-in
    /// examples.
    pub(crate) fn outcome_contracts(&self) -> Vec<accord_contracts::OutcomeContract> {
        if !self.outcome_contracts.is_empty() {
            return self.outcome_contracts.clone();
        }
        accord_contracts::BUILTIN_OUTCOME_CONTRACTS
            .iter()
            .filter_map(|(id, _)| accord_contracts::load_outcome_contract(id).ok())
            .collect()
    }

    /// Spend, contracts and budgets, where the snapshot holds them (never in public mode:
    /// money has no disclosure rules yet).
    pub(crate) fn money(&self) -> Option<&accord_snapshot::money::MoneyResults> {
        self.snapshot().money.as_ref()
    }

    /// The snapshot served (in public mode, its published copy).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub(crate) fn about(&self) -> About {
        About {
            public: self.public,
            provenance: self.snapshot.summary.header.provenance.clone(),
            run: self.snapshot.summary.run.clone(),
            frameworks: self.frameworks(),
        }
    }

    pub(crate) fn frameworks(&self) -> Vec<FrameworkSummary> {
        self.frameworks.iter().map(|f| self.summary_of(f)).collect()
    }

    fn summary_of(&self, f: &Framework) -> FrameworkSummary {
        FrameworkSummary {
            id: f.id.clone(),
            name: f.name.clone(),
            version: f.version.clone(),
            partnership: f.partnership.clone(),
            description: f.description.clone(),
            indicators: f.indicators.len(),
        }
    }

    fn framework(&self, id: &str) -> Result<&Framework, WebError> {
        self.frameworks
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| WebError::NotFound(format!("no framework {id:?} in this snapshot")))
    }

    fn rows(
        &self,
        framework: &str,
        indicator: &str,
        breakdown: &str,
    ) -> impl Iterator<Item = &ResultRow> {
        self.index
            .get(&(
                framework.to_string(),
                indicator.to_string(),
                breakdown.to_string(),
            ))
            .into_iter()
            .flatten()
            .map(|i| &self.snapshot.results[*i])
    }

    /// A row's figures as this site shows them (in public mode, the published copy's:
    /// withheld counts are `None`).
    pub(crate) fn figure(&self, row: &ResultRow) -> Figure {
        Figure {
            numerator: shown(row.numerator),
            denominator: shown(row.denominator),
            value: row.value,
            lower95: row.lower95,
            upper95: row.upper95,
            lower998: row.lower998,
            upper998: row.upper998,
            note: row.note.clone(),
        }
    }

    /// A count as this site shows it (`None` where the published copy withholds it).
    pub(crate) fn count(&self, n: f64) -> Option<f64> {
        shown(n)
    }

    pub(crate) fn overview(&self, framework: &str) -> Result<Overview, WebError> {
        let f = self.framework(framework)?;
        let domains = f
            .domains
            .iter()
            .map(|d| DomainView {
                id: d.id.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
                outcomes: f
                    .outcomes_of(&d.id)
                    .map(|o| OutcomeView {
                        id: o.id.clone(),
                        statement: o.statement.clone(),
                        owner: o.owner.clone(),
                        indicators: f
                            .indicators
                            .iter()
                            .filter(|i| i.outcome == o.id)
                            .map(|i| self.tile(f, i, o.owner.clone()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Overview {
            framework: self.summary_of(f),
            domains,
        })
    }

    fn entry(&self, framework: &str, indicator: &str) -> Option<&IndicatorEntry> {
        self.snapshot
            .summary
            .indicators
            .iter()
            .find(|e| e.framework == framework && e.id == indicator)
    }

    fn tile(&self, f: &Framework, i: &Indicator, outcome_owner: Option<String>) -> Tile {
        let entry = self.entry(&f.id, &i.id);
        let latest = entry.and_then(|e| e.latest.as_ref());
        let figure = latest.map(|r| self.figure(r));
        let withheld = figure.as_ref().is_some_and(|f| f.value.is_none());
        let rag = if withheld {
            "grey"
        } else {
            rag(latest.and_then(|r| r.vs_target.as_deref().or(r.vs_benchmark.as_deref())))
        };
        Tile {
            framework: f.id.clone(),
            id: i.id.clone(),
            name: i.name.clone(),
            unit: entry.map(|e| e.unit.clone()).unwrap_or_default(),
            period_start: latest.map(|r| r.period_start),
            period_end: latest.map(|r| r.period_end),
            figure,
            no_figure: entry.and_then(|e| e.no_figure.clone()),
            rag: rag.to_string(),
            vs_target: latest.and_then(|r| r.vs_target.clone()),
            vs_benchmark: latest.and_then(|r| r.vs_benchmark.clone()),
            trend: latest.and_then(|r| r.trend.clone()),
            owner: i.owner.clone().or(outcome_owner),
            sparkline: self
                .rows(&f.id, &i.id, "all")
                .map(|r| self.figure(r).value)
                .collect(),
        }
    }

    pub(crate) fn indicator(
        &self,
        framework: &str,
        indicator: &str,
        query: &IndicatorQuery,
    ) -> Result<IndicatorView, WebError> {
        let f = self.framework(framework)?;
        let i = f.indicator(indicator).ok_or_else(|| {
            WebError::NotFound(format!(
                "no indicator {indicator:?} in framework {framework:?}"
            ))
        })?;
        let entry = self.entry(framework, indicator).ok_or_else(|| {
            WebError::NotFound(format!(
                "indicator {framework}/{indicator} was not refreshed"
            ))
        })?;
        let outcome = f.outcomes.iter().find(|o| o.id == i.outcome);
        let all: Vec<&ResultRow> = self.rows(framework, indicator, "all").collect();
        let periods: Vec<NaiveDate> = all.iter().map(|r| r.period_end).collect();
        let period = match query.period {
            Some(p) if periods.contains(&p) => Some(p),
            Some(p) => {
                return Err(WebError::BadRequest(format!(
                    "period: {p} is not a period end of this indicator (try one of {})",
                    periods
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            None => periods.last().copied(),
        };
        let breakdowns: Vec<String> = i
            .breakdowns
            .iter()
            .map(|b| b.code().to_string())
            .filter(|b| b != "all")
            .collect();
        let breakdown = match &query.breakdown {
            Some(b) if breakdowns.contains(b) => b.clone(),
            Some(b) => {
                return Err(WebError::BadRequest(format!(
                    "breakdown: {b:?} is not a breakdown of this indicator (try one of {})",
                    breakdowns.join(", ")
                )));
            }
            None if breakdowns.iter().any(|b| b == DEFAULT_BREAKDOWN) => DEFAULT_BREAKDOWN.into(),
            None => breakdowns.first().cloned().unwrap_or_else(|| "all".into()),
        };
        let groups = self
            .rows(framework, indicator, &breakdown)
            .filter(|r| Some(r.period_end) == period)
            .map(|r| GroupFigure {
                group: r.group.clone(),
                label: self.group_label(&breakdown, &r.group),
                figure: self.figure(r),
                vs_population: r.vs_benchmark.clone(),
            })
            .collect();
        let population = all
            .iter()
            .find(|r| Some(r.period_end) == period)
            .map(|r| self.figure(r));
        let inequality = self
            .snapshot
            .inequality
            .iter()
            .filter(|g| g.framework == framework && g.indicator == indicator)
            .find(|g| Some(g.period_end) == period)
            .cloned();
        Ok(IndicatorView {
            framework: f.id.clone(),
            framework_name: f.name.clone(),
            id: i.id.clone(),
            name: i.name.clone(),
            description: i.description.clone(),
            domain: f
                .domains
                .iter()
                .find(|d| Some(&d.id) == outcome.map(|o| &o.domain))
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            outcome: outcome.map(|o| o.statement.clone()).unwrap_or_default(),
            owner: i
                .owner
                .clone()
                .or_else(|| outcome.and_then(|o| o.owner.clone())),
            measure: entry.measure.clone(),
            unit: entry.unit.clone(),
            period_kind: entry.period_kind.clone(),
            polarity: entry.polarity.clone(),
            target: i.target.map(|t| match t {
                Target::Value(v) => TargetView {
                    value: Some(v),
                    lower: None,
                    upper: None,
                },
                Target::Range { lower, upper } => TargetView {
                    value: None,
                    lower: Some(lower),
                    upper: Some(upper),
                },
            }),
            benchmark: i.benchmark.as_ref().map(|b| BenchmarkView {
                label: b.label.clone(),
                value: b.value,
            }),
            national: i
                .national
                .as_ref()
                .map(|n| format!("{} {}", n.framework.code(), n.code)),
            series: all
                .iter()
                .map(|r| SeriesPoint {
                    period_start: r.period_start,
                    period_end: r.period_end,
                    figure: self.figure(r),
                    vs_target: r.vs_target.clone(),
                    vs_benchmark: r.vs_benchmark.clone(),
                    vs_year_earlier: r.vs_year_earlier.clone(),
                    trend: r.trend.clone(),
                })
                .collect(),
            no_figure: entry.no_figure.clone(),
            periods,
            period,
            breakdowns,
            breakdown,
            groups,
            population,
            funnel: period.and_then(|p| self.funnel(framework, indicator, p)),
            spc: entry.spc.clone(),
            inequality,
            definition: self.snapshot.definition_text(entry),
            sql: entry.sql.clone(),
            shared_tables: self
                .snapshot
                .summary
                .shared_tables
                .iter()
                .filter(|t| entry.reads.contains(&t.name))
                .map(|t| SqlView {
                    name: t.name.clone(),
                    sql: t.sql.clone(),
                })
                .collect(),
        })
    }

    /// The practices' funnel of one period, as the snapshot holds it: proportions and crude
    /// rates have one, other measures none.
    fn funnel(&self, framework: &str, indicator: &str, period: NaiveDate) -> Option<Funnel> {
        let rows: Vec<&FunnelRow> = self
            .funnels
            .get(&(framework.to_string(), indicator.to_string(), period))?
            .iter()
            .map(|&i| &self.snapshot.funnels[i])
            .collect();
        Some(Funnel {
            centre: rows.first()?.centre,
            limits: rows
                .iter()
                .filter(|r| r.practice.is_none())
                .map(|r| FunnelLimit {
                    denominator: r.denominator,
                    lower95: r.lower95,
                    upper95: r.upper95,
                    lower998: r.lower998,
                    upper998: r.upper998,
                })
                .collect(),
            points: rows
                .iter()
                .filter_map(|r| {
                    let practice = r.practice.as_ref()?;
                    Some(FunnelPoint {
                        practice: practice.clone(),
                        label: self.group_label("practice", practice),
                        denominator: r.denominator,
                        value: r.value?,
                        position: r.position?.code().into(),
                    })
                })
                .collect(),
        })
    }

    /// A group's name for people: areas by name, codes in words.
    pub(crate) fn group_label(&self, breakdown: &str, group: &str) -> String {
        if let Some(name) = self.snapshot.summary.area_names.get(group)
            && matches!(breakdown, "locality" | "network" | "practice")
        {
            return name.clone();
        }
        segment_label(breakdown, group)
    }

    pub(crate) fn population(&self, query: &PopulationQuery) -> Result<PopulationView, WebError> {
        let profile = &self.snapshot.summary.profile;
        // The segment models are those the profile holds, in its order.
        let mut models: Vec<&str> = Vec::new();
        for s in &profile.segments {
            if !models.contains(&s.model.as_str()) {
                models.push(&s.model);
            }
        }
        let model = match query.model.as_deref() {
            None => models
                .iter()
                .copied()
                .find(|m| *m == "life_course")
                .or_else(|| models.first().copied())
                .unwrap_or_default(),
            Some(m) if models.contains(&m) => m,
            Some(m) => {
                return Err(WebError::BadRequest(format!(
                    "model: {m:?} is not a segment model (try one of {})",
                    models.join(", ")
                )));
            }
        };
        let mut bands: BTreeMap<usize, PyramidBand> = BTreeMap::new();
        // In public mode, the total of the published bands (a withheld band is not in it).
        let mut total = 0.0;
        for b in &profile.population {
            total += shown(b.people).unwrap_or(0.0);
            let order = b
                .age_band
                .split(['-', '+'])
                .next()
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let band = bands.entry(order).or_insert_with(|| PyramidBand {
                age_band: b.age_band.clone(),
                female: Some(0.0),
                male: Some(0.0),
            });
            match b.sex.as_str() {
                "F" => band.female = self.count(b.people),
                "M" => band.male = self.count(b.people),
                _ => {}
            }
        }
        let segments: BTreeSet<&str> = profile
            .segments
            .iter()
            .filter(|s| s.model == model)
            .map(|s| s.segment.as_str())
            .collect();
        let sizes = profile
            .segments
            .iter()
            .filter(|s| s.model == model)
            .map(|s| {
                let people = self.count(s.people);
                let per = |x: f64, k: f64| people.filter(|p| *p > 0.0).map(|_| x / s.people * k);
                SegmentSize {
                    segment: s.segment.clone(),
                    label: segment_label(model, &s.segment),
                    period_end: s.period_end,
                    people,
                    cost_per_person: per(s.cost_gbp, 1.0),
                    emergency_admissions_per_1000: per(s.emergency_admissions, 1000.0),
                    ae_attendances_per_1000: per(s.ae_attendances, 1000.0),
                    gp_appointments_per_person: per(s.gp_appointments, 1.0),
                }
            })
            .collect();
        let flows = profile
            .flows
            .iter()
            .filter(|f| f.model == model)
            .map(|f| Flow {
                from_date: f.from_date,
                to_date: f.to_date,
                from_segment: f.from_segment.clone(),
                to_segment: f.to_segment.clone(),
                people: self.count(f.people),
            })
            .collect();
        let ordered: Vec<SegmentLabel> = segments
            .iter()
            .chain([&NOT_REGISTERED])
            .map(|s| SegmentLabel {
                code: s.to_string(),
                label: segment_label(model, s),
            })
            .collect();
        Ok(PopulationView {
            date: profile.population_date,
            total: self.count(total),
            pyramid: bands.into_values().collect(),
            models: models.iter().map(|m| m.to_string()).collect(),
            model: model.to_string(),
            segments: ordered,
            sizes,
            flows,
        })
    }

    pub(crate) fn quality(&self) -> QualityView {
        let profile = &self.snapshot.summary.profile;
        let months: BTreeSet<NaiveDate> = profile.monthly_rows.iter().map(|m| m.month).collect();
        let months: Vec<NaiveDate> = months.into_iter().collect();
        let mut by_series: BTreeMap<(&str, &str), HashMap<NaiveDate, f64>> = BTreeMap::new();
        for m in &profile.monthly_rows {
            by_series
                .entry((m.table.as_str(), m.series.as_str()))
                .or_default()
                .insert(m.month, shown(m.rows).unwrap_or(0.0));
        }
        let series = by_series
            .into_iter()
            .map(|((table, series), counts)| {
                let mut sorted: Vec<f64> = months
                    .iter()
                    .map(|m| counts.get(m).copied().unwrap_or(0.0))
                    .collect();
                sorted.sort_by(f64::total_cmp);
                let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
                MonthlySeries {
                    table: table.to_string(),
                    series: series.to_string(),
                    months: months
                        .iter()
                        .map(|m| MonthCount {
                            month: *m,
                            rows: self.count(counts.get(m).copied().unwrap_or(0.0)),
                        })
                        .collect(),
                    gaps: months
                        .iter()
                        .filter(|m| counts.get(m).copied().unwrap_or(0.0) < median / 2.0)
                        .copied()
                        .collect(),
                }
            })
            .collect();
        let completeness = profile
            .completeness
            .iter()
            .map(|c| ColumnCompleteness {
                table: c.table.clone(),
                column: c.column.clone(),
                rows: self.count(c.rows),
                filled_percent: (c.rows > 0.0 && self.count(c.rows).is_some())
                    .then(|| c.filled / c.rows * 100.0),
            })
            .collect();
        QualityView {
            months,
            series,
            completeness,
        }
    }
}

/// Red, amber, green or grey for a comparison code.
fn rag(comparison: Option<&str>) -> &'static str {
    match comparison {
        Some("better" | "best") => "green",
        Some("similar") => "amber",
        Some("worse" | "worst") => "red",
        _ => "grey",
    }
}

/// The label a built-in segmentation model file gives a segment.
fn model_label(model: &str, segment: &str) -> Option<String> {
    static MODELS: std::sync::OnceLock<Vec<accord_cohort::SegmentModel>> =
        std::sync::OnceLock::new();
    MODELS
        .get_or_init(accord_cohort::segment::builtin)
        .iter()
        .find(|m| m.id == model)?
        .segments
        .iter()
        .find(|s| s.id == segment)
        .map(|s| s.label.clone())
}

/// Words for a breakdown's group code.
pub fn segment_label(breakdown: &str, group: &str) -> String {
    if let Some(label) = model_label(breakdown, group) {
        return label;
    }
    match (breakdown, group) {
        (_, "all") => "Everyone".into(),
        (_, NOT_REGISTERED) => "Not registered (joined, left or died)".into(),
        ("sex", "F") => "Female".into(),
        ("sex", "M") => "Male".into(),
        ("sex", "U") => "Not known".into(),
        ("imd_quintile", "1") => "1 (most deprived)".into(),
        ("imd_quintile", "5") => "5 (least deprived)".into(),
        _ => {
            let text = group.replace('_', " ");
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_map_to_rag_colours() {
        assert_eq!(rag(Some("better")), "green");
        assert_eq!(rag(Some("best")), "green");
        assert_eq!(rag(Some("similar")), "amber");
        assert_eq!(rag(Some("worst")), "red");
        assert_eq!(rag(Some("higher")), "grey");
        assert_eq!(rag(None), "grey");
    }

    #[test]
    fn group_codes_read_as_words() {
        assert_eq!(segment_label("sex", "F"), "Female");
        assert_eq!(segment_label("imd_quintile", "1"), "1 (most deprived)");
        assert_eq!(segment_label("imd_quintile", "3"), "3");
        assert_eq!(segment_label("life_course", "growing_old"), "Growing old");
        assert_eq!(segment_label("ethnic_group", "asian"), "Asian");
        assert_eq!(segment_label("network", "all"), "Everyone");
        assert_eq!(
            segment_label("west_london_tier", "tier_0"),
            "Tier 0: mostly healthy"
        );
        assert_eq!(
            segment_label("bridges_to_health", "organ_failure"),
            "Limited reserve with serious exacerbations"
        );
    }
}
