/**
 * BOLT 4 "Failure Messages": the failure codes with their flags, and their data, encoded and
 * decoded from one table.
 */
import { Reader, Writer, bigsize, u16, u16Bytes, u32, u64, bytes, type Codec } from '@ln/wire';

/** Flags in the top byte of a failure code. */
export const BADONION = 0x8000;
export const PERM = 0x4000;
export const NODE = 0x2000;
export const UPDATE = 0x1000;

/** The data fields of a failure message, as codecs. */
export type FailureFields = Record<string, Codec<any>>;
type Fields = FailureFields;
const def = <N extends string>(code: number, name: N, fields: FailureFields = {}) => ({ code, name, fields });

/** Every BOLT 4 failure message: code (with flags), name and data fields. */
export const FAILURES = [
  def(NODE | 2, 'temporary_node_failure'),
  def(PERM | NODE | 2, 'permanent_node_failure'),
  def(PERM | NODE | 3, 'required_node_feature_missing'),
  def(BADONION | PERM | 4, 'invalid_onion_version', { sha256OfOnion: bytes(32) }),
  def(BADONION | PERM | 5, 'invalid_onion_hmac', { sha256OfOnion: bytes(32) }),
  def(BADONION | PERM | 6, 'invalid_onion_key', { sha256OfOnion: bytes(32) }),
  def(UPDATE | 7, 'temporary_channel_failure', { channelUpdate: u16Bytes }),
  def(PERM | 8, 'permanent_channel_failure'),
  def(PERM | 9, 'required_channel_feature_missing'),
  def(PERM | 10, 'unknown_next_peer'),
  def(UPDATE | 11, 'amount_below_minimum', { htlcMsat: u64, channelUpdate: u16Bytes }),
  def(UPDATE | 12, 'fee_insufficient', { htlcMsat: u64, channelUpdate: u16Bytes }),
  def(UPDATE | 13, 'incorrect_cltv_expiry', { cltvExpiry: u32, channelUpdate: u16Bytes }),
  def(UPDATE | 14, 'expiry_too_soon', { channelUpdate: u16Bytes }),
  def(PERM | 15, 'incorrect_or_unknown_payment_details', { htlcMsat: u64, height: u32 }),
  def(18, 'final_incorrect_cltv_expiry', { cltvExpiry: u32 }),
  def(19, 'final_incorrect_htlc_amount', { incomingHtlcAmt: u64 }),
  def(UPDATE | 20, 'channel_disabled', { disabledFlags: u16, channelUpdate: u16Bytes }),
  def(21, 'expiry_too_far'),
  def(PERM | 22, 'invalid_onion_payload', { type: bigsize, offset: u16 }),
  def(23, 'mpp_timeout'),
  def(BADONION | PERM | 24, 'invalid_onion_blinding', { sha256OfOnion: bytes(32) }),
] as const;

/** A decoded failure message: its name, code, data fields, and any bytes after them. */
export interface FailureMessage {
  readonly name: (typeof FAILURES)[number]['name'] | 'unknown';
  readonly code: number;
  readonly fields: Record<string, unknown>;
}

const byCode = new Map<number, (typeof FAILURES)[number]>(FAILURES.map((f) => [f.code, f]));
const byName = new Map<string, (typeof FAILURES)[number]>(FAILURES.map((f) => [f.name, f]));

/** Encodes a failure message (`failuremsg`): the 2-byte code and its data. */
export function encodeFailureMessage(name: FailureMessage['name'], fields: Record<string, unknown> = {}): Uint8Array {
  const d = byName.get(name);
  if (!d) throw new Error(`unknown failure ${name}`);
  const w = new Writer(64);
  w.u16(d.code);
  for (const [k, c] of Object.entries(d.fields as Fields)) c.encode(w, fields[k]);
  return w.finish();
}

/** Decodes a `failuremsg`; unknown codes decode to `name: 'unknown'` with the flags still readable from `code`. */
export function decodeFailureMessage(msg: Uint8Array): FailureMessage {
  const r = new Reader(msg);
  const code = r.u16('failure_code');
  const d = byCode.get(code);
  if (!d) return { name: 'unknown', code, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(d.fields as Fields)) fields[k] = c.decode(r);
  return { name: d.name, code, fields };
}

/** Whether the failure is permanent (PERM), about the node (NODE), about the onion (BADONION), or carries a channel_update (UPDATE). */
export function failureFlags(code: number): { badOnion: boolean; perm: boolean; node: boolean; update: boolean } {
  return { badOnion: (code & BADONION) !== 0, perm: (code & PERM) !== 0, node: (code & NODE) !== 0, update: (code & UPDATE) !== 0 };
}
