//! Safe demand units ("atoms"): the population grouped once, before any computation, into sets
//! of 200 m EPSG:3035 cells whose weight is 0 or at least the secrecy minimum.
//!
//! Every count zoneblanche publishes is then a sum of whole atoms, so it is 0 or at least the
//! minimum, and so is any difference or sum of published counts: across thresholds, documents,
//! what-if scenarios and best-site gains alike. This is the "aggregate upward" option of
//! DOMAIN's secrecy section, done once at load (the design: `SECRECY.md` §5).
//!
//! **The construction.**
//! 1. Each raw unit (a point, an INSEE cell, a share of a commune on a road) goes to its 200 m
//!    cell, and the cells are keyed by commune and grouping values: atoms nest in communes and
//!    in every published grouping.
//! 2. A key whose total is small (strictly between 0 and the minimum) is merged into the
//!    nearest key (same grouping values first, then any), until none is small: its commune is
//!    then counted with that neighbour (a warning names it). This holds for published census
//!    totals too, so that no exemption is needed anywhere.
//! 3. Each key is split top-down on the nested grid anchored at the EPSG:3035 origin, in
//!    halves: a box of `2^a × 2^b` cells is cut in two across its longer side (across x when
//!    square) when both halves have a weight of 0 or at least the minimum, else across its
//!    other side on the same condition, else it stays whole. Boxes of one cell are atoms.
//!    (INSEE's extra grouping step for unsplittable squares is not used: it can narrow a small
//!    cell to a few values; a failed cut only says that one of two halves is small.)
//! 4. An atom is published at its *representative cell*: the cell of its footprint whose centre
//!    is nearest to the mean of the footprint's cell centres (ties: lowest row, then column). That
//!    depends only on which cells make the atom, never on how the weight is spread among them,
//!    and it is never an input position. The atom's travel times are those of that cell centre.
//!
//! The same input gives the same atoms, whatever the thread count, the sites or thresholds.

use std::collections::BTreeMap;

use crate::crs::{GridCell, grid3035_cell_of, laea3035_inverse};
use crate::population::DemandUnit;

/// The 200 m EPSG:3035 cell of a unit: its own when it is such a cell, else the one it lies in.
pub fn unit_cell_3035(u: &DemandUnit) -> GridCell {
    match u.cell {
        Some(c) if c.epsg == 3035 && c.res_m == 200 => c,
        _ => grid3035_cell_of(u.lon, u.lat),
    }
}

/// True for a weight that may not be published: strictly between 0 and `min`.
fn small(w: f64, min: f64) -> bool {
    w > 0.0 && w < min
}

/// A commune (or grouping) counted with a neighbour because its own total was small.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The commune code of the small key (`""` when none).
    pub commune: String,
    /// The commune it is counted with.
    pub into: String,
}

/// The atoms of a population.
#[derive(Debug, Clone, PartialEq)]
pub struct Atoms {
    /// One unit per atom, sorted by commune, grouping values and representative cell
    /// (easting, then northing): its
    /// weight is the sum of its raw units', its position the centre of its representative cell
    /// (`cell`), its id `<commune>-<cell id>`.
    pub units: Vec<DemandUnit>,
    /// Per atom: the cells of its footprint as `(easting / 200, northing / 200)`, sorted.
    pub footprints: Vec<Vec<(i64, i64)>>,
    /// Per raw unit: its atom.
    pub atom_of: Vec<u32>,
    /// Small keys counted with a neighbour.
    pub merged: Vec<Merged>,
    /// Atoms still small (only when the whole territory is under the minimum).
    pub small: usize,
}

impl Atoms {
    /// The number of atoms made of more than one cell.
    pub fn multi_cell(&self) -> usize {
        self.footprints.iter().filter(|f| f.len() > 1).count()
    }
}

type Key = (String, Vec<(String, String)>);

/// A cell as `(easting / 200, northing / 200)`.
type Cell = (i64, i64);

/// Cells with their weights.
type Weighted = Vec<(Cell, f64)>;

/// One key's cells: per cell, its weight and raw units.
type Cells = BTreeMap<(i64, i64), (f64, Vec<u32>)>;

