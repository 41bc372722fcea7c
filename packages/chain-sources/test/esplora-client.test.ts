/** EsploraClient against the REST stand-in on 127.0.0.1 (text/JSON/binary answers, 404s, rejections). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, sha256 } from '@ln/crypto';
import { blockHashFromInternalBytes, txidFromInternalBytes } from '@ln/chain-interfaces';
import { buildLegacyTx, MemoryChain, parseTx } from '@ln/test-kit';
import { ChainSourceError, EsploraClient, isNotFoundError, serializeBlock } from '../src/index.js';
import { FakeEsplora } from './support/fake-esplora.js';

const spk = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(9));

async function withEsplora(fn: (s: FakeEsplora, c: EsploraClient) => Promise<void>, clientOpts: Partial<ConstructorParameters<typeof EsploraClient>[0]> = {}) {
  const s = await new FakeEsplora(new MemoryChain(), { feeEstimates: { '1': 30.5, '6': 12, '144': 1.1 } }).start();
  const c = new EsploraClient({ baseUrl: s.url + '/', timeoutMs: 2000, ...clientOpts });
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

test('every endpoint answers what the MemoryChain holds', () =>
  withEsplora(async ({ chain }, c) => {
    const f = chain.fund(spk, 77_000n);
    chain.mine(2);
    assert.is(await c.getTipHeight(), 2);
    assert.is(bytesToHex(await c.getTipHash()), bytesToHex(chain.tip.hash));
    assert.equal(await c.getBestBlock(), { blockHash: chain.tip.hash, height: 2 });
    for (let h = 0; h <= 2; h++) {
      const hash = await c.getBlockHashAtHeight(h);
      assert.is(bytesToHex(hash), bytesToHex(chain.getHeader(h)!.hash));
      assert.equal((await c.getBlockHeader(hash)).raw, chain.getHeader(h)!.raw);
      if (h > 0) assert.equal(serializeBlock(await c.getBlockRaw(hash)), serializeBlock(chain.getBlock(h)!));
      const st = await c.getBlockStatus(hash);
      assert.equal([st.inBestChain, st.height, st.nextBest && bytesToHex(st.nextBest)], [true, h, h < 2 ? bytesToHex(chain.getHeader(h + 1)!.hash) : undefined]);
    }
    assert.equal(await c.getTxHex(f.outpoint.txid), f.tx);
    assert.equal(await c.getTxStatus(f.outpoint.txid), { confirmed: true, blockHeight: 1, blockHash: chain.getHeader(1)!.hash, blockTime: chain.getHeader(1)!.time });
    assert.equal(await c.getOutspend(f.outpoint.txid, 0), { spent: false });
    const spend = buildLegacyTx([{ outpoint: f.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 70_000n, scriptPubkey: spk }]);
    const txid = await c.postTransaction(spend);
    assert.is(bytesToHex(txid), bytesToHex(parseTx(spend).txid));
    assert.equal(await c.getTxStatus(txid), { confirmed: false });
    const mempoolSpend = await c.getOutspend(f.outpoint.txid, 0);
    assert.equal([mempoolSpend.spent, mempoolSpend.confirmed, mempoolSpend.vin], [true, false, 0]);
    assert.ok(await c.isOutputUnspent(f.outpoint), 'a mempool spend does not count');
    chain.mine(1);
    const confirmedSpend = await c.getOutspend(f.outpoint.txid, 0);
    assert.equal([confirmedSpend.spent, confirmedSpend.confirmed, confirmedSpend.blockHeight, bytesToHex(confirmedSpend.txid!)], [true, true, 3, bytesToHex(txid)]);
    assert.not.ok(await c.isOutputUnspent(f.outpoint));
    assert.equal([...(await c.getFeeEstimates())], [[1, 30.5], [6, 12], [144, 1.1]]);
    assert.equal(await c.fetchFeeRates([{ blocks: 1, mode: 'economical' }, { blocks: 12, mode: 'economical' }, { blocks: 1008, mode: 'conservative' }]), [7625, 3000, 275]);
  }));

test('a stale block reports in_best_chain false; 404s are typed not-found errors', () =>
  withEsplora(async ({ chain }, c) => {
    chain.mine(3);
    const stale = chain.tip.hash;
    chain.reorg(1);
    assert.equal(await c.getBlockStatus(stale), { inBestChain: false });
    const e = await rejection(c.getBlockHashAtHeight(50));
    assert.equal([e.kind, e.status, e.endpoint], ['http', 404, '/block-height/:height']);
    assert.match(e.message, /Block not found/);
    assert.ok(isNotFoundError(e));
    const e2 = await rejection(c.getTxHex(txidFromInternalBytes(sha256(Uint8Array.of(5)))));
    assert.equal([e2.status, /Transaction not found/.test(e2.message)], [404, true]);
    const e3 = await rejection(c.getBlockRaw(blockHashFromInternalBytes(sha256(Uint8Array.of(6)))));
    assert.is(e3.status, 404);
  }));

test('broadcast rejections carry bitcoind\'s code from the 400 body; "already in chain" counts as success', () =>
  withEsplora(async ({ chain }, c) => {
    const f = chain.fund(spk, 10_000n);
    chain.mine(1);
    const e = await rejection(c.postTransaction(f.tx));
    assert.equal([e.kind, e.status, e.rpcCode], ['http', 400, -27]);
    assert.is(bytesToHex(await c.submitTransaction(f.tx)), bytesToHex(f.outpoint.txid));
    const bad = await rejection(c.submitTransaction(Uint8Array.of(0, 1)));
    assert.equal([bad.status, bad.rpcCode], [400, -22]);
  }));

test('getBestBlock retries when the tip moved between the hash and its status', () =>
  withEsplora(async (s, c) => {
    s.chain.mine(4);
    s.server.inject('/block/:hash/status', { kind: 'reply', reply: { status: 200, body: '{"in_best_chain":false}', contentType: 'application/json' } });
    assert.equal((await c.getBestBlock()).height, 4);
    s.server.inject('/block/:hash/status', { kind: 'reply', reply: { status: 200, body: '{"in_best_chain":false}' } }, 3);
    const e = await rejection(c.getBestBlock());
    assert.is(e.kind, 'inconsistent');
  }));

test('malformed answers are typed: text where a number is due, bad hex, bad JSON, truncated block, wrong tx', () =>
  withEsplora(async (s, c) => {
    const f = s.chain.fund(spk, 10_000n);
    s.chain.mine(2);
    const h1 = s.chain.getHeader(1)!.hash;
    const cases: [string, import('./support/http-server.js').Fault, () => Promise<unknown>, ChainSourceError['kind']][] = [
      ['height text', { kind: 'reply', reply: { status: 200, body: 'twelve' } }, () => c.getTipHeight(), 'malformed'],
      ['height huge', { kind: 'reply', reply: { status: 200, body: '99999999999999999' } }, () => c.getTipHeight(), 'malformed'],
      ['hash short', { kind: 'reply', reply: { status: 200, body: 'abcdef' } }, () => c.getTipHash(), 'malformed'],
      ['header odd hex', { kind: 'reply', reply: { status: 200, body: 'abc' } }, () => c.getBlockHeader(h1), 'malformed'],
      ['header of another block', { kind: 'reply', reply: { status: 200, body: bytesToHex(s.chain.getHeader(2)!.raw) } }, () => c.getBlockHeader(h1), 'inconsistent'],
      ['status not JSON', { kind: 'reply', reply: { status: 200, body: '{in_best_chain:true}' } }, () => c.getBlockStatus(h1), 'malformed'],
      ['status without height', { kind: 'reply', reply: { status: 200, body: '{"in_best_chain":true}' } }, () => c.getBlockStatus(h1), 'malformed'],
      ['outspend spent without txid', { kind: 'reply', reply: { status: 200, body: '{"spent":true}' } }, () => c.getOutspend(f.outpoint.txid, 0), 'malformed'],
      ['fee key not a number', { kind: 'reply', reply: { status: 200, body: '{"soon":3}' } }, () => c.getFeeEstimates(), 'malformed'],
      ['fee negative', { kind: 'reply', reply: { status: 200, body: '{"1":-3}' } }, () => c.getFeeEstimates(), 'malformed'],
      ['tx hex of another tx', { kind: 'reply', reply: { status: 200, body: bytesToHex(s.chain.getBlock(1)!.transactions[0]!) } }, () => c.getTxHex(f.outpoint.txid), 'inconsistent'],
      ['block truncated', { kind: 'transform', transform: (r) => ({ ...r, body: (r.body as Uint8Array).subarray(0, 100) }) }, () => c.getBlockRaw(h1), 'malformed'],
      ['block with a flipped tx byte', { kind: 'transform', transform: (r) => { const b = Uint8Array.from(r.body as Uint8Array); b[b.length - 6]! ^= 1; return { ...r, body: b }; } }, () => c.getBlockRaw(h1), 'inconsistent'],
      ['HTTP 503', { kind: 'reply', reply: { status: 503, body: 'Service Unavailable' } }, () => c.getTipHeight(), 'http'],
      ['reset', { kind: 'reset' }, () => c.getTipHeight(), 'network'],
    ];
    for (const [name, fault, call, kind] of cases) {
      s.server.inject(() => true, fault);
      const e = await rejection(call());
      assert.is(e.kind, kind, `${name}: ${e.message}`);
    }
  }));

test('timeouts and oversized bodies', async () => {
  await withEsplora(
    async (s, c) => {
      s.server.inject(() => true, { kind: 'hang' });
      assert.is((await rejection(c.getTipHeight())).kind, 'timeout');
      assert.is(await c.getTipHeight(), 0);
    },
    { timeoutMs: 200 },
  );
  await withEsplora(
    async (s, c) => {
      s.chain.mine(1);
      assert.is((await rejection(c.getBlockRaw(s.chain.tip.hash))).kind, 'malformed');
    },
    { maxResponseBytes: 64 },
  );
  assert.throws(() => new EsploraClient({ baseUrl: '::nope' }), (x: unknown) => x instanceof ChainSourceError);
});

test.run();
