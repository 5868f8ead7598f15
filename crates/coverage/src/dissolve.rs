//! Dissolve square grid cells into polygons.
//!
//! Zones blanches are computed on the 200 m cells of the INSEE/EU EPSG:3035
//! grid. For reporting, the selected cells are merged ("dissolved") into
//! polygons: cells sharing an edge belong to the same polygon
//! (4-connectivity), cells touching only at a corner are separate polygons.
//!
//! Coordinates are integer grid-corner coordinates: cell `(col, row)` covers
//! `[col, col + 1) x [row, row + 1)`; multiply by the resolution (and add the
//! grid origin, if any) to get projected metres. `col` is the x axis
//! (eastwards) and `row` the y axis (northwards), so "counter-clockwise" is
//! meant in the usual y-up frame of projected coordinates.
//!
//! # Output validity
//!
//! Every returned polygon is a valid OGC polygon and the polygons together
//! form a valid OGC multipolygon:
//!
//! - rings are closed, have only true corners (no repeated consecutive
//!   vertices, no collinear intermediate vertices) and are simple (a ring never
//!   visits the same point twice);
//! - the exterior ring is counter-clockwise, holes are clockwise and lie
//!   inside the exterior;
//! - rings of one polygon, and different polygons, may touch only at isolated
//!   vertices.
//!
//! At a "saddle" vertex (two filled cells touching diagonally, the two other
//! cells around the vertex empty) the boundary tracing turns so that the two
//! diagonal cells are kept together when they belong to the same polygon
//! (they are 4-connected elsewhere: the vertex then becomes a point where a
//! hole touches the exterior or another hole) and apart otherwise (two
//! polygons touching at a point). This is what makes every ring simple.
//!
//! # Algorithm
//!
//! The cells are sorted by `(row, col)` (packed into `u64` keys when the
//! coordinate spans allow; this is the only `O(n log n)` step) and
//! deduplicated; the 8 neighbours of every cell are found by merging adjacent
//! rows; components are labelled by a union-find over west and south
//! neighbours; the boundary rings are traced from each cell's boundary edges,
//! choosing the next edge from the 2x2 neighbourhood of the current vertex.
//! No hashing is involved.

/// A square cell of a regular grid, by integer column and row.
///
/// It covers `[col * res, (col + 1) * res) x [row * res, (row + 1) * res)` in
/// the grid's projected metres (relative to the grid origin). `row` grows
/// northwards (y axis), `col` eastwards (x axis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellIdx {
    /// Column (x), eastwards.
    pub col: i64,
    /// Row (y), northwards.
    pub row: i64,
}

impl CellIdx {
    /// The cell at column `col`, row `row`.
    pub const fn new(col: i64, row: i64) -> Self {
        Self { col, row }
    }
}

/// One polygon of the dissolved output: a 4-connected set of cells.
///
/// Vertices are grid-corner integer coordinates `(x, y) = (col, row)`;
/// multiply by the resolution to get metres.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DissolvedPolygon {
    /// Exterior ring, counter-clockwise (right-hand rule), closed
    /// (first == last). It starts at its lowest vertex (smallest `row`, then
    /// smallest `col`).
    pub exterior: Vec<(i64, i64)>,
    /// Holes, clockwise, closed, each starting at its lowest vertex (smallest
    /// `row`, then smallest `col`). Ordered by that vertex.
    pub holes: Vec<Vec<(i64, i64)>>,
    /// Indices into the input slice of the cells this polygon is made of,
    /// sorted ascending (duplicated input cells are all listed).
    pub cells: Vec<usize>,
}

/// "No such cell" in the neighbour table.
const NONE: u32 = u32::MAX;

// Directions, counter-clockwise from east. The 4 edge directions E, N, W, S
// are 0..4; in the 8-neighbour table direction `d` of the 4 is at `2 * d`.
const E8: usize = 0;
const NE8: usize = 1;
const N8: usize = 2;
const NW8: usize = 3;
const W8: usize = 4;
const SW8: usize = 5;
const S8: usize = 6;
const SE8: usize = 7;

/// Start corner of each side of a cell, as offsets from its `(col, row)`
/// corner. Side `s` is traversed in direction `s` (bottom eastwards, right
/// northwards, top westwards, left southwards: counter-clockwise around the
/// cell), so it ends at the start corner of side `s + 1`.
const CORNER: [(i64, i64); 4] = [(0, 0), (1, 0), (1, 1), (0, 1)];

