/** `ln-router` as a child process: convert a listchannels file, serve it, answer a query over HTTP, stop on SIGTERM; bad usage. */
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadGraphSnapshot } from '@ln/gossip';
import { call, checkJsonAnswer, cli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ln-router-cli-'));
const node = (b: number) => '02' + '00'.repeat(31) + b.toString(16).padStart(2, '0');
const [S, A, B, T] = [node(1), node(2), node(3), node(4)];
/** `listchannels` entries of Core Lightning: one per direction. */
const entry = (source: string, destination: string, scid: string, base: number, delay: number) => ({
  source, destination, short_channel_id: scid, satoshis: 1_000_000, channel_flags: source < destination ? 0 : 1, active: true, last_update: 1_700_000_000,
  base_fee_millisatoshi: base, fee_per_millionth: 10, delay, htlc_minimum_msat: '1000msat', htlc_maximum_msat: '990000000msat',
});
const listchannels = {
  channels: [
    entry(S, A, '700000x1x0', 0, 6), entry(A, S, '700000x1x0', 0, 6),
    entry(A, T, '700000x2x0', 500, 40), entry(T, A, '700000x2x0', 500, 40),
    entry(S, B, '700000x3x0', 0, 6), entry(B, S, '700000x3x0', 0, 6),
    entry(B, T, '700000x4x0', 900, 14), entry(T, B, '700000x4x0', 900, 14),
  ],
};

test('convert a listchannels file to a graph snapshot, serve it, answer a route query, stop on SIGTERM', async () => {
  const input = join(dir, 'listchannels.json');
  writeFileSync(input, JSON.stringify(listchannels));
  const output = join(dir, 'out', 'graph.lngraph');
  const conv = cli('convert', '--input', input, '--output', output);
  assert.is(await conv.exited, 0, conv.stderr());
  const c = conv.lines.find((l) => l.event === 'converted')!;
  assert.is(c.format, 'cln-listchannels');
  assert.is(c.channels, 4);
  const graph = loadGraphSnapshot(new Uint8Array(readFileSync(output)));
  assert.is(graph.channelCount, 4);
  // --if-stale: the output is newer than its input, nothing is converted; after the input changes, it is.
  const again = cli('convert', '--if-stale', '--input', input, '--output', output);
  assert.is(await again.exited, 0, again.stderr());
  assert.ok(again.lines.some((l) => l.event === 'up_to_date') && !again.lines.some((l) => l.event === 'converted'));
  const later = new Date(Date.now() + 5000);
  utimesSync(input, later, later);
  const redo = cli('convert', '--if-stale', '--input', input, '--output', output);
  assert.is(await redo.exited, 0, redo.stderr());
  assert.ok(redo.lines.some((l) => l.event === 'converted'));

  const srv = cli('serve', '--graph', output, '--port', '0');
  try {
    const loaded = await srv.line((l) => l.event === 'graph_loaded');
    assert.is(loaded.format, 'ln-graph-snapshot');
    const l = await srv.line((x) => x.event === 'listening');
    assert.ok(l.port > 0);
    const r = await call(`${l.url}/route`, { payer: S, payee: T, amount_msat: '2000000', use_scorer: false });
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.paths[0].hops.map((h: any) => h.node_id), [A, T], 'A (500 msat + 10 ppm) is cheaper than B (900 msat)');
    assert.is(r.body.paths[0].hops[0].amount_msat, '2000520');
    assert.is(r.body.paths[0].hops[0].cltv_expiry, 58);
    checkJsonAnswer(graph, S, T, 2_000_000n, 18, r.body);
    const h = await call(`${l.url}/health`);
    assert.is(h.body.graph.channels, 4);
    assert.is(h.body.source.format, 'ln-graph-snapshot');
    srv.child.kill('SIGTERM');
    assert.is(await srv.exited, 0);
  } finally {
    srv.child.kill('SIGKILL');
  }
});

test('the CLI serves a listchannels file directly, too; bad usage exits 2, a missing file 1', async () => {
  const input = join(dir, 'listchannels2.json');
  writeFileSync(input, JSON.stringify(listchannels));
  const srv = cli('serve', '--graph', input, '--port', '0');
  try {
    const l = await srv.line((x) => x.event === 'listening');
    const r = await call(`${l.url}/route`, { payer: T, payee: S, amount_msat: '5000', excluded_nodes: [A], use_scorer: false });
    assert.is(r.body.paths[0].hops[0].node_id, B);
  } finally {
    srv.child.kill('SIGKILL');
  }
  for (const args of [[], ['serve'], ['serve', '--port', '0'], ['serve', '--graph', input, '--peer', `${S}@127.0.0.1:9735`, '--port', '0'], ['serve', '--peer', 'nope', '--port', '0'], ['serve', '--graph', input], ['frobnicate'], ['serve', '--bogus']]) {
    const p = cli(...args);
    assert.is(await p.exited, 2, `usage error for ${JSON.stringify(args)}: ${p.stderr()}`);
    assert.ok(p.stderr().includes('usage'), 'prints the usage');
  }
  const missing = cli('serve', '--graph', join(dir, 'nope.bin'), '--port', '0');
  assert.is(await missing.exited, 1);
  assert.ok(missing.lines.some((l) => l.event === 'error' && /no such file/.test(l.message)));
});

test('--scorer FILE: a reported failure is persisted before it is acknowledged and still steers the route after a restart; a corrupt file is refused', async () => {
  const input = join(dir, 'listchannels3.json');
  writeFileSync(input, JSON.stringify(listchannels));
  const scorerFile = join(dir, 'scorer.bin');
  const q = { payer: S, payee: T, amount_msat: '200000000' };
  const first = cli('serve', '--graph', input, '--port', '0', '--scorer', scorerFile);
  try {
    const l = await first.line((x) => x.event === 'listening');
    const r = (await call(`${l.url}/route`, q)).body;
    assert.is(r.paths[0].hops[0].node_id, A);
    const rep = await call(`${l.url}/payment-outcome`, { hops: r.paths[0].hops, failed_short_channel_id: r.paths[0].hops[1].short_channel_id });
    assert.is(rep.status, 200);
    assert.ok(readFileSync(scorerFile).length > 4, 'saved by the time the report is answered');
    first.child.kill('SIGTERM');
    assert.is(await first.exited, 0);
  } finally {
    first.child.kill('SIGKILL');
  }
  const second = cli('serve', '--graph', input, '--port', '0', '--scorer', scorerFile);
  try {
    const l = await second.line((x) => x.event === 'listening');
    const r = (await call(`${l.url}/route`, q)).body;
    assert.is(r.paths[0].hops[0].node_id, B, 'after the restart the scorer still avoids A-T');
  } finally {
    second.child.kill('SIGKILL');
  }
  writeFileSync(scorerFile, Uint8Array.of(0, 0, 0, 9, 1, 2));
  const bad = cli('serve', '--graph', input, '--port', '0', '--scorer', scorerFile);
  assert.is(await bad.exited, 1);
  assert.ok(bad.lines.some((x) => x.event === 'error' && /scorer/.test(x.message)), JSON.stringify(bad.lines));
});

test.run();
