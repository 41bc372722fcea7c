/**
 * Plain data types shared by every interface: transaction ids and block hashes with their
 * byte order made explicit in the type, outpoints, outputs, block headers and blocks.
 *
 * Bitcoin shows txids and block hashes byte-reversed ("display order", as in block
 * explorers and RPC) but hashes and serializes them in "internal order" (the raw SHA256d
 * output). Mixing the two is a classic bug, so here both are branded types: a {@link Txid}
 * always holds internal order, and the only ways to make one from hex go through
 * {@link txidFromHex} (display order in) or {@link txidFromInternalBytes}.
 *
 * @packageDocumentation
 */

declare const txidBrand: unique symbol;
declare const blockHashBrand: unique symbol;

/** A transaction id: 32 bytes in internal byte order (the SHA256d output as serialized in transactions). */
export type Txid = Uint8Array & { readonly [txidBrand]: 'internal-order' };
/** A block hash: 32 bytes in internal byte order (the SHA256d of the header, as `prev_block` serializes it). */
export type BlockHash = Uint8Array & { readonly [blockHashBrand]: 'internal-order' };

/** Thrown when a helper of this package is given malformed input (bad hex, wrong length). */
export class ChainInterfaceError extends Error {
  override readonly name = 'ChainInterfaceError';
}

function hexToBytes32(hex: string, what: string): Uint8Array {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ChainInterfaceError(`${what} must be 64 hex characters, got ${JSON.stringify(String(hex).slice(0, 80))}`);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function reversedHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = bytes.length - 1; i >= 0; i--) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

function check32(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new ChainInterfaceError(`${what} must be a 32-byte Uint8Array, got length ${(bytes as Uint8Array)?.length}`);
  }
}

/** Makes a {@link Txid} from the hex shown by explorers and bitcoind RPC (display order, byte-reversed). */
export function txidFromHex(displayHex: string): Txid {
  return hexToBytes32(displayHex, 'txid').reverse() as Txid;
}
/** Makes a {@link Txid} from 32 bytes already in internal order (e.g. a SHA256d output). Copies the bytes. */
export function txidFromInternalBytes(bytes: Uint8Array): Txid {
  check32(bytes, 'txid');
  return Uint8Array.from(bytes) as Txid;
}
/** The display-order hex of a txid, as explorers and bitcoind RPC show it. */
export function txidToHex(txid: Txid): string {
  return reversedHex(txid);
}
/** Makes a {@link BlockHash} from display-order hex (as bitcoind RPC and explorers show it). */
export function blockHashFromHex(displayHex: string): BlockHash {
  return hexToBytes32(displayHex, 'block hash').reverse() as BlockHash;
}
/** Makes a {@link BlockHash} from 32 bytes in internal order. Copies the bytes. */
export function blockHashFromInternalBytes(bytes: Uint8Array): BlockHash {
  check32(bytes, 'block hash');
  return Uint8Array.from(bytes) as BlockHash;
}
/** The display-order hex of a block hash. */
export function blockHashToHex(hash: BlockHash): string {
  return reversedHex(hash);
}

/** A reference to a transaction output. */
export interface OutPoint {
  readonly txid: Txid;
  /** Output index (BOLT 2 `funding_output_index` is a u16, bitcoin allows u32). */
  readonly vout: number;
}

/** Two outpoints are equal when txid and index match. */
export function outPointEquals(a: OutPoint, b: OutPoint): boolean {
  if (a.vout !== b.vout) return false;
  for (let i = 0; i < 32; i++) if (a.txid[i] !== b.txid[i]) return false;
  return true;
}

/** `txid:vout` in display order, e.g. for map keys and logs. */
export function outPointToString(o: OutPoint): string {
  return `${txidToHex(o.txid)}:${o.vout}`;
}

/** A transaction output: value in satoshis and its script. */
export interface TxOut {
  readonly valueSat: bigint;
  readonly scriptPubkey: Uint8Array;
}

/** A serialized bitcoin transaction (with witness data when it has any), as on the wire. */
export type RawTransaction = Uint8Array;

/**
 * A block header. `raw` is the 80-byte serialized header; the other fields are decoded
 * from it for convenience and must agree with it.
 */
export interface BlockHeader {
  /** The 80-byte serialized header. */
  readonly raw: Uint8Array;
  /** SHA256d of `raw`, internal order. */
  readonly hash: BlockHash;
  /** The previous block's hash, internal order. */
  readonly prevBlockHash: BlockHash;
  /** The header's timestamp, seconds since the epoch. */
  readonly time: number;
}

/** A full block: its header and all its transactions in block order. */
export interface Block {
  readonly header: BlockHeader;
  readonly transactions: readonly RawTransaction[];
}

/** One transaction of a block with its position, as `Listen`/`Confirm` deliver them. */
export interface TransactionData {
  /** Index of the transaction within its block. */
  readonly index: number;
  readonly tx: RawTransaction;
}

/** The chain tip someone has seen: a block hash and its height. */
export interface BestBlock {
  readonly blockHash: BlockHash;
  readonly height: number;
}

/** Bitcoin networks the library knows (BOLT 1 `chain_hash` values live in `@ln/wire`). */
export type Network = 'mainnet' | 'testnet' | 'testnet4' | 'signet' | 'regtest';
