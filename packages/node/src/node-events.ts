/**
 * How a `LightningNode` answers its components' events: the `ChannelManager`'s (funding the
 * channel from the wallet, accepting inbound channels, channel lifecycle, payments) and the
 * `ChainMonitor`'s (sweeping outputs into the wallet).
 */
import { txidToHex, type ModuleLogger } from '@ln/chain-interfaces';
import type { ChannelEvent, ChannelManager } from '@ln/channel';
import { bytesToHex } from '@ln/crypto';
import type { MonitorUserEvent } from '@ln/monitor';
import { parseTx, txidOf, type KeysManager } from '@ln/transactions';
import type { NodeChainSource } from './chain.js';
import type { NodeEvent } from './events.js';
import type { NodePayments } from './payments.js';
import { describeClosure, scidString } from './views.js';
import type { OnChainWallet } from './wallet.js';

/** What the handlers use of the node. */
export interface EventHost {
  readonly cm: ChannelManager;
  readonly keys: KeysManager;
  readonly wallet: OnChainWallet;
  readonly chain: NodeChainSource;
  readonly payments: NodePayments;
  readonly log: ModuleLogger;
  emit(e: NodeEvent): void;
  /** The wallet changed (the node writes it). */
  walletChanged(): void;
}

/** A `ChannelManager` event: funding from the wallet, channel lifecycle events, payments (handed to `NodePayments`). */
export function handleChannelEvent(h: EventHost, e: ChannelEvent): void {
  switch (e.type) {
    case 'FundingGenerationReady': {
      const feerate = h.chain.feeEstimator.getEstSatPer1000Weight('NonAnchorChannelFee');
      let tx: Uint8Array;
      try {
        tx = h.wallet.createTransaction([{ valueSat: e.channelValueSat, scriptPubkey: e.outputScript }], feerate);
      } catch (err) {
        h.log.error(`cannot fund channel: ${(err as Error).message}`);
        h.cm.closeChannel(e.temporaryChannelId, e.counterpartyNodeId);
        return;
      }
      h.walletChanged();
      h.cm.fundingTransactionGenerated(e.temporaryChannelId, e.counterpartyNodeId, tx);
      return;
    }
    case 'ChannelPending':
      h.emit({ type: 'ChannelPending', channelId: bytesToHex(e.channelId), counterpartyNodeId: bytesToHex(e.counterpartyNodeId), fundingTxid: txidToHex(e.fundingTxo.txid) });
      h.emit({ type: 'OnChainTransaction', txid: txidToHex(e.fundingTxo.txid), kind: 'funding' });
      return;
    case 'ChannelReady':
      h.emit({ type: 'ChannelReady', channelId: bytesToHex(e.channelId), counterpartyNodeId: bytesToHex(e.counterpartyNodeId), ...(e.shortChannelId !== undefined ? { shortChannelId: scidString(e.shortChannelId) } : {}) });
      return;
    case 'ChannelClosed':
      h.emit({ type: 'ChannelClosed', channelId: bytesToHex(e.channelId), counterpartyNodeId: bytesToHex(e.counterpartyNodeId), reason: describeClosure(e.reason) });
      return;
    case 'DiscardFunding':
      h.wallet.abandon(e.fundingTx);
      h.walletChanged();
      return;
    case 'OpenChannelRequest':
      h.cm.acceptInboundChannel(e.temporaryChannelId, e.counterpartyNodeId, BigInt(Date.now()));
      return;
    default:
      h.payments.handleEvent(e);
  }
}

/**
 * A `ChainMonitor` event: `SpendableOutputs` that do not pay the wallet yet (`StaticPaymentOutput`,
 * our `to_remote`) are swept into it (BOLT 5); `BumpTransaction` (anchor channels) is logged: the
 * wallet cannot CPFP, as no signer method signs the anchor input with the funding key.
 */
export function handleMonitorEvent(h: EventHost, e: MonitorUserEvent): void {
  if (e.type === 'BumpTransaction') {
    h.log.warn(`an anchor transaction needs a fee bump (target ${e.targetFeeratePerKw} sat/kw); this node's wallet does not do CPFP yet`);
    return;
  }
  const toSweep = e.outputs.flatMap((d) =>
    d.type === 'StaticPaymentOutput'
      ? [{ outpoint: d.outpoint, output: d.output, signer: h.keys.deriveChannelSigner(d.channelValueSat, d.channelKeysId), csvDelay: d.csvDelay, ...(d.witnessScript ? { witnessScript: d.witnessScript } : {}) }]
      : [],
  );
  // `StaticOutput`s pay our wallet's script already: the wallet holds them.
  if (!toSweep.length) return;
  const tx = h.wallet.sweepRemoteOutputs(toSweep, h.chain.feeEstimator);
  h.walletChanged();
  h.chain.broadcaster.broadcastTransactions([tx]);
  h.emit({ type: 'OnChainTransaction', txid: txidToHex(txidOf(parseTx(tx))), kind: 'sweep' });
}
