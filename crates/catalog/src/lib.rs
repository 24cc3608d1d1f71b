//! The regulatory content Safeharbor ships, as data: frameworks, requirements and crosswalks,
//! loaded from `data/` (embedded in the binary) and validated at start. Read-only at run time;
//! frameworks imported into an installation (OSCAL, baselines) are merged in with
//! [`Catalog::with_imports`].

pub mod breach;
pub mod ecfr;
mod files;
pub mod oscal;
pub mod threats;

use std::collections::{BTreeMap, HashMap, HashSet};

use safeharbor_domain::catalog::{Framework, Mapping, ReqKey, Requirement, RequirementKind};

pub use breach::BreachParameters;
pub use files::NprmStatus;

/// Key of the HIPAA Security Rule framework.
pub const HIPAA_SECURITY: &str = "hipaa-security";
/// Key of the Breach Notification Rule framework.
pub const HIPAA_BREACH: &str = "hipaa-breach";
/// Key of the HHS OCR audit protocol.
pub const OCR_PROTOCOL: &str = "ocr-audit-protocol-2018";
/// Key of NIST CSF 2.0.
pub const CSF_2: &str = "nist-csf-2.0";
/// Key of NIST CSF 1.1.
pub const CSF_1_1: &str = "nist-csf-1.1";
/// Key of NIST SP 800-53 Rev. 5.
pub const SP800_53: &str = "nist-800-53r5";
/// Key of the 2025 Security Rule NPRM.
pub const NPRM_2025: &str = "hipaa-security-nprm-2025";

/// Why catalog data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A file does not parse; names the file and the place.
    #[error("{file}: {message}")]
    Parse {
        /// The file (or the import's name).
        file: String,
        /// Line, JSON path or field, and what is wrong.
        message: String,
    },
    /// Two frameworks share a key.
    #[error("framework {0} is defined twice")]
    DuplicateFramework(String),
    /// Two requirements share a framework and reference.
    #[error("requirement {0}/{1} is defined twice")]
    DuplicateRequirement(String, String),
    /// A requirement belongs to no framework.
    #[error("requirement {0}/{1} belongs to an unknown framework")]
    UnknownFramework(String, String),
    /// A parent reference points nowhere.
    #[error("requirement {0}/{1} names a parent {2} that does not exist")]
    DanglingParent(String, String, String),
    /// A mapping endpoint points nowhere.
    #[error("mapping {0}/{1} -> {2}/{3} names a requirement that does not exist")]
    DanglingMapping(String, String, String, String),
}

/// The catalog: every framework, requirement and mapping, indexed.
#[derive(Debug, Clone)]
pub struct Catalog {
    frameworks: Vec<Framework>,
    requirements: Vec<Requirement>,
    index: HashMap<ReqKey, usize>,
    by_framework: BTreeMap<String, Vec<usize>>,
    mappings: Vec<Mapping>,
    from: HashMap<ReqKey, Vec<usize>>,
    to: HashMap<ReqKey, Vec<usize>>,
    breach: BreachParameters,
    nprm: NprmStatus,
}

/// Collects frameworks, requirements and mappings, then validates them into a [`Catalog`].
#[derive(Debug, Default, Clone)]
pub struct Builder {
    /// Frameworks.
    pub frameworks: Vec<Framework>,
    /// Requirements.
    pub requirements: Vec<Requirement>,
    /// Mappings.
    pub mappings: Vec<Mapping>,
}

impl Builder {
    /// Validates and indexes: fails on a duplicate key or reference, a requirement of an unknown
    /// framework, a dangling parent or a dangling mapping.
    pub fn build(
        self,
        breach: BreachParameters,
        nprm: NprmStatus,
    ) -> Result<Catalog, CatalogError> {
        let mut keys = HashSet::new();
        for f in &self.frameworks {
            if !keys.insert(f.key.clone()) {
                return Err(CatalogError::DuplicateFramework(f.key.clone()));
            }
        }
        let mut index = HashMap::new();
        let mut by_framework: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in self.requirements.iter().enumerate() {
            if !keys.contains(&r.framework) {
                return Err(CatalogError::UnknownFramework(
                    r.framework.clone(),
                    r.reference.clone(),
                ));
            }
            if index
                .insert(ReqKey::new(&r.framework, &r.reference), i)
                .is_some()
            {
                return Err(CatalogError::DuplicateRequirement(
                    r.framework.clone(),
                    r.reference.clone(),
                ));
            }
            by_framework.entry(r.framework.clone()).or_default().push(i);
        }
        for r in &self.requirements {
            if let Some(p) = &r.parent
                && !index.contains_key(&ReqKey::new(&r.framework, p))
            {
                return Err(CatalogError::DanglingParent(
                    r.framework.clone(),
                    r.reference.clone(),
                    p.clone(),
                ));
            }
        }
        let mut from: HashMap<ReqKey, Vec<usize>> = HashMap::new();
        let mut to: HashMap<ReqKey, Vec<usize>> = HashMap::new();
        for (i, m) in self.mappings.iter().enumerate() {
            if !index.contains_key(&m.from) || !index.contains_key(&m.to) {
                return Err(CatalogError::DanglingMapping(
                    m.from.framework.clone(),
                    m.from.reference.clone(),
                    m.to.framework.clone(),
                    m.to.reference.clone(),
                ));
            }
            from.entry(m.from.clone()).or_default().push(i);
            to.entry(m.to.clone()).or_default().push(i);
        }
        for list in by_framework.values_mut() {
            list.sort_by_key(|&i| self.requirements[i].order);
        }
        Ok(Catalog {
            frameworks: self.frameworks,
            requirements: self.requirements,
            index,
            by_framework,
            mappings: self.mappings,
            from,
            to,
            breach,
            nprm,
        })
    }
}

