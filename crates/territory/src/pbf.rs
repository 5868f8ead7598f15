//! A minimal OSM PBF writer: nodes (as `DenseNodes`, with tags), then ways, then relations, in
//! zlib-compressed blobs.
//!
//! The protobuf wire format is encoded by hand (varints, zigzag, length-delimited fields), after
//! the schema of `fileformat.proto` and `osmformat.proto`: a file is a sequence of
//! `BlobHeader` + `Blob`, the first holding an `OSMHeader` (`HeaderBlock`), the others `OSMData`
//! (`PrimitiveBlock`). Each data block holds at most [`MAX_BLOCK_ENTITIES`] nodes, ways or
//! relations of one kind, coordinates in units of 100 nanodegrees (granularity 100, offsets 0),
//! ids and coordinates delta-coded, and its own string table. Entities must be added nodes first,
//! then ways, then relations, each kind by increasing id (the `Sort.Type_then_ID` feature the
//! header declares).
//!
//! Blocks are compressed in batches on the rayon pool; the output does not depend on the number
//! of threads.

use std::collections::HashMap;
use std::io::{self, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use rayon::prelude::*;

/// The most entities (nodes, ways or relations) in one data block, as the format's guidance asks.
pub const MAX_BLOCK_ENTITIES: usize = 8000;
/// Blocks encoded before a batch is compressed (in parallel) and written.
const BATCH_BLOCKS: usize = 16;

/// A bounding box in degrees (WGS84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// What the `OSMHeader` block says about the file.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderInfo {
    pub bbox: Option<BBox>,
    /// `writingprogram`.
    pub writing_program: String,
    /// `source`.
    pub source: String,
}

/// Counts of what a [`PbfWriter`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub nodes: u64,
    /// Nodes with at least one tag.
    pub tagged_nodes: u64,
    pub ways: u64,
    pub way_refs: u64,
    pub relations: u64,
    /// Data blocks (the header block is not counted).
    pub blocks: u64,
    /// Bytes written, header included.
    pub bytes: u64,
}

// ---- protobuf wire format -------------------------------------------------------------------

const VARINT: u32 = 0;
const LEN: u32 = 2;

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn put_key(buf: &mut Vec<u8>, field: u32, wire: u32) {
    put_varint(buf, u64::from(field << 3 | wire));
}

fn put_uint(buf: &mut Vec<u8>, field: u32, v: u64) {
    put_key(buf, field, VARINT);
    put_varint(buf, v);
}

fn put_sint(buf: &mut Vec<u8>, field: u32, v: i64) {
    put_key(buf, field, VARINT);
    put_varint(buf, zigzag(v));
}

fn put_bytes(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(buf, field, LEN);
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// A packed repeated `sint64` field of the deltas of `values`.
fn put_packed_delta(buf: &mut Vec<u8>, scratch: &mut Vec<u8>, field: u32, values: &[i64]) {
    scratch.clear();
    let mut prev = 0i64;
    for &v in values {
        put_varint(scratch, zigzag(v.wrapping_sub(prev)));
        prev = v;
    }
    put_bytes(buf, field, scratch);
}

/// A packed repeated `uint32` field.
fn put_packed_u32(buf: &mut Vec<u8>, scratch: &mut Vec<u8>, field: u32, values: &[u32]) {
    scratch.clear();
    for &v in values {
        put_varint(scratch, u64::from(v));
    }
    put_bytes(buf, field, scratch);
}

/// `BlobHeader` + `Blob` (zlib) for one block, with the 4-byte big-endian header length.
fn blob(kind: &str, raw: &[u8], level: Compression) -> io::Result<Vec<u8>> {
    let mut z = ZlibEncoder::new(Vec::with_capacity(raw.len() / 3), level);
    z.write_all(raw)?;
    let zdata = z.finish()?;
    let raw_size = i32::try_from(raw.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "block over 2 GiB"))?;
    let mut body = Vec::with_capacity(zdata.len() + 16);
    put_uint(&mut body, 2, raw_size as u64);
    put_bytes(&mut body, 3, &zdata);
    let mut header = Vec::with_capacity(32);
    put_bytes(&mut header, 1, kind.as_bytes());
    put_uint(&mut header, 3, body.len() as u64);
    let mut out = Vec::with_capacity(4 + header.len() + body.len());
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    Ok(out)
}

fn nanodeg(deg: f64) -> i64 {
    (deg * 1e9).round() as i64
}

