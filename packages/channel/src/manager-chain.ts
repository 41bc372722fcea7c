/**
 * `ChannelManager`'s peer and chain layer: `peerConnected`/`peerDisconnected` and the features
 * we advertise (BOLT 1, BOLT 9), and `Listen`/`Confirm` (blocks and transactions: funding
 * confirmations, closes seen on chain, reorgs).
 */
import type { BestBlock, Block, BlockHeader, RelevantTxid, TransactionData, Txid } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { parseTx, txidOf } from '@ln/transactions';
import { Features, type Init } from '@ln/wire';
import { forgetUncommitted } from './channel/updates.js';
import { ChannelManagerOpen } from './manager-open.js';

/** The peer and chain layer of `ChannelManager`. */
export abstract class ChannelManagerChain extends ChannelManagerOpen {
  peerConnected(theirNodeId: Uint8Array, init: Init, _inbound: boolean): boolean {
    const features = Features.fromBytes(init.features);
    this.peers.set(bytesToHex(theirNodeId), features);
    for (const ch of this.channels) if (equalBytes(ch.peer, theirNodeId) && ch.s.phase === 'Funded') ch.peerConnected();
    return true;
  }

  peerDisconnected(theirNodeId: Uint8Array): void {
    this.peers.delete(bytesToHex(theirNodeId));
    // Messages not yet handed to the peer are lost with the connection (reestablish regenerates what matters).
    this.msgEvents = this.msgEvents.filter((e) => e.type === 'BroadcastGossip' || !equalBytes(e.nodeId, theirNodeId));
    for (const ch of [...this.channels]) {
      if (!equalBytes(ch.peer, theirNodeId)) continue;
      if (ch.s.phase === 'Funded') {
        forgetUncommitted(ch);
        ch.peerDisconnected();
      } else {
        // BOLT 2: a channel not yet funded (for the funder: funding_signed not received) is forgotten on disconnection.
        this.closeWith(ch, { type: 'FundingAborted', message: 'peer disconnected before funding' }, false);
      }
    }
  }

  providedInitFeatures(_theirNodeId: Uint8Array): Features {
    let f = Features.empty()
      .withRequired('option_data_loss_protect').withRequired('var_onion_optin').withRequired('option_static_remotekey').withRequired('payment_secret')
      .withOptional('basic_mpp').withOptional('option_upfront_shutdown_script').withRequired('option_channel_type')
      .withOptional('option_shutdown_anysegwit');
    if (this.config.channelHandshakeConfig.negotiateSimpleClose) f = f.withOptional('option_simple_close');
    if (this.config.channelHandshakeConfig.negotiateAnchors) f = f.withOptional('option_anchors');
    return f;
  }

  providedNodeFeatures(): Features {
    return this.providedInitFeatures(new Uint8Array(33));
  }

  getChainHashes(): Uint8Array[] {
    return [this.opts.chainHash];
  }

  // ================================================================ chain

  blockConnected(block: Block, height: number): void {
    this.filteredBlockConnected(block.header, block.transactions.map((tx, index) => ({ index, tx })), height);
  }

  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    this.transactionsConfirmed(header, txdata, height);
    this.bestBlockUpdated(header, height);
  }

  blockDisconnected(header: BlockHeader, height: number): void {
    for (const ch of this.channels) {
      if (ch.s.fundingConfirmedHeight !== undefined && ch.s.fundingConfirmedHeight >= height) ch.fundingUnconfirmed();
    }
    this.best = { blockHash: header.prevBlockHash, height: height - 1 };
  }

  transactionsConfirmed(_header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    for (const { index, tx: raw } of txdata) {
      let tx;
      try {
        tx = parseTx(raw);
      } catch {
        continue;
      }
      const txid = txidOf(tx);
      for (const ch of [...this.channels]) {
        const fo = ch.s.fundingOutpoint;
        if (!fo || ch.s.phase !== 'Funded') continue;
        if (equalBytes(fo.txid, txid)) this.guard(ch, () => ch.fundingConfirmed(height, index, raw));
        if (tx.inputs.some((i) => equalBytes(i.prevout.txid, fo.txid) && i.prevout.vout === fo.vout)) {
          // The funding output is spent: a closing or a commitment transaction confirmed.
          this.remove(ch);
          ch.s.phase = 'Closed';
          if (!ch.s.closing?.closingTx) {
            this.events.push({ type: 'ChannelClosed', channelId: ch.channelId, counterpartyNodeId: ch.peer, userChannelId: ch.s.userChannelId, reason: { type: 'CommitmentTxConfirmed' }, channelCapacitySat: ch.s.channelValueSat });
          }
        }
      }
    }
  }

  transactionUnconfirmed(txid: Txid): void {
    for (const ch of this.channels) if (ch.s.fundingOutpoint && equalBytes(ch.s.fundingOutpoint.txid, txid)) ch.fundingUnconfirmed();
  }

  bestBlockUpdated(header: BlockHeader, height: number): void {
    this.best = { blockHash: header.hash, height };
    this.lastBlockTime = Math.max(this.lastBlockTime, header.time);
    for (const ch of [...this.channels]) this.guard(ch, () => ch.bestBlockUpdated());
    this.payments.in.blockConnected(height);
  }

  getRelevantTxids(): RelevantTxid[] {
    return this.channels
      .filter((c) => c.s.fundingOutpoint && c.s.fundingConfirmedHeight !== undefined)
      .map((c) => ({ txid: c.s.fundingOutpoint!.txid, height: c.s.fundingConfirmedHeight! }));
  }

  /** The chain tip we are synced to. */
  currentBestBlock(): BestBlock {
    return this.best;
  }

}
