//! Writing a dataset: every table's batches to Parquet files in a temporary folder beside
//! the destination, then `dataset.toml`, then one rename. A reader sees the old dataset or
//! the new one, never half of either; a failure leaves the destination as it was.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use accord_model::Table;
use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::check::{CheckReport, check_contents};
use crate::error::{DatasetError, Result};
use crate::manifest::DATASET_OUTPUT;
use crate::manifest::{Manifest, ManifestFile, Origin};
use crate::output::{Destination, WriteLock, split_destination, working_name};

/// The tables of a dataset in memory: each table's batches, in order, in its canonical
/// schema. A table that is not a key is absent from the dataset.
pub type TableBatches = BTreeMap<Table, Vec<RecordBatch>>;

/// How to write.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Replace an existing dataset at the destination (atomically) instead of refusing.
    pub replace: bool,
    /// What the writer read: the dataset may not be written over or inside any of them.
    pub inputs: Vec<PathBuf>,
    /// Start a new file in a table's folder after this many rows, so that large tables
    /// are written and read in parallel.
    pub max_rows_per_file: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            replace: false,
            inputs: Vec::new(),
            max_rows_per_file: 2_000_000,
        }
    }
}

/// Writes `tables` as a dataset at `out`, atomically, checks every row of what was written
/// ([`check_contents`]) before it takes the place of anything, and returns its manifest and
/// the check's report. `progress` is called with the number of rows just written, then
/// just checked (twice the rows in all), from several threads.
pub fn write_dataset(
    out: &Path,
    tables: &TableBatches,
    origin: &Origin,
    options: &WriteOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Manifest, CheckReport)> {
    for (table, batches) in tables {
        let expected = table.schema();
        if let Some(batch) = batches
            .iter()
            .find(|b| b.schema().fields() != expected.fields())
        {
            return Err(DatasetError::NotCanonical {
                table: table.name(),
                found: batch.schema().to_string(),
                expected: expected.to_string(),
            });
        }
    }
    let inputs: Vec<&Path> = options.inputs.iter().map(PathBuf::as_path).collect();
    let destination = Destination {
        path: out,
        kind: &DATASET_OUTPUT,
        replace: options.replace,
        inputs: &inputs,
    };
    let (manifest, mut report) = write_folder_atomically(&destination, |staging| {
        let manifest = write_into(staging, tables, origin, options, progress)?;
        // Checked where it was written, so that a dataset no reader would open never
        // takes the place of anything; errors name the files as they were to be.
        let report = check_contents(staging, &manifest, progress)
            .map_err(|err| err.relocated(staging, out))?;
        Ok::<_, DatasetError>((manifest, report))
    })?;
    report.dir = out.to_path_buf();
    Ok((manifest, report))
}

/// Fills a new folder at `destination` through `fill`, which writes into a staging folder
/// beside it; the staging folder is then renamed into place. The destination is checked
/// first ([`Destination::check`]) and locked while it is written. A reader sees the old
/// folder or the new one, never a mixture; on failure the staging folder is removed and the
/// destination is untouched. Used for datasets, results snapshots and models.
pub fn write_folder_atomically<T, E: From<DatasetError>>(
    destination: &Destination,
    fill: impl FnOnce(&Path) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let out = destination.path;
    let (parent, name) = split_destination(out)?;
    destination.check()?;
    fs::create_dir_all(&parent).map_err(DatasetError::io(&parent))?;
    let _lock = WriteLock::take(&parent, &name)?;
    // The lock may have put back an output a killed writer had moved aside.
    destination.check()?;
    let staging = parent.join(working_name(&name, "tmp"));
    fs::create_dir_all(&staging).map_err(DatasetError::io(&staging))?;
    let outcome = fill(&staging).and_then(|value| {
        swap_into_place(&staging, out, &parent, &name)?;
        Ok(value)
    });
    if outcome.is_err() {
        // Best effort: the staging folder is ours alone, and the destination is untouched.
        let _ = fs::remove_dir_all(&staging);
    }
    outcome
}

