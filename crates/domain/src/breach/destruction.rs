//! How a stated destruction method is judged against HHS guidance on rendering PHI unusable,
//! unreadable or indecipherable (74 FR 42740, guidance under section 13402(h)(2) of the HITECH
//! Act).
//!
//! The guidance accepts two kinds of destruction: paper, film and other hard copy shredded or
//! destroyed so the PHI cannot be read or reconstructed, and electronic media cleared, purged or
//! destroyed consistently with NIST SP 800-88. It names redaction as *not* destruction.
//!
//! `destroyed: true` is the entity's statement that the PHI was destroyed that way. The method
//! text, when given, can only take that statement away: a description that names a technique the
//! guidance or SP 800-88 does not accept is refused, even beside an accepted one, because it
//! leaves open which copies were handled which way. The refused techniques, matched on whole
//! words in any letter case, are:
//! - redaction and its forms: *redact...*, *black(ed) out*, *blackout*, *white(d) out*,
//!   *whiteout*, *mask...* (the guidance excludes redaction by name);
//! - deleting or formatting: *delet...*, *format...*, *reformat...*, *recycle bin* (SP 800-88:
//!   these leave data recoverable; clearing overwrites, purging makes recovery infeasible);
//! - tearing paper by hand: *torn*, *tore*, *tearing*, *ripped*, *hand-torn* (not shredding to a
//!   size that prevents reconstruction).
//!
//! Anything else is taken as the entity describes it; the documentation of the method is then
//! part of what it must keep to carry the burden of proof (164.414(b)).

/// Why a destruction method does not meet HHS guidance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Redaction or masking, which HHS guidance excludes by name.
    Redaction,
    /// Deleting files or formatting media, which NIST SP 800-88 does not count as sanitization.
    DeletionOrFormatting,
    /// Tearing paper by hand, which does not stop reconstruction.
    Tearing,
}

impl Refusal {
    /// Why, in a sentence fragment for the basis of a determination.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Redaction => {
                "it names redaction, which HHS guidance says is not a means of destruction"
            }
            Self::DeletionOrFormatting => {
                "it names deleting or formatting, which leaves data recoverable and is not \
                 clearing, purging or destroying under NIST SP 800-88"
            }
            Self::Tearing => {
                "it names tearing by hand, which does not keep paper from being reconstructed \
                 the way shredding does"
            }
        }
    }
}

/// The first refused technique `method` names, if any.
pub fn judge(method: &str) -> Option<Refusal> {
    let lower = method.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let pair = |a: &[&str], b: &str| words.windows(2).any(|w| a.contains(&w[0]) && w[1] == b);
    let any = |f: &dyn Fn(&str) -> bool| words.iter().any(|w| f(w));
    if any(&|w| {
        w.starts_with("redact") || w.starts_with("mask") || w == "blackout" || w == "whiteout"
    }) || pair(&["black", "blacked", "white", "whited"], "out")
    {
        return Some(Refusal::Redaction);
    }
    if any(&|w| w.starts_with("delet") || w.starts_with("format") || w.starts_with("reformat"))
        || pair(&["recycle"], "bin")
    {
        return Some(Refusal::DeletionOrFormatting);
    }
    if any(&|w| matches!(w, "torn" | "tore" | "tearing" | "ripped")) {
        return Some(Refusal::Tearing);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_in_any_form_is_not_destruction() {
        for m in [
            "Redaction",
            "redacted with a marker",
            "names REDACTED before mailing",
            "blacked out the SSNs",
            "black out",
            "white-out",
            "whited out",
            "data masking",
            "shredded after redaction",
        ] {
            assert_eq!(judge(m), Some(Refusal::Redaction), "{m}");
        }
    }

    #[test]
    fn deleting_formatting_and_tearing_are_not_destruction() {
        for m in [
            "files deleted",
            "deletion",
            "quick format",
            "reformatted the drive",
            "emptied the recycle bin",
        ] {
            assert_eq!(judge(m), Some(Refusal::DeletionOrFormatting), "{m}");
        }
        for m in ["torn in half", "tore up the forms", "ripped by hand"] {
            assert_eq!(judge(m), Some(Refusal::Tearing), "{m}");
        }
    }

    #[test]
    fn accepted_methods_and_words_that_merely_contain_a_refused_one_pass() {
        for m in [
            "cross-cut shredding",
            "pulped",
            "incinerated",
            "purged per NIST SP 800-88 (cryptographic erase)",
            "degaussed and physically destroyed",
            "overwritten with a single pass (clear)",
            "stored in a locked bin, then shredded and recycled",
            "information formerly stored", // "formerly" is not "format", "stored" is not "tore"
            "Tornado-proof vault, pulverized drives",
        ] {
            assert_eq!(judge(m), None, "{m}");
        }
    }
}
