use std::path::PathBuf;

/// Everything that can go wrong in the routing crate, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not an OSM PBF file: {reason}", path.display())]
    NotPbf { path: PathBuf, reason: String },
    #[error("{}: truncated PBF file: {reason}", path.display())]
    TruncatedPbf { path: PathBuf, reason: String },
    #[error("{}: corrupt PBF data: {reason}", path.display())]
    CorruptPbf { path: PathBuf, reason: String },
    #[error("{}: no car-routable road in this extract under profile `{profile}`", path.display())]
    NoRoads { path: PathBuf, profile: String },
    #[error("{}: profile: {reason}", path.display())]
    Profile { path: PathBuf, reason: String },
    #[error("{}: not a zoneblanche graph file (bad magic bytes)", path.display())]
    CacheNotGraph { path: PathBuf },
    #[error(
        "{}: graph file format version {found} is newer than this program's ({supported}); \
         re-import the PBF or update zoneblanche",
        path.display()
    )]
    CacheNewerVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{}: graph file format version {found} is no longer supported; re-import the PBF", path.display())]
    CacheOldVersion { path: PathBuf, found: u32 },
    #[error("{}: truncated graph file ({reason})", path.display())]
    CacheTruncated { path: PathBuf, reason: String },
    #[error("{}: corrupt graph file ({reason})", path.display())]
    CacheCorrupt { path: PathBuf, reason: String },
}
