/**
 * What a `Channel` needs from its `ChannelManager`: keys, the monitor seam, fees, the chain
 * tip, and ways to send messages and raise events. The manager implements it once for all
 * its channels.
 */
import type { BestBlock, FeeEstimator, ModuleLogger, NodeSigner, SignerProvider, Watch } from '@ln/chain-interfaces';
import type { Secp256k1 } from '@ln/crypto';
import type { EcdsaChannelSigner } from '@ln/transactions';
import type { ChannelAnnouncement, ChannelUpdate, KnownMessage } from '@ln/wire';
import type { UserConfig } from '../config.js';
import type { ChannelEvent } from '../events.js';
import type { Channel } from './channel.js';
import type { HtlcHooks } from './updates.js';

/** The manager's services, as a channel sees them. */
export interface ChannelContext {
  readonly secp: Secp256k1;
  readonly signerProvider: SignerProvider<EcdsaChannelSigner>;
  readonly nodeSigner: NodeSigner;
  readonly watch: Watch;
  readonly fees: FeeEstimator;
  readonly log: ModuleLogger;
  readonly chainHash: Uint8Array;
  readonly config: UserConfig;
  /** Our node id. */
  readonly ourNodeId: Uint8Array;
  bestBlock(): BestBlock;
  /** Seconds since the epoch (for `channel_update` timestamps); from the caller's clock or the chain. */
  now(): number;
  /** Queue a message to the channel's peer. */
  send(nodeId: Uint8Array, msg: KnownMessage): void;
  /** Queue gossip for every peer. */
  broadcastGossip(msg: ChannelAnnouncement | ChannelUpdate): void;
  event(e: ChannelEvent): void;
  broadcastTransaction(tx: Uint8Array): void;
  /** The payments layer's hooks, if one is attached. */
  htlcHooks(): HtlcHooks | undefined;
  /** Every update a channel handed to the monitor is durable again: resume what waited for it. */
  monitorRestored(ch: Channel): void;
  /** Whether the peer's `init` supports a feature (BOLT 9 name). */
  peerSupports(nodeId: Uint8Array, feature: string): boolean;
}
