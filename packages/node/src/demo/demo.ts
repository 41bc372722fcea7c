/**
 * `ln-node demo` (and the root `npm run demo`): a regtest-like network in one process. At
 * least four `LightningNode`s share one in-memory chain (`MemoryChain`) and talk BOLT 8 to
 * each other over real TCP sockets on 127.0.0.1, each with its own data directory. The demo
 * opens channels (public ones and a private one), mines, lets gossip propagate, pays invoices
 * across several hops (one of them in several parts, one through the private channel's route
 * hint), shows a payment that fails and is retried on another path, closes a channel
 * cooperatively, force-closes another and sweeps it after the CSV delay, and has one node
 * broadcast a revoked commitment so that the victim's monitor takes everything. Every phase
 * prints one progress line and its checks; the end is a table of every node's balances and a
 * check that the satoshis add up, fees included. It exits non-zero if any check fails.
 *
 * Options: `--nodes N` (at least 4), `--payments N` (extra random payments), `--seed S`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, sha256 } from '@ln/crypto';
import { parseTx, txidOf } from '@ln/transactions';
import { DeterministicEntropySource, FixedFeeEstimator, MemoryChain, testSeed } from '@ln/test-kit';
import { memoryChainSource } from '../chain.js';
import type { NodeEvent } from '../events.js';
import { LightningNode } from '../lightning-node.js';
import type { PaymentResult } from '../payments.js';
import { broadcastStaleCommitmentForTests, snapshotMonitorForTests } from '../test-hooks.js';
import { DemoLedger } from './demo-ledger.js';
import { allPayTo, commitmentFeeSat, feeOfSat, finalOutputsOf, minedFeesSat, outpointFromDisplay, paidTo, spenderOf } from './ledger.js';
import { checkCooperativeClose, checkForceCloseSweep, checkRandomPayments, checkRetry } from './checks.js';
import { Reporter, sat } from './report.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  readonly nodes?: number;
  readonly payments?: number;
  readonly seed?: string;
  /** Where progress goes (default stdout). */
  readonly write?: (line: string) => void;
  /** Keep the nodes' data directories (printed at the end). */
  readonly keep?: boolean;
}

const FEERATE = 2000; // sat/kw for everything
const TO_SELF_DELAY = 24;
const NAMES = ['alice', 'bob', 'carol', 'dave'];

