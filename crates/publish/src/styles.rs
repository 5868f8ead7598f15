//! Default QGIS styles (QML) of the published layers, so that opening a file shows the map:
//! minutes graduated (green to red), statuses categorised, zones blanches in red, communes
//! shaded by the share within reach, sites by kind with synthetic sites drawn hollow.
//!
//! The same documents go into a GeoPackage's `layer_styles` and beside the GeoJSON files as
//! `.qml` sidecars (QGIS loads `name.qml` with `name.geojson`): the property names are those of
//! the published documents. Symbol layers carry their properties both as `Option` maps (QGIS
//! ≥ 3.16) and as `prop` elements (older readers).

use std::fmt::Write as _;

/// Colours of the minute bands, green to red (ColorBrewer RdYlGn, colour-blind safe order).
const BAND_COLOURS: [&str; 5] = [
    "26,152,80",
    "145,207,96",
    "254,224,139",
    "252,141,89",
    "215,48,39",
];

/// Colours of the kinds of site, in the order of the study's kinds (Okabe-Ito).
const KIND_COLOURS: [&str; 6] = [
    "0,114,178",
    "213,94,0",
    "0,158,115",
    "204,121,167",
    "230,159,0",
    "86,180,233",
];

/// The minute bands of the graduated styles: (from, to, label).
pub const MINUTE_BANDS: [(f64, f64, &str); 5] = [
    (0.0, 15.0, "0 – 15 min"),
    (15.0, 30.0, "15 – 30 min"),
    (30.0, 45.0, "30 – 45 min"),
    (45.0, 60.0, "45 – 60 min"),
    (60.0, 100_000.0, "60 min et plus"),
];

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A symbol layer's properties as QGIS writes them.
fn props(out: &mut String, pairs: &[(&str, &str)]) {
    out.push_str("<Option type=\"Map\">");
    for (k, v) in pairs {
        let _ = write!(
            out,
            "<Option name=\"{k}\" type=\"QString\" value=\"{}\"/>",
            xml(v)
        );
    }
    out.push_str("</Option>");
    for (k, v) in pairs {
        let _ = write!(out, "<prop k=\"{k}\" v=\"{}\"/>", xml(v));
    }
}

/// A marker: filled (`hollow` false) or an outline only.
fn marker(out: &mut String, name: usize, colour: &str, shape: &str, size: &str, hollow: bool) {
    let _ = write!(
        out,
        "<symbol type=\"marker\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\"><layer class=\"SimpleMarker\" enabled=\"1\" pass=\"0\" locked=\"0\">"
    );
    let fill = if hollow {
        "255,255,255,255".to_string()
    } else {
        format!("{colour},255")
    };
    let outline = if hollow {
        format!("{colour},255")
    } else {
        "35,35,35,255".to_string()
    };
    props(
        out,
        &[
            ("name", shape),
            ("color", &fill),
            ("outline_color", &outline),
            ("outline_style", "solid"),
            ("outline_width", if hollow { "0.6" } else { "0.2" }),
            ("outline_width_unit", "MM"),
            ("size", size),
            ("size_unit", "MM"),
        ],
    );
    out.push_str("</layer></symbol>");
}

/// A fill with an outline.
fn fill(out: &mut String, name: usize, colour: &str, alpha: &str, outline: &str, width: &str) {
    let _ = write!(
        out,
        "<symbol type=\"fill\" name=\"{name}\" alpha=\"{alpha}\" clip_to_extent=\"1\" force_rhr=\"0\"><layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\">"
    );
    props(
        out,
        &[
            ("color", &format!("{colour},255")),
            ("style", "solid"),
            ("outline_color", &format!("{outline},255")),
            ("outline_style", "solid"),
            ("outline_width", width),
            ("outline_width_unit", "MM"),
        ],
    );
    out.push_str("</layer></symbol>");
}

fn document(renderer: &str, labels: Option<&str>) -> String {
    let mut out = format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" labelsEnabled=\"{}\" styleCategories=\"Symbology|Labeling\">\n",
        u8::from(labels.is_some())
    );
    out.push_str(renderer);
    out.push('\n');
    if let Some(field) = labels {
        let _ = writeln!(
            out,
            "<labeling type=\"simple\"><settings calloutType=\"simple\"><text-style fieldName=\"{}\" isExpression=\"0\" fontSize=\"8\" fontSizeUnit=\"Point\" textColor=\"50,50,50,255\"><text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\"/></text-style><placement placement=\"1\"/><rendering scaleVisibility=\"1\" scaleMin=\"1\" scaleMax=\"250000\"/></settings></labeling>",
            xml(field)
        );
    }
    out.push_str("</qgis>\n");
    out
}

/// Demand units: points coloured by the minutes to the nearest site of `kind`, grey when
/// unreachable.
pub fn demand_qml(kind: &str) -> String {
    let attr = format!("minutes_{kind}");
    let mut r = format!(
        "<renderer-v2 type=\"graduatedSymbol\" attr=\"{}\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"><ranges>",
        xml(&attr)
    );
    for (i, (from, to, label)) in MINUTE_BANDS.iter().enumerate() {
        let _ = write!(
            r,
            "<range lower=\"{from}\" upper=\"{to}\" symbol=\"{i}\" label=\"{}\" render=\"true\"/>",
            xml(label)
        );
    }
    r.push_str("</ranges><symbols>");
    for (i, c) in BAND_COLOURS.iter().enumerate() {
        marker(&mut r, i, c, "circle", "1.6", false);
    }
    r.push_str("</symbols><source-symbol>");
    marker(&mut r, 0, "150,150,150", "circle", "1.6", false);
    r.push_str("</source-symbol></renderer-v2>");
    document(&r, None)
}

