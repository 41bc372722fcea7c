/**
 * `@ln/channel`: the `ChannelManager` (BOLT 2 channel state machines: opening, `channel_ready`,
 * announcement, HTLC updates and the commitment dance, reconnection, cooperative and forced
 * close, persistence) and BOLT 4 onion routing. It talks to monitors only through the `Watch`
 * seam of `@ln/chain-interfaces`.
 *
 * @packageDocumentation
 */
export * from './onion/index.js';
export * from './config.js';
export * from './events.js';
export * from './errors.js';
export { encodeState, decodeState, StateDecodeError, type StateValue } from './serde.js';
export { ChannelManager, type ChannelManagerOptions, type ChannelDetails, type RestoreOptions } from './channel-manager.js';
export { Channel, channelIdFromOutpoint, ANNOUNCEMENT_DEPTH } from './channel/channel.js';
export type { CommitmentInfo, Side } from './channel/commitment.js';
export type { ChannelContext } from './channel/context.js';
export type { ChannelState, ChannelPhase, SideParams, HtlcRecord, HtlcRemoval, FeeUpdate, ClosingState, HoldingCellUpdate } from './channel/state.js';
export { checkOpenChannel, checkAcceptChannel, checkInitialAmounts, MAX_ACCEPTED_HTLCS_LIMIT, MIN_DUST_LIMIT_SAT } from './channel/open.js';
export { dustThresholdSat, isValidShutdownScript } from './channel/closing.js';
export {
  sendAddHtlc, sendFulfillHtlc, sendFailHtlc, sendFailMalformedHtlc, sendUpdateFee, hasPendingHtlcs, type HtlcHooks,
} from './channel/updates.js';
export { availableOutboundMsat, outboundAddProblem, dustExposureMsat } from './channel/limits.js';
export * from './payments/types.js';
export type { OutboundPayment, OutboundPart } from './payments/outbound.js';
export type { InboundPaymentRecord, ClaimableSet, ClaimablePart, PendingForward } from './payments/inbound.js';
