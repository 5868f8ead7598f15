//! Helpers for the territory tests: the demo files, a communes CSV derived from them (so that
//! no test needs the shared data), and a PBF read back whole with `osmpbf`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use osmpbf::{BlobDecode, BlobReader};

/// `data/demo/` of the repository.
pub fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo")
}

/// The shared `communes_france.csv`, or `None` after printing why the test is skipped.
pub fn shared_communes_csv() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/communes_france.csv");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

/// A commune of the demo: code, name, population, mairie.
#[derive(Debug, Clone)]
pub struct DemoCommune {
    pub code: String,
    pub name: String,
    pub population: f64,
    pub mairie: (f64, f64),
    pub area_km2: f64,
}

fn ring_area_m2(ring: &[serde_json::Value]) -> f64 {
    let lat0 = ring[0][1].as_f64().unwrap().to_radians();
    let xy: Vec<(f64, f64)> = ring
        .iter()
        .map(|p| {
            let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            (
                6_371_008.8 * lon.to_radians() * lat0.cos(),
                6_371_008.8 * lat.to_radians(),
            )
        })
        .collect();
    let twice: f64 = xy
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    twice.abs() / 2.0
}

/// The communes of the demo's `communes.geojson`.
pub fn demo_communes() -> Vec<DemoCommune> {
    let text = std::fs::read_to_string(demo_dir().join("communes.geojson")).unwrap();
    let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let area: f64 = f["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|poly| ring_area_m2(poly[0].as_array().unwrap()))
                .sum();
            DemoCommune {
                code: p["code_insee"].as_str().unwrap().to_string(),
                name: p["nom"].as_str().unwrap().to_string(),
                population: p["population_municipale"].as_f64().unwrap(),
                mairie: (
                    p["mairie"][0].as_f64().unwrap(),
                    p["mairie"][1].as_f64().unwrap(),
                ),
                area_km2: area / 1e6,
            }
        })
        .collect()
}

/// Writes the demo's communes as a `communes_france.csv`-like file (département 48).
pub fn write_fixture_csv(path: &Path) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record([
        "code_insee",
        "nom",
        "dep",
        "population_municipale",
        "mairie_lon",
        "mairie_lat",
        "area_km2_approx",
    ])
    .unwrap();
    for c in demo_communes() {
        w.write_record([
            c.code.clone(),
            c.name.clone(),
            "48".into(),
            c.population.to_string(),
            c.mairie.0.to_string(),
            c.mairie.1.to_string(),
            format!("{:.3}", c.area_km2),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

/// A way as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadWay {
    pub id: i64,
    pub refs: Vec<i64>,
    pub tags: BTreeMap<String, String>,
}

/// A relation as read back: members are (type, id, role), type 'n', 'w' or 'r'.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRelation {
    pub id: i64,
    pub members: Vec<(char, i64, String)>,
    pub tags: BTreeMap<String, String>,
}

/// A whole PBF file as read back by `osmpbf`, in file order.
#[derive(Debug, Default)]
pub struct ReadPbf {
    pub writing_program: String,
    pub source: String,
    pub required_features: Vec<String>,
    pub optional_features: Vec<String>,
    /// (left, right, top, bottom) in degrees.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// (id, lon_e7, lat_e7), in file order.
    pub nodes: Vec<(i64, i32, i32)>,
    pub ways: Vec<ReadWay>,
    pub relations: Vec<ReadRelation>,
    /// Entities per data block, and what it held: 'n' nodes, 'w' ways, 'r' relations.
    pub blocks: Vec<(usize, char)>,
    /// Tags of the nodes that have some, by id.
    pub node_tags: BTreeMap<i64, BTreeMap<String, String>>,
}

impl ReadPbf {
    pub fn read(path: &Path) -> ReadPbf {
        let mut out = ReadPbf::default();
        for blob in BlobReader::from_path(path).unwrap() {
            match blob.unwrap().decode().unwrap() {
                BlobDecode::OsmHeader(h) => {
                    out.writing_program = h.writing_program().unwrap_or_default().to_string();
                    out.source = h.source().unwrap_or_default().to_string();
                    out.required_features = h.required_features().to_vec();
                    out.optional_features = h.optional_features().to_vec();
                    out.bbox = h.bbox().map(|b| (b.left, b.right, b.top, b.bottom));
                }
                BlobDecode::OsmData(block) => {
                    let (mut n, mut kinds) = (0, Vec::new());
                    for g in block.groups() {
                        for node in g.dense_nodes() {
                            let tags: BTreeMap<String, String> = node
                                .tags()
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect();
                            if !tags.is_empty() {
                                out.node_tags.insert(node.id(), tags);
                            }
                            out.nodes
                                .push((node.id(), node.decimicro_lon(), node.decimicro_lat()));
                            n += 1;
                            kinds.push('n');
                        }
                        for w in g.ways() {
                            out.ways.push(ReadWay {
                                id: w.id(),
                                refs: w.refs().collect(),
                                tags: w
                                    .tags()
                                    .map(|(k, v)| (k.to_string(), v.to_string()))
                                    .collect(),
                            });
                            n += 1;
                            kinds.push('w');
                        }
                        for r in g.relations() {
                            let members = r
                                .members()
                                .map(|m| {
                                    let t = match m.member_type {
                                        osmpbf::RelMemberType::Node => 'n',
                                        osmpbf::RelMemberType::Way => 'w',
                                        osmpbf::RelMemberType::Relation => 'r',
                                    };
                                    (t, m.member_id, m.role().unwrap().to_string())
                                })
                                .collect();
                            out.relations.push(ReadRelation {
                                id: r.id(),
                                members,
                                tags: r
                                    .tags()
                                    .map(|(k, v)| (k.to_string(), v.to_string()))
                                    .collect(),
                            });
                            n += 1;
                            kinds.push('r');
                        }
                        assert_eq!(g.nodes().count(), 0, "only dense nodes are written");
                    }
                    kinds.dedup();
                    assert_eq!(kinds.len(), 1, "one kind of entity per block: {kinds:?}");
                    out.blocks.push((n, kinds[0]));
                }
                BlobDecode::Unknown(t) => panic!("unknown blob type {t}"),
            }
        }
        out
    }

    /// Position (lon, lat) in degrees of each node id, for lookups.
    pub fn positions(&self) -> BTreeMap<i64, (f64, f64)> {
        self.nodes
            .iter()
            .map(|&(id, x, y)| (id, (f64::from(x) / 1e7, f64::from(y) / 1e7)))
            .collect()
    }
}

/// Great-circle distance in metres.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    zb_routing::geom::haversine_m(a.0, a.1, b.0, b.1)
}
