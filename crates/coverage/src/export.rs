//! Exports of a study's coverage: GeoJSON (RFC 7946), CSV and a summary JSON, with provenance
//! and statistical secrecy ([`crate::secrecy`]).
//!
//! [`write_outputs`] writes six files into a directory: `sites.geojson`, `demand.geojson`,
//! `zones_blanches.geojson`, `communes.geojson`, `communes.csv` and `summary.json`. Each document
//! is also available alone ([`sites_geojson`], [`demand_geojson`], [`zones_geojson`],
//! [`zones_geojson_kind`], [`communes_geojson`], [`communes_csv`], [`summary_json`]); to build
//! several from one coverage, [`Exports`] applies the secrecy rule once.
//!
//! * **RFC 7946**: WGS84 lon/lat, no `crs` member; polygons follow the right-hand rule (exterior
//!   counter-clockwise, holes clockwise, rings closed), checked on the rounded coordinates.
//! * **Foreign members** of every FeatureCollection: `provenance` (inputs with SHA-256, software,
//!   `generated_at`, profile, `thresholds`, `secrecy`), `counts` (what the weights count) and
//!   `synthetic`.
//! * **Rounding**, done here so that outputs and golden files compare byte for byte: coordinates
//!   6 decimals (about 0.1 m), minutes 2, shares 4, counts 1
//!   ([`round_count`](crate::secrecy::round_count)), waiting days and
//!   snapping distances 1. Unknown values are `null`; INSEE codes and ids are strings.
//! * **Deterministic**: the same study and coverage give the same bytes (object keys sorted; the
//!   time is the provenance's `generated_at`, fixed by `SOURCE_DATE_EPOCH`).
//! * **Privacy**: a demand unit given as a point (which may be an address) is exported at the
//!   centre of its 200 m EPSG:3035 cell, never at its own position; grid cells and the pieces of
//!   a commune spread on its roads keep theirs.
//!
//! Property names (snake_case) are an interface; `K` stands for each kind of site:
//!
//! | file | geometry | properties |
//! |---|---|---|
//! | sites | Point | `id, name, kind, capacity, waiting_days, opening, synthetic, on_network, snap_m` + extra columns as strings |
//! | demand | Point | `id, commune, weight, secret, counts`, `minutes_K, site_K, status_K, reason_K, via_ferry_K, waiting_days_K` |
//! | zones_blanches | Polygon | `kind, threshold_min, weight, unreachable_weight, mean_min, max_min, cells, communes, secret` |
//! | communes | MultiPolygon or null | `code_insee, nom, total, total_published, total_secret`, `within_K, beyond_K, unreachable_K, within_share_K, median_min_K, p90_min_K, mean_waiting_days_K, secret_K`, then `unreachable_off_network_K, unreachable_no_road_link_K, weight_via_ferry_K` |
//!
//! `reason_K` is `null` when a site of the kind is reached, else `off_network` (farther than the
//! study's `max_snap_m` from every road) or `no_road_link` (on a road from which no site of the
//! kind can be driven to: an island without a ferry, an isolated network); `via_ferry_K` says
//! whether the trip to the nearest site takes a ferry. The communes' `unreachable_*_K` split
//! `unreachable_K` by reason (both shown or both `null`), `weight_via_ferry_K` is the weight
//! reached only by ferry.
//!
//! `communes.csv` has the communes' properties as columns, one row per commune sorted by code
//! (units without a commune come first, with an empty code); the columns of the split come
//! last, after every kind's other columns. `summary.json` holds the whole territory per kind
//! (with the same split), the grouping columns, the snapping limit `max_snap_m`, warnings,
//! secrecy and provenance.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, Position};
use serde_json::{Value, json};

use crate::secrecy::{Protection, PublishedAgg, is_small, round_to};
use crate::{Agg, Coverage, CoverageError, KindCoverage, Study};

/// The files [`write_outputs`] writes, in order.
pub const FILES: [&str; 6] = [
    "sites.geojson",
    "demand.geojson",
    "zones_blanches.geojson",
    "communes.geojson",
    "communes.csv",
    "summary.json",
];

/// The documents of one coverage, with the secrecy rule applied once for all of them.
pub struct Exports<'a> {
    study: &'a Study,
    coverage: &'a Coverage,
    protection: Protection,
}

