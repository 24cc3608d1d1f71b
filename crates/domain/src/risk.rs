//! The risk analysis vocabulary: assets and their ePHI role, likelihood and impact scales,
//! scores and levels, treatments (45 CFR 164.308(a)(1)(ii)(A)-(B)), in the manner of NIST SP
//! 800-30.

use serde::{Deserialize, Serialize};

use crate::Invalid;

macro_rules! str_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($(#[$vdoc:meta])* $variant:ident => ($wire:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and wire form.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),+ }
            }

            /// A label for people.
            pub const fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }

            /// Parses the stored and wire form; the error names the field and the choices.
            pub fn parse(s: &str) -> Result<Self, Invalid> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == t).ok_or_else(|| {
                    let choices: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    Invalid::new($field, format!("must be one of {}", choices.join(", ")))
                })
            }
        }
    };
}

str_enum!(
    /// What an asset is.
    AssetKind, "kind", {
        /// Electronic health record or practice management system.
        Ehr => ("ehr", "EHR / practice management"),
        /// Imaging (PACS) systems and modalities' storage.
        Pacs => ("pacs", "PACS / imaging"),
        /// Telephony, including call recording and voicemail.
        Voip => ("voip", "VoIP telephony"),
        /// SD-WAN edge devices and circuits.
        SdWan => ("sd_wan", "SD-WAN"),
        /// Firewalls, switches, wireless.
        Network => ("network", "Network gear"),
        /// Hosted desktops delivered as a service.
        Daas => ("daas", "Desktop as a service"),
        /// Backup systems and repositories.
        Backup => ("backup", "Backup"),
        /// Servers, physical or virtual.
        Server => ("server", "Server"),
        /// Desktop workstations.
        Workstation => ("workstation", "Workstation"),
        /// Laptops.
        Laptop => ("laptop", "Laptop"),
        /// Phones and tablets.
        Mobile => ("mobile", "Phone or tablet"),
        /// Software as a service.
        CloudApp => ("cloud_app", "Cloud application"),
        /// Connected medical devices.
        MedicalDevice => ("medical_device", "Medical device"),
        /// USB drives, discs, tapes.
        RemovableMedia => ("removable_media", "Removable media"),
        /// Paper records.
        Paper => ("paper", "Paper records"),
        /// Anything else.
        Other => ("other", "Other"),
    }
);

str_enum!(
    /// What an asset does with ePHI.
    EphiRole, "ephi_role", {
        /// Keeps ePHI.
        Stores => ("stores", "Stores ePHI"),
        /// Works on ePHI without keeping it.
        Processes => ("processes", "Processes ePHI"),
        /// Carries ePHI.
        Transmits => ("transmits", "Transmits ePHI"),
        /// Holds PHI on paper only: PHI under the Privacy Rule, but not ePHI, so the Security
        /// Rule's safeguards do not reach it.
        PhiOnPaper => ("phi_on_paper", "PHI on paper (not ePHI)"),
        /// No ePHI.
        None => ("none", "No ePHI"),
    }
);

impl EphiRole {
    /// Whether the asset creates, receives, maintains or transmits electronic PHI: what the
    /// Security Rule protects.
    pub const fn is_ephi(self) -> bool {
        matches!(self, Self::Stores | Self::Processes | Self::Transmits)
    }
}

str_enum!(
    /// How much the practice depends on an asset.
    Criticality, "criticality", {
        /// Inconvenient if lost.
        Low => ("low", "Low"),
        /// Work slows.
        Moderate => ("moderate", "Moderate"),
        /// Care or billing is disrupted.
        High => ("high", "High"),
        /// Patient care stops.
        Critical => ("critical", "Critical"),
    }
);

str_enum!(
    /// Whether a protection is in place.
    Protection, "protection", {
        /// In place.
        Yes => ("yes", "Yes"),
        /// Not in place.
        No => ("no", "No"),
        /// Not known.
        Unknown => ("unknown", "Unknown"),
        /// Does not apply.
        NotApplicable => ("na", "Not applicable"),
    }
);

str_enum!(
    /// How a risk is answered.
    Treatment, "treatment", {
        /// Reduce it with measures.
        Mitigate => ("mitigate", "Mitigate"),
        /// Keep it, with a recorded rationale.
        Accept => ("accept", "Accept"),
        /// Move it to another party (insurance, a vendor under a BAA).
        Transfer => ("transfer", "Transfer"),
        /// Stop the activity that causes it.
        Avoid => ("avoid", "Avoid"),
    }
);

str_enum!(
    /// Where a risk stands.
    RiskStatus, "status", {
        /// Identified, not yet treated.
        Open => ("open", "Open"),
        /// Treatment under way.
        InTreatment => ("in_treatment", "In treatment"),
        /// Accepted, with a rationale.
        Accepted => ("accepted", "Accepted"),
        /// Treated or no longer applicable.
        Closed => ("closed", "Closed"),
    }
);

/// A 1-5 rating (likelihood or impact). `field` names it in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Rating(u8);

impl TryFrom<i64> for Rating {
    type Error = Invalid;
    fn try_from(v: i64) -> Result<Self, Invalid> {
        Self::parse("rating", v)
    }
}

impl From<Rating> for i64 {
    fn from(r: Rating) -> Self {
        Self::from(r.0)
    }
}

impl Rating {
    /// Parses a rating of 1 to 5.
    pub fn parse(field: &str, v: i64) -> Result<Self, Invalid> {
        match u8::try_from(v) {
            Ok(n @ 1..=5) => Ok(Self(n)),
            _ => Err(Invalid::new(field, "must be a whole number from 1 to 5")),
        }
    }

