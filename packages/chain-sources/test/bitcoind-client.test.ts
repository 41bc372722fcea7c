/** BitcoindRpcClient against the JSON-RPC stand-in on 127.0.0.1 (1.0 and 2.0 envelopes, auth, errors). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { bytesToHex, sha256 } from '@ln/crypto';
import { blockHashFromInternalBytes, txidFromInternalBytes } from '@ln/chain-interfaces';
import { buildLegacyTx, MemoryChain, parseTx } from '@ln/test-kit';
import { BitcoindRpcClient, ChainSourceError, isNotFoundError, serializeBlock } from '../src/index.js';
import { FakeBitcoind } from './support/fake-bitcoind.js';

const spk = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));

async function withBitcoind(fn: (s: FakeBitcoind, c: BitcoindRpcClient) => Promise<void>, opts: ConstructorParameters<typeof FakeBitcoind>[1] = {}, clientOpts: Partial<ConstructorParameters<typeof BitcoindRpcClient>[0]> = {}) {
  const chain = new MemoryChain();
  const s = await new FakeBitcoind(chain, opts).start();
  const c = new BitcoindRpcClient({ url: s.url, user: opts.user ?? 'user', password: opts.password ?? 'pass', timeoutMs: 2000, ...clientOpts });
  try {
    await fn(s, c);
  } finally {
    await s.close();
  }
}

async function rejection(p: Promise<unknown>): Promise<ChainSourceError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.instance(e, ChainSourceError, `expected a ChainSourceError, got ${String(e)}`);
  return e as ChainSourceError;
}

for (const version of ['1.0', '2.0'] as const) {
  test(`JSON-RPC ${version}: every method answers what the MemoryChain holds`, () =>
    withBitcoind(
      async ({ chain }, c) => {
        const f = chain.fund(spk, 123_456_789n);
        chain.mine(3);
        const info = await c.getBlockchainInfo();
        assert.equal([info.chain, info.blocks, info.headers, bytesToHex(info.bestBlockHash), info.initialBlockDownload], ['regtest', 3, 3, bytesToHex(chain.tip.hash), false]);
        const best = await c.getBestBlock();
        assert.is(best.height, 3);
        for (let h = 0; h <= 3; h++) {
          const hash = await c.getBlockHash(h);
          assert.is(bytesToHex(hash), bytesToHex(chain.getHeader(h)!.hash));
          assert.equal((await c.getBlockHeader(hash)).raw, chain.getHeader(h)!.raw);
          if (h > 0) assert.equal(serializeBlock(await c.getBlock(hash)), serializeBlock(chain.getBlock(h)!));
        }
        assert.equal(await c.getRawTransaction(f.outpoint.txid), f.tx);
        const out = await c.getTxOut(f.outpoint.txid, 0);
        assert.ok(out);
        assert.equal([out!.valueSat, bytesToHex(out!.scriptPubkey), out!.confirmations, out!.coinbase], [123_456_789n, bytesToHex(spk), 3, false]);
        assert.is(bytesToHex(out!.bestBlock), bytesToHex(chain.tip.hash));
        const coinbase = parseTx(chain.getBlock(1)!.transactions[0]!).txid;
        assert.is((await c.getTxOut(coinbase, 0))!.coinbase, true);
        const spend = buildLegacyTx([{ outpoint: f.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 123_000_000n, scriptPubkey: spk }]);
        const txid = await c.sendRawTransaction(spend);
        assert.is(bytesToHex(txid), bytesToHex(parseTx(spend).txid));
        assert.ok(chain.mempoolTxids().some((t) => bytesToHex(t) === bytesToHex(txid)));
        chain.mine(1);
        assert.is(await c.getTxOut(f.outpoint.txid, 0), undefined, 'spent: gettxout null');
        const est = await c.estimateSmartFee(6, 'conservative');
        assert.equal(est, { blocks: 6, errors: [], satPerKw: 5000 });
        const none = await c.estimateSmartFee(2);
        assert.equal(none, { blocks: 0, errors: ['Insufficient data or no feerate found'] });
      },
      { feerate: (b, mode) => (b === 6 && mode === 'CONSERVATIVE' ? 0.0002 : undefined) },
      { jsonRpcVersion: version },
    ));

  test(`JSON-RPC ${version}: RPC errors carry code and message (HTTP 500/404 in 1.0, 200 in 2.0)`, () =>
    withBitcoind(
      async ({ chain }, c) => {
        chain.mine(1);
        const e1 = await rejection(c.getBlockHash(99));
        assert.equal([e1.kind, e1.rpcCode, e1.status, e1.endpoint], ['rpc', -8, version === '2.0' ? 200 : 500, 'getblockhash']);
        assert.match(e1.message, /Block height out of range/);
        assert.ok(isNotFoundError(e1));
        const e2 = await rejection(c.getBlockHeader(blockHashFromInternalBytes(sha256(Uint8Array.of(1)))));
        assert.equal([e2.kind, e2.rpcCode], ['rpc', -5]);
        const e3 = await rejection(c.call('nosuchmethod'));
        assert.equal([e3.kind, e3.rpcCode, e3.status], ['rpc', -32601, version === '2.0' ? 200 : 404]);
        const e4 = await rejection(c.getRawTransaction(txidFromInternalBytes(new Uint8Array(32))));
        assert.equal([e4.kind, e4.rpcCode], ['rpc', -5]);
        const e5 = await rejection(c.sendRawTransaction(Uint8Array.of(1, 2, 3)));
        assert.equal([e5.kind, e5.rpcCode], ['rpc', -22]);
      },
      {},
      { jsonRpcVersion: version },
    ));
}

test('a pre-v28 bitcoind answers 2.0 requests with 1.0 envelopes; both decode', () =>
  withBitcoind(
    async ({ chain }, c) => {
      chain.mine(2);
      assert.is((await c.getBestBlock()).height, 2);
      const e = await rejection(c.getBlockHash(5));
      assert.equal([e.kind, e.rpcCode, e.status], ['rpc', -8, 500]);
    },
    { legacyOnly: true },
    { jsonRpcVersion: '2.0' },
  ));

test('basic auth: user/password, cookie file contents, credentials in the URL; wrong ones are HTTP 401', async () => {
  const chain = new MemoryChain();
  const s = await new FakeBitcoind(chain, { user: '__cookie__', password: 'd2f1c0ffee' }).start();
  try {
    const port = new URL(s.url).port;
    const ok = [
      new BitcoindRpcClient({ url: s.url, user: '__cookie__', password: 'd2f1c0ffee' }),
      new BitcoindRpcClient({ url: s.url, cookie: '__cookie__:d2f1c0ffee\n' }),
      new BitcoindRpcClient({ url: `http://__cookie__:d2f1c0ffee@127.0.0.1:${port}/` }),
    ];
    for (const c of ok) assert.is((await c.getBlockchainInfo()).chain, 'regtest');
    for (const c of [new BitcoindRpcClient({ url: s.url, user: '__cookie__', password: 'wrong' }), new BitcoindRpcClient({ url: s.url })]) {
      const e = await rejection(c.getBlockchainInfo());
      assert.equal([e.kind, e.status], ['http', 401]);
      assert.match(e.message, /unauthorized/);
    }
  } finally {
    await s.close();
  }
});

test('malformed answers: non-JSON, wrong id, bad error object, wrong result type, wrong hash, oversized', () =>
  withBitcoind(async (s, c) => {
    s.chain.mine(2);
    const cases: [string, import('./support/http-server.js').Fault, () => Promise<unknown>, ChainSourceError['kind']][] = [
      ['HTML 500', { kind: 'reply', reply: { status: 500, body: '<html>Internal error</html>', contentType: 'text/html' } }, () => c.getBlockchainInfo(), 'http'],
      ['plain 200', { kind: 'reply', reply: { status: 200, body: 'hello' } }, () => c.getBlockchainInfo(), 'malformed'],
      ['JSON array', { kind: 'reply', reply: { status: 200, body: '[1,2]' } }, () => c.getBlockchainInfo(), 'malformed'],
      ['wrong id', { kind: 'transform', transform: (r) => ({ ...r, body: String(r.body).replace(/"id":\d+/, '"id":999999') }) }, () => c.getBlockchainInfo(), 'malformed'],
      ['error is a string', { kind: 'reply', reply: { status: 500, body: '{"result":null,"error":"boom","id":null}' } }, () => c.getBlockchainInfo(), 'malformed'],
      ['no result', { kind: 'reply', reply: { status: 200, body: '{"jsonrpc":"2.0","id":null}' } }, () => c.getBlockchainInfo(), 'malformed'],
      ['blocks negative', { kind: 'transform', transform: (r) => ({ ...r, body: String(r.body).replace(/"blocks":\d+/, '"blocks":-1') }) }, () => c.getBlockchainInfo(), 'malformed'],
      ['hash not hex', { kind: 'transform', transform: (r) => ({ ...r, body: String(r.body).replace(/"result":"[0-9a-f]+"/, '"result":"zz"') }) }, () => c.getBlockHash(1), 'malformed'],
      ['header of another block', { kind: 'transform', transform: (r) => ({ ...r, body: JSON.stringify({ result: bytesToHex(s.chain.getHeader(2)!.raw), error: null, id: JSON.parse(String(r.body)).id }) }) }, async () => c.getBlockHeader(s.chain.getHeader(1)!.hash), 'inconsistent'],
      ['header too short', { kind: 'transform', transform: (r) => ({ ...r, body: JSON.stringify({ result: 'abcd', error: null, id: JSON.parse(String(r.body)).id }) }) }, async () => c.getBlockHeader(s.chain.getHeader(1)!.hash), 'malformed'],
      ['txout value not a number', { kind: 'transform', transform: (r) => ({ ...r, body: String(r.body).replace(/"value":[0-9.e-]+/, '"value":"1"') }) }, async () => c.getTxOut(parseTx(s.chain.getBlock(1)!.transactions[0]!).txid, 0), 'malformed'],
      ['feerate NaN-ish', { kind: 'reply', reply: { status: 200, body: '{"result":{"feerate":"0.1","blocks":2},"error":null,"id":null}' } }, () => c.estimateSmartFee(2), 'malformed'],
      ['connection reset', { kind: 'reset' }, () => c.getBlockchainInfo(), 'network'],
    ];
    for (const [name, fault, call, kind] of cases) {
      s.server.inject(() => true, fault);
      const e = await rejection(call());
      assert.is(e.kind, kind, `${name}: ${e.message}`);
    }
    assert.is(s.server.pendingFaults, 0);
  }));

test('timeouts, refused connections and oversized responses are typed', async () => {
  await withBitcoind(
    async (s, c) => {
      s.server.inject(() => true, { kind: 'hang' });
      const t0 = Date.now();
      const e = await rejection(c.getBlockchainInfo());
      assert.is(e.kind, 'timeout');
      assert.ok(Date.now() - t0 >= 190 && Date.now() - t0 < 2000, `timed out after ${Date.now() - t0} ms`);
      assert.is((await c.getBlockchainInfo()).chain, 'regtest', 'the client works after a timeout');
    },
    {},
    { timeoutMs: 200 },
  );
  await withBitcoind(
    async (s, c) => {
      s.chain.mine(1);
      const e = await rejection(c.getBlock(s.chain.tip.hash));
      assert.equal([e.kind, /limit/.test(e.message)], ['malformed', true]);
    },
    {},
    { maxResponseBytes: 100 },
  );
  const port = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const e = await rejection(new BitcoindRpcClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).getBlockchainInfo());
  assert.is(e.kind, 'network');
  assert.throws(() => new BitcoindRpcClient({ url: 'not a url' }), (x: unknown) => x instanceof ChainSourceError);
});

test('a caller-provided fetch (a proxy, a wrapper, a test double) is used for every request', async () => {
  const urls: string[] = [];
  await withBitcoind(
    async ({ chain }, c) => {
      chain.mine(1);
      assert.is((await c.getBestBlock()).height, 1);
      await c.getBlock(chain.tip.hash);
      assert.is(urls.length, 2);
      assert.not.match(urls[0]!, /@/, 'credentials go in the Authorization header, not the URL');
    },
    {},
    { fetch: (url, init) => (urls.push(url), fetch(url, init)) },
  );
});

test('submitTransaction treats "already in chain" as success and passes other rejections on', () =>
  withBitcoind(async ({ chain }, c) => {
    const f = chain.fund(spk, 10_000n);
    chain.mine(1);
    assert.is(bytesToHex(await c.submitTransaction(f.tx)), bytesToHex(f.outpoint.txid));
    const e = await rejection(c.sendRawTransaction(f.tx));
    assert.equal([e.kind, e.rpcCode], ['rpc', -27]);
    const missing = buildLegacyTx([{ outpoint: { txid: txidFromInternalBytes(sha256(Uint8Array.of(3))), vout: 0 }, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 1n, scriptPubkey: spk }]);
    const e2 = await rejection(c.submitTransaction(missing));
    assert.equal([e2.kind, e2.rpcCode], ['rpc', -25]);
  }));

test('maxFeeRate reaches sendrawtransaction as its second parameter', () =>
  withBitcoind(
    async (s, c) => {
      const f = s.chain.fund(spk, 10_000n);
      s.chain.mine(1);
      const tx = buildLegacyTx([{ outpoint: f.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 9_000n, scriptPubkey: spk }]);
      await c.submitTransaction(tx);
      await c.sendRawTransaction(tx);
      assert.equal(s.maxFeeRates, [0, undefined]);
    },
    {},
    { maxFeeRate: 0 },
  ));

test.run();
