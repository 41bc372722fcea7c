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
import { EMPTY, GOSSIP, ROUTING, handlerName, hex, initProblem, newPeerState, printablePeerData, type Peer } from './peer-state.js';
import { NoiseError } from './errors.js';
import { ACT_ONE_SIZE, ACT_THREE_SIZE, ACT_TWO_SIZE, NoiseHandshake } from './handshake.js';
import { DEFAULT_PEER_LIMITS, type GossipRoomCheck, type PeerLimits, type PeerManagerConfig, type PeerStats, type SocketDescriptor } from './peer-config.js';
import { isValidNodeId } from './keys.js';
import { Outbound } from './outbound.js';
import { MAX_MESSAGE_SIZE, type NoiseTransport } from './transport.js';

export * from './peer-config.js';
export { printablePeerData } from './peer-state.js';

/** The peer manager. */
export class PeerManager {
  private readonly peers = new Map<SocketDescriptor, Peer>();
  private readonly byNodeId = new Map<string, Peer>();
  private readonly limits: PeerLimits;
  private readonly log: ModuleLogger;

  private readonly out: Outbound;

  constructor(private readonly config: PeerManagerConfig) {
    this.limits = { ...DEFAULT_PEER_LIMITS, ...config.limits };
    this.log = moduleLogger(config.logger ?? NULL_LOGGER, 'noise-peer');
    this.out = new Outbound({
      limits: this.limits, log: this.log, onEvent: config.onEvent,
      isLive: (p) => this.peers.get(p.descriptor) === p,
      mustPause: (p, queued) => this.mustPause(p, queued),
      disconnect: (p, reason) => this.disconnect(p, reason),
    });
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
    const peer = newPeerState(descriptor, inbound);
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
   * (its outbound buffer is full, or the routing handler reports `processingQueueHigh()` after
   * this peer's gossip) until `sendData` is called with `resumeRead`. The manager never keeps
   * a reference to `data` after returning.
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

  /**
   * Whether handling this peer's input stops for now: its outbound queue plus the routing
   * handler's messages held for it are over `pauseReadBytes` (answering more would only grow
   * them), or the routing handler's queue is high after this peer's gossip (as LDK does).
   */
  private mustPause(peer: Peer, queued = peer.queuedBytes): boolean {
    return queued + peer.heldBytes > this.limits.pauseReadBytes || peer.gossipBacklogPaused;
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
        this.out.drain(peer);
        if (!this.peers.has(peer.descriptor)) return;
        if (this.mustPause(peer) || peer.buffer.length === 0 || peer.buffer.length === held) break;
      }
    } catch (e) {
      this.disconnect(peer, e instanceof NoiseError || e instanceof DecodeError ? `${e.name}: ${e.message}` : `error: ${(e as Error).message}`);
      return;
    } finally {
      peer.processing = false;
    }
    peer.readPaused = this.mustPause(peer);
  }

