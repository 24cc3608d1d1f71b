//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiResult;

/// `GET /healthz`: 200 once the server is up and its database answers.
pub async fn healthz(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    s.app.maintenance().ping().await?;
    Ok(Json(json!({"status": "ok"})))
}
