/**
 * {@link loadGraphFile}: reads a graph file of any `GraphFileFormat` from disk, gunzipping it
 * when needed and finding a gossmap-compress file's node map next to it, then decodes it with
 * `decodeGraphBytes`. Throws what that does, plus `GraphFileError` for missing files and bad gzip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { NetworkGraph } from '@ln/gossip';
import { readXz } from '@ln/graph-snapshots/node';
import { GraphFileError, decodeGraphBytes, isGzip, type GraphFileFormat } from '../graph-files.js';

/** Options of {@link loadGraphFile}. */
export interface LoadGraphFileOptions {
  /** The node map of a gossmap-compress file (default: `NAME-node-map.xz` next to `NAME.compressed`). */
  readonly nodeMap?: string;
}

/** Reads a graph file of any `GraphFileFormat` (gzip-compressed or not). */
export function loadGraphFile(path: string, opts: LoadGraphFileOptions = {}): { graph: NetworkGraph; format: GraphFileFormat } {
  if (!existsSync(path)) throw new GraphFileError(`no such file: ${path}`);
  let bytes: Uint8Array = new Uint8Array(readFileSync(path));
  if (isGzip(bytes)) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: 1 << 30 }));
    } catch (e) {
      throw new GraphFileError(`${path}: bad gzip data: ${(e as Error).message}`);
    }
  }
  return decodeGraphBytes(bytes, path, () => {
    const nodeMap = opts.nodeMap ?? path.replace(/\.compressed$/, '') + '-node-map.xz';
    if (!existsSync(nodeMap)) throw new GraphFileError(`${path} is a gossmap-compress file: its node map ${nodeMap} is missing (pass --node-map)`);
    return new TextDecoder().decode(nodeMap.endsWith('.xz') ? readXz(nodeMap) : new Uint8Array(readFileSync(nodeMap)));
  });
}
