//! The emergency-admission risk model: built, validated and described as docs/methods.md asks.
//! Features at a development date D are fitted against an emergency admission in the 365
//! days after D; the model is then validated on features at T = D + 12 months against the
//! year after T (temporal validation), and, as a second check, refitted on a stratified 75%
//! of the development cohort and tested on the other 25%. The model card records all of it.

use crate::{
    Design, LogisticFit, Performance, auc_delong, evaluate, fit_logistic, stratified_split,
};
use serde::{Deserialize, Serialize};

use crate::RiskModelError;
use crate::features::{
    Feature, Holding, REFERENCES, all_features, design, features_named, imd_quintile,
};
use accord_cohort::at::{
    PersonAt, Population, day_text, emergency_admission_within_year, months_before, population_on,
    year_from,
};
use accord_dataset::artifact::{Artifact, Header, Provenance, is_artifact, read_artifact, to_json};
use accord_dataset::{OutputKind, Shape};
use accord_model::dates;

use accord_cohort::Histories;
use accord_cohort::frailty::{Deficit, NOT_EXPRESSIBLE};

/// The version of the model file and card layout.
/// The format of the model and card this build writes and reads: 2 since they carry the
/// results header.
pub const MODEL_FORMAT: u32 = 2;

/// What fits the model, in its provenance.
pub const ENGINE: &str = "accord-cohort (logistic regression by IRLS)";

impl Artifact for RiskModel {
    const KIND: &'static str = "risk model";
    const FORMAT: u32 = MODEL_FORMAT;
}

impl Artifact for ModelCard {
    const KIND: &'static str = "risk model card";
    const FORMAT: u32 = MODEL_FORMAT;
}
/// An indicator column is kept only with at least this many events and non-events among
/// the people it marks: fewer cannot be estimated (or separate the outcome).
pub const MIN_PER_CLASS: usize = 10;

/// The files of a model folder written by `accord risk fit`.
pub const MODEL_FILE: &str = "model.json";
/// The model card, as JSON.
pub const CARD_JSON: &str = "model_card.json";
/// The model card, as Markdown for people.
pub const CARD_MARKDOWN: &str = "model_card.md";

/// A model folder as an output: `model.json` marks it, beside its card.
pub const MODEL_OUTPUT: OutputKind = OutputKind {
    name: "risk model",
    shape: Shape::Folder {
        marker: MODEL_FILE,
        recognise: is_artifact::<RiskModel>,
        owns: |path| [MODEL_FILE, CARD_JSON, CARD_MARKDOWN].contains(&path),
    },
};

/// Writes a model folder at `destination` in one atomic step: the model, and its card as
/// JSON and as Markdown.
pub fn write_model(
    destination: &accord_dataset::Destination,
    model: &RiskModel,
    card: &ModelCard,
) -> Result<(), RiskModelError> {
    let json = |text: serde_json::Result<String>, file: &str| {
        text.map_err(|e| RiskModelError::ModelFile {
            path: destination.path.join(file).display().to_string(),
            message: e.to_string(),
        })
    };
    let files = [
        (MODEL_FILE, json(to_json(model), MODEL_FILE)?),
        (CARD_JSON, json(to_json(card), CARD_JSON)?),
        (CARD_MARKDOWN, crate::card::render(card)),
    ];
    accord_dataset::write_folder_atomically(destination, |staging| -> Result<(), RiskModelError> {
        for (file, text) in &files {
            accord_dataset::write_file_atomically(&staging.join(file), text.as_bytes())?;
        }
        Ok(())
    })
}

