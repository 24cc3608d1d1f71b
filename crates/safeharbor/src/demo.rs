//! Demo data: a provider, client practices with locations, and one user per role, so the
//! product shows what it does on first start. Seeded through the same use cases as real data,
//! so every row has its audit event.

use anyhow::Context;
use safeharbor_core::gap::{self, Mark};
use safeharbor_core::members::{self, AddMember};
use safeharbor_core::orgs::{self, CreateClient};
use safeharbor_core::{App, Caller, install, locations};
use safeharbor_domain::catalog::BaselineStatus;
use safeharbor_domain::org::{LocationKind, NewLocation, OrgKind};
use safeharbor_domain::user::Role;
use time::Duration;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "harbor-demo-2026";

/// Demo accounts: (e-mail, name, role, organization slug).
pub const DEMO_USERS: [(&str, &str, Role, &str); 7] = [
    (
        "admin@harborview.example",
        "Avery Admin",
        Role::ProviderAdmin,
        "harborview-it",
    ),
    (
        "staff@harborview.example",
        "Sam Staff",
        Role::ProviderStaff,
        "harborview-it",
    ),
    (
        "officer@lakeside.example",
        "Olivia Officer",
        Role::ClientAdmin,
        "lakeside-family-medicine",
    ),
    (
        "frontdesk@lakeside.example",
        "Frank Frontdesk",
        Role::ClientMember,
        "lakeside-family-medicine",
    ),
    (
        "officer@cedarridge.example",
        "Carmen Cedar",
        Role::ClientAdmin,
        "cedar-ridge-pediatrics",
    ),
    (
        "officer@summitortho.example",
        "Simon Summit",
        Role::ClientAdmin,
        "summit-orthopedic-group",
    ),
    (
        "auditor@ocr-review.example",
        "Audrey Auditor",
        Role::Auditor,
        "lakeside-family-medicine",
    ),
];

/// The demo provider's slug.
pub const PROVIDER_SLUG: &str = "harborview-it";

/// A demo location: name, kind, address.
type DemoLocation = (&'static str, LocationKind, &'static str);

const CLIENTS: [(&str, &str, &[DemoLocation]); 3] = [
    (
        "Lakeside Family Medicine",
        "lakeside-family-medicine",
        &[
            (
                "Lakeside Main Clinic",
                LocationKind::Clinic,
                "1200 Shoreline Dr, Lakeside, MN 55401",
            ),
            (
                "Northshore Satellite Clinic",
                LocationKind::Clinic,
                "88 Harbor Rd, Two Harbors, MN 55616",
            ),
            (
                "Billing Office",
                LocationKind::Office,
                "1210 Shoreline Dr, Suite 4, Lakeside, MN 55401",
            ),
        ],
    ),
    (
        "Cedar Ridge Pediatrics",
        "cedar-ridge-pediatrics",
        &[
            (
                "Cedar Ridge Main",
                LocationKind::Clinic,
                "450 Cedar Ridge Pkwy, Maple Grove, MN 55369",
            ),
            (
                "Elm Creek Office",
                LocationKind::Clinic,
                "9 Elm Creek Blvd, Plymouth, MN 55441",
            ),
        ],
    ),
    (
        "Summit Orthopedic Group",
        "summit-orthopedic-group",
        &[
            (
                "Summit Surgery Center",
                LocationKind::Hospital,
                "3000 Summit Ave, St. Paul, MN 55105",
            ),
            (
                "Summit Physical Therapy",
                LocationKind::Clinic,
                "3010 Summit Ave, St. Paul, MN 55105",
            ),
            ("Remote Billing Staff", LocationKind::Remote, ""),
        ],
    ),
];

/// CSF 2.0 subcategories the demo MSP practices for every client.
const DEMO_PRACTICED: [&str; 30] = [
    "GV.OC-03", "GV.PO-01", "GV.RR-02", "ID.AM-01", "ID.AM-02", "ID.AM-03", "ID.AM-08", "ID.RA-01",
    "ID.RA-03", "PR.AA-01", "PR.AA-02", "PR.AA-03", "PR.AA-05", "PR.AT-01", "PR.DS-01", "PR.DS-02",
    "PR.DS-11", "PR.PS-01", "PR.PS-02", "PR.PS-03", "PR.PS-04", "PR.IR-01", "PR.IR-02", "DE.CM-01",
    "DE.CM-03", "DE.CM-06", "DE.CM-09", "RS.MA-01", "RC.RP-01", "RC.RP-03",
];
/// ... and those it practices in part.
const DEMO_PARTIAL: [&str; 6] = [
    "GV.SC-01", "ID.RA-05", "PR.AA-06", "PR.DS-10", "DE.AE-02", "RS.CO-02",
];

