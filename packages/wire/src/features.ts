/**
 * BOLT 9 feature bits: one table of every assigned feature with its bits, the contexts where
 * it may appear and its dependencies, and a small immutable `Features` value over the raw
 * big-endian bit field used on the wire (bit 0 is the least significant bit of the last byte).
 */

/** Where a feature may appear (BOLT 9 "Context" column). */
export type FeatureContext =
  /** `I`: the `init` message. */
  | 'init'
  /** `N`: `node_announcement`. */
  | 'node'
  /** `C`: `channel_announcement`. */
  | 'channel'
  /** `9`: BOLT 11 invoices. */
  | 'invoice'
  /** `B`: `allowed_features` of a blinded path. */
  | 'blinded'
  /** `T`: `channel_type` when opening channels. */
  | 'channel_type';

/** One row of the BOLT 9 table. */
export interface FeatureInfo {
  /** The spec's name, e.g. `var_onion_optin`. */
  readonly name: string;
  /** The even (required) bit; the odd (optional) bit is `bit + 1`. */
  readonly bit: number;
  readonly contexts: readonly FeatureContext[];
  /** Features marked ASSUMED: every node supports them; they may still be set. */
  readonly assumed: boolean;
  /** Names of features that must also be set when this one is. */
  readonly dependencies: readonly string[];
}

const row = (bit: number, name: string, ctx: string, deps: string[] = [], assumed = false): FeatureInfo => ({
  name,
  bit,
  assumed,
  dependencies: deps,
  contexts: [...ctx].map((c) => ({ I: 'init', N: 'node', C: 'channel', '9': 'invoice', B: 'blinded', T: 'channel_type' })[c] as FeatureContext),
});

/** Every feature assigned by BOLT 9 at the pinned spec commit. */
export const FEATURES: readonly FeatureInfo[] = [
  row(0, 'option_data_loss_protect', '', [], true),
  row(4, 'option_upfront_shutdown_script', 'IN'),
  row(6, 'gossip_queries', ''),
  row(8, 'var_onion_optin', '', [], true),
  row(10, 'gossip_queries_ex', 'IN'),
  row(12, 'option_static_remotekey', '', [], true),
  row(14, 'payment_secret', '', [], true),
  row(16, 'basic_mpp', 'IN9', ['payment_secret']),
  row(18, 'option_support_large_channel', 'IN'),
  row(22, 'option_anchors', 'INT'),
  row(24, 'option_route_blinding', 'IN9'),
  row(26, 'option_shutdown_anysegwit', 'IN'),
  row(28, 'option_dual_fund', 'IN'),
  row(34, 'option_quiesce', 'IN'),
  row(36, 'option_attribution_data', 'IN9'),
  row(38, 'option_onion_messages', 'IN'),
  row(42, 'option_provide_storage', 'IN'),
  row(44, 'option_channel_type', '', [], true),
  row(46, 'option_scid_alias', 'INT'),
  row(48, 'option_payment_metadata', '9'),
  row(50, 'option_zeroconf', 'INT', ['option_scid_alias']),
  row(60, 'option_simple_close', 'IN', ['option_shutdown_anysegwit']),
  row(62, 'option_splice', 'IN'),
];

const byName = new Map(FEATURES.map((f) => [f.name, f]));
const byBit = new Map(FEATURES.map((f) => [f.bit, f]));

/** The table row of a feature name; throws on a name the table does not have. */
export function featureInfo(name: string): FeatureInfo {
  const f = byName.get(name);
  if (!f) throw new Error(`unknown feature name ${name}`);
  return f;
}
/** The table row for a bit (either of its pair), if the bit is assigned. */
export function featureForBit(bit: number): FeatureInfo | undefined {
  return byBit.get(bit & ~1);
}

/** A problem found by {@link Features.validate}. */
export interface FeatureProblem {
  readonly kind: 'missing_dependency' | 'unknown_required' | 'wrong_context';
  readonly bit: number;
  readonly message: string;
}

/** An immutable set of feature bits. */
export class Features {
  private constructor(private readonly bits: ReadonlySet<number>) {}

