//! What every page around its content shows: who is signed in, the navigation, the current
//! organization, the flash message, the idle timeout, the CSRF token.

use safeharbor_domain::org::{OrgKind, Organization};

use super::session::UiSession;

/// A link in the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Link text.
    pub label: String,
    /// Target.
    pub href: String,
    /// Whether it is the page shown.
    pub current: bool,
}

/// The organization being worked on, always visible in the header.
#[derive(Debug, Clone)]
pub struct OrgBadge {
    /// Its name.
    pub name: String,
    /// "Client practice" or "Provider · business associate".
    pub kind_label: &'static str,
}

/// A one-time message after a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `ok`, `error` or `info` (a CSS class).
    pub kind: String,
    /// The text.
    pub text: String,
}

/// Where in the product a page is, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The MSP home: every client.
    Home,
    /// The installation-wide audit trail.
    AllAudit,
    /// The signed-in user's account.
    Account,
    /// An organization's overview.
    Overview,
    /// Its locations.
    Locations,
    /// Its members.
    Members,
    /// Its audit trail.
    OrgAudit,
    /// Its settings.
    Settings,
    /// The regulatory catalog.
    Catalog,
    /// Its gap view.
    Gap,
    /// Its asset inventory.
    Assets,
    /// Its risk register and threat library.
    Risks,
    /// Its risk assessments.
    Sra,
    /// Its risk management plan.
    Plan,
    /// Its controls.
    Controls,
    /// Overdue work across every client.
    Overdue,
    /// Its evidence locker.
    Evidence,
    /// Evidence expiring across every client.
    Expiring,
}

/// The frame of every signed-in page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The user's name.
    pub user_name: String,
    /// CSRF token for forms and htmx requests.
    pub csrf: String,
    /// Automatic logoff, in seconds.
    pub idle_secs: i64,
    /// Main navigation.
    pub nav: Vec<NavItem>,
    /// The current organization.
    pub org: Option<OrgBadge>,
    /// Navigation within the current organization.
    pub org_nav: Vec<NavItem>,
    /// A message from the previous action.
    pub flash: Option<Flash>,
}

fn item(label: impl Into<String>, href: impl Into<String>, current: bool) -> NavItem {
    NavItem {
        label: label.into(),
        href: href.into(),
        current,
    }
}

impl Chrome {
    /// The frame for a page in `section`, within `org` when there is one.
    pub fn new(s: &UiSession, section: Section, org: Option<&Organization>) -> Self {
        let home = &s.home_org;
        let mut nav = Vec::new();
        if home.kind == OrgKind::Provider {
            nav.push(item("Clients", "/", section == Section::Home));
            nav.push(item(
                "Overdue work",
                "/tasks/overdue",
                section == Section::Overdue,
            ));
            nav.push(item(
                "Expiring evidence",
                "/evidence/expiring",
                section == Section::Expiring,
            ));
            let own = org.is_some_and(|o| o.id == home.id);
            nav.push(item(
                format!("{} (our program)", home.name),
                format!("/orgs/{}", home.slug),
                own && section == Section::Overview,
            ));
            if s.is_provider_admin {
                nav.push(item(
                    "Audit trail, all organizations",
                    "/audit",
                    section == Section::AllAudit,
                ));
            }
        } else {
            let own = org.is_some_and(|o| o.id == home.id);
            nav.push(item(
                home.name.clone(),
                format!("/orgs/{}", home.slug),
                own && section == Section::Overview,
            ));
        }
        nav.push(item(
            "Regulatory catalog",
            "/catalog",
            section == Section::Catalog,
        ));
        nav.push(item(
            "Your account",
            "/account",
            section == Section::Account,
        ));
        let (badge, org_nav) = match org {
            Some(o) => {
                let base = format!("/orgs/{}", o.slug);
                let links = vec![
                    item("Overview", base.clone(), section == Section::Overview),
                    item(
                        "Locations",
                        format!("{base}/locations"),
                        section == Section::Locations,
                    ),
                    item(
                        "Members",
                        format!("{base}/members"),
                        section == Section::Members,
                    ),
                    item(
                        "Risk assessment",
                        format!("{base}/sra"),
                        section == Section::Sra,
                    ),
                    item(
                        "Assets",
                        format!("{base}/assets"),
                        section == Section::Assets,
                    ),
                    item(
                        "Risk register",
                        format!("{base}/risks"),
                        section == Section::Risks,
                    ),
                    item(
                        "Risk plan",
                        format!("{base}/tasks"),
                        section == Section::Plan,
                    ),
                    item(
                        "Controls",
                        format!("{base}/controls"),
                        section == Section::Controls,
                    ),
                    item(
                        "Evidence",
                        format!("{base}/evidence"),
                        section == Section::Evidence,
                    ),
                    item("Gap view", format!("{base}/gap"), section == Section::Gap),
                    item(
                        "Audit trail",
                        format!("{base}/audit"),
                        section == Section::OrgAudit,
                    ),
                    item(
                        "Settings",
                        format!("{base}/settings"),
                        section == Section::Settings,
                    ),
                ];
                let kind_label = match o.kind {
                    OrgKind::Provider => "Provider · business associate",
                    OrgKind::Client => "Client practice",
                };
                (
                    Some(OrgBadge {
                        name: o.name.clone(),
                        kind_label,
                    }),
                    links,
                )
            }
            None => (None, Vec::new()),
        };
        Self {
            user_name: s.user_name().to_owned(),
            csrf: s.session.csrf_token.clone(),
            idle_secs: s.idle_secs,
            nav,
            org: badge,
            org_nav,
            flash: s.flash.clone(),
        }
    }
}
