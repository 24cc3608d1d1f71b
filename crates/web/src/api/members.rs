//! `/api/v1/orgs/{slug}/members`: people and their roles in an organization.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::members::{self, AddMember, UpdateMember};
use safeharbor_core::ports::{MemberFilter, MemberRow};
use safeharbor_domain::ids::MembershipId;
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::user::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListPage, parse_ts, ts};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// A member of an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberResponse {
    /// Membership id.
    pub id: String,
    /// User id.
    pub user_id: String,
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role in this organization.
    pub role: String,
    /// Whether the person uses a second factor.
    pub mfa_enabled: bool,
    /// Invited and has not set a password yet.
    pub invited: bool,
    /// The one-time link (path) for a new member to set their password: returned once, when
    /// the member is added without a password. Send it to them; it works for 7 days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_path: Option<String>,
    /// When access ends, if it does.
    pub expires_at: Option<String>,
    /// Granted (RFC 3339).
    pub created_at: String,
    /// Revoked, if it was.
    pub revoked_at: Option<String>,
}

impl From<MemberRow> for MemberResponse {
    fn from(r: MemberRow) -> Self {
        Self {
            id: r.membership.id.to_string(),
            user_id: r.user.id.to_string(),
            email: r.user.email.to_string(),
            name: r.user.name,
            role: r.membership.role.as_str().to_owned(),
            mfa_enabled: r.user.mfa_enabled,
            invited: r.user.invited,
            invite_path: None,
            expires_at: r.membership.expires_at.map(ts),
            created_at: ts(r.membership.created_at),
            revoked_at: r.membership.archived_at.map(ts),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListMembersQuery {
    /// Words in the name or e-mail.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<String>,
    /// Include revoked memberships.
    pub include_inactive: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An organization's members, by e-mail.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members", tag = "members",
    params(("slug" = String, Path, description = "Organization slug"), ListMembersQuery),
    responses((status = 200, body = ListPage<MemberResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ListMembersQuery>,
) -> ApiResult<Json<ListPage<MemberResponse>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = MemberFilter {
        q: q.q,
        role: q.role.as_deref().map(Role::parse).transpose()?,
        include_inactive: q.include_inactive.unwrap_or(false),
    };
    let p = members::list(&s.app, &auth.caller, &slug, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, MemberResponse::from)))
}

/// A person to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// E-mail. An existing account gets a membership; otherwise an account is created.
    pub email: String,
    /// Name (for a new account).
    #[serde(default)]
    pub name: Option<String>,
    /// Role: `provider_admin`, `provider_staff`, `client_admin`, `client_member`, `auditor`.
    pub role: String,
    /// First password (for a new account; at least 12 characters). Leave it out to get an
    /// invitation link instead, so that only the new member ever knows their password.
    #[serde(default)]
    pub password: Option<String>,
    /// When access ends (RFC 3339; required for auditors).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Adds a member (administrators of the organization).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members", tag = "members", request_body = AddMemberRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = MemberResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn add(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> ApiResult<(StatusCode, Json<MemberResponse>)> {
    let input = AddMember {
        email: req.email,
        name: req.name,
        role: Role::parse(&req.role)?,
        password: req.password,
        expires_at: req
            .expires_at
            .as_deref()
            .map(|e| parse_ts("expires_at", e))
            .transpose()?,
    };
    let added = members::add(&s.app, &auth.caller, &slug, input).await?;
    let mut body = MemberResponse::from(added.member);
    body.invite_path = added.invitation.map(|t| format!("/invite/{t}"));
    Ok((StatusCode::CREATED, Json(body)))
}

/// Changes to a membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMemberRequest {
    /// New role.
    #[serde(default)]
    pub role: Option<String>,
    /// New end of access (RFC 3339), or empty to remove it.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Changes a member's role or end of access.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/members/{id}", tag = "members", request_body = UpdateMemberRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Membership id")),
    responses((status = 200, body = MemberResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateMemberRequest>,
) -> ApiResult<Json<MemberResponse>> {
    let id = MembershipId::parse(&id)?;
    let expires_at = match req.expires_at.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(e) => Some(Some(parse_ts("expires_at", e)?)),
    };
    let input = UpdateMember {
        role: req.role.as_deref().map(Role::parse).transpose()?,
        expires_at,
    };
    Ok(Json(
        members::update(&s.app, &auth.caller, &slug, id, input)
            .await?
            .into(),
    ))
}

/// Revokes a membership (kept on record, marked revoked).
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/members/{id}", tag = "members",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Membership id")),
    responses((status = 200, body = MemberResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<MemberResponse>> {
    let id = MembershipId::parse(&id)?;
    Ok(Json(
        members::revoke(&s.app, &auth.caller, &slug, id)
            .await?
            .into(),
    ))
}

/// A new invitation link.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationResponse {
    /// The one-time link (path) for the member to set their password; works for 7 days.
    pub invite_path: String,
}

/// Makes a new invitation link for a member who has not set a password yet.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members/{id}/invitation", tag = "members",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Membership id")),
    responses((status = 201, body = InvitationResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn reinvite(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<InvitationResponse>)> {
    let id = MembershipId::parse(&id)?;
    let token = safeharbor_core::invites::reissue(&s.app, &auth.caller, &slug, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationResponse {
            invite_path: format!("/invite/{token}"),
        }),
    ))
}

/// A first password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    /// The new password (at least 12 characters).
    pub password: String,
}

/// Accepts an invitation: sets the invited member's first password (no sign-in needed; the
/// token is the proof).
#[utoipa::path(post, path = "/api/v1/invitations/{token}", tag = "members", request_body = AcceptInvitation,
    params(("token" = String, Path, description = "The token of the invitation link")),
    responses((status = 204, description = "Password set; sign in"), (status = 400, body = ErrorBody), (status = 404, description = "Unknown, used or expired", body = ErrorBody)))]
pub async fn accept_invitation(
    State(s): State<AppState>,
    meta: crate::extract::ClientMeta,
    Path(token): Path<String>,
    ApiJson(req): ApiJson<AcceptInvitation>,
) -> ApiResult<StatusCode> {
    safeharbor_core::invites::accept(
        &s.app,
        &token,
        &req.password,
        meta.ip,
        Some(meta.request_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
