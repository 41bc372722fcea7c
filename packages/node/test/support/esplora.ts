/**
 * An Esplora REST stand-in on 127.0.0.1 serving a `MemoryChain`: the endpoints
 * `@ln/chain-sources`' `EsploraClient` calls, with Esplora's documented response shapes (hashes
 * and txids in display hex, plain-text tips, JSON statuses and fee estimates in sat/vB).
 */
import { createServer, type Server } from 'node:http';
import { blockHashToHex, txidFromHex, txidToHex } from '@ln/chain-interfaces';
import { serializeBlock } from '@ln/chain-sources';
import { bytesToHex, hexToBytes } from '@ln/crypto';
import type { MemoryChain } from '@ln/test-kit';
import { parseTx, txidOf } from '@ln/transactions';
import type { StandIn } from './bitcoind.js';

export async function esploraStandIn(chain: MemoryChain, satPerVb = 4): Promise<StandIn> {
  const heightOf = (hash: string): number | undefined => {
    for (let h = chain.tipHeight; h >= 0; h--) if (blockHashToHex(chain.getHeader(h)!.hash) === hash) return h;
    return undefined;
  };
  const spenderOf = (txid: string, vout: number): { txid: string; vin: number; height: number } | undefined => {
    for (let h = 1; h <= chain.tipHeight; h++)
      for (const raw of chain.getBlock(h)!.transactions) {
        const tx = parseTx(raw);
        const vin = tx.inputs.findIndex((i) => txidToHex(i.prevout.txid) === txid && i.prevout.vout === vout);
        if (vin >= 0) return { txid: txidToHex(txidOf(tx)), vin, height: h };
      }
    return undefined;
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const send = (status: number, text: string | Uint8Array, type = 'text/plain') => {
        res.writeHead(status, { 'content-type': type });
        res.end(text);
      };
      let m: RegExpExecArray | null;
      if (url === '/blocks/tip/height') return send(200, String(chain.tipHeight));
      if (url === '/blocks/tip/hash') return send(200, blockHashToHex(chain.tip.hash));
      if ((m = /^\/block-height\/(\d+)$/.exec(url))) {
        const h = Number(m[1]);
        return h <= chain.tipHeight ? send(200, blockHashToHex(chain.getHeader(h)!.hash)) : send(404, 'Block not found');
      }
      if ((m = /^\/block\/([0-9a-f]{64})\/(header|raw|status)$/.exec(url))) {
        const h = heightOf(m[1]!);
        if (m[2] === 'status') return send(200, JSON.stringify(h === undefined ? { in_best_chain: false } : { in_best_chain: true, height: h, ...(h < chain.tipHeight ? { next_best: blockHashToHex(chain.getHeader(h + 1)!.hash) } : {}) }), 'application/json');
        if (h === undefined) return send(404, 'Block not found');
        return m[2] === 'header' ? send(200, bytesToHex(chain.getHeader(h)!.raw)) : send(200, serializeBlock(chain.getBlock(h)!), 'application/octet-stream');
      }
      if ((m = /^\/tx\/([0-9a-f]{64})\/hex$/.exec(url))) {
        const raw = chain.getTransaction(txidFromHex(m[1]!));
        return raw ? send(200, bytesToHex(raw)) : send(404, 'Transaction not found');
      }
      if ((m = /^\/tx\/([0-9a-f]{64})\/outspend\/(\d+)$/.exec(url))) {
        const s = spenderOf(m[1]!, Number(m[2]));
        return send(200, JSON.stringify(s ? { spent: true, txid: s.txid, vin: s.vin, status: { confirmed: true, block_height: s.height, block_hash: blockHashToHex(chain.getHeader(s.height)!.hash) } } : { spent: false }), 'application/json');
      }
      if (url === '/tx' && req.method === 'POST') {
        const r = chain.submitToMempool(hexToBytes(body.trim()));
        return r.ok ? send(200, txidToHex(r.txid)) : send(400, `sendrawtransaction RPC error: {"code":-26,"message":"${r.reason}"}`);
      }
      if (url === '/fee-estimates') return send(200, JSON.stringify({ 1: satPerVb * 2, 6: satPerVb, 144: satPerVb, 1008: 1 }), 'application/json');
      send(404, 'not found');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
