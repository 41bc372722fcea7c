/**
 * A randomized consistency check in the spirit of rust-lightning's `chanmon_consistency`:
 * three nodes A–B–C (two channels, both funded on both sides; `option_anchors` on odd seeds), driven by a seeded random
 * sequence of actions — payments (direct, forwarded, two-part MPP, keysend), claims and fails, `update_fee`, timer ticks,
 * message delays (each node's outbox is drained at random times, each link delivers one
 * message or all of them, links interleave), disconnects and reconnects, and restarts from
 * serialized managers. At the end every link reconnects and the network settles.
 *
 * Seed variants (drawn from the seed): asynchronous monitors (every update `InProgress`, written
 * later one at a time in random order per channel — see consistency-watch.ts — with nodes
 * switching between modes), restarts that crash with monitor updates in flight (the monitor
 * keeps a random prefix of them; the manager is restored with `{ monitors }` and must hand the
 * rest again; user events are sometimes left undrained in the serialized manager), low-balance
 * channels (one side of each channel near its reserve, the funder near what its commitment fee
 * allows, amounts aimed at the spendable limit or at the dust/trimmed threshold), and retries of
 * failed parts with `sendPaymentAlongPaths`.
 *
 * Invariants: no channel closes, no error or warning is sent, every payment resolves (sent or
 * failed at the sender, consistently with the recipient), `PaymentSent`'s fee is the route's,
 * no HTLC is left anywhere, and each node's balance moved by exactly what it received, paid and
 * earned (the total stays the capacity).
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
import { ConsistencyWatch } from './consistency-watch.js';
import { defaultFees, Harness, secp, sym, type TestWatch } from './harness.js';
import { route } from './pay.js';

const NAMES = ['A', 'B', 'C'] as const;
const CAPACITY_SAT = 1_000_000n;

interface Template {
  readonly chainHash: Uint8Array;
  readonly best: { blockHash: Uint8Array; height: number };
  readonly bytes: Uint8Array[];
  readonly watches: TestWatch[];
  readonly scids: bigint[];
  readonly height: number;
}

const templates = new Map<string, Template>();

/**
 * The two channels A–B and B–C (funded by A and B), opened once per variant: with or without
 * `option_anchors`; balanced (400,000 sat pushed) or tight (A keeps ~30,000 sat, just above
 * its reserve and commitment fee; C gets only 25,000 sat, 15,000 above its reserve).
 */
