//! Reminders: a background job that turns evidence about to expire and controls coming due
//! into tasks of the plan, and tells each organization's administrators by e-mail when it
//! opened new ones. Servers sharing one database take a lease, so each run happens once.
//!
//! The e-mail carries counts and where to look, never the titles of records (which people may
//! have typed PHI into).

use std::fmt::Write;

use safeharbor_domain::org::Organization;
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::risk::Task;
use safeharbor_domain::user::Role;

use crate::App;
use crate::authz::{self, Caller, Need, OrgVisibility, TenantScope};
use crate::error::Result;
use crate::ports::{Mail, Mailer, MemberFilter, OrgFilter, TaskFilter};

/// The lease name.
const JOB: &str = "reminders";
/// Evidence expiring within this many days gets a renewal task.
pub const EVIDENCE_DAYS: i64 = 30;
/// Controls due within this many days get a task.
pub const CONTROL_DAYS: i64 = 14;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderReport {
    /// Another server holds the lease: nothing was done.
    pub skipped: bool,
    /// Organizations looked at.
    pub orgs: usize,
    /// Renewal tasks opened for expiring evidence.
    pub evidence_tasks: usize,
    /// Tasks opened for controls coming due.
    pub control_tasks: usize,
    /// Messages accepted by the mail server.
    pub mails_sent: usize,
    /// Messages that failed (the tasks stand; the next run does not resend).
    pub mail_failures: usize,
    /// Organizations whose reminders failed (logged; the next run tries again).
    pub failures: usize,
}

/// Runs the reminders once, as `holder` (a name unique to this process).
pub async fn run(
    app: &App,
    mailer: Option<&dyn Mailer>,
    holder: &str,
    public_url: Option<&str>,
) -> Result<ReminderReport> {
    let now = app.now();
    if !app
        .store
        .take_job_lease(JOB, holder, now, time::Duration::minutes(15))
        .await?
    {
        return Ok(ReminderReport {
            skipped: true,
            ..ReminderReport::default()
        });
    }
    let result = run_leased(app, mailer, public_url).await;
    // Released at once, so a manual run right after a scheduled one is not refused.
    app.store.release_job_lease(JOB, holder, app.now()).await?;
    result
}

async fn run_leased(
    app: &App,
    mailer: Option<&dyn Mailer>,
    public_url: Option<&str>,
) -> Result<ReminderReport> {
    let op = Caller::local_operator();
    let mut report = ReminderReport::default();
    let mut page = PageRequest::parse(Some(200), None)?;
    loop {
        let p = app
            .store
            .list_orgs(&OrgVisibility::All, &OrgFilter::default(), &page)
            .await?;
        for item in p.items {
            let scope = authz::scope(app, &op, item.org.slug.as_str(), Need::Write).await?;
            report.orgs += 1;
            // One organization's failure must not stop the others' reminders.
            let (ev, ctl) = match remind_org(app, &op, &scope).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(org_id = %item.org.id, error = %e, "reminders failed for an organization");
                    report.failures += 1;
                    continue;
                }
            };
            report.evidence_tasks += ev;
            report.control_tasks += ctl;
            if ev + ctl > 0
                && let Some(m) = mailer
            {
                match notify(app, m, &scope, &item.org, ev, ctl, public_url).await {
                    Ok(true) => report.mails_sent += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(org_id = %item.org.id, error = %e, "reminder e-mail failed");
                        report.mail_failures += 1;
                    }
                }
            }
        }
        match p.next_cursor {
            Some(c) => page = PageRequest::parse(Some(200), Some(&c))?,
            None => break,
        }
    }
    Ok(report)
}

