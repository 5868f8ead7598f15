//! Communes with a population, and dasymetric spreading of that population over their roads.
//!
//! Census counts are published per commune, but a commune can be 100 km² of hills with a town
//! in one corner. Spreading its weight over the roads inside it, in proportion to road length
//! times a weight for the road class (people live along residential streets, not motorways),
//! places families where the roads they drive from are, then 200 m cells of the INSEE grid
//! gather the pieces into a manageable number of demand units.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use geo::{BoundingRect, Contains, InteriorPoint, LineString, MultiPolygon, Point, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};

use crate::crs::{GridCell, grid3035_cell_of};
use crate::error::{At, Error, Result};
use crate::features::{property_number, property_text, read_features};
pub use crate::population::Commune;
use crate::population::{DemandUnit, MAX_EXAMPLES, Population, Warning, WarningKind};

/// Property names tried, in order, for the INSEE code (ours, IGN Admin Express, OSM).
const CODE_FIELDS: [&str; 5] = ["code_insee", "INSEE_COM", "insee", "code", "ref:INSEE"];
const NAME_FIELDS: [&str; 3] = ["nom", "NOM", "name"];

/// Reads communes from a GeoJSON FeatureCollection of Polygon / MultiPolygon features (WGS84).
///
/// Properties: the code from `code_insee` (else `INSEE_COM`, `insee`, `code`, `ref:INSEE`; a
/// JSON number is zero-padded to 5 digits), the name from `nom` (else `NOM`, `name`, else the
/// code), the weight from `weight_field` (a number or a numeric string, not negative), the
/// mairie from `mairie` = `[lon, lat]` (when absent: a point inside the polygon).
pub fn read_communes(path: impl AsRef<Path>, weight_field: &str) -> Result<Vec<Commune>> {
    let path = path.as_ref();
    let features = read_features(path)?;
    let mut communes = Vec::with_capacity(features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, f) in features.iter().enumerate() {
        let at = At::Feature(index);
        let bad = |field: &str, reason: String| Error::invalid(path, at, field, reason);
        let (code_field, code) = CODE_FIELDS
            .iter()
            .find_map(|&k| match f.property(k) {
                Some(serde_json::Value::Number(n)) if n.is_u64() => {
                    Some((k, format!("{:05}", n.as_u64().unwrap_or_default())))
                }
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                    Some((k, s.trim().to_string()))
                }
                _ => None,
            })
            .ok_or_else(|| {
                bad(
                    CODE_FIELDS[0],
                    format!("no commune code (tried {})", CODE_FIELDS.join(", ")),
                )
            })?;
        if let Some(first) = seen.insert(code.clone(), index) {
            return Err(bad(
                code_field,
                format!("duplicate commune `{code}` (first at feature index {first})"),
            ));
        }
        let name = NAME_FIELDS
            .iter()
            .find_map(|&k| property_text(f, k))
            .unwrap_or_else(|| code.clone());
        let weight = property_number(path, index, f, weight_field)?
            .ok_or_else(|| bad(weight_field, "missing weight".into()))?;
        if weight < 0.0 {
            return Err(bad(weight_field, format!("{weight} is negative")));
        }
        let geometry = multipolygon(f).map_err(|reason| bad("geometry", reason))?;
        let mairie = match f.property("mairie") {
            None | Some(serde_json::Value::Null) => {
                let p = geometry
                    .interior_point()
                    .ok_or_else(|| bad("geometry", "no interior point".into()))?;
                (p.x(), p.y())
            }
            Some(v) => {
                let xy = v
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)))
                    .ok_or_else(|| bad("mairie", format!("`{v}` is not [lon, lat]")))?;
                crate::sites::check_lon_lat(path, at, "mairie", "mairie", xy.0, xy.1)?;
                xy
            }
        };
        let props = f
            .properties_iter()
            .filter_map(|(k, v)| crate::features::value_text(v).map(|t| (k.clone(), t)))
            .collect();
        communes.push(Commune {
            code,
            name,
            weight,
            mairie,
            geometry,
            props,
        });
    }
    if communes.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            what: "communes",
        });
    }
    Ok(communes)
}

