//! The notices a breach calls for and their deadlines, in calendar days: individuals
//! (164.404), media (164.406), the Secretary (164.408), the covered entity when a business
//! associate discovered the breach (164.410), law-enforcement delay (164.412) and substitute
//! notice (164.404(d)(2)).

use std::fmt::Write as _;

use time::Date;

use super::basis::Basis;
use super::dates;
use super::input::{BreachInput, DelayKind, Discoverer};
use super::output::{Determination, HhsNotice, SubstituteNotice};
use super::records as rec;
use super::state::StateCode;

/// 164.404(b), 164.406(b), 164.410(b): calendar days after discovery.
const NOTICE_DAYS: u64 = 60;
/// 164.408(b)-(c): the Secretary is told at once from this many individuals.
const HHS_NOW_FROM: u64 = 500;
/// 164.406(a): media notice when a State has more residents affected than this.
const MEDIA_ABOVE: u64 = 500;
/// 164.404(d)(2): web or media substitute notice from this many individuals.
const SUBSTITUTE_WEB_FROM: u64 = 10;
/// 164.412(b): the longest delay an oral statement allows.
const ORAL_DELAY_MAX: u64 = 30;

/// 164.412: the hold a law-enforcement statement puts on notices.
#[derive(Clone, Copy)]
struct Hold {
    from: Date,
    until: Date,
}

impl Hold {
    /// A notice due by `deadline` may not go out while the hold lasts: a deadline falling
    /// inside the hold moves to its last day. A hold that starts after the deadline cannot
    /// excuse a notice already late.
    fn apply(hold: Option<Self>, deadline: Date) -> Date {
        match hold {
            Some(h) if h.from <= deadline => deadline.max(h.until),
            _ => deadline,
        }
    }
}

/// The notices of a breach and their deadlines.
pub(super) fn notices(mut b: Basis, c: &BreachInput) -> Determination {
    let (hold, delay_days_allowed) = law_enforcement(c);
    let ba_to_ce_by = (c.discovered_by == Discoverer::BusinessAssociate).then(|| {
        let days = c
            .baa_notice_days
            .map_or(NOTICE_DAYS, |d| d.min(NOTICE_DAYS));
        Hold::apply(hold, dates::after(c.discovered, days))
    });
    discovery(&mut b, c, ba_to_ce_by);

    // 164.404(b); the media's 164.406(b) has the same limit.
    let sixty = dates::after(c.discovered, NOTICE_DAYS);
    let individuals_by = Hold::apply(hold, sixty);
    b.say("Individuals: without unreasonable delay and no later than ");
    b.date(individuals_by);
    if individuals_by == sixty {
        b.text
            .push_str(", 60 calendar days after discovery (164.404(b)).");
    } else {
        b.text.push_str(" (164.404(b): 60 calendar days would end ");
        b.date(sixty);
        b.text
            .push_str("; moved by the law-enforcement hold below).");
    }
    b.cite("164.404(b)");
    b.keep(rec::INDIVIDUAL_NOTICES);

    let media_states = media(&mut b, c, individuals_by);
    let (hhs, hhs_by) = secretary(&mut b, c, individuals_by, hold);
    let substitute_notice = substitute(&mut b, c);
    if let Some(h) = hold {
        explain_hold(&mut b, c, h, individuals_by);
    }

    b.close();
    Determination {
        is_breach: true,
        basis: b.text,
        citations: b.citations,
        individuals_by: Some(individuals_by),
        hhs: Some(hhs),
        hhs_by: Some(hhs_by),
        media: !media_states.is_empty(),
        media_states,
        ba_to_ce_by,
        substitute_notice,
        delay_days_allowed,
        documentation_required: b.records,
    }
}

/// 164.412: how long the statement holds notices, and the days it allows.
fn law_enforcement(c: &BreachInput) -> (Option<Hold>, Option<u64>) {
    let Some(le) = &c.law_enforcement_delay else {
        return (None, None);
    };
    let allowed = match le.kind {
        // Case::new requires the period of a written statement.
        DelayKind::Written => le.days_requested.unwrap_or(0),
        DelayKind::Oral => le
            .days_requested
            .map_or(ORAL_DELAY_MAX, |d| d.min(ORAL_DELAY_MAX)),
    };
    let hold = Hold {
        from: le.requested,
        until: dates::after(le.requested, allowed),
    };
    (Some(hold), Some(allowed))
}

