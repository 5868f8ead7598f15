//! The road geometry of a planned territory, streamed entity by entity to a [`Sink`].
//!
//! Per town (in INSEE code order): a street grid clipped to a disc whose radius grows with the
//! population, rotated and jittered, with intermediate nodes every 30-40 m; roundabouts at some
//! exits of towns of 1,000 people or more; hamlets spread over the commune's area, each reached
//! by a winding lane from the town or from a nearer hamlet, with a street or two and a farm
//! access; lanes between neighbouring hamlets. Then per link between towns: a winding road from an exit of one town
//! to an exit of the other, cut into stretches whose `maxspeed` follows a smooth "ruggedness"
//! field (winding, hilly stretches are slower), and approaches to towns at 70 or 50. Then per
//! ferry of the plan: a line of nodes over the sea between a quay (a town exit) of the port's
//! town and one of the island's.
//!
//! The rules a router must follow, drawn from hashes keyed by the town so that the geometry's
//! streams do not move: traffic signals on main-axis crossings of towns of 5,000 people, stop
//! and give-way signs on some crossings of residential streets, gates half-way along some farm
//! accesses, bollards inside a block side of a two-way residential row (never the only way
//! anywhere), and turn restrictions (`type=restriction` relations `from` way, `via` node, `to`
//! way) at a few 4-way crossings of towns of 1,000 people, the row and column cut there so that
//! both ways end at the via node (elsewhere each row and column is a single way).
//!
//! Node ids are handed out in the order nodes are made, and every random choice comes from a
//! stream keyed by the seed and the INSEE codes involved, so running the generator twice gives
//! the same entities: [`crate::write_pbf`] runs it once for the nodes and once for the ways,
//! keeping memory bounded by one town or one road, not by the territory.

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::io;

use crate::pbf::MemberType;
use crate::plan::{Class, P, Plan, Town};
use crate::rng::{Rng, hash, unit, value_noise};

/// The tag every generated way carries.
pub const SYNTHETIC_TAG: (&str, &str) = ("zoneblanche:synthetic", "yes");

/// Receives the generated entities: nodes, ways and relations, each kind by increasing id (the
/// kinds interleaved; a relation comes after the ways it names).
pub trait Sink {
    fn node(&mut self, id: i64, lon_e7: i32, lat_e7: i32, tags: &[(&str, &str)]) -> io::Result<()>;
    fn way(&mut self, id: i64, refs: &[i64], tags: &[(&str, &str)]) -> io::Result<()>;
    /// A relation's members (type, id, role) and tags. Default: ignored.
    fn relation(
        &mut self,
        _id: i64,
        _members: &[(MemberType, i64, &str)],
        _tags: &[(&str, &str)],
    ) -> io::Result<()> {
        Ok(())
    }
}

/// What the generator made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoadStats {
    pub nodes: u64,
    pub ways: u64,
    /// Kilometres of way by `highway` value.
    pub km_by_highway: BTreeMap<&'static str, f64>,
    pub oneway_ways: u64,
    pub roundabouts: u64,
    pub hamlets: u64,
    /// Tagged nodes by tag value (`traffic_signals`, `stop`, `give_way`, `gate`, `bollard`).
    pub node_tags: BTreeMap<&'static str, u64>,
    /// Turn restrictions by `restriction` value.
    pub restrictions: BTreeMap<&'static str, u64>,
    pub ferries: u64,
    /// Kilometres of ferry (not in [`RoadStats::km_by_highway`]).
    pub ferry_km: f64,
}

impl RoadStats {
    pub fn km_total(&self) -> f64 {
        self.km_by_highway.values().sum()
    }
}

type Tags = Vec<(&'static str, &'static str)>;

struct Emitter<'a, S: Sink> {
    sink: &'a mut S,
    plan: &'a Plan,
    next_node: i64,
    next_way: i64,
    next_relation: i64,
    stats: RoadStats,
    refs: Vec<i64>,
}

fn e7(deg: f64) -> i32 {
    (deg * 1e7).round() as i32
}

impl<S: Sink> Emitter<'_, S> {
    fn node(&mut self, p: P) -> io::Result<i64> {
        self.tagged_node(p, None)
    }

    /// A node with one tag or none.
    fn tagged_node(&mut self, p: P, tag: Option<(&'static str, &'static str)>) -> io::Result<i64> {
        let id = self.next_node;
        self.next_node += 1;
        let (lon, lat) = self.plan.proj.lon_lat(p);
        let tags = tag.as_slice();
        self.sink.node(id, e7(lon), e7(lat), tags)?;
        self.stats.nodes += 1;
        if let Some((_, v)) = tag {
            *self.stats.node_tags.entry(v).or_insert(0) += 1;
        }
        Ok(id)
    }

    /// A turn restriction `from` way, `via` node, `to` way (the synthetic tag is added).
    fn restriction(&mut self, kind: &'static str, from: i64, via: i64, to: i64) -> io::Result<()> {
        let id = self.next_relation;
        self.next_relation += 1;
        let members = [
            (MemberType::Way, from, "from"),
            (MemberType::Node, via, "via"),
            (MemberType::Way, to, "to"),
        ];
        let tags = [
            ("type", "restriction"),
            ("restriction", kind),
            SYNTHETIC_TAG,
        ];
        self.sink.relation(id, &members, &tags)?;
        *self.stats.restrictions.entry(kind).or_insert(0) += 1;
        Ok(())
    }

    /// A way through `pts` with `tags` (the synthetic tag is added); returns its id.
    fn way(&mut self, pts: &[(i64, P)], tags: &[(&'static str, &'static str)]) -> io::Result<i64> {
        debug_assert!(pts.len() >= 2);
        let id = self.next_way;
        self.next_way += 1;
        self.refs.clear();
        self.refs.extend(pts.iter().map(|(id, _)| *id));
        let mut all: Tags = tags.to_vec();
        all.push(SYNTHETIC_TAG);
        self.sink.way(id, &self.refs, &all)?;
        let km: f64 = pts.windows(2).map(|w| w[0].1.dist(w[1].1)).sum::<f64>() / 1000.0;
        let highway = tags
            .iter()
            .find(|(k, _)| *k == "highway")
            .map_or("", |(_, v)| *v);
        *self.stats.km_by_highway.entry(highway).or_insert(0.0) += km;
        self.stats.ways += 1;
        if tags.iter().any(|(k, v)| *k == "oneway" && *v == "yes") {
            self.stats.oneway_ways += 1;
        }
        Ok(id)
    }
}

