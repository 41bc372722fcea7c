/**
 * Loading a graph from a file, whatever it holds: an `@ln/gossip` `NetworkGraph` snapshot
 * (`saveGraphSnapshot`, magic `LNGRAPH2`, or `LNGRAPH1` of older versions), a Core Lightning gossmap-compress file (gzip, with
 * its node map next to it or given), or a Core Lightning `listchannels` JSON (plain or gzip).
 * The last two are decoded by `@ln/graph-snapshots` and loaded with `graphFromModel`. Bad
 * files throw `GraphFileError`, `SnapshotFormatError` (`@ln/gossip`) or `SnapshotDecodeError`
 * (`@ln/graph-snapshots`), nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { NetworkGraph, graphFromModel, loadGraphSnapshot, saveGraphSnapshot } from '@ln/gossip';
import { SnapshotDecodeError, decodeGossmapCompressed, gossmapToSnapshot, parseListChannels, parseNodeMap } from '@ln/graph-snapshots';
import { readXz } from '@ln/graph-snapshots/node';

/** Which kind of file a graph came from. */
export type GraphFileFormat = 'ln-graph-snapshot' | 'cln-gossmap-compressed' | 'cln-listchannels';

/** Options of {@link loadGraphFile}. */
export interface LoadGraphFileOptions {
  /** The node map of a gossmap-compress file (default: `NAME-node-map.xz` next to `NAME.compressed`). */
  readonly nodeMap?: string;
}

/** A graph file that cannot be read. */
export class GraphFileError extends Error {
  override readonly name = 'GraphFileError';
}

const startsWith = (b: Uint8Array, text: string) => b.length >= text.length && [...text].every((c, i) => b[i] === c.charCodeAt(0));

/** Reads a graph file of any {@link GraphFileFormat}. */
export function loadGraphFile(path: string, opts: LoadGraphFileOptions = {}): { graph: NetworkGraph; format: GraphFileFormat } {
  if (!existsSync(path)) throw new GraphFileError(`no such file: ${path}`);
  let bytes: Uint8Array = new Uint8Array(readFileSync(path));
  if (startsWith(bytes, 'LNGRAPH2') || startsWith(bytes, 'LNGRAPH1')) return { graph: loadGraphSnapshot(bytes), format: 'ln-graph-snapshot' }; // throws only SnapshotFormatError
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: 1 << 30 }));
    } catch (e) {
      throw new GraphFileError(`${path}: bad gzip data: ${(e as Error).message}`);
    }
  }
  if (startsWith(bytes, 'GOSSMAP_COMPRESSv1')) {
    const nodeMap = opts.nodeMap ?? path.replace(/\.compressed$/, '') + '-node-map.xz';
    if (!existsSync(nodeMap)) throw new GraphFileError(`${path} is a gossmap-compress file: its node map ${nodeMap} is missing (pass --node-map)`);
    const text = new TextDecoder().decode(nodeMap.endsWith('.xz') ? readXz(nodeMap) : new Uint8Array(readFileSync(nodeMap)));
    const snap = decoded(path, () => gossmapToSnapshot(decodeGossmapCompressed(bytes), parseNodeMap(text), path));
    return { graph: graphFromModel(snap), format: 'cln-gossmap-compressed' };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new GraphFileError(`${path}: not a graph snapshot, a gossmap-compress file or listchannels JSON`);
  }
  return { graph: graphFromModel(decoded(path, () => parseListChannels(json, path))), format: 'cln-listchannels' };
}

/** Runs a decoder of untrusted data; anything but its own typed error becomes a {@link GraphFileError}. */
function decoded<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SnapshotDecodeError) throw e;
    throw new GraphFileError(`${path}: ${(e as Error).message}`);
  }
}

/** Writes a graph as an `@ln/gossip` snapshot (the fastest to load). */
export function graphSnapshotBytes(graph: NetworkGraph): Uint8Array {
  return saveGraphSnapshot(graph);
}
