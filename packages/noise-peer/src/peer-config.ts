/**
 * What the `PeerManager` is given and what it reports: the `SocketDescriptor` the user wires,
 * the limits that bound what a peer can cost, the configuration and the observed events.
 */
import type { EntropySource, Logger } from '@ln/chain-interfaces';
import type { ChannelMessageHandler, CustomMessageHandler, Init, RoutingMessageHandler, WireMessage } from '@ln/wire';
import type { NoiseCrypto, StaticKey } from './keys.js';

/**
 * A socket, as the user wires it. `sendData` writes as much as it can and returns how many
 * bytes it took; when it took fewer, it must call `PeerManager.writeBufferSpaceAvail` once the
 * socket drains. `resumeRead` tells it to resume reading if reads were paused; `data` may then
 * be empty (a resume signal only, nothing to write).
 */
export interface SocketDescriptor {
  sendData(data: Uint8Array, resumeRead: boolean): number;
  disconnectSocket(): void;
}

/** Limits that bound what a peer can cost (BOLT 8 bounds a message at 65535 bytes). */
export interface PeerLimits {
  /** Connections still in the handshake, at most (default 64). */
  readonly maxPendingHandshakes: number;
  /** Timer ticks a handshake may take (default 2). */
  readonly handshakeTimeoutTicks: number;
  /**
   * Queued outbound bytes above which relayed (broadcast) gossip to the peer is dropped, and
   * the routing handler's messages to it (query replies, which are never dropped) are held
   * back (default 256 KiB).
   */
  readonly gossipDropBytes: number;
  /** Queued outbound bytes above which we stop reading from the peer (default 1 MiB). */
  readonly pauseReadBytes: number;
  /** Queued outbound bytes, with the routing messages held for it, above which the peer is disconnected as not reading (default 8 MiB). */
  readonly maxOutboundBytes: number;
  /**
   * Received bytes we hold for a peer and have not processed, above which it is disconnected
   * (default 1 MiB). We stop processing a peer's messages while its outbound queue is above
   * `pauseReadBytes` (so answering its pings cannot grow that queue without bound); what it
   * sends meanwhile waits here, and a socket that keeps delivering after `readEvent` asked it
   * to pause ends here. At rest at most one partial frame (65535 + 34 bytes) is held.
   */
  readonly maxInboundBytes: number;
  /**
   * Timer ticks we wait for a pong while the peer shows it is alive (it sent us a message, or
   * took bytes of the backlog it had at the previous tick) before disconnecting it anyway
   * (default 4). A peer that shows neither is disconnected at the first tick without a pong.
   */
  readonly maxPongWaitTicks: number;
}

/**
 * Passed to the routing handler's `getAndClearPendingMsgEvents(hasRoom)` by
 * `PeerManager.processEvents`: whether a peer has room for more of the handler's messages
 * right now (nothing of them waits in the manager and its queue is at most `gossipDropBytes`).
 * A handler that keeps a per-peer backlog (query replies, the backfill a
 * `gossip_timestamp_filter` asks for) should release it only to peers for which this says
 * yes, as LDK's `PeerManager` pulls its gossip backfill only while a peer's buffer has room.
 * Handlers that ignore it still work: the manager holds what they release (never dropping it)
 * and stops asking while some peer has more than `gossipDropBytes` waiting.
 */
export type GossipRoomCheck = (nodeId: Uint8Array) => boolean;

/** A connected peer's queues and counters (`PeerManager.peerStats`). */
export interface PeerStats {
  /** Encrypted bytes waiting for the socket. */
  readonly queuedOutboundBytes: number;
  /** The routing handler's messages to this peer held until its queue has room (never dropped). */
  readonly heldRoutingMessages: number;
  /** Their encoded size. */
  readonly heldRoutingBytes: number;
  /** Received bytes not yet handled (a partial frame, or messages held while reads are paused). */
  readonly bufferedInboundBytes: number;
  /** Relayed or broadcast gossip not sent to this peer because its queue was over `gossipDropBytes`. */
  readonly gossipDropped: number;
  /** Whether we asked the caller to pause reading from this peer. */
  readonly readPaused: boolean;
  /** Whether handling its input waits for the routing handler's queue (`processingQueueHigh()`). */
  readonly gossipBacklogPaused: boolean;
}

/** The default {@link PeerLimits}. */
export const DEFAULT_PEER_LIMITS: PeerLimits = {
  maxPendingHandshakes: 64,
  handshakeTimeoutTicks: 2,
  gossipDropBytes: 256 * 1024,
  pauseReadBytes: 1024 * 1024,
  maxOutboundBytes: 8 * 1024 * 1024,
  maxInboundBytes: 1024 * 1024,
  maxPongWaitTicks: 4,
};

/** What the `PeerManager` needs. */
export interface PeerManagerConfig {
  readonly crypto: NoiseCrypto;
  /** Our node key (BOLT 8 `ls`). */
  readonly nodeKey: StaticKey;
  /** Randomness for ephemeral keys. */
  readonly entropy: EntropySource;
  readonly channelHandler: ChannelMessageHandler;
  readonly routingHandler: RoutingMessageHandler;
  readonly customHandler?: CustomMessageHandler;
  /**
   * Chains we are on (`init`'s `networks`, BOLT 1); a peer whose `networks` share none is
   * disconnected. Unset: the channel handler's `getChainHashes()`; when that is `undefined`
   * too, we send no `networks` and accept any chain.
   */
  readonly chainHashes?: readonly Uint8Array[];
  readonly logger?: Logger;
  readonly limits?: Partial<PeerLimits>;
  /**
   * Observes the connection's life: every message sent and received (decoded), peers connected
   * after the `init` exchange, and disconnections with their reason. Called synchronously; must
   * not throw. For logging, tracing and tools such as the `ln-peer` CLI.
   */
  readonly onEvent?: (event: PeerEvent) => void;
}

/**
 * What {@link PeerManagerConfig.onEvent} sees. `message` events carry the decoded message
 * (`direction` `in` once it was decrypted and decoded, `out` when it was queued encrypted);
 * `disconnected` says why and whether we decided it (`byUs`) or the socket closed.
 */
export type PeerEvent =
  | { readonly type: 'message'; readonly direction: 'in' | 'out'; readonly nodeId: Uint8Array; readonly msg: WireMessage }
  | { readonly type: 'connected'; readonly nodeId: Uint8Array; readonly inbound: boolean; readonly init: Init }
  | { readonly type: 'disconnected'; readonly nodeId?: Uint8Array; readonly inbound: boolean; readonly reason: string; readonly byUs: boolean; readonly duringHandshake: boolean };
