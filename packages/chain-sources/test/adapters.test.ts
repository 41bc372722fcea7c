/**
 * ChainBroadcaster, ChainFeeEstimator and ChainUtxoLookup over both clients, against the
 * 127.0.0.1 stand-ins backed by a MemoryChain (the MemoryChain's own UtxoLookup is the oracle).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, sha256 } from '@ln/crypto';
import { CONFIRMATION_TARGETS, FEERATE_FLOOR_SATS_PER_KW, type ConfirmationTarget, type UtxoResult } from '@ln/chain-interfaces';
import { buildLegacyTx, parseTx, testNodeKey } from '@ln/test-kit';
import { fundingScript, p2wsh as p2wshOf } from '@ln/transactions';
import {
  ChainBroadcaster, ChainFeeEstimator, ChainSourceError, ChainUtxoLookup, FEE_TARGET_MAP, parentsFirst, type BroadcastResult,
} from '../src/index.js';
import { KINDS, startRig, type Rig } from './support/setup.js';

const p2wsh = (n: number) => Uint8Array.of(0x00, 0x20, ...sha256(Uint8Array.of(n, 0xaa)));
const spend = (outpoint: { txid: never; vout: number } | { txid: import('@ln/chain-interfaces').Txid; vout: number }, valueSat: bigint, n: number) =>
  buildLegacyTx([{ outpoint: outpoint as never, scriptSig: Uint8Array.of(0x51) }], [{ valueSat, scriptPubkey: p2wsh(n) }]);

/** bitcoind estimatesmartfee table in BTC/kvB (50, 20, 10, 2 and 1 sat/vB). */
const BTC_PER_KVB: Record<number, number> = { 1: 0.0005, 6: 0.0002, 12: 0.0001, 144: 0.00002, 1008: 0.00001 };
/** Esplora /fee-estimates in sat/vB, as the real API lists them (1-25, 144, 504, 1008). */
const ESPLORA_TABLE: Record<string, number> = { '1': 50, '2': 40, '3': 30, '6': 20, '12': 10, '25': 5, '144': 2, '504': 1.5, '1008': 1.027 };

const EXPECTED: Record<'bitcoind' | 'esplora', Record<ConfirmationTarget, number>> = {
  bitcoind: {
    OnChainSweep: 5000, // 6 blocks: 20 sat/vB = 5000 sat/kw
    MaximumFeeEstimate: 125_000, // 10 x 1 block (12,500)
    MinAllowedAnchorChannelRemoteFee: 253, // 1008 blocks: 250 -> floor
    MinAllowedNonAnchorChannelRemoteFee: 253, // 144: 500 - 250 = 250 -> floor
    AnchorChannelFee: 253, // 1008: 250 -> floor
    NonAnchorChannelFee: 2500, // 12 blocks
    ChannelCloseMinimum: 500, // 144 blocks
    OutputSpendingFee: 2500, // 12 blocks
  },
  esplora: {
    OnChainSweep: 5000,
    MaximumFeeEstimate: 125_000,
    MinAllowedAnchorChannelRemoteFee: 257, // 1.027 sat/vB x 250 = 256.75 -> 257
    MinAllowedNonAnchorChannelRemoteFee: 253,
    AnchorChannelFee: 257,
    NonAnchorChannelFee: 2500,
    ChannelCloseMinimum: 500,
    OutputSpendingFee: 2500,
  },
};

