//! `resultats.gpkg`: the published documents of a coverage as one GeoPackage for QGIS, in the
//! territory's projected CRS (Lambert-93, EPSG:2154, for mainland France and Corsica; the local
//! CRS overseas), converted by PROJ, with typed fields, a spatial index and a default style per
//! layer ([`crate::styles`]).
//!
//! The layers are made from the same published documents as the GeoJSON files ([`Exports`]),
//! with the same secrecy and positions; only the coordinates are projected:
//!
//! | table | geometry | from |
//! |---|---|---|
//! | `sites` | Point | `sites.geojson` |
//! | `demand` | Point | `demand.geojson` (units at their published position) |
//! | `zones_blanches_K` | Polygon | the zones of kind `K` of `zones_blanches.geojson` |
//! | `communes` | MultiPolygon | `communes.geojson` (the columns of `communes.csv`, in order) |
//! | `groupement_G` | none | the rows of grouping column `G` in `summary.json`, per kind |
//!
//! Field types follow the values: text for strings and lists (joined by `, `), integer for
//! whole counts of things (cells, units), real for weights, minutes and shares, boolean for
//! flags.

use std::collections::BTreeMap;

use geojson::{FeatureCollection, GeometryValue};
use serde_json::Value;
use zb_coverage::{CoverageError, Study};
use zb_places::crs::{Transformer, crs_definition};
use zb_writers::gpkg::{self, FieldType, GeometryType, Layer, Srs, Style};

use crate::coverage::Exports;
use crate::styles;

/// The file name.
pub const GPKG_FILE: &str = "resultats.gpkg";

/// The projected CRS of a commune by its INSEE code: Antilles (971, 972) and Saint-Martin,
/// Saint-Barthélemy (977, 978) EPSG:5490; Guyane (973) 2972; La Réunion (974) 2975; Mayotte
/// (976) 4471; else Lambert-93 (EPSG:2154).
pub fn epsg_of_commune(code: &str) -> u32 {
    match code.get(..3) {
        Some("971" | "972" | "977" | "978") => 5490,
        Some("973") => 2972,
        Some("974") => 2975,
        Some("976") => 4471,
        _ => 2154,
    }
}

/// The projected CRS of a position (WGS84), as [`epsg_of_commune`] for the overseas
/// départements' extents, else Lambert-93.
pub fn epsg_of_position(lon: f64, lat: f64) -> u32 {
    match (lon, lat) {
        (x, y) if (-63.5..-60.5).contains(&x) && (14.0..18.5).contains(&y) => 5490,
        (x, y) if (-55.0..-51.0).contains(&x) && (2.0..6.0).contains(&y) => 2972,
        (x, y) if (55.0..56.0).contains(&x) && (-21.5..-20.7).contains(&y) => 2975,
        (x, y) if (44.8..45.5).contains(&x) && (-13.1..-12.5).contains(&y) => 4471,
        _ => 2154,
    }
}

/// The projected CRS of a study's layers: the one most of its communes ([`epsg_of_commune`])
/// are in, else most of its units ([`epsg_of_position`]); ties go to the lower code.
pub fn study_epsg(study: &Study) -> u32 {
    let mut votes: BTreeMap<u32, usize> = BTreeMap::new();
    for c in &study.communes {
        *votes.entry(epsg_of_commune(&c.code)).or_default() += 1;
    }
    if votes.is_empty() {
        for u in &study.units {
            *votes.entry(epsg_of_position(u.lon, u.lat)).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by_key(|&(e, n)| (n, std::cmp::Reverse(e)))
        .map_or(2154, |(e, _)| e)
}

fn invalid(what: impl std::fmt::Display) -> CoverageError {
    CoverageError::Invalid(format!("{GPKG_FILE}: {what}"))
}

/// A table or field name from a published name: ASCII letters, digits and `_`.
fn sql_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'g');
    }
    out
}

/// A published value as a field value: lists joined.
fn field_value(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::String(
            items
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    x => x.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Value::Object(_) => Value::String(v.to_string()),
        v => v.clone(),
    }
}

