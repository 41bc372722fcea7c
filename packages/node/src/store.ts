/**
 * What a `LightningNode` keeps in its `KVStore` (a data directory through test-kit's
 * `FilesystemKVStore`, or any `KVStore`), and under which names:
 *
 * | primary / key | what | written |
 * |---|---|---|
 * | `seed` | the 32-byte seed every key derives from | once, at the first start |
 * | `channel_manager` | `ChannelManager.serialize()` (with its monitor updates in flight) | before those updates reach the monitors and before the messages of each state go out |
 * | `monitors/<name>`, `monitor_updates/<name>/<id>` | monitors and their update deltas (`KVStoreMonitorPersister`) | after the manager that made the update, before the channel steps forward |
 * | `wallet` | the on-chain wallet's coins | after each block and spend |
 * | `network_graph` | `saveGraphSnapshot` of the gossip graph | periodically and at stop |
 * | `gossip_close_watch` | the block the gossip close watcher restarts from, 72 before its last (`close-watch.ts`) | with the graph snapshot |
 * | `scorer` | the `ProbabilisticScorer`'s learned liquidity | after payment outcomes, and at stop |
 * | `payments/<payment id>` | each payment's record (outbound and inbound) | on every change |
 * | `peers/<node id>` | the last address of each peer we have channels with | on connect |
 */
import type { KVStore } from '@ln/chain-interfaces';

export const SEED_KEY = 'seed';
export const MANAGER_KEY = 'channel_manager';
export const WALLET_KEY = 'wallet';
export const GRAPH_KEY = 'network_graph';
export const CLOSE_WATCH_KEY = 'gossip_close_watch';
export const SCORER_KEY = 'scorer';
export const PAYMENTS_NAMESPACE = 'payments';
export const PEERS_NAMESPACE = 'peers';

/**
 * A `KVStore` that calls `onDurable` after every write or removal resolves (the node uses it
 * to wake its event loop when a monitor write completes, so held messages go out at once).
 */
export class NotifyingStore implements KVStore {
  constructor(
    readonly inner: KVStore,
    private readonly onDurable: () => void,
  ) {}
  read(p: string, s: string, k: string): Promise<Uint8Array | undefined> {
    return this.inner.read(p, s, k);
  }
  async write(p: string, s: string, k: string, v: Uint8Array): Promise<void> {
    await this.inner.write(p, s, k, v);
    this.onDurable();
  }
  async remove(p: string, s: string, k: string, lazy?: boolean): Promise<void> {
    await this.inner.remove(p, s, k, lazy);
    this.onDurable();
  }
  list(p: string, s: string): Promise<string[]> {
    return this.inner.list(p, s);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads a JSON value stored with {@link writeJson}. */
export async function readJson<T>(store: KVStore, p: string, k: string): Promise<T | undefined> {
  const b = await store.read(p, '', k);
  return b ? (JSON.parse(dec.decode(b), reviveBigints) as T) : undefined;
}

/** Writes a JSON value; bigints are stored as `"123n"` strings and revived by {@link readJson}. */
export function writeJson(store: KVStore, p: string, k: string, value: unknown): Promise<void> {
  return store.write(p, '', k, enc.encode(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))));
}

function reviveBigints(_k: string, v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v;
}