/// Generates the territory of `plan` into `sink`.
pub fn generate<S: Sink>(plan: &Plan, sink: &mut S) -> io::Result<RoadStats> {
    let mut em = Emitter {
        sink,
        plan,
        next_node: 1,
        next_way: 1,
        next_relation: 1,
        stats: RoadStats::default(),
        refs: Vec::new(),
    };
    // Where each link leaves each of its towns: 2 * link + (0 at `a`, 1 at `b`).
    let mut exits: Vec<(i64, P)> = vec![(0, P::new(0.0, 0.0)); 2 * plan.links.len()];
    // The quays of each ferry: 2 * ferry + (0 at the port, 1 on the island).
    let mut quays: Vec<(i64, P)> = vec![(0, P::new(0.0, 0.0)); 2 * plan.ferries.len()];
    for t in 0..plan.towns.len() {
        town(&mut em, t, &mut exits, &mut quays)?;
    }
    for e in 0..plan.links.len() {
        link(&mut em, e, &exits)?;
    }
    for f in 0..plan.ferries.len() {
        ferry(&mut em, f, &quays)?;
    }
    Ok(em.stats)
}

// ---- terrain and speeds -----------------------------------------------------------------------

/// A smooth field in [0, 1]: 0 flat and straight, 1 hilly and winding (features 10-30 km
/// across). It stands in for relief, which the generator does not know.
fn ruggedness(plan: &Plan, p: P) -> f64 {
    let (lon, lat) = plan.proj.lon_lat(p);
    // Keyed on degrees, so the field does not move with the projection's meridian.
    let (x, y) = (lon * 78_000.0, lat * 111_000.0);
    let v = 0.65 * value_noise(hash(&[plan.seed, 11]), x, y, 30_000.0)
        + 0.35 * value_noise(hash(&[plan.seed, 12]), x, y, 9_000.0);
    ((v - 0.5) * 2.4 + 0.5).clamp(0.0, 1.0)
}

/// The `maxspeed` of a rural stretch (None: no tag, the highway default applies).
fn rural_maxspeed(class: Class, rugged: f64, u: f64) -> Option<&'static str> {
    match class {
        Class::Trunk if rugged < 0.45 => Some("110"),
        Class::Trunk if rugged < 0.7 => Some("90"),
        Class::Trunk => Some("70"),
        Class::Primary if rugged < 0.3 => Some(if u < 0.5 { "90" } else { "FR:rural" }),
        Class::Primary if rugged < 0.55 => Some("FR:rural"),
        Class::Primary if rugged < 0.75 => Some("70"),
        Class::Primary => Some("50"),
        Class::Secondary if rugged < 0.55 => Some(if u < 0.7 { "FR:rural" } else { "80" }),
        Class::Secondary if rugged < 0.75 => Some("70"),
        Class::Secondary => Some("50"),
        Class::Tertiary if rugged < 0.4 => (u < 0.6).then_some("FR:rural"),
        Class::Tertiary if rugged < 0.7 => Some("70"),
        Class::Tertiary => Some("50"),
        Class::Unclassified if rugged < 0.5 => (u < 0.3).then_some("FR:rural"),
        Class::Unclassified => (u < 0.3).then_some("30"),
        Class::Residential | Class::Service => None,
    }
}

fn tags(class: Class, maxspeed: Option<&'static str>) -> Tags {
    let mut t = vec![("highway", class.highway())];
    if let Some(m) = maxspeed {
        t.push(("maxspeed", m));
    }
    t
}

// ---- winding roads ----------------------------------------------------------------------------

/// Midpoint displacement: pushes the control points after `a`, up to `b` included.
fn displace(rng: &mut Rng, a: P, b: P, amp: f64, ctrl: &mut Vec<P>, depth: u32) {
    let d = b - a;
    let l = d.len();
    if l <= 140.0 || depth >= 16 {
        ctrl.push(b);
        return;
    }
    let m = (a + b) * 0.5 + d.perp().unit() * (l * amp * (2.0 * rng.f64() - 1.0));
    displace(rng, a, m, amp, ctrl, depth + 1);
    displace(rng, m, b, amp, ctrl, depth + 1);
}