    /// The value, 1 to 5.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// What each likelihood rating means.
pub const LIKELIHOOD_SCALE: [(u8, &str, &str); 5] = [
    (
        1,
        "Rare",
        "Not expected in the next few years; no history here or at similar practices.",
    ),
    (
        2,
        "Unlikely",
        "Could happen within a few years; it has happened at similar practices.",
    ),
    (
        3,
        "Possible",
        "Could well happen within a year or two; weaknesses are known.",
    ),
    (
        4,
        "Likely",
        "Expected within a year; it happens regularly at similar practices.",
    ),
    (
        5,
        "Almost certain",
        "Expected within months, or already happening.",
    ),
];

/// What each impact rating means.
pub const IMPACT_SCALE: [(u8, &str, &str); 5] = [
    (
        1,
        "Negligible",
        "No ePHI exposed; minutes of disruption; no patient effect.",
    ),
    (
        2,
        "Minor",
        "A few records exposed or briefly unavailable; a breach still means notice to each individual, and a line in the annual log to HHS.",
    ),
    (
        3,
        "Moderate",
        "Tens of records exposed, or hours of disruption to care or billing.",
    ),
    (
        4,
        "Major",
        "Hundreds of records (fewer than 500 individuals) exposed, or days of disruption.",
    ),
    (
        5,
        "Severe",
        "500 or more individuals (HHS told at the same time as they are; the media too where more than 500 live in one State or jurisdiction), or care stops for days.",
    ),
];

/// What a breach of unsecured PHI sets off, for readers of the impact scale: the Breach
/// Notification Rule as it stands (45 CFR 164.404-164.408).
pub const BREACH_NOTICE_RULE: &str = "Whatever its size, a breach of unsecured PHI is notified \
to each affected individual without unreasonable delay and no later than 60 days after discovery \
(164.404). The Secretary of HHS is notified at the same time when 500 or more individuals are \
affected, otherwise in the annual log due within 60 days after the end of the calendar year \
(164.408). Prominent media outlets are notified only when more than 500 residents of one State \
or jurisdiction are affected (164.406).";

/// A likelihood × impact score, 1 to 25.
pub fn score(likelihood: Rating, impact: Rating) -> u8 {
    likelihood.get() * impact.get()
}

str_enum!(
    /// A risk level, from the score and the installation's thresholds.
    RiskLevel, "level", {
        /// Low.
        Low => ("low", "Low"),
        /// Medium.
        Medium => ("medium", "Medium"),
        /// High.
        High => ("high", "High"),
        /// Critical.
        Critical => ("critical", "Critical"),
    }
);

/// Where the 5×5 matrix changes level: scores up to `low_max` are low, up to `medium_max`
/// medium, up to `high_max` high, above critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskThresholds {
    /// Highest low score.
    pub low_max: u8,
    /// Highest medium score.
    pub medium_max: u8,
    /// Highest high score.
    pub high_max: u8,
}

impl Default for RiskThresholds {
    fn default() -> Self {
        Self {
            low_max: 4,
            medium_max: 9,
            high_max: 15,
        }
    }
}

impl RiskThresholds {
    /// Validates increasing thresholds within 1-24.
    pub fn new(low_max: u8, medium_max: u8, high_max: u8) -> Result<Self, Invalid> {
        if !(1 <= low_max && low_max < medium_max && medium_max < high_max && high_max < 25) {
            return Err(Invalid::new(
                "risk_thresholds",
                "must be three increasing scores between 1 and 24, e.g. 4, 9, 15",
            ));
        }
        Ok(Self {
            low_max,
            medium_max,
            high_max,
        })
    }

    /// The level of a score.
    pub fn level(&self, score: u8) -> RiskLevel {
        if score <= self.low_max {
            RiskLevel::Low
        } else if score <= self.medium_max {
            RiskLevel::Medium
        } else if score <= self.high_max {
            RiskLevel::High
        } else {
            RiskLevel::Critical
        }
    }
}

str_enum!(
    /// Whether an assessment is being worked or locked.
    AssessmentStatus, "status", {
        /// Being answered.
        Draft => ("draft", "In progress"),
        /// Locked: an immutable snapshot.
        Final => ("final", "Finalized"),
    }
);

str_enum!(
    /// An answer to a questionnaire item.
    ResponseStatus, "status", {
        /// In place.
        Implemented => ("implemented", "Implemented"),
        /// Partly in place.
        Partial => ("partial", "Partly implemented"),
        /// Not in place.
        NotImplemented => ("not_implemented", "Not implemented"),
        /// Does not apply (with a reason).
        NotApplicable => ("not_applicable", "Not applicable"),
    }
);

str_enum!(
    /// The 164.306(d)(3) decision on an addressable implementation specification.
    AddressableDecision, "decision", {
        /// Implemented as specified.
        Implemented => ("implemented", "Implemented"),
        /// An equivalent alternative measure is implemented (described).
        Alternative => ("alternative", "Equivalent alternative measure"),
        /// Neither is reasonable and appropriate (documented reason).
        NotReasonable => ("not_reasonable", "Not reasonable and appropriate"),
    }
);

str_enum!(
    /// Where a task stands.
    TaskStatus, "status", {
        /// To do.
        Open => ("open", "Open"),
        /// Done.
        Done => ("done", "Done"),
    }
);

/// Longest asset name, threat name, owner or vendor.
pub const LINE_MAX: usize = 200;
/// Longest notes, descriptions and rationales.
pub const BLOCK_MAX: usize = 4000;

