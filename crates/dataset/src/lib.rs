//! Canonical dataset folders: a folder per table of Parquet files, plus `dataset.toml`.
//!
//! - [`write_dataset`] writes tables atomically (a temporary folder, then one rename) and
//!   returns the [`Manifest`] it wrote: schema version, extract date, source, and every
//!   file's table, rows, bytes and SHA-256.
//! - [`Dataset::open`] verifies a folder against its manifest (files present, sizes,
//!   hashes, row counts, schemas, no unlisted files, required tables present);
//!   [`Dataset::read_table`] reads a table in its canonical schema, converting lossless
//!   variants (an `int64` key, a large string, a timestamp) and checking every value.
//! - [`check_contents`] checks every row (vocabularies, ranges, dates, unique keys,
//!   references between tables) and summarises the dataset in a [`CheckReport`].
//! - [`seal`] turns a folder of Parquet tables that Accord did not write into a dataset.
//!
//! Every failure is a [`DatasetError`] naming the file and, for values, the row, column
//! and value. Nothing here knows about SQL, the terminal or the generator.
//!
//! ```no_run
//! # fn main() -> Result<(), accord_dataset::DatasetError> {
//! use accord_dataset::Dataset;
//! use accord_model::Table;
//! let dataset = Dataset::open(std::path::Path::new("accord-data/borough"))?;
//! let people = dataset.read_table(Table::Person)?;
//! println!("{} batches of people", people.len());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod artifact;
mod check;
mod conform;
mod error;
mod manifest;
mod output;
mod read;
mod seal;
mod write;

pub use check::{CheckReport, TableReport, check_contents, thousands};
pub use error::{DatasetError, Result};
pub use manifest::{DATASET_OUTPUT, MANIFEST_FILE, Manifest, ManifestFile, Origin, hash_file};
pub use output::{Destination, OutputKind, Shape, json_object_with};
pub use read::Dataset;
pub use seal::seal;
pub use write::{
    TableBatches, WriteOptions, write_dataset, write_file_atomically, write_folder_atomically,
    write_output_file,
};
