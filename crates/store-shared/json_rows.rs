//! Lists fetched as one JSON value instead of one row per item.
//!
//! The SQLite driver hands each row and each value across threads one at a time; for a page of
//! 50 items that costs more than the query itself. Aggregating the page into a single JSON
//! array inside the database makes it one value. Used for the lists on hot paths.

use safeharbor_core::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use sqlx::QueryBuilder;

use super::db_err;
use crate::Db;

/// A list query whose rows come back as one JSON array of arrays.
pub(crate) struct JsonRows {
    q: QueryBuilder<Db>,
}

impl JsonRows {
    /// Starts the wrapper: `columns` (of the inner query, in output order) become each row's
    /// array, ordered by `order_by` (columns of the inner query). Push the inner `SELECT` next.
    pub(crate) fn new(columns: &str, order_by: &str) -> Self {
        Self {
            q: QueryBuilder::new(crate::dialect::json_rows_open(columns, order_by)),
        }
    }

    /// The builder, to push the inner query onto.
    pub(crate) fn q(&mut self) -> &mut QueryBuilder<Db> {
        &mut self.q
    }

    /// Runs it and decodes each row array into `T` (a tuple struct in column order).
    pub(crate) async fn fetch<T: DeserializeOwned>(
        mut self,
        pool: &sqlx::Pool<Db>,
    ) -> Result<Vec<T>> {
        self.q.push(") AS t");
        let json: String = self
            .q
            .build_query_scalar()
            .fetch_one(pool)
            .await
            .map_err(db_err)?;
        serde_json::from_str(&json)
            .map_err(|e| Error::internal(format!("list rows do not decode: {e}")))
    }
}

/// A boolean as SQLite (0/1) or PostgreSQL (true/false) writes it in JSON.
pub(crate) fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Int(i64),
    }
    Ok(match B::deserialize(d)? {
        B::Bool(b) => b,
        B::Int(i) => i != 0,
    })
}
