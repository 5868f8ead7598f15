//! `rapport.html`: the printable report for the comité départemental des services aux
//! familles, in French, self-contained (styles and SVG maps inside, no network access), laid
//! out for A4.
//!
//! Every figure comes from the published documents of the coverage and of the scenarios
//! given — `summary.json`, the commune table, the zones, the sites, `diff.json` — with their
//! secrecy: a withheld count reads « secret », and the maps draw only published geometries
//! (communes shaded by their published share, zones blanches, sites), projected like
//! `resultats.gpkg`.
//!
//! Sections: the territory and its inputs; key figures per kind; one map per kind; time bands;
//! groupings; the communes with the most people beyond reach; the effect of each scenario;
//! method, sources and secrecy. Each table and figure is one block that a page break does
//! not cut (`break-inside: avoid`), titled at its top and closed by its source line.

use std::fmt::Write as _;

use serde_json::Value;
use zb_coverage::CoverageError;
use zb_places::crs::Transformer;
use zb_writers::gpkg::{GeometryType, Style};
use zb_writers::svg::{Frame, MapLayer, Shape, escape, map_svg};

use crate::coverage::Exports;
use crate::gpkg::{feature_layer, study_epsg};
use crate::whatif::{DiffDoc, DiffRow, diff_doc};
use crate::whatif_secrecy::PublishedWhatIf;
use crate::workbook::kind_label;

/// The file name.
pub const REPORT_FILE: &str = "rapport.html";

/// How many communes the table of each kind lists (the full table is in `communes_fr.csv`
/// and `tableaux.xlsx`).
pub const TOP_COMMUNES: usize = 15;

/// The share classes of the commune maps: lower bounds and their labels.
const SHARE_CLASSES: [(f64, &str); 5] = [
    (0.99, "99 % ou plus"),
    (0.9, "90 à 99 %"),
    (0.75, "75 à 90 %"),
    (0.5, "50 à 75 %"),
    (0.0, "moins de 50 %"),
];

/// A narrow no-break space: the French thousands separator, and before `%`.
const NNBSP: char = '\u{202F}';

/// A number in French: `decimals` digits after a decimal comma, thousands grouped.
pub fn fr_number(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut out = String::new();
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('−');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(NNBSP);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// A published count: a whole number, or « secret » when withheld (`null`).
fn count(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "secret".into(), |x| fr_number(x.round(), 0))
}

fn opt_count(v: Option<f64>) -> String {
    v.map_or_else(|| "secret".into(), |x| fr_number(x.round(), 0))
}

/// A share (0-1) as a percentage with one decimal, « — » when unknown.
fn share(v: Option<f64>) -> String {
    v.map_or_else(
        || "—".into(),
        |x| format!("{}{NNBSP}%", fr_number(100.0 * x, 1)),
    )
}

/// A published count over a published total (0 of an empty total), when both are published.
fn share_of(w: Option<f64>, total: Option<f64>) -> Option<f64> {
    w.zip(total).map(|(w, t)| if t > 0.0 { w / t } else { 0.0 })
}

fn minutes(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "—".into(), |x| format!("{}{NNBSP}min", fr_number(x, 1)))
}

/// What the study's weights count, in French.
pub fn counts_label(counts: &str) -> String {
    let c = counts.to_lowercase();
    if c.contains("single") || c.contains("monoparent") {
        "familles monoparentales".into()
    } else if c.contains("household") || c.contains("ménage") {
        "ménages".into()
    } else if c.contains("famil") {
        "familles".into()
    } else if c.contains("people") || c.contains("person") || c.contains("habitant") {
        "personnes".into()
    } else {
        counts.replace('_', " ")
    }
}

