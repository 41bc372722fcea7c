/**
 * `PeerManager`: the seed's peer handler — BOLT 8 over sockets the user owns, the BOLT 1
 * `init` exchange and pings, and message routing to a `ChannelMessageHandler` and a
 * `RoutingMessageHandler` (interfaces of `@ln/wire`), whose `MessageSendEvent`s it sends or
 * broadcasts. It opens no socket and starts no timer: the user feeds bytes in (`readEvent`),
 * takes bytes out through `SocketDescriptor.sendData`, and calls `timerTickOccurred` and
 * `processEvents`.
 */
import { NULL_LOGGER, moduleLogger, type ModuleLogger } from '@ln/chain-interfaces';
import {
  DecodeError, Features, LightningError, decodeMessage, encodeMessage, makeMessage,
  type ErrorAction, type Init, type KnownMessage, type MessageSendEvent, type WireMessage,
} from '@ln/wire';
import { NoiseError } from './errors.js';
import { ACT_ONE_SIZE, ACT_THREE_SIZE, ACT_TWO_SIZE, NoiseHandshake } from './handshake.js';
import { DEFAULT_PEER_LIMITS, type PeerLimits, type PeerManagerConfig, type SocketDescriptor } from './peer-config.js';
import { isValidNodeId } from './keys.js';
import { MAX_MESSAGE_SIZE, type NoiseTransport } from './transport.js';

export * from './peer-config.js';

interface Peer {
  readonly descriptor: SocketDescriptor;
  readonly inbound: boolean;
  nodeId?: Uint8Array;
  handshake?: NoiseHandshake;
  transport?: NoiseTransport;
  buffer: Uint8Array;
  theirInit?: Init;
  queue: Uint8Array[];
  queuedBytes: number;
  readPaused: boolean;
  awaitingPong: boolean;
  handshakeTicks: number;
  gossipDropped: number;
  /** It sent a `gossip_timestamp_filter` asking for gossip (BOLT 7: no relayed gossip before). */
  wantsGossip: boolean;
  /** Re-entrancy guards: a descriptor may call back into the manager from `sendData`. */
  processing: boolean;
  flushing: boolean;
  flushAgain: boolean;
  /** Liveness since the last timer tick: a message received, bytes taken by the socket. */
  receivedSinceTick: boolean;
  takenSinceTick: number;
  backlogAtTick: number;
  pongWaitTicks: number;
}

const EMPTY = new Uint8Array(0);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** At most this many bytes of a peer's `error`/`warning` data go into a log line. */
const MAX_LOGGED_DATA = 512;

/**
 * A peer's `error` or `warning` data for a log line. BOLT 1: "if `data` is not composed solely
 * of printable ASCII characters (For reference: the printable character set includes byte
 * values 32 through 126, inclusive): SHOULD NOT print out `data` verbatim". Printable ASCII is
 * printed as text, anything else as hex (`hex:` prefix); long data is cut (its length said).
 */
export function printablePeerData(data: Uint8Array): string {
  const shown = data.length > MAX_LOGGED_DATA ? data.subarray(0, MAX_LOGGED_DATA) : data;
  const more = data.length > MAX_LOGGED_DATA ? `… (${data.length} bytes)` : '';
  if (shown.every((b) => b >= 32 && b <= 126)) return String.fromCharCode(...shown) + more;
  return `hex:${hex(shown)}${more}`;
}
const GOSSIP = new Set(['channel_announcement', 'node_announcement', 'channel_update']);
const ROUTING = new Set(['query_channel_range', 'reply_channel_range', 'query_short_channel_ids', 'reply_short_channel_ids_end', 'gossip_timestamp_filter']);

/** `update_add_htlc` → `handleUpdateAddHtlc`. */
const handlerName = (type: string) => 'handle' + type.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** The peer manager. */
export class PeerManager {
  private readonly peers = new Map<SocketDescriptor, Peer>();
  private readonly byNodeId = new Map<string, Peer>();
  private readonly limits: PeerLimits;
  private readonly log: ModuleLogger;

