use safeharbor_core::ports::{LocationFilter, Store};
use safeharbor_core::{Caller, Error, authz, locations};
use safeharbor_domain::page::PageRequest;
use safeharbor_testkit::spawn_app;

#[tokio::test]
async fn a_scope_reaches_only_its_own_organizations_rows() {
    let app = spawn_app().await;
    let store: std::sync::Arc<dyn Store> = app.db.backend.store();
    let alpha = app.operator_scope("alpha-clinic").await;
    let beta = app.operator_scope("beta-clinic").await;
    let beta_loc = safeharbor_domain::ids::LocationId::parse(&app.seed.beta_location).unwrap();
    assert!(matches!(
        store.get_location(&alpha, beta_loc).await,
        Err(Error::NotFound)
    ));
    assert!(store.get_location(&beta, beta_loc).await.is_ok());
    let listed = store
        .list_locations(&alpha, &LocationFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert!(listed.items.iter().all(|l| l.org_id == alpha.org_id()));
    // Writing another tenant's row through a scope changes nothing.
    let mut loc = store.get_location(&beta, beta_loc).await.unwrap();
    loc.name = "Hijacked".into();
    let ev = Caller::local_operator().event(app.app.now(), None, "test", "location", None, "x");
    assert!(matches!(
        store.update_location(&alpha, &loc, &ev).await,
        Err(Error::NotFound)
    ));
    assert_ne!(
        store.get_location(&beta, beta_loc).await.unwrap().name,
        "Hijacked"
    );
}

#[tokio::test]
async fn an_operator_scope_is_minted_only_through_authz() {
    let app = spawn_app().await;
    let op = Caller::local_operator();
    assert!(matches!(
        authz::scope(&app.app, &op, "no-such-org", authz::Need::Read).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        authz::scope(&app.app, &op, "NOT A SLUG", authz::Need::Read).await,
        Err(Error::NotFound)
    ));
    let l = locations::list(
        &app.app,
        &op,
        "alpha-clinic",
        &LocationFilter::default(),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(l.items.len(), 1);
}

#[tokio::test]
async fn migration_files_have_the_same_names_on_both_backends() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let sqlite = names(&format!("{root}/store-sqlite/migrations"));
    let postgres = names(&format!("{root}/store-postgres/migrations"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
