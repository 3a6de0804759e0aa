//! The kinds of output that only the command line writes (case lists, the evaluation's JSON
//! and HTML, the person-level rows exported for checks elsewhere), each recognised by its
//! first bytes, so that a command replaces an earlier one of its own and nothing else
//! (`accord_dataset::Destination` has the rules).

use std::path::Path;

use accord_dataset::{Destination, OutputKind, Shape, write_output_file};

/// The header of a case list's CSV.
pub const CASE_LIST_HEADER: &str = "rank,person_id,practice,network,age,sex,score,practice_percentile,network_percentile,last_mdt,reasons,frailty_deficits\n";

pub const CASE_LIST: OutputKind = OutputKind {
    name: "case list",
    shape: Shape::File {
        recognise: |bytes| bytes.starts_with(CASE_LIST_HEADER.as_bytes()),
    },
};

/// An outcome-based contract's payment in the shape of the INDIGO data standard.
pub const INDIGO_JSON: OutputKind = OutputKind {
    name: "outcome payments (INDIGO JSON)",
    shape: Shape::File {
        recognise: |bytes| {
            accord_dataset::json_object_with(bytes, &["outcome_metrics", "outcome_pricings"])
        },
    },
};

/// An outcome-based contract's indicators and payment as CSV.
pub const PAYMENT_CSV: OutputKind = OutputKind {
    name: "outcome payment (CSV)",
    shape: Shape::File {
        recognise: |bytes| bytes.starts_with(b"framework,indicator,period_end,value,"),
    },
};

/// The evaluation's standalone HTML report, recognised by its title.
pub const EVALUATION_HTML: OutputKind = OutputKind {
    name: "evaluation report (HTML)",
    shape: Shape::File {
        recognise: |bytes| {
            bytes.starts_with(b"<!DOCTYPE html>")
                && String::from_utf8_lossy(bytes).contains(accord_web::evaluation::REPORT_TITLE)
        },
    },
};

/// The development and validation matrices of `accord risk fit --export`.
pub const RISK_MATRICES: OutputKind = OutputKind {
    name: "folder of risk model matrices",
    shape: Shape::Folder {
        marker: "development.csv",
        recognise: |bytes| {
            String::from_utf8_lossy(bytes)
                .lines()
                .next()
                .is_some_and(|header| header.ends_with(",outcome,accord_predicted"))
        },
        owns: |path| ["development.csv", "validation.csv"].contains(&path),
    },
};

/// The person-level rows of `accord evaluate --export`.
pub const EVALUATION_ROWS: OutputKind = OutputKind {
    name: "folder of evaluation rows",
    shape: Shape::Folder {
        marker: "propensity.csv",
        recognise: |bytes| bytes.starts_with(b"treat,month,sex,"),
        owns: |path| path.ends_with(".csv") && !path.contains('/'),
    },
};

/// Writes one file of `kind` at `path` atomically, replacing only an earlier one of its
/// own ([`Destination::replacing`]).
pub fn write_file(
    path: &Path,
    kind: &OutputKind,
    inputs: &[&Path],
    bytes: &[u8],
) -> accord_dataset::Result<()> {
    write_output_file(&Destination::replacing(path, kind, inputs), bytes)
}
