/**
 * BOLT 4 route blinding vectors through src/onion/blinding.ts:
 * - bolt04/route-blinding-test.json: building the concatenated Bob→Carol + Dave→Eve path (path
 *   keys, shared secrets, rho, blinded node ids, encrypted data, the override) and unblinding
 *   it at every hop (blinded private key, decrypted data, next path key);
 * - bolt04/blinded-payment-onion-test.json: the payment onion through Alice to that blinded
 *   path, byte for byte, peeled at every hop with the blinded keys, each hop's
 *   encrypted_recipient_data decrypted and decoded, relay amounts and the aggregated payinfo;
 * - vectors/route-blinding-proposal-example.json: fee/CLTV aggregation and per-hop relays.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultSecp256k1, defaultSymmetric } from '@ln/crypto';
import { decodeTlvs, parseScid } from '@ln/wire';
import {
  HOP_PAYLOAD_TLVS, OnionError, aggregateBlindedPayInfo, blindedForward, blindedNodeId, blindedPathAmount, blindedPrivkey, blindingSharedSecret, createBlindedPath,
  createOnion, decodeEncryptedData, decryptRecipientData, encodeEncryptedData, encryptRecipientData, generateKey, nextPathKey, peelOnion, unblindHop,
  type EncryptedData, type OnionCrypto, type PaymentRelay,
} from '../src/onion/index.js';

const c: OnionCrypto = { secp: defaultSecp256k1(), sym: defaultSymmetric() };
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const bolts = new URL('../../../../shared/bolts/bolt04/', import.meta.url);
const rb = JSON.parse(readFileSync(new URL('route-blinding-test.json', bolts), 'utf8'));
const bp = JSON.parse(readFileSync(new URL('blinded-payment-onion-test.json', bolts), 'utf8'));
const ex = JSON.parse(readFileSync(new URL('../../../../shared/vectors/route-blinding-proposal-example.json', import.meta.url), 'utf8'));

/** The vector's JSON form of an encrypted_data_tlv, as our decoded records. */
type JsonTlvs = {
  padding?: string; short_channel_id?: string; next_node_id?: string; path_id?: string; next_path_key_override?: string;
  payment_relay?: { cltv_expiry_delta: number; fee_proportional_millionths?: number; fee_base_msat?: number };
  payment_constraints?: { max_cltv_expiry: number; htlc_minimum_msat: number };
  allowed_features?: { features: number[] };
  [unknown: `unknown_tag_${number}`]: string;
};
function featureBytes(bits: number[]): Uint8Array {
  if (!bits.length) return new Uint8Array(0);
  const len = Math.floor(Math.max(...bits) / 8) + 1;
  const out = new Uint8Array(len);
  for (const b of bits) out[len - 1 - Math.floor(b / 8)]! |= 1 << (b % 8);
  return out;
}
function fromJson(t: JsonTlvs): EncryptedData {
  const unknown = Object.entries(t).filter(([k]) => k.startsWith('unknown_tag_')).map(([k, v]) => ({ type: BigInt(k.slice(12)), value: hex(v as string) }));
  return {
    ...(t.padding !== undefined ? { padding: hex(t.padding) } : {}),
    ...(t.short_channel_id ? { shortChannelId: parseScid(t.short_channel_id) } : {}),
    ...(t.next_node_id ? { nextNodeId: hex(t.next_node_id) } : {}),
    ...(t.path_id ? { pathId: hex(t.path_id) } : {}),
    ...(t.next_path_key_override ? { nextPathKeyOverride: hex(t.next_path_key_override) } : {}),
    ...(t.payment_relay ? { paymentRelay: { cltvExpiryDelta: t.payment_relay.cltv_expiry_delta, feeProportionalMillionths: t.payment_relay.fee_proportional_millionths ?? 0, feeBaseMsat: t.payment_relay.fee_base_msat ?? 0 } } : {}),
    ...(t.payment_constraints ? { paymentConstraints: { maxCltvExpiry: t.payment_constraints.max_cltv_expiry, htlcMinimumMsat: BigInt(t.payment_constraints.htlc_minimum_msat) } } : {}),
    ...(t.allowed_features ? { allowedFeatures: featureBytes(t.allowed_features.features) } : {}),
    ...(unknown.length ? { unknown } : {}),
  };
}

type GenHop = { alias: string; node_id: string; session_key?: string; tlvs: JsonTlvs; encoded_tlvs: string; path_privkey: string; path_key: string; shared_secret: string; rho: string; encrypted_data: string; blinded_node_id: string };
const gen: GenHop[] = rb.generate.hops;