/// The class of a commune on the map of a kind: its share class, `secret` or `vide`.
fn share_class(row: &serde_json::Map<String, Value>, kind: &str) -> (String, Option<f64>) {
    if row.get(&format!("secret_{kind}")).and_then(Value::as_bool) == Some(true) {
        return ("secret".into(), None);
    }
    if row.get("total").and_then(Value::as_f64) == Some(0.0) {
        return ("vide".into(), None);
    }
    match row
        .get(&format!("within_share_{kind}"))
        .and_then(Value::as_f64)
    {
        Some(s) => {
            let i = SHARE_CLASSES
                .iter()
                .position(|(lo, _)| s >= *lo)
                .unwrap_or(SHARE_CLASSES.len() - 1);
            (format!("s{i}"), Some(s))
        }
        None => ("secret".into(), None),
    }
}

/// A block that a page break does not cut: a title, the content, a source line.
fn block(out: &mut String, id: &str, title: &str, content: &str, source: &str) {
    let _ = write!(
        out,
        r#"<figure class="block" id="{id}"><figcaption>{}</figcaption>{content}<p class="source">{}</p></figure>"#,
        escape(title),
        escape(source)
    );
}

/// An HTML table: headers, then rows of cells (already escaped); the first column is text.
fn html_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table><thead><tr>");
    for h in headers {
        let _ = write!(t, "<th>{}</th>", escape(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(t, "<th scope=\"row\">{c}</th>");
            } else {
                let _ = write!(t, "<td>{c}</td>");
            }
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// The time bands of a kind as a stacked bar (SVG), one segment per band with people.
fn bands_bar(bands: &[(String, f64, String)], total: f64) -> String {
    let (w, h) = (680.0, 26.0);
    let mut out = format!(
        r#"<svg class="bar" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Répartition par bande de temps">"#
    );
    if total > 0.0 {
        let mut x = 0.0;
        for (label, weight, class) in bands {
            let bw = w * weight / total;
            if bw <= 0.0 {
                continue;
            }
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{:.1}" y="0" width="{:.1}" height="{h}"><title>{}</title></rect>"#,
                x,
                bw,
                escape(label)
            );
            x += bw;
        }
    }
    out.push_str("</svg>");
    out
}

/// The label of a band, « 0 à 15 min » or « 60 min et plus ».
fn band_label(b: &Value) -> String {
    let from = fr_number(b["from_min"].as_f64().unwrap_or(0.0), 0);
    match b["to_min"].as_f64() {
        Some(to) => format!("{from} à {} min", fr_number(to, 0)),
        None => format!("{from} min et plus"),
    }
}

fn row_map(r: &DiffRow<'_>) -> [String; 5] {
    [
        opt_count(r.within_before),
        opt_count(r.within_after),
        opt_count(r.newly_within),
        opt_count(r.newly_beyond),
        format!(
            "{} → {}",
            share(r.within_share_before),
            share(r.within_share_after)
        ),
    ]
}

/// What a scenario does, in words.
fn scenario_words(d: &DiffDoc<'_>) -> String {
    let s = d.scenario;
    let mut parts = Vec::new();
    for a in &s.add {
        parts.push(format!(
            "ouverture de « {} » ({})",
            a.name.as_deref().unwrap_or(&a.id),
            kind_label(&a.kind)
        ));
    }
    for m in &s.moves {
        parts.push(format!("déplacement du site « {} »", m.id));
    }
    for c in &s.close {
        parts.push(format!("fermeture du site « {} »", c.id));
    }
    for (k, t) in &s.thresholds {
        parts.push(format!("seuil {k} porté à {} min", fr_number(*t, 0)));
    }
    if parts.is_empty() {
        "aucun changement".into()
    } else {
        parts.join(" ; ")
    }
}

const CSS: &str = r#"
@page { size: A4; margin: 14mm 13mm 16mm 13mm; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.5pt; color: #1a1a1a; }
body { margin: 0 auto; max-width: 184mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 5mm 0 2mm; border-bottom: 1px solid #888; break-after: avoid; }
p { margin: 1.2mm 0; }
.subtitle { font-size: 10.5pt; color: #333; margin-bottom: 3mm; }
.synthetic { border: 2px solid #b00; color: #b00; padding: 2mm 3mm; font-weight: bold; margin: 3mm 0; }
.block { margin: 2mm 0 4mm; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: 1.5mm; }
.source { font-size: 7.5pt; color: #555; margin-top: 1mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ccc; padding: 0.8mm 1.5mm; text-align: right; vertical-align: top; }
thead th { border-bottom: 1.5px solid #444; text-align: right; font-weight: bold; background: #f2f2f2; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; }
tr { break-inside: avoid; }
svg { display: block; width: 100%; height: auto; }
svg.map { max-height: 96mm; }
.legend { display: flex; flex-wrap: wrap; gap: 1mm 4mm; font-size: 8pt; margin-top: 1mm; }
.legend span::before { content: ""; display: inline-block; width: 3.5mm; height: 3.5mm; margin-right: 1mm; vertical-align: -0.6mm; border: 0.5px solid #555; }
.communes path { stroke: #fff; stroke-width: 0.6; }
.s0, .legend .l-s0::before { fill: #08306b; background: #08306b; }
.s1, .legend .l-s1::before { fill: #2171b5; background: #2171b5; }
.s2, .legend .l-s2::before { fill: #6baed6; background: #6baed6; }
.s3, .legend .l-s3::before { fill: #c6dbef; background: #c6dbef; }
.s4, .legend .l-s4::before { fill: #f7fbff; background: #f7fbff; }
.secret, .legend .l-secret::before { fill: #bdbdbd; background: repeating-linear-gradient(45deg, #bdbdbd 0 2px, #fff 2px 4px); }
.vide, .legend .l-vide::before { fill: #eeeeee; background: #eeeeee; }
.zones path { fill: #d7301f; fill-opacity: 0.55; stroke: #99000d; stroke-width: 0.4; }
.legend .l-zone::before { background: rgba(215, 48, 31, 0.55); border-color: #99000d; }
.sites circle { fill: #ffd92f; stroke: #000; stroke-width: 1.2; }
.sites circle.synthetic { fill: #fff; stroke-dasharray: 2 1.2; }
.legend .l-site::before { background: #ffd92f; border: 1.2px solid #000; border-radius: 50%; }
.scale text { font-size: 10px; fill: #222; }
.scale path { stroke: #222; stroke-width: 1.2; }
svg.bar { margin: 1mm 0; }
.b0, .legend .l-b0::before { fill: #1a9850; background: #1a9850; }
.b1, .legend .l-b1::before { fill: #91cf60; background: #91cf60; }
.b2, .legend .l-b2::before { fill: #fee08b; background: #fee08b; }
.b3, .legend .l-b3::before { fill: #fc8d59; background: #fc8d59; }
.b4, .legend .l-b4::before { fill: #d73027; background: #d73027; }
.b5, .b6, .b7, .b8, .legend .l-b5::before { fill: #7f0000; background: #7f0000; }
.b9, .b10, .legend .l-b9::before { fill: #999; background: #999; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.6mm 4mm; margin: 1mm 0; }
dl.facts dt { color: #444; }
dl.facts dd { margin: 0; }
@media screen { body { padding: 8mm; } }
"#;

impl Exports<'_> {
    /// `rapport.html`, with the effect of each scenario given (its published diff).
    pub fn report(&self, scenarios: &[PublishedWhatIf<'_>]) -> Result<String, CoverageError> {
        let study = self.study();
        let summary = self.summary();
        let communes_table = self.communes_table();
        let kinds = self.kinds();
        let counts = counts_label(&study.counts);
        let title = study
            .name
            .clone()
            .unwrap_or_else(|| "Territoire de l'étude".into());
        let synthetic = study.provenance.synthetic;
        let source = format!(
            "Source : zoneblanche, étude « {title} »{}, produite le {}.",
            if synthetic {
                " (données synthétiques)"
            } else {
                ""
            },
            study.provenance.generated_at
        );
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{} — accès aux services aux familles</title><style>{CSS}</style></head><body>",
            escape(&title)
        );
        let _ = write!(
            h,
            "<h1>Accès aux services aux familles</h1><p class=\"subtitle\">{} — rapport pour le comité départemental des services aux familles : temps de trajet en voiture vers la médiation familiale et les espaces de rencontre, zones blanches et effet des scénarios.</p>",
            escape(&title)
        );
        if synthetic {
            h.push_str("<p class=\"synthetic\">DONNÉES SYNTHÉTIQUES — démonstration : les routes et les sites sont inventés ; aucun chiffre de ce rapport ne décrit le territoire réel.</p>");
        }

        // 1. The territory and its inputs.
        let mut sec = 0;
        let mut section = |h: &mut String, t: &str| {
            sec += 1;
            let _ = write!(h, "<h2>{sec}. {}</h2>", escape(t));
        };
        section(&mut h, "Le territoire et les données");
        let population =
            crate::published_population(study).map_or_else(|| "secret".into(), |p| fr_number(p, 0));
        let mut facts = String::from("<dl class=\"facts\">");
        let mut fact = |k: &str, v: String| {
            let _ = write!(facts, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
        };
        fact("Communes", fr_number(communes_table.rows.len() as f64, 0));
        fact(&format!("Effectif ({counts})"), population);
        for kc in &self.coverage().kinds {
            fact(
                &format!("Sites — {}", kind_label(&kc.kind)),
                format!(
                    "{} dont {} sur le réseau routier",
                    kc.sites.len(),
                    kc.sites_on_network
                ),
            );
        }
        fact(
            "Temps de trajet",
            format!(
                "en voiture, profil « {} » (modelé sur le profil car d'OSRM), au départ du centre de chaque carreau de 200 m habité",
                study.provenance.profile
            ),
        );
        let inputs: Vec<String> = study
            .provenance
            .inputs
            .iter()
            .map(|f| format!("{} ({})", f.path, f.role))
            .collect();
        fact("Fichiers d'entrée", inputs.join(", "));
        facts.push_str("</dl>");
        h.push_str(&facts);

        // 2. Key figures per kind.
        section(&mut h, "Chiffres clés");
        let mut rows = Vec::new();
        let line = |label: &str, f: &dyn Fn(&Value) -> String| -> Vec<String> {
            let mut r = vec![escape(label)];
            for k in &kinds {
                r.push(escape(&f(&summary["kinds"][k])));
            }
            r
        };
        rows.push(line("Seuil de temps", &|o| minutes(&o["threshold_min"])));
        rows.push(line("Sites (sur le réseau)", &|o| {
            format!("{} ({})", o["sites"], o["sites_on_network"])
        }));
        rows.push(line(&format!("Total ({counts})"), &|o| {
            count(&o["total_weight"])
        }));
        rows.push(line("Dans le seuil", &|o| count(&o["within_weight"])));
        rows.push(line("Part dans le seuil", &|o| {
            share(o["within_share"].as_f64())
        }));
        rows.push(line("Au-delà du seuil", &|o| count(&o["beyond_weight"])));
        rows.push(line("Injoignables : hors réseau routier", &|o| {
            count(&o["unreachable_off_network"])
        }));
        rows.push(line("Injoignables : sans liaison routière", &|o| {
            count(&o["unreachable_no_road_link"])
        }));
        rows.push(line("Dont trajets par bac", &|o| {
            count(&o["weight_via_ferry"])
        }));
        rows.push(line("Temps médian", &|o| minutes(&o["median_min"])));
        rows.push(line("Temps du 9ᵉ décile", &|o| minutes(&o["p90_min"])));
        rows.push(line("Zones blanches (polygones)", &|o| {
            o["zones"]
                .as_u64()
                .map_or("—".into(), |z| fr_number(z as f64, 0))
        }));
        let mut headers = vec!["".to_string()];
        headers.extend(kinds.iter().map(|k| kind_label(k)));
        let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
        block(
            &mut h,
            "chiffres-cles",
            "Tableau 1 — Chiffres clés par type de service",
            &html_table(&hdr, &rows),
            &source,
        );

        // 3. Maps.
        section(&mut h, "Cartes");
        let epsg = study_epsg(study);
        let to =
            Transformer::from_wgs84(epsg).map_err(|e| CoverageError::Invalid(e.to_string()))?;
        let style = || Style {
            name: String::new(),
            qml: String::new(),
        };
        let communes = feature_layer(
            &self.communes(),
            ("communes", "", ""),
            GeometryType::MultiPolygon,
            &[],
            &to,
            style(),
        )?;
        let sites = feature_layer(
            &self.sites(),
            ("sites", "", ""),
            GeometryType::Point,
            &[],
            &to,
            style(),
        )?;
        let field = |layer: &zb_writers::gpkg::Layer, row: &[Value], name: &str| -> Value {
            layer
                .fields
                .iter()
                .position(|(f, _)| f == name)
                .and_then(|i| row.get(i).cloned())
                .unwrap_or(Value::Null)
        };
        for (n, k) in kinds.iter().enumerate() {
            let zones_fc = self
                .zones_of_kind(k)
                .ok_or_else(|| CoverageError::Invalid(format!("no zones for kind `{k}`")))?;
            let zones = feature_layer(
                &zones_fc,
                ("zones", "", ""),
                GeometryType::Polygon,
                &[],
                &to,
                style(),
            )?;
            let mut commune_shapes = Vec::new();
            for ((g, values), row) in communes.rows.iter().zip(&communes_table.rows) {
                let Some(g) = g else { continue };
                let (class, s) = share_class(row, k);
                let name = row.get("nom").and_then(Value::as_str).unwrap_or("");
                commune_shapes.push(Shape {
                    geometry: g.clone(),
                    class,
                    title: Some(format!(
                        "{name} ({}) : {}",
                        field(&communes, values, "code_insee")
                            .as_str()
                            .unwrap_or(""),
                        s.map_or("part secrète ou sans habitant".into(), |s| format!(
                            "{} dans le seuil",
                            share(Some(s))
                        ))
                    )),
                });
            }
            let zone_shapes = zones
                .rows
                .iter()
                .filter_map(|(g, _)| g.clone())
                .map(|g| Shape {
                    geometry: g,
                    class: "zone".into(),
                    title: None,
                })
                .collect();
            let site_shapes = sites
                .rows
                .iter()
                .filter(|(_, v)| field(&sites, v, "kind").as_str() == Some(k.as_str()))
                .filter_map(|(g, v)| {
                    let g = g.clone()?;
                    let synthetic = field(&sites, v, "synthetic").as_bool() == Some(true);
                    Some(Shape {
                        geometry: g,
                        class: if synthetic { "synthetic" } else { "site" }.into(),
                        title: field(&sites, v, "name").as_str().map(String::from),
                    })
                })
                .collect();
            let layers = [
                MapLayer {
                    class: "communes".into(),
                    shapes: commune_shapes,
                },
                MapLayer {
                    class: "zones".into(),
                    shapes: zone_shapes,
                },
                MapLayer {
                    class: "sites".into(),
                    shapes: site_shapes,
                },
            ];
            let frame = Frame {
                width_px: 720.0,
                height_px: 470.0,
                margin_px: 14.0,
                point_radius_px: 5.0,
            };
            let threshold = minutes(&summary["kinds"][k]["threshold_min"]);
            let label = format!(
                "Carte des zones blanches, {} : seuil {threshold}",
                kind_label(k)
            );
            let mut content = map_svg(&frame, &layers, &[0, 2], &label).replacen(
                "<svg ",
                "<svg class=\"map\" ",
                1,
            );
            content.push_str("<div class=\"legend\">");
            for (i, (_, l)) in SHARE_CLASSES.iter().enumerate() {
                let _ = write!(content, "<span class=\"l-s{i}\">{l} dans le seuil</span>");
            }
            content.push_str("<span class=\"l-secret\">part secrète</span><span class=\"l-vide\">sans habitant</span>");
            let _ = write!(
                content,
                "<span class=\"l-zone\">zone blanche : au-delà de {threshold}</span><span class=\"l-site\">site{}</span></div>",
                if synthetic {
                    " (synthétique : pointillés)"
                } else {
                    ""
                }
            );
            block(
                &mut h,
                &format!("carte-{}", n + 1),
                &format!(
                    "Carte {} — {} : part des {counts} à moins de {threshold} et zones blanches",
                    n + 1,
                    kind_label(k)
                ),
                &content,
                &format!(
                    "{source} Carreaux de 200 m au-delà du seuil, regroupés ; communes : contours de l'étude ; projection EPSG:{epsg}."
                ),
            );
        }

        // 4. Time bands.
        section(&mut h, "Bandes de temps");
        for (n, k) in kinds.iter().enumerate() {
            let o = &summary["kinds"][k];
            let total = o["total_weight"].as_f64();
            let mut rows = Vec::new();
            let mut bar = Vec::new();
            for (i, b) in o["bands"].as_array().into_iter().flatten().enumerate() {
                let w = b["weight"].as_f64();
                bar.push((band_label(b), w.unwrap_or(0.0), format!("b{}", i.min(5))));
                rows.push(vec![
                    escape(&band_label(b)),
                    count(&b["weight"]),
                    share(share_of(w, total)),
                ]);
            }
            for (key, label) in [
                (
                    "unreachable_off_network",
                    "Injoignables : hors réseau routier",
                ),
                (
                    "unreachable_no_road_link",
                    "Injoignables : sans liaison routière",
                ),
            ] {
                let w = o[key].as_f64();
                // The two reasons of unreachable share one grey.
                bar.push((label.into(), w.unwrap_or(0.0), "b9".into()));
                rows.push(vec![
                    escape(label),
                    count(&o[key]),
                    share(share_of(w, total)),
                ]);
            }
            let mut content = bands_bar(&bar, total.unwrap_or(0.0));
            content.push_str("<div class=\"legend\">");
            for (l, _, class) in &bar {
                let _ = write!(content, "<span class=\"l-{class}\">{}</span>", escape(l));
            }
            content.push_str("</div>");
            content.push_str(&html_table(
                &[
                    &format!("Temps de trajet ({})", kind_label(k)),
                    &counts,
                    "Part",
                ],
                &rows,
            ));
            block(
                &mut h,
                &format!("bandes-{}", n + 1),
                &format!(
                    "Tableau {} — {} : {counts} par bande de temps de trajet",
                    n + 2,
                    kind_label(k)
                ),
                &content,
                &source,
            );
        }
        let mut tno = kinds.len() + 2;

        // 5. Groupings.
        if let Some(groups) = summary["groups"].as_object().filter(|g| !g.is_empty()) {
            section(&mut h, "Par groupement");
            for (col, per_kind) in groups {
                let mut values: Vec<String> = Vec::new();
                for list in per_kind.as_object().into_iter().flat_map(|m| m.values()) {
                    for r in list.as_array().into_iter().flatten() {
                        let v = r["value"].as_str().unwrap_or("").to_string();
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                }
                values.sort();
                let mut headers = vec![col.clone()];
                for k in &kinds {
                    headers.push(format!("Dans le seuil — {}", kind_label(k)));
                    headers.push(format!("Part — {}", kind_label(k)));
                }
                let rows: Vec<Vec<String>> = values
                    .iter()
                    .map(|v| {
                        let mut r = vec![escape(v)];
                        for k in &kinds {
                            let row = per_kind[k]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .find(|x| x["value"].as_str() == Some(v));
                            match row {
                                Some(x) => {
                                    r.push(count(&x["within_weight"]));
                                    r.push(share(x["within_share"].as_f64()));
                                }
                                None => r.extend(["—".into(), "—".into()]),
                            }
                        }
                        r
                    })
                    .collect();
                let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
                block(
                    &mut h,
                    &format!("groupement-{}", escape(col)),
                    &format!("Tableau {tno} — {counts} dans le seuil par {col}"),
                    &html_table(&hdr, &rows),
                    &source,
                );
                tno += 1;
            }
        }

        // 6. Communes with the most people beyond reach.
        section(&mut h, "Communes les plus éloignées des services");
        for k in &kinds {
            let f = |row: &serde_json::Map<String, Value>, c: &str| {
                row.get(&format!("{c}_{k}")).and_then(Value::as_f64)
            };
            let mut listed: Vec<(&serde_json::Map<String, Value>, f64)> = communes_table
                .rows
                .iter()
                .filter_map(|r| {
                    // Only published counts are ranked: a withheld one is not placed.
                    let far = f(r, "beyond")? + f(r, "unreachable")?;
                    (far > 0.0).then_some((r, far))
                })
                .collect();
            listed.sort_by(|a, b| {
                b.1.total_cmp(&a.1).then_with(|| {
                    let c = |r: &serde_json::Map<String, Value>| {
                        r.get("code_insee")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    c(a.0).cmp(&c(b.0))
                })
            });
            let more = listed.len().saturating_sub(TOP_COMMUNES);
            listed.truncate(TOP_COMMUNES);
            let rows: Vec<Vec<String>> = listed
                .iter()
                .map(|(r, _)| {
                    let s = |c: &str| r.get(c).cloned().unwrap_or(Value::Null);
                    vec![
                        format!(
                            "{} ({})",
                            escape(s("nom").as_str().unwrap_or("")),
                            escape(s("code_insee").as_str().unwrap_or(""))
                        ),
                        count(&s("total")),
                        count(&s(&format!("beyond_{k}"))),
                        count(&s(&format!("unreachable_{k}"))),
                        share(s(&format!("within_share_{k}")).as_f64()),
                        minutes(&s(&format!("median_min_{k}"))),
                    ]
                })
                .collect();
            let content = if rows.is_empty() {
                format!(
                    "<p>Aucune commune n'a d'habitants publiés au-delà du seuil de {}.</p>",
                    kind_label(k)
                )
            } else {
                html_table(
                    &[
                        "Commune (code INSEE)",
                        &format!("Total ({counts})"),
                        "Au-delà du seuil",
                        "Injoignables",
                        "Part dans le seuil",
                        "Temps médian",
                    ],
                    &rows,
                )
            };
            let tail = if more > 0 {
                format!(
                    " {more} autres communes ont des {counts} au-delà du seuil : la table complète est dans communes_fr.csv et tableaux.xlsx."
                )
            } else {
                String::new()
            };
            block(
                &mut h,
                &format!("communes-{k}"),
                &format!(
                    "Tableau {tno} — {} : les communes qui comptent le plus de {counts} au-delà du seuil ({})",
                    kind_label(k),
                    minutes(&summary["kinds"][k]["threshold_min"])
                ),
                &content,
                &format!("{source}{tail}"),
            );
            tno += 1;
        }

        // 7. Scenarios.
        section(&mut h, "Effet des scénarios");
        if scenarios.is_empty() {
            h.push_str("<p>Aucun scénario n'accompagne ce rapport (<code>zoneblanche report --scenario FICHIER</code>).</p>");
        }
        for pw in scenarios {
            let d = diff_doc(pw, |_| true);
            let rows: Vec<Vec<String>> = d
                .kinds
                .iter()
                .map(|(k, dk)| {
                    let mut r = vec![escape(&kind_label(k))];
                    r.push(format!("{} → {}", dk.sites_before, dk.sites_after));
                    r.extend(row_map(&dk.overall));
                    r.push(format!("{} → {}", dk.zones_before, dk.zones_after));
                    r
                })
                .collect();
            let mut content = format!(
                "<p>{}</p>",
                escape(&format!(
                    "{}{}",
                    scenario_words(&d),
                    d.scenario
                        .description
                        .as_deref()
                        .map_or(String::new(), |x| format!(". {x}"))
                ))
            );
            content.push_str(&html_table(
                &[
                    "Service",
                    "Sites",
                    "Dans le seuil avant",
                    "après",
                    "Passent dans le seuil",
                    "Passent au-delà",
                    "Part dans le seuil",
                    "Zones blanches",
                ],
                &rows,
            ));
            block(
                &mut h,
                &format!("scenario-{tno}"),
                &format!("Tableau {tno} — Scénario « {} »", d.scenario.name),
                &content,
                &format!(
                    "{source} Avant : l'étude telle qu'elle est ; après : le scénario appliqué."
                ),
            );
            tno += 1;
        }

        // 8. Method, sources, secrecy.
        section(&mut h, "Méthode, sources et secret statistique");
        let min = fr_number(study.secrecy_min_count, 0);
        let mut thresholds = Vec::new();
        for kc in &self.coverage().kinds {
            let wait = kc.waiting_threshold_days.map_or(String::new(), |d| {
                format!(", délai d'attente au plus {} jours", fr_number(d, 0))
            });
            thresholds.push(format!(
                "{} : {}{wait}",
                kind_label(&kc.kind),
                minutes(&serde_json::json!(kc.threshold_min))
            ));
        }
        let bands: Vec<String> = study.bands_min.iter().map(|b| fr_number(*b, 0)).collect();
        let mut method = String::from("<dl class=\"facts\">");
        let mut m = |k: &str, v: &str| {
            let _ = write!(method, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
        };
        m(
            "Temps de trajet",
            &format!(
                "temps en voiture sur le réseau routier (profil « {} », modelé sur le profil car d'OSRM, moteur des temps de trajet de l'Insee), du centre de chaque carreau de 200 m habité au site le plus proche de chaque type ; bacs compris quand le réseau en a",
                study.provenance.profile
            ),
        );
        m("Seuils", &thresholds.join(" ; "));
        m(
            "Bandes de temps",
            &format!("limites à {} minutes", bands.join(", ")),
        );
        m(
            "Injoignables",
            "« hors réseau routier » : à plus de la distance de rattachement d'une route ; « sans liaison routière » : aucun trajet vers un site (île sans bac, réseau isolé)",
        );
        m(
            "Secret statistique",
            &format!(
                "aucun effectif strictement compris entre 0 et {min} n'est publié, ni ne peut être recalculé par différence entre tableaux, seuils ou scénarios : chaque effectif est une somme d'unités sûres (groupes de carreaux de 200 m d'une même commune, de 0 ou d'au moins {min} {counts}), chacune placée au centre de son carreau représentatif ; un effectif masqué est écrit « secret » (secret primaire : {}, secondaire : {})",
                summary["secrecy"]["suppressed_primary"],
                summary["secrecy"]["suppressed_secondary"]
            ),
        );
        m(
            "Produit le",
            &format!(
                "{} par {}",
                study.provenance.generated_at, study.provenance.software
            ),
        );
        let sources: Vec<String> = study
            .provenance
            .inputs
            .iter()
            .map(|f| {
                format!(
                    "{} ({}, SHA-256 {}…)",
                    f.path,
                    f.role,
                    &f.sha256[..f.sha256.len().min(12)]
                )
            })
            .collect();
        m("Sources", &sources.join(" ; "));
        m(
            "Données",
            if synthetic {
                "SYNTHÉTIQUES : démonstration, aucun chiffre réel"
            } else {
                "réseau routier © contributeurs OpenStreetMap (ODbL) ; population : Insee (carreaux de 200 m ou communes) selon l'étude"
            },
        );
        method.push_str("</dl>");
        h.push_str(&method);
        h.push_str("</body></html>\n");
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        assert_eq!(fr_number(0.0, 0), "0");
        assert_eq!(fr_number(1234567.0, 0), "1\u{202F}234\u{202F}567");
        assert_eq!(fr_number(22.5, 1), "22,5");
        assert_eq!(fr_number(999.96, 1), "1\u{202F}000,0");
        assert_eq!(fr_number(-0.01, 1), "0,0");
        assert_eq!(fr_number(-12.0, 0), "−12");
        assert_eq!(share(Some(0.8385)), "83,9\u{202F}%");
        assert_eq!(count(&Value::Null), "secret");
    }

    #[test]
    fn counts_are_named_in_french() {
        assert_eq!(counts_label("people"), "personnes");
        assert_eq!(
            counts_label("single-parent families"),
            "familles monoparentales"
        );
        assert_eq!(counts_label("households"), "ménages");
    }
}
