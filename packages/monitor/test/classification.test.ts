/**
 * How a monitor classifies a counterparty commitment that spends the funding output (BOLT 5):
 * the current and the next commitment (also one whose update is still in flight, the monitor
 * never heard of it) are never taken for revoked; a revoked one is punished only with a secret
 * that really is its own; the BOLT 3 compact secret storage never yields a secret for an index
 * it was not given (nor one newer than every given one); a justice input is signed only with the
 * revocation key its script commits to.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { INITIAL_COMMITMENT_INDEX } from '@ln/chain-interfaces';
import { bytesToHex, sha256 } from '@ln/crypto';
import { ShachainStore, perCommitmentSecret, p2wsh, parseTx, txidOf } from '@ln/transactions';
import { commitmentNumberOf, type SpendableOutputDescriptor } from '../src/index.js';
import { buildClaim, justiceKeyOf } from '../src/onchain/claims.js';
import type { Claimable } from '../src/onchain/types.js';
import type { CommitState } from './helpers/channel-pair.js';
import { Env } from './helpers/env.js';

const INITIAL = INITIAL_COMMITMENT_INDEX;

function states(k: number, seed: number): CommitState[] {
  const out: CommitState[] = [];
  for (let i = 1; i <= k; i++) {
    const toB = 300_000_000n + BigInt(((seed * 7919 + i * 104_729) % 200_000) * 1000);
    out.push({ toAMsat: 1_000_000_000n - toB, toBMsat: toB, htlcs: [], feeratePerKw: 2500 + ((seed + i) % 5) * 250 });
  }
  return out;
}

/** Everything of A's monitor after B's commitment `n` confirmed (and 8 more blocks). */
function afterB(env: Env, n: bigint) {
  const cheat = env.pair.signedCommitment('B', n);
  env.chain.mine(1, { txs: [cheat.raw] });
  env.A.drain();
  env.mine(8);
  const m = env.A.monitor.listMonitors()[0]!;
  const view = m.view();
  const txid = txidOf(cheat.tx);
  const spendsBCommitment = env.A.broadcaster.offered.map((raw) => parseTx(raw)).filter((t) => t.inputs.some((i) => bytesToHex(i.prevout.txid) === bytesToHex(txid)));
  const outs: SpendableOutputDescriptor[] = env.A.userEvents.flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : []));
  return { view, cheat, spendsBCommitment, outs };
}

test('property: B\'s current commitment, and its next one known or still in flight, are never revoked; every older one is, and is punished', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom('current', 'next-known', 'next-in-flight', 'revoked'), (k, seed, which) => {
      if (which === 'revoked' && k === 0) return;
      const env = new Env({ label: `cls-${seed}`, claimFeerate: 1000 });
      for (const s of states(k, seed)) env.advance(env.pair.advance(s));
      let n = BigInt(k);
      if (which === 'next-known' || which === 'next-in-flight') {
        const r = env.pair.commit('B', { toAMsat: 600_000_000n, toBMsat: 400_000_000n, htlcs: [], feeratePerKw: 2500 });
        env.B.apply(r.B);
        if (which === 'next-known') env.A.apply(r.A); // else: A's monitor update is held (in flight)
        n = BigInt(k + 1);
      } else if (which === 'revoked') n = BigInt(seed % k);
      const { view, cheat, spendsBCommitment, outs } = afterB(env, n);
      assert.is(commitmentNumberOf(cheat.tx, env.pair.obscure), n, 'the commitment number is read back from locktime and sequence');
      assert.is(view.fundingSpend?.commitmentNumber, n);
      const expected = which === 'revoked' ? 'revoked' : which === 'next-in-flight' ? 'unknown_commitment' : 'counterparty';
      assert.is(view.fundingSpend?.kind, expected, `${which} commitment ${n} after ${k} revocations`);
      const justice = view.claimables.filter((c) => c.kind.startsWith('revoked'));
      if (which !== 'revoked') {
        assert.equal(justice, [], 'no justice claim');
        assert.equal(spendsBCommitment, [], 'nothing of B\'s commitment is claimed (our to_remote needs no transaction)');
        assert.equal(outs.map((o) => o.type), ['StaticPaymentOutput'], 'only our to_remote');
      } else {
        assert.is(justice.length, 1, 'B\'s to_local is taken');
        assert.ok(spendsBCommitment.length >= 1, 'a justice transaction was broadcast');
        assert.equal(outs.map((o) => o.type).sort(), ['StaticOutput', 'StaticPaymentOutput']);
      }
      env.assertNoInvalid();
    }),
    { numRuns: 24, seed: 4242 },
  );
});

