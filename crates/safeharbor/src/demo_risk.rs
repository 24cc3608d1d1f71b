//! Demo risk analysis: each demo client gets an asset inventory (including the `VoIP`, SD-WAN and
//! desktop-as-a-service its MSP delivers), risks from the threat library, a risk assessment
//! finalized last year and this year's in progress, and a risk management plan with some tasks
//! overdue. The MSP gets the controls it delivers to its clients. Recorded through the ordinary
//! use cases, on a clock set back for last year's work.

use std::sync::Arc;

use anyhow::Context;
use safeharbor_core::clock::FakeClock;
use safeharbor_core::controls::{self, ControlInput};
use safeharbor_core::risks;
use safeharbor_core::sra::{self, MakeFromAnswer};
use safeharbor_core::{App, Caller, assets};
use safeharbor_domain::risk::{AnswerInput, AssetInput, RiskInput, RiskStatus};
use time::{Duration, OffsetDateTime};

/// (name, kind, ePHI role, criticality, vendor, at rest, in transit, mfa, location index)
type DemoAsset = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
);

const ASSETS: [DemoAsset; 14] = [
    (
        "EHR and practice management",
        "ehr",
        "stores",
        "critical",
        "Athena-style hosted EHR",
        "yes",
        "yes",
        "yes",
        0,
    ),
    (
        "Hosted desktops (DaaS)",
        "daas",
        "processes",
        "critical",
        "Harborview Managed IT",
        "yes",
        "yes",
        "yes",
        0,
    ),
    (
        "VoIP phone system and voicemail",
        "voip",
        "transmits",
        "high",
        "Harborview Managed IT",
        "unknown",
        "yes",
        "no",
        0,
    ),
    (
        "SD-WAN edge, main clinic",
        "sd_wan",
        "transmits",
        "high",
        "Harborview Managed IT",
        "na",
        "yes",
        "yes",
        0,
    ),
    (
        "SD-WAN edge, satellite",
        "sd_wan",
        "transmits",
        "high",
        "Harborview Managed IT",
        "na",
        "yes",
        "yes",
        1,
    ),
    (
        "Clinic firewall and Wi-Fi",
        "network",
        "transmits",
        "high",
        "Harborview Managed IT",
        "na",
        "yes",
        "yes",
        0,
    ),
    (
        "Cloud backup repository",
        "backup",
        "stores",
        "critical",
        "Harborview Managed IT",
        "yes",
        "yes",
        "yes",
        0,
    ),
    (
        "File server",
        "server",
        "stores",
        "high",
        "Dell",
        "no",
        "yes",
        "no",
        0,
    ),
    (
        "Front desk workstations",
        "workstation",
        "processes",
        "moderate",
        "HP",
        "yes",
        "yes",
        "no",
        0,
    ),
    (
        "Provider laptops",
        "laptop",
        "stores",
        "high",
        "Lenovo",
        "yes",
        "yes",
        "yes",
        1,
    ),
    (
        "Staff phones (e-mail, secure messaging)",
        "mobile",
        "transmits",
        "moderate",
        "Apple",
        "yes",
        "yes",
        "yes",
        1,
    ),
    (
        "Digital X-ray",
        "medical_device",
        "stores",
        "high",
        "Carestream",
        "unknown",
        "no",
        "na",
        0,
    ),
    (
        "Microsoft 365 e-mail",
        "cloud_app",
        "transmits",
        "high",
        "Microsoft",
        "yes",
        "yes",
        "yes",
        0,
    ),
    (
        "Archived paper charts",
        "paper",
        "phi_on_paper",
        "moderate",
        "",
        "na",
        "na",
        "na",
        0,
    ),
];

/// (asset index, threat key, vulnerability, L, I, residual L, residual I, owner)
type DemoRisk = (
    usize,
    &'static str,
    &'static str,
    i64,
    i64,
    Option<(i64, i64)>,
    &'static str,
);

