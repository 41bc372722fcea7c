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
 * 5. persistence: the crash-safe filesystem KV store;
 * 6. BOLT 8 over real TCP on 127.0.0.1: handshake, `init`, ping/pong, 1,200 messages (keys rotate);
 * 7. BOLT 3 + BOLT 11: both sides sign the first commitment of the channel, it is broadcast and
 *    mined (a unilateral close), and an invoice is created, encoded and decoded.
 *
 * Options: `--seed N` changes every key. Exits non-zero if a check fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, concatBytes, defaultSymmetric, nobleSecp256k1, sha256, sha256d, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { createFailureOnion, createOnion, decodeFailureOnion, peelOnion, wrapFailureOnion } from '@ln/channel';
import { createInvoice, decodeInvoice } from '@ln/invoice';
import { NoiseHandshake, staticKeyFromSecret, type NoiseTransport } from '@ln/noise-peer';
import {
  KeysManager, buildCommitmentTransaction, commitmentNumberObscureFactor, deriveCommitmentKeys, fundingScript as bolt3FundingScript,
  fundingWitness, serializeTx, txidOf, withWitness,
} from '@ln/transactions';
import { INITIAL_COMMITMENT_INDEX } from '@ln/chain-interfaces';
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
const p2wshOf = (ws: Uint8Array) => concatBytes(Uint8Array.of(0x00, 0x20), sha256(ws));
const p2wsh = p2wshOf(witnessScript);
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

