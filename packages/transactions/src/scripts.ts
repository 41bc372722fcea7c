/**
 * BOLT 3 witness scripts: funding output, `to_local`, `to_remote` (anchors), anchor outputs,
 * offered and received HTLC outputs, for `option_static_remotekey` channels with and without
 * `option_anchors` (zero-fee HTLC transactions).
 */
import { compareBytes, hash160, ripemd160 } from '@ln/crypto';
import { OP, pushData, pushNumber, script } from './tx/script.js';

const { OP_IF, OP_ELSE, OP_ENDIF, OP_NOTIF, OP_DROP, OP_DUP, OP_SWAP, OP_SIZE, OP_EQUAL, OP_EQUALVERIFY, OP_HASH160, OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CHECKMULTISIG, OP_CHECKLOCKTIMEVERIFY, OP_CHECKSEQUENCEVERIFY, OP_IFDUP, OP_16 } = OP;

/** BOLT 3 "Funding Transaction Output": `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, keys in lexicographic order. */
export function fundingScript(fundingPubkeyA: Uint8Array, fundingPubkeyB: Uint8Array): Uint8Array {
  const [k1, k2] = compareBytes(fundingPubkeyA, fundingPubkeyB) < 0 ? [fundingPubkeyA, fundingPubkeyB] : [fundingPubkeyB, fundingPubkeyA];
  return script(pushNumber(2), pushData(k1), pushData(k2), pushNumber(2), OP_CHECKMULTISIG);
}

/** BOLT 3 `to_local`: revocable by `revocationpubkey`, else `local_delayedpubkey` after `to_self_delay`. Also the output of HTLC transactions. */
export function toLocalScript(revocationPubkey: Uint8Array, toSelfDelay: number, delayedPubkey: Uint8Array): Uint8Array {
  return script(OP_IF, pushData(revocationPubkey), OP_ELSE, pushNumber(toSelfDelay), OP_CHECKSEQUENCEVERIFY, OP_DROP, pushData(delayedPubkey), OP_ENDIF, OP_CHECKSIG);
}

/** BOLT 3 `to_remote` with `option_anchors`: `<remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY` (P2WSH). */
export function toRemoteAnchorScript(remotePubkey: Uint8Array): Uint8Array {
  return script(pushData(remotePubkey), OP_CHECKSIGVERIFY, pushNumber(1), OP_CHECKSEQUENCEVERIFY);
}

/** BOLT 3 anchor output: the funding key can spend at once; anyone after 16 blocks. */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  return script(pushData(fundingPubkey), OP_CHECKSIG, OP_IFDUP, OP_NOTIF, OP_16, OP_CHECKSEQUENCEVERIFY, OP_ENDIF);
}

/** The keys an HTLC script needs (from the commitment broadcaster's point of view). */
export interface HtlcScriptKeys {
  readonly revocationKey: Uint8Array;
  /** The broadcaster's htlc key (`local_htlcpubkey` on our commitment). */
  readonly broadcasterHtlcKey: Uint8Array;
  /** The countersignatory's htlc key (`remote_htlcpubkey` on our commitment). */
  readonly countersignatoryHtlcKey: Uint8Array;
}

/** BOLT 3 "Offered HTLC Outputs": offered by the broadcaster; with `anchors`, the `1 OP_CHECKSEQUENCEVERIFY OP_DROP` variant. */
export function offeredHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, anchors: boolean): Uint8Array {
  return script(
    OP_DUP, OP_HASH160, pushData(hash160(keys.revocationKey)), OP_EQUAL,
    OP_IF,
    OP_CHECKSIG,
    OP_ELSE,
    pushData(keys.countersignatoryHtlcKey), OP_SWAP, OP_SIZE, pushNumber(32), OP_EQUAL,
    OP_NOTIF,
    OP_DROP, pushNumber(2), OP_SWAP, pushData(keys.broadcasterHtlcKey), pushNumber(2), OP_CHECKMULTISIG,
    OP_ELSE,
    OP_HASH160, pushData(ripemd160OfHash(paymentHash)), OP_EQUALVERIFY,
    OP_CHECKSIG,
    OP_ENDIF,
    ...(anchors ? [pushNumber(1), OP_CHECKSEQUENCEVERIFY, OP_DROP] : []),
    OP_ENDIF,
  );
}

/** BOLT 3 "Received HTLC Outputs": received by the broadcaster. */
export function receivedHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, cltvExpiry: number, anchors: boolean): Uint8Array {
  return script(
    OP_DUP, OP_HASH160, pushData(hash160(keys.revocationKey)), OP_EQUAL,
    OP_IF,
    OP_CHECKSIG,
    OP_ELSE,
    pushData(keys.countersignatoryHtlcKey), OP_SWAP, OP_SIZE, pushNumber(32), OP_EQUAL,
    OP_IF,
    OP_HASH160, pushData(ripemd160OfHash(paymentHash)), OP_EQUALVERIFY,
    pushNumber(2), OP_SWAP, pushData(keys.broadcasterHtlcKey), pushNumber(2), OP_CHECKMULTISIG,
    OP_ELSE,
    OP_DROP, pushNumber(cltvExpiry), OP_CHECKLOCKTIMEVERIFY, OP_DROP,
    OP_CHECKSIG,
    OP_ENDIF,
    ...(anchors ? [pushNumber(1), OP_CHECKSEQUENCEVERIFY, OP_DROP] : []),
    OP_ENDIF,
  );
}

/**
 * `RIPEMD160(payment_hash)`: the scripts check `OP_HASH160 <preimage>` (= RIPEMD160(SHA256(preimage)))
 * against it.
 */
function ripemd160OfHash(paymentHash: Uint8Array): Uint8Array {
  return ripemd160(paymentHash);
}
