/** The ordered validation pipeline under load: held updates released without recursion, crashed verifiers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetworkGraph, P2PGossipSync, TrustingVerifier } from '../src/index.js';
import { AsyncTrustingVerifier, announce, asyncLookup, scidOf, upd } from './synthetic.js';

for (const [name, verifier] of [['inline', undefined], ['async batched', new AsyncTrustingVerifier()]] as const) {
  test(`4,200 held updates released after async lookups (${name} checks): every channel and update lands, no re-entrant pump`, async () => {
    const N = 4200;
    const s = new P2PGossipSync({
      graph: new NetworkGraph(), verifier: verifier ?? new TrustingVerifier(), utxoLookup: asyncLookup,
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
