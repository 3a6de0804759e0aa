//! MDT databases for tests: the same small demo borough in SQLite (always) and in
//! PostgreSQL at 127.0.0.1:5432 (database `test`, each test in its own schema) where one
//! is reachable. Where it is not, the tests say so loudly on stderr and run on SQLite.

use accord_mdt::Store;
use accord_mdt::demo::{DemoBorough, DemoPerson, DemoPractice, load_demo};
use accord_mdt::exchange::{CaseFindingRow, DiscussionRow};
use chrono::NaiveDate;

/// Where the PostgreSQL tests connect (override with ACCORD_TEST_POSTGRES).
pub fn postgres_url() -> String {
    std::env::var("ACCORD_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// One test database.
pub struct TestDatabase {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The store, migrated.
    pub store: Store,
    /// Its URL, for a command or a second connection.
    pub url: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// Drops the PostgreSQL test schema; SQLite's temporary folder goes with the value.
    pub async fn finish(self) {
        use sqlx::Connection;
        self.store.pool().close().await;
        if let Some(schema) = &self.schema
            && let Ok(mut admin) = sqlx::AnyConnection::connect(&postgres_url()).await
        {
            let _ = sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&mut admin)
                .await;
        }
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Two networks (N01, N02) of 20 people each (odd ids in N01), risk scores for ids up to
/// 30, the top ten of each network on its case-finding list, and a little MDT history.
pub fn small_borough() -> DemoBorough {
    let network = |id: u64| if id % 2 == 1 { "N01" } else { "N02" };
    let people = (1..=40u64)
        .map(|id| DemoPerson {
            id,
            network: network(id).into(),
            practice: if id % 2 == 1 { "P01" } else { "P02" }.into(),
            sex: if id % 3 == 0 { "male" } else { "female" }.into(),
            birth_year: 1940 + id as i32,
            risk: (id <= 30).then(|| {
                (
                    0.1 + id as f64 / 100.0,
                    vec![
                        "Emergency admissions in the last year: 2".into(),
                        "Heart failure".into(),
                    ],
                )
            }),
        })
        .collect();
    let mut case_finding = Vec::new();
    for code in ["N01", "N02"] {
        let mut ranked: Vec<u64> = (1..=30u64).filter(|id| network(*id) == code).collect();
        ranked.sort_by(|a, b| b.cmp(a));
        for (i, id) in ranked.into_iter().take(10).enumerate() {
            case_finding.push(CaseFindingRow {
                network: code.into(),
                rank: i + 1,
                person_id: id,
                score: 0.1 + id as f64 / 100.0,
                reasons: vec!["Emergency admissions in the last year: 2".into()],
            });
        }
    }
    let discussion = |person: u64, date: NaiveDate| DiscussionRow {
        meeting_date: date,
        network_code: network(person).into(),
        person_id: person,
        referral_source: "gp".into(),
    };
    DemoBorough {
        networks: vec![
            ("N01".into(), "Network 1".into()),
            ("N02".into(), "Network 2".into()),
        ],
        practices: vec![
            DemoPractice {
                code: "P01".into(),
                name: "Practice 1".into(),
                network: Some("N01".into()),
            },
            DemoPractice {
                code: "P02".into(),
                name: "Practice 2".into(),
                network: Some("N02".into()),
            },
            DemoPractice {
                code: "P03".into(),
                name: "Practice 3".into(),
                network: None,
            },
        ],
        people,
        scored_on: day(2026, 3, 31),
        case_finding,
        discussions: vec![
            discussion(1, day(2026, 1, 8)),
            discussion(2, day(2026, 1, 8)),
            discussion(3, day(2026, 1, 8)),
            discussion(4, day(2026, 1, 8)),
            discussion(1, day(2026, 2, 5)),
            discussion(2, day(2026, 2, 5)),
        ],
    }
}

/// A new, empty database of each backend there is.
///
/// # Panics
/// If SQLite cannot be opened in a temporary folder: a fixture has no one to report to.
pub async fn databases() -> Vec<TestDatabase> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = accord_mdt::store::sqlite_url(&dir.path().join("mdt.sqlite"));
    let sqlite = Store::connect(&url).await.expect("an SQLite database");
    let mut all = vec![TestDatabase {
        backend: "SQLite",
        store: sqlite,
        url,
        schema: None,
        _dir: Some(dir),
    }];
    match postgres_schema().await {
        Ok((store, url, schema)) => all.push(TestDatabase {
            backend: "PostgreSQL",
            store,
            url,
            schema: Some(schema),
            _dir: None,
        }),
        Err(reason) => eprintln!(
            "\n*** SKIPPED: the PostgreSQL half of this test: {reason}. Only SQLite was tested. ***\n"
        ),
    }
    all
}

/// Each backend's database with the small borough's demo loaded (today: the real date).
///
/// # Panics
/// If the demo does not load: that is the failure the test reports.
pub async fn demo_databases() -> Vec<TestDatabase> {
    let mut all = databases().await;
    for db in &mut all {
        load_demo(&db.store, &small_borough(), chrono::Utc::now().date_naive())
            .await
            .unwrap_or_else(|e| panic!("{}: loading the demo: {e}", db.backend));
    }
    all
}

/// A fresh schema in the PostgreSQL test database, and a store whose connections use it.
async fn postgres_schema() -> Result<(Store, String, String), String> {
    use sqlx::Connection;
    let base = postgres_url();
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&base)
        .await
        .map_err(|e| format!("PostgreSQL at {base} is not reachable ({e})"))?;
    let schema = format!(
        "accord_test_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .map_err(|e| format!("cannot create a schema in {base}: {e}"))?;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let store = Store::connect(&url)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    Ok((store, url, schema))
}