/// The feature's geometry as a checked MultiPolygon: rings of at least 4 finite WGS84
/// positions, closed, with a non-zero area.
fn multipolygon(f: &geojson::Feature) -> std::result::Result<MultiPolygon<f64>, String> {
    let geometry = f.geometry.as_ref().ok_or("missing")?;
    let polygons: Vec<&Vec<Vec<geojson::Position>>> = match &geometry.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "expected a Polygon or MultiPolygon, found a {}",
                other.type_name()
            ));
        }
    };
    if polygons.is_empty() {
        return Err("empty MultiPolygon".into());
    }
    let ring =
        |(p, r): (usize, &Vec<geojson::Position>)| -> std::result::Result<LineString<f64>, String> {
            if r.len() < 4 {
                return Err(format!(
                    "polygon {p}: a ring has {} positions, fewer than 4",
                    r.len()
                ));
            }
            let mut coords = Vec::with_capacity(r.len());
            for pos in r {
                if pos.len() < 2 {
                    return Err(format!("polygon {p}: a position has fewer than 2 numbers"));
                }
                let (x, y) = (pos[0], pos[1]);
                if !(x.is_finite() && y.is_finite() && x.abs() <= 180.0 && y.abs() <= 90.0) {
                    return Err(format!(
                        "polygon {p}: position ({x}, {y}) is not WGS84 lon/lat"
                    ));
                }
                coords.push(geo::coord! { x: x, y: y });
            }
            if coords.first() != coords.last() {
                return Err(format!("polygon {p}: a ring is not closed"));
            }
            Ok(LineString::new(coords))
        };
    let mut out = Vec::with_capacity(polygons.len());
    for (p, rings) in polygons.into_iter().enumerate() {
        let mut rings = rings.iter().map(|r| ring((p, r)));
        let exterior = rings.next().ok_or(format!("polygon {p} has no ring"))??;
        let interiors = rings.collect::<std::result::Result<Vec<_>, _>>()?;
        let polygon = Polygon::new(exterior, interiors);
        if geo::Area::unsigned_area(&polygon) <= 0.0 {
            return Err(format!("polygon {p} has a zero area"));
        }
        out.push(polygon);
    }
    Ok(MultiPolygon::new(out))
}

/// A short piece of road: its midpoint, length and OSM `highway` class. The coverage crate cuts
/// the road graph's edges into such pieces; this crate does not know the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadPiece {
    pub lon: f64,
    pub lat: f64,
    pub length_m: f64,
    /// OSM `highway` value (`residential`, `primary`, ...).
    pub class: String,
}

/// How much housing a metre of road of each OSM `highway` class stands for, relative to a
/// residential street.
///
/// Defaults: 1 for `residential`, `living_street`, `unclassified`, `tertiary`, `tertiary_link`;
/// 0.5 for `service` and `road`; 0.3 for `secondary`, 0.2 for `primary`, 0.1 for their links;
/// 0 for `motorway`, `trunk` and their links; 0.1 for any other class (`other`).
///
/// (De)serialises as a flat map `{class = weight}`; the key `other` is the weight of unlisted
/// classes. Classes a user does not list keep their default, and every weight must be a finite
/// number >= 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<String, f64>", into = "BTreeMap<String, f64>")]
pub struct ClassWeights {
    by_class: BTreeMap<String, f64>,
    other: f64,
}

impl Default for ClassWeights {
    fn default() -> Self {
        let table: [(&str, f64); 16] = [
            ("residential", 1.0),
            ("living_street", 1.0),
            ("unclassified", 1.0),
            ("tertiary", 1.0),
            ("tertiary_link", 1.0),
            ("service", 0.5),
            ("road", 0.5),
            ("secondary", 0.3),
            ("secondary_link", 0.1),
            ("primary", 0.2),
            ("primary_link", 0.1),
            ("motorway", 0.0),
            ("motorway_link", 0.0),
            ("trunk", 0.0),
            ("trunk_link", 0.0),
            // Listed to show it is deliberate: tracks rarely serve homes.
            ("track", 0.1),
        ];
        ClassWeights {
            by_class: table.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
            other: 0.1,
        }
    }
}

impl ClassWeights {
    /// The weight of a class (the `other` weight for unlisted classes).
    pub fn weight(&self, class: &str) -> f64 {
        self.by_class.get(class).copied().unwrap_or(self.other)
    }

    /// Sets the weight of a class (`other` sets the weight of unlisted classes). Errors on a
    /// negative or non-finite weight.
    pub fn set(&mut self, class: &str, weight: f64) -> std::result::Result<(), String> {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(format!(
                "class weight for `{class}` must be a finite number >= 0, got {weight}"
            ));
        }
        if class == "other" {
            self.other = weight;
        } else {
            self.by_class.insert(class.to_string(), weight);
        }
        Ok(())
    }
}

