//! The gap view: where HIPAA asks more than the MSP's standard security practice (its baseline).
//!
//! An organization names its baseline framework (NIST CSF 2.0 by default, or an imported one)
//! and marks which of its items it practices. NIST SP 800-66r2's mappings are informative, so a
//! baseline item is *related* to a HIPAA requirement, never equivalent to it. For every Security
//! Rule standard and implementation specification the view says: proven (the organization's own
//! control with current evidence), related practice in place (every related baseline item
//! practiced; the HIPAA-specific documentation and evidence still required), in part, related
//! items not practiced, or HIPAA-specific (nothing in the baseline relates to it). A client
//! without a baseline of its own uses its provider's: the MSP's standard practice is what it
//! delivers to its clients.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use safeharbor_catalog::{CSF_1_1, CSF_2, Catalog, HIPAA_SECURITY, SP800_53};
use safeharbor_domain::catalog::{
    BaselineStatus, Coverage, Framework, FrameworkKind, ReqKey, Requirement, RequirementKind,
};
use safeharbor_domain::org::{OrgKind, Organization};
use safeharbor_domain::text;

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::ports::{Baseline, BaselineItem};

/// The built-in baseline.
pub const DEFAULT_BASELINE: &str = CSF_2;

/// An organization's baseline, as shown for marking.
#[derive(Debug, Clone)]
pub struct BaselineView {
    /// The organization.
    pub org: Organization,
    /// The baseline framework.
    pub framework: Framework,
    /// Set by the provider (a client without its own), or none when the organization's own.
    pub inherited_from: Option<Organization>,
    /// Whether no one has set a baseline yet (the built-in default applies, nothing marked).
    pub is_default: bool,
    /// The items that can be marked, with their marks.
    pub items: Vec<(Requirement, Option<BaselineItem>)>,
    /// Frameworks that can serve as a baseline.
    pub choices: Vec<Framework>,
}

fn markable(c: &Catalog, key: &str) -> Vec<Requirement> {
    c.requirements(key)
        .into_iter()
        .filter(|r| {
            !r.withdrawn
                && matches!(
                    r.kind,
                    RequirementKind::Subcategory
                        | RequirementKind::Control
                        | RequirementKind::Enhancement
                )
        })
        .cloned()
        .collect()
}

fn baseline_choices(c: &Catalog) -> Vec<Framework> {
    c.frameworks()
        .iter()
        .filter(|f| {
            f.key == CSF_2
                || f.key == CSF_1_1
                || f.key == SP800_53
                || (!f.shipped
                    && matches!(f.kind, FrameworkKind::Baseline | FrameworkKind::Guidance))
        })
        .cloned()
        .collect()
}

/// The baseline in effect for a scope: its own, else (for a client) its provider's.
async fn effective(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
) -> Result<(Option<Baseline>, Option<Organization>)> {
    if let Some(b) = app.store.get_baseline(scope).await? {
        return Ok((Some(b), None));
    }
    if scope.org().kind == OrgKind::Client {
        let provider = app.store.provider().await?.ok_or(Error::NotFound)?;
        let pscope = authz::scope_unchecked(provider.clone());
        if let Some(b) = app.store.get_baseline(&pscope).await? {
            let _ = caller;
            return Ok((Some(b), Some(provider)));
        }
    }
    Ok((None, None))
}

/// The organization's baseline and its marks.
pub async fn baseline(app: &App, caller: &Caller, slug: &str) -> Result<BaselineView> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let c = app.catalog().await?;
    let (b, inherited_from) = effective(app, caller, &scope).await?;
    let key = b
        .as_ref()
        .map_or(DEFAULT_BASELINE, |b| b.framework_key.as_str())
        .to_owned();
    let framework = c
        .framework(&key)
        .cloned()
        .ok_or_else(|| Error::internal("the baseline framework is no longer in the catalog"))?;
    let marks: HashMap<String, BaselineItem> = b
        .iter()
        .flat_map(|b| b.items.iter().cloned())
        .map(|i| (i.item_ref.clone(), i))
        .collect();
    let items = markable(&c, &key)
        .into_iter()
        .map(|r| {
            let m = marks.get(&r.reference).cloned();
            (r, m)
        })
        .collect();
    Ok(BaselineView {
        org: scope.org().clone(),
        framework,
        inherited_from,
        is_default: b.is_none(),
        items,
        choices: baseline_choices(&c),
    })
}

