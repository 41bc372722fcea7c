import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { LogRecord } from '@ln/chain-interfaces';
import { Features, IgnoringMessageHandler, LightningError, MESSAGES, chainHashOf, encodeMessage, makeMessage, type ChannelMessageHandler, type Init, type MessageSendEvent, type RoutingMessageHandler } from '@ln/wire';
import { NoiseError, PeerManager, staticKeyFromSecret, type PeerEvent, type SocketDescriptor } from '@ln/noise-peer';
import { arbDamagedMessageBytes, arbValidMessageBytes } from './helpers/wire-arb.js';
import { Wire, count, crypto, entropy, joinQueued, pair, recordingChannelHandler, secp } from './helpers/memory.js';

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
  for (let i = 0; i < 3; i++) pm.newInboundConnection(mk());
  assert.throws(() => pm.newInboundConnection(mk()), (e: unknown) => e instanceof NoiseError && e.code === 'too_many_pending', 'the timed-out ones no longer count; three new ones fill the cap again');
});

test('backpressure: with a full outbound buffer, reads from that peer are paused until it drains', () => {
  const { a, b, ha, hb, wire, da } = pair();
  wire.acceptFrom.set(da, 0); // a → b is stuck; b → a still flows
  const msg = makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 1 });
  for (let i = 0; i < 25_000; i++) ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg }); // ~1.5 MB queued
  a.processEvents();
  assert.is(a.getPeerNodeIds().length, 1);
  b.timerTickOccurred(); // b pings a
  const next = wire.queue.shift()!;
  assert.is(next[0], a);
  assert.is(a.readEvent(next[1], next[2]), true, 'a asks its caller to pause reading from b');
  assert.ok(a.bufferedInboundBytes(b.nodeId)! > 0, "b's ping is held, not handled");
  wire.acceptFrom.delete(da);
  a.writeBufferSpaceAvail(da);
  while (wire.queue.length) wire.pump(a, b);
  assert.is(a.getPeerNodeIds().length, 1, 'once drained, the peer stays');
  assert.is(b.getPeerNodeIds().length, 1);
  assert.is(hb.calls.filter((c) => c[0] === 'handleUpdateFee').length, 25_000, 'every message queued while b did not read arrived');
  assert.is(a.bufferedInboundBytes(b.nodeId), 0, "b's ping was handled after the drain");
});

test('a burst of pings in one read: handling stops while the answers are queued, the rest is held, and it is all answered once the socket drains', () => {
  const pause = 16 * 1024;
  const { a, b, wire, db, events } = pair({ bLimits: { pauseReadBytes: pause } });
  const ping = makeMessage('ping', { numPongBytes: 1000, ignored: new Uint8Array(0) });
  for (let i = 0; i < 300; i++) a.sendToPeer(b.nodeId, ping);
  const burst = joinQueued(wire, b); // 300 pings in one read
  wire.acceptFrom.set(db, 0); // b's socket to a is full
  assert.is(b.readEvent(db, burst), true, 'b asks to pause reading');
  const handled = count(events.b, 'in', 'ping');
  assert.ok(handled > 0 && handled < 300, `b stopped handling (${handled} of 300)`);
  assert.ok(b.queuedOutboundBytes(a.nodeId)! <= pause + 1038, `queued ${b.queuedOutboundBytes(a.nodeId)}`);
  assert.ok(b.bufferedInboundBytes(a.nodeId)! > 0, 'the rest is held');
  wire.acceptFrom.delete(db);
  b.writeBufferSpaceAvail(db); // drained: b handles what it held
  assert.is(count(events.b, 'in', 'ping'), 300);
  assert.is(b.bufferedInboundBytes(a.nodeId), 0);
  wire.pump(a, b);
  assert.is(count(events.a, 'in', 'pong'), 300, 'every ping answered');
  assert.is(a.getPeerNodeIds().length + b.getPeerNodeIds().length, 2);
});

test('a burst whose answers the socket takes at once is handled in full within the read (nothing else would call back for it)', () => {
  const { a, b, wire, db, events } = pair({ bLimits: { pauseReadBytes: 16 * 1024 } });
  for (let i = 0; i < 300; i++) a.sendToPeer(b.nodeId, makeMessage('ping', { numPongBytes: 1000, ignored: new Uint8Array(0) }));
  assert.is(b.readEvent(db, joinQueued(wire, b)), false);
  assert.is(count(events.b, 'in', 'ping'), 300);
  assert.is(b.bufferedInboundBytes(a.nodeId), 0);
  assert.is(b.queuedOutboundBytes(a.nodeId), 0);
});

