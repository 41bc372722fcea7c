/**
 * `npm run bench` in @ln/router-service: requests/s of the HTTP service on the 2026 mainnet
 * snapshot under loopback load from a second process (keep-alive connections, a fixed set of
 * 1,000 seeded queries cycled), next to the ceiling measured in the same run just before each
 * row: the in-process rate of `findRoute` / `findMultiPathRoute` (and of the whole request
 * handler without HTTP) on the same queries; a one-hop query shows the HTTP stack's own rate.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphFromModel } from '@ln/gossip';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { RouteError, findMultiPathRoute } from '@ln/router';
import { ApiError } from '@ln/router-service';
import { RouterService } from '@ln/router-service/node';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = [1, 8, 32];
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const t0 = performance.now();
const snap = loadClnGossmap2026();
const graph = graphFromModel(snap);
const tLoad = performance.now() - t0;
const service = await RouterService.start({ source: { kind: 'file', graph, format: 'cln-gossmap-compressed' } });
const mem = process.memoryUsage();

// 1,000 seeded queries as in @ln/router's bench: payers that can send, payees that can receive, 1,000–200,000 sat.
const out = new Uint8Array(snap.nodes.length);
const inn = new Uint8Array(snap.nodes.length);
for (const c of snap.channels) {
  if (c.policies[0]) (out[c.node1] = 1), (inn[c.node2] = 1);
  if (c.policies[1]) (out[c.node2] = 1), (inn[c.node1] = 1);
}
const senders = [...out.keys()].filter((i) => out[i]);
const receivers = [...inn.keys()].filter((i) => inn[i]);
let x = 2026;
const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
const queries = Array.from({ length: 1000 }, () => ({
  payer: hex(snap.nodes[senders[Math.floor(rnd() * senders.length)]!]!.nodeId),
  payee: hex(snap.nodes[receivers[Math.floor(rnd() * receivers.length)]!]!.nodeId),
  amount_msat: (BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 1000n).toString(),
}));
// A trivial query (two ends of one channel) shows what the HTTP stack itself can do here.
const direct = snap.channels.find((c) => c.policies[0] && c.policies[1])!;
const sets: Record<string, Record<string, unknown>[]> = {
  'one-hop route (HTTP floor)': [{ payer: hex(snap.nodes[direct.node1]!.nodeId), payee: hex(snap.nodes[direct.node2]!.nodeId), amount_msat: '1000', mpp: false, use_scorer: false }],
  'single path, no scorer': queries.map((q) => ({ ...q, mpp: false, use_scorer: false })),
  'MPP + scorer (defaults)': queries,
};

/** In-process ceiling: the router alone, and the whole handler (parse, route, JSON) without HTTP. */
function ceiling(bodies: Record<string, unknown>[]): { router: number; handler: number } {
  const fromHex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
  const params = bodies.map((b) => ({ payer: fromHex(b.payer as string), payee: fromHex(b.payee as string), amountMsat: BigInt(b.amount_msat as string), mpp: b.mpp !== false, scored: b.use_scorer !== false }));
  // Whole passes over the set (at least 1,000 calls), best of three: the machine is shared.
  const n = Math.max(1, Math.ceil(1000 / bodies.length)) * bodies.length;
  const rate = (f: (i: number) => void) => {
    for (let i = 0; i < n; i++) f(i % bodies.length); // warm-up
    let best = 0;
    for (let pass = 0; pass < 3; pass++) {
      const t = performance.now();
      for (let i = 0; i < n; i++) f(i % bodies.length);
      best = Math.max(best, n / ((performance.now() - t) / 1000));
    }
    return best;
  };
  const router = service.view.router;
  const viaRouter = rate((i) => {
    const p = params[i]!;
    const q = { payer: p.payer, payee: p.payee, amountMsat: p.amountMsat, scorer: p.scored ? service.scorer : undefined };
    try {
      if (p.mpp) findMultiPathRoute(router, q);
      else router.findRoute(q);
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
    }
  });
  const viaHandler = rate((i) => {
    try {
      JSON.stringify(service.route(JSON.parse(JSON.stringify(bodies[i]))));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  });
  return { router: viaRouter, handler: viaHandler };
}

function load(file: string, concurrency: number): Promise<{ requests: number; status: Record<string, number>; rps: number; p50: number; p99: number }> {
  const client = fileURLToPath(new URL('./load-client.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', client, service.url, file, String(concurrency), String(SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`load client exited ${code}`))));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'ln-router-bench-'));
console.log(`graph: ${graph.nodeCount} nodes, ${graph.channelCount} channels; snapshot load + NetworkGraph ${tLoad.toFixed(0)} ms, RoutingGraph build ${service.view.build.ms.toFixed(0)} ms; heap used ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB`);
console.log(`load: a second process, keep-alive connections, ${SECONDS} s per row; one service process (one core for the router), two cores shared with the client`);
console.log('query set'.padEnd(28) + 'conns'.padStart(6) + 'req/s'.padStart(9) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + '  statuses' + '   | ceiling in-process: findRoute/s, handler/s');
for (const [name, bodies] of Object.entries(sets)) {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(bodies));
  for (const conc of CONCURRENCY) {
    const c = ceiling(bodies);
    const r = await load(file, conc);
    console.log(name.padEnd(28) + String(conc).padStart(6) + r.rps.toFixed(0).padStart(9) + r.p50.toFixed(2).padStart(9) + r.p99.toFixed(2).padStart(9) + '  ' + JSON.stringify(r.status) + `   | ${c.router.toFixed(0)}, ${c.handler.toFixed(0)}`);
  }
}
await service.close();
