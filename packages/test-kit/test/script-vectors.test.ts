/**
 * The verifier against BOLT 3's signed vectors (Appendix C: commitment and HTLC transactions;
 * Appendix F: `option_anchors`, whose HTLC transactions carry SIGHASH_SINGLE|ANYONECANPAY
 * counterparty signatures): every signed transaction verifies, and mutations of them are
 * refused with the rule that failed.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TxOut } from '@ln/chain-interfaces';
import { bytesToHex, hexToBytes, signatureFromDer, signatureToDer } from '@ln/crypto';
import { p2wsh, parseTx, txidOf, withWitness, type Transaction } from '@ln/transactions';
import { verifyInputScript } from '@ln/test-kit';

const V = JSON.parse(readFileSync('/work/shared/vectors/bolt03-commitment.json', 'utf8'));
const C = V.appendix_c_commitment;
const fundingScript = hexToBytes(C.keys.funding_witness_script);
const fundingOut: TxOut = { valueSat: BigInt(C.common.funding_amount_satoshi), scriptPubkey: p2wsh(fundingScript) };

const commitments: { name: string; tx: Transaction }[] = [
  ...C.vectors.map((v: { name: string; commit_tx: string }) => ({ name: `C: ${v.name}`, tx: parseTx(hexToBytes(v.commit_tx)) })),
  ...V.appendix_f_anchors.vectors.map((v: { Name: string; ExpectedCommitmentTxHex: string }) => ({ name: `F: ${v.Name}`, tx: parseTx(hexToBytes(v.ExpectedCommitmentTxHex)) })),
];
const byTxid = new Map(commitments.map((c) => [bytesToHex(txidOf(c.tx)), c.tx]));
const htlcTxs: { name: string; tx: Transaction }[] = [
  ...C.vectors.flatMap((v: { name: string; htlc_txs: { type: string; htlc_id: number; tx: string }[] }) =>
    v.htlc_txs.map((h) => ({ name: `C: ${v.name}: ${h.type} ${h.htlc_id}`, tx: parseTx(hexToBytes(h.tx)) }))),
  ...V.appendix_f_anchors.vectors.flatMap((v: { Name: string; HtlcDescs: { ResolutionTxHex: string }[] }) =>
    v.HtlcDescs.map((h, i) => ({ name: `F: ${v.Name}: HTLC tx ${i}`, tx: parseTx(hexToBytes(h.ResolutionTxHex)) }))),
];
const spentBy = (tx: Transaction): TxOut => {
  const prev = tx.inputs[0]!.prevout;
  const parent = byTxid.get(bytesToHex(prev.txid));
  if (!parent) return fundingOut;
  return parent.outputs[prev.vout]!;
};

test('every signed BOLT 3 commitment transaction (Appendix C and F) verifies against the funding output', () => {
  assert.is(commitments.length, 25);
  for (const c of commitments) assert.is(verifyInputScript(c.tx, 0, fundingOut), undefined, c.name);
});

test('every signed BOLT 3 HTLC-success/timeout transaction verifies against its commitment output (anchors: SINGLE|ANYONECANPAY)', () => {
  assert.is(htlcTxs.length, 48);
  let singleAcp = 0;
  for (const h of htlcTxs) {
    assert.ok(byTxid.has(bytesToHex(h.tx.inputs[0]!.prevout.txid)), `${h.name}: parent commitment among the vectors`);
    assert.is(verifyInputScript(h.tx, 0, spentBy(h.tx)), undefined, h.name);
    if (h.tx.inputs[0]!.witness[1]!.at(-1) === 0x83) singleAcp++;
  }
  assert.is(singleAcp, 15, 'the anchors HTLC transactions use SIGHASH_SINGLE|ANYONECANPAY');
});

const mutateWitness = (tx: Transaction, f: (w: Uint8Array[]) => void): Transaction => {
  const w = tx.inputs[0]!.witness.map((x) => Uint8Array.from(x));
  f(w);
  return withWitness(tx, 0, w);
};
const highS = (sig: Uint8Array): Uint8Array => {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const c = signatureFromDer(sig.subarray(0, -1));
  let s = n - BigInt('0x' + bytesToHex(c.subarray(32)));
  const out = Uint8Array.from(c);
  for (let i = 63; i >= 32; i--, s >>= 8n) out[i] = Number(s & 0xffn);
  return Uint8Array.from([...signatureToDer(out), sig.at(-1)!]);
};

test('mutated vector transactions are refused with the failed rule', () => {
  const commit = commitments[0]!.tx;
  const cases: [string, Transaction, TxOut, RegExp][] = [
    ['a flipped signature byte', mutateWitness(commit, (w) => { w[1]![10]! ^= 1; }), fundingOut, /signature check failed|DER/],
    ['signatures swapped (wrong key order)', mutateWitness(commit, (w) => { [w[1], w[2]] = [w[2]!, w[1]!]; }), fundingOut, /signature check failed \(OP_CHECKMULTISIG/],
    ['a high-S signature', mutateWitness(commit, (w) => { w[1] = highS(w[1]!); }), fundingOut, /high-S/],
    ['a non-minimal DER signature', mutateWitness(commit, (w) => { const s = w[1]!; w[1] = Uint8Array.from([0x30, s[1]! + 1, 0x02, s[3]! + 1, 0x00, ...s.subarray(4)]); }), fundingOut, /non-strict DER/],
    ['an undefined sighash type', mutateWitness(commit, (w) => { w[1]![w[1]!.length - 1] = 0x04; }), fundingOut, /undefined sighash type/],
    ['SIGHASH_NONE in place of ALL', mutateWitness(commit, (w) => { w[1]![w[1]!.length - 1] = 0x02; }), fundingOut, /SIGHASH_NONE/],
    ['a non-empty CHECKMULTISIG dummy', mutateWitness(commit, (w) => { w[0] = Uint8Array.of(0); }), fundingOut, /NULLDUMMY/],
    ['a witness script that is not the P2WSH program', mutateWitness(commit, (w) => { w[3]![5]! ^= 1; }), fundingOut, /witness script does not match/],
    ['the wrong spent amount (BIP 143 commits to it)', commit, { ...fundingOut, valueSat: fundingOut.valueSat - 1n }, /signature check failed/],
    ['an empty witness', withWitness(commit, 0, []), fundingOut, /empty witness/],
  ];
  const success = htlcTxs.find((h) => h.name.startsWith('C:') && h.name.includes('htlc-success'))!.tx;
  cases.push(['a wrong payment preimage (HTLC-success)', mutateWitness(success, (w) => { w[3]![0]! ^= 1; }), spentBy(success), /OP_EQUALVERIFY failed/]);
  cases.push(['no preimage (HTLC-success as if timeout)', mutateWitness(success, (w) => { w[3] = new Uint8Array(0); }), spentBy(success), /OP_CHECKLOCKTIMEVERIFY|signature check failed/]);
  const timeout = htlcTxs.find((h) => h.name.startsWith('C:') && h.name.includes('htlc-timeout'))!.tx;
  cases.push(['HTLC-timeout with an nLockTime before the HTLC expiry is signed for other bytes', { ...timeout, locktime: timeout.locktime - 1 }, spentBy(timeout), /signature check failed/]);
  for (const [what, tx, out, expected] of cases) {
    const why = verifyInputScript(tx, 0, out);
    assert.ok(why && expected.test(why), `${what}: ${why}`);
  }
});

test.run();
