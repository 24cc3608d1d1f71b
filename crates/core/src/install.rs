//! Setting up a new installation.

use safeharbor_domain::ids::OrgId;
use safeharbor_domain::org::{NewOrg, OrgKind, Organization};

use crate::App;
use crate::authz::Caller;
use crate::error::{Error, Result};

/// Creates the provider organization of a new installation. `Conflict` if one exists.
pub async fn init(
    app: &App,
    operator: &Caller,
    provider_name: &str,
    slug: Option<&str>,
) -> Result<Organization> {
    let new = NewOrg::parse(OrgKind::Provider, provider_name, slug, None)?;
    if let Some(p) = app.store.provider().await? {
        return Err(Error::conflict(
            "provider",
            format!(
                "this installation is already initialized (provider \"{}\")",
                p.name
            ),
        ));
    }
    let now = app.now();
    let org = Organization {
        id: OrgId::new(),
        kind: OrgKind::Provider,
        hipaa_role: new.hipaa_role,
        slug: new.slug,
        name: new.name,
        require_mfa: false,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    let event = operator.event(
        now,
        Some(org.id),
        "install.init",
        "organization",
        Some(org.id.to_string()),
        format!("installation initialized for provider \"{}\"", org.name),
    );
    app.store.insert_provider(&org, &event).await?;
    Ok(org)
}
