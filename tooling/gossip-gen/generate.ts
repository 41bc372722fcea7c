/**
 * Turns a graph topology (the Core Lightning 2026-02-03 mainnet snapshot, as decoded by
 * `@ln/graph-snapshots`) into a complete, validly signed BOLT 7 gossip stream with
 * deterministic test keys: per channel one `channel_announcement` and a `channel_update` for
 * each direction that has a policy in the snapshot, and one `node_announcement` per node
 * (right after its first channel). Funding outputs (the P2WSH 2-of-2 of the bitcoin keys,
 * valued at the snapshot's capacity) come with it as a `UtxoLookup`.
 *
 * The real node ids are replaced by test keys, so channels are re-oriented: the policy the
 * snapshot attributes to the real lesser node id (direction 0 there, see the data README's
 * direction caveat) is signed by that node's test key, with the direction bit its test key's
 * order gives.
 */
import { createHash } from 'node:crypto';
import type { Secp256k1 } from '@ln/crypto';
import type { UtxoLookup, UtxoResult } from '@ln/chain-interfaces';
import { Features, chainHashOf, encodeAddresses, encodeMessage, makeMessage } from '@ln/wire';

/** The topology a stream is generated from (structurally `@ln/graph-snapshots`' `GraphSnapshot`). */
export interface Topology {
  readonly nodes: readonly { readonly nodeId: Uint8Array; readonly alias: string }[];
  readonly channels: readonly {
    readonly scid: bigint;
    readonly node1: number;
    readonly node2: number;
    readonly capacitySat: bigint;
    readonly policies: readonly [Policy | undefined, Policy | undefined];
  }[];
}
interface Policy {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
}

/** A funding output of the stream. */
export interface FundingOutput {
  readonly valueSat: bigint;
  readonly scriptPubkey: Uint8Array;
}

/** A generated stream. */
export interface GossipStream {
  /** Raw wire messages (type included), in the order to feed them. */
  readonly messages: Uint8Array[];
  readonly counts: { channelAnnouncements: number; channelUpdates: number; nodeAnnouncements: number };
  /** Funding outputs by short channel id. */
  readonly funding: Map<bigint, FundingOutput>;
  readonly chainHash: Uint8Array;
  /** The newest timestamp in the stream (seconds). */
  readonly latestTimestamp: number;
}

/** Options of {@link generateGossipStream}. */
export interface GenerateOptions {
  /** Signs with this backend (use a fast one: the full network takes ~290k signatures). */
  readonly secp: Secp256k1;
  /** Only the first N channels (and their nodes). */
  readonly maxChannels?: number;
  /** Timestamps are spread over the week before this (default 2026-02-03T00:00Z). */
  readonly baseTimestamp?: number;
  /** Changes every key (default `"ln-gossip-gen"`). */
  readonly seed?: string;
}

/** 2026-02-03T00:00:00Z, the snapshot's date. */
export const SNAPSHOT_TIME = 1_770_076_800;

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const sha256d = (b: Uint8Array) => sha256(sha256(b));
const enc = new TextEncoder();