/// The encoded `HeaderBlock`.
fn header_block(info: &HeaderInfo) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(b) = info.bbox {
        let mut bb = Vec::new();
        put_sint(&mut bb, 1, nanodeg(b.left));
        put_sint(&mut bb, 2, nanodeg(b.right));
        put_sint(&mut bb, 3, nanodeg(b.top));
        put_sint(&mut bb, 4, nanodeg(b.bottom));
        put_bytes(&mut buf, 1, &bb);
    }
    put_bytes(&mut buf, 4, b"OsmSchema-V0.6");
    put_bytes(&mut buf, 4, b"DenseNodes");
    put_bytes(&mut buf, 5, b"Sort.Type_then_ID");
    put_bytes(&mut buf, 16, info.writing_program.as_bytes());
    put_bytes(&mut buf, 17, info.source.as_bytes());
    buf
}

// ---- blocks ---------------------------------------------------------------------------------

/// A block's string table; entry 0 is always "".
#[derive(Default)]
struct Strings {
    strings: Vec<String>,
    index: HashMap<String, u32>,
}

impl Strings {
    fn get(&mut self, s: &str) -> u32 {
        if self.strings.is_empty() {
            self.strings.push(String::new());
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    /// The encoded `StringTable`, and the table emptied.
    fn take_encoded(&mut self) -> Vec<u8> {
        let mut buf = Vec::new();
        if self.strings.is_empty() {
            put_bytes(&mut buf, 1, b"");
        }
        for s in &self.strings {
            put_bytes(&mut buf, 1, s.as_bytes());
        }
        self.strings.clear();
        self.index.clear();
        buf
    }
}

/// The encoded `PrimitiveBlock` of a group.
fn primitive_block(strings: &[u8], group: &[u8]) -> Vec<u8> {
    let mut block = Vec::with_capacity(group.len() + strings.len() + 16);
    // A string table is required even when no string is used.
    put_bytes(&mut block, 1, strings);
    put_bytes(&mut block, 2, group);
    put_uint(&mut block, 17, 100);
    block
}

#[derive(Default)]
struct NodeBlock {
    ids: Vec<i64>,
    lats: Vec<i64>,
    lons: Vec<i64>,
    /// `keys_vals` of `DenseNodes`: key and value indices of each node, then 0.
    keys_vals: Vec<u32>,
    tagged: bool,
    strings: Strings,
}

impl NodeBlock {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn add(&mut self, id: i64, lon_e7: i32, lat_e7: i32, tags: &[(&str, &str)]) {
        self.ids.push(id);
        self.lats.push(i64::from(lat_e7));
        self.lons.push(i64::from(lon_e7));
        for (k, v) in tags {
            let k = self.strings.get(k);
            let v = self.strings.get(v);
            self.keys_vals.extend([k, v]);
        }
        self.keys_vals.push(0);
        self.tagged |= !tags.is_empty();
    }

    fn encode(&mut self, scratch: &mut Vec<u8>) -> Vec<u8> {
        let mut dense = Vec::with_capacity(self.len() * 8);
        put_packed_delta(&mut dense, scratch, 1, &self.ids);
        put_packed_delta(&mut dense, scratch, 8, &self.lats);
        put_packed_delta(&mut dense, scratch, 9, &self.lons);
        // The format wants no `keys_vals` at all when no node of the block has a tag.
        if self.tagged {
            put_packed_u32(&mut dense, scratch, 10, &self.keys_vals);
        }
        let mut group = Vec::with_capacity(dense.len() + 8);
        put_bytes(&mut group, 2, &dense);
        let block = primitive_block(&self.strings.take_encoded(), &group);
        self.ids.clear();
        self.lats.clear();
        self.lons.clear();
        self.keys_vals.clear();
        self.tagged = false;
        block
    }
}

/// What a relation member is (`Relation.MemberType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberType {
    Node = 0,
    Way = 1,
    Relation = 2,
}

/// A block of ways or of relations (one kind per block).
#[derive(Default)]
struct TaggedBlock {
    /// Encoded `Way` (field 3 of the group) or `Relation` (field 4) messages.
    group: Vec<u8>,
    count: usize,
    strings: Strings,
    keys: Vec<u32>,
    vals: Vec<u32>,
    roles: Vec<u32>,
    ids: Vec<i64>,
}

impl TaggedBlock {
    /// The message's id and packed keys and values.
    fn start(&mut self, id: i64, tags: &[(&str, &str)], scratch: &mut Vec<u8>) -> Vec<u8> {
        self.keys.clear();
        self.vals.clear();
        for (k, v) in tags {
            let k = self.strings.get(k);
            let v = self.strings.get(v);
            self.keys.push(k);
            self.vals.push(v);
        }
        let mut msg = Vec::with_capacity(64);
        put_uint(&mut msg, 1, id as u64);
        if !self.keys.is_empty() {
            put_packed_u32(&mut msg, scratch, 2, &self.keys);
            put_packed_u32(&mut msg, scratch, 3, &self.vals);
        }
        msg
    }

