/**
 * Payment helpers for the harness: routes built from the nodes' own channels and policies
 * (what a router would produce), settling the network (delivering messages and acting on
 * `PendingHTLCsForwardable`), and event lookups.
 */
import { equalBytes, sha256 } from '@ln/crypto';
import type { ChannelEvent, PaymentPath, UserConfigOverrides } from '../../src/index.js';
import { DEFAULT_USER_CONFIG } from '../../src/index.js';
import type { Harness, TestNode } from './harness.js';

export type Ev<T extends ChannelEvent['type']> = Extract<ChannelEvent, { type: T }>;

/** The scid of the channel between `a` and `b` (from `a`'s side). */
export function scidBetween(a: TestNode, b: TestNode): bigint {
  const c = a.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, b.nodeId) && x.shortChannelId !== undefined);
  if (!c) throw new Error(`no channel ${a.name}-${b.name}`);
  return c.shortChannelId!;
}

/** The channel id between `a` and `b`. */
export function channelBetween(a: TestNode, b: TestNode): Uint8Array {
  const c = a.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, b.nodeId));
  if (!c) throw new Error(`no channel ${a.name}-${b.name}`);
  return c.channelId;
}

function policyOf(n: TestNode): { base: bigint; prop: bigint; delta: number } {
  const c = { ...DEFAULT_USER_CONFIG.channelConfig, ...(n.config as UserConfigOverrides).channelConfig };
  return { base: BigInt(c.forwardingFeeBaseMsat), prop: BigInt(c.forwardingFeeProportionalMillionths), delta: c.cltvExpiryDelta };
}

/**
 * A path from `nodes[0]` through `nodes[1..]` delivering `amountMsat` to the last, with each
 * forwarding node's fee and CLTV delta, absolute expiries from the current height.
 * `tweak(i, hop)` may alter hop `i` (to inject failures).
 */
export function route(h: Harness, nodes: TestNode[], amountMsat: bigint, opts: { finalCltvDelta?: number } = {}): PaymentPath {
  const height = h.chain.tipHeight;
  const hops: { nodeId: Uint8Array; shortChannelId: bigint; amountMsat: bigint; cltvExpiry: number }[] = [];
  let amt = amountMsat;
  let cltv = height + (opts.finalCltvDelta ?? 40);
  for (let i = nodes.length - 1; i >= 1; i--) {
    hops.unshift({ nodeId: nodes[i]!.nodeId, shortChannelId: scidBetween(nodes[i - 1]!, nodes[i]!), amountMsat: amt, cltvExpiry: cltv });
    if (i > 1) {
      const p = policyOf(nodes[i - 1]!);
      amt += p.base + (amt * p.prop) / 1_000_000n;
      cltv += p.delta;
    }
  }
  return { hops };
}

/** Delivers messages and processes forwards until the network is quiet. */
export function settle(h: Harness, opts: { forward?: boolean } = {}): void {
  for (let i = 0; i < 200; i++) {
    h.pump();
    h.drainEvents();
    let again = false;
    for (const n of h.nodes) {
      const fresh = n.events.filter((e) => e.type === 'PendingHTLCsForwardable' && !(e as { handled?: boolean }).handled);
      if (fresh.length && opts.forward !== false) {
        for (const e of fresh) (e as { handled?: boolean }).handled = true;
        n.cm.processPendingHtlcForwards();
        again = true;
      }
    }
    if (!again) return;
  }
  throw new Error('network did not settle');
}

/** Events of `type` a node has seen so far. */
export function eventsOf<T extends ChannelEvent['type']>(h: Harness, n: TestNode, type: T): Ev<T>[] {
  h.drainEvents();
  return n.events.filter((e) => e.type === type) as Ev<T>[];
}

/** Takes (removes) the events of `type` from a node's list. */
export function take<T extends ChannelEvent['type']>(h: Harness, n: TestNode, type: T): Ev<T>[] {
  h.drainEvents();
  const got = n.events.filter((e) => e.type === type) as Ev<T>[];
  n.events = n.events.filter((e) => e.type !== type);
  return got;
}

/** A 32-byte id from a number. */
export function pid(n: number): Uint8Array {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(28, n);
  return b;
}

/** Creates an invoice-like payment on `payee` and pays it from `nodes[0]` along `nodes`; returns hash, preimage-less secret and id. */
export function pay(h: Harness, nodes: TestNode[], amountMsat: bigint, id: number): { paymentHash: Uint8Array; paymentSecret: Uint8Array; paymentId: Uint8Array } {
  const payee = nodes[nodes.length - 1]!;
  const { paymentHash, paymentSecret } = payee.cm.createInboundPayment(amountMsat, 3600);
  const paymentId = pid(id);
  nodes[0]!.cm.sendPayment([route(h, nodes, amountMsat)], paymentHash, { paymentSecret }, paymentId);
  return { paymentHash, paymentSecret, paymentId };
}

/** Claims every `PaymentClaimable` of `payee` (invoice payments carry their preimage). */
export function claimAll(h: Harness, payee: TestNode): number {
  const ev = take(h, payee, 'PaymentClaimable');
  for (const e of ev) {
    const pre = e.purpose.paymentPreimage!;
    if (!equalBytes(sha256(pre), e.paymentHash)) throw new Error('preimage mismatch');
    payee.cm.claimFunds(pre);
  }
  return ev.length;
}

/** Our balance (msat) on our current commitment with `peer`. */
export function balance(a: TestNode, peer: TestNode): bigint {
  const c = a.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, peer.nodeId));
  return c?.balanceMsat ?? 0n;
}
