/**
 * A `ChannelMonitor`'s state: the channel's data as the `Watch` updates built it, the chain
 * data it has seen, what it has reported; applying updates strictly in order; and its one
 * binary format (serialize → deserialize gives back the same bytes).
 */
import {
  INITIAL_COMMITMENT_INDEX,
  type BestBlock, type ChannelMonitorInit, type ChannelMonitorUpdate, type ChannelMonitorUpdateStep, type CounterpartyCommitmentData,
  type HolderCommitmentData, type MonitorEvent,
} from '@ln/chain-interfaces';
import { bytesToHex, equalBytes, sha256, type Secp256k1 } from '@ln/crypto';
import { ShachainStore, TransactionError, parseTx, txidOf } from '@ln/transactions';
import { array, bool, decode, encode, fixed, mapped, optional, str, struct, u32, u64, union, varBytes, type Codec } from './codec.js';
import type { ChannelStatic } from './commitments.js';
import {
  bestBlockCodec, blockHashCodec, bytes32, channelPublicKeysCodec, counterpartyCommitmentCodec, holderCommitmentCodec, htlcDataCodec,
  outPointCodec, pubkeyCodec, txidCodec,
} from './data-codec.js';
import { MonitorDecodeError, MonitorError } from './errors.js';
import type { MonitorUserEvent, SpendableOutputDescriptor } from './events.js';
import type { RevokedCommitment } from './onchain/analysis.js';
import type { RelevantTx } from './onchain/types.js';

/** Fee-bumping memory of one claim (keyed by the outpoints it spends). */
export interface ClaimTrack {
  readonly key: string;
  /** Tip height when the claim was first broadcast. */
  readonly firstHeight: number;
  /** Tip height of the latest broadcast. */
  lastHeight: number;
  /** Feerate of the latest broadcast, sat/kw. */
  feeratePerKw: number;
}

/** The whole state of a channel monitor. */
export interface MonitorState {
  channel: ChannelStatic;
  latestUpdateId: bigint;
  holderCurrent: HolderCommitmentData;
  holderPrevious?: HolderCommitmentData;
  /** Their commitments not revoked yet, oldest first. */
  counterparty: CounterpartyCommitmentData[];
  /** Their revoked commitments that had HTLC outputs. */
  revoked: RevokedCommitment[];
  /** Their per-commitment secrets (BOLT 3 compact storage). */
  secrets: ShachainStore;
  /** Known preimages by hex payment hash. */
  preimages: Map<string, Uint8Array>;
  /** `ChannelForceClosed` received: no more commitment updates. */
  forceClosed: boolean;
  /** Our latest commitment should be (re)broadcast until the funding output is spent. */
  broadcastHolder: boolean;
  bestBlock: BestBlock;
  /** Confirmed transactions spending the funding output or descending from such a spend, in chain order. */
  relevant: RelevantTx[];
  claimTracks: Map<string, ClaimTrack>;
  /** Keys of events already reported (never twice, even across reorgs). */
  emitted: Set<string>;
  pendingMonitorEvents: MonitorEvent[];
  pendingEvents: MonitorUserEvent[];
}

/** The state of a new monitor. */
export function initialState(init: ChannelMonitorInit): MonitorState {
  const { initialHolderCommitment, initialCounterpartyCommitment, bestBlock, ...channel } = init;
  return {
    channel,
    latestUpdateId: 0n,
    holderCurrent: initialHolderCommitment,
    counterparty: [initialCounterpartyCommitment],
    revoked: [],
    secrets: new ShachainStore(),
    preimages: new Map(),
    forceClosed: false,
    broadcastHolder: false,
    bestBlock,
    relevant: [],
    claimTracks: new Map(),
    emitted: new Set(),
    pendingMonitorEvents: [],
    pendingEvents: [],
  };
}

/** The secret of their commitment `n`, if revealed. */
export function secretOf(st: MonitorState, n: bigint): Uint8Array | undefined {
  return st.secrets.get(INITIAL_COMMITMENT_INDEX - n);
}

/** What applying a step asks the monitor to do next. */
export interface ApplyEffects {
  broadcastHolder: boolean;
  preimageAdded: boolean;
  /** A per-commitment secret was stored (a commitment already on chain may now be known revoked). */
  secretAdded: boolean;
}