/// Reads the model of a model folder.
pub fn read_model(dir: &std::path::Path) -> Result<RiskModel, RiskModelError> {
    let model: RiskModel = read_artifact(&dir.join(MODEL_FILE))?;
    let refused = |message: String| RiskModelError::ModelFile {
        path: dir.join(MODEL_FILE).display().to_string(),
        message,
    };
    // A score adds each column's coefficient where the column holds: a column this version
    // cannot compute, or a coefficient without its column, would shift every score.
    let fit = &model.fit;
    if fit.coefficients.len() != fit.names.len() {
        return Err(refused(format!(
            "the numbers of columns ({}) and coefficients ({}) differ: fit the model again",
            fit.names.len(),
            fit.coefficients.len()
        )));
    }
    let known = all_features();
    if let Some(unknown) = fit
        .names
        .iter()
        .find(|name| !known.iter().any(|f| &f.name == *name))
    {
        return Err(refused(format!(
            "column `{unknown}` is not a risk feature this version computes: fit the model again"
        )));
    }
    Ok(model)
}

/// Reads the model card of a model folder.
pub fn read_card(dir: &std::path::Path) -> Result<ModelCard, RiskModelError> {
    Ok(read_artifact(&dir.join(CARD_JSON))?)
}

/// A fitted model, as saved and used for scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskModel {
    /// The envelope: format and provenance.
    pub header: Header,
    /// The outcome predicted, in words.
    pub outcome: String,
    /// Features were taken on this date, the outcome in the 365 days after it.
    pub development_date: String,
    /// The fitted logistic regression.
    pub fit: LogisticFit,
    /// Labels of the fitted columns, in order.
    pub labels: Vec<String>,
}

impl RiskModel {
    fn features(&self) -> Vec<Feature> {
        features_named(&self.fit.names)
    }

    /// Scores for people on a date.
    pub fn score(&self, people: &[PersonAt], histories: &Histories) -> Vec<f64> {
        let scorer = self.scorer();
        people.iter().map(|p| scorer.score(p, histories)).collect()
    }

    /// A scorer of one person at a time.
    pub fn scorer(&self) -> Scorer<'_> {
        let mut features = self.features();
        features.truncate(self.fit.coefficients.len());
        Scorer {
            fit: &self.fit,
            holding: Holding::of(&features),
            features,
        }
    }

    /// The largest positive contributions to a person's log-odds, in words, largest first.
    pub fn reasons(&self, person: &PersonAt, histories: &Histories, most: usize) -> Vec<String> {
        let features = self.features();
        let mut contributions: Vec<(f64, &Feature)> = features
            .iter()
            .zip(&self.fit.coefficients)
            .skip(1)
            .filter(|(f, b)| **b > 0.0 && f.holds(person, histories))
            .map(|(f, b)| (*b, f))
            .collect();
        contributions.sort_by(|a, b| b.0.total_cmp(&a.0));
        contributions
            .iter()
            .take(most)
            .map(|(b, f)| format!("{} (odds ×{:.1})", f.label, b.exp()))
            .collect()
    }
}

/// Scores people one at a time without a design matrix: the model's sum over its features,
/// in the design's order, so the same as `predict` on the person's design row. The columns
/// are 0 or 1, so the sum adds the coefficients of those that are 1: leaving out a zero
/// product leaves the sum as it was.
pub struct Scorer<'a> {
    fit: &'a LogisticFit,
    features: Vec<Feature>,
    /// The features' table, where there is one: which hold, found at once.
    holding: Option<Holding>,
}

impl Scorer<'_> {
    /// The predicted probability for a person on the date they were taken on.
    pub fn score(&self, person: &PersonAt, histories: &Histories) -> f64 {
        let coefficients = &self.fit.coefficients;
        let log_odds = match &self.holding {
            Some(holding) => {
                // In ascending order of the set bits: the design's order.
                let mut bits = holding.holding(person, histories);
                std::iter::from_fn(|| {
                    (bits != 0).then(|| {
                        let j = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        coefficients[j]
                    })
                })
                .sum()
            }
            None => self
                .features
                .iter()
                .zip(coefficients)
                .filter(|(f, _)| f.holds(person, histories))
                .map(|(_, b)| b)
                .sum(),
        };
        crate::logistic::logistic(log_odds)
    }
}

