/**
 * TEST-ONLY hooks for demonstrating what monitors defend against. Nothing in a real node calls
 * these: they exist so the demo and tests can make a node cheat (broadcast a revoked
 * commitment, BOLT 5 "Revoked Transaction Close Handling") and show that the victim's monitor
 * takes everything.
 *
 * How: {@link snapshotMonitorForTests} keeps a copy of our `ChannelMonitor` for a channel (its
 * serialized bytes) at some state; once the channel has moved on (and that state was revoked
 * with `revoke_and_ack`), {@link broadcastStaleCommitmentForTests} rebuilds a monitor from the
 * copy, has it sign its (now revoked) holder commitment, and broadcasts that.
 */
import type { RawTransaction } from '@ln/chain-interfaces';
import { hexToBytes } from '@ln/crypto';
import { ChannelMonitor } from '@ln/monitor';
import type { LightningNode } from './lightning-node.js';
import { NodeError } from './errors.js';

/** TEST ONLY: our monitor of `channelId` (hex) as it is now. */
export function snapshotMonitorForTests(node: LightningNode, channelId: string): Uint8Array {
  const m = node.chainMonitor.getMonitor(hexToBytes(channelId));
  if (!m) throw new NodeError(`no monitor for channel ${channelId}`);
  return m.serialize();
}

/**
 * TEST ONLY: signs the holder commitment of a monitor snapshot and broadcasts it through the
 * node's chain. If later states were revoked, this is cheating: the counterparty's monitor
 * answers with a justice transaction. Returns the broadcast transaction.
 */
export function broadcastStaleCommitmentForTests(node: LightningNode, snapshot: Uint8Array): RawTransaction {
  const captured: RawTransaction[] = [];
  const chain = node.options.chain;
  const stale = ChannelMonitor.deserialize(snapshot, {
    secp: node.secp, signerProvider: node.keys, feeEstimator: chain.feeEstimator,
    broadcaster: { broadcastTransactions: (txs) => captured.push(...txs) },
  });
  stale.broadcastLatestHolderCommitment();
  const tx = captured[0];
  if (!tx) throw new NodeError('the snapshot monitor produced no commitment transaction');
  chain.broadcaster.broadcastTransactions([tx]);
  return tx;
}