  constructor(private readonly config: PeerManagerConfig) {
    this.limits = { ...DEFAULT_PEER_LIMITS, ...config.limits };
    this.log = moduleLogger(config.logger ?? NULL_LOGGER, 'noise-peer');
  }

  /** Our node id. */
  get nodeId(): Uint8Array {
    return this.config.nodeKey.publicKey;
  }

  /** Node ids of the peers that finished the `init` exchange. */
  getPeerNodeIds(): Uint8Array[] {
    return [...this.byNodeId.values()].map((p) => p.nodeId!);
  }

  /** The `init` a connected peer sent. */
  peerInit(nodeId: Uint8Array): Init | undefined {
    return this.byNodeId.get(hex(nodeId))?.theirInit;
  }

  /** Connections still in the handshake or waiting for the peer's `init` (the timer ends both alike). */
  private pendingHandshakes(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.handshake || !p.theirInit) n++;
    return n;
  }

  private newPeer(descriptor: SocketDescriptor, inbound: boolean): Peer {
    if (this.peers.has(descriptor)) throw new NoiseError('duplicate_descriptor', 'descriptor already registered');
    if (this.pendingHandshakes() >= this.limits.maxPendingHandshakes) {
      const why = `too many connections in the handshake or init (${this.limits.maxPendingHandshakes})`;
      this.log.warn(`refusing ${inbound ? 'inbound' : 'outbound'} connection: ${why}`);
      throw new NoiseError('too_many_pending', why);
    }
    const peer: Peer = {
      descriptor, inbound, buffer: EMPTY, queue: [], queuedBytes: 0, readPaused: false, awaitingPong: false, handshakeTicks: 0, gossipDropped: 0, wantsGossip: false,
      processing: false, flushing: false, flushAgain: false, receivedSinceTick: false, takenSinceTick: 0, backlogAtTick: 0, pongWaitTicks: 0,
    };
    this.peers.set(descriptor, peer);
    return peer;
  }

  /**
   * Starts an outbound connection to `theirNodeId`; returns act one, which the caller must send
   * first. Throws `NoiseError` (and registers nothing) when `theirNodeId` is not a valid
   * compressed public key (`bad_pubkey`), the descriptor is already registered, or too many
   * connections are pending (`too_many_pending`).
   */
  newOutboundConnection(theirNodeId: Uint8Array, descriptor: SocketDescriptor): Uint8Array {
    if (!isValidNodeId(this.config.crypto.secp, theirNodeId)) throw new NoiseError('bad_pubkey', 'the node id to dial is not a valid 33-byte compressed public key');
    const peer = this.newPeer(descriptor, false);
    const { handshake, actOne } = NoiseHandshake.initiate(this.config.crypto, this.config.nodeKey, theirNodeId, this.config.entropy.getSecureRandomBytes());
    peer.handshake = handshake;
    peer.nodeId = theirNodeId;
    return actOne;
  }

  /**
   * Registers an inbound connection; it will wait for act one. Throws `NoiseError`
   * `too_many_pending` when too many connections are in the handshake or `init`, and
   * `duplicate_descriptor` for a descriptor already registered.
   */
  newInboundConnection(descriptor: SocketDescriptor): void {
    const peer = this.newPeer(descriptor, true);
    peer.handshake = NoiseHandshake.respond(this.config.crypto, this.config.nodeKey, this.config.entropy.getSecureRandomBytes());
  }

  /**
   * Bytes read from a socket. Returns `true` when the caller should pause reading from it
   * (its outbound buffer is full) until `sendData` is called with `resumeRead`. The manager
   * never keeps a reference to `data` after returning.
   */
  readEvent(descriptor: SocketDescriptor, data: Uint8Array): boolean {
    const peer = this.peers.get(descriptor);
    if (!peer) return false;
    // The common case of no leftover takes the caller's bytes without a copy.
    if (peer.buffer.length === 0) peer.buffer = data;
    else {
      const buf = new Uint8Array(peer.buffer.length + data.length);
      buf.set(peer.buffer, 0);
      buf.set(data, peer.buffer.length);
      peer.buffer = buf;
    }
    if (peer.buffer.length > this.limits.maxInboundBytes) {
      this.disconnect(peer, `peer sends faster than we process (${peer.buffer.length} bytes received and unprocessed)`);
      return false;
    }
    this.process(peer);
    // Never keep a view of the caller's read buffer.
    if (peer.buffer.length && peer.buffer.buffer === data.buffer) peer.buffer = peer.buffer.slice();
    if (!this.peers.has(descriptor)) return false;
    return peer.readPaused;
  }

  /** Handles what is buffered from the peer (as far as its outbound queue allows), then flushes. */
  private process(peer: Peer): void {
    if (peer.processing) return;
    peer.processing = true;
    try {
      // Handling stops while the outbound queue is over the pause limit; if the socket then
      // takes the queue at once, go on (nothing else would call us back for these bytes).
      for (;;) {
        const held = peer.buffer.length;
        this.advance(peer);
        if (!this.peers.has(peer.descriptor)) return;
        this.flush(peer);
        if (peer.queuedBytes > this.limits.pauseReadBytes || peer.buffer.length === 0 || peer.buffer.length === held) break;
      }
    } catch (e) {
      this.disconnect(peer, e instanceof NoiseError || e instanceof DecodeError ? `${e.name}: ${e.message}` : `error: ${(e as Error).message}`);
      return;
    } finally {
      peer.processing = false;
    }
    peer.readPaused = peer.queuedBytes > this.limits.pauseReadBytes;
  }

  private advance(peer: Peer): void {
    while (peer.handshake) {
      const hs = peer.handshake;
      if (hs.state === 'responder_awaiting_act1') {
        if (peer.buffer.length < ACT_ONE_SIZE) return;
        const actTwo = hs.processActOne(peer.buffer.subarray(0, ACT_ONE_SIZE));
        peer.buffer = peer.buffer.subarray(ACT_ONE_SIZE);
        this.sendRaw(peer, actTwo);
      } else if (hs.state === 'responder_awaiting_act3') {
        if (peer.buffer.length < ACT_THREE_SIZE) return;
        const r = hs.processActThree(peer.buffer.subarray(0, ACT_THREE_SIZE));
        peer.buffer = peer.buffer.subarray(ACT_THREE_SIZE);
        peer.transport = r.transport;
        peer.nodeId = r.remoteStaticKey;
        peer.handshake = undefined;
        this.sendInit(peer);
      } else if (hs.state === 'initiator_awaiting_act2') {
        if (peer.buffer.length < ACT_TWO_SIZE) return;
        const r = hs.processActTwo(peer.buffer.subarray(0, ACT_TWO_SIZE));
        peer.buffer = peer.buffer.subarray(ACT_TWO_SIZE);
        this.sendRaw(peer, r.actThree);
        peer.transport = r.transport;
        peer.handshake = undefined;
        this.sendInit(peer);
      } else return;
    }
    // One message at a time, stopping while the peer's outbound queue is over the pause
    // limit: the rest waits in `buffer` (bounded by `maxInboundBytes`) until it drains.
    // `peer.buffer` stays current at each step, so bytes a re-entrant `readEvent` appends are kept.
    const transport = peer.transport!;
    while (peer.buffer.length && peer.queuedBytes <= this.limits.pauseReadBytes && this.peers.has(peer.descriptor)) {
      const { messages, consumed } = transport.decryptStream(peer.buffer, 1);
      peer.buffer = consumed === peer.buffer.length ? EMPTY : peer.buffer.subarray(consumed);
      if (messages.length === 0) break;
      peer.receivedSinceTick = true;
      this.handleMessage(peer, messages[0]!);
    }
  }

  private ourInitFeatures(theirNodeId: Uint8Array): Features {
    const a = this.config.channelHandler.providedInitFeatures(theirNodeId).setBits();
    const b = this.config.routingHandler.providedInitFeatures(theirNodeId).setBits();
    return Features.fromBits([...a, ...b]);
  }

  /** Our chains: `config.chainHashes`, else the channel handler's `getChainHashes()` (`undefined`: any). */
  private ourChains(): readonly Uint8Array[] | undefined {
    return this.config.chainHashes ?? this.config.channelHandler.getChainHashes();
  }

  private sendInit(peer: Peer): void {
    const chains = this.ourChains();
    const tlvs = chains ? { networks: [...chains] } : {};
    this.sendMessage(peer, makeMessage('init', { globalfeatures: new Uint8Array(0), features: this.ourInitFeatures(peer.nodeId!).toBytes(), tlvs }));
  }

  private handleMessage(peer: Peer, bytes: Uint8Array): void {
    const msg: WireMessage = decodeMessage(bytes);
    this.config.onEvent?.({ type: 'message', direction: 'in', nodeId: peer.nodeId!, msg });
    if (!peer.theirInit) {
      if (msg.type !== 'init') return this.disconnect(peer, `first message was ${msg.type}, not init`);
      return this.handleInit(peer, msg);
    }
    const nodeId = peer.nodeId!;
    switch (msg.type) {
      case 'init':
        return this.disconnect(peer, 'a second init');
      case 'ping':
        if (msg.numPongBytes < 65532) this.sendMessage(peer, makeMessage('pong', { ignored: new Uint8Array(msg.numPongBytes) }));
        return;
      case 'pong':
        peer.awaitingPong = false;
        return;
      case 'warning':
        this.log.warn(`warning from peer: ${printablePeerData(msg.data)}`, { peerId: nodeId, channelId: msg.channelId });
        return;
      case 'error':
        this.log.warn(`error from peer: ${printablePeerData(msg.data)}`, { peerId: nodeId, channelId: msg.channelId });
        this.callHandler(peer, () => this.config.channelHandler.handleError(nodeId, msg));
        return;
      case 'unknown': {
        const custom = this.config.customHandler;
        if (custom?.customTypes.includes(msg.typeNumber)) return custom.handleCustomMessage(nodeId, msg.typeNumber, msg.payload);
        if (msg.required) return this.disconnect(peer, `unknown required (even) message type ${msg.typeNumber}`);
        this.log.debug(`ignoring unknown odd message type ${msg.typeNumber}`, { peerId: nodeId });
        return;
      }
      default:
        break;
    }
    if (GOSSIP.has(msg.type)) {
      this.callHandler(peer, () => {
        const r = this.config.routingHandler as unknown as Record<string, (id: Uint8Array, m: unknown) => boolean>;
        const relay = r[handlerName(msg.type)]!.call(this.config.routingHandler, nodeId, msg);
        if (msg.type === 'channel_update') this.config.channelHandler.handleChannelUpdate(nodeId, msg);
        if (relay) this.broadcast(msg as KnownMessage, nodeId, false);
      });
      return;
    }
    // A filter with an empty range (BOLT 7: first_timestamp 0xFFFFFFFF, range 0) asks for nothing.
    if (msg.type === 'gossip_timestamp_filter') peer.wantsGossip = msg.timestampRange > 0;
    const target = ROUTING.has(msg.type) ? this.config.routingHandler : this.config.channelHandler;
    const fn = (target as unknown as Record<string, ((id: Uint8Array, m: unknown) => void) | undefined>)[handlerName(msg.type)];
    if (!fn) return this.log.debug(`no handler for ${msg.type}`, { peerId: nodeId });
    this.callHandler(peer, () => fn.call(target, nodeId, msg));
  }

  private handleInit(peer: Peer, init: Init): void {
    // BOLT 1: the two feature bitmaps are combined (bitwise OR).
    const theirs = Features.fromBits([...Features.fromBytes(init.features).setBits(), ...Features.fromBytes(init.globalfeatures).setBits()]);
    const unknownRequired = theirs.unknownRequiredBits();
    if (unknownRequired.length) return this.disconnect(peer, `peer requires unknown feature bit(s) ${unknownRequired.join(', ')}`);
    const ours = this.ourInitFeatures(peer.nodeId!);
    // Features BOLT 9 marks ASSUMED are supported by every node, whether or not we advertise them.
    const assumed = new Set([0, 8, 12, 14, 44]);
    const missing = theirs.requiredNotSupportedBy(ours).filter((b: number) => !assumed.has(b));
    if (missing.length) return this.disconnect(peer, `peer requires feature bit(s) we do not support: ${missing.join(', ')}`);
    const deps = theirs.validate().filter((p: { kind: string }) => p.kind === 'missing_dependency');
    if (deps.length) return this.disconnect(peer, `peer's features miss a dependency: ${deps.map((d: { message: string }) => d.message).join('; ')}`);
    const ourChains = this.ourChains();
    const theirChains = init.tlvs.networks;
    if (ourChains && theirChains && !theirChains.some((c) => ourChains.some((o) => hex(o) === hex(c)))) {
      return this.disconnect(peer, 'peer shares no chain with us (init networks)');
    }
    const key = hex(peer.nodeId!);
    if (this.byNodeId.has(key)) return this.disconnect(peer, 'already connected to this node');
    peer.theirInit = init;
    this.byNodeId.set(key, peer);
    const okC = this.config.channelHandler.peerConnected(peer.nodeId!, init, peer.inbound);
    const okR = this.config.routingHandler.peerConnected(peer.nodeId!, init, peer.inbound);
    if (okC === false || okR === false) return this.disconnect(peer, 'a handler refused the peer');
    this.log.info(`peer connected (${peer.inbound ? 'inbound' : 'outbound'})`, { peerId: peer.nodeId });
    this.config.onEvent?.({ type: 'connected', nodeId: peer.nodeId!, inbound: peer.inbound, init });
  }

  private callHandler(peer: Peer, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof LightningError) this.applyAction(peer, e.action, e.message);
      else throw e;
    }
  }

  private applyAction(peer: Peer, action: ErrorAction, why: string): void {
    switch (action.type) {
      case 'DisconnectPeer':
        if (action.msg) this.sendMessage(peer, action.msg);
        this.flush(peer);
        return this.disconnect(peer, why);
      case 'DisconnectPeerWithWarning':
        this.sendMessage(peer, action.msg);
        this.flush(peer);
        return this.disconnect(peer, why);
      case 'SendErrorMessage':
      case 'SendWarningMessage':
        return this.sendMessage(peer, action.msg);
      case 'IgnoreAndLog':
        return this.log[action.level](why, { peerId: peer.nodeId });
      case 'IgnoreError':
        return;
    }
  }

  private sendRaw(peer: Peer, bytes: Uint8Array): void {
    peer.queue.push(bytes);
    peer.queuedBytes += bytes.length;
  }

  private sendMessage(peer: Peer, msg: WireMessage, gossip = false): void {
    if (!peer.transport) return;
    if (gossip && peer.queuedBytes > this.limits.gossipDropBytes) {
      peer.gossipDropped++;
      return;
    }
    const bytes = encodeMessage(msg);
    if (bytes.length > MAX_MESSAGE_SIZE) {
      // A handler's bug, not the peer's: drop the message, keep the connection, say so.
      this.log.error(`not sending ${msg.type} of ${bytes.length} bytes: BOLT 8 messages are at most ${MAX_MESSAGE_SIZE}`, { peerId: peer.nodeId });
      return;
    }
    for (const chunk of peer.transport.encryptForSend(bytes)) this.sendRaw(peer, chunk);
    this.config.onEvent?.({ type: 'message', direction: 'out', nodeId: peer.nodeId!, msg });
    if (peer.queuedBytes > this.limits.maxOutboundBytes) this.disconnect(peer, `peer is not reading (${peer.queuedBytes} bytes queued)`);
  }

  /**
   * BOLT 7 "Rebroadcasting": gossip we generated goes to every peer; relayed gossip only to
   * peers that sent a `gossip_timestamp_filter` (with a non-empty range) and, when their `init`
   * named `networks`, only gossip of those chains. The filter's timestamp range (a SHOULD) is
   * the routing handler's to apply: when it has `shouldRelayTo(nodeId, msg)` (as
   * `P2PGossipSync` does), relayed gossip also needs its yes.
   */
  private broadcast(msg: KnownMessage, except: Uint8Array | undefined, own: boolean): void {
    const skip = except && hex(except);
    const chain = 'chainHash' in msg ? hex(msg.chainHash as Uint8Array) : undefined;
    const h = this.config.routingHandler as { shouldRelayTo?: (nodeId: Uint8Array, m: KnownMessage) => boolean };
    for (const [k, p] of this.byNodeId) {
      if (k === skip || (!own && !p.wantsGossip)) continue;
      if (!own && h.shouldRelayTo && !h.shouldRelayTo(p.nodeId!, msg)) continue;
      const nets = p.theirInit?.tlvs.networks;
      if (chain && nets && !nets.some((n) => hex(n) === chain)) continue;
      this.sendMessage(p, msg, true);
    }
  }

  private flush(peer: Peer): void {
    // A descriptor may call writeBufferSpaceAvail from inside sendData: that call only notes
    // it, and this loop goes on (sending the same chunk twice would corrupt the stream).
    if (peer.flushing) return void (peer.flushAgain = true);
    peer.flushing = true;
    try {
      while (peer.queue.length && this.peers.has(peer.descriptor)) {
        peer.flushAgain = false;
        const chunk = peer.queue[0]!;
        const resume = peer.readPaused && peer.queuedBytes - chunk.length <= this.limits.pauseReadBytes;
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

  /** Flushes; once the outbound queue is under the pause limit again, handles what the peer sent meanwhile. */
  private pump(peer: Peer): void {
    this.flush(peer);
    if (peer.transport && peer.buffer.length && peer.queuedBytes <= this.limits.pauseReadBytes && this.peers.has(peer.descriptor)) this.process(peer);
  }

  /**
   * The socket can take more data: sends what is queued and, once the queue is under the
   * pause limit, handles the messages held back while it was over.
   */
  writeBufferSpaceAvail(descriptor: SocketDescriptor): void {
    const peer = this.peers.get(descriptor);
    if (peer) this.pump(peer);
  }

  /**
   * Sends a message to a connected peer (after the `init` exchange) and flushes its socket.
   * Returns `false` when no such peer is connected. Pings, custom and unknown odd messages
   * included: the caller owns what it sends.
   */
  sendToPeer(nodeId: Uint8Array, msg: WireMessage): boolean {
    const p = this.byNodeId.get(hex(nodeId));
    if (!p) return false;
    const size = encodeMessage(msg).length;
    if (size > MAX_MESSAGE_SIZE) throw new NoiseError('message_too_long', `${msg.type} of ${size} bytes exceeds the BOLT 8 maximum of ${MAX_MESSAGE_SIZE}`);
    this.sendMessage(p, msg);
    if (this.peers.has(p.descriptor)) this.flush(p);
    return true;
  }

  /** Outbound bytes queued for a peer and not yet taken by its socket (for monitoring and tests). */
  queuedOutboundBytes(nodeId: Uint8Array): number | undefined {
    return this.byNodeId.get(hex(nodeId))?.queuedBytes;
  }

  /**
   * Received bytes held for a connected peer and not yet processed: a partial frame, or
   * messages held back while its outbound queue is full (for monitoring and tests).
   */
  bufferedInboundBytes(nodeId: Uint8Array): number | undefined {
    return this.byNodeId.get(hex(nodeId))?.buffer.length;
  }

  /** The socket closed (from either side). Idempotent. */
  socketDisconnected(descriptor: SocketDescriptor): void {
    const peer = this.peers.get(descriptor);
    if (!peer) return;
    const during = !!peer.handshake || !peer.theirInit;
    const reason = peer.handshake ? `connection closed by the peer during the handshake (${peer.handshake.state})` : peer.theirInit ? 'connection closed by the peer' : 'connection closed by the peer before init';
    this.log[during ? 'warn' : 'info'](reason, { peerId: peer.nodeId });
    this.config.onEvent?.({ type: 'disconnected', nodeId: peer.nodeId, inbound: peer.inbound, reason, byUs: false, duringHandshake: during });
    this.forget(peer);
  }

  private forget(peer: Peer): void {
    this.peers.delete(peer.descriptor);
    if (peer.theirInit && peer.nodeId && this.byNodeId.get(hex(peer.nodeId)) === peer) {
      this.byNodeId.delete(hex(peer.nodeId));
      this.config.channelHandler.peerDisconnected(peer.nodeId);
      this.config.routingHandler.peerDisconnected(peer.nodeId);
    }
  }

  private disconnect(peer: Peer, reason: string): void {
    if (!this.peers.has(peer.descriptor)) return;
    this.log.warn(`disconnecting: ${reason}`, { peerId: peer.nodeId });
    this.lastDisconnectReason = reason;
    this.config.onEvent?.({ type: 'disconnected', nodeId: peer.nodeId, inbound: peer.inbound, reason, byUs: true, duringHandshake: !!peer.handshake || !peer.theirInit });
    this.forget(peer);
    peer.descriptor.disconnectSocket();
  }

  /** The reason of the last disconnect the manager decided (for logs and tests). */
  lastDisconnectReason: string | undefined;

  /**
   * Closes the connection on `descriptor` because of something its adapter saw (e.g. a
   * WebSocket text frame, which is no part of a BOLT 8 stream): logged at `warn` with
   * `reason`, reported as a `disconnected` event with `byUs`, then `disconnectSocket` is
   * called. Does nothing for a descriptor the manager does not know.
   */
  disconnectDescriptor(descriptor: SocketDescriptor, reason: string): void {
    const p = this.peers.get(descriptor);
    if (p) this.disconnect(p, reason);
  }

  /** Disconnects a peer by node id. */
  disconnectByNodeId(nodeId: Uint8Array, reason = 'requested'): void {
    const p = this.byNodeId.get(hex(nodeId));
    if (p) this.disconnect(p, reason);
  }

  /** Sends what the handlers queued (`MessageSendEvent`s) and flushes every socket. Call after handling input. */
  processEvents(): void {
    // The channel handler's gossip is our own (our channels, our node); the routing handler's is relayed.
    const own = this.config.channelHandler.getAndClearPendingMsgEvents();
    const events: MessageSendEvent[] = [...own, ...this.config.routingHandler.getAndClearPendingMsgEvents()];
    for (const [i, ev] of events.entries()) {
      if (ev.type === 'BroadcastGossip') this.broadcast(ev.msg, ev.exceptNodeId, i < own.length);
      else {
        const p = this.byNodeId.get(hex(ev.nodeId));
        if (!p) continue;
        if (ev.type === 'SendMessage') this.sendMessage(p, ev.msg, GOSSIP.has(ev.msg.type));
        else this.applyAction(p, ev.action, `a handler asked: ${ev.action.type}`);
      }
    }
    for (const [nodeId, type, payload] of this.config.customHandler?.getAndClearPendingCustomMessages() ?? []) {
      const p = this.byNodeId.get(hex(nodeId));
      if (p?.transport) this.sendMessage(p, { type: 'unknown', typeNumber: type, required: type % 2 === 0, payload });
    }
    for (const p of [...this.peers.values()]) this.pump(p);
  }

  /**
   * Call every ~10–30 seconds: disconnects peers that did not answer the last ping or are stuck
   * in the handshake, and pings the others.
   */
  timerTickOccurred(): void {
    for (const p of [...this.peers.values()]) {
      if (p.handshake || !p.theirInit) {
        if (++p.handshakeTicks > this.limits.handshakeTimeoutTicks) this.disconnect(p, 'handshake or init not completed in time');
        continue;
      }
      const draining = p.backlogAtTick > 0 && p.takenSinceTick > 0;
      const alive = p.receivedSinceTick || draining;
      p.receivedSinceTick = false;
      p.takenSinceTick = 0;
      p.backlogAtTick = p.queuedBytes;
      if (p.awaitingPong) {
        if (!alive) this.disconnect(p, 'no pong to our ping');
        else if (++p.pongWaitTicks > this.limits.maxPongWaitTicks) this.disconnect(p, `no pong to our ping in ${p.pongWaitTicks} ticks`);
        continue;
      }
      p.awaitingPong = true;
      p.pongWaitTicks = 0;
      this.sendMessage(p, makeMessage('ping', { numPongBytes: 0, ignored: new Uint8Array(0) }));
      this.flush(p);
    }
  }
}
