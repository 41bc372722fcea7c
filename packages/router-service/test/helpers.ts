/** Test helpers: an independent checker of JSON routes against a NetworkGraph, HTTP calls, polling, child processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { NetworkGraph } from '@ln/gossip';
import { parseScid } from '@ln/wire';

export const PKG = fileURLToPath(new URL('..', import.meta.url));

export const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** POSTs (or GETs) JSON; returns status and parsed body. */
export async function call(url: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

/** Polls `f` until it returns a truthy value (or throws after `ms`). */
export async function until<T>(f: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const fee = (amount: bigint, base: number, ppm: number) => BigInt(base) + (amount * BigInt(ppm)) / 1_000_000n;

/**
 * Checks one JSON path hop by hop against the graph's own channels and policies (not the
 * router's structures): each channel exists and touches the previous node, its direction is
 * enabled, the amount respects htlc_minimum/maximum and capacity, each amount is the next one
 * plus the next channel's fee, each CLTV the next plus its delta; the last hop delivers
 * `amount` with `finalDelta`. Returns the path's fee.
 */
export function checkJsonPath(g: NetworkGraph, payer: string, payee: string, amount: bigint, finalDelta: number, path: any): bigint {
  let prev = payer;
  const seen = new Set<string>([payer]);
  const hops = path.hops as any[];
  assert.ok(hops.length >= 1 && hops.length <= 20, 'path length');
  const policies = hops.map((h, i) => {
    const scid = parseScid(h.short_channel_id);
    const ch = g.channel(scid);
    assert.ok(ch, `hop ${i}: channel ${h.short_channel_id} exists`);
    const n1 = hex(ch!.node1);
    const n2 = hex(ch!.node2);
    assert.ok(prev === n1 || prev === n2, `hop ${i}: channel touches the previous node`);
    const dir = prev === n1 ? 0 : 1;
    assert.is(h.direction, dir, `hop ${i}: direction bit`);
    const next = dir === 0 ? n2 : n1;
    assert.is(h.node_id, next, `hop ${i}: leads to the stated node`);
    const d = g.direction(scid, dir);
    assert.ok(d && d.enabled, `hop ${i}: direction enabled`);
    const a = BigInt(h.amount_msat);
    assert.ok(a >= d!.htlcMinimumMsat && a <= d!.htlcMaximumMsat, `hop ${i}: htlc limits`);
    if (ch!.capacitySat !== undefined) assert.ok(a <= ch!.capacitySat * 1000n, `hop ${i}: capacity`);
    assert.ok(!seen.has(next), `hop ${i}: no node twice`);
    seen.add(next);
    prev = next;
    return d!;
  });
  assert.is(prev, payee, 'ends at the payee');
  for (let i = 0; i + 1 < hops.length; i++) {
    const p = policies[i + 1]!;
    const nextAmt = BigInt(hops[i + 1].amount_msat);
    assert.is(BigInt(hops[i].amount_msat), nextAmt + fee(nextAmt, p.feeBaseMsat, p.feeProportionalMillionths), `hop ${i}: amount = next + fee`);
    assert.is(BigInt(hops[i].fee_msat), fee(nextAmt, p.feeBaseMsat, p.feeProportionalMillionths), `hop ${i}: fee`);
    assert.is(hops[i].cltv_expiry, hops[i + 1].cltv_expiry + p.cltvExpiryDelta, `hop ${i}: cltv = next + delta`);
  }
  const last = hops[hops.length - 1];
  assert.is(BigInt(last.amount_msat), amount, 'delivers the amount');
  assert.is(last.cltv_expiry, finalDelta, 'final CLTV delta');
  const total = BigInt(hops[0].amount_msat);
  assert.is(BigInt(path.total_amount_msat), total);
  assert.is(BigInt(path.total_fee_msat), total - amount);
  assert.is(path.total_cltv_expiry_delta, hops[0].cltv_expiry);
  return total - amount;
}

/** Checks a whole answer: parts sum exactly to `amount`, each part passes {@link checkJsonPath}, totals add up, channels not overdrawn. */
export function checkJsonAnswer(g: NetworkGraph, payer: string, payee: string, amount: bigint, finalDelta: number, answer: any, maxParts = 8): void {
  const paths = answer.paths as any[];
  assert.ok(paths.length >= 1 && paths.length <= maxParts, 'cap on parts');
  assert.is(BigInt(answer.amount_msat), amount);
  let sum = 0n;
  let fees = 0n;
  const perChannel = new Map<string, bigint>();
  for (const p of paths) {
    const part = BigInt(p.amount_msat);
    sum += part;
    fees += checkJsonPath(g, payer, payee, part, finalDelta, p);
    for (const h of p.hops) perChannel.set(h.short_channel_id, (perChannel.get(h.short_channel_id) ?? 0n) + BigInt(h.amount_msat));
  }
  assert.is(sum, amount, 'parts sum exactly');
  assert.is(BigInt(answer.total_fee_msat), fees);
  for (const [scid, total] of perChannel) {
    const cap = g.channel(parseScid(scid))!.capacitySat;
    if (cap !== undefined) assert.ok(total <= cap * 1000n, `channel ${scid}: parts together fit the capacity`);
  }
}

/** A child process whose stdout is JSON lines. */
export interface Proc {
  child: ChildProcess;
  lines: Record<string, any>[];
  stderr: () => string;
  exited: Promise<number>;
  line(pred: (l: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
}

/** Runs the CLI from its sources (through tsx, source conditions so workspace packages need no build). */
export function cli(...args: string[]): Proc {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', ...args], { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines: Record<string, any>[] = [];
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(code ?? (signal ? 128 : -1));
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  const line = (pred: (l: Record<string, any>) => boolean, ms = 60_000) =>
    until(() => {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (done) throw new Error(`process exited without the line; stdout: ${JSON.stringify(lines)}; stderr: ${err}`);
      return undefined;
    }, ms, 'a line from the CLI');
  return { child, lines, stderr: () => err, exited, line };
}