/// Parses a calendar date written `YYYY-MM-DD`; empty means none.
pub fn parse_date(field: &str, text: &str) -> Result<Option<time::Date>, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || Invalid::new(field, "must be a date written YYYY-MM-DD");
    let mut parts = t.splitn(3, '-');
    let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u8 = month.parse().map_err(|_| bad())?;
    let day: u8 = day.parse().map_err(|_| bad())?;
    let month = time::Month::try_from(month).map_err(|_| bad())?;
    time::Date::from_calendar_date(year, month, day)
        .map(Some)
        .map_err(|_| Invalid::new(field, "is not a real calendar date"))
}

/// An asset in the inventory: a system, device, service or record set that holds, handles or
/// carries ePHI (or supports something that does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Id.
    pub id: crate::ids::AssetId,
    /// Owning organization.
    pub org_id: crate::ids::OrgId,
    /// The fields people edit.
    #[serde(flatten)]
    pub fields: AssetFields,
    /// Name of its location, when it has one (read with the asset).
    pub location_name: Option<String>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// Archived (kept on record, out of current lists).
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<time::OffsetDateTime>,
}

/// What people enter about an asset, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFields {
    /// Name, unique among the organization's current assets.
    pub name: String,
    /// Kind.
    pub kind: AssetKind,
    /// Where it is.
    pub location_id: Option<crate::ids::LocationId>,
    /// What it does with ePHI.
    pub ephi_role: EphiRole,
    /// How much the practice depends on it.
    pub criticality: Criticality,
    /// The person or team answerable for it.
    pub owner: Option<String>,
    /// Who makes or runs it.
    pub vendor: Option<String>,
    /// Encryption of stored data, 164.312(a)(2)(iv).
    pub encryption_at_rest: Protection,
    /// Encryption in transit, 164.312(e)(2)(ii).
    pub encryption_in_transit: Protection,
    /// Multi-factor authentication for access to it.
    pub mfa: Protection,
    /// Anything else.
    pub notes: Option<String>,
}

/// Raw asset input, as typed in a form, a JSON body or a CSV row.
#[derive(Debug, Clone, Default)]
pub struct AssetInput<'a> {
    /// Name.
    pub name: &'a str,
    /// Kind (wire form).
    pub kind: &'a str,
    /// ePHI role (wire form; empty: `none`).
    pub ephi_role: &'a str,
    /// Criticality (wire form; empty: `moderate`).
    pub criticality: &'a str,
    /// Owner.
    pub owner: &'a str,
    /// Vendor.
    pub vendor: &'a str,
    /// Encryption at rest (`yes`, `no`, `unknown`, `na`; empty: `unknown`).
    pub encryption_at_rest: &'a str,
    /// Encryption in transit.
    pub encryption_in_transit: &'a str,
    /// MFA.
    pub mfa: &'a str,
    /// Notes.
    pub notes: &'a str,
}

fn or_default<T: Copy>(
    s: &str,
    default: T,
    parse: impl Fn(&str) -> Result<T, Invalid>,
) -> Result<T, Invalid> {
    if s.trim().is_empty() {
        Ok(default)
    } else {
        parse(s)
    }
}

impl AssetInput<'_> {
    /// Validates every field; the location is resolved by the caller.
    pub fn parse(
        &self,
        location_id: Option<crate::ids::LocationId>,
    ) -> Result<AssetFields, Invalid> {
        let name = crate::text::required_line("name", self.name, LINE_MAX)?;
        let kind = AssetKind::parse(self.kind).map_err(|e| {
            if self.kind.trim().is_empty() {
                Invalid::new("kind", "is required")
            } else {
                e
            }
        })?;
        Ok(AssetFields {
            name,
            kind,
            location_id,
            ephi_role: ephi_role_for(
                kind,
                or_default(self.ephi_role, EphiRole::None, EphiRole::parse)?,
            )?,
            criticality: or_default(self.criticality, Criticality::Moderate, Criticality::parse)?,
            owner: crate::text::optional_line("owner", Some(self.owner), LINE_MAX)?,
            vendor: crate::text::optional_line("vendor", Some(self.vendor), LINE_MAX)?,
            encryption_at_rest: or_default(self.encryption_at_rest, Protection::Unknown, |s| {
                Protection::parse(s).map_err(|e| Invalid::new("encryption_at_rest", e.reason))
            })?,
            encryption_in_transit: or_default(
                self.encryption_in_transit,
                Protection::Unknown,
                |s| {
                    Protection::parse(s)
                        .map_err(|e| Invalid::new("encryption_in_transit", e.reason))
                },
            )?,
            mfa: or_default(self.mfa, Protection::Unknown, |s| {
                Protection::parse(s).map_err(|e| Invalid::new("mfa", e.reason))
            })?,
            notes: crate::text::optional_block("notes", Some(self.notes), BLOCK_MAX)?,
        })
    }
}

/// Paper records are PHI, never ePHI: a paper asset is `phi_on_paper` (or `none`), and only
/// paper holds PHI on paper.
fn ephi_role_for(kind: AssetKind, role: EphiRole) -> Result<EphiRole, Invalid> {
    match (kind, role) {
        (AssetKind::Paper, r) if r.is_ephi() => Err(Invalid::new(
            "ephi_role",
            "paper records hold PHI, not electronic PHI: choose phi_on_paper",
        )),
        (k, EphiRole::PhiOnPaper) if k != AssetKind::Paper => Err(Invalid::new(
            "ephi_role",
            "only paper records hold PHI on paper; for an electronic system choose stores, \
             processes or transmits",
        )),
        (_, r) => Ok(r),
    }
}

