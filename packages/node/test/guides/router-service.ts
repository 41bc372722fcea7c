/**
 * The code of docs/guides/router-only-gossip-service.md (each `#region` is one block of the
 * guide; test/guides.test.ts checks the guide shows exactly these regions and runs `main`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// #region imports
import { NetworkGraph } from '@ln/gossip';
import { PeerSync, RouterService, parsePeerAddress } from '@ln/router-service/node';
import { FixedFeeEstimator, MemoryChain } from '@ln/test-kit';
import { LightningNode, memoryChainSource } from '@ln/node';
// #endregion

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await f()); i++) {
    if (i > 3000) throw new Error('timed out');
    await sleep(10);
  }
}

export async function main(): Promise<{ hops: number; feeMsat: string; paidWithServiceRoute: boolean }> {
  // A small network of LightningNodes: alice -> bob -> carol, public channels.
  const chain = new MemoryChain();
  const source = memoryChainSource(chain, new FixedFeeEstimator(1000));
  const nodes: LightningNode[] = [];
  for (const alias of ['alice', 'bob', 'carol']) {
    const n = new LightningNode({ chain: source, dataDir: mkdtempSync(join(tmpdir(), `${alias}-`)), listen: { port: 0 }, alias, config: { channelHandshakeConfig: { minimumDepth: 1 } } });
    await n.start();
    nodes.push(n);
  }
  const [alice, bob, carol] = nodes as [LightningNode, LightningNode, LightningNode];
  const addr = (n: LightningNode) => `${n.nodeId}@${n.getInfo().listening[0]}`;
  let service: RouterService | undefined;
  try {
    for (const n of [alice, bob]) chain.fund(n.walletScript(), 2_000_000n);
    chain.mine(1);
    const [bh, bp] = bob.getInfo().listening[0]!.split(':');
    const [ch, cp] = carol.getInfo().listening[0]!.split(':');
    await alice.connect(bob.nodeId, bh!, Number(bp));
    await bob.connect(carol.nodeId, ch!, Number(cp));
    await alice.openChannel(bob.nodeId, 1_000_000n, { announce: true });
    await bob.openChannel(carol.nodeId, 1_000_000n, { announce: true });
    chain.mine(6);

    // #region sync
    // The service is a peer like any other: it connects to a node (here bob) over BOLT 8, asks
    // for its graph with gossip queries and validates every message (funding outputs through
    // the chain's UtxoLookup). It has no channels and no keys worth stealing.
    const sync = new PeerSync({
      peers: [parsePeerAddress(addr(bob))],
      graph: new NetworkGraph({ chainHash: chain.chainHash }),
      utxoLookup: chain,
      now: () => chain.tip.time,
    });
    service = await RouterService.start({ source: { kind: 'peers', sync }, port: 0 });
    // #endregion

    // #region query
    // Thin clients ask for routes over HTTP with JSON (amounts are strings of msat).
    const base = `http://127.0.0.1:${service.port}`;
    await until(async () => ((await (await fetch(`${base}/health`)).json()) as { graph: { channels: number } }).graph.channels === 2);
    const ask = () =>
      fetch(`${base}/route`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payer: alice.nodeId, payee: carol.nodeId, amount_msat: '50000000', current_block_height: chain.tipHeight }),
      });
    await until(async () => (await ask()).status === 200); // both directions' channel_updates arrived
    const answer = (await (await ask()).json()) as { total_fee_msat: string; paths: { hops: { node_id: string; short_channel_id: string }[] }[] };
    console.log(`route: ${answer.paths[0]!.hops.map((h) => h.short_channel_id).join(' -> ')}, fee ${answer.total_fee_msat} msat`);
    // #endregion

    // The route the service gave is the one alice's own router finds: her payment goes that way.
    const { invoice } = carol.createInvoice(50_000_000n, 'via the service');
    const paid = await alice.payInvoice(invoice);
    return { hops: answer.paths[0]!.hops.length, feeMsat: answer.total_fee_msat, paidWithServiceRoute: paid.status === 'succeeded' && paid.feeMsat === BigInt(answer.total_fee_msat) };
  } finally {
    await service?.close();
    for (const n of nodes) await n.stop();
  }
}
