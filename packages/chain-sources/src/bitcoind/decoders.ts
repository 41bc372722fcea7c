/**
 * Decoders of bitcoind's JSON-RPC responses: the JSON-RPC 1.0 envelope (`result`, `error`,
 * `id`, HTTP 500/404 on errors before v28) and the 2.0 one (v28+, `jsonrpc: "2.0"`, HTTP 200
 * with either `result` or `error`), and the result shapes of the methods the client calls.
 * They throw only {@link ChainSourceError}.
 *
 * @packageDocumentation
 */
import { equalBytes } from '@ln/crypto';
import { txidToHex, type BlockHash, type Txid } from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import { ChainSourceError } from '../errors.js';
import {
  expectBlockHash, expectBoolean, expectFinite, expectHex, expectObject, expectString, expectUint, field,
} from '../decode.js';

/**
 * Decodes a JSON-RPC response body for request `id` and returns its `result`. HTTP status and
 * body are both untrusted; a JSON-RPC error object wins over the status (bitcoind sends 500 or
 * 404 with one), otherwise a non-200 status is an `http` error.
 */
export function decodeRpcEnvelope(status: number, text: string, id: number, method: string): unknown {
  if (status === 401 || status === 403) {
    throw new ChainSourceError('http', status === 401 ? 'unauthorized: wrong rpcuser/rpcpassword or cookie' : 'forbidden (rpcallowip?)', { endpoint: method, status });
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    if (status !== 200) throw new ChainSourceError('http', `HTTP ${status}: ${JSON.stringify(text.slice(0, 120))}`, { endpoint: method, status });
    throw new ChainSourceError('malformed', `response is not JSON: ${JSON.stringify(text.slice(0, 80))}`, { endpoint: method, status });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    if (status !== 200) throw new ChainSourceError('http', `HTTP ${status}`, { endpoint: method, status });
    throw new ChainSourceError('malformed', 'JSON-RPC response must be an object', { endpoint: method, status });
  }
  const o = json as Record<string, unknown>;
  const rid = field(o, 'id');
  if (rid !== undefined && rid !== null && rid !== id) {
    throw new ChainSourceError('malformed', `response id ${JSON.stringify(rid)?.slice(0, 40)} does not match request id ${id}`, { endpoint: method, status });
  }
  const error = field(o, 'error');
  if (error !== undefined && error !== null) {
    if (typeof error !== 'object' || Array.isArray(error)) {
      throw new ChainSourceError('malformed', 'JSON-RPC error must be an object', { endpoint: method, status });
    }
    const code = field(error as Record<string, unknown>, 'code');
    const message = field(error as Record<string, unknown>, 'message');
    if (typeof code !== 'number' || !Number.isSafeInteger(code) || typeof message !== 'string') {
      throw new ChainSourceError('malformed', 'JSON-RPC error needs an integer code and a string message', { endpoint: method, status });
    }
    throw new ChainSourceError('rpc', `RPC error ${code}: ${message.slice(0, 500)}`, { endpoint: method, status, rpcCode: code });
  }
  if (status !== 200) throw new ChainSourceError('http', `HTTP ${status} without a JSON-RPC error`, { endpoint: method, status });
  if (!Object.prototype.hasOwnProperty.call(o, 'result')) {
    throw new ChainSourceError('malformed', 'JSON-RPC response has neither result nor error', { endpoint: method, status });
  }
  return o['result'];
}

/** The fields of `getblockchaininfo` the library uses. */
export interface BlockchainInfo {
  /** `main`, `test`, `testnet4`, `signet` or `regtest`. */
  readonly chain: string;
  /** Height of the best validated block. */
  readonly blocks: number;
  /** Height of the best known header. */
  readonly headers: number;
  readonly bestBlockHash: BlockHash;
  /** `initialblockdownload` (false when absent). */
  readonly initialBlockDownload: boolean;
}

/** Decodes a `getblockchaininfo` result. */
export function decodeBlockchainInfo(result: unknown, endpoint = 'getblockchaininfo'): BlockchainInfo {
  const o = expectObject(result, endpoint, 'result');
  const ibd = field(o, 'initialblockdownload');
  return {
    chain: expectString(field(o, 'chain'), endpoint, 'chain'),
    blocks: expectUint(field(o, 'blocks'), endpoint, 'blocks', 0xffffffff),
    headers: expectUint(field(o, 'headers'), endpoint, 'headers', 0xffffffff),
    bestBlockHash: expectBlockHash(field(o, 'bestblockhash'), endpoint, 'bestblockhash'),
    initialBlockDownload: ibd === undefined ? false : expectBoolean(ibd, endpoint, 'initialblockdownload'),
  };
}

