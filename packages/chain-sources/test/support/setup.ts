/** Starts a stand-in server of either kind over a MemoryChain, with a client pointed at it. */
import { blockHashFromInternalBytes, type BestBlock } from '@ln/chain-interfaces';
import { MemoryChain } from '@ln/test-kit';
import { BitcoindRpcClient, EsploraClient, type HttpOptions } from '../../src/index.js';
import { FakeBitcoind, type FakeBitcoindOptions } from './fake-bitcoind.js';
import { FakeEsplora, type FakeEsploraOptions } from './fake-esplora.js';
import type { TestHttpServer } from './http-server.js';

export type Kind = 'bitcoind' | 'esplora';
export const KINDS: readonly Kind[] = ['bitcoind', 'esplora'];

export interface Rig {
  readonly kind: Kind;
  readonly chain: MemoryChain;
  readonly client: BitcoindRpcClient | EsploraClient;
  readonly http: TestHttpServer;
  readonly bitcoind?: FakeBitcoind;
  readonly esplora?: FakeEsplora;
  close(): Promise<void>;
}

export async function startRig(
  kind: Kind,
  opts: { chain?: MemoryChain; http?: HttpOptions; bitcoind?: FakeBitcoindOptions; esplora?: FakeEsploraOptions } = {},
): Promise<Rig> {
  const chain = opts.chain ?? new MemoryChain();
  if (kind === 'bitcoind') {
    const server = await new FakeBitcoind(chain, opts.bitcoind).start();
    const client = new BitcoindRpcClient({ url: server.url, user: 'user', password: 'pass', timeoutMs: 2000, ...opts.http });
    return { kind, chain, client, http: server.server, bitcoind: server, close: () => server.close() };
  }
  const server = await new FakeEsplora(chain, opts.esplora).start();
  const client = new EsploraClient({ baseUrl: server.url, timeoutMs: 2000, ...opts.http });
  return { kind, chain, client, http: server.server, esplora: server, close: () => server.close() };
}

/** The genesis block of a MemoryChain as a BestBlock. */
export function genesisOf(chain: MemoryChain): BestBlock {
  return { blockHash: blockHashFromInternalBytes(chain.getHeader(0)!.hash), height: 0 };
}

/** The tip of a MemoryChain as a BestBlock. */
export function tipOf(chain: MemoryChain): BestBlock {
  return { blockHash: chain.tip.hash, height: chain.tipHeight };
}
