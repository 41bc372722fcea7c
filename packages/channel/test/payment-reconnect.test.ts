/**
 * A forwarded payment interrupted at every message: the link loses that message and everything
 * after it, then the peers disconnect and reconnect (BOLT 2 "Message Retransmission":
 * updates and commitment_signed/revoke_and_ack are retransmitted in order), or one side restarts
 * from its serialized manager. Every run must end with the payment sent and claimed, no channel
 * closed, and balances exact.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { Harness, type TestNode } from './support/harness.js';
import { balance, eventsOf, pid, route } from './support/pay.js';

type How = 'disconnect' | 'restartSender' | 'restartReceiver';

function run(k: number, how: How): { interrupted: boolean; h: Harness; nodes: TestNode[] } {
  const h = new Harness();
  const nodes = ['alice', 'bob', 'carol'].map((n) => h.addNode(n));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  let count = 0;
  let lost: [TestNode, TestNode] | undefined;
  let interrupted = false;
  h.filter = (from, to, m) => {
    if (m.type === 'channel_reestablish' || m.type === 'channel_update' || m.type === 'warning' || m.type === 'error') return true;
    if (lost) return !((from === lost[0] && to === lost[1]) || (from === lost[1] && to === lost[0]));
    if (count++ === k && !interrupted) {
      lost = [from, to];
      return false;
    }
    return true;
  };
  const { paymentHash, paymentSecret } = c.cm.createInboundPayment(5_000_000n, 3600);
  a.cm.sendPayment([route(h, nodes, 5_000_000n)], paymentHash, { paymentSecret }, pid(1));
  const claimed = new Set<string>();
  for (let round = 0; round < 50; round++) {
    h.pump();
    if (lost && !interrupted) {
      interrupted = true;
      const [from, to] = lost;
      lost = undefined;
      if (how === 'disconnect') h.disconnect(from, to);
      else h.restart(how === 'restartSender' ? from : to);
      for (const [x, y] of [[a, b], [b, c]] as const) if (!h.isConnected(x, y)) h.connect(x, y);
      continue;
    }
    h.drainEvents();
    let acted = false;
    for (const n of nodes) {
      for (const e of n.events.splice(0)) {
        if (e.type === 'PendingHTLCsForwardable') {
          n.cm.processPendingHtlcForwards();
          acted = true;
        } else if (e.type === 'PaymentClaimable' && !claimed.has(bytesToHex(e.paymentHash))) {
          claimed.add(bytesToHex(e.paymentHash));
          n.cm.claimFunds(e.purpose.paymentPreimage!);
          acted = true;
        } else (n as { seen?: unknown[] }).seen = [...((n as { seen?: unknown[] }).seen ?? []), e];
      }
    }
    if (!acted && (interrupted || !lost)) {
      h.pump();
      if (!h.nodes.some((n) => n.events.length)) break;
    }
  }
  for (const n of nodes) n.events = ((n as { seen?: typeof n.events }).seen ?? []).concat(n.events);
  return { interrupted, h, nodes };
}

for (const how of ['disconnect', 'restartSender', 'restartReceiver'] as How[]) {
  test(`${how} at every message of a forwarded payment: it completes, retransmitted in order, nothing force-closes`, () => {
    let k = 0;
    for (; k < 60; k++) {
      const { interrupted, h, nodes } = run(k, how);
      const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
      const ctx = `${how} at message ${k}`;
      assert.is(eventsOf(h, a, 'ChannelClosed').length + eventsOf(h, b, 'ChannelClosed').length + eventsOf(h, c, 'ChannelClosed').length, 0, `${ctx}: no channel closed`);
      assert.is(eventsOf(h, a, 'PaymentSent').length, 1, `${ctx}: PaymentSent`);
      assert.is(eventsOf(h, c, 'PaymentClaimed').length, 1, `${ctx}: PaymentClaimed`);
      assert.is(balance(c, b), 5_000_000n, ctx);
      for (const n of nodes) for (const ch of n.cm.allChannels()) assert.is(ch.s.htlcs.length, 0, `${ctx}: ${n.name} settled`);
      if (!interrupted) break;
    }
    assert.ok(k > 15, `covered ${k} messages`);
  });
}

test.run();
