//! Refreshing only what changed. Each framework's figures, and the population profile, carry
//! a reuse key: a hash of everything they are computed from (the dataset's fingerprint, the
//! data span, the definition file, and this build of the program). A refresh given the
//! snapshot it replaces takes from it every framework whose key is unchanged, runs only
//! the shared tables the rest read, and says what it reused.

use std::collections::HashMap;
use std::ops::Range;

use accord_framework::Framework;
use accord_snapshot::{IndicatorEntry, InequalityRow, ResultRow, SharedTable, Snapshot};
use sha2::{Digest, Sha256};

use crate::compile::{DataSpan, Program};

/// What a framework's or the profile's figures depend on besides its own definition.
#[derive(Debug, Clone)]
pub struct ReuseKeys {
    /// Dataset, span and build, shared by every key.
    common: String,
}

impl ReuseKeys {
    /// The keys for a refresh of the dataset with `fingerprint` over `span`, by this build;
    /// none where this build cannot be told from another (its file cannot be read), so
    /// nothing is reused rather than something wrongly.
    pub fn new(fingerprint: &str, span: DataSpan) -> Option<ReuseKeys> {
        let build = build_identity()?;
        Some(ReuseKeys {
            common: format!(
                "dataset {fingerprint}\nspan {} to {}\nbuild {build}\n",
                span.start, span.end
            ),
        })
    }

    /// A framework's key.
    pub fn framework(&self, framework: &Framework) -> String {
        digest(&format!("{}framework {}\n", self.common, framework.sha256))
    }

    /// The population profile's key.
    pub fn profile(&self) -> String {
        digest(&format!("{}population profile\n", self.common))
    }
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// This program's build: its version, and the size and time of its executable, so that a
/// rebuilt program (whose compiled SQL or statistics may differ) reuses nothing.
fn build_identity() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{} {}; {} bytes; modified {}.{:09}",
        crate::ENGINE,
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    ))
}

/// An earlier snapshot's figures by indicator, for copying.
pub struct Earlier<'a> {
    snapshot: &'a Snapshot,
    results: HashMap<(&'a str, &'a str), Range<usize>>,
    inequality: HashMap<(&'a str, &'a str), Range<usize>>,
}

impl<'a> Earlier<'a> {
    /// Indexes `snapshot` (its rows of one indicator lie together, as a refresh writes them).
    pub fn new(snapshot: &'a Snapshot) -> Earlier<'a> {
        Earlier {
            snapshot,
            results: ranges(&snapshot.results, |r| (&r.framework, &r.indicator)),
            inequality: ranges(&snapshot.inequality, |r| (&r.framework, &r.indicator)),
        }
    }

    /// The earlier key of framework `id`, where the snapshot holds exact figures of it.
    pub fn key(&self, id: &str) -> Option<&'a str> {
        if self.snapshot.summary.published {
            return None;
        }
        self.snapshot
            .summary
            .frameworks
            .iter()
            .find(|f| f.id == id && !f.key.is_empty())
            .map(|f| f.key.as_str())
    }

    /// The earlier profile, where its key is `key`.
    pub fn profile(&self, key: &str) -> Option<&'a accord_snapshot::Profile> {
        let summary = &self.snapshot.summary;
        (!summary.published && summary.run.profile_key == key).then_some(&summary.profile)
    }

    /// One indicator's entry, result rows and inequality rows.
    pub fn indicator(
        &self,
        framework: &str,
        indicator: &str,
    ) -> Option<(&'a IndicatorEntry, &'a [ResultRow], &'a [InequalityRow])> {
        let entry = self
            .snapshot
            .summary
            .indicators
            .iter()
            .find(|i| i.framework == framework && i.id == indicator)?;
        let rows = |index: &HashMap<(&str, &str), Range<usize>>| {
            index
                .get(&(framework, indicator))
                .cloned()
                .unwrap_or_default()
        };
        Some((
            entry,
            &self.snapshot.results[rows(&self.results)],
            &self.snapshot.inequality[rows(&self.inequality)],
        ))
    }
}

/// Each key's run of consecutive rows; a key whose rows are not consecutive keeps its
/// first run only, which [`Earlier::indicator`]'s callers never meet in a refresh's output.
fn ranges<'a, R>(
    rows: &'a [R],
    key: impl Fn(&'a R) -> (&'a String, &'a String),
) -> HashMap<(&'a str, &'a str), Range<usize>> {
    let mut out: HashMap<(&str, &str), Range<usize>> = HashMap::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || key(&rows[i]) != key(&rows[start]) {
            let (framework, indicator) = key(&rows[start]);
            out.entry((framework, indicator)).or_insert(start..i);
            start = i;
        }
    }
    out
}

/// The shared tables, in program order, that the statements `consumers` read directly or
/// through one another.
pub fn needed_shared<'p>(program: &'p Program, consumers: &[&str]) -> Vec<&'p SharedTable> {
    let mut needed = vec![false; program.shared.len()];
    for (i, table) in program.shared.iter().enumerate().rev() {
        let later_readers = program.shared[i + 1..]
            .iter()
            .zip(&needed[i + 1..])
            .filter(|(_, n)| **n)
            .map(|(t, _)| t.sql.as_str());
        needed[i] = consumers
            .iter()
            .copied()
            .chain(later_readers)
            .any(|sql| reads_table(sql, &table.name));
    }
    program
        .shared
        .iter()
        .zip(needed)
        .filter_map(|(t, n)| n.then_some(t))
        .collect()
}

/// Whether `sql` names `table` as a whole identifier (not as part of a longer name).
pub fn reads_table(sql: &str, table: &str) -> bool {
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(table).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + table.len()..].chars().next();
        !before.is_some_and(is_identifier) && !after.is_some_and(is_identifier)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_read_only_by_its_whole_name() {
        assert!(reads_table("SELECT * FROM spells_month s", "spells_month"));
        assert!(reads_table("JOIN spells_month\nON", "spells_month"));
        assert!(!reads_table("FROM spells_month_rolling", "spells_month"));
        assert!(!reads_table("FROM my_spells_month", "spells_month"));
        assert!(!reads_table("FROM activity", "spells_month"));
    }

    #[test]
    fn shared_tables_are_needed_through_one_another() {
        let table = |name: &str, sql: &str| SharedTable {
            name: name.into(),
            sql: sql.into(),
        };
        let program = Program {
            shared: vec![
                table("periods_month", "VALUES (1)"),
                table("spells_month", "SELECT * FROM periods_month"),
                table("periods_year", "VALUES (2)"),
                table("spells_year", "SELECT * FROM periods_year"),
            ],
            queries: Vec::new(),
            profile: Vec::new(),
            segment_days: Vec::new(),
        };
        let names = |consumers: &[&str]| -> Vec<String> {
            needed_shared(&program, consumers)
                .into_iter()
                .map(|t| t.name.clone())
                .collect()
        };
        assert_eq!(
            names(&["SELECT count(*) FROM spells_month"]),
            ["periods_month", "spells_month"]
        );
        assert!(names(&["SELECT 1"]).is_empty());
    }
}
