//! What the use cases need from the outside world, in domain words. One implementation per
//! database (`store-sqlite`, `store-postgres`); both pass the same conformance suite.
//!
//! Every method on tenant data takes a [`TenantScope`], which only `core::authz` can make, and
//! touches only that tenant's rows. Every method that writes takes the audit event that
//! records the write and appends it in the same transaction.

use std::path::Path;

use async_trait::async_trait;
use safeharbor_domain::audit::{AuditEvent, NewAuditEvent};
use safeharbor_domain::ids::{
    ApiTokenId, InvitationId, LocationId, MembershipId, OrgId, SessionId, UserId,
};
use safeharbor_domain::org::{Location, OrgKind, Organization, Slug};
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::user::{Email, Membership, Role, User};
use time::OffsetDateTime;

use crate::authz::{OrgVisibility, TenantScope};
use crate::error::Result;
pub use crate::ports_blob::*;
pub use crate::ports_evidence::*;
pub use crate::ports_mail::*;
pub use crate::ports_risk::*;
pub use crate::ports_sra::*;

/// The whole storage port.
pub trait Store:
    OrgStore
    + LocationStore
    + UserStore
    + SessionStore
    + AuditStore
    + CatalogStore
    + RiskStore
    + SraStore
    + EvidenceStore
    + Maintenance
{
}

impl<T> Store for T where
    T: OrgStore
        + LocationStore
        + UserStore
        + SessionStore
        + AuditStore
        + CatalogStore
        + RiskStore
        + SraStore
        + EvidenceStore
        + Maintenance
{
}

/// How organizations may be filtered when listed.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Words in the name or slug.
    pub q: Option<String>,
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Include archived organizations.
    pub include_archived: bool,
    /// The day overdue tasks are counted on (none: not counted).
    pub as_of: Option<time::Date>,
}

/// An organization in a list, with figures for the at-a-glance view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgListItem {
    /// The organization.
    pub org: Organization,
    /// Its locations that are not archived.
    pub location_count: i64,
    /// Its active memberships.
    pub member_count: i64,
    /// When its latest risk analysis was finalized.
    pub sra_finalized_at: Option<OffsetDateTime>,
    /// Whether that analysis passed the completeness checks (see `sra::checks`).
    pub sra_checked: bool,
    /// When an asset change marked significant made the risk analysis out of date.
    pub sra_invalidated_at: Option<OffsetDateTime>,
    /// Its open tasks past due on `OrgFilter::as_of`.
    pub overdue_tasks: i64,
}

/// Organizations.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// The provider organization, if the installation has been initialized.
    async fn provider(&self) -> Result<Option<Organization>>;
    /// Creates the provider organization of a new installation. `Conflict` if one exists.
    async fn insert_provider(&self, org: &Organization, audit: &NewAuditEvent) -> Result<()>;
    /// Looks an organization up by slug, for `authz` to resolve a caller's access. Not for
    /// reading tenant data: use a scope for that.
    async fn find_org_by_slug(&self, slug: &Slug) -> Result<Option<Organization>>;
    /// Looks an organization up by id, for `authz`.
    async fn find_org(&self, id: OrgId) -> Result<Option<Organization>>;
    /// Creates a client organization; `scope` is the provider's, held by an administrator.
    async fn insert_client(
        &self,
        scope: &TenantScope,
        org: &Organization,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Lists the organizations the caller may see.
    async fn list_orgs(
        &self,
        visible: &OrgVisibility,
        filter: &OrgFilter,
        page: &PageRequest,
    ) -> Result<Page<OrgListItem>>;
    /// Writes the new state of the scoped organization.
    async fn update_org(
        &self,
        scope: &TenantScope,
        org: &Organization,
        audit: &NewAuditEvent,
    ) -> Result<()>;
}

/// How locations may be filtered.
#[derive(Debug, Clone, Default)]
pub struct LocationFilter {
    /// Words in the name or address.
    pub q: Option<String>,
    /// Include archived locations.
    pub include_archived: bool,
}