/// Writes one output file at `destination` atomically, after checking it
/// ([`Destination::check`]) and under its lock.
pub fn write_output_file(destination: &Destination, bytes: &[u8]) -> Result<()> {
    let (parent, name) = split_destination(destination.path)?;
    destination.check()?;
    if !parent.as_os_str().is_empty() {
        fs::create_dir_all(&parent).map_err(DatasetError::io(&parent))?;
    }
    let _lock = WriteLock::take(&parent, &name)?;
    write_file_atomically(destination.path, bytes)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, then renamed
/// over it. A reader sees the old file or the new one, never a part. For files inside a
/// staging folder; outputs a user names go through [`write_output_file`].
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(working_name(&file_name, "tmp"));
    let written = fs::File::create(&temporary).and_then(|mut f| {
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()
    });
    if let Err(source) = written.and_then(|()| fs::rename(&temporary, path)) {
        let _ = fs::remove_file(&temporary);
        return Err(DatasetError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    Ok(())
}

fn write_into(
    staging: &Path,
    tables: &TableBatches,
    origin: &Origin,
    options: &WriteOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Manifest> {
    let mut jobs = Vec::new();
    for (&table, batches) in tables {
        let folder = staging.join(table.name());
        fs::create_dir_all(&folder).map_err(DatasetError::io(&folder))?;
        for (part, chunk) in split_into_files(batches, options.max_rows_per_file)
            .into_iter()
            .enumerate()
        {
            jobs.push((
                table,
                format!("{}/part-{part:05}.parquet", table.name()),
                chunk,
            ));
        }
    }
    let files = jobs
        .into_par_iter()
        .map(|(table, relative, batches)| {
            let path = staging.join(&relative);
            let (rows, bytes, sha256) = write_parquet(&path, table, &batches, progress)?;
            Ok(ManifestFile {
                table: table.name().to_string(),
                path: relative,
                rows,
                bytes,
                sha256,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let manifest = Manifest::new(origin, files);
    manifest.write(staging)?;
    Ok(manifest)
}

/// Groups batches into files of about `max_rows` rows; an empty table still gets one file,
/// so that "present and empty" differs from "absent".
fn split_into_files(batches: &[RecordBatch], max_rows: usize) -> Vec<Vec<&RecordBatch>> {
    let mut files: Vec<Vec<&RecordBatch>> = vec![Vec::new()];
    let mut rows_in_current = 0;
    for batch in batches {
        if rows_in_current > 0 && rows_in_current + batch.num_rows() > max_rows.max(1) {
            files.push(Vec::new());
            rows_in_current = 0;
        }
        rows_in_current += batch.num_rows();
        if let Some(current) = files.last_mut() {
            current.push(batch);
        }
    }
    files
}

/// A writer that hashes and counts the bytes passing through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The writer settings: fixed, so that the same batches give the same bytes.
fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("accord {}", env!("CARGO_PKG_VERSION")))
        .set_max_row_group_row_count(Some(1 << 20))
        .build()
}

fn write_parquet(
    path: &Path,
    table: Table,
    batches: &[&RecordBatch],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(u64, u64, String)> {
    let file = fs::File::create(path).map_err(DatasetError::io(path))?;
    let sink = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        hasher: Sha256::new(),
        bytes: 0,
    };
    let mut writer = ArrowWriter::try_new(sink, table.schema(), Some(writer_properties()))
        .map_err(DatasetError::parquet(path))?;
    let mut rows = 0u64;
    for batch in batches {
        writer.write(batch).map_err(DatasetError::parquet(path))?;
        rows += batch.num_rows() as u64;
        progress(batch.num_rows() as u64);
    }
    let mut sink = writer.into_inner().map_err(DatasetError::parquet(path))?;
    sink.flush().map_err(DatasetError::io(path))?;
    let file = sink
        .inner
        .into_inner()
        .map_err(|err| DatasetError::io(path)(err.into_error()))?;
    file.sync_all().map_err(DatasetError::io(path))?;
    Ok((rows, sink.bytes, hex::encode(sink.hasher.finalize())))
}

/// Moves the finished staging folder to `out`, replacing what was there.
fn swap_into_place(staging: &Path, out: &Path, parent: &Path, name: &str) -> Result<()> {
    if out.exists() {
        let retired = parent.join(working_name(name, "old"));
        fs::rename(out, &retired).map_err(DatasetError::io(out))?;
        if let Err(err) = fs::rename(staging, out) {
            // Put the old dataset back before reporting.
            let _ = fs::rename(&retired, out);
            return Err(DatasetError::io(out)(err));
        }
        fs::remove_dir_all(&retired).map_err(DatasetError::io(&retired))?;
        Ok(())
    } else {
        fs::rename(staging, out).map_err(DatasetError::io(out))
    }
}
