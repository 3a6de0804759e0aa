//! Running SQL on Apache DataFusion over a dataset's Parquet files: one session per
//! refresh, every table registered under its canonical name (absent optional tables as
//! empty tables of the canonical schema), shared tables created in memory, results
//! returned as plain rows.

use std::sync::Arc;

use accord_dataset::Dataset;
use accord_model::Table;
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use datafusion::datasource::MemTable;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

use crate::EngineError;
use crate::compile::RESULT_COLUMNS;

/// A DataFusion session over one dataset, driven synchronously.
pub struct Engine {
    context: SessionContext,
    runtime: tokio::runtime::Runtime,
}

/// A row read as text labels followed by numbers.
pub type LabelledRow = (Vec<String>, Vec<f64>);

/// One row of an indicator query (see `compile::RESULT_COLUMNS`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// The period's last day.
    pub period_end: NaiveDate,
    /// The breakdown (`all`, `sex`, ...).
    pub breakdown: String,
    /// The group within it.
    pub group: String,
    /// ESP 2013 band index (0 = ages 0-4 … 18 = 90+), or `None` when not standardising.
    pub band: Option<usize>,
    /// The numerator's count (or sum).
    pub numerator: f64,
    /// The denominator's count.
    pub denominator: f64,
    /// For a mean, the sample standard deviation of the values, for its interval.
    pub spread: Option<f64>,
}

impl Engine {
    /// Opens a session with `threads` worker threads (DataFusion's target partitions) and,
    /// where given, a memory pool of `memory_limit` bytes shared fairly by the operators
    /// that can spill.
    pub fn open(
        dataset: &Dataset,
        threads: usize,
        memory_limit: Option<usize>,
    ) -> Result<Engine, EngineError> {
        let threads = threads.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .map_err(|e| EngineError::Runtime(e.to_string()))?;
        let mut config = SessionConfig::new()
            .with_target_partitions(threads)
            .with_information_schema(false);
        // Plain strings, not views: shared tables are kept in memory, and views would keep
        // whole decoded Parquet pages alive behind every small batch.
        config
            .options_mut()
            .execution
            .parquet
            .schema_force_view_types = false;
        let mut environment = RuntimeEnvBuilder::new();
        if let Some(limit) = memory_limit {
            environment = environment.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
        }
        let environment = environment
            .build_arc()
            .map_err(|e| EngineError::Runtime(e.to_string()))?;
        let context = SessionContext::new_with_config_rt(config, environment);
        let engine = Engine { context, runtime };
        for table in Table::ALL {
            engine.register(dataset, table)?;
        }
        Ok(engine)
    }

