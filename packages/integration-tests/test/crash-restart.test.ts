/**
 * Issue 8 item 5 and "a restart at every persistence point": a node's process is killed at each
 * write of its store in turn (the write that was being made durable survives or not — both are
 * covered, since "write k lost" is "crash at k−1 kept"), restarted from what survived (monitors
 * read back with their stored updates replayed, checked against the stored manager, blocks
 * replayed), reconnected, and the scenario goes on. Every channel must resume and close
 * cooperatively, or close on chain with every satoshi going to its owner.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { ANTI_REORG_DELAY, type SpendableOutputDescriptor } from '@ln/monitor';
import { channelLedger, claimAll, CrashableStore, Network, ownedBy, sendPayment, type HarnessNode, type RestartReport } from '../src/index.js';

const VALUE = 1_000_000n;
const PUSH_MSAT = 300_000_000n;
const DELAY = 12;
const PAY_MSAT = 30_000_000n;
const cfg = { channelHandshakeConfig: { ourToSelfDelay: DELAY } };

interface Outcome {
  coop: number;
  onChain: number;
  reports: RestartReport[];
}

/** Runs open → update_fee → coop close with `victim`'s store set to crash at its `k`-th write. */
async function run(victimName: 'alice' | 'bob', k: number): Promise<{ outcome: Outcome; crashed: boolean; net: Network }> {
  const net = new Network();
  const a = await net.addNode('alice', { config: cfg });
  const b = await net.addNode('bob', { config: cfg });
  const victim = victimName === 'alice' ? a : b;
  (victim.store as CrashableStore).crashAtWrite(k);
  const outcome: Outcome = { coop: 0, onChain: 0, reports: [] };
  let crashed = false;
  const heal = async () => {
    for (let i = 0; i < 3 && (a.dead || b.dead); i++) {
      crashed = true;
      for (const n of [a, b]) if (n.dead) outcome.reports.push(await net.restart(n));
      net.connect(a, b);
      await net.settle();
    }
  };
  const settle = async () => {
    await net.settle();
    await heal();
  };
  net.connect(a, b);
  // Open (again if the crash made the funder forget the channel).
  for (let attempt = 0; attempt < 3 && a.cm.listUsableChannels().length === 0; attempt++) {
    if (a.cm.listChannels().length === 0) {
      a.cm.createChannel(b.nodeId, VALUE, PUSH_MSAT, 1n);
      await settle();
    }
    const ready = net.takeEvents(a, 'FundingGenerationReady').pop();
    if (ready && a.cm.listChannels().some((c) => bytesToHex(c.channelId) === bytesToHex(ready.temporaryChannelId))) {
      a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, net.fundingTx(a, ready.outputScript, VALUE));
      await settle();
    }
    for (let i = 0; i < 6 && a.cm.listUsableChannels().length === 0 && a.cm.listChannels().length; i++) {
      await net.mine(1);
      await heal();
    }
  }
  for (const ch of a.cm.listUsableChannels()) {
    a.cm.updateFee(ch.channelId, 3000);
    await settle();
  }
  if (a.cm.listUsableChannels().length && b.cm.listUsableChannels().length) {
    sendPayment(net, [a, b], PAY_MSAT, 20);
    await settle();
    claimAll(net, b);
    await settle();
  }
  // A node claims what it is offered whenever it hears of it (a restart re-announces claimable payments).
  claimAll(net, b);
  await settle();
  for (const ch of a.cm.listUsableChannels()) {
    a.cm.closeChannel(ch.channelId, b.nodeId);
    await settle();
  }
  // Let everything on chain run its course (an HTLC left pending expires and is resolved on
  // chain; CSV delays, claims, anti-reorg depth).
  for (let i = 0; i < 20 + DELAY + ANTI_REORG_DELAY + 12; i++) {
    await net.mine(1);
    await heal();
  }
  const closeReasons = [a, b].map((n) => net.takeEvents(n, 'ChannelClosed').map((e) => e.reason.type));
  // Every channel either of them ever had a monitor for: closed, and its funds with their owners.
  const monitors = new Map<string, { funding: { txid: Uint8Array; vout: number }; value: bigint }>();
  for (const n of [a, b]) for (const m of n.chainMonitor.listMonitors()) monitors.set(m.persistenceKey, { funding: m.fundingOutpoint, value: m.state.channel.channelValueSat });
  const spendable = (n: HarnessNode): SpendableOutputDescriptor[] => net.takeMonitorEvents(n, 'SpendableOutputs').flatMap((e) => e.outputs);
  const sa = spendable(a).map((o) => o.outpoint);
  const sb = spendable(b).map((o) => o.outpoint);
  for (const [name, { funding, value }] of monitors) {
    if (!net.chain.getTransaction(funding.txid as never)) continue; // never broadcast: nothing at stake
    if (net.chain.isUnspent(funding as never)) {
      // Still open: both sides must have it usable (it resumed), then it closes cooperatively.
      if (process.env.LN_TEST_VERBOSE) {
        for (const n of [a, b]) {
          const c = n.cm.allChannels()[0];
          console.log(n.name, n.cm.listChannels().map((x) => [x.phase, x.isUsable, x.isClosing]), c && { htlcs: c.s.htlcs.map((h) => [h.outbound, h.id, h.removal?.kind]), closing: !!c.s.closing, ctn: c.s.holderCtn, lu: c.s.latestMonitorUpdateId, cu: c.s.completedMonitorUpdateId, connected: c.s.connected }, n.chainMonitor.listMonitors().map((m) => m.latestUpdateId));
        }
        console.log(net.log.slice(-12), outcome.reports.map((r) => r.mismatches));
      }
      assert.ok(a.cm.listUsableChannels().length === 1 && b.cm.listUsableChannels().length === 1, `${victimName} crash at ${k}: channel ${name} is stuck open`);
      continue;
    }
    const l = channelLedger(net.chain, funding as never, value);
    // BOLT 3: a commitment transaction's locktime has 0x20 in its upper byte; a closing transaction's does not.
    const cooperative = l.txs.length === 1 && l.txs[0]!.tx.locktime >>> 24 !== 0x20;
    if (cooperative) outcome.coop++;
    else {
      outcome.onChain++;
      if (process.env.LN_TEST_VERBOSE) console.log(`      ${victimName} crash at ${k}: ${name} closed on chain; restarts: ${JSON.stringify(outcome.reports.map((r) => r.mismatches.map((m) => m.type)))}`);
    }
    const got = { a: ownedBy(l, a, sa), b: ownedBy(l, b, sb) };
    assert.is(got.a + got.b + l.feesSat, value, `${victimName} crash at ${k}: every satoshi of ${name} belongs to alice or bob (a ${got.a}, b ${got.b}, fees ${l.feesSat}, leaves ${l.leaves.length})`);
    // Bob has his push, plus the payment if it went through (fees: his closing or claim transactions).
    const bobShare = value === VALUE ? PUSH_MSAT / 1000n : 0n;
    const paid = bobShare > 0n && got.b > bobShare ? PAY_MSAT / 1000n : 0n;
    assert.ok(got.b >= bobShare + paid - 10_000n && got.b <= bobShare + paid, `${victimName} crash at ${k}: bob gets his ${bobShare} sat (+${paid}) (got ${got.b})`);
    assert.ok(got.a >= value - bobShare - paid - 12_000n, `${victimName} crash at ${k}: alice gets her balance less fees (got ${got.a})`);
  }
  if (process.env.LN_TEST_VERBOSE) {
    console.log('      log', net.log.map((l) => `${l[0][0]}>${l[1][0]}:${l[2]}`).join(' '));
    console.log('      reasons', JSON.stringify(closeReasons), 'reports', JSON.stringify(outcome.reports.map((r) => [r.mismatches.map((m) => m.type), r.replayedByManager])), 'chans', a.cm.listChannels().length, b.cm.listChannels().length);
  }
  assert.ok(outcome.coop + outcome.onChain >= 1, `${victimName} crash at ${k}: a channel was opened and closed (coop ${outcome.coop}, on chain ${outcome.onChain}, monitors ${monitors.size})`);
  if (process.env.LN_TEST_VERBOSE) console.log(`      ${victimName} crash at ${k}: close reasons ${JSON.stringify(closeReasons)}`);
  for (const n of [a, b]) {
    net.takeEvents(n, 'ChannelPending');
    net.takeEvents(n, 'ChannelReady');
    net.takeEvents(n, 'FundingGenerationReady');
    net.takeEvents(n, 'DiscardFunding');
    net.takeMonitorEvents(n, 'SpendableOutputs');
    for (const t of ['PaymentClaimable', 'PaymentClaimed', 'PaymentSent', 'PaymentPathSuccessful', 'PaymentPathFailed', 'PaymentFailed', 'HTLCHandlingFailed'] as const) net.takeEvents(n, t);
  }
  await net.teardown();
  return { outcome, crashed, net };
}

// LN_CRASH_ONLY=bob:16 runs one crash point (with LN_TEST_VERBOSE=1 to see what happened).
const only = process.env.LN_CRASH_ONLY?.split(':');
for (const victim of ['alice', 'bob'] as const) {
  if (only && only[0] !== victim) continue;
  test(`${victim} killed at each write of its store in turn (open, update_fee, a payment, close): every channel resumes or closes safely, nothing lost`, async () => {
    let coop = 0;
    let onChain = 0;
    let stale = 0;
    let k = only ? Number(only[1]) : 1;
    const last = only ? k : 199;
    for (; k <= last; k++) {
      const { outcome, crashed } = await run(victim, k);
      if (!crashed) break; // fewer writes than k: every persistence point covered
      coop += outcome.coop;
      onChain += outcome.onChain;
      stale += outcome.reports.reduce((x, r) => x + r.forceClosedStale.length, 0);
    }
    assert.ok(only || k > 10, `${k - 1} persistence points`);
    console.log(`    ${victim}: ${k - 1} crash points; ${coop} runs closed cooperatively, ${onChain} channels closed on chain (${stale} by a stale manager)`);
  });
}

test.run();
