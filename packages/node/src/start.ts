/**
 * `ln-node start`: a `LightningNode` on a data directory, following a bitcoind or Esplora
 * backend, accepting peers on `--listen`, with the control API (`control-api.ts`) on `--api`
 * (default 127.0.0.1, any free port; the port is printed and written to `<datadir>/api-port`).
 * Stops cleanly (everything persisted) on SIGINT/SIGTERM.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLevel, LogRecord, Network } from '@ln/chain-interfaces';
import { LOG_LEVEL_RANK } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { chainHashOf } from '@ln/wire';
import { ensureApiToken, startControlApi } from './control-api.js';
import { LightningNode } from './lightning-node.js';
import { parseChainSpec, pollingChainSource } from './polling-chain.js';

const NETWORKS: readonly Network[] = ['regtest', 'signet', 'testnet', 'mainnet'];

function hostPort(s: string, what: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what} must be HOST:PORT, not ${s}`);
  return { host: s.slice(0, i), port };
}

/** Runs the node until a signal; returns -1 (the process stays up) or an exit code on a usage error. */
export async function startCommand(f: Map<string, string>): Promise<number> {
  const known = ['datadir', 'network', 'chain', 'listen', 'api', 'alias', 'poll-ms', 'log-level'];
  for (const k of f.keys()) if (!known.includes(k)) return fail(`unknown option --${k}`);
  const dataDir = f.get('datadir');
  if (!dataDir) return fail('--datadir is required');
  const network = (f.get('network') ?? 'regtest') as Network;
  if (!NETWORKS.includes(network)) return fail(`--network must be one of ${NETWORKS.join(', ')}`);
  const chainSpec = f.get('chain');
  if (!chainSpec) return fail('--chain bitcoind:URL or esplora:URL is required');
  let chainOpts;
  let listen;
  let api;
  try {
    chainOpts = parseChainSpec(chainSpec);
    listen = hostPort(f.get('listen') ?? '127.0.0.1:9735', '--listen');
    api = hostPort(f.get('api') ?? '127.0.0.1:0', '--api');
  } catch (e) {
    return fail((e as Error).message);
  }
  const minLevel = LOG_LEVEL_RANK[(f.get('log-level') ?? 'info') as LogLevel] ?? LOG_LEVEL_RANK.info;
  const logger = {
    log: (r: LogRecord) => {
      if (LOG_LEVEL_RANK[r.level] >= minLevel) process.stderr.write(`${new Date().toISOString()} ${r.level.padEnd(5)} ${r.module}: ${r.message}\n`);
    },
  };
  const chain = await pollingChainSource({ ...chainOpts, logger, ...(f.has('poll-ms') ? { pollMs: Number(f.get('poll-ms')) } : {}) });
  if (!equalBytes(chain.chainHash, chainHashOf(network))) {
    console.error(`the backend's genesis block ${bytesToHex(chain.chainHash)} is not ${network}'s`);
    return 1;
  }
  const node = new LightningNode({ chain, dataDir, network, listen, logger, ...(f.has('alias') ? { alias: f.get('alias')! } : {}) });
  await node.start();
  await chain.start();
  const token = await ensureApiToken(dataDir);
  const control = await startControlApi(node, { token, host: api.host, port: api.port });
  await writeFile(join(dataDir, 'api-port'), `${control.port}\n`);
  console.log(JSON.stringify({ event: 'started', nodeId: node.nodeId, network, listening: node.getInfo().listening, api: `http://${control.host}:${control.port}`, tokenFile: join(dataDir, 'api-token') }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await control.close();
    await node.stop();
    await chain.stop();
    console.log(JSON.stringify({ event: 'stopped', nodeId: node.nodeId }));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return -1;
}

function fail(message: string): number {
  console.error(`${message}\nusage: ln-node start --datadir D [--network regtest|signet|testnet|mainnet] --chain bitcoind:URL|esplora:URL [--listen HOST:PORT] [--api HOST:PORT] [--alias NAME]`);
  return 2;
}
