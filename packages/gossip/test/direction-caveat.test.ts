/**
 * The data README's direction caveat, checked against the raw gossmap-compress tables (not the
 * already-oriented model): raw `dir` is the BOLT 7 `channel_flags` direction bit, the start/end
 * order says nothing about it, so the graph's direction d must hold the raw policy of dir d.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeGossmapCompressed, syntheticScid } from '@ln/graph-snapshots';
import { defaultDataDir } from '@ln/graph-snapshots/node';
import { compareBytes, graphFromModel } from '../src/index.js';
import { topology } from './stream.js';

test('2026 snapshot: every raw direction lands on the same BOLT 7 direction of the NetworkGraph, whatever the start/end order', () => {
  const t = decodeGossmapCompressed(new Uint8Array(gunzipSync(readFileSync(join(defaultDataDir(), 'cln-gossmap-2026-02-03.compressed')))));
  const topo = topology();
  const g = graphFromModel(topo);
  assert.is(t.channelCount, 50_808);
  let startLesser = 0;
  let policies = 0;
  for (let i = 0; i < t.channelCount; i++) {
    const start = topo.nodes[t.start[i]!]!.nodeId;
    const end = topo.nodes[t.end[i]!]!.nodeId;
    const lesserFirst = compareBytes(start, end) < 0;
    if (lesserFirst) startLesser++;
    const scid = syntheticScid(i);
    const info = g.channel(scid)!;
    assert.equal([info.node1, info.node2], lesserFirst ? [start, end] : [end, start]);
    for (const dir of [0, 1] as const) {
      const k = 2 * i + dir;
      const got = g.direction(scid, dir);
      if (t.disabled.has(k)) {
        if (got !== undefined) assert.unreachable(`channel ${i} dir ${dir}: disabled in the tables, present in the graph`);
        continue;
      }
      policies++;
      if (!got || got.feeBaseMsat !== Number(t.feeBaseMsat[k]!) || got.feeProportionalMillionths !== Number(t.feeProportionalMillionths[k]!) || got.cltvExpiryDelta !== Number(t.cltvExpiryDelta[k]!) || got.htlcMinimumMsat !== t.htlcMinimumMsat[k]!) {
        assert.unreachable(`channel ${i} dir ${dir}: the graph's direction does not hold the raw policy`);
      }
    }
  }
  // The data README's figures: start is the lesser id in 25,329 channels; 65,810 directions have a policy.
  assert.is(startLesser, 25_329);
  assert.is(policies, 65_810);
});

test.run();
