//! The demo's risk analyses, made the way a practice should make one: every item answered for
//! real (not applicable only where the catalog allows it, with the reason), implemented items
//! saying how, addressable decisions recorded, every gap tied to a risk and a plan, every
//! system holding ePHI examined against every threat category, the security official named,
//! and the organization's own sign-off apart from the MSP's preparer.

use std::collections::{HashMap, HashSet};

use safeharbor_catalog::threats::ThreatLibrary;
use safeharbor_core::sra::{self, MakeFromAnswer};
use safeharbor_core::{App, Caller, considerations, profile, risks};
use safeharbor_domain::catalog::Requirement;
use safeharbor_domain::ids::AssessmentId;
use safeharbor_domain::risk::{AnswerInput, AssetKind, THREAT_CATEGORIES};

/// Why an item that applies only under a condition does not apply to a practice.
fn na_reason(reference: &str, is_provider: bool) -> &'static str {
    match reference {
        "164.308(a)(4)(ii)(A)" => {
            "The organization is not a health care clearinghouse and contains none: it neither \
             converts nor processes other parties' nonstandard transactions."
        }
        "164.314(a)(2)(ii)" => {
            "The organization is a private company, not a governmental entity; its business \
             associate arrangements are written contracts."
        }
        "164.314(a)(2)(iii)" if !is_provider => {
            "The practice is a covered entity, not a business associate, so it holds no \
             business associate contracts with subcontractors."
        }
        _ => {
            "The organization is not a group health plan; the employee health coverage it \
             sponsors is a fully insured plan, which is a separate covered entity."
        }
    }
}

/// How an item is implemented, in the words a practice would use; items not listed get a
/// description built from their title.
fn how(reference: &str, title: &str) -> String {
    let specific = match reference {
        "164.308(a)(1)(ii)(A)" => {
            "This analysis: inventory of every ePHI system, threats per system, ratings and a \
             questionnaire over the Security Rule, prepared with the MSP each year."
        }
        "164.308(a)(1)(ii)(B)" => {
            "Risk management plan in Safeharbor: each risk above the acceptance threshold is \
             mitigated with an owner and a due date, or accepted by the security official."
        }
        "164.308(a)(1)(ii)(C)" => {
            "Sanctions policy in the employee handbook; sanctions are recorded by the practice \
             manager."
        }
        "164.308(a)(1)(ii)(D)" => {
            "The security official reviews the EHR access report and the MSP's alert summary \
             monthly and records the review."
        }
        "164.308(a)(2)" => "The security official is named in the practice's profile.",
        "164.308(a)(5)(ii)(B)" => {
            "Endpoint detection and response on every managed device, run by the MSP."
        }
        "164.308(a)(6)(ii)" => {
            "Incident response procedure: staff report to the security official, who logs, \
             contains and documents each incident with the MSP."
        }
        "164.308(a)(7)(ii)(A)" => {
            "Nightly managed backups of the file server and EHR exports, with an off-site copy."
        }
        "164.310(d)(2)(i)" => {
            "Drives are wiped or shredded by a certified vendor; certificates kept in the \
             evidence locker."
        }
        "164.312(a)(2)(i)" => "Every person has their own EHR and Windows account; no shared IDs.",
        "164.312(b)" => "EHR audit log and Windows security logs are kept 12 months.",
        "164.316(b)(2)(i)" => "Policies and records are kept in Safeharbor for at least six years.",
        _ => "",
    };
    if specific.is_empty() {
        format!(
            "{title}: covered by the practice's written procedure, which staff follow and the \
             security official reviews each year."
        )
    } else {
        specific.to_owned()
    }
}