/// A risk in the register: a threat exploiting a vulnerability of an asset (or a group of
/// assets), rated before and after existing controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    /// Id.
    pub id: crate::ids::RiskId,
    /// Owning organization.
    pub org_id: crate::ids::OrgId,
    /// The fields people edit.
    #[serde(flatten)]
    pub fields: RiskFields,
    /// Name of the asset, when it is about one (read with the risk).
    pub asset_name: Option<String>,
    /// Where it stands.
    pub status: RiskStatus,
    /// Why it was accepted.
    pub acceptance_rationale: Option<String>,
    /// Who accepted it.
    pub accepted_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<time::OffsetDateTime>,
    /// Where it came from (`manual`, `suggestion`, `assessment:<ref>`).
    pub source: String,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl Risk {
    /// Likelihood × impact before controls.
    pub fn inherent_score(&self) -> u8 {
        score(self.fields.likelihood, self.fields.impact)
    }

    /// Likelihood × impact with existing controls, when rated.
    pub fn residual_score(&self) -> Option<u8> {
        match (self.fields.residual_likelihood, self.fields.residual_impact) {
            (Some(l), Some(i)) => Some(score(l, i)),
            _ => None,
        }
    }

    /// The score that counts now: residual when rated, else inherent.
    pub fn current_score(&self) -> u8 {
        self.residual_score()
            .unwrap_or_else(|| self.inherent_score())
    }

    /// Whether it is past its due date and still open or in treatment.
    pub fn is_overdue(&self, today: time::Date) -> bool {
        matches!(self.status, RiskStatus::Open | RiskStatus::InTreatment)
            && self.fields.due_date.is_some_and(|d| d < today)
    }
}

/// What people enter about a risk, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskFields {
    /// The asset, when it is about one.
    pub asset_id: Option<crate::ids::AssetId>,
    /// A group of assets ("all workstations"), when not about one.
    pub asset_group: Option<String>,
    /// The threat's library or custom key (`ransomware`, `custom:<id>`), or `other`.
    pub threat_key: String,
    /// The threat, as named when the risk was recorded.
    pub threat_name: String,
    /// The weakness the threat exploits.
    pub vulnerability: String,
    /// Likelihood before controls.
    pub likelihood: Rating,
    /// Impact before controls.
    pub impact: Rating,
    /// Controls already in place.
    pub existing_controls: Option<String>,
    /// Likelihood with existing controls.
    pub residual_likelihood: Option<Rating>,
    /// Impact with existing controls.
    pub residual_impact: Option<Rating>,
    /// How it is answered.
    pub treatment: Option<Treatment>,
    /// How a transfer or avoidance is done (to whom, under what agreement; what activity
    /// stops), or any detail of the treatment.
    #[serde(default)]
    pub treatment_detail: Option<String>,
    /// Who answers for it.
    pub owner: Option<String>,
    /// When the treatment is due.
    pub due_date: Option<time::Date>,
}

/// Raw risk input.
#[derive(Debug, Clone, Default)]
pub struct RiskInput<'a> {
    /// Asset group.
    pub asset_group: &'a str,
    /// Threat key.
    pub threat_key: &'a str,
    /// Threat name (defaults to the library's).
    pub threat_name: &'a str,
    /// Vulnerability.
    pub vulnerability: &'a str,
    /// Likelihood.
    pub likelihood: Option<i64>,
    /// Impact.
    pub impact: Option<i64>,
    /// Existing controls.
    pub existing_controls: &'a str,
    /// Residual likelihood.
    pub residual_likelihood: Option<i64>,
    /// Residual impact.
    pub residual_impact: Option<i64>,
    /// Treatment (wire form; empty: none yet).
    pub treatment: &'a str,
    /// How the treatment is done.
    pub treatment_detail: &'a str,
    /// Owner.
    pub owner: &'a str,
    /// Due date `YYYY-MM-DD`.
    pub due_date: &'a str,
}

impl RiskInput<'_> {
    /// Validates every field; the asset is resolved and checked by the caller.
    pub fn parse(&self, asset_id: Option<crate::ids::AssetId>) -> Result<RiskFields, Invalid> {
        let rating = |field: &str, v: Option<i64>| -> Result<Rating, Invalid> {
            v.map_or_else(
                || {
                    Err(Invalid::new(
                        field,
                        "is required: a whole number from 1 to 5",
                    ))
                },
                |n| Rating::parse(field, n),
            )
        };
        let likelihood = rating("likelihood", self.likelihood)?;
        let impact = rating("impact", self.impact)?;
        let residual_likelihood = self
            .residual_likelihood
            .map(|n| Rating::parse("residual_likelihood", n))
            .transpose()?;
        let residual_impact = self
            .residual_impact
            .map(|n| Rating::parse("residual_impact", n))
            .transpose()?;
        if residual_likelihood.is_some() != residual_impact.is_some() {
            let missing = if residual_likelihood.is_none() {
                "residual_likelihood"
            } else {
                "residual_impact"
            };
            return Err(Invalid::new(
                missing,
                "give both residual likelihood and residual impact, or neither",
            ));
        }
        let asset_group =
            crate::text::optional_line("asset_group", Some(self.asset_group), LINE_MAX)?;
        if asset_id.is_none() && asset_group.is_none() {
            return Err(Invalid::new(
                "asset_id",
                "choose the asset at risk, or name a group of assets",
            ));
        }
        let threat_key = crate::text::required_line("threat_key", self.threat_key, LINE_MAX)?;
        Ok(RiskFields {
            asset_id,
            asset_group,
            threat_name: crate::text::required_line("threat_name", self.threat_name, LINE_MAX)?,
            threat_key,
            vulnerability: crate::text::required_line(
                "vulnerability",
                self.vulnerability,
                BLOCK_MAX,
            )?,
            likelihood,
            impact,
            existing_controls: crate::text::optional_block(
                "existing_controls",
                Some(self.existing_controls),
                BLOCK_MAX,
            )?,
            residual_likelihood,
            residual_impact,
            treatment: or_default(self.treatment, None, |s| {
                Treatment::parse(s)
                    .map(Some)
                    .map_err(|e| Invalid::new("treatment", e.reason))
            })?,
            treatment_detail: crate::text::optional_block(
                "treatment_detail",
                Some(self.treatment_detail),
                BLOCK_MAX,
            )?,
            owner: crate::text::optional_line("owner", Some(self.owner), LINE_MAX)?,
            due_date: parse_date("due_date", self.due_date)?,
        })
    }
}

