use super::*;

#[test]
fn defaults_put_sqlite_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load(&Overrides {
        data_dir: Some(dir.path().to_owned()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(
        c.database_url(),
        &format!("sqlite://{}", dir.path().join("safeharbor.db").display())
    );
    assert_eq!(c.session_idle_minutes, 15);
    assert_eq!(c.sra_valid_months, 12);
    assert_eq!(c.backup_max_age_hours, 48);
    assert!(!c.cookies_secure(), "plain HTTP on loopback");
}

#[test]
fn flags_win_over_the_file_and_the_file_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("safeharbor.toml"),
        "session_idle_minutes = 5\naddr = \"0.0.0.0:9000\"\nsra_valid_months = 6\nrisk_thresholds = \"3,8,14\"\n",
    )
    .unwrap();
    let c = Config::load(&Overrides {
        data_dir: Some(dir.path().to_owned()),
        session_idle_minutes: Some(7),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(c.session_idle_minutes, 7);
    assert_eq!(c.addr.port(), 9000);
    assert_eq!(c.settings().sra_valid_months, 6);
    assert_eq!(c.risk_thresholds.low_max, 3);
    assert!(c.cookies_secure());
}

#[test]
fn bad_values_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("safeharbor.toml"),
        "sesion_idle_minutes = 5\n",
    )
    .unwrap();
    let err = Config::load(&Overrides {
        data_dir: Some(dir.path().to_owned()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("sesion_idle_minutes"),
        "{err:#}"
    );
    let err = Config::load(&Overrides {
        database_url: Some("mysql://x".into()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("database_url"));
    let err = Config::load(&Overrides {
        risk_thresholds: Some("9,4,15".into()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(format!("{err:#}").contains("risk_thresholds"), "{err:#}");
}

#[test]
fn secrets_never_print() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load(&Overrides {
        data_dir: Some(dir.path().to_owned()),
        database_url: Some("postgres://app:hunter2-secret@db/safeharbor".into()),
        ..Overrides::default()
    })
    .unwrap();
    assert!(c.is_postgres());
    assert!(!format!("{c:?}").contains("hunter2-secret"), "{c:?}");
}
