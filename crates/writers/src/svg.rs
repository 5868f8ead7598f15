//! Maps as SVG, for printed reports: projected geometries (metres, y to the north) fitted into
//! a frame, drawn in layer order, with a scale bar. The drawing knows no study: a map is a list
//! of [`MapLayer`]s, each a CSS class and its shapes, styled by the document that holds it.
//!
//! Coordinates are written in pixels with one decimal, and a ring keeps only the points at
//! least [`MIN_STEP_PX`] from the last one kept, so that a commune outline costs what the
//! printed page can show, not what the source holds.

use std::fmt::Write as _;

use crate::gpkg::Geometry;

/// A ring point closer than this to the last one kept is dropped.
pub const MIN_STEP_PX: f64 = 0.6;

/// One shape of a layer: a geometry and its own class (a share class, a kind), with a
/// tooltip when it names something.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub geometry: Geometry,
    pub class: String,
    pub title: Option<String>,
}

/// Shapes drawn together, in order, under one class.
#[derive(Debug, Clone, PartialEq)]
pub struct MapLayer {
    pub class: String,
    pub shapes: Vec<Shape>,
}

/// The frame of a map, in pixels, and the point symbol size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width_px: f64,
    pub height_px: f64,
    pub margin_px: f64,
    pub point_radius_px: f64,
}

/// The extent of some geometries: (min x, min y, max x, max y), or `None` when empty.
pub fn extent<'a>(geoms: impl Iterator<Item = &'a Geometry>) -> Option<(f64, f64, f64, f64)> {
    let mut e: Option<(f64, f64, f64, f64)> = None;
    let mut add = |x: f64, y: f64| {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        e = Some(match e {
            None => (x, y, x, y),
            Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
        });
    };
    for g in geoms {
        match g {
            Geometry::Point(x, y) => add(*x, *y),
            Geometry::Polygon(rings) => rings.iter().flatten().for_each(|&(x, y)| add(x, y)),
            Geometry::MultiPolygon(polys) => polys
                .iter()
                .flatten()
                .flatten()
                .for_each(|&(x, y)| add(x, y)),
        }
    }
    e
}

/// Map units to pixels: a uniform scale, y flipped, the extent centred in the frame.
#[derive(Debug, Clone, Copy)]
struct Fit {
    scale: f64,
    x0: f64,
    y0: f64,
    dx: f64,
    dy: f64,
}

impl Fit {
    fn new(frame: &Frame, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> Fit {
        let w = (frame.width_px - 2.0 * frame.margin_px).max(1.0);
        let h = (frame.height_px - 2.0 * frame.margin_px).max(1.0);
        let scale = (w / (x1 - x0).max(1e-9)).min(h / (y1 - y0).max(1e-9));
        Fit {
            scale,
            x0,
            y0: y1,
            dx: frame.margin_px + (w - (x1 - x0) * scale) / 2.0,
            dy: frame.margin_px + (h - (y1 - y0) * scale) / 2.0,
        }
    }

    fn px(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            self.dx + (x - self.x0) * self.scale,
            self.dy + (self.y0 - y) * self.scale,
        )
    }
}

/// A coordinate with one decimal, `-0` written `0`.
fn coord(out: &mut String, v: f64) {
    let r = (v * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let _ = write!(out, "{r}");
}

fn ring_path(out: &mut String, fit: &Fit, ring: &[(f64, f64)]) {
    // A closed ring's last point is its first: `Z` draws that side.
    let open = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    let mut last: Option<(f64, f64)> = None;
    let mut n = 0;
    let start = out.len();
    for &p in open {
        let q = fit.px(p);
        if let Some(l) = last
            && (q.0 - l.0).hypot(q.1 - l.1) < MIN_STEP_PX
        {
            continue;
        }
        out.push(if n == 0 { 'M' } else { 'L' });
        coord(out, q.0);
        out.push(' ');
        coord(out, q.1);
        last = Some(q);
        n += 1;
    }
    if n < 3 {
        // Smaller than a pixel once drawn: nothing to show.
        out.truncate(start);
    } else {
        out.push('Z');
    }
}

/// XML text escaped for an element or an attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A round length for a scale bar at most `max_m` long: 1, 2 or 5 times a power of ten.
fn nice_length(max_m: f64) -> f64 {
    if max_m <= 0.0 || !max_m.is_finite() {
        return 0.0;
    }
    let p = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&l| l <= max_m)
        .unwrap_or(p)
}

