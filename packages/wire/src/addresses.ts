/**
 * BOLT 7 address descriptors (`node_announcement.addresses`, `init`'s `remote_addr`): IPv4,
 * IPv6, Tor v3 and DNS hostnames; the deprecated Tor v2 type is parsed and skipped.
 */
import { Reader, Writer } from './codec/io.js';
import { DecodeError, EncodeError } from './errors.js';

/** One network address of a node. */
export type NodeAddress =
  | { readonly type: 'ipv4'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'ipv6'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'torv3'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'dns'; readonly hostname: string; readonly port: number };

/** The result of decoding an address list. */
export interface DecodedAddresses {
  readonly addresses: NodeAddress[];
  /** Type byte of the first unknown descriptor; it and everything after it were ignored (BOLT 7). */
  readonly stoppedAtUnknownType?: number;
}

/**
 * Decodes `addresses` (BOLT 7): stops at the first unknown descriptor type, ignoring it and
 * all later ones as the spec says; Tor v2 (type 3) entries are skipped. A known descriptor
 * that does not fit in the bytes throws {@link DecodeError}.
 */
export function decodeAddresses(bytes: Uint8Array): DecodedAddresses {
  const r = new Reader(bytes);
  const addresses: NodeAddress[] = [];
  while (r.remaining > 0) {
    const t = r.u8();
    switch (t) {
      case 1:
        addresses.push({ type: 'ipv4', addr: r.bytes(4, 'ipv4 address'), port: r.u16('port') });
        break;
      case 2:
        addresses.push({ type: 'ipv6', addr: r.bytes(16, 'ipv6 address'), port: r.u16('port') });
        break;
      case 3:
        r.bytes(12, 'tor v2 address');
        break;
      case 4:
        addresses.push({ type: 'torv3', addr: r.bytes(35, 'tor v3 address'), port: r.u16('port') });
        break;
      case 5: {
        const host = r.bytes(r.u8('hostname length'), 'hostname');
        if (host.some((c) => c > 0x7e || c < 0x21)) throw new DecodeError('invalid_value', 'DNS hostname is not printable ASCII');
        addresses.push({ type: 'dns', hostname: String.fromCharCode(...host), port: r.u16('port') });
        break;
      }
      default:
        return { addresses, stoppedAtUnknownType: t };
    }
  }
  return { addresses };
}

/** Encodes addresses in the order given (BOLT 7 asks for ascending type order). */
export function encodeAddresses(addresses: readonly NodeAddress[]): Uint8Array {
  const w = new Writer(64);
  for (const a of addresses) {
    const port = a.port;
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new EncodeError(`port out of range: ${port}`);
    switch (a.type) {
      case 'ipv4':
      case 'ipv6':
      case 'torv3': {
        const [t, len] = a.type === 'ipv4' ? [1, 4] : a.type === 'ipv6' ? [2, 16] : [4, 35];
        if (a.addr.length !== len) throw new EncodeError(`${a.type} address must be ${len} bytes`);
        w.u8(t);
        w.bytes(a.addr);
        break;
      }
      case 'dns': {
        if (a.hostname.length > 255 || !/^[\x21-\x7e]*$/.test(a.hostname)) throw new EncodeError('DNS hostname must be at most 255 printable ASCII characters');
        w.u8(5);
        w.u8(a.hostname.length);
        for (let i = 0; i < a.hostname.length; i++) w.u8(a.hostname.charCodeAt(i));
        break;
      }
    }
    w.u16(port);
  }
  return w.finish();
}

/** Human-readable `host:port` of an address. */
export function formatAddress(a: NodeAddress): string {
  switch (a.type) {
    case 'ipv4':
      return `${[...a.addr].join('.')}:${a.port}`;
    case 'ipv6': {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((a.addr[i]! << 8) | a.addr[i + 1]!).toString(16));
      return `[${groups.join(':')}]:${a.port}`;
    }
    case 'torv3':
      return `${base32(a.addr)}.onion:${a.port}`;
    case 'dns':
      return `${a.hostname}:${a.port}`;
  }
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
