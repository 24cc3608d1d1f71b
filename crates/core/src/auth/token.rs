//! API tokens for automation: `Authorization: Bearer sht_...`. Stored as SHA-256, shown once,
//! expiring, revocable, carrying their user's access to one organization or to all of the
//! user's organizations.

use safeharbor_domain::ids::{ApiTokenId, OrgId};
use safeharbor_domain::text;
use safeharbor_domain::user::Email;
use time::Duration;

use crate::App;
use crate::authz::{self, Caller, Credential, Need};
use crate::error::{Error, Result};
use crate::ports::ApiTokenRecord;

use super::secret;

/// What to create.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// A name to recognise it by.
    pub name: String,
    /// Restrict it to this organization (slug).
    pub org: Option<String>,
    /// Lifetime in days (default from settings).
    pub days: Option<i64>,
}

/// A token just made. `token` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    /// The secret to send as `Authorization: Bearer`.
    pub token: String,
    /// The stored record.
    pub record: ApiTokenRecord,
}

/// Creates a token for the calling user.
pub async fn create(app: &App, caller: &Caller, input: NewToken) -> Result<CreatedToken> {
    let user = caller.user().ok_or(Error::Unauthenticated)?.clone();
    if matches!(caller.credential(), Credential::ApiToken { .. }) {
        return Err(Error::Forbidden(
            "an API token cannot create tokens; sign in",
        ));
    }
    issue(app, caller, &user.email, user.id, user.home_org_id, input).await
}

/// Creates a token for any user (the CLI's `token create --email`).
pub async fn create_for(
    app: &App,
    operator: &Caller,
    email: &str,
    input: NewToken,
) -> Result<CreatedToken> {
    if !matches!(operator.credential(), Credential::LocalOperator) {
        return Err(Error::Forbidden(
            "only the operator may create tokens for others",
        ));
    }
    let email = Email::parse(email)?;
    let rec = app
        .store
        .find_user_by_email(&email)
        .await?
        .ok_or_else(|| Error::invalid("email", "no user has this e-mail address"))?;
    issue(
        app,
        operator,
        &rec.user.email,
        rec.user.id,
        rec.user.home_org_id,
        input,
    )
    .await
}

async fn issue(
    app: &App,
    caller: &Caller,
    email: &Email,
    user_id: safeharbor_domain::ids::UserId,
    home_org: OrgId,
    input: NewToken,
) -> Result<CreatedToken> {
    let now = app.now();
    let st = app.settings();
    let name = text::optional_line("name", Some(&input.name), 100)?
        .unwrap_or_else(|| "API token".to_owned());
    let days = input.days.unwrap_or(st.token_default_days);
    if !(1..=st.token_max_days).contains(&days) {
        return Err(Error::invalid(
            "days",
            format!("must be between 1 and {}", st.token_max_days),
        ));
    }
    let org_id = match input.org.as_deref() {
        None | Some("") => None,
        Some(slug) => {
            // The token's owner must have access to the organization.
            let owner = owner_caller(app, caller, user_id).await?;
            Some(authz::scope(app, &owner, slug, Need::Read).await?.org_id())
        }
    };
    let token = secret::new_token(secret::API_TOKEN_PREFIX)?;
    let record = ApiTokenRecord {
        id: ApiTokenId::new(),
        token_hash: secret::digest(&token),
        user_id,
        org_id,
        name,
        prefix: token.chars().take(10).collect(),
        created_at: now,
        expires_at: now + Duration::days(days),
        revoked_at: None,
        last_used_at: None,
    };
    let event = caller.event(
        now,
        Some(org_id.unwrap_or(home_org)),
        "token.create",
        "api_token",
        Some(record.id.to_string()),
        format!(
            "API token \"{}\" created for {email}, valid {days} days",
            record.name
        ),
    );
    app.store.insert_api_token(&record, &event).await?;
    Ok(CreatedToken { token, record })
}

async fn owner_caller(
    app: &App,
    caller: &Caller,
    user_id: safeharbor_domain::ids::UserId,
) -> Result<Caller> {
    if caller.user_id() == Some(user_id) {
        return Ok(caller.clone());
    }
    let rec = app.store.find_user(user_id).await?.ok_or(Error::NotFound)?;
    let memberships = super::active_memberships(app, &rec, app.now()).await?;
    // Exactly the access an unrestricted token of this user would carry.
    let as_token = Credential::ApiToken {
        id: ApiTokenId::new(),
        org: None,
    };
    Ok(Caller::authenticated(
        rec.user,
        as_token,
        memberships,
        None,
        caller.request_id().map(str::to_owned),
    ))
}

/// The calling user's tokens.
pub async fn list(app: &App, caller: &Caller) -> Result<Vec<ApiTokenRecord>> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    app.store.list_api_tokens(uid).await
}

/// Revokes one of the calling user's tokens. Another user's token is `NotFound`.
pub async fn revoke(app: &App, caller: &Caller, id: ApiTokenId) -> Result<ApiTokenRecord> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let mut t = app
        .store
        .list_api_tokens(uid)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(Error::NotFound)?;
    if t.revoked_at.is_some() {
        return Ok(t);
    }
    let now = app.now();
    t.revoked_at = Some(now);
    let org = t.org_id.or(caller.user().map(|u| u.home_org_id));
    let event = caller.event(
        now,
        org,
        "token.revoke",
        "api_token",
        Some(t.id.to_string()),
        format!("API token \"{}\" revoked", t.name),
    );
    app.store.update_api_token(&t, &event).await?;
    Ok(t)
}

/// Resolves a bearer token to its caller.
pub async fn authenticate(
    app: &App,
    token: &str,
    ip: Option<String>,
    request_id: Option<String>,
) -> Result<Caller> {
    let now = app.now();
    let t = app
        .store
        .find_api_token(&secret::digest(token.trim()))
        .await?
        .ok_or(Error::Unauthenticated)?;
    if t.revoked_at.is_some() || now >= t.expires_at {
        return Err(Error::Unauthenticated);
    }
    let user = app
        .store
        .find_user(t.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if user.user.archived_at.is_some() {
        return Err(Error::Unauthenticated);
    }
    if t.last_used_at
        .is_none_or(|l| now - l >= Duration::minutes(1))
    {
        app.store.touch_api_token(t.id, now).await?;
    }
    let memberships = super::active_memberships(app, &user, now).await?;
    // A token outlives no membership: an auditor whose access ended has nothing left to
    // reach, not even their own profile.
    if memberships.is_empty() {
        return Err(Error::Unauthenticated);
    }
    Ok(Caller::authenticated(
        user.user,
        Credential::ApiToken {
            id: t.id,
            org: t.org_id,
        },
        memberships,
        ip,
        request_id,
    ))
}
