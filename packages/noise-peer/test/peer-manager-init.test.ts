/**
 * PeerManager, in memory: connection set-up and its refusals (the `init` checks, handler
 * refusals, the pending cap, invalid node ids), pings, the peer's `error`/`warning` as logged,
 * handler error actions, and custom messages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogRecord } from '@ln/chain-interfaces';
import { Features, IgnoringMessageHandler, LightningError, chainHashOf, makeMessage, type CustomMessageHandler, type ErrorAction } from '@ln/wire';
import { NoiseError, NoiseHandshake, PeerManager, printablePeerData, staticKeyFromSecret, type SocketDescriptor } from '@ln/noise-peer';
import { Wire, count, crypto, entropy, pair, recordingChannelHandler, secp } from './helpers/memory.js';

const enc = new TextEncoder();
const recorder = () => {
  const logs: LogRecord[] = [];
  return { logs, logger: { log: (r: LogRecord) => logs.push(r) } };
};
const manager = (fill: number, limits = {}) =>
  new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(fill)), entropy, channelHandler: recordingChannelHandler(), routingHandler: new IgnoringMessageHandler(), limits });

test('init: a peer whose features miss a dependency (BOLT 9: option_simple_close needs option_shutdown_anysegwit) is disconnected', () => {
  const { a, b } = pair({ aFeatures: Features.empty().withOptional('option_simple_close') });
  assert.is(b.getPeerNodeIds().length, 0);
  assert.is(b.lastDisconnectReason, "peer's features miss a dependency: option_simple_close requires option_shutdown_anysegwit");
  assert.is(a.getPeerNodeIds().length, 0, 'the dialer sees the connection closed');
  const ok = pair({ aFeatures: Features.empty().withOptional('option_simple_close').withOptional('option_shutdown_anysegwit') });
  assert.is(ok.b.getPeerNodeIds().length, 1, 'with its dependency set it connects');
});

test('init: a second init disconnects; one node id connected twice: the second connection is refused, the first stays', () => {
  const { a, b, wire, events } = pair();
  const init = makeMessage('init', { globalfeatures: new Uint8Array(0), features: new Uint8Array(0), tlvs: {} });
  const twin = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0xa1)), entropy, channelHandler: recordingChannelHandler(), routingHandler: new IgnoringMessageHandler() });
  let dt!: SocketDescriptor;
  let db2!: SocketDescriptor;
  dt = wire.descriptor(() => twin, () => [b, db2]);
  db2 = wire.descriptor(() => b, () => [twin, dt]);
  b.newInboundConnection(db2);
  dt.sendData(twin.newOutboundConnection(b.nodeId, dt), false);
  wire.pump(a, b, twin);
  assert.is(b.lastDisconnectReason, 'already connected to this node');
  assert.is(twin.getPeerNodeIds().length, 0);
  assert.equal(b.getPeerNodeIds(), [a.nodeId], 'the first connection stays');
  assert.ok(a.sendToPeer(b.nodeId, init));
  wire.pump(a, b);
  assert.is(b.lastDisconnectReason, 'a second init');
  assert.is(b.getPeerNodeIds().length, 0);
  assert.ok(events.b.some((e) => e.type === 'disconnected' && e.byUs && e.reason === 'a second init' && !e.duringHandshake));
});

test('init: a channel or routing handler returning false from peerConnected has the peer disconnected, and both handlers told', () => {
  const refusing = recordingChannelHandler();
  refusing.accept = false;
  const r = pair({ bChannel: refusing });
  assert.is(r.b.getPeerNodeIds().length, 0);
  assert.is(r.b.lastDisconnectReason, 'a handler refused the peer');
  assert.equal(refusing.calls, [['disconnected', String(r.a.nodeId[1])]], 'peerDisconnected follows the refused peerConnected');
  const told: string[] = [];
  class Refusing extends IgnoringMessageHandler {
    override peerConnected(): boolean {
      return false;
    }
    override peerDisconnected(): void {
      told.push('routing');
    }
  }
  const s = pair({ bRouting: new Refusing() });
  assert.is(s.b.lastDisconnectReason, 'a handler refused the peer');
  assert.equal(told, ['routing']);
  assert.equal(s.hb.calls, [['disconnected', String(s.a.nodeId[1])]]);
  assert.is(s.a.getPeerNodeIds().length, 0);
});

test("init: without config.chainHashes the channel handler's getChainHashes() is sent as networks and checked", () => {
  const testnet = recordingChannelHandler();
  testnet.chainHashes = [chainHashOf('testnet')];
  const p = pair({ bChannel: testnet });
  assert.equal(p.a.peerInit(p.b.nodeId)!.tlvs.networks, [chainHashOf('testnet')], "b's init names the handler's chain");
  const q = pair({ bChannel: testnet, aChains: [chainHashOf('mainnet')] });
  assert.is(q.b.lastDisconnectReason, 'peer shares no chain with us (init networks)');
  const own = recordingChannelHandler();
  own.chainHashes = [chainHashOf('signet')];
  const r = pair({ bChannel: own, bChains: [chainHashOf('regtest')], aChains: [chainHashOf('regtest')] });
  assert.is(r.b.getPeerNodeIds().length, 1, 'config.chainHashes wins over the handler');
});

test('newOutboundConnection with an invalid node id throws NoiseError bad_pubkey and leaves no state: the descriptor is reusable and never closed', () => {
  const pm = manager(0x31, { maxPendingHandshakes: 1 });
  let closed = 0;
  const d: SocketDescriptor = { sendData: (x) => x.length, disconnectSocket: () => closed++ };
  const bad = [new Uint8Array(33), Uint8Array.of(2, ...new Uint8Array(31), 7).subarray(0, 32), Uint8Array.of(4, ...new Uint8Array(32).fill(9)), new Uint8Array(33).fill(0xff)];
  for (const id of bad) assert.throws(() => pm.newOutboundConnection(id, d), (e: unknown) => e instanceof NoiseError && e.code === 'bad_pubkey');
  for (let i = 0; i < 4; i++) pm.timerTickOccurred();
  assert.is(closed, 0, 'no zombie entry for the timer to close');
  const actOne = pm.newOutboundConnection(manager(0x32).nodeId, d);
  assert.is(actOne.length, 50, 'the same descriptor dials a valid node id (and the pending cap of 1 was free)');
  assert.throws(() => pm.newOutboundConnection(manager(0x32).nodeId, d), (e: unknown) => e instanceof NoiseError && e.code === 'duplicate_descriptor');
  assert.throws(() => NoiseHandshake.initiate(crypto, staticKeyFromSecret(secp, new Uint8Array(32).fill(1)), bad[0]!, new Uint8Array(32).fill(2)), (e: unknown) => e instanceof NoiseError && e.code === 'bad_pubkey');
});

test('the pending cap counts peers that finished the handshake but sent no init; a refusal throws NoiseError too_many_pending', () => {
  const { logs, logger } = recorder();
  const pm = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0x33)), entropy, channelHandler: recordingChannelHandler(), routingHandler: new IgnoringMessageHandler(), logger, limits: { maxPendingHandshakes: 2 } });
  const sent: Uint8Array[] = [];
  let closed = 0;
  const mk = (): SocketDescriptor => ({ sendData: (x) => (sent.push(x.slice()), x.length), disconnectSocket: () => closed++ });
  // Two dialers complete the three acts by hand and never send init.
  for (const fill of [0x34, 0x35]) {
    const d = mk();
    pm.newInboundConnection(d);
    const { handshake, actOne } = NoiseHandshake.initiate(crypto, staticKeyFromSecret(secp, new Uint8Array(32).fill(fill)), pm.nodeId, new Uint8Array(32).fill(fill + 1));
    sent.length = 0;
    pm.readEvent(d, actOne);
    const { actThree } = handshake.processActTwo(sent[0]!);
    pm.readEvent(d, actThree);
    assert.ok(sent.length > 1, 'the manager sent its init: the handshake is done');
  }
  assert.throws(() => pm.newInboundConnection(mk()), (e: unknown) => e instanceof NoiseError && e.code === 'too_many_pending' && /handshake or init \(2\)/.test(e.message));
  assert.ok(logs.some((r) => r.level === 'warn' && r.message === 'refusing inbound connection: too many connections in the handshake or init (2)'));
  for (let i = 0; i < 3; i++) pm.timerTickOccurred();
  assert.is(closed, 2, 'the timer ends both (no init in time)');
  pm.newInboundConnection(mk());
});

test('pings: num_pong_bytes up to 65531 is answered with that many bytes; 65532 and above get no pong (BOLT 1)', () => {
  const { a, b, wire, events } = pair();
  for (const n of [0, 65531, 65532, 65535, 3]) a.sendToPeer(b.nodeId, makeMessage('ping', { numPongBytes: n, ignored: new Uint8Array(0) }));
  wire.pump(a, b);
  const pongs = events.a.filter((e) => e.type === 'message' && e.direction === 'in' && e.msg.type === 'pong').map((e) => (e as { msg: { ignored: Uint8Array } }).msg.ignored.length);
  assert.equal(pongs, [0, 65531, 3]);
  assert.is(count(events.b, 'in', 'ping'), 5);
  assert.is(b.getPeerNodeIds().length, 1);
});

test("the peer's error and warning data: printable ASCII logged as text, anything else as hex (BOLT 1), long data cut", () => {
  const { logs, logger } = recorder();
  const { a, b, wire } = pair({ bLogger: logger });
  const escape = Uint8Array.of(0x1b, ...enc.encode('[2J'), 0x0a, ...enc.encode('fake log line'));
  a.sendToPeer(b.nodeId, makeMessage('warning', { channelId: new Uint8Array(32), data: escape }));
  a.sendToPeer(b.nodeId, makeMessage('error', { channelId: new Uint8Array(32), data: Uint8Array.of(0x7f, 0x41) }));
  a.sendToPeer(b.nodeId, makeMessage('error', { channelId: new Uint8Array(32), data: enc.encode('~ all printable: 32..126 !') }));
  a.sendToPeer(b.nodeId, makeMessage('warning', { channelId: new Uint8Array(32), data: new Uint8Array(600).fill(0x61) }));
  wire.pump(a, b);
  const peerLines = logs.filter((r) => / from peer: /.test(r.message)).map((r) => r.message);
  assert.equal(peerLines, [
    'warning from peer: hex:1b5b324a0a66616b65206c6f67206c696e65',
    'error from peer: hex:7f41',
    'error from peer: ~ all printable: 32..126 !',
    `warning from peer: ${'a'.repeat(512)}… (600 bytes)`,
  ]);
  assert.ok(logs.every((r) => !/[\x00-\x1f\x7f]/.test(r.message)), 'no control character reaches a log line');
  assert.is(printablePeerData(new Uint8Array(0)), '');
  assert.is(printablePeerData(Uint8Array.of(32, 126)), ' ~');
  assert.is(printablePeerData(Uint8Array.of(31)), 'hex:1f');
});

test('handler error actions, from a HandleError event and from a thrown LightningError: each does what it says', () => {
  const warning = makeMessage('warning', { channelId: new Uint8Array(32), data: enc.encode('slow down') });
  const error = makeMessage('error', { channelId: new Uint8Array(32).fill(3), data: enc.encode('bad channel') });
  const cases: [ErrorAction, string | undefined, boolean][] = [
    [{ type: 'SendErrorMessage', msg: error }, 'error', true],
    [{ type: 'SendWarningMessage', msg: warning }, 'warning', true],
    [{ type: 'IgnoreAndLog', level: 'info' }, undefined, true],
    [{ type: 'IgnoreError' }, undefined, true],
    [{ type: 'DisconnectPeerWithWarning', msg: warning }, 'warning', false],
    [{ type: 'DisconnectPeer', msg: error }, 'error', false],
    [{ type: 'DisconnectPeer' }, undefined, false],
  ];
  for (const how of ['event', 'thrown'] as const) {
    for (const [action, sends, stays] of cases) {
      const la = recorder();
      const lb = recorder();
      const { a, b, ha, wire, events } = pair({ aLogger: la.logger, bLogger: lb.logger });
      wire.orderlyClose = true; // what a sends before closing still arrives, as over TCP
      if (how === 'event') ha.pending.push({ type: 'HandleError', nodeId: b.nodeId, action });
      else {
        ha.throws.set('update_fee', new LightningError('the fee is wrong', action));
        b.sendToPeer(a.nodeId, makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 1 }));
      }
      wire.pump(a, b);
      const name = `${how} ${action.type}${'msg' in action && action.msg ? ' with msg' : ''}`;
      assert.is(a.getPeerNodeIds().length, stays ? 1 : 0, `${name}: connected`);
      assert.is(count(events.b, 'in', 'warning') + count(events.b, 'in', 'error'), sends ? 1 : 0, `${name}: messages b received`);
      if (sends) assert.is(count(events.b, 'in', sends), 1, `${name}: b received the ${sends}`);
      if (sends === 'warning') assert.ok(lb.logs.some((r) => r.message === 'warning from peer: slow down'), name);
      if (sends === 'error') assert.ok(lb.logs.some((r) => r.message === 'error from peer: bad channel'), name);
      if (!stays) assert.is(a.lastDisconnectReason, how === 'event' ? `a handler asked: ${action.type}` : 'the fee is wrong', name);
      if (action.type === 'IgnoreAndLog') assert.ok(la.logs.some((r) => r.level === 'info' && r.message === (how === 'event' ? 'a handler asked: IgnoreAndLog' : 'the fee is wrong')), name);
      if (action.type === 'IgnoreError') assert.ok(!la.logs.some((r) => /handler asked|the fee is wrong/.test(r.message)), `${name}: not logged`);
    }
  }
});

test('custom messages: types a CustomMessageHandler lists reach it (even ones too) and what it queues is sent; others stay BOLT 1 unknown', () => {
  const got: [number, number[]][] = [];
  class Custom implements CustomMessageHandler {
    readonly customTypes = [32800, 32801];
    out: [Uint8Array, number, Uint8Array][] = [];
    handleCustomMessage(_id: Uint8Array, typeNumber: number, payload: Uint8Array): void {
      got.push([typeNumber, [...payload]]);
    }
    getAndClearPendingCustomMessages(): [Uint8Array, number, Uint8Array][] {
      return this.out.splice(0);
    }
    getAndClearPendingMsgEvents(): [] {
      return [];
    }
  }
  const ca = new Custom();
  const { a, b, wire, events } = pair({ aCustom: ca, bCustom: new Custom() });
  ca.out.push([b.nodeId, 32801, Uint8Array.of(1, 2, 3)], [b.nodeId, 32800, Uint8Array.of(4)], [new Uint8Array(33).fill(2), 32801, Uint8Array.of(9)]);
  wire.pump(a, b);
  assert.equal(got, [[32801, [1, 2, 3]], [32800, [4]]], 'b handed both to its custom handler, in order; the one for an unknown peer went nowhere');
  assert.is(b.getPeerNodeIds().length, 1, 'a listed even type does not disconnect');
  assert.is(count(events.a, 'out', 'unknown'), 2);
  a.sendToPeer(b.nodeId, { type: 'unknown', typeNumber: 32803, required: false, payload: new Uint8Array(1) });
  wire.pump(a, b);
  assert.is(got.length, 2, 'an unlisted odd type is ignored');
  a.sendToPeer(b.nodeId, { type: 'unknown', typeNumber: 32802, required: true, payload: new Uint8Array(1) });
  wire.pump(a, b);
  assert.is(b.lastDisconnectReason, 'unknown required (even) message type 32802');
});

test.run();
