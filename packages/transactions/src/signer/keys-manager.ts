/**
 * `KeysManager`: every key a node needs, derived deterministically from one 32-byte seed.
 *
 * Derivation (all HMAC-SHA256 keyed by the seed; a result that is not a valid secret key is
 * hashed again with SHA-256 until it is):
 * - node secret: `HMAC(seed, "ln-ts/node")`;
 * - inbound payment key material: `HMAC(seed, "ln-ts/inbound-payment")`;
 * - destination/shutdown key: `HMAC(seed, "ln-ts/destination")`, paid to as P2WPKH;
 * - per channel, from its 32-byte `channelKeysId`: `HMAC(seed, "ln-ts/channel/<name>" || channelKeysId)`
 *   for `funding`, `revocation`, `payment`, `delayed`, `htlc` and the `commitment-seed` (the
 *   BOLT 3 per-commitment secret seed).
 * Channel keys ids come from the entropy source, so they never repeat across restarts; the
 * channel stores its id and gets the same keys back from `deriveChannelSigner`.
 */
import type { EntropySource, KeysInterface, RecoverableSignature } from '@ln/chain-interfaces';
import { concatBytes, hmacSha256, randomBytes, sha256, type Secp256k1 } from '@ln/crypto';
import { p2wpkh } from '../tx/script.js';
import { InMemoryChannelSigner } from './channel-signer.js';

const enc = new TextEncoder();

/** Keys from a seed, implementing `KeysInterface` of `@ln/chain-interfaces`. */
export class KeysManager implements KeysInterface<InMemoryChannelSigner> {
  private readonly nodeSecret: Uint8Array;
  private readonly nodeId: Uint8Array;
  private readonly destinationKey: Uint8Array;

  /**
   * @param seed 32 bytes of secret entropy, stored safely by the user.
   * @param secp the secp256k1 backend.
   * @param entropy randomness for channel keys ids (default: Web Crypto); pass a deterministic
   *   one in tests.
   */
  constructor(
    private readonly seed: Uint8Array,
    private readonly secp: Secp256k1,
    private readonly entropy: EntropySource = { getSecureRandomBytes: () => randomBytes(32) },
  ) {
    if (seed.length !== 32) throw new Error('KeysManager seed must be 32 bytes');
    this.nodeSecret = this.derive('ln-ts/node');
    this.nodeId = secp.publicKeyCreate(this.nodeSecret);
    this.destinationKey = this.derive('ln-ts/destination');
  }

  private derive(label: string, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
    let k = hmacSha256(this.seed, concatBytes(enc.encode(label), extra));
    while (!this.secp.isValidSecretKey(k)) k = sha256(k);
    return k;
  }

  getSecureRandomBytes(): Uint8Array {
    return this.entropy.getSecureRandomBytes();
  }
  getNodeId(): Uint8Array {
    return this.nodeId;
  }
  ecdh(otherKey: Uint8Array, tweak?: Uint8Array): Uint8Array {
    const k = tweak ? this.secp.privateKeyTweakMul(this.nodeSecret, tweak) : this.nodeSecret;
    return this.secp.ecdh(k, otherKey);
  }
  signInvoice(hash: Uint8Array): RecoverableSignature {
    return this.secp.signRecoverable(hash, this.nodeSecret);
  }
  signGossipMessage(hash: Uint8Array): Uint8Array {
    return this.secp.sign(hash, this.nodeSecret);
  }
  getInboundPaymentKeyMaterial(): Uint8Array {
    return hmacSha256(this.seed, enc.encode('ln-ts/inbound-payment'));
  }
  generateChannelKeysId(inbound: boolean, channelValueSat: bigint, userChannelId: bigint): Uint8Array {
    const ctx = enc.encode(`${inbound ? 'in' : 'out'}/${channelValueSat}/${userChannelId}`);
    return sha256(concatBytes(this.entropy.getSecureRandomBytes(), ctx));
  }
  deriveChannelSigner(_channelValueSat: bigint, channelKeysId: Uint8Array): InMemoryChannelSigner {
    const d = (name: string) => this.derive(`ln-ts/channel/${name}`, channelKeysId);
    return new InMemoryChannelSigner(this.secp, channelKeysId, {
      fundingKey: d('funding'),
      revocationBaseKey: d('revocation'),
      paymentKey: d('payment'),
      delayedPaymentBaseKey: d('delayed'),
      htlcBaseKey: d('htlc'),
      commitmentSeed: d('commitment-seed'),
    });
  }
  getDestinationScript(_channelKeysId: Uint8Array): Uint8Array {
    return p2wpkh(this.secp.publicKeyCreate(this.destinationKey));
  }
  getShutdownScriptpubkey(): Uint8Array {
    return p2wpkh(this.secp.publicKeyCreate(this.destinationKey));
  }
  /** The secret key behind the destination script (to spend swept funds, e.g. `SpendableOutputs`). */
  destinationSecretKey(): Uint8Array {
    return this.destinationKey;
  }
}
