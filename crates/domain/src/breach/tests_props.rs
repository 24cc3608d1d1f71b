//! Properties over many generated cases: dates across year ends and leap years, the 500
//! thresholds, the business associate's period and law-enforcement holds.

use proptest::prelude::*;
use time::macros::date;
use time::{Duration, Month};

use super::*;

const TODAY: Date = date!(2099 - 12 - 31);

/// Any day from the rule's first day to the end of 2098 (so deadlines land after it).
fn any_day() -> impl Strategy<Value = Date> {
    let first = date!(2009 - 09 - 23).to_julian_day();
    let last = date!(2098 - 12 - 31).to_julian_day();
    (first..=last).prop_map(|j| Date::from_julian_day(j).unwrap())
}

/// The last days of a year and the first days of the next, leap years included.
fn year_end_day() -> impl Strategy<Value = Date> {
    (2010i32..2098, 0i64..70).prop_map(|(y, back)| {
        Date::from_calendar_date(y, Month::December, 31).unwrap() - Duration::days(back - 5)
    })
}

fn case(input: BreachInput) -> Determination {
    assess(&Case::new(input, TODAY).unwrap())
}

fn breach(discovered: Date, individuals: u64) -> BreachInput {
    let mut c = BreachInput::new(discovered);
    c.individuals = Some(individuals);
    c
}

