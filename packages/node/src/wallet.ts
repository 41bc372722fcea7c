/**
 * `OnChainWallet`: the node's small on-chain wallet. One P2WPKH key (the `KeysManager`
 * destination key, so cooperative-close outputs and the monitors' claims land here directly),
 * UTXOs learned from full blocks (`Listen`, reorg-aware), coin selection and BIP 143 signing
 * for funding transactions, and sweeps of the `to_remote` outputs monitors report as
 * `SpendableOutputs` (BOLT 5: those pay a channel key, not the wallet).
 *
 * Its state (UTXOs, reservations, the block it is synced to) serializes to bytes the node
 * keeps in its `KVStore`.
 */
import type { Block, BlockHeader, FeeEstimator, Listen, OutPoint, TransactionData, TxOut } from '@ln/chain-interfaces';
import { outPointToString, txidFromInternalBytes } from '@ln/chain-interfaces';
import { bytesToHex, hexToBytes, type Secp256k1 } from '@ln/crypto';
import {
  bitcoinSignature, p2pkh, p2wpkh, parseTx, serializeTx, signInput, txidOf, type EcdsaChannelSigner, type Transaction,
} from '@ln/transactions';

/** A coin of the wallet. */
export interface WalletUtxo {
  readonly outpoint: OutPoint;
  readonly valueSat: bigint;
  /** Height of the block that confirmed it. */
  readonly height: number;
  /** Height of the block that spent it (kept until that block is deep, for reorgs). */
  spentHeight?: number;
}

/** Balances of the wallet, in satoshis. */
export interface WalletBalance {
  /** Confirmed and not reserved by an unconfirmed transaction of ours. */
  readonly confirmedSat: bigint;
  /** Our outputs of our own transactions still in the mempool (change, sweeps). */
  readonly unconfirmedSat: bigint;
  /** Confirmed coins spent by our unconfirmed transactions (funding in flight). */
  readonly reservedSat: bigint;
}

/** A `to_remote` output a monitor reported (BOLT 3 `option_static_remotekey` P2WPKH or the anchors P2WSH). */
export interface RemoteOutputToSweep {
  readonly outpoint: OutPoint;
  readonly output: TxOut;
  readonly signer: EcdsaChannelSigner;
  readonly witnessScript?: Uint8Array;
  readonly csvDelay: number;
}

/** The wallet could not do what was asked (not enough funds, nothing to sweep). */
export class WalletError extends Error {
  override readonly name = 'WalletError';
}

interface Pending {
  readonly txid: string;
  readonly inputs: string[];
  readonly ourOutputs: { vout: number; valueSat: bigint }[];
}

const P2WPKH_INPUT_WEIGHT = 272; // 41 non-witness bytes × 4 + 1 + 73 + 34 witness bytes (BOLT 3 "Expected Weight" style estimate)
const OUTPUT_WEIGHT_P2WPKH = 31 * 4;
const TX_OVERHEAD_WEIGHT = 10 * 4 + 2; // version, counts, locktime; segwit marker and flag
const DUST_SAT = 546n;
/** How deep a spend must be before we forget the spent coin. */
const FORGET_DEPTH = 100;

/** The node's on-chain wallet. */
export class OnChainWallet implements Listen {
  readonly script: Uint8Array;
  private readonly pubkey: Uint8Array;
  private utxos = new Map<string, WalletUtxo>();
  private pending = new Map<string, Pending>();
  private tipHeight: number;
  private tipHash: Uint8Array;

  constructor(
    private readonly secp: Secp256k1,
    private readonly secretKey: Uint8Array,
    best: { height: number; blockHash: Uint8Array },
  ) {
    this.pubkey = secp.publicKeyCreate(secretKey);
    this.script = p2wpkh(this.pubkey);
    this.tipHeight = best.height;
    this.tipHash = best.blockHash;
  }

  /** The block the wallet has seen last. */
  get bestBlock(): { height: number; blockHash: Uint8Array } {
    return { height: this.tipHeight, blockHash: this.tipHash };
  }

  /** Unspent coins, confirmed. */
  listUtxos(): WalletUtxo[] {
    return [...this.utxos.values()].filter((u) => u.spentHeight === undefined);
  }

  balance(): WalletBalance {
    const reserved = new Set(Array.from(this.pending.values(), (p) => p.inputs).flat());
    const pendingSpent = reserved;
    let confirmedSat = 0n;
    let reservedSat = 0n;
    for (const u of this.listUtxos()) {
      if (reserved.has(outPointToString(u.outpoint))) reservedSat += u.valueSat;
      else confirmedSat += u.valueSat;
    }
    let unconfirmedSat = 0n;
    for (const c of this.pendingCoins()) if (!pendingSpent.has(outPointToString(c.outpoint))) unconfirmedSat += c.valueSat;
    return { confirmedSat, unconfirmedSat, reservedSat };
  }

  // ------------------------------------------------------------------ chain

