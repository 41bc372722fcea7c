/**
 * One channel's BOLT 2 state machine: establishment (v1), `channel_ready`, announcement,
 * force close and reconnection. Cooperative close lives in `closing.ts`, HTLC updates in
 * `updates.ts`; all of them work on the same persisted {@link ChannelState}.
 *
 * Persist before you step forward: every change that a message commits to is handed to the
 * `Watch` first; while an update is `InProgress`, outgoing messages are held back and
 * released when the monitor reports it `Completed`.
 */
import {
  type ChannelMonitorInit, type ChannelMonitorUpdateStep, type ChannelMonitorUpdateStatus, type OutPoint, txidFromInternalBytes,
} from '@ln/chain-interfaces';
import { equalBytes, isHighS, sha256d } from '@ln/crypto';
import {
  buildHtlcTransaction, fundingScript, p2wsh, parseTx, SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, txidOf, verifyInput, type EcdsaChannelSigner,
} from '@ln/transactions';
import { encodeMessage, makeMessage, type ChannelReestablish, type KnownMessage } from '@ln/wire';
import { ChannelError } from '../errors.js';
import { buildCounterpartyCommitment, buildHolderCommitment, htlcDataOf, obscureFactorOf, secretIndex, type CommitmentInfo } from './commitment.js';
import type { ChannelContext } from './context.js';
import type { ChannelState } from './state.js';

/** BOLT 7: announcement signatures are exchanged once the funding has 6 confirmations. */
export const ANNOUNCEMENT_DEPTH = 6;

/** The channel id of a funding outpoint (BOLT 2: `funding_txid` XOR `funding_output_index`). */
export function channelIdFromOutpoint(o: OutPoint): Uint8Array {
  const id = Uint8Array.from(o.txid);
  id[30] ^= (o.vout >> 8) & 0xff;
  id[31] ^= o.vout & 0xff;
  return id;
}

const ZERO32 = new Uint8Array(32);

/** A channel: its persisted state, its signer, and the manager's services. */
export class Channel {
  /** Messages held back until the monitor update they depend on completes (not persisted: reestablish regenerates them). */
  private held: KnownMessage[] = [];

  constructor(
    readonly ctx: ChannelContext,
    readonly s: ChannelState,
    readonly signer: EcdsaChannelSigner,
  ) {}

  get channelId(): Uint8Array {
    return this.s.channelId;
  }
  get peer(): Uint8Array {
    return this.s.counterpartyNodeId;
  }
  get isFunded(): boolean {
    return this.s.phase === 'Funded';
  }
  /** `channel_ready` sent and received and not closing: HTLCs may be added. */
  get isUsable(): boolean {
    return this.s.phase === 'Funded' && this.s.channelReadySent && this.s.channelReadyReceived && !this.s.closing && this.s.connected;
  }
  get fundingScript(): Uint8Array {
    return fundingScript(this.s.holderPubkeys.fundingPubkey, this.s.counterpartyPubkeys!.fundingPubkey);
  }

  // ---------------------------------------------------------------- messages and monitor

  /** Sends `msg` now, or holds it while a monitor update is in progress. */
  send(msg: KnownMessage): void {
    if (this.s.completedMonitorUpdateId < this.s.latestMonitorUpdateId || !this.s.connected) {
      if (this.s.connected) this.held.push(msg);
      return;
    }
    this.ctx.send(this.peer, msg);
  }

  /** Whether messages are held behind a monitor update. */
  get monitorPending(): boolean {
    return this.s.completedMonitorUpdateId < this.s.latestMonitorUpdateId;
  }

  private applyStatus(status: ChannelMonitorUpdateStatus, updateId: bigint): void {
    if (status === 'Completed') this.monitorUpdateCompleted(updateId);
    else if (status === 'UnrecoverableError') throw ChannelError.close(`the monitor could not persist update ${updateId}`);
  }