/// One answer: status, decision, alternative, why the alternative fits, reason, what to make.
struct Planned {
    status: &'static str,
    decision: &'static str,
    alternative: &'static str,
    alternative_reason: &'static str,
    reason: &'static str,
    make: Option<(i64, i64, &'static str)>,
}

/// The items a practice answers with a gap or a decision other than "as specified".
fn planned(reference: &str) -> Option<Planned> {
    Some(match reference {
        // A required standard partly met: MFA is missing on some systems.
        "164.312(d)" => Planned {
            status: "partial",
            decision: "",
            alternative: "",
            alternative_reason: "",
            reason: "",
            make: Some((3, 4, "MFA is not enforced on the file server and voicemail")),
        },
        // Addressable, not fully met, planned for (risk and task).
        "164.312(a)(2)(iv)" => Planned {
            status: "partial",
            decision: "",
            alternative: "",
            alternative_reason: "",
            reason: "",
            make: Some((2, 5, "The file server's disks are not encrypted")),
        },
        // Addressable, met by an equivalent alternative.
        "164.310(a)(2)(iii)" => Planned {
            status: "implemented",
            decision: "alternative",
            alternative: "Visitors sign in at reception and are escorted; the server closet is \
                          locked and only the practice manager and the MSP hold keys.",
            alternative_reason: "With one entrance and staff at reception all day, escorting \
                                 gives the same assurance as badge readers at far lower cost.",
            reason: "Electronic access control with validation is out of proportion for a \
                     two-room satellite clinic with one entrance.",
            make: None,
        },
        _ => return None,
    })
}

/// Answers every item of `assessment`; gaps become risks (on the first ePHI system).
async fn answer_all(
    app: &App,
    op: &Caller,
    slug: &str,
    assessment: AssessmentId,
    items: &[Requirement],
    is_provider: bool,
) -> anyhow::Result<()> {
    for req in items {
        let implementation = how(&req.reference, &req.title);
        let (input, make) = if req.na_condition.is_some()
            && !(is_provider && req.reference == "164.314(a)(2)(iii)")
        {
            (
                AnswerInput {
                    status: "not_applicable",
                    reason: na_reason(&req.reference, is_provider),
                    ..AnswerInput::default()
                },
                MakeFromAnswer::Nothing,
            )
        } else if let Some(p) = planned(&req.reference) {
            let make = p
                .make
                .map_or(MakeFromAnswer::Nothing, |(l, i, _)| MakeFromAnswer::Risk {
                    asset: None,
                    asset_group: String::new(),
                    threat_key: String::new(),
                    likelihood: Some(l),
                    impact: Some(i),
                    owner: "Security officer".into(),
                    due_date: String::new(),
                });
            (
                AnswerInput {
                    status: p.status,
                    decision: p.decision,
                    alternative: p.alternative,
                    alternative_reason: p.alternative_reason,
                    reason: p.reason,
                    notes: p.make.map_or("", |m| m.2),
                    ..AnswerInput::default()
                },
                make,
            )
        } else {
            (
                AnswerInput {
                    status: "implemented",
                    implementation: &implementation,
                    ..AnswerInput::default()
                },
                MakeFromAnswer::Nothing,
            )
        };
        sra::answer(app, op, slug, assessment, &req.reference, &input, make).await?;
    }
    Ok(())
}

/// Why a threat category is not relevant to a kind of system, for the categories no demo risk
/// covers.
fn not_relevant(kind: AssetKind, category: &str) -> &'static str {
    let hosted = matches!(
        kind,
        AssetKind::CloudApp | AssetKind::Ehr | AssetKind::Daas | AssetKind::Backup
    );
    match (category, hosted) {
        ("environmental", true) => {
            "Hosted in the provider's redundant data centers; a fire, flood or outage at the \
             practice does not reach it (provider's SOC 2 report in the evidence locker)."
        }
        ("environmental", false) => {
            "Assessed with the site: covered by the building's fire suppression and the \
             UPS-backed circuit; no separate threat for this device."
        }
        ("structural", true) => {
            "Failures are the provider's to prevent under its service agreement and BAA; the \
             practice's exposure is covered by the downtime risk of the EHR."
        }
        ("structural", false) => {
            "Commodity device replaced from stock within a day; a failure loses no ePHI since \
             nothing is kept only on it."
        }
        ("accidental", true) => {
            "Configuration is managed by the provider; staff cannot change sharing or retention \
             settings."
        }
        ("accidental", false) => {
            "Disposal and re-use go through the MSP's certified wiping; misdirection does not \
             apply to this device."
        }
        _ => {
            "No deliberate threat beyond those recorded for the systems it connects to: it \
             holds no credentials and is not reachable from outside."
        }
    }
}