  blockConnected(block: Block, height: number): void {
    this.filteredBlockConnected(block.header, block.transactions.map((tx, index) => ({ index, tx })), height);
  }

  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    if (height <= this.tipHeight) return; // already seen (a replay during catch-up)
    for (const { tx: raw } of txdata) {
      let tx: Transaction;
      try {
        tx = parseTx(raw);
      } catch {
        continue;
      }
      const txid = txidOf(tx);
      for (const i of tx.inputs) {
        const u = this.utxos.get(outPointToString(i.prevout));
        if (u && u.spentHeight === undefined) u.spentHeight = height;
      }
      tx.outputs.forEach((o, vout) => {
        if (sameBytes(o.scriptPubkey, this.script)) {
          const outpoint = { txid, vout };
          this.utxos.set(outPointToString(outpoint), { outpoint, valueSat: o.valueSat, height });
        }
      });
      this.pending.delete(bytesToHex(txid));
    }
    // Coins spent deep enough are forgotten; pending transactions whose inputs were spent by another are dropped.
    for (const [k, u] of this.utxos) if (u.spentHeight !== undefined && height - u.spentHeight >= FORGET_DEPTH) this.utxos.delete(k);
    for (const [k, p] of this.pending) if (p.inputs.some((i) => this.utxos.get(i)?.spentHeight !== undefined)) this.pending.delete(k);
    this.tipHeight = height;
    this.tipHash = header.hash;
  }

  blockDisconnected(header: BlockHeader, height: number): void {
    for (const [k, u] of this.utxos) {
      if (u.height === height) this.utxos.delete(k);
      else if (u.spentHeight === height) delete u.spentHeight;
    }
    this.tipHeight = height - 1;
    this.tipHash = header.prevBlockHash;
  }

  // ------------------------------------------------------------------ spending

  /**
   * Builds and signs a transaction paying `outputs` from the wallet's confirmed coins at
   * `feeratePerKw`, with change back to the wallet. The coins stay reserved until the
   * transaction confirms or {@link OnChainWallet.abandon} releases them.
   */
  createTransaction(outputs: readonly TxOut[], feeratePerKw: number): Uint8Array {
    const want = outputs.reduce((a, o) => a + o.valueSat, 0n);
    const reserved = new Set(Array.from(this.pending.values(), (p) => p.inputs).flat());
    // Confirmed coins first, then change of our own unconfirmed transactions (a chain in the mempool).
    const byValue = (a: WalletUtxo, b: WalletUtxo) => (a.valueSat > b.valueSat ? -1 : a.valueSat < b.valueSat ? 1 : 0);
    const coins = [
      ...this.listUtxos().filter((u) => !reserved.has(outPointToString(u.outpoint))).sort(byValue),
      ...this.pendingCoins().filter((u) => !reserved.has(outPointToString(u.outpoint))).sort(byValue),
    ];
    const outWeight = outputs.reduce((a, o) => a + (8 + 1 + o.scriptPubkey.length) * 4, 0);
    const chosen: WalletUtxo[] = [];
    let have = 0n;
    const feeFor = (nIn: number, change: boolean) => BigInt(Math.ceil(((TX_OVERHEAD_WEIGHT + outWeight + nIn * P2WPKH_INPUT_WEIGHT + (change ? OUTPUT_WEIGHT_P2WPKH : 0)) * feeratePerKw) / 1000));
    for (const c of coins) {
      if (have >= want + feeFor(chosen.length, true)) break;
      chosen.push(c);
      have += c.valueSat;
    }
    let fee = feeFor(chosen.length, true);
    if (have < want + feeFor(chosen.length, false)) throw new WalletError(`not enough funds: need ${want} sat plus fees, have ${have} sat`);
    let change = have - want - fee;
    const outs: TxOut[] = [...outputs];
    if (change >= DUST_SAT) outs.push({ valueSat: change, scriptPubkey: this.script });
    else {
      fee = have - want;
      change = 0n;
    }
    const unsigned: Transaction = {
      version: 2,
      locktime: this.tipHeight,
      inputs: chosen.map((c) => ({ prevout: c.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] })),
      outputs: outs,
    };
    const signed = this.signWalletInputs(unsigned, chosen.map((c) => c.valueSat));
    this.track(signed);
    return serializeTx(signed);
  }

  private signWalletInputs(tx: Transaction, values: readonly bigint[]): Transaction {
    const code = p2pkh(this.pubkey);
    const witnesses = tx.inputs.map((_, i) => [bitcoinSignature(signInput(this.secp, tx, i, code, values[i]!, this.secretKey)), this.pubkey]);
    return { ...tx, inputs: tx.inputs.map((inp, i) => ({ ...inp, witness: witnesses[i]! })) };
  }

  /** Wallet outputs of our own unconfirmed transactions. */
  private pendingCoins(): WalletUtxo[] {
    return [...this.pending.values()].flatMap((p) => p.ourOutputs.map((o) => ({ outpoint: { txid: txidFromInternalBytes(hexToBytes(p.txid)), vout: o.vout }, valueSat: o.valueSat, height: -1 })));
  }

  /** Records an unconfirmed transaction of ours (its wallet inputs reserved, its wallet outputs counted as unconfirmed). */
  private track(tx: Transaction): void {
    const txid = txidOf(tx);
    const ours = new Set([...this.utxos.keys(), ...this.pendingCoins().map((c) => outPointToString(c.outpoint))]);
    const inputs = tx.inputs.map((i) => outPointToString(i.prevout)).filter((k) => ours.has(k));
    const ourOutputs = tx.outputs.flatMap((o, vout) => (sameBytes(o.scriptPubkey, this.script) ? [{ vout, valueSat: o.valueSat }] : []));
    this.pending.set(bytesToHex(txid), { txid: bytesToHex(txid), inputs, ourOutputs });
  }

  /** Releases the coins of a transaction that will never be broadcast (e.g. `DiscardFunding`). */
  abandon(rawTx: Uint8Array): void {
    this.pending.delete(bytesToHex(txidOf(parseTx(rawTx))));
  }

  /**
   * Sweeps `to_remote` outputs of closed channels into the wallet (BOLT 3: P2WPKH of the
   * channel's payment key, or with anchors a P2WSH with a 1-block CSV), at `feeratePerKw`.
   */
  sweepRemoteOutputs(outputs: readonly RemoteOutputToSweep[], fees: FeeEstimator): Uint8Array {
    if (!outputs.length) throw new WalletError('nothing to sweep');
    const feerate = fees.getEstSatPer1000Weight('OutputSpendingFee');
    const total = outputs.reduce((a, o) => a + o.output.valueSat, 0n);
    const inWeight = outputs.reduce((a, o) => a + 41 * 4 + 1 + 73 + (o.witnessScript ? o.witnessScript.length + 1 : 34), 0);
    const fee = BigInt(Math.ceil(((TX_OVERHEAD_WEIGHT + inWeight + OUTPUT_WEIGHT_P2WPKH) * feerate) / 1000));
    if (total - fee < DUST_SAT) throw new WalletError(`outputs worth ${total} sat do not pay for their sweep (${fee} sat)`);
    const tx: Transaction = {
      version: 2,
      locktime: this.tipHeight,
      inputs: outputs.map((o) => ({ prevout: o.outpoint, scriptSig: new Uint8Array(0), sequence: o.csvDelay > 0 ? o.csvDelay : 0xfffffffd, witness: [] })),
      outputs: [{ valueSat: total - fee, scriptPubkey: this.script }],
    };
    const witnesses = outputs.map((o, i) => {
      if (o.witnessScript) return [bitcoinSignature(o.signer.signToRemoteInput(tx, i, o.witnessScript, o.output.valueSat)), o.witnessScript];
      const pk = o.signer.pubkeys.paymentPoint;
      return [bitcoinSignature(o.signer.signToRemoteInput(tx, i, p2pkh(pk), o.output.valueSat)), pk];
    });
    const signed = { ...tx, inputs: tx.inputs.map((inp, i) => ({ ...inp, witness: witnesses[i]! })) };
    this.track(signed);
    return serializeTx(signed);
  }

  // ------------------------------------------------------------------ persistence

  serialize(): Uint8Array {
    const j = {
      v: 1,
      tip: { height: this.tipHeight, hash: bytesToHex(this.tipHash) },
      utxos: [...this.utxos.values()].map((u) => ({ txid: bytesToHex(u.outpoint.txid), vout: u.outpoint.vout, value: u.valueSat.toString(), height: u.height, spent: u.spentHeight })),
      pending: [...this.pending.values()].map((p) => ({ txid: p.txid, inputs: p.inputs, outs: p.ourOutputs.map((o) => ({ vout: o.vout, value: o.valueSat.toString() })) })),
    };
    return new TextEncoder().encode(JSON.stringify(j));
  }

  static deserialize(bytes: Uint8Array, secp: Secp256k1, secretKey: Uint8Array): OnChainWallet {
    const j = JSON.parse(new TextDecoder().decode(bytes)) as {
      v: number; tip: { height: number; hash: string };
      utxos: { txid: string; vout: number; value: string; height: number; spent?: number }[];
      pending: { txid: string; inputs: string[]; outs: { vout: number; value: string }[] }[];
    };
    if (j.v !== 1) throw new WalletError(`unknown wallet format ${j.v}`);
    const w = new OnChainWallet(secp, secretKey, { height: j.tip.height, blockHash: hexToBytes(j.tip.hash) });
    for (const u of j.utxos) {
      const outpoint = { txid: txidFromInternalBytes(hexToBytes(u.txid)), vout: u.vout };
      w.utxos.set(outPointToString(outpoint), { outpoint, valueSat: BigInt(u.value), height: u.height, ...(u.spent !== undefined ? { spentHeight: u.spent } : {}) });
    }
    for (const p of j.pending) w.pending.set(p.txid, { txid: p.txid, inputs: p.inputs, ourOutputs: p.outs.map((o) => ({ vout: o.vout, valueSat: BigInt(o.value) })) });
    return w;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