impl TryFrom<BTreeMap<String, f64>> for ClassWeights {
    type Error = String;

    fn try_from(map: BTreeMap<String, f64>) -> std::result::Result<Self, String> {
        let mut weights = ClassWeights::default();
        for (class, w) in map {
            weights.set(&class, w)?;
        }
        Ok(weights)
    }
}

impl From<ClassWeights> for BTreeMap<String, f64> {
    fn from(w: ClassWeights) -> Self {
        let mut map = w.by_class;
        map.insert("other".into(), w.other);
        map
    }
}

/// Spreads each commune's weight over the road pieces inside it (see the module doc), gathered
/// per 200 m EPSG:3035 cell into one unit at the weighted mean position of its pieces.
///
/// A commune with no road piece of positive weight inside becomes one unit at its mairie (its
/// `cell` is the mairie's cell), and a warning counts those communes. The unit weights of a
/// commune sum to its weight (up to rounding). Units come in commune order, then cell order.
pub fn spread_communes(
    communes: &[Commune],
    roads: &[RoadPiece],
    class_weights: &ClassWeights,
) -> (Vec<DemandUnit>, Vec<Warning>) {
    // Pieces that can carry weight, indexed by position.
    let piece_weight: Vec<f64> = roads
        .iter()
        .map(|r| {
            let w = r.length_m * class_weights.weight(&r.class);
            let placed = r.lon.is_finite() && r.lat.is_finite();
            if placed && w.is_finite() && w > 0.0 {
                w
            } else {
                0.0
            }
        })
        .collect();
    let tree = RTree::bulk_load(
        roads
            .iter()
            .enumerate()
            .filter(|&(i, _)| piece_weight[i] > 0.0)
            .map(|(i, r)| GeomWithData::new([r.lon, r.lat], i))
            .collect(),
    );

    let mut units = Vec::new();
    let mut at_mairie: Vec<String> = Vec::new();
    let mut inside: Vec<usize> = Vec::new();
    for commune in communes {
        inside.clear();
        for polygon in &commune.geometry {
            let Some(rect) = polygon.bounding_rect() else {
                continue;
            };
            let envelope =
                AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
            inside.extend(
                tree.locate_in_envelope(&envelope)
                    .filter(|item| {
                        let [x, y] = *item.geom();
                        polygon.contains(&Point::new(x, y))
                    })
                    .map(|item| item.data),
            );
        }
        // A piece in two parts of one MultiPolygon (overlapping parts) counts once.
        inside.sort_unstable();
        inside.dedup();
        let total: f64 = inside.iter().map(|&i| piece_weight[i]).sum();
        if inside.is_empty() || total <= 0.0 {
            at_mairie.push(commune.code.clone());
            let (lon, lat) = commune.mairie;
            units.push(DemandUnit {
                id: format!("{}-mairie", commune.code),
                lon,
                lat,
                weight: commune.weight,
                commune: Some(commune.code.clone()),
                cell: Some(grid3035_cell_of(lon, lat)),
                groups: BTreeMap::new(),
            });
            continue;
        }
        // (sum of piece weights, weighted sums of lon and lat) per cell.
        let mut cells: BTreeMap<GridCell, (f64, f64, f64)> = BTreeMap::new();
        for &i in &inside {
            let r = &roads[i];
            let w = piece_weight[i];
            let acc = cells
                .entry(grid3035_cell_of(r.lon, r.lat))
                .or_insert((0.0, 0.0, 0.0));
            acc.0 += w;
            acc.1 += w * r.lon;
            acc.2 += w * r.lat;
        }
        for (cell, (w, wlon, wlat)) in cells {
            units.push(DemandUnit {
                id: format!("{}-{}", commune.code, cell.id()),
                lon: wlon / w,
                lat: wlat / w,
                weight: commune.weight * (w / total),
                commune: Some(commune.code.clone()),
                cell: Some(cell),
                groups: BTreeMap::new(),
            });
        }
    }

    let mut warnings = Vec::new();
    if !at_mairie.is_empty() {
        warnings.push(Warning {
            kind: WarningKind::PlacedAtMairie,
            count: at_mairie.len(),
            message: format!(
                "{} communes have no road inside: placed at their mairie",
                at_mairie.len()
            ),
            examples: at_mairie.into_iter().take(MAX_EXAMPLES).collect(),
        });
    }
    (units, warnings)
}

