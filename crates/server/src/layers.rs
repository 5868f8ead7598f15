//! Map layers that the exports do not make: the road basemap and isochrones around a site; and
//! the renaming of one kind's export properties (`minutes_mediation` -> `minutes`).

use std::collections::BTreeMap;

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, Position};
use serde_json::Value;
use zb_coverage::Study;
use zb_coverage::dissolve::{CellIdx, dissolve};
use zb_routing::{Direction, Graph, Scratch, SiteSeeds, Snap, point_time};
use zb_writers::geometry::feature;
use zb_writers::round_to;

/// Longest distance between two points of a road at which isochrone cells are looked up:
/// half a 200 m cell, so that a road crossing a cell always marks it.
const ISOCHRONE_STEP_M: f64 = 100.0;

/// Every link of the graph as a LineString with its `class` (the OSM `highway` value),
/// coordinates rounded to 5 decimals (about 1 m: enough to draw).
pub fn roads_geojson(graph: &Graph) -> FeatureCollection {
    let classes = graph.classes();
    let features = (0..graph.num_links() as u32)
        .map(|l| {
            let coordinates: Vec<Position> = graph
                .link_shape(l)
                .iter()
                .map(|c| Position::from([round_to(c.lon(), 5), round_to(c.lat(), 5)]))
                .collect();
            let mut p = JsonObject::new();
            p.insert(
                "class".into(),
                classes[graph.link_class(l) as usize].clone().into(),
            );
            feature(
                Some(Geometry::new(GeometryValue::LineString { coordinates })),
                p,
            )
        })
        .collect();
    collection(features, JsonObject::new())
}

/// Isochrones of one site: for each value of `minutes`, the 200 m EPSG:3035 cells holding a
/// point of a road from which the site is reached by car within that time (the time TO the
/// site: a backward search bounded at the largest value), dissolved into a MultiPolygon. Points
/// are the links' shape points plus points every 100 m between them, so that a long straight
/// road leaves no gap. One feature per value (`minutes`, `cells`), largest first; the geometry
/// is `null` when no cell is reached. `site` indexes [`Study::sites`]; the caller checks that
/// it snapped onto the network (`snap`).
pub fn isochrones(study: &Study, site: usize, snap: Snap, minutes: &[u32]) -> FeatureCollection {
    let graph = &*study.graph;
    let mut values: Vec<u32> = minutes.to_vec();
    values.sort_unstable_by(|a, b| b.cmp(a));
    values.dedup();
    let max_ms = values.first().map_or(0, |m| m.saturating_mul(60_000));
    let seeds = SiteSeeds::new(graph, &[(0, snap)]);
    let mut scratch = Scratch::new(graph);
    scratch.run(graph, Direction::Backward, &seeds.sources(), Some(max_ms));

    // Fastest time per cell (column, row of the 200 m grid).
    let mut cells: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    for l in 0..graph.num_links() as u32 {
        // The search runs on link directions (`2l`, `2l + 1`) and their copies, not junctions.
        let reached = [2 * l, 2 * l + 1]
            .into_iter()
            .flat_map(|n| std::iter::once(n).chain(graph.node_copies_of(n)))
            .any(|n| scratch.time_ms(n).is_some());
        if l != snap.link && !reached {
            continue;
        }
        let shape = graph.link_shape(l);
        let cum = graph.link_cum_m(l);
        for i in 0..shape.len() {
            let pieces = if i + 1 < shape.len() {
                let len = f64::from(cum[i + 1] - cum[i]);
                (len / ISOCHRONE_STEP_M).ceil().max(1.0) as usize
            } else {
                1
            };
            for j in 0..pieces {
                let f = j as f64 / pieces as f64;
                let (lon, lat, offset_m) = if j == 0 {
                    (shape[i].lon(), shape[i].lat(), f64::from(cum[i]))
                } else {
                    (
                        shape[i].lon() + f * (shape[i + 1].lon() - shape[i].lon()),
                        shape[i].lat() + f * (shape[i + 1].lat() - shape[i].lat()),
                        f64::from(cum[i]) + f * f64::from(cum[i + 1] - cum[i]),
                    )
                };
                let at = Snap {
                    link: l,
                    offset_m,
                    dist_m: 0.0,
                    lon,
                    lat,
                };
                let Some((ms, _)) = point_time(graph, &scratch, &seeds, &at) else {
                    continue;
                };
                if ms > f64::from(max_ms) {
                    continue;
                }
                let c = zb_places::grid3035_cell_of(lon, lat);
                let t = cells
                    .entry((c.easting / 200, c.northing / 200))
                    .or_insert(ms);
                *t = t.min(ms);
            }
        }
    }
    let features = values
        .iter()
        .map(|&m| {
            let limit = f64::from(m) * 60_000.0;
            let idx: Vec<CellIdx> = cells
                .iter()
                .filter(|&(_, &t)| t <= limit)
                .map(|(&(col, row), _)| CellIdx { col, row })
                .collect();
            let mut p = JsonObject::new();
            p.insert("minutes".into(), m.into());
            p.insert("cells".into(), idx.len().into());
            p.insert("site".into(), study.sites[site].id.clone().into());
            feature(cells_geometry(&idx), p)
        })
        .collect();
    let mut members = JsonObject::new();
    members.insert("site".into(), study.sites[site].id.clone().into());
    members.insert("synthetic".into(), study.provenance.synthetic.into());
    members.insert(
        "method".into(),
        "200 m EPSG:3035 cells holding a road point that reaches the site by car within the time"
            .into(),
    );
    collection(features, members)
}