  /** Decodes the wire form: big-endian, bit 0 is the last byte's least significant bit. */
  static fromBytes(bytes: Uint8Array): Features {
    const bits = new Set<number>();
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[bytes.length - 1 - i]!;
      for (let b = 0; b < 8; b++) if (byte & (1 << b)) bits.add(i * 8 + b);
    }
    return new Features(bits);
  }
  /** From a list of bit numbers. */
  static fromBits(bits: Iterable<number>): Features {
    return new Features(new Set(bits));
  }
  /** The empty feature set. */
  static empty(): Features {
    return new Features(new Set());
  }
  /** The wire form, minimal length (no leading zero bytes). */
  toBytes(): Uint8Array {
    const max = Math.max(-1, ...this.bits);
    const out = new Uint8Array(Math.ceil((max + 1) / 8));
    for (const b of this.bits) out[out.length - 1 - (b >> 3)]! |= 1 << (b & 7);
    return out;
  }
  /** Every set bit, ascending. */
  setBits(): number[] {
    return [...this.bits].sort((a, b) => a - b);
  }
  hasBit(bit: number): boolean {
    return this.bits.has(bit);
  }
  /** Whether a named feature is set, required or optional. */
  supports(name: string): boolean {
    const f = featureInfo(name);
    return this.bits.has(f.bit) || this.bits.has(f.bit + 1);
  }
  /** Whether a named feature's even (required) bit is set. */
  requires(name: string): boolean {
    return this.bits.has(featureInfo(name).bit);
  }
  /** A copy with the feature set as required (even bit), clearing its optional bit. */
  withRequired(name: string): Features {
    const f = featureInfo(name);
    const s = new Set(this.bits);
    s.delete(f.bit + 1);
    s.add(f.bit);
    return new Features(s);
  }
  /** A copy with the feature set as optional (odd bit), clearing its required bit. */
  withOptional(name: string): Features {
    const f = featureInfo(name);
    const s = new Set(this.bits);
    s.delete(f.bit);
    s.add(f.bit + 1);
    return new Features(s);
  }
  /** A copy with a raw bit set. */
  withBit(bit: number): Features {
    return new Features(new Set([...this.bits, bit]));
  }
  /** A copy without the feature (both bits). */
  without(name: string): Features {
    const f = featureInfo(name);
    const s = new Set(this.bits);
    s.delete(f.bit);
    s.delete(f.bit + 1);
    return new Features(s);
  }
  /** Even bits set that this library does not know (BOLT 1: the receiver must fail the connection). */
  unknownRequiredBits(): number[] {
    return this.setBits().filter((b) => b % 2 === 0 && !byBit.has(b));
  }
  /** Required (even) bits set here that `ours` does not support at all. */
  requiredNotSupportedBy(ours: Features): number[] {
    return this.setBits().filter((b) => b % 2 === 0 && !ours.hasBit(b) && !ours.hasBit(b + 1));
  }
  /**
   * Checks BOLT 9's rules for a feature field used in `context`: every dependency of a set
   * feature is set ("basic_mpp requires payment_secret"), known features appear only in
   * their contexts (ASSUMED features are allowed anywhere), and no unknown even bit is set.
   */
  validate(context?: FeatureContext): FeatureProblem[] {
    const problems: FeatureProblem[] = [];
    for (const bit of this.setBits()) {
      const f = featureForBit(bit);
      if (!f) {
        if (bit % 2 === 0) problems.push({ kind: 'unknown_required', bit, message: `unknown required feature bit ${bit}` });
        continue;
      }
      if (bit === f.bit + 1 && this.bits.has(f.bit)) continue; // pair: counted once, as required
      for (const dep of f.dependencies) {
        if (!this.supports(dep)) problems.push({ kind: 'missing_dependency', bit, message: `${f.name} requires ${dep}` });
      }
      if (context && !f.assumed && !f.contexts.includes(context)) {
        problems.push({ kind: 'wrong_context', bit, message: `${f.name} is not allowed in ${context} features` });
      }
    }
    return problems;
  }
  equals(other: Features): boolean {
    return this.bits.size === other.bits.size && [...this.bits].every((b) => other.bits.has(b));
  }
  /** Names of set features, with `(required)`/`(optional)`, and raw numbers for unknown bits. */
  toString(): string {
    return this.setBits()
      .map((b) => {
        const f = featureForBit(b);
        return f ? `${f.name}(${b % 2 === 0 ? 'required' : 'optional'})` : `bit${b}`;
      })
      .join(',');
  }
}
