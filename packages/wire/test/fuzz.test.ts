import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DecodeError, MESSAGES, decodeAddresses, decodeMessage, decodeQueryFlags, decodeShortChannelIds, decodeTimestamps, encodeMessage } from '@ln/wire';
import { arbAnyMessage } from './arbitraries.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 100_000);

/** xorshift32: a small seeded generator, so every run fuzzes the same inputs. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function onlyDecodeErrors(f: () => unknown, input: Uint8Array): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DecodeError)) {
      throw new Error(`non-DecodeError ${e} for input ${Array.from(input, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    }
  }
}

test(`fuzz: ${ITERATIONS} random and mutated inputs to decodeMessage throw only DecodeError, within a time bound`, () => {
  const rand = rng(20261124);
  const seeds = fc.sample(arbAnyMessage, { numRuns: 400, seed: 7 }).map(encodeMessage);
  const typeNumbers = MESSAGES.map((m) => m.typeNumber);
  const started = Date.now();
  let decodedOk = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    let input: Uint8Array;
    const mode = i % 4;
    if (mode === 0) {
      // A known type followed by random bytes.
      const len = Math.floor(rand() * 400);
      input = new Uint8Array(2 + len);
      const t = typeNumbers[Math.floor(rand() * typeNumbers.length)]!;
      input[0] = t >> 8;
      input[1] = t & 0xff;
      for (let j = 2; j < input.length; j++) input[j] = (rand() * 256) | 0;
    } else {
      // A valid message, mutated: flips, truncation, or extension with junk.
      const base = seeds[Math.floor(rand() * seeds.length)]!;
      if (mode === 1) {
        input = Uint8Array.from(base);
        const flips = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < flips && input.length; k++) input[Math.floor(rand() * input.length)] = (rand() * 256) | 0;
      } else if (mode === 2) {
        input = base.subarray(0, Math.floor(rand() * base.length));
      } else {
        const extra = new Uint8Array(1 + Math.floor(rand() * 20)).map(() => (rand() * 256) | 0);
        input = new Uint8Array(base.length + extra.length);
        input.set(base);
        input.set(extra, base.length);
      }
    }
    try {
      decodeMessage(input);
      decodedOk++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        throw new Error(`non-DecodeError ${e} for input ${Array.from(input, (b) => b.toString(16).padStart(2, '0')).join('')}`);
      }
    }
  }
  const seconds = (Date.now() - started) / 1000;
  assert.ok(decodedOk > 0, 'some inputs decode');
  assert.ok(seconds < 60, `fuzzing took ${seconds}s`);
});

test('fuzz: helper decoders (addresses, short ids, query flags, timestamps) throw only DecodeError', () => {
  const rand = rng(99);
  for (let i = 0; i < 20_000; i++) {
    const input = new Uint8Array(Math.floor(rand() * 80)).map(() => (rand() < 0.3 ? (rand() * 6) | 0 : (rand() * 256) | 0));
    onlyDecodeErrors(() => decodeAddresses(input), input);
    onlyDecodeErrors(() => decodeShortChannelIds(input), input);
    onlyDecodeErrors(() => decodeQueryFlags(input[0] ?? 0, input.subarray(1)), input);
    onlyDecodeErrors(() => decodeTimestamps(input[0] ?? 0, input.subarray(1)), input);
  }
});

test('huge declared lengths do not allocate: a u16 length of 65535 on a 10-byte input fails fast', () => {
  const input = Uint8Array.of(0x00, 0x11, ...new Uint8Array(32), 0xff, 0xff, 1, 2);
  try {
    decodeMessage(input);
    assert.unreachable('should fail');
  } catch (e) {
    assert.ok(e instanceof DecodeError && e.code === 'short_read');
  }
  const tlvHuge = Uint8Array.of(0x00, 0x10, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  try {
    decodeMessage(tlvHuge);
    assert.unreachable('should fail');
  } catch (e) {
    assert.ok(e instanceof DecodeError);
  }
});

test.run();