test('route-blinding-test.json: each hop\'s encrypted_data_tlv encodes byte for byte (unknown odd records kept) and decodes back', () => {
  for (const h of gen) {
    const data = fromJson(h.tlvs);
    assert.is(toHex(encodeEncryptedData(data)), h.encoded_tlvs, h.alias);
    assert.equal(decodeEncryptedData(hex(h.encoded_tlvs)), data, h.alias);
  }
});

test('route-blinding-test.json: path keys, shared secrets, rho, blinded node ids and encrypted data of every hop', () => {
  for (const h of gen) {
    const e = hex(h.path_privkey);
    assert.is(toHex(c.secp.publicKeyCreate(e)), h.path_key, `${h.alias} path_key`);
    const ss = blindingSharedSecret(c, e, hex(h.node_id));
    assert.is(toHex(ss), h.shared_secret, `${h.alias} shared secret`);
    assert.is(toHex(generateKey(c, 'rho', ss)), h.rho, `${h.alias} rho`);
    assert.is(toHex(blindedNodeId(c, ss, hex(h.node_id))), h.blinded_node_id, `${h.alias} blinded node id`);
    assert.is(toHex(encryptRecipientData(c, ss, hex(h.encoded_tlvs))), h.encrypted_data, `${h.alias} encrypted data`);
  }
});

test('route-blinding-test.json: createBlindedPath builds both parts; concatenated with the override they give the vector\'s route', () => {
  const part = (hops: GenHop[]) => createBlindedPath(c, hex(hops[0]!.session_key!), hops.map((h) => ({ nodeId: hex(h.node_id), data: hex(h.encoded_tlvs) })));
  const bobCarol = part(gen.slice(0, 2));
  const daveEve = part(gen.slice(2));
  // Carol's data carries next_path_key_override = Dave→Eve's first path key.
  assert.is(toHex(fromJson(gen[1]!.tlvs).nextPathKeyOverride!), toHex(daveEve.firstPathKey));
  // Within each part, the path key chains from the previous hop: E_{i+1} = SHA256(E_i || ss_i) · E_i.
  assert.is(toHex(nextPathKey(c, hex(gen[0]!.path_key), hex(gen[0]!.shared_secret))), gen[1]!.path_key);
  assert.is(toHex(nextPathKey(c, hex(gen[2]!.path_key), hex(gen[2]!.shared_secret))), gen[3]!.path_key);
  const route = { firstNodeId: bobCarol.firstNodeId, firstPathKey: bobCarol.firstPathKey, hops: [...bobCarol.hops, ...daveEve.hops] };
  assert.is(toHex(route.firstNodeId), rb.route.first_node_id);
  assert.is(toHex(route.firstPathKey), rb.route.first_path_key);
  route.hops.forEach((h, i) => {
    assert.is(toHex(h.blindedNodeId), rb.route.hops[i].blinded_node_id, `hop ${i}`);
    assert.is(toHex(h.encryptedRecipientData), rb.route.hops[i].encrypted_data, `hop ${i}`);
  });
});

test('route-blinding-test.json: every hop unblinds (blinded private key, decrypted data, next path key, the override at Carol)', () => {
  type U = { alias: string; node_privkey: string; path_key: string; blinded_privkey: string; decrypted_data: string; next_path_key: string; next_path_key_override?: string };
  let pathKey: Uint8Array = hex(rb.route.first_path_key);
  (rb.unblind.hops as U[]).forEach((u, i) => {
    assert.is(toHex(pathKey), u.path_key, `${u.alias} receives the path key`);
    const r = unblindHop(c, hex(u.node_privkey), pathKey, hex(rb.route.hops[i].encrypted_data));
    assert.is(toHex(r.blindedPrivkey), u.blinded_privkey, u.alias);
    assert.is(toHex(c.secp.publicKeyCreate(r.blindedPrivkey)), rb.route.hops[i].blinded_node_id, `${u.alias}: b_i · G = B_i`);
    assert.is(toHex(r.plaintext), u.decrypted_data, u.alias);
    // The computed E_{i+1}; with an override the hop forwards the override instead.
    assert.is(toHex(nextPathKey(c, pathKey, r.sharedSecret)), u.next_path_key, u.alias);
    if (u.next_path_key_override) assert.is(toHex(r.nextPathKey), u.next_path_key_override);
    else assert.is(toHex(r.nextPathKey), u.next_path_key);
    pathKey = r.nextPathKey;
  });
});

