//! The demo study, embedded in the binary so that it runs anywhere: the 152 real communes of
//! Lozère (48) with their populations and boundaries, a SYNTHETIC road network generated
//! around them (`zoneblanche generate --dep 48 --seed 1`), and SYNTHETIC service sites of both
//! kinds. The files are those of `data/demo/` in the repository; see `data/README.md`.
//!
//! [`demo_study_path`] writes them once into a cache folder (atomically: a temporary folder
//! renamed into place) and returns the path of the study file, ready for `Study::load`.

use std::path::{Path, PathBuf};

use crate::TerritoryError;

/// The demo's files: (name, contents). The study file comes first.
pub const FILES: [(&str, &[u8]); 4] = [
    (
        "study.toml",
        include_bytes!("../../../data/demo/study.toml"),
    ),
    (
        "territory.osm.pbf",
        include_bytes!("../../../data/demo/territory.osm.pbf"),
    ),
    (
        "communes.geojson",
        include_bytes!("../../../data/demo/communes.geojson"),
    ),
    (
        "synthetic_sites.csv",
        include_bytes!("../../../data/demo/synthetic_sites.csv"),
    ),
];

/// The demo's communes and their total population (checked by the tests).
pub const COMMUNES: usize = 152;
pub const POPULATION: f64 = 76_601.0;

/// `demo-<version>-<crc32 of the files>`: a changed demo gets a new folder.
pub fn folder_name() -> String {
    let mut h = crc32fast::Hasher::new();
    for (name, bytes) in FILES {
        h.update(name.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    format!("demo-{}-{:08x}", env!("CARGO_PKG_VERSION"), h.finalize())
}

/// A per-user folder of the XDG base directories: `$<xdg_var>/zoneblanche`, else
/// `$HOME/<home_rel>/zoneblanche`; `None` when neither variable holds an absolute path.
pub fn xdg_dir(xdg_var: &str, home_rel: &str) -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute(xdg_var)
        .map(|x| x.join("zoneblanche"))
        .or_else(|| absolute("HOME").map(|h| h.join(home_rel).join("zoneblanche")))
}

/// The cache folder: `$XDG_CACHE_HOME/zoneblanche`, else `$HOME/.cache/zoneblanche`, else
/// `zoneblanche-cache` in the system's temporary folder.
pub fn cache_root() -> PathBuf {
    xdg_dir("XDG_CACHE_HOME", ".cache")
        .unwrap_or_else(|| std::env::temp_dir().join("zoneblanche-cache"))
}

/// The demo's study file, written out under [`cache_root`] on first use.
pub fn demo_study_path() -> Result<PathBuf, TerritoryError> {
    extract_demo(&cache_root())
}

/// True when `dir` holds every demo file with the embedded contents.
fn complete(dir: &Path) -> bool {
    FILES.iter().all(|(name, bytes)| {
        std::fs::read(dir.join(name)).is_ok_and(|on_disk| on_disk.as_slice() == *bytes)
    })
}

/// Writes the demo into `root/<folder_name()>/` unless it is already there, and returns the
/// path of its study file.
pub fn extract_demo(root: &Path) -> Result<PathBuf, TerritoryError> {
    let dir = root.join(folder_name());
    let study = dir.join(FILES[0].0);
    if complete(&dir) {
        return Ok(study);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TerritoryError::Io { path, source }
    };
    std::fs::create_dir_all(root).map_err(io(root))?;
    let tmp = root.join(format!(".{}.tmp-{}", folder_name(), std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(io(&tmp))?;
    let written = FILES.iter().try_for_each(|(name, bytes)| {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).map_err(io(&p))
    });
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() && !complete(&dir) {
        // A damaged or edited copy: replace it.
        let _ = std::fs::remove_dir_all(&dir);
    }
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(study),
        // Another process put a complete copy in place first.
        Err(_) if complete(&dir) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(study)
        }
        Err(source) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(TerritoryError::Io { path: dir, source })
        }
    }
}
