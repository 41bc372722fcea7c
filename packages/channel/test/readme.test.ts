/** The README's "paying an invoice between two nodes" example, run as written there. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeInvoice, encodeInvoice } from '@ln/invoice';
import type { ChannelEvent } from '../src/index.js';
import { Harness } from './support/harness.js';

test('README: bob invoices, alice decodes and pays it, bob claims, alice sees PaymentSent', () => {
  const h = new Harness();
  const alice = h.addNode('alice');
  const bob = h.addNode('bob');
  h.openChannel(alice, bob, 1_000_000n);
  const aliceCm = alice.cm;
  const bobCm = bob.cm;
  const pump = () => h.pump();
  const height = h.chain.tipHeight;
  const events: ChannelEvent[] = [];
  const now = 1_700_000_000;

  // --- README example starts here
  // Bob: a payment hash and secret, in a BOLT 11 invoice signed with his node key.
  const { paymentHash, paymentSecret } = bobCm.createInboundPayment(25_000_000n, 3600);
  const invoice = encodeInvoice(
    { network: 'regtest', amountMsat: 25_000_000n, timestamp: now, paymentHash, paymentSecret, description: 'coffee', minFinalCltvExpiryDelta: 18 },
    (hash) => bob.keys.signInvoice(hash),
  );

  // Alice: decode, then pay along a path (here the direct channel; @ln/router's findRoute gives longer ones).
  const inv = decodeInvoice(invoice);
  const [chan] = aliceCm.listUsableChannels().filter((c) => c.counterpartyNodeId.every((b, i) => b === inv.payeeNodeId[i]));
  const path = { hops: [{ nodeId: inv.payeeNodeId, shortChannelId: chan!.shortChannelId!, amountMsat: inv.amountMsat!, cltvExpiry: height + inv.minFinalCltvExpiryDelta + 6 }] };
  aliceCm.sendPayment([path], inv.paymentHash, { paymentSecret: inv.paymentSecret }, crypto.getRandomValues(new Uint8Array(32)));
  pump(); // messages flow (PeerManager does this for you)

  // Bob: the HTLC is irrevocably committed: claim it.
  for (const e of bobCm.getAndClearPendingEvents()) {
    if (e.type === 'PaymentClaimable' && e.purpose.type === 'InvoicePayment') bobCm.claimFunds(e.purpose.paymentPreimage!);
  }
  pump();
  for (const e of aliceCm.getAndClearPendingEvents()) if (e.type === 'PaymentSent') events.push(e); // e.paymentPreimage is the proof of payment
  // --- README example ends here

  assert.is(events.length, 1);
  assert.is(bobCm.listChannels()[0]!.balanceMsat, 25_000_000n);
});

test('README: the open/close lifecycle snippet, with the harness providing the peer, the wallet and the chain', () => {
  const h = new Harness();
  const alice = h.addNode('alice');
  const bob = h.addNode('bob');
  h.connect(alice, bob); // PeerManager does this for you (peerConnected on both sides)
  const cm = alice.cm;
  const bobId = bob.nodeId;
  const wallet = { fund: (script: Uint8Array, valueSat: bigint) => h.fundingTx(alice, script, valueSat) };
  const closed: string[] = [];
  const step = () => {
    h.pump(); // messages flow through PeerManager
    // --- README snippet (event loop) starts here
    for (const e of cm.getAndClearPendingEvents()) {
      if (e.type === 'FundingGenerationReady') cm.fundingTransactionGenerated(e.temporaryChannelId, bobId, wallet.fund(e.outputScript, e.channelValueSat));
      if (e.type === 'ChannelReady') cm.closeChannel(e.channelId, bobId); // cooperative close
      if (e.type === 'ChannelClosed') closed.push(e.reason.type);
    }
    // --- README snippet ends here
    h.pump();
  };
  cm.createChannel(bobId, 1_000_000n, 0n, 1n);
  step();
  step();
  h.mine(3);
  step();
  step();
  assert.equal(closed, ['CooperativeClosure']);
});

test.run();
