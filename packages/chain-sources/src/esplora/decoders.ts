/**
 * Decoders of Esplora's REST responses (Blockstream's esplora / electrs and mempool.space use
 * the same API): plain-text heights, hashes and hex, and the JSON of block status, transaction
 * status, outspends and fee estimates. They throw only {@link ChainSourceError}.
 *
 * @packageDocumentation
 */
import type { BlockHash, Txid } from '@ln/chain-interfaces';
import { ChainSourceError } from '../errors.js';
import { expectBlockHash, expectBoolean, expectFinite, expectObject, expectTxid, expectUint, field, parseJson } from '../decode.js';

/** `GET /block/:hash/status`. */
export interface EsploraBlockStatus {
  readonly inBestChain: boolean;
  /** Present for blocks of the best chain. */
  readonly height?: number;
  /** The best chain's next block, when there is one. */
  readonly nextBest?: BlockHash;
}

/** `GET /tx/:txid/status`. */
export interface EsploraTxStatus {
  readonly confirmed: boolean;
  readonly blockHeight?: number;
  readonly blockHash?: BlockHash;
  readonly blockTime?: number;
}

/** `GET /tx/:txid/outspend/:vout`. */
export interface EsploraOutspend {
  readonly spent: boolean;
  /** The spending transaction, when spent. */
  readonly txid?: Txid;
  /** Its input index. */
  readonly vin?: number;
  /** Whether the spending transaction is confirmed (absent when not spent). */
  readonly confirmed?: boolean;
  readonly blockHeight?: number;
}

const opt = <T>(v: unknown, read: (v: unknown) => T): T | undefined => (v === undefined || v === null ? undefined : read(v));

/** Decodes `/block/:hash/status` JSON text. */
export function decodeBlockStatus(text: string, endpoint = '/block/:hash/status'): EsploraBlockStatus {
  const o = expectObject(parseJson(text, endpoint), endpoint);
  const inBestChain = expectBoolean(field(o, 'in_best_chain'), endpoint, 'in_best_chain');
  const height = opt(field(o, 'height'), (v) => expectUint(v, endpoint, 'height', 0xffffffff));
  const nextBest = opt(field(o, 'next_best'), (v) => expectBlockHash(v, endpoint, 'next_best'));
  if (inBestChain && height === undefined) throw new ChainSourceError('malformed', 'a best-chain block status needs a height', { endpoint });
  return { inBestChain, ...(height !== undefined && { height }), ...(nextBest && { nextBest }) };
}

function decodeStatusObject(o: ReturnType<typeof expectObject>, endpoint: string): EsploraTxStatus {
  const confirmed = expectBoolean(field(o, 'confirmed'), endpoint, 'confirmed');
  if (!confirmed) return { confirmed };
  return {
    confirmed,
    blockHeight: expectUint(field(o, 'block_height'), endpoint, 'block_height', 0xffffffff),
    blockHash: expectBlockHash(field(o, 'block_hash'), endpoint, 'block_hash'),
    ...(field(o, 'block_time') !== undefined && { blockTime: expectUint(field(o, 'block_time'), endpoint, 'block_time', 0xffffffff) }),
  };
}

/** Decodes `/tx/:txid/status` JSON text. */
export function decodeTxStatus(text: string, endpoint = '/tx/:txid/status'): EsploraTxStatus {
  return decodeStatusObject(expectObject(parseJson(text, endpoint), endpoint), endpoint);
}

/** Decodes `/tx/:txid/outspend/:vout` JSON text. */
export function decodeOutspend(text: string, endpoint = '/tx/:txid/outspend/:vout'): EsploraOutspend {
  const o = expectObject(parseJson(text, endpoint), endpoint);
  const spent = expectBoolean(field(o, 'spent'), endpoint, 'spent');
  if (!spent) return { spent };
  const txid = expectTxid(field(o, 'txid'), endpoint, 'txid');
  const vin = expectUint(field(o, 'vin'), endpoint, 'vin', 0xffffffff);
  const status = field(o, 'status');
  if (status === undefined) return { spent, txid, vin };
  const s = decodeStatusObject(expectObject(status, endpoint, 'status'), endpoint);
  return { spent, txid, vin, confirmed: s.confirmed, ...(s.blockHeight !== undefined && { blockHeight: s.blockHeight }) };
}

/**
 * Decodes `/fee-estimates` JSON text: an object from confirmation target (a decimal string,
 * e.g. `"1"`, `"144"`) to a feerate in sat/vB. Returns the entries sorted by target.
 */
export function decodeFeeEstimates(text: string, endpoint = '/fee-estimates'): Map<number, number> {
  const o = expectObject(parseJson(text, endpoint), endpoint);
  const keys = Object.keys(o);
  if (keys.length > 1000) throw new ChainSourceError('malformed', `${keys.length} fee estimates is too many`, { endpoint });
  const entries: [number, number][] = [];
  for (const k of keys) {
    if (!/^[0-9]{1,6}$/.test(k)) throw new ChainSourceError('malformed', `fee estimate key ${JSON.stringify(k.slice(0, 20))} is not a block count`, { endpoint });
    const blocks = Number(k);
    const rate = expectFinite(o[k], endpoint, `fee estimate for ${k} blocks`);
    if (blocks < 1 || rate < 0 || rate > 1e7) throw new ChainSourceError('malformed', `fee estimate ${k}: ${rate} sat/vB is out of range`, { endpoint });
    entries.push([blocks, rate]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  return new Map(entries);
}

/** Converts sat/vB to sat/kw (x250), rounded up; the micro-rounding keeps 1.1 sat/vB at 275, not 276. */
export function satPerVbToSatPerKw(satPerVb: number): number {
  return Math.ceil(Math.round(satPerVb * 250 * 1e6) / 1e6);
}

/**
 * The estimate for confirming within `blocks` from Esplora's table: the entry for the largest
 * target not above `blocks` (so at least as fast as asked), else the smallest target there is.
 */
export function pickEsploraEstimate(estimates: ReadonlyMap<number, number>, blocks: number): number | undefined {
  let best: number | undefined;
  let smallest: [number, number] | undefined;
  for (const [target, rate] of estimates) {
    if (!smallest || target < smallest[0]) smallest = [target, rate];
    if (target <= blocks) best = rate;
  }
  return best ?? smallest?.[1];
}

/** Reads bitcoind's error out of an Esplora broadcast rejection (`sendrawtransaction RPC error: {"code":-26,...}`). */
export function rpcCodeOfRejection(text: string): number | undefined {
  const m = /"code"\s*:\s*(-?[0-9]{1,6})/.exec(text);
  return m ? Number(m[1]) : undefined;
}
