//! Against the reference material in `../shared/logreview/`: a small data set from its
//! generator, the alerts of its six reference rules computed by `DuckDB`, and its list of
//! injected anomalies.
//!
//! Needs `python3` (or the interpreter named by `LOGREVIEW_PYTHON`) with the `PyPI` packages
//! `numpy`, `polars` and `duckdb`: `pip install `numpy` `polars` duckdb`. Without them these tests fail,
//! they do not skip.
#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use safeharbor_logreview::{Alert, Mapping, Rule, RuleSet, TableSources, review};

type Key = (String, String, String, String, String);

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/logreview")
}

fn python() -> String {
    std::env::var("LOGREVIEW_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn must_run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot start {} ({e}); install python3 and `pip install numpy polars duckdb`",
            python()
        )
    });
    assert!(
        out.status.success(),
        "{what} failed; these tests need python3 with numpy, polars and duckdb \
         (`pip install numpy polars duckdb`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The generated data set, made once for all the tests of this file.
fn data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        must_run(
            Command::new(python())
                .arg(shared().join("gen.py"))
                .args([
                    "--events",
                    "200000",
                    "--users",
                    "400",
                    "--patients",
                    "20000",
                    "--out",
                ])
                .arg(dir.path()),
            "the reference generator (gen.py)",
        );
        dir
    })
    .path()
}

