//! The regulatory catalog: browsing frameworks and requirements, importing OSCAL catalogs and
//! official eCFR text. The shipped content is read-only; imports are installation-wide and
//! reserved to provider administrators (or the operator at the command line).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use safeharbor_catalog::{Catalog, CatalogError, ecfr, oscal};
use safeharbor_domain::catalog::{Framework, FrameworkKind, Mapping, ReqKey, Requirement};

use crate::App;
use crate::authz::{self, Caller, Credential};
use crate::error::{Error, Result};
use crate::ports::{ImportedFramework, OfficialText};

/// The shipped catalog (loaded once per process) and the installation's merged view.
#[derive(Debug)]
pub struct CatalogCache {
    shipped: Arc<Catalog>,
    merged: RwLock<(i64, Arc<Catalog>)>,
}

fn shipped() -> Result<Arc<Catalog>> {
    static SHIPPED: OnceLock<std::result::Result<Arc<Catalog>, CatalogError>> = OnceLock::new();
    SHIPPED
        .get_or_init(|| Catalog::shipped().map(Arc::new))
        .clone()
        .map_err(|e| Error::internal(format!("the shipped catalog is invalid: {e}")))
}

impl CatalogCache {
    /// Loads the shipped catalog (validated).
    pub fn new() -> Result<Self> {
        let s = shipped()?;
        Ok(Self {
            merged: RwLock::new((0, s.clone())),
            shipped: s,
        })
    }
}

fn catalog_error(e: CatalogError) -> Error {
    match e {
        CatalogError::Parse { file, message } => {
            Error::invalid("file", format!("{file}: {message}"))
        }
        other => Error::invalid("file", other.to_string()),
    }
}

impl App {
    /// The catalog: shipped frameworks and the latest version of every imported one.
    pub async fn catalog(&self) -> Result<Arc<Catalog>> {
        let generation = self.store.imported_count().await?;
        {
            let g = self
                .catalog
                .merged
                .read()
                .map_err(|_| Error::internal("catalog lock poisoned"))?;
            if g.0 == generation {
                return Ok(g.1.clone());
            }
        }
        let imports = latest_versions(self.store.imported_frameworks().await?);
        let merged =
            if imports.is_empty() {
                self.catalog.shipped.clone()
            } else {
                let parts = imports
                    .into_iter()
                    .map(|i| (i.framework, i.requirements, i.mappings))
                    .collect();
                Arc::new(self.catalog.shipped.with_imports(parts).map_err(|e| {
                    Error::internal(format!("imported frameworks do not combine: {e}"))
                })?)
            };
        let mut g = self
            .catalog
            .merged
            .write()
            .map_err(|_| Error::internal("catalog lock poisoned"))?;
        *g = (generation, merged.clone());
        Ok(merged)
    }
}

fn latest_versions(all: Vec<ImportedFramework>) -> Vec<ImportedFramework> {
    let mut by_key: HashMap<String, ImportedFramework> = HashMap::new();
    let mut order = Vec::new();
    for f in all {
        if !by_key.contains_key(&f.framework.key) {
            order.push(f.framework.key.clone());
        }
        by_key.insert(f.framework.key.clone(), f);
    }
    order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect()
}

/// Every framework.
pub async fn frameworks(app: &App, _caller: &Caller) -> Result<Vec<Framework>> {
    Ok(app.catalog().await?.frameworks().to_vec())
}

/// A framework and its requirements, optionally filtered by words or kind.
pub async fn framework(
    app: &App,
    _caller: &Caller,
    key: &str,
) -> Result<(Framework, Vec<Requirement>)> {
    let c = app.catalog().await?;
    let f = c.framework(key).ok_or(Error::NotFound)?.clone();
    let reqs = c.requirements(key).into_iter().cloned().collect();
    Ok((f, reqs))
}

/// A mapping seen from one side, with the other side's title.
#[derive(Debug, Clone)]
pub struct MappingView {
    /// The mapping.
    pub mapping: Mapping,
    /// The other requirement's title.
    pub other_title: String,
}

