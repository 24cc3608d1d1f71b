//! Rows as read from the database, and their conversion to domain types. A row that does not
//! convert means the database was changed behind the application's back: an internal error.

use safeharbor_core::Error;
use safeharbor_core::ports::{ApiTokenRecord, SessionRecord, ThrottleState, UserRecord};
use safeharbor_domain::audit::{AuditEvent, NewAuditEvent, from_micros};
use safeharbor_domain::ids::{ApiTokenId, LocationId, MembershipId, OrgId, SessionId, UserId};
use safeharbor_domain::org::{HipaaRole, Location, LocationKind, OrgKind, Organization, Slug};
use safeharbor_domain::user::{Email, Membership, Role, User};
use time::OffsetDateTime;
use uuid::Uuid;

fn corrupt(what: &str) -> Error {
    Error::internal(format!("stored {what} does not parse"))
}

fn t(us: Option<i64>) -> Option<OffsetDateTime> {
    us.map(from_micros)
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub org_id: Uuid,
    pub kind: String,
    pub hipaa_role: String,
    pub slug: String,
    pub name: String,
    pub require_mfa: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived_at: Option<i64>,
}

impl TryFrom<OrgRow> for Organization {
    type Error = Error;
    fn try_from(r: OrgRow) -> Result<Self, Error> {
        Ok(Self {
            id: OrgId::from_uuid(r.org_id),
            kind: OrgKind::parse(&r.kind).map_err(|_| corrupt("organization kind"))?,
            hipaa_role: HipaaRole::parse(&r.hipaa_role).map_err(|_| corrupt("HIPAA role"))?,
            slug: Slug::parse(&r.slug).map_err(|_| corrupt("slug"))?,
            name: r.name,
            require_mfa: r.require_mfa,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            archived_at: t(r.archived_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LocationRow {
    pub location_id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub kind: String,
    pub address: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived_at: Option<i64>,
}

impl TryFrom<LocationRow> for Location {
    type Error = Error;
    fn try_from(r: LocationRow) -> Result<Self, Error> {
        Ok(Self {
            id: LocationId::from_uuid(r.location_id),
            org_id: OrgId::from_uuid(r.org_id),
            name: r.name,
            kind: LocationKind::parse(&r.kind).map_err(|_| corrupt("location kind"))?,
            address: r.address,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            archived_at: t(r.archived_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub home_org_id: Uuid,
    pub password_hash: String,
    pub password_changed_at: i64,
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    pub totp_last_step: Option<i64>,
    pub created_at: i64,
    pub archived_at: Option<i64>,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = Error;
    fn try_from(r: UserRow) -> Result<Self, Error> {
        Ok(Self {
            user: User {
                id: UserId::from_uuid(r.user_id),
                email: Email::parse(&r.email).map_err(|_| corrupt("e-mail"))?,
                name: r.name,
                home_org_id: OrgId::from_uuid(r.home_org_id),
                mfa_enabled: r.totp_secret.is_some(),
                invited: r.password_hash == safeharbor_core::auth::password::UNUSABLE,
                created_at: from_micros(r.created_at),
                archived_at: t(r.archived_at),
            },
            password_hash: r.password_hash,
            totp_secret: r.totp_secret,
            totp_pending: r.totp_pending,
            totp_last_step: r.totp_last_step,
            password_changed_at: from_micros(r.password_changed_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub invitation_id: Uuid,
    pub token_hash: String,
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl From<InvitationRow> for safeharbor_core::ports::InvitationRecord {
    fn from(r: InvitationRow) -> Self {
        Self {
            id: safeharbor_domain::ids::InvitationId::from_uuid(r.invitation_id),
            token_hash: r.token_hash,
            user_id: UserId::from_uuid(r.user_id),
            org_id: OrgId::from_uuid(r.org_id),
            created_at: from_micros(r.created_at),
            expires_at: from_micros(r.expires_at),
            used_at: t(r.used_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    pub membership_id: Uuid,
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub role: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub archived_at: Option<i64>,
    pub pending_name: Option<String>,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = Error;
    fn try_from(r: MembershipRow) -> Result<Self, Error> {
        Ok(Self {
            id: MembershipId::from_uuid(r.membership_id),
            user_id: UserId::from_uuid(r.user_id),
            org_id: OrgId::from_uuid(r.org_id),
            role: Role::parse(&r.role).map_err(|_| corrupt("role"))?,
            expires_at: t(r.expires_at),
            created_at: from_micros(r.created_at),
            archived_at: t(r.archived_at),
            pending: r.pending_name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub session_id: Uuid,
    pub token_hash: String,
    pub user_id: Uuid,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub mfa_pending: bool,
    pub ip: Option<String>,
    pub csrf_token: String,
}

impl From<SessionRow> for SessionRecord {
    fn from(r: SessionRow) -> Self {
        Self {
            id: SessionId::from_uuid(r.session_id),
            token_hash: r.token_hash,
            user_id: UserId::from_uuid(r.user_id),
            created_at: from_micros(r.created_at),
            last_seen_at: from_micros(r.last_seen_at),
            expires_at: from_micros(r.expires_at),
            revoked_at: t(r.revoked_at),
            mfa_pending: r.mfa_pending,
            ip: r.ip,
            csrf_token: r.csrf_token,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiTokenRow {
    pub token_id: Uuid,
    pub token_hash: String,
    pub user_id: Uuid,
    pub org_id: Option<Uuid>,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl From<ApiTokenRow> for ApiTokenRecord {
    fn from(r: ApiTokenRow) -> Self {
        Self {
            id: ApiTokenId::from_uuid(r.token_id),
            token_hash: r.token_hash,
            user_id: UserId::from_uuid(r.user_id),
            org_id: r.org_id.map(OrgId::from_uuid),
            name: r.name,
            prefix: r.prefix,
            created_at: from_micros(r.created_at),
            expires_at: from_micros(r.expires_at),
            revoked_at: t(r.revoked_at),
            last_used_at: t(r.last_used_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ThrottleRow {
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: Option<i64>,
}

impl From<ThrottleRow> for ThrottleState {
    fn from(r: ThrottleRow) -> Self {
        Self {
            failures: r.failures,
            window_start: from_micros(r.window_start),
            locked_until: t(r.locked_until),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<Uuid>,
    pub actor: String,
    pub org_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        Self {
            seq: r.seq,
            event: NewAuditEvent {
                at: from_micros(r.at),
                actor_user_id: r.actor_user_id.map(UserId::from_uuid),
                actor: r.actor,
                org_id: r.org_id.map(OrgId::from_uuid),
                action: r.action,
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                summary: r.summary,
                ip: r.ip,
                request_id: r.request_id,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Columns of `organization`, in `OrgRow` order.
macro_rules! org_columns {
    () => {
        "org_id, kind, hipaa_role, slug, name, require_mfa, created_at, updated_at, archived_at"
    };
}
/// Columns of `location`.
macro_rules! location_columns {
    () => {
        "location_id, org_id, name, kind, address, created_at, updated_at, archived_at"
    };
}
/// Columns of `app_user`.
macro_rules! user_columns {
    () => {
        "user_id, email, name, home_org_id, password_hash, password_changed_at, totp_secret, \
         totp_pending, totp_last_step, created_at, archived_at"
    };
}
/// Columns of `membership`.
macro_rules! membership_columns {
    () => {
        "membership_id, user_id, org_id, role, expires_at, created_at, archived_at, pending_name"
    };
}
/// Columns of `audit_event`.
macro_rules! audit_columns {
    () => {
        "seq, at, actor_user_id, actor, org_id, action, entity_type, entity_id, summary, ip, \
         request_id, prev_hash, hash"
    };
}
/// Columns of `session`.
macro_rules! session_columns {
    () => {
        "session_id, token_hash, user_id, created_at, last_seen_at, expires_at, revoked_at, \
         mfa_pending, ip, csrf_token"
    };
}
/// Columns of `api_token`.
macro_rules! token_columns {
    () => {
        "token_id, token_hash, user_id, org_id, name, prefix, created_at, expires_at, \
         revoked_at, last_used_at"
    };
}
pub(crate) use {
    audit_columns, location_columns, membership_columns, org_columns, session_columns,
    token_columns, user_columns,
};
