/** The specialised length AEAD against the generic ChaCha20-Poly1305 of both backends, byte for byte. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { nobleSymmetric } from '@ln/crypto';
import { nodeSymmetric } from '@ln/crypto/node';
import { nonceBytes } from '@ln/noise-peer';
import { LengthCipher } from '../src/length-cipher.js';

const EMPTY = new Uint8Array(0);

test('property: encrypting any 2-byte length under any key and nonce gives exactly the generic AEAD output (noble and node:crypto)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 65535 }), (key, n, len) => {
      const want = nodeSymmetric.chacha20poly1305Encrypt(key, nonceBytes(n), EMPTY, Uint8Array.of(len >> 8, len & 0xff));
      assert.equal(nobleSymmetric.chacha20poly1305Encrypt(key, nonceBytes(n), EMPTY, Uint8Array.of(len >> 8, len & 0xff)), want);
      const got = new LengthCipher(key).encrypt(n, len, new Uint8Array(18));
      assert.equal(got, want);
      assert.is(new LengthCipher(key).decrypt(n, want), len);
    }),
    { numRuns: 3000, seed: 21 },
  );
});

test('edge keys (all zero, all 0xff: Poly1305 r and s at their extremes) and every nonce a rotation uses', () => {
  for (const key of [new Uint8Array(32), new Uint8Array(32).fill(0xff), Uint8Array.from({ length: 32 }, (_, i) => (i < 16 ? 0xff : 0))]) {
    const c = new LengthCipher(key);
    for (let n = 0; n < 1000; n++) {
      const len = (n * 65.537) & 0xffff;
      assert.equal(c.encrypt(n, len, new Uint8Array(18)), nodeSymmetric.chacha20poly1305Encrypt(key, nonceBytes(n), EMPTY, Uint8Array.of(len >> 8, len & 0xff)), `nonce ${n}`);
    }
  }
});

test('a flipped bit anywhere in the 18 bytes fails the tag; setKey switches keys', () => {
  const key = new Uint8Array(32).fill(7);
  const c = new LengthCipher(key);
  const ct = c.encrypt(5, 1234, new Uint8Array(18));
  for (let i = 0; i < 18 * 8; i++) {
    const bad = Uint8Array.from(ct);
    bad[i >> 3]! ^= 1 << (i & 7);
    assert.is(c.decrypt(5, bad), -1, `bit ${i}`);
  }
  assert.is(c.decrypt(6, ct), -1, 'wrong nonce');
  const other = new Uint8Array(32).fill(8);
  c.setKey(other);
  assert.equal(c.encrypt(5, 1234, new Uint8Array(18)), nodeSymmetric.chacha20poly1305Encrypt(other, nonceBytes(5), EMPTY, Uint8Array.of(4, 210)));
});

test.run();
