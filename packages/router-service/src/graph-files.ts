/**
 * Decoding a graph from bytes, whatever they hold: an `@ln/gossip` `NetworkGraph` snapshot
 * (`saveGraphSnapshot`, magic `LNGRAPH2`, or `LNGRAPH1` of older versions), a Core Lightning
 * gossmap-compress file (with its node map), or a Core Lightning `listchannels` JSON. The last
 * two are decoded by `@ln/graph-snapshots` and loaded with `graphFromModel`. Bad bytes throw
 * `GraphFileError`, `SnapshotFormatError` (`@ln/gossip`) or `SnapshotDecodeError`
 * (`@ln/graph-snapshots`), nothing else. Reading files (and gunzipping them) is
 * `loadGraphFile` in the Node-only entry `@ln/router-service/node`.
 */
import { NetworkGraph, graphFromModel, loadGraphSnapshot, saveGraphSnapshot } from '@ln/gossip';
import { SnapshotDecodeError, decodeGossmapCompressed, gossmapToSnapshot, parseListChannels, parseNodeMap } from '@ln/graph-snapshots';

/** Which kind of file a graph came from. */
export type GraphFileFormat = 'ln-graph-snapshot' | 'cln-gossmap-compressed' | 'cln-listchannels';

/** A graph file that cannot be read. */
export class GraphFileError extends Error {
  override readonly name = 'GraphFileError';
}

const startsWith = (b: Uint8Array, text: string) => b.length >= text.length && [...text].every((c, i) => b[i] === c.charCodeAt(0));

/** Whether `bytes` start with the gzip magic (`1f 8b`): they must be decompressed before {@link decodeGraphBytes}. */
export const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * Decodes a graph of any {@link GraphFileFormat} from (decompressed) bytes. `name` labels errors;
 * `nodeMapText` gives the node map a gossmap-compress file needs (asked for only then).
 */
export function decodeGraphBytes(bytes: Uint8Array, name: string, nodeMapText?: () => string): { graph: NetworkGraph; format: GraphFileFormat } {
  if (startsWith(bytes, 'LNGRAPH2') || startsWith(bytes, 'LNGRAPH1')) return { graph: loadGraphSnapshot(bytes), format: 'ln-graph-snapshot' }; // throws only SnapshotFormatError
  if (isGzip(bytes)) throw new GraphFileError(`${name}: gzip data, decompress it first`);
  if (startsWith(bytes, 'GOSSMAP_COMPRESSv1')) {
    if (!nodeMapText) throw new GraphFileError(`${name} is a gossmap-compress file: its node map is needed`);
    const text = nodeMapText();
    const snap = decoded(name, () => gossmapToSnapshot(decodeGossmapCompressed(bytes), parseNodeMap(text), name));
    return { graph: graphFromModel(snap), format: 'cln-gossmap-compressed' };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new GraphFileError(`${name}: not a graph snapshot, a gossmap-compress file or listchannels JSON`);
  }
  return { graph: graphFromModel(decoded(name, () => parseListChannels(json, name))), format: 'cln-listchannels' };
}

/** Runs a decoder of untrusted data; anything but its own typed error becomes a {@link GraphFileError}. */
function decoded<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SnapshotDecodeError) throw e;
    throw new GraphFileError(`${name}: ${(e as Error).message}`);
  }
}

/** Writes a graph as an `@ln/gossip` snapshot (the fastest to load). */
export function graphSnapshotBytes(graph: NetworkGraph): Uint8Array {
  return saveGraphSnapshot(graph);
}
