//! Where a demand unit is published: one rule for every document (`demand.geojson`,
//! `changed.geojson`, what-if answers, API layers).
//!
//! A unit that is a grid cell is published at its own position, the cell's centre. Any other
//! unit (a point, which may be an address; a piece of a commune spread on its roads; a safe
//! unit grouping several cells) is published at the centre of its 200 m EPSG:3035 cell — for a
//! safe unit, its representative cell. An input position never leaves zoneblanche.

use zb_coverage::Study;

/// The published positions of every unit of `study` ([`unit_position`]).
pub fn unit_positions(study: &Study) -> Vec<(f64, f64)> {
    (0..study.units.len())
        .map(|i| unit_position(study, i))
        .collect()
}

/// The published position (lon, lat) of unit `i` of `study`, before rounding.
pub fn unit_position(study: &Study, i: usize) -> (f64, f64) {
    let u = &study.units[i];
    match u.cell {
        Some(_) => (u.lon, u.lat),
        None => {
            let (e, n) = zb_places::unit_cell_3035(u).centre();
            zb_places::crs::laea3035_inverse(e, n)
        }
    }
}
