/**
 * The demo's payment ledger: per node, what it was paid, what it paid (amounts and routing
 * fees) and what it earned forwarding, so that each node's channel balance can be checked to
 * the millisatoshi against its starting balance.
 */
import type { NodeEvent } from '../events.js';
import type { PaymentResult } from '../payments.js';

interface Account {
  startMsat: bigint;
  receivedMsat: bigint;
  sentMsat: bigint;
  feesPaidMsat: bigint;
  feesEarnedMsat: bigint;
}

export class DemoLedger {
  private readonly accounts = new Map<string, Account>();

  private acct(name: string): Account {
    let a = this.accounts.get(name);
    if (!a) this.accounts.set(name, (a = { startMsat: 0n, receivedMsat: 0n, sentMsat: 0n, feesPaidMsat: 0n, feesEarnedMsat: 0n }));
    return a;
  }

  /** The node's channel balance when the ledger starts; flows before it are forgotten. */
  start(name: string, balanceMsat: bigint): void {
    this.accounts.set(name, { startMsat: balanceMsat, receivedMsat: 0n, sentMsat: 0n, feesPaidMsat: 0n, feesEarnedMsat: 0n });
  }

  /** Events of a node: money it received and fees it earned. */
  observe(name: string, e: NodeEvent): void {
    if (e.type === 'PaymentReceived') this.acct(name).receivedMsat += e.amountMsat;
    if (e.type === 'PaymentForwarded') this.acct(name).feesEarnedMsat += e.feeEarnedMsat;
  }

  /** An outbound payment's outcome, from the payer's side. */
  paid(from: string, _to: string, r: PaymentResult): void {
    if (r.status !== 'succeeded') return;
    const a = this.acct(from);
    a.sentMsat += r.amountMsat;
    a.feesPaidMsat += r.feeMsat;
  }

  /** Nodes whose balance is not start + received - sent - fees paid + fees earned (empty when all agree). */
  check(balances: readonly (readonly [string, bigint])[]): string[] {
    const out: string[] = [];
    for (const [name, now] of balances) {
      const a = this.acct(name);
      const expected = a.startMsat + a.receivedMsat - a.sentMsat - a.feesPaidMsat + a.feesEarnedMsat;
      if (expected !== now) out.push(`${name}: ${now} msat, expected ${expected}`);
    }
    return out;
  }

  feesPaid(): bigint {
    return [...this.accounts.values()].reduce((a, x) => a + x.feesPaidMsat, 0n);
  }

  /** Fees paid minus fees earned over all nodes: zero when every fee paid reached a forwarder. */
  routingFeesBalance(): bigint {
    return [...this.accounts.values()].reduce((a, x) => a + x.feesPaidMsat - x.feesEarnedMsat, 0n);
  }
}
