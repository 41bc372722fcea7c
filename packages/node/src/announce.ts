/** Our BOLT 7 `node_announcement`: features, alias, colour and the TCP addresses we listen on, signed with the node key. */
import type { ModuleLogger, NodeSigner } from '@ln/chain-interfaces';
import type { P2PGossipSync } from '@ln/gossip';
import { sha256d } from '@ln/crypto';
import { encodeAddresses, encodeMessage, makeMessage, type KnownMessage, type NodeAddress, type NodeAnnouncement } from '@ln/wire';

/**
 * Builds and signs a `node_announcement` (BOLT 7 "The `node_announcement` Message": the
 * signature covers the double-SHA256 of everything after it). `listening` holds `host:port`
 * strings; IPv4 ones are announced (others are skipped).
 */
export function signedNodeAnnouncement(signer: NodeSigner, features: Uint8Array, alias: string, listening: readonly string[], timestamp: number): NodeAnnouncement {
  const aliasBytes = new Uint8Array(32);
  aliasBytes.set(new TextEncoder().encode(alias).subarray(0, 32));
  const addresses: NodeAddress[] = listening.flatMap((a) => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(a);
    return m ? [{ type: 'ipv4', addr: Uint8Array.from(m.slice(1, 5).map(Number)), port: Number(m[5]) } as NodeAddress] : [];
  });
  const unsigned = makeMessage('node_announcement', {
    signature: new Uint8Array(64), features, timestamp, nodeId: signer.getNodeId(), rgbColor: Uint8Array.of(0x33, 0x66, 0x99), alias: aliasBytes, addresses: encodeAddresses(addresses),
  });
  return { ...unsigned, signature: signer.signGossipMessage(sha256d(encodeMessage(unsigned).subarray(2 + 64))) };
}

/**
 * When to announce: BOLT 7, a node with a public channel announces itself (alias, addresses).
 * It announces again (with a newer timestamp) when its number of public channels changes, and
 * on the next two gossip ticks after that: a node that did not know our channel yet rejected
 * the previous announcement (BOLT 7 receivers ignore a node without channels), and relays only
 * what they accepted.
 */
export class NodeAnnouncer {
  private announcedAt = 0;
  private channelCount = 0;
  private ticksLeft = 0;

  constructor(
    private readonly signer: NodeSigner,
    private readonly alias: string,
  ) {}

  /** The announcement to send now, given our public channel count, or `undefined`. */
  next(channelCount: number, onTick: boolean, now: number, features: () => Uint8Array, listening: readonly string[]): NodeAnnouncement | undefined {
    if (channelCount === 0) return undefined;
    if (channelCount !== this.channelCount) {
      this.channelCount = channelCount;
      this.ticksLeft = 2;
    } else if (!(onTick && this.ticksLeft > 0 && this.ticksLeft--)) return undefined;
    const t = Math.max(now, this.announcedAt + 1);
    this.announcedAt = t;
    return signedNodeAnnouncement(this.signer, features(), this.alias, listening, t);
  }
}

/** Our own gossip (what the channel manager broadcasts about our channels, our node_announcement) into our own graph. */
export function takeOwnGossip(gossip: P2PGossipSync, msg: KnownMessage, log: ModuleLogger): void {
  try {
    if (msg.type === 'channel_announcement') gossip.handleChannelAnnouncement(undefined, msg);
    else if (msg.type === 'channel_update') gossip.handleChannelUpdate(undefined, msg);
    else if (msg.type === 'node_announcement') gossip.handleNodeAnnouncement(undefined, msg);
  } catch (e) {
    log.debug(`own gossip not taken by our graph: ${(e as Error).message}`);
  }
}
