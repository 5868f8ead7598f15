//! The crate's one error type.

use std::fmt;
use std::path::PathBuf;

/// Where in an input file a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The whole file (no finer position makes sense).
    File,
    /// A CSV line, counting the header as line 1.
    Line(u64),
    /// The 0-based index of a feature in a GeoJSON `features` array.
    Feature(usize),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::File => f.write_str("whole file"),
            At::Line(line) => write!(f, "line {line}"),
            At::Feature(index) => write!(f, "feature index {index}"),
        }
    }
}

/// Everything that can go wrong in `zb-places`. Every message is one line naming the file, the
/// position in it and the field when they are known.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The CSV layer failed (bad quoting, invalid UTF-8, ragged row...).
    #[error("{}: {at}: {source}", path.display())]
    Csv {
        path: PathBuf,
        at: At,
        #[source]
        source: csv::Error,
    },
    /// The file is not GeoJSON, or not a FeatureCollection.
    #[error("{}: not a GeoJSON FeatureCollection: {reason}", path.display())]
    GeoJson { path: PathBuf, reason: String },
    /// A value (or a required column) is missing or wrong.
    #[error("{}: {at}: field `{field}`: {reason}", path.display())]
    Invalid {
        path: PathBuf,
        at: At,
        field: String,
        reason: String,
    },
    /// The file holds no record at all.
    #[error("{}: no {what} in file", path.display())]
    Empty { path: PathBuf, what: &'static str },
    /// The file name does not say which reader to use.
    #[error("{}: unsupported file type (expected .csv, .geojson or .json)", path.display())]
    UnsupportedFormat { path: PathBuf },
    /// PROJ does not know this EPSG code (or cannot build a transformation for it).
    #[error("unknown or unsupported CRS EPSG:{epsg}: {reason}")]
    UnknownCrs { epsg: u32, reason: String },
    /// PROJ could not convert a coordinate (outside the CRS's domain, not finite...).
    #[error("cannot convert ({x}, {y}) from EPSG:{from} to EPSG:{to}: {reason}")]
    Conversion {
        from: u32,
        to: u32,
        x: f64,
        y: f64,
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(
        path: impl Into<PathBuf>,
        at: At,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            path: path.into(),
            at,
            field: field.into(),
            reason: reason.into(),
        }
    }
}