/// Everything known about one requirement.
#[derive(Debug, Clone)]
pub struct RequirementView {
    /// Its framework.
    pub framework: Framework,
    /// The requirement.
    pub requirement: Requirement,
    /// Its parent.
    pub parent: Option<Requirement>,
    /// Its children (implementation specifications, key activities...).
    pub children: Vec<Requirement>,
    /// The official text, when an eCFR file was imported.
    pub official_text: Option<OfficialText>,
    /// Mappings to other frameworks.
    pub maps_to: Vec<MappingView>,
    /// Mappings from other frameworks.
    pub mapped_from: Vec<MappingView>,
    /// Audit-protocol items that test it.
    pub protocol_items: Vec<Requirement>,
}

/// One requirement with its mappings both ways and the audit items that test it.
pub async fn requirement(
    app: &App,
    _caller: &Caller,
    key: &str,
    reference: &str,
) -> Result<RequirementView> {
    let c = app.catalog().await?;
    let framework = c.framework(key).ok_or(Error::NotFound)?.clone();
    let r = c
        .requirement(key, reference)
        .ok_or(Error::NotFound)?
        .clone();
    let rk = ReqKey::new(key, reference);
    let title_of = |k: &ReqKey| {
        c.requirement(&k.framework, &k.reference)
            .map(|x| x.title.clone())
            .unwrap_or_default()
    };
    let maps_to = c
        .mappings_from(&rk)
        .into_iter()
        .map(|m| MappingView {
            other_title: title_of(&m.to),
            mapping: m.clone(),
        })
        .collect();
    let mapped_from = c
        .mappings_to(&rk)
        .into_iter()
        .map(|m| MappingView {
            other_title: title_of(&m.from),
            mapping: m.clone(),
        })
        .collect();
    let official_text = if framework.shipped && matches!(framework.kind, FrameworkKind::Regulation)
    {
        app.store
            .official_text(r.reference.split(' ').next().unwrap_or(&r.reference))
            .await?
    } else {
        None
    };
    Ok(RequirementView {
        parent: r
            .parent
            .as_ref()
            .and_then(|p| c.requirement(key, p))
            .cloned(),
        children: c.children(key, reference).into_iter().cloned().collect(),
        protocol_items: c.protocol_items_for(&rk).into_iter().cloned().collect(),
        official_text,
        maps_to,
        mapped_from,
        framework,
        requirement: r,
    })
}

/// Requirements matching words or a citation, across frameworks or within one.
pub async fn search(
    app: &App,
    _caller: &Caller,
    q: &str,
    framework: Option<&str>,
    limit: usize,
) -> Result<Vec<Requirement>> {
    if q.chars().count() > 200 {
        return Err(Error::invalid("q", "must be at most 200 characters"));
    }
    let c = app.catalog().await?;
    if let Some(f) = framework
        && c.framework(f).is_none()
    {
        return Err(Error::invalid(
            "framework",
            "is not a framework of this catalog",
        ));
    }
    Ok(c.search(q, framework, limit).into_iter().cloned().collect())
}

/// Imports an OSCAL catalog (JSON) as a framework. Refuses shipped keys, and a key and version
/// already imported (a new version of an imported key is accepted and becomes current).
pub async fn import_oscal(
    app: &App,
    caller: &Caller,
    file_name: &str,
    json: &str,
    key: Option<&str>,
) -> Result<Framework> {
    let provider_scope = if matches!(caller.credential(), Credential::LocalOperator) {
        None
    } else {
        Some(authz::provider_admin_scope(app, caller).await?)
    };
    let imported = oscal::import(file_name, json, key).map_err(catalog_error)?;
    let c = app.catalog().await?;
    if let Some(existing) = c.framework(&imported.framework.key) {
        if existing.shipped {
            return Err(Error::conflict(
                "key",
                format!(
                    "{} is a framework Safeharbor ships; import under another key",
                    existing.key
                ),
            ));
        }
        if existing.version == imported.framework.version {
            return Err(Error::conflict(
                "version",
                format!(
                    "{} version {} is already imported; give the new content a new version",
                    existing.key, existing.version
                ),
            ));
        }
    }
    let f = ImportedFramework {
        framework: imported.framework,
        requirements: imported.requirements,
        mappings: Vec::new(),
    };
    // Validate before storing: the merged catalog must still hold together.
    c.with_imports(vec![(
        f.framework.clone(),
        f.requirements.clone(),
        Vec::new(),
    )])
    .map_err(catalog_error)?;
    let org = provider_scope.map(|s| s.org_id());
    let event = caller.event(
        app.now(),
        org,
        "catalog.import",
        "framework",
        Some(f.framework.key.clone()),
        format!(
            "framework {} version {} imported from {file_name} ({} requirements)",
            f.framework.key,
            f.framework.version,
            f.requirements.len()
        ),
    );
    app.store.insert_imported_framework(&f, &event).await?;
    Ok(f.framework)
}

