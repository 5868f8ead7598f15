//! Reading delimited text files the way French open data publishes them: `,` or `;` separators
//! (detected from the header), an optional UTF-8 BOM (stripped by `csv`), decimal commas in
//! `;`-separated files.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::error::{At, Error, Result};

/// The header of an open CSV file, and how its values are written.
pub(crate) struct Table {
    pub(crate) path: PathBuf,
    pub(crate) headers: Vec<String>,
    separator: u8,
}

/// The data rows of an open CSV file.
pub(crate) struct Rows {
    path: PathBuf,
    reader: csv::Reader<LineCounter<File>>,
    index: u64,
    /// Lines ended before the newlines still queued in the [`LineCounter`].
    lines_before: u64,
}

/// A reader that notes where each `\n` is, so that a record's line is that of the file whatever
/// its line ends (`csv` counts a CRLF file's lines one short after its first record).
pub(crate) struct LineCounter<R> {
    inner: R,
    offset: u64,
    newlines: std::collections::VecDeque<u64>,
}

impl<R: std::io::Read> std::io::Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl Table {
    pub(crate) fn open(path: &Path) -> Result<(Self, Rows)> {
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut first_line = String::new();
        BufReader::new(File::open(path).map_err(io_err)?)
            .read_line(&mut first_line)
            .map_err(io_err)?;
        let separator = detect_separator(&first_line);
        let file = LineCounter {
            inner: File::open(path).map_err(io_err)?,
            offset: 0,
            newlines: Default::default(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(separator)
            .flexible(false)
            .from_reader(file);
        let headers = reader
            .headers()
            .map_err(|source| Error::Csv {
                path: path.to_path_buf(),
                at: At::Line(1),
                source,
            })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let table = Table {
            path: path.to_path_buf(),
            headers,
            separator,
        };
        let rows = Rows {
            path: path.to_path_buf(),
            reader,
            index: 0,
            lines_before: 0,
        };
        Ok((table, rows))
    }

    /// Column with exactly this name.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Column with exactly this name, else the first one equal to it ignoring ASCII case.
    pub(crate) fn column_ci(&self, name: &str) -> Option<usize> {
        self.column(name).or_else(|| {
            self.headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
        })
    }

    /// Like [`Table::column_ci`], but a missing column is an error on line 1 (the header).
    pub(crate) fn require_ci(&self, name: &str) -> Result<usize> {
        self.column_ci(name).ok_or_else(|| {
            Error::invalid(
                &self.path,
                At::Line(1),
                name,
                format!(
                    "required column is missing (header has: {})",
                    self.headers.join(", ")
                ),
            )
        })
    }

    /// Parses a number; a decimal comma is accepted in `;`-separated files (French spreadsheets).
    /// `None` for an empty cell.
    pub(crate) fn number(&self, line: u64, field: &str, raw: &str) -> Result<Option<f64>> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let parsed = if self.separator == b';' && raw.contains(',') && !raw.contains('.') {
            raw.replace(',', ".").parse::<f64>()
        } else {
            raw.parse::<f64>()
        };
        match parsed {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            Ok(_) => Err(Error::invalid(
                &self.path,
                At::Line(line),
                field,
                format!("`{raw}` is not a finite number"),
            )),
            Err(_) => Err(Error::invalid(
                &self.path,
                At::Line(line),
                field,
                format!("`{raw}` is not a number"),
            )),
        }
    }

    /// Like [`Table::number`] but an empty cell is an error.
    pub(crate) fn required_number(&self, line: u64, field: &str, raw: &str) -> Result<f64> {
        self.number(line, field, raw)?
            .ok_or_else(|| Error::invalid(&self.path, At::Line(line), field, "value is empty"))
    }
}

impl Rows {
    /// The file line of the record `csv` says starts at byte `byte`: one more than the newlines
    /// before. In a CRLF file `csv` puts a record's start on the `\n` ending the line before:
    /// that newline counts too.
    fn line_at(&mut self, byte: u64) -> u64 {
        let newlines = &mut self.reader.get_mut().newlines;
        while newlines.front().is_some_and(|&n| n <= byte) {
            newlines.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }
}

impl Iterator for Rows {
    /// A record with its line number (header = line 1).
    type Item = Result<(u64, csv::StringRecord)>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = csv::StringRecord::new();
        // The line of the record's first byte in the file (quoted newlines and CRLF counted as
        // they are); the fallback only serves if `csv` ever stops reporting positions.
        self.index += 1;
        let fallback = self.index + 1;
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(fallback, |p| self.line_at(p.byte()));
                Some(Ok((line, record)))
            }
            Err(source) => {
                let line = source
                    .position()
                    .map_or(fallback, |p| self.line_at(p.byte()));
                Some(Err(Error::Csv {
                    path: self.path.clone(),
                    at: At::Line(line),
                    source,
                }))
            }
        }
    }
}

/// `;` when the header has more semicolons than commas (and tabs), tab likewise, else `,`.
fn detect_separator(header: &str) -> u8 {
    let count = |c: char| header.chars().filter(|&h| h == c).count();
    let (commas, semis, tabs) = (count(','), count(';'), count('\t'));
    if semis > commas && semis >= tabs {
        b';'
    } else if tabs > commas && tabs > semis {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_detection() {
        assert_eq!(detect_separator("id,lon,lat\n"), b',');
        assert_eq!(detect_separator("id;lon;lat\n"), b';');
        assert_eq!(detect_separator("id\tlon\tlat\n"), b'\t');
        assert_eq!(detect_separator("\u{feff}idcar_200m;nom,court;Ind\n"), b';');
    }

    #[test]
    fn decimal_comma_only_with_semicolons() {
        let dir = tempfile::tempdir().unwrap();
        let semi = dir.path().join("semi.csv");
        std::fs::write(&semi, "a;b\n\"1,5\";2\n").unwrap();
        let (t, mut rows) = Table::open(&semi).unwrap();
        let (line, rec) = rows.next().unwrap().unwrap();
        assert_eq!(line, 2);
        assert_eq!(t.number(line, "a", &rec[0]).unwrap(), Some(1.5));

        let comma = dir.path().join("comma.csv");
        std::fs::write(&comma, "a,b\n\"1,5\",2\n").unwrap();
        let (t, mut rows) = Table::open(&comma).unwrap();
        let (line, rec) = rows.next().unwrap().unwrap();
        let err = t.number(line, "a", &rec[0]).unwrap_err().to_string();
        assert!(err.contains("comma.csv") && err.contains("line 2") && err.contains("`a`"));
    }

    #[test]
    fn bom_is_stripped_and_columns_match_case_insensitively() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bom.csv");
        std::fs::write(&p, "\u{feff}IdCar_200m,Ind\nx,1\n").unwrap();
        let (t, _) = Table::open(&p).unwrap();
        assert_eq!(t.column_ci("idcar_200m"), Some(0));
        assert_eq!(t.column("idcar_200m"), None);
        let err = t.require_ci("Men").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("`Men`"), "{err}");
    }
}
