/** What a node owns, on chain and in channels (see `LightningNode.balances`). */
import type { ChannelManager } from '@ln/channel';
import { bytesToHex } from '@ln/crypto';
import type { Balance, ChainMonitor } from '@ln/monitor';
import type { OnChainWallet, WalletBalance } from './wallet.js';

/** A node's balances. */
export interface NodeBalances {
  readonly onChain: WalletBalance;
  /** Our balance in open channels, msat (to_local on our current commitment; the funder's share pays the commitment fee). */
  readonly lightningMsat: bigint;
  /** What monitors of closed (or closing) channels will claim for us, sat: delayed outputs, HTLCs, revoked outputs being taken. */
  readonly claimableOnChainSat: bigint;
  /** The claimable balances of those channels, by channel id (hex). */
  readonly claimable: readonly { readonly channelId: string; readonly balances: readonly Balance[] }[];
  /** onChain (all three parts) + lightning (rounded down to sat) + claimable. */
  readonly totalSat: bigint;
}

export function nodeBalances(cm: ChannelManager, monitors: ChainMonitor, wallet: OnChainWallet): NodeBalances {
  const open = cm.listChannels();
  const openIds = new Set(open.map((c) => bytesToHex(c.channelId)));
  const lightningMsat = open.reduce((a, c) => a + c.balanceMsat, 0n);
  const claimable: { channelId: string; balances: Balance[] }[] = [];
  let claimableOnChainSat = 0n;
  for (const c of monitors.getClaimableBalances()) {
    const id = bytesToHex(c.channelId);
    if (openIds.has(id)) continue;
    // Claims already confirmed pay our wallet's script: the wallet counts them.
    const bs = c.balances.filter((b) => !(b.type === 'ClaimableAwaitingConfirmations' && b.source === 'claim'));
    if (!bs.length) continue;
    claimable.push({ channelId: id, balances: bs });
    claimableOnChainSat += bs.reduce((a, b) => a + b.amountSat, 0n);
  }
  const onChain = wallet.balance();
  return {
    onChain, lightningMsat, claimableOnChainSat, claimable,
    totalSat: onChain.confirmedSat + onChain.unconfirmedSat + onChain.reservedSat + lightningMsat / 1000n + claimableOnChainSat,
  };
}
