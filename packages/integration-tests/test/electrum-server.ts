/**
 * A small Electrum-protocol server (protocol 1.4, newline-delimited JSON-RPC 2.0 over TCP on
 * 127.0.0.1) serving test-kit's `MemoryChain`. The chain stays the one authority: Electrum's
 * real `Network`, `Interface`, `Synchronizer`, SPV verifier and `LNWatcher` read headers,
 * histories, transactions and merkle branches from it, and broadcasts go into its mempool,
 * exactly as our node's broadcaster's do.
 *
 * Methods served: `server.version|ping|banner|donation_address|peers.subscribe|features`,
 * `blockchain.headers.subscribe`, `blockchain.block.header(s)`, `blockchain.estimatefee`,
 * `blockchain.relayfee`, `mempool.get_fee_histogram`, `blockchain.scripthash.subscribe|get_history|listunspent|get_balance`,
 * `blockchain.transaction.get|get_merkle|broadcast|id_from_pos`. Changes (new blocks, mempool
 * entries) reach subscribers by notification; `poll()` looks for them (called on a short timer
 * and after every `mine`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { txidFromHex, txidToHex, type Txid } from '@ln/chain-interfaces';
import { bytesToHex, hexToBytes, sha256, sha256d } from '@ln/crypto';
import { parseTx, type MemoryChain, type ParsedTx } from '@ln/test-kit';

const revHex = (b: Uint8Array) => bytesToHex(Uint8Array.from(b).reverse());

/** sha256 of the script, byte-reversed, hex: the Electrum protocol's script hash. */
export function scripthashOf(scriptPubkey: Uint8Array): string {
  return revHex(sha256(scriptPubkey));
}

interface HistItem {
  tx_hash: string;
  height: number;
  fee?: number;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server. `close()` ends it and its connections. */
export class ElectrumServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly headerSubs = new Set<Socket>();
  /** scripthash -> sockets subscribed, and the last status sent. */
  private readonly shSubs = new Map<string, { socks: Set<Socket>; status: string | null }>();
  private lastTip = -1;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Every request served, by method (for assertions and debugging). */
  readonly calls = new Map<string, number>();
  /** Transactions Electrum broadcast, with what the mempool said. */
  readonly broadcasts: { txid: string; ok: boolean; reason?: string }[] = [];
  port = 0;

