import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultSecp256k1 } from '@ln/crypto';
import {
  ConsoleLogger, DeterministicEntropySource, FixedFeeEstimator, InjectedWriteFailure, MemoryKVStore, RecordingLogger,
  ScriptedFeeEstimator, formatLogRecord, testNodeKey, testSeed,
} from '@ln/test-kit';

test('fee estimators: fixed (clamped to 253) and scripted per target', () => {
  assert.is(new FixedFeeEstimator(100).getEstSatPer1000Weight('OnChainSweep'), 253);
  assert.is(new FixedFeeEstimator(5000).getEstSatPer1000Weight('AnchorChannelFee'), 5000);
  const s = new ScriptedFeeEstimator({ OnChainSweep: 2000 }, 1000);
  assert.is(s.getEstSatPer1000Weight('OnChainSweep'), 2000);
  assert.is(s.getEstSatPer1000Weight('ChannelCloseMinimum'), 1000);
  s.scale(3);
  assert.is(s.getEstSatPer1000Weight('OnChainSweep'), 6000);
  s.set('OnChainSweep', 1);
  assert.is(s.getEstSatPer1000Weight('OnChainSweep'), 253);
  assert.is(s.calls.length, 4);
});

test('deterministic keys and entropy', () => {
  assert.equal(testSeed(1), testSeed(1));
  assert.not.equal(testSeed(1), testSeed(2));
  const k = testNodeKey('alice');
  assert.equal(defaultSecp256k1().publicKeyCreate(k.secretKey), k.nodeId);
  const a = new DeterministicEntropySource(testSeed('x'));
  const b = new DeterministicEntropySource(testSeed('x'));
  const first = a.getSecureRandomBytes();
  assert.equal(first, b.getSecureRandomBytes());
  assert.not.equal(first, a.getSecureRandomBytes());
});

test('MemoryKVStore: read/write/list/remove with copies and name validation', async () => {
  const s = new MemoryKVStore();
  const v = Uint8Array.of(1, 2, 3);
  await s.write('monitors', '', 'abc', v);
  v[0] = 9;
  assert.equal(await s.read('monitors', '', 'abc'), Uint8Array.of(1, 2, 3));
  await s.write('monitors', 'updates', 'abc_1', Uint8Array.of(4));
  assert.equal(await s.list('monitors', ''), ['abc']);
  assert.equal(await s.list('monitors', 'updates'), ['abc_1']);
  await s.remove('monitors', '', 'abc');
  assert.is(await s.read('monitors', '', 'abc'), undefined);
  assert.throws(() => s.write('bad/ns', '', 'k', v));
  assert.is(s.writes, 3);
});

test('MemoryKVStore: injected failures, held writes, restarts from a snapshot', async () => {
  const s = new MemoryKVStore();
  s.failNextWrites(1);
  let failed = false;
  await s.write('a', '', 'k', Uint8Array.of(1)).catch((e) => (failed = e instanceof InjectedWriteFailure));
  assert.ok(failed);
  assert.is(await s.read('a', '', 'k'), undefined);
  s.holdWrites();
  let done = false;
  const p = s.write('a', '', 'k', Uint8Array.of(2)).then(() => (done = true));
  await Promise.resolve();
  assert.not.ok(done);
  const crashed = s.clone();
  assert.is(await crashed.read('a', '', 'k'), undefined, 'a restart before the write completes does not see it');
  assert.is(s.releaseHeldWrites(), 1);
  await p;
  assert.ok(done);
  assert.equal(await s.read('a', '', 'k'), Uint8Array.of(2));
  s.holdWrites();
  void s.write('a', '', 'k', Uint8Array.of(3));
  assert.is(s.dropHeldWrites(), 1);
  assert.equal(await s.read('a', '', 'k'), Uint8Array.of(2));
});

test('loggers', () => {
  const r = new RecordingLogger();
  r.log({ level: 'warn', module: 'gossip', message: 'stale update', peerId: new Uint8Array(33).fill(2) });
  r.log({ level: 'info', module: 'peer', message: 'connected' });
  assert.is(r.find('stale').length, 1);
  assert.is(r.find(/connected/, 'warn').length, 0);
  assert.is(formatLogRecord(r.records[0]!), 'warn  [gossip] stale update (peer 02020202…)');
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    new ConsoleLogger('warn').log({ level: 'info', module: 'x', message: 'quiet' });
    new ConsoleLogger('warn').log({ level: 'error', module: 'x', message: 'loud' });
  } finally {
    console.log = orig;
  }
  assert.equal(lines, ['error [x] loud']);
});

test.run();
