/**
 * Binary codecs of the `Watch` data (`@ln/chain-interfaces` `ChannelMonitorInit`,
 * `ChannelMonitorUpdate`): what the persister stores as deltas and what a watchtower-like
 * deployment ships between machines. One declaration per type gives encoder and decoder.
 */
import {
  blockHashFromInternalBytes, txidFromInternalBytes,
  type BestBlock, type BlockHash, type ChannelMonitorInit, type ChannelMonitorUpdate, type ChannelMonitorUpdateStep,
  type ChannelPublicKeys, type CounterpartyCommitmentData, type HolderCommitmentData, type HtlcData, type OutPoint, type Txid,
} from '@ln/chain-interfaces';
import { array, bool, decode, encode, fixed, mapped, optional, struct, u32, u64, union, varBytes, type Codec } from './codec.js';
import { MonitorDecodeError } from './errors.js';

/** A txid (32 bytes, internal order). */
export const txidCodec: Codec<Txid> = mapped(fixed(32), (b) => txidFromInternalBytes(b), (t) => t);
/** A block hash (32 bytes, internal order). */
export const blockHashCodec: Codec<BlockHash> = mapped(fixed(32), (b) => blockHashFromInternalBytes(b), (h) => h);
/** A 33-byte compressed public key (checked for its prefix, not for being on the curve). */
export const pubkeyCodec: Codec<Uint8Array> = mapped(
  fixed(33),
  (b) => {
    if (b[0] !== 2 && b[0] !== 3) throw new MonitorDecodeError(`public key prefix 0x${b[0]!.toString(16)}`);
    return b;
  },
  (b) => b,
);
export const bytes32: Codec<Uint8Array> = fixed(32);
/** A 64-byte compact signature. */
export const sig64: Codec<Uint8Array> = fixed(64);

export const outPointCodec: Codec<OutPoint> = struct([
  ['txid', txidCodec],
  ['vout', u32],
] as const);

export const bestBlockCodec: Codec<BestBlock> = struct([
  ['blockHash', blockHashCodec],
  ['height', u32],
] as const);

export const channelPublicKeysCodec: Codec<ChannelPublicKeys> = struct([
  ['fundingPubkey', pubkeyCodec],
  ['revocationBasepoint', pubkeyCodec],
  ['paymentPoint', pubkeyCodec],
  ['delayedPaymentBasepoint', pubkeyCodec],
  ['htlcBasepoint', pubkeyCodec],
] as const);

export const htlcDataCodec: Codec<HtlcData> = struct([
  ['offered', bool],
  ['amountMsat', u64],
  ['cltvExpiry', u32],
  ['paymentHash', bytes32],
  ['transactionOutputIndex', optional(u32)],
  ['htlcId', u64],
] as const);

export const holderCommitmentCodec: Codec<HolderCommitmentData> = struct([
  ['commitmentNumber', u64],
  ['feeratePerKw', u32],
  ['toSelfValueMsat', u64],
  ['toRemoteValueMsat', u64],
  ['htlcs', array(htlcDataCodec)],
  ['counterpartySignature', sig64],
  ['counterpartyHtlcSignatures', array(sig64)],
  ['perCommitmentPoint', pubkeyCodec],
] as const);

export const counterpartyCommitmentCodec: Codec<CounterpartyCommitmentData> = struct([
  ['commitmentNumber', u64],
  ['txid', txidCodec],
  ['feeratePerKw', u32],
  ['toBroadcasterValueMsat', u64],
  ['toCountersignatoryValueMsat', u64],
  ['htlcs', array(htlcDataCodec)],
  ['perCommitmentPoint', pubkeyCodec],
] as const);

/** Format version byte leading every encoded {@link ChannelMonitorInit} and {@link ChannelMonitorUpdate}. */
export const WATCH_DATA_VERSION = 1;

const initFields = struct([
  ['channelId', bytes32],
  ['counterpartyNodeId', pubkeyCodec],
  ['fundingOutpoint', outPointCodec],
  ['fundingScriptPubkey', varBytes],
  ['channelValueSat', u64],
  ['channelKeysId', varBytes],
  ['holderPubkeys', channelPublicKeysCodec],
  ['counterpartyPubkeys', channelPublicKeysCodec],
  ['holderSelectedContestDelay', u32],
  ['counterpartySelectedContestDelay', u32],
  ['isOutbound', bool],
  ['channelType', varBytes],
  ['commitmentNumberObscureFactor', u64],
  ['destinationScript', varBytes],
  ['counterpartyShutdownScript', optional(varBytes)],
  ['initialHolderCommitment', holderCommitmentCodec],
  ['initialCounterpartyCommitment', counterpartyCommitmentCodec],
  ['bestBlock', bestBlockCodec],
] as const);

function versioned<T>(inner: Codec<T>, what: string): Codec<T> {
  return {
    write: (w, v) => (w.u8(WATCH_DATA_VERSION), inner.write(w, v)),
    read: (r) => {
      const version = r.u8();
      if (version !== WATCH_DATA_VERSION) throw new MonitorDecodeError(`${what}: unknown version ${version}`);
      return inner.read(r);
    },
    minBytes: 1 + inner.minBytes,
  };
}

export const channelMonitorInitCodec: Codec<ChannelMonitorInit> = versioned(initFields, 'ChannelMonitorInit');

export const updateStepCodec: Codec<ChannelMonitorUpdateStep> = union<ChannelMonitorUpdateStep>({
  LatestHolderCommitment: [1, struct([['commitment', holderCommitmentCodec]] as const)],
  LatestCounterpartyCommitment: [2, struct([['commitment', counterpartyCommitmentCodec]] as const)],
  PaymentPreimage: [3, struct([['paymentPreimage', bytes32]] as const)],
  CommitmentSecret: [4, struct([['idx', u64], ['secret', bytes32]] as const)],
  ChannelForceClosed: [5, struct([['shouldBroadcast', bool]] as const)],
  ShutdownScript: [6, struct([['scriptPubkey', varBytes]] as const)],
});

export const channelMonitorUpdateCodec: Codec<ChannelMonitorUpdate> = versioned(
  struct([
    ['channelId', bytes32],
    ['updateId', u64],
    ['steps', array(updateStepCodec)],
  ] as const),
  'ChannelMonitorUpdate',
);

/** Serializes a `ChannelMonitorUpdate` (e.g. to persist it as a delta or ship it to a watchtower). */
export function encodeChannelMonitorUpdate(update: ChannelMonitorUpdate): Uint8Array {
  return encode(channelMonitorUpdateCodec, update);
}
/** Decodes {@link encodeChannelMonitorUpdate}'s bytes; throws only `MonitorDecodeError`. */
export function decodeChannelMonitorUpdate(bytes: Uint8Array): ChannelMonitorUpdate {
  return decode(channelMonitorUpdateCodec, bytes);
}
/** Serializes a `ChannelMonitorInit`. */
export function encodeChannelMonitorInit(init: ChannelMonitorInit): Uint8Array {
  return encode(channelMonitorInitCodec, init);
}
/** Decodes {@link encodeChannelMonitorInit}'s bytes; throws only `MonitorDecodeError`. */
export function decodeChannelMonitorInit(bytes: Uint8Array): ChannelMonitorInit {
  return decode(channelMonitorInitCodec, bytes);
}

