//! The risk management plan (tasks, overdue work, residual risk over time) and controls,
//! including those the provider delivers to its clients.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::controls::{self, ControlInput};
use safeharbor_core::orgs;
use safeharbor_core::ports::{OrgFilter, OrgTask, TaskFilter};
use safeharbor_core::risks::{self, TrendPoint};
use safeharbor_core::tasks::{self, TaskInput};
use safeharbor_domain::ids::{ControlId, TaskId};
use safeharbor_domain::org::{OrgKind, Organization};
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::risk::{Control, ControlStatus, Task, TaskStatus};
use serde::Deserialize;

use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use crate::AppState;

fn not_found<T>(_: T) -> safeharbor_core::Error {
    safeharbor_core::Error::NotFound
}

/// The residual-risk chart: an SVG polyline of the total current score, and of the count of
/// high and critical risks.
#[derive(Debug)]
pub struct Chart {
    total: String,
    high: String,
    max: u32,
    first: String,
    last: String,
    points: Vec<TrendPoint>,
}

fn chart(points: Vec<TrendPoint>) -> Option<Chart> {
    if points.len() < 2 {
        return None;
    }
    let max = points
        .iter()
        .map(|p| p.total_score)
        .max()
        .unwrap_or(1)
        .max(1);
    let n = points.len() - 1;
    let line = |f: &dyn Fn(&TrendPoint) -> u32| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let x = 40 + i * 520 / n;
                let y = 170 - f(p) * 150 / max;
                format!("{x},{y}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(Chart {
        total: line(&|p| p.total_score),
        high: line(&|p| p.high),
        max,
        first: points
            .first()
            .map(|p| p.date.to_string())
            .unwrap_or_default(),
        last: points
            .last()
            .map(|p| p.date.to_string())
            .unwrap_or_default(),
        points,
    })
}

/// Filters of the plan.
#[derive(Debug, Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    show: String,
}

/// The task form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    due_date: String,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    chrome: Chrome,
    org: Organization,
    tasks: Vec<Task>,
    show: String,
    today: time::Date,
    can_write: bool,
    form: TaskForm,
    errors: FormErrors,
    chart: Option<Chart>,
    overdue: usize,
}

async fn tasks_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    show: String,
    form: TaskForm,
    errors: FormErrors,
) -> UiResult<TasksPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let today = s.app.now().date();
    let all = tasks::list(&s.app, &ui.caller, slug, &TaskFilter::default()).await?;
    let overdue = all.iter().filter(|t| t.is_overdue(today)).count();
    let tasks = all
        .into_iter()
        .filter(|t| match show.as_str() {
            "overdue" => t.is_overdue(today),
            "done" => t.status == TaskStatus::Done,
            "all" => true,
            _ => t.status == TaskStatus::Open,
        })
        .collect();
    Ok(TasksPage {
        chrome: Chrome::new(ui, Section::Plan, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        tasks,
        show,
        today,
        form,
        errors,
        chart: chart(risks::risk_trend(&s.app, &ui.caller, slug).await?),
        overdue,
    })
}

