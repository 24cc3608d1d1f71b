//! Sessions, API tokens and sign-in throttling.

use async_trait::async_trait;
use safeharbor_core::Result;
use safeharbor_core::ports::{ApiTokenRecord, SessionRecord, SessionStore, ThrottleState};
use safeharbor_domain::audit::{NewAuditEvent, micros};
use safeharbor_domain::ids::{ApiTokenId, SessionId, UserId};
use time::OffsetDateTime;

use super::rows::{ApiTokenRow, SessionRow, ThrottleRow, session_columns, token_columns};
use super::{audit, commit, db_err};

#[async_trait]
impl SessionStore for crate::Backend {
    async fn insert_session(&self, s: &SessionRecord, event: &NewAuditEvent) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(concat!(
            "INSERT INTO session (",
            session_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(s.id.as_uuid())
        .bind(&s.token_hash)
        .bind(s.user_id.as_uuid())
        .bind(micros(s.created_at))
        .bind(micros(s.last_seen_at))
        .bind(micros(s.expires_at))
        .bind(s.revoked_at.map(micros))
        .bind(s.mfa_pending)
        .bind(&s.ip)
        .bind(&s.csrf_token)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let row: Option<SessionRow> = sqlx::query_as(concat!(
            "SELECT ",
            session_columns!(),
            " FROM session WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(row.map(SessionRecord::from))
    }

    async fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "UPDATE session SET last_seen_at = $1 WHERE session_id = $2 AND last_seen_at < $1",
        )
        .bind(micros(at))
        .bind(id.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn update_session(&self, s: &SessionRecord, event: &NewAuditEvent) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query("UPDATE session SET last_seen_at = $1, revoked_at = $2, mfa_pending = $3 WHERE session_id = $4")
            .bind(micros(s.last_seen_at))
            .bind(s.revoked_at.map(micros))
            .bind(s.mfa_pending)
            .bind(s.id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_sessions(&self, user: UserId, now: OffsetDateTime) -> Result<Vec<SessionRecord>> {
        let rows: Vec<SessionRow> = sqlx::query_as(concat!(
            "SELECT ",
            session_columns!(),
            " FROM session WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC"
        ))
        .bind(user.as_uuid())
        .bind(micros(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(SessionRecord::from).collect())
    }

    async fn revoke_user_sessions(
        &self,
        user: UserId,
        except: Option<SessionId>,
        at: OffsetDateTime,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE session SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
             AND ($3 IS NULL OR session_id <> $3)",
        )
        .bind(micros(at))
        .bind(user.as_uuid())
        .bind(except.map(|s| s.as_uuid()))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn revoke_user_tokens(&self, user: UserId, at: OffsetDateTime) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(micros(at))
        .bind(user.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn insert_api_token(&self, t: &ApiTokenRecord, event: &NewAuditEvent) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(concat!(
            "INSERT INTO api_token (",
            token_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(t.id.as_uuid())
        .bind(&t.token_hash)
        .bind(t.user_id.as_uuid())
        .bind(t.org_id.map(|o| o.as_uuid()))
        .bind(&t.name)
        .bind(&t.prefix)
        .bind(micros(t.created_at))
        .bind(micros(t.expires_at))
        .bind(t.revoked_at.map(micros))
        .bind(t.last_used_at.map(micros))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>> {
        let row: Option<ApiTokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_token WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(row.map(ApiTokenRecord::from))
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenRecord>> {
        let rows: Vec<ApiTokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_token WHERE user_id = $1 ORDER BY created_at DESC, token_id DESC"
        ))
        .bind(user.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(ApiTokenRecord::from).collect())
    }

    async fn update_api_token(&self, t: &ApiTokenRecord, event: &NewAuditEvent) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE token_id = $2 AND user_id = $3")
            .bind(t.revoked_at.map(micros))
            .bind(t.id.as_uuid())
            .bind(t.user_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE token_id = $2")
            .bind(micros(at))
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn get_throttle(&self, key: &str) -> Result<Option<ThrottleState>> {
        let row: Option<ThrottleRow> = sqlx::query_as("SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(row.map(ThrottleState::from))
    }

    async fn record_sign_in_failure(
        &self,
        states: &[(String, ThrottleState)],
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        for (key, s) in states {
            sqlx::query(
                "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (throttle_key) DO UPDATE SET \
                 failures = excluded.failures, window_start = excluded.window_start, \
                 locked_until = excluded.locked_until",
            )
            .bind(key)
            .bind(s.failures)
            .bind(micros(s.window_start))
            .bind(s.locked_until.map(micros))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn clear_throttle(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
