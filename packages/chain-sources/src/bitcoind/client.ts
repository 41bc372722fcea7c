/**
 * `BitcoindRpcClient`: bitcoind's JSON-RPC over HTTP with basic auth (rpcuser/rpcpassword or
 * the `.cookie` file's contents), the methods a Lightning node needs, and the
 * {@link BlockSource}, {@link TransactionSubmitter}, {@link FeeRateSource} and
 * {@link UtxoSource} interfaces on top of them.
 *
 * @packageDocumentation
 */
import { bytesToHex } from '@ln/crypto';
import {
  blockHashToHex, txidToHex,
  type BestBlock, type Block, type BlockHash, type BlockHeader, type OutPoint, type RawTransaction, type Txid,
} from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import { checkHeaderHash, decodeBlock, decodeHeader, MAX_BLOCK_BYTES } from '../block.js';
import { expectBlockHash, expectHex, expectTxid } from '../decode.js';
import { ChainSourceError } from '../errors.js';
import { base64Utf8, bodyText, httpRequest, type HttpOptions } from '../http.js';
import type { BlockSource, EstimateMode, FeeRateRequest, FeeRateSource, TransactionSubmitter, UtxoSource } from '../source.js';
import {
  decodeBlockchainInfo, decodeRawTransaction, decodeRpcEnvelope, decodeSmartFee, decodeTxOut,
  type BlockchainInfo, type SmartFeeEstimate, type TxOutInfo,
} from './decoders.js';

/** Options of a {@link BitcoindRpcClient}. */
export interface BitcoindRpcOptions extends HttpOptions {
  /** The RPC endpoint, e.g. `http://127.0.0.1:8332`. Credentials in the URL (`user:pass@`) are used for basic auth. */
  readonly url: string;
  /** `rpcuser`. */
  readonly user?: string;
  /** `rpcpassword`. */
  readonly password?: string;
  /** The contents of bitcoind's `.cookie` file (`__cookie__:<hex>`); used instead of user/password. */
  readonly cookie?: string;
  /** The request envelope; bitcoind 28+ answers `2.0` requests in JSON-RPC 2.0 style. Responses of both shapes are accepted. Default `1.0`. */
  readonly jsonRpcVersion?: '1.0' | '2.0';
  /**
   * `maxfeerate` (BTC/kvB) that {@link BitcoindRpcClient.submitTransaction} passes to
   * `sendrawtransaction`; `0` accepts any feerate. Default: bitcoind's own (0.10).
   */
  readonly maxFeeRate?: number;
}

/** bitcoind error codes the adapters treat specially. */
export const RPC_ERROR = {
  /** RPC_INVALID_ADDRESS_OR_KEY: no such block or transaction. */
  NOT_FOUND: -5,
  /** RPC_INVALID_PARAMETER: e.g. block height out of range. */
  INVALID_PARAMETER: -8,
  /** RPC_VERIFY_ERROR: e.g. inputs missing or spent. */
  VERIFY_ERROR: -25,
  /** RPC_VERIFY_REJECTED: mempool policy or consensus rejection. */
  VERIFY_REJECTED: -26,
  /** RPC_VERIFY_ALREADY_IN_CHAIN (renamed RPC_VERIFY_ALREADY_IN_UTXO_SET in v28). */
  ALREADY_IN_CHAIN: -27,
  /** RPC_IN_WARMUP: bitcoind is still starting. */
  IN_WARMUP: -28,
  /** Method not found. */
  METHOD_NOT_FOUND: -32601,
} as const;

/** Whether a `sendrawtransaction` failure means bitcoind already has the transaction. */
export function isAlreadyKnownRejection(e: unknown): boolean {
  if (!(e instanceof ChainSourceError) || e.kind !== 'rpc') return false;
  if (e.rpcCode === RPC_ERROR.ALREADY_IN_CHAIN) return true;
  return e.rpcCode === RPC_ERROR.VERIFY_REJECTED && /txn-already-(known|in-mempool)/.test(e.message);
}

/** A JSON-RPC client of bitcoind. Every method rejects only with {@link ChainSourceError}. */
export class BitcoindRpcClient implements BlockSource, TransactionSubmitter, FeeRateSource, UtxoSource {
  private readonly url: string;
  private readonly authorization?: string;
  private readonly version: '1.0' | '2.0';
  private nextId = 1;

