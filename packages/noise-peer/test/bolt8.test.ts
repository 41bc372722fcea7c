import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, nobleSecp256k1, nobleSymmetric } from '@ln/crypto';
import { loadNativeSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { NoiseError, NoiseHandshake, NoiseTransport, staticKeyFromSecret, type NoiseCrypto, type NoiseErrorCode } from '@ln/noise-peer';

const V = JSON.parse(readFileSync(new URL('../../../../shared/vectors/bolt08-transport.json', import.meta.url), 'utf8'));
const backends: NoiseCrypto[] = [
  { secp: nobleSecp256k1, sym: nobleSymmetric },
  { secp: loadNativeSecp256k1(), sym: nodeSymmetric },
];
const expected: Record<string, [NoiseErrorCode, number]> = {};
for (const name of ['READ_FAILED', 'BAD_VERSION', 'BAD_PUBKEY', 'BAD_TAG', 'BAD_CIPHERTEXT']) {
  for (const act of [1, 2, 3]) {
    expected[`ACT${act}_${name}`] = [({ READ_FAILED: 'short_read', BAD_VERSION: 'bad_version', BAD_PUBKEY: 'bad_pubkey', BAD_TAG: 'bad_tag', BAD_CIPHERTEXT: 'bad_ciphertext' } as const)[name as 'BAD_TAG'], act];
  }
}
const errorOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof NoiseError ? `${e.code}@${e.act}` : `unexpected ${e}`;
  }
};

for (const c of backends) {
  test(`BOLT 8 initiator vectors (${c.secp.name}/${c.sym.name}): the success case and every failing one`, () => {
    for (const v of V.initiator) {
      const { handshake, actOne } = NoiseHandshake.initiate(c, staticKeyFromSecret(c.secp, hexToBytes(v.ls_priv)), hexToBytes(v.rs_pub), hexToBytes(v.e_priv));
      assert.is(bytesToHex(actOne), v.acts[0].data, `${v.name}: act one`);
      const act2 = hexToBytes(v.acts[1].data);
      if (v.expected_error) {
        const [code, act] = expected[v.expected_error]!;
        assert.is(errorOf(() => handshake.processActTwo(act2)), `${code}@${act}`, v.name);
        continue;
      }
      const r = handshake.processActTwo(act2);
      assert.is(bytesToHex(r.actThree), v.acts[2].data, `${v.name}: act three`);
      assert.is(bytesToHex(r.remoteStaticKey), v.rs_pub);
      // The transport's first message proves sk: it matches message 0 of the encryption vector.
      const enc = r.transport.encryptMessage(hexToBytes(V.message_encryption.plaintext));
      assert.is(bytesToHex(enc), V.message_encryption.outputs[0].ciphertext);
    }
  });

  test(`BOLT 8 responder vectors (${c.secp.name}/${c.sym.name}): the success case and every failing one (act3 bad rs by its input, see erratum)`, () => {
    for (const v of V.responder) {
      const hs = NoiseHandshake.respond(c, staticKeyFromSecret(c.secp, hexToBytes(v.ls_priv)), hexToBytes(v.e_priv));
      const [code, act] = v.expected_error ? expected[v.expected_error]! : ['ok', 0];
      const act1 = hexToBytes(v.acts[0].data);
      if (act === 1) {
        assert.is(errorOf(() => hs.processActOne(act1)), `${code}@1`, v.name);
        continue;
      }
      assert.is(bytesToHex(hs.processActOne(act1)), v.acts[1].data, `${v.name}: act two`);
      const act3 = hexToBytes(v.acts[2].data);
      if (act === 3) {
        assert.is(errorOf(() => hs.processActThree(act3)), `${code}@3`, v.name);
        continue;
      }
      const r = hs.processActThree(act3);
      assert.is(bytesToHex(r.remoteStaticKey), '034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa');
      assert.is(hs.state, 'done');
    }
    assert.is(V.responder.length, 10);
  });
}

