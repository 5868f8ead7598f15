//! `zoneblanche whatif`, `recommend` and `scenarios`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use zb_coverage::Study;
use zb_publish::PublishedWhatIf;
use zb_publish::whatif::{
    diff_json, picks_geojson, summary_csv_header, summary_csv_row, write_whatif,
};
use zb_store::{SavedScenario, ScenarioStore};
use zb_whatif::recommend::{
    Objective, candidates_from_csv, candidates_from_grid, candidates_from_mairies,
    recommend as pick,
};
use zb_whatif::{Baseline, Scenario, WhatIf};

use crate::args::{RecommendArgs, ScenariosAction, ScenariosArgs, WhatifArgs};
use crate::times::Stages;

fn report(w: &WhatIf) {
    for k in &w.kinds {
        let o = &k.overall;
        eprintln!(
            "{}: within {:.0} -> {:.0} (newly within {:.0}, newly beyond {:.0}); {} units change state; zones {} -> {}",
            k.kind,
            o.within_before,
            o.within_after,
            o.newly_within_weight,
            o.newly_beyond_weight,
            k.changed.len(),
            k.before.zones.len(),
            k.after.zones.len()
        );
    }
}

fn save(db: &Path, study: &Study, w: &WhatIf, study_path: &Path) -> anyhow::Result<()> {
    let mut store = crate::args::open_store(db)?;
    let summary = diff_json(&PublishedWhatIf::new(study, w));
    let provenance = serde_json::to_value(&study.provenance)?;
    let name = w.scenario.name.clone();
    store.save(&SavedScenario::new(
        &name,
        w.scenario.clone(),
        summary,
        provenance,
        Some(
            study
                .name
                .clone()
                .unwrap_or_else(|| study_path.display().to_string()),
        ),
    ))?;
    eprintln!("saved scenario `{name}` in {}", db.display());
    Ok(())
}

pub fn whatif(a: WhatifArgs) -> anyhow::Result<()> {
    let mut stages = Stages::default();
    // Scenario files are read before the study: a typo should not wait for an import.
    let files: Vec<PathBuf> = match (&a.scenario, &a.scenarios) {
        (Some(f), None) => vec![f.clone()],
        (None, Some(dir)) => {
            let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
                .with_context(|| format!("{}: cannot read the scenario folder", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            v.sort();
            if v.is_empty() {
                bail!("{}: no *.toml scenario in this folder", dir.display());
            }
            v
        }
        _ => bail!("give --scenario FILE --out-dir DIR, or --scenarios DIR --out summary.csv"),
    };
    let scenarios: Vec<Scenario> = files
        .iter()
        .map(|f| Scenario::read(f))
        .collect::<Result<_, _>>()?;
    let study_path = crate::demo::study_path(a.study.as_deref(), a.demo)?;
    let study = crate::demo::load_study(&study_path, &mut stages)?;
    let base = stages.time("baseline", || Baseline::new(&study));
    if let Some(out_dir) = &a.out_dir {
        let w = stages.time("scenario", || {
            base.apply_with(&study, &scenarios[0], a.before.into())
        })?;
        let written = stages.time("write", || {
            write_whatif(&PublishedWhatIf::new(&study, &w), out_dir)
        })?;
        report(&w);
        if a.save {
            save(&a.db, &study, &w, &study_path)?;
        }
        eprintln!(
            "wrote {} files to {}; stages: {}",
            written.len(),
            out_dir.display(),
            stages.line()
        );
        return Ok(());
    }
    let out = a
        .out
        .as_ref()
        .expect("clap requires --out with --scenarios");
    let mut results = Vec::new();
    for (f, sc) in files.iter().zip(&scenarios) {
        let w = base
            .apply_with(&study, sc, a.before.into())
            .with_context(|| format!("{}: scenario `{}`", f.display(), sc.name))?;
        results.push((f, w));
    }
    let mut kinds: Vec<String> = study.kinds();
    for (_, w) in &results {
        for k in &w.kinds {
            if !kinds.contains(&k.kind) {
                kinds.push(k.kind.clone());
            }
        }
    }
    let mut csv = summary_csv_header(&kinds);
    for (f, w) in &results {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        csv.push_str(&summary_csv_row(
            &PublishedWhatIf::new(&study, w),
            &name,
            &kinds,
        ));
        if a.save {
            save(&a.db, &study, w, &study_path)?;
        }
    }
    zb_routing::write_atomic(out, csv.as_bytes())?;
    eprintln!(
        "{} scenarios -> {}; stages: {}",
        results.len(),
        out.display(),
        stages.line()
    );
    Ok(())
}

pub fn recommend(a: RecommendArgs) -> anyhow::Result<()> {
    let objective: Objective = a.objective.parse()?;
    if let Some(t) = a.threshold_min
        && !(1.0..=240.0).contains(&t)
    {
        bail!("--threshold-min: {t} is outside 1-240 minutes");
    }
    let candidates_file = a.candidates.as_ref().map(candidates_from_csv).transpose()?;
    let mut stages = Stages::default();
    let study = crate::demo::load_study(&a.study, &mut stages)?;
    let candidates = match (candidates_file, a.grid_m) {
        (Some(c), _) => c,
        (None, Some(m)) => candidates_from_grid(&study, m)?,
        (None, None) => candidates_from_mairies(&study),
    };
    let threshold = a
        .threshold_min
        .unwrap_or_else(|| study.thresholds.minutes(&a.kind));
    let r = stages.time("recommend", || {
        pick(&study, &a.kind, a.k, &candidates, objective, threshold)
    })?;
    let fc = picks_geojson(&study, &r);
    zb_routing::write_atomic(&a.out, &zb_writers::to_bytes(&fc))?;
    for p in &r.picks {
        eprintln!(
            "{}. {} ({:.5}, {:.5}): +{:.0} within {} min, cumulative {:.1}%{}",
            p.rank,
            p.candidate.label.as_deref().unwrap_or(&p.candidate.id),
            p.candidate.lon,
            p.candidate.lat,
            p.gain_weight,
            threshold,
            100.0 * p.cumulative_within_share,
            p.worst_min_after
                .map_or(String::new(), |w| format!(", worst {w:.1} min"))
        );
    }
    if !r.skipped.is_empty() {
        eprintln!(
            "warning: {} candidates are off the road network and were skipped",
            r.skipped.len()
        );
    }
    eprintln!("wrote {}; stages: {}", a.out.display(), stages.line());
    Ok(())
}

pub fn scenarios(a: ScenariosArgs) -> anyhow::Result<()> {
    if !a.db.exists() {
        bail!(
            "{}: no scenario database here (save one with `zoneblanche whatif --save`)",
            a.db.display()
        );
    }
    let mut store = ScenarioStore::open(&a.db)?;
    match a.action {
        ScenariosAction::List => {
            for s in store.list()? {
                println!(
                    "{}\t{}\t{}",
                    s.name,
                    s.saved_at,
                    s.description.unwrap_or_default()
                );
            }
        }
        ScenariosAction::Show { name } => match store.get(&name)? {
            Some(s) => println!("{}", serde_json::to_string_pretty(&s)?),
            None => bail!("{}: no scenario named `{name}`", a.db.display()),
        },
        ScenariosAction::Delete { name } => {
            if !store.delete(&name)? {
                bail!("{}: no scenario named `{name}`", a.db.display());
            }
            eprintln!("deleted `{name}`");
        }
    }
    Ok(())
}
