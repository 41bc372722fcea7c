/** Test helpers: managers with recording loggers and event logs, and polling. */
import type { LogRecord } from '@ln/chain-interfaces';
import { loadNativeSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { Features, IgnoringMessageHandler, type ChannelMessageHandler, type Init, type MessageSendEvent } from '@ln/wire';
import { PeerManager, staticKeyFromSecret, type PeerEvent, type PeerLimits } from '@ln/noise-peer';

export const secp = loadNativeSecp256k1();
let counter = 0;
const randomish = () => {
  const b = new Uint8Array(32);
  globalThis.crypto.getRandomValues(b);
  b[0] = (++counter % 200) + 1;
  return b;
};

/** Features Electrum (and most nodes) expect: data_loss_protect, static_remotekey, gossip_queries, var_onion, payment_secret. */
export const COMMON_FEATURES = Features.empty()
  .withOptional('option_data_loss_protect')
  .withOptional('gossip_queries')
  .withOptional('var_onion_optin')
  .withOptional('option_static_remotekey')
  .withOptional('payment_secret');

/** A channel handler that accepts everything, with the given init features, and counts calls. */
export function acceptingChannelHandler(features = COMMON_FEATURES): ChannelMessageHandler & { pending: MessageSendEvent[] } {
  const pending: MessageSendEvent[] = [];
  const base = {
    pending,
    peerConnected: (_id: Uint8Array, _init: Init) => true,
    peerDisconnected: () => {},
    providedInitFeatures: () => features,
    providedNodeFeatures: () => features,
    getAndClearPendingMsgEvents: () => pending.splice(0),
    getChainHashes: () => undefined,
  };
  return new Proxy(base, {
    get(t, prop: string) {
      if (prop in t) return (t as Record<string, unknown>)[prop];
      if (prop.startsWith('handle')) return () => {};
      return undefined;
    },
  }) as unknown as ChannelMessageHandler & { pending: MessageSendEvent[] };
}

export interface TestPeer {
  pm: PeerManager;
  logs: LogRecord[];
  events: PeerEvent[];
  /** Messages received, by type name (unknown ones as `unknown:<n>`). */
  received: Map<string, number>;
  pongLengths: number[];
  secret: Uint8Array;
  /** The channel handler: push `MessageSendEvent`s into `pending` to have the manager send them. */
  channel: ChannelMessageHandler & { pending: MessageSendEvent[] };
}

/** A PeerManager with a recording logger and event log. */
export function testPeer(fill?: number, opts: { limits?: Partial<PeerLimits>; features?: Features; chainHashes?: Uint8Array[]; onEvent?: (e: PeerEvent) => void } = {}): TestPeer {
  const secret = fill === undefined ? randomish() : new Uint8Array(32).fill(fill);
  const logs: LogRecord[] = [];
  const events: PeerEvent[] = [];
  const received = new Map<string, number>();
  const pongLengths: number[] = [];
  const channel = acceptingChannelHandler(opts.features);
  const pm = new PeerManager({
    crypto: { secp, sym: nodeSymmetric },
    nodeKey: staticKeyFromSecret(secp, secret),
    entropy: { getSecureRandomBytes: randomish },
    channelHandler: channel,
    routingHandler: new IgnoringMessageHandler(),
    logger: { log: (r) => logs.push(r) },
    limits: opts.limits,
    chainHashes: opts.chainHashes,
    onEvent: (e) => {
      if (e.type === 'message' && e.direction === 'in') {
        const k = e.msg.type === 'unknown' ? `unknown:${e.msg.typeNumber}` : e.msg.type;
        received.set(k, (received.get(k) ?? 0) + 1);
        if (e.msg.type === 'pong') pongLengths.push(e.msg.ignored.length);
      }
      events.push(e);
      opts.onEvent?.(e);
    },
  });
  return { pm, logs, events, received, pongLengths, secret, channel };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 5 ms until it holds or `ms` pass; returns whether it held. */
export async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(5);
  return cond();
}

export const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The `disconnected` events a peer saw, with their reasons. */
export const disconnects = (p: TestPeer) => p.events.filter((e): e is Extract<PeerEvent, { type: 'disconnected' }> => e.type === 'disconnected');