    fn register(&self, dataset: &Dataset, table: Table) -> Result<(), EngineError> {
        let name = table.name();
        let failed = |source| EngineError::Query {
            what: format!("registering table {name}"),
            source: Box::new(source),
        };
        if dataset.has_table(table) && dataset.table_rows(table) > 0 {
            let folder = dataset.dir().join(name);
            let location = format!("{}/", folder.display());
            // The canonical schema, not the files': exports from other warehouses mark
            // columns nullable and keys signed, and every value was checked on opening.
            let schema = table.schema();
            self.runtime
                .block_on(self.context.register_parquet(
                    name,
                    &location,
                    ParquetReadOptions::default().schema(&schema),
                ))
                .map_err(failed)?;
        } else {
            let empty = MemTable::try_new(table.schema(), vec![vec![]]).map_err(failed)?;
            self.context
                .register_table(name, Arc::new(empty))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Registers batches computed outside SQL as an in-memory table.
    pub fn register_batch(&self, name: &str, batch: RecordBatch) -> Result<(), EngineError> {
        let failed = |source| EngineError::Query {
            what: format!("registering table {name}"),
            source: Box::new(source),
        };
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(failed)?;
        self.context
            .register_table(name, Arc::new(table))
            .map_err(failed)?;
        Ok(())
    }

    /// Runs one statement and returns its batches.
    pub fn execute(&self, what: &str, sql: &str) -> Result<Vec<RecordBatch>, EngineError> {
        let failed = |source| EngineError::Query {
            what: what.to_string(),
            source: Box::new(source),
        };
        self.runtime.block_on(async {
            let frame = self.context.sql(sql).await.map_err(failed)?;
            frame.collect().await.map_err(failed)
        })
    }

    /// The first column of the first row as a date, if any.
    pub fn date(&self, what: &str, sql: &str) -> Result<Option<NaiveDate>, EngineError> {
        let batches = self.execute(what, sql)?;
        let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Ok(None);
        };
        let column = column(what, batch, 0, &DataType::Date32)?;
        let days = column.as_primitive::<Date32Type>();
        Ok(if days.is_null(0) {
            None
        } else {
            Some(from_days(days.value(0)))
        })
    }

    /// Every row as its first `texts` columns read as text and the rest as numbers (a
    /// null number reads as 0).
    pub fn labelled_numbers(
        &self,
        what: &str,
        sql: &str,
        texts: usize,
    ) -> Result<Vec<LabelledRow>, EngineError> {
        let mut out = Vec::new();
        for batch in self.execute(what, sql)? {
            let columns = (0..batch.num_columns())
                .map(|i| {
                    let kind = if i < texts {
                        DataType::Utf8
                    } else {
                        DataType::Float64
                    };
                    column(what, &batch, i, &kind)
                })
                .collect::<Result<Vec<_>, _>>()?;
            for row in 0..batch.num_rows() {
                let text = columns[..texts]
                    .iter()
                    .map(|c| {
                        let c = c.as_string::<i32>();
                        if c.is_null(row) {
                            String::new()
                        } else {
                            c.value(row).to_string()
                        }
                    })
                    .collect();
                let numbers = columns[texts..]
                    .iter()
                    .map(|c| {
                        let c = c.as_primitive::<Float64Type>();
                        if c.is_null(row) { 0.0 } else { c.value(row) }
                    })
                    .collect();
                out.push((text, numbers));
            }
        }
        Ok(out)
    }

    /// Runs an indicator query and reads its rows.
    pub fn indicator_rows(&self, what: &str, sql: &str) -> Result<Vec<RawRow>, EngineError> {
        let mut rows = Vec::new();
        for batch in self.execute(what, sql)? {
            if batch.num_columns() != RESULT_COLUMNS.len() {
                return Err(EngineError::Shape {
                    what: what.to_string(),
                    message: format!(
                        "{} columns, expected {}",
                        batch.num_columns(),
                        RESULT_COLUMNS.len()
                    ),
                });
            }
            let period = column(what, &batch, 0, &DataType::Date32)?;
            let breakdown = column(what, &batch, 1, &DataType::Utf8)?;
            let group = column(what, &batch, 2, &DataType::Utf8)?;
            let band = column(what, &batch, 3, &DataType::Int64)?;
            let numerator = column(what, &batch, 4, &DataType::Float64)?;
            let denominator = column(what, &batch, 5, &DataType::Float64)?;
            let spread = column(what, &batch, 6, &DataType::Float64)?;
            let period = period.as_primitive::<Date32Type>();
            let (breakdown, group) = (breakdown.as_string::<i32>(), group.as_string::<i32>());
            let band = band.as_primitive::<Int64Type>();
            let numerator = numerator.as_primitive::<Float64Type>();
            let denominator = denominator.as_primitive::<Float64Type>();
            let spread = spread.as_primitive::<Float64Type>();
            for i in 0..batch.num_rows() {
                rows.push(RawRow {
                    period_end: from_days(period.value(i)),
                    breakdown: breakdown.value(i).to_string(),
                    group: group.value(i).to_string(),
                    band: usize::try_from(band.value(i)).ok(),
                    numerator: if numerator.is_null(i) {
                        0.0
                    } else {
                        numerator.value(i)
                    },
                    denominator: if denominator.is_null(i) {
                        0.0
                    } else {
                        denominator.value(i)
                    },
                    spread: (!spread.is_null(i)).then(|| spread.value(i)),
                });
            }
        }
        Ok(rows)
    }
}

fn from_days(days: i32) -> NaiveDate {
    accord_model::dates::from_days(days).unwrap_or(accord_model::dates::EPOCH)
}

/// Column `index` of `batch`, cast to `kind` (the engine may hand back string views or
/// other integer widths).
fn column(
    what: &str,
    batch: &RecordBatch,
    index: usize,
    kind: &DataType,
) -> Result<Arc<dyn Array>, EngineError> {
    let array = batch.column(index);
    if array.data_type() == kind {
        return Ok(array.clone());
    }
    cast(array, kind).map_err(|e| EngineError::Shape {
        what: what.to_string(),
        message: format!(
            "column {} is {}, not readable as {kind}: {e}",
            index + 1,
            array.data_type()
        ),
    })
}
