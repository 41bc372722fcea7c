/**
 * Untrusted input: random request bodies get a typed `ApiError` (never another exception), and
 * random graph files get a typed error from the loader; property tests on the request codec.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SnapshotFormatError, graphFromModel } from '@ln/gossip';
import { SnapshotDecodeError } from '@ln/graph-snapshots';
import { scidFromParts, scidToString } from '@ln/wire';
import { ApiError, GraphFileError, parseRouteRequest, parseScidField } from '../src/index.js';
import { RouterService, loadGraphFile } from '../src/node.js';

const FIELDS = ['payer', 'payee', 'amount_msat', 'final_cltv_expiry_delta', 'max_total_cltv_expiry_delta', 'max_path_length', 'max_fee_msat', 'current_block_height', 'route_hints', 'excluded_channels', 'excluded_nodes', 'mpp', 'max_parts', 'use_scorer', 'payee_features'];
const nodeHex = fc.tuple(fc.constantFrom('02', '03'), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([p, b]) => p + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''));
/** Values that are sometimes right for a field and often not. */
const value = fc.oneof(fc.jsonValue(), nodeHex, fc.bigInt({ min: -5n, max: 1n << 70n }).map(String), fc.integer(), fc.array(nodeHex, { maxLength: 3 }), fc.constant([[{ node_id: '02' + '00'.repeat(32), short_channel_id: '1x2x3' }]]));

test('random bodies: parseRouteRequest returns or throws ApiError with status 400, never anything else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...FIELDS, 'other'), value, { maxKeys: 10 })), (body) => {
      try {
        const r = parseRouteRequest(body);
        assert.ok(r.params.amountMsat > 0n && r.params.payer.length === 33 && r.params.payee.length === 33);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        assert.is(e.status, 400);
        if (e.field) assert.ok(e.message.startsWith(e.field));
      }
    }),
    { numRuns: 3000 },
  );
});

test('a valid request round-trips its fields; scids in both notations', () => {
  fc.assert(
    fc.property(nodeHex, nodeHex, fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 1008 }), fc.integer({ min: 0, max: (1 << 24) - 1 }), fc.integer({ min: 0, max: (1 << 24) - 1 }), fc.integer({ min: 0, max: 65535 }), (payer, payee, amount, cltv, b, t, o) => {
      fc.pre(payer !== payee);
      const scid = scidFromParts(b, t, o);
      const r = parseRouteRequest({ payer, payee, amount_msat: amount.toString(), final_cltv_expiry_delta: cltv, excluded_channels: [scidToString(scid), scid.toString()] });
      assert.is(r.params.amountMsat, amount);
      assert.is(r.params.finalCltvExpiryDelta, cltv);
      assert.equal(r.params.excludedChannels, [scid, scid]);
      assert.is(parseScidField(scidToString(scid), 'x'), scid);
    }),
    { numRuns: 500 },
  );
});

test('random graph files: the loader throws a typed error (never a crash or another error)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ln-router-fuzz-'));
  const file = join(dir, 'g.bin');
  const typed = (e: unknown) => e instanceof GraphFileError || e instanceof SnapshotFormatError || e instanceof SnapshotDecodeError;
  const prefixes = [new Uint8Array(0), new TextEncoder().encode('LNGRAPH1'), new TextEncoder().encode('LNGRAPH2'), new TextEncoder().encode('GOSSMAP_COMPRESSv1\0'), new TextEncoder().encode('{"channels":[')];
  fc.assert(
    fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 400 }), fc.boolean(), (prefix, rest, gz) => {
      const raw = new Uint8Array(prefix.length + rest.length);
      raw.set(prefix);
      raw.set(rest, prefix.length);
      writeFileSync(file, gz ? gzipSync(raw) : raw);
      try {
        loadGraphFile(file, { nodeMap: join(dir, 'missing-node-map') });
      } catch (e) {
        if (!typed(e)) throw e;
      }
    }),
    { numRuns: 400 },
  );
  // listchannels-shaped JSON with random entries.
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.record({ source: fc.jsonValue(), destination: fc.jsonValue(), short_channel_id: fc.oneof(fc.jsonValue(), fc.constant('1x2x3')), satoshis: fc.jsonValue(), active: fc.boolean() })), { maxLength: 4 }), (entries) => {
      writeFileSync(file, JSON.stringify({ channels: entries }));
      try {
        loadGraphFile(file);
      } catch (e) {
        if (!typed(e)) throw e;
      }
    }),
    { numRuns: 300 },
  );
  // Valid JSON that is not listchannels.
  for (const j of ['{}', '[]', '{"channels":[{"source":1}]}', 'null', '{"channels":[null]}']) {
    writeFileSync(file, j);
    assert.throws(() => loadGraphFile(file), typed);
  }
});

test('random but well-formed requests over a small graph: an answer or a typed error (400/422), never a 500', async () => {
  const id = (i: number) => Uint8Array.from([2, ...new Array(31).fill(0), i]);
  const pol = (base: number) => ({ feeBaseMsat: base, feeProportionalMillionths: 1000, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 500_000_000n });
  const graph = graphFromModel({
    nodes: [1, 2, 3, 4, 5].map((i) => ({ nodeId: id(i) })),
    channels: [[0, 1], [1, 2], [2, 3], [3, 4], [0, 2], [1, 4]].map(([a, b], i) => ({ scid: scidFromParts(700_000, i, 0), node1: a!, node2: b!, capacitySat: 1_000_000n, policies: [pol(i * 10), pol(i * 7)] as const })),
  });
  const service = await RouterService.start({ source: { kind: 'file', graph } });
  const node = fc.integer({ min: 1, max: 6 }).map((i) => Array.from(id(i), (x) => x.toString(16).padStart(2, '0')).join(''));
  const scid = fc.integer({ min: 0, max: 7 }).map((i) => `700000x${i}x0`);
  try {
    fc.assert(
      fc.property(
        fc.record({
          payer: node, payee: node, amount_msat: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).map(String),
          final_cltv_expiry_delta: fc.integer({ min: 0, max: 2000 }), max_path_length: fc.integer({ min: 1, max: 27 }),
          max_fee_msat: fc.bigInt({ min: 0n, max: 1n << 40n }).map(String), excluded_channels: fc.array(scid, { maxLength: 3 }),
          excluded_nodes: fc.array(node, { maxLength: 2 }), mpp: fc.boolean(), max_parts: fc.integer({ min: 1, max: 64 }), use_scorer: fc.boolean(),
          route_hints: fc.array(fc.array(fc.record({ node_id: node, short_channel_id: scid, fee_base_msat: fc.nat(), fee_proportional_millionths: fc.nat(), cltv_expiry_delta: fc.integer({ min: 0, max: 65535 }), htlc_maximum_msat: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String) }), { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
        }, { requiredKeys: ['payer', 'payee', 'amount_msat'] }),
        (body) => {
          try {
            const r = service.route(body) as { amount_msat: string; paths: { amount_msat: string }[] };
            assert.is(r.paths.reduce((a, p) => a + BigInt(p.amount_msat), 0n), BigInt(body.amount_msat), 'parts sum to the amount');
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            assert.ok(e.status === 400 || e.status === 422, `status ${e.status}: ${e.message}`);
          }
        },
      ),
      { numRuns: 1500 },
    );
  } finally {
    await service.close();
  }
});

test.run();