type Draft = Pick<MonitorState, 'channel' | 'holderCurrent' | 'holderPrevious' | 'counterparty' | 'revoked' | 'secrets' | 'preimages' | 'forceClosed' | 'broadcastHolder'>;

function applyStep(secp: Secp256k1, d: Draft, step: ChannelMonitorUpdateStep, fx: ApplyEffects): void {
  const bad = (msg: string) => new MonitorError('invalid_update', msg);
  switch (step.type) {
    case 'LatestHolderCommitment': {
      if (d.forceClosed) throw bad('a new holder commitment after ChannelForceClosed');
      if (step.commitment.commitmentNumber <= d.holderCurrent.commitmentNumber) {
        throw bad(`holder commitment ${step.commitment.commitmentNumber} does not follow ${d.holderCurrent.commitmentNumber}`);
      }
      d.holderPrevious = d.holderCurrent;
      d.holderCurrent = step.commitment;
      return;
    }
    case 'LatestCounterpartyCommitment': {
      if (d.forceClosed) throw bad('a new counterparty commitment after ChannelForceClosed');
      const last = d.counterparty[d.counterparty.length - 1];
      if (last && step.commitment.commitmentNumber <= last.commitmentNumber) {
        throw bad(`counterparty commitment ${step.commitment.commitmentNumber} does not follow ${last.commitmentNumber}`);
      }
      d.counterparty = [...d.counterparty, step.commitment];
      return;
    }
    case 'PaymentPreimage': {
      if (step.paymentPreimage.length !== 32) throw bad('a payment preimage must be 32 bytes');
      const k = bytesToHex(sha256(step.paymentPreimage));
      if (!d.preimages.has(k)) fx.preimageAdded = true;
      d.preimages.set(k, Uint8Array.from(step.paymentPreimage));
      return;
    }
    case 'CommitmentSecret': {
      const n = INITIAL_COMMITMENT_INDEX - step.idx;
      if (step.secret.length !== 32 || !secp.isValidSecretKey(step.secret)) throw bad(`per-commitment secret ${step.idx} is not a valid secret key`);
      const c = d.counterparty.find((x) => x.commitmentNumber === n);
      if (c && !equalBytes(secp.publicKeyCreate(step.secret), c.perCommitmentPoint)) {
        throw bad(`per-commitment secret ${step.idx} does not match the point of their commitment ${n}`);
      }
      const store = ShachainStore.deserialize(d.secrets.serialize());
      try {
        store.insert(step.secret, step.idx);
      } catch (e) {
        if (e instanceof TransactionError) throw bad(`per-commitment secret ${step.idx}: ${e.message}`);
        throw e;
      }
      d.secrets = store;
      fx.secretAdded = true;
      const revokedNow = d.counterparty.filter((x) => x.commitmentNumber <= n);
      d.counterparty = d.counterparty.filter((x) => x.commitmentNumber > n);
      for (const r of revokedNow) {
        const htlcs = r.htlcs.filter((h) => h.transactionOutputIndex !== undefined);
        if (htlcs.length) d.revoked = [...d.revoked, { txid: r.txid, commitmentNumber: r.commitmentNumber, htlcs }];
      }
      return;
    }
    case 'ChannelForceClosed':
      d.forceClosed = true;
      if (step.shouldBroadcast) {
        d.broadcastHolder = true;
        fx.broadcastHolder = true;
      }
      return;
    case 'ShutdownScript':
      d.channel = { ...d.channel, counterpartyShutdownScript: Uint8Array.from(step.scriptPubkey) };
      return;
    default:
      throw bad(`unknown update step ${(step as { type: string }).type}`);
  }
}

/** Drops preimages no unrevoked commitment needs any more (our current/previous, their unrevoked ones). */
function prunePreimages(d: Draft): void {
  if (d.preimages.size === 0) return;
  const live = new Set<string>();
  for (const c of [d.holderCurrent, d.holderPrevious, ...d.counterparty]) for (const h of c?.htlcs ?? []) live.add(bytesToHex(h.paymentHash));
  for (const k of [...d.preimages.keys()]) if (!live.has(k)) d.preimages.delete(k);
}

