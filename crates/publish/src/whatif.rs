//! The what-if outputs: `diff.json`, `changed.geojson`, `zones_blanches_before.geojson`,
//! `zones_blanches_after.geojson`, a one-row-per-scenario summary, and the picks of
//! `recommend`, with the secrecy rule of [`crate::secrecy`] applied to every count.
//!
//! Secrecy of a kind's outputs ([`PublishedWhatIf::secrecy`]): the units that change
//! state and the zones before carry the weights the kind's coverage publishes; the zones after
//! are protected on the coverage after; the diff rows follow
//! [`crate::secrecy::DiffProtection`]: a count strictly between 0 and the minimum is `null`
//! with `secret: true`, and so is any count that would let one be recomputed, through within
//! after + newly beyond = within before + newly within, the rows adding up to the territory, and
//! the weights of the units that changed state. Shares are `null` with their counts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use geojson::{Feature, FeatureCollection, JsonObject};
use serde::Serialize;
use serde_json::{Value, json};
use zb_coverage::provenance::Provenance;
use zb_coverage::{CoverageError, Study};
use zb_whatif::Recommendation;
use zb_whatif::scenario::Scenario;
use zb_whatif::whatif::{AggDiff, WhatIf};
use zb_writers::geometry::point;
use zb_writers::{Body, Document, csv_field, round_to};

use crate::coverage::{io_error, zone_features};
use crate::secrecy::{PublishedDiff, is_small, round_count};
use crate::whatif_secrecy::PublishedWhatIf;

/// The files [`write_whatif`] writes.
pub const WHATIF_FILES: [&str; 4] = [
    "diff.json",
    "changed.geojson",
    "zones_blanches_before.geojson",
    "zones_blanches_after.geojson",
];

fn opt_min(m: Option<f64>) -> Value {
    m.map_or(Value::Null, |m| json!(round_to(m, 2)))
}

/// A diff row as published: a suppressed count is `None` (`null`). Fields in key order, so
/// that it serialises like the same row as a JSON object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow<'a> {
    pub key: &'a str,
    pub median_min_after: Option<f64>,
    pub median_min_before: Option<f64>,
    pub name: Option<&'a str>,
    pub newly_beyond: Option<f64>,
    pub newly_within: Option<f64>,
    pub p90_min_after: Option<f64>,
    pub p90_min_before: Option<f64>,
    pub secret: bool,
    pub total: Option<f64>,
    /// The total is a published figure (a commune's census population), shown even when small.
    pub total_published: bool,
    pub within_after: Option<f64>,
    pub within_before: Option<f64>,
    pub within_share_after: Option<f64>,
    pub within_share_before: Option<f64>,
}

/// A diff row as published (`p`, from [`crate::secrecy::DiffProtection`]).
pub fn diff_row(d: &AggDiff, p: PublishedDiff) -> DiffRow<'_> {
    let share = |w: Option<f64>| match (w, p.total) {
        (Some(w), Some(t)) if t > 0.0 => Some(round_to(w / t, 4)),
        _ => None,
    };
    let min2 = |m: Option<f64>| m.map(|m| round_to(m, 2));
    DiffRow {
        key: &d.key,
        median_min_after: min2(d.median_min_after),
        median_min_before: min2(d.median_min_before),
        name: d.name.as_deref(),
        newly_beyond: p.newly_beyond,
        newly_within: p.newly_within,
        p90_min_after: min2(d.p90_min_after),
        p90_min_before: min2(d.p90_min_before),
        secret: p.secret,
        total: p.total,
        total_published: d.total_published,
        within_after: p.within_after,
        within_before: p.within_before,
        within_share_after: share(p.within_after),
        within_share_before: share(p.within_before),
    }
}

/// One kind of `diff.json` (fields in key order).
#[derive(Debug, Clone, Serialize)]
pub struct DiffKind<'a> {
    pub communes: Vec<DiffRow<'a>>,
    pub groups: BTreeMap<&'a str, Vec<DiffRow<'a>>>,
    pub junctions_updated: usize,
    pub overall: DiffRow<'a>,
    pub sites_after: usize,
    pub sites_before: usize,
    pub threshold_min_after: f64,
    pub threshold_min_before: f64,
    pub units_changing_state: usize,
    pub zones_after: usize,
    pub zones_before: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffSecrecy {
    pub min_count: f64,
    pub rule: &'static str,
}

