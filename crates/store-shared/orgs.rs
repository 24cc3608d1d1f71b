//! Organizations.

use async_trait::async_trait;
use safeharbor_core::authz::{OrgVisibility, TenantScope};
use safeharbor_core::ports::{OrgFilter, OrgListItem, OrgStore};
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, from_micros, micros};
use safeharbor_domain::ids::OrgId;
use safeharbor_domain::org::{OrgKind, Organization, Slug};
use safeharbor_domain::page::{Cursor, Page, PageRequest, like_pattern};
use safeharbor_domain::text::sort_key;
use uuid::Uuid;

use super::json_rows::{JsonRows, flexible_bool};
use super::rows::{OrgRow, org_columns};
use super::{audit, commit, db_err, unique_or};
use crate::Db;

async fn insert(pool: &sqlx::Pool<Db>, org: &Organization, event: &NewAuditEvent) -> Result<()> {
    let mut tx = crate::dialect::begin_write(pool).await?;
    sqlx::query(concat!(
        "INSERT INTO organization (",
        org_columns!(),
        ", name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(org.id.as_uuid())
    .bind(org.kind.as_str())
    .bind(org.hipaa_role.as_str())
    .bind(org.slug.as_str())
    .bind(&org.name)
    .bind(org.require_mfa)
    .bind(micros(org.created_at))
    .bind(micros(org.updated_at))
    .bind(org.archived_at.map(micros))
    .bind(sort_key(&org.name))
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if org.kind == OrgKind::Provider {
            unique_or(
                e,
                "provider",
                "this installation already has a provider organization",
            )
        } else {
            unique_or(
                e,
                "slug",
                "an organization with this slug already exists; choose another",
            )
        }
    })?;
    audit::append(&mut tx, event).await?;
    commit(tx).await
}

fn one(row: Option<OrgRow>) -> Result<Option<Organization>> {
    row.map(Organization::try_from).transpose()
}

#[async_trait]
impl OrgStore for crate::Backend {
    async fn provider(&self) -> Result<Option<Organization>> {
        let sql = concat!(
            "SELECT ",
            org_columns!(),
            " FROM organization WHERE kind = 'provider'"
        );
        one(sqlx::query_as(sql)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?)
    }

    async fn insert_provider(&self, org: &Organization, audit: &NewAuditEvent) -> Result<()> {
        if org.kind != OrgKind::Provider {
            return Err(Error::internal("insert_provider called with a client"));
        }
        insert(&self.pool, org, audit).await
    }

    async fn find_org_by_slug(&self, slug: &Slug) -> Result<Option<Organization>> {
        let sql = concat!(
            "SELECT ",
            org_columns!(),
            " FROM organization WHERE slug = $1"
        );
        one(sqlx::query_as(sql)
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?)
    }

    async fn find_org(&self, id: OrgId) -> Result<Option<Organization>> {
        let sql = concat!(
            "SELECT ",
            org_columns!(),
            " FROM organization WHERE org_id = $1"
        );
        one(sqlx::query_as(sql)
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?)
    }

    async fn insert_client(
        &self,
        scope: &TenantScope,
        org: &Organization,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        if scope.org().kind != OrgKind::Provider || org.kind != OrgKind::Client {
            return Err(Error::internal(
                "clients are created under the provider's scope",
            ));
        }
        insert(&self.pool, org, audit).await
    }

