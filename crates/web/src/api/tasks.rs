//! `/api/v1/orgs/{slug}/tasks` and `/api/v1/tasks/overdue`: the risk management plan.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::ports::TaskFilter;
use safeharbor_core::tasks::{self, TaskInput};
use safeharbor_domain::ids::TaskId;
use safeharbor_domain::risk::{Task, TaskStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ts;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// A task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskResponse {
    /// Id.
    pub id: String,
    /// What to do.
    pub title: String,
    /// Details.
    pub description: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Who does it.
    pub assignee: Option<String>,
    /// `open` or `done`.
    pub status: String,
    /// `risk`, `assessment` or `manual`.
    pub origin_kind: String,
    /// The risk id or citation it comes from.
    pub origin_ref: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Done at.
    pub completed_at: Option<String>,
}

impl From<Task> for TaskResponse {
    fn from(t: Task) -> Self {
        Self {
            id: t.id.to_string(),
            title: t.title,
            description: t.description,
            due_date: t.due_date.map(|d| d.to_string()),
            assignee: t.assignee,
            status: t.status.as_str().into(),
            origin_kind: t.origin_kind,
            origin_ref: t.origin_ref,
            created_at: ts(t.created_at),
            updated_at: ts(t.updated_at),
            completed_at: t.completed_at.map(ts),
        }
    }
}

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListTasksQuery {
    /// `open` or `done`.
    pub status: Option<String>,
    /// Only open tasks past due today.
    pub overdue: Option<bool>,
}

/// An organization's tasks, by due date.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/tasks", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ListTasksQuery),
    responses((status = 200, body = Vec<TaskResponse>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ListTasksQuery>,
) -> ApiResult<Json<Vec<TaskResponse>>> {
    let filter = TaskFilter {
        status: q.status.as_deref().map(TaskStatus::parse).transpose()?,
        overdue_on: q.overdue.unwrap_or(false).then(|| s.app.now().date()),
        ..TaskFilter::default()
    };
    let list = tasks::list(&s.app, &auth.caller, &slug, &filter).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A task to add, or changes to one (absent fields stay as they are).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    /// What to do.
    #[serde(default)]
    pub title: Option<String>,
    /// Details.
    #[serde(default)]
    pub description: Option<String>,
    /// Who does it.
    #[serde(default)]
    pub assignee: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_date: Option<String>,
    /// `open` or `done`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Adds a task.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/tasks", tag = "risk", request_body = TaskRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = TaskResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(r): ApiJson<TaskRequest>,
) -> ApiResult<(StatusCode, Json<TaskResponse>)> {
    let t = tasks::create(
        &s.app,
        &auth.caller,
        &slug,
        TaskInput {
            title: r.title.unwrap_or_default(),
            description: r.description.unwrap_or_default(),
            assignee: r.assignee.unwrap_or_default(),
            due_date: r.due_date.unwrap_or_default(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Changes a task; `status: done` completes it.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/tasks/{id}", tag = "risk", request_body = TaskRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Task id")),
    responses((status = 200, body = TaskResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(r): ApiJson<TaskRequest>,
) -> ApiResult<Json<TaskResponse>> {
    let id = TaskId::parse(&id)?;
    let cur = tasks::get(&s.app, &auth.caller, &slug, id).await?;
    let status = match r.status.as_deref() {
        Some(st) => TaskStatus::parse(st)?,
        None => cur.status,
    };
    let t = tasks::update(
        &s.app,
        &auth.caller,
        &slug,
        id,
        TaskInput {
            title: r.title.unwrap_or(cur.title),
            description: r.description.or(cur.description).unwrap_or_default(),
            assignee: r.assignee.or(cur.assignee).unwrap_or_default(),
            due_date: r
                .due_date
                .or(cur.due_date.map(|d| d.to_string()))
                .unwrap_or_default(),
        },
        status,
    )
    .await?;
    Ok(Json(t.into()))
}

/// An overdue task and its organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgTaskResponse {
    /// Organization slug.
    pub org: String,
    /// Organization name.
    pub org_name: String,
    /// The task.
    pub task: TaskResponse,
}

/// Overdue tasks across every organization the caller may see, oldest due first (up to 500).
#[utoipa::path(get, path = "/api/v1/tasks/overdue", tag = "risk",
    responses((status = 200, body = Vec<OrgTaskResponse>)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn overdue(
    State(s): State<AppState>,
    auth: Authed,
) -> ApiResult<Json<Vec<OrgTaskResponse>>> {
    let list = tasks::overdue_across(&s.app, &auth.caller, 500).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OrgTaskResponse {
                org: o.org_slug,
                org_name: o.org_name,
                task: o.task.into(),
            })
            .collect(),
    ))
}