/// Builds the atoms of `units` for the secrecy minimum `min`.
pub fn build_atoms(units: &[DemandUnit], min: f64) -> Atoms {
    let mut keys: BTreeMap<Key, Cells> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        let c = unit_cell_3035(u);
        let key = (
            u.commune.clone().unwrap_or_default(),
            u.groups
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        let e = keys
            .entry(key)
            .or_default()
            .entry((c.easting.div_euclid(200), c.northing.div_euclid(200)))
            .or_default();
        e.0 += u.weight;
        e.1.push(i as u32);
    }
    let mut keys: Vec<(Key, Cells)> = keys.into_iter().collect();
    let merged = merge_small_keys(&mut keys, min);
    let mut atoms: Vec<(Key, Vec<(i64, i64)>)> = Vec::new();
    for (key, cells) in &keys {
        let list: Vec<((i64, i64), f64)> = cells.iter().map(|(&c, &(w, _))| (c, w)).collect();
        let mut pieces: Vec<(Cell, Vec<Cell>)> = split(&list, 24, 24, min)
            .into_iter()
            .map(|p| (representative(&p), p))
            .collect();
        pieces.sort_unstable();
        atoms.extend(pieces.into_iter().map(|(_, p)| (key.clone(), p)));
    }
    let mut cell_atom: BTreeMap<(&Key, (i64, i64)), u32> = BTreeMap::new();
    let mut out_units = Vec::with_capacity(atoms.len());
    let mut footprints = Vec::with_capacity(atoms.len());
    let mut seen_ids: BTreeMap<String, u32> = BTreeMap::new();
    let mut small_atoms = 0;
    let by_key: BTreeMap<&Key, &Cells> = keys.iter().map(|(k, c)| (k, c)).collect();
    for (a, (key, cells)) in atoms.iter().enumerate() {
        let rep = representative(cells);
        let cell = GridCell {
            epsg: 3035,
            res_m: 200,
            easting: rep.0 * 200,
            northing: rep.1 * 200,
        };
        let (e, n) = cell.centre();
        let (lon, lat) = laea3035_inverse(e, n);
        let kc = by_key[key];
        let weight: f64 = cells.iter().map(|c| kc[c].0).sum();
        if small(weight, min) {
            small_atoms += 1;
        }
        let commune = (!key.0.is_empty()).then(|| key.0.clone());
        let mut id = match &commune {
            Some(c) => format!("{c}-{}", cell.id()),
            None => cell.id(),
        };
        let n_same = seen_ids.entry(id.clone()).or_insert(0);
        *n_same += 1;
        if *n_same > 1 {
            id = format!("{id}-{n_same}");
        }
        for &c in cells {
            cell_atom.insert((key, c), a as u32);
        }
        out_units.push(DemandUnit {
            id,
            lon,
            lat,
            weight,
            commune,
            cell: Some(cell),
            groups: key.1.iter().cloned().collect(),
        });
        footprints.push(cells.clone());
    }
    let mut atom_of = vec![0u32; units.len()];
    for (key, cells) in &keys {
        for (&c, (_, members)) in cells {
            let a = cell_atom[&(key, c)];
            for &m in members {
                atom_of[m as usize] = a;
            }
        }
    }
    Atoms {
        units: out_units,
        footprints,
        atom_of,
        merged,
        small: small_atoms,
    }
}

/// The total of a key's cells.
fn total(cells: &Cells) -> f64 {
    cells.values().map(|(w, _)| w).sum()
}

/// The mean of a key's cell centres, in cells.
fn centroid(cells: &Cells) -> (f64, f64) {
    let n = cells.len().max(1) as f64;
    let (x, y) = cells.keys().fold((0.0, 0.0), |(x, y), &(c, r)| {
        (x + c as f64 + 0.5, y + r as f64 + 0.5)
    });
    (x / n, y / n)
}

