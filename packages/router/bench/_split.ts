import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import * as NEW from '../src/index.js';
const g = loadClnGossmap2026();
const view = { forEachChannel(f: (c: any) => void) { for (const c of g.channels) f({ scid: c.scid, node1: g.nodes[c.node1]!.nodeId, node2: g.nodes[c.node2]!.nodeId, capacitySat: c.capacitySat, policies: c.policies }); } };
const rn = new NEW.Router(NEW.RoutingGraph.fromView(view));
const out = new Uint8Array(g.nodes.length), inn = new Uint8Array(g.nodes.length);
for (const c of g.channels) { if (c.policies[0]) (out[c.node1] = 1), (inn[c.node2] = 1); if (c.policies[1]) (out[c.node2] = 1), (inn[c.node1] = 1); }
const senders = [...out.keys()].filter((i) => out[i]); const receivers = [...inn.keys()].filter((i) => inn[i]);
let x = 2026; const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
const queries = Array.from({ length: 1000 }, () => ({ payer: senders[Math.floor(rnd() * senders.length)]!, payee: receivers[Math.floor(rnd() * receivers.length)]!, amount: BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 1000n }));
const stats = { fr: 0, frFail: 0, w: 0, tfr: 0, tfrFail: 0, tw: 0 };
const fr = rn.findRoute.bind(rn), mw = rn.maxPathCapacityMsat.bind(rn);
(rn as any).findRoute = (p: any) => { const t = performance.now(); try { const r = fr(p); stats.fr++; stats.tfr += performance.now() - t; return r; } catch (e) { stats.frFail++; stats.tfrFail += performance.now() - t; throw e; } };
(rn as any).maxPathCapacityMsat = (p: any) => { const t = performance.now(); const r = mw(p); stats.w++; stats.tw += performance.now() - t; return r; };
const sn = new NEW.ProbabilisticScorer();
const agg = { fr: 0, frFail: 0, w: 0, tfr: 0, tfrFail: 0, tw: 0, n: 0, t: 0, parts: 0 };
for (const round of [0, 1]) for (const q of queries) {
  for (const k in stats) (stats as any)[k] = 0;
  const p = { payer: g.nodes[q.payer]!.nodeId, payee: g.nodes[q.payee]!.nodeId, amountMsat: q.amount * 50n, scorer: sn };
  const t = performance.now(); let m: any; try { m = NEW.findMultiPathRoute(rn, p); } catch {}
  const dt = performance.now() - t;
  if (round && m && m.paths.length > 1) { agg.n++; agg.t += dt; agg.parts += m.paths.length; for (const k in stats) (agg as any)[k] += (stats as any)[k]; }
}
console.log(Object.fromEntries(Object.entries(agg).map(([k, v]) => [k, k === 'n' ? v : +(v / agg.n).toFixed(3)])));
