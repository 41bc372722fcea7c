/**
 * Plays both sides of a channel with real keys (two `KeysManager`s from test-kit seeds) and
 * real signatures, producing what a channel manager would hand each side's monitor: the
 * `ChannelMonitorInit` and every `ChannelMonitorUpdate`. It can also produce any commitment
 * of either side fully signed (revoked ones too: the cheater's second signer never released
 * its secrets) and its HTLC transactions, to play the cheater or the peer.
 */
import {
  INITIAL_COMMITMENT_INDEX, txidFromInternalBytes,
  type BestBlock, type ChannelMonitorInit, type ChannelMonitorUpdate, type ChannelMonitorUpdateStep, type CounterpartyCommitmentData,
  type HolderCommitmentData, type HtlcData, type OutPoint,
} from '@ln/chain-interfaces';
import { sha256, type Secp256k1 } from '@ln/crypto';
import {
  KeysManager, SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, buildCommitmentTransaction, buildHtlcTransaction, commitmentNumberObscureFactor,
  deriveCommitmentKeys, fundingScript, fundingWitness, htlcTxWitness, p2wsh, serializeTx, withWitness,
  type BuiltCommitment, type CommitmentKeys, type InMemoryChannelSigner, type Transaction,
} from '@ln/transactions';
import { DeterministicEntropySource, testSeed, type MemoryChain } from '@ln/test-kit';

export type SideName = 'A' | 'B';

/** An HTLC of the test channel. */
export interface TestHtlc {
  /** Id in the offerer's id space. */
  readonly id: bigint;
  readonly offerer: SideName;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly preimage: Uint8Array;
  readonly paymentHash: Uint8Array;
}

/** Balances and HTLCs of one commitment. */
export interface CommitState {
  readonly toAMsat: bigint;
  readonly toBMsat: bigint;
  readonly htlcs: readonly TestHtlc[];
  readonly feeratePerKw: number;
}

export interface PairOptions {
  readonly anchors?: boolean;
  readonly channelValueSat?: bigint;
  /** Delay on A's outputs (chosen by B). */
  readonly delayOnA?: number;
  /** Delay on B's outputs (chosen by A). */
  readonly delayOnB?: number;
  readonly dustLimitSat?: bigint;
  readonly feeratePerKw?: number;
  readonly label?: string;
  /** Seed label of A's keys (default: derived from `label`): pairs sharing it share A's `KeysManager` seed. */
  readonly aSeedLabel?: string;
  /** `userChannelId` for the keys ids (distinct channels of one seed need distinct ones). */
  readonly userChannelId?: bigint;
}

interface Side {
  readonly name: SideName;
  readonly km: KeysManager;
  readonly keysId: Uint8Array;
  /** The signer the side's channel uses (releases secrets). */
  readonly signer: InMemoryChannelSigner;
  /** A second signer of the same keys that never releases anything: signs old states to cheat. */
  readonly cheatSigner: InMemoryChannelSigner;
  holderN: bigint;
  revokedUpTo: bigint;
  updateId: bigint;
  readonly states: Map<bigint, CommitState>;
}

/** The two-sided test channel (see the module comment). */
export class ChannelPair {
  readonly a: Side;
  readonly b: Side;
  readonly anchors: boolean;
  readonly channelValueSat: bigint;
  readonly delayOnA: number;
  readonly delayOnB: number;
  readonly dust: bigint;
  readonly feeratePerKw: number;
  readonly fundingScript: Uint8Array;
  fundingOutpoint!: OutPoint;
  channelId!: Uint8Array;
  private nextId: Record<SideName, bigint> = { A: 0n, B: 0n };
  private htlcCounter = 0;

  constructor(
    readonly secp: Secp256k1,
    opts: PairOptions = {},
  ) {
    this.anchors = opts.anchors ?? false;
    this.channelValueSat = opts.channelValueSat ?? 1_000_000n;
    this.delayOnA = opts.delayOnA ?? 144;
    this.delayOnB = opts.delayOnB ?? 120;
    this.dust = opts.dustLimitSat ?? 546n;
    this.feeratePerKw = opts.feeratePerKw ?? 2500;
    const label = opts.label ?? 'pair';
    const mk = (name: SideName): Side => {
      const seedLabel = name === 'A' && opts.aSeedLabel ? opts.aSeedLabel : `${label}-${name}`;
      const km = new KeysManager(testSeed(seedLabel), secp, new DeterministicEntropySource(testSeed(`${seedLabel}-entropy`)));
      const keysId = km.generateChannelKeysId(name === 'B', this.channelValueSat, opts.userChannelId ?? 0n);
      return {
        name, km, keysId, signer: km.deriveChannelSigner(this.channelValueSat, keysId), cheatSigner: km.deriveChannelSigner(this.channelValueSat, keysId),
        holderN: 0n, revokedUpTo: -1n, updateId: 0n, states: new Map(),
      };
    };
    this.a = mk('A');
    this.b = mk('B');
    this.fundingScript = fundingScript(this.a.signer.pubkeys.fundingPubkey, this.b.signer.pubkeys.fundingPubkey);
  }

