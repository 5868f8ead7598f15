//! Why a home reaches no site, and trips by ferry, on a small hand-made territory: a mainland
//! road, an island joined to it by a ferry, an island with no link, and homes far from any
//! road. Then the exports, and the secrecy of the new counts, attacked through the written
//! files on seeded random populations.

#[path = "../../coverage/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use zb_coverage::{Agg, KindCoverage, Reason, Status, Study};
use zb_publish::secrecy::{check_secrecy, is_small};
use zb_publish::write_outputs;
use zb_routing::geom::Coord;
use zb_routing::{Graph, RawNetwork, RawWay};

const MIN: f64 = 11.0;

/// Where a home stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    Mainland,
    /// The island the ferry serves.
    FerryIsland,
    /// The island with no ferry.
    LoneIsland,
    /// About 30 km from any road.
    Far,
}

impl Place {
    const ALL: [Place; 4] = [
        Place::Mainland,
        Place::FerryIsland,
        Place::LoneIsland,
        Place::Far,
    ];

    /// A point about 50 m from the place's road (or far from every road).
    fn at(self) -> (f64, f64) {
        match self {
            Place::Mainland => (-3.190, 47.5005),
            Place::FerryIsland => (-3.160, 47.4505),
            Place::LoneIsland => (-2.990, 47.4005),
            Place::Far => (-3.500, 47.7000),
        }
    }
}

/// Mainland road M0-M1-M2, a ferry M2-I0 (20 min), the ferry island's road I0-I1, and the
/// lone island's road J0-J1 (Brittany-like coordinates).
fn network() -> Graph {
    let coords = [
        (-3.200, 47.500),
        (-3.190, 47.500),
        (-3.180, 47.500),
        (-3.170, 47.450),
        (-3.160, 47.450),
        (-3.000, 47.400),
        (-2.990, 47.400),
    ];
    let ways_def: [(&[u32], bool); 5] = [
        (&[0, 1], false),
        (&[1, 2], false),
        (&[2, 3], true),
        (&[3, 4], false),
        (&[5, 6], false),
    ];
    let mut ways = Vec::new();
    let mut way_nodes = Vec::new();
    for (i, (nodes, ferry)) in ways_def.iter().enumerate() {
        let start = way_nodes.len() as u32;
        way_nodes.extend_from_slice(nodes);
        ways.push(RawWay {
            osm_id: i as i64 + 1,
            class: u8::from(*ferry),
            speed_kmh: if *ferry { 20.0 } else { 50.0 },
            backward_kmh: if *ferry { 20.0 } else { 50.0 },
            forward: true,
            backward: true,
            duration_s: ferry.then_some(1200.0),
            ferry: *ferry,
            boarding_s: 0.0,
            nodes_start: start,
            nodes_end: way_nodes.len() as u32,
        });
    }
    let raw = RawNetwork {
        node_ids: (1..=coords.len() as i64).collect(),
        node_coords: coords
            .iter()
            .map(|&(lon, lat)| Coord::from_deg(lon, lat))
            .collect(),
        ways,
        way_nodes,
        classes: vec!["residential".into(), "ferry".into()],
        profile_name: "test".into(),
        ways_in_file: ways_def.len() as u64,
        ..Default::default()
    };
    Graph::from_raw(&raw)
}

/// A site of `kind` by the road of `place`.
fn site(id: &str, kind: &str, place: Place) -> zb_places::Site {
    let (lon, lat) = place.at();
    zb_places::Site {
        id: id.into(),
        name: id.into(),
        kind: kind.into(),
        lon: lon + 0.001,
        lat,
        capacity: None,
        waiting_days: None,
        opening: None,
        synthetic: true,
        extra: Default::default(),
    }
}

/// Homes as (place, commune, weight), each a little apart from the last.
fn study(homes: &[(Place, &str, f64)]) -> Study {
    let sites = vec![
        site("synthetic-mainland", "mediation", Place::Mainland),
        site(
            "synthetic-lone-island",
            "espace_rencontre",
            Place::LoneIsland,
        ),
        site("synthetic-ferry-island", "point_info", Place::FerryIsland),
    ];
    let units = homes
        .iter()
        .enumerate()
        .map(|(i, &(place, commune, weight))| {
            let (lon, lat) = place.at();
            zb_places::DemandUnit {
                id: format!("u{i}"),
                lon: lon + 0.0003 * (i % 7) as f64,
                lat,
                weight,
                commune: Some(commune.into()),
                cell: None,
                groups: Default::default(),
            }
        })
        .collect();
    let thresholds = zb_coverage::Thresholds {
        default_min: 30.0,
        ..Default::default()
    };
    let mut s = Study::from_parts(
        Some("reasons (synthetic)".into()),
        true,
        network(),
        sites,
        vec![zb_places::Population::from_units(units, "people")],
        thresholds,
        MIN,
        1_000.0,
        zb_coverage::provenance::Provenance::new(None, Vec::new(), "test".into(), true),
    );
    common::normalise_provenance(&mut s);
    s
}