/// One point of the register's history: a risk's scores and status after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskSnapshot {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    /// Inherent score.
    pub inherent_score: u8,
    /// Residual score, when rated.
    pub residual_score: Option<u8>,
    /// Status.
    pub status: RiskStatus,
}

/// A security risk assessment of one organization for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Id.
    pub id: crate::ids::AssessmentId,
    /// Owning organization.
    pub org_id: crate::ids::OrgId,
    /// The period, e.g. `2026`.
    pub period: String,
    /// Draft or final.
    pub status: AssessmentStatus,
    /// What it covers.
    pub scope: Option<String>,
    /// The assessment it started from.
    pub copied_from: Option<crate::ids::AssessmentId>,
    /// Started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    /// By whom.
    pub started_by: String,
    /// Finalized.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finalized_at: Option<time::OffsetDateTime>,
    /// By whom.
    pub finalized_by: Option<String>,
    /// SHA-256 of the finalized snapshot, hex.
    pub snapshot_sha256: Option<String>,
    /// The version of the completeness checks it was finalized under (see
    /// [`SRA_CHECKS_VERSION`]); `None` for an analysis finalized before Safeharbor checked that
    /// a risk analysis is one.
    #[serde(default)]
    pub checks_version: Option<u32>,
    /// Who prepared it (for a client, usually the MSP's analyst), named apart from the
    /// organization's sign-off.
    #[serde(default)]
    pub prepared_by: Option<String>,
    /// A reasoned statement that the organization has no system that creates, receives,
    /// maintains or transmits ePHI, with its reviewer's confirmation.
    #[serde(default)]
    pub no_ephi: Option<NoEphiStatement>,
    /// The organization's approval of the analysis.
    #[serde(default)]
    pub sign_off: Option<SignOff>,
}

/// The version of the checks a risk analysis must pass to be finalized. Analyses finalized
/// before any checks have no version and are flagged as needing a new analysis.
pub const SRA_CHECKS_VERSION: u32 = 1;

/// A statement that an organization has no ePHI systems, which a reviewer must confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoEphiStatement {
    /// The statement and its reasons.
    pub statement: String,
    /// Who wrote it.
    pub written_by: String,
    /// Who confirmed it (an administrator other than the writer), if anyone yet.
    pub confirmed_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<time::OffsetDateTime>,
}

/// The organization's sign-off on a risk analysis: by its administrator or its security
/// official, over the exact content signed (a digest), so any later change voids it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    /// Who signed.
    pub by: String,
    /// In what capacity (`client administrator`, `security official`...).
    pub capacity: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    /// SHA-256 of the content signed, hex.
    pub digest: String,
}

/// Longest period label.
pub const PERIOD_MAX: usize = 40;

/// One questionnaire answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The `hipaa-security` requirement it answers.
    pub requirement_ref: String,
    /// The fields people edit.
    #[serde(flatten)]
    pub answer: Answer,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// By whom.
    pub updated_by: String,
}

/// An answer, validated: a status, and for addressable specifications the 164.306(d)(3)
/// decision with its description or reason.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answer {
    /// Status.
    pub status: Option<ResponseStatus>,
    /// The addressable decision.
    pub decision: Option<AddressableDecision>,
    /// The equivalent alternative measure, described.
    pub alternative: Option<String>,
    /// Why: not applicable, or not reasonable and appropriate (as specified).
    pub reason: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Why the alternative measure is reasonable and appropriate (164.306(d)(3)(ii)(B)(2)).
    #[serde(default)]
    pub alternative_reason: Option<String>,
    /// How the safeguard is implemented, in the organization's words.
    #[serde(default)]
    pub implementation: Option<String>,
}

/// What the catalog says about a questionnaire item, for checking its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ItemRules {
    /// An addressable implementation specification (164.306(d)(3)).
    pub addressable: bool,
    /// The item applies only under a condition, so "not applicable" may be answered.
    pub na_allowed: bool,
}

/// Raw answer fields, as typed in a form or a JSON body.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnswerInput<'a> {
    /// Status (wire form; empty: unanswered).
    pub status: &'a str,
    /// Addressable decision (wire form; empty: none).
    pub decision: &'a str,
    /// The alternative measure.
    pub alternative: &'a str,
    /// Why the alternative is reasonable and appropriate.
    pub alternative_reason: &'a str,
    /// Why not applicable, or why not reasonable and appropriate.
    pub reason: &'a str,
    /// How it is implemented.
    pub implementation: &'a str,
    /// Notes.
    pub notes: &'a str,
}

