/**
 * ChainPoller against both HTTP stand-ins (bitcoind JSON-RPC, Esplora REST) on 127.0.0.1, over a
 * MemoryChain whose own notifications are the reference: every listener fed by the poller must
 * see exactly what the same listener subscribed to the MemoryChain directly sees.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockHashFromInternalBytes, blockHashToHex, txidToHex, type BestBlock } from '@ln/chain-interfaces';
import { buildLegacyTx, MemoryChain } from '@ln/test-kit';
import { bytesToHex, sha256 } from '@ln/crypto';
import { ChainPoller, ChainSourceError, serializeBlock } from '../src/index.js';
import { FollowingListen, RecordingConfirm } from './support/listeners.js';
import { genesisOf, KINDS, startRig, tipOf, type Kind, type Rig } from './support/setup.js';
import type { Fault } from './support/http-server.js';

const script = (n: number) => Uint8Array.of(0x00, 0x20, ...sha256(Uint8Array.of(n)));

/** A block-fetch route name per kind, for fault injection. */
const ROUTE = {
  bitcoind: { block: 'getblock', hash: 'getblockhash', header: 'getblockheader', tip: 'getblockchaininfo' },
  esplora: { block: '/block/:hash/raw', hash: '/block-height/:height', header: '/block/:hash/header', tip: '/blocks/tip/hash' },
} as const;

/** Mines `n` blocks, each with one faucet transaction. */
function mineWithTxs(chain: MemoryChain, n: number, tag: number): void {
  for (let i = 0; i < n; i++) {
    chain.fund(script(tag + i), 10_000n + BigInt(i));
    chain.mine(1);
  }
}

