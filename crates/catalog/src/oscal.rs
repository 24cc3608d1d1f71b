//! OSCAL catalogs: exporting a framework as an OSCAL 1.2.1 catalog, and importing any OSCAL
//! catalog (JSON) as a framework.

use safeharbor_domain::catalog::{
    Designation, Framework, FrameworkKind, Requirement, RequirementKind,
};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::{Catalog, CatalogError, HIPAA_SECURITY};

/// The OSCAL version Safeharbor writes.
pub const OSCAL_VERSION: &str = "1.2.1";
/// Namespace of Safeharbor's own OSCAL properties.
pub const NS: &str = "https://safeharbor.example/ns/oscal";

/// An OSCAL identifier (token) for a requirement reference: `164.308(a)(1)(ii)(A)` becomes
/// `r-164.308_a_1_ii_A`.
pub fn token(reference: &str) -> String {
    let mut out = String::from("r-");
    for c in reference.chars() {
        match c {
            '(' => out.push('_'),
            ')' => {}
            ' ' => out.push('-'),
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => out.push(c),
            _ => out.push('_'),
        }
    }
    out
}

fn prop(name: &str, value: &str, ns: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if ns {
        m.insert("ns".into(), json!(NS));
    }
    m.insert("value".into(), json!(value));
    Value::Object(m)
}

fn control(c: &Catalog, r: &Requirement, nested: bool) -> Value {
    let id = token(&r.reference);
    let mut props = vec![
        prop("label", &r.reference, false),
        prop("kind", r.kind.as_str(), true),
    ];
    if let Some(d) = r.designation {
        props.push(prop("designation", d.as_str(), true));
    }
    if r.withdrawn {
        props.push(prop("status", "withdrawn", false));
    }
    let mut parts = Vec::new();
    if let Some(s) = &r.summary {
        parts.push(json!({"id": format!("{id}_ovw"), "name": "overview", "prose": s}));
    }
    if let Some(g) = &r.guidance {
        parts.push(json!({"id": format!("{id}_gdn"), "name": "guidance", "prose": g}));
    }
    if !r.questions.is_empty() {
        let qs: Vec<Value> = r.questions.iter().enumerate().map(|(i, q)| json!({"id": format!("{id}_obj.{}", i + 1), "name": "assessment-objective", "prose": q})).collect();
        parts.push(json!({"id": format!("{id}_obj"), "name": "assessment-objective", "parts": qs}));
    }
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("class".into(), json!(r.kind.as_str().replace('_', "-")));
    m.insert("title".into(), json!(single_line(&r.title)));
    m.insert("props".into(), Value::Array(props));
    if !parts.is_empty() {
        m.insert("parts".into(), Value::Array(parts));
    }
    if nested {
        let kids: Vec<Value> = c
            .children(&r.framework, &r.reference)
            .into_iter()
            .map(|k| control(c, k, true))
            .collect();
        if !kids.is_empty() {
            m.insert("controls".into(), Value::Array(kids));
        }
    }
    Value::Object(m)
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn group(id: &str, title: &str, class: &str, groups: Vec<Value>, controls: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("class".into(), json!(class));
    m.insert("title".into(), json!(single_line(title)));
    if !groups.is_empty() {
        m.insert("groups".into(), Value::Array(groups));
    }
    if !controls.is_empty() {
        m.insert("controls".into(), Value::Array(controls));
    }
    Value::Object(m)
}

const FAMILIES: [(&str, &str); 6] = [
    ("general", "General rules (164.306)"),
    ("administrative", "Administrative safeguards (164.308)"),
    ("physical", "Physical safeguards (164.310)"),
    ("technical", "Technical safeguards (164.312)"),
    ("organizational", "Organizational requirements (164.314)"),
    (
        "documentation",
        "Policies and procedures and documentation requirements (164.316)",
    ),
];

/// A framework as an OSCAL 1.2.1 catalog. The HIPAA Security Rule is grouped by safeguard
/// family and standard; other frameworks follow their own hierarchy.
pub fn export(c: &Catalog, key: &str, now: OffsetDateTime) -> Option<Value> {
    let f = c.framework(key)?;
    let reqs = c.requirements(key);
    let groups: Vec<Value> = if key == HIPAA_SECURITY {
        FAMILIES
            .iter()
            .map(|(fam, title)| {
                let members: Vec<&Requirement> = reqs
                    .iter()
                    .copied()
                    .filter(|r| r.family.as_deref() == Some(*fam))
                    .collect();
                let general: Vec<Value> = members
                    .iter()
                    .filter(|r| r.kind == RequirementKind::GeneralRule)
                    .map(|r| control(c, r, false))
                    .collect();
                let standards: Vec<Value> = members
                    .iter()
                    .filter(|r| r.kind == RequirementKind::Standard)
                    .map(|s| {
                        let mut controls = vec![control(c, s, false)];
                        controls.extend(
                            c.children(key, &s.reference)
                                .into_iter()
                                .map(|k| control(c, k, true)),
                        );
                        group(
                            &format!("g-{}", token(&s.reference)),
                            &format!("{} ({})", s.title, s.reference),
                            "standard",
                            Vec::new(),
                            controls,
                        )
                    })
                    .collect();
                group(
                    &format!("g-{fam}"),
                    title,
                    "safeguard-family",
                    standards,
                    general,
                )
            })
            .collect()
    } else {
        let mut families: Vec<String> = Vec::new();
        for r in reqs.iter().filter(|r| r.parent.is_none()) {
            let fam = r.family.clone().unwrap_or_else(|| "requirements".into());
            if !families.contains(&fam) {
                families.push(fam);
            }
        }
        families
            .iter()
            .map(|fam| {
                let controls: Vec<Value> = reqs
                    .iter()
                    .filter(|r| {
                        r.parent.is_none()
                            && r.family.clone().unwrap_or_else(|| "requirements".into()) == *fam
                    })
                    .map(|r| control(c, r, true))
                    .collect();
                group(
                    &format!("g-{}", token(fam).trim_start_matches("r-")),
                    fam,
                    "family",
                    Vec::new(),
                    controls,
                )
            })
            .collect()
    };
    let uuid = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("https://safeharbor.example/catalog/{}/{}", f.key, f.version).as_bytes(),
    );
    let mut metadata = json!({
        "title": f.title,
        "last-modified": now.format(&Rfc3339).unwrap_or_default(),
        "version": f.version,
        "oscal-version": OSCAL_VERSION,
        "props": [prop("framework-key", &f.key, true), prop("framework-kind", f.kind.as_str(), true)],
    });
    if !f.status.is_empty() {
        metadata["remarks"] = json!(format!(
            "Status: {}. Source: {}. Summaries, guidance and questions are Safeharbor's own wording.",
            f.status, f.source
        ));
    }
    Some(json!({"catalog": {"uuid": uuid.to_string(), "metadata": metadata, "groups": groups}}))
}