// 6. BOLT 8 over real TCP.
phase(6, 'BOLT 8 over TCP on 127.0.0.1: handshake, init, ping/pong, key rotation');
{
  const c = { secp, sym: nodeSymmetric };
  const serverKey = staticKeyFromSecret(secp, bob.secretKey);
  const clientKey = staticKeyFromSecret(secp, alice.secretKey);
  /** Frames a socket: collects bytes and hands complete pieces to `onBytes`. */
  const reader = (sock: Socket) => {
    let buf = new Uint8Array(0);
    const waiters: (() => void)[] = [];
    sock.on('data', (d: Buffer) => {
      const next = new Uint8Array(buf.length + d.length);
      next.set(buf, 0);
      next.set(d, buf.length);
      buf = next;
      waiters.splice(0).forEach((w) => w());
    });
    return {
      async take(n: number): Promise<Uint8Array> {
        while (buf.length < n) await new Promise<void>((r) => waiters.push(r));
        const out = buf.slice(0, n);
        buf = buf.slice(n);
        return out;
      },
      async messages(t: NoiseTransport, count: number): Promise<Uint8Array[]> {
        const got: Uint8Array[] = [];
        while (got.length < count) {
          const { messages, consumed } = t.decryptStream(buf);
          buf = buf.slice(consumed);
          got.push(...messages);
          if (got.length < count) await new Promise<void>((r) => waiters.push(r));
        }
        return got;
      },
    };
  };
  const ROUNDS = 1200;
  const server = createServer();
  const serverDone = new Promise<number>((resolve, reject) => {
    server.on('connection', async (sock) => {
      try {
        const r = reader(sock);
        const hs = NoiseHandshake.respond(c, serverKey, testSeed(`server-e-${seed}`));
        sock.write(hs.processActOne(await r.take(50)));
        const { transport, remoteStaticKey } = hs.processActThree(await r.take(66));
        if (bytesToHex(remoteStaticKey) !== bytesToHex(alice.nodeId)) throw new Error('unexpected initiator key');
        let pings = 0;
        for (;;) {
          const [m] = await r.messages(transport, 1);
          const msg = decodeMessage(m!);
          if (msg.type === 'init') sock.write(transport.encryptMessage(encodeMessage(makeMessage('init', { globalfeatures: new Uint8Array(0), features: features.toBytes(), tlvs: { networks: [regtest] } }))));
          else if (msg.type === 'ping') {
            pings++;
            sock.write(transport.encryptMessage(encodeMessage(makeMessage('pong', { ignored: new Uint8Array(msg.numPongBytes) }))));
            if (pings === ROUNDS) break;
          }
        }
        sock.end();
        resolve(pings);
      } catch (e) {
        reject(e);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.on('connect', () => r()));
  const r = reader(sock);
  const { handshake, actOne } = NoiseHandshake.initiate(c, clientKey, bob.nodeId, testSeed(`client-e-${seed}`));
  sock.write(actOne);
  const { actThree, transport } = handshake.processActTwo(await r.take(50));
  sock.write(actThree);
  sock.write(transport.encryptMessage(encodeMessage(makeMessage('init', { globalfeatures: new Uint8Array(0), features: features.toBytes(), tlvs: { networks: [regtest] } }))));
  const [theirInit] = await r.messages(transport, 1);
  const init = decodeMessage(theirInit!);
  check(init.type === 'init' && Features.fromBytes(init.features).supports('basic_mpp'), `handshake done with node ${bytesToHex(bob.nodeId).slice(0, 16)}…; init exchanged (features ${init.type === 'init' ? Features.fromBytes(init.features) : '?'})`);
  const t0 = Date.now();
  let pongs = 0;
  for (let i = 0; i < ROUNDS; i++) {
    sock.write(transport.encryptMessage(encodeMessage(makeMessage('ping', { numPongBytes: 16, ignored: new Uint8Array(8) }))));
    const [pong] = await r.messages(transport, 1);
    const p = decodeMessage(pong!);
    if (p.type === 'pong' && p.ignored.length === 16) pongs++;
  }
  sock.end();
  const served = await serverDone;
  server.close();
  check(pongs === ROUNDS && served === ROUNDS, `${ROUNDS} ping/pong round trips over TCP (${(((Date.now() - t0) / ROUNDS) * 1000).toFixed(0)} µs each), keys rotated ${Math.floor((2 * (ROUNDS + 1)) / 1000)} times each way (every 1000 nonces)`);
}

// 7. BOLT 3 + BOLT 11.
phase(7, 'BOLT 3 commitment signed by both sides and mined; a BOLT 11 invoice');
{
  const aliceKeys = new KeysManager(testSeed(`alice-keys-${seed}`), secp);
  const bobKeys = new KeysManager(testSeed(`bob-keys-${seed}`), secp);
  const a = aliceKeys.deriveChannelSigner(capacitySat, aliceKeys.generateChannelKeysId(false, capacitySat, 1n));
  const b = bobKeys.deriveChannelSigner(capacitySat, bobKeys.generateChannelKeysId(true, capacitySat, 1n));
  const channelFunding = bolt3FundingScript(a.pubkeys.fundingPubkey, b.pubkeys.fundingPubkey);
  const funded = chain.fund(p2wshOf(channelFunding), capacitySat);
  chain.mine(3);
  const idx = INITIAL_COMMITMENT_INDEX;
  const keys = deriveCommitmentKeys(secp, a.getPerCommitmentPoint(idx), a.pubkeys, b.pubkeys);
  const built = buildCommitmentTransaction({
    fundingOutpoint: funded.outpoint, commitmentNumber: 0n, obscureFactor: commitmentNumberObscureFactor(a.pubkeys.paymentPoint, b.pubkeys.paymentPoint),
    broadcasterIsFunder: true, toBroadcasterMsat: 700_000_000n, toCountersignatoryMsat: 300_000_000n, feeratePerKw: 2500, dustLimitSat: 354n,
    toSelfDelay: 144, keys, anchors: true, broadcasterFundingPubkey: a.pubkeys.fundingPubkey, countersignatoryFundingPubkey: b.pubkeys.fundingPubkey, htlcs: [],
  });
  const ctx = { fundingValueSat: capacitySat, anchors: true, feeratePerKw: 2500, toSelfDelay: 144 };
  const bobSig = b.signCounterpartyCommitment(built, keys, { ...ctx, counterpartyFundingPubkey: a.pubkeys.fundingPubkey }).signature;
  const aliceSig = a.signHolderCommitment(built, idx, { ...ctx, counterpartyFundingPubkey: b.pubkeys.fundingPubkey });
  const signed = withWitness(built.tx, 0, fundingWitness(channelFunding, a.pubkeys.fundingPubkey, aliceSig, b.pubkeys.fundingPubkey, bobSig));
  chain.broadcaster.broadcastTransactions([serializeTx(signed)]);
  chain.mine(1);
  check(chain.confirmations(txidOf(signed)) === 1 && !chain.isUnspent(funded.outpoint), `commitment ${bytesToHex(built.txid.slice().reverse()).slice(0, 16)}… (${built.outputs.map((o) => `${o.kind} ${o.valueSat}`).join(', ')}; fee ${built.baseFeeSat} sat) confirmed, funding spent`);
  a.releaseCommitmentSecret(idx);
  let refused = false;
  try {
    a.signHolderCommitment(built, idx, { ...ctx, counterpartyFundingPubkey: b.pubkeys.fundingPubkey });
  } catch {
    refused = true;
  }
  check(refused, 'after revoking that commitment, the signer refuses to sign it again');
  const inv = createInvoice({ network: 'regtest', amountMsat: 50_000_000n, timestamp: 1_700_000_000, paymentHash, paymentSecret, description: 'demo coffee', minFinalCltvExpiryDelta: 40 }, bob.secretKey, secp);
  const decodedInvoice = decodeInvoice(inv, { secp });
  check(decodedInvoice.amountMsat === 50_000_000n && bytesToHex(decodedInvoice.payeeNodeId) === bytesToHex(bob.nodeId), `invoice ${inv.slice(0, 24)}… (${inv.length} chars) decodes: ${decodedInvoice.amountMsat} msat to ${bytesToHex(decodedInvoice.payeeNodeId).slice(0, 16)}…, "${decodedInvoice.description}"`);
}

console.log(`\n${failures === 0 ? 'all checks passed' : `${failures} check(s) FAILED`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);
