/** What a `LightningNode` is built from, its timers, and what `getInfo` reports. */
import type { EntropySource, KVStore, Logger, Network } from '@ln/chain-interfaces';
import type { UserConfigOverrides } from '@ln/channel';
import type { Secp256k1 } from '@ln/crypto';
import type { NodeChainSource } from './chain.js';
import type { PaymentPolicy } from './payments.js';

/** How often the node calls each component's timer, in milliseconds. */
export interface NodeTimers {
  /** `ChannelManager.timerTickOccurred` (LDK: once a minute). */
  readonly managerTickMs: number;
  /** `PeerManager.timerTickOccurred`: pings, handshake timeouts. */
  readonly peerTickMs: number;
  /** `P2PGossipSync.timerTickOccurred`: rate-limit refills, held updates. */
  readonly gossipTickMs: number;
  /** `ChainMonitor.timerTick` (retries failed persistence) and reconnection to peers with channels. */
  readonly monitorTickMs: number;
  /** Graph and scorer snapshots. */
  readonly snapshotMs: number;
  /** Delay between `PendingHTLCsForwardable` and `processPendingHtlcForwards` (batches forwards; LDK waits 100 ms or more). */
  readonly forwardDelayMs: number;
}

/** The defaults of {@link NodeTimers}. */
export const DEFAULT_TIMERS: NodeTimers = {
  managerTickMs: 60_000, peerTickMs: 30_000, gossipTickMs: 60_000, monitorTickMs: 10_000, snapshotMs: 600_000, forwardDelayMs: 100,
};

/** How a `LightningNode` is built. Everything else comes from its data directory. */
export interface LightningNodeOptions {
  readonly chain: NodeChainSource;
  /** Directory of the node's state (a `FilesystemKVStore`); or give `store`. */
  readonly dataDir?: string;
  readonly store?: KVStore;
  /** The 32-byte seed; by default read from the store, or created (random) and stored at the first start. */
  readonly seed?: Uint8Array;
  /** The network of invoices (`lnbcrt` for regtest); default regtest. */
  readonly network?: Network;
  /** Where to accept BOLT 8 peers over TCP (port 0: any free one); `undefined`: no listener. */
  readonly listen?: { readonly host?: string; readonly port: number };
  /** Also accept peers over WebSocket (BOLT 8 inside binary frames). */
  readonly webSocket?: { readonly host?: string; readonly port: number };
  readonly alias?: string;
  readonly config?: UserConfigOverrides;
  readonly logger?: Logger;
  readonly secp?: Secp256k1;
  /** Randomness for channel keys ids, ephemeral keys and payment ids (default: the system's). */
  readonly entropy?: EntropySource;
  readonly timers?: Partial<NodeTimers>;
  /** Clock in seconds; default the chain source's, else the system clock. */
  readonly now?: () => number;
  /** Retry budget and fee limit of payments. */
  readonly payments?: Partial<PaymentPolicy>;
}

/** A node's identity and state at a glance. */
export interface NodeInfo {
  readonly nodeId: string;
  readonly alias: string;
  readonly network: Network;
  readonly blockHeight: number;
  readonly listening: readonly string[];
  readonly peers: readonly string[];
  readonly channels: number;
  readonly usableChannels: number;
  readonly graph: { readonly nodes: number; readonly channels: number };
}
