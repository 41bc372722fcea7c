/**
 * `UserConfig`: how a `ChannelManager` opens, accepts and operates channels (LDK's
 * `UserConfig`, `ChannelHandshakeConfig`, `ChannelHandshakeLimits`, `ChannelConfig`).
 * Every field has a documented default; pass a partial object to override some.
 */

/** Our side's parameters for new channels (the values we put in `open_channel`/`accept_channel`, BOLT 2). */
export interface ChannelHandshakeConfig {
  /** Confirmations we require before sending `channel_ready` (as fundee this is `accept_channel.minimum_depth`). Default 3. */
  readonly minimumDepth: number;
  /** `to_self_delay` we impose on the counterparty's `to_local` outputs, in blocks. Default 144. */
  readonly ourToSelfDelay: number;
  /** `htlc_minimum_msat` we accept. Default 1. */
  readonly ourHtlcMinimumMsat: bigint;
  /** `max_htlc_value_in_flight_msat` as a percentage of the channel value (1..100), but never below min(channel value, 100,000 sat). Default 10. */
  readonly maxInboundHtlcValueInFlightPercent: number;
  /** `max_accepted_htlcs` we accept (at most 483). Default 50. */
  readonly ourMaxAcceptedHtlcs: number;
  /** `channel_reserve_satoshis` we ask of the counterparty, in millionths of the channel value (at least our dust limit). Default 10,000 (1%). */
  readonly theirChannelReserveProportionalMillionths: number;
  /** Our `dust_limit_satoshis`. Default 354 (BOLT 3 "Dust Limits": at least 354). */
  readonly ourDustLimitSat: bigint;
  /** Whether channels we open are announced (`channel_flags` bit 0, BOLT 7). Default `false`. */
  readonly announceForForwardedHtlcs: boolean;
  /** Offer `option_anchors` (zero-fee HTLC transactions) in `channel_type` when the peer supports it. Default `false`. */
  readonly negotiateAnchors: boolean;
  /** Include `fee_range` in `closing_signed` (BOLT 2). Default `true`; `false` negotiates the fee the older way, by rounds. */
  readonly closingFeeRange: boolean;
  /** Offer `option_simple_close` (`closing_complete`/`closing_sig`); used when both peers support it. Default `true`. */
  readonly negotiateSimpleClose: boolean;
}

/** Limits on what we accept from a counterparty's `open_channel`/`accept_channel` (BOLT 2 receiver checks). */
export interface ChannelHandshakeLimits {
  /** Smallest `funding_satoshis` we accept. Default 1,000. */
  readonly minFundingSatoshis: bigint;
  /** Largest `funding_satoshis` (below 2^24 unless `option_support_large_channel`). Default 2^24 - 1. */
  readonly maxFundingSatoshis: bigint;
  /** Largest `htlc_minimum_msat` we accept. Default 10,000,000 msat. */
  readonly maxHtlcMinimumMsat: bigint;
  /** Smallest `max_htlc_value_in_flight_msat` we accept. Default 0. */
  readonly minMaxHtlcValueInFlightMsat: bigint;
  /** Largest `channel_reserve_satoshis` as a fraction (millionths) of the channel. Default 200,000 (20%). */
  readonly maxChannelReserveProportionalMillionths: number;
  /** Smallest `max_accepted_htlcs` we accept. Default 1. */
  readonly minMaxAcceptedHtlcs: number;
  /** Largest `accept_channel.minimum_depth` we accept. Default 144. */
  readonly maxMinimumDepth: number;
  /** Largest `to_self_delay` the counterparty may impose on us. Default 2016. */
  readonly theirToSelfDelay: number;
  /** Largest `dust_limit_satoshis` we accept. Default 546 × 4 = 2,184 (griefing bound). */
  readonly maxDustLimitSatoshis: bigint;
  /** Whether an inbound channel's announce flag must match our `announceForForwardedHtlcs`. Default `false`. */
  readonly forceAnnouncedChannelPreference: boolean;
}

