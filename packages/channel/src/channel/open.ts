/**
 * BOLT 2 "Channel Establishment" v1: the receiver-side checks of `open_channel` and
 * `accept_channel`, and `channel_type` negotiation. Each failed check throws a
 * {@link ChannelError} of kind `close` whose message quotes the rule and the value.
 */
import type { Secp256k1 } from '@ln/crypto';
import { equalBytes } from '@ln/crypto';
import { Features, type AcceptChannel, type OpenChannel } from '@ln/wire';
import { commitmentFeeSat, ANCHOR_OUTPUT_VALUE_SAT } from '@ln/transactions';
import type { FeeEstimator } from '@ln/chain-interfaces';
import type { UserConfig } from '../config.js';
import { ChannelError } from '../errors.js';
import type { SideParams } from './state.js';

/** BOLT 2: `max_accepted_htlcs` may not exceed 483. */
export const MAX_ACCEPTED_HTLCS_LIMIT = 483;
/** BOLT 3 "Dust Limits": `dust_limit_satoshis` must be at least 354. */
export const MIN_DUST_LIMIT_SAT = 354n;

/** Bits of the two basic channel types (BOLT 2 "Defined Channel Types"). */
const STATIC_REMOTEKEY_BIT = 12;
const ANCHORS_BIT = 22;
const SCID_ALIAS_BIT = 46;
const ZEROCONF_BIT = 50;

/** The `channel_type` bytes we propose to a peer with the given `init` features. */
export function proposedChannelType(theirInit: Features, config: UserConfig): Uint8Array {
  let f = Features.empty().withRequired('option_static_remotekey');
  if (config.channelHandshakeConfig.negotiateAnchors && theirInit.supports('option_anchors')) f = f.withRequired('option_anchors');
  return f.toBytes();
}

/** Decodes and checks a `channel_type`: one of the defined types, with static remote key; returns whether it has anchors. */
export function checkChannelType(bytes: Uint8Array | undefined, config: UserConfig, announce: boolean): { anchors: boolean } {
  if (bytes === undefined) throw ChannelError.close('channel_type is missing (BOLT 2: the receiver MUST fail the channel)');
  const f = Features.fromBytes(bytes);
  const bits = f.setBits();
  const allowed = new Set([STATIC_REMOTEKEY_BIT, ANCHORS_BIT, SCID_ALIAS_BIT, ZEROCONF_BIT]);
  for (const b of bits) if (!allowed.has(b)) throw ChannelError.close(`channel_type has unsupported bit ${b}`);
  if (!f.hasBit(STATIC_REMOTEKEY_BIT)) throw ChannelError.close('channel_type is not suitable: option_static_remotekey is required');
  if (f.hasBit(ZEROCONF_BIT)) throw ChannelError.close('channel_type includes option_zeroconf and we do not trust the sender with an unconfirmed channel');
  if (f.hasBit(SCID_ALIAS_BIT) && announce) throw ChannelError.close('channel_type has option_scid_alias on an announced channel');
  const anchors = f.hasBit(ANCHORS_BIT);
  if (anchors && !config.channelHandshakeConfig.negotiateAnchors) throw ChannelError.close('channel_type has option_anchors, which we do not accept');
  return { anchors };
}

function checkPoints(secp: Secp256k1, m: { fundingPubkey: Uint8Array; revocationBasepoint: Uint8Array; paymentBasepoint: Uint8Array; delayedPaymentBasepoint: Uint8Array; htlcBasepoint: Uint8Array; firstPerCommitmentPoint: Uint8Array }): void {
  for (const k of ['fundingPubkey', 'revocationBasepoint', 'paymentBasepoint', 'delayedPaymentBasepoint', 'htlcBasepoint', 'firstPerCommitmentPoint'] as const) {
    if (!secp.isValidPublicKey(m[k])) throw ChannelError.close(`${k} is not a valid secp256k1 public key in compressed format`);
  }
}

