/**
 * BOLT 2 receiver rules for HTLC removals and `commitment_signed`, each driven through a real
 * payment whose messages a filter tampers with on the wire; each must fail the channel (the
 * receiver closes, broadcasts its commitment through the monitor) with its own reason:
 * - `update_fulfill_htlc` whose preimage does not hash to the payment hash;
 * - `update_fail_htlc` / `update_fail_malformed_htlc` / `update_fulfill_htlc` for an id that is
 *   not an HTLC we offered, or one not yet committed in our commitment;
 * - `commitment_signed` with a missing or extra HTLC signature, an invalid HTLC signature, a
 *   high-S HTLC signature, a high-S or invalid commitment signature.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeMessage, type CommitmentSigned, type KnownMessage } from '@ln/wire';
import { BADONION } from '../src/index.js';
import { Harness, type TestNode } from './support/harness.js';
import { pid, route, settle, take } from './support/pay.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The same ECDSA signature with s → n − s (valid mathematically, high-S). */
function highS(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  let v = 0n;
  for (const x of sig.subarray(32)) v = (v << 8n) | BigInt(x);
  let hs = N - v;
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(hs & 0xffn);
    hs >>= 8n;
  }
  return out;
}

function pair() {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  h.drainEvents();
  a.events = [];
  b.events = [];
  return { h, a, b, channelId: a.cm.allChannels()[0]!.channelId };
}

/** The reason `n` closed its channel with, after checking its monitor broadcasts the commitment. */
function closedWith(h: Harness, n: TestNode): string {
  const closed = take(h, n, 'ChannelClosed');
  assert.is(closed.length, 1, `${n.name} closed the channel`);
  const r = closed[0]!.reason;
  assert.is(n.watch.forceClosed.get([...n.watch.inits.keys()][0]!), true, `${n.name}'s monitor broadcasts`);
  return 'message' in r ? r.message : r.type;
}