/// A cohort: the people on a date and whether each had the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CohortSummary {
    /// People.
    pub n: usize,
    /// Of them, people who had the outcome.
    pub events: usize,
    /// Events over people.
    pub prevalence: f64,
}

/// AUC and observed/expected in one subgroup of the validation cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubgroupRow {
    /// The breakdown (sex, age band, IMD quintile, ...).
    pub by: String,
    /// The group within it.
    pub group: String,
    /// People.
    pub n: usize,
    /// Of them, people who had the outcome.
    pub events: usize,
    /// None where the group has no events or no non-events.
    pub auc: Option<f64>,
    /// Observed over expected in the group.
    pub observed_over_expected: f64,
}

/// One coefficient as an odds ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoefficientRow {
    /// The column's name.
    pub name: String,
    /// What it means, in words.
    pub label: String,
    /// The fitted log odds ratio.
    pub coefficient: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// The odds ratio.
    pub odds_ratio: f64,
    /// The odds ratio's 95% interval, lower end.
    pub lower: f64,
    /// The odds ratio's 95% interval, upper end.
    pub upper: f64,
}

/// The model card: everything docs/methods.md lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// The envelope: format and provenance.
    pub header: Header,
    /// The outcome predicted, in words.
    pub outcome: String,
    /// Who is scored, in words.
    pub population: String,
    /// How the model is fitted, in words.
    pub method: String,
    /// The first day of data the features could see.
    pub data_start: String,
    /// The day features were taken for development.
    pub development_date: String,
    /// The development cohort.
    pub development: CohortSummary,
    /// Days of history before the development date that feature windows could see (365 or
    /// more means the full 12 months).
    pub lookback_days: i32,
    /// The seed of the random split.
    pub seed: u64,
    /// None where the data end less than a year after the validation date.
    pub validation_date: Option<String>,
    /// Performance on the temporal validation cohort, where the data allow one.
    pub temporal: Option<Performance>,
    /// Performance on the held-out part of a random split.
    pub split: Performance,
    /// The training part of that split.
    pub split_train: CohortSummary,
    /// The AUC on the development cohort itself (optimistic).
    pub apparent_auc: f64,
    /// AUC and observed over expected by subgroup.
    pub subgroups: Vec<SubgroupRow>,
    /// Every coefficient, as an odds ratio.
    pub coefficients: Vec<CoefficientRow>,
    /// The methods' references.
    pub references: String,
    /// Features left out because they could not be estimated, and why.
    pub dropped: Vec<String>,
    /// The eFI deficits the dataset can express.
    pub frailty_deficits: Vec<String>,
    /// The eFI deficits it cannot.
    pub frailty_not_expressible: Vec<String>,
    /// What a reader must know.
    pub notes: Vec<String>,
}

/// Options for `train`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// The temporal validation date T; features for development are taken 12 months earlier.
    pub validation_day: i32,
    /// The seed of the random split.
    pub seed: u64,
}

impl TrainOptions {
    /// The latest T whose following year is inside the data.
    pub fn latest(histories: &Histories, seed: u64) -> TrainOptions {
        TrainOptions {
            validation_day: histories.extract_day - 365,
            seed,
        }
    }
}

/// People on a date with their outcomes.
struct Cohort {
    population: Population,
    outcomes: Vec<f64>,
}

impl Cohort {
    fn on(histories: &Histories, day: i32) -> Cohort {
        let population = population_on(histories, day);
        let outcomes = population
            .people
            .iter()
            .map(|p| {
                f64::from(u8::from(emergency_admission_within_year(
                    &histories.history(p.person),
                    day,
                )))
            })
            .collect();
        Cohort {
            population,
            outcomes,
        }
    }

    fn summary(&self) -> CohortSummary {
        summary(&self.outcomes)
    }
}

