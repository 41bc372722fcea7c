/**
 * `MemoryChain` refuses what bitcoind would: bad witnesses, signatures, preimages, early
 * CSV/CLTV spends, non-final transactions. The transactions are real BOLT 3 spends built and
 * signed with `@ln/transactions`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutPoint, Txid } from '@ln/chain-interfaces';
import { defaultSecp256k1, sha256 } from '@ln/crypto';
import {
  SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, anchorScript, bitcoinSignature, fundingScript, fundingWitness, offeredHtlcScript, p2pkh, p2wpkh, p2wsh,
  receivedHtlcScript, serializeTx, signInput, toLocalScript, toRemoteAnchorScript, type Transaction,
} from '@ln/transactions';
import { MemoryChain, TestWallet, buildLegacyTx, testNodeKey } from '@ln/test-kit';

const secp = defaultSecp256k1();
const key = (label: string) => testNodeKey(`script-chain ${label}`);
const [alice, bob, rev, delayed, htlcA, htlcB] = ['alice', 'bob', 'revocation', 'delayed', 'htlc a', 'htlc b'].map(key) as ReturnType<typeof key>[];
const dest = p2wpkh(bob!.nodeId);
const VALUE = 100_000n;

/** A confirmed coin locked by `witnessScript` (P2WSH) or paying `spk`. */
function coin(chain: MemoryChain, scriptPubkey: Uint8Array): OutPoint {
  const { outpoint } = chain.fund(scriptPubkey, VALUE);
  chain.mine(1);
  return outpoint;
}
function spendTx(prevout: OutPoint, opts: { sequence?: number; locktime?: number; witness?: Uint8Array[] } = {}): Transaction {
  return {
    version: 2, locktime: opts.locktime ?? 0,
    inputs: [{ prevout, scriptSig: new Uint8Array(0), sequence: opts.sequence ?? 0xfffffffd, witness: opts.witness ?? [] }],
    outputs: [{ valueSat: VALUE - 1_000n, scriptPubkey: dest }],
  };
}
const sign = (tx: Transaction, witnessScript: Uint8Array, secret: Uint8Array, type = SIGHASH_ALL) => bitcoinSignature(signInput(secp, tx, 0, witnessScript, VALUE, secret, type), type);
const withW = (tx: Transaction, witness: Uint8Array[]) => serializeTx({ ...tx, inputs: [{ ...tx.inputs[0]!, witness }] });
const refused = (chain: MemoryChain, raw: Uint8Array, expected: RegExp) => {
  const r = chain.submitToMempool(raw);
  assert.ok(!r.ok, `expected a refusal matching ${expected}`);
  if (!r.ok) assert.match(r.reason, expected);
};
const accepted = (chain: MemoryChain, raw: Uint8Array): Txid => {
  const r = chain.submitToMempool(raw);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.txid;
};

test('P2WPKH: a signed spend is accepted; wrong key, wrong pubkey, no witness are refused', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const prev = coin(chain, p2wpkh(alice!.nodeId));
  const tx = spendTx(prev);
  const code = p2pkh(alice!.nodeId);
  refused(chain, withW(tx, [sign(tx, code, bob!.secretKey), alice!.nodeId]), /^script: signature check failed \(OP_CHECKSIG, NULLFAIL\) \(input 0\)$/);
  refused(chain, withW(tx, [sign(tx, code, bob!.secretKey), bob!.nodeId]), /^script: OP_EQUALVERIFY failed \(input 0\)$/);
  refused(chain, serializeTx(tx), /^script: P2WPKH witness has 0 items, not 2 \(input 0\)$/);
  refused(chain, withW(tx, [sign(tx, code, alice!.secretKey), secp.publicKeyConvert(alice!.nodeId, false)]), /OP_EQUALVERIFY failed|not compressed/);
  const txid = accepted(chain, withW(tx, [sign(tx, code, alice!.secretKey), alice!.nodeId]));
  chain.mine(1);
  assert.is(chain.confirmations(txid), 1);
});

