/**
 * `npm run bench:sync` in @ln/router-service: the service syncing the whole mainnet-sized graph
 * from a peer over TCP on 127.0.0.1 — 50,808 channels of validly signed gossip generated from
 * the 2026 snapshot's topology (`tooling/gossip-gen`, ~290k signatures, cached under the OS
 * temp dir after the first run) — until the routing graph holds all of it; next to the
 * ceiling measured in the same run: the same stream validated by a `P2PGossipSync` in process
 * (inline signature checks, no network). Both ends of the TCP sync share this one process.
 */
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { InlineVerifier, NetworkGraph, P2PGossipSync, TrustingVerifier } from '@ln/gossip';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { PeerManager, staticKeyFromSecret } from '@ln/noise-peer';
import { listen } from '@ln/noise-peer/node';
import { ErroringMessageHandler, decodeMessage, type ChannelAnnouncement, type ChannelUpdate, type NodeAnnouncement } from '@ln/wire';
import { cachedGossipStream, streamUtxoLookup, testSecret, type GossipStream } from '../../../tooling/gossip-gen/index.js';
import { PeerSync, RouterService } from '@ln/router-service/node';

const { backend: secp, name: backend } = loadBestSecp256k1();
const topology = loadClnGossmap2026();
let t = performance.now();
const stream = cachedGossipStream(topology, { secp, name: 'cln-2026' });
console.log(`stream: ${stream.messages.length} messages (${stream.counts.channelAnnouncements} channel_announcement, ${stream.counts.channelUpdates} channel_update, ${stream.counts.nodeAnnouncements} node_announcement), ${stream.fromCache ? 'from the cache' : 'generated'} in ${((performance.now() - t) / 1000).toFixed(1)} s; secp256k1 backend: ${backend}`);
const now = () => stream.latestTimestamp + 60;

function feed(sync: P2PGossipSync, s: GossipStream): void {
  for (const raw of s.messages) {
    const m = decodeMessage(raw);
    try {
      if (m.type === 'channel_announcement') sync.handleChannelAnnouncement(undefined, m as ChannelAnnouncement);
      else if (m.type === 'channel_update') sync.handleChannelUpdate(undefined, m as ChannelUpdate);
      else if (m.type === 'node_announcement') sync.handleNodeAnnouncement(undefined, m as NodeAnnouncement);
    } catch (e) {
      if ((e as Error).name !== 'GossipRejection') throw e;
    }
  }
}

// Ceiling: the stream validated in process, signatures checked inline, as the service does.
t = performance.now();
const ceilingSync = new P2PGossipSync({ graph: new NetworkGraph(), verifier: new InlineVerifier(secp), utxoLookup: streamUtxoLookup(stream), now });
feed(ceilingSync, stream);
await ceilingSync.drain();
const ceilingS = (performance.now() - t) / 1000;
console.log(`ceiling, in-process validation: ${ceilingSync.graph.channelCount} channels in ${ceilingS.toFixed(1)} s, ${(stream.messages.length / ceilingS).toFixed(0)} messages/s`);

// The peer: its graph filled (trusting its own stream), served over TCP.
const peerGraph = new NetworkGraph();
const peerSync = new P2PGossipSync({ graph: peerGraph, verifier: new TrustingVerifier(), utxoLookup: streamUtxoLookup(stream), now });
feed(peerSync, stream);
await peerSync.drain();
const pm = new PeerManager({
  crypto: { secp, sym: nodeSymmetric },
  nodeKey: staticKeyFromSecret(secp, testSecret(secp, 'bench peer')),
  entropy: { getSecureRandomBytes: () => globalThis.crypto.getRandomValues(new Uint8Array(32)) },
  channelHandler: new ErroringMessageHandler(),
  routingHandler: peerSync,
  chainHashes: [peerGraph.chainHash],
});
const listener = await listen(pm, 0);
const pump = setInterval(() => pm.processEvents(), 20);

t = performance.now();
const sync = new PeerSync({ peers: [{ nodeId: pm.nodeId, host: '127.0.0.1', port: listener.port }], now });
const service = await RouterService.start({ source: { kind: 'peers', sync } });
let syncedAt = 0;
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  const p = sync.progress();
  if (p.synced && !syncedAt) syncedAt = performance.now();
  if (p.synced && !service.view.stale && service.view.build.edges > 0) break;
  if (performance.now() - t > 900_000) throw new Error('no sync within 15 minutes');
}
const syncS = (syncedAt - t) / 1000;
const p = sync.progress();
const b = service.view.build;
const total = p.accepted.channel_announcements + p.accepted.channel_updates + p.accepted.node_announcements;
console.log(`TCP sync: ${p.channels} channels, ${p.nodes} nodes (${p.rejected} rejected) in ${syncS.toFixed(1)} s, ${(total / syncS).toFixed(0)} messages/s (${((total / syncS) / (stream.messages.length / ceilingS) * 100).toFixed(0)}% of the ceiling)`);
console.log(`rejections by reason: ${JSON.stringify(sync.gossip.stats.rejected)}; accepted: ${JSON.stringify(p.accepted)}`);
console.log(`routing graph complete ${((performance.now() - syncedAt) / 1000).toFixed(1)} s later: ${b.nodes} nodes, ${b.edges} edges, build ${b.ms.toFixed(0)} ms, ${b.generation} builds during the sync; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB (both ends and the stream)`);
clearInterval(pump);
await service.close();
await listener.close();
process.exit(0);