/// The law-enforcement step of the basis.
fn explain_hold(b: &mut Basis, c: &BreachInput, hold: Hold, individuals_by: Date) {
    let Some(le) = &c.law_enforcement_delay else {
        return;
    };
    let (citation, record) = match le.kind {
        DelayKind::Written => {
            b.say("Law enforcement: a written statement of ");
            b.date(le.requested);
            b.text
                .push_str(" delays notices for the period it specifies, to ");
            ("164.412(a)", rec::LAW_ENFORCEMENT_WRITTEN)
        }
        DelayKind::Oral => {
            b.say("Law enforcement: an oral statement of ");
            b.date(le.requested);
            b.text.push_str(
                " delays notices no longer than 30 days from the statement, unless a written \
                 statement follows within that time (then enter that one), to ",
            );
            ("164.412(b)", rec::LAW_ENFORCEMENT_ORAL)
        }
    };
    b.date(hold.until);
    b.text.push_str(" (");
    b.text.push_str(citation);
    b.text.push_str(
        "). The hold stops notices from going out; it does not restart the 60 days, since \
         notices can be prepared while it lasts: a deadline inside the hold moves to its last \
         day, a later deadline stands, and a statement made after a deadline does not excuse a \
         notice already late.",
    );
    if hold.from > dates::after(c.discovered, NOTICE_DAYS) {
        b.say("This statement came after the 60 days had run, so the individual notice was ");
        b.text.push_str("already due on ");
        b.date(individuals_by);
        b.text.push('.');
    }
    b.cite(citation);
    b.keep(record);
}

/// 164.404(a)(2), 164.410: when the clock started and, for a business associate, its own
/// notice to the covered entity.
fn discovery(b: &mut Basis, c: &BreachInput, ba_to_ce_by: Option<Date>) {
    let Some(ba_by) = ba_to_ce_by else {
        b.say("The deadlines run from discovery on ");
        b.date(c.discovered);
        b.text.push_str(
            ", the first day the breach was known, or by reasonable diligence would have been \
             known, to a workforce member or agent other than the person who committed it \
             (164.404(a)(2)).",
        );
        b.cite("164.404(a)(2)");
        return;
    };
    b.say("The business associate discovered the breach on ");
    b.date(c.discovered);
    b.text
        .push_str(" (164.410(a)(2)) and must notify the covered entity by ");
    b.date(ba_by);
    b.text.push_str(match c.baa_notice_days {
        Some(d) if d < NOTICE_DAYS => {
            ", the business associate agreement's period, shorter than the 60 days of 164.410(b)."
        }
        Some(d) if d > NOTICE_DAYS => {
            ": 60 days (164.410(b)); an agreement cannot lengthen the regulation's limit."
        }
        _ => ", 60 days after discovery (164.410(b)).",
    });
    b.say(
        "The covered entity gives the notices below. They run from the business associate's \
         discovery, which 164.404(a)(2) counts as the covered entity's own when the business \
         associate acts as its agent; if it is an independent contractor, the covered entity's \
         60 days start when it is told, so these dates are the earliest that can apply.",
    );
    b.cite("164.410(a)(2)");
    b.cite("164.410(b)");
    b.cite("164.404(a)(2)");
    b.keep(rec::BA_NOTICE);
}