test('BOLT 8 message encryption: "hello" 1001 times, outputs 0, 1, 500, 501, 1000, 1001 across two key rotations; the receiver decrypts them all', () => {
  const m = V.message_encryption;
  for (const c of backends) {
    const sender = new NoiseTransport(c, hexToBytes(m.sk), hexToBytes(m.rk), hexToBytes(m.ck));
    const receiver = new NoiseTransport(c, hexToBytes(m.rk), hexToBytes(m.sk), hexToBytes(m.ck));
    const want = new Map<number, string>(m.outputs.map((o: { message_index: number; ciphertext: string }) => [o.message_index, o.ciphertext]));
    for (let i = 0; i <= 1001; i++) {
      const ct = sender.encryptMessage(hexToBytes(m.plaintext));
      if (want.has(i)) assert.is(bytesToHex(ct), want.get(i), `message ${i} (${c.sym.name})`);
      const { messages, consumed } = receiver.decryptStream(ct);
      assert.is(consumed, ct.length);
      assert.is(bytesToHex(messages[0]!), m.plaintext);
    }
  }
});

test('transport: tampered length or body is rejected; oversize messages are refused', () => {
  const c = backends[0]!;
  const key = new Uint8Array(32).fill(1);
  const a = new NoiseTransport(c, key, key, key);
  const b = new NoiseTransport(c, key, key, key);
  const ct = a.encryptMessage(Uint8Array.of(1, 2, 3));
  const badLen = Uint8Array.from(ct);
  badLen[0]! ^= 1;
  assert.is(errorOf(() => b.decryptStream(badLen)), 'bad_tag@undefined');
  const a2 = new NoiseTransport(c, key, key, key);
  const b2 = new NoiseTransport(c, key, key, key);
  const ct2 = a2.encryptMessage(Uint8Array.of(1, 2, 3));
  ct2[ct2.length - 1]! ^= 1;
  assert.is(errorOf(() => b2.decryptStream(ct2)), 'bad_tag@undefined');
  assert.is(errorOf(() => a.encryptMessage(new Uint8Array(65536))), 'message_too_long@undefined');
  assert.ok(a.encryptMessage(new Uint8Array(65535)).length === 65535 + 34);
});

test('property: random message sequences through a real initiator/responder pair arrive identical, in pieces, across key rotations', () => {
  const c = backends[1]!;
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 97 }),
      fc.integer({ min: 0, max: 1200 }),
      (msgs, chunk, warmup) => {
        const alice = staticKeyFromSecret(c.secp, new Uint8Array(32).fill(0x21));
        const bob = staticKeyFromSecret(c.secp, new Uint8Array(32).fill(0x22));
        const { handshake, actOne } = NoiseHandshake.initiate(c, alice, bob.publicKey, new Uint8Array(32).fill(0x23));
        const resp = NoiseHandshake.respond(c, bob, new Uint8Array(32).fill(0x24));
        const { actThree, transport: at } = handshake.processActTwo(resp.processActOne(actOne));
        const { transport: bt, remoteStaticKey } = resp.processActThree(actThree);
        assert.equal(remoteStaticKey, alice.publicKey);
        // Warm up past a rotation boundary, then stream the messages in arbitrary chunks.
        for (let i = 0; i < warmup; i++) bt.decryptStream(at.encryptMessage(Uint8Array.of(i & 0xff)));
        const wire = msgs.map((m) => at.encryptMessage(m));
        const all = new Uint8Array(wire.reduce((a, w) => a + w.length, 0));
        let o = 0;
        for (const w of wire) (all.set(w, o), (o += w.length));
        const got: Uint8Array[] = [];
        let buf = new Uint8Array(0);
        for (let i = 0; i < all.length; i += chunk) {
          const next = new Uint8Array(buf.length + Math.min(chunk, all.length - i));
          next.set(buf, 0);
          next.set(all.subarray(i, i + chunk), buf.length);
          const { messages, consumed } = bt.decryptStream(next);
          got.push(...messages);
          buf = next.slice(consumed);
        }
        assert.is(buf.length, 0);
        assert.equal(got, msgs);
        // And the other direction.
        assert.equal(at.decryptStream(bt.encryptMessage(Uint8Array.of(9, 9))).messages, [Uint8Array.of(9, 9)]);
      },
    ),
    { numRuns: 40, seed: 8 },
  );
});

