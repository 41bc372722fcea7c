/**
 * WebSocket on Node through the `ws` package (an optional dependency, loaded only when these
 * functions are called): `listenWebSocket` accepts peers on a WebSocket endpoint — the way a
 * browser wallet reaches a node — and `connectWebSocketNode` dials one. The byte stream is
 * the same as over TCP (BOLT 8 acts, then encrypted messages) in binary frames.
 */
import type { PeerManager } from '../peer-manager.js';
import { acceptWebSocket, connectWebSocket, type WebSocketAdapterOptions, type WebSocketConstructor, type WebSocketDescriptor, type WebSocketLike } from '../websocket.js';

type WsModule = typeof import('ws');

async function loadWs(): Promise<WsModule> {
  try {
    const m = (await import('ws')) as WsModule & { default?: WsModule };
    return m.WebSocketServer ? m : m.default!;
  } catch (e) {
    throw new Error(`the optional dependency "ws" is not installed (npm install ws): ${(e as Error).message}`);
  }
}

/** A running WebSocket listener. */
export interface WebSocketListener {
  /** The port it listens on (the one picked when 0 was asked). */
  readonly port: number;
  /** Stops accepting and closes the open connections. */
  close(): Promise<void>;
}

/** Options of {@link listenWebSocket}. */
export interface ListenWebSocketOptions extends WebSocketAdapterOptions {
  /** URL path to accept on (default: any). */
  readonly path?: string;
  /** Largest frame a peer may send, in bytes (default 1 MiB; larger frames close the socket). */
  readonly maxFrameBytes?: number;
}

/**
 * Accepts WebSocket peers on `host:port` (port 0 picks a free one) and hands each to the
 * manager as an inbound connection.
 */
export async function listenWebSocket(pm: PeerManager, port: number, host = '127.0.0.1', options: ListenWebSocketOptions = {}): Promise<WebSocketListener> {
  const { WebSocketServer } = await loadWs();
  const wss = new WebSocketServer({ port, host, path: options.path, maxPayload: options.maxFrameBytes ?? 1024 * 1024, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    try {
      acceptWebSocket(pm, ws as unknown as WebSocketLike, options);
    } catch {
      ws.terminate();
    }
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', () => resolve());
    wss.once('error', reject);
  });
  const actual = (wss.address() as { port: number }).port;
  return {
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Dials a WebSocket endpoint with `ws` and starts the handshake towards `theirNodeId`. */
export async function connectWebSocketNode(pm: PeerManager, theirNodeId: Uint8Array, url: string, options: WebSocketAdapterOptions = {}): Promise<WebSocketDescriptor> {
  const { WebSocket } = await loadWs();
  return connectWebSocket(pm, theirNodeId, url, { ...options, WebSocket: WebSocket as unknown as WebSocketConstructor });
}