    fn add_way(&mut self, id: i64, refs: &[i64], tags: &[(&str, &str)], scratch: &mut Vec<u8>) {
        let mut way = self.start(id, tags, scratch);
        put_packed_delta(&mut way, scratch, 8, refs);
        put_bytes(&mut self.group, 3, &way);
        self.count += 1;
    }

    fn add_relation(
        &mut self,
        id: i64,
        members: &[(MemberType, i64, &str)],
        tags: &[(&str, &str)],
        scratch: &mut Vec<u8>,
    ) {
        let mut rel = self.start(id, tags, scratch);
        self.roles.clear();
        self.ids.clear();
        for &(_, id, role) in members {
            let r = self.strings.get(role);
            self.roles.push(r);
            self.ids.push(id);
        }
        // roles_sid is int32: the indices are small and positive, so plain varints.
        put_packed_u32(&mut rel, scratch, 8, &self.roles);
        put_packed_delta(&mut rel, scratch, 9, &self.ids);
        scratch.clear();
        for &(t, _, _) in members {
            put_varint(scratch, t as u64);
        }
        put_bytes(&mut rel, 10, scratch);
        put_bytes(&mut self.group, 4, &rel);
        self.count += 1;
    }

    fn encode(&mut self) -> Vec<u8> {
        let block = primitive_block(&self.strings.take_encoded(), &self.group);
        self.group.clear();
        self.count = 0;
        block
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Nodes,
    Ways,
    Relations,
}

/// Streams nodes, then ways, then relations into an OSM PBF file; memory stays bounded by one
/// batch of blocks.
pub struct PbfWriter<W: Write> {
    out: W,
    level: Compression,
    phase: Phase,
    last_node: Option<i64>,
    last_way: Option<i64>,
    last_relation: Option<i64>,
    nodes: NodeBlock,
    /// Ways, then relations.
    tagged: TaggedBlock,
    pending: Vec<Vec<u8>>,
    scratch: Vec<u8>,
    stats: WriteStats,
}

fn order_error(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl<W: Write> PbfWriter<W> {
    /// Writes the header block at once. Compression is zlib at its default level (6).
    pub fn new(out: W, header: &HeaderInfo) -> io::Result<PbfWriter<W>> {
        let mut w = PbfWriter {
            out,
            level: Compression::default(),
            phase: Phase::Nodes,
            last_node: None,
            last_way: None,
            last_relation: None,
            nodes: NodeBlock::default(),
            tagged: TaggedBlock::default(),
            pending: Vec::new(),
            scratch: Vec::new(),
            stats: WriteStats::default(),
        };
        let b = blob("OSMHeader", &header_block(header), w.level)?;
        w.out.write_all(&b)?;
        w.stats.bytes += b.len() as u64;
        Ok(w)
    }

    /// Adds a node; `lon_e7`, `lat_e7` are in units of 1e-7 degree. Ids must increase, and every
    /// node must come before the first way.
    pub fn add_node(&mut self, id: i64, lon_e7: i32, lat_e7: i32) -> io::Result<()> {
        self.add_node_with_tags(id, lon_e7, lat_e7, &[])
    }

    /// Adds a node with tags (as [`PbfWriter::add_node`]).
    pub fn add_node_with_tags(
        &mut self,
        id: i64,
        lon_e7: i32,
        lat_e7: i32,
        tags: &[(&str, &str)],
    ) -> io::Result<()> {
        if self.phase != Phase::Nodes {
            return Err(order_error(format!("node {id} added after the ways")));
        }
        if self.last_node.is_some_and(|last| id <= last) {
            return Err(order_error(format!(
                "node ids must increase: {id} after {:?}",
                self.last_node
            )));
        }
        self.last_node = Some(id);
        self.nodes.add(id, lon_e7, lat_e7, tags);
        self.stats.nodes += 1;
        self.stats.tagged_nodes += u64::from(!tags.is_empty());
        if self.nodes.len() == MAX_BLOCK_ENTITIES {
            let block = self.nodes.encode(&mut self.scratch);
            self.push_block(block)?;
        }
        Ok(())
    }

    /// Adds a way with its node references and tags. Ids must increase, and every way must come
    /// before the first relation.
    pub fn add_way(&mut self, id: i64, refs: &[i64], tags: &[(&str, &str)]) -> io::Result<()> {
        match self.phase {
            Phase::Nodes => {
                self.flush_nodes()?;
                self.phase = Phase::Ways;
            }
            Phase::Ways => {}
            Phase::Relations => {
                return Err(order_error(format!("way {id} added after the relations")));
            }
        }
        if self.last_way.is_some_and(|last| id <= last) {
            return Err(order_error(format!(
                "way ids must increase: {id} after {:?}",
                self.last_way
            )));
        }
        self.last_way = Some(id);
        self.tagged.add_way(id, refs, tags, &mut self.scratch);
        self.stats.ways += 1;
        self.stats.way_refs += refs.len() as u64;
        if self.tagged.count == MAX_BLOCK_ENTITIES {
            let block = self.tagged.encode();
            self.push_block(block)?;
        }
        Ok(())
    }

    /// Adds a relation: its members (type, id, role) in order, and its tags. Ids must increase.
    pub fn add_relation(
        &mut self,
        id: i64,
        members: &[(MemberType, i64, &str)],
        tags: &[(&str, &str)],
    ) -> io::Result<()> {
        if self.phase != Phase::Relations {
            self.flush_nodes()?;
            self.flush_tagged()?;
            self.phase = Phase::Relations;
        }
        if self.last_relation.is_some_and(|last| id <= last) {
            return Err(order_error(format!(
                "relation ids must increase: {id} after {:?}",
                self.last_relation
            )));
        }
        self.last_relation = Some(id);
        self.tagged
            .add_relation(id, members, tags, &mut self.scratch);
        self.stats.relations += 1;
        if self.tagged.count == MAX_BLOCK_ENTITIES {
            let block = self.tagged.encode();
            self.push_block(block)?;
        }
        Ok(())
    }

    fn flush_tagged(&mut self) -> io::Result<()> {
        if self.tagged.count > 0 {
            let block = self.tagged.encode();
            self.push_block(block)?;
        }
        Ok(())
    }

    fn flush_nodes(&mut self) -> io::Result<()> {
        if self.nodes.len() > 0 {
            let block = self.nodes.encode(&mut self.scratch);
            self.push_block(block)?;
        }
        Ok(())
    }

    fn push_block(&mut self, block: Vec<u8>) -> io::Result<()> {
        self.pending.push(block);
        if self.pending.len() >= BATCH_BLOCKS {
            self.write_pending()?;
        }
        Ok(())
    }

    fn write_pending(&mut self) -> io::Result<()> {
        let level = self.level;
        let blobs: Vec<io::Result<Vec<u8>>> = self
            .pending
            .par_iter()
            .map(|raw| blob("OSMData", raw, level))
            .collect();
        self.pending.clear();
        for b in blobs {
            let b = b?;
            self.out.write_all(&b)?;
            self.stats.bytes += b.len() as u64;
            self.stats.blocks += 1;
        }
        Ok(())
    }

    /// Writes what is left and returns the output and the counts.
    pub fn finish(mut self) -> io::Result<(W, WriteStats)> {
        self.flush_nodes()?;
        self.flush_tagged()?;
        self.write_pending()?;
        self.out.flush()?;
        Ok((self.out, self.stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag() {
        let enc = |v: u64| {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            b
        };
        assert_eq!(enc(0), [0]);
        assert_eq!(enc(1), [1]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(300), [0xac, 0x02]);
        assert_eq!(enc(u64::MAX).len(), 10);
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(i64::MAX), u64::MAX - 1);
        assert_eq!(zigzag(i64::MIN), u64::MAX);
    }

    #[test]
    fn keys_and_length_delimited() {
        let mut b = Vec::new();
        put_bytes(&mut b, 1, b"OSMData");
        assert_eq!(b[0], 0x0a);
        assert_eq!(b[1], 7);
        assert_eq!(&b[2..], b"OSMData");
        let mut b = Vec::new();
        put_uint(&mut b, 17, 100);
        // field 17, varint: (17 << 3) | 0 = 136 = 0x88 0x01.
        assert_eq!(b, [0x88, 0x01, 100]);
    }

    #[test]
    fn order_is_enforced() {
        let h = HeaderInfo {
            bbox: None,
            writing_program: "test".into(),
            source: "test".into(),
        };
        let mut w = PbfWriter::new(Vec::new(), &h).unwrap();
        w.add_node(5, 0, 0).unwrap();
        assert!(w.add_node(5, 0, 0).is_err());
        w.add_way(1, &[5, 5], &[]).unwrap();
        assert!(w.add_node(6, 0, 0).is_err());
        assert!(w.add_way(1, &[5, 5], &[]).is_err());
        w.add_relation(3, &[(MemberType::Way, 1, "from")], &[])
            .unwrap();
        assert!(w.add_way(2, &[5, 5], &[]).is_err());
        assert!(w.add_relation(3, &[], &[]).is_err());
        assert!(w.add_node_with_tags(7, 0, 0, &[("a", "b")]).is_err());
        let (_, stats) = w.finish().unwrap();
        assert_eq!((stats.nodes, stats.ways, stats.relations), (1, 1, 1));
    }
}
