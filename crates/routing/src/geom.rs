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

/// OSRM's segment length: WGS84 "cheap ruler" metres, with coordinates at OSRM's 1e-6 degree
/// and the ruler of the 0.05° latitude band holding the two points' mean latitude
/// (osrm-backend `coordinate_calculation::greatCircleDistance`). The `car` profile's times use
/// it, so that a segment's duration is OSRM's to the rounding.
pub fn osrm_segment_m(a: Coord, b: Coord) -> f64 {
    const RE_KM: f64 = 6378.137;
    const FE: f64 = 1.0 / 298.257223563;
    const E2: f64 = FE * (2.0 - FE);
    let e6 = |v: i32| (f64::from(v) / 10.0).round() as i64;
    let (lat1, lat2) = (e6(a.lat_e7), e6(b.lat_e7));
    let mean = (lat1 + lat2) / 2;
    let bin = ((mean.abs() - 1).max(0) / 50_000) as f64;
    let ruler_lat = 50_000.0 * (bin + 0.5) / 1e6;
    let rad = std::f64::consts::PI / 180.0;
    let mul = rad * RE_KM * 1000.0;
    let coslat = (ruler_lat * rad).cos();
    let w2 = 1.0 / (1.0 - E2 * (1.0 - coslat * coslat));
    let w = w2.sqrt();
    let (kx, ky) = (mul * w * coslat, mul * w * w2 * (1.0 - E2));
    let dlon = (e6(a.lon_e7) - e6(b.lon_e7)) as f64 / 1e6;
    let dlon = dlon - 360.0 * (dlon / 360.0).round();
    let dx = dlon * kx;
    let dy = (lat1 - lat2) as f64 / 1e6 * ky;
    (dx * dx + dy * dy).sqrt()
}

/// Whether a lon/lat pair is a usable WGS84 position.
pub fn valid_lon_lat(lon: f64, lat: f64) -> bool {
    lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osrm_segment_length_is_close_to_haversine_and_symmetric() {
        // 1 km north-east in Andorra: the ellipsoid's ruler differs from the sphere by < 0.5 %.
        let a = Coord::from_deg(1.5218, 42.5063);
        let b = Coord::from_deg(1.5308, 42.5128);
        let (r, h) = (osrm_segment_m(a, b), coord_dist_m(a, b));
        assert!((r - h).abs() / h < 0.005, "{r} vs {h}");
        assert_eq!(osrm_segment_m(a, b), osrm_segment_m(b, a));
        assert_eq!(osrm_segment_m(a, a), 0.0);
        // A degree of latitude at 45°: 111,132 m on WGS84.
        let m = osrm_segment_m(Coord::from_deg(3.0, 44.5), Coord::from_deg(3.0, 45.5));
        assert!((m - 111_132.0).abs() < 60.0, "{m}");
    }

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
