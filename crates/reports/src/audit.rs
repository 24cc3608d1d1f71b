//! The audit trail as CSV.

use safeharbor_domain::audit::AuditEvent;
use time::format_description::well_known::Rfc3339;

use crate::csv::CsvWriter;

/// Column headings of the audit CSV.
pub const AUDIT_COLUMNS: [&str; 12] = [
    "seq",
    "at",
    "actor",
    "actor_user_id",
    "org_id",
    "action",
    "entity_type",
    "entity_id",
    "summary",
    "ip",
    "request_id",
    "hash",
];

/// Renders events as CSV with a heading row.
pub fn audit_csv(events: &[AuditEvent]) -> String {
    let mut w = CsvWriter::new();
    w.row(AUDIT_COLUMNS);
    for e in events {
        let ev = &e.event;
        w.row([
            e.seq.to_string(),
            ev.at.format(&Rfc3339).unwrap_or_default(),
            ev.actor.clone(),
            ev.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
            ev.org_id.map(|o| o.to_string()).unwrap_or_default(),
            ev.action.clone(),
            ev.entity_type.clone(),
            ev.entity_id.clone().unwrap_or_default(),
            ev.summary.clone(),
            ev.ip.clone().unwrap_or_default(),
            ev.request_id.clone().unwrap_or_default(),
            e.hash.clone(),
        ]);
    }
    w.finish()
}
