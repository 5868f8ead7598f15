//! The graph cache: a versioned binary file (`.zbg`) that loads much faster than the PBF.
//!
//! Layout (little-endian): magic `ZBGRAPH\0`, format version (u32), payload length (u64),
//! CRC-32 of the payload (u32), then the payload: profile name and classes, import statistics,
//! counts, and the graph's arrays. The adjacency is rebuilt on load (a counting sort) rather
//! than stored. A wrong, truncated or corrupt file gives a clear error, never a panic: the
//! checksum is verified, then every index is range-checked before the graph is used.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::RoutingError;
use crate::geom::Coord;
use crate::graph::{Arc, BACKWARD, FORWARD, Graph, GraphStats, SMALL_PART};

const MAGIC: &[u8; 8] = b"ZBGRAPH\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 4;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// Writes the graph to `path` atomically (a temporary file in the same folder, then a rename).
pub fn write_graph(graph: &Graph, path: &Path) -> Result<u64, RoutingError> {
    let payload = encode(graph);
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    write_atomic(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// Writes `bytes` to a temporary sibling of `path`, syncs it and renames it over `path`; on any
/// error the temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RoutingError> {
    let tmp = tmp_sibling(path);
    let io = |source| RoutingError::Io {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

fn tmp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Reads a graph file written by [`write_graph`].
pub fn read_graph(path: &Path) -> Result<Graph, RoutingError> {
    let bytes = std::fs::read(path).map_err(|source| RoutingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_file(&bytes).map_err(|e| e.at(path))
}

enum DecodeError {
    NotGraph,
    Newer(u32),
    Older(u32),
    Truncated(String),
    Corrupt(String),
}

impl DecodeError {
    fn at(self, path: &Path) -> RoutingError {
        let path = path.to_path_buf();
        match self {
            DecodeError::NotGraph => RoutingError::CacheNotGraph { path },
            DecodeError::Newer(found) => RoutingError::CacheNewerVersion {
                path,
                found,
                supported: FORMAT_VERSION,
            },
            DecodeError::Older(found) => RoutingError::CacheOldVersion { path, found },
            DecodeError::Truncated(reason) => RoutingError::CacheTruncated { path, reason },
            DecodeError::Corrupt(reason) => RoutingError::CacheCorrupt { path, reason },
        }
    }
}

fn decode_file(bytes: &[u8]) -> Result<Graph, DecodeError> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(DecodeError::NotGraph);
    }
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::Truncated(format!(
            "{} bytes, the header alone has {HEADER_LEN}",
            bytes.len()
        )));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        return Err(DecodeError::Newer(version));
    }
    if version < FORMAT_VERSION {
        return Err(DecodeError::Older(version));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    let payload = &bytes[HEADER_LEN..];
    if (payload.len() as u64) < len {
        return Err(DecodeError::Truncated(format!(
            "payload has {} of {len} bytes",
            payload.len()
        )));
    }
    if (payload.len() as u64) > len {
        return Err(DecodeError::Corrupt(format!(
            "{} bytes after the end of the payload",
            payload.len() as u64 - len
        )));
    }
    if crc32fast::hash(payload) != crc {
        return Err(DecodeError::Corrupt("checksum mismatch".into()));
    }
    decode(payload)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn u32s(&mut self, v: &[u32]) {
        self.0.reserve(v.len() * 4);
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn coords(&mut self, v: &[Coord]) {
        self.0.reserve(v.len() * 8);
        for c in v {
            self.0.extend_from_slice(&c.lon_e7.to_le_bytes());
            self.0.extend_from_slice(&c.lat_e7.to_le_bytes());
        }
    }
}

fn encode(g: &Graph) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(g.heap_bytes() + 1024));
    w.str(&g.profile_name);
    w.u32(g.classes.len() as u32);
    for c in &g.classes {
        w.str(c);
    }
    let s = &g.stats;
    for v in [
        s.ways_in_file,
        s.car_ways,
        s.missing_nodes,
        s.extra_pieces_from_missing,
        s.vertices_total,
        s.vertices_kept,
        s.links_total,
        s.links_kept,
        s.parts,
        s.main_parts,
        s.barriers,
        s.obstacles,
        s.restrictions_applied,
        s.restrictions_via_ways,
        s.restrictions_unusable,
        s.turns,
    ] {
        w.u64(v);
    }
    w.f64(s.km_total);
    w.f64(s.km_kept);
    w.f64(s.km_small_parts);
    w.u32(g.vertex_coord.len() as u32);
    w.u32(g.link_u.len() as u32);
    w.u32(g.shape_coord.len() as u32);
    w.coords(&g.vertex_coord);
    w.u32s(&g.link_u);
    w.u32s(&g.link_v);
    w.u32s(&g.link_time_ms);
    w.u32s(&g.link_back_ms);
    w.0.extend_from_slice(&g.link_flags);
    w.0.extend_from_slice(&g.link_class);
    w.u32s(&g.shape_start);
    w.coords(&g.shape_coord);
    w.0.reserve(g.shape_cum_m.len() * 4);
    for c in &g.shape_cum_m {
        w.0.extend_from_slice(&c.to_le_bytes());
    }
    w.u32(g.node_copies.len() as u32);
    w.u32s(&g.node_copies);
    w.u32(g.turns.len() as u32);
    w.u32s(&g.turn_first);
    w.0.reserve(g.turns.len() * 8);
    for t in &g.turns {
        w.0.extend_from_slice(&t.other.to_le_bytes());
        w.0.extend_from_slice(&t.time_ms.to_le_bytes());
    }
    w.0
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(DecodeError::Corrupt(format!(
                "{what} runs past the end of the payload"
            ))),
        }
    }
    fn u32(&mut self, what: &str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self, what: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }
    fn f64(&mut self, what: &str) -> Result<f64, DecodeError> {
        Ok(f64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }
    fn str(&mut self, what: &str) -> Result<String, DecodeError> {
        let n = self.u32(what)? as usize;
        let b = self.take(n, what)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| DecodeError::Corrupt(format!("{what} is not UTF-8")))
    }
    fn u32s(&mut self, n: usize, what: &str) -> Result<Vec<u32>, DecodeError> {
        let b = self.take(n.checked_mul(4).ok_or_else(|| too_big(what))?, what)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
    fn coords(&mut self, n: usize, what: &str) -> Result<Vec<Coord>, DecodeError> {
        let b = self.take(n.checked_mul(8).ok_or_else(|| too_big(what))?, what)?;
        Ok(b.chunks_exact(8)
            .map(|c| Coord {
                lon_e7: i32::from_le_bytes(c[..4].try_into().expect("4 bytes")),
                lat_e7: i32::from_le_bytes(c[4..].try_into().expect("4 bytes")),
            })
            .collect())
    }
}