impl<'a> Exports<'a> {
    pub fn new(study: &'a Study, coverage: &'a Coverage) -> Exports<'a> {
        Exports {
            study,
            coverage,
            protection: Protection::new(study, coverage),
        }
    }

    /// The secrecy decisions behind every count.
    pub fn protection(&self) -> &Protection {
        &self.protection
    }

    /// The foreign members of every FeatureCollection.
    fn members(&self) -> JsonObject {
        members(self.study, thresholds_json(self.study, Some(self.coverage)))
    }

    /// `sites.geojson`: one Point per site.
    pub fn sites(&self) -> FeatureCollection {
        sites_fc(self.study, self.members())
    }

    /// `demand.geojson`: one Point per demand unit, with its time to each kind.
    pub fn demand(&self) -> FeatureCollection {
        let study = self.study;
        let features = study
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let (lon, lat) = match u.cell {
                    Some(_) => (u.lon, u.lat),
                    None => {
                        let (e, n) = study.unit_cell(i).centre();
                        zb_places::crs::laea3035_inverse(e, n)
                    }
                };
                let weight = self.protection.unit_weight(i);
                let mut p = JsonObject::new();
                p.insert("id".into(), u.id.clone().into());
                p.insert("commune".into(), opt_str(u.commune.as_deref()));
                p.insert("weight".into(), opt(weight, None));
                p.insert("secret".into(), weight.is_none().into());
                p.insert("counts".into(), study.counts.clone().into());
                for kc in &self.coverage.kinds {
                    let r = &kc.units[i];
                    let k = &kc.kind;
                    p.insert(format!("minutes_{k}"), opt(r.minutes, Some(2)));
                    p.insert(
                        format!("site_{k}"),
                        opt_str(r.site.map(|s| study.sites[s as usize].id.as_str())),
                    );
                    p.insert(format!("status_{k}"), r.status.as_str().into());
                    p.insert(format!("reason_{k}"), opt_str(r.reason.map(|r| r.as_str())));
                    p.insert(format!("via_ferry_{k}"), r.via_ferry.into());
                    p.insert(format!("waiting_days_{k}"), opt(r.waiting_days, Some(1)));
                }
                feature(Some(point(lon, lat)), p)
            })
            .collect();
        collection(features, self.members())
    }

    /// `zones_blanches.geojson`: the zones of every kind, one Polygon each.
    pub fn zones(&self) -> FeatureCollection {
        let features = (0..self.coverage.kinds.len())
            .flat_map(|k| self.zone_features(k))
            .collect();
        collection(features, self.members())
    }

    /// The zones blanches of one kind, `None` when the coverage has no such kind.
    pub fn zones_of_kind(&self, kind: &str) -> Option<FeatureCollection> {
        let k = self.coverage.kinds.iter().position(|c| c.kind == kind)?;
        Some(collection(self.zone_features(k), self.members()))
    }

    fn zone_features(&self, k: usize) -> Vec<Feature> {
        zone_features(&self.protection, k, &self.coverage.kinds[k])
    }

    /// The communes' rows: (geometry, properties), sorted by code, and the column names.
    fn commune_rows(&self) -> (Vec<String>, Vec<(Option<Geometry>, JsonObject)>) {
        let mut columns: Vec<String> = [
            "code_insee",
            "nom",
            "total",
            "total_published",
            "total_secret",
        ]
        .map(String::from)
        .to_vec();
        for kc in &self.coverage.kinds {
            for c in [
                "within",
                "beyond",
                "unreachable",
                "within_share",
                "median_min",
                "p90_min",
                "mean_waiting_days",
                "secret",
            ] {
                columns.push(format!("{c}_{}", kc.kind));
            }
        }
        // Last, so that the columns before keep their places.
        for kc in &self.coverage.kinds {
            for c in SPLIT_COLUMNS {
                columns.push(format!("{c}_{}", kc.kind));
            }
        }
        let info: BTreeMap<&str, &crate::CommuneInfo> = self
            .study
            .communes
            .iter()
            .map(|c| (c.code.as_str(), c))
            .collect();
        let Some(first) = self.coverage.kinds.first() else {
            return (columns, Vec::new());
        };
        let rows = first
            .communes
            .iter()
            .enumerate()
            .map(|(row, a)| {
                let c = info.get(a.key.as_str());
                let published: Vec<PublishedAgg> = self
                    .coverage
                    .kinds
                    .iter()
                    .enumerate()
                    .map(|(k, kc)| self.protection.commune(k, row, &kc.communes[row]))
                    .collect();
                let mut p = JsonObject::new();
                p.insert(
                    "code_insee".into(),
                    opt_str(Some(a.key.as_str()).filter(|k| !k.is_empty())),
                );
                let name = c
                    .map(|c| c.name.as_str())
                    .or(a.name.as_deref())
                    .filter(|n| !n.is_empty());
                p.insert("nom".into(), opt_str(name));
                p.insert("total".into(), opt(published[0].total, None));
                p.insert("total_published".into(), a.total_published.into());
                p.insert("total_secret".into(), published[0].total.is_none().into());
                for ((kc, pa), a) in self
                    .coverage
                    .kinds
                    .iter()
                    .zip(&published)
                    .zip(self.coverage.kinds.iter().map(|kc| &kc.communes[row]))
                {
                    let k = &kc.kind;
                    p.insert(format!("within_{k}"), opt(pa.within, None));
                    p.insert(format!("beyond_{k}"), opt(pa.beyond, None));
                    p.insert(format!("unreachable_{k}"), opt(pa.unreachable, None));
                    p.insert(format!("within_share_{k}"), opt(pa.within_share, None));
                    p.insert(format!("median_min_{k}"), opt(a.median_min, Some(2)));
                    p.insert(format!("p90_min_{k}"), opt(a.p90_min, Some(2)));
                    p.insert(
                        format!("mean_waiting_days_{k}"),
                        opt(a.mean_waiting_days, Some(1)),
                    );
                    p.insert(format!("secret_{k}"), pa.secret.into());
                    for (c, v) in SPLIT_COLUMNS.iter().zip(split(pa)) {
                        p.insert(format!("{c}_{k}"), opt(v, None));
                    }
                }
                let geometry = c.and_then(|c| c.geometry.as_ref()).and_then(multi_polygon);
                (geometry, p)
            })
            .collect();
        (columns, rows)
    }

    /// `communes.geojson`: one feature per commune (`null` geometry when unknown).
    pub fn communes(&self) -> FeatureCollection {
        let (_, rows) = self.commune_rows();
        let features = rows.into_iter().map(|(g, p)| feature(g, p)).collect();
        collection(features, self.members())
    }

    /// `communes.csv`: the properties of `communes.geojson`, comma-separated, `.` decimals,
    /// empty for `null`, a header line, one row per commune sorted by code.
    pub fn communes_csv(&self) -> String {
        let (columns, rows) = self.commune_rows();
        let mut out = String::new();
        let line = |out: &mut String, fields: Vec<String>| {
            out.push_str(&fields.join(","));
            out.push('\n');
        };
        line(&mut out, columns.iter().map(|c| csv_field(c)).collect());
        for (_, p) in rows {
            let fields = columns
                .iter()
                .map(|c| match p.get(c) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => csv_field(s),
                    Some(v) => v.to_string(),
                })
                .collect();
            line(&mut out, fields);
        }
        out
    }

    /// `summary.json`: the whole territory per kind, the grouping columns, warnings, secrecy,
    /// provenance.
    pub fn summary(&self) -> Value {
        let study = self.study;
        let mut kinds = serde_json::Map::new();
        let mut groups: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
        for (k, kc) in self.coverage.kinds.iter().enumerate() {
            let pa = self.protection.overall(k, &kc.overall);
            let mut o = agg_json(&pa, &kc.overall);
            o.insert("threshold_min".into(), num(kc.threshold_min));
            o.insert(
                "waiting_threshold_days".into(),
                opt(kc.waiting_threshold_days, None),
            );
            o.insert("sites".into(), kc.sites.len().into());
            o.insert("sites_on_network".into(), kc.sites_on_network.into());
            o.insert("zones".into(), kc.zones.len().into());
            kinds.insert(kc.kind.clone(), Value::Object(o));
            for (col, rows) in &kc.groups {
                let list: Vec<Value> = rows
                    .iter()
                    .enumerate()
                    .map(|(row, a)| {
                        let pa = self.protection.group(k, col, row, a);
                        let mut o = agg_json(&pa, a);
                        o.insert("value".into(), a.key.clone().into());
                        Value::Object(o)
                    })
                    .collect();
                groups
                    .entry(col.clone())
                    .or_default()
                    .insert(kc.kind.clone(), list.into());
            }
        }
        let min = study.secrecy_min_count;
        let warnings: Vec<Value> = study
            .warnings
            .iter()
            .map(|w| {
                json!({
                    "about": w.about,
                    "count": w.count,
                    "message": redact_weights(&w.message, min),
                })
            })
            .collect();
        let (primary, secondary) = self.protection.suppressed();
        let mut secrecy = secrecy_json(study);
        secrecy.insert("suppressed_primary".into(), primary.into());
        secrecy.insert("suppressed_secondary".into(), secondary.into());
        secrecy.insert(
            "zones_unmatched".into(),
            self.protection.zones_unmatched().into(),
        );
        json!({
            "study": study.name,
            "synthetic": study.provenance.synthetic,
            "counts": study.counts,
            "max_snap_m": num(study.max_snap_m),
            "kinds": kinds,
            "groups": groups,
            "warnings": warnings,
            "secrecy": secrecy,
            "provenance": provenance_json(study, thresholds_json(study, Some(self.coverage))),
        })
    }

    /// Every file of [`FILES`] with its bytes.
    pub fn documents(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (FILES[0], fc_bytes(&self.sites())),
            (FILES[1], fc_bytes(&self.demand())),
            (FILES[2], fc_bytes(&self.zones())),
            (FILES[3], fc_bytes(&self.communes())),
            (FILES[4], self.communes_csv().into_bytes()),
            (FILES[5], to_bytes(&self.summary())),
        ]
    }
}