/// Dissolves `cells` into polygons (4-connectivity).
///
/// Duplicate cells are treated as one cell (all their indices are listed in
/// [`DissolvedPolygon::cells`]). Polygons are sorted by their smallest cell
/// in `(row, col)` order; the output depends only on the set of cells, except
/// for the indices in `cells`. Runs in `O(n log n)` time and `O(n)` memory.
///
/// # Panics
///
/// If a cell has `col == i64::MAX` or `row == i64::MAX` (its far corner would
/// not be representable), or if there are `u32::MAX` or more input cells.
pub fn dissolve(cells: &[CellIdx]) -> Vec<DissolvedPolygon> {
    if cells.is_empty() {
        return Vec::new();
    }
    let grid = Grid::new(cells);
    let comp = grid.components();
    let ncomp = comp.iter().map(|&c| c as usize + 1).max().unwrap_or(0);

    let mut polygons: Vec<DissolvedPolygon> = (0..ncomp)
        .map(|_| DissolvedPolygon {
            exterior: Vec::new(),
            holes: Vec::new(),
            cells: Vec::new(),
        })
        .collect();

    // Input indices, ascending, per polygon.
    let mut counts = vec![0usize; ncomp];
    for &d in &grid.distinct_of_input {
        counts[comp[d as usize] as usize] += 1;
    }
    for (poly, &count) in polygons.iter_mut().zip(&counts) {
        poly.cells.reserve_exact(count);
    }
    for (i, &d) in grid.distinct_of_input.iter().enumerate() {
        polygons[comp[d as usize] as usize].cells.push(i);
    }

    // Rings. Scanning the cells in (row, col) order, the first boundary edge
    // met for a component is the bottom side of its lowest cell, which lies
    // on the exterior ring (nothing of the component is below it); every
    // other ring of the component is a hole.
    let mut visited = vec![0u8; grid.len()];
    let mut scratch = Vec::new();
    for cell in 0..grid.len() {
        for side in 0..4 {
            if visited[cell] & (1 << side) == 0 && grid.has_side(cell, side) {
                let ring = grid.trace(cell, side, &comp, &mut visited, &mut scratch);
                let poly = &mut polygons[comp[cell] as usize];
                if poly.exterior.is_empty() {
                    poly.exterior = ring;
                } else {
                    poly.holes.push(ring);
                }
            }
        }
    }
    for poly in &mut polygons {
        poly.holes.sort_unstable_by_key(|h| (h[0].1, h[0].0));
    }
    polygons
}

/// The distinct cells, sorted by `(row, col)`, with their neighbours.
struct Grid {
    /// Distinct cells as `(row, col)`, sorted.
    rc: Vec<(i64, i64)>,
    /// For every distinct cell, the index of its neighbour in each of the 8
    /// directions (`E8`..`SE8`), or `NONE`.
    nb: Vec<[u32; 8]>,
    /// For every input index, its distinct cell.
    distinct_of_input: Vec<u32>,
}

