/** Every receiver-side rejection of BOLT 2 `open_channel` and `accept_channel`, one case each, with the spec's reason. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Features, type AcceptChannel, type KnownMessage, type OpenChannel } from '@ln/wire';
import { Harness, type TestNode } from './support/harness.js';

const dec = new TextDecoder();

function setup() {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.connect(a, b);
  return { h, a, b };
}

/** Alice's next `open_channel`, captured before delivery. */
function captureOpen(h: Harness, a: TestNode, b: TestNode, value = 1_000_000n, push = 0n): OpenChannel {
  let open: OpenChannel | undefined;
  h.filter = (_f, _t, m) => {
    if (m.type === 'open_channel') {
      open = m;
      return false;
    }
    return true;
  };
  a.cm.createChannel(b.nodeId, value, push, 1n);
  h.pump();
  h.filter = undefined;
  return open!;
}

function errorsFrom(n: TestNode): string[] {
  return n.cm.getAndClearPendingMsgEvents().flatMap((e) => (e.type === 'HandleError' && e.action.type === 'SendErrorMessage' ? [dec.decode(e.action.msg.data)] : []));
}

const badKey = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 0x02 : 0xff));
const staticOnly = Features.empty().withRequired('option_static_remotekey').toBytes();

const openCases: [string, (m: OpenChannel) => OpenChannel, RegExp][] = [
  ['unknown chain_hash', (m) => ({ ...m, chainHash: new Uint8Array(32).fill(7) }), /chain_hash/],
  ['push_msat above funding', (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n + 1n }), /push_msat/],
  ['to_self_delay unreasonably large', (m) => ({ ...m, toSelfDelay: 5000 }), /to_self_delay/],
  ['max_accepted_htlcs above 483', (m) => ({ ...m, maxAcceptedHtlcs: 484 }), /greater than 483/],
  ['max_accepted_htlcs too small', (m) => ({ ...m, maxAcceptedHtlcs: 0 }), /max_accepted_htlcs 0 is too small/],
  ['feerate too small', (m) => ({ ...m, feeratePerKw: 100 }), /feerate_per_kw 100 is too small/],
  ['feerate unreasonably large', (m) => ({ ...m, feeratePerKw: 10_000_000 }), /unreasonably large/],
  ['invalid funding_pubkey', (m) => ({ ...m, fundingPubkey: badKey }), /fundingPubkey is not a valid/],
  ['invalid revocation_basepoint', (m) => ({ ...m, revocationBasepoint: badKey }), /revocationBasepoint is not a valid/],
  ['invalid payment_basepoint', (m) => ({ ...m, paymentBasepoint: badKey }), /paymentBasepoint is not a valid/],
  ['invalid delayed_payment_basepoint', (m) => ({ ...m, delayedPaymentBasepoint: badKey }), /delayedPaymentBasepoint is not a valid/],
  ['invalid htlc_basepoint', (m) => ({ ...m, htlcBasepoint: badKey }), /htlcBasepoint is not a valid/],
  ['dust_limit above channel_reserve', (m) => ({ ...m, dustLimitSatoshis: 600n, channelReserveSatoshis: 500n }), /greater than channel_reserve_satoshis/],
  ['dust_limit below 354', (m) => ({ ...m, dustLimitSatoshis: 353n }), /smaller than 354/],
  ['dust_limit too large', (m) => ({ ...m, dustLimitSatoshis: 5000n, channelReserveSatoshis: 10_000n }), /dust_limit_satoshis 5000 is too large/],
  ['funder cannot pay the fee', (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n - 1000n }), /not sufficient for full fee payment/],
  ['both outputs at or below the reserve', (m) => ({ ...m, fundingSatoshis: 2500n, pushMsat: 0n, channelReserveSatoshis: 400n }), /at or below channel_reserve_satoshis/],
  ['funding at least 2^24 without large channels', (m) => ({ ...m, fundingSatoshis: 1n << 24n }), /2\^24/],
  ['funding too small', (m) => ({ ...m, fundingSatoshis: 500n, pushMsat: 0n }), /too small/],
  ['htlc_minimum_msat too large', (m) => ({ ...m, htlcMinimumMsat: 50_000_000n }), /htlc_minimum_msat/],
  ['channel_reserve too large', (m) => ({ ...m, channelReserveSatoshis: 300_000n }), /channel_reserve_satoshis 300000 is too large/],
  ['channel_type missing', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: undefined } }), /channel_type is missing/],
  ['channel_type without static_remotekey', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: new Uint8Array(0) } }), /option_static_remotekey is required/],
  ['channel_type with zeroconf', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Features.fromBytes(staticOnly).withRequired('option_scid_alias').withRequired('option_zeroconf').toBytes() } }), /option_zeroconf/],
  ['channel_type with scid_alias on an announced channel', (m) => ({ ...m, channelFlags: 1, tlvs: { ...m.tlvs, channelType: Features.fromBytes(staticOnly).withRequired('option_scid_alias').toBytes() } }), /scid_alias on an announced/],
  ['channel_type with anchors we do not accept', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Features.fromBytes(staticOnly).withRequired('option_anchors').toBytes() } }), /option_anchors/],
];

for (const [name, mutate, reason] of openCases) {
  test(`open_channel rejected: ${name}`, () => {
    const { h, a, b } = setup();
    const open = captureOpen(h, a, b);
    b.cm.handleOpenChannel(a.nodeId, mutate(open));
    const errs = errorsFrom(b);
    assert.is(errs.length, 1, `errors: ${errs}`);
    assert.match(errs[0]!, reason);
    assert.is(b.cm.listChannels().length, 0);
  });
}

