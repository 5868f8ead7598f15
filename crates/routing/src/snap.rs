//! Snapping points onto the road network: a packed grid of link segments.
//!
//! A point snaps to the nearest position ON a segment, not to the nearest node, and keeps the
//! snap distance in metres. A point farther than the limit from every road is unreachable, with
//! that reason; it is never moved silently.

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
    /// Distance to the nearest road, when there is any road at all: exact up to twice the limit
    /// plus 1 km (at least 3 km); beyond, the distance to a road met first, at most about √2
    /// times the nearest's.
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

/// A packed grid of the graph's link segments in a local equirectangular plane (degrees,
/// longitude scaled by the cosine of the network's mean latitude): each square cell lists the
/// segments whose bounding box meets it (CSR, 4 bytes a listing). Built in two passes over the
/// segments, in linear time and a few bytes per segment (an R-tree of France's 40 M segments
/// took 18 s and 2.9 GB).
pub struct SnapIndex {
    cos_ref: f64,
    /// Lower-left corner of the grid, plane degrees.
    x0: f64,
    y0: f64,
    /// Side of a cell, plane degrees.
    cell: f64,
    nx: usize,
    ny: usize,
    /// Cell `cx + cy * nx` lists `entries[cell_start[c]..cell_start[c + 1]]`.
    cell_start: Vec<u32>,
    /// Segment numbers: segment `i` of link `l` is `link_first[l] + i`.
    entries: Vec<u32>,
    /// Per link, its first segment's number (and the total at the end).
    link_first: Vec<u32>,
    /// The link of each segment.
    seg_link: Vec<u32>,
}

/// Beyond this (and twice the limit), an unsnapped point's distance to the roads is that of
/// the first road met, not searched further for a nearer one (at most √2 times farther).
const FAR_M: f64 = 3_000.0;

/// About this many segments per cell on average.
const SEGMENTS_PER_CELL: f64 = 2.0;
/// At most this many cells.
const MAX_CELLS: f64 = 64.0 * 1024.0 * 1024.0;

