import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CryptoError, bytesToHex, hexToBytes, nobleSecp256k1, sha256, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1, loadNativeSecp256k1, loadWasmSecp256k1 } from '@ln/crypto/node';

const backends: Secp256k1[] = [nobleSecp256k1, loadNativeSecp256k1(), loadWasmSecp256k1()];
const [ref, ...others] = backends;
const bolt8 = JSON.parse(readFileSync(new URL('../../../../shared/vectors/bolt08-transport.json', import.meta.url), 'utf8'));
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const to32 = (x: bigint) => hexToBytes(x.toString(16).padStart(64, '0'));

const secretArb = fc.bigInt({ min: 1n, max: N - 1n }).map(to32);
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const same = (what: string, f: (b: Secp256k1) => unknown) => {
  const want = f(ref!);
  for (const b of others) assert.equal(f(b), want, `${what}: ${b.name} differs from ${ref!.name}`);
};
const err = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof CryptoError ? 'CryptoError' : `other: ${e}`;
  }
};

test('the fastest backend loads and says which', () => {
  const best = loadBestSecp256k1();
  assert.is(best.name, 'native', `native addon should load here: ${best.skipped.join('; ')}`);
  assert.is(loadBestSecp256k1('wasm').name, 'wasm');
  assert.is(loadBestSecp256k1('noble').name, 'noble');
});

test('BOLT 8 known answers: public keys and ECDH of the transport vectors, on every backend', () => {
  for (const v of [...bolt8.initiator, ...bolt8.responder]) {
    for (const b of backends) {
      if (v.ls_priv && v.ls_pub) assert.is(bytesToHex(b.publicKeyCreate(hexToBytes(v.ls_priv))), v.ls_pub, `${b.name} ls_pub`);
      if (v.e_priv && v.e_pub) assert.is(bytesToHex(b.publicKeyCreate(hexToBytes(v.e_priv))), v.e_pub, `${b.name} e_pub`);
    }
  }
  const init = bolt8.initiator[0];
  const ss = init.acts[0].trace.find((t: { ss?: string }) => t.ss).ss;
  for (const b of backends) assert.is(bytesToHex(b.ecdh(hexToBytes(init.e_priv), hexToBytes(init.rs_pub))), ss, b.name);
});

test('cross-check: sign, verify, recover, ECDH, tweaks and combine give identical bytes on every backend', () => {
  fc.assert(
    fc.property(secretArb, secretArb, hashArb, (sk, tweak, h) => {
      const pk = ref!.publicKeyCreate(sk);
      const pk2 = ref!.publicKeyCreate(tweak);
      same('publicKeyCreate', (b) => b.publicKeyCreate(sk));
      same('publicKeyConvert', (b) => b.publicKeyConvert(b.publicKeyConvert(pk, false), true));
      same('uncompressed', (b) => b.publicKeyConvert(pk, false));
      const sig = ref!.sign(h, sk);
      same('sign', (b) => b.sign(h, sk));
      same('verify', (b) => b.verify(sig, h, pk));
      same('verify wrong key', (b) => b.verify(sig, h, pk2));
      const rec = ref!.signRecoverable(h, sk);
      assert.equal(rec.signature, sig);
      same('signRecoverable', (b) => b.signRecoverable(h, sk));
      same('recover', (b) => b.recover(rec.signature, rec.recoveryId, h));
      assert.equal(ref!.recover(rec.signature, rec.recoveryId, h), pk);
      same('ecdh', (b) => b.ecdh(sk, pk2));
      assert.equal(ref!.ecdh(sk, pk2), ref!.ecdh(tweak, pk), 'ECDH is symmetric');
      same('privateKeyTweakAdd', (b) => err(() => b.privateKeyTweakAdd(sk, tweak)) === 'ok' ? b.privateKeyTweakAdd(sk, tweak) : 'err');
      same('privateKeyTweakMul', (b) => b.privateKeyTweakMul(sk, tweak));
      same('publicKeyTweakAdd', (b) => err(() => b.publicKeyTweakAdd(pk, tweak)) === 'ok' ? b.publicKeyTweakAdd(pk, tweak) : 'err');
      same('publicKeyTweakMul', (b) => b.publicKeyTweakMul(pk, tweak));
      same('publicKeyCombine', (b) => b.publicKeyCombine([pk, pk2]));
      // Algebra: (sk*t)G = t(skG); (sk+t)G = skG + tG.
      assert.equal(ref!.publicKeyCreate(ref!.privateKeyTweakMul(sk, tweak)), ref!.publicKeyTweakMul(pk, tweak));
      assert.equal(ref!.publicKeyCreate(ref!.privateKeyTweakAdd(sk, tweak)), ref!.publicKeyTweakAdd(pk, tweak));
    }),
    { numRuns: 60, seed: 20261124 },
  );
});

