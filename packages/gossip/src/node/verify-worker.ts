/**
 * The worker thread of `WorkerVerifier`: checks batches of gossip signatures with the
 * requested secp256k1 backend and SHA-256 on `node:crypto`.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { nobleSecp256k1, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { runCheck } from '../verifier.js';
import { unpackChecks } from './pack.js';

const wanted = (workerData as { backend: 'native' | 'wasm' | 'noble' }).backend;
let secp: Secp256k1 = nobleSecp256k1;
let name = 'noble';
let skipped: string[] = [];
if (wanted !== 'noble') {
  const l = loadBestSecp256k1(wanted);
  secp = l.backend;
  name = l.name;
  skipped = l.skipped;
}
const sha256d = (b: Uint8Array): Uint8Array => {
  const h1 = createHash('sha256').update(b).digest();
  return new Uint8Array(createHash('sha256').update(h1).digest());
};

parentPort!.on('message', (m: { id: number; buf: Uint8Array }) => {
  const start = performance.now();
  const checks = unpackChecks(m.buf);
  const res = new Int8Array(checks.length);
  for (let i = 0; i < checks.length; i++) res[i] = runCheck(secp, sha256d, checks[i]!);
  parentPort!.postMessage({ id: m.id, res, ms: performance.now() - start }, [res.buffer as ArrayBuffer]);
});
parentPort!.postMessage({ ready: true, backend: name, skipped });