/// Merges every small key into its nearest key, the same grouping values first; returns what
/// was merged into what. Keys are left sorted; merged keys removed.
fn merge_small_keys(keys: &mut Vec<(Key, Cells)>, min: f64) -> Vec<Merged> {
    let mut merged = Vec::new();
    loop {
        // The smallest small key first (then by key): deterministic.
        let pick = keys
            .iter()
            .enumerate()
            .filter(|(_, (_, c))| small(total(c), min))
            .min_by(|a, b| {
                total(&a.1.1)
                    .total_cmp(&total(&b.1.1))
                    .then_with(|| a.1.0.cmp(&b.1.0))
            })
            .map(|(i, _)| i);
        let Some(i) = pick else { break };
        if keys.len() < 2 {
            break;
        }
        let (from_key, _) = &keys[i];
        let (cx, cy) = centroid(&keys[i].1);
        let dist = |c: &Cells| {
            let (x, y) = centroid(c);
            (x - cx).powi(2) + (y - cy).powi(2)
        };
        let target = keys
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .min_by(|a, b| {
                let differs = |k: &Key| k.1 != from_key.1;
                differs(&a.1.0)
                    .cmp(&differs(&b.1.0))
                    .then(dist(&a.1.1).total_cmp(&dist(&b.1.1)))
                    .then_with(|| a.1.0.cmp(&b.1.0))
            })
            .map(|(j, _)| j)
            .expect("at least two keys");
        let (from, cells) = keys.remove(i);
        let target = if target > i { target - 1 } else { target };
        merged.push(Merged {
            commune: from.0.clone(),
            into: keys[target].0.0.clone(),
        });
        let into = &mut keys[target].1;
        for (c, (w, m)) in cells {
            let e = into.entry(c).or_default();
            e.0 += w;
            e.1.extend(m);
        }
    }
    merged
}

/// Splits a piece (cells with weights) lying in one box of the nested grid, `2^lx` cells wide
/// and `2^ly` high, into atoms: in two halves across its longer side (across x when square)
/// when each half has a weight of 0 or at least `min`, else across its other side on the same
/// condition, recursively; else the piece is one atom. An empty half is no decision: the piece
/// goes on in the other one.
fn split(piece: &[(Cell, f64)], lx: u32, ly: u32, min: f64) -> Vec<Vec<Cell>> {
    if piece.len() == 1 || (lx == 0 && ly == 0) {
        let mut all: Vec<Cell> = piece.iter().map(|&(c, _)| c).collect();
        all.sort_unstable();
        return vec![all];
    }
    let axes: &[bool] = if lx >= ly {
        &[true, false]
    } else {
        &[false, true]
    };
    for &across_x in axes {
        let bits = if across_x { lx } else { ly };
        if bits == 0 {
            continue;
        }
        let high = |c: Cell| {
            let v = if across_x { c.0 } else { c.1 };
            (v >> (bits - 1)) & 1 == 1
        };
        let (hi, lo): (Weighted, Weighted) = piece.iter().partition(|&&(c, _)| high(c));
        let (nx, ny) = if across_x { (lx - 1, ly) } else { (lx, ly - 1) };
        if hi.is_empty() || lo.is_empty() {
            return split(piece, nx, ny, min);
        }
        let weight = |h: &[(Cell, f64)]| h.iter().map(|&(_, w)| w).sum::<f64>();
        if !small(weight(&lo), min) && !small(weight(&hi), min) {
            let mut out = split(&lo, nx, ny, min);
            out.extend(split(&hi, nx, ny, min));
            return out;
        }
    }
    let mut all: Vec<Cell> = piece.iter().map(|&(c, _)| c).collect();
    all.sort_unstable();
    vec![all]
}

