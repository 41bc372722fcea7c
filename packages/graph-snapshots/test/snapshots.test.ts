import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SnapshotDecodeError, compareNodeIds, decodeGossmapCompressed, parseListChannels, parseNodeMap } from '@ln/graph-snapshots';
import { loadClnGossmap2026, loadListChannels2021 } from '@ln/graph-snapshots/node';

test('the 2026 Core Lightning snapshot has the counts its README states', () => {
  const t0 = performance.now();
  const g = loadClnGossmap2026();
  const ms = performance.now() - t0;
  assert.is(g.nodes.length, 17_324);
  assert.is(g.channels.length, 50_808);
  const enabled = g.channels.reduce((a, c) => a + (c.policies[0] ? 1 : 0) + (c.policies[1] ? 1 : 0), 0);
  assert.is(enabled, 65_810);
  const pairs = new Map<string, number>();
  for (const c of g.channels) pairs.set(`${c.node1}-${c.node2}`, (pairs.get(`${c.node1}-${c.node2}`) ?? 0) + 1);
  const parallel = [...pairs.values()].reduce((a, n) => a + (n > 1 ? n - 1 : 0), 0);
  assert.is(parallel, 2_940);
  const btc = Number(g.channels.reduce((a, c) => a + c.capacitySat, 0n)) / 1e8;
  assert.is(btc.toFixed(2), '5361.68');
  for (const c of g.channels) {
    assert.ok(compareNodeIds(g.nodes[c.node1]!.nodeId, g.nodes[c.node2]!.nodeId) < 0, 'node1 has the lesser id');
    for (const p of c.policies) {
      if (!p) continue;
      assert.ok(Number.isInteger(p.feeBaseMsat) && p.feeBaseMsat >= 0 && Number.isInteger(p.cltvExpiryDelta) && p.cltvExpiryDelta >= 0);
      assert.ok(p.htlcMaximumMsat > 0n, 'enabled directions carry a positive htlc_maximum');
    }
  }
  assert.is(new Set(g.channels.map((c) => c.scid)).size, g.channels.length, 'synthetic scids are unique');
  assert.is(g.nodes[0]!.alias, 'ACINQ');
  console.log(`    loaded 2026 snapshot in ${ms.toFixed(0)} ms`);
});

test('the 2021 listchannels snapshot has the counts its README states, and directions agree with channel_flags', () => {
  const g = loadListChannels2021();
  assert.is(g.nodes.length, 8_827);
  assert.is(g.channels.length, 37_454);
  const btc = Number(g.channels.reduce((a, c) => a + c.capacitySat, 0n)) / 1e8;
  assert.is(btc.toFixed(2), '1190.99');
  const active = g.channels.reduce((a, c) => a + (c.policies[0] ? 1 : 0) + (c.policies[1] ? 1 : 0), 0);
  assert.is(active, 55_622);
});

test('parseListChannels orients by node id and reads msat strings; bad input throws SnapshotDecodeError', () => {
  const lo = '02' + '11'.repeat(32);
  const hi = '03' + '22'.repeat(32);
  const entry = (source: string, destination: string, flags: number) => ({
    source, destination, short_channel_id: '700000x1x0', satoshis: 1000, channel_flags: flags, active: true, last_update: 5,
    base_fee_millisatoshi: 1, fee_per_millionth: 2, delay: 40, htlc_minimum_msat: '1000msat', htlc_maximum_msat: '990000msat',
  });
  const g = parseListChannels({ channels: [entry(hi, lo, 1), entry(lo, hi, 0)] });
  assert.is(g.channels.length, 1);
  const c = g.channels[0]!;
  assert.equal(g.nodes[c.node1]!.nodeId[0], 2);
  assert.is(c.policies[0]!.htlcMaximumMsat, 990_000n);
  assert.is(c.policies[1]!.cltvExpiryDelta, 40);
  for (const bad of [null, {}, { channels: [null] }, { channels: [7] }, { channels: [[entry(lo, hi, 0)]] }, { channels: [{ ...entry(lo, hi, 0), source: 'zz' }] }, { channels: [{ ...entry(lo, hi, 0), short_channel_id: '1x2' }] }]) {
    assert.throws(() => parseListChannels(bad), (e: unknown) => e instanceof SnapshotDecodeError);
  }
  assert.throws(() => parseNodeMap('0:nothex:alias'), (e: unknown) => e instanceof SnapshotDecodeError);
});

test('fuzz: the gossmap decoder throws only SnapshotDecodeError on random and truncated input', () => {
  const header = new TextEncoder().encode('GOSSMAP_COMPRESSv1\0');
  let x = 5;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  for (let i = 0; i < 20_000; i++) {
    const body = new Uint8Array(rnd() % 64).map(() => (rnd() < 200 ? rnd() % 8 : rnd()));
    const input = i % 2 ? Uint8Array.from([...header, ...body]) : body;
    try {
      decodeGossmapCompressed(input);
    } catch (e) {
      if (!(e instanceof SnapshotDecodeError)) throw e;
    }
  }
});

test('fuzz: parseListChannels throws only SnapshotDecodeError on arbitrary JSON and on mutated entries', () => {
  const good = {
    source: '02' + '11'.repeat(32), destination: '03' + '22'.repeat(32), short_channel_id: '700000x1x0', satoshis: 1000, channel_flags: 0, active: true,
    last_update: 5, base_fee_millisatoshi: 1, fee_per_millionth: 2, delay: 40, htlc_minimum_msat: '1000msat', htlc_maximum_msat: '990000msat',
  };
  const keys = Object.keys(good);
  const check = (json: unknown) => {
    try {
      parseListChannels(json);
    } catch (e) {
      if (!(e instanceof SnapshotDecodeError)) throw e;
    }
  };
  fc.assert(fc.property(fc.jsonValue(), (v) => check({ channels: Array.isArray(v) ? v : [v] })), { numRuns: 3000 });
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.jsonValue(), (k, v) => check({ channels: [{ ...good, [k]: v }] })),
    { numRuns: 3000 },
  );
});

test.run();
