//! What-if diffs as published: no small count shown, none recomputable from the diff and the
//! changed units, on seeded random scenarios (Monaco).

#[path = "../../coverage/tests/common/mod.rs"]
mod common;
#[path = "../../whatif/tests/random/mod.rs"]
mod random;

use common::shared;
use rand::SeedableRng;
use rand::rngs::StdRng;
use random::{random_scenario, random_study};
use zb_coverage::Study;
use zb_publish::PublishedWhatIf;
use zb_whatif::Baseline;

/// The diff of every kind of `w` gives no small count away: none is shown, and none can be
/// recomputed from the shown ones through the sums a reader knows (each row's within after +
/// newly beyond = within before + newly within; the rows of a partition adding up to the
/// territory; a row's newly within (beyond) weight being the weight of its units changing state
/// that way, as `changed.geojson` shows them). Checked on the JSON, against the raw values.
/// Returns how many rows hide a count that is not small itself (secondary suppressions).
fn check_diff_secrecy(study: &Study, w: &zb_whatif::WhatIf, what: &str) -> usize {
    use serde_json::Value;
    use zb_publish::secrecy::{check_secrecy, is_small};
    use zb_publish::whatif::{changed_geojson, diff_json};
    use zb_whatif::whatif::AggDiff;
    let min = study.secrecy_min_count;
    let pw = PublishedWhatIf::new(study, w);
    let diff = diff_json(&pw);
    let changed = serde_json::to_value(changed_geojson(&pw)).unwrap();
    for doc in [&diff, &changed] {
        let found = check_secrecy(doc, min);
        assert!(found.is_empty(), "{what}: {found:?}");
    }
    const FIELDS: [&str; 4] = [
        "within_before",
        "within_after",
        "newly_within",
        "newly_beyond",
    ];
    let raw = |d: &AggDiff, f: &str| match f {
        "within_before" => d.within_before,
        "within_after" => d.within_after,
        "newly_within" => d.newly_within_weight,
        _ => d.newly_beyond_weight,
    };
    // Public already: a within-before count a published commune total gives away (all or none
    // of the commune within, as the statuses of its units show), and the within-after count of
    // such a commune where no unit changes state.
    let public = |d: &AggDiff, f: &str| {
        let before =
            d.total_published && (d.within_before == 0.0 || d.within_before == d.total_weight);
        match f {
            "within_before" => before,
            "within_after" => {
                before && d.newly_within_weight == 0.0 && d.newly_beyond_weight == 0.0
            }
            _ => false,
        }
    };
    let mut secondary = 0;
    for (ki, k) in w.kinds.iter().enumerate() {
        let sec = pw.secrecy(ki);
        assert!(sec.diff.table().leaks(min).is_empty(), "{what} {}", k.kind);
        let kd = &diff["kinds"][&k.kind];
        let shown = |row: &Value, f: &str| row[f].as_f64();
        let mut rows: Vec<(&Value, &AggDiff)> = vec![(&kd["overall"], &k.overall)];
        let communes: Vec<&Value> = kd["communes"].as_array().unwrap().iter().collect();
        rows.extend(communes.iter().copied().zip(&k.communes));
        // Within a row: one hidden count of the four is the others' balance.
        for (row, d) in &rows {
            let hidden: Vec<&str> = FIELDS
                .into_iter()
                .filter(|f| shown(row, f).is_none())
                .collect();
            if hidden.len() == 1 && !public(d, hidden[0]) {
                let v = raw(d, hidden[0]);
                assert!(
                    !is_small(v, min),
                    "{what} {} {}: {} = {v} from its row",
                    k.kind,
                    d.key,
                    hidden[0]
                );
            }
            if !hidden.is_empty() && FIELDS.iter().all(|f| !is_small(raw(d, f), min)) {
                secondary += 1;
            }
        }
        // Across a partition: one hidden row is the territory minus the others.
        let mut partitions = vec![(communes, &k.communes)];
        for (col, g) in &k.groups {
            partitions.push((kd["groups"][col].as_array().unwrap().iter().collect(), g));
        }
        for (json_rows, diffs) in &partitions {
            for f in FIELDS {
                if shown(&kd["overall"], f).is_none() {
                    continue;
                }
                let hidden: Vec<usize> = (0..json_rows.len())
                    .filter(|&r| shown(json_rows[r], f).is_none())
                    .collect();
                if hidden.len() == 1 && !public(&diffs[hidden[0]], f) {
                    let v = raw(&diffs[hidden[0]], f);
                    assert!(
                        !is_small(v, min),
                        "{what} {} row {}: {f} = {v} from the territory",
                        k.kind,
                        diffs[hidden[0]].key
                    );
                }
            }
        }
        // Through the units: a shown newly count minus its shown units' weights.
        for (into_within, f) in [(true, "newly_within"), (false, "newly_beyond")] {
            for (r, d) in k.communes.iter().enumerate() {
                let Some(_) = shown(rows[r + 1].0, f) else {
                    continue;
                };
                let units: Vec<&Value> = changed["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|u| {
                        let p = &u["properties"];
                        p["kind"] == k.kind.as_str()
                            && p["commune"].as_str().unwrap_or("") == d.key
                            && (p["status_after"] == "within") == into_within
                            && (p["status_before"] == "within") != into_within
                    })
                    .collect();
                let hidden: Vec<&&Value> = units
                    .iter()
                    .filter(|u| u["properties"]["weight"].is_null())
                    .collect();
                if hidden.len() == 1 {
                    let id = hidden[0]["properties"]["id"].as_str().unwrap();
                    let v = study.units.iter().find(|u| u.id == id).unwrap().weight;
                    assert!(
                        !is_small(v, min),
                        "{what} {} {}: unit {id} = {v} from {f}",
                        k.kind,
                        d.key
                    );
                }
            }
        }
    }
    secondary
}

#[test]
fn what_if_diffs_give_no_small_count_away() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let low = common::low_population_study(dir.path()).unwrap();
    let random = random_study(&pbf, 3, 6, 1_200);
    let mut secondary = 0;
    for (name, study) in [("low population", &low), ("random", &random)] {
        let base = Baseline::new(study);
        let mut rng = StdRng::seed_from_u64(99);
        for n in 0..16 {
            let sc = random_scenario(study, &mut rng, n);
            let Ok(w) = base.apply(study, &sc) else {
                continue;
            };
            secondary += check_diff_secrecy(study, &w, &format!("{name} scenario {n}"));
        }
    }
    // Safe units are never small: no diff row has anything to hide.
    assert_eq!(secondary, 0, "a diff row hides a count");
}
