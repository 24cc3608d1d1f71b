//! osquery results: the security state of each host, from the results log of `osqueryd`.
//!
//! Accepted input, as osquery writes it (osquery docs, "Logging": `docs/wiki/deployment/
//! logging.md`): the results log, one JSON object per line, in the event format (`"action":
//! "added"|"removed"` with `"columns": {..}`), the snapshot format (`"action": "snapshot"` with
//! `"snapshot": [..]`) or the batch format (`"diffResults": {"added": [..], "removed": [..]}`);
//! or a JSON array of such objects, as log shippers export them. Every entry must name its host
//! (`hostIdentifier`; `hostname` in the documentation's older examples). Column values are
//! strings (numbers are taken too, as `--logger_numerics` writes them).
//!
//! Rows are recognised by the columns of the osquery table they come from, not by the query's
//! name (table specs in `specs/` of the osquery repository):
//! - `os_version` (`name`, `version`, `build`, ...): the operating system;
//! - `bitlocker_info` (`protection_status`, 1 = on) on Windows, `disk_encryption`
//!   (`encrypted`, "1") on macOS and Linux: disk encryption;
//! - `windows_security_center` (`firewall`, "Good" or "Poor") on Windows, `alf`
//!   (`global_state` 1 or 2 = on) on macOS: the firewall;
//! - `screenlock` (`enabled` with `grace_period`) on macOS, and on Windows the registry value
//!   `InactivityTimeoutSecs` under `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\
//!   System` ("Interactive logon: Machine inactivity limit", the setting DISA STIGs
//!   WN16-SO-000140 and WN19-SO-000120 check; 0 means no lock): the screen lock. The per-user
//!   screen-saver values under `HKEY_USERS\<SID>\Control Panel\Desktop` are not read: they
//!   differ per user and have no single documented query.
//!
//! Differential entries are applied in file order ("removed" forgets a state that "added"
//! recorded); a snapshot replaces what was known of its tables for that host.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};
use time::Date;
use time::macros::date;

use crate::error::{Error, Result};

use super::{Finding, ImportSummary, RowError, text};

/// What osquery says about one host. `None` means its results do not say.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostState {
    /// The host identifier osquery reported (the hostname unless configured otherwise).
    pub device: String,
    /// Whether its disks are encrypted.
    pub disk_encrypted: Option<bool>,
    /// Whether the screen locks on inactivity.
    pub screen_lock: Option<bool>,
    /// Whether the firewall is on.
    pub firewall: Option<bool>,
    /// `os_version.name`, e.g. "Microsoft Windows 10 Pro".
    pub os_name: Option<String>,
    /// `os_version.version`.
    pub os_version: Option<String>,
    /// `os_version.build`.
    pub os_build: Option<String>,
}

/// The end of Microsoft support for a Windows product family (Microsoft Lifecycle Policy,
/// learn.microsoft.com/lifecycle, "end of extended support" / "retirement" date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndOfSupport {
    /// The product family.
    pub family: &'static str,
    /// The first day without security updates.
    pub ends: Date,
}

/// Windows families past end of support. Windows 8 (not 8.1) is left out: its end moved more
/// than once. macOS and Linux are left out: Apple publishes no end-of-support dates, and Linux
/// dates differ by distribution and release.
pub const WINDOWS_END_OF_SUPPORT: [EndOfSupport; 8] = [
    EndOfSupport::new("Windows XP", date!(2014 - 04 - 08)),
    EndOfSupport::new("Windows Vista", date!(2017 - 04 - 11)),
    EndOfSupport::new("Windows 7", date!(2020 - 01 - 14)),
    EndOfSupport::new("Windows 8.1", date!(2023 - 01 - 10)),
    // Home, Pro, Enterprise and Education, version 22H2. LTSC/LTSB and IoT editions have their
    // own later dates and are not matched.
    EndOfSupport::new("Windows 10", date!(2025 - 10 - 14)),
    EndOfSupport::new("Windows Server 2003", date!(2015 - 07 - 14)),
    EndOfSupport::new("Windows Server 2008", date!(2020 - 01 - 14)),
    EndOfSupport::new("Windows Server 2012", date!(2023 - 10 - 10)),
];

