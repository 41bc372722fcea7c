/**
 * The local HTTP JSON control API of `ln-node start`. It listens on 127.0.0.1 by default;
 * every request must carry `Authorization: Bearer <token>`, the token being the contents of
 * `<datadir>/api-token` (32 random bytes in hex, created with mode 0600 at the first start),
 * so only a user who can read the data directory can drive the node.
 *
 * Requests: `POST /<method>` with a JSON object of parameters (or no body); answers
 * `200 {"result": ...}` or `4xx/5xx {"error": {"code", "message"}}`. Amounts are strings of
 * digits (bigint); ids and hashes are hex. Methods:
 *
 * | method | params | result |
 * |---|---|---|
 * | `getinfo` | — | node id, alias, network, height, listening addresses, peers, counts, wallet address |
 * | `connect` | `nodeId`, `host`, `port` (or `uri`: `id@host:port`) | `{}` once `init` is exchanged |
 * | `openchannel` | `nodeId`, `amountSat`, `pushMsat?`, `public?` | `channelId`, `fundingTxid` |
 * | `createinvoice` | `amountMsat?`, `description?`, `expirySecs?` | `invoice`, `paymentHash` |
 * | `pay` | `invoice`, `amountMsat?` | the payment's outcome |
 * | `keysend` | `nodeId`, `amountMsat` | the payment's outcome |
 * | `listchannels` | — | channels |
 * | `listpayments` | — | payments |
 * | `closechannel` | `channelId`, `force?` | `{}` |
 * | `balances` | — | wallet, channels, claimable |
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { addressFromScript } from '@ln/transactions';
import { NodeError } from './errors.js';
import type { LightningNode } from './lightning-node.js';

/** Name of the token file in the data directory. */
export const API_TOKEN_FILE = 'api-token';
const MAX_BODY = 64 * 1024;

/**
 * Reads the token of a data directory, creating it if there is none. The file is left readable
 * by its owner only (0600): a token file others may read is narrowed to that, and one that does
 * not hold a token (64 hex digits) is replaced by a new token, also 0600 (`writeFile`'s mode
 * applies only when it creates the file, so the mode is set explicitly).
 */
export async function ensureApiToken(dataDir: string): Promise<string> {
  const path = join(dataDir, API_TOKEN_FILE);
  try {
    const t = (await readFile(path, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(t)) {
      if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
      return t;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(32).toString('hex');
  await writeFile(path, token + '\n', { mode: 0o600 });
  await chmod(path, 0o600);
  return token;
}

/** A running control API. */
export interface ControlApi {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

type Params = Record<string, unknown>;

/** Serves the control API of `node` on `host:port` (port 0: any free one). */
export async function startControlApi(node: LightningNode, opts: { token: string; host?: string; port?: number }): Promise<ControlApi> {
  const host = opts.host ?? '127.0.0.1';
  const expected = Buffer.from(opts.token, 'utf8');
  const server: Server = createServer((req, res) => void handle(node, expected, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return { host, port, close: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer ([0-9a-f]+)$/.exec(h);
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Params> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new NodeError(`request body over ${MAX_BODY} bytes`, 'too_large');
    chunks.push(c as Buffer);
  }
  if (!size) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new NodeError('the body is not JSON', 'bad_request');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NodeError('the body must be a JSON object of parameters', 'bad_request');
  return v as Params;
}

async function handle(node: LightningNode, token: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authorized(req, token)) return send(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token (see <datadir>/api-token)' } });
  if (req.method !== 'POST') return send(res, 405, { error: { code: 'method_not_allowed', message: 'use POST /<method>' } });
  const method = (req.url ?? '/').replace(/^\/+/, '').split('?')[0]!;
  try {
    const params = await readBody(req);
    const result = await dispatch(node, method, params);
    send(res, 200, { result });
  } catch (e) {
    const code = e instanceof NodeError ? e.code : 'internal';
    send(res, code === 'not_found' ? 404 : e instanceof NodeError ? 400 : 500, { error: { code, message: (e as Error).message } });
  }
}

const str = (p: Params, k: string): string => {
  const v = p[k];
  if (typeof v !== 'string' || !v) throw new NodeError(`parameter ${k} (a string) is required`, 'bad_request');
  return v;
};
const amount = (p: Params, k: string, required: boolean): bigint | undefined => {
  const v = p[k];
  if (v === undefined) {
    if (required) throw new NodeError(`parameter ${k} (an amount) is required`, 'bad_request');
    return undefined;
  }
  if ((typeof v === 'string' && /^\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw new NodeError(`parameter ${k} must be a non-negative integer (a string of digits)`, 'bad_request');
};
const hex = (p: Params, k: string, bytes: number): string => {
  const v = str(p, k).toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(v)) throw new NodeError(`parameter ${k} must be ${bytes} bytes of hex`, 'bad_request');
  return v;
};

async function dispatch(node: LightningNode, method: string, p: Params): Promise<unknown> {
  switch (method) {
    case 'getinfo':
      return { ...node.getInfo(), walletAddress: addressFromScript(node.walletScript(), node.network) };
    case 'connect': {
      let nodeId: string;
      let host: string;
      let port: number;
      if (typeof p.uri === 'string') {
        const m = /^([0-9a-fA-F]{66})@(.+):(\d+)$/.exec(p.uri);
        if (!m) throw new NodeError('uri must be <node id>@<host>:<port>', 'bad_request');
        [nodeId, host, port] = [m[1]!.toLowerCase(), m[2]!, Number(m[3])];
      } else {
        nodeId = hex(p, 'nodeId', 33);
        host = str(p, 'host');
        port = Number(p.port);
      }
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new NodeError('port must be 1..65535', 'bad_request');
      await node.connect(nodeId, host, port);
      return {};
    }
    case 'openchannel':
      return node.openChannel(hex(p, 'nodeId', 33), amount(p, 'amountSat', true)!, { pushMsat: amount(p, 'pushMsat', false) ?? 0n, announce: p.public === true });
    case 'createinvoice':
      return node.createInvoice(amount(p, 'amountMsat', false), typeof p.description === 'string' ? p.description : '', typeof p.expirySecs === 'number' ? p.expirySecs : 3600);
    case 'pay': {
      const a = amount(p, 'amountMsat', false);
      return node.payInvoice(str(p, 'invoice'), a !== undefined ? { amountMsat: a } : {});
    }
    case 'keysend':
      return node.keysend(hex(p, 'nodeId', 33), amount(p, 'amountMsat', true)!);
    case 'listchannels':
      return node.listChannels();
    case 'listpayments':
      return node.listPayments();
    case 'closechannel':
      await node.closeChannel(hex(p, 'channelId', 32), { force: p.force === true });
      return {};
    case 'balances':
      return node.balances();
    default:
      throw new NodeError(`unknown method ${method}`, 'not_found');
  }
}
