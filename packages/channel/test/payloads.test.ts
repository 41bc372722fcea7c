import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DecodeError } from '@ln/wire';
import { defaultSecp256k1, defaultSymmetric } from '@ln/crypto';
import { FAILURES, InvalidOnionPayload, decodeFailureMessage, decodeFailureOnion, decodeHopPayload, encodeFailureMessage, encodeHopPayload, failureFlags, type HopPayload } from '../src/onion/index.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const vec = JSON.parse(readFileSync(new URL('../../../../shared/bolts/bolt04/onion-test.json', import.meta.url), 'utf8'));
const errVec = JSON.parse(readFileSync(new URL('../../../../shared/bolts/bolt04/onion-error-test.json', import.meta.url), 'utf8'));

test('BOLT 4 onion-test.json hop payloads: the TLV ones decode as forwarding hops', () => {
  const strip = (b: Uint8Array) => (b[0]! < 0xfd ? b.subarray(1) : b.subarray(3));
  const first = decodeHopPayload(strip(hex(vec.generate.hops[0].payload)), false);
  assert.equal(first, { kind: 'forward', amtToForward: 15_000n, outgoingCltvValue: 1500, shortChannelId: 1n });
  assert.equal(encodeHopPayload(first), strip(hex(vec.generate.hops[0].payload)));
  const second = decodeHopPayload(strip(hex(vec.generate.hops[1].payload)), false);
  assert.is(second.kind, 'forward');
});

test('payload rules: missing fields are reported with their TLV type', () => {
  const type = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof InvalidOnionPayload ? String(e.tlvType) : `unexpected ${e}`;
    }
  };
  const fwd: HopPayload = { kind: 'forward', amtToForward: 1000n, outgoingCltvValue: 100, shortChannelId: 5n };
  assert.is(type(() => decodeHopPayload(encodeHopPayload(fwd), true)), '6', 'a final hop must not carry short_channel_id');
  const bare = decodeHopPayload(Uint8Array.of(0x02, 0x02, 0x03, 0xe8, 0x04, 0x01, 0x64), true);
  assert.equal(bare, { kind: 'final', amtToForward: 1000n, outgoingCltvValue: 100, totalMsat: 1000n }, 'without payment_data total_msat is amt_to_forward');
  const fin: HopPayload = { kind: 'final', amtToForward: 1000n, outgoingCltvValue: 100, paymentSecret: new Uint8Array(32).fill(1), totalMsat: 3000n };
  assert.is(type(() => decodeHopPayload(encodeHopPayload(fin), false)), '6', 'an intermediate hop needs short_channel_id');
  assert.is(type(() => decodeHopPayload(Uint8Array.of(0x04, 0x01, 0x05), false)), '2', 'missing amt_to_forward');
  assert.is(type(() => decodeHopPayload(Uint8Array.of(0x02, 0x01, 0x05), false)), '4', 'missing outgoing_cltv_value');
  assert.is(type(() => decodeHopPayload(Uint8Array.of(0x02, 0x02, 0x00, 0x05), false)), '2', 'non-minimal tu64 (the record is named)');
});

test('property: hop payloads round-trip', () => {
  const arb: fc.Arbitrary<HopPayload> = fc.oneof(
    fc.record({ kind: fc.constant('forward' as const), amtToForward: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), outgoingCltvValue: fc.integer({ min: 0, max: 0xffffffff }), shortChannelId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    fc.record({ kind: fc.constant('final' as const), amtToForward: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), outgoingCltvValue: fc.integer({ min: 0, max: 0xffffffff }), paymentSecret: fc.uint8Array({ minLength: 32, maxLength: 32 }), totalMsat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), paymentMetadata: fc.option(fc.uint8Array({ minLength: 1, maxLength: 30 }), { nil: undefined }), keysendPreimage: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }) }),
  ).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as HopPayload);
  fc.assert(
    fc.property(arb, (p) => {
      const back = decodeHopPayload(encodeHopPayload(p), p.kind === 'final');
      assert.equal(back, p);
    }),
    { numRuns: 300, seed: 4 },
  );
});

test('failure messages: every BOLT 4 code round-trips with its data; the vector\'s 2002 is temporary_node_failure', () => {
  assert.is(FAILURES.length, 22);
  assert.is(decodeFailureMessage(hex(errVec.generate.failure_message)).name, 'temporary_node_failure');
  const sample: Record<string, unknown> = {
    sha256OfOnion: new Uint8Array(32).fill(9), channelUpdate: Uint8Array.of(1, 2, 3), htlcMsat: 123_456n, cltvExpiry: 800_000,
    height: 800_100, incomingHtlcAmt: 99n, disabledFlags: 0, type: 8n, offset: 42,
  };
  for (const f of FAILURES) {
    const fields = Object.fromEntries(Object.keys(f.fields).map((k) => [k, sample[k]]));
    const bytes = encodeFailureMessage(f.name, fields);
    assert.equal(decodeFailureMessage(bytes), { name: f.name, code: f.code, fields }, f.name);
  }
  assert.equal(failureFlags(0x400f), { badOnion: false, perm: true, node: false, update: false });
  assert.equal(failureFlags(0xc005), { badOnion: true, perm: true, node: false, update: false });
  assert.is(decodeFailureMessage(Uint8Array.of(0x40, 0x63)).name, 'unknown');
  assert.throws(() => decodeFailureMessage(Uint8Array.of(0x40, 0x0f, 1)), (e: unknown) => e instanceof DecodeError);
});

test('fuzz: hop payloads, failure messages and return packets from random bytes only ever give typed errors or undefined', () => {
  const c = { secp: defaultSecp256k1(), sym: defaultSymmetric() };
  const secrets = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, isFinal) => {
      try {
        decodeHopPayload(bytes, isFinal);
      } catch (e) {
        assert.ok(e instanceof InvalidOnionPayload, String(e));
      }
      try {
        decodeFailureMessage(bytes);
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
      }
      const d = decodeFailureOnion(c, secrets, bytes);
      assert.ok(d === undefined || (d.hopIndex >= 0 && d.hopIndex < 2));
    }),
    { numRuns: 2000, seed: 11 },
  );
});

test.run();