fn ours(dir: &Path, log: &Path) -> Vec<Alert> {
    let open = |name: &str| File::open(dir.join(name)).unwrap();
    let tables = TableSources {
        departments: open("departments.csv"),
        workforce: open("workforce.csv"),
        patients: open("patients.csv"),
        encounters: open("encounters.csv"),
    };
    let mut alerts = Vec::new();
    let s = review(
        tables,
        File::open(log).unwrap(),
        &Mapping::default(),
        RuleSet::all(),
        |a| {
            alerts.push(a);
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(s.counts.events, 200_000);
    assert_eq!(s.events_rejected.count, 0);
    alerts
}

fn key(rule: &str, a: &Alert) -> Key {
    (
        rule.to_owned(),
        a.event_id.clone(),
        a.user_id.clone(),
        a.patient_id.clone(),
        a.day.to_string(),
    )
}

/// `DuckDB`'s alerts: (reference rule, detail) -> keys.
fn duckdb(dir: &Path) -> Vec<(String, String, Key)> {
    let out = dir.join("duckdb-alerts.csv");
    must_run(
        Command::new(python())
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/duckdb_reference.py"))
            .arg("run")
            .arg(shared().join("duckdb-rules.sql"))
            .arg(dir)
            .arg(&out),
        "the reference rules in DuckDB (duckdb_reference.py)",
    );
    let mut rows = Vec::new();
    for r in csv::Reader::from_path(&out).unwrap().records() {
        let r = r.unwrap();
        let f = |i: usize| r.get(i).unwrap().to_owned();
        rows.push((f(0), f(5), (f(0), f(1), f(2), f(3), f(4))));
    }
    rows
}

#[test]
fn the_alerts_of_the_six_reference_rules_equal_duckdbs_exactly() {
    let dir = data();
    let alerts = ours(dir, &dir.join("access_log.csv"));
    let duck = duckdb(dir);
    let reference_rule = |r: Rule| match r {
        Rule::SelfAccess | Rule::Family | Rule::Coworker => Some("relationship"),
        Rule::Vip | Rule::NoCareRelationship => Some("no_care_relationship"),
        Rule::AfterHours | Rule::TerminatedUser | Rule::VolumeOutlier | Rule::BreakGlass => {
            Some(r.name())
        }
        Rule::FailedLogins | Rule::DeceasedPatient => None,
    };
    // On the reference's own terms: (rule, event, user, patient, day).
    let mine: BTreeSet<Key> = alerts
        .iter()
        .filter_map(|a| reference_rule(a.rule).map(|r| key(r, a)))
        .collect();
    let theirs: BTreeSet<Key> = duck.iter().map(|(_, _, k)| k.clone()).collect();
    let only_mine: Vec<_> = mine.difference(&theirs).take(5).collect();
    let only_theirs: Vec<_> = theirs.difference(&mine).take(5).collect();
    assert!(
        mine == theirs,
        "alert sets differ: {} here, {} in DuckDB; only here: {only_mine:?}; only in DuckDB: {only_theirs:?}",
        mine.len(),
        theirs.len()
    );
    // Finer: the reference's sub-labels are our rules.
    let fine_mine: BTreeSet<Key> = alerts
        .iter()
        .filter(|a| reference_rule(a.rule).is_some())
        .map(|a| key(a.rule.name(), a))
        .collect();
    let fine_theirs: BTreeSet<Key> = duck
        .iter()
        .map(|(rule, detail, k)| {
            let name = match (rule.as_str(), detail.as_str()) {
                ("relationship", "self") => "self_access",
                ("relationship", d) => d,
                ("no_care_relationship", "vip") => "vip",
                (r, _) => r,
            };
            let mut k = k.clone();
            name.clone_into(&mut k.0);
            k
        })
        .collect();
    assert!(fine_mine == fine_theirs, "sub-labels differ");
    assert!(
        mine.len() > 5_000,
        "a data set this size gives thousands of alerts"
    );
}

#[test]
fn the_injected_anomalies_are_found_by_the_rules_meant_for_them() {
    let dir = data();
    let alerts = ours(dir, &dir.join("access_log.csv"));
    let mut by_event: HashMap<String, BTreeSet<Rule>> = HashMap::new();
    let mut user_days = BTreeSet::new();
    for a in &alerts {
        if a.rule == Rule::VolumeOutlier {
            user_days.insert((a.user_id.clone(), a.day.to_string()));
        } else {
            by_event
                .entry(a.event_id.clone())
                .or_default()
                .insert(a.rule);
        }
    }
    let mut who: HashMap<String, (String, String)> = HashMap::new();
    for r in csv::Reader::from_path(dir.join("access_log.csv"))
        .unwrap()
        .records()
    {
        let r = r.unwrap();
        who.insert(r[0].to_owned(), (r[2].to_owned(), r[1][..10].to_owned()));
    }
    let mut found: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for r in csv::Reader::from_path(dir.join("truth.csv"))
        .unwrap()
        .records()
    {
        let r = r.unwrap();
        let (id, label) = (&r[0], &r[1]);
        let rules = by_event.get(id).cloned().unwrap_or_default();
        let any = |want: &[Rule]| want.iter().any(|w| rules.contains(w));
        let hit = match label {
            "self" => any(&[Rule::SelfAccess]),
            "family" => any(&[Rule::Family]),
            "coworker" => any(&[Rule::Coworker]),
            "vip_snoop" => any(&[Rule::Vip]),
            "after_hours" => any(&[Rule::AfterHours]),
            "terminated" => any(&[Rule::TerminatedUser]),
            "bulk" => user_days.contains(&who[id]),
            "break_glass" | "snoop" => {
                any(&[Rule::BreakGlass, Rule::Vip, Rule::NoCareRelationship])
            }
            _ => continue, // unusual workstations: no rule of this engine looks at them
        };
        let e = found.entry(label.to_owned()).or_default();
        e.0 += u32::from(hit);
        e.1 += 1;
    }
    let report: Vec<String> = found
        .iter()
        .map(|(l, (h, n))| format!("{l} {h}/{n}"))
        .collect();
    eprintln!("anomalies found: {}", report.join(", "));
    assert_eq!(
        found.len(),
        9,
        "every kind of anomaly is in the data: {report:?}"
    );
    for (label, (hit, n)) in &found {
        // Random snooping (and break-the-glass on a random patient) can land, by chance, on a
        // patient the department did see: those accesses are not anomalies by these rules.
        let floor = if ["snoop", "vip_snoop", "break_glass"].contains(&label.as_str()) {
            0.8
        } else {
            1.0
        };
        assert!(
            f64::from(*hit) >= floor * f64::from(*n),
            "{label}: {hit} of {n} found"
        );
    }
}

#[test]
fn an_unsorted_log_gives_the_same_alerts_as_the_sorted_one() {
    let dir = data();
    let sorted = ours(dir, &dir.join("access_log.csv"));
    // Rows in another order: odd lines first, then even lines backwards.
    let lines: Vec<String> = BufReader::new(File::open(dir.join("access_log.csv")).unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    let (header, rows) = lines.split_first().unwrap();
    let path = dir.join("unsorted.csv");
    let mut f = std::io::BufWriter::new(File::create(&path).unwrap());
    writeln!(f, "{header}").unwrap();
    for l in rows
        .iter()
        .skip(1)
        .step_by(2)
        .chain(rows.iter().step_by(2).rev())
    {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let shuffled = ours(dir, &path);
    let set = |v: &[Alert]| -> BTreeSet<(Key, String)> {
        v.iter()
            .map(|a| (key(a.rule.name(), a), a.detail.clone()))
            .collect()
    };
    assert_eq!(set(&sorted), set(&shuffled));
    assert_eq!(sorted.len(), shuffled.len());
}