impl Answer {
    /// Validates an answer against its item's rules. Refuses answers that contradict
    /// themselves: "not applicable" where the item always applies, an addressable decision that
    /// disagrees with the status (164.306(d)(3)), a decision without what it must document.
    /// A status of implemented on an addressable item with no decision records decision (a),
    /// implemented as specified.
    pub fn parse(rules: ItemRules, input: &AnswerInput<'_>) -> Result<Self, Invalid> {
        let status = or_default(input.status, None, |s| ResponseStatus::parse(s).map(Some))?;
        let mut decision = or_default(input.decision, None, |s| {
            AddressableDecision::parse(s).map(Some)
        })?;
        let block = |field: &str, v: &str| crate::text::optional_block(field, Some(v), BLOCK_MAX);
        let alternative = block("alternative", input.alternative)?;
        let alternative_reason = block("alternative_reason", input.alternative_reason)?;
        let reason = block("reason", input.reason)?;
        let implementation = block("implementation", input.implementation)?;
        let notes = block("notes", input.notes)?;
        if status == Some(ResponseStatus::NotApplicable) {
            if !rules.na_allowed {
                return Err(Invalid::new(
                    "status",
                    "this standard or specification applies to every organization that handles \
                     ePHI; answer whether it is implemented (addressable does not mean optional, \
                     164.306(d)(3))",
                ));
            }
            if reason.is_none() {
                return Err(Invalid::new("reason", "say why this does not apply"));
            }
            if decision.is_some() {
                return Err(Invalid::new(
                    "decision",
                    "an item that does not apply takes no addressable decision",
                ));
            }
        }
        if !rules.addressable && decision.is_some() {
            return Err(Invalid::new(
                "decision",
                "applies only to addressable implementation specifications; this one is required",
            ));
        }
        if rules.addressable && status == Some(ResponseStatus::Implemented) && decision.is_none() {
            decision = Some(AddressableDecision::Implemented);
        }
        check_decision(
            status,
            decision,
            alternative.as_ref(),
            alternative_reason.as_ref(),
            reason.as_ref(),
        )?;
        Ok(Self {
            status,
            decision,
            alternative,
            reason,
            notes,
            alternative_reason,
            implementation,
        })
    }

    /// Whether anything is answered.
    pub fn is_answered(&self) -> bool {
        self.status.is_some()
    }

    /// For an addressable specification: what is wrong with its 164.306(d)(3) decision, if
    /// anything (an answer saved under earlier rules, or copied from an earlier period, may
    /// lack one). A gap without a decision is not a problem here: it needs a plan instead.
    pub fn decision_problem(&self) -> Option<String> {
        if self.status == Some(ResponseStatus::Implemented) && self.decision.is_none() {
            return Some(
                "record the addressable decision (164.306(d)(3)): implemented as specified, or \
                 an equivalent alternative measure."
                    .into(),
            );
        }
        check_decision(
            self.status,
            self.decision,
            self.alternative.as_ref(),
            self.alternative_reason.as_ref(),
            self.reason.as_ref(),
        )
        .err()
        .map(|e| format!("{}.", e.reason))
    }
}

/// 164.306(d)(3): the decision must agree with the status and carry what it documents.
fn check_decision(
    status: Option<ResponseStatus>,
    decision: Option<AddressableDecision>,
    alternative: Option<&String>,
    alternative_reason: Option<&String>,
    reason: Option<&String>,
) -> Result<(), Invalid> {
    use AddressableDecision as D;
    use ResponseStatus as S;
    match (decision, status) {
        (Some(D::Implemented), Some(S::Partial | S::NotImplemented)) => Err(Invalid::new(
            "decision",
            "the decision says implemented as specified, but the status says it is not fully \
             implemented; choose another decision or change the status",
        )),
        (Some(D::NotReasonable), Some(S::Implemented | S::Partial)) => Err(Invalid::new(
            "decision",
            "the decision says neither the specification nor an alternative is reasonable and \
             appropriate, but the status says it is implemented; choose another decision or \
             answer not implemented",
        )),
        (Some(D::Alternative), Some(S::NotImplemented)) => Err(Invalid::new(
            "decision",
            "an equivalent alternative measure must be implemented (at least partly) to be the \
             decision; otherwise record why no alternative is reasonable and appropriate",
        )),
        (Some(D::Alternative), _) if reason.is_none() => Err(Invalid::new(
            "reason",
            "document why the specification is not reasonable and appropriate as specified \
             (164.306(d)(3)(ii)(B)(1))",
        )),
        (Some(D::Alternative), _) if alternative.is_none() => Err(Invalid::new(
            "alternative",
            "describe the equivalent alternative measure implemented (164.306(d)(3)(ii)(B)(2))",
        )),
        (Some(D::Alternative), _) if alternative_reason.is_none() => Err(Invalid::new(
            "alternative_reason",
            "document why the alternative measure is reasonable and appropriate \
             (164.306(d)(3)(ii)(B)(2))",
        )),
        (Some(D::NotReasonable), _) if reason.is_none() => Err(Invalid::new(
            "reason",
            "document why neither the specification nor an alternative measure is reasonable \
             and appropriate (164.306(d)(3)(ii)(B)(1))",
        )),
        _ => Ok(()),
    }
}

/// A task of the risk management plan (or, later, of any compliance work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Id.
    pub id: crate::ids::TaskId,
    /// Owning organization.
    pub org_id: crate::ids::OrgId,
    /// What to do.
    pub title: String,
    /// Details.
    pub description: Option<String>,
    /// When it is due.
    pub due_date: Option<time::Date>,
    /// Who does it.
    pub assignee: Option<String>,
    /// Open or done.
    pub status: TaskStatus,
    /// What it comes from: `risk`, `assessment`, `manual`.
    pub origin_kind: String,
    /// The risk id or requirement it comes from.
    pub origin_ref: Option<String>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// Done at.
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<time::OffsetDateTime>,
}

impl Task {
    /// A new open task from `origin_kind` (`manual`, `risk`, `assessment`, `import`,
    /// `evidence`, `control`), with no description, due date or assignee yet.
    pub fn open(
        org_id: crate::ids::OrgId,
        title: String,
        origin_kind: &str,
        origin_ref: Option<String>,
        now: time::OffsetDateTime,
    ) -> Self {
        Self {
            id: crate::ids::TaskId::new(),
            org_id,
            title,
            description: None,
            due_date: None,
            assignee: None,
            status: TaskStatus::Open,
            origin_kind: origin_kind.into(),
            origin_ref,
            created_at: now,
            updated_at: now,
            completed_at: None,
        }
    }

