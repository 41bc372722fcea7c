/**
 * `ChannelMonitor`: watches one channel on chain and acts alone (BOLT 5). It is built from a
 * `ChannelMonitorInit`, applies `ChannelMonitorUpdate`s strictly in order, is fed blocks
 * through `Listen` or `Confirm`, and then:
 * - punishes a revoked commitment (justice transactions taking every output, including the
 *   cheater's HTLC transactions);
 * - claims HTLCs on either side's commitment (preimage or timeout) and sweeps our delayed
 *   outputs once their CSV delays pass;
 * - reports preimages learned on chain and HTLCs failed on chain (`HtlcResolved`);
 * - force-closes in time when an HTLC nears expiry (see `CLTV_CLAIM_BUFFER`,
 *   `LATENCY_GRACE_PERIOD_BLOCKS`);
 * - rebroadcasts and fee-bumps every claim until it confirms, and reports outputs the user
 *   can spend (`SpendableOutputs`) once they are {@link ANTI_REORG_DELAY} deep.
 *
 * Reorgs: the monitor keeps the confirmed transactions that matter to it with their heights,
 * drops those a reorg disconnects, and recomputes its on-chain view, so its claims always
 * follow the best chain.
 */
import {
  moduleLogger, NULL_LOGGER,
  type Block, type BlockHeader, type BroadcasterInterface, type ChannelMonitorInit, type ChannelMonitorUpdate, type Confirm, type FeeEstimator,
  type Filter, type Listen, type Logger, type MonitorEvent, type ModuleLogger, type OutPoint, type RelevantTxid, type SignerProvider,
  type TransactionData, type Txid,
} from '@ln/chain-interfaces';
import { bytesToHex, equalBytes, type Secp256k1 } from '@ln/crypto';
import type { EcdsaChannelSigner } from '@ln/transactions';
import { BlockTx, outpointKey } from './block-scan.js';
import { hasAnchors } from './commitments.js';
import { CLTV_CLAIM_BUFFER, LATENCY_GRACE_PERIOD_BLOCKS } from './constants.js';
import type { Balance, MonitorUserEvent } from './events.js';
import { applyUpdate, decodeMonitorState, encodeMonitorState, initialState, secretOf, type MonitorState } from './monitor-state.js';
import { balances, broadcastClaims, holderAnchor, reportEvents, type ActionContext } from './onchain/actions.js';
import { AnalysisCache, analyze, outgoingHtlcs } from './onchain/analysis.js';
import { signHolderCommitment } from './onchain/claims.js';
import type { OnchainView, RelevantTx } from './onchain/types.js';

/** What a monitor needs from its surroundings (never serialized: given again on load). */
export interface MonitorContext {
  readonly secp: Secp256k1;
  /** Re-derives the channel's signer from `channelKeysId` (e.g. `@ln/transactions`' `KeysManager`). */
  readonly signerProvider: SignerProvider<EcdsaChannelSigner>;
  readonly broadcaster: BroadcasterInterface;
  readonly feeEstimator: FeeEstimator;
  readonly logger?: Logger;
  /** Told what to watch (for `Confirm`-style chain sources). */
  readonly filter?: Filter;
}

/** The monitor of one channel. */
export class ChannelMonitor implements Listen, Confirm {
  private readonly cache = new AnalysisCache();
  /** Claims already logged as uneconomic (not persisted: logging only). */
  private readonly uneconomic = new Set<string>();
  private readonly log: ModuleLogger;
  private signerInstance?: EcdsaChannelSigner;
  private viewCache?: OnchainView;
  /** Keys of outpoints whose spends are relevant: the funding output and every output of a relevant transaction. */
  private watched = new Set<string>();
  private lastHolderBroadcast = -1;
  private changed = false;

  private constructor(
    private readonly st: MonitorState,
    private readonly ctx: MonitorContext,
  ) {
    this.log = moduleLogger(ctx.logger ?? NULL_LOGGER, 'monitor');
    this.rebuildWatched();
  }

  /** A new monitor for a newly funded channel. Registers the funding output with the filter. */
  static fromInit(init: ChannelMonitorInit, ctx: MonitorContext): ChannelMonitor {
    const m = new ChannelMonitor(initialState(init), ctx);
    m.registerWithFilter();
    return m;
  }