fn kind<'a>(c: &'a zb_coverage::Coverage, k: &str) -> &'a KindCoverage {
    c.kind(k).unwrap()
}

/// One home in each place, in three communes.
const ONE_OF_EACH: [(Place, &str, f64); 4] = [
    (Place::Mainland, "C1", 100.0),
    (Place::FerryIsland, "C2", 200.0),
    (Place::LoneIsland, "C2", 300.0),
    (Place::Far, "C3", 400.0),
];

#[test]
fn each_home_gets_its_reason_and_ferry_flag() {
    let s = study(&ONE_OF_EACH);
    let c = s.evaluate();
    let got = |k: &str| -> Vec<(Status, Option<Reason>, bool)> {
        kind(&c, k)
            .units
            .iter()
            .map(|u| (u.status, u.reason, u.via_ferry))
            .collect()
    };
    use Status::{Unreachable as U, Within as W};
    // The mainland site: the ferry island by ferry; the lone island has no road link; the far
    // home is off the network.
    assert_eq!(
        got("mediation"),
        [
            (W, None, false),
            (W, None, true),
            (U, Some(Reason::NoRoadLink), false),
            (U, Some(Reason::OffNetwork), false),
        ]
    );
    // The lone island's site serves its island only.
    assert_eq!(
        got("espace_rencontre"),
        [
            (U, Some(Reason::NoRoadLink), false),
            (U, Some(Reason::NoRoadLink), false),
            (W, None, false),
            (U, Some(Reason::OffNetwork), false),
        ]
    );
    // The ferry island's site: the mainland by ferry.
    assert_eq!(got("point_info")[0], (W, None, true));
    assert_eq!(got("point_info")[1], (W, None, false));
    // The ferry's 20 minutes are in the time.
    let m = &kind(&c, "mediation").units;
    assert!(m[1].minutes.unwrap() > 20.0, "{:?}", m[1]);
    assert!(m[0].minutes.unwrap() < 2.0, "{:?}", m[0]);

    let o = &kind(&c, "mediation").overall;
    assert_eq!(o.unreachable_off_network, 400.0);
    assert_eq!(o.unreachable_no_road_link, 300.0);
    assert_eq!(o.weight_via_ferry, 200.0);
    assert_eq!(o.unreachable_weight, 700.0);
}

/// The split of every aggregate row is the sum over its units, and adds up.
fn check_sums(s: &Study, kc: &KindCoverage) {
    let ix = s.unit_index();
    let check = |a: &Agg, members: &[u32]| {
        let sum = |f: &dyn Fn(&zb_coverage::UnitResult) -> bool| -> f64 {
            members
                .iter()
                .filter(|&&i| f(&kc.units[i as usize]))
                .map(|&i| s.units[i as usize].weight)
                .sum()
        };
        let off = sum(&|u| u.reason == Some(Reason::OffNetwork));
        let nrl = sum(&|u| u.reason == Some(Reason::NoRoadLink));
        let ferry = sum(&|u| u.via_ferry);
        assert_eq!(a.unreachable_off_network, off, "{}", a.key);
        assert_eq!(a.unreachable_no_road_link, nrl, "{}", a.key);
        assert_eq!(a.weight_via_ferry, ferry, "{}", a.key);
        assert_eq!(a.unreachable_weight, off + nrl, "{}", a.key);
        assert!(a.weight_via_ferry <= a.within_weight + a.beyond_weight);
        // A reason exactly when unreachable; a ferry only on a trip.
        for &i in members {
            let u = &kc.units[i as usize];
            assert_eq!(u.reason.is_some(), u.status == Status::Unreachable, "{u:?}");
            assert!(!u.via_ferry || u.minutes.is_some(), "{u:?}");
        }
    };
    let all: Vec<u32> = (0..s.units.len() as u32).collect();
    check(&kc.overall, &all);
    for (r, a) in kc.communes.iter().enumerate() {
        check(a, &ix.communes.rows[r].members);
    }
}

