//! The storage port of what a risk analysis needs beyond the register: the organization's
//! HIPAA profile (officials, risk acceptance threshold), the threat categories considered per
//! asset, and a draft assessment's record (preparer, scope, no-ePHI statement, sign-off).

use async_trait::async_trait;
use safeharbor_domain::audit::NewAuditEvent;
use safeharbor_domain::ids::AssetId;
use safeharbor_domain::org::OrgProfile;
use safeharbor_domain::risk::{Assessment, ThreatConsideration};

use crate::authz::TenantScope;
use crate::error::Result;

/// Storage of the risk analysis's profile, considerations and assessment record.
#[async_trait]
pub trait SraStore: Send + Sync {
    /// The organization's profile (the default when none was saved).
    async fn org_profile(&self, scope: &TenantScope) -> Result<OrgProfile>;
    /// Saves the organization's profile.
    async fn put_org_profile(
        &self,
        scope: &TenantScope,
        profile: &OrgProfile,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Every threat category recorded as considered and not relevant, per asset.
    async fn threat_considerations(&self, scope: &TenantScope) -> Result<Vec<ThreatConsideration>>;
    /// Records (or replaces) a consideration; the asset must be the organization's.
    async fn put_threat_consideration(
        &self,
        scope: &TenantScope,
        c: &ThreatConsideration,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Withdraws a consideration.
    async fn remove_threat_consideration(
        &self,
        scope: &TenantScope,
        asset: AssetId,
        category: &str,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Saves a draft assessment's record: scope, preparer, no-ePHI statement, sign-off.
    /// Refuses a finalized assessment.
    async fn update_assessment_record(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        audit: &NewAuditEvent,
    ) -> Result<()>;
}
