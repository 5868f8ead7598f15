//! Seeded random studies and scenarios on a real OSM extract, for the what-if tests here and
//! the publication tests of `zb-publish` (included there by path).

#![allow(dead_code)]

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_coverage::Study;
use zb_whatif::scenario::{AddSite, CloseSite, MoveSite, Scenario};

pub fn random_study(pbf: &Path, seed: u64, n_sites: usize, n_units: usize) -> Study {
    let raw = zb_routing::import_pbf(
        pbf,
        &zb_routing::Profile::default(),
        &zb_routing::NoProgress,
    )
    .unwrap();
    let graph = zb_routing::Graph::from_raw(&raw);
    let mut rng = StdRng::seed_from_u64(seed);
    let near = |rng: &mut StdRng| {
        let v = rng.gen_range(0..graph.num_vertices() as u32);
        let c = graph.vertex_coord(v);
        (
            c.lon() + rng.gen_range(-0.002..0.002),
            c.lat() + rng.gen_range(-0.002..0.002),
        )
    };
    let sites = (0..n_sites)
        .map(|i| {
            let (lon, lat) = near(&mut rng);
            zb_places::Site {
                id: format!("synthetic-{i}"),
                name: format!("synthetic {i}"),
                kind: ["mediation", "espace_rencontre"][i % 2].into(),
                lon,
                lat,
                capacity: None,
                waiting_days: Some(rng.gen_range(5.0..90.0)),
                opening: None,
                synthetic: true,
                extra: Default::default(),
            }
        })
        .collect();
    let units = (0..n_units)
        .map(|i| {
            let (lon, lat) = near(&mut rng);
            zb_places::DemandUnit {
                id: format!("u{i}"),
                lon,
                lat,
                weight: rng.gen_range(0.5..20.0),
                commune: Some(format!("C{}", i % 7)),
                cell: None,
                groups: [("tj".to_string(), format!("TJ{}", i % 3))]
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    let th = zb_coverage::Thresholds {
        default_min: 4.0,
        ..Default::default()
    };
    Study::from_parts(
        None,
        true,
        graph,
        sites,
        vec![zb_places::Population::from_units(units, "people")],
        th,
        11.0,
        1_000.0,
        zb_coverage::provenance::Provenance::new(None, Vec::new(), "car".into(), true),
    )
}

pub fn random_scenario(study: &Study, rng: &mut StdRng, n: usize) -> Scenario {
    let mut sc = Scenario {
        name: format!("random {n}"),
        description: None,
        add: Vec::new(),
        moves: Vec::new(),
        close: Vec::new(),
        thresholds: Default::default(),
    };
    let mut used = std::collections::BTreeSet::new();
    let pick_point = |rng: &mut StdRng| {
        let u = &study.units[rng.gen_range(0..study.units.len())];
        (u.lon, u.lat)
    };
    let mode = n % 4; // 0 add, 1 move, 2 close, 3 mixed
    for j in 0..rng.gen_range(1..4) {
        let what = if mode == 3 { rng.gen_range(0..3) } else { mode };
        match what {
            0 => {
                let (lon, lat) = pick_point(rng);
                sc.add.push(AddSite {
                    id: format!("new-{j}"),
                    kind: ["mediation", "espace_rencontre", "nouvelle_offre"][rng.gen_range(0..3)]
                        .into(),
                    lon,
                    lat,
                    name: None,
                    capacity: None,
                    waiting_days: Some(10.0),
                    opening: None,
                });
            }
            w => {
                let s = rng.gen_range(0..study.sites.len());
                if !used.insert(s) {
                    continue;
                }
                let id = study.sites[s].id.clone();
                if w == 1 {
                    let (lon, lat) = pick_point(rng);
                    sc.moves.push(MoveSite { id, lon, lat });
                } else {
                    sc.close.push(CloseSite { id });
                }
            }
        }
    }
    if rng.gen_bool(0.3) {
        sc.thresholds
            .insert("mediation_min".into(), rng.gen_range(2.0..10.0));
    }
    sc
}