test('held inbound bytes are capped: a caller that keeps feeding a paused peer gets it disconnected', () => {
  const { a, b, wire, db } = pair({ bLimits: { pauseReadBytes: 16 * 1024, maxInboundBytes: 64 * 1024 } });
  const ping = makeMessage('ping', { numPongBytes: 1000, ignored: new Uint8Array(0) });
  wire.acceptFrom.set(db, 0);
  for (let i = 0; i < 1000; i++) a.sendToPeer(b.nodeId, ping);
  const all = joinQueued(wire, b); // 40 kB of pings
  assert.is(b.readEvent(db, all.subarray(0, 20_000)), true);
  assert.is(b.getPeerNodeIds().length, 1);
  b.readEvent(db, all.subarray(20_000)); // ignored the pause
  b.readEvent(db, all.subarray(0, 30_000)); // and goes on
  assert.is(b.getPeerNodeIds().length, 0);
  assert.match(b.lastDisconnectReason!, /peer sends faster than we process \(\d+ bytes received and unprocessed\)/);
});

test('ping timer: a peer draining our backlog is given up to maxPongWaitTicks; one that shows nothing is dropped at the first tick', () => {
  const { a, b, da } = pair({ aLimits: { maxPongWaitTicks: 3 } });
  // b's socket takes `budget` more bytes, then nothing; what it takes is dropped (b never answers).
  let budget = 0;
  (da as { sendData: SocketDescriptor['sendData'] }).sendData = (data) => {
    const n = Math.min(budget, data.length);
    budget -= n;
    return n;
  };
  for (let i = 0; i < 50; i++) a.sendToPeer(b.nodeId, { type: 'unknown', typeNumber: 32771, required: false, payload: new Uint8Array(10_000) });
  a.timerTickOccurred(); // ping queued behind 500 kB
  for (let t = 1; t <= 3; t++) {
    budget = 20_000; // b reads some of the backlog
    a.writeBufferSpaceAvail(da);
    a.timerTickOccurred();
    assert.is(a.getPeerNodeIds().length, 1, `tick ${t}: still draining, kept`);
  }
  budget = 20_000;
  a.writeBufferSpaceAvail(da);
  a.timerTickOccurred();
  assert.is(a.getPeerNodeIds().length, 0);
  assert.match(a.lastDisconnectReason!, 'no pong to our ping in 4 ticks');
  // Without progress the first tick without a pong ends it.
  const q = pair();
  q.wire.accept = 0;
  q.a.timerTickOccurred();
  q.a.timerTickOccurred();
  assert.match(q.a.lastDisconnectReason!, /^no pong to our ping$/);
});

test('a descriptor that calls writeBufferSpaceAvail from inside sendData, taking a few bytes at a time: the stream stays intact', () => {
  const { a, b, wire, da, events } = pair();
  const inner = da.sendData.bind(da);
  (da as { sendData: SocketDescriptor['sendData'] }).sendData = (data, resume) => {
    const n = inner(data.subarray(0, 7), resume);
    a.writeBufferSpaceAvail(da);
    return n;
  };
  for (let i = 0; i < 20; i++) a.sendToPeer(b.nodeId, makeMessage('ping', { numPongBytes: i, ignored: new Uint8Array(i * 10) }));
  wire.pump(a, b);
  assert.is(count(events.b, 'in', 'ping'), 20);
  assert.is(a.queuedOutboundBytes(b.nodeId), 0);
  assert.is(b.getPeerNodeIds().length, 1);
});

