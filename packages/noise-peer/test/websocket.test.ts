import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { makeMessage } from '@ln/wire';
import { connectWebSocket, type WebSocketConstructor } from '@ln/noise-peer/websocket';
import { connectWebSocketNode, listenWebSocket } from '@ln/noise-peer/node';
import { disconnects, testPeer, until } from './helpers/peers.js';

const ping = (n: number) => makeMessage('ping', { numPongBytes: n, ignored: new Uint8Array(3) });

// Node 20 has no global WebSocket; Node >= 22 does. The browser adapter is run with `ws`'s
// client (same WHATWG shape), and with the global one where it exists.
const clients: [string, WebSocketConstructor][] = [['ws client through the browser adapter', WebSocket as unknown as WebSocketConstructor]];
const G = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
if (G) clients.push(["Node's global WebSocket through the browser adapter", G]);
else console.log('  (no global WebSocket on this Node version: the browser adapter runs with the ws client only)');

for (const [name, Ctor] of clients) {
  test(`WebSocket over loopback (${name}): handshake, init, pings both ways, 2500 messages across key rotations`, async () => {
    const server = testPeer();
    const client = testPeer();
    const l = await listenWebSocket(server.pm, 0);
    const d = await connectWebSocket(client.pm, server.pm.nodeId, `ws://127.0.0.1:${l.port}/`, { WebSocket: Ctor });
    assert.ok(await until(() => client.pm.getPeerNodeIds().length === 1 && server.pm.getPeerNodeIds().length === 1), 'both sides connected');
    assert.is(client.received.get('init'), 1);
    assert.is(server.received.get('init'), 1);
    client.pm.sendToPeer(server.pm.nodeId, ping(12));
    server.pm.sendToPeer(client.pm.nodeId, ping(7));
    assert.ok(await until(() => client.pongLengths.length === 1 && server.pongLengths.length === 1));
    assert.equal(client.pongLengths, [12]);
    assert.equal(server.pongLengths, [7]);
    for (let i = 0; i < 1250; i++) client.pm.sendToPeer(server.pm.nodeId, ping(i % 40));
    assert.ok(await until(() => client.pongLengths.length === 1251, 10000), `pongs: ${client.pongLengths.length}`);
    assert.equal(client.pongLengths.slice(1), Array.from({ length: 1250 }, (_, i) => i % 40));
    d.disconnectSocket();
    assert.ok(await until(() => server.pm.getPeerNodeIds().length === 0));
    assert.match(disconnects(server)[0]!.reason, 'closed by the peer');
    await l.close();
  });
}

test('WebSocket: connectWebSocketNode (ws) to listenWebSocket; a wrong node id fails the handshake on both sides; a text frame is refused', async () => {
  const server = testPeer();
  const client = testPeer();
  const l = await listenWebSocket(server.pm, 0);
  await connectWebSocketNode(client.pm, server.pm.nodeId, `ws://127.0.0.1:${l.port}`);
  assert.ok(await until(() => server.pm.getPeerNodeIds().length === 1 && client.pm.getPeerNodeIds().length === 1));
  const wrong = testPeer();
  const d = await connectWebSocketNode(wrong.pm, client.pm.nodeId, `ws://127.0.0.1:${l.port}`);
  assert.ok(await until(() => d.closed && disconnects(wrong).length === 1));
  assert.match(disconnects(server).at(-1)!.reason, 'act 1: MAC does not verify');
  assert.ok(disconnects(wrong)[0]!.duringHandshake);
  // A text frame is not BOLT 8.
  const raw = new WebSocket(`ws://127.0.0.1:${l.port}`);
  await new Promise((r) => raw.once('open', r));
  raw.send('hello');
  assert.ok(await until(() => raw.readyState === WebSocket.CLOSED));
  const refused = disconnects(server).at(-1)!;
  assert.match(refused.reason, 'a text WebSocket frame: BOLT 8 is carried in binary frames only');
  assert.ok(refused.byUs, 'the server closed it');
  assert.ok(server.logs.some((r) => r.level === 'warn' && r.message === `disconnecting: ${refused.reason}`), 'the reason is logged');
  assert.is(server.pm.getPeerNodeIds().length, 1, 'the healthy peer is undisturbed');
  await l.close();
});

test('WebSocket backpressure: a client that floods pings while not reading pauses the server, which answers everything once it reads', async () => {
  const server = testPeer(undefined, { limits: { pauseReadBytes: 64 * 1024 } });
  const client = testPeer();
  const l = await listenWebSocket(server.pm, 0);
  const d = await connectWebSocketNode(client.pm, server.pm.nodeId, `ws://127.0.0.1:${l.port}`);
  assert.ok(await until(() => server.pm.getPeerNodeIds().length === 1 && client.pm.getPeerNodeIds().length === 1));
  const ws = d.ws as unknown as { pause(): void; resume(): void };
  ws.pause(); // the client reads nothing for now
  const N = 3000; // 24 MB of 8000-byte pongs: more than the loopback socket buffers hold
  for (let i = 0; i < N; i++) client.pm.sendToPeer(server.pm.nodeId, makeMessage('ping', { numPongBytes: 8000, ignored: new Uint8Array(0) }));
  let last = -1;
  while ((server.received.get('ping') ?? 0) !== last) {
    last = server.received.get('ping') ?? 0;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(last < N, `the server stopped handling the client (${last} of ${N})`);
  assert.ok(server.pm.queuedOutboundBytes(client.pm.nodeId)! <= 64 * 1024 + 8038);
  ws.resume();
  assert.ok(await until(() => client.pongLengths.length === N, 15_000), `all answered (${client.pongLengths.length})`);
  assert.is(disconnects(server).length + disconnects(client).length, 0);
  await l.close();
});

test.run();
