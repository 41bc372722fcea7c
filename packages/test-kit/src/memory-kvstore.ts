/**
 * An in-memory `KVStore` with failure injection, for tests of persistence ("persist in
 * progress", "persist failed") and restarts (`snapshot()` then a new store from it).
 */
import { validateKvName, type KVStore } from '@ln/chain-interfaces';

/** Thrown by a write that a test made fail. */
export class InjectedWriteFailure extends Error {
  override readonly name = 'InjectedWriteFailure';
}

const keyOf = (p: string, s: string, k: string) => `${p}/${s}/${k}`;

/** The in-memory store. Values are copied in and out, as a real store would. */
export class MemoryKVStore implements KVStore {
  private readonly data: Map<string, Uint8Array>;
  private failNext = 0;
  private holding = false;
  private readonly held: { apply: () => void; resolve: () => void }[] = [];
  /** Number of completed writes and removes, for "bytes written per payment"-style assertions. */
  writes = 0;
  bytesWritten = 0;

  constructor(initial?: ReadonlyMap<string, Uint8Array>) {
    this.data = new Map([...(initial ?? new Map())].map(([k, v]) => [k, Uint8Array.from(v)]));
  }

  /** A copy of the current contents: build a new store from it to simulate a restart. */
  snapshot(): Map<string, Uint8Array> {
    return new Map([...this.data].map(([k, v]) => [k, Uint8Array.from(v)]));
  }
  /** A new store with the same contents (a restart from what was durable). */
  clone(): MemoryKVStore {
    return new MemoryKVStore(this.snapshot());
  }
  /** Makes the next `n` writes (and removes) reject with {@link InjectedWriteFailure}, changing nothing. */
  failNextWrites(n = 1): void {
    this.failNext = n;
  }
  /** Holds writes: their promises stay pending and nothing is stored until {@link releaseHeldWrites}. */
  holdWrites(): void {
    this.holding = true;
  }
  /** Applies and resolves every held write in order, and stops holding. */
  releaseHeldWrites(): number {
    this.holding = false;
    const n = this.held.length;
    for (const h of this.held.splice(0)) {
      h.apply();
      h.resolve();
    }
    return n;
  }
  /** Drops held writes as a crash would: they never become durable. */
  dropHeldWrites(): number {
    this.holding = false;
    return this.held.splice(0).length;
  }

  async read(p: string, s: string, k: string): Promise<Uint8Array | undefined> {
    validateKvName(p, s, k);
    const v = this.data.get(keyOf(p, s, k));
    return v && Uint8Array.from(v);
  }
  write(p: string, s: string, k: string, value: Uint8Array): Promise<void> {
    validateKvName(p, s, k);
    const copy = Uint8Array.from(value);
    return this.mutate(() => {
      this.data.set(keyOf(p, s, k), copy);
      this.bytesWritten += copy.length;
    });
  }
  remove(p: string, s: string, k: string, _lazy?: boolean): Promise<void> {
    validateKvName(p, s, k);
    return this.mutate(() => {
      this.data.delete(keyOf(p, s, k));
    });
  }
  async list(p: string, s: string): Promise<string[]> {
    validateKvName(p, s);
    const prefix = `${p}/${s}/`;
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  private mutate(apply: () => void): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new InjectedWriteFailure('injected write failure'));
    }
    const counted = () => {
      apply();
      this.writes++;
    };
    if (this.holding) return new Promise((resolve) => this.held.push({ apply: counted, resolve }));
    counted();
    return Promise.resolve();
  }
}