  side(n: SideName): Side {
    return n === 'A' ? this.a : this.b;
  }
  other(n: SideName): Side {
    return n === 'A' ? this.b : this.a;
  }

  /** Funds the channel on `chain` (one block) and sets the initial state: A funded it, `pushMsat` to B. */
  fund(chain: MemoryChain, pushMsat = 0n): CommitState {
    const { outpoint } = chain.fund(p2wsh(this.fundingScript), this.channelValueSat);
    chain.mine(1);
    this.fundingOutpoint = outpoint;
    const id = Uint8Array.from(outpoint.txid);
    id[30]! ^= (outpoint.vout >> 8) & 0xff;
    id[31]! ^= outpoint.vout & 0xff;
    this.channelId = id;
    const s: CommitState = { toAMsat: this.channelValueSat * 1000n - pushMsat, toBMsat: pushMsat, htlcs: [], feeratePerKw: this.feeratePerKw };
    this.a.states.set(0n, s);
    this.b.states.set(0n, s);
    return s;
  }

  /** A new HTLC offered by `offerer` (preimage derived from a counter). */
  htlc(offerer: SideName, amountMsat: bigint, cltvExpiry: number): TestHtlc {
    const preimage = sha256(new TextEncoder().encode(`preimage ${this.htlcCounter++}`));
    const id = this.nextId[offerer]++;
    return { id, offerer, amountMsat, cltvExpiry, preimage, paymentHash: sha256(preimage) };
  }

  get obscure(): bigint {
    return commitmentNumberObscureFactor(this.a.signer.pubkeys.paymentPoint, this.b.signer.pubkeys.paymentPoint);
  }

  /** The keys of `owner`'s commitment `n`. */
  keysOf(owner: SideName, n: bigint): CommitmentKeys {
    const x = this.side(owner);
    const y = this.other(owner);
    return deriveCommitmentKeys(this.secp, x.signer.getPerCommitmentPoint(INITIAL_COMMITMENT_INDEX - n), x.signer.pubkeys, y.signer.pubkeys);
  }

  /** `owner`'s commitment `n` (built, unsigned). */
  build(owner: SideName, n: bigint): { built: BuiltCommitment; keys: CommitmentKeys; state: CommitState } {
    const x = this.side(owner);
    const y = this.other(owner);
    const state = x.states.get(n);
    if (!state) throw new Error(`no state ${n} for ${owner}`);
    const keys = this.keysOf(owner, n);
    const isA = owner === 'A';
    const built = buildCommitmentTransaction({
      fundingOutpoint: this.fundingOutpoint, commitmentNumber: n, obscureFactor: this.obscure, broadcasterIsFunder: isA,
      toBroadcasterMsat: isA ? state.toAMsat : state.toBMsat, toCountersignatoryMsat: isA ? state.toBMsat : state.toAMsat,
      feeratePerKw: state.feeratePerKw, dustLimitSat: this.dust, toSelfDelay: isA ? this.delayOnA : this.delayOnB, keys, anchors: this.anchors,
      broadcasterFundingPubkey: x.signer.pubkeys.fundingPubkey, countersignatoryFundingPubkey: y.signer.pubkeys.fundingPubkey,
      htlcs: state.htlcs.map((h) => ({ offered: h.offerer === owner, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, paymentHash: h.paymentHash, htlcId: h.id })),
    });
    return { built, keys, state };
  }

  private ctxFor(owner: SideName, feeratePerKw: number) {
    return { fundingValueSat: this.channelValueSat, counterpartyFundingPubkey: this.side(owner).signer.pubkeys.fundingPubkey, anchors: this.anchors, feeratePerKw, toSelfDelay: owner === 'A' ? this.delayOnA : this.delayOnB };
  }

