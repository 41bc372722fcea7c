import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, sha256d } from '@ln/crypto';
import { blockHashToHex, txidToHex, type BlockHeader, type TransactionData, type Txid, type RelevantTxid } from '@ln/chain-interfaces';
import { MemoryChain, buildLegacyTx, merkleRoot, parseTx } from '@ln/test-kit';

const script = (n: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(n));

test('genesis is regtest: the chain hash is the regtest genesis block hash', () => {
  const chain = new MemoryChain();
  assert.is(blockHashToHex(chain.getHeader(0)!.hash), '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
  assert.is(chain.tipHeight, 0);
});

test('mined headers are real: hash = sha256d(80 bytes), prev links, merkle root of the txids', () => {
  const chain = new MemoryChain();
  chain.fund(script(1), 100_000n);
  chain.fund(script(2), 200_000n);
  const [b1] = chain.mine(1);
  chain.mine(2);
  for (let h = 1; h <= 3; h++) {
    const hd = chain.getHeader(h)!;
    assert.equal(hd.hash, sha256d(hd.raw));
    assert.equal(hd.prevBlockHash, chain.getHeader(h - 1)!.hash);
    const txids = chain.getBlock(h)!.transactions.map((t) => parseTx(t).txid);
    assert.equal(hd.raw.subarray(36, 68), merkleRoot(txids));
  }
  assert.is(b1!.transactions.length, 3, 'coinbase + 2 faucet txs');
  assert.ok(chain.getHeader(2)!.time > chain.getHeader(1)!.time);
});

test('merkle root known answers: one tx is its txid; three txs pair the last with itself', () => {
  const t = (n: number) => new Uint8Array(32).fill(n) as Txid;
  assert.equal(merkleRoot([t(1)]), t(1));
  const pair = (a: Uint8Array, b: Uint8Array) => sha256d(Uint8Array.from([...a, ...b]));
  assert.equal(merkleRoot([t(1), t(2), t(3)]), pair(pair(t(1), t(2)), pair(t(3), t(3))));
});

test('UTXO set: spends, double spends refused, fee-bumping replacement, lookups by short channel id', () => {
  const chain = new MemoryChain();
  const { outpoint } = chain.fund(script(1), 100_000n);
  chain.mine(1);
  assert.ok(chain.isUnspent(outpoint));
  const spend = (fee: bigint, to: number) => buildLegacyTx([{ outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 100_000n - fee, scriptPubkey: script(to) }]);
  const a = spend(1_000n, 2);
  chain.broadcaster.broadcastTransactions([a]);
  assert.is(chain.mempoolTxids().length, 1);
  const lowerFee = spend(500n, 3);
  chain.broadcaster.broadcastTransactions([lowerFee]);
  assert.is(chain.broadcaster.rejected.length, 1);
  assert.match(chain.broadcaster.rejected[0]!.reason, 'higher fee');
  const higherFee = spend(2_000n, 4);
  chain.broadcaster.broadcastTransactions([higherFee]);
  assert.equal(chain.mempoolTxids().map(txidToHex), [txidToHex(parseTx(higherFee).txid)]);
  chain.mine(1);
  assert.not.ok(chain.isUnspent(outpoint));
  chain.broadcaster.broadcastTransactions([a]);
  assert.match(chain.broadcaster.rejected[1]!.reason, 'already spent');
  const overspend = buildLegacyTx([{ outpoint: { txid: parseTx(higherFee).txid, vout: 0 }, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 999_999n, scriptPubkey: script(5) }]);
  chain.broadcaster.broadcastTransactions([overspend]);
  assert.match(chain.broadcaster.rejected[2]!.reason, 'exceed inputs');

  const newOut = { txid: parseTx(higherFee).txid, vout: 0 };
  const scid = chain.shortChannelIdOf(newOut)!;
  assert.is(scid >> 40n, 2n);
  const r = chain.getUtxo(chain.chainHash, scid);
  assert.ok(r.ok && r.output.valueSat === 98_000n && bytesToHex(r.output.scriptPubkey) === bytesToHex(script(4)));
  assert.ok(r.ok && r.outpoint && bytesToHex(r.outpoint.txid) === bytesToHex(newOut.txid) && r.outpoint.vout === 0, 'getUtxo gives the outpoint');
  assert.equal(chain.getUtxo(new Uint8Array(32), scid), { ok: false, error: 'UnknownChain' });
  assert.equal(chain.getUtxo(chain.chainHash, scid + 1n), { ok: false, error: 'UnknownTx' });
  assert.is(chain.confirmations(newOut.txid), 1);
  chain.mine(5);
  assert.is(chain.confirmations(newOut.txid), 6);
});

test('Listen subscribers get every block in order, and disconnects tip-first on a reorg', () => {
  const chain = new MemoryChain();
  const events: string[] = [];
  chain.subscribe({
    blockConnected: (b, h) => events.push(`+${h}:${blockHashToHex(b.header.hash).slice(0, 8)}`),
    blockDisconnected: (hd, h) => events.push(`-${h}:${blockHashToHex(hd.hash).slice(0, 8)}`),
  });
  chain.mine(3);
  const old = [1, 2, 3].map((h) => blockHashToHex(chain.getHeader(h)!.hash).slice(0, 8));
  chain.reorg(2);
  assert.is(chain.tipHeight, 4);
  assert.equal(events.slice(0, 5), [`+1:${old[0]}`, `+2:${old[1]}`, `+3:${old[2]}`, `-3:${old[2]}`, `-2:${old[1]}`]);
  assert.equal(events.slice(5).map((e) => e.split(':')[0]), ['+2', '+3', '+4']);
  assert.is.not(blockHashToHex(chain.getHeader(2)!.hash).slice(0, 8), old[1]);
});

test('Confirm subscribers see only registered transactions, and unconfirmations on a reorg', () => {
  const chain = new MemoryChain();
  const confirmed: [number, number[]][] = [];
  const unconfirmed: string[] = [];
  const relevant: RelevantTxid[] = [];
  let best = 0;
  chain.subscribe({
    transactionsConfirmed: (hd: BlockHeader, txdata: readonly TransactionData[], height: number) => {
      confirmed.push([height, txdata.map((t) => t.index)]);
      for (const t of txdata) relevant.push({ txid: parseTx(t.tx).txid, height, blockHash: hd.hash });
    },
    transactionUnconfirmed: (txid: Txid) => unconfirmed.push(txidToHex(txid)),
    bestBlockUpdated: (_hd, h) => (best = h),
    getRelevantTxids: () => relevant,
  });
  const watched = chain.fund(script(7), 50_000n);
  chain.fund(script(8), 60_000n);
  chain.filter.registerTx(watched.outpoint.txid, script(7));
  chain.mine(1);
  assert.equal(confirmed, [[1, [1]]]);
  // A spend of a registered output is delivered too.
  chain.filter.registerOutput({ outpoint: watched.outpoint, scriptPubkey: script(7) });
  const spend = buildLegacyTx([{ outpoint: watched.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 49_000n, scriptPubkey: script(9) }]);
  chain.mine(1, { txs: [spend] });
  assert.equal(confirmed[1], [2, [1]]);
  assert.is(best, 2);
  chain.reorg(1, { dropTxids: [parseTx(spend).txid] });
  assert.equal(unconfirmed, [txidToHex(parseTx(spend).txid)]);
  assert.is(best, 3);
  assert.ok(chain.isUnspent(watched.outpoint), 'the dropped spend is gone; the output is unspent again');
});

test('reorg returns transactions to the mempool and re-mines them by default', () => {
  const chain = new MemoryChain();
  const f = chain.fund(script(1), 10_000n);
  chain.mine(1);
  assert.is(chain.confirmations(f.outpoint.txid), 1);
  chain.reorg(1, { newBlocks: 1, includeMempool: false });
  assert.is(chain.confirmations(f.outpoint.txid), 0);
  assert.is(chain.mempoolTxids().length, 1);
  chain.mine(1);
  assert.is(chain.confirmations(f.outpoint.txid), 1);
});

test('reorg of a block holding a transaction and its child restores the UTXO set as before the block', () => {
  const chain = new MemoryChain();
  const { outpoint } = chain.fund(script(1), 50_000n);
  chain.mine(1);
  const parent = buildLegacyTx([{ outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 49_000n, scriptPubkey: script(2) }]);
  const parentOut = { txid: parseTx(parent).txid, vout: 0 };
  const child = buildLegacyTx([{ outpoint: parentOut, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 48_000n, scriptPubkey: script(3) }]);
  const childOut = { txid: parseTx(child).txid, vout: 0 };
  chain.broadcaster.broadcastTransactions([parent, child]);
  chain.mine(1);
  assert.is(chain.confirmations(parentOut.txid), 1);
  assert.is(chain.confirmations(childOut.txid), 1);
  assert.not.ok(chain.isUnspent(outpoint));
  assert.not.ok(chain.isUnspent(parentOut));
  assert.ok(chain.isUnspent(childOut));
  chain.reorg(1, { newBlocks: 1, includeMempool: false });
  assert.ok(chain.isUnspent(outpoint), 'the funding output is unspent again');
  assert.not.ok(chain.isUnspent(parentOut), 'the parent is unconfirmed: its output is gone');
  assert.not.ok(chain.isUnspent(childOut), 'the child is unconfirmed: its output is gone');
  assert.is(chain.mempoolTxids().length, 2);
  chain.mine(1);
  assert.is(chain.confirmations(childOut.txid), 1);
  assert.ok(chain.isUnspent(childOut));
  assert.not.ok(chain.isUnspent(outpoint));
});

test('segwit transactions parse with the right txid (witness stripped)', () => {
  // BOLT 3 Appendix B funding transaction (segwit input) and its txid.
  const raw =
    '0200000001adbb20ea41a8423ea937e76e8151636bf6093b70eaff942930d20576600521fd000000006b48304502210090587b6201e166ad6af0227d3036a9454223d49a1f11839c1a362184340ef0240220577f7cd5cca78719405cbf1de7414ac027f0239ef6e214c90fcaab0454d84b3b012103535b32d5eb0a6ed0982a0479bbadc9868d9836f6ba94dd5a63be16d875069184ffffffff028096980000000000220020c015c4a6be010e21657068fc2e6a9d02b27ebe4d490a25846f7237f104d1a3cd20256d29010000001600143ca33c2e4446f4a305f23c80df8ad1afdcf652f900000000';
  const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
  assert.is(txidToHex(parseTx(hex(raw)).txid), '8984484a580b825b9972d7adb15050b3ab624ccd731946b3eeddb92f4e7ef6be');
  const p = parseTx(hex(raw));
  assert.is(p.outputs.length, 2);
  assert.is(p.outputs[0]!.valueSat, 10_000_000n);
});

test.run();
