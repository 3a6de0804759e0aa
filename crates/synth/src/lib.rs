//! A synthetic inner-London borough, deterministic for a seed and a size, calibrated to
//! [`docs/calibration.md`], with a known truth to test analytics against.
//!
//! The generator works in passes, each parallel over people and each person drawing from
//! their own seeded stream, so the output is the same whatever the number of threads:
//! 1. `people`: demographics, registrations, long-term conditions, frailty, persistent need;
//! 2. `activity`: month by month, drifting need drives activity, social care and death,
//!    and flags people at high risk during the MDT programme;
//! 3. `mdt`: networks discuss people picked by case finding and referral, and the planted
//!    effect thins A&E attendances and emergency admissions and raises social care cost in
//!    the 12 months after each first MDT;
//! 4. `surveys` and `tables`: I-statement and staff surveys, then Arrow batches.
//!
//! ```
//! use accord_synth::{SynthParams, generate};
//! let end = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
//! let borough = generate(&SynthParams::new(2_000, 42, end), &|_, _| {}).unwrap();
//! assert_eq!(borough.tables[&accord_model::Table::Person][0].num_rows(), 2_000);
//! ```

#![warn(missing_docs)]

mod activity;
pub mod calibration;
mod geography;
mod mdt;
mod params;
mod people;
pub mod register;
mod rng;
mod surveys;
mod tables;

use accord_model::Table;
use accord_model::dates::to_days;
use chrono::Months;
use rayon::prelude::*;
use serde::Serialize;

pub use mdt::EffectTruth;
pub use params::{MdtParams, ParamError, PlantedEffect, SynthParams};
pub use tables::{TableError, Tables};

use activity::{Block, Calendar, Context, Norms};
use people::Window;

/// People per block: the unit of parallel work and of person-level batches.
const BLOCK: usize = 8_192;

/// A generated borough: its tables, and what the generator knows that the data only imply.
#[derive(Debug)]
pub struct Borough {
    /// Every table of the canonical dataset, as Arrow batches.
    pub tables: Tables,
    /// What the generator knows that the data only imply.
    pub truth: Truth,
}

/// The generator's record of itself, written to `dataset.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    /// The parameters it ran with.
    pub params: SynthParams,
    /// People registered on the last day.
    pub registered_at_end: u64,
    /// What the planted MDT effect did.
    pub planted_effect: EffectTruth,
}

/// Where the generator is, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Drawing people, registrations and conditions.
    People,
    /// Drawing month-by-month activity.
    History,
    /// Drawing MDT discussions and applying the planted effect.
    Mdt,
    /// Building the tables.
    Tables,
}

/// Why a borough could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A parameter is out of range.
    #[error("invalid parameter {0}")]
    Param(#[from] ParamError),
    /// A table could not be assembled (a bug in the generator).
    #[error(transparent)]
    Table(#[from] TableError),
}

/// Generates the borough. `progress(stage, people done)` is called as blocks finish, from
/// several threads.
pub fn generate(
    params: &SynthParams,
    progress: &(dyn Fn(Stage, u64) + Sync),
) -> Result<Borough, SynthError> {
    params.validate()?;
    let window = Window {
        start: to_days(params.start_date()),
        end: to_days(params.end_date),
    };
    let geography = geography::Geography::build(params);
    let mut persons = people::demographics(params, &geography, window);
    let scales = people::condition_scales(&persons, window);
    people::assign_conditions(&mut persons, &scales, params.seed, window);
    progress(Stage::People, persons.len() as u64);

    let calendar = calendar(params);
    let norms = Norms::compute(&persons, window);
    let context = Context {
        geography: &geography,
        norms: &norms,
        calendar: &calendar,
        window,
        seed: params.seed,
        shock_persistence: params.shock_persistence,
    };
    let mut blocks: Vec<Block> = persons
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(b, chunk)| {
            let block = activity::simulate_block(&context, (b * BLOCK) as u32, chunk);
            progress(Stage::History, chunk.len() as u64);
            block
        })
        .collect();

    let deaths: Vec<Option<i32>> = blocks
        .iter()
        .flat_map(|b| b.deaths.iter().copied())
        .collect();
    let candidates: Vec<_> = blocks
        .iter_mut()
        .flat_map(|b| std::mem::take(&mut b.candidates))
        .collect();
    let discussions = mdt::select(
        params, &geography, &calendar, &persons, &deaths, candidates, window.end,
    );
    let mut first_mdt: Vec<Option<i32>> = vec![None; persons.len()];
    for discussion in discussions.iter().filter(|d| d.source != "follow_up") {
        let slot = &mut first_mdt[discussion.person as usize];
        *slot = Some(slot.map_or(discussion.day, |d| d.min(discussion.day)));
    }
    // Collected in block order and summed in that order: float sums must not depend on
    // how threads split the work, or the manifest would differ from run to run.
    let per_block: Vec<EffectTruth> = blocks
        .par_iter_mut()
        .map(|block| mdt::apply_effect(block, &first_mdt, &params.mdt.effect, params.seed))
        .collect();
    let mut planted = EffectTruth::default();
    for truth in &per_block {
        planted.merge(truth);
    }
    planted.people_discussed = first_mdt.iter().filter(|d| d.is_some()).count() as u64;
    planted.discussions = discussions.len() as u64;
    progress(Stage::Mdt, persons.len() as u64);

    let registered_at_end = persons
        .iter()
        .zip(&deaths)
        .filter(|(p, d)| p.practice_on(window.end).is_some() && d.is_none())
        .count() as u64;
    let answers = surveys::generate(
        params.seed,
        &geography,
        &persons,
        &deaths,
        window,
        registered_at_end as f64,
        params.years,
    );
    let mut first_ids = Vec::with_capacity(blocks.len());
    let mut next_id = 1u64;
    for block in &blocks {
        first_ids.push(next_id);
        next_id += block.events.len() as u64;
    }
    let per_block = blocks
        .par_iter()
        .zip(first_ids)
        .map(|(block, first_id)| {
            let batches = tables::block_batches(block, &persons, &geography, first_id, window.end);
            progress(Stage::Tables, block.deaths.len() as u64);
            batches
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut tables = Tables::new();
    for (table, batch) in per_block
        .into_iter()
        .flatten()
        .chain(tables::borough_batches(
            &geography,
            &persons,
            &answers,
            &discussions,
        )?)
    {
        tables.entry(table).or_default().push(batch);
    }
    for table in Table::ALL {
        tables.entry(table).or_default();
    }
    Ok(Borough {
        tables,
        truth: Truth {
            params: params.clone(),
            registered_at_end,
            planted_effect: planted,
        },
    })
}

fn calendar(params: &SynthParams) -> Calendar {
    let start = params.start_date();
    let months = 12 * params.years as usize;
    let month_starts: Vec<i32> = (0..=months)
        .map(|m| {
            start
                .checked_add_months(Months::new(m as u32))
                .map_or(i32::MAX, to_days)
        })
        .collect();
    let mdt_first_month = month_starts
        .partition_point(|&d| d < to_days(params.mdt.start_date))
        .min(months);
    Calendar {
        month_starts,
        mdt_first_month,
    }
}
