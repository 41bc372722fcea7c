/**
 * RouterCache: the node's Router is built once and rebuilt only when the graph's change stamp
 * moved; on a mainnet-sized graph (the 2026 Core Lightning gossmap in /work/shared/data, decoded
 * by @ln/graph-snapshots and loaded with @ln/gossip's graphFromModel through router-service's
 * loadGraphFile) a changed graph does not put a rebuild on the payment's path.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { graphFromModel, type GraphModel } from '@ln/gossip';
import { loadGraphFile } from '@ln/router-service/node';
import { RouterCache } from '../src/router-cache.js';

const here = dirname(fileURLToPath(import.meta.url));
const GOSSMAP = join(here, '..', '..', '..', '..', 'shared', 'data', 'cln-gossmap-2026-02-03.compressed');

const policy = { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 1_000_000_000n };
function smallGraph(): GraphModel {
  const nodes = [2, 3, 4].map((b) => ({ nodeId: Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : b)) }));
  return { nodes, channels: [{ scid: 1n << 40n, node1: 0, node2: 1, capacitySat: 1_000_000n, policies: [policy, policy] }] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('built once; rebuilt only when the change stamp moved (quick builds: at once)', () => {
  const graph = graphFromModel(smallGraph());
  let stamp = 0;
  const cache = new RouterCache(graph, () => String(stamp));
  const r1 = cache.get();
  assert.is(cache.get(), r1, 'same stamp: the cached router');
  assert.is(cache.get(), r1);
  assert.is(cache.last!.count, 1);
  assert.is(cache.last!.edges, 2);
  // The graph grows: the stamp moves, the next get() rebuilds (a tiny graph builds in well under 25 ms).
  graph.addChannel({ scid: 2n << 40n, node1: smallGraph().nodes[1]!.nodeId, node2: smallGraph().nodes[2]!.nodeId, capacitySat: 500_000n });
  stamp++;
  assert.ok(cache.stale);
  const r2 = cache.get();
  assert.is.not(r2, r1);
  assert.is(cache.last!.count, 2);
  assert.is(cache.get(), r2);
  assert.is(cache.refresh(), false, 'nothing changed: refresh does nothing');
});

test('slow builds: a changed graph is rebuilt off the payment path, no sooner than the interval', async () => {
  const graph = graphFromModel(smallGraph());
  let stamp = 0;
  // syncBuildLimitMs 0: every build counts as slow.
  const cache = new RouterCache(graph, () => String(stamp), { syncBuildLimitMs: 0, minIntervalMs: 60 });
  const r1 = cache.get();
  stamp++;
  assert.is(cache.get(), r1, 'the previous router while the rebuild waits');
  assert.is(cache.get(), r1);
  assert.is(cache.refresh(), false, 'the interval since the last build has not passed');
  await sleep(150);
  assert.is(cache.last!.count, 2, 'rebuilt by the scheduled timer');
  const r2 = cache.get();
  assert.is.not(r2, r1);
  stamp++;
  await sleep(80);
  assert.is(cache.refresh(), true, 'refresh (the gossip timer) rebuilds once the interval passed');
  cache.close();
});

test('mainnet-sized graph: one build, then a changed graph costs the payment path nothing', () => {
  assert.ok(existsSync(GOSSMAP), `the mainnet snapshot is read from ${GOSSMAP} (the shared data directory next to the checkout)`);
  const { graph } = loadGraphFile(GOSSMAP);
  assert.ok(graph.channelCount > 40_000, `${graph.channelCount} channels`);
  let stamp = 0;
  const cache = new RouterCache(graph, () => `${graph.channelCount}/${stamp}`);
  const t0 = performance.now();
  const r1 = cache.get();
  const first = performance.now() - t0;
  assert.ok(cache.last!.ms > 25, `a mainnet build is slow (${cache.last!.ms.toFixed(0)} ms): off the hot path from now on`);
  let t = performance.now();
  for (let i = 0; i < 100; i++) assert.is(cache.get(), r1);
  const cached = (performance.now() - t) / 100;
  stamp++; // gossip changed the graph
  t = performance.now();
  assert.is(cache.get(), r1, 'the previous build serves the payment');
  const changed = performance.now() - t;
  assert.ok(changed < 5, `get() after a change took ${changed.toFixed(2)} ms (no rebuild on the payment path)`);
  assert.is(cache.last!.count, 1);
  cache.close();
  console.log(`  mainnet graph ${graph.channelCount} channels / ${graph.nodeCount} nodes: first build ${first.toFixed(0)} ms (${cache.last!.edges} edges); cached get ${(cached * 1000).toFixed(1)} µs; get after a change ${(changed * 1000).toFixed(1)} µs`);
});

test.run();
