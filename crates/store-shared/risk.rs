//! The risk analysis area: assets, custom threats, the risk register and its history,
//! assessments and responses, tasks, controls.

use async_trait::async_trait;
use safeharbor_core::authz::{OrgVisibility, TenantScope};
use safeharbor_core::ports::{
    AssetFilter, CustomThreat, HeatCounts, Made, OrgTask, RiskFilter, RiskStore, TaskFilter,
};
use safeharbor_core::{Error, Result};
use safeharbor_domain::audit::{NewAuditEvent, from_micros, micros};
use safeharbor_domain::ids::{
    AssessmentId, AssetId, ControlId, LocationId, OrgId, RiskId, TaskId, ThreatId,
};
use safeharbor_domain::page::{Cursor, Page, PageRequest, like_pattern};
use safeharbor_domain::risk::{
    AddressableDecision, Answer, Assessment, AssessmentStatus, Asset, AssetFields, AssetKind,
    Control, ControlStatus, Criticality, EphiRole, NoEphiStatement, Protection, Rating, Response,
    ResponseStatus, Risk, RiskFields, RiskSnapshot, RiskStatus, SignOff, Task, TaskStatus,
    Treatment, parse_date,
};
use safeharbor_domain::text::sort_key;
use sqlx::{AssertSqlSafe, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{audit, commit, db_err, unique_or};
use crate::Db;

const DUPLICATE_ASSET: &str = "a current asset with this name already exists in this organization";

pub(crate) fn corrupt(what: &str) -> Error {
    Error::internal(format!("stored {what} does not parse"))
}

fn t(us: Option<i64>) -> Option<OffsetDateTime> {
    us.map(from_micros)
}

fn date(s: Option<String>, what: &str) -> Result<Option<time::Date>> {
    match s {
        None => Ok(None),
        Some(s) => parse_date(what, &s).map_err(|_| corrupt(what)),
    }
}

fn rating(v: i64, what: &str) -> Result<Rating> {
    Rating::parse(what, v).map_err(|_| corrupt(what))
}

fn cursor_id(c: &Cursor) -> Result<Uuid> {
    Uuid::try_parse(&c.id)
        .map_err(|_| Error::invalid("cursor", "is not a cursor this server issued"))
}

// ---------------------------------------------------------------- assets

const ASSET_SELECT: &str = "SELECT a.asset_id, a.org_id, a.location_id, l.name AS location_name, a.name, a.kind, \
     a.ephi_role, a.criticality, a.owner, a.vendor, a.encryption_at_rest, a.encryption_in_transit, a.mfa, \
     a.notes, a.created_at, a.updated_at, a.archived_at \
     FROM asset a LEFT JOIN location l ON l.location_id = a.location_id ";

#[derive(sqlx::FromRow)]
struct AssetRow {
    asset_id: Uuid,
    org_id: Uuid,
    location_id: Option<Uuid>,
    location_name: Option<String>,
    name: String,
    kind: String,
    ephi_role: String,
    criticality: String,
    owner: Option<String>,
    vendor: Option<String>,
    encryption_at_rest: String,
    encryption_in_transit: String,
    mfa: String,
    notes: Option<String>,
    created_at: i64,
    updated_at: i64,
    archived_at: Option<i64>,
}

impl TryFrom<AssetRow> for Asset {
    type Error = Error;
    fn try_from(r: AssetRow) -> Result<Self> {
        let p = |s: &str| Protection::parse(s).map_err(|_| corrupt("asset protection"));
        Ok(Self {
            id: AssetId::from_uuid(r.asset_id),
            org_id: OrgId::from_uuid(r.org_id),
            fields: AssetFields {
                name: r.name,
                kind: AssetKind::parse(&r.kind).map_err(|_| corrupt("asset kind"))?,
                location_id: r.location_id.map(LocationId::from_uuid),
                ephi_role: EphiRole::parse(&r.ephi_role).map_err(|_| corrupt("ePHI role"))?,
                criticality: Criticality::parse(&r.criticality)
                    .map_err(|_| corrupt("criticality"))?,
                owner: r.owner,
                vendor: r.vendor,
                encryption_at_rest: p(&r.encryption_at_rest)?,
                encryption_in_transit: p(&r.encryption_in_transit)?,
                mfa: p(&r.mfa)?,
                notes: r.notes,
            },
            location_name: r.location_name,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            archived_at: t(r.archived_at),
        })
    }
}

async fn check_location(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    loc: Option<LocationId>,
) -> Result<()> {
    if let Some(l) = loc {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM location WHERE org_id = $1 AND location_id = $2",
        )
        .bind(scope.org_id().as_uuid())
        .bind(l.as_uuid())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
        if found.is_none() {
            return Err(Error::invalid(
                "location",
                "is not a location of this organization",
            ));
        }
    }
    Ok(())
}