/** Checks common to `open_channel` and `accept_channel` (BOLT 2 "MUST fail the channel if"). */
function checkCommon(p: SideParams, fundingSat: bigint, config: UserConfig): void {
  const l = config.channelHandshakeLimits;
  if (p.toSelfDelay > l.theirToSelfDelay) throw ChannelError.close(`to_self_delay ${p.toSelfDelay} is unreasonably large (our limit is ${l.theirToSelfDelay})`);
  if (p.maxAcceptedHtlcs > MAX_ACCEPTED_HTLCS_LIMIT) throw ChannelError.close(`max_accepted_htlcs ${p.maxAcceptedHtlcs} is greater than 483`);
  if (p.maxAcceptedHtlcs < l.minMaxAcceptedHtlcs) throw ChannelError.close(`max_accepted_htlcs ${p.maxAcceptedHtlcs} is too small (we want at least ${l.minMaxAcceptedHtlcs})`);
  if (p.dustLimitSat < MIN_DUST_LIMIT_SAT) throw ChannelError.close(`dust_limit_satoshis ${p.dustLimitSat} is smaller than 354 satoshis`);
  if (p.dustLimitSat > l.maxDustLimitSatoshis) throw ChannelError.close(`dust_limit_satoshis ${p.dustLimitSat} is too large (our limit is ${l.maxDustLimitSatoshis})`);
  if (p.htlcMinimumMsat > l.maxHtlcMinimumMsat) throw ChannelError.close(`htlc_minimum_msat ${p.htlcMinimumMsat} is too large (our limit is ${l.maxHtlcMinimumMsat})`);
  if (p.maxHtlcValueInFlightMsat < l.minMaxHtlcValueInFlightMsat) throw ChannelError.close(`max_htlc_value_in_flight_msat ${p.maxHtlcValueInFlightMsat} is too small`);
  const maxReserve = (fundingSat * BigInt(l.maxChannelReserveProportionalMillionths)) / 1_000_000n;
  if (p.channelReserveSat > maxReserve) throw ChannelError.close(`channel_reserve_satoshis ${p.channelReserveSat} is too large (more than ${maxReserve} sat of a ${fundingSat} sat channel)`);
}

/** Checks the feerate a funder proposed: not below what lets the commitment confirm, not absurd. */
export function checkFeerate(feeratePerKw: number, anchors: boolean, fees: FeeEstimator): void {
  const min = fees.getEstSatPer1000Weight(anchors ? 'MinAllowedAnchorChannelRemoteFee' : 'MinAllowedNonAnchorChannelRemoteFee');
  const max = fees.getEstSatPer1000Weight('MaximumFeeEstimate');
  if (feeratePerKw < 253) throw ChannelError.close(`feerate_per_kw ${feeratePerKw} is too small for timely processing (minimum 253)`);
  if (feeratePerKw < min) throw ChannelError.close(`feerate_per_kw ${feeratePerKw} is too small for timely processing (we want at least ${min})`);
  if (feeratePerKw > max) throw ChannelError.close(`feerate_per_kw ${feeratePerKw} is unreasonably large (more than ${max})`);
}

/** The side parameters of an `open_channel` or `accept_channel`. */
export function paramsOf(m: OpenChannel | AcceptChannel): SideParams {
  return {
    dustLimitSat: m.dustLimitSatoshis,
    maxHtlcValueInFlightMsat: m.maxHtlcValueInFlightMsat,
    channelReserveSat: m.channelReserveSatoshis,
    htlcMinimumMsat: m.htlcMinimumMsat,
    toSelfDelay: m.toSelfDelay,
    maxAcceptedHtlcs: m.maxAcceptedHtlcs,
  };
}

/** Every receiver-side check of BOLT 2 `open_channel`. Returns the negotiated channel type facts. */
export function checkOpenChannel(
  secp: Secp256k1,
  m: OpenChannel,
  ctx: { chainHash: Uint8Array; config: UserConfig; fees: FeeEstimator; ourParams: SideParams; theirInit: Features; ourInit: Features },
): { anchors: boolean; announce: boolean } {
  const { config } = ctx;
  const l = config.channelHandshakeLimits;
  if (!equalBytes(m.chainHash, ctx.chainHash)) throw ChannelError.close('chain_hash is a chain unknown to us');
  const announce = (m.channelFlags & 1) === 1;
  const { anchors } = checkChannelType(m.tlvs.channelType, config, announce);
  if (m.pushMsat > m.fundingSatoshis * 1000n) throw ChannelError.close(`push_msat ${m.pushMsat} is greater than funding_satoshis * 1000 (${m.fundingSatoshis * 1000n})`);
  const large = ctx.theirInit.supports('option_support_large_channel') && ctx.ourInit.supports('option_support_large_channel');
  if (m.fundingSatoshis >= 1n << 24n && !large) throw ChannelError.close(`funding_satoshis ${m.fundingSatoshis} is at least 2^24 and option_support_large_channel was not negotiated`);
  if (m.fundingSatoshis < l.minFundingSatoshis) throw ChannelError.close(`funding_satoshis ${m.fundingSatoshis} is too small (we want at least ${l.minFundingSatoshis})`);
  if (m.fundingSatoshis > l.maxFundingSatoshis && !large) throw ChannelError.close(`funding_satoshis ${m.fundingSatoshis} is more than we accept (${l.maxFundingSatoshis})`);
  if (l.forceAnnouncedChannelPreference && announce !== config.channelHandshakeConfig.announceForForwardedHtlcs) {
    throw ChannelError.close(`announce_channel is ${announce}, but we want ${config.channelHandshakeConfig.announceForForwardedHtlcs}`);
  }
  checkPoints(secp, m);
  const theirs = paramsOf(m);
  checkCommon(theirs, m.fundingSatoshis, config);
  if (theirs.dustLimitSat > theirs.channelReserveSat) throw ChannelError.close(`dust_limit_satoshis ${theirs.dustLimitSat} is greater than channel_reserve_satoshis ${theirs.channelReserveSat}`);
  checkFeerate(m.feeratePerKw, anchors, ctx.fees);
  checkInitialAmounts(m.fundingSatoshis, m.pushMsat, m.feeratePerKw, anchors, ctx.ourParams, theirs);
  return { anchors, announce };
}