/// The interior points of a winding road from `a` to `b`: control points displaced by up to
/// `amp` of each segment's length, then nodes every `spacing_m` or less.
fn winding(rng: &mut Rng, a: P, b: P, amp: f64, spacing_m: f64) -> Vec<P> {
    let mut ctrl = Vec::new();
    displace(rng, a, b, amp, &mut ctrl, 0);
    let mut out = Vec::new();
    let mut prev = a;
    for &c in &ctrl {
        let n = (prev.dist(c) / spacing_m).ceil().max(1.0) as usize;
        for k in 1..n {
            out.push(prev + (c - prev) * (k as f64 / n as f64));
        }
        out.push(c);
        prev = c;
    }
    out.pop();
    out
}

/// How much a road of `class` winds on terrain of ruggedness `rugged`.
fn amplitude(class: Class, rugged: f64) -> f64 {
    let base = 0.04 + 0.16 * rugged;
    base * match class {
        Class::Trunk => 0.4,
        Class::Primary => 0.6,
        Class::Secondary => 0.8,
        Class::Tertiary => 1.0,
        _ => 1.2,
    }
}

/// Emits a winding road from the existing node `from` to the existing node `to` (its interior
/// nodes first), then its ways: `speed(mid_point, rng)` gives each stretch's tags; stretches of
/// 1.5-4 km, equal neighbours merged. `approach_*`: tags of the first / last 250 m, if any.
#[allow(clippy::too_many_arguments)]
fn road<S: Sink>(
    em: &mut Emitter<'_, S>,
    rng: &mut Rng,
    from: (i64, P),
    to: (i64, P),
    class: Class,
    spacing_m: f64,
    approach_from: Option<Tags>,
    approach_to: Option<Tags>,
) -> io::Result<()> {
    let mid = (from.1 + to.1) * 0.5;
    let rugged = ruggedness(em.plan, mid);
    let inner = winding(rng, from.1, to.1, amplitude(class, rugged), spacing_m);
    let mut pts = Vec::with_capacity(inner.len() + 2);
    pts.push(from);
    for p in inner {
        pts.push((em.node(p)?, p));
    }
    pts.push(to);

    let mut cum = Vec::with_capacity(pts.len());
    let mut acc = 0.0;
    cum.push(0.0);
    for w in pts.windows(2) {
        acc += w[0].1.dist(w[1].1);
        cum.push(acc);
    }
    let total = acc;
    let last = pts.len() - 1;
    // Cut positions, in metres, then as point indices.
    let mut cut_m = Vec::new();
    let (appr_a, appr_b) = (
        approach_from.filter(|_| total > 1_000.0),
        approach_to.filter(|_| total > 1_000.0),
    );
    let start = if appr_a.is_some() { 250.0 } else { 0.0 };
    let end = if appr_b.is_some() {
        total - 250.0
    } else {
        total
    };
    if appr_a.is_some() {
        cut_m.push(250.0);
    }
    let mut at = start + rng.range(1_500.0, 4_000.0);
    while at < end - 500.0 {
        cut_m.push(at);
        at += rng.range(1_500.0, 4_000.0);
    }
    if appr_b.is_some() {
        cut_m.push(end);
    }
    let mut cuts = vec![0usize];
    for d in cut_m {
        let i = cum.partition_point(|&c| c < d);
        if i > *cuts.last().expect("not empty") && i < last {
            cuts.push(i);
        }
    }
    cuts.push(last);

    let n_pieces = cuts.len() - 1;
    let mut pieces: Vec<(usize, usize, Tags)> = Vec::with_capacity(n_pieces);
    for k in 0..n_pieces {
        let (i, j) = (cuts[k], cuts[k + 1]);
        let t = match (&appr_a, &appr_b) {
            (Some(a), _) if k == 0 && cum[j] <= 260.0 => a.clone(),
            (_, Some(b)) if k == n_pieces - 1 && cum[i] >= total - 260.0 => b.clone(),
            _ => {
                let r = ruggedness(em.plan, pts[(i + j) / 2].1);
                tags(class, rural_maxspeed(class, r, rng.f64()))
            }
        };
        match pieces.last_mut() {
            Some(prev) if prev.2 == t => prev.1 = j,
            _ => pieces.push((i, j, t)),
        }
    }
    for (i, j, t) in pieces {
        em.way(&pts[i..=j], &t)?;
    }
    Ok(())
}

// ---- towns --------------------------------------------------------------------------------------

fn isqrt(v: i64) -> i64 {
    if v <= 0 {
        return 0;
    }
    let mut r = (v as f64).sqrt() as i64;
    while r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}

/// A town's street grid: the lattice points (i, j) with i² + j² <= m2, joined along rows and
/// columns, with `k` intermediate nodes on each block side. Node ids are computed, so that the
/// ways can name nodes made before them.
struct Grid<'a> {
    town: &'a Town,
    m: i64,
    /// Half-width of row j: `w[j + m]`; half-height of column i: `h[i + m]`.
    w: Vec<i64>,
    h: Vec<i64>,
    row_start: Vec<i64>,
    hseg_start: Vec<i64>,
    vseg_start: Vec<i64>,
    n_lattice: i64,
    n_hseg: i64,
    n_vseg: i64,
    k: i64,
    base: i64,
    ex: P,
    ey: P,
}

