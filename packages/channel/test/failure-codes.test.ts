/**
 * The BOLT 4 failure codes not covered elsewhere, each produced by the node the spec names and
 * decoded by the sender: onion version, key and payload errors, route blinding (unsupported),
 * amount below the next channel's minimum, a disabled (closing) or disconnected next channel.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, sha256 } from '@ln/crypto';
import { encodeTlvs } from '@ln/wire';
import { createOnion, decodeFailureMessage, decodeFailureOnion, decodeHopPayload, encodeHopPayload, HOP_PAYLOAD_TLVS, InvalidOnionPayload, sendAddHtlc } from '../src/index.js';
import { Harness, secp, sym, type TestNode } from './support/harness.js';
import { channelBetween, claimAll, eventsOf, pay, pid, route, settle, take } from './support/pay.js';

function line(cfg: Record<string, object> = {}) {
  const h = new Harness();
  const nodes = ['alice', 'bob', 'carol'].map((n) => h.addNode(n, cfg[n] ?? {})) as [TestNode, TestNode, TestNode];
  h.openChannel(nodes[0], nodes[1], 1_000_000n);
  h.openChannel(nodes[1], nodes[2], 1_000_000n);
  return { h, nodes };
}

/** Sends a hand-built onion from alice to bob; returns bob's malformed code or the decoded failure. */
function raw(h: Harness, a: TestNode, hops: { pubkey: Uint8Array; payload: Uint8Array }[], tamper: (p: Uint8Array) => void = () => {}) {
  const ch = a.cm.allChannels()[0]!;
  const hash = sha256(new Uint8Array(32).fill(hops.length));
  const { packet, sharedSecrets } = createOnion({ secp, sym }, new Uint8Array(32).fill(7), hops, hash);
  tamper(packet);
  sendAddHtlc(ch, 1_000_000n, hash, h.chain.tipHeight + 200, packet);
  let malformed: { code: number; sha: Uint8Array } | undefined;
  let reason: Uint8Array | undefined;
  h.filter = (_f, _t, m) => {
    if (m.type === 'update_fail_malformed_htlc') malformed = { code: m.failureCode, sha: m.sha256OfOnion };
    if (m.type === 'update_fail_htlc' && _t === a) reason = m.reason;
    return true;
  };
  settle(h);
  h.filter = undefined;
  assert.is(ch.s.htlcs.length, 0, 'the HTLC was removed');
  if (malformed) return { malformed, packet };
  const d = decodeFailureOnion({ secp, sym }, sharedSecrets, reason!);
  return { hop: d!.hopIndex, msg: decodeFailureMessage(d!.failureMessage), packet };
}

const fin = (h: Harness) => encodeHopPayload({ kind: 'final', amtToForward: 1_000_000n, outgoingCltvValue: h.chain.tipHeight + 200, totalMsat: 1_000_000n });

test('invalid_onion_version: an unknown version byte is answered with update_fail_malformed_htlc 0xc004 and the onion hash', () => {
  const { h, nodes: [a, b] } = line();
  const r = raw(h, a, [{ pubkey: b.nodeId, payload: fin(h) }], (p) => (p[0] = 1));
  assert.is(r.malformed?.code, 0xc004);
  assert.ok(equalBytes(r.malformed!.sha, sha256(r.packet)));
});

test('invalid_onion_key: an unparsable ephemeral key gives 0xc006', () => {
  const { h, nodes: [a, b] } = line();
  const r = raw(h, a, [{ pubkey: b.nodeId, payload: fin(h) }], (p) => (p[1] = 0x05));
  assert.is(r.malformed?.code, 0xc006);
});

test('invalid_onion_payload: a payload without amt_to_forward names TLV type 2', () => {
  const { h, nodes: [a, b] } = line();
  const r = raw(h, a, [{ pubkey: b.nodeId, payload: Uint8Array.of(0x04, 0x01, 0x64) }]);
  assert.is(r.hop, 0);
  assert.is(r.msg?.name, 'invalid_onion_payload');
  assert.equal(r.msg?.fields, { type: 2n, offset: 0 });
});

test('invalid_onion_payload: an unknown even TLV record is named by its type', () => {
  const { h, nodes: [a, b] } = line();
  const payload = Uint8Array.of(...fin(h), 0x14, 0x00); // type 20: even, unknown
  const r = raw(h, a, [{ pubkey: b.nodeId, payload }]);
  assert.is(r.msg?.name, 'invalid_onion_payload');
  assert.equal(r.msg?.fields, { type: 20n, offset: 0 });
});

