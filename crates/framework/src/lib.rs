//! Outcomes frameworks: what a partnership has agreed to measure, as a declarative,
//! versioned TOML file. A framework has domains; each domain holds outcomes (an I statement
//! in the person's own words); each outcome is measured by one or more indicators, written
//! in a small definition language (population, numerator, measure, period, polarity,
//! target) that the engine compiles to SQL. No SQL appears in a definition.
//!
//! [`Framework::parse`] checks everything it can without data (ids, references, codes,
//! which fields a measure needs) and reports every problem with its line. The built-in
//! frameworks of the seed partnerships are in [`builtin`]. The format is documented in
//! `docs/frameworks.md`.

#![warn(missing_docs)]

pub mod builtin;
mod definition;
mod error;
mod parse;

pub use definition::{
    Benchmark, Breakdown, Criterion, Domain, Events, FORMAT_VERSION, Framework, Indicator,
    LifeCourse, Measure, NationalCode, NationalFramework, OPTIONAL_PERSON_BREAKDOWNS, Outcome,
    PeriodKind, Polarity, Population, Target,
};
pub use error::{FrameworkError, Problem};
