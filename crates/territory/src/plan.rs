//! The plan of a territory: one town per commune, which towns a road joins, and each road's
//! class. Everything here is small (one record per commune and per road between communes); the
//! geometry is made later, block by block, in [`crate::roads`].
//!
//! Roads between communes follow a Gabriel graph of the town centres (the pairs whose
//! diametral circle holds no other centre, among each centre's nearest neighbours): a planar,
//! connected-looking network much like real rural roads, which link neighbouring villages.
//! Main roads are then laid over it: the Gabriel graph of the larger towns, each of its pairs
//! routed through the commune graph (so a main road crosses the villages in between, as a
//! route nationale does) and the roads it uses upgraded to its class.
//!
//! Island communes ([`crate::islands::ISLANDS`]) get no road to the mainland: the graphs are
//! made per island (an island's communes are joined to each other as usual) and for the
//! mainland apart, and each island whose port commune is selected gets one [`Ferry`] from the
//! port's town to its landing town. An island whose port commune is not selected (left out, or
//! without a position) gets no ferry: it stays a part of its own, the "no road link" case.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};
use std::f64::consts::PI;
use std::ops::{Add, Mul, Sub};

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::communes::Commune;
use crate::islands::{ISLANDS, Island, island_of};
use crate::rng::{hash, hash_str, unit};

/// Mean Earth radius, metres.
pub const EARTH_R_M: f64 = 6_371_008.8;

/// A point in projected metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct P {
    pub x: f64,
    pub y: f64,
}

impl Add for P {
    type Output = P;
    fn add(self, o: P) -> P {
        P::new(self.x + o.x, self.y + o.y)
    }
}

impl Sub for P {
    type Output = P;
    fn sub(self, o: P) -> P {
        P::new(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f64> for P {
    type Output = P;
    fn mul(self, k: f64) -> P {
        P::new(self.x * k, self.y * k)
    }
}

impl P {
    pub fn new(x: f64, y: f64) -> P {
        P { x, y }
    }
    pub fn len(self) -> f64 {
        self.x.hypot(self.y)
    }
    pub fn dist(self, o: P) -> f64 {
        (self - o).len()
    }
    /// The unit vector (or zero).
    pub fn unit(self) -> P {
        let l = self.len();
        if l > 0.0 {
            self * (1.0 / l)
        } else {
            P::new(0.0, 0.0)
        }
    }
    /// Rotated a quarter turn anticlockwise.
    pub fn perp(self) -> P {
        P::new(-self.y, self.x)
    }
    pub fn dot(self, o: P) -> f64 {
        self.x * o.x + self.y * o.y
    }
    pub fn polar(angle: f64, r: f64) -> P {
        P::new(r * angle.cos(), r * angle.sin())
    }
}

/// The sinusoidal projection about a central meridian: equal-area, metres, and nearly
/// conformal within a few degrees of the meridian, which is all a generator needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proj {
    pub lon0: f64,
}

impl Proj {
    pub fn xy(&self, lon: f64, lat: f64) -> P {
        let k = PI / 180.0;
        P::new(
            EARTH_R_M * (lon - self.lon0) * k * (lat * k).cos(),
            EARTH_R_M * lat * k,
        )
    }

    pub fn lon_lat(&self, p: P) -> (f64, f64) {
        let k = PI / 180.0;
        let lat = p.y / (EARTH_R_M * k);
        let lon = self.lon0 + p.x / (EARTH_R_M * k * (lat * k).cos());
        (lon, lat)
    }
}

/// Road classes, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Service,
    Residential,
    Unclassified,
    Tertiary,
    Secondary,
    Primary,
    Trunk,
}

impl Class {
    /// The OSM `highway` value.
    pub fn highway(self) -> &'static str {
        match self {
            Class::Service => "service",
            Class::Residential => "residential",
            Class::Unclassified => "unclassified",
            Class::Tertiary => "tertiary",
            Class::Secondary => "secondary",
            Class::Primary => "primary",
            Class::Trunk => "trunk",
        }
    }
}