#[test]
fn aggregates_are_the_sums_over_units() {
    let mut rng = StdRng::seed_from_u64(3);
    let homes: Vec<(Place, &str, f64)> = (0..40)
        .map(|_| {
            (
                Place::ALL[rng.gen_range(0..4)],
                ["C1", "C2", "C3"][rng.gen_range(0..3)],
                f64::from(rng.gen_range(1..100)),
            )
        })
        .collect();
    let s = study(&homes);
    let c = s.evaluate();
    for kc in &c.kinds {
        check_sums(&s, kc);
        assert!(kc.overall.unreachable_off_network > 0.0, "{}", kc.kind);
    }
    assert!(kind(&c, "mediation").overall.weight_via_ferry > 0.0);
    assert!(kind(&c, "mediation").overall.unreachable_no_road_link > 0.0);
}

#[test]
fn exports_carry_reasons_and_the_split() {
    let s = study(&ONE_OF_EACH);
    let dir = tempfile::tempdir().unwrap();
    write_outputs(&s, &s.evaluate(), dir.path()).unwrap();

    let demand = common::read_json(&dir.path().join("demand.geojson"));
    let props: Vec<&Value> = demand["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .collect();
    let col = |k: &str| -> Vec<Value> { props.iter().map(|p| p[k].clone()).collect() };
    assert_eq!(
        col("reason_mediation"),
        [
            Value::Null,
            Value::Null,
            "no_road_link".into(),
            "off_network".into()
        ]
    );
    assert_eq!(
        col("via_ferry_mediation"),
        [false, true, false, false].map(Value::Bool)
    );

    let (header, rows) = common::read_csv(&dir.path().join("communes.csv"));
    // The split comes after every kind's other columns.
    let first_split = header
        .iter()
        .position(|h| h.starts_with("unreachable_off_network_"))
        .unwrap();
    assert!(
        header[..first_split]
            .iter()
            .any(|h| h == "secret_point_info")
    );
    for k in ["espace_rencontre", "mediation", "point_info"] {
        for c in [
            "unreachable_off_network",
            "unreachable_no_road_link",
            "weight_via_ferry",
        ] {
            assert!(header.contains(&format!("{c}_{k}")), "{c}_{k}: {header:?}");
        }
    }
    let row = |code: &str| rows.iter().find(|r| r["code_insee"] == code).unwrap();
    assert_eq!(row("C2")["unreachable_no_road_link_mediation"], 300.0);
    assert_eq!(row("C2")["weight_via_ferry_mediation"], 200.0);
    assert_eq!(row("C2")["unreachable_off_network_mediation"], 0.0);
    assert_eq!(row("C3")["unreachable_off_network_mediation"], 400.0);
    assert_eq!(
        row("C2")["unreachable_no_road_link_espace_rencontre"],
        200.0
    );

    let summary = common::read_json(&dir.path().join("summary.json"));
    let m = &summary["kinds"]["mediation"];
    assert_eq!(m["unreachable_off_network"], 400.0);
    assert_eq!(m["unreachable_no_road_link"], 300.0);
    assert_eq!(m["weight_via_ferry"], 200.0);
    assert_eq!(summary["max_snap_m"], 1000.0);
}

/// What an attacker knows: named counts, published or not, and sums between them.
#[derive(Default)]
struct Attack {
    /// Every count: its true value, and whether it is known.
    value: BTreeMap<String, f64>,
    known: BTreeMap<String, bool>,
    sums: Vec<(Vec<String>, Vec<String>)>,
}

impl Attack {
    /// A count, with its published value (`None` when suppressed or never published).
    fn count(&mut self, name: String, truth: f64, published: Option<f64>) {
        if let Some(p) = published {
            assert!(
                (p - truth).abs() < 0.05 + 1e-9,
                "{name}: {p} published, {truth} true"
            );
        }
        self.value.insert(name.clone(), truth);
        self.known.insert(name, published.is_some());
    }

    fn sum(&mut self, lhs: Vec<String>, rhs: Vec<String>) {
        self.sums.push((lhs, rhs));
    }

    /// Solves every sum with one unknown until nothing moves, then lists the small counts
    /// found, and the small sums of unknowns that a sum gives away (all on one side).
    fn leaks(mut self) -> Vec<String> {
        let mut found = Vec::new();
        loop {
            let mut moved = false;
            for (lhs, rhs) in &self.sums {
                let unknown: Vec<&String> =
                    lhs.iter().chain(rhs).filter(|c| !self.known[*c]).collect();
                if let [c] = unknown[..] {
                    let v = self.value[c];
                    if is_small(v, MIN) {
                        found.push(format!("{c} = {v} from {lhs:?} = {rhs:?}"));
                    }
                    self.known.insert(c.clone(), true);
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        for (lhs, rhs) in &self.sums {
            let side = |cells: &[String]| -> (usize, f64) {
                let u: Vec<&String> = cells.iter().filter(|c| !self.known[*c]).collect();
                (u.len(), u.iter().map(|c| self.value[*c]).sum())
            };
            let ((nl, sl), (nr, sr)) = (side(lhs), side(rhs));
            if nl + nr >= 2 {
                let one_sided = [(nl, nr, sl, lhs.len()), (nr, nl, sr, rhs.len())];
                for (n, other, sum, len) in one_sided {
                    if n > 0 && other == 0 && n < len && is_small(sum, MIN) {
                        found.push(format!("unknowns add up to {sum} in {lhs:?} = {rhs:?}"));
                    }
                }
            }
        }
        found
    }
}

/// An aggregate row as the attacker reads it: its key, the true counts, the published ones (in
/// the order of the parts), its units.
type AttackRow<'a> = (String, &'a Agg, [Option<f64>; 7], Vec<usize>);

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The attacker's knowledge from the written communes.csv, summary.json and demand.geojson,
/// with every sum the counts obey (the units' statuses, reasons and ferries are published).
fn attack(s: &Study, dir: &std::path::Path) -> Attack {
    let c = s.evaluate();
    let (_, rows) = common::read_csv(&dir.join("communes.csv"));
    let summary = common::read_json(&dir.join("summary.json"));
    let demand = common::read_json(&dir.join("demand.geojson"));
    let features = demand["features"].as_array().unwrap();
    let mut a = Attack::default();
    for (i, u) in s.units.iter().enumerate() {
        a.count(
            format!("unit {i}"),
            u.weight,
            num(&features[i]["properties"]["weight"]),
        );
    }
    let ix = s.unit_index();
    const PARTS: [&str; 7] = [
        "within",
        "beyond",
        "unreachable",
        "off_network",
        "no_road_link",
        "via_ferry",
        "by_road",
    ];
    let parts = |a: &Agg| {
        [
            a.within_weight,
            a.beyond_weight,
            a.unreachable_weight,
            a.unreachable_off_network,
            a.unreachable_no_road_link,
            a.weight_via_ferry,
            a.within_weight + a.beyond_weight - a.weight_via_ferry,
        ]
    };
    // Which part of the split a unit is in.
    let part_of = |u: &zb_coverage::UnitResult| -> [usize; 2] {
        let status = match u.status {
            Status::Within => 0,
            Status::Beyond => 1,
            Status::Unreachable => 2,
        };
        let split = match (u.reason, u.via_ferry) {
            (Some(Reason::OffNetwork), _) => 3,
            (Some(Reason::NoRoadLink), _) => 4,
            (None, true) => 5,
            (None, false) => 6,
        };
        [status, split]
    };
    let name = |row: &str, k: &str, p: &str| format!("{row} {k} {p}");
    for (r, agg) in c.kinds[0].communes.iter().enumerate() {
        let csv = &rows[r];
        a.count(
            format!("{} total", agg.key),
            agg.total_weight,
            num(&csv["total"]),
        );
        let members: Vec<String> = ix.communes.rows[r]
            .members
            .iter()
            .map(|i| format!("unit {i}"))
            .collect();
        a.sum(vec![format!("{} total", agg.key)], members);
    }
    let total = summary["kinds"]["mediation"]["total_weight"].clone();
    a.count("all total".into(), s.total_weight(), num(&total));
    a.sum(
        vec!["all total".into()],
        (0..s.units.len()).map(|i| format!("unit {i}")).collect(),
    );
    a.sum(
        vec!["all total".into()],
        c.kinds[0]
            .communes
            .iter()
            .map(|g| format!("{} total", g.key))
            .collect(),
    );
    for kc in &c.kinds {
        let k = kc.kind.as_str();
        let sj = &summary["kinds"][k];
        let published_all = [
            num(&sj["within_weight"]),
            num(&sj["beyond_weight"]),
            num(&sj["unreachable_weight"]),
            num(&sj["unreachable_off_network"]),
            num(&sj["unreachable_no_road_link"]),
            num(&sj["weight_via_ferry"]),
            None,
        ];
        let mut rows_of_kind: Vec<AttackRow> = Vec::new();
        rows_of_kind.push((
            "all".into(),
            &kc.overall,
            published_all,
            (0..s.units.len()).collect(),
        ));
        for (r, agg) in kc.communes.iter().enumerate() {
            let csv = &rows[r];
            let get = |c: &str| num(&csv[&format!("{c}_{k}")]);
            rows_of_kind.push((
                agg.key.clone(),
                agg,
                [
                    get("within"),
                    get("beyond"),
                    get("unreachable"),
                    get("unreachable_off_network"),
                    get("unreachable_no_road_link"),
                    get("weight_via_ferry"),
                    None,
                ],
                ix.communes.rows[r]
                    .members
                    .iter()
                    .map(|&i| i as usize)
                    .collect(),
            ));
        }
        for (row, agg, published, members) in &rows_of_kind {
            for ((p, v), pubd) in PARTS.iter().zip(parts(agg)).zip(published) {
                a.count(name(row, k, p), v, *pubd);
            }
            let n = |p: &str| name(row, k, p);
            a.sum(
                vec![format!("{row} total")],
                vec![n("within"), n("beyond"), n("unreachable")],
            );
            a.sum(
                vec![n("unreachable")],
                vec![n("off_network"), n("no_road_link")],
            );
            a.sum(
                vec![n("within"), n("beyond")],
                vec![n("via_ferry"), n("by_road")],
            );
            let mut by_part: [Vec<String>; 7] = Default::default();
            for &i in members {
                for p in part_of(&kc.units[i]) {
                    by_part[p].push(format!("unit {i}"));
                }
            }
            for (p, units) in PARTS.iter().zip(by_part) {
                a.sum(vec![n(p)], units);
            }
        }
        for p in PARTS {
            a.sum(
                vec![name("all", k, p)],
                kc.communes.iter().map(|g| name(&g.key, k, p)).collect(),
            );
        }
    }
    a
}

/// Seeded random populations with small weights: no small count can be recomputed from the
/// written files, and since the homes are grouped into safe units, nothing is hidden.
#[test]
fn the_split_gives_no_small_count_away() {
    let (mut split_hidden, mut split_shown, mut ferry_hidden) = (0, 0, 0);
    for seed in 0..60 {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.gen_range(4..16);
        let homes: Vec<(Place, &str, f64)> = (0..n)
            .map(|_| {
                let w = match rng.gen_range(0..10) {
                    0 => 0.0,
                    1..=4 => f64::from(rng.gen_range(1..11)),
                    _ => f64::from(rng.gen_range(11..80)),
                };
                (
                    Place::ALL[rng.gen_range(0..4)],
                    ["C1", "C2", "C3"][rng.gen_range(0..3)],
                    w,
                )
            })
            .collect();
        let s = study(&homes);
        let dir = tempfile::tempdir().unwrap();
        let coverage = s.evaluate();
        write_outputs(&s, &coverage, dir.path()).unwrap();
        for f in ["summary.json", "communes.geojson", "demand.geojson"] {
            let doc = common::read_json(&dir.path().join(f));
            let small = check_secrecy(&doc, MIN);
            assert!(small.is_empty(), "seed {seed} {f}: {small:?}");
        }
        let ex = zb_publish::Exports::new(&s, &coverage);
        let leaks = ex.protection().table().leaks(MIN);
        assert!(leaks.is_empty(), "seed {seed}: {leaks:?}");
        let found = attack(&s, dir.path()).leaks();
        assert!(found.is_empty(), "seed {seed}: {found:#?}");

        let (_, rows) = common::read_csv(&dir.path().join("communes.csv"));
        for r in &rows {
            for k in ["mediation", "espace_rencontre", "point_info"] {
                let off = &r[&format!("unreachable_off_network_{k}")];
                let nrl = &r[&format!("unreachable_no_road_link_{k}")];
                assert_eq!(off.is_null(), nrl.is_null(), "seed {seed} {k}: {r:?}");
                let unreachable = &r[&format!("unreachable_{k}")];
                if off.is_null() && !unreachable.is_null() {
                    split_hidden += 1;
                }
                if off.as_f64().is_some_and(|v| v > 0.0) && nrl.as_f64().is_some_and(|v| v > 0.0) {
                    split_shown += 1;
                }
                ferry_hidden += usize::from(r[&format!("weight_via_ferry_{k}")].is_null());
            }
        }
    }
    // Safe units are never small, so nothing needs hiding: every split is shown whole.
    assert_eq!(
        split_hidden, 0,
        "a split hidden under a shown unreachable count"
    );
    assert_eq!(ferry_hidden, 0, "a ferry weight hidden");
    assert!(split_shown > 0, "no split shown");
}
