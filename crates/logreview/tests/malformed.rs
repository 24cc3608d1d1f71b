//! Property tests of the readers on malformed rows: they never panic, every unreadable row is
//! counted and named by its line, readable rows are all reviewed, and past the limit reading
//! stops with an error.
#![cfg(test)]

#[expect(
    dead_code,
    reason = "the review helpers of `common` serve the rule tests"
)]
mod common;

use common::{DEPARTMENTS, ENCOUNTERS, EVENTS_HEADER, PATIENTS, WORKFORCE, view};
use proptest::prelude::*;
use safeharbor_logreview::{LoadError, Mapping, Problem, RuleSet, TableSources, review};

/// A row: good, or broken in a way that must be rejected.
#[derive(Debug, Clone)]
enum Row {
    Good,
    NoTime,
    BadTime(String),
    NoUser,
    NoId,
    TooFew,
    TooMany,
}

fn row_strategy() -> impl Strategy<Value = Row> {
    prop_oneof![
        6 => Just(Row::Good),
        1 => Just(Row::NoTime),
        // Never a whole valid time: a letter is always in it.
        1 => "[0-9:/ -]{0,12}[a-z][0-9a-z:/ -]{0,12}".prop_map(Row::BadTime),
        1 => Just(Row::NoUser),
        1 => Just(Row::NoId),
        1 => Just(Row::TooFew),
        1 => Just(Row::TooMany),
    ]
}

fn render(i: u32, r: &Row) -> String {
    let good = view(i, "2025-01-06 10:00:00", "U2", "P4");
    match r {
        Row::Good => good,
        Row::NoTime => good.replacen("2025-01-06 10:00:00", "", 1),
        Row::BadTime(t) => good.replacen("2025-01-06 10:00:00", t, 1),
        Row::NoUser => good.replacen(",U2,", ",,", 1),
        Row::NoId => good[good.find(',').unwrap_or(0)..].to_owned(),
        Row::TooFew => good.replacen(",SUCCESS", "", 1),
        Row::TooMany => good.replacen(",SUCCESS", ",SUCCESS,extra", 1),
    }
}

fn run(log: &str, limit: u64) -> Result<safeharbor_logreview::Summary, LoadError> {
    let tables = TableSources {
        departments: DEPARTMENTS.as_bytes(),
        workforce: WORKFORCE.as_bytes(),
        patients: PATIENTS.as_bytes(),
        encounters: ENCOUNTERS.as_bytes(),
    };
    let mapping = Mapping {
        max_bad_rows: Some(limit),
        ..Mapping::default()
    };
    review(
        tables,
        log.as_bytes(),
        &mapping,
        RuleSet::all(),
        |_| Ok(()),
        |_| {},
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_broken_row_is_counted_by_its_line_and_every_good_row_reviewed(
        rows in proptest::collection::vec(row_strategy(), 1..60)
    ) {
        let mut log = EVENTS_HEADER.to_owned();
        let mut bad_lines = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            log += &render(u32::try_from(i).unwrap() + 1, r);
            if !matches!(r, Row::Good) {
                bad_lines.push(u64::try_from(i).unwrap() + 2);
            }
        }
        let s = run(&log, 1000).unwrap();
        prop_assert_eq!(s.events_rejected.count, bad_lines.len() as u64);
        prop_assert_eq!(s.counts.events, (rows.len() - bad_lines.len()) as u64);
        let named: Vec<String> = s.events_rejected.first.iter().map(|e| e.place.to_string()).collect();
        let want: Vec<String> = bad_lines.iter().take(20).map(|l| format!("line {l}")).collect();
        prop_assert_eq!(named, want);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_past_the_limit_reading_stops(
        body in proptest::collection::vec(any::<u8>(), 0..4000),
        limit in 0u64..5,
    ) {
        let log = format!("{EVENTS_HEADER}{}", String::from_utf8_lossy(&body));
        match run(&log, limit) {
            Ok(s) => prop_assert!(s.events_rejected.count <= limit),
            Err(LoadError::TooManyBadRows { limit: l, first, .. }) => {
                prop_assert_eq!(l, limit);
                prop_assert!(!first.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
        // The same bytes as any reference table: no panic either.
        for which in 0..4 {
            let mut t = [DEPARTMENTS, WORKFORCE, PATIENTS, ENCOUNTERS].map(|s| s.as_bytes().to_vec());
            t[which].extend_from_slice(&body);
            let tables = TableSources {
                departments: &t[0][..],
                workforce: &t[1][..],
                patients: &t[2][..],
                encounters: &t[3][..],
            };
            let _ = review(tables, EVENTS_HEADER.as_bytes(), &Mapping::default(), RuleSet::all(), |_| Ok(()), |_| {});
        }
    }
}

#[test]
fn a_broken_row_names_its_column_and_problem_but_never_its_value() {
    let log = format!(
        "{EVENTS_HEADER}{}{}",
        view(1, "2025-13-45 99:00:00", "U2", "SECRET-MRN"),
        view(2, "2025-01-06 10:00:00", "U2", "P4").replacen(",U2,", ",,", 1)
    );
    let s = run(&log, 10).unwrap();
    let text: Vec<String> = s
        .events_rejected
        .first
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        text,
        [
            "line 2, event_time: is not a time in the layout %Y-%m-%d %H:%M:%S",
            "line 3, user_id: is empty",
        ]
    );
    assert!(matches!(
        s.events_rejected.first[1].problem,
        Problem::Missing
    ));
}

#[test]
fn a_file_without_the_mapped_columns_is_refused_naming_the_column() {
    let e = run("a,b,c\n1,2,3\n", 10).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the events file: no column named \"event_id\" in the header row"
    );
    assert!(e.is_bad_input());
}
