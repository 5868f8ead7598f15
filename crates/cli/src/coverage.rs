//! `zoneblanche coverage --study study.toml --out-dir DIR` and `zoneblanche report`.

use anyhow::Context;
use zb_publish::PublishedWhatIf;
use zb_whatif::{Baseline, Before, Scenario};

use crate::args::{CoverageArgs, ReportArgs};
use crate::times::Stages;

pub fn coverage(a: CoverageArgs) -> anyhow::Result<()> {
    let mut stages = Stages::default();
    let study_path = crate::demo::study_path(a.study.as_deref(), a.demo)?;
    let study = crate::demo::load_study(&study_path, &mut stages)?;
    let coverage = stages.time("evaluate", || study.evaluate());
    let written = stages.time("write", || {
        zb_publish::write_deliverables(&study, &coverage, &a.out_dir)
    })?;
    eprintln!(
        "{} demand units, {:.0} {} in all; {} sites; graph {} junctions, {} links",
        study.units.len(),
        study.total_weight(),
        study.counts,
        study.sites.len(),
        study.graph.num_vertices(),
        study.graph.num_links()
    );
    for k in &coverage.kinds {
        let o = &k.overall;
        let pct = |w: f64| {
            if o.total_weight > 0.0 {
                100.0 * w / o.total_weight
            } else {
                0.0
            }
        };
        eprintln!(
            "{}: threshold {} min; within {:.1}%, beyond {:.1}%, unreachable {:.1}% (off the road network {:.1}%, no road link to a site {:.1}%); reached by ferry {:.1}%; median {} min, p90 {} min; {} zones blanches ({} of {} sites on the network)",
            k.kind,
            k.threshold_min,
            pct(o.within_weight),
            pct(o.beyond_weight),
            pct(o.unreachable_weight),
            pct(o.unreachable_off_network),
            pct(o.unreachable_no_road_link),
            pct(o.weight_via_ferry),
            o.median_min.map_or("-".into(), |m| format!("{m:.1}")),
            o.p90_min.map_or("-".into(), |m| format!("{m:.1}")),
            k.zones.len(),
            k.sites_on_network,
            k.sites.len()
        );
    }
    for w in &study.warnings {
        match &w.detail {
            Some(d) => eprintln!("warning: {} ({d})", w.message),
            None => eprintln!("warning: {}", w.message),
        }
    }
    eprintln!(
        "wrote {} files to {}; stages: {}",
        written.len(),
        a.out_dir.display(),
        stages.line()
    );
    Ok(())
}

/// `zoneblanche report (--study S | --demo) [--scenario F]... --out rapport.html`.
pub fn report(a: ReportArgs) -> anyhow::Result<()> {
    let mut stages = Stages::default();
    // Scenario files are read before the study: a typo should not wait for an import.
    let scenarios: Vec<Scenario> = a
        .scenario
        .iter()
        .map(|f| Scenario::read(f))
        .collect::<Result<_, _>>()?;
    let study_path = crate::demo::study_path(a.study.as_deref(), a.demo)?;
    let study = crate::demo::load_study(&study_path, &mut stages)?;
    let coverage = stages.time("evaluate", || study.evaluate());
    let whatifs = stages.time("scenarios", || {
        let base = Baseline::new(&study);
        a.scenario
            .iter()
            .zip(&scenarios)
            .map(|(f, sc)| {
                base.apply_with(&study, sc, Before::Study)
                    .with_context(|| format!("{}: scenario `{}`", f.display(), sc.name))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let html = stages.time("report", || {
        let published: Vec<PublishedWhatIf> = whatifs
            .iter()
            .map(|w| PublishedWhatIf::new(&study, w))
            .collect();
        zb_publish::Exports::new(&study, &coverage).report(&published)
    })?;
    zb_routing::write_atomic(&a.out, html.as_bytes())?;
    eprintln!(
        "wrote {} ({} scenarios, {} kB); stages: {}",
        a.out.display(),
        whatifs.len(),
        html.len() / 1024,
        stages.line()
    );
    Ok(())
}