proptest! {
    #[test]
    fn individuals_are_due_exactly_60_calendar_days_after_discovery(d in any_day()) {
        let out = case(breach(d, 3));
        let by = out.individuals_by.unwrap();
        prop_assert_eq!((by - d).whole_days(), 60);
    }

    #[test]
    fn the_annual_log_is_due_60_days_after_the_year_of_discovery_ends(d in year_end_day()) {
        let out = case(breach(d, 499));
        let by = out.hhs_by.unwrap();
        prop_assert_eq!(out.hhs, Some(HhsNotice::AnnualLog));
        prop_assert_eq!(by.year(), d.year() + 1);
        let dec31 = Date::from_calendar_date(d.year(), Month::December, 31).unwrap();
        prop_assert_eq!((by - dec31).whole_days(), 60);
        let leap = time::util::is_leap_year(by.year());
        let expected = if leap { (Month::February, 29) } else { (Month::March, 1) };
        prop_assert_eq!((by.month(), by.day()), expected);
    }

    #[test]
    fn the_secretary_is_told_at_once_from_500_individuals(d in any_day(), n in 0u64..2000) {
        let out = case(breach(d, n));
        if n >= 500 {
            prop_assert_eq!(out.hhs, Some(HhsNotice::WithIndividualNotice));
            prop_assert_eq!(out.hhs_by, out.individuals_by);
        } else {
            prop_assert_eq!(out.hhs, Some(HhsNotice::AnnualLog));
            prop_assert!(out.hhs_by.unwrap() > d);
        }
    }

    #[test]
    fn thresholds_499_500_501_split_the_secretary_and_media_rules(
        d in any_day(), n in prop::sample::select(vec![499u64, 500, 501]),
        code in prop::sample::select(StateCode::ALL.to_vec()),
    ) {
        let mut c = breach(d, n);
        c.states = vec![(code, n)];
        let out = case(c);
        prop_assert_eq!(out.hhs == Some(HhsNotice::WithIndividualNotice), n >= 500);
        prop_assert_eq!(out.media, n > 500);
        prop_assert_eq!(out.media_states, if n > 500 { vec![code] } else { vec![] });
    }

    #[test]
    fn media_states_are_the_sorted_states_above_500(
        d in any_day(),
        counts in prop::collection::btree_map(
            prop::sample::select(StateCode::ALL.to_vec()), 0u64..1200, 0..8),
    ) {
        let total: u64 = counts.values().sum();
        let mut c = breach(d, total);
        // Reversed on purpose: the engine must sort.
        c.states = counts.iter().rev().map(|(s, n)| (*s, *n)).collect();
        let out = case(c);
        let expected: Vec<StateCode> =
            counts.iter().filter(|(_, n)| **n > 500).map(|(s, _)| *s).collect();
        prop_assert_eq!(out.media, !expected.is_empty());
        prop_assert_eq!(out.media_states, expected);
    }

    #[test]
    fn state_counts_above_the_total_are_always_refused(
        d in any_day(), n in 0u64..5000, extra in 1u64..100,
    ) {
        let mut c = breach(d, n);
        c.states = vec![(StateCode::NY, n + extra)];
        prop_assert_eq!(Case::new(c, TODAY).unwrap_err().field, "states");
    }

    #[test]
    fn a_business_associate_owes_the_shorter_of_60_days_and_its_agreement(
        d in any_day(), baa in prop::option::of(0u64..200),
    ) {
        let mut c = breach(d, 10);
        c.discovered_by = Discoverer::BusinessAssociate;
        c.baa_notice_days = baa;
        let out = case(c);
        let days = (out.ba_to_ce_by.unwrap() - d).whole_days();
        prop_assert_eq!(u64::try_from(days).unwrap(), baa.map_or(60, |b| b.min(60)));
        prop_assert_eq!((out.individuals_by.unwrap() - d).whole_days(), 60);
    }

    #[test]
    fn a_hold_never_brings_a_deadline_forward_and_oral_ones_last_30_days_at_most(
        d in any_day(), after in 0u64..90, asked in prop::option::of(0u64..400),
        written in any::<bool>(), n in 0u64..1000,
    ) {
        let plain = case(breach(d, n));
        let mut c = breach(d, n);
        let requested = d + Duration::days(i64::try_from(after).unwrap());
        c.law_enforcement_delay = Some(LawEnforcementDelay {
            kind: if written { DelayKind::Written } else { DelayKind::Oral },
            requested,
            days_requested: if written { Some(asked.unwrap_or(10)) } else { asked },
        });
        let held = case(c);
        let allowed = held.delay_days_allowed.unwrap();
        if !written {
            prop_assert!(allowed <= 30);
        }
        let until = requested + Duration::days(i64::try_from(allowed).unwrap());
        for (p, h) in [(plain.individuals_by, held.individuals_by), (plain.hhs_by, held.hhs_by)] {
            let (p, h) = (p.unwrap(), h.unwrap());
            prop_assert!(h >= p);
            // The deadline moves only to the hold's last day, and only if the hold began by it.
            prop_assert!(h == p || (h == until && requested <= p));
        }
    }

    #[test]
    fn substitute_notice_turns_to_web_or_media_at_10(d in any_day(), k in 0u64..40) {
        let mut c = breach(d, 40);
        c.insufficient_contact_info = Some(k);
        let expected = match k {
            0 => None,
            1..=9 => Some(SubstituteNotice::Alternative),
            _ => Some(SubstituteNotice::WebOrMediaAndTollFree),
        };
        prop_assert_eq!(case(c).substitute_notice, expected);
    }

    #[test]
    fn secured_or_excluded_cases_owe_nothing(
        d in any_day(), n in 0u64..5000, how in 0u8..4, k in 0u64..20,
    ) {
        let mut c = breach(d, n);
        c.insufficient_contact_info = Some(k.min(n));
        c.discovered_by = Discoverer::BusinessAssociate;
        match how {
            0 => { c.encrypted = true; c.encryption_standard_met = true; }
            1 => { c.destroyed = true; c.destruction_method = Some("pulped".into()); }
            2 => c.exclusion_claimed = Some(Exclusion::RecipientUnableToRetain),
            _ => {
                c.risk_assessment_conclusion = Some(Conclusion::LowProbability);
                c.four_factor = Some(FourFactor {
                    nature_extent: Some("a".into()), recipient: Some("b".into()),
                    acquired_or_viewed: Some("c".into()), mitigation: Some("d".into()),
                });
            }
        }
        let out = case(c);
        prop_assert!(!out.is_breach);
        prop_assert!(out.individuals_by.is_none() && out.hhs.is_none() && out.hhs_by.is_none());
        prop_assert!(!out.media && out.media_states.is_empty());
        prop_assert!(out.ba_to_ce_by.is_none() && out.substitute_notice.is_none());
        prop_assert!(out.delay_days_allowed.is_none());
        prop_assert!(!out.documentation_required.is_empty());
    }

    #[test]
    fn a_checked_case_written_as_json_reads_back_the_same(
        d in any_day(), n in 0u64..5000, ba in any::<bool>(), k in 0u64..20,
    ) {
        let mut c = breach(d, n);
        c.states = vec![(StateCode::CA, n / 2), (StateCode::AS, n / 4)];
        c.discovered_by =
            if ba { Discoverer::BusinessAssociate } else { Discoverer::CoveredEntity };
        c.baa_notice_days = ba.then_some(k);
        c.insufficient_contact_info = Some(k.min(n));
        c.media_type = Some("paper".into());
        c.law_enforcement_delay = Some(LawEnforcementDelay {
            kind: DelayKind::Written, requested: d, days_requested: Some(k),
        });
        let checked = Case::new(c, TODAY).unwrap();
        let text = serde_json::to_string(checked.input()).unwrap();
        prop_assert_eq!(Case::from_json(&text, TODAY).unwrap(), checked);
    }
}
