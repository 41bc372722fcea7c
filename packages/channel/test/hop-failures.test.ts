/**
 * BOLT 4 failures injected at every forwarding hop of a five-node line (alice → bob → carol →
 * dave → erin), for the two kinds test/forwarding.test.ts checks at one hop only: insufficient
 * balance on the outgoing channel (`temporary_channel_failure` with that channel's update) and
 * an outgoing expiry too close to the tip (`expiry_too_soon`). Each reaches the sender with the
 * code, the index of the failing hop and the channel or node to blame, and every HTLC is
 * removed on the way back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '@ln/crypto';
import { MIN_FORWARD_EXPIRY_BLOCKS, type PaymentPath } from '../src/index.js';
import { Harness, type TestNode } from './support/harness.js';
import { claimAll, eventsOf, pid, route, settle, take } from './support/pay.js';

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'];

/** A line of five nodes, each channel funded by its left node with 1M sat; `push[i]` msat pushed on channel i → i+1. */
function line(push: Record<number, bigint> = {}): { h: Harness; nodes: TestNode[] } {
  const h = new Harness();
  const nodes = NAMES.map((x) => h.addNode(x));
  for (let i = 0; i + 1 < nodes.length; i++) h.openChannel(nodes[i]!, nodes[i + 1]!, 1_000_000n, push[i] ?? 0n);
  h.drainEvents();
  for (const n of nodes) n.events = [];
  return { h, nodes };
}

/** Pays erin along `path`, settles, and returns alice's single PaymentPathFailed (after checking nothing is left anywhere). */
function failing(h: Harness, nodes: TestNode[], path: PaymentPath, amount: bigint) {
  const e = nodes[nodes.length - 1]!;
  const { paymentHash, paymentSecret } = e.cm.createInboundPayment(amount, 3600);
  nodes[0]!.cm.sendPayment([path], paymentHash, { paymentSecret }, pid(7));
  settle(h);
  assert.is(eventsOf(h, e, 'PaymentClaimable').length, 0, 'nothing reaches the recipient');
  const pf = take(h, nodes[0]!, 'PaymentPathFailed');
  assert.is(pf.length, 1);
  for (const n of nodes) for (const ch of n.cm.allChannels()) assert.is(ch.s.htlcs.length, 0, `${n.name} has no HTLC left`);
  assert.is(take(h, nodes[0]!, 'PaymentFailed').length, 0, 'the payment waits for a retry');
  return pf[0]!;
}

for (let j = 1; j <= 3; j++) {
  test(`insufficient balance at ${NAMES[j]} (hop ${j}): temporary_channel_failure from ${NAMES[j]}, blaming its outgoing channel`, () => {
    // Channel j → j+1 was opened with 950,000 sat pushed to the right: NAMES[j] holds ~50,000 sat there.
    const { h, nodes } = line({ [j]: 950_000_000n });
    const out = nodes[j]!.cm.listChannels().find((c) => equalBytes(c.counterpartyNodeId, nodes[j + 1]!.nodeId))!;
    const amount = 60_000_000n;
    assert.ok(out.nextOutboundHtlcLimitMsat < amount, `${NAMES[j]} can send only ${out.nextOutboundHtlcLimitMsat}`);
    const path = route(h, nodes, amount);
    const f = failing(h, nodes, path, amount);
    assert.is(f.failure?.name, 'temporary_channel_failure');
    assert.is(f.errorHopIndex, j - 1);
    assert.ok(equalBytes(f.failingNodeId!, nodes[j]!.nodeId));
    assert.is(f.shortChannelId, path.hops[j]!.shortChannelId, 'the channel that could not carry it');
    assert.is(f.paymentFailedPermanently, false);
    assert.ok((f.failure?.data as { channelUpdate?: unknown }).channelUpdate, 'with the channel_update of that channel');
    assert.is(take(h, nodes[j]!, 'HTLCHandlingFailed')[0]?.failedNextDestination.type, 'NextHop');
    // The same payment fits once it is smaller than what that hop can send.
    const small = out.nextOutboundHtlcLimitMsat - 1_000_000n;
    const ok = erinInvoice(nodes, small);
    nodes[0]!.cm.sendPayment([route(h, nodes, small)], ok.paymentHash, { paymentSecret: ok.paymentSecret }, pid(8));
    settle(h);
    assert.is(claimAll(h, nodes[4]!), 1);
    settle(h);
    assert.is(take(h, nodes[0]!, 'PaymentSent').length, 1);
  });

  test(`expiry too soon at ${NAMES[j]} (hop ${j}): expiry_too_soon from ${NAMES[j]}; the nodes before it forward`, () => {
    const { h, nodes } = line();
    const path = route(h, nodes, 5_000_000n);
    // Shift the expiries down so that hop j's outgoing expiry is exactly at the limit
    // (tip + MIN_FORWARD_EXPIRY_BLOCKS) while every earlier hop keeps its full CLTV delta (the
    // hops after j are never read).
    const limit = h.chain.tipHeight + MIN_FORWARD_EXPIRY_BLOCKS;
    const shift = path.hops[j]!.cltvExpiry - limit;
    const hops = path.hops.map((x, i) => ({ ...x, cltvExpiry: i <= j ? x.cltvExpiry - shift : limit }));
    h.log.length = 0;
    const f = failing(h, nodes, { hops }, 5_000_000n);
    assert.is(f.failure?.name, 'expiry_too_soon');
    assert.is(f.errorHopIndex, j - 1);
    assert.ok(equalBytes(f.failingNodeId!, nodes[j]!.nodeId));
    assert.is(f.shortChannelId, path.hops[j]!.shortChannelId);
    assert.is(f.paymentFailedPermanently, false);
    // The nodes before j did forward (their outgoing expiry was one delta further); j did not.
    const adds = (i: number) => h.log.filter(([from, to, type]) => from === NAMES[i] && to === NAMES[i + 1] && type === 'update_add_htlc').length;
    for (let i = 0; i < j; i++) assert.is(adds(i), 1, `${NAMES[i]} forwarded`);
    assert.is(adds(j), 0, `${NAMES[j]} did not forward`);
    assert.is(take(h, nodes[j]!, 'HTLCHandlingFailed')[0]?.failedNextDestination.type, 'NextHop');
    // One block more and hop j forwards: the limit is exact.
    h.log.length = 0;
    const ok = erinInvoice(nodes, 5_000_000n);
    nodes[0]!.cm.sendPayment([{ hops: hops.map((x) => ({ ...x, cltvExpiry: x.cltvExpiry + 1 })) }], ok.paymentHash, { paymentSecret: ok.paymentSecret }, pid(9));
    settle(h);
    assert.is(adds(j), 1, `${NAMES[j]} forwards at one block above the limit`);
  });
}

function erinInvoice(nodes: TestNode[], amount: bigint) {
  return nodes[4]!.cm.createInboundPayment(amount, 3600);
}

test.run();
