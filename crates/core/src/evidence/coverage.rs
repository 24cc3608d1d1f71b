//! Per requirement: which controls and which evidence back it, and what is missing or stale.

use std::collections::HashMap;

use safeharbor_domain::catalog::Requirement;
use safeharbor_domain::evidence::{Evidence, Freshness, LinkTarget};
use safeharbor_domain::risk::{Control, ControlStatus};
use serde::Serialize;

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::Result;

/// How well a requirement is backed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageState {
    /// Current evidence backs it (directly or through one of its controls).
    Backed,
    /// A control the provider delivers covers it; the provider keeps the evidence.
    Inherited,
    /// Evidence exists but is expiring or has expired.
    Stale,
    /// A control claims it, with no evidence behind the control.
    Unproven,
    /// Nothing: no control and no evidence.
    Missing,
}

impl CoverageState {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Backed => "Backed by current evidence",
            Self::Inherited => "Provided by the MSP",
            Self::Stale => "Evidence expiring or expired",
            Self::Unproven => "Control without evidence",
            Self::Missing => "No control or evidence",
        }
    }
}

/// A control as it appears in coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageControl {
    /// The control.
    pub title: String,
    /// Its status.
    pub status: ControlStatus,
    /// The provider's name when inherited.
    pub provided_by: Option<String>,
}

/// A piece of evidence as it appears in coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageEvidence {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Freshness today.
    pub freshness: Freshness,
    /// Valid until.
    pub valid_until: Option<time::Date>,
    /// Whether it is linked through a control rather than to the requirement itself.
    pub via_control: bool,
}

/// One requirement's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Citation.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Safeguard family.
    pub family: String,
    /// Controls claiming it.
    pub controls: Vec<CoverageControl>,
    /// Evidence behind it.
    pub evidence: Vec<CoverageEvidence>,
    /// The summary.
    pub state: CoverageState,
}

/// Coverage of every Security Rule standard and implementation specification for an
/// organization, in regulation order.
pub async fn coverage(app: &App, caller: &Caller, slug: &str) -> Result<Vec<Coverage>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let catalog = app.catalog().await?;
    let today = app.now().date();
    let own: Vec<Control> = app
        .store
        .list_controls(&scope)
        .await?
        .into_iter()
        .filter(|c| c.archived_at.is_none())
        .collect();
    let inherited = crate::controls::inherited_in(app, &scope).await?;
    let evidence = app.store.all_evidence(&scope).await?;
    let mut by_target: HashMap<&LinkTarget, Vec<&Evidence>> = HashMap::new();
    for e in &evidence {
        for l in &e.links {
            by_target.entry(l).or_default().push(e);
        }
    }
    Ok(crate::sra::questionnaire(&catalog)
        .into_iter()
        .map(|req| one(&req, &own, &inherited, &by_target, today))
        .collect())
}

fn one(
    req: &Requirement,
    own: &[Control],
    inherited: &[(safeharbor_domain::org::Organization, Control)],
    by_target: &HashMap<&LinkTarget, Vec<&Evidence>>,
    today: time::Date,
) -> Coverage {
    let mut controls = Vec::new();
    let mut evidence: Vec<CoverageEvidence> = Vec::new();
    let mut push = |e: &Evidence, via_control: bool| {
        if !evidence.iter().any(|x| x.id == e.id.to_string()) {
            evidence.push(CoverageEvidence {
                id: e.id.to_string(),
                title: e.title.clone(),
                freshness: e.freshness(today),
                valid_until: e.valid_until,
                via_control,
            });
        }
    };
    let direct = LinkTarget::Requirement(req.reference.clone());
    for e in by_target.get(&direct).into_iter().flatten() {
        push(e, false);
    }
    // A control of the organization counts only with current evidence of its own; one with no
    // evidence at all is unproven, one whose evidence is expiring or expired is stale.
    let mut unproven_control = false;
    let mut stale_control = false;
    for c in own
        .iter()
        .filter(|c| c.requirement_refs.contains(&req.reference))
    {
        controls.push(CoverageControl {
            title: c.title.clone(),
            status: c.status,
            provided_by: None,
        });
        let linked = by_target.get(&LinkTarget::Control(c.id));
        if linked.is_none_or(Vec::is_empty) {
            unproven_control = true;
        } else if !linked
            .into_iter()
            .flatten()
            .any(|e| e.freshness(today) == Freshness::Current)
        {
            stale_control = true;
        }
        for e in linked.into_iter().flatten() {
            push(e, true);
        }
    }
    let mut has_inherited = false;
    for (p, c) in inherited
        .iter()
        .filter(|(_, c)| c.requirement_refs.contains(&req.reference))
    {
        has_inherited = true;
        controls.push(CoverageControl {
            title: c.title.clone(),
            status: c.status,
            provided_by: Some(p.name.clone()),
        });
    }
    let has_current = evidence.iter().any(|e| e.freshness == Freshness::Current);
    let state = if has_current && !unproven_control && !stale_control {
        CoverageState::Backed
    } else if unproven_control {
        CoverageState::Unproven
    } else if !evidence.is_empty() {
        CoverageState::Stale
    } else if has_inherited {
        CoverageState::Inherited
    } else {
        CoverageState::Missing
    };
    Coverage {
        reference: req.reference.clone(),
        title: req.title.clone(),
        family: req.family.clone().unwrap_or_default(),
        controls,
        evidence,
        state,
    }
}
