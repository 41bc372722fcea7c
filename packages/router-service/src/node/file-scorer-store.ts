/**
 * {@link FileScorerStore}: a {@link ScorerStore} in one file, written atomically (temporary
 * file, fsync, rename), so a crash leaves either the old or the new bytes, never a torn file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { ScorerStore } from '../scorer-store.js';

/** A {@link ScorerStore} in one file. */
export class FileScorerStore implements ScorerStore {
  constructor(readonly path: string) {}
  load(): Uint8Array | undefined {
    return existsSync(this.path) ? new Uint8Array(readFileSync(this.path)) : undefined;
  }
  save(bytes: Uint8Array): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
