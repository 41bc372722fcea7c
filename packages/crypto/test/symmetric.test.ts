import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CryptoError, bytesToHex, hexToBytes, hkdfTwoKeys, nobleSymmetric, type SymmetricCrypto } from '@ln/crypto';
import { nodeSymmetric } from '@ln/crypto/node';

const backends: SymmetricCrypto[] = [nobleSymmetric, nodeSymmetric];
const bolt8 = JSON.parse(readFileSync(new URL('../../../../shared/vectors/bolt08-transport.json', import.meta.url), 'utf8'));

test('RFC 8439 §2.8.2 ChaCha20-Poly1305 known answer on every backend', () => {
  const key = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hexToBytes('070000004041424344454647');
  const aad = hexToBytes('50515253c0c1c2c3c4c5c6c7');
  const pt = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const want =
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
    '1ae10b594f09e26a7e902ecbd0600691';
  for (const b of backends) {
    const ct = b.chacha20poly1305Encrypt(key, nonce, aad, pt);
    assert.is(bytesToHex(ct), want, b.name);
    assert.equal(b.chacha20poly1305Decrypt(key, nonce, aad, ct), pt, b.name);
    const bad = Uint8Array.from(ct);
    bad[5]! ^= 1;
    assert.throws(() => b.chacha20poly1305Decrypt(key, nonce, aad, bad), (e: unknown) => e instanceof CryptoError, b.name);
    assert.throws(() => b.chacha20poly1305Decrypt(key, nonce, new Uint8Array(1), ct), (e: unknown) => e instanceof CryptoError, b.name);
  }
});

test('RFC 8439 §2.4.2 ChaCha20 keystream: counter 0 block is skipped by nothing (BOLT 4 uses counter 0)', () => {
  // With counter 0 and the §2.4.2 key/nonce, the first keystream block is the §2.3.2-style block for counter 0;
  // we check both backends agree and that counter 1 output (from offset 64) matches RFC 8439 §2.4.2's ciphertext.
  const key = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = hexToBytes('000000000000004a00000000');
  const pt = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const padded = new Uint8Array(64 + pt.length);
  padded.set(pt, 64);
  const want = '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d';
  for (const b of backends) assert.is(bytesToHex(b.chacha20(key, nonce, padded).subarray(64)), want, b.name);
});

test('BOLT 8 act one: HKDF and encryptWithAD of the vector trace, on every backend', () => {
  const trace = bolt8.initiator[0].acts[0].trace;
  const hk = trace.find((t: { op?: string }) => t.op === 'HKDF');
  const keys = trace.find((t: { temp_k1?: string }) => t.temp_k1);
  const enc = trace.find((t: { op?: string }) => t.op === 'encryptWithAD');
  const c = trace.find((t: { c?: string }) => t.c);
  for (const b of backends) {
    const [ck, k1] = hkdfTwoKeys(b.hmacSha256, hexToBytes(hk.salt), hexToBytes(hk.ikm));
    assert.is(bytesToHex(ck), keys.ck, b.name);
    assert.is(bytesToHex(k1), keys.temp_k1, b.name);
    assert.is(bytesToHex(b.chacha20poly1305Encrypt(hexToBytes(enc.key), hexToBytes(enc.nonce), hexToBytes(enc.ad), new Uint8Array(0))), c.c, b.name);
  }
});

test('cross-check: hashes, HMAC, AEAD and ChaCha20 agree between backends on random inputs', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 3000 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 64 }),
      (data, key, nonce, aad) => {
        const [a, b] = backends as [SymmetricCrypto, SymmetricCrypto];
        assert.equal(a.sha256(data), b.sha256(data));
        assert.equal(a.hmacSha256(key, data), b.hmacSha256(key, data));
        const ct = a.chacha20poly1305Encrypt(key, nonce, aad, data);
        assert.equal(b.chacha20poly1305Encrypt(key, nonce, aad, data), ct);
        assert.equal(b.chacha20poly1305Decrypt(key, nonce, aad, ct), data);
        assert.equal(a.chacha20(key, nonce, data), b.chacha20(key, nonce, data));
      },
    ),
    { numRuns: 200, seed: 8 },
  );
});

test.run();
