/**
 * `chainClientFromSpec`: a client from a one-line spec such as a CLI's
 * `--chain bitcoind:http://user:pass@127.0.0.1:8332` or `--chain esplora:https://mempool.space/api`.
 *
 * @packageDocumentation
 */
import { BitcoindRpcClient, type BitcoindRpcOptions } from './bitcoind/client.js';
import { EsploraClient } from './esplora/client.js';
import { ChainSourceError } from './errors.js';
import type { HttpOptions } from './http.js';

/** Options a spec cannot carry (credentials other than in the URL, transport settings). */
export type ChainSpecOptions = HttpOptions & Pick<BitcoindRpcOptions, 'cookie' | 'user' | 'password' | 'jsonRpcVersion'>;

/**
 * Makes a {@link BitcoindRpcClient} from `bitcoind:URL` (credentials in the URL or in `opts`)
 * or an {@link EsploraClient} from `esplora:URL`. Throws {@link ChainSourceError} for any other spec.
 */
export function chainClientFromSpec(spec: string, opts: ChainSpecOptions = {}): BitcoindRpcClient | EsploraClient {
  const m = /^(bitcoind|esplora):(.+)$/.exec(spec.trim());
  if (!m) throw new ChainSourceError('network', `chain spec must be bitcoind:URL or esplora:URL, got ${JSON.stringify(spec)}`);
  const { cookie, user, password, jsonRpcVersion, ...http } = opts;
  if (m[1] === 'esplora') return new EsploraClient({ ...http, baseUrl: m[2]! });
  return new BitcoindRpcClient({
    ...http,
    url: m[2]!,
    ...(cookie !== undefined && { cookie }),
    ...(user !== undefined && { user }),
    ...(password !== undefined && { password }),
    ...(jsonRpcVersion !== undefined && { jsonRpcVersion }),
  });
}
