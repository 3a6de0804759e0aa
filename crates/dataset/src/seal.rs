//! Sealing: making a folder of Parquet tables exported from a partnership's warehouse
//! (a folder per table, any number of files in each) into a dataset, by checking every
//! file and writing its `dataset.toml`.

use std::path::Path;

use accord_model::Table;
use rayon::prelude::*;

use crate::check::{CheckReport, check_contents};
use crate::error::{DatasetError, Result};
use crate::manifest::{Manifest, ManifestFile, Origin, hash_file};
use crate::read::{discover_parquet_files, inspect_footer};

/// Checks every table under `dir` and writes its manifest; nothing is written unless
/// every check passes.
pub fn seal(
    dir: &Path,
    origin: &Origin,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Manifest, CheckReport)> {
    let found = discover_parquet_files(dir)?;
    for table in Table::ALL {
        if table.is_required() && !found.iter().any(|f| f.table == table) {
            return Err(DatasetError::MissingTable {
                dir: dir.to_path_buf(),
                table: table.name(),
            });
        }
    }
    let files = found
        .par_iter()
        .map(|file| {
            let rows = inspect_footer(&file.path, file.table)?;
            let (bytes, sha256) = hash_file(&file.path)?;
            Ok(ManifestFile {
                table: file.table.name().to_string(),
                path: file.relative.clone(),
                rows,
                bytes,
                sha256,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let manifest = Manifest::new(origin, files);
    let report = check_contents(dir, &manifest, progress)?;
    manifest.write(dir)?;
    Ok((manifest, report))
}
