/**
 * The consistency test's `Watch`: a monitor store that can persist asynchronously, as BOLT 2's
 * "persist before the message leaves" and LDK's `ChannelMonitorUpdateStatus::InProgress` allow.
 *
 * - In `async` mode every update is `InProgress`. {@link ConsistencyWatch.persistOne} writes one
 *   in-flight update chosen at random (out of order within a channel, channels in any order);
 *   a `Completed` event is queued for the highest id whose every predecessor is written (the
 *   `Watch` contract: `Completed` for id N means every update up to N is durable).
 * - In sync mode an update is `Completed` at once, unless earlier updates of that channel are
 *   still in flight (then it joins them: `Completed` must never overtake an `InProgress`).
 * - {@link ConsistencyWatch.crash} models a process crash: each channel's monitor keeps its
 *   durable updates plus a random number of the in-flight ones (written, not yet acknowledged);
 *   the rest is lost, as are queued events. It returns what a restarted node's monitors report
 *   (`RestoreOptions.monitors`), so the restored manager must hand the lost updates again — in
 *   order, which {@link ConsistencyWatch.updateChannel} enforces.
 */
import type { ChannelMonitorInit, ChannelMonitorUpdate, ChannelMonitorUpdateStatus, MonitorEvent, Watch } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import type { TestWatch } from './harness.js';

interface ChanState {
  readonly channelId: Uint8Array;
  /** Highest update id durable with every predecessor. */
  durable: bigint;
  /** In-flight update ids, ascending. */
  inflight: bigint[];
  /** In-flight ids already written (out of order), not yet part of the durable prefix. */
  written: Set<bigint>;
}

export class ConsistencyWatch implements Watch {
  readonly inits = new Map<string, ChannelMonitorInit>();
  readonly updates = new Map<string, ChannelMonitorUpdate[]>();
  readonly forceClosed = new Map<string, boolean>();
  /** `InProgress` mode. */
  async = false;
  /** `Completed` events queued so far (each one an asynchronous completion). */
  completions = 0;
  /** Updates lost in crashes (the restored manager had to hand them again). */
  lost = 0;
  private readonly chans = new Map<string, ChanState>();
  private pending: MonitorEvent[] = [];

  /** A copy of a synchronous harness watch (every update durable). */
  static from(w: TestWatch): ConsistencyWatch {
    const c = new ConsistencyWatch();
    for (const [k, v] of w.inits) {
      c.inits.set(k, v);
      const list = [...(w.updates.get(k) ?? [])];
      c.updates.set(k, list);
      c.chans.set(k, { channelId: v.channelId, durable: list.length ? list[list.length - 1]!.updateId : 0n, inflight: [], written: new Set() });
    }
    return c;
  }

  watchChannel(init: ChannelMonitorInit): ChannelMonitorUpdateStatus {
    const k = bytesToHex(init.channelId);
    if (this.inits.has(k)) return 'UnrecoverableError';
    this.inits.set(k, init);
    this.updates.set(k, []);
    this.chans.set(k, { channelId: init.channelId, durable: -1n, inflight: [], written: new Set() });
    return this.status(k, 0n);
  }

  updateChannel(update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus {
    const k = bytesToHex(update.channelId);
    const list = this.updates.get(k);
    if (!list) return 'UnrecoverableError';
    const last = list.length ? list[list.length - 1]!.updateId : 0n;
    if (update.updateId !== last + 1n) throw new Error(`ConsistencyWatch: update ${update.updateId} after ${last} (out of order)`);
    list.push(update);
    for (const s of update.steps) if (s.type === 'ChannelForceClosed') this.forceClosed.set(k, s.shouldBroadcast);
    return this.status(k, update.updateId);
  }

  private status(k: string, id: bigint): ChannelMonitorUpdateStatus {
    const c = this.chans.get(k)!;
    if (this.async || c.inflight.length) {
      c.inflight.push(id);
      return 'InProgress';
    }
    c.durable = id;
    return 'Completed';
  }

  /** How many updates are in flight (all channels). */
  inFlight(): number {
    let n = 0;
    for (const c of this.chans.values()) n += c.inflight.length;
    return n;
  }

  /** Writes one in-flight update chosen with `rand` (any channel, any position). Returns false if none is in flight. */
  persistOne(rand: () => number): boolean {
    const busy = [...this.chans.values()].filter((c) => c.inflight.some((id) => !c.written.has(id)));
    if (!busy.length) return false;
    const c = busy[Math.floor(rand() * busy.length)]!;
    const open = c.inflight.filter((id) => !c.written.has(id));
    c.written.add(open[Math.floor(rand() * open.length)]!);
    this.advance(c);
    return true;
  }

  /** Writes every in-flight update. */
  persistAll(): void {
    for (const c of this.chans.values()) {
      for (const id of c.inflight) c.written.add(id);
      this.advance(c);
    }
  }

  private advance(c: ChanState): void {
    let moved = false;
    while (c.inflight.length && c.written.has(c.inflight[0]!)) {
      c.written.delete(c.inflight[0]!);
      c.durable = c.inflight.shift()!;
      moved = true;
    }
    if (moved) {
      this.pending.push({ type: 'Completed', channelId: c.channelId, monitorUpdateId: c.durable });
      this.completions++;
    }
  }

  /**
   * The process dies: per channel, the durable updates plus the first `j` in-flight ones
   * (`j` random) survive, the others are forgotten; queued events are lost. Returns the
   * restarted monitors' latest update ids.
   */
  crash(rand: () => number): { channelId: Uint8Array; latestUpdateId: bigint }[] {
    this.pending = [];
    const out: { channelId: Uint8Array; latestUpdateId: bigint }[] = [];
    for (const [k, c] of this.chans) {
      const j = Math.floor(rand() * (c.inflight.length + 1));
      const keep = j > 0 ? c.inflight[j - 1]! : c.durable;
      this.lost += c.inflight.length - j;
      const list = this.updates.get(k)!;
      this.updates.set(k, list.filter((u) => u.updateId <= keep));
      c.durable = keep;
      c.inflight = [];
      c.written.clear();
      out.push({ channelId: c.channelId, latestUpdateId: keep < 0n ? 0n : keep });
    }
    return out;
  }

  releasePendingMonitorEvents(): MonitorEvent[] {
    const e = this.pending;
    this.pending = [];
    return e;
  }
}
