/**
 * Syncing the graph from Lightning peers: a `PeerManager` (`@ln/noise-peer`, BOLT 8 over Node
 * TCP) drives a `P2PGossipSync` (`@ln/gossip`, BOLT 7 validation and gossip queries) over a
 * `NetworkGraph`. The service has no channels (an `ErroringMessageHandler` answers channel
 * messages) and no chain: without a `UtxoLookup`, channels are accepted on their signatures and
 * their capacity stays unknown (the router then uses `htlc_maximum_msat`). The library starts no
 * timer, so this module runs them: `processEvents` every `pumpMs` (async signature checks and
 * paced query replies go out from there), the peer manager's ping tick every `pingTickMs`, the
 * gossip tick every minute, and reconnects after `reconnectMs` when a peer goes away.
 */
import type { Logger, UtxoLookup } from '@ln/chain-interfaces';
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { InlineVerifier, NetworkGraph, P2PGossipSync, type InitialSync, type SignatureVerifier } from '@ln/gossip';
import { PeerManager, staticKeyFromSecret, type PeerEvent } from '@ln/noise-peer';
import { connect } from '@ln/noise-peer/node';
import { ErroringMessageHandler } from '@ln/wire';

/** A peer to sync from: `NODEID@HOST:PORT`. */
export interface PeerAddress {
  readonly nodeId: Uint8Array;
  readonly host: string;
  readonly port: number;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Parses `NODEID@HOST:PORT` (an IPv6 host in brackets); throws `Error` saying what is wrong. */
export function parsePeerAddress(text: string): PeerAddress {
  const m = /^(0[23][0-9a-fA-F]{64})@(\[[0-9a-fA-F:.]+\]|[^:@\s]+):(\d{1,5})$/.exec(text);
  if (!m) throw new Error(`not NODEID@HOST:PORT: ${JSON.stringify(text)}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`port out of range: ${port}`);
  const nodeId = Uint8Array.from(m[1]!.match(/../g)!, (h) => parseInt(h, 16));
  return { nodeId, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/** Options of a {@link PeerSync}. */
export interface PeerSyncOptions {
  readonly peers: readonly PeerAddress[];
  /** The graph to fill (default a new mainnet one, signatures kept so the service can relay and answer queries). */
  readonly graph?: NetworkGraph;
  /** Our node secret (default random: a service needs no stable identity). */
  readonly nodeSecret?: Uint8Array;
  /** Signature checks (default inline with the fastest secp256k1 backend that loads). */
  readonly verifier?: SignatureVerifier;
  readonly utxoLookup?: UtxoLookup;
  readonly initialSync?: InitialSync;
  /** The gossip clock, seconds (default the system clock). */
  readonly now?: () => number;
  readonly pumpMs?: number;
  readonly pingTickMs?: number;
  readonly reconnectMs?: number;
  readonly logger?: Logger;
}

/** One peer's state, as the health endpoint reports it. */
export interface PeerProgress {
  readonly node_id: string;
  readonly address: string;
  readonly connected: boolean;
  /** Our gossip queries to it were all answered and what came is applied to the graph. */
  readonly synced: boolean;
  readonly last_error?: string;
}

/** Gossip sync progress. */
export interface SyncProgress {
  readonly channels: number;
  readonly nodes: number;
  /** Some peer answered all our queries and every message received was applied. */
  readonly synced: boolean;
  readonly synced_at?: number;
  readonly pending_messages: number;
  readonly accepted: { readonly channel_announcements: number; readonly channel_updates: number; readonly node_announcements: number };
  readonly rejected: number;
  readonly peers: readonly PeerProgress[];
}

interface PeerSlot {
  readonly addr: PeerAddress;
  connected: boolean;
  everSynced: boolean;
  lastError?: string;
  retry?: ReturnType<typeof setTimeout>;
}

/** A gossip client that keeps a `NetworkGraph` in sync with some peers. */
export class PeerSync {
  readonly graph: NetworkGraph;
  readonly gossip: P2PGossipSync;
  readonly pm: PeerManager;
  /** How signatures are checked (e.g. `inline-native`, `workers-2x-native`). */
  readonly verifierName: string;
  private readonly slots: PeerSlot[];
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private stopped = false;
  private syncedAt?: number;

  constructor(private readonly opts: PeerSyncOptions) {
    const { backend: secp } = loadBestSecp256k1();
    this.graph = opts.graph ?? new NetworkGraph();
    const verifier = opts.verifier ?? new InlineVerifier(secp);
    this.verifierName = verifier.name;
    this.gossip = new P2PGossipSync({
      graph: this.graph,
      verifier,
      utxoLookup: opts.utxoLookup,
      now: opts.now,
      initialSync: opts.initialSync,
      logger: opts.logger,
    });
    const secret = opts.nodeSecret ?? randomSecret(secp);
    this.pm = new PeerManager({
      crypto: { secp, sym: nodeSymmetric },
      nodeKey: staticKeyFromSecret(secp, secret),
      entropy: { getSecureRandomBytes: () => globalThis.crypto.getRandomValues(new Uint8Array(32)) },
      channelHandler: new ErroringMessageHandler(),
      routingHandler: this.gossip,
      chainHashes: [this.graph.chainHash],
      logger: opts.logger,
      onEvent: (e) => this.onEvent(e),
    });
    this.slots = opts.peers.map((addr) => ({ addr, connected: false, everSynced: false }));
  }

  /** Our node id. */
  get nodeId(): Uint8Array {
    return this.pm.nodeId;
  }

  /** Dials every peer and starts the timers. Connection failures are retried, not thrown. */
  start(): void {
    const every = (ms: number, f: () => void) => {
      const t = setInterval(f, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.pumpMs ?? 50, () => {
      this.pm.processEvents();
      this.noteSynced();
    });
    every(this.opts.pingTickMs ?? 15_000, () => this.pm.timerTickOccurred());
    every(60_000, () => this.gossip.timerTickOccurred());
    for (const s of this.slots) void this.dial(s);
  }

  private async dial(s: PeerSlot): Promise<void> {
    if (this.stopped) return;
    try {
      await connect(this.pm, s.addr.nodeId, s.addr.host, s.addr.port, () => this.noteSynced());
    } catch (e) {
      s.lastError = (e as Error).message;
      this.scheduleRetry(s);
    }
  }

  private scheduleRetry(s: PeerSlot): void {
    if (this.stopped || s.retry) return;
    s.retry = setTimeout(() => {
      s.retry = undefined;
      void this.dial(s);
    }, this.opts.reconnectMs ?? 5000);
    s.retry.unref();
  }

  private slotOf(nodeId: Uint8Array | undefined): PeerSlot | undefined {
    if (!nodeId) return undefined;
    const k = hex(nodeId);
    return this.slots.find((s) => hex(s.addr.nodeId) === k);
  }

  private onEvent(e: PeerEvent): void {
    if (e.type === 'connected') {
      const s = this.slotOf(e.nodeId);
      if (s) (s.connected = true), (s.lastError = undefined);
    } else if (e.type === 'disconnected') {
      const s = this.slotOf(e.nodeId);
      if (!s) return;
      s.connected = false;
      s.lastError = e.reason;
      this.scheduleRetry(s);
    }
  }

  private peerSynced(s: PeerSlot): boolean {
    return s.connected && this.gossip.isSyncedWith(s.addr.nodeId) && this.gossip.pendingCount === 0;
  }

  private noteSynced(): void {
    for (const s of this.slots) {
      if (!s.everSynced && this.peerSynced(s)) {
        s.everSynced = true;
        this.syncedAt ??= Date.now();
      }
    }
  }

  /** A value that changes whenever gossip changed the graph (for {@link RoutingView}). */
  changeStamp(): string {
    const a = this.gossip.stats.accepted;
    return `${this.graph.channelCount}/${this.graph.nodeCount}/${a.channelAnnouncements}/${a.channelUpdates}/${a.nodeAnnouncements}`;
  }

  /** What the health endpoint reports. */
  progress(): SyncProgress {
    const a = this.gossip.stats.accepted;
    return {
      channels: this.graph.channelCount,
      nodes: this.graph.nodeCount,
      synced: this.syncedAt !== undefined,
      ...(this.syncedAt !== undefined ? { synced_at: this.syncedAt } : {}),
      pending_messages: this.gossip.pendingCount,
      accepted: { channel_announcements: a.channelAnnouncements, channel_updates: a.channelUpdates, node_announcements: a.nodeAnnouncements },
      rejected: Object.values(this.gossip.stats.rejected).reduce((x, n) => x + (n ?? 0), 0),
      peers: this.slots.map((s) => ({
        node_id: hex(s.addr.nodeId),
        address: `${s.addr.host.includes(':') ? `[${s.addr.host}]` : s.addr.host}:${s.addr.port}`,
        connected: s.connected,
        synced: this.peerSynced(s),
        ...(s.lastError ? { last_error: s.lastError } : {}),
      })),
    };
  }

  /** Stops the timers and disconnects every peer. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.slots) if (s.retry) clearTimeout(s.retry);
    for (const id of this.pm.getPeerNodeIds()) this.pm.disconnectByNodeId(id, 'service stopping');
  }
}

function randomSecret(secp: { isValidSecretKey(k: Uint8Array): boolean }): Uint8Array {
  for (;;) {
    const k = globalThis.crypto.getRandomValues(new Uint8Array(32));
    if (secp.isValidSecretKey(k)) return k;
  }
}
