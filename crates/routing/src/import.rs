//! Reading car ways and their nodes from an OSM PBF file.
//!
//! Two passes, as the format invites: first the ways (filtered by the profile), then only the
//! nodes those ways use. Blobs are decoded in parallel (rayon). Ways that reference nodes absent
//! from the file (extracts are clipped at their border) are kept: the graph builder splits them
//! there.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;

use osmpbf::{BlobDecode, BlobReader, BlobType, ByteOffset};
use rayon::prelude::*;

use crate::geom::Coord;
use crate::profile::{NodeRule, Profile, TurnModel, WayRule};
use crate::{Progress, RoutingError};

/// Marks a node a way references but the file does not hold.
pub const MISSING: Coord = Coord {
    lon_e7: i32::MIN,
    lat_e7: i32::MIN,
};

/// One car way as the profile sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawWay {
    pub osm_id: i64,
    /// Index into [`Profile::classes`].
    pub class: u8,
    /// km/h in the way's node order (meaningful when `forward`).
    pub speed_kmh: f64,
    /// km/h against the node order (meaningful when `backward`).
    pub backward_kmh: f64,
    pub forward: bool,
    pub backward: bool,
    /// The whole way's time in seconds (a ferry's `duration`), spread evenly over its segments.
    pub duration_s: Option<f64>,
    pub ferry: bool,
    /// Seconds of waiting added to a whole crossing of this ferry, spread like its duration.
    pub boarding_s: f64,
    /// Range into [`RawNetwork::way_nodes`].
    pub nodes_start: u32,
    pub nodes_end: u32,
}

/// What a turn restriction's `via` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// An OSM node id.
    Node(i64),
    /// OSM way ids, in the relation's order.
    Ways(Vec<i64>),
}

/// A turn restriction relation as read: OSM way ids, before any graph is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRestriction {
    pub osm_id: i64,
    /// `only_*` (else `no_*`).
    pub only: bool,
    pub from: Vec<i64>,
    pub via: Via,
    pub to: Vec<i64>,
}

/// The car ways of a PBF file and the positions of the nodes they use, before any graph is built.
#[derive(Debug, Clone, Default)]
pub struct RawNetwork {
    /// Sorted OSM ids of every node a car way references.
    pub node_ids: Vec<i64>,
    /// Position of each node of `node_ids`, or [`MISSING`] when the file lacks it.
    pub node_coords: Vec<Coord>,
    /// Car ways, sorted by OSM id.
    pub ways: Vec<RawWay>,
    /// Node references of all ways, as indices into `node_ids`.
    pub way_nodes: Vec<u32>,
    /// `highway` values of the profile, indexed by [`RawWay::class`].
    pub classes: Vec<String>,
    pub profile_name: String,
    /// Times summed per OSM segment as OSRM does (cheap-ruler length, 0.1 s each, at least
    /// 0.1 s) rather than per link from the haversine length to the millisecond.
    pub osrm_segments: bool,
    /// The nodes of car ways that do something to a car: index into `node_ids`, and the rule.
    pub node_rules: Vec<(u32, NodeRule)>,
    /// Turn restrictions of the profile's vehicle, sorted by relation id; relations with a
    /// missing or unusable member are left out (counted in `restrictions_unusable`).
    pub restrictions: Vec<RawRestriction>,
    pub restrictions_unusable: u64,
    /// How turns cost; `None` when every turn is free (the `simple` profile).
    pub turn_model: Option<TurnModel>,
    /// Ways in the file (any kind) and the car ways kept.
    pub ways_in_file: u64,
    /// Referenced nodes the file does not hold.
    pub missing_nodes: u64,
}

impl RawNetwork {
    pub fn way_node_slice(&self, w: &RawWay) -> &[u32] {
        &self.way_nodes[w.nodes_start as usize..w.nodes_end as usize]
    }
}

struct WayRec {
    osm_id: i64,
    rule: WayRule,
    refs: Vec<i64>,
}

fn pbf_error(path: &Path, e: osmpbf::Error) -> RoutingError {
    match e.into_kind() {
        osmpbf::ErrorKind::Io(source) => {
            if source.kind() == std::io::ErrorKind::UnexpectedEof {
                RoutingError::TruncatedPbf {
                    path: path.to_path_buf(),
                    reason: "unexpected end of file".into(),
                }
            } else {
                RoutingError::Io {
                    path: path.to_path_buf(),
                    source,
                }
            }
        }
        other => RoutingError::CorruptPbf {
            path: path.to_path_buf(),
            reason: format!("{other:?}").chars().take(200).collect(),
        },
    }
}

