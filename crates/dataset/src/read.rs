//! Opening a dataset: the manifest, then every file's presence, size, SHA-256 and schema;
//! then reading tables in the canonical schema. A dataset that opens is complete and
//! untouched; an absent optional table reads as empty.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use accord_model::Table;
use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;

use crate::check::{CheckReport, check_contents};
use crate::conform::{check_schema, conform_batch};
use crate::error::{DatasetError, Result};
use crate::manifest::{MANIFEST_FILE, Manifest, ManifestFile, hash_file};

/// A verified dataset folder: every command that reads a dataset opens it through here, so
/// none reads one that `accord dataset check` would refuse.
#[derive(Debug, Clone)]
pub struct Dataset {
    dir: PathBuf,
    manifest: Manifest,
    report: CheckReport,
}

impl Dataset {
    /// Opens the dataset in `dir` and verifies all of it: the manifest (its own hash, each
    /// file listed once), that every listed file is there with its size, hash, row count
    /// and a usable schema, that no Parquet file is unlisted, that the required tables are
    /// present, and then every row ([`check_contents`]: values, dates, keys, references).
    pub fn open(dir: &Path) -> Result<Dataset> {
        Dataset::open_with_progress(dir, &|_| {})
    }

    /// [`Dataset::open`], calling `progress` with the number of rows just checked.
    pub fn open_with_progress(dir: &Path, progress: &(dyn Fn(u64) + Sync)) -> Result<Dataset> {
        let manifest = Manifest::read(dir)?;
        verify_files(dir, &manifest)?;
        let report = check_contents(dir, &manifest, progress)?;
        Ok(Dataset {
            dir: dir.to_path_buf(),
            manifest,
            report,
        })
    }

    /// What the check found: the summary `accord dataset check` prints.
    pub fn report(&self) -> &CheckReport {
        &self.report
    }

    /// The dataset's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The dataset's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Does the dataset hold the table (possibly with no rows)?
    pub fn has_table(&self, table: Table) -> bool {
        self.manifest.files_of(table.name()).next().is_some()
    }

    /// The table's Parquet files, for engines that read them directly.
    pub fn table_files(&self, table: Table) -> Vec<PathBuf> {
        self.manifest
            .files_of(table.name())
            .map(|f| f.location(&self.dir))
            .collect()
    }

    /// Rows in the table, from the manifest.
    pub fn table_rows(&self, table: Table) -> u64 {
        self.manifest.files_of(table.name()).map(|f| f.rows).sum()
    }

