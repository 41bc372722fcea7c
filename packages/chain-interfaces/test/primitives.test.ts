import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ChainInterfaceError, blockHashFromHex, blockHashToHex, outPointEquals, outPointToString,
  txidFromHex, txidFromInternalBytes, txidToHex,
} from '@ln/chain-interfaces';

// The genesis block's coinbase txid as explorers show it, and its internal (serialized) order.
const GENESIS_TXID_DISPLAY = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

test('txid hex is display order: bytes are reversed internally', () => {
  const txid = txidFromHex(GENESIS_TXID_DISPLAY);
  assert.is(txid[0], 0x3b);
  assert.is(txid[31], 0x4a);
  assert.is(txidToHex(txid), GENESIS_TXID_DISPLAY);
});

test('block hash round trip through display hex', () => {
  const h = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
  const b = blockHashFromHex(h);
  assert.is(b[31], 0x00);
  assert.is(b[0], 0x6f);
  assert.is(blockHashToHex(b), h);
});

test('bad hex and wrong lengths throw ChainInterfaceError', () => {
  assert.throws(() => txidFromHex('zz'), (e: unknown) => e instanceof ChainInterfaceError);
  assert.throws(() => txidFromInternalBytes(new Uint8Array(31)), (e: unknown) => e instanceof ChainInterfaceError);
});

test('txidFromInternalBytes copies', () => {
  const raw = new Uint8Array(32).fill(7);
  const t = txidFromInternalBytes(raw);
  raw[0] = 9;
  assert.is(t[0], 7);
});

test('outpoint equality and string form', () => {
  const a = { txid: txidFromHex(GENESIS_TXID_DISPLAY), vout: 1 };
  const b = { txid: txidFromHex(GENESIS_TXID_DISPLAY), vout: 1 };
  assert.ok(outPointEquals(a, b));
  assert.not.ok(outPointEquals(a, { ...b, vout: 2 }));
  assert.is(outPointToString(a), `${GENESIS_TXID_DISPLAY}:1`);
});

test.run();
