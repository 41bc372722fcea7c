/**
 * BOLT 8 "Authenticated Key Exchange Handshake" (Noise_XK_secp256k1_ChaChaPoly_SHA256) as an
 * explicit state machine: bytes in, bytes out, no I/O. The initiator knows the responder's
 * static key in advance; the responder learns the initiator's in act three.
 */
import { decryptWithAD, encryptWithAD, hkdf, mixHash } from './cipher.js';
import { NoiseError } from './errors.js';
import { isValidNodeId, type NoiseCrypto, type StaticKey } from './keys.js';
import { NoiseTransport } from './transport.js';

const PROTOCOL_NAME = new TextEncoder().encode('Noise_XK_secp256k1_ChaChaPoly_SHA256');
const PROLOGUE = new TextEncoder().encode('lightning');
const EMPTY = new Uint8Array(0);

/** Sizes of the three acts. */
export const ACT_ONE_SIZE = 50;
export const ACT_TWO_SIZE = 50;
export const ACT_THREE_SIZE = 66;

/** Where a handshake is. */
export type HandshakeState = 'initiator_awaiting_act2' | 'responder_awaiting_act1' | 'responder_awaiting_act3' | 'done';

/** The result of a completed handshake. */
export interface HandshakeResult {
  readonly transport: NoiseTransport;
  /** The peer's static public key (its node id). */
  readonly remoteStaticKey: Uint8Array;
}

/** One side of a BOLT 8 handshake. */
export class NoiseHandshake {
  private h: Uint8Array;
  private ck: Uint8Array;
  private tempK2: Uint8Array | undefined;
  private re: Uint8Array | undefined;
  private _state: HandshakeState;

  private constructor(
    private readonly c: NoiseCrypto,
    private readonly ls: StaticKey,
    private readonly ePriv: Uint8Array,
    private readonly responderStatic: Uint8Array,
    state: HandshakeState,
    private readonly rs?: Uint8Array,
  ) {
    this.ck = c.sym.sha256(PROTOCOL_NAME);
    this.h = mixHash(c, this.ck, PROLOGUE);
    this.h = mixHash(c, this.h, responderStatic);
    this._state = state;
  }

  get state(): HandshakeState {
    return this._state;
  }

  /**
   * Starts a handshake as initiator towards `remoteStatic` (the peer's 33-byte node id) and
   * returns act one (BOLT 8 "Act One", sender side). `ephemeralSecret` is the act's ephemeral
   * key `e`: the caller draws a fresh 32-byte secret for every handshake (`PeerManager` takes
   * it from its `EntropySource`); test vectors pass theirs. Throws `NoiseError` `bad_pubkey`
   * when `remoteStatic` is not a valid compressed point.
   */
  static initiate(c: NoiseCrypto, localStatic: StaticKey, remoteStatic: Uint8Array, ephemeralSecret: Uint8Array): { handshake: NoiseHandshake; actOne: Uint8Array } {
    if (!isValidNodeId(c.secp, remoteStatic)) throw new NoiseError('bad_pubkey', 'the remote node id is not a valid 33-byte compressed public key');
    const hs = new NoiseHandshake(c, localStatic, ephemeralSecret, remoteStatic, 'initiator_awaiting_act2', remoteStatic);
    const e = c.secp.publicKeyCreate(ephemeralSecret);
    hs.h = mixHash(c, hs.h, e);
    const es = c.secp.ecdh(ephemeralSecret, remoteStatic);
    let tempK1: Uint8Array;
    [hs.ck, tempK1] = hkdf(c, hs.ck, es);
    const mac = encryptWithAD(c, tempK1, 0, hs.h, EMPTY);
    hs.h = mixHash(c, hs.h, mac);
    const actOne = new Uint8Array(ACT_ONE_SIZE);
    actOne[0] = 0;
    actOne.set(e, 1);
    actOne.set(mac, 34);
    return { handshake: hs, actOne };
  }

  /** Waits for act one as responder. */
  static respond(c: NoiseCrypto, localStatic: StaticKey, ephemeralSecret: Uint8Array): NoiseHandshake {
    return new NoiseHandshake(c, localStatic, ephemeralSecret, localStatic.publicKey, 'responder_awaiting_act1');
  }

  private parseAct(bytes: Uint8Array, size: number, act: 1 | 2 | 3): void {
    if (bytes.length !== size) throw new NoiseError('short_read', `act ${act} must be ${size} bytes, got ${bytes.length}`, act);
    if (bytes[0] !== 0) throw new NoiseError('bad_version', `act ${act} has version ${bytes[0]}, expected 0`, act);
  }

