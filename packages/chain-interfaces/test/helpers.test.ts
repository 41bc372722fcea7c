import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CONFIRMATION_TARGETS, FEERATE_FLOOR_SATS_PER_KW, KVStoreNameError, clampFeerate, moduleLogger,
  satPerVbyteToSatPerKw, validateKvName, type LogRecord,
} from '@ln/chain-interfaces';

test('feerates are clamped to the 253 sat/kw floor and rounded up', () => {
  assert.is(FEERATE_FLOOR_SATS_PER_KW, 253);
  assert.is(clampFeerate(0), 253);
  assert.is(clampFeerate(-5), 253);
  assert.is(clampFeerate(Number.NaN), 253);
  assert.is(clampFeerate(253.1), 254);
  assert.is(clampFeerate(5000), 5000);
  assert.is(satPerVbyteToSatPerKw(1), 250);
  assert.is(satPerVbyteToSatPerKw(1.01), 253);
  assert.is(CONFIRMATION_TARGETS.length, 8);
});

test('KV names: allowed characters, lengths and the namespace rule', () => {
  validateKvName('monitors', '', 'abc_DEF-123');
  validateKvName('', '', 'manager');
  const bad: [string, string, string][] = [
    ['a/b', '', 'k'],
    ['ns', '', 'k.json'],
    ['', 'sub', 'k'],
    ['ns', '', ''],
    ['ns', '', 'x'.repeat(121)],
  ];
  for (const [p, s, k] of bad) {
    assert.throws(() => validateKvName(p, s, k), (e: unknown) => e instanceof KVStoreNameError, `${p}/${s}/${k}`);
  }
});

test('moduleLogger tags records with level and module', () => {
  const seen: LogRecord[] = [];
  const log = moduleLogger({ log: (r) => seen.push(r) }, 'gossip');
  log.warn('slow peer', { peerId: new Uint8Array(33) });
  log.error('bad');
  assert.equal(seen.map((r) => [r.level, r.module, r.message]), [
    ['warn', 'gossip', 'slow peer'],
    ['error', 'gossip', 'bad'],
  ]);
  assert.is(seen[0]!.peerId!.length, 33);
});

test.run();