const RISKS: [DemoRisk; 12] = [
    (
        0,
        "ransomware",
        "Backups reachable with the same administrator credentials",
        4,
        5,
        Some((2, 5)),
        "Practice manager",
    ),
    (
        0,
        "phishing",
        "Staff click links in convincing e-mail; no phishing simulation",
        4,
        4,
        Some((3, 4)),
        "Security officer",
    ),
    (
        1,
        "hacking",
        "Remote access to hosted desktops without conditional access",
        3,
        5,
        Some((2, 4)),
        "Harborview Managed IT",
    ),
    (
        2,
        "insider-snooping",
        "Voicemail boxes share default PINs",
        3,
        3,
        None,
        "Office manager",
    ),
    (
        7,
        "hardware-software-failure",
        "File server past vendor support; no spare",
        3,
        4,
        Some((3, 3)),
        "Harborview Managed IT",
    ),
    (
        7,
        "lost-stolen-device",
        "File server disks are not encrypted",
        2,
        5,
        None,
        "Harborview Managed IT",
    ),
    (
        8,
        "insider-snooping",
        "Shared front desk logins; no automatic logoff",
        4,
        3,
        Some((2, 3)),
        "Security officer",
    ),
    (
        9,
        "lost-stolen-device",
        "Laptops leave the clinic daily",
        3,
        4,
        Some((1, 4)),
        "Security officer",
    ),
    (
        11,
        "vendor-compromise",
        "Imaging vendor connects with a standing remote session",
        3,
        4,
        None,
        "Practice manager",
    ),
    (
        12,
        "phishing",
        "Mailbox rules can forward mail outside the practice",
        3,
        4,
        Some((2, 3)),
        "Harborview Managed IT",
    ),
    (
        13,
        "improper-disposal",
        "Old charts go out with regular recycling",
        2,
        4,
        Some((1, 4)),
        "Office manager",
    ),
    (
        3,
        "power-outage",
        "Single circuit and no UPS at the main clinic",
        3,
        3,
        None,
        "Harborview Managed IT",
    ),
];

/// Controls the MSP delivers: (title, frequency, citations, to all clients)
const PROVIDER_CONTROLS: [(&str, &str, &[&str], bool); 5] = [
    (
        "Managed backup with daily off-site copies",
        "Daily; restore test monthly",
        &[
            "164.308(a)(7)(ii)(A)",
            "164.308(a)(7)(ii)(B)",
            "164.310(d)(2)(iv)",
        ],
        true,
    ),
    (
        "Endpoint detection and response on every managed device",
        "Continuous",
        &["164.308(a)(5)(ii)(B)", "164.308(a)(6)(ii)"],
        true,
    ),
    (
        "Monthly patching of managed servers and workstations",
        "Monthly",
        &["164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"],
        true,
    ),
    (
        "MFA on the MSP's remote support and RMM tools",
        "Reviewed quarterly",
        &["164.312(d)", "164.312(a)(1)"],
        true,
    ),
    (
        "Encrypted SD-WAN tunnels between sites",
        "Continuous",
        &["164.312(e)(1)", "164.312(e)(2)(ii)"],
        false,
    ),
];

fn days_before(now: OffsetDateTime, days: i64) -> OffsetDateTime {
    now - Duration::days(days)
}

/// The MSP's delivered controls (before clients exist to receive the partial one).
pub async fn seed_provider(
    app: &App,
    op: &Caller,
    provider: &str,
    sd_wan_clients: &[String],
) -> anyhow::Result<()> {
    for (title, freq, refs, all) in PROVIDER_CONTROLS {
        controls::create(
            app,
            op,
            provider,
            ControlInput {
                title: title.into(),
                owner: "Harborview service desk".into(),
                frequency: freq.into(),
                requirement_refs: refs.iter().map(|r| (*r).to_owned()).collect(),
                provided_to_all: all,
                provided_to: if all {
                    Vec::new()
                } else {
                    sd_wan_clients.to_vec()
                },
                ..ControlInput::default()
            },
        )
        .await
        .with_context(|| format!("seeding the provider control {title}"))?;
    }
    Ok(())
}

