//! Coverage of family services for zoneblanche.
//!
//! Zones blanches (areas beyond a travel-time threshold) are computed on the
//! 200 m cells of the INSEE/EU EPSG:3035 grid; [`dissolve`] merges such cells
//! into polygons for reporting.

pub mod dissolve;
