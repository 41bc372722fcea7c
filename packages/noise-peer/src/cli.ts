/**
 * `ln-peer`: connect to, or accept, one Lightning peer over BOLT 8 and check it works.
 *
 *   ln-peer listen  --port P [--host H] [--privkey HEX] [--websocket]
 *   ln-peer connect --host H --port P --remote-pubkey HEX [--privkey HEX] [--websocket]
 *   common options: --pings N (default 1)  --timeout SECONDS (default 30)  --linger MS (default 500)
 *
 * Each run completes the handshake, exchanges `init`, sends N pings and checks every pong
 * (its length must be the `num_pong_bytes` asked), answers the peer's pings, and prints every
 * message sent and received as one JSON line (`event`, `peer`, `type`, `fields`; bigints as
 * decimal strings, bytes as hex). `listen` prints its node id and port first (port 0 picks a
 * free one) and serves the first peer. Exit 0 on success; 1 with an `error` line saying why;
 * 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { bytesToHex, hexToBytes } from '@ln/crypto';
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { Features, IgnoringMessageHandler, makeMessage, type ChannelMessageHandler, type MessageSendEvent, type WireMessage } from '@ln/wire';
import { connect, listen, connectWebSocketNode, listenWebSocket } from './node.js';
import { PeerManager, type PeerEvent } from './peer-manager.js';
import { staticKeyFromSecret } from './keys.js';

const USAGE = `usage:
  ln-peer listen  --port P [--host H] [--privkey HEX] [--websocket]
  ln-peer connect --host H --port P --remote-pubkey HEX [--privkey HEX] [--websocket]
options: --pings N (1)  --timeout SECONDS (30)  --linger MS (500)`;

/** JSON-safe form of a decoded message's fields: bigint as decimal strings, bytes as hex. */
export function jsonFields(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return v.map(jsonFields);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonFields(x);
    return out;
  }
  return v;
}

const print = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');

/** Features most nodes expect of a peer; all optional, so nothing is forced on the other side. */
const FEATURES = Features.empty()
  .withOptional('option_data_loss_protect')
  .withOptional('gossip_queries')
  .withOptional('var_onion_optin')
  .withOptional('option_static_remotekey')
  .withOptional('payment_secret');

function channelHandler(): ChannelMessageHandler {
  const base = {
    peerConnected: () => true,
    peerDisconnected: () => {},
    providedInitFeatures: () => FEATURES,
    providedNodeFeatures: () => FEATURES,
    getAndClearPendingMsgEvents: (): MessageSendEvent[] => [],
    getChainHashes: () => undefined,
  };
  // Every other `handle*` call is accepted and ignored: this tool has no channels.
  return new Proxy(base, { get: (t, p: string) => (p in t ? (t as Record<string, unknown>)[p] : p.startsWith('handle') ? () => {} : undefined) }) as unknown as ChannelMessageHandler;
}

function fail(reason: string, code = 1): never {
  print({ event: 'error', reason });
  process.stderr.write(`ln-peer: ${reason}\n${code === 2 && !reason.includes('usage:') ? USAGE + '\n' : ''}`);
  process.exit(code);
}

function parseHex(name: string, v: string | undefined, len: number): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9a-fA-F]*$/.test(v) || v.length !== len * 2) fail(`--${name} must be ${len} bytes of hex`, 2);
  return hexToBytes(v);
}

