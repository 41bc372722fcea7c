/**
 * What `PeerManager` keeps per connection, and the small pure helpers it uses: the BOLT 1
 * `init` checks, the safe printing of a peer's `error`/`warning` data, and the message-name
 * tables that route messages to handlers.
 */
import { Features, type Init, type KnownMessage } from '@ln/wire';
import type { NoiseHandshake } from './handshake.js';
import type { SocketDescriptor } from './peer-config.js';
import type { NoiseTransport } from './transport.js';

/** One connection's state. @internal */
export interface Peer {
  readonly descriptor: SocketDescriptor;
  readonly inbound: boolean;
  nodeId?: Uint8Array;
  handshake?: NoiseHandshake;
  transport?: NoiseTransport;
  buffer: Uint8Array;
  theirInit?: Init;
  /** Encrypted bytes waiting for the socket. */
  queue: Uint8Array[];
  queuedBytes: number;
  /**
   * The routing handler's messages to this peer (query replies, backfill, our queries), in the
   * handler's order, not yet encrypted: released into `queue` while it is at most
   * `gossipDropBytes`. Never dropped.
   */
  held: { msg: KnownMessage; bytes: Uint8Array }[];
  heldHead: number;
  heldBytes: number;
  readPaused: boolean;
  /** Handling stopped because the routing handler reported `processingQueueHigh()` after this peer's gossip. */
  gossipBacklogPaused: boolean;
  awaitingPong: boolean;
  handshakeTicks: number;
  /** Relayed (broadcast) gossip not sent to this peer because its queue was over `gossipDropBytes`. */
  gossipDropped: number;
  /** `gossipDropped` when the current run of drops began, or -1 when not dropping. */
  dropRunStart: number;
  /** It sent a `gossip_timestamp_filter` asking for gossip (BOLT 7: no relayed gossip before). */
  wantsGossip: boolean;
  /** Re-entrancy guards: a descriptor may call back into the manager from `sendData`. */
  processing: boolean;
  flushing: boolean;
  flushAgain: boolean;
  /** Liveness since the last timer tick: a message received, bytes taken by the socket. */
  receivedSinceTick: boolean;
  takenSinceTick: number;
  backlogAtTick: number;
  pongWaitTicks: number;
}

export const EMPTY = new Uint8Array(0);

/** A fresh connection's state. @internal */
export function newPeerState(descriptor: SocketDescriptor, inbound: boolean): Peer {
  return {
    descriptor, inbound, buffer: EMPTY, queue: [], queuedBytes: 0, held: [], heldHead: 0, heldBytes: 0,
    readPaused: false, gossipBacklogPaused: false, awaitingPong: false, handshakeTicks: 0, gossipDropped: 0, dropRunStart: -1, wantsGossip: false,
    processing: false, flushing: false, flushAgain: false, receivedSinceTick: false, takenSinceTick: 0, backlogAtTick: 0, pongWaitTicks: 0,
  };
}

export const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** At most this many bytes of a peer's `error`/`warning` data go into a log line. */
const MAX_LOGGED_DATA = 512;

/**
 * A peer's `error` or `warning` data for a log line. BOLT 1: "if `data` is not composed solely
 * of printable ASCII characters (For reference: the printable character set includes byte
 * values 32 through 126, inclusive): SHOULD NOT print out `data` verbatim". Printable ASCII is
 * printed as text, anything else as hex (`hex:` prefix); long data is cut (its length said).
 */
export function printablePeerData(data: Uint8Array): string {
  const shown = data.length > MAX_LOGGED_DATA ? data.subarray(0, MAX_LOGGED_DATA) : data;
  const more = data.length > MAX_LOGGED_DATA ? `… (${data.length} bytes)` : '';
  if (shown.every((b) => b >= 32 && b <= 126)) return String.fromCharCode(...shown) + more;
  return `hex:${hex(shown)}${more}`;
}

/** BOLT 7 gossip messages (relayed; droppable only when broadcast). */
export const GOSSIP = new Set(['channel_announcement', 'node_announcement', 'channel_update']);
/** BOLT 7 query messages, for the routing handler. */
export const ROUTING = new Set(['query_channel_range', 'reply_channel_range', 'query_short_channel_ids', 'reply_short_channel_ids_end', 'gossip_timestamp_filter']);

/** `update_add_htlc` → `handleUpdateAddHtlc`. */
export const handlerName = (type: string) => 'handle' + type.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** Features BOLT 9 marks ASSUMED: supported by every node, whether or not we advertise them. */
const ASSUMED = new Set([0, 8, 12, 14, 44]);

/**
 * The BOLT 1 `init` checks ("The receiving node: … MUST fail the connection"): an unknown even
 * feature bit, a required feature we do not support, missing feature dependencies (BOLT 9), no
 * common chain in `networks`. Returns the reason to disconnect, or `undefined`.
 */
export function initProblem(init: Init, ours: Features, ourChains: readonly Uint8Array[] | undefined): string | undefined {
  // BOLT 1: the two feature bitmaps are combined (bitwise OR).
  const theirs = Features.fromBits([...Features.fromBytes(init.features).setBits(), ...Features.fromBytes(init.globalfeatures).setBits()]);
  const unknownRequired = theirs.unknownRequiredBits();
  if (unknownRequired.length) return `peer requires unknown feature bit(s) ${unknownRequired.join(', ')}`;
  const missing = theirs.requiredNotSupportedBy(ours).filter((b: number) => !ASSUMED.has(b));
  if (missing.length) return `peer requires feature bit(s) we do not support: ${missing.join(', ')}`;
  const deps = theirs.validate().filter((p: { kind: string }) => p.kind === 'missing_dependency');
  if (deps.length) return `peer's features miss a dependency: ${deps.map((d: { message: string }) => d.message).join('; ')}`;
  const theirChains = init.tlvs.networks;
  if (ourChains && theirChains && !theirChains.some((c) => ourChains.some((o) => hex(o) === hex(c)))) return 'peer shares no chain with us (init networks)';
  return undefined;
}
