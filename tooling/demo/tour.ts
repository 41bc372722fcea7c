#!/usr/bin/env tsx
/**
 * `npm run demo`: a tour of what the library does today, end to end, with a check at every
 * step. Until `@ln/node` and its multi-node demo exist, this is the richest runnable example:
 *
 * 1. crypto backends (which one loaded, and a sign/verify round on each);
 * 2. an in-memory regtest chain: fund a real 2-of-2 P2WSH funding output and bury it six deep;
 * 3. gossip for that channel: a `channel_announcement` and a `channel_update`, signed by four
 *    keys, encoded, decoded back, signatures checked over the exact signed bytes, and the
 *    funding output checked through `UtxoLookup` as BOLT 7 requires;
 * 4. a payment onion across four hops (BOLT 4 TLV hop payloads inside `update_add_htlc`),
 *    peeled hop by hop; the last hop fails it and the origin learns who failed and why;
 * 5. persistence: the crash-safe filesystem KV store.
 *
 * Options: `--seed N` changes every key. Exits non-zero if a check fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, concatBytes, defaultSymmetric, nobleSecp256k1, sha256, sha256d, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { createFailureOnion, createOnion, decodeFailureOnion, peelOnion, wrapFailureOnion } from '@ln/channel';
import { MemoryChain, testNodeKey, testSeed } from '@ln/test-kit';
import { FilesystemKVStore } from '@ln/test-kit/node';
import {
  Features, chainHashOf, decodeMessage, decodeTlvs, encodeMessage, encodeTlvs, makeMessage, scidToString, shortChannelId,
  signedBytesOf, struct, tlv, tu32, tu64, bytes as fixedBytes, type ChannelAnnouncement, type ChannelUpdate, type UpdateAddHtlc,
} from '@ln/wire';

const args = process.argv.slice(2);
const seed = args.includes('--seed') ? args[args.indexOf('--seed') + 1]! : '1';
let failures = 0;
const started = Date.now();
const phase = (n: number, title: string) => console.log(`\n[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] phase ${n}: ${title}`);
const check = (ok: boolean, what: string) => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};

// 1. Crypto backends.
phase(1, 'crypto backends');
const best = loadBestSecp256k1();
console.log(`  secp256k1 backend: ${best.name}${best.skipped.length ? ` (skipped: ${best.skipped.join('; ')})` : ''}`);
const secp: Secp256k1 = best.backend;
for (const b of [nobleSecp256k1, secp]) {
  const k = testNodeKey(`demo-${seed}`);
  const h = sha256(new TextEncoder().encode('hello lightning'));
  check(b.verify(b.sign(h, k.secretKey), h, k.nodeId), `${b.name}: sign and verify`);
}

// 2. A funding output on the in-memory chain.
phase(2, 'in-memory regtest chain: a 2-of-2 funding output, six blocks deep');
const chain = new MemoryChain();
const [alice, bob] = [testNodeKey(`alice-${seed}`), testNodeKey(`bob-${seed}`)];
const [aliceFunding, bobFunding] = [testNodeKey(`alice-funding-${seed}`), testNodeKey(`bob-funding-${seed}`)];
const lt = (a: Uint8Array, b: Uint8Array) => bytesToHex(a) < bytesToHex(b);
const [fk1, fk2] = lt(aliceFunding.nodeId, bobFunding.nodeId) ? [aliceFunding.nodeId, bobFunding.nodeId] : [bobFunding.nodeId, aliceFunding.nodeId];
// BOLT 3 funding output: 2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG, keys in lexicographic order, as P2WSH.
const witnessScript = concatBytes(Uint8Array.of(0x52, 33), fk1, Uint8Array.of(33), fk2, Uint8Array.of(0x52, 0xae));
const p2wsh = concatBytes(Uint8Array.of(0x00, 0x20), sha256(witnessScript));
const capacitySat = 1_000_000n;
const { outpoint } = chain.fund(p2wsh, capacitySat);
chain.mine(6);
const scid = chain.shortChannelIdOf(outpoint)!;
console.log(`  funding output ${bytesToHex(outpoint.txid.slice().reverse()).slice(0, 16)}…:${outpoint.vout}, short channel id ${scidToString(scid)}, tip ${chain.tipHeight}`);
check(chain.confirmations(outpoint.txid) === 6, 'funding transaction has 6 confirmations');

// 3. Gossip for the channel.
phase(3, 'gossip: channel_announcement and channel_update, signed, decoded, validated');
const [n1, n2] = lt(alice.nodeId, bob.nodeId) ? [alice, bob] : [bob, alice];
const [b1, b2] = fk1 === aliceFunding.nodeId ? [aliceFunding, bobFunding] : [bobFunding, aliceFunding];
const regtest = chainHashOf('regtest');
check(bytesToHex(regtest) === bytesToHex(chain.chainHash), 'the in-memory chain is regtest (BOLT 1 chain_hash)');
const zero64 = new Uint8Array(64);
const unsigned = makeMessage('channel_announcement', {
  nodeSignature1: zero64, nodeSignature2: zero64, bitcoinSignature1: zero64, bitcoinSignature2: zero64,
  features: new Uint8Array(0), chainHash: regtest, shortChannelId: scid,
  nodeId1: n1.nodeId, nodeId2: n2.nodeId, bitcoinKey1: b1.nodeId, bitcoinKey2: b2.nodeId,
});
const annHash = sha256d(encodeMessage(unsigned).subarray(2 + 256));
const announcement = { ...unsigned, nodeSignature1: secp.sign(annHash, n1.secretKey), nodeSignature2: secp.sign(annHash, n2.secretKey), bitcoinSignature1: secp.sign(annHash, b1.secretKey), bitcoinSignature2: secp.sign(annHash, b2.secretKey) };
const annBytes = encodeMessage(announcement);
const ann = decodeMessage(annBytes) as ChannelAnnouncement;
const h = sha256d(signedBytesOf(ann)!);
check(
  secp.verify(ann.nodeSignature1, h, ann.nodeId1) && secp.verify(ann.nodeSignature2, h, ann.nodeId2) && secp.verify(ann.bitcoinSignature1, h, ann.bitcoinKey1) && secp.verify(ann.bitcoinSignature2, h, ann.bitcoinKey2),
  `channel_announcement (${annBytes.length} bytes): all four signatures verify over the received signed bytes`,
);
const utxo = chain.getUtxo(ann.chainHash, ann.shortChannelId);
check(utxo.ok && bytesToHex(utxo.output.scriptPubkey) === bytesToHex(p2wsh) && utxo.output.valueSat === capacitySat, `funding output found via UtxoLookup: P2WSH of the bitcoin keys, ${capacitySat} sat`);
const upd = makeMessage('channel_update', {
  signature: zero64, chainHash: regtest, shortChannelId: scid, timestamp: 1_700_000_000, messageFlags: 1, channelFlags: 0,
  cltvExpiryDelta: 144, htlcMinimumMsat: 1000n, feeBaseMsat: 1000, feeProportionalMillionths: 100, htlcMaximumMsat: 990_000_000n,
});
const updSigned = { ...upd, signature: secp.sign(sha256d(encodeMessage(upd).subarray(2 + 64)), n1.secretKey) };
const update = decodeMessage(encodeMessage(updSigned)) as ChannelUpdate;
check(secp.verify(update.signature, sha256d(signedBytesOf(update)!), ann.nodeId1), 'channel_update direction 0 is signed by node_id_1');
const feeFor = (msat: bigint) => BigInt(update.feeBaseMsat) + (msat * BigInt(update.feeProportionalMillionths)) / 1_000_000n;
console.log(`  policy: fee for 100,000 sat = ${feeFor(100_000_000n)} msat, cltv_expiry_delta ${update.cltvExpiryDelta}`);
const features = Features.empty().withOptional('var_onion_optin').withOptional('payment_secret').withOptional('basic_mpp');
check(features.validate('init').length === 0 && Features.empty().withOptional('basic_mpp').validate('init').length === 1, `feature rules: ${features} is valid; basic_mpp alone is not`);

// 4. A payment onion across four hops.
phase(4, 'payment onion: 4 hops, TLV payloads, a failure coming back');
const c = { secp, sym: nodeSymmetric };
const hopKeys = [0, 1, 2, 3].map((i) => testNodeKey(`hop-${i}-${seed}`));
const payloadSchema = {
  amtToForward: tlv(2, tu64),
  outgoingCltvValue: tlv(4, tu32),
  shortChannelId: tlv(6, shortChannelId),
  paymentData: tlv(8, struct({ paymentSecret: fixedBytes(32), totalMsat: tu64 })),
};
const amount = 50_000_000n;
const paymentSecret = testSeed(`secret-${seed}`);
const paymentHash = sha256(testSeed(`preimage-${seed}`));
const payloads = hopKeys.map((_, i) =>
  encodeTlvs(payloadSchema, i < 3
    ? { amtToForward: amount + BigInt((3 - i) * 1000), outgoingCltvValue: 800_000 + (3 - i) * 40, shortChannelId: scid + BigInt(i + 1) }
    : { amtToForward: amount, outgoingCltvValue: 800_000, paymentData: { paymentSecret, totalMsat: amount } }),
);
const { packet, sharedSecrets } = createOnion(c, testSeed(`session-${seed}`), hopKeys.map((k, i) => ({ pubkey: k.nodeId, payload: payloads[i]! })), paymentHash);
const add = decodeMessage(encodeMessage(makeMessage('update_add_htlc', {
  channelId: sha256(Uint8Array.of(1)), id: 0n, amountMsat: amount + 3000n, paymentHash, cltvExpiry: 800_160, onionRoutingPacket: packet,
}))) as UpdateAddHtlc;
let onion = add.onionRoutingPacket;
const seen: Uint8Array[] = [];
for (let i = 0; i < 4; i++) {
  const peeled = peelOnion(c, onion, hopKeys[i]!.secretKey, paymentHash);
  seen.push(peeled.sharedSecret);
  const p = decodeTlvs(peeled.payload, payloadSchema);
  const next = p.shortChannelId !== undefined ? `forward ${p.amtToForward} msat over ${scidToString(p.shortChannelId)}` : `final: ${p.amtToForward} msat, total ${p.paymentData?.totalMsat}`;
  console.log(`  hop ${i}: ${next}, cltv ${p.outgoingCltvValue}`);
  check(bytesToHex(peeled.payload) === bytesToHex(payloads[i]!) && (peeled.nextPacket !== undefined) === (i < 3), `hop ${i} reads exactly its own payload`);
  if (peeled.nextPacket) onion = peeled.nextPacket;
}
// The final hop does not know the payment: incorrect_or_unknown_payment_details (PERM|15) with htlc_msat and height.
const failure = new Uint8Array(2 + 8 + 4);
const fv = new DataView(failure.buffer);
fv.setUint16(0, 0x4000 | 15);
fv.setBigUint64(2, amount);
fv.setUint32(10, 800_000);
let back = createFailureOnion(c, seen[3]!, failure);
for (let i = 2; i >= 0; i--) back = wrapFailureOnion(c, seen[i]!, back);
const decoded = decodeFailureOnion(c, sharedSecrets, back);
check(decoded?.hopIndex === 3 && bytesToHex(decoded.failureMessage) === bytesToHex(failure), `origin decoded the failure: hop ${decoded?.hopIndex}, code 0x${bytesToHex(decoded?.failureMessage.subarray(0, 2) ?? new Uint8Array())} (incorrect_or_unknown_payment_details)`);
check(defaultSymmetric().name === 'noble' && nodeSymmetric.name === 'node', 'symmetric backends: noble (browsers) and node:crypto');

// 5. Persistence.
phase(5, 'persistence: crash-safe filesystem KV store');
const dir = mkdtempSync(join(tmpdir(), 'ln-demo-'));
try {
  const store = await FilesystemKVStore.open(dir);
  await store.write('gossip', '', 'announcement', annBytes);
  const again = await FilesystemKVStore.open(dir);
  const read = await again.read('gossip', '', 'announcement');
  check(read !== undefined && bytesToHex(read) === bytesToHex(annBytes), `channel_announcement persisted and read back after reopening (${dir})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${failures === 0 ? 'all checks passed' : `${failures} check(s) FAILED`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);
