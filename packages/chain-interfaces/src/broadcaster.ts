/**
 * Broadcasting transactions: what the user provides so that commitments, closes, claims
 * and justice transactions reach the network.
 *
 * @packageDocumentation
 */
import type { RawTransaction } from './primitives.js';

/**
 * Sends transactions to the bitcoin network.
 *
 * Caller's obligations (the implementer's contract):
 * - `broadcastTransactions` must not block and must not throw: queue and send in the background.
 * - The library rebroadcasts what still matters (claims are retried on every block until they
 *   confirm deeply), so a dropped broadcast is not fatal, but it should be logged.
 * - When several transactions are given at once they may depend on each other (a parent and a
 *   child that spends it): submit them as a package, or parents first.
 * - Broadcasting a transaction that is already known or already confirmed must be harmless.
 */
export interface BroadcasterInterface {
  broadcastTransactions(txs: readonly RawTransaction[]): void;
}
