/**
 * A bitcoind JSON-RPC stand-in over a MemoryChain, answering with bitcoind's documented shapes:
 * legacy JSON-RPC 1.0 envelopes (`{result, error, id}`, HTTP 500 on errors, 404 for an unknown
 * method) and, for requests with `"jsonrpc": "2.0"`, v28's JSON-RPC 2.0 (HTTP 200, `result` or
 * `error`). Basic auth like bitcoind: 401 with an empty body and `WWW-Authenticate`.
 */
import { bytesToHex, hexToBytes } from '@ln/crypto';
import { blockHashToHex, txidFromHex, txidToHex } from '@ln/chain-interfaces';
import { parseTx, type MemoryChain } from '@ln/test-kit';
import { serializeBlock } from '../../src/index.js';
import { ChainBackend } from './backend.js';
import { TestHttpServer, type Reply } from './http-server.js';

export interface FakeBitcoindOptions {
  readonly user?: string;
  readonly password?: string;
  /** Answer like bitcoind before v28: ignore `jsonrpc: "2.0"` and always use 1.0 envelopes. */
  readonly legacyOnly?: boolean;
  /** estimatesmartfee: BTC/kvB for a target and mode, or undefined for "no estimate". */
  feerate?: (blocks: number, mode: string) => number | undefined;
}

class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const BTC = (sat: bigint): number => Number(sat) / 1e8;

export class FakeBitcoind {
  readonly backend: ChainBackend;
  readonly server: TestHttpServer;
  /** RPC methods called, in order. */
  readonly calls: string[] = [];
  /** The `maxfeerate` argument of each sendrawtransaction (undefined when not given). */
  readonly maxFeeRates: unknown[] = [];

  constructor(readonly chain: MemoryChain, readonly opts: FakeBitcoindOptions = {}) {
    this.backend = new ChainBackend(chain);
    this.server = new TestHttpServer((req) => this.handle(req));
  }

  async start(): Promise<this> {
    await this.server.listen();
    return this;
  }
  get url(): string {
    return this.server.url;
  }
  close(): Promise<void> {
    return this.server.close();
  }

  private handle(req: { method: string; headers: Record<string, string | string[] | undefined>; body: Uint8Array }): { name: string; reply: Reply } {
    const user = this.opts.user ?? 'user';
    const pass = this.opts.password ?? 'pass';
    const expected = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
    if (req.headers['authorization'] !== expected) {
      return { name: 'unauthorized', reply: { status: 401, body: '', headers: { 'www-authenticate': 'Basic realm="jsonrpc"' } } };
    }
    if (req.method !== 'POST') return { name: 'not-post', reply: { status: 405, body: 'JSONRPC server handles only POST requests' } };
    let request: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    try {
      request = JSON.parse(Buffer.from(req.body).toString('utf8'));
    } catch {
      return { name: 'parse-error', reply: this.envelope('1.0', null, undefined, { code: -32700, message: 'Parse error' }, 500) };
    }
    const v2 = !this.opts.legacyOnly && request.jsonrpc === '2.0';
    const method = String(request.method);
    this.calls.push(method);
    const params = Array.isArray(request.params) ? request.params : [];
    try {
      const result = this.dispatch(method, params);
      return { name: method, reply: this.envelope(v2 ? '2.0' : '1.0', request.id, result, null, 200) };
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      const status = v2 ? 200 : e.code === -32601 ? 404 : 500;
      return { name: method, reply: this.envelope(v2 ? '2.0' : '1.0', request.id, undefined, { code: e.code, message: e.message }, status) };
    }
  }

  private envelope(version: '1.0' | '2.0', id: unknown, result: unknown, error: { code: number; message: string } | null, status: number): Reply {
    const body =
      version === '2.0'
        ? error
          ? { jsonrpc: '2.0', error, id }
          : { jsonrpc: '2.0', result, id }
        : { result: error ? null : result, error, id };
    return { status, body: JSON.stringify(body) + '\n', contentType: 'application/json' };
  }

  private blockByHash(hashHex: unknown) {
    if (typeof hashHex !== 'string' || !/^[0-9a-f]{64}$/i.test(hashHex)) throw new RpcError(-8, `blockhash must be of length 64 (not ${String(hashHex).length}, for '${String(hashHex)}')`);
    const b = this.backend.byHash(hashHex);
    if (!b) throw new RpcError(-5, 'Block not found');
    return b;
  }