for (const kind of KINDS) {
  const withRig = async (fn: (rig: Rig) => Promise<void>, opts?: Parameters<typeof startRig>[1]) => {
    const rig = await startRig(kind, opts);
    try {
      await fn(rig);
    } finally {
      await rig.close();
    }
  };

  test(`${kind}: catch-up from genesis delivers every block in order, byte for byte`, () =>
    withRig(async ({ chain, client }) => {
      mineWithTxs(chain, 12, 0);
      chain.mine(18);
      const poller = new ChainPoller(client);
      const l = new FollowingListen(genesisOf(chain));
      poller.addListen(l, genesisOf(chain));
      const r = await poller.poll();
      assert.equal({ connected: r.connected, disconnected: r.disconnected, upToDate: r.upToDate }, { connected: 30, disconnected: 0, upToDate: true });
      assert.is(r.tip.height, 30);
      assert.is(l.height, 30);
      for (let h = 1; h <= 30; h++) {
        assert.equal(serializeBlock(l.blocks[h]!), serializeBlock(chain.getBlock(h)!), `block ${h}`);
      }
      assert.is(blockHashToHex(poller.syncedTo()!.blockHash), blockHashToHex(chain.tip.hash));
      const again = await poller.poll();
      assert.is(again.connected, 0);
    }));

  test(`${kind}: new blocks and reorgs of 1, 2 and 3 blocks match the MemoryChain's own notifications`, () =>
    withRig(async ({ chain, client }) => {
      mineWithTxs(chain, 3, 100);
      const start = tipOf(chain);
      const poller = new ChainPoller(client);
      const viaPoller = new FollowingListen(start, chain);
      const direct = new FollowingListen(start, chain);
      const confPoller = new RecordingConfirm();
      const confDirect = new RecordingConfirm();
      poller.addListen(viaPoller, start);
      poller.addConfirm(confPoller, start);
      chain.subscribe(direct);
      chain.subscribe(confDirect);
      const watch = (s: Uint8Array) => {
        const f = chain.fund(s, 50_000n);
        poller.filter.registerTx(f.outpoint.txid, new Uint8Array());
        chain.filter.registerTx(f.outpoint.txid, new Uint8Array());
        return f.outpoint.txid;
      };
      let stepNo = 0;
      const step = async () => {
        await poller.poll();
        assert.equal(viaPoller.events, direct.events, `Listen events after step ${stepNo}`);
        assert.equal(confPoller.events, confDirect.events, `Confirm events after step ${stepNo}`);
        stepNo++;
      };
      chain.mine(1);
      await step();
      watch(script(1));
      chain.mine(2);
      await step();
      for (const depth of [1, 2, 3]) {
        const dropped = watch(script(10 + depth)); // confirmed, then reorganised out for good
        const kept = watch(script(20 + depth)); // confirmed, reorganised out, and mined again on the new branch
        chain.mine(depth);
        await step();
        const before = viaPoller.events.length;
        chain.reorg(depth, { dropTxids: [dropped] });
        await step();
        const reorgEvents = viaPoller.events.slice(before);
        assert.is(reorgEvents.filter((e) => e.startsWith('-')).length, depth, `disconnects of a ${depth}-block reorg`);
        assert.is(reorgEvents.filter((e) => e.startsWith('+')).length, depth + 1);
        assert.ok(reorgEvents.map((e) => e[0]).indexOf('+') > reorgEvents.map((e) => e[0]).lastIndexOf('-'), 'disconnects come before connects');
        assert.ok(confPoller.events.some((e) => e.startsWith('unconf')), 'Confirm saw transactionUnconfirmed');
        const relevant = confPoller.getRelevantTxids().map((r) => bytesToHex(r.txid));
        assert.not.ok(relevant.includes(bytesToHex(dropped)), 'the dropped transaction is unconfirmed');
        assert.ok(relevant.includes(bytesToHex(kept)), 'the re-mined transaction is confirmed again');
        assert.ok(confPoller.events.includes(`unconf ${txidToHex(dropped).slice(0, 8)}`));
        assert.ok(confPoller.events.includes(`unconf ${txidToHex(kept).slice(0, 8)}`));
      }
      assert.is(viaPoller.height, chain.tipHeight);
      assert.is(viaPoller.hashes.at(-1), blockHashToHex(chain.tip.hash));
    }));

  const faults: [string, Fault, ChainSourceError['kind']][] = [
    ['HTTP 500', { kind: 'reply', reply: { status: 500, body: 'Internal Server Error' } }, 'http'],
    ['HTTP 404', { kind: 'reply', reply: { status: 404, body: 'Not Found' } }, 'http'],
    ['garbage JSON/hex', { kind: 'reply', reply: { status: 200, body: '{"result": "00ff', contentType: 'application/json' } }, 'malformed'],
    ['connection reset', { kind: 'reset' }, 'network'],
    ['timeout', { kind: 'hang' }, 'timeout'],
    ['truncated block', { kind: 'transform', transform: (r) => truncateBlockReply(kind, r) }, 'malformed'],
  ];
  if (kind === 'bitcoind') {
    faults.push(['RPC error -28 (warming up)', { kind: 'transform', transform: (r) => rpcErrorReply(r, -28, 'Loading block index...') }, 'rpc']);
  }

  for (const [name, fault, expectKind] of faults) {
    test(`${kind}: ${name} mid catch-up rejects with a typed '${expectKind}' error and the next poll resumes`, () =>
      withRig(
        async ({ chain, client, http }) => {
          mineWithTxs(chain, 4, 200);
          chain.mine(6);
          const poller = new ChainPoller(client);
          const l = new FollowingListen(genesisOf(chain));
          poller.addListen(l, genesisOf(chain));
          // Fail the fetch of block 5 (fetched concurrently with its neighbours).
          const fifth = blockHashToHex(chain.getHeader(5)!.hash);
          http.inject((n, req) => n === ROUTE[kind].block && (req.path + req.body).includes(fifth), fault);
          const err = await poller.poll().then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.instance(err, ChainSourceError);
          assert.is((err as ChainSourceError).kind, expectKind, String(err));
          assert.is(l.height, 4, 'the four blocks before the failure were delivered');
          assert.is(poller.syncedTo()!.height, 4);
          const r = await poller.poll();
          assert.ok(r.upToDate);
          assert.is(l.height, 10);
          assert.equal(l.events.length, 10, 'every block exactly once');
        },
        { http: { timeoutMs: 300 } },
      ));
  }

  test(`${kind}: failures while walking back or fetching the new branch of a reorg leave a consistent state`, () =>
    withRig(async ({ chain, client, http }) => {
      chain.mine(8);
      const start = tipOf(chain);
      const poller = new ChainPoller(client);
      const viaPoller = new FollowingListen(start, chain);
      const direct = new FollowingListen(start, chain);
      poller.addListen(viaPoller, start);
      chain.subscribe(direct);
      chain.reorg(3);
      http.inject(ROUTE[kind].header, { kind: 'reply', reply: { status: 500, body: 'oops' } });
      await poller.poll().then(() => assert.unreachable('header walk must fail'), (e) => assert.instance(e, ChainSourceError));
      assert.equal(viaPoller.events, [], 'nothing announced when the walk failed');
      http.inject(ROUTE[kind].block, { kind: 'reply', reply: { status: 503, body: 'busy' } });
      await poller.poll().then(() => assert.unreachable('block fetch must fail'), (e) => assert.instance(e, ChainSourceError));
      assert.is(viaPoller.height, 5, 'disconnected down to the fork point');
      await poller.poll();
      assert.equal(viaPoller.events, direct.events);
    }));

  test(`${kind}: a block answered for the wrong hash is 'inconsistent' and not delivered`, () =>
    withRig(async ({ chain, client, http }) => {
      chain.mine(3);
      const poller = new ChainPoller(client);
      const l = new FollowingListen(genesisOf(chain));
      poller.addListen(l, genesisOf(chain));
      const other = chain.getBlock(3)!;
      http.inject(ROUTE[kind].block, { kind: 'transform', transform: (r) => replaceBlockReply(kind, r, serializeBlock(other)) });
      const e = await poller.poll().catch((x: unknown) => x);
      assert.instance(e, ChainSourceError);
      assert.is((e as ChainSourceError).kind, 'inconsistent');
      assert.is(l.height, 0);
      await poller.poll();
      assert.is(l.height, 3);
    }));

  test(`${kind}: listeners synced to different blocks are each caught up, then move together in registration order`, () =>
    withRig(async ({ chain, client, http }) => {
      chain.mine(10);
      const at10 = tipOf(chain);
      chain.mine(5);
      const poller = new ChainPoller(client);
      const order: string[] = [];
      const a = new FollowingListen(genesisOf(chain));
      const b = new FollowingListen(at10, chain);
      const tag = (name: string, l: FollowingListen) => ({
        blockConnected: (blk: Parameters<FollowingListen['blockConnected']>[0], h: number) => (order.push(`${name}${h}`), l.blockConnected(blk, h)),
        blockDisconnected: (hd: Parameters<FollowingListen['blockDisconnected']>[0], h: number) => l.blockDisconnected(hd, h),
        filteredBlockConnected: () => l.filteredBlockConnected(),
      });
      poller.addListen(tag('a', a), genesisOf(chain));
      poller.addListen(tag('b', b), at10);
      const r = await poller.poll();
      assert.is(r.connected, 15 + 5);
      assert.is(http.log.filter((n) => n === ROUTE[kind].block).length, 15, 'the lagging cursor fetched the blocks; the other one got them from the cache');
      assert.is(a.height, 15);
      assert.is(b.height, 15);
      order.length = 0;
      chain.mine(2);
      await poller.poll();
      assert.equal(order, ['a16', 'b16', 'a17', 'b17']);
    }));

  test(`${kind}: a listener synced to a stale block is reorged onto the best chain`, () =>
    withRig(async ({ chain, client }) => {
      chain.mine(6);
      const stale = tipOf(chain);
      const staleHashes = [4, 5, 6].map((h) => blockHashToHex(chain.getHeader(h)!.hash));
      chain.reorg(3, { newBlocks: 5 });
      const poller = new ChainPoller(client);
      const l = new FollowingListen(stale);
      for (const [i, h] of staleHashes.entries()) l.hashes[4 + i] = h;
      l.hashes[3] = blockHashToHex(chain.getHeader(3)!.hash);
      poller.addListen(l, stale);
      const r = await poller.poll();
      assert.equal({ connected: r.connected, disconnected: r.disconnected }, { connected: 5, disconnected: 3 });
      assert.is(l.hashes.at(-1), blockHashToHex(chain.tip.hash));
    }));

  test(`${kind}: maxBlocksPerPoll spreads a catch-up over several polls`, () =>
    withRig(async ({ chain, client }) => {
      chain.mine(25);
      const poller = new ChainPoller(client, { maxBlocksPerPoll: 10 });
      const l = new FollowingListen(genesisOf(chain));
      poller.addListen(l, genesisOf(chain));
      const results = [await poller.poll(), await poller.poll(), await poller.poll()];
      assert.equal(results.map((r) => [r.connected, r.upToDate]), [[10, false], [10, false], [5, true]]);
      assert.is(l.height, 25);
    }));

  test(`${kind}: a source behind our tip on the same chain is waited for, not treated as a reorg`, async () => {
    const ahead = new MemoryChain();
    ahead.mine(12);
    const behind = new MemoryChain();
    behind.mine(10);
    assert.is(blockHashToHex(behind.tip.hash), blockHashToHex(ahead.getHeader(10)!.hash), 'MemoryChain is deterministic');
    await withRig(
      async ({ chain, client }) => {
        const poller = new ChainPoller(client);
        const l = new FollowingListen(tipOf(ahead), ahead);
        poller.addListen(l, tipOf(ahead));
        const r = await poller.poll();
        assert.equal([r.connected, r.disconnected, r.upToDate], [0, 0, false]);
        chain.mine(2);
        const r2 = await poller.poll();
        assert.equal([r2.connected, r2.disconnected, r2.upToDate], [0, 0, true]);
        chain.mine(1);
        await poller.poll();
        assert.is(l.events.length, 1);
      },
      { chain: behind },
    );
  });

  test(`${kind}: a reorg deeper than maxReorgDepth is refused with 'reorg_too_deep' and changes nothing`, () =>
    withRig(async ({ chain, client }) => {
      chain.mine(8);
      const poller = new ChainPoller(client, { maxReorgDepth: 3 });
      const l = new FollowingListen(tipOf(chain), chain);
      poller.addListen(l, tipOf(chain));
      chain.reorg(5);
      const e = await poller.poll().catch((x: unknown) => x);
      assert.instance(e, ChainSourceError);
      assert.is((e as ChainSourceError).kind, 'reorg_too_deep');
      assert.equal(l.events, []);
      assert.is(poller.syncedTo()!.height, 8);
    }));

  test(`${kind}: a different genesis is 'inconsistent'`, () =>
    withRig(async ({ client }) => {
      const poller = new ChainPoller(client);
      const bogus: BestBlock = { blockHash: blockHashFromInternalBytes(sha256(Uint8Array.of(1))), height: 0 };
      poller.addListen(new FollowingListen(bogus), bogus);
      const e = await poller.poll().catch((x: unknown) => x);
      assert.instance(e, ChainSourceError);
      assert.is((e as ChainSourceError).kind, 'inconsistent');
    }));

  test(`${kind}: Confirm re-scans the block when the listener registers more during it`, () =>
    withRig(async ({ chain, client }) => {
      const start = tipOf(chain);
      const parent = chain.fund(script(7), 100_000n);
      const child = buildLegacyTx([{ outpoint: parent.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 90_000n, scriptPubkey: script(8) }]);
      assert.ok(chain.submitToMempool(child).ok);
      chain.mine(1);
      const poller = new ChainPoller(client);
      const c = new RecordingConfirm();
      poller.addConfirm(c, start);
      poller.filter.registerTx(parent.outpoint.txid, new Uint8Array());
      c.onConfirmed = () => poller.filter.registerOutput({ outpoint: parent.outpoint, scriptPubkey: script(7) });
      await poller.poll();
      const confs = c.events.filter((e) => e.startsWith('conf'));
      assert.is(confs.length, 2, c.events.join(' | '));
      assert.match(confs[0]!, /^conf 1 1:/);
      assert.match(confs[1]!, /^conf 1 2:/);
      assert.is(c.events.at(-1), `best 1:${blockHashToHex(chain.tip.hash).slice(0, 12)}`);
    }));

  test(`${kind}: concurrent polls share one run; start()/stop() polls on a timer`, () =>
    withRig(async ({ chain, client }) => {
      chain.mine(3);
      const poller = new ChainPoller(client);
      const l = new FollowingListen(genesisOf(chain));
      poller.addListen(l, genesisOf(chain));
      const [a, b] = [poller.poll(), poller.poll()];
      assert.is(a, b);
      await a;
      assert.is(l.height, 3);
      const errors: unknown[] = [];
      poller.start(15, (e) => errors.push(e));
      chain.mine(2);
      for (let i = 0; i < 200 && l.height < 5; i++) await new Promise((r) => setTimeout(r, 10));
      await poller.stop();
      assert.is(l.height, 5);
      chain.mine(1);
      await new Promise((r) => setTimeout(r, 60));
      assert.is(l.height, 5, 'stopped');
      assert.equal(errors, []);
    }));

  test(`${kind}: removeListener stops deliveries`, () =>
    withRig(async ({ chain, client }) => {
      const poller = new ChainPoller(client);
      const l = new FollowingListen(genesisOf(chain));
      poller.addListen(l, genesisOf(chain));
      chain.mine(1);
      await poller.poll();
      poller.removeListener(l);
      chain.mine(1);
      await poller.poll();
      assert.is(l.height, 1);
      assert.is(poller.syncedTo(), undefined);
    }));
}

