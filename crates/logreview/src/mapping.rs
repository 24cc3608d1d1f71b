//! Column mappings: which column of each file holds which value, how times are written, which
//! values mean break-the-glass, log-in or failure. A mapping is written once per EHR (a TOML
//! file, or a built-in preset); every setting has a default, the layout of the reference data
//! generator, so a file in that layout needs none.

use serde::Deserialize;

use crate::date::{self, Layout};
use crate::report::LoadError;
use crate::rules::RuleParams;

/// The built-in presets.
pub const PRESETS: [&str; 2] = ["safeharbor", "fhir"];

/// A complete mapping (all sections optional in TOML).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    /// The access log.
    pub events: EventsMapping,
    /// The workforce roster.
    pub workforce: WorkforceMapping,
    /// Patient demographics.
    pub patients: PatientsMapping,
    /// Encounters.
    pub encounters: EncountersMapping,
    /// Departments.
    pub departments: DepartmentsMapping,
    /// Rule parameters.
    pub rules: RuleParams,
    /// Unreadable rows per file after which reading stops with an error (default 1000).
    pub max_bad_rows: Option<u64>,
}

/// How the access log is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventFormat {
    /// CSV or TSV with a header row.
    #[default]
    Csv,
    /// FHIR R4 `AuditEvent` resources: `NDJSON`, or a search Bundle.
    Fhir,
}

/// The access log's layout.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsMapping {
    /// CSV (default) or FHIR.
    pub format: EventFormat,
    /// The separator; by default a tab if the header has one and no comma, else a comma.
    pub delimiter: Option<char>,
    /// Whether `"` quotes fields (default true).
    pub quoting: bool,
    /// strftime-like layout of the time column (default `%Y-%m-%d %H:%M:%S`).
    pub timestamp: String,
    /// Action values that mean an emergency access (default `BREAK_GLASS`).
    pub break_glass_actions: Vec<String>,
    /// Action values that mean a log-in (default `LOGIN`, `LOGON`).
    pub login_actions: Vec<String>,
    /// Outcome values that mean failure (default `FAILURE`).
    pub failure_outcomes: Vec<String>,
    /// The columns.
    pub columns: EventColumns,
}

impl Default for EventsMapping {
    fn default() -> Self {
        Self {
            format: EventFormat::Csv,
            delimiter: None,
            quoting: true,
            timestamp: date::DEFAULT_TIMESTAMP.to_owned(),
            break_glass_actions: vec!["BREAK_GLASS".to_owned()],
            login_actions: vec!["LOGIN".to_owned(), "LOGON".to_owned()],
            failure_outcomes: vec!["FAILURE".to_owned()],
            columns: EventColumns::default(),
        }
    }
}

macro_rules! columns {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident = $default:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: String,)*
        }
        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default.to_owned(),)* }
            }
        }
    };
}

columns!(
    /// Header names of the access log's columns (an empty name: the file has no such column).
    EventColumns {
        /// Required: the event's id.
        event_id = "event_id",
        /// Required: when.
        event_time = "event_time",
        /// Required: the account.
        user_id = "user_id",
        /// The user's role (peer group of the volume rule).
        user_role = "user_role",
        /// The user's login department.
        department = "department",
        /// The patient (MRN); empty for events without one.
        patient_id = "patient_id",
        /// `VIEW`, `UPDATE`, `BREAK_GLASS`, `LOGIN`...
        action = "action",
        /// What was opened (shown in break-the-glass alerts).
        activity = "activity",
        /// SUCCESS or FAILURE.
        outcome = "outcome",
    }
);

columns!(
    /// Header names of the workforce roster's columns.
    WorkforceColumns {
        /// Required: the account id used in the access log.
        user_id = "user_id",
        /// "LAST, FIRST", used when there are no first and last name columns.
        name = "user_name",
        /// First name.
        first_name = "first_name",
        /// Last name.
        last_name = "last_name",
        /// Date of birth.
        dob = "dob",
        /// Role.
        role = "role",
        /// Department.
        department = "department",
        /// Employment status.
        status = "status",
        /// Last day of employment.
        termination_date = "termination_date",
        /// Home address (one line).
        home_address = "home_address",
    }
);

