//! The audit trail: `/api/v1/orgs/{slug}/audit-events` and, for provider administrators,
//! `/api/v1/audit-events`.

use axum::Json;
use axum::extract::{Path, State};
use safeharbor_core::audit;
use safeharbor_core::ports::AuditFilter;
use safeharbor_domain::audit::AuditEvent;
use safeharbor_domain::ids::UserId;
use safeharbor_domain::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListPage, parse_ts, ts};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Authed};

/// An audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventResponse {
    /// Position in the chain.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who: an e-mail, `cli` or `system`.
    pub actor: String,
    /// The actor's user id.
    pub actor_user_id: Option<String>,
    /// The organization concerned.
    pub org_id: Option<String>,
    /// What: `org.create`, `session.fail`, `authz.deny`...
    pub action: String,
    /// Kind of thing acted on.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Option<String>,
    /// One line for people.
    pub summary: String,
    /// Source address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl From<AuditEvent> for AuditEventResponse {
    fn from(e: AuditEvent) -> Self {
        let ev = e.event;
        Self {
            seq: e.seq,
            at: ts(ev.at),
            actor: ev.actor,
            actor_user_id: ev.actor_user_id.map(|u| u.to_string()),
            org_id: ev.org_id.map(|o| o.to_string()),
            action: ev.action,
            entity_type: ev.entity_type,
            entity_id: ev.entity_id,
            summary: ev.summary,
            ip: ev.ip,
            request_id: ev.request_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only events by this user (id).
    pub actor: Option<String>,
    /// Only events by this actor as named in the trail (an e-mail address, or `cli`).
    pub actor_email: Option<String>,
    /// Actions starting with this (`org.` or `session.fail`).
    pub action: Option<String>,
    /// Only this kind of entity.
    pub entity_type: Option<String>,
    /// Only this entity (id).
    pub entity_id: Option<String>,
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditQuery {
    fn parse(self) -> ApiResult<(AuditFilter, PageRequest)> {
        let page = PageRequest::parse(self.limit, self.cursor.as_deref())?;
        let filter = AuditFilter {
            actor_user_id: self
                .actor
                .as_deref()
                .map(|a| {
                    UserId::parse(a)
                        .map_err(|_| safeharbor_domain::Invalid::new("actor", "must be a user id"))
                })
                .transpose()?,
            actor: self.actor_email.filter(|s| !s.is_empty()),
            action: self.action.filter(|s| !s.is_empty()),
            entity_type: self.entity_type.filter(|s| !s.is_empty()),
            entity_id: self.entity_id.filter(|s| !s.is_empty()),
            from: self
                .from
                .as_deref()
                .map(|t| parse_ts("from", t))
                .transpose()?,
            to: self.to.as_deref().map(|t| parse_ts("to", t)).transpose()?,
        };
        Ok((filter, page))
    }
}

/// An organization's audit events, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/audit-events", tag = "audit",
    params(("slug" = String, Path, description = "Organization slug"), AuditQuery),
    responses((status = 200, body = ListPage<AuditEventResponse>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_for_org(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<ListPage<AuditEventResponse>>> {
    let (filter, page) = q.parse()?;
    let p = audit::list_for_org(&s.app, &auth.caller, &slug, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, AuditEventResponse::from)))
}

/// Every organization's audit events, newest first (provider administrators).
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = ListPage<AuditEventResponse>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_all(
    State(s): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<ListPage<AuditEventResponse>>> {
    let (filter, page) = q.parse()?;
    let p = audit::list_all(&s.app, &auth.caller, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, AuditEventResponse::from)))
}
