/**
 * `@ln/noise-peer/websocket`: a `PeerManager` over a WebSocket, so a browser wallet can reach
 * a node through a WebSocket endpoint. Binary frames carry the raw BOLT 8 byte stream (acts,
 * then encrypted messages); frame boundaries mean nothing, exactly as TCP segments. Works with
 * the browser's global `WebSocket` and with any object of the same shape (the `ws` package's
 * client on Node; `@ln/noise-peer/node` has `listenWebSocket` for the server side). No Node
 * imports here: this entry bundles for browsers.
 *
 * @packageDocumentation
 */
import type { PeerManager, SocketDescriptor } from './peer-manager.js';

/** `WebSocket.OPEN`. */
const OPEN = 1;

/**
 * The part of the WHATWG `WebSocket` the adapter uses. The browser's `WebSocket` and the `ws`
 * package's `WebSocket` both satisfy it; `pause`/`resume` (which `ws` has and browsers lack)
 * are used when present to stop reading from a peer whose outbound buffer is full.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: { data?: unknown }) => void): void;
  pause?(): void;
  resume?(): void;
}

/** A `WebSocket` constructor (the browser's global, or `ws`'s). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of the WebSocket adapter. */
export interface WebSocketAdapterOptions {
  /**
   * `bufferedAmount` at or above which `sendData` takes nothing, leaving the bytes in the
   * `PeerManager`'s bounded queue until the socket drains (default 256 KiB).
   */
  readonly maxBufferedAmount?: number;
  /** How often a full socket is polled for room, in ms (browsers have no drain event; default 10). */
  readonly drainPollMs?: number;
  /** Called after every read, drain and close, e.g. to run the caller's own event processing. */
  readonly onEvent?: () => void;
}

/**
 * A `SocketDescriptor` over a WebSocket: each `sendData` is one binary frame. When the
 * socket's `bufferedAmount` is past the limit it takes nothing and polls until there is room,
 * then calls `writeBufferSpaceAvail` (BOLT 8 bytes are never dropped, only delayed).
 */
export class WebSocketDescriptor implements SocketDescriptor {
  private closedByUs = false;
  private polling = false;
  private readonly maxBuffered: number;
  private readonly pollMs: number;
  constructor(
    readonly ws: WebSocketLike,
    private readonly pm: PeerManager,
    private readonly opts: WebSocketAdapterOptions = {},
  ) {
    this.maxBuffered = opts.maxBufferedAmount ?? 256 * 1024;
    this.pollMs = opts.drainPollMs ?? 10;
  }

  sendData(data: Uint8Array, resumeRead: boolean): number {
    if (this.ws.readyState !== OPEN) return 0;
    if (resumeRead) this.ws.resume?.();
    if (data.length === 0) return 0; // only a resume signal (an empty frame would be sent)
    if (this.ws.bufferedAmount >= this.maxBuffered) {
      this.pollDrain();
      return 0;
    }
    this.ws.send(data);
    return data.length;
  }

  private pollDrain(): void {
    if (this.polling) return;
    this.polling = true;
    const tick = () => {
      if (this.ws.readyState !== OPEN) return void (this.polling = false);
      if (this.ws.bufferedAmount >= this.maxBuffered) return void setTimeout(tick, this.pollMs);
      this.polling = false;
      this.pm.writeBufferSpaceAvail(this);
      this.pm.processEvents();
      this.opts.onEvent?.();
    };
    setTimeout(tick, this.pollMs);
  }

  disconnectSocket(): void {
    this.closedByUs = true;
    this.ws.close(1000);
  }

  /** Whether the manager closed it (as opposed to the peer or the network). */
  get closedByManager(): boolean {
    return this.closedByUs;
  }

  /** Whether the socket is closed or closing. */
  get closed(): boolean {
    return this.ws.readyState > OPEN;
  }
}

function frameBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // A plain Uint8Array view, also of a Node Buffer (whose `slice` would not copy).
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** Wires an open WebSocket's events to the manager for a descriptor already registered with it. */
function wire(pm: PeerManager, d: WebSocketDescriptor, opts: WebSocketAdapterOptions): void {
  const ws = d.ws;
  let gone = false;
  const closed = () => {
    if (gone) return;
    gone = true;
    pm.socketDisconnected(d);
    opts.onEvent?.();
  };
  ws.addEventListener('message', (ev) => {
    if (gone) return;
    const bytes = frameBytes(ev.data);
    if (!bytes) {
      // A text frame (or a Blob: binaryType was changed) is not part of a BOLT 8 stream.
      gone = true;
      pm.disconnectDescriptor(d, `a ${typeof ev.data === 'string' ? 'text' : 'non-binary'} WebSocket frame: BOLT 8 is carried in binary frames only`);
      opts.onEvent?.();
      return;
    }
    // Pause before processEvents: its flush may already resume reading (sendData with
    // resumeRead), and pausing after that would leave the socket paused for good.
    if (pm.readEvent(d, bytes)) ws.pause?.();
    pm.processEvents();
    opts.onEvent?.();
  });
  ws.addEventListener('close', closed);
  ws.addEventListener('error', () => {
    if (ws.readyState <= OPEN) ws.close(1000);
    closed();
  });
}

/**
 * Registers an already open, inbound WebSocket with the manager (it waits for act one).
 * Throws, and closes the socket, when the manager refuses it (too many pending handshakes).
 */
export function acceptWebSocket(pm: PeerManager, ws: WebSocketLike, opts: WebSocketAdapterOptions = {}): WebSocketDescriptor {
  ws.binaryType = 'arraybuffer';
  const d = new WebSocketDescriptor(ws, pm, opts);
  try {
    pm.newInboundConnection(d);
  } catch (e) {
    ws.close(1000);
    throw e;
  }
  wire(pm, d, opts);
  return d;
}

/**
 * Opens a WebSocket to `url` and starts the BOLT 8 handshake towards `theirNodeId`. Resolves
 * once the socket is open and act one is sent; the peer is connected once its `init` arrives
 * (see `PeerManager.getPeerNodeIds` or `onEvent`). Uses the global `WebSocket` unless
 * `options.WebSocket` gives another constructor.
 */
export async function connectWebSocket(
  pm: PeerManager,
  theirNodeId: Uint8Array,
  url: string,
  options: WebSocketAdapterOptions & { readonly WebSocket?: WebSocketConstructor } = {},
): Promise<WebSocketDescriptor> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. the ws package) on this platform');
  const ws = new Ctor(url);
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error(`WebSocket connection to ${url} failed`)));
    ws.addEventListener('close', () => reject(new Error(`WebSocket to ${url} closed before it opened`)));
  });
  const d = new WebSocketDescriptor(ws, pm, options);
  const actOne = pm.newOutboundConnection(theirNodeId, d);
  wire(pm, d, options);
  d.sendData(actOne, false);
  return d;
}
