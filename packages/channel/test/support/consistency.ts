/**
 * A randomized consistency check in the spirit of rust-lightning's `chanmon_consistency`:
 * three nodes A–B–C (two channels, both funded on both sides; `option_anchors` on odd seeds), driven by a seeded random
 * sequence of actions — payments (direct, forwarded, two-part MPP, keysend), claims and fails, `update_fee`, timer ticks,
 * message delays (each node's outbox is drained at random times, each link delivers one
 * message or all of them, links interleave), disconnects and reconnects, and restarts from
 * serialized managers. At the end every link reconnects and the network settles.
 *
 * Invariants: no channel closes, every payment resolves (sent or failed at the sender,
 * consistently with the recipient), no HTLC is left anywhere, and each node's balance moved by
 * exactly what it received, paid and earned.
 *
 * The channels are opened once; every seed starts from their serialized managers and copies
 * of their monitors, so a seed costs only its own actions.
 */
import type { BestBlock } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { KeysManager } from '@ln/transactions';
import { DeterministicEntropySource, testSeed } from '@ln/test-kit';
import { decodeMessage, encodeMessage, makeMessage, type KnownMessage } from '@ln/wire';
import { ApiError, ChannelManager, PaymentSendError, type ChannelEvent, type PaymentPath } from '../../src/index.js';
import { defaultFees, Harness, secp, sym, TestWatch } from './harness.js';
import { route } from './pay.js';

const NAMES = ['A', 'B', 'C'] as const;

interface Template {
  readonly chainHash: Uint8Array;
  readonly best: { blockHash: Uint8Array; height: number };
  readonly bytes: Uint8Array[];
  readonly watches: TestWatch[];
  readonly paths: { direct: Map<string, PaymentPath>; scids: bigint[] };
  readonly height: number;
}

const templates = new Map<boolean, Template>();

/** The two channels, opened once (with or without `option_anchors`). */
function buildTemplate(anchors: boolean): Template {
  const h = new Harness();
  const [a, b, c] = NAMES.map((n) => h.addNode(n, { channelHandshakeConfig: { negotiateAnchors: anchors } }));
  h.openChannel(a!, b!, 1_000_000n, 400_000_000n);
  h.openChannel(b!, c!, 1_000_000n, 400_000_000n);
  h.drainEvents();
  const scids = [route(h, [a!, b!], 1n).hops[0]!.shortChannelId, route(h, [b!, c!], 1n).hops[0]!.shortChannelId];
  return {
    chainHash: h.chain.chainHash, best: { blockHash: h.chain.tip.hash as Uint8Array, height: h.chain.tipHeight },
    bytes: [a!, b!, c!].map((n) => n.cm.serialize()), watches: [a!, b!, c!].map((n) => n.watch), paths: { direct: new Map(), scids }, height: h.chain.tipHeight,
  };
}

/** A small fast PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function copyWatch(w: TestWatch): TestWatch {
  const c = new TestWatch();
  for (const [k, v] of w.inits) c.inits.set(k, v);
  for (const [k, v] of w.updates) c.updates.set(k, [...v]);
  return c;
}

interface FNode {
  readonly name: string;
  readonly keys: KeysManager;
  readonly watch: TestWatch;
  cm: ChannelManager;
  readonly nodeId: Uint8Array;
  events: ChannelEvent[];
}

interface Payment {
  readonly id: Uint8Array;
  readonly from: number;
  readonly to: number;
  readonly amountMsat: bigint;
  readonly fee: bigint;
  outcome?: 'sent' | 'failed';
  claimed?: boolean;
}

/** What one seed did. */
export interface SeedStats {
  readonly actions: number;
  readonly payments: number;
  readonly sent: number;
  readonly failed: number;
  readonly restarts: number;
  readonly disconnects: number;
}