/// A mark to set.
#[derive(Debug, Clone)]
pub struct Mark {
    /// Item reference in the baseline framework.
    pub item_ref: String,
    /// Practiced or not.
    pub status: BaselineStatus,
    /// A note.
    pub note: Option<String>,
}

/// Sets the organization's baseline framework and its marks (replacing the previous ones).
pub async fn set_baseline(
    app: &App,
    caller: &Caller,
    slug: &str,
    framework_key: &str,
    marks: Vec<Mark>,
) -> Result<()> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    let c = app.catalog().await?;
    if !baseline_choices(&c).iter().any(|f| f.key == framework_key) {
        return Err(Error::invalid(
            "framework",
            "cannot serve as a baseline; choose NIST CSF 2.0, CSF 1.1, SP 800-53 or an imported framework",
        ));
    }
    let valid: BTreeSet<String> = markable(&c, framework_key)
        .into_iter()
        .map(|r| r.reference)
        .collect();
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, m) in marks.into_iter().enumerate() {
        if !valid.contains(&m.item_ref) {
            return Err(Error::invalid(
                format!("items[{i}].ref"),
                format!("{} is not an item of {framework_key}", m.item_ref),
            ));
        }
        if !seen.insert(m.item_ref.clone()) {
            return Err(Error::invalid(format!("items[{i}].ref"), "is listed twice"));
        }
        let note = text::optional_block(&format!("items[{i}].note"), m.note.as_deref(), 1000)?;
        items.push(BaselineItem {
            item_ref: m.item_ref,
            status: m.status,
            note,
        });
    }
    let now = app.now();
    let practiced = items
        .iter()
        .filter(|i| i.status == BaselineStatus::Practiced)
        .count();
    let b = Baseline {
        framework_key: framework_key.to_owned(),
        items,
        updated_at: now,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "baseline.update",
        "baseline",
        Some(framework_key.to_owned()),
        format!(
            "baseline {framework_key}: {practiced} items practiced of {} marked",
            b.items.len()
        ),
    );
    app.store.put_baseline(&scope, &b, &event).await
}

/// One HIPAA requirement in the gap view.
#[derive(Debug, Clone)]
pub struct GapRow {
    /// The HIPAA requirement.
    pub requirement: Requirement,
    /// How well the baseline covers it.
    pub coverage: Coverage,
    /// Related baseline items practiced.
    pub practiced: Vec<(String, String)>,
    /// Related items practiced in part.
    pub partial: Vec<(String, String)>,
    /// Related items not practiced (or not marked).
    pub not_practiced: Vec<(String, String)>,
    /// The organization's own controls that claim it (with current evidence when proven).
    pub own_controls: Vec<String>,
}

/// The gap view of an organization.
#[derive(Debug, Clone)]
pub struct GapReport {
    /// The organization.
    pub org: Organization,
    /// The baseline framework.
    pub baseline: Framework,
    /// When the baseline is the provider's.
    pub inherited_from: Option<Organization>,
    /// Whether the default applies (nothing marked yet).
    pub is_default: bool,
    /// One row per standard and implementation specification.
    pub rows: Vec<GapRow>,
}

impl GapReport {
    /// Rows per coverage.
    pub fn count(&self, c: Coverage) -> usize {
        self.rows.iter().filter(|r| r.coverage == c).count()
    }
}