/// Scans the blob headers without decoding: checks the file is a PBF and complete, and returns
/// the offsets of the data blobs.
fn scan_blobs(path: &Path) -> Result<Vec<ByteOffset>, RoutingError> {
    let io = |source| RoutingError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file_len = std::fs::metadata(path).map_err(io)?.len();
    let mut reader = BlobReader::seekable_from_path(path).map_err(|e| pbf_error(path, e))?;
    let mut offsets = Vec::new();
    let mut first = true;
    while let Some(item) = reader.next_header_skip_blob() {
        let (header, offset) = item.map_err(|e| {
            if first {
                RoutingError::NotPbf {
                    path: path.to_path_buf(),
                    reason: "no OSM blob header at the start of the file".into(),
                }
            } else {
                pbf_error(path, e)
            }
        })?;
        let pos = reader
            .seek_raw(SeekFrom::Current(0))
            .map_err(|e| pbf_error(path, e))?;
        if pos > file_len {
            return Err(RoutingError::TruncatedPbf {
                path: path.to_path_buf(),
                reason: format!("a blob ends at byte {pos}, the file has {file_len}"),
            });
        }
        match header.blob_type() {
            BlobType::OsmHeader => {}
            BlobType::OsmData if !first => offsets.push(offset.unwrap_or(ByteOffset(0))),
            BlobType::OsmData | BlobType::Unknown(_) if first => {
                return Err(RoutingError::NotPbf {
                    path: path.to_path_buf(),
                    reason: "the first blob is not an OSMHeader".into(),
                });
            }
            _ => {}
        }
        first = false;
    }
    if first {
        return Err(RoutingError::NotPbf {
            path: path.to_path_buf(),
            reason: if file_len == 0 {
                "the file is empty".into()
            } else {
                "no OSM blob in the file".into()
            },
        });
    }
    Ok(offsets)
}