/// The representative cell of a footprint: the one whose centre is nearest to the mean of the
/// centres (ties: lowest row, then lowest column).
fn representative(cells: &[(i64, i64)]) -> (i64, i64) {
    let n = cells.len() as f64;
    let (sx, sy) = cells
        .iter()
        .fold((0.0, 0.0), |(x, y), &(c, r)| (x + c as f64, y + r as f64));
    let (mx, my) = (sx / n, sy / n);
    *cells
        .iter()
        .min_by(|a, b| {
            let d = |c: &(i64, i64)| (c.0 as f64 - mx).powi(2) + (c.1 as f64 - my).powi(2);
            d(a).total_cmp(&d(b)).then((a.1, a.0).cmp(&(b.1, b.0)))
        })
        .expect("an atom has a cell")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, commune: &str, col: i64, row: i64, weight: f64) -> DemandUnit {
        let cell = GridCell {
            epsg: 3035,
            res_m: 200,
            easting: 3_800_000 + col * 200,
            northing: 2_300_000 + row * 200,
        };
        let (e, n) = cell.centre();
        let (lon, lat) = laea3035_inverse(e, n);
        DemandUnit {
            id: id.into(),
            lon,
            lat,
            weight,
            commune: Some(commune.into()),
            cell: Some(cell),
            groups: BTreeMap::new(),
        }
    }

    /// Every atom's weight is 0 or at least `min`; atoms partition the units; each lies in one
    /// commune.
    fn check(units: &[DemandUnit], atoms: &Atoms, min: f64) {
        assert_eq!(atoms.atom_of.len(), units.len());
        let mut w = vec![0.0; atoms.units.len()];
        for (i, u) in units.iter().enumerate() {
            w[atoms.atom_of[i] as usize] += u.weight;
        }
        for (a, au) in atoms.units.iter().enumerate() {
            assert!((w[a] - au.weight).abs() < 1e-9, "atom {a} weight");
            assert!(
                !small(au.weight, min),
                "atom {} has weight {}",
                au.id,
                au.weight
            );
            let fp = &atoms.footprints[a];
            assert!(fp.windows(2).all(|p| p[0] < p[1]));
            let rep = au.cell.expect("a cell");
            assert!(fp.contains(&(rep.easting / 200, rep.northing / 200)));
        }
    }

    #[test]
    fn dense_cells_stay_single_and_sparse_ones_group() {
        // Four big cells in one corner, and four cells of 3 in the opposite 800 m square.
        let mut units = Vec::new();
        for (c, r) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            units.push(unit(&format!("b{c}{r}"), "48001", c, r, 50.0));
        }
        for (c, r) in [(6, 6), (7, 6), (6, 7), (7, 7)] {
            units.push(unit(&format!("s{c}{r}"), "48001", c, r, 3.0));
        }
        let atoms = build_atoms(&units, 11.0);
        check(&units, &atoms, 11.0);
        let mut sizes: Vec<usize> = atoms.footprints.iter().map(Vec::len).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![1, 1, 1, 1, 4]);
        assert!(atoms.merged.is_empty());
    }

    #[test]
    fn a_small_commune_is_counted_with_its_nearest_neighbour() {
        let units = vec![
            unit("a", "48001", 0, 0, 40.0),
            unit("b", "48002", 1, 0, 4.0),
            unit("c", "48003", 30, 30, 40.0),
        ];
        let atoms = build_atoms(&units, 11.0);
        check(&units, &atoms, 11.0);
        assert_eq!(
            atoms.merged,
            vec![Merged {
                commune: "48002".into(),
                into: "48001".into()
            }]
        );
        assert_eq!(atoms.atom_of[0], atoms.atom_of[1]);
        assert_eq!(atoms.units.len(), 2);
        assert_eq!(atoms.small, 0);
    }

    #[test]
    fn random_territories_keep_every_atom_publishable() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for _ in 0..200 {
            let n = 1 + next() % 60;
            let units: Vec<DemandUnit> = (0..n)
                .map(|i| {
                    let commune = format!("4800{}", next() % 4);
                    let w = (next() % 30) as f64 * 0.7;
                    unit(
                        &i.to_string(),
                        &commune,
                        (next() % 40) as i64,
                        (next() % 40) as i64,
                        w,
                    )
                })
                .collect();
            let atoms = build_atoms(&units, 11.0);
            let total: f64 = units.iter().map(|u| u.weight).sum();
            if small(total, 11.0) {
                assert!(atoms.small <= 1);
                continue;
            }
            check(&units, &atoms, 11.0);
            // The same input gives the same atoms.
            assert_eq!(atoms, build_atoms(&units, 11.0));
        }
    }

    #[test]
    fn the_representative_cell_ignores_weights() {
        let cells = vec![(0, 0), (1, 0), (2, 0), (5, 5)];
        assert_eq!(representative(&cells), (2, 0));
        let a = vec![unit("x", "1", 0, 0, 1.0), unit("y", "1", 3, 0, 20.0)];
        let b = vec![unit("x", "1", 0, 0, 20.0), unit("y", "1", 3, 0, 1.0)];
        let (aa, ab) = (build_atoms(&a, 11.0), build_atoms(&b, 11.0));
        assert_eq!(aa.units, ab.units);
    }
}