  /** Restores a monitor from {@link ChannelMonitor.serialize}'s bytes; throws only `MonitorDecodeError`. */
  static deserialize(bytes: Uint8Array, ctx: MonitorContext): ChannelMonitor {
    return new ChannelMonitor(decodeMonitorState(bytes), ctx);
  }

  /** The monitor's whole state as bytes (deserialize gives back the same bytes). */
  serialize(): Uint8Array {
    return encodeMonitorState(this.st);
  }

  get channelId(): Uint8Array {
    return this.st.channel.channelId;
  }
  get fundingOutpoint(): OutPoint {
    return this.st.channel.fundingOutpoint;
  }
  get counterpartyNodeId(): Uint8Array {
    return this.st.channel.counterpartyNodeId;
  }
  /** The id of the last update applied (0 right after the `ChannelMonitorInit`). */
  get latestUpdateId(): bigint {
    return this.st.latestUpdateId;
  }
  /** The chain tip this monitor has processed. */
  get bestBlock() {
    return this.st.bestBlock;
  }
  /** The monitor's storage name: funding txid (display hex) `_` output index, as LDK names them. */
  get persistenceKey(): string {
    const t = this.st.channel.fundingOutpoint.txid;
    let s = '';
    for (let i = t.length - 1; i >= 0; i--) s += t[i]!.toString(16).padStart(2, '0');
    return `${s}_${this.st.channel.fundingOutpoint.vout}`;
  }

  private signer(): EcdsaChannelSigner {
    return (this.signerInstance ??= this.ctx.signerProvider.deriveChannelSigner(this.st.channel.channelValueSat, this.st.channel.channelKeysId));
  }
  private actionContext(): ActionContext {
    return {
      secp: this.ctx.secp, st: this.st, signer: () => this.signer(), broadcaster: this.ctx.broadcaster, feeEstimator: this.ctx.feeEstimator,
      log: (level, message) => this.log[level](message, { channelId: this.st.channel.channelId }), uneconomic: this.uneconomic,
    };
  }

  /** Registers the funding output and every output of relevant transactions with the filter. */
  registerWithFilter(filter: Filter | undefined = this.ctx.filter): void {
    if (!filter) return;
    const ch = this.st.channel;
    filter.registerTx(ch.fundingOutpoint.txid, ch.fundingScriptPubkey);
    filter.registerOutput({ outpoint: ch.fundingOutpoint, scriptPubkey: ch.fundingScriptPubkey });
    for (const r of this.st.relevant) r.tx.outputs.forEach((o, vout) => filter.registerOutput({ blockHash: r.blockHash, outpoint: { txid: r.txid, vout }, scriptPubkey: o.scriptPubkey }));
  }

  /** Outpoints whose spending transactions this monitor must see. */
  watchedOutpointKeys(): ReadonlySet<string> {
    return this.watched;
  }

  private rebuildWatched(): void {
    this.watched = new Set([outpointKey(this.st.channel.fundingOutpoint)]);
    for (const r of this.st.relevant) r.tx.outputs.forEach((_, vout) => this.watched.add(outpointKey({ txid: r.txid, vout })));
  }

  // ---------------------------------------------------------------- updates

  /**
   * Applies an update. Throws `MonitorError` (`update_out_of_order` for a gap or a replay,
   * `wrong_channel`, `invalid_update`) and then changes nothing.
   */
  update(update: ChannelMonitorUpdate): void {
    const fx = applyUpdate(this.ctx.secp, this.st, update);
    this.viewCache = undefined;
    if (fx.broadcastHolder) this.broadcastHolderCommitment();
    // A preimage, or the secret of a counterparty commitment already confirmed (its update was
    // in flight when it confirmed), changes what there is to claim: act now, not a block later.
    if ((fx.preimageAdded || fx.secretAdded) && this.view().fundingSpend) this.refresh();
  }

