/**
 * A small bitcoin script interpreter for the segwit v0 scripts Lightning uses (BOLT 3 §
 * "Funding Transaction Output", "Commitment Transaction Outputs", "HTLC-Timeout and
 * HTLC-Success Transactions"): pushes, `IF/NOTIF/ELSE/ENDIF`, stack and hash opcodes,
 * `CHECKSIG(VERIFY)`, `CHECKMULTISIG(VERIFY)`, `CHECKLOCKTIMEVERIFY` (BIP 65) and
 * `CHECKSEQUENCEVERIFY` (BIP 112), with Bitcoin Core's segwit v0 standardness rules
 * (MINIMALIF, MINIMALDATA, NULLFAIL, NULLDUMMY, strict DER, low S, compressed keys, clean stack).
 * Any other opcode is refused by name, so an unexpected script never passes by accident.
 */
import { hash160, ripemd160, sha256 } from '@ln/crypto';

/** What a script check failed on: the message says which rule. */
export class ScriptError extends Error {
  override readonly name = 'ScriptError';
}

/** The checks an interpreter run delegates to the spending transaction (see `script-verify.ts`). */
export interface ScriptContext {
  /** Checks a bitcoin signature (DER + sighash byte) by `pubkey` over this input; throws {@link ScriptError} for encoding errors, returns false for a wrong signature. */
  checkSig(sigWithHashType: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array): boolean;
  /** BIP 65: throws {@link ScriptError} when `locktime` is not satisfied by the transaction's nLockTime. */
  checkLockTime(locktime: number): void;
  /** BIP 112: throws {@link ScriptError} when `sequence` is not satisfied by the input's nSequence. */
  checkSequence(sequence: number): void;
}

/** One parsed script element: an opcode, with its pushed bytes for push opcodes. */
export interface ScriptOp {
  readonly op: number;
  readonly data?: Uint8Array;
}

const MAX_ELEMENT = 520;
const MAX_SCRIPT = 10_000;
const MAX_OPS = 201;

/** Opcode numbers this interpreter knows (the BIP/Core names). */
export const OPCODES = {
  OP_0: 0x00, OP_PUSHDATA1: 0x4c, OP_PUSHDATA2: 0x4d, OP_PUSHDATA4: 0x4e, OP_1NEGATE: 0x4f, OP_1: 0x51, OP_16: 0x60,
  OP_NOP: 0x61, OP_IF: 0x63, OP_NOTIF: 0x64, OP_ELSE: 0x67, OP_ENDIF: 0x68, OP_VERIFY: 0x69, OP_RETURN: 0x6a,
  OP_TOALTSTACK: 0x6b, OP_FROMALTSTACK: 0x6c, OP_2DROP: 0x6d, OP_IFDUP: 0x73, OP_DEPTH: 0x74, OP_DROP: 0x75, OP_DUP: 0x76,
  OP_NIP: 0x77, OP_OVER: 0x78, OP_SWAP: 0x7c, OP_SIZE: 0x82, OP_EQUAL: 0x87, OP_EQUALVERIFY: 0x88,
  OP_ADD: 0x93, OP_NUMEQUAL: 0x9c, OP_NUMEQUALVERIFY: 0x9d,
  OP_RIPEMD160: 0xa6, OP_SHA256: 0xa8, OP_HASH160: 0xa9, OP_CHECKSIG: 0xac, OP_CHECKSIGVERIFY: 0xad,
  OP_CHECKMULTISIG: 0xae, OP_CHECKMULTISIGVERIFY: 0xaf, OP_CHECKLOCKTIMEVERIFY: 0xb1, OP_CHECKSEQUENCEVERIFY: 0xb2,
} as const;
const O = OPCODES;