/// The type of a column from its values.
fn field_type<'a>(values: impl Iterator<Item = &'a Value>) -> FieldType {
    let (mut text, mut real, mut int, mut boolean) = (false, false, false, false);
    for v in values {
        match v {
            Value::String(_) | Value::Array(_) | Value::Object(_) => text = true,
            Value::Number(n) if n.is_f64() => real = true,
            Value::Number(_) => int = true,
            Value::Bool(_) => boolean = true,
            Value::Null => {}
        }
    }
    match (text, real, int, boolean) {
        (true, ..) => FieldType::Text,
        (_, true, ..) => FieldType::Real,
        (_, _, true, false) => FieldType::Integer,
        (_, _, true, true) => FieldType::Integer,
        (_, _, false, true) => FieldType::Boolean,
        _ => FieldType::Text,
    }
}

/// Columns of a collection: `order` first (when present), then the others sorted.
pub(crate) fn columns(fc: &FeatureCollection, order: &[String]) -> Vec<String> {
    let mut cols: Vec<String> = order.to_vec();
    let mut rest: Vec<String> = Vec::new();
    for f in &fc.features {
        for k in f.properties.iter().flat_map(|p| p.keys()) {
            if !cols.contains(k) && !rest.contains(k) {
                rest.push(k.clone());
            }
        }
    }
    rest.sort();
    cols.extend(rest);
    cols
}

/// Projects a collection's geometries and types its properties.
pub(crate) fn feature_layer(
    fc: &FeatureCollection,
    (name, title, description): (&str, &str, &str),
    geometry_type: GeometryType,
    order: &[String],
    to: &Transformer,
    style: Style,
) -> Result<Layer, CoverageError> {
    let epsg = to.to_epsg() as i32;
    let cols = columns(fc, order);
    let null = Value::Null;
    let fields: Vec<(String, FieldType)> = cols
        .iter()
        .map(|c| {
            let ty = field_type(fc.features.iter().map(|f| f.property(c).unwrap_or(&null)));
            (sql_name(c), ty)
        })
        .collect();
    let project = |ring: &[geojson::Position]| -> Result<Vec<(f64, f64)>, CoverageError> {
        let mut pts: Vec<(f64, f64)> = ring.iter().map(|p| (p[0], p[1])).collect();
        to.convert_batch(&mut pts).map_err(invalid)?;
        Ok(pts)
    };
    let mut rows = Vec::with_capacity(fc.features.len());
    for f in &fc.features {
        let geometry = match f.geometry.as_ref().map(|g| &g.value) {
            None => None,
            Some(GeometryValue::Point { coordinates: p }) => {
                let (x, y) = to.convert(p[0], p[1]).map_err(invalid)?;
                Some(gpkg::Geometry::Point(x, y))
            }
            Some(GeometryValue::Polygon { coordinates }) => Some(gpkg::Geometry::Polygon(
                coordinates
                    .iter()
                    .map(|r| project(r))
                    .collect::<Result<_, _>>()?,
            )),
            Some(GeometryValue::MultiPolygon { coordinates }) => {
                Some(gpkg::Geometry::MultiPolygon(
                    coordinates
                        .iter()
                        .map(|p| p.iter().map(|r| project(r)).collect::<Result<_, _>>())
                        .collect::<Result<_, _>>()?,
                ))
            }
            Some(other) => {
                return Err(invalid(format!("{name}: a {} geometry", other.type_name())));
            }
        };
        let values = cols
            .iter()
            .map(|c| field_value(f.property(c).unwrap_or(&null)))
            .collect();
        rows.push((geometry, values));
    }
    Ok(Layer {
        name: name.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        geometry: Some((geometry_type, epsg)),
        fields,
        rows,
        style: Some(style),
    })
}

