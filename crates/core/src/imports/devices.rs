//! The device inventory exported by an RMM tool, read through an editable column mapping.
//!
//! The user picks a [`Preset`] (or lets [`DeviceMapping::guess`] match the headers), adjusts the
//! mapping, and the file is read into [`Device`]s. Findings:
//! - `device_unencrypted`: not encrypted and holding ePHI, 164.312(a)(2)(iv);
//! - `patches_missing`: the patch status says patches are missing or failed, 164.308(a)(5)(ii)(B);
//! - `antivirus_missing`: the antivirus status says it is missing, stopped or out of date,
//!   164.308(a)(5)(ii)(B).

use crate::error::{Error, Result};

use super::{CsvFile, Finding, ImportSummary, RowError, loose_in, parse_flag, parse_stamp, text};

/// A column of the device inventory that Safeharbor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceField {
    /// The device's name (required).
    Name,
    /// Whether the device stores, processes or transmits ePHI.
    Ephi,
    /// Whether its disk is encrypted.
    Encryption,
    /// The patch status as the tool reports it.
    PatchStatus,
    /// The antivirus status as the tool reports it.
    Antivirus,
    /// When the tool last heard from it.
    LastSeen,
    /// Its operating system.
    Os,
}

impl DeviceField {
    /// Every field, in the order a form shows them.
    pub const ALL: [Self; 7] = [
        Self::Name,
        Self::Ephi,
        Self::Encryption,
        Self::PatchStatus,
        Self::Antivirus,
        Self::LastSeen,
        Self::Os,
    ];

    /// Stable key, as in the serialized mapping.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Ephi => "ephi",
            Self::Encryption => "encryption",
            Self::PatchStatus => "patch_status",
            Self::Antivirus => "antivirus",
            Self::LastSeen => "last_seen",
            Self::Os => "os",
        }
    }

    /// Label for a form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Device name",
            Self::Ephi => "Holds ePHI",
            Self::Encryption => "Disk encryption",
            Self::PatchStatus => "Patch status",
            Self::Antivirus => "Antivirus",
            Self::LastSeen => "Last seen",
            Self::Os => "Operating system",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Headers (as [`super::header_key`]s, `|`-separated) that [`DeviceMapping::guess`] takes
    /// for this field, best first.
    fn aliases(self) -> &'static str {
        match self {
            Self::Name => {
                "device|device name|name|hostname|host name|host|computer|computer name|\
                 computername|machine|machine name|system name|systemname|display name|\
                 displayname|endpoint"
            }
            Self::Ephi => "holds ephi|ephi|phi|has ephi|contains ephi|stores ephi|ephi role",
            Self::Encryption => {
                "encryption|encrypted|disk encryption|encryption status|encryption at rest|\
                 full disk encryption|bitlocker|bitlocker status|filevault"
            }
            Self::PatchStatus => {
                "patch status|patchstatus|patchmanagement.patchstatus|patches|patching|\
                 patch state|os patch status"
            }
            Self::Antivirus => {
                "antivirus|antivirus status|antivirusstatus|antivirus.antivirusstatus|av|\
                 av status|endpoint protection"
            }
            Self::LastSeen => {
                "last seen|lastseen|last contact|lastcontact|last check in|last checkin|\
                 last online|last response"
            }
            Self::Os => "os|operating system|operatingsystem|os name|os.name|platform",
        }
    }
}

/// A preset mapping, for a `<select>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Preset {
    /// Stable key for [`DeviceMapping::preset`].
    pub key: &'static str,
    /// Name of the tool or format.
    pub label: &'static str,
    /// Where the column names come from and what to check.
    pub note: &'static str,
}

