//! Excel workbooks (`.xlsx`, by `rust_xlsxwriter`): one sheet per published table, headers in
//! bold on a frozen first row, numbers typed as numbers (shares as percentages), columns as
//! wide as their content, and a word of the publisher's choosing (« secret ») where a count is
//! withheld.
//!
//! The writer knows nothing of studies: the sheets come from published tables, their headers
//! already worded.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook};
use serde_json::Value;

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    /// A number shown with `decimals` decimals; `null` as `withheld` when set, else empty.
    Number {
        decimals: u8,
        withheld: Option<&'static str>,
    },
    /// A share (0-1) shown as a percentage with one decimal.
    Share,
    /// `true` / `false` as « oui » / « non ».
    YesNo,
}

/// A column: its header, the key of its values in the rows, how they are written.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub key: String,
    pub cell: Cell,
}

/// A sheet: a name (at most 31 characters), its columns and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<serde_json::Map<String, Value>>,
}

/// The workbook's bytes. `created` (RFC 3339) is its creation time, so that the same sheets
/// give the same bytes.
pub fn xlsx_bytes(sheets: &[Sheet], title: &str, created: &str) -> Result<Vec<u8>, String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let when = ExcelDateTime::parse_from_str(created.trim_end_matches('Z')).map_err(e)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("zoneblanche")
            .set_creation_datetime(&when),
    );
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color("#E8E8E8");
    let formats: Vec<Format> = (0..=4)
        .map(|d| {
            let f = if d == 0 {
                "#,##0".to_string()
            } else {
                format!("#,##0.{}", "0".repeat(d))
            };
            Format::new().set_num_format(f)
        })
        .collect();
    let share = Format::new().set_num_format("0.0%");
    let withheld_fmt = Format::new().set_align(FormatAlign::Right).set_italic();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).map_err(e)?;
        let mut widths: Vec<usize> = s
            .columns
            .iter()
            .map(|c| c.header.chars().count().clamp(8, 24))
            .collect();
        for (j, c) in s.columns.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, &c.header, &header)
                .map_err(e)?;
        }
        for (i, row) in s.rows.iter().enumerate() {
            let r = i as u32 + 1;
            for (j, c) in s.columns.iter().enumerate() {
                let col = j as u16;
                let v = row.get(&c.key).unwrap_or(&Value::Null);
                let shown: Option<String> = match (c.cell, v) {
                    (Cell::Number { withheld, .. }, Value::Null) => withheld.map(|w| {
                        ws.write_string_with_format(r, col, w, &withheld_fmt).ok();
                        w.to_string()
                    }),
                    (_, Value::Null) => None,
                    (Cell::Number { decimals, .. }, Value::Number(n)) => {
                        let x = n.as_f64().unwrap_or(0.0);
                        ws.write_number_with_format(r, col, x, &formats[decimals.min(4) as usize])
                            .map_err(e)?;
                        Some(format!("{x:.*}", decimals as usize))
                    }
                    (Cell::Share, Value::Number(n)) => {
                        let x = n.as_f64().unwrap_or(0.0);
                        ws.write_number_with_format(r, col, x, &share).map_err(e)?;
                        Some("100.0 %".into())
                    }
                    (Cell::YesNo, Value::Bool(b)) => {
                        let w = if *b { "oui" } else { "non" };
                        ws.write_string(r, col, w).map_err(e)?;
                        Some(w.into())
                    }
                    (_, Value::String(t)) => {
                        ws.write_string(r, col, t).map_err(e)?;
                        Some(t.clone())
                    }
                    (_, other) => {
                        let t = other.to_string();
                        ws.write_string(r, col, &t).map_err(e)?;
                        Some(t)
                    }
                };
                if let Some(t) = shown {
                    widths[j] = widths[j].max(t.chars().count() + 2);
                }
            }
        }
        for (j, w) in widths.iter().enumerate() {
            ws.set_column_width(j as u16, (*w).min(60) as f64)
                .map_err(e)?;
        }
        ws.set_freeze_panes(1, 0).map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_workbook_is_a_zip_and_the_same_sheets_give_the_same_bytes() {
        let row = |n: &str, w: Value, s: Value| {
            let mut r = serde_json::Map::new();
            r.insert("nom".into(), json!(n));
            r.insert("w".into(), w);
            r.insert("s".into(), s);
            r
        };
        let sheet = Sheet {
            name: "Communes".into(),
            columns: vec![
                Column {
                    header: "Commune".into(),
                    key: "nom".into(),
                    cell: Cell::Text,
                },
                Column {
                    header: "Population".into(),
                    key: "w".into(),
                    cell: Cell::Number {
                        decimals: 1,
                        withheld: Some("secret"),
                    },
                },
                Column {
                    header: "Part".into(),
                    key: "s".into(),
                    cell: Cell::Share,
                },
            ],
            rows: vec![
                row("Mende", json!(12000.5), json!(0.95)),
                row("Petite", Value::Null, Value::Null),
            ],
        };
        let a = xlsx_bytes(std::slice::from_ref(&sheet), "t", "2026-12-03T06:43:32Z").unwrap();
        let b = xlsx_bytes(&[sheet], "t", "2026-12-03T06:43:32Z").unwrap();
        assert_eq!(&a[..2], b"PK");
        assert_eq!(a, b);
        let bad = Sheet {
            name: "a name far too long for a sheet of excel".into(),
            columns: Vec::new(),
            rows: Vec::new(),
        };
        assert!(xlsx_bytes(&[bad], "t", "2026-12-03T06:43:32Z").is_err());
    }
}