/// `sites.geojson` of a study (thresholds in the provenance are the study's own).
pub fn sites_geojson(study: &Study) -> FeatureCollection {
    sites_fc(study, members(study, thresholds_json(study, None)))
}

/// `demand.geojson`.
pub fn demand_geojson(study: &Study, coverage: &Coverage) -> FeatureCollection {
    Exports::new(study, coverage).demand()
}

/// `zones_blanches.geojson`: the zones of every kind, each with a `kind` property.
pub fn zones_geojson(study: &Study, coverage: &Coverage) -> FeatureCollection {
    Exports::new(study, coverage).zones()
}

/// The zones blanches of one kind. Secrecy is then decided on that kind alone: to serve it with
/// other documents of the same coverage, prefer [`Exports::zones_of_kind`].
pub fn zones_geojson_kind(study: &Study, kind: &KindCoverage) -> FeatureCollection {
    collection(
        zone_features(&Protection::of_kinds(study, &[kind]), 0, kind),
        members(study, thresholds_json_of(study, Some(&[kind]))),
    )
}

/// The zones blanches of kind `k` (`kc`) of a protected coverage, as features.
pub fn zone_features(protection: &Protection, k: usize, kc: &KindCoverage) -> Vec<Feature> {
    (0..kc.zones.len())
        .map(|z| zone_feature(protection, k, kc, z))
        .collect()
}