/**
 * BOLT 2: the funder must afford the full fee of the initial commitment, and not both
 * `to_local` and `to_remote` may be at or below the reserve.
 */
export function checkInitialAmounts(fundingSat: bigint, pushMsat: bigint, feeratePerKw: number, anchors: boolean, fundeeParams: SideParams, funderParams: SideParams): void {
  const funderMsat = fundingSat * 1000n - pushMsat;
  const feeSat = commitmentFeeSat(feeratePerKw, 0, anchors) + (anchors ? 2n * ANCHOR_OUTPUT_VALUE_SAT : 0n);
  if (funderMsat < feeSat * 1000n) throw ChannelError.close(`the funder's amount ${funderMsat} msat is not sufficient for full fee payment (${feeSat} sat)`);
  const toFunder = funderMsat / 1000n - feeSat;
  const toFundee = pushMsat / 1000n;
  // The funder keeps the reserve the fundee asked for; the fundee keeps the one the funder asked for.
  if (toFunder <= fundeeParams.channelReserveSat && toFundee <= funderParams.channelReserveSat) {
    throw ChannelError.close(`both to_local (${toFunder} sat) and to_remote (${toFundee} sat) are at or below channel_reserve_satoshis`);
  }
}

/** Every receiver-side check of BOLT 2 `accept_channel`, given the `open_channel` we sent. */
export function checkAcceptChannel(
  secp: Secp256k1,
  m: AcceptChannel,
  ctx: { config: UserConfig; ourParams: SideParams; fundingSat: bigint; sentChannelType: Uint8Array; pushMsat?: bigint; feeratePerKw?: number; anchors?: boolean },
): void {
  const l = ctx.config.channelHandshakeLimits;
  if (m.minimumDepth > l.maxMinimumDepth) throw ChannelError.close(`minimum_depth ${m.minimumDepth} is unreasonably large (our limit is ${l.maxMinimumDepth})`);
  const theirs = paramsOf(m);
  if (theirs.channelReserveSat < ctx.ourParams.dustLimitSat) {
    throw ChannelError.close(`channel_reserve_satoshis ${theirs.channelReserveSat} is less than dust_limit_satoshis ${ctx.ourParams.dustLimitSat} of our open_channel`);
  }
  if (ctx.ourParams.channelReserveSat < theirs.dustLimitSat) {
    throw ChannelError.close(`channel_reserve_satoshis ${ctx.ourParams.channelReserveSat} of our open_channel is less than their dust_limit_satoshis ${theirs.dustLimitSat}`);
  }
  if (m.tlvs.channelType === undefined) throw ChannelError.close('channel_type is missing (BOLT 2: the receiver MUST fail the channel)');
  if (!equalBytes(m.tlvs.channelType, ctx.sentChannelType)) throw ChannelError.close('channel_type does not match the channel_type of open_channel');
  // "The other fields have the same requirements as their counterparts in open_channel":
  if (theirs.dustLimitSat > theirs.channelReserveSat) {
    throw ChannelError.close(`dust_limit_satoshis ${theirs.dustLimitSat} is greater than channel_reserve_satoshis ${theirs.channelReserveSat}`);
  }
  checkPoints(secp, m);
  checkCommon(theirs, ctx.fundingSat, ctx.config);
  // ...and the initial amounts, now with the reserve they ask of us.
  if (ctx.feeratePerKw !== undefined) checkInitialAmounts(ctx.fundingSat, ctx.pushMsat ?? 0n, ctx.feeratePerKw, ctx.anchors ?? false, theirs, ctx.ourParams);
}