function buildTemplate(anchors: boolean, tight: boolean): Template {
  const h = new Harness();
  const [a, b, c] = NAMES.map((n) => h.addNode(n, { channelHandshakeConfig: { negotiateAnchors: anchors } }));
  h.openChannel(a!, b!, CAPACITY_SAT, tight ? 970_000_000n : 400_000_000n);
  h.openChannel(b!, c!, CAPACITY_SAT, tight ? 25_000_000n : 400_000_000n);
  h.drainEvents();
  const scids = [route(h, [a!, b!], 1n).hops[0]!.shortChannelId, route(h, [b!, c!], 1n).hops[0]!.shortChannelId];
  return {
    chainHash: h.chain.chainHash, best: { blockHash: h.chain.tip.hash as Uint8Array, height: h.chain.tipHeight },
    bytes: [a!, b!, c!].map((n) => n.cm.serialize()), watches: [a!, b!, c!].map((n) => n.watch), scids, height: h.chain.tipHeight,
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

interface FNode {
  readonly name: string;
  readonly keys: KeysManager;
  readonly watch: ConsistencyWatch;
  cm: ChannelManager;
  readonly nodeId: Uint8Array;
}

interface Payment {
  readonly id: Uint8Array;
  readonly from: number;
  readonly to: number;
  readonly hopsIdx: number[];
  readonly amountMsat: bigint;
  readonly fee: bigint;
  retries: number;
  /** The first route was stale (always retried once). */
  stale: boolean;
  outcome?: 'sent' | 'failed';
}

/** What one seed did. */
export interface SeedStats {
  readonly actions: number;
  /** Payments handed to `sendPayment`/`sendSpontaneousPayment` (refused sends not counted). */
  readonly payments: number;
  /** Sends refused at once (`PaymentSendError`: over the spendable limit, below the minimum…). */
  readonly refusedSends: number;
  readonly sent: number;
  readonly failed: number;
  /** Failed parts sent again with `sendPaymentAlongPaths`. */
  readonly retries: number;
  readonly retriesSucceeded: number;
  readonly restarts: number;
  /** Restarts that crashed with monitor updates in flight. */
  readonly restartsInFlight: number;
  /** Monitor updates lost in those crashes (handed again by the restored manager). */
  readonly lostUpdates: number;
  /** Asynchronous `Completed` monitor events. */
  readonly asyncCompletions: number;
  readonly disconnects: number;
  readonly feeUpdates: number;
  readonly async: boolean;
  readonly tight: boolean;
}

/** Runs one seed with `steps` random actions; throws (with the seed's action log) on any broken invariant. */
export function runSeed(seed: number, steps = 40): SeedStats {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // Odd seeds run on option_anchors channels (zero-fee HTLC transactions, anchor outputs).
  const anchors = seed % 2 === 1;
  const asyncSeed = rand() < 0.6;
  const tight = rand() < 0.35;
  const tk = `${anchors}/${tight}`;
  if (!templates.has(tk)) templates.set(tk, buildTemplate(anchors, tight));
  const t = templates.get(tk)!;
  const log: string[] = [`${anchors ? 'anchors' : 'legacy'}${tight ? ' tight' : ''}`];
  const fees = NAMES.map(() => defaultFees());
  const nodes: FNode[] = NAMES.map((name, i) => {
    const keys = new KeysManager(testSeed(name), secp, new DeterministicEntropySource(testSeed(`${name}/entropy/${seed}`)));
    const watch = ConsistencyWatch.from(t.watches[i]!);
    watch.async = asyncSeed && rand() < 0.8;
    if (watch.async) log.push(`${name} async`);
    return { name, keys, watch, nodeId: keys.getNodeId(), cm: undefined as unknown as ChannelManager };
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
        if (a.type === 'SendErrorMessage' || a.type === 'SendWarningMessage' || a.type === 'DisconnectPeerWithWarning' || a.type === 'DisconnectPeer') {
          const data = (a as { msg?: { data: Uint8Array } }).msg?.data;
          fail(`${nodes[i]!.name} sent ${a.type}: ${data ? new TextDecoder().decode(data) : ''}`);
        }
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
  const st = { refusedSends: 0, retries: 0, retriesSucceeded: 0, restarts: 0, restartsInFlight: 0, disconnects: 0, feeUpdates: 0 };
  const height = t.height;
  /** Acts on a node's user events (forwards, claims, retries) and records outcomes. */
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
          if (e.feePaidMsat !== p!.fee) fail(`PaymentSent #${e.paymentId[31]} fee ${e.feePaidMsat}, route fee ${p!.fee}`);
          p!.outcome = 'sent';
          if (p!.retries) st.retriesSucceeded++;
          break;
        }
        case 'PaymentPathFailed': {
          const p = byId(e.paymentId);
          log.push(`${n.name} pathFailed #${e.paymentId[31]} ${e.failure?.name ?? 'local'}${e.paymentFailedPermanently ? ' (permanent)' : ''}`);
          // Retry a failed part along the same route (fresh expiry) up to twice, else give up.
          if (p && !e.paymentFailedPermanently && p.retries < 2 && (p.stale || rand() < 0.6)) {
            const part = pathFor(t, nodes, p.hopsIdx, e.path.hops[e.path.hops.length - 1]!.amountMsat, height);
            try {
              n.cm.sendPaymentAlongPaths(e.paymentId, [part]);
              p.retries++;
              p.stale = false;
              st.retries++;
              log.push(`retry #${e.paymentId[31]}`);
              break;
            } catch (err) {
              if (!(err instanceof PaymentSendError)) throw err;
              log.push(`(retry refused: ${err.code})`);
            }
          }
          n.cm.abandonPayment(e.paymentId);
          break;
        }
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
  /**
   * The node's process dies and restarts from its manager serialized at that moment, possibly
   * with monitor updates in flight (some lost) and events not yet handled (they were persisted).
   */
  const restart = (i: number) => {
    for (const [a, b] of links) if (a === i || b === i) disconnect(a, b);
    if (rand() < 0.5) handleEvents(i);
    const bytes = nodes[i]!.cm.serialize();
    if (nodes[i]!.watch.inFlight()) st.restartsInFlight++;
    const monitors = nodes[i]!.watch.crash(rand);
    nodes[i]!.cm = ChannelManager.deserialize(bytes, optsOf(nodes[i]!, i), { monitors });
    // Usually the restarted node reconnects to its peers at once.
    if (rand() < 0.85) for (const [a, b] of links) if (a === i || b === i) connect(a, b);
  };
  /** An amount for a payment: anywhere up to 20,000 sat, or (tight seeds) aimed at the sender's limit or the dust threshold. */
  const amountFor = (from: number, hopsIdx: number[]): bigint => {
    if (tight) {
      const r = rand();
      if (r < 0.4) {
        const ch = nodes[from]!.cm.listChannels().find((c) => equalBytes(c.counterpartyNodeId, nodes[hopsIdx[1]!]!.nodeId));
        const fwdFee = hopsIdx.length > 2 ? 1000n + (ch?.nextOutboundHtlcLimitMsat ?? 0n) / 10_000n : 0n;
        const target = (ch?.nextOutboundHtlcLimitMsat ?? 0n) - fwdFee + BigInt(Math.floor(rand() * 4001) - 3000) * 1000n;
        if (target > 0n) return target;
      } else if (r < 0.7) return BigInt(200 + Math.floor(rand() * 2800)) * 1000n + BigInt(Math.floor(rand() * 1000));
    }
    return BigInt(1 + Math.floor(rand() * 20_000)) * 1000n;
  };
  let nextId = 1;
  const pay = () => {
    // A payment: direct or over both channels, invoice or keysend.
    const from = Math.floor(rand() * 3);
    let to = Math.floor(rand() * 3);
    if (to === from) to = (from + 1) % 3;
    const hopsIdx = from === 1 || to === 1 ? [from, to] : [from, 1, to];
    const amountMsat = amountFor(from, hopsIdx);
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(28, nextId++);
    const kind = rand();
    const keysend = kind < 0.2;
    const mpp = !keysend && kind < 0.35;
    // A route from stale gossip (B's fee 1 msat short, or its CLTV delta 1 block short): B refuses
    // it (fee_insufficient / incorrect_cltv_expiry) and the sender retries with the right one.
    const stale = !mpp && hopsIdx.length === 3 && rand() < 0.25 ? (rand() < 0.5 ? 'fee' : 'cltv') : undefined;
    const good = pathFor(t, nodes, hopsIdx, amountMsat, height);
    const path = stale ? staleFor(good, stale) : good;
    log.push(`pay#${nextId - 1} ${NAMES[from]}>${NAMES[to]} ${amountMsat}${keysend ? ' keysend' : mpp ? ' mpp' : ''}${stale ? ` stale-${stale}` : ''}`);
    const refused = rand() < 0.15;
    try {
      let hash: Uint8Array;
      let fee = good.hops[0]!.amountMsat - amountMsat;
      if (keysend) hash = nodes[from]!.cm.sendSpontaneousPayment([path], undefined, {}, id);
      else {
        const inv = nodes[to]!.cm.createInboundPayment(amountMsat, 3600);
        hash = inv.paymentHash;
        if (mpp) {
          // Two parts along the same route, collected by the recipient until total_msat.
          const half = amountMsat / 2n;
          const parts = [pathFor(t, nodes, hopsIdx, half, height), pathFor(t, nodes, hopsIdx, amountMsat - half, height)];
          fee = parts.reduce((x, p) => x + p.hops[0]!.amountMsat, 0n) - amountMsat;
          if (refused) refuse.add(bytesToHex(hash));
          payments.push({ id, from, to, hopsIdx, amountMsat, fee, retries: 0, stale: !!stale });
          nodes[from]!.cm.sendPayment(parts, inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: amountMsat }, id);
          return;
        }
        payments.push({ id, from, to, hopsIdx, amountMsat, fee, retries: 0, stale: !!stale });
        if (refused) refuse.add(bytesToHex(hash));
        nodes[from]!.cm.sendPayment([path], inv.paymentHash, { paymentSecret: inv.paymentSecret }, id);
        return;
      }
      if (refused) refuse.add(bytesToHex(hash));
      payments.push({ id, from, to, hopsIdx, amountMsat, fee, retries: 0, stale: !!stale });
    } catch (e) {
      if (!(e instanceof PaymentSendError)) throw e;
      // Nothing was sent: the payment does not exist for the sender.
      if (payments.length && equalBytes(payments[payments.length - 1]!.id, id)) payments.pop();
      st.refusedSends++;
      log.push(`(refused: ${e.code})`);
    }
  };
  const startBalances = nodes.map((n) => n.cm.listChannels().reduce((a, c) => a + c.balanceMsat, 0n));
  for (const [a, b] of links) connect(a, b);
  // The channel_reestablish exchange, so that the random actions start on working channels.
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < 3; i++) drainOut(i);
    for (const [a, b] of links) while (deliverOne(a, b) || deliverOne(b, a));
  }
  for (let s = 0; s < steps; s++) {
    if (process.env.FUZZ_LOG) log.push(`[${nodes.map((n) => n.watch.inFlight()).join('')}]`);
    const r = rand();
    if (r < 0.17) pay();
    else if (r < 0.19) {
      // A burst: several payments before anything is delivered (one commitment carries them all).
      log.push('burst');
      for (let k = 1 + Math.floor(rand() * 3); k >= 0; k--) pay();
    } else if (r < 0.39) {
      const i = Math.floor(rand() * 3);
      drainOut(i);
      log.push(`out ${NAMES[i]}${process.env.FUZZ_LOG ? `(${nodes[i]!.watch.inFlight()})` : ''}`);
    } else if (r < 0.55) {
      const [a, b] = pick(links);
      const [from, to] = rand() < 0.5 ? [a, b] : [b, a];
      log.push(`deliver ${NAMES[from]}>${NAMES[to]}`);
      deliverOne(from, to);
    } else if (r < 0.64) {
      const [a, b] = pick(links);
      const [from, to] = rand() < 0.5 ? [a, b] : [b, a];
      log.push(`deliverAll ${NAMES[from]}>${NAMES[to]}`);
      while (deliverOne(from, to));
    } else if (r < 0.76) {
      const i = Math.floor(rand() * 3);
      log.push(`events ${NAMES[i]}`);
      handleEvents(i);
    } else if (r < 0.86) {
      // Monitor persistence: one in-flight update of a node is written (any channel, any order), or all of them.
      const i = Math.floor(rand() * 3);
      if (rand() < 0.85) {
        if (nodes[i]!.watch.persistOne(rand)) log.push(`persist ${NAMES[i]}`);
      } else {
        log.push(`persistAll ${NAMES[i]}`);
        nodes[i]!.watch.persistAll();
      }
    } else if (r < 0.88) {
      // A node's monitor store switches between asynchronous and synchronous persistence.
      const i = Math.floor(rand() * 3);
      if (asyncSeed) {
        nodes[i]!.watch.async = !nodes[i]!.watch.async;
        log.push(`${NAMES[i]} ${nodes[i]!.watch.async ? 'async' : 'sync'}`);
      }
    } else if (r < 0.90) {
      // The funder of a channel proposes a new feerate.
      const [a] = pick(links);
      const ch = nodes[a]!.cm.listChannels().find((c) => c.isOutbound);
      const rate = 500 + Math.floor(rand() * (tight ? 9500 : 4500));
      log.push(`fee ${NAMES[a]} ${rate}`);
      if (ch) {
        try {
          nodes[a]!.cm.updateFee(ch.channelId, rate);
          st.feeUpdates++;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }
    } else if (r < 0.94) {
      // Disconnect a link, or (more often when one is down) reconnect one.
      const down = links.filter(([x, y]) => !connected.has(lk(x, y)));
      const [a, b] = down.length && rand() < 0.6 ? pick(down) : pick(links);
      if (connected.has(lk(a, b))) {
        log.push(`disconnect ${NAMES[a]}-${NAMES[b]}`);
        disconnect(a, b);
        st.disconnects++;
      } else {
        log.push(`reconnect ${NAMES[a]}-${NAMES[b]}`);
        connect(a, b);
      }
    } else if (r < 0.97) {
      // Mostly a node with monitor updates in flight (the crash point that matters), if there is one.
      const busy = [0, 1, 2].filter((k) => nodes[k]!.watch.inFlight());
      const i = busy.length && rand() < 0.9 ? pick(busy) : Math.floor(rand() * 3);
      log.push(`restart ${NAMES[i]} (${nodes[i]!.watch.inFlight()} in flight)`);
      restart(i);
      st.restarts++;
    } else if (r < 0.98) {
      for (const [a, b] of links) connect(a, b);
      log.push('reconnect all');
    } else {
      // A timer tick: incomplete multi-part sets time out (mpp_timeout), their payments fail.
      const i = Math.floor(rand() * 3);
      log.push(`tick ${NAMES[i]}`);
      nodes[i]!.cm.timerTickOccurred();
    }
  }
  // Settle: reconnect, write every monitor update, deliver everything, act on every event, until nothing moves.
  log.push('| settle');
  for (const [a, b] of links) connect(a, b);
  let ticksLeft = 8;
  for (let round = 0; ; round++) {
    if (round > 300) fail('did not settle');
    let moved = false;
    for (let i = 0; i < 3; i++) {
      if (nodes[i]!.watch.inFlight()) {
        nodes[i]!.watch.persistAll();
        moved = true;
      }
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
        if (nodes[i]!.watch.inFlight()) more = true;
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
  if (total !== 2n * CAPACITY_SAT * 1000n) fail(`total balance ${total} != capacity`);
  if (process.env.FUZZ_LOG) console.log(`seed ${seed}: ${log.join(', ')}`);
  return {
    actions: steps, payments: payments.length, sent: payments.filter((p) => p.outcome === 'sent').length,
    failed: payments.filter((p) => p.outcome === 'failed').length, ...st,
    lostUpdates: nodes.reduce((a, n) => a + n.watch.lost, 0), asyncCompletions: nodes.reduce((a, n) => a + n.watch.completions, 0),
    async: asyncSeed, tight,
  };
}

/** `path` (three nodes) with the forwarder's fee 1 msat short or its CLTV delta 1 block short. */
function staleFor(path: PaymentPath, what: 'fee' | 'cltv'): PaymentPath {
  const [h0, h1] = path.hops;
  return { hops: [what === 'fee' ? { ...h0!, amountMsat: h0!.amountMsat - 1n } : { ...h0!, cltvExpiry: h0!.cltvExpiry - 1 }, h1!] };
}

/** A path over our channels with the default forwarding policy (1000 msat + 100 ppm, delta 72). */
function pathFor(t: Template, nodes: FNode[], hopsIdx: number[], amountMsat: bigint, height: number): PaymentPath {
  const scid = (a: number, b: number) => t.scids[Math.min(a, b)]!;
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
