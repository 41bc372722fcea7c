/**
 * Core Lightning's `GOSSMAP_COMPRESSv1` format (devtools/gossmap-compress), as described in
 * `shared/data/README.md`: after gunzip, a 19-byte header, then BigSize integers: the channel
 * count, start and end node indices, the disabled list, and template-plus-index tables for
 * capacity, htlc_minimum, htlc_maximum, fee_base, fee_ppm and cltv_delta.
 */
import { SnapshotDecodeError, compareNodeIds, scidFromParts, type GraphSnapshot, type SnapshotChannel, type SnapshotNode, type SnapshotPolicy } from './model.js';

const HEADER = 'GOSSMAP_COMPRESSv1\0';

/** The tables of a gossmap-compress file, undecorated. */
export interface GossmapTables {
  readonly channelCount: number;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
  /** `2 * channel + dir` of every direction that is disabled or has no update. */
  readonly disabled: ReadonlySet<number>;
  readonly capacitySat: readonly bigint[];
  /** Per direction (`2 * channel + dir`). */
  readonly htlcMinimumMsat: readonly bigint[];
  /** Per direction; 0 means "= capacity", 1 means "= 0.99 × capacity". */
  readonly htlcMaximumCode: readonly bigint[];
  readonly feeBaseMsat: readonly bigint[];
  readonly feeProportionalMillionths: readonly bigint[];
  readonly cltvExpiryDelta: readonly bigint[];
}

class BigSizeReader {
  at = 0;
  constructor(private readonly b: Uint8Array) {}
  next(): bigint {
    const b = this.b;
    if (this.at >= b.length) throw new SnapshotDecodeError(`truncated at byte ${this.at}`);
    const first = b[this.at++]!;
    if (first < 0xfd) return BigInt(first);
    const n = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
    if (this.at + n > b.length) throw new SnapshotDecodeError(`truncated BigSize at byte ${this.at}`);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[this.at++]!);
    return v;
  }
  count(max: number, what: string): number {
    const v = this.next();
    if (v > BigInt(max)) throw new SnapshotDecodeError(`${what} ${v} is larger than the file allows`);
    return Number(v);
  }
}

/** Decodes the tables of a (gunzipped) gossmap-compress file. Throws only {@link SnapshotDecodeError}. */
export function decodeGossmapCompressed(bytes: Uint8Array): GossmapTables {
  const header = new TextDecoder().decode(bytes.subarray(0, HEADER.length));
  if (header !== HEADER) throw new SnapshotDecodeError('not a GOSSMAP_COMPRESSv1 file');
  const r = new BigSizeReader(bytes.subarray(HEADER.length));
  const remaining = () => bytes.length - HEADER.length - r.at;
  const n = r.count(remaining(), 'channel count');
  const start = new Uint32Array(n);
  const end = new Uint32Array(n);
  for (let i = 0; i < n; i++) start[i] = r.count(0xffffffff, 'node index');
  for (let i = 0; i < n; i++) end[i] = r.count(0xffffffff, 'node index');
  const disabled = new Set<number>();
  for (;;) {
    const v = r.next();
    if (v >= BigInt(2 * n)) break;
    disabled.add(Number(v));
  }
  const table = (per: number, what: string): bigint[] => {
    const t = r.count(remaining(), `${what} template count`);
    const tmpl: bigint[] = [];
    for (let i = 0; i < t; i++) tmpl.push(r.next());
    const out: bigint[] = new Array(per);
    for (let i = 0; i < per; i++) {
      const k = r.count(t - 1, `${what} template index`);
      out[i] = tmpl[k]!;
    }
    return out;
  };
  return {
    channelCount: n,
    start,
    end,
    disabled,
    capacitySat: table(n, 'capacity'),
    htlcMinimumMsat: table(2 * n, 'htlc_minimum'),
    htlcMaximumCode: table(2 * n, 'htlc_maximum'),
    feeBaseMsat: table(2 * n, 'fee_base'),
    feeProportionalMillionths: table(2 * n, 'fee_ppm'),
    cltvExpiryDelta: table(2 * n, 'cltv_delta'),
  };
}

/** Parses the node map: one `index:node_id_hex:alias` per line (aliases may contain `:`). */
export function parseNodeMap(text: string): SnapshotNode[] {
  const nodes: SnapshotNode[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) throw new SnapshotDecodeError(`bad node-map line: ${line.slice(0, 80)}`);
    const index = Number(line.slice(0, a));
    const hex = line.slice(a + 1, b);
    if (!Number.isInteger(index) || index < 0 || !/^0[23][0-9a-f]{64}$/.test(hex)) throw new SnapshotDecodeError(`bad node-map line: ${line.slice(0, 80)}`);
    nodes[index] = { nodeId: Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)), alias: line.slice(b + 1) };
  }
  return nodes;
}

/**
 * The short channel id given to channel `i` of a snapshot without ids: block 600000 + ⌊i/1000⌋,
 * transaction i mod 1000, output 0. Unique and deterministic; plausible mainnet heights.
 */
export function syntheticScid(i: number): bigint {
  return scidFromParts(600_000 + Math.floor(i / 1000), i % 1000, 0);
}

/** Builds a {@link GraphSnapshot} from gossmap tables and the node map, orienting each channel by node id (BOLT 7 direction bit). */
export function gossmapToSnapshot(t: GossmapTables, nodes: readonly SnapshotNode[], source = 'cln-gossmap'): GraphSnapshot {
  const channels: SnapshotChannel[] = [];
  for (let i = 0; i < t.channelCount; i++) {
    const a = t.start[i]!;
    const b = t.end[i]!;
    if (!nodes[a] || !nodes[b]) throw new SnapshotDecodeError(`channel ${i} refers to a node missing from the node map`);
    const [node1, node2] = compareNodeIds(nodes[a]!.nodeId, nodes[b]!.nodeId) < 0 ? [a, b] : [b, a];
    const cap = t.capacitySat[i]!;
    const policy = (dir: 0 | 1): SnapshotPolicy | undefined => {
      const k = 2 * i + dir;
      if (t.disabled.has(k)) return undefined;
      const code = t.htlcMaximumCode[k]!;
      return {
        feeBaseMsat: Number(t.feeBaseMsat[k]!),
        feeProportionalMillionths: Number(t.feeProportionalMillionths[k]!),
        cltvExpiryDelta: Number(t.cltvExpiryDelta[k]!),
        htlcMinimumMsat: t.htlcMinimumMsat[k]!,
        htlcMaximumMsat: code === 0n ? cap * 1000n : code === 1n ? cap * 990n : code,
      };
    };
    channels.push({ scid: syntheticScid(i), scidSynthetic: true, node1, node2, capacitySat: cap, policies: [policy(0), policy(1)] });
  }
  return { source, nodes, channels };
}
