//! The storage port of the risk analysis area: the asset inventory, the organization's own
//! threats, the risk register and its history, assessments, the risk management plan's tasks
//! and security controls. Every method takes a [`TenantScope`]; writes take their audit event.

use async_trait::async_trait;
use safeharbor_domain::audit::NewAuditEvent;
use safeharbor_domain::ids::{AssessmentId, AssetId, ControlId, LocationId, OrgId, RiskId, TaskId};
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::risk::{
    Assessment, Asset, AssetKind, Control, Response, Risk, RiskSnapshot, RiskStatus, Task,
    TaskStatus,
};
use time::OffsetDateTime;

use crate::authz::{OrgVisibility, TenantScope};
use crate::error::Result;

/// How assets may be filtered.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    /// Words in the name, owner or vendor.
    pub q: Option<String>,
    /// Only this kind.
    pub kind: Option<AssetKind>,
    /// Only assets that store, process or transmit ePHI.
    pub ephi_only: bool,
    /// Only at this location.
    pub location: Option<LocationId>,
    /// Include archived assets.
    pub include_archived: bool,
}

/// How risks may be filtered.
#[derive(Debug, Clone, Default)]
pub struct RiskFilter {
    /// Words in the threat, vulnerability, asset or owner.
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<RiskStatus>,
    /// Only about this asset.
    pub asset: Option<AssetId>,
    /// Only with an inherent score of at least this.
    pub min_score: Option<u8>,
    /// Include closed risks.
    pub include_closed: bool,
}

/// Risks not closed per cell of the 5x5 matrix, `[likelihood-1][impact-1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeatCounts {
    /// Before controls.
    pub inherent: [[u32; 5]; 5],
    /// With existing controls, where rated.
    pub current: [[u32; 5]; 5],
}

impl HeatCounts {
    /// Risks counted.
    pub fn total(&self) -> u32 {
        self.inherent.iter().flatten().sum()
    }
}

/// A threat an organization added to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomThreat {
    /// Id.
    pub id: safeharbor_domain::ids::ThreatId,
    /// Key, unique in the organization (`custom-...`).
    pub key: String,
    /// Name.
    pub name: String,
    /// NIST SP 800-30 threat source type.
    pub category: String,
    /// What happens.
    pub description: Option<String>,
    /// Kinds of asset it applies to.
    pub asset_kinds: Vec<AssetKind>,
    /// Typical weaknesses it exploits.
    pub vulnerabilities: Vec<String>,
    /// Added.
    pub created_at: OffsetDateTime,
}

/// How tasks may be filtered.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only this status.
    pub status: Option<TaskStatus>,
    /// Only open tasks due before this date.
    pub overdue_on: Option<time::Date>,
    /// Only tasks from this origin (`risk:<id>`...): kind.
    pub origin_kind: Option<String>,
    /// And reference.
    pub origin_ref: Option<String>,
}

/// An overdue task with the organization it belongs to, for the MSP-wide view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgTask {
    /// Organization slug.
    pub org_slug: String,
    /// Organization name.
    pub org_name: String,
    /// The task.
    pub task: Task,
}

