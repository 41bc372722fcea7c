/** A `KVStore` that can "crash": after `crash()`, writes and removals never complete and never reach the disk. */
import type { KVStore } from '@ln/chain-interfaces';

export class CrashableStore implements KVStore {
  private crashed = false;
  private readonly droppedKeys = new Set<string>();
  /** Writes issued after the crash (lost). */
  lost = 0;
  constructor(private readonly inner: KVStore) {}
  crash(): void {
    this.crashed = true;
  }
  /** From now on, writes of `key` (any namespace) are lost as in a crash, while every other write lands (fire-and-forget writes racing a crash). */
  loseWritesOf(key: string): void {
    this.droppedKeys.add(key);
  }
  read(p: string, s: string, k: string): Promise<Uint8Array | undefined> {
    return this.inner.read(p, s, k);
  }
  write(p: string, s: string, k: string, v: Uint8Array): Promise<void> {
    if (this.crashed || this.droppedKeys.has(k)) {
      this.lost++;
      return new Promise(() => undefined);
    }
    return this.inner.write(p, s, k, v);
  }
  remove(p: string, s: string, k: string, lazy?: boolean): Promise<void> {
    if (this.crashed) return new Promise(() => undefined);
    return this.inner.remove(p, s, k, lazy);
  }
  list(p: string, s: string): Promise<string[]> {
    return this.inner.list(p, s);
  }
}