  private htlcData(owner: SideName, built: BuiltCommitment, state: CommitState): HtlcData[] {
    return state.htlcs.map((h) => {
      const offered = h.offerer === owner;
      const o = built.htlcOutputs.find((x) => x.htlc.htlcId === h.id && x.htlc.offered === offered);
      return { offered, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, paymentHash: h.paymentHash, htlcId: h.id, ...(o ? { transactionOutputIndex: o.outputIndex } : {}) };
    });
  }

  /** `owner`'s commitment `n` as its own monitor sees it (signed by the other side). */
  holderData(owner: SideName, n: bigint): HolderCommitmentData {
    const { built, keys, state } = this.build(owner, n);
    const sigs = this.other(owner).cheatSigner.signCounterpartyCommitment(built, keys, this.ctxFor(owner, state.feeratePerKw));
    const isA = owner === 'A';
    return {
      commitmentNumber: n, feeratePerKw: state.feeratePerKw, toSelfValueMsat: isA ? state.toAMsat : state.toBMsat, toRemoteValueMsat: isA ? state.toBMsat : state.toAMsat,
      htlcs: this.htlcData(owner, built, state), counterpartySignature: sigs.signature, counterpartyHtlcSignatures: sigs.htlcSignatures, perCommitmentPoint: keys.perCommitmentPoint,
    };
  }

  /** `owner`'s commitment `n` as the other side's monitor sees it. */
  counterpartyData(owner: SideName, n: bigint): CounterpartyCommitmentData {
    const { built, keys, state } = this.build(owner, n);
    const isA = owner === 'A';
    return {
      commitmentNumber: n, txid: built.txid, feeratePerKw: state.feeratePerKw, toBroadcasterValueMsat: isA ? state.toAMsat : state.toBMsat,
      toCountersignatoryValueMsat: isA ? state.toBMsat : state.toAMsat, htlcs: this.htlcData(owner, built, state), perCommitmentPoint: keys.perCommitmentPoint,
    };
  }

  /** The `ChannelMonitorInit` of `who`'s monitor. */
  initFor(who: SideName, bestBlock: BestBlock): ChannelMonitorInit {
    const x = this.side(who);
    const y = this.other(who);
    const isA = who === 'A';
    const channelType = Uint8Array.of(this.anchors ? 0x40 : 0x00, 0x10, 0x00); // bit 12 static_remotekey (+ bit 22 anchors)
    return {
      channelId: this.channelId, counterpartyNodeId: y.km.getNodeId(), fundingOutpoint: this.fundingOutpoint, fundingScriptPubkey: p2wsh(this.fundingScript),
      channelValueSat: this.channelValueSat, channelKeysId: x.keysId, holderPubkeys: x.signer.pubkeys, counterpartyPubkeys: y.signer.pubkeys,
      holderSelectedContestDelay: isA ? this.delayOnB : this.delayOnA, counterpartySelectedContestDelay: isA ? this.delayOnA : this.delayOnB,
      isOutbound: isA, channelType, commitmentNumberObscureFactor: this.obscure, destinationScript: x.km.getDestinationScript(x.keysId),
      initialHolderCommitment: this.holderData(who, 0n), initialCounterpartyCommitment: this.counterpartyData(y.name, 0n), bestBlock,
    };
  }

  private upd(who: SideName, steps: ChannelMonitorUpdateStep[]): ChannelMonitorUpdate {
    const s = this.side(who);
    s.updateId += 1n;
    return { channelId: this.channelId, updateId: s.updateId, steps };
  }

  /**
   * Moves both sides to `state`, in the order a real exchange does (`commitment_signed` to B,
   * B revokes, then to A, A revokes), and returns each monitor's updates.
   */
  advance(state: CommitState): { A: ChannelMonitorUpdate[]; B: ChannelMonitorUpdate[] } {
    const out = { A: [] as ChannelMonitorUpdate[], B: [] as ChannelMonitorUpdate[] };
    for (const owner of ['B', 'A'] as const) {
      const r = this.commit(owner, state);
      out.A.push(...r.A);
      out.B.push(...r.B);
      const v = this.revoke(owner);
      out.A.push(...v.A);
      out.B.push(...v.B);
    }
    return out;
  }

  /** `owner` receives a signature for its next commitment holding `state`. */
  commit(owner: SideName, state: CommitState): { A: ChannelMonitorUpdate[]; B: ChannelMonitorUpdate[] } {
    const x = this.side(owner);
    x.holderN += 1n;
    x.states.set(x.holderN, state);
    const forOwner = this.upd(owner, [{ type: 'LatestHolderCommitment', commitment: this.holderData(owner, x.holderN) }]);
    const forOther = this.upd(this.other(owner).name, [{ type: 'LatestCounterpartyCommitment', commitment: this.counterpartyData(owner, x.holderN) }]);
    return owner === 'A' ? { A: [forOwner], B: [forOther] } : { A: [forOther], B: [forOwner] };
  }

