//! Locations (sites) of an organization.

use safeharbor_domain::ids::LocationId;
use safeharbor_domain::org::{ADDRESS_MAX, Location, LocationKind, NAME_MAX, NewLocation};
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::text;

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::Result;
use crate::orgs::refuse_if_archived;
use crate::ports::LocationFilter;

/// Adds a location.
pub async fn create(app: &App, caller: &Caller, slug: &str, new: NewLocation) -> Result<Location> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let now = app.now();
    let loc = Location {
        id: LocationId::new(),
        org_id: scope.org_id(),
        name: new.name,
        kind: new.kind,
        address: new.address,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "location.create",
        "location",
        Some(loc.id.to_string()),
        format!("location \"{}\" added", loc.name),
    );
    app.store.insert_location(&scope, &loc, &event).await?;
    Ok(loc)
}

/// Lists locations by name.
pub async fn list(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &LocationFilter,
    page: &PageRequest,
) -> Result<Page<Location>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_locations(&scope, filter, page).await
}

/// One location.
pub async fn get(app: &App, caller: &Caller, slug: &str, id: LocationId) -> Result<Location> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_location(&scope, id).await
}

/// Changes to a location.
#[derive(Debug, Clone, Default)]
pub struct UpdateLocation {
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<LocationKind>,
    /// New address; `Some("")` clears it.
    pub address: Option<String>,
}

/// Updates a location.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: LocationId,
    input: UpdateLocation,
) -> Result<Location> {
    let name = input
        .name
        .as_deref()
        .map(|n| text::required_line("name", n, NAME_MAX))
        .transpose()?;
    let address = input
        .address
        .as_deref()
        .map(|a| text::optional_block("address", Some(a), ADDRESS_MAX))
        .transpose()?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut loc = app.store.get_location(&scope, id).await?;
    let before = loc.clone();
    if let Some(n) = name {
        loc.name = n;
    }
    if let Some(k) = input.kind {
        loc.kind = k;
    }
    if let Some(a) = address {
        loc.address = a;
    }
    if loc == before {
        return Ok(loc);
    }
    let now = app.now();
    loc.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "location.update",
        "location",
        Some(loc.id.to_string()),
        format!("location \"{}\" updated", loc.name),
    );
    app.store.update_location(&scope, &loc, &event).await?;
    Ok(loc)
}

/// Archives or restores a location. Archived locations stay on record.
pub async fn set_archived(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: LocationId,
    archived: bool,
) -> Result<Location> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut loc = app.store.get_location(&scope, id).await?;
    if loc.archived_at.is_some() == archived {
        return Ok(loc);
    }
    let now = app.now();
    loc.archived_at = archived.then_some(now);
    loc.updated_at = now;
    let (action, what) = if archived {
        ("location.archive", "archived")
    } else {
        ("location.restore", "restored")
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        action,
        "location",
        Some(loc.id.to_string()),
        format!("location \"{}\" {what}", loc.name),
    );
    app.store.update_location(&scope, &loc, &event).await?;
    Ok(loc)
}