async function main(argv: string[]): Promise<void> {
  const [mode, ...rest] = argv;
  if (mode !== 'listen' && mode !== 'connect') fail(`${mode ? `unknown command "${mode}"` : 'no command'}\n${USAGE}`, 2);
  let args: ReturnType<typeof parseOpts>;
  try {
    args = parseOpts(rest);
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`, 2);
  }
  const o = args.values;
  const port = Number(o.port);
  if (o.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be 0..65535', 2);
  const pings = Number(o.pings ?? 1);
  const timeout = Number(o.timeout ?? 30);
  const linger = Number(o.linger ?? 500);
  if (!Number.isInteger(pings) || pings < 0 || pings > 10000) fail('--pings must be 0..10000', 2);
  const remote = parseHex('remote-pubkey', o['remote-pubkey'], 33);
  if (mode === 'connect' && (!remote || !o.host)) fail('connect needs --host and --remote-pubkey', 2);
  const secret = parseHex('privkey', o.privkey, 32) ?? globalThis.crypto.getRandomValues(new Uint8Array(32));

  const { backend: secp } = loadBestSecp256k1();
  if (!secp.isValidSecretKey(secret)) fail('--privkey is not a valid secp256k1 secret key', 2);
  if (remote && !secp.isValidPublicKey(remote)) fail('--remote-pubkey is not a valid compressed public key', 2);

  let peer: Uint8Array | undefined;
  let succeeded = false;
  let finished = false;
  const expected: number[] = [];
  const finish = (ok: boolean, reason?: string) => {
    if (finished) return;
    finished = true;
    if (ok) print({ event: 'done', ok: true });
    else {
      print({ event: 'error', reason });
      process.stderr.write(`ln-peer: ${reason}\n`);
    }
    if (peer) pm.disconnectByNodeId(peer, ok ? 'done' : 'failed');
    // Let the socket close flush before exiting.
    setTimeout(() => process.exit(ok ? 0 : 1), 20).unref();
  };
  const onEvent = (e: PeerEvent) => {
    if (finished) return;
    if (e.type === 'message') {
      const { type, ...fields } = e.msg as WireMessage & Record<string, unknown>;
      print({ event: e.direction === 'in' ? 'message_received' : 'message_sent', peer: bytesToHex(e.nodeId), type, fields: jsonFields(fields) });
      if (e.direction === 'in' && e.msg.type === 'pong') {
        const want = expected.shift();
        if (want === undefined) return finish(false, 'a pong we did not ask for');
        if (e.msg.ignored.length !== want) return finish(false, `pong of ${e.msg.ignored.length} bytes, expected ${want}`);
        print({ event: 'pong_ok', peer: bytesToHex(e.nodeId), num_pong_bytes: want });
        if (expected.length === 0) succeed();
      }
    } else if (e.type === 'connected') {
      peer = e.nodeId;
      print({ event: 'connected', peer: bytesToHex(e.nodeId), inbound: e.inbound, features: bytesToHex(e.init.features) });
      for (let i = 0; i < pings; i++) {
        const n = 16 + i;
        expected.push(n);
        pm.sendToPeer(e.nodeId, makeMessage('ping', { numPongBytes: n, ignored: new Uint8Array(0) }));
      }
      if (pings === 0) succeed();
    } else {
      print({ event: 'disconnected', peer: e.nodeId && bytesToHex(e.nodeId), reason: e.reason, by_us: e.byUs, during_handshake: e.duringHandshake });
      if (succeeded) finish(true);
      else finish(false, e.duringHandshake ? `handshake failed: ${e.reason}` : `disconnected before the pings were answered: ${e.reason}`);
    }
  };
  const succeed = () => {
    succeeded = true;
    // Stay a moment to answer the peer's pings, unless it leaves first.
    setTimeout(() => finish(true), linger);
  };

  const pm = new PeerManager({
    crypto: { secp, sym: nodeSymmetric },
    nodeKey: staticKeyFromSecret(secp, secret),
    entropy: { getSecureRandomBytes: () => globalThis.crypto.getRandomValues(new Uint8Array(32)) },
    channelHandler: channelHandler(),
    routingHandler: new IgnoringMessageHandler(),
    onEvent,
    limits: { maxPendingHandshakes: 1 },
  });
  setTimeout(() => finish(false, `timed out after ${timeout} s`), timeout * 1000).unref();
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.on('exit', () => clearInterval(keepAlive));
  const host = o.host ?? '127.0.0.1';
  try {
    if (mode === 'listen') {
      const l = o.websocket ? await listenWebSocket(pm, port, host) : await listen(pm, port, host);
      print({ event: 'listening', node_id: bytesToHex(pm.nodeId), host, port: l.port, transport: o.websocket ? 'websocket' : 'tcp' });
    } else {
      print({ event: 'connecting', node_id: bytesToHex(pm.nodeId), remote_pubkey: bytesToHex(remote!), host, port, transport: o.websocket ? 'websocket' : 'tcp' });
      if (o.websocket) await connectWebSocketNode(pm, remote!, `ws://${host.includes(':') ? `[${host}]` : host}:${port}/`);
      else await connect(pm, remote!, host, port);
    }
  } catch (e) {
    fail(`${mode === 'listen' ? 'cannot listen' : 'cannot connect'}: ${(e as Error).message}`);
  }
}

function parseOpts(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      privkey: { type: 'string' },
      'remote-pubkey': { type: 'string' },
      pings: { type: 'string' },
      timeout: { type: 'string' },
      linger: { type: 'string' },
      websocket: { type: 'boolean' },
    },
  });
}

main(process.argv.slice(2)).catch((e) => fail(`unexpected: ${(e as Error).stack ?? e}`));