static PRESETS: [Preset; 3] = [
    Preset {
        key: "generic",
        label: "Safeharbor template",
        note: "The documented columns: device, holds_ephi, encryption, patch_status, antivirus, \
               last_seen, os. Only device is required.",
    },
    Preset {
        key: "datto_rmm",
        label: "Datto RMM (API device fields)",
        note: "Field names of the Datto RMM API v2 device record (hostname, operatingSystem, \
               lastSeen, patchManagement.patchStatus, antivirus.antivirusStatus), nested names \
               joined with a dot as an API export script writes them. The web portal's own CSV \
               export was not checked; compare with your file's header row and adjust the \
               mapping. The record has no ePHI or encryption field: map a user-defined field if \
               you keep them there.",
    },
    Preset {
        key: "ninjaone",
        label: "NinjaOne (API device fields)",
        note: "Field names of the NinjaOne public API v2 device record (systemName, lastContact, \
               os.name), as an API export script writes them. The console's own CSV export was \
               not checked; compare with your file's header row and adjust the mapping. Patch, \
               antivirus, encryption and ePHI come from other NinjaOne reports or custom fields: \
               map those columns yourself.",
    },
];

/// Header names of each preset, `|`-separated in [`DeviceField::ALL`] order; empty is none.
static PRESET_HEADERS: [&str; 3] = [
    "device|holds_ephi|encryption|patch_status|antivirus|last_seen|os",
    "hostname|||patchManagement.patchStatus|antivirus.antivirusStatus|lastSeen|operatingSystem",
    "systemName|||||lastContact|os.name",
];

/// For each [`DeviceField`], the header of the file's column that holds it, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceMapping {
    name: Option<String>,
    ephi: Option<String>,
    encryption: Option<String>,
    patch_status: Option<String>,
    antivirus: Option<String>,
    last_seen: Option<String>,
    os: Option<String>,
}

impl DeviceMapping {
    /// The mapping of a preset (see [`Self::presets`]), by key.
    pub fn preset(key: &str) -> Option<DeviceMapping> {
        let at = PRESETS.iter().position(|preset| preset.key == key)?;
        let mut mapping = Self::default();
        for (field, header) in DeviceField::ALL
            .into_iter()
            .zip(PRESET_HEADERS[at].split('|'))
        {
            mapping.set(field, Some(header.to_owned()));
        }
        Some(mapping)
    }

    /// The presets, for a `<select>`; `generic` first.
    pub fn presets() -> &'static [Preset] {
        &PRESETS
    }

    /// A mapping made by matching the file's headers, ignoring case, spaces, `-` and `_`,
    /// against the names tools commonly use. Each header is used once at most.
    pub fn guess(headers: &[String]) -> DeviceMapping {
        let keys: Vec<String> = headers
            .iter()
            .map(|header| super::header_key(header))
            .collect();
        let mut used = vec![false; headers.len()];
        let mut mapping = Self::default();
        for field in DeviceField::ALL {
            let hit = field.aliases().split('|').find_map(|alias| {
                keys.iter()
                    .enumerate()
                    .position(|(at, key)| !used[at] && key == alias)
            });
            if let Some(at) = hit {
                used[at] = true;
                let header = headers[at].trim().trim_start_matches('\u{feff}');
                mapping.set(field, Some(header.to_owned()));
            }
        }
        mapping
    }

    /// Maps `field` to the column named `header`, or to no column. A blank header is none.
    pub fn set(&mut self, field: DeviceField, header: Option<String>) {
        let header = header.filter(|header| !header.trim().is_empty());
        *self.slot(field) = header;
    }

    /// The header `field` is mapped to.
    pub fn get(&self, field: DeviceField) -> Option<&str> {
        match field {
            DeviceField::Name => self.name.as_deref(),
            DeviceField::Ephi => self.ephi.as_deref(),
            DeviceField::Encryption => self.encryption.as_deref(),
            DeviceField::PatchStatus => self.patch_status.as_deref(),
            DeviceField::Antivirus => self.antivirus.as_deref(),
            DeviceField::LastSeen => self.last_seen.as_deref(),
            DeviceField::Os => self.os.as_deref(),
        }
    }

    fn slot(&mut self, field: DeviceField) -> &mut Option<String> {
        match field {
            DeviceField::Name => &mut self.name,
            DeviceField::Ephi => &mut self.ephi,
            DeviceField::Encryption => &mut self.encryption,
            DeviceField::PatchStatus => &mut self.patch_status,
            DeviceField::Antivirus => &mut self.antivirus,
            DeviceField::LastSeen => &mut self.last_seen,
            DeviceField::Os => &mut self.os,
        }
    }
}

