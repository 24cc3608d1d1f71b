//! A framework as JSON or CSV.

use safeharbor_domain::catalog::{Framework, Requirement};
use serde_json::{Value, json};

use crate::csv::CsvWriter;

/// `{"framework": {...}, "requirements": [{"ref", "title", "kind", "designation", "parent", ...}]}`.
pub fn to_json(f: &Framework, reqs: &[Requirement]) -> Value {
    json!({
        "framework": {
            "key": f.key, "version": f.version, "title": f.title, "kind": f.kind.as_str(),
            "publisher": f.publisher, "source": f.source, "status": f.status,
            "description": f.description, "shipped": f.shipped,
        },
        "requirements": reqs.iter().map(|r| json!({
            "ref": r.reference,
            "title": r.title,
            "kind": r.kind.as_str(),
            "designation": r.designation.map(safeharbor_domain::catalog::Designation::as_str),
            "parent": r.parent,
            "family": r.family,
            "summary": r.summary,
            "guidance": r.guidance,
            "questions": r.questions,
            "cites": r.cites,
            "withdrawn": r.withdrawn,
        })).collect::<Vec<_>>(),
    })
}

/// One row per requirement: ref, title, kind, designation, parent, family, withdrawn, summary.
pub fn to_csv(reqs: &[Requirement]) -> String {
    let mut w = CsvWriter::new();
    w.row([
        "ref",
        "title",
        "kind",
        "designation",
        "parent",
        "family",
        "withdrawn",
        "summary",
    ]);
    for r in reqs {
        w.row([
            r.reference.as_str(),
            r.title.as_str(),
            r.kind.as_str(),
            r.designation.map_or("", |d| d.as_str()),
            r.parent.as_deref().unwrap_or(""),
            r.family.as_deref().unwrap_or(""),
            if r.withdrawn { "yes" } else { "" },
            r.summary.as_deref().unwrap_or(""),
        ]);
    }
    w.finish()
}
