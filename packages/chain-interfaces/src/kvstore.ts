/**
 * Persistence: a namespaced, asynchronous key-value store the user provides (a filesystem
 * directory, a database table, IndexedDB in a browser, a remote backup service).
 *
 * @packageDocumentation
 */

/**
 * A namespaced key-value store. Keys live under a primary and a secondary namespace, e.g.
 * (`"monitors"`, `""`, `<funding outpoint>`).
 *
 * Caller's obligations (the implementer's contract):
 * - **Durability:** when the promise of {@link KVStore.write} or {@link KVStore.remove}
 *   resolves, the change survives a crash or power loss. The library steps channels forward
 *   only after that.
 * - **Atomic replace:** a reader (including after a crash) sees either the old value or the
 *   new one in full, never a torn mix.
 * - **Ordering:** writes to the same key complete in the order they were issued.
 * - Names use only `[A-Za-z0-9_-]`, at most {@link KVSTORE_NAME_MAX_LEN} characters; the
 *   secondary namespace is `""` when the primary is `""`. {@link validateKvName} checks this.
 * - `read` of a missing key resolves to `undefined`; `list` returns keys in any order.
 */
export interface KVStore {
  read(primaryNamespace: string, secondaryNamespace: string, key: string): Promise<Uint8Array | undefined>;
  write(primaryNamespace: string, secondaryNamespace: string, key: string, value: Uint8Array): Promise<void>;
  /**
   * Removes a key. With `lazy`, the removal may be made durable later (the library uses it
   * for data that is merely redundant, e.g. consolidated monitor updates).
   */
  remove(primaryNamespace: string, secondaryNamespace: string, key: string, lazy?: boolean): Promise<void>;
  list(primaryNamespace: string, secondaryNamespace: string): Promise<string[]>;
}

/** Longest namespace or key name a {@link KVStore} must accept. */
export const KVSTORE_NAME_MAX_LEN = 120;

/** Thrown when a key or namespace breaks the {@link KVStore} naming rules. */
export class KVStoreNameError extends Error {
  override readonly name = 'KVStoreNameError';
}

const NAME_RE = /^[A-Za-z0-9_-]*$/;

/** Checks names against the {@link KVStore} rules; throws {@link KVStoreNameError} naming the bad part. */
export function validateKvName(primaryNamespace: string, secondaryNamespace: string, key?: string): void {
  const parts: [string, string][] = [
    ['primary namespace', primaryNamespace],
    ['secondary namespace', secondaryNamespace],
  ];
  if (key !== undefined) parts.push(['key', key]);
  for (const [what, v] of parts) {
    if (typeof v !== 'string' || v.length > KVSTORE_NAME_MAX_LEN || !NAME_RE.test(v)) {
      throw new KVStoreNameError(`${what} ${JSON.stringify(v)} must match [A-Za-z0-9_-]{0,${KVSTORE_NAME_MAX_LEN}}`);
    }
  }
  if (primaryNamespace === '' && secondaryNamespace !== '') {
    throw new KVStoreNameError(`secondary namespace ${JSON.stringify(secondaryNamespace)} given without a primary namespace`);
  }
  if (key !== undefined && key === '') throw new KVStoreNameError('key must not be empty');
}
