/** The BOLT 11 invoice data model. */
import type { Features } from '@ln/wire';
import type { InvoiceNetwork } from './amount.js';

/** One hop of an `r` field: a private channel from `pubkey` towards the payee (BOLT 11 "Tagged Fields"). */
export interface RouteHintHop {
  readonly pubkey: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

/** An `f` field: witness version 0–16 with its program, 17 (P2PKH hash) or 18 (P2SH hash). */
export interface FallbackAddress {
  readonly version: number;
  readonly program: Uint8Array;
  /** The address string for the invoice's network. */
  readonly address: string;
}

/** A tagged field as it appeared (type and 5-bit data), kept so a decoded invoice re-encodes exactly. */
export interface RawTaggedField {
  readonly type: number;
  readonly data: readonly number[];
}

/** What a writer puts in an invoice. */
export interface InvoiceFields {
  readonly network: InvoiceNetwork;
  readonly amountMsat?: bigint;
  /** Seconds since 1970. */
  readonly timestamp: number;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  /** Exactly one of `description` and `descriptionHash`. */
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  readonly expirySeconds?: number;
  readonly minFinalCltvExpiryDelta?: number;
  readonly fallbackAddresses?: readonly Omit<FallbackAddress, 'address'>[];
  readonly routeHints?: readonly (readonly RouteHintHop[])[];
  readonly features?: Features;
  readonly paymentMetadata?: Uint8Array;
  /** Include the `n` field with the payee's node id (readers then need no key recovery). */
  readonly payeeNodeId?: Uint8Array;
}

/** A decoded, verified invoice. */
export interface Invoice {
  readonly network: InvoiceNetwork;
  /** The human-readable part, e.g. `lnbc2500u`. */
  readonly hrp: string;
  readonly amountMsat?: bigint;
  readonly timestamp: number;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  /** `x`, or the default 3600 seconds. */
  readonly expirySeconds: number;
  /** `c`, or the default 18. */
  readonly minFinalCltvExpiryDelta: number;
  readonly fallbackAddresses: readonly FallbackAddress[];
  readonly routeHints: readonly (readonly RouteHintHop[])[];
  readonly features: Features;
  readonly paymentMetadata?: Uint8Array;
  /** From the `n` field, or recovered from the signature. */
  readonly payeeNodeId: Uint8Array;
  /** Whether `payeeNodeId` came from an `n` field. */
  readonly payeeNodeIdInField: boolean;
  /** 64-byte compact signature and its recovery id. */
  readonly signature: Uint8Array;
  readonly recoveryId: number;
  /** Every tagged field in order, as written. */
  readonly rawFields: readonly RawTaggedField[];
  /** Whether the invoice has expired at `nowSeconds`. */
  isExpired(nowSeconds: number): boolean;
}
