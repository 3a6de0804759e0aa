//! The frameworks that ship with Accord, one definition file each under `frameworks/`:
//! Tower Hamlets Together (seed 001), the Islington integrated networks (seed 004), a
//! Richmond-style community services framework (seed 003) and West London's My Care My Way
//! (seed 004). They are ordinary definition files: a partnership copies one and edits it.

use std::path::Path;

use crate::{Framework, FrameworkError};

/// (name, file name, text) of every built-in framework, in the order they are shown.
pub const BUILTIN: [(&str, &str, &str); 4] = [
    ("tht", "tht.toml", include_str!("../frameworks/tht.toml")),
    (
        "islington",
        "islington.toml",
        include_str!("../frameworks/islington.toml"),
    ),
    (
        "richmond",
        "richmond.toml",
        include_str!("../frameworks/richmond.toml"),
    ),
    (
        "west_london",
        "west_london.toml",
        include_str!("../frameworks/west_london.toml"),
    ),
];

/// The built-in names, comma-separated.
pub fn names() -> String {
    BUILTIN
        .iter()
        .map(|(n, _, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A built-in framework by name.
pub fn builtin(name: &str) -> Result<Framework, FrameworkError> {
    let (_, file, text) =
        BUILTIN
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| FrameworkError::Unknown {
                name: name.to_string(),
                known: names(),
            })?;
    Framework::parse(&format!("built-in {file}"), text)
}

/// Every built-in framework.
pub fn all() -> Result<Vec<Framework>, FrameworkError> {
    BUILTIN.iter().map(|(name, _, _)| builtin(name)).collect()
}

/// A framework named on the command line: a path to a `.toml` file, or a built-in name.
pub fn resolve(name_or_path: &str) -> Result<Framework, FrameworkError> {
    let path = Path::new(name_or_path);
    if name_or_path.ends_with(".toml") || path.components().count() > 1 {
        Framework::load(path)
    } else {
        builtin(name_or_path)
    }
}
