/**
 * `ln-node`: the command line of `@ln/node`.
 *
 *   ln-node demo [--nodes N] [--payments N] [--seed S] [--keep]
 *   ln-node start --datadir D [--network regtest|signet|testnet|mainnet] --chain bitcoind:URL|esplora:URL
 *                 [--listen HOST:PORT] [--api HOST:PORT] [--alias NAME]
 *
 * `start` runs a `LightningNode` on the data directory and a local HTTP JSON control API (see
 * `control-api.ts`), bound to 127.0.0.1 by default and protected by the token in
 * `<datadir>/api-token`.
 */
import { runDemo } from './demo/demo.js';
import { startCommand } from './start.js';

function flags(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) m.set(a.slice(2), 'true');
    else {
      m.set(a.slice(2), next);
      i++;
    }
  }
  return m;
}

const USAGE = `usage:
  ln-node demo [--nodes N] [--payments N] [--seed S] [--keep]
  ln-node start --datadir D [--network regtest|signet|testnet|mainnet] --chain bitcoind:URL|esplora:URL [--listen HOST:PORT] [--api HOST:PORT] [--alias NAME]`;

function usage(problem: string): number {
  console.error(`${problem}\n${USAGE}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  let f: Map<string, string>;
  try {
    f = flags(rest);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (cmd === 'demo') {
    for (const k of f.keys()) if (!['nodes', 'payments', 'seed', 'keep'].includes(k)) return usage(`unknown option --${k}`);
    const num = (k: string) => (f.has(k) ? Number(f.get(k)) : undefined);
    if (f.has('nodes') && !(Number.isInteger(num('nodes')) && num('nodes')! >= 4 && num('nodes')! <= 32)) return usage('--nodes must be an integer from 4 to 32');
    if (f.has('payments') && !(Number.isInteger(num('payments')) && num('payments')! >= 0)) return usage('--payments must be a non-negative integer');
    const ok = await runDemo({ ...(num('nodes') !== undefined ? { nodes: num('nodes')! } : {}), ...(num('payments') !== undefined ? { payments: num('payments')! } : {}), seed: f.get('seed') ?? '1', keep: f.has('keep') });
    return ok ? 0 : 1;
  }
  if (cmd === 'start') return startCommand(f);
  console.error(USAGE);
  return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exit(code);
  },
  (e) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  },
);
