/**
 * `@ln/test-kit/node`: a filesystem `KVStore` (production quality: `@ln/node` keeps its data
 * directory with it).
 *
 * Layout: `<dir>/<primary>/<secondary>/<key>` (empty namespaces are left out of the path).
 * A write is atomic and durable when its promise resolves: the value goes to a temporary file
 * in the same directory, which is fsynced, renamed over the key, and the directory is fsynced
 * so the rename itself survives a power loss. A crash leaves either the old or the new value,
 * never a torn one; stale temporary files are ignored by `list` and removed on `open`.
 *
 * @packageDocumentation
 */
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { validateKvName, type KVStore } from '@ln/chain-interfaces';

const TMP_MARK = '.tmp-';

/** A `KVStore` on a directory of the local filesystem. */
export class FilesystemKVStore implements KVStore {
  private counter = 0;
  private constructor(readonly dir: string) {}

  /** Opens (creating if needed) a store rooted at `dir`, removing temporary files left by a crash. */
  static async open(dir: string): Promise<FilesystemKVStore> {
    await mkdir(dir, { recursive: true });
    const store = new FilesystemKVStore(dir);
    await store.cleanTemp(dir);
    return store;
  }

  private async cleanTemp(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await this.cleanTemp(p);
      else if (e.name.startsWith('.') && e.name.includes(TMP_MARK)) await unlink(p).catch(() => {});
    }
  }

  private nsDir(p: string, s: string): string {
    return join(this.dir, ...[p, s].filter((x) => x !== ''));
  }

  async read(p: string, s: string, k: string): Promise<Uint8Array | undefined> {
    validateKvName(p, s, k);
    try {
      const b = await readFile(join(this.nsDir(p, s), k));
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw e;
    }
  }

  async write(p: string, s: string, k: string, value: Uint8Array): Promise<void> {
    validateKvName(p, s, k);
    const dir = this.nsDir(p, s);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${k}${TMP_MARK}${process.pid}-${this.counter++}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(value);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, k));
    await this.syncDir(dir);
  }

  async remove(p: string, s: string, k: string, lazy = false): Promise<void> {
    validateKvName(p, s, k);
    const dir = this.nsDir(p, s);
    await rm(join(dir, k), { force: true });
    if (!lazy) await this.syncDir(dir).catch(() => {});
  }

  async list(p: string, s: string): Promise<string[]> {
    validateKvName(p, s);
    try {
      const entries = await readdir(this.nsDir(p, s), { withFileTypes: true });
      return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
