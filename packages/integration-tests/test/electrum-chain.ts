/**
 * The shared world of the Electrum interop tests: one `MemoryChain` (the only chain), the
 * Electrum-protocol server in front of it, our node, and one Electrum wallet process; helpers
 * to mine and wait until both sides have seen the blocks.
 */
import { txidToHex, type OutPoint } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { MemoryChain, parseTx, type ParsedTx } from '@ln/test-kit';
import { scriptFromAddress } from '@ln/transactions';
import { ElectrumProcess, freePort, requireElectrum } from './electrum-driver.js';
import { OurNode } from './electrum-node.js';
import { ElectrumServer } from './electrum-server.js';

/** max_dust_htlc_exposure_msat of our node in the interop tests (see startWorld). */
export const INTEROP_MAX_DUST_EXPOSURE_MSAT = 450_000_000n;

export interface World {
  chain: MemoryChain;
  server: ElectrumServer;
  ours: OurNode;
  ourPort: number;
  electrum: ElectrumProcess;
  electrumId: string;
  electrumPort: number;
  electrumVersion: string;
}

/** Starts everything: 101 blocks, Electrum synced, both wallets funded with confirmed coins. */
export async function startWorld(): Promise<World> {
  const electrumVersion = requireElectrum();
  // Block times close to the wall clock: Electrum refuses to accept HTLCs while its tip is more
  // than 8 hours old (blockchain.is_tip_stale, lnpeer.maybe_fulfill_htlc).
  const chain = new MemoryChain({ startTime: Math.floor(Date.now() / 1000) - 3600, blockIntervalSeconds: 10 });
  chain.mine(101);
  const server = new ElectrumServer(chain);
  const port = await server.start();
  // Our default max_htlc_value_in_flight_msat (max(10%, min(channel, 100,000 sat)) since
  // fb9dd91) is accepted by Electrum 4.3.4 (lnutil.RemoteConfig.validate_params), but its MPP
  // splitter ignores it: lnworker.suggest_splits sizes parts by available_to_spend only
  // (lnworker.py:1562), may put two parts on one channel past our limit or its own fee
  // headroom, and pay_invoice gives up at the first local PaymentFailure (lnchannel.py:877/891)
  // with a part left in flight. So the channel's whole value may be in flight here.
  // Electrum's regtest mode funds at 45,000 sat/kw, where every HTLC under ~32,000 sat is
  // trimmed; our default max_dust_htlc_exposure_msat (5,000 sat) would refuse any such HTLC, and
  // Electrum's MPP splitter (at random) sends such parts. We allow what LDK's default
  // (10,000 x the feerate in sat/kw, in msat) allows at 45,000 sat/kw; a step checks the default.
  const ours = new OurNode(chain, 'interop-ours', {
    channelHandshakeConfig: { maxInboundHtlcValueInFlightPercent: 100 },
    channelConfig: { maxDustHtlcExposureMsat: INTEROP_MAX_DUST_EXPOSURE_MSAT },
  });
  const ourPort = await ours.start();
  const electrum = new ElectrumProcess(port, { listenPort: await freePort() });
  const ready = await electrum.event('ready', 60_000);
  const w: World = { chain, server, ours, ourPort, electrum, electrumId: ready.node_id, electrumPort: ready.listen_port, electrumVersion };
  const coin = chain.fund(scriptFromAddress(ready.address, 'regtest'), 3_000_000n);
  ours.fundWallet(2_000_000n);
  await mine(w, 1, [txidToHex(coin.outpoint.txid)]);
  return w;
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.electrum.stop();
  await w.ours.stop();
  await w.server.close();
}

/** Mines `n` blocks (with the mempool), then waits until Electrum has the headers and has verified `txids`. */
export async function mine(w: World, n: number, txids: string[] = []): Promise<void> {
  w.chain.mine(n);
  w.server.poll();
  w.ours.step();
  await w.electrum.call('sync', { height: w.chain.tipHeight, txids });
  w.ours.step();
}

/** Polls `cond` every 20 ms. */
export async function until(cond: () => boolean, ms: number, what: string, w?: World): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${w ? `\n--- our events: ${w.ours.events.map((e) => e.type).join(', ')}\n--- our channels: ${JSON.stringify(w.ours.cm.listChannels().map((c: { phase: string; isChannelReady: boolean; isUsable: boolean; confirmations: number }) => ({ phase: c.phase, ready: c.isChannelReady, usable: c.isUsable, conf: c.confirmations })))}\n--- our log:\n${w.ours.logTail()}\n--- Electrum log:\n${w.electrum.logTail(4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The confirmed transaction spending `op`, with its height. */
export function spenderOf(chain: MemoryChain, op: OutPoint): { tx: ParsedTx; height: number } | undefined {
  for (let h = chain.tipHeight; h > 0; h--) {
    for (const raw of chain.getBlock(h)!.transactions) {
      const tx = parseTx(raw);
      if (tx.inputs.some((i) => bytesToHex(i.txid) === bytesToHex(op.txid) && i.vout === op.vout)) return { tx, height: h };
    }
  }
  return undefined;
}

export const hexToU8 = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