/// Locations of an organization.
#[async_trait]
pub trait LocationStore: Send + Sync {
    /// Adds a location. `Conflict` on a duplicate name within the organization.
    async fn insert_location(
        &self,
        scope: &TenantScope,
        loc: &Location,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Lists the scoped organization's locations by name.
    async fn list_locations(
        &self,
        scope: &TenantScope,
        filter: &LocationFilter,
        page: &PageRequest,
    ) -> Result<Page<Location>>;
    /// One location of the scoped organization (`NotFound` for another's).
    async fn get_location(&self, scope: &TenantScope, id: LocationId) -> Result<Location>;
    /// Writes the new state of a location of the scoped organization.
    async fn update_location(
        &self,
        scope: &TenantScope,
        loc: &Location,
        audit: &NewAuditEvent,
    ) -> Result<()>;
}

/// A user with the secrets needed to sign in. Never leaves `core`.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The user.
    pub user: User,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Confirmed TOTP secret (base32), when MFA is on.
    pub totp_secret: Option<String>,
    /// TOTP secret offered at enrollment, not yet confirmed.
    pub totp_pending: Option<String>,
    /// The last TOTP time step accepted, so a code cannot be replayed.
    pub totp_last_step: Option<i64>,
    /// When the password was last set.
    pub password_changed_at: OffsetDateTime,
}

/// A one-time link for a new member to set their first password. Only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    /// Its id.
    pub id: InvitationId,
    /// SHA-256 of the link's token (hex).
    pub token_hash: String,
    /// Who is invited.
    pub user_id: UserId,
    /// To which organization.
    pub org_id: OrgId,
    /// When made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// When it was used.
    pub used_at: Option<OffsetDateTime>,
}

/// A member of an organization, for member lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// The membership.
    pub membership: Membership,
    /// The person.
    pub user: User,
}

/// How members may be filtered.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Words in the name or e-mail.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Include revoked and expired memberships.
    pub include_inactive: bool,
}