  constructor(private readonly opts: BitcoindRpcOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new ChainSourceError('network', `invalid bitcoind URL ${JSON.stringify(opts.url)}`);
    }
    let credentials: string | undefined;
    if (opts.cookie !== undefined) credentials = opts.cookie.trim();
    else if (opts.user !== undefined) credentials = `${opts.user}:${opts.password ?? ''}`;
    else if (url.username) credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    url.username = '';
    url.password = '';
    this.url = url.toString();
    if (credentials !== undefined) this.authorization = `Basic ${base64Utf8(credentials)}`;
    this.version = opts.jsonRpcVersion ?? '1.0';
  }

  /** Calls any RPC method and returns its decoded `result`. */
  async call(method: string, params: readonly unknown[] = []): Promise<unknown> {
    const id = this.nextId++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.authorization) headers['authorization'] = this.authorization;
    const body = JSON.stringify({ jsonrpc: this.version, id, method, params });
    const res = await httpRequest(this.url, { method: 'POST', headers, body }, this.opts, method);
    return decodeRpcEnvelope(res.status, bodyText(res.body), id, method);
  }

  /** `getblockchaininfo`. */
  async getBlockchainInfo(): Promise<BlockchainInfo> {
    return decodeBlockchainInfo(await this.call('getblockchaininfo'));
  }

  /** `getblockhash height`: the best chain's block at `height`. */
  async getBlockHash(height: number): Promise<BlockHash> {
    return expectBlockHash(await this.call('getblockhash', [height]), 'getblockhash');
  }

  /** `getblockheader hash false`: the 80-byte header, checked to hash to `hash`. */
  async getBlockHeader(hash: BlockHash): Promise<BlockHeader> {
    const raw = expectHex(await this.call('getblockheader', [blockHashToHex(hash), false]), 'getblockheader', 'header hex', 80);
    const header = decodeHeader(raw, 'getblockheader');
    checkHeaderHash(header, hash, 'getblockheader');
    return header;
  }

  /** `getblock hash 0`: the serialized block, checked against `hash` and its merkle root. */
  async getBlock(hash: BlockHash): Promise<Block> {
    const raw = expectHex(await this.call('getblock', [blockHashToHex(hash), 0]), 'getblock', 'block hex', MAX_BLOCK_BYTES);
    return decodeBlock(raw, hash, 'getblock');
  }

  /** `getrawtransaction txid false [blockhash]` (needs `-txindex` for confirmed transactions without `blockHash`). */
  async getRawTransaction(txid: Txid, blockHash?: BlockHash): Promise<RawTransaction> {
    const params: unknown[] = [txidToHex(txid), false];
    if (blockHash) params.push(blockHashToHex(blockHash));
    return decodeRawTransaction(await this.call('getrawtransaction', params), txid);
  }

  /**
   * `sendrawtransaction hex [maxfeerate]`: resolves with the txid bitcoind reports. bitcoind
   * refuses feerates above `maxfeerate` (BTC/kvB, default 0.10); pass `0` to accept any, e.g. for
   * urgent claims (the client's `maxFeeRate` option sets it for {@link BitcoindRpcClient.submitTransaction}).
   */
  async sendRawTransaction(tx: RawTransaction, maxFeeRateBtcPerKvb?: number): Promise<Txid> {
    const params: unknown[] = [bytesToHex(tx)];
    if (maxFeeRateBtcPerKvb !== undefined) params.push(maxFeeRateBtcPerKvb);
    return expectTxid(await this.call('sendrawtransaction', params), 'sendrawtransaction');
  }

  /** `gettxout txid vout include_mempool`: the output if unspent, else `undefined`. */
  async getTxOut(txid: Txid, vout: number, includeMempool = false): Promise<TxOutInfo | undefined> {
    return decodeTxOut(await this.call('gettxout', [txidToHex(txid), vout, includeMempool]));
  }

  /** `estimatesmartfee blocks mode`, the feerate converted to sat/kw. */
  async estimateSmartFee(blocks: number, mode: EstimateMode = 'economical'): Promise<SmartFeeEstimate> {
    return decodeSmartFee(await this.call('estimatesmartfee', [blocks, mode.toUpperCase()]));
  }

  /** {@link BlockSource}: the tip from one `getblockchaininfo` call (hash and height read together). */
  async getBestBlock(): Promise<BestBlock> {
    const info = await this.getBlockchainInfo();
    return { blockHash: info.bestBlockHash, height: info.blocks };
  }

  /** {@link BlockSource}: `getblockheader`. */
  getHeader(hash: BlockHash): Promise<BlockHeader> {
    return this.getBlockHeader(hash);
  }

  /** {@link TransactionSubmitter}: `sendrawtransaction`; "already in chain / mempool" counts as success. */
  async submitTransaction(tx: RawTransaction): Promise<Txid> {
    try {
      return await this.sendRawTransaction(tx, this.opts.maxFeeRate);
    } catch (e) {
      if (isAlreadyKnownRejection(e)) {
        try {
          return txidOf(parseTx(tx));
        } catch {
          throw e;
        }
      }
      throw e;
    }
  }

  /** {@link FeeRateSource}: one `estimatesmartfee` per distinct request (targets clamped to 1..1008). */
  async fetchFeeRates(requests: readonly FeeRateRequest[]): Promise<(number | undefined)[]> {
    const cache = new Map<string, Promise<SmartFeeEstimate>>();
    return Promise.all(
      requests.map(async (r) => {
        const blocks = Math.min(1008, Math.max(1, Math.floor(r.blocks)));
        const key = `${blocks}:${r.mode}`;
        let p = cache.get(key);
        if (!p) cache.set(key, (p = this.estimateSmartFee(blocks, r.mode)));
        return (await p).satPerKw;
      }),
    );
  }

  /** {@link UtxoSource}: `gettxout` without the mempool (a confirmed spend makes it spent). */
  async isOutputUnspent(outpoint: OutPoint): Promise<boolean> {
    return (await this.getTxOut(outpoint.txid, outpoint.vout, false)) !== undefined;
  }
}
