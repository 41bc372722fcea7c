/** In-memory test rig for PeerManager: recording handlers, a pair of wired sockets, helpers. */
import { loadNativeSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import type { Logger } from '@ln/chain-interfaces';
import { Features, IgnoringMessageHandler, LightningError, type ChannelMessageHandler, type CustomMessageHandler, type Init, type MessageSendEvent, type RoutingMessageHandler } from '@ln/wire';
import { PeerManager, staticKeyFromSecret, type PeerEvent, type PeerLimits, type SocketDescriptor } from '@ln/noise-peer';

export const secp = loadNativeSecp256k1();
export const crypto = { secp, sym: nodeSymmetric };
let entropyCounter = 0;
export const entropy = { getSecureRandomBytes: () => new Uint8Array(32).fill((++entropyCounter % 250) + 1) };

/** A channel handler that records what it is given and can queue messages. */
export function recordingChannelHandler(features = Features.empty().withOptional('var_onion_optin')) {
  const calls: [string, string][] = [];
  const pending: MessageSendEvent[] = [];
  const connected: Uint8Array[] = [];
  /** A message type → the error its handler throws (besides `shutdown`'s DisconnectPeer). */
  const throws = new Map<string, LightningError>();
  const base = {
    calls, pending, connected, throws,
    /** Whether `peerConnected` accepts the peer. */
    accept: true,
    chainHashes: undefined as Uint8Array[] | undefined,
    peerConnected: (id: Uint8Array, _init: Init) => (connected.push(id), base.accept),
    peerDisconnected: (id: Uint8Array) => calls.push(['disconnected', String(id[1])]),
    providedInitFeatures: () => features,
    providedNodeFeatures: () => features,
    getAndClearPendingMsgEvents: () => pending.splice(0),
    getChainHashes: () => base.chainHashes,
  };
  return new Proxy(base, {
    get(t, prop: string) {
      if (prop in t) return (t as Record<string, unknown>)[prop];
      if (prop.startsWith('handle')) return (_id: Uint8Array, msg: { type: string }) => {
        calls.push([prop, msg.type]);
        const e = throws.get(msg.type);
        if (e) throw e;
        if (msg.type === 'shutdown') throw new LightningError('we refuse', { type: 'DisconnectPeer' });
      };
      return undefined;
    },
  }) as unknown as ChannelMessageHandler & typeof base;
}

/** In a {@link Wire}'s queue: the close that follows the bytes written before it. */
const CLOSE = new Uint8Array(0);

/** Two in-memory sockets wired to each other; `pump` delivers until quiet. */
export class Wire {
  queue: [PeerManager, SocketDescriptor, Uint8Array][] = [];
  closed = new Set<SocketDescriptor>();
  accept = Infinity;
  /**
   * Whether a closed socket still delivers what was written before the close (as TCP does
   * before its FIN); by default the close is immediate and drops it.
   */
  orderlyClose = false;
  /** Per-socket limit on what `sendData` takes (default: unlimited). */
  acceptFrom = new Map<SocketDescriptor, number>();
  descriptor(owner: () => PeerManager, other: () => [PeerManager, SocketDescriptor]): SocketDescriptor {
    const self: SocketDescriptor = {
      sendData: (data) => {
        if (this.closed.has(self)) return 0;
        const n = Math.min(data.length, this.accept, this.acceptFrom.get(self) ?? Infinity);
        if (n > 0) this.queue.push([...other(), data.slice(0, n)]);
        return n;
      },
      disconnectSocket: () => {
        this.closed.add(self);
        const [pm, d] = other();
        if (this.orderlyClose) return void this.queue.push([pm, d, CLOSE]);
        this.closed.add(d);
        pm.socketDisconnected(d);
      },
    };
    return self;
  }
  pump(...pms: PeerManager[]): void {
    for (let i = 0; i < 1000; i++) {
      for (const pm of pms) pm.processEvents();
      const next = this.queue.shift();
      if (!next) return;
      const [pm, d, data] = next;
      if (data === CLOSE) {
        this.closed.add(d);
        pm.socketDisconnected(d);
      } else if (!this.closed.has(d)) pm.readEvent(d, data);
    }
  }
}

/** Options of {@link pair}: per side (`a` dials `b`) features, chains, limits, handlers, logger. */
export interface PairOptions {
  aFeatures?: Features; bFeatures?: Features;
  aChains?: Uint8Array[]; bChains?: Uint8Array[];
  aLimits?: Partial<PeerLimits>; bLimits?: Partial<PeerLimits>;
  aRouting?: RoutingMessageHandler; bRouting?: RoutingMessageHandler;
  aCustom?: CustomMessageHandler; bCustom?: CustomMessageHandler;
  aLogger?: Logger; bLogger?: Logger;
  /** Replace a side's channel handler (default: a {@link recordingChannelHandler}). */
  aChannel?: ChannelMessageHandler; bChannel?: ChannelMessageHandler;
}

/** Two managers, `a` dialing `b` over an in-memory {@link Wire}, pumped until quiet. */
export function pair(opts: PairOptions = {}) {
  const events: { a: PeerEvent[]; b: PeerEvent[] } = { a: [], b: [] };
  const ha = recordingChannelHandler(opts.aFeatures);
  const hb = recordingChannelHandler(opts.bFeatures);
  const ra = opts.aRouting ?? new IgnoringMessageHandler();
  const rb = opts.bRouting ?? new IgnoringMessageHandler();
  const a = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0xa1)), entropy, channelHandler: opts.aChannel ?? ha, routingHandler: ra, customHandler: opts.aCustom, chainHashes: opts.aChains, limits: opts.aLimits, logger: opts.aLogger, onEvent: (e) => events.a.push(e) });
  const b = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0xb2)), entropy, channelHandler: opts.bChannel ?? hb, routingHandler: rb, customHandler: opts.bCustom, chainHashes: opts.bChains, limits: opts.bLimits, logger: opts.bLogger, onEvent: (e) => events.b.push(e) });
  const wire = new Wire();
  let da!: SocketDescriptor;
  let db!: SocketDescriptor;
  da = wire.descriptor(() => a, () => [b, db]);
  db = wire.descriptor(() => b, () => [a, da]);
  b.newInboundConnection(db);
  const act1 = a.newOutboundConnection(b.nodeId, da);
  da.sendData(act1, false);
  wire.pump(a, b);
  return { a, b, ha, hb, wire, da, db, events };
}

/** Messages of `type` a manager's onEvent saw going `direction`. */
export const count = (evs: PeerEvent[], direction: 'in' | 'out', type: string) => evs.filter((e) => e.type === 'message' && e.direction === direction && e.msg.type === type).length;

/** Takes every chunk queued for `pm` off the wire and joins them, as one large read would deliver them. */
export function joinQueued(wire: Wire, pm: PeerManager): Uint8Array {
  const mine = wire.queue.filter((q) => q[0] === pm);
  wire.queue = wire.queue.filter((q) => q[0] !== pm);
  const out = new Uint8Array(mine.reduce((n, q) => n + q[2].length, 0));
  let at = 0;
  for (const q of mine) out.set(q[2], at), (at += q[2].length);
  return out;
}

