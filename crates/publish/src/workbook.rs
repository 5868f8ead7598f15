//! `tableaux.xlsx`: the published tables of a coverage as an Excel workbook in French, for the
//! planners and the committee: sheets Communes, Groupements, Sites, Bandes de temps and
//! Méthode (provenance, profile, thresholds, secrecy). Numbers are typed (shares as
//! percentages), headers are French and frozen, and a withheld count reads « secret ».
//!
//! Every value comes from the same published documents as the other files ([`Exports`]).

use serde_json::{Map, Value, json};
use zb_coverage::CoverageError;
use zb_writers::gpkg::{FieldType, Layer};
use zb_writers::xlsx::{Cell, Column, Sheet, xlsx_bytes};

use crate::coverage::Exports;
use crate::secrecy::is_count_field;

/// The file name.
pub const XLSX_FILE: &str = "tableaux.xlsx";

/// What a withheld count reads.
const WITHHELD: &str = "secret";

/// A kind of site as the committee names it.
pub fn kind_label(kind: &str) -> String {
    match kind {
        "mediation" => "médiation familiale".into(),
        "espace_rencontre" => "espace de rencontre".into(),
        other => other.replace('_', " "),
    }
}

/// The French header and the cell type of a published column (`K`-suffixed columns name
/// their kind).
pub fn column(key: &str, kinds: &[String], counts: &str) -> Column {
    let (base, kind) = kinds
        .iter()
        .find_map(|k| key.strip_suffix(&format!("_{k}")).map(|b| (b, Some(k))))
        .unwrap_or((key, None));
    let count = Cell::Number {
        decimals: 1,
        withheld: Some(WITHHELD),
    };
    let minutes = Cell::Number {
        decimals: 1,
        withheld: None,
    };
    let (header, cell): (String, Cell) = match base {
        "code_insee" => ("Code INSEE".into(), Cell::Text),
        "nom" => ("Commune".into(), Cell::Text),
        "value" => ("Valeur".into(), Cell::Text),
        "id" => ("Identifiant".into(), Cell::Text),
        "name" => ("Nom".into(), Cell::Text),
        "kind" => ("Type".into(), Cell::Text),
        "band" => ("Bande".into(), Cell::Text),
        "total" | "total_weight" => (format!("Total ({counts})"), count),
        "total_published" => ("Total publié (recensement)".into(), Cell::YesNo),
        "total_secret" => ("Total masqué".into(), Cell::YesNo),
        "within" | "within_weight" => ("Dans le seuil".into(), count),
        "beyond" | "beyond_weight" => ("Au-delà du seuil".into(), count),
        "unreachable" | "unreachable_weight" => ("Injoignables".into(), count),
        "unreachable_off_network" => ("Injoignables : hors réseau".into(), count),
        "unreachable_no_road_link" => ("Injoignables : sans liaison routière".into(), count),
        "weight_via_ferry" => ("Joints par bac".into(), count),
        "within_share" => ("Part dans le seuil".into(), Cell::Share),
        "median_min" => ("Temps médian (min)".into(), minutes),
        "p90_min" => ("9e décile du temps (min)".into(), minutes),
        "mean_waiting_days" => ("Attente moyenne (jours)".into(), minutes),
        "secret" => ("Chiffre masqué".into(), Cell::YesNo),
        "capacity" => ("Capacité".into(), minutes),
        "waiting_days" => ("Délai d'attente (jours)".into(), minutes),
        "opening" => ("Ouverture (h / semaine)".into(), minutes),
        "synthetic" => ("Synthétique".into(), Cell::YesNo),
        "on_network" => ("Sur le réseau".into(), Cell::YesNo),
        "snap_m" => ("Distance à la route (m)".into(), minutes),
        "from_min" => ("De (min)".into(), minutes),
        "to_min" => ("À (min)".into(), minutes),
        "weight" => (format!("Effectif ({counts})"), count),
        b if b.starts_with("band_") => {
            let parts: Vec<&str> = b["band_".len()..].splitn(2, '_').collect();
            let n = |s: &str| s.replace('p', ",");
            let h = match parts.as_slice() {
                [from, "plus"] => format!("{} min et plus", n(from)),
                [from, to] => format!("{}–{} min", n(from), n(to)),
                _ => b.to_string(),
            };
            (h, count)
        }
        b if is_count_field(b) => (b.replace('_', " "), count),
        b => (b.replace('_', " "), Cell::Text),
    };
    let header = match kind {
        Some(k) => format!("{header} — {}", kind_label(k)),
        None => header,
    };
    Column {
        header,
        key: key.to_string(),
        cell,
    }
}

/// A table of the GeoPackage ([`Layer`]) as a sheet.
fn layer_sheet(name: &str, layer: &Layer, kinds: &[String], counts: &str) -> Sheet {
    let columns = layer
        .fields
        .iter()
        .map(|(f, ty)| {
            let mut c = column(f, kinds, counts);
            if *ty == FieldType::Text && c.cell != Cell::Text {
                c.cell = Cell::Text;
            }
            c
        })
        .collect();
    let rows = layer
        .rows
        .iter()
        .map(|(_, values)| {
            layer
                .fields
                .iter()
                .zip(values)
                .map(|((f, _), v)| (f.clone(), v.clone()))
                .collect()
        })
        .collect();
    Sheet {
        name: name.to_string(),
        columns,
        rows,
    }
}

fn kv(k: &str, v: impl Into<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("k".into(), Value::String(k.into()));
    m.insert("v".into(), v.into());
    m
}

