//! Coordinates and distances.
//!
//! Positions are stored as OSM stores them: integer 1e-7 degrees ("decimicro"), which keeps every
//! OSM node exact in 8 bytes. Distances are great-circle (haversine) metres on a sphere of the
//! mean Earth radius, the convention the profile's edge times are defined with.

/// Mean Earth radius used for every length in zoneblanche (IUGG mean radius R1).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude on that sphere.
pub const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

const SCALE: f64 = 1e7;

/// A WGS84 position in 1e-7 degrees (the OSM PBF resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Coord {
    pub lon_e7: i32,
    pub lat_e7: i32,
}

impl Coord {
    /// Rounds a lon/lat in degrees to the nearest 1e-7 degree.
    pub fn from_deg(lon: f64, lat: f64) -> Self {
        Coord {
            lon_e7: (lon * SCALE).round() as i32,
            lat_e7: (lat * SCALE).round() as i32,
        }
    }
    pub fn lon(self) -> f64 {
        f64::from(self.lon_e7) / SCALE
    }
    pub fn lat(self) -> f64 {
        f64::from(self.lat_e7) / SCALE
    }
}

/// Great-circle distance in metres between two lon/lat points in degrees.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Haversine distance between two stored coordinates.
pub fn coord_dist_m(a: Coord, b: Coord) -> f64 {
    haversine_m(a.lon(), a.lat(), b.lon(), b.lat())
}

/// Whether a lon/lat pair is a usable WGS84 position.
pub fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_values() {
        // One degree of latitude on the mean sphere.
        let d = haversine_m(0.0, 0.0, 0.0, 1.0);
        assert!((d - M_PER_DEG).abs() < 1e-6, "{d}");
        // Paris (Notre-Dame) to Marseille (Vieux-Port), about 660.5 km on the sphere.
        let d = haversine_m(2.3499, 48.8530, 5.3698, 43.2965);
        assert!((d - 660_500.0).abs() < 2_000.0, "{d}");
        assert_eq!(haversine_m(7.4, 43.7, 7.4, 43.7), 0.0);
    }

    #[test]
    fn coord_round_trip_is_exact_to_1e7() {
        let c = Coord::from_deg(1.5213457, 42.5078123);
        assert_eq!(c.lon_e7, 15_213_457);
        assert_eq!(c.lat_e7, 425_078_123);
        assert!((c.lon() - 1.5213457).abs() < 1e-12);
    }

    #[test]
    fn lon_lat_validity() {
        assert!(valid_lon_lat(180.0, -90.0));
        assert!(!valid_lon_lat(180.1, 0.0));
        assert!(!valid_lon_lat(0.0, 90.5));
        assert!(!valid_lon_lat(f64::NAN, 0.0));
        assert!(!valid_lon_lat(0.0, f64::INFINITY));
    }
}
