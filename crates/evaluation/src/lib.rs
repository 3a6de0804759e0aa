//! Evaluation of an intervention, as docs/methods.md sets it out: did people discussed at a
//! network MDT use hospitals less than matched people who were not?
//!
//! `candidates` builds the treated (index = first MDT) and the risk-set control pool with
//! covariates; `propensity` fits the score; `matching` is greedy nearest-neighbour matching
//! with a caliper and exact strata (generic: it matches any table), optionally closest on
//! `mahalanobis` distance within the caliper; `censoring` weights
//! controls who are discussed later; `balance` computes the
//! SMD tables; `outcomes` measures counts, costs and person-time around the index; `did`
//! holds the Poisson difference in differences with cluster-robust errors and the pair
//! bootstrap; `estimate` turns matched people into results per outcome; `evaluate` runs it
//! all with the falsification checks; `table` matches a plain table (for checks against
//! MatchIt).

#![warn(missing_docs)]

pub mod balance;
pub mod candidates;
pub mod censoring;
pub mod did;
pub mod estimate;
pub mod evaluate;
pub mod mahalanobis;
pub mod matching;
pub mod outcomes;
pub mod propensity;
pub mod table;

pub use candidates::{ControlFollowUp, ControlPool};

/// Hash maps and sets keyed by the numbers of rows, people and strata, on paths that run for
/// every candidate row: a fixed, fast hash rather than SipHash, whose defence against
/// chosen keys buys nothing for numbers the evaluation makes itself. No result depends on
/// a map's order.
pub(crate) type IntMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
pub(crate) type IntSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;
pub use evaluate::{Evaluation, EvaluationOptions, ExactField, evaluate};
pub use matching::{MatchOptions, Matching, Unit, nearest_neighbour};

use candidates::TreatedAttrition;

/// JSON has no NaN or infinity: serde_json writes them as `null`. Figures that can be
/// undefined (a rate over no person-time, an SMD over a zero SD) read `null` back as NaN, so
/// that saved results load again (`accord serve --evaluation`).
pub(crate) fn f64_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    use serde::Deserialize;
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Why an evaluation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error(
        "the dataset has no MDT discussions (table mdt_discussion is empty or missing): there is no one to evaluate; export them from the MDT workflow's database"
    )]
    /// The dataset has no MDT discussions.
    NoDiscussions,
    #[error(
        "none of the {} people discussed can be evaluated: {} have an index date after the extract date, {} have less than 12 months of data before their index date, {} were not registered and alive before their index month",
        .0.discussed, .0.index_after_extract, .0.index_too_early, .0.not_registered_before_index_month
    )]
    /// No one discussed can be evaluated (the attrition says why).
    NoEligible(TreatedAttrition),
    #[error(
        "too few controls: {treated} treated people, {pool} control rows in the pool, {matched} matched (at least {} are needed); try a wider caliper or fewer exact fields",
        evaluate::MINIMUM_MATCHED
    )]
    /// Too few controls to match.
    TooFewControls {
        /// Treated people.
        treated: usize,
        /// Control rows in the pool.
        pool: usize,
        /// Treated people matched.
        matched: usize,
    },
    /// No covariate of that name (the name, and the names there are).
    #[error("{0}: there is no such covariate; the covariates are: {1}")]
    UnknownCovariate(String, String),
    /// No count outcome of that name (the name, and the names there are).
    #[error("{0}: not a count outcome of the evaluation; they are: {1}")]
    NotACountOutcome(String, String),
    /// The propensity model could not be fitted.
    #[error("fitting the propensity score")]
    Propensity(#[from] accord_risk::RiskError),
}