/// The main-road tiers: class, smallest population of the towns it links, longest link (m).
const TIERS: [(Class, f64, f64); 3] = [
    (Class::Trunk, 30_000.0, 150_000.0),
    (Class::Primary, 2_000.0, 60_000.0),
    (Class::Secondary, 500.0, 30_000.0),
];
/// Default area of a commune the file gives none for, km² (about the French median).
const DEFAULT_AREA_KM2: f64 = 15.0;
/// Neighbours considered per town for the Gabriel graph.
const NEIGHBOURS: usize = 8;
/// The longest road added only to join parts of the network that would stay apart.
pub const MAX_LINK_M: f64 = 50_000.0;

/// One town: a commune's centre with its street grid's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Town {
    pub code: String,
    pub population: f64,
    /// The town centre (the mairie when known).
    pub at: P,
    /// Radius of a disc of the commune's area, m.
    pub commune_r_m: f64,
    /// Radius of the street grid, m.
    pub radius_m: f64,
    /// Street spacing, m.
    pub block_m: f64,
    /// Grid orientation, radians.
    pub angle: f64,
    /// Lattice points (i, j) with i² + j² <= m2 are street corners.
    pub m2: i64,
    /// Key of the town's random streams (seed and INSEE code).
    pub key: u64,
    /// Index in [`ISLANDS`] of the island the commune is on, if it is an island commune.
    pub island: Option<usize>,
}

/// A ferry from a port town to an island's landing town.
#[derive(Debug, Clone, PartialEq)]
pub struct Ferry {
    /// Town of the port commune.
    pub port: u32,
    /// Town of the island where the ferry lands.
    pub landing: u32,
    pub island: &'static Island,
    /// `<port commune> – <island>`.
    pub name: String,
}

/// A road between two towns.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub class: Class,
    /// Straight-line length between the centres, m.
    pub length_m: f64,
}

/// The plan of a territory.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub proj: Proj,
    /// Sorted by INSEE code.
    pub towns: Vec<Town>,
    /// Sorted by (a, b), a < b.
    pub links: Vec<Link>,
    /// Links of town t: `incident[incident_start[t]..incident_start[t + 1]]`.
    pub incident_start: Vec<u32>,
    pub incident: Vec<u32>,
    /// By island, in [`ISLANDS`] order.
    pub ferries: Vec<Ferry>,
    /// Parts of the network that no link under [`MAX_LINK_M`] nor ferry could join to the rest
    /// (islands).
    pub components: usize,
}

