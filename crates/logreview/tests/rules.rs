//! Each rule on hand-made tables (see `common`): what it flags and what it leaves alone.
#![cfg(test)]

mod common;

use common::{ev, of, run, run_with, view};
use safeharbor_logreview::{Mapping, Rule, RuleSet};

// 2025-01-06 is a Monday.

#[test]
fn a_user_opening_their_own_record_is_self_access_and_a_coworker_opening_it_is_coworker() {
    let a = run(&(view(1, "2025-01-06 10:00:00", "U1", "P1")
        + &view(2, "2025-01-06 10:00:00", "U2", "P1")
        + &view(3, "2025-01-06 10:00:00", "U4", "P1")));
    assert_eq!(of(&a, Rule::SelfAccess), ["1"]);
    assert_eq!(
        of(&a, Rule::Coworker),
        ["2"],
        "U4 works in another department"
    );
    assert!(of(&a, Rule::Family).is_empty());
}

#[test]
fn a_household_member_with_the_same_last_name_is_family_but_a_namesake_elsewhere_is_not() {
    let a =
        run(&(view(1, "2025-01-06 10:00:00", "U1", "P2")
            + &view(2, "2025-01-06 10:00:00", "U1", "P6")));
    assert_eq!(of(&a, Rule::Family), ["1"]);
    assert!(of(&a, Rule::SelfAccess).is_empty());
}

#[test]
fn access_without_an_encounter_in_the_window_is_flagged_and_vip_patients_get_their_own_rule() {
    let a = run(
        &(view(1, "2025-01-07 10:00:00", "U2", "P4") // day after the visit
        + &view(2, "2025-01-05 10:00:00", "U2", "P4") // chart preparation, the day before
        + &view(3, "2025-01-04 10:00:00", "U2", "P4") // two days before: unexplained
        + &view(4, "2025-02-05 10:00:00", "U2", "P4") // 30 days after: explained
        + &view(5, "2025-02-06 10:00:00", "U2", "P4") // 31 days after: unexplained
        + &view(6, "2025-01-06 10:00:00", "U4", "P4") // another department's visit
        + &view(7, "2025-01-06 10:00:00", "U2", "P3") // a VIP without any visit
        + &view(8, "2025-01-07 10:00:00", "U2", "UNKNOWN")),
    );
    assert_eq!(of(&a, Rule::NoCareRelationship), ["3", "5", "6"]);
    assert_eq!(of(&a, Rule::Vip), ["7"]);
    let detail = &a.iter().find(|x| x.event_id == "3").unwrap().detail;
    assert_eq!(
        detail,
        "no encounter in Family Medicine from 2024-12-05 to 2025-01-05"
    );
}

#[test]
fn a_business_department_is_explained_by_an_encounter_in_any_department() {
    let a =
        run(&(view(1, "2025-01-08 10:00:00", "U3", "P4")
            + &view(2, "2025-01-08 10:00:00", "U3", "P2")));
    assert_eq!(of(&a, Rule::NoCareRelationship), ["2"]);
}

#[test]
fn the_care_window_is_a_parameter() {
    let mut m = Mapping::default();
    m.rules.care_window.days_before = 1;
    let (a, _) = run_with(
        &(view(1, "2025-01-07 10:00:00", "U2", "P4") + &view(2, "2025-01-08 10:00:00", "U2", "P4")),
        &m,
        RuleSet::all(),
    );
    assert_eq!(of(&a, Rule::NoCareRelationship), ["2"]);
}

#[test]
fn after_hours_means_before_six_from_twenty_or_weekends_in_departments_not_open_all_day() {
    let a = run(&(view(1, "2025-01-06 21:00:00", "U2", "P4")
        + &view(2, "2025-01-06 05:59:59", "U2", "P4")
        + &view(3, "2025-01-06 06:00:00", "U2", "P4")
        + &view(4, "2025-01-06 19:59:59", "U2", "P4")
        + &view(5, "2025-01-11 12:00:00", "U2", "P4") // Saturday
        + &view(6, "2025-01-06 23:00:00", "U4", "P4"))); // Emergency: 24x7
    assert_eq!(of(&a, Rule::AfterHours), ["1", "2", "5"]);
    let sat = a
        .iter()
        .find(|x| x.event_id == "5" && x.rule == Rule::AfterHours)
        .unwrap();
    assert_eq!(sat.detail, "Sat 12:00");
}

#[test]
fn activity_after_the_termination_day_is_flagged_but_not_on_that_day() {
    let a =
        run(&(view(1, "2025-01-10 16:00:00", "U3", "P4")
            + &view(2, "2025-01-11 09:00:00", "U3", "P4")));
    assert_eq!(of(&a, Rule::TerminatedUser), ["2"]);
    assert_eq!(
        a.iter()
            .find(|x| x.rule == Rule::TerminatedUser)
            .unwrap()
            .detail,
        "terminated 2025-01-10"
    );
}

