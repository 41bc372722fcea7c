/**
 * tooling/gossip-gen against the topology it is generated from: counts, determinism, and
 * orientation (the policy the snapshot gives its `node1` is signed by that node's test key,
 * with the direction bit the test keys' order gives, BOLT 7 `channel_flags` bit 0).
 * Also known answers of CRC32C (RFC 3720 / iSCSI, used by BOLT 7 `gossip_queries_ex` checksums)
 * and of `channelUpdateChecksum`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, makeMessage } from '@ln/wire';
import { generateGossipStream, streamUtxoLookup, testSecret, type Topology } from '../../../tooling/gossip-gen/index.js';
import { InlineVerifier, NetworkGraph, P2PGossipSync, channelUpdateChecksum, compareBytes, crc32c } from '../src/index.js';
import { MAINNET } from './helpers.js';
import { fast, topology } from './stream.js';

const N = 200;

function ingest(msgs: Uint8Array[], stream: Parameters<typeof streamUtxoLookup>[0]): P2PGossipSync {
  const s = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(stream), verifier: new InlineVerifier(fast), now: () => 1_770_076_800 + 3600 });
  for (const raw of msgs) {
    const m = decodeMessage(raw);
    if (m.type === 'channel_announcement') s.handleChannelAnnouncement(undefined, m);
    else if (m.type === 'channel_update') s.handleChannelUpdate(undefined, m);
    else if (m.type === 'node_announcement') s.handleNodeAnnouncement(undefined, m);
  }
  return s;
}

test('generator vs the 2026 topology (first 200 channels): counts, every message valid, each policy on its publisher\'s direction, deterministic', () => {
  const topo = topology();
  const chans = topo.channels.slice(0, N);
  const st = generateGossipStream(topo, { secp: fast, maxChannels: N });
  const nodes = new Set<number>();
  let policies = 0;
  for (const ch of chans) {
    nodes.add(ch.node1);
    nodes.add(ch.node2);
    policies += ch.policies.filter(Boolean).length;
  }
  assert.equal(st.counts, { channelAnnouncements: N, channelUpdates: policies, nodeAnnouncements: nodes.size });
  assert.is(st.messages.length, N + policies + nodes.size);
  const s = ingest(st.messages, st);
  assert.equal(s.stats.accepted, { channelAnnouncements: N, channelUpdates: policies, nodeAnnouncements: nodes.size });
  assert.equal(s.stats.rejected, {});
  // Orientation, from the topology and the test keys (not from the generator's own output).
  const key = (n: number) => fast.publicKeyCreate(testSecret(fast, `ln-gossip-gen node ${n}`));
  let swapped = 0;
  for (const ch of chans) {
    const [k1, k2] = [key(ch.node1), key(ch.node2)];
    const swap = compareBytes(k1, k2) > 0;
    if (swap) swapped++;
    const info = s.graph.channel(ch.scid)!;
    assert.equal([info.node1, info.node2], swap ? [k2, k1] : [k1, k2]);
    assert.is(info.capacitySat, ch.capacitySat);
    for (const snapDir of [0, 1] as const) {
      const p = ch.policies[snapDir];
      const dir = (snapDir === 0) !== swap ? 0 : 1;
      const got = s.graph.direction(ch.scid, dir as 0 | 1);
      if (!p) {
        assert.is(got, undefined, `${ch.scid} direction ${dir} has no policy`);
        continue;
      }
      assert.ok(got, `${ch.scid} direction ${dir}`);
      assert.equal([got!.feeBaseMsat, got!.feeProportionalMillionths, got!.cltvExpiryDelta], [p.feeBaseMsat, p.feeProportionalMillionths, p.cltvExpiryDelta]);
    }
  }
  assert.ok(swapped > 0 && swapped < N, `both orientations occur (${swapped} swapped)`);
  // Deterministic: the same bytes again; another seed changes every key.
  const again = generateGossipStream(topo, { secp: fast, maxChannels: N });
  assert.is(again.messages.length, st.messages.length);
  assert.ok(again.messages.every((m, i) => compareBytes(m, st.messages[i]!) === 0));
  const other = generateGossipStream(topo, { secp: fast, maxChannels: 5, seed: 'other' });
  assert.not.ok(compareBytes(other.messages[0]!, st.messages[0]!) === 0);
});

test('generator on a hand-made topology: a policy only for the greater node, and a node shared by channels', () => {
  const pol = (fee: number) => ({ feeBaseMsat: fee, feeProportionalMillionths: 1, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 1_000_000n });
  const t: Topology = {
    nodes: [0, 1, 2].map((i) => ({ nodeId: new Uint8Array(33).fill(i + 2), alias: `n${i}` })),
    channels: [
      { scid: (800_000n << 40n) | 1n, node1: 0, node2: 1, capacitySat: 100_000n, policies: [pol(11), undefined] },
      { scid: (800_001n << 40n) | 1n, node1: 1, node2: 2, capacitySat: 100_000n, policies: [undefined, pol(22)] },
      { scid: (800_002n << 40n) | 1n, node1: 2, node2: 0, capacitySat: 100_000n, policies: [pol(33), pol(44)] },
    ],
  };
  const st = generateGossipStream(t, { secp: fast, seed: 'hand' });
  assert.equal(st.counts, { channelAnnouncements: 3, channelUpdates: 4, nodeAnnouncements: 3 });
  const s = ingest(st.messages, st);
  assert.equal(s.stats.rejected, {});
  const key = (n: number) => fast.publicKeyCreate(testSecret(fast, `hand node ${n}`));
  // The policy is found at the direction its publisher's key has in the channel.
  const at = (scid: bigint, publisher: number) => {
    const info = s.graph.channel(scid)!;
    return s.graph.direction(scid, compareBytes(info.node1, key(publisher)) === 0 ? 0 : 1)?.feeBaseMsat;
  };
  assert.is(at(t.channels[0]!.scid, 0), 11);
  assert.is(at(t.channels[0]!.scid, 1), undefined);
  assert.is(at(t.channels[1]!.scid, 2), 22);
  assert.is(at(t.channels[1]!.scid, 1), undefined);
  assert.is(at(t.channels[2]!.scid, 2), 33);
  assert.is(at(t.channels[2]!.scid, 0), 44);
});

test('CRC32C known answers (RFC 3720 B.4 and the standard check value) and incremental use', () => {
  const ascii = new TextEncoder().encode('123456789');
  assert.is(crc32c(ascii), 0xe3069283);
  assert.is(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.is(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.is(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.is(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.is(crc32c(new Uint8Array(0)), 0);
  assert.is(crc32c(ascii.subarray(4), crc32c(ascii.subarray(0, 4))), 0xe3069283);
});

/** Bitwise CRC32C (reflected polynomial 0x82F63B78), independent of the table in the package. */
function crc32cBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('channelUpdateChecksum: CRC32C of the update without signature and timestamp (BOLT 7), whatever the signature and timestamp', () => {
  const fields = {
    signature: new Uint8Array(64).fill(7), chainHash: MAINNET, shortChannelId: (700_000n << 40n) | (5n << 16n) | 1n, timestamp: 1_700_000_000,
    messageFlags: 1, channelFlags: 1, cltvExpiryDelta: 144, htlcMinimumMsat: 1000n, feeBaseMsat: 1000, feeProportionalMillionths: 100, htlcMaximumMsat: 990_000_000n,
  };
  const raw = encodeMessage(makeMessage('channel_update', fields));
  // The fields by hand: chain_hash, short_channel_id, then everything after timestamp.
  const be = (v: bigint, n: number) => Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * (n - 1 - i))) & 0xffn));
  const body = Uint8Array.from([
    ...MAINNET, ...be(fields.shortChannelId, 8), 1, 1, ...be(144n, 2), ...be(1000n, 8), ...be(1000n, 4), ...be(100n, 4), ...be(990_000_000n, 8),
  ]);
  const expected = crc32cBitwise(body);
  assert.is(channelUpdateChecksum(raw), expected);
  assert.is(crc32cBitwise(new TextEncoder().encode('123456789')), 0xe3069283, 'the reference itself');
  const other = encodeMessage(makeMessage('channel_update', { ...fields, signature: new Uint8Array(64).fill(9), timestamp: 1_800_000_000 }));
  assert.is(channelUpdateChecksum(other), expected);
  const fee = encodeMessage(makeMessage('channel_update', { ...fields, feeBaseMsat: 1001 }));
  assert.is.not(channelUpdateChecksum(fee), expected);
});

test.run();
