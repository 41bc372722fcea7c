/** Runs the README's example (examples/poll-bitcoind.ts) against the bitcoind stand-in on 127.0.0.1. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryChain } from '@ln/test-kit';
import { pollBitcoind } from '../examples/poll-bitcoind.js';
import { FakeBitcoind } from './support/fake-bitcoind.js';

test('the README example polls a bitcoind into a Listen', async () => {
  const chain = new MemoryChain();
  chain.fund(Uint8Array.of(0x51), 1000n);
  chain.mine(3);
  const s = await new FakeBitcoind(chain, { feerate: (b) => (b === 6 ? 0.0002 : undefined) }).start();
  try {
    const lines: string[] = [];
    const { poller, result } = await pollBitcoind(s.url, 'user', 'pass', (l) => lines.push(l));
    assert.equal(lines, ['connected 1 (2 txs)', 'connected 2 (1 txs)', 'connected 3 (1 txs)', 'tip 3, 3 blocks connected, sweep feerate 5000 sat/kw']);
    assert.ok(result.upToDate);
    chain.reorg(1);
    await poller.poll();
    assert.equal(lines.slice(4), ['disconnected 3', 'connected 3 (1 txs)', 'connected 4 (1 txs)']);
  } finally {
    await s.close();
  }
});

test.run();
