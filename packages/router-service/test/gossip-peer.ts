/** A real gossip peer for the tests: a NetworkGraph filled with validly signed generated gossip, served by its own PeerManager over TCP. */
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { InlineVerifier, NetworkGraph, P2PGossipSync } from '@ln/gossip';
import type { GraphSnapshot } from '@ln/graph-snapshots';
import { PeerManager, staticKeyFromSecret } from '@ln/noise-peer';
import { listen } from '@ln/noise-peer/node';
import { ErroringMessageHandler, decodeMessage, type ChannelAnnouncement, type ChannelUpdate, type NodeAnnouncement } from '@ln/wire';
import { generateGossipStream, streamUtxoLookup, testSecret, type GossipStream } from '../../../tooling/gossip-gen/index.js';

export const secp = loadBestSecp256k1().backend;

/** The peer's graph and sync, its signed stream, and its manager (listen with {@link GossipPeer.listen}). */
export interface GossipPeer {
  readonly graph: NetworkGraph;
  readonly sync: P2PGossipSync;
  readonly pm: PeerManager;
  readonly stream: GossipStream;
  /** Listens on 127.0.0.1 (port 0: any) and pumps the manager's events; returns the port. */
  listen(port?: number): Promise<number>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Builds the peer from the first `channels` channels of `topology`, timestamps in the hour before `now`. */
export async function gossipPeer(topology: GraphSnapshot, channels: number, now: number): Promise<GossipPeer> {
  const stream = generateGossipStream(topology, { secp, maxChannels: channels, baseTimestamp: now - 3600 });
  const graph = new NetworkGraph();
  const sync = new P2PGossipSync({ graph, verifier: new InlineVerifier(secp), utxoLookup: streamUtxoLookup(stream), relayViaEvents: true });
  for (const raw of stream.messages) {
    const m = decodeMessage(raw);
    try {
      if (m.type === 'channel_announcement') sync.handleChannelAnnouncement(undefined, m as ChannelAnnouncement);
      else if (m.type === 'channel_update') sync.handleChannelUpdate(undefined, m as ChannelUpdate);
      else if (m.type === 'node_announcement') sync.handleNodeAnnouncement(undefined, m as NodeAnnouncement);
    } catch (e) {
      if ((e as Error).name !== 'GossipRejection') throw e;
    }
  }
  await sync.drain();
  const pm = new PeerManager({
    crypto: { secp, sym: nodeSymmetric },
    nodeKey: staticKeyFromSecret(secp, testSecret(secp, 'router-service test peer')),
    entropy: { getSecureRandomBytes: () => globalThis.crypto.getRandomValues(new Uint8Array(32)) },
    channelHandler: new ErroringMessageHandler(),
    routingHandler: sync,
    chainHashes: [graph.chainHash],
  });
  pm.processEvents(); // the stream's relays have no one to go to yet
  let listener: Awaited<ReturnType<typeof listen>> | undefined;
  let pump: ReturnType<typeof setInterval> | undefined;
  return {
    graph, sync, pm, stream,
    async listen(port = 0) {
      listener = await listen(pm, port);
      pump ??= setInterval(() => pm.processEvents(), 20);
      return listener.port;
    },
    async close() {
      if (pump) clearInterval(pump);
      pump = undefined;
      await listener?.close();
      listener = undefined;
    },
  };
}