  /**
   * Hands a monitor update to the `Watch` (persist before stepping forward). A `Completed`
   * answer or event for update N is taken to cover every earlier update of the channel as well
   * (`@ln/monitor`'s `ChainMonitor` completes them in order); a `Watch` that persists updates out
   * of order must report `Completed` for N only once all earlier ones are durable.
   */
  updateMonitor(steps: ChannelMonitorUpdateStep[]): void {
    const wasPending = this.monitorPending;
    const updateId = ++this.s.latestMonitorUpdateId;
    const update = { channelId: this.s.channelId, updateId, steps };
    const status = this.ctx.watch.updateChannel(update);
    if (status === 'Completed' && !wasPending) {
      // Durable at once and nothing was waiting: the caller steps forward itself.
      this.s.completedMonitorUpdateId = updateId;
      return;
    }
    // Kept (and persisted with the manager) until durable, so a restart can hand it over again.
    if (status === 'InProgress') (this.s.inFlightUpdates ??= []).push(update);
    this.applyStatus(status, updateId);
  }

  /** The monitor made update `updateId` durable: release what waited for it. */
  monitorUpdateCompleted(updateId: bigint): void {
    if (updateId > this.s.completedMonitorUpdateId) this.s.completedMonitorUpdateId = updateId;
    if (this.s.inFlightUpdates?.length) {
      this.s.inFlightUpdates = this.s.inFlightUpdates.filter((u) => u.updateId > this.s.completedMonitorUpdateId);
      if (this.s.inFlightUpdates.length === 0) delete this.s.inFlightUpdates;
    }
    if (this.monitorPending) return;
    if (this.s.phase === 'Funded' && this.s.isOutbound && this.s.fundingTx && !this.s.fundingBroadcast) {
      this.s.fundingBroadcast = true;
      this.ctx.broadcastTransaction(this.s.fundingTx);
      this.pendingEvent();
    }
    // Fundee: the monitor became durable after funding_signed was held back.
    if (this.s.phase === 'Funded' && !this.s.isOutbound && !this.s.channelPendingEmitted) this.pendingEvent();
    const held = this.held;
    this.held = [];
    for (const m of held) this.ctx.send(this.peer, m);
    if (this.s.phase === 'Funded') this.ctx.monitorRestored(this);
  }

  private pendingEvent(): void {
    this.s.channelPendingEmitted = true;
    this.ctx.event({
      type: 'ChannelPending', channelId: this.s.channelId, formerTemporaryChannelId: this.s.temporaryChannelId,
      counterpartyNodeId: this.peer, fundingTxo: this.s.fundingOutpoint!, userChannelId: this.s.userChannelId,
    });
  }

  // ---------------------------------------------------------------- funding

  /** Funder: the user built the funding transaction; sign their first commitment and send `funding_created`. */
  fundingTransactionGenerated(rawTx: Uint8Array, inUse: (channelId: Uint8Array) => boolean = () => false): void {
    if (this.s.phase !== 'OutboundAwaitingFunding') throw ChannelError.ignore(`funding transaction given in phase ${this.s.phase}`);
    const tx = parseTx(rawTx);
    const script = p2wsh(this.fundingScript);
    const index = tx.outputs.findIndex((o) => o.valueSat === this.s.channelValueSat && equalBytes(o.scriptPubkey, script));
    if (index < 0) throw ChannelError.ignore(`the funding transaction has no output of ${this.s.channelValueSat} sat to the channel's 2-of-2 script`);
    if (tx.inputs.some((i) => i.witness.length === 0)) throw ChannelError.ignore('the funding transaction must spend only segwit inputs (BOLT 2: non-malleable)');
    const txid = txidOf(tx);
    if (inUse(channelIdFromOutpoint({ txid, vout: index }))) throw ChannelError.ignore('the funding transaction pays the funding output of another channel');
    this.s.fundingOutpoint = { txid, vout: index };
    this.s.fundingTx = rawTx;
    this.s.channelId = channelIdFromOutpoint(this.s.fundingOutpoint);
    const theirs = this.counterpartyCommitment(0n, this.s.counterpartyCurrentPoint!);
    const { signature } = this.signCounterparty(theirs);
    this.s.phase = 'OutboundAwaitingFundingSigned';
    this.ctx.send(this.peer, makeMessage('funding_created', { temporaryChannelId: this.s.temporaryChannelId, fundingTxid: txid, fundingOutputIndex: index, signature }));
  }

