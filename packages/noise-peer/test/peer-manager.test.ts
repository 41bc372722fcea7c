import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nobleSymmetric } from '@ln/crypto';
import { loadNativeSecp256k1 } from '@ln/crypto/node';
import { Features, IgnoringMessageHandler, LightningError, chainHashOf, encodeMessage, makeMessage, type ChannelMessageHandler, type Init, type MessageSendEvent } from '@ln/wire';
import { PeerManager, staticKeyFromSecret, type SocketDescriptor } from '@ln/noise-peer';

const secp = loadNativeSecp256k1();
const crypto = { secp, sym: nobleSymmetric };
let entropyCounter = 0;
const entropy = { getSecureRandomBytes: () => new Uint8Array(32).fill((++entropyCounter % 250) + 1) };

/** A channel handler that records what it is given and can queue messages. */
function recordingChannelHandler(features = Features.empty().withOptional('var_onion_optin')) {
  const calls: [string, string][] = [];
  const pending: MessageSendEvent[] = [];
  const connected: Uint8Array[] = [];
  const base = {
    calls, pending, connected,
    peerConnected: (id: Uint8Array, _init: Init) => (connected.push(id), true),
    peerDisconnected: (id: Uint8Array) => calls.push(['disconnected', String(id[1])]),
    providedInitFeatures: () => features,
    providedNodeFeatures: () => features,
    getAndClearPendingMsgEvents: () => pending.splice(0),
    getChainHashes: () => undefined,
  };
  return new Proxy(base, {
    get(t, prop: string) {
      if (prop in t) return (t as Record<string, unknown>)[prop];
      if (prop.startsWith('handle')) return (_id: Uint8Array, msg: { type: string }) => {
        calls.push([prop, msg.type]);
        if (msg.type === 'shutdown') throw new LightningError('we refuse', { type: 'DisconnectPeer' });
      };
      return undefined;
    },
  }) as unknown as ChannelMessageHandler & typeof base;
}

/** Two in-memory sockets wired to each other; `pump` delivers until quiet. */
class Wire {
  queue: [PeerManager, SocketDescriptor, Uint8Array][] = [];
  closed = new Set<SocketDescriptor>();
  accept = Infinity;
  /** Per-socket limit on what `sendData` takes (default: unlimited). */
  acceptFrom = new Map<SocketDescriptor, number>();
  descriptor(owner: () => PeerManager, other: () => [PeerManager, SocketDescriptor]): SocketDescriptor {
    const self: SocketDescriptor = {
      sendData: (data) => {
        if (this.closed.has(self)) return 0;
        const n = Math.min(data.length, this.accept, this.acceptFrom.get(self) ?? Infinity);
        if (n > 0) this.queue.push([...other(), data.slice(0, n)]);
        return n;
      },
      disconnectSocket: () => {
        this.closed.add(self);
        const [pm, d] = other();
        this.closed.add(d);
        pm.socketDisconnected(d);
      },
    };
    return self;
  }
  pump(...pms: PeerManager[]): void {
    for (let i = 0; i < 1000; i++) {
      for (const pm of pms) pm.processEvents();
      const next = this.queue.shift();
      if (!next) return;
      const [pm, d, data] = next;
      if (!this.closed.has(d)) pm.readEvent(d, data);
    }
  }
}

function pair(opts: { aFeatures?: Features; bFeatures?: Features; aChains?: Uint8Array[]; bChains?: Uint8Array[] } = {}) {
  const ha = recordingChannelHandler(opts.aFeatures);
  const hb = recordingChannelHandler(opts.bFeatures);
  const ra = new IgnoringMessageHandler();
  const rb = new IgnoringMessageHandler();
  const a = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0xa1)), entropy, channelHandler: ha, routingHandler: ra, chainHashes: opts.aChains });
  const b = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0xb2)), entropy, channelHandler: hb, routingHandler: rb, chainHashes: opts.bChains });
  const wire = new Wire();
  let da!: SocketDescriptor;
  let db!: SocketDescriptor;
  da = wire.descriptor(() => a, () => [b, db]);
  db = wire.descriptor(() => b, () => [a, da]);
  b.newInboundConnection(db);
  const act1 = a.newOutboundConnection(b.nodeId, da);
  da.sendData(act1, false);
  wire.pump(a, b);
  return { a, b, ha, hb, wire, da, db };
}

test('handshake and init exchange: both handlers see the other node connected', () => {
  const { a, b, ha, hb } = pair();
  assert.equal(a.getPeerNodeIds(), [b.nodeId]);
  assert.equal(b.getPeerNodeIds(), [a.nodeId]);
  assert.equal(ha.connected, [b.nodeId]);
  assert.equal(hb.connected, [a.nodeId]);
  assert.ok(Features.fromBytes(a.peerInit(b.nodeId)!.features).supports('var_onion_optin'));
});

test('pings on the timer are answered; a peer that stops answering is disconnected', () => {
  const { a, b, wire } = pair();
  a.timerTickOccurred();
  wire.pump(a, b);
  a.timerTickOccurred();
  wire.pump(a, b);
  assert.is(a.getPeerNodeIds().length, 1, 'pongs keep the connection');
  wire.accept = 0; // b's answers no longer arrive
  a.timerTickOccurred();
  wire.pump(a, b);
  a.timerTickOccurred();
  assert.is(a.getPeerNodeIds().length, 0);
  assert.match(a.lastDisconnectReason!, 'no pong');
});

