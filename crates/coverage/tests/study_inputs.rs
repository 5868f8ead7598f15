//! Studies built from each population format on the real Monaco extract, the accounting
//! identity on seeded random studies, and bad inputs (errors or counted warnings).

mod common;

use common::shared;

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_coverage::{CoverageError, Status, Study, load_study};

const SITES: &str = "id,name,kind,lon,lat,waiting_days,synthetic\n\
synthetic-med-1,Médiation (synthétique),mediation,7.4240,43.7425,35,true\n\
synthetic-er-1,Espace de rencontre (synthétique),espace_rencontre,7.4080,43.7240,90,true\n";

/// Writes a study folder with the given population section and files; returns the study path.
fn study_dir(dir: &Path, pbf: &Path, population: &str, files: &[(&str, String)]) -> PathBuf {
    std::fs::write(dir.join("sites.csv"), SITES).unwrap();
    for (name, body) in files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let toml = format!(
        "[study]\nname = \"test (synthetic)\"\nsynthetic = true\n[network]\npbf = \"{}\"\n[[sites]]\nfile = \"sites.csv\"\n{population}\n[thresholds]\ndefault_min = 3\n",
        pbf.display()
    );
    let p = dir.join("study.toml");
    std::fs::write(&p, toml).unwrap();
    p
}

fn assert_accounts(study: &Study) {
    let cov = study.evaluate();
    assert!(!cov.kinds.is_empty());
    let total = study.total_weight();
    for k in &cov.kinds {
        let o = &k.overall;
        assert!((o.total_weight - total).abs() < 1e-6 * total.max(1.0));
        assert!(
            (o.within_weight + o.beyond_weight + o.unreachable_weight - o.total_weight).abs()
                < 1e-6 * total.max(1.0)
        );
        let sum: f64 = k.communes.iter().map(|c| c.total_weight).sum();
        assert!((sum - total).abs() < 1e-6 * total.max(1.0));
        for c in k.communes.iter().chain(k.groups.values().flatten()) {
            assert!(
                (c.within_weight + c.beyond_weight + c.unreachable_weight - c.total_weight).abs()
                    < 1e-6 * total.max(1.0)
            );
        }
        // Every unit beyond the threshold or unreachable is in exactly one zone.
        let zoned: f64 = k.zones.iter().map(|z| z.weight).sum();
        let flagged: f64 = study
            .units
            .iter()
            .zip(&k.units)
            .filter(|(_, r)| r.status != Status::Within)
            .map(|(u, _)| u.weight)
            .sum();
        assert!(
            (zoned - flagged).abs() < 1e-6 * total.max(1.0),
            "{zoned} vs {flagged}"
        );
        for (u, r) in study.units.iter().zip(&k.units) {
            match (r.status, r.minutes) {
                (Status::Within, Some(m)) => assert!(m <= k.threshold_min),
                (Status::Beyond, Some(m)) => assert!(m > k.threshold_min),
                (Status::Unreachable, None) => {}
                other => panic!("unit {}: {other:?}", u.id),
            }
        }
    }
}

#[test]
fn insee_grid_population() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Four 200 m cells of the EPSG:3035 grid over Monaco and Beausoleil (synthetic counts).
    let (e, n) = zb_places::crs::laea3035_forward(7.4230, 43.7400);
    let (e, n) = (
        (e / 200.0).floor() as i64 * 200,
        (n / 200.0).floor() as i64 * 200,
    );
    let mut csv = String::from("Idcar_200m;Ind;Men;lcog_geo\n");
    for (i, (de, dn)) in [(0, 0), (200, 0), (0, 200), (400, 400)].iter().enumerate() {
        csv.push_str(&format!(
            "CRS3035RES200mN{}E{};{};{};06012\n",
            n + dn,
            e + de,
            40 + i * 10,
            15 + i
        ));
    }
    let p = study_dir(
        dir.path(),
        &pbf,
        "[[population]]\nfile = \"grid.csv\"\nformat = \"insee-grid\"\nweight = \"Men\"\n",
        &[("grid.csv", csv)],
    );
    let study = load_study(&p).unwrap();
    assert_eq!(study.units.len(), 4);
    assert_eq!(study.counts, "households");
    assert_eq!(study.total_weight(), 15.0 + 16.0 + 17.0 + 18.0);
    assert!(
        study
            .units
            .iter()
            .all(|u| u.commune.as_deref() == Some("06012"))
    );
    assert_accounts(&study);
}

#[test]
fn lambert93_points_population() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let to_l93 = zb_places::Transformer::from_wgs84(2154).unwrap();
    let mut csv = String::from("id,x,y,enfants,code_insee,epci\n");
    for (i, (lon, lat)) in [(7.4246, 43.7384), (7.4167, 43.7325), (7.4100, 43.7260)]
        .iter()
        .enumerate()
    {
        let (x, y) = to_l93.convert(*lon, *lat).unwrap();
        csv.push_str(&format!(
            "p{i},{x:.2},{y:.2},{},0603{i},200039965\n",
            12 + i
        ));
    }
    let p = study_dir(
        dir.path(),
        &pbf,
        "[[population]]\nfile = \"points.csv\"\nformat = \"points\"\nweight = \"enfants\"\ncounts = \"children\"\nepsg = 2154\ngroup_by = [\"epci\"]\n",
        &[("points.csv", csv)],
    );
    let study = load_study(&p).unwrap();
    assert_eq!(study.units.len(), 3);
    assert_eq!(study.counts, "children");
    // Published at its 200 m cell's centre, never at the point itself.
    let u = &study.units[0];
    let d = zb_places::haversine_m(u.lon, u.lat, 7.4246, 43.7384);
    assert!(d > 0.1 && d < 142.0, "{d} m from the point");
    assert_eq!(study.group_columns, vec!["epci".to_string()]);
    assert_accounts(&study);
}

