//! Coordinate reference systems: PROJ transformations to and from WGS84, and the INSEE /
//! EU 200 m grid in EPSG:3035.
//!
//! PROJ handles are neither `Send` nor `Sync`: a [`Transformer`] lives on one thread. Under rayon,
//! create one per worker (`map_init(|| Transformer::to_wgs84(epsg), ...)`), or convert a whole
//! batch on one thread with [`Transformer::convert_batch`] before going parallel.
//!
//! EPSG:3035 (LAEA Europe) is also implemented natively ([`laea3035_forward`],
//! [`laea3035_inverse`], EPSG Guidance Note 7-2 §3.2.1 formulas on GRS80): grid look-ups run once
//! per road piece or per map cell, must be callable from any thread, and are checked against
//! PROJ to the millimetre in the tests. WGS84 and ETRS89 are taken as equal, as PROJ does for
//! this pair without a grid (sub-metre difference, far below a 200 m cell).

use geo::{LineString, Polygon};
use proj::Proj;

use crate::error::{Error, Result};

/// EPSG code of WGS84 longitude/latitude (GeoJSON's CRS).
pub const WGS84: u32 = 4326;
/// EPSG code of the European LAEA grid used by INSEE's 200 m "carreaux".
pub const LAEA_EUROPE: u32 = 3035;

/// The name and the WKT (GDAL's WKT 1, as GeoPackage files hold it) of EPSG `epsg`, from
/// PROJ's database.
pub fn crs_definition(epsg: u32) -> Result<(String, String)> {
    let unknown = |reason: String| Error::UnknownCrs { epsg, reason };
    let p = Proj::new(&format!("EPSG:{epsg}")).map_err(|e| unknown(e.to_string()))?;
    let wkt = p
        .as_wkt(Some(proj::wkt::WktVersion::Wkt1_Gdal), None)
        .map_err(|e| unknown(e.to_string()))?;
    let name = p
        .proj_info()
        .description
        .unwrap_or_else(|| format!("EPSG:{epsg}"));
    Ok((name, wkt))
}

/// A PROJ transformation between two EPSG CRSs, axis order normalised to
/// (longitude, latitude) / (easting, northing).
pub struct Transformer {
    proj: Proj,
    from: u32,
    to: u32,
}

impl std::fmt::Debug for Transformer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transformer(EPSG:{} -> EPSG:{})", self.from, self.to)
    }
}

impl Transformer {
    /// A transformation from EPSG `from` to EPSG `to`. An EPSG code PROJ does not know gives
    /// [`Error::UnknownCrs`].
    pub fn new(from: u32, to: u32) -> Result<Self> {
        for epsg in [from, to] {
            // Checked one by one so that the error names the culprit.
            Proj::new(&format!("EPSG:{epsg}")).map_err(|e| Error::UnknownCrs {
                epsg,
                reason: e.to_string(),
            })?;
        }
        let proj = Proj::new_known_crs(&format!("EPSG:{from}"), &format!("EPSG:{to}"), None)
            .map_err(|e| Error::UnknownCrs {
                epsg: if from == WGS84 { to } else { from },
                reason: e.to_string(),
            })?;
        Ok(Transformer { proj, from, to })
    }

    /// From EPSG `epsg` to WGS84 longitude/latitude.
    pub fn to_wgs84(epsg: u32) -> Result<Self> {
        Self::new(epsg, WGS84)
    }

    /// From WGS84 longitude/latitude to EPSG `epsg`.
    pub fn from_wgs84(epsg: u32) -> Result<Self> {
        Self::new(WGS84, epsg)
    }

    /// Source EPSG code.
    pub fn from_epsg(&self) -> u32 {
        self.from
    }

    /// Target EPSG code.
    pub fn to_epsg(&self) -> u32 {
        self.to
    }

    /// Converts one point; a non-finite result is an error.
    pub fn convert(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        let fail = |reason: String| Error::Conversion {
            from: self.from,
            to: self.to,
            x,
            y,
            reason,
        };
        let (u, v) = self.proj.convert((x, y)).map_err(|e| fail(e.to_string()))?;
        if u.is_finite() && v.is_finite() {
            Ok((u, v))
        } else {
            Err(fail(
                "result is not finite (outside the CRS's area?)".into(),
            ))
        }
    }