/// `diff.json` (fields in key order): serialise it, or [`diff_json`] for a JSON value.
#[derive(Debug, Clone, Serialize)]
pub struct DiffDoc<'a> {
    pub counts: &'a str,
    pub kinds: BTreeMap<&'a str, DiffKind<'a>>,
    pub provenance: &'a Provenance,
    pub scenario: &'a Scenario,
    pub secrecy: DiffSecrecy,
    pub study: Option<&'a str>,
    pub synthetic: bool,
}

/// `diff.json` of the kinds `keep` accepts: per kind, the overall, commune and group diffs and
/// the state changes counted.
pub fn diff_doc<'a>(pw: &PublishedWhatIf<'a>, keep: impl Fn(&str) -> bool) -> DiffDoc<'a> {
    let (study, w) = (pw.study, pw.whatif);
    let min = study.secrecy_min_count;
    let kinds = w
        .kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| keep(&k.kind))
        .map(|(ki, k)| {
            let p = &pw.secrecy(ki).diff;
            let v = DiffKind {
                communes: k
                    .communes
                    .iter()
                    .enumerate()
                    .map(|(r, d)| diff_row(d, p.commune(r)))
                    .collect(),
                groups: k
                    .groups
                    .iter()
                    .map(|(col, rows)| {
                        let rows = rows
                            .iter()
                            .enumerate()
                            .map(|(r, d)| diff_row(d, p.group(col, r)))
                            .collect();
                        (col.as_str(), rows)
                    })
                    .collect(),
                junctions_updated: k.junctions_updated,
                overall: diff_row(&k.overall, p.overall()),
                sites_after: k.after.sites.len(),
                sites_before: k.before.sites.len(),
                threshold_min_after: k.after.threshold_min,
                threshold_min_before: k.before.threshold_min,
                units_changing_state: k.changed.len(),
                zones_after: k.after.zones.len(),
                zones_before: k.before.zones.len(),
            };
            (k.kind.as_str(), v)
        })
        .collect();
    DiffDoc {
        counts: &study.counts,
        kinds,
        provenance: &study.provenance,
        scenario: &w.scenario,
        secrecy: DiffSecrecy {
            min_count: min,
            rule: "counts strictly between 0 and min_count are null with secret: true; see README",
        },
        study: study.name.as_deref(),
        synthetic: study.provenance.synthetic,
    }
}

/// `diff.json` as a JSON value (see [`diff_doc`]).
pub fn diff_json(pw: &PublishedWhatIf<'_>) -> Value {
    serde_json::to_value(diff_doc(pw, |_| true)).unwrap_or(Value::Null)
}

fn collection(study: &Study, features: Vec<Feature>, extra: &[(&str, Value)]) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(collection_members(study, extra)),
    }
}

/// The members of the what-if collections besides their features: provenance, counts,
/// `synthetic` when the study is, then `extra`.
fn collection_members(study: &Study, extra: &[(&str, Value)]) -> JsonObject {
    let mut fm = JsonObject::new();
    fm.insert(
        "provenance".into(),
        serde_json::to_value(&study.provenance).unwrap_or(Value::Null),
    );
    fm.insert("counts".into(), json!(study.counts));
    if study.provenance.synthetic {
        fm.insert("synthetic".into(), json!(true));
    }
    for (k, v) in extra {
        fm.insert((*k).into(), v.clone());
    }
    fm
}

/// The members of [`zones_before_after`]'s collection besides its features.
pub fn zones_members(study: &Study, w: &WhatIf, after: bool) -> JsonObject {
    let when = if after { "after" } else { "before" };
    collection_members(
        study,
        &[("scenario", json!(w.scenario.name)), ("when", json!(when))],
    )
}