/// Seeds an empty installation with the demo provider, `clients` client practices (the three
/// named ones first, then numbered ones) and the demo accounts.
pub async fn seed(app: &App, clients: u32) -> anyhow::Result<()> {
    let op = Caller::local_operator();
    install::init(app, &op, "Harborview Managed IT", Some(PROVIDER_SLUG)).await?;
    let mut slugs = Vec::new();
    for i in 0..clients as usize {
        let (name, slug, locs): (String, String, Vec<(String, LocationKind, String)>) =
            match CLIENTS.get(i) {
                Some((n, s, l)) => (
                    n.to_string(),
                    s.to_string(),
                    l.iter()
                        .map(|(a, k, b)| (a.to_string(), *k, b.to_string()))
                        .collect(),
                ),
                None => (
                    format!("Client Practice {:03}", i + 1),
                    format!("client-practice-{:03}", i + 1),
                    vec![
                        (
                            "Main Clinic".to_owned(),
                            LocationKind::Clinic,
                            format!("{} Main St, Springfield", 100 + i),
                        ),
                        (
                            "Satellite Clinic".to_owned(),
                            LocationKind::Clinic,
                            format!("{} Oak Ave, Springfield", 200 + i),
                        ),
                    ],
                ),
            };
        let org = orgs::create_client(
            app,
            &op,
            CreateClient {
                name,
                slug: Some(slug),
                kind: OrgKind::Client,
                hipaa_role: None,
            },
        )
        .await?;
        for (n, k, a) in locs {
            let addr = (!a.is_empty()).then_some(a.as_str());
            locations::create(
                app,
                &op,
                org.slug.as_str(),
                NewLocation::parse(&n, k, addr)?,
            )
            .await?;
        }
        slugs.push(org.slug.to_string());
    }
    for (email, name, role, slug) in DEMO_USERS {
        if !slugs.iter().any(|s| s == slug) && slug != "harborview-it" {
            continue;
        }
        let expires_at = role.must_expire().then(|| app.now() + Duration::days(90));
        members::add(
            app,
            &op,
            slug,
            AddMember {
                email: email.into(),
                name: Some(name.into()),
                role,
                password: Some(DEMO_PASSWORD.into()),
                expires_at,
            },
        )
        .await
        .with_context(|| format!("creating the demo user {email}"))?;
    }
    // The MSP's standard practice: what it does for everyone, marked against NIST CSF 2.0.
    let marks = DEMO_PRACTICED
        .iter()
        .map(|r| Mark {
            item_ref: (*r).to_owned(),
            status: BaselineStatus::Practiced,
            note: None,
        })
        .chain(DEMO_PARTIAL.iter().map(|r| Mark {
            item_ref: (*r).to_owned(),
            status: BaselineStatus::Partial,
            note: Some("in progress".into()),
        }))
        .collect();
    gap::set_baseline(app, &op, "harborview-it", gap::DEFAULT_BASELINE, marks)
        .await
        .context("seeding the demo baseline")?;
    // The risk analysis: the MSP's delivered controls, then each named client's inventory,
    // risks and assessments (current, due soon, overdue). Numbered clients stay empty.
    crate::demo_risk::seed_provider(app, &op, "harborview-it", &slugs[..slugs.len().min(2)])
        .await
        .context("seeding the provider's controls")?;
    crate::demo_sra::provider_analysis(app, &op, &app.now().year().to_string())
        .await
        .context("seeding the provider's own risk analysis")?;
    for (i, slug) in slugs.iter().enumerate().take(CLIENTS.len()) {
        let locs: Vec<String> = CLIENTS[i].2.iter().map(|l| l.0.to_owned()).collect();
        let age = [300, 345, 420][i];
        let officer = [DEMO_USERS[2], DEMO_USERS[4], DEMO_USERS[5]][i];
        crate::demo_risk::seed_client(app, &op, slug, &locs, age, (officer.1, officer.0))
            .await
            .with_context(|| format!("seeding the risk analysis of {slug}"))?;
        crate::demo_evidence::seed_client(app, &op, slug, CLIENTS[i].0)
            .await
            .with_context(|| format!("seeding the evidence of {slug}"))?;
    }
    // The staff member works two of the clients.
    for slug in slugs.iter().take(2) {
        members::add(
            app,
            &op,
            slug,
            AddMember {
                email: DEMO_USERS[1].0.into(),
                name: None,
                role: Role::ProviderStaff,
                password: None,
                expires_at: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Prints the demo sign-ins.
pub fn print_sign_ins() {
    println!("Demo sign-ins (password for all: {DEMO_PASSWORD}):");
    for (email, _, role, slug) in DEMO_USERS {
        println!("  {:<16} {email:<30} ({slug})", role.as_str());
    }
}
