/**
 * `@ln/graph-snapshots`: decoders for real Lightning graph snapshots — Core Lightning's
 * gossmap-compress format with its node map, and `listchannels` JSON — into one plain model
 * (`GraphSnapshot`), for tests, benchmarks and tools. Loading from disk is in
 * `@ln/graph-snapshots/node`.
 *
 * @packageDocumentation
 */
export * from './model.js';
export * from './gossmap.js';
export * from './listchannels.js';