/**
 * Applies `update` to `st`, all steps or none: an update whose id is not `latestUpdateId + 1`,
 * for another channel, or with an invalid step throws {@link MonitorError} and changes nothing.
 */
export function applyUpdate(secp: Secp256k1, st: MonitorState, update: ChannelMonitorUpdate): ApplyEffects {
  if (!equalBytes(update.channelId, st.channel.channelId)) {
    throw new MonitorError('wrong_channel', `update for channel ${bytesToHex(update.channelId)} given to the monitor of ${bytesToHex(st.channel.channelId)}`);
  }
  if (update.updateId !== st.latestUpdateId + 1n) {
    const what = update.updateId <= st.latestUpdateId ? 'a replay' : 'a gap';
    throw new MonitorError('update_out_of_order', `update ${update.updateId} is ${what}: the monitor is at update ${st.latestUpdateId}`);
  }
  const d: Draft = {
    channel: st.channel, holderCurrent: st.holderCurrent, holderPrevious: st.holderPrevious, counterparty: st.counterparty, revoked: st.revoked,
    secrets: st.secrets, preimages: new Map(st.preimages), forceClosed: st.forceClosed, broadcastHolder: st.broadcastHolder,
  };
  const fx: ApplyEffects = { broadcastHolder: false, preimageAdded: false, secretAdded: false };
  for (const step of update.steps) applyStep(secp, d, step, fx);
  prunePreimages(d);
  Object.assign(st, d);
  if (d.holderPrevious === undefined) delete st.holderPrevious;
  st.latestUpdateId = update.updateId;
  return fx;
}

// ------------------------------------------------------------------ serialization

const staticCodec: Codec<ChannelStatic> = struct([
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
] as const);

const revokedCodec: Codec<RevokedCommitment> = struct([
  ['txid', txidCodec],
  ['commitmentNumber', u64],
  ['htlcs', array(htlcDataCodec)],
] as const);

const shachainCodec: Codec<ShachainStore> = mapped(
  varBytes,
  (b) => {
    try {
      return ShachainStore.deserialize(b);
    } catch (e) {
      throw new MonitorDecodeError(`per-commitment secrets: ${(e as Error).message}`);
    }
  },
  (s) => s.serialize(),
);

const relevantCodec: Codec<RelevantTx> = mapped(
  struct([['raw', varBytes], ['height', u32], ['blockHash', blockHashCodec]] as const),
  (r) => {
    let tx;
    try {
      tx = parseTx(r.raw);
    } catch (e) {
      throw new MonitorDecodeError(`relevant transaction: ${(e as Error).message}`);
    }
    return { ...r, tx, txid: txidOf(tx) };
  },
  (r) => ({ raw: r.raw, height: r.height, blockHash: r.blockHash }),
);

const claimTrackCodec: Codec<ClaimTrack> = struct([['key', str], ['firstHeight', u32], ['lastHeight', u32], ['feeratePerKw', u32]] as const);

const monitorEventCodec: Codec<MonitorEvent> = union<MonitorEvent>({
  Completed: [1, struct([['channelId', bytes32], ['monitorUpdateId', u64]] as const)],
  HtlcResolved: [2, struct([['channelId', bytes32], ['htlcId', u64], ['paymentHash', bytes32], ['paymentPreimage', optional(bytes32)], ['amountMsat', u64]] as const)],
  HolderForceClosed: [3, struct([['channelId', bytes32], ['reason', str]] as const)],
  CommitmentTxConfirmed: [4, struct([['channelId', bytes32], ['txid', txidCodec]] as const)],
});

