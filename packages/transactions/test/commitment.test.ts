import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nobleSecp256k1 as secp, sha256, signatureToDer, signatureFromDer } from '@ln/crypto';
import { txidFromHex, txidToHex } from '@ln/chain-interfaces';
import {
  SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, buildCommitmentTransaction, buildHtlcTransaction, commitmentNumberObscureFactor,
  derivePrivkey, fundingScript, fundingWitness, htlcTxWitness, p2wsh, parseTx, serializeTx, signInput, verifyInput, withWitness,
  commitmentFeeSat, htlcSuccessFeeSat, htlcTimeoutFeeSat, isHtlcTrimmed, txidOf, type CommitmentHtlc, type CommitmentKeys,
} from '@ln/transactions';
import { appendixCKeys, hex, key, toHex, vectors } from './helpers.js';

const all = vectors('bolt03-commitment.json');
const C = all.appendix_c_commitment;
const K = C.keys;
const I = C.internal_derivation_values;
const perCommitmentPoint = hex(I.local_per_commitment_point);
const keys: CommitmentKeys = appendixCKeys();
const localFundingKey = key(K.local_funding_privkey);
const remoteFundingKey = key(I.remote_funding_privkey);
// The vectors use payment basepoints as htlc basepoints: htlc secrets derive from them.
const localHtlcKey = derivePrivkey(secp, key(I.local_payment_basepoint_secret), perCommitmentPoint);
const remoteHtlcKey = derivePrivkey(secp, key(I.remote_payment_basepoint_secret), perCommitmentPoint);
const fundingWs = fundingScript(hex(K.local_funding_pubkey), hex(K.remote_funding_pubkey));
const fundingOutpoint = { txid: txidFromHex(C.common.funding_txid), vout: C.common.funding_output_index };
const fundingSat = BigInt(C.common.funding_amount_satoshi);
const obscureFactor = commitmentNumberObscureFactor(hex(K.local_payment_basepoint), hex(K.remote_payment_basepoint));
const allHtlcs: CommitmentHtlc[] = C.htlcs.map((h: any) => ({
  offered: h.offered_or_received_by_local === 'offered',
  amountMsat: BigInt(h.amount_msat),
  cltvExpiry: h.expiry,
  paymentHash: hex(h.payment_hash),
  htlcId: BigInt(h.id),
}));
const preimages = new Map<string, Uint8Array>(C.htlcs.map((h: any) => [String(h.id), hex(h.payment_preimage)]));

function build(htlcIds: number[], toLocalMsat: bigint, toRemoteMsat: bigint, feerate: number, dust: bigint, anchors: boolean) {
  return buildCommitmentTransaction({
    fundingOutpoint, commitmentNumber: BigInt(C.common.commitment_number), obscureFactor, broadcasterIsFunder: true,
    toBroadcasterMsat: toLocalMsat, toCountersignatoryMsat: toRemoteMsat, feeratePerKw: feerate, dustLimitSat: dust,
    toSelfDelay: C.common.local_delay, keys, anchors,
    broadcasterFundingPubkey: hex(K.local_funding_pubkey), countersignatoryFundingPubkey: hex(K.remote_funding_pubkey),
    htlcs: htlcIds.map((id) => allHtlcs[id]!),
  });
}

function signCommitment(built: ReturnType<typeof build>) {
  const localSig = signInput(secp, built.tx, 0, fundingWs, fundingSat, localFundingKey);
  const remoteSig = signInput(secp, built.tx, 0, fundingWs, fundingSat, remoteFundingKey);
  const signed = withWitness(built.tx, 0, fundingWitness(fundingWs, hex(K.local_funding_pubkey), localSig, hex(K.remote_funding_pubkey), remoteSig));
  return { localSig, remoteSig, signed };
}

function htlcTxs(built: ReturnType<typeof build>, feerate: number, anchors: boolean) {
  return built.htlcOutputs.map((o) => {
    const tx = buildHtlcTransaction({
      commitmentTxid: built.txid, outputIndex: o.outputIndex, htlc: o.htlc, feeratePerKw: feerate, anchors,
      toSelfDelay: C.common.local_delay, revocationKey: keys.revocationKey, broadcasterDelayedPaymentKey: keys.broadcasterDelayedPaymentKey,
    });
    const value = o.htlc.amountMsat / 1000n;
    const remoteSighash = anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
    const remoteSig = signInput(secp, tx, 0, o.witnessScript, value, remoteHtlcKey, remoteSighash);
    const localSig = signInput(secp, tx, 0, o.witnessScript, value, localHtlcKey);
    assert.ok(verifyInput(secp, tx, 0, o.witnessScript, value, remoteSig, keys.countersignatoryHtlcKey, remoteSighash));
    const preimage = o.htlc.offered ? undefined : preimages.get(String(o.htlc.htlcId));
    return { o, remoteSig, localSig, signed: withWitness(tx, 0, htlcTxWitness(remoteSig, remoteSighash, localSig, preimage, o.witnessScript)) };
  });
}

