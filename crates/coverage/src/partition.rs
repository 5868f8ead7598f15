//! The study's demand units partitioned once: by commune, by the values of each grouping
//! column, and by 200 m EPSG:3035 cell. Every summary (the evaluation, each what-if, the secrecy
//! tables) walks these lists instead of re-grouping the units by their text keys.

use std::collections::BTreeMap;

use crate::Study;

/// One row of a partition: its key and its units, in unit order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: String,
    pub members: Vec<u32>,
}

/// A partition of the units into rows sorted by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub rows: Vec<Row>,
    /// Per unit: its row.
    pub row_of: Vec<u32>,
}

impl Partition {
    fn new(keys: impl Iterator<Item = String>) -> Partition {
        let mut by: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut n = 0;
        for (i, k) in keys.enumerate() {
            by.entry(k).or_default().push(i as u32);
            n = i + 1;
        }
        let mut row_of = vec![0u32; n];
        let rows: Vec<Row> = by
            .into_iter()
            .enumerate()
            .map(|(r, (key, members))| {
                for &i in &members {
                    row_of[i as usize] = r as u32;
                }
                Row { key, members }
            })
            .collect();
        Partition { rows, row_of }
    }
}

/// The units by commune, grouping value and cell.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitIndex {
    /// By commune code (`""` for units without one), sorted.
    pub communes: Partition,
    /// Per unit: its commune's row when it has a commune.
    pub commune_of: Vec<Option<u32>>,
    /// Per commune row: the commune in [`Study::communes`], when known.
    pub commune_info: Vec<Option<u32>>,
    /// By grouping column, then by value (`""` for units without one), sorted.
    pub groups: BTreeMap<String, Partition>,
    /// The distinct 200 m cells of the units' footprints, as `(easting / 200, northing / 200)`, sorted.
    pub cells: Vec<(i64, i64)>,
    /// Per unit: its representative cell (index into `cells`), where its weight is counted.
    pub cell_of: Vec<u32>,
    /// Per cell: the units whose representative cell it is, in unit order.
    pub cell_members: Vec<Vec<u32>>,
    /// Per cell: the units whose footprint holds it, in unit order.
    pub cell_cover: Vec<Vec<u32>>,
    /// Per unit: the cells of its footprint (indices into `cells`), sorted.
    pub unit_cells: Vec<Vec<u32>>,
    /// Per unit: its weight (the units' weights side by side, for the summaries' loops).
    pub weights: Vec<f64>,
}

impl UnitIndex {
    pub fn new(study: &Study) -> UnitIndex {
        let units = &study.units;
        let communes = Partition::new(units.iter().map(|u| u.commune.clone().unwrap_or_default()));
        let commune_of = units
            .iter()
            .zip(&communes.row_of)
            .map(|(u, &r)| u.commune.as_ref().map(|_| r))
            .collect();
        let commune_info = communes
            .rows
            .iter()
            .map(|r| {
                study
                    .communes
                    .binary_search_by(|c| c.code.as_str().cmp(r.key.as_str()))
                    .ok()
                    .map(|i| i as u32)
            })
            .collect();
        let groups = study
            .group_columns
            .iter()
            .map(|col| {
                let p = Partition::new(
                    units
                        .iter()
                        .map(|u| u.groups.get(col).cloned().unwrap_or_default()),
                );
                (col.clone(), p)
            })
            .collect();
        let footprint = |i: usize| -> Vec<(i64, i64)> {
            match study.footprints.get(i) {
                Some(f) if !f.is_empty() => f.clone(),
                _ => {
                    let c = study.unit_cell(i);
                    vec![(c.easting.div_euclid(200), c.northing.div_euclid(200))]
                }
            }
        };
        let feet: Vec<Vec<(i64, i64)>> = (0..units.len()).map(footprint).collect();
        let mut cells: Vec<(i64, i64)> = feet.iter().flatten().copied().collect();
        cells.sort_unstable();
        cells.dedup();
        let find = |k: &(i64, i64)| cells.binary_search(k).expect("a unit's own cell") as u32;
        let mut cell_members = vec![Vec::new(); cells.len()];
        let mut cell_cover = vec![Vec::new(); cells.len()];
        let mut unit_cells = Vec::with_capacity(units.len());
        let cell_of = (0..units.len())
            .map(|i| {
                let c = study.unit_cell(i);
                let rep = find(&(c.easting.div_euclid(200), c.northing.div_euclid(200)));
                cell_members[rep as usize].push(i as u32);
                let own: Vec<u32> = feet[i].iter().map(find).collect();
                for &c in &own {
                    cell_cover[c as usize].push(i as u32);
                }
                unit_cells.push(own);
                rep
            })
            .collect();
        UnitIndex {
            communes,
            commune_of,
            commune_info,
            groups,
            cells,
            cell_of,
            cell_members,
            cell_cover,
            unit_cells,
            weights: units.iter().map(|u| u.weight).collect(),
        }
    }
}
