/**
 * The block codec: the real mainnet genesis block, MemoryChain blocks, fast-check round trips of
 * random blocks (legacy and BIP 144 segwit transactions), and fuzzing of the decoder (random
 * bytes and mutations of valid blocks throw only ChainSourceError).
 * `npm run fuzz` for a long run (FUZZ_RUNS=20000 by default there).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '@ln/crypto';
import { blockHashFromHex, blockHashToHex, txidFromInternalBytes, type Txid } from '@ln/chain-interfaces';
import { serializeTx, txidOf, type Transaction } from '@ln/transactions';
import { buildHeader, MemoryChain, merkleRoot } from '@ln/test-kit';
import { ChainSourceError, decodeBlock, decodeHeader, MAX_BLOCK_BYTES, merkleRootOf, serializeBlock } from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 0) || 400;

// Bitcoin's mainnet genesis block: the well-known header and its single coinbase transaction.
const GENESIS_HEADER =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';
const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';

const isTyped = (e: unknown) => e instanceof ChainSourceError;

test('the mainnet genesis block decodes, hashes to its well-known hash and checks its merkle root', () => {
  const raw = hexToBytes(GENESIS_HEADER + '01' + GENESIS_COINBASE);
  assert.is(raw.length, 285);
  const b = decodeBlock(raw, blockHashFromHex(GENESIS_HASH));
  assert.is(blockHashToHex(b.header.hash), GENESIS_HASH);
  assert.is(b.header.time, 1231006505);
  assert.is(b.transactions.length, 1);
  assert.is(bytesToHex(b.txids[0]!.slice().reverse()), '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
  assert.equal(serializeBlock(b), raw);
});

test('MemoryChain blocks decode to the same header and transactions', () => {
  const chain = new MemoryChain();
  for (let i = 0; i < 5; i++) {
    chain.fund(Uint8Array.of(0x51, i), 1000n * BigInt(i + 1));
    chain.fund(Uint8Array.of(0x52, i), 1000n);
    chain.mine(1);
  }
  for (let h = 1; h <= 5; h++) {
    const block = chain.getBlock(h)!;
    const d = decodeBlock(serializeBlock(block), block.header.hash);
    assert.equal(d.header.raw, block.header.raw);
    assert.equal(d.transactions, block.transactions);
  }
});

test('wrong hash, bad merkle root, duplicated transactions (CVE-2012-2459), trailing bytes, no transactions', () => {
  const raw = hexToBytes(GENESIS_HEADER + '01' + GENESIS_COINBASE);
  const wrong = blockHashFromHex('00'.repeat(32));
  assert.throws(() => decodeBlock(raw, wrong), (e: unknown) => isTyped(e) && (e as ChainSourceError).kind === 'inconsistent');
  const badRoot = Uint8Array.from(raw);
  badRoot[40]! ^= 1;
  assert.throws(() => decodeBlock(badRoot), (e: unknown) => isTyped(e) && (e as ChainSourceError).kind === 'inconsistent');
  assert.throws(() => decodeBlock(Uint8Array.of(...raw, 0)), (e: unknown) => isTyped(e) && /after the block/.test((e as Error).message));
  assert.throws(() => decodeBlock(Uint8Array.of(...raw.subarray(0, 80), 0)), (e: unknown) => isTyped(e) && /no transactions/.test((e as Error).message));
  // Three transactions [a, b, c] and the mutated [a, b, c, c] have the same merkle root.
  const txs = [0, 1, 2].map((i) => serializeTx(simpleTx(i)));
  const ids = [0, 1, 2].map((i) => txidOf(simpleTx(i)));
  const header = buildHeader(blockHashFromHex('11'.repeat(32)), merkleRoot(ids), 1);
  const good = serializeBlock({ header, transactions: txs });
  assert.is(decodeBlock(good).transactions.length, 3);
  const mutated = serializeBlock({ header, transactions: [...txs, txs[2]!] });
  assert.throws(() => decodeBlock(mutated), (e: unknown) => isTyped(e) && /CVE-2012-2459/.test((e as Error).message));
  assert.throws(() => decodeBlock(new Uint8Array(MAX_BLOCK_BYTES + 1)), isTyped);
  // The transaction count written non-canonically (0xfd 0x01 0x00 for 1): Bitcoin Core refuses it.
  assert.throws(() => decodeBlock(Uint8Array.of(...raw.subarray(0, 80), 0xfd, 0x01, 0x00, ...raw.subarray(81))), (e: unknown) => isTyped(e) && /non-canonical/.test((e as Error).message));
  assert.throws(() => decodeHeader(new Uint8Array(79)), isTyped);
  assert.equal(merkleRootOf([]).root, new Uint8Array(32));
});

function simpleTx(i: number): Transaction {
  return {
    version: 2,
    locktime: 0,
    inputs: [{ prevout: { txid: txidFromInternalBytes(new Uint8Array(32).fill(i + 1)), vout: i }, scriptSig: Uint8Array.of(i), sequence: 0xffffffff, witness: [] }],
    outputs: [{ valueSat: BigInt(i), scriptPubkey: Uint8Array.of(0x51) }],
  };
}

const arbBytes = (max: number) => fc.uint8Array({ maxLength: max });
const arbTx: fc.Arbitrary<Transaction> = fc
  .record({
    version: fc.integer({ min: 0, max: 0xffffffff }),
    locktime: fc.integer({ min: 0, max: 0xffffffff }),
    segwit: fc.boolean(),
    inputs: fc.array(
      fc.record({
        txid: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        vout: fc.integer({ min: 0, max: 0xffffffff }),
        scriptSig: arbBytes(300),
        sequence: fc.integer({ min: 0, max: 0xffffffff }),
        witness: fc.array(arbBytes(80), { maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    outputs: fc.array(fc.record({ valueSat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), scriptPubkey: arbBytes(300) }), { maxLength: 4 }),
  })
  .map(({ version, locktime, segwit, inputs, outputs }) => ({
    version,
    locktime,
    inputs: inputs.map((i, k) => ({
      prevout: { txid: txidFromInternalBytes(i.txid), vout: i.vout },
      scriptSig: i.scriptSig,
      sequence: i.sequence,
      // A segwit transaction needs at least one non-empty witness (BIP 144).
      witness: segwit ? (k === 0 && i.witness.length === 0 ? [Uint8Array.of(1)] : i.witness) : [],
    })),
    outputs,
  }));

const arbBlock = fc.record({ prev: fc.uint8Array({ minLength: 32, maxLength: 32 }), time: fc.integer({ min: 0, max: 0xffffffff }), txs: fc.array(arbTx, { minLength: 1, maxLength: 6 }) }).map(({ prev, time, txs }) => {
  const raws = txs.map((t) => serializeTx(t));
  const ids: Txid[] = txs.map((t) => txidOf(t));
  const header = buildHeader(blockHashFromHex(bytesToHex(prev)), merkleRoot(ids), time);
  return { header, transactions: raws, ids };
});

test('property: random blocks (legacy and segwit transactions) round-trip through serialize/decode', () => {
  fc.assert(
    fc.property(arbBlock, (b) => {
      const bytes = serializeBlock(b);
      const d = decodeBlock(bytes, b.header.hash);
      assert.equal(d.header.raw, b.header.raw);
      assert.equal(d.transactions, b.transactions);
      assert.equal(d.txids.map(bytesToHex), b.ids.map(bytesToHex));
      assert.equal(serializeBlock(d), bytes);
    }),
    { numRuns: Math.min(RUNS, 300), seed: 42 },
  );
});

test('fuzz: random bytes never throw anything but ChainSourceError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        decodeBlock(bytes);
      } catch (e) {
        if (!isTyped(e)) throw e;
      }
    }),
    { numRuns: RUNS * 5, seed: 1 },
  );
});

test('fuzz: mutated valid blocks (flips, truncations, insertions, huge CompactSizes) decode consistently or throw ChainSourceError', () => {
  const seeds = fc.sample(arbBlock, { numRuns: 40, seed: 3 }).map(serializeBlock);
  const arbMutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    kind: fc.constantFrom('flip', 'truncate', 'insert', 'varint'),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  let decoded = 0;
  fc.assert(
    fc.property(arbMutation, ({ seed, kind, at, byte }) => {
      const src = seeds[seed]!;
      const i = at % src.length;
      let m: Uint8Array;
      if (kind === 'flip') {
        m = Uint8Array.from(src);
        m[i] = byte;
      } else if (kind === 'truncate') m = src.subarray(0, i);
      else if (kind === 'insert') m = Uint8Array.of(...src.subarray(0, i), byte, ...src.subarray(i));
      else m = Uint8Array.of(...src.subarray(0, i), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, ...src.subarray(i));
      try {
        const d = decodeBlock(m);
        decoded++;
        assert.equal(serializeBlock(d), m, 'whatever decodes re-serializes to the same bytes');
      } catch (e) {
        if (!isTyped(e)) throw e;
      }
    }),
    { numRuns: RUNS * 5, seed: 4 },
  );
  assert.ok(decoded > 0, 'some mutations (e.g. of the nonce or a same-byte flip) still decode');
});

test.run();