/// The map as an `<svg>` element: the layers fitted to the extent of `extent_of` (the layers
/// at these indices; all when empty), then a scale bar in the bottom-left corner. `label` is
/// its accessible name.
pub fn map_svg(frame: &Frame, layers: &[MapLayer], extent_of: &[usize], label: &str) -> String {
    let chosen: Vec<&MapLayer> = if extent_of.is_empty() {
        layers.iter().collect()
    } else {
        extent_of.iter().filter_map(|&i| layers.get(i)).collect()
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}">"#,
        w = frame.width_px,
        h = frame.height_px,
        label = escape(label),
    );
    let Some(ext) = extent(
        chosen
            .iter()
            .flat_map(|l| l.shapes.iter().map(|s| &s.geometry)),
    ) else {
        out.push_str("</svg>");
        return out;
    };
    let fit = Fit::new(frame, ext);
    for layer in layers {
        let _ = write!(out, r#"<g class="{}">"#, escape(&layer.class));
        for s in &layer.shapes {
            match &s.geometry {
                Geometry::Point(x, y) => {
                    let (px, py) = fit.px((*x, *y));
                    out.push_str(r#"<circle cx=""#);
                    coord(&mut out, px);
                    out.push_str(r#"" cy=""#);
                    coord(&mut out, py);
                    let _ = write!(
                        out,
                        r#"" r="{}" class="{}">"#,
                        frame.point_radius_px,
                        escape(&s.class)
                    );
                    if let Some(t) = &s.title {
                        let _ = write!(out, "<title>{}</title>", escape(t));
                    }
                    out.push_str("</circle>");
                }
                Geometry::Polygon(rings) => {
                    path(&mut out, &fit, std::slice::from_ref(rings), s);
                }
                Geometry::MultiPolygon(polys) => path(&mut out, &fit, polys, s),
            }
        }
        out.push_str("</g>");
    }
    // The scale bar: a round length at most a quarter of the frame's width.
    let max_m = (frame.width_px / 4.0) / fit.scale;
    let len_m = nice_length(max_m);
    if len_m > 0.0 {
        let len_px = len_m * fit.scale;
        let (x, y) = (frame.margin_px, frame.height_px - frame.margin_px / 2.0);
        let text = if len_m >= 1000.0 {
            format!("{} km", len_m / 1000.0)
        } else {
            format!("{len_m} m")
        };
        let _ = write!(
            out,
            r#"<g class="scale"><path d="M{x} {y0}V{y}H{x1}V{y0}" fill="none" stroke="currentColor"/><text x="{tx}" y="{ty}">{text}</text></g>"#,
            y0 = y - 4.0,
            x1 = ((x + len_px) * 10.0).round() / 10.0,
            tx = ((x + len_px + 4.0) * 10.0).round() / 10.0,
            ty = y,
        );
    }
    out.push_str("</svg>");
    out
}

fn path(out: &mut String, fit: &Fit, polys: &[Vec<Vec<(f64, f64)>>], s: &Shape) {
    let mut d = String::new();
    for rings in polys {
        for r in rings {
            ring_path(&mut d, fit, r);
        }
    }
    if d.is_empty() {
        return;
    }
    let _ = write!(out, r#"<path class="{}" d="{d}">"#, escape(&s.class));
    if let Some(t) = &s.title {
        let _ = write!(out, "<title>{}</title>", escape(t));
    }
    out.push_str("</path>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, side: f64) -> Geometry {
        Geometry::Polygon(vec![vec![
            (x, y),
            (x + side, y),
            (x + side, y + side),
            (x, y + side),
            (x, y),
        ]])
    }

    fn frame() -> Frame {
        Frame {
            width_px: 200.0,
            height_px: 100.0,
            margin_px: 10.0,
            point_radius_px: 3.0,
        }
    }

    #[test]
    fn the_extent_fills_the_frame_north_up() {
        let layer = MapLayer {
            class: "communes".into(),
            shapes: vec![Shape {
                geometry: square(1000.0, 5000.0, 8000.0),
                class: "c".into(),
                title: Some("A & B".into()),
            }],
        };
        let svg = map_svg(&frame(), &[layer], &[], "carte <test>");
        // 8 km in 80 px of height: 0.01 px per metre, centred across the 180 px of width.
        assert!(svg.contains(r#"d="M60 90L140 90L140 10L60 10Z""#), "{svg}");
        assert!(svg.contains("<title>A &amp; B</title>"));
        assert!(svg.contains(r#"aria-label="carte &lt;test&gt;""#));
        // A scale bar of at most 50 px: 5 km = 50 px.
        assert!(svg.contains(">5 km</text>"), "{svg}");
    }

    #[test]
    fn points_closer_than_a_pixel_are_dropped_and_tiny_rings_vanish() {
        let mut ring: Vec<(f64, f64)> = (0..=100).map(|i| (f64::from(i), 0.0)).collect();
        ring.extend([(100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]);
        let big = Shape {
            geometry: Geometry::Polygon(vec![ring]),
            class: "z".into(),
            title: None,
        };
        let tiny = Shape {
            geometry: square(50.0, 50.0, 0.001),
            class: "t".into(),
            title: None,
        };
        let layer = MapLayer {
            class: "zones".into(),
            shapes: vec![big, tiny],
        };
        let f = Frame {
            width_px: 20.0,
            height_px: 20.0,
            margin_px: 0.0,
            point_radius_px: 1.0,
        };
        let svg = map_svg(&f, &[layer], &[], "x");
        let d = svg
            .split(r#"d=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        // 0.2 px per metre: of the 101 points along the bottom, one in three is kept.
        assert!(d.matches('L').count() < 40, "{d}");
        assert!(
            !svg.contains(r#"class="t""#),
            "a ring smaller than a pixel is not drawn"
        );
    }

    #[test]
    fn scale_lengths_are_round() {
        assert_eq!(nice_length(7300.0), 5000.0);
        assert_eq!(nice_length(1999.0), 1000.0);
        assert_eq!(nice_length(25.0), 20.0);
        assert_eq!(nice_length(0.0), 0.0);
    }
}
