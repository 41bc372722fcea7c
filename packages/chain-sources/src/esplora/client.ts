/**
 * `EsploraClient`: the Esplora REST API (Blockstream's esplora/electrs, mempool.space), the
 * calls a Lightning node needs, and the {@link BlockSource}, {@link TransactionSubmitter},
 * {@link FeeRateSource} and {@link UtxoSource} interfaces on top of them.
 *
 * @packageDocumentation
 */
import { bytesToHex } from '@ln/crypto';
import {
  blockHashToHex, txidToHex,
  type BestBlock, type Block, type BlockHash, type BlockHeader, type OutPoint, type RawTransaction, type Txid,
} from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import { checkHeaderHash, decodeBlock, decodeHeader } from '../block.js';
import { expectBlockHash, expectDecimalText, expectHex, expectTxid } from '../decode.js';
import { ChainSourceError } from '../errors.js';
import { bodyText, httpRequest, type HttpOptions, type HttpResponse } from '../http.js';
import type { BlockSource, FeeRateRequest, FeeRateSource, TransactionSubmitter, UtxoSource } from '../source.js';
import { decodeRawTransaction } from '../bitcoind/decoders.js';
import {
  decodeBlockStatus, decodeFeeEstimates, decodeOutspend, decodeTxStatus, pickEsploraEstimate, rpcCodeOfRejection, satPerVbToSatPerKw,
  type EsploraBlockStatus, type EsploraOutspend, type EsploraTxStatus,
} from './decoders.js';

/** Options of an {@link EsploraClient}. */
export interface EsploraOptions extends HttpOptions {
  /** The API root, e.g. `https://blockstream.info/api` or `https://mempool.space/signet/api`. */
  readonly baseUrl: string;
}

/** Whether an Esplora broadcast rejection means the transaction is already known. */
export function isEsploraAlreadyKnown(e: unknown): boolean {
  if (!(e instanceof ChainSourceError) || e.kind !== 'http') return false;
  if (e.rpcCode === -27) return true;
  return /txn-already-(known|in-mempool)|already in block chain/i.test(e.message);
}

/** An Esplora REST client. Every method rejects only with {@link ChainSourceError}. */
export class EsploraClient implements BlockSource, TransactionSubmitter, FeeRateSource, UtxoSource {
  private readonly base: string;

  constructor(private readonly opts: EsploraOptions) {
    try {
      new URL(opts.baseUrl);
    } catch {
      throw new ChainSourceError('network', `invalid Esplora URL ${JSON.stringify(opts.baseUrl)}`);
    }
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  private async request(path: string, endpoint: string, init: RequestInit = { method: 'GET' }): Promise<HttpResponse> {
    const res = await httpRequest(this.base + path, init, this.opts, endpoint);
    if (res.status < 200 || res.status > 299) {
      const text = bodyText(res.body.subarray(0, 2000)).trim();
      const code = rpcCodeOfRejection(text);
      throw new ChainSourceError('http', `HTTP ${res.status}: ${text.slice(0, 300)}`, {
        endpoint, status: res.status, ...(code !== undefined && { rpcCode: code }),
      });
    }
    return res;
  }

  private async text(path: string, endpoint: string): Promise<string> {
    return bodyText((await this.request(path, endpoint)).body);
  }

  /** `GET /blocks/tip/height`. */
  async getTipHeight(): Promise<number> {
    return expectDecimalText(await this.text('/blocks/tip/height', '/blocks/tip/height'), '/blocks/tip/height', 'tip height', 0xffffffff);
  }

  /** `GET /blocks/tip/hash`. */
  async getTipHash(): Promise<BlockHash> {
    return expectBlockHash((await this.text('/blocks/tip/hash', '/blocks/tip/hash')).trim(), '/blocks/tip/hash');
  }

  /** `GET /block-height/:height`: the best chain's block hash at `height`. */
  async getBlockHashAtHeight(height: number): Promise<BlockHash> {
    const e = '/block-height/:height';
    return expectBlockHash((await this.text(`/block-height/${height}`, e)).trim(), e);
  }

  /** `GET /block/:hash/header`: the 80-byte header as hex, checked to hash to `hash`. */
  async getBlockHeader(hash: BlockHash): Promise<BlockHeader> {
    const e = '/block/:hash/header';
    const raw = expectHex((await this.text(`/block/${blockHashToHex(hash)}/header`, e)).trim(), e, 'header hex', 80);
    const header = decodeHeader(raw, e);
    checkHeaderHash(header, hash, e);
    return header;
  }

  /** `GET /block/:hash/raw`: the serialized block (binary), checked against `hash` and its merkle root. */
  async getBlockRaw(hash: BlockHash): Promise<Block> {
    const e = '/block/:hash/raw';
    return decodeBlock((await this.request(`/block/${blockHashToHex(hash)}/raw`, e)).body, hash, e);
  }

  /** `GET /block/:hash/status`. */
  async getBlockStatus(hash: BlockHash): Promise<EsploraBlockStatus> {
    const e = '/block/:hash/status';
    return decodeBlockStatus(await this.text(`/block/${blockHashToHex(hash)}/status`, e), e);
  }

  /** `GET /tx/:txid/hex`, checked to have the txid asked for. */
  async getTxHex(txid: Txid): Promise<RawTransaction> {
    const e = '/tx/:txid/hex';
    return decodeRawTransaction((await this.text(`/tx/${txidToHex(txid)}/hex`, e)).trim(), txid, e);
  }

  /** `GET /tx/:txid/status`. */
  async getTxStatus(txid: Txid): Promise<EsploraTxStatus> {
    const e = '/tx/:txid/status';
    return decodeTxStatus(await this.text(`/tx/${txidToHex(txid)}/status`, e), e);
  }

  /** `GET /tx/:txid/outspend/:vout`. */
  async getOutspend(txid: Txid, vout: number): Promise<EsploraOutspend> {
    const e = '/tx/:txid/outspend/:vout';
    return decodeOutspend(await this.text(`/tx/${txidToHex(txid)}/outspend/${vout}`, e), e);
  }

  /** `POST /tx` with the hex as the body: resolves with the txid Esplora answers. */
  async postTransaction(tx: RawTransaction): Promise<Txid> {
    const e = 'POST /tx';
    const res = await this.request('/tx', e, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: bytesToHex(tx) });
    return expectTxid(bodyText(res.body).trim(), e);
  }