/** Alice pays bob 5,000 sat (one non-dust HTLC). */
function payBob(h: Harness, a: TestNode, b: TestNode) {
  const inv = b.cm.createInboundPayment(5_000_000n, 3600);
  a.cm.sendPayment([route(h, [a, b], 5_000_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1));
  return inv;
}

test('update_fulfill_htlc with a wrong preimage fails the channel (the HTLC stays claimable on chain by timeout)', () => {
  const { h, a, b } = pair();
  payBob(h, a, b);
  settle(h);
  const claimable = take(h, b, 'PaymentClaimable');
  assert.is(claimable.length, 1);
  h.filter = (from, _to, m) => {
    if (from === b && m.type === 'update_fulfill_htlc') (m as { paymentPreimage: Uint8Array }).paymentPreimage = new Uint8Array(32).fill(7);
    return true;
  };
  b.cm.claimFunds(claimable[0]!.purpose.paymentPreimage!);
  settle(h);
  h.filter = undefined;
  assert.is(closedWith(h, a), 'update_fulfill_htlc 0: preimage does not match the payment hash');
  assert.is(take(h, a, 'PaymentSent').length, 0, 'alice did not take the wrong preimage as proof of payment');
});

for (const kind of ['update_fail_htlc', 'update_fail_malformed_htlc', 'update_fulfill_htlc'] as const) {
  const forge = (channelId: Uint8Array, id: bigint): KnownMessage =>
    kind === 'update_fail_htlc'
      ? makeMessage('update_fail_htlc', { channelId, id, reason: new Uint8Array(292), tlvs: {} })
      : kind === 'update_fail_malformed_htlc'
        ? makeMessage('update_fail_malformed_htlc', { channelId, id, sha256OfOnion: new Uint8Array(32), failureCode: BADONION | 5 })
        : makeMessage('update_fulfill_htlc', { channelId, id, paymentPreimage: new Uint8Array(32), tlvs: {} });

  test(`${kind} for an id we never offered fails the channel`, () => {
    const { h, a, b, channelId } = pair();
    h.deliver(b, a, forge(channelId, 7n));
    assert.is(closedWith(h, a), `${kind} for unknown HTLC id 7`);
  });

  test(`${kind} for an HTLC not yet committed in our commitment fails the channel`, () => {
    const { h, a, b, channelId } = pair();
    payBob(h, a, b);
    // Alice's update_add_htlc and commitment_signed go out; bob has not answered yet, so the
    // HTLC is in bob's commitment only. A removal now is premature (BOLT 2).
    for (const ev of a.cm.getAndClearPendingMsgEvents()) if (ev.type === 'SendMessage') h.deliver(a, b, ev.msg);
    b.cm.getAndClearPendingMsgEvents();
    h.deliver(b, a, forge(channelId, 0n));
    assert.is(closedWith(h, a), `${kind} for HTLC 0, not yet committed`);
  });
}

test('an HTLC removed twice fails the channel', () => {
  const { h, a, b, channelId } = pair();
  payBob(h, a, b);
  settle(h);
  b.cm.failHtlcBackwards(take(h, b, 'PaymentClaimable')[0]!.paymentHash);
  // Bob's update_fail_htlc arrives; a second removal of the same id follows before the dance.
  for (const ev of b.cm.getAndClearPendingMsgEvents()) if (ev.type === 'SendMessage' && ev.msg.type === 'update_fail_htlc') h.deliver(b, a, ev.msg);
  h.deliver(b, a, makeMessage('update_fail_htlc', { channelId, id: 0n, reason: new Uint8Array(292), tlvs: {} }));
  assert.is(closedWith(h, a), 'update_fail_htlc for HTLC 0, already removed');
});

/** Alice pays bob; alice's first commitment_signed (one HTLC signature for bob's commitment) is altered by `edit`. */
function tamperedCommitment(edit: (m: { signature: Uint8Array; htlcSignature: Uint8Array[] }) => void): string {
  const { h, a, b } = pair();
  let done = false;
  h.filter = (from, _to, m) => {
    if (from === a && m.type === 'commitment_signed' && !done) {
      done = true;
      const cs = m as CommitmentSigned;
      assert.is(cs.htlcSignature.length, 1, 'one HTLC output in bob\'s commitment');
      const copy = { signature: Uint8Array.from(cs.signature), htlcSignature: cs.htlcSignature.map((x) => Uint8Array.from(x)) };
      edit(copy);
      (m as { signature: Uint8Array }).signature = copy.signature;
      (m as { htlcSignature: Uint8Array[] }).htlcSignature = copy.htlcSignature;
    }
    return true;
  };
  payBob(h, a, b);
  settle(h);
  h.filter = undefined;
  assert.ok(done);
  return closedWith(h, b);
}

test('commitment_signed with one HTLC signature missing fails the channel', () => {
  assert.is(tamperedCommitment((m) => (m.htlcSignature = [])), 'expected 1 HTLC signatures, got 0');
});

test('commitment_signed with an extra HTLC signature fails the channel', () => {
  assert.is(tamperedCommitment((m) => m.htlcSignature.push(m.htlcSignature[0]!)), 'expected 1 HTLC signatures, got 2');
});

test('commitment_signed with an invalid HTLC signature fails the channel', () => {
  assert.is(tamperedCommitment((m) => (m.htlcSignature[0]![20]! ^= 1)), 'invalid HTLC signature 0 for our commitment 1');
});

test('commitment_signed with a high-S HTLC signature (otherwise valid) fails the channel', () => {
  assert.is(tamperedCommitment((m) => (m.htlcSignature[0] = highS(m.htlcSignature[0]!))), 'invalid HTLC signature 0 for our commitment 1');
});

test('commitment_signed with a high-S commitment signature (otherwise valid) fails the channel', () => {
  assert.is(tamperedCommitment((m) => (m.signature = highS(m.signature))), 'commitment signature is not low-S');
});

test('commitment_signed with an invalid commitment signature fails the channel', () => {
  assert.is(tamperedCommitment((m) => (m.signature[40]! ^= 1)), 'invalid commitment signature for our commitment 1');
});

test('the untampered flow: the same payment completes (the filters above changed only what they say)', () => {
  const { h, a, b } = pair();
  payBob(h, a, b);
  settle(h);
  const c = take(h, b, 'PaymentClaimable')[0]!;
  b.cm.claimFunds(c.purpose.paymentPreimage!);
  settle(h);
  assert.is(take(h, a, 'PaymentSent').length, 1);
  assert.is(take(h, a, 'ChannelClosed').length + take(h, b, 'ChannelClosed').length, 0);
});

test.run();
