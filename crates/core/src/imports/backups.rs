//! Backup job results exported as CSV by a backup tool: one row per job, with the device it
//! protects, its last successful run and its last restore test.
//!
//! Columns (header names are matched ignoring case, spaces, `-` and `_`; other names accepted
//! are in [`COLUMNS`]): `job` and `device` are required; `last_success` and `last_restore_test`
//! may be empty (no success, no test). A `status` column, if any, is listed in
//! `ignored_columns`: freshness is judged from `last_success` alone.
//!
//! Findings (the data backup plan, 164.308(a)(7)(ii)(A), and testing and revision procedures,
//! 164.308(a)(7)(ii)(D)):
//! - `backup_stale`: no successful backup in the [`BackupLimits::max_age_hours`] (48 by default)
//!   hours before the import;
//! - `restore_test_missing`: no restore test in the [`BackupLimits::restore_test_months`] (12
//!   by default) calendar months before the import.
//!
//! Both periods are Safeharbor defaults an installation can change (`backup_max_age_hours`,
//! `restore_test_max_age_months`), not terms of the rule: the rule asks for retrievable exact
//! copies and for periodic testing without fixing a period. They are in line with good practice
//! and with what the 2025 proposed rule would require.

use time::{Date, Duration, OffsetDateTime};

use crate::error::{Error, Result};

use super::{CsvFile, Finding, ImportSummary, RowError, header_key, parse_stamp, text};

/// The columns a backup CSV may have: the name, whether it is required, and the other header
/// names backup tools use for it.
pub const COLUMNS: [(&str, bool, &[&str]); 4] = [
    (
        "job",
        true,
        &[
            "job name",
            "backup job",
            "backup job name",
            "task",
            "task name",
        ],
    ),
    (
        "device",
        true,
        &[
            "device name",
            "hostname",
            "host",
            "host name",
            "computer",
            "computer name",
            "machine",
            "machine name",
            "server",
            "agent",
            "protected machine",
            "endpoint",
        ],
    ),
    (
        "last_success",
        false,
        &[
            "last successful backup",
            "last successful",
            "last successful run",
            "last successful backup time",
            "last success time",
            "last good backup",
            "last backup success",
        ],
    ),
    (
        "last_restore_test",
        false,
        &[
            "last restore test",
            "last restore test date",
            "last test restore",
            "restore test",
            "last recovery test",
            "last restore verification",
        ],
    ),
];

/// The installation's periods for the backup findings (Safeharbor defaults, not law).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupLimits {
    /// How long a device may go without a successful backup, in hours (default 48).
    pub max_age_hours: u32,
    /// How many calendar months a restore test counts for (default 12).
    pub restore_test_months: u32,
}

impl Default for BackupLimits {
    fn default() -> Self {
        Self {
            max_age_hours: 48,
            restore_test_months: 12,
        }
    }
}

/// A backup job as the tool reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupJob {
    /// The job's name.
    pub job: String,
    /// The device it protects.
    pub device: String,
    /// Its last successful run. A time without an offset is read as UTC, a bare date as its
    /// first moment.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success: Option<OffsetDateTime>,
    /// The last time a restore from it was tested.
    pub last_restore_test: Option<Date>,
}

/// Reads backup job results (see the module documentation), judging freshness at `now`.
pub fn parse_backups(
    data: &[u8],
    now: OffsetDateTime,
    max_rows: usize,
    limits: BackupLimits,
) -> Result<ImportSummary<BackupJob>> {
    let text = text(data)?;
    let mut file = CsvFile::open(text)?;
    let mut at = [None; 4];
    for (slot, (name, required, aliases)) in at.iter_mut().zip(COLUMNS) {
        *slot = file
            .headers
            .iter()
            .map(|header| header_key(header))
            .position(|key| key == header_key(name) || aliases.contains(&key.as_str()));
        if required && slot.is_none() {
            return Err(Error::invalid(
                "file",
                format!(
                    "has no \"{name}\" column; the header row must name it (also accepted: {})",
                    aliases.join(", ")
                ),
            ));
        }
    }
    let used: Vec<usize> = at.iter().flatten().copied().collect();
    let mut summary = ImportSummary::new(file.unused(&used));
    let headers = file.headers.clone();
    let oldest_test = months_before(now.date(), limits.restore_test_months);
    let mut row_errors = Vec::new();
    let ImportSummary {
        records,
        findings,
        errors,
        ..
    } = &mut summary;
    file.rows(max_rows, errors, |line, record| {
        let cell = |column: usize| at[column].and_then(|index| record.get(index)).unwrap_or("");
        let mut bad = |column: usize, message: &str| {
            row_errors.push(RowError {
                line,
                field: at[column]
                    .map_or(COLUMNS[column].0, |index| &headers[index])
                    .to_owned(),
                message: message.to_owned(),
            });
        };
        let (job, device) = (cell(0), cell(1));
        if job.is_empty() {
            bad(0, "is empty; every row needs the backup job's name");
        }
        if device.is_empty() {
            bad(1, "is empty; every row needs the device the job backs up");
        }
        let last_success = parse_stamp(cell(2)).map_err(|_| {
            bad(
                2,
                "is not a date Safeharbor can read; write YYYY-MM-DD HH:MM, ISO 8601 or M/D/YYYY",
            );
        });
        let last_restore_test = parse_stamp(cell(3)).map_err(|_| {
            bad(
                3,
                "is not a date Safeharbor can read; write YYYY-MM-DD, ISO 8601 or M/D/YYYY",
            );
        });
        let (Ok(last_success), Ok(last_restore_test)) = (last_success, last_restore_test) else {
            return;
        };
        if job.is_empty() || device.is_empty() {
            return;
        }
        let record = BackupJob {
            job: job.to_owned(),
            device: device.to_owned(),
            last_success: last_success.map(super::Stamp::instant),
            last_restore_test: last_restore_test.map(super::Stamp::date),
        };
        job_findings(&record, now, oldest_test, limits, findings);
        records.push(record);
    })?;
    errors.append(&mut row_errors);
    errors.sort_by_key(|error| error.line);
    Ok(summary)
}

