/** The ordered validation pipeline under load: held updates released without recursion, crashed verifiers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@ln/crypto';
import { makeMessage } from '@ln/wire';
import type { UtxoLookup } from '@ln/chain-interfaces';
import { NetworkGraph, P2PGossipSync, compareBytes, fundingScriptPubkey, type SignatureCheck, type SignatureVerifier } from '../src/index.js';
import { MAINNET } from './helpers.js';

const Z = new Uint8Array(64);
const id = (i: number) => {
  const b = new Uint8Array(33);
  b[0] = 2;
  b.set(sha256(new TextEncoder().encode(`pipeline-${i}`)), 1);
  return b;
};
const ends = (i: number): [Uint8Array, Uint8Array] => {
  const a = id(2 * i);
  const b = id(2 * i + 1);
  return compareBytes(a, b) < 0 ? [a, b] : [b, a];
};
const scidOf = (i: number) => BigInt(600_000 + i) << 40n;
const asyncLookup: UtxoLookup = {
  getUtxo: (_c, scid) => {
    const [a, b] = ends(Number(scid >> 40n) - 600_000);
    return new Promise((r) => setImmediate(() => r({ ok: true, output: { valueSat: 1_000_000n, scriptPubkey: fundingScriptPubkey(a, b) } })));
  },
};

/** Accepts every signature, answering later in batches (as the worker verifier does). */
class AsyncTrustingVerifier implements SignatureVerifier {
  readonly name = 'async-trusting';
  readonly batchSize = 64;
  verify(checks: readonly SignatureCheck[]): Promise<number[]> {
    return new Promise((r) => setImmediate(() => r(checks.map(() => -1))));
  }
}

function announce(i: number) {
  const [a, b] = ends(i);
  return makeMessage('channel_announcement', {
    nodeSignature1: Z, nodeSignature2: Z, bitcoinSignature1: Z, bitcoinSignature2: Z, features: new Uint8Array(0),
    chainHash: MAINNET, shortChannelId: scidOf(i), nodeId1: a, nodeId2: b, bitcoinKey1: a, bitcoinKey2: b,
  });
}
function upd(i: number) {
  return makeMessage('channel_update', {
    signature: Z, chainHash: MAINNET, shortChannelId: scidOf(i), timestamp: 1_700_000_000, messageFlags: 1, channelFlags: 0,
    cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n,
  });
}

for (const [name, verifier] of [['inline', undefined], ['async batched', new AsyncTrustingVerifier()]] as const) {
  test(`5,000 held updates released after async lookups (${name} checks): every channel and update lands, no re-entrant pump`, async () => {
    const N = 5000;
    const s = new P2PGossipSync({
      graph: new NetworkGraph(), verifier: verifier ?? new (await import('../src/index.js')).TrustingVerifier(), utxoLookup: asyncLookup,
      now: () => 1_700_000_100, limits: { maxHeldUpdates: N },
    });
    for (let i = 0; i < N; i++) assert.is(s.handleChannelUpdate(undefined, upd(i)), false);
    assert.is(s.heldUpdates, N);
    let depth = 0;
    let maxDepth = 0;
    const pump = (s as unknown as { pump(): void }).pump;
    (s as unknown as { pump(): void }).pump = function (this: unknown) {
      maxDepth = Math.max(maxDepth, ++depth);
      try {
        pump.call(this);
      } finally {
        depth--;
      }
    };
    for (let i = 0; i < N; i++) s.handleChannelAnnouncement(undefined, announce(i));
    await s.drain();
    assert.is(s.graph.channelCount, N);
    assert.is(s.stats.accepted.channelUpdates, N);
    assert.equal(s.stats.rejected, {});
    assert.is(s.heldUpdates, 0);
    assert.is(s.pendingCount, 0);
    assert.is(maxDepth, 1);
    for (let i = 0; i < N; i += 997) assert.is(s.graph.channel(scidOf(i))!.directions[0]!.feeBaseMsat, 1);
    const relayed = s.getAndClearPendingMsgEvents().filter((e) => e.type === 'BroadcastGossip');
    assert.is(relayed.length, 2 * N);
  });
}

test.run();