/// Zone blanche `z` of kind `k` (`kc`) of a protected coverage, as a feature.
pub fn zone_feature(protection: &Protection, k: usize, kc: &KindCoverage, z: usize) -> Feature {
    let zone = &kc.zones[z];
    let (weight, unreachable) = protection.zone(k, z);
    let mut p = JsonObject::new();
    p.insert("kind".into(), kc.kind.clone().into());
    p.insert("threshold_min".into(), num(kc.threshold_min));
    p.insert("weight".into(), opt(weight, None));
    p.insert("unreachable_weight".into(), opt(unreachable, None));
    p.insert("mean_min".into(), opt(zone.mean_min, Some(2)));
    p.insert("max_min".into(), opt(zone.max_min, Some(2)));
    p.insert("cells".into(), zone.cells.into());
    p.insert("communes".into(), zone.communes.clone().into());
    p.insert(
        "secret".into(),
        (weight.is_none() || unreachable.is_none()).into(),
    );
    let geometry = polygon(&zone.exterior, &zone.holes)
        .map(|c| Geometry::new(GeometryValue::Polygon { coordinates: c }));
    feature(geometry, p)
}

/// `communes.geojson`.
pub fn communes_geojson(study: &Study, coverage: &Coverage) -> FeatureCollection {
    Exports::new(study, coverage).communes()
}

/// `communes.csv`.
pub fn communes_csv(study: &Study, coverage: &Coverage) -> String {
    Exports::new(study, coverage).communes_csv()
}

