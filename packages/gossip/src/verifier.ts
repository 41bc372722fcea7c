/**
 * Signature checking behind one small interface, so the graph is fed in the same order
 * whether signatures are checked inline (any `Secp256k1` backend of `@ln/crypto`) or in bulk
 * on worker threads (`@ln/gossip/node`).
 */
import { defaultSecp256k1, sha256d, type Secp256k1 } from '@ln/crypto';

/**
 * One gossip message's signatures: each of `signatures[i]` must verify against
 * `publicKeys[i]` over SHA256d(`message`), the signed bytes (BOLT 7: "the double-SHA256 of
 * the entire remaining packet after the signature(s)").
 */
export interface SignatureCheck {
  readonly message: Uint8Array;
  readonly signatures: readonly Uint8Array[];
  readonly publicKeys: readonly Uint8Array[];
}

/**
 * Checks many {@link SignatureCheck}s. The result has one entry per check: `-1` when every
 * signature is valid, otherwise the index of the first invalid one. May answer synchronously
 * (an array) or later (a promise); {@link P2PGossipSync} keeps the graph's order either way.
 */
export interface SignatureVerifier {
  readonly name: string;
  /** Checks queued before a batch is sent (1 for inline verifiers). */
  readonly batchSize: number;
  verify(checks: readonly SignatureCheck[]): readonly number[] | Promise<readonly number[]>;
  /** Releases threads or other resources. */
  close?(): Promise<void>;
}

/** Runs one check with a backend: -1 when valid, else the index of the first bad signature. */
export function runCheck(secp: Secp256k1, hash: (b: Uint8Array) => Uint8Array, check: SignatureCheck): number {
  const h = hash(check.message);
  for (let i = 0; i < check.signatures.length; i++) {
    const pk = check.publicKeys[i]!;
    if (!secp.verify(check.signatures[i]!, h, pk)) return i;
  }
  return -1;
}

/** Checks signatures synchronously on the calling thread with a `Secp256k1` backend (default: noble). */
export class InlineVerifier implements SignatureVerifier {
  readonly batchSize = 1;
  readonly name: string;
  constructor(
    private readonly secp: Secp256k1 = defaultSecp256k1(),
    private readonly hash: (b: Uint8Array) => Uint8Array = sha256d,
  ) {
    this.name = `inline-${secp.name}`;
  }
  verify(checks: readonly SignatureCheck[]): number[] {
    return checks.map((c) => runCheck(this.secp, this.hash, c));
  }
}

/** Accepts every signature. Only for data whose signatures were checked before (e.g. reloading a trusted store). */
export class TrustingVerifier implements SignatureVerifier {
  readonly name = 'trusting';
  readonly batchSize = 1;
  verify(checks: readonly SignatureCheck[]): number[] {
    return checks.map(() => -1);
  }
}