/// 164.408: the Secretary, now or in the annual report of the log.
fn secretary(
    b: &mut Basis,
    c: &BreachInput,
    individuals_by: Date,
    hold: Option<Hold>,
) -> (HhsNotice, Date) {
    let known_at_least: u64 = c.states.iter().map(|(_, n)| n).sum();
    let count = c.individuals.unwrap_or(known_at_least);
    if count >= HHS_NOW_FROM {
        b.say(
            "Secretary: 500 or more individuals, so HHS is notified at the same time as the \
             individuals, by ",
        );
        b.date(individuals_by);
        b.text.push_str(" (164.408(b)).");
        b.cite("164.408(b)");
        b.keep(rec::HHS_NOW);
        return (HhsNotice::WithIndividualNotice, individuals_by);
    }
    if c.individuals.is_none() {
        // Without a count the smaller-breach rule cannot be shown to apply; the earlier
        // deadline is the one that cannot be missed.
        b.say(
            "Secretary: the number of individuals is not given, so the 500-or-more rule is \
             applied and HHS is notified with the individuals, by ",
        );
        b.date(individuals_by);
        b.text
            .push_str(" (164.408(b)); a count under 500 moves this to the annual log.");
        b.cite("164.408(b)");
        b.keep(rec::HHS_NOW);
        return (HhsNotice::WithIndividualNotice, individuals_by);
    }
    let by = Hold::apply(hold, dates::sixty_days_after_year_end(c.discovered));
    b.say(
        "Secretary: fewer than 500 individuals, so the breach goes in the log and is reported \
         to HHS no later than 60 days after the end of ",
    );
    // Writing to a String cannot fail.
    let _ = write!(b.text, "{}", c.discovered.year());
    b.text.push_str(", the calendar year of discovery: by ");
    b.date(by);
    b.text.push_str(" (164.408(c)).");
    b.cite("164.408(c)");
    b.keep(rec::HHS_LOG);
    (HhsNotice::AnnualLog, by)
}

/// 164.406: media notice in each State or jurisdiction with more than 500 affected residents.
fn media(b: &mut Basis, c: &BreachInput, by: Date) -> Vec<StateCode> {
    b.cite("164.406");
    // Case::new sorted the States by code, so the list comes out sorted.
    let states: Vec<StateCode> = c
        .states
        .iter()
        .filter(|(_, n)| *n > MEDIA_ABOVE)
        .map(|(s, _)| *s)
        .collect();
    if let Some((first, rest)) = states.split_first() {
        b.say("Media: more than 500 residents of ");
        b.text.push_str(first.as_str());
        for s in rest {
            b.text.push_str(", ");
            b.text.push_str(s.as_str());
        }
        b.text.push_str(
            " are affected, so prominent media outlets serving each must be notified by ",
        );
        b.date(by);
        b.text.push_str(" (164.406).");
        b.keep(rec::MEDIA_NOTICES);
    } else if c.individuals.is_some_and(|n| n <= MEDIA_ABOVE) {
        b.say(
            "Media: 500 individuals or fewer in all, so no State or jurisdiction has more than \
             500 affected residents and no media notice is due (164.406).",
        );
        return states;
    } else if c.states.is_empty() {
        b.say(
            "Media: the residents per State are not given; if more than 500 residents of one \
             State or jurisdiction are affected, prominent media outlets serving it must be \
             notified by ",
        );
        b.date(by);
        b.text.push_str(" (164.406).");
        return states;
    } else {
        b.say(
            "Media: no State or jurisdiction listed has more than 500 affected residents \
             (164.406).",
        );
    }
    let listed: u64 = c.states.iter().map(|(_, n)| n).sum();
    if c.individuals
        .is_some_and(|n| n.saturating_sub(listed) > MEDIA_ABOVE)
    {
        b.say(
            "More than 500 affected individuals have no State given; if more than 500 of them \
             live in one State or jurisdiction, its media must be notified too.",
        );
    }
    states
}

/// 164.404(d)(2): substitute notice for individuals who cannot be reached in writing.
fn substitute(b: &mut Basis, c: &BreachInput) -> Option<SubstituteNotice> {
    let n = c.insufficient_contact_info.filter(|n| *n > 0)?;
    if n < SUBSTITUTE_WEB_FROM {
        b.say(
            "Fewer than 10 individuals have insufficient or out-of-date contact information: \
             substitute notice by an alternative written notice, telephone or other means \
             (164.404(d)(2)(i)).",
        );
        b.cite("164.404(d)(2)(i)");
        b.keep(rec::SUBSTITUTE_ALTERNATIVE);
        Some(SubstituteNotice::Alternative)
    } else {
        b.say(
            "10 or more individuals have insufficient or out-of-date contact information: \
             substitute notice by a conspicuous posting on the home page for 90 days or in major \
             print or broadcast media where they likely live, with a toll-free number active at \
             least 90 days (164.404(d)(2)(ii)).",
        );
        b.cite("164.404(d)(2)(ii)");
        b.keep(rec::SUBSTITUTE_WEB_OR_MEDIA);
        Some(SubstituteNotice::WebOrMediaAndTollFree)
    }
}
