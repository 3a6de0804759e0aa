//! `dataset.toml`: the manifest that makes a folder of Parquet files a dataset. It names the
//! schema version, the extract date and the source, and lists every file with its table,
//! row count, size and SHA-256, so that a reader can tell a complete, untouched dataset from
//! anything else. It holds no timestamps: the same data gives the same manifest, byte for byte.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DatasetError, Result};
use crate::output::{OutputKind, Shape};

/// The manifest's file name inside a dataset folder.
pub const MANIFEST_FILE: &str = "dataset.toml";

/// A dataset folder as an output: its manifest, table folders and their Parquet files.
pub const DATASET_OUTPUT: OutputKind = OutputKind {
    name: "dataset",
    shape: Shape::Folder {
        marker: MANIFEST_FILE,
        recognise: |bytes| {
            std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("schema_version") && t.contains_key("written_by"))
        },
        owns: |path| match path.split_once('/') {
            None => path == MANIFEST_FILE || accord_model::Table::from_name(path).is_some(),
            Some((table, file)) => {
                accord_model::Table::from_name(table).is_some()
                    && file.ends_with(".parquet")
                    && !file.contains('/')
            }
        },
    },
};

/// Where a dataset came from: what the writer records beside the files (results say
/// where they came from in [`crate::artifact::Provenance`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The last date the data can describe.
    pub extract_date: NaiveDate,
    /// A sentence on the source: which system, which extract, or which generator.
    pub source: String,
    /// The generator's parameters and planted truths, for synthetic data.
    pub generator: Option<toml::Table>,
}

/// The parsed `dataset.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The canonical schema's version.
    pub schema_version: u32,
    /// The day the data were extracted.
    pub extract_date: NaiveDate,
    /// Where the data came from.
    pub source: String,
    /// The Accord version that wrote or sealed the dataset.
    pub written_by: String,
    /// SHA-256 of the manifest's text without its `content_sha256` line, so that an edited
    /// manifest (an extract date changed by hand, a file listed twice) is refused. It
    /// catches edits and corruption, not a forger who recomputes it. Written by
    /// [`Manifest::to_toml`] for what the manifest holds; as read, for information.
    #[serde(default)]
    pub content_sha256: String,
    /// Every Parquet file, with its rows, size and hash.
    #[serde(default, rename = "file")]
    pub files: Vec<ManifestFile>,
    /// The synthetic generator's settings, for a generated dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<toml::Table>,
}

/// One Parquet file of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// The table the file belongs to.
    pub table: String,
    /// The file's path relative to the dataset folder, with `/` separators.
    pub path: String,
    /// Its rows.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

impl Manifest {
    /// A manifest for these files, written by this build of Accord.
    pub fn new(origin: &Origin, files: Vec<ManifestFile>) -> Manifest {
        Manifest {
            schema_version: accord_model::SCHEMA_VERSION,
            extract_date: origin.extract_date,
            source: origin.source.clone(),
            written_by: format!("accord {}", env!("CARGO_PKG_VERSION")),
            content_sha256: String::new(),
            files,
            generator: origin.generator.clone(),
        }
    }

    /// Reads and parses `dataset.toml` in `dir`, naming the line of any syntax error.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(DatasetError::ManifestMissing {
                    path: dir.to_path_buf(),
                });
            }
            Err(err) => return Err(DatasetError::io(&path)(err)),
        };
        Manifest::parse(&text, &path)
    }

    /// Parses manifest text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| line_of(text, span.start));
            DatasetError::ManifestInvalid {
                path: path.to_path_buf(),
                line,
                message: err.message().to_string(),
            }
        })?;
        if manifest.schema_version != accord_model::SCHEMA_VERSION {
            return Err(DatasetError::UnsupportedSchemaVersion {
                path: path.to_path_buf(),
                found: manifest.schema_version,
                supported: accord_model::SCHEMA_VERSION,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for file in &manifest.files {
            if !seen.insert(file.path.as_str()) {
                let quoted = format!("{:?}", file.path);
                let second = text
                    .match_indices(&quoted)
                    .nth(1)
                    .map_or(1, |(offset, _)| line_of(text, offset));
                return Err(DatasetError::ManifestInvalid {
                    path: path.to_path_buf(),
                    line: second,
                    message: format!("file {} is listed twice", file.path),
                });
            }
        }
        if manifest.content_sha256.is_empty() {
            return Err(DatasetError::ManifestUnsealed {
                path: path.to_path_buf(),
            });
        }
        if manifest.content_sha256 != content_hash(text) {
            return Err(DatasetError::ManifestEdited {
                path: path.to_path_buf(),
            });
        }
        Ok(manifest)
    }

    /// The manifest as TOML text, with its `content_sha256` computed for what it holds.
    pub fn to_toml(&self) -> String {
        let blank = Manifest {
            content_sha256: String::new(),
            ..self.clone()
        };
        // Serialising plain structs, strings, numbers and dates into TOML cannot fail.
        let text = toml::to_string(&blank).unwrap_or_default();
        let hash = content_hash(&text);
        text.replacen(
            &format!("{CONTENT_LINE}\"\""),
            &format!("{CONTENT_LINE}\"{hash}\""),
            1,
        )
    }

    /// Writes `dataset.toml` into `dir` atomically (temporary file, then rename).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST_FILE);
        let tmp = dir.join(format!(".{MANIFEST_FILE}.tmp-{}", std::process::id()));
        fs::write(&tmp, self.to_toml()).map_err(DatasetError::io(&tmp))?;
        fs::File::open(&tmp)
            .and_then(|file| file.sync_all())
            .map_err(DatasetError::io(&tmp))?;
        fs::rename(&tmp, &path).map_err(DatasetError::io(&path))
    }

    /// The files of one table, in manifest order.
    pub fn files_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a ManifestFile> + 'a {
        self.files.iter().filter(move |file| file.table == table)
    }

    /// The SHA-256 of the manifest text itself: one hash that pins the whole dataset, for
    /// the provenance of anything computed from it.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.to_toml().as_bytes()))
    }
}

