//! Threat categories considered for an asset and found not relevant, with why: how a thorough
//! risk analysis (164.308(a)(1)(ii)(A)) shows that every category of threat was examined for
//! every system holding ePHI, even where no risk was recorded.

use std::collections::HashMap;

use safeharbor_catalog::threats::ThreatLibrary;
use safeharbor_domain::ids::AssetId;
use safeharbor_domain::risk::{THREAT_CATEGORIES, ThreatConsideration};

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;

/// Threat key (the library's and the organization's own) to its NIST SP 800-30 category.
pub(crate) async fn category_map(
    app: &App,
    scope: &TenantScope,
) -> Result<HashMap<String, String>> {
    let mut m: HashMap<String, String> = ThreatLibrary::shipped()
        .threats
        .iter()
        .map(|t| (t.id.clone(), t.category.clone()))
        .collect();
    for t in app.store.list_custom_threats(scope).await? {
        m.insert(t.key, t.category);
    }
    Ok(m)
}

/// One threat category for one asset: the risks assessed in it, or why it is not relevant.
#[derive(Debug, Clone)]
pub struct CategoryStatus {
    /// The category key.
    pub category: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Risks on the asset in this category (threat names).
    pub risks: Vec<String>,
    /// The recorded consideration, if any.
    pub consideration: Option<ThreatConsideration>,
}

impl CategoryStatus {
    /// Whether the category is examined for the asset.
    pub fn examined(&self) -> bool {
        !self.risks.is_empty() || self.consideration.is_some()
    }
}

/// Every threat category for one asset, with what examines it.
pub async fn for_asset(
    app: &App,
    caller: &Caller,
    slug: &str,
    asset: AssetId,
) -> Result<Vec<CategoryStatus>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let category_of = category_map(app, &scope).await?;
    let risks = app.store.all_risks(&scope).await?;
    let considered = app.store.threat_considerations(&scope).await?;
    Ok(THREAT_CATEGORIES
        .iter()
        .map(|(category, label)| CategoryStatus {
            category,
            label,
            risks: risks
                .iter()
                .filter(|r| r.fields.asset_id == Some(asset))
                .filter(|r| {
                    category_of.get(&r.fields.threat_key).map(String::as_str) == Some(*category)
                })
                .map(|r| r.fields.threat_name.clone())
                .collect(),
            consideration: considered
                .iter()
                .find(|c| c.asset_id == asset && c.category == *category)
                .cloned(),
        })
        .collect())
}

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