/// A device as the inventory describes it. `None` means the file does not say.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    /// Its name.
    pub name: String,
    /// Whether it stores, processes or transmits ePHI.
    pub holds_ephi: Option<bool>,
    /// Whether its disk is encrypted.
    pub encrypted: Option<bool>,
    /// The patch status as written.
    pub patch_status: Option<String>,
    /// Whether `patch_status` says it is fully patched (`None` when the words are not known).
    pub patched: Option<bool>,
    /// The antivirus status (or product) as written.
    pub antivirus: Option<String>,
    /// Whether `antivirus` says it is running and current (`None` when not known).
    pub protected: Option<bool>,
    /// When the tool last heard from it (UTC date).
    pub last_seen: Option<time::Date>,
    /// Its operating system as written.
    pub os: Option<String>,
}

/// Reads a device inventory CSV through `mapping`.
///
/// The mapping must name the device-name column, and every column it names must be in the
/// file. A row with no name or with an unreadable yes/no or date cell is a [`RowError`]; the
/// other rows are still read and checked, so the user sees every bad row at once.
///
/// `device_unencrypted` is reported for an unencrypted device when the file says it holds
/// ePHI, or when no ePHI column is mapped at all: an inventory that does not say which devices
/// hold ePHI cannot clear any of them, so each is treated as possibly holding it. A device the
/// file marks as not holding ePHI, or leaves blank in a mapped ePHI column, is not reported.
pub fn parse_devices(
    data: &[u8],
    mapping: &DeviceMapping,
    max_rows: usize,
) -> Result<ImportSummary<Device>> {
    if mapping.get(DeviceField::Name).is_none() {
        return Err(Error::invalid(
            "mapping",
            "choose the column that holds the device name (\"Device name\"); it is required",
        ));
    }
    let text = text(data)?;
    let mut file = CsvFile::open(text)?;
    let mut columns: [Option<usize>; 7] = [None; 7];
    for field in DeviceField::ALL {
        if let Some(header) = mapping.get(field) {
            let at = file.find(header).ok_or_else(|| {
                Error::invalid(
                    "mapping",
                    format!(
                        "\"{}\" is mapped to the column \"{}\", which is not in the file's \
                         header row; choose one of the file's columns or no column",
                        field.label(),
                        header.trim()
                    ),
                )
            })?;
            columns[field.index()] = Some(at);
        }
    }
    let used: Vec<usize> = columns.iter().flatten().copied().collect();
    let mut summary = ImportSummary::new(file.unused(&used));
    let ephi_unmapped = columns[DeviceField::Ephi.index()].is_none();
    let headers = &file.headers.clone();
    let mut row_errors = Vec::new();
    let ImportSummary {
        records,
        findings,
        errors,
        ..
    } = &mut summary;
    file.rows(max_rows, errors, |line, record| {
        let cell = |field: DeviceField| {
            columns[field.index()]
                .and_then(|at| record.get(at))
                .unwrap_or("")
        };
        match read_device(cell) {
            Ok(device) => {
                device_findings(&device, ephi_unmapped, findings);
                records.push(device);
            }
            Err(bad) => row_errors.extend(bad.into_iter().map(|(field, message)| RowError {
                line,
                field: columns[field.index()].map_or_else(String::new, |at| headers[at].clone()),
                message: message.to_owned(),
            })),
        }
    })?;
    errors.append(&mut row_errors);
    errors.sort_by_key(|error| error.line);
    Ok(summary)
}

