//! SQL shared by both backends (see README.md beside this file).

pub(crate) mod audit;
pub(crate) mod catalog;
pub(crate) mod evidence;
pub(crate) mod json_rows;
pub(crate) mod locations;
pub(crate) mod orgs;
pub(crate) mod risk;
pub(crate) mod rows;
pub(crate) mod sessions;
pub(crate) mod sra;
pub(crate) mod users;

use safeharbor_core::Error;

/// Translates a driver error: no row is `NotFound`, anything else is internal.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::RowNotFound => Error::NotFound,
        other => Error::internal(other),
    }
}

/// Translates a driver error where a unique constraint may clash: `Conflict` on `field`.
pub(crate) fn unique_or(e: sqlx::Error, field: &str, message: &str) -> Error {
    if let Some(d) = e.as_database_error()
        && d.is_unique_violation()
    {
        return Error::conflict(field, message);
    }
    db_err(e)
}

/// Commits, translating errors.
pub(crate) async fn commit(tx: sqlx::Transaction<'static, crate::Db>) -> Result<(), Error> {
    tx.commit().await.map_err(db_err)
}

/// Limits a query to the organizations the caller may see (`column` holds the organization id).
/// Returns false when the caller sees none, so the query need not run at all.
pub(crate) fn push_visible(
    q: &mut sqlx::QueryBuilder<crate::Db>,
    visible: &safeharbor_core::authz::OrgVisibility,
    column: &'static str,
) -> bool {
    let safeharbor_core::authz::OrgVisibility::Only(ids) = visible else {
        return true;
    };
    if ids.is_empty() {
        return false;
    }
    q.push(" AND ").push(column).push(" IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(id.as_uuid());
    }
    q.push(")");
    true
}
