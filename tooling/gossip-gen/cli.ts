// Generates the mainnet-sized gossip stream (cached under os.tmpdir()) and prints its counts.
// Usage: npx tsx --conditions=source tooling/gossip-gen/cli.ts [maxChannels]
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { cachedGossipStream } from './cache.js';

const max = process.argv[2] ? Number(process.argv[2]) : undefined;
const t0 = performance.now();
const topo = loadClnGossmap2026();
const { backend } = loadBestSecp256k1();
const s = cachedGossipStream(topo, { secp: backend, maxChannels: max, name: 'cln-2026-02-03' });
console.log(`${s.fromCache ? 'cached' : 'generated'} with ${backend.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s:`, s.counts, `${s.messages.length} messages`);
