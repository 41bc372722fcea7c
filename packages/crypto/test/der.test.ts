import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CryptoError, bytesToHex, compareBytes, concatBytes, equalBytes, hexToBytes, randomBytes, signatureFromDer, signatureToDer } from '@ln/crypto';

test('DER round trip for random r and s, including leading zeros and high bits', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(31), fc.nat(31), (sig, zr, zs) => {
      sig.fill(0, 0, zr);
      sig.fill(0, 32, 32 + zs);
      if (sig.subarray(0, 32).every((x) => x === 0)) sig[31] = 1;
      if (sig.subarray(32).every((x) => x === 0)) sig[63] = 1;
      const der = signatureToDer(sig);
      assert.equal(signatureFromDer(der), sig);
    }),
    { numRuns: 500, seed: 1 },
  );
});

test('DER known answer (BOLT 3 Appendix C remote signature)', () => {
  const der = '3045022100f51d2e566a70ba740fc5d8c0f07b9b93d2ed741c3c0860c613173de7d39e7968022041376d520e9c0e1ad52248ddf4b22e12be8763007df977253ef45a4ca3bdb7c0';
  const compact = signatureFromDer(hexToBytes(der));
  assert.is(bytesToHex(compact), 'f51d2e566a70ba740fc5d8c0f07b9b93d2ed741c3c0860c613173de7d39e796841376d520e9c0e1ad52248ddf4b22e12be8763007df977253ef45a4ca3bdb7c0');
  assert.is(bytesToHex(signatureToDer(compact)), der);
});

test('non-strict DER is rejected with CryptoError', () => {
  const good = hexToBytes('3045022100f51d2e566a70ba740fc5d8c0f07b9b93d2ed741c3c0860c613173de7d39e7968022041376d520e9c0e1ad52248ddf4b22e12be8763007df977253ef45a4ca3bdb7c0');
  const cases: [string, Uint8Array][] = [
    ['wrong tag', Uint8Array.from(good, (b, i) => (i === 0 ? 0x31 : b))],
    ['length mismatch', Uint8Array.from(good, (b, i) => (i === 1 ? 0x46 : b))],
    ['trailing byte', concatBytes(good, Uint8Array.of(1))],
    ['truncated', good.subarray(0, 30)],
    ['negative r', hexToBytes('3006020180020101')],
    ['padded r', hexToBytes('300702020001020101')],
    ['zero-length r', hexToBytes('3005020002010101')],
  ];
  for (const [what, der] of cases) assert.throws(() => signatureFromDer(der), (e: unknown) => e instanceof CryptoError, what);
});

test('byte helpers', () => {
  assert.is(bytesToHex(hexToBytes('00ffA0')), '00ffa0');
  assert.throws(() => hexToBytes('abc'), (e: unknown) => e instanceof CryptoError);
  assert.throws(() => hexToBytes('zz'), (e: unknown) => e instanceof CryptoError);
  assert.ok(equalBytes(concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3)));
  assert.ok(compareBytes(Uint8Array.of(2), Uint8Array.of(3)) < 0);
  assert.ok(compareBytes(Uint8Array.of(3, 0), Uint8Array.of(3)) > 0);
  assert.is(randomBytes(16).length, 16);
  assert.not.ok(equalBytes(randomBytes(), randomBytes()));
});

test.run();
