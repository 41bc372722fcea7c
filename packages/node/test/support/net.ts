/** Test helpers: LightningNodes on one MemoryChain, over real TCP on 127.0.0.1, with data directories in the OS temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeterministicEntropySource, FixedFeeEstimator, MemoryChain, testSeed } from '@ln/test-kit';
import { bytesToHex } from '@ln/crypto';
import { parseTx, txidOf } from '@ln/transactions';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { CrashableStore } from './crash-store.js';
import { LightningNode, memoryChainSource, type LightningNodeOptions } from '../../src/index.js';

export const FAST_TIMERS = { managerTickMs: 500, peerTickMs: 5_000, gossipTickMs: 500, monitorTickMs: 300, snapshotMs: 60_000, forwardDelayMs: 5 };

export interface TestNet {
  chain: MemoryChain;
  dirs: string[];
  nodes: LightningNode[];
  add(name: string, extra?: Partial<LightningNodeOptions>, opts?: { crashable?: boolean }): Promise<LightningNode>;
  /** The crash-injecting store of a node added with `crashable`. */
  crashStore(node: LightningNode): CrashableStore;
  /** A node built again on the same directory (after `stop()`); `crashable`: on a crash-injecting store again. */
  restart(node: LightningNode, opts?: { crashable?: boolean }): Promise<LightningNode>;
  mine(n?: number): Promise<void>;
  close(): Promise<void>;
}

export function testNet(): TestNet {
  const chain = new MemoryChain();
  const fees = new FixedFeeEstimator(1000);
  const source = memoryChainSource(chain, fees);
  const ports = new Map<LightningNode, number>();
  const crashStores = new Map<LightningNode, CrashableStore>();
  const net: TestNet = {
    chain, dirs: [], nodes: [],
    async add(name, extra = {}, opts = {}) {
      const dir = mkdtempSync(join(tmpdir(), `ln-node-${name}-`));
      net.dirs.push(dir);
      const store = opts.crashable ? new CrashableStore(await FilesystemKVStore.open(dir)) : undefined;
      const node = new LightningNode({
        chain: source, dataDir: dir, seed: testSeed(name), entropy: new DeterministicEntropySource(testSeed(`${name}/entropy/${Date.now()}`)),
        listen: { port: 0 }, alias: name, timers: FAST_TIMERS,
        config: { channelHandshakeConfig: { ourToSelfDelay: 12, minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100 } },
        ...(store ? { store } : {}),
        ...extra,
      });
      if (store) crashStores.set(node, store);
      await node.start();
      ports.set(node, portOf(node));
      net.nodes.push(node);
      return node;
    },
    async restart(node, opts = {}) {
      if (node.isRunning && !crashStores.get(node)) await node.stop();
      const port = ports.get(node)!;
      const { store: _dropped, ...rest } = node.options;
      void _dropped; // a restarted process opens its data directory afresh
      const store = opts.crashable ? new CrashableStore(await FilesystemKVStore.open(rest.dataDir!)) : undefined;
      const again = new LightningNode({ ...rest, listen: { port }, entropy: new DeterministicEntropySource(testSeed(`${node.options.alias}/entropy/${Date.now()}`)), ...(store ? { store } : {}) });
      if (store) crashStores.set(again, store);
      await again.start();
      ports.set(again, port);
      net.nodes[net.nodes.indexOf(node)] = again;
      return again;
    },
    crashStore(node) {
      return crashStores.get(node)!;
    },
    async mine(n = 1) {
      chain.mine(n);
      await settle();
    },
    async close() {
      for (const n of net.nodes) await (crashStores.get(n) ? n.kill() : n.stop());
      for (const d of net.dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  return net;
}

/** Lets sockets and timers run. */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `f` until it returns true (or throws after `timeoutMs`). */
export async function until(f: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await settle(10);
  }
}

/** Port of a node's TCP listener. */
export function portOf(n: LightningNode): number {
  return Number(n.getInfo().listening[0]!.split(':')[1]);
}

/** Fees paid by every transaction mined so far (inputs minus outputs; faucet and coinbase transactions excluded), in satoshis. */
export function minedFeesSat(chain: MemoryChain): bigint {
  const outputs = new Map<string, bigint>();
  let fees = 0n;
  for (let h = 1; h <= chain.tipHeight; h++) {
    const block = chain.getBlock(h)!;
    block.transactions.forEach((raw, i) => {
      const tx = parseTx(raw);
      const txid = bytesToHex(txidOf(tx));
      let inSum = 0n;
      let known = i > 0;
      for (const inp of tx.inputs) {
        const v = outputs.get(`${bytesToHex(inp.prevout.txid)}:${inp.prevout.vout}`);
        if (v === undefined) known = false;
        else inSum += v;
      }
      tx.outputs.forEach((o, vout) => outputs.set(`${txid}:${vout}`, o.valueSat));
      if (known) fees += inSum - tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
    });
  }
  return fees;
}

/** Whether `node`'s graph holds `channels` channels with both directions' policies and `nodes` announced nodes. */
export function graphComplete(node: LightningNode, channels: number, nodes = 0): boolean {
  let full = 0;
  node.graph.forEachChannel((c) => {
    if (c.policies[0] && c.policies[1]) full++;
  });
  let announced = 0;
  node.graph.forEachNode((id) => {
    if (node.graph.node(id)?.lastAnnouncement !== undefined) announced++;
  });
  return full === channels && (nodes === 0 || announced >= nodes);
}
