//! The Monaco example study end to end (real OSM extract and communes, synthetic sites).

use std::path::PathBuf;

fn study_path() -> Option<PathBuf> {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/monaco-latest.osm.pbf");
    if !data.exists() {
        eprintln!("skipped: {} is absent", data.display());
        return None;
    }
    Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/monaco/study.toml"))
}

#[test]
fn monaco_study_accounts_for_all_weight() {
    let Some(p) = study_path() else { return };
    let study = zb_coverage::load_study(&p).unwrap();
    assert_eq!(
        study.kinds(),
        vec!["espace_rencontre".to_string(), "mediation".to_string()]
    );
    assert!((study.total_weight() - (13_607.0 + 4_594.0 + 12_639.0 + 3_063.0)).abs() < 1e-6);
    let cov = study.evaluate();
    for k in &cov.kinds {
        eprintln!("{} {:?}", k.kind, k.overall);
        for c in &k.communes {
            eprintln!("   {:?}", c);
        }
        eprintln!("   zones {}", k.zones.len());
        let o = &k.overall;
        assert!(
            (o.within_weight + o.beyond_weight + o.unreachable_weight - o.total_weight).abs()
                < 1e-6
        );
        for c in &k.communes {
            assert!(
                (c.within_weight + c.beyond_weight + c.unreachable_weight - c.total_weight).abs()
                    < 1e-6
            );
        }
    }
    for w in &study.warnings {
        eprintln!("warning: {}", w.message);
    }
}