  constructor(
    readonly chain: MemoryChain,
    /** Fee estimate served for every target, sat/vB. */
    readonly feeSatPerVbyte = 10,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((s) => this.onSocket(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    this.lastTip = this.chain.tipHeight;
    this.timer = setInterval(() => this.poll(), 50);
    return this.port;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private onSocket(s: Socket): void {
    this.sockets.add(s);
    s.setNoDelay(true);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) this.onLine(s, line);
      }
    });
    const drop = () => {
      this.sockets.delete(s);
      this.headerSubs.delete(s);
      for (const sub of this.shSubs.values()) sub.socks.delete(s);
    };
    s.on('close', drop);
    s.on('error', () => s.destroy());
  }

  private send(s: Socket, obj: unknown): void {
    if (!s.destroyed) s.write(JSON.stringify(obj) + '\n');
  }

  private onLine(s: Socket, line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.send(s, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
      return;
    }
    const reqs = Array.isArray(msg) ? msg : [msg];
    const out = reqs.map((r) => this.handle(s, r as { id?: unknown; method: string; params?: unknown[] })).filter((x) => x !== undefined);
    if (Array.isArray(msg)) this.send(s, out);
    else if (out.length) this.send(s, out[0]);
  }

  private handle(s: Socket, r: { id?: unknown; method: string; params?: unknown[] }): unknown {
    if (r.id === undefined) return undefined; // a notification to us: nothing to answer
    this.calls.set(r.method, (this.calls.get(r.method) ?? 0) + 1);
    try {
      return { jsonrpc: '2.0', id: r.id, result: this.dispatch(s, r.method, r.params ?? []) };
    } catch (e) {
      const code = e instanceof RpcError ? e.code : 1;
      return { jsonrpc: '2.0', id: r.id, error: { code, message: (e as Error).message } };
    }
  }

  private dispatch(s: Socket, method: string, p: unknown[]): unknown {
    const c = this.chain;
    switch (method) {
      case 'server.version':
        return ['ln-ts MemoryChain electrum server', '1.4'];
      case 'server.ping':
        return null;
      case 'server.banner':
        return 'ln-ts test chain';
      case 'server.donation_address':
        return '';
      case 'server.peers.subscribe':
        return [];
      case 'server.features':
        return { genesis_hash: revHex(c.chainHash), hosts: {}, protocol_max: '1.4', protocol_min: '1.4', pruning: null, server_version: 'ln-ts', hash_function: 'sha256' };
      case 'blockchain.headers.subscribe':
        this.headerSubs.add(s);
        return this.tipInfo();
      case 'blockchain.block.header': {
        const h = this.height(p[0]);
        return bytesToHex(c.getHeader(h)!.raw);
      }
      case 'blockchain.block.headers': {
        const start = this.height(p[0]);
        const want = Number(p[1]);
        const count = Math.max(0, Math.min(want, 2016, c.tipHeight - start + 1));
        let hex = '';
        for (let h = start; h < start + count; h++) hex += bytesToHex(c.getHeader(h)!.raw);
        return { count, hex, max: 2016 };
      }
      case 'blockchain.estimatefee':
        // BTC per kvB.
        return (this.feeSatPerVbyte * 1000) / 1e8;
      case 'blockchain.relayfee':
        return 0.00001;
      case 'mempool.get_fee_histogram':
        return [];
      case 'blockchain.scripthash.subscribe': {
        const sh = String(p[0]);
        const status = this.status(sh);
        const sub = this.shSubs.get(sh) ?? { socks: new Set<Socket>(), status };
        sub.socks.add(s);
        sub.status = status;
        this.shSubs.set(sh, sub);
        return status;
      }
      case 'blockchain.scripthash.unsubscribe': {
        const sub = this.shSubs.get(String(p[0]));
        return sub ? sub.socks.delete(s) : false;
      }
      case 'blockchain.scripthash.get_history':
        return this.history(String(p[0]));
      case 'blockchain.scripthash.listunspent':
        return this.unspent(String(p[0]));
      case 'blockchain.scripthash.get_balance': {
        let confirmed = 0;
        let unconfirmed = 0;
        for (const u of this.unspent(String(p[0]))) (u.height > 0 ? (confirmed += u.value) : (unconfirmed += u.value));
        return { confirmed, unconfirmed };
      }
      case 'blockchain.transaction.get': {
        if (p[1]) throw new RpcError(-32602, 'verbose transactions are not served');
        const raw = c.getTransaction(this.txid(p[0]));
        if (!raw) throw new RpcError(2, `No such mempool or blockchain transaction. ${String(p[0])}`);
        return bytesToHex(raw);
      }
      case 'blockchain.transaction.get_merkle':
        return this.merkle(this.txid(p[0]));
      case 'blockchain.transaction.broadcast': {
        const raw = hexToBytes(String(p[0]));
        const r = c.submitToMempool(raw);
        this.broadcasts.push({ txid: txidToHex(r.txid), ok: r.ok, ...(r.ok ? {} : { reason: r.reason }) });
        if (!r.ok) throw new RpcError(1, `the transaction was rejected by network rules.\n\n${r.reason}\n[${String(p[0])}]`);
        setImmediate(() => this.poll());
        return txidToHex(r.txid);
      }
      case 'blockchain.transaction.id_from_pos': {
        const h = this.height(p[0]);
        const pos = Number(p[1]);
        const txs = this.blockTxs(h);
        const tx = txs[pos];
        if (!tx) throw new RpcError(1, `no tx at position ${pos} of block ${h}`);
        if (!p[2]) return txidToHex(tx.txid);
        return { tx_hash: txidToHex(tx.txid), merkle: this.branch(txs.map((t) => t.txid), pos) };
      }
      default:
        throw new RpcError(-32601, `unknown method ${method}`);
    }
  }

  private height(v: unknown): number {
    const h = Number(v);
    if (!Number.isInteger(h) || h < 0 || h > this.chain.tipHeight) throw new RpcError(1, `height ${String(v)} out of range`);
    return h;
  }

  private txid(v: unknown): Txid {
    try {
      return txidFromHex(String(v));
    } catch {
      throw new RpcError(1, `${String(v)} is not a txid`);
    }
  }

  private tipInfo(): { hex: string; height: number } {
    return { hex: bytesToHex(this.chain.tip.raw), height: this.chain.tipHeight };
  }

  /** Confirmed history per script hash, built block by block (rebuilt after a reorg). */
  private index = new Map<string, HistItem[]>();
  /** Script hash of every confirmed output, by "txid:vout" (display hex). */
  private outSh = new Map<string, string>();
  private indexed: { height: number; hash: string }[] = [];
  private parsed = new Map<number, { hash: string; txs: ParsedTx[] }>();

  private blockTxs(h: number): ParsedTx[] {
    const hash = bytesToHex(this.chain.getHeader(h)!.hash);
    const c = this.parsed.get(h);
    if (c && c.hash === hash) return c.txs;
    const txs = this.chain.getBlock(h)!.transactions.map((raw) => parseTx(raw));
    this.parsed.set(h, { hash, txs });
    return txs;
  }

  private addTx(t: ParsedTx, height: number, into: Map<string, HistItem[]>, outSh: Map<string, string>, fee?: number): void {
    const id = txidToHex(t.txid);
    const touched = new Set<string>();
    t.outputs.forEach((o, vout) => {
      const sh = scripthashOf(o.scriptPubkey);
      outSh.set(`${id}:${vout}`, sh);
      touched.add(sh);
    });
    for (const i of t.inputs) {
      const sh = outSh.get(`${txidToHex(i.txid)}:${i.vout}`) ?? this.outSh.get(`${txidToHex(i.txid)}:${i.vout}`);
      if (sh) touched.add(sh);
    }
    for (const sh of touched) {
      const list = into.get(sh) ?? [];
      list.push(fee === undefined ? { tx_hash: id, height } : { tx_hash: id, height, fee });
      into.set(sh, list);
    }
  }

  private syncIndex(): void {
    const c = this.chain;
    // Drop indexed blocks that a reorg replaced.
    let keep = this.indexed.length;
    while (keep > 0) {
      const b = this.indexed[keep - 1]!;
      const hd = c.getHeader(b.height);
      if (hd && bytesToHex(hd.hash) === b.hash) break;
      keep--;
    }
    if (keep < this.indexed.length) {
      this.index = new Map();
      this.outSh = new Map();
      this.indexed = [];
      keep = 0;
    }
    for (let h = this.indexed.length + 1; h <= c.tipHeight; h++) {
      for (const t of this.blockTxs(h)) this.addTx(t, h, this.index, this.outSh);
      this.indexed.push({ height: h, hash: bytesToHex(c.getHeader(h)!.hash) });
    }
  }

  /** The mempool's history entries per script hash (height 0, or -1 with an unconfirmed parent). */
  private mempoolIndex(): Map<string, HistItem[]> {
    const c = this.chain;
    const mem = orderParentsFirst(c.mempoolTxids().map((id) => parseTx(c.getTransaction(id)!)));
    const inMempool = new Set(mem.map((t) => txidToHex(t.txid)));
    const into = new Map<string, HistItem[]>();
    const outSh = new Map<string, string>();
    for (const t of mem) {
      const unconfirmedParent = t.inputs.some((i) => inMempool.has(txidToHex(i.txid)));
      this.addTx(t, unconfirmedParent ? -1 : 0, into, outSh, Number(this.feeOf(t)));
    }
    // As ElectrumX: mempool entries after confirmed ones, height 0 before -1, then by txid.
    for (const list of into.values()) list.sort((a, b) => b.height - a.height || (a.tx_hash < b.tx_hash ? -1 : 1));
    return into;
  }

  /** Every confirmed tx (by height, block order) and mempool tx touching the script hash. */
  private history(sh: string, mem = this.mempoolIndex()): HistItem[] {
    this.syncIndex();
    return [...(this.index.get(sh) ?? []), ...(mem.get(sh) ?? [])];
  }

  private feeOf(t: ParsedTx): bigint {
    let inV = 0n;
    for (const i of t.inputs) {
      const raw = this.chain.getTransaction(i.txid);
      if (!raw) return 0n; // a faucet coin
      inV += parseTx(raw).outputs[i.vout]!.valueSat;
    }
    const fee = inV - t.outputs.reduce((a, o) => a + o.valueSat, 0n);
    return fee < 0n ? 0n : fee;
  }

  private unspent(sh: string): { tx_hash: string; tx_pos: number; height: number; value: number }[] {
    const c = this.chain;
    const res: { tx_hash: string; tx_pos: number; height: number; value: number }[] = [];
    const spentInMempool = new Set<string>();
    for (const id of c.mempoolTxids()) for (const i of parseTx(c.getTransaction(id)!).inputs) spentInMempool.add(`${txidToHex(i.txid)}:${i.vout}`);
    for (const item of this.history(sh)) {
      const t = parseTx(c.getTransaction(txidFromHex(item.tx_hash))!);
      t.outputs.forEach((o, vout) => {
        if (scripthashOf(o.scriptPubkey) !== sh) return;
        const op = { txid: t.txid, vout };
        const key = `${item.tx_hash}:${vout}`;
        const confirmed = item.height > 0;
        if (spentInMempool.has(key) || (confirmed && !c.isUnspent(op))) return;
        res.push({ tx_hash: item.tx_hash, tx_pos: vout, height: Math.max(0, item.height), value: Number(o.valueSat) });
      });
    }
    return res;
  }

  /** Electrum's status: sha256 of "txid:height:" over the history, or null when empty. */
  private status(sh: string, mem?: Map<string, HistItem[]>): string | null {
    const h = this.history(sh, mem);
    if (!h.length) return null;
    return bytesToHex(sha256(new TextEncoder().encode(h.map((i) => `${i.tx_hash}:${i.height}:`).join(''))));
  }

  private merkle(txid: Txid): { block_height: number; merkle: string[]; pos: number } {
    const c = this.chain;
    const conf = c.confirmations(txid);
    if (conf === 0) throw new RpcError(1, `tx ${txidToHex(txid)} is not confirmed`);
    const h = c.tipHeight - conf + 1;
    const ids = this.blockTxs(h).map((t) => t.txid);
    const pos = ids.findIndex((t) => bytesToHex(t) === bytesToHex(txid));
    return { block_height: h, merkle: this.branch(ids, pos), pos };
  }

  /** The merkle branch of leaf `pos` (display-order hex, as ElectrumX sends it). */
  private branch(txids: readonly Txid[], pos: number): string[] {
    let level: Uint8Array[] = txids.map((t) => Uint8Array.from(t));
    let i = pos;
    const out: string[] = [];
    while (level.length > 1) {
      if (level.length % 2) level.push(level[level.length - 1]!);
      out.push(revHex(level[i ^ 1]!));
      const next: Uint8Array[] = [];
      for (let k = 0; k < level.length; k += 2) {
        const cat = new Uint8Array(64);
        cat.set(level[k]!, 0);
        cat.set(level[k + 1]!, 32);
        next.push(sha256d(cat));
      }
      level = next;
      i >>= 1;
    }
    return out;
  }

  /** Sends notifications for a new tip and for every subscribed script hash whose status changed. */
  poll(): void {
    if (this.chain.tipHeight !== this.lastTip) {
      this.lastTip = this.chain.tipHeight;
      const info = this.tipInfo();
      for (const s of this.headerSubs) this.send(s, { jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [info] });
    }
    const mem = this.mempoolIndex();
    for (const [sh, sub] of this.shSubs) {
      if (!sub.socks.size) continue;
      const st = this.status(sh, mem);
      if (st === sub.status) continue;
      sub.status = st;
      for (const s of sub.socks) this.send(s, { jsonrpc: '2.0', method: 'blockchain.scripthash.subscribe', params: [sh, st] });
    }
  }
}

function orderParentsFirst(txs: ParsedTx[]): ParsedTx[] {
  const byId = new Map(txs.map((t) => [txidToHex(t.txid), t]));
  const done = new Set<string>();
  const out: ParsedTx[] = [];
  const visit = (t: ParsedTx) => {
    const k = txidToHex(t.txid);
    if (done.has(k)) return;
    done.add(k);
    for (const i of t.inputs) {
      const p = byId.get(txidToHex(i.txid));
      if (p) visit(p);
    }
    out.push(t);
  };
  for (const t of txs) visit(t);
  return out;
}
