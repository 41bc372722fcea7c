/**
 * Re-creating the exact signed gossip messages from what the graph stores (BOLT 7: nodes
 * "SHOULD ... store the signature associated with the announcement ... this will later allow
 * the node to rebuild the announcement for its peers"), and the `channel_update` checksum of
 * `reply_channel_range` (CRC32C, RFC 3720).
 */
import { decodeMessage, type ChannelAnnouncement, type ChannelUpdate } from '@ln/wire';
import { ANN_SIG_BYTES, CHAN_SIGNED, NODE_ID_BYTES, UPD_SIG_BYTES } from './columns.js';
import type { NetworkGraph } from './network-graph.js';

const CA_FIXED = 2 + 4 * 64 + 2 + 32 + 8 + 4 * 33;
const CU_FIXED = 2 + 64 + 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8;

/** The raw `channel_announcement` (type included) of row `r`, or `undefined` when its signatures are not kept. @internal */
export function channelAnnouncementBytesAt(g: NetworkGraph, r: number): Uint8Array | undefined {
  const c = g.cols;
  if (!(c.chanFlags[r]! & CHAN_SIGNED)) return undefined;
  const features = c.chanFeatures.get(r) ?? new Uint8Array(0);
  const excess = c.annExcess.get(r) ?? new Uint8Array(0);
  const out = new Uint8Array(CA_FIXED + features.length + excess.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 256);
  const sig = r * ANN_SIG_BYTES;
  out.set(c.annSigs.subarray(sig, sig + 256), 2);
  let o = 258;
  dv.setUint16(o, features.length);
  out.set(features, o + 2);
  o += 2 + features.length;
  out.set(g.chainHash, o);
  o += 32;
  dv.setUint32(o, c.scidHi[r]!);
  dv.setUint32(o + 4, c.scidLo[r]!);
  o += 8;
  out.set(c.nodeIds.subarray(c.node1[r]! * NODE_ID_BYTES, (c.node1[r]! + 1) * NODE_ID_BYTES), o);
  out.set(c.nodeIds.subarray(c.node2[r]! * NODE_ID_BYTES, (c.node2[r]! + 1) * NODE_ID_BYTES), o + 33);
  out.set(c.annSigs.subarray(sig + 256, sig + ANN_SIG_BYTES), o + 66);
  out.set(excess, o + 132);
  return out;
}

/** The raw `channel_update` (type included) of direction row `d`, or `undefined` when there is none or signatures are not kept. @internal */
export function channelUpdateBytesAt(g: NetworkGraph, d: number): Uint8Array | undefined {
  const c = g.cols;
  if (c.updTs[d] === 0 || !c.keepSignatures || !(c.chanFlags[d >> 1]! & CHAN_SIGNED)) return undefined;
  const out = updateBody(g, d, true);
  out.set(c.updSigs.subarray(d * UPD_SIG_BYTES, (d + 1) * UPD_SIG_BYTES), 2);
  return out;
}

function updateBody(g: NetworkGraph, d: number, withHeader: boolean): Uint8Array {
  const c = g.cols;
  const r = d >> 1;
  const excess = c.updExcess.get(d) ?? new Uint8Array(0);
  const out = new Uint8Array(CU_FIXED + excess.length);
  const dv = new DataView(out.buffer);
  if (withHeader) dv.setUint16(0, 258);
  let o = 66;
  out.set(g.chainHash, o);
  o += 32;
  dv.setUint32(o, c.scidHi[r]!);
  dv.setUint32(o + 4, c.scidLo[r]!);
  o += 8;
  dv.setUint32(o, c.updTs[d]!);
  o += 4;
  out[o++] = c.updMsgFlags[d]!;
  out[o++] = c.updChanFlags[d]!;
  dv.setUint16(o, c.updCltv[d]!);
  o += 2;
  dv.setBigUint64(o, c.updHtlcMin[d]!);
  o += 8;
  dv.setUint32(o, c.updFeeBase[d]!);
  dv.setUint32(o + 4, c.updFeeProp[d]!);
  o += 8;
  dv.setBigUint64(o, c.updHtlcMax[d]!);
  out.set(excess, o + 8);
  return out;
}

/** The stored `channel_announcement` of a channel, decoded (so `signedBytesOf` works on it). */
export function storedChannelAnnouncement(g: NetworkGraph, scid: bigint): ChannelAnnouncement | undefined {
  const r = g.channelRow(scid);
  const raw = r < 0 ? undefined : channelAnnouncementBytesAt(g, r);
  return raw && (decodeMessage(raw) as ChannelAnnouncement);
}

/** The stored latest `channel_update` of one direction, decoded. */
export function storedChannelUpdate(g: NetworkGraph, scid: bigint, dir: 0 | 1): ChannelUpdate | undefined {
  const r = g.channelRow(scid);
  const raw = r < 0 ? undefined : channelUpdateBytesAt(g, 2 * r + dir);
  return raw && (decodeMessage(raw) as ChannelUpdate);
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C (Castagnoli, RFC 3720 appendix B.4) of `data`, continuing from `crc`. */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * The BOLT 7 checksum of a `channel_update`: CRC32C of the message "without its `signature`
 * and `timestamp` fields" (the fields after the type; any appended fields included).
 */
export function channelUpdateChecksum(rawWithType: Uint8Array): number {
  const afterSig = 2 + 64;
  return crc32c(rawWithType.subarray(afterSig + 44), crc32c(rawWithType.subarray(afterSig, afterSig + 40)));
}

/** Checksum of a stored direction (0 when it has no update). @internal */
export function checksumAt(g: NetworkGraph, d: number): number {
  if (g.cols.updTs[d] === 0) return 0;
  return channelUpdateChecksum(updateBody(g, d, true));
}
