/**
 * Reorgs of 1 to 6 blocks at every stage of a close (BOLT 5: "MUST be prepared to resolve
 * outputs multiple times, in case of blockchain reorganizations"): the monitors drop what the
 * stale blocks confirmed, rebuild their claims on the new chain, report each event once, and
 * every satoshi still ends in a wallet.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MonitorEvent, Txid } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { commitmentFeeSat, parseTx, txidOf } from '@ln/transactions';
import { ANTI_REORG_DELAY } from '../src/index.js';
import type { CommitState } from './helpers/channel-pair.js';
import { Env, type FeedMode } from './helpers/env.js';
import { ledger } from './helpers/ledger.js';

const resolved = (events: MonitorEvent[]) =>
  events.flatMap((e) => (e.type === 'HtlcResolved' ? [`${e.htlcId}:${e.paymentPreimage ? bytesToHex(e.paymentPreimage).slice(0, 8) : 'failed'}`] : [])).sort();

/** The txids of `roots` and of every confirmed transaction descending from them. */
function withDescendants(env: Env, roots: readonly Txid[]): Txid[] {
  const set = new Set(roots.map(bytesToHex));
  const out = [...roots];
  for (let h = 1; h <= env.chain.tipHeight; h++) {
    for (const raw of env.chain.getBlock(h)!.transactions) {
      const tx = parseTx(raw);
      if (tx.inputs.some((i) => set.has(bytesToHex(i.prevout.txid)))) {
        const id = txidOf(tx);
        if (!set.has(bytesToHex(id))) {
          set.add(bytesToHex(id));
          out.push(id);
        }
      }
    }
  }
  return out;
}

function fourHtlcEnv(label: string, mode: FeedMode) {
  const env = new Env({ delayOnA: 12, delayOnB: 10, claimFeerate: 1000, label, mode, startHeight: 20 });
  const p = env.pair;
  const H = env.chain.tipHeight;
  const hA1 = p.htlc('A', 30_000_000n, H + 30);
  const hA2 = p.htlc('A', 25_000_000n, H + 36);
  const hB1 = p.htlc('B', 40_000_000n, H + 44);
  const hB2 = p.htlc('B', 35_000_000n, H + 33);
  const s1: CommitState = { toAMsat: 545_000_000n, toBMsat: 325_000_000n, htlcs: [hA1, hA2, hB1, hB2], feeratePerKw: 2000 };
  env.advance(p.advance(s1));
  env.A.apply([p.preimageUpdate('A', hB1)]);
  env.B.apply([p.preimageUpdate('B', hA1)]);
  const expectA = [`${hA1.id}:${bytesToHex(hA1.preimage).slice(0, 8)}`, `${hA2.id}:failed`].sort();
  const expectB = [`${hB1.id}:${bytesToHex(hB1.preimage).slice(0, 8)}`, `${hB2.id}:failed`].sort();
  return { env, p, H, s1, expectA, expectB };
}

function settle(env: Env, H: number): void {
  env.mineUntil(() => env.chain.tipHeight > H + 44 + 12 + ANTI_REORG_DELAY + 4 && env.chain.mempoolTxids().length === 0, 200);
  env.mine(ANTI_REORG_DELAY);
  env.assertNoInvalid();
}

function checkFinal(env: Env, expectA: string[], expectB: string[]): void {
  assert.equal(resolved(env.A.monitorEvents), expectA, 'A: each HTLC resolved once, the right way');
  assert.equal(resolved(env.B.monitorEvents), expectB, 'B: each HTLC resolved once, the right way');
  const l = ledger(env);
  assert.is(l.by.other, 0n, 'every output in a wallet');
  for (const s of [env.A, env.B]) {
    assert.equal(s.monitor.getClaimableBalances()[0]!.balances, [], `${s.name}: nothing left`);
    const outs = s.userEvents.flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : []));
    const keys = outs.map((o) => `${bytesToHex(o.outpoint.txid)}:${o.outpoint.vout}`);
    assert.is(new Set(keys).size, keys.length, `${s.name}: each spendable output reported once`);
    for (const o of outs) assert.ok(env.chain.isUnspent(o.outpoint), `${s.name}: reported outputs exist on the final chain`);
  }
}

/** Stages of A's force close, as blocks mined after the commitment confirms. */
const STAGES: [string, number][] = [
  ['commitment just confirmed', 0],
  ['preimage claims confirmed', 2],
  ['waiting for the CSV delay', 7],
  ['to_local swept', 13],
  ['HTLCs timing out', 20],
];

for (const mode of ['listen', 'confirm'] as FeedMode[]) {
  for (const [stage, after] of STAGES) {
    for (let depth = 1; depth <= 6; depth++) {
      test(`${mode}: A's force close, reorg of ${depth} at "${stage}"`, () => {
        const { env, p, H, expectA, expectB } = fourHtlcEnv(`r-${mode}-${after}-${depth}`, mode);
        env.A.apply([p.forceCloseUpdate('A')]);
        env.mine(1 + after);
        env.chain.reorg(depth);
        env.A.drain();
        env.B.drain();
        settle(env, H);
        checkFinal(env, expectA, expectB);
      });
    }
  }
}