impl EndOfSupport {
    const fn new(family: &'static str, ends: Date) -> Self {
        Self { family, ends }
    }
}

/// The Windows family of an `os_version` name past end of support on `today`, if any.
pub fn end_of_support(os_name: &str, today: Date) -> Option<&'static EndOfSupport> {
    let lower = os_name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.'))
        .filter(|word| !word.is_empty() && *word != "r" && *word != "tm")
        .collect();
    let at = words.iter().position(|word| *word == "windows")?;
    let family = match words.get(at + 1..)? {
        ["server", "2003", ..] => "Windows Server 2003",
        ["server", "2008", ..] => "Windows Server 2008",
        ["server", "2012", ..] => "Windows Server 2012",
        ["xp", ..] => "Windows XP",
        ["vista", ..] => "Windows Vista",
        ["7", ..] => "Windows 7",
        ["8.1", ..] => "Windows 8.1",
        ["10", rest @ ..]
            if !rest
                .iter()
                .any(|word| matches!(*word, "ltsc" | "ltsb" | "iot")) =>
        {
            "Windows 10"
        }
        _ => return None,
    };
    WINDOWS_END_OF_SUPPORT
        .iter()
        .find(|entry| entry.family == family && today >= entry.ends)
}

const EXPECTED: &str = "is not osquery results output: expected the osqueryd results log (one \
    JSON object per line with hostIdentifier, name, and columns or snapshot) or a JSON array \
    of such objects";

/// Reads osquery results (see the module documentation) and reports, per host, the findings
/// `disk_unencrypted`, `screen_lock_off`, `firewall_off` and `os_end_of_life` (judged on
/// `today`).
pub fn parse_osquery(data: &[u8], today: Date) -> Result<ImportSummary<HostState>> {
    let text = text(data)?.trim();
    let entries = entries(text)?;
    let mut summary = ImportSummary::new(Vec::new());
    let mut hosts = Hosts::default();
    let mut valid = 0_usize;
    for (line, entry) in entries {
        let outcome = entry
            .map_err(|message| Bad::Entry("entry", message))
            .and_then(|entry| apply(&entry, &mut hosts));
        match outcome {
            Ok(()) => valid += 1,
            Err(Bad::NoHost) => {
                return Err(Error::invalid(
                    "file",
                    format!("{EXPECTED}; entry {line} names no host (hostIdentifier)"),
                ));
            }
            Err(Bad::Entry(field, message)) => summary.errors.push(RowError {
                line,
                field: field.into(),
                message: message.into(),
            }),
        }
    }
    if valid == 0 {
        return Err(Error::invalid("file", EXPECTED));
    }
    if hosts.order.is_empty() {
        return Err(Error::invalid(
            "file",
            "has no results from the osquery tables Safeharbor reads (os_version, \
             bitlocker_info, disk_encryption, windows_security_center, alf, screenlock, registry \
             InactivityTimeoutSecs); schedule those queries and export again",
        ));
    }
    for device in hosts.order {
        let Some(known) = hosts.by_name.remove(&device) else {
            continue;
        };
        let state = known.state(device);
        host_findings(&state, today, &mut summary.findings);
        summary.records.push(state);
    }
    Ok(summary)
}

/// One entry and its number (the line of a log, or the position in an array), or why it is
/// not JSON.
type Entry = (usize, std::result::Result<Value, &'static str>);

fn entries(text: &str) -> Result<Vec<Entry>> {
    if text.starts_with('[') {
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
            return Err(Error::invalid("file", EXPECTED));
        };
        return Ok(items
            .into_iter()
            .enumerate()
            .map(|(at, item)| (at + 1, Ok(item)))
            .collect());
    }
    if let Ok(single) = serde_json::from_str::<Value>(text) {
        return Ok(vec![(1, Ok(single))]);
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(at, line)| {
            let value = serde_json::from_str::<Value>(line)
                .map_err(|_| "is not a JSON object; each line of the results log is one");
            (at + 1, value)
        })
        .collect())
}

