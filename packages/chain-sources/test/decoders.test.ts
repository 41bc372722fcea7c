/**
 * Properties and fuzzing of every decoder of untrusted responses: bitcoind's JSON-RPC envelopes
 * and results, Esplora's text and JSON. Round trips of the documented shapes, unit conversions,
 * and random text/JSON values that must throw only ChainSourceError.
 * `npm run fuzz` for a long run (FUZZ_RUNS=20000 by default there).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bytesToHex } from '@ln/crypto';
import { blockHashToHex, txidToHex, type BlockHash, type Txid } from '@ln/chain-interfaces';
import {
  btcPerKvbToSatPerKw, ChainSourceError, decodeBlockchainInfo, decodeBlockStatus, decodeFeeEstimates, decodeOutspend, decodeRpcEnvelope,
  decodeSmartFee, decodeTxOut, decodeTxStatus, pickEsploraEstimate, satPerVbToSatPerKw,
} from '../src/index.js';
import { expectDecimalText, expectHex } from '../src/decode.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 0) || 500;

const onlyTyped = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ChainSourceError)) throw e;
  }
};

const arbHash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const arbJson = fc.jsonValue();
/** Text that is JSON sometimes, broken JSON other times, and arbitrary strings the rest. */
const arbText = fc.oneof(
  fc.string({ maxLength: 200 }),
  arbJson.map((v) => JSON.stringify(v)),
  arbJson.map((v) => JSON.stringify(v).slice(0, -1)),
  fc.constantFrom('', 'null', '{}', '[]', '{"result":', '{"error":{"code":"x"}}', '{"result":null,"error":null}', '\u0000', '1e999', '-0', '{"__proto__":{"result":1}}'),
);

test('property: JSON-RPC 1.0 and 2.0 envelopes round-trip results and RPC errors', () => {
  fc.assert(
    fc.property(arbJson, fc.integer({ min: 1, max: 1e9 }), fc.boolean(), (result, id, v2) => {
      const body = v2 ? { jsonrpc: '2.0', result, id } : { result, error: null, id };
      assert.equal(decodeRpcEnvelope(200, JSON.stringify(body), id, 'm'), result);
    }),
    { numRuns: RUNS, seed: 1 },
  );
  fc.assert(
    fc.property(fc.integer({ min: -40000, max: 40000 }), fc.string({ maxLength: 60 }), fc.constantFrom(200, 404, 500), fc.boolean(), (code, message, status, v2) => {
      const error = { code, message };
      const body = v2 ? { jsonrpc: '2.0', error, id: 7 } : { result: null, error, id: 7 };
      try {
        decodeRpcEnvelope(status, JSON.stringify(body), 7, 'm');
        assert.unreachable();
      } catch (e) {
        assert.instance(e, ChainSourceError);
        assert.equal([(e as ChainSourceError).kind, (e as ChainSourceError).rpcCode, (e as ChainSourceError).status], ['rpc', code, status]);
      }
    }),
    { numRuns: RUNS, seed: 2 },
  );
});

test('fuzz: envelopes of any status and text throw only ChainSourceError', () => {
  fc.assert(
    fc.property(fc.integer({ min: 100, max: 599 }), arbText, (status, text) => onlyTyped(() => decodeRpcEnvelope(status, text, 1, 'm'))),
    { numRuns: RUNS * 4, seed: 3 },
  );
});

test('property: getblockchaininfo, gettxout and estimatesmartfee results decode as bitcoind writes them', () => {
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), arbHash, fc.boolean(), (blocks, hash, ibd) => {
      const hex = blockHashToHex(hash as BlockHash);
      const info = decodeBlockchainInfo({ chain: 'main', blocks, headers: blocks, bestblockhash: hex, initialblockdownload: ibd, difficulty: 1, warnings: '' });
      assert.equal([info.blocks, blockHashToHex(info.bestBlockHash), info.initialBlockDownload], [blocks, hex, ibd]);
    }),
    { numRuns: RUNS, seed: 4 },
  );
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), fc.uint8Array({ maxLength: 100 }), fc.nat({ max: 1e6 }), arbHash, (sat, spk, conf, best) => {
      // bitcoind prints amounts with 8 decimals; JSON.parse of that text is what the client sees.
      const text = `{"bestblock":"${blockHashToHex(best as BlockHash)}","confirmations":${conf},"value":${(sat / 100_000_000n).toString()}.${(sat % 100_000_000n).toString().padStart(8, '0')},"scriptPubKey":{"hex":"${bytesToHex(spk)}","type":"nonstandard"},"coinbase":false}`;
      const out = decodeTxOut(JSON.parse(text))!;
      assert.is(out.valueSat, sat);
      assert.equal([bytesToHex(out.scriptPubkey), out.confirmations], [bytesToHex(spk), conf]);
    }),
    { numRuns: RUNS, seed: 5 },
  );
  assert.is(decodeTxOut(null), undefined);
  fc.assert(
    fc.property(fc.nat({ max: 10_000_000_000 }), fc.integer({ min: 1, max: 1008 }), (satPerKvb, blocks) => {
      const text = `{"feerate":${(satPerKvb / 1e8).toFixed(8)},"blocks":${blocks}}`;
      const est = decodeSmartFee(JSON.parse(text));
      assert.is(est.blocks, blocks);
      if (satPerKvb === 0) assert.is(est.satPerKw, undefined);
      else assert.is(est.satPerKw, Math.ceil(satPerKvb / 4), `${text}`);
    }),
    { numRuns: RUNS, seed: 6 },
  );
  assert.is(btcPerKvbToSatPerKw(0.00001), 250, '1 sat/vB is exactly 250 sat/kw');
  assert.is(btcPerKvbToSatPerKw(0.00001012), 253);
});

