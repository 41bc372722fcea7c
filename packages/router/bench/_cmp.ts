import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import * as NEW from '../src/index.js';
import * as OLD from '../dist/index.js';
const g = loadClnGossmap2026();
const view = { forEachChannel(f: (c: any) => void) { for (const c of g.channels) f({ scid: c.scid, node1: g.nodes[c.node1]!.nodeId, node2: g.nodes[c.node2]!.nodeId, capacitySat: c.capacitySat, policies: c.policies }); } };
const rn = new NEW.Router(NEW.RoutingGraph.fromView(view));
const ro = new OLD.Router(OLD.RoutingGraph.fromView(view));
const out = new Uint8Array(g.nodes.length), inn = new Uint8Array(g.nodes.length);
for (const c of g.channels) { if (c.policies[0]) (out[c.node1] = 1), (inn[c.node2] = 1); if (c.policies[1]) (out[c.node2] = 1), (inn[c.node1] = 1); }
const senders = [...out.keys()].filter((i) => out[i]); const receivers = [...inn.keys()].filter((i) => inn[i]);
let x = 2026; const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
const queries = Array.from({ length: 1000 }, () => ({ payer: senders[Math.floor(rnd() * senders.length)]!, payee: receivers[Math.floor(rnd() * receivers.length)]!, amount: BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 1000n }));
const pct = (a: number[], p: number) => a.slice().sort((m, n) => m - n)[Math.floor(a.length * p)]!;
const T: Record<string, number[]> = { old: [], neu: [], widest: [], single: [], oldSplit: [], newSplit: [] };
const sn = new NEW.ProbabilisticScorer(), so = new OLD.ProbabilisticScorer();
let okO = 0, okN = 0, partsO = 0, partsN = 0, splitN=0, splitO=0;
for (const round of [0, 1]) for (const q of queries) {
  const p = { payer: g.nodes[q.payer]!.nodeId, payee: g.nodes[q.payee]!.nodeId, amountMsat: q.amount * 50n };
  let t = performance.now(); let mo: any, mn: any;
  try { mo = OLD.findMultiPathRoute(ro, { ...p, scorer: so }); } catch {}
  const to = performance.now() - t; t = performance.now();
  try { mn = NEW.findMultiPathRoute(rn, { ...p, scorer: sn }); } catch {}
  const tn = performance.now() - t; t = performance.now();
  rn.maxPathCapacityMsat(p); const tw = performance.now() - t; t = performance.now();
  try { rn.findRoute({ ...p, scorer: sn }); } catch {}
  const ts = performance.now() - t;
  if (!round) continue;
  T.old.push(to); T.neu.push(tn); T.widest.push(tw); T.single.push(ts);
  if (mo) { okO++; partsO += mo.paths.length; if (mo.paths.length > 1) { splitO++; T.oldSplit.push(to); } }
  if (mn) { okN++; partsN += mn.paths.length; if (mn.paths.length > 1) { splitN++; T.newSplit.push(tn); } }
}
for (const [k, v] of Object.entries(T)) console.log(k.padEnd(10), 'p50', pct(v, .5).toFixed(3), 'p90', pct(v, .9).toFixed(3), 'p99', pct(v, .99).toFixed(3));
console.log({ okO, okN, partsO, partsN, splitO, splitN });