/// A client's inventory, risks, last year's finalized assessment and this year's draft.
/// `age_days`: how long ago last year's assessment was finalized.
pub async fn seed_client(
    app: &App,
    op: &Caller,
    slug: &str,
    locations: &[String],
    age_days: i64,
    officer: (&str, &str),
) -> anyhow::Result<()> {
    let now = app.now();
    let at = |d: i64| days_before(now, d);
    let past_clock = Arc::new(FakeClock::new(at(age_days + 30)));
    let past = app.with_clock(past_clock.clone());
    let mut ids = Vec::new();
    for (name, kind, role, crit, vendor, rest, transit, mfa, loc) in ASSETS {
        let location = locations
            .get(loc)
            .or(locations.first())
            .map_or("", String::as_str);
        let scope =
            safeharbor_core::authz::scope(&past, op, slug, safeharbor_core::authz::Need::Read)
                .await?;
        let loc_id = assets::resolve_location(&past, &scope, location).await?;
        let fields = AssetInput {
            name,
            kind,
            ephi_role: role,
            criticality: crit,
            owner: if vendor.starts_with("Harborview") {
                "Harborview Managed IT"
            } else {
                "Practice manager"
            },
            vendor,
            encryption_at_rest: rest,
            encryption_in_transit: transit,
            mfa,
            notes: "",
        }
        .parse(loc_id)?;
        ids.push(assets::create(&past, op, slug, fields, false).await?.id);
    }
    for (i, (asset, threat, vuln, l, imp, residual, owner)) in RISKS.iter().enumerate() {
        let due = (now.date()
            + Duration::days(if i % 3 == 0 {
                -20
            } else {
                45 + 15 * i64::try_from(i).unwrap_or(0)
            }))
        .to_string();
        let (rl, ri) = residual.map_or((None, None), |(a, b)| (Some(a), Some(b)));
        risks::create(
            &past,
            op,
            slug,
            Some(ids[*asset]),
            RiskInput {
                threat_key: threat,
                vulnerability: vuln,
                likelihood: Some(*l),
                impact: Some(*imp),
                existing_controls: if residual.is_some() {
                    "See the provider's managed controls"
                } else {
                    ""
                },
                residual_likelihood: rl,
                residual_impact: ri,
                owner,
                due_date: &due,
                ..RiskInput::default()
            },
            RiskStatus::Open,
            "suggestion",
        )
        .await?;
    }
    // Last year's risk analysis, made completely and signed off by the practice's officer.
    let period_last = (now.year() - 1).to_string();
    past_clock.set(at(age_days + 1));
    crate::demo_sra::finalized(
        &past,
        op,
        slug,
        &period_last,
        "All ePHI of the practice at every location, including systems the MSP hosts.",
        &crate::demo_sra::People {
            official: officer.0,
            official_email: officer.1,
            preparer: "Sam Staff, Harborview Managed IT",
        },
    )
    .await
    .context("finalizing last year's demo risk analysis")?;
    // Since then: some of the plan done.
    past_clock.set(at(age_days.min(200) / 2));
    let done: Vec<_> = safeharbor_core::tasks::list(
        &past,
        op,
        slug,
        &safeharbor_core::ports::TaskFilter::default(),
    )
    .await?
    .into_iter()
    .filter(|t| t.origin_kind == "risk")
    .step_by(2)
    .collect();
    for task in done {
        let input = safeharbor_core::tasks::TaskInput {
            title: task.title.clone(),
            due_date: task.due_date.map(|d| d.to_string()).unwrap_or_default(),
            assignee: task.assignee.clone().unwrap_or_default(),
            ..Default::default()
        };
        safeharbor_core::tasks::update(
            &past,
            op,
            slug,
            task.id,
            input,
            safeharbor_domain::risk::TaskStatus::Done,
        )
        .await?;
    }
    let period_now = now.year().to_string();
    if period_now != period_last {
        let draft = sra::start(app, op, slug, &period_now, "").await?;
        // A gap found this year becomes a task in the same step.
        {
            sra::answer(
                app,
                op,
                slug,
                draft.id,
                "164.308(a)(5)(ii)(A)",
                &AnswerInput {
                    status: "partial",
                    notes: "Monthly reminders lapsed in the spring",
                    ..AnswerInput::default()
                },
                MakeFromAnswer::Task {
                    title: String::new(),
                    assignee: "Security officer".into(),
                    due_date: (now.date() + Duration::days(30)).to_string(),
                },
            )
            .await?;
        }
    }
    Ok(())
}
