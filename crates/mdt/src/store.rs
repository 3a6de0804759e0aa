//! The connection to the operational database: an SQLite file by default, PostgreSQL when
//! the URL says so. Connecting runs any migration not yet applied.

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use crate::schema::MIGRATIONS;
use crate::{MdtError, Result, now_text};

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The backend's name, for people.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The operational database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// The URL of an SQLite file, created if it is not there.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connects to `url` (`sqlite://FILE?mode=rwc` or `postgres://...`) and brings its
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let failed = |message: String| MdtError::Connect {
            url: redact(url),
            message,
        };
        let backend = Backend::of_url(url).ok_or_else(|| {
            failed("not a database URL: use sqlite://FILE or postgres://USER@HOST/DB".into())
        })?;
        if backend == Backend::Sqlite {
            // Fail early, with the path, rather than with SQLite's "unable to open".
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or_default();
            if let Some(parent) = std::path::Path::new(path).parent()
                && !parent.as_os_str().is_empty()
                && !parent.exists()
            {
                return Err(failed(format!(
                    "the folder {} does not exist",
                    parent.display()
                )));
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // One writer at a time in SQLite; readers do not wait for it in WAL mode.
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .connect(url)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let store = Store { pool, backend };
        if backend == Backend::Sqlite {
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&store.pool)
                .await?;
        }
        store.migrate().await?;
        Ok(store)
    }

    /// The connection pool, for queries outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that may write. SQLite's is `BEGIN IMMEDIATE`: it takes the write lock
    /// first (waiting for it), because a person-level read writes its audit entry after
    /// reading, and a deferred transaction that upgrades from reading to writing while
    /// another has written is refused at once ("database is locked").
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Which database is behind the store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every migration newer than the database's, each in a transaction.
    async fn migrate(&self) -> Result<()> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let applied: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM schema_migration",
        )
        .fetch_one(&self.pool)
        .await?;
        for migration in MIGRATIONS.iter().filter(|m| m.version > applied) {
            let failed = |source| MdtError::Migration {
                version: migration.version,
                name: migration.name,
                source,
            };
            let mut tx = self.pool.begin().await.map_err(failed)?;
            sqlx::raw_sql(&migration.script(self.backend))
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            sqlx::query(
                "INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(now_text())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
            tx.commit().await.map_err(failed)?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                "migrated"
            );
        }
        Ok(())
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT CAST(MAX(version) AS BIGINT) AS v FROM schema_migration")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Rows in a table, for reports and tests (the name is checked against the schema).
    pub async fn count(&self, table: &str) -> Result<i64> {
        const TABLES: &[&str] = &[
            "organisation",
            "network",
            "practice",
            "app_user",
            "network_member",
            "person",
            "case_finding",
            "referral",
            "meeting",
            "meeting_attendee",
            "case_item",
            "discussion",
            "mdt_action",
            "care_plan",
            "user_session",
            "audit_log",
        ];
        if !TABLES.contains(&table) {
            return Err(MdtError::NotFound(format!("no table {table}")));
        }
        Ok(sqlx::query_scalar(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"
        ))
        .fetch_one(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_do_not_reach_messages() {
        assert_eq!(
            redact("postgres://accord:secret@db.example/accord"),
            "postgres://accord:***@db.example/accord"
        );
        assert_eq!(
            redact("postgres://root@127.0.0.1:5432/test"),
            "postgres://root@127.0.0.1:5432/test"
        );
        assert_eq!(redact("sqlite://a.db?mode=rwc"), "sqlite://a.db?mode=rwc");
    }

    #[test]
    fn backends_follow_the_scheme() {
        assert_eq!(Backend::of_url("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgresql://h/d"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://h/d"), None);
    }
}