for (const kind of KINDS) {
  const withRig = async (fn: (rig: Rig) => Promise<void>, opts?: Parameters<typeof startRig>[1]) => {
    const rig = await startRig(kind, opts);
    try {
      await fn(rig);
    } finally {
      await rig.close();
    }
  };

  test(`${kind}: broadcast reaches the MemoryChain mempool, children after parents, re-broadcasts are harmless`, () =>
    withRig(async ({ chain, client }) => {
      const funded = chain.fund(p2wsh(1), 1_000_000n);
      chain.mine(1);
      const parent = spend(funded.outpoint, 990_000n, 2);
      const parentTxid = parseTx(parent).txid;
      const child = spend({ txid: parentTxid, vout: 0 }, 980_000n, 3);
      const results: BroadcastResult[] = [];
      const b = new ChainBroadcaster(client, { onResult: (r) => results.push(r) });
      b.broadcastTransactions([child, parent]); // given child first: the broadcaster reorders
      assert.is(b.pending, 2);
      await b.flush();
      assert.is(b.pending, 0);
      assert.equal(results.map((r) => r.error), [undefined, undefined]);
      assert.equal(results.map((r) => bytesToHex(r.tx)), [bytesToHex(parent), bytesToHex(child)]);
      const mempool = chain.mempoolTxids().map(bytesToHex);
      assert.ok(mempool.includes(bytesToHex(parentTxid)));
      assert.ok(mempool.includes(bytesToHex(parseTx(child).txid)));
      chain.mine(1);
      b.broadcastTransactions([parent]); // already in the chain: counts as success
      await b.flush();
      assert.is(bytesToHex(results[2]!.txid!), bytesToHex(parentTxid));
      assert.is(results[2]!.error, undefined);
    }));

  test(`${kind}: a refused broadcast is reported as a typed error and never thrown`, () =>
    withRig(async ({ chain, client, http }) => {
      const funded = chain.fund(p2wsh(4), 500_000n);
      chain.mine(1);
      const a = spend(funded.outpoint, 490_000n, 5);
      const conflicting = spend(funded.outpoint, 495_000n, 6); // lower fee than `a`: not a replacement
      const results: BroadcastResult[] = [];
      const b = new ChainBroadcaster(client, { onResult: (r) => results.push(r) });
      b.broadcastTransactions([a]);
      b.broadcastTransactions([conflicting]);
      await b.flush();
      http.inject(/./, { kind: 'reply', reply: { status: 502, body: 'Bad Gateway' } });
      b.broadcastTransactions([spend(funded.outpoint, 480_000n, 7)]);
      await b.flush();
      assert.is(results.length, 3);
      assert.is(results[0]!.error, undefined);
      assert.instance(results[1]!.error, ChainSourceError);
      const e1 = results[1]!.error as ChainSourceError;
      if (kind === 'bitcoind') assert.equal([e1.kind, e1.rpcCode], ['rpc', -26]);
      else assert.equal([e1.kind, e1.status, e1.rpcCode], ['http', 400, -26]);
      assert.equal([(results[2]!.error as ChainSourceError).kind, (results[2]!.error as ChainSourceError).status], ['http', 502]);
    }));

  test(`${kind}: fee estimates are mapped per ConfirmationTarget, in sat/kw, floored at 253`, () =>
    withRig(
      async ({ client }) => {
        const fees = new ChainFeeEstimator(client);
        for (const t of CONFIRMATION_TARGETS) assert.is(fees.getEstSatPer1000Weight(t), FEE_TARGET_MAP[t].fallbackSatPerKw < 253 ? 253 : FEE_TARGET_MAP[t].fallbackSatPerKw, `${t} before refresh`);
        await fees.refresh();
        const got = Object.fromEntries(CONFIRMATION_TARGETS.map((t) => [t, fees.getEstSatPer1000Weight(t)]));
        assert.equal(got, EXPECTED[kind]);
        for (const t of CONFIRMATION_TARGETS) {
          assert.ok(fees.getEstSatPer1000Weight(t) >= FEERATE_FLOOR_SATS_PER_KW);
          assert.is(fees.originOf(t), 'estimate');
        }
      },
      {
        bitcoind: { feerate: (blocks) => BTC_PER_KVB[blocks] },
        esplora: { feeEstimates: ESPLORA_TABLE },
      },
    ));

  test(`${kind}: no estimate (regtest) falls back; a failing refresh keeps the cache and rethrows`, () =>
    withRig(async ({ client, http, bitcoind, esplora }) => {
      const fees = new ChainFeeEstimator(client, { fallbackSatPerKw: { NonAnchorChannelFee: 3000, ChannelCloseMinimum: 100 } });
      await fees.refresh();
      assert.is(fees.getEstSatPer1000Weight('NonAnchorChannelFee'), 3000);
      assert.is(fees.getEstSatPer1000Weight('ChannelCloseMinimum'), 253, 'fallbacks are floored too');
      assert.is(fees.getEstSatPer1000Weight('OnChainSweep'), 5000);
      assert.is(fees.originOf('OnChainSweep'), 'fallback');
      if (bitcoind) bitcoind.opts.feerate = (blocks) => BTC_PER_KVB[blocks];
      if (esplora) esplora.opts.feeEstimates = ESPLORA_TABLE;
      await fees.refresh();
      assert.is(fees.getEstSatPer1000Weight('NonAnchorChannelFee'), 2500);
      // The source loses its estimates (bitcoind restarted): the last estimates stay.
      if (bitcoind) bitcoind.opts.feerate = () => undefined;
      if (esplora) esplora.opts.feeEstimates = {};
      await fees.refresh();
      assert.equal([fees.getEstSatPer1000Weight('NonAnchorChannelFee'), fees.originOf('NonAnchorChannelFee')], [2500, 'estimate']);
      http.inject(/./, { kind: 'reply', reply: { status: 500, body: 'down' } }, 100);
      const e = await fees.refresh().catch((x: unknown) => x);
      assert.instance(e, ChainSourceError);
      assert.is(fees.getEstSatPer1000Weight('NonAnchorChannelFee'), 2500, 'cache kept');
    }));

  test(`${kind}: UTXO lookup of a real funding output by short channel id, unspent then spent`, () =>
    withRig(async ({ chain, client }) => {
      chain.mine(3);
      // Real BOLT 3 funding outputs: P2WSH of the 2-of-2 of two funding pubkeys, as gossip checks them.
      const fundingSpk = (a: number, b: number) => p2wshOf(fundingScript(testNodeKey(a).nodeId, testNodeKey(b).nodeId));
      const fundings = [chain.fund(fundingSpk(1, 2), 2_000_000n), chain.fund(fundingSpk(3, 4), 3_000_000n)];
      chain.mine(1);
      const lookup = new ChainUtxoLookup(client);
      for (const f of fundings) {
        const scid = chain.shortChannelIdOf(f.outpoint)!;
        const r = await lookup.getUtxo(chain.chainHash, scid);
        assert.ok(r.ok);
        const oracle = chain.getUtxo(chain.chainHash, scid) as Extract<UtxoResult, { ok: true }>;
        if (r.ok) {
          assert.is(r.output.valueSat, oracle.output.valueSat);
          assert.equal(r.output.scriptPubkey, oracle.output.scriptPubkey);
          assert.equal(r.output.scriptPubkey, fundings.indexOf(f) === 0 ? fundingSpk(1, 2) : fundingSpk(3, 4));
          assert.is(bytesToHex(r.outpoint!.txid), bytesToHex(f.outpoint.txid));
          assert.is(r.outpoint!.vout, 0);
        }
      }
      const scid0 = chain.shortChannelIdOf(fundings[0]!.outpoint)!;
      chain.mine(1, { txs: [spend(fundings[0]!.outpoint, 1_990_000n, 12)] });
      assert.equal(await lookup.getUtxo(chain.chainHash, scid0), { ok: false, error: 'UnknownTx' });
      assert.equal(chain.getUtxo(chain.chainHash, scid0), { ok: false, error: 'UnknownTx' });
      // A spend still in the mempool does not make it spent (BOLT 7 checks the chain).
      const scid1 = chain.shortChannelIdOf(fundings[1]!.outpoint)!;
      assert.ok(chain.submitToMempool(spend(fundings[1]!.outpoint, 2_990_000n, 13)).ok);
      assert.ok((await lookup.getUtxo(chain.chainHash, scid1)).ok);
    }));

  test(`${kind}: UTXO lookup answers UnknownChain / UnknownTx and never throws`, () =>
    withRig(async ({ chain, client, http }) => {
      const f = chain.fund(p2wsh(20), 1_000_000n);
      chain.mine(2);
      const lookup = new ChainUtxoLookup(client);
      const scid = chain.shortChannelIdOf(f.outpoint)!;
      assert.equal(await lookup.getUtxo(sha256(Uint8Array.of(9)), scid), { ok: false, error: 'UnknownChain' });
      const cases = [
        (99n << 40n) | (1n << 16n), // no such block
        (1n << 40n) | (7n << 16n), // no such transaction in the block
        scid + 3n, // no such output
        (1n << 40n) | (0n << 16n) | 0n, // the coinbase: unspent, so found
      ];
      const got = await Promise.all(cases.map((c) => lookup.getUtxo(chain.chainHash, c)));
      assert.equal(got.map((r) => (r.ok ? 'ok' : r.error)), ['UnknownTx', 'UnknownTx', 'UnknownTx', 'ok']);
      assert.equal(got.map((r) => r.ok), cases.map((c) => chain.getUtxo(chain.chainHash, c).ok), 'agrees with MemoryChain');
      http.inject(/./, { kind: 'reply', reply: { status: 500, body: 'down' } });
      const fresh = new ChainUtxoLookup(client);
      assert.equal(await fresh.getUtxo(chain.chainHash, scid), { ok: false, error: 'UnknownTx' });
      assert.ok((await fresh.getUtxo(chain.chainHash, scid)).ok, 'recovers once the source does');
      const pinned = new ChainUtxoLookup(client, { chainHash: chain.chainHash });
      assert.ok((await pinned.getUtxo(chain.chainHash, scid)).ok);
    }));
}

test('parentsFirst orders a batch topologically and keeps unrelated and unparsable transactions in place', () => {
  const root = { txid: parseTx(buildLegacyTx([{ outpoint: { txid: new Uint8Array(32) as never, vout: 5 }, scriptSig: Uint8Array.of(1) }], [{ valueSat: 1n, scriptPubkey: p2wsh(0) }])).txid, vout: 0 };
  const a = spend(root, 100n, 1);
  const b = spend({ txid: parseTx(a).txid, vout: 0 }, 90n, 2);
  const c = spend({ txid: parseTx(b).txid, vout: 0 }, 80n, 3);
  const junk = Uint8Array.of(1, 2, 3);
  const order = parentsFirst([c, junk, b, a]).map((t) => (t === junk ? 'junk' : t === a ? 'a' : t === b ? 'b' : 'c'));
  assert.equal(order, ['a', 'b', 'c', 'junk']);
});

test.run();