impl Population {
    /// The population of `communes` spread over `roads` ([`spread_communes`]); `counts` says
    /// what the commune weights count ("people" for `population_municipale`).
    pub fn from_communes(
        communes: Vec<Commune>,
        roads: &[RoadPiece],
        class_weights: &ClassWeights,
        counts: impl Into<String>,
    ) -> Population {
        let (units, mut warnings) = spread_communes(&communes, roads, class_weights);
        warnings.extend(Warning::zero_weight(&units));
        Population {
            units,
            counts: counts.into(),
            communes,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn shared(name: &str) -> Option<std::path::PathBuf> {
        let p = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/"
        ))
        .join(name);
        if p.exists() {
            Some(p)
        } else {
            eprintln!("skipping: {} is absent", p.display());
            None
        }
    }

    fn square(code: &str, weight: f64, x0: f64, y0: f64, side: f64) -> Commune {
        let ring = LineString::from(vec![
            (x0, y0),
            (x0 + side, y0),
            (x0 + side, y0 + side),
            (x0, y0 + side),
            (x0, y0),
        ]);
        Commune {
            code: code.into(),
            name: code.into(),
            weight,
            mairie: (x0 + side / 2.0, y0 + side / 2.0),
            geometry: MultiPolygon::new(vec![Polygon::new(ring, vec![])]),
            props: BTreeMap::new(),
        }
    }

    fn piece(lon: f64, lat: f64, length_m: f64, class: &str) -> RoadPiece {
        RoadPiece {
            lon,
            lat,
            length_m,
            class: class.into(),
        }
    }

    fn sums_by_commune(units: &[DemandUnit]) -> BTreeMap<String, f64> {
        let mut sums = BTreeMap::new();
        for u in units {
            *sums.entry(u.commune.clone().unwrap()).or_insert(0.0) += u.weight;
        }
        sums
    }

    #[test]
    fn lozere_communes() {
        let Some(p) = shared("communes_48_lozere.geojson") else {
            return;
        };
        let communes = read_communes(&p, "population_municipale").unwrap();
        assert_eq!(communes.len(), 152);
        let total: f64 = communes.iter().map(|c| c.weight).sum();
        assert_eq!(total, 76_601.0);
        let mende = communes.iter().find(|c| c.code == "48095").unwrap();
        assert_eq!(mende.name, "Mende");
        assert!(
            mende
                .geometry
                .contains(&Point::new(mende.mairie.0, mende.mairie.1))
        );
        assert_eq!(
            mende.props.get("population_municipale"),
            Some(&format!("{}", mende.weight as u64))
        );
        // A missing weight field names file, feature and field.
        let err = read_communes(&p, "Men_fmp").unwrap_err().to_string();
        assert!(err.contains("communes_48_lozere.geojson"), "{err}");
        assert!(
            err.contains("feature index 0") && err.contains("`Men_fmp`"),
            "{err}"
        );
    }