test('channel messages reach the channel handler; handler messages reach the peer; a handler error disconnects', () => {
  const { a, b, ha, hb, wire } = pair();
  ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 2500 }) });
  wire.pump(a, b);
  assert.equal(hb.calls.filter((c) => c[0] !== 'disconnected'), [['handleUpdateFee', 'update_fee']]);
  ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: makeMessage('shutdown', { channelId: new Uint8Array(32), scriptpubkey: new Uint8Array(22) }) });
  wire.pump(a, b);
  assert.is(b.getPeerNodeIds().length, 0, 'b disconnected as its handler asked');
  assert.match(b.lastDisconnectReason!, 'we refuse');
});

test('unknown odd messages are ignored; an unknown even message disconnects', () => {
  const { a, b, ha, wire } = pair();
  // Custom raw messages are queued through the event path of a custom handler; here we inject encrypted bytes directly.
  const send = (typeNumber: number) => ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: { type: 'unknown', typeNumber, required: typeNumber % 2 === 0, payload: Uint8Array.of(1, 2) } as never });
  send(32769);
  wire.pump(a, b);
  assert.is(b.getPeerNodeIds().length, 1, 'odd: ignored');
  send(32768);
  wire.pump(a, b);
  assert.is(b.getPeerNodeIds().length, 0);
  assert.match(b.lastDisconnectReason!, 'unknown required');
});

test('init checks: an unknown required feature, a required feature we lack, no common chain', () => {
  const weird = pair({ aFeatures: Features.fromBits([9, 100]) });
  assert.is(weird.b.getPeerNodeIds().length, 0);
  assert.match(weird.b.lastDisconnectReason!, 'unknown feature bit(s) 100');
  const needs = pair({ aFeatures: Features.empty().withRequired('option_dual_fund') });
  assert.match(needs.b.lastDisconnectReason!, 'do not support: 28');
  const chains = pair({ aChains: [chainHashOf('mainnet')], bChains: [chainHashOf('testnet')] });
  assert.match(chains.b.lastDisconnectReason ?? chains.a.lastDisconnectReason!, 'no chain');
  const ok = pair({ aChains: [chainHashOf('regtest')], bChains: [chainHashOf('regtest'), chainHashOf('signet')] });
  assert.is(ok.a.getPeerNodeIds().length, 1);
});

test('bad input: garbage act one, a bad version, bytes after a failed MAC: the peer is dropped, others unaffected', () => {
  const { b } = pair();
  for (const [name, bytes] of [
    ['garbage act one', new Uint8Array(50).fill(7)],
    ['bad version', Uint8Array.from([1, ...new Uint8Array(49)])],
  ] as const) {
    let closed = false;
    const d: SocketDescriptor = { sendData: (x) => x.length, disconnectSocket: () => (closed = true) };
    b.newInboundConnection(d);
    b.readEvent(d, bytes);
    assert.ok(closed, name);
    b.socketDisconnected(d);
  }
  assert.is(b.getPeerNodeIds().length, 1, 'the established peer is still connected');
});

test('handshake timeout and the cap on pending handshakes', () => {
  const { b } = pair();
  let closed = 0;
  const mk = (): SocketDescriptor => ({ sendData: (x) => x.length, disconnectSocket: () => closed++ });
  const pm = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(5)), entropy, channelHandler: recordingChannelHandler(), routingHandler: new IgnoringMessageHandler(), limits: { maxPendingHandshakes: 3 } });
  for (let i = 0; i < 3; i++) pm.newInboundConnection(mk());
  assert.throws(() => pm.newInboundConnection(mk()), /too many/);
  pm.timerTickOccurred();
  pm.timerTickOccurred();
  assert.is(closed, 0);
  pm.timerTickOccurred();
  assert.is(closed, 3, 'all three idle handshakes timed out');
  pm.newInboundConnection(mk());
  assert.ok(b);
});

test('backpressure: a peer that stops reading pauses our reads, drops gossip, and is finally disconnected', () => {
  const { a, b, ha, wire, db } = pair();
  wire.accept = 0; // a's socket to b no longer drains
  const gossip = makeMessage('channel_update', { signature: new Uint8Array(64), chainHash: new Uint8Array(32), shortChannelId: 1n, timestamp: 1, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n });
  for (let i = 0; i < 3000; i++) ha.pending.push({ type: 'BroadcastGossip', msg: gossip });
  a.processEvents();
  assert.is(a.getPeerNodeIds().length, 1, 'gossip beyond the soft limit is dropped, not fatal');
  const big = makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 1 });
  for (let i = 0; i < 200_000 && a.getPeerNodeIds().length; i++) ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: big }), i % 1000 === 0 && a.processEvents();
  a.processEvents();
  assert.is(a.getPeerNodeIds().length, 0);
  assert.match(a.lastDisconnectReason!, 'not reading');
  assert.ok(db);
});

test('backpressure: with a full outbound buffer, reads from that peer are paused until it drains', () => {
  const { a, b, ha, wire, da } = pair();
  wire.acceptFrom.set(da, 0); // a → b is stuck; b → a still flows
  const msg = makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 1 });
  for (let i = 0; i < 25_000; i++) ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg }); // ~1.5 MB queued
  a.processEvents();
  assert.is(a.getPeerNodeIds().length, 1);
  b.timerTickOccurred(); // b pings a
  const next = wire.queue.shift()!;
  assert.is(next[0], a);
  assert.is(a.readEvent(next[1], next[2]), true, 'a asks its caller to pause reading from b');
  wire.acceptFrom.delete(da);
  a.writeBufferSpaceAvail(da);
  wire.pump(a, b);
  assert.is(a.getPeerNodeIds().length, 1, 'once drained, the peer stays');
  assert.is(b.getPeerNodeIds().length, 1);
  assert.ok(encodeMessage(msg).length > 0);
});

test.run();