/// Why an entry cannot be taken.
enum Bad {
    /// It has results but no host: not from osqueryd's results log.
    NoHost,
    /// It is malformed: the part and what is wrong.
    Entry(&'static str, &'static str),
}

/// How a row changes what is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Added,
    Removed,
}

fn apply(entry: &Value, hosts: &mut Hosts) -> std::result::Result<(), Bad> {
    let Value::Object(object) = entry else {
        return Err(Bad::Entry(
            "entry",
            "is not an osquery result; expected an object with hostIdentifier, name and columns \
             or snapshot",
        ));
    };
    let results = ["columns", "snapshot", "diffResults"]
        .iter()
        .any(|key| object.contains_key(*key));
    if !results {
        return Err(Bad::Entry(
            "entry",
            "is not an osquery result; expected columns, snapshot or diffResults",
        ));
    }
    let host = match object
        .get("hostIdentifier")
        .or_else(|| object.get("hostname"))
    {
        None | Some(Value::Null) => return Err(Bad::NoHost),
        Some(Value::String(host)) if !host.trim().is_empty() => host.trim(),
        Some(_) => {
            return Err(Bad::Entry(
                "hostIdentifier",
                "must be the host's name as text",
            ));
        }
    };
    if let Some(columns) = object.get("columns") {
        let row = as_row(columns, "columns")?;
        let action = match object.get("action").and_then(Value::as_str) {
            Some("removed") => Action::Removed,
            _ => Action::Added,
        };
        hosts.apply_row(host, row, action);
    } else if let Some(snapshot) = object.get("snapshot") {
        let Value::Array(rows) = snapshot else {
            return Err(Bad::Entry("snapshot", "must be a list of rows"));
        };
        let rows = rows
            .iter()
            .map(|row| as_row(row, "snapshot"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        hosts.apply_snapshot(host, &rows);
    } else if let Some(diff) = object.get("diffResults") {
        let Value::Object(diff) = diff else {
            return Err(Bad::Entry(
                "diffResults",
                "must be an object of added and removed rows",
            ));
        };
        for (key, action) in [("removed", Action::Removed), ("added", Action::Added)] {
            let Some(rows) = diff.get(key) else {
                continue;
            };
            let Value::Array(rows) = rows else {
                return Err(Bad::Entry(
                    "diffResults",
                    "added and removed must be lists of rows",
                ));
            };
            for row in rows {
                hosts.apply_row(host, as_row(row, "diffResults")?, action);
            }
        }
    }
    Ok(())
}

fn as_row<'v>(
    value: &'v Value,
    part: &'static str,
) -> std::result::Result<&'v Map<String, Value>, Bad> {
    let Value::Object(row) = value else {
        return Err(Bad::Entry(
            part,
            "must hold rows as objects of column names and values",
        ));
    };
    if row
        .values()
        .any(|cell| matches!(cell, Value::Array(_) | Value::Object(_)))
    {
        return Err(Bad::Entry(part, "column values must be text or numbers"));
    }
    Ok(row)
}

/// A column's value as text; `None` when absent or null.
fn cell<'v>(row: &'v Map<String, Value>, column: &str) -> Option<Cow<'v, str>> {
    match row.get(column)? {
        Value::String(text) => Some(Cow::Borrowed(text.trim())),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Bool(flag) => Some(Cow::Borrowed(if *flag { "1" } else { "0" })),
        _ => None,
    }
}

/// The checks a table answers, each keyed by the row's identity within the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Check {
    OsVersion,
    Bitlocker,
    DiskEncryption,
    SecurityCenter,
    Alf,
    Screenlock,
    InactivityLimit,
}

