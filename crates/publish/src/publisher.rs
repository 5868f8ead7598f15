//! The `POST /api/whatif` answers of a study ([`WhatIfPublisher`]): the baseline protected
//! once and its zones laid out once; each answer's documents share its secrecy decisions
//! ([`PublishedWhatIf`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use zb_coverage::{KindCoverage, Study, Zone};
use zb_whatif::patch::ZoneLayout;
use zb_whatif::{Baseline, WhatIf};

use crate::coverage::zone_feature;
use crate::secrecy::Protection;
use crate::whatif::{changed_doc, diff_doc, zones_members};
use crate::whatif_secrecy::{Protections, PublishedWhatIf};

/// One kind's baseline zones as published, each feature's bytes.
struct BaseZones {
    coverage: Arc<KindCoverage>,
    layout: ZoneLayout,
    protection: Arc<Protection>,
    features: Vec<Vec<u8>>,
}

/// The `POST /api/whatif` answers of a study: `{diff, changed, zones_after}`, the zones of a
/// kind the scenario leaves alone written from the baseline's bytes.
pub struct WhatIfPublisher {
    protections: Protections,
    /// Every unit's published position, computed once.
    positions: Vec<(f64, f64)>,
    zones: HashMap<String, BaseZones>,
    /// The largest answer so far, plus an eighth (bytes).
    size_hint: AtomicUsize,
}

/// Coverages at other thresholds whose protections a [`WhatIfPublisher`] keeps.
pub const PROTECTIONS_KEPT: usize = zb_whatif::whatif::AT_THRESHOLDS_KEPT;

impl WhatIfPublisher {
    /// Protects the baseline and lays out its zones. CPU-bound (one protection per kind).
    pub fn new(study: &Study, baseline: &Baseline) -> WhatIfPublisher {
        let protections = Protections::new(study, baseline, PROTECTIONS_KEPT);
        let zones = baseline
            .kinds
            .iter()
            .map(|(k, b)| {
                let protection = protections
                    .get(&b.coverage)
                    .expect("the baseline's protections are pinned");
                let features = (0..b.coverage.zones.len())
                    .map(|z| feature_bytes(&zone_feature(&protection, 0, &b.coverage, z)))
                    .collect();
                let base = BaseZones {
                    coverage: Arc::clone(&b.coverage),
                    layout: b.zone_layout.clone(),
                    protection,
                    features,
                };
                (k.clone(), base)
            })
            .collect();
        WhatIfPublisher {
            protections,
            positions: crate::positions::unit_positions(study),
            zones,
            size_hint: AtomicUsize::new(0),
        }
    }

    /// The protections kept.
    pub fn protections(&self) -> &Protections {
        &self.protections
    }

    /// The answer to a what-if, of the kinds `keep` accepts: compact JSON `{diff, changed,
    /// zones_after}` (see [`crate::whatif`]).
    pub fn answer(&self, study: &Study, w: &WhatIf, keep: impl Fn(&str) -> bool) -> Vec<u8> {
        let p = PublishedWhatIf::with_protections(study, w, &self.protections)
            .with_positions(&self.positions);
        // Room for an answer as large as the largest so far: no copy as it grows.
        let hint = self.size_hint.load(Ordering::Relaxed);
        let mut out = Vec::with_capacity(hint.clamp(64 * 1024, 16 << 20));
        out.extend_from_slice(br#"{"diff":"#);
        write_json(&mut out, &diff_doc(&p, &keep));
        out.extend_from_slice(br#","changed":"#);
        write_json(&mut out, &changed_doc(&p, &keep));
        out.extend_from_slice(br#","zones_after":{"type":"FeatureCollection","features":["#);
        let mut first = true;
        let mut put = |out: &mut Vec<u8>, feature: &[u8]| {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            out.extend_from_slice(feature);
        };
        for (ki, k) in w.kinds.iter().enumerate().filter(|(_, k)| keep(&k.kind)) {
            // Compared with the baseline's coverage (the study's), whatever "before" is.
            let base = self.zones.get(&k.kind);
            let same_threshold =
                base.is_some_and(|b| b.coverage.threshold_min == k.after.threshold_min);
            let same = base.is_some_and(|b| {
                Arc::ptr_eq(&k.after, &b.coverage)
                    || (same_threshold && k.after.units == b.coverage.units)
            });
            match base {
                Some(b) if same => {
                    for f in &b.features {
                        put(&mut out, f);
                    }
                }
                _ => {
                    // Secrecy is decided on this kind's counts after the scenario; a zone made
                    // of the same cells as one of the baseline's, published alike, is written
                    // from the baseline's bytes.
                    let protection = &p.secrecy(ki).after;
                    for (z, zone) in k.after.zones.iter().enumerate() {
                        let kept = base.filter(|_| same_threshold).and_then(|b| {
                            let bz = b.same_zone(zone, protection.zone(0, z))?;
                            Some(&b.features[bz][..])
                        });
                        match kept {
                            Some(bytes) => put(&mut out, bytes),
                            None => put(
                                &mut out,
                                &feature_bytes(&zone_feature(protection, 0, &k.after, z)),
                            ),
                        }
                    }
                }
            }
        }
        out.push(b']');
        for (key, value) in zones_members(study, w, true) {
            out.push(b',');
            write_json(&mut out, &key);
            out.push(b':');
            write_json(&mut out, &value);
        }
        out.extend_from_slice(b"}}");
        self.size_hint
            .fetch_max(out.len() + out.len() / 8, Ordering::Relaxed);
        out
    }
}

impl BaseZones {
    /// The baseline zone (of the same kind and threshold) that is `zone`: made of the same
    /// cells, hence of the same geometry and figures, and published alike (`published`).
    fn same_zone(&self, zone: &Zone, published: (Option<f64>, Option<f64>)) -> Option<usize> {
        let z = *self
            .layout
            .zone_of_cell
            .get(*zone.cell_ids.first()? as usize)? as usize;
        let bz = self.coverage.zones.get(z)?;
        // The same cells published alike, and the same minutes (a moved site can change a
        // zone's times without changing which cells it holds).
        (bz.cell_ids == zone.cell_ids
            && bz.mean_min == zone.mean_min
            && bz.max_min == zone.max_min
            && bz.unreachable_weight == zone.unreachable_weight
            && self.protection.zone(0, z) == published)
            .then_some(z)
    }
}

/// Compact JSON of a value that is known to serialise.
fn write_json(out: &mut Vec<u8>, v: &impl serde::Serialize) {
    serde_json::to_writer(out, v).expect("published documents serialise to JSON");
}

/// One feature as compact JSON.
fn feature_bytes(f: &geojson::Feature) -> Vec<u8> {
    serde_json::to_vec(f).expect("features serialise to JSON")
}
