/**
 * Interop with Electrum's Lightning implementation (Debian python3-electrum), through the
 * project's driver test/interop/electrum_peer.py, over real TCP on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chainHashOf, makeMessage } from '@ln/wire';
import { connect, listen } from '@ln/noise-peer/node';
import { disconnects, hex, secp, testPeer, until, type TestPeer } from './helpers/peers.js';
import { run } from './helpers/spawn.js';

/** Debian's Python, where python3-electrum installs (override with ELECTRUM_PYTHON). */
const PY = process.env.ELECTRUM_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import electrum, electrum.lntransport, electrum.lnmsg; print(electrum.version.ELECTRUM_VERSION)'], { cwd: tmpdir(), encoding: 'utf8' });
const HAVE_ELECTRUM = probe.status === 0;
const t = HAVE_ELECTRUM ? test : test.skip;
if (!HAVE_ELECTRUM) {
  const bar = '!'.repeat(100);
  console.error(`\n${bar}\n!!! SKIPPING the Electrum interop tests: python3-electrum is not installed (${PY} -c 'import electrum' failed).\n!!! Install it with: apt-get install -y python3-electrum   (.ci/run does this in CI)\n!!! ${(probe.stderr || String(probe.error ?? '')).trim().split('\n').pop()}\n${bar}\n`);
} else console.log(`  Electrum ${probe.stdout.trim()} found`);

const driver = (...args: string[]) => run(PY, ['test/interop/electrum_peer.py', ...args], 90_000);
const PINGS = 1100;
const electrumKey = hex(new Uint8Array(32).fill(0xe1));
const electrumId = hex(secp.publicKeyCreate(new Uint8Array(32).fill(0xe1)));
const ourPeer = () => testPeer(undefined, { chainHashes: [chainHashOf('mainnet')] });

/** Our side of the scenario: one unknown odd message, then PINGS pings with pong lengths i % 64. */
function drive(p: TestPeer, nodeId: Uint8Array): number[] {
  p.pm.sendToPeer(nodeId, { type: 'unknown', typeNumber: 32771, required: false, payload: new TextEncoder().encode('ts says hi') });
  const want: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    want.push(i % 64);
    p.pm.sendToPeer(nodeId, makeMessage('ping', { numPongBytes: i % 64, ignored: new Uint8Array(i % 5) }));
  }
  return want;
}

async function checkBothSides(p: TestPeer, d: ReturnType<typeof driver>, want: number[], peerId: Uint8Array) {
  const code = await d.exited;
  assert.is(code, 0, `driver exit ${code}: ${JSON.stringify(d.lines.slice(-3))} ${d.stderr()}`);
  const done = d.lines.find((l) => l.event === 'done')!;
  assert.is(done.pongs_ok, PINGS, 'Electrum got every pong, right lengths, in order');
  assert.is(done.pings_answered, PINGS, 'Electrum answered all our pings');
  assert.is(done.unknown_ignored, 1, 'Electrum ignored our unknown odd message');
  assert.ok(done.sent > 1000 && done.received > 1000, `both directions rotated keys (sent ${done.sent}, received ${done.received})`);
  const init = d.lines.find((l) => l.event === 'init_received')!;
  assert.equal(init.networks, [hex(chainHashOf('mainnet'))], 'Electrum read our networks TLV as mainnet');
  assert.ok(await until(() => p.pongLengths.length === PINGS, 10_000), `pongs ${p.pongLengths.length}`);
  assert.equal(p.pongLengths, want, 'every pong from Electrum has the length we asked');
  assert.is(p.received.get('ping'), PINGS);
  assert.is(p.received.get('unknown:32769'), 1);
  assert.ok(p.logs.some((l) => l.message.includes('ignoring unknown odd message type 32769')), 'we ignored (and logged) the unknown odd message');
  assert.ok(p.events.some((e) => e.type === 'connected' && hex(e.nodeId) === hex(peerId)));
  const bad = disconnects(p).filter((e) => e.byUs);
  assert.equal(bad, [], 'we never disconnected Electrum');
}

