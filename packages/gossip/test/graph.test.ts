/** NetworkGraph: lookups, iteration, removal, pruning, the router's view, against a naive model. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { NetworkGraph, STALE_CHANNEL_SECONDS, compareBytes, toHex, type ChannelView, type ReadOnlyNetworkGraph } from '../src/index.js';
import { node, nodeAnnouncementRaw } from './helpers.js';

const t = suite('graph');
const ids = Array.from({ length: 12 }, (_, i) => node(`g${i}`));
const pair = (a: number, b: number) => (compareBytes(ids[a]!.nodeId, ids[b]!.nodeId) < 0 ? [ids[a]!, ids[b]!] : [ids[b]!, ids[a]!]);
const upd = (ts: number, dir: number, fee = 1, disabled = false) => ({
  timestamp: ts, messageFlags: 1, channelFlags: dir | (disabled ? 2 : 0), cltvExpiryDelta: 40, htlcMinimumMsat: 1n,
  feeBaseMsat: fee, feeProportionalMillionths: 2, htlcMaximumMsat: 1_000_000n,
});

t('add, look up, iterate, update, remove', () => {
  const g = new NetworkGraph();
  const [a, b] = pair(0, 1);
  const [, c] = pair(0, 2);
  assert.ok(g.addChannel({ scid: 10n, node1: a!.nodeId, node2: b!.nodeId, capacitySat: 5000n }, 100));
  assert.not.ok(g.addChannel({ scid: 10n, node1: a!.nodeId, node2: b!.nodeId }));
  const [x, y] = pair(0, 2);
  g.addChannel({ scid: 11n, node1: x!.nodeId, node2: y!.nodeId });
  assert.is(g.channelCount, 2);
  assert.is(g.nodeCount, 3);
  assert.ok(g.updateDirection(10n, upd(1000, 1, 7)));
  assert.not.ok(g.updateDirection(99n, upd(1000, 0)));
  const ch = g.channel(10n)!;
  assert.equal(ch.node1, a!.nodeId);
  assert.is(ch.capacitySat, 5000n);
  assert.is(ch.addedAt, 100);
  assert.is(ch.directions[0], undefined);
  assert.is(ch.directions[1]!.feeBaseMsat, 7);
  assert.equal(g.nodeChannels(ids[0]!.nodeId).sort(), [10n, 11n]);
  assert.equal(g.nodeChannels(c!.nodeId), [11n]);
  assert.ok(g.setNodeAnnouncement(ids[0]!.nodeId, 1_700_000_000, nodeAnnouncementRaw(ids[0]!, 1_700_000_000, 'zero')));
  assert.is(g.node(ids[0]!.nodeId)!.alias, 'zero');
  assert.equal(g.nodeFeatures(ids[0]!.nodeId), Uint8Array.of(0x08, 0x00));
  assert.not.ok(g.setNodeAnnouncement(ids[5]!.nodeId, 1, nodeAnnouncementRaw(ids[5]!)));
  assert.ok(g.removeChannel(10n));
  assert.is(g.channel(10n), undefined);
  assert.is(g.nodeCount, 2);
  assert.ok(g.node(ids[0]!.nodeId));
  g.removeChannel(11n);
  assert.is(g.nodeCount, 0);
  assert.is(g.node(ids[0]!.nodeId), undefined);
});

t('satisfies the router view: disabled and missing directions are undefined', () => {
  const g = new NetworkGraph();
  const [a, b] = pair(3, 4);
  g.addChannel({ scid: 1n, node1: a!.nodeId, node2: b!.nodeId, capacitySat: 1000n });
  g.updateDirection(1n, upd(5, 0, 3));
  g.updateDirection(1n, upd(5, 1, 3, true));
  const view: ReadOnlyNetworkGraph = g;
  const seen: ChannelView[] = [];
  view.forEachChannel((c) => seen.push(c));
  assert.is(seen.length, 1);
  assert.equal(seen[0]!.policies[0], { feeBaseMsat: 3, feeProportionalMillionths: 2, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 1_000_000n });
  assert.is(seen[0]!.policies[1], undefined);
  assert.is(seen[0]!.capacitySat, 1000n);
});

t('pruning (BOLT 7): a channel goes when the latest update of either direction is older than two weeks, or a direction never had one two weeks after it was added', () => {
  const g = new NetworkGraph();
  const now = 2_000_000_000;
  const old = now - STALE_CHANNEL_SECONDS - 1;
  const edge = now - STALE_CHANNEL_SECONDS; // exactly two weeks: not older
  const mkch = (scid: bigint, i: number, j: number, added: number) => {
    const [a, b] = pair(i, j);
    g.addChannel({ scid, node1: a!.nodeId, node2: b!.nodeId }, added);
  };
  mkch(1n, 0, 1, old); // one side fresh, the other stale: pruned (the spec's rationale)
  g.updateDirection(1n, upd(old, 0));
  g.updateDirection(1n, upd(now - 10, 1));
  mkch(2n, 1, 2, old); // both stale
  g.updateDirection(2n, upd(old, 0));
  g.updateDirection(2n, upd(old - 5, 1));
  mkch(3n, 2, 3, old); // never updated, added long ago
  mkch(4n, 3, 4, now - 10); // never updated, new: kept
  mkch(5n, 4, 5, old); // one fresh direction, the other never seen, added long ago: pruned
  g.updateDirection(5n, upd(now - 10, 0));
  mkch(6n, 5, 6, now - 10); // one fresh direction, the other never seen, new: kept
  g.updateDirection(6n, upd(now - 10, 1));
  mkch(7n, 6, 7, old); // both fresh (one exactly at two weeks): kept
  g.updateDirection(7n, upd(edge, 0));
  g.updateDirection(7n, upd(now, 1));
  const nodesBefore = g.nodeCount;
  assert.equal(g.removeStaleChannels(now), { channelsRemoved: 4 });
  for (const s of [1n, 2n, 3n, 5n]) assert.is(g.channel(s), undefined, `channel ${s}`);
  for (const s of [4n, 6n, 7n]) assert.ok(g.channel(s), `channel ${s}`);
  assert.is(g.channel(7n)!.directions[0]!.lastUpdate, edge);
  // Nodes 0 and 1 had only pruned channels (node 2 keeps none either: 2-3 and 1-2 went).
  assert.is(g.nodeCount, nodesBefore - 3);
  assert.not.ok(g.hasNode(pair(0, 1)[0]!.nodeId) && g.hasNode(pair(0, 1)[1]!.nodeId));
});

t('property: random adds, updates and removals match a naive model', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 1e6 })), { maxLength: 200 }),
      (ops) => {
        const g = new NetworkGraph({ expectedChannels: 1 });
        const model = new Map<bigint, { n1: string; n2: string; dirs: (number | undefined)[] }>();
        for (const [op, s, i, j, v] of ops) {
          const scid = BigInt(s) * 1_000_003n;
          if (op === 0 && i !== j) {
            const [a, b] = pair(i, j);
            const added = g.addChannel({ scid, node1: a!.nodeId, node2: b!.nodeId });
            assert.is(added, !model.has(scid));
            if (added) model.set(scid, { n1: toHex(a!.nodeId), n2: toHex(b!.nodeId), dirs: [undefined, undefined] });
          } else if (op === 1) {
            const ok = g.updateDirection(scid, upd(v, v & 1, v));
            assert.is(ok, model.has(scid));
            if (ok) model.get(scid)!.dirs[v & 1] = v;
          } else if (op === 2) {
            assert.is(g.removeChannel(scid), model.delete(scid));
          }
        }
        assert.is(g.channelCount, model.size);
        const nodes = new Map<string, bigint[]>();
        for (const [scid, m] of model) {
          const c = g.channel(scid)!;
          assert.is(toHex(c.node1), m.n1);
          assert.is(toHex(c.node2), m.n2);
          assert.equal(c.directions.map((d) => d?.feeBaseMsat), m.dirs);
          for (const n of [m.n1, m.n2]) nodes.set(n, [...(nodes.get(n) ?? []), scid]);
        }
        assert.is(g.nodeCount, nodes.size);
        for (const [n, list] of nodes) {
          const id = Uint8Array.from(n.match(/../g)!.map((h) => parseInt(h, 16)));
          assert.equal(g.nodeChannels(id).sort(), list.sort());
        }
        let seen = 0;
        g.forEachChannel((c) => {
          seen++;
          assert.ok(model.has(c.scid));
        });
        assert.is(seen, model.size);
      },
    ),
    { numRuns: 150 },
  );
});

t.run();