    /// Reads a whole table in its canonical schema, checking every value against its
    /// column's rule. An absent table gives no batches.
    pub fn read_table(&self, table: Table) -> Result<Vec<RecordBatch>> {
        let files: Vec<&ManifestFile> = self.manifest.files_of(table.name()).collect();
        let per_file = files
            .par_iter()
            .map(|file| {
                let mut batches = Vec::new();
                for_each_batch(&file.location(&self.dir), table, &mut |batch, _| {
                    batches.push(batch);
                    Ok(())
                })?;
                Ok(batches)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(per_file.into_iter().flatten().collect())
    }
}

/// Reads one file batch by batch in the canonical schema, giving each batch with the
/// 1-based row number of its first row.
pub(crate) fn for_each_batch(
    path: &Path,
    table: Table,
    visit: &mut dyn FnMut(RecordBatch, u64) -> Result<()>,
) -> Result<u64> {
    let file = fs::File::open(path).map_err(DatasetError::io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(DatasetError::parquet(path))?
        .with_batch_size(64 * 1024);
    check_schema(table, builder.schema(), path)?;
    let reader = builder.build().map_err(DatasetError::parquet(path))?;
    let mut next_row = 1u64;
    for batch in reader {
        let batch = batch.map_err(|err| DatasetError::Parquet {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
        let rows = batch.num_rows() as u64;
        let canonical = conform_batch(table, &batch, path, next_row)?;
        visit(canonical, next_row)?;
        next_row += rows;
    }
    Ok(next_row - 1)
}

/// The row count and schema from a Parquet file's footer, without reading its data.
pub(crate) fn inspect_footer(path: &Path, table: Table) -> Result<u64> {
    let file = fs::File::open(path).map_err(DatasetError::io(path))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(DatasetError::parquet(path))?;
    check_schema(table, builder.schema(), path)?;
    Ok(builder.metadata().file_metadata().num_rows().max(0) as u64)
}

fn verify_files(dir: &Path, manifest: &Manifest) -> Result<()> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let mut listed = BTreeSet::new();
    for file in &manifest.files {
        if Table::from_name(&file.table).is_none() || file.path.contains("..") {
            return Err(DatasetError::ManifestInvalid {
                path: manifest_path.clone(),
                line: 1,
                message: format!("file {:?} of unknown table {:?}", file.path, file.table),
            });
        }
        listed.insert(file.location(dir));
    }
    for table in Table::ALL {
        if table.is_required() && manifest.files_of(table.name()).next().is_none() {
            return Err(DatasetError::MissingTable {
                dir: dir.to_path_buf(),
                table: table.name(),
            });
        }
    }
    for found in discover_parquet_files(dir)? {
        if !listed.contains(&found.path) {
            return Err(DatasetError::UnlistedFile { path: found.path });
        }
    }
    manifest
        .files
        .par_iter()
        .try_for_each(|file| verify_file(dir, file))
}

fn verify_file(dir: &Path, file: &ManifestFile) -> Result<()> {
    let path = file.location(dir);
    let metadata = match fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(DatasetError::MissingFile { path });
        }
        Err(err) => return Err(DatasetError::io(&path)(err)),
    };
    if metadata.len() != file.bytes {
        return Err(DatasetError::SizeMismatch {
            path,
            expected: file.bytes,
            actual: metadata.len(),
        });
    }
    let (_, sha256) = hash_file(&path)?;
    if sha256 != file.sha256 {
        return Err(DatasetError::HashMismatch {
            path,
            expected: file.sha256.clone(),
            actual: sha256,
        });
    }
    // The table name was checked against the vocabulary of tables before.
    let table = Table::from_name(&file.table).unwrap_or(Table::Person);
    let rows = inspect_footer(&path, table)?;
    if rows != file.rows {
        return Err(DatasetError::RowCountMismatch {
            path,
            expected: file.rows,
            actual: rows,
        });
    }
    Ok(())
}

/// A Parquet file found in a table's folder.
#[derive(Debug, Clone)]
pub(crate) struct FoundFile {
    pub table: Table,
    pub path: PathBuf,
    pub relative: String,
}

/// Every Parquet file under `dir`, by table folder, in name order. Folders that are not
/// tables, and Parquet files outside table folders, are errors: they would otherwise be
/// silently ignored. Hidden entries and non-Parquet files (`_SUCCESS`, `.crc`) are skipped.
pub(crate) fn discover_parquet_files(dir: &Path) -> Result<Vec<FoundFile>> {
    let known = || {
        Table::ALL
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut found = Vec::new();
    for entry in sorted_entries(dir)? {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            let Some(table) = Table::from_name(&name) else {
                return Err(DatasetError::UnknownTable {
                    path,
                    known: known(),
                });
            };
            for file in sorted_entries(&path)? {
                let file_name = file.file_name().to_string_lossy().to_string();
                if file_name.ends_with(".parquet") && !file_name.starts_with('.') {
                    found.push(FoundFile {
                        table,
                        path: file.path(),
                        relative: format!("{name}/{file_name}"),
                    });
                }
            }
        } else if name.ends_with(".parquet") {
            return Err(DatasetError::UnknownTable {
                path,
                known: known(),
            });
        }
    }
    Ok(found)
}

fn sorted_entries(dir: &Path) -> Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)
        .map_err(DatasetError::io(dir))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(DatasetError::io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}
