/**
 * An Esplora REST stand-in over a MemoryChain, with the API's documented response shapes:
 * plain-text heights/hashes/hex, binary `/block/:hash/raw`, JSON statuses and fee estimates,
 * `404 Block not found` / `Transaction not found`, and bitcoind's rejection text on `POST /tx`.
 */
import { bytesToHex, hexToBytes } from '@ln/crypto';
import { blockHashToHex, txidFromHex, txidToHex } from '@ln/chain-interfaces';
import { parseTx, type MemoryChain } from '@ln/test-kit';
import { serializeBlock } from '../../src/index.js';
import { ChainBackend } from './backend.js';
import { TestHttpServer, type Reply } from './http-server.js';

export interface FakeEsploraOptions {
  /** `/fee-estimates` table: target (blocks) -> sat/vB. Default: empty object (as on regtest). */
  feeEstimates?: Record<string, number>;
}

const text = (body: string, status = 200): Reply => ({ status, body, contentType: 'text/plain' });
const json = (v: unknown): Reply => ({ status: 200, body: JSON.stringify(v), contentType: 'application/json' });
const HASH = '([0-9a-fA-F]{64})';

export class FakeEsplora {
  readonly backend: ChainBackend;
  readonly server: TestHttpServer;

  constructor(readonly chain: MemoryChain, readonly opts: FakeEsploraOptions = {}) {
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

  private handle(req: { method: string; path: string; body: Uint8Array }): { name: string; reply: Reply } {
    const chain = this.chain;
    const p = req.path;
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && p === '/tx') return { name: 'POST /tx', reply: this.postTx(Buffer.from(req.body).toString('utf8')) };
    if (req.method !== 'GET') return { name: 'bad-method', reply: text('Method Not Allowed', 405) };
    if (p === '/blocks/tip/height') return { name: '/blocks/tip/height', reply: text(String(chain.tipHeight)) };
    if (p === '/blocks/tip/hash') return { name: '/blocks/tip/hash', reply: text(blockHashToHex(chain.tip.hash)) };
    if ((m = /^\/block-height\/(\d+)$/.exec(p))) {
      const b = this.backend.atHeight(Number(m[1]));
      return { name: '/block-height/:height', reply: b ? text(blockHashToHex(b.header.hash)) : text('Block not found', 404) };
    }
    if ((m = new RegExp(`^/block/${HASH}/(header|raw|status)$`).exec(p))) {
      const name = `/block/:hash/${m[2]}`;
      const b = this.backend.byHash(m[1]!);
      if (!b) return { name, reply: text('Block not found', 404) };
      if (m[2] === 'header') return { name, reply: text(bytesToHex(b.block.header.raw)) };
      if (m[2] === 'raw') return { name, reply: { status: 200, body: serializeBlock(b.block), contentType: 'application/octet-stream' } };
      const next = b.inBestChain ? chain.getHeader(b.height + 1) : undefined;
      return {
        name,
        reply: json(b.inBestChain ? { in_best_chain: true, height: b.height, next_best: next ? blockHashToHex(next.hash) : null } : { in_best_chain: false }),
      };
    }
    if ((m = new RegExp(`^/tx/${HASH}/(hex|status)$`).exec(p))) {
      const name = `/tx/:txid/${m[2]}`;
      const txid = txidFromHex(m[1]!);
      const raw = chain.getTransaction(txid);
      if (!raw) return { name, reply: text('Transaction not found', 404) };
      if (m[2] === 'hex') return { name, reply: text(bytesToHex(raw)) };
      const c = this.backend.confirmedIn(txid);
      return { name, reply: json(c ? { confirmed: true, block_height: c.height, block_hash: blockHashToHex(c.block.header.hash), block_time: c.block.header.time } : { confirmed: false }) };
    }
    if ((m = new RegExp(`^/tx/${HASH}/outspend/(\\d+)$`).exec(p))) {
      const name = '/tx/:txid/outspend/:vout';
      const s = this.backend.spenderOf({ txid: txidFromHex(m[1]!), vout: Number(m[2]) });
      if (!s) return { name, reply: json({ spent: false }) };
      const status =
        s.height === undefined
          ? { confirmed: false }
          : { confirmed: true, block_height: s.height, block_hash: blockHashToHex(chain.getHeader(s.height)!.hash), block_time: chain.getHeader(s.height)!.time };
      return { name, reply: json({ spent: true, txid: txidToHex(s.tx.txid), vin: s.vin, status }) };
    }
    if (p === '/fee-estimates') return { name: '/fee-estimates', reply: json(this.opts.feeEstimates ?? {}) };
    return { name: 'unknown-route', reply: text(`Not Found`, 404) };
  }

  private postTx(hexBody: string): Reply {
    let raw: Uint8Array;
    try {
      raw = hexToBytes(hexBody.trim());
      parseTx(raw);
    } catch {
      return text('sendrawtransaction RPC error: {"code":-22,"message":"TX decode failed"}', 400);
    }
    const txid = parseTx(raw).txid;
    if (this.chain.confirmations(txid) > 0) return text('sendrawtransaction RPC error: {"code":-27,"message":"Transaction outputs already in utxo set"}', 400);
    const r = this.chain.submitToMempool(raw);
    if (!r.ok) {
      const code = /does not exist or is already spent/.test(r.reason) ? -25 : -26;
      return text(`sendrawtransaction RPC error: ${JSON.stringify({ code, message: r.reason })}`, 400);
    }
    return text(txidToHex(r.txid));
  }
}
