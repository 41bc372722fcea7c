/**
 * `@ln/channel`: the `ChannelManager` (BOLT 2 channel state machines and payments) and BOLT 4
 * onion routing. This release holds the onion layer; the channel state machine follows.
 *
 * @packageDocumentation
 */
export * from './onion/index.js';
