//! Locations.

use async_trait::async_trait;
use safeharbor_core::authz::TenantScope;
use safeharbor_core::ports::{LocationFilter, LocationStore};
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, micros};
use safeharbor_domain::ids::LocationId;
use safeharbor_domain::org::Location;
use safeharbor_domain::page::{Cursor, Page, PageRequest, like_pattern};
use safeharbor_domain::text::sort_key;
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::rows::{LocationRow, location_columns};
use super::{audit, commit, db_err, unique_or};
use crate::Db;

const DUPLICATE: &str = "a location with this name already exists in this organization";

#[async_trait]
impl LocationStore for crate::Backend {
    async fn insert_location(
        &self,
        scope: &TenantScope,
        loc: &Location,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if loc.org_id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(concat!(
            "INSERT INTO location (",
            location_columns!(),
            ", name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(loc.id.as_uuid())
        .bind(scope.org_id().as_uuid())
        .bind(&loc.name)
        .bind(loc.kind.as_str())
        .bind(&loc.address)
        .bind(micros(loc.created_at))
        .bind(micros(loc.updated_at))
        .bind(loc.archived_at.map(micros))
        .bind(sort_key(&loc.name))
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "name", DUPLICATE))?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_locations(
        &self,
        scope: &TenantScope,
        f: &LocationFilter,
        page: &PageRequest,
    ) -> Result<Page<Location>> {
        let mut q = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            location_columns!(),
            " FROM location WHERE org_id = "
        ));
        q.push_bind(scope.org_id().as_uuid());
        if !f.include_archived {
            q.push(" AND archived_at IS NULL");
        }
        if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(term);
            q.push(" AND (name_key LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(address, '')) LIKE ")
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
                .push(" AND location_id > ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY name_key, location_id LIMIT ")
            .push(page.fetch());
        let rows: Vec<LocationRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let items = rows
            .into_iter()
            .map(Location::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page, |l: &Location| Cursor {
            key: sort_key(&l.name),
            id: l.id.to_string(),
        }))
    }

    async fn get_location(&self, scope: &TenantScope, id: LocationId) -> Result<Location> {
        let row: LocationRow = sqlx::query_as(concat!(
            "SELECT ",
            location_columns!(),
            " FROM location WHERE org_id = $1 AND location_id = $2"
        ))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Location::try_from(row)
    }

    async fn update_location(
        &self,
        scope: &TenantScope,
        loc: &Location,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE location SET name = $1, name_key = $2, kind = $3, address = $4, updated_at = $5, \
             archived_at = $6 WHERE org_id = $7 AND location_id = $8",
        )
        .bind(&loc.name)
        .bind(sort_key(&loc.name))
        .bind(loc.kind.as_str())
        .bind(&loc.address)
        .bind(micros(loc.updated_at))
        .bind(loc.archived_at.map(micros))
        .bind(scope.org_id().as_uuid())
        .bind(loc.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "name", DUPLICATE))?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }
}
