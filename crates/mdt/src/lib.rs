//! The MDT workflow of the integrated networks (seed 004): who is in which network, who
//! refers whom, meetings and their case lists, what was discussed and agreed, actions,
//! follow-ups, care plans in the person's own words, navigators.
//!
//! One [`Store`] over SQLite (a file, no set-up) or PostgreSQL (`DATABASE_URL`), through
//! sqlx's `Any` driver so that every query is written once. Access control and the audit
//! log live here, not in the views: every function that reads or writes a person's record
//! takes the [`Actor`] doing it, checks their role and networks, and appends the audit
//! entry in the same transaction as the read or write. A view cannot forget either.

#![warn(missing_docs)]

pub mod access;
pub mod activity;
pub mod audit;
pub mod auth;
mod columns;
pub mod demo;
pub mod exchange;
pub mod meetings;
pub mod people;
pub mod schema;
pub mod store;
pub mod validate;

pub use access::{Actor, Permission, Role};
pub use store::{Backend, Store};
pub use validate::FieldErrors;

/// What can go wrong in the MDT workflow. Every variant says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum MdtError {
    /// The database refused or failed a query.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The database could not be reached or opened.
    #[error("{url}: {message}")]
    Connect {
        /// The database URL, its password hidden.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// A schema migration failed; the database is left at the version before it.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// The migration's number.
        version: i64,
        /// What it does.
        name: &'static str,
        /// The underlying error.
        source: sqlx::Error,
    },
    /// The user's role or networks do not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// No such record (person, meeting, network, ...).
    #[error("{0}")]
    NotFound(String),
    /// A form's fields, each with what is wrong with it; nothing was saved.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// Someone else saved the record after this user opened it; nothing was saved.
    #[error("{0}")]
    Conflict(String),
    /// The username or password is wrong (which one is not said).
    #[error("the username or password is wrong")]
    BadCredentials,
    /// Too many failed sign-ins: wait before trying again.
    #[error("too many failed sign-ins for this user: try again in {retry_after_s} seconds")]
    RateLimited {
        /// Seconds to wait.
        retry_after_s: u64,
    },
    /// A password could not be hashed or its hash read.
    #[error("password hashing: {0}")]
    Password(String),
    /// A list or discussion exchanged with the dataset is malformed.
    #[error("{0}")]
    Exchange(String),
}

/// The MDT crate's result.
pub type Result<T, E = MdtError> = std::result::Result<T, E>;

/// Today's date and the time now, in UTC, as the database stores them (ISO 8601 text,
/// which sorts as it should in both backends).
pub fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
