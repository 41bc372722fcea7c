import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  DecodeError, FEATURES, Features, chainHashOf, decodeAddresses, encodeAddresses, featureForBit, featureInfo, formatAddress,
  networkOfChainHash, parseScid, scidFromParts, scidToParts, scidToString, type NodeAddress,
} from '@ln/wire';

test('the BOLT 9 table: bits, contexts and dependencies', () => {
  assert.is(featureInfo('var_onion_optin').bit, 8);
  assert.is(featureInfo('basic_mpp').bit, 16);
  assert.equal(featureInfo('basic_mpp').contexts, ['init', 'node', 'invoice']);
  assert.equal(featureInfo('option_anchors').contexts, ['init', 'node', 'channel_type']);
  assert.equal(featureInfo('option_zeroconf').dependencies, ['option_scid_alias']);
  assert.is(featureForBit(47)?.name, 'option_scid_alias');
  assert.ok(FEATURES.every((f) => f.bit % 2 === 0));
  assert.is(new Set(FEATURES.map((f) => f.bit)).size, FEATURES.length);
});

test('wire form: bit 0 is the last byte\'s lowest bit; required vs optional', () => {
  const f = Features.empty().withRequired('var_onion_optin').withOptional('payment_secret');
  assert.equal(f.setBits(), [8, 15]);
  assert.equal(f.toBytes(), Uint8Array.of(0x81, 0x00));
  assert.ok(Features.fromBytes(Uint8Array.of(0x81, 0x00)).equals(f));
  assert.ok(f.requires('var_onion_optin') && !f.requires('payment_secret') && f.supports('payment_secret'));
  assert.not.ok(f.supports('basic_mpp'));
  assert.equal(f.withRequired('payment_secret').setBits(), [8, 14]);
  assert.equal(f.without('var_onion_optin').setBits(), [15]);
  assert.equal(Features.fromBytes(Uint8Array.of(0, 0, 1)).toBytes(), Uint8Array.of(1), 'leading zero bytes are dropped');
});

test('validation: missing dependency named, unknown required bits, context rules', () => {
  const mppOnly = Features.empty().withOptional('basic_mpp');
  assert.equal(mppOnly.validate('init').map((p) => p.message), ['basic_mpp requires payment_secret']);
  assert.equal(mppOnly.withOptional('payment_secret').validate('init'), []);
  const zeroconf = Features.empty().withOptional('option_zeroconf');
  assert.equal(zeroconf.validate().map((p) => p.kind), ['missing_dependency']);
  const unknown = Features.fromBits([100, 103]);
  assert.equal(unknown.unknownRequiredBits(), [100]);
  assert.equal(unknown.validate().map((p) => p.kind), ['unknown_required']);
  const wrong = Features.empty().withOptional('option_payment_metadata');
  assert.equal(wrong.validate('init').map((p) => p.kind), ['wrong_context']);
  assert.equal(wrong.validate('invoice'), []);
  assert.equal(Features.empty().withRequired('var_onion_optin').validate('invoice'), [], 'ASSUMED features are allowed anywhere');
  const theirs = Features.fromBits([8, 22, 101]);
  assert.equal(theirs.requiredNotSupportedBy(Features.fromBits([9])), [22]);
});

test('property: feature bytes round trip', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }), (bits) => {
      const f = Features.fromBits(bits);
      assert.ok(Features.fromBytes(f.toBytes()).equals(f));
    }),
    { numRuns: 300, seed: 9 },
  );
});

test('short channel ids: parts, text form (BOLT 7 example 539268x845x1), bad text', () => {
  const scid = parseScid('539268x845x1');
  assert.equal(scidToParts(scid), { block: 539268, txIndex: 845, outputIndex: 1 });
  assert.is(scidToString(scid), '539268x845x1');
  assert.is(scidFromParts(539268, 845, 1), scid);
  for (const bad of ['1x2', '1x2x3x4', '16777216x0x0', 'axbxc', '1x2x65536']) {
    assert.throws(() => parseScid(bad), (e: unknown) => e instanceof DecodeError, bad);
  }
});

test('chain hashes of every network, internal byte order', () => {
  assert.is(chainHashOf('mainnet')[31], 0x00);
  assert.is(chainHashOf('mainnet')[0], 0x6f);
  for (const n of ['mainnet', 'testnet', 'testnet4', 'signet', 'regtest'] as const) assert.is(networkOfChainHash(chainHashOf(n)), n);
  assert.is(networkOfChainHash(new Uint8Array(32)), undefined);
});

test('address descriptors: every type round trips; unknown types stop parsing; truncation throws', () => {
  const addrs: NodeAddress[] = [
    { type: 'ipv4', addr: Uint8Array.of(127, 0, 0, 1), port: 9735 },
    { type: 'ipv6', addr: new Uint8Array(16).fill(0).map((_, i) => (i === 15 ? 1 : 0)), port: 9736 },
    { type: 'torv3', addr: new Uint8Array(35).fill(7), port: 9737 },
    { type: 'dns', hostname: 'node.example.com', port: 9738 },
  ];
  const bytes = encodeAddresses(addrs);
  assert.equal(decodeAddresses(bytes), { addresses: addrs });
  assert.is(formatAddress(addrs[0]!), '127.0.0.1:9735');
  assert.is(formatAddress(addrs[1]!), '[0:0:0:0:0:0:0:1]:9736');
  assert.is(formatAddress(addrs[3]!), 'node.example.com:9738');
  const withUnknown = Uint8Array.from([...encodeAddresses([addrs[0]!]), 9, 1, 2, 3, ...encodeAddresses([addrs[3]!])]);
  assert.equal(decodeAddresses(withUnknown), { addresses: [addrs[0]!], stoppedAtUnknownType: 9 });
  const torv2 = Uint8Array.from([3, ...new Uint8Array(12), ...encodeAddresses([addrs[0]!])]);
  assert.equal(decodeAddresses(torv2).addresses, [addrs[0]!]);
  assert.throws(() => decodeAddresses(bytes.subarray(0, 5)), (e: unknown) => e instanceof DecodeError);
});

test.run();
