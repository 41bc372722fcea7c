/**
 * The HTTP layer both clients share: the global `fetch` (browsers and Node 18+), a per-request
 * timeout, and a cap on the response size, with every failure turned into a
 * {@link ChainSourceError}.
 *
 * @packageDocumentation
 */
import { ChainSourceError } from './errors.js';

/** The part of `fetch` the clients use; defaults to `globalThis.fetch`. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Transport options common to both clients. */
export interface HttpOptions {
  /** Milliseconds a request (including reading its body) may take. Default 30,000. */
  readonly timeoutMs?: number;
  /** Largest response body accepted, in bytes. Default 64 MiB (a 4 MB block as hex in JSON is ~8 MB). */
  readonly maxResponseBytes?: number;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
}

/** A response read in full. */
export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** Default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default response size cap. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

async function readBody(res: Response, max: number, endpoint: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new ChainSourceError('malformed', `response of ${declared} bytes exceeds the ${max}-byte limit`, { endpoint, status: res.status });
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new ChainSourceError('malformed', `response exceeds the ${max}-byte limit`, { endpoint, status: res.status });
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Performs one request; rejects only with {@link ChainSourceError} (`timeout` or `network`). */
export async function httpRequest(url: string, init: RequestInit, opts: HttpOptions, endpoint: string): Promise<HttpResponse> {
  const doFetch = opts.fetch ?? (globalThis.fetch as FetchLike | undefined);
  if (!doFetch) throw new ChainSourceError('network', 'no fetch implementation available', { endpoint });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await doFetch(url, { ...init, signal: controller.signal });
    const body = await readBody(res, opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, endpoint);
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
  } catch (e) {
    if (e instanceof ChainSourceError) throw e;
    if (timedOut) throw new ChainSourceError('timeout', `no complete response within ${timeoutMs} ms`, { endpoint, cause: e });
    throw new ChainSourceError('network', `request failed: ${(e as Error)?.message ?? String(e)}`, { endpoint, cause: e });
  } finally {
    clearTimeout(timer);
  }
}

const utf8 = new TextDecoder('utf-8');
/** A body as UTF-8 text (invalid sequences become U+FFFD; never throws). */
export function bodyText(body: Uint8Array): string {
  return utf8.decode(body);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Standard base64 of the UTF-8 bytes of `s` (for HTTP basic auth). */
export function base64Utf8(s: string): string {
  const b = new TextEncoder().encode(s);
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < b.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < b.length ? B64[n & 63]! : '=';
  }
  return out;
}