test('vectors through every encrypt entry point: encryptMessage, encryptMessageParts and encryptForSend give the same bytes; decryptStream stops at maxMessages', () => {
  const m = V.message_encryption;
  for (const c of backends) {
    const sender = new NoiseTransport(c, hexToBytes(m.sk), hexToBytes(m.rk), hexToBytes(m.ck));
    const receiver = new NoiseTransport(c, hexToBytes(m.rk), hexToBytes(m.sk), hexToBytes(m.ck));
    const want = new Map<number, string>(m.outputs.map((o: { message_index: number; ciphertext: string }) => [o.message_index, o.ciphertext]));
    const frames: Uint8Array[] = [];
    for (let i = 0; i <= 1001; i++) {
      const pt = hexToBytes(m.plaintext);
      const parts = i % 3 === 0 ? [sender.encryptMessage(pt)] : i % 3 === 1 ? sender.encryptMessageParts(pt) : sender.encryptForSend(pt);
      const ct = Uint8Array.from(parts.flatMap((x) => [...x]));
      if (want.has(i)) assert.is(bytesToHex(ct), want.get(i), `message ${i} (${c.sym.name})`);
      frames.push(ct);
    }
    const all = Uint8Array.from(frames.flatMap((f) => [...f]));
    let at = 0;
    let n = 0;
    while (at < all.length) {
      const { messages, consumed } = receiver.decryptStream(all.subarray(at), 7);
      assert.ok(messages.length === 7 || at + consumed === all.length);
      for (const x of messages) assert.is(bytesToHex(x), m.plaintext);
      n += messages.length;
      at += consumed;
    }
    assert.is(n, 1002);
  }
});

test('property: encryptForSend (one buffer below 4096 bytes, two parts from there) equals encryptMessage on a twin transport, for any size up to 65535', () => {
  const c = backends[1]!;
  const key = new Uint8Array(32).fill(3);
  const a = new NoiseTransport(c, key, key, key);
  const twin = new NoiseTransport(c, key, key, key);
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 65535 })), (size) => {
      const msg = new Uint8Array(size).fill(size & 0xff);
      const chunks = a.encryptForSend(msg);
      assert.is(chunks.length, size >= 4096 ? 2 : 1);
      const joined = new Uint8Array(chunks.reduce((x, ch) => x + ch.length, 0));
      let o = 0;
      for (const ch of chunks) joined.set(ch, o), (o += ch.length);
      assert.equal(joined, twin.encryptMessage(msg));
    }),
    { numRuns: 150, seed: 4 },
  );
});

test('fuzz: random bytes into every act and into decryptStream throw only NoiseError (never a crash, never a hang)', () => {
  for (const c of backends) {
    const bob = staticKeyFromSecret(c.secp, new Uint8Array(32).fill(0x22));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.uint8Array({ minLength: 18, maxLength: 400 }), (bytes, stream) => {
        const only = (f: () => unknown) => {
          try {
            f();
          } catch (e) {
            if (!(e instanceof NoiseError)) throw e;
          }
        };
        only(() => NoiseHandshake.respond(c, bob, new Uint8Array(32).fill(7)).processActOne(bytes.subarray(0, 50)));
        only(() => NoiseHandshake.initiate(c, bob, bob.publicKey, new Uint8Array(32).fill(8)).handshake.processActTwo(bytes.subarray(0, 50)));
        const r = NoiseHandshake.respond(c, bob, new Uint8Array(32).fill(7));
        r.processActOne(NoiseHandshake.initiate(c, bob, bob.publicKey, new Uint8Array(32).fill(8)).actOne);
        only(() => r.processActThree(bytes.subarray(0, 66)));
        const key = new Uint8Array(32).fill(9);
        only(() => new NoiseTransport(c, key, key, key).decryptStream(stream));
      }),
      { numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 200) / (c.secp.name === 'native' ? 1 : 5)), seed: 11 },
    );
  }
});

test('handshake state is enforced: acts out of order are refused', () => {
  const c = backends[0]!;
  const hs = NoiseHandshake.respond(c, staticKeyFromSecret(c.secp, new Uint8Array(32).fill(5)), new Uint8Array(32).fill(6));
  assert.is(errorOf(() => hs.processActThree(new Uint8Array(66))), 'bad_state@3');
  assert.is(errorOf(() => hs.processActTwo(new Uint8Array(50))), 'bad_state@2');
});

test.run();
