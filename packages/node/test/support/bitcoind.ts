/**
 * A bitcoind JSON-RPC stand-in on 127.0.0.1 serving a `MemoryChain`, for running `ln-node start`
 * child processes in tests: the methods `@ln/chain-sources`' `BitcoindRpcClient` calls, with
 * bitcoind's documented result shapes (hashes and txids in display hex, values in BTC) and its
 * error envelope (`-5` not found, `-8` out of range, `-26` rejected).
 */
import { createServer, type Server } from 'node:http';
import { blockHashToHex, txidFromHex, txidToHex } from '@ln/chain-interfaces';
import { serializeBlock } from '@ln/chain-sources';
import { bytesToHex, hexToBytes } from '@ln/crypto';
import type { MemoryChain } from '@ln/test-kit';
import { parseTx } from '@ln/transactions';

export interface StandIn {
  readonly url: string;
  close(): Promise<void>;
}

class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export async function bitcoindStandIn(chain: MemoryChain, feerateBtcPerKvb = 0.00008): Promise<StandIn> {
  const heightOf = (displayHex: string): number => {
    for (let h = chain.tipHeight; h >= 0; h--) if (blockHashToHex(chain.getHeader(h)!.hash) === displayHex) return h;
    throw new RpcError(-5, 'Block not found');
  };
  const call = (method: string, params: unknown[]): unknown => {
    switch (method) {
      case 'getblockchaininfo':
        return { chain: 'regtest', blocks: chain.tipHeight, headers: chain.tipHeight, bestblockhash: blockHashToHex(chain.tip.hash), initialblockdownload: false };
      case 'getblockhash': {
        const h = params[0] as number;
        if (!Number.isInteger(h) || h < 0 || h > chain.tipHeight) throw new RpcError(-8, 'Block height out of range');
        return blockHashToHex(chain.getHeader(h)!.hash);
      }
      case 'getblockheader':
        return bytesToHex(chain.getHeader(heightOf(params[0] as string))!.raw);
      case 'getblock':
        return bytesToHex(serializeBlock(chain.getBlock(heightOf(params[0] as string))!));
      case 'sendrawtransaction': {
        const r = chain.submitToMempool(hexToBytes(params[0] as string));
        if (!r.ok) throw new RpcError(-26, r.reason);
        return txidToHex(r.txid);
      }
      case 'getrawtransaction': {
        const raw = chain.getTransaction(txidFromHex(params[0] as string));
        if (!raw) throw new RpcError(-5, 'No such mempool or blockchain transaction');
        return bytesToHex(raw);
      }
      case 'gettxout': {
        const txid = txidFromHex(params[0] as string);
        const vout = params[1] as number;
        if (!chain.isUnspent({ txid, vout })) return null;
        const raw = chain.getTransaction(txid)!;
        const out = parseTx(raw).outputs[vout]!;
        return { bestblock: blockHashToHex(chain.tip.hash), confirmations: chain.confirmations(txid), value: Number(out.valueSat) / 1e8, scriptPubKey: { hex: bytesToHex(out.scriptPubkey) }, coinbase: false };
      }
      case 'estimatesmartfee':
        return { feerate: feerateBtcPerKvb, blocks: params[0] };
      default:
        throw new RpcError(-32601, 'Method not found');
    }
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let id: unknown = null;
      let out: unknown;
      try {
        const j = JSON.parse(body) as { method: string; params?: unknown[]; id?: unknown };
        id = j.id ?? null;
        out = { result: call(j.method, j.params ?? []), error: null, id };
        res.writeHead(200, { 'content-type': 'application/json' });
      } catch (e) {
        const code = e instanceof RpcError ? e.code : -32603;
        out = { result: null, error: { code, message: (e as Error).message }, id };
        res.writeHead(code === -32601 ? 404 : 500, { 'content-type': 'application/json' });
      }
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
