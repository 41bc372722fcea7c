/**
 * Graph snapshots: the {@link NetworkGraph}'s columns written out as they are in memory
 * (little-endian typed arrays, one length-prefixed section each), so saving is a few copies
 * and loading is a few copies plus rebuilding the indexes. Decoding untrusted bytes throws
 * only {@link SnapshotFormatError}; every count, length, node reference and invariant is
 * checked.
 *
 * Layout (version 2): `"LNGRAPH2"`, `u32 flags` (bit 0: signatures kept; bit 1: funding
 * outpoints follow), 32-byte chain hash, `u32 nodes`, `u32 channels`, then sections
 * (`u32 length`, bytes): node ids, node announcement timestamps, node announcements
 * (`u32 length` + bytes each, 0 = none), the channel columns, the direction columns, three
 * lists of rare fields (channel features, extra announcement bytes, extra update bytes) as
 * `u32 count` × (`u32 row`, `u32 length`, bytes), and with flag bit 1 the funding columns
 * (txids, output indexes with 0xFFFFFFFF = unknown, P2WSH programs), so closed channels are
 * still detected after a restart. Version 1 (`"LNGRAPH1"`: the same without funding) still
 * loads.
 */
import { compareBytes } from './bytes.js';
import { ANN_SIG_BYTES, Columns, NODE_ID_BYTES, NO_FUNDING, UPD_SIG_BYTES } from './columns.js';
import { NetworkGraph } from './network-graph.js';

const MAGIC = 'LNGRAPH2';
const MAGIC_V1 = 'LNGRAPH1';
const FLAG_SIGNATURES = 1;
const FLAG_FUNDING = 2;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A snapshot that cannot be loaded: truncated, inconsistent or not a snapshot at all. */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

type Numeric = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array | BigUint64Array;

/** A growable output buffer: sections are copied once, straight into place. */
class Out {
  private buf: Uint8Array;
  private dv: DataView;
  private o = 0;
  constructor(sizeHint: number) {
    this.buf = new Uint8Array(Math.max(64, sizeHint));
    this.dv = new DataView(this.buf.buffer);
  }
  private room(n: number): void {
    if (this.o + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.o + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.o));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }
  u32(v: number): void {
    this.room(4);
    this.dv.setUint32(this.o, v, true);
    this.o += 4;
  }
  push(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.o);
    this.o += b.length;
  }
  section(a: Numeric, count: number): void {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, count * a.BYTES_PER_ELEMENT);
    this.u32(bytes.length);
    this.push(bytes);
  }
  finish(): Uint8Array {
    return this.o === this.buf.length ? this.buf : this.buf.slice(0, this.o);
  }
}

class In {
  o = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number, what: string): void {
    if (n < 0 || this.o + n > this.b.length) throw new SnapshotFormatError(`snapshot truncated reading ${what} at byte ${this.o}`);
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.o, true);
    this.o += 4;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return v;
  }
  /** Reads a section into a fresh typed array of `count` elements (allocated with `capacity`). */
  section<T extends Numeric>(ctor: new (n: number) => T, count: number, capacity: number, what: string): T {
    const len = this.u32(`${what} length`);
    const out = new ctor(capacity);
    if (len !== count * out.BYTES_PER_ELEMENT) throw new SnapshotFormatError(`${what}: section of ${len} bytes, expected ${count * out.BYTES_PER_ELEMENT}`);
    new Uint8Array(out.buffer, 0, len).set(this.bytes(len, what));
    return out;
  }
  get done(): boolean {
    return this.o === this.b.length;
  }
}

