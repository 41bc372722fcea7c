/**
 * Benchmarks (never part of `npm test`): block decoding against the SHA256d ceiling it must pay
 * (txids + merkle root), and a poller catch-up over the bitcoind JSON-RPC stand-in on 127.0.0.1
 * against the raw JSON-RPC round-trip rate of the same server (two calls per block).
 */
import { sha256d } from '@ln/crypto';
import { txidFromInternalBytes, type Block } from '@ln/chain-interfaces';
import { serializeTx, txidOf, type Transaction } from '@ln/transactions';
import { buildHeader, MemoryChain, merkleRoot } from '@ln/test-kit';
import { BitcoindRpcClient, ChainPoller, decodeBlock, serializeBlock } from '../src/index.js';
import { FakeBitcoind } from '../test/support/fake-bitcoind.js';

function rate(ops: number, ms: number): string {
  return (ops / (ms / 1000)).toFixed(1);
}

function syntheticBlock(nTx: number): Block {
  const txs: Transaction[] = [];
  for (let i = 0; i < nTx; i++) {
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(0, i + 1);
    txs.push({
      version: 2,
      locktime: 0,
      inputs: [{ prevout: { txid: txidFromInternalBytes(id), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(72), new Uint8Array(33)] }],
      outputs: [
        { valueSat: 100_000n, scriptPubkey: new Uint8Array(34).fill(1) },
        { valueSat: 200_000n, scriptPubkey: new Uint8Array(22).fill(2) },
      ],
    });
  }
  const header = buildHeader(txidFromInternalBytes(new Uint8Array(32)) as never, merkleRoot(txs.map(txidOf)), 1);
  return { header, transactions: txs.map((t) => serializeTx(t)) };
}

async function main(): Promise<void> {
  const rows: string[][] = [['benchmark', 'result', 'ceiling (same run)', 'of ceiling']];

  const block = syntheticBlock(4000);
  const bytes = serializeBlock(block);
  const mb = bytes.length / 1e6;
  let t = performance.now();
  let n = 0;
  while (performance.now() - t < 2000) {
    decodeBlock(bytes, block.header.hash);
    n++;
  }
  const decodeMs = (performance.now() - t) / n;
  // The ceiling: one SHA256d over every transaction's non-witness bytes (~ the txids) plus the merkle tree.
  const stripped = block.transactions.map((r) => r.subarray(0, Math.min(r.length, 125)));
  t = performance.now();
  let m = 0;
  while (performance.now() - t < 2000) {
    for (const s of stripped) sha256d(s);
    merkleRoot(block.transactions.map((_, i) => txidFromInternalBytes(sha256d(stripped[i]!))));
    m++;
  }
  const hashMs = (performance.now() - t) / m;
  rows.push([`decodeBlock (${mb.toFixed(2)} MB, 4000 segwit txs)`, `${(mb / (decodeMs / 1000)).toFixed(1)} MB/s (${decodeMs.toFixed(1)} ms/block)`, `txid + merkle hashing: ${hashMs.toFixed(1)} ms/block`, `${((hashMs / decodeMs) * 100).toFixed(0)}%`]);

  const chain = new MemoryChain();
  for (let i = 0; i < 300; i++) {
    chain.fund(Uint8Array.of(0x51, i & 0xff), 1000n);
    chain.mine(1);
  }
  const server = await new FakeBitcoind(chain).start();
  try {
    const client = new BitcoindRpcClient({ url: server.url, user: 'user', password: 'pass' });
    // The ceiling: the two calls per block the poller must make (getblockhash, getblock), by
    // hand, `width` blocks at a time.
    const byHand = async (width: number): Promise<number> => {
      const t0 = performance.now();
      for (let h = 1; h <= 300; h += width) {
        const batch = [];
        for (let k = h; k < h + width && k <= 300; k++) batch.push(client.getBlockHash(k).then((x) => client.getBlock(x)));
        await Promise.all(batch);
      }
      return performance.now() - t0;
    };
    const viaPoller = async (fetchAhead: number): Promise<number> => {
      const poller = new ChainPoller(client, { fetchAhead });
      let seen = 0;
      poller.addListen({ blockConnected: () => void seen++, blockDisconnected() {}, filteredBlockConnected() {} }, { blockHash: chain.getHeader(0)!.hash, height: 0 });
      const t0 = performance.now();
      await poller.poll();
      if (seen !== 300) throw new Error(`poller delivered ${seen} blocks`);
      return performance.now() - t0;
    };
    for (const [width, latency] of [[1, 0], [4, 0], [1, 10], [4, 10]] as const) {
      server.server.delayMs = latency;
      // The machine is shared and the first rounds warm the JIT: best of three, interleaved.
      let hand = Infinity;
      let poll = Infinity;
      for (let k = 0; k < (latency ? 1 : 3); k++) {
        hand = Math.min(hand, await byHand(width));
        poll = Math.min(poll, await viaPoller(width));
      }
      rows.push([
        `ChainPoller catch-up, 300 blocks, JSON-RPC on 127.0.0.1${latency ? ` + ${latency} ms latency` : ''}, fetchAhead ${width}`,
        `${rate(300, poll)} blocks/s`,
        `getblockhash + getblock by hand, ${width} at a time: ${rate(300, hand)} blocks/s`,
        `${((hand / poll) * 100).toFixed(0)}%`,
      ]);
    }
  } finally {
    await server.close();
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