test('fuzz: bitcoind result decoders throw only ChainSourceError on any JSON value', () => {
  const withShapes = fc.oneof(
    fc.anything(),
    arbJson,
    fc.record({ chain: fc.anything(), blocks: fc.anything(), headers: fc.anything(), bestblockhash: fc.anything(), initialblockdownload: fc.anything() }),
    fc.record({ value: fc.anything(), scriptPubKey: fc.oneof(fc.anything(), fc.record({ hex: fc.anything() })), confirmations: fc.anything(), bestblock: fc.anything(), coinbase: fc.anything() }),
    fc.record({ feerate: fc.anything(), blocks: fc.anything(), errors: fc.anything() }),
  );
  fc.assert(
    fc.property(withShapes, (v) => {
      onlyTyped(() => decodeBlockchainInfo(v));
      onlyTyped(() => decodeTxOut(v));
      onlyTyped(() => decodeSmartFee(v));
    }),
    { numRuns: RUNS * 4, seed: 7 },
  );
});

test('property: Esplora statuses, outspends and fee tables round-trip', () => {
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), fc.option(arbHash, { nil: undefined }), (height, next) => {
      const text = JSON.stringify({ in_best_chain: true, height, next_best: next ? blockHashToHex(next as BlockHash) : null });
      const s = decodeBlockStatus(text);
      assert.equal([s.inBestChain, s.height, s.nextBest && bytesToHex(s.nextBest)], [true, height, next && bytesToHex(next)]);
    }),
    { numRuns: RUNS, seed: 8 },
  );
  fc.assert(
    fc.property(arbHash, fc.nat({ max: 0xffffffff }), arbHash, fc.nat({ max: 1e7 }), fc.boolean(), (txid, vin, block, height, confirmed) => {
      const status = confirmed ? { confirmed, block_height: height, block_hash: blockHashToHex(block as BlockHash), block_time: 1 } : { confirmed };
      const o = decodeOutspend(JSON.stringify({ spent: true, txid: txidToHex(txid as Txid), vin, status }));
      assert.equal([o.spent, bytesToHex(o.txid!), o.vin, o.confirmed, o.blockHeight], [true, bytesToHex(txid), vin, confirmed, confirmed ? height : undefined]);
      const st = decodeTxStatus(JSON.stringify(status));
      assert.equal([st.confirmed, st.blockHeight], [confirmed, confirmed ? height : undefined]);
    }),
    { numRuns: RUNS, seed: 9 },
  );
  fc.assert(
    fc.property(fc.dictionary(fc.integer({ min: 1, max: 1008 }).map(String), fc.integer({ min: 0, max: 10_000_000 }).map((k) => k / 1000)), (table) => {
      const m = decodeFeeEstimates(JSON.stringify(table));
      assert.equal([...m].map(([k, v]) => [String(k), v]), Object.entries(table).sort((a, b) => Number(a[0]) - Number(b[0])));
      const keys = [...m.keys()];
      assert.ok(keys.every((k, i) => i === 0 || keys[i - 1]! < k), 'sorted by target');
      for (const blocks of [1, 6, 12, 144, 1008]) {
        const picked = pickEsploraEstimate(m, blocks);
        const atOrBelow = keys.filter((k) => k <= blocks);
        const expect = atOrBelow.length ? m.get(atOrBelow[atOrBelow.length - 1]!) : keys.length ? m.get(keys[0]!) : undefined;
        assert.is(picked, expect);
      }
    }),
    { numRuns: RUNS, seed: 10 },
  );
  fc.assert(
    fc.property(fc.nat({ max: 100_000_000 }), (k) => {
      // Esplora's sat/vB with up to 3 decimals: k/1000 sat/vB is exactly k/4 sat/kw, rounded up.
      assert.is(satPerVbToSatPerKw(k / 1000), Math.ceil(k / 4));
    }),
    { numRuns: RUNS, seed: 11 },
  );
});

test('fuzz: Esplora decoders throw only ChainSourceError on any text', () => {
  const shaped = fc.oneof(
    arbText,
    fc.record({ in_best_chain: fc.anything(), height: fc.anything(), next_best: fc.anything() }).map((v) => JSON.stringify(v) ?? ''),
    fc.record({ spent: fc.anything(), txid: fc.anything(), vin: fc.anything(), status: fc.anything() }).map((v) => JSON.stringify(v) ?? ''),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.anything()).map((v) => JSON.stringify(v) ?? ''),
  );
  fc.assert(
    fc.property(shaped, (text) => {
      onlyTyped(() => decodeBlockStatus(text));
      onlyTyped(() => decodeTxStatus(text));
      onlyTyped(() => decodeOutspend(text));
      onlyTyped(() => decodeFeeEstimates(text));
      onlyTyped(() => expectDecimalText(text, 'e', 'height'));
      onlyTyped(() => expectHex(text, 'e', 'hex', 80));
    }),
    { numRuns: RUNS * 4, seed: 12 },
  );
});

test.run();