  /** Responder: processes act one and returns act two. */
  processActOne(bytes: Uint8Array): Uint8Array {
    if (this._state !== 'responder_awaiting_act1') throw new NoiseError('bad_state', `act one received in state ${this._state}`, 1);
    const c = this.c;
    this.parseAct(bytes, ACT_ONE_SIZE, 1);
    const re = bytes.subarray(1, 34);
    if (!c.secp.isValidPublicKey(re) || re.length !== 33) throw new NoiseError('bad_pubkey', 'act 1 ephemeral key is not a valid point', 1);
    this.h = mixHash(c, this.h, re);
    const es = this.ls.ecdh(re);
    let tempK1: Uint8Array;
    [this.ck, tempK1] = hkdf(c, this.ck, es);
    decryptWithAD(c, tempK1, 0, this.h, bytes.subarray(34), 1);
    this.h = mixHash(c, this.h, bytes.subarray(34));
    // Act two.
    this.re = Uint8Array.from(re);
    const e = c.secp.publicKeyCreate(this.ePriv);
    this.h = mixHash(c, this.h, e);
    const ee = c.secp.ecdh(this.ePriv, this.re);
    [this.ck, this.tempK2] = hkdf(c, this.ck, ee);
    const mac = encryptWithAD(c, this.tempK2, 0, this.h, EMPTY);
    this.h = mixHash(c, this.h, mac);
    const actTwo = new Uint8Array(ACT_TWO_SIZE);
    actTwo.set(e, 1);
    actTwo.set(mac, 34);
    this._state = 'responder_awaiting_act3';
    return actTwo;
  }

  /** Initiator: processes act two and returns act three and the transport. */
  processActTwo(bytes: Uint8Array): { actThree: Uint8Array } & HandshakeResult {
    if (this._state !== 'initiator_awaiting_act2') throw new NoiseError('bad_state', `act two received in state ${this._state}`, 2);
    const c = this.c;
    this.parseAct(bytes, ACT_TWO_SIZE, 2);
    const re = bytes.subarray(1, 34);
    if (!c.secp.isValidPublicKey(re)) throw new NoiseError('bad_pubkey', 'act 2 ephemeral key is not a valid point', 2);
    this.h = mixHash(c, this.h, re);
    const ee = c.secp.ecdh(this.ePriv, re);
    let tempK2: Uint8Array;
    [this.ck, tempK2] = hkdf(c, this.ck, ee);
    decryptWithAD(c, tempK2, 0, this.h, bytes.subarray(34), 2);
    this.h = mixHash(c, this.h, bytes.subarray(34));
    // Act three.
    const encryptedStatic = encryptWithAD(c, tempK2, 1, this.h, this.ls.publicKey);
    this.h = mixHash(c, this.h, encryptedStatic);
    const se = this.ls.ecdh(re);
    let tempK3: Uint8Array;
    [this.ck, tempK3] = hkdf(c, this.ck, se);
    const t = encryptWithAD(c, tempK3, 0, this.h, EMPTY);
    const [sk, rk] = hkdf(c, this.ck, EMPTY);
    const actThree = new Uint8Array(ACT_THREE_SIZE);
    actThree.set(encryptedStatic, 1);
    actThree.set(t, 50);
    this._state = 'done';
    return { actThree, transport: new NoiseTransport(c, sk, rk, this.ck), remoteStaticKey: this.rs! };
  }

  /** Responder: processes act three; returns the transport and the initiator's static key. */
  processActThree(bytes: Uint8Array): HandshakeResult {
    if (this._state !== 'responder_awaiting_act3') throw new NoiseError('bad_state', `act three received in state ${this._state}`, 3);
    const c = this.c;
    this.parseAct(bytes, ACT_THREE_SIZE, 3);
    let rs: Uint8Array;
    try {
      rs = decryptWithAD(c, this.tempK2!, 1, this.h, bytes.subarray(1, 50), 3);
    } catch {
      throw new NoiseError('bad_ciphertext', 'act 3 encrypted static key does not decrypt', 3);
    }
    if (!c.secp.isValidPublicKey(rs) || rs.length !== 33) throw new NoiseError('bad_pubkey', 'act 3 static key is not a valid point', 3);
    this.h = mixHash(c, this.h, bytes.subarray(1, 50));
    const se = c.secp.ecdh(this.ePriv, rs);
    let tempK3: Uint8Array;
    [this.ck, tempK3] = hkdf(c, this.ck, se);
    decryptWithAD(c, tempK3, 0, this.h, bytes.subarray(50), 3);
    const [rk, sk] = hkdf(c, this.ck, EMPTY);
    this._state = 'done';
    return { transport: new NoiseTransport(c, sk, rk, this.ck), remoteStaticKey: rs };
  }
}