/// What a recognised row says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reading {
    Os {
        name: Option<String>,
        version: Option<String>,
        build: Option<String>,
    },
    Flag(Option<bool>),
}

/// The checks a row answers, with its key within the table and what it says.
fn recognise(row: &Map<String, Value>) -> Vec<(Check, String, Reading)> {
    let has = |column: &str| row.contains_key(column);
    let owned = |column: &str| {
        cell(row, column)
            .filter(|value| !value.is_empty())
            .map(Cow::into_owned)
    };
    let flag = |column: &str, on: &[&str], off: &[&str]| {
        let value = cell(row, column);
        let is = |words: &[&str]| {
            value
                .as_deref()
                .is_some_and(|value| words.iter().any(|word| value.eq_ignore_ascii_case(word)))
        };
        Reading::Flag(if is(on) {
            Some(true)
        } else if is(off) {
            Some(false)
        } else {
            None
        })
    };
    let mut found = Vec::new();
    if is_inactivity_limit(row) {
        let seconds = cell(row, "data").and_then(|data| data.parse::<u64>().ok());
        let locks = Reading::Flag(seconds.map(|seconds| seconds > 0));
        found.push((Check::InactivityLimit, String::new(), locks));
    } else if has("name") && (has("version") || has("major")) {
        let (name, version, build) = (owned("name"), owned("version"), owned("build"));
        let os = Reading::Os {
            name,
            version,
            build,
        };
        found.push((Check::OsVersion, String::new(), os));
    }
    if has("protection_status") {
        // 2 means unknown (a locked volume).
        let key = owned("device_id").or_else(|| owned("drive_letter"));
        let on = flag("protection_status", &["1"], &["0"]);
        found.push((Check::Bitlocker, key.unwrap_or_default(), on));
    } else if has("encrypted") {
        let key = owned("name").or_else(|| owned("uuid"));
        let on = flag("encrypted", &["1"], &["0"]);
        found.push((Check::DiskEncryption, key.unwrap_or_default(), on));
    }
    if has("firewall") {
        // Snoozed, Not Monitored and Error say nothing of the firewall itself.
        let on = flag("firewall", &["good"], &["poor"]);
        found.push((Check::SecurityCenter, String::new(), on));
    }
    if has("global_state") {
        let on = flag("global_state", &["1", "2"], &["0"]);
        found.push((Check::Alf, String::new(), on));
    }
    if has("enabled") && has("grace_period") {
        let on = flag("enabled", &["1"], &["0"]);
        found.push((Check::Screenlock, String::new(), on));
    }
    found
}

/// Whether a `registry` row is the machine inactivity limit.
fn is_inactivity_limit(row: &Map<String, Value>) -> bool {
    let named =
        cell(row, "name").is_some_and(|name| name.eq_ignore_ascii_case("InactivityTimeoutSecs"));
    named
        && ["path", "key"].iter().any(|column| {
            cell(row, column).is_some_and(|path| {
                path.to_ascii_lowercase()
                    .contains("\\windows\\currentversion\\policies\\system")
            })
        })
}

/// What is known of each host, in the order hosts first appear.
#[derive(Debug, Default)]
struct Hosts {
    order: Vec<String>,
    by_name: HashMap<String, Known>,
}

/// The current reading of each (check, key) of one host.
#[derive(Debug, Default)]
struct Known {
    readings: BTreeMap<(Check, String), Reading>,
}

impl Hosts {
    fn host(&mut self, host: &str) -> &mut Known {
        if !self.by_name.contains_key(host) {
            self.order.push(host.to_owned());
        }
        self.by_name.entry(host.to_owned()).or_default()
    }

    fn apply_row(&mut self, host: &str, row: &Map<String, Value>, action: Action) {
        let found = recognise(row);
        if found.is_empty() {
            return;
        }
        let known = self.host(host);
        for (check, key, reading) in found {
            let slot = (check, key);
            match action {
                Action::Added => {
                    known.readings.insert(slot, reading);
                }
                // Forget only the state this row recorded: an "added" row of the same run may
                // already have replaced it.
                Action::Removed => {
                    if known.readings.get(&slot) == Some(&reading) {
                        known.readings.remove(&slot);
                    }
                }
            }
        }
    }