async fn invalidate_sra(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    at: Option<OffsetDateTime>,
) -> Result<()> {
    if let Some(at) = at {
        sqlx::query("UPDATE organization SET sra_invalidated_at = $1 WHERE org_id = $2")
            .bind(micros(at))
            .bind(scope.org_id().as_uuid())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- risks

const RISK_SELECT: &str = "SELECT r.risk_id, r.org_id, r.asset_id, a.name AS asset_name, r.asset_group, \
     r.threat_key, r.threat_name, r.vulnerability, r.likelihood, r.impact, r.existing_controls, \
     r.residual_likelihood, r.residual_impact, r.treatment, r.owner, r.due_date, r.status, \
     r.acceptance_rationale, r.accepted_by, r.accepted_at, r.source, r.created_at, r.updated_at, \
     r.treatment_detail \
     FROM risk r LEFT JOIN asset a ON a.asset_id = r.asset_id ";

#[derive(sqlx::FromRow)]
struct RiskRow {
    risk_id: Uuid,
    org_id: Uuid,
    asset_id: Option<Uuid>,
    asset_name: Option<String>,
    asset_group: Option<String>,
    threat_key: String,
    threat_name: String,
    vulnerability: String,
    likelihood: i64,
    impact: i64,
    existing_controls: Option<String>,
    residual_likelihood: Option<i64>,
    residual_impact: Option<i64>,
    treatment: Option<String>,
    owner: Option<String>,
    due_date: Option<String>,
    status: String,
    acceptance_rationale: Option<String>,
    accepted_by: Option<String>,
    accepted_at: Option<i64>,
    source: String,
    created_at: i64,
    updated_at: i64,
    treatment_detail: Option<String>,
}

impl TryFrom<RiskRow> for Risk {
    type Error = Error;
    fn try_from(r: RiskRow) -> Result<Self> {
        Ok(Self {
            id: RiskId::from_uuid(r.risk_id),
            org_id: OrgId::from_uuid(r.org_id),
            fields: RiskFields {
                asset_id: r.asset_id.map(AssetId::from_uuid),
                asset_group: r.asset_group,
                threat_key: r.threat_key,
                threat_name: r.threat_name,
                vulnerability: r.vulnerability,
                likelihood: rating(r.likelihood, "likelihood")?,
                impact: rating(r.impact, "impact")?,
                existing_controls: r.existing_controls,
                residual_likelihood: r
                    .residual_likelihood
                    .map(|v| rating(v, "residual likelihood"))
                    .transpose()?,
                residual_impact: r
                    .residual_impact
                    .map(|v| rating(v, "residual impact"))
                    .transpose()?,
                treatment: r
                    .treatment
                    .map(|s| Treatment::parse(&s).map_err(|_| corrupt("treatment")))
                    .transpose()?,
                treatment_detail: r.treatment_detail,
                owner: r.owner,
                due_date: date(r.due_date, "risk due date")?,
            },
            asset_name: r.asset_name,
            status: RiskStatus::parse(&r.status).map_err(|_| corrupt("risk status"))?,
            acceptance_rationale: r.acceptance_rationale,
            accepted_by: r.accepted_by,
            accepted_at: t(r.accepted_at),
            source: r.source,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

async fn check_asset(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    asset: Option<AssetId>,
) -> Result<()> {
    if let Some(a) = asset {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM asset WHERE org_id = $1 AND asset_id = $2",
        )
        .bind(scope.org_id().as_uuid())
        .bind(a.as_uuid())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
        if found.is_none() {
            return Err(Error::invalid(
                "asset_id",
                "is not an asset of this organization",
            ));
        }
    }
    Ok(())
}

async fn record_history(tx: &mut sqlx::Transaction<'static, Db>, r: &Risk) -> Result<()> {
    sqlx::query(
        "INSERT INTO risk_history (risk_id, org_id, at, inherent_score, residual_score, status) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.id.as_uuid())
    .bind(r.org_id.as_uuid())
    .bind(micros(r.updated_at))
    .bind(i64::from(r.inherent_score()))
    .bind(r.residual_score().map(i64::from))
    .bind(r.status.as_str())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

// ---------------------------------------------------------------- assessments and tasks

pub(crate) const ASSESSMENT_COLUMNS: &str = "assessment_id, org_id, period, status, scope, copied_from, started_at, \
     started_by, finalized_at, finalized_by, snapshot_sha256, checks_version, prepared_by, \
     no_ephi_statement, no_ephi_written_by, no_ephi_confirmed_by, no_ephi_confirmed_at, \
     signed_off_by, signed_off_capacity, signed_off_at, signed_off_digest";

#[derive(sqlx::FromRow)]
pub(crate) struct AssessmentRow {
    assessment_id: Uuid,
    org_id: Uuid,
    period: String,
    status: String,
    scope: Option<String>,
    copied_from: Option<Uuid>,
    started_at: i64,
    started_by: String,
    finalized_at: Option<i64>,
    finalized_by: Option<String>,
    snapshot_sha256: Option<String>,
    checks_version: Option<i64>,
    prepared_by: Option<String>,
    no_ephi_statement: Option<String>,
    no_ephi_written_by: Option<String>,
    no_ephi_confirmed_by: Option<String>,
    no_ephi_confirmed_at: Option<i64>,
    signed_off_by: Option<String>,
    signed_off_capacity: Option<String>,
    signed_off_at: Option<i64>,
    signed_off_digest: Option<String>,
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = Error;
    fn try_from(r: AssessmentRow) -> Result<Self> {
        Ok(Self {
            id: AssessmentId::from_uuid(r.assessment_id),
            org_id: OrgId::from_uuid(r.org_id),
            period: r.period,
            status: AssessmentStatus::parse(&r.status).map_err(|_| corrupt("assessment status"))?,
            scope: r.scope,
            copied_from: r.copied_from.map(AssessmentId::from_uuid),
            started_at: from_micros(r.started_at),
            started_by: r.started_by,
            finalized_at: t(r.finalized_at),
            finalized_by: r.finalized_by,
            snapshot_sha256: r.snapshot_sha256,
            checks_version: r
                .checks_version
                .map(|v| u32::try_from(v).map_err(|_| corrupt("checks version")))
                .transpose()?,
            prepared_by: r.prepared_by,
            no_ephi: r.no_ephi_statement.map(|statement| NoEphiStatement {
                statement,
                written_by: r.no_ephi_written_by.unwrap_or_default(),
                confirmed_by: r.no_ephi_confirmed_by,
                confirmed_at: t(r.no_ephi_confirmed_at),
            }),
            sign_off: match (r.signed_off_by, r.signed_off_at, r.signed_off_digest) {
                (Some(by), Some(at), Some(digest)) => Some(SignOff {
                    by,
                    capacity: r.signed_off_capacity.unwrap_or_default(),
                    at: from_micros(at),
                    digest,
                }),
                _ => None,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct ResponseRow {
    requirement_ref: String,
    status: Option<String>,
    decision: Option<String>,
    alternative: Option<String>,
    reason: Option<String>,
    notes: Option<String>,
    alternative_reason: Option<String>,
    implementation: Option<String>,
    updated_at: i64,
    updated_by: String,
}

impl TryFrom<ResponseRow> for Response {
    type Error = Error;
    fn try_from(r: ResponseRow) -> Result<Self> {
        Ok(Self {
            requirement_ref: r.requirement_ref,
            answer: Answer {
                status: r
                    .status
                    .map(|s| ResponseStatus::parse(&s).map_err(|_| corrupt("response status")))
                    .transpose()?,
                decision: r
                    .decision
                    .map(|s| {
                        AddressableDecision::parse(&s).map_err(|_| corrupt("addressable decision"))
                    })
                    .transpose()?,
                alternative: r.alternative,
                reason: r.reason,
                notes: r.notes,
                alternative_reason: r.alternative_reason,
                implementation: r.implementation,
            },
            updated_at: from_micros(r.updated_at),
            updated_by: r.updated_by,
        })
    }
}

async fn upsert_response(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    id: AssessmentId,
    r: &Response,
) -> Result<()> {
    let a = &r.answer;
    sqlx::query(
        "INSERT INTO assessment_response (assessment_id, org_id, requirement_ref, status, decision, \
         alternative, reason, notes, updated_at, updated_by, alternative_reason, implementation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (assessment_id, requirement_ref) DO UPDATE SET status = excluded.status, \
         decision = excluded.decision, alternative = excluded.alternative, reason = excluded.reason, \
         notes = excluded.notes, updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
         alternative_reason = excluded.alternative_reason, implementation = excluded.implementation",
    )
    .bind(id.as_uuid())
    .bind(scope.org_id().as_uuid())
    .bind(&r.requirement_ref)
    .bind(a.status.map(ResponseStatus::as_str))
    .bind(a.decision.map(AddressableDecision::as_str))
    .bind(&a.alternative)
    .bind(&a.reason)
    .bind(&a.notes)
    .bind(micros(r.updated_at))
    .bind(&r.updated_by)
    .bind(&a.alternative_reason)
    .bind(&a.implementation)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

const TASK_COLUMNS: &str = "t.task_id, t.org_id, t.title, t.description, t.due_date, t.assignee, t.status, \
     t.origin_kind, t.origin_ref, t.created_at, t.updated_at, t.completed_at";

#[derive(sqlx::FromRow)]
struct TaskRow {
    task_id: Uuid,
    org_id: Uuid,
    title: String,
    description: Option<String>,
    due_date: Option<String>,
    assignee: Option<String>,
    status: String,
    origin_kind: String,
    origin_ref: Option<String>,
    created_at: i64,
    updated_at: i64,
    completed_at: Option<i64>,
}

impl TryFrom<TaskRow> for Task {
    type Error = Error;
    fn try_from(r: TaskRow) -> Result<Self> {
        Ok(Self {
            id: TaskId::from_uuid(r.task_id),
            org_id: OrgId::from_uuid(r.org_id),
            title: r.title,
            description: r.description,
            due_date: date(r.due_date, "task due date")?,
            assignee: r.assignee,
            status: TaskStatus::parse(&r.status).map_err(|_| corrupt("task status"))?,
            origin_kind: r.origin_kind,
            origin_ref: r.origin_ref,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            completed_at: t(r.completed_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct OrgTaskRow {
    #[sqlx(flatten)]
    task: TaskRow,
    slug: String,
    org_name: String,
}

async fn write_task(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    t: &Task,
) -> Result<()> {
    if t.org_id != scope.org_id() {
        return Err(Error::NotFound);
    }
    sqlx::query(
        "INSERT INTO task (task_id, org_id, title, description, due_date, assignee, status, origin_kind, \
         origin_ref, created_at, updated_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(t.id.as_uuid())
    .bind(scope.org_id().as_uuid())
    .bind(&t.title)
    .bind(&t.description)
    .bind(t.due_date.map(|d| d.to_string()))
    .bind(&t.assignee)
    .bind(t.status.as_str())
    .bind(&t.origin_kind)
    .bind(&t.origin_ref)
    .bind(micros(t.created_at))
    .bind(micros(t.updated_at))
    .bind(t.completed_at.map(micros))
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn write_risk(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    r: &Risk,
) -> Result<()> {
    if r.org_id != scope.org_id() {
        return Err(Error::NotFound);
    }
    check_asset(tx, scope, r.fields.asset_id).await?;
    let f = &r.fields;
    sqlx::query(
        "INSERT INTO risk (risk_id, org_id, asset_id, asset_group, threat_key, threat_name, vulnerability, \
         likelihood, impact, inherent_score, existing_controls, residual_likelihood, residual_impact, \
         residual_score, treatment, owner, due_date, status, acceptance_rationale, accepted_by, accepted_at, \
         source, created_at, updated_at, treatment_detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
    )
    .bind(r.id.as_uuid())
    .bind(scope.org_id().as_uuid())
    .bind(f.asset_id.map(|a| a.as_uuid()))
    .bind(&f.asset_group)
    .bind(&f.threat_key)
    .bind(&f.threat_name)
    .bind(&f.vulnerability)
    .bind(i64::from(f.likelihood.get()))
    .bind(i64::from(f.impact.get()))
    .bind(i64::from(r.inherent_score()))
    .bind(&f.existing_controls)
    .bind(f.residual_likelihood.map(|v| i64::from(v.get())))
    .bind(f.residual_impact.map(|v| i64::from(v.get())))
    .bind(r.residual_score().map(i64::from))
    .bind(f.treatment.map(Treatment::as_str))
    .bind(&f.owner)
    .bind(f.due_date.map(|d| d.to_string()))
    .bind(r.status.as_str())
    .bind(&r.acceptance_rationale)
    .bind(&r.accepted_by)
    .bind(r.accepted_at.map(micros))
    .bind(&r.source)
    .bind(micros(r.created_at))
    .bind(micros(r.updated_at))
    .bind(&f.treatment_detail)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    record_history(tx, r).await
}

pub(crate) async fn assessment_is_draft(
    tx: &mut sqlx::Transaction<'static, Db>,
    scope: &TenantScope,
    id: AssessmentId,
) -> Result<()> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM assessment WHERE org_id = $1 AND assessment_id = $2",
    )
    .bind(scope.org_id().as_uuid())
    .bind(id.as_uuid())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?;
    match status.as_deref() {
        None => Err(Error::NotFound),
        Some("draft") => Ok(()),
        Some(_) => Err(Error::conflict(
            "assessment",
            "this assessment is finalized and read-only; start the next period's assessment to change answers",
        )),
    }
}

// ---------------------------------------------------------------- controls

const CONTROL_COLUMNS: &str = "c.control_id, c.org_id, c.title, c.description, c.owner, c.frequency, \
     c.next_due, c.status, c.requirement_refs, c.provided_to_all, c.created_at, c.updated_at, c.archived_at";

#[derive(sqlx::FromRow)]
struct ControlRow {
    control_id: Uuid,
    org_id: Uuid,
    title: String,
    description: Option<String>,
    owner: Option<String>,
    frequency: Option<String>,
    next_due: Option<String>,
    status: String,
    requirement_refs: String,
    provided_to_all: bool,
    created_at: i64,
    updated_at: i64,
    archived_at: Option<i64>,
}

impl ControlRow {
    fn into_control(self, provided_to: Vec<OrgId>) -> Result<Control> {
        Ok(Control {
            id: ControlId::from_uuid(self.control_id),
            org_id: OrgId::from_uuid(self.org_id),
            title: self.title,
            description: self.description,
            owner: self.owner,
            frequency: self.frequency,
            next_due: date(self.next_due, "control next due date")?,
            status: ControlStatus::parse(&self.status).map_err(|_| corrupt("control status"))?,
            requirement_refs: serde_json::from_str(&self.requirement_refs)
                .map_err(|_| corrupt("control requirements"))?,
            provided_to_all: self.provided_to_all,
            provided_to,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            archived_at: t(self.archived_at),
        })
    }
}

impl crate::Backend {
    async fn control_clients(&self, scope: &TenantScope) -> Result<Vec<(Uuid, Uuid)>> {
        sqlx::query_as(
            "SELECT cc.control_id, cc.client_org_id FROM control_client cc \
             JOIN control c ON c.control_id = cc.control_id WHERE c.org_id = $1",
        )
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)
    }
}

async fn write_control_clients(tx: &mut sqlx::Transaction<'static, Db>, c: &Control) -> Result<()> {
    sqlx::query("DELETE FROM control_client WHERE control_id = $1")
        .bind(c.id.as_uuid())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for client in &c.provided_to {
        sqlx::query(
            "INSERT INTO control_client (control_id, client_org_id) \
             SELECT $1, org_id FROM organization WHERE org_id = $2 AND kind = 'client'",
        )
        .bind(c.id.as_uuid())
        .bind(client.as_uuid())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

fn refs_json(c: &Control) -> Result<String> {
    serde_json::to_string(&c.requirement_refs).map_err(Error::internal)
}

#[async_trait]
impl RiskStore for crate::Backend {
    async fn insert_assets(
        &self,
        scope: &TenantScope,
        assets: &[Asset],
        invalidate: Option<OffsetDateTime>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        for (i, a) in assets.iter().enumerate() {
            if a.org_id != scope.org_id() {
                return Err(Error::NotFound);
            }
            check_location(&mut tx, scope, a.fields.location_id).await?;
            let f = &a.fields;
            let field = if assets.len() > 1 {
                format!("rows[{}].name", i + 1)
            } else {
                "name".to_owned()
            };
            sqlx::query(
                "INSERT INTO asset (asset_id, org_id, location_id, name, name_key, kind, ephi_role, criticality, \
                 owner, vendor, encryption_at_rest, encryption_in_transit, mfa, notes, created_at, updated_at, \
                 archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(a.id.as_uuid())
            .bind(scope.org_id().as_uuid())
            .bind(f.location_id.map(|l| l.as_uuid()))
            .bind(&f.name)
            .bind(sort_key(&f.name))
            .bind(f.kind.as_str())
            .bind(f.ephi_role.as_str())
            .bind(f.criticality.as_str())
            .bind(&f.owner)
            .bind(&f.vendor)
            .bind(f.encryption_at_rest.as_str())
            .bind(f.encryption_in_transit.as_str())
            .bind(f.mfa.as_str())
            .bind(&f.notes)
            .bind(micros(a.created_at))
            .bind(micros(a.updated_at))
            .bind(a.archived_at.map(micros))
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, &field, DUPLICATE_ASSET))?;
        }
        invalidate_sra(&mut tx, scope, invalidate).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_assets(
        &self,
        scope: &TenantScope,
        f: &AssetFilter,
        page: &PageRequest,
    ) -> Result<Page<Asset>> {
        let mut q = QueryBuilder::<Db>::new(ASSET_SELECT);
        q.push("WHERE a.org_id = ")
            .push_bind(scope.org_id().as_uuid());
        if !f.include_archived {
            q.push(" AND a.archived_at IS NULL");
        }
        if let Some(k) = f.kind {
            q.push(" AND a.kind = ").push_bind(k.as_str());
        }
        if f.ephi_only {
            q.push(" AND a.ephi_role IN ('stores', 'processes', 'transmits')");
        }
        if let Some(l) = f.location {
            q.push(" AND a.location_id = ").push_bind(l.as_uuid());
        }
        if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(term);
            q.push(" AND (a.name_key LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(a.owner, '')) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(a.vendor, '')) LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(c) = &page.after {
            let id = cursor_id(c)?;
            q.push(" AND (a.name_key > ")
                .push_bind(c.key.clone())
                .push(" OR (a.name_key = ")
                .push_bind(c.key.clone())
                .push(" AND a.asset_id > ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY a.name_key, a.asset_id LIMIT ")
            .push(page.fetch());
        let rows: Vec<AssetRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let items = rows
            .into_iter()
            .map(Asset::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page, |a: &Asset| Cursor {
            key: sort_key(&a.fields.name),
            id: a.id.to_string(),
        }))
    }

    async fn all_assets(&self, scope: &TenantScope) -> Result<Vec<Asset>> {
        let rows: Vec<AssetRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{ASSET_SELECT} WHERE a.org_id = $1 AND a.archived_at IS NULL ORDER BY a.name_key, a.asset_id"
        )))
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(Asset::try_from).collect()
    }

    async fn get_asset(&self, scope: &TenantScope, id: AssetId) -> Result<Asset> {
        let row: AssetRow = sqlx::query_as(AssertSqlSafe(format!(
            "{ASSET_SELECT} WHERE a.org_id = $1 AND a.asset_id = $2"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Asset::try_from(row)
    }

    async fn update_asset(
        &self,
        scope: &TenantScope,
        a: &Asset,
        invalidate: Option<OffsetDateTime>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        check_location(&mut tx, scope, a.fields.location_id).await?;
        let f = &a.fields;
        let done = sqlx::query(
            "UPDATE asset SET location_id = $1, name = $2, name_key = $3, kind = $4, ephi_role = $5, \
             criticality = $6, owner = $7, vendor = $8, encryption_at_rest = $9, encryption_in_transit = $10, \
             mfa = $11, notes = $12, updated_at = $13, archived_at = $14 WHERE org_id = $15 AND asset_id = $16",
        )
        .bind(f.location_id.map(|l| l.as_uuid()))
        .bind(&f.name)
        .bind(sort_key(&f.name))
        .bind(f.kind.as_str())
        .bind(f.ephi_role.as_str())
        .bind(f.criticality.as_str())
        .bind(&f.owner)
        .bind(&f.vendor)
        .bind(f.encryption_at_rest.as_str())
        .bind(f.encryption_in_transit.as_str())
        .bind(f.mfa.as_str())
        .bind(&f.notes)
        .bind(micros(a.updated_at))
        .bind(a.archived_at.map(micros))
        .bind(scope.org_id().as_uuid())
        .bind(a.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "name", DUPLICATE_ASSET))?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        invalidate_sra(&mut tx, scope, invalidate).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_custom_threats(&self, scope: &TenantScope) -> Result<Vec<CustomThreat>> {
        type Row = (
            Uuid,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT threat_id, threat_key, name, category, description, asset_kinds, vulnerabilities, created_at \
             FROM custom_threat WHERE org_id = $1 ORDER BY name, threat_id",
        )
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, key, name, category, description, kinds, vulns, at)| {
                let kinds: Vec<String> =
                    serde_json::from_str(&kinds).map_err(|_| corrupt("threat asset kinds"))?;
                Ok(CustomThreat {
                    id: ThreatId::from_uuid(id),
                    key,
                    name,
                    category,
                    description,
                    asset_kinds: kinds
                        .iter()
                        .map(|k| AssetKind::parse(k).map_err(|_| corrupt("threat asset kind")))
                        .collect::<Result<_>>()?,
                    vulnerabilities: serde_json::from_str(&vulns)
                        .map_err(|_| corrupt("threat vulnerabilities"))?,
                    created_at: from_micros(at),
                })
            })
            .collect()
    }

    async fn insert_custom_threat(
        &self,
        scope: &TenantScope,
        th: &CustomThreat,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let kinds: Vec<&str> = th.asset_kinds.iter().map(|k| k.as_str()).collect();
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO custom_threat (threat_id, org_id, threat_key, name, category, description, asset_kinds, \
             vulnerabilities, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(th.id.as_uuid())
        .bind(scope.org_id().as_uuid())
        .bind(&th.key)
        .bind(&th.name)
        .bind(&th.category)
        .bind(&th.description)
        .bind(serde_json::to_string(&kinds).map_err(Error::internal)?)
        .bind(serde_json::to_string(&th.vulnerabilities).map_err(Error::internal)?)
        .bind(micros(th.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_or(e, "name", "a threat with this name already exists in this organization"))?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn insert_risk(
        &self,
        scope: &TenantScope,
        risk: &Risk,
        task: Option<&Task>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        write_risk(&mut tx, scope, risk).await?;
        if let Some(t) = task {
            write_task(&mut tx, scope, t).await?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_risks(
        &self,
        scope: &TenantScope,
        f: &RiskFilter,
        page: &PageRequest,
    ) -> Result<Page<Risk>> {
        let mut q = QueryBuilder::<Db>::new(RISK_SELECT);
        q.push("WHERE r.org_id = ")
            .push_bind(scope.org_id().as_uuid());
        if let Some(s) = f.status {
            q.push(" AND r.status = ").push_bind(s.as_str());
        } else if !f.include_closed {
            q.push(" AND r.status <> 'closed'");
        }
        if let Some(a) = f.asset {
            q.push(" AND r.asset_id = ").push_bind(a.as_uuid());
        }
        if let Some(m) = f.min_score {
            q.push(" AND r.inherent_score >= ").push_bind(i64::from(m));
        }
        if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = like_pattern(term);
            q.push(" AND (LOWER(r.threat_name) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(r.vulnerability) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(r.owner, '')) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(r.asset_group, '')) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR COALESCE(a.name_key, '') LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(c) = &page.after {
            let id = cursor_id(c)?;
            let k: i64 = c
                .key
                .parse()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this server issued"))?;
            q.push(" AND (r.inherent_score < ")
                .push_bind(k)
                .push(" OR (r.inherent_score = ")
                .push_bind(k)
                .push(" AND r.risk_id > ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY r.inherent_score DESC, r.risk_id LIMIT ")
            .push(page.fetch());
        let rows: Vec<RiskRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let items = rows
            .into_iter()
            .map(Risk::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page, |r: &Risk| Cursor {
            key: r.inherent_score().to_string(),
            id: r.id.to_string(),
        }))
    }

    async fn all_risks(&self, scope: &TenantScope) -> Result<Vec<Risk>> {
        let rows: Vec<RiskRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{RISK_SELECT} WHERE r.org_id = $1 ORDER BY r.inherent_score DESC, r.risk_id"
        )))
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(Risk::try_from).collect()
    }

    async fn risk_heat(&self, scope: &TenantScope) -> Result<HeatCounts> {
        // Grouped on the raw columns in the order of the `risk_heat` index, which covers the
        // query: no row is read and no sort is needed. The current cell is derived below.
        type Row = (i64, i64, Option<i64>, Option<i64>, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT likelihood, impact, residual_likelihood, residual_impact, COUNT(*) AS n \
             FROM risk WHERE org_id = $1 AND status <> 'closed' \
             GROUP BY likelihood, impact, residual_likelihood, residual_impact",
        )
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut h = HeatCounts::default();
        let cell = |v: i64| {
            usize::try_from(v - 1)
                .ok()
                .filter(|c| *c < 5)
                .ok_or_else(|| corrupt("risk rating"))
        };
        for (l, i, rl, ri, n) in rows {
            let n = u32::try_from(n).map_err(|_| corrupt("risk count"))?;
            let (cl, ci) = match (rl, ri) {
                (Some(rl), Some(ri)) => (rl, ri),
                _ => (l, i),
            };
            h.inherent[cell(l)?][cell(i)?] += n;
            h.current[cell(cl)?][cell(ci)?] += n;
        }
        Ok(h)
    }

    async fn get_risk(&self, scope: &TenantScope, id: RiskId) -> Result<Risk> {
        let row: RiskRow = sqlx::query_as(AssertSqlSafe(format!(
            "{RISK_SELECT} WHERE r.org_id = $1 AND r.risk_id = $2"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Risk::try_from(row)
    }

    async fn update_risk(
        &self,
        scope: &TenantScope,
        r: &Risk,
        task: Option<&Task>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        check_asset(&mut tx, scope, r.fields.asset_id).await?;
        let f = &r.fields;
        let done = sqlx::query(
            "UPDATE risk SET asset_id = $1, asset_group = $2, threat_key = $3, threat_name = $4, vulnerability = $5, \
             likelihood = $6, impact = $7, inherent_score = $8, existing_controls = $9, residual_likelihood = $10, \
             residual_impact = $11, residual_score = $12, treatment = $13, owner = $14, due_date = $15, status = $16, \
             acceptance_rationale = $17, accepted_by = $18, accepted_at = $19, updated_at = $20, \
             treatment_detail = $23 WHERE org_id = $21 AND risk_id = $22",
        )
        .bind(f.asset_id.map(|a| a.as_uuid()))
        .bind(&f.asset_group)
        .bind(&f.threat_key)
        .bind(&f.threat_name)
        .bind(&f.vulnerability)
        .bind(i64::from(f.likelihood.get()))
        .bind(i64::from(f.impact.get()))
        .bind(i64::from(r.inherent_score()))
        .bind(&f.existing_controls)
        .bind(f.residual_likelihood.map(|v| i64::from(v.get())))
        .bind(f.residual_impact.map(|v| i64::from(v.get())))
        .bind(r.residual_score().map(i64::from))
        .bind(f.treatment.map(Treatment::as_str))
        .bind(&f.owner)
        .bind(f.due_date.map(|d| d.to_string()))
        .bind(r.status.as_str())
        .bind(&r.acceptance_rationale)
        .bind(&r.accepted_by)
        .bind(r.accepted_at.map(micros))
        .bind(micros(r.updated_at))
        .bind(scope.org_id().as_uuid())
        .bind(r.id.as_uuid())
        .bind(&f.treatment_detail)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        record_history(&mut tx, r).await?;
        if let Some(t) = task {
            write_task(&mut tx, scope, t).await?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn risk_history(&self, scope: &TenantScope) -> Result<Vec<(RiskId, RiskSnapshot)>> {
        type Row = (Uuid, i64, i64, Option<i64>, String);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT risk_id, at, inherent_score, residual_score, status FROM risk_history \
             WHERE org_id = $1 ORDER BY at, risk_id",
        )
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, at, inherent, residual, status)| {
                let small = |v: i64| u8::try_from(v).map_err(|_| corrupt("risk score"));
                Ok((
                    RiskId::from_uuid(id),
                    RiskSnapshot {
                        at: from_micros(at),
                        inherent_score: small(inherent)?,
                        residual_score: residual.map(small).transpose()?,
                        status: RiskStatus::parse(&status).map_err(|_| corrupt("risk status"))?,
                    },
                ))
            })
            .collect()
    }

    async fn insert_assessment(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        responses: &[Response],
        event: &NewAuditEvent,
    ) -> Result<()> {
        if a.org_id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO assessment (assessment_id, org_id, period, status, scope, copied_from, started_at, \
             started_by, finalized_at, finalized_by, snapshot_sha256, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL, NULL)",
        )
        .bind(a.id.as_uuid())
        .bind(scope.org_id().as_uuid())
        .bind(&a.period)
        .bind(a.status.as_str())
        .bind(&a.scope)
        .bind(a.copied_from.map(|c| c.as_uuid()))
        .bind(micros(a.started_at))
        .bind(&a.started_by)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            unique_or(e, "period", "this organization already has an assessment for this period")
        })?;
        for r in responses {
            upsert_response(&mut tx, scope, a.id, r).await?;
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_assessments(&self, scope: &TenantScope) -> Result<Vec<Assessment>> {
        let rows: Vec<AssessmentRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM assessment WHERE org_id = $1 ORDER BY started_at DESC, assessment_id"
        )))
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(Assessment::try_from).collect()
    }

    async fn get_assessment(&self, scope: &TenantScope, id: AssessmentId) -> Result<Assessment> {
        let row: AssessmentRow = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM assessment WHERE org_id = $1 AND assessment_id = $2"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Assessment::try_from(row)
    }

    async fn responses(&self, scope: &TenantScope, id: AssessmentId) -> Result<Vec<Response>> {
        let rows: Vec<ResponseRow> = sqlx::query_as(
            "SELECT requirement_ref, status, decision, alternative, reason, notes, alternative_reason, \
             implementation, updated_at, updated_by \
             FROM assessment_response WHERE org_id = $1 AND assessment_id = $2 ORDER BY requirement_ref",
        )
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(Response::try_from).collect()
    }

    async fn put_response(
        &self,
        scope: &TenantScope,
        id: AssessmentId,
        r: &Response,
        made: Made<'_>,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        assessment_is_draft(&mut tx, scope, id).await?;
        upsert_response(&mut tx, scope, id, r).await?;
        match made {
            Made::Nothing => {}
            Made::Risk(risk) => write_risk(&mut tx, scope, risk).await?,
            Made::Task(task) => write_task(&mut tx, scope, task).await?,
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn finalize_assessment(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        snapshot: &str,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        assessment_is_draft(&mut tx, scope, a.id).await?;
        super::sra::write_record(&mut tx, scope, a).await?;
        let done = sqlx::query(
            "UPDATE assessment SET status = 'final', finalized_at = $1, finalized_by = $2, snapshot_sha256 = $3, \
             snapshot = $4, checks_version = $7 WHERE org_id = $5 AND assessment_id = $6 AND status = 'draft'",
        )
        .bind(a.finalized_at.map(micros))
        .bind(&a.finalized_by)
        .bind(&a.snapshot_sha256)
        .bind(snapshot)
        .bind(scope.org_id().as_uuid())
        .bind(a.id.as_uuid())
        .bind(a.checks_version.map(i64::from))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn assessment_snapshot(
        &self,
        scope: &TenantScope,
        id: AssessmentId,
    ) -> Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT snapshot FROM assessment WHERE org_id = $1 AND assessment_id = $2",
        )
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)
    }

    async fn insert_task(
        &self,
        scope: &TenantScope,
        t: &Task,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        write_task(&mut tx, scope, t).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_tasks(&self, scope: &TenantScope, f: &TaskFilter) -> Result<Vec<Task>> {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {TASK_COLUMNS} FROM task t WHERE t.org_id = "
        ));
        q.push_bind(scope.org_id().as_uuid());
        if let Some(s) = f.status {
            q.push(" AND t.status = ").push_bind(s.as_str());
        }
        if let Some(d) = f.overdue_on {
            q.push(" AND t.status = 'open' AND t.due_date < ")
                .push_bind(d.to_string());
        }
        if let Some(k) = &f.origin_kind {
            q.push(" AND t.origin_kind = ").push_bind(k.clone());
        }
        if let Some(r) = &f.origin_ref {
            q.push(" AND t.origin_ref = ").push_bind(r.clone());
        }
        q.push(" ORDER BY CASE WHEN t.due_date IS NULL THEN 1 ELSE 0 END, t.due_date, t.created_at, t.task_id");
        let rows: Vec<TaskRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(Task::try_from).collect()
    }

    async fn get_task(&self, scope: &TenantScope, id: TaskId) -> Result<Task> {
        let row: TaskRow = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM task t WHERE t.org_id = $1 AND t.task_id = $2"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Task::try_from(row)
    }

    async fn update_task(
        &self,
        scope: &TenantScope,
        t: &Task,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE task SET title = $1, description = $2, due_date = $3, assignee = $4, status = $5, \
             updated_at = $6, completed_at = $7 WHERE org_id = $8 AND task_id = $9",
        )
        .bind(&t.title)
        .bind(&t.description)
        .bind(t.due_date.map(|d| d.to_string()))
        .bind(&t.assignee)
        .bind(t.status.as_str())
        .bind(micros(t.updated_at))
        .bind(t.completed_at.map(micros))
        .bind(scope.org_id().as_uuid())
        .bind(t.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn overdue_tasks(
        &self,
        visible: &OrgVisibility,
        today: time::Date,
        limit: i64,
    ) -> Result<Vec<OrgTask>> {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {TASK_COLUMNS}, o.slug, o.name AS org_name FROM task t JOIN organization o ON o.org_id = t.org_id \
             WHERE o.archived_at IS NULL AND t.status = 'open' AND t.due_date < "
        ));
        q.push_bind(today.to_string());
        if !super::push_visible(&mut q, visible, "t.org_id") {
            return Ok(Vec::new());
        }
        q.push(" ORDER BY t.due_date, o.name_key, t.task_id LIMIT ")
            .push(limit);
        let rows: Vec<OrgTaskRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(OrgTask {
                    org_slug: r.slug,
                    org_name: r.org_name,
                    task: Task::try_from(r.task)?,
                })
            })
            .collect()
    }

    async fn insert_control(
        &self,
        scope: &TenantScope,
        c: &Control,
        event: &NewAuditEvent,
    ) -> Result<()> {
        if c.org_id != scope.org_id() {
            return Err(Error::NotFound);
        }
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO control (control_id, org_id, title, description, owner, frequency, next_due, status, \
             requirement_refs, provided_to_all, created_at, updated_at, archived_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(c.id.as_uuid())
        .bind(scope.org_id().as_uuid())
        .bind(&c.title)
        .bind(&c.description)
        .bind(&c.owner)
        .bind(&c.frequency)
        .bind(c.next_due.map(|d| d.to_string()))
        .bind(c.status.as_str())
        .bind(refs_json(c)?)
        .bind(c.provided_to_all)
        .bind(micros(c.created_at))
        .bind(micros(c.updated_at))
        .bind(c.archived_at.map(micros))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        write_control_clients(&mut tx, c).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn list_controls(&self, scope: &TenantScope) -> Result<Vec<Control>> {
        let rows: Vec<ControlRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CONTROL_COLUMNS} FROM control c WHERE c.org_id = $1 ORDER BY c.title, c.control_id"
        )))
        .bind(scope.org_id().as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let clients = self.control_clients(scope).await?;
        rows.into_iter()
            .map(|r| {
                let to = clients
                    .iter()
                    .filter(|(c, _)| *c == r.control_id)
                    .map(|(_, o)| OrgId::from_uuid(*o))
                    .collect();
                r.into_control(to)
            })
            .collect()
    }

    async fn get_control(&self, scope: &TenantScope, id: ControlId) -> Result<Control> {
        let row: ControlRow = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CONTROL_COLUMNS} FROM control c WHERE c.org_id = $1 AND c.control_id = $2"
        )))
        .bind(scope.org_id().as_uuid())
        .bind(id.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let to: Vec<Uuid> =
            sqlx::query_scalar("SELECT client_org_id FROM control_client WHERE control_id = $1")
                .bind(id.as_uuid())
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        row.into_control(to.into_iter().map(OrgId::from_uuid).collect())
    }

    async fn update_control(
        &self,
        scope: &TenantScope,
        c: &Control,
        event: &NewAuditEvent,
    ) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE control SET title = $1, description = $2, owner = $3, frequency = $4, next_due = $5, \
             status = $6, requirement_refs = $7, provided_to_all = $8, updated_at = $9, archived_at = $10 \
             WHERE org_id = $11 AND control_id = $12",
        )
        .bind(&c.title)
        .bind(&c.description)
        .bind(&c.owner)
        .bind(&c.frequency)
        .bind(c.next_due.map(|d| d.to_string()))
        .bind(c.status.as_str())
        .bind(refs_json(c)?)
        .bind(c.provided_to_all)
        .bind(micros(c.updated_at))
        .bind(c.archived_at.map(micros))
        .bind(scope.org_id().as_uuid())
        .bind(c.id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        write_control_clients(&mut tx, c).await?;
        audit::append(&mut tx, event).await?;
        commit(tx).await
    }

    async fn controls_provided_to(
        &self,
        provider: &TenantScope,
        client: OrgId,
    ) -> Result<Vec<Control>> {
        let rows: Vec<ControlRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CONTROL_COLUMNS} FROM control c WHERE c.org_id = $1 AND c.archived_at IS NULL AND \
             (c.provided_to_all OR EXISTS (SELECT 1 FROM control_client cc WHERE cc.control_id = c.control_id \
             AND cc.client_org_id = $2)) ORDER BY c.title, c.control_id"
        )))
        .bind(provider.org_id().as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.into_iter()
            .map(|r| r.into_control(vec![client]))
            .collect()
    }
}