    /// Converts points in place; the error names the first point that failed.
    pub fn convert_batch(&self, points: &mut [(f64, f64)]) -> Result<()> {
        let original = points.to_vec();
        if self.proj.convert_array(points).is_err()
            || points.iter().any(|(u, v)| !u.is_finite() || !v.is_finite())
        {
            // Leave the input as it was, and redo one by one to report which point is wrong.
            points.copy_from_slice(&original);
            for &(x, y) in &original {
                self.convert(x, y)?;
            }
            return Err(Error::Conversion {
                from: self.from,
                to: self.to,
                x: original[0].0,
                y: original[0].1,
                reason: "batch conversion failed".into(),
            });
        }
        Ok(())
    }
}

/// A square cell of an INSEE / EU statistical grid, identified by its lower-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GridCell {
    /// EPSG code of the grid's CRS (3035 in mainland France and Corsica).
    pub epsg: u32,
    /// Side of the cell in metres.
    pub res_m: u32,
    /// Easting of the lower-left corner, metres.
    pub easting: i64,
    /// Northing of the lower-left corner, metres.
    pub northing: i64,
}

impl GridCell {
    /// The INSEE id, e.g. `CRS3035RES200mN2029800E4252400`.
    pub fn id(&self) -> String {
        format!(
            "CRS{}RES{}mN{}E{}",
            self.epsg, self.res_m, self.northing, self.easting
        )
    }

    /// Parses an INSEE id (`CRS<epsg>RES<res>mN<northing>E<easting>`); `None` if malformed.
    pub fn parse(id: &str) -> Option<GridCell> {
        let rest = id.trim().strip_prefix("CRS")?;
        let (epsg, rest) = rest.split_once("RES")?;
        let (res, rest) = rest.split_once("mN")?;
        let (northing, easting) = rest.split_once('E')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(epsg) && digits(res) && digits(northing) && digits(easting)) {
            return None;
        }
        let res_m: u32 = res.parse().ok()?;
        if res_m == 0 {
            return None;
        }
        Some(GridCell {
            epsg: epsg.parse().ok()?,
            res_m,
            easting: easting.parse().ok()?,
            northing: northing.parse().ok()?,
        })
    }

    /// Centre of the cell in the grid's CRS.
    pub fn centre(&self) -> (f64, f64) {
        let half = f64::from(self.res_m) / 2.0;
        (self.easting as f64 + half, self.northing as f64 + half)
    }

    /// Corners in the grid's CRS, counter-clockwise from the lower-left one.
    pub fn corners(&self) -> [(f64, f64); 4] {
        let (x0, y0) = (self.easting as f64, self.northing as f64);
        let r = f64::from(self.res_m);
        [(x0, y0), (x0 + r, y0), (x0 + r, y0 + r), (x0, y0 + r)]
    }
}

impl std::fmt::Display for GridCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}

/// The 200 m EPSG:3035 cell (INSEE "carreau") containing a WGS84 point.
pub fn grid3035_cell_of(lon: f64, lat: f64) -> GridCell {
    grid3035_cell_of_res(lon, lat, 200)
}

/// The EPSG:3035 cell of side `res_m` metres containing a WGS84 point.
pub fn grid3035_cell_of_res(lon: f64, lat: f64, res_m: u32) -> GridCell {
    let (e, n) = laea3035_forward(lon, lat);
    let r = f64::from(res_m.max(1));
    GridCell {
        epsg: LAEA_EUROPE,
        res_m: res_m.max(1),
        easting: ((e / r).floor() * r) as i64,
        northing: ((n / r).floor() * r) as i64,
    }
}

