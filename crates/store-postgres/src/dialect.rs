//! What PostgreSQL does differently: migrations, backup and restore as a logical dump.
//!
//! A backup is JSON lines: a header naming the schema version, then one line per row
//! (`{"table": ..., "row": {...}}`), read in one REPEATABLE READ snapshot so it is consistent
//! while servers keep writing.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use async_trait::async_trait;
use safeharbor_core::ports::{Maintenance, TableDigest};
use safeharbor_core::{Error, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;

use crate::Db;
use crate::shared::db_err;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const FORMAT: &str = "safeharbor-postgres-backup";

/// A transaction that will write. PostgreSQL needs nothing special.
pub(crate) async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<sqlx::Transaction<'static, Db>> {
    pool.begin().await.map_err(db_err)
}

pub(crate) async fn migrate(pool: &sqlx::Pool<Db>) -> Result<usize> {
    let before = applied(pool).await?;
    MIGRATOR.run(pool).await.map_err(Error::internal)?;
    Ok(applied(pool).await? - before)
}

async fn applied(pool: &sqlx::Pool<Db>) -> Result<usize> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    if !exists {
        return Ok(0);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The application's tables, by name.
async fn tables<'e>(exec: impl sqlx::PgExecutor<'e>) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(exec)
    .await
    .map_err(db_err)
}

async fn schema_version<'e>(exec: impl sqlx::PgExecutor<'e>) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT version::text || ':' || encode(checksum, 'hex') FROM _sqlx_migrations ORDER BY version")
        .fetch_all(exec)
        .await
        .map_err(db_err)
}

fn io(e: std::io::Error) -> Error {
    Error::internal(e)
}

#[async_trait]
impl Maintenance for crate::Backend {
    async fn migrate(&self) -> Result<usize> {
        migrate(&self.pool).await
    }

    async fn backup(&self, out: &Path) -> Result<()> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .map_err(|e| Error::invalid("out", format!("cannot be created: {e}")))?;
        let mut w = BufWriter::new(file);
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        let header =
            serde_json::json!({"format": FORMAT, "schema": schema_version(&mut *tx).await?});
        writeln!(w, "{header}").map_err(io)?;
        for table in tables(&mut *tx).await? {
            let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT row_to_json(t)::text FROM \"{table}\" t"
            )))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            for r in rows {
                writeln!(
                    w,
                    "{{\"table\":{},\"row\":{r}}}",
                    Value::String(table.clone())
                )
                .map_err(io)?;
            }
        }
        tx.commit().await.map_err(db_err)?;
        w.flush().map_err(io)?;
        w.get_ref().sync_all().map_err(io)
    }

    async fn restore(&self, from: &Path, force: bool) -> Result<()> {
        let file = std::fs::File::open(from)
            .map_err(|e| Error::invalid("file", format!("cannot be opened: {e}")))?;
        let mut lines = BufReader::new(file).lines();
        let header: Value = lines
            .next()
            .transpose()
            .map_err(io)?
            .and_then(|l| serde_json::from_str(&l).ok())
            .ok_or_else(|| Error::invalid("file", "is not a Safeharbor PostgreSQL backup"))?;
        if header["format"] != FORMAT {
            return Err(Error::invalid(
                "file",
                "is not a Safeharbor PostgreSQL backup",
            ));
        }
        if !force && !self.is_empty().await? {
            return Err(Error::conflict(
                "target",
                "the database is not empty; pass --force to replace its contents",
            ));
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        if header["schema"] != serde_json::json!(schema_version(&mut *tx).await?) {
            return Err(Error::invalid(
                "file",
                "was made by a different version of Safeharbor (schema differs); restore it with that version, then upgrade",
            ));
        }
        let known = tables(&mut *tx).await?;
        // TRUNCATE skips the row triggers that keep the audit trail append-only.
        let list = known
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(AssertSqlSafe(format!("TRUNCATE {list}")))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("SET CONSTRAINTS ALL DEFERRED")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for (n, line) in lines.enumerate() {
            let line = line.map_err(io)?;
            let v: Value = serde_json::from_str(&line)
                .map_err(|e| Error::invalid("file", format!("line {}: {e}", n + 2)))?;
            let table = v["table"]
                .as_str()
                .filter(|t| known.iter().any(|k| k == t))
                .ok_or_else(|| Error::invalid("file", format!("line {}: unknown table", n + 2)))?;
            sqlx::query(AssertSqlSafe(format!("INSERT INTO \"{table}\" SELECT * FROM json_populate_record(NULL::\"{table}\", $1::json)")))
                .bind(v["row"].to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organization")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(n == 0)
    }

    async fn table_digests(&self) -> Result<Vec<TableDigest>> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        let mut out = Vec::new();
        for table in tables(&mut *tx).await? {
            let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT row_to_json(t)::text AS r FROM \"{table}\" t ORDER BY 1"
            )))
            .fetch_all(&mut *tx)
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
        tx.commit().await.map_err(db_err)?;
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
            "assessment_response_locked",
            "assessment_locked",
            "evidence_version_immutable",
        ];
        let present: Vec<String> =
            sqlx::query_scalar("SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal")
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

/// Opens a query that returns all rows of the inner query as one JSON array of arrays (one
/// round trip, one value). Close it with `) AS t`.
pub(crate) fn json_rows_open(columns: &str, order_by: &str) -> String {
    format!(
        "SELECT COALESCE(json_agg(json_build_array({columns}) ORDER BY {order_by}), '[]'::json)::text FROM ("
    )
}

/// A UUID column as text.
pub(crate) fn uuid_text(column: &str) -> String {
    format!("{column}::text")
}