/// What an eCFR import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcfrImport {
    /// The framework the text belongs to.
    pub framework_key: String,
    /// How many citations got their official text.
    pub citations: usize,
}

/// Stores the official text of every paragraph of an eCFR subpart file (45 CFR 164 Subpart C
/// or D). Refuses files of another part or subpart, and malformed XML.
pub async fn import_ecfr(
    app: &App,
    caller: &Caller,
    file_name: &str,
    xml: &str,
) -> Result<EcfrImport> {
    let provider_scope = if matches!(caller.credential(), Credential::LocalOperator) {
        None
    } else {
        Some(authz::provider_admin_scope(app, caller).await?)
    };
    let doc = ecfr::parse(file_name, xml).map_err(catalog_error)?;
    if doc.part != "164" {
        return Err(Error::invalid(
            "file",
            format!(
                "{file_name} is 45 CFR Part {}; Safeharbor imports Part 164 Subpart C (Security Rule) or D (Breach Notification)",
                if doc.part.is_empty() { "?" } else { &doc.part }
            ),
        ));
    }
    let framework_key = match doc.subpart.as_str() {
        "C" => safeharbor_catalog::HIPAA_SECURITY,
        "D" => safeharbor_catalog::HIPAA_BREACH,
        other => {
            return Err(Error::invalid(
                "file",
                format!(
                    "{file_name} is Part 164 Subpart {other}; Safeharbor imports Subpart C (Security Rule) or D (Breach Notification)"
                ),
            ));
        }
    };
    let now = app.now();
    let mut texts: Vec<OfficialText> = Vec::new();
    for s in &doc.sections {
        let whole: Vec<&str> = s.paragraphs.iter().map(|p| p.text.as_str()).collect();
        texts.push(OfficialText {
            citation: s.number.clone(),
            framework_key: framework_key.into(),
            heading: Some(s.heading.clone()),
            body: whole.join("\n\n"),
            source: file_name.to_owned(),
            imported_at: now,
        });
        for p in s.paragraphs.iter().filter(|p| p.citation != s.number) {
            match texts.iter_mut().find(|t| t.citation == p.citation) {
                Some(t) => {
                    t.body.push_str("\n\n");
                    t.body.push_str(&p.text);
                }
                None => texts.push(OfficialText {
                    citation: p.citation.clone(),
                    framework_key: framework_key.into(),
                    heading: p.title(),
                    body: p.text.clone(),
                    source: file_name.to_owned(),
                    imported_at: now,
                }),
            }
        }
    }
    if texts.is_empty() {
        return Err(Error::invalid(
            "file",
            format!("{file_name} holds no sections"),
        ));
    }
    let event = caller.event(
        now,
        provider_scope.map(|s| s.org_id()),
        "catalog.official_text",
        "framework",
        Some(framework_key.to_owned()),
        format!(
            "official text of {} citations imported from {file_name}",
            texts.len()
        ),
    );
    app.store.upsert_official_texts(&texts, &event).await?;
    Ok(EcfrImport {
        framework_key: framework_key.to_owned(),
        citations: texts.len(),
    })
}

