//! Where Accord may write. An output goes where nothing is, or over Accord's own earlier
//! output of the same kind (recognised by the file that marks it, and holding nothing
//! else); never over or inside what the command reads, never a folder over a file or a file
//! over a folder. A writer holds a lock beside its output, so two writers of one output
//! cannot interleave, and clears what a killed writer left there first: its staging folder
//! or temporary file, its lock, or an earlier output it had moved aside (put back when the
//! output itself is missing).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{DatasetError, Result};

/// A kind of output: what it is called, and how to tell an earlier one from anything else.
#[derive(Debug, Clone, Copy)]
pub struct OutputKind {
    /// What it is, for messages: "results snapshot".
    pub name: &'static str,
    /// How outputs of the kind are laid out and recognised.
    pub shape: Shape,
}

/// How an output of a kind is laid out and recognised.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A folder holding `marker`, whose first bytes `recognise` accepts, and nothing that
    /// `owns` does not accept (paths relative to the folder, `/`-separated).
    Folder {
        /// The file every such folder holds.
        marker: &'static str,
        /// Whether a file's first bytes are the marker's.
        recognise: fn(&[u8]) -> bool,
        /// Whether a path inside the folder is one the kind writes.
        owns: fn(&str) -> bool,
    },
    /// A file whose first bytes `recognise` accepts.
    File {
        /// Whether a file's first bytes are the kind's.
        recognise: fn(&[u8]) -> bool,
    },
}

/// How much of a file recognisers see: enough for any header.
const PREFIX_BYTES: u64 = 64 * 1024;

/// Where a command writes one output, and what it reads.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// Where the output goes.
    pub path: &'a Path,
    /// What kind of output it is.
    pub kind: &'a OutputKind,
    /// Replace an earlier output of the same kind; otherwise any existing one is refused.
    pub replace: bool,
    /// What the command reads: the output may not be, hold or lie inside any of them.
    pub inputs: &'a [&'a Path],
}

impl<'a> Destination<'a> {
    /// An output of `kind` at `path` that replaces an earlier one of its kind, made from
    /// `inputs`.
    pub fn replacing(path: &'a Path, kind: &'a OutputKind, inputs: &'a [&'a Path]) -> Self {
        Destination {
            path,
            kind,
            replace: true,
            inputs,
        }
    }

    /// Refuses the destination unless writing there loses nothing: see the module's rules.
    pub fn check(&self) -> Result<()> {
        let out = resolved(self.path);
        for input in self.inputs {
            let input = resolved(input);
            if out.starts_with(&input) || input.starts_with(&out) {
                return Err(DatasetError::OverInput {
                    path: self.path.to_path_buf(),
                    input: input.clone(),
                });
            }
        }
        let metadata = match fs::symlink_metadata(self.path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(DatasetError::io(self.path)(err)),
        };
        let not_ours = |reason: String| DatasetError::NotOurs {
            path: self.path.to_path_buf(),
            kind: self.kind.name,
            reason,
        };
        match self.kind.shape {
            Shape::Folder {
                marker,
                recognise,
                owns,
            } => {
                if !metadata.is_dir() {
                    return Err(not_ours("it is a file, not a folder".into()));
                }
                let marker_path = self.path.join(marker);
                if !prefix(&marker_path).is_some_and(|bytes| recognise(&bytes)) {
                    return Err(not_ours(format!("it holds no {marker} of Accord's")));
                }
                if let Some(foreign) = first_foreign_entry(self.path, "", owns)? {
                    return Err(not_ours(format!(
                        "it holds {foreign}, which Accord did not write"
                    )));
                }
            }
            Shape::File { recognise } => {
                if !metadata.is_file() {
                    return Err(not_ours("it is not a plain file".into()));
                }
                if !prefix(self.path).is_some_and(|bytes| recognise(&bytes)) {
                    return Err(not_ours("its content is not Accord's".into()));
                }
            }
        }
        if !self.replace {
            let (dir, name) = split_destination(self.path)?;
            return Err(DatasetError::AlreadyExists { dir, name });
        }
        Ok(())
    }
}

/// Does `bytes` begin a JSON object that names each of `keys`? How the JSON outputs
/// (snapshot summary, model) are recognised from their first bytes.
pub fn json_object_with(bytes: &[u8], keys: &[&str]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.starts_with('{') && keys.iter().all(|key| text.contains(&format!("\"{key}\"")))
}

