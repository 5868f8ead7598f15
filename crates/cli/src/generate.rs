//! `zoneblanche generate --communes communes.csv [--dep 48] [--seed 1] -o territory.osm.pbf`.

use std::time::Instant;

use crate::args::GenerateArgs;

pub fn generate(a: GenerateArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let s = zb_territory::generate_file(&a.communes, &a.dep, a.seed, &a.out)?;
    let secs = start.elapsed().as_secs_f64();
    if !s.without_position.is_empty() {
        let ex: Vec<&str> = s
            .without_position
            .iter()
            .take(5)
            .map(String::as_str)
            .collect();
        eprintln!(
            "warning: {} communes have no position in {} and were left out (e.g. {})",
            s.without_position.len(),
            a.communes.display(),
            ex.join(", ")
        );
    }
    if !s.without_population.is_empty() {
        let ex: Vec<&str> = s
            .without_population
            .iter()
            .take(5)
            .map(String::as_str)
            .collect();
        eprintln!(
            "warning: {} communes have no population in {}: generated as villages of 0 people \
             (e.g. {})",
            s.without_population.len(),
            a.communes.display(),
            ex.join(", ")
        );
    }
    if s.components > 1 {
        eprintln!(
            "note: the network has {} parts no road under {} km could join (islands): the \
             import keeps them all, and an island's homes reach only its own sites",
            s.components,
            zb_territory::plan::MAX_LINK_M / 1000.0
        );
    }
    let classes: Vec<String> = s
        .roads
        .km_by_highway
        .iter()
        .rev()
        .map(|(h, km)| format!("{h} {km:.0}"))
        .collect();
    eprintln!(
        "generated a SYNTHETIC territory around {} communes (seed {}): {} nodes, {} ways, {:.0} km \
         of road ({}), {} roundabouts, {} one-way streets, {} hamlets",
        s.communes,
        a.seed,
        s.roads.nodes,
        s.roads.ways,
        s.roads.km_total(),
        classes.join(", "),
        s.roads.roundabouts,
        s.roads.oneway_ways,
        s.roads.hamlets
    );
    let counts = |m: &std::collections::BTreeMap<&'static str, u64>| {
        if m.is_empty() {
            "none".to_string()
        } else {
            m.iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    eprintln!(
        "junction rules: {}; turn restrictions: {}; {} ferries ({:.0} km, island communes joined \
         by a synthetic ferry)",
        counts(&s.roads.node_tags),
        counts(&s.roads.restrictions),
        s.roads.ferries,
        s.roads.ferry_km
    );
    eprintln!(
        "wrote {} ({:.1} MB, {} blocks) in {secs:.1} s",
        a.out.display(),
        s.written.bytes as f64 / 1e6,
        s.written.blocks
    );
    Ok(())
}
