//! Security controls an organization operates, mapped to the requirements they help satisfy.
//! The provider's controls can be delivered to some or all of its clients (managed backup,
//! EDR, patching, MFA on its remote tools): they appear in each client's assessment as
//! inherited, read-only to the client, with the provider as the party responsible.

use safeharbor_catalog::HIPAA_SECURITY;
use safeharbor_domain::ids::{ControlId, OrgId};
use safeharbor_domain::org::{OrgKind, Organization};
use safeharbor_domain::risk::{BLOCK_MAX, Control, ControlStatus, LINE_MAX, parse_date};
use safeharbor_domain::text;

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;

/// An organization's controls.
pub async fn list(app: &App, caller: &Caller, slug: &str) -> Result<Vec<Control>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_controls(&scope).await
}

/// One control.
pub async fn get(app: &App, caller: &Caller, slug: &str, id: ControlId) -> Result<Control> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_control(&scope, id).await
}

/// What people enter about a control.
#[derive(Debug, Clone, Default)]
pub struct ControlInput {
    /// Name.
    pub title: String,
    /// What it does.
    pub description: String,
    /// Who runs it.
    pub owner: String,
    /// How often it is performed.
    pub frequency: String,
    /// Next performance due, `YYYY-MM-DD`.
    pub next_due: String,
    /// `implemented`, `partial` or `planned`.
    pub status: String,
    /// `hipaa-security` references it helps satisfy.
    pub requirement_refs: Vec<String>,
    /// Delivered to every client (provider only).
    pub provided_to_all: bool,
    /// Slugs of the clients it is delivered to (provider only).
    pub provided_to: Vec<String>,
    /// Archived.
    pub archived: bool,
}

struct Checked {
    title: String,
    description: Option<String>,
    owner: Option<String>,
    frequency: Option<String>,
    next_due: Option<time::Date>,
    status: ControlStatus,
    refs: Vec<String>,
    provided_to: Vec<OrgId>,
}

async fn check(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    i: &ControlInput,
) -> Result<Checked> {
    let catalog = app.catalog().await?;
    let mut refs = Vec::new();
    for r in i
        .requirement_refs
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
    {
        let Some(req) = catalog.requirement(HIPAA_SECURITY, r) else {
            return Err(Error::invalid(
                "requirement_refs",
                "name Security Rule citations from the catalog, e.g. 164.308(a)(7)(ii)(A)",
            ));
        };
        if !refs.contains(&req.reference) {
            refs.push(req.reference.clone());
        }
    }
    let is_provider = scope.org().kind == OrgKind::Provider;
    if !is_provider && (i.provided_to_all || !i.provided_to.is_empty()) {
        return Err(Error::invalid(
            "provided_to",
            "only the provider's own controls can be delivered to clients",
        ));
    }
    // Delivering to every client reaches every client: provider administrators only.
    if i.provided_to_all {
        authz::require_provider_admin(app, caller, scope).await?;
    }
    // Each client named is resolved through authz, like one named in a path: the caller must
    // be able to change its program (provider administrator, or staff assigned to it). A client
    // that does not exist and one the caller cannot reach answer the same 404.
    let mut provided_to = Vec::new();
    for s in i.provided_to.iter().filter(|s| !s.trim().is_empty()) {
        let client = authz::scope(app, caller, s.trim(), Need::Write).await?;
        if client.org().kind != OrgKind::Client {
            return Err(Error::NotFound);
        }
        if !provided_to.contains(&client.org_id()) {
            provided_to.push(client.org_id());
        }
    }
    Ok(Checked {
        title: text::required_line("title", &i.title, LINE_MAX)?,
        description: text::optional_block("description", Some(&i.description), BLOCK_MAX)?,
        owner: text::optional_line("owner", Some(&i.owner), LINE_MAX)?,
        frequency: text::optional_line("frequency", Some(&i.frequency), LINE_MAX)?,
        next_due: parse_date("next_due", &i.next_due)?,
        status: if i.status.trim().is_empty() {
            ControlStatus::Implemented
        } else {
            ControlStatus::parse(&i.status)?
        },
        refs,
        provided_to,
    })
}

/// Adds a control.
pub async fn create(
    app: &App,
    caller: &Caller,
    slug: &str,
    input: ControlInput,
) -> Result<Control> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let c = check(app, caller, &scope, &input).await?;
    let now = app.now();
    let control = Control {
        id: ControlId::new(),
        org_id: scope.org_id(),
        title: c.title,
        description: c.description,
        owner: c.owner,
        frequency: c.frequency,
        next_due: c.next_due,
        status: c.status,
        requirement_refs: c.refs,
        provided_to_all: input.provided_to_all,
        provided_to: c.provided_to,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "control.create",
        "control",
        Some(control.id.to_string()),
        format!("control \"{}\" added", control.title),
    );
    app.store.insert_control(&scope, &control, &event).await?;
    app.store.get_control(&scope, control.id).await
}

/// Replaces a control's fields.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: ControlId,
    input: ControlInput,
) -> Result<Control> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut control = app.store.get_control(&scope, id).await?;
    let c = check(app, caller, &scope, &input).await?;
    let now = app.now();
    control.title = c.title;
    control.description = c.description;
    control.owner = c.owner;
    control.frequency = c.frequency;
    control.next_due = c.next_due;
    control.status = c.status;
    control.requirement_refs = c.refs;
    control.provided_to_all = input.provided_to_all;
    control.provided_to = c.provided_to;
    control.archived_at = if input.archived {
        control.archived_at.or(Some(now))
    } else {
        None
    };
    control.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "control.update",
        "control",
        Some(control.id.to_string()),
        format!("control \"{}\" updated", control.title),
    );
    app.store.update_control(&scope, &control, &event).await?;
    app.store.get_control(&scope, id).await
}

/// The provider's controls delivered to a client, with the provider. Empty for the provider
/// itself.
pub async fn inherited_in(app: &App, scope: &TenantScope) -> Result<Vec<(Organization, Control)>> {
    if scope.org().kind != OrgKind::Client {
        return Ok(Vec::new());
    }
    let Some(provider) = app.store.provider().await? else {
        return Ok(Vec::new());
    };
    let pscope = authz::scope_unchecked(provider.clone());
    Ok(app
        .store
        .controls_provided_to(&pscope, scope.org_id())
        .await?
        .into_iter()
        .map(|c| (provider.clone(), c))
        .collect())
}

/// The provider's controls delivered to the client named `slug`.
pub async fn inherited(
    app: &App,
    caller: &Caller,
    slug: &str,
) -> Result<Vec<(Organization, Control)>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    inherited_in(app, &scope).await
}