/** An unspent output as `gettxout` reports it. */
export interface TxOutInfo {
  readonly valueSat: bigint;
  readonly scriptPubkey: Uint8Array;
  readonly confirmations: number;
  /** The tip the answer refers to. */
  readonly bestBlock: BlockHash;
  readonly coinbase: boolean;
}

/** Largest amount of bitcoin there can be, in BTC. */
const MAX_MONEY_BTC = 21_000_000;

/** Converts a JSON BTC amount (8 decimals) to satoshis. */
export function btcToSat(v: unknown, endpoint: string, what: string): bigint {
  const btc = expectFinite(v, endpoint, what);
  if (btc < 0 || btc > MAX_MONEY_BTC) throw new ChainSourceError('malformed', `${what} ${btc} BTC is out of range`, { endpoint });
  return BigInt(Math.round(btc * 1e8));
}

/** Decodes a `gettxout` result: `null` (spent or unknown) is `undefined`. */
export function decodeTxOut(result: unknown, endpoint = 'gettxout'): TxOutInfo | undefined {
  if (result === null) return undefined;
  const o = expectObject(result, endpoint, 'result');
  const spk = expectObject(field(o, 'scriptPubKey'), endpoint, 'scriptPubKey');
  const coinbase = field(o, 'coinbase');
  return {
    valueSat: btcToSat(field(o, 'value'), endpoint, 'value'),
    scriptPubkey: expectHex(field(spk, 'hex'), endpoint, 'scriptPubKey.hex', 10_000),
    confirmations: expectUint(field(o, 'confirmations'), endpoint, 'confirmations', 0xffffffff),
    bestBlock: expectBlockHash(field(o, 'bestblock'), endpoint, 'bestblock'),
    coinbase: coinbase === undefined ? false : expectBoolean(coinbase, endpoint, 'coinbase'),
  };
}

/** An `estimatesmartfee` answer, the feerate converted to sat per 1000 weight units. */
export interface SmartFeeEstimate {
  /** Feerate in sat/kw (rounded up, not floored), absent when bitcoind has no estimate. */
  readonly satPerKw?: number;
  /** The confirmation target the estimate is for. */
  readonly blocks: number;
  /** bitcoind's `errors` (e.g. "Insufficient data or no feerate found"). */
  readonly errors: readonly string[];
}

/**
 * Converts BTC per 1000 virtual bytes to sat per 1000 weight units: sat/kvB divided by 4
 * (1 vbyte = 4 weight units), rounded up. Exact for bitcoind's 8-decimal amounts.
 */
export function btcPerKvbToSatPerKw(btcPerKvb: number): number {
  const satPerKvb = Math.round(btcPerKvb * 1e8);
  return Math.ceil(satPerKvb / 4);
}

/** Decodes an `estimatesmartfee` result. */
export function decodeSmartFee(result: unknown, endpoint = 'estimatesmartfee'): SmartFeeEstimate {
  const o = expectObject(result, endpoint, 'result');
  const blocks = expectUint(field(o, 'blocks'), endpoint, 'blocks', 100_000);
  const rawErrors = field(o, 'errors');
  let errors: string[] = [];
  if (rawErrors !== undefined) {
    if (!Array.isArray(rawErrors) || rawErrors.length > 100) throw new ChainSourceError('malformed', 'errors must be an array of strings', { endpoint });
    errors = rawErrors.map((e, i) => expectString(e, endpoint, `errors[${i}]`));
  }
  const feerate = field(o, 'feerate');
  if (feerate === undefined) return { blocks, errors };
  const f = expectFinite(feerate, endpoint, 'feerate');
  if (f < 0 || f > MAX_MONEY_BTC) throw new ChainSourceError('malformed', `feerate ${f} BTC/kvB is out of range`, { endpoint });
  // bitcoind answers -1 in some old versions when it has no estimate.
  if (f <= 0) return { blocks, errors };
  return { satPerKw: btcPerKvbToSatPerKw(f), blocks, errors };
}

/** Decodes a raw transaction (hex) and checks that it has the txid asked for. */
export function decodeRawTransaction(result: unknown, txid: Txid, endpoint = 'getrawtransaction'): Uint8Array {
  const raw = expectHex(result, endpoint, 'transaction hex', 4_000_000);
  let got: Txid;
  try {
    got = txidOf(parseTx(raw));
  } catch (e) {
    throw new ChainSourceError('malformed', `not a transaction: ${(e as Error).message}`, { endpoint, cause: e });
  }
  if (!equalBytes(got, txid)) throw new ChainSourceError('inconsistent', `asked for ${txidToHex(txid)}, got ${txidToHex(got)}`, { endpoint });
  return raw;
}
