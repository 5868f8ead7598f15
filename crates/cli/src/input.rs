//! Reading the point CSV files of `times`: the same reader as every study input
//! ([`zb_places::read_point_rows`]: `,` or `;`, decimal commas, CRLF line numbers), with errors
//! naming the file, the line and the field.

use std::path::Path;

pub use zb_places::PointRow;

/// Reads `id,lon,lat` rows, and `weight` when `weighted` (default 1, a finite number >= 0).
/// Other columns are accepted and ignored. Ids must be unique; there must be at least one row.
pub fn read_points(
    path: &Path,
    what: &'static str,
    weighted: bool,
) -> anyhow::Result<Vec<PointRow>> {
    Ok(zb_places::read_point_rows(path, what, weighted)?)
}