/// The groupings of `summary.json` as attribute tables: one row per value, the counts of each
/// kind suffixed with it.
pub(crate) fn group_layers(summary: &Value) -> Vec<Layer> {
    let mut out = Vec::new();
    let Some(groups) = summary["groups"].as_object() else {
        return out;
    };
    for (col, kinds) in groups {
        let Some(kinds) = kinds.as_object() else {
            continue;
        };
        let mut rows: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        let mut cols: Vec<String> = vec!["value".into()];
        for (kind, list) in kinds {
            for row in list.as_array().into_iter().flatten() {
                let value = row["value"].as_str().unwrap_or("").to_string();
                let r = rows.entry(value.clone()).or_default();
                r.insert("value".into(), Value::String(value));
                for (k, v) in row.as_object().into_iter().flatten() {
                    if k == "value" {
                        continue;
                    }
                    let c = format!("{k}_{kind}");
                    if !cols.contains(&c) {
                        cols.push(c.clone());
                    }
                    r.insert(c, v.clone());
                }
            }
        }
        let null = Value::Null;
        let fields = cols
            .iter()
            .map(|c| {
                let ty = field_type(rows.values().map(|r| r.get(c).unwrap_or(&null)));
                (sql_name(c), ty)
            })
            .collect();
        let rows = rows
            .values()
            .map(|r| {
                let values = cols
                    .iter()
                    .map(|c| field_value(r.get(c).unwrap_or(&null)))
                    .collect();
                (None, values)
            })
            .collect();
        out.push(Layer {
            name: format!("groupement_{}", sql_name(col)),
            title: format!("Groupement {col}"),
            description: format!("people by value of the grouping column `{col}`, per kind"),
            geometry: None,
            fields,
            rows,
            style: None,
        });
    }
    out
}

/// The time bands of the whole territory, per kind: one row per band, then the unreachable
/// people by reason (`band` = `off_network`, `no_road_link`).
pub(crate) fn bands_layer(summary: &Value, kinds: &[String]) -> Layer {
    let mut rows = Vec::new();
    for k in kinds {
        let line = &summary["kinds"][k];
        for b in line["bands"].as_array().into_iter().flatten() {
            let label = match b["to_min"].as_f64() {
                Some(to) => format!("{}-{to} min", b["from_min"]),
                None => format!("{} min et plus", b["from_min"]),
            };
            rows.push((
                None,
                vec![
                    Value::String(k.clone()),
                    Value::String(label),
                    b["from_min"].clone(),
                    b["to_min"].clone(),
                    b["weight"].clone(),
                ],
            ));
        }
        for reason in ["off_network", "no_road_link"] {
            rows.push((
                None,
                vec![
                    Value::String(k.clone()),
                    Value::String(reason.into()),
                    Value::Null,
                    Value::Null,
                    line[format!("unreachable_{reason}")].clone(),
                ],
            ));
        }
    }
    Layer {
        name: "bandes_de_temps".into(),
        title: "Bandes de temps".into(),
        description:
            "people of the territory by travel time band, and unreachable by reason, per kind"
                .into(),
        geometry: None,
        fields: vec![
            ("kind".into(), FieldType::Text),
            ("band".into(), FieldType::Text),
            ("from_min".into(), FieldType::Real),
            ("to_min".into(), FieldType::Real),
            ("weight".into(), FieldType::Real),
        ],
        rows,
        style: None,
    }
}

/// The SRS table of a file in `epsg`: WGS84 (required) and `epsg`, from PROJ's database.
fn srs_list(epsg: u32) -> Result<Vec<Srs>, CoverageError> {
    [4326, epsg]
        .into_iter()
        .map(|e| {
            let (name, definition) = crs_definition(e).map_err(invalid)?;
            Ok(Srs {
                epsg: e as i32,
                name,
                definition,
            })
        })
        .collect()
}