  private advance(peer: Peer): void {
    while (peer.handshake) {
      const hs = peer.handshake;
      if (hs.state === 'responder_awaiting_act1') {
        if (peer.buffer.length < ACT_ONE_SIZE) return;
        const actTwo = hs.processActOne(peer.buffer.subarray(0, ACT_ONE_SIZE));
        peer.buffer = peer.buffer.subarray(ACT_ONE_SIZE);
        this.out.sendRaw(peer, actTwo);
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
        this.out.sendRaw(peer, r.actThree);
        peer.transport = r.transport;
        peer.handshake = undefined;
        this.sendInit(peer);
      } else return;
    }
    // One message at a time, stopping while the peer's outbound queue is over the pause
    // limit: the rest waits in `buffer` (bounded by `maxInboundBytes`) until it drains.
    // `peer.buffer` stays current at each step, so bytes a re-entrant `readEvent` appends are kept.
    const transport = peer.transport!;
    while (peer.buffer.length && !this.mustPause(peer) && this.peers.has(peer.descriptor)) {
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
    this.out.sendMessage(peer, makeMessage('init', { globalfeatures: new Uint8Array(0), features: this.ourInitFeatures(peer.nodeId!).toBytes(), tlvs }));
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
        if (msg.numPongBytes < 65532) this.out.sendMessage(peer, makeMessage('pong', { ignored: new Uint8Array(msg.numPongBytes) }));
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
      // LDK: while the routing handler's queue is high, stop reading from peers sending gossip.
      if (!peer.gossipBacklogPaused && this.peers.has(peer.descriptor) && this.config.routingHandler.processingQueueHigh()) {
        peer.gossipBacklogPaused = true;
        this.log.debug('pausing reads: the routing handler reports processingQueueHigh()', { peerId: nodeId });
      }
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
    const problem = initProblem(init, this.ourInitFeatures(peer.nodeId!), this.ourChains());
    if (problem) return this.disconnect(peer, problem);
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
        if (action.msg) this.out.sendMessage(peer, action.msg);
        this.out.flush(peer);
        return this.disconnect(peer, why);
      case 'DisconnectPeerWithWarning':
        this.out.sendMessage(peer, action.msg);
        this.out.flush(peer);
        return this.disconnect(peer, why);
      case 'SendErrorMessage':
      case 'SendWarningMessage':
        return this.out.sendMessage(peer, action.msg);
      case 'IgnoreAndLog':
        return this.log[action.level](why, { peerId: peer.nodeId });
      case 'IgnoreError':
        return;
    }
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
      this.out.sendGossip(p, msg);
    }
  }

  /** Drains; once the peer may be read again, handles what it sent meanwhile (and tells the socket to resume). */
  private pump(peer: Peer): void {
    this.out.drain(peer);
    if (!this.peers.has(peer.descriptor) || !peer.transport || this.mustPause(peer)) return;
    // Still paused here means no chunk carried `resumeRead` (e.g. the pause was for the
    // routing handler's queue and nothing is queued): an empty write says it.
    const unsignalled = peer.readPaused;
    if (peer.buffer.length) this.process(peer);
    else peer.readPaused = false;
    if (unsignalled && this.peers.has(peer.descriptor) && !peer.readPaused) peer.descriptor.sendData(EMPTY, true);
  }

  /**
   * The socket can take more data: sends what is queued (and the routing handler's messages
   * held for the peer) and, once the queue is under the pause limit, handles the messages held
   * back while it was over.
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
    const bytes = encodeMessage(msg);
    if (bytes.length > MAX_MESSAGE_SIZE) throw new NoiseError('message_too_long', `${msg.type} of ${bytes.length} bytes exceeds the BOLT 8 maximum of ${MAX_MESSAGE_SIZE}`);
    this.out.sendMessage(p, msg, bytes);
    if (this.peers.has(p.descriptor)) this.out.flush(p);
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

  /** A connected peer's queues and counters (see {@link PeerStats}); `undefined` when not connected. */
  peerStats(nodeId: Uint8Array): PeerStats | undefined {
    const p = this.byNodeId.get(hex(nodeId));
    if (!p) return undefined;
    return {
      queuedOutboundBytes: p.queuedBytes, heldRoutingMessages: p.held.length - p.heldHead, heldRoutingBytes: p.heldBytes,
      bufferedInboundBytes: p.buffer.length, gossipDropped: p.gossipDropped, readPaused: p.readPaused, gossipBacklogPaused: p.gossipBacklogPaused,
    };
  }

  /** Relayed gossip messages dropped so far, over all peers (each peer's count is in {@link peerStats}). */
  get gossipDropped(): number {
    return this.out.dropped;
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

  /**
   * Sends what the handlers queued (`MessageSendEvent`s) and flushes every socket. Call after
   * handling input, and regularly (it also resumes peers paused while the routing handler's
   * queue was high).
   *
   * The routing handler's messages to one peer are held for it and never dropped (see
   * {@link PeerStats.heldRoutingMessages}); it is asked for them lazily: its
   * `getAndClearPendingMsgEvents` gets a {@link GossipRoomCheck} (a handler may release a
   * peer's backlog only while it says yes), and is not called at all while some peer already
   * has more than `gossipDropBytes` of them waiting, so they stay in the handler, which makes
   * them lazily, instead of here. Only broadcast gossip is dropped, above `gossipDropBytes`.
   */
  processEvents(): void {
    this.liftGossipBacklog();
    // The channel handler's gossip is our own (our channels, our node); the routing handler's is relayed.
    for (const ev of this.config.channelHandler.getAndClearPendingMsgEvents()) this.dispatch(ev, true);
    if (this.routingBacklogged()) {
      if (!this.pullStalled) this.log.debug(`not taking the routing handler's messages: a peer has more than gossipDropBytes (${this.limits.gossipDropBytes}) of them waiting`);
      this.pullStalled = true;
    } else {
      this.pullStalled = false;
      const pull = this.config.routingHandler.getAndClearPendingMsgEvents as (hasRoom: GossipRoomCheck) => MessageSendEvent[];
      for (const ev of pull.call(this.config.routingHandler, this.roomCheck)) this.dispatch(ev, false);
    }
    for (const [nodeId, type, payload] of this.config.customHandler?.getAndClearPendingCustomMessages() ?? []) {
      const p = this.byNodeId.get(hex(nodeId));
      if (p?.transport) this.out.sendMessage(p, { type: 'unknown', typeNumber: type, required: type % 2 === 0, payload });
    }
    for (const p of [...this.peers.values()]) this.pump(p);
  }

  private pullStalled = false;
  private readonly roomCheck: GossipRoomCheck = (nodeId) => this.out.hasRoomForGossip(this.byNodeId.get(hex(nodeId)));

  private dispatch(ev: MessageSendEvent, fromChannelHandler: boolean): void {
    if (ev.type === 'BroadcastGossip') return this.broadcast(ev.msg, ev.exceptNodeId, fromChannelHandler);
    const p = this.byNodeId.get(hex(ev.nodeId));
    if (!p) return;
    if (ev.type === 'HandleError') return this.applyAction(p, ev.action, `a handler asked: ${ev.action.type}`);
    // The channel handler's messages go straight to the queue (never dropped, ahead of held gossip).
    if (fromChannelHandler) this.out.sendMessage(p, ev.msg);
    else this.out.hold(p, ev.msg);
  }

  /** Whether some peer has more than `gossipDropBytes` of the routing handler's messages waiting. */
  private routingBacklogged(): boolean {
    for (const p of this.byNodeId.values()) if (p.heldBytes > this.limits.gossipDropBytes) return true;
    return false;
  }

  /** Once the routing handler's queue is no longer high, peers paused for it may be read again (they are pumped next). */
  private liftGossipBacklog(): Peer[] {
    const paused = [...this.peers.values()].filter((p) => p.gossipBacklogPaused);
    if (!paused.length || this.config.routingHandler.processingQueueHigh()) return [];
    for (const p of paused) p.gossipBacklogPaused = false;
    this.log.debug(`resuming ${paused.length} peer(s): the routing handler's queue is no longer high`);
    return paused;
  }

  /**
   * Call every ~10–30 seconds: disconnects peers that did not answer the last ping or are stuck
   * in the handshake, and pings the others.
   */
  timerTickOccurred(): void {
    for (const p of this.liftGossipBacklog()) this.pump(p);
    for (const p of [...this.peers.values()]) {
      if (p.handshake || !p.theirInit) {
        if (++p.handshakeTicks > this.limits.handshakeTimeoutTicks) this.disconnect(p, 'handshake or init not completed in time');
        continue;
      }
      const draining = p.backlogAtTick > 0 && p.takenSinceTick > 0;
      // Not reading a peer while our routing handler catches up is our doing, not the peer's.
      const alive = p.receivedSinceTick || draining || p.gossipBacklogPaused;
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
      this.out.sendMessage(p, makeMessage('ping', { numPongBytes: 0, ignored: new Uint8Array(0) }));
      this.out.flush(p);
    }
  }
}
