//! The audit trail: appending to the chain inside a write transaction, listing, walking.

use async_trait::async_trait;
use safeharbor_core::Result;
use safeharbor_core::ports::{AuditFilter, AuditReach, AuditStore};
use safeharbor_domain::audit::{AuditEvent, NewAuditEvent, chain_hash, micros};
use safeharbor_domain::page::{Cursor, Page, PageRequest, like_prefix};
use sqlx::QueryBuilder;

use super::rows::{AuditRow, audit_columns};
use super::{commit, db_err};
use crate::Db;

/// Appends `e` to the chain inside `tx`. Taking the head row with an UPDATE serializes
/// appenders (a row lock on PostgreSQL, the write lock on SQLite), so the chain never forks.
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'static, Db>,
    e: &NewAuditEvent,
) -> Result<()> {
    let (seq, prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE head_id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?;
    let hash = chain_hash(&prev, seq, e);
    sqlx::query(concat!(
        "INSERT INTO audit_event (",
        audit_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(seq)
    .bind(micros(e.at))
    .bind(e.actor_user_id.map(|u| u.as_uuid()))
    .bind(&e.actor)
    .bind(e.org_id.map(|o| o.as_uuid()))
    .bind(&e.action)
    .bind(&e.entity_type)
    .bind(&e.entity_id)
    .bind(&e.summary)
    .bind(&e.ip)
    .bind(&e.request_id)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE head_id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl AuditStore for crate::Backend {
    async fn append_audit(&self, audit: &NewAuditEvent) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        append(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn list_audit(
        &self,
        reach: AuditReach<'_>,
        f: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>> {
        let mut q = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_event WHERE 1 = 1"
        ));
        if let AuditReach::Org(scope) = reach {
            q.push(" AND org_id = ").push_bind(scope.org_id().as_uuid());
        }
        if let Some(a) = f.actor_user_id {
            q.push(" AND actor_user_id = ").push_bind(a.as_uuid());
        }
        if let Some(a) = &f.actor {
            q.push(" AND actor = ").push_bind(a.trim().to_lowercase());
        }
        if let Some(a) = &f.action {
            // Prefix match: `org.` finds every organization action.
            q.push(" AND action LIKE ")
                .push_bind(like_prefix(a))
                .push(" ESCAPE '\\'");
        }
        if let Some(t) = &f.entity_type {
            q.push(" AND entity_type = ").push_bind(t.clone());
        }
        if let Some(id) = &f.entity_id {
            q.push(" AND entity_id = ").push_bind(id.clone());
        }
        if let Some(from) = f.from {
            q.push(" AND at >= ").push_bind(micros(from));
        }
        if let Some(to) = f.to {
            q.push(" AND at < ").push_bind(micros(to));
        }
        if let Some(c) = &page.after {
            let seq: i64 = c.id.parse().map_err(|_| {
                safeharbor_core::Error::invalid("cursor", "is not a cursor this server issued")
            })?;
            q.push(" AND seq < ").push_bind(seq);
        }
        q.push(" ORDER BY seq DESC LIMIT ").push(page.fetch());
        let rows: Vec<AuditRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let events = rows.into_iter().map(AuditEvent::from).collect();
        Ok(Page::from_rows(events, page, |e: &AuditEvent| Cursor {
            key: String::new(),
            id: e.seq.to_string(),
        }))
    }

    async fn audit_head(&self) -> Result<(i64, String)> {
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE head_id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn audit_batch(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        let rows: Vec<AuditRow> = sqlx::query_as(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }
}