/// `summary.json`.
pub fn summary_json(study: &Study, coverage: &Coverage) -> Value {
    Exports::new(study, coverage).summary()
}

/// Writes the six files of [`FILES`] into `out_dir` (created if missing) and returns their
/// paths. Every document is built in memory, written and synced into a fresh staging directory
/// inside `out_dir`, then renamed into place: a file is either the old one or the complete new
/// one. On an error before the renames the staging directory is removed and existing files are
/// untouched.
pub fn write_outputs(
    study: &Study,
    coverage: &Coverage,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, CoverageError> {
    let documents = Exports::new(study, coverage).documents();
    write_documents(&documents, out_dir)
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CoverageError + '_ {
    move |source| CoverageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `(file name, bytes)` into `out_dir` through a staging directory (see
/// [`write_outputs`]).
pub fn write_documents(
    documents: &[(&str, Vec<u8>)],
    out_dir: &Path,
) -> Result<Vec<PathBuf>, CoverageError> {
    fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let targets: Vec<PathBuf> = documents.iter().map(|(n, _)| out_dir.join(n)).collect();
    // A directory where a file should go would fail the renames half-way: refuse it first.
    if let Some(t) = targets.iter().find(|t| t.is_dir()) {
        return Err(CoverageError::Io {
            path: t.clone(),
            source: std::io::Error::other("a directory stands where an output file goes"),
        });
    }
    let staging = out_dir.join(format!(".zoneblanche-tmp-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    fs::create_dir(&staging).map_err(io_err(&staging))?;
    let staged = (|| {
        let mut staged = Vec::with_capacity(documents.len());
        for (name, bytes) in documents {
            let p = staging.join(name);
            let mut f = fs::File::create(&p).map_err(io_err(&p))?;
            f.write_all(bytes).map_err(io_err(&p))?;
            f.sync_all().map_err(io_err(&p))?;
            staged.push(p);
        }
        sync_dir(&staging)?;
        Ok::<_, CoverageError>(staged)
    })();
    let staged = match staged {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    for (from, to) in staged.iter().zip(&targets) {
        if let Err(source) = fs::rename(from, to) {
            let _ = fs::remove_dir_all(&staging);
            return Err(CoverageError::Io {
                path: to.clone(),
                source,
            });
        }
    }
    sync_dir(out_dir)?;
    fs::remove_dir(&staging).map_err(io_err(&staging))?;
    Ok(targets)
}

/// Makes a directory's entries durable (Unix; elsewhere renames are left to the OS).
fn sync_dir(dir: &Path) -> Result<(), CoverageError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// A document as written: keys sorted at every level (whatever serde_json's map order), objects
/// one member per line, any value without an object inside (a coordinate array, a list of
/// codes) on one line. Ends with a newline.
pub fn to_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    let mut v = serde_json::to_value(value).expect("exported documents serialise to JSON");
    v.sort_all_objects();
    let mut out = Vec::with_capacity(1 << 16);
    layout(&v, 0, &mut out);
    out.push(b'\n');
    out
}

/// A FeatureCollection as written: its members sorted, one per line, and each feature compact
/// on a line of its own (big layers stay fast to write and easy to diff line by line).
pub fn fc_bytes(fc: &FeatureCollection) -> Vec<u8> {
    let mut members: std::collections::BTreeMap<&str, Option<Value>> =
        std::collections::BTreeMap::new();
    if let Some(fm) = &fc.foreign_members {
        for (k, v) in fm {
            let mut v = v.clone();
            v.sort_all_objects();
            members.insert(k.as_str(), Some(v));
        }
    }
    if let Some(b) = &fc.bbox {
        members.insert("bbox", Some(json!(b)));
    }
    members.insert("type", Some(json!("FeatureCollection")));
    members.insert("features", None);
    let mut out = Vec::with_capacity(fc.features.len() * 256 + 4096);
    out.extend_from_slice(b"{\n");
    let n = members.len();
    for (i, (k, v)) in members.into_iter().enumerate() {
        pad(&mut out, 1);
        write_json(&mut out, k);
        out.extend_from_slice(b": ");
        match v {
            Some(v) => layout(&v, 1, &mut out),
            None if fc.features.is_empty() => out.extend_from_slice(b"[]"),
            None => {
                out.extend_from_slice(b"[\n");
                for (j, f) in fc.features.iter().enumerate() {
                    pad(&mut out, 2);
                    write_json(&mut out, f);
                    out.extend_from_slice(if j + 1 < fc.features.len() {
                        b",\n"
                    } else {
                        b"\n"
                    });
                }
                pad(&mut out, 1);
                out.push(b']');
            }
        }
        out.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"}\n");
    out
}

fn has_object(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(has_object),
        _ => false,
    }
}

/// Writes `v` as JSON text; serialising a `Value` or a `str` into a `Vec` cannot fail.
fn write_json(out: &mut Vec<u8>, v: &(impl serde::Serialize + ?Sized)) {
    serde_json::to_writer(&mut *out, v).expect("JSON into memory");
}

fn pad(out: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8; 64] = &[b' '; 64];
    let mut n = 2 * depth;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

fn layout(v: &Value, depth: usize, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.extend_from_slice(b"{\n");
            for (i, (k, x)) in map.iter().enumerate() {
                pad(out, depth + 1);
                write_json(out, k.as_str());
                out.extend_from_slice(b": ");
                layout(x, depth + 1, out);
                out.extend_from_slice(if i + 1 < map.len() { b",\n" } else { b"\n" });
            }
            pad(out, depth);
            out.push(b'}');
        }
        Value::Array(items) if has_object(v) => {
            out.extend_from_slice(b"[\n");
            for (i, x) in items.iter().enumerate() {
                pad(out, depth + 1);
                layout(x, depth + 1, out);
                out.extend_from_slice(if i + 1 < items.len() { b",\n" } else { b"\n" });
            }
            pad(out, depth);
            out.push(b']');
        }
        _ => write_json(out, v),
    }
}

/// The weight of the unsnapped units in a warning's text, when small, is secret too.
fn redact_weights(message: &str, min: f64) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("weight ") {
        let (before, after) = rest.split_at(at + "weight ".len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        let (number, tail) = after.split_at(end);
        match number.parse::<f64>() {
            Ok(w) if is_small(w, min) => out.push_str("secret"),
            _ => out.push_str(number),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(if x == 0.0 { 0.0 } else { x }).map_or(Value::Null, Value::Number)
}

/// A number rounded to `decimals` (counts: already rounded by the secrecy table), or `null`.
fn opt(x: Option<f64>, decimals: Option<i32>) -> Value {
    match x {
        Some(x) if x.is_finite() => num(decimals.map_or(x, |d| round_to(x, d))),
        _ => Value::Null,
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// The names of the split of a row's counts ([`split`]), in the commune table and the summary.
pub const SPLIT_COLUMNS: [&str; 3] = [
    "unreachable_off_network",
    "unreachable_no_road_link",
    "weight_via_ferry",
];

/// The split of a row's counts, in the order of [`SPLIT_COLUMNS`].
fn split(pa: &PublishedAgg) -> [Option<f64>; 3] {
    [
        pa.unreachable_off_network,
        pa.unreachable_no_road_link,
        pa.weight_via_ferry,
    ]
}

/// The counts and indicators of an aggregate, as in `summary.json`.
fn agg_json(pa: &PublishedAgg, a: &Agg) -> JsonObject {
    let mut o = JsonObject::new();
    o.insert("total_weight".into(), opt(pa.total, None));
    o.insert("within_weight".into(), opt(pa.within, None));
    o.insert("beyond_weight".into(), opt(pa.beyond, None));
    o.insert("unreachable_weight".into(), opt(pa.unreachable, None));
    for (c, v) in SPLIT_COLUMNS.iter().zip(split(pa)) {
        o.insert((*c).into(), opt(v, None));
    }
    o.insert("within_share".into(), opt(pa.within_share, None));
    o.insert("median_min".into(), opt(a.median_min, Some(2)));
    o.insert("p90_min".into(), opt(a.p90_min, Some(2)));
    o.insert(
        "mean_waiting_days".into(),
        opt(a.mean_waiting_days, Some(1)),
    );
    o.insert("secret".into(), pa.secret.into());
    o
}

/// A feature with a geometry and properties, nothing else.
pub fn feature(geometry: Option<Geometry>, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry,
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

fn collection(features: Vec<Feature>, members: JsonObject) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    }
}

fn sites_fc(study: &Study, members: JsonObject) -> FeatureCollection {
    const OURS: [&str; 9] = [
        "id",
        "name",
        "kind",
        "capacity",
        "waiting_days",
        "opening",
        "synthetic",
        "on_network",
        "snap_m",
    ];
    let features = study
        .sites
        .iter()
        .zip(&study.site_snaps)
        .map(|(s, snap)| {
            let mut p = JsonObject::new();
            for (k, v) in &s.extra {
                let key = if OURS.contains(&k.as_str()) {
                    format!("extra_{k}")
                } else {
                    k.clone()
                };
                p.insert(key, v.clone().into());
            }
            p.insert("id".into(), s.id.clone().into());
            p.insert("name".into(), s.name.clone().into());
            p.insert("kind".into(), s.kind.clone().into());
            p.insert("capacity".into(), opt(s.capacity, None));
            p.insert("waiting_days".into(), opt(s.waiting_days, None));
            p.insert("opening".into(), opt(s.opening, None));
            p.insert("synthetic".into(), s.synthetic.into());
            p.insert("on_network".into(), snap.is_ok().into());
            p.insert(
                "snap_m".into(),
                opt(snap.as_ref().ok().map(|s| s.dist_m), Some(1)),
            );
            feature(Some(point(s.lon, s.lat)), p)
        })
        .collect();
    collection(features, members)
}

fn members(study: &Study, thresholds: Value) -> JsonObject {
    let mut m = JsonObject::new();
    m.insert("provenance".into(), provenance_json(study, thresholds));
    m.insert("counts".into(), study.counts.clone().into());
    m.insert("synthetic".into(), study.provenance.synthetic.into());
    m
}

fn secrecy_json(study: &Study) -> JsonObject {
    let mut s = JsonObject::new();
    s.insert("min_count".into(), num(study.secrecy_min_count));
    s.insert("method".into(), "safe_units".into());
    s.insert(
        "method_note".into(),
        "every count is a sum of safe units: groups of 200 m cells within one commune, each of 0 or at least min_count; each unit takes the times of its representative cell's centre"
            .into(),
    );
    s.insert(
        "safe_units".into(),
        serde_json::to_value(&study.atoms).unwrap_or(Value::Null),
    );
    s.insert("published_totals_exempt".into(), true.into());
    s
}

/// The study's provenance with the thresholds and the secrecy settings.
fn provenance_json(study: &Study, thresholds: Value) -> Value {
    let mut p = match serde_json::to_value(&study.provenance) {
        Ok(Value::Object(m)) => m,
        _ => JsonObject::new(),
    };
    p.insert("thresholds".into(), thresholds);
    p.insert("secrecy".into(), Value::Object(secrecy_json(study)));
    Value::Object(p)
}

/// Thresholds per kind: the coverage's when given (they may differ from the study's in a
/// what-if), else the study's.
fn thresholds_json(study: &Study, coverage: Option<&Coverage>) -> Value {
    match coverage {
        Some(c) => thresholds_json_of(study, Some(&c.kinds.iter().collect::<Vec<_>>())),
        None => thresholds_json_of(study, None),
    }
}

fn thresholds_json_of(study: &Study, coverage: Option<&[&KindCoverage]>) -> Value {
    let t = &study.thresholds;
    let kinds: BTreeMap<String, Value> = match coverage {
        Some(c) => c
            .iter()
            .map(|k| {
                let v = json!({
                    "threshold_min": num(k.threshold_min),
                    "waiting_threshold_days": opt(k.waiting_threshold_days, None),
                });
                (k.kind.clone(), v)
            })
            .collect(),
        None => study
            .kinds()
            .into_iter()
            .map(|k| {
                let v = json!({
                    "threshold_min": num(t.minutes(&k)),
                    "waiting_threshold_days": opt(t.waiting_days(&k), None),
                });
                (k, v)
            })
            .collect(),
    };
    json!({
        "default_min": num(t.default_min),
        "default_waiting_days": opt(t.default_waiting_days, None),
        "kinds": kinds,
    })
}

fn position(lon: f64, lat: f64) -> Position {
    Position::from([round_to(lon, 6), round_to(lat, 6)])
}

fn point(lon: f64, lat: f64) -> Geometry {
    Geometry::new(GeometryValue::Point {
        coordinates: position(lon, lat),
    })
}

/// Twice the signed area of a closed ring (positive when counter-clockwise).
pub fn signed_area2(ring: &[Position]) -> f64 {
    let Some(o) = ring.first() else { return 0.0 };
    let (ox, oy) = (o[0], o[1]);
    ring.windows(2)
        .map(|w| (w[0][0] - ox) * (w[1][1] - oy) - (w[1][0] - ox) * (w[0][1] - oy))
        .sum()
}

/// A ring rounded, without repeated positions, closed, oriented counter-clockwise (`ccw`) or
/// clockwise; `None` when it has no area left.
fn ring(points: impl IntoIterator<Item = (f64, f64)>, ccw: bool) -> Option<Vec<Position>> {
    let mut r: Vec<Position> = Vec::new();
    for (x, y) in points {
        let p = position(x, y);
        if r.last() != Some(&p) {
            r.push(p);
        }
    }
    if r.len() > 1 && r.first() == r.last() {
        r.pop();
    }
    if r.len() < 3 {
        return None;
    }
    r.push(r[0].clone());
    let a = signed_area2(&r);
    if a == 0.0 {
        return None;
    }
    if (a > 0.0) != ccw {
        r.reverse();
    }
    Some(r)
}

fn polygon(exterior: &[(f64, f64)], holes: &[Vec<(f64, f64)>]) -> Option<Vec<Vec<Position>>> {
    let mut rings = vec![ring(exterior.iter().copied(), true)?];
    rings.extend(holes.iter().filter_map(|h| ring(h.iter().copied(), false)));
    Some(rings)
}

fn multi_polygon(mp: &geo::MultiPolygon<f64>) -> Option<Geometry> {
    let coords = |ls: &geo::LineString<f64>| -> Vec<(f64, f64)> {
        ls.coords().map(|c| (c.x, c.y)).collect()
    };
    let polygons: Vec<Vec<Vec<Position>>> = mp
        .iter()
        .filter_map(|p| {
            let holes: Vec<Vec<(f64, f64)>> = p.interiors().iter().map(coords).collect();
            polygon(&coords(p.exterior()), &holes)
        })
        .collect();
    (!polygons.is_empty()).then(|| {
        Geometry::new(GeometryValue::MultiPolygon {
            coordinates: polygons,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_rounded_closed_and_oriented() {
        // Clockwise square with a repeated vertex and coordinates to round.
        let cw = [
            (0.0, 0.0),
            (0.0, 1.000_000_4),
            (1.0, 1.0),
            (1.0, 1.0),
            (1.0, -0.000_000_1),
        ];
        let r = ring(cw, true).unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(r.first(), r.last());
        assert!(signed_area2(&r) > 0.0);
        assert!(r.iter().all(|p| !p[1].is_sign_negative() || p[1] != 0.0));
        assert!(r.iter().any(|p| p[1] == 1.0));
        let hole = ring(cw, false).unwrap();
        assert!(signed_area2(&hole) < 0.0);
        assert_eq!(ring([(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)], true), None);
        assert_eq!(
            ring([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 0.0)], true),
            None
        );
    }

    #[test]
    fn layout_is_stable_and_valid_json() {
        let v = json!({"b": [1.5, [2, 3]], "a": {"y": null, "x": [{"k": "v\"w"}]}, "c": {}});
        let text = String::from_utf8(to_bytes(&v)).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"x\": [\n      {\n        \"k\": \"v\\\"w\"\n      }\n    ],\n    \"y\": null\n  },\n  \"b\": [1.5,[2,3]],\n  \"c\": {}\n}\n"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("Beausoleil"), "Beausoleil");
        assert_eq!(csv_field("Cap-d'Ail"), "Cap-d'Ail");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn small_weights_in_warnings_are_redacted() {
        let m = "1 demand units (weight 5.0) are farther than 1000 m from any road";
        assert_eq!(
            redact_weights(m, 11.0),
            "1 demand units (weight secret) are farther than 1000 m from any road"
        );
        let m = "1 demand units (weight 3063.0) are farther";
        assert_eq!(redact_weights(m, 11.0), m);
        assert_eq!(redact_weights("weight ", 11.0), "weight ");
    }

    #[test]
    fn numbers_are_never_negative_zero() {
        assert_eq!(num(-0.0).to_string(), "0.0");
        assert_eq!(opt(Some(-0.001), Some(2)).to_string(), "0.0");
        assert_eq!(opt(Some(f64::NAN), None), Value::Null);
    }
}