test('B\'s next commitment in flight, then its secret arrives after the commitment confirmed: still not revoked (the secret is of the previous one)', () => {
  const env = new Env({ label: 'cls-late', claimFeerate: 1000 });
  for (const s of states(2, 3)) env.advance(env.pair.advance(s));
  const r = env.pair.commit('B', { toAMsat: 600_000_000n, toBMsat: 400_000_000n, htlcs: [], feeratePerKw: 2500 });
  env.B.apply(r.B);
  const cheat = env.pair.signedCommitment('B', 3n);
  env.chain.mine(1, { txs: [cheat.raw] });
  env.A.drain();
  assert.is(env.A.monitor.listMonitors()[0]!.view().fundingSpend?.kind, 'unknown_commitment');
  env.A.apply(r.A); // the held update (their commitment 3) lands now
  env.A.apply(env.pair.revoke('B').A); // and B's revocation of commitment 2
  env.mine(8);
  const view = env.A.monitor.listMonitors()[0]!.view();
  assert.is(view.fundingSpend?.kind, 'counterparty');
  assert.equal(view.claimables.filter((c) => c.kind.startsWith('revoked')), []);
  env.assertNoInvalid();
});

test('a revoked commitment whose secret arrives only after it confirmed is punished at once (not a block later)', () => {
  const env = new Env({ label: 'cls-late-secret', claimFeerate: 1000 });
  for (const s of states(2, 5)) env.advance(env.pair.advance(s));
  const r = env.pair.commit('B', { toAMsat: 600_000_000n, toBMsat: 400_000_000n, htlcs: [], feeratePerKw: 2500 });
  env.B.apply(r.B);
  env.A.apply(r.A);
  const cheat = env.pair.signedCommitment('B', 2n); // B broadcasts 2, then revokes it (the Electrum race)
  env.chain.mine(1, { txs: [cheat.raw] });
  env.A.drain();
  assert.is(env.A.monitor.listMonitors()[0]!.view().fundingSpend?.kind, 'counterparty', 'not revoked yet');
  const sentBefore = env.A.broadcaster.offered.length;
  env.A.apply(env.pair.revoke('B').A);
  assert.is(env.A.monitor.listMonitors()[0]!.view().fundingSpend?.kind, 'revoked');
  const justice = env.A.broadcaster.offered.slice(sentBefore).map((raw) => parseTx(raw)).filter((t) => t.inputs.some((i) => bytesToHex(i.prevout.txid) === bytesToHex(txidOf(cheat.tx))));
  assert.is(justice.length, 1, 'the justice transaction is broadcast when the secret is applied');
  env.mine(8);
  env.assertNoInvalid();
});

test('property: compact secret storage derives exactly the secrets of the indices it was given (never a newer one), each the seed\'s', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.bigInt({ min: INITIAL - (1n << 20n), max: INITIAL }),
      fc.integer({ min: 0, max: 300 }),
      fc.array(fc.bigInt({ min: 0n, max: INITIAL }), { maxLength: 20 }),
      (seed, start, count, probes) => {
        const st = new ShachainStore();
        const lowest = start - BigInt(count) + 1n;
        for (let i = start; i >= lowest && i >= 0n; i--) st.insert(perCommitmentSecret(seed, i), i);
        const restored = ShachainStore.deserialize(st.serialize());
        const near = [start, lowest, lowest - 1n, lowest - 2n, start + 1n, lowest + 1n].filter((x) => x >= 0n && x <= INITIAL);
        for (const x of [...near, ...probes]) {
          for (const s of [st, restored]) {
            const got = s.get(x);
            if (count === 0 || x < lowest) assert.is(got, undefined, `no secret for index ${x} (lowest given ${count ? lowest : 'none'})`);
            else if (x <= start) assert.is(bytesToHex(got!), bytesToHex(perCommitmentSecret(seed, x)), `given index ${x}`);
            else if (got) assert.is(bytesToHex(got), bytesToHex(perCommitmentSecret(seed, x)), `older index ${x} derived from a given one`);
          }
        }
      },
    ),
    { numRuns: 60, seed: 777 },
  );
});

test('a justice claim whose secret does not give the script\'s revocation key is refused (never broadcast)', () => {
  const env = new Env({ label: 'cls-key', claimFeerate: 1000 });
  for (const s of states(3, 9)) env.advance(env.pair.advance(s));
  const { view } = afterB(env, 1n);
  const c = view.claimables.find((x) => x.kind === 'revoked_to_local')!;
  assert.ok(c, 'a revoked to_local claim');
  const key = justiceKeyOf(c)!;
  assert.ok(key && key.length === 33, 'the to_local script commits to a revocation key');
  const signer = env.pair.side('A').km.deriveChannelSigner(env.pair.channelValueSat, env.pair.side('A').keysId);
  const dest = env.destination('A');
  assert.ok(buildClaim([c], dest, 1000, signer, env.secp), 'with its own secret it signs');
  const wrong: Claimable = { ...c, secret: sha256(c.secret!) };
  assert.throws(() => buildClaim([wrong], dest, 1000, signer, env.secp), (e: Error) => e.name === 'MonitorError' && /revocation key/.test(e.message));
  const otherScript: Claimable = { ...c, witnessScript: Uint8Array.of(0x51) };
  assert.is(justiceKeyOf(otherScript), undefined);
  assert.throws(() => buildClaim([otherScript], dest, 1000, signer, env.secp), /revocation key/);
  assert.is(bytesToHex(p2wsh(c.witnessScript)), bytesToHex(view.fundingSpend!.rtx.tx.outputs[c.outpoint.vout]!.scriptPubkey), 'the claim\'s script is the output\'s');
});

test.run();
