/** Test helpers: signed gossip built from test-kit keys, and feeding raw messages to a sync. */
import { defaultSecp256k1, sha256d, type Secp256k1 } from '@ln/crypto';
import { testNodeKey } from '@ln/test-kit';
import {
  chainHashOf, decodeMessage, encodeMessage, makeMessage,
  type ChannelAnnouncement, type ChannelUpdate, type NodeAnnouncement, type WireMessage,
} from '@ln/wire';
import { compareBytes, fundingScriptPubkey, P2PGossipSync, type NetworkGraph } from '../src/index.js';

export const secp: Secp256k1 = defaultSecp256k1();
export const MAINNET = chainHashOf('mainnet');
const ZERO = new Uint8Array(64);

export interface TestNode {
  secretKey: Uint8Array;
  nodeId: Uint8Array;
}
export const node = (label: string | number): TestNode => testNodeKey(`gossip-${label}`);

/** A channel between two test nodes with its funding keys. */
export interface TestChannel {
  scid: bigint;
  n1: TestNode;
  n2: TestNode;
  b1: TestNode;
  b2: TestNode;
  capacitySat: bigint;
}

export function testChannel(a: TestNode, b: TestNode, scid: bigint, capacitySat = 1_000_000n): TestChannel {
  const [n1, n2] = compareBytes(a.nodeId, b.nodeId) < 0 ? [a, b] : [b, a];
  return { scid, n1, n2, b1: node(`btc1-${scid}`), b2: node(`btc2-${scid}`), capacitySat };
}

/** Signs `raw` in place: `secrets.length` signatures after the type over SHA256d of the rest. */
export function sign(raw: Uint8Array, secrets: Uint8Array[]): Uint8Array {
  const h = sha256d(raw.subarray(2 + 64 * secrets.length));
  secrets.forEach((sk, i) => raw.set(secp.sign(h, sk), 2 + 64 * i));
  return raw;
}

/** A decoded message from raw bytes (so `signedBytesOf` works). */
export function decoded<T extends WireMessage>(raw: Uint8Array): T {
  return decodeMessage(raw) as T;
}

export function announcementRaw(ch: TestChannel, opts: { chainHash?: Uint8Array; swapNodes?: boolean; signers?: Uint8Array[]; features?: Uint8Array } = {}): Uint8Array {
  const [a, b] = opts.swapNodes ? [ch.n2, ch.n1] : [ch.n1, ch.n2];
  const raw = encodeMessage(makeMessage('channel_announcement', {
    nodeSignature1: ZERO, nodeSignature2: ZERO, bitcoinSignature1: ZERO, bitcoinSignature2: ZERO,
    features: opts.features ?? new Uint8Array(0), chainHash: opts.chainHash ?? MAINNET, shortChannelId: ch.scid,
    nodeId1: a.nodeId, nodeId2: b.nodeId, bitcoinKey1: ch.b1.nodeId, bitcoinKey2: ch.b2.nodeId,
  }));
  return sign(raw, opts.signers ?? [a.secretKey, b.secretKey, ch.b1.secretKey, ch.b2.secretKey]);
}
export const announcement = (ch: TestChannel, opts?: Parameters<typeof announcementRaw>[1]) => decoded<ChannelAnnouncement>(announcementRaw(ch, opts));

export interface UpdateFields {
  timestamp?: number;
  disabled?: boolean;
  feeBaseMsat?: number;
  feeProportionalMillionths?: number;
  cltvExpiryDelta?: number;
  htlcMinimumMsat?: bigint;
  htlcMaximumMsat?: bigint;
  chainHash?: Uint8Array;
  signer?: Uint8Array;
  messageFlags?: number;
}
export function updateRaw(ch: TestChannel, dir: 0 | 1, f: UpdateFields = {}): Uint8Array {
  const raw = encodeMessage(makeMessage('channel_update', {
    signature: ZERO, chainHash: f.chainHash ?? MAINNET, shortChannelId: ch.scid, timestamp: f.timestamp ?? 1_700_000_000,
    messageFlags: f.messageFlags ?? 1, channelFlags: dir | (f.disabled ? 2 : 0), cltvExpiryDelta: f.cltvExpiryDelta ?? 40,
    htlcMinimumMsat: f.htlcMinimumMsat ?? 1000n, feeBaseMsat: f.feeBaseMsat ?? 1000, feeProportionalMillionths: f.feeProportionalMillionths ?? 100,
    htlcMaximumMsat: f.htlcMaximumMsat ?? ch.capacitySat * 990n,
  }));
  return sign(raw, [f.signer ?? (dir === 0 ? ch.n1 : ch.n2).secretKey]);
}
export const update = (ch: TestChannel, dir: 0 | 1, f?: UpdateFields) => decoded<ChannelUpdate>(updateRaw(ch, dir, f));

export function nodeAnnouncementRaw(n: TestNode, timestamp = 1_700_000_000, alias = 'test', signer?: Uint8Array, addresses = new Uint8Array(0)): Uint8Array {
  const a = new Uint8Array(32);
  a.set(new TextEncoder().encode(alias));
  const raw = encodeMessage(makeMessage('node_announcement', {
    signature: ZERO, features: Uint8Array.of(0x08, 0x00), timestamp, nodeId: n.nodeId, rgbColor: Uint8Array.of(1, 2, 3), alias: a, addresses,
  }));
  return sign(raw, [signer ?? n.secretKey]);
}
export const nodeAnnouncement = (n: TestNode, ...rest: [number?, string?, Uint8Array?, Uint8Array?]) => decoded<NodeAnnouncement>((nodeAnnouncementRaw as (...a: unknown[]) => Uint8Array)(n, ...rest));

/** The funding output a channel's announcement must point at. */
export function fundingOf(ch: TestChannel) {
  return { valueSat: ch.capacitySat, scriptPubkey: fundingScriptPubkey(ch.b1.nodeId, ch.b2.nodeId) };
}

/** Hands a raw gossip message to the right handler; returns the handler's result or the thrown error. */
export function feed(sync: P2PGossipSync, raw: Uint8Array, peer?: Uint8Array): boolean | Error {
  const m = decodeMessage(raw);
  try {
    switch (m.type) {
      case 'channel_announcement':
        return sync.handleChannelAnnouncement(peer, m);
      case 'channel_update':
        return sync.handleChannelUpdate(peer, m);
      case 'node_announcement':
        return sync.handleNodeAnnouncement(peer, m);
      default:
        throw new Error(`not gossip: ${m.type}`);
    }
  } catch (e) {
    return e as Error;
  }
}

/** A canonical dump of a graph's gossip content (every stored message's bytes), for comparing graphs. */
export function graphDigest(g: NetworkGraph): string[] {
  const out: string[] = [];
  for (const scid of g.sortedScids()) {
    const c = g.channel(scid)!;
    out.push(`${scid}:${Buffer.from(c.node1).toString('hex')}:${Buffer.from(c.node2).toString('hex')}:${c.capacitySat}:${JSON.stringify(c.directions, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
  const nodes: string[] = [];
  g.forEachNode((id) => nodes.push(`${Buffer.from(id).toString('hex')}:${Buffer.from(g.nodeAnnouncementBytes(id) ?? new Uint8Array(0)).toString('hex')}`));
  return [...out, ...nodes.sort()];
}
