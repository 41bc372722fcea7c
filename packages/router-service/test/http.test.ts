/** The HTTP API end to end on 127.0.0.1: real routes checked against the graph, every error, health. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { graphFromModel, type GraphModel, type ModelPolicy, type NetworkGraph } from '@ln/gossip';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { scidToString } from '@ln/wire';
import { RouterService } from '../src/node.js';
import { call, checkJsonAnswer, checkJsonPath, hex } from './helpers.js';

// A small graph with known answers. Node ids: 02 00..00 <label>; every channel has policies both ways.
const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const H = (c: string) => hex(id(c));
const pol = (base: number, ppm: number, cltv = 10, max = 1_000_000_000n): ModelPolicy => ({ feeBaseMsat: base, feeProportionalMillionths: ppm, cltvExpiryDelta: cltv, htlcMinimumMsat: 1n, htlcMaximumMsat: max });
const names = ['S', 'A', 'B', 'C', 'T', 'X'];
const scidOf = (i: number) => (BigInt(700_000 + i) << 40n) | (1n << 16n);
// S-A-T is cheapest (A charges 1000 msat); S-B-T dearer (B charges 3000); S-C-T has a small channel C-T.
const chans: [string, string, ModelPolicy, ModelPolicy, bigint][] = [
  ['S', 'A', pol(0, 0), pol(0, 0), 1_000_000n],
  ['A', 'T', pol(1000, 0, 40), pol(1000, 0, 40), 1_000_000n],
  ['S', 'B', pol(0, 0), pol(0, 0), 1_000_000n],
  ['B', 'T', pol(3000, 0, 20), pol(3000, 0, 20), 1_000_000n],
  ['S', 'C', pol(0, 0), pol(0, 0), 1_000_000n],
  ['C', 'T', pol(2000, 0, 30), pol(2000, 0, 30), 300_000n],
];
const model: GraphModel = {
  nodes: names.map((n) => ({ nodeId: id(n), alias: n })),
  channels: chans.map(([a, b, pa, pb, cap], i) => ({ scid: scidOf(i), node1: names.indexOf(a), node2: names.indexOf(b), capacitySat: cap, policies: [pa, pb] })),
};
const small = graphFromModel(model);

async function withService(g: NetworkGraph, f: (url: string, s: RouterService) => Promise<void>): Promise<void> {
  const s = await RouterService.start({ source: { kind: 'file', graph: g, format: 'test' } });
  try {
    await f(s.url, s);
  } finally {
    await s.close();
  }
}

test('hand-built graph: the cheapest route, its hops, fees, CLTV and probability; mpp off; exclusions; max fee; hints', async () => {
  await withService(small, async (url) => {
    const r = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1000000', final_cltv_expiry_delta: 18, use_scorer: false });
    assert.is(r.status, 200);
    assert.is(r.body.paths.length, 1);
    const p = r.body.paths[0];
    assert.equal(p.hops.map((h: any) => h.node_id), [H('A'), H('T')]);
    assert.is(p.hops[0].short_channel_id, scidToString(scidOf(0)));
    assert.is(p.hops[0].amount_msat, '1001000');
    assert.is(p.hops[0].fee_msat, '1000');
    assert.is(p.hops[0].cltv_expiry, 58);
    assert.is(p.total_fee_msat, '1000');
    assert.is(p.total_cltv_expiry_delta, 58);
    assert.is(r.body.total_fee_msat, '1000');
    assert.is(p.probability, undefined, 'no probability without the scorer');
    checkJsonAnswer(small, H('S'), H('T'), 1_000_000n, 18, r.body);

    const scored = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1000000' });
    assert.ok(scored.body.probability > 0.99 && scored.body.probability <= 1, 'the scorer reports a probability');
    assert.is(scored.body.paths[0].hops[0].cltv_expiry, 58, 'default final CLTV delta 18');

    const noA = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1000000', excluded_nodes: [H('A')], use_scorer: false });
    assert.is(noA.body.paths[0].hops[0].node_id, H('C'), 'without A, C (2000) beats B (3000)');
    const noAC = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1000000', excluded_nodes: [H('A')], excluded_channels: [scidToString(scidOf(5))], use_scorer: false });
    assert.is(noAC.body.paths[0].hops[0].node_id, H('B'));
    const cheap = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1000000', excluded_nodes: [H('A')], max_fee_msat: '1999' });
    assert.is(cheap.status, 422);
    assert.is(cheap.body.error.code, 'no_route');

    // Each channel carries at most 1,000,000 sat (C-T 300,000): 1,500,000 sat must be split.
    const big = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1500000000', use_scorer: false });
    assert.is(big.status, 200);
    assert.ok(big.body.paths.length >= 2);
    checkJsonAnswer(small, H('S'), H('T'), 1_500_000_000n, 18, big.body);
    const single = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '1500000000', mpp: false });
    assert.is(single.status, 422, 'mpp off: no single path carries it');
    const capped = await call(`${url}/route`, { payer: H('S'), payee: H('T'), amount_msat: '2200000000', max_parts: 2 });
    assert.is(capped.status, 422, 'two parts of at most 1,000,000 sat cannot carry 2,200,000 sat');

    // A private channel T-P from the invoice's hints reaches P, unknown to the graph.
    const P = '03' + '11'.repeat(32);
    const hinted = await call(`${url}/route`, {
      payer: H('S'), payee: P, amount_msat: '1000000', use_scorer: false,
      route_hints: [[{ node_id: H('T'), short_channel_id: '800000x1x1', fee_base_msat: 7, fee_proportional_millionths: 0, cltv_expiry_delta: 9 }]],
    });
    assert.is(hinted.status, 200);
    const hh = hinted.body.paths[0].hops;
    assert.equal(hh.map((h: any) => h.node_id), [H('A'), H('T'), P]);
    assert.is(hh[2].short_channel_id, '800000x1x1');
    assert.is(hh[1].amount_msat, '1000007');
    assert.is(hh[1].fee_msat, '7');
    assert.is(hh[1].cltv_expiry, 27);
    assert.is(hinted.body.total_fee_msat, '1007');
  });
});

test('bad requests: 400 with a JSON error naming the field; 404, 405, 413, bad JSON', async () => {
  await withService(small, async (url) => {
    const ok = { payer: H('S'), payee: H('T'), amount_msat: '1000' };
    const cases: [Record<string, unknown>, string][] = [
      [{ payee: H('T'), amount_msat: '1000' }, 'payer'],
      [{ ...ok, payer: 'abc' }, 'payer'],
      [{ ...ok, payee: '04' + '00'.repeat(32) }, 'payee'],
      [{ ...ok, payee: H('S') }, 'payee'],
      [{ ...ok, amount_msat: 1000 }, 'amount_msat'],
      [{ ...ok, amount_msat: '0' }, 'amount_msat'],
      [{ ...ok, amount_msat: '-5' }, 'amount_msat'],
      [{ ...ok, amount_msat: '1e6' }, 'amount_msat'],
      [{ ...ok, amount_msat: '18446744073709551616' }, 'amount_msat'],
      [{ ...ok, final_cltv_expiry_delta: -1 }, 'final_cltv_expiry_delta'],
      [{ ...ok, final_cltv_expiry_delta: 1.5 }, 'final_cltv_expiry_delta'],
      [{ ...ok, max_fee_msat: 10 }, 'max_fee_msat'],
      [{ ...ok, max_path_length: 0 }, 'max_path_length'],
      [{ ...ok, excluded_channels: 'x' }, 'excluded_channels'],
      [{ ...ok, excluded_channels: ['1x2'] }, 'excluded_channels[0]'],
      [{ ...ok, excluded_channels: ['1x2x99999999'] }, 'excluded_channels[0]'],
      [{ ...ok, excluded_nodes: [H('A'), 'zz'] }, 'excluded_nodes[1]'],
      [{ ...ok, route_hints: [[{ node_id: H('A') }]] }, 'route_hints[0][0].short_channel_id'],
      [{ ...ok, route_hints: [[{ node_id: H('A'), short_channel_id: '1x1x1', fee_base_msat: -1 }]] }, 'route_hints[0][0].fee_base_msat'],
      [{ ...ok, mpp: 'yes' }, 'mpp'],
      [{ ...ok, max_parts: 0 }, 'max_parts'],
      [{ ...ok, use_scorer: 1 }, 'use_scorer'],
      [{ ...ok, payee_features: 'xyz' }, 'payee_features'],
      [{ ...ok, amount: '5' }, 'amount'],
    ];
    for (const [body, field] of cases) {
      const r = await call(`${url}/route`, body);
      assert.is(r.status, 400, `${JSON.stringify(body)} is refused`);
      assert.is(r.body.error.code, 'bad_request');
      assert.is(r.body.error.field, field, `names ${field}: ${r.body.error.message}`);
      assert.ok(r.body.error.message.startsWith(field), 'the message starts with the field');
    }
    const notJson = await call(`${url}/route`, '{"payer": ');
    assert.is(notJson.status, 400);
    assert.is(notJson.body.error.code, 'bad_json');
    const arr = await call(`${url}/route`, '[1]');
    assert.is(arr.status, 400);
    assert.is((await call(`${url}/nope`)).status, 404);
    assert.is((await call(`${url}/route`)).status, 405);
    assert.is((await call(`${url}/health`, {})).status, 405);
    const huge = await call(`${url}/route`, JSON.stringify({ ...ok, excluded_nodes: new Array(40_000).fill(H('A')) }));
    assert.is(huge.status, 413);
    const unknownPayer = await call(`${url}/route`, { ...ok, payer: '02' + 'ab'.repeat(32) });
    assert.is(unknownPayer.status, 422, 'an unknown payer has no route');
    // BOLT 11: an invoice requiring route blinding (bit 24) or an unknown even bit is refused.
    for (const features of ['01000000', '1000000000000000000000000000']) {
      const f = await call(`${url}/route`, { ...ok, payee_features: features });
      assert.is(f.status, 422, features);
      assert.is(f.body.error.code, 'unsupported_features');
    }
    assert.is((await call(`${url}/route`, { ...ok, payee_features: '028200' })).status, 200, 'var_onion_optin, payment_secret, basic_mpp');
  });
});

test('payment outcomes feed the scorer: after a reported failure the scored route avoids the channel; bad reports are 400', async () => {
  await withService(small, async (url) => {
    const q = { payer: H('S'), payee: H('T'), amount_msat: '50000000' };
    const first = (await call(`${url}/route`, q)).body;
    assert.is(first.paths[0].hops[0].node_id, H('A'));
    const failedHop = first.paths[0].hops[1];
    const report = await call(`${url}/payment-outcome`, { hops: first.paths[0].hops, failed_short_channel_id: failedHop.short_channel_id });
    assert.is(report.status, 200, JSON.stringify(report.body));
    assert.is(report.body.learned_hops, 1, 'the payer\'s own first hop is not learned from');
    const second = (await call(`${url}/route`, q)).body;
    // A-T failed for this amount: the scorer steers away from A — to B (fee 3000, 1M sat channel)
    // rather than C (fee 2000, but its 300k sat C-T channel is less likely to carry 50k sat).
    assert.is(second.paths[0].hops[0].node_id, H('B'));
    checkJsonAnswer(small, H('S'), H('T'), 50_000_000n, 18, second);
    assert.is((await call(`${url}/route`, { ...q, use_scorer: false })).body.paths[0].hops[0].node_id, H('A'), 'fees alone still prefer A');
    const ok = await call(`${url}/payment-outcome`, { hops: second.paths[0].hops });
    assert.is(ok.status, 200);
    for (const [body, field] of [
      [{}, 'hops'],
      [{ hops: [] }, 'hops'],
      [{ hops: [{ short_channel_id: '1x1x1', direction: 0, amount_msat: '5' }] }, 'hops[0].short_channel_id'],
      [{ hops: [{ ...failedHop, direction: 2 }] }, 'hops[0].direction'],
      [{ hops: first.paths[0].hops, failed_short_channel_id: '9x9x9' }, 'failed_short_channel_id'],
    ] as const) {
      const r = await call(`${url}/payment-outcome`, body);
      assert.is(r.status, 400);
      assert.is(r.body.error.field, field);
    }
  });
});

test('health and sync progress of a file-loaded graph', async () => {
  await withService(small, async (url) => {
    const h = await call(`${url}/health`);
    assert.is(h.status, 200);
    assert.is(h.body.status, 'ok');
    assert.equal(h.body.graph, { channels: 6, nodes: 5 });
    assert.is(h.body.routing_graph.edges, 12);
    assert.is(h.body.routing_graph.stale, false);
    assert.is(h.body.sync.synced, true);
    assert.is(h.body.source.kind, 'file');
    const s = await call(`${url}/sync`);
    assert.is(s.body.channels, 6);
    assert.is(s.body.synced, true);
  });
});

test('mainnet 2026 snapshot over HTTP: 150 seeded queries (single path and MPP with the scorer), every path checked against the graph', async () => {
  const snap = loadClnGossmap2026();
  const g = graphFromModel(snap);
  const senders: string[] = [];
  const receivers: string[] = [];
  g.forEachChannel((c) => {
    if (c.policies[0]) senders.push(hex(c.node1)), receivers.push(hex(c.node2));
    if (c.policies[1]) senders.push(hex(c.node2)), receivers.push(hex(c.node1));
  });
  await withService(g, async (url) => {
    let x = 11;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
    let routed = 0;
    let split = 0;
    for (let q = 0; q < 150; q++) {
      const payer = senders[Math.floor(rnd() * senders.length)]!;
      const payee = receivers[Math.floor(rnd() * receivers.length)]!;
      const big = q % 2 === 1;
      const amount = BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * (big ? 50_000n : 1000n);
      if (payer === payee) continue;
      const r = await call(`${url}/route`, { payer, payee, amount_msat: amount.toString(), final_cltv_expiry_delta: 40, mpp: big, use_scorer: big });
      if (r.status === 422) continue;
      assert.is(r.status, 200, JSON.stringify(r.body));
      checkJsonAnswer(g, payer, payee, amount, 40, r.body);
      if (!big) checkJsonPath(g, payer, payee, amount, 40, r.body.paths[0]);
      routed++;
      if (r.body.paths.length > 1) split++;
    }
    console.log(`    mainnet over HTTP: ${routed} answered, ${split} split`);
    assert.ok(routed >= 70 && split >= 3, `expected most queries answered and some split, got ${routed} / ${split}`);
  });
});

test.run();