/// The same day `months` calendar months earlier (the last day of that month when it is
/// shorter: 29 February less 12 months is 28 February).
fn months_before(day: Date, months: u32) -> Date {
    let months = i32::try_from(months).unwrap_or(i32::MAX / 24);
    let total = day.year() * 12 + i32::from(u8::from(day.month())) - 1 - months;
    let year = total.div_euclid(12);
    let month_number = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1);
    let month = time::Month::try_from(month_number).unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, day.day().min(last)).unwrap_or(day)
}

fn job_findings(
    job: &BackupJob,
    now: OffsetDateTime,
    oldest_test: Date,
    limits: BackupLimits,
    out: &mut Vec<Finding>,
) {
    let BackupJob {
        job: name, device, ..
    } = job;
    let hours = limits.max_age_hours;
    let months = limits.restore_test_months;
    let fresh = job
        .last_success
        .is_some_and(|success| success >= now - Duration::hours(i64::from(hours)));
    if !fresh {
        let seen = job.last_success.map_or_else(
            || "reports no successful run".to_owned(),
            |success| format!("last succeeded on {}", success.date()),
        );
        out.push(Finding {
            device: device.clone(),
            code: "backup_stale",
            title: format!(
                "Fix the backup of {device}: job \"{name}\" has not succeeded in {hours} hours"
            ),
            detail: format!(
                "The backup report shows job \"{name}\" for {device} {seen}, and no success in \
                 the {hours} hours before the import ({hours} hours is this installation's \
                 setting, a Safeharbor default rather than a term of the rule). The data backup \
                 plan, 164.308(a)(7)(ii)(A), \
                 needs retrievable exact copies of ePHI, and a restore can only be tested, \
                 164.308(a)(7)(ii)(D), from a backup that exists: fix the job and confirm a \
                 successful run."
            ),
        });
    }
    if job
        .last_restore_test
        .is_none_or(|tested| tested < oldest_test)
    {
        let seen = job.last_restore_test.map_or_else(
            || "has no recorded restore test".to_owned(),
            |tested| format!("was last restore-tested on {tested}"),
        );
        out.push(Finding {
            device: device.clone(),
            code: "restore_test_missing",
            title: format!("Test a restore from the backup of {device} (job \"{name}\")"),
            detail: format!(
                "Job \"{name}\" for {device} {seen}, not within the last {months} months (this \
                 installation's setting, a Safeharbor default rather than a term of the rule). \
                 Testing and \
                 revision procedures, 164.308(a)(7)(ii)(D), for the data backup plan, \
                 164.308(a)(7)(ii)(A): restore a sample from this job, check it opens, and record \
                 the test as evidence."
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2025-06-15 12:00 UTC);

    fn parse(data: &str) -> ImportSummary<BackupJob> {
        parse_backups(data.as_bytes(), NOW, 1000, BackupLimits::default()).unwrap()
    }

    fn codes(summary: &ImportSummary<BackupJob>) -> Vec<(&str, &str)> {
        summary
            .findings
            .iter()
            .map(|finding| (finding.device.as_str(), finding.code))
            .collect()
    }

    #[test]
    fn a_backup_47_hours_old_is_fresh_and_one_49_hours_old_is_stale() {
        let summary = parse(
            "job,device,last_success,last_restore_test\n\
             nightly,FS1,2025-06-13 13:00,2025-05-01\n\
             nightly,FS2,2025-06-13T11:00:00Z,2025-05-01\n\
             nightly,FS3,2025-06-13 12:00,2025-05-01\n",
        );
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        assert_eq!(codes(&summary), [("FS2", "backup_stale")]);
        let finding = &summary.findings[0];
        assert!(finding.title.contains("FS2"));
        assert!(finding.detail.contains("164.308(a)(7)(ii)(A)"));
        assert!(finding.detail.contains("164.308(a)(7)(ii)(D)"));
    }

    #[test]
    fn a_job_with_no_successful_run_is_stale() {
        let summary = parse("job,device,last_success,last_restore_test\nnightly,FS1,,2025-05-01\n");
        assert_eq!(codes(&summary), [("FS1", "backup_stale")]);
        assert!(summary.findings[0].detail.contains("no successful run"));
        assert_eq!(summary.records[0].last_success, None);
    }

    #[test]
    fn a_restore_test_twelve_calendar_months_old_counts_and_one_a_day_older_does_not() {
        let summary = parse(
            "job,device,last_success,last_restore_test\n\
             nightly,FS1,2025-06-15 08:00,2024-06-15\n\
             nightly,FS2,2025-06-15 08:00,2024-06-14\n\
             nightly,FS3,2025-06-15 08:00,\n",
        );
        assert_eq!(
            codes(&summary),
            [
                ("FS2", "restore_test_missing"),
                ("FS3", "restore_test_missing")
            ]
        );
        assert!(summary.findings[0].detail.contains("164.308(a)(7)(ii)(D)"));
        assert!(summary.findings[0].detail.contains("164.308(a)(7)(ii)(A)"));
    }

    #[test]
    fn the_installation_sets_both_periods_and_the_finding_says_they_are_defaults() {
        let data = "job,device,last_success,last_restore_test\n\
                    nightly,FS1,2025-06-14 08:00,2025-01-10\n";
        let limits = BackupLimits {
            max_age_hours: 24,
            restore_test_months: 3,
        };
        let summary = parse_backups(data.as_bytes(), NOW, 1000, limits).unwrap();
        assert_eq!(
            codes(&summary),
            [("FS1", "backup_stale"), ("FS1", "restore_test_missing")]
        );
        assert!(summary.findings[0].title.contains("24 hours"));
        assert!(summary.findings[0].detail.contains("Safeharbor default"));
        assert!(summary.findings[1].detail.contains("3 months"));
        assert!(summary.findings[1].detail.contains("Safeharbor default"));
    }

    #[test]
    fn twelve_months_before_a_leap_day_is_the_end_of_february() {
        assert_eq!(
            months_before(date!(2024 - 02 - 29), 12),
            date!(2023 - 02 - 28)
        );
        assert_eq!(
            months_before(date!(2025 - 01 - 31), 12),
            date!(2024 - 01 - 31)
        );
        assert_eq!(
            months_before(date!(2025 - 03 - 31), 1),
            date!(2025 - 02 - 28)
        );
    }

    #[test]
    fn header_aliases_a_byte_order_mark_and_us_dates_are_accepted() {
        let data = "\u{feff}Job Name,Hostname,Status,Last Successful Backup,Last Restore Test\n\
                    Nightly,FS1,Success,6/14/2025 9:30 PM,3/1/2025\n";
        let summary = parse(data);
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        assert_eq!(
            summary.records,
            [BackupJob {
                job: "Nightly".into(),
                device: "FS1".into(),
                last_success: Some(datetime!(2025-06-14 21:30 UTC)),
                last_restore_test: Some(date!(2025 - 03 - 01)),
            }]
        );
        assert!(summary.findings.is_empty());
        assert_eq!(summary.ignored_columns, ["Status"]);
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err = parse_backups(
            b"job,last_success\nnightly,2025-06-15\n",
            NOW,
            10,
            BackupLimits::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("file: has no \"device\" column"), "{err}");
        assert!(err.contains("hostname"), "{err}");
    }

    #[test]
    fn bad_rows_report_line_and_column_without_the_value() {
        let summary = parse(
            "job,device,last_success,last_restore_test\n\
             nightly,FS1,yesterday,2025-05-01\n\
             ,FS2,2025-06-15,2025-05-01\n\
             nightly,FS3,2025-06-15 08:00,2025-05-01\n",
        );
        let found: Vec<(usize, &str)> = summary
            .errors
            .iter()
            .map(|error| (error.line, error.field.as_str()))
            .collect();
        assert_eq!(found, [(2, "last_success"), (3, "job")]);
        assert!(!summary.errors[0].message.contains("yesterday"));
        assert_eq!(summary.records.len(), 1);
        assert_eq!(summary.records[0].device, "FS3");
    }

    #[test]
    fn more_rows_than_the_limit_are_refused() {
        let data = b"job,device\na,FS1\nb,FS2\n";
        let err = parse_backups(data, NOW, 1, BackupLimits::default())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "file: has more than 1 rows; split it");
    }
}
