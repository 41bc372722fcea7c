import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { defaultSecp256k1, defaultSymmetric } from '@ln/crypto';
import {
  OnionError, createFailureOnion, createOnion, decodeFailureOnion, generateKey, peelOnion, wrapFailureOnion,
  type OnionCrypto,
} from '../src/onion/index.js';

const c: OnionCrypto = { secp: defaultSecp256k1(), sym: defaultSymmetric() };
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const bolts = new URL('../../../../shared/bolts/bolt04/', import.meta.url);
const onionVector = JSON.parse(readFileSync(new URL('onion-test.json', bolts), 'utf8'));
const errorVector = JSON.parse(readFileSync(new URL('onion-error-test.json', bolts), 'utf8'));

// The vector's payloads carry their BigSize length prefix; the onion API takes the bare TLV stream.
const stripLength = (b: Uint8Array) => (b[0]! < 0xfd ? b.subarray(1) : b.subarray(3));
const hops = onionVector.generate.hops.map((h: { pubkey: string; payload: string }) => ({ pubkey: hex(h.pubkey), payload: stripLength(hex(h.payload)) }));
const sessionKey = hex(onionVector.generate.session_key);
const assoc = hex(onionVector.generate.associated_data);
const hopSecrets: Uint8Array[] = onionVector.decode.map(hex);

test('BOLT 4 onion-test.json: the built packet matches byte for byte', () => {
  const { packet } = createOnion(c, sessionKey, hops, assoc);
  assert.is(toHex(packet), onionVector.onion);
});

test('BOLT 4 onion-test.json: every hop peels its own payload, the last sees no next hop', () => {
  let packet: Uint8Array = hex(onionVector.onion);
  for (let i = 0; i < hops.length; i++) {
    const peeled = peelOnion(c, packet, hopSecrets[i]!, assoc);
    assert.is(toHex(peeled.payload), toHex(hops[i].payload), `payload of hop ${i}`);
    if (i < hops.length - 1) {
      assert.ok(peeled.nextPacket, `hop ${i} forwards`);
      packet = peeled.nextPacket!;
    } else {
      assert.is(peeled.nextPacket, undefined);
    }
  }
});

test('BOLT 4 onion-test.json: a tampered packet fails the HMAC, bad version and key are rejected', () => {
  const good = hex(onionVector.onion);
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof OnionError ? e.code : `not an OnionError: ${e}`;
    }
    return 'no error';
  };
  for (const at of [40, 700, 1333, 1365]) {
    const bad = Uint8Array.from(good);
    bad[at]! ^= 1;
    assert.is(code(() => peelOnion(c, bad, hopSecrets[0]!, assoc)), 'invalid_hmac', `flip at ${at}`);
  }
  assert.is(code(() => peelOnion(c, good, hopSecrets[0]!, new Uint8Array(32))), 'invalid_hmac', 'wrong associated data');
  assert.is(code(() => peelOnion(c, good, hopSecrets[1]!, assoc)), 'invalid_hmac', 'wrong node key');
  const v1 = Uint8Array.from(good);
  v1[0] = 1;
  assert.is(code(() => peelOnion(c, v1, hopSecrets[0]!, assoc)), 'invalid_version');
  const badKey = Uint8Array.from(good);
  badKey[1] = 0x05;
  assert.is(code(() => peelOnion(c, badKey, hopSecrets[0]!, assoc)), 'invalid_public_key');
  assert.is(code(() => peelOnion(c, good.subarray(0, 50), hopSecrets[0]!, assoc)), 'invalid_packet_length');
});

test('BOLT 4 onion-error-test.json: failure created at hop 4, wrapped back, decoded at the origin', () => {
  const gen = errorVector.generate;
  const secrets: Uint8Array[] = gen.hops.map((h: { hop_shared_secret: string }) => hex(h.hop_shared_secret));
  // The shared secrets the sender derives equal the vector's.
  const { sharedSecrets } = createOnion(c, hex(gen.session_key), hops, assoc);
  assert.equal(sharedSecrets.map(toHex), secrets.map(toHex));
  gen.hops.forEach((h: { ammag_key: string; um_key?: string }, i: number) => {
    assert.is(toHex(generateKey(c, 'ammag', secrets[i]!)), h.ammag_key);
    if (h.um_key) assert.is(toHex(generateKey(c, 'um', secrets[i]!)), h.um_key);
  });
  let packet = createFailureOnion(c, secrets[4]!, hex(gen.failure_message));
  for (let i = 3; i >= 0; i--) packet = wrapFailureOnion(c, secrets[i]!, packet);
  assert.is(toHex(packet), errorVector.errorpacket);
  const decoded = decodeFailureOnion(c, secrets, packet);
  assert.ok(decoded);
  assert.is(decoded!.hopIndex, 4);
  assert.is(toHex(decoded!.failureMessage), gen.failure_message);
  const tampered = Uint8Array.from(packet);
  tampered[100]! ^= 0x40;
  assert.is(decodeFailureOnion(c, secrets, tampered), undefined);
});

test('property: random routes and payloads survive build and peel; failures come back from any hop', () => {
  const keys = Array.from({ length: 20 }, (_, i) => {
    const sk = new Uint8Array(32).fill(i + 1);
    return { sk, pk: c.secp.publicKeyCreate(sk) };
  });
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 2, maxLength: 60 }), { minLength: 1, maxLength: 20 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0)),
      fc.nat(),
      (payloads, session, failAt) => {
        const route = payloads.map((payload, i) => ({ pubkey: keys[i]!.pk, payload }));
        const { packet, sharedSecrets } = createOnion(c, session, route, assoc);
        let p = packet;
        const seen: Uint8Array[] = [];
        for (let i = 0; i < route.length; i++) {
          const peeled = peelOnion(c, p, keys[i]!.sk, assoc);
          assert.equal(peeled.payload, route[i]!.payload);
          assert.equal(peeled.sharedSecret, sharedSecrets[i]);
          seen.push(peeled.sharedSecret);
          assert.is(peeled.nextPacket === undefined, i === route.length - 1);
          if (peeled.nextPacket) p = peeled.nextPacket;
        }
        const erring = failAt % route.length;
        let f = createFailureOnion(c, seen[erring]!, Uint8Array.of(0x40, 0x0f, erring));
        for (let i = erring - 1; i >= 0; i--) f = wrapFailureOnion(c, seen[i]!, f);
        const d = decodeFailureOnion(c, sharedSecrets, f);
        assert.is(d?.hopIndex, erring);
        assert.equal(d?.failureMessage, Uint8Array.of(0x40, 0x0f, erring));
      },
    ),
    { numRuns: 25, seed: 4242 },
  );
});

test('payloads that do not fit in 1300 bytes are refused', () => {
  const route = Array.from({ length: 3 }, (_, i) => ({ pubkey: hops[i].pubkey, payload: new Uint8Array(430) }));
  assert.throws(() => createOnion(c, sessionKey, route, assoc), (e: unknown) => e instanceof OnionError && e.code === 'payloads_too_large');
});

test('fuzz: peeling random and mutated packets only ever throws OnionError', () => {
  let seed = 99;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  const good = hex(onionVector.onion);
  for (let n = 0; n < 300; n++) {
    const p = n % 2 ? Uint8Array.from(good) : new Uint8Array(rnd() * 6).map(rnd);
    for (let k = 0; k < 4; k++) if (p.length) p[(rnd() * 256 + rnd()) % p.length] = rnd();
    try {
      peelOnion(c, p, hopSecrets[0]!, assoc);
    } catch (e) {
      if (!(e instanceof OnionError)) throw e;
    }
  }
});

test.run();