/** Serializes a graph (BOLT 7 data as the graph holds it) to bytes. */
export function saveGraphSnapshot(graph: NetworkGraph): Uint8Array {
  if (!LITTLE_ENDIAN) throw new SnapshotFormatError('snapshots need a little-endian host');
  const c = graph.cols;
  const n = c.nodeCount;
  const ch = c.chanCount;
  const w = new Out(graph.memoryBytes() + 4096);
  w.push(new TextEncoder().encode(MAGIC));
  w.u32((c.keepSignatures ? FLAG_SIGNATURES : 0) | (c.hasFunding ? FLAG_FUNDING : 0));
  w.push(graph.chainHash);
  w.u32(n);
  w.u32(ch);
  w.section(c.nodeIds, n * NODE_ID_BYTES);
  w.section(c.nodeAnnTs, n);
  for (let i = 0; i < n; i++) {
    const a = c.nodeAnn[i];
    w.u32(a ? a.length : 0);
    if (a) w.push(a);
  }
  w.section(c.scidHi, ch);
  w.section(c.scidLo, ch);
  w.section(c.node1, ch);
  w.section(c.node2, ch);
  w.section(c.capacity, ch);
  w.section(c.addedAt, ch);
  w.section(c.chanFlags, ch);
  if (c.keepSignatures) w.section(c.annSigs, ch * ANN_SIG_BYTES);
  w.section(c.updTs, 2 * ch);
  w.section(c.updMsgFlags, 2 * ch);
  w.section(c.updChanFlags, 2 * ch);
  w.section(c.updCltv, 2 * ch);
  w.section(c.updFeeBase, 2 * ch);
  w.section(c.updFeeProp, 2 * ch);
  w.section(c.updHtlcMin, 2 * ch);
  w.section(c.updHtlcMax, 2 * ch);
  if (c.keepSignatures) w.section(c.updSigs, 2 * ch * UPD_SIG_BYTES);
  for (const m of [c.chanFeatures, c.annExcess, c.updExcess]) {
    const rows = [...m.keys()].sort((a, b) => a - b);
    w.u32(rows.length);
    for (const r of rows) {
      const v = m.get(r)!;
      w.u32(r);
      w.u32(v.length);
      w.push(v);
    }
  }
  if (c.hasFunding) {
    w.section(c.fundTxid, ch * 32);
    w.section(c.fundVout, ch);
    w.section(c.fundProg, ch * 32);
  }
  return w.finish();
}

