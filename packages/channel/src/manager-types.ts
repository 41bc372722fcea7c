/**
 * The data types of `ChannelManager`'s API (options, channel details, restore options) and the
 * small helpers the manager uses to create channel state.
 */
import type { BestBlock, BroadcasterInterface, FeeEstimator, KeysInterface, Logger, OutPoint, Watch } from '@ln/chain-interfaces';
import { sha256 as sha256Of, type Secp256k1, type SymmetricCrypto } from '@ln/crypto';
import type { EcdsaChannelSigner } from '@ln/transactions';
import type { Channel } from './channel/channel.js';
import { commitmentBalances } from './channel/commitment.js';
import { availableOutboundMsat } from './channel/limits.js';
import type { ChannelState, SideParams } from './channel/state.js';
import type { UserConfigOverrides } from './config.js';

/** What a `ChannelManager` is built from. */
export interface ChannelManagerOptions {
  /** BOLT 1 `chain_hash` of the chain we operate on. */
  readonly chainHash: Uint8Array;
  readonly keys: KeysInterface<EcdsaChannelSigner>;
  readonly watch: Watch;
  readonly fees: FeeEstimator;
  readonly broadcaster: BroadcasterInterface;
  readonly bestBlock: BestBlock;
  readonly config?: UserConfigOverrides;
  readonly logger?: Logger;
  readonly secp?: Secp256k1;
  /** Hashes, HMAC and ChaCha20 for the onion (default: `@ln/crypto`'s pure-JS implementation). */
  readonly sym?: SymmetricCrypto;
  /** Clock for `channel_update` timestamps (seconds); defaults to the last block time. */
  readonly now?: () => number;
}

/** A channel as `listChannels` shows it. */
export interface ChannelDetails {
  readonly channelId: Uint8Array;
  readonly counterpartyNodeId: Uint8Array;
  readonly userChannelId: bigint;
  readonly phase: ChannelState['phase'];
  readonly isOutbound: boolean;
  readonly isAnnounced: boolean;
  readonly isChannelReady: boolean;
  /** Ready, connected and not closing. */
  readonly isUsable: boolean;
  readonly channelValueSat: bigint;
  readonly fundingTxo?: OutPoint;
  readonly shortChannelId?: bigint;
  readonly confirmations: number;
  /** Our balance on our current commitment, msat. */
  readonly balanceMsat: bigint;
  /** What we can send in a new HTLC now (after reserve and fees), msat. */
  readonly outboundCapacityMsat: bigint;
  /** The most a single new HTLC may carry now (capacity, the peer's in-flight limit), msat. */
  readonly nextOutboundHtlcLimitMsat: bigint;
  /** The least a new HTLC must carry (the peer's `htlc_minimum_msat`), msat. */
  readonly nextOutboundHtlcMinimumMsat: bigint;
  /** Our forwarding policy's fee and CLTV delta for HTLCs coming in over this channel from the counterparty's side (their `channel_update`), when known. */
  readonly counterpartyForwardingInfo?: { readonly feeBaseMsat: number; readonly feeProportionalMillionths: number; readonly cltvExpiryDelta: number };
  /** What the counterparty could send us (their balance less their reserve), msat. */
  readonly inboundCapacityMsat: bigint;
  readonly isClosing: boolean;
}