    fn apply_snapshot(&mut self, host: &str, rows: &[&Map<String, Value>]) {
        let found: Vec<_> = rows.iter().flat_map(|row| recognise(row)).collect();
        if found.is_empty() {
            return;
        }
        let known = self.host(host);
        for (check, _, _) in &found {
            known.readings.retain(|(held, _), _| held != check);
        }
        for (check, key, reading) in found {
            known.readings.insert((check, key), reading);
        }
    }
}

impl Known {
    fn flags(&self, check: Check) -> impl Iterator<Item = bool> + '_ {
        self.readings
            .iter()
            .filter(move |((held, _), _)| *held == check)
            .filter_map(|(_, reading)| match reading {
                Reading::Flag(flag) => *flag,
                Reading::Os { .. } => None,
            })
    }

    /// `Some(false)` if any reading is off, else `Some(true)` if any is on.
    fn all_on(&self, check: Check) -> Option<bool> {
        self.flags(check)
            .fold(None, |seen, on| Some(seen.unwrap_or(true) && on))
    }

    /// `Some(true)` if any reading is on, else `Some(false)` if any is off.
    fn any_on(&self, check: Check) -> Option<bool> {
        self.flags(check)
            .fold(None, |seen, on| Some(seen.unwrap_or(false) || on))
    }

    fn state(&self, device: String) -> HostState {
        // BitLocker lists each volume: any unprotected volume can hold ePHI. disk_encryption
        // lists every block device, including boot and EFI partitions that are never encrypted
        // by design, so a host counts as encrypted when any volume is.
        let disk_encrypted = self
            .all_on(Check::Bitlocker)
            .or_else(|| self.any_on(Check::DiskEncryption));
        let firewall = both(self.all_on(Check::SecurityCenter), self.all_on(Check::Alf));
        let screen_lock = both(
            self.all_on(Check::Screenlock),
            self.all_on(Check::InactivityLimit),
        );
        let os = self
            .readings
            .iter()
            .find_map(|((check, _), reading)| match reading {
                Reading::Os {
                    name,
                    version,
                    build,
                } if *check == Check::OsVersion => {
                    Some((name.clone(), version.clone(), build.clone()))
                }
                _ => None,
            });
        let (os_name, os_version, os_build) = os.unwrap_or_default();
        HostState {
            device,
            disk_encrypted,
            screen_lock,
            firewall,
            os_name,
            os_version,
            os_build,
        }
    }
}

/// Two sources of one fact: off if either is off.
fn both(first: Option<bool>, second: Option<bool>) -> Option<bool> {
    match (first, second) {
        (Some(one), Some(other)) => Some(one && other),
        (one, other) => one.or(other),
    }
}