t(`Electrum initiates to our TCP listener: handshake, init both ways, ${PINGS} pings and pongs each way (keys rotate), unknown odd ignored both ways`, async () => {
  const p = ourPeer();
  const l = await listen(p.pm, 0);
  const d = driver('connect', '--port', String(l.port), '--remote-pubkey', hex(p.pm.nodeId), '--privkey', electrumKey, '--pings', String(PINGS), '--expect-pings', String(PINGS), '--expect-unknown', '1');
  assert.ok(await until(() => p.pm.getPeerNodeIds().length === 1, 20_000), `connected; driver: ${JSON.stringify(d.lines)} ${d.stderr()}`);
  assert.is(hex(p.pm.getPeerNodeIds()[0]!), electrumId, 'we learned Electrum\'s node id in act three');
  const want = drive(p, p.pm.getPeerNodeIds()[0]!);
  await checkBothSides(p, d, want, p.pm.getPeerNodeIds()[0] ?? secp.publicKeyCreate(new Uint8Array(32).fill(0xe1)));
  await l.close();
});

t(`we initiate to Electrum's responder: handshake, init both ways, ${PINGS} pings and pongs each way, unknown odd ignored both ways`, async () => {
  const d = driver('listen', '--privkey', electrumKey, '--pings', String(PINGS), '--expect-pings', String(PINGS), '--expect-unknown', '1');
  const first = await d.line((l) => l.event === 'listening');
  assert.is(first.node_id, electrumId);
  const p = ourPeer();
  const id = Uint8Array.from(Buffer.from(first.node_id, 'hex'));
  await connect(p.pm, id, '127.0.0.1', first.port);
  assert.ok(await until(() => p.pm.getPeerNodeIds().length === 1, 20_000), `connected; driver: ${JSON.stringify(d.lines)} ${d.stderr()}`);
  assert.is((await d.line((l) => l.event === 'handshake_ok')).remote_pubkey, hex(p.pm.nodeId), 'Electrum learned our node id');
  const want = drive(p, id);
  await checkBothSides(p, d, want, id);
});

t('a wrong remote public key fails cleanly on both sides, in both directions', async () => {
  // We dial Electrum with the wrong key: Electrum's act one MAC check fails and it hangs up.
  const d1 = driver('listen', '--privkey', electrumKey);
  const first = await d1.line((l) => l.event === 'listening');
  const p1 = ourPeer();
  await connect(p1.pm, secp.publicKeyCreate(new Uint8Array(32).fill(0x77)), '127.0.0.1', first.port);
  assert.is(await d1.exited, 3);
  assert.ok(d1.lines.some((l) => l.event === 'handshake_failed'), JSON.stringify(d1.lines));
  assert.ok(await until(() => disconnects(p1).length === 1));
  assert.ok(disconnects(p1)[0]!.duringHandshake);
  assert.match(disconnects(p1)[0]!.reason, 'during the handshake');
  assert.is(p1.pm.getPeerNodeIds().length, 0);

  // Electrum dials us with the wrong key: our act one MAC check fails; we log it and hang up.
  const p2 = ourPeer();
  const healthy = ourPeer();
  const l = await listen(p2.pm, 0);
  await connect(healthy.pm, p2.pm.nodeId, '127.0.0.1', l.port);
  assert.ok(await until(() => p2.pm.getPeerNodeIds().length === 1));
  const d2 = driver('connect', '--port', String(l.port), '--remote-pubkey', electrumId, '--privkey', electrumKey);
  assert.is(await d2.exited, 3);
  assert.match(d2.lines.find((l) => l.event === 'handshake_failed')!.reason, 'HandshakeFailed');
  assert.ok(await until(() => disconnects(p2).length === 1));
  assert.match(disconnects(p2)[0]!.reason, 'act 1: MAC does not verify');
  assert.ok(p2.logs.some((r) => r.level === 'warn' && r.message.includes('act 1: MAC does not verify')));
  assert.is(p2.pm.getPeerNodeIds().length, 1, 'the healthy peer is still connected');
  healthy.pm.sendToPeer(p2.pm.nodeId, makeMessage('ping', { numPongBytes: 3, ignored: new Uint8Array(0) }));
  assert.ok(await until(() => healthy.pongLengths.length === 1));
  await l.close();
});

test.run();
