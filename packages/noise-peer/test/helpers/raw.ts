/** A hand-driven BOLT 8 peer over a raw TCP socket, for feeding bad input to a listener. */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { nodeSymmetric } from '@ln/crypto/node';
import { encodeMessage, Features, makeMessage, type WireMessage } from '@ln/wire';
import { NoiseHandshake, staticKeyFromSecret, type NoiseTransport } from '@ln/noise-peer';
import { secp, sleep } from './peers.js';

const c = { secp, sym: nodeSymmetric };
const open = new Set<Socket>();
const servers = new Set<Server>();

/** Destroys every raw socket and server the helpers opened (so nothing keeps the test process alive). */
export async function closeAllRaw(): Promise<void> {
  for (const s of open) s.destroy();
  open.clear();
  await Promise.all([...servers].map((s) => new Promise<void>((r) => s.close(() => r()))));
  servers.clear();
}

export class RawPeer {
  private buf = new Uint8Array(0);
  closed = false;
  /** Bytes received in all. */
  receivedBytes = 0;
  /** When set, received bytes are counted and dropped (for peers that are sent megabytes). */
  discard = false;
  transport?: NoiseTransport;
  readonly key = staticKeyFromSecret(secp, globalThis.crypto.getRandomValues(new Uint8Array(32)));
  constructor(readonly socket: Socket) {
    open.add(socket);
    socket.on('data', (d: Buffer) => {
      this.receivedBytes += d.length;
      if (this.discard) return;
      const n = new Uint8Array(this.buf.length + d.length);
      n.set(this.buf, 0);
      n.set(d, this.buf.length);
      this.buf = n;
    });
    socket.on('close', () => {
      this.closed = true;
      open.delete(socket);
    });
    socket.on('error', () => {});
  }
  static async connect(port: number): Promise<RawPeer> {
    const s = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((res, rej) => (s.once('connect', () => res()), s.once('error', rej)));
    s.setNoDelay(true);
    return new RawPeer(s);
  }
  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }
  async read(n: number, ms = 3000): Promise<Uint8Array> {
    const end = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.closed || Date.now() > end) throw new Error(`wanted ${n} bytes, have ${this.buf.length} (closed: ${this.closed})`);
      await sleep(2);
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }
  /**
   * Waits until the other side closes the connection; returns whether it did within `ms`. A
   * paused socket never sees the close (it reads nothing, so neither the FIN nor the RST), so
   * this resumes reading first, dropping what arrives.
   */
  async waitClosed(ms = 3000): Promise<boolean> {
    if (this.socket.isPaused()) {
      this.discard = true;
      this.socket.resume();
    }
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await sleep(5);
    return this.closed;
  }
  /** Acts one and two as initiator; returns act three (not sent) and the transport. */
  async actsOneTwo(remote: Uint8Array): Promise<{ actThree: Uint8Array; transport: NoiseTransport }> {
    const { handshake, actOne } = NoiseHandshake.initiate(c, this.key, remote, globalThis.crypto.getRandomValues(new Uint8Array(32)));
    this.write(actOne);
    const r = handshake.processActTwo(await this.read(50));
    return { actThree: r.actThree, transport: r.transport };
  }
  /** A full handshake and, unless `init` is false, our init (the listener's init is read and dropped). */
  async handshake(remote: Uint8Array, init = true): Promise<void> {
    const { actThree, transport } = await this.actsOneTwo(remote);
    this.write(actThree);
    this.transport = transport;
    if (init) this.send(makeMessage('init', { globalfeatures: new Uint8Array(0), features: Features.empty().withOptional('var_onion_optin').toBytes(), tlvs: {} }));
  }
  frame(msg: WireMessage): Uint8Array {
    return this.transport!.encryptMessage(encodeMessage(msg));
  }
  send(msg: WireMessage): void {
    this.write(this.frame(msg));
  }
  close(): void {
    this.socket.destroy();
  }
}

/** A raw TCP server that answers act one with whatever `reply` returns (to test our initiator). */
export async function rawResponder(reply: (actOne: Uint8Array, peer: RawPeer) => Uint8Array | undefined): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => {
    const p = new RawPeer(s);
    p.read(50)
      .then((a1) => {
        const r = reply(a1, p);
        if (r) p.write(r);
      })
      .catch(() => p.close());
  });
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server };
}
