//! `--demo`: the demo study embedded in the binary, instead of `--study FILE`.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// The study file to load: `--study` as given, or the demo written out to its cache folder.
pub fn study_path(study: Option<&Path>, demo: bool) -> anyhow::Result<PathBuf> {
    match (study, demo) {
        (Some(p), false) => Ok(p.to_path_buf()),
        (None, true) => {
            let p = zb_territory::demo::demo_study_path()?;
            eprintln!(
                "demo: {} (SYNTHETIC roads and sites around the real communes of Lozère)",
                p.display()
            );
            Ok(p)
        }
        _ => bail!("give --study FILE or --demo"),
    }
}