/// Baseline items related to a HIPAA requirement: mapped directly either way, or through an
/// intermediate framework both map to (an imported list mapped to CSF or SP 800-53 items).
fn related(c: &Catalog, h: &ReqKey, baseline: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut via: BTreeSet<ReqKey> = BTreeSet::new();
    for m in c.mappings_from(h) {
        if m.to.framework == baseline {
            out.insert(m.to.reference.clone());
        } else {
            via.insert(m.to.clone());
        }
    }
    for m in c.mappings_to(h) {
        if m.from.framework == baseline {
            out.insert(m.from.reference.clone());
        }
    }
    if c.framework(baseline).is_some_and(|f| !f.shipped) {
        for x in via {
            for m in c.mappings_to(&x) {
                if m.from.framework == baseline {
                    out.insert(m.from.reference.clone());
                }
            }
        }
    }
    // Only items that can be marked count: a CSF category reached through a 1.1 to 2.0 link is
    // covered by its subcategories, which are listed in their own right.
    out.retain(|r| {
        c.requirement(baseline, r).is_some_and(|x| {
            !x.withdrawn
                && matches!(
                    x.kind,
                    RequirementKind::Subcategory
                        | RequirementKind::Control
                        | RequirementKind::Enhancement
                )
        })
    });
    out
}

/// The gap view: every HIPAA Security Rule standard and implementation specification against
/// the organization's baseline.
pub async fn report(app: &App, caller: &Caller, slug: &str) -> Result<GapReport> {
    let view = baseline(app, caller, slug).await?;
    // Proven: an own control claims it and current evidence backs it (evidence coverage).
    let proof: BTreeMap<String, Vec<String>> = crate::evidence::coverage(app, caller, slug)
        .await?
        .into_iter()
        .filter(|c| c.state == crate::evidence::CoverageState::Backed)
        .map(|c| {
            let own = c
                .controls
                .into_iter()
                .filter(|k| k.provided_by.is_none())
                .map(|k| k.title)
                .collect();
            (c.reference, own)
        })
        .collect();
    let c = app.catalog().await?;
    let key = view.framework.key.clone();
    let marks: BTreeMap<String, BaselineStatus> = view
        .items
        .iter()
        .filter_map(|(r, m)| m.as_ref().map(|m| (r.reference.clone(), m.status)))
        .collect();
    let title = |r: &str| {
        c.requirement(&key, r)
            .map(|x| x.title.clone())
            .unwrap_or_default()
    };
    let rows = c
        .requirements(HIPAA_SECURITY)
        .into_iter()
        .filter(|r| {
            matches!(
                r.kind,
                RequirementKind::Standard | RequirementKind::ImplementationSpec
            )
        })
        .map(|r| {
            let eq = related(&c, &ReqKey::new(HIPAA_SECURITY, &r.reference), &key);
            let own_controls = proof.get(&r.reference).cloned().unwrap_or_default();
            let mut row = GapRow {
                requirement: r.clone(),
                coverage: Coverage::HipaaSpecific,
                practiced: Vec::new(),
                partial: Vec::new(),
                not_practiced: Vec::new(),
                own_controls,
            };
            let mut statuses = Vec::new();
            for item in eq {
                let s = marks
                    .get(&item)
                    .copied()
                    .unwrap_or(BaselineStatus::NotPracticed);
                statuses.push(s);
                let pair = (item.clone(), title(&item));
                match s {
                    BaselineStatus::Practiced => row.practiced.push(pair),
                    BaselineStatus::Partial => row.partial.push(pair),
                    BaselineStatus::NotPracticed => row.not_practiced.push(pair),
                }
            }
            row.coverage = Coverage::of(!row.own_controls.is_empty(), &statuses);
            row
        })
        .collect();
    Ok(GapReport {
        org: view.org,
        baseline: view.framework,
        inherited_from: view.inherited_from,
        is_default: view.is_default,
        rows,
    })
}