impl SnapIndex {
    pub fn new(graph: &Graph) -> SnapIndex {
        let n = graph.num_vertices();
        let mean_lat = if n == 0 {
            0.0
        } else {
            graph.vertex_coord.iter().map(|c| c.lat()).sum::<f64>() / n as f64
        };
        let cos_ref = mean_lat.to_radians().cos();
        let plane = |c: &crate::geom::Coord| (c.lon() * cos_ref, c.lat());
        let mut link_first = Vec::with_capacity(graph.num_links() + 1);
        let mut segments: u64 = 0;
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for l in 0..graph.num_links() as u32 {
            link_first.push(u32::try_from(segments).expect("fewer than 2^32 segments"));
            let shape = graph.link_shape(l);
            segments += shape.len().saturating_sub(1) as u64;
            for c in shape {
                let (x, y) = plane(c);
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
        link_first.push(u32::try_from(segments).expect("fewer than 2^32 segments"));
        if segments == 0 {
            return SnapIndex {
                cos_ref,
                x0: 0.0,
                y0: 0.0,
                cell: 1.0,
                nx: 0,
                ny: 0,
                cell_start: vec![0],
                entries: Vec::new(),
                link_first,
                seg_link: Vec::new(),
            };
        }
        // Square cells holding about SEGMENTS_PER_CELL segments each, at least ~1 m.
        let (w, h) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let mut cell = (w * h * SEGMENTS_PER_CELL / segments as f64)
            .sqrt()
            .max(1e-5);
        while (w / cell + 1.0) * (h / cell + 1.0) > MAX_CELLS {
            cell *= 1.5;
        }
        let nx = (w / cell) as usize + 1;
        let ny = (h / cell) as usize + 1;
        let cells_of = |a: (f64, f64), b: (f64, f64)| {
            let cx = |x: f64| (((x - x0) / cell) as usize).min(nx - 1);
            let cy = |y: f64| (((y - y0) / cell) as usize).min(ny - 1);
            (
                cx(a.0.min(b.0))..=cx(a.0.max(b.0)),
                cy(a.1.min(b.1))..=cy(a.1.max(b.1)),
            )
        };
        let for_each_segment = |f: &mut dyn FnMut(
            u32,
            std::ops::RangeInclusive<usize>,
            std::ops::RangeInclusive<usize>,
        )| {
            // Ferries carry cars but a trip never starts or ends on one (as OSRM's car.lua,
            // whose ferries are no start points): a home on the coast joins a road.
            for l in (0..graph.num_links() as u32).filter(|&l| !graph.link_is_ferry(l)) {
                let shape = graph.link_shape(l);
                for (i, w) in shape.windows(2).enumerate() {
                    let (xs, ys) = cells_of(plane(&w[0]), plane(&w[1]));
                    f(link_first[l as usize] + i as u32, xs, ys);
                }
            }
        };
        let mut cell_start = vec![0u32; nx * ny + 1];
        for_each_segment(&mut |_, xs, ys| {
            for cy in ys {
                for cx in xs.clone() {
                    cell_start[cx + cy * nx + 1] += 1;
                }
            }
        });
        let mut total: u64 = 0;
        for c in cell_start.iter_mut() {
            total += u64::from(*c);
            *c = u32::try_from(total).expect("fewer than 2^32 cell listings");
        }
        let mut fill = cell_start.clone();
        let mut entries = vec![0u32; total as usize];
        for_each_segment(&mut |seg, xs, ys| {
            for cy in ys {
                for cx in xs.clone() {
                    let c = cx + cy * nx;
                    entries[fill[c] as usize] = seg;
                    fill[c] += 1;
                }
            }
        });
        SnapIndex {
            cos_ref,
            x0,
            y0,
            cell,
            nx,
            ny,
            cell_start,
            entries,
            seg_link: (0..link_first.len().saturating_sub(1))
                .flat_map(|l| {
                    std::iter::repeat_n(l as u32, (link_first[l + 1] - link_first[l]) as usize)
                })
                .collect(),
            link_first,
        }
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.link_first.last().map_or(0, |&n| n as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (link, segment within the link) of segment number `s`.
    fn segment(&self, s: u32) -> (u32, u32) {
        let l = self.seg_link[s as usize] as usize;
        (l as u32, s - self.link_first[l])
    }

    fn cell_entries(&self, cx: usize, cy: usize) -> &[u32] {
        let c = cx + cy * self.nx;
        &self.entries[self.cell_start[c] as usize..self.cell_start[c + 1] as usize]
    }

    /// Snaps a WGS84 point to the nearest position on a link within `max_m` metres: on a link
    /// of a main part of the network when one is within the limit, else on the nearest link of
    /// a small part (an island's or a fragment's: never silently across the sea to the
    /// mainland, never to a dead fragment when a main road is near). Ties go to the lower link
    /// then segment number.
    pub fn snap(&self, graph: &Graph, lon: f64, lat: f64, max_m: f64) -> Result<Snap, Unsnapped> {
        if graph.stats().main_parts < graph.stats().parts
            && let Ok(s) = self.nearest(graph, lon, lat, max_m, true)
        {
            return Ok(s);
        }
        self.nearest(graph, lon, lat, max_m, false)
    }

    /// The nearest position within `max_m` on any link, or (`main_only`) on a main part's link.
    fn nearest(
        &self,
        graph: &Graph,
        lon: f64,
        lat: f64,
        max_m: f64,
        main_only: bool,
    ) -> Result<Snap, Unsnapped> {
        if self.is_empty() {
            return Err(Unsnapped {
                nearest_m: None,
                max_m,
            });
        }
        let (qx, qy) = (lon * self.cos_ref, lat);
        let cos_q = lat.to_radians().cos();
        // Plane degrees underestimate or overestimate metres by at most this factor near the
        // query; 2% margin covers the equirectangular approximation itself.
        let ratio = (cos_q / self.cos_ref).min(1.0) * 0.98;
        // The query's cell, possibly outside the grid.
        let cx = ((qx - self.x0) / self.cell).floor();
        let cy = ((qy - self.y0) / self.cell).floor();
        let (nx, ny) = (self.nx as f64, self.ny as f64);
        // Rings of cells around it, from the first one that meets the grid: once ring `r` is
        // read, every segment nearer than `r` cells (plane) has been seen.
        let gap = |c: f64, n: f64| {
            if c < 0.0 {
                -c
            } else if c >= n {
                c - n + 1.0
            } else {
                0.0
            }
        };
        let r0 = gap(cx, nx).max(gap(cy, ny)) as i64;
        let r_max = (cx.abs() + nx).max(cy.abs() + ny) as i64 + 1;
        let (cx, cy) = (cx as i64, cy as i64);
        // (distance, (link, segment), fraction along the segment, snapped lon, snapped lat)
        type Candidate = (f64, (u32, u32), f64, f64, f64);
        let mut best: Option<Candidate> = None;
        // Metres at least as short as the true ones, from plane degrees near the query.
        let lower_m = |plane: f64| plane * M_PER_DEG * ratio;
        let beaten = |best: &Option<Candidate>, lower: f64| best.is_some_and(|b| lower > b.0);
        let consider = |best: &mut Option<Candidate>, seg: u32| {
            let (l, i) = self.segment(seg);
            if main_only && !graph.link_in_main_part(l) {
                return;
            }
            // A cheap plane distance first: the exact one only for a segment that may win.
            let shape = graph.link_shape(l);
            let (a, b) = (shape[i as usize], shape[i as usize + 1]);
            let d_plane = point_segment(
                (qx, qy),
                (a.lon() * self.cos_ref, a.lat()),
                (b.lon() * self.cos_ref, b.lat()),
            );
            if beaten(best, lower_m(d_plane)) {
                return;
            }
            let (d, t, slon, slat) = project(graph, l, i, lon, lat, cos_q);
            let better = match *best {
                None => true,
                Some((bd, bid, ..)) => d < bd || (d == bd && (l, i) < bid),
            };
            if better {
                *best = Some((d, (l, i), t, slon, slat));
            }
        };
        // A cell's segments, unless the whole cell is farther than the best so far.
        let visit = |best: &mut Option<Candidate>, x: usize, y: usize| {
            let bx = self.x0 + x as f64 * self.cell;
            let by = self.y0 + y as f64 * self.cell;
            let dx = (bx - qx).max(qx - (bx + self.cell)).max(0.0);
            let dy = (by - qy).max(qy - (by + self.cell)).max(0.0);
            if beaten(best, lower_m(dx.hypot(dy))) {
                return;
            }
            for &seg in self.cell_entries(x, y) {
                consider(best, seg);
            }
        };
        for r in r0..=r_max {
            let row = |dy: i64| -> Option<usize> {
                let y = cy + dy;
                (0..self.ny as i64).contains(&y).then_some(y as usize)
            };
            let col = |dx: i64| -> Option<usize> {
                let x = cx + dx;
                (0..self.nx as i64).contains(&x).then_some(x as usize)
            };
            for dy in -r..=r {
                let Some(y) = row(dy) else { continue };
                if dy.abs() == r {
                    let lo = (cx - r).max(0);
                    let hi = (cx + r).min(self.nx as i64 - 1);
                    for x in lo..=hi {
                        visit(&mut best, x as usize, y);
                    }
                } else {
                    for dx in [-r, r] {
                        if let Some(x) = col(dx) {
                            visit(&mut best, x, y);
                        }
                    }
                }
            }
            // Unseen segments are at least `r` cells away: the best one is the nearest, or,
            // once beyond twice the limit, near enough to say how far the roads are (the disc
            // up to the nearest road far away would be a large part of the grid).
            let unseen_m = r as f64 * self.cell * M_PER_DEG * ratio;
            // A main road is wanted only within the limit.
            if main_only && unseen_m > max_m {
                break;
            }
            if let Some((bd, ..)) = best
                && (bd < unseen_m || unseen_m > FAR_M.max(max_m * 2.0 + 1_000.0))
            {
                break;
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
}

/// Distance from `q` to the segment `a`-`b`, in the plane.
fn point_segment(q: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((q.0 - a.0) * dx + (q.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (a.0 + t * dx - q.0).hypot(a.1 + t * dy - q.1)
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
