/**
 * Bad input at socket level, over real TCP on 127.0.0.1 (issue "Bad input"): each bad peer is
 * disconnected with a logged reason, and a healthy peer connected to the same listener keeps
 * its connection and keeps answering pings.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeMessage, type WireMessage } from '@ln/wire';
import { NoiseError, NoiseHandshake, staticKeyFromSecret, type PeerEvent, type PeerLimits } from '@ln/noise-peer';
import { nodeSymmetric } from '@ln/crypto/node';
import { connect, listen } from '@ln/noise-peer/node';
import { disconnects, secp, sleep, testPeer, until } from './helpers/peers.js';
import { RawPeer, closeAllRaw, rawResponder } from './helpers/raw.js';

const c = { secp, sym: nodeSymmetric };
const cleanups: (() => Promise<void>)[] = [];
test.after.each(async () => {
  for (const f of cleanups.splice(0)) await f();
  await closeAllRaw();
});

const MIB = 1024 * 1024;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Live buffer memory (after a full collection). */
const liveArrayBuffers = () => (gc(), gc(), process.memoryUsage().arrayBuffers);

/** A listener, a healthy peer connected to it, and checks that a bad peer's disconnect disturbed nothing else. */
async function world(limits?: Partial<PeerLimits>, onEvent?: (e: PeerEvent) => void) {
  const server = testPeer(undefined, { limits, onEvent });
  const l = await listen(server.pm, 0);
  cleanups.push(() => l.close());
  const healthy = testPeer();
  await connect(healthy.pm, server.pm.nodeId, '127.0.0.1', l.port);
  assert.ok(await until(() => server.pm.getPeerNodeIds().length === 1 && healthy.pm.getPeerNodeIds().length === 1), 'healthy peer connected');
  let seen = 0;
  const newDisconnects = async (count: number) => {
    assert.ok(await until(() => disconnects(server).length >= seen + count), `${count} peer(s) disconnected`);
    await sleep(20); // and no more than that
    const d = disconnects(server).slice(seen);
    seen += d.length;
    assert.is(d.length, count, `disconnected: ${d.map((e) => e.reason).join(' | ')}`);
    return d;
  };
  const logged = (re: RegExp) => assert.ok(server.logs.some((r) => r.level === 'warn' && re.test(r.message)), `"${re.source}" was logged: ${server.logs.map((r) => r.message).join(' | ')}`);
  const healthyWorks = async () => {
    const n = healthy.pongLengths.length;
    assert.ok(healthy.pm.getPeerNodeIds().length === 1 && server.pm.getPeerNodeIds().some((id) => id.every((b, i) => b === healthy.pm.nodeId[i])), 'the healthy peer is still connected');
    healthy.pm.sendToPeer(server.pm.nodeId, makeMessage('ping', { numPongBytes: 4, ignored: new Uint8Array(0) }));
    assert.ok(await until(() => healthy.pongLengths.length === n + 1), 'the healthy peer still gets pongs');
  };
  /** We disconnected `bad` (each of them), for a reason matching `re`, and logged it; nothing else was disturbed. */
  const check = async (bad: RawPeer | RawPeer[] | undefined, re: RegExp) => {
    const peers = bad === undefined ? [] : Array.isArray(bad) ? bad : [bad];
    for (const e of await newDisconnects(Math.max(1, peers.length))) {
      assert.ok(e.byUs, 'we decided the disconnect');
      assert.match(e.reason, re);
    }
    logged(re);
    for (const p of peers) assert.ok(await p.waitClosed(), 'the bad peer\'s socket was closed');
    await healthyWorks();
  };
  /** The peer closed the connection mid-handshake: seen, logged with the state, nothing else disturbed. */
  const checkClosedByPeer = async (re: RegExp) => {
    const [e] = await newDisconnects(1);
    assert.ok(!e!.byUs && e!.duringHandshake);
    assert.match(e!.reason, re);
    logged(re);
    await healthyWorks();
  };
  /** One timer tick of the listener's manager; waits for the healthy peer's pong (as ticks ~10 s apart would). */
  const tick = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      const pongs = server.received.get('pong') ?? 0;
      server.pm.timerTickOccurred();
      assert.ok(await until(() => (server.received.get('pong') ?? 0) > pongs), 'the healthy peer answered our ping');
    }
  };
  return { server, healthy, port: l.port, check, checkClosedByPeer, healthyWorks, tick, logged };
}

