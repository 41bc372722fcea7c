import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeMessage } from '@ln/wire';
import { connect, listen } from '@ln/noise-peer/node';
import { hex, secp, testPeer, until } from './helpers/peers.js';
import { cli, type Proc } from './helpers/spawn.js';

const key = (b: number) => hex(new Uint8Array(32).fill(b));
const types = (p: Proc, event: string) => p.lines.filter((l) => l.event === event).map((l) => l.type);

async function pairOfClis(extra: string[]) {
  const l = cli('listen', '--port', '0', '--privkey', key(0x51), ...extra);
  const first = await l.line(() => true);
  assert.is(first.event, 'listening', 'the first line of listen says where it listens');
  assert.is(first.node_id, hex(secp.publicKeyCreate(new Uint8Array(32).fill(0x51))));
  assert.ok(first.port > 0);
  const c = cli('connect', '--host', '127.0.0.1', '--port', String(first.port), '--remote-pubkey', first.node_id, '--pings', '3', ...extra);
  const [lc, cc] = await Promise.all([l.exited, c.exited]);
  assert.is(cc, 0, c.stderr());
  assert.is(lc, 0, l.stderr());
  for (const p of [l, c]) {
    assert.ok(types(p, 'message_sent').includes('init') && types(p, 'message_received').includes('init'), 'init both ways');
    assert.ok(types(p, 'message_received').includes('ping') && types(p, 'message_sent').includes('pong'), 'answered the ping');
    assert.ok(p.lines.some((x) => x.event === 'done' && x.ok));
  }
  assert.is(c.lines.filter((x) => x.event === 'pong_ok').length, 3);
  assert.equal(c.lines.filter((x) => x.event === 'pong_ok').map((x) => x.num_pong_bytes), [16, 17, 18]);
  const pong = c.lines.find((x) => x.event === 'message_received' && x.type === 'pong')!;
  assert.is(pong.fields.ignored, '00'.repeat(16), 'bytes as hex');
}

test('ln-peer listen against ln-peer connect over TCP: both exit 0, every message one JSON line', () => pairOfClis([]));
test('ln-peer listen against ln-peer connect over WebSocket (--websocket)', () => pairOfClis(['--websocket']));

test('ln-peer listen against the library as initiator: init, the CLI pings us and answers our ping', async () => {
  const l = cli('listen', '--port', '0');
  const first = await l.line((x) => x.event === 'listening');
  const lib = testPeer();
  await connect(lib.pm, Uint8Array.from(Buffer.from(first.node_id, 'hex')), '127.0.0.1', first.port);
  assert.ok(await until(() => lib.pm.getPeerNodeIds().length === 1));
  lib.pm.sendToPeer(lib.pm.getPeerNodeIds()[0]!, makeMessage('ping', { numPongBytes: 5, ignored: new Uint8Array(2) }));
  assert.is(await l.exited, 0, l.stderr());
  assert.equal(lib.pongLengths, [5]);
  assert.is(lib.received.get('ping'), 1);
  const ping = l.lines.find((x) => x.event === 'message_received' && x.type === 'ping')!;
  assert.equal(ping.fields, { numPongBytes: 5, ignored: '0000', tlvs: {} });
  assert.is(ping.peer, hex(lib.pm.nodeId));
});

test('ln-peer connect against the library as responder', async () => {
  const lib = testPeer();
  const srv = await listen(lib.pm, 0);
  const c = cli('connect', '--host', '127.0.0.1', '--port', String(srv.port), '--remote-pubkey', hex(lib.pm.nodeId), '--privkey', key(0x61));
  assert.ok(await until(() => lib.pm.getPeerNodeIds().length === 1, 20_000));
  lib.pm.sendToPeer(lib.pm.getPeerNodeIds()[0]!, makeMessage('ping', { numPongBytes: 9, ignored: new Uint8Array(0) }));
  assert.is(await c.exited, 0, c.stderr());
  assert.equal(lib.pongLengths, [9]);
  assert.equal(lib.pm.getPeerNodeIds().length, 0, 'the CLI disconnected when done');
  await srv.close();
});

test('ln-peer: a wrong --remote-pubkey fails the handshake on both sides with a reason; bad usage exits 2', async () => {
  const l = cli('listen', '--port', '0');
  const first = await l.line((x) => x.event === 'listening');
  const c = cli('connect', '--host', '127.0.0.1', '--port', String(first.port), '--remote-pubkey', hex(secp.publicKeyCreate(new Uint8Array(32).fill(9))));
  const [lc, cc] = await Promise.all([l.exited, c.exited]);
  assert.is(cc, 1);
  assert.is(lc, 1);
  assert.match(c.lines.find((x) => x.event === 'error')!.reason, 'handshake failed');
  assert.match(l.lines.find((x) => x.event === 'error')!.reason, 'act 1: MAC does not verify');
  const bad = cli('connect', '--port', '1');
  assert.is(await bad.exited, 2);
  assert.match(bad.stderr(), 'usage');
  const badKey = cli('listen', '--port', '0', '--privkey', 'zz');
  assert.is(await badKey.exited, 2);
});

test.run();