test('funding 2-of-2: both signatures in key order accepted; one key twice or swapped order refused', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const fs = fundingScript(alice!.nodeId, bob!.nodeId);
  const tx = spendTx(coin(chain, p2wsh(fs)), { sequence: 0xffffffff });
  const sa = signInput(secp, tx, 0, fs, VALUE, alice!.secretKey);
  const sb = signInput(secp, tx, 0, fs, VALUE, bob!.secretKey);
  const good = fundingWitness(fs, alice!.nodeId, sa, bob!.nodeId, sb);
  refused(chain, withW(tx, [good[0]!, good[2]!, good[1]!, fs]), /^script: signature check failed \(OP_CHECKMULTISIG, NULLFAIL\) \(input 0\)$/);
  refused(chain, withW(tx, [good[0]!, good[1]!, good[1]!, fs]), /OP_CHECKMULTISIG, NULLFAIL/);
  refused(chain, withW(tx, [good[0]!, good[1]!, good[2]!, fundingScript(alice!.nodeId, rev!.nodeId)]), /^script: witness script does not match the P2WSH program \(input 0\)$/);
  accepted(chain, withW(tx, good));
});

test('to_local: the delayed path waits to_self_delay blocks (CSV + BIP 68); the revocation path does not', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const delay = 6;
  const ws = toLocalScript(rev!.nodeId, delay, delayed!.nodeId);
  const prev = coin(chain, p2wsh(ws));
  const confirmedAt = chain.tipHeight;
  const early = spendTx(prev, { sequence: delay - 1 });
  refused(chain, withW(early, [sign(early, ws, delayed!.secretKey), new Uint8Array(0), ws]), /^script: OP_CHECKSEQUENCEVERIFY 6 > nSequence 5 \(input 0\)$/);
  const tx = spendTx(prev, { sequence: delay });
  const raw = withW(tx, [sign(tx, ws, delayed!.secretKey), new Uint8Array(0), ws]);
  refused(chain, withW(tx, [sign(tx, ws, rev!.secretKey), new Uint8Array(0), ws]), /signature check failed/);
  refused(chain, withW(tx, [sign(tx, ws, delayed!.secretKey), Uint8Array.of(2), ws]), /MINIMALIF/);
  chain.mine(delay - 2); // the next block is confirmedAt + delay - 1: one too early
  refused(chain, raw, new RegExp(`^non-BIP68-final: relative lock of 6 blocks not met in block ${confirmedAt + delay - 1} \\(input 0, output confirmed at height ${confirmedAt}\\)$`));
  assert.throws(() => chain.mine(1, { txs: [raw] }), /non-BIP68-final/);
  chain.mine(1);
  accepted(chain, raw); // now the next block is confirmedAt + delay
  // The revocation path (justice): spendable at once.
  const chain2 = new MemoryChain({ verifyScripts: true });
  const prev2 = coin(chain2, p2wsh(ws));
  const justice = spendTx(prev2, { sequence: 0xfffffffd });
  refused(chain2, withW(justice, [sign(justice, ws, delayed!.secretKey), Uint8Array.of(1), ws]), /signature check failed/);
  accepted(chain2, withW(justice, [sign(justice, ws, rev!.secretKey), Uint8Array.of(1), ws]));
});

test('to_remote (anchors) needs one confirmation: refused while its parent is in the mempool, accepted after', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const ws = toRemoteAnchorScript(alice!.nodeId);
  const { outpoint } = chain.fund(p2wsh(ws), VALUE);
  const tx = spendTx(outpoint, { sequence: 1 });
  const raw = withW(tx, [sign(tx, ws, alice!.secretKey), ws]);
  refused(chain, raw, /^non-BIP68-final: relative lock of 1 blocks not met in block 1 \(input 0, output unconfirmed\)$/);
  const tx0 = spendTx(outpoint, { sequence: 0 });
  refused(chain, withW(tx0, [sign(tx0, ws, alice!.secretKey), ws]), /^script: OP_CHECKSEQUENCEVERIFY 1 > nSequence 0 \(input 0\)$/);
  refused(chain, withW(tx, [sign(tx, ws, bob!.secretKey), ws]), /OP_CHECKSIGVERIFY|signature check failed/);
  chain.mine(1);
  accepted(chain, raw);
});

