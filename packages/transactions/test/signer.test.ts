import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nobleSecp256k1 as secp, signatureToDer } from '@ln/crypto';
import { INITIAL_COMMITMENT_INDEX, txidFromHex } from '@ln/chain-interfaces';
import {
  InMemoryChannelSigner, KeysManager, TransactionError, buildCommitmentTransaction, commitmentNumberObscureFactor, deriveCommitmentKeys,
  p2wpkh, perCommitmentSecret, toLocalScript, verifyInput, type CommitmentKeys,
} from '@ln/transactions';
import { appendixCKeys, hex, key, toHex, vectors } from './helpers.js';

const C = vectors('bolt03-commitment.json').appendix_c_commitment;
const K = C.keys;
const I = C.internal_derivation_values;

function vectorSigners() {
  // The Appendix C channel: payment basepoints double as htlc basepoints.
  const local = new InMemoryChannelSigner(secp, new Uint8Array(32), {
    fundingKey: key(K.local_funding_privkey), revocationBaseKey: new Uint8Array(32).fill(9), paymentKey: key(I.local_payment_basepoint_secret),
    delayedPaymentBaseKey: key(I.local_delayed_payment_basepoint_secret), htlcBaseKey: key(I.local_payment_basepoint_secret), commitmentSeed: new Uint8Array(32).fill(1),
  });
  const remote = new InMemoryChannelSigner(secp, new Uint8Array(32), {
    fundingKey: key(I.remote_funding_privkey), revocationBaseKey: key(I.remote_revocation_basepoint_secret), paymentKey: key(I.remote_payment_basepoint_secret),
    delayedPaymentBaseKey: new Uint8Array(32).fill(7), htlcBaseKey: key(I.remote_payment_basepoint_secret), commitmentSeed: new Uint8Array(32).fill(2),
  });
  return { local, remote };
}

const perCommitmentPoint = hex(I.local_per_commitment_point);
const keys: CommitmentKeys = appendixCKeys();
const v = C.vectors[1]; // all five HTLCs untrimmed
const built = buildCommitmentTransaction({
  fundingOutpoint: { txid: txidFromHex(C.common.funding_txid), vout: 0 }, commitmentNumber: 42n,
  obscureFactor: commitmentNumberObscureFactor(hex(K.local_payment_basepoint), hex(K.remote_payment_basepoint)),
  broadcasterIsFunder: true, toBroadcasterMsat: BigInt(v.to_local_msat), toCountersignatoryMsat: BigInt(v.to_remote_msat),
  feeratePerKw: v.local_feerate_per_kw, dustLimitSat: 546n, toSelfDelay: 144, keys, anchors: false,
  broadcasterFundingPubkey: hex(K.local_funding_pubkey), countersignatoryFundingPubkey: hex(K.remote_funding_pubkey),
  htlcs: v.htlcs_in_channel.map((id: number) => {
    const h = C.htlcs[id];
    return { offered: h.offered_or_received_by_local === 'offered', amountMsat: BigInt(h.amount_msat), cltvExpiry: h.expiry, paymentHash: hex(h.payment_hash), htlcId: BigInt(id) };
  }),
});
const ctx = { fundingValueSat: 10_000_000n, anchors: false, feeratePerKw: v.local_feerate_per_kw, toSelfDelay: 144 };

test('the counterparty signer reproduces the vector\'s commitment and HTLC signatures', () => {
  const { remote } = vectorSigners();
  const sigs = remote.signCounterpartyCommitment(built, keys, { ...ctx, counterpartyFundingPubkey: hex(K.local_funding_pubkey) });
  assert.is(toHex(signatureToDer(sigs.signature)), v.remote_signature);
  const byIndex = new Map(v.htlc_txs.map((t: any) => [t.output_index, t.remote_htlc_signature]));
  built.htlcOutputs.forEach((o, i) => assert.is(toHex(signatureToDer(sigs.htlcSignatures[i]!)), byIndex.get(o.outputIndex)));
});

