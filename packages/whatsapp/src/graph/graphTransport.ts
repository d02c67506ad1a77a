import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike } from '../ports.js';

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

/** Why `timeoutMs` ended a request; the name is what fetch's AbortSignal.timeout uses too. */
class TransportTimeoutError extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

// Shared by every client of the process, so all numbers reuse the same connections. Free sockets
// close after 4 s idle (undici's default too), sooner when the server announces a shorter
// `Keep-Alive: timeout`, so a reused socket is rarely one the server is closing.
const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, timeout: 4_000 };
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/**
 * The default transport: `node:http`/`https` over keep-alive agents. Against fetch (undici and web
 * streams, an AbortSignal and a Response per call) it costs a fraction of the CPU per request.
 */
export const nodeHttpTransport: GraphTransport = (req) =>
  new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (error) {
      reject(Object.assign(new Error(`invalid URL ${req.url}`), { code: 'ERR_INVALID_URL', cause: error }));
      return;
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      reject(Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'ERR_INVALID_URL' }));
      return;
    }
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const succeed = (response: TransportResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(response);
    };
    const outgoing = (secure ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        agent: secure ? httpsAgent : httpAgent,
      },
      (res) => readResponse(res, req.maxBytes, succeed, fail),
    );
    const timer = setTimeout(() => {
      const error = new TransportTimeoutError(req.timeoutMs);
      fail(error);
      outgoing.destroy(error);
    }, req.timeoutMs);
    outgoing.on('error', fail);
    outgoing.end(req.body);
  });

function readResponse(
  res: IncomingMessage,
  maxBytes: number,
  succeed: (response: TransportResponse) => void,
  fail: (error: unknown) => void,
): void {
  const status = res.statusCode ?? 0;
  const header = (name: string) => {
    const value = res.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const tooLong = () => {
    // Not read further; the socket is not reused for the rest of the body.
    res.destroy();
    succeed({ status, header, body: null });
  };
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    tooLong();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) tooLong();
    else chunks.push(chunk);
  });
  res.on('end', () => succeed({ status, header, body: Buffer.concat(chunks, size) }));
  res.on('error', fail);
  // A connection cut mid-body: 'aborted' then 'close' without 'end'.
  res.on('close', () => {
    if (!res.complete) fail(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }));
  });
}

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
