/**
 * Holding a `ChannelManager`'s outbound messages until the manager state that produced them
 * is durable ("persist before you step forward", for the manager as the monitors do it for
 * their updates): the `PeerManager` is given this proxy instead of the manager, and its
 * `getAndClearPendingMsgEvents` hands out only messages whose state was written to the store.
 * After each write, the monitor updates the written manager has in flight go to the monitors
 * (`HeldWatch`).
 *
 * Gossip the manager broadcasts about our own channels is also fed to our own gossip handler
 * (a node does not hear its own broadcasts back), and the node can queue gossip of its own
 * (`node_announcement`).
 */
import type { ChannelManager } from '@ln/channel';
import type { HeldWatch } from './held-watch.js';
import type { ChannelMessageHandler, MessageSendEvent } from '@ln/wire';

/** Gossip a node broadcasts. */
export type GossipMessage = Extract<MessageSendEvent, { type: 'BroadcastGossip' }>['msg'];

/** Where the manager's bytes go; `write` resolves once they are durable. */
export type ManagerWriter = (bytes: Uint8Array) => Promise<void>;

/** Wraps a `ChannelManager` for the `PeerManager` (see the module comment). */
export class PersistedOutbox {
  private held: MessageSendEvent[] = [];
  private ready: MessageSendEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private lastBytes: Uint8Array | undefined;
  private writes = 0;
  /** The handler to give to the `PeerManager`. */
  readonly handler: ChannelMessageHandler;

  private queued = false;

  constructor(
    private cm: ChannelManager,
    private readonly write: ManagerWriter,
    /** Runs before each serialization (the node handles the manager's events and flushes what they wrote). */
    private readonly beforeWrite: () => Promise<void>,
    /** The `Watch` whose held updates go to the monitors once a manager that has them in flight is written. */
    private readonly watch: HeldWatch,
    private readonly ownGossip: (msg: GossipMessage) => void,
    private readonly released: () => void,
    private readonly onError: (e: unknown) => void,
  ) {
    const self = this;
    this.handler = new Proxy(cm as unknown as ChannelMessageHandler, {
      get(_t, prop) {
        if (prop === 'getAndClearPendingMsgEvents') return () => self.drain();
        const v = (self.cm as unknown as Record<string | symbol, unknown>)[prop];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(self.cm) : v;
      },
    });
  }

  /** Manager writes done so far. */
  get writeCount(): number {
    return this.writes;
  }

  /** Queues our own gossip (e.g. a `node_announcement`) to go out with the next release. */
  broadcastOwn(msg: GossipMessage): void {
    this.ready.push({ type: 'BroadcastGossip', msg });
  }

  private drain(): MessageSendEvent[] {
    const evs = this.cm.getAndClearPendingMsgEvents();
    if (evs.length) {
      for (const e of evs) if (e.type === 'BroadcastGossip') this.ownGossip(e.msg);
      this.held.push(...evs);
      this.persist();
    }
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /**
   * Writes the manager if its bytes changed since the last write (after the monitors it
   * depends on are durable), then releases the messages held before that serialization.
   * Writes are chained, so they land (and release) in order; calls made while one is queued
   * join it.
   */
  persist(): Promise<void> {
    if (this.queued) return this.chain;
    this.queued = true;
    this.chain = this.chain.then(async () => {
      this.queued = false;
      try {
        await this.beforeWrite();
      } catch (e) {
        this.onError(e);
        return;
      }
      const batch = this.held;
      this.held = [];
      const inFlight = this.watch.heldCount;
      const bytes = this.cm.serialize();
      if (this.lastBytes === undefined || !equal(bytes, this.lastBytes)) {
        try {
          await this.write(bytes);
          this.lastBytes = bytes;
          this.writes++;
        } catch (e) {
          // Not durable: the messages stay held; the next persist() retries with fresh bytes.
          this.held.unshift(...batch);
          this.onError(e);
          return;
        }
      }
      this.watch.forward(inFlight);
      if (batch.length) this.ready.push(...batch);
      if (batch.length || inFlight) this.released();
    });
    return this.chain;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