/** Runs the demo; resolves with whether every check passed. */
export async function runDemo(opts: DemoOptions = {}): Promise<boolean> {
  const count = Math.max(4, opts.nodes ?? 4);
  const seed = opts.seed ?? '1';
  const r = new Reporter(opts.write ?? ((l) => console.log(l)));
  const rng = prng(sha256(new TextEncoder().encode(`demo/${seed}/amounts`)));
  const chain = new MemoryChain();
  const source = memoryChainSource(chain, new FixedFeeEstimator(FEERATE));
  const root = mkdtempSync(join(tmpdir(), 'ln-node-demo-'));
  const names = [...NAMES, ...Array.from({ length: count - 4 }, (_, i) => `node${i + 5}`)];
  const nodes: LightningNode[] = [];
  const byName = new Map<string, LightningNode>();
  const events: NodeEvent[][] = [];
  const ledger = new DemoLedger();
  const fees: Record<string, { base: number; ppm: number }> = { dave: { base: 10_000, ppm: 2_000 } };
  const mine = async (n = 1) => {
    chain.mine(n);
    await sleep(20);
  };
  try {
    // ------------------------------------------------------------- 1. nodes
    r.phase('nodes', `starting ${count} nodes, each with its own data directory, listening on 127.0.0.1`);
    for (const [i, name] of names.entries()) {
      const f = fees[name] ?? { base: 1000, ppm: 100 };
      const node = new LightningNode({
        chain: source, dataDir: join(root, name), seed: testSeed(`demo/${seed}/${name}`), entropy: new DeterministicEntropySource(testSeed(`demo/${seed}/${name}/entropy`)),
        listen: { port: 0 }, alias: name,
        timers: { managerTickMs: 1000, peerTickMs: 10_000, gossipTickMs: 1000, monitorTickMs: 1000, snapshotMs: 60_000, forwardDelayMs: 5 },
        config: {
          channelHandshakeConfig: { ourToSelfDelay: TO_SELF_DELAY, minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100 },
          channelConfig: { forwardingFeeBaseMsat: f.base, forwardingFeeProportionalMillionths: f.ppm },
        },
      });
      await node.start();
      const log: NodeEvent[] = [];
      events.push(log);
      node.subscribe((e) => {
        log.push(e);
        ledger.observe(name, e);
      });
      nodes.push(node);
      byName.set(name, node);
      chain.fund(node.walletScript(), 20_000_000n + BigInt(i) * 1_000_000n);
    }
    await mine(1);
    const [alice, bob, carol, dave] = nodes as [LightningNode, LightningNode, LightningNode, LightningNode];
    const funded = new Map(nodes.map((n) => [n, n.wallet.balance().confirmedSat]));
    r.check(nodes.every((n) => funded.get(n)! >= 20_000_000n), `every wallet funded from the faucet (${[...funded.values()].map(sat).join(', ')})`);
    r.check(nodes.every((n) => n.getInfo().listening.length === 1), `listening on ${nodes.map((n) => n.getInfo().listening[0]).join(', ')}`);

    // ------------------------------------------------------------- 2. channels
    r.phase('channels', 'opening channels over BOLT 8 TCP connections, funded from the wallets');
    const plan: [LightningNode, LightningNode, bigint, boolean][] = [
      [alice, bob, 8_000_000n, true],
      [bob, carol, 8_000_000n, true],
      [alice, dave, 4_000_000n, true],
      [dave, carol, 4_000_000n, true],
      [bob, dave, 2_000_000n, false], // the private channel
    ];
    for (let i = 4; i < count; i++) plan.push([nodes[i]!, nodes[Number(rng() % BigInt(i))]!, 3_000_000n, true]);
    const ids: string[] = [];
    for (const [a, b, amount, announce] of plan) {
      await connectPeers(a, b);
      const { channelId } = await a.openChannel(b.nodeId, amount, { announce });
      ids.push(channelId);
    }
    await mine(1);
    await until(() => ids.every((id) => usableOnBothEnds(nodes, id)), 'every channel usable on both ends');
    const [, bcId, adId, dcId, bdId] = ids as [string, string, string, string, string];
    r.check(true, `${ids.length} channels usable after 1 confirmation (${plan.filter((p) => p[3]).length} public, 1 private bob-dave)`);
    // A copy of dave's monitor for dave-carol as it is now, before any payment: the cheat of phase 8.
    const daveOld = snapshotMonitorForTests(dave, dcId);
    const daveOldBalance = dave.listChannels().find((c) => c.channelId === dcId)!.balanceMsat;

    // ------------------------------------------------------------- 3. gossip
    r.phase('gossip', 'mining to announcement depth (6) and waiting for gossip to reach every node');
    await mine(5);
    const publicCount = plan.filter((p) => p[3]).length;
    await until(() => nodes.every((n) => graphFull(n, publicCount, count)), `every graph holds ${publicCount} channels in both directions and ${count} node announcements`, 60_000, () =>
      nodes.map((n) => `${nameOf(n)}: ${graphSummary(n)}`).join('; '));
    const bdScid = bob.listChannels().find((c) => c.channelId === bdId)!.shortChannelId!;
    r.check(nodes.every((n) => graphFull(n, publicCount, count)), `${count} graphs each hold ${publicCount} channels (both directions) and ${count} nodes`);
    r.check(nodes.every((n) => !hasScid(n, bdScid)), `the private channel ${bdScid} is in no graph`);
    for (const n of nodes) ledger.start(nameOf(n), lightningMsat(n));

    // ------------------------------------------------------------- 4. payments across hops
    r.phase('payments', 'invoices paid across several hops, a route hint through the private channel, keysend');
    const pay = async (from: LightningNode, to: LightningNode, amountMsat: bigint, what: string): Promise<PaymentResult> => {
      const { invoice } = to.createInvoice(amountMsat, what, 24 * 3600);
      const res = await from.payInvoice(invoice);
      ledger.paid(nameOf(from), nameOf(to), res);
      return res;
    };
    const p1 = await pay(alice, carol, 500_000_000n, 'alice to carol');
    r.check(p1.status === 'succeeded' && p1.pathHops.join() === '2', `alice -> bob -> carol (2 hops): 500,000 sat, fee ${p1.feeMsat} msat (${describe(p1)})`);
    const p2 = await pay(dave, alice, 200_000_000n, 'dave to alice');
    r.check(p2.status === 'succeeded' && p2.pathHops.join() === '3', `dave -> carol -> bob -> alice (3 hops): 200,000 sat, fee ${p2.feeMsat} msat (${describe(p2)})`);
    const p3 = await pay(carol, dave, 100_000_000n, 'carol to dave, private');
    r.check(p3.status === 'succeeded' && p3.pathHops.join() === '2', `carol -> bob -> dave over the private channel (dave's invoice carries its route hint): 100,000 sat (${describe(p3)})`);
    const k = await bob.keysend(alice.nodeId, 10_000_000n);
    ledger.paid('bob', 'alice', k);
    r.check(k.status === 'succeeded', `keysend bob -> alice: 10,000 sat (${describe(k)})`);
    const random: { result: PaymentResult; payee: string }[] = [];
    for (let i = 0; i < (opts.payments ?? 6); i++) {
      const from = nodes[Number(rng() % BigInt(count))]!;
      let to = nodes[Number(rng() % BigInt(count))]!;
      if (to === from) to = nodes[(nodes.indexOf(from) + 1) % count]!;
      const amt = 1_000_000n + (rng() % 20_000n) * 1000n;
      random.push({ result: await pay(from, to, amt, `random ${i}`), payee: nameOf(to) });
    }
    await until(() => quiet(nodes), 'no HTLC in flight');
    const rp = checkRandomPayments(random, receivedByHash(events));
    r.check(rp.ok, `${random.length} random payments: ${rp.detail}`);

    // ------------------------------------------------------------- 5. multi-part
    r.phase('multi-part', 'a payment no single path can carry, split into parts (BOLT 4 basic_mpp)');
    const bcOut = outbound(bob, bcId);
    const dcOut = outbound(dave, dcId);
    const mppAmount = ((bcOut + dcOut) * 7n) / 10n / 1_000_000n * 1_000_000n;
    const m = await pay(alice, carol, mppAmount, 'multi-part');
    r.check(m.status === 'succeeded' && m.parts >= 2, `alice -> carol ${sat(mppAmount / 1000n)} (more than bob -> carol's ${sat(bcOut / 1000n)} or dave -> carol's ${sat(dcOut / 1000n)}): ${describe(m)}`);

    // ------------------------------------------------------------- 6. failure and retry
    r.phase('retry', 'a payment fails at a channel emptied behind the payer\'s back and is retried on another path');
    const drain = outbound(bob, bcId) - 20_000_000n;
    const d = await bob.keysend(carol.nodeId, drain);
    ledger.paid('bob', 'carol', d);
    r.check(d.status === 'succeeded', `bob empties bob -> carol with a keysend of ${sat(drain / 1000n)}`);
    const attemptsBefore = events[0]!.length;
    const rt = await pay(alice, carol, 100_000_000n, 'retried');
    const failed = events[0]!.slice(attemptsBefore).flatMap((e) => (e.type === 'PaymentAttemptFailed' && e.paymentId === rt.paymentId ? [e] : []));
    const retry = checkRetry(failed, rt.pathScids);
    r.check(rt.status === 'succeeded' && rt.attempts >= 2 && retry.ok, `alice -> carol 100,000 sat (${describe(rt)}): ${failed.map((f) => f.failure).join(', ')}; ${retry.detail}`);
    await until(() => quiet(nodes), 'no HTLC in flight');
    const mismatches = ledger.check(nodes.map((n) => [nameOf(n), lightningMsat(n)]));
    r.check(mismatches.length === 0, mismatches.length ? `ledger mismatch: ${mismatches.join('; ')}` : `every node's channel balance = start + received - sent - fees paid + fees earned, to the msat`);

    // ------------------------------------------------------------- 7. cooperative close
    r.phase('cooperative close', 'alice and dave close their channel with a negotiated closing transaction');
    const walletsBefore = [alice, dave].map((n) => n.wallet.balance().confirmedSat);
    const adBefore = [alice, dave].map((n) => n.listChannels().find((c) => c.channelId === adId)!);
    const closeA = alice.waitFor('ChannelClosed', (e) => e.channelId === adId);
    await alice.closeChannel(adId);
    await closeA;
    await mine(1);
    await until(() => dave.wallet.balance().confirmedSat > walletsBefore[1]! && alice.wallet.balance().confirmedSat > walletsBefore[0]!, 'closing outputs in both wallets');
    await until(() => [alice, dave].every((n) => n.wallet.bestBlock.height === chain.tipHeight), 'both wallets at the tip');
    const adFunding = outpointFromDisplay(adBefore[0]!.fundingTxo!);
    const closing = spenderOf(chain, adFunding.txid, adFunding.vout);
    const coop = closing
      ? checkCooperativeClose(adBefore[0]!.capacitySat, feeOfSat(chain, closing), [
          { name: 'alice', balanceMsat: adBefore[0]!.balanceMsat, outputSat: paidTo(closing.tx, alice.walletScript()), walletGainSat: alice.wallet.balance().confirmedSat - walletsBefore[0]! },
          { name: 'dave', balanceMsat: adBefore[1]!.balanceMsat, outputSat: paidTo(closing.tx, dave.walletScript()), walletGainSat: dave.wallet.balance().confirmedSat - walletsBefore[1]! },
        ])
      : { ok: false, detail: 'no mined transaction spends the funding output' };
    r.check(coop.ok, `closing transaction mined: ${coop.detail}`);

    // ------------------------------------------------------------- 8. force close
    r.phase('force close', `bob force-closes the private channel; his to_local waits out to_self_delay (${TO_SELF_DELAY} blocks) and is swept`);
    const bobBefore = bob.wallet.balance().confirmedSat;
    const bd = bob.listChannels().find((c) => c.channelId === bdId)!;
    const bobLightning = bd.balanceMsat;
    await bob.closeChannel(bdId, { force: true });
    await mine(1);
    const bdFunding = outpointFromDisplay(bd.fundingTxo!);
    const commitment = spenderOf(chain, bdFunding.txid, bdFunding.vout);
    if (!commitment) throw new Error('bob\'s commitment was not mined');
    await until(() => bob.balances().claimableOnChainSat > 0n, 'bob\'s monitor saw the commitment');
    r.check(bob.balances().claimableOnChainSat > 0n, `commitment mined at height ${commitment.height}; bob's monitor reports ${sat(bob.balances().claimableOnChainSat)} claimable later`);
    // BOLT 3: to_local is the P2WSH output (to_remote is P2WPKH; no HTLCs are in flight).
    const toLocalVout = commitment.tx.outputs.findIndex((o) => o.scriptPubkey.length === 34 && o.scriptPubkey[0] === 0 && o.scriptPubkey[1] === 0x20);
    const walletAt = new Map<number, bigint>();
    let sweep = spenderOf(chain, commitment.txid, toLocalVout);
    while (!sweep && chain.tipHeight < commitment.height + TO_SELF_DELAY + 8) {
      await mine(1);
      await until(() => bob.wallet.bestBlock.height === chain.tipHeight, 'bob\'s wallet at the tip');
      sweep = spenderOf(chain, commitment.txid, toLocalVout);
      if (!sweep) walletAt.set(chain.tipHeight, bob.wallet.balance().confirmedSat);
    }
    await until(() => bob.balances().claimableOnChainSat === 0n && bob.balances().onChain.unconfirmedSat === 0n, 'bob swept everything');
    const gained = bob.wallet.balance().confirmedSat - bobBefore;
    const fc = checkForceCloseSweep({
      commitmentHeight: commitment.height, toSelfDelay: TO_SELF_DELAY, sweepHeight: sweep?.height, walletBefore: walletAt, walletAtStartSat: bobBefore,
      balanceMsat: bobLightning, commitmentFeeSat: bd.isOutbound ? commitmentFeeSat(FEERATE) : 0n, toLocalSat: commitment.tx.outputs[toLocalVout]?.valueSat ?? 0n,
      sweepFeeSat: sweep ? feeOfSat(chain, sweep) : 0n, walletGainSat: gained,
    });
    r.check(fc.ok, `bob's to_local: ${fc.detail}`);
    // Mine past the delay the way the rest of the demo expects (dave's to_remote sweep, the wallets settled).
    while (chain.tipHeight < commitment.height + TO_SELF_DELAY + 8) await mine(1);

    // ------------------------------------------------------------- 9. revoked commitment
    r.phase('justice', 'dave broadcasts his revoked commitment of dave-carol from before any payment; carol\'s monitor takes everything');
    const dcValue = carol.listChannels().find((c) => c.channelId === dcId)!.capacitySat;
    const cheat = broadcastStaleCommitmentForTests(dave, daveOld);
    const cheatTxid = bytesToHex(txidOf(parseTx(cheat)));
    await mine(1);
    for (let i = 0; i < 8; i++) await mine(1);
    await until(() => carol.balances().claimableOnChainSat === 0n && carol.balances().onChain.unconfirmedSat === 0n, 'carol swept everything');
    const outs = finalOutputsOf(chain, cheatTxid);
    const toCarol = outs.outputs.reduce((a, o) => a + o.valueSat, 0n);
    r.check(allPayTo(outs.outputs, carol.walletScript()), `every output of the revoked commitment ended in carol's wallet: ${sat(toCarol)} of the ${sat(dcValue)} channel (dave's stale balance was ${sat(daveOldBalance / 1000n)})`);
    r.check(!dave.listChannels().some((c) => c.channelId === dcId) && !carol.listChannels().some((c) => c.channelId === dcId), 'both managers closed the channel');

    // ------------------------------------------------------------- 10. balances
    r.phase('balances', 'every node\'s balances, and the satoshis added up');
    await until(() => nodes.every((n) => n.balances().claimableOnChainSat === 0n && n.balances().onChain.unconfirmedSat === 0n && n.balances().onChain.reservedSat === 0n), 'nothing left in flight');
    const rows = nodes.map((n) => ({ name: nameOf(n), b: n.balances(), funded: funded.get(n)! }));
    r.table(rows);
    const { fees: chainFees, faucetSat } = minedFeesSat(chain);
    let channelsOk = true;
    for (const c of nodes.flatMap((n) => n.listChannels().filter((ch) => ch.isOutbound))) {
      const other = nodes.find((n) => n.nodeId === c.counterpartyNodeId)!.listChannels().find((x) => x.channelId === c.channelId)!;
      if (c.balanceMsat + other.balanceMsat !== c.capacitySat * 1000n) channelsOk = false;
    }
    r.check(channelsOk, `each open channel's two balances add up to its capacity (the funder's includes the ${sat(commitmentFeeSat(FEERATE))} BOLT 3 commitment fee it would pay on chain)`);
    const walletsSat = rows.reduce((a, x) => a + x.b.onChain.confirmedSat, 0n);
    const channelsMsat = rows.reduce((a, x) => a + x.b.lightningMsat, 0n);
    const total = walletsSat * 1000n + channelsMsat + chainFees * 1000n;
    r.check(total === faucetSat * 1000n, `wallets ${sat(walletsSat)} + channels ${sat(channelsMsat / 1000n)} + on-chain fees ${sat(chainFees)} = faucet ${sat(faucetSat)}${total === faucetSat * 1000n ? '' : ` (off by ${total - faucetSat * 1000n} msat)`}`);
    r.check(ledger.routingFeesBalance() === 0n, `routing fees paid = routing fees earned (${ledger.feesPaid()} msat)`);
  } catch (e) {
    r.check(false, `demo stopped: ${(e as Error).stack ?? e}`);
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    if (opts.keep) r.line(`data directories kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  return r.finish();
}

// ----------------------------------------------------------------- helpers

function nameOf(n: LightningNode): string {
  return n.options.alias ?? n.nodeId.slice(0, 8);
}

async function connectPeers(a: LightningNode, b: LightningNode): Promise<void> {
  if (a.listPeers().includes(b.nodeId)) return;
  const [host, port] = b.getInfo().listening[0]!.split(':');
  await a.connect(b.nodeId, host!, Number(port));
}

function usableOnBothEnds(nodes: LightningNode[], id: string): boolean {
  return nodes.filter((n) => n.listChannels().some((c) => c.channelId === id && c.isUsable)).length === 2;
}

function graphFull(n: LightningNode, channels: number, nodes: number): boolean {
  let full = 0;
  n.graph.forEachChannel((c) => {
    if (c.policies[0] && c.policies[1]) full++;
  });
  let announced = 0;
  n.graph.forEachNode((id) => {
    if (n.graph.node(id)?.lastAnnouncement !== undefined) announced++;
  });
  return full === channels && announced === nodes;
}

function graphSummary(n: LightningNode): string {
  let full = 0;
  let half = 0;
  n.graph.forEachChannel((c) => {
    if (c.policies[0] && c.policies[1]) full++;
    else half++;
  });
  let announced = 0;
  n.graph.forEachNode((id) => {
    if (n.graph.node(id)?.lastAnnouncement !== undefined) announced++;
  });
  return `${full} channels with both policies, ${half} with one or none, ${announced}/${n.graph.nodeCount} nodes announced`;
}

function hasScid(n: LightningNode, scid: string): boolean {
  let found = false;
  n.graph.forEachChannel((c) => {
    if (`${c.scid >> 40n}x${(c.scid >> 16n) & 0xffffffn}x${c.scid & 0xffffn}` === scid) found = true;
  });
  return found;
}

function lightningMsat(n: LightningNode): bigint {
  return n.listChannels().reduce((a, c) => a + c.balanceMsat, 0n);
}

function outbound(n: LightningNode, channelId: string): bigint {
  return n.listChannels().find((c) => c.channelId === channelId)!.outboundCapacityMsat;
}

/** Every payment hash a node recorded receiving, with the amount (from the nodes' `PaymentReceived` events). */
function receivedByHash(events: readonly (readonly NodeEvent[])[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const e of events.flat()) if (e.type === 'PaymentReceived') m.set(e.paymentHash, (m.get(e.paymentHash) ?? 0n) + e.amountMsat);
  return m;
}

function quiet(nodes: LightningNode[]): boolean {
  return nodes.every((n) => n.cm.allChannels().every((c) => c.s.htlcs.length === 0));
}

function describe(r: PaymentResult): string {
  return r.status === 'succeeded'
    ? `${r.parts} part${r.parts > 1 ? 's' : ''} of ${r.pathHops.join('+')} hops, ${r.attempts} attempt${r.attempts > 1 ? 's' : ''}`
    : `FAILED: ${r.failureReason}`;
}

async function until(f: () => boolean, what: string, timeoutMs = 20_000, state?: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}${state ? ` (${state()})` : ''}`);
    await sleep(10);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A deterministic 64-bit generator from a 32-byte seed (xorshift64*). */
function prng(seed: Uint8Array): () => bigint {
  let s = 0n;
  for (let i = 0; i < 8; i++) s = (s << 8n) | BigInt(seed[i]!);
  if (s === 0n) s = 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    s ^= s >> 12n;
    s ^= (s << 25n) & mask;
    s ^= s >> 27n;
    return (s * 2685821657736338717n) & mask;
  };
}
