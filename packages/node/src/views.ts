/** Plain, JSON-friendly views of the components' data (hex strings, bigint amounts), for the API and the CLI. */
import { txidToHex } from '@ln/chain-interfaces';
import type { ChannelDetails, ClosureReason } from '@ln/channel';
import { bytesToHex } from '@ln/crypto';

/** A channel as `LightningNode.listChannels` shows it. */
export interface NodeChannel {
  readonly channelId: string;
  readonly counterpartyNodeId: string;
  /** `block x tx x output` (BOLT 7), once the funding transaction is confirmed. */
  readonly shortChannelId?: string;
  readonly fundingTxo?: string;
  readonly state: string;
  readonly isPublic: boolean;
  readonly isOutbound: boolean;
  readonly isUsable: boolean;
  readonly confirmations: number;
  readonly capacitySat: bigint;
  readonly balanceMsat: bigint;
  readonly outboundCapacityMsat: bigint;
  readonly inboundCapacityMsat: bigint;
}

export function channelView(c: ChannelDetails): NodeChannel {
  return {
    channelId: bytesToHex(c.channelId),
    counterpartyNodeId: bytesToHex(c.counterpartyNodeId),
    ...(c.shortChannelId !== undefined ? { shortChannelId: scid(c.shortChannelId) } : {}),
    ...(c.fundingTxo ? { fundingTxo: `${txidToHex(c.fundingTxo.txid)}:${c.fundingTxo.vout}` } : {}),
    state: c.isClosing ? 'closing' : c.isUsable ? 'usable' : c.isChannelReady ? 'ready (peer offline)' : c.phase,
    isPublic: c.isAnnounced,
    isOutbound: c.isOutbound,
    isUsable: c.isUsable,
    confirmations: c.confirmations,
    capacitySat: c.channelValueSat,
    balanceMsat: c.balanceMsat,
    outboundCapacityMsat: c.outboundCapacityMsat,
    inboundCapacityMsat: c.inboundCapacityMsat,
  };
}

function scid(s: bigint): string {
  return `${s >> 40n}x${(s >> 16n) & 0xffffffn}x${s & 0xffffn}`;
}

/** One line for why a channel closed. */
export function describeClosure(r: ClosureReason): string {
  switch (r.type) {
    case 'CooperativeClosure':
      return 'cooperative close';
    case 'HolderForceClosed':
      return `we force-closed: ${r.message}`;
    case 'CounterpartyForceClosed':
      return `the peer force-closed: ${r.peerMessage}`;
    case 'ProcessingError':
      return `protocol error: ${r.message}`;
    case 'FundingAborted':
      return `funding aborted: ${r.message}`;
    case 'DataLossDetected':
      return `our state is stale: ${r.message}`;
    case 'CommitmentTxConfirmed':
      return 'a commitment transaction confirmed';
  }
}

/** `block x tx x output` as BOLT 7 writes short channel ids. */
export function scidString(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}