const idOf = (p: RawPeer) => p.key.publicKey;
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
/** Messages of `type` the listener received from `from`. */
const receivedFrom = (events: PeerEvent[], from: RawPeer, type: string) =>
  events.filter((e) => e.type === 'message' && e.direction === 'in' && (e.msg.type === 'unknown' ? `unknown:${e.msg.typeNumber}` : e.msg.type) === type && same(e.nodeId, idOf(from))).length;
const unknownOdd = (typeNumber: number, size: number): WireMessage => ({ type: 'unknown', typeNumber, required: false, payload: new Uint8Array(size).fill(0xab) });
const actOneFor = (remote: Uint8Array) => NoiseHandshake.initiate(c, staticKeyFromSecret(secp, new Uint8Array(32).fill(3)), remote, new Uint8Array(32).fill(4)).actOne;

test('act one: garbage, an invalid ephemeral key, a wrong version byte, a bad MAC', async () => {
  const w = await world();
  const actOne = actOneFor(w.server.pm.nodeId);
  const cases: [Uint8Array, RegExp][] = [
    [globalThis.crypto.getRandomValues(new Uint8Array(50)).fill(0, 0, 1), /act 1/],
    [Uint8Array.from([0, 4, ...actOne.subarray(2)]), /act 1 ephemeral key is not a valid point/],
    [Uint8Array.from([1, ...actOne.subarray(1)]), /act 1 has version 1/],
    [Uint8Array.from(actOne, (b, i) => (i === 49 ? b ^ 1 : b)), /act 1: MAC does not verify/],
  ];
  for (const [bytes, re] of cases) {
    const p = await RawPeer.connect(w.port);
    p.write(bytes);
    await w.check(p, re);
  }
});

test('truncated act one (then closed, or left hanging), a peer that never starts the handshake, and the pending-handshake cap', async () => {
  const w = await world({ handshakeTimeoutTicks: 2, maxPendingHandshakes: 4 });
  const closer = await RawPeer.connect(w.port);
  closer.write(new Uint8Array(30));
  await sleep(20);
  closer.close();
  await w.checkClosedByPeer(/closed by the peer during the handshake \(responder_awaiting_act1\)/);

  const truncated = await RawPeer.connect(w.port);
  truncated.write(actOneFor(w.server.pm.nodeId).subarray(0, 30));
  const silent = await RawPeer.connect(w.port);
  await w.tick(2);
  assert.ok(!truncated.closed && !silent.closed, 'two ticks are allowed');
  await w.tick();
  await w.check([truncated, silent], /handshake or init not completed in time/);

  // The cap: four idle connections fill it; a fifth is refused (and the refusal logged).
  const idle = await Promise.all([0, 1, 2, 3].map(() => RawPeer.connect(w.port)));
  await sleep(20);
  const refused = await RawPeer.connect(w.port);
  assert.ok(await refused.waitClosed(), 'the fifth connection is closed at once');
  w.logged(/refusing inbound connection: too many connections in the handshake or init \(4\)/);
  assert.ok(idle.every((p) => !p.closed), 'the four pending ones are not disturbed');
  await w.healthyWorks();
  await w.tick(3);
  await w.check(idle, /handshake or init not completed in time/);
  const later = await RawPeer.connect(w.port);
  later.write(actOneFor(w.server.pm.nodeId));
  assert.is((await later.read(50)).length, 50, 'a new connection is served once the idle ones are gone');
});

test('act two (we dial a bad responder): garbage, an invalid key, a wrong version, a bad MAC, truncated then closed, truncated and left hanging', async () => {
  const w = await world({ handshakeTimeoutTicks: 1 });
  const point = secp.publicKeyCreate(new Uint8Array(32).fill(8));
  const cases: [Uint8Array, RegExp][] = [
    [globalThis.crypto.getRandomValues(new Uint8Array(50)).fill(0, 0, 1), /act 2/],
    [Uint8Array.from([0, 4, ...point.subarray(1), ...new Uint8Array(16)]), /act 2 ephemeral key is not a valid point/],
    [Uint8Array.from([5, ...point, ...new Uint8Array(16)]), /act 2 has version 5/],
    [Uint8Array.from([0, ...point, ...new Uint8Array(16)]), /act 2: MAC does not verify/],
  ];
  const dial = async (port: number) => connect(w.server.pm, secp.publicKeyCreate(new Uint8Array(32).fill(9)), '127.0.0.1', port);
  for (const [reply, re] of cases) {
    let responder: RawPeer | undefined;
    const bad = await rawResponder((_a1, p) => ((responder = p), reply));
    const d = await dial(bad.port);
    assert.ok(await until(() => d.socket.destroyed), 'our socket is closed');
    await w.check(responder, re);
  }
  const closes = await rawResponder((_a1, p) => {
    p.write(new Uint8Array(20));
    setTimeout(() => p.close(), 20);
    return undefined;
  });
  await dial(closes.port);
  await w.checkClosedByPeer(/closed by the peer during the handshake \(initiator_awaiting_act2\)/);
  let hanging: RawPeer | undefined;
  const hangs = await rawResponder((_a1, p) => ((hanging = p), new Uint8Array(20)));
  await dial(hangs.port);
  await sleep(30);
  await w.tick(2);
  await w.check(hanging, /handshake or init not completed in time/);
});

