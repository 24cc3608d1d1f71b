//! Loading the embedded data files into a [`Catalog`], and the derived crosswalks.

use std::collections::{BTreeSet, HashMap};

use safeharbor_domain::catalog::{
    Designation, Framework, Mapping, Relation, ReqKey, Requirement, RequirementKind,
};
use serde::{Deserialize, Serialize};

use crate::{
    BreachParameters, Builder, CSF_1_1, CSF_2, Catalog, CatalogError, HIPAA_BREACH, HIPAA_SECURITY,
    NPRM_2025, OCR_PROTOCOL, SP800_53,
};

const FRAMEWORKS: &str = include_str!("../data/frameworks.toml");
const HIPAA_SECURITY_TOML: &str = include_str!("../data/hipaa-security.toml");
const KEY_ACTIVITIES: &str = include_str!("../data/hipaa-security-key-activities.csv");
const CROSSWALK_NIST: &str = include_str!("../data/crosswalk-hipaa-security-nist.csv");
const HIPAA_BREACH_TOML: &str = include_str!("../data/hipaa-breach.toml");
const PROTOCOL_TOML: &str = include_str!("../data/ocr-audit-protocol-2018.toml");
const PROTOCOL_PRIVACY: &str = include_str!("../data/ocr-audit-protocol-2018-privacy.csv");
const NPRM_TOML: &str = include_str!("../data/hipaa-security-nprm-2025.toml");
const CSF2_CSV: &str = include_str!("../data/nist-csf-2.0.csv");
const CSF11_CSV: &str = include_str!("../data/nist-csf-1.1.csv");
const CSF_LINKS: &str = include_str!("../data/nist-csf-1.1-to-2.0.csv");
const SP800_53_CSV: &str = include_str!("../data/nist-800-53r5.csv");

/// Where the 2025 NPRM stands, from the Unified Agenda.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NprmStatus {
    /// Rulemaking stage.
    #[serde(default)]
    pub stage: String,
    /// Date of the proposed rule.
    #[serde(default)]
    pub nprm_date: String,
    /// Federal Register citation.
    #[serde(default)]
    pub fr_citation: String,
    /// When the final rule is planned, as the agenda prints it.
    #[serde(default)]
    pub final_action_planned: String,
    /// The agenda publication read.
    #[serde(default)]
    pub agenda_publication: String,
    /// "proposed, not in force".
    #[serde(default)]
    pub label: String,
}

