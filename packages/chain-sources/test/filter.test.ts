/** ChainPollerFilter: what a transaction matches, and when the version moves. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@ln/crypto';
import { txidFromInternalBytes } from '@ln/chain-interfaces';
import { ChainPollerFilter } from '../src/index.js';

const txid = (n: number) => txidFromInternalBytes(sha256(Uint8Array.of(n)));
const spk = (n: number) => Uint8Array.of(0x00, 0x20, ...sha256(Uint8Array.of(n, 1)));
const tx = (id: number, spends: [number, number][], pays: number[]) => ({
  txid: txid(id),
  inputs: spends.map(([t, vout]) => ({ txid: txid(t), vout })),
  outputs: pays.map((p) => ({ valueSat: 1n, scriptPubkey: spk(p) })),
});

test('matches a registered txid, a spend of a registered outpoint, or a payment to a registered script', () => {
  const f = new ChainPollerFilter();
  assert.ok(f.isEmpty);
  assert.not.ok(f.matches(tx(1, [[9, 0]], [1])));
  f.registerTx(txid(1), new Uint8Array());
  assert.ok(f.matches(tx(1, [], [])));
  assert.not.ok(f.matches(tx(2, [[1, 1]], [2])), 'spending a registered txid is not a match by itself');
  f.registerOutput({ outpoint: { txid: txid(1), vout: 1 }, scriptPubkey: spk(5) });
  assert.ok(f.matches(tx(2, [[1, 1]], [])));
  assert.not.ok(f.matches(tx(3, [[1, 2]], [])), 'another output of the same transaction');
  f.registerTx(txid(7), spk(7));
  assert.ok(f.matches(tx(4, [], [3, 7])), 'pays the registered script');
  assert.not.ok(f.isEmpty);
});

test('version moves on new registrations only', () => {
  const f = new ChainPollerFilter();
  f.registerTx(txid(1), spk(1));
  const v = f.version;
  f.registerTx(txid(1), spk(1));
  f.registerOutput({ outpoint: { txid: txid(2), vout: 0 }, scriptPubkey: spk(2) });
  f.registerOutput({ outpoint: { txid: txid(2), vout: 0 }, scriptPubkey: spk(2) });
  assert.is(f.version, v + 1);
});

test.run();
