//! One envelope for every results artifact Accord writes (the snapshot's summary, the risk
//! model and its card, the evaluation): a versioned [`Header`] written first, with one
//! [`Provenance`], and one typed reader ([`read_artifact`]) that refuses another kind of
//! file or a format this build does not read, with a clear error, before it reads the
//! body.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Where results came from, so that each can be traced and reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The Accord version that made it.
    pub accord_version: String,
    /// What computed it: the query engine, or the library that did the work.
    pub engine: String,
    /// The dataset folder, as it was named.
    pub dataset: String,
    /// The dataset manifest's fingerprint (SHA-256 over its file list and hashes).
    pub dataset_fingerprint: String,
    /// The dataset's extract date.
    pub extract_date: NaiveDate,
    /// SHA-256 of each definition the results were computed from, by name.
    #[serde(default)]
    pub definitions: BTreeMap<String, String>,
    /// When it was made (UTC, RFC 3339).
    pub created_at: String,
}

impl Provenance {
    /// Provenance made now by `engine` from a dataset.
    pub fn now(
        engine: &str,
        dataset: &str,
        dataset_fingerprint: &str,
        extract_date: NaiveDate,
    ) -> Provenance {
        Provenance {
            accord_version: env!("CARGO_PKG_VERSION").to_string(),
            engine: engine.to_string(),
            dataset: dataset.to_string(),
            dataset_fingerprint: dataset_fingerprint.to_string(),
            extract_date,
            definitions: BTreeMap::new(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// The header every artifact starts with: what it is, its format and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// What kind of artifact it is (`snapshot`, `risk-model`, `evaluation`).
    pub artifact: String,
    /// The version of that kind's format.
    pub format: u32,
    /// Where it came from.
    pub provenance: Provenance,
}

/// A results artifact: a serialisable body whose first field is its [`Header`].
pub trait Artifact: Serialize + DeserializeOwned {
    /// What it is, as the header names it ("risk model").
    const KIND: &'static str;
    /// The format this build writes and reads; a change of the body's shape raises it.
    const FORMAT: u32;

    /// The header of a new artifact of this kind.
    fn new_header(provenance: Provenance) -> Header {
        Header {
            artifact: Self::KIND.to_string(),
            format: Self::FORMAT,
            provenance,
        }
    }
}

/// Why an artifact could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The file could not be read.
    #[error("{}: no {kind} here ({source})", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What kind of output.
        kind: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not an artifact of the kind asked for.
    #[error("{}: not {kind} of Accord's ({message})", path.display())]
    NotAnArtifact {
        /// The file or folder.
        path: PathBuf,
        /// What kind of output.
        kind: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The artifact's format version is not one this build reads.
    #[error("{}: {found} format {format}, where {kind} format {expected} was expected: make it again with this version of Accord", path.display())]
    Format {
        /// The file or folder.
        path: PathBuf,
        /// What kind of output.
        kind: &'static str,
        /// What was found.
        found: String,
        /// The version found.
        format: u32,
        /// What was expected.
        expected: u32,
    },
}

impl ArtifactError {
    /// The kind of artifact that was to be read.
    pub fn kind(&self) -> &'static str {
        match self {
            ArtifactError::Io { kind, .. }
            | ArtifactError::NotAnArtifact { kind, .. }
            | ArtifactError::Format { kind, .. } => kind,
        }
    }
}

/// The artifact's JSON, header first.
pub fn to_json<T: Artifact>(artifact: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(artifact)
}

/// Parses an artifact of kind `T` from `text` (read from `path`): its header is checked
/// before the body is read.
pub fn parse_artifact<T: Artifact>(path: &Path, text: &str) -> Result<T, ArtifactError> {
    #[derive(Deserialize)]
    struct HeaderOnly {
        header: HeaderKind,
    }
    #[derive(Deserialize)]
    struct HeaderKind {
        artifact: String,
        format: u32,
    }
    let not = |message: String| ArtifactError::NotAnArtifact {
        path: path.to_path_buf(),
        kind: T::KIND,
        message,
    };
    let header: HeaderOnly = serde_json::from_str(text).map_err(|e| {
        not(if e.to_string().contains("missing field `header`") {
            "no header: written by an earlier version of Accord, or not by Accord".into()
        } else {
            e.to_string()
        })
    })?;
    let HeaderKind { artifact, format } = header.header;
    if artifact != T::KIND {
        return Err(not(format!("it is {artifact}")));
    }
    if format != T::FORMAT {
        return Err(ArtifactError::Format {
            path: path.to_path_buf(),
            kind: T::KIND,
            found: artifact,
            format,
            expected: T::FORMAT,
        });
    }
    serde_json::from_str(text).map_err(|e| not(e.to_string()))
}

/// Reads the artifact of kind `T` at `path`.
pub fn read_artifact<T: Artifact>(path: &Path) -> Result<T, ArtifactError> {
    let text = std::fs::read_to_string(path).map_err(|source| ArtifactError::Io {
        path: path.to_path_buf(),
        kind: T::KIND,
        source,
    })?;
    parse_artifact(path, &text)
}

/// Whether `bytes` begin an artifact of kind `T` as [`to_json`] writes it: what an
/// [`OutputKind`](crate::OutputKind) recognises before replacing a file.
pub fn is_artifact<T: Artifact>(bytes: &[u8]) -> bool {
    let start = format!(
        "{{\n  \"header\": {{\n    \"artifact\": {}",
        serde_json::Value::String(T::KIND.to_string())
    );
    bytes.starts_with(start.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Example {
        header: Header,
        figure: f64,
    }

    impl Artifact for Example {
        const KIND: &'static str = "example";
        const FORMAT: u32 = 2;
    }

    fn example() -> Example {
        let date = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        Example {
            header: Example::new_header(Provenance::now("test", "borough", "abc", date)),
            figure: 1.5,
        }
    }

    #[test]
    fn an_artifact_round_trips_and_is_recognised() {
        let text = to_json(&example()).unwrap();
        assert!(is_artifact::<Example>(text.as_bytes()), "{text}");
        let read: Example = parse_artifact(Path::new("x.json"), &text).unwrap();
        assert_eq!(read, example());
    }

    #[test]
    fn another_format_or_kind_or_none_is_refused_by_name() {
        let text = to_json(&example()).unwrap();
        let old = text.replace("\"format\": 2", "\"format\": 1");
        let err = parse_artifact::<Example>(Path::new("x.json"), &old).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.json: example format 1, where example format 2 was expected: make it again with this version of Accord"
        );
        let other = text.replace("\"example\"", "\"risk model\"");
        let err = parse_artifact::<Example>(Path::new("x.json"), &other).unwrap_err();
        assert!(
            err.to_string()
                .contains("not example of Accord's (it is risk model)"),
            "{err}"
        );
        let err = parse_artifact::<Example>(Path::new("x.json"), "{\"figure\": 1}").unwrap_err();
        assert!(err.to_string().contains("no header"), "{err}");
    }
}