/** A deterministic valid secret key from a label. */
export function testSecret(secp: Secp256k1, label: string): Uint8Array {
  let k = sha256(enc.encode(label));
  while (!secp.isValidSecretKey(k)) k = sha256(k);
  return k;
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function u32At(h: Uint8Array): number {
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** P2WSH of `2 <k1> <k2> 2 OP_CHECKMULTISIG`, keys sorted (BOLT 3). */
export function fundingScript(k1: Uint8Array, k2: Uint8Array): Uint8Array {
  const [a, b] = cmp(k1, k2) <= 0 ? [k1, k2] : [k2, k1];
  const ws = new Uint8Array(71);
  ws.set([0x52, 33], 0);
  ws.set(a, 2);
  ws[35] = 33;
  ws.set(b, 36);
  ws.set([0x52, 0xae], 69);
  const out = new Uint8Array(34);
  out.set([0x00, 0x20], 0);
  out.set(sha256(ws), 2);
  return out;
}

/** Signs a raw gossip message in place: `sigCount` signatures after the type, over SHA256d of the rest. */
function signInPlace(secp: Secp256k1, raw: Uint8Array, secrets: readonly Uint8Array[]): Uint8Array {
  const signedFrom = 2 + 64 * secrets.length;
  const h = sha256d(raw.subarray(signedFrom));
  secrets.forEach((sk, i) => raw.set(secp.sign(h, sk), 2 + 64 * i));
  return raw;
}

const ZERO_SIG = new Uint8Array(64);
const NODE_FEATURES = Features.fromBits([7, 9, 11, 13, 15, 17, 27, 45]).toBytes();

/** Generates the stream (see the module comment). */
export function generateGossipStream(topology: Topology, opts: GenerateOptions): GossipStream {
  const { secp } = opts;
  const seed = opts.seed ?? 'ln-gossip-gen';
  const base = opts.baseTimestamp ?? SNAPSHOT_TIME;
  const chainHash = chainHashOf('mainnet');
  const channels = topology.channels.slice(0, opts.maxChannels ?? topology.channels.length);
  const nodeSecret = new Map<number, Uint8Array>();
  const nodeId = new Map<number, Uint8Array>();
  const keyOf = (n: number) => {
    let id = nodeId.get(n);
    if (!id) {
      const sk = testSecret(secp, `${seed} node ${n}`);
      nodeSecret.set(n, sk);
      id = secp.publicKeyCreate(sk);
      nodeId.set(n, id);
    }
    return id;
  };
  const messages: Uint8Array[] = [];
  const funding = new Map<bigint, FundingOutput>();
  const counts = { channelAnnouncements: 0, channelUpdates: 0, nodeAnnouncements: 0 };
  const announced = new Set<number>();
  let latest = 0;
  channels.forEach((ch, i) => {
    const idA = keyOf(ch.node1);
    const idB = keyOf(ch.node2);
    const swap = cmp(idA, idB) > 0;
    const [n1, n2] = swap ? [ch.node2, ch.node1] : [ch.node1, ch.node2];
    const bsk1 = testSecret(secp, `${seed} funding ${i} 1`);
    const bsk2 = testSecret(secp, `${seed} funding ${i} 2`);
    const bk1 = secp.publicKeyCreate(bsk1);
    const bk2 = secp.publicKeyCreate(bsk2);
    const ann = encodeMessage(makeMessage('channel_announcement', {
      nodeSignature1: ZERO_SIG, nodeSignature2: ZERO_SIG, bitcoinSignature1: ZERO_SIG, bitcoinSignature2: ZERO_SIG,
      features: new Uint8Array(0), chainHash, shortChannelId: ch.scid,
      nodeId1: nodeId.get(n1)!, nodeId2: nodeId.get(n2)!, bitcoinKey1: bk1, bitcoinKey2: bk2,
    }));
    messages.push(signInPlace(secp, ann, [nodeSecret.get(n1)!, nodeSecret.get(n2)!, bsk1, bsk2]));
    counts.channelAnnouncements++;
    funding.set(ch.scid, { valueSat: ch.capacitySat, scriptPubkey: fundingScript(bk1, bk2) });
    const capMsat = ch.capacitySat * 1000n;
    // Snapshot policy [0] belongs to the snapshot's node1; with test keys it may now be direction 1.
    for (const [snapDir, publisher] of [[0, ch.node1], [1, ch.node2]] as const) {
      const p = ch.policies[snapDir];
      if (!p) continue;
      const dir = publisher === n1 ? 0 : 1;
      const ts = base - (u32At(sha256(enc.encode(`${seed} ts ${i} ${dir}`))) % (7 * 86_400));
      latest = Math.max(latest, ts);
      let max = p.htlcMaximumMsat > capMsat ? capMsat : p.htlcMaximumMsat;
      const min = p.htlcMinimumMsat > max ? max : p.htlcMinimumMsat;
      if (max < min) max = min;
      const upd = encodeMessage(makeMessage('channel_update', {
        signature: ZERO_SIG, chainHash, shortChannelId: ch.scid, timestamp: ts, messageFlags: 1, channelFlags: dir,
        cltvExpiryDelta: p.cltvExpiryDelta, htlcMinimumMsat: min, feeBaseMsat: p.feeBaseMsat,
        feeProportionalMillionths: p.feeProportionalMillionths, htlcMaximumMsat: max,
      }));
      messages.push(signInPlace(secp, upd, [nodeSecret.get(publisher)!]));
      counts.channelUpdates++;
    }
    for (const n of [n1, n2]) {
      if (announced.has(n)) continue;
      announced.add(n);
      const alias = new Uint8Array(32);
      alias.set(enc.encode(topology.nodes[n]!.alias).subarray(0, 32));
      const h = sha256(enc.encode(`${seed} node ${n} meta`));
      const ts = base - (u32At(h) % 86_400);
      latest = Math.max(latest, ts);
      const na = encodeMessage(makeMessage('node_announcement', {
        signature: ZERO_SIG, features: NODE_FEATURES, timestamp: ts, nodeId: nodeId.get(n)!, rgbColor: h.subarray(4, 7), alias,
        addresses: encodeAddresses([{ type: 'ipv4', addr: Uint8Array.of(100, 64 + ((n >> 16) & 63), (n >> 8) & 255, n & 255), port: 9735 }]),
      }));
      messages.push(signInPlace(secp, na, [nodeSecret.get(n)!]));
      counts.nodeAnnouncements++;
    }
  });
  return { messages, counts, funding, chainHash, latestTimestamp: latest };
}

/** A `UtxoLookup` over a stream's funding outputs (synchronous, or as promises with `async`). */
export function streamUtxoLookup(stream: Pick<GossipStream, 'funding' | 'chainHash'>, opts: { async?: boolean } = {}): UtxoLookup {
  return {
    getUtxo(chainHash: Uint8Array, scid: bigint): UtxoResult | Promise<UtxoResult> {
      let r: UtxoResult;
      if (cmp(chainHash, stream.chainHash) !== 0) r = { ok: false, error: 'UnknownChain' };
      else {
        const f = stream.funding.get(scid);
        r = f ? { ok: true, output: { valueSat: f.valueSat, scriptPubkey: f.scriptPubkey } } : { ok: false, error: 'UnknownTx' };
      }
      return opts.async ? Promise.resolve(r) : r;
    },
  };
}