/// Problems with the cells of one row: the field and what to fix.
type CellErrors = Vec<(DeviceField, &'static str)>;

fn read_device<'r>(
    cell: impl Fn(DeviceField) -> &'r str,
) -> std::result::Result<Device, CellErrors> {
    let mut bad = CellErrors::new();
    let name = cell(DeviceField::Name);
    if name.is_empty() {
        bad.push((
            DeviceField::Name,
            "is empty; every row needs the device's name",
        ));
    }
    let holds_ephi = read_ephi(cell(DeviceField::Ephi)).unwrap_or_else(|()| {
        bad.push((
            DeviceField::Ephi,
            "is not a yes/no value; write yes or no (or leave it empty when unknown)",
        ));
        None
    });
    let encrypted = parse_flag(cell(DeviceField::Encryption)).unwrap_or_else(|_| {
        bad.push((
            DeviceField::Encryption,
            "is not a yes/no value; write yes or no, encrypted or not encrypted (or leave it \
             empty when unknown)",
        ));
        None
    });
    let last_seen = parse_stamp(cell(DeviceField::LastSeen)).unwrap_or_else(|_| {
        bad.push((
            DeviceField::LastSeen,
            "is not a date Safeharbor can read; write YYYY-MM-DD, YYYY-MM-DD HH:MM, ISO 8601 \
             or M/D/YYYY",
        ));
        None
    });
    if !bad.is_empty() {
        return Err(bad);
    }
    let patch_status = some_text(cell(DeviceField::PatchStatus));
    let antivirus = some_text(cell(DeviceField::Antivirus));
    Ok(Device {
        name: name.to_owned(),
        holds_ephi,
        encrypted,
        patched: patch_status.as_deref().and_then(patch_word),
        patch_status,
        protected: antivirus.as_deref().and_then(antivirus_word),
        antivirus,
        last_seen: last_seen.map(super::Stamp::date),
        os: some_text(cell(DeviceField::Os)),
    })
}

fn some_text(cell: &str) -> Option<String> {
    (!cell.is_empty()).then(|| cell.to_owned())
}

/// A yes/no cell, or the asset inventory's ePHI roles (`stores`, `processes`, `transmits`,
/// `none`).
fn read_ephi(cell: &str) -> std::result::Result<Option<bool>, ()> {
    if loose_in(cell, "stores|processes|transmits") {
        return Ok(Some(true));
    }
    parse_flag(cell).map_err(|_| ())
}

/// Whether a patch status says the device is fully patched; `None` for words that do not say
/// (Datto RMM's `NoPolicy` and `NoData`, product-specific wording).
fn patch_word(status: &str) -> Option<bool> {
    // Datto RMM: FullyPatched, or ApprovedPending, InstallError, RebootRequired (installed, not
    // yet in effect).
    if loose_in(
        status,
        "fullypatched|patched|uptodate|compliant|current|yes|true|ok",
    ) {
        Some(true)
    } else if loose_in(
        status,
        "approvedpending|installerror|rebootrequired|notpatched|unpatched|missing|\
         missingpatches|pending|outofdate|noncompliant|notcompliant|failed|no|false",
    ) {
        Some(false)
    } else {
        None
    }
}

/// Whether an antivirus status says protection is running and current; `None` for words that
/// do not say (a bare product name, for instance).
fn antivirus_word(status: &str) -> Option<bool> {
    // Datto RMM: RunningAndUpToDate, or RunningAndNotUpToDate, NotRunning, NotDetected.
    if loose_in(
        status,
        "runninganduptodate|protected|uptodate|active|on|enabled|yes|true|ok|good",
    ) {
        Some(true)
    } else if loose_in(
        status,
        "runningandnotuptodate|notrunning|notdetected|notinstalled|unprotected|notprotected|\
         outofdate|expired|disabled|off|none|missing|no|false|poor",
    ) {
        Some(false)
    } else {
        None
    }
}