fn perr(file: &str, e: impl std::fmt::Display) -> CatalogError {
    CatalogError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[derive(Deserialize)]
struct FrameworksFile {
    framework: Vec<Framework>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlRequirement {
    #[serde(rename = "ref")]
    reference: String,
    title: String,
    kind: String,
    #[serde(default)]
    designation: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    not_applicable_when: String,
    #[serde(default)]
    display_title: String,
}

impl TomlRequirement {
    fn into_requirement(
        self,
        framework: &str,
        order: u32,
        file: &str,
    ) -> Result<Requirement, CatalogError> {
        let at = |e: safeharbor_domain::Invalid| {
            perr(file, format!("requirement {}: {e}", self.reference))
        };
        Ok(Requirement {
            framework: framework.to_owned(),
            kind: RequirementKind::parse(&self.kind).map_err(at)?,
            designation: Designation::parse_opt(&self.designation).map_err(at)?,
            reference: self.reference,
            title: self.title,
            family: opt(&self.family),
            parent: opt(&self.parent),
            summary: opt(&self.summary),
            guidance: opt(&self.guidance),
            questions: self.questions,
            cites: None,
            withdrawn: false,
            order,
            na_condition: opt(&self.not_applicable_when),
            display_title: opt(&self.display_title),
        })
    }
}

#[derive(Deserialize)]
struct RequirementsFile {
    requirement: Vec<TomlRequirement>,
    #[serde(default)]
    parameters: Option<BreachParameters>,
}

#[derive(Deserialize)]
struct ProtocolFile {
    item: Vec<ProtocolItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolItem {
    id: String,
    audit_type: String,
    section: String,
    section_normalized: String,
    key_activity: String,
    #[serde(default)]
    designation: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
struct NprmFile {
    status: NprmStatus,
    change: Vec<NprmChange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NprmChange {
    id: String,
    title: String,
    summary: String,
    #[serde(default)]
    affects: Vec<String>,
    #[serde(default)]
    proposed_citation: String,
}

fn csv_rows(file: &str, text: &str) -> Result<Vec<HashMap<String, String>>, CatalogError> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().map_err(|e| perr(file, e))?.clone();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| perr(file, e))?;
        out.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

fn get<'a>(row: &'a HashMap<String, String>, col: &str) -> &'a str {
    row.get(col).map_or("", String::as_str)
}

fn simple(
    framework: &str,
    reference: &str,
    title: &str,
    kind: RequirementKind,
    parent: Option<String>,
    family: Option<String>,
    order: u32,
) -> Requirement {
    Requirement {
        framework: framework.to_owned(),
        reference: reference.to_owned(),
        title: title.to_owned(),
        kind,
        designation: None,
        family,
        parent,
        summary: None,
        guidance: None,
        questions: Vec::new(),
        cites: None,
        withdrawn: false,
        order,
        na_condition: None,
        display_title: None,
    }
}

pub(crate) fn load() -> Result<Catalog, CatalogError> {
    let mut b = Builder::default();
    let fw: FrameworksFile = toml::from_str(FRAMEWORKS).map_err(|e| perr("frameworks.toml", e))?;
    b.frameworks = fw
        .framework
        .into_iter()
        .map(|f| Framework { shipped: true, ..f })
        .collect();

    let sec: RequirementsFile =
        toml::from_str(HIPAA_SECURITY_TOML).map_err(|e| perr("hipaa-security.toml", e))?;
    let mut order = 0;
    for r in sec.requirement {
        order += 10;
        b.requirements
            .push(r.into_requirement(HIPAA_SECURITY, order, "hipaa-security.toml")?);
    }
    key_activities(&mut b)?;

    let breach: RequirementsFile =
        toml::from_str(HIPAA_BREACH_TOML).map_err(|e| perr("hipaa-breach.toml", e))?;
    for (i, r) in breach.requirement.into_iter().enumerate() {
        b.requirements.push(r.into_requirement(
            HIPAA_BREACH,
            u32::try_from(i).unwrap_or(0),
            "hipaa-breach.toml",
        )?);
    }
    let params = breach
        .parameters
        .ok_or_else(|| perr("hipaa-breach.toml", "missing [parameters]"))?;

    protocol(&mut b)?;
    let nprm = nprm(&mut b)?;
    csf(&mut b)?;
    sp800_53(&mut b)?;
    crosswalks(&mut b)?;
    b.build(params, nprm)
}

/// NIST SP 800-66r2 key activities, under their standards.
fn key_activities(b: &mut Builder) -> Result<(), CatalogError> {
    let file = "hipaa-security-key-activities.csv";
    let parents: HashMap<String, u32> = b
        .requirements
        .iter()
        .filter(|r| r.framework == HIPAA_SECURITY)
        .map(|r| (r.reference.clone(), r.order))
        .collect();
    for row in csv_rows(file, KEY_ACTIVITIES)? {
        let std = get(&row, "standard_ref");
        let n: u32 = get(&row, "number").parse().map_err(|_| {
            perr(
                file,
                format!("standard {std}: key activity number is not a number"),
            )
        })?;
        let base = parents.get(std).copied().ok_or_else(|| {
            perr(
                file,
                format!("standard {std} is not in hipaa-security.toml"),
            )
        })?;
        let mut r = simple(
            HIPAA_SECURITY,
            &format!("{std} KA{n}"),
            get(&row, "title"),
            RequirementKind::KeyActivity,
            Some(std.to_owned()),
            None,
            base + 1000 + n,
        );
        r.family = b
            .requirements
            .iter()
            .find(|x| x.framework == HIPAA_SECURITY && x.reference == std)
            .and_then(|x| x.family.clone());
        b.requirements.push(r);
    }
    Ok(())
}

fn protocol(b: &mut Builder) -> Result<(), CatalogError> {
    let file = "ocr-audit-protocol-2018.toml";
    let p: ProtocolFile = toml::from_str(PROTOCOL_TOML).map_err(|e| perr(file, e))?;
    let mut order = 0;
    for item in p.item {
        order += 1;
        let designation = Designation::parse_opt(&item.designation)
            .map_err(|e| perr(file, format!("{}: {e}", item.id)))?;
        let mut r = simple(
            OCR_PROTOCOL,
            &item.id,
            &item.key_activity,
            RequirementKind::ProtocolItem,
            None,
            Some(item.audit_type),
            order,
        );
        r.designation = designation;
        r.summary = opt(&item.summary);
        r.guidance = Some(format!(
            "Section as published: {}. Normalized: {}.{}",
            item.section,
            item.section_normalized,
            if item.note.is_empty() {
                String::new()
            } else {
                format!(" Note: {}", item.note)
            }
        ));
        r.cites = Some(item.section_normalized);
        b.requirements.push(r);
    }
    for row in csv_rows("ocr-audit-protocol-2018-privacy.csv", PROTOCOL_PRIVACY)? {
        order += 1;
        let mut r = simple(
            OCR_PROTOCOL,
            get(&row, "id"),
            get(&row, "key_activity"),
            RequirementKind::ProtocolItem,
            None,
            Some(get(&row, "audit_type").to_owned()),
            order,
        );
        r.guidance = Some(format!("Section as published: {}.", get(&row, "section")));
        r.cites = opt(get(&row, "section_normalized"));
        b.requirements.push(r);
    }
    Ok(())
}

fn nprm(b: &mut Builder) -> Result<NprmStatus, CatalogError> {
    let file = "hipaa-security-nprm-2025.toml";
    let n: NprmFile = toml::from_str(NPRM_TOML).map_err(|e| perr(file, e))?;
    for (i, c) in n.change.into_iter().enumerate() {
        let mut r = simple(
            NPRM_2025,
            &c.id,
            &c.title,
            RequirementKind::ProposedChange,
            None,
            None,
            u32::try_from(i).unwrap_or(0),
        );
        r.summary = Some(c.summary);
        r.guidance = opt(&c.proposed_citation).map(|p| format!("Proposed citation: {p}."));
        for a in c.affects {
            b.mappings.push(Mapping {
                from: ReqKey::new(NPRM_2025, &c.id),
                to: ReqKey::new(HIPAA_SECURITY, a),
                relation: Relation::Related,
                source: "90 FR 898 (proposed, not in force): would change this requirement".into(),
            });
        }
        b.requirements.push(r);
    }
    Ok(n.status)
}

fn kind_of(s: &str) -> RequirementKind {
    match s {
        "function" => RequirementKind::Function,
        "category" => RequirementKind::Category,
        _ => RequirementKind::Subcategory,
    }
}

fn csf(b: &mut Builder) -> Result<(), CatalogError> {
    for (i, row) in csv_rows("nist-csf-2.0.csv", CSF2_CSV)?
        .into_iter()
        .enumerate()
    {
        let kind = kind_of(get(&row, "kind"));
        let statement = get(&row, "statement");
        let title = if kind == RequirementKind::Subcategory {
            statement
        } else {
            get(&row, "title")
        };
        let mut r = simple(
            CSF_2,
            get(&row, "id"),
            title,
            kind,
            opt(get(&row, "parent")),
            None,
            u32::try_from(i).unwrap_or(0),
        );
        if kind != RequirementKind::Subcategory {
            r.summary = opt(statement);
        }
        r.family = Some(
            get(&row, "id")
                .split(['.', '-'])
                .next()
                .unwrap_or("")
                .to_owned(),
        );
        r.withdrawn = get(&row, "status") == "withdrawn";
        b.requirements.push(r);
    }
    for (i, row) in csv_rows("nist-csf-1.1.csv", CSF11_CSV)?
        .into_iter()
        .enumerate()
    {
        let kind = kind_of(get(&row, "kind"));
        let title = if kind == RequirementKind::Subcategory {
            get(&row, "statement")
        } else {
            get(&row, "title")
        };
        let mut r = simple(
            CSF_1_1,
            get(&row, "id"),
            title,
            kind,
            opt(get(&row, "parent")),
            None,
            u32::try_from(i).unwrap_or(0),
        );
        if kind != RequirementKind::Subcategory {
            r.summary = opt(get(&row, "statement"));
        }
        b.requirements.push(r);
    }
    Ok(())
}

fn sp800_53(b: &mut Builder) -> Result<(), CatalogError> {
    for (i, row) in csv_rows("nist-800-53r5.csv", SP800_53_CSV)?
        .into_iter()
        .enumerate()
    {
        let kind = if get(&row, "kind") == "enhancement" {
            RequirementKind::Enhancement
        } else {
            RequirementKind::Control
        };
        let mut r = simple(
            SP800_53,
            get(&row, "id"),
            get(&row, "title"),
            kind,
            opt(get(&row, "parent")),
            opt(get(&row, "family")),
            u32::try_from(i).unwrap_or(0),
        );
        r.withdrawn = get(&row, "status") == "withdrawn";
        b.requirements.push(r);
    }
    Ok(())
}

/// NIST's SP 800-66r2 mappings; standards inherit their key activities' mappings; HIPAA to CSF
/// 2.0 through NIST's CSF 1.1 to 2.0 links; protocol items to the requirements they cite.
fn crosswalks(b: &mut Builder) -> Result<(), CatalogError> {
    let file = "crosswalk-hipaa-security-nist.csv";
    let source = "NIST SP 800-66r2 (Feb. 2024) mapping, via NIST CPRT";
    let mut hipaa_to_csf11: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    let parent_of: HashMap<String, String> = b
        .requirements
        .iter()
        .filter(|r| r.framework == HIPAA_SECURITY && r.kind == RequirementKind::KeyActivity)
        .filter_map(|r| r.parent.clone().map(|p| (r.reference.clone(), p)))
        .collect();
    let ours: BTreeSet<String> = b
        .requirements
        .iter()
        .filter(|r| r.framework == HIPAA_SECURITY)
        .map(|r| r.reference.clone())
        .collect();
    for row in csv_rows(file, CROSSWALK_NIST)? {
        // NIST sometimes cites a paragraph below the catalog's item (164.314(a)(2)(i)(A)): the
        // mapping belongs to the item that contains it.
        let mut from = get(&row, "from_ref").to_owned();
        while !ours.contains(&from) {
            match from.rfind('(') {
                Some(i) if i > 0 => from.truncate(i),
                _ => {
                    return Err(perr(
                        file,
                        format!("{} is not in hipaa-security", get(&row, "from_ref")),
                    ));
                }
            }
        }
        let fw = get(&row, "to_framework").to_owned();
        let to = get(&row, "to_ref").to_owned();
        let relation = Relation::parse(get(&row, "relation")).map_err(|e| perr(file, e))?;
        let mut froms = vec![from.clone()];
        froms.extend(parent_of.get(&from).cloned());
        for f in froms {
            if seen.insert((f.clone(), fw.clone(), to.clone())) {
                b.mappings.push(Mapping {
                    from: ReqKey::new(HIPAA_SECURITY, &f),
                    to: ReqKey::new(&fw, &to),
                    relation,
                    source: source.into(),
                });
                if fw == CSF_1_1 {
                    hipaa_to_csf11.push((f, to.clone()));
                }
            }
        }
    }
    let mut links: HashMap<String, Vec<(String, Relation)>> = HashMap::new();
    for row in csv_rows("nist-csf-1.1-to-2.0.csv", CSF_LINKS)? {
        let rel = Relation::parse(get(&row, "relation"))
            .map_err(|e| perr("nist-csf-1.1-to-2.0.csv", e))?;
        links
            .entry(get(&row, "csf11_id").to_owned())
            .or_default()
            .push((get(&row, "csf20_id").to_owned(), rel));
        b.mappings.push(Mapping {
            from: ReqKey::new(CSF_1_1, get(&row, "csf11_id")),
            to: ReqKey::new(CSF_2, get(&row, "csf20_id")),
            relation: rel,
            source: format!("NIST CSF 2.0 withdrawal data ({})", get(&row, "nist_basis")),
        });
    }
    let mut derived = BTreeSet::new();
    for (h, s11) in hipaa_to_csf11 {
        for (s20, _) in links.get(&s11).map_or(&[][..], Vec::as_slice) {
            if derived.insert((h.clone(), s20.clone())) {
                b.mappings.push(Mapping {
                    from: ReqKey::new(HIPAA_SECURITY, &h),
                    to: ReqKey::new(CSF_2, s20),
                    relation: Relation::Related,
                    source: "derived: NIST SP 800-66r2 maps to CSF 1.1, then NIST's CSF 1.1 to 2.0 links".into(),
                });
            }
        }
    }
    protocol_links(b);
    Ok(())
}

/// Links each audit-protocol item to the requirement its section cites: the exact citation, or
/// the standard stated at that paragraph (`164.308(a)(3)` is stated at `164.308(a)(3)(i)`).
fn protocol_links(b: &mut Builder) {
    let mut known: HashMap<&str, &str> = HashMap::new();
    for r in &b.requirements {
        if r.framework == HIPAA_SECURITY || r.framework == HIPAA_BREACH {
            known.insert(r.reference.as_str(), r.framework.as_str());
        }
    }
    let mut out = Vec::new();
    for r in b
        .requirements
        .iter()
        .filter(|r| r.framework == OCR_PROTOCOL)
    {
        let Some(section) = r.cites.as_ref() else {
            continue;
        };
        // The cited paragraph itself, the standard stated at its first subparagraph, or else the
        // nearest enclosing paragraph that is a requirement (164.314(a)(2)(i)(A) is tested under
        // 164.314(a)(2)(i); 164.314(b)(2)(iii) under 164.314(b)(2)).
        let mut candidates = vec![
            section.clone(),
            format!("{section}(i)"),
            format!("{section}(1)(i)"),
            format!("{section}(1)"),
        ];
        let mut parent = section.as_str();
        while let Some(cut) = parent.rfind('(') {
            parent = &parent[..cut];
            if parent.ends_with(')') {
                candidates.push(parent.to_owned());
            }
        }
        if let Some((target, fw)) = candidates
            .iter()
            .find_map(|c| known.get(c.as_str()).map(|fw| (c.clone(), *fw)))
        {
            out.push(Mapping {
                from: ReqKey::new(OCR_PROTOCOL, &r.reference),
                to: ReqKey::new(fw, target),
                relation: Relation::Related,
                source: "HHS OCR audit protocol: the item's section citation".into(),
            });
        }
    }
    b.mappings.extend(out);
}