  /**
   * Recovery only: closes the channel from this monitor's own state, outside the update
   * sequence. After a restart with a stale `ChannelManager` (`MonitorAhead` from
   * {@link ChainMonitor.checkAgainstChannelManager}: the manager's copy is older than what the
   * monitor applied), no update of that manager may reach the monitor (its ids are ones the
   * monitor already applied, refused as replays by {@link ChannelMonitor.update}); LDK then
   * closes the channel from the monitor (its `CLOSED_CHANNEL_UPDATE_ID`). This does that: no
   * more commitment updates are accepted, and with `shouldBroadcast` (the default) the
   * monitor's latest commitment, newer than anything the stale manager knows, is broadcast and
   * rebroadcast every block until the funding output is spent. The update id does not move.
   *
   * Only recovery code or an operator may call it: nothing that arrives through `Watch` (whose
   * ids must follow each other strictly) can force-close a channel with a stale id.
   */
  forceCloseFromMonitor(shouldBroadcast = true): void {
    if (!this.st.forceClosed) this.changed = true;
    this.st.forceClosed = true;
    this.log.warn(`force-closed from the monitor (recovery) at update ${this.st.latestUpdateId}${shouldBroadcast ? ', broadcasting our latest commitment' : ''}`, { channelId: this.channelId });
    if (shouldBroadcast) this.broadcastLatestHolderCommitment();
  }

  /**
   * Our latest commitment transaction, signed, without broadcasting it or changing any state
   * (LDK's `unsafe_get_latest_holder_commitment_txn`). For tests and for recovery tools only:
   * once a newer commitment is signed and this one revoked, broadcasting it hands the
   * counterparty every output (BOLT 5 justice). Throws if it cannot be rebuilt or signed.
   */
  unsafeGetLatestHolderCommitmentTx(): { raw: Uint8Array; txid: Txid; commitmentNumber: bigint } {
    const hc = this.st.holderCurrent;
    const rebuilt = this.cache.holderCommitment(this.ctx.secp, this.st.channel, hc);
    if (!rebuilt) throw new Error(`cannot rebuild our commitment ${hc.commitmentNumber}`);
    const signed = signHolderCommitment(this.st.channel, hc, rebuilt.built, this.signer());
    return { raw: signed.raw, txid: signed.txid, commitmentNumber: hc.commitmentNumber };
  }

  // ---------------------------------------------------------------- chain