test('BOLT 3 Appendix B: the funding output script and txid', () => {
  const b = all.appendix_b_funding;
  assert.is(toHex(fundingWs), b.funding_witness_script);
  const tx = parseTx(hex(b.funding_tx));
  assert.is(txidToHex(txidOf(tx)), b.funding_txid);
  assert.equal(tx.outputs[b.funding_output_index]!.scriptPubkey, p2wsh(fundingWs));
  assert.is(tx.outputs[b.funding_output_index]!.valueSat, BigInt(b.funding_satoshis));
  assert.is(toHex(serializeTx(tx)), b.funding_tx);
});

for (const v of C.vectors) {
  test(`BOLT 3 Appendix C: ${v.name}`, () => {
    const built = build(v.htlcs_in_channel, BigInt(v.to_local_msat), BigInt(v.to_remote_msat), v.local_feerate_per_kw, BigInt(C.common.local_dust_limit_satoshi), false);
    const { localSig, remoteSig, signed } = signCommitment(built);
    assert.is(toHex(signatureToDer(remoteSig)), v.remote_signature, 'remote signature');
    assert.is(toHex(signatureToDer(localSig)), v.local_signature, 'local signature');
    assert.is(toHex(serializeTx(signed)), v.commit_tx, 'signed commitment transaction');
    assert.is(built.htlcOutputs.length, v.num_htlcs);
    if (v.expected_base_fee_sat !== null) assert.is(built.baseFeeSat, BigInt(v.expected_base_fee_sat));
    if (v.expected_to_local_output) {
      const out = built.outputs.find((o) => o.kind === 'to_local');
      assert.is(out?.valueSat, BigInt(v.expected_to_local_output.amount_sat));
      assert.is(toHex(out!.witnessScript!), v.expected_to_local_output.witness_script);
    }
    for (const want of v.expected_untrimmed_htlc_outputs) {
      const o = built.htlcOutputs.find((x) => x.htlc.htlcId === BigInt(want.htlc_id));
      assert.ok(o, `HTLC ${want.htlc_id} untrimmed`);
      assert.is(toHex(o!.witnessScript), want.witness_script);
    }
    const txs = htlcTxs(built, v.local_feerate_per_kw, false);
    assert.is(txs.length, v.htlc_txs.length);
    for (const want of v.htlc_txs) {
      const got = txs.find((t) => t.o.outputIndex === want.output_index)!;
      assert.is(toHex(signatureToDer(got.remoteSig)), want.remote_htlc_signature, `HTLC tx ${want.output_index} remote sig`);
      assert.is(toHex(signatureToDer(got.localSig)), want.local_htlc_signature, `HTLC tx ${want.output_index} local sig`);
      assert.is(toHex(serializeTx(got.signed)), want.tx, `HTLC tx ${want.output_index}`);
    }
  });
}

const F = all.appendix_f_anchors;
for (const v of F.vectors) {
  test(`BOLT 3 Appendix F (anchors): ${v.Name}`, () => {
    const ids = !v.UseTestHtlcs ? [] : v.LocalBalance === 6987999999 ? [1, 5, 6] : [0, 1, 2, 3, 4];
    const built = build(ids, BigInt(v.LocalBalance), BigInt(v.RemoteBalance), v.FeePerKw, BigInt(v.DustLimitSatoshis), true);
    const { remoteSig, signed } = signCommitment(built);
    assert.is(toHex(signatureToDer(remoteSig)), v.RemoteSigHex, 'remote signature');
    assert.is(toHex(serializeTx(signed)), v.ExpectedCommitmentTxHex, 'signed commitment transaction');
    const txs = htlcTxs(built, v.FeePerKw, true);
    assert.is(txs.length, v.HtlcDescs.length);
    v.HtlcDescs.forEach((d: any, i: number) => {
      assert.is(toHex(signatureToDer(txs[i]!.remoteSig)), d.RemoteSigHex, `HTLC ${i} remote sig`);
      assert.is(toHex(serializeTx(txs[i]!.signed)), d.ResolutionTxHex, `HTLC ${i} resolution tx`);
    });
  });
}

test('BOLT 3 fee example: weights, HTLC fees, trimming and the base fee', () => {
  const e = vectors('bolt03-fee-example.json').example;
  assert.is(htlcTimeoutFeeSat(e.feerate_per_kw, false), BigInt(e.htlc_timeout_fee_sat));
  assert.is(htlcSuccessFeeSat(e.feerate_per_kw, false), BigInt(e.htlc_success_fee_sat));
  const dust = BigInt(e.dust_limit_satoshis);
  const trimmed = [
    ...e.offered_htlcs_msat.map((m: number) => isHtlcTrimmed(true, BigInt(m), dust, e.feerate_per_kw, false)),
    ...e.received_htlcs_msat.map((m: number) => isHtlcTrimmed(false, BigInt(m), dust, e.feerate_per_kw, false)),
  ];
  assert.equal(trimmed, [false, true, false, true]);
  assert.is(commitmentFeeSat(e.feerate_per_kw, 2, false), BigInt(e.base_commitment_fee_sat));
});

test.run();
