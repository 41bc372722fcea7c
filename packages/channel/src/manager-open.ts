/**
 * Channel establishment (BOLT 2 "Channel Establishment v1") of `ChannelManager`: the user's
 * `createChannel`, manual acceptance and funding calls, and the `open_channel`,
 * `accept_channel`, `funding_created` and `funding_signed` handlers. The per-channel checks
 * and state steps live in `channel/open.ts` and `channel/channel.ts`.
 */
import { txidFromInternalBytes } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { Features, makeMessage, type AcceptChannel, type FundingCreated, type FundingSigned, type OpenChannel } from '@ln/wire';
import { Channel, channelIdFromOutpoint } from './channel/channel.js';
import { checkAcceptChannel, checkOpenChannel, paramsOf, proposedChannelType } from './channel/open.js';
import type { SideParams } from './channel/state.js';
import { ApiError, ChannelError } from './errors.js';
import { ChannelManagerCore } from './manager-core.js';
import { fundingOutputScript, maxBig, minBig, newState } from './manager-types.js';

/** `ChannelManager`'s channel establishment: opening, accepting and funding channels. */
export abstract class ChannelManagerOpen extends ChannelManagerCore {
  // ================================================================ API

  /**
   * Opens a channel to a connected peer (BOLT 2 `open_channel`). Returns the temporary channel
   * id; a `FundingGenerationReady` event follows once the peer accepts.
   */
  createChannel(theirNodeId: Uint8Array, channelValueSat: bigint, pushMsat: bigint, userChannelId: bigint, overrides?: { announce?: boolean }): Uint8Array {
    const theirInit = this.peers.get(bytesToHex(theirNodeId));
    if (!theirInit) throw new ApiError('peer is not connected');
    if (pushMsat > channelValueSat * 1000n) throw new ApiError('push_msat is more than the channel value');
    const hc = this.config.channelHandshakeConfig;
    const anchors = hc.negotiateAnchors && theirInit.supports('option_anchors');
    const feerate = this.opts.fees.getEstSatPer1000Weight(anchors ? 'AnchorChannelFee' : 'NonAnchorChannelFee');
    const keysId = this.opts.keys.generateChannelKeysId(false, channelValueSat, userChannelId);
    const signer = this.opts.keys.deriveChannelSigner(channelValueSat, keysId);
    const ourParams = this.ourParams(channelValueSat, hc.ourDustLimitSat);
    const tempId = this.opts.keys.getSecureRandomBytes();
    const channelType = proposedChannelType(theirInit, this.config);
    const announce = overrides?.announce ?? hc.announceForForwardedHtlcs;
    const s = newState({
      temporaryChannelId: tempId, counterpartyNodeId: theirNodeId, userChannelId, isOutbound: true, announce, channelType, anchors,
      channelValueSat, pushMsat, channelKeysId: keysId, holderPubkeys: signer.pubkeys, ourParams, minimumDepth: hc.minimumDepth, initialFeeratePerKw: feerate,
    });
    s.phase = 'OutboundAwaitingAccept';
    s.connected = true;
    const ch = new Channel(this.ctx, s, signer);
    this.channels.push(ch);
    const pk = signer.pubkeys;
    ch.send(makeMessage('open_channel', {
      chainHash: this.opts.chainHash, temporaryChannelId: tempId, fundingSatoshis: channelValueSat, pushMsat,
      dustLimitSatoshis: ourParams.dustLimitSat, maxHtlcValueInFlightMsat: ourParams.maxHtlcValueInFlightMsat, channelReserveSatoshis: ourParams.channelReserveSat,
      htlcMinimumMsat: ourParams.htlcMinimumMsat, feeratePerKw: feerate, toSelfDelay: ourParams.toSelfDelay, maxAcceptedHtlcs: ourParams.maxAcceptedHtlcs,
      fundingPubkey: pk.fundingPubkey, revocationBasepoint: pk.revocationBasepoint, paymentBasepoint: pk.paymentPoint,
      delayedPaymentBasepoint: pk.delayedPaymentBasepoint, htlcBasepoint: pk.htlcBasepoint,
      firstPerCommitmentPoint: signer.getPerCommitmentPoint((1n << 48n) - 1n), channelFlags: announce ? 1 : 0,
      tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType },
    }));
    return tempId;
  }

  private ourParams(channelValueSat: bigint, theirDust: bigint): SideParams {
    const hc = this.config.channelHandshakeConfig;
    let reserve = (channelValueSat * BigInt(hc.theirChannelReserveProportionalMillionths)) / 1_000_000n;
    for (const floor of [1000n, hc.ourDustLimitSat, theirDust]) if (reserve < floor) reserve = floor;
    return {
      dustLimitSat: hc.ourDustLimitSat,
      // The configured share of the channel, but at least min(channel, 100,000 sat): peers such as Electrum refuse less.
      maxHtlcValueInFlightMsat: maxBig((channelValueSat * 1000n * BigInt(hc.maxInboundHtlcValueInFlightPercent)) / 100n, minBig(channelValueSat * 1000n, 100_000_000n)),
      channelReserveSat: reserve,
      htlcMinimumMsat: hc.ourHtlcMinimumMsat,
      toSelfDelay: hc.ourToSelfDelay,
      maxAcceptedHtlcs: hc.ourMaxAcceptedHtlcs,
    };
  }

  /** Accepts an inbound channel raised by an `OpenChannelRequest` event. */
  acceptInboundChannel(temporaryChannelId: Uint8Array, theirNodeId: Uint8Array, userChannelId: bigint): void {
    const ch = this.find(theirNodeId, temporaryChannelId);
    if (!ch || ch.s.phase !== 'InboundAwaitingUser') throw new ApiError('no inbound channel request with that id');
    (ch.s as { userChannelId: bigint }).userChannelId = userChannelId;
    this.sendAccept(ch);
  }

  /** Rejects an inbound channel request: the peer gets an `error` for that channel. */
  rejectInboundChannel(temporaryChannelId: Uint8Array, theirNodeId: Uint8Array): void {
    const ch = this.find(theirNodeId, temporaryChannelId);
    if (!ch || ch.s.phase !== 'InboundAwaitingUser') throw new ApiError('no inbound channel request with that id');
    this.remove(ch);
    this.sendError(theirNodeId, temporaryChannelId, 'channel rejected by the user');
  }

  /** The funding transaction for a `FundingGenerationReady` event (signed, not broadcast: we broadcast it after `funding_signed`). */
  fundingTransactionGenerated(temporaryChannelId: Uint8Array, theirNodeId: Uint8Array, fundingTx: Uint8Array): void {
    const ch = this.find(theirNodeId, temporaryChannelId);
    if (!ch) throw new ApiError('no channel with that temporary id');
    this.guard(ch, () => ch.fundingTransactionGenerated(fundingTx, (id) => this.channelIdInUse(id)), true);
  }

  // ================================================================ ChannelMessageHandler: establishment

  handleOpenChannel(theirNodeId: Uint8Array, msg: OpenChannel): void {
    const theirInit = this.peers.get(bytesToHex(theirNodeId)) ?? Features.empty();
    const fail = (message: string) => this.sendError(theirNodeId, msg.temporaryChannelId, message);
    if (!this.config.acceptInboundChannels) return fail('we do not accept inbound channels');
    const existing = this.find(theirNodeId, msg.temporaryChannelId);
    if (existing) {
      if (existing.s.phase === 'InboundAwaitingUser' || existing.s.phase === 'InboundAwaitingFundingCreated') this.remove(existing); // BOLT 2: a new open_channel replaces one not yet funded
      else return fail('temporary_channel_id already in use');
    }
    const ourParams = this.ourParams(msg.fundingSatoshis, msg.dustLimitSatoshis);
    let facts: { anchors: boolean; announce: boolean };
    try {
      facts = checkOpenChannel(this.secp, msg, { chainHash: this.opts.chainHash, config: this.config, fees: this.opts.fees, ourParams, theirInit, ourInit: this.providedInitFeatures(theirNodeId) });
    } catch (e) {
      if (e instanceof ChannelError) {
        this.log.warn(`rejecting open_channel: ${e.message}`);
        return fail(e.message);
      }
      throw e;
    }
    const keysId = this.opts.keys.generateChannelKeysId(true, msg.fundingSatoshis, 0n);
    const signer = this.opts.keys.deriveChannelSigner(msg.fundingSatoshis, keysId);
    const s = newState({
      temporaryChannelId: msg.temporaryChannelId, counterpartyNodeId: theirNodeId, userChannelId: 0n, isOutbound: false, announce: facts.announce,
      channelType: msg.tlvs.channelType!, anchors: facts.anchors, channelValueSat: msg.fundingSatoshis, pushMsat: msg.pushMsat, channelKeysId: keysId,
      holderPubkeys: signer.pubkeys, ourParams, minimumDepth: this.config.channelHandshakeConfig.minimumDepth, initialFeeratePerKw: msg.feeratePerKw,
    });
    s.phase = 'InboundAwaitingUser';
    s.connected = true;
    s.theirParams = paramsOf(msg);
    s.counterpartyPubkeys = { fundingPubkey: msg.fundingPubkey, revocationBasepoint: msg.revocationBasepoint, paymentPoint: msg.paymentBasepoint, delayedPaymentBasepoint: msg.delayedPaymentBasepoint, htlcBasepoint: msg.htlcBasepoint };
    s.counterpartyCurrentPoint = msg.firstPerCommitmentPoint;
    if (msg.tlvs.upfrontShutdownScript) s.theirUpfrontShutdownScript = msg.tlvs.upfrontShutdownScript;
    const ch = new Channel(this.ctx, s, signer);
    this.channels.push(ch);
    if (this.config.manuallyAcceptInboundChannels) {
      this.events.push({ type: 'OpenChannelRequest', temporaryChannelId: msg.temporaryChannelId, counterpartyNodeId: theirNodeId, fundingSatoshis: msg.fundingSatoshis, pushMsat: msg.pushMsat, announced: facts.announce, channelType: msg.tlvs.channelType! });
    } else this.sendAccept(ch);
  }

  private sendAccept(ch: Channel): void {
    const s = ch.s;
    const p = s.ourParams;
    const pk = ch.signer.pubkeys;
    s.phase = 'InboundAwaitingFundingCreated';
    ch.send(makeMessage('accept_channel', {
      temporaryChannelId: s.temporaryChannelId, dustLimitSatoshis: p.dustLimitSat, maxHtlcValueInFlightMsat: p.maxHtlcValueInFlightMsat,
      channelReserveSatoshis: p.channelReserveSat, htlcMinimumMsat: p.htlcMinimumMsat, minimumDepth: s.minimumDepth, toSelfDelay: p.toSelfDelay,
      maxAcceptedHtlcs: p.maxAcceptedHtlcs, fundingPubkey: pk.fundingPubkey, revocationBasepoint: pk.revocationBasepoint, paymentBasepoint: pk.paymentPoint,
      delayedPaymentBasepoint: pk.delayedPaymentBasepoint, htlcBasepoint: pk.htlcBasepoint, firstPerCommitmentPoint: ch.signer.getPerCommitmentPoint((1n << 48n) - 1n),
      tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType: s.channelType },
    }));
  }

  handleAcceptChannel(theirNodeId: Uint8Array, msg: AcceptChannel): void {
    this.withChannel(theirNodeId, msg.temporaryChannelId, 'accept_channel', (ch) => {
      const s = ch.s;
      if (s.phase !== 'OutboundAwaitingAccept') throw ChannelError.close(`accept_channel in phase ${s.phase}`);
      checkAcceptChannel(this.secp, msg, { config: this.config, ourParams: s.ourParams, fundingSat: s.channelValueSat, sentChannelType: s.channelType, pushMsat: s.pushMsat, feeratePerKw: s.initialFeeratePerKw, anchors: s.anchors });
      s.theirParams = paramsOf(msg);
      s.counterpartyPubkeys = { fundingPubkey: msg.fundingPubkey, revocationBasepoint: msg.revocationBasepoint, paymentPoint: msg.paymentBasepoint, delayedPaymentBasepoint: msg.delayedPaymentBasepoint, htlcBasepoint: msg.htlcBasepoint };
      s.counterpartyCurrentPoint = msg.firstPerCommitmentPoint;
      s.minimumDepth = msg.minimumDepth;
      if (msg.tlvs.upfrontShutdownScript) s.theirUpfrontShutdownScript = msg.tlvs.upfrontShutdownScript;
      s.phase = 'OutboundAwaitingFunding';
      this.events.push({ type: 'FundingGenerationReady', temporaryChannelId: s.temporaryChannelId, counterpartyNodeId: theirNodeId, channelValueSat: s.channelValueSat, outputScript: fundingOutputScript(ch), userChannelId: s.userChannelId });
    });
  }

  handleFundingCreated(theirNodeId: Uint8Array, msg: FundingCreated): void {
    const id = channelIdFromOutpoint({ txid: txidFromInternalBytes(msg.fundingTxid), vout: msg.fundingOutputIndex });
    if (this.channelIdInUse(id)) {
      // A funding outpoint of another channel: refuse this channel only, before any monitor is involved.
      const ch = this.find(theirNodeId, msg.temporaryChannelId);
      this.sendError(theirNodeId, msg.temporaryChannelId, 'funding_created: that funding outpoint belongs to another channel');
      if (ch) this.closeWith(ch, { type: 'FundingAborted', message: 'funding_created reused the funding outpoint of another channel' }, false);
      return;
    }
    this.withChannel(theirNodeId, msg.temporaryChannelId, 'funding_created', (ch) => ch.onFundingCreated(msg.fundingTxid, msg.fundingOutputIndex, msg.signature));
  }

  /** Whether a channel id is taken by a live channel or a closed one whose monitor still exists. */
  protected channelIdInUse(id: Uint8Array): boolean {
    return this.channels.some((c) => c.s.phase === 'Funded' && equalBytes(c.channelId, id)) || this.closedMonitors.has(bytesToHex(id));
  }

  handleFundingSigned(theirNodeId: Uint8Array, msg: FundingSigned): void {
    this.withChannel(theirNodeId, msg.channelId, 'funding_signed', (ch) => ch.onFundingSigned(msg.signature));
  }
}