  /** `GET /fee-estimates`: confirmation target (blocks) to sat/vB. */
  async getFeeEstimates(): Promise<Map<number, number>> {
    return decodeFeeEstimates(await this.text('/fee-estimates', '/fee-estimates'));
  }

  /**
   * {@link BlockSource}: `/blocks/tip/hash`, then that block's `/status` for its height (so hash
   * and height belong together). Retries when the tip moved in between.
   */
  async getBestBlock(): Promise<BestBlock> {
    for (let attempt = 0; ; attempt++) {
      const blockHash = await this.getTipHash();
      const status = await this.getBlockStatus(blockHash);
      if (status.inBestChain && status.height !== undefined) return { blockHash, height: status.height };
      if (attempt >= 2) throw new ChainSourceError('inconsistent', 'the tip hash is not in the best chain (tip moving too fast?)', { endpoint: '/blocks/tip/hash' });
    }
  }

  /** {@link BlockSource}: `/block-height/:height`. */
  getBlockHash(height: number): Promise<BlockHash> {
    return this.getBlockHashAtHeight(height);
  }

  /** {@link BlockSource}: `/block/:hash/header`. */
  getHeader(hash: BlockHash): Promise<BlockHeader> {
    return this.getBlockHeader(hash);
  }

  /** {@link BlockSource}: `/block/:hash/raw`. */
  getBlock(hash: BlockHash): Promise<Block> {
    return this.getBlockRaw(hash);
  }

  /** {@link TransactionSubmitter}: `POST /tx`; "already known / in chain" counts as success. */
  async submitTransaction(tx: RawTransaction): Promise<Txid> {
    try {
      return await this.postTransaction(tx);
    } catch (e) {
      if (isEsploraAlreadyKnown(e)) {
        try {
          return txidOf(parseTx(tx));
        } catch {
          throw e;
        }
      }
      throw e;
    }
  }

  /** {@link FeeRateSource}: one `/fee-estimates` call, each request mapped by {@link pickEsploraEstimate} (the mode is ignored). */
  async fetchFeeRates(requests: readonly FeeRateRequest[]): Promise<(number | undefined)[]> {
    const table = await this.getFeeEstimates();
    return requests.map((r) => {
      const v = pickEsploraEstimate(table, r.blocks);
      return v === undefined ? undefined : satPerVbToSatPerKw(v);
    });
  }

  /** {@link UtxoSource}: `/tx/:txid/outspend/:vout`, spent only by a confirmed transaction. */
  async isOutputUnspent(outpoint: OutPoint): Promise<boolean> {
    const o = await this.getOutspend(outpoint.txid, outpoint.vout);
    return !(o.spent && o.confirmed !== false);
  }
}