impl Plan {
    /// Plans a territory around `communes` (sorted by code, as [`crate::read_communes_csv`]
    /// gives them).
    pub fn new(communes: &[Commune], seed: u64) -> Plan {
        let lon0 = if communes.is_empty() {
            0.0
        } else {
            (communes.iter().map(|c| c.lon).sum::<f64>() / communes.len() as f64).round()
        };
        let proj = Proj { lon0 };
        let towns: Vec<Town> = communes.iter().map(|c| town(c, &proj, seed)).collect();
        let points: Vec<P> = towns.iter().map(|t| t.at).collect();
        let all: Vec<u32> = (0..towns.len() as u32).collect();
        let group: Vec<Option<usize>> = towns.iter().map(|t| t.island).collect();
        // The mainland, then each island: no road joins two of them.
        let mut parts: std::collections::BTreeMap<Option<usize>, Vec<u32>> = Default::default();
        for &t in &all {
            parts.entry(group[t as usize]).or_default().push(t);
        }
        let mut pairs: BTreeSet<(u32, u32)> = BTreeSet::new();
        for subset in parts.values() {
            let nn = nearest_distance(&points, subset);
            pairs.extend(
                gabriel(&points, subset, NEIGHBOURS)
                    .into_iter()
                    .filter(|&(a, b)| {
                        let d = points[a as usize].dist(points[b as usize]);
                        // Long pairs only where both towns are far from any other (a sparse
                        // area), not from a lone island to the nearest coast.
                        d <= 12_000.0_f64.max(2.5 * nn[a as usize].min(nn[b as usize]))
                    }),
            );
        }
        let ferries = ferries(communes, &towns);
        let crossings: Vec<(u32, u32)> = ferries.iter().map(|f| (f.port, f.landing)).collect();
        let components = join_components(&points, &group, &crossings, &mut pairs);

        let mut links: Vec<Link> = pairs
            .iter()
            .map(|&(a, b)| {
                let (pa, pb) = (towns[a as usize].population, towns[b as usize].population);
                Link {
                    a,
                    b,
                    class: if pa + pb >= 400.0 {
                        Class::Tertiary
                    } else {
                        Class::Unclassified
                    },
                    length_m: points[a as usize].dist(points[b as usize]),
                }
            })
            .collect();
        let (incident_start, incident) = adjacency(towns.len(), &links);
        let mut search = Search::new(towns.len());
        for (class, min_pop, max_len) in TIERS {
            let big: Vec<u32> = all
                .iter()
                .copied()
                .filter(|&t| towns[t as usize].population >= min_pop)
                .collect();
            for (u, v) in gabriel(&points, &big, 6) {
                let d = points[u as usize].dist(points[v as usize]);
                if d > max_len {
                    continue;
                }
                let Some((path, len)) =
                    search.route(&points, &links, &incident_start, &incident, u, v, class)
                else {
                    continue;
                };
                if len > 1.5 * d + 2_000.0 {
                    continue;
                }
                for l in path {
                    let link = &mut links[l as usize];
                    link.class = link.class.max(class);
                }
            }
        }
        Plan {
            seed,
            proj,
            towns,
            links,
            incident_start,
            incident,
            ferries,
            components,
        }
    }

    /// The links of town `t`.
    pub fn links_of(&self, t: usize) -> &[u32] {
        &self.incident[self.incident_start[t] as usize..self.incident_start[t + 1] as usize]
    }
}

/// One ferry per island with a selected commune and a selected port commune.
fn ferries(communes: &[Commune], towns: &[Town]) -> Vec<Ferry> {
    let index = |code: &str| {
        towns
            .binary_search_by(|t| t.code.as_str().cmp(code))
            .ok()
            .map(|i| i as u32)
    };
    ISLANDS
        .iter()
        .filter_map(|island| {
            let port = index(island.port)?;
            let landing = island.communes.iter().find_map(|(c, _)| index(c))?;
            Some(Ferry {
                port,
                landing,
                island,
                name: format!("{} – {}", communes[port as usize].name, island.name),
            })
        })
        .collect()
}

fn town(c: &Commune, proj: &Proj, seed: u64) -> Town {
    let key = hash(&[seed, hash_str(&c.code)]);
    let area = c.area_km2.unwrap_or(DEFAULT_AREA_KM2);
    let commune_r_m = (area * 1e6 / PI).sqrt();
    let pop = c.population.max(0.0);
    // The built-up area grows with the population, within the commune.
    let radius_m = (120.0 + 8.0 * pop.sqrt()).min(0.6 * commune_r_m).max(120.0);
    let block_m = if pop < 1_000.0 {
        110.0
    } else if pop < 10_000.0 {
        100.0
    } else if pop < 100_000.0 {
        90.0
    } else {
        80.0
    };
    let m2 = (((radius_m / block_m).powi(2)).floor() as i64).max(2);
    Town {
        code: c.code.clone(),
        population: pop,
        at: proj.xy(c.lon, c.lat),
        commune_r_m,
        radius_m,
        block_m,
        angle: unit(hash(&[key, 1])) * PI / 2.0,
        m2,
        key,
        island: island_of(&c.code),
    }
}

