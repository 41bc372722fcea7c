/** The generated signed stream (tooling/gossip-gen) over the first N channels of the 2026 snapshot, cached in os.tmpdir(). */
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import type { GraphSnapshot } from '@ln/graph-snapshots';
import { cachedGossipStream, type GossipStream } from '../../../tooling/gossip-gen/index.js';

let topo: GraphSnapshot | undefined;
export function topology(): GraphSnapshot {
  return (topo ??= loadClnGossmap2026());
}
export const fast = loadBestSecp256k1().backend;

export function stream(maxChannels: number): GossipStream {
  return cachedGossipStream(topology(), { secp: fast, maxChannels, name: 'cln-2026-02-03' });
}
