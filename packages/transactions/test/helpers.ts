import { readFileSync } from 'node:fs';

const shared = new URL('../../../../shared/vectors/', import.meta.url);
/** Reads a vector file from ../shared/vectors. */
export const vectors = (name: string) => JSON.parse(readFileSync(new URL(name, shared), 'utf8'));
/** Hex to bytes; a 33-byte private key with the trailing 01 (compressed-key convention) is cut to 32. */
export const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
export const key = (s: string) => hex(s).subarray(0, 32);
export const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The Appendix C channel's commitment keys (local commitment), from the vector file. */
export function appendixCKeys() {
  const C = vectors('bolt03-commitment.json').appendix_c_commitment;
  const K = C.keys;
  return {
    perCommitmentPoint: hex(C.internal_derivation_values.local_per_commitment_point),
    revocationKey: hex(K.local_revocation_pubkey),
    broadcasterDelayedPaymentKey: hex(K.local_delayedpubkey),
    broadcasterHtlcKey: hex(K.local_htlcpubkey),
    countersignatoryHtlcKey: hex(K.remote_htlcpubkey),
    countersignatoryPaymentKey: hex(K.remote_payment_basepoint),
  };
}