    /// Whether it is open and past due.
    pub fn is_overdue(&self, today: time::Date) -> bool {
        self.status == TaskStatus::Open && self.due_date.is_some_and(|d| d < today)
    }
}

/// The threat source types of NIST SP 800-30 Rev. 1, Appendix D: the categories every asset
/// holding ePHI is examined against.
pub const THREAT_CATEGORIES: [(&str, &str); 4] = [
    ("adversarial", "Adversarial (people acting on purpose)"),
    ("accidental", "Accidental (mistakes by people)"),
    (
        "structural",
        "Structural (failures of equipment, software or services)",
    ),
    (
        "environmental",
        "Environmental (fire, flood, power, weather)",
    ),
];

/// A threat category recorded as considered for an asset and found not relevant, with why:
/// part of a thorough risk analysis (164.308(a)(1)(ii)(A)) when no risk of that category is
/// recorded for the asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreatConsideration {
    /// The asset.
    pub asset_id: crate::ids::AssetId,
    /// One of [`THREAT_CATEGORIES`].
    pub category: String,
    /// Why no threat of this category is relevant to the asset.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: time::OffsetDateTime,
}

impl ThreatConsideration {
    /// Checks the category and the reason.
    pub fn parse_parts(category: &str, reason: &str) -> Result<(String, String), Invalid> {
        let category = category.trim();
        if !THREAT_CATEGORIES.iter().any(|(k, _)| *k == category) {
            let keys: Vec<&str> = THREAT_CATEGORIES.iter().map(|(k, _)| *k).collect();
            return Err(Invalid::new(
                "category",
                format!("must be one of {}", keys.join(", ")),
            ));
        }
        let reason =
            crate::text::optional_block("reason", Some(reason), BLOCK_MAX)?.ok_or_else(|| {
                Invalid::new(
                    "reason",
                    "say why no threat of this category is relevant to this asset",
                )
            })?;
        Ok((category.to_owned(), reason))
    }
}

str_enum!(
    /// Where a control stands.
    ControlStatus, "status", {
        /// Working as intended.
        Implemented => ("implemented", "Implemented"),
        /// Partly in place.
        Partial => ("partial", "Partly implemented"),
        /// Decided, not yet in place.
        Planned => ("planned", "Planned"),
    }
);