test('a reorg drops what is no longer final at the new tip: a CSV-1 child of a commitment sent back to the mempool', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const ws = toRemoteAnchorScript(alice!.nodeId);
  const parent = chain.fund(p2wsh(ws), VALUE);
  chain.mine(1);
  const tx = spendTx(parent.outpoint, { sequence: 1 });
  const child = withW(tx, [sign(tx, ws, alice!.secretKey), ws]);
  const childTxid = accepted(chain, child);
  chain.mine(1);
  assert.is(chain.confirmations(childTxid), 1);
  chain.reorg(2, { newBlocks: 0 }); // the faucet parent and the child go back to the mempool; the child is not final any more
  assert.equal(chain.mempoolTxids().map((t) => t.join()), [parent.outpoint.txid.join()]);
  chain.mine(1);
  assert.is(chain.confirmations(childTxid), 0);
  accepted(chain, child); // rebroadcast after its parent confirmed
  chain.mine(1);
  assert.is(chain.confirmations(childTxid), 1);
});

test('anchor output: the funding key at once (SIGHASH_ALL), anyone after 16 blocks with an empty signature', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const ws = anchorScript(alice!.nodeId);
  const prev = coin(chain, p2wsh(ws));
  const byAnyone = spendTx(prev, { sequence: 16 });
  const anyoneRaw = withW(byAnyone, [new Uint8Array(0), ws]);
  chain.mine(14);
  refused(chain, anyoneRaw, /^non-BIP68-final: relative lock of 16 blocks/);
  refused(chain, withW(spendTx(prev, { sequence: 15 }), [new Uint8Array(0), ws]), /OP_CHECKSEQUENCEVERIFY 16 > nSequence 15/);
  const byOwner = spendTx(prev, { sequence: 0xfffffffd });
  accepted(chain, withW(byOwner, [sign(byOwner, ws, alice!.secretKey), ws]));
  const chain2 = new MemoryChain({ verifyScripts: true });
  const prev2 = coin(chain2, p2wsh(ws));
  chain2.mine(15);
  accepted(chain2, withW(spendTx(prev2, { sequence: 16 }), [new Uint8Array(0), ws]));
});