fn device_findings(device: &Device, ephi_unmapped: bool, findings: &mut Vec<Finding>) {
    let name = &device.name;
    if device.encrypted == Some(false) && (device.holds_ephi == Some(true) || ephi_unmapped) {
        let why = if device.holds_ephi == Some(true) {
            format!("The device inventory lists {name} as holding ePHI and not encrypted.")
        } else {
            format!(
                "The device inventory lists {name} as not encrypted and does not say which \
                 devices hold ePHI, so it is treated as possibly holding ePHI."
            )
        };
        findings.push(Finding {
            device: name.clone(),
            code: "device_unencrypted",
            title: format!("Encrypt the disk of {name}"),
            detail: format!(
                "{why} Encryption of ePHI at rest is an addressable implementation \
                 specification, 164.312(a)(2)(iv): turn on full-disk encryption, or document \
                 why an equivalent measure is reasonable and appropriate."
            ),
        });
    }
    if device.patched == Some(false) {
        findings.push(Finding {
            device: name.clone(),
            code: "patches_missing",
            title: format!("Install the missing patches on {name}"),
            detail: format!(
                "The device inventory reports patches missing, pending or failed on {name}. \
                 Unpatched software is a common way in for malicious software: protection from \
                 malicious software, 164.308(a)(5)(ii)(B), and risk management, \
                 164.308(a)(1)(ii)(B). Install the patches, or record why one is held back."
            ),
        });
    }
    if device.protected == Some(false) {
        findings.push(Finding {
            device: name.clone(),
            code: "antivirus_missing",
            title: format!("Restore antivirus protection on {name}"),
            detail: format!(
                "The device inventory reports antivirus on {name} as missing, stopped or out of \
                 date. Protection from malicious software, 164.308(a)(5)(ii)(B): install or \
                 repair it and confirm it updates."
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use time::macros::date;

    const GENERIC: &str = "device,holds_ephi,encryption,patch_status,antivirus,last_seen,os\n";

    fn generic(rows: &str) -> ImportSummary<Device> {
        let data = format!("{GENERIC}{rows}");
        let mapping = DeviceMapping::preset("generic").unwrap();
        parse_devices(data.as_bytes(), &mapping, 1000).unwrap()
    }

    fn codes(summary: &ImportSummary<Device>) -> Vec<(&str, &str)> {
        summary
            .findings
            .iter()
            .map(|finding| (finding.device.as_str(), finding.code))
            .collect()
    }

    #[test]
    fn a_device_holding_ephi_without_encryption_is_a_finding() {
        let summary = generic(
            "FRONT-DESK,yes,no,,,,\n\
             BILLING,yes,encrypted,,,,\n\
             LOBBY-TV,no,no,,,,\n\
             SPARE,,no,,,,\n",
        );
        assert!(summary.errors.is_empty());
        assert_eq!(codes(&summary), [("FRONT-DESK", "device_unencrypted")]);
        let finding = &summary.findings[0];
        assert!(finding.title.contains("FRONT-DESK"));
        assert!(finding.detail.contains("164.312(a)(2)(iv)"));
    }

    #[test]
    fn an_unencrypted_device_counts_as_holding_ephi_when_no_ephi_column_is_mapped() {
        let mut mapping = DeviceMapping::preset("generic").unwrap();
        mapping.set(DeviceField::Ephi, None);
        let data = format!("{GENERIC}FRONT-DESK,no,not encrypted,,,,\n");
        let summary = parse_devices(data.as_bytes(), &mapping, 10).unwrap();
        assert_eq!(codes(&summary), [("FRONT-DESK", "device_unencrypted")]);
        assert!(summary.findings[0].detail.contains("possibly holding ePHI"));
        assert_eq!(summary.ignored_columns, ["holds_ephi"]);
    }

    #[test]
    fn missing_patches_and_stopped_antivirus_are_findings() {
        let summary = generic(
            "WS1,,,ApprovedPending,RunningAndUpToDate,,\n\
             WS2,,,FullyPatched,NotRunning,,\n\
             WS3,,,NoPolicy,Windows Defender,,\n",
        );
        assert_eq!(
            codes(&summary),
            [("WS1", "patches_missing"), ("WS2", "antivirus_missing")]
        );
        assert_eq!(summary.records[2].patched, None);
        assert_eq!(summary.records[2].protected, None);
        assert_eq!(
            summary.records[2].antivirus.as_deref(),
            Some("Windows Defender")
        );
    }

    #[test]
    fn headers_are_guessed_from_the_names_rmm_tools_use() {
        let headers: Vec<String> = [
            "\u{feff}Computer Name",
            "Site",
            "Operating System",
            "BitLocker Status",
            "Last Check-In",
            "AV Status",
            "Patch_Status",
        ]
        .map(str::to_owned)
        .to_vec();
        let mapping = DeviceMapping::guess(&headers);
        assert_eq!(mapping.get(DeviceField::Name), Some("Computer Name"));
        assert_eq!(mapping.get(DeviceField::Os), Some("Operating System"));
        assert_eq!(
            mapping.get(DeviceField::Encryption),
            Some("BitLocker Status")
        );
        assert_eq!(mapping.get(DeviceField::LastSeen), Some("Last Check-In"));
        assert_eq!(mapping.get(DeviceField::Antivirus), Some("AV Status"));
        assert_eq!(mapping.get(DeviceField::PatchStatus), Some("Patch_Status"));
        assert_eq!(mapping.get(DeviceField::Ephi), None);
    }

    #[test]
    fn a_file_with_a_byte_order_mark_reads_through_a_guessed_mapping() {
        let data = "\u{feff}Hostname,Encrypted\nWS1,no\n";
        let headers = vec!["\u{feff}Hostname".to_owned(), "Encrypted".to_owned()];
        let summary = parse_devices(data.as_bytes(), &DeviceMapping::guess(&headers), 10).unwrap();
        assert_eq!(summary.records[0].name, "WS1");
        assert_eq!(summary.records[0].encrypted, Some(false));
    }

    #[test]
    fn each_preset_maps_headers_that_read_its_documented_columns() {
        assert_eq!(DeviceMapping::presets()[0].key, "generic");
        for preset in DeviceMapping::presets() {
            let mapping = DeviceMapping::preset(preset.key).unwrap();
            let (headers, cells): (Vec<&str>, Vec<&str>) = DeviceField::ALL
                .into_iter()
                .filter_map(|field| {
                    let cell = match field {
                        DeviceField::Ephi | DeviceField::Encryption => "yes",
                        DeviceField::LastSeen => "2025-01-31",
                        _ => "x",
                    };
                    mapping.get(field).map(|header| (header, cell))
                })
                .unzip();
            let row = cells.join(",");
            let data = format!("{}\n{row}\n", headers.join(","));
            let summary = parse_devices(data.as_bytes(), &mapping, 10)
                .unwrap_or_else(|err| panic!("{}: {err}", preset.key));
            assert_eq!(summary.records.len(), 1, "{}", preset.key);
            assert!(summary.ignored_columns.is_empty(), "{}", preset.key);
            assert!(!preset.note.is_empty());
        }
        let datto = DeviceMapping::preset("datto_rmm").unwrap();
        assert_eq!(datto.get(DeviceField::Name), Some("hostname"));
        assert_eq!(
            datto.get(DeviceField::PatchStatus),
            Some("patchManagement.patchStatus")
        );
        assert_eq!(DeviceMapping::preset("no-such-tool"), None);
    }

    #[test]
    fn the_mapping_must_name_the_device_name_column() {
        let mut mapping = DeviceMapping::preset("generic").unwrap();
        mapping.set(DeviceField::Name, Some("  ".into()));
        let err = parse_devices(GENERIC.as_bytes(), &mapping, 10).unwrap_err();
        let Error::Invalid(invalid) = err else {
            panic!("expected a validation error");
        };
        assert_eq!(invalid.field, "mapping");
        assert!(invalid.reason.contains("Device name"));
    }

    #[test]
    fn a_mapped_column_missing_from_the_file_is_named() {
        let mut mapping = DeviceMapping::preset("generic").unwrap();
        mapping.set(DeviceField::Os, Some("Operating System".into()));
        let err = parse_devices(format!("{GENERIC}WS1,,,,,,\n").as_bytes(), &mapping, 10)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mapping:"), "{err}");
        assert!(err.contains("\"Operating System\""), "{err}");
        assert!(err.contains("Operating system"), "{err}");
    }

    #[test]
    fn a_bad_row_reports_its_line_and_column_and_the_others_are_still_read() {
        let summary = generic(
            "\"RECEPTION\nPC\",yes,yes,,,,\n\
             ,yes,yes,,,,\n\
             WS2,SSN 123-45-6789,sometimes,,,31/12/2024,\n\
             WS3,yes,no,,,12/31/2024,\n",
        );
        let found: Vec<(usize, &str)> = summary
            .errors
            .iter()
            .map(|error| (error.line, error.field.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (4, "device"),
                (5, "holds_ephi"),
                (5, "encryption"),
                (5, "last_seen")
            ]
        );
        for error in &summary.errors {
            assert!(!error.message.contains("123-45"), "{}", error.message);
            assert!(!error.message.contains("sometimes"), "{}", error.message);
        }
        assert_eq!(summary.records.len(), 2);
        assert_eq!(summary.records[0].name, "RECEPTION\nPC");
        assert_eq!(codes(&summary), [("WS3", "device_unencrypted")]);
    }

    #[test]
    fn last_seen_dates_are_read_in_each_accepted_format() {
        let summary = generic(
            "A,,,,,2025-01-31,\n\
             B,,,,,2025-01-31 23:10,\n\
             C,,,,,2025-01-31T23:10:00Z,\n\
             D,,,,,2025-01-31T23:10:00-05:00,\n\
             E,,,,,1/31/2025 11:10 PM,\n\
             F,,,,,1/31/2025,\n",
        );
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
        let seen: Vec<_> = summary
            .records
            .iter()
            .map(|device| device.last_seen)
            .collect();
        let mut want = vec![Some(date!(2025 - 01 - 31)); 6];
        want[3] = Some(date!(2025 - 02 - 01)); // 23:10 at -05:00 is the next day in UTC
        assert_eq!(seen, want);
    }

    #[test]
    fn more_rows_than_the_limit_are_refused() {
        let data = format!("{GENERIC}A,,,,,,\nB,,,,,,\nC,,,,,,\n");
        let mapping = DeviceMapping::preset("generic").unwrap();
        assert!(parse_devices(data.as_bytes(), &mapping, 3).is_ok());
        let err = parse_devices(data.as_bytes(), &mapping, 2)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "file: has more than 2 rows; split it");
    }

    #[test]
    fn a_file_that_is_not_utf8_or_has_no_rows_is_refused_cleanly() {
        let mapping = DeviceMapping::preset("generic").unwrap();
        let latin1 = b"device,os\nCAF\xC9-PC,Windows\n";
        let err = parse_devices(latin1, &mapping, 10).unwrap_err().to_string();
        assert!(err.starts_with("file: is not UTF-8"), "{err}");
        let err = parse_devices(GENERIC.as_bytes(), &mapping, 10)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no data rows"), "{err}");
    }

    #[test]
    fn a_hundred_thousand_rows_are_read() {
        let mut data = String::from(GENERIC);
        for row in 0..100_000 {
            let encrypted = if row % 10 == 0 { "no" } else { "yes" };
            writeln!(
                data,
                "WS-{row},yes,{encrypted},FullyPatched,RunningAndUpToDate,3/4/2025 1:05 PM,Win 11"
            )
            .unwrap();
        }
        let mapping = DeviceMapping::preset("generic").unwrap();
        let start = std::time::Instant::now();
        let summary = parse_devices(data.as_bytes(), &mapping, 100_000).unwrap();
        let took = start.elapsed();
        assert_eq!(summary.records.len(), 100_000);
        assert_eq!(summary.findings.len(), 10_000);
        assert!(summary.errors.is_empty());
        // Generous for unoptimised test builds; release builds take a fraction of this.
        assert!(took.as_secs() < 10, "took {took:?}");
    }

    #[test]
    fn the_mapping_round_trips_through_json_with_field_keys() {
        let mapping = DeviceMapping::preset("ninjaone").unwrap();
        let json = serde_json::to_value(&mapping).unwrap();
        assert_eq!(json["name"], "systemName");
        assert_eq!(json["ephi"], serde_json::Value::Null);
        let back: DeviceMapping = serde_json::from_value(json).unwrap();
        assert_eq!(back, mapping);
        assert_eq!(DeviceField::PatchStatus.as_str(), "patch_status");
        assert_eq!(DeviceField::ALL.len(), 7);
    }
}