test('open_channel accepted as sent (control case)', () => {
  const { h, a, b } = setup();
  const open = captureOpen(h, a, b);
  b.cm.handleOpenChannel(a.nodeId, open);
  assert.is(errorsFrom(b).length, 0);
  assert.is(b.cm.listChannels().length, 1);
});

const acceptCases: [string, (m: AcceptChannel) => AcceptChannel, RegExp][] = [
  ['minimum_depth unreasonably large', (m) => ({ ...m, minimumDepth: 1000 }), /minimum_depth/],
  ['channel_reserve below our dust_limit', (m) => ({ ...m, channelReserveSatoshis: 100n }), /less than dust_limit_satoshis/],
  ['their dust_limit above our channel_reserve', (m) => ({ ...m, dustLimitSatoshis: 2000n }), /of our open_channel is less than their dust_limit/],
  ['channel_type missing', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: undefined } }), /channel_type is missing/],
  ['channel_type differs from open_channel', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Features.fromBytes(staticOnly).withRequired('option_anchors').toBytes() } }), /does not match/],
  ['invalid funding_pubkey', (m) => ({ ...m, fundingPubkey: badKey }), /fundingPubkey is not a valid/],
  ['invalid first_per_commitment_point', (m) => ({ ...m, firstPerCommitmentPoint: badKey }), /firstPerCommitmentPoint is not a valid/],
  ['to_self_delay unreasonably large', (m) => ({ ...m, toSelfDelay: 5000 }), /to_self_delay/],
  ['max_accepted_htlcs above 483', (m) => ({ ...m, maxAcceptedHtlcs: 500 }), /greater than 483/],
  ['dust_limit below 354', (m) => ({ ...m, dustLimitSatoshis: 300n }), /smaller than 354/],
  ['their dust_limit above their own channel_reserve', (m) => ({ ...m, dustLimitSatoshis: 900n, channelReserveSatoshis: 800n }), /greater than channel_reserve_satoshis/],
];

for (const [name, mutate, reason] of acceptCases) {
  test(`accept_channel rejected: ${name}`, () => {
    const { h, a, b } = setup();
    let accept: AcceptChannel | undefined;
    h.filter = (_f, _t, m: KnownMessage) => {
      if (m.type === 'accept_channel') {
        accept = m;
        return false;
      }
      return true;
    };
    a.cm.createChannel(b.nodeId, 100_000n, 0n, 1n);
    h.pump();
    h.filter = undefined;
    a.cm.handleAcceptChannel(b.nodeId, mutate(accept!));
    const errs = errorsFrom(a);
    assert.is(errs.length, 1, `errors: ${errs}`);
    assert.match(errs[0]!, reason);
    assert.is(a.cm.listChannels().length, 0);
    const closed = a.cm.getAndClearPendingEvents().filter((e) => e.type === 'ChannelClosed');
    assert.is(closed.length, 1);
  });
}

test('accept_channel rejected: the initial amounts are re-checked with the accepted reserve (both outputs at or below it)', () => {
  const h = new Harness();
  const a = h.addNode('alice', { channelHandshakeLimits: { maxChannelReserveProportionalMillionths: 1_000_000 } });
  const b = h.addNode('bob');
  h.connect(a, b);
  let accept: AcceptChannel | undefined;
  h.filter = (_f, _t, m: KnownMessage) => (m.type === 'accept_channel' ? ((accept = m), false) : true);
  a.cm.createChannel(b.nodeId, 100_000n, 50_000n, 1n);
  h.pump();
  h.filter = undefined;
  a.cm.handleAcceptChannel(b.nodeId, { ...accept!, channelReserveSatoshis: 99_000n });
  const errs = errorsFrom(a);
  assert.is(errs.length, 1);
  assert.match(errs[0]!, /at or below channel_reserve_satoshis/);
});

for (const which of ['funding_created', 'funding_signed'] as const) {
  for (const how of ['invalid', 'high-S'] as const) {
    test(`${which} with an ${how} signature fails the channel (nothing is broadcast, no monitor)`, () => {
      const { h, a, b } = setup();
      h.filter = (_f, _t, m: KnownMessage) => {
        if (m.type === which) {
          const sig = Uint8Array.from((m as { signature: Uint8Array }).signature);
          if (how === 'invalid') sig[10] ^= 1;
          else {
            // s -> n - s: the same signature, high-S.
            const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
            let v = 0n;
            for (const x of sig.subarray(32)) v = (v << 8n) | BigInt(x);
            let hs = n - v;
            for (let i = 63; i >= 32; i--) { sig[i] = Number(hs & 0xffn); hs >>= 8n; }
          }
          (m as { signature: Uint8Array }).signature = sig;
        }
        return true;
      };
      a.cm.createChannel(b.nodeId, 100_000n, 0n, 1n);
      h.pump();
      const ready = h.eventsOf(a, 'FundingGenerationReady')[0] as { temporaryChannelId: Uint8Array; outputScript: Uint8Array };
      a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, h.fundingTx(a, ready.outputScript, 100_000n));
      h.pump();
      h.filter = undefined;
      const receiver = which === 'funding_created' ? b : a;
      const closed = h.eventsOf(receiver, 'ChannelClosed') as { reason: { message?: string } }[];
      const msgs = closed.map((e) => e.reason.message ?? '');
      assert.ok(msgs.some((e) => (how === 'invalid' ? /invalid commitment signature/ : /low-S/).test(e)), msgs.join(' | '));
      assert.is(h.chain.mempoolTxids().length, 0, 'the funding transaction was not broadcast');
      assert.is(receiver.watch.inits.size, 0, 'no monitor');
    });
  }
}

test.run();
