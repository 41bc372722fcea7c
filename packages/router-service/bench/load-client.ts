/**
 * The load client of the router-service bench, run as a second process: keeps `concurrency`
 * keep-alive connections busy with `POST /route` requests cycling through a query file for
 * `seconds`, then prints one JSON line: requests, per-status counts, requests/s, latency p50/p99.
 *
 *   tsx bench/load-client.ts URL QUERIES.json CONCURRENCY SECONDS
 */
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';

const [url, file, conc, secs] = process.argv.slice(2);
const bodies = (JSON.parse(readFileSync(file!, 'utf8')) as unknown[]).map((q) => JSON.stringify(q));
const concurrency = Number(conc);
const until = performance.now() + Number(secs) * 1000;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL('/route', url);
const lat: number[] = [];
const status: Record<number, number> = {};
let next = 0;

function one(): Promise<void> {
  const body = bodies[next++ % bodies.length]!;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        lat.push(performance.now() - t0);
        status[res.statusCode!] = (status[res.statusCode!] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function worker(): Promise<void> {
  while (performance.now() < until) await one();
}

const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const s = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!;
process.stdout.write(JSON.stringify({ requests: lat.length, status, seconds: s, rps: lat.length / s, p50: pct(0.5), p99: pct(0.99) }) + '\n');
agent.destroy();
