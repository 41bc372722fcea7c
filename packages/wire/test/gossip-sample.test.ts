import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nobleSecp256k1, sha256d } from '@ln/crypto';
import {
  decodeMessage, decodeQueryFlags, decodeShortChannelIds, decodeTimestamps, encodeMessage, signedBytesOf, DecodeError,
  scidToString, chainHashOf, type ChannelAnnouncement, type ChannelUpdate, type WireMessage,
} from '@ln/wire';

const data = new URL('../../../../shared/data/', import.meta.url);
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The wire messages of the real 2021 gossip_store sample (CLN format: version byte, 12-byte record headers). */
function gossipStoreMessages(): Uint8Array[] {
  const parts = ['cln-gossip_store-sample-2021-08-part1.xz', 'cln-gossip_store-sample-2021-08-part2.xz'].map(
    (f) => new Uint8Array(execFileSync('xz', ['-dc', fileURLToPath(new URL(f, data))])),
  );
  const out: Uint8Array[] = [];
  parts.forEach((b, i) => {
    let at = i === 0 ? 1 : 0;
    while (at + 12 <= b.length) {
      const len = (b[at + 2]! << 8) | b[at + 3]!;
      out.push(b.subarray(at + 12, at + 12 + len));
      at += 12 + len;
    }
  });
  return out;
}

test('every channel_announcement and channel_update of the real 2021 sample decodes, re-encodes exactly, and its signatures verify over signedBytes', () => {
  const msgs = gossipStoreMessages();
  let anns = 0;
  let upds = 0;
  const nodeIds = new Map<string, [Uint8Array, Uint8Array]>();
  for (const raw of msgs) {
    const type = (raw[0]! << 8) | raw[1]!;
    if (type !== 256 && type !== 258) continue;
    const m = decodeMessage(raw);
    assert.equal(encodeMessage(m), raw, `${m.type} re-encodes byte for byte`);
    const h = sha256d(signedBytesOf(m)!);
    if (m.type === 'channel_announcement') {
      anns++;
      const a = m as ChannelAnnouncement;
      assert.ok(nobleSecp256k1.verify(a.nodeSignature1, h, a.nodeId1), 'node_signature_1');
      assert.ok(nobleSecp256k1.verify(a.nodeSignature2, h, a.nodeId2), 'node_signature_2');
      assert.ok(nobleSecp256k1.verify(a.bitcoinSignature1, h, a.bitcoinKey1), 'bitcoin_signature_1');
      assert.ok(nobleSecp256k1.verify(a.bitcoinSignature2, h, a.bitcoinKey2), 'bitcoin_signature_2');
      assert.equal(a.chainHash, chainHashOf('mainnet'));
      nodeIds.set(scidToString(a.shortChannelId), [a.nodeId1, a.nodeId2]);
    } else {
      upds++;
      const u = m as ChannelUpdate;
      const ids = nodeIds.get(scidToString(u.shortChannelId));
      if (ids) assert.ok(nobleSecp256k1.verify(u.signature, h, ids[u.channelFlags & 1]!), `channel_update ${scidToString(u.shortChannelId)}`);
    }
  }
  assert.is(anns, 89);
  assert.is(upds, 8);
});

test('a tampered signed byte breaks the signature (signedBytes is the exact range)', () => {
  const raw = Uint8Array.from(gossipStoreMessages().find((m) => m[0] === 1 && m[1] === 0)!);
  raw[raw.length - 1]! ^= 1;
  const a = decodeMessage(raw) as ChannelAnnouncement;
  assert.not.ok(nobleSecp256k1.verify(a.nodeSignature1, sha256d(signedBytesOf(a)!), a.nodeId1));
});

test('BOLT 7 extended-queries.json: every message decodes with the stated fields; zlib encodings are refused', () => {
  const vectors = JSON.parse(readFileSync(new URL('../../../../shared/bolts/bolt07/extended-queries.json', import.meta.url), 'utf8'));
  const scid = (s: string) => {
    const [b, t, o] = s.split('x').map(Number) as [number, number, number];
    return (BigInt(b) << 40n) | (BigInt(t) << 16n) | BigInt(o);
  };
  const zlibRefused = (f: () => unknown) => {
    try {
      f();
      return false;
    } catch (e) {
      return e instanceof DecodeError && e.code === 'unsupported_encoding';
    }
  };
  assert.is(vectors.length, 10);
  for (const v of vectors) {
    const m = decodeMessage(hex(v.hex)) as WireMessage & Record<string, any>;
    assert.is(toHex(encodeMessage(m)), v.hex, 're-encodes');
    assert.is(toHex(m.chainHash), v.msg.chainHash);
    if (v.msg.type === 'QueryChannelRange') {
      assert.is(m.type, 'query_channel_range');
      assert.is(m.firstBlocknum, v.msg.firstBlockNum);
      assert.is(m.numberOfBlocks, v.msg.numberOfBlocks);
      const want = v.msg.tlvStream.records.length ? 3n : undefined;
      assert.is(m.tlvs.queryOption, want);
      continue;
    }
    const ids = v.msg.shortChannelIds;
    if (ids.encoding === 'UNCOMPRESSED') assert.equal(decodeShortChannelIds(m.encodedShortIds), ids.array.map(scid));
    else assert.ok(zlibRefused(() => decodeShortChannelIds(m.encodedShortIds)), 'zlib short ids refused');
    if (v.msg.type === 'ReplyChannelRange') {
      assert.is(m.type, 'reply_channel_range');
      assert.is(m.syncComplete, v.msg.complete);
      assert.is(m.firstBlocknum, v.msg.firstBlockNum);
      if (v.msg.timestamps) {
        const t = m.tlvs.timestampsTlv;
        if (v.msg.timestamps.encoding === 'UNCOMPRESSED') {
          assert.equal(decodeTimestamps(t.encodingType, t.encodedTimestamps), v.msg.timestamps.timestamps);
        } else assert.ok(zlibRefused(() => decodeTimestamps(t.encodingType, t.encodedTimestamps)));
      }
      if (v.msg.checksums) {
        assert.equal(
          m.tlvs.checksumsTlv.map((c: any) => ({ checksum1: c.checksumNodeId1, checksum2: c.checksumNodeId2 })),
          v.msg.checksums.checksums,
        );
      }
    } else {
      assert.is(m.type, 'query_short_channel_ids');
      const rec = v.msg.tlvStream.records[0];
      if (rec) {
        const q = m.tlvs.queryFlags;
        if (rec.encoding === 'UNCOMPRESSED') assert.equal(decodeQueryFlags(q.encodingType, q.encodedQueryFlags), rec.array.map(BigInt));
        else assert.ok(zlibRefused(() => decodeQueryFlags(q.encodingType, q.encodedQueryFlags)));
      } else assert.is(m.tlvs.queryFlags, undefined);
    }
  }
});

test.run();