#[test]
fn every_break_the_glass_access_is_listed_with_what_was_opened() {
    let a = run(&(ev(
        1,
        "2025-01-06 10:00:00",
        "U4",
        "P4",
        "BREAK_GLASS",
        "SUCCESS",
    ) + &view(2, "2025-01-06 10:00:00", "U4", "P4")));
    let btg: Vec<_> = a.iter().filter(|x| x.rule == Rule::BreakGlass).collect();
    assert_eq!(btg.len(), 1);
    assert_eq!(
        (btg[0].event_id.as_str(), btg[0].detail.as_str()),
        ("1", "Chart Review")
    );
}

#[test]
fn five_failed_log_ins_within_fifteen_minutes_make_one_alert_without_a_patient() {
    let mut log = String::new();
    for (i, t) in [
        "10:00:00", "10:03:00", "10:06:00", "10:09:00", "10:14:59", "10:20:00",
    ]
    .iter()
    .enumerate()
    {
        log += &ev(
            u32::try_from(i).unwrap() + 1,
            &format!("2025-01-06 {t}"),
            "U1",
            "",
            "LOGIN",
            "FAILURE",
        );
    }
    // Four failures only: no alert.
    for i in 0..4 {
        log += &ev(
            20 + i,
            &format!("2025-01-06 11:0{i}:00"),
            "U2",
            "",
            "LOGIN",
            "FAILURE",
        );
    }
    // Failed chart views are not log-ins.
    for i in 0..6 {
        log += &ev(
            30 + i,
            &format!("2025-01-06 12:0{i}:00"),
            "U4",
            "P4",
            "VIEW",
            "FAILURE",
        );
    }
    let a = run(&log);
    let f: Vec<_> = a.iter().filter(|x| x.rule == Rule::FailedLogins).collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (
            f[0].event_id.as_str(),
            f[0].user_id.as_str(),
            f[0].patient_id.as_str()
        ),
        ("5", "U1", "")
    );
    let mut m = Mapping::default();
    m.rules.failed_logins.any_failure = true;
    let (a, _) = run_with(&log, &m, RuleSet::all());
    assert_eq!(a.iter().filter(|x| x.rule == Rule::FailedLogins).count(), 2);
}

#[test]
fn access_after_the_date_of_death_is_flagged() {
    let a =
        run(&(view(1, "2025-01-05 10:00:00", "U4", "P5")
            + &view(2, "2025-01-07 10:00:00", "U4", "P5")));
    assert_eq!(of(&a, Rule::DeceasedPatient), ["2"]);
    assert_eq!(
        a.iter()
            .find(|x| x.rule == Rule::DeceasedPatient)
            .unwrap()
            .detail,
        "2 days after the recorded date of death"
    );
}

#[test]
fn a_user_day_far_above_its_peers_is_one_alert_without_event_or_patient() {
    let mut log = String::new();
    let mut id = 0;
    for day in 6..=10 {
        for user in 0..10 {
            let n = if user == 3 && day == 8 { 90 } else { 10 };
            for p in 0..n {
                id += 1;
                log += &view(
                    id,
                    &format!("2025-01-{day:02} 10:00:00"),
                    &format!("V{user}"),
                    &format!("Q{p}"),
                );
                // Repeats of a patient the same day do not count twice.
                log += &view(
                    id + 100_000,
                    &format!("2025-01-{day:02} 10:00:01"),
                    &format!("V{user}"),
                    &format!("Q{p}"),
                );
            }
        }
    }
    let a = run(&log);
    let v: Vec<_> = a.iter().filter(|x| x.rule == Rule::VolumeOutlier).collect();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        (
            v[0].event_id.as_str(),
            v[0].user_id.as_str(),
            v[0].patient_id.as_str()
        ),
        ("", "V3", "")
    );
    assert_eq!(v[0].day.to_string(), "2025-01-08");
    assert!(
        v[0].detail.starts_with("distinct patients 90 vs peer mean"),
        "{}",
        v[0].detail
    );
}

#[test]
fn only_the_rules_asked_for_run_and_unknown_people_are_counted() {
    let log = ev(
        1,
        "2025-01-11 23:00:00",
        "NOBODY",
        "NOPATIENT",
        "BREAK_GLASS",
        "SUCCESS",
    ) + &view(2, "2025-01-11 23:00:00", "U1", "P1");
    let (a, s) = run_with(
        &log,
        &Mapping::default(),
        RuleSet::parse("break_glass").unwrap(),
    );
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].rule, Rule::BreakGlass);
    assert_eq!(s.counts.events, 2);
    assert_eq!(s.counts.unknown_users, (1, 1));
    assert_eq!(s.counts.unknown_patients, (1, 1));
    assert_eq!(s.counts.alerts[Rule::BreakGlass.index()], 1);
    // Unknown people are still reviewed by the rules that need no table about them.
    let a = run(&log);
    assert_eq!(of(&a, Rule::AfterHours), ["1", "2"]);
}