type Tree = RTree<GeomWithData<[f64; 2], u32>>;

fn tree_of(points: &[P], subset: &[u32]) -> Tree {
    RTree::bulk_load(
        subset
            .iter()
            .map(|&i| GeomWithData::new([points[i as usize].x, points[i as usize].y], i))
            .collect(),
    )
}

/// Distance from each point of `subset` to its nearest other point of `subset` (infinite when
/// alone, or not in `subset`), indexed by point.
fn nearest_distance(points: &[P], subset: &[u32]) -> Vec<f64> {
    let tree = tree_of(points, subset);
    let mut out = vec![f64::INFINITY; points.len()];
    for &i in subset {
        let p = points[i as usize];
        out[i as usize] = tree
            .nearest_neighbor_iter(&[p.x, p.y])
            .find(|g| g.data != i)
            .map_or(f64::INFINITY, |g| points[g.data as usize].dist(p));
    }
    out
}

/// Gabriel edges among `subset`, looking at the `k` nearest neighbours of each point; pairs
/// (a, b) with a < b, sorted.
fn gabriel(points: &[P], subset: &[u32], k: usize) -> Vec<(u32, u32)> {
    if subset.len() < 2 {
        return Vec::new();
    }
    let tree = tree_of(points, subset);
    let mut out = BTreeSet::new();
    for &i in subset {
        let p = points[i as usize];
        for g in tree
            .nearest_neighbor_iter(&[p.x, p.y])
            .filter(|g| g.data != i)
            .take(k)
        {
            let j = g.data;
            let q = points[j as usize];
            let mid = (p + q) * 0.5;
            let r2 = (p.dist(q) / 2.0).powi(2) * (1.0 - 1e-9);
            let blocked = tree
                .locate_within_distance([mid.x, mid.y], r2)
                .any(|o| o.data != i && o.data != j);
            if !blocked && p != q {
                out.insert((i.min(j), i.max(j)));
            }
        }
    }
    out.into_iter().collect()
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// Adds the shortest link from each smaller part of the network to another part of the same
/// `group` (the mainland, or one island), smallest parts first, while one is shorter than
/// [`MAX_LINK_M`]. The `crossings` (ferries) join parts without a link. Returns the number of
/// parts left.
fn join_components(
    points: &[P],
    group: &[Option<usize>],
    crossings: &[(u32, u32)],
    pairs: &mut BTreeSet<(u32, u32)>,
) -> usize {
    let n = points.len();
    if n == 0 {
        return 0;
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for &(a, b) in pairs.iter().chain(crossings) {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    let all: Vec<u32> = (0..n as u32).collect();
    let tree = tree_of(points, &all);
    let mut given_up: BTreeSet<u32> = BTreeSet::new();
    loop {
        // Parts by size (then root), smallest first.
        let root_of: Vec<u32> = (0..n as u32).map(|i| find(&mut parent, i)).collect();
        let mut members: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        for (i, &r) in root_of.iter().enumerate() {
            members.entry(r).or_default().push(i as u32);
        }
        if members.len() == 1 {
            return 1;
        }
        let mut parts: Vec<(usize, u32)> = members.iter().map(|(r, m)| (m.len(), *r)).collect();
        parts.sort_unstable();
        let largest = parts.last().map(|p| p.1);
        let Some(&(_, root)) = parts
            .iter()
            .find(|(_, r)| Some(*r) != largest && !given_up.contains(r))
        else {
            return members.len();
        };
        let mut best: Option<(f64, u32, u32)> = None;
        for &i in &members[&root] {
            let p = points[i as usize];
            let near = tree.nearest_neighbor_iter(&[p.x, p.y]).find(|g| {
                let j = g.data as usize;
                root_of[j] != root && group[j] == group[i as usize]
            });
            if let Some(g) = near {
                let d = points[g.data as usize].dist(p);
                if best.is_none_or(|(bd, _, _)| d < bd) {
                    best = Some((d, i, g.data));
                }
            }
        }
        match best {
            Some((d, i, j)) if d <= MAX_LINK_M => {
                pairs.insert((i.min(j), i.max(j)));
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                parent[ri.max(rj) as usize] = ri.min(rj);
            }
            _ => {
                given_up.insert(root);
            }
        }
    }
}

fn adjacency(n: usize, links: &[Link]) -> (Vec<u32>, Vec<u32>) {
    let mut deg = vec![0u32; n + 1];
    for l in links {
        deg[l.a as usize + 1] += 1;
        deg[l.b as usize + 1] += 1;
    }
    for i in 0..n {
        deg[i + 1] += deg[i];
    }
    let start = deg.clone();
    let mut fill = deg;
    let mut incident = vec![0u32; 2 * links.len()];
    for (e, l) in links.iter().enumerate() {
        for t in [l.a, l.b] {
            incident[fill[t as usize] as usize] = e as u32;
            fill[t as usize] += 1;
        }
    }
    (start, incident)
}

#[derive(PartialEq)]
struct Item(f64, u32);

impl Eq for Item {}

impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        // A min-heap on cost, ties by node id: deterministic.
        o.0.total_cmp(&self.0).then_with(|| o.1.cmp(&self.1))
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// A* over the commune graph, with reusable arrays (O(1) reset by stamps).
struct Search {
    stamp: Vec<u32>,
    round: u32,
    cost: Vec<f64>,
    via: Vec<u32>,
    heap: BinaryHeap<Item>,
}

/// Links already of the class being laid cost this much less, so main roads share their way.
const SHARED_DISCOUNT: f64 = 0.85;

impl Search {
    fn new(n: usize) -> Search {
        Search {
            stamp: vec![0; n],
            round: 0,
            cost: vec![0.0; n],
            via: vec![u32::MAX; n],
            heap: BinaryHeap::new(),
        }
    }

    /// The links of the cheapest path from `from` to `to`, and its length in metres.
    #[allow(clippy::too_many_arguments)]
    fn route(
        &mut self,
        points: &[P],
        links: &[Link],
        start: &[u32],
        incident: &[u32],
        from: u32,
        to: u32,
        class: Class,
    ) -> Option<(Vec<u32>, f64)> {
        self.round += 1;
        self.heap.clear();
        let target = points[to as usize];
        let h = |v: u32| SHARED_DISCOUNT * points[v as usize].dist(target);
        self.stamp[from as usize] = self.round;
        self.cost[from as usize] = 0.0;
        self.via[from as usize] = u32::MAX;
        self.heap.push(Item(h(from), from));
        while let Some(Item(f, v)) = self.heap.pop() {
            let g = self.cost[v as usize];
            if f > g + h(v) + 1e-6 {
                continue;
            }
            if v == to {
                let mut path = Vec::new();
                let mut len = 0.0;
                let mut x = to;
                while self.via[x as usize] != u32::MAX {
                    let e = self.via[x as usize];
                    path.push(e);
                    len += links[e as usize].length_m;
                    let l = &links[e as usize];
                    x = if l.a == x { l.b } else { l.a };
                }
                return Some((path, len));
            }
            for &e in &incident[start[v as usize] as usize..start[v as usize + 1] as usize] {
                let l = &links[e as usize];
                let w = if l.a == v { l.b } else { l.a };
                let factor = if l.class >= class {
                    SHARED_DISCOUNT
                } else {
                    1.0
                };
                let c = g + l.length_m * factor;
                let seen = self.stamp[w as usize] == self.round;
                if !seen || c < self.cost[w as usize] {
                    self.stamp[w as usize] = self.round;
                    self.cost[w as usize] = c;
                    self.via[w as usize] = e;
                    self.heap.push(Item(c + h(w), w));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commune(code: &str, pop: f64, lon: f64, lat: f64) -> Commune {
        Commune {
            code: code.into(),
            name: code.into(),
            dep: "00".into(),
            population: pop,
            lon,
            lat,
            area_km2: Some(20.0),
        }
    }

    #[test]
    fn an_island_gets_a_ferry_not_a_road() {
        // Quiberon, Belle-Île's four communes and a town beside Quiberon, with real positions.
        let communes = vec![
            commune("56009", 1000.0, -3.19, 47.32),
            commune("56114", 900.0, -3.10, 47.30),
            commune("56152", 2500.0, -3.157, 47.347),
            commune("56186", 4700.0, -3.119, 47.486),
            commune("56241", 900.0, -3.22, 47.35),
            commune("56034", 3000.0, -3.10, 47.55),
        ];
        let plan = Plan::new(&communes, 1);
        let island = |t: u32| plan.towns[t as usize].island.is_some();
        assert!(plan.links.iter().all(|l| island(l.a) == island(l.b)));
        assert!(plan.links.iter().any(|l| island(l.a) && island(l.b)));
        assert_eq!(plan.ferries.len(), 1);
        let f = &plan.ferries[0];
        assert_eq!(plan.towns[f.port as usize].code, "56186");
        assert_eq!(plan.towns[f.landing as usize].code, "56152");
        assert_eq!(f.name, "56186 – Belle-Île");
        assert_eq!(plan.components, 1);
        // Without its port, the island stays apart.
        let plan = Plan::new(&communes[..3], 1);
        assert!(plan.ferries.is_empty());
        assert!(plan.links.iter().all(|l| island(l.a) && island(l.b)));
        assert_eq!(plan.components, 1);
        let mut without_port = communes.clone();
        without_port.remove(3);
        let plan = Plan::new(&without_port, 1);
        assert!(plan.ferries.is_empty());
        assert_eq!(plan.components, 2);
    }

    #[test]
    fn projection_round_trips() {
        let p = Proj { lon0: 3.0 };
        for (lon, lat) in [(3.5, 44.5), (-4.7, 48.4), (9.5, 42.0), (55.5, -21.1)] {
            let (lo, la) = p.lon_lat(p.xy(lon, lat));
            assert!((lo - lon).abs() < 1e-9 && (la - lat).abs() < 1e-9);
        }
        // 0.01 degree of latitude is about 1,112 m.
        let d = p.xy(3.0, 44.0).dist(p.xy(3.0, 44.01));
        assert!((d - 1111.95).abs() < 1.0, "{d}");
    }

    #[test]
    fn a_grid_of_villages_is_one_connected_network_with_main_roads() {
        let mut communes = Vec::new();
        for i in 0..8 {
            for j in 0..8 {
                let pop = if (i, j) == (2, 2) || (i, j) == (6, 5) {
                    5000.0
                } else {
                    150.0
                };
                communes.push(commune(
                    &format!("99{:03}", i * 8 + j),
                    pop,
                    3.0 + 0.05 * i as f64 + 0.003 * j as f64,
                    44.0 + 0.04 * j as f64,
                ));
            }
        }
        let plan = Plan::new(&communes, 1);
        assert_eq!(plan.components, 1);
        assert!(plan.links.len() >= 64, "{}", plan.links.len());
        assert!(plan.links.iter().any(|l| l.class == Class::Primary));
        assert!(plan.links.iter().any(|l| l.class == Class::Unclassified));
        // Every town has a road.
        for t in 0..plan.towns.len() {
            assert!(!plan.links_of(t).is_empty());
        }
    }

    #[test]
    fn far_islands_stay_apart() {
        let communes = vec![
            commune("99001", 100.0, 3.0, 44.0),
            commune("99002", 100.0, 3.05, 44.0),
            commune("99003", 100.0, 5.0, 44.0),
        ];
        let plan = Plan::new(&communes, 1);
        assert_eq!(plan.components, 2);
        assert_eq!(plan.links.len(), 1);
    }
}