impl ManifestFile {
    /// The file's absolute location inside `dir`.
    pub fn location(&self, dir: &Path) -> PathBuf {
        self.path
            .split('/')
            .fold(dir.to_path_buf(), |acc, part| acc.join(part))
    }
}

/// How the manifest's own hash starts its line.
const CONTENT_LINE: &str = "content_sha256 = ";

/// SHA-256 of manifest text without its `content_sha256` line (what any script can
/// recompute: the file's bytes, less that one line).
fn content_hash(text: &str) -> String {
    let mut hasher = Sha256::new();
    for line in text.split_inclusive('\n') {
        if !line.starts_with(CONTENT_LINE) {
            hasher.update(line.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The size and SHA-256 of a file, read in large blocks.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut file = fs::File::open(path).map_err(DatasetError::io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(DatasetError::io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Manifest {
        let origin = Origin {
            extract_date: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            source: "unit test".into(),
            generator: None,
        };
        Manifest::new(
            &origin,
            vec![ManifestFile {
                table: "person".into(),
                path: "person/part-00000.parquet".into(),
                rows: 3,
                bytes: 1000,
                sha256: "ab".repeat(32),
            }],
        )
    }

    #[test]
    fn round_trips_through_toml() {
        let manifest = sample();
        let parsed = Manifest::parse(&manifest.to_toml(), Path::new("dataset.toml")).unwrap();
        assert_eq!(parsed.content_sha256.len(), 64);
        assert_eq!(parsed.to_toml(), manifest.to_toml());
        assert_eq!(
            Manifest {
                content_sha256: String::new(),
                ..parsed
            },
            manifest
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let text = manifest_with_bad_rows();
        let err = Manifest::parse(&text, Path::new("x/dataset.toml")).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("x/dataset.toml: line "), "{message}");
        let line: usize = message["x/dataset.toml: line ".len()..]
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            text.lines().nth(line - 1).map(str::trim),
            Some("rows = \"three\"")
        );
    }

    fn manifest_with_bad_rows() -> String {
        sample().to_toml().replace("rows = 3", "rows = \"three\"")
    }

    #[test]
    fn an_edited_manifest_is_refused() {
        let text = sample().to_toml().replace("2026-03-31", "2036-03-31");
        let err = Manifest::parse(&text, Path::new("dataset.toml")).unwrap_err();
        assert!(matches!(err, DatasetError::ManifestEdited { .. }), "{err}");
        let text = sample().to_toml();
        let unsealed: String = text
            .lines()
            .filter(|l| !l.starts_with("content_sha256"))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = Manifest::parse(&unsealed, Path::new("dataset.toml")).unwrap_err();
        assert!(
            matches!(err, DatasetError::ManifestUnsealed { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_file_listed_twice_is_refused_at_its_second_line() {
        let mut manifest = sample();
        manifest.files.push(manifest.files[0].clone());
        let text = manifest.to_toml();
        let err = Manifest::parse(&text, Path::new("dataset.toml")).unwrap_err();
        let DatasetError::ManifestInvalid { line, message, .. } = err else {
            panic!("{err}");
        };
        assert!(message.contains("listed twice"), "{message}");
        assert_eq!(
            text.lines().nth(line - 1).map(str::trim),
            Some("path = \"person/part-00000.parquet\"")
        );
    }

    #[test]
    fn other_schema_versions_are_refused() {
        let text = sample()
            .to_toml()
            .replace("schema_version = 1", "schema_version = 2");
        let err = Manifest::parse(&text, Path::new("dataset.toml")).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::UnsupportedSchemaVersion { found: 2, .. }
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = Manifest::parse(&text, Path::new("dataset.toml"));
        }

        #[test]
        fn sources_survive_the_round_trip(source in "\\PC{0,60}") {
            let mut manifest = sample();
            manifest.source = source;
            let parsed = Manifest::parse(&manifest.to_toml(), Path::new("dataset.toml")).unwrap();
            prop_assert_eq!(parsed.to_toml(), manifest.to_toml());
        }
    }
}