impl Catalog {
    /// The catalog Safeharbor ships, from the embedded data files.
    pub fn shipped() -> Result<Self, CatalogError> {
        files::load()
    }

    /// This catalog with frameworks imported into an installation added.
    pub fn with_imports(
        &self,
        imports: Vec<(Framework, Vec<Requirement>, Vec<Mapping>)>,
    ) -> Result<Self, CatalogError> {
        let mut b = Builder {
            frameworks: self.frameworks.clone(),
            requirements: self.requirements.clone(),
            mappings: self.mappings.clone(),
        };
        for (f, reqs, maps) in imports {
            // A new version of an imported framework replaces the old one.
            if b.frameworks.iter().any(|x| x.key == f.key && !x.shipped) {
                b.frameworks.retain(|x| x.key != f.key);
                b.requirements.retain(|r| r.framework != f.key);
                b.mappings
                    .retain(|m| m.from.framework != f.key && m.to.framework != f.key);
            }
            b.frameworks.push(f);
            b.requirements.extend(reqs);
            b.mappings.extend(maps);
        }
        b.build(self.breach.clone(), self.nprm.clone())
    }

    /// Every framework, shipped first.
    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    /// A framework by key.
    pub fn framework(&self, key: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.key == key)
    }

    /// A framework's requirements, in order.
    pub fn requirements(&self, framework: &str) -> Vec<&Requirement> {
        self.by_framework
            .get(framework)
            .map(|ix| ix.iter().map(|&i| &self.requirements[i]).collect())
            .unwrap_or_default()
    }

    /// One requirement, by its citation as printed or in the short form people type: a
    /// standard stated at its first subparagraph is found by either (`164.308(a)(1)` and
    /// `164.308(a)(1)(i)` name the same standard). Surrounding spaces and a leading `§` or
    /// `45 CFR` are ignored. Store the returned requirement's `reference`, never the typed text.
    pub fn requirement(&self, framework: &str, reference: &str) -> Option<&Requirement> {
        let exact = |r: &str| {
            self.index
                .get(&ReqKey::new(framework, r))
                .map(|&i| &self.requirements[i])
        };
        if let Some(r) = exact(reference) {
            return Some(r);
        }
        let t = reference.trim();
        let t = t.strip_prefix("45 CFR").unwrap_or(t).trim_start();
        let t = t.strip_prefix('§').unwrap_or(t).trim_start();
        exact(t)
            .or_else(|| exact(&format!("{t}(i)")).filter(|r| r.kind == RequirementKind::Standard))
    }

    /// The requirements whose parent is `reference`.
    pub fn children(&self, framework: &str, reference: &str) -> Vec<&Requirement> {
        self.requirements(framework)
            .into_iter()
            .filter(|r| r.parent.as_deref() == Some(reference))
            .collect()
    }

    /// Mappings from a requirement to others.
    pub fn mappings_from(&self, key: &ReqKey) -> Vec<&Mapping> {
        self.from
            .get(key)
            .map(|ix| ix.iter().map(|&i| &self.mappings[i]).collect())
            .unwrap_or_default()
    }

    /// Mappings from others to a requirement.
    pub fn mappings_to(&self, key: &ReqKey) -> Vec<&Mapping> {
        self.to
            .get(key)
            .map(|ix| ix.iter().map(|&i| &self.mappings[i]).collect())
            .unwrap_or_default()
    }

    /// Every mapping.
    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// The audit-protocol items that test a requirement.
    pub fn protocol_items_for(&self, key: &ReqKey) -> Vec<&Requirement> {
        self.mappings_to(key)
            .into_iter()
            .filter(|m| m.from.framework == OCR_PROTOCOL)
            .filter_map(|m| self.requirement(&m.from.framework, &m.from.reference))
            .collect()
    }

    /// Requirements matching `q` (reference or words of the title or summary), at most `limit`,
    /// optionally within one framework.
    pub fn search(&self, q: &str, framework: Option<&str>, limit: usize) -> Vec<&Requirement> {
        let q = q.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let words: Vec<&str> = q.split_whitespace().collect();
        let mut exact = Vec::new();
        let mut prefix = Vec::new();
        let mut text = Vec::new();
        for r in &self.requirements {
            if framework.is_some_and(|f| f != r.framework) {
                continue;
            }
            let reference = r.reference.to_lowercase();
            if reference == q
                || reference.trim_start_matches("§").trim() == q.trim_start_matches("§").trim()
            {
                exact.push(r);
            } else if reference.starts_with(q.trim_start_matches("§").trim()) {
                prefix.push(r);
            } else {
                let hay = format!(
                    "{} {} {}",
                    reference,
                    r.title.to_lowercase(),
                    r.summary.as_deref().unwrap_or("").to_lowercase()
                );
                if words.iter().all(|w| hay.contains(w)) {
                    text.push(r);
                }
            }
        }
        exact
            .into_iter()
            .chain(prefix)
            .chain(text)
            .take(limit)
            .collect()
    }

    /// The Breach Notification Rule's deadlines and thresholds.
    pub fn breach_parameters(&self) -> &BreachParameters {
        &self.breach
    }

    /// The status of the 2025 Security Rule NPRM.
    pub fn nprm_status(&self) -> &NprmStatus {
        &self.nprm
    }

    /// Requirements of a kind in a framework.
    pub fn of_kind(&self, framework: &str, kind: RequirementKind) -> Vec<&Requirement> {
        self.requirements(framework)
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }
}
