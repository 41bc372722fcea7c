/**
 * The graph's storage: one typed array per field ("struct of arrays"), rows packed densely
 * (removal moves the last row into the hole), so a mainnet graph costs a few hundred bytes a
 * channel with every signature kept and about a hundred without, and a snapshot is a handful
 * of array copies. Internal to the package; {@link NetworkGraph} is the public face.
 *
 * @internal
 */

/** Bytes of a channel announcement's signatures (4 × 64) and bitcoin keys (2 × 33). */
export const ANN_SIG_BYTES = 4 * 64 + 2 * 33;
/** Bytes of a channel_update signature. */
export const UPD_SIG_BYTES = 64;
/** Bytes of a node id. */
export const NODE_ID_BYTES = 33;

/** Bytes of a txid (and of a P2WSH program). */
export const FUNDING_TXID_BYTES = 32;
/** `fundVout` of a channel whose funding outpoint is unknown. */
export const NO_FUNDING = 0xffffffff;

/** Channel flag bits kept in `chanFlags`. */
export const CHAN_SIGNED = 1;
/** The channel's features have an unknown even bit: BOLT 7 "MUST NOT attempt to route messages through the channel". */
export const CHAN_UNROUTABLE = 2;

/** Typed-array columns of channels, directions and nodes. @internal */
export class Columns {
  // Channels (row c).
  chanCap = 0;
  chanCount = 0;
  scidHi = new Uint32Array(0);
  scidLo = new Uint32Array(0);
  node1 = new Uint32Array(0);
  node2 = new Uint32Array(0);
  /** Satoshis; NaN when unknown. Exact: every bitcoin amount fits in 53 bits. */
  capacity = new Float64Array(0);
  addedAt = new Uint32Array(0);
  chanFlags = new Uint8Array(0);
  /** `ANN_SIG_BYTES` per row when signatures are kept. */
  annSigs = new Uint8Array(0);
  /** Adjacency: next entry (`2c + side`) in the node's list, -1 at the end. */
  next = new Int32Array(0);
  // Directions (row d = 2c + dir).
  updTs = new Uint32Array(0);
  updMsgFlags = new Uint8Array(0);
  updChanFlags = new Uint8Array(0);
  updCltv = new Uint16Array(0);
  updFeeBase = new Uint32Array(0);
  updFeeProp = new Uint32Array(0);
  updHtlcMin = new BigUint64Array(0);
  updHtlcMax = new BigUint64Array(0);
  updSigs = new Uint8Array(0);
  // Nodes (row n).
  nodeCap = 0;
  nodeCount = 0;
  nodeIds = new Uint8Array(0);
  head = new Int32Array(0);
  degree = new Uint32Array(0);
  nodeAnnTs = new Uint32Array(0);
  /** The raw `node_announcement` (type included) per node; `undefined` when none. */
  nodeAnn: (Uint8Array | undefined)[] = [];
  // Rare fields, by row.
  chanFeatures = new Map<number, Uint8Array>();
  /** Signed bytes beyond the declared fields of a channel_announcement (future fields), by channel row. */
  annExcess = new Map<number, Uint8Array>();
  /** Signed bytes beyond the declared fields of a channel_update, by direction row. */
  updExcess = new Map<number, Uint8Array>();
  // Funding outpoints (allocated on first use, so a graph without them pays nothing).
  /** Whether the funding columns exist. */
  hasFunding = false;
  /** Funding txid (32 bytes a row, internal byte order as the chain gives it). */
  fundTxid = new Uint8Array(0);
  /** Funding output index; `NO_FUNDING` when unknown. */
  fundVout = new Uint32Array(0);
  /** The funding output's P2WSH program (32 bytes a row): the Filter registration needs the script. */
  fundProg = new Uint8Array(0);

  constructor(readonly keepSignatures: boolean) {}

