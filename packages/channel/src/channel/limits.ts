/**
 * The accounting behind BOLT 2's `update_add_htlc` and `update_fee` rules: HTLCs in flight,
 * the funder's commitment fee, channel reserves and the dust exposure bound
 * (`max_dust_htlc_exposure_msat`), on either side's next commitment.
 */
import { ANCHOR_OUTPUT_VALUE_SAT, commitmentFeeSat, isHtlcTrimmed } from '@ln/transactions';
import type { Channel } from './channel.js';
import { commitmentBalances, commitmentFeerate, type Side } from './commitment.js';
import type { HoldingCellUpdate } from './state.js';

/** The number of the next commitment of `side` (the one the next `commitment_signed` for it signs). */
export function nextCtn(ch: Channel, side: Side): bigint {
  return side === 'local' ? ch.s.holderCtn + 1n : ch.s.counterpartyLatestCtn + 1n;
}

/** Live HTLCs in one direction on `side`'s next commitment (proposed ones included), and their total. */
export function inFlight(ch: Channel, side: Side, outbound: boolean): { count: number; totalMsat: bigint } {
  const n = nextCtn(ch, side);
  let count = 0;
  let totalMsat = 0n;
  for (const h of ch.s.htlcs) {
    if (h.outbound !== outbound) continue;
    const add = side === 'local' ? h.addLocal : h.addRemote;
    const rem = side === 'local' ? h.removeLocal : h.removeRemote;
    const pendingAdd = add === undefined && (outbound ? side === 'local' : side === 'remote'); // proposed, not yet on this side
    if ((add !== undefined && add <= n && !(rem !== undefined && rem <= n)) || pendingAdd) {
      count++;
      totalMsat += h.amountMsat;
    }
  }
  return { count, totalMsat };
}

/** The dust limit that applies to `side`'s commitment. */
function dustLimitOf(ch: Channel, side: Side): bigint {
  return side === 'local' ? ch.s.ourParams.dustLimitSat : ch.s.theirParams!.dustLimitSat;
}

/** The highest feerate `side`'s commitment may carry soon: its next one, or a proposed `update_fee` not yet on it. */
function pendingFeerate(ch: Channel, side: Side): number {
  let rate = commitmentFeerate(ch.s, side, nextCtn(ch, side));
  for (const f of ch.s.feeUpdates) if (f.feeratePerKw > rate) rate = f.feeratePerKw;
  for (const u of ch.s.holdingCell) if (u.type === 'fee' && u.feeratePerKw > rate) rate = u.feeratePerKw;
  return rate;
}

/**
 * The fee (msat) the funder pays on `side`'s next commitment with `extraHtlcs` more non-dust
 * HTLCs (BOLT 3 "Fee Calculation"), plus both anchors with `option_anchors`.
 */
export function funderFeeMsat(ch: Channel, side: Side, extraHtlcs: number, feeratePerKw?: number): bigint {
  const n = nextCtn(ch, side);
  const rate = feeratePerKw ?? commitmentFeerate(ch.s, side, n);
  const dust = dustLimitOf(ch, side);
  const { htlcs } = commitmentBalances(ch.s, side, n);
  const nonDust = htlcs.filter((h) => !isHtlcTrimmed(side === 'local' ? h.outbound : !h.outbound, h.amountMsat, dust, rate, ch.s.anchors)).length;
  return (commitmentFeeSat(rate, nonDust + extraHtlcs, ch.s.anchors) + (ch.s.anchors ? 2n * ANCHOR_OUTPUT_VALUE_SAT : 0n)) * 1000n;
}

/** Our outbound adds not yet on the counterparty's next commitment (the holding cell), msat and count. */
function heldAdds(ch: Channel): { count: number; totalMsat: bigint } {
  const held = ch.s.holdingCell.filter((u) => u.type === 'add') as Extract<HoldingCellUpdate, { type: 'add' }>[];
  return { count: held.length, totalMsat: held.reduce((a, u) => a + u.amountMsat, 0n) };
}

/**
 * Our spendable balance for a new outbound HTLC right now (msat): our balance on both sides'
 * next commitments, less the HTLCs waiting in the holding cell, the reserve the counterparty
 * asked of us, and (as funder) the commitment fee with one more HTLC.
 */
export function availableOutboundMsat(ch: Channel): bigint {
  const held = heldAdds(ch).totalMsat;
  const reserve = ch.s.theirParams!.channelReserveSat * 1000n;
  let best: bigint | undefined;
  for (const side of ['remote', 'local'] as const) {
    const { toLocalMsat } = commitmentBalances(ch.s, side, nextCtn(ch, side));
    // Outbound adds not yet on this side's commitment still come out of our balance.
    let pendingOut = 0n;
    let pendingCount = 0;
    for (const h of ch.s.htlcs) {
      if (h.outbound && !h.removal && (side === 'local' ? h.addLocal === undefined : h.addRemote === undefined)) {
        pendingOut += h.amountMsat;
        pendingCount++;
      }
    }
    let avail = toLocalMsat - pendingOut - held - reserve;
    if (ch.s.isOutbound) avail -= funderFeeMsat(ch, side, 1 + pendingCount + heldAdds(ch).count, pendingFeerate(ch, side));
    if (best === undefined || avail < best) best = avail;
  }
  return best! > 0n ? best! : 0n;
}

