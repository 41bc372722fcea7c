import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { nobleSecp256k1 as secp } from '@ln/crypto';
import {
  ShachainStore, TransactionError, derivePrivkey, derivePubkey, deriveRevocationPrivkey, deriveRevocationPubkey,
  perCommitmentSecret, SHACHAIN_INITIAL_INDEX, commitmentNumberObscureFactor,
} from '@ln/transactions';
import { hex, toHex, vectors } from './helpers.js';

test('BOLT 3 Appendix E: localpubkey, localprivkey, revocationpubkey, revocationprivkey', () => {
  const v = vectors('bolt03-keys.json');
  const c = v.common;
  const [pub, priv, rpub, rpriv] = v.vectors;
  assert.is(toHex(derivePubkey(secp, hex(c.base_point), hex(c.per_commitment_point))), pub.output);
  assert.is(toHex(derivePrivkey(secp, hex(c.base_secret), hex(c.per_commitment_point))), priv.output);
  assert.is(toHex(deriveRevocationPubkey(secp, hex(c.base_point), hex(c.per_commitment_point))), rpub.output);
  assert.is(toHex(deriveRevocationPrivkey(secp, hex(c.base_secret), hex(c.per_commitment_secret))), rpriv.output);
  assert.is(toHex(secp.publicKeyCreate(deriveRevocationPrivkey(secp, hex(c.base_secret), hex(c.per_commitment_secret)))), rpub.output);
});

test('BOLT 3 Appendix D: per-commitment secret generation', () => {
  const v = vectors('bolt03-shachain.json');
  for (const g of v.generation) assert.is(toHex(perCommitmentSecret(hex(g.seed), BigInt(g.index))), g.output.toLowerCase(), g.name);
});

test('BOLT 3 Appendix D: compact storage accepts the correct sequence and rejects each bad one at the right insert', () => {
  const v = vectors('bolt03-shachain.json');
  for (const t of v.storage.tests) {
    const store = new ShachainStore();
    for (const ins of t.inserts) {
      let got = 'OK';
      try {
        store.insert(hex(ins.secret), BigInt(ins.index));
      } catch (e) {
        assert.ok(e instanceof TransactionError && e.code === 'invalid_secret', `${t.name}: ${e}`);
        got = 'ERROR';
      }
      assert.is(got, ins.expected, `${t.name} at index ${ins.index}`);
      if (got === 'ERROR') break;
    }
  }
  assert.is(v.storage.tests.length, 9);
});

test('property: storage accepts any honest sequence, derives every old secret, and rejects any single wrong secret', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 70 }), fc.nat(), (seed, n, badAt) => {
      const store = new ShachainStore();
      for (let i = 0; i < n; i++) store.insert(perCommitmentSecret(seed, SHACHAIN_INITIAL_INDEX - BigInt(i)), SHACHAIN_INITIAL_INDEX - BigInt(i));
      for (let i = 0; i < n; i++) assert.equal(store.get(SHACHAIN_INITIAL_INDEX - BigInt(i)), perCommitmentSecret(seed, SHACHAIN_INITIAL_INDEX - BigInt(i)));
      assert.equal(ShachainStore.deserialize(store.serialize()).get(SHACHAIN_INITIAL_INDEX), perCommitmentSecret(seed, SHACHAIN_INITIAL_INDEX));
      // A wrong secret anywhere in a fresh sequence is caught no later than at the next index whose slot covers it.
      const fresh = new ShachainStore();
      const wrong = badAt % n;
      let caught = false;
      for (let i = 0; i < 2 * n + 2 && !caught; i++) {
        const idx = SHACHAIN_INITIAL_INDEX - BigInt(i);
        const secret = i === wrong ? new Uint8Array(32).fill(0x5a) : perCommitmentSecret(seed, idx);
        try {
          fresh.insert(secret, idx);
        } catch (e) {
          assert.ok(e instanceof TransactionError && e.code === 'invalid_secret');
          assert.ok(i >= wrong, 'never blames an earlier, honest secret');
          caught = true;
        }
      }
      // Every wrong secret is caught once a secret whose slot covers it arrives: within the next power-of-two boundary.
      assert.ok(caught, `wrong secret at position ${wrong} not caught`);
    }),
    { numRuns: 40, seed: 3 },
  );
});

test('obscuring factor of the Appendix C channel', () => {
  const c = vectors('bolt03-commitment.json').appendix_c_commitment;
  const f = commitmentNumberObscureFactor(hex(c.keys.local_payment_basepoint), hex(c.keys.remote_payment_basepoint));
  assert.is(f.toString(16), c.obscured_commitment_number.obscuring_factor);
  assert.is((f ^ 42n).toString(16), c.obscured_commitment_number.obscured_commitment_number);
});

test.run();
