//! `--demo`: the demo study embedded in the binary, instead of `--study FILE`.

use std::path::{Path, PathBuf};

use anyhow::bail;
use zb_coverage::Study;

use crate::progress::Bar;
use crate::times::Stages;

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

/// Loads a study with a progress bar (timed as the `load` stage) and says when it is synthetic.
pub fn load_study(path: &Path, stages: &mut Stages) -> anyhow::Result<Study> {
    let bar = Bar::new();
    let study = stages.time("load", || Study::load(path, &bar));
    bar.finish();
    let study = study?;
    if study.provenance.synthetic {
        eprintln!("note: this study uses SYNTHETIC inputs (made up for a demo or a test)");
    }
    Ok(study)
}
