//! Reading GeoJSON FeatureCollections and their property values.

use std::path::Path;

use geojson::{Feature, GeoJson};
use serde_json::Value;

use crate::error::{At, Error, Result};

/// The features of a GeoJSON FeatureCollection (a single Feature is accepted as a collection of
/// one).
pub(crate) fn read_features(path: &Path) -> Result<Vec<Feature>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let geojson: GeoJson = text.parse().map_err(|e: geojson::Error| Error::GeoJson {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    match geojson {
        GeoJson::FeatureCollection(fc) => Ok(fc.features),
        GeoJson::Feature(f) => Ok(vec![f]),
        GeoJson::Geometry(_) => Err(Error::GeoJson {
            path: path.to_path_buf(),
            reason: "found a bare Geometry".into(),
        }),
    }
}

/// A property as text: strings as they are, numbers and booleans printed, `null` or absent as
/// `None`, arrays and objects as compact JSON.
pub(crate) fn property_text(feature: &Feature, key: &str) -> Option<String> {
    feature.property(key).and_then(value_text)
}

pub(crate) fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A numeric property: a JSON number or a string holding one. `Ok(None)` if absent, null or "".
pub(crate) fn property_number(
    path: &Path,
    index: usize,
    feature: &Feature,
    key: &str,
) -> Result<Option<f64>> {
    let bad = |reason: String| Error::invalid(path, At::Feature(index), key, reason);
    let value = match feature.property(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| bad(format!("`{n}` is not a finite number")))?,
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| bad(format!("`{s}` is not a number")))?,
        Some(other) => return Err(bad(format!("`{other}` is not a number"))),
    };
    if value.is_finite() {
        Ok(Some(value))
    } else {
        Err(bad(format!("`{value}` is not a finite number")))
    }
}

/// The feature's `id` member as text.
pub(crate) fn feature_id(feature: &Feature) -> Option<String> {
    match &feature.id {
        Some(geojson::feature::Id::String(s)) => Some(s.clone()),
        Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
        None => None,
    }
}

/// The (x, y) of a Point geometry, or an error naming the feature and `geometry`.
pub(crate) fn point_xy(path: &Path, index: usize, feature: &Feature) -> Result<(f64, f64)> {
    let bad = |reason: &str| Error::invalid(path, At::Feature(index), "geometry", reason);
    let geometry = feature.geometry.as_ref().ok_or_else(|| bad("missing"))?;
    match &geometry.value {
        geojson::GeometryValue::Point { coordinates } if coordinates.len() >= 2 => {
            Ok((coordinates[0], coordinates[1]))
        }
        geojson::GeometryValue::Point { .. } => Err(bad("a Point needs two coordinates")),
        other => Err(bad(&format!(
            "expected a Point, found a {}",
            other.type_name()
        ))),
    }
}