/** Loads a graph saved by {@link saveGraphSnapshot}. Throws {@link SnapshotFormatError} on anything malformed. */
export function loadGraphSnapshot(bytes: Uint8Array): NetworkGraph {
  if (!LITTLE_ENDIAN) throw new SnapshotFormatError('snapshots need a little-endian host');
  if (!(bytes instanceof Uint8Array)) throw new SnapshotFormatError('snapshot must be a Uint8Array');
  const r = new In(bytes);
  const magic = new TextDecoder().decode(r.bytes(8, 'magic'));
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new SnapshotFormatError('not a graph snapshot (bad magic)');
  const flags = r.u32('flags');
  if (flags > (magic === MAGIC ? FLAG_SIGNATURES | FLAG_FUNDING : FLAG_SIGNATURES)) throw new SnapshotFormatError(`unknown snapshot flags ${flags}`);
  const keep = (flags & FLAG_SIGNATURES) !== 0;
  const funding = (flags & FLAG_FUNDING) !== 0;
  const chainHash = r.bytes(32, 'chain hash').slice();
  const n = r.u32('node count');
  const ch = r.u32('channel count');
  // Every node and channel takes at least a few bytes: bound the counts before allocating.
  // Per node: id, timestamp, announcement length (41 bytes); per channel: its columns and both directions' (93, +450 signed, +68 funding).
  if (n * 41 > bytes.length || ch * (93 + (keep ? 450 : 0) + (funding ? 68 : 0)) > bytes.length) throw new SnapshotFormatError(`counts (${n} nodes, ${ch} channels) larger than the snapshot`);
  const g = new NetworkGraph({ chainHash, keepSignatures: keep });
  const c: Columns = g.cols;
  c.ensureNodes(n);
  c.ensureChannels(ch);
  const nc = c.nodeCap;
  const cc = c.chanCap;
  c.nodeIds = r.section(Uint8Array, n * NODE_ID_BYTES, nc * NODE_ID_BYTES, 'node ids');
  c.nodeAnnTs = r.section(Uint32Array, n, nc, 'node announcement timestamps');
  c.nodeAnn = new Array(n);
  for (let i = 0; i < n; i++) {
    const len = r.u32('node announcement length');
    if (len === 0) {
      if (c.nodeAnnTs[i] !== 0) throw new SnapshotFormatError(`node ${i} has a timestamp but no announcement`);
      c.nodeAnn[i] = undefined;
      continue;
    }
    const a = r.bytes(len, 'node announcement').slice();
    checkNodeAnnouncement(a, c.nodeIds.subarray(i * NODE_ID_BYTES, (i + 1) * NODE_ID_BYTES), c.nodeAnnTs[i]!, i);
    c.nodeAnn[i] = a;
  }
  c.scidHi = r.section(Uint32Array, ch, cc, 'scid high');
  c.scidLo = r.section(Uint32Array, ch, cc, 'scid low');
  c.node1 = r.section(Uint32Array, ch, cc, 'node1');
  c.node2 = r.section(Uint32Array, ch, cc, 'node2');
  c.capacity = r.section(Float64Array, ch, cc, 'capacity');
  c.addedAt = r.section(Uint32Array, ch, cc, 'added at');
  c.chanFlags = r.section(Uint8Array, ch, cc, 'channel flags');
  if (keep) c.annSigs = r.section(Uint8Array, ch * ANN_SIG_BYTES, cc * ANN_SIG_BYTES, 'announcement signatures');
  c.updTs = r.section(Uint32Array, 2 * ch, 2 * cc, 'update timestamps');
  c.updMsgFlags = r.section(Uint8Array, 2 * ch, 2 * cc, 'message flags');
  c.updChanFlags = r.section(Uint8Array, 2 * ch, 2 * cc, 'channel flags');
  c.updCltv = r.section(Uint16Array, 2 * ch, 2 * cc, 'cltv deltas');
  c.updFeeBase = r.section(Uint32Array, 2 * ch, 2 * cc, 'base fees');
  c.updFeeProp = r.section(Uint32Array, 2 * ch, 2 * cc, 'proportional fees');
  c.updHtlcMin = r.section(BigUint64Array, 2 * ch, 2 * cc, 'htlc minimums');
  c.updHtlcMax = r.section(BigUint64Array, 2 * ch, 2 * cc, 'htlc maximums');
  if (keep) c.updSigs = r.section(Uint8Array, 2 * ch * UPD_SIG_BYTES, 2 * cc * UPD_SIG_BYTES, 'update signatures');
  for (const [m, limit, what] of [[c.chanFeatures, ch, 'channel features'], [c.annExcess, ch, 'announcement extra bytes'], [c.updExcess, 2 * ch, 'update extra bytes']] as const) {
    const count = r.u32(`${what} count`);
    if (count > limit) throw new SnapshotFormatError(`${what}: ${count} entries for ${limit} rows`);
    let prev = -1;
    for (let i = 0; i < count; i++) {
      const row = r.u32(`${what} row`);
      if (row >= limit || row <= prev) throw new SnapshotFormatError(`${what}: row ${row} out of range or out of order`);
      prev = row;
      const len = r.u32(`${what} length`);
      if (len === 0) throw new SnapshotFormatError(`${what}: empty entry at row ${row}`);
      m.set(row, r.bytes(len, what).slice());
    }
  }
  if (funding) {
    c.hasFunding = true;
    c.fundTxid = r.section(Uint8Array, ch * 32, cc * 32, 'funding txids');
    c.fundVout = r.section(Uint32Array, ch, cc, 'funding output indexes');
    c.fundVout.fill(NO_FUNDING, ch);
    c.fundProg = r.section(Uint8Array, ch * 32, cc * 32, 'funding programs');
  }
  if (!r.done) throw new SnapshotFormatError(`${bytes.length - r.o} trailing bytes after the snapshot`);
  c.nodeCount = n;
  c.chanCount = ch;
  checkColumns(c);
  g.reindex();
  checkIndexes(g);
  return g;
}