/// Users and memberships.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// A user by sign-in address, for authentication.
    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>>;
    /// A user by id, for authentication.
    async fn find_user(&self, id: UserId) -> Result<Option<UserRecord>>;
    /// Creates a user with a first membership in the scoped organization, and their
    /// invitation if they are to set their own password. `Conflict` on a duplicate e-mail.
    async fn insert_user(
        &self,
        scope: &TenantScope,
        user: &UserRecord,
        membership: &Membership,
        invitation: Option<&InvitationRecord>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Stores a new invitation for a member of the scoped organization.
    async fn insert_invitation(
        &self,
        scope: &TenantScope,
        invitation: &InvitationRecord,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// An invitation by token hash.
    async fn find_invitation(&self, token_hash: &str) -> Result<Option<InvitationRecord>>;
    /// Marks an invitation used and writes the user's first password, in one transaction.
    async fn accept_invitation(
        &self,
        invitation: &InvitationRecord,
        user: &UserRecord,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Writes a user's own record (name, password, MFA, disabled).
    async fn update_user(&self, user: &UserRecord, audit: &NewAuditEvent) -> Result<()>;
    /// Records the TOTP step just accepted; `false` if it was not newer than the last one
    /// (a replayed code).
    async fn advance_totp_step(&self, user: UserId, step: i64) -> Result<bool>;
    /// All of a user's memberships, active or not, for `authz`.
    async fn memberships_of_user(&self, user: UserId) -> Result<Vec<Membership>>;
    /// The scoped organization's members.
    async fn list_members(
        &self,
        scope: &TenantScope,
        filter: &MemberFilter,
        page: &PageRequest,
    ) -> Result<Page<MemberRow>>;
    /// One membership of the scoped organization.
    async fn get_member(&self, scope: &TenantScope, id: MembershipId) -> Result<MemberRow>;
    /// Grants a membership in the scoped organization. `Conflict` if the user already has one.
    async fn insert_membership(
        &self,
        scope: &TenantScope,
        m: &Membership,
        invitation: Option<&InvitationRecord>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// The invited user joins: the invitation is used up and the pending membership becomes
    /// active, in one transaction.
    async fn join_by_invitation(
        &self,
        inv: &InvitationRecord,
        membership: MembershipId,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Writes the new state of a membership of the scoped organization.
    async fn update_membership(
        &self,
        scope: &TenantScope,
        m: &Membership,
        audit: &NewAuditEvent,
    ) -> Result<()>;
}

/// A server-side session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Its id.
    pub id: SessionId,
    /// SHA-256 of the cookie token (hex). The token itself is never stored.
    pub token_hash: String,
    /// Who.
    pub user_id: UserId,
    /// When signed in.
    pub created_at: OffsetDateTime,
    /// Last request seen (for the idle timeout).
    pub last_seen_at: OffsetDateTime,
    /// Hard end, whatever the activity.
    pub expires_at: OffsetDateTime,
    /// When signed out or revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// Password checked but the second factor not yet given.
    pub mfa_pending: bool,
    /// Source address at sign-in.
    pub ip: Option<String>,
    /// CSRF token for the session's forms (random, not secret from the session holder).
    pub csrf_token: String,
}

/// An API token for automation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// Its id.
    pub id: ApiTokenId,
    /// SHA-256 of the token (hex).
    pub token_hash: String,
    /// Whose access it carries.
    pub user_id: UserId,
    /// The one organization it reaches, or all the user's when none.
    pub org_id: Option<OrgId>,
    /// A name to recognise it by.
    pub name: String,
    /// First characters of the token, to recognise it in lists.
    pub prefix: String,
    /// When made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// When revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// When last used.
    pub last_used_at: Option<OffsetDateTime>,
}

/// Failed sign-in counting for one account or source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures in the current window.
    pub failures: i64,
    /// When the window began.
    pub window_start: OffsetDateTime,
    /// Locked until then.
    pub locked_until: Option<OffsetDateTime>,
}

/// Sessions, API tokens, sign-in throttling.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session and the sign-in event.
    async fn insert_session(&self, s: &SessionRecord, audit: &NewAuditEvent) -> Result<()>;
    /// A session by token hash.
    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    /// Marks a session as used now.
    async fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<()>;
    /// Writes the new state of a session (MFA passed, revoked), with its event.
    async fn update_session(&self, s: &SessionRecord, audit: &NewAuditEvent) -> Result<()>;
    /// A user's sessions that have not ended, newest first.
    async fn list_sessions(&self, user: UserId, now: OffsetDateTime) -> Result<Vec<SessionRecord>>;
    /// Ends every session of a user but `except` (password change, disable); returns how many.
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        at: OffsetDateTime,
    ) -> Result<u64>;
    /// Revokes every API token of a user still in force (password change or reset); returns
    /// how many.
    async fn revoke_user_tokens(&self, user: UserId, at: OffsetDateTime) -> Result<u64>;
    /// Stores a new API token.
    async fn insert_api_token(&self, t: &ApiTokenRecord, audit: &NewAuditEvent) -> Result<()>;
    /// A token by hash.
    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>>;
    /// A user's tokens, newest first.
    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>>;
    /// Writes the new state of a token (revoked), with its event.
    async fn update_api_token(&self, t: &ApiTokenRecord, audit: &NewAuditEvent) -> Result<()>;
    /// Marks a token as used now.
    async fn touch_api_token(&self, id: ApiTokenId, at: OffsetDateTime) -> Result<()>;
    /// Throttle state of a key (`acct:...`, `ip:...`).
    async fn get_throttle(&self, key: &str) -> Result<Option<ThrottleState>>;
    /// Writes throttle states and the failed sign-in event in one transaction.
    async fn record_sign_in_failure(
        &self,
        states: &[(String, ThrottleState)],
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Forgets a key's failures (after a successful sign-in).
    async fn clear_throttle(&self, key: &str) -> Result<()>;
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor (user id).
    pub actor_user_id: Option<UserId>,
    /// Only this actor, as named in the trail (an e-mail, `cli`).
    pub actor: Option<String>,
    /// Actions starting with this (`org.` or `org.create`).
    pub action: Option<String>,
    /// Only this kind of entity.
    pub entity_type: Option<String>,
    /// Only this entity.
    pub entity_id: Option<String>,
    /// At or after.
    pub from: Option<OffsetDateTime>,
    /// Before.
    pub to: Option<OffsetDateTime>,
}