test('offered HTLC: the counterparty claims with the preimage (wrong preimage refused), revocation key, 2-of-2 timeout path', () => {
  const preimage = sha256(Uint8Array.of(7));
  const hash = sha256(preimage);
  const keys = { revocationKey: rev!.nodeId, broadcasterHtlcKey: htlcA!.nodeId, countersignatoryHtlcKey: htlcB!.nodeId };
  for (const anchors of [false, true]) {
    const chain = new MemoryChain({ verifyScripts: true });
    const ws = offeredHtlcScript(keys, hash, anchors);
    const prev = coin(chain, p2wsh(ws));
    const tx = spendTx(prev, { sequence: anchors ? 1 : 0xfffffffd });
    refused(chain, withW(tx, [sign(tx, ws, htlcB!.secretKey), sha256(Uint8Array.of(8)), ws]), /^script: OP_EQUALVERIFY failed \(input 0\)$/);
    refused(chain, withW(tx, [sign(tx, ws, htlcA!.secretKey), preimage, ws]), /signature check failed/);
    if (anchors) {
      const seq0 = spendTx(prev, { sequence: 0 });
      refused(chain, withW(seq0, [sign(seq0, ws, htlcB!.secretKey), preimage, ws]), /OP_CHECKSEQUENCEVERIFY 1 > nSequence 0/);
    }
    // Second-stage (HTLC-timeout) path: 0 <remote sig> <local sig> <> — the remote signs SINGLE|ANYONECANPAY with anchors.
    const remoteType = anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
    const timeoutW = [new Uint8Array(0), sign(tx, ws, htlcB!.secretKey, remoteType), sign(tx, ws, htlcA!.secretKey), new Uint8Array(0), ws];
    const swapped = [timeoutW[0]!, timeoutW[2]!, timeoutW[1]!, timeoutW[3]!, ws];
    refused(chain, withW(tx, swapped), /OP_CHECKMULTISIG, NULLFAIL/);
    const revW = [sign(tx, ws, rev!.secretKey), rev!.nodeId, ws];
    accepted(chain, withW(tx, revW));
    const chain2 = new MemoryChain({ verifyScripts: true });
    const prev2 = coin(chain2, p2wsh(ws));
    const tx2 = spendTx(prev2, { sequence: anchors ? 1 : 0xfffffffd });
    accepted(chain2, withW(tx2, [sign(tx2, ws, htlcB!.secretKey), preimage, ws]));
    const chain3 = new MemoryChain({ verifyScripts: true });
    const prev3 = coin(chain3, p2wsh(ws));
    const tx3 = spendTx(prev3, { sequence: anchors ? 1 : 0xfffffffd });
    accepted(chain3, withW(tx3, [new Uint8Array(0), sign(tx3, ws, htlcB!.secretKey, remoteType), sign(tx3, ws, htlcA!.secretKey), new Uint8Array(0), ws]));
  }
});

test('received HTLC: the counterparty times out via CLTV (too early refused), nLockTime finality at the next height', () => {
  const preimage = sha256(Uint8Array.of(9));
  const hash = sha256(preimage);
  const keys = { revocationKey: rev!.nodeId, broadcasterHtlcKey: htlcA!.nodeId, countersignatoryHtlcKey: htlcB!.nodeId };
  const chain = new MemoryChain({ verifyScripts: true });
  const expiry = 20;
  const ws = receivedHtlcScript(keys, hash, expiry, false);
  const prev = coin(chain, p2wsh(ws));
  const tx = spendTx(prev, { locktime: expiry });
  const raw = withW(tx, [sign(tx, ws, htlcB!.secretKey), new Uint8Array(0), ws]);
  refused(chain, raw, new RegExp(`^non-final: nLockTime 20 not below the next block's height ${chain.tipHeight + 1}$`));
  chain.mine(expiry - chain.tipHeight); // tip = expiry: the next block is expiry + 1
  const early = spendTx(prev, { locktime: expiry - 1 });
  refused(chain, withW(early, [sign(early, ws, htlcB!.secretKey), new Uint8Array(0), ws]), /^script: OP_CHECKLOCKTIMEVERIFY 20 > nLockTime 19 \(input 0\)$/);
  const finalSeq = spendTx(prev, { locktime: expiry, sequence: 0xffffffff });
  refused(chain, withW(finalSeq, [sign(finalSeq, ws, htlcB!.secretKey), new Uint8Array(0), ws]), /^script: OP_CHECKLOCKTIMEVERIFY with a final nSequence \(input 0\)$/);
  refused(chain, withW(tx, [sign(tx, ws, htlcA!.secretKey), new Uint8Array(0), ws]), /signature check failed/);
  refused(chain, withW(tx, [sign(tx, ws, htlcB!.secretKey), sha256(Uint8Array.of(1)), ws]), /OP_EQUALVERIFY failed/);
  accepted(chain, raw);
});