  ensureChannels(n: number): void {
    if (n <= this.chanCap) return;
    const cap = Math.max(n, Math.ceil(this.chanCap * 1.5), 64);
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array | BigUint64Array>(a: T, per: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a as never);
      return b;
    };
    this.scidHi = g(this.scidHi, 1);
    this.scidLo = g(this.scidLo, 1);
    this.node1 = g(this.node1, 1);
    this.node2 = g(this.node2, 1);
    this.capacity = g(this.capacity, 1);
    this.addedAt = g(this.addedAt, 1);
    this.chanFlags = g(this.chanFlags, 1);
    if (this.keepSignatures) this.annSigs = g(this.annSigs, ANN_SIG_BYTES);
    this.next = g(this.next, 2);
    this.updTs = g(this.updTs, 2);
    this.updMsgFlags = g(this.updMsgFlags, 2);
    this.updChanFlags = g(this.updChanFlags, 2);
    this.updCltv = g(this.updCltv, 2);
    this.updFeeBase = g(this.updFeeBase, 2);
    this.updFeeProp = g(this.updFeeProp, 2);
    this.updHtlcMin = g(this.updHtlcMin, 2);
    this.updHtlcMax = g(this.updHtlcMax, 2);
    if (this.keepSignatures) this.updSigs = g(this.updSigs, 2 * UPD_SIG_BYTES);
    if (this.hasFunding) this.growFunding(cap);
    this.chanCap = cap;
  }

  /** Allocates (or grows) the funding columns to `cap` rows; new rows have no funding. */
  growFunding(cap: number): void {
    const old = this.fundVout.length;
    const txid = new Uint8Array(cap * FUNDING_TXID_BYTES);
    txid.set(this.fundTxid.subarray(0, Math.min(this.fundTxid.length, txid.length)));
    const vout = new Uint32Array(cap);
    vout.set(this.fundVout.subarray(0, Math.min(old, cap)));
    vout.fill(NO_FUNDING, Math.min(old, cap));
    const prog = new Uint8Array(cap * FUNDING_TXID_BYTES);
    prog.set(this.fundProg.subarray(0, Math.min(this.fundProg.length, prog.length)));
    this.fundTxid = txid;
    this.fundVout = vout;
    this.fundProg = prog;
    this.hasFunding = true;
  }

  ensureNodes(n: number): void {
    if (n <= this.nodeCap) return;
    const cap = Math.max(n, Math.ceil(this.nodeCap * 1.5), 64);
    const ids = new Uint8Array(cap * NODE_ID_BYTES);
    ids.set(this.nodeIds);
    this.nodeIds = ids;
    const head = new Int32Array(cap);
    head.set(this.head);
    this.head = head;
    const degree = new Uint32Array(cap);
    degree.set(this.degree);
    this.degree = degree;
    const ts = new Uint32Array(cap);
    ts.set(this.nodeAnnTs);
    this.nodeAnnTs = ts;
    this.nodeCap = cap;
  }

  /** Copies every column of channel row `from` to row `to` (adjacency excluded). */
  copyChannel(from: number, to: number): void {
    this.scidHi[to] = this.scidHi[from]!;
    this.scidLo[to] = this.scidLo[from]!;
    this.node1[to] = this.node1[from]!;
    this.node2[to] = this.node2[from]!;
    this.capacity[to] = this.capacity[from]!;
    this.addedAt[to] = this.addedAt[from]!;
    this.chanFlags[to] = this.chanFlags[from]!;
    if (this.keepSignatures) this.annSigs.copyWithin(to * ANN_SIG_BYTES, from * ANN_SIG_BYTES, (from + 1) * ANN_SIG_BYTES);
    for (let s = 0; s < 2; s++) {
      const a = 2 * from + s;
      const b = 2 * to + s;
      this.updTs[b] = this.updTs[a]!;
      this.updMsgFlags[b] = this.updMsgFlags[a]!;
      this.updChanFlags[b] = this.updChanFlags[a]!;
      this.updCltv[b] = this.updCltv[a]!;
      this.updFeeBase[b] = this.updFeeBase[a]!;
      this.updFeeProp[b] = this.updFeeProp[a]!;
      this.updHtlcMin[b] = this.updHtlcMin[a]!;
      this.updHtlcMax[b] = this.updHtlcMax[a]!;
      moveKey(this.updExcess, a, b);
    }
    if (this.keepSignatures) this.updSigs.copyWithin(2 * to * UPD_SIG_BYTES, 2 * from * UPD_SIG_BYTES, 2 * (from + 1) * UPD_SIG_BYTES);
    moveKey(this.chanFeatures, from, to);
    moveKey(this.annExcess, from, to);
    if (this.hasFunding) {
      this.fundVout[to] = this.fundVout[from]!;
      this.fundTxid.copyWithin(to * 32, from * 32, (from + 1) * 32);
      this.fundProg.copyWithin(to * 32, from * 32, (from + 1) * 32);
    }
  }

  /** Clears direction row `d` (no update). */
  clearDirection(d: number): void {
    this.updTs[d] = 0;
    this.updMsgFlags[d] = 0;
    this.updChanFlags[d] = 0;
    this.updCltv[d] = 0;
    this.updFeeBase[d] = 0;
    this.updFeeProp[d] = 0;
    this.updHtlcMin[d] = 0n;
    this.updHtlcMax[d] = 0n;
    if (this.keepSignatures) this.updSigs.fill(0, d * UPD_SIG_BYTES, (d + 1) * UPD_SIG_BYTES);
    this.updExcess.delete(d);
  }

  /** Bytes held by the columns (allocated capacity) and the rare-field maps. */
  byteLength(): number {
    let n = 0;
    for (const v of Object.values(this)) if (ArrayBuffer.isView(v)) n += v.byteLength;
    for (const a of this.nodeAnn) if (a) n += a.length + 16;
    for (const m of [this.chanFeatures, this.annExcess, this.updExcess]) for (const v of m.values()) n += v.length + 48;
    return n + this.nodeAnn.length * 8;
  }
}

function moveKey<V>(m: Map<number, V>, from: number, to: number): void {
  const v = m.get(from);
  m.delete(to);
  if (v !== undefined) {
    m.delete(from);
    m.set(to, v);
  }
}
