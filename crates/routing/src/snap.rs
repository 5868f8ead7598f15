//! Snapping points onto the road network: an R-tree (rstar) of link segments.
//!
//! A point snaps to the nearest position ON a segment, not to the nearest node, and keeps the
//! snap distance in metres. A point farther than the limit from every road is unreachable, with
//! that reason; it is never moved silently.

use rstar::primitives::{GeomWithData, Line};
use rstar::{AABB, RTree};

use crate::geom::{M_PER_DEG, haversine_m};
use crate::graph::Graph;

/// Default snapping limit in metres.
pub const DEFAULT_MAX_SNAP_M: f64 = 1_000.0;

/// Where a point meets the road network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    pub link: u32,
    /// Metres along the link from its first vertex.
    pub offset_m: f64,
    /// Great-circle metres from the point to the snapped position.
    pub dist_m: f64,
    /// The snapped position.
    pub lon: f64,
    pub lat: f64,
}

/// Why a point did not snap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unsnapped {
    /// Distance to the nearest road, when there is any road at all.
    pub nearest_m: Option<f64>,
    pub max_m: f64,
}

impl std::fmt::Display for Unsnapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.nearest_m {
            Some(d) => write!(
                f,
                "nearest road is {d:.0} m away, beyond the {:.0} m snapping limit",
                self.max_m
            ),
            None => write!(f, "no road in the network"),
        }
    }
}

type Segment = GeomWithData<Line<[f64; 2]>, (u32, u32)>;

/// R-tree of the graph's link segments in a local equirectangular plane (degrees, longitude
/// scaled by the cosine of the network's mean latitude).
pub struct SnapIndex {
    tree: RTree<Segment>,
    cos_ref: f64,
}

impl SnapIndex {
    pub fn new(graph: &Graph) -> SnapIndex {
        let n = graph.num_vertices();
        let mean_lat = if n == 0 {
            0.0
        } else {
            graph.vertex_coord.iter().map(|c| c.lat()).sum::<f64>() / n as f64
        };
        let cos_ref = mean_lat.to_radians().cos();
        let mut segs = Vec::with_capacity(graph.num_shape_points());
        for l in 0..graph.num_links() as u32 {
            let shape = graph.link_shape(l);
            for (i, w) in shape.windows(2).enumerate() {
                let a = [w[0].lon() * cos_ref, w[0].lat()];
                let b = [w[1].lon() * cos_ref, w[1].lat()];
                segs.push(GeomWithData::new(Line::new(a, b), (l, i as u32)));
            }
        }
        SnapIndex {
            tree: RTree::bulk_load(segs),
            cos_ref,
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Snaps a WGS84 point to the nearest position on a link within `max_m` metres.
    /// Ties go to the lower link then segment number.
    pub fn snap(&self, graph: &Graph, lon: f64, lat: f64, max_m: f64) -> Result<Snap, Unsnapped> {
        let q = [lon * self.cos_ref, lat];
        let cos_q = lat.to_radians().cos();
        // The tree's metric underestimates or overestimates metres by at most this factor near
        // the query; 2% margin covers the equirectangular approximation itself.
        let ratio = (cos_q / self.cos_ref).min(1.0) * 0.98;
        // (distance, (link, segment), fraction along the segment, snapped lon, snapped lat)
        type Candidate = (f64, (u32, u32), f64, f64, f64);
        let mut best: Option<Candidate> = None;
        for (seg, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
            let lower_m = d2.sqrt() * M_PER_DEG * ratio;
            if let Some((bd, ..)) = best
                && lower_m > bd
            {
                break;
            }
            if best.is_none() && lower_m > max_m * 2.0 + 1_000.0 {
                // Far from everything: report the distance without scanning further.
                let (l, i) = seg.data;
                let (d, ..) = project(graph, l, i, lon, lat, cos_q);
                return Err(Unsnapped {
                    nearest_m: Some(d),
                    max_m,
                });
            }
            let (l, i) = seg.data;
            let (d, t, slon, slat) = project(graph, l, i, lon, lat, cos_q);
            let better = match best {
                None => true,
                Some((bd, bid, ..)) => d < bd || (d == bd && (l, i) < bid),
            };
            if better {
                best = Some((d, (l, i), t, slon, slat));
            }
        }
        let Some((d, (l, i), t, slon, slat)) = best else {
            return Err(Unsnapped {
                nearest_m: None,
                max_m,
            });
        };
        if d > max_m {
            return Err(Unsnapped {
                nearest_m: Some(d),
                max_m,
            });
        }
        let cum = graph.link_cum_m(l);
        let (c0, c1) = (f64::from(cum[i as usize]), f64::from(cum[i as usize + 1]));
        Ok(Snap {
            link: l,
            offset_m: c0 + t * (c1 - c0),
            dist_m: d,
            lon: slon,
            lat: slat,
        })
    }

    /// Segments whose bounding box meets a lon/lat box, as (link, segment) pairs.
    pub fn segments_in(
        &self,
        min_lon: f64,
        min_lat: f64,
        max_lon: f64,
        max_lat: f64,
    ) -> Vec<(u32, u32)> {
        let env = AABB::from_corners(
            [min_lon * self.cos_ref, min_lat],
            [max_lon * self.cos_ref, max_lat],
        );
        self.tree
            .locate_in_envelope_intersecting(&env)
            .map(|s| s.data)
            .collect()
    }
}

/// Projects a point on segment `i` of link `l` in a plane local to the point: returns the
/// great-circle distance, the fraction along the segment and the projected position.
fn project(graph: &Graph, l: u32, i: u32, lon: f64, lat: f64, cos_q: f64) -> (f64, f64, f64, f64) {
    let shape = graph.link_shape(l);
    let (a, b) = (shape[i as usize], shape[i as usize + 1]);
    let (ax, ay) = ((a.lon() - lon) * cos_q, a.lat() - lat);
    let (bx, by) = ((b.lon() - lon) * cos_q, b.lat() - lat);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let slon = a.lon() + t * (b.lon() - a.lon());
    let slat = a.lat() + t * (b.lat() - a.lat());
    (haversine_m(lon, lat, slon, slat), t, slon, slat)
}
