/** What a `LightningNode` does on start between reading its state and going online. */
import type { BestBlock, Block, BlockHeader, Listen, ModuleLogger, TransactionData } from '@ln/chain-interfaces';
import type { ChannelManager } from '@ln/channel';
import { bytesToHex } from '@ln/crypto';
import type { ChainMonitor } from '@ln/monitor';
import { NodeError } from './errors.js';

/** A `Listen` from a full-block listener: filtered blocks are delivered as blocks of the given transactions. */
export function asListen(l: Pick<Listen, 'blockConnected' | 'blockDisconnected'>): Listen {
  return {
    blockConnected: (b: Block, h: number) => l.blockConnected(b, h),
    filteredBlockConnected: (hd: BlockHeader, txs: readonly TransactionData[], h: number) => l.blockConnected({ header: hd, transactions: txs.map((t) => t.tx) }, h),
    blockDisconnected: (hd: BlockHeader, h: number) => l.blockDisconnected(hd, h),
  };
}

/** The lowest tip among monitors (where the chain monitor must be replayed from), or `undefined` without monitors. */
export function lowestTip(tips: readonly BestBlock[]): BestBlock | undefined {
  return tips.reduce<BestBlock | undefined>((a, b) => (!a || b.height < a.height ? b : a), undefined);
}

/**
 * The restart check LDK makes on load: the monitors read back against the manager's channels.
 * A monitor ahead of the stored manager means the manager copy is stale: that channel is
 * force-closed from the monitor (which holds the newest commitment). A channel without its
 * monitor, or a monitor behind the manager, cannot be repaired: the start fails. Returns the
 * ids (hex) of the channels force-closed.
 */
export function checkMonitorsAgainstManager(cm: ChannelManager, chainMonitor: ChainMonitor, log: ModuleLogger): string[] {
  const known = cm.allChannels().filter((c) => c.s.phase === 'Funded' && c.s.monitorCreated).map((c) => ({ channelId: c.channelId, latestUpdateId: c.s.latestMonitorUpdateId }));
  const closed: string[] = [];
  for (const mm of chainMonitor.checkAgainstChannelManager(known)) {
    if (mm.type === 'MissingMonitor' || mm.type === 'MonitorBehind') {
      throw new NodeError(`cannot resume channel ${bytesToHex(mm.channelId)}: ${mm.type} (manager at update ${mm.managerUpdateId}${'monitorUpdateId' in mm ? `, monitor at ${mm.monitorUpdateId}` : ''})`, 'monitor_mismatch');
    }
    if (mm.type === 'MonitorAhead') {
      log.warn(`stored channel manager is older than the monitor of ${bytesToHex(mm.channelId)}: force-closing it from the monitor`);
      // The explicit recovery call: the stale manager's own updates (old ids) would be refused.
      chainMonitor.forceCloseFromMonitor(mm.channelId);
      closed.push(bytesToHex(mm.channelId));
    }
  }
  return closed;
}