/** Our forwarding policy on a channel (BOLT 7 `channel_update` fields). */
export interface ChannelConfig {
  readonly forwardingFeeBaseMsat: number;
  readonly forwardingFeeProportionalMillionths: number;
  /** `cltv_expiry_delta` we require on forwards. Default 72. */
  readonly cltvExpiryDelta: number;
  /**
   * `max_dust_htlc_exposure_msat` (BOLT 2 "Bounding exposure to trimmed in-flight HTLCs"): the
   * most value in trimmed HTLCs we let either commitment carry; HTLCs beyond it are not sent,
   * and received ones are failed once committed. A fixed limit; when absent (the default) the
   * limit is {@link ChannelConfig.maxDustHtlcExposureFeeRateMultiplier} × the commitment's feerate.
   */
  readonly maxDustHtlcExposureMsat?: bigint;
  /**
   * The dust exposure limit in msat per sat/kw of the commitment feerate, used without a fixed
   * `maxDustHtlcExposureMsat` (LDK's `FeeRateMultiplier`): at high feerates more HTLCs are
   * trimmed, so the limit grows with it. Default 10,000 (25,000 sat at 2,500 sat/kw, 450,000 sat at 45,000).
   */
  readonly maxDustHtlcExposureFeeRateMultiplier: number;
}

/** The whole configuration of a `ChannelManager`. */
export interface UserConfig {
  readonly channelHandshakeConfig: ChannelHandshakeConfig;
  readonly channelHandshakeLimits: ChannelHandshakeLimits;
  readonly channelConfig: ChannelConfig;
  /** Accept inbound channels at all. Default `true`. */
  readonly acceptInboundChannels: boolean;
  /** Raise an `OpenChannelRequest` event and wait for `acceptInboundChannel`/`rejectInboundChannel` instead of accepting automatically. Default `false`. */
  readonly manuallyAcceptInboundChannels: boolean;
}

/** A partial {@link UserConfig}: each section may be partial. */
export interface UserConfigOverrides {
  readonly channelHandshakeConfig?: Partial<ChannelHandshakeConfig>;
  readonly channelHandshakeLimits?: Partial<ChannelHandshakeLimits>;
  readonly channelConfig?: Partial<ChannelConfig>;
  readonly acceptInboundChannels?: boolean;
  readonly manuallyAcceptInboundChannels?: boolean;
}

/** The defaults, documented field by field above. */
export const DEFAULT_USER_CONFIG: UserConfig = {
  channelHandshakeConfig: {
    minimumDepth: 3,
    ourToSelfDelay: 144,
    ourHtlcMinimumMsat: 1n,
    maxInboundHtlcValueInFlightPercent: 10,
    ourMaxAcceptedHtlcs: 50,
    theirChannelReserveProportionalMillionths: 10_000,
    ourDustLimitSat: 354n,
    announceForForwardedHtlcs: false,
    negotiateAnchors: false,
    closingFeeRange: true,
    negotiateSimpleClose: true,
  },
  channelHandshakeLimits: {
    minFundingSatoshis: 1000n,
    maxFundingSatoshis: (1n << 24n) - 1n,
    maxHtlcMinimumMsat: 10_000_000n,
    minMaxHtlcValueInFlightMsat: 0n,
    maxChannelReserveProportionalMillionths: 200_000,
    minMaxAcceptedHtlcs: 1,
    maxMinimumDepth: 144,
    theirToSelfDelay: 2016,
    maxDustLimitSatoshis: 2184n,
    forceAnnouncedChannelPreference: false,
  },
  channelConfig: { forwardingFeeBaseMsat: 1000, forwardingFeeProportionalMillionths: 100, cltvExpiryDelta: 72, maxDustHtlcExposureFeeRateMultiplier: 10_000 },
  acceptInboundChannels: true,
  manuallyAcceptInboundChannels: false,
};

/** Fills a partial config with the defaults. */
export function userConfig(o: UserConfigOverrides = {}): UserConfig {
  return {
    channelHandshakeConfig: { ...DEFAULT_USER_CONFIG.channelHandshakeConfig, ...o.channelHandshakeConfig },
    channelHandshakeLimits: { ...DEFAULT_USER_CONFIG.channelHandshakeLimits, ...o.channelHandshakeLimits },
    channelConfig: { ...DEFAULT_USER_CONFIG.channelConfig, ...o.channelConfig },
    acceptInboundChannels: o.acceptInboundChannels ?? DEFAULT_USER_CONFIG.acceptInboundChannels,
    manuallyAcceptInboundChannels: o.manuallyAcceptInboundChannels ?? DEFAULT_USER_CONFIG.manuallyAcceptInboundChannels,
  };
}