const txOutCodec = struct([['valueSat', u64], ['scriptPubkey', varBytes]] as const);
const descriptorCodec: Codec<SpendableOutputDescriptor> = union<SpendableOutputDescriptor>({
  StaticOutput: [1, struct([['outpoint', outPointCodec], ['output', txOutCodec], ['channelKeysId', varBytes]] as const)],
  StaticPaymentOutput: [2, struct([['outpoint', outPointCodec], ['output', txOutCodec], ['channelKeysId', varBytes], ['channelValueSat', u64], ['witnessScript', optional(varBytes)], ['csvDelay', u32]] as const)],
});
const userEventCodec: Codec<MonitorUserEvent> = union<MonitorUserEvent>({
  SpendableOutputs: [1, struct([['channelId', bytes32], ['outputs', array(descriptorCodec)]] as const)],
  BumpTransaction: [2, struct([
    ['channelId', bytes32], ['kind', mapped(str, (s) => {
      if (s !== 'ChannelClose' && s !== 'HtlcResolution') throw new MonitorDecodeError(`bump kind ${JSON.stringify(s)}`);
      return s;
    }, (s) => s)],
    ['tx', varBytes], ['targetFeeratePerKw', u32],
    ['anchor', optional(struct([['outpoint', outPointCodec], ['witnessScript', varBytes], ['valueSat', u64]] as const))],
  ] as const)],
});

/** Magic and version leading a serialized monitor. */
const MAGIC = Uint8Array.from([0x4c, 0x4e, 0x4d, 0x4f, 0x4e]); // "LNMON"
const VERSION = 1;

const stateCodec: Codec<MonitorState> = mapped(
  struct([
    ['magic', fixed(MAGIC.length)],
    ['version', u32],
    ['channel', staticCodec],
    ['latestUpdateId', u64],
    ['holderCurrent', holderCommitmentCodec],
    ['holderPrevious', optional(holderCommitmentCodec)],
    ['counterparty', array(counterpartyCommitmentCodec)],
    ['revoked', array(revokedCodec)],
    ['secrets', shachainCodec],
    ['preimages', array(bytes32)],
    ['forceClosed', bool],
    ['broadcastHolder', bool],
    ['bestBlock', bestBlockCodec],
    ['relevant', array(relevantCodec)],
    ['claimTracks', array(claimTrackCodec)],
    ['emitted', array(str)],
    ['pendingMonitorEvents', array(monitorEventCodec)],
    ['pendingEvents', array(userEventCodec)],
  ] as const),
  (s) => {
    if (!equalBytes(s.magic, MAGIC)) throw new MonitorDecodeError('not a serialized ChannelMonitor (bad magic)');
    if (s.version !== VERSION) throw new MonitorDecodeError(`unknown ChannelMonitor format version ${s.version}`);
    const st: MonitorState = {
      channel: s.channel, latestUpdateId: s.latestUpdateId, holderCurrent: s.holderCurrent,
      counterparty: [...s.counterparty], revoked: [...s.revoked], secrets: s.secrets,
      preimages: new Map(s.preimages.map((p) => [bytesToHex(sha256(p)), p])),
      forceClosed: s.forceClosed, broadcastHolder: s.broadcastHolder, bestBlock: s.bestBlock, relevant: [...s.relevant],
      claimTracks: new Map(s.claimTracks.map((t) => [t.key, { ...t }])), emitted: new Set(s.emitted),
      pendingMonitorEvents: [...s.pendingMonitorEvents], pendingEvents: [...s.pendingEvents],
    };
    if (s.holderPrevious) st.holderPrevious = s.holderPrevious;
    return st;
  },
  (st) => ({
    magic: MAGIC, version: VERSION, channel: st.channel, latestUpdateId: st.latestUpdateId, holderCurrent: st.holderCurrent,
    holderPrevious: st.holderPrevious, counterparty: st.counterparty, revoked: st.revoked, secrets: st.secrets,
    preimages: [...st.preimages.values()], forceClosed: st.forceClosed, broadcastHolder: st.broadcastHolder, bestBlock: st.bestBlock,
    relevant: st.relevant, claimTracks: [...st.claimTracks.values()], emitted: [...st.emitted],
    pendingMonitorEvents: st.pendingMonitorEvents, pendingEvents: st.pendingEvents,
  }),
);

/** Serializes a monitor's state. */
export function encodeMonitorState(st: MonitorState): Uint8Array {
  return encode(stateCodec, st);
}
/** Decodes {@link encodeMonitorState}'s bytes; throws only `MonitorDecodeError`. */
export function decodeMonitorState(bytes: Uint8Array): MonitorState {
  return decode(stateCodec, bytes);
}
