/**
 * `@ln/noise-peer/node`: Node TCP sockets wired to a `PeerManager` (the only place this
 * package touches sockets). `listen` accepts inbound peers; `connect` dials one. Reads pause
 * when the manager asks (its outbound buffer to that peer is full) and resume when it drains.
 */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import type { PeerManager, SocketDescriptor } from './peer-manager.js';

/** A `SocketDescriptor` over a Node `net.Socket`. */
export class TcpDescriptor implements SocketDescriptor {
  private closedByUs = false;
  constructor(
    readonly socket: Socket,
    private readonly pm: PeerManager,
  ) {}
  private waitingDrain = false;
  /**
   * Takes the bytes while the kernel-side write buffer Node keeps is under `highWaterMark`
   * (the socket's, 16 KiB by default); past it, takes nothing and calls
   * `writeBufferSpaceAvail` on `drain`. So what Node buffers for a peer that does not read is
   * bounded, and the rest waits in the `PeerManager`'s bounded queue, which pauses reads
   * and finally disconnects.
   */
  sendData(data: Uint8Array, resumeRead: boolean): number {
    if (this.socket.destroyed) return 0;
    if (resumeRead && this.socket.isPaused()) this.socket.resume();
    if (data.length === 0) return 0; // only a resume signal
    if (this.socket.writableLength >= this.socket.writableHighWaterMark) {
      this.awaitDrain();
      return 0;
    }
    if (!this.socket.write(data)) this.awaitDrain();
    return data.length;
  }
  private awaitDrain(): void {
    if (this.waitingDrain) return;
    this.waitingDrain = true;
    this.socket.once('drain', () => {
      this.waitingDrain = false;
      this.pm.writeBufferSpaceAvail(this);
      this.pm.processEvents();
    });
  }
  disconnectSocket(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }
  /** Whether the manager closed it (as opposed to the peer or the network). */
  get closedByManager(): boolean {
    return this.closedByUs;
  }
}

function wire(pm: PeerManager, socket: Socket, descriptor: TcpDescriptor, onEvent?: () => void): void {
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    // Pause before processEvents: its flush may already resume reading (sendData with
    // resumeRead), and pausing after that would leave the socket paused for good.
    if (pm.readEvent(descriptor, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))) socket.pause();
    pm.processEvents();
    onEvent?.();
  });
  socket.on('close', () => {
    pm.socketDisconnected(descriptor);
    onEvent?.();
  });
  socket.on('error', () => socket.destroy());
}

/**
 * Accepts inbound connections on `host:port` (port 0 picks a free one). `close()` stops
 * accepting and closes the connections it accepted.
 */
export async function listen(pm: PeerManager, port: number, host = '127.0.0.1', onEvent?: () => void): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const d = new TcpDescriptor(socket, pm);
    try {
      pm.newInboundConnection(d);
    } catch {
      socket.destroy();
      return;
    }
    wire(pm, socket, d, onEvent);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const s of open) s.destroy();
    });
  return { server, port: actual, close };
}

/** Dials `host:port` and starts the handshake towards `theirNodeId`. Resolves once the TCP connection is up. */
export async function connect(pm: PeerManager, theirNodeId: Uint8Array, host: string, port: number, onEvent?: () => void): Promise<TcpDescriptor> {
  const socket = netConnect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.removeAllListeners('error');
  const d = new TcpDescriptor(socket, pm);
  let actOne: Uint8Array;
  try {
    actOne = pm.newOutboundConnection(theirNodeId, d);
  } catch (e) {
    // Refused (too many pending handshakes, a bad key): do not leave the socket open.
    socket.destroy();
    throw e;
  }
  wire(pm, socket, d, onEvent);
  d.sendData(actOne, false);
  return d;
}

export { listenWebSocket, connectWebSocketNode, type WebSocketListener, type ListenWebSocketOptions } from './node/websocket.js';