fn summary(outcomes: &[f64]) -> CohortSummary {
    let events = outcomes.iter().filter(|y| **y == 1.0).count();
    CohortSummary {
        n: outcomes.len(),
        events,
        prevalence: events as f64 / outcomes.len().max(1) as f64,
    }
}

/// Features whose columns can be estimated on this design: the intercept, and indicators
/// with at least `MIN_PER_CLASS` events and non-events among the people they mark.
fn estimable(features: &[Feature], design: &Design, outcomes: &[f64]) -> (Vec<usize>, Vec<String>) {
    let p = design.columns();
    let mut events = vec![0usize; p];
    let mut marked = vec![0usize; p];
    for (row, y) in design.iter_rows().zip(outcomes) {
        for (j, x) in row.iter().enumerate() {
            if *x != 0.0 {
                marked[j] += 1;
                if *y == 1.0 {
                    events[j] += 1;
                }
            }
        }
    }
    let mut keep = vec![0];
    let mut dropped = Vec::new();
    for j in 1..p {
        if events[j] >= MIN_PER_CLASS && marked[j] - events[j] >= MIN_PER_CLASS {
            keep.push(j);
        } else {
            dropped.push(format!(
                "{} ({} people, {} with the outcome)",
                features[j].name, marked[j], events[j]
            ));
        }
    }
    (keep, dropped)
}

fn select_columns(design: &Design, columns: &[usize]) -> Design {
    let names = columns.iter().map(|&j| design.names()[j].clone()).collect();
    let values = design
        .iter_rows()
        .flat_map(|row| columns.iter().map(move |&j| row[j]))
        .collect();
    Design::from_values(names, values).unwrap_or_else(|_| Design::new(Vec::new()))
}

/// How long `train` took: the development cohort's features, its fit, and everything
/// (both cohorts, three fits, scoring and every card measure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainTimings {
    /// Seconds building the development cohort's features.
    pub features_seconds: f64,
    /// Seconds fitting its model.
    pub fit_seconds: f64,
    /// Seconds for everything.
    pub total_seconds: f64,
}

/// What `train` gives: the model, its card, and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The model.
    pub model: RiskModel,
    /// Its card.
    pub card: ModelCard,
    /// How long it took.
    pub timings: TrainTimings,
}

