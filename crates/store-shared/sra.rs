//! The risk analysis's profile, threat considerations and draft assessment record.

use async_trait::async_trait;
use safeharbor_core::authz::TenantScope;
use safeharbor_core::ports::SraStore;
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, from_micros, micros};
use safeharbor_domain::ids::AssetId;
use safeharbor_domain::org::{Official, OrgProfile};
use safeharbor_domain::risk::{Assessment, ThreatConsideration};
use uuid::Uuid;

use super::risk::{assessment_is_draft, corrupt};
use super::{audit, commit, db_err};
use crate::Db;

#[derive(sqlx::FromRow)]
struct ProfileRow {
    security_official: Option<String>,
    security_official_email: Option<String>,
    privacy_official: Option<String>,
    privacy_official_email: Option<String>,
    risk_acceptance_max: Option<i64>,
}

fn official(name: Option<String>, email: Option<String>) -> Option<Official> {
    name.map(|name| Official { name, email })
}

/// Writes a draft's record columns (scope, preparer, no-ePHI statement, sign-off).
pub(crate) async fn write_record(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    a: &Assessment,
) -> Result<()> {
    let no = a.no_ephi.as_ref();
    let s = a.sign_off.as_ref();
    let done = sqlx::query(
        "UPDATE assessment SET scope = $1, prepared_by = $2, no_ephi_statement = $3, \
         no_ephi_written_by = $4, no_ephi_confirmed_by = $5, no_ephi_confirmed_at = $6, \
         signed_off_by = $7, signed_off_capacity = $8, signed_off_at = $9, signed_off_digest = $10 \
         WHERE org_id = $11 AND assessment_id = $12 AND status = 'draft'",
    )
    .bind(&a.scope)
    .bind(&a.prepared_by)
    .bind(no.map(|n| n.statement.as_str()))
    .bind(no.map(|n| n.written_by.as_str()))
    .bind(no.and_then(|n| n.confirmed_by.as_deref()))
    .bind(no.and_then(|n| n.confirmed_at).map(micros))
    .bind(s.map(|s| s.by.as_str()))
    .bind(s.map(|s| s.capacity.as_str()))
    .bind(s.map(|s| micros(s.at)))
    .bind(s.map(|s| s.digest.as_str()))
    .bind(scope.org_id().as_uuid())
    .bind(a.id.as_uuid())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    if done.rows_affected() != 1 {
        return Err(Error::NotFound);
    }
    Ok(())
}

#[async_trait]
impl SraStore for crate::Backend {
    async fn org_profile(&self, scope: &TenantScope) -> Result<OrgProfile> {
        let row: Option<ProfileRow> = sqlx::query_as(
            "SELECT security_official, security_official_email, privacy_official, \
             privacy_official_email, risk_acceptance_max FROM org_profile WHERE org_id = $1",
        )
        .bind(scope.org_id().as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else {
            return Ok(OrgProfile::default());
        };
        Ok(OrgProfile {
            security_official: official(r.security_official, r.security_official_email),
            privacy_official: official(r.privacy_official, r.privacy_official_email),
            risk_acceptance_max: r
                .risk_acceptance_max
                .map(|v| u8::try_from(v).map_err(|_| corrupt("risk acceptance threshold")))
                .transpose()?,
        })
    }

    async fn put_org_profile(
        &self,
        scope: &TenantScope,
        p: &OrgProfile,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let sec = p.security_official.as_ref();
        let pri = p.privacy_official.as_ref();
        sqlx::query(
            "INSERT INTO org_profile (org_id, security_official, security_official_email, \
             privacy_official, privacy_official_email, risk_acceptance_max, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id) DO UPDATE SET \
             security_official = excluded.security_official, \
             security_official_email = excluded.security_official_email, \
             privacy_official = excluded.privacy_official, \
             privacy_official_email = excluded.privacy_official_email, \
             risk_acceptance_max = excluded.risk_acceptance_max, updated_at = excluded.updated_at",
        )
        .bind(scope.org_id().as_uuid())
        .bind(sec.map(|o| o.name.as_str()))
        .bind(sec.and_then(|o| o.email.as_deref()))
        .bind(pri.map(|o| o.name.as_str()))
        .bind(pri.and_then(|o| o.email.as_deref()))
        .bind(p.risk_acceptance_max.map(i64::from))
        .bind(micros(audit.at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit::append(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn threat_considerations(&self, scope: &TenantScope) -> Result<Vec<ThreatConsideration>> {
        let rows: Vec<(Uuid, String, String, String, i64)> = sqlx::query_as(
            "SELECT asset_id, category, reason, recorded_by, recorded_at FROM threat_consideration \
             WHERE org_id = $1 ORDER BY asset_id, category",
        )
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(
                |(asset, category, reason, recorded_by, at)| ThreatConsideration {
                    asset_id: AssetId::from_uuid(asset),
                    category,
                    reason,
                    recorded_by,
                    recorded_at: from_micros(at),
                },
            )
            .collect())
    }

    async fn put_threat_consideration(
        &self,
        scope: &TenantScope,
        c: &ThreatConsideration,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let exists: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM asset WHERE org_id = $1 AND asset_id = $2")
                .bind(scope.org_id().as_uuid())
                .bind(c.asset_id.as_uuid())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
        if exists == 0 {
            return Err(Error::NotFound);
        }
        sqlx::query(
            "INSERT INTO threat_consideration (org_id, asset_id, category, reason, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, asset_id, category) \
             DO UPDATE SET reason = excluded.reason, recorded_by = excluded.recorded_by, \
             recorded_at = excluded.recorded_at",
        )
        .bind(scope.org_id().as_uuid())
        .bind(c.asset_id.as_uuid())
        .bind(&c.category)
        .bind(&c.reason)
        .bind(&c.recorded_by)
        .bind(micros(c.recorded_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit::append(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn remove_threat_consideration(
        &self,
        scope: &TenantScope,
        asset: AssetId,
        category: &str,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "DELETE FROM threat_consideration WHERE org_id = $1 AND asset_id = $2 AND category = $3",
        )
        .bind(scope.org_id().as_uuid())
        .bind(asset.as_uuid())
        .bind(category)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn update_assessment_record(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        assessment_is_draft(&mut tx, scope, a.id).await?;
        write_record(&mut tx, scope, a).await?;
        audit::append(&mut tx, audit).await?;
        commit(tx).await
    }
}
