//! Imported frameworks, official text, baselines.

use async_trait::async_trait;
use safeharbor_core::authz::TenantScope;
use safeharbor_core::ports::{
    Baseline, BaselineItem, CatalogStore, ImportedFramework, OfficialText,
};
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, from_micros, micros};
use safeharbor_domain::catalog::BaselineStatus;
use uuid::Uuid;

use super::{audit, commit, db_err, unique_or};

#[derive(sqlx::FromRow)]
struct OfficialRow {
    citation: String,
    framework_key: String,
    heading: Option<String>,
    body: String,
    source: String,
    imported_at: i64,
}

#[derive(sqlx::FromRow)]
struct BaselineItemRow {
    item_ref: String,
    status: String,
    note: Option<String>,
}

#[async_trait]
impl CatalogStore for crate::Backend {
    async fn imported_frameworks(&self) -> Result<Vec<ImportedFramework>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT body FROM imported_framework ORDER BY imported_at, framework_key",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(b,)| {
                serde_json::from_str(&b)
                    .map_err(|e| Error::internal(format!("stored framework does not parse: {e}")))
            })
            .collect()
    }

    async fn imported_count(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM imported_framework")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn insert_imported_framework(
        &self,
        f: &ImportedFramework,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let body = serde_json::to_string(f).map_err(Error::internal)?;
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO imported_framework (imported_framework_id, framework_key, version, title, body, imported_at, imported_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(&f.framework.key)
        .bind(&f.framework.version)
        .bind(&f.framework.title)
        .bind(&body)
        .bind(micros(event.at))
        .bind(&event.actor)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "version", "this framework version was already imported; give the new content a new version"))?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn upsert_official_texts(
        &self,
        texts: &[OfficialText],
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        for t in texts {
            sqlx::query(
                "INSERT INTO official_text (citation, framework_key, heading, body, source, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (citation) DO UPDATE SET \
                 framework_key = excluded.framework_key, heading = excluded.heading, body = excluded.body, \
                 source = excluded.source, imported_at = excluded.imported_at",
            )
            .bind(&t.citation)
            .bind(&t.framework_key)
            .bind(&t.heading)
            .bind(&t.body)
            .bind(&t.source)
            .bind(micros(t.imported_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn official_text(&self, citation: &str) -> Result<Option<OfficialText>> {
        let row: Option<OfficialRow> = sqlx::query_as(
            "SELECT citation, framework_key, heading, body, source, imported_at FROM official_text WHERE citation = $1",
        )
        .bind(citation)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(row.map(|r| OfficialText {
            citation: r.citation,
            framework_key: r.framework_key,
            heading: r.heading,
            body: r.body,
            source: r.source,
            imported_at: from_micros(r.imported_at),
        }))
    }

    async fn get_baseline(&self, scope: &TenantScope) -> Result<Option<Baseline>> {
        let head: Option<(String, i64)> =
            sqlx::query_as("SELECT framework_key, updated_at FROM baseline WHERE org_id = $1")
                .bind(scope.org_id().as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        let Some((framework_key, updated_at)) = head else {
            return Ok(None);
        };
        let rows: Vec<BaselineItemRow> = sqlx::query_as(
            "SELECT item_ref, status, note FROM baseline_item WHERE org_id = $1 AND framework_key = $2 ORDER BY item_ref",
        )
        .bind(scope.org_id().as_uuid())
        .bind(&framework_key)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(BaselineItem {
                    item_ref: r.item_ref,
                    status: BaselineStatus::parse(&r.status)
                        .map_err(|_| Error::internal("stored baseline status does not parse"))?,
                    note: r.note,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Baseline {
            framework_key,
            items,
            updated_at: from_micros(updated_at),
        }))
    }

    async fn put_baseline(
        &self,
        scope: &TenantScope,
        b: &Baseline,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let org = scope.org_id().as_uuid();
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO baseline (org_id, framework_key, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET framework_key = excluded.framework_key, updated_at = excluded.updated_at",
        )
        .bind(org)
        .bind(&b.framework_key)
        .bind(micros(b.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("DELETE FROM baseline_item WHERE org_id = $1 AND framework_key = $2")
            .bind(org)
            .bind(&b.framework_key)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for it in &b.items {
            sqlx::query(
                "INSERT INTO baseline_item (org_id, framework_key, item_ref, status, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(org)
            .bind(&b.framework_key)
            .bind(&it.item_ref)
            .bind(it.status.as_str())
            .bind(&it.note)
            .bind(micros(b.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }
}
