/**
 * `CrashableStore`: an in-memory `KVStore` that can "kill the process" at an exact write, for
 * restart tests at every persistence point.
 *
 * Writes and removes become durable in the order they were issued (one microtask later, like
 * a fast disk). {@link CrashableStore.crashAtWrite} arms a crash: the `n`-th write from now is
 * made durable (or, with `keepCrashingWrite: false`, lost), and from then on nothing else is:
 * that write and later ones reject with {@link ProcessKilled} (nobody in the dead process hears
 * of their completion) and the store reports {@link CrashableStore.crashed}.
 * {@link CrashableStore.durableCopy} gives a fresh store with exactly what survived, to
 * restart from.
 */
import { validateKvName, type KVStore } from '@ln/chain-interfaces';

/**
 * What a write issued by a dead process settles with (so nothing awaiting it hangs; the dead
 * node's objects are discarded anyway). It never became durable, or (for the crashing write with
 * `keepCrashingWrite`) did without anyone being told.
 */
export class ProcessKilled extends Error {
  override readonly name = 'ProcessKilled';
  constructor() {
    super('the process was killed');
  }
}

/** What a write made to fail by {@link CrashableStore.failNextWrites} rejects with. */
export class InjectedWriteFailure extends Error {
  override readonly name = 'InjectedWriteFailure';
  constructor() {
    super('injected write failure');
  }
}

const keyOf = (p: string, s: string, k: string) => `${p}/${s}/${k}`;

/** One durable write, as logged by {@link CrashableStore.log}. */
export interface WriteRecord {
  readonly index: number;
  readonly kind: 'write' | 'remove';
  readonly key: string;
  readonly bytes: number;
}

/** The crash-injecting store (see the module comment). */
export class CrashableStore implements KVStore {
  private readonly data: Map<string, Uint8Array>;
  private issued = 0;
  private failing = 0;
  private failPrefix = '';
  private crashAt: { index: number; keep: boolean } | undefined;
  /** Set once the armed crash happened: the "process" is dead, nothing more becomes durable. */
  crashed = false;
  /** Every write and remove issued, in order (for choosing crash points). */
  readonly log: WriteRecord[] = [];
  /** Called synchronously when the crash happens (the harness marks its node dead). */
  onCrash: (() => void) | undefined;

  constructor(initial?: ReadonlyMap<string, Uint8Array>) {
    this.data = new Map([...(initial ?? new Map())].map(([k, v]) => [k, Uint8Array.from(v)]));
  }

  /** Writes and removes issued so far. */
  get writesIssued(): number {
    return this.issued;
  }

  /**
   * Arms a crash at the `n`-th write or remove issued from now (1 = the next one). With
   * `keepCrashingWrite` (default) that write is durable and everything after it is lost; without,
   * it is lost too.
   */
  crashAtWrite(n: number, keepCrashingWrite = true): void {
    this.crashAt = { index: this.issued + n, keep: keepCrashingWrite };
  }

  /**
   * Makes the next `n` writes and removes (to keys starting with `keyPrefix`, `primary/secondary/key`,
   * if given) reject with {@link InjectedWriteFailure}, changing nothing (a full disk).
   */
  failNextWrites(n = 1, keyPrefix = ''): void {
    this.failing = n;
    this.failPrefix = keyPrefix;
  }

  /** Kills the process now: writes issued from now on are lost. */
  crashNow(): void {
    if (this.crashed) return;
    this.crashed = true;
    this.onCrash?.();
  }

  /** A new store holding exactly what is durable (what a restarted process finds). */
  durableCopy(): CrashableStore {
    return new CrashableStore(this.data);
  }

  async read(p: string, s: string, k: string): Promise<Uint8Array | undefined> {
    validateKvName(p, s, k);
    const v = this.data.get(keyOf(p, s, k));
    return v && Uint8Array.from(v);
  }
  write(p: string, s: string, k: string, value: Uint8Array): Promise<void> {
    validateKvName(p, s, k);
    const copy = Uint8Array.from(value);
    return this.mutate('write', keyOf(p, s, k), copy.length, () => void this.data.set(keyOf(p, s, k), copy));
  }
  remove(p: string, s: string, k: string, _lazy?: boolean): Promise<void> {
    validateKvName(p, s, k);
    return this.mutate('remove', keyOf(p, s, k), 0, () => void this.data.delete(keyOf(p, s, k)));
  }
  async list(p: string, s: string): Promise<string[]> {
    validateKvName(p, s);
    const prefix = `${p}/${s}/`;
    return [...this.data.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map((k) => k.slice(prefix.length));
  }

  private mutate(kind: WriteRecord['kind'], key: string, bytes: number, apply: () => void): Promise<void> {
    const index = ++this.issued;
    this.log.push({ index, kind, key, bytes });
    if (this.crashed) return Promise.reject(new ProcessKilled()); // the process is dead: never durable
    if (this.failing > 0 && key.startsWith(this.failPrefix)) {
      this.failing--;
      return Promise.reject(new InjectedWriteFailure());
    }
    if (this.crashAt && index === this.crashAt.index) {
      if (this.crashAt.keep) apply();
      this.crashNow();
      return Promise.reject(new ProcessKilled());
    }
    apply();
    return Promise.resolve();
  }
}
