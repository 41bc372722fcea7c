/**
 * The README's example: poll a bitcoind into a `Listen`, with fees, broadcasts and UTXO
 * lookups from the same client. Run it against a regtest bitcoind:
 *
 *   npx tsx examples/poll-bitcoind.ts http://127.0.0.1:18443 user pass
 *
 * (the package's tests run `pollBitcoind` against the 127.0.0.1 JSON-RPC stand-in).
 */
import type { Listen } from '@ln/chain-interfaces';
import { BitcoindRpcClient, ChainBroadcaster, ChainFeeEstimator, ChainPoller, ChainUtxoLookup } from '@ln/chain-sources';

export async function pollBitcoind(url: string, user: string, password: string, log: (line: string) => void = console.log) {
  const client = new BitcoindRpcClient({ url, user, password });
  const listener: Listen = {
    blockConnected: (block, height) => log(`connected ${height} (${block.transactions.length} txs)`),
    blockDisconnected: (_header, height) => log(`disconnected ${height}`),
    filteredBlockConnected: () => undefined,
  };
  const poller = new ChainPoller(client);
  poller.addListen(listener, { blockHash: await client.getBlockHash(0), height: 0 }); // a new listener: from genesis
  const result = await poller.poll(); // one call; poller.start(5_000) would poll every 5 s
  const fees = new ChainFeeEstimator(client);
  await fees.refresh(); // then getEstSatPer1000Weight() answers synchronously from the cache
  log(`tip ${result.tip.height}, ${result.connected} blocks connected, sweep feerate ${fees.getEstSatPer1000Weight('OnChainSweep')} sat/kw`);
  return { poller, fees, broadcaster: new ChainBroadcaster(client), utxos: new ChainUtxoLookup(client), result };
}

if (process.argv[1]?.endsWith('poll-bitcoind.ts')) {
  const [url = 'http://127.0.0.1:18443', user = 'user', password = 'pass'] = process.argv.slice(2);
  pollBitcoind(url, user, password).catch((e: unknown) => {
    console.error(String(e));
    process.exitCode = 1;
  });
}