test('a throwing listener does not stop the others; the poll rejects with its error once', async () => {
  const rig = await startRig('bitcoind');
  try {
    rig.chain.mine(2);
    const poller = new ChainPoller(rig.client);
    const good = new FollowingListen(genesisOf(rig.chain));
    let calls = 0;
    poller.addListen({ blockConnected: () => { calls++; throw new Error('listener bug'); }, blockDisconnected() {}, filteredBlockConnected() {} }, genesisOf(rig.chain));
    poller.addListen(good, genesisOf(rig.chain));
    const e = await poller.poll().catch((x: unknown) => x);
    assert.is((e as Error).message, 'listener bug');
    assert.is(good.height, 1, 'the other listener got the block');
    await poller.poll().catch(() => undefined);
    assert.is(good.height, 2);
    assert.is(calls, 2, 'no block redelivered');
  } finally {
    await rig.close();
  }
});

test('a custom BlockSource that lies about hashes is caught: headers and blocks are re-hashed', async () => {
  const chain = new MemoryChain();
  chain.mine(3);
  const honest = {
    getBestBlock: async () => tipOf(chain),
    getBlockHash: async (h: number) => chain.getHeader(h)!.hash,
    getHeader: async (hash: Uint8Array) => {
      for (let h = 0; h <= chain.tipHeight; h++) if (blockHashToHex(chain.getHeader(h)!.hash) === blockHashToHex(hash as never)) return chain.getHeader(h)!;
      throw new ChainSourceError('http', 'not found', { status: 404 });
    },
    getBlock: async (hash: Uint8Array) => {
      for (let h = 1; h <= chain.tipHeight; h++) if (blockHashToHex(chain.getHeader(h)!.hash) === blockHashToHex(hash as never)) return chain.getBlock(h)!;
      throw new ChainSourceError('http', 'not found', { status: 404 });
    },
  };
  // Answers block 2 with block 3's contents but block 2's claimed hash.
  const lying = {
    ...honest,
    getBlock: async (hash: Uint8Array) => {
      const b = await honest.getBlock(hash);
      return blockHashToHex(hash as never) === blockHashToHex(chain.getHeader(2)!.hash) ? { ...chain.getBlock(3)!, header: { ...chain.getBlock(3)!.header, hash: hash as never } } : b;
    },
  };
  const poller = new ChainPoller(lying, { fetchAhead: 1 });
  const l = new FollowingListen(genesisOf(chain));
  poller.addListen(l, genesisOf(chain));
  const e = await poller.poll().catch((x: unknown) => x);
  assert.is((e as ChainSourceError).kind, 'inconsistent');
  assert.is(l.height, 1);
  const fixed = new ChainPoller(honest);
  fixed.addListen(l, { blockHash: chain.getHeader(1)!.hash, height: 1 });
  await fixed.poll();
  assert.is(l.height, 3);
});

/** Replaces the block in a reply (hex in a JSON-RPC result, or Esplora's binary body). */
function replaceBlockReply(kind: Kind, r: import('./support/http-server.js').Reply, bytes: Uint8Array) {
  if (kind === 'esplora') return { ...r, body: bytes };
  const env = JSON.parse(String(r.body));
  env.result = Buffer.from(bytes).toString('hex');
  return { ...r, body: JSON.stringify(env) };
}

function truncateBlockReply(kind: Kind, r: import('./support/http-server.js').Reply) {
  if (kind === 'esplora') return { ...r, body: (r.body as Uint8Array).subarray(0, (r.body as Uint8Array).length - 3) };
  const env = JSON.parse(String(r.body));
  env.result = String(env.result).slice(0, -6);
  return { ...r, body: JSON.stringify(env) };
}

function rpcErrorReply(r: import('./support/http-server.js').Reply, code: number, message: string) {
  const env = JSON.parse(String(r.body));
  return { ...r, status: 500, body: JSON.stringify({ result: null, error: { code, message }, id: env.id }) };
}

test.run();