test('act three: garbage, a wrong version, a bad MAC on the static key, a bad final MAC, truncated then closed, truncated and left hanging', async () => {
  const w = await world({ handshakeTimeoutTicks: 1 });
  const cases: [(a3: Uint8Array) => Uint8Array, RegExp][] = [
    [() => globalThis.crypto.getRandomValues(new Uint8Array(66)).fill(0, 0, 1), /act 3/],
    [(a3) => Uint8Array.from([2, ...a3.subarray(1)]), /act 3 has version 2/],
    [(a3) => Uint8Array.from(a3, (b, i) => (i === 20 ? b ^ 1 : b)), /act 3 encrypted static key does not decrypt/],
    [(a3) => Uint8Array.from(a3, (b, i) => (i === 65 ? b ^ 1 : b)), /act 3: MAC does not verify/],
  ];
  for (const [mangle, re] of cases) {
    const p = await RawPeer.connect(w.port);
    const { actThree } = await p.actsOneTwo(w.server.pm.nodeId);
    p.write(mangle(actThree));
    await w.check(p, re);
  }
  const closer = await RawPeer.connect(w.port);
  closer.write((await closer.actsOneTwo(w.server.pm.nodeId)).actThree.subarray(0, 40));
  await sleep(20);
  closer.close();
  await w.checkClosedByPeer(/closed by the peer during the handshake \(responder_awaiting_act3\)/);
  const t = await RawPeer.connect(w.port);
  t.write((await t.actsOneTwo(w.server.pm.nodeId)).actThree.subarray(0, 40));
  await w.tick(2);
  await w.check(t, /handshake or init not completed in time/);
});

test('after the handshake: a bad MAC on the length, a bad MAC on the body, a frame cut short, a first message that is not init, no init at all', async () => {
  const w = await world({ handshakeTimeoutTicks: 1 });
  const ping = makeMessage('ping', { numPongBytes: 1, ignored: new Uint8Array(100) });
  const a = await RawPeer.connect(w.port);
  await a.handshake(w.server.pm.nodeId);
  a.write(Uint8Array.from(a.frame(ping), (b, i) => (i === 1 ? b ^ 0x40 : b))); // inside the encrypted length
  await w.check(a, /message MAC does not verify/);

  const b = await RawPeer.connect(w.port);
  await b.handshake(w.server.pm.nodeId);
  const g = b.frame(ping);
  b.write(Uint8Array.from(g, (x, i) => (i === g.length - 3 ? x ^ 1 : x))); // the body's MAC
  await w.check(b, /message MAC does not verify/);

  // A frame whose body is cut short: the next frame's bytes are read as the rest of its body.
  const c2 = await RawPeer.connect(w.port);
  await c2.handshake(w.server.pm.nodeId);
  const h = c2.frame(ping);
  c2.write(h.subarray(0, h.length - 60));
  c2.write(c2.frame(ping));
  await w.check(c2, /message MAC does not verify/);

  const p = await RawPeer.connect(w.port);
  await p.handshake(w.server.pm.nodeId, false);
  p.send(ping);
  await w.check(p, /first message was ping, not init/);

  const d = await RawPeer.connect(w.port);
  await d.handshake(w.server.pm.nodeId, false);
  await w.tick(2);
  await w.check(d, /handshake or init not completed in time/);
});