test('high-S signatures are rejected by every backend; signatures are low-S', () => {
  const sk = to32(12345n);
  const h = sha256(new TextEncoder().encode('high-s'));
  const pk = ref!.publicKeyCreate(sk);
  const sig = ref!.sign(h, sk);
  let s = 0n;
  for (const x of sig.subarray(32)) s = (s << 8n) | BigInt(x);
  assert.ok(s <= N / 2n);
  const high = Uint8Array.from(sig);
  high.set(to32(N - s), 32);
  for (const b of backends) {
    assert.ok(b.verify(sig, h, pk), `${b.name} accepts low-S`);
    assert.not.ok(b.verify(high, h, pk), `${b.name} rejects high-S`);
  }
});

test('recovery accepts high-S signatures (as BOLT 11 readers must), on every backend', () => {
  const sk = to32(424242n);
  const h = sha256(new TextEncoder().encode('high-s recovery'));
  const { signature, recoveryId } = ref!.signRecoverable(h, sk);
  let s = 0n;
  for (const x of signature.subarray(32)) s = (s << 8n) | BigInt(x);
  const high = Uint8Array.from(signature);
  high.set(to32(N - s), 32);
  for (const b of backends) {
    assert.equal(b.recover(signature, recoveryId, h), ref!.publicKeyCreate(sk), `${b.name} low-S`);
    assert.equal(b.recover(high, recoveryId ^ 1, h), ref!.publicKeyCreate(sk), `${b.name} high-S with its own recovery id`);
  }
});

test('invalid inputs: verify returns false, signing and tweaks throw CryptoError, on every backend', () => {
  const zero = new Uint8Array(32);
  const overN = to32(N);
  const sk = to32(7n);
  const pk = ref!.publicKeyCreate(sk);
  const h = new Uint8Array(32).fill(1);
  const badPoint = Uint8Array.from(pk);
  badPoint[0] = 0x04;
  for (const b of backends) {
    assert.not.ok(b.isValidSecretKey(zero), b.name);
    assert.not.ok(b.isValidSecretKey(overN), b.name);
    assert.ok(b.isValidSecretKey(sk), b.name);
    assert.not.ok(b.isValidPublicKey(badPoint), b.name);
    assert.not.ok(b.isValidPublicKey(new Uint8Array(33)), b.name);
    assert.ok(b.isValidPublicKey(pk), b.name);
    assert.not.ok(b.verify(new Uint8Array(64), h, pk), `${b.name} zero signature`);
    assert.not.ok(b.verify(new Uint8Array(63), h, pk), `${b.name} short signature`);
    assert.not.ok(b.verify(ref!.sign(h, sk), h, badPoint), `${b.name} bad key`);
    assert.is(err(() => b.sign(h, zero)), 'CryptoError', `${b.name} sign with zero key`);
    assert.is(err(() => b.publicKeyCreate(overN)), 'CryptoError', `${b.name} pubkey of n`);
    assert.is(err(() => b.ecdh(sk, badPoint)), 'CryptoError', `${b.name} ecdh bad point`);
    assert.is(err(() => b.privateKeyTweakAdd(to32(N - 7n), sk)), 'CryptoError', `${b.name} tweak to zero`);
    assert.is(err(() => b.publicKeyTweakMul(pk, zero)), 'CryptoError', `${b.name} tweak-mul by zero`);
    assert.is(err(() => b.publicKeyTweakMul(pk, overN)), 'CryptoError', `${b.name} tweak-mul by n`);
  }
});

test.run();