function checkNodeAnnouncement(a: Uint8Array, nodeId: Uint8Array, ts: number, i: number): void {
  // type(2) sig(64) flen(2) features timestamp(4) node_id(33) ...
  if (a.length < 2 + 64 + 2 + 4 + 33 + 3 + 32 + 2 || a[0] !== 1 || a[1] !== 1) throw new SnapshotFormatError(`node ${i}: not a node_announcement`);
  const flen = (a[66]! << 8) | a[67]!;
  const o = 68 + flen;
  if (o + 4 + 33 > a.length) throw new SnapshotFormatError(`node ${i}: node_announcement truncated`);
  const t = ((a[o]! << 24) | (a[o + 1]! << 16) | (a[o + 2]! << 8) | a[o + 3]!) >>> 0;
  if (t !== ts) throw new SnapshotFormatError(`node ${i}: announcement timestamp ${t} does not match ${ts}`);
  if (compareBytes(a.subarray(o + 4, o + 37), nodeId) !== 0) throw new SnapshotFormatError(`node ${i}: announcement is for another node`);
}

function checkColumns(c: Columns): void {
  for (let i = 0; i < c.nodeCount; i++) {
    const p = c.nodeIds[i * NODE_ID_BYTES];
    if (p !== 2 && p !== 3) throw new SnapshotFormatError(`node ${i}: not a compressed public key`);
  }
  const id = (n: number) => c.nodeIds.subarray(n * NODE_ID_BYTES, (n + 1) * NODE_ID_BYTES);
  for (let r = 0; r < c.chanCount; r++) {
    const a = c.node1[r]!;
    const b = c.node2[r]!;
    if (a >= c.nodeCount || b >= c.nodeCount) throw new SnapshotFormatError(`channel ${r}: node index out of range`);
    if (compareBytes(id(a), id(b)) >= 0) throw new SnapshotFormatError(`channel ${r}: node1 is not less than node2`);
    if (c.chanFlags[r]! > 3) throw new SnapshotFormatError(`channel ${r}: unknown flags ${c.chanFlags[r]}`);
    const cap = c.capacity[r]!;
    if (!Number.isNaN(cap) && !(cap >= 0 && Number.isSafeInteger(cap))) throw new SnapshotFormatError(`channel ${r}: bad capacity ${cap}`);
    for (let s = 0; s < 2; s++) {
      const d = 2 * r + s;
      if (c.updTs[d] === 0) {
        if (c.updChanFlags[d] || c.updMsgFlags[d] || c.updCltv[d] || c.updFeeBase[d] || c.updFeeProp[d] || c.updHtlcMin[d] || c.updHtlcMax[d] || c.updExcess.has(d)) {
          throw new SnapshotFormatError(`direction ${d}: fields set without an update`);
        }
      } else if ((c.updChanFlags[d]! & 1) !== s) throw new SnapshotFormatError(`direction ${d}: direction bit does not match`);
    }
  }
}

function checkIndexes(g: NetworkGraph): void {
  const c = g.cols;
  for (let r = 0; r < c.chanCount; r++) {
    const scid = (BigInt(c.scidHi[r]!) << 32n) | BigInt(c.scidLo[r]!);
    if (g.channelRow(scid) !== r) throw new SnapshotFormatError(`channel ${r}: duplicate short channel id`);
  }
  for (let n = 0; n < c.nodeCount; n++) {
    if (g.nodeRow(c.nodeIds.subarray(n * NODE_ID_BYTES, (n + 1) * NODE_ID_BYTES)) !== n) throw new SnapshotFormatError(`node ${n}: duplicate node id`);
    if (c.degree[n] === 0) throw new SnapshotFormatError(`node ${n}: has no channel`);
  }
}
