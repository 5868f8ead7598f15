//! An R-tree of sites for nearest and within-radius queries by great-circle distance.
//!
//! Points are stored as 3D unit vectors: the straight-line (chord) distance between two unit
//! vectors grows strictly with their great-circle distance, so the R-tree's Euclidean order is
//! the haversine order everywhere (no lon/lat scaling that drifts between Dunkirk and Perpignan,
//! or between mainland France and the DROM).

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::sites::Site;

/// Mean Earth radius (IUGG R1) in metres, used by every distance in this crate.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS84 points (degrees), by the haversine formula.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

/// Chord length on the unit sphere for a great-circle distance in metres.
fn chord_of(distance_m: f64) -> f64 {
    let angle = (distance_m / EARTH_RADIUS_M).min(std::f64::consts::PI);
    2.0 * (angle / 2.0).sin()
}

/// A frozen R-tree over site positions. Query results are `(index into the slice given to
/// [`SiteIndex::new`], distance in metres)`, sorted by distance then index.
#[derive(Debug, Clone)]
pub struct SiteIndex {
    tree: RTree<GeomWithData<[f64; 3], usize>>,
    positions: Vec<(f64, f64)>,
}

impl SiteIndex {
    /// Indexes the sites' positions.
    pub fn new(sites: &[Site]) -> Self {
        let points: Vec<(f64, f64)> = sites.iter().map(|s| (s.lon, s.lat)).collect();
        Self::from_points(&points)
    }

    /// Indexes bare (lon, lat) positions, e.g. candidate sites in a what-if.
    pub fn from_points(points: &[(f64, f64)]) -> Self {
        let items = points
            .iter()
            .enumerate()
            .map(|(i, &(lon, lat))| GeomWithData::new(unit_vector(lon, lat), i))
            .collect();
        SiteIndex {
            tree: RTree::bulk_load(items),
            positions: points.to_vec(),
        }
    }

    /// Number of indexed sites.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True if no site is indexed.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    fn distance_to(&self, i: usize, lon: f64, lat: f64) -> f64 {
        let (slon, slat) = self.positions[i];
        haversine_m(lon, lat, slon, slat)
    }

    /// The `k` nearest sites (fewer if there are fewer sites). Sites tied with the k-th one are
    /// ranked by index, so the result does not depend on the tree's layout.
    pub fn nearest_k(&self, lon: f64, lat: f64, k: usize) -> Vec<(usize, f64)> {
        if k == 0 {
            return Vec::new();
        }
        let q = unit_vector(lon, lat);
        let mut out = Vec::with_capacity(k);
        let mut kth_d2 = f64::INFINITY;
        for (item, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
            if out.len() >= k && d2 > kth_d2 * (1.0 + 1e-9) + 1e-24 {
                break;
            }
            out.push(item.data);
            if out.len() == k {
                kth_d2 = d2;
            }
        }
        let mut out: Vec<(usize, f64)> = out
            .into_iter()
            .map(|i| (i, self.distance_to(i, lon, lat)))
            .collect();
        sort_by_distance(&mut out);
        out.truncate(k);
        out
    }

    /// Every site within `radius_m` metres (inclusive).
    pub fn within_radius(&self, lon: f64, lat: f64, radius_m: f64) -> Vec<(usize, f64)> {
        if radius_m.is_nan() || radius_m < 0.0 {
            return Vec::new();
        }
        let q = unit_vector(lon, lat);
        // A slightly larger chord, then the exact haversine test.
        let chord = chord_of(radius_m) * (1.0 + 1e-9) + 1e-12;
        let mut out: Vec<(usize, f64)> = self
            .tree
            .locate_within_distance(q, chord * chord)
            .map(|item| (item.data, self.distance_to(item.data, lon, lat)))
            .filter(|&(_, d)| d <= radius_m)
            .collect();
        sort_by_distance(&mut out);
        out
    }
}