/** Parses a script into opcodes; throws {@link ScriptError} on a truncated push. */
export function parseScript(s: Uint8Array): ScriptOp[] {
  const ops: ScriptOp[] = [];
  for (let i = 0; i < s.length; ) {
    const op = s[i++]!;
    let len = -1;
    if (op >= 0x01 && op <= 0x4b) len = op;
    else if (op === O.OP_PUSHDATA1) len = s[i++] ?? -2;
    else if (op === O.OP_PUSHDATA2) {
      len = i + 2 <= s.length ? s[i]! | (s[i + 1]! << 8) : -2;
      i += 2;
    } else if (op === O.OP_PUSHDATA4) {
      len = i + 4 <= s.length ? (s[i]! | (s[i + 1]! << 8) | (s[i + 2]! << 16)) + s[i + 3]! * 2 ** 24 : -2;
      i += 4;
    }
    if (len === -1) {
      ops.push({ op });
      continue;
    }
    if (len < 0 || i + len > s.length) throw new ScriptError('truncated push');
    ops.push({ op, data: s.slice(i, i + len) });
    i += len;
  }
  return ops;
}

/** Whether a push uses the shortest encoding (Core's MINIMALDATA). */
function isMinimalPush(op: number, data: Uint8Array): boolean {
  if (data.length === 0) return op === O.OP_0;
  if (data.length === 1 && data[0]! >= 1 && data[0]! <= 16) return false; // OP_1..OP_16
  if (data.length === 1 && data[0] === 0x81) return false; // OP_1NEGATE
  if (data.length <= 75) return op === data.length;
  if (data.length <= 255) return op === O.OP_PUSHDATA1;
  if (data.length <= 65535) return op === O.OP_PUSHDATA2;
  return true;
}

/** Decodes a CScriptNum of at most `maxLen` bytes, minimally encoded. */
export function decodeScriptNum(b: Uint8Array, maxLen = 4): number {
  if (b.length > maxLen) throw new ScriptError(`script number longer than ${maxLen} bytes`);
  if (b.length === 0) return 0;
  const last = b[b.length - 1]!;
  if ((last & 0x7f) === 0 && (b.length === 1 || !(b[b.length - 2]! & 0x80))) throw new ScriptError('non-minimally encoded script number');
  let v = 0;
  for (let i = 0; i < b.length; i++) v += (i === b.length - 1 ? last & 0x7f : b[i]!) * 2 ** (8 * i);
  return last & 0x80 ? -v : v;
}