/// `changed.geojson`: the demand units that change state, with old and new minutes, site and
/// reason when unreachable.
pub fn changed_geojson(pw: &PublishedWhatIf<'_>) -> FeatureCollection {
    let doc = changed_doc(pw, |_| true);
    let features = doc
        .features
        .iter()
        .map(|f| Feature {
            bbox: None,
            geometry: Some(point(f.geometry.coordinates[0], f.geometry.coordinates[1])),
            id: None,
            properties: match serde_json::to_value(&f.properties) {
                Ok(Value::Object(p)) => Some(p),
                _ => None,
            },
            foreign_members: None,
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(doc.members),
    }
}

/// [`changed_geojson`] of the kinds `keep` accepts, as typed features: serialise it (the same JSON, without building it
/// as a tree first).
pub fn changed_doc<'a>(pw: &PublishedWhatIf<'a>, keep: impl Fn(&str) -> bool) -> ChangedDoc<'a> {
    let (study, w) = (pw.study, pw.whatif);
    let site_id = |s: Option<u32>| s.map(|s| w.sites[s as usize].id.as_str());
    let mut features = Vec::new();
    for (ki, k) in w.kinds.iter().enumerate().filter(|(_, k)| keep(&k.kind)) {
        let before = &pw.secrecy(ki).before;
        for c in &k.changed {
            let u = &study.units[c.unit];
            let (lon, lat) = pw.position(c.unit);
            // As the coverage of the kind publishes it.
            let weight = before.unit_weight(c.unit);
            let min2 = |m: Option<f64>| m.map(|m| round_to(m, 2));
            features.push(ChangedFeature {
                r#type: "Feature",
                geometry: PointGeometry {
                    r#type: "Point",
                    coordinates: [round_to(lon, 6), round_to(lat, 6)],
                },
                properties: ChangedUnit {
                    commune: u.commune.as_deref(),
                    id: &u.id,
                    kind: &k.kind,
                    minutes_after: min2(c.after.minutes),
                    minutes_before: min2(c.before.minutes),
                    reason_after: c.after.reason.map(|r| r.as_str()),
                    reason_before: c.before.reason.map(|r| r.as_str()),
                    secret: weight.is_none(),
                    site_after: site_id(c.after.site),
                    site_before: site_id(c.before.site),
                    status_after: c.after.status.as_str(),
                    status_before: c.before.status.as_str(),
                    weight,
                },
            });
        }
    }
    ChangedDoc {
        features,
        members: collection_members(study, &[("scenario", json!(w.scenario.name))]),
    }
}

/// `changed.geojson` as typed features (see [`changed_doc`]).
#[derive(Debug, Clone)]
pub struct ChangedDoc<'a> {
    pub features: Vec<ChangedFeature<'a>>,
    /// The collection's other members: provenance, counts, synthetic, scenario.
    pub members: JsonObject,
}

impl Serialize for ChangedDoc<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2 + self.members.len()))?;
        m.serialize_entry("type", "FeatureCollection")?;
        m.serialize_entry("features", &self.features)?;
        for (k, v) in &self.members {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangedFeature<'a> {
    pub r#type: &'static str,
    pub geometry: PointGeometry,
    pub properties: ChangedUnit<'a>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PointGeometry {
    pub r#type: &'static str,
    pub coordinates: [f64; 2],
}

/// A demand unit that changes state (fields in key order). Its weight is `None` when small.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedUnit<'a> {
    pub commune: Option<&'a str>,
    pub id: &'a str,
    pub kind: &'a str,
    pub minutes_after: Option<f64>,
    pub minutes_before: Option<f64>,
    /// Why no site is reached (`off_network`, `no_road_link`), `None` when one is.
    pub reason_after: Option<&'static str>,
    pub reason_before: Option<&'static str>,
    pub secret: bool,
    pub site_after: Option<&'a str>,
    pub site_before: Option<&'a str>,
    pub status_after: &'static str,
    pub status_before: &'static str,
    pub weight: Option<f64>,
}

/// The zones blanches of every kind, before (`after = false`) or after the scenario.
pub fn zones_before_after(pw: &PublishedWhatIf<'_>, after: bool) -> FeatureCollection {
    let (study, w) = (pw.study, pw.whatif);
    let mut features = Vec::new();
    for (ki, k) in w.kinds.iter().enumerate() {
        let sec = pw.secrecy(ki);
        let (cov, protection) = if after {
            (&k.after, &sec.after)
        } else {
            (&k.before, &sec.before)
        };
        features.extend(zone_features(protection, 0, cov));
    }
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(zones_members(study, w, after)),
    }
}