test('messages over 65535 bytes are never sent: sendToPeer throws NoiseError, a handler\'s is logged and dropped, the peer stays', () => {
  const logs: string[] = [];
  const { a, b, ha, wire } = pair();
  (a as unknown as { log: { error: (m: string) => void } }).log.error = (m: string) => logs.push(m);
  const big = { type: 'unknown' as const, typeNumber: 32771, required: false, payload: new Uint8Array(65534) };
  assert.throws(() => a.sendToPeer(b.nodeId, big), (e: unknown) => e instanceof NoiseError && e.code === 'message_too_long');
  ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: big as never });
  a.processEvents();
  assert.match(logs.join('\n'), 'not sending unknown of 65536 bytes');
  assert.is(wire.queue.length, 0);
  assert.ok(a.sendToPeer(b.nodeId, { ...big, payload: new Uint8Array(65533) }), 'exactly 65535 bytes is fine');
  wire.pump(a, b);
  assert.is(b.getPeerNodeIds().length, 1);
});

test('warning and error from the peer are logged (error also to the channel handler), the peer stays; gossip and queries reach the routing handler', () => {
  const routed: string[] = [];
  class Recording extends IgnoringMessageHandler {
    override handleChannelAnnouncement(): boolean {
      return routed.push('channel_announcement'), false;
    }
    override handleNodeAnnouncement(): boolean {
      return routed.push('node_announcement'), false;
    }
    override handleChannelUpdate(): boolean {
      return routed.push('channel_update'), false;
    }
    override handleQueryChannelRange(): void {
      routed.push('query_channel_range');
    }
    override handleReplyChannelRange(): void {
      routed.push('reply_channel_range');
    }
    override handleQueryShortChannelIds(): void {
      routed.push('query_short_channel_ids');
    }
    override handleReplyShortChannelIdsEnd(): void {
      routed.push('reply_short_channel_ids_end');
    }
    override handleGossipTimestampFilter(): void {
      routed.push('gossip_timestamp_filter');
    }
  }
  const logs: LogRecord[] = [];
  const { a, b, hb, wire } = pair({ bRouting: new Recording(), bLogger: { log: (r) => logs.push(r) } });
  const chainHash = chainHashOf('regtest');
  a.sendToPeer(b.nodeId, makeMessage('warning', { channelId: new Uint8Array(32), data: new TextEncoder().encode('mind the fee') }));
  a.sendToPeer(b.nodeId, makeMessage('error', { channelId: new Uint8Array(32).fill(1), data: new TextEncoder().encode('channel broken') }));
  wire.pump(a, b);
  assert.ok(logs.some((r) => r.level === 'warn' && r.message === 'warning from peer: mind the fee'));
  assert.ok(logs.some((r) => r.level === 'warn' && r.message === 'error from peer: channel broken'));
  assert.equal(hb.calls.filter((c) => c[0] === 'handleError'), [['handleError', 'error']]);
  assert.is(b.getPeerNodeIds().length, 1, 'a warning or a channel error does not disconnect by itself');
  const msgs = [
    makeMessage('channel_update', { signature: new Uint8Array(64), chainHash, shortChannelId: 7n, timestamp: 1, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n }),
    makeMessage('query_channel_range', { chainHash, firstBlocknum: 1, numberOfBlocks: 10 }),
    makeMessage('gossip_timestamp_filter', { chainHash, firstTimestamp: 0, timestampRange: 10 }),
    makeMessage('reply_short_channel_ids_end', { chainHash, fullInformation: 1 }),
  ];
  for (const m of msgs) a.sendToPeer(b.nodeId, m);
  wire.pump(a, b);
  assert.equal(routed, ['channel_update', 'query_channel_range', 'gossip_timestamp_filter', 'reply_short_channel_ids_end']);
  assert.ok(hb.calls.some((c) => c[0] === 'handleChannelUpdate'), 'channel_update also reaches the channel handler');
});