test('message length: 65535 is the most a peer can claim and is accepted; more is refused by our encoder; a peer that sends more fails at the next MAC; a claimed 65535 with the body withheld holds one frame and ends with the ping timer', async () => {
  const w = await world();
  const a = await RawPeer.connect(w.port);
  await a.handshake(w.server.pm.nodeId);
  assert.ok(await until(() => w.server.pm.getPeerNodeIds().length === 2));
  a.send(unknownOdd(32769, 65533)); // 2 + 65533 = 65535 bytes
  a.send(makeMessage('ping', { numPongBytes: 2, ignored: new Uint8Array(0) }));
  assert.ok(await until(() => receivedFrom(w.server.events, a, 'unknown:32769') === 1 && receivedFrom(w.server.events, a, 'ping') === 1), 'the largest message arrived');

  // Our encoder refuses 65536 bytes and more: the transport throws, sendToPeer throws, and a
  // handler's oversized message is dropped with a logged error; the connection stays up.
  assert.throws(() => a.transport!.encryptMessage(new Uint8Array(65536)), (e: unknown) => e instanceof NoiseError && e.code === 'message_too_long');
  assert.throws(() => w.server.pm.sendToPeer(idOf(a), unknownOdd(32771, 65534)), (e: unknown) => e instanceof NoiseError && e.code === 'message_too_long');
  await sleep(50); // the pong to that ping
  const before = a.receivedBytes;
  w.server.channel.pending.push({ type: 'SendMessage', nodeId: idOf(a), msg: unknownOdd(32771, 70000) as never }); // as a custom handler's message would be
  w.server.pm.processEvents();
  assert.ok(w.server.logs.some((r) => r.level === 'error' && /not sending unknown of 70002 bytes: BOLT 8 messages are at most 65535/.test(r.message)));
  await sleep(20);
  assert.is(a.receivedBytes, before, 'nothing was sent');
  assert.ok(w.server.pm.sendToPeer(idOf(a), makeMessage('ping', { numPongBytes: 0, ignored: new Uint8Array(0) })), 'the peer is still connected');

  // The 2-byte length cannot say more than 65535: a peer that "sends 70000 bytes" sends a
  // 65535-byte frame and then 4465 more bytes, which we read as the next length and reject.
  a.write(a.frame(unknownOdd(32773, 65533)));
  a.write(globalThis.crypto.getRandomValues(new Uint8Array(70000 - 65535)));
  await w.check(a, /message MAC does not verify/);
  assert.is(receivedFrom(w.server.events, a, 'unknown:32773'), 1, 'the first 65535 bytes were one message');

  // A maximal claimed length with part of its body: we hold the rest of that frame only.
  const b = await RawPeer.connect(w.port);
  await b.handshake(w.server.pm.nodeId);
  assert.ok(await until(() => w.server.pm.getPeerNodeIds().length === 2));
  const f = b.transport!.encryptMessage(new Uint8Array(65535).fill(1));
  b.write(f.subarray(0, 30000));
  assert.ok(await until(() => w.server.pm.bufferedInboundBytes(idOf(b)) === 30000 - 18), 'the length was decrypted, the partial body is held');
  assert.ok(w.server.pm.bufferedInboundBytes(idOf(b))! <= 65535 + 16);
  await w.tick(); // we ping; the peer is stuck mid-message and cannot answer
  await w.tick();
  await w.check(b, /no pong to our ping/);
});

test('a peer that sends faster than we read: we stop processing it while its answers are queued, memory stays bounded, and it is served in full once it reads', async () => {
  const limits = { pauseReadBytes: 128 * 1024, maxInboundBytes: 512 * 1024 };
  let watch: Uint8Array | undefined;
  const peak = { out: 0, in: 0 };
  const w = await world(limits, () => {
    if (!watch) return;
    peak.out = Math.max(peak.out, w.server.pm.queuedOutboundBytes(watch) ?? 0);
    peak.in = Math.max(peak.in, w.server.pm.bufferedInboundBytes(watch) ?? 0);
  });
  const a = await RawPeer.connect(w.port);
  await a.handshake(w.server.pm.nodeId);
  assert.ok(await until(() => w.server.pm.getPeerNodeIds().length === 2));
  a.discard = true;
  a.socket.pause(); // reads nothing for now
  watch = idOf(a);
  // 3000 pings (120 kB) asking 8000-byte pongs: 24 MB of answers, more than loopback socket buffers hold.
  const N = 3000;
  const PONG = 18 + 4 + 8000 + 16;
  const ping = a.frame(makeMessage('ping', { numPongBytes: 8000, ignored: new Uint8Array(0) }));
  const frames = new Uint8Array(ping.length * N);
  for (let i = 0; i < N; i++) frames.set(i === 0 ? ping : a.frame(makeMessage('ping', { numPongBytes: 8000, ignored: new Uint8Array(0) })), i * ping.length);
  a.write(frames);
  let last = -1;
  while (receivedFrom(w.server.events, a, 'ping') !== last) {
    last = receivedFrom(w.server.events, a, 'ping');
    await sleep(50);
  }
  assert.ok(last < N, `we stopped reading it (${last} of ${N} pings handled)`);
  assert.ok(peak.out <= limits.pauseReadBytes + PONG, `outbound queue peak ${peak.out} bytes`);
  assert.ok(peak.in <= limits.maxInboundBytes, `held inbound peak ${peak.in} bytes`);
  await w.healthyWorks();
  console.log(`  sends faster than we read: ${last} of ${N} pings handled while it did not read; peak queue ${peak.out} B, peak held inbound ${peak.in} B`);
  a.socket.resume(); // now it reads: everything is answered, nothing dropped, no disconnect
  assert.ok(await until(() => receivedFrom(w.server.events, a, 'ping') === N && a.receivedBytes >= N * PONG, 10_000), `all pings answered (${receivedFrom(w.server.events, a, 'ping')}, ${a.receivedBytes} bytes)`);
  assert.is(disconnects(w.server).length, 0);
  assert.ok(peak.out <= limits.pauseReadBytes + PONG, `outbound queue peak ${peak.out} bytes`);
  assert.ok(peak.in <= limits.maxInboundBytes, `held inbound peak ${peak.in} bytes`);
  await w.healthyWorks();
});

