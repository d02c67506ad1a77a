import type { FetchLike } from '../ports.js';
import { exchange } from './httpExchange.mjs';

/** One HTTP exchange with Graph, as the client needs it. */
export interface TransportRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The whole exchange, body included; past it the request fails with a `TimeoutError`. */
  timeoutMs: number;
  /** A longer body is not read: the answer comes back with `body: null`. */
  maxBytes: number;
}

export interface TransportResponse {
  status: number;
  /** A response header (lower-case name). */
  header(name: string): string | undefined;
  /** Null when the body is (or announces to be) longer than `maxBytes`. */
  body: Buffer | null;
}

/**
 * Sends one request. Rejects on transport failures with the error's `code` (ECONNREFUSED, …) on
 * it or on its `cause`, and with `name === 'TimeoutError'` when `timeoutMs` passed.
 */
export type GraphTransport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * The default transport: undici's keep-alive connection pools, shared by every client of the
 * process, through its callback dispatcher API, on the event loop. Against fetch (web streams, an
 * AbortSignal and a Response per call) it costs a fraction of the CPU per request, and about half
 * of what `node:http` with a keep-alive agent costs. The server sends through the transport thread
 * instead (`createThreadTransport`: the same exchange, off the event loop) unless
 * `GRAPH_SEND_THREAD=false`.
 */
export const pooledHttpTransport: GraphTransport = exchange;

/** The transport over an injected Fetch API (tests, proxies); same contract as the default. */
export function fetchTransport(doFetch: FetchLike): GraphTransport {
  return async (req) => {
    const response = await doFetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined && {
        body: typeof req.body === 'string' ? req.body : new Uint8Array(req.body),
      }),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const header = (name: string) => response.headers.get(name) ?? undefined;
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > req.maxBytes) {
      await response.body?.cancel();
      return { status: response.status, header, body: null };
    }
    return { status: response.status, header, body: await readCapped(response, req.maxBytes) };
  };
}

/** Reads a body up to `max` bytes; null (and the stream cancelled) as soon as it is longer. */
async function readCapped(response: Response, max: number): Promise<Buffer | null> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