/// Fits, validates and describes the model.
pub fn train(histories: &Histories, options: TrainOptions) -> Result<Trained, RiskModelError> {
    let validation_day = options.validation_day;
    let development_day = months_before(validation_day, 12);
    if development_day + 365 > histories.extract_day || development_day < histories.data_start {
        return Err(RiskModelError::Dates(format!(
            "the development date {} needs data from {} (12 months before) to {} (a year after); the data run from {} to {}",
            day_text(development_day),
            day_text(year_from(development_day)),
            day_text(development_day + 365),
            day_text(histories.data_start),
            day_text(histories.extract_day)
        )));
    }
    let started = std::time::Instant::now();
    let development = Cohort::on(histories, development_day);
    let all = all_features();
    let full = design(&all, &development.population.people, histories);
    let (columns, dropped) = estimable(&all, &full, &development.outcomes);
    let features: Vec<Feature> = columns.iter().map(|&j| all[j].clone()).collect();
    let x = select_columns(&full, &columns);
    let features_seconds = started.elapsed().as_secs_f64();
    let fitting = std::time::Instant::now();
    let fit = fit_logistic(&x, &development.outcomes, None)?;
    let fit_seconds = fitting.elapsed().as_secs_f64();
    let apparent = fit.predict_all(&x);
    let apparent_auc = auc_delong(&apparent, &development.outcomes)?.auc;

    // Second check: refit on a stratified 75%, test on the other 25%.
    let (train_rows, test_rows) = stratified_split(&development.outcomes, 0.25, options.seed);
    let pick = |rows: &[usize]| {
        rows.iter()
            .map(|&r| development.outcomes[r])
            .collect::<Vec<_>>()
    };
    let split_fit = fit_logistic(&x.select_rows(&train_rows), &pick(&train_rows), None)?;
    let split = evaluate(
        &split_fit.predict_all(&x.select_rows(&test_rows)),
        &pick(&test_rows),
        options.seed,
    )?;

    let provenance = Provenance::now(
        ENGINE,
        &histories.dataset,
        &histories.fingerprint,
        dates::from_days(histories.extract_day).unwrap_or_default(),
    );
    let model = RiskModel {
        header: RiskModel::new_header(provenance.clone()),
        outcome: OUTCOME.into(),
        development_date: day_text(development_day),
        labels: features.iter().map(|f| f.label.clone()).collect(),
        fit,
    };

    let mut notes = vec![
        "Scaled Brier = 1 − Brier / (ȳ(1 − ȳ)) with the observed prevalence ȳ (PatientLevelPrediction scales by the mean prediction instead).".to_string(),
        "Ties at the case-finding cuts are broken in a random order drawn from the seed.".to_string(),
        "The frailty index is eFI-style: only the deficits the dataset can express are counted, over the eFI's 36, so it can only under-count.".to_string(),
        "People with earlier admissions are kept: prior admissions are the strongest predictor.".to_string(),
    ];
    let (temporal, subgroups, validation_date) = if validation_day + 365 <= histories.extract_day {
        let validation = Cohort::on(histories, validation_day);
        let predicted = model.score(&validation.population.people, histories);
        let performance = evaluate(&predicted, &validation.outcomes, options.seed)?;
        let subgroups = subgroups(histories, &validation, &predicted);
        (Some(performance), subgroups, Some(day_text(validation_day)))
    } else {
        notes.push(format!(
            "No temporal validation: the data end on {}, less than a year after {}.",
            day_text(histories.extract_day),
            day_text(validation_day)
        ));
        (None, Vec::new(), None)
    };
    let lookback_days = development_day - histories.data_start + 1;
    if lookback_days < 365 {
        notes.push(format!(
            "Features at the development date see only {lookback_days} days of history, not 12 months."
        ));
    }
    let card = ModelCard {
        header: ModelCard::new_header(provenance),
        outcome: OUTCOME.into(),
        population: "everyone registered with a practice and alive on the date".into(),
        method: "unpenalised logistic regression by maximum likelihood (IRLS), as statsmodels Logit and scikit-learn LogisticRegression(penalty=None)".into(),
        data_start: day_text(histories.data_start),
        development_date: day_text(development_day),
        development: development.summary(),
        lookback_days,
        seed: options.seed,
        validation_date,
        temporal,
        split,
        split_train: summary(&pick(&train_rows)),
        apparent_auc,
        subgroups,
        coefficients: model
            .fit
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (odds_ratio, lower, upper) = model.fit.odds_ratio(i);
                CoefficientRow {
                    name: name.clone(),
                    label: model.labels[i].clone(),
                    coefficient: model.fit.coefficients[i],
                    standard_error: model.fit.standard_errors[i],
                    odds_ratio,
                    lower,
                    upper,
                }
            })
            .collect(),
        references: REFERENCES.into(),
        dropped,
        frailty_deficits: Deficit::ALL
            .iter()
            .map(|d| format!("{}: {}", d.name(), d.rule()))
            .collect(),
        frailty_not_expressible: NOT_EXPRESSIBLE.iter().map(|s| s.to_string()).collect(),
        notes,
    };
    let timings = TrainTimings {
        features_seconds,
        fit_seconds,
        total_seconds: started.elapsed().as_secs_f64(),
    };
    Ok(Trained {
        model,
        card,
        timings,
    })
}

/// The model's design on a date, with each person's outcome (for export and checks).
pub fn design_on(histories: &Histories, model: &RiskModel, day: i32) -> (Design, Vec<f64>) {
    let cohort = Cohort::on(histories, day);
    (
        design(&model.features(), &cohort.population.people, histories),
        cohort.outcomes,
    )
}

