//! The determination of one case: the claimed exclusion, secured PHI, the presumption of breach
//! and its rebuttal. When a breach remains, [`notices`](super::notices) sets the deadlines.

use super::basis::Basis;
use super::destruction::{self, Refusal};
use super::input::{BreachInput, Case, Conclusion, Exclusion};
use super::output::Determination;
use super::records as rec;

/// Assesses a checked case. Never fails: every rule that could make a case unanswerable was
/// checked when the [`Case`] was made.
pub fn assess(case: &Case) -> Determination {
    let c = case.input();
    let mut b = Basis::new();
    b.keep(rec::INCIDENT);
    if let Some(x) = c.exclusion_claimed
        && exclusion(&mut b, x, c.further_impermissible_use)
    {
        return b.not_a_breach();
    }
    if secured(&mut b, c) {
        return b.not_a_breach();
    }
    if presumption(&mut b, c) {
        return b.not_a_breach();
    }
    super::notices::notices(b, c)
}

/// 164.402(1): whether the claimed exclusion takes the case out of the definition of breach.
fn exclusion(b: &mut Basis, x: Exclusion, further_use: bool) -> bool {
    b.cite(x.citation());
    match x {
        Exclusion::UnintentionalGoodFaithWithinScope if !further_use => {
            b.say(
                "Not a breach: 164.402(1)(i) excludes an unintentional acquisition, access or use \
                 by a workforce member or person acting under the entity's authority, made in \
                 good faith and within that authority, that leads to no further impermissible \
                 use or disclosure.",
            );
            b.keep(rec::EXCLUSION_I);
            true
        }
        Exclusion::InadvertentDisclosureBetweenAuthorizedPersonsSameEntity if !further_use => {
            b.say(
                "Not a breach: 164.402(1)(ii) excludes an inadvertent disclosure from one person \
                 authorized to access PHI to another at the same covered entity, business \
                 associate or organized health care arrangement, when the information is not \
                 further used or disclosed impermissibly.",
            );
            b.keep(rec::EXCLUSION_II);
            true
        }
        Exclusion::RecipientUnableToRetain => {
            b.say(
                "Not a breach: 164.402(1)(iii) excludes a disclosure where the entity believes in \
                 good faith that the recipient could not reasonably have retained the \
                 information.",
            );
            if further_use {
                b.say(
                    "A further impermissible use was reported; (iii), unlike (i) and (ii), has no \
                     such condition, but a further use suggests the recipient did retain the \
                     information, so the good-faith belief needs a documented basis.",
                );
            }
            b.keep(rec::EXCLUSION_III);
            true
        }
        Exclusion::UnintentionalGoodFaithWithinScope
        | Exclusion::InadvertentDisclosureBetweenAuthorizedPersonsSameEntity => {
            b.say("The exclusion claimed under ");
            b.text.push_str(x.citation());
            b.text.push_str(
                " does not apply: it holds only when the information is not further used or \
                 disclosed in a manner subpart E does not permit, and it was.",
            );
            false
        }
    }
}

/// 164.402 (unsecured PHI) and HHS guidance: whether encryption or destruction secured the PHI.
fn secured(b: &mut Basis, c: &BreachInput) -> bool {
    if c.encrypted && c.encryption_standard_met && !c.key_compromised {
        b.say(
            "Not a breach of unsecured PHI (164.402): the PHI was encrypted consistently with HHS \
             guidance (74 FR 42740) and the key was not compromised, so it was unreadable to \
             unauthorized persons and subpart D requires no notice.",
        );
        b.cite("164.402");
        b.cite("74 FR 42740");
        b.keep(rec::ENCRYPTION);
        return true;
    }
    let refusal: Option<Refusal> = c.destruction_method.as_deref().and_then(destruction::judge);
    if c.destroyed && refusal.is_none() {
        b.say(
            "Not a breach of unsecured PHI (164.402): the PHI was destroyed as HHS guidance \
             (74 FR 42740) requires (paper shredded or destroyed beyond reconstruction; \
             electronic media cleared, purged or destroyed per NIST SP 800-88), so subpart D \
             requires no notice.",
        );
        b.cite("164.402");
        b.cite("74 FR 42740");
        b.keep(rec::DESTRUCTION);
        return true;
    }
    if c.encrypted && !c.encryption_standard_met {
        b.say(
            "The PHI was encrypted, but not shown to be encrypted consistently with HHS guidance \
             (74 FR 42740), so it remains unsecured PHI (164.402).",
        );
    } else if c.encrypted && c.key_compromised {
        b.say(
            "The encryption met HHS guidance but the key was compromised, so the PHI was \
             readable and remains unsecured PHI (164.402; 74 FR 42740).",
        );
    }
    if let (true, Some(r)) = (c.destroyed, refusal) {
        b.say("The stated destruction does not secure the PHI: ");
        b.text.push_str(r.reason());
        b.text.push_str(" (164.402; 74 FR 42740).");
    }
    if !c.encrypted && !c.destroyed {
        b.say(
            "The PHI was neither encrypted nor destroyed as HHS guidance (74 FR 42740) \
             specifies, so it is unsecured PHI (164.402).",
        );
    }
    b.cite("164.402");
    b.cite("74 FR 42740");
    false
}

/// 164.402(2): the presumption of breach, rebutted only by a documented four-factor assessment
/// concluding a low probability of compromise. Returns whether it was rebutted.
fn presumption(b: &mut Basis, c: &BreachInput) -> bool {
    b.cite("164.402(2)");
    let assessed = c.four_factor.is_some() || c.risk_assessment_conclusion.is_some();
    if assessed {
        b.keep(rec::RISK_ASSESSMENT);
    }
    match c.risk_assessment_conclusion {
        // Case::new refused this conclusion without all four factors.
        Some(Conclusion::LowProbability) => {
            b.say(
                "Not a breach: the documented risk assessment of the four factors of \
                 164.402(2)(i)-(iv) concludes a low probability that the PHI was compromised, \
                 which rebuts the presumption of breach.",
            );
            true
        }
        Some(Conclusion::NotLow) => {
            b.say(
                "Breach: an impermissible acquisition, access, use or disclosure is presumed a \
                 breach (164.402(2)), and the four-factor risk assessment found the probability \
                 of compromise not low.",
            );
            false
        }
        None => {
            b.say(
                "Breach: an impermissible acquisition, access, use or disclosure is presumed a \
                 breach (164.402(2)), and no four-factor risk assessment concluding a low \
                 probability of compromise was documented.",
            );
            false
        }
    }
}