  blockConnected(block: Block, height: number): void {
    if (height <= this.st.bestBlock.height) return;
    this.processTxs(block.transactions.map((raw) => new BlockTx(raw)), block.header, height);
    this.bestBlockUpdated(block.header, height);
  }
  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    if (height <= this.st.bestBlock.height) return;
    this.processTxs(txdata.map((t) => new BlockTx(t.tx)), header, height);
    this.bestBlockUpdated(header, height);
  }
  blockDisconnected(header: BlockHeader, height: number): void {
    if (height > this.st.bestBlock.height) return;
    this.dropAbove(height - 1);
    this.st.bestBlock = { blockHash: header.prevBlockHash, height: height - 1 };
    for (const t of this.st.claimTracks.values()) t.lastHeight = Math.min(t.lastHeight, height - 1);
    this.lastHolderBroadcast = Math.min(this.lastHolderBroadcast, height - 1);
  }
  transactionsConfirmed(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    this.processTxs(txdata.map((t) => new BlockTx(t.tx)), header, height);
    if (this.viewCache === undefined && this.st.relevant.length) this.refresh();
  }
  transactionUnconfirmed(txid: Txid): void {
    const k = bytesToHex(txid);
    const at = this.st.relevant.findIndex((r) => bytesToHex(r.txid) === k);
    if (at < 0) return;
    // Its descendants go too: they cannot stay confirmed without it.
    const gone = new Set([k]);
    this.st.relevant = this.st.relevant.filter((r, i) => {
      if (i < at) return true;
      if (gone.has(bytesToHex(r.txid)) || r.tx.inputs.some((inp) => gone.has(bytesToHex(inp.prevout.txid)))) {
        gone.add(bytesToHex(r.txid));
        return false;
      }
      return true;
    });
    this.chainChanged();
  }
  bestBlockUpdated(header: BlockHeader, height: number): void {
    if (height < this.st.bestBlock.height) {
      this.dropAbove(height);
      for (const t of this.st.claimTracks.values()) t.lastHeight = Math.min(t.lastHeight, height);
    }
    this.st.bestBlock = { blockHash: header.hash, height };
    this.refresh();
  }
  getRelevantTxids(): RelevantTxid[] {
    return this.st.relevant.map((r) => ({ txid: r.txid, height: r.height, blockHash: r.blockHash }));
  }

  /**
   * Records the transactions of a block that spend a watched outpoint (in block order, so a
   * child in the same block as its parent is seen). Returns whether any was new.
   * @internal `ChainMonitor` calls it with the transactions its index matched.
   */
  processTxs(txs: readonly BlockTx[], header: BlockHeader, height: number): boolean {
    let added = false;
    for (const t of txs) {
      if (!t.spentKeys.some((k) => this.watched.has(k))) continue;
      const tx = t.tx;
      const txid = t.txid;
      if (!tx || !txid) continue;
      const known = this.st.relevant.findIndex((r) => equalBytes(r.txid, txid));
      if (known >= 0) {
        if (this.st.relevant[known]!.height === height) continue;
        this.st.relevant.splice(known, 1);
      }
      const rtx: RelevantTx = { txid, raw: t.raw, tx, height, blockHash: header.hash };
      this.st.relevant.push(rtx);
      tx.outputs.forEach((o, vout) => {
        this.watched.add(outpointKey({ txid, vout }));
        this.ctx.filter?.registerOutput({ blockHash: header.hash, outpoint: { txid, vout }, scriptPubkey: o.scriptPubkey });
      });
      this.log.info(`transaction ${bytesToHex(Uint8Array.from(txid).reverse())} at height ${height} concerns the channel`, { channelId: this.channelId });
      added = true;
    }
    if (added) {
      this.st.relevant.sort((a, b) => a.height - b.height);
      this.chainChanged();
    }
    return added;
  }

  private dropAbove(height: number): void {
    const before = this.st.relevant.length;
    this.st.relevant = this.st.relevant.filter((r) => r.height <= height);
    if (this.st.relevant.length !== before) this.chainChanged();
  }

  private chainChanged(): void {
    this.viewCache = undefined;
    this.changed = true;
    this.rebuildWatched();
  }

  /** The current on-chain view (memoized until the chain data or the channel data change). */
  view(): OnchainView {
    return (this.viewCache ??= analyze(
      {
        secp: this.ctx.secp, ch: this.st.channel, anchors: hasAnchors(this.st.channel.channelType),
        holderCommitments: this.st.holderPrevious ? [this.st.holderCurrent, this.st.holderPrevious] : [this.st.holderCurrent],
        counterpartyCommitments: this.st.counterparty, revoked: this.st.revoked,
        secretFor: (n) => secretOf(this.st, n),
        preimageFor: (h) => this.st.preimages.get(bytesToHex(h)),
        relevant: this.st.relevant,
      },
      this.cache,
    ));
  }

  /** Acts on the current tip: force-close if an HTLC needs it, report events, (re)broadcast claims. */
  private refresh(force = false): void {
    const tip = this.st.bestBlock.height;
    const view = this.view();
    const before = this.st.emitted.size + this.st.claimTracks.size;
    if (!view.fundingSpend) {
      this.checkHtlcDeadlines(tip);
      if (this.st.broadcastHolder && tip > this.lastHolderBroadcast) this.broadcastHolderCommitment();
      return;
    }
    reportEvents(this.st, view, tip);
    broadcastClaims(this.actionContext(), view, tip, force);
    if (this.st.emitted.size + this.st.claimTracks.size !== before) this.changed = true;
  }

  /** BOLT 5 deadlines: force-close early enough to resolve HTLCs on chain (see the constants' docs). */
  private checkHtlcDeadlines(tip: number): void {
    if (this.st.forceClosed || this.st.broadcastHolder) return;
    const outgoing = outgoingHtlcs({ holderCommitments: [this.st.holderCurrent], counterpartyCommitments: this.st.counterparty });
    let reason: string | undefined;
    for (const h of outgoing.values()) {
      if (tip >= h.cltvExpiry + LATENCY_GRACE_PERIOD_BLOCKS) reason = `outgoing HTLC ${h.htlcId} expired at ${h.cltvExpiry} (height ${tip})`;
    }
    const incoming = [...this.st.holderCurrent.htlcs.filter((h) => !h.offered), ...this.st.counterparty.flatMap((c) => c.htlcs.filter((h) => h.offered))];
    for (const h of incoming) {
      if (this.st.preimages.has(bytesToHex(h.paymentHash)) && tip + CLTV_CLAIM_BUFFER >= h.cltvExpiry) {
        reason = `incoming HTLC ${h.htlcId} with a known preimage expires at ${h.cltvExpiry} (height ${tip})`;
      }
    }
    if (!reason) return;
    this.log.warn(`force-closing: ${reason}`, { channelId: this.channelId });
    this.st.broadcastHolder = true;
    this.st.pendingMonitorEvents.push({ type: 'HolderForceClosed', channelId: this.channelId, reason });
    this.changed = true;
    this.broadcastHolderCommitment();
  }

  /**
   * Broadcasts our latest commitment (BOLT 5 "Failing a Channel") and keeps rebroadcasting it
   * every block until the funding output is spent. Use only when our state is not stale.
   */
  broadcastLatestHolderCommitment(): void {
    if (!this.st.broadcastHolder) this.changed = true;
    this.st.broadcastHolder = true;
    this.broadcastHolderCommitment();
  }

  private broadcastHolderCommitment(): void {
    const hc = this.st.holderCurrent;
    const rebuilt = this.cache.holderCommitment(this.ctx.secp, this.st.channel, hc);
    if (!rebuilt) {
      this.log.error(`cannot rebuild our commitment ${hc.commitmentNumber}: the counterparty signature matches no variant`, { channelId: this.channelId });
      return;
    }
    let signed;
    try {
      signed = signHolderCommitment(this.st.channel, hc, rebuilt.built, this.signer());
    } catch (e) {
      this.log.error(`cannot sign our commitment ${hc.commitmentNumber}: ${(e as Error).message}`, { channelId: this.channelId });
      return;
    }
    this.lastHolderBroadcast = this.st.bestBlock.height;
    this.log.info(`broadcasting our commitment ${hc.commitmentNumber}`, { channelId: this.channelId });
    this.ctx.broadcaster.broadcastTransactions([signed.raw]);
    if (hasAnchors(this.st.channel.channelType)) {
      const key = `bump:commitment:${bytesToHex(signed.txid)}`;
      if (!this.st.emitted.has(key)) {
        this.st.emitted.add(key);
        const anchor = holderAnchor(this.st, signed.tx, signed.txid);
        this.st.pendingEvents.push({
          type: 'BumpTransaction', channelId: this.channelId, kind: 'ChannelClose', tx: signed.raw,
          targetFeeratePerKw: this.ctx.feeEstimator.getEstSatPer1000Weight('OnChainSweep'), ...(anchor ? { anchor } : {}),
        });
      }
    }
  }

  /** Rebroadcasts every pending claim (and our commitment, if it is to be broadcast) now, at the same feerates, without waiting for a block. */
  rebroadcastPendingClaims(): void {
    this.lastHolderBroadcast = -1;
    this.refresh(true);
  }

  // ---------------------------------------------------------------- outputs

  /** Events for the channel manager (`Watch.releasePendingMonitorEvents`). */
  releasePendingMonitorEvents(): MonitorEvent[] {
    if (this.st.pendingMonitorEvents.length) this.changed = true;
    return this.st.pendingMonitorEvents.splice(0);
  }
  /** Events for the user (`SpendableOutputs`, `BumpTransaction`). */
  getAndClearPendingEvents(): MonitorUserEvent[] {
    if (this.st.pendingEvents.length) this.changed = true;
    return this.st.pendingEvents.splice(0);
  }
  /** Claimable balances of this channel at the current tip. */
  getClaimableBalances(): Balance[] {
    return balances(this.st, this.view(), this.st.bestBlock.height);
  }
  /**
   * Whether the on-chain state changed since the last call (a persister should then write the
   * whole monitor, so a restart does not have to re-scan as many blocks). Clears the flag.
   */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }
  /** Whether the funding output was spent (any way) on the current chain. */
  isClosedOnChain(): boolean {
    return this.view().fundingSpend !== undefined;
  }
  /**
   * Whether nothing is left to do: the funding spend is final, every output we could claim is
   * claimed and final, every HTLC outcome and spendable output has been reported.
   */
  isFullyResolved(): boolean {
    const view = this.view();
    const tip = this.st.bestBlock.height;
    const fs = view.fundingSpend;
    if (!fs || tip - fs.rtx.height + 1 < 6) return false;
    if (view.outcomes.some((o) => !this.st.emitted.has(`htlc:${o.htlcId}`))) return false;
    if (view.owned.some((o) => !this.st.emitted.has(`spend:${outpointKey(o.outpoint)}`))) return false;
    return view.claimables.every((c) => (c.spentBy ? tip - c.spentBy.rtx.height + 1 >= 6 : (c.kind === 'cp_htlc_preimage' || c.kind === 'holder_htlc_success') && !c.preimage && tip > c.htlc!.cltvExpiry + 6));
  }
  /** The channel's data as the monitor holds it (read-only, for inspection and tests). */
  get state(): Readonly<MonitorState> {
    return this.st;
  }
}
