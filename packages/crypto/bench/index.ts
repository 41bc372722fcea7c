/**
 * `npm run bench` in @ln/crypto: ops/s of every secp256k1 backend and every symmetric backend,
 * side by side. Baselines measured earlier on this machine: ../shared/notes/crypto-baselines.md.
 */
import { nobleSecp256k1, nobleSymmetric, type Secp256k1, type SymmetricCrypto } from '@ln/crypto';
import { loadNativeSecp256k1, loadWasmSecp256k1, nodeSymmetric } from '@ln/crypto/node';

/** Runs `f` repeatedly for about `ms` milliseconds and returns operations per second. */
export function opsPerSecond(f: () => unknown, ms = 400): number {
  for (let i = 0; i < 5; i++) f();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) f();
    n += 10;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(12);
const secpBackends: Secp256k1[] = [nobleSecp256k1, loadWasmSecp256k1(), loadNativeSecp256k1()];
const sk = new Uint8Array(32).fill(0x11);
const sk2 = new Uint8Array(32).fill(0x22);
const h = new Uint8Array(32).fill(0x33);
const pk2 = nobleSecp256k1.publicKeyCreate(sk2);
const pk = nobleSecp256k1.publicKeyCreate(sk);
const sig = nobleSecp256k1.sign(h, sk);
const rec = nobleSecp256k1.signRecoverable(h, sk);

const ops: [string, (b: Secp256k1) => unknown][] = [
  ['ECDSA sign', (b) => b.sign(h, sk)],
  ['ECDSA verify', (b) => b.verify(sig, h, pk)],
  ['ECDH (BOLT 8)', (b) => b.ecdh(sk, pk2)],
  ['pubkey from secret', (b) => b.publicKeyCreate(sk)],
  ['tweak-add P+tG', (b) => b.publicKeyTweakAdd(pk, sk2)],
  ['tweak-mul tP', (b) => b.publicKeyTweakMul(pk, sk2)],
  ['recover (BOLT 11)', (b) => b.recover(rec.signature, rec.recoveryId, h)],
];
console.log('secp256k1, ops/s (single core)');
console.log('op'.padEnd(22) + secpBackends.map((b) => b.name.padStart(12)).join(''));
for (const [name, f] of ops) console.log(name.padEnd(22) + secpBackends.map((b) => fmt(opsPerSecond(() => f(b)))).join(''));

const symBackends: SymmetricCrypto[] = [nobleSymmetric, nodeSymmetric];
const key = new Uint8Array(32).fill(7);
const nonce = new Uint8Array(12);
console.log('\nhashes and AEAD, ops/s (MB/s)');
console.log('op'.padEnd(28) + symBackends.map((b) => b.name.padStart(22)).join(''));
for (const size of [32, 100, 1024, 65536]) {
  const data = new Uint8Array(size).fill(1);
  const row = (name: string, f: (b: SymmetricCrypto) => unknown) =>
    console.log(
      `${name} ${size} B`.padEnd(28) +
        symBackends
          .map((b) => {
            const r = opsPerSecond(() => f(b));
            return `${fmt(r)} (${((r * size) / 1e6).toFixed(0).padStart(5)})`.padStart(22);
          })
          .join(''),
    );
  row('sha256', (b) => b.sha256(data));
  row('chacha20poly1305 encrypt', (b) => b.chacha20poly1305Encrypt(key, nonce, new Uint8Array(0), data));
}