/// Imports an organization's own control list (CSV with `id`, `title`, optional `parent`,
/// `description` and `maps_to`) as a baseline framework. `maps_to` lists requirements of other
/// frameworks, `framework:ref` separated by `;` (e.g. `nist-csf-2.0:PR.AA-01;
/// hipaa-security:164.312(d)`), which is how the gap view finds equivalents. The list's content
/// stays in this installation; nothing of it is shipped.
pub async fn import_baseline(
    app: &App,
    caller: &Caller,
    file_name: &str,
    csv_text: &str,
    key: &str,
    title: &str,
    version: &str,
) -> Result<Framework> {
    let provider_scope = if matches!(caller.credential(), Credential::LocalOperator) {
        None
    } else {
        Some(authz::provider_admin_scope(app, caller).await?)
    };
    let key = safeharbor_domain::org::Slug::parse(key)
        .map_err(|_| {
            Error::invalid(
                "key",
                "must be 2-63 lowercase letters, digits and hyphens, starting with a letter",
            )
        })?
        .to_string();
    let title = safeharbor_domain::text::required_line("title", title, 200)?;
    let version = safeharbor_domain::text::required_line("version", version, 50)?;
    let c = app.catalog().await?;
    if let Some(existing) = c.framework(&key) {
        if existing.shipped {
            return Err(Error::conflict(
                "key",
                format!("{key} is a framework Safeharbor ships; choose another key"),
            ));
        }
        if existing.version == version {
            return Err(Error::conflict(
                "version",
                format!(
                    "{key} version {version} is already imported; give the new list a new version"
                ),
            ));
        }
    }
    let (requirements, mappings) = parse_baseline_csv(&c, file_name, csv_text, &key)?;
    let framework = Framework {
        key: key.clone(),
        version,
        title,
        kind: FrameworkKind::Baseline,
        publisher: String::new(),
        source: format!("imported from {file_name}"),
        status: "imported baseline".into(),
        description: String::new(),
        shipped: false,
    };
    let f = ImportedFramework {
        framework,
        requirements,
        mappings,
    };
    c.with_imports(vec![(
        f.framework.clone(),
        f.requirements.clone(),
        f.mappings.clone(),
    )])
    .map_err(catalog_error)?;
    let event = caller.event(
        app.now(),
        provider_scope.map(|s| s.org_id()),
        "catalog.import",
        "framework",
        Some(key.clone()),
        format!(
            "baseline {key} version {} imported from {file_name} ({} items, {} mappings)",
            f.framework.version,
            f.requirements.len(),
            f.mappings.len()
        ),
    );
    app.store.insert_imported_framework(&f, &event).await?;
    Ok(f.framework)
}

fn parse_baseline_csv(
    c: &Catalog,
    file: &str,
    text: &str,
    key: &str,
) -> Result<(Vec<Requirement>, Vec<Mapping>)> {
    use safeharbor_domain::catalog::{Relation, RequirementKind};
    let bad = |line: u64, msg: String| Error::invalid("file", format!("{file} line {line}: {msg}"));
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(str::to_lowercase)
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id_col), Some(title_col)) = (col("id"), col("title")) else {
        return Err(bad(
            1,
            "needs the columns id and title (and optionally parent, description, maps_to)".into(),
        ));
    };
    let (parent_col, desc_col, maps_col) = (col("parent"), col("description"), col("maps_to"));
    let mut reqs = Vec::new();
    let mut maps = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, rec) in r.records().enumerate() {
        let line = u64::try_from(i).unwrap_or(0) + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let field = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_owned();
        let id = field(Some(id_col));
        let title = field(Some(title_col));
        if id.is_empty() || title.is_empty() {
            return Err(bad(line, "id and title are required".into()));
        }
        if !ids.insert(id.clone()) {
            return Err(bad(line, format!("id {id} appears twice")));
        }
        for target in field(maps_col)
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let Some((fw, reference)) = target.split_once(':') else {
                return Err(bad(
                    line,
                    format!("maps_to entry {target} must be framework:ref"),
                ));
            };
            if c.requirement(fw.trim(), reference.trim()).is_none() {
                return Err(bad(
                    line,
                    format!("maps_to entry {target} names no requirement of the catalog"),
                ));
            }
            maps.push(Mapping {
                from: ReqKey::new(key, &id),
                to: ReqKey::new(fw.trim(), reference.trim()),
                relation: Relation::Related,
                source: format!("{file} (your mapping)"),
            });
        }
        reqs.push(Requirement {
            framework: key.to_owned(),
            reference: id,
            title,
            kind: RequirementKind::Control,
            designation: None,
            family: None,
            parent: Some(field(parent_col)).filter(|p| !p.is_empty()),
            summary: Some(field(desc_col)).filter(|d| !d.is_empty()),
            guidance: None,
            questions: Vec::new(),
            cites: None,
            withdrawn: false,
            order: u32::try_from(i).unwrap_or(0),
            na_condition: None,
            display_title: None,
        });
    }
    if reqs.is_empty() {
        return Err(bad(2, "the list is empty".into()));
    }
    for (i, r) in reqs.iter().enumerate() {
        if let Some(p) = &r.parent
            && !ids.contains(p)
        {
            return Err(bad(
                u64::try_from(i).unwrap_or(0) + 2,
                format!("parent {p} is not an id of this list"),
            ));
        }
    }
    Ok((reqs, maps))
}