fn host_findings(host: &HostState, today: Date, out: &mut Vec<Finding>) {
    let device = &host.device;
    let mut push = |code: &'static str, title: String, detail: String| {
        out.push(Finding {
            device: device.clone(),
            code,
            title,
            detail,
        });
    };
    if host.disk_encrypted == Some(false) {
        push(
            "disk_unencrypted",
            format!("Turn on disk encryption on {device}"),
            format!(
                "osquery reports that {device} has a disk without encryption (BitLocker \
                 protection off on a volume, or no encrypted volume in disk_encryption). \
                 Encryption of ePHI at rest, 164.312(a)(2)(iv), is addressable: turn on \
                 BitLocker, FileVault or LUKS, or document why an equivalent measure is \
                 reasonable and appropriate."
            ),
        );
    }
    if host.screen_lock == Some(false) {
        push(
            "screen_lock_off",
            format!("Turn on the screen lock on {device}"),
            format!(
                "osquery reports that {device} does not lock its screen after inactivity. \
                 Automatic logoff, 164.312(a)(2)(iii), and workstation use and security, \
                 164.310(b) and 164.310(c): require a password after the screen saver or a \
                 machine inactivity limit of 15 minutes or less."
            ),
        );
    }
    if host.firewall == Some(false) {
        push(
            "firewall_off",
            format!("Turn on the firewall on {device}"),
            format!(
                "osquery reports that the firewall on {device} is off or unhealthy. The \
                 Security Rule names no firewall, but workstation security, 164.310(c), and \
                 protection from malicious software, 164.308(a)(5)(ii)(B), expect one: turn it \
                 on, or record the network firewall that protects this device instead."
            ),
        );
    }
    if let Some(name) = host.os_name.as_deref()
        && let Some(end) = end_of_support(name, today)
    {
        let esu = if end.family == "Windows 10" {
            " A device enrolled in Microsoft's Extended Security Updates (ESU) programme still \
             receives security updates until its ESU term ends: if it is enrolled, record the \
             enrolment as evidence and plan the upgrade before the term ends."
        } else {
            ""
        };
        push(
            "os_end_of_life",
            format!(
                "Upgrade {device} from {}, which is past end of support",
                end.family
            ),
            format!(
                "osquery reports that {device} runs {}. Microsoft ended support for it on {} \
                 and publishes no more security updates for it.{esu} Risk management, \
                 164.308(a)(1)(ii)(B), and protection from malicious software, \
                 164.308(a)(5)(ii)(B): upgrade or replace it, or isolate it and record why.",
                end.family, end.ends
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE_WIN10_END: Date = date!(2025 - 10 - 13);
    const WIN10_END: Date = date!(2025 - 10 - 14);

    fn line(host: &str, name: &str, action: &str, columns: &str) -> String {
        format!(
            r#"{{"name":"{name}","hostIdentifier":"{host}","calendarTime":"Mon Oct 13 09:00:00 2025 UTC","unixTime":1760346000,"epoch":0,"counter":1,"numerics":false,"columns":{columns},"action":"{action}"}}"#
        )
    }

    fn codes(summary: &ImportSummary<HostState>) -> Vec<(&str, &str)> {
        summary
            .findings
            .iter()
            .map(|finding| (finding.device.as_str(), finding.code))
            .collect()
    }

    fn windows_log() -> String {
        [
            line(
                "WS1",
                "pack_hipaa_os",
                "added",
                r#"{"name":"Microsoft Windows 10 Pro","version":"10.0.19045","major":"10","minor":"0","build":"19045","platform":"windows"}"#,
            ),
            line(
                "WS1",
                "pack_hipaa_bitlocker",
                "added",
                r#"{"device_id":"\\\\?\\Volume{1}\\","drive_letter":"C:","protection_status":"1"}"#,
            ),
            line(
                "WS1",
                "pack_hipaa_bitlocker",
                "added",
                r#"{"device_id":"\\\\?\\Volume{2}\\","drive_letter":"D:","protection_status":"0"}"#,
            ),
            line(
                "WS1",
                "pack_hipaa_wsc",
                "added",
                r#"{"firewall":"Poor","autoupdate":"Good","antivirus":"Good"}"#,
            ),
            line(
                "WS1",
                "pack_hipaa_lock",
                "added",
                r#"{"path":"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\InactivityTimeoutSecs","name":"InactivityTimeoutSecs","type":"REG_DWORD","data":"0"}"#,
            ),
            line("WS1", "processes", "added", r#"{"name":"osqueryd","pid":"42"}"#),
        ]
        .join("\n")
    }

    #[test]
    fn results_log_lines_are_merged_into_one_state_per_host() {
        let summary = parse_osquery(windows_log().as_bytes(), BEFORE_WIN10_END).unwrap();
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        assert_eq!(
            summary.records,
            [HostState {
                device: "WS1".into(),
                disk_encrypted: Some(false),
                screen_lock: Some(false),
                firewall: Some(false),
                os_name: Some("Microsoft Windows 10 Pro".into()),
                os_version: Some("10.0.19045".into()),
                os_build: Some("19045".into()),
            }]
        );
        assert_eq!(
            codes(&summary),
            [
                ("WS1", "disk_unencrypted"),
                ("WS1", "screen_lock_off"),
                ("WS1", "firewall_off")
            ]
        );
        assert!(summary.findings[0].detail.contains("164.312(a)(2)(iv)"));
        assert!(summary.findings[1].detail.contains("164.312(a)(2)(iii)"));
    }

    #[test]
    fn windows_10_is_past_end_of_support_from_14_october_2025() {
        let summary = parse_osquery(windows_log().as_bytes(), WIN10_END).unwrap();
        let eol: Vec<&Finding> = summary
            .findings
            .iter()
            .filter(|finding| finding.code == "os_end_of_life")
            .collect();
        assert_eq!(eol.len(), 1);
        assert!(eol[0].title.contains("WS1"));
        assert!(eol[0].detail.contains("2025-10-14"));
        assert!(eol[0].detail.contains("Extended Security Updates"));
    }

    #[test]
    fn end_of_support_matches_the_product_family_only() {
        let today = date!(2026 - 01 - 01);
        let family = |name: &str| end_of_support(name, today).map(|end| end.family);
        assert_eq!(
            family("Microsoft® Windows Server® 2008 R2 Standard"),
            Some("Windows Server 2008")
        );
        assert_eq!(
            family("Microsoft Windows Server 2012 R2 Datacenter"),
            Some("Windows Server 2012")
        );
        assert_eq!(
            family("Microsoft Windows 7 Professional"),
            Some("Windows 7")
        );
        assert_eq!(family("Microsoft Windows 8.1 Pro"), Some("Windows 8.1"));
        assert_eq!(family("Microsoft Windows 10 Enterprise LTSC"), None);
        assert_eq!(family("Microsoft Windows 11 Pro"), None);
        assert_eq!(family("Microsoft Windows Server 2016 Standard"), None);
        assert_eq!(family("macOS"), None);
        assert_eq!(
            end_of_support("Microsoft Windows 7 Professional", date!(2020 - 01 - 13)),
            None
        );
    }

    #[test]
    fn a_json_array_of_results_in_snapshot_form_is_read() {
        let data = r#"[
          {"name":"mac_security","hostIdentifier":"MAC1","calendarTime":"x","unixTime":"1","action":"snapshot",
           "snapshot":[{"global_state":"1","version":"1.6"},{"enabled":"0","grace_period":"-1"}]},
          {"name":"mac_disks","hostIdentifier":"MAC1","action":"snapshot",
           "snapshot":[{"name":"/dev/disk0s1","uuid":"a","encrypted":"0","type":""},
                       {"name":"/dev/disk1s1","uuid":"b","encrypted":"1","type":"APFS Encryption"}]},
          {"name":"os","hostIdentifier":"MAC1","action":"snapshot",
           "snapshot":[{"name":"macOS","version":"14.5","major":"14","minor":"5","build":"23F79","platform":"darwin"}]}
        ]"#;
        let summary = parse_osquery(data.as_bytes(), WIN10_END).unwrap();
        let host = &summary.records[0];
        assert_eq!(host.firewall, Some(true));
        assert_eq!(host.screen_lock, Some(false));
        assert_eq!(host.disk_encrypted, Some(true));
        assert_eq!(host.os_name.as_deref(), Some("macOS"));
        assert_eq!(codes(&summary), [("MAC1", "screen_lock_off")]);
    }

    #[test]
    fn a_later_snapshot_replaces_what_an_earlier_one_said() {
        let snapshot = |status: &str| {
            format!(
                r#"{{"name":"bl","hostIdentifier":"WS1","action":"snapshot","snapshot":[{{"drive_letter":"C:","protection_status":"{status}"}}]}}"#
            )
        };
        let data = format!("{}\n{}\n", snapshot("0"), snapshot("1"));
        let summary = parse_osquery(data.as_bytes(), WIN10_END).unwrap();
        assert_eq!(summary.records[0].disk_encrypted, Some(true));
        assert!(summary.findings.is_empty());
    }

    #[test]
    fn a_removed_row_forgets_only_the_state_it_had_recorded() {
        let off = r#"{"drive_letter":"C:","protection_status":"0"}"#;
        let on = r#"{"drive_letter":"C:","protection_status":"1"}"#;
        let data = [
            line("WS1", "bl", "added", off),
            line("WS1", "bl", "added", on),
            line("WS1", "bl", "removed", off),
        ]
        .join("\n");
        let summary = parse_osquery(data.as_bytes(), WIN10_END).unwrap();
        assert_eq!(summary.records[0].disk_encrypted, Some(true));
    }

    #[test]
    fn batched_differential_results_are_read() {
        let data = r#"{"name":"wsc","hostIdentifier":"WS2","diffResults":{"added":[{"firewall":"Good"}],"removed":[{"firewall":"Poor"}]}}"#;
        let summary = parse_osquery(data.as_bytes(), WIN10_END).unwrap();
        assert_eq!(summary.records[0].firewall, Some(true));
    }

    #[test]
    fn rows_are_merged_per_host_in_order_of_first_appearance() {
        let data = [
            line("B", "wsc", "added", r#"{"firewall":"Good"}"#),
            line("A", "wsc", "added", r#"{"firewall":"Poor"}"#),
            line(
                "B",
                "bl",
                "added",
                r#"{"drive_letter":"C:","protection_status":"1"}"#,
            ),
        ]
        .join("\n");
        let summary = parse_osquery(data.as_bytes(), WIN10_END).unwrap();
        let hosts: Vec<(&str, Option<bool>, Option<bool>)> = summary
            .records
            .iter()
            .map(|host| (host.device.as_str(), host.firewall, host.disk_encrypted))
            .collect();
        assert_eq!(
            hosts,
            [("B", Some(true), Some(true)), ("A", Some(false), None)]
        );
    }

    #[test]
    fn a_malformed_entry_is_reported_by_its_number_and_the_others_are_read() {
        let data = format!(
            "{}\n\nnot json\n{}\n",
            line("WS1", "wsc", "added", r#"{"firewall":"Good"}"#),
            line("WS1", "wsc", "added", r#"["Good"]"#),
        );
        let summary = parse_osquery(data.as_bytes(), WIN10_END).unwrap();
        let found: Vec<(usize, &str)> = summary
            .errors
            .iter()
            .map(|error| (error.line, error.field.as_str()))
            .collect();
        assert_eq!(found, [(3, "entry"), (4, "columns")]);
        assert_eq!(summary.records[0].firewall, Some(true));
    }

    #[test]
    fn input_that_is_not_osquery_results_is_refused() {
        let refused = |data: &str| {
            let err = parse_osquery(data.as_bytes(), WIN10_END)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("file: is not osquery results output: expected"),
                "{data}: {err}"
            );
        };
        refused("device,os\nWS1,Windows\n");
        refused(r#"{"devices":[{"name":"WS1"}]}"#);
        refused("[1, 2, 3]");
        // osqueryi --json prints bare rows without a host.
        refused(r#"[{"name":"Microsoft Windows 10 Pro","version":"10.0.19045"}]"#);
        refused(r#"{"name":"os","columns":{"name":"Windows"},"action":"added"}"#);
        refused("");
    }

    #[test]
    fn results_from_other_tables_only_are_refused_with_the_tables_to_schedule() {
        let data = line(
            "WS1",
            "processes",
            "added",
            r#"{"name":"osqueryd","pid":"42"}"#,
        );
        let err = parse_osquery(data.as_bytes(), WIN10_END)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bitlocker_info"), "{err}");
    }
}
