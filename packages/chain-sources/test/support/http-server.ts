/**
 * A real HTTP server on 127.0.0.1 (node:http, ephemeral port) with fault injection: the next
 * matching request(s) can get an arbitrary status/body, a hang (no answer), or a reset socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A response the handlers produce. */
export interface Reply {
  status: number;
  body: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** What a fault does instead of (or to) the normal reply. */
export type Fault =
  | { readonly kind: 'reply'; readonly reply: Reply }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'transform'; readonly transform: (r: Reply) => Reply };

/** What a fault matcher sees of a request. */
export interface RequestInfo {
  readonly path: string;
  readonly body: string;
}

interface PendingFault {
  readonly match: (name: string, req: RequestInfo) => boolean;
  readonly fault: Fault;
  times: number;
}

export type Handler = (req: { method: string; path: string; headers: IncomingMessage['headers']; body: Uint8Array }) => { name: string; reply: Reply };

export class TestHttpServer {
  readonly log: string[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((req, res) => this.onRequest(req, res));
  url = '';
  /** Milliseconds to wait before each answer (simulated network latency). */
  delayMs = 0;

  constructor(private readonly handler: Handler) {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next `times` requests whose name (RPC method or route) matches get `fault`. */
  inject(match: string | RegExp | ((name: string, req: RequestInfo) => boolean), fault: Fault, times = 1): void {
    const m = typeof match === 'function' ? match : typeof match === 'string' ? (n: string) => n === match : (n: string) => match.test(n);
    this.faults.push({ match: m, fault, times });
  }

  get pendingFaults(): number {
    return this.faults.reduce((a, f) => a + f.times, 0);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const url = new URL(req.url ?? '/', 'http://x');
      let name: string;
      let reply: Reply;
      try {
        ({ name, reply } = this.handler({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body }));
      } catch (e) {
        name = 'handler-crash';
        reply = { status: 500, body: `test server crashed: ${(e as Error).stack}` };
      }
      this.log.push(name);
      const info: RequestInfo = { path: url.pathname, body: Buffer.from(body).toString('utf8') };
      const i = this.faults.findIndex((f) => f.match(name, info));
      if (i >= 0) {
        const f = this.faults[i]!;
        if (--f.times <= 0) this.faults.splice(i, 1);
        if (f.fault.kind === 'hang') return;
        if (f.fault.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        reply = f.fault.kind === 'reply' ? f.fault.reply : f.fault.transform(reply);
      }
      const data = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : Buffer.from(reply.body);
      const send = () => {
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain', 'content-length': String(data.length), ...reply.headers });
        res.end(data);
      };
      if (this.delayMs > 0) setTimeout(send, this.delayMs);
      else send();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