columns!(
    /// Header names of the patients file's columns.
    PatientColumns {
        /// Required: the MRN used in the access log.
        patient_id = "patient_id",
        /// "LAST, FIRST", used when there are no first and last name columns.
        name = "patient_name",
        /// First name.
        first_name = "first_name",
        /// Last name.
        last_name = "last_name",
        /// Date of birth.
        dob = "dob",
        /// Address (one line).
        address = "address",
        /// VIP or confidential: 1/0, Y/N, yes/no, true/false.
        vip_flag = "vip_flag",
        /// Date of death, if any.
        date_of_death = "date_of_death",
    }
);

columns!(
    /// Header names of the encounters file's columns.
    EncounterColumns {
        /// Required: the patient.
        patient_id = "patient_id",
        /// Required: the department that saw the patient.
        department = "department",
        /// Required: the day.
        encounter_date = "encounter_date",
    }
);

columns!(
    /// Header names of the departments file's columns.
    DepartmentColumns {
        /// Required: the name, as the access log and encounters write it.
        department = "department",
        /// Required: staffed around the clock (1/0, Y/N, yes/no, true/false).
        is_24x7 = "is_24x7",
        /// Required: `clinical` or `business` (billing, health information management).
        kind = "kind",
    }
);

macro_rules! table_mapping {
    ($(#[$doc:meta])* $name:ident, $cols:ty $(, $(#[$xdoc:meta])* $extra:ident : $ety:ty = $edef:expr)*) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// The separator; by default detected from the header (tab or comma).
            pub delimiter: Option<char>,
            /// Whether `"` quotes fields (default true).
            pub quoting: bool,
            /// Layout of dates (default `%Y-%m-%d`).
            pub date: String,
            $($(#[$xdoc])* pub $extra: $ety,)*
            /// The columns.
            pub columns: $cols,
        }
        impl Default for $name {
            fn default() -> Self {
                Self {
                    delimiter: None,
                    quoting: true,
                    date: date::DEFAULT_DATE.to_owned(),
                    $($extra: $edef,)*
                    columns: <$cols>::default(),
                }
            }
        }
    };
}

table_mapping!(
    /// The workforce roster's layout.
    WorkforceMapping,
    WorkforceColumns,
    /// Status values that mean the person left (default `terminated`); without a status
    /// column, a termination date alone means it.
    terminated_status: Vec<String> = vec!["terminated".to_owned()]
);
table_mapping!(
    /// The patients file's layout.
    PatientsMapping,
    PatientColumns
);
table_mapping!(
    /// The encounters file's layout.
    EncountersMapping,
    EncounterColumns
);
table_mapping!(
    /// The departments file's layout.
    DepartmentsMapping,
    DepartmentColumns
);

impl Mapping {
    /// A built-in preset: `safeharbor` (the layout of the reference generator, the default)
    /// or `fhir` (the access log as FHIR `AuditEvent`, the tables as in `safeharbor`).
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "safeharbor" => Some(Self::default()),
            "fhir" => {
                let mut m = Self::default();
                m.events.format = EventFormat::Fhir;
                Some(m)
            }
            _ => None,
        }
    }

    /// Reads a mapping file (TOML) and checks it.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let m: Self = toml::from_str(text).map_err(|e| LoadError::Mapping(e.to_string()))?;
        m.validate()?;
        Ok(m)
    }

    /// The limit of unreadable rows per file.
    pub fn bad_row_limit(&self) -> u64 {
        self.max_bad_rows.unwrap_or(1000)
    }

    /// Checks layouts, separators and rule parameters.
    pub fn validate(&self) -> Result<(), LoadError> {
        let bad = |what: String| Err(LoadError::Mapping(what));
        if let Err(e) = Layout::new(&self.events.timestamp) {
            return bad(format!("events timestamp: {e}"));
        }
        for (what, d) in [
            ("workforce", &self.workforce.date),
            ("patients", &self.patients.date),
            ("encounters", &self.encounters.date),
            ("departments", &self.departments.date),
        ] {
            if let Err(e) = Layout::new(d) {
                return bad(format!("{what} date: {e}"));
            }
        }
        for (what, d) in [
            ("events", self.events.delimiter),
            ("workforce", self.workforce.delimiter),
            ("patients", self.patients.delimiter),
            ("encounters", self.encounters.delimiter),
            ("departments", self.departments.delimiter),
        ] {
            if d.is_some_and(|c| !c.is_ascii() || c == '"' || c == '\n' || c == '\r') {
                return bad(format!(
                    "{what} delimiter: one ASCII character other than a quote or newline"
                ));
            }
        }
        self.rules
            .validate()
            .map_err(|e| LoadError::Mapping(format!("rules: {e}")))
    }
}

