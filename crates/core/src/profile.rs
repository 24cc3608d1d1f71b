//! An organization's HIPAA profile: its security and privacy officials and the risk score it
//! accepts without treatment. Administrators of the organization set it; everyone who can
//! read the organization can read it.

use safeharbor_domain::org::{Official, OrgProfile};

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::Result;
use crate::orgs::refuse_if_archived;

/// The profile as typed in a form or a JSON body.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Security official's name (empty: none).
    pub security_official: String,
    /// Their e-mail address.
    pub security_official_email: String,
    /// Privacy official's name.
    pub privacy_official: String,
    /// Their e-mail address.
    pub privacy_official_email: String,
    /// Highest risk score accepted without treatment (none: the installation's top of low).
    pub risk_acceptance_max: Option<i64>,
}

/// Reads the organization's profile.
pub async fn get(app: &App, caller: &Caller, slug: &str) -> Result<OrgProfile> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.org_profile(&scope).await
}

/// Replaces the organization's profile. Administrators only.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    input: &ProfileInput,
) -> Result<OrgProfile> {
    let profile = OrgProfile {
        security_official: Official::parse(
            "security_official",
            &input.security_official,
            &input.security_official_email,
        )?,
        privacy_official: Official::parse(
            "privacy_official",
            &input.privacy_official,
            &input.privacy_official_email,
        )?,
        risk_acceptance_max: OrgProfile::parse_acceptance(input.risk_acceptance_max)?,
    };
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    refuse_if_archived(scope.org())?;
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "org.profile",
        "organization",
        Some(scope.org_id().to_string()),
        format!(
            "HIPAA profile updated: security official {}, privacy official {}, risk acceptance {}",
            profile
                .security_official
                .as_ref()
                .map_or("none", |o| o.name.as_str()),
            profile
                .privacy_official
                .as_ref()
                .map_or("none", |o| o.name.as_str()),
            profile
                .risk_acceptance_max
                .map_or_else(|| "installation default".to_owned(), |n| n.to_string())
        ),
    );
    app.store.put_org_profile(&scope, &profile, &event).await?;
    Ok(profile)
}