test('time-based locks: BIP 68/112 in 512-second units against the median time past, BIP 65/113 time lock times', () => {
  const chain = new MemoryChain({ verifyScripts: true }); // blocks 600 s apart
  const seq = 0x00400000 | 3; // 1536 s
  const ws = Uint8Array.of(0x03, 0x03, 0x00, 0x40, 0xb2); // <seq> OP_CHECKSEQUENCEVERIFY (leaves the number: true)
  const prev = coin(chain, p2wsh(ws));
  const h = chain.tipHeight;
  const needed = chain.medianTimePast(h - 1) + 1536;
  refused(chain, withW(spendTx(prev, { sequence: 3 }), [ws]), /^script: OP_CHECKSEQUENCEVERIFY lock type differs from nSequence \(input 0\)$/);
  refused(chain, withW(spendTx(prev, { sequence: 0x00400000 | 2 }), [ws]), /OP_CHECKSEQUENCEVERIFY 3 > nSequence 2/);
  const raw = withW(spendTx(prev, { sequence: seq }), [ws]);
  while (chain.medianTimePast(chain.tipHeight) <= needed - 1) {
    refused(chain, raw, /^non-BIP68-final: relative lock of 1536 s not met/);
    chain.mine(1);
  }
  accepted(chain, raw);
  // nLockTime as a time: final once the tip's median time past passes it.
  const chain2 = new MemoryChain({ verifyScripts: true });
  const cl = Uint8Array.of(0x04, ...[0, 0, 0, 0].map((_, i) => ((1_700_003_000 >>> (8 * i)) & 0xff)), 0xb1); // <t> OP_CHECKLOCKTIMEVERIFY
  const prev2 = coin(chain2, p2wsh(cl));
  const timed = withW(spendTx(prev2, { locktime: 1_700_003_000 }), [cl]);
  refused(chain2, withW(spendTx(prev2, { locktime: 1 }), [cl]), /lock time type differs from nLockTime/);
  while (chain2.medianTimePast(chain2.tipHeight) <= 1_700_003_000) {
    refused(chain2, timed, /^non-final: nLockTime 1700003000 not below the median time past/);
    chain2.mine(1);
  }
  accepted(chain2, timed);
});

test('faucet coins and test-kit test spends (scriptSig OP_TRUE, no witness) are accepted; verifyScripts:false accepts anything', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const { outpoint } = chain.fund(p2wpkh(alice!.nodeId), VALUE);
  const fake = serializeTx({ ...spendTx(outpoint), inputs: [{ ...spendTx(outpoint).inputs[0]!, witness: [new Uint8Array(71), alice!.nodeId] }] });
  refused(chain, fake, /^script: undefined sighash type 0x0 \(input 0\)$/);
  accepted(chain, buildLegacyTx([{ outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: VALUE - 500n, scriptPubkey: dest }]));
  refused(chain, buildLegacyTx([{ outpoint: coin(chain, p2wpkh(bob!.nodeId)), scriptSig: Uint8Array.of(0x52) }], [{ valueSat: 1n, scriptPubkey: dest }]), /non-empty scriptSig spending a witness program/);
  const off = new MemoryChain({ verifyScripts: false });
  const c = off.fund(p2wpkh(alice!.nodeId), VALUE);
  accepted(off, serializeTx({ ...spendTx(c.outpoint), inputs: [{ ...spendTx(c.outpoint).inputs[0]!, witness: [new Uint8Array(71), alice!.nodeId] }] }));
});

test('TestWallet: its funding transaction verifies and confirms; the change returns to the chosen script', () => {
  const chain = new MemoryChain({ verifyScripts: true });
  const wallet = new TestWallet(chain, 'harness');
  const target = p2wsh(fundingScript(alice!.nodeId, bob!.nodeId));
  const raw = wallet.fundingTx(target, 500_000n, { changeScript: dest });
  const txid = accepted(chain, raw);
  chain.mine(1);
  assert.is(chain.confirmations(txid), 1);
  assert.ok(chain.isUnspent({ txid, vout: 0 }) && chain.isUnspent({ txid, vout: 1 }));
});

test.run();
