//! Getting a draft risk analysis ready to finalize: its details (who prepared it, its scope),
//! a reviewed statement when there are no ePHI systems, the checks of [`super::checks`], and
//! the organization's sign-off over the exact content it approves.
//!
//! A client's analysis is approved by the client: its administrator or its named security
//! official (164.308(a)(2)), never by the MSP that prepared it. The MSP's preparer is named
//! apart. The sign-off carries a digest of what was signed, so any later change voids it.

use safeharbor_domain::ids::AssessmentId;
use safeharbor_domain::org::OrgKind;
use safeharbor_domain::risk::{AssessmentStatus, BLOCK_MAX, LINE_MAX, NoEphiStatement, SignOff};
use safeharbor_domain::user::Role;
use safeharbor_domain::{Invalid, text};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::checks::{CheckInput, Gap, GapTarget, gaps};
use super::{SraDocument, live_document};
use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};

/// Where the organization's sign-off stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SignOffState {
    /// Nobody has signed off.
    Missing,
    /// Signed off on the content as it is now.
    Valid {
        /// The sign-off.
        sign_off: SignOff,
    },
    /// Signed off, but the content changed since: it must be signed again.
    Stale {
        /// The void sign-off.
        sign_off: SignOff,
    },
}

/// Whether a draft can be finalized, and what is missing.
#[derive(Debug, Clone, Serialize)]
pub struct FinalizeReadiness {
    /// What the analysis still lacks, item by item.
    pub gaps: Vec<Gap>,
    /// The organization's sign-off.
    pub sign_off: SignOffState,
    /// In what capacity the caller may sign off, if they may.
    pub caller_may_sign_as: Option<String>,
    /// The digest of the content as it is now.
    pub digest: String,
}

impl FinalizeReadiness {
    /// Whether the caller can finalize now: nothing missing, and a valid sign-off or one the
    /// caller gives in finalizing.
    pub fn can_finalize(&self) -> bool {
        self.gaps.is_empty()
            && (matches!(self.sign_off, SignOffState::Valid { .. })
                || self.caller_may_sign_as.is_some())
    }

    /// Every gap, plus the sign-off when it is still missing and the caller cannot give it.
    pub fn blockers(&self) -> Vec<Gap> {
        let mut out = self.gaps.clone();
        if !matches!(self.sign_off, SignOffState::Valid { .. }) && self.caller_may_sign_as.is_none()
        {
            out.push(Gap {
                field: "sign_off".into(),
                message: match self.sign_off {
                    SignOffState::Stale { .. } => {
                        "The analysis changed after it was signed off: the organization's \
                         administrator or security official must sign it off again."
                    }
                    _ => {
                        "The organization's administrator or its security official must sign \
                         off the analysis (the MSP prepares it; the organization approves it)."
                    }
                }
                .into(),
                target: GapTarget::SignOff,
            });
        }
        out
    }
}

/// The digest of what a sign-off approves: the whole document except when it was assembled,
/// who took part, and the sign-off itself.
pub(super) fn digest(doc: &SraDocument) -> Result<String> {
    let mut d = doc.clone();
    d.generated_at = time::OffsetDateTime::UNIX_EPOCH;
    d.assessment.sign_off = None;
    d.participants.clear();
    let json = serde_json::to_string(&d).map_err(Error::internal)?;
    Ok(hex::encode(Sha256::digest(json.as_bytes())))
}

/// In what capacity the caller may approve the organization's analysis: as its administrator
/// (a client administrator of a client; a provider administrator of the provider itself) or
/// as its named security official with a membership in it. The MSP's staff and administrators
/// cannot approve a client's analysis.
pub(super) fn sign_capacity(
    caller: &Caller,
    scope: &TenantScope,
    official_email: Option<&str>,
) -> Option<String> {
    let org = scope.org();
    let mine = caller.memberships().iter().filter(|m| m.org_id == org.id);
    let admin_role = match org.kind {
        OrgKind::Client => Role::ClientAdmin,
        OrgKind::Provider => Role::ProviderAdmin,
    };
    if mine.clone().any(|m| m.role == admin_role) {
        return Some(match org.kind {
            OrgKind::Client => "client administrator".into(),
            OrgKind::Provider => "provider administrator".into(),
        });
    }
    let email = caller.user().map(|u| u.email.as_str())?;
    (official_email == Some(email) && mine.clone().any(|m| m.role != Role::Auditor))
        .then(|| "security official".into())
}

/// Evaluates a live document for the caller.
pub(super) async fn evaluate(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    doc: &SraDocument,
) -> Result<FinalizeReadiness> {
    let category_of = crate::considerations::category_map(app, scope).await?;
    let acceptance_max = doc
        .profile
        .risk_acceptance_max
        .unwrap_or(app.settings().risk_thresholds.low_max);
    let gaps = gaps(&CheckInput {
        doc,
        category_of: &category_of,
        acceptance_max,
    });
    let digest = digest(doc)?;
    let sign_off = match &doc.assessment.sign_off {
        None => SignOffState::Missing,
        Some(s) if s.digest == digest => SignOffState::Valid {
            sign_off: s.clone(),
        },
        Some(s) => SignOffState::Stale {
            sign_off: s.clone(),
        },
    };
    let official = doc
        .profile
        .security_official
        .as_ref()
        .and_then(|o| o.email.as_deref());
    Ok(FinalizeReadiness {
        gaps,
        sign_off,
        caller_may_sign_as: sign_capacity(caller, scope, official),
        digest,
    })
}

