//! Threat categories considered for an asset and found not relevant, with why: how a thorough
//! risk analysis (164.308(a)(1)(ii)(A)) shows that every category of threat was examined for
//! every system holding ePHI, even where no risk was recorded.

use safeharbor_domain::ids::AssetId;
use safeharbor_domain::risk::{THREAT_CATEGORIES, ThreatConsideration};

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;

/// The organization's considerations, per asset.
pub async fn list(app: &App, caller: &Caller, slug: &str) -> Result<Vec<ThreatConsideration>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.threat_considerations(&scope).await
}

/// Records that a threat category was considered for an asset and is not relevant, and why.
pub async fn record(
    app: &App,
    caller: &Caller,
    slug: &str,
    asset: AssetId,
    category: &str,
    reason: &str,
) -> Result<ThreatConsideration> {
    let (category, reason) = ThreatConsideration::parse_parts(category, reason)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let a = app.store.get_asset(&scope, asset).await?;
    let now = app.now();
    let c = ThreatConsideration {
        asset_id: asset,
        category,
        reason,
        recorded_by: caller.actor_label(),
        recorded_at: now,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "asset.threat_considered",
        "asset",
        Some(asset.to_string()),
        format!(
            "{} threats considered for \"{}\" and recorded as not relevant",
            c.category, a.fields.name
        ),
    );
    app.store
        .put_threat_consideration(&scope, &c, &event)
        .await?;
    Ok(c)
}

/// Withdraws a consideration (the category is to be assessed after all).
pub async fn withdraw(
    app: &App,
    caller: &Caller,
    slug: &str,
    asset: AssetId,
    category: &str,
) -> Result<()> {
    if !THREAT_CATEGORIES.iter().any(|(k, _)| *k == category) {
        return Err(Error::NotFound);
    }
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "asset.threat_consideration_withdrawn",
        "asset",
        Some(asset.to_string()),
        format!("{category} threats to be assessed for the asset again"),
    );
    app.store
        .remove_threat_consideration(&scope, asset, category, &event)
        .await
}
