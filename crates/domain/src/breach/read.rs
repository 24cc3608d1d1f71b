//! Reading a case from its JSON form (the contract of `safeharbor breach assess` and of the
//! breach-assessment API).

use time::Date;

use super::input::{
    BreachInput, Case, Conclusion, DelayKind, Discoverer, Exclusion, FourFactor,
    LawEnforcementDelay,
};
use super::json::{self, Json, Object};
use super::state::StateCode;
use crate::Invalid;

/// The fields of a case, as the contract names them.
pub const FIELDS: &[&str] = &[
    "discovered",
    "discovered_by",
    "occurred",
    "occurred_from",
    "occurred_to",
    "individuals",
    "states",
    "media_type",
    "encrypted",
    "encryption_standard_met",
    "key_compromised",
    "destroyed",
    "destruction_method",
    "exclusion_claimed",
    "further_impermissible_use",
    "four_factor",
    "risk_assessment_conclusion",
    "baa_notice_days",
    "insufficient_contact_info",
    "law_enforcement_delay",
];

const FOUR_FACTOR_FIELDS: &[&str] = &[
    "nature_extent",
    "recipient",
    "acquired_or_viewed",
    "mitigation",
];
const DELAY_FIELDS: &[&str] = &["kind", "requested", "days_requested"];

impl Case {
    /// Reads and checks a case written as JSON. Every key must be a field of the contract and
    /// appear once; `null` counts as absent. The error names the first field at fault.
    pub fn from_json(input: &str, today: Date) -> Result<Self, Invalid> {
        Self::new(read_input(input)?, today)
    }
}

/// Reads the JSON form into a [`BreachInput`], checking each field on its own.
pub fn read_input(input: &str) -> Result<BreachInput, Invalid> {
    let mut o = Object::new("", Json::parse(input)?, Some(FIELDS))?;
    let discovered = o
        .field("discovered", json::date)?
        .ok_or_else(|| Invalid::new("discovered", "is required"))?;
    let mut c = BreachInput::new(discovered);
    if let Some(d) = o.field("discovered_by", |f, v| {
        Discoverer::parse(f, &json::text(f, v)?)
    })? {
        c.discovered_by = d;
    }
    c.occurred = o.field("occurred", json::date)?;
    c.occurred_from = o.field("occurred_from", json::date)?;
    c.occurred_to = o.field("occurred_to", json::date)?;
    c.individuals = o.field("individuals", json::count)?;
    c.states = o.field("states", states)?.unwrap_or_default();
    c.media_type = o.field("media_type", json::text)?;
    c.encrypted = o.field("encrypted", json::boolean)?.unwrap_or(false);
    c.encryption_standard_met = o
        .field("encryption_standard_met", json::boolean)?
        .unwrap_or(false);
    c.key_compromised = o.field("key_compromised", json::boolean)?.unwrap_or(false);
    c.destroyed = o.field("destroyed", json::boolean)?.unwrap_or(false);
    c.destruction_method = o.field("destruction_method", json::text)?;
    c.exclusion_claimed = o.field("exclusion_claimed", |f, v| {
        Exclusion::parse(f, &json::text(f, v)?)
    })?;
    c.further_impermissible_use = o
        .field("further_impermissible_use", json::boolean)?
        .unwrap_or(false);
    c.four_factor = o.field("four_factor", four_factor)?;
    c.risk_assessment_conclusion = o.field("risk_assessment_conclusion", |f, v| {
        Conclusion::parse(f, &json::text(f, v)?)
    })?;
    c.baa_notice_days = o.field("baa_notice_days", json::count)?;
    c.insufficient_contact_info = o.field("insufficient_contact_info", json::count)?;
    c.law_enforcement_delay = o.field("law_enforcement_delay", delay)?;
    Ok(c)
}

fn states(field: &str, v: Json) -> Result<Vec<(StateCode, u64)>, Invalid> {
    Object::new(field, v, None)?
        .into_entries()
        .map(|(path, v)| {
            let code = path.strip_prefix("states.").unwrap_or(&path);
            let code = StateCode::parse(code).ok_or_else(|| {
                Invalid::new(
                    &path,
                    "is not a State or jurisdiction: use the two-letter postal code in capitals \
                     of one of the 50 States, DC, PR, VI, GU, AS or MP",
                )
            })?;
            Ok((code, json::count(&path, v)?))
        })
        .collect()
}

fn four_factor(field: &str, v: Json) -> Result<FourFactor, Invalid> {
    let mut o = Object::new(field, v, Some(FOUR_FACTOR_FIELDS))?;
    Ok(FourFactor {
        nature_extent: o.field("nature_extent", json::text)?,
        recipient: o.field("recipient", json::text)?,
        acquired_or_viewed: o.field("acquired_or_viewed", json::text)?,
        mitigation: o.field("mitigation", json::text)?,
    })
}

fn delay(field: &str, v: Json) -> Result<LawEnforcementDelay, Invalid> {
    let mut o = Object::new(field, v, Some(DELAY_FIELDS))?;
    let kind = o
        .field("kind", |f, v| DelayKind::parse(f, &json::text(f, v)?))?
        .ok_or_else(|| Invalid::new(o.path("kind"), "is required: oral or written"))?;
    let requested = o
        .field("requested", json::date)?
        .ok_or_else(|| Invalid::new(o.path("requested"), "is required"))?;
    Ok(LawEnforcementDelay {
        kind,
        requested,
        days_requested: o.field("days_requested", json::count)?,
    })
}
