// One HTTP exchange with Graph over node:http/https keep-alive agents: the body of the default
// transport on the event loop (graphTransport.ts) and of the transport thread
// (graphTransport.worker.mjs). Plain JavaScript so the thread runs it from the sources and from
// dist alike; its types are in httpExchange.d.mts.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Shared by every client of the thread, so all numbers reuse the same connections. Free sockets
// close after 4 s idle (undici's default too), sooner when the server announces a shorter
// `Keep-Alive: timeout`, so a reused socket is rarely one the server is closing.
const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, timeout: 4_000 };
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/** Why `timeoutMs` ended a request; the name is what fetch's AbortSignal.timeout uses too. */
class TransportTimeoutError extends Error {
  constructor(ms) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Reads one response header by name, as `TransportResponse.header` does (several values joined). */
export function headerReader(headers) {
  return (name) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

/**
 * Sends one request (see `TransportRequest`). Resolves with a `TransportResponse` (status,
 * `header`, body: null when longer than `maxBytes`) that also carries the plain `headers` a thread
 * passes on (lower-case names; functions do not cross threads); rejects with the error's
 * `code` (ECONNREFUSED, …) on transport failures and with `name === 'TimeoutError'` after
 * `timeoutMs`.
 */
export function exchange(req) {
  return new Promise((resolve, reject) => {
    let url;
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
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    let settled = false;
    const fail = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    const succeed = (response) => {
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
}

function readResponse(res, maxBytes, succeed, fail) {
  const status = res.statusCode ?? 0;
  const headers = res.headers;
  const header = headerReader(headers);
  const tooLong = () => {
    // Not read further; the socket is not reused for the rest of the body.
    res.destroy();
    succeed({ status, headers, header, body: null });
  };
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    tooLong();
    return;
  }
  const chunks = [];
  let size = 0;
  res.on('data', (chunk) => {
    size += chunk.length;
    if (size > maxBytes) tooLong();
    else chunks.push(chunk);
  });
  res.on('end', () => succeed({ status, headers, header, body: Buffer.concat(chunks, size) }));
  res.on('error', fail);
  // A connection cut mid-body: 'aborted' then 'close' without 'end'.
  res.on('close', () => {
    if (!res.complete) fail(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }));
  });
}
