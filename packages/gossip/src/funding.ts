/** The funding output a `channel_announcement` must point at (BOLT 3 "Funding Transaction Output"). */
import { sha256 } from '@ln/crypto';
import { compareBytes } from './bytes.js';

/** `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, keys in lexicographic order (BOLT 3). */
export function fundingWitnessScript(bitcoinKey1: Uint8Array, bitcoinKey2: Uint8Array): Uint8Array {
  const [a, b] = compareBytes(bitcoinKey1, bitcoinKey2) <= 0 ? [bitcoinKey1, bitcoinKey2] : [bitcoinKey2, bitcoinKey1];
  const s = new Uint8Array(71);
  s[0] = 0x52;
  s[1] = 33;
  s.set(a, 2);
  s[35] = 33;
  s.set(b, 36);
  s[69] = 0x52;
  s[70] = 0xae;
  return s;
}

/** The P2WSH `scriptPubKey` of the 2-of-2 funding output: `OP_0 <sha256(witness script)>`. */
export function fundingScriptPubkey(bitcoinKey1: Uint8Array, bitcoinKey2: Uint8Array): Uint8Array {
  const out = new Uint8Array(34);
  out[0] = 0x00;
  out[1] = 0x20;
  out.set(sha256(fundingWitnessScript(bitcoinKey1, bitcoinKey2)), 2);
  return out;
}
