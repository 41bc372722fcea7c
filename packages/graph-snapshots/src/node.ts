/**
 * `@ln/graph-snapshots/node`: loading the real snapshots of `shared/data` from disk (gunzip
 * with `node:zlib`; xz through the `xz` command, as Node has no xz decoder).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeGossmapCompressed, gossmapToSnapshot, parseNodeMap } from './gossmap.js';
import { parseListChannels } from './listchannels.js';
import type { GraphSnapshot } from './model.js';

/** `../shared/data` next to the repository root, found by walking up from this file. */
export function defaultDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, '..', 'shared', 'data');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('could not find ../shared/data above this package; pass the data directory');
}

/** Decompresses an xz file with the `xz` command. */
export function readXz(path: string): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 28 }));
}

/** The Core Lightning 2026-02-03 mainnet snapshot: 17,324 nodes, 50,808 channels, policies per direction. */
export function loadClnGossmap2026(dataDir = defaultDataDir()): GraphSnapshot {
  const tables = decodeGossmapCompressed(new Uint8Array(gunzipSync(readFileSync(join(dataDir, 'cln-gossmap-2026-02-03.compressed')))));
  const nodes = parseNodeMap(new TextDecoder().decode(readXz(join(dataDir, 'cln-gossmap-2026-02-03-node-map.xz'))));
  return gossmapToSnapshot(tables, nodes, 'cln-gossmap-2026-02-03');
}

/** The Core Lightning `listchannels` snapshot of 2021-04-16: 8,827 nodes, 37,454 channels. */
export function loadListChannels2021(dataDir = defaultDataDir()): GraphSnapshot {
  const json = JSON.parse(new TextDecoder().decode(gunzipSync(readFileSync(join(dataDir, 'listchannels-20210416.json.gz')))));
  return parseListChannels(json, 'listchannels-2021-04-16');
}
