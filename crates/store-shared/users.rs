//! Users and memberships.

use async_trait::async_trait;
use safeharbor_core::authz::TenantScope;
use safeharbor_core::ports::{InvitationRecord, MemberFilter, MemberRow, UserRecord, UserStore};
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, from_micros, micros};
use safeharbor_domain::ids::{MembershipId, OrgId, UserId};
use safeharbor_domain::page::{Cursor, Page, PageRequest, like_pattern};
use safeharbor_domain::user::{Email, Membership, User};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::rows::{InvitationRow, MembershipRow, UserRow, membership_columns, user_columns};
use super::{audit, commit, db_err, unique_or};
use crate::Db;

const DUPLICATE_EMAIL: &str = "an account with this e-mail address already exists";
const DUPLICATE_MEMBER: &str = "this person is already a member of this organization";

async fn insert_membership_tx(
    tx: &mut sqlx::Transaction<'static, Db>,
    m: &Membership,
) -> Result<()> {
    sqlx::query(concat!(
        "INSERT INTO membership (",
        membership_columns!(),
        ", updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(m.id.as_uuid())
    .bind(m.user_id.as_uuid())
    .bind(m.org_id.as_uuid())
    .bind(m.role.as_str())
    .bind(m.expires_at.map(micros))
    .bind(micros(m.created_at))
    .bind(m.archived_at.map(micros))
    .bind(&m.pending)
    .bind(micros(m.created_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| unique_or(e, "email", DUPLICATE_MEMBER))?;
    Ok(())
}

async fn insert_invitation_tx(
    tx: &mut sqlx::Transaction<'static, Db>,
    inv: &InvitationRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO invitation (invitation_id, token_hash, user_id, org_id, created_at, \
         expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(inv.id.as_uuid())
    .bind(&inv.token_hash)
    .bind(inv.user_id.as_uuid())
    .bind(inv.org_id.as_uuid())
    .bind(micros(inv.created_at))
    .bind(micros(inv.expires_at))
    .bind(inv.used_at.map(micros))
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MemberJoinRow {
    #[sqlx(flatten)]
    m: MembershipRow,
    email: String,
    user_name: String,
    home_org_id: Uuid,
    mfa_enabled: bool,
    invited: bool,
    user_created_at: i64,
    user_archived_at: Option<i64>,
}

impl TryFrom<MemberJoinRow> for MemberRow {
    type Error = Error;
    fn try_from(r: MemberJoinRow) -> Result<Self> {
        // A pending invitation of an account the organization does not own shows what the
        // inviter typed, never the account's own details.
        let pending = r.m.pending_name.clone();
        let user = User {
            id: UserId::from_uuid(r.m.user_id),
            email: Email::parse(&r.email)
                .map_err(|_| Error::internal("stored e-mail does not parse"))?,
            name: pending.clone().unwrap_or(r.user_name),
            home_org_id: OrgId::from_uuid(r.home_org_id),
            mfa_enabled: r.mfa_enabled && pending.is_none(),
            invited: r.invited || pending.is_some(),
            created_at: from_micros(r.user_created_at),
            archived_at: r.user_archived_at.map(from_micros),
        };
        Ok(Self {
            membership: Membership::try_from(r.m)?,
            user,
        })
    }
}

macro_rules! member_select {
    () => {
        "SELECT m.membership_id, m.user_id, m.org_id, m.role, m.expires_at, m.created_at, \
         m.archived_at, m.pending_name, u.email, u.name AS user_name, u.home_org_id, \
         (u.totp_secret IS NOT NULL) AS mfa_enabled, (u.password_hash = '!') AS invited, \
         u.created_at AS user_created_at, \
         u.archived_at AS user_archived_at \
         FROM membership m JOIN app_user u ON u.user_id = m.user_id"
    };
}

#[async_trait]
impl UserStore for crate::Backend {
    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user WHERE email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn find_user(&self, id: UserId) -> Result<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user WHERE user_id = $1"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn insert_user(
        &self,
        scope: &TenantScope,
        rec: &UserRecord,
        m: &Membership,
        invitation: Option<&InvitationRecord>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if m.org_id != scope.org_id() || m.user_id != rec.user.id {
            return Err(Error::NotFound);
        }
        let u = &rec.user;
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(concat!(
            "INSERT INTO app_user (",
            user_columns!(),
            ", updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(u.id.as_uuid())
        .bind(u.email.as_str())
        .bind(&u.name)
        .bind(u.home_org_id.as_uuid())
        .bind(&rec.password_hash)
        .bind(micros(rec.password_changed_at))
        .bind(&rec.totp_secret)
        .bind(&rec.totp_pending)
        .bind(rec.totp_last_step)
        .bind(micros(u.created_at))
        .bind(u.archived_at.map(micros))
        .bind(micros(u.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "email", DUPLICATE_EMAIL))?;
        insert_membership_tx(&mut tx, m).await?;
        if let Some(inv) = invitation {
            insert_invitation_tx(&mut tx, inv).await?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn insert_invitation(
        &self,
        scope: &TenantScope,
        inv: &InvitationRecord,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if inv.org_id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        insert_invitation_tx(&mut tx, inv).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn find_invitation(&self, token_hash: &str) -> Result<Option<InvitationRecord>> {
        let row: Option<InvitationRow> = sqlx::query_as(
            "SELECT invitation_id, token_hash, user_id, org_id, created_at, expires_at, used_at \
             FROM invitation WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(row.map(InvitationRecord::from))
    }

    async fn accept_invitation(
        &self,
        inv: &InvitationRecord,
        rec: &UserRecord,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let used = sqlx::query(
            "UPDATE invitation SET used_at = $1 WHERE invitation_id = $2 AND used_at IS NULL",
        )
        .bind(micros(event.at))
        .bind(inv.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if used.rows_affected() != 1 {
            return Err(Error::conflict(
                "invitation",
                "this invitation was already used",
            ));
        }
        sqlx::query(
            "UPDATE app_user SET password_hash = $1, password_changed_at = $2, updated_at = $2 \
             WHERE user_id = $3",
        )
        .bind(&rec.password_hash)
        .bind(micros(rec.password_changed_at))
        .bind(inv.user_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn update_user(&self, rec: &UserRecord, event: &NewAuditEvent) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE app_user SET name = $1, password_hash = $2, password_changed_at = $3, \
             totp_secret = $4, totp_pending = $5, totp_last_step = $6, archived_at = $7, \
             updated_at = $8 WHERE user_id = $9",
        )
        .bind(&rec.user.name)
        .bind(&rec.password_hash)
        .bind(micros(rec.password_changed_at))
        .bind(&rec.totp_secret)
        .bind(&rec.totp_pending)
        .bind(rec.totp_last_step)
        .bind(rec.user.archived_at.map(micros))
        .bind(micros(event.at))
        .bind(rec.user.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn advance_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE app_user SET totp_last_step = $1 WHERE user_id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn memberships_of_user(&self, user: UserId) -> Result<Vec<Membership>> {
        let rows: Vec<MembershipRow> = sqlx::query_as(concat!(
            "SELECT ",
            membership_columns!(),
            " FROM membership WHERE user_id = $1 ORDER BY created_at"
        ))
        .bind(user.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(Membership::try_from).collect()
    }

    async fn list_members(
        &self,
        scope: &TenantScope,
        f: &MemberFilter,
        page: &PageRequest,
    ) -> Result<Page<MemberRow>> {
        let mut q = QueryBuilder::<Db>::new(concat!(member_select!(), " WHERE m.org_id = "));
        q.push_bind(scope.org_id().as_uuid());
        if !f.include_inactive {
            q.push(" AND m.archived_at IS NULL");
        }
        if let Some(r) = f.role {
            q.push(" AND m.role = ").push_bind(r.as_str());
        }
        if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(term);
            q.push(" AND (u.email LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(m.pending_name, u.name)) LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(c) = &page.after {
            let id = Uuid::try_parse(&c.id)
                .map_err(|_| Error::invalid("cursor", "is not a cursor this server issued"))?;
            q.push(" AND (u.email > ")
                .push_bind(c.key.clone())
                .push(" OR (u.email = ")
                .push_bind(c.key.clone())
                .push(" AND m.membership_id > ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY u.email, m.membership_id LIMIT ")
            .push(page.fetch());
        let rows: Vec<MemberJoinRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let items = rows
            .into_iter()
            .map(MemberRow::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page, |r: &MemberRow| Cursor {
            key: r.user.email.to_string(),
            id: r.membership.id.to_string(),
        }))
    }

    async fn get_member(&self, scope: &TenantScope, id: MembershipId) -> Result<MemberRow> {
        let row: MemberJoinRow = sqlx::query_as(concat!(
            member_select!(),
            " WHERE m.org_id = $1 AND m.membership_id = $2"
        ))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        MemberRow::try_from(row)
    }

    async fn insert_membership(
        &self,
        scope: &TenantScope,
        m: &Membership,
        invitation: Option<&InvitationRecord>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if m.org_id != scope.org_id() || invitation.is_some_and(|i| i.org_id != scope.org_id()) {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        insert_membership_tx(&mut tx, m).await?;
        if let Some(inv) = invitation {
            insert_invitation_tx(&mut tx, inv).await?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn join_by_invitation(
        &self,
        inv: &InvitationRecord,
        membership: MembershipId,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let used = sqlx::query(
            "UPDATE invitation SET used_at = $1 WHERE invitation_id = $2 AND used_at IS NULL",
        )
        .bind(micros(event.at))
        .bind(inv.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if used.rows_affected() != 1 {
            return Err(Error::conflict(
                "invitation",
                "this invitation was already used",
            ));
        }
        let joined = sqlx::query(
            "UPDATE membership SET pending_name = NULL, updated_at = $1 WHERE membership_id = $2 \
             AND user_id = $3 AND org_id = $4 AND pending_name IS NOT NULL AND archived_at IS NULL",
        )
        .bind(micros(event.at))
        .bind(membership.as_uuid())
        .bind(inv.user_id.as_uuid())
        .bind(inv.org_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if joined.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn update_membership(
        &self,
        scope: &TenantScope,
        m: &Membership,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE membership SET role = $1, expires_at = $2, archived_at = $3, updated_at = $4 \
             WHERE org_id = $5 AND membership_id = $6",
        )
        .bind(m.role.as_str())
        .bind(m.expires_at.map(micros))
        .bind(m.archived_at.map(micros))
        .bind(micros(event.at))
        .bind(scope.org_id().as_uuid())
        .bind(m.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }
}
