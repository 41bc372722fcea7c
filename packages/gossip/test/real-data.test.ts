/** Real mainnet data from shared/data (read at run time): the signed 2021 gossip sample and the 2026 snapshot. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultDataDir, readXz } from '@ln/graph-snapshots/node';
import { loadWasmSecp256k1 } from '@ln/crypto/node';
import { nobleSecp256k1 } from '@ln/crypto';
import { decodeMessage, signedBytesOf } from '@ln/wire';
import { join } from 'node:path';
import { GOSSIP_STORE_DELETED, InlineVerifier, NetworkGraph, P2PGossipSync, graphFromModel, readGossipStore, toHex } from '../src/index.js';
import { feed } from './helpers.js';
import { fast, topology } from './stream.js';

const t = suite('real data');

function sample(): Uint8Array {
  const dir = defaultDataDir();
  const a = readXz(join(dir, 'cln-gossip_store-sample-2021-08-part1.xz'));
  const b = readXz(join(dir, 'cln-gossip_store-sample-2021-08-part2.xz'));
  const all = new Uint8Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  return all;
}

for (const secp of [nobleSecp256k1, fast, loadWasmSecp256k1()]) {
  t(`every message of the signed 2021 gossip sample validates (${secp.name}${secp === fast ? ', fastest loaded' : ''})`, () => {
    const records = readGossipStore(sample(), { includeDeleted: true });
    const types = records.map((r) => (r.message[0]! << 8) | r.message[1]!);
    assert.is(types.filter((x) => x === 256).length, 89);
    assert.is(types.filter((x) => x === 258).length, 8);
    assert.is(records.filter((r) => r.flags & GOSSIP_STORE_DELETED).length, 5);
    const sync = new P2PGossipSync({ graph: new NetworkGraph(), verifier: new InlineVerifier(secp), now: () => 1_629_100_000 });
    for (const r of records) {
      const res = feed(sync, r.message);
      assert.is(res, true, `${toHex(r.message.subarray(0, 2))}: ${String(res)}`);
      assert.ok(signedBytesOf(decodeMessage(r.message)));
    }
    assert.equal(sync.stats.accepted, { channelAnnouncements: 89, nodeAnnouncements: 0, channelUpdates: 8 });
    assert.is(sync.graph.channelCount, 89);
    // The first record, as the data README describes it.
    const first = sync.graph.channel((587579n << 40n) | (1598n << 16n))!;
    assert.is(toHex(first.node1), '024b9a1fa8e006f1e3937f65f66c408e6da8e1ca728ea43222a7381df1cc449605');
  });
}

t('a bit flipped anywhere in a real signed message makes it fail', () => {
  const records = readGossipStore(sample());
  const sync = new P2PGossipSync({ graph: new NetworkGraph(), verifier: new InlineVerifier(fast), now: () => 1_629_100_000 });
  let rejected = 0;
  for (const r of records.filter((x) => x.message[1] === 0)) {
    const m = r.message.slice();
    m[m.length - 40] ^= 0x10; // inside the node ids / keys region of the signed part
    const res = feed(sync, m);
    if (res instanceof Error) rejected++;
  }
  assert.is(rejected, 88);
});

t('the Core Lightning 2026-02-03 snapshot loads into a NetworkGraph with the README counts and orientation', () => {
  const model = topology();
  const t0 = performance.now();
  const g = graphFromModel(model);
  const ms = performance.now() - t0;
  assert.is(g.nodeCount, 17_324);
  assert.is(g.channelCount, 50_808);
  let enabled = 0;
  let capacity = 0n;
  g.forEachChannel((c) => {
    capacity += c.capacitySat!;
    for (const p of c.policies) if (p) enabled++;
  });
  assert.is(enabled, 65_810);
  assert.is(capacity, 536_168_010_515n);
  // Direction 0 is the policy of the lesser node id (the data README's direction caveat).
  for (const ch of model.channels) {
    const c = g.channel(ch.scid)!;
    assert.equal(c.node1, model.nodes[ch.node1]!.nodeId);
    assert.is(c.directions[0]?.feeBaseMsat, ch.policies[0]?.feeBaseMsat);
    assert.is(c.directions[1]?.htlcMaximumMsat, ch.policies[1]?.htlcMaximumMsat);
  }
  assert.ok(ms < 5000, `${ms} ms`);
});

t.run();
