/**
 * Model-based property tests of the poller: random sequences of mining, reorgs (1-3 deep,
 * shorter or longer new branches), Confirm registrations and injected HTTP faults, against both
 * stand-ins. The MemoryChain is the model:
 * - polling after every step, the poller-fed listeners see exactly the MemoryChain's own notifications;
 * - polling only now and then (several reorgs between polls) and through faults, the listeners
 *   still follow the rules (every connect extends their tip, every disconnect is their tip) and end
 *   on the MemoryChain's best chain with the right set of confirmed transactions.
 * `npm run fuzz` runs them 100 times each (MODEL_RUNS).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bytesToHex, sha256 } from '@ln/crypto';
import { blockHashToHex } from '@ln/chain-interfaces';
import { MemoryChain, parseTx } from '@ln/test-kit';
import { ChainPoller, ChainSourceError } from '../src/index.js';
import { FollowingListen, RecordingConfirm } from './support/listeners.js';
import { KINDS, startRig, tipOf } from './support/setup.js';
import type { Fault } from './support/http-server.js';

const RUNS = Number(process.env.MODEL_RUNS ?? 0) || 6;

type Op =
  | { op: 'mine'; blocks: number; txs: number; watch: boolean }
  | { op: 'reorg'; depth: number; extra: number; drop: boolean }
  | { op: 'poll' }
  | { op: 'fault'; which: number; after: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('mine' as const), blocks: fc.integer({ min: 1, max: 3 }), txs: fc.integer({ min: 0, max: 2 }), watch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: -1, max: 2 }), drop: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('poll' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fault' as const), which: fc.integer({ min: 0, max: 4 }), after: fc.integer({ min: 0, max: 6 }) }) },
);

const FAULTS: Fault[] = [
  { kind: 'reply', reply: { status: 500, body: 'Internal Server Error' } },
  { kind: 'reply', reply: { status: 404, body: 'Not Found' } },
  { kind: 'reply', reply: { status: 200, body: '{"garbage' } },
  { kind: 'reset' },
  { kind: 'hang' },
];

let tag = 0;
const script = () => Uint8Array.of(0x00, 0x20, ...sha256(Uint8Array.of(tag & 0xff, (tag++ >> 8) & 0xff, 0x42)));

for (const kind of KINDS) {
  test(`${kind}: polling after every step, listeners see exactly the MemoryChain's notifications`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbOp.filter((o) => o.op === 'mine' || o.op === 'reorg'), { minLength: 3, maxLength: 12 }), async (ops) => {
        const chain = new MemoryChain();
        chain.mine(4);
        const rig = await startRig(kind, { chain });
        try {
          const start = tipOf(chain);
          const poller = new ChainPoller(rig.client);
          const [viaPoller, direct] = [new FollowingListen(start, chain), new FollowingListen(start, chain)];
          const [confPoller, confDirect] = [new RecordingConfirm(), new RecordingConfirm()];
          poller.addListen(viaPoller, start);
          poller.addConfirm(confPoller, start);
          chain.subscribe(direct);
          chain.subscribe(confDirect);
          const watched: Uint8Array[] = [];
          for (const o of ops) {
            apply(chain, o, watched, (txid) => {
              poller.filter.registerTx(txid as never, new Uint8Array());
              chain.filter.registerTx(txid as never, new Uint8Array());
            });
            await poller.poll();
            assert.equal(viaPoller.events, direct.events);
            assert.equal(confPoller.events, confDirect.events);
          }
        } finally {
          await rig.close();
        }
      }),
      { numRuns: RUNS, seed: kind === 'bitcoind' ? 21 : 22 },
    );
  });

  test(`${kind}: polling now and then, through injected faults, listeners end on the best chain`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbOp, { minLength: 4, maxLength: 16 }), async (ops) => {
        const chain = new MemoryChain();
        chain.mine(4);
        const rig = await startRig(kind, { chain, http: { timeoutMs: 150 } });
        try {
          const start = tipOf(chain);
          const poller = new ChainPoller(rig.client, { maxBlocksPerPoll: 4 });
          const l = new FollowingListen(start, chain);
          const conf = new RecordingConfirm();
          poller.addListen(l, start);
          poller.addConfirm(conf, start);
          const watched: Uint8Array[] = [];
          const pollOnce = async () => {
            try {
              await poller.poll();
            } catch (e) {
              assert.instance(e, ChainSourceError, String(e));
            }
          };
          for (const o of ops) {
            if (o.op === 'poll') await pollOnce();
            else if (o.op === 'fault') {
              let n = 0;
              rig.http.inject(() => n++ === o.after, FAULTS[o.which]!);
            } else apply(chain, o, watched, (txid) => poller.filter.registerTx(txid as never, new Uint8Array()));
          }
          // Drain: faults are one-shot, the block budget is 4 per poll.
          for (let i = 0; i < 40 && !(l.height === chain.tipHeight && l.hashes.at(-1) === blockHashToHex(chain.tip.hash)); i++) await pollOnce();
          assert.is(l.height, chain.tipHeight);
          for (let h = 0; h <= chain.tipHeight; h++) assert.is(l.hashes[h], blockHashToHex(chain.getHeader(h)!.hash), `height ${h}`);
          // Confirm: exactly the watched transactions that are on the best chain, at their heights.
          const expected = watched.filter((t) => chain.confirmations(t as never) > 0).map((t) => `${bytesToHex(t)}@${chain.tipHeight - chain.confirmations(t as never) + 1}`);
          const got = conf.getRelevantTxids().map((r) => `${bytesToHex(r.txid)}@${r.height}`);
          assert.equal(got.sort(), expected.sort());
          assert.is(conf.events.at(-1), `best ${chain.tipHeight}:${blockHashToHex(chain.tip.hash).slice(0, 12)}`);
        } finally {
          await rig.close();
        }
      }),
      { numRuns: RUNS, seed: kind === 'bitcoind' ? 31 : 32 },
    );
  });
}

function apply(chain: MemoryChain, o: Op, watched: Uint8Array[], register: (txid: Uint8Array) => void): void {
  if (o.op === 'mine') {
    for (let i = 0; i < o.txs; i++) {
      const f = chain.fund(script(), 10_000n + BigInt(i));
      if (o.watch) {
        register(f.outpoint.txid);
        watched.push(f.outpoint.txid);
      }
    }
    chain.mine(o.blocks);
  } else if (o.op === 'reorg') {
    const depth = Math.min(o.depth, chain.tipHeight - 1);
    // Drop one of the reorganised transactions for good, sometimes.
    const inTop = o.drop ? chain.getBlock(chain.tipHeight)!.transactions.slice(1).map((t) => parseTx(t).txid) : [];
    chain.reorg(depth, { newBlocks: Math.max(1, depth + o.extra), dropTxids: inTop.slice(0, 1) });
  }
}

test.run();
