//! The catalog refuses inconsistent data.

use safeharbor_catalog::{BreachParameters, Builder, CatalogError, NprmStatus};
use safeharbor_domain::catalog::{
    Framework, FrameworkKind, Mapping, Relation, ReqKey, Requirement, RequirementKind,
};

fn fw(key: &str) -> Framework {
    Framework {
        key: key.into(),
        version: "1".into(),
        title: key.into(),
        kind: FrameworkKind::Guidance,
        publisher: String::new(),
        source: String::new(),
        status: String::new(),
        description: String::new(),
        shipped: true,
    }
}

fn req(f: &str, r: &str, parent: Option<&str>) -> Requirement {
    Requirement {
        framework: f.into(),
        reference: r.into(),
        title: r.into(),
        kind: RequirementKind::Control,
        designation: None,
        family: None,
        parent: parent.map(Into::into),
        summary: None,
        guidance: None,
        questions: Vec::new(),
        cites: None,
        withdrawn: false,
        order: 0,
        na_condition: None,
        display_title: None,
    }
}

fn build(b: Builder) -> Result<(), CatalogError> {
    b.build(BreachParameters::default(), NprmStatus::default())
        .map(|_| ())
}

#[test]
fn duplicates_dangling_parents_and_dangling_mappings_are_refused() {
    let ok = Builder {
        frameworks: vec![fw("a"), fw("b")],
        requirements: vec![
            req("a", "1", None),
            req("a", "2", Some("1")),
            req("b", "x", None),
        ],
        mappings: vec![Mapping {
            from: ReqKey::new("a", "1"),
            to: ReqKey::new("b", "x"),
            relation: Relation::Related,
            source: String::new(),
        }],
    };
    assert!(build(ok.clone()).is_ok());
    let mut dup = ok.clone();
    dup.requirements.push(req("a", "1", None));
    assert_eq!(
        build(dup),
        Err(CatalogError::DuplicateRequirement("a".into(), "1".into()))
    );
    let mut dupf = ok.clone();
    dupf.frameworks.push(fw("a"));
    assert!(matches!(
        build(dupf),
        Err(CatalogError::DuplicateFramework(_))
    ));
    let mut orphan = ok.clone();
    orphan.requirements.push(req("a", "3", Some("9")));
    assert!(matches!(
        build(orphan),
        Err(CatalogError::DanglingParent(..))
    ));
    let mut dangling = ok.clone();
    dangling.mappings.push(Mapping {
        from: ReqKey::new("a", "1"),
        to: ReqKey::new("b", "nope"),
        relation: Relation::Related,
        source: String::new(),
    });
    assert!(matches!(
        build(dangling),
        Err(CatalogError::DanglingMapping(..))
    ));
    let mut stray = ok;
    stray.requirements.push(req("zzz", "1", None));
    assert!(matches!(
        build(stray),
        Err(CatalogError::UnknownFramework(..))
    ));
}
