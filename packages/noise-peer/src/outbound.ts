/**
 * The outbound side of a `PeerManager` connection: encrypting and queueing messages, the
 * bounded queue's flushing into the socket, the routing handler's messages held back until
 * the queue has room (never dropped), and the one droppable kind, broadcast gossip (BOLT 7;
 * counted and logged). @internal
 */
import type { ModuleLogger } from '@ln/chain-interfaces';
import { encodeMessage, type KnownMessage, type WireMessage } from '@ln/wire';
import type { PeerEvent, PeerLimits } from './peer-config.js';
import type { Peer } from './peer-state.js';
import { MAX_MESSAGE_SIZE } from './transport.js';

/** What the outbound side needs from its manager. @internal */
export interface OutboundContext {
  readonly limits: PeerLimits;
  readonly log: ModuleLogger;
  readonly onEvent?: (event: PeerEvent) => void;
  /** Whether the connection is still registered (not disconnected meanwhile). */
  isLive(peer: Peer): boolean;
  /** Whether handling the peer's input must stop with `queued` bytes in its queue. */
  mustPause(peer: Peer, queued: number): boolean;
  disconnect(peer: Peer, reason: string): void;
}

/** Per-manager outbound operations over each peer's queue. @internal */
export class Outbound {
  /** Broadcast gossip dropped, over all peers. */
  dropped = 0;
  constructor(private readonly ctx: OutboundContext) {}

  sendRaw(peer: Peer, bytes: Uint8Array): void {
    peer.queue.push(bytes);
    peer.queuedBytes += bytes.length;
  }

  /** Encodes `msg`, or says why not (a handler's bug, not the peer's: logged, the connection stays). */
  encode(peer: Peer, msg: WireMessage): Uint8Array | undefined {
    const bytes = encodeMessage(msg);
    if (bytes.length <= MAX_MESSAGE_SIZE) return bytes;
    this.ctx.log.error(`not sending ${msg.type} of ${bytes.length} bytes: BOLT 8 messages are at most ${MAX_MESSAGE_SIZE}`, { peerId: peer.nodeId });
    return undefined;
  }

  /** Encrypts and queues a message (never dropped; a peer whose backlog passes `maxOutboundBytes` is disconnected). */
  sendMessage(peer: Peer, msg: WireMessage, encoded?: Uint8Array): void {
    if (!peer.transport) return;
    const bytes = encoded ?? this.encode(peer, msg);
    if (!bytes) return;
    for (const chunk of peer.transport.encryptForSend(bytes)) this.sendRaw(peer, chunk);
    this.ctx.onEvent?.({ type: 'message', direction: 'out', nodeId: peer.nodeId!, msg });
    this.checkBacklog(peer);
  }

  checkBacklog(peer: Peer): void {
    if (peer.queuedBytes + peer.heldBytes <= this.ctx.limits.maxOutboundBytes) return;
    const held = peer.heldBytes ? `, ${peer.heldBytes} more held` : '';
    this.ctx.disconnect(peer, `peer is not reading (${peer.queuedBytes} bytes queued${held})`);
  }

  /**
   * Relayed or broadcast gossip: the one kind of message we may drop (BOLT 7 gossip is
   * re-sent and re-queried; LDK drops it likewise). Dropped while the peer's queue and the
   * routing handler's messages held for it are over `gossipDropBytes`; counted, and each run
   * of drops logged when it starts and when it ends.
   */
  sendGossip(peer: Peer, msg: KnownMessage): void {
    if (!peer.transport) return;
    if (peer.queuedBytes + peer.heldBytes <= this.ctx.limits.gossipDropBytes) return this.sendMessage(peer, msg);
    if (peer.dropRunStart < 0) {
      peer.dropRunStart = peer.gossipDropped;
      this.ctx.log.info(`dropping relayed gossip to this peer: ${peer.queuedBytes} bytes queued (gossipDropBytes ${this.ctx.limits.gossipDropBytes}), ${peer.held.length - peer.heldHead} routing messages held`, { peerId: peer.nodeId });
    }
    peer.gossipDropped++;
    this.dropped++;
  }

  /**
   * A routing handler's message to one peer (query replies, `reply_short_channel_ids_end`,
   * backfill, our own queries): never dropped, kept in the handler's order (BOLT 7: the
   * replies, then the end marker), and held unencrypted until the peer's queue is at most
   * `gossipDropBytes`.
   */
  hold(peer: Peer, msg: KnownMessage): void {
    if (!peer.transport) return;
    const bytes = this.encode(peer, msg);
    if (!bytes) return;
    peer.held.push({ msg, bytes });
    peer.heldBytes += bytes.length;
    this.checkBacklog(peer);
  }

  /** Moves held routing messages into the queue while it has room; true when it moved any. */
  release(peer: Peer): boolean {
    let moved = false;
    while (peer.heldHead < peer.held.length && peer.queuedBytes <= this.ctx.limits.gossipDropBytes && this.ctx.isLive(peer)) {
      const { msg, bytes } = peer.held[peer.heldHead]!;
      peer.held[peer.heldHead++] = undefined as never;
      peer.heldBytes -= bytes.length;
      this.sendMessage(peer, msg, bytes);
      moved = true;
    }
    if (peer.heldHead === peer.held.length) {
      peer.held = [];
      peer.heldHead = 0;
    } else if (peer.heldHead > 1024 && peer.heldHead * 2 > peer.held.length) {
      peer.held = peer.held.slice(peer.heldHead);
      peer.heldHead = 0;
    }
    return moved;
  }

  /** Whether the routing handler may release per-peer backlog to this peer now: nothing of its waits and the queue has room. */
  hasRoomForGossip(peer: Peer | undefined): boolean {
    return !!peer && peer.heldHead === peer.held.length && peer.queuedBytes <= this.ctx.limits.gossipDropBytes;
  }

  flush(peer: Peer): void {
    // A descriptor may call writeBufferSpaceAvail from inside sendData: that call only notes
    // it, and this loop goes on (sending the same chunk twice would corrupt the stream).
    if (peer.flushing) return void (peer.flushAgain = true);
    peer.flushing = true;
    try {
      while (peer.queue.length && this.ctx.isLive(peer)) {
        peer.flushAgain = false;
        const chunk = peer.queue[0]!;
        const resume = peer.readPaused && !this.ctx.mustPause(peer, peer.queuedBytes - chunk.length);
        const n = peer.descriptor.sendData(chunk, resume);
        if (resume && n > 0) peer.readPaused = false;
        peer.queuedBytes -= n;
        peer.takenSinceTick += n;
        if (n < chunk.length) {
          peer.queue[0] = chunk.subarray(n);
          if (!(peer.flushAgain && n > 0)) return;
        } else peer.queue.shift();
      }
    } finally {
      peer.flushing = false;
    }
  }

  /**
   * Flushes the queue, refilling it from the held routing messages as it empties, until the
   * socket takes no more or nothing is left. Ends a run of gossip drops once there is room.
   */
  drain(peer: Peer): void {
    do this.flush(peer);
    while (!peer.flushing && this.release(peer));
    if (peer.dropRunStart >= 0 && peer.queuedBytes + peer.heldBytes <= this.ctx.limits.gossipDropBytes) {
      this.ctx.log.info(`stopped dropping relayed gossip to this peer: ${peer.gossipDropped - peer.dropRunStart} messages dropped`, { peerId: peer.nodeId });
      peer.dropRunStart = -1;
    }
  }
}
