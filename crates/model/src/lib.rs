//! The canonical dataset of Accord, version 1: what every importer and the synthetic
//! generator write, and what every analytic step reads.
//!
//! This crate is the contract between them, as data: the closed vocabularies
//! ([`Setting`], [`Condition`], ...), the eleven [`Table`]s with their columns and the
//! rules each column obeys ([`Column`], [`ColumnRule`]), their Arrow schemas, and the survey
//! items (the I statements of Tower Hamlets Together and Islington). It knows nothing about
//! files, Parquet or SQL: `accord-dataset` stores and checks tables, the engine queries them.
//!
//! ```
//! use accord_model::{Setting, Table};
//! assert_eq!("apc_nel".parse::<Setting>().unwrap(), Setting::EmergencyAdmission);
//! assert!(Table::Activity.is_required());
//! assert_eq!(Table::Activity.schema().field(2).name(), "setting");
//! ```

#![warn(missing_docs)]

pub mod dates;
pub mod money;
pub mod survey;
pub mod table;
pub mod vocabulary;

pub use money::{Pence, allocate};
pub use table::{Column, ColumnRule, ColumnType, Table};
pub use vocabulary::{Condition, EthnicGroup, ProviderKind, Setting, Sex, UnknownCode, Vocabulary};

/// The schema version this build reads and writes. A change to any table, column or
/// vocabulary bumps it.
pub const SCHEMA_VERSION: u32 = 1;
