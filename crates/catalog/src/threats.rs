//! The threat and vulnerability library of the risk analysis, in the manner of NIST SP 800-30
//! Rev. 1 (threat sources and events, predisposing conditions). Shipped as
//! `data/threats.toml` in Safeharbor's own words; organizations add their own threats in
//! storage.

use std::collections::HashSet;
use std::sync::OnceLock;

use safeharbor_domain::risk::{AssetKind, Rating};
use serde::{Deserialize, Serialize};

const THREATS_TOML: &str = include_str!("../data/threats.toml");

/// A threat: something that can happen to ePHI, and the weaknesses that let it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threat {
    /// Key (`ransomware`).
    pub id: String,
    /// Name.
    pub name: String,
    /// NIST SP 800-30 threat source type: adversarial, accidental, structural, environmental.
    pub category: String,
    /// What happens.
    pub description: String,
    /// Kinds of asset it applies to.
    pub asset_kinds: Vec<AssetKind>,
    /// A starting likelihood for a typical small practice, to be reviewed.
    pub typical_likelihood: Rating,
    /// A starting impact, to be reviewed.
    pub typical_impact: Rating,
    /// Weaknesses it exploits.
    #[serde(rename = "vulnerability", default)]
    pub vulnerabilities: Vec<Vulnerability>,
}

/// A weakness a threat exploits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// Key, unique in the library.
    pub id: String,
    /// Name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// The Security Rule requirements whose safeguards address it.
    #[serde(default)]
    pub related_requirements: Vec<String>,
}

/// The shipped library.
#[derive(Debug, Clone, Deserialize)]
pub struct ThreatLibrary {
    /// Data version.
    pub version: String,
    /// The threats, in file order.
    #[serde(rename = "threat")]
    pub threats: Vec<Threat>,
}

/// The NIST SP 800-30 threat source types.
pub const CATEGORIES: [&str; 4] = ["adversarial", "accidental", "structural", "environmental"];

impl ThreatLibrary {
    /// Parses and checks a library file: unique ids, known categories, at least one asset kind
    /// and one vulnerability per threat.
    pub fn parse(text: &str) -> Result<Self, String> {
        let lib: Self = toml::from_str(text).map_err(|e| format!("threats.toml: {e}"))?;
        let mut ids = HashSet::new();
        for t in &lib.threats {
            if !ids.insert(t.id.as_str()) {
                return Err(format!("threats.toml: threat id {} is repeated", t.id));
            }
            if !CATEGORIES.contains(&t.category.as_str()) {
                return Err(format!(
                    "threats.toml: threat {} has an unknown category",
                    t.id
                ));
            }
            if t.asset_kinds.is_empty() || t.vulnerabilities.is_empty() {
                return Err(format!(
                    "threats.toml: threat {} needs asset kinds and vulnerabilities",
                    t.id
                ));
            }
            for v in &t.vulnerabilities {
                if !ids.insert(v.id.as_str()) {
                    return Err(format!(
                        "threats.toml: vulnerability id {} is repeated",
                        v.id
                    ));
                }
            }
        }
        Ok(lib)
    }

    /// The shipped library, parsed once.
    ///
    /// # Panics
    /// If the compiled-in `threats.toml` does not parse: a build defect the tests of this module
    /// catch before release.
    pub fn shipped() -> &'static Self {
        static LIB: OnceLock<ThreatLibrary> = OnceLock::new();
        LIB.get_or_init(|| {
            // The file is compiled in and checked by the tests below; failing here is a build bug.
            Self::parse(THREATS_TOML).unwrap_or_else(|e| panic!("{e}"))
        })
    }

    /// One threat by key.
    pub fn threat(&self, id: &str) -> Option<&Threat> {
        self.threats.iter().find(|t| t.id == id)
    }

    /// The threats that apply to an asset kind.
    pub fn for_kind(&self, kind: AssetKind) -> impl Iterator<Item = &Threat> {
        self.threats
            .iter()
            .filter(move |t| t.asset_kinds.contains(&kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, HIPAA_SECURITY};

    #[test]
    fn the_library_has_the_threats_a_practice_faces() {
        let lib = ThreatLibrary::shipped();
        for id in [
            "hacking",
            "ransomware",
            "phishing",
            "lost-stolen-device",
            "improper-disposal",
            "insider-snooping",
            "vendor-compromise",
            "natural-disaster",
            "power-outage",
            "hardware-software-failure",
        ] {
            let t = lib.threat(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(t.vulnerabilities.len() >= 3, "{id} has few vulnerabilities");
        }
        for kind in [
            AssetKind::Voip,
            AssetKind::SdWan,
            AssetKind::Daas,
            AssetKind::Ehr,
        ] {
            assert!(lib.for_kind(kind).count() >= 3, "{kind:?} has few threats");
        }
    }

    #[test]
    fn every_related_requirement_is_in_the_security_rule_catalog() {
        let c = Catalog::shipped().unwrap();
        for t in &ThreatLibrary::shipped().threats {
            for v in &t.vulnerabilities {
                for r in &v.related_requirements {
                    assert!(
                        c.requirement(HIPAA_SECURITY, r).is_some(),
                        "{} cites {r}, which is not a hipaa-security requirement",
                        v.id
                    );
                }
            }
        }
    }

    #[test]
    fn bad_files_are_refused() {
        let dup = "version = \"x\"\n[[threat]]\nid = \"a\"\nname = \"A\"\ncategory = \"adversarial\"\ndescription = \"d\"\nasset_kinds = [\"ehr\"]\ntypical_likelihood = 3\ntypical_impact = 3\n[[threat.vulnerability]]\nid = \"a\"\nname = \"v\"\ndescription = \"d\"\n";
        assert!(ThreatLibrary::parse(dup).unwrap_err().contains("repeated"));
        let bad_rating = dup.replace("typical_impact = 3", "typical_impact = 9");
        assert!(ThreatLibrary::parse(&bad_rating).is_err());
        let bad_kind = dup.replace("[\"ehr\"]", "[\"toaster\"]");
        assert!(ThreatLibrary::parse(&bad_kind).is_err());
    }
}
