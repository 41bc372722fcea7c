/**
 * Peer-sync mode against a real peer over TCP on 127.0.0.1: a second PeerManager +
 * P2PGossipSync in the test serves validly signed gossip (generated from the 2026 mainnet
 * topology with test keys, `tooling/gossip-gen`); the service syncs it through gossip queries,
 * rebuilds its routing graph and routes over it; a fresh channel_update relayed by the peer
 * reaches the router's view.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256d } from '@ln/crypto';
import { fromHex } from '@ln/gossip';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { Router, RoutingGraph } from '@ln/router';
import { decodeMessage, encodeMessage, makeMessage, parseScid, type ChannelUpdate } from '@ln/wire';
import { testSecret } from '../../../tooling/gossip-gen/index.js';
import { PeerSync, RouterService } from '../src/node.js';
import { gossipPeer, secp } from './gossip-peer.js';
import { call, checkJsonAnswer, checkJsonPath, cli, hex, until } from './helpers.js';

const CHANNELS = 600;
const now = Math.floor(Date.now() / 1000);

test('sync from a real peer over TCP, route over the synced graph, and see a relayed update reach the router', async () => {
  const topology = loadClnGossmap2026();
  const peer = await gossipPeer(topology, CHANNELS, now);
  const { graph: peerGraph, sync: peerSync, pm: peerPm, stream } = peer;
  assert.is(peerGraph.channelCount, CHANNELS);
  const port = await peer.listen();

  const sync = new PeerSync({ peers: [{ nodeId: peerPm.nodeId, host: '127.0.0.1', port }], pumpMs: 20 });
  const service = await RouterService.start({ source: { kind: 'peers', sync }, rebuildIntervalMs: 100 });
  try {
    const progress = await until(async () => {
      const s = (await call(`${service.url}/sync`)).body;
      return s.synced && s.channels === CHANNELS && s.pending_messages === 0 && s;
    }, 60_000, 'the gossip sync');
    assert.is(progress.peers.length, 1);
    assert.is(progress.peers[0].connected, true);
    assert.is(progress.peers[0].node_id, hex(peerPm.nodeId));
    assert.is(progress.nodes, peerGraph.nodeCount);
    assert.is(progress.accepted.channel_announcements, CHANNELS);
    assert.is(progress.accepted.channel_updates, stream.counts.channelUpdates);
    assert.is(progress.rejected, 0);
    const health = await until(async () => {
      const h = (await call(`${service.url}/health`)).body;
      return !h.routing_graph.stale && h.routing_graph.generation >= 2 && h;
    }, 30_000, 'the routing graph rebuild');
    assert.is(health.source.kind, 'peers');
    assert.match(health.source.verifier, /^inline-/);
    assert.is(health.graph.channels, CHANNELS);

    // Queries the peer's own graph can answer; the service must find the same cheapest fee.
    const truth = new Router(RoutingGraph.fromView(peerGraph));
    const ids: Uint8Array[] = [];
    peerGraph.forEachNode((id) => ids.push(id));
    let x = 5;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
    let answered = 0;
    let sample: { payer: string; payee: string; answer: any } | undefined;
    for (let q = 0; q < 200 && answered < 20; q++) {
      const payer = ids[Math.floor(rnd() * ids.length)]!;
      const payee = ids[Math.floor(rnd() * ids.length)]!;
      if (payer === payee) continue;
      let expected;
      try {
        expected = truth.findRoute({ payer, payee, amountMsat: 20_000_000n });
      } catch {
        continue;
      }
      const r = await call(`${service.url}/route`, { payer: hex(payer), payee: hex(payee), amount_msat: '20000000', use_scorer: false });
      assert.is(r.status, 200, JSON.stringify(r.body));
      checkJsonAnswer(peerGraph, hex(payer), hex(payee), 20_000_000n, 18, r.body);
      assert.is(BigInt(r.body.total_fee_msat), expected.totalFeeMsat, 'the cheapest fee, as over the peer graph');
      if (r.body.paths[0].hops.length >= 2 && !sample) sample = { payer: hex(payer), payee: hex(payee), answer: r.body };
      answered++;
    }
    assert.ok(answered >= 10 && sample, `expected routes over the synced graph, got ${answered}`);

    // The node forwarding over the route's second channel raises its fee 100-fold; the peer relays the update
    // (timestamped now: the service asked, with its gossip_timestamp_filter, for gossip from when it connected).
    const hop = sample!.answer.paths[0].hops[1];
    const scid = parseScid(hop.short_channel_id);
    const forwarder = sample!.answer.paths[0].hops[0].node_id as string;
    const index = topology.nodes.findIndex((_, n) => hex(secp.publicKeyCreate(testSecret(secp, `ln-gossip-gen node ${n}`))) === forwarder);
    assert.ok(index >= 0, 'the forwarder is a generated node');
    const old = peerGraph.direction(scid, hop.direction)!;
    const raw = encodeMessage(makeMessage('channel_update', {
      signature: new Uint8Array(64), chainHash: peerGraph.chainHash, shortChannelId: scid, timestamp: Math.floor(Date.now() / 1000) + 1, messageFlags: 1, channelFlags: hop.direction,
      cltvExpiryDelta: old.cltvExpiryDelta, htlcMinimumMsat: old.htlcMinimumMsat, feeBaseMsat: old.feeBaseMsat * 100 + 100_000,
      feeProportionalMillionths: old.feeProportionalMillionths * 100 + 10_000, htlcMaximumMsat: old.htlcMaximumMsat,
    }));
    const h = sha256d(raw.subarray(66));
    raw.set(secp.sign(h, testSecret(secp, `ln-gossip-gen node ${index}`)), 2);
    peerSync.handleChannelUpdate(undefined, decodeMessage(raw) as ChannelUpdate);
    await peerSync.drain();
    assert.is(peerGraph.direction(scid, hop.direction)!.feeBaseMsat, old.feeBaseMsat * 100 + 100_000, 'the peer took the update');
    peerPm.processEvents();
    const generation = health.routing_graph.generation;
    const after = await until(async () => {
      const hh = (await call(`${service.url}/health`)).body;
      if (hh.routing_graph.generation <= generation || hh.routing_graph.stale) return undefined;
      return (await call(`${service.url}/route`, { payer: sample!.payer, payee: sample!.payee, amount_msat: '20000000', use_scorer: false })).body;
    }, 120_000, 'the update to reach the routing graph'); // rebuilds wait 10x the last build time: seconds on a loaded machine
    const expectedAfter = new Router(RoutingGraph.fromView(peerGraph)).findRoute({ payer: fromHex(sample!.payer), payee: fromHex(sample!.payee), amountMsat: 20_000_000n });
    assert.is(BigInt(after.total_fee_msat), expectedAfter.totalFeeMsat, 'the new cheapest route, with the new fee');
    checkJsonPath(peerGraph, sample!.payer, sample!.payee, 20_000_000n, 18, after.paths[0]);
    assert.not.equal(after, sample!.answer, 'the answer changed');
    console.log(`    synced ${progress.channels} channels / ${progress.nodes} nodes over TCP; ${answered} routes checked; fee after the update ${sample!.answer.total_fee_msat} -> ${after.total_fee_msat} msat`);
  } finally {
    await service.close();
    await peer.close();
  }
});

test('ln-router serve --peer --verify workers as a child process: syncs from the peer (signatures checked on worker threads), answers a route checked against the peer graph; reconnects after the peer restarts', async () => {
  const topology = loadClnGossmap2026();
  const peer = await gossipPeer(topology, 200, now);
  const port = await peer.listen();
  const srv = cli('serve', '--peer', `${hex(peer.pm.nodeId)}@127.0.0.1:${port}`, '--port', '0', '--rebuild-interval', '100', '--verify', 'workers');
  try {
    const l = await srv.line((x) => x.event === 'listening');
    const synced = await srv.line((x) => x.event === 'synced');
    assert.is(synced.channels, 200);
    assert.match((await call(`${l.url}/health`)).body.source.verifier, /^workers-/);
    await until(async () => {
      const h = (await call(`${l.url}/health`)).body;
      return h.routing_graph.edges > 0 && !h.routing_graph.stale;
    }, 30_000, 'the routing graph');
    // A pair the peer's own router connects.
    const truth = new Router(RoutingGraph.fromView(peer.graph));
    const ids: Uint8Array[] = [];
    peer.graph.forEachNode((id) => ids.push(id));
    let checked = 0;
    for (let i = 0; i < ids.length && checked < 5; i++) {
      const [payer, payee] = [ids[i]!, ids[(i * 7 + 3) % ids.length]!];
      if (payer === payee) continue;
      let expected;
      try {
        expected = truth.findRoute({ payer, payee, amountMsat: 5_000_000n });
      } catch {
        continue;
      }
      const r = await call(`${l.url}/route`, { payer: hex(payer), payee: hex(payee), amount_msat: '5000000', use_scorer: false });
      assert.is(r.status, 200, JSON.stringify(r.body));
      checkJsonAnswer(peer.graph, hex(payer), hex(payee), 5_000_000n, 18, r.body);
      assert.is(BigInt(r.body.total_fee_msat), expected.totalFeeMsat);
      checked++;
    }
    assert.ok(checked >= 3, `routes checked: ${checked}`);

    // The peer goes away: the service says so, keeps routing on what it has, and reconnects when the peer is back.
    await peer.close();
    const down = await until(async () => {
      const s = (await call(`${l.url}/sync`)).body;
      return !s.peers[0].connected && s;
    }, 20_000, 'the disconnect');
    assert.ok(down.peers[0].last_error, 'the reason is reported');
    assert.is(down.channels, 200, 'the graph is kept');
    await peer.listen(port);
    await until(async () => (await call(`${l.url}/sync`)).body.peers[0].connected, 30_000, 'the reconnect');
    srv.child.kill('SIGTERM');
    assert.is(await srv.exited, 0);
  } finally {
    srv.child.kill('SIGKILL');
    await peer.close();
  }
});

test.run();