/// Status categories of a field (`within`, `beyond`, `unreachable`), for the changed units.
pub fn status_qml(field: &str) -> String {
    let cats = [
        ("within", "dans le seuil", "26,152,80", "circle"),
        ("beyond", "au-delà du seuil", "215,48,39", "triangle"),
        ("unreachable", "injoignable", "80,80,80", "cross_fill"),
    ];
    let mut r = format!(
        "<renderer-v2 type=\"categorizedSymbol\" attr=\"{}\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"><categories>",
        xml(field)
    );
    for (i, (v, label, _, _)) in cats.iter().enumerate() {
        let _ = write!(
            r,
            "<category value=\"{v}\" symbol=\"{i}\" label=\"{}\" render=\"true\"/>",
            xml(label)
        );
    }
    r.push_str("</categories><symbols>");
    for (i, (_, _, c, shape)) in cats.iter().enumerate() {
        marker(&mut r, i, c, shape, "2.2", false);
    }
    r.push_str("</symbols></renderer-v2>");
    document(&r, None)
}

/// Zones blanches: red, half transparent, a darker outline.
pub fn zones_qml() -> String {
    let mut r = String::from(
        "<renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"><symbols>",
    );
    fill(&mut r, 0, "227,26,28", "0.55", "153,0,13", "0.3");
    r.push_str("</symbols></renderer-v2>");
    document(&r, None)
}

/// Communes shaded by the share of their people within reach of `kind`, names as labels.
pub fn communes_qml(kind: &str) -> String {
    let attr = format!("within_share_{kind}");
    let ranges = [
        (0.0, 0.5, "moins de 50 %", "215,48,39"),
        (0.5, 0.8, "50 – 80 %", "252,141,89"),
        (0.8, 0.95, "80 – 95 %", "217,239,139"),
        (0.95, 1.000_001, "95 % et plus", "26,152,80"),
    ];
    let mut r = format!(
        "<renderer-v2 type=\"graduatedSymbol\" attr=\"{}\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"><ranges>",
        xml(&attr)
    );
    for (i, (from, to, label, _)) in ranges.iter().enumerate() {
        let _ = write!(
            r,
            "<range lower=\"{from}\" upper=\"{to}\" symbol=\"{i}\" label=\"{}\" render=\"true\"/>",
            xml(label)
        );
    }
    r.push_str("</ranges><symbols>");
    for (i, (_, _, _, c)) in ranges.iter().enumerate() {
        fill(&mut r, i, c, "0.7", "90,90,90", "0.2");
    }
    r.push_str("</symbols><source-symbol>");
    fill(&mut r, 0, "200,200,200", "0.7", "90,90,90", "0.2");
    r.push_str("</source-symbol></renderer-v2>");
    document(&r, Some("nom"))
}

/// Sites by kind (`kinds`, in order), synthetic sites drawn hollow.
pub fn sites_qml(kinds: &[String]) -> String {
    let mut r = String::from(
        "<renderer-v2 type=\"categorizedSymbol\" attr=\"&quot;kind&quot; || CASE WHEN &quot;synthetic&quot; THEN ' (synthétique)' ELSE '' END\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"><categories>",
    );
    let mut n = 0;
    for k in kinds {
        for synthetic in [false, true] {
            let value = if synthetic {
                format!("{k} (synthétique)")
            } else {
                k.clone()
            };
            let _ = write!(
                r,
                "<category value=\"{}\" symbol=\"{n}\" label=\"{}\" render=\"true\"/>",
                xml(&value),
                xml(&value)
            );
            n += 1;
        }
    }
    r.push_str("</categories><symbols>");
    let mut n = 0;
    for (i, _) in kinds.iter().enumerate() {
        let c = KIND_COLOURS[i % KIND_COLOURS.len()];
        for hollow in [false, true] {
            marker(&mut r, n, c, "diamond", "3.6", hollow);
            n += 1;
        }
    }
    r.push_str("</symbols></renderer-v2>");
    document(&r, Some("name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_closed_documents_naming_the_published_fields() {
        let kinds = vec!["mediation".to_string(), "espace_rencontre".to_string()];
        for (qml, field) in [
            (demand_qml("mediation"), "minutes_mediation"),
            (communes_qml("mediation"), "within_share_mediation"),
            (status_qml("status_after"), "status_after"),
            (sites_qml(&kinds), "&quot;synthetic&quot;"),
        ] {
            assert!(qml.contains(field), "{field}");
            assert!(qml.trim_end().ends_with("</qgis>"));
            assert_eq!(
                qml.matches("<symbol ").count(),
                qml.matches("</symbol>").count()
            );
        }
        assert!(zones_qml().contains("227,26,28,255"));
        assert_eq!(sites_qml(&kinds).matches("<category ").count(), 4);
        assert_eq!(xml("a<b & 'c'"), "a&lt;b &amp; &apos;c&apos;");
    }
}
