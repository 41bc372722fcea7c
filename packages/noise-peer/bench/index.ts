/**
 * `npm run bench` in @ln/noise-peer: BOLT 8 handshakes per second (each side) per crypto
 * backend, next to the curve operations they are made of; and encrypted throughput
 * (messages/s, MB/s) for 100 B, 1 KB and 64 KB messages, next to the raw ChaCha20-Poly1305
 * rate of the same backend measured in the same run, with the ratio.
 *
 * Rates are in CPU time, medians of short interleaved rounds (each round alternates the runs it
 * compares in four slices, so a burst of load from other jobs on a shared machine hits them
 * alike), and each ratio is the median of the per-round ratios; the goal column also gives the
 * lower quartile of the per-round ratios, so a goal met only in the median shows as narrow.
 * `BENCH_MS` (default 40) sets the length of a round, `BENCH_ROUNDS` (default 25) their number;
 * `BENCH_SYM` (noble, node), `BENCH_SIZE` (100, 1024, 65535) and `BENCH_SKIP_HANDSHAKES` narrow a run.
 */
import { cpus, loadavg } from 'node:os';
import { nobleSecp256k1, nobleSymmetric, type Secp256k1, type SymmetricCrypto } from '@ln/crypto';
import { loadBestSecp256k1, loadNativeSecp256k1, loadWasmSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { NoiseHandshake, NoiseTransport, staticKeyFromSecret, type NoiseCrypto } from '@ln/noise-peer';
import { LengthCipher } from '../src/length-cipher.js';

/** Length of one throughput round in ms of CPU time (handshake rounds are 4 times longer). */
const MS = Number(process.env.BENCH_MS ?? 40);
const EMPTY = new Uint8Array(0);
const secret = (fill: number) => new Uint8Array(32).fill(fill);

type Run = (deadline: number) => [ops: number, ms: number];

/**
 * Time is this process's CPU time (user + system, ms), not wall time: the machine may be shared
 * with other jobs, and CPU time does not count the time the scheduler gives them.
 */
const now = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** A run calling `f` in a loop. */
function loop(f: () => unknown): Run {
  for (let i = 0; i < 20; i++) f();
  return (deadline) => {
    let n = 0;
    const start = now();
    let t = start;
    while (t < deadline) {
      for (let i = 0; i < 16; i++) f();
      n += 16;
      t = now();
    }
    return [n, t - start];
  };
}

/** The `q` quantile (0..1) of `xs`, by rank. */
const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const median = (xs: number[]) => quantile(xs, 0.5);

/** Slices a round is cut into: the runs alternate slice by slice. */
const SLICES = 4;

/**
 * `runs[0]` against each of the others, all interleaved in `rounds` short rounds of `ms` (each
 * run's share of a round taken in {@link SLICES} alternating slices) so they see the same
 * machine load (the machine may be shared): the median rate of each, and the median and lower
 * quartile of the per-round ratios of the first to each other one.
 */
function compare(runs: Run[], rounds: number, ms: number): { rates: number[]; ratios: number[]; lowRatios: number[] } {
  const r: number[][] = runs.map(() => []);
  for (let i = 0; i < rounds; i++) {
    const ops = runs.map(() => 0);
    const spent = runs.map(() => 0);
    for (let s = 0; s < SLICES; s++) {
      runs.forEach((run, k) => {
        const [n, t] = run(now() + ms / SLICES);
        ops[k]! += n;
        spent[k]! += t;
      });
    }
    runs.forEach((_, k) => r[k]!.push((ops[k]! * 1000) / spent[k]!));
  }
  const perRound = r.slice(1).map((other) => r[0]!.map((x, i) => x / other[i]!));
  return { rates: r.map(median), ratios: perRound.map(median), lowRatios: perRound.map((x) => quantile(x, 0.25)) };
}
/** Throughput: many short rounds. Handshakes (100/s with noble): fewer, longer ones. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const HANDSHAKE_ROUNDS = 9;

const fmt = (x: number, w = 10) => Math.round(x).toLocaleString('en-US').padStart(w);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`.padStart(6);

// ---- handshakes ----

function handshake(c: NoiseCrypto, e1: Uint8Array, e2: Uint8Array): { initiator: NoiseTransport; responder: NoiseTransport } {
  const alice = staticKeyFromSecret(c.secp, secret(0x11));
  const bob = staticKeyFromSecret(c.secp, secret(0x22));
  const { handshake: hs, actOne } = NoiseHandshake.initiate(c, alice, bob.publicKey, e1);
  const r = NoiseHandshake.respond(c, bob, e2);
  const { actThree, transport } = hs.processActTwo(r.processActOne(actOne));
  return { initiator: transport, responder: r.processActThree(actThree).transport };
}

/**
 * Runs of each side's work: the initiator's (act one; act two → act three) and the
 * responder's (act one → act two; act three), timed apart within full handshakes.
 */
function handshakeRuns(c: NoiseCrypto): { initiator: Run; responder: Run } {
  const alice = staticKeyFromSecret(c.secp, secret(0x11));
  const bob = staticKeyFromSecret(c.secp, secret(0x22));
  const ephemerals = Array.from({ length: 64 }, (_, i) => secret(i + 1));
  const run = (who: 'initiator' | 'responder'): Run => (deadline) => {
    let n = 0;
    let spent = 0;
    while (now() < deadline) {
      const t0 = now();
      const { handshake: hs, actOne } = NoiseHandshake.initiate(c, alice, bob.publicKey, ephemerals[n % 64]!);
      const t1 = now();
      const r = NoiseHandshake.respond(c, bob, ephemerals[(n + 7) % 64]!);
      const actTwo = r.processActOne(actOne);
      const t2 = now();
      const { actThree } = hs.processActTwo(actTwo);
      const t3 = now();
      r.processActThree(actThree);
      const t4 = now();
      spent += who === 'initiator' ? t1 - t0 + (t3 - t2) : t2 - t1 + (t4 - t3);
      n++;
    }
    return [n, spent];
  };
  return { initiator: run('initiator'), responder: run('responder') };
}

/** Each side of a handshake does one key generation and three ECDHs: those alone, as a run. */
function curveRun(secp: Secp256k1): Run {
  const pk = secp.publicKeyCreate(secret(0x22));
  const sk = secret(0x11);
  return loop(() => {
    secp.publicKeyCreate(sk);
    secp.ecdh(sk, pk);
    secp.ecdh(sk, pk);
    secp.ecdh(sk, pk);
  });
}

// ---- throughput ----

/** `encryptForSend` of `msg` (what the `PeerManager` calls), over and over. */
const encryptRun = (t: NoiseTransport, msg: Uint8Array): Run => loop(() => t.encryptForSend(msg));

/**
 * `decryptStream` of a ~256 KB stream of frames (at least 4), encrypted once beforehand: each
 * pass decrypts it with a fresh receiver on the same keys, so no encryption (and none of its
 * garbage) falls inside the timing. A pass of 1000 small messages crosses a key rotation.
 */
function decryptRun(c: NoiseCrypto, msg: Uint8Array): Run {
  const [k1, k2, ck] = [secret(0x41), secret(0x42), secret(0x43)];
  const perPass = Math.max(4, Math.min(1000, Math.floor(262144 / msg.length)));
  const tx = new NoiseTransport(c, k1, k2, ck);
  const frames = Array.from({ length: perPass }, () => tx.encryptMessage(msg));
  const stream = new Uint8Array(frames.reduce((a, f) => a + f.length, 0));
  let at = 0;
  for (const f of frames) stream.set(f, at), (at += f.length);
  return (deadline) => {
    let n = 0;
    let spent = 0;
    while (now() < deadline) {
      const rx = new NoiseTransport(c, k2, k1, ck);
      const t0 = now();
      const { messages, consumed } = rx.decryptStream(stream);
      spent += now() - t0;
      if (consumed !== stream.length || messages.length !== perPass) throw new Error('decrypt bench out of step');
      n += perPass;
    }
    return [n, spent];
  };
}

function main(): void {
  const loaded = loadBestSecp256k1();
  console.log(`@ln/noise-peer bench (Node ${process.version}; rates in CPU time, medians of ${ROUNDS} interleaved rounds of ${MS} ms (handshakes ${HANDSHAKE_ROUNDS} of ${4 * MS} ms), each in ${SLICES} alternating slices, ratios the medians of per-round ratios; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; best secp256k1 backend here: ${loaded.name}${loaded.skipped.length ? `; skipped: ${loaded.skipped.join('; ')}` : ''})`);

  const backends: { label: string; c: () => NoiseCrypto }[] = [
    { label: 'noble (pure JS)', c: () => ({ secp: nobleSecp256k1, sym: nobleSymmetric }) },
    { label: 'wasm secp + node:crypto', c: () => ({ secp: loadWasmSecp256k1(), sym: nodeSymmetric }) },
    { label: 'native secp + node:crypto', c: () => ({ secp: loadNativeSecp256k1(), sym: nodeSymmetric }) },
  ];
  console.log('\nBOLT 8 handshakes per second, one core (ceiling: 1 key generation + 3 ECDH per side, same backend)');
  console.log('backend'.padEnd(28) + 'initiator'.padStart(10) + 'responder'.padStart(10) + 'ceiling'.padStart(10) + '   ratio (init/resp)');
  for (const b of process.env.BENCH_SKIP_HANDSHAKES ? [] : backends) {
    let c: NoiseCrypto;
    try {
      c = b.c();
    } catch (e) {
      console.log(`${b.label.padEnd(28)} not available: ${(e as Error).message}`);
      continue;
    }
    const runs = handshakeRuns(c);
    const curve = curveRun(c.secp);
    const i = compare([runs.initiator, curve], HANDSHAKE_ROUNDS, 4 * MS);
    const r = compare([runs.responder, curve], HANDSHAKE_ROUNDS, 4 * MS);
    console.log(b.label.padEnd(28) + fmt(i.rates[0]!) + fmt(r.rates[0]!) + fmt(median([i.rates[1]!, r.rates[1]!])) + `   ${pct(i.ratios[0]!)} / ${pct(r.ratios[0]!).trim()}`);
  }

  const syms: SymmetricCrypto[] = [nobleSymmetric, nodeSymmetric].filter((b) => !process.env.BENCH_SYM || b.name === process.env.BENCH_SYM);
  const secp = loaded.backend;
  const sizes = ([['100 B', 100], ['1 KB', 1024], ['64 KB', 65535]] as [string, number][]).filter(([, n]) => !process.env.BENCH_SIZE || n === Number(process.env.BENCH_SIZE));
  console.log('\nEncrypted transport vs raw ChaCha20-Poly1305 of the same backend, one core (64 KB = 65535 B, the BOLT 8 maximum)');
  console.log('"ratio": transport messages/s over raw AEAD operations/s on messages of the same size (the goal: >= 50% at 100 B, >= 80% at 64 KB).');
  console.log('"of 2 ops": over the two raw AEAD calls of the backend a message costs when its 2-byte length goes through the backend too (above 100%: the length goes');
  console.log('through LengthCipher, a ChaCha20-Poly1305 specialised to 2-byte plaintexts, see the lines at the end).');
  console.log(
    'backend'.padEnd(8) + 'size'.padStart(7) + '  ' + 'enc msg/s'.padStart(10) + 'MB/s'.padStart(6) + 'raw enc/s'.padStart(11) + 'ratio'.padStart(7) + 'of 2 ops'.padStart(9) +
      '  ' + 'dec msg/s'.padStart(10) + 'MB/s'.padStart(6) + 'raw dec/s'.padStart(11) + 'ratio'.padStart(7) + 'of 2 ops'.padStart(9) + '   goal',
  );
  for (const sym of syms) {
    const c: NoiseCrypto = { secp, sym };
    const lenKey = secret(9);
    const lenNonce = new Uint8Array(12);
    const two = Uint8Array.of(1, 2);
    const lc = new LengthCipher(lenKey);
    const out18 = new Uint8Array(18);
    const l = compare([loop(() => lc.encrypt(5, 258, out18)), loop(() => sym.chacha20poly1305Encrypt(lenKey, lenNonce, EMPTY, two))], ROUNDS, MS);
    lengthLines.push(`${sym.name}: the 2-byte length prefix, LengthCipher ${fmt(l.rates[0]!).trim()}/s against ${fmt(l.rates[1]!).trim()}/s for the backend's AEAD on 2 bytes (${l.ratios[0]!.toFixed(1)}x)`);
    for (const [label, size] of sizes) {
      const msg = new Uint8Array(size).fill(0x5a);
      const len = Uint8Array.of(size >> 8, size & 0xff);
      const key = secret(7);
      const nonce = new Uint8Array(12);
      const ct = sym.chacha20poly1305Encrypt(key, nonce, EMPTY, msg);
      const lenCt = sym.chacha20poly1305Encrypt(key, nonce, EMPTY, len);
      const { initiator } = handshake(c, secret(1), secret(2));
      const encOne = loop(() => sym.chacha20poly1305Encrypt(key, nonce, EMPTY, msg));
      const decOne = loop(() => sym.chacha20poly1305Decrypt(key, nonce, EMPTY, ct));
      const encTwo = loop(() => (sym.chacha20poly1305Encrypt(key, nonce, EMPTY, len), sym.chacha20poly1305Encrypt(key, nonce, EMPTY, msg)));
      const decTwo = loop(() => (sym.chacha20poly1305Decrypt(key, nonce, EMPTY, lenCt), sym.chacha20poly1305Decrypt(key, nonce, EMPTY, ct)));
      const e = compare([encryptRun(initiator, msg), encOne, encTwo], ROUNDS, MS);
      const d = compare([decryptRun(c, msg), decOne, decTwo], ROUNDS, MS);
      const goal = size === 100 ? 0.5 : size === 65535 ? 0.8 : undefined;
      const worst = Math.min(e.ratios[0]!, d.ratios[0]!);
      const low = Math.min(e.lowRatios[0]!, d.lowRatios[0]!);
      const met = goal === undefined ? '' : `>= ${goal * 100}% ${worst >= goal ? 'met' : 'NOT met'} (${(worst * 100).toFixed(1)}%; lower quartile ${(low * 100).toFixed(0)}%)`;
      console.log(
        sym.name.padEnd(8) + label.padStart(7) + '  ' + fmt(e.rates[0]!) + ((e.rates[0]! * size) / 1e6).toFixed(0).padStart(6) + fmt(e.rates[1]!, 11) + pct(e.ratios[0]!) + pct(e.ratios[1]!).padStart(9) +
          '  ' + fmt(d.rates[0]!) + ((d.rates[0]! * size) / 1e6).toFixed(0).padStart(6) + fmt(d.rates[1]!, 11) + pct(d.ratios[0]!) + pct(d.ratios[1]!).padStart(9) + `   ${met}`,
      );
    }
  }
  for (const line of lengthLines) console.log(line);
}

const lengthLines: string[] = [];
main();