  /** `owner` revokes its previous commitment: the other side's monitor gets the secret. */
  revoke(owner: SideName): { A: ChannelMonitorUpdate[]; B: ChannelMonitorUpdate[] } {
    const x = this.side(owner);
    const n = x.revokedUpTo + 1n;
    if (n >= x.holderN) throw new Error(`${owner} has nothing to revoke`);
    x.revokedUpTo = n;
    const idx = INITIAL_COMMITMENT_INDEX - n;
    const secret = x.signer.releaseCommitmentSecret(idx);
    const u = this.upd(this.other(owner).name, [{ type: 'CommitmentSecret', idx, secret }]);
    return owner === 'A' ? { A: [], B: [u] } : { A: [u], B: [] };
  }

  /** A preimage update for `who`'s monitor. */
  preimageUpdate(who: SideName, h: TestHtlc): ChannelMonitorUpdate {
    return this.upd(who, [{ type: 'PaymentPreimage', paymentPreimage: h.preimage }]);
  }
  /** A `ChannelForceClosed` update for `who`'s monitor. */
  forceCloseUpdate(who: SideName, shouldBroadcast = true): ChannelMonitorUpdate {
    return this.upd(who, [{ type: 'ChannelForceClosed', shouldBroadcast }]);
  }

  /** `owner`'s commitment `n`, fully signed (even if revoked). */
  signedCommitment(owner: SideName, n: bigint): { tx: Transaction; raw: Uint8Array; built: BuiltCommitment } {
    const { built, state } = this.build(owner, n);
    const x = this.side(owner);
    const y = this.other(owner);
    const theirs = y.cheatSigner.signCounterpartyCommitment(built, this.build(owner, n).keys, this.ctxFor(owner, state.feeratePerKw)).signature;
    const ours = x.cheatSigner.signHolderCommitment(built, INITIAL_COMMITMENT_INDEX - n, { ...this.ctxFor(owner, state.feeratePerKw), counterpartyFundingPubkey: y.signer.pubkeys.fundingPubkey });
    const tx = withWitness(built.tx, 0, fundingWitness(this.fundingScript, x.signer.pubkeys.fundingPubkey, ours, y.signer.pubkeys.fundingPubkey, theirs));
    return { tx, raw: serializeTx(tx), built };
  }

  /**
   * `owner`'s HTLC-success (with the preimage) or HTLC-timeout transaction for HTLC `h` on its
   * commitment `n`, signed by both sides (with anchors: as is, zero fee).
   */
  htlcTx(owner: SideName, n: bigint, h: TestHtlc): Uint8Array {
    const { built, keys, state } = this.build(owner, n);
    const offered = h.offerer === owner;
    const o = built.htlcOutputs.find((x) => x.htlc.htlcId === h.id && x.htlc.offered === offered);
    if (!o) throw new Error(`HTLC ${h.id} has no output on ${owner}'s commitment ${n}`);
    const unsigned = buildHtlcTransaction({
      commitmentTxid: built.txid, outputIndex: o.outputIndex, htlc: o.htlc, feeratePerKw: state.feeratePerKw, anchors: this.anchors,
      toSelfDelay: owner === 'A' ? this.delayOnA : this.delayOnB, revocationKey: keys.revocationKey, broadcasterDelayedPaymentKey: keys.broadcasterDelayedPaymentKey,
    });
    const k = built.htlcOutputs.indexOf(o);
    const theirSig = this.other(owner).cheatSigner.signCounterpartyCommitment(built, keys, this.ctxFor(owner, state.feeratePerKw)).htlcSignatures[k]!;
    const ourSig = this.side(owner).cheatSigner.signHolderHtlcTransaction(unsigned, o.witnessScript, o.htlc.amountMsat / 1000n, INITIAL_COMMITMENT_INDEX - n);
    const tx = withWitness(unsigned, 0, htlcTxWitness(theirSig, this.anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL, ourSig, offered ? undefined : h.preimage, o.witnessScript));
    return serializeTx(tx);
  }

  /** Txid of `owner`'s commitment `n`. */
  txidOf(owner: SideName, n: bigint) {
    return txidFromInternalBytes(this.build(owner, n).built.txid);
  }
}
