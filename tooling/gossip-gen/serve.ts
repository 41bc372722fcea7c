// A local gossip peer for trying @ln/gossip's README example without the internet: a
// PeerManager on 127.0.0.1 whose P2PGossipSync holds the generated mainnet-sized graph (or its
// first N channels) and answers gossip queries. Prints the node id, host and port to pass.
// Usage: npx tsx --conditions=source tooling/gossip-gen/serve.ts [maxChannels] [port]
import { nobleSymmetric, randomBytes } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { NetworkGraph, P2PGossipSync, TrustingVerifier, toHex } from '@ln/gossip';
import { PeerManager, staticKeyFromSecret } from '@ln/noise-peer';
import { listen } from '@ln/noise-peer/node';
import { ErroringMessageHandler, decodeMessage } from '@ln/wire';
import { cachedGossipStream } from './cache.js';
import { streamUtxoLookup } from './generate.js';

const max = process.argv[2] ? Number(process.argv[2]) : undefined;
const port = process.argv[3] ? Number(process.argv[3]) : 0;
const { backend: secp } = loadBestSecp256k1();
const stream = cachedGossipStream(loadClnGossmap2026(), { secp, maxChannels: max, name: 'cln-2026-02-03' });
// The stream was signed by this generator; loading it needs no second check.
const gossip = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(stream), verifier: new TrustingVerifier(), now: () => stream.latestTimestamp + 60 });
for (const raw of stream.messages) {
  const m = decodeMessage(raw);
  if (m.type === 'channel_announcement') gossip.handleChannelAnnouncement(undefined, m);
  else if (m.type === 'channel_update') gossip.handleChannelUpdate(undefined, m);
  else if (m.type === 'node_announcement') gossip.handleNodeAnnouncement(undefined, m);
}
await gossip.drain();
const pm = new PeerManager({
  crypto: { secp, sym: nobleSymmetric },
  nodeKey: staticKeyFromSecret(secp, randomBytes(32)),
  entropy: { getSecureRandomBytes: () => randomBytes(32) },
  channelHandler: new ErroringMessageHandler(),
  routingHandler: gossip,
});
const server = await listen(pm, port, '127.0.0.1');
// Paced replies go out on each processEvents; keep draining while peers are syncing.
setInterval(() => pm.processEvents(), 20);
console.log(`serving ${gossip.graph.nodeCount} nodes, ${gossip.graph.channelCount} channels; connect with:`);
console.log(`${toHex(pm.nodeId)} 127.0.0.1 ${server.port}`);
