/**
 * Payment helpers for scenarios: routes over the harness's own channels with each forwarding
 * node's policy (what `@ln/router`'s `findRoute` would return for these channels), sending,
 * claiming. `Network.settle` processes `PendingHTLCsForwardable` by itself.
 */
import { ApiError, DEFAULT_USER_CONFIG, type PaymentPath } from '@ln/channel';
import { bytesToHex, equalBytes, sha256 } from '@ln/crypto';
import type { Network } from './network.js';
import type { HarnessNode } from './node.js';

/** The usable channel from `a` to `b` as `a` lists it. */
export function channelBetween(a: HarnessNode, b: HarnessNode): { channelId: Uint8Array; shortChannelId: bigint } {
  const c = a.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, b.nodeId) && x.shortChannelId !== undefined);
  if (!c) throw new Error(`no channel ${a.name}-${b.name}`);
  return { channelId: c.channelId, shortChannelId: c.shortChannelId! };
}

/**
 * A path from `nodes[0]` through `nodes[1..]` paying `amountMsat` to the last node, with each
 * forwarder's fee and `cltv_expiry_delta`, absolute expiries from the chain tip (BOLT 4/7).
 */
export function routeThrough(net: Network, nodes: readonly HarnessNode[], amountMsat: bigint, finalCltvDelta = 40): PaymentPath {
  const hops: { nodeId: Uint8Array; shortChannelId: bigint; amountMsat: bigint; cltvExpiry: number }[] = [];
  let amt = amountMsat;
  let cltv = net.chain.tipHeight + finalCltvDelta;
  for (let i = nodes.length - 1; i >= 1; i--) {
    hops.unshift({ nodeId: nodes[i]!.nodeId, shortChannelId: channelBetween(nodes[i - 1]!, nodes[i]!).shortChannelId, amountMsat: amt, cltvExpiry: cltv });
    if (i > 1) {
      const cfg = { ...DEFAULT_USER_CONFIG.channelConfig, ...nodes[i - 1]!.spec.config.channelConfig };
      amt += BigInt(cfg.forwardingFeeBaseMsat) + (amt * BigInt(cfg.forwardingFeeProportionalMillionths)) / 1_000_000n;
      cltv += cfg.cltvExpiryDelta;
    }
  }
  return { hops };
}

/** A sent payment. */
export interface SentPayment {
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  readonly paymentId: Uint8Array;
  readonly path: PaymentPath;
}

let nextId = 1;

/** `nodes[last]` creates an invoice for `amountMsat`; `nodes[0]` pays it along `nodes`. Settle to deliver it. */
export function sendPayment(net: Network, nodes: readonly HarnessNode[], amountMsat: bigint, finalCltvDelta = 40): SentPayment {
  const payee = nodes[nodes.length - 1]!;
  const { paymentHash, paymentSecret } = payee.cm.createInboundPayment(amountMsat, 3600, finalCltvDelta);
  const path = routeThrough(net, nodes, amountMsat, finalCltvDelta);
  const paymentId = sha256(new TextEncoder().encode(`payment ${nextId++}`));
  nodes[0]!.cm.sendPayment([path], paymentHash, { paymentSecret }, paymentId);
  return { paymentHash, paymentSecret, paymentId, path };
}

/**
 * Claims every `PaymentClaimable` of `node` (consuming them); returns the preimages claimed.
 * After a restart an event can come twice (the old process may have seen it before it died):
 * one claim per payment hash, and a payment no longer claimable (claimed already) is skipped.
 */
export function claimAll(net: Network, node: HarnessNode): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const e of net.takeEvents(node, 'PaymentClaimable')) {
    const pre = e.purpose.paymentPreimage;
    if (!pre) throw new Error('PaymentClaimable without a preimage');
    if (!equalBytes(sha256(pre), e.paymentHash)) throw new Error('preimage does not match');
    const k = bytesToHex(e.paymentHash);
    if (seen.has(k)) continue;
    seen.add(k);
    try {
      node.cm.claimFunds(pre);
    } catch (err) {
      if (err instanceof ApiError && /no claimable payment/.test(err.message)) continue;
      throw err;
    }
    out.push(pre);
  }
  return out;
}