/// 200 m EPSG:3035 cells dissolved into a WGS84 MultiPolygon (6 decimals); `None` when empty.
fn cells_geometry(cells: &[CellIdx]) -> Option<Geometry> {
    if cells.is_empty() {
        return None;
    }
    let ring = |r: &[(i64, i64)]| -> Vec<Position> {
        r.iter()
            .map(|&(c, row)| {
                let (lon, lat) =
                    zb_places::crs::laea3035_inverse(c as f64 * 200.0, row as f64 * 200.0);
                Position::from([round_to(lon, 6), round_to(lat, 6)])
            })
            .collect()
    };
    let coordinates = dissolve(cells)
        .iter()
        .map(|p| {
            std::iter::once(ring(&p.exterior))
                .chain(p.holes.iter().map(|h| ring(h)))
                .collect()
        })
        .collect();
    Some(Geometry::new(GeometryValue::MultiPolygon { coordinates }))
}

/// Renames the properties `NAME_<kind>` of an export to `NAME` (a layer shows one kind).
pub fn strip_kind_suffix(fc: &mut FeatureCollection, kind: &str) {
    let suffix = format!("_{kind}");
    for f in &mut fc.features {
        if let Some(p) = f.properties.take() {
            let renamed: JsonObject = p
                .into_iter()
                .map(|(k, v)| match k.strip_suffix(&suffix) {
                    Some(base) if !base.is_empty() => (base.to_string(), v),
                    _ => (k, v),
                })
                .collect();
            f.properties = Some(renamed);
        }
    }
}

/// The properties of a FeatureCollection's features, without geometries (tables).
pub fn properties(fc: FeatureCollection) -> Vec<Value> {
    fc.features
        .into_iter()
        .map(|f| Value::Object(f.properties.unwrap_or_default()))
        .collect()
}

fn collection(features: Vec<Feature>, members: JsonObject) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: (!members.is_empty()).then_some(members),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_suffixes_are_stripped_once() {
        let mut p = JsonObject::new();
        p.insert("minutes_mediation".into(), 3.0.into());
        p.insert("status_mediation".into(), "within".into());
        p.insert("id".into(), "u1".into());
        p.insert("_mediation".into(), 1.into());
        let mut fc = collection(vec![feature(None, p)], JsonObject::new());
        strip_kind_suffix(&mut fc, "mediation");
        let p = fc.features[0].properties.as_ref().unwrap();
        assert_eq!(p["minutes"], 3.0);
        assert_eq!(p["status"], "within");
        assert_eq!(p["id"], "u1");
        assert!(p.contains_key("_mediation"));
        assert!(!p.contains_key("minutes_mediation"));
    }

    #[test]
    fn cells_dissolve_into_one_polygon_per_component() {
        assert_eq!(cells_geometry(&[]), None);
        let (col, row) = (4_252_400 / 200, 2_029_800 / 200);
        let g = cells_geometry(&[
            CellIdx::new(col, row),
            CellIdx::new(col + 1, row),
            CellIdx::new(col + 5, row),
        ])
        .unwrap();
        let GeometryValue::MultiPolygon { coordinates } = g.value else {
            panic!("not a MultiPolygon")
        };
        assert_eq!(coordinates.len(), 2);
        // Two adjacent cells: a rectangle, 4 corners and the closing point.
        assert_eq!(coordinates[0][0].len(), 5);
        assert_eq!(coordinates[0][0].first(), coordinates[0][0].last());
    }
}
