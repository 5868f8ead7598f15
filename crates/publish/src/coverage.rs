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
use std::path::{Path, PathBuf};

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde_json::{Value, json};
use zb_coverage::{Agg, CommuneInfo, Coverage, CoverageError, KindCoverage, Study};
use zb_writers::geometry::{feature, multi_polygon, point, polygon};
use zb_writers::{Body, Document, round_to};

use crate::positions::unit_position;
use crate::secrecy::{Protection, PublishedAgg, is_small};

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

    pub fn study(&self) -> &'a Study {
        self.study
    }

    pub fn coverage(&self) -> &'a Coverage {
        self.coverage
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
                let (lon, lat) = unit_position(study, i);
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
        let bands = band_columns(&self.study.bands_min);
        for kc in &self.coverage.kinds {
            for c in &bands {
                columns.push(format!("{c}_{}", kc.kind));
            }
        }
        let info: BTreeMap<&str, &CommuneInfo> = self
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
                    for (c, v) in bands.iter().zip(&pa.bands) {
                        p.insert(format!("{c}_{k}"), opt(*v, None));
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

    /// `communes.csv`: the properties of `communes.geojson` as a table, one row per commune
    /// sorted by code.
    pub fn communes_table(&self) -> zb_writers::Table {
        let (columns, rows) = self.commune_rows();
        zb_writers::Table {
            columns,
            rows: rows.into_iter().map(|(_, p)| p).collect(),
        }
    }

    /// `communes.csv` as written.
    pub fn communes_csv(&self) -> String {
        self.communes_table().csv()
    }

    /// `summary.json`: the whole territory per kind, the grouping columns, warnings, secrecy,
    /// provenance.
    pub fn summary(&self) -> Value {
        let study = self.study;
        let mut kinds = serde_json::Map::new();
        let mut groups: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
        for (k, kc) in self.coverage.kinds.iter().enumerate() {
            let pa = self.protection.overall(k, &kc.overall);
            let mut o = agg_json(&pa, &kc.overall, &study.bands_min);
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
                        let mut o = agg_json(&pa, a, &study.bands_min);
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

    /// Every document of [`FILES`], in order.
    pub fn documents(&self) -> Vec<Document> {
        vec![
            Document::new(FILES[0], Body::GeoJson(self.sites())),
            Document::new(FILES[1], Body::GeoJson(self.demand())),
            Document::new(FILES[2], Body::GeoJson(self.zones())),
            Document::new(FILES[3], Body::GeoJson(self.communes())),
            Document::new(FILES[4], Body::Csv(self.communes_table())),
            Document::new(FILES[5], Body::Json(self.summary())),
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
    zb_writers::write_documents(&documents, out_dir).map_err(io_error)
}

/// Writes [`FILES`], `communes_fr.csv` (the commune table as a French spreadsheet opens it:
/// `;`, decimal commas, a byte order mark), `tableaux.xlsx`, `resultats.gpkg`, `rapport.html` and the QML sidecars of the
/// GeoJSON files into `out_dir`, all or nothing (as [`write_outputs`]).
pub fn write_deliverables(
    study: &Study,
    coverage: &Coverage,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, CoverageError> {
    let ex = Exports::new(study, coverage);
    let docs = ex.documents();
    let mut files: Vec<(&str, Vec<u8>)> =
        docs.iter().map(|d| (d.name.as_str(), d.bytes())).collect();
    files.push(("communes_fr.csv", ex.communes_table().csv_fr().into_bytes()));
    files.push((crate::workbook::XLSX_FILE, ex.workbook()?));
    files.push((crate::gpkg::GPKG_FILE, ex.gpkg()?));
    files.push((crate::report::REPORT_FILE, ex.report(&[])?.into_bytes()));
    for (name, qml) in ex.qml_sidecars() {
        files.push((name, qml.into_bytes()));
    }
    zb_writers::write_files(&files, out_dir).map_err(io_error)
}

/// A writer's error as the study's.
pub fn io_error(e: zb_writers::WriteError) -> CoverageError {
    CoverageError::Io {
        path: e.path,
        source: e.source,
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

/// The commune-table columns of the time bands with these upper limits: `band_0_15`,
/// `band_15_30`, ..., `band_60_plus` (a limit such as 22.5 written `22p5`).
pub fn band_columns(limits: &[f64]) -> Vec<String> {
    let n = |x: f64| format!("{x}").replace('.', "p");
    let mut out = Vec::with_capacity(limits.len() + 1);
    let mut from = 0.0;
    for &l in limits {
        out.push(format!("band_{}_{}", n(from), n(l)));
        from = l;
    }
    out.push(format!("band_{}_plus", n(from)));
    out
}

/// The time bands of a row as `summary.json` lists them: `from_min`, `to_min` (`null` for the
/// last) and `weight`.
fn bands_json(limits: &[f64], weights: &[Option<f64>]) -> Value {
    let mut from = 0.0;
    let list: Vec<Value> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let to = limits.get(i).copied();
            let v = json!({"from_min": num(from), "to_min": to.map_or(Value::Null, num), "weight": opt(*w, None)});
            from = to.unwrap_or(from);
            v
        })
        .collect();
    Value::Array(list)
}

/// The counts and indicators of an aggregate, as in `summary.json`.
fn agg_json(pa: &PublishedAgg, a: &Agg, band_limits: &[f64]) -> JsonObject {
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
    o.insert("bands".into(), bands_json(band_limits, &pa.bands));
    o.insert("secret".into(), pa.secret.into());
    o
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

#[cfg(test)]
mod tests {
    use super::*;

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