/** What {@link ChannelManager.deserialize} may learn from the monitors loaded beside it. */
export interface RestoreOptions {
  /**
   * The latest update id each loaded monitor has applied (`@ln/monitor`'s
   * `ChainMonitor.listMonitors()` or equivalent). Monitor updates that were in flight when
   * the manager was persisted are then marked durable (the monitor has them) or handed to the
   * `Watch` again (it lacks them). A monitor *ahead* of the manager (the manager was restored
   * from an older state) has its channel force-closed from the monitor's state, as LDK does.
   * Without it, in-flight updates stay pending until the `Watch` reports them `Completed`.
   */
  readonly monitors?: readonly { readonly channelId: Uint8Array; readonly latestUpdateId: bigint }[];
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** The P2WSH output script of a channel's funding output (BOLT 3 "Funding Transaction Output"). */
export function fundingOutputScript(ch: Channel): Uint8Array {
  const script = ch.fundingScript;
  // P2WSH of the 2-of-2 (BOLT 3 "Funding Transaction Output").
  return Uint8Array.from([0x00, 0x20, ...sha256Of(script)]);
}


/** A fresh channel state (before `open_channel`/`accept_channel`). */
export function newState(p: {
  temporaryChannelId: Uint8Array; counterpartyNodeId: Uint8Array; userChannelId: bigint; isOutbound: boolean; announce: boolean; channelType: Uint8Array;
  anchors: boolean; channelValueSat: bigint; pushMsat: bigint; channelKeysId: Uint8Array; holderPubkeys: ChannelState['holderPubkeys']; ourParams: SideParams;
  minimumDepth: number; initialFeeratePerKw: number;
}): ChannelState {
  const total = p.channelValueSat * 1000n;
  const funderMsat = total - p.pushMsat;
  return {
    phase: 'OutboundAwaitingAccept', temporaryChannelId: p.temporaryChannelId, channelId: p.temporaryChannelId, counterpartyNodeId: p.counterpartyNodeId,
    userChannelId: p.userChannelId, isOutbound: p.isOutbound, announce: p.announce, channelType: p.channelType, anchors: p.anchors,
    channelValueSat: p.channelValueSat, pushMsat: p.pushMsat, channelKeysId: p.channelKeysId, holderPubkeys: p.holderPubkeys, ourParams: p.ourParams,
    minimumDepth: p.minimumDepth, initialFeeratePerKw: p.initialFeeratePerKw,
    holderCtn: 0n, counterpartyOldestCtn: 0n, counterpartyLatestCtn: 0n,
    baseToLocalMsat: p.isOutbound ? funderMsat : p.pushMsat, baseToRemoteMsat: p.isOutbound ? p.pushMsat : funderMsat, baseFeeratePerKw: p.initialFeeratePerKw,
    htlcs: [], feeUpdates: [], nextOutboundHtlcId: 0n, nextInboundHtlcId: 0n, holdingCell: [],
    latestMonitorUpdateId: 0n, completedMonitorUpdateId: 0n, monitorCreated: false,
    channelReadySent: false, channelReadyReceived: false, announcementSigsSent: false, announced: false, lastUpdateTimestamp: 0,
    connected: false, awaitingReestablish: false,
  };
}

/** A channel as `listChannels` shows it. */
export function channelDetails(c: Channel): ChannelDetails {
  const s = c.s;
  const funded = s.phase === 'Funded';
  const bal = funded ? commitmentBalances(s, 'local', s.holderCtn) : { toLocalMsat: s.baseToLocalMsat, toRemoteMsat: s.baseToRemoteMsat };
  const theirReserve = s.ourParams.channelReserveSat * 1000n;
  return {
    channelId: s.channelId, counterpartyNodeId: s.counterpartyNodeId, userChannelId: s.userChannelId, phase: s.phase, isOutbound: s.isOutbound,
    isAnnounced: s.announce, isChannelReady: s.channelReadySent && s.channelReadyReceived, isUsable: c.isUsable, channelValueSat: s.channelValueSat,
    ...(s.fundingOutpoint ? { fundingTxo: s.fundingOutpoint } : {}), ...(s.shortChannelId !== undefined ? { shortChannelId: s.shortChannelId } : {}),
    confirmations: funded ? c.fundingDepth() : 0, balanceMsat: bal.toLocalMsat,
    outboundCapacityMsat: c.isUsable ? availableOutboundMsat(c) : 0n,
    nextOutboundHtlcLimitMsat: c.isUsable ? minBig(availableOutboundMsat(c), s.theirParams!.maxHtlcValueInFlightMsat) : 0n,
    nextOutboundHtlcMinimumMsat: s.theirParams?.htlcMinimumMsat ?? 0n,
    ...(s.counterpartyForwardingPolicy ? { counterpartyForwardingInfo: s.counterpartyForwardingPolicy } : {}),
    inboundCapacityMsat: bal.toRemoteMsat > theirReserve ? bal.toRemoteMsat - theirReserve : 0n,
    isClosing: !!s.closing,
  };
}
