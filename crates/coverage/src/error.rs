use std::path::PathBuf;

/// Everything that can go wrong in a coverage study, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error("{}: {reason}", path.display())]
    Study { path: PathBuf, reason: String },
    #[error(transparent)]
    Routing(#[from] zb_routing::RoutingError),
    #[error(transparent)]
    Places(#[from] zb_places::Error),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    /// The saved-scenario database: not ours, corrupt, newer, or an SQLite failure.
    #[error("{}: {reason}", path.display())]
    Store { path: PathBuf, reason: String },
}