/// Records every threat category not covered by a risk as considered, for each ePHI system.
async fn consider_all(app: &App, op: &Caller, slug: &str) -> anyhow::Result<()> {
    let category_of: HashMap<&str, &str> = ThreatLibrary::shipped()
        .threats
        .iter()
        .map(|t| (t.id.as_str(), t.category.as_str()))
        .collect();
    let all = risks::all(app, op, slug).await?;
    let mut covered: HashSet<(String, &str)> = HashSet::new();
    for r in &all {
        if let (Some(a), Some(c)) = (
            r.fields.asset_id,
            category_of.get(r.fields.threat_key.as_str()),
        ) {
            covered.insert((a.to_string(), c));
        }
    }
    let page = safeharbor_domain::page::PageRequest::parse(Some(200), None)?;
    let assets = safeharbor_core::assets::list(
        app,
        op,
        slug,
        &safeharbor_core::ports::AssetFilter {
            ephi_only: true,
            ..Default::default()
        },
        &page,
    )
    .await?;
    for a in assets.items {
        for (c, _) in THREAT_CATEGORIES {
            if !covered.contains(&(a.id.to_string(), c)) {
                considerations::record(app, op, slug, a.id, c, not_relevant(a.fields.kind, c))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Plans every open risk above the acceptance threshold (the default, the top of "low").
async fn plan_all(app: &App, op: &Caller, slug: &str) -> anyhow::Result<()> {
    let low = app.settings().risk_thresholds.low_max;
    for r in risks::all(app, op, slug).await? {
        if r.current_score() > low && r.status == safeharbor_domain::risk::RiskStatus::Open {
            let due = (app.now().date() + time::Duration::days(60)).to_string();
            risks::plan(
                app,
                op,
                slug,
                r.id,
                risks::PlanInput {
                    assignee: r
                        .fields
                        .owner
                        .clone()
                        .unwrap_or_else(|| "Security officer".into()),
                    due_date: r.fields.due_date.map_or(due, |d| d.to_string()),
                    ..risks::PlanInput::default()
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The people behind an analysis: the organization's official (who signs off) and the MSP's
/// preparer.
#[derive(Debug)]
pub struct People<'a> {
    /// The security official's name.
    pub official: &'a str,
    /// Their e-mail address (a member of the organization who may sign off).
    pub official_email: &'a str,
    /// Who prepared the analysis.
    pub preparer: &'a str,
}

/// Makes a complete, signed-off and finalized risk analysis for `period` on `app`'s clock.
pub async fn finalized(
    app: &App,
    op: &Caller,
    slug: &str,
    period: &str,
    scope: &str,
    people: &People<'_>,
) -> anyhow::Result<AssessmentId> {
    profile::update(
        app,
        op,
        slug,
        &profile::ProfileInput {
            security_official: people.official.into(),
            security_official_email: people.official_email.into(),
            privacy_official: people.official.into(),
            privacy_official_email: people.official_email.into(),
            risk_acceptance_max: None,
        },
    )
    .await?;
    let is_provider = slug == crate::demo::PROVIDER_SLUG;
    let a = sra::start(app, op, slug, period, scope).await?;
    sra::set_details(app, op, slug, a.id, people.preparer, scope).await?;
    let catalog = app.catalog().await?;
    let items = sra::questionnaire(&catalog);
    answer_all(app, op, slug, a.id, &items, is_provider).await?;
    consider_all(app, op, slug).await?;
    plan_all(app, op, slug).await?;
    let official = safeharbor_core::auth::operator_as(app, people.official_email).await?;
    sra::sign_off(app, &official, slug, a.id).await?;
    sra::finalize(app, op, slug, a.id).await?;
    Ok(a.id)
}

/// The MSP's own systems that carry its clients' ePHI: (name, kind, role, criticality).
const MSP_ASSETS: [(&str, &str, &str, &str); 5] = [
    (
        "RMM and remote support platform",
        "cloud_app",
        "transmits",
        "critical",
    ),
    ("Ticketing system (PSA)", "cloud_app", "stores", "high"),
    ("Backup storage cluster", "backup", "stores", "critical"),
    ("Hosted desktop platform", "daas", "stores", "critical"),
    ("Technician laptops", "laptop", "processes", "high"),
];

/// The MSP's own risk analysis as a business associate (164.308(a)(1)(ii)(A) binds it too):
/// its systems, the risks it carries, finalized and signed off by its administrator.
pub async fn provider_analysis(app: &App, op: &Caller, period: &str) -> anyhow::Result<()> {
    let slug = crate::demo::PROVIDER_SLUG;
    let mut ids = Vec::new();
    for (name, kind, role, crit) in MSP_ASSETS {
        let fields = safeharbor_domain::risk::AssetInput {
            name,
            kind,
            ephi_role: role,
            criticality: crit,
            owner: "Harborview service desk",
            encryption_at_rest: "yes",
            encryption_in_transit: "yes",
            mfa: "yes",
            ..Default::default()
        }
        .parse(None)?;
        ids.push(
            safeharbor_core::assets::create(app, op, slug, fields, false)
                .await?
                .id,
        );
    }
    for (asset, threat, vuln, l, i) in [
        (
            0,
            "vendor-compromise",
            "A breach of the RMM vendor reaches every client at once",
            3,
            5,
        ),
        (
            1,
            "misdirected-communication",
            "Technicians paste patient details into tickets",
            3,
            3,
        ),
        (
            2,
            "ransomware",
            "Backup storage reachable from the management network",
            2,
            5,
        ),
        (
            4,
            "lost-stolen-device",
            "Laptops with cached client credentials",
            2,
            4,
        ),
    ] {
        risks::create(
            app,
            op,
            slug,
            Some(ids[asset]),
            safeharbor_domain::risk::RiskInput {
                threat_key: threat,
                vulnerability: vuln,
                likelihood: Some(l),
                impact: Some(i),
                owner: "Harborview service desk",
                ..Default::default()
            },
            safeharbor_domain::risk::RiskStatus::Open,
            "suggestion",
        )
        .await?;
    }
    finalized(
        app,
        op,
        slug,
        period,
        "Harborview's own systems that create, receive, maintain or transmit clients' ePHI, \
         as a business associate.",
        &People {
            official: "Avery Admin",
            official_email: "admin@harborview.example",
            preparer: "Sam Staff, Harborview Managed IT",
        },
    )
    .await?;
    Ok(())
}