/** Encodes a number as a minimal CScriptNum. */
export function encodeScriptNum(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const out: number[] = [];
  let x = Math.abs(n);
  while (x > 0) {
    out.push(x % 256);
    x = Math.floor(x / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(n < 0 ? 0x80 : 0);
  else if (n < 0) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** Script truthiness: any non-zero byte, except a lone sign bit (negative zero) at the end. */
export function castToBool(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return !(i === b.length - 1 && b[i] === 0x80);
  return false;
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const TRUE = Uint8Array.of(1);
const FALSE = new Uint8Array(0);

/**
 * Runs `script` over `stack` (mutated; bottom first) as segwit v0 witness script execution
 * does. Throws {@link ScriptError} naming the failed rule; returns the final stack.
 */
export function executeScript(script: Uint8Array, stack: Uint8Array[], ctx: ScriptContext): Uint8Array[] {
  if (script.length > MAX_SCRIPT) throw new ScriptError('script larger than 10000 bytes');
  const ops = parseScript(script);
  const alt: Uint8Array[] = [];
  const exec: boolean[] = [];
  let opCount = 0;
  const pop = (what: string): Uint8Array => {
    const v = stack.pop();
    if (!v) throw new ScriptError(`stack empty at ${what}`);
    return v;
  };
  const top = (what: string, depth = 1): Uint8Array => {
    const v = stack[stack.length - depth];
    if (!v) throw new ScriptError(`stack too small at ${what}`);
    return v;
  };
  const push = (v: Uint8Array) => {
    if (v.length > MAX_ELEMENT) throw new ScriptError('stack element larger than 520 bytes');
    stack.push(v);
  };
  for (const { op, data } of ops) {
    const executing = exec.every(Boolean);
    if (op > O.OP_16 && ++opCount > MAX_OPS) throw new ScriptError('more than 201 opcodes');
    if (data !== undefined || op === O.OP_0) {
      if (!executing) continue;
      const d = data ?? FALSE;
      if (!isMinimalPush(op, d)) throw new ScriptError('non-minimal push');
      push(d);
      continue;
    }
    if (op === O.OP_IF || op === O.OP_NOTIF) {
      let v = false;
      if (executing) {
        const c = pop(op === O.OP_IF ? 'OP_IF' : 'OP_NOTIF');
        if (c.length > 1 || (c.length === 1 && c[0] !== 1)) throw new ScriptError('OP_IF/NOTIF argument not minimal (MINIMALIF)');
        v = c.length === 1;
        if (op === O.OP_NOTIF) v = !v;
      }
      exec.push(v);
      continue;
    }
    if (op === O.OP_ELSE) {
      if (!exec.length) throw new ScriptError('OP_ELSE without OP_IF');
      exec.push(!exec.pop()!);
      continue;
    }
    if (op === O.OP_ENDIF) {
      if (!exec.length) throw new ScriptError('OP_ENDIF without OP_IF');
      exec.pop();
      continue;
    }
    if (!executing) continue;
    switch (op) {
      case O.OP_1NEGATE: push(encodeScriptNum(-1)); break;
      case O.OP_NOP: break;
      case O.OP_VERIFY: if (!castToBool(pop('OP_VERIFY'))) throw new ScriptError('OP_VERIFY failed'); break;
      case O.OP_RETURN: throw new ScriptError('OP_RETURN');
      case O.OP_TOALTSTACK: alt.push(pop('OP_TOALTSTACK')); break;
      case O.OP_FROMALTSTACK: {
        const v = alt.pop();
        if (!v) throw new ScriptError('alt stack empty');
        push(v);
        break;
      }
      case O.OP_2DROP: pop('OP_2DROP'); pop('OP_2DROP'); break;
      case O.OP_IFDUP: { const v = top('OP_IFDUP'); if (castToBool(v)) push(v); break; }
      case O.OP_DEPTH: push(encodeScriptNum(stack.length)); break;
      case O.OP_DROP: pop('OP_DROP'); break;
      case O.OP_DUP: push(top('OP_DUP')); break;
      case O.OP_NIP: { const a = pop('OP_NIP'); pop('OP_NIP'); push(a); break; }
      case O.OP_OVER: push(top('OP_OVER', 2)); break;
      case O.OP_SWAP: { const a = pop('OP_SWAP'); const b = pop('OP_SWAP'); push(a); push(b); break; }
      case O.OP_SIZE: push(encodeScriptNum(top('OP_SIZE').length)); break;
      case O.OP_EQUAL: case O.OP_EQUALVERIFY: {
        const r = eq(pop('OP_EQUAL'), pop('OP_EQUAL'));
        if (op === O.OP_EQUALVERIFY) { if (!r) throw new ScriptError('OP_EQUALVERIFY failed'); } else push(r ? TRUE : FALSE);
        break;
      }
      case O.OP_ADD: { const b = decodeScriptNum(pop('OP_ADD')); push(encodeScriptNum(decodeScriptNum(pop('OP_ADD')) + b)); break; }
      case O.OP_NUMEQUAL: case O.OP_NUMEQUALVERIFY: {
        const r = decodeScriptNum(pop('OP_NUMEQUAL')) === decodeScriptNum(pop('OP_NUMEQUAL'));
        if (op === O.OP_NUMEQUALVERIFY) { if (!r) throw new ScriptError('OP_NUMEQUALVERIFY failed'); } else push(r ? TRUE : FALSE);
        break;
      }
      case O.OP_RIPEMD160: push(ripemd160(pop('OP_RIPEMD160'))); break;
      case O.OP_SHA256: push(sha256(pop('OP_SHA256'))); break;
      case O.OP_HASH160: push(hash160(pop('OP_HASH160'))); break;
      case O.OP_CHECKSIG: case O.OP_CHECKSIGVERIFY: {
        const pub = pop('OP_CHECKSIG');
        const sig = pop('OP_CHECKSIG');
        const ok = sig.length > 0 && ctx.checkSig(sig, pub, script);
        if (!ok && sig.length) throw new ScriptError('signature check failed (OP_CHECKSIG, NULLFAIL)');
        if (op === O.OP_CHECKSIGVERIFY) { if (!ok) throw new ScriptError('OP_CHECKSIGVERIFY failed'); } else push(ok ? TRUE : FALSE);
        break;
      }
      case O.OP_CHECKMULTISIG: case O.OP_CHECKMULTISIGVERIFY: {
        const n = decodeScriptNum(pop('OP_CHECKMULTISIG'));
        if (n < 0 || n > 20) throw new ScriptError('OP_CHECKMULTISIG key count out of range');
        opCount += n;
        if (opCount > MAX_OPS) throw new ScriptError('more than 201 opcodes');
        const pubs: Uint8Array[] = [];
        for (let i = 0; i < n; i++) pubs.push(pop('OP_CHECKMULTISIG'));
        const m = decodeScriptNum(pop('OP_CHECKMULTISIG'));
        if (m < 0 || m > n) throw new ScriptError('OP_CHECKMULTISIG signature count out of range');
        const sigs: Uint8Array[] = [];
        for (let i = 0; i < m; i++) sigs.push(pop('OP_CHECKMULTISIG'));
        if (pop('OP_CHECKMULTISIG').length !== 0) throw new ScriptError('OP_CHECKMULTISIG dummy not empty (NULLDUMMY)');
        // Keys and signatures were pushed in order and popped in reverse: match them from the first, as Core does.
        pubs.reverse();
        sigs.reverse();
        let ok = true;
        for (let isig = 0, ikey = 0; ok && isig < sigs.length; ikey++) {
          if (sigs[isig]!.length > 0 && ctx.checkSig(sigs[isig]!, pubs[ikey]!, script)) isig++;
          if (sigs.length - isig > pubs.length - ikey - 1) ok = false;
        }
        if (!ok && sigs.some((s) => s.length)) throw new ScriptError('signature check failed (OP_CHECKMULTISIG, NULLFAIL)');
        if (op === O.OP_CHECKMULTISIGVERIFY) { if (!ok) throw new ScriptError('OP_CHECKMULTISIGVERIFY failed'); } else push(ok ? TRUE : FALSE);
        break;
      }
      case O.OP_CHECKLOCKTIMEVERIFY: {
        const t = decodeScriptNum(top('OP_CHECKLOCKTIMEVERIFY'), 5);
        if (t < 0) throw new ScriptError('negative locktime (OP_CHECKLOCKTIMEVERIFY)');
        ctx.checkLockTime(t);
        break;
      }
      case O.OP_CHECKSEQUENCEVERIFY: {
        const s = decodeScriptNum(top('OP_CHECKSEQUENCEVERIFY'), 5);
        if (s < 0) throw new ScriptError('negative sequence (OP_CHECKSEQUENCEVERIFY)');
        if (Math.floor(s / 2 ** 31) % 2 === 1) break; // the disable flag: a NOP (BIP 112)
        ctx.checkSequence(s % 2 ** 32);
        break;
      }
      default:
        if (op >= O.OP_1 && op <= O.OP_16) push(encodeScriptNum(op - 0x50));
        else throw new ScriptError(`unsupported opcode 0x${op.toString(16)}`);
    }
    if (stack.length + alt.length > 1000) throw new ScriptError('stack larger than 1000 elements');
  }
  if (exec.length) throw new ScriptError('unbalanced OP_IF');
  return stack;
}
