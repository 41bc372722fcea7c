/**
 * `npm run bench` in @ln/channel: payments per second between two in-process nodes, messages
 * passed by hand (the flow rust-lightning's `bench_sends` measures: invoice, send, the
 * commitment dance both ways, claim, the dance again), on each secp256k1 backend; with the raw
 * sign and verify rates of the same backend measured in the same run as the ceiling.
 */
import { nobleSecp256k1, nobleSymmetric, type Secp256k1, type SymmetricCrypto } from '@ln/crypto';
import { loadNativeSecp256k1, loadWasmSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { Harness } from '../test/support/harness.js';
import { route, pid } from '../test/support/pay.js';

function opsPerSecond(f: () => unknown, ms = 400): number {
  for (let i = 0; i < 5; i++) f();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    f();
    n++;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** A backend that counts every call and keeps one sample of each operation's arguments. */
function counting(secp: Secp256k1): { secp: Secp256k1; counts: Map<string, number>; samples: Map<string, unknown[]> } {
  const counts = new Map<string, number>();
  const samples = new Map<string, unknown[]>();
  const wrapped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(secp)) {
    if (typeof v !== 'function') {
      wrapped[k] = v;
      continue;
    }
    wrapped[k] = (...args: unknown[]) => {
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (!samples.has(k)) samples.set(k, args.map((a) => (a instanceof Uint8Array ? Uint8Array.from(a) : a)));
      return (v as (...a: unknown[]) => unknown).apply(secp, args);
    };
  }
  return { secp: wrapped as unknown as Secp256k1, counts, samples };
}

/** Payments per second a→b, each fully settled (sent, claimed, PaymentSent) before the next, and the EC operations each took. */
function paymentsPerSecond(secp: Secp256k1, sym: SymmetricCrypto, seconds: number): { rate: number; count: number; perPayment: Map<string, number>; samples: Map<string, unknown[]> } {
  const c = counting(secp);
  const h = new Harness({ secp: c.secp, sym });
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 16_000_000n);
  const amount = 5_000_000n; // 5,000 sat: above the dust threshold, so every commitment carries an HTLC output and its signature
  const path = route(h, [a, b], amount);
  const deliver = () => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [from, to] of [[a, b], [b, a]] as const) {
        for (const ev of from.cm.getAndClearPendingMsgEvents()) {
          if (ev.type !== 'SendMessage') continue;
          moved = true;
          h.deliver(from, to, ev.msg);
        }
      }
    }
  };
  const one = (i: number) => {
    const { paymentHash, paymentSecret } = b.cm.createInboundPayment(amount, 3600);
    a.cm.sendPayment([path], paymentHash, { paymentSecret }, pid(i));
    deliver();
    for (const e of b.cm.getAndClearPendingEvents()) if (e.type === 'PaymentClaimable') b.cm.claimFunds(e.purpose.paymentPreimage!);
    deliver();
    if (!a.cm.getAndClearPendingEvents().some((e) => e.type === 'PaymentSent')) throw new Error(`payment ${i} did not complete`);
  };
  one(0);
  c.counts.clear();
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) one(++count);
  const elapsed = (performance.now() - start) / 1000;
  const perPayment = new Map([...c.counts].map(([k, v]) => [k, v / count]));
  return { rate: count / elapsed, count, perPayment, samples: c.samples };
}

const fmt = (x: number, w = 10) => (x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')).padStart(w);
const sk = new Uint8Array(32).fill(0x11);
const msg = new Uint8Array(32).fill(0x33);
const backends: [string, () => Secp256k1, SymmetricCrypto, number][] = [
  ['noble', () => nobleSecp256k1, nobleSymmetric, 6],
  ['wasm', loadWasmSecp256k1, nodeSymmetric, 4],
  ['native', loadNativeSecp256k1, nodeSymmetric, 4],
];
console.log('@ln/channel bench: single-hop payments of 5,000 sat between two in-process nodes, messages passed by hand, each settled before the next');
console.log('ceilings measured in the same run on the same backend: raw ECDSA sign and verify rates, and the rate if a payment did nothing but its secp256k1 operations');
console.log(`${'backend'.padEnd(8)} ${'payments/s'.padStart(10)} ${'(n)'.padStart(6)} ${'EC ops/pay'.padStart(10)} | ${'sign/s'.padStart(10)} ${'verify/s'.padStart(10)} ${'EC-only pay/s'.padStart(14)}`);
const detail: string[] = [];
for (const [name, load, sym, seconds] of backends) {
  let secp: Secp256k1;
  try {
    secp = load();
  } catch (e) {
    console.log(`${name.padEnd(8)} unavailable: ${(e as Error).message}`);
    continue;
  }
  const pk = secp.publicKeyCreate(sk);
  const sig = secp.sign(msg, sk);
  const signRate = opsPerSecond(() => secp.sign(msg, sk));
  const verifyRate = opsPerSecond(() => secp.verify(sig, msg, pk));
  const r = paymentsPerSecond(secp, sym, seconds);
  let secondsPerPayment = 0;
  let ops = 0;
  const parts: string[] = [];
  for (const [op, n] of r.perPayment) {
    const args = r.samples.get(op)!;
    const f = (secp as unknown as Record<string, (...a: unknown[]) => unknown>)[op]!;
    const rate = opsPerSecond(() => f.apply(secp, args), 400);
    secondsPerPayment += n / rate;
    ops += n;
    parts.push(`${op} ${n.toFixed(1)}`);
  }
  console.log(`${name.padEnd(8)} ${fmt(r.rate)} ${String(r.count).padStart(6)} ${fmt(ops, 10)} | ${fmt(signRate)} ${fmt(verifyRate)} ${fmt(1 / secondsPerPayment, 14)}`);
  detail.push(`  ${name}: ${parts.join(', ')}`);
}
console.log('secp256k1 operations per payment (both nodes):');
for (const d of detail) console.log(d);
