//! Access-log review: the information system activity review of 45 CFR 164.308(a)(1)(ii)(D),
//! on the records the audit controls of 164.312(b) keep, with log-in monitoring
//! (164.308(a)(5)(ii)(C)).
//!
//! Pure computation over streams, no database and no network: reference tables (workforce,
//! patients, encounters, departments) are read into compact indexes, then the access log
//! (CSV/TSV with a column mapping, or FHIR R4 `AuditEvent`) streams once through the rules,
//! and alerts come out as they are found.
//!
//! The access log is PHI, so the engine keeps only what the review needs: alerts (rule,
//! event, user, patient, day, a few words of detail) and counts. Errors name the file, line
//! and column, never a value.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::fs::File;
//! use safeharbor_logreview::{Mapping, RuleSet, TableSources, review};
//! let tables = TableSources {
//!     departments: File::open("departments.csv")?,
//!     workforce: File::open("workforce.csv")?,
//!     patients: File::open("patients.csv")?,
//!     encounters: File::open("encounters.csv")?,
//! };
//! let events = File::open("access_log.csv")?;
//! let summary = review(tables, events, &Mapping::default(), RuleSet::all(),
//!     |alert| { println!("{} {}", alert.rule, alert.event_id); Ok(()) }, |_bytes| {})?;
//! println!("{} events", summary.counts.events);
//! # Ok(()) }
//! ```

pub mod date;
pub mod encounters;
pub mod engine;
pub mod events;
mod failed;
mod fhir;
pub mod intern;
pub mod mapping;
pub mod output;
pub mod people;
mod pipeline;
pub mod report;
pub mod review;
pub mod rules;
mod scan;
mod table_file;
pub mod tables;
mod volume;

pub use date::Day;
pub use engine::{Alert, Counts, Engine};
pub use events::Event;
pub use mapping::{EventFormat, Mapping};
pub use output::AlertCsv;
pub use report::{FileKind, LoadError, Place, Problem, Rejects, RowError};
pub use review::{Summary, review};
pub use rules::{Rule, RuleParams, RuleSet};
pub use tables::{TableSources, Tables};