test('the holder signer signs its commitment, and refuses once that commitment is revoked', () => {
  const { local } = vectorSigners();
  const idx = INITIAL_COMMITMENT_INDEX - 42n;
  const sig = local.signHolderCommitment(built, idx, { ...ctx, counterpartyFundingPubkey: hex(K.remote_funding_pubkey) });
  assert.is(toHex(signatureToDer(sig)), v.local_signature);
  local.releaseCommitmentSecret(idx + 1n); // revoking the previous commitment does not revoke this one
  assert.ok(local.signHolderCommitment(built, idx, { ...ctx, counterpartyFundingPubkey: hex(K.remote_funding_pubkey) }));
  local.releaseCommitmentSecret(idx);
  try {
    local.signHolderCommitment(built, idx, { ...ctx, counterpartyFundingPubkey: hex(K.remote_funding_pubkey) });
    assert.unreachable('signed a revoked commitment');
  } catch (e) {
    assert.ok(e instanceof TransactionError && e.code === 'revoked_commitment');
  }
  assert.throws(() => local.signHolderHtlcTransaction(built.tx, new Uint8Array(1), 1n, idx + 5n), (e: unknown) => e instanceof TransactionError && e.code === 'revoked_commitment');
});

test('justice: the revocation key the victim derives from the released secret spends the revoked to_local', () => {
  const { remote } = vectorSigners();
  const secret = key(I.x_local_per_commitment_secret);
  const toLocal = built.outputs.findIndex((o) => o.kind === 'to_local');
  const ws = toLocalScript(keys.revocationKey, 144, keys.broadcasterDelayedPaymentKey);
  const justice = {
    version: 2, locktime: 0,
    inputs: [{ prevout: { txid: built.txid, vout: toLocal }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
    outputs: [{ valueSat: built.outputs[toLocal]!.valueSat - 1000n, scriptPubkey: p2wpkh(hex(K.remote_funding_pubkey)) }],
  };
  const sig = remote.signJusticeInput(justice, 0, ws, built.outputs[toLocal]!.valueSat, secret);
  assert.ok(verifyInput(secp, justice, 0, ws, built.outputs[toLocal]!.valueSat, sig, keys.revocationKey));
});

test('KeysManager: deterministic from the seed, distinct per channel, keys consistent with derivation', () => {
  let n = 0;
  const entropy = { getSecureRandomBytes: () => new Uint8Array(32).fill(++n) };
  const seed = new Uint8Array(32).fill(42);
  const a = new KeysManager(seed, secp, entropy);
  const b = new KeysManager(seed, secp);
  assert.equal(a.getNodeId(), b.getNodeId());
  assert.equal(a.getShutdownScriptpubkey(), b.getShutdownScriptpubkey());
  const id1 = a.generateChannelKeysId(false, 100_000n, 1n);
  const id2 = a.generateChannelKeysId(false, 100_000n, 1n);
  assert.not.equal(id1, id2);
  const s1 = a.deriveChannelSigner(100_000n, id1);
  assert.equal(b.deriveChannelSigner(100_000n, id1).pubkeys, s1.pubkeys, 'same id, same keys, on another instance');
  assert.not.equal(a.deriveChannelSigner(100_000n, id2).pubkeys.fundingPubkey, s1.pubkeys.fundingPubkey);
  // Per-commitment points are the BOLT 3 generator's outputs.
  const point = s1.getPerCommitmentPoint(INITIAL_COMMITMENT_INDEX);
  assert.equal(secp.publicKeyCreate(s1.releaseCommitmentSecret(INITIAL_COMMITMENT_INDEX)), point);
  // ECDH agrees from both sides; gossip and invoice signatures verify.
  const other = new KeysManager(new Uint8Array(32).fill(7), secp);
  assert.equal(a.ecdh(other.getNodeId()), other.ecdh(a.getNodeId()));
  const h = new Uint8Array(32).fill(3);
  assert.ok(secp.verify(a.signGossipMessage(h), h, a.getNodeId()));
  const r = a.signInvoice(h);
  assert.equal(secp.recover(r.signature, r.recoveryId, h), a.getNodeId());
  // Commitment keys derived for a real channel between the two managers.
  const s2 = other.deriveChannelSigner(100_000n, other.generateChannelKeysId(true, 100_000n, 2n));
  const ck = deriveCommitmentKeys(secp, point, s1.pubkeys, s2.pubkeys);
  assert.is(ck.revocationKey.length, 33);
  assert.equal(ck.countersignatoryPaymentKey, s2.pubkeys.paymentPoint);
  assert.ok(perCommitmentSecret(new Uint8Array(32), 0n).length === 32);
});

test.run();