test('gossip relay (BOLT 7): relayed gossip only to peers that sent gossip_timestamp_filter and share the chain; our own gossip to every peer', () => {
  class Relaying extends IgnoringMessageHandler {
    pending: MessageSendEvent[] = [];
    override handleChannelUpdate(): boolean {
      return true;
    }
    override getAndClearPendingMsgEvents(): MessageSendEvent[] {
      return this.pending.splice(0);
    }
  }
  const regtest = chainHashOf('regtest');
  const hubChannel = recordingChannelHandler();
  const hubRouting = new Relaying();
  const evs: Record<string, PeerEvent[]> = {};
  const mk = (fill: number, name: string, chains?: Uint8Array[], channel: ChannelMessageHandler = recordingChannelHandler(), routing = new IgnoringMessageHandler()) => {
    evs[name] = [];
    return new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(fill)), entropy, channelHandler: channel, routingHandler: routing, chainHashes: chains, onEvent: (e) => evs[name]!.push(e) });
  };
  const hub = mk(0x51, 'hub', [regtest], hubChannel, hubRouting);
  const source = mk(0x52, 'source');
  const filtered = mk(0x53, 'filtered');
  const silent = mk(0x54, 'silent');
  const nothing = mk(0x55, 'nothing');
  const otherChain = mk(0x56, 'otherChain', [chainHashOf('testnet'), regtest]);
  const wire = new Wire();
  const all = [hub, source, filtered, silent, nothing, otherChain];
  for (const p of all.slice(1)) {
    let dh!: SocketDescriptor;
    let dp!: SocketDescriptor;
    dh = wire.descriptor(() => hub, () => [p, dp]);
    dp = wire.descriptor(() => p, () => [hub, dh]);
    hub.newInboundConnection(dh);
    dp.sendData(p.newOutboundConnection(hub.nodeId, dp), false);
  }
  wire.pump(...all);
  assert.is(hub.getPeerNodeIds().length, 5);
  const filter = (first: number, range: number) => makeMessage('gossip_timestamp_filter', { chainHash: regtest, firstTimestamp: first, timestampRange: range });
  filtered.sendToPeer(hub.nodeId, filter(0, 0xffffffff));
  source.sendToPeer(hub.nodeId, filter(0, 0xffffffff));
  otherChain.sendToPeer(hub.nodeId, filter(0, 0xffffffff));
  nothing.sendToPeer(hub.nodeId, filter(0xffffffff, 0));
  wire.pump(...all);
  const update = (chainHash: Uint8Array, timestamp: number) =>
    makeMessage('channel_update', { signature: new Uint8Array(64), chainHash, shortChannelId: 7n, timestamp, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n });
  const updates = (name: string) => count(evs[name]!, 'in', 'channel_update');
  source.sendToPeer(hub.nodeId, update(regtest, 1000)); // relayed by the hub's routing handler
  wire.pump(...all);
  assert.equal([updates('source'), updates('filtered'), updates('silent'), updates('nothing'), updates('otherChain')], [0, 1, 0, 0, 1], 'relayed: not back to the source, only to peers that asked');
  const mainnet = chainHashOf('mainnet');
  hubRouting.pending.push({ type: 'BroadcastGossip', msg: update(mainnet, 1001) }); // relayed gossip of a chain nobody named
  hubRouting.pending.push({ type: 'BroadcastGossip', msg: update(chainHashOf('testnet'), 1002) });
  wire.pump(...all);
  assert.equal([updates('filtered'), updates('otherChain')], [3, 2], 'a peer that named networks gets only those chains; one that named none gets all');
  hubChannel.pending.push({ type: 'BroadcastGossip', msg: update(regtest, 1003) }); // our own
  wire.pump(...all);
  assert.equal([updates('source'), updates('filtered'), updates('silent'), updates('nothing'), updates('otherChain')], [3, 4, 1, 1, 3], 'our own gossip goes to every peer');
});

