import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, hexToBytes, nobleSecp256k1, sha256 } from '@ln/crypto';
import { loadNativeSecp256k1 } from '@ln/crypto/node';
import { scidToString } from '@ln/wire';
import { InvoiceError, decodeInvoice, encodeInvoiceRaw, type InvoiceErrorCode } from '@ln/invoice';

const V = JSON.parse(readFileSync(new URL('../../../../shared/vectors/bolt11-invoices.json', import.meta.url), 'utf8'));
const networks: Record<string, string> = { 'bitcoin mainnet': 'mainnet', 'bitcoin testnet': 'testnet', 'bitcoin signet': 'signet', 'bitcoin regtest': 'regtest' };

for (const secp of [nobleSecp256k1, loadNativeSecp256k1()]) {
  test(`BOLT 11: all 16 valid invoices decode field by field and re-encode to the same string (${secp.name})`, () => {
    assert.is(V.valid.length, 16);
    for (const v of V.valid) {
      const inv = decodeInvoice(v.invoice, { secp });
      const t = v.title.slice(0, 50);
      assert.is(inv.hrp, v.hrp, t);
      assert.is(inv.network, networks[v.network], t);
      assert.is(inv.amountMsat, v.amount_msat === null ? undefined : BigInt(v.amount_msat), t);
      assert.is(inv.timestamp, v.timestamp, t);
      assert.is(bytesToHex(inv.paymentHash), v.payment_hash, t);
      assert.is(bytesToHex(inv.paymentSecret), v.payment_secret, t);
      assert.is(inv.description, v.description ?? undefined, t);
      assert.is(inv.descriptionHash && bytesToHex(inv.descriptionHash), v.description_hash ?? undefined, t);
      if (v.description_hash_preimage) assert.is(bytesToHex(sha256(new TextEncoder().encode(v.description_hash_preimage))), v.description_hash, t);
      assert.is(inv.expirySeconds, v.expiry_seconds ?? 3600, t);
      assert.is(inv.minFinalCltvExpiryDelta, v.min_final_cltv_expiry_delta ?? 18, t);
      assert.equal(inv.fallbackAddresses.map((f) => [f.version, bytesToHex(f.program), f.address]), v.fallback_addresses.map((f: any) => [f.version, f.program, f.address]), t);
      assert.equal(
        inv.routeHints.map((r) => r.map((h) => [bytesToHex(h.pubkey), scidToString(h.shortChannelId), h.feeBaseMsat, h.feeProportionalMillionths, h.cltvExpiryDelta])),
        v.route_hints.map((r: any[]) => r.map((h) => [h.pubkey, h.short_channel_id, h.fee_base_msat, h.fee_proportional_millionths, h.cltv_expiry_delta])),
        t,
      );
      assert.equal(inv.features.setBits(), v.features.bits, t);
      assert.is(inv.paymentMetadata && bytesToHex(inv.paymentMetadata), v.metadata ?? undefined, t);
      assert.is(bytesToHex(inv.payeeNodeId), v.payee_pubkey, t);
      assert.is(bytesToHex(inv.signature), v.signature_rs, t);
      assert.is(inv.recoveryId, v.recovery_id, t);
      // Re-encoding from the raw fields with the same signature reproduces the exact string.
      const again = encodeInvoiceRaw(inv.hrp, inv.timestamp, inv.rawFields, (hash) => {
        assert.is(bytesToHex(hash), v.signing_hash, `${t}: signing hash`);
        return { signature: inv.signature, recoveryId: inv.recoveryId };
      });
      assert.is(again, v.invoice.toLowerCase(), t);
    }
  });
}

const reasonCode: Record<string, InvoiceErrorCode> = {
  unknown_required_feature: 'unknown_required_feature',
  invalid_checksum: 'invalid_checksum',
  no_separator: 'no_separator',
  mixed_case: 'mixed_case',
  signature_not_recoverable: 'signature_not_recoverable',
  too_short: 'too_short',
  invalid_multiplier: 'invalid_multiplier',
  sub_millisatoshi_precision: 'sub_millisatoshi_precision',
  missing_payment_secret: 'missing_payment_secret',
  high_s_signature_with_n_field: 'high_s_signature',
};

test('BOLT 11: all 10 invalid invoices fail, each for its stated reason', () => {
  assert.is(V.invalid.length, 10);
  for (const v of V.invalid) {
    let code = 'decoded';
    try {
      decodeInvoice(v.invoice);
    } catch (e) {
      code = e instanceof InvoiceError ? e.code : `unexpected ${e}`;
    }
    assert.is(code, reasonCode[v.error_kind], v.reason);
  }
});

test('the signing key of the vectors is the payee', () => {
  assert.is(bytesToHex(nobleSecp256k1.publicKeyCreate(hexToBytes(V.signing_private_key))), V.payee_pubkey);
});

test.run();
