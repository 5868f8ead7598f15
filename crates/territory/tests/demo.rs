//! The embedded demo: written out once, loads as a study with the real population of Lozère,
//! both kinds of site, and accounts for everyone. Needs no shared data.

use zb_coverage::{Study, load_study};
use zb_territory::demo::{self, COMMUNES, FILES, POPULATION, extract_demo};

#[test]
fn the_demo_loads_and_accounts_for_everyone() {
    let root = tempfile::tempdir().unwrap();
    let path = extract_demo(root.path()).unwrap();
    assert!(path.ends_with("study.toml"));
    let study: Study = load_study(&path).unwrap();
    assert!(study.synthetic && study.provenance.synthetic);
    assert_eq!(study.name.as_deref(), Some("Lozère (démo synthétique)"));
    assert_eq!(study.kinds(), ["espace_rencontre", "mediation"]);
    assert!(
        study
            .sites
            .iter()
            .all(|s| s.synthetic && s.name.contains("(synthétique)"))
    );
    assert!(
        study.site_snaps.iter().all(|s| s.is_ok()),
        "a site is off the roads"
    );
    let published: Vec<f64> = study
        .communes
        .iter()
        .filter_map(|c| c.published_total)
        .collect();
    assert_eq!(published.len(), COMMUNES);
    assert_eq!(published.iter().sum::<f64>(), POPULATION);
    assert!((study.total_weight() - POPULATION).abs() < 1e-6);
    // Every commune has roads inside it: nobody is placed at a mairie.
    assert!(
        study.units.iter().all(|u| !u.id.ends_with("-mairie")),
        "{:?}",
        study.warnings
    );
    assert!(study.unit_snaps.iter().all(|s| s.is_ok()));

    let coverage = study.evaluate();
    assert_eq!(coverage.kinds.len(), 2);
    for k in &coverage.kinds {
        let o = &k.overall;
        let sum = o.within_weight + o.beyond_weight + o.unreachable_weight;
        assert!((sum - POPULATION).abs() < 1e-6, "{}: {sum}", k.kind);
        assert!((o.total_weight - POPULATION).abs() < 1e-6);
        // Rural Lozère: most within the threshold, but zones blanches remain.
        assert!(o.within_weight > 0.5 * POPULATION, "{}", k.kind);
        assert!(o.beyond_weight > 0.0, "{}", k.kind);
        assert!(!k.zones.is_empty());
    }
    assert_eq!(
        coverage
            .kinds
            .iter()
            .map(|k| k.threshold_min)
            .collect::<Vec<_>>(),
        [45.0, 30.0]
    );
}

#[test]
fn extraction_happens_once_and_repairs_a_damaged_copy() {
    let root = tempfile::tempdir().unwrap();
    let a = extract_demo(root.path()).unwrap();
    let dir = a.parent().unwrap().to_path_buf();
    assert_eq!(
        dir.file_name().unwrap().to_string_lossy(),
        demo::folder_name()
    );
    for (name, bytes) in FILES {
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), bytes);
    }
    // Nothing but the demo folder is left in the cache root.
    let entries: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);
    let b = extract_demo(root.path()).unwrap();
    assert_eq!(a, b);
    std::fs::write(dir.join("synthetic_sites.csv"), "id,lon,lat\n").unwrap();
    std::fs::remove_file(dir.join("communes.geojson")).unwrap();
    let c = extract_demo(root.path()).unwrap();
    assert_eq!(a, c);
    for (name, bytes) in FILES {
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), bytes, "{name}");
    }
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
}

#[test]
fn every_demo_file_says_it_is_synthetic() {
    for (name, bytes) in FILES {
        let text = String::from_utf8_lossy(bytes);
        match name {
            "study.toml" => {
                assert!(text.contains("synthetic = true") && text.contains("SYNTHETIC"))
            }
            "synthetic_sites.csv" => {
                for line in text.lines().skip(1) {
                    assert!(
                        line.ends_with(",true") && line.contains("(synthétique)"),
                        "{line}"
                    );
                }
            }
            // Real boundaries and populations, with their source.
            "communes.geojson" => assert!(text.contains("\"source\":\"INSEE/IGN")),
            // The (compressed) header says so: see tests/generated.rs.
            "territory.osm.pbf" => assert!(bytes[4..].starts_with(b"\x0a\x09OSMHeader")),
            other => panic!("unexpected demo file {other}"),
        }
    }
}