/// Whose events to list.
#[derive(Debug)]
pub enum AuditReach<'a> {
    /// One organization's.
    Org(&'a TenantScope),
    /// Everyone's (provider administrators).
    All(&'a crate::authz::InstallationScope),
}

/// The audit trail.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an event that records no other change (a denial, a sensitive read).
    async fn append_audit(&self, audit: &NewAuditEvent) -> Result<()>;
    /// Lists events, newest first.
    async fn list_audit(
        &self,
        reach: AuditReach<'_>,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>>;
    /// The chain's head: last sequence number and hash.
    async fn audit_head(&self) -> Result<(i64, String)>;
    /// Up to `limit` events after `after_seq`, in order, for verification.
    async fn audit_batch(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>>;
}

/// A table's content fingerprint, to compare two databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    /// Table name.
    pub table: String,
    /// Rows.
    pub rows: i64,
    /// SHA-256 over every row in key order.
    pub sha256: String,
}

/// Operations on the whole database.
#[async_trait]
pub trait Maintenance: Send + Sync {
    /// Brings the schema up to date; returns the number of migrations applied.
    async fn migrate(&self) -> Result<usize>;
    /// Writes a consistent copy of the database to `out` while it is in use.
    async fn backup(&self, out: &Path) -> Result<()>;
    /// Replaces the database's contents with a backup. Refuses a non-empty database unless
    /// `force`.
    async fn restore(&self, from: &Path, force: bool) -> Result<()>;
    /// Whether the database holds no installation yet.
    async fn is_empty(&self) -> Result<bool>;
    /// Whether the database records any stored evidence file (whose key must then exist).
    async fn has_evidence_files(&self) -> Result<bool>;
    /// The append-only and lock triggers the schema must have, by name, that are missing
    /// (someone dropped them): the audit trail and finalized records are then unprotected.
    async fn missing_triggers(&self) -> Result<Vec<String>>;
    /// Fingerprints of every table.
    async fn table_digests(&self) -> Result<Vec<TableDigest>>;
    /// Whether the database answers.
    async fn ping(&self) -> Result<()>;
}

/// A framework imported into this installation, with its requirements and mappings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportedFramework {
    /// The framework.
    pub framework: safeharbor_domain::catalog::Framework,
    /// Its requirements.
    pub requirements: Vec<safeharbor_domain::catalog::Requirement>,
    /// Its mappings to other frameworks.
    pub mappings: Vec<safeharbor_domain::catalog::Mapping>,
}

/// The official text of a citation, imported from an eCFR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialText {
    /// `164.308(a)(1)(ii)(A)`.
    pub citation: String,
    /// The framework it belongs to.
    pub framework_key: String,
    /// The italic heading, if any.
    pub heading: Option<String>,
    /// The paragraph as printed.
    pub body: String,
    /// Which file and point in time.
    pub source: String,
    /// When imported.
    pub imported_at: OffsetDateTime,
}

/// One item of an organization's baseline and whether it is practiced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineItem {
    /// Reference of the item in the baseline framework.
    pub item_ref: String,
    /// Practiced or not.
    pub status: safeharbor_domain::catalog::BaselineStatus,
    /// A note (how, where).
    pub note: Option<String>,
}

/// An organization's baseline: the framework it calls its standard practice, and which items it
/// practices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// The baseline framework's key.
    pub framework_key: String,
    /// The items marked.
    pub items: Vec<BaselineItem>,
    /// When last changed.
    pub updated_at: OffsetDateTime,
}

/// Imported frameworks, official text, baselines.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Every imported framework, oldest first.
    async fn imported_frameworks(&self) -> Result<Vec<ImportedFramework>>;
    /// How many frameworks were imported (a generation number for caches).
    async fn imported_count(&self) -> Result<i64>;
    /// Stores an imported framework. `Conflict` if that key and version exist.
    async fn insert_imported_framework(
        &self,
        f: &ImportedFramework,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Stores (or replaces) official texts, in one transaction.
    async fn upsert_official_texts(
        &self,
        texts: &[OfficialText],
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// The official text of a citation.
    async fn official_text(&self, citation: &str) -> Result<Option<OfficialText>>;
    /// The scoped organization's baseline.
    async fn get_baseline(&self, scope: &TenantScope) -> Result<Option<Baseline>>;
    /// Replaces the scoped organization's baseline.
    async fn put_baseline(
        &self,
        scope: &TenantScope,
        b: &Baseline,
        audit: &NewAuditEvent,
    ) -> Result<()>;
}
