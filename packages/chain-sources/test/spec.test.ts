/** chainClientFromSpec: `bitcoind:URL` and `esplora:URL`, as a CLI's --chain takes them. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryChain } from '@ln/test-kit';
import { BitcoindRpcClient, ChainSourceError, chainClientFromSpec, EsploraClient } from '../src/index.js';
import { FakeBitcoind } from './support/fake-bitcoind.js';
import { FakeEsplora } from './support/fake-esplora.js';

test('bitcoind:URL with credentials in the URL or the options, esplora:URL', async () => {
  const chain = new MemoryChain();
  chain.mine(2);
  const b = await new FakeBitcoind(chain).start();
  const e = await new FakeEsplora(chain).start();
  try {
    const port = new URL(b.url).port;
    const c1 = chainClientFromSpec(`bitcoind:http://user:pass@127.0.0.1:${port}`);
    assert.instance(c1, BitcoindRpcClient);
    assert.is((await c1.getBestBlock()).height, 2);
    const c2 = chainClientFromSpec(`bitcoind:${b.url}`, { cookie: 'user:pass', timeoutMs: 1000 });
    assert.is((await c2.getBestBlock()).height, 2);
    const c3 = chainClientFromSpec(`esplora:${e.url}`);
    assert.instance(c3, EsploraClient);
    assert.is((await c3.getBestBlock()).height, 2);
  } finally {
    await b.close();
    await e.close();
  }
  for (const bad of ['electrum:tcp://x', 'http://127.0.0.1', 'bitcoind:', 'esplora:not a url']) {
    assert.throws(() => chainClientFromSpec(bad), (x: unknown) => x instanceof ChainSourceError, bad);
  }
});

test.run();
