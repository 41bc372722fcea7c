/**
 * Core Lightning `listchannels` JSON (one entry per channel direction with an update), as in
 * the 2021-04-16 snapshot of `shared/data/README.md`.
 */
import { SnapshotDecodeError, compareNodeIds, type GraphSnapshot, type SnapshotChannel, type SnapshotNode, type SnapshotPolicy } from './model.js';

interface Entry {
  source: string;
  destination: string;
  short_channel_id: string;
  satoshis: number;
  channel_flags: number;
  active: boolean;
  last_update: number;
  base_fee_millisatoshi: number;
  fee_per_millionth: number;
  delay: number;
  htlc_minimum_msat: string | number;
  htlc_maximum_msat?: string | number;
}

const msat = (v: string | number | undefined, what: string): bigint => {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+(msat)?$/.test(v)) return BigInt(v.replace('msat', ''));
  throw new SnapshotDecodeError(`bad ${what}: ${describe(v)}`);
};

/** A JSON value for an error message; never throws (objects with hostile `toString`/`toJSON` included). */
const describe = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
};

/** A non-negative safe integer field, or a {@link SnapshotDecodeError}. */
const uint = (v: unknown, what: string): number => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new SnapshotDecodeError(`bad ${what}: ${describe(v)}`);
};

/** Parses `{ channels: [...] }` of `listchannels` into a {@link GraphSnapshot}. Throws only {@link SnapshotDecodeError}. */
export function parseListChannels(json: unknown, source = 'cln-listchannels'): GraphSnapshot {
  const entries = (json as { channels?: unknown })?.channels;
  if (!Array.isArray(entries)) throw new SnapshotDecodeError('expected { channels: [...] }');
  const nodeIndex = new Map<string, number>();
  const nodes: SnapshotNode[] = [];
  const idOf = (hex: unknown): number => {
    if (typeof hex !== 'string' || !/^0[23][0-9a-f]{64}$/.test(hex)) throw new SnapshotDecodeError(`bad node id ${describe(hex)}`);
    let i = nodeIndex.get(hex);
    if (i === undefined) {
      i = nodes.length;
      nodeIndex.set(hex, i);
      nodes.push({ nodeId: Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)), alias: '' });
    }
    return i;
  };
  const byScid = new Map<string, { scid: bigint; node1: number; node2: number; capacitySat: bigint; policies: [SnapshotPolicy | undefined, SnapshotPolicy | undefined] }>();
  for (const raw of entries as Entry[]) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SnapshotDecodeError(`bad entry ${describe(raw)}: expected an object`);
    const src = idOf(raw.source);
    const dst = idOf(raw.destination);
    const scidText: unknown = raw.short_channel_id;
    const m = typeof scidText === 'string' ? /^(\d+)x(\d+)x(\d+)$/.exec(scidText) : null;
    if (!m) throw new SnapshotDecodeError(`bad short_channel_id ${describe(scidText)}`);
    const scid = (BigInt(m[1]!) << 40n) | (BigInt(m[2]!) << 16n) | BigInt(m[3]!);
    const [node1, node2] = compareNodeIds(nodes[src]!.nodeId, nodes[dst]!.nodeId) < 0 ? [src, dst] : [dst, src];
    let ch = byScid.get(raw.short_channel_id);
    if (!ch) {
      const satoshis = uint(raw.satoshis, `capacity for ${raw.short_channel_id}`);
      ch = { scid, node1, node2, capacitySat: BigInt(satoshis), policies: [undefined, undefined] };
      byScid.set(raw.short_channel_id, ch);
    }
    const dir = src === ch.node1 ? 0 : 1;
    if (raw.active) {
      ch.policies[dir] = {
        feeBaseMsat: uint(raw.base_fee_millisatoshi, 'base_fee_millisatoshi'),
        feeProportionalMillionths: uint(raw.fee_per_millionth, 'fee_per_millionth'),
        cltvExpiryDelta: uint(raw.delay, 'delay'),
        htlcMinimumMsat: msat(raw.htlc_minimum_msat, 'htlc_minimum_msat'),
        htlcMaximumMsat: raw.htlc_maximum_msat === undefined ? ch.capacitySat * 1000n : msat(raw.htlc_maximum_msat, 'htlc_maximum_msat'),
        lastUpdate: uint(raw.last_update, 'last_update'),
      };
    }
  }
  const channels: SnapshotChannel[] = [...byScid.values()].map((c) => ({ ...c, scidSynthetic: false }));
  return { source, nodes, channels };
}
