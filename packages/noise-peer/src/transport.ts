/**
 * BOLT 8 "Lightning Message Specification": encrypting and decrypting messages after the
 * handshake — a 2-byte length and the body, each under ChaCha20-Poly1305 with its own nonce,
 * keys rotated every 1000 uses (BOLT 8 "Lightning Message Key Rotation"), 65535-byte maximum.
 */
import { hkdf } from './cipher.js';
import { LengthCipher } from './length-cipher.js';
import { NoiseError } from './errors.js';
import type { NoiseCrypto } from './keys.js';

/** Largest Lightning message (BOLT 8: the length is a u16). */
export const MAX_MESSAGE_SIZE = 65535;
/** Size of an encrypted length prefix: 2 bytes plus a 16-byte MAC. */
export const LENGTH_HEADER_SIZE = 18;
/** Size of a MAC. */
export const MAC_SIZE = 16;
/** Messages of at least this many bytes are written as their two encrypted parts, not copied into one buffer. */
export const SPLIT_WRITE_SIZE = 4096;
const EMPTY = new Uint8Array(0);

/**
 * One direction's cipher state: key, nonce, chaining key; rotates every 1000 uses. The 96-bit
 * nonce (32 zero bits, then the counter little-endian) lives in one buffer updated in place:
 * the counter never passes 999, so only its two low bytes change. Bodies go through the
 * backend's ChaCha20-Poly1305; the 2-byte lengths through {@link LengthCipher}, which does
 * the same computation without a general call's fixed cost.
 */
class CipherState {
  private nonce = 0;
  private readonly nonceBuf = new Uint8Array(12);
  private readonly lengths: LengthCipher;
  constructor(
    private readonly c: NoiseCrypto,
    private key: Uint8Array,
    private ck: Uint8Array,
  ) {
    this.lengths = new LengthCipher(key);
  }
  private step(): void {
    if (++this.nonce === 1000) {
      [this.ck, this.key] = hkdf(this.c, this.ck, this.key);
      this.lengths.setKey(this.key);
      this.nonce = 0;
    }
    this.nonceBuf[4] = this.nonce & 0xff;
    this.nonceBuf[5] = this.nonce >> 8;
  }
  encrypt(plaintext: Uint8Array): Uint8Array {
    const out = this.c.sym.chacha20poly1305Encrypt(this.key, this.nonceBuf, EMPTY, plaintext);
    this.step();
    return out;
  }
  /** The encrypted length prefix (18 bytes) of a message of `length` bytes, written at the start of `out` (a new buffer by default). */
  encryptLength(length: number, out = new Uint8Array(LENGTH_HEADER_SIZE)): Uint8Array {
    this.lengths.encrypt(this.nonce, length, out);
    this.step();
    return out;
  }
  /** The length an 18-byte encrypted prefix holds; throws `bad_tag` when its MAC does not verify. */
  decryptLength(header: Uint8Array): number {
    const length = this.lengths.decrypt(this.nonce, header);
    if (length < 0) throw new NoiseError('bad_tag', 'message MAC does not verify');
    this.step();
    return length;
  }
  decrypt(ciphertext: Uint8Array): Uint8Array {
    let out: Uint8Array;
    try {
      out = this.c.sym.chacha20poly1305Decrypt(this.key, this.nonceBuf, EMPTY, ciphertext);
    } catch {
      throw new NoiseError('bad_tag', 'message MAC does not verify');
    }
    this.step();
    return out;
  }
}

/** The encrypted channel a completed handshake yields. */
export class NoiseTransport {
  private readonly send: CipherState;
  private readonly recv: CipherState;

  /** `sk`/`rk` are the sending and receiving keys, `ck` the final chaining key (BOLT 8 act three). */
  constructor(c: NoiseCrypto, sk: Uint8Array, rk: Uint8Array, ck: Uint8Array) {
    this.send = new CipherState(c, sk, ck);
    this.recv = new CipherState(c, rk, ck);
  }

  /** Encrypts one message: the 18-byte encrypted length followed by the encrypted body and MAC, in one buffer. */
  encryptMessage(message: Uint8Array): Uint8Array {
    if (message.length > MAX_MESSAGE_SIZE) throw new NoiseError('message_too_long', `message of ${message.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
    // The length is encrypted straight into the frame; only the body is copied in.
    const out = new Uint8Array(LENGTH_HEADER_SIZE + message.length + MAC_SIZE);
    this.send.encryptLength(message.length, out);
    out.set(this.send.encrypt(message), LENGTH_HEADER_SIZE);
    return out;
  }

  /**
   * Encrypts one message as its two parts, without copying them together: the 18-byte
   * encrypted length (BOLT 8 `lc`) and the encrypted body with its MAC (`c`). Throws
   * {@link NoiseError} `message_too_long` above 65535 bytes.
   */
  encryptMessageParts(message: Uint8Array): [header: Uint8Array, body: Uint8Array] {
    if (message.length > MAX_MESSAGE_SIZE) throw new NoiseError('message_too_long', `message of ${message.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
    const header = this.send.encryptLength(message.length);
    return [header, this.send.encrypt(message)];
  }

  /**
   * Encrypts one message into the chunks to write, as the `PeerManager` sends it: one buffer
   * for a small message (one write beats a copy), the two parts of
   * {@link NoiseTransport.encryptMessageParts} from {@link SPLIT_WRITE_SIZE} bytes up (a copy
   * of a large body costs more than a second write).
   */
  encryptForSend(message: Uint8Array): Uint8Array[] {
    return message.length >= SPLIT_WRITE_SIZE ? this.encryptMessageParts(message) : [this.encryptMessage(message)];
  }

  /** Decrypts an 18-byte length header and returns the body length that follows (without its MAC). */
  decryptLength(header: Uint8Array): number {
    if (header.length !== LENGTH_HEADER_SIZE) throw new NoiseError('short_read', `length header must be ${LENGTH_HEADER_SIZE} bytes`);
    return this.recv.decryptLength(header);
  }

  /** Decrypts a body of `length + 16` bytes (after {@link NoiseTransport.decryptLength}). */
  decryptBody(body: Uint8Array): Uint8Array {
    if (body.length < MAC_SIZE) throw new NoiseError('short_read', 'body shorter than its MAC');
    return this.recv.decrypt(body);
  }

  /**
   * Decrypts as many complete messages as `buffer` holds; returns them and the number of bytes
   * consumed (a partial message stays for the next call). A decrypted length is remembered, so
   * a frame split across calls is decrypted exactly once. At most `maxMessages` are decrypted
   * (the caller can stop between messages, e.g. while its peer's outbound queue is full).
   */
  decryptStream(buffer: Uint8Array, maxMessages = Infinity): { messages: Uint8Array[]; consumed: number } {
    const messages: Uint8Array[] = [];
    let at = 0;
    while (messages.length < maxMessages) {
      if (this.pendingLength === undefined) {
        if (buffer.length - at < LENGTH_HEADER_SIZE) break;
        this.pendingLength = this.decryptLength(buffer.subarray(at, at + LENGTH_HEADER_SIZE));
        at += LENGTH_HEADER_SIZE;
      }
      const need = this.pendingLength + MAC_SIZE;
      if (buffer.length - at < need) break;
      messages.push(this.decryptBody(buffer.subarray(at, at + need)));
      at += need;
      this.pendingLength = undefined;
    }
    return { messages, consumed: at };
  }
  private pendingLength: number | undefined;
}
