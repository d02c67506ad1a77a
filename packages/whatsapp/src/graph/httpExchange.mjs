// One HTTP exchange with Graph over undici's keep-alive connection pools, through its lowest-level
// dispatcher API (callbacks, no fetch, no streams, no AbortSignal): the body of the default
// transport on the event loop (graphTransport.ts) and of the transport thread
// (graphTransport.worker.mjs). Plain JavaScript so the thread runs it from the sources and from
// dist alike; its types are in httpExchange.d.mts.
//
// Against `node:http` with a keep-alive agent it takes ~45 instead of ~80 µs of CPU per request (a
// loopback micro-benchmark of 20,000 POSTs of a text message, 50 at a time, three rounds): the
// transport thread ran ~1.8 requests a reply (the send and the read receipt) at ~0.18 ms a reply.
import { Agent, util } from 'undici';

// Shared by every client of the thread, so all numbers reuse the same connections (one pool per
// origin, 256 connections at most each). Idle connections close after 4 s, sooner when the server
// announces a shorter `Keep-Alive: timeout`, so a reused one is rarely one the server is closing.
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000 });

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
 * `code` (ECONNREFUSED, UND_ERR_SOCKET for a connection cut after the request went out, …) and
 * with `name === 'TimeoutError'` after `timeoutMs`.
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
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      reject(Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'ERR_INVALID_URL' }));
      return;
    }
    let settled = false;
    /** Cuts the request (its connection is not reused); set once undici has queued it. */
    let abort;
    const finish = () => {
      settled = true;
      clearTimeout(timer);
    };
    const fail = (error) => {
      if (settled) return;
      finish();
      reject(error);
    };
    const timer = setTimeout(() => {
      const error = new TransportTimeoutError(req.timeoutMs);
      fail(error);
      abort?.(error);
    }, req.timeoutMs);

    let status = 0;
    let headers = {};
    const chunks = [];
    let size = 0;
    /** Answers with the status and no body, and cuts the rest of the body (not read). */
    const tooLong = () => {
      if (settled) return;
      finish();
      resolve({ status, headers, header: headerReader(headers), body: null });
      abort?.(new Error('answer longer than allowed'));
    };
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: req.headers,
          body: req.body,
        },
        {
          onConnect(abortRequest) {
            abort = abortRequest;
            if (settled) abortRequest(new Error('the exchange already ended'));
          },
          onHeaders(statusCode, rawHeaders) {
            // An informational answer (1xx): the final one follows.
            if (statusCode < 200) return true;
            status = statusCode;
            headers = util.parseHeaders(rawHeaders);
            const declared = Number(headers['content-length']);
            if (Number.isFinite(declared) && declared > req.maxBytes) {
              tooLong();
              return false;
            }
            return true;
          },
          onData(chunk) {
            if (settled) return false;
            size += chunk.length;
            if (size > req.maxBytes) {
              tooLong();
              return false;
            }
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            if (settled) return;
            finish();
            resolve({ status, headers, header: headerReader(headers), body: Buffer.concat(chunks, size) });
          },
          onError: fail,
        },
      );
    } catch (error) {
      // A request undici refuses outright (a header value it cannot send, say).
      fail(error);
    }
  });
}
