/** The script interpreter's rules in isolation, and fuzzing of the verifier with hostile scripts and witnesses. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sha256 } from '@ln/crypto';
import { p2wsh, type Transaction } from '@ln/transactions';
import { OPCODES as O, decodeScriptNum, encodeScriptNum, executeScript, verifyInputScript, type ScriptContext } from '@ln/test-kit';

const noChecks: ScriptContext = {
  checkSig: () => false,
  checkLockTime: () => undefined,
  checkSequence: () => undefined,
};
const run = (script: number[], stack: Uint8Array[] = []) => executeScript(Uint8Array.from(script), stack, noChecks);
const tx = (witness: Uint8Array[], scriptSig = new Uint8Array(0)): Transaction => ({
  version: 2, locktime: 0,
  inputs: [{ prevout: { txid: new Uint8Array(32) as never, vout: 0 }, scriptSig, sequence: 0xfffffffd, witness }],
  outputs: [{ valueSat: 1000n, scriptPubkey: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)) }],
});
const spendP2wsh = (script: Uint8Array, items: Uint8Array[]) => verifyInputScript(tx([...items, script]), 0, { valueSat: 2000n, scriptPubkey: p2wsh(script) });

test('script numbers: minimal CScriptNum round trip; non-minimal and over-long encodings refused', () => {
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), (n) => decodeScriptNum(encodeScriptNum(n)) === n));
  assert.throws(() => decodeScriptNum(Uint8Array.of(1, 0)), /non-minimally/);
  assert.throws(() => decodeScriptNum(Uint8Array.of(0x80)), /non-minimally/);
  assert.is(decodeScriptNum(Uint8Array.of(0xff, 0)), 255);
  assert.throws(() => decodeScriptNum(Uint8Array.of(1, 2, 3, 4, 5)), /longer than 4/);
  assert.is(decodeScriptNum(Uint8Array.of(1, 2, 3, 4, 5), 5), 0x0504030201);
});

test('flow control and stack opcodes: IF/NOTIF/ELSE nesting, IFDUP, SWAP, SIZE, MINIMALIF, unbalanced IF, OP_RETURN', () => {
  assert.equal(run([O.OP_IF, 0x52, O.OP_ELSE, 0x53, O.OP_ENDIF], [Uint8Array.of(1)]), [Uint8Array.of(2)]);
  assert.equal(run([O.OP_NOTIF, 0x52, O.OP_ELSE, 0x53, O.OP_ENDIF], [Uint8Array.of(1)]), [Uint8Array.of(3)]);
  assert.equal(run([O.OP_IF, O.OP_IF, 0x52, O.OP_ENDIF, O.OP_ELSE, 0x54, O.OP_ENDIF], [Uint8Array.of(1), Uint8Array.of(1)]), [Uint8Array.of(2)]);
  assert.equal(run([O.OP_IF, O.OP_IF, 0x52, O.OP_ENDIF, O.OP_ELSE, 0x54, O.OP_ENDIF], [Uint8Array.of(1), new Uint8Array(0)]), [Uint8Array.of(1), Uint8Array.of(4)]);
  assert.equal(run([O.OP_IFDUP], [new Uint8Array(0)]), [new Uint8Array(0)]);
  assert.equal(run([O.OP_IFDUP], [Uint8Array.of(5)]), [Uint8Array.of(5), Uint8Array.of(5)]);
  assert.equal(run([O.OP_SWAP, O.OP_SIZE], [Uint8Array.of(1), Uint8Array.of(2, 3)]), [Uint8Array.of(2, 3), Uint8Array.of(1), Uint8Array.of(1)]);
  assert.throws(() => run([O.OP_IF, 0x51, O.OP_ENDIF], [Uint8Array.of(2)]), /MINIMALIF/);
  assert.throws(() => run([O.OP_IF, 0x51], [Uint8Array.of(1)]), /unbalanced/);
  assert.throws(() => run([O.OP_ELSE]), /without OP_IF/);
  assert.throws(() => run([O.OP_RETURN]), /OP_RETURN/);
  assert.throws(() => run([0x01, 0x05]), /non-minimal push/);
  assert.throws(() => run([0x02, 0x05]), /truncated/);
  assert.throws(() => run([0xb0]), /unsupported opcode 0xb0/);
  assert.throws(() => run([O.OP_DROP]), /stack empty/);
  // A branch not taken is not executed: its unknown opcode is never reached.
  assert.equal(run([O.OP_IF, 0xb0, O.OP_ENDIF, 0x51], [new Uint8Array(0)]), [Uint8Array.of(1)]);
});

test('P2WSH clean stack and hash checks', () => {
  const s = Uint8Array.of(O.OP_SHA256, 0x20, ...sha256(Uint8Array.of(42)), O.OP_EQUAL);
  assert.is(spendP2wsh(s, [Uint8Array.of(42)]), undefined);
  assert.is(spendP2wsh(s, [Uint8Array.of(43)]), 'script evaluated to false');
  assert.is(spendP2wsh(s, [Uint8Array.of(1), Uint8Array.of(42)]), '2 stack elements left (CLEANSTACK)');
  assert.is(spendP2wsh(Uint8Array.of(0x51), [new Uint8Array(521)]), 'witness item larger than 520 bytes');
  assert.is(verifyInputScript(tx([Uint8Array.of(0x51)], Uint8Array.of(0)), 0, { valueSat: 1n, scriptPubkey: p2wsh(Uint8Array.of(0x51)) }), 'non-empty scriptSig spending a witness program');
  assert.match(verifyInputScript(tx([]), 0, { valueSat: 1n, scriptPubkey: Uint8Array.of(0x51, 0x20, ...new Uint8Array(32)) })!, /witness version 1 is not supported/);
  assert.match(verifyInputScript(tx([]), 0, { valueSat: 1n, scriptPubkey: Uint8Array.of(0xa9, 0x14, ...new Uint8Array(20), 0x87) })!, /P2SH/);
  assert.is(verifyInputScript(tx([]), 0, { valueSat: 1n, scriptPubkey: Uint8Array.of(0x51) }), undefined, 'a bare OP_TRUE output (the coinbase) is spendable');
});

const opcodeAlphabet = [...Object.values(O), 0x01, 0x02, 0x20, 0x21, 0x52, 0x53, 0x60, 0xb0, 0xff];
test('fuzz: hostile witness scripts and items never crash or hang the verifier (a reason or acceptance, nothing else)', () => {
  const item = fc.uint8Array({ maxLength: 40 });
  const fromAlphabet = fc.array(fc.oneof(fc.constantFrom(...opcodeAlphabet), fc.integer({ min: 0, max: 255 })), { maxLength: 80 }).map((a) => Uint8Array.from(a));
  fc.assert(
    fc.property(fc.oneof(fromAlphabet, fc.uint8Array({ maxLength: 120 })), fc.array(item, { maxLength: 6 }), (script, items) => {
      const r = spendP2wsh(script, items);
      return r === undefined || (typeof r === 'string' && !r.startsWith('verifier error'));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 50 }), fc.array(item, { maxLength: 4 }), fc.uint8Array({ maxLength: 10 }), (spk, witness, scriptSig) => {
      const r = verifyInputScript(tx(witness, scriptSig), 0, { valueSat: 5n, scriptPubkey: spk });
      return r === undefined || typeof r === 'string';
    }),
    { numRuns: 3000 },
  );
});

test.run();
