//! The audit chain detects every kind of tampering, whichever database holds it.

use safeharbor_core::audit::{Verification, verify};
use safeharbor_core::{Caller, locations};
use safeharbor_domain::audit::ChainBreak;
use safeharbor_domain::org::{LocationKind, NewLocation};
use safeharbor_testkit::{TestApp, spawn_app};

/// Runs raw SQL with the append-only triggers lifted, as an attacker with database access
/// would.
async fn tamper(app: &TestApp, sql: &str) {
    match &app.db.backend {
        safeharbor::Backend::Sqlite(s) => {
            let p = s.pool();
            for t in ["audit_event_no_update", "audit_event_no_delete"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER IF EXISTS {t}")))
                    .execute(p)
                    .await
                    .unwrap();
            }
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .unwrap();
        }
        safeharbor::Backend::Postgres(s) => {
            let p = s.pool();
            sqlx::query("DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event")
                .execute(p)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .unwrap();
        }
    }
}

async fn broken(app: &TestApp) -> ChainBreak {
    match verify(&app.app, |_| {}).await.unwrap() {
        Verification::Broken(b) => b,
        Verification::Intact { events, .. } => panic!("tampering went unnoticed ({events} events)"),
    }
}

#[tokio::test]
async fn an_untouched_trail_verifies() {
    let app = spawn_app().await;
    match verify(&app.app, |_| {}).await.unwrap() {
        Verification::Intact { events, head_hash } => {
            assert!(events > 10, "the seed wrote events: {events}");
            assert_eq!(head_hash.len(), 64);
        }
        Verification::Broken(b) => panic!("{b}"),
    }
}

#[tokio::test]
async fn the_database_itself_refuses_to_edit_or_delete_events() {
    let app = spawn_app().await;
    let result = match &app.db.backend {
        safeharbor::Backend::Sqlite(s) => {
            sqlx::query("UPDATE audit_event SET summary = 'x' WHERE seq = 1")
                .execute(s.pool())
                .await
                .map(|_| ())
        }
        safeharbor::Backend::Postgres(s) => sqlx::query("DELETE FROM audit_event WHERE seq = 1")
            .execute(s.pool())
            .await
            .map(|_| ()),
    };
    assert!(result.is_err(), "the append-only trigger refuses");
}

#[tokio::test]
async fn an_edited_event_is_named() {
    let app = spawn_app().await;
    tamper(
        &app,
        "UPDATE audit_event SET summary = 'nothing happened' WHERE seq = 3",
    )
    .await;
    assert_eq!(broken(&app).await, ChainBreak::Content { seq: 3 });
}

#[tokio::test]
async fn a_deleted_event_is_named() {
    let app = spawn_app().await;
    tamper(&app, "DELETE FROM audit_event WHERE seq = 4").await;
    assert_eq!(
        broken(&app).await,
        ChainBreak::Gap {
            expected_after: 3,
            found: 5
        }
    );
}

#[tokio::test]
async fn reordered_events_are_caught() {
    let app = spawn_app().await;
    tamper(&app, "UPDATE audit_event SET seq = -5 WHERE seq = 5").await;
    tamper(&app, "UPDATE audit_event SET seq = 5 WHERE seq = 6").await;
    tamper(&app, "UPDATE audit_event SET seq = 6 WHERE seq = -5").await;
    let b = broken(&app).await;
    assert!(
        matches!(
            b,
            ChainBreak::Link { seq: 5 } | ChainBreak::Content { seq: 5 }
        ),
        "{b:?}"
    );
}

#[tokio::test]
async fn a_truncated_trail_is_caught() {
    let app = spawn_app().await;
    tamper(&app, "DELETE FROM audit_event WHERE seq > 7").await;
    assert!(matches!(
        broken(&app).await,
        ChainBreak::Truncated { last: 7, .. }
    ));
}

#[tokio::test]
async fn a_rewritten_event_with_a_recomputed_hash_still_breaks_the_next_link() {
    let app = spawn_app().await;
    tamper(&app, "UPDATE audit_event SET hash = 'ffff' WHERE seq = 2").await;
    let b = broken(&app).await;
    assert!(matches!(b, ChainBreak::Content { seq: 2 }), "{b:?}");
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let a = app.app.clone();
        tasks.push(tokio::spawn(async move {
            let op = Caller::local_operator();
            let slug = if i % 2 == 0 {
                "alpha-clinic"
            } else {
                "beta-clinic"
            };
            locations::create(
                &a,
                &op,
                slug,
                NewLocation::parse(&format!("Site {i}"), LocationKind::Clinic, None).unwrap(),
            )
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(matches!(
        verify(&app.app, |_| {}).await.unwrap(),
        Verification::Intact { .. }
    ));
}
