import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryChain } from '@ln/test-kit';
import { scriptFromAddress } from '@ln/transactions';
import { bitcoindStandIn } from './support/bitcoind.js';
import { esploraStandIn } from './support/esplora.js';
import { LightningNode, memoryChainSource } from '../src/index.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');

interface Proc {
  child: ChildProcess;
  api: string;
  token: string;
  nodeId: string;
  listening: string;
  exited: Promise<number | null>;
}

/** Starts `ln-node start` as a child process and waits for its `started` line. */
async function startNode(dataDir: string, chainUrl: string, listen: string, kind = 'bitcoind'): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'start', '--datadir', dataDir, '--network', 'regtest', '--chain', `${kind}:${chainUrl}`, '--listen', listen, '--poll-ms', '50', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const started = await new Promise<{ nodeId: string; api: string; listening: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no started line after 30 s: ${out} ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"started"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out} ${err}`)));
  });
  return { child, api: started.api, nodeId: started.nodeId, listening: started.listening[0]!, token: readFileSync(join(dataDir, 'api-token'), 'utf8').trim(), exited };
}

async function rpc<T = unknown>(p: Proc, method: string, params: Record<string, unknown> = {}): Promise<T> {
  const r = await fetch(`${p.api}/${method}`, { method: 'POST', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' }, body: JSON.stringify(params) });
  const j = (await r.json()) as { result?: T; error?: { message: string } };
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${j.error?.message}`);
  return j.result!;
}