  /** Fundee: `funding_created` — check their signature of our commitment, create the monitor, then `funding_signed`. */
  onFundingCreated(fundingTxid: Uint8Array, fundingOutputIndex: number, signature: Uint8Array): void {
    if (this.s.phase !== 'InboundAwaitingFundingCreated') throw ChannelError.close(`funding_created in phase ${this.s.phase}`);
    this.s.fundingOutpoint = { txid: txidFromInternalBytes(fundingTxid), vout: fundingOutputIndex };
    const ours = this.holderCommitment(0n);
    this.checkHolderSigs(ours, signature, []);
    const theirs = this.counterpartyCommitment(0n, this.s.counterpartyCurrentPoint!);
    const { signature: ourSig } = this.signCounterparty(theirs);
    this.s.holderCommitmentSig = signature;
    this.s.holderHtlcSigs = [];
    this.s.channelId = channelIdFromOutpoint(this.s.fundingOutpoint);
    this.s.phase = 'Funded';
    this.createMonitor(ours, theirs, signature);
    this.send(makeMessage('funding_signed', { channelId: this.s.channelId, signature: ourSig }));
    if (!this.monitorPending && !this.s.channelPendingEmitted) this.pendingEvent();
  }

  /** Funder: `funding_signed` — check it, create the monitor, then broadcast the funding transaction. */
  onFundingSigned(signature: Uint8Array): void {
    if (this.s.phase === 'Funded' && this.s.holderCtn === 0n && this.s.holderCommitmentSig && equalBytes(signature, this.s.holderCommitmentSig)) return; // a retransmission
    if (this.s.phase !== 'OutboundAwaitingFundingSigned') throw ChannelError.close(`funding_signed in phase ${this.s.phase}`);
    const ours = this.holderCommitment(0n);
    this.checkHolderSigs(ours, signature, []);
    const theirs = this.counterpartyCommitment(0n, this.s.counterpartyCurrentPoint!);
    this.s.holderCommitmentSig = signature;
    this.s.holderHtlcSigs = [];
    this.s.phase = 'Funded';
    this.createMonitor(ours, theirs, signature);
  }

  private createMonitor(ours: CommitmentInfo, theirs: CommitmentInfo, theirSig: Uint8Array): void {
    const s = this.s;
    const init: ChannelMonitorInit = {
      channelId: s.channelId,
      counterpartyNodeId: s.counterpartyNodeId,
      fundingOutpoint: s.fundingOutpoint!,
      fundingScriptPubkey: p2wsh(this.fundingScript),
      channelValueSat: s.channelValueSat,
      channelKeysId: s.channelKeysId,
      holderPubkeys: s.holderPubkeys,
      counterpartyPubkeys: s.counterpartyPubkeys!,
      holderSelectedContestDelay: s.ourParams.toSelfDelay,
      counterpartySelectedContestDelay: s.theirParams!.toSelfDelay,
      isOutbound: s.isOutbound,
      channelType: s.channelType,
      commitmentNumberObscureFactor: obscureFactorOf(s),
      destinationScript: this.ctx.signerProvider.getDestinationScript(s.channelKeysId),
      ...(s.theirUpfrontShutdownScript && s.theirUpfrontShutdownScript.length ? { counterpartyShutdownScript: s.theirUpfrontShutdownScript } : {}),
      initialHolderCommitment: {
        commitmentNumber: 0n, feeratePerKw: ours.feeratePerKw, toSelfValueMsat: ours.toLocalMsat, toRemoteValueMsat: ours.toRemoteMsat,
        htlcs: [], counterpartySignature: theirSig, counterpartyHtlcSignatures: [], perCommitmentPoint: ours.point,
      },
      initialCounterpartyCommitment: {
        commitmentNumber: 0n, txid: theirs.built.txid, feeratePerKw: theirs.feeratePerKw, toBroadcasterValueMsat: theirs.toRemoteMsat,
        toCountersignatoryValueMsat: theirs.toLocalMsat, htlcs: [], perCommitmentPoint: theirs.point,
      },
      bestBlock: this.ctx.bestBlock(),
    };
    s.latestMonitorUpdateId = 0n;
    s.completedMonitorUpdateId = -1n;
    const status = this.ctx.watch.watchChannel(init);
    // A monitor the Watch refused is not ours: never send it anything (not even a force close).
    if (status !== 'UnrecoverableError') s.monitorCreated = true;
    this.applyStatus(status, 0n);
  }