    async fn list_orgs(
        &self,
        visible: &OrgVisibility,
        f: &OrgFilter,
        page: &PageRequest,
    ) -> Result<Page<OrgListItem>> {
        let mut rows = JsonRows::new(
            "id_text, kind, hipaa_role, slug, name, require_mfa, created_at, updated_at, \
             archived_at, location_count, member_count, sra_finalized_at, sra_invalidated_at, \
             overdue_tasks, sra_checked_at",
            "name_key, org_id",
        );
        let q = rows.q();
        q.push(format!(
            "SELECT {} AS id_text, ",
            crate::dialect::uuid_text("o.org_id")
        ));
        q.push(
            "o.org_id, kind, hipaa_role, slug, name, name_key, require_mfa, created_at, updated_at, archived_at, \
             (SELECT COUNT(*) FROM location l WHERE l.org_id = o.org_id AND l.archived_at IS NULL) AS location_count, \
             (SELECT COUNT(*) FROM membership m WHERE m.org_id = o.org_id AND m.archived_at IS NULL) AS member_count, \
             (SELECT MAX(a.finalized_at) FROM assessment a WHERE a.org_id = o.org_id AND a.status = 'final') AS sra_finalized_at, \
             (SELECT MAX(a.finalized_at) FROM assessment a WHERE a.org_id = o.org_id AND a.status = 'final' \
               AND a.checks_version IS NOT NULL) AS sra_checked_at, \
             o.sra_invalidated_at, ",
        );
        q.push("(SELECT COUNT(*) FROM task t WHERE t.org_id = o.org_id AND t.status = 'open' AND t.due_date < ")
            .push_bind(f.as_of.map_or_else(String::new, |d| d.to_string()))
            .push(") AS overdue_tasks FROM organization o WHERE 1 = 1");
        if !super::push_visible(q, visible, "org_id") {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
        if !f.include_archived {
            q.push(" AND archived_at IS NULL");
        }
        if let Some(k) = f.kind {
            q.push(" AND kind = ").push_bind(k.as_str());
        }
        if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(term);
            q.push(" AND (name_key LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR slug LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(c) = &page.after {
            let id = Uuid::try_parse(&c.id)
                .map_err(|_| Error::invalid("cursor", "is not a cursor this server issued"))?;
            q.push(" AND (name_key > ")
                .push_bind(c.key.clone())
                .push(" OR (name_key = ")
                .push_bind(c.key.clone())
                .push(" AND org_id > ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY name_key, org_id LIMIT ")
            .push(page.fetch());
        let items = rows
            .fetch::<OrgJson>(&self.pool)
            .await?
            .into_iter()
            .map(OrgJson::into_item)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page, |i: &OrgListItem| Cursor {
            key: sort_key(&i.org.name),
            id: i.org.id.to_string(),
        }))
    }

    async fn update_org(
        &self,
        scope: &TenantScope,
        org: &Organization,
        audit: &NewAuditEvent,
    ) -> Result<()> {
        if org.id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE organization SET name = $1, name_key = $2, hipaa_role = $3, require_mfa = $4, \
             updated_at = $5, archived_at = $6 WHERE org_id = $7",
        )
        .bind(&org.name)
        .bind(sort_key(&org.name))
        .bind(org.hipaa_role.as_str())
        .bind(org.require_mfa)
        .bind(micros(org.updated_at))
        .bind(org.archived_at.map(micros))
        .bind(scope.org_id().as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, audit).await?;
        commit(tx).await
    }
}

/// A list row as the database writes it in JSON (column order of `list_orgs`).
#[derive(serde::Deserialize)]
struct OrgJson(
    String,
    String,
    String,
    String,
    String,
    #[serde(deserialize_with = "flexible_bool")] bool,
    i64,
    i64,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);

impl OrgJson {
    fn into_item(self) -> Result<OrgListItem> {
        let id = Uuid::try_parse(&self.0)
            .map_err(|_| Error::internal("stored org id does not parse"))?;
        let org = Organization::try_from(OrgRow {
            org_id: id,
            kind: self.1,
            hipaa_role: self.2,
            slug: self.3,
            name: self.4,
            require_mfa: self.5,
            created_at: self.6,
            updated_at: self.7,
            archived_at: self.8,
        })?;
        Ok(OrgListItem {
            org,
            location_count: self.9,
            member_count: self.10,
            sra_finalized_at: self.11.map(from_micros),
            sra_checked: self.11.is_some() && self.11 == self.14,
            sra_invalidated_at: self.12.map(from_micros),
            overdue_tasks: self.13,
        })
    }
}