async fn remind_org(app: &App, op: &Caller, scope: &TenantScope) -> Result<(usize, usize)> {
    let today = app.now().date();
    let existing: Vec<Task> = app
        .store
        .list_tasks(scope, &TaskFilter::default())
        .await?
        .into_iter()
        .filter(|t| t.origin_kind == "evidence" || t.origin_kind == "control")
        .collect();
    let has = |kind: &str, reference: &str| {
        existing
            .iter()
            .any(|t| t.origin_kind == kind && t.origin_ref.as_deref() == Some(reference))
    };
    let mut opened = (0, 0);
    let horizon = today + time::Duration::days(EVIDENCE_DAYS);
    for e in app.store.all_evidence(scope).await? {
        let Some(end) = e.valid_until.filter(|d| *d <= horizon) else {
            continue;
        };
        // One task per validity period: renewing (a new date) makes the next one.
        let reference = format!("{}:{end}", e.id);
        if has("evidence", &reference) {
            continue;
        }
        let title = format!("Renew evidence: {}", e.title);
        open_task(app, op, scope, title, end, "evidence", reference).await?;
        opened.0 += 1;
    }
    let horizon = today + time::Duration::days(CONTROL_DAYS);
    for c in app.store.list_controls(scope).await? {
        if c.archived_at.is_some() {
            continue;
        }
        let Some(due) = c.next_due.filter(|d| *d <= horizon) else {
            continue;
        };
        let reference = format!("{}:{due}", c.id);
        if has("control", &reference) {
            continue;
        }
        let title = format!("Perform control: {}", c.title);
        open_task(app, op, scope, title, due, "control", reference).await?;
        opened.1 += 1;
    }
    Ok(opened)
}

async fn open_task(
    app: &App,
    op: &Caller,
    scope: &TenantScope,
    title: String,
    due: time::Date,
    kind: &str,
    reference: String,
) -> Result<()> {
    let now = app.now();
    let title: String = title
        .chars()
        .take(safeharbor_domain::risk::LINE_MAX)
        .collect();
    let t = Task {
        description: Some(match kind {
            "evidence" => "Collect fresh evidence and upload it as a new version before this date, so the requirement it backs stays proven.".into(),
            _ => "Perform the control and upload the evidence that it was performed; then set the control's next due date.".into(),
        }),
        due_date: Some(due),
        ..Task::open(scope.org_id(), title, kind, Some(reference), now)
    };
    let event = op.event(
        now,
        Some(scope.org_id()),
        "task.create",
        "task",
        Some(t.id.to_string()),
        format!("reminder task \"{}\" opened", t.title),
    );
    app.store.insert_task(scope, &t, &event).await
}

async fn notify(
    app: &App,
    mailer: &dyn Mailer,
    scope: &TenantScope,
    org: &Organization,
    evidence: usize,
    controls: usize,
    public_url: Option<&str>,
) -> Result<bool> {
    // The organization's administrators: the practice's for a client, the MSP's for itself.
    let role = match org.kind {
        safeharbor_domain::org::OrgKind::Client => Role::ClientAdmin,
        safeharbor_domain::org::OrgKind::Provider => Role::ProviderAdmin,
    };
    let filter = MemberFilter {
        role: Some(role),
        ..MemberFilter::default()
    };
    let mut to: Vec<String> = Vec::new();
    let mut page = PageRequest::parse(Some(200), None)?;
    loop {
        let p = app.store.list_members(scope, &filter, &page).await?;
        to.extend(
            p.items
                .into_iter()
                .filter(|m| m.user.archived_at.is_none() && !m.user.invited)
                .map(|m| m.user.email.as_str().to_owned()),
        );
        match p.next_cursor {
            Some(c) => page = PageRequest::parse(Some(200), Some(&c))?,
            None => break,
        }
    }
    if to.is_empty() {
        return Ok(false);
    }
    let mut body = format!("Safeharbor opened new tasks for {}:\n\n", org.name);
    let plural = |n: usize| if n == 1 { ("", "s") } else { ("s", "") };
    if evidence > 0 {
        let (s, v) = plural(evidence);
        let _ = writeln!(
            body,
            "- {evidence} piece{s} of evidence expire{v} within {EVIDENCE_DAYS} days and need renewing"
        );
    }
    if controls > 0 {
        let (s, v) = plural(controls);
        let _ = writeln!(
            body,
            "- {controls} control{s} come{v} due within {CONTROL_DAYS} days"
        );
    }
    match public_url {
        Some(u) => {
            let _ = writeln!(
                body,
                "\nSee them at {}/orgs/{}/tasks",
                u.trim_end_matches('/'),
                org.slug
            );
        }
        None => {
            body.push_str(
                "\nSign in to Safeharbor and open the organization's plan to see them.\n",
            );
        }
    }
    body.push_str("\nThis message lists counts only; details stay in Safeharbor.\n");
    mailer
        .send(&Mail {
            to,
            subject: format!("Safeharbor reminders for {}", org.name),
            body,
        })
        .await?;
    Ok(true)
}
