//! What an entity keeps to carry the burden of proof of 164.414(b): that a use or disclosure
//! was not a breach, or that every notice was made as subpart D requires. 164.414(a) applies
//! the documentation standard of 164.530(j) to subpart D, so each record is kept six years.

/// The incident itself.
pub const INCIDENT: &str = "the incident record: what happened, the PHI involved, when it \
    happened, when and by whom it was discovered";
/// 164.402(1)(i).
pub const EXCLUSION_I: &str = "the facts behind the exclusion of 164.402(1)(i): who acquired, \
    accessed or used the PHI, under whose authority, that it was unintentional, in good faith \
    and within the scope of authority, and that nothing was further used or disclosed \
    impermissibly";
/// 164.402(1)(ii).
pub const EXCLUSION_II: &str = "the facts behind the exclusion of 164.402(1)(ii): that both \
    people were authorized to access PHI at the same covered entity, business associate or \
    organized health care arrangement, that the disclosure was inadvertent, and that the \
    information was not further used or disclosed impermissibly";
/// 164.402(1)(iii).
pub const EXCLUSION_III: &str = "the facts behind the good-faith belief of 164.402(1)(iii) that \
    the recipient could not reasonably have retained the information";
/// Secured by encryption.
pub const ENCRYPTION: &str = "evidence that the PHI was encrypted consistently with HHS \
    guidance (the algorithm and its NIST basis: SP 800-111 at rest, SP 800-52, 800-77 or \
    800-113 or FIPS 140-2 validated in motion) and that the key was kept apart from the data \
    and not compromised";
/// Secured by destruction.
pub const DESTRUCTION: &str = "the record of destruction (method, date, who did it, a \
    certificate of destruction where a vendor did it) showing paper was shredded or destroyed \
    beyond reconstruction or electronic media cleared, purged or destroyed per NIST SP 800-88";
/// 164.402(2).
pub const RISK_ASSESSMENT: &str = "the written risk assessment of the four factors of \
    164.402(2)(i)-(iv), with the rationale for each and its conclusion";
/// 164.404.
pub const INDIVIDUAL_NOTICES: &str = "copies of the notices to individuals with the content of \
    164.404(c), how each was sent (first-class mail or agreed e-mail, 164.404(d)(1)) and when";
/// 164.404(d)(2)(i).
pub const SUBSTITUTE_ALTERNATIVE: &str = "the substitute notice to individuals without usable \
    contact information (alternative written notice, telephone or other means) and when it was \
    given (164.404(d)(2)(i))";
/// 164.404(d)(2)(ii).
pub const SUBSTITUTE_WEB_OR_MEDIA: &str = "the substitute notice: the home-page posting kept 90 \
    days or the major print or broadcast notice, and the toll-free number with the dates it was \
    active, at least 90 days (164.404(d)(2)(ii))";
/// 164.406.
pub const MEDIA_NOTICES: &str = "the notices to prominent media outlets serving each State or \
    jurisdiction in media_states, with their dates (164.406)";
/// 164.408(b).
pub const HHS_NOW: &str = "the confirmation of the breach report to the Secretary through the \
    HHS web site, made with the notices to individuals (164.408(b))";
/// 164.408(c).
pub const HHS_LOG: &str = "the breach log entry and the confirmation of its report to the \
    Secretary within 60 days after the end of the calendar year (164.408(c))";
/// 164.410.
pub const BA_NOTICE: &str = "the business associate's notice to the covered entity, its date \
    and the identification of each affected individual, and any later information for the \
    individual notices (164.410(c))";
/// 164.412(a).
pub const LAW_ENFORCEMENT_WRITTEN: &str = "the law-enforcement official's written statement \
    and the period of delay it specifies (164.412(a))";
/// 164.412(b).
pub const LAW_ENFORCEMENT_ORAL: &str = "the documentation of the oral law-enforcement \
    statement: the date and the identity of the official who made it (164.412(b))";
/// 164.530(j)(2).
pub const RETENTION: &str = "keep each of these six years from when it was created or last in \
    effect, whichever is later (164.530(j)(2), applied by 164.414(a))";