test('blinding: a wrong key, tampered data or an unknown even record is an OnionError', () => {
  const h = gen[0]!;
  const ct = hex(h.encrypted_data);
  const ss = hex(h.shared_secret);
  assert.throws(() => decryptRecipientData(c, hex(gen[1]!.shared_secret), ct), (e: unknown) => e instanceof OnionError && e.code === 'invalid_payload');
  const bad = Uint8Array.from(ct);
  bad[5]! ^= 1;
  assert.throws(() => decryptRecipientData(c, ss, bad), (e: unknown) => e instanceof OnionError);
  // type 16 (even, unknown) inside encrypted_data_tlv: BOLT 4 MUST return an error.
  const unknownEven = encryptRecipientData(c, ss, Uint8Array.from([0x10, 0x01, 0x00]));
  assert.throws(() => unblindHop(c, hex(rb.unblind.hops[0].node_privkey), hex(h.path_key), unknownEven), (e: unknown) => e instanceof OnionError && e.code === 'invalid_payload');
  // A record out of order.
  assert.throws(() => decodeEncryptedData(Uint8Array.from([0x06, 0x01, 0xaa, 0x02, 0x08, 0, 0, 0, 0, 0, 0, 0, 1])), (e: unknown) => e instanceof OnionError);
});

// ------------------------------------------------------------------------- blinded payment onion
type FullHop = { alias: string; pubkey: string; payload: string; tlvs: { encrypted_recipient_data?: JsonTlvs; current_path_key?: string; amt_to_forward?: number; outgoing_cltv_value?: number; total_amount_msat?: number } };
const g = bp.generate;
const full: FullHop[] = g.full_route.hops;
// The vector's payloads carry their BigSize length prefix; the onion API takes the bare TLV stream.
const stripLength = (b: Uint8Array) => (b[0]! < 0xfd ? b.subarray(1) : b.subarray(3));

test('blinded-payment-onion-test.json: the blinded route\'s encrypted data re-encrypts from its records; the payment onion matches byte for byte', () => {
  // Same session keys as route-blinding-test.json (other relay values): the same secrets, new data.
  full.slice(1).forEach((h, i) => {
    const ss = hex(gen[i]!.shared_secret);
    const data = fromJson(h.tlvs.encrypted_recipient_data!);
    const ct = encryptRecipientData(c, ss, encodeEncryptedData(data));
    assert.is(toHex(ct), g.blinded_route.hops[i].encrypted_data, h.alias);
    // The onion goes to the introduction node in the clear (BOLT 4: an unblinded onion to first_node_id), then to each B_i.
    if (i === 0) assert.is(h.pubkey, g.blinded_route.first_node_id);
    else assert.is(toHex(blindedNodeId(c, ss, hex(gen[i]!.node_id))), h.pubkey, `${h.alias}: onion encrypted to the blinded id`);
    assert.is(toHex(blindedNodeId(c, ss, hex(gen[i]!.node_id))), g.blinded_route.hops[i].blinded_node_id);
    const payload = decodeTlvs(stripLength(hex(h.payload)), HOP_PAYLOAD_TLVS);
    assert.is(toHex(payload.encryptedRecipientData!), g.blinded_route.hops[i].encrypted_data);
    if (i === 0) assert.is(toHex(payload.currentPathKey!), g.blinded_route.first_path_key);
  });
  const hops = full.map((h) => ({ pubkey: hex(h.pubkey), payload: stripLength(hex(h.payload)) }));
  const { packet } = createOnion(c, hex(g.session_key), hops, hex(g.associated_data));
  assert.is(toHex(packet), g.onion);
});

