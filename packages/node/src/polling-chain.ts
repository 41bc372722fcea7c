/**
 * A `LightningNode` chain from a real backend: `@ln/chain-sources`' bitcoind JSON-RPC or
 * Esplora client, with its `ChainPoller` delivering blocks in order (reorgs as disconnects),
 * its broadcaster, fee estimator (refreshed on every poll) and UTXO lookup for gossip.
 */
import type { BestBlock, Listen, Logger } from '@ln/chain-interfaces';
import {
  BitcoindRpcClient, ChainBroadcaster, ChainFeeEstimator, ChainPoller, ChainUtxoLookup, EsploraClient, type BlockSource,
} from '@ln/chain-sources';
import type { NodeChainSource } from './chain.js';
import { NodeError } from './errors.js';

/** Which backend, from the CLI's `--chain bitcoind:URL` / `esplora:URL`. */
export interface PollingChainOptions {
  readonly kind: 'bitcoind' | 'esplora';
  readonly url: string;
  /** How often to poll for new blocks (default 5 s). */
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/** A polling chain source; call `start()` after the node subscribed its components, `stop()` at the end. */
export type PollingChainSource = NodeChainSource & { readonly start: () => Promise<void>; readonly stop: () => Promise<void> };

/** Parses `bitcoind:URL` or `esplora:URL`. */
export function parseChainSpec(spec: string): PollingChainOptions {
  const i = spec.indexOf(':');
  const kind = spec.slice(0, i);
  const url = spec.slice(i + 1);
  if (i < 0 || (kind !== 'bitcoind' && kind !== 'esplora') || !/^https?:\/\//.test(url)) throw new NodeError(`--chain must be bitcoind:http(s)://... or esplora:http(s)://..., not ${spec}`, 'bad_chain');
  return { kind, url };
}

/** Connects to the backend (reads the genesis hash and the tip) and builds the source. */
export async function pollingChainSource(o: PollingChainOptions): Promise<PollingChainSource> {
  const client = o.kind === 'bitcoind' ? new BitcoindRpcClient({ url: o.url }) : new EsploraClient({ baseUrl: o.url });
  const source = client as BlockSource & { getBlockHash(h: number): Promise<Uint8Array> };
  const genesis = await source.getBlockHash(0);
  let tip: BestBlock = await source.getBestBlock();
  const poller = new ChainPoller(client, o.logger ? { logger: o.logger } : {});
  const fees = new ChainFeeEstimator(client);
  await fees.refresh().catch(() => undefined);
  const pollMs = o.pollMs ?? 5_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | undefined;
  const poll = async () => {
    const r = await poller.poll();
    tip = r.tip;
    await fees.refresh().catch(() => undefined);
  };
  const pollOnce = () => (running ??= poll().finally(() => (running = undefined)));
  return {
    chainHash: genesis,
    broadcaster: new ChainBroadcaster(client, o.logger ? { logger: o.logger } : {}),
    feeEstimator: fees,
    utxoLookup: new ChainUtxoLookup(client, { chainHash: genesis }),
    filter: poller.filter,
    // Where the listeners are (the source may be behind the node, or have reorganised mid-poll).
    bestBlock: () => poller.syncedTo() ?? tip,
    subscribe: (l: Listen, syncedTo: BestBlock) => poller.addListen(l, syncedTo),
    unsubscribe: (l: Listen) => poller.removeListener(l),
    start: async () => {
      await pollOnce();
      timer = setInterval(() => void pollOnce().catch((e) => o.logger?.log({ level: 'warn', module: 'node', message: `chain poll failed: ${(e as Error).message}` })), pollMs);
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