fn perr(file: &str, path: &str, msg: impl Into<String>) -> CatalogError {
    CatalogError::Parse {
        file: file.to_owned(),
        message: format!("{path}: {}", msg.into()),
    }
}

fn str_at<'a>(v: &'a Value, field: &str, path: &str, file: &str) -> Result<&'a str, CatalogError> {
    v.get(field).and_then(Value::as_str).ok_or_else(|| {
        perr(
            file,
            &format!("{path}.{field}"),
            "is missing or not a string",
        )
    })
}

/// An imported catalog: its framework and requirements.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The framework.
    pub framework: Framework,
    /// Its requirements.
    pub requirements: Vec<Requirement>,
}

/// Reads any OSCAL catalog (JSON) as a framework keyed `key` (derived from the title when
/// absent). Errors name the JSON path.
pub fn import(file: &str, json_text: &str, key: Option<&str>) -> Result<Imported, CatalogError> {
    let doc: Value = serde_json::from_str(json_text).map_err(|e| {
        perr(
            file,
            &format!("line {} column {}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    let cat = doc
        .get("catalog")
        .ok_or_else(|| perr(file, "$", "has no `catalog`: this is not an OSCAL catalog"))?;
    let meta = cat
        .get("metadata")
        .ok_or_else(|| perr(file, "catalog", "has no `metadata`"))?;
    let title = str_at(meta, "title", "catalog.metadata", file)?.to_owned();
    let version = str_at(meta, "version", "catalog.metadata", file)?.to_owned();
    let oscal_version = str_at(meta, "oscal-version", "catalog.metadata", file)?.to_owned();
    let key = match key {
        Some(k) => k.to_owned(),
        None => slug(&title),
    };
    if key.is_empty() {
        return Err(perr(
            file,
            "catalog.metadata.title",
            "gives no usable framework key; pass one",
        ));
    }
    let mut reqs = Vec::new();
    let mut order = 0;
    if let Some(groups) = cat.get("groups") {
        walk(
            file,
            &key,
            groups,
            "catalog.groups",
            None,
            &mut reqs,
            &mut order,
        )?;
    }
    if let Some(controls) = cat.get("controls") {
        walk(
            file,
            &key,
            controls,
            "catalog.controls",
            None,
            &mut reqs,
            &mut order,
        )?;
    }
    if reqs.is_empty() {
        return Err(perr(file, "catalog", "has no groups or controls"));
    }
    let mut seen = std::collections::HashSet::new();
    for r in &reqs {
        if !seen.insert(r.reference.clone()) {
            return Err(perr(
                file,
                "catalog",
                format!("two controls share the label {}", r.reference),
            ));
        }
    }
    Ok(Imported {
        framework: Framework {
            key,
            version,
            title,
            kind: FrameworkKind::Guidance,
            publisher: meta
                .get("parties")
                .and_then(|p| p.get(0))
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            source: format!("OSCAL {oscal_version} catalog imported from {file}"),
            status: "imported".into(),
            description: String::new(),
            shipped: false,
        },
        requirements: reqs,
    })
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

fn prose(v: &Value, out: &mut String) {
    if let Some(p) = v.get("prose").and_then(Value::as_str) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(p.trim());
    }
    if let Some(parts) = v.get("parts").and_then(Value::as_array) {
        for p in parts {
            prose(p, out);
        }
    }
}

fn walk(
    file: &str,
    key: &str,
    list: &Value,
    path: &str,
    parent: Option<&str>,
    out: &mut Vec<Requirement>,
    order: &mut u32,
) -> Result<(), CatalogError> {
    let items = list
        .as_array()
        .ok_or_else(|| perr(file, path, "is not an array"))?;
    for (i, item) in items.iter().enumerate() {
        let here = format!("{path}[{i}]");
        let is_group = path.ends_with("groups");
        let id = str_at(item, "id", &here, file).or_else(|e| {
            if is_group {
                Ok(str_at(item, "title", &here, file)?)
            } else {
                Err(e)
            }
        })?;
        let title = str_at(item, "title", &here, file)?;
        // Catalogs may carry several labels (`AC-02` zero-padded, `AC-2`): the one without a
        // class is the canonical one.
        let labels: Vec<&Value> = item
            .get("props")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter(|p| p.get("name").and_then(Value::as_str) == Some("label"))
                    .collect()
            })
            .unwrap_or_default();
        let label = labels
            .iter()
            .find(|p| p.get("class").is_none())
            .or(labels.first())
            .and_then(|p| p.get("value"))
            .and_then(Value::as_str);
        let reference = label.unwrap_or(id).to_owned();
        let withdrawn = item
            .get("props")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter().any(|p| {
                    p.get("name").and_then(Value::as_str) == Some("status")
                        && p.get("value").and_then(Value::as_str) == Some("withdrawn")
                })
            });
        let designation = item
            .get("props")
            .and_then(Value::as_array)
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("name").and_then(Value::as_str) == Some("designation"))
            })
            .and_then(|p| p.get("value"))
            .and_then(Value::as_str)
            .and_then(|v| Designation::parse_opt(v).ok().flatten());
        let mut summary = String::new();
        let mut guidance = String::new();
        if let Some(parts) = item.get("parts").and_then(Value::as_array) {
            for p in parts {
                match p.get("name").and_then(Value::as_str) {
                    Some("statement" | "overview") => prose(p, &mut summary),
                    Some("guidance") => prose(p, &mut guidance),
                    _ => {}
                }
            }
        }
        *order += 1;
        out.push(Requirement {
            framework: key.to_owned(),
            reference: reference.clone(),
            title: title.to_owned(),
            kind: if is_group {
                RequirementKind::Group
            } else {
                RequirementKind::Control
            },
            designation,
            family: None,
            parent: parent.map(str::to_owned),
            summary: (!summary.is_empty()).then_some(summary),
            guidance: (!guidance.is_empty()).then_some(guidance),
            questions: Vec::new(),
            cites: None,
            withdrawn,
            order: *order,
            na_condition: None,
            display_title: None,
        });
        if let Some(g) = item.get("groups") {
            walk(
                file,
                key,
                g,
                &format!("{here}.groups"),
                Some(&reference),
                out,
                order,
            )?;
        }
        if let Some(c) = item.get("controls") {
            walk(
                file,
                key,
                c,
                &format!("{here}.controls"),
                Some(&reference),
                out,
                order,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_citations_apart() {
        assert_eq!(token("164.308(a)(1)(ii)(A)"), "r-164.308_a_1_ii_A");
        assert_ne!(token("164.308(a)(1)(ii)(A)"), token("164.308(a)(1)(ii)(a)"));
        assert_eq!(token("164.308(a)(1)(i) KA1"), "r-164.308_a_1_i-KA1");
    }

    #[test]
    fn a_broken_catalog_names_the_json_path() {
        let e = import("x.json", r#"{"catalog": {"metadata": {"title": "T", "version": "1", "oscal-version": "1.1.2"}, "groups": [{"id": "g", "title": "G", "controls": [{"id": "c1"}]}]}}"#, None).unwrap_err();
        assert!(
            e.to_string()
                .contains("catalog.groups[0].controls[0].title"),
            "{e}"
        );
        let e = import("x.json", "{not json", None).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = import("x.json", r#"{"profile": {}}"#, None).unwrap_err();
        assert!(e.to_string().contains("not an OSCAL catalog"), "{e}");
    }
}
