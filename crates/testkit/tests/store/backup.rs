use reqwest::Method;
use safeharbor_core::Error;
use safeharbor_testkit::{fresh_db, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_backup_restores_to_an_identical_database() {
    let app = spawn_app().await;
    // Some of everything, including a second factor and an archived row.
    app.send_as(
        "alpha_admin",
        Method::POST,
        "/api/v1/orgs/alpha-clinic/locations",
        &json!({"name": "East", "address": "O'Brien's Plaza, \"Suite\" 5"}),
    )
    .await;
    app.call(
        Method::POST,
        "/api/v1/orgs/beta-clinic/archive",
        Some(&app.seed.user("padmin").token),
        None,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let source = app.db.backend.store();
    source.backup(&file).await.unwrap();
    assert!(
        matches!(source.backup(&file).await, Err(Error::Invalid(_))),
        "never overwrites"
    );

    let target = fresh_db().await;
    target.backend.store().restore(&file, false).await.unwrap();
    let before = source.table_digests().await.unwrap();
    let after = target.backend.store().table_digests().await.unwrap();
    assert!(
        before
            .iter()
            .any(|t| t.table == "audit_event" && t.rows > 10)
    );
    assert_eq!(before, after, "every table is identical");
    assert!(matches!(
        safeharbor_core::audit::verify(
            &safeharbor_core::App::new(
                target.backend.store(),
                std::sync::Arc::new(app.blobs.clone()),
                app.clock.clone(),
                safeharbor_core::Settings::default()
            )
            .unwrap(),
            |_| {}
        )
        .await
        .unwrap(),
        safeharbor_core::audit::Verification::Intact { .. }
    ));
}

#[tokio::test]
async fn restore_refuses_a_database_that_is_not_empty_unless_forced() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let store = app.db.backend.store();
    store.backup(&file).await.unwrap();
    app.send_as(
        "padmin",
        Method::POST,
        "/api/v1/orgs",
        &json!({"name": "Written After Backup", "kind": "client"}),
    )
    .await;
    let err = store.restore(&file, false).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    let list = app.get_as("padmin", "/api/v1/orgs?q=written").await;
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        1,
        "nothing lost by the refusal"
    );
    store.restore(&file, true).await.unwrap();
    let list = app.get_as("padmin", "/api/v1/orgs?q=written").await;
    assert!(
        list.json["items"].as_array().unwrap().is_empty(),
        "forced restore brings back the backup's state"
    );
    assert!(matches!(
        safeharbor_core::audit::verify(&app.app, |_| {})
            .await
            .unwrap(),
        safeharbor_core::audit::Verification::Intact { .. }
    ));
}

#[tokio::test]
async fn restore_refuses_a_file_that_is_not_a_backup() {
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junk");
    std::fs::write(&file, "hello").unwrap();
    assert!(db.backend.store().restore(&file, false).await.is_err());
    assert!(
        db.backend
            .store()
            .restore(&dir.path().join("missing"), false)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_database_missing_an_append_only_trigger_is_noticed() {
    let db = fresh_db().await;
    let store = db.backend.store();
    assert!(store.missing_triggers().await.unwrap().is_empty());
    assert!(!store.has_evidence_files().await.unwrap());
    let dropped = if db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_event_no_update ON audit_event")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        "audit_event_no_update"
    } else {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_event_no_delete")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        "audit_event_no_delete"
    };
    assert_eq!(store.missing_triggers().await.unwrap(), vec![dropped]);
}