test('a peer that never reads: what we send it is bounded and it is disconnected; flooding us with pings while never reading is bounded and ends with the ping timer', async () => {
  const limits = { pauseReadBytes: 128 * 1024, maxOutboundBytes: MIB };
  let watch: Uint8Array | undefined;
  const peak = { out: 0, in: 0, arrayBuffers: 0 };
  const w = await world(limits, () => {
    if (!watch) return;
    peak.out = Math.max(peak.out, w.server.pm.queuedOutboundBytes(watch) ?? 0);
    peak.in = Math.max(peak.in, w.server.pm.bufferedInboundBytes(watch) ?? 0);
  });
  const a = await RawPeer.connect(w.port);
  await a.handshake(w.server.pm.nodeId);
  assert.ok(await until(() => w.server.pm.getPeerNodeIds().length === 2));
  a.socket.pause();
  watch = idOf(a);
  const big = unknownOdd(40001, 60000); // one object: the test's event log keeps every message sent
  await sleep(20);
  const base = liveArrayBuffers();
  let sent = 0;
  for (; sent < 2000 && w.server.pm.getPeerNodeIds().length === 2; sent++) {
    if (sent % 5 === 0) {
      peak.arrayBuffers = Math.max(peak.arrayBuffers, liveArrayBuffers() - base);
      await sleep(1);
    }
    w.server.pm.sendToPeer(idOf(a), big); // 120 MB if nothing pushed back
  }
  await w.check(a, /peer is not reading/);
  assert.ok(sent < 2000, `disconnected after ${sent} of 2000 messages of 60 kB`);
  assert.ok(peak.out <= limits.maxOutboundBytes + 60_000 + 34, `outbound queue peak ${peak.out} bytes`);
  // Our queue (1 MiB) and what Node's socket buffers (16 KiB + one write): the kernel's socket
  // buffers take the rest of what was sent before the disconnect.
  assert.ok(peak.arrayBuffers < 3 * MIB, `live buffer memory grew by at most ${(peak.arrayBuffers / MIB).toFixed(2)} MiB`);
  console.log(`  never reads: disconnected after ${sent} messages of 60 kB; peak queue ${peak.out} B, live buffers +${(peak.arrayBuffers / MIB).toFixed(2)} MiB`);

  const b = await RawPeer.connect(w.port);
  await b.handshake(w.server.pm.nodeId);
  assert.ok(await until(() => w.server.pm.getPeerNodeIds().length === 2));
  b.socket.pause();
  watch = idOf(b);
  peak.out = peak.in = 0;
  // 2000 pings asking the largest pong (65531 bytes): 131 MB of answers to a peer that reads none.
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) frames.push(b.frame(makeMessage('ping', { numPongBytes: 65531, ignored: new Uint8Array(0) })));
  b.write(Uint8Array.from(frames.flatMap((f) => [...f])));
  let last = -1;
  while (receivedFrom(w.server.events, b, 'ping') !== last) {
    last = receivedFrom(w.server.events, b, 'ping');
    await sleep(50);
  }
  assert.ok(last < 2000, `we stopped reading it (${last} of 2000 pings handled)`);
  assert.ok(peak.out <= limits.pauseReadBytes + 65535 + 34, `outbound queue peak ${peak.out} bytes`);
  assert.ok(peak.in <= 512 * 1024, `held inbound peak ${peak.in} bytes`);
  console.log(`  ping flood, never reads: ${last} of 2000 pings handled; peak queue ${peak.out} B, peak held inbound ${peak.in} B`);
  for (let i = 0; i < 6 && w.server.pm.getPeerNodeIds().length === 2; i++) await w.tick();
  await w.check(b, /no pong to our ping/);
});

test.run();
