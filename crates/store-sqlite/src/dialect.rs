//! What SQLite does differently: write transactions, migrations, backup and restore.

use std::path::Path;

use async_trait::async_trait;
use safeharbor_core::ports::{Maintenance, TableDigest};
use safeharbor_core::{Error, Result};
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use crate::Db;
use crate::shared::db_err;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so two writers never
/// deadlock upgrading from a read lock.
pub(crate) async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<sqlx::Transaction<'static, Db>> {
    pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)
}

pub(crate) async fn migrate(pool: &sqlx::Pool<Db>) -> Result<usize> {
    let before = applied(pool).await?;
    MIGRATOR.run(pool).await.map_err(Error::internal)?;
    Ok(applied(pool).await? - before)
}

async fn applied(pool: &sqlx::Pool<Db>) -> Result<usize> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    if exists == 0 {
        return Ok(0);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The application's tables (not SQLite's, not the migration ledger), by name.
async fn tables(conn: &mut sqlx::SqliteConnection, schema: &str) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name"
    );
    sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)
}

async fn columns(
    conn: &mut sqlx::SqliteConnection,
    schema: &str,
    table: &str,
) -> Result<Vec<String>> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{table}', '{schema}') ORDER BY cid"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)
}

fn path_literal(p: &Path) -> Result<String> {
    let s = p
        .to_str()
        .ok_or_else(|| Error::invalid("path", "must be valid UTF-8"))?;
    Ok(format!("'{}'", s.replace('\'', "''")))
}

#[async_trait]
impl Maintenance for crate::Backend {
    async fn migrate(&self) -> Result<usize> {
        migrate(&self.pool).await
    }

    async fn backup(&self, out: &Path) -> Result<()> {
        if out.exists() {
            return Err(Error::invalid(
                "out",
                "already exists; choose a new file name",
            ));
        }
        // VACUUM INTO writes a consistent snapshot while other connections keep working.
        sqlx::query(AssertSqlSafe(format!("VACUUM INTO {}", path_literal(out)?)))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn restore(&self, from: &Path, force: bool) -> Result<()> {
        if !from.is_file() {
            return Err(Error::invalid("file", "does not exist or is not a file"));
        }
        if !force && !self.is_empty().await? {
            return Err(Error::conflict(
                "target",
                "the database is not empty; pass --force to replace its contents",
            ));
        }
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        sqlx::query(AssertSqlSafe(format!(
            "ATTACH DATABASE {} AS src",
            path_literal(from)?
        )))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        let result = copy_from_attached(&mut conn).await;
        let detach = sqlx::query("DETACH DATABASE src")
            .execute(&mut *conn)
            .await
            .map_err(db_err);
        result.and(detach.map(|_| ()))
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organization")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(n == 0)
    }

    async fn table_digests(&self) -> Result<Vec<TableDigest>> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let mut out = Vec::new();
        for table in tables(&mut conn, "main").await? {
            let cols = columns(&mut conn, "main", &table).await?;
            let expr = cols
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT {expr} FROM \"{table}\" ORDER BY 1"
            )))
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?;
            let mut h = Sha256::new();
            for r in &rows {
                h.update(r.as_bytes());
                h.update(b"\n");
            }
            out.push(TableDigest {
                table,
                rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
                sha256: hex::encode(h.finalize()),
            });
        }
        Ok(out)
    }

    async fn has_evidence_files(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM evidence_version WHERE sha256 IS NOT NULL LIMIT 1) AS t",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(n > 0)
    }

    async fn missing_triggers(&self) -> Result<Vec<String>> {
        const EXPECTED: &[&str] = &[
            "audit_event_no_update",
            "audit_event_no_delete",
            "assessment_response_locked_update",
            "assessment_response_locked_insert",
            "assessment_locked",
            "evidence_version_immutable_update",
            "evidence_version_immutable_delete",
        ];
        let present: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(EXPECTED
            .iter()
            .filter(|t| !present.iter().any(|p| p == *t))
            .map(|t| (*t).to_owned())
            .collect())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

/// Replaces every table's rows with the attached backup's, in one transaction.
async fn copy_from_attached(conn: &mut sqlx::SqliteConnection) -> Result<()> {
    let ours: Vec<String> = sqlx::query_scalar(
        "SELECT version || ':' || hex(checksum) FROM main._sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let theirs: Vec<String> = sqlx::query_scalar(
        "SELECT version || ':' || hex(checksum) FROM src._sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|_| Error::invalid("file", "is not a Safeharbor SQLite backup"))?;
    if ours != theirs {
        return Err(Error::invalid(
            "file",
            "was made by a different version of Safeharbor (schema differs); restore it with that version, then upgrade",
        ));
    }
    let tables = tables(conn, "main").await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    // The append-only triggers would refuse clearing the audit trail: lift them for the
    // duration of the restore, inside the transaction, and put them back.
    let triggers: Vec<(String, String)> =
        sqlx::query("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect();
    for (name, _) in &triggers {
        sqlx::query(AssertSqlSafe(format!("DROP TRIGGER main.\"{name}\"")))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    for t in &tables {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM main.\"{t}\"")))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        // `WHERE 1` turns off SQLite's transfer optimisation, which would copy a parent table
        // without settling the deferred foreign-key checks of children copied before it.
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO main.\"{t}\" SELECT * FROM src.\"{t}\" WHERE 1"
        )))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    for (_, sql) in &triggers {
        sqlx::query(AssertSqlSafe(sql.clone()))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)
}

/// Opens a query that returns all rows of the inner query as one JSON array of arrays (one
/// round trip, one value). Close it with `) AS t`.
pub(crate) fn json_rows_open(columns: &str, order_by: &str) -> String {
    format!(
        "SELECT COALESCE(json_group_array(json_array({columns}) ORDER BY {order_by}), '[]') FROM ("
    )
}

/// A UUID column as text that JSON can hold (SQLite keeps UUIDs as BLOBs).
pub(crate) fn uuid_text(column: &str) -> String {
    format!("lower(hex({column}))")
}