async fn draft_doc(app: &App, scope: &TenantScope, id: AssessmentId) -> Result<SraDocument> {
    let a = app.store.get_assessment(scope, id).await?;
    if a.status == AssessmentStatus::Final {
        return Err(Error::conflict(
            "assessment",
            "this risk analysis is finalized and read-only",
        ));
    }
    live_document(app, scope, a).await
}

/// What a draft still lacks before it can be finalized, and where the sign-off stands.
pub async fn readiness(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
) -> Result<FinalizeReadiness> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let doc = draft_doc(app, &scope, id).await?;
    evaluate(app, caller, &scope, &doc).await
}

/// The organization approves the draft as it stands. Refused while anything is missing (a
/// sign-off approves a complete analysis) and for anyone but the organization's
/// administrator or security official.
pub async fn sign_off(app: &App, caller: &Caller, slug: &str, id: AssessmentId) -> Result<SignOff> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    let mut doc = draft_doc(app, &scope, id).await?;
    let ready = evaluate(app, caller, &scope, &doc).await?;
    let Some(capacity) = ready.caller_may_sign_as.clone() else {
        return Err(Error::Forbidden(
            "only the organization's administrator or its security official can sign off its risk analysis",
        ));
    };
    if !ready.gaps.is_empty() {
        return Err(incomplete(ready.gaps));
    }
    let now = app.now();
    let s = SignOff {
        by: caller.actor_label(),
        capacity,
        at: now,
        digest: ready.digest,
    };
    doc.assessment.sign_off = Some(s.clone());
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "assessment.sign_off",
        "assessment",
        Some(id.to_string()),
        format!(
            "risk analysis {} signed off as {} (content sha256 {})",
            doc.assessment.period, s.capacity, s.digest
        ),
    );
    app.store
        .update_assessment_record(&scope, &doc.assessment, &event)
        .await?;
    Ok(s)
}

/// Converts gaps into the refusal the API and pages show.
pub(super) fn incomplete(gaps: Vec<Gap>) -> Error {
    Error::Incomplete(
        gaps.into_iter()
            .map(|g| Invalid::new(g.field, g.message))
            .collect(),
    )
}

/// Sets who prepared the draft and what it covers.
pub async fn set_details(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
    prepared_by: &str,
    scope_text: &str,
) -> Result<()> {
    let prepared_by = text::optional_line("prepared_by", Some(prepared_by), LINE_MAX)?;
    let scope_text = text::optional_block("scope", Some(scope_text), BLOCK_MAX)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    let mut a = app.store.get_assessment(&scope, id).await?;
    refuse_final(&a)?;
    a.prepared_by = prepared_by;
    a.scope = scope_text;
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "assessment.details",
        "assessment",
        Some(id.to_string()),
        format!("risk analysis {} details updated", a.period),
    );
    app.store.update_assessment_record(&scope, &a, &event).await
}

fn refuse_final(a: &safeharbor_domain::risk::Assessment) -> Result<()> {
    if a.status == AssessmentStatus::Final {
        return Err(Error::conflict(
            "assessment",
            "this risk analysis is finalized and read-only",
        ));
    }
    Ok(())
}

/// Records (or withdraws, with an empty statement) a reasoned statement that the organization
/// has no system that creates, receives, maintains or transmits ePHI. A changed statement needs
/// confirming again.
pub async fn set_no_ephi(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
    statement: &str,
) -> Result<()> {
    let statement = text::optional_block("statement", Some(statement), BLOCK_MAX)?;
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    let mut a = app.store.get_assessment(&scope, id).await?;
    refuse_final(&a)?;
    a.no_ephi = statement.map(|statement| NoEphiStatement {
        statement,
        written_by: caller.actor_label(),
        confirmed_by: None,
        confirmed_at: None,
    });
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "assessment.no_ephi",
        "assessment",
        Some(id.to_string()),
        if a.no_ephi.is_some() {
            "statement that there are no ePHI systems recorded"
        } else {
            "statement that there are no ePHI systems withdrawn"
        },
    );
    app.store.update_assessment_record(&scope, &a, &event).await
}

/// A reviewer (an administrator of the organization other than the statement's writer)
/// confirms the no-ePHI statement.
pub async fn confirm_no_ephi(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssessmentId,
) -> Result<()> {
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    let mut a = app.store.get_assessment(&scope, id).await?;
    refuse_final(&a)?;
    let me = caller.actor_label();
    let now = app.now();
    let Some(s) = a.no_ephi.as_mut() else {
        return Err(Error::invalid(
            "statement",
            "there is no statement to confirm; write one first",
        ));
    };
    if s.written_by == me {
        return Err(Error::invalid(
            "statement",
            "another administrator must confirm a statement you wrote",
        ));
    }
    s.confirmed_by = Some(me);
    s.confirmed_at = Some(now);
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "assessment.no_ephi_confirm",
        "assessment",
        Some(id.to_string()),
        "statement that there are no ePHI systems confirmed",
    );
    app.store.update_assessment_record(&scope, &a, &event).await
}