test('invalid_onion_payload: the record a payload fails to decode on is named (order, duplicate, length, value, unknown even)', () => {
  const typeOf = (bytes: number[]): bigint => {
    try {
      decodeHopPayload(Uint8Array.from(bytes), true);
    } catch (e) {
      if (e instanceof InvalidOnionPayload) return e.tlvType;
      throw e;
    }
    throw new Error('decoded');
  };
  const amt = [0x02, 0x01, 0x64], cltv = [0x04, 0x01, 0x64];
  assert.is(typeOf([...amt, ...cltv, 0x14, 0x00]), 20n, 'unknown even');
  assert.is(typeOf([...cltv, ...amt]), 2n, 'out of order');
  assert.is(typeOf([...amt, ...amt, ...cltv]), 2n, 'duplicate');
  assert.is(typeOf([...amt, 0x04, 0x05, 0x01]), 4n, 'length past the end');
  assert.is(typeOf([0x02, 0x02, 0x00, 0x01, ...cltv]), 2n, 'non-minimal tu64 value');
  assert.is(typeOf([...amt, ...cltv, 0x08, 0x01, 0x00]), 8n, 'payment_data too short');
  assert.is(typeOf([0xfd]), 0n, 'truncated first type: nothing to name');
  // An unknown odd record is skipped (BOLT 1 "it's OK to be odd").
  assert.is(decodeHopPayload(Uint8Array.from([...amt, ...cltv, 0x15, 0x00]), true).amtToForward, 100n);
});

test('invalid_onion_blinding: route blinding data at a forwarding node (blinded routes are not supported)', () => {
  const { h, nodes: [a, b, c] } = line();
  const scid = route(h, [b, c], 1n).hops[0]!.shortChannelId;
  const blinded = encodeTlvs(HOP_PAYLOAD_TLVS, { amtToForward: 999_000n, outgoingCltvValue: h.chain.tipHeight + 100, shortChannelId: scid, currentPathKey: c.nodeId });
  const r = raw(h, a, [{ pubkey: b.nodeId, payload: blinded }, { pubkey: c.nodeId, payload: fin(h) }]);
  assert.is(r.hop, 0);
  assert.is(r.msg?.name, 'invalid_onion_blinding');
  assert.ok(equalBytes(r.msg!.fields.sha256OfOnion as Uint8Array, sha256(r.packet)));
});

test('amount_below_minimum: the next channel\'s htlc_minimum_msat, reported with the forwarded amount', () => {
  const { h, nodes } = line({ carol: { channelHandshakeConfig: { ourHtlcMinimumMsat: 10_000n } } });
  const [a, b] = nodes;
  pay(h, nodes, 5_000n, 1);
  settle(h);
  const pf = take(h, a, 'PaymentPathFailed')[0]!;
  assert.is(pf.failure?.name, 'amount_below_minimum');
  assert.is(pf.failure?.data.htlcMsat, 5_000n);
  assert.is(pf.errorHopIndex, 0);
  assert.ok(equalBytes(pf.failingNodeId!, b.nodeId));
});

test('channel_disabled: the next channel is closing (shutdown exchanged, an HTLC still on it)', () => {
  const { h, nodes } = line();
  const [a, b, c] = nodes;
  pay(h, nodes, 2_000_000n, 1);
  settle(h);
  c.cm.closeChannel(channelBetween(c, b), b.nodeId);
  settle(h);
  assert.is(eventsOf(h, b, 'ChannelClosed').length, 0, 'the close waits for the HTLC');
  pay(h, nodes, 2_000_000n, 2);
  settle(h);
  const pf = take(h, a, 'PaymentPathFailed')[0]!;
  assert.is(pf.failure?.name, 'channel_disabled');
  assert.is(pf.errorHopIndex, 0);
  claimAll(h, c);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1, 'the first payment still completes');
  assert.equal(eventsOf(h, b, 'ChannelClosed').map((e) => e.reason.type), ['CooperativeClosure']);
});

test('temporary_channel_failure: the next peer stays disconnected for two timer ticks; a forward goes through when it comes back in time', () => {
  const { h, nodes } = line();
  const [a, b, c] = nodes;
  h.disconnect(b, c);
  pay(h, nodes, 2_000_000n, 1);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentPathFailed').length, 0, 'the forward waits for carol');
  b.cm.timerTickOccurred();
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentPathFailed').length, 0);
  b.cm.timerTickOccurred();
  settle(h);
  assert.is(take(h, a, 'PaymentPathFailed')[0]?.failure?.name, 'temporary_channel_failure');
  a.cm.abandonPayment(pid(1));
  // Again, but carol comes back before the ticks run out.
  pay(h, nodes, 2_000_000n, 2);
  settle(h);
  b.cm.timerTickOccurred();
  h.connect(b, c);
  settle(h);
  assert.is(claimAll(h, c), 1);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
});

test.run();
