/**
 * `TcpNetwork`: the same nodes as {@link Network}, but talking through real `PeerManager`s
 * (`@ln/noise-peer`: BOLT 8 handshake, encrypted transport, `init`) over TCP on 127.0.0.1
 * (`@ln/noise-peer/node`), with `P2PGossipSync` as each node's routing handler. Messages are
 * no longer pumped by hand: the sockets carry them, and {@link TcpNetwork.settle} waits until
 * every message queued has been received and every monitor write is durable.
 */
import { nodeSymmetric } from '@ln/crypto/node';
import { PeerManager, type PeerEvent } from '@ln/noise-peer';
import { connect as tcpConnect, listen } from '@ln/noise-peer/node';
import type { HarnessNode, NodeStore, RestartReport } from './node.js';
import { Network, type AddNodeOptions } from './network.js';

interface Wire {
  pm: PeerManager;
  port: number;
  close: () => Promise<void>;
  /** Node ids (hex) of peers connected after `init`. */
  peers: Set<string>;
  /** Connections this node dialled (the listener's `close` only closes accepted ones). */
  outbound: { disconnectSocket(): void }[];
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The TCP variant of the harness (see the module comment). Always {@link TcpNetwork.teardown} it: it closes the sockets. */
export class TcpNetwork extends Network {
  private readonly wires = new Map<HarnessNode, Wire>();
  /** Messages queued for sending and messages received, over every connection. */
  private sent = 0;
  private received = 0;
  private disconnects = 0;
  /** Listeners and sockets of dead nodes being closed. */
  private readonly closing: Promise<void>[] = [];
  /** Every message received: `[from, to, type]` (the in-process `log` equivalent). */
  readonly tcpLog: [string, string, string][] = [];

  override async addNode(name: string, opts: AddNodeOptions = {}): Promise<HarnessNode> {
    const node = await super.addNode(name, opts);
    await this.wireUp(node);
    return node;
  }

  private async wireUp(node: HarnessNode): Promise<void> {
    const peers = new Set<string>();
    const onEvent = (e: PeerEvent) => {
      if (e.type === 'message') {
        if (e.direction === 'out') this.sent++;
        else {
          this.received++;
          const from = this.nodes.find((n) => n.is(e.nodeId));
          this.tcpLog.push([from?.name ?? '?', node.name, e.msg.type]);
        }
      } else if (e.type === 'connected') peers.add(hex(e.nodeId));
      else if (e.type === 'disconnected') {
        if (e.nodeId) peers.delete(hex(e.nodeId));
        this.disconnects++;
      }
    };
    const keys = node.keys;
    const pm = new PeerManager({
      crypto: { secp: this.secp, sym: nodeSymmetric },
      nodeKey: { publicKey: node.nodeId, ecdh: (p) => keys.ecdh(p) },
      entropy: keys,
      channelHandler: node.cm,
      routingHandler: node.gossip,
      chainHashes: [this.chain.chainHash],
      onEvent,
    });
    const l = await listen(pm, 0, '127.0.0.1');
    const outbound: Wire['outbound'] = [];
    this.wires.set(node, {
      pm, port: l.port, peers, outbound,
      close: async () => {
        for (const d of outbound) d.disconnectSocket();
        await l.close();
      },
    });
  }

  private wire(n: HarnessNode): Wire {
    const w = this.wires.get(n);
    if (!w) throw new Error(`${n.name} has no PeerManager`);
    return w;
  }

  override isConnected(a: HarnessNode, b: HarnessNode): boolean {
    const wa = this.wires.get(a);
    const wb = this.wires.get(b);
    return !!wa && !!wb && wa.peers.has(hex(b.nodeId)) && wb.peers.has(hex(a.nodeId));
  }

  /** Use {@link TcpNetwork.connectTcp}: connections over TCP are asynchronous. */
  override connect(): void {
    throw new Error('TcpNetwork: use await connectTcp(a, b)');
  }

  /** `a` dials `b`'s listener; resolves once both sides finished the handshake and `init`. */
  async connectTcp(a: HarnessNode, b: HarnessNode): Promise<void> {
    if (this.isConnected(a, b)) return;
    this.wire(a).outbound.push(await tcpConnect(this.wire(a).pm, b.nodeId, '127.0.0.1', this.wire(b).port));
    for (let i = 0; i < 400 && !this.isConnected(a, b); i++) await sleep(5);
    if (!this.isConnected(a, b)) throw new Error(`${a.name} could not connect to ${b.name}`);
  }

  protected override async ensureConnected(a: HarnessNode, b: HarnessNode): Promise<void> {
    await this.connectTcp(a, b);
  }

  /** Closes the connection (from `a`'s side) and waits until both sides saw it. */
  override disconnect(a: HarnessNode, b: HarnessNode): void {
    this.wires.get(a)?.pm.disconnectByNodeId(b.nodeId, 'test: disconnect');
  }

  /** Disconnects and waits until both sides noticed. */
  async disconnectTcp(a: HarnessNode, b: HarnessNode): Promise<void> {
    this.disconnect(a, b);
    for (let i = 0; i < 400 && (this.wire(a).peers.has(hex(b.nodeId)) || this.wire(b).peers.has(hex(a.nodeId))); i++) await sleep(5);
  }

  protected override died(node: HarnessNode): void {
    super.died(node);
    const w = this.wires.get(node);
    if (w) {
      this.wires.delete(node);
      this.closing.push(w.close());
    }
  }

  override async restart(node: HarnessNode, restoreFrom?: NodeStore): Promise<RestartReport> {
    if (!node.dead) this.kill(node);
    await Promise.all(this.closing.splice(0));
    const report = await super.restart(node, restoreFrom);
    await this.wireUp(node);
    // Peers notice the closed sockets.
    for (let i = 0; i < 100 && this.nodes.some((o) => o !== node && this.wires.get(o)?.peers.has(hex(node.nodeId))); i++) await sleep(5);
    return report;
  }

  /**
   * Waits until the network is quiet: every message queued was received (or its connection is
   * gone), every monitor write durable and its `Completed` event applied, every manager
   * persisted, events drained (and HTLCs forwarded, see `autoForward`).
   */
  override async settle(maxRounds = 4000): Promise<number> {
    const start = this.received;
    let quiet = 0;
    let stuckSince = Date.now();
    for (let round = 0; round < maxRounds; round++) {
      const mark = this.sent + this.received + this.disconnects;
      let work = false;
      for (const n of this.nodes) {
        if (n.dead) continue;
        await n.persister.flush();
        this.wires.get(n)?.pm.processEvents();
        if (!n.dead) await n.persistManager();
        if (n.queuedUpdates) work = true;
        n.drainEvents();
        if (this.autoForward && n.events.some((e) => e.type === 'PendingHTLCsForwardable')) {
          n.events = n.events.filter((e) => e.type !== 'PendingHTLCsForwardable');
          n.cm.processPendingHtlcForwards();
          work = true;
        }
      }
      await sleep(2);
      const changed = this.sent + this.received + this.disconnects !== mark;
      if (changed || work) stuckSince = Date.now();
      const drained = this.sent === this.received || Date.now() - stuckSince > 300; // lost with a closed connection
      quiet = !changed && !work && drained ? quiet + 1 : 0;
      if (quiet >= 3) return this.received - start;
    }
    throw new Error('the TCP network did not settle');
  }

  override async teardown(): Promise<void> {
    try {
      await super.teardown();
    } finally {
      for (const w of this.wires.values()) await w.close();
      this.wires.clear();
      await Promise.all(this.closing.splice(0));
    }
  }
}