#[test]
fn communes_population_spreads_along_roads_and_falls_back_to_the_mairie() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let Some(communes) = shared("communes_06_monaco_neighbours.geojson") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = study_dir(
        dir.path(),
        &pbf,
        &format!(
            "[[population]]\nfile = \"{}\"\nformat = \"communes\"\nweight = \"population_municipale\"\n",
            communes.display()
        ),
        &[],
    );
    let study = load_study(&p).unwrap();
    assert!((study.total_weight() - 33_903.0).abs() < 1e-6);
    assert_eq!(study.communes.len(), 4);
    assert!(
        study
            .communes
            .iter()
            .all(|c| c.published_total.is_some() && c.geometry.is_some())
    );
    // Beausoleil has roads in the extract: spread over several cells. La Turbie has none.
    assert!(
        study
            .units
            .iter()
            .filter(|u| u.commune.as_deref() == Some("06012"))
            .count()
            > 1
    );
    let warn: Vec<&str> = study.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        warn.iter()
            .any(|w| w.contains("1 communes have no road inside") && w.contains("06150")),
        "{warn:?}"
    );
    assert_accounts(&study);
}

#[test]
fn accounting_holds_on_random_studies() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let raw = zb_routing::import_pbf(
        &pbf,
        &zb_routing::Profile::default(),
        &zb_routing::NoProgress,
    )
    .unwrap();
    for seed in 0..6u64 {
        let graph = zb_routing::Graph::from_raw(&raw);
        let mut rng = StdRng::seed_from_u64(seed);
        let sites: Vec<zb_places::Site> = (0..rng.gen_range(1..6))
            .map(|i| zb_places::Site {
                id: format!("synthetic-{i}"),
                name: format!("synthetic {i}"),
                kind: ["mediation", "espace_rencontre", "permanence"][i % 3].into(),
                lon: rng.gen_range(7.40..7.44),
                lat: rng.gen_range(43.72..43.75),
                capacity: None,
                waiting_days: rng.gen_bool(0.5).then(|| rng.gen_range(5.0..100.0)),
                opening: None,
                synthetic: true,
                extra: Default::default(),
            })
            .collect();
        let units: Vec<zb_places::DemandUnit> = (0..400)
            .map(|i| zb_places::DemandUnit {
                id: format!("u{i}"),
                // Some far out at sea: unreachable.
                lon: rng.gen_range(7.39..7.50),
                lat: rng.gen_range(43.70..43.78),
                weight: rng.gen_range(0.0..30.0),
                commune: rng.gen_bool(0.9).then(|| format!("0601{}", i % 4)),
                cell: None,
                groups: [("tj".to_string(), format!("TJ{}", i % 3))]
                    .into_iter()
                    .collect(),
            })
            .collect();
        let th = zb_coverage::Thresholds {
            default_min: rng.gen_range(1.0..8.0),
            ..Default::default()
        };
        let study = Study::from_parts(
            None,
            true,
            graph,
            sites,
            vec![zb_places::Population::from_units(units, "people")],
            th,
            11.0,
            rng.gen_range(50.0..1_000.0),
            zb_coverage::provenance::Provenance::new(None, Vec::new(), "car".into(), true),
        );
        assert_accounts(&study);
    }
}

fn load_err(population: &str, files: &[(&str, String)]) -> Option<String> {
    let pbf = shared("monaco-latest.osm.pbf")?;
    let dir = tempfile::tempdir().unwrap();
    let p = study_dir(dir.path(), &pbf, population, files);
    let e: CoverageError = match load_study(&p) {
        Ok(_) => panic!("expected an error for {population}"),
        Err(e) => e,
    };
    Some(e.to_string())
}

#[test]
fn bad_population_inputs_are_clear_errors() {
    let points = "id,x,y,n\na,1,2,3\n".to_string();
    if let Some(e) = load_err(
        "[[population]]\nfile = \"p.csv\"\nformat = \"points\"\nweight = \"n\"\nepsg = 999999\n",
        &[("p.csv", points.clone())],
    ) {
        assert!(e.contains("999999"), "{e}");
    }
    if let Some(e) = load_err(
        "[[population]]\nfile = \"p.csv\"\nformat = \"points\"\nweight = \"people\"\nepsg = 2154\n",
        &[("p.csv", points)],
    ) {
        assert!(e.contains("p.csv") && e.contains("people"), "{e}");
    }
    let empty_polygon = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_insee":"06012","nom":"X","population_municipale":10,"mairie":[7.42,43.74]},"geometry":{"type":"Polygon","coordinates":[]}}]}"#;
    if let Some(e) = load_err(
        "[[population]]\nfile = \"c.geojson\"\nformat = \"communes\"\nweight = \"population_municipale\"\n",
        &[("c.geojson", empty_polygon.to_string())],
    ) {
        assert!(e.contains("c.geojson") && e.contains("feature"), "{e}");
    }
    let bad_toml = "[[population]]\nfile = \"p.csv\"\nformat = \"shapefile\"\nweight = \"n\"\n";
    if let Some(e) = load_err(bad_toml, &[]) {
        assert!(e.contains("study.toml") && e.contains("line"), "{e}");
    }
}