/// Reads blobs at `offsets` and maps each decoded data block in parallel.
fn par_blocks<T: Send>(
    path: &Path,
    offsets: &[ByteOffset],
    progress: &dyn Progress,
    map: impl Fn(&osmpbf::PrimitiveBlock) -> T + Sync + Send,
) -> Result<Vec<T>, RoutingError> {
    let mut file = File::open(path).map_err(|source| RoutingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    file.rewind().map_err(|source| RoutingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = Mutex::new(
        BlobReader::new_seekable(std::io::BufReader::new(file)).map_err(|e| pbf_error(path, e))?,
    );
    offsets
        .par_iter()
        .map(|&off| {
            let blob = {
                let mut r = reader.lock().unwrap_or_else(|p| p.into_inner());
                r.blob_from_offset(off).map_err(|e| pbf_error(path, e))?
            };
            let out = match blob.decode().map_err(|e| pbf_error(path, e))? {
                BlobDecode::OsmData(block) => Some(map(&block)),
                _ => None,
            };
            progress.inc(1);
            Ok(out)
        })
        .filter_map(|r| r.transpose())
        .collect()
}

/// Imports the car ways of a PBF file and the nodes they use.
pub fn import_pbf(
    path: &Path,
    profile: &Profile,
    progress: &dyn Progress,
) -> Result<RawNetwork, RoutingError> {
    let offsets = scan_blobs(path)?;

    // Pass 1: ways.
    progress.stage("ways", offsets.len() as u64);
    let per_block = par_blocks(path, &offsets, progress, |block| {
        let mut ways = Vec::new();
        let mut restrictions = Vec::new();
        let mut unusable = 0u64;
        let mut has_nodes = false;
        let mut n_ways = 0u64;
        for group in block.groups() {
            for rel in group.relations() {
                let tags: Vec<(&str, &str)> = rel.tags().collect();
                let Some(only) =
                    profile.restriction(|k| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v))
                else {
                    continue;
                };
                match restriction_members(rel.id(), only, rel.members()) {
                    Some(r) => restrictions.push(r),
                    None => unusable += 1,
                }
            }
            has_nodes |= group.dense_nodes().next().is_some() || group.nodes().next().is_some();
            for way in group.ways() {
                n_ways += 1;
                let tags: Vec<(&str, &str)> = way.tags().collect();
                let rule = profile.rule(|k| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v));
                if let Some(r) = rule {
                    let refs: Vec<i64> = way.refs().collect();
                    if refs.len() >= 2 {
                        ways.push(WayRec {
                            osm_id: way.id(),
                            rule: r,
                            refs,
                        });
                    }
                }
            }
        }
        (has_nodes, n_ways, ways, restrictions, unusable)
    })?;

    let mut node_blobs = Vec::new();
    let mut recs = Vec::new();
    let mut ways_in_file = 0;
    let mut restrictions = Vec::new();
    let mut restrictions_unusable = 0;
    for (i, (has_nodes, n, ways, rs, bad)) in per_block.into_iter().enumerate() {
        if has_nodes {
            node_blobs.push(offsets[i]);
        }
        ways_in_file += n;
        recs.extend(ways);
        restrictions.extend(rs);
        restrictions_unusable += bad;
    }
    recs.sort_unstable_by_key(|w| w.osm_id);
    restrictions.sort_unstable_by_key(|r: &RawRestriction| r.osm_id);

    let mut node_ids: Vec<i64> = recs.iter().flat_map(|w| w.refs.iter().copied()).collect();
    node_ids.par_sort_unstable();
    node_ids.dedup();

    // Pass 2: the nodes the car ways use.
    progress.stage("nodes", node_blobs.len() as u64);
    let found = par_blocks(path, &node_blobs, progress, |block| {
        let mut out: Vec<(u32, Coord)> = Vec::new();
        let mut rules: Vec<(u32, NodeRule)> = Vec::new();
        let mut tags: Vec<(&str, &str)> = Vec::new();
        // Only the nodes the car ways use have their tags read.
        let mut rule = |i: usize, tags: &[(&str, &str)]| {
            if !tags.is_empty()
                && let Some(r) =
                    profile.node_rule(|k| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v))
            {
                rules.push((i as u32, r));
            }
        };
        for group in block.groups() {
            for n in group.dense_nodes() {
                if let Ok(i) = node_ids.binary_search(&n.id()) {
                    out.push((
                        i as u32,
                        Coord {
                            lon_e7: n.decimicro_lon(),
                            lat_e7: n.decimicro_lat(),
                        },
                    ));
                    tags.clear();
                    tags.extend(n.tags());
                    rule(i, &tags);
                }
            }
            for n in group.nodes() {
                if let Ok(i) = node_ids.binary_search(&n.id()) {
                    out.push((
                        i as u32,
                        Coord {
                            lon_e7: n.decimicro_lon(),
                            lat_e7: n.decimicro_lat(),
                        },
                    ));
                    tags.clear();
                    tags.extend(n.tags());
                    rule(i, &tags);
                }
            }
        }
        (out, rules)
    })?;
    let mut node_coords = vec![MISSING; node_ids.len()];
    let mut node_rules = Vec::new();
    for (coords, rules) in found {
        for (i, c) in coords {
            node_coords[i as usize] = c;
        }
        node_rules.extend(rules);
    }
    node_rules.sort_unstable_by_key(|(i, _)| *i);
    node_rules.dedup_by_key(|(i, _)| *i);
    let missing_nodes = node_coords.iter().filter(|c| **c == MISSING).count() as u64;

    let mut ways = Vec::with_capacity(recs.len());
    let mut way_nodes = Vec::with_capacity(recs.iter().map(|w| w.refs.len()).sum());
    for w in recs {
        let start = way_nodes.len() as u32;
        way_nodes.extend(
            w.refs
                .iter()
                .map(|id| node_ids.binary_search(id).expect("every ref was collected") as u32),
        );
        let r = w.rule;
        ways.push(RawWay {
            osm_id: w.osm_id,
            class: r.class,
            // A one-way's other direction keeps the speed it has (never read by the graph, which
            // goes by the directions; the routing tests' oracles use it).
            speed_kmh: r.forward_kmh.or(r.backward_kmh).unwrap_or(1.0),
            backward_kmh: r.backward_kmh.or(r.forward_kmh).unwrap_or(1.0),
            forward: r.forward_kmh.is_some(),
            backward: r.backward_kmh.is_some(),
            duration_s: r.duration_s,
            ferry: r.ferry,
            boarding_s: r.boarding_s,
            nodes_start: start,
            nodes_end: way_nodes.len() as u32,
        });
    }
    if ways.is_empty() {
        return Err(RoutingError::NoRoads {
            path: path.to_path_buf(),
            profile: profile.name().to_string(),
        });
    }
    Ok(RawNetwork {
        node_ids,
        node_coords,
        ways,
        way_nodes,
        classes: profile.classes(),
        profile_name: profile.name().to_string(),
        osrm_segments: profile.osrm_segments(),
        node_rules,
        restrictions,
        restrictions_unusable,
        turn_model: profile.turn_model(),
        ways_in_file,
        missing_nodes,
    })
}

/// The from / via / to members of a restriction relation; `None` when one is missing, a via
/// mixes nodes and ways, or a from or to is not a way.
fn restriction_members(
    osm_id: i64,
    only: bool,
    members: osmpbf::RelMemberIter<'_>,
) -> Option<RawRestriction> {
    use osmpbf::RelMemberType as T;
    let (mut from, mut to, mut via_ways) = (Vec::new(), Vec::new(), Vec::new());
    let mut via_node = None;
    for m in members {
        match (m.role().ok()?, &m.member_type) {
            ("from", T::Way) => from.push(m.member_id),
            ("to", T::Way) => to.push(m.member_id),
            ("via", T::Node) if via_node.is_none() && via_ways.is_empty() => {
                via_node = Some(m.member_id)
            }
            ("via", T::Way) if via_node.is_none() => via_ways.push(m.member_id),
            ("from" | "to" | "via", _) => return None,
            _ => {}
        }
    }
    let via = match via_node {
        Some(n) => Via::Node(n),
        None if !via_ways.is_empty() => Via::Ways(via_ways),
        None => return None,
    };
    (!from.is_empty() && !to.is_empty()).then_some(RawRestriction {
        osm_id,
        only,
        from,
        via,
        to,
    })
}