impl<'a> Grid<'a> {
    fn new(town: &'a Town, base: i64) -> Grid<'a> {
        let m = isqrt(town.m2);
        let span: Vec<i64> = (-m..=m).map(|j| isqrt(town.m2 - j * j)).collect();
        let (mut row_start, mut hseg_start, mut vseg_start) = (Vec::new(), Vec::new(), Vec::new());
        let (mut n_lattice, mut n_hseg, mut n_vseg) = (0, 0, 0);
        for &w in &span {
            row_start.push(n_lattice);
            hseg_start.push(n_hseg);
            vseg_start.push(n_vseg);
            n_lattice += 2 * w + 1;
            n_hseg += 2 * w;
            n_vseg += 2 * w;
        }
        let k = ((town.block_m / 35.0).round() as i64 - 1).max(1);
        Grid {
            town,
            m,
            w: span.clone(),
            h: span,
            row_start,
            hseg_start,
            vseg_start,
            n_lattice,
            n_hseg,
            n_vseg,
            k,
            base,
            ex: P::polar(town.angle, 1.0),
            ey: P::polar(town.angle + PI / 2.0, 1.0),
        }
    }

    fn n_nodes(&self) -> i64 {
        self.n_lattice + (self.n_hseg + self.n_vseg) * self.k
    }

    fn w(&self, j: i64) -> i64 {
        self.w[(j + self.m) as usize]
    }

    fn h(&self, i: i64) -> i64 {
        self.h[(i + self.m) as usize]
    }

    /// True for a 4-way crossing: the lattice point has neighbours on all four sides.
    fn interior(&self, i: i64, j: i64) -> bool {
        j.abs() < self.m && i.abs() < self.w(j) && j.abs() < self.h(i)
    }

    fn lattice_id(&self, i: i64, j: i64) -> i64 {
        self.base + self.row_start[(j + self.m) as usize] + i + self.w(j)
    }

    /// The `t`-th (1-based) node between (i, j) and (i + 1, j).
    fn hint_id(&self, i: i64, j: i64, t: i64) -> i64 {
        let seg = self.hseg_start[(j + self.m) as usize] + i + self.w(j);
        self.base + self.n_lattice + seg * self.k + t - 1
    }

    /// The `t`-th (1-based) node between (i, j) and (i, j + 1).
    fn vint_id(&self, i: i64, j: i64, t: i64) -> i64 {
        let seg = self.vseg_start[(i + self.m) as usize] + j + self.h(i);
        self.base + self.n_lattice + self.n_hseg * self.k + seg * self.k + t - 1
    }

    fn lattice_pos(&self, i: i64, j: i64) -> P {
        let b = self.town.block_m;
        let (jx, jy) = if (i, j) == (0, 0) {
            (0.0, 0.0)
        } else {
            let h = hash(&[self.town.key, 2, i as u64, j as u64]);
            (unit(h) - 0.5, unit(h.rotate_left(32)) - 0.5)
        };
        let (u, v) = ((i as f64 + 0.24 * jx) * b, (j as f64 + 0.24 * jy) * b);
        self.town.at + self.ex * u + self.ey * v
    }

    fn between(&self, a: P, b: P, t: i64, salt: u64) -> P {
        let f = t as f64 / (self.k + 1) as f64;
        let wobble = (unit(hash(&[self.town.key, salt, t as u64])) - 0.5) * 6.0;
        a + (b - a) * f + (b - a).unit().perp() * wobble
    }

    /// The lattice point farthest in direction `dir` (a town exit).
    fn exit(&self, dir: P) -> (i64, i64) {
        let (lx, ly) = (dir.dot(self.ex), dir.dot(self.ey));
        let mut best = (f64::NEG_INFINITY, (0, 0));
        for j in -self.m..=self.m {
            let w = self.w(j);
            let i = if lx >= 0.0 { w } else { -w };
            let score = i as f64 * lx + j as f64 * ly;
            if score > best.0 + 1e-9 {
                best = (score, (i, j));
            }
        }
        best.1
    }
}

/// Tags of a town street: the two main axes are the high street (tertiary, or secondary in a
/// town of 5,000 people), the rest residential; in towns of 2,000 people some odd rows are
/// one-way, alternating direction. Returns (tags, reversed).
fn street_tags(town: &Town, horizontal: bool, index: i64) -> (Tags, bool) {
    let pop = town.population;
    let u = unit(hash(&[town.key, 5, u64::from(horizontal), index as u64]));
    if index == 0 && pop >= 300.0 {
        let class = if pop >= 5_000.0 {
            Class::Secondary
        } else {
            Class::Tertiary
        };
        return (tags(class, Some("FR:urban")), false);
    }
    let maxspeed = if pop < 2_000.0 {
        (u < 0.4).then_some("FR:urban")
    } else if u < 0.4 {
        Some("FR:zone30")
    } else if u < 0.6 {
        Some("30")
    } else {
        Some("FR:urban")
    };
    let mut t = tags(Class::Residential, maxspeed);
    let oneway = horizontal
        && pop >= 2_000.0
        && index % 2 != 0
        && unit(hash(&[town.key, 9, index as u64])) < 0.5;
    if oneway {
        t.push(("oneway", "yes"));
    }
    (t, oneway && index.div_euclid(2) % 2 == 0)
}

/// The tag of a grid junction, if any: traffic signals on some crossings of the main axes in
/// towns of 5,000 people (always at the centre), a stop or give-way sign on some crossings of
/// two residential streets. Only 4-way crossings: a town's exits and quays stay untagged.
fn junction_tag(town: &Town, g: &Grid<'_>, i: i64, j: i64) -> Option<(&'static str, &'static str)> {
    if !g.interior(i, j) {
        return None;
    }
    let u = unit(hash(&[town.key, 10, i as u64, j as u64]));
    if i == 0 || j == 0 {
        let signals = town.population >= 5_000.0 && ((i, j) == (0, 0) || u < 0.5);
        signals.then_some(("highway", "traffic_signals"))
    } else if u < 0.04 {
        Some(("highway", "stop"))
    } else if u < 0.08 {
        Some(("highway", "give_way"))
    } else {
        None
    }
}

/// The turn restrictions of a town, by junction.
const RESTRICTIONS: [&str; 3] = ["no_left_turn", "no_u_turn", "only_straight_on"];

/// A town grid's rules drawn from the town's own stream (so that the geometry's streams do not
/// move): turn restrictions at a few 4-way crossings of two-way streets (1 in towns of 1,000
/// people, 2 from 5,000, 4 from 20,000), and bollards on the first intermediate node of one
/// block side of a two-way residential row (1 from 2,000 people, 2 from 20,000). A row block
/// side always has another way round (its two corners are on columns), so a bollard never cuts
/// a town off.
struct Rules {
    /// (i, j) of the crossing, sorted, and the `restriction` value.
    restrictions: Vec<((i64, i64), &'static str)>,
    /// (i, j): the block side from (i, j) to (i + 1, j).
    bollards: Vec<(i64, i64)>,
}

impl Rules {
    fn new(town: &Town, g: &Grid<'_>) -> Rules {
        let pop = town.population;
        let mut rng = Rng::new(hash(&[town.key, 11]));
        let mut pick = |lo: i64, hi: i64| lo + ((hi - lo + 1) as f64 * rng.f64()) as i64;
        let two_way = |j: i64| !street_tags(town, true, j).0.contains(&("oneway", "yes"));
        let count = |steps: [(f64, usize); 3]| {
            steps
                .iter()
                .rev()
                .find(|(p, _)| pop >= *p)
                .map_or(0, |s| s.1)
        };
        let n = count([(1_000.0, 1), (5_000.0, 2), (20_000.0, 4)]);
        let mut restrictions: Vec<((i64, i64), &'static str)> = Vec::new();
        for _ in 0..8 * n {
            if restrictions.len() == n {
                break;
            }
            let j = pick(1 - g.m, g.m - 1);
            let w = g.w(j);
            let i = pick(1 - w, w - 1);
            let kind = RESTRICTIONS[pick(0, 2) as usize];
            if g.interior(i, j) && two_way(j) && restrictions.iter().all(|r| r.0 != (i, j)) {
                restrictions.push(((i, j), kind));
            }
        }
        restrictions.sort_unstable();
        let n = count([(2_000.0, 1), (20_000.0, 2), (f64::INFINITY, 0)]);
        let mut bollards = Vec::new();
        for _ in 0..8 * n {
            if bollards.len() == n {
                break;
            }
            let j = pick(-g.m, g.m);
            let w = g.w(j);
            let i = pick(-w, w - 1);
            if j != 0 && w > 0 && two_way(j) && !bollards.contains(&(i, j)) {
                bollards.push((i, j));
            }
        }
        Rules {
            restrictions,
            bollards,
        }
    }
}

/// Emits the way through `pts` with `tags` as pieces cut at the point indices `cuts` (sorted,
/// inside); returns the ids of the pieces.
fn split_way<S: Sink>(
    em: &mut Emitter<'_, S>,
    pts: &[(i64, P)],
    cuts: &[usize],
    tags: &[(&'static str, &'static str)],
) -> io::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for &c in cuts.iter().chain(std::iter::once(&(pts.len() - 1))) {
        ids.push(em.way(&pts[from..=c], tags)?);
        from = c;
    }
    Ok(ids)
}

fn town<S: Sink>(
    em: &mut Emitter<'_, S>,
    t: usize,
    exits: &mut [(i64, P)],
    quays: &mut [(i64, P)],
) -> io::Result<()> {
    let plan = em.plan;
    let town = &plan.towns[t];
    let g = Grid::new(town, em.next_node);
    let rules = Rules::new(town, &g);

    // Nodes: lattice points, then the row and column intermediates.
    for j in -g.m..=g.m {
        for i in -g.w(j)..=g.w(j) {
            let tag = junction_tag(town, &g, i, j);
            let id = em.tagged_node(g.lattice_pos(i, j), tag)?;
            debug_assert_eq!(id, g.lattice_id(i, j));
        }
    }
    for j in -g.m..=g.m {
        for i in -g.w(j)..g.w(j) {
            let (a, b) = (g.lattice_pos(i, j), g.lattice_pos(i + 1, j));
            let bollard = rules.bollards.contains(&(i, j));
            for s in 1..=g.k {
                let p = g.between(a, b, s, hash(&[3, i as u64, j as u64]));
                let tag = (bollard && s == 1).then_some(("barrier", "bollard"));
                let id = em.tagged_node(p, tag)?;
                debug_assert_eq!(id, g.hint_id(i, j, s));
            }
        }
    }
    for i in -g.m..=g.m {
        for j in -g.h(i)..g.h(i) {
            let (a, b) = (g.lattice_pos(i, j), g.lattice_pos(i, j + 1));
            for s in 1..=g.k {
                let id = em.node(g.between(a, b, s, hash(&[4, i as u64, j as u64])))?;
                debug_assert_eq!(id, g.vint_id(i, j, s));
            }
        }
    }
    debug_assert_eq!(em.next_node, g.base + g.n_nodes());

    // Ways: rows, then columns, cut at the restricted crossings; the pieces that end there:
    // (west, east, south, north).
    let mut ends: BTreeMap<(i64, i64), [i64; 4]> = BTreeMap::new();
    let mut pts: Vec<(i64, P)> = Vec::new();
    let mut cuts: Vec<usize> = Vec::new();
    for j in -g.m..=g.m {
        let w = g.w(j);
        if w == 0 {
            continue;
        }
        pts.clear();
        for i in -w..=w {
            let p = g.lattice_pos(i, j);
            pts.push((g.lattice_id(i, j), p));
            if i < w {
                let q = g.lattice_pos(i + 1, j);
                for s in 1..=g.k {
                    let salt = hash(&[3, i as u64, j as u64]);
                    pts.push((g.hint_id(i, j, s), g.between(p, q, s, salt)));
                }
            }
        }
        let (t, reversed) = street_tags(town, true, j);
        if reversed {
            pts.reverse();
        }
        // Restricted rows are two-way, never reversed.
        let at: Vec<i64> = rules
            .restrictions
            .iter()
            .filter(|r| r.0.1 == j)
            .map(|r| r.0.0)
            .collect();
        cuts.clear();
        cuts.extend(at.iter().map(|&i| ((i + w) * (g.k + 1)) as usize));
        let ids = split_way(em, &pts, &cuts, &t)?;
        for (q, &i) in at.iter().enumerate() {
            let e = ends.entry((i, j)).or_default();
            (e[0], e[1]) = (ids[q], ids[q + 1]);
        }
    }
    for i in -g.m..=g.m {
        let h = g.h(i);
        if h == 0 {
            continue;
        }
        pts.clear();
        for j in -h..=h {
            let p = g.lattice_pos(i, j);
            pts.push((g.lattice_id(i, j), p));
            if j < h {
                let q = g.lattice_pos(i, j + 1);
                for s in 1..=g.k {
                    let salt = hash(&[4, i as u64, j as u64]);
                    pts.push((g.vint_id(i, j, s), g.between(p, q, s, salt)));
                }
            }
        }
        let (t, _) = street_tags(town, false, i);
        let mut at: Vec<i64> = rules
            .restrictions
            .iter()
            .filter(|r| r.0.0 == i)
            .map(|r| r.0.1)
            .collect();
        at.sort_unstable();
        cuts.clear();
        cuts.extend(at.iter().map(|&j| ((j + h) * (g.k + 1)) as usize));
        let ids = split_way(em, &pts, &cuts, &t)?;
        for (q, &j) in at.iter().enumerate() {
            let e = ends.entry((i, j)).or_default();
            (e[2], e[3]) = (ids[q], ids[q + 1]);
        }
    }
    // Rows run west to east (i increasing), columns south to north, so driving east a left
    // turn goes north.
    for &((i, j), kind) in &rules.restrictions {
        let [west, east, south, north] = ends[&(i, j)];
        let (from, to) = match kind {
            "no_left_turn" => (west, north),
            "no_u_turn" => (east, east),
            _ => (south, north),
        };
        em.restriction(kind, from, g.lattice_id(i, j), to)?;
    }

    // Quays: the town's exit towards the other end of each of its ferries.
    for (f, ferry) in plan.ferries.iter().enumerate() {
        for (side, (here, there)) in [(ferry.port, ferry.landing), (ferry.landing, ferry.port)]
            .into_iter()
            .enumerate()
        {
            if here as usize == t {
                let dir = (plan.towns[there as usize].at - town.at).unit();
                let (i, j) = g.exit(dir);
                quays[2 * f + side] = (g.lattice_id(i, j), g.lattice_pos(i, j));
            }
        }
    }

    // Exits towards the neighbouring towns, grouped by lattice point.
    let mut groups: BTreeMap<(i64, i64), Vec<(usize, P)>> = BTreeMap::new();
    for &e in plan.links_of(t) {
        let link = &plan.links[e as usize];
        let (side, other) = if link.a as usize == t {
            (0, link.b)
        } else {
            (1, link.a)
        };
        let dir = (plan.towns[other as usize].at - town.at).unit();
        groups
            .entry(g.exit(dir))
            .or_default()
            .push((2 * e as usize + side, dir));
    }
    for (&(i, j), group) in &groups {
        let gate = (g.lattice_id(i, j), g.lattice_pos(i, j));
        let h = hash(&[town.key, 6, i as u64, j as u64]);
        if town.population < 1_000.0 || unit(h) >= 0.5 {
            for &(slot, _) in group {
                exits[slot] = gate;
            }
            continue;
        }
        // A roundabout just outside the exit, turning anticlockwise (traffic keeps right).
        let sum = group.iter().fold(P::new(0.0, 0.0), |s, (_, d)| s + *d);
        let dir = if sum.len() > 1e-6 {
            sum.unit()
        } else {
            (gate.1 - town.at).unit()
        };
        let r = 14.0 + 8.0 * unit(h.rotate_left(17));
        let centre = gate.1 + dir * (r + 12.0);
        let back = (-dir.y).atan2(-dir.x);
        let mut ring = Vec::with_capacity(9);
        for q in 0..8 {
            let p = centre + P::polar(back + 2.0 * PI * q as f64 / 8.0, r);
            ring.push((em.node(p)?, p));
        }
        let class = group
            .iter()
            .map(|&(slot, _)| plan.links[slot / 2].class)
            .max()
            .unwrap_or(Class::Tertiary)
            .max(Class::Tertiary);
        for &(slot, d) in group {
            let angle = d.y.atan2(d.x);
            let q = (1..8)
                .max_by(|&a, &b| {
                    let ca = (back + 2.0 * PI * a as f64 / 8.0 - angle).cos();
                    let cb = (back + 2.0 * PI * b as f64 / 8.0 - angle).cos();
                    ca.total_cmp(&cb).then(b.cmp(&a))
                })
                .unwrap_or(4);
            exits[slot] = ring[q];
        }
        ring.push(ring[0]);
        let mut rt = tags(class, None);
        rt.push(("junction", "roundabout"));
        em.way(&ring, &rt)?;
        em.way(&[gate, ring[0]], &tags(class, Some("FR:urban")))?;
        em.stats.roundabouts += 1;
    }

    hamlets(em, town, &g)
}

/// Hamlets: about one per 2.5 km² of the commune, between the town's edge and the commune's
/// edge, nearest first. Each is reached by a lane from the town's exit towards it, or from an
/// earlier hamlet when that is much closer (lanes branch, as they do in the countryside), has a
/// street or two and maybe a farm access; some lanes join neighbouring hamlets into loops.
fn hamlets<S: Sink>(em: &mut Emitter<'_, S>, town: &Town, g: &Grid<'_>) -> io::Result<()> {
    let mut rng = Rng::new(hash(&[town.key, 7]));
    let big_r = town.commune_r_m;
    let (lo, hi) = ((town.radius_m + 250.0).max(0.3 * big_r), 0.92 * big_r);
    let area_km2 = PI * big_r * big_r / 1e6;
    let n = if lo < hi {
        ((area_km2 / 2.5 + rng.f64()).floor() as usize).min(14)
    } else {
        0
    };
    let phi0 = rng.range(0.0, 2.0 * PI);
    let mut spots: Vec<(f64, P)> = (0..n)
        .map(|k| {
            let phi = phi0 + 2.0 * PI * (k as f64 + 0.1 + 0.8 * rng.f64()) / n as f64;
            (phi, town.at + P::polar(phi, rng.range(lo, hi)))
        })
        .collect();
    spots.sort_by(|a, b| a.1.dist(town.at).total_cmp(&b.1.dist(town.at)));
    // (angle, centre node) of the hamlets made so far.
    let mut centres: Vec<(f64, (i64, P))> = Vec::with_capacity(n);
    for &(phi, at) in &spots {
        let (i, j) = g.exit(P::polar(phi, 1.0));
        let mut from = (g.lattice_id(i, j), g.lattice_pos(i, j));
        let mut best = from.1.dist(at);
        for (_, c) in &centres {
            let d = c.1.dist(at);
            if d < 0.6 * best {
                (from, best) = (*c, d);
            }
        }
        // The lane's nodes, then the hamlet's centre, then the lane.
        let rugged = ruggedness(em.plan, at);
        let spacing = rng.range(18.0, 40.0);
        let amp = amplitude(Class::Unclassified, rugged);
        let inner = winding(&mut rng, from.1, at, amp, spacing);
        let mut pts = vec![from];
        for p in inner {
            pts.push((em.node(p)?, p));
        }
        let centre = (em.node(at)?, at);
        pts.push(centre);
        let ms = rural_maxspeed(Class::Unclassified, rugged, rng.f64());
        em.way(&pts, &tags(Class::Unclassified, ms))?;
        centres.push((phi, centre));
        em.stats.hamlets += 1;

        // One or two streets through the centre.
        let psi = rng.range(0.0, PI);
        let streets = if rng.chance(0.4) { 2 } else { 1 };
        let mut far_end = centre;
        for s in 0..streets {
            let dir = P::polar(psi + s as f64 * (PI / 2.0 + rng.range(-0.3, 0.3)), 1.0);
            let (l1, l2) = (rng.range(50.0, 150.0), rng.range(50.0, 150.0));
            let (n1, n2) = ((l1 / 30.0).ceil() as usize, (l2 / 30.0).ceil() as usize);
            let mut street = Vec::with_capacity(n1 + n2 + 1);
            for q in (1..=n1).rev() {
                let p = at - dir * (l1 * q as f64 / n1 as f64);
                street.push((em.node(p)?, p));
            }
            street.push(centre);
            for q in 1..=n2 {
                let p = at + dir * (l2 * q as f64 / n2 as f64);
                street.push((em.node(p)?, p));
            }
            if s == 0 {
                far_end = *street.last().expect("not empty");
            }
            em.way(&street, &tags(Class::Residential, None))?;
        }
        // A farm access.
        if rng.chance(0.7) {
            let out = (far_end.1 - at).unit();
            let dir = P::polar(out.y.atan2(out.x) + rng.range(-0.6, 0.6), 1.0);
            let end = far_end.1 + dir * rng.range(200.0, 700.0);
            let inner = winding(&mut rng, far_end.1, end, 0.1, 30.0);
            // A gate on a third of them, half-way (cars pass it, as in OSRM's car profile).
            let gated = unit(hash(&[town.key, 13, centres.len() as u64])) < 0.3;
            let gate_at = gated.then_some(inner.len() / 2);
            let mut pts = vec![far_end];
            for (q, p) in inner.into_iter().enumerate() {
                let tag = (gate_at == Some(q)).then_some(("barrier", "gate"));
                pts.push((em.tagged_node(p, tag)?, p));
            }
            pts.push((em.node(end)?, end));
            em.way(&pts, &tags(Class::Service, None))?;
        }
    }
    // Loops: lanes between hamlets next to each other around the town.
    centres.sort_by(|a, b| {
        a.0.rem_euclid(2.0 * PI)
            .total_cmp(&b.0.rem_euclid(2.0 * PI))
    });
    if n >= 3 {
        for k in 0..n {
            let (a, b) = (centres[k].1, centres[(k + 1) % n].1);
            if a.1.dist(b.1) <= 2_500.0 && rng.chance(0.4) {
                let spacing = rng.range(18.0, 40.0);
                road(em, &mut rng, a, b, Class::Unclassified, spacing, None, None)?;
            }
        }
    }
    Ok(())
}

fn link<S: Sink>(em: &mut Emitter<'_, S>, e: usize, exits: &[(i64, P)]) -> io::Result<()> {
    let plan = em.plan;
    let l = &plan.links[e];
    let (ta, tb) = (&plan.towns[l.a as usize], &plan.towns[l.b as usize]);
    let mut rng = Rng::new(hash(&[ta.key, tb.key, 8]));
    let spacing = if l.class >= Class::Primary {
        rng.range(30.0, 60.0)
    } else {
        rng.range(18.0, 40.0)
    };
    let approach = |town: &Town| {
        (town.population >= 800.0).then(|| {
            let v = if l.class >= Class::Secondary {
                "70"
            } else {
                "50"
            };
            tags(l.class, Some(v))
        })
    };
    road(
        em,
        &mut rng,
        exits[2 * e],
        exits[2 * e + 1],
        l.class,
        spacing,
        approach(ta),
        approach(tb),
    )
}

/// A ferry: a gently curved line of new nodes every 2 km or less (at least 2) from the port's
/// quay to the island's, both town exits, so that the ferry shares no other node. Tagged as in
/// OSM: `route=ferry`, `duration` (the crossing time of [`crate::islands::ISLANDS`]), `name`,
/// and `motor_vehicle=yes` on every ferry, even where the real one takes no car (its value is
/// kept in `zoneblanche:real_car_ferry`): the generator is for measuring access, and a family
/// on Houat needs a way to reach a service that the engine can follow. The "no road link" case
/// stays where it is natural: an island whose port commune is not selected gets no ferry, and
/// Corsica (not in the table) none.
fn ferry<S: Sink>(em: &mut Emitter<'_, S>, f: usize, quays: &[(i64, P)]) -> io::Result<()> {
    let plan = em.plan;
    let ferry = &plan.ferries[f];
    let (a, b) = (quays[2 * f], quays[2 * f + 1]);
    let (ta, tb) = (
        &plan.towns[ferry.port as usize],
        &plan.towns[ferry.landing as usize],
    );
    let mut rng = Rng::new(hash(&[ta.key, tb.key, 12]));
    let d = a.1.dist(b.1);
    let n = ((d / 2_000.0).ceil() as usize).max(3);
    let bend = (b.1 - a.1).perp() * rng.range(-0.1, 0.1);
    let mut pts = Vec::with_capacity(n + 1);
    pts.push(a);
    for q in 1..n {
        let u = q as f64 / n as f64;
        let p = a.1 + (b.1 - a.1) * u + bend * (4.0 * u * (1.0 - u));
        pts.push((em.node(p)?, p));
    }
    pts.push(b);
    let duration = ferry.island.duration();
    let tags = [
        ("route", "ferry"),
        ("duration", duration.as_str()),
        ("motor_vehicle", "yes"),
        ("foot", "yes"),
        ("name", ferry.name.as_str()),
        (
            "zoneblanche:real_car_ferry",
            ferry.island.car_ferry.as_str(),
        ),
        SYNTHETIC_TAG,
    ];
    let id = em.next_way;
    em.next_way += 1;
    em.refs.clear();
    em.refs.extend(pts.iter().map(|(id, _)| *id));
    em.sink.way(id, &em.refs, &tags)?;
    em.stats.ways += 1;
    em.stats.ferries += 1;
    em.stats.ferry_km += pts.windows(2).map(|w| w[0].1.dist(w[1].1)).sum::<f64>() / 1000.0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_is_exact() {
        for v in 0..10_000i64 {
            let r = isqrt(v);
            assert!(r * r <= v && (r + 1) * (r + 1) > v, "{v}");
        }
    }

    #[test]
    fn winding_roads_keep_their_spacing_and_ends() {
        let mut rng = Rng::new(3);
        let (a, b) = (P::new(0.0, 0.0), P::new(5_000.0, 0.0));
        let inner = winding(&mut rng, a, b, 0.2, 30.0);
        let mut pts = vec![a];
        pts.extend(inner);
        pts.push(b);
        let len: f64 = pts.windows(2).map(|w| w[0].dist(w[1])).sum();
        assert!(len > 5_000.0 && len < 8_000.0, "{len}");
        assert!(pts.windows(2).all(|w| w[0].dist(w[1]) <= 30.0 + 1e-6));
        assert!(pts.len() > 5_000 / 30);
    }

    #[test]
    fn rural_speeds_parse_and_slow_down_on_rugged_ground() {
        let p = zb_routing::Profile::default();
        for class in [
            Class::Trunk,
            Class::Primary,
            Class::Secondary,
            Class::Tertiary,
            Class::Unclassified,
        ] {
            let flat = rural_maxspeed(class, 0.1, 0.0);
            let steep = rural_maxspeed(class, 0.95, 0.0);
            let kmh = |m: Option<&str>| m.map(|m| p.maxspeed_kmh(m).expect("parses"));
            if let (Some(f), Some(s)) = (kmh(flat), kmh(steep)) {
                assert!(s < f, "{class:?}: {s} !< {f}");
            }
        }
    }
}