impl Exports<'_> {
    /// The sheets of `tableaux.xlsx`.
    pub fn workbook_sheets(&self) -> Result<Vec<Sheet>, CoverageError> {
        let study = self.study();
        let counts = study.counts.as_str();
        let kinds: Vec<String> = self
            .coverage()
            .kinds
            .iter()
            .map(|k| k.kind.clone())
            .collect();
        let table = self.communes_table();
        let mut sheets = vec![Sheet {
            name: "Communes".into(),
            columns: table
                .columns
                .iter()
                .map(|c| column(c, &kinds, counts))
                .collect(),
            rows: table.rows,
        }];
        // The attribute tables of the GeoPackage, without projecting its geometries.
        let summary = self.summary();
        let groups = crate::gpkg::group_layers(&summary);
        let mut group_sheet = Sheet {
            name: "Groupements".into(),
            columns: vec![Column {
                header: "Groupement".into(),
                key: "groupement".into(),
                cell: Cell::Text,
            }],
            rows: Vec::new(),
        };
        for l in &groups {
            let s = layer_sheet("", l, &kinds, counts);
            for c in s.columns {
                if !group_sheet.columns.iter().any(|x| x.key == c.key) {
                    group_sheet.columns.push(c);
                }
            }
            for mut r in s.rows {
                r.insert(
                    "groupement".into(),
                    json!(l.title.trim_start_matches("Groupement ")),
                );
                group_sheet.rows.push(r);
            }
        }
        sheets.push(group_sheet);
        let sites = self.sites();
        let order = ["id", "name", "kind"].map(String::from);
        let site_columns = crate::gpkg::columns(&sites, &order);
        sheets.push(Sheet {
            name: "Sites".into(),
            columns: site_columns
                .iter()
                .map(|c| column(c, &kinds, counts))
                .collect(),
            rows: sites
                .features
                .into_iter()
                .map(|f| f.properties.unwrap_or_default())
                .collect(),
        });
        let bands = crate::gpkg::bands_layer(&summary, &kinds);
        sheets.push(layer_sheet("Bandes de temps", &bands, &kinds, counts));
        // Méthode: what the figures are and where they come from.
        let p = &study.provenance;
        let mut rows = vec![
            kv("Étude", study.name.clone().unwrap_or_default()),
            kv(
                "Données",
                if p.synthetic {
                    "SYNTHÉTIQUES : démonstration, aucun chiffre réel"
                } else {
                    "réelles"
                },
            ),
            kv("Produit le", p.generated_at.clone()),
            kv("Logiciel", p.software.clone()),
            kv(
                "Temps de trajet",
                format!(
                    "en voiture, profil « {} » (modelé sur le profil car d'OSRM)",
                    p.profile
                ),
            ),
            kv("Ce que comptent les effectifs", study.counts.clone()),
        ];
        for kc in &self.coverage().kinds {
            let wait = kc
                .waiting_threshold_days
                .map_or(String::new(), |d| format!(", attente au plus {d} jours"));
            rows.push(kv(
                &format!("Seuil — {}", kind_label(&kc.kind)),
                format!("{} min{wait}", kc.threshold_min),
            ));
        }
        rows.push(kv(
            "Secret statistique",
            format!(
                "aucun effectif strictement entre 0 et {} n'est publié ; chaque effectif est une somme d'unités sûres (groupes de carreaux de 200 m d'une même commune, de 0 ou d'au moins {} personnes), chacune au centre de son carreau représentatif",
                study.secrecy_min_count, study.secrecy_min_count
            ),
        ));
        rows.push(kv(
            "Bandes de temps (min)",
            study
                .bands_min
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(" – "),
        ));
        for f in &p.inputs {
            rows.push(kv(
                &format!("Source ({})", f.role),
                format!("{} (SHA-256 {})", f.path, f.sha256),
            ));
        }
        sheets.push(Sheet {
            name: "Méthode".into(),
            columns: vec![
                Column {
                    header: "Rubrique".into(),
                    key: "k".into(),
                    cell: Cell::Text,
                },
                Column {
                    header: "Valeur".into(),
                    key: "v".into(),
                    cell: Cell::Text,
                },
            ],
            rows,
        });
        Ok(sheets)
    }

    /// `tableaux.xlsx` as bytes.
    pub fn workbook(&self) -> Result<Vec<u8>, CoverageError> {
        let title = self
            .study()
            .name
            .clone()
            .unwrap_or_else(|| "zoneblanche".into());
        xlsx_bytes(
            &self.workbook_sheets()?,
            &title,
            &self.study().provenance.generated_at,
        )
        .map_err(|e| CoverageError::Invalid(format!("{XLSX_FILE}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_worded_in_french_with_their_kind() {
        let kinds = vec!["mediation".to_string(), "espace_rencontre".to_string()];
        let c = column("within_mediation", &kinds, "people");
        assert_eq!(c.header, "Dans le seuil — médiation familiale");
        assert_eq!(
            c.cell,
            Cell::Number {
                decimals: 1,
                withheld: Some("secret")
            }
        );
        let c = column("within_share_espace_rencontre", &kinds, "people");
        assert_eq!(c.header, "Part dans le seuil — espace de rencontre");
        assert_eq!(c.cell, Cell::Share);
        assert_eq!(
            column("band_0_15_mediation", &kinds, "p").header,
            "0–15 min — médiation familiale"
        );
        assert_eq!(
            column("band_60_plus_mediation", &kinds, "p").header,
            "60 min et plus — médiation familiale"
        );
        assert_eq!(
            column("band_22p5_30_mediation", &kinds, "p").header,
            "22,5–30 min — médiation familiale"
        );
        assert_eq!(column("total", &kinds, "people").header, "Total (people)");
        assert_eq!(
            column("median_min_mediation", &kinds, "p").cell,
            Cell::Number {
                decimals: 1,
                withheld: None
            }
        );
    }
}
