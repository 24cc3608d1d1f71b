//! Storage of the evidence locker's records (the bytes are in the [`BlobStore`]).
//!
//! [`BlobStore`]: crate::ports::BlobStore

use async_trait::async_trait;
use safeharbor_domain::audit::NewAuditEvent;
use safeharbor_domain::evidence::{Evidence, EvidenceVersion, Freshness, LinkTarget};
use safeharbor_domain::ids::EvidenceId;
use safeharbor_domain::page::{Page, PageRequest};
use time::OffsetDateTime;

use crate::authz::{OrgVisibility, TenantScope};
use crate::error::Result;

/// Which evidence to list.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    /// Words in the title or description.
    pub q: Option<String>,
    /// Only this freshness, as of `today`.
    pub freshness: Option<Freshness>,
    /// The day freshness is judged on.
    pub today: Option<time::Date>,
    /// Only evidence linked to this.
    pub link: Option<LinkTarget>,
    /// Include archived evidence.
    pub include_archived: bool,
}

/// Evidence with the organization it belongs to, for MSP-wide views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEvidence {
    /// Organization slug.
    pub org_slug: String,
    /// Organization name.
    pub org_name: String,
    /// The evidence.
    pub evidence: Evidence,
}

/// A stored file version, wherever it belongs: for `evidence verify` and key rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// SHA-256 address.
    pub sha256: String,
    /// Size recorded at upload.
    pub size: u64,
    /// An organization slug that holds it.
    pub org_slug: String,
    /// An evidence item that holds it.
    pub evidence_id: EvidenceId,
    /// The version.
    pub version: i64,
}

/// The evidence area's storage.
#[async_trait]
pub trait EvidenceStore: Send + Sync {
    /// Adds evidence with its first version and its links.
    async fn insert_evidence(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        event: &NewAuditEvent,
    ) -> Result<()>;
    /// Adds a version and makes it current (with the new validity).
    async fn insert_evidence_version(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        event: &NewAuditEvent,
    ) -> Result<()>;
    /// Saves metadata (title, description, validity, archived).
    async fn update_evidence(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        event: &NewAuditEvent,
    ) -> Result<()>;
    /// Replaces what the evidence is linked to.
    async fn set_evidence_links(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        at: OffsetDateTime,
        event: &NewAuditEvent,
    ) -> Result<()>;
    /// One piece of evidence with its current version and links.
    async fn get_evidence(&self, scope: &TenantScope, id: EvidenceId) -> Result<Evidence>;
    /// A page of evidence, newest first.
    async fn list_evidence(
        &self,
        scope: &TenantScope,
        f: &EvidenceFilter,
        page: &PageRequest,
    ) -> Result<Page<Evidence>>;
    /// Every unarchived piece of evidence of the organization (for coverage views).
    async fn all_evidence(&self, scope: &TenantScope) -> Result<Vec<Evidence>>;
    /// Every version of one piece of evidence, oldest first.
    async fn evidence_versions(
        &self,
        scope: &TenantScope,
        id: EvidenceId,
    ) -> Result<Vec<EvidenceVersion>>;
    /// Unarchived evidence valid until `until` or earlier, in the visible organizations,
    /// soonest first.
    async fn expiring_evidence(
        &self,
        visible: &OrgVisibility,
        until: time::Date,
        limit: i64,
    ) -> Result<Vec<OrgEvidence>>;
    /// Every stored file version of every organization (maintenance: verify, rotate).
    async fn blob_refs(&self) -> Result<Vec<BlobRef>>;
    /// Records that a stored file version was found missing, altered or without its key
    /// (`kind`), with its audit event; a later finding replaces an earlier one.
    async fn record_evidence_problem(
        &self,
        scope: &TenantScope,
        evidence: EvidenceId,
        version: i64,
        kind: &str,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// How many stored file versions of the organization are recorded as missing or altered.
    async fn evidence_problem_count(&self, scope: &TenantScope) -> Result<i64>;
    /// Forgets every recorded problem (maintenance, before a full verify records what it finds).
    async fn clear_evidence_problems(&self) -> Result<()>;
    /// Takes or renews the lease on a background job for `ttl`; false if another holder has
    /// an unexpired lease.
    async fn take_job_lease(
        &self,
        job: &str,
        holder: &str,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<bool>;
    /// Ends `holder`'s lease on `job` now (nothing if another holder has it).
    async fn release_job_lease(&self, job: &str, holder: &str, now: OffsetDateTime) -> Result<()>;
}