  // ---------------------------------------------------------------- commitments

  holderCommitment(n: bigint): CommitmentInfo {
    return buildHolderCommitment(this.ctx.secp, this.s, this.signer, n, this.perCommitmentPoint(n));
  }

  private points = new Map<bigint, Uint8Array>();
  /** Our per-commitment point of commitment `n` (BOLT 3), cached: each is needed several times around a commitment. */
  perCommitmentPoint(n: bigint): Uint8Array {
    let p = this.points.get(n);
    if (!p) {
      p = this.signer.getPerCommitmentPoint(secretIndex(n));
      if (this.points.size >= 4) this.points.delete(this.points.keys().next().value!);
      this.points.set(n, p);
    }
    return p;
  }
  counterpartyCommitment(n: bigint, point: Uint8Array): CommitmentInfo {
    return buildCounterpartyCommitment(this.ctx.secp, this.s, n, point);
  }

  signCounterparty(info: CommitmentInfo): { signature: Uint8Array; htlcSignatures: Uint8Array[] } {
    return this.signer.signCounterpartyCommitment(info.built, info.keys, {
      fundingValueSat: this.s.channelValueSat, counterpartyFundingPubkey: this.s.counterpartyPubkeys!.fundingPubkey, anchors: this.s.anchors,
      feeratePerKw: info.feeratePerKw, toSelfDelay: this.s.ourParams.toSelfDelay,
    });
  }

  /** Checks the counterparty's signature of our commitment and of each HTLC transaction (BOLT 2 `commitment_signed`/`funding_*`). */
  checkHolderSigs(info: CommitmentInfo, sig: Uint8Array, htlcSigs: readonly Uint8Array[]): void {
    const { secp } = this.ctx;
    if (isHighS(sig)) throw ChannelError.close('commitment signature is not low-S');
    if (!verifyInput(secp, info.built.tx, 0, this.fundingScript, this.s.channelValueSat, sig, this.s.counterpartyPubkeys!.fundingPubkey)) {
      throw ChannelError.close(`invalid commitment signature for our commitment ${info.n}`);
    }
    const outs = info.built.htlcOutputs;
    if (htlcSigs.length !== outs.length) throw ChannelError.close(`expected ${outs.length} HTLC signatures, got ${htlcSigs.length}`);
    const theirHtlcKey = info.keys.countersignatoryHtlcKey;
    const sighash = this.s.anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
    outs.forEach((o, k) => {
      const tx = buildHtlcTransaction({
        commitmentTxid: info.built.txid, outputIndex: o.outputIndex, htlc: o.htlc, feeratePerKw: info.feeratePerKw, anchors: this.s.anchors,
        toSelfDelay: this.s.theirParams!.toSelfDelay, revocationKey: info.keys.revocationKey, broadcasterDelayedPaymentKey: info.keys.broadcasterDelayedPaymentKey,
      });
      const hs = htlcSigs[k]!;
      if (isHighS(hs) || !verifyInput(secp, tx, 0, o.witnessScript, o.htlc.amountMsat / 1000n, hs, theirHtlcKey, sighash)) {
        throw ChannelError.close(`invalid HTLC signature ${k} for our commitment ${info.n}`);
      }
    });
  }

  /** The holder commitment data for the monitor. */
  holderCommitmentData(info: CommitmentInfo, sig: Uint8Array, htlcSigs: Uint8Array[]) {
    return {
      commitmentNumber: info.n, feeratePerKw: info.feeratePerKw, toSelfValueMsat: info.toLocalMsat, toRemoteValueMsat: info.toRemoteMsat,
      htlcs: htlcDataOf(info), counterpartySignature: sig, counterpartyHtlcSignatures: htlcSigs, perCommitmentPoint: info.point,
    };
  }

