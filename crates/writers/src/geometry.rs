//! RFC 7946 geometries as published: WGS84 lon/lat rounded to 6 decimals (about 0.1 m),
//! polygons following the right-hand rule (exterior counter-clockwise, holes clockwise, rings
//! closed), checked on the rounded coordinates.

use geojson::{Feature, Geometry, GeometryValue, JsonObject, Position};

use crate::round_to;

/// A feature with a geometry and properties, nothing else.
pub fn feature(geometry: Option<Geometry>, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry,
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

pub fn position(lon: f64, lat: f64) -> Position {
    Position::from([round_to(lon, 6), round_to(lat, 6)])
}

pub fn point(lon: f64, lat: f64) -> Geometry {
    Geometry::new(GeometryValue::Point {
        coordinates: position(lon, lat),
    })
}

/// Twice the signed area of a closed ring (positive when counter-clockwise).
pub fn signed_area2(ring: &[Position]) -> f64 {
    let Some(o) = ring.first() else { return 0.0 };
    let (ox, oy) = (o[0], o[1]);
    ring.windows(2)
        .map(|w| (w[0][0] - ox) * (w[1][1] - oy) - (w[1][0] - ox) * (w[0][1] - oy))
        .sum()
}

/// A ring rounded, without repeated positions, closed, oriented counter-clockwise (`ccw`) or
/// clockwise; `None` when it has no area left.
fn ring(points: impl IntoIterator<Item = (f64, f64)>, ccw: bool) -> Option<Vec<Position>> {
    let mut r: Vec<Position> = Vec::new();
    for (x, y) in points {
        let p = position(x, y);
        if r.last() != Some(&p) {
            r.push(p);
        }
    }
    if r.len() > 1 && r.first() == r.last() {
        r.pop();
    }
    if r.len() < 3 {
        return None;
    }
    r.push(r[0].clone());
    let a = signed_area2(&r);
    if a == 0.0 {
        return None;
    }
    if (a > 0.0) != ccw {
        r.reverse();
    }
    Some(r)
}

pub fn polygon(exterior: &[(f64, f64)], holes: &[Vec<(f64, f64)>]) -> Option<Vec<Vec<Position>>> {
    let mut rings = vec![ring(exterior.iter().copied(), true)?];
    rings.extend(holes.iter().filter_map(|h| ring(h.iter().copied(), false)));
    Some(rings)
}

pub fn multi_polygon(mp: &geo::MultiPolygon<f64>) -> Option<Geometry> {
    let coords = |ls: &geo::LineString<f64>| -> Vec<(f64, f64)> {
        ls.coords().map(|c| (c.x, c.y)).collect()
    };
    let polygons: Vec<Vec<Vec<Position>>> = mp
        .iter()
        .filter_map(|p| {
            let holes: Vec<Vec<(f64, f64)>> = p.interiors().iter().map(coords).collect();
            polygon(&coords(p.exterior()), &holes)
        })
        .collect();
    (!polygons.is_empty()).then(|| {
        Geometry::new(GeometryValue::MultiPolygon {
            coordinates: polygons,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_rounded_closed_and_oriented() {
        // Clockwise square with a repeated vertex and coordinates to round.
        let cw = [
            (0.0, 0.0),
            (0.0, 1.000_000_4),
            (1.0, 1.0),
            (1.0, 1.0),
            (1.0, -0.000_000_1),
        ];
        let r = ring(cw, true).unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(r.first(), r.last());
        assert!(signed_area2(&r) > 0.0);
        assert!(r.iter().all(|p| !p[1].is_sign_negative() || p[1] != 0.0));
        assert!(r.iter().any(|p| p[1] == 1.0));
        let hole = ring(cw, false).unwrap();
        assert!(signed_area2(&hole) < 0.0);
        assert_eq!(ring([(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)], true), None);
        assert_eq!(
            ring([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 0.0)], true),
            None
        );
    }
}