const OUTCOME: &str = "at least one emergency admission (apc_nel) in the 365 days after the date";

/// A person's group within one subgroup breakdown.
type GroupKey<'a> = Box<dyn Fn(&PersonAt) -> String + 'a>;

/// AUC and O/E by age band, sex, IMD quintile, ethnic group and network.
fn subgroups(histories: &Histories, cohort: &Cohort, predicted: &[f64]) -> Vec<SubgroupRow> {
    let people = &cohort.population.people;
    let groupings: [(&str, GroupKey<'_>); 5] = [
        (
            "age_band",
            Box::new(|p: &PersonAt| {
                match p.age {
                    ..=17 => "0-17",
                    18..=64 => "18-64",
                    65..=79 => "65-79",
                    _ => "80+",
                }
                .to_string()
            }),
        ),
        (
            "sex",
            Box::new(|p: &PersonAt| histories.people[p.person].sex.as_str().to_string()),
        ),
        (
            "imd_quintile",
            Box::new(|p: &PersonAt| {
                imd_quintile(histories.people[p.person].imd_decile).to_string()
            }),
        ),
        (
            "ethnic_group",
            Box::new(|p: &PersonAt| histories.people[p.person].ethnic_group.as_str().to_string()),
        ),
        (
            "network",
            Box::new(|p: &PersonAt| histories.network_of(p.practice).to_string()),
        ),
    ];
    let mut rows = Vec::new();
    for (by, key) in groupings {
        let keys: Vec<String> = people.iter().map(&key).collect();
        let mut groups: Vec<&String> = keys.iter().collect();
        groups.sort();
        groups.dedup();
        for group in groups {
            let members: Vec<usize> = (0..people.len()).filter(|&i| &keys[i] == group).collect();
            let scores: Vec<f64> = members.iter().map(|&i| predicted[i]).collect();
            let outcomes: Vec<f64> = members.iter().map(|&i| cohort.outcomes[i]).collect();
            let events = outcomes.iter().filter(|y| **y == 1.0).count();
            rows.push(SubgroupRow {
                by: by.to_string(),
                group: group.clone(),
                n: members.len(),
                events,
                auc: auc_delong(&scores, &outcomes).ok().map(|a| a.auc),
                observed_over_expected: events as f64 / scores.iter().sum::<f64>(),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_model(names: &[&str], coefficients: Vec<f64>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let model = RiskModel {
            header: RiskModel::new_header(Provenance::now("test", "test", "test", date)),
            outcome: "emergency admission".into(),
            development_date: "2025-03-31".into(),
            fit: LogisticFit {
                names: names.iter().map(|n| n.to_string()).collect(),
                standard_errors: vec![0.1; coefficients.len()],
                coefficients,
                log_likelihood: -1.0,
                iterations: 3,
            },
            labels: Vec::new(),
        };
        std::fs::write(
            dir.path().join(MODEL_FILE),
            serde_json::to_string(&model).unwrap(),
        )
        .unwrap();
        dir
    }

    #[test]
    fn a_model_whose_columns_cannot_be_computed_is_refused_by_name() {
        let good = write_model(&["intercept", "male"], vec![-2.0, 0.3]);
        assert!(read_model(good.path()).is_ok());
        let unknown = write_model(&["intercept", "male", "shoe_size"], vec![-2.0, 0.3, 0.1]);
        let message = read_model(unknown.path()).unwrap_err().to_string();
        assert!(message.contains("`shoe_size`"), "{message}");
        assert!(message.contains(MODEL_FILE), "{message}");
        let short = write_model(&["intercept", "male"], vec![-2.0]);
        let message = read_model(short.path()).unwrap_err().to_string();
        assert!(
            message.contains("columns (2) and coefficients (1)"),
            "{message}"
        );
    }
}