/// The risk analysis area's storage.
#[async_trait]
pub trait RiskStore: Send + Sync {
    /// Adds assets (one, or a whole import) in one transaction; `invalidate` marks the current
    /// risk analysis out of date (a significant change).
    async fn insert_assets(
        &self,
        scope: &TenantScope,
        assets: &[Asset],
        invalidate: Option<OffsetDateTime>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// A page of assets by name.
    async fn list_assets(
        &self,
        scope: &TenantScope,
        f: &AssetFilter,
        page: &PageRequest,
    ) -> Result<Page<Asset>>;
    /// Every current asset, by name (reports, import checks).
    async fn all_assets(&self, scope: &TenantScope) -> Result<Vec<Asset>>;
    /// One asset.
    async fn get_asset(&self, scope: &TenantScope, id: AssetId) -> Result<Asset>;
    /// Saves a changed asset.
    async fn update_asset(
        &self,
        scope: &TenantScope,
        asset: &Asset,
        invalidate: Option<OffsetDateTime>,
        audit: &NewAuditEvent,
    ) -> Result<()>;

    /// The organization's own threats.
    async fn list_custom_threats(&self, scope: &TenantScope) -> Result<Vec<CustomThreat>>;
    /// Adds one.
    async fn insert_custom_threat(
        &self,
        scope: &TenantScope,
        t: &CustomThreat,
        audit: &NewAuditEvent,
    ) -> Result<()>;

    /// Adds a risk (and the task that plans its treatment, if any) and records its history.
    async fn insert_risk(
        &self,
        scope: &TenantScope,
        risk: &Risk,
        task: Option<&Task>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// A page of the register, highest inherent score first.
    async fn list_risks(
        &self,
        scope: &TenantScope,
        f: &RiskFilter,
        page: &PageRequest,
    ) -> Result<Page<Risk>>;
    /// The whole register (reports).
    async fn all_risks(&self, scope: &TenantScope) -> Result<Vec<Risk>>;
    /// Counts of risks not closed per (likelihood, impact) cell: inherent, then current
    /// (residual where both residual ratings are given).
    async fn risk_heat(&self, scope: &TenantScope) -> Result<HeatCounts>;
    /// One risk.
    async fn get_risk(&self, scope: &TenantScope, id: RiskId) -> Result<Risk>;
    /// Saves a changed risk (and a new task, if any) and records its history.
    async fn update_risk(
        &self,
        scope: &TenantScope,
        risk: &Risk,
        task: Option<&Task>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Every recorded change of every risk, oldest first.
    async fn risk_history(&self, scope: &TenantScope) -> Result<Vec<(RiskId, RiskSnapshot)>>;

    /// Starts an assessment with its first responses (copied from the previous period).
    async fn insert_assessment(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        responses: &[Response],
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// The organization's assessments, newest first.
    async fn list_assessments(&self, scope: &TenantScope) -> Result<Vec<Assessment>>;
    /// One assessment.
    async fn get_assessment(&self, scope: &TenantScope, id: AssessmentId) -> Result<Assessment>;
    /// Its responses.
    async fn responses(&self, scope: &TenantScope, id: AssessmentId) -> Result<Vec<Response>>;
    /// Saves one response, refusing a finalized assessment; with the risk or task made from it,
    /// if any, in the same transaction.
    async fn put_response(
        &self,
        scope: &TenantScope,
        id: AssessmentId,
        r: &Response,
        made: Made<'_>,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// Locks a draft as final with its snapshot (a JSON document) and the snapshot's hash.
    async fn finalize_assessment(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        snapshot: &str,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// The finalized snapshot.
    async fn assessment_snapshot(
        &self,
        scope: &TenantScope,
        id: AssessmentId,
    ) -> Result<Option<String>>;

    /// Adds a task.
    async fn insert_task(&self, scope: &TenantScope, t: &Task, audit: &NewAuditEvent)
    -> Result<()>;
    /// The organization's tasks, by due date (undated last).
    async fn list_tasks(&self, scope: &TenantScope, f: &TaskFilter) -> Result<Vec<Task>>;
    /// One task.
    async fn get_task(&self, scope: &TenantScope, id: TaskId) -> Result<Task>;
    /// Saves a changed task.
    async fn update_task(&self, scope: &TenantScope, t: &Task, audit: &NewAuditEvent)
    -> Result<()>;
    /// Open tasks due before `today` in the visible organizations, by due date.
    async fn overdue_tasks(
        &self,
        visible: &OrgVisibility,
        today: time::Date,
        limit: i64,
    ) -> Result<Vec<OrgTask>>;

    /// Adds a control.
    async fn insert_control(
        &self,
        scope: &TenantScope,
        c: &Control,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// The organization's controls, by title.
    async fn list_controls(&self, scope: &TenantScope) -> Result<Vec<Control>>;
    /// One control.
    async fn get_control(&self, scope: &TenantScope, id: ControlId) -> Result<Control>;
    /// Saves a changed control, including the clients it is provided to.
    async fn update_control(
        &self,
        scope: &TenantScope,
        c: &Control,
        audit: &NewAuditEvent,
    ) -> Result<()>;
    /// The provider's current controls delivered to `client` (to all clients, or to it).
    async fn controls_provided_to(
        &self,
        provider: &TenantScope,
        client: OrgId,
    ) -> Result<Vec<Control>>;
}

/// What answering a questionnaire item made, saved with the answer.
#[derive(Debug, Clone, Copy, Default)]
pub enum Made<'a> {
    /// Nothing.
    #[default]
    Nothing,
    /// A risk in the register.
    Risk(&'a Risk),
    /// A task in the plan.
    Task(&'a Task),
}