test('gossip relay: a routing handler with shouldRelayTo (P2PGossipSync applies the filter\'s timestamp range there) decides per peer; it is not asked about our own gossip', () => {
  const asked: string[] = [];
  class Ranged extends IgnoringMessageHandler {
    override handleChannelUpdate(): boolean {
      return true;
    }
    shouldRelayTo(id: Uint8Array, m: { type: string; timestamp?: number }): boolean {
      asked.push(`${id[1]}:${m.timestamp}`);
      return m.timestamp! < 2000;
    }
  }
  const { a, b, hb, wire, events } = pair({ bRouting: new Ranged() });
  // A third peer, c, connected to b as well, asking for gossip.
  const c = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0xc3)), entropy, channelHandler: recordingChannelHandler(), routingHandler: new IgnoringMessageHandler(), onEvent: (e) => cEvents.push(e) });
  const cEvents: PeerEvent[] = [];
  let dbc!: SocketDescriptor;
  let dcb!: SocketDescriptor;
  dbc = wire.descriptor(() => b, () => [c, dcb]);
  dcb = wire.descriptor(() => c, () => [b, dbc]);
  b.newInboundConnection(dbc);
  dcb.sendData(c.newOutboundConnection(b.nodeId, dcb), false);
  wire.pump(a, b, c);
  const chainHash = chainHashOf('regtest');
  c.sendToPeer(b.nodeId, makeMessage('gossip_timestamp_filter', { chainHash, firstTimestamp: 0, timestampRange: 0xffffffff }));
  wire.pump(a, b, c);
  const update = (timestamp: number) =>
    makeMessage('channel_update', { signature: new Uint8Array(64), chainHash, shortChannelId: 9n, timestamp, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n });
  a.sendToPeer(b.nodeId, update(1500));
  a.sendToPeer(b.nodeId, update(2500));
  wire.pump(a, b, c);
  assert.equal(cEvents.filter((e) => e.type === 'message' && e.direction === 'in' && e.msg.type === 'channel_update').map((e) => (e as { msg: { timestamp: number } }).msg.timestamp), [1500]);
  assert.equal(asked, [`${c.nodeId[1]}:1500`, `${c.nodeId[1]}:2500`], 'asked only about c (a is the source)');
  hb.pending.push({ type: 'BroadcastGossip', msg: update(3000) }); // b's own
  wire.pump(a, b, c);
  assert.is(asked.length, 2, 'not asked about our own gossip');
  assert.is(count(events.a, 'in', 'channel_update') + cEvents.filter((e) => e.type === 'message' && e.direction === 'in' && e.msg.type === 'channel_update').length, 3, 'our own reached a and c');
});

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 120);
/** Every message type the wire registry declares (BOLT 1, 2, 7). */
const KNOWN_TYPES = MESSAGES.map((d) => d.typeNumber);
/** Why the manager may drop a fuzzed peer: a typed decode or transport error, or a protocol rule. Never `error: …` (an untyped throw). */
const TYPED = /^(DecodeError|NoiseError): |^unknown required \(even\) message type \d+$|^we refuse$|^a second init$|^first message was \w+, not init$/;

test('fuzz: random bytes at any stage of a new connection, and random, valid and damaged payloads of every known type inside valid frames, never throw out of readEvent: the message is handled or the peer disconnected for a typed reason', () => {
  assert.is(KNOWN_TYPES.length, 50, 'the registry declares 50 message types');
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 6 }),
      fc.array(
        fc.oneof(
          fc.tuple(fc.oneof(fc.constantFrom(...KNOWN_TYPES), fc.integer({ min: 0, max: 65535 })), fc.uint8Array({ maxLength: 300 })),
          fc.oneof(arbValidMessageBytes, arbDamagedMessageBytes).map((m) => [(m[0]! << 8) | m[1]!, m.subarray(2)] as [number, Uint8Array]),
        ),
        { minLength: 1, maxLength: 8 },
      ),
      (chunks, msgs) => {
        const reasons: string[] = [];
        const onEvent = (e: PeerEvent) => void (e.type === 'disconnected' && e.byUs && reasons.push(e.reason));
        const pm = new PeerManager({ crypto, nodeKey: staticKeyFromSecret(secp, new Uint8Array(32).fill(0x61)), entropy, channelHandler: recordingChannelHandler(), routingHandler: new IgnoringMessageHandler(), onEvent });
        let closed = false;
        const d: SocketDescriptor = { sendData: (x) => x.length, disconnectSocket: () => (closed = true) };
        pm.newInboundConnection(d);
        for (const c of chunks) if (!closed) pm.readEvent(d, c);
        for (const r of reasons) assert.ok(/^NoiseError: /.test(r), `handshake bytes: ${r}`);
        const { a, b, wire, events } = pair();
        for (const [typeNumber, payload] of msgs) a.sendToPeer(b.nodeId, { type: 'unknown', typeNumber, required: typeNumber % 2 === 0, payload });
        wire.pump(a, b);
        const ours = events.b.filter((e) => e.type === 'disconnected' && e.byUs).map((e) => (e as { reason: string }).reason);
        if (b.getPeerNodeIds().length === 0) assert.is(ours.length, 1, 'disconnected by b, for a reason');
        for (const r of ours) assert.ok(TYPED.test(r), `not a typed reason: ${r}`);
      },
    ),
    { numRuns: FUZZ_RUNS, seed: 13 },
  );
});

test.run();