/** Runs one seed with `steps` random actions; throws (with the seed's action log) on any broken invariant. */
export function runSeed(seed: number, steps = 40): SeedStats {
  // Odd seeds run on option_anchors channels (zero-fee HTLC transactions, anchor outputs).
  const anchors = seed % 2 === 1;
  if (!templates.has(anchors)) templates.set(anchors, buildTemplate(anchors));
  const t = templates.get(anchors)!;
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const log: string[] = [];
  const fees = NAMES.map(() => defaultFees());
  const nodes: FNode[] = NAMES.map((name, i) => {
    const keys = new KeysManager(testSeed(name), secp, new DeterministicEntropySource(testSeed(`${name}/entropy/${seed}`)));
    const watch = copyWatch(t.watches[i]!);
    return { name, keys, watch, nodeId: keys.getNodeId(), events: [], cm: undefined as unknown as ChannelManager };
  });
  const optsOf = (n: FNode, i: number) => ({
    chainHash: t.chainHash, keys: n.keys, watch: n.watch, fees: fees[i]!, broadcaster: { broadcastTransactions: () => {} },
    bestBlock: t.best as unknown as BestBlock, secp, sym, config: { channelHandshakeConfig: { negotiateAnchors: anchors } },
  });
  nodes.forEach((n, i) => (n.cm = ChannelManager.deserialize(t.bytes[i]!, optsOf(n, i))));
  const links: [number, number][] = [[0, 1], [1, 2]];
  const connected = new Set<string>();
  const queues = new Map<string, KnownMessage[]>();
  const key = (a: number, b: number) => `${a}>${b}`;
  const lk = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);
  const initOf = (n: FNode) => makeMessage('init', { globalfeatures: new Uint8Array(0), features: n.cm.providedInitFeatures(new Uint8Array(33)).toBytes(), tlvs: {} });
  const connect = (a: number, b: number) => {
    if (connected.has(lk(a, b))) return;
    connected.add(lk(a, b));
    nodes[a]!.cm.peerConnected(nodes[b]!.nodeId, initOf(nodes[b]!), false);
    nodes[b]!.cm.peerConnected(nodes[a]!.nodeId, initOf(nodes[a]!), true);
  };
  const disconnect = (a: number, b: number) => {
    if (!connected.has(lk(a, b))) return;
    connected.delete(lk(a, b));
    queues.delete(key(a, b));
    queues.delete(key(b, a));
    nodes[a]!.cm.peerDisconnected(nodes[b]!.nodeId);
    nodes[b]!.cm.peerDisconnected(nodes[a]!.nodeId);
  };
  const idx = (id: Uint8Array) => nodes.findIndex((n) => equalBytes(n.nodeId, id));
  const fail = (msg: string): never => {
    throw new Error(`seed ${seed}: ${msg}\n  actions: ${log.join(', ')}`);
  };
  /** Moves a node's outgoing messages into the link queues (sending them). */
  const drainOut = (i: number) => {
    for (const ev of nodes[i]!.cm.getAndClearPendingMsgEvents()) {
      if (ev.type === 'BroadcastGossip') continue;
      const to = idx(ev.nodeId);
      if (!connected.has(lk(i, to))) continue;
      let msg: KnownMessage | undefined;
      if (ev.type === 'SendMessage') msg = ev.msg;
      else if (ev.type === 'HandleError') {
        const a = ev.action;
        if (a.type === 'SendErrorMessage' || a.type === 'SendWarningMessage' || a.type === 'DisconnectPeerWithWarning') fail(`${nodes[i]!.name} sent ${a.type}: ${new TextDecoder().decode((a as { msg: { data: Uint8Array } }).msg.data)}`);
        continue;
      }
      if (!msg) continue;
      const q = queues.get(key(i, to)) ?? [];
      q.push(msg);
      queues.set(key(i, to), q);
    }
  };
  const deliverOne = (from: number, to: number): boolean => {
    const q = queues.get(key(from, to));
    const msg = q?.shift();
    if (!msg) return false;
    const wire = decodeMessage(encodeMessage(msg)) as KnownMessage;
    const name = 'handle' + wire.type.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
    (nodes[to]!.cm as unknown as Record<string, (id: Uint8Array, m: KnownMessage) => void>)[name]!.call(nodes[to]!.cm, nodes[from]!.nodeId, wire);
    return true;
  };
  const payments: Payment[] = [];
  const byId = (id: Uint8Array) => payments.find((p) => equalBytes(p.id, id));
  const received = [0n, 0n, 0n];
  const earned = [0n, 0n, 0n];
  const claimedHashes = new Set<string>();
  /** Payment hashes the recipient will refuse (decided when the payment is made). */
  const refuse = new Set<string>();
  /** Acts on a node's user events (forwards, claims) and records outcomes. */
  const handleEvents = (i: number) => {
    const n = nodes[i]!;
    for (const e of n.cm.getAndClearPendingEvents()) {
      switch (e.type) {
        case 'PendingHTLCsForwardable':
          n.cm.processPendingHtlcForwards();
          break;
        case 'PaymentClaimable':
          if (claimedHashes.has(bytesToHex(e.paymentHash))) break;
          if (!refuse.has(bytesToHex(e.paymentHash))) {
            claimedHashes.add(bytesToHex(e.paymentHash));
            n.cm.claimFunds(e.purpose.paymentPreimage!);
          } else n.cm.failHtlcBackwards(e.paymentHash);
          break;
        case 'PaymentClaimed':
          received[i] += e.amountMsat;
          break;
        case 'PaymentForwarded':
          earned[i] += e.feeEarnedMsat ?? 0n;
          break;
        case 'PaymentSent': {
          const p = byId(e.paymentId);
          if (!p || p.outcome) fail(`unexpected PaymentSent ${bytesToHex(e.paymentId)}`);
          p!.outcome = 'sent';
          break;
        }
        case 'PaymentPathFailed':
          if (process.env.FUZZ_DEBUG) console.log(`${n.name} PaymentPathFailed #${e.paymentId[31]} ${e.failure?.name ?? 'local'} hop ${e.errorHopIndex}`);
          n.cm.abandonPayment(e.paymentId);
          break;
        case 'PaymentFailed': {
          const p = byId(e.paymentId);
          if (!p || p.outcome) fail(`unexpected PaymentFailed ${bytesToHex(e.paymentId)}`);
          p!.outcome = 'failed';
          break;
        }
        case 'ChannelClosed':
          fail(`${n.name}: channel closed: ${JSON.stringify(e.reason)}`);
          break;
        default:
          break;
      }
    }
  };
  const restart = (i: number) => {
    for (const [a, b] of links) if (a === i || b === i) disconnect(a, b);
    handleEvents(i);
    const bytes = nodes[i]!.cm.serialize();
    nodes[i]!.cm = ChannelManager.deserialize(bytes, optsOf(nodes[i]!, i));
  };
  const startBalances = nodes.map((n) => n.cm.listChannels().reduce((a, c) => a + c.balanceMsat, 0n));
  for (const [a, b] of links) connect(a, b);
  let restarts = 0;
  let disconnects = 0;
  let nextId = 1;
  const height = t.height;
  for (let s = 0; s < steps; s++) {
    const r = rand();
    if (r < 0.14) {
      // A payment: direct or over both channels, invoice or keysend.
      const from = Math.floor(rand() * 3);
      let to = Math.floor(rand() * 3);
      if (to === from) to = (from + 1) % 3;
      const hopsIdx = from === 1 || to === 1 ? [from, to] : [from, 1, to];
      const amountMsat = BigInt(1 + Math.floor(rand() * 20_000)) * 1000n;
      const path = pathFor(t, nodes, hopsIdx, amountMsat, height);
      const id = new Uint8Array(32);
      new DataView(id.buffer).setUint32(28, nextId++);
      const kind = rand();
      const keysend = kind < 0.2;
      const mpp = !keysend && kind < 0.35;
      log.push(`pay#${nextId - 1} ${NAMES[from]}>${NAMES[to]} ${amountMsat}${keysend ? ' keysend' : mpp ? ' mpp' : ''}`);
      const refused = rand() < 0.2;
      try {
        let hash: Uint8Array;
        let fee = path.hops[0]!.amountMsat - amountMsat;
        if (keysend) hash = nodes[from]!.cm.sendSpontaneousPayment([path], undefined, {}, id);
        else {
          const inv = nodes[to]!.cm.createInboundPayment(amountMsat, 3600);
          hash = inv.paymentHash;
          if (mpp) {
            // Two parts along the same route, collected by the recipient until total_msat.
            const half = amountMsat / 2n;
            const parts = [pathFor(t, nodes, hopsIdx, half, height), pathFor(t, nodes, hopsIdx, amountMsat - half, height)];
            fee = parts.reduce((x, p) => x + p.hops[0]!.amountMsat, 0n) - amountMsat;
            nodes[from]!.cm.sendPayment(parts, inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: amountMsat }, id);
          } else nodes[from]!.cm.sendPayment([path], inv.paymentHash, { paymentSecret: inv.paymentSecret }, id);
        }
        if (refused) refuse.add(bytesToHex(hash));
        payments.push({ id, from, to, amountMsat, fee });
      } catch (e) {
        if (!(e instanceof PaymentSendError)) throw e;
        log.push(`(refused: ${e.code})`);
      }
    } else if (r < 0.40) {
      const i = Math.floor(rand() * 3);
      log.push(`out ${NAMES[i]}`);
      drainOut(i);
    } else if (r < 0.62) {
      const [a, b] = pick(links);
      const [from, to] = rand() < 0.5 ? [a, b] : [b, a];
      log.push(`deliver ${NAMES[from]}>${NAMES[to]}`);
      deliverOne(from, to);
    } else if (r < 0.72) {
      const [a, b] = pick(links);
      const [from, to] = rand() < 0.5 ? [a, b] : [b, a];
      log.push(`deliverAll ${NAMES[from]}>${NAMES[to]}`);
      while (deliverOne(from, to));
    } else if (r < 0.86) {
      const i = Math.floor(rand() * 3);
      log.push(`events ${NAMES[i]}`);
      handleEvents(i);
    } else if (r < 0.90) {
      // The funder of a channel proposes a new feerate.
      const [a] = pick(links);
      const ch = nodes[a]!.cm.listChannels().find((c) => c.isOutbound);
      const rate = 500 + Math.floor(rand() * 4500);
      log.push(`fee ${NAMES[a]} ${rate}`);
      if (ch) {
        try {
          nodes[a]!.cm.updateFee(ch.channelId, rate);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }
    } else if (r < 0.94) {
      const [a, b] = pick(links);
      if (connected.has(lk(a, b))) {
        log.push(`disconnect ${NAMES[a]}-${NAMES[b]}`);
        disconnect(a, b);
        disconnects++;
      } else {
        log.push(`reconnect ${NAMES[a]}-${NAMES[b]}`);
        connect(a, b);
      }
    } else if (r < 0.97) {
      const i = Math.floor(rand() * 3);
      log.push(`restart ${NAMES[i]}`);
      restart(i);
      restarts++;
    } else if (r < 0.985) {
      for (const [a, b] of links) connect(a, b);
      log.push('reconnect all');
    } else {
      // A timer tick: incomplete multi-part sets time out (mpp_timeout), their payments fail.
      const i = Math.floor(rand() * 3);
      log.push(`tick ${NAMES[i]}`);
      nodes[i]!.cm.timerTickOccurred();
    }
  }
  // Settle: reconnect, deliver everything, act on every event, until nothing moves.
  log.push('| settle');
  for (const [a, b] of links) connect(a, b);
  let ticksLeft = 6;
  for (let round = 0; ; round++) {
    if (round > 200) fail('did not settle');
    let moved = false;
    for (let i = 0; i < 3; i++) {
      handleEvents(i);
      drainOut(i);
    }
    for (const [a, b] of links) {
      while (deliverOne(a, b)) moved = true;
      while (deliverOne(b, a)) moved = true;
    }
    if (!moved) {
      for (let i = 0; i < 3; i++) handleEvents(i);
      let more = false;
      for (let i = 0; i < 3; i++) {
        drainOut(i);
        for (const q of queues.values()) if (q.length) more = true;
      }
      if (!more) {
        // Quiet. A payment may still wait for a timeout (an MPP set missing a part that failed on
        // the way): let time pass, as a node would, a bounded number of times.
        if (payments.some((p) => !p.outcome) && ticksLeft-- > 0) {
          log.push('tick all');
          for (const n of nodes) n.cm.timerTickOccurred();
          continue;
        }
        break;
      }
    }
  }
  // Invariants.
  for (const n of nodes) for (const [k, v] of n.watch.forceClosed) fail(`${n.name}: monitor ${k} force-closed (broadcast ${v})`);
  for (const p of payments) {
    if (!p.outcome) fail(`payment ${bytesToHex(p.id.subarray(28))} ${NAMES[p.from]}>${NAMES[p.to]} did not resolve`);
  }
  for (const n of nodes) {
    for (const ch of n.cm.allChannels()) {
      if (ch.s.htlcs.length || ch.s.holdingCell.length) fail(`${n.name}: HTLCs left on a channel`);
      if (!ch.isUsable) fail(`${n.name}: a channel is not usable at the end`);
    }
  }
  const sentBy = [0n, 0n, 0n];
  for (const p of payments) if (p.outcome === 'sent') sentBy[p.from] += p.amountMsat + p.fee;
  nodes.forEach((n, i) => {
    const now = n.cm.listChannels().reduce((a, c) => a + c.balanceMsat, 0n);
    const expected = startBalances[i]! - sentBy[i]! + received[i]! + earned[i]!;
    if (now !== expected) fail(`${n.name}: balance ${now}, expected ${expected} (sent ${sentBy[i]}, received ${received[i]}, earned ${earned[i]})`);
  });
  const total = nodes.reduce((a, n) => a + n.cm.listChannels().reduce((x, c) => x + c.balanceMsat, 0n), 0n);
  if (total !== 2_000_000_000n) fail(`total balance ${total} != capacity`);
  return {
    actions: steps, payments: payments.length, sent: payments.filter((p) => p.outcome === 'sent').length,
    failed: payments.filter((p) => p.outcome === 'failed').length, restarts, disconnects,
  };
}

/** A path over our channels with the default forwarding policy (1000 msat + 100 ppm, delta 72). */
function pathFor(t: Template, nodes: FNode[], hopsIdx: number[], amountMsat: bigint, height: number): PaymentPath {
  const scid = (a: number, b: number) => t.paths.scids[Math.min(a, b)]!;
  const hops: PaymentPath['hops'][number][] = [];
  let amt = amountMsat;
  let cltv = height + 40;
  for (let i = hopsIdx.length - 1; i >= 1; i--) {
    hops.unshift({ nodeId: nodes[hopsIdx[i]!]!.nodeId, shortChannelId: scid(hopsIdx[i - 1]!, hopsIdx[i]!), amountMsat: amt, cltvExpiry: cltv });
    amt += 1000n + (amt * 100n) / 1_000_000n;
    cltv += 72;
  }
  return { hops };
}