/// The cell as a WGS84 polygon (corners converted, ring closed, counter-clockwise). EPSG:3035
/// cells are converted natively; other grids go through PROJ.
pub fn cell_polygon_wgs84(cell: &GridCell) -> Result<Polygon<f64>> {
    let mut ring: Vec<(f64, f64)> = cell.corners().to_vec();
    if cell.epsg == LAEA_EUROPE {
        for p in &mut ring {
            *p = laea3035_inverse(p.0, p.1);
        }
    } else {
        Transformer::to_wgs84(cell.epsg)?.convert_batch(&mut ring)?;
    }
    ring.push(ring[0]);
    Ok(Polygon::new(LineString::from(ring), vec![]))
}

// GRS80 and the EPSG:3035 projection parameters.
const A: f64 = 6_378_137.0;
const INV_F: f64 = 298.257_222_101;
const LAT0_DEG: f64 = 52.0;
const LON0_DEG: f64 = 10.0;
const FALSE_EASTING: f64 = 4_321_000.0;
const FALSE_NORTHING: f64 = 3_210_000.0;

struct Laea {
    e: f64,
    e2: f64,
    qp: f64,
    rq: f64,
    d: f64,
    sin_b0: f64,
    cos_b0: f64,
}

impl Laea {
    fn q(&self, sin_phi: f64) -> f64 {
        let (e, e2) = (self.e, self.e2);
        let es = e * sin_phi;
        (1.0 - e2) * (sin_phi / (1.0 - es * es) - ((1.0 - es) / (1.0 + es)).ln() / (2.0 * e))
    }

    fn get() -> &'static Laea {
        static LAEA: std::sync::OnceLock<Laea> = std::sync::OnceLock::new();
        LAEA.get_or_init(|| {
            let f = 1.0 / INV_F;
            let e2 = f * (2.0 - f);
            let e = e2.sqrt();
            let mut l = Laea {
                e,
                e2,
                qp: 0.0,
                rq: 0.0,
                d: 0.0,
                sin_b0: 0.0,
                cos_b0: 0.0,
            };
            l.qp = l.q(1.0);
            let phi0 = LAT0_DEG.to_radians();
            let q0 = l.q(phi0.sin());
            let b0 = (q0 / l.qp).asin();
            l.rq = A * (l.qp / 2.0).sqrt();
            l.d = A * (phi0.cos() / (1.0 - e2 * phi0.sin().powi(2)).sqrt()) / (l.rq * b0.cos());
            l.sin_b0 = b0.sin();
            l.cos_b0 = b0.cos();
            l
        })
    }
}

/// WGS84 (lon, lat) in degrees to EPSG:3035 (easting, northing) in metres.
pub fn laea3035_forward(lon: f64, lat: f64) -> (f64, f64) {
    let l = Laea::get();
    let q = l.q(lat.to_radians().sin());
    let beta = (q / l.qp).clamp(-1.0, 1.0).asin();
    let (sin_b, cos_b) = beta.sin_cos();
    let dlon = (lon - LON0_DEG).to_radians();
    let (sin_dl, cos_dl) = dlon.sin_cos();
    let b = l.rq * (2.0 / (1.0 + l.sin_b0 * sin_b + l.cos_b0 * cos_b * cos_dl)).sqrt();
    let e = FALSE_EASTING + b * l.d * cos_b * sin_dl;
    let n = FALSE_NORTHING + (b / l.d) * (l.cos_b0 * sin_b - l.sin_b0 * cos_b * cos_dl);
    (e, n)
}

