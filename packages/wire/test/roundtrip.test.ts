import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { MESSAGES, decodeMessage, encodeMessage, messageTypeNumber, type MessageDef, type MessageName } from '@ln/wire';
import { arbMessage } from './arbitraries.js';

test('there are 50 declared messages with unique type numbers and names', () => {
  assert.is(MESSAGES.length, 50);
  assert.is(new Set(MESSAGES.map((m) => m.typeNumber)).size, 50);
  assert.is(messageTypeNumber('channel_update'), 258);
  assert.is(messageTypeNumber('onion_message'), 513);
});

for (const def of MESSAGES) {
  test(`property: ${def.name} (${def.typeNumber}) — encode → decode is identity, and decode → encode reproduces the bytes`, () => {
    fc.assert(
      fc.property(arbMessage(def as unknown as MessageDef), (msg) => {
        const bytes = encodeMessage(msg);
        assert.is((bytes[0]! << 8) | bytes[1]!, def.typeNumber);
        const back = decodeMessage(bytes);
        assert.equal(back, msg);
        assert.equal(encodeMessage(back), bytes);
      }),
      { numRuns: 60, seed: def.typeNumber },
    );
  });
}

test('unknown message types: odd is ignorable, even is required, both round-trip', () => {
  const odd = decodeMessage(Uint8Array.of(0x80, 0x01, 1, 2, 3));
  assert.equal(odd, { type: 'unknown', typeNumber: 0x8001, required: false, payload: Uint8Array.of(1, 2, 3) });
  const even = decodeMessage(Uint8Array.of(0x80, 0x02));
  assert.ok(even.type === 'unknown' && even.required);
  assert.equal(encodeMessage(odd), Uint8Array.of(0x80, 0x01, 1, 2, 3));
  const names: MessageName[] = ['init', 'update_add_htlc', 'channel_reestablish'];
  for (const n of names) assert.ok(messageTypeNumber(n) > 0);
});

test.run();