  /** The counterparty commitment data for the monitor. */
  counterpartyCommitmentData(info: CommitmentInfo) {
    return {
      commitmentNumber: info.n, txid: info.built.txid, feeratePerKw: info.feeratePerKw, toBroadcasterValueMsat: info.toRemoteMsat,
      toCountersignatoryValueMsat: info.toLocalMsat, htlcs: htlcDataOf(info), perCommitmentPoint: info.point,
    };
  }

  // ---------------------------------------------------------------- confirmations and channel_ready

  /** The funding transaction confirmed at `height`, index `txIndex`. */
  fundingConfirmed(height: number, txIndex: number, rawTx: Uint8Array): void {
    if (this.s.fundingConfirmedHeight !== undefined) return;
    const tx = parseTx(rawTx);
    const out = tx.outputs[this.s.fundingOutpoint!.vout];
    if (!out || out.valueSat !== this.s.channelValueSat || !equalBytes(out.scriptPubkey, p2wsh(this.fundingScript))) {
      throw ChannelError.close('the confirmed funding transaction does not pay the channel value to the 2-of-2 script');
    }
    this.s.fundingConfirmedHeight = height;
    this.s.fundingTxIndex = txIndex;
    this.s.shortChannelId = (BigInt(height) << 40n) | (BigInt(txIndex) << 16n) | BigInt(this.s.fundingOutpoint!.vout);
  }

  /** A reorg took the funding transaction out of the chain. */
  fundingUnconfirmed(): void {
    this.s.fundingConfirmedHeight = undefined;
    this.s.fundingTxIndex = undefined;
  }

  /** Confirmations of the funding transaction at the current tip (0 if unconfirmed). */
  fundingDepth(): number {
    if (this.s.fundingConfirmedHeight === undefined) return 0;
    return this.ctx.bestBlock().height - this.s.fundingConfirmedHeight + 1;
  }

  /** On each new tip: send `channel_ready` at depth, then `announcement_signatures` at 6. */
  bestBlockUpdated(): void {
    if (this.s.phase !== 'Funded' || this.s.closing?.closingTx) return;
    const depth = this.fundingDepth();
    if (!this.s.channelReadySent && depth >= Math.max(1, this.s.minimumDepth) && this.s.connected && !this.s.awaitingReestablish) {
      this.s.channelReadySent = true;
      this.send(this.channelReadyMessage());
      this.maybeReady();
    }
    this.maybeSendAnnouncementSignatures();
  }

  channelReadyMessage(): KnownMessage {
    return makeMessage('channel_ready', { channelId: this.s.channelId, secondPerCommitmentPoint: this.signer.getPerCommitmentPoint(secretIndex(1n)) });
  }

  onChannelReady(secondPoint: Uint8Array): void {
    if (this.s.phase !== 'Funded') throw ChannelError.close(`channel_ready in phase ${this.s.phase}`);
    if (this.s.channelReadyReceived) {
      if (this.s.holderCtn === 0n && this.s.counterpartyNextPoint && !equalBytes(this.s.counterpartyNextPoint, secondPoint)) {
        throw ChannelError.close('a second channel_ready with a different per-commitment point');
      }
      return;
    }
    this.s.channelReadyReceived = true;
    this.s.counterpartyNextPoint = secondPoint;
    this.maybeReady();
    this.maybeSendAnnouncementSignatures();
  }

  private maybeReady(): void {
    if (!(this.s.channelReadySent && this.s.channelReadyReceived)) return;
    this.ctx.event({ type: 'ChannelReady', channelId: this.s.channelId, counterpartyNodeId: this.peer, userChannelId: this.s.userChannelId, shortChannelId: this.s.shortChannelId });
    // BOLT 7: a private channel's peer needs our channel_update to route to us (route hints).
    if (!this.s.announce && this.s.shortChannelId !== undefined) this.send(this.channelUpdate());
  }

  // ---------------------------------------------------------------- announcement (BOLT 7)

