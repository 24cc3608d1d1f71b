//! The evidence locker: evidence, its immutable versions, its links; background job leases.

use std::collections::HashMap;

use async_trait::async_trait;
use safeharbor_core::authz::{OrgVisibility, TenantScope};
use safeharbor_core::ports::{BlobRef, EvidenceFilter, EvidenceStore, OrgEvidence};
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, from_micros, micros};
use safeharbor_domain::evidence::{
    EXPIRING_DAYS, Evidence, EvidenceKind, EvidenceVersion, Freshness, LinkTarget, Source,
};
use safeharbor_domain::ids::{EvidenceId, OrgId};
use safeharbor_domain::page::{Cursor, Page, PageRequest, like_pattern};
use safeharbor_domain::risk::parse_date;
use sqlx::{AssertSqlSafe, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{audit, commit, db_err};
use crate::Db;

fn corrupt(what: &str) -> Error {
    Error::internal(format!("stored {what} does not parse"))
}

macro_rules! evidence_columns {
    () => {
        "e.evidence_id, e.org_id, e.title, e.description, e.kind, e.valid_until, \
         e.source, e.collected_at, e.created_at, e.updated_at, e.archived_at, v.version, v.sha256, v.size, \
         v.media_type, v.file_name, v.url, v.record, v.source AS v_source, v.created_by, v.created_at AS v_created_at"
    };
}
macro_rules! evidence_from {
    () => {
        "FROM evidence e JOIN evidence_version v ON v.evidence_id = e.evidence_id AND v.version = e.current_version "
    };
}
const EVIDENCE_COLUMNS: &str = evidence_columns!();
const EVIDENCE_FROM: &str = evidence_from!();
const EVIDENCE_SELECT: &str = concat!("SELECT ", evidence_columns!(), " ", evidence_from!());

const VERSION_COLUMNS: &str = "version, sha256, size, media_type, file_name, url, record, source AS v_source, \
     created_by, created_at AS v_created_at";

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    sha256: Option<String>,
    size: i64,
    media_type: String,
    file_name: Option<String>,
    url: Option<String>,
    record: Option<String>,
    v_source: String,
    created_by: String,
    v_created_at: i64,
}

