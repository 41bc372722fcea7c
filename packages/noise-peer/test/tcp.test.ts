import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nobleSymmetric } from '@ln/crypto';
import { loadNativeSecp256k1 } from '@ln/crypto/node';
import { ErroringMessageHandler, IgnoringMessageHandler } from '@ln/wire';
import { PeerManager, staticKeyFromSecret } from '@ln/noise-peer';
import { connect, listen } from '@ln/noise-peer/node';

const secp = loadNativeSecp256k1();
let n = 0;
const make = (fill: number) =>
  new PeerManager({
    crypto: { secp, sym: nobleSymmetric },
    nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(fill)),
    entropy: { getSecureRandomBytes: () => new Uint8Array(32).fill((++n % 200) + 1) },
    channelHandler: new ErroringMessageHandler(),
    routingHandler: new IgnoringMessageHandler(),
  });
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
};

test('over real TCP on 127.0.0.1: handshake, init, pings answered, then a clean disconnect', async () => {
  const server = make(0x31);
  const client = make(0x32);
  const l = await listen(server, 0);
  const d = await connect(client, server.nodeId, '127.0.0.1', l.port);
  assert.ok(await until(() => client.getPeerNodeIds().length === 1 && server.getPeerNodeIds().length === 1), 'both sides connected');
  for (let i = 0; i < 3; i++) {
    client.timerTickOccurred();
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.is(client.getPeerNodeIds().length, 1, 'pongs came back over TCP');
  d.disconnectSocket();
  assert.ok(await until(() => server.getPeerNodeIds().length === 0), 'the server saw the disconnect');
  await l.close();
});

test('over TCP: a wrong remote key fails the handshake on both sides', async () => {
  const server = make(0x41);
  const client = make(0x42);
  const l = await listen(server, 0);
  const wrong = secp.publicKeyCreate(new Uint8Array(32).fill(0x43));
  const d = await connect(client, wrong, '127.0.0.1', l.port);
  assert.ok(await until(() => d.socket.destroyed), 'the connection is closed');
  assert.is(client.getPeerNodeIds().length + server.getPeerNodeIds().length, 0);
  assert.ok(await until(() => server.lastDisconnectReason !== undefined));
  assert.match(server.lastDisconnectReason!, 'act 1: MAC does not verify', 'the responder names why: act one was made for another key');
  await l.close();
});

test.run();