  private dispatch(method: string, params: unknown[]): unknown {
    const chain = this.chain;
    switch (method) {
      case 'getblockchaininfo':
        return {
          chain: 'regtest', blocks: chain.tipHeight, headers: chain.tipHeight, bestblockhash: blockHashToHex(chain.tip.hash),
          difficulty: 4.656542373906925e-10, time: chain.tip.time, mediantime: chain.tip.time, verificationprogress: 1,
          initialblockdownload: false, chainwork: (BigInt(chain.tipHeight + 1) * 2n).toString(16).padStart(64, '0'),
          size_on_disk: 293, pruned: false, warnings: '',
        };
      case 'getblockhash': {
        const h = params[0];
        if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h > chain.tipHeight) throw new RpcError(-8, 'Block height out of range');
        return blockHashToHex(chain.getHeader(h)!.hash);
      }
      case 'getblockheader': {
        const b = this.blockByHash(params[0]);
        if (params[1] === false) return bytesToHex(b.block.header.raw);
        return { hash: blockHashToHex(b.block.header.hash), confirmations: b.inBestChain ? chain.tipHeight - b.height + 1 : -1, height: b.height, time: b.block.header.time, previousblockhash: blockHashToHex(b.block.header.prevBlockHash) };
      }
      case 'getblock': {
        const b = this.blockByHash(params[0]);
        if (params[1] === 0) return bytesToHex(serializeBlock(b.block));
        throw new RpcError(-8, 'this stand-in only serves verbosity 0');
      }
      case 'getrawtransaction': {
        const raw = typeof params[0] === 'string' && /^[0-9a-f]{64}$/i.test(params[0]) ? chain.getTransaction(txidFromHex(params[0])) : undefined;
        if (!raw) throw new RpcError(-5, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
        return bytesToHex(raw);
      }
      case 'sendrawtransaction': {
        let raw: Uint8Array;
        try {
          raw = hexToBytes(String(params[0]));
          parseTx(raw);
        } catch {
          throw new RpcError(-22, 'TX decode failed. Make sure the tx has at least one input.');
        }
        const txid = parseTx(raw).txid;
        this.maxFeeRates.push(params[1]);
        if (chain.confirmations(txid) > 0) throw new RpcError(-27, 'Transaction outputs already in utxo set');
        const r = chain.submitToMempool(raw);
        if (!r.ok) {
          if (/does not exist or is already spent/.test(r.reason)) throw new RpcError(-25, 'bad-txns-inputs-missingorspent');
          throw new RpcError(-26, r.reason);
        }
        return txidToHex(r.txid);
      }
      case 'gettxout': {
        const [txidHex, n] = params;
        if (typeof txidHex !== 'string' || !/^[0-9a-f]{64}$/i.test(txidHex) || typeof n !== 'number') throw new RpcError(-8, 'txid must be of length 64');
        const txid = txidFromHex(txidHex);
        if (!chain.isUnspent({ txid, vout: n })) return null;
        const tx = parseTx(chain.getTransaction(txid)!);
        const out = tx.outputs[n]!;
        const conf = this.backend.confirmedIn(txid)!;
        return {
          bestblock: blockHashToHex(chain.tip.hash), confirmations: chain.confirmations(txid), value: BTC(out.valueSat),
          scriptPubKey: { asm: '', desc: `raw(${bytesToHex(out.scriptPubkey)})#00000000`, hex: bytesToHex(out.scriptPubkey), type: 'nonstandard' },
          coinbase: conf.block.transactions[0] !== undefined && txidToHex(parseTx(conf.block.transactions[0]).txid) === txidHex,
        };
      }
      case 'estimatesmartfee': {
        const [blocks, mode] = params;
        if (typeof blocks !== 'number' || blocks < 1 || blocks > 1008) throw new RpcError(-8, 'Invalid conf_target, must be between 1 and 1008');
        const rate = this.opts.feerate?.(blocks, String(mode ?? 'CONSERVATIVE'));
        if (rate === undefined) return { errors: ['Insufficient data or no feerate found'], blocks: 0 };
        return { feerate: rate, blocks };
      }
      default:
        throw new RpcError(-32601, 'Method not found');
    }
  }
}
