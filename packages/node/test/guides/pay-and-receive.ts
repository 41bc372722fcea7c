/**
 * The code of docs/guides/pay-and-receive.md (each `#region` is one block of the guide;
 * test/guides.test.ts checks the guide shows exactly these regions and runs `main`).
 */
// #region setup
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedFeeEstimator, MemoryChain } from '@ln/test-kit';
import { LightningNode, memoryChainSource, type NodeEvent } from '@ln/node';

// Three nodes on one in-memory chain: alice pays carol through bob.
const chain = new MemoryChain();
const source = memoryChainSource(chain, new FixedFeeEstimator(1000));
const start = async (alias: string) => {
  const node = new LightningNode({ chain: source, dataDir: mkdtempSync(join(tmpdir(), `${alias}-`)), listen: { port: 0 }, alias, config: { channelHandshakeConfig: { minimumDepth: 1 } } });
  await node.start();
  return node;
};
// #endregion

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean): Promise<void> {
  for (let i = 0; !f(); i++) {
    if (i > 3000) throw new Error('timed out');
    await sleep(10);
  }
}
const port = (n: LightningNode) => Number(n.getInfo().listening[0]!.split(':')[1]);

export async function main(): Promise<{ first: string; second: string; keysend: string; events: string[] }> {
  const [alice, bob, carol] = [await start('alice'), await start('bob'), await start('carol')];
  try {
    // #region channels
    // Public channels alice -> bob -> carol; six confirmations announce them to the network.
    for (const n of [alice, bob]) chain.fund(n.walletScript(), 2_000_000n);
    chain.mine(1);
    await alice.connect(bob.nodeId, '127.0.0.1', port(bob));
    await bob.connect(carol.nodeId, '127.0.0.1', port(carol));
    await alice.openChannel(bob.nodeId, 1_000_000n, { announce: true });
    await bob.openChannel(carol.nodeId, 1_000_000n, { announce: true });
    chain.mine(6);
    // #endregion
    await until(() => {
      let both = 0;
      alice.graph.forEachChannel((c) => void (c.policies[0] && c.policies[1] && both++));
      return both === 2 && carol.listChannels().some((c) => c.isUsable);
    });

    // #region receive
    // Carol asks for 25,000 sat: a BOLT 11 invoice signed with her node key. Her node hears of
    // the payment (`PaymentReceived`) once she has claimed it.
    const { invoice } = carol.createInvoice(25_000_000n, 'two coffees', 3600);
    const seen: string[] = [];
    carol.subscribe((e: NodeEvent) => {
      if (e.type === 'PaymentReceived') seen.push(`carol received ${e.amountMsat} msat`);
    });
    // #endregion

    // #region pay
    // Alice pays it: a route over her graph (her own channels as first hops, the scorer's
    // penalties), retried on other paths if a part fails, resolved with the outcome.
    const paid = await alice.payInvoice(invoice);
    if (paid.status !== 'succeeded') throw new Error(`not paid: ${paid.failureReason}`);
    console.log(`paid in ${paid.attempts} attempt(s), ${paid.parts} part(s), fee ${paid.feeMsat} msat; preimage ${paid.preimage}`);
    // #endregion

    // #region policy
    // How hard to try is a policy: attempts, time, parts, and the most it may cost in fees.
    const { invoice: second } = carol.createInvoice(10_000_000n, 'tip');
    const careful = await alice.payInvoice(second, { policy: { maxAttempts: 3, timeoutMs: 10_000, maxParts: 1, maxFeePpm: 2_000 } });
    // #endregion

    // #region keysend
    // Without an invoice: keysend (alice picks the preimage and puts it in the onion).
    const ks = await alice.keysend(carol.nodeId, 1_000_000n);
    // #endregion

    // #region history
    // Both ends keep every payment in their data directory.
    for (const p of alice.listPayments()) console.log(p.direction, p.status, p.amountMsat, p.feeMsat, p.paymentHash);
    console.log(carol.balances().lightningMsat, 'msat in carol\'s channels');
    // #endregion
    await until(() => seen.length === 3);
    return { first: paid.status, second: careful.status, keysend: ks.status, events: seen };
  } finally {
    for (const n of [alice, bob, carol]) await n.stop();
  }
}
