/** Synthetic gossip with dummy signatures (for TrustingVerifier): cheap, for load and bound tests. */
import { sha256 } from '@ln/crypto';
import { makeMessage } from '@ln/wire';
import type { UtxoLookup } from '@ln/chain-interfaces';
import { NetworkGraph, P2PGossipSync, TrustingVerifier, compareBytes, fundingScriptPubkey, type P2PGossipSyncConfig, type SignatureCheck, type SignatureVerifier } from '../src/index.js';
import { MAINNET } from './helpers.js';

const Z = new Uint8Array(64);
const id = (i: number) => {
  const b = new Uint8Array(33);
  b[0] = 2;
  b.set(sha256(new TextEncoder().encode(`pipeline-${i}`)), 1);
  return b;
};
export const ends = (i: number): [Uint8Array, Uint8Array] => {
  const a = id(2 * i);
  const b = id(2 * i + 1);
  return compareBytes(a, b) < 0 ? [a, b] : [b, a];
};
export const scidOf = (i: number) => BigInt(600_000 + i) << 40n;
export const asyncLookup: UtxoLookup = {
  getUtxo: (_c, scid) => {
    const [a, b] = ends(Number(scid >> 40n) - 600_000);
    return new Promise((r) => setImmediate(() => r({ ok: true, output: { valueSat: 1_000_000n, scriptPubkey: fundingScriptPubkey(a, b) } })));
  },
};

/** Accepts every signature, answering later in batches (as the worker verifier does). */
export class AsyncTrustingVerifier implements SignatureVerifier {
  readonly name = 'async-trusting';
  readonly batchSize = 64;
  verify(checks: readonly SignatureCheck[]): Promise<number[]> {
    return new Promise((r) => setImmediate(() => r(checks.map(() => -1))));
  }
}

export function announce(i: number) {
  const [a, b] = ends(i);
  return makeMessage('channel_announcement', {
    nodeSignature1: Z, nodeSignature2: Z, bitcoinSignature1: Z, bitcoinSignature2: Z, features: new Uint8Array(0),
    chainHash: MAINNET, shortChannelId: scidOf(i), nodeId1: a, nodeId2: b, bitcoinKey1: a, bitcoinKey2: b,
  });
}
export function upd(i: number, dir: 0 | 1 = 0, timestamp = 1_700_000_000) {
  return makeMessage('channel_update', {
    signature: Z, chainHash: MAINNET, shortChannelId: scidOf(i), timestamp, messageFlags: 1, channelFlags: dir,
    cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n,
  });
}


/** A sync whose graph holds `n` synthetic channels, each with both updates (checks trusted). */
export function syntheticSync(n: number, cfg: Partial<P2PGossipSyncConfig> = {}): P2PGossipSync {
  const s = new P2PGossipSync({ graph: new NetworkGraph(), verifier: new TrustingVerifier(), now: () => 1_700_000_100, ...cfg });
  for (let i = 0; i < n; i++) {
    s.handleChannelAnnouncement(undefined, announce(i));
    s.handleChannelUpdate(undefined, upd(i, 0));
    s.handleChannelUpdate(undefined, upd(i, 1));
  }
  s.getAndClearPendingMsgEvents();
  return s;
}