impl Exports<'_> {
    /// The kinds of the coverage, in order.
    pub(crate) fn kinds(&self) -> Vec<String> {
        self.coverage()
            .kinds
            .iter()
            .map(|k| k.kind.clone())
            .collect()
    }

    /// The layers of `resultats.gpkg`, in the study's projected CRS ([`study_epsg`]).
    pub fn gpkg_layers(&self) -> Result<(Vec<Srs>, Vec<Layer>), CoverageError> {
        let study = self.study();
        let epsg = study_epsg(study);
        let to = Transformer::from_wgs84(epsg).map_err(invalid)?;
        let kinds = self.kinds();
        let first = kinds.first().cloned().unwrap_or_default();
        let synthetic = if study.provenance.synthetic {
            " (synthetic data)"
        } else {
            ""
        };
        let named = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut layers = vec![
            feature_layer(
                &self.sites(),
                ("sites", "Sites", &format!("service sites{synthetic}")),
                GeometryType::Point,
                &named(&["id", "name", "kind"]),
                &to,
                Style {
                    name: "sites par type".into(),
                    qml: styles::sites_qml(&kinds),
                },
            )?,
            feature_layer(
                &self.demand(),
                (
                    "demand",
                    "Demande",
                    &format!(
                        "demand units at their published position (200 m cell centres){synthetic}"
                    ),
                ),
                GeometryType::Point,
                &named(&["id", "commune", "weight"]),
                &to,
                Style {
                    name: format!("minutes {first}"),
                    qml: styles::demand_qml(&first),
                },
            )?,
        ];
        for k in &kinds {
            let fc = self
                .zones_of_kind(k)
                .ok_or_else(|| invalid(format!("no zones for kind `{k}`")))?;
            layers.push(feature_layer(
                &fc,
                (
                    &format!("zones_blanches_{}", sql_name(k)),
                    &format!("Zones blanches {k}"),
                    &format!("200 m cells beyond the threshold of {k}, dissolved{synthetic}"),
                ),
                GeometryType::Polygon,
                &named(&["kind", "threshold_min", "weight"]),
                &to,
                Style {
                    name: "zones blanches".into(),
                    qml: styles::zones_qml(),
                },
            )?);
        }
        layers.push(feature_layer(
            &self.communes(),
            (
                "communes",
                "Communes",
                &format!("communes and their counts per kind{synthetic}"),
            ),
            GeometryType::MultiPolygon,
            &self.communes_table().columns,
            &to,
            Style {
                name: format!("part dans le seuil {first}"),
                qml: styles::communes_qml(&first),
            },
        )?);
        let summary = self.summary();
        layers.push(bands_layer(&summary, &kinds));
        layers.extend(group_layers(&summary));
        Ok((srs_list(epsg)?, layers))
    }

    /// `resultats.gpkg` as bytes.
    pub fn gpkg(&self) -> Result<Vec<u8>, CoverageError> {
        let (srs, layers) = self.gpkg_layers()?;
        let when = self.study().provenance.generated_at.clone();
        gpkg::gpkg_bytes(&srs, &layers, &when).map_err(crate::coverage::io_error)
    }

    /// The QML sidecars of the GeoJSON files: (file name, document).
    pub fn qml_sidecars(&self) -> Vec<(&'static str, String)> {
        let kinds = self.kinds();
        let first = kinds.first().cloned().unwrap_or_default();
        vec![
            ("sites.qml", styles::sites_qml(&kinds)),
            ("demand.qml", styles::demand_qml(&first)),
            ("zones_blanches.qml", styles::zones_qml()),
            ("communes.qml", styles::communes_qml(&first)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overseas_territories_have_their_local_crs() {
        for (code, epsg) in [
            ("48095", 2154),
            ("2A004", 2154),
            ("97112", 5490),
            ("97209", 5490),
            ("97302", 2972),
            ("97411", 2975),
            ("97611", 4471),
            ("", 2154),
        ] {
            assert_eq!(epsg_of_commune(code), epsg, "{code}");
        }
        for ((lon, lat), epsg) in [
            ((3.5, 44.5), 2154),
            ((-61.5, 16.25), 5490),
            ((-61.0, 14.6), 5490),
            ((-52.3, 4.9), 2972),
            ((55.45, -20.9), 2975),
            ((45.2, -12.8), 4471),
            ((7.42, 43.74), 2154),
        ] {
            assert_eq!(epsg_of_position(lon, lat), epsg, "({lon}, {lat})");
        }
        // Every one of them is known to PROJ.
        for epsg in [2154, 5490, 2972, 2975, 4471] {
            let (name, wkt) = crs_definition(epsg).unwrap();
            assert!(wkt.starts_with("PROJCS["), "{epsg} {name}");
        }
    }

    #[test]
    fn names_and_values_fit_the_file() {
        assert_eq!(sql_name("EPCI code"), "epci_code");
        assert_eq!(sql_name("2024"), "g2024");
        assert_eq!(
            field_value(&serde_json::json!(["48095", "48001"])),
            Value::String("48095, 48001".into())
        );
        let vals = [serde_json::json!(1), serde_json::json!(2.5), Value::Null];
        assert_eq!(field_type(vals.iter()), FieldType::Real);
        let vals = [serde_json::json!(3), Value::Null];
        assert_eq!(field_type(vals.iter()), FieldType::Integer);
        let vals = [serde_json::json!(true)];
        assert_eq!(field_type(vals.iter()), FieldType::Boolean);
        let vals = [serde_json::json!("a"), serde_json::json!(1)];
        assert_eq!(field_type(vals.iter()), FieldType::Text);
    }
}
