//! The breach engine: whether an impermissible use or disclosure of PHI is a breach of
//! unsecured PHI, and if so which notices are owed and by when (45 CFR 164.400-164.414).
//!
//! [`Case::from_json`] (or [`Case::new`] on a [`BreachInput`]) checks a case; [`assess`] decides
//! it; [`assess_json`] does both for the contract of `safeharbor breach assess`. Each step of a
//! [`Determination`] cites its provision in `basis` and `citations`.
//!
//! # The steps
//! 1. **Exclusions**, 164.402(1). (i) and (ii) hold only if the information is not further used
//!    or disclosed impermissibly, so `further_impermissible_use: true` defeats them and the
//!    analysis goes on. (iii) has no such condition in the text and still applies, with a
//!    warning in the basis.
//! 2. **Secured PHI**, 164.402 and HHS guidance (74 FR 42740): encrypted consistently with the
//!    guidance (`encrypted` and `encryption_standard_met`) with the key not compromised, or
//!    destroyed (`destroyed`). How `destruction_method` is judged is in [`destruction`].
//! 3. **Presumption**, 164.402(2): a breach unless a risk assessment of all four factors
//!    concludes a low probability of compromise. That conclusion without all four written
//!    factors is refused as input.
//! 4. **Notices**, in calendar days from discovery (the day of discovery is day 0):
//!    individuals within 60 days (164.404(b)); the media of each State or jurisdiction with more
//!    than 500 affected residents by the same day (164.406); the Secretary with the individual
//!    notices from 500 individuals (164.408(b)), otherwise within 60 days after the end of the
//!    calendar year of discovery (164.408(c)); substitute notice (164.404(d)(2)).
//!
//! # Readings where the rule leaves room
//! - **Law-enforcement delay (164.412).** A written statement allows the days it specifies; an
//!   oral one at most 30 days from the statement (a written statement that follows is entered
//!   as written). The delay is read as a *hold on sending*, not a pause of the clock: a deadline
//!   that falls inside the hold moves to the hold's last day, a deadline after the hold stands,
//!   and a statement made after a deadline does not excuse a notice that was already late.
//!   Reasons: 164.412 tells the entity to "delay such notification ... for the time period
//!   specified", which postpones the sending; nothing in it gives back the days spent before the
//!   statement, and the work the 60 days exist for (investigating, identifying individuals,
//!   drafting) can go on during the hold; HHS describes it as a temporary delay of notices
//!   otherwise due (74 FR 42740). Tolling (adding the delay to every deadline) would give later
//!   dates in every case and would even move the annual log to the Secretary when the hold ended
//!   months before it; this reading never gives a date later than tolling would, so following it
//!   cannot make a notice late under either.
//! - **Business associate** (`discovered_by: business_associate`). `ba_to_ce_by` is discovery
//!   plus the shorter of 60 days and `baa_notice_days` (164.410(b)). The other deadlines are the
//!   covered entity's, computed from the business associate's discovery date: 164.404(a)(2)
//!   counts an agent's knowledge as the covered entity's (federal common law of agency). If the
//!   business associate is an independent contractor, the covered entity's 60 days start when
//!   it is told, so these dates are the earliest that can apply; the basis says so.
//! - **Unknown count.** Without `individuals` (and fewer than 500 residents listed), the
//!   Secretary is told with the individual notices (164.408(b)): the earlier deadline, the one
//!   that cannot be missed. Media notice is owed only for States listed with more than 500
//!   residents; when more than 500 individuals have no State, the basis warns.
//! - **Today.** A discovery after `today` is refused; the command line passes the UTC date.

mod basis;
mod dates;
pub mod destruction;
mod engine;
mod input;
mod json;
mod notices;
mod output;
mod read;
mod records;
mod state;

#[cfg(test)]
mod tests_deadlines;
#[cfg(test)]
mod tests_invalid;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_table;

use time::Date;

pub use engine::assess;
pub use input::{
    BreachInput, Case, Conclusion, DelayKind, Discoverer, Exclusion, FourFactor,
    LawEnforcementDelay,
};
pub use output::{Determination, HhsNotice, SubstituteNotice};
pub use read::FIELDS;
pub use state::StateCode;

use crate::Invalid;

/// Reads one case written as JSON, assesses it and writes the determination as JSON: the
/// whole of `safeharbor breach assess`, `today` being the date of the assessment. The error
/// names the field at fault.
pub fn assess_json(input: &str, today: Date) -> Result<String, Invalid> {
    let case = Case::from_json(input, today)?;
    serde_json::to_string_pretty(&assess(&case))
        .map_err(|_| Invalid::new("input", "the determination could not be written as JSON"))
}

/// The JSON error for a refused case: `{"error":{"code":"invalid","field":...,"message":...}}`,
/// the shape of the API's errors.
pub fn error_json(e: &Invalid) -> String {
    serde_json::json!({
        "error": {
            "code": "invalid",
            "field": e.field,
            "message": e.to_string(),
        }
    })
    .to_string()
}