  private announcementHash(): { msg: ReturnType<typeof makeMessage<'channel_announcement'>>; hash: Uint8Array; weAreNode1: boolean } {
    const weAreNode1 = compareKeys(this.ctx.ourNodeId, this.peer) < 0;
    const us = { node: this.ctx.ourNodeId, btc: this.s.holderPubkeys.fundingPubkey };
    const them = { node: this.peer, btc: this.s.counterpartyPubkeys!.fundingPubkey };
    const [a, b] = weAreNode1 ? [us, them] : [them, us];
    const sig0 = new Uint8Array(64);
    const msg = makeMessage('channel_announcement', {
      nodeSignature1: sig0, nodeSignature2: sig0, bitcoinSignature1: sig0, bitcoinSignature2: sig0,
      features: new Uint8Array(0), chainHash: this.ctx.chainHash, shortChannelId: this.s.shortChannelId!,
      nodeId1: a.node, nodeId2: b.node, bitcoinKey1: a.btc, bitcoinKey2: b.btc,
    });
    const hash = sha256d(encodeMessage(msg).subarray(2 + 4 * 64));
    return { msg, hash, weAreNode1 };
  }

  maybeSendAnnouncementSignatures(): void {
    const s = this.s;
    if (!s.announce || s.announcementSigsSent || !s.channelReadySent || !s.channelReadyReceived || s.closing) return;
    if (this.fundingDepth() < ANNOUNCEMENT_DEPTH || !s.connected || s.awaitingReestablish) return;
    s.announcementSigsSent = true;
    this.send(this.announcementSignaturesMessage());
    this.maybeAnnounce();
  }

  announcementSignaturesMessage(): KnownMessage {
    const { hash } = this.announcementHash();
    return makeMessage('announcement_signatures', {
      channelId: this.s.channelId, shortChannelId: this.s.shortChannelId!,
      nodeSignature: this.ctx.nodeSigner.signGossipMessage(hash), bitcoinSignature: this.signer.signChannelAnnouncementWithFundingKey(hash),
    });
  }

  onAnnouncementSignatures(scid: bigint, nodeSignature: Uint8Array, bitcoinSignature: Uint8Array): void {
    const s = this.s;
    if (!s.announce) throw ChannelError.warn('announcement_signatures for a private channel');
    if (s.shortChannelId === undefined || scid !== s.shortChannelId) throw ChannelError.warn(`announcement_signatures for short_channel_id ${scid}, ours is ${s.shortChannelId}`);
    const { hash } = this.announcementHash();
    if (!this.ctx.secp.verify(nodeSignature, hash, this.peer)) throw ChannelError.close('announcement_signatures: invalid node_signature');
    if (!this.ctx.secp.verify(bitcoinSignature, hash, s.counterpartyPubkeys!.fundingPubkey)) throw ChannelError.close('announcement_signatures: invalid bitcoin_signature');
    s.theirAnnouncementSigs = { nodeSignature, bitcoinSignature };
    this.maybeAnnounce();
  }

  private maybeAnnounce(): void {
    const s = this.s;
    if (s.announced || !s.announcementSigsSent || !s.theirAnnouncementSigs) return;
    const { msg, hash, weAreNode1 } = this.announcementHash();
    const ourNode = this.ctx.nodeSigner.signGossipMessage(hash);
    const ourBtc = this.signer.signChannelAnnouncementWithFundingKey(hash);
    const t = s.theirAnnouncementSigs;
    const full = {
      ...msg,
      nodeSignature1: weAreNode1 ? ourNode : t.nodeSignature,
      nodeSignature2: weAreNode1 ? t.nodeSignature : ourNode,
      bitcoinSignature1: weAreNode1 ? ourBtc : t.bitcoinSignature,
      bitcoinSignature2: weAreNode1 ? t.bitcoinSignature : ourBtc,
    };
    s.announced = true;
    this.ctx.broadcastGossip(full);
    this.ctx.broadcastGossip(this.channelUpdate());
  }

