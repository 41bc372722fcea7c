/**
 * Generating the mainnet-sized stream takes ~290k signatures; this caches it under
 * `os.tmpdir()` (never in the repository), keyed by the generator version and options.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secp256k1 } from '@ln/crypto';
import { generateGossipStream, type GossipStream, type Topology } from './generate.js';

const VERSION = 1;

/** The stream for `topology`, from the cache when there, else generated and cached. */
export function cachedGossipStream(topology: Topology, opts: { secp: Secp256k1; maxChannels?: number; name: string }): GossipStream & { fromCache: boolean } {
  const n = Math.min(opts.maxChannels ?? topology.channels.length, topology.channels.length);
  const file = join(tmpdir(), `ln-gossip-gen-v${VERSION}-${opts.name}-${n}.bin`);
  if (existsSync(file)) {
    try {
      return { ...decode(new Uint8Array(readFileSync(file))), fromCache: true };
    } catch {
      // fall through and regenerate
    }
  }
  const s = generateGossipStream(topology, { secp: opts.secp, maxChannels: n });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, encode(s));
  renameSync(tmp, file);
  return { ...s, fromCache: false };
}

function encode(s: GossipStream): Uint8Array {
  let size = 8 + 32 + 4 * 5;
  for (const m of s.messages) size += 4 + m.length;
  size += s.funding.size * (8 + 8 + 34);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  out.set(new TextEncoder().encode('LNGGEN01'), 0);
  out.set(s.chainHash, 8);
  o = 40;
  for (const v of [s.counts.channelAnnouncements, s.counts.channelUpdates, s.counts.nodeAnnouncements, s.latestTimestamp, s.messages.length]) (dv.setUint32(o, v), (o += 4));
  for (const m of s.messages) {
    dv.setUint32(o, m.length);
    out.set(m, o + 4);
    o += 4 + m.length;
  }
  for (const [scid, f] of s.funding) {
    dv.setBigUint64(o, scid);
    dv.setBigUint64(o + 8, f.valueSat);
    out.set(f.scriptPubkey, o + 16);
    o += 50;
  }
  return out;
}

function decode(b: Uint8Array): GossipStream {
  if (new TextDecoder().decode(b.subarray(0, 8)) !== 'LNGGEN01') throw new Error('bad cache file');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const chainHash = b.slice(8, 40);
  let o = 40;
  const [ca, cu, na, latest, count] = [0, 1, 2, 3, 4].map(() => ((o += 4), dv.getUint32(o - 4)));
  const messages: Uint8Array[] = [];
  for (let i = 0; i < count!; i++) {
    const len = dv.getUint32(o);
    messages.push(b.slice(o + 4, o + 4 + len));
    o += 4 + len;
  }
  const funding = new Map<bigint, { valueSat: bigint; scriptPubkey: Uint8Array }>();
  while (o < b.length) {
    funding.set(dv.getBigUint64(o), { valueSat: dv.getBigUint64(o + 8), scriptPubkey: b.slice(o + 16, o + 50) });
    o += 50;
  }
  if (o !== b.length || funding.size !== ca) throw new Error('bad cache file');
  return { messages, counts: { channelAnnouncements: ca!, channelUpdates: cu!, nodeAnnouncements: na! }, funding, chainHash, latestTimestamp: latest! };
}
