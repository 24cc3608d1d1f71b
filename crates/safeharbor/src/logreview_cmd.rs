//! `safeharbor logreview run`: the access-log review from the command line, for operators and
//! for checks. Reads the files, writes the alerts as CSV and prints counts per rule; needs no
//! database. Exit codes: 0 done, 1 failure, 2 bad usage or input (the problem named, never a
//! value of the files: they are PHI).

use std::fs::{self, File};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use safeharbor_logreview::rules::{ACTIVITY_REVIEW, AUDIT_CONTROLS};
use safeharbor_logreview::{AlertCsv, LoadError, Mapping, RuleSet, Summary, TableSources};

/// Options of `safeharbor logreview run`.
#[derive(Debug, Args)]
pub struct LogreviewRunArgs {
    /// The access log: CSV or TSV with a header row (or FHIR `AuditEvent` resources, NDJSON or
    /// a search Bundle, with `--preset fhir`).
    #[arg(long, value_name = "FILE")]
    pub events: PathBuf,
    /// The workforce roster (CSV).
    #[arg(long, value_name = "FILE")]
    pub workforce: PathBuf,
    /// Patient demographics, with a VIP/confidential flag and optionally a date of death (CSV).
    #[arg(long, value_name = "FILE")]
    pub patients: PathBuf,
    /// Encounters (CSV).
    #[arg(long, value_name = "FILE")]
    pub encounters: PathBuf,
    /// Departments, with `is_24x7` and `kind` (clinical or business) (CSV).
    #[arg(long, value_name = "FILE")]
    pub departments: PathBuf,
    /// Where to write the alerts: CSV with the header `rule,event_id,user_id,patient_id,day,detail`.
    #[arg(long, value_name = "ALERTS.csv")]
    pub out: PathBuf,
    /// A built-in column mapping: `safeharbor` (the default layout) or `fhir`.
    #[arg(long, value_name = "NAME", conflicts_with = "map")]
    pub preset: Option<String>,
    /// A column mapping file (TOML), with rule parameters in its `[rules]` table.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// The rules to run, comma-separated (default: all): `self_access`, `family`, `coworker`,
    /// `vip`, `no_care_relationship`, `after_hours`, `terminated_user`, `volume_outlier`,
    /// `break_glass`, `failed_logins`, `deceased_patient`.
    #[arg(long, value_name = "LIST")]
    pub rules: Option<String>,
}

/// Why the command stopped.
enum Stop {
    /// Bad usage or input: exit 2.
    Usage(String),
    /// Anything else: exit 1.
    Failure(String),
}

/// Runs `logreview run`; returns the exit code.
pub fn run(args: &LogreviewRunArgs) -> ExitCode {
    match execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Stop::Failure(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
    }
}

fn execute(args: &LogreviewRunArgs) -> Result<(), Stop> {
    let mapping = match (&args.preset, &args.map) {
        (Some(name), _) => Mapping::preset(name).ok_or_else(|| {
            let known = safeharbor_logreview::mapping::PRESETS.join(", ");
            Stop::Usage(format!("unknown preset {name:?} (known: {known})"))
        })?,
        (None, Some(path)) => {
            let text = fs::read_to_string(path)
                .map_err(|e| Stop::Usage(format!("reading --map {}: {e}", path.display())))?;
            Mapping::from_toml(&text)
                .map_err(|e| Stop::Usage(format!("--map {}: {e}", path.display())))?
        }
        (None, None) => Mapping::default(),
    };
    let rules = match &args.rules {
        Some(list) => RuleSet::parse(list).map_err(|e| Stop::Usage(format!("--rules: {e}")))?,
        None => RuleSet::all(),
    };
    let open = |flag: &str, path: &Path| {
        File::open(path)
            .map_err(|e| Stop::Usage(format!("opening --{flag} {}: {e}", path.display())))
    };
    let tables = TableSources {
        departments: open("departments", &args.departments)?,
        workforce: open("workforce", &args.workforce)?,
        patients: open("patients", &args.patients)?,
        encounters: open("encounters", &args.encounters)?,
    };
    let events = open("events", &args.events)?;
    let size = events.metadata().map_or(0, |m| m.len());

    // Written beside the target and renamed when complete: a failed review leaves no file.
    let partial = partial_path(&args.out);
    let file = File::create(&partial)
        .map_err(|e| Stop::Usage(format!("creating --out {}: {e}", args.out.display())))?;
    let mut out = AlertCsv::new(BufWriter::with_capacity(1 << 16, file))
        .map_err(|e| Stop::Failure(format!("writing {}: {e}", partial.display())))?;
    let bar = progress(size);
    let result = safeharbor_logreview::review(
        tables,
        events,
        &mapping,
        rules,
        |a| out.write(&a),
        |n| bar.set_position(n),
    );
    bar.finish_and_clear();
    let finished = result.and_then(|s| {
        let w = out.finish().map_err(LoadError::Output)?;
        w.into_inner()
            .map_err(|e| LoadError::Output(e.into_error()))?
            .sync_all()
            .map_err(LoadError::Output)?;
        Ok(s)
    });
    let summary = match finished {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            let m = e.to_string();
            return Err(if e.is_bad_input() {
                Stop::Usage(m)
            } else {
                Stop::Failure(m)
            });
        }
    };
    fs::rename(&partial, &args.out)
        .map_err(|e| Stop::Failure(format!("renaming to {}: {e}", args.out.display())))?;
    print_summary(&summary, rules, &args.out);
    Ok(())
}

fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "alerts".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// A progress bar over the bytes of the access log, only on a terminal.
fn progress(size: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reviewing [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn print_summary(s: &Summary, rules: RuleSet, out: &Path) {
    let c = &s.counts;
    let mut o = std::io::stdout().lock();
    let days = c
        .days
        .map_or_else(String::new, |(a, b)| format!(" from {a} to {b}"));
    let total: u64 = c.alerts.iter().sum();
    let _ = writeln!(
        o,
        "Reviewed {} events{days} ({ACTIVITY_REVIEW}, {AUDIT_CONTROLS}).",
        c.events
    );
    let _ = writeln!(o, "{total} alerts written to {}:", out.display());
    for r in rules.iter() {
        let _ = writeln!(o, "  {:<22}{:>9}", r.name(), c.alerts[r.index()]);
    }
    if c.unknown_users.0 > 0 || c.unknown_patients.0 > 0 || c.unlisted_department_events > 0 {
        let _ = writeln!(
            o,
            "Not in the tables (still reviewed): {} accounts ({} events) not in the workforce list, \
             {} patients ({} events) not in the patients file, {} events of departments not in \
             the departments file.",
            c.unknown_users.0,
            c.unknown_users.1,
            c.unknown_patients.0,
            c.unknown_patients.1,
            c.unlisted_department_events
        );
    }
    if s.tables.encounters_unknown_patient > 0 {
        let _ = writeln!(
            o,
            "{} encounters name a patient not in the patients file (not used).",
            s.tables.encounters_unknown_patient
        );
    }
    // Rows that could not be read: counted, and the first named by line and column.
    for r in s.tables.rejects.iter().chain([&s.events_rejected]) {
        if r.count == 0 {
            continue;
        }
        eprintln!(
            "warning: {} rows of the {} file could not be read:",
            r.count, r.file
        );
        for e in &r.first {
            eprintln!("  {e}");
        }
        if r.count > r.first.len() as u64 {
            eprintln!("  ...");
        }
    }
}