  /** Our `channel_update` for this channel (BOLT 7), signed, with a timestamp newer than the last. */
  channelUpdate(): ReturnType<typeof makeMessage<'channel_update'>> {
    const s = this.s;
    const cfg = this.ctx.config.channelConfig;
    const weAreNode1 = compareKeys(this.ctx.ourNodeId, this.peer) < 0;
    const disabled = !(s.phase === 'Funded' && s.channelReadySent && s.channelReadyReceived && !s.closing && s.connected);
    const ts = Math.max(this.ctx.now(), s.lastUpdateTimestamp + 1);
    s.lastUpdateTimestamp = ts;
    const cap = s.channelValueSat * 1000n;
    const maxHtlc = s.theirParams!.maxHtlcValueInFlightMsat < cap ? s.theirParams!.maxHtlcValueInFlightMsat : cap;
    const unsigned = makeMessage('channel_update', {
      signature: new Uint8Array(64), chainHash: this.ctx.chainHash, shortChannelId: s.shortChannelId!, timestamp: ts,
      messageFlags: 1, channelFlags: (weAreNode1 ? 0 : 1) | (disabled ? 2 : 0), cltvExpiryDelta: cfg.cltvExpiryDelta,
      htlcMinimumMsat: s.theirParams!.htlcMinimumMsat, feeBaseMsat: cfg.forwardingFeeBaseMsat,
      feeProportionalMillionths: cfg.forwardingFeeProportionalMillionths, htlcMaximumMsat: maxHtlc,
    });
    const hash = sha256d(encodeMessage(unsigned).subarray(2 + 64));
    return { ...unsigned, signature: this.ctx.nodeSigner.signGossipMessage(hash) };
  }

  // ---------------------------------------------------------------- force close

  /**
   * Fails the channel (BOLT 5 "Failing a Channel"): tells the monitor to broadcast our latest
   * commitment — unless `broadcast` is false (the peer proved our state is stale). The channel
   * is `Closed` whatever the monitor answers (a closed channel never steps forward again, so
   * nothing waits on this update); returns the refused update's id if the `Watch` answered
   * `UnrecoverableError` (the monitor did NOT close: the caller surfaces it), else `undefined`.
   * Never throws for a refusal: closing runs inside message handling and error paths.
   */
  forceClose(broadcast: boolean): bigint | undefined {
    let refused: bigint | undefined;
    if (this.s.phase === 'Funded' && this.s.monitorCreated) {
      // The id is consumed even if refused: an id is never reused for different steps.
      const updateId = ++this.s.latestMonitorUpdateId;
      const status = this.ctx.watch.updateChannel({ channelId: this.s.channelId, updateId, steps: [{ type: 'ChannelForceClosed', shouldBroadcast: broadcast }] });
      if (status === 'UnrecoverableError') refused = updateId;
    }
    this.s.phase = 'Closed';
    this.held = [];
    return refused;
  }

  // ---------------------------------------------------------------- reconnection

  /** The peer disconnected: forget held messages; reestablish will regenerate them. */
  peerDisconnected(): void {
    this.s.connected = false;
    this.s.awaitingReestablish = false;
    this.held = [];
    if (this.s.closing) {
      // BOLT 2: closing negotiation restarts after reconnection.
      this.s.closing.lastSentFeeSat = undefined;
      this.s.closing.lastReceivedFeeSat = undefined;
      this.s.closing.theirFeeRange = undefined;
      this.s.closing.sentComplete = undefined;
      this.s.closing.repeatedAgreement = undefined;
    }
  }

  /** The peer connected: send `channel_reestablish` (BOLT 2 "Message Retransmission"). */
  peerConnected(): void {
    this.s.connected = true;
    this.s.awaitingReestablish = true;
    this.ctx.send(this.peer, this.reestablishMessage());
  }

  reestablishMessage(): ChannelReestablish {
    const s = this.s;
    return makeMessage('channel_reestablish', {
      channelId: s.channelId,
      nextCommitmentNumber: s.holderCtn + 1n,
      nextRevocationNumber: s.counterpartyOldestCtn,
      yourLastPerCommitmentSecret: s.lastCounterpartySecret ?? ZERO32,
      myCurrentPerCommitmentPoint: this.perCommitmentPoint(s.holderCtn),
    });
  }
}

/** Lexicographic order of node ids (BOLT 7 `node_id_1` < `node_id_2`). */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