test('blinded-payment-onion-test.json: every hop peels the onion (blinded hops with b_i), reads its relay and hands the next path key', () => {
  type D = { alias: string; onion: string; node_privkey: string; next_path_key?: string };
  const dec: D[] = bp.decrypt.hops;
  const assoc = hex(g.associated_data);
  let pathKey: Uint8Array | undefined;
  let amount = BigInt(full[0]!.tlvs.amt_to_forward!);
  let cltv = full[0]!.tlvs.outgoing_cltv_value!;
  dec.forEach((d, i) => {
    const onion = hex(d.onion);
    const k = hex(d.node_privkey);
    // Alice and Bob (the introduction node) peel with their node key; the hops after Bob get
    // path_key in update_add_htlc and peel with b_i (the onion is encrypted to B_i).
    const onionKey = i >= 2 ? blindedPrivkey(c, blindingSharedSecret(c, k, pathKey!), k) : k;
    const peeled = peelOnion(c, onion, onionKey, assoc);
    const payload = decodeTlvs(peeled.payload, HOP_PAYLOAD_TLVS);
    if (i >= 2) {
      // With its plain key the onion does not open.
      assert.throws(() => peelOnion(c, onion, k, assoc), (e: unknown) => e instanceof OnionError && e.code === 'invalid_hmac');
    }
    if (i > 0) {
      // Bob finds current_path_key in his payload.
      const pk = i === 1 ? payload.currentPathKey! : pathKey!;
      if (i === 1) assert.is(toHex(payload.currentPathKey!), g.blinded_route.first_path_key, 'the introduction node reads current_path_key');
      const r = unblindHop(c, k, pk, payload.encryptedRecipientData!);
      assert.equal(r.data, fromJson(full[i]!.tlvs.encrypted_recipient_data!), `${d.alias} data`);
      assert.is(toHex(r.nextPathKey), d.next_path_key, `${d.alias} next path key`);
      pathKey = r.nextPathKey;
      if (r.data.paymentRelay) {
        // A blinded relay computes what to forward from the relay values (BOLT 4).
        const f = blindedForward(r.data.paymentRelay, amount, cltv);
        amount = f.amtToForward;
        cltv = f.outgoingCltvValue;
      } else {
        // Eve, the final node: the payload carries the amount and expiry; the relays delivered at least that.
        assert.ok(amount >= payload.amtToForward!, 'the relays delivered the final amount');
        assert.ok(cltv >= payload.outgoingCltvValue!, 'and the final expiry');
        assert.is(payload.amtToForward, BigInt(g.final_amount_msat));
        assert.is(payload.outgoingCltvValue, g.final_cltv);
        assert.is(toHex(r.data.pathId!), full[i]!.tlvs.encrypted_recipient_data!.path_id);
      }
    } else {
      assert.is(payload.amtToForward, amount);
    }
    assert.is(toHex(peeled.payload), toHex(stripLength(hex(full[i]!.payload))), `${d.alias} payload`);
    if (i + 1 < dec.length) assert.is(toHex(peeled.nextPacket!), dec[i + 1]!.onion, `${d.alias} forwards the next onion`);
    else assert.is(peeled.nextPacket, undefined);
  });
});

test('blinded-payment-onion-test.json: the aggregated blinded_payinfo of the relays (fee_base 10100, 251 ppm, delta 150)', () => {
  const relays = full.slice(1).map((h) => fromJson(h.tlvs.encrypted_recipient_data!).paymentRelay).filter((r): r is PaymentRelay => !!r);
  assert.is(relays.length, 3);
  const info = aggregateBlindedPayInfo(relays);
  assert.equal(info, { feeBaseMsat: BigInt(g.blinded_payinfo.fee_base_msat), feeProportionalMillionths: BigInt(g.blinded_payinfo.fee_proportional_millionths), cltvExpiryDelta: g.blinded_payinfo.cltv_expiry_delta });
  // What Alice forwards to Bob delivers at least final_amount_msat through the path.
  assert.ok(BigInt(full[0]!.tlvs.amt_to_forward!) >= blindedPathAmount(info, BigInt(g.final_amount_msat)) - 1n);
});

test('route-blinding proposal example: aggregate fee/CLTV, the payer\'s amount to Carol, and each relay\'s forward', () => {
  const p = ex.chosen_per_hop_params;
  const relay: PaymentRelay = { cltvExpiryDelta: p.cltv_expiry_delta, feeProportionalMillionths: p.fee_proportional_millionths, feeBaseMsat: p.fee_base_msat };
  const info = aggregateBlindedPayInfo([relay, relay], ex.min_final_cltv_expiry_delta);
  assert.equal(info, { feeBaseMsat: BigInt(ex.aggregate.route_fee_base_msat), feeProportionalMillionths: BigInt(ex.aggregate.route_fee_proportional_millionths), cltvExpiryDelta: ex.aggregate.route_cltv_expiry_delta });
  assert.is(blindedPathAmount(info, BigInt(ex.sender.amount_msat)), BigInt(ex.sender.amount_to_carol_msat));
  assert.is(ex.sender.final_expiry + info.cltvExpiryDelta, ex.sender.expiry_to_carol);
  for (const r of ex.relays as { node: string; incoming_amount_msat: number; incoming_expiry: number; amt_to_forward: number; outgoing_cltv_value: number }[]) {
    assert.equal(blindedForward(relay, BigInt(r.incoming_amount_msat), r.incoming_expiry), { amtToForward: BigInt(r.amt_to_forward), outgoingCltvValue: r.outgoing_cltv_value }, r.node);
  }
  // Alice (the recipient) gets at least what the payer meant to send.
  assert.ok(BigInt(ex.recipient.amount_msat) >= BigInt(ex.recipient.onion_amt_to_forward));
});

test.run();