fn too_big(what: &str) -> DecodeError {
    DecodeError::Corrupt(format!("{what}: impossible size"))
}

fn decode(payload: &[u8]) -> Result<Graph, DecodeError> {
    let mut r = Reader {
        buf: payload,
        pos: 0,
    };
    let profile_name = r.str("profile name")?;
    let n_classes = r.u32("class count")? as usize;
    if n_classes > 255 {
        return Err(DecodeError::Corrupt(format!(
            "{n_classes} road classes (at most 255)"
        )));
    }
    let classes = (0..n_classes)
        .map(|_| r.str("class name"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut counts = [0u64; 16];
    for c in &mut counts {
        *c = r.u64("statistics")?;
    }
    let stats = GraphStats {
        ways_in_file: counts[0],
        car_ways: counts[1],
        missing_nodes: counts[2],
        extra_pieces_from_missing: counts[3],
        vertices_total: counts[4],
        vertices_kept: counts[5],
        links_total: counts[6],
        links_kept: counts[7],
        parts: counts[8],
        main_parts: counts[9],
        barriers: counts[10],
        obstacles: counts[11],
        restrictions_applied: counts[12],
        restrictions_via_ways: counts[13],
        restrictions_unusable: counts[14],
        turns: counts[15],
        km_total: r.f64("statistics")?,
        km_kept: r.f64("statistics")?,
        km_small_parts: r.f64("statistics")?,
    };
    let n_v = r.u32("vertex count")? as usize;
    let n_l = r.u32("link count")? as usize;
    let n_s = r.u32("shape point count")? as usize;
    let vertex_coord = r.coords(n_v, "vertex positions")?;
    let link_u = r.u32s(n_l, "link starts")?;
    let link_v = r.u32s(n_l, "link ends")?;
    let link_time_ms = r.u32s(n_l, "link times")?;
    let link_back_ms = r.u32s(n_l, "link times backward")?;
    let link_flags = r.take(n_l, "link directions")?.to_vec();
    let link_class = r.take(n_l, "link classes")?.to_vec();
    let shape_start = r.u32s(n_l + 1, "shape offsets")?;
    let shape_coord = r.coords(n_s, "shape points")?;
    let cum_bytes = r.take(
        n_s.checked_mul(4).ok_or_else(|| too_big("shape lengths"))?,
        "shape lengths",
    )?;
    let shape_cum_m: Vec<f32> = cum_bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    let n_c = r.u32("copy count")? as usize;
    let node_copies = r.u32s(n_c, "copied nodes")?;
    let n_nodes = 2 * n_l + n_c;
    let n_t = r.u32("turn count")? as usize;
    let turn_first = r.u32s(n_nodes + 1, "turn offsets")?;
    let turn_bytes = r.take(n_t.checked_mul(8).ok_or_else(|| too_big("turns"))?, "turns")?;
    let turns: Vec<Arc> = turn_bytes
        .chunks_exact(8)
        .map(|c| Arc {
            other: u32::from_le_bytes(c[..4].try_into().expect("4 bytes")),
            time_ms: u32::from_le_bytes(c[4..].try_into().expect("4 bytes")),
        })
        .collect();
    if r.pos != payload.len() {
        return Err(DecodeError::Corrupt(
            "unexpected bytes after the turns".into(),
        ));
    }
    if turn_first.first() != Some(&0)
        || turn_first.last().map(|&t| t as usize) != Some(n_t)
        || turn_first.windows(2).any(|w| w[1] < w[0])
    {
        return Err(DecodeError::Corrupt(
            "turn offsets do not cover the turns".into(),
        ));
    }
    if let Some(i) = node_copies.iter().position(|&b| b as usize >= 2 * n_l) {
        return Err(DecodeError::Corrupt(format!(
            "copy {i} copies a directed link out of range"
        )));
    }
    if let Some(i) = turns.iter().position(|t| t.other as usize >= n_nodes) {
        return Err(DecodeError::Corrupt(format!(
            "turn {i} leads to a directed link out of range"
        )));
    }
    // Range checks: after these, no index in the graph can be out of bounds.
    let bad =
        |what: &str, i: usize| DecodeError::Corrupt(format!("{what} of link {i} is out of range"));
    for i in 0..n_l {
        if link_u[i] as usize >= n_v || link_v[i] as usize >= n_v {
            return Err(bad("an end vertex", i));
        }
        if link_flags[i] & !(FORWARD | BACKWARD | SMALL_PART) != 0
            || link_flags[i] & (FORWARD | BACKWARD) == 0
        {
            return Err(bad("the direction", i));
        }
        if link_class[i] as usize >= n_classes {
            return Err(bad("the road class", i));
        }
        let (a, b) = (shape_start[i] as usize, shape_start[i + 1] as usize);
        if b < a + 2 || b > n_s {
            return Err(bad("the shape", i));
        }
        let cum = &shape_cum_m[a..b];
        if cum[0] != 0.0 || cum.windows(2).any(|w| !w[1].is_finite() || w[1] < w[0]) {
            return Err(bad("the shape lengths", i));
        }
    }
    if shape_start.first() != Some(&0) || shape_start.last().map(|&s| s as usize) != Some(n_s) {
        return Err(DecodeError::Corrupt(
            "shape offsets do not cover the shape points".into(),
        ));
    }
    let mut g = Graph {
        vertex_coord,
        link_u,
        link_v,
        link_time_ms,
        link_back_ms,
        link_flags,
        link_class,
        shape_start,
        shape_coord,
        shape_cum_m,
        fwd_first: Vec::new(),
        fwd: Vec::new(),
        bwd_first: Vec::new(),
        bwd: Vec::new(),
        turn_first: Vec::new(),
        turns: Vec::new(),
        rturn_first: Vec::new(),
        rturns: Vec::new(),
        node_copies,
        copy_index: Vec::new(),
        link_ferry: Vec::new(),
        vout_first: Vec::new(),
        vout: Vec::new(),
        vin_first: Vec::new(),
        vin: Vec::new(),
        classes,
        profile_name,
        stats,
    };
    g.build_adjacency();
    g.link_ferry = g.ferry_links();
    g.set_turns(turn_first, turns);
    Ok(g)
}