impl Grid {
    fn new(cells: &[CellIdx]) -> Self {
        let n = cells.len();
        assert!(
            n < NONE as usize,
            "dissolve: too many cells ({n}, the limit is {})",
            NONE - 1
        );
        let mut rc: Vec<(i64, i64)> = Vec::with_capacity(n);
        let mut distinct_of_input = vec![0u32; n];
        // Called in (row, col) order: deduplicates.
        let mut push = |row: i64, col: i64, i: u32| {
            if rc.last() != Some(&(row, col)) {
                rc.push((row, col));
            }
            distinct_of_input[i as usize] = (rc.len() - 1) as u32;
        };

        let (mut cmin, mut cmax, mut rmin, mut rmax) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
        for c in cells {
            assert!(
                c.col < i64::MAX && c.row < i64::MAX,
                "dissolve: cell {c:?} has a coordinate equal to i64::MAX"
            );
            (cmin, cmax) = (cmin.min(c.col), cmax.max(c.col));
            (rmin, rmax) = (rmin.min(c.row), rmax.max(c.row));
        }
        let bits = |span: u64| u64::BITS - span.leading_zeros();
        let col_bits = bits(cmax.abs_diff(cmin));
        let idx_bits = bits(n as u64 - 1);
        if bits(rmax.abs_diff(rmin)) + col_bits + idx_bits < u64::BITS {
            // Usual case (e.g. all of France on a 200 m grid): sort packed
            // `(row, col, index)` keys, twice as fast as sorting tuples.
            let (col_shift, idx_mask) = (idx_bits, (1u64 << idx_bits) - 1);
            let row_shift = col_bits + idx_bits;
            let mut keys: Vec<u64> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (c.row.abs_diff(rmin) << row_shift)
                        | (c.col.abs_diff(cmin) << col_shift)
                        | i as u64
                })
                .collect();
            keys.sort_unstable();
            let col_mask = (1u64 << col_bits) - 1;
            for k in keys {
                // `rmin + offset` and `cmin + offset` are in range: they are
                // input coordinates.
                let row = rmin.wrapping_add_unsigned(k >> row_shift);
                let col = cmin.wrapping_add_unsigned((k >> col_shift) & col_mask);
                push(row, col, (k & idx_mask) as u32);
            }
        } else {
            let mut keyed: Vec<(i64, i64, u32)> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| (c.row, c.col, i as u32))
                .collect();
            keyed.sort_unstable();
            for (row, col, i) in keyed {
                push(row, col, i);
            }
        }

        let m = rc.len();
        let mut nb = vec![[NONE; 8]; m];
        // Row runs: [start, end) ranges of equal row.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for k in 1..=m {
            if k == m || rc[k].0 != rc[start].0 {
                runs.push((start, k));
                start = k;
            }
        }
        for (r, &(s, e)) in runs.iter().enumerate() {
            // East / west neighbours within the row.
            for k in s..e.saturating_sub(1) {
                if rc[k + 1].1 == rc[k].1 + 1 {
                    nb[k][E8] = (k + 1) as u32;
                    nb[k + 1][W8] = k as u32;
                }
            }
            // Neighbours in the row just above, by merging both rows.
            let Some(&(us, ue)) = runs.get(r + 1) else {
                continue;
            };
            if rc[us].0 != rc[s].0 + 1 {
                continue;
            }
            let mut j = us;
            for k in s..e {
                let c = rc[k].1;
                while j < ue && rc[j].1 + 1 < c {
                    j += 1;
                }
                for u in j..ue.min(j + 3) {
                    let uc = rc[u].1;
                    let (up, down) = if uc + 1 == c {
                        (NW8, SE8)
                    } else if uc == c {
                        (N8, S8)
                    } else if uc == c + 1 {
                        (NE8, SW8)
                    } else {
                        break;
                    };
                    nb[k][up] = u as u32;
                    nb[u][down] = k as u32;
                }
            }
        }
        Self {
            rc,
            nb,
            distinct_of_input,
        }
    }

    fn len(&self) -> usize {
        self.rc.len()
    }

    /// 4-connected component label of every distinct cell, numbered in order
    /// of the components' smallest cell.
    fn components(&self) -> Vec<u32> {
        // Union-find in which a root is always the smallest cell of its set
        // (`parent[k] <= k`), so the root is the component's smallest cell.
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let grand = parent[parent[x as usize] as usize];
                parent[x as usize] = grand; // path halving
                x = grand;
            }
            x
        }
        let m = self.len();
        let mut parent: Vec<u32> = (0..m as u32).collect();
        for k in 0..m {
            // West and south neighbours come earlier in (row, col) order.
            for dir in [W8, S8] {
                let o = self.nb[k][dir];
                if o != NONE {
                    let (a, b) = (find(&mut parent, k as u32), find(&mut parent, o));
                    let (lo, hi) = (a.min(b), a.max(b));
                    parent[hi as usize] = lo;
                }
            }
        }
        // In increasing order every parent already points to its root, so
        // labels can be given at the roots, in order, and copied down.
        let mut comp = parent;
        let mut next = 0u32;
        for k in 0..m {
            let p = comp[k] as usize;
            if p == k {
                comp[k] = next;
                next += 1;
            } else {
                // `p < k` already holds the label of its root, k's root.
                comp[k] = comp[p];
            }
        }
        comp
    }

    /// Whether side `side` of `cell` is on the boundary (its outward
    /// neighbour, in direction `side - 1`, is absent).
    fn has_side(&self, cell: usize, side: usize) -> bool {
        self.nb[cell][2 * ((side + 3) % 4)] == NONE
    }

    /// Start vertex of side `side` of `cell`, as `(x, y)`.
    fn vertex(&self, cell: usize, side: usize) -> (i64, i64) {
        let (row, col) = self.rc[cell];
        let (dx, dy) = CORNER[side];
        (col + dx, row + dy)
    }

    /// Traces the ring through side `side0` of `cell0`, interior on the left,
    /// marking its edges in `visited`. Returns the closed ring of its corners,
    /// starting at its lowest vertex. `ring` is scratch space.
    fn trace(
        &self,
        cell0: usize,
        side0: usize,
        comp: &[u32],
        visited: &mut [u8],
        ring: &mut Vec<(i64, i64)>,
    ) -> Vec<(i64, i64)> {
        ring.clear();
        let (mut cell, mut d) = (cell0, side0);
        loop {
            visited[cell] |= 1 << d;
            // Around the end vertex of this edge, relative to the direction
            // of travel: behind-left is `cell`, behind-right is empty (this is
            // a boundary edge), `a` is ahead-left and `b` ahead-right.
            let right = (d + 3) % 4;
            let a = self.nb[cell][2 * d];
            let (next, nd) = if a != NONE {
                let b = self.nb[a as usize][2 * right];
                if b == NONE {
                    (a as usize, d) // straight on along `a`
                } else {
                    (b as usize, right) // concave corner: turn right along `b`
                }
            } else {
                let b = self.nb[cell][(2 * d + 7) % 8];
                if b != NONE && comp[b as usize] == comp[cell] {
                    // Saddle within one component: keep `cell` and `b`
                    // together (turn right), so the empty quadrants stay in
                    // separate rings.
                    (b as usize, right)
                } else {
                    (cell, (d + 1) % 4) // convex corner: turn left
                }
            };
            if nd != d {
                ring.push(self.vertex(next, nd));
            }
            (cell, d) = (next, nd);
            if (cell, d) == (cell0, side0) {
                break;
            }
        }
        // Start at the lowest vertex, then close.
        let lowest = ring
            .iter()
            .enumerate()
            .min_by_key(|&(_, &(x, y))| (y, x))
            .map_or(0, |(i, _)| i);
        let mut out = Vec::with_capacity(ring.len() + 1);
        out.extend_from_slice(&ring[lowest..]);
        out.extend_from_slice(&ring[..=lowest]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

    type Ring = Vec<(i64, i64)>;
    /// A unit edge between two lattice points, smaller point first.
    type UnitEdge = ((i64, i64), (i64, i64));

    fn cells_of(pairs: &[(i64, i64)]) -> Vec<CellIdx> {
        pairs.iter().map(|&(c, r)| CellIdx::new(c, r)).collect()
    }

    /// Cells of a `w x h` rectangle at the origin, minus `missing`.
    fn block_minus(w: i64, h: i64, missing: &[(i64, i64)]) -> Vec<CellIdx> {
        let mut v = Vec::new();
        for r in 0..h {
            for c in 0..w {
                if !missing.contains(&(c, r)) {
                    v.push(CellIdx::new(c, r));
                }
            }
        }
        v
    }

    fn square(c: i64, r: i64) -> Ring {
        vec![(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1), (c, r)]
    }

    // ---------------------------------------------------------------- oracle

    /// 4-connected components by a plain flood fill over a `BTreeSet`,
    /// sorted by their smallest cell in `(row, col)` order.
    fn oracle_components(set: &BTreeSet<(i64, i64)>) -> Vec<BTreeSet<(i64, i64)>> {
        let mut seen: HashSet<(i64, i64)> = HashSet::new();
        let mut comps = Vec::new();
        let mut by_row: Vec<(i64, i64)> = set.iter().map(|&(c, r)| (r, c)).collect();
        by_row.sort_unstable();
        for (r, c) in by_row {
            if !seen.insert((c, r)) {
                continue;
            }
            let mut comp = BTreeSet::new();
            let mut stack = vec![(c, r)];
            while let Some((x, y)) = stack.pop() {
                comp.insert((x, y));
                for n in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] {
                    if set.contains(&n) && seen.insert(n) {
                        stack.push(n);
                    }
                }
            }
            comps.push(comp);
        }
        comps
    }

    /// Twice the signed (shoelace) area of a closed ring.
    fn area2(ring: &Ring) -> i64 {
        ring.windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum()
    }

    /// Even-odd crossing test of the point `(px2 / 2, py2 / 2)` against a
    /// closed ring; `px2, py2` odd so the point is never on a vertex/edge.
    fn crossings(ring: &Ring, px2: i64, py2: i64) -> usize {
        ring.windows(2)
            .filter(|w| {
                let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                let (y1, y2) = (2 * y1, 2 * y2);
                if (y1 > py2) == (y2 > py2) {
                    return false;
                }
                // x of the crossing, doubled, as a fraction: the test rings
                // are axis-aligned, but stay general here.
                let (x1, x2) = (2 * x1, 2 * x2);
                let num = x1 * (y2 - y1) + (py2 - y1) * (x2 - x1);
                let den = y2 - y1;
                if den > 0 {
                    num > px2 * den
                } else {
                    num < px2 * den
                }
            })
            .count()
    }

    fn polygon_contains(p: &DissolvedPolygon, c: i64, r: i64) -> bool {
        let (px2, py2) = (2 * c + 1, 2 * r + 1);
        let n = crossings(&p.exterior, px2, py2)
            + p.holes
                .iter()
                .map(|h| crossings(h, px2, py2))
                .sum::<usize>();
        n % 2 == 1
    }

    /// Closed, only true corners (axis-aligned edges alternating horizontal
    /// and vertical, including around the closing vertex), and simple: the
    /// ring goes through every lattice point at most once. Returns its unit
    /// edges (undirected).
    fn check_ring(ring: &Ring) -> Vec<UnitEdge> {
        assert!(ring.len() >= 5, "too few vertices: {ring:?}");
        assert_eq!(ring.first(), ring.last(), "not closed: {ring:?}");
        let k = ring.len() - 1;
        let corners = &ring[..k];
        assert_eq!(k % 2, 0, "odd number of corners: {ring:?}");
        let mut horizontal = Vec::with_capacity(k);
        for i in 0..k {
            let (a, b) = (corners[i], corners[(i + 1) % k]);
            assert_ne!(a, b, "repeated consecutive vertex in {ring:?}");
            assert!(a.0 == b.0 || a.1 == b.1, "diagonal edge in {ring:?}");
            horizontal.push(a.1 == b.1);
        }
        for i in 0..k {
            assert_ne!(
                horizontal[i],
                horizontal[(i + 1) % k],
                "collinear vertex {:?} in {ring:?}",
                corners[(i + 1) % k]
            );
        }
        let mut points = HashSet::new();
        let mut edges = Vec::new();
        for i in 0..k {
            let (a, b) = (corners[i], corners[(i + 1) % k]);
            let (dx, dy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
            let mut p = a;
            while p != b {
                assert!(points.insert(p), "ring not simple at {p:?}: {ring:?}");
                let q = (p.0 + dx, p.1 + dy);
                edges.push((p.min(q), p.max(q)));
                p = q;
            }
        }
        edges
    }

    /// Checks `out = dissolve(cells)` against the oracle.
    fn check(cells: &[CellIdx], out: &[DissolvedPolygon]) {
        let set: BTreeSet<(i64, i64)> = cells.iter().map(|c| (c.col, c.row)).collect();
        let comps = oracle_components(&set);

        // (1) One polygon per 4-connected component, same cells, same order;
        // every input index listed exactly once, ascending.
        assert_eq!(out.len(), comps.len(), "number of polygons");
        let mut listed = vec![false; cells.len()];
        for (p, comp) in out.iter().zip(&comps) {
            assert!(p.cells.windows(2).all(|w| w[0] < w[1]), "cells not sorted");
            let mine: BTreeSet<(i64, i64)> = p
                .cells
                .iter()
                .map(|&i| {
                    assert!(!listed[i], "index {i} listed twice");
                    listed[i] = true;
                    (cells[i].col, cells[i].row)
                })
                .collect();
            assert_eq!(&mine, comp, "cells of a polygon");
        }
        assert!(listed.iter().all(|&l| l), "some input index not listed");

        let mut all_edges: HashMap<UnitEdge, usize> = HashMap::new();
        for (p, comp) in out.iter().zip(&comps) {
            // (4) Orientation and ring validity.
            assert!(area2(&p.exterior) > 0, "exterior not CCW: {p:?}");
            for e in check_ring(&p.exterior) {
                *all_edges.entry(e).or_default() += 1;
            }
            for h in &p.holes {
                assert!(area2(h) < 0, "hole not CW: {p:?}");
                for e in check_ring(h) {
                    *all_edges.entry(e).or_default() += 1;
                }
            }
            // (2) Area == number of distinct cells.
            let area2_total = area2(&p.exterior) + p.holes.iter().map(area2).sum::<i64>();
            assert_eq!(area2_total, 2 * comp.len() as i64, "area of {p:?}");
            // Rings start at their lowest vertex; holes ordered by it.
            for ring in std::iter::once(&p.exterior).chain(&p.holes) {
                let low = ring.iter().map(|&(x, y)| (y, x)).min().unwrap();
                assert_eq!((ring[0].1, ring[0].0), low, "ring start");
            }
            assert!(
                p.holes
                    .windows(2)
                    .all(|w| (w[0][0].1, w[0][0].0) < (w[1][0].1, w[1][0].0))
            );
        }

        // Rings (of one or of different polygons) share no edge: they touch
        // at points at most. And the boundary is exactly the set of cell
        // sides between a cell in the set and one outside.
        assert!(all_edges.values().all(|&n| n == 1), "rings share an edge");
        let mut expected_edges = HashSet::new();
        for &(c, r) in &set {
            for (n, e) in [
                ((c, r - 1), ((c, r), (c + 1, r))),
                ((c + 1, r), ((c + 1, r), (c + 1, r + 1))),
                ((c, r + 1), ((c, r + 1), (c + 1, r + 1))),
                ((c - 1, r), ((c, r), (c, r + 1))),
            ] {
                if !set.contains(&n) {
                    expected_edges.insert(e);
                }
            }
        }
        let got_edges: HashSet<_> = all_edges.keys().copied().collect();
        assert_eq!(got_edges, expected_edges, "boundary edges");

        // (3) Point in polygon at every cell centre of the bounding box and
        // a margin around it: inside exactly the polygon of its component.
        if let (Some(c0), Some(c1), Some(r0), Some(r1)) = (
            set.iter().map(|p| p.0).min(),
            set.iter().map(|p| p.0).max(),
            set.iter().map(|p| p.1).min(),
            set.iter().map(|p| p.1).max(),
        ) {
            for r in r0 - 2..=r1 + 2 {
                for c in c0 - 2..=c1 + 2 {
                    let inside: Vec<usize> = (0..out.len())
                        .filter(|&k| polygon_contains(&out[k], c, r))
                        .collect();
                    let expected: Vec<usize> = (0..comps.len())
                        .filter(|&k| comps[k].contains(&(c, r)))
                        .collect();
                    assert_eq!(inside, expected, "point in polygon at cell ({c}, {r})");
                }
            }
        }
    }

    /// Independent OGC validity check with `geo`.
    fn check_geo_valid(out: &[DissolvedPolygon]) {
        use geo::{Validation, coord};
        let ls = |ring: &Ring| {
            geo::LineString::new(
                ring.iter()
                    .map(|&(x, y)| coord! { x: x as f64, y: y as f64 })
                    .collect(),
            )
        };
        let polys: Vec<geo::Polygon<f64>> = out
            .iter()
            .map(|p| geo::Polygon::new(ls(&p.exterior), p.holes.iter().map(ls).collect()))
            .collect();
        for p in &polys {
            if let Err(e) = p.check_validation() {
                panic!("invalid polygon {p:?}: {e}");
            }
        }
        let mp = geo::MultiPolygon::new(polys);
        if let Err(e) = mp.check_validation() {
            panic!("invalid multipolygon: {e}");
        }
    }

    fn check_all(cells: &[CellIdx]) -> Vec<DissolvedPolygon> {
        let out = dissolve(cells);
        check(cells, &out);
        check_geo_valid(&out);
        out
    }

    // ------------------------------------------------------------ hand cases

    #[test]
    fn empty() {
        assert!(dissolve(&[]).is_empty());
    }

    #[test]
    fn one_cell() {
        let cells = cells_of(&[(5, -7)]);
        let out = check_all(&cells);
        assert_eq!(
            out,
            vec![DissolvedPolygon {
                exterior: square(5, -7),
                holes: vec![],
                cells: vec![0],
            }]
        );
    }

    #[test]
    fn l_shape() {
        let cells = cells_of(&[(0, 1), (0, 0), (1, 0)]);
        let out = check_all(&cells);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].exterior,
            vec![(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2), (0, 0)]
        );
        assert!(out[0].holes.is_empty());
        assert_eq!(out[0].cells, vec![0, 1, 2]);
    }

    #[test]
    fn ring_with_hole() {
        let cells = block_minus(3, 3, &[(1, 1)]);
        let out = check_all(&cells);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].exterior,
            vec![(0, 0), (3, 0), (3, 3), (0, 3), (0, 0)]
        );
        assert_eq!(
            out[0].holes,
            vec![vec![(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]]
        );
        assert_eq!(out[0].cells, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn corner_touch_is_two_polygons() {
        let cells = cells_of(&[(1, 1), (0, 0)]);
        let out = check_all(&cells);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].exterior, square(0, 0));
        assert_eq!(out[0].cells, vec![1]);
        assert_eq!(out[1].exterior, square(1, 1));
        assert_eq!(out[1].cells, vec![0]);
        // The other diagonal.
        let out = check_all(&cells_of(&[(1, 0), (0, 1)]));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].exterior, square(1, 0));
        assert_eq!(out[1].exterior, square(0, 1));
    }

    #[test]
    fn checkerboard() {
        let mut cells = Vec::new();
        for r in 0..6 {
            for c in 0..6 {
                if (r + c) % 2 == 0 {
                    cells.push(CellIdx::new(c, r));
                }
            }
        }
        let out = check_all(&cells);
        assert_eq!(out.len(), 18);
        for (p, c) in out.iter().zip(&cells) {
            assert_eq!(p.exterior, square(c.col, c.row));
            assert!(p.holes.is_empty());
        }
    }

    #[test]
    fn hole_touching_exterior_at_a_corner() {
        // 3x3 without the centre and the top-right corner: the hole touches
        // the exterior's notch at (2, 2); each ring goes through it once.
        let cells = block_minus(3, 3, &[(1, 1), (2, 2)]);
        let out = check_all(&cells);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].exterior,
            vec![(0, 0), (3, 0), (3, 2), (2, 2), (2, 3), (0, 3), (0, 0)]
        );
        assert_eq!(
            out[0].holes,
            vec![vec![(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]]
        );
        // Mirrored: the hole touches the notch at (1, 1).
        let out = check_all(&block_minus(3, 3, &[(1, 1), (0, 0)]));
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].exterior,
            vec![(1, 0), (3, 0), (3, 3), (0, 3), (0, 1), (1, 1), (1, 0)]
        );
        assert_eq!(
            out[0].holes,
            vec![vec![(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]]
        );
    }

    #[test]
    fn holes_touching_diagonally() {
        let cells = block_minus(4, 4, &[(1, 1), (2, 2)]);
        let out = check_all(&cells);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].exterior,
            vec![(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]
        );
        assert_eq!(
            out[0].holes,
            vec![
                vec![(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)],
                vec![(2, 2), (2, 3), (3, 3), (3, 2), (2, 2)],
            ]
        );
        // Other diagonal.
        let out = check_all(&block_minus(4, 4, &[(2, 1), (1, 2)]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].holes.len(), 2);
    }

    #[test]
    fn ring_inside_the_hole_of_a_ring() {
        let mut cells = Vec::new();
        for r in 0..7 {
            for c in 0..7 {
                let outer = r == 0 || r == 6 || c == 0 || c == 6;
                let inner = (2..5).contains(&r) && (2..5).contains(&c) && (r, c) != (3, 3);
                if outer || inner {
                    cells.push(CellIdx::new(c, r));
                }
            }
        }
        let out = check_all(&cells);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].exterior,
            vec![(0, 0), (7, 0), (7, 7), (0, 7), (0, 0)]
        );
        assert_eq!(
            out[0].holes,
            vec![vec![(1, 1), (1, 6), (6, 6), (6, 1), (1, 1)]]
        );
        assert_eq!(out[0].cells.len(), 24);
        assert_eq!(
            out[1].exterior,
            vec![(2, 2), (5, 2), (5, 5), (2, 5), (2, 2)]
        );
        assert_eq!(
            out[1].holes,
            vec![vec![(3, 3), (3, 4), (4, 4), (4, 3), (3, 3)]]
        );
        assert_eq!(out[1].cells.len(), 8);
    }

    #[test]
    fn island_touching_a_hole_at_a_corner() {
        // A 7x7 frame with an inward bump at (1, 1), and a one-cell island at
        // (2, 2) inside the hole touching the bump diagonally only.
        let mut cells = Vec::new();
        for r in 0..7 {
            for c in 0..7 {
                let frame = r == 0 || r == 6 || c == 0 || c == 6 || (c, r) == (1, 1);
                if frame || (c, r) == (2, 2) {
                    cells.push(CellIdx::new(c, r));
                }
            }
        }
        let out = check_all(&cells);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].holes,
            vec![vec![(2, 1), (2, 2), (1, 2), (1, 6), (6, 6), (6, 1), (2, 1)]]
        );
        assert_eq!(out[1].exterior, square(2, 2));
        assert!(out[1].holes.is_empty());
    }

    #[test]
    fn duplicates_are_one_cell() {
        let cells = cells_of(&[(0, 0), (1, 0), (0, 0), (1, 0), (0, 0)]);
        let out = check_all(&cells);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].exterior,
            vec![(0, 0), (2, 0), (2, 1), (0, 1), (0, 0)]
        );
        assert_eq!(out[0].cells, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn extreme_coordinates() {
        let (lo, hi) = (i64::MIN, i64::MAX - 1);
        let cells = cells_of(&[
            (hi, lo),
            (lo, lo),
            (lo, lo + 1),
            (hi, lo + 1),
            (lo + 1, hi),
            (hi, hi),
        ]);
        let out = dissolve(&cells);
        assert_eq!(out.len(), 4);
        assert_eq!(
            out[0].exterior,
            vec![
                (lo, lo),
                (lo + 1, lo),
                (lo + 1, lo + 2),
                (lo, lo + 2),
                (lo, lo)
            ]
        );
        assert_eq!(out[0].cells, vec![1, 2]);
        assert_eq!(
            out[1].exterior,
            vec![
                (hi, lo),
                (i64::MAX, lo),
                (i64::MAX, lo + 2),
                (hi, lo + 2),
                (hi, lo)
            ]
        );
        assert_eq!(out[1].cells, vec![0, 3]);
        assert_eq!(out[2].exterior, square(lo + 1, hi));
        assert_eq!(out[2].cells, vec![4]);
        assert_eq!(out[3].exterior, square(hi, hi));
        assert_eq!(out[3].exterior[2], (i64::MAX, i64::MAX));
        assert_eq!(out[3].cells, vec![5]);
    }

    /// Coordinate spans at the limit of the packed sort keys (63 bits in
    /// all) and just over it.
    #[test]
    fn wide_spans() {
        // 1 index bit + 41 col bits + 21 row bits: packed keys.
        let cells = cells_of(&[(1 << 40, -(1 << 20)), (0, 0), (1, 0), (-5, 0)]);
        let out = dissolve(&cells);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].exterior, square(1 << 40, -(1 << 20)));
        assert_eq!(out[0].cells, vec![0]);
        assert_eq!(out[1].exterior, square(-5, 0));
        assert_eq!(
            out[2].exterior,
            vec![(0, 0), (2, 0), (2, 1), (0, 1), (0, 0)]
        );
        assert_eq!(out[2].cells, vec![1, 2]);
        // One row, 1 index bit + 63 col bits: tuple sort.
        let (lo, hi) = (-(1 << 62), (1 << 62) - 1);
        let cells = cells_of(&[(hi, 3), (lo + 1, 3), (lo, 3)]);
        let out = dissolve(&cells);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].exterior,
            vec![(lo, 3), (lo + 2, 3), (lo + 2, 4), (lo, 4), (lo, 3)]
        );
        assert_eq!(out[0].cells, vec![1, 2]);
        assert_eq!(out[1].exterior, square(hi, 3));
    }

    #[test]
    #[should_panic(expected = "i64::MAX")]
    fn max_coordinate_panics() {
        dissolve(&cells_of(&[(0, i64::MAX)]));
    }

    // ---------------------------------------------------------- random sets

    fn random_cells(rng: &mut StdRng, w: i64, h: i64, density: f64) -> Vec<CellIdx> {
        let (ox, oy) = (rng.gen_range(-50..50), rng.gen_range(-50..50));
        let mut cells = Vec::new();
        for r in 0..h {
            for c in 0..w {
                if rng.gen_bool(density) {
                    cells.push(CellIdx::new(ox + c, oy + r));
                }
            }
        }
        // A few duplicates.
        let dups = rng.gen_range(0..=cells.len().min(5));
        for _ in 0..dups {
            let k = rng.gen_range(0..cells.len());
            cells.push(cells[k]);
        }
        cells.shuffle(rng);
        cells
    }

    /// The output with cell indices replaced by cell coordinates, which must
    /// not depend on the input order.
    fn canonical(
        cells: &[CellIdx],
        out: &[DissolvedPolygon],
    ) -> Vec<(Ring, Vec<Ring>, Vec<CellIdx>)> {
        out.iter()
            .map(|p| {
                let mut cs: Vec<CellIdx> = p.cells.iter().map(|&i| cells[i]).collect();
                cs.sort_unstable();
                (p.exterior.clone(), p.holes.clone(), cs)
            })
            .collect()
    }

    #[test]
    fn random_against_oracle() {
        let mut rng = StdRng::seed_from_u64(0x2b_c0de);
        let mut stats = BTreeMap::<&str, usize>::new();
        for &density in &[0.05, 0.2, 0.4, 0.5, 0.55, 0.6, 0.7, 0.85, 0.95] {
            for _ in 0..12 {
                let w = rng.gen_range(1..=40);
                let h = rng.gen_range(1..=40);
                let mut cells = random_cells(&mut rng, w, h, density);
                let out = dissolve(&cells);
                check(&cells, &out);
                if w * h <= 400 {
                    check_geo_valid(&out);
                    *stats.entry("geo-validated").or_default() += 1;
                }
                *stats.entry("cases").or_default() += 1;
                *stats.entry("polygons").or_default() += out.len();
                *stats.entry("holes").or_default() +=
                    out.iter().map(|p| p.holes.len()).sum::<usize>();

                // (5) Determinism under shuffling.
                let before = canonical(&cells, &out);
                cells.shuffle(&mut rng);
                let again = dissolve(&cells);
                assert_eq!(canonical(&cells, &again), before, "depends on input order");
            }
        }
        // The random sets do exercise holes and many polygons.
        assert!(stats["holes"] > 100, "{stats:?}");
        assert!(stats["polygons"] > 1000, "{stats:?}");
    }

    /// Saddle-rich sets: random unions of diagonal pairs on a small grid.
    #[test]
    fn random_saddles_against_oracle() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..300 {
            let n = rng.gen_range(1..=6);
            let mut cells = random_cells(&mut rng, n, n, 0.5);
            cells.retain(|c| (c.col + c.row) % 2 == 0 || rng.gen_bool(0.6));
            check_all(&cells);
        }
    }
}