/// A security control an organization operates; a provider's can be delivered to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Control {
    /// Id.
    pub id: crate::ids::ControlId,
    /// Owning organization.
    pub org_id: crate::ids::OrgId,
    /// Name.
    pub title: String,
    /// What it does.
    pub description: Option<String>,
    /// Who runs it.
    pub owner: Option<String>,
    /// How often it is performed (`monthly backup test`).
    pub frequency: Option<String>,
    /// Next performance due.
    pub next_due: Option<time::Date>,
    /// Status.
    pub status: ControlStatus,
    /// The requirements it helps satisfy (catalog references).
    pub requirement_refs: Vec<String>,
    /// Delivered to every client (provider controls only).
    pub provided_to_all: bool,
    /// Delivered to these clients (provider controls only).
    pub provided_to: Vec<crate::ids::OrgId>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// Archived.
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<time::OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_and_name_their_field() {
        assert!(Rating::parse("likelihood", 1).is_ok());
        assert!(Rating::parse("likelihood", 5).is_ok());
        assert_eq!(
            Rating::parse("likelihood", 0).unwrap_err().field,
            "likelihood"
        );
        assert_eq!(Rating::parse("impact", 6).unwrap_err().field, "impact");
        assert!(Rating::parse("impact", -3).is_err());
    }

    #[test]
    fn the_matrix_maps_scores_to_levels() {
        let t = RiskThresholds::default();
        let r = |n| Rating::parse("x", n).unwrap();
        assert_eq!(t.level(score(r(1), r(4))), RiskLevel::Low);
        assert_eq!(t.level(score(r(3), r(3))), RiskLevel::Medium);
        assert_eq!(t.level(score(r(3), r(5))), RiskLevel::High);
        assert_eq!(t.level(score(r(4), r(4))), RiskLevel::Critical);
        assert!(RiskThresholds::new(9, 4, 15).is_err());
        assert!(RiskThresholds::new(4, 9, 25).is_err());
    }

    #[test]
    fn enums_parse_their_wire_form_and_list_choices() {
        assert_eq!(AssetKind::parse("sd_wan"), Ok(AssetKind::SdWan));
        let e = AssetKind::parse("toaster").unwrap_err();
        assert!(
            e.reason.contains("ehr") && e.reason.contains("paper"),
            "{}",
            e.reason
        );
        for k in AssetKind::ALL {
            assert_eq!(AssetKind::parse(k.as_str()), Ok(*k));
        }
    }

    #[test]
    fn dates_are_iso_and_real() {
        assert_eq!(parse_date("due_date", "").unwrap(), None);
        assert!(parse_date("due_date", "2026-02-28").unwrap().is_some());
        assert_eq!(
            parse_date("due_date", "2026-02-30").unwrap_err().field,
            "due_date"
        );
        assert!(parse_date("due_date", "02/28/2026").is_err());
        assert!(parse_date("due_date", "2026-2-28").is_err());
    }

    #[test]
    fn risk_input_names_the_bad_field() {
        let ok = RiskInput {
            threat_key: "ransomware",
            threat_name: "Ransomware",
            vulnerability: "no offline backup",
            likelihood: Some(3),
            impact: Some(5),
            asset_group: "all servers",
            ..RiskInput::default()
        };
        let f = ok.parse(None).unwrap();
        assert_eq!(score(f.likelihood, f.impact), 15);
        for (input, field) in [
            (
                RiskInput {
                    likelihood: Some(0),
                    ..ok.clone()
                },
                "likelihood",
            ),
            (
                RiskInput {
                    impact: Some(6),
                    ..ok.clone()
                },
                "impact",
            ),
            (
                RiskInput {
                    likelihood: None,
                    ..ok.clone()
                },
                "likelihood",
            ),
            (
                RiskInput {
                    residual_likelihood: Some(2),
                    ..ok.clone()
                },
                "residual_impact",
            ),
            (
                RiskInput {
                    asset_group: "",
                    ..ok.clone()
                },
                "asset_id",
            ),
            (
                RiskInput {
                    treatment: "ignore",
                    ..ok.clone()
                },
                "treatment",
            ),
            (
                RiskInput {
                    due_date: "soon",
                    ..ok.clone()
                },
                "due_date",
            ),
        ] {
            assert_eq!(input.parse(None).unwrap_err().field, field);
        }
    }

    fn ans(status: &'static str, decision: &'static str) -> AnswerInput<'static> {
        AnswerInput {
            status,
            decision,
            ..AnswerInput::default()
        }
    }

    const ADDRESSABLE: ItemRules = ItemRules {
        addressable: true,
        na_allowed: false,
    };
    const REQUIRED: ItemRules = ItemRules {
        addressable: false,
        na_allowed: false,
    };
    const CONDITIONAL: ItemRules = ItemRules {
        addressable: false,
        na_allowed: true,
    };

    fn field_of(rules: ItemRules, input: &AnswerInput<'_>) -> String {
        Answer::parse(rules, input).unwrap_err().field
    }

    #[test]
    fn not_applicable_is_refused_where_the_item_always_applies() {
        let na = AnswerInput {
            status: "not_applicable",
            reason: "too small",
            ..AnswerInput::default()
        };
        assert_eq!(field_of(REQUIRED, &na), "status");
        assert_eq!(field_of(ADDRESSABLE, &na), "status");
        assert!(Answer::parse(CONDITIONAL, &na).is_ok());
        let without_reason = AnswerInput { reason: "", ..na };
        assert_eq!(field_of(CONDITIONAL, &without_reason), "reason");
    }

    #[test]
    fn an_addressable_decision_must_agree_with_the_status() {
        // Implemented with "not reasonable" contradicts itself.
        let i = ans("implemented", "not_reasonable");
        assert_eq!(
            field_of(ADDRESSABLE, &AnswerInput { reason: "r", ..i }),
            "decision"
        );
        // "Implemented as specified" with a gap contradicts itself.
        assert_eq!(
            field_of(ADDRESSABLE, &ans("partial", "implemented")),
            "decision"
        );
        // An alternative needs something in place.
        let alt = AnswerInput {
            reason: "r",
            alternative: "a",
            alternative_reason: "ar",
            ..ans("not_implemented", "alternative")
        };
        assert_eq!(field_of(ADDRESSABLE, &alt), "decision");
        assert!(
            Answer::parse(
                ADDRESSABLE,
                &AnswerInput {
                    status: "implemented",
                    ..alt
                }
            )
            .is_ok()
        );
        // Implemented with no decision records (a).
        let a = Answer::parse(ADDRESSABLE, &ans("implemented", "")).unwrap();
        assert_eq!(a.decision, Some(AddressableDecision::Implemented));
        // A required item takes no decision.
        assert_eq!(
            field_of(REQUIRED, &ans("implemented", "implemented")),
            "decision"
        );
    }

    #[test]
    fn each_addressable_decision_documents_what_164_306_d_3_asks() {
        let alt = ans("implemented", "alternative");
        assert_eq!(field_of(ADDRESSABLE, &alt), "reason");
        let alt = AnswerInput { reason: "r", ..alt };
        assert_eq!(field_of(ADDRESSABLE, &alt), "alternative");
        let alt = AnswerInput {
            alternative: "a",
            ..alt
        };
        assert_eq!(field_of(ADDRESSABLE, &alt), "alternative_reason");
        let nr = ans("not_implemented", "not_reasonable");
        assert_eq!(field_of(ADDRESSABLE, &nr), "reason");
        assert!(Answer::parse(ADDRESSABLE, &AnswerInput { reason: "r", ..nr }).is_ok());
        assert!(
            !Answer::parse(
                REQUIRED,
                &AnswerInput {
                    notes: "n",
                    ..AnswerInput::default()
                }
            )
            .unwrap()
            .is_answered()
        );
    }

    #[test]
    fn asset_input_defaults_and_errors() {
        let a = AssetInput {
            name: "Front desk PC",
            kind: "workstation",
            ..AssetInput::default()
        }
        .parse(None)
        .unwrap();
        assert_eq!(a.ephi_role, EphiRole::None);
        assert_eq!(a.encryption_at_rest, Protection::Unknown);
        assert_eq!(
            AssetInput {
                name: "x",
                kind: "",
                ..AssetInput::default()
            }
            .parse(None)
            .unwrap_err()
            .field,
            "kind"
        );
        assert_eq!(
            AssetInput {
                name: "x",
                kind: "ehr",
                mfa: "maybe",
                ..AssetInput::default()
            }
            .parse(None)
            .unwrap_err()
            .field,
            "mfa"
        );
        assert_eq!(
            AssetInput {
                name: " ",
                kind: "ehr",
                ..AssetInput::default()
            }
            .parse(None)
            .unwrap_err()
            .field,
            "name"
        );
    }
}