    #[test]
    fn monaco_neighbours() {
        let Some(p) = shared("communes_06_monaco_neighbours.geojson") else {
            return;
        };
        let communes = read_communes(&p, "population_municipale").unwrap();
        let codes: Vec<&str> = communes.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["06012", "06032", "06104", "06150"]);
        assert_eq!(communes[0].name, "Beausoleil");
        assert_eq!(communes[0].weight, 13_607.0);
    }

    #[test]
    fn bad_commune_features() {
        let dir = tempfile::tempdir().unwrap();
        let poly =
            r#"{"type":"Polygon","coordinates":[[[3,44],[3.1,44],[3.1,44.1],[3,44.1],[3,44]]]}"#;
        let feature = |props: &str, geometry: &str| {
            format!(r#"{{"type":"Feature","properties":{{{props}}},"geometry":{geometry}}}"#)
        };
        let good = feature(r#""code_insee":"48001","pop":10"#, poly);
        let cases: Vec<(String, &str)> = vec![
            (feature(r#""code_insee":"48002""#, poly), "pop"),
            (feature(r#""code_insee":"48002","pop":"many""#, poly), "pop"),
            (feature(r#""code_insee":"48002","pop":-1"#, poly), "pop"),
            (feature(r#""pop":3"#, poly), "code_insee"),
            (
                feature(r#""code_insee":"48001","pop":3"#, poly),
                "code_insee",
            ),
            (
                feature(r#""code_insee":"48002","pop":3"#, "null"),
                "geometry",
            ),
            (
                feature(
                    r#""code_insee":"48002","pop":3"#,
                    r#"{"type":"MultiPolygon","coordinates":[]}"#,
                ),
                "geometry",
            ),
            (
                feature(
                    r#""code_insee":"48002","pop":3"#,
                    r#"{"type":"Polygon","coordinates":[[[3,44],[3.1,44],[3,44]]]}"#,
                ),
                "geometry",
            ),
            (
                feature(
                    r#""code_insee":"48002","pop":3"#,
                    r#"{"type":"Polygon","coordinates":[[[3,44],[3.1,44],[3.2,44],[3,44]]]}"#,
                ),
                "geometry",
            ),
            (
                feature(
                    r#""code_insee":"48002","pop":3"#,
                    r#"{"type":"Point","coordinates":[3,44]}"#,
                ),
                "geometry",
            ),
            (
                feature(r#""code_insee":"48002","pop":3,"mairie":"here""#, poly),
                "mairie",
            ),
        ];
        for (i, (bad, field)) in cases.iter().enumerate() {
            let name = format!("communes{i}.geojson");
            let p = dir.path().join(&name);
            let text = format!(r#"{{"type":"FeatureCollection","features":[{good},{bad}]}}"#);
            std::fs::write(&p, text).unwrap();
            let msg = read_communes(&p, "pop").unwrap_err().to_string();
            assert!(
                msg.contains(&name)
                    && msg.contains("feature index 1")
                    && msg.contains(&format!("`{field}`")),
                "case {i}: {msg}"
            );
        }
        // Numeric codes are zero-padded; a missing mairie becomes a point inside.
        let p = dir.path().join("numeric.geojson");
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            feature(r#""code_insee":6012,"pop":"7""#, poly)
        );
        std::fs::write(&p, text).unwrap();
        let c = &read_communes(&p, "pop").unwrap()[0];
        assert_eq!((c.code.as_str(), c.weight), ("06012", 7.0));
        assert!(c.geometry.contains(&Point::new(c.mairie.0, c.mairie.1)));
    }

    #[test]
    fn class_weights_defaults_and_overrides() {
        let d = ClassWeights::default();
        assert_eq!(d.weight("residential"), 1.0);
        assert_eq!(d.weight("motorway_link"), 0.0);
        assert!(d.weight("service") < d.weight("residential"));
        assert!(d.weight("primary") < d.weight("service"));
        assert_eq!(d.weight("bus_guideway"), 0.1);
        let w: ClassWeights =
            serde_json::from_str(r#"{"service": 0.8, "other": 0, "busway": 2}"#).unwrap();
        assert_eq!(w.weight("service"), 0.8);
        assert_eq!(
            w.weight("residential"),
            1.0,
            "unlisted classes keep their default"
        );
        assert_eq!(w.weight("bus_guideway"), 0.0);
        assert_eq!(w.weight("busway"), 2.0);
        let err = serde_json::from_str::<ClassWeights>(r#"{"service": -1}"#).unwrap_err();
        assert!(err.to_string().contains("service"), "{err}");
        // Round trip through serde.
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<ClassWeights>(&json).unwrap(), w);
    }

    #[test]
    fn spreading_synthetic_roads_conserves_weight_and_falls_back_to_mairie() {
        // Synthetic communes (squares) and synthetic road pieces.
        let a = square("00001", 1_000.0, 3.0, 44.0, 0.05);
        let b = square("00002", 300.0, 3.05, 44.0, 0.05);
        let c = square("00003", 50.0, 3.10, 44.0, 0.05); // only a motorway: mairie
        let d = square("00004", 20.0, 3.15, 44.0, 0.05); // no road: mairie
        // Two residential pieces 16 m apart around the centre of one 200 m cell.
        let cell = grid3035_cell_of(3.01, 44.01);
        let (clon, clat) = crate::crs::laea3035_inverse(cell.centre().0, cell.centre().1);
        let roads = vec![
            piece(clon - 0.0001, clat, 100.0, "residential"),
            piece(clon + 0.0001, clat, 100.0, "residential"),
            piece(3.04, 44.04, 300.0, "service"),
            piece(3.02, 44.03, 1_000.0, "motorway"),
            piece(3.06, 44.02, 50.0, "primary"),
            piece(3.12, 44.02, 500.0, "motorway"),
            piece(2.5, 44.0, 100.0, "residential"), // outside every commune
        ];
        let communes = vec![a, b, c, d];
        let pop = Population::from_communes(communes, &roads, &ClassWeights::default(), "people");
        let units = &pop.units;
        let ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids.len(), 5, "{ids:?}");
        // Commune a: two cells, 200 m of residential (w 200) and 300 m of service (w 150).
        let a_units: Vec<&DemandUnit> = units
            .iter()
            .filter(|u| u.commune.as_deref() == Some("00001"))
            .collect();
        assert_eq!(a_units.len(), 2);
        let res = a_units.iter().find(|u| u.cell == Some(cell)).unwrap();
        assert!((res.weight - 1_000.0 * 200.0 / 350.0).abs() < 1e-9);
        assert!((res.lon - clon).abs() < 1e-9 && (res.lat - clat).abs() < 1e-9);
        assert!(res.id.starts_with("00001-CRS3035RES200m"));
        // c and d at their mairies, with one warning counting both.
        for code in ["00003", "00004"] {
            let u = units
                .iter()
                .find(|u| u.commune.as_deref() == Some(code))
                .unwrap();
            assert_eq!(u.id, format!("{code}-mairie"));
        }
        assert_eq!(pop.warnings.len(), 1);
        assert_eq!(pop.warnings[0].kind, WarningKind::PlacedAtMairie);
        assert_eq!(pop.warnings[0].count, 2);
        assert!(
            pop.warnings[0]
                .message
                .starts_with("2 communes have no road inside")
        );
        assert_eq!(pop.warnings[0].examples, ["00003", "00004"]);
        // Conservation per commune.
        let sums = sums_by_commune(units);
        for c in &pop.communes {
            assert!(
                (sums[&c.code] - c.weight).abs() <= 1e-6 * c.weight,
                "{}",
                c.code
            );
        }
        assert_eq!(pop.counts, "people");
    }

    #[test]
    fn spreading_lozere_with_synthetic_roads_conserves_weight() {
        let Some(p) = shared("communes_48_lozere.geojson") else {
            return;
        };
        let communes = read_communes(&p, "population_municipale").unwrap();
        // 150,000 synthetic road pieces, seeded, over Lozère's bounding box.
        let mut rng = StdRng::seed_from_u64(48);
        let classes = [
            "residential",
            "service",
            "tertiary",
            "primary",
            "motorway",
            "track",
        ];
        let roads: Vec<RoadPiece> = (0..150_000)
            .map(|_| {
                piece(
                    rng.gen_range(2.95..4.0),
                    rng.gen_range(44.10..44.98),
                    rng.gen_range(5.0..60.0),
                    classes[rng.gen_range(0..classes.len())],
                )
            })
            .collect();
        let start = std::time::Instant::now();
        let (units, warnings) = spread_communes(&communes, &roads, &ClassWeights::default());
        let elapsed = start.elapsed();
        eprintln!(
            "spread 152 communes over {} synthetic pieces into {} units in {elapsed:?}",
            roads.len(),
            units.len()
        );
        let sums = sums_by_commune(&units);
        assert_eq!(sums.len(), 152);
        for c in &communes {
            let got = sums[&c.code];
            assert!(
                (got - c.weight).abs() <= 1e-6 * c.weight.max(1.0),
                "{}: {got}",
                c.code
            );
        }
        let total: f64 = units.iter().map(|u| u.weight).sum();
        assert!((total - 76_601.0).abs() < 1e-6 * 76_601.0);
        // Every unit's position lies in its commune (mean of points inside, small cells).
        let by_code: HashMap<&str, &Commune> =
            communes.iter().map(|c| (c.code.as_str(), c)).collect();
        let outside = units
            .iter()
            .filter(|u| {
                !by_code[u.commune.as_deref().unwrap()]
                    .geometry
                    .contains(&Point::new(u.lon, u.lat))
            })
            .count();
        assert!(
            outside * 100 < units.len(),
            "{outside} of {} units outside",
            units.len()
        );
        // Uniform synthetic roads reach every commune: no mairie fallback.
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(units.iter().all(|u| u.cell.is_some()));
    }
}