/** The value of trimmed (dust) HTLCs on `side`'s commitment if every live and proposed HTLC were on it (msat). */
export function dustExposureMsat(ch: Channel, side: Side): bigint {
  const rate = pendingFeerate(ch, side);
  const dust = dustLimitOf(ch, side);
  let total = 0n;
  for (const h of ch.s.htlcs) {
    if (h.removal) continue;
    if (isHtlcTrimmed(side === 'local' ? h.outbound : !h.outbound, h.amountMsat, dust, rate, ch.s.anchors)) total += h.amountMsat;
  }
  for (const u of ch.s.holdingCell) {
    if (u.type === 'add' && isHtlcTrimmed(side === 'local', u.amountMsat, dust, rate, ch.s.anchors)) total += u.amountMsat;
  }
  return total;
}

/**
 * Whether an HTLC of `amountMsat` (ours if `outbound`) would push the dust exposure of either
 * commitment over `max_dust_htlc_exposure_msat` (BOLT 2 "Bounding exposure to trimmed in-flight
 * HTLCs"). Returns the side that would overflow, or `undefined`.
 */
export function dustExposureExceeded(ch: Channel, amountMsat: bigint, outbound: boolean): Side | undefined {
  const cfg = ch.ctx.config.channelConfig;
  for (const side of ['remote', 'local'] as const) {
    const rate = pendingFeerate(ch, side);
    const max = cfg.maxDustHtlcExposureMsat ?? BigInt(cfg.maxDustHtlcExposureFeeRateMultiplier) * BigInt(rate);
    const offeredByBroadcaster = side === 'local' ? outbound : !outbound;
    if (!isHtlcTrimmed(offeredByBroadcaster, amountMsat, dustLimitOf(ch, side), rate, ch.s.anchors)) continue;
    if (dustExposureMsat(ch, side) + amountMsat > max) return side;
  }
  return undefined;
}

/**
 * Why we may not offer an HTLC of `amountMsat` now (BOLT 2 `update_add_htlc`, sending node), or
 * `undefined`; `alsoAdding` counts other HTLCs about to be added with it (the parts of one payment). The reasons are the ones a forwarding node turns into `temporary_channel_failure`
 * or `amount_below_minimum`.
 */
export function outboundAddProblem(
  ch: Channel, amountMsat: bigint, alsoAdding: { readonly count: number; readonly totalMsat: bigint } = { count: 0, totalMsat: 0n },
): { code: 'below_minimum' | 'max_htlcs' | 'in_flight' | 'balance' | 'dust' | 'fee'; message: string } | undefined {
  const s = ch.s;
  const p = s.theirParams!;
  if (amountMsat <= 0n || amountMsat < p.htlcMinimumMsat) return { code: 'below_minimum', message: `amount ${amountMsat} msat is below the peer's htlc_minimum_msat ${p.htlcMinimumMsat}` };
  const fl = inFlight(ch, 'remote', true);
  const held = heldAdds(ch);
  if (fl.count + held.count + alsoAdding.count + 1 > p.maxAcceptedHtlcs) return { code: 'max_htlcs', message: `the peer accepts at most ${p.maxAcceptedHtlcs} HTLCs` };
  if (fl.totalMsat + held.totalMsat + alsoAdding.totalMsat + amountMsat > p.maxHtlcValueInFlightMsat) {
    return { code: 'in_flight', message: `the peer's max_htlc_value_in_flight_msat ${p.maxHtlcValueInFlightMsat} would be exceeded` };
  }
  const avail = availableOutboundMsat(ch) - alsoAdding.totalMsat;
  if (amountMsat > avail) return { code: 'balance', message: `insufficient balance: ${avail > 0n ? avail : 0n} msat available, ${amountMsat} needed` };
  if (!s.isOutbound) {
    // The funder must still afford the fee of its commitment with one more HTLC (SHOULD NOT offer otherwise).
    const { toRemoteMsat } = commitmentBalances(s, 'remote', nextCtn(ch, 'remote'));
    if (toRemoteMsat < funderFeeMsat(ch, 'remote', 1) + s.ourParams.channelReserveSat * 1000n) return { code: 'fee', message: 'the funder could not afford the commitment fee with another HTLC' };
  }
  const side = dustExposureExceeded(ch, amountMsat, true);
  if (side) return { code: 'dust', message: `the HTLC would push the dust exposure of the ${side} commitment over max_dust_htlc_exposure_msat` };
  return undefined;
}