async function until(f: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('ln-node start as child processes on a bitcoind JSON-RPC stand-in: fund, connect, open, pay through the control API; a restart keeps the channel', async () => {
  const chain = new MemoryChain();
  const btc = await bitcoindStandIn(chain);
  const dirs = [mkdtempSync(join(tmpdir(), 'ln-cli-a-')), mkdtempSync(join(tmpdir(), 'ln-cli-b-'))];
  const procs: Proc[] = [];
  try {
    let a = await startNode(dirs[0]!, btc.url, '127.0.0.1:0');
    const b = await startNode(dirs[1]!, btc.url, '127.0.0.1:0');
    procs.push(a, b);
    const noToken = await fetch(`${a.api}/getinfo`, { method: 'POST' });
    assert.is(noToken.status, 401);
    const info = await rpc<{ walletAddress: string; network: string }>(a, 'getinfo');
    assert.is(info.network, 'regtest');
    chain.fund(scriptFromAddress(info.walletAddress, 'regtest'), 1_000_000n);
    chain.mine(1);
    await until(async () => (await rpc<{ onChain: { confirmedSat: string } }>(a, 'balances')).onChain.confirmedSat === '1000000', 'a sees its coins');
    const [host, port] = b.listening.split(':');
    await rpc(a, 'connect', { uri: `${b.nodeId}@${host}:${port}` });
    const opened = await rpc<{ channelId: string }>(a, 'openchannel', { nodeId: b.nodeId, amountSat: '500000', pushMsat: '0' });
    await until(async () => chain.mempoolTxids().length === 1, 'funding broadcast to bitcoind');
    chain.mine(3);
    const usable = async (p: Proc) => (await rpc<{ channelId: string; isUsable: boolean }[]>(p, 'listchannels')).some((c) => c.channelId === opened.channelId && c.isUsable);
    await until(async () => (await usable(a)) && (await usable(b)), 'channel usable on both');
    const inv = await rpc<{ invoice: string }>(b, 'createinvoice', { amountMsat: '20000000', description: 'cli' });
    const paid = await rpc<{ status: string; amountMsat: string }>(a, 'pay', { invoice: inv.invoice });
    assert.is(paid.status, 'succeeded');
    assert.is(paid.amountMsat, '20000000');
    // Stop a (SIGTERM: everything persisted), start it again on its data directory and the same port.
    a.child.kill('SIGTERM');
    assert.is(await a.exited, 0);
    a = await startNode(dirs[0]!, btc.url, '127.0.0.1:0');
    procs[0] = a;
    assert.is((await rpc<unknown[]>(a, 'listpayments')).length, 1, 'the payment history survived');
    await until(async () => (await usable(a)) && (await usable(b)), 'channel usable again after the restart (a reconnects to b)');
    const inv2 = await rpc<{ invoice: string }>(b, 'createinvoice', { amountMsat: '5000000' });
    assert.is((await rpc<{ status: string }>(a, 'pay', { invoice: inv2.invoice })).status, 'succeeded');
    // b's balance on its commitment moves once the HTLC is removed from both commitments.
    await until(async () => (await rpc<{ balanceMsat: string }[]>(b, 'listchannels'))[0]!.balanceMsat === '25000000', "b's balance is 25,000 sat");
  } finally {
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await btc.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('ln-node start on an Esplora stand-in pays an in-process LightningNode on the same chain', async () => {
  const chain = new MemoryChain();
  const esplora = await esploraStandIn(chain);
  const dir = mkdtempSync(join(tmpdir(), 'ln-cli-esplora-'));
  let bob: LightningNode | undefined;
  let p: Proc | undefined;
  try {
    // The in-process node follows the same MemoryChain directly.
    bob = new LightningNode({
      chain: memoryChainSource(chain), dataDir: mkdtempSync(join(tmpdir(), 'ln-cli-bob-')), listen: { port: 0 }, config: { channelHandshakeConfig: { minimumDepth: 1 } },
      now: () => Date.now() / 1000, // the CLI node uses the system clock (the in-memory chain's own is years behind)
    });
    await bob.start();
    p = await startNode(dir, esplora.url, '127.0.0.1:0', 'esplora');
    const info = await rpc<{ walletAddress: string }>(p, 'getinfo');
    chain.fund(scriptFromAddress(info.walletAddress, 'regtest'), 800_000n);
    chain.mine(1);
    await until(async () => (await rpc<{ onChain: { confirmedSat: string } }>(p!, 'balances')).onChain.confirmedSat === '800000', 'the esplora node sees its coins');
    await rpc(p, 'connect', { uri: `${bob.nodeId}@${bob.getInfo().listening[0]}` });
    const opened = await rpc<{ channelId: string }>(p, 'openchannel', { nodeId: bob.nodeId, amountSat: '400000' });
    await until(async () => chain.mempoolTxids().length === 1, 'funding posted to esplora');
    chain.mine(3);
    await until(async () => (await rpc<{ channelId: string; isUsable: boolean }[]>(p!, 'listchannels')).some((c) => c.channelId === opened.channelId && c.isUsable) && bob!.listChannels()[0]?.isUsable === true, 'usable');
    const { invoice } = bob.createInvoice(30_000_000n, 'esplora');
    assert.is((await rpc<{ status: string }>(p, 'pay', { invoice })).status, 'succeeded');
    await rpc(p, 'closechannel', { channelId: opened.channelId });
    await until(async () => chain.mempoolTxids().length === 1, 'closing transaction posted to esplora');
    chain.mine(1);
    await until(async () => BigInt((await rpc<{ onChain: { confirmedSat: string } }>(p!, 'balances')).onChain.confirmedSat) > 700_000n, 'closing output in the esplora node wallet');
  } finally {
    if (p) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await bob?.stop();
    await esplora.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ln-node refuses bad usage', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d) => (err += d));
      c.on('exit', (code) => resolve({ code, err }));
    });
  for (const [args, msg] of [[['start'], '--datadir'], [['start', '--datadir', '/tmp/x', '--chain', 'electrum:foo'], '--chain'], [['start', '--datadir', '/tmp/x', '--chain', 'bitcoind:http://127.0.0.1:1', '--network', 'moon'], '--network'], [['frobnicate'], 'usage']] as const) {
    const r = await run([...args]);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, msg);
  }
});

test.run();
