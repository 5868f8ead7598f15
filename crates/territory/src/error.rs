use std::path::PathBuf;

/// Everything that can go wrong in `zb-territory`. Every message is one line naming the file,
/// and the line and field when they are known (the CSV header is line 1).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerritoryError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The CSV layer failed (bad quoting, invalid UTF-8, ragged row...).
    #[error("{}: line {line}: {source}", path.display())]
    Csv {
        path: PathBuf,
        line: u64,
        #[source]
        source: csv::Error,
    },
    /// A required column is absent from the header.
    #[error("{}: line 1: field `{field}`: missing column (expected {expected})", path.display())]
    MissingColumn {
        path: PathBuf,
        field: String,
        expected: String,
    },
    /// A value is wrong.
    #[error("{}: line {line}: field `{field}`: {reason}", path.display())]
    Invalid {
        path: PathBuf,
        line: u64,
        field: String,
        reason: String,
    },
    /// `--dep` names a département the file has no commune of.
    #[error("{}: field `dep`: no commune of département `{dep}` in this file", path.display())]
    UnknownDepartement { path: PathBuf, dep: String },
    /// Nothing to generate.
    #[error("{}: no commune selected ({reason})", path.display())]
    NoCommune { path: PathBuf, reason: String },
}
