//! Tasks of the risk management plan (164.308(a)(1)(ii)(B)): treatments of risks and answers
//! of the assessment turned into work with an owner and a due date; an overdue view per client
//! and across the MSP.

use safeharbor_domain::ids::TaskId;
use safeharbor_domain::risk::{BLOCK_MAX, LINE_MAX, Task, TaskStatus, parse_date};
use safeharbor_domain::text;

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::Result;
use crate::orgs::refuse_if_archived;
use crate::ports::{OrgTask, TaskFilter};

/// An organization's tasks, by due date.
pub async fn list(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &TaskFilter,
) -> Result<Vec<Task>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_tasks(&scope, filter).await
}

/// One task.
pub async fn get(app: &App, caller: &Caller, slug: &str, id: TaskId) -> Result<Task> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_task(&scope, id).await
}

/// What people enter about a task.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    /// What to do.
    pub title: String,
    /// Details.
    pub description: String,
    /// Who does it.
    pub assignee: String,
    /// When, `YYYY-MM-DD`.
    pub due_date: String,
}

struct Checked {
    title: String,
    description: Option<String>,
    assignee: Option<String>,
    due_date: Option<time::Date>,
}

fn check(i: &TaskInput) -> Result<Checked> {
    Ok(Checked {
        title: text::required_line("title", &i.title, LINE_MAX)?,
        description: text::optional_block("description", Some(&i.description), BLOCK_MAX)?,
        assignee: text::optional_line("assignee", Some(&i.assignee), LINE_MAX)?,
        due_date: parse_date("due_date", &i.due_date)?,
    })
}

/// Adds a task of the plan.
pub async fn create(app: &App, caller: &Caller, slug: &str, input: TaskInput) -> Result<Task> {
    let c = check(&input)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let now = app.now();
    let t = Task {
        description: c.description,
        due_date: c.due_date,
        assignee: c.assignee,
        ..Task::open(scope.org_id(), c.title, "manual", None, now)
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "task.create",
        "task",
        Some(t.id.to_string()),
        format!("task \"{}\" added", t.title),
    );
    app.store.insert_task(&scope, &t, &event).await?;
    Ok(t)
}

/// Replaces a task's fields and status; done tasks record when.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: TaskId,
    input: TaskInput,
    status: TaskStatus,
) -> Result<Task> {
    let c = check(&input)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut t = app.store.get_task(&scope, id).await?;
    let before = t.clone();
    let now = app.now();
    t.title = c.title;
    t.description = c.description;
    t.assignee = c.assignee;
    t.due_date = c.due_date;
    if t.status != status {
        t.completed_at = (status == TaskStatus::Done).then_some(now);
        t.status = status;
    }
    if t == before {
        return Ok(t);
    }
    t.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        if before.status != t.status && t.status == TaskStatus::Done {
            "task.complete"
        } else {
            "task.update"
        },
        "task",
        Some(t.id.to_string()),
        format!("task \"{}\" {}", t.title, t.status.label().to_lowercase()),
    );
    app.store.update_task(&scope, &t, &event).await?;
    Ok(t)
}

/// Overdue tasks in every organization the caller may see, oldest due first.
pub async fn overdue_across(app: &App, caller: &Caller, limit: i64) -> Result<Vec<OrgTask>> {
    let visible = authz::visibility(caller);
    let today = app.now().date();
    app.store.overdue_tasks(&visible, today, limit).await
}