/// The path with symbolic links and `..` resolved as far as it exists, made absolute.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => resolved(parent).join(name),
        (_, Some(name)) => resolved(Path::new(".")).join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// The first bytes of a file, if it can be read.
fn prefix(path: &Path) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(PREFIX_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// The first entry under `dir` (a descendant of the output, `relative` to it) that `owns`
/// does not accept, depth first, in name order.
fn first_foreign_entry(
    dir: &Path,
    relative: &str,
    owns: fn(&str) -> bool,
) -> Result<Option<String>> {
    let mut entries = fs::read_dir(dir)
        .map_err(DatasetError::io(dir))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(DatasetError::io(dir))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if relative.is_empty() {
            name
        } else {
            format!("{relative}/{name}")
        };
        if !owns(&path) {
            return Ok(Some(path));
        }
        let file_type = entry.file_type().map_err(DatasetError::io(entry.path()))?;
        if file_type.is_dir()
            && let Some(foreign) = first_foreign_entry(&entry.path(), &path, owns)?
        {
            return Ok(Some(foreign));
        }
    }
    Ok(None)
}

/// The folder an output lives in and its name there.
pub(crate) fn split_destination(out: &Path) -> Result<(PathBuf, String)> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| DatasetError::Io {
            path: out.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a file or folder name",
            ),
        })?
        .to_string();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// The right to write one output: a lock file beside it, removed when dropped.
#[derive(Debug)]
pub(crate) struct WriteLock {
    path: PathBuf,
}

impl WriteLock {
    /// Takes the lock on `name` in `parent` (which exists), after clearing what a killed
    /// writer of it left behind.
    pub(crate) fn take(parent: &Path, name: &str) -> Result<WriteLock> {
        let path = parent.join(format!(".{name}.lock"));
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    std::io::Write::write_all(&mut file, std::process::id().to_string().as_bytes())
                        .map_err(DatasetError::io(&path))?;
                    let lock = WriteLock { path };
                    clear_leftovers(parent, name)?;
                    return Ok(lock);
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if process_alive(pid) => {
                            return Err(DatasetError::Busy {
                                path: parent.join(name),
                                pid,
                            });
                        }
                        // A killed writer's lock (or one it had not yet filled in).
                        _ => {
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(err) => return Err(DatasetError::io(&path)(err)),
            }
        }
        Err(DatasetError::Busy {
            path: parent.join(name),
            pid: 0,
        })
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// A hidden working name for `name` that belongs to this process: `.NAME.WHAT-PID`.
pub(crate) fn working_name(name: &str, what: &str) -> String {
    format!(".{name}.{what}-{}", std::process::id())
}

/// Removes the staging folders and temporary files of writers of `name` that are no longer
/// running, and puts back an earlier output one of them had moved aside if the output is
/// missing (it was killed between the two renames of a swap). Runs under the lock.
fn clear_leftovers(parent: &Path, name: &str) -> Result<()> {
    let entries = fs::read_dir(parent).map_err(DatasetError::io(parent))?;
    let out = parent.join(name);
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let Some((what, pid)) = rest.rsplit_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let path = entry.path();
        match what {
            "tmp" => remove_any(&path)?,
            "old" if !out.exists() => {
                fs::rename(&path, &out).map_err(DatasetError::io(&path))?;
                tracing::warn!(path = %out.display(), "put back the output a killed writer had moved aside");
            }
            "old" => remove_any(&path)?,
            _ => continue,
        }
    }
    Ok(())
}

fn remove_any(path: &Path) -> Result<()> {
    let removed = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    removed.map_err(DatasetError::io(path))
}