/// The four what-if documents of [`WHATIF_FILES`], in order.
pub fn whatif_documents(pw: &PublishedWhatIf<'_>) -> Vec<Document> {
    vec![
        Document::new(WHATIF_FILES[0], Body::Json(diff_json(pw))),
        Document::new(WHATIF_FILES[1], Body::GeoJson(changed_geojson(pw))),
        Document::new(
            WHATIF_FILES[2],
            Body::GeoJson(zones_before_after(pw, false)),
        ),
        Document::new(WHATIF_FILES[3], Body::GeoJson(zones_before_after(pw, true))),
    ]
}

/// Writes the four what-if files into `out_dir`, all or nothing.
pub fn write_whatif(
    pw: &PublishedWhatIf<'_>,
    out_dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, CoverageError> {
    zb_writers::write_documents(&whatif_documents(pw), out_dir).map_err(io_error)
}

/// The header of the one-row-per-scenario summary CSV.
pub fn summary_csv_header(kinds: &[String]) -> String {
    let mut h = String::from("scenario,file");
    for k in kinds {
        for c in [
            "threshold_min",
            "within_before",
            "within_after",
            "newly_within",
            "newly_beyond",
            "median_min_before",
            "median_min_after",
            "p90_min_before",
            "p90_min_after",
            "units_changing_state",
            "secret",
        ] {
            let _ = write!(h, ",{c}_{k}");
        }
    }
    h.push('\n');
    h
}

/// One CSV row of a scenario's overall diff per kind (columns of [`summary_csv_header`]).
pub fn summary_csv_row(pw: &PublishedWhatIf<'_>, file: &str, kinds: &[String]) -> String {
    let w = pw.whatif;
    let mut row = format!("{},{}", csv_field(&w.scenario.name), csv_field(file));
    for kind in kinds {
        let Some(ki) = w.kinds.iter().position(|k| &k.kind == kind) else {
            row.push_str(&",".repeat(11));
            continue;
        };
        let k = &w.kinds[ki];
        let v = serde_json::to_value(diff_row(&k.overall, pw.secrecy(ki).diff.overall()))
            .unwrap_or(Value::Null);
        let cell = |key: &str| match &v[key] {
            Value::Null => String::new(),
            x => x.to_string(),
        };
        let _ = write!(
            row,
            ",{},{},{},{},{},{},{},{},{},{},{}",
            k.after.threshold_min,
            cell("within_before"),
            cell("within_after"),
            cell("newly_within"),
            cell("newly_beyond"),
            cell("median_min_before"),
            cell("median_min_after"),
            cell("p90_min_before"),
            cell("p90_min_after"),
            k.changed.len(),
            u8::from(v["secret"] == json!(true))
        );
    }
    row.push('\n');
    row
}

/// `picks.geojson`: the recommended sites with their marginal gain and cumulative coverage.
pub fn picks_geojson(study: &Study, r: &Recommendation) -> FeatureCollection {
    let min = study.secrecy_min_count;
    let count = |c: f64| {
        if is_small(c, min) {
            Value::Null
        } else {
            json!(round_count(c))
        }
    };
    let features = r
        .picks
        .iter()
        .map(|p| {
            let mut props = JsonObject::new();
            props.insert("rank".into(), json!(p.rank));
            props.insert("id".into(), json!(p.candidate.id));
            props.insert("label".into(), json!(p.candidate.label));
            props.insert("kind".into(), json!(r.kind));
            props.insert("gain_weight".into(), count(p.gain_weight));
            props.insert(
                "cumulative_within_weight".into(),
                count(p.cumulative_within_weight),
            );
            props.insert(
                "cumulative_within_share".into(),
                if is_small(p.cumulative_within_weight, min) {
                    Value::Null
                } else {
                    json!(round_to(p.cumulative_within_share, 4))
                },
            );
            props.insert("worst_min_after".into(), opt_min(p.worst_min_after));
            props.insert(
                "secret".into(),
                json!(is_small(p.gain_weight, min) || is_small(p.cumulative_within_weight, min)),
            );
            zb_writers::geometry::feature(Some(point(p.candidate.lon, p.candidate.lat)), props)
        })
        .collect();
    collection(
        study,
        features,
        &[
            ("kind", json!(r.kind)),
            ("objective", json!(r.objective.as_str())),
            ("threshold_min", json!(r.threshold_min)),
            ("base_within_weight", count(r.base_within_weight)),
            ("base_worst_min", opt_min(r.base_worst_min)),
            (
                "skipped",
                serde_json::to_value(&r.skipped).unwrap_or(Value::Null),
            ),
        ],
    )
}
