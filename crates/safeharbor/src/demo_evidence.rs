//! Demo evidence: each named client gets documents, a link, an RMM device inventory and backup
//! results (with findings that become tasks), some evidence about to expire and some expired,
//! so the locker, coverage and the MSP's expiring list show what they do on first start.

use std::sync::Arc;

use anyhow::Context;
use safeharbor_core::clock::FakeClock;
use safeharbor_core::evidence::imports::{self, ImportKind, ImportRequest};
use safeharbor_core::evidence::{self, NewEvidence};
use safeharbor_core::{App, Caller, controls};
use safeharbor_domain::evidence::LinkTarget;

/// (title, file name, requirement, days ago collected, valid for days)
const DOCUMENTS: [(&str, &str, &str, i64, i64); 4] = [
    (
        "Quarterly user access review sign-off",
        "access-review.txt",
        "164.308(a)(3)(ii)(B)",
        40,
        90,
    ),
    (
        "Backup restore test report",
        "restore-test.txt",
        "164.308(a)(7)(ii)(D)",
        200,
        365,
    ),
    (
        "Disaster recovery tabletop exercise minutes",
        "dr-tabletop.txt",
        "164.308(a)(7)(ii)(B)",
        380,
        365,
    ),
    (
        "Security awareness training completion",
        "training-roster.txt",
        "164.308(a)(5)(i)",
        10,
        365,
    ),
];

fn device_csv(client: &str) -> String {
    let short: String = client
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_uppercase();
    format!(
        "device,holds_ephi,encryption,patch_status,antivirus,last_seen,os\n\
         {short}-FRONT-01,yes,encrypted,up to date,protected,2026-11-28,Windows 11 Pro\n\
         {short}-EXAM-02,yes,encrypted,up to date,protected,2026-11-28,Windows 11 Pro\n\
         {short}-EXAM-03,yes,not encrypted,missing updates,protected,2026-11-27,Windows 10 Pro\n\
         {short}-BILLING-01,yes,encrypted,up to date,protected,2026-11-28,Windows 11 Pro\n\
         {short}-LAB-01,no,not encrypted,up to date,not running,2026-11-20,Windows 11 Pro\n"
    )
}

/// Seeds a client's evidence. `name` is the client's display name (device names derive from it).
pub async fn seed_client(app: &App, op: &Caller, slug: &str, name: &str) -> anyhow::Result<()> {
    let now = app.now();
    let own_controls = controls::list(app, op, slug).await?;
    for (title, file, requirement, ago, valid) in DOCUMENTS {
        let at = now - time::Duration::days(ago);
        let past = app.with_clock(Arc::new(FakeClock::new(at)));
        let mut upload = evidence::begin(&past, op, slug, Some(file), None).await?;
        upload
            .write(
                format!(
                    "{title}\n{name}\nCompleted {} and reviewed by the security officer.\n",
                    at.date()
                )
                .as_bytes(),
            )
            .await?;
        let mut links = vec![LinkTarget::Requirement(requirement.into())];
        if let Some(c) = own_controls
            .iter()
            .find(|c| c.requirement_refs.iter().any(|r| r == requirement))
        {
            links.push(LinkTarget::Control(c.id));
        }
        upload
            .finish(
                &past,
                op,
                &NewEvidence {
                    title: title.into(),
                    valid_until: (at.date() + time::Duration::days(valid)).to_string(),
                    links,
                    ..NewEvidence::default()
                },
            )
            .await
            .with_context(|| format!("seeding the evidence {title}"))?;
    }
    evidence::add_link(
        app,
        op,
        slug,
        "https://tickets.harborview.example/DR-2026-114",
        &NewEvidence {
            title: "Annual disaster recovery failover test (ticket)".into(),
            valid_until: (now.date() + time::Duration::days(20)).to_string(),
            links: vec![LinkTarget::Requirement("164.308(a)(7)(ii)(B)".into())],
            ..NewEvidence::default()
        },
        None,
    )
    .await
    .context("seeding a link")?;
    let devices = device_csv(name);
    imports::run(
        app,
        op,
        slug,
        ImportRequest {
            kind: ImportKind::Devices,
            data: devices.as_bytes(),
            file_name: Some("rmm-device-export.csv"),
            mapping: None,
            dry_run: false,
            controls: Vec::new(),
        },
    )
    .await
    .context("seeding a device inventory import")?;
    let day = |d: i64| (now - time::Duration::days(d)).date();
    let backups = format!(
        "job,device,last_success,last_restore_test\n\
         EHR database nightly,EHR-SQL-01,{}T02:10:00Z,{}\n\
         File server nightly,FILES-01,{}T02:40:00Z,{}\n\
         Imaging archive weekly,PACS-01,{}T03:00:00Z,{}\n",
        day(0),
        day(90),
        day(4),
        day(90),
        day(2),
        day(420),
    );
    imports::run(
        app,
        op,
        slug,
        ImportRequest {
            kind: ImportKind::Backups,
            data: backups.as_bytes(),
            file_name: Some("backup-jobs.csv"),
            mapping: None,
            dry_run: false,
            controls: Vec::new(),
        },
    )
    .await
    .context("seeding a backup results import")?;
    Ok(())
}