/// EPSG:3035 (easting, northing) in metres to WGS84 (lon, lat) in degrees.
pub fn laea3035_inverse(easting: f64, northing: f64) -> (f64, f64) {
    let l = Laea::get();
    let x = (easting - FALSE_EASTING) / l.d;
    let y = (northing - FALSE_NORTHING) * l.d;
    let rho = x.hypot(y);
    if rho < 1e-9 {
        return (LON0_DEG, LAT0_DEG);
    }
    let c = 2.0 * (rho / (2.0 * l.rq)).clamp(-1.0, 1.0).asin();
    let (sin_c, cos_c) = c.sin_cos();
    let sin_beta = (cos_c * l.sin_b0 + y * sin_c * l.cos_b0 / rho).clamp(-1.0, 1.0);
    let lon =
        LON0_DEG.to_radians() + (x * sin_c).atan2(rho * l.cos_b0 * cos_c - y * l.sin_b0 * sin_c);
    // Latitude from the authalic latitude: Newton iterations on q(phi) = qp sin(beta)
    // (Snyder, Map Projections, eq. 3-16); converges to 1e-14 rad in a few steps.
    let q = l.qp * sin_beta;
    let mut phi = sin_beta.asin();
    for _ in 0..10 {
        let sin_phi = phi.sin();
        let cos_phi = phi.cos();
        if cos_phi.abs() < 1e-12 {
            break;
        }
        let es = l.e * sin_phi;
        let one_es2 = 1.0 - es * es;
        let delta = one_es2 * one_es2 / (2.0 * cos_phi)
            * (q / (1.0 - l.e2) - sin_phi / one_es2 + ((1.0 - es) / (1.0 + es)).ln() / (2.0 * l.e));
        phi += delta;
        if delta.abs() < 1e-15 {
            break;
        }
    }
    (lon.to_degrees(), phi.to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
        (a.0 - b.0).abs() <= tol && (a.1 - b.1).abs() <= tol
    }

    #[test]
    fn lambert93_is_named_and_defined() {
        let (name, wkt) = crs_definition(2154).unwrap();
        assert_eq!(name, "RGF93 v1 / Lambert-93");
        assert!(wkt.starts_with("PROJCS[\"RGF93 v1 / Lambert-93\""), "{wkt}");
        assert!(wkt.contains("AUTHORITY[\"EPSG\",\"2154\"]"), "{wkt}");
        assert!(crs_definition(999_999).is_err());
    }

    #[test]
    fn lambert93_check_value_without_proj_data() {
        // DOMAIN.md: EPSG:4326 (3.0, 46.5) is the Lambert-93 origin (700000, 6600000). This also
        // proves PROJ finds its database (proj.db is embedded in the bundled static build).
        let to_l93 = Transformer::from_wgs84(2154).unwrap();
        let (x, y) = to_l93.convert(3.0, 46.5).unwrap();
        assert!(close((x, y), (700_000.0, 6_600_000.0), 1e-3), "{x} {y}");
        let back = Transformer::to_wgs84(2154).unwrap();
        let (lon, lat) = back.convert(700_000.0, 6_600_000.0).unwrap();
        assert!(close((lon, lat), (3.0, 46.5), 1e-9), "{lon} {lat}");
    }

    #[test]
    fn axis_order_is_lon_lat_for_4326() {
        let t = Transformer::from_wgs84(3035).unwrap();
        // Paris: lon 2.35, lat 48.85 gives an easting near 3.76e6 and northing near 2.89e6.
        let (e, n) = t.convert(2.35, 48.85).unwrap();
        assert!(
            (3.7e6..3.8e6).contains(&e) && (2.8e6..2.95e6).contains(&n),
            "{e} {n}"
        );
    }

    #[test]
    fn epsg3035_round_trip_with_proj() {
        let fwd = Transformer::from_wgs84(3035).unwrap();
        let inv = Transformer::to_wgs84(3035).unwrap();
        for &(lon, lat) in &[(2.35, 48.85), (-4.5, 48.4), (9.2, 41.4), (7.45, 43.74)] {
            let (e, n) = fwd.convert(lon, lat).unwrap();
            let back = inv.convert(e, n).unwrap();
            // PROJ's inverse uses a series for the authalic latitude: ~1e-8 degree, ~1 mm.
            assert!(close(back, (lon, lat), 2e-8), "{back:?}");
        }
    }

    #[test]
    fn native_laea_matches_epsg_example_and_proj() {
        // EPSG Guidance Note 7-2 worked example for EPSG:3035: 50°N 5°E.
        let (e, n) = laea3035_forward(5.0, 50.0);
        assert!(close((e, n), (3_962_799.45, 2_999_718.85), 0.01), "{e} {n}");
        let fwd = Transformer::from_wgs84(3035).unwrap();
        let mut worst: f64 = 0.0;
        for i in 0..40 {
            for j in 0..40 {
                let lon = -5.5 + 15.0 * f64::from(i) / 39.0;
                let lat = 41.0 + 10.5 * f64::from(j) / 39.0;
                let native = laea3035_forward(lon, lat);
                let proj = fwd.convert(lon, lat).unwrap();
                worst = worst.max((native.0 - proj.0).abs().max((native.1 - proj.1).abs()));
                let back = laea3035_inverse(native.0, native.1);
                assert!(close(back, (lon, lat), 1e-10), "{back:?} vs {lon} {lat}");
            }
        }
        assert!(worst < 1e-3, "native LAEA differs from PROJ by {worst} m");
    }

    #[test]
    fn unknown_epsg_is_a_clear_error() {
        let err = Transformer::to_wgs84(999_999).unwrap_err();
        assert!(
            matches!(err, Error::UnknownCrs { epsg: 999_999, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("EPSG:999999"));
    }

    #[test]
    fn overseas_utm_and_batch() {
        // La Réunion, RGR92 / UTM 40S (EPSG:2975): Saint-Denis is near (338 000, 7 690 000).
        let t = Transformer::from_wgs84(2975).unwrap();
        let mut pts = vec![(55.45, -20.88), (55.53, -21.33)];
        let single = t.convert(55.45, -20.88).unwrap();
        t.convert_batch(&mut pts).unwrap();
        assert!(close(pts[0], single, 1e-6));
        assert!((300_000.0..400_000.0).contains(&pts[0].0), "{:?}", pts[0]);
        assert!(
            (7_600_000.0..7_720_000.0).contains(&pts[0].1),
            "{:?}",
            pts[0]
        );
    }

    #[test]
    fn out_of_domain_conversion_errors() {
        let t = Transformer::to_wgs84(2154).unwrap();
        assert!(t.convert(f64::INFINITY, 0.0).is_err());
    }

    #[test]
    fn grid_cell_id_round_trip_and_lookup() {
        let id = "CRS3035RES200mN2029800E4252400";
        let cell = GridCell::parse(id).unwrap();
        assert_eq!(
            cell,
            GridCell {
                epsg: 3035,
                res_m: 200,
                easting: 4_252_400,
                northing: 2_029_800
            }
        );
        assert_eq!(cell.id(), id);
        assert_eq!(cell.centre(), (4_252_500.0, 2_029_900.0));
        for bad in [
            "",
            "CRS3035RES200N1E2",
            "CRSxRES200mN1E2",
            "CRS3035RES0mN1E2",
            "3035",
        ] {
            assert_eq!(GridCell::parse(bad), None, "{bad}");
        }
        // The cell containing the centre of a cell is that cell.
        let (lon, lat) = laea3035_inverse(cell.centre().0, cell.centre().1);
        assert_eq!(grid3035_cell_of(lon, lat), cell);
        // Its polygon contains the centre and its corners are ~200 m apart (LAEA keeps areas,
        // not lengths: about 1 % off this far from its centre at 52°N 10°E).
        use geo::{Contains, Point};
        let poly = cell_polygon_wgs84(&cell).unwrap();
        assert!(poly.contains(&Point::new(lon, lat)));
        let ring = &poly.exterior().0;
        assert_eq!(ring.len(), 5);
        let side = crate::index::haversine_m(ring[0].x, ring[0].y, ring[1].x, ring[1].y);
        assert!((side - 200.0).abs() < 4.0, "{side}");
    }

    #[test]
    fn cell_polygon_via_proj_for_other_grids() {
        let cell = GridCell {
            epsg: 2975,
            res_m: 200,
            easting: 338_000,
            northing: 7_690_000,
        };
        let poly = cell_polygon_wgs84(&cell).unwrap();
        let p = poly.exterior().0[0];
        assert!(
            (55.0..56.0).contains(&p.x) && (-21.5..-20.5).contains(&p.y),
            "{p:?}"
        );
    }
}