/// The separator: the one configured, else a tab when the header has tabs and no comma.
pub(crate) fn delimiter(configured: Option<char>, header: &[u8]) -> u8 {
    match configured {
        Some(c) => u8::try_from(c).unwrap_or(b','),
        None if header.contains(&b'\t') && !header.contains(&b',') => b'\t',
        None => b',',
    }
}

/// Whether a flag's value is true: 1, y, yes, true, t (any case).
pub(crate) fn parse_flag(v: &[u8]) -> Option<bool> {
    let v = v.trim_ascii();
    let yes: [&[u8]; 5] = [b"1", b"y", b"yes", b"true", b"t"];
    let no: [&[u8]; 5] = [b"0", b"n", b"no", b"false", b"f"];
    if yes.iter().any(|y| v.eq_ignore_ascii_case(y)) {
        Some(true)
    } else if no.iter().any(|n| v.eq_ignore_ascii_case(n)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_file_overrides_only_what_it_names() {
        let m = Mapping::from_toml(
            r#"
            max_bad_rows = 10
            [events]
            delimiter = "\t"
            timestamp = "%m/%d/%Y %H:%M"
            break_glass_actions = ["BTG", "EMERGENCY"]
            [events.columns]
            event_id = "AccessLogId"
            activity = ""
            [workforce.columns]
            name = "EmployeeName"
            first_name = ""
            last_name = ""
            [rules.care_window]
            days_before = 14
            "#,
        )
        .unwrap();
        assert_eq!(m.events.columns.event_id, "AccessLogId");
        assert_eq!(m.events.columns.user_id, "user_id");
        assert_eq!(m.events.columns.activity, "");
        assert_eq!(m.events.delimiter, Some('\t'));
        assert_eq!(m.rules.care_window.days_before, 14);
        assert_eq!(m.rules.care_window.days_after, 1);
        assert_eq!(m.bad_row_limit(), 10);
        assert_eq!(Mapping::preset("safeharbor"), Some(Mapping::default()));
    }

    #[test]
    fn mapping_mistakes_are_named() {
        for (text, want) in [
            ("[events]\ntimestamp = \"%Y-%q\"", "unknown directive %q"),
            ("[events.columns]\nevent_idd = \"x\"", "unknown field"),
            ("[rules.after_hours]\nopens = 30", "after_hours"),
            ("[patients]\ndelimiter = \"\\\"\"", "delimiter"),
        ] {
            let e = Mapping::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn the_mapping_example_of_the_readme_is_valid() {
        let readme = include_str!("../README.md");
        let start = readme.find("```toml\n").unwrap() + 8;
        let end = start + readme[start..].find("```").unwrap();
        let m = Mapping::from_toml(&readme[start..end]).unwrap();
        assert_eq!(m.events.columns.patient_id, "MRN");
        assert_eq!(m.workforce.columns.name, "EmployeeName");
        assert_eq!(m.rules, RuleParams::default());
    }

    #[test]
    fn separators_are_sniffed_from_the_header() {
        assert_eq!(delimiter(None, b"a\tb\tc"), b'\t');
        assert_eq!(delimiter(None, b"a,b\tc"), b',');
        assert_eq!(delimiter(Some(';'), b"a,b"), b';');
        assert_eq!(parse_flag(b" Yes "), Some(true));
        assert_eq!(parse_flag(b"0"), Some(false));
        assert_eq!(parse_flag(b"maybe"), None);
    }
}
