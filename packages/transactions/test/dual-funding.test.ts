import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBase58check } from '@scure/base';
import { nobleSecp256k1 as secp, sha256, signatureToDer } from '@ln/crypto';
import { txidToHex } from '@ln/chain-interfaces';
import { SIGHASH_ALL, fundingScript, p2pkh, p2wsh, parseTx, segwitV0Sighash, serializeTx, txidOf, withWitness, type Transaction } from '@ln/transactions';
import { hex, toHex, vectors } from './helpers.js';

const G = vectors('bolt03-dual-funding.json');
const m = G.expected_messages;
const wifKey = (wif: string) => createBase58check(sha256).decode(wif).subarray(1, 33);

test('BOLT 3 Appendix G: the dual-funded transaction assembled from tx_add_input/tx_add_output sorted by serial_id', () => {
  const inputs = [...m.opener_tx_add_input, ...m.accepter_tx_add_input].sort((a: any, b: any) => a.serial_id - b.serial_id);
  const outputs = [...m.opener_tx_add_output, ...m.accepter_tx_add_output].sort((a: any, b: any) => a.serial_id - b.serial_id);
  const tx: Transaction = {
    version: 2,
    locktime: G.funding.locktime,
    inputs: inputs.map((i: any) => ({ prevout: { txid: txidOf(parseTx(hex(i.prevtx))), vout: i.prev_vout }, scriptSig: new Uint8Array(0), sequence: i.sequence, witness: [] })),
    outputs: outputs.map((o: any) => ({ valueSat: BigInt(o.sats), scriptPubkey: hex(o.script).subarray(1) })),
  };
  assert.is(toHex(serializeTx(tx)), G.unsigned_funding_tx);
  assert.is(txidToHex(txidOf(tx)), m.opener_tx_signatures.txid);
  // The funding output is the 2-of-2 of the two funding keys.
  const fo = G.funding.outputs.funding_output;
  assert.is(toHex(fundingScript(hex(fo.pubkey1), hex(fo.pubkey2))), fo.script);
  assert.is(toHex(p2wsh(hex(fo.script))), fo.scriptPubKey);
  // Fees: weight × feerate / 1000, rounded up as the spec's numbers show (see spec_inconsistencies).
  const fee = (w: number) => BigInt(Math.ceil((w * G.funding.feerate_per_kw) / 1000));
  assert.is(fee(G.expected_fees.opener.weight), BigInt(G.expected_fees.opener.fees_sat));
  assert.is(fee(G.expected_fees.accepter.weight), BigInt(G.expected_fees.accepter.fees_sat));

  // Witnesses: the accepter's P2WPKH input signed with SIGHASH_ALL, the opener's P2WSH hash-lock input.
  const parent = parseTx(hex(inputs[0].prevtx));
  const wpkhInput = G.funding.inputs[1];
  const value = parent.outputs[wpkhInput.prev_vout]!.valueSat;
  const sighash = segwitV0Sighash(tx, 0, p2pkh(hex(wpkhInput.pubkey)), value, SIGHASH_ALL);
  const sig = secp.sign(sighash, wifKey(wpkhInput.privkey));
  const accepterWitness = [Uint8Array.from([...signatureToDer(sig), SIGHASH_ALL]), hex(wpkhInput.pubkey)];
  const wsh = G.funding.inputs[0].witness_data;
  const openerWitness = [hex(wsh.preimage.data), hex(wsh.witness_script.data)];
  const signed = withWitness(withWitness(tx, 0, accepterWitness), 1, openerWitness);
  assert.is(toHex(serializeTx(signed)), G.signed_funding_tx);
});

test.run();
