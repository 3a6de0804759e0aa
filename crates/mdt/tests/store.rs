//! The operational database on both backends: migrations, the demo load, the audit log's
//! append-only rule, and the export of discussions for analytics.

use accord_mdt::Store;
use accord_mdt::demo::load_demo;
use accord_mdt::exchange::discussion_rows;
use accord_testkit::mdt::{databases, demo_databases, small_borough};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_and_reconnecting_keeps_the_data() {
    for db in databases().await {
        assert_eq!(
            db.store.schema_version().await.unwrap(),
            2,
            "{}",
            db.backend
        );
        let again = Store::connect(&db.url).await.unwrap();
        assert_eq!(again.schema_version().await.unwrap(), 2, "{}", db.backend);
        again.pool().close().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_once_into_an_empty_database() {
    for db in demo_databases().await {
        let b = db.backend;
        assert_eq!(db.store.count("network").await.unwrap(), 2, "{b}");
        assert_eq!(db.store.count("person").await.unwrap(), 40, "{b}");
        assert_eq!(db.store.count("discussion").await.unwrap(), 6, "{b}");
        // Two networks' care teams of six, an analyst and an administrator.
        assert_eq!(db.store.count("app_user").await.unwrap(), 14, "{b}");
        assert_eq!(db.store.count("case_finding").await.unwrap(), 20, "{b}");
        let again = load_demo(&db.store, &small_borough(), chrono::Utc::now().date_naive()).await;
        assert!(
            again
                .unwrap_err()
                .to_string()
                .contains("already has networks"),
            "{b}"
        );
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_can_edit_or_delete_the_audit_log() {
    for db in demo_databases().await {
        sqlx::query("INSERT INTO audit_log (occurred_at, user_id, username, action, entity, entity_id, person_id, route) VALUES ('2026-01-01T00:00:00Z', 1, 'x', 'view', 'person', '1', 1, 'GET /')")
            .execute(db.store.pool())
            .await
            .unwrap();
        for change in [
            "UPDATE audit_log SET username = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let refused = sqlx::query(change).execute(db.store.pool()).await;
            let message = refused.unwrap_err().to_string();
            assert!(
                message.contains("append-only"),
                "{}: {change}: {message}",
                db.backend
            );
        }
        assert_eq!(db.store.count("audit_log").await.unwrap(), 1);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_exports_as_it_was_loaded() {
    for db in demo_databases().await {
        let mut expected = small_borough().discussions;
        expected.sort();
        let rows = discussion_rows(&db.store).await.unwrap();
        assert_eq!(rows, expected, "{}", db.backend);
        db.finish().await;
    }
}
