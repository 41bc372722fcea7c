/**
 * `ln-router`: the router-only service.
 *
 *   ln-router serve --graph FILE [--node-map FILE] --port P [--host H] [--scorer FILE]
 *   ln-router serve --peer NODEID@HOST:PORT [--peer ...] --port P [--host H] [--scorer FILE]
 *                   [--privkey HEX] [--verify inline|workers] [--rebuild-interval MS]
 *   ln-router convert --input FILE [--node-map FILE] --output FILE [--if-stale]
 *
 * `serve` loads the graph (an `@ln/gossip` snapshot, a Core Lightning gossmap-compress file or
 * `listchannels` JSON) or syncs it from peers, and answers `POST /route`, `GET /health` and
 * `GET /sync` on HTTP. It prints one JSON line per event (`graph_loaded`, `listening`, `synced`,
 * `error`) and stops on SIGINT/SIGTERM. `convert` writes any graph file as an `@ln/gossip`
 * snapshot, the fastest to load (`--if-stale`: not when the output is newer than its inputs). `--scorer FILE` keeps what the scorer learns from
 * `POST /payment-outcome` across restarts. Exit 0 on success, 1 on failure, 2 on bad usage.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerVerifier } from '@ln/gossip/node';
import { graphSnapshotBytes } from './graph-files.js';
import { loadGraphFile } from './node/graph-file.js';
import { PeerSync, parsePeerAddress } from './node/peer-sync.js';
import { FileScorerStore } from './node/file-scorer-store.js';
import { RouterService, type RouterServiceOptions } from './node/service.js';

const USAGE = `usage:
  ln-router serve --graph FILE [--node-map FILE] --port P [--host H] [--scorer FILE]
  ln-router serve --peer NODEID@HOST:PORT [--peer ...] --port P [--host H] [--scorer FILE] [--privkey HEX] [--verify inline|workers] [--rebuild-interval MS]
  ln-router convert --input FILE [--node-map FILE] --output FILE [--if-stale]`;

const print = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');

function usage(why: string): never {
  process.stderr.write(`ln-router: ${why}\n${USAGE}\n`);
  process.exit(2);
}

function fail(why: string): never {
  print({ event: 'error', message: why });
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  let o: ReturnType<typeof parse>['values'];
  try {
    o = parse(rest).values;
  } catch (e) {
    usage((e as Error).message);
  }
  if (cmd === 'convert') {
    if (!o.input || !o.output) usage('convert needs --input and --output');
    if (o['if-stale'] && isFresh(o.output, [o.input, o['node-map'] ?? o.input.replace(/\.compressed$/, '') + '-node-map.xz'])) {
      print({ event: 'up_to_date', input: o.input, output: o.output });
      return;
    }
    const t0 = performance.now();
    const { graph, format } = loadOrFail(o.input, o['node-map']);
    const bytes = graphSnapshotBytes(graph);
    mkdirSync(dirname(o.output), { recursive: true });
    writeFileSync(o.output, bytes);
    print({ event: 'converted', input: o.input, format, output: o.output, bytes: bytes.length, channels: graph.channelCount, nodes: graph.nodeCount, ms: Math.round(performance.now() - t0) });
    return;
  }
  if (cmd !== 'serve') usage(cmd ? `unknown command ${cmd}` : 'no command');
  if (o.port === undefined || !/^\d{1,5}$/.test(o.port) || Number(o.port) > 65535) usage('serve needs --port P (0 picks a free one)');
  const peers = o.peer ?? [];
  if (!!o.graph === peers.length > 0) usage('serve needs either --graph FILE or --peer NODEID@HOST:PORT');
  const rebuild = o['rebuild-interval'] === undefined ? undefined : Number(o['rebuild-interval']);
  if (rebuild !== undefined && !(rebuild >= 0)) usage('--rebuild-interval takes milliseconds');
  let service: RouterService;
  const scorerStore = o.scorer ? new FileScorerStore(o.scorer) : undefined;
  if (o.graph) {
    const t0 = performance.now();
    const { graph, format } = loadOrFail(o.graph, o['node-map']);
    print({ event: 'graph_loaded', file: o.graph, format, channels: graph.channelCount, nodes: graph.nodeCount, ms: Math.round(performance.now() - t0) });
    service = await startOrFail({ source: { kind: 'file', graph, file: o.graph, format }, port: Number(o.port), host: o.host, scorerStore });
  } else {
    let addrs;
    try {
      addrs = peers.map(parsePeerAddress);
    } catch (e) {
      usage((e as Error).message);
    }
    if (o.privkey !== undefined && !/^[0-9a-fA-F]{64}$/.test(o.privkey)) usage('--privkey takes 32 bytes of hex');
    if (o.verify !== undefined && o.verify !== 'inline' && o.verify !== 'workers') usage('--verify takes inline or workers');
    const verifier = o.verify === 'workers' ? await WorkerVerifier.create() : undefined;
    const nodeSecret = o.privkey ? Uint8Array.from(o.privkey.match(/../g)!, (h) => parseInt(h, 16)) : undefined;
    const sync = new PeerSync({ peers: addrs, nodeSecret, verifier });
    service = await startOrFail({ source: { kind: 'peers', sync }, port: Number(o.port), host: o.host, rebuildIntervalMs: rebuild, scorerStore });
    let reported = false;
    const watch = setInterval(() => {
      const p = sync.progress();
      if (p.synced && !reported) {
        reported = true;
        print({ event: 'synced', channels: p.channels, nodes: p.nodes });
      }
    }, 250);
    watch.unref();
  }
  const h = service.health();
  print({ event: 'listening', url: service.url, port: service.port, routing_graph: h.routing_graph });
  const keepAlive = setInterval(() => {}, 1 << 30);
  const stop = () => {
    clearInterval(keepAlive);
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function startOrFail(opts: RouterServiceOptions): Promise<RouterService> {
  try {
    return await RouterService.start(opts);
  } catch (e) {
    fail(`cannot start: ${(e as Error).message}`);
  }
}

function loadOrFail(file: string, nodeMap: string | undefined) {
  try {
    return loadGraphFile(file, { nodeMap });
  } catch (e) {
    fail(`cannot load ${file}: ${(e as Error).message}`);
  }
}

/** Whether `output` exists and is no older than every existing input. */
function isFresh(output: string, inputs: string[]): boolean {
  if (!existsSync(output)) return false;
  const t = statSync(output).mtimeMs;
  return inputs.every((i) => !existsSync(i) || statSync(i).mtimeMs <= t);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      graph: { type: 'string' },
      'node-map': { type: 'string' },
      peer: { type: 'string', multiple: true },
      port: { type: 'string' },
      host: { type: 'string' },
      privkey: { type: 'string' },
      verify: { type: 'string' },
      'rebuild-interval': { type: 'string' },
      scorer: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      'if-stale': { type: 'boolean' },
    },
  });
}

main(process.argv.slice(2)).catch((e) => fail(`unexpected: ${(e as Error).stack ?? e}`));
