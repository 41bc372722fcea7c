/**
 * The typed event stream of a `LightningNode`: what happened to peers, channels, payments and
 * on-chain funds, as one discriminated union (the `type` field), delivered to
 * `node.subscribe(listener)` and awaited with `node.waitFor(...)`.
 */

/** Everything a `LightningNode` tells its user. Ids and hashes are lowercase hex; amounts bigint. */
export type NodeEvent =
  | { readonly type: 'PeerConnected'; readonly nodeId: string; readonly inbound: boolean }
  | { readonly type: 'PeerDisconnected'; readonly nodeId: string; readonly reason: string }
  /** The funding transaction is signed by both sides and broadcast (BOLT 2 `funding_signed`). */
  | { readonly type: 'ChannelPending'; readonly channelId: string; readonly counterpartyNodeId: string; readonly fundingTxid: string }
  /** Both sides sent `channel_ready`: the channel carries payments. */
  | { readonly type: 'ChannelReady'; readonly channelId: string; readonly counterpartyNodeId: string; readonly shortChannelId?: string }
  | { readonly type: 'ChannelClosed'; readonly channelId: string; readonly counterpartyNodeId: string; readonly reason: string }
  /** An outbound payment reached the payee (its preimage is proof of payment). */
  | {
      readonly type: 'PaymentSent'; readonly paymentId: string; readonly paymentHash: string; readonly preimage: string;
      readonly amountMsat: bigint; readonly feeMsat: bigint; readonly attempts: number; readonly parts: number;
    }
  /** An attempt (one path of a payment) failed; the node retries on another path while the budget lasts. */
  | {
      readonly type: 'PaymentAttemptFailed'; readonly paymentId: string; readonly paymentHash: string; readonly shortChannelId?: string;
      readonly failure?: string; readonly permanent: boolean; readonly willRetry: boolean;
      /** The short channel ids (`BxTxO`) of the path that failed, first hop first. */
      readonly path: readonly string[];
    }
  | { readonly type: 'PaymentFailed'; readonly paymentId: string; readonly paymentHash: string; readonly reason: string; readonly attempts: number }
  /** We were paid (and claimed the payment). */
  | { readonly type: 'PaymentReceived'; readonly paymentHash: string; readonly amountMsat: bigint; readonly keysend: boolean }
  | { readonly type: 'PaymentForwarded'; readonly feeEarnedMsat: bigint; readonly amountForwardedMsat: bigint }
  /** A transaction of ours went to the chain: a funding, a sweep of a closed channel's output. */
  | { readonly type: 'OnChainTransaction'; readonly txid: string; readonly kind: 'funding' | 'sweep' | 'send' }
  /** A block was processed. */
  | { readonly type: 'BlockProcessed'; readonly height: number };

/** A `NodeEvent` of one `type`. */
export type NodeEventOf<T extends NodeEvent['type']> = Extract<NodeEvent, { type: T }>;
