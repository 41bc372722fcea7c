/**
 * `tooling/gossip-gen`: a validly signed BOLT 7 gossip stream at real mainnet size, generated
 * at run time from the Core Lightning 2026-02-03 topology in `shared/data` with deterministic
 * test keys (for `@ln/gossip`'s tests and benchmarks). Run `npx tsx tooling/gossip-gen/cli.ts`
 * to generate it and print its counts.
 */
export * from './generate.js';
export * from './cache.js';
