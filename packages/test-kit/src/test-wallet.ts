/**
 * `TestWallet`: a single-key P2WPKH wallet on a {@link MemoryChain}, for harnesses that need a
 * funding transaction (BOLT 2 `funding_created` wants a segwit one) that really verifies.
 */
import { defaultSecp256k1, type Secp256k1 } from '@ln/crypto';
import type { OutPoint } from '@ln/chain-interfaces';
import { bitcoinSignature, p2pkh, p2wpkh, serializeTx, signInput, withWitness, type Transaction } from '@ln/transactions';
import { testNodeKey } from './keys.js';
import type { MemoryChain } from './memory-chain.js';

/** A wallet key (from `testNodeKey(label)`) whose coins come from the chain's faucet. */
export class TestWallet {
  readonly secretKey: Uint8Array;
  readonly pubkey: Uint8Array;
  /** Its P2WPKH output script. */
  readonly script: Uint8Array;
  constructor(private readonly chain: MemoryChain, label: string, private readonly secp: Secp256k1 = defaultSecp256k1()) {
    const k = testNodeKey(`test wallet ${label}`);
    this.secretKey = k.secretKey;
    this.pubkey = k.nodeId;
    this.script = p2wpkh(this.pubkey);
  }

  /** Signs input `index` of `tx` (spending `valueSat` of this wallet's P2WPKH) with `SIGHASH_ALL`: witness `[sig, pubkey]`. */
  signInput(tx: Transaction, index: number, valueSat: bigint): Transaction {
    const sig = bitcoinSignature(signInput(this.secp, tx, index, p2pkh(this.pubkey), valueSat, this.secretKey));
    return withWitness(tx, index, [sig, this.pubkey]);
  }

  /**
   * A signed transaction paying `valueSat` to `scriptPubkey`: a faucet coin of `valueSat +
   * extraSat` (default 100_000) to this wallet is mined first, and the change (`extraSat - feeSat`,
   * fee default 1_000) goes to `changeScript` (default this wallet). Not broadcast.
   */
  fundingTx(scriptPubkey: Uint8Array, valueSat: bigint, opts: { extraSat?: bigint; feeSat?: bigint; changeScript?: Uint8Array } = {}): Uint8Array {
    const coinValue = valueSat + (opts.extraSat ?? 100_000n);
    const coin: OutPoint = this.chain.fund(this.script, coinValue).outpoint;
    this.chain.mine(1);
    const unsigned: Transaction = {
      version: 2, locktime: 0,
      inputs: [{ prevout: coin, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
      outputs: [{ valueSat, scriptPubkey }, { valueSat: coinValue - valueSat - (opts.feeSat ?? 1_000n), scriptPubkey: opts.changeScript ?? this.script }],
    };
    return serializeTx(this.signInput(unsigned, 0, coinValue));
  }
}