for (const [stage, after] of STAGES.slice(0, 2)) {
  for (const depth of after === 0 ? [1, 3, 6] : [3, 4, 6]) {
    test(`a reorg replaces A's confirmed commitment with B's (depth ${depth}, "${stage}")`, () => {
      const { env, p, H, expectA, expectB } = fourHtlcEnv(`r-swap-${after}-${depth}`, 'listen');
      env.A.apply([p.forceCloseUpdate('A')]);
      env.mine(1 + after);
      const ours = p.txidOf('A', 1n);
      assert.ok(env.chain.confirmations(ours) >= 1);
      const drop = withDescendants(env, [ours]);
      env.A.broadcaster.hold = true; // A would rebroadcast its commitment; B's wins the race
      env.chain.reorg(depth, { dropTxids: drop, newBlocks: 0 });
      env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] });
      env.A.broadcaster.hold = false;
      env.A.drain();
      env.B.drain();
      settle(env, H);
      checkFinal(env, expectA, expectB);
      assert.is(env.chain.confirmations(ours), 0);
    });
  }
}

for (let depth = 1; depth <= 6; depth++) {
  for (const stage of ['revoked commitment confirmed', 'justice confirmed']) {
    test(`justice survives a reorg of ${depth} ("${stage}"), to the satoshi`, () => {
      const env = new Env({ claimFeerate: 1000, label: `r-j-${depth}-${stage.length}`, startHeight: 20 });
      const p = env.pair;
      const H = env.chain.tipHeight;
      const hA = p.htlc('A', 50_000_000n, H + 100);
      const s1: CommitState = { toAMsat: 550_000_000n, toBMsat: 400_000_000n, htlcs: [hA], feeratePerKw: 2500 };
      env.advance(p.advance(s1));
      env.advance(p.advance({ toAMsat: 550_000_000n, toBMsat: 450_000_000n, htlcs: [], feeratePerKw: 2500 }));
      env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] });
      env.mine(stage === 'justice confirmed' ? 2 : 0);
      const before = env.A.broadcaster.offered.length;
      env.chain.reorg(depth);
      env.mine(ANTI_REORG_DELAY + 3);
      env.assertNoInvalid();
      const l = ledger(env);
      const justice = l.txs.filter((t) => t.tx.inputs.length === 2);
      assert.is(justice.length, 1, 'one justice transaction on the final chain');
      assert.is(l.by['A-wallet'], (s1.toBMsat + hA.amountMsat) / 1000n - justice[0]!.feeSat);
      // Weight with 73-byte signatures: 2 inputs, one P2WPKH output; witnesses `<sig> 1|<revocationpubkey> <script>`.
      const witness = justice[0]!.tx.inputs.reduce((a, i) => a + 1 + 74 + 1 + i.witness[1]!.length + 1 + i.witness[2]!.length, 0);
      assert.is(justice[0]!.feeSat, BigInt(4 * (4 + 1 + 82 + 1 + 31 + 4) + 2 + witness), 'fee at the estimator\'s rate (1000 sat/kw): no bump needed');
      assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2500, 1, false));
      assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n);
      assert.ok(env.A.broadcaster.offered.length >= before);
      const spend = env.A.userEvents.flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : []));
      assert.is(spend.length, 2, 'to_remote and the justice output, each reported once');
    });
  }
}

test('a reorg that removes the revoked commitment for good: no justice, then B\'s latest commitment is handled', () => {
  const env = new Env({ claimFeerate: 1000, label: 'r-gone', startHeight: 20 });
  const p = env.pair;
  env.advance(p.advance({ toAMsat: 550_000_000n, toBMsat: 450_000_000n, htlcs: [], feeratePerKw: 2500 }));
  env.chain.mine(1, { txs: [p.signedCommitment('B', 0n).raw] });
  env.mine(2);
  const cheat = p.txidOf('B', 0n);
  env.chain.reorg(4, { dropTxids: withDescendants(env, [cheat]), newBlocks: 5 });
  env.A.broadcaster.hold = true;
  env.mine(1);
  env.A.broadcaster.hold = false;
  assert.is(env.A.monitor.listMonitors()[0]!.isClosedOnChain(), false, 'the channel is open again on the best chain');
  env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] });
  env.mine(ANTI_REORG_DELAY + 2);
  env.assertNoInvalid();
  const l = ledger(env);
  assert.is(l.by['A-to_remote'], 550_000n - commitmentFeeSat(2500, 0, false));
  assert.is(l.by['A-wallet'], 0n, 'no justice on the final chain');
  assert.is(env.A.monitor.getClaimableBalances()[0]!.balances.length, 0);
});

test.run();