/// `GET /orgs/{slug}/tasks`.
pub async fn list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<PlanQuery>,
) -> UiResult<Response> {
    let p = tasks_page(
        &s,
        &ui,
        &slug,
        q.show,
        TaskForm::default(),
        FormErrors::none(),
    )
    .await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/tasks`.
pub async fn create(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<TaskForm>,
) -> UiResult<Response> {
    let input = TaskInput {
        title: f.title.clone(),
        description: f.description.clone(),
        assignee: f.assignee.clone(),
        due_date: f.due_date.clone(),
    };
    match tasks::create(&s.app, &ui.caller, &slug, input).await {
        Ok(t) => Ok(redirect_with(
            &format!("/orgs/{slug}/tasks"),
            "ok",
            &format!("Task \"{}\" added.", t.title),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = tasks_page(&s, &ui, &slug, String::new(), f, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// The status form of a task.
#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /orgs/{slug}/tasks/{id}`: marks a task done or open again.
pub async fn set_status(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<StatusForm>,
) -> UiResult<Response> {
    let tid = TaskId::parse(&id).map_err(not_found)?;
    let t = tasks::get(&s.app, &ui.caller, &slug, tid).await?;
    let status = TaskStatus::parse(&f.status)?;
    let input = TaskInput {
        title: t.title.clone(),
        description: t.description.clone().unwrap_or_default(),
        assignee: t.assignee.clone().unwrap_or_default(),
        due_date: t.due_date.map(|d| d.to_string()).unwrap_or_default(),
    };
    let t = tasks::update(&s.app, &ui.caller, &slug, tid, input, status).await?;
    Ok(redirect_with(
        &format!("/orgs/{slug}/tasks"),
        "ok",
        &format!(
            "Task \"{}\" {}.",
            t.title,
            if status == TaskStatus::Done {
                "done"
            } else {
                "reopened"
            }
        ),
    ))
}

#[derive(Template)]
#[template(path = "overdue.html")]
struct OverduePage {
    chrome: Chrome,
    items: Vec<OrgTask>,
}

/// `GET /tasks/overdue`: overdue tasks in every organization the user may see.
pub async fn overdue(State(s): State<AppState>, ui: UiSession) -> UiResult<Response> {
    let items = tasks::overdue_across(&s.app, &ui.caller, 500).await?;
    let p = OverduePage {
        chrome: Chrome::new(&ui, Section::Overdue, None),
        items,
    };
    ui.page(&p)
}

// ------------------------------------------------------------------ controls

/// The control form.
#[derive(Debug, Default, Clone)]
pub struct ControlForm {
    title: String,
    description: String,
    owner: String,
    frequency: String,
    next_due: String,
    status: String,
    refs: String,
    to_all: bool,
    clients: Vec<String>,
    archived: bool,
}

impl ControlForm {
    fn from_fields(f: &[(String, String)]) -> Self {
        let get = |k: &str| {
            f.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            title: get("title"),
            description: get("description"),
            owner: get("owner"),
            frequency: get("frequency"),
            next_due: get("next_due"),
            status: get("status"),
            refs: get("refs"),
            to_all: !get("to_all").is_empty(),
            clients: f
                .iter()
                .filter(|(n, _)| n == "client")
                .map(|(_, v)| v.clone())
                .collect(),
            archived: !get("archived").is_empty(),
        }
    }

    fn of(c: &Control, clients: &[(String, String, String)]) -> Self {
        Self {
            title: c.title.clone(),
            description: c.description.clone().unwrap_or_default(),
            owner: c.owner.clone().unwrap_or_default(),
            frequency: c.frequency.clone().unwrap_or_default(),
            next_due: c.next_due.map(|d| d.to_string()).unwrap_or_default(),
            status: c.status.as_str().into(),
            refs: c.requirement_refs.join(", "),
            to_all: c.provided_to_all,
            clients: clients
                .iter()
                .filter(|(id, _, _)| c.provided_to.iter().any(|p| p.to_string() == *id))
                .map(|(_, slug, _)| slug.clone())
                .collect(),
            archived: c.archived_at.is_some(),
        }
    }

    fn input(&self) -> ControlInput {
        ControlInput {
            title: self.title.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            frequency: self.frequency.clone(),
            next_due: self.next_due.clone(),
            status: self.status.clone(),
            requirement_refs: self
                .refs
                .split([',', ';', '\n'])
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect(),
            provided_to_all: self.to_all,
            provided_to: self.clients.clone(),
            archived: self.archived,
        }
    }
}

impl ControlsPage {
    fn evidence_of(&self, c: &Control) -> safeharbor_core::evidence::EvidenceSummary {
        self.evidence.get(&c.id).copied().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "controls.html")]
struct ControlsPage {
    chrome: Chrome,
    org: Organization,
    controls: Vec<Control>,
    inherited: Vec<(Organization, Control)>,
    evidence: std::collections::HashMap<ControlId, safeharbor_core::evidence::EvidenceSummary>,
    can_write: bool,
    is_provider: bool,
    clients: Vec<(String, String, String)>,
    statuses: Vec<(String, String)>,
    form: ControlForm,
    editing: Option<String>,
    errors: FormErrors,
}

async fn client_choices(
    s: &AppState,
    ui: &UiSession,
    org: &Organization,
) -> UiResult<Vec<(String, String, String)>> {
    if org.kind != OrgKind::Provider {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut page = PageRequest::parse(Some(200), None)?;
    let filter = OrgFilter {
        kind: Some(OrgKind::Client),
        ..OrgFilter::default()
    };
    loop {
        let p = orgs::list(&s.app, &ui.caller, &filter, &page).await?;
        out.extend(
            p.items
                .into_iter()
                .map(|i| (i.org.id.to_string(), i.org.slug.to_string(), i.org.name)),
        );
        match p.next_cursor {
            Some(c) => page = PageRequest::parse(Some(200), Some(&c))?,
            None => return Ok(out),
        }
    }
}

async fn controls_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    form: ControlForm,
    editing: Option<String>,
    errors: FormErrors,
) -> UiResult<ControlsPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let clients = client_choices(s, ui, &org).await?;
    let form = match (&editing, form.title.is_empty() && errors.is_empty()) {
        (Some(id), true) => {
            let cid = ControlId::parse(id).map_err(not_found)?;
            ControlForm::of(
                &controls::get(&s.app, &ui.caller, slug, cid).await?,
                &clients,
            )
        }
        _ => form,
    };
    Ok(ControlsPage {
        chrome: Chrome::new(ui, Section::Controls, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        is_provider: org.kind == OrgKind::Provider,
        controls: controls::list(&s.app, &ui.caller, slug).await?,
        inherited: controls::inherited(&s.app, &ui.caller, slug).await?,
        evidence: safeharbor_core::evidence::by_control(&s.app, &ui.caller, slug).await?,
        org,
        clients,
        statuses: ControlStatus::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
            .collect(),
        form,
        editing,
        errors,
    })
}

/// Which control is being edited.
#[derive(Debug, Deserialize, Default)]
pub struct EditQuery {
    #[serde(default)]
    edit: String,
}

/// `GET /orgs/{slug}/controls`.
pub async fn controls_list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<EditQuery>,
) -> UiResult<Response> {
    let editing = Some(q.edit).filter(|e| !e.is_empty());
    let p = controls_page(
        &s,
        &ui,
        &slug,
        ControlForm::default(),
        editing,
        FormErrors::none(),
    )
    .await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/controls`: adds a control, or (with `id`) saves one.
pub async fn control_save(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, fields): CsrfForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let form = ControlForm::from_fields(&fields);
    let id = fields
        .iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let r = match &id {
        None => controls::create(&s.app, &ui.caller, &slug, form.input()).await,
        Some(i) => {
            let cid = ControlId::parse(i).map_err(not_found)?;
            controls::update(&s.app, &ui.caller, &slug, cid, form.input()).await
        }
    };
    match r {
        Ok(c) => Ok(redirect_with(
            &format!("/orgs/{slug}/controls"),
            "ok",
            &format!("Control \"{}\" saved.", c.title),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = controls_page(&s, &ui, &slug, form, id, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}