/// Is a process with this id running? Where that cannot be told, it is taken to be, so
/// that nothing of a running writer is ever removed.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_snapshot(bytes: &[u8]) -> bool {
        bytes.starts_with(b"{\"kind\":\"test\"")
    }

    fn owns(path: &str) -> bool {
        matches!(path, "summary.json" | "data" | "data/part.bin")
    }

    const FOLDER: OutputKind = OutputKind {
        name: "test folder",
        shape: Shape::Folder {
            marker: "summary.json",
            recognise: is_snapshot,
            owns,
        },
    };

    const FILE: OutputKind = OutputKind {
        name: "test file",
        shape: Shape::File {
            recognise: is_snapshot,
        },
    };

    fn destination<'a>(
        path: &'a Path,
        kind: &'a OutputKind,
        inputs: &'a [&'a Path],
    ) -> Destination<'a> {
        Destination::replacing(path, kind, inputs)
    }

    #[test]
    fn an_earlier_output_of_the_kind_may_be_replaced_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert!(
            destination(&out, &FOLDER, &[]).check().is_ok(),
            "nothing there yet"
        );
        fs::create_dir_all(out.join("data")).unwrap();
        fs::write(out.join("summary.json"), "{\"kind\":\"test\"}").unwrap();
        fs::write(out.join("data/part.bin"), "x").unwrap();
        assert!(destination(&out, &FOLDER, &[]).check().is_ok());
        let refused = Destination {
            replace: false,
            ..destination(&out, &FOLDER, &[])
        };
        assert!(matches!(
            refused.check(),
            Err(DatasetError::AlreadyExists { .. })
        ));
        fs::write(out.join("data/notes.txt"), "mine").unwrap();
        let err = destination(&out, &FOLDER, &[])
            .check()
            .unwrap_err()
            .to_string();
        assert!(err.contains("data/notes.txt"), "{err}");
        fs::remove_file(out.join("data/notes.txt")).unwrap();
        fs::write(out.join("summary.json"), "{\"kind\":\"other\"}").unwrap();
        assert!(matches!(
            destination(&out, &FOLDER, &[]).check(),
            Err(DatasetError::NotOurs { .. })
        ));
        let file = dir.path().join("report.txt");
        fs::write(&file, "a user's file").unwrap();
        assert!(matches!(
            destination(&file, &FOLDER, &[]).check(),
            Err(DatasetError::NotOurs { .. })
        ));
        assert!(matches!(
            destination(&file, &FILE, &[]).check(),
            Err(DatasetError::NotOurs { .. })
        ));
        fs::write(&file, "{\"kind\":\"test\"}").unwrap();
        assert!(destination(&file, &FILE, &[]).check().is_ok());
        assert!(matches!(
            destination(&out, &FILE, &[]).check(),
            Err(DatasetError::NotOurs { .. })
        ));
    }

    #[test]
    fn an_output_never_overlaps_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("data");
        fs::create_dir_all(&input).unwrap();
        let cases = [
            input.clone(),
            input.join("inside"),
            dir.path().to_path_buf(),
            dir.path().join("data/../data/x"),
        ];
        for out in &cases {
            assert!(
                matches!(
                    destination(out, &FOLDER, &[&input]).check(),
                    Err(DatasetError::OverInput { .. })
                ),
                "{}",
                out.display()
            );
        }
        assert!(
            destination(&dir.path().join("data2"), &FOLDER, &[&input])
                .check()
                .is_ok()
        );
    }

    #[test]
    fn a_killed_writers_leftovers_are_cleared_and_a_moved_output_put_back() {
        let dir = tempfile::tempdir().unwrap();
        // No process has this id: Linux's largest is 2^22.
        let dead = 4_194_304 + 17;
        fs::create_dir_all(dir.path().join(format!(".out.tmp-{dead}/x"))).unwrap();
        fs::create_dir_all(dir.path().join(format!(".out.old-{dead}"))).unwrap();
        fs::write(
            dir.path().join(format!(".out.old-{dead}/summary.json")),
            "earlier",
        )
        .unwrap();
        fs::write(dir.path().join(".out.lock"), dead.to_string()).unwrap();
        fs::write(
            dir.path().join(format!(".other.tmp-{dead}")),
            "not ours to clear",
        )
        .unwrap();
        let lock = WriteLock::take(dir.path(), "out").unwrap();
        assert!(!dir.path().join(format!(".out.tmp-{dead}")).exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
            "earlier"
        );
        assert!(dir.path().join(format!(".other.tmp-{dead}")).exists());
        assert!(matches!(
            WriteLock::take(dir.path(), "out"),
            Err(DatasetError::Busy { .. })
        ));
        drop(lock);
        assert!(WriteLock::take(dir.path(), "out").is_ok());
    }
}