impl TryFrom<VersionRow> for EvidenceVersion {
    type Error = Error;
    fn try_from(r: VersionRow) -> Result<Self> {
        Ok(Self {
            version: r.version,
            sha256: r.sha256,
            size: u64::try_from(r.size).map_err(|_| corrupt("evidence size"))?,
            media_type: r.media_type,
            file_name: r.file_name,
            url: r.url,
            record: r.record,
            source: Source::parse(&r.v_source).map_err(|_| corrupt("evidence source"))?,
            created_by: r.created_by,
            created_at: from_micros(r.v_created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    evidence_id: Uuid,
    org_id: Uuid,
    title: String,
    description: Option<String>,
    kind: String,
    valid_until: Option<String>,
    source: String,
    collected_at: i64,
    created_at: i64,
    updated_at: i64,
    archived_at: Option<i64>,
    #[sqlx(flatten)]
    version: VersionRow,
}

impl EvidenceRow {
    fn into_evidence(self, links: Vec<LinkTarget>) -> Result<Evidence> {
        Ok(Evidence {
            id: EvidenceId::from_uuid(self.evidence_id),
            org_id: OrgId::from_uuid(self.org_id),
            title: self.title,
            description: self.description,
            kind: EvidenceKind::parse(&self.kind).map_err(|_| corrupt("evidence kind"))?,
            valid_until: match self.valid_until {
                None => None,
                Some(d) => parse_date("valid_until", &d).map_err(|_| corrupt("valid until"))?,
            },
            source: Source::parse(&self.source).map_err(|_| corrupt("evidence source"))?,
            collected_at: from_micros(self.collected_at),
            current: EvidenceVersion::try_from(self.version)?,
            links,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            archived_at: self.archived_at.map(from_micros),
        })
    }
}

#[derive(sqlx::FromRow)]
struct OrgEvidenceRow {
    #[sqlx(flatten)]
    evidence: EvidenceRow,
    slug: String,
    org_name: String,
}

impl crate::Backend {
    /// Loads the links of `ids` (all in one organization).
    async fn links_of(
        &self,
        org: Option<OrgId>,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<LinkTarget>>> {
        let mut out: HashMap<Uuid, Vec<LinkTarget>> = HashMap::new();
        for part in ids.chunks(500) {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT evidence_id, target_kind, target_ref FROM evidence_link WHERE evidence_id IN (",
            );
            let mut sep = q.separated(", ");
            for id in part {
                sep.push_bind(*id);
            }
            q.push(")");
            if let Some(o) = org {
                q.push(" AND org_id = ").push_bind(o.as_uuid());
            }
            q.push(" ORDER BY target_kind, target_ref");
            let rows: Vec<(Uuid, String, String)> = q
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
            for (id, kind, reference) in rows {
                let l = LinkTarget::from_parts(&kind, &reference)
                    .map_err(|_| corrupt("evidence link"))?;
                out.entry(id).or_default().push(l);
            }
        }
        Ok(out)
    }

    async fn with_links(
        &self,
        org: Option<OrgId>,
        rows: Vec<EvidenceRow>,
    ) -> Result<Vec<Evidence>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.evidence_id).collect();
        let mut links = self.links_of(org, &ids).await?;
        rows.into_iter()
            .map(|r| {
                let l = links.remove(&r.evidence_id).unwrap_or_default();
                r.into_evidence(l)
            })
            .collect()
    }
}

async fn write_version(tx: &mut sqlx::Transaction<'static, Db>, e: &Evidence) -> Result<()> {
    let v = &e.current;
    sqlx::query(
        "INSERT INTO evidence_version (evidence_id, version, org_id, sha256, size, media_type, file_name, url, \
         record, source, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.id.as_uuid())
    .bind(v.version)
    .bind(e.org_id.as_uuid())
    .bind(&v.sha256)
    .bind(i64::try_from(v.size).map_err(|_| Error::invalid("file", "is too large"))?)
    .bind(&v.media_type)
    .bind(&v.file_name)
    .bind(&v.url)
    .bind(&v.record)
    .bind(v.source.as_str())
    .bind(&v.created_by)
    .bind(micros(v.created_at))
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn write_links(
    tx: &mut sqlx::Transaction<'static, Db>,
    e: &Evidence,
    at: OffsetDateTime,
) -> Result<()> {
    sqlx::query("DELETE FROM evidence_link WHERE org_id = $1 AND evidence_id = $2")
        .bind(e.org_id.as_uuid())
        .bind(e.id.as_uuid())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for l in &e.links {
        sqlx::query(
            "INSERT INTO evidence_link (evidence_id, org_id, target_kind, target_ref, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.id.as_uuid())
        .bind(e.org_id.as_uuid())
        .bind(l.kind())
        .bind(l.reference())
        .bind(micros(at))
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

fn push_freshness(q: &mut QueryBuilder<Db>, f: Freshness, today: time::Date) {
    let soon = (today + time::Duration::days(EXPIRING_DAYS)).to_string();
    match f {
        Freshness::Current => {
            q.push(" AND (e.valid_until IS NULL OR e.valid_until > ")
                .push_bind(soon)
                .push(")");
        }
        Freshness::Expiring => {
            q.push(" AND e.valid_until >= ")
                .push_bind(today.to_string())
                .push(" AND e.valid_until <= ")
                .push_bind(soon);
        }
        Freshness::Expired => {
            q.push(" AND e.valid_until < ").push_bind(today.to_string());
        }
    }
}

#[async_trait]
impl EvidenceStore for crate::Backend {
    async fn insert_evidence(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if e.org_id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO evidence (evidence_id, org_id, title, description, kind, valid_until, current_version, \
             source, collected_at, created_at, updated_at, archived_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(e.id.as_uuid())
        .bind(e.org_id.as_uuid())
        .bind(&e.title)
        .bind(&e.description)
        .bind(e.kind.as_str())
        .bind(e.valid_until.map(|d| d.to_string()))
        .bind(e.current.version)
        .bind(e.source.as_str())
        .bind(micros(e.collected_at))
        .bind(micros(e.created_at))
        .bind(micros(e.updated_at))
        .bind(e.archived_at.map(micros))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        write_version(&mut tx, e).await?;
        write_links(&mut tx, e, e.created_at).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn insert_evidence_version(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE evidence SET title = $1, description = $2, valid_until = $3, current_version = $4, \
             source = $5, collected_at = $6, updated_at = $7 \
             WHERE org_id = $8 AND evidence_id = $9 AND current_version = $10",
        )
        .bind(&e.title)
        .bind(&e.description)
        .bind(e.valid_until.map(|d| d.to_string()))
        .bind(e.current.version)
        .bind(e.source.as_str())
        .bind(micros(e.collected_at))
        .bind(micros(e.updated_at))
        .bind(scope.org_id().as_uuid())
        .bind(e.id.as_uuid())
        .bind(e.current.version - 1)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::conflict(
                "version",
                "another version was added at the same time; reload and try again",
            ));
        }
        write_version(&mut tx, e).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn update_evidence(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE evidence SET title = $1, description = $2, valid_until = $3, archived_at = $4, updated_at = $5 \
             WHERE org_id = $6 AND evidence_id = $7",
        )
        .bind(&e.title)
        .bind(&e.description)
        .bind(e.valid_until.map(|d| d.to_string()))
        .bind(e.archived_at.map(micros))
        .bind(micros(e.updated_at))
        .bind(scope.org_id().as_uuid())
        .bind(e.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn set_evidence_links(
        &self,
        scope: &TenantScope,
        e: &Evidence,
        at: OffsetDateTime,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if e.org_id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE evidence SET updated_at = $1 WHERE org_id = $2 AND evidence_id = $3",
        )
        .bind(micros(e.updated_at))
        .bind(scope.org_id().as_uuid())
        .bind(e.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        write_links(&mut tx, e, at).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn get_evidence(&self, scope: &TenantScope, id: EvidenceId) -> Result<Evidence> {
        let row: EvidenceRow = sqlx::query_as(AssertSqlSafe(format!(
            "{EVIDENCE_SELECT} WHERE e.org_id = $1 AND e.evidence_id = $2"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let mut all = self.with_links(Some(scope.org_id()), vec![row]).await?;
        all.pop().ok_or(Error::NotFound)
    }

    async fn list_evidence(
        &self,
        scope: &TenantScope,
        f: &EvidenceFilter,
        page: &PageRequest,
    ) -> Result<Page<Evidence>> {
        let mut q = QueryBuilder::<Db>::new(EVIDENCE_SELECT);
        q.push("WHERE e.org_id = ")
            .push_bind(scope.org_id().as_uuid());
        if !f.include_archived {
            q.push(" AND e.archived_at IS NULL");
        }
        if let (Some(fr), Some(today)) = (f.freshness, f.today) {
            push_freshness(&mut q, fr, today);
        }
        if let Some(l) = &f.link {
            q.push(" AND EXISTS (SELECT 1 FROM evidence_link k WHERE k.evidence_id = e.evidence_id AND k.target_kind = ")
                .push_bind(l.kind())
                .push(" AND k.target_ref = ")
                .push_bind(l.reference())
                .push(")");
        }
        if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(term);
            q.push(" AND (LOWER(e.title) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(e.description, '')) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(v.file_name, '')) LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(c) = &page.after {
            let id = Uuid::try_parse(&c.id)
                .map_err(|_| Error::invalid("cursor", "is not a cursor this server issued"))?;
            let k: i64 = c
                .key
                .parse()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this server issued"))?;
            q.push(" AND (e.created_at < ")
                .push_bind(k)
                .push(" OR (e.created_at = ")
                .push_bind(k)
                .push(" AND e.evidence_id < ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY e.created_at DESC, e.evidence_id DESC LIMIT ")
            .push(page.fetch());
        let rows: Vec<EvidenceRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let items = self.with_links(Some(scope.org_id()), rows).await?;
        Ok(Page::from_rows(items, page, |e: &Evidence| Cursor {
            key: micros(e.created_at).to_string(),
            id: e.id.to_string(),
        }))
    }

    async fn all_evidence(&self, scope: &TenantScope) -> Result<Vec<Evidence>> {
        let rows: Vec<EvidenceRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{EVIDENCE_SELECT} WHERE e.org_id = $1 AND e.archived_at IS NULL ORDER BY e.created_at DESC, e.evidence_id DESC"
        )))
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        self.with_links(Some(scope.org_id()), rows).await
    }

    async fn evidence_versions(
        &self,
        scope: &TenantScope,
        id: EvidenceId,
    ) -> Result<Vec<EvidenceVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM evidence_version WHERE org_id = $1 AND evidence_id = $2 ORDER BY version"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        if rows.is_empty() {
            return Err(Error::NotFound);
        }
        rows.into_iter().map(EvidenceVersion::try_from).collect()
    }

    async fn expiring_evidence(
        &self,
        visible: &OrgVisibility,
        until: time::Date,
        limit: i64,
    ) -> Result<Vec<OrgEvidence>> {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {EVIDENCE_COLUMNS}, o.slug, o.name AS org_name {EVIDENCE_FROM} \
             JOIN organization o ON o.org_id = e.org_id \
             WHERE o.archived_at IS NULL AND e.archived_at IS NULL AND e.valid_until <= "
        ));
        q.push_bind(until.to_string());
        if !super::push_visible(&mut q, visible, "e.org_id") {
            return Ok(Vec::new());
        }
        q.push(" ORDER BY e.valid_until, o.name_key, e.evidence_id LIMIT ")
            .push(limit);
        let rows: Vec<OrgEvidenceRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.evidence.evidence_id).collect();
        let mut links = self.links_of(None, &ids).await?;
        rows.into_iter()
            .map(|r| {
                let l = links.remove(&r.evidence.evidence_id).unwrap_or_default();
                Ok(OrgEvidence {
                    org_slug: r.slug,
                    org_name: r.org_name,
                    evidence: r.evidence.into_evidence(l)?,
                })
            })
            .collect()
    }

    async fn blob_refs(&self) -> Result<Vec<BlobRef>> {
        let rows: Vec<(String, i64, String, Uuid, i64)> = sqlx::query_as(
            "SELECT v.sha256, v.size, o.slug, v.evidence_id, v.version FROM evidence_version v \
             JOIN organization o ON o.org_id = v.org_id WHERE v.sha256 IS NOT NULL \
             ORDER BY v.sha256, o.slug, v.evidence_id, v.version",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(sha256, size, org_slug, id, version)| {
                Ok(BlobRef {
                    sha256,
                    size: u64::try_from(size).map_err(|_| corrupt("evidence size"))?,
                    org_slug,
                    evidence_id: EvidenceId::from_uuid(id),
                    version,
                })
            })
            .collect()
    }

    async fn record_evidence_problem(
        &self,
        scope: &TenantScope,
        evidence: EvidenceId,
        version: i64,
        kind: &str,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO evidence_problem (org_id, evidence_id, version, kind, found_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, evidence_id, version) \
             DO UPDATE SET kind = excluded.kind, found_at = excluded.found_at",
        )
        .bind(scope.org_id().as_uuid())
        .bind(evidence.as_uuid())
        .bind(version)
        .bind(kind)
        .bind(micros(audit.at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit::append(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn evidence_problem_count(&self, scope: &TenantScope) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM evidence_problem WHERE org_id = $1")
            .bind(scope.org_id().as_uuid())
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn clear_evidence_problems(&self) -> Result<()> {
        sqlx::query("DELETE FROM evidence_problem")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn take_job_lease(
        &self,
        job: &str,
        holder: &str,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<bool> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "INSERT INTO job_lease (job, holder, expires_at, last_run_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, \
             last_run_at = excluded.last_run_at \
             WHERE job_lease.expires_at <= $4 OR job_lease.holder = excluded.holder",
        )
        .bind(job)
        .bind(holder)
        .bind(micros(now + ttl))
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        commit(tx).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_job_lease(&self, job: &str, holder: &str, now: OffsetDateTime) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query("UPDATE job_lease SET expires_at = $1 WHERE job = $2 AND holder = $3")
            .bind(micros(now))
            .bind(job)
            .bind(holder)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        commit(tx).await
    }
}