fn sort_by_distance(v: &mut [(usize, f64)]) {
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn brute(points: &[(f64, f64)], lon: f64, lat: f64) -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = points
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| (i, haversine_m(lon, lat, a, b)))
            .collect();
        sort_by_distance(&mut v);
        v
    }

    #[test]
    fn haversine_known_distances() {
        // One degree of latitude on the mean sphere: R * pi / 180.
        let d = haversine_m(2.0, 45.0, 2.0, 46.0);
        assert!((d - EARTH_RADIUS_M.to_radians()).abs() < 1e-6, "{d}");
        // Paris (Notre-Dame) to Marseille (Vieux-Port) is about 661 km.
        let d = haversine_m(2.3499, 48.8530, 5.3698, 43.2951);
        assert!((655_000.0..668_000.0).contains(&d), "{d}");
        assert_eq!(haversine_m(3.0, 44.0, 3.0, 44.0), 0.0);
    }

    #[test]
    fn matches_brute_force_across_france() {
        // Seeded random sites and queries over mainland France and Corsica, plus La Réunion
        // (lon 55.5): the unit-vector tree must agree with a plain haversine scan.
        let mut rng = StdRng::seed_from_u64(20_240_611);
        let mut points: Vec<(f64, f64)> = (0..2_000)
            .map(|_| (rng.gen_range(-5.2..9.6), rng.gen_range(41.3..51.1)))
            .collect();
        points.extend((0..50).map(|_| (rng.gen_range(55.2..55.9), rng.gen_range(-21.4..-20.8))));
        // Exact duplicates to exercise tie-breaking by index.
        points.push(points[10]);
        points.push(points[10]);
        let index = SiteIndex::from_points(&points);
        assert_eq!(index.len(), points.len());
        let mut queries: Vec<(f64, f64)> = (0..300)
            .map(|_| (rng.gen_range(-5.5..10.0), rng.gen_range(41.0..51.5)))
            .collect();
        queries.push(points[10]);
        queries.push((55.45, -20.9));
        for &(lon, lat) in &queries {
            let expected = brute(&points, lon, lat);
            for k in [1, 3, 10] {
                let got = index.nearest_k(lon, lat, k);
                assert_eq!(got.len(), k);
                for (g, e) in got.iter().zip(&expected) {
                    assert_eq!(g.0, e.0, "k={k} at ({lon}, {lat})");
                    assert!((g.1 - e.1).abs() < 1e-6);
                }
            }
            for radius in [0.0, 5_000.0, 40_000.0, 150_000.0] {
                let got = index.within_radius(lon, lat, radius);
                let want: Vec<(usize, f64)> = expected
                    .iter()
                    .copied()
                    .filter(|&(_, d)| d <= radius)
                    .collect();
                assert_eq!(got.len(), want.len(), "r={radius} at ({lon}, {lat})");
                for (g, e) in got.iter().zip(&want) {
                    assert_eq!(g.0, e.0);
                }
            }
        }
        // The duplicate sites come back in index order at distance 0.
        let (lon, lat) = points[10];
        let got = index.nearest_k(lon, lat, 3);
        assert_eq!(
            got.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec![10, 2_050, 2_051]
        );
        assert!(got.iter().all(|x| x.1 == 0.0));
    }

    #[test]
    fn edge_cases() {
        let empty = SiteIndex::from_points(&[]);
        assert!(empty.is_empty());
        assert!(empty.nearest_k(2.0, 46.0, 3).is_empty());
        assert!(empty.within_radius(2.0, 46.0, 1e6).is_empty());
        let one = SiteIndex::from_points(&[(2.0, 46.0)]);
        assert_eq!(one.nearest_k(2.0, 47.0, 5).len(), 1);
        assert!(one.nearest_k(2.0, 47.0, 0).is_empty());
        assert!(one.within_radius(2.0, 46.0, -1.0).is_empty());
        // A radius larger than half the Earth's circumference returns everything.
        assert_eq!(one.within_radius(-178.0, -46.0, 1e9).len(), 1);
    }
}
